/*
 * test_witness_push.c: logd pushes its checkpoints to witnesses and serves
 * the cosigned ones (issue 11 section 2; docs/witness.md, "The push").
 *
 * Three real `credlog witness` processes (w3 over HTTPS, checked against
 * its certificate with --witness-cacert) and three that misbehave
 * (tests/support/fakewit.h: one never answers, one answers 409 with a size
 * beyond the log's, one answers a bad cosignature) are all in logd's
 * tlog-policy, whose quorum is 2 of the real three:
 *
 *  - cosignatures arrive: GET /checkpoint carries the log's signature and
 *    the three real cosignatures (of witnesses with 200-byte names, so the
 *    note is longer than a signed checkpoint alone can be), which verify
 *    with proofs/note.c and with Go's sumdb/note plus the spec
 *    (tests/interop/cosigcheck);
 *    `credlog verify --witness-policy` (2 of 3) accepts a receipt online;
 *  - a status proof answers from the quorum checkpoint's snapshot: a
 *    credential logged after it is still "unknown" there until the next
 *    quorum;
 *  - the faults delay nothing: receipts are answered while the only policy
 *    witness of a second logd holds its first push (shown by order: that
 *    push is still open afterwards), the push's deadline counts a slow
 *    witness (timeout), the liars
 *    raise alarms (metrics ahead, bad_cosignature) and are asked once, not
 *    in a loop; a witness killed with SIGKILL costs only network failures;
 *  - a restarted logd keeps each witness's size: no 409 (stale_size 0);
 *    a witness that cosigned a size logd never saved answers 409 with it,
 *    and logd proves its checkpoint from that size (one stale_size);
 *  - split view: a second logd with the same key and another history
 *    pushes to the same witnesses: refused (409 with a size beyond it, or
 *    422), none cosigns, and `credlog verify --witness-policy` finds its
 *    checkpoint INVALID;
 *  - without --witness-cacert, the HTTPS witness's certificate is refused
 *    (network failures, the checkpoint never reaches it).
 *
 * Every wait is on a condition (wait.h, logd_api_wait_metric).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "check.h"
#include "credlog_run.h"
#include "fakewit.h"
#include "files.h"
#include "gotool.h"
#include "issuer.h"
#include "logd_api.h"
#include "logd_proc.h"
#include "logd_raw.h"
#include "tls_cert.h"
#include "wait.h"
#include "witness_proc.h"

#include "proofs/codec.h"
#include "proofs/note.h"

#pragma GCC diagnostic ignored "-Wformat-truncation"

#define ORIGIN "push.witnessed.test"
#define HELD_ORIGIN "held.push.test"
#define NWIT 3

static char dir[512];
static struct witness_proc wit[NWIT];
static struct witness_proc late; /* joins the policy at the restart */
static struct fakewit stall, ahead, badsig;
static struct logd_proc p, fork_p, untrusting;
static struct client_http *h;

static const char *push_args[] = {"--witness-policy",
                                  NULL, /* set in main */
                                  "--witness-interval",
                                  "100ms",
                                  "--witness-timeout",
                                  "1s",
                                  "--witness-cacert",
                                  NULL, /* w3's certificate */
                                  NULL};
static char tls_cert[700], tls_key[700];
static char logd_policy[700], verify_policy[700];

static void write_policies(const char *log_vkey, bool with_late)
{
    char text[8192], extra[1024] = "";

    if (with_late)
        snprintf(extra, sizeof extra, "witness w4 %s %s\n", late.vkey,
                 late.url);
    snprintf(text, sizeof text,
             "log %s\n"
             "witness w1 %s %s\nwitness w2 %s %s\nwitness w3 %s %s\n"
             "witness slow %s %s\nwitness liar %s %s\nwitness forger %s %s\n"
             "%sgroup two 2 w1 w2 w3\nquorum two\n",
             log_vkey, wit[0].vkey, wit[0].url, wit[1].vkey, wit[1].url,
             wit[2].vkey, wit[2].url, stall.vkey, stall.url, ahead.vkey,
             ahead.url, badsig.vkey, badsig.url, extra);
    files_write(logd_policy, text, strlen(text));
    snprintf(text, sizeof text,
             "log %s\nwitness w1 %s\nwitness w2 %s\nwitness w3 %s\n"
             "group two 2 w1 w2 w3\nquorum two\n",
             log_vkey, wit[0].vkey, wit[1].vkey, wit[2].vkey);
    files_write(verify_policy, text, strlen(text));
}

