/*
 * test_witness_map.c: `credlog witness --verify-map`, the map-verifying
 * witness (docs/witness.md, "Map-verifying witnesses"), over real HTTP on
 * loopback, against static logs the test writes with proofs/ and serves
 * (tests/support/minilog_server.h, the monitor tests' lying logs) and
 * against a real logd that pushes to it:
 *
 *  - a log whose entries replay is cosigned; each request replays at most
 *    --verify-map-max entries (one entry bundle here), so a checkpoint that
 *    claims many new entries is answered 503 with Retry-After until the
 *    replay covers it, then 200, and the requests that made progress cost
 *    no qpd;
 *  - the state (cosigned size and replay) survives a restart: the same
 *    checkpoint is cosigned again without reading a single entry bundle;
 *  - a MAP entry with a wrong root: 422 naming the entry, logged, nothing
 *    cosigned, and a later checkpoint of that history refused too;
 *  - an ISSUE by a key the log never authorized: 422;
 *  - a log that cannot be reached: 503, not 422;
 *  - a real logd with --witness-policy naming the witness: its checkpoints
 *    are cosigned as it grows;
 *  - start refusals: a followed log without --log-url, a --log-url for no
 *    followed log, a plain witness's state.
 */
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "check.h"
#include "credlog_run.h"
#include "files.h"
#include "issuer.h"
#include "logd_api.h"
#include "logd_proc.h"
#include "logd_raw.h"
#include "minilog.h"
#include "minilog_server.h"
#include "wait.h"
#include "witness_proc.h"

#include "proofs/add_checkpoint.h"

#pragma GCC diagnostic ignored "-Wformat-truncation"

#define LOGD_ORIGIN "map.witnessed.test"

static char dir[512];
static const uint64_t T0 = 1767225600000ull;
static struct note_signer avans, other, rogue;
static struct minilog good, liar, gone;
static struct minilog_server good_srv, liar_srv, gone_srv;
static struct witness_proc w;
static char gone_url[64];
static char urls[4][128];
static const char *w_args[16];

static void cred_of(uint64_t n, uint8_t out[32])
{
    memset(out, 0, 32);
    for (int i = 0; i < 8; i++)
        out[i] = (uint8_t)(n >> (8 * (7 - i)));
    out[31] = 0x5a;
}

/* Appends count valid ISSUEs by s, then a MAP. */
static void grow(struct minilog *ml, const struct note_signer *s,
                 uint64_t first, uint64_t count)
{
    struct entry e;
    uint8_t cred[32];

    issuer_set_origin(ml->key.name);
    for (uint64_t k = first; k < first + count; k++) {
        cred_of(k, cred);
        issuer_sign_entry(&e, ENTRY_ISSUE, cred, s, T0 + k, 0);
        minilog_map_set(ml, cred, minilog_append(ml, &e), SMT_NONE);
    }
    minilog_append_map(ml, T0 + first + count, NULL);
}

/* A new log named name with avans and other authorized. */
static void new_log(struct minilog *ml, const char *name, uint8_t seed)
{
    minilog_init(ml, name, seed);
    minilog_append_key(ml, ENTRY_KEY_ADD, &avans, T0);
    minilog_append_key(ml, ENTRY_KEY_ADD, &other, T0);
    minilog_append_map(ml, T0, NULL);
}

/* The add-checkpoint body old -> size of ml. */
static char *request(const struct minilog *ml, uint64_t old, uint64_t size)
{
    uint8_t proof[MERKLE_MAX_PROOF][MERKLE_HASH_SIZE];
    size_t k =
        old > 0 && old < size ? minilog_consistency(ml, old, size, proof) : 0;
    char *note = minilog_checkpoint(ml, size);
    char *out = malloc(ADD_CHECKPOINT_MAX);

    if (out == NULL ||
        add_checkpoint_format(old, (const uint8_t(*)[MERKLE_HASH_SIZE])proof,
                              (unsigned)k, note, strlen(note), out,
                              ADD_CHECKPOINT_MAX) < 0)
        abort();
    free(note);
    return out;
}