/* The metric, with a label set: name{witness="w"} or name{witness="w",
 * kind="k"}. */
static int64_t wmetric(struct client_http *c, const char *name, const char *w,
                       const char *kind)
{
    char m[160];

    if (kind != NULL)
        snprintf(m, sizeof m, "%s{witness=\"%s\",kind=\"%s\"}", name, w, kind);
    else
        snprintf(m, sizeof m, "%s{witness=\"%s\"}", name, w);
    return logd_api_metric(c, m);
}

/* Waits until the metric is at least want. */
static bool wait_at_least(struct client_http *c, const char *name,
                          const char *w, const char *kind, int64_t want)
{
    struct wait t = wait_begin(20000);

    while (wmetric(c, name, w, kind) < want)
        if (!wait_more(&t))
            return false;
    return true;
}

/* Submits one new ISSUE; returns the tree size of its receipt's checkpoint
 * and the milliseconds the receipt took. */
/* Submits one new ISSUE to lp (through c) and returns the size of the
 * checkpoint in its receipt, or -1. */
static int64_t issue_on(struct client_http *c, const struct logd_proc *lp,
                        const struct issuer *is)
{
    uint8_t cred[32];
    struct entry e;
    json_t *arr = json_array(), *out = NULL;
    struct checkpoint cp;
    int64_t size = -1;
    int status;

    RAND_bytes(cred, sizeof cred);
    issuer_entry(&e, ENTRY_ISSUE, cred, is, issuer_now_ms(), 0);
    json_array_append_new(arr, issuer_submission_json(&e));
    status = logd_api_post_entries(c, arr, &out);
    if (status == 200 && out != NULL) {
        const char *note = json_string_value(json_object_get(
            json_array_get(json_object_get(out, "receipts"), 0), "checkpoint"));
        if (note != NULL &&
            checkpoint_open(note, strlen(note), &lp->log_verifier, &cp) == 0)
            size = (int64_t)cp.size;
    }
    json_decref(out);
    return size;
}

static int64_t issue_one(const struct issuer *is)
{
    return issue_on(h, &p, is);
}

/* The checkpoint logd serves, and which of the real witnesses cosigned it. */
static int64_t served(struct client_http *c, const struct logd_proc *lp,
                      bool cosigned[NWIT], char **note_out)
{
    struct note_verifier keys[NWIT + 1];
    bool verified[NWIT + 1] = {false};
    struct checkpoint cp;
    size_t tl;
    char *note = NULL;
    int64_t size = logd_api_checkpoint(c, lp, &cp, &note);

    keys[0] = lp->log_verifier;
    for (int i = 0; i < NWIT; i++)
        keys[i + 1] = wit[i].key;
    if (size >= 0 &&
        note_open(note, strlen(note), keys, NWIT + 1, &tl, verified, NULL) != 0)
        size = -1;
    for (int i = 0; i < NWIT; i++)
        cosigned[i] = verified[i + 1];
    if (note_out != NULL)
        *note_out = note;
    else
        free(note);
    return size;
}

struct quorum_at {
    struct client_http *c;
    int64_t size;
};

static bool quorum_reached(void *arg)
{
    struct quorum_at *q = arg;

    return logd_api_metric(q->c, "credlog_witness_quorum_size") >= q->size;
}

static bool wait_quorum(struct client_http *c, int64_t size)
{
    struct quorum_at q = {c, size};

    return wait_until(quorum_reached, &q, 30000);
}