/* Posts old -> size of ml; the answer goes into *a. */
static int post(const struct minilog *ml, uint64_t old, uint64_t size,
                struct logd_raw_answer *a)
{
    char *body = request(ml, old, size);
    int status = witness_proc_post(&w, body, strlen(body), a);

    free(body);
    return status;
}

static void logs_file(struct witness_proc *wp, const char *extra_vkey)
{
    char text[4096], g[NOTE_KEY_TEXT_MAX], l[NOTE_KEY_TEXT_MAX],
        d[NOTE_KEY_TEXT_MAX];

    note_verifier_format(&good.vkey, g, sizeof g);
    note_verifier_format(&liar.vkey, l, sizeof l);
    note_verifier_format(&gone.vkey, d, sizeof d);
    snprintf(text, sizeof text,
             "logs/v0\nvkey %s\nqpd 86400\nvkey %s\nqpd 86400\n"
             "vkey %s\nqpd 86400\n%s%s%s",
             g, l, d, extra_vkey ? "vkey " : "", extra_vkey ? extra_vkey : "",
             extra_vkey ? "\nqpd 86400\n" : "");
    REQUIRE(witness_proc_write_logs(wp, text) == 0);
}

/* --verify-map --verify-map-max 256 and a --log-url for each minilog (and
 * logd_url's, if not NULL). */
static void map_args(const char *logd_url)
{
    int n = 0;

    snprintf(urls[0], sizeof urls[0], "%s=%s", good.key.name, good_srv.url);
    snprintf(urls[1], sizeof urls[1], "%s=%s", liar.key.name, liar_srv.url);
    snprintf(urls[2], sizeof urls[2], "%s=%s", gone.key.name, gone_url);
    w_args[n++] = "--verify-map";
    w_args[n++] = "--verify-map-max";
    w_args[n++] = "256";
    for (int i = 0; i < 3; i++) {
        w_args[n++] = "--log-url";
        w_args[n++] = urls[i];
    }
    if (logd_url != NULL) {
        snprintf(urls[3], sizeof urls[3], "%s=%s", LOGD_ORIGIN, logd_url);
        w_args[n++] = "--log-url";
        w_args[n++] = urls[3];
    }
    w_args[n] = NULL;
    w.extra = w_args;
}

/* Catching up with a checkpoint of 1,000 new entries, 256 at a time. */
static void test_bounded(void)
{
    struct logd_raw_answer a = {0};
    char retry[16];
    unsigned long before;
    uint64_t step;
    int busy = 0, status;

    grow(&good, &avans, 0, 1000);
    minilog_server_publish(&good_srv);
    for (;;) {
        before = good_srv.bundle_requests;
        status = post(&good, 0, good.n, &a);
        CHECK_MSG(good_srv.bundle_requests - before <= 1,
                  "one request read %lu entry bundles",
                  good_srv.bundle_requests - before);
        if (status != 503)
            break;
        busy++;
        CHECK(logd_raw_header(&a, "Retry-After", retry, sizeof retry) == 0 &&
              strcmp(retry, "1") == 0);
        CHECK(strstr(a.body, "verified up to") != NULL);
        logd_raw_answer_free(&a);
        REQUIRE(busy < 10);
    }
    CHECK_MSG(status == 200, "status %d: %s", status, a.body);
    CHECK_MSG(busy == 3, "%d answers 503 for 1004 entries, 256 a request",
              busy);
    logd_raw_answer_free(&a);
    CHECK(witness_proc_cosigned(&w, &good.vkey, NULL, 0) == (int64_t)good.n);

    /* A small step is cosigned at once. */
    step = good.n;
    grow(&good, &other, 1000, 10);
    minilog_server_publish(&good_srv);
    CHECK(post(&good, step, good.n, &a) == 200);
    logd_raw_answer_free(&a);
    CHECK(witness_proc_cosigned(&w, &good.vkey, NULL, 0) == (int64_t)good.n);
}

/* The cosigned size and the replay are kept across a restart. */
static void test_restart(void)
{
    struct logd_raw_answer a = {0};
    unsigned long before;

    REQUIRE(witness_proc_stop(&w) == 0);
    REQUIRE(witness_proc_restart(&w) == 0);
    CHECK(witness_proc_cosigned(&w, &good.vkey, NULL, 0) == (int64_t)good.n);
    before = good_srv.bundle_requests;
    CHECK(post(&good, good.n, good.n, &a) == 200);
    logd_raw_answer_free(&a);
    CHECK_MSG(good_srv.bundle_requests == before,
              "the restarted witness replayed %lu bundles again",
              good_srv.bundle_requests - before);
    /* And it goes on from there. */
    before = good.n;
    grow(&good, &avans, 2000, 3);
    minilog_server_publish(&good_srv);
    CHECK(post(&good, before, good.n, &a) == 200);
    logd_raw_answer_free(&a);
}

/* A MAP entry whose root is not the replayed map's. */
static void test_wrong_map_root(void)
{
    struct logd_raw_answer a = {0};
    uint64_t cosigned = good.n, bad;
    uint8_t wrong[32];
    char want[64];

    grow(&good, &avans, 3000, 5);
    minilog_map_root(&good, wrong);
    wrong[0] ^= 1;
    bad = minilog_append_map(&good, T0 + 3999, wrong);
    minilog_server_publish(&good_srv);
    CHECK(post(&good, cosigned, good.n, &a) == 422);
    snprintf(want, sizeof want, "entry %" PRIu64 ": wrong MAP root", bad);
    CHECK_MSG(a.body != NULL && strstr(a.body, want) != NULL, "body: %s",
              a.body);
    logd_raw_answer_free(&a);
    CHECK(witness_proc_wait_log(&w, want, 5000));
    CHECK(witness_proc_wait_log(&w, "MAP VIOLATION", 5000));
    CHECK(witness_proc_cosigned(&w, &good.vkey, NULL, 0) == (int64_t)cosigned);

    /* Every later checkpoint of that history stays refused. */
    grow(&good, &avans, 4000, 3);
    minilog_server_publish(&good_srv);
    CHECK(post(&good, cosigned, good.n, &a) == 422);
    CHECK(a.body != NULL && strstr(a.body, want) != NULL);
    logd_raw_answer_free(&a);
    CHECK(witness_proc_cosigned(&w, &good.vkey, NULL, 0) == (int64_t)cosigned);
}

/* An ISSUE signed by a key the log never authorized. */
static void test_unauthorized(void)
{
    struct logd_raw_answer a = {0};
    struct entry e;
    uint8_t cred[32];
    uint64_t at;
    char want[96];

    CHECK(post(&liar, 0, liar.n, &a) == 200);
    logd_raw_answer_free(&a);
    issuer_set_origin(liar.key.name);
    cred_of(777, cred);
    issuer_sign_entry(&e, ENTRY_ISSUE, cred, &rogue, T0, 0);
    at = minilog_append(&liar, &e);
    minilog_append_map(&liar, T0 + 1010, NULL);
    minilog_server_publish(&liar_srv);
    CHECK(post(&liar, 3, liar.n, &a) == 422);
    snprintf(want, sizeof want, "entry %" PRIu64 ":", at);
    CHECK_MSG(a.body != NULL && strstr(a.body, want) != NULL &&
                  strstr(a.body, "not authorized") != NULL,
              "body: %s", a.body);
    logd_raw_answer_free(&a);
    CHECK(witness_proc_cosigned(&w, &liar.vkey, NULL, 0) == 3);
}