static void test_cosigned(const struct issuer *is, const char *key_file)
{
    struct credlog_run r;
    char cred[700], state[700], note_path[700], out[700], tool[600];
    bool cos[NWIT];
    char *note = NULL;
    int64_t size;

    (void)is;
    size = logd_api_metric(h, "credlog_tree_size");
    REQUIRE(size > 0);
    CHECK_MSG(wait_quorum(h, size), "no quorum at the start size %lld",
              (long long)size);
    /* The quorum is two: the third cosignature may come a moment later. */
    {
        struct wait t = wait_begin(20000);
        for (;;) {
            free(note);
            note = NULL;
            if (served(h, &p, cos, &note) == size && cos[0] && cos[1] && cos[2])
                break;
            if (!wait_more(&t))
                break;
        }
    }
    for (int i = 0; i < NWIT; i++)
        CHECK_MSG(cos[i], "witness %d's cosignature missing", i + 1);
    printf("served:\n%s", note);

    /* The interop checker: Go's note.Open with the log key, cosignatures
     * from the spec. */
    snprintf(note_path, sizeof note_path, "%s/served.note", dir);
    REQUIRE(files_write_mode(note_path, note, 0644) == 0);
    free(note);
    if (gotool_require() &&
        gotool_build("cosigcheck", dir, tool, sizeof tool)) {
        const char *argv[] = {tool,        "-note",    note_path,   "-log",
                              p.log_vkey,  "-witness", wit[0].vkey, "-witness",
                              wit[1].vkey, "-witness", wit[2].vkey, NULL};
        snprintf(out, sizeof out, "%s/cosigcheck.out", dir);
        CHECK(gotool_run(argv, out, 120) == 0);
        CHECK(files_contain(out, "COSIGNED: all 3 witnesses"));
    }

    /* A credential issued with the CLI, verified online under the policy
     * once the quorum covers it (that receipts never wait for a witness is
     * test_receipts_do_not_wait()'s). */
    snprintf(cred, sizeof cred, "%s/badge.json", dir);
    files_write(cred, "{\"badge\":\"witnessed\",\"id\":\"7a\"}\n", 32);
    CREDLOG_RUN(&r, "issue", "--log", p.url, "--key", key_file, "--log-key",
                p.vkey_path, cred);
    CREDLOG_EXPECT(&r, 0, "issued");
    credlog_run_free(&r);
    size = logd_api_metric(h, "credlog_tree_size");
    CHECK(wait_quorum(h, size));
    CREDLOG_RUN(&r, "verify", "--log", p.url, "--log-key", p.log_vkey,
                "--witness-policy", verify_policy, cred);
    CREDLOG_EXPECT(&r, 0, "cosigned by the witness policy's quorum");
    credlog_run_free(&r);
    /* A monitor under the same policy follows the cosigned checkpoint. */
    snprintf(state, sizeof state, "%s/monitor-state", dir);
    CREDLOG_RUN(&r, "monitor", "--log", p.url, "--log-key", p.log_vkey,
                "--state", state, "--once", "--witness-policy", verify_policy);
    CREDLOG_EXPECT(&r, 0, "check out");
    credlog_run_free(&r);

    /* --wait-cosigned: the receipt carries a cosigned checkpoint with the
     * inclusion proof in it, so it verifies offline under the policy. */
    snprintf(cred, sizeof cred, "%s/cert.json", dir);
    files_write(cred, "{\"cert\":\"waited\"}\n", 18);
    CREDLOG_RUN(&r, "issue", "--log", p.url, "--key", key_file, "--log-key",
                p.vkey_path, "--wait-cosigned", "30s", "--witness-policy",
                verify_policy, cred);
    CREDLOG_EXPECT(&r, 0, "receipts carry the cosigned checkpoint");
    credlog_run_free(&r);
    CREDLOG_RUN(&r, "verify", "--log-key", p.log_vkey, "--witness-policy",
                verify_policy, cred);
    CREDLOG_EXPECT(&r, 0, "cosigned by the witness policy's quorum");
    credlog_run_free(&r);
}

/* GETs path from p with If-None-Match inm (NULL: none); returns the
 * status and the answer's ETag into etag ("" without one). */
static int etag_of(const char *path, const char *inm, char *etag, size_t cap)
{
    struct logd_raw_answer a = {0};
    char req[512];
    int n, status;

    n = snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: x\r\n%s%s%s\r\n",
                 path, inm != NULL ? "If-None-Match: " : "",
                 inm != NULL ? inm : "", inm != NULL ? "\r\n" : "");
    if (logd_raw_exchange(p.port, req, (size_t)n, inm != NULL, 10000, &a) != 0)
        return -1;
    if (logd_raw_header(&a, "ETag", etag, cap) != 0)
        etag[0] = '\0';
    status = a.status;
    logd_raw_answer_free(&a);
    return status;
}

/* A status proof answers from the quorum snapshot: with two witnesses
 * gone, a new credential stays unknown there, while its receipt came at
 * once; back, and it is active. Its ETag names the quorum checkpoint: it
 * revalidates (304) while the log grows beyond it, and changes with it. */