/* A log that cannot be reached is no violation. */
static void test_unreachable(void)
{
    struct logd_raw_answer a = {0};

    CHECK(post(&gone, 0, gone.n, &a) == 503);
    CHECK_MSG(a.body != NULL && strstr(a.body, "cannot read") != NULL,
              "body: %s", a.body);
    logd_raw_answer_free(&a);
    CHECK(witness_proc_cosigned(&w, &gone.vkey, NULL, 0) == -1);
}

/* Submits one new ISSUE to logd; returns its receipt's tree size. */
static int64_t issue_one(struct client_http *h, const struct logd_proc *p,
                         const struct issuer *is)
{
    uint8_t cred[32];
    struct entry e;
    json_t *arr = json_array(), *out = NULL;
    struct checkpoint cp;
    int64_t size = -1;

    RAND_bytes(cred, sizeof cred);
    issuer_set_origin(LOGD_ORIGIN);
    issuer_entry(&e, ENTRY_ISSUE, cred, is, issuer_now_ms(), 0);
    json_array_append_new(arr, issuer_submission_json(&e));
    if (logd_api_post_entries(h, arr, &out) == 200 && out != NULL) {
        const char *note = json_string_value(json_object_get(
            json_array_get(json_object_get(out, "receipts"), 0), "checkpoint"));
        if (note != NULL &&
            checkpoint_open(note, strlen(note), &p->log_verifier, &cp) == 0)
            size = (int64_t)cp.size;
    }
    json_decref(out);
    return size;
}

struct cosigned_wait {
    const struct note_verifier *log;
    int64_t size;
};

static bool is_cosigned(void *arg)
{
    struct cosigned_wait *c = arg;

    return witness_proc_cosigned(&w, c->log, NULL, 0) >= c->size;
}

/* logd pushes to the map-verifying witness; it is cosigned as it grows. */
static void test_logd(void)
{
    static struct logd_proc p;
    struct issuer is;
    struct client_http *h = NULL;
    char policy[700], text[2048], listen[32], url[64];
    const char *args[] = {"--witness-policy",
                          policy,
                          "--witness-interval",
                          "100ms",
                          "--witness-timeout",
                          "5s",
                          "--listen",
                          listen,
                          NULL};
    struct cosigned_wait c;
    int64_t size;

    /* The witness must know the log's URL before the log pushes to it: a
     * first start finds logd a port, which it keeps. */
    issuer_make(&is, "avans.nl");
    REQUIRE(logd_proc_init(&p, LOGD_ORIGIN, &is.v, 1) == 0);
    REQUIRE(logd_proc_start(&p, NULL) == 0);
    snprintf(listen, sizeof listen, "127.0.0.1:%u", p.port);
    snprintf(url, sizeof url, "%s", p.url);
    REQUIRE(logd_proc_stop(&p) == 0);
    REQUIRE(witness_proc_stop(&w) == 0);
    logs_file(&w, p.log_vkey);
    map_args(url);
    REQUIRE(witness_proc_restart(&w) == 0);

    snprintf(policy, sizeof policy, "%s/policy", dir);
    snprintf(text, sizeof text, "log %s\nwitness wm %s %s\nquorum wm\n",
             p.log_vkey, w.vkey, w.url);
    files_write(policy, text, strlen(text));
    REQUIRE(logd_proc_start(&p, args) == 0);
    REQUIRE(client_http_open(p.url, NULL, &h) == 0);

    c.log = &p.log_verifier;
    for (int i = 0; i < 3; i++) {
        size = issue_one(h, &p, &is);
        CHECK(size > 0);
        c.size = size;
        CHECK_MSG(wait_until(is_cosigned, &c, 20000),
                  "logd's checkpoint of size %" PRId64
                  " was not cosigned (see %s)",
                  size, w.log_path);
    }
    CHECK(logd_api_wait_metric(
        h, "credlog_witness_alarms_total{witness=\"wm\"}", 0, 1000));
    client_http_close(h);
    logd_proc_cleanup(&p);
    issuer_wipe(&is);
}