static void test_snapshot(const struct issuer *is, const char *key_file)
{
    struct credlog_run r;
    char file[700], receipt[720];
    uint8_t cred[32];
    char hex[65], path[100], etag[64], etag2[64];
    struct entry e;
    json_t *arr = json_array(), *out = NULL, *st;
    int64_t before = logd_api_metric(h, "credlog_witness_quorum_size");
    int status;

    REQUIRE(witness_proc_stop(&wit[1]) == 0);
    REQUIRE(witness_proc_kill(&wit[2]) == 0);
    RAND_bytes(cred, sizeof cred);
    issuer_entry(&e, ENTRY_ISSUE, cred, is, issuer_now_ms(), 0);
    json_array_append_new(arr, issuer_submission_json(&e));
    CHECK(logd_api_post_entries(h, arr, &out) == 200);
    json_decref(out);
    codec_hex_encode(cred, 32, hex);
    snprintf(path, sizeof path, "/v1/status/%s", hex);
    CHECK(
        wait_at_least(h, "credlog_witness_failures_total", "w3", "network", 1));
    st = logd_api_get_json(h, path, &status);
    CHECK(status == 200 && st != NULL);
    CHECK_MSG(strcmp(json_string_value(json_object_get(st, "status")),
                     "unknown") == 0,
              "a status proof beyond the quorum checkpoint");
    json_decref(st);
    CHECK(etag_of(path, NULL, etag, sizeof etag) == 200 && etag[0] == '"');
    CHECK(logd_api_metric(h, "credlog_witness_quorum_size") == before);
    /* --wait-cosigned gives up in time, keeping the log-signed receipt. */
    snprintf(file, sizeof file, "%s/late.json", dir);
    files_write(file, "{\"late\":1}\n", 11);
    CREDLOG_RUN(&r, "issue", "--log", p.url, "--key", key_file, "--log-key",
                p.vkey_path, "--wait-cosigned", "1s", file);
    CREDLOG_EXPECT(&r, 2, "no cosigned checkpoint covers the new entries");
    credlog_run_free(&r);
    snprintf(receipt, sizeof receipt, "%s.receipt.json", file);
    CHECK(files_exists(receipt));
    /* The log grew again; the quorum checkpoint, and so the ETag, did not. */
    CHECK(etag_of(path, etag, etag2, sizeof etag2) == 304 &&
          strcmp(etag2, etag) == 0);

    REQUIRE(witness_proc_restart(&wit[1]) == 0);
    CHECK(wait_quorum(h, before + 1));
    st = logd_api_get_json(h, path, &status);
    CHECK(status == 200 && st != NULL &&
          strcmp(json_string_value(json_object_get(st, "status")), "active") ==
              0);
    json_decref(st);
    CHECK(etag_of(path, etag, etag2, sizeof etag2) == 200 && etag2[0] == '"' &&
          strcmp(etag2, etag) != 0);
    REQUIRE(witness_proc_restart(&wit[2]) == 0);
}

static void test_faults(const struct issuer *is)
{
    int64_t size;

    /* Each fault was met at the first push; the liars were asked once. */
    CHECK(wait_at_least(h, "credlog_witness_failures_total", "slow", "timeout",
                        1));
    CHECK(
        wait_at_least(h, "credlog_witness_failures_total", "liar", "ahead", 1));
    CHECK(wait_at_least(h, "credlog_witness_failures_total", "forger",
                        "bad_cosignature", 1));
    CHECK(wmetric(h, "credlog_witness_alarms_total", "liar", NULL) >= 1);
    CHECK(wmetric(h, "credlog_witness_alarms_total", "forger", NULL) >= 1);
    CHECK(wmetric(h, "credlog_witness_alarms_total", "w1", NULL) == 0);
    CHECK(logd_proc_log_contains(&p, "ALARM witness liar"));
    CHECK(logd_proc_log_contains(&p, "ALARM witness forger"));
    /* More rounds: the quorum moves on past the faults. */
    for (int i = 0; i < 5; i++) {
        size = issue_one(is);
        CHECK(size > 0);
        CHECK(wait_quorum(h, size));
    }
    CHECK_MSG(atomic_load(&ahead.requests) == 1, "the liar was asked %lu times",
              (unsigned long)atomic_load(&ahead.requests));
    CHECK_MSG(atomic_load(&badsig.requests) == 1,
              "the forger was asked %lu times",
              (unsigned long)atomic_load(&badsig.requests));
    /* The slow witness holds one request at a time: about one a second. */
    CHECK(atomic_load(&stall.requests) >= 1);
}