/* Configurations a map-verifying witness refuses at start. */
static void test_refusals(void)
{
    struct witness_proc r, plain;
    const char *no_url[] = {"--verify-map", NULL};
    const char *stray[] = {"--verify-map",
                           "--log-url",
                           urls[0],
                           "--log-url",
                           urls[1],
                           "--log-url",
                           urls[2],
                           "--log-url",
                           "nowhere.example.org=http://127.0.0.1:9",
                           NULL};
    char *note;

    REQUIRE(witness_proc_init(&r, "refusing.map.test") == 0);
    logs_file(&r, NULL);
    r.extra = no_url;
    CHECK(witness_proc_run_to_exit(&r) == 2);
    CHECK(files_contain(r.log_path, "has no --log-url"));
    r.extra = stray;
    CHECK(witness_proc_run_to_exit(&r) == 2);
    CHECK(files_contain(r.log_path, "nowhere.example.org: no followed log"));
    /* Neither refusal marked its state: it may still run plain. */
    r.extra = NULL;
    REQUIRE(witness_proc_start(&r) == 0);
    REQUIRE(witness_proc_stop(&r) == 0);
    witness_proc_cleanup(&r);

    /* A plain witness's state, cosigned without the map, stays plain. */
    REQUIRE(witness_proc_init(&plain, "plain.map.test") == 0);
    logs_file(&plain, NULL);
    REQUIRE(witness_proc_start(&plain) == 0);
    note = minilog_checkpoint(&gone, gone.n);
    CHECK(witness_proc_push_new(&plain, note, NULL, 0) == 200);
    free(note);
    REQUIRE(witness_proc_stop(&plain) == 0);
    plain.extra = stray;
    stray[7] = NULL; /* only the minilogs' URLs */
    CHECK(witness_proc_run_to_exit(&plain) == 2);
    CHECK(files_contain(plain.log_path, "plain witness's"));
    witness_proc_cleanup(&plain);
}

static void run(void)
{
    uint8_t seed[32];

    memset(seed, 1, sizeof seed);
    note_signer_from_seed("avans.nl", seed, &avans);
    memset(seed, 2, sizeof seed);
    note_signer_from_seed("other.example", seed, &other);
    memset(seed, 3, sizeof seed);
    note_signer_from_seed("avans.nl", seed, &rogue);

    new_log(&good, "good.example.org", 7);
    new_log(&liar, "liar.example.org", 8);
    new_log(&gone, "gone.example.org", 9);
    minilog_server_start(&good_srv, &good);
    minilog_server_start(&liar_srv, &liar);
    minilog_server_start(&gone_srv, &gone);
    snprintf(gone_url, sizeof gone_url, "%s", gone_srv.url);
    minilog_server_stop(&gone_srv); /* nothing listens there any more */

    REQUIRE(witness_proc_init(&w, "map.witness.test") == 0);
    logs_file(&w, NULL);
    map_args(NULL);
    REQUIRE(witness_proc_start(&w) == 0);
    CHECK(witness_proc_wait_log(&w, "map-verifying", 5000));

    test_bounded();
    test_restart();
    test_wrong_map_root();
    test_unauthorized();
    test_unreachable();
    test_logd();
    test_refusals();
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    setvbuf(stdout, NULL, _IOLBF, 0);
    credlog_run_require();
    logd_proc_require();
    files_tmpdir(dir, sizeof dir, "witness-map");
    run();
    witness_proc_cleanup(&w);
    minilog_server_stop(&good_srv);
    minilog_server_stop(&liar_srv);
    minilog_free(&good);
    minilog_free(&liar);
    minilog_free(&gone);
    if (getenv("CREDLOG_KEEP_TMP") == NULL)
        files_rmtree(dir);
    return check_finish();
}