static void test_restart(const struct issuer *is)
{
    char logs[1024], *note = NULL;
    int64_t size;

    /* A fourth witness cosigned this log's checkpoint before logd knew it
     * (as after an answer lost on the way): logd's first push to it says
     * old 0, gets 409 with its size, and proves the checkpoint from there. */
    snprintf(logs, sizeof logs, "logs/v0\nvkey %s\nqpd 86400\n", p.log_vkey);
    REQUIRE(witness_proc_init(&late, "w4.push.test") == 0);
    REQUIRE(witness_proc_write_logs(&late, logs) == 0);
    REQUIRE(witness_proc_start(&late) == 0);
    REQUIRE(logd_api_checkpoint(h, &p, NULL, &note) > 0);
    CHECK(witness_proc_push_new(&late, note, NULL, 0) == 200);
    free(note);
    size = issue_one(is); /* so the proof is not empty */
    CHECK(size > 0);
    write_policies(p.log_vkey, true);
    /* Stop only once every witness's answer is in (and saved): an answer
     * lost to the stop would rightly cost a 409 after it. */
    for (int i = 0; i < NWIT; i++) {
        char name[8];
        snprintf(name, sizeof name, "w%d", i + 1);
        CHECK(wait_at_least(h, "credlog_witness_cosigned_size", name, NULL,
                            size));
    }

    CHECK(logd_proc_stop(&p) == 0);
    client_http_close(h);
    REQUIRE(logd_proc_start(&p, push_args) == 0);
    REQUIRE(client_http_open(p.url, NULL, &h) == 0);
    CHECK(logd_proc_wait_log(&p, "serving the saved checkpoint", 10000));
    size = issue_one(is);
    CHECK(size > 0 && wait_quorum(h, size));
    for (int i = 0; i < NWIT; i++) {
        char name[8];
        snprintf(name, sizeof name, "w%d", i + 1);
        CHECK(wait_at_least(h, "credlog_witness_cosigned_size", name, NULL,
                            size));
        CHECK_MSG(wmetric(h, "credlog_witness_failures_total", name,
                          "stale_size") == 0,
                  "%s answered 409 after the restart", name);
    }
    CHECK(wait_at_least(h, "credlog_witness_cosigned_size", "w4", NULL, size));
    CHECK(wmetric(h, "credlog_witness_failures_total", "w4", "stale_size") ==
          1);
    CHECK(wmetric(h, "credlog_witness_failures_total", "w4", "conflict") == 0);
}

/* The same key, another history: every witness refuses, none cosigns. */
static void test_split_view(const struct issuer *is)
{
    struct client_http *fh = NULL;
    struct credlog_run r;
    char note_path[700];
    bool cos[NWIT];
    char *note = NULL;
    int64_t size;

    static const char *fork_args[12];

    memcpy(fork_args, push_args, 8 * sizeof fork_args[0]);
    fork_args[8] = "--witness-refresh";
    fork_args[9] = "1s";
    REQUIRE(logd_proc_init_key(&fork_p, &p.log_key, &is->v, 1) == 0);
    REQUIRE(logd_proc_start(&fork_p, fork_args) == 0);
    REQUIRE(client_http_open(fork_p.url, NULL, &fh) == 0);
    for (int i = 0; i < NWIT; i++) {
        char name[8];
        snprintf(name, sizeof name, "w%d", i + 1);
        CHECK(wait_at_least(fh, "credlog_witness_alarms_total", name, NULL, 1));
    }
    CHECK(logd_api_metric(fh, "credlog_witness_quorum_size") == 0);
    CHECK(logd_api_metric(fh, "credlog_witness_quorum_age_seconds") == -1);
    /* Never a quorum: alarmed after twice --witness-refresh. */
    CHECK(logd_proc_wait_log(
        &fork_p, "ALARM no checkpoint has met the witness quorum", 20000));
    size = served(fh, &fork_p, cos, &note);
    CHECK(size > 0);
    for (int i = 0; i < NWIT; i++)
        CHECK_MSG(!cos[i], "witness %d cosigned the fork", i + 1);
    snprintf(note_path, sizeof note_path, "%s/fork.note", dir);
    files_write(note_path, note, strlen(note));
    free(note);
    /* A verifier asking the fork under the policy: INVALID. */
    CREDLOG_RUN(&r, "status", "--log", fork_p.url, "--log-key", p.log_vkey,
                "--witness-policy", verify_policy,
                "0000000000000000000000000000000000000000000000000000000000000"
                "001");
    CREDLOG_EXPECT(&r, 2, "lacks the witness policy's quorum");
    credlog_run_free(&r);
    /* The true log still moves on. */
    {
        int64_t s = issue_one(is);
        CHECK(s > 0 && wait_quorum(h, s));
    }
    client_http_close(fh);
}

/* Receipts never wait for a witness, shown by order rather than by time: a
 * logd whose only policy witness is the slow one, with a push deadline far
 * beyond the test's length. The slow witness holds logd's first push (the
 * first checkpoint) all the while; every submission made meanwhile, by the
 * API and by the CLI, is answered with its receipt, and afterwards logd
 * still counts no timeout and has sent the slow witness nothing more. A
 * receipt that waited for the push, or for a quorum (never reached here),
 * would hang until that deadline, and the client's own timeout fails it. */
static bool got_request(void *arg)
{
    return atomic_load(&((struct fakewit *)arg)->requests) > 0;
}

static void test_receipts_do_not_wait(const struct issuer *is,
                                      const char *key_file)
{
    static const char *args[] = {"--witness-policy",
                                 NULL,
                                 "--witness-interval",
                                 "100ms",
                                 "--witness-timeout",
                                 "10m",
                                 NULL};
    char policy[700], text[2048], cred[700];
    struct fakewit held;
    struct logd_proc g;
    struct client_http *gh = NULL;
    struct credlog_run r;

    fakewit_start(&held, "held.push.test", FAKEWIT_STALL);
    snprintf(policy, sizeof policy, "%s/held-policy", dir);
    args[1] = policy;
    REQUIRE(logd_proc_init(&g, HELD_ORIGIN, &is->v, 1) == 0);
    snprintf(text, sizeof text, "log %s\nwitness slow %s %s\nquorum slow\n",
             g.log_vkey, held.vkey, held.url);
    files_write(policy, text, strlen(text));
    REQUIRE(logd_proc_start(&g, args) == 0);
    REQUIRE(client_http_open(g.url, NULL, &gh) == 0);
    /* logd's first push is held by the slow witness from here on. */
    CHECK(wait_until(got_request, &held, 30000));
    for (int i = 0; i < 5; i++)
        CHECK_MSG(issue_on(gh, &g, is) > 0, "submission %d had no receipt", i);
    snprintf(cred, sizeof cred, "%s/held.json", dir);
    files_write(cred, "{\"badge\":\"held\"}\n", 17);
    CREDLOG_RUN(&r, "issue", "--log", g.url, "--key", key_file, "--log-key",
                g.vkey_path, cred);
    CREDLOG_EXPECT(&r, 0, "issued");
    credlog_run_free(&r);
    /* The push these receipts would have waited for is still open. */
    CHECK(atomic_load(&held.requests) == 1);
    CHECK(wmetric(gh, "credlog_witness_failures_total", "slow", "timeout") ==
          0);
    CHECK(logd_api_metric(gh, "credlog_witness_quorum_size") <= 0);
    client_http_close(gh);
    logd_proc_cleanup(&g);
    fakewit_stop(&held);
    issuer_set_origin(ORIGIN);
}

/* Without --witness-cacert, w3's self-signed certificate is not trusted:
 * the TLS handshake fails, and w3 never sees the checkpoint. */
static void test_tls_checked(const struct issuer *is)
{
    static const char *args[] = {"--witness-policy", NULL, "--witness-interval",
                                 "100ms", NULL};
    struct client_http *uh = NULL;

    args[1] = logd_policy;
    REQUIRE(logd_proc_init_key(&untrusting, &p.log_key, &is->v, 1) == 0);
    REQUIRE(logd_proc_start(&untrusting, args) == 0);
    REQUIRE(client_http_open(untrusting.url, NULL, &uh) == 0);
    CHECK(wait_at_least(uh, "credlog_witness_failures_total", "w3", "network",
                        1));
    CHECK(wait_at_least(uh, "credlog_witness_alarms_total", "w1", NULL, 1));
    CHECK(wmetric(uh, "credlog_witness_alarms_total", "w3", NULL) == 0);
    client_http_close(uh);
    logd_proc_cleanup(&untrusting);
}

static void run(void)
{
    struct issuer is;
    struct credlog_run r;
    char logs[1024], key_prefix[700], key_file[720], vkey_file[720];

    /* The issuer (made by the CLI, so `credlog issue` can use it). */
    snprintf(key_prefix, sizeof key_prefix, "%s/avans", dir);
    snprintf(key_file, sizeof key_file, "%s.key", key_prefix);
    snprintf(vkey_file, sizeof vkey_file, "%s.vkey", key_prefix);
    CREDLOG_RUN(&r, "keygen", "--name", "avans.nl", "--out", key_prefix);
    CREDLOG_EXPECT(&r, 0, "verifier key: avans.nl+");
    credlog_run_free(&r);
    issuer_make(&is, "avans.nl");
    {
        char *text = files_read(key_file, NULL);
        REQUIRE(text != NULL &&
                note_signer_parse(text, strlen(text), &is.s) == 0);
        note_signer_verifier(&is.s, &is.v);
        free(text);
    }
    issuer_set_origin(ORIGIN);
    REQUIRE(logd_proc_init(&p, ORIGIN, &is.v, 1) == 0);

    snprintf(logs, sizeof logs, "logs/v0\nvkey %s\nqpd 86400\n", p.log_vkey);
    for (int i = 0; i < NWIT; i++) {
        /* Names of 200 bytes: the three cosignature lines alone are longer
         * than the largest checkpoint a log signs (CHECKPOINT_TEXT_MAX), and
         * GET /checkpoint must still serve all of them. */
        char name[NOTE_NAME_MAX + 1];
        snprintf(name, sizeof name, "w%d.%0*d.push.test", i + 1, 188, 0);
        REQUIRE(witness_proc_init(&wit[i], name) == 0);
        REQUIRE(witness_proc_write_logs(&wit[i], logs) == 0);
        if (i == 2) { /* w3 serves HTTPS */
            REQUIRE(tls_cert_files(tls_cert, tls_key) == 0);
            wit[i].tls_cert = tls_cert;
            wit[i].tls_key = tls_key;
        }
        REQUIRE(witness_proc_start(&wit[i]) == 0);
    }
    fakewit_start(&stall, "slow.push.test", FAKEWIT_STALL);
    fakewit_start(&ahead, "liar.push.test", FAKEWIT_AHEAD);
    fakewit_start(&badsig, "forger.push.test", FAKEWIT_BADSIG);
    write_policies(p.log_vkey, false);
    REQUIRE(logd_proc_start(&p, push_args) == 0);
    REQUIRE(client_http_open(p.url, NULL, &h) == 0);

    test_cosigned(&is, key_file);
    test_faults(&is);
    test_snapshot(&is, key_file);
    test_restart(&is);
    test_split_view(&is);
    test_tls_checked(&is);
    test_receipts_do_not_wait(&is, key_file);
    issuer_wipe(&is);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    setvbuf(stdout, NULL, _IOLBF, 0);
    credlog_run_require();
    logd_proc_require();
    files_tmpdir(dir, sizeof dir, "witness-push");
    snprintf(credlog_run_home, sizeof credlog_run_home, "%s", dir);
    snprintf(logd_policy, sizeof logd_policy, "%s/logd-policy", dir);
    snprintf(verify_policy, sizeof verify_policy, "%s/verify-policy", dir);
    push_args[1] = logd_policy;
    snprintf(tls_cert, sizeof tls_cert, "%s/w3.crt", dir);
    snprintf(tls_key, sizeof tls_key, "%s/w3.pem", dir);
    push_args[7] = tls_cert;
    run();
    client_http_close(h);
    logd_proc_cleanup(&fork_p);
    logd_proc_cleanup(&untrusting);
    logd_proc_cleanup(&p);
    for (int i = 0; i < NWIT; i++)
        witness_proc_cleanup(&wit[i]);
    witness_proc_cleanup(&late);
    if (badsig.base != NULL) {
        fakewit_stop(&stall);
        fakewit_stop(&ahead);
        fakewit_stop(&badsig);
    }
    if (getenv("CREDLOG_KEEP_TMP") == NULL)
        files_rmtree(dir);
    return check_finish();
}
