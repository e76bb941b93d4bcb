/*
 * test_replica.c: logd --replica-of (issue 15, item 1), real processes on
 * loopback. A replica of a real primary answers thousands of read requests
 * (checkpoint, hash tiles, entry bundles, inclusion and consistency proofs,
 * status proofs, entries, issuers, the page) byte for byte as the primary
 * does, and follows it as it grows; a submission to it gets 421 naming the
 * primary; a replica killed with SIGKILL in the middle of a catch-up resumes
 * where it stopped and ends with the same copy; a replica whose primary
 * forks (a second logd with the same key on the primary's address) raises
 * the fork alarm, stops advancing and keeps serving the state it verified;
 * a replica of a log whose MAP root is wrong (the monitor tests' static
 * lying log) refuses it and serves nothing of it; with --witness-policy a
 * replica follows the checkpoints that meet the policy, with their
 * cosignatures byte for byte (a later cosignature of the same checkpoint
 * too), and waits without alarm while the primary's do not.
 * A catch-up draws its progress on a terminal. $REPLICA_TEST=name runs one
 * test (identical, lying, fork, kill, policy, progress).
 */
#define _XOPEN_SOURCE 700 /* posix_openpt, for the progress test */
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "fakewit.h"
#include "files.h"
#include "client/http.h"
#include "issuer.h"
#include "logd_api.h"
#include "logd_proc.h"
#include "minilog.h"
#include "minilog_server.h"
#include "proofs/codec.h"
#include "proofs/tile.h"
#include "wait.h"
#include "witness_proc.h"

#define CREDS_MAX 24576

static struct issuer A;
static uint8_t creds[CREDS_MAX][32];
static size_t ncreds;
static uint64_t rng = 15;

/* Issues n credentials on p in requests of up to 100, then revokes every
 * seventh of them (its own batch). */
static void grow(const struct logd_proc *p, size_t n)
{
    struct client_http *h;
    size_t first = ncreds;

    REQUIRE(client_http_open(p->url, NULL, &h) == 0);
    while (ncreds < first + n && ncreds < CREDS_MAX) {
        json_t *arr = json_array(), *ans = NULL;
        for (int k = 0; k < 100 && ncreds < first + n; k++) {
            struct entry e;
            check_rand_cred(&rng, creds[ncreds]);
            issuer_entry(&e, ENTRY_ISSUE, creds[ncreds], &A, issuer_now_ms(),
                         0);
            json_array_append_new(arr, issuer_submission_json(&e));
            ncreds++;
        }
        int st = logd_api_post_entries(h, arr, &ans);
        if (st != 200) {
            char *t = ans ? json_dumps(ans, 0) : NULL;
            fprintf(stderr, "POST: %d %s\n", st, t ? t : "");
            free(t);
        }
        REQUIRE(st == 200);
        json_decref(ans);
    }
    for (size_t i = first; i < ncreds;) {
        json_t *arr = json_array(), *ans = NULL;
        for (int k = 0; k < 100 && i < ncreds; k++, i += 7) {
            struct entry e;
            issuer_entry(&e, ENTRY_REVOKE, creds[i], &A, issuer_now_ms(),
                         issuer_reason(i));
            json_array_append_new(arr, issuer_submission_json(&e));
        }
        REQUIRE(logd_api_post_entries(h, arr, &ans) == 200);
        json_decref(ans);
    }
    client_http_close(h);
}

/* Makes r's directory for a replica (its own key is never used). */
static int init_replica(struct logd_proc *r, const struct logd_proc *primary)
{
    int rc = logd_proc_init(r, "unused.example/log", &A.v, 1);

    issuer_set_origin(primary->log_verifier.name); /* the primary's entries */
    return rc;
}

/* Starts a replica of primary in r (made by init_replica()), with the
 * witness policy file policy if not NULL. */
static int start_replica_policy(struct logd_proc *r,
                                const struct logd_proc *primary,
                                const char *step, const char *policy)
{
    const char *args[] = {"--replica-of",
                          primary->url,
                          "--log-key",
                          primary->log_vkey,
                          "--data",
                          r->data,
                          "--listen",
                          "127.0.0.1:0",
                          "--threads",
                          "2",
                          "--replica-interval",
                          "20ms",
                          "--replica-step",
                          step,
                          policy != NULL ? "--witness-policy" : NULL,
                          policy,
                          NULL};
    return logd_proc_start_argv(r, NULL, args);
}

/* Starts a replica of primary in r (made by init_replica()). */
static int start_replica(struct logd_proc *r, const struct logd_proc *primary,
                         const char *step)
{
    return start_replica_policy(r, primary, step, NULL);
}

/* GETs path from h; the caller frees *resp. */
static bool get(struct client_http *h, const char *path,
                struct client_http_response *resp)
{
    if (client_http_get(h, path, resp) != 0) {
        fprintf(stderr, "GET %s: %s\n", path, client_http_last_error(h));
        return false;
    }
    return true;
}

static unsigned long compared, differed;

/* Whether the primary and the replica answer GET path the same: status,
 * content type, cache header and body, byte for byte. */
static bool same(struct client_http *hp, struct client_http *hr,
                 const char *path)
{
    struct client_http_response a, b;
    bool ok;

    if (!get(hp, path, &a))
        return false;
    if (!get(hr, path, &b)) {
        client_http_response_free(&a);
        return false;
    }
    ok = a.status == b.status && a.body_len == b.body_len &&
         memcmp(a.body, b.body, a.body_len) == 0 &&
         strcmp(a.content_type, b.content_type) == 0 &&
         strcmp(a.cache_control, b.cache_control) == 0;
    compared++;
    if (!ok && differed++ < 5)
        fprintf(stderr,
                "GET %s: primary %d (%zu bytes, %s), replica %d (%zu bytes, "
                "%s)\n",
                path, a.status, a.body_len, a.content_type, b.status,
                b.body_len, b.content_type);
    client_http_response_free(&a);
    client_http_response_free(&b);
    return ok;
}

/* The tree size in the checkpoint h serves (verified with p's key), or -1. */
static int64_t size_of(struct client_http *h, const struct logd_proc *p)
{
    return logd_api_checkpoint(h, p, NULL, NULL);
}

struct caught_up {
    struct client_http *hp, *hr;
};

/* Whether both serve the same checkpoint, byte for byte. */
static bool is_caught_up(void *arg)
{
    struct caught_up *c = arg;
    struct client_http_response a, b;
    bool ok = false;

    if (client_http_get(c->hp, "/checkpoint", &a) != 0)
        return false;
    if (client_http_get(c->hr, "/checkpoint", &b) == 0) {
        ok = a.status == 200 && b.status == 200 && a.body_len == b.body_len &&
             memcmp(a.body, b.body, a.body_len) == 0;
        client_http_response_free(&b);
    }
    client_http_response_free(&a);
    return ok;
}

static bool caught_up(struct client_http *hp, struct client_http *hr)
{
    struct caught_up c = {hp, hr};
    return wait_until(is_caught_up, &c, 60000);
}

/* Every read the replica serves, compared with the primary's. */
static void compare_all(struct client_http *hp, struct client_http *hr,
                        uint64_t n)
{
    char path[256], hex[65];
    unsigned long before = compared;

    differed = 0;
    CHECK(same(hp, hr, "/checkpoint"));
    for (int level = TILE_LEVEL_ENTRIES; level <= 2; level++) {
        uint64_t items = level <= 0 ? n : n >> (8 * level);
        for (uint64_t i = 0; i * TILE_WIDTH < items; i++) {
            uint64_t left = items - i * TILE_WIDTH;
            struct tile t = {level, i,
                             left >= TILE_WIDTH ? TILE_WIDTH : (unsigned)left};
            path[0] = '/';
            REQUIRE(tile_format_path(&t, path + 1, sizeof path - 1) > 0);
            CHECK(same(hp, hr, path));
            if (t.width < TILE_WIDTH && t.width > 1) {
                t.width--; /* an older partial tile: gone, on both */
                REQUIRE(tile_format_path(&t, path + 1, sizeof path - 1) > 0);
                CHECK(same(hp, hr, path));
            }
        }
    }
    for (uint64_t i = 0; i < n; i++) {
        snprintf(path, sizeof path,
                 "/v1/proof/inclusion?index=%" PRIu64 "&size=%" PRIu64, i, n);
        CHECK(same(hp, hr, path));
        if (i % 3 == 0) {
            snprintf(path, sizeof path,
                     "/v1/proof/consistency?from=%" PRIu64 "&to=%" PRIu64,
                     i + 1, n);
            CHECK(same(hp, hr, path));
        }
        if (i % 5 == 0) {
            snprintf(path, sizeof path, "/v1/entries/%" PRIu64, i);
            CHECK(same(hp, hr, path));
        }
    }
    for (size_t i = 0; i < ncreds; i++) {
        codec_hex_encode(creds[i], 32, hex);
        snprintf(path, sizeof path, "/v1/status/%s", hex);
        CHECK(same(hp, hr, path));
    }
    {
        static const char *const more[] = {
            "/v1/status/00000000000000000000000000000000000000000000000000000"
            "00000000000",
            "/v1/proof/inclusion?index=0&size=999999",
            "/v1/entries/999999",
            "/tile/0/x999/999",
            "/v1/issuers",
            "/v1/log-key",
            "/v1/witness-policy",
            "/",
            "/web/config.json",
        };
        for (size_t i = 0; i < sizeof more / sizeof more[0]; i++)
            CHECK(same(hp, hr, more[i]));
    }
    CHECK(differed == 0);
    fprintf(stderr, "compared %lu answers (%lu differed) at size %" PRIu64 "\n",
            compared - before, differed, n);
}

static void test_identical(void)
{
    struct logd_proc P, R;
    struct client_http *hp, *hr;
    struct client_http_response resp;
    int64_t n;

    REQUIRE(logd_proc_init(&P, "replica.example/log", &A.v, 1) == 0);
    {
        const char *args[] = {"--heartbeat", "0", NULL};
        REQUIRE(logd_proc_start(&P, args) == 0);
    }
    grow(&P, 700);
    REQUIRE(init_replica(&R, &P) == 0);
    REQUIRE(start_replica(&R, &P, "16384") == 0);
    REQUIRE(client_http_open(P.url, NULL, &hp) == 0);
    REQUIRE(client_http_open(R.url, NULL, &hr) == 0);
    REQUIRE(caught_up(hp, hr));
    n = size_of(hp, &P);
    REQUIRE(n > 700);
    CHECK(logd_api_metric(hr, "credlog_replica_lag_entries") == 0);
    CHECK(logd_api_metric(hr, "credlog_replica_alarm_code") == 0);
    CHECK(logd_api_metric(hr, "credlog_tree_size") == n);
    compare_all(hp, hr, (uint64_t)n);

    /* A submission to the replica: 421, naming the primary, and nothing
     * changes. */
    {
        struct entry e;
        uint8_t cred[32];
        json_t *arr = json_array(), *ans = NULL;
        check_rand_cred(&rng, cred);
        issuer_entry(&e, ENTRY_ISSUE, cred, &A, issuer_now_ms(), 0);
        json_array_append_new(arr, issuer_submission_json(&e));
        CHECK(logd_api_post_entries(hr, arr, &ans) == 421);
        CHECK(ans != NULL && json_is_string(json_object_get(ans, "error")) &&
              strcmp(json_string_value(json_object_get(ans, "primary")),
                     P.url) == 0);
        json_decref(ans);
        CHECK(size_of(hr, &P) == n);
    }

    /* It follows the primary as it grows (past a tile boundary). */
    grow(&P, 300);
    REQUIRE(caught_up(hp, hr));
    n = size_of(hp, &P);
    compare_all(hp, hr, (uint64_t)n);

    /* A restarted replica serves its copy at once, and still follows. */
    CHECK(logd_proc_stop(&R) == 0);
    REQUIRE(start_replica(&R, &P, "16384") == 0);
    client_http_close(hr);
    REQUIRE(client_http_open(R.url, NULL, &hr) == 0);
    CHECK(size_of(hr, &P) == n);
    CHECK(get(hr, "/healthz", &resp) && resp.status == 200);
    client_http_response_free(&resp);

    client_http_close(hp);
    client_http_close(hr);
    CHECK(logd_proc_stop(&R) == 0);
    CHECK(logd_proc_stop(&P) == 0);
    logd_proc_cleanup(&R);
    logd_proc_cleanup(&P);
}

/* The checkpoint h serves, malloc'd (NULL if none). */
static char *checkpoint_of(struct client_http *h)
{
    struct client_http_response r;
    char *note = NULL;

    if (client_http_get(h, "/checkpoint", &r) != 0)
        return NULL;
    if (r.status == 200)
        note = strdup(r.body);
    client_http_response_free(&r);
    return note;
}

static void test_fork(void)
{
    struct logd_proc P, F, R;
    struct client_http *hp, *hr;
    char *before, *after, listen[64], url[64];
    int64_t n;

    REQUIRE(logd_proc_init(&P, "fork.example/log", &A.v, 1) == 0);
    {
        const char *args[] = {"--heartbeat", "0", NULL};
        REQUIRE(logd_proc_start(&P, args) == 0);
    }
    grow(&P, 300);
    REQUIRE(init_replica(&R, &P) == 0);
    REQUIRE(start_replica(&R, &P, "16384") == 0);
    REQUIRE(client_http_open(P.url, NULL, &hp) == 0);
    REQUIRE(client_http_open(R.url, NULL, &hr) == 0);
    REQUIRE(caught_up(hp, hr));
    n = size_of(hr, &P);
    before = checkpoint_of(hr);
    REQUIRE(before != NULL);

    /* The primary forks: a logd with the same key and a history of its own,
     * larger, made elsewhere, then served at the primary's address. */
    REQUIRE(logd_proc_init_key(&F, &P.log_key, &A.v, 1) == 0);
    {
        const char *args[] = {"--heartbeat", "0", NULL};
        REQUIRE(logd_proc_start(&F, args) == 0);
    }
    grow(&F, 400);
    CHECK(logd_proc_stop(&F) == 0);
    snprintf(listen, sizeof listen, "127.0.0.1:%u", P.port);
    snprintf(url, sizeof url, "%s", P.url);
    CHECK(logd_proc_stop(&P) == 0);
    snprintf(P.url, sizeof P.url, "%s", url); /* the replica's --replica-of */
    {
        const char *args[] = {
            "--data",      F.data,     "--listen",  listen,
            "--key",       F.key_path, "--issuers", F.issuers_path,
            "--heartbeat", "0",        NULL};
        REQUIRE(logd_proc_start_argv(&F, NULL, args) == 0);
    }

    /* The replica alarms with the reason as a code, and keeps serving what
     * it verified. */
    CHECK(logd_api_wait_metric(hr, "credlog_replica_alarm{reason=\"fork\"}", 1,
                               60000));
    CHECK(logd_api_metric(hr, "credlog_replica_alarm_code") == 1);
    CHECK(logd_proc_log_contains(&R, "replica ALARM [fork]"));
    after = checkpoint_of(hr);
    CHECK(after != NULL && strcmp(before, after) == 0);
    free(after);
    CHECK(size_of(hr, &P) == n);
    {
        struct client_http_response r;
        CHECK(get(hr, "/tile/entries/000", &r) && r.status == 200);
        client_http_response_free(&r);
    }

    /* Restarted, it looks again and alarms again: the fork is never
     * followed. */
    CHECK(logd_proc_stop(&R) == 0);
    REQUIRE(start_replica(&R, &P, "16384") == 0);
    client_http_close(hr);
    REQUIRE(client_http_open(R.url, NULL, &hr) == 0);
    CHECK(logd_api_wait_metric(hr, "credlog_replica_alarm_code", 1, 60000));
    after = checkpoint_of(hr);
    CHECK(after != NULL && strcmp(before, after) == 0);
    free(after);
    free(before);

    client_http_close(hp);
    client_http_close(hr);
    CHECK(logd_proc_stop(&R) == 0);
    CHECK(logd_proc_stop(&F) == 0);
    logd_proc_cleanup(&R);
    logd_proc_cleanup(&F);
    logd_proc_cleanup(&P);
}

/* A static log (the monitor tests' minilog) that first tells the truth and
 * then publishes a MAP entry with a wrong root. */
static void test_lying_map(void)
{
    static const uint64_t T0 = 1767225600000ull;
    struct minilog ml;
    struct minilog_server srv;
    struct logd_proc R;
    struct client_http *hr;
    const char *args[16];
    char vkey[NOTE_KEY_TEXT_MAX], *good, *served;
    uint8_t wrong[32], cred[32];
    struct entry e;
    size_t n = 0;

    minilog_init(&ml, "lying.example/log", 9);
    note_verifier_format(&ml.vkey, vkey, sizeof vkey);
    REQUIRE(logd_proc_init(&R, "unused.example/log", &A.v, 1) == 0);
    issuer_set_origin(ml.vkey.name);
    minilog_append_key(&ml, ENTRY_KEY_ADD, &A.s, T0);
    for (int k = 0; k < 300; k++) {
        check_rand_cred(&rng, cred);
        issuer_sign_entry(&e, ENTRY_ISSUE, cred, &A.s, T0 + (uint64_t)k, 0);
        minilog_map_set(&ml, cred, minilog_append(&ml, &e), SMT_NONE);
    }
    minilog_append_map(&ml, T0 + 400, NULL);
    minilog_server_start(&srv, &ml);
    good = minilog_checkpoint(&ml, ml.n);

    args[n++] = "--replica-of";
    args[n++] = srv.url;
    args[n++] = "--log-key";
    args[n++] = vkey;
    args[n++] = "--data";
    args[n++] = R.data;
    args[n++] = "--listen";
    args[n++] = "127.0.0.1:0";
    args[n++] = "--replica-interval";
    args[n++] = "20ms";
    args[n++] = NULL;
    REQUIRE(logd_proc_start_argv(&R, NULL, args) == 0);
    REQUIRE(client_http_open(R.url, NULL, &hr) == 0);
    {
        struct wait w = wait_begin(60000);
        while ((served = checkpoint_of(hr)) == NULL && wait_more(&w))
            ;
    }
    CHECK(served != NULL && strcmp(served, good) == 0);
    free(served);

    /* More entries, and a MAP entry whose root is not the map's. */
    pthread_mutex_lock(&srv.lock);
    for (int k = 0; k < 50; k++) {
        check_rand_cred(&rng, cred);
        issuer_sign_entry(&e, ENTRY_ISSUE, cred, &A.s, T0 + 500, 0);
        minilog_map_set(&ml, cred, minilog_append(&ml, &e), SMT_NONE);
    }
    minilog_map_root(&ml, wrong);
    wrong[0] ^= 1;
    minilog_append_map(&ml, T0 + 999, wrong);
    pthread_mutex_unlock(&srv.lock);
    minilog_server_publish(&srv);

    CHECK(logd_api_wait_metric(hr, "credlog_replica_alarm{reason=\"replay\"}",
                               1, 60000));
    CHECK(logd_api_metric(hr, "credlog_replica_alarm_code") == 6);
    CHECK(logd_proc_log_contains(&R, "replica ALARM [replay]"));
    served = checkpoint_of(hr);
    CHECK(served != NULL && strcmp(served, good) == 0);
    free(served);
    {
        /* Nothing of the lie is served: the bundle past the good tree is
         * not there. */
        struct client_http_response r;
        char path[64];
        snprintf(path, sizeof path, "/tile/entries/001.p/%u",
                 (unsigned)(ml.n - 256));
        CHECK(ml.n > 256 && ml.n < 512);
        CHECK(get(hr, path, &r) && r.status == 404);
        client_http_response_free(&r);
    }
    free(good);
    client_http_close(hr);
    CHECK(logd_proc_stop(&R) == 0);
    logd_proc_cleanup(&R);
    minilog_server_stop(&srv);
    minilog_free(&ml);
}

/* A replica killed (SIGKILL) in the middle of a long catch-up resumes there
 * and ends with the primary's copy. */
static void test_kill_resume(void)
{
    struct logd_proc P, R;
    struct client_http *hp, *hr;
    int64_t n, v = -1;

    REQUIRE(logd_proc_init(&P, "resume.example/log", &A.v, 1) == 0);
    {
        const char *args[] = {"--heartbeat", "0", NULL};
        REQUIRE(logd_proc_start(&P, args) == 0);
    }
    grow(&P, 20000);
    REQUIRE(client_http_open(P.url, NULL, &hp) == 0);
    n = size_of(hp, &P);
    REQUIRE(n > 20000);
    REQUIRE(init_replica(&R, &P) == 0);
    REQUIRE(start_replica(&R, &P, "256") == 0);
    REQUIRE(client_http_open(R.url, NULL, &hr) == 0);
    {
        struct wait w = wait_begin_step(60000, 500);
        while (((v = logd_api_metric(hr, "credlog_replica_verified_entries")) <
                    2048 ||
                v >= n) &&
               wait_more(&w))
            ;
    }
    REQUIRE(logd_proc_kill(&R) == 0);
    CHECK(v >= 2048 && v < n);
    client_http_close(hr);

    REQUIRE(start_replica(&R, &P, "256") == 0);
    REQUIRE(client_http_open(R.url, NULL, &hr) == 0);
    REQUIRE(caught_up(hp, hr));
    CHECK(
        logd_proc_log_contains(&R, "replica: resuming the catch-up at entry"));
    CHECK(size_of(hr, &P) == n);
    {
        /* The copy is whole: a sample of answers across the tree. */
        char path[128];
        differed = 0;
        for (int64_t i = 0; i < n; i += 97) {
            snprintf(path, sizeof path,
                     "/v1/proof/inclusion?index=%" PRId64 "&size=%" PRId64, i,
                     n);
            CHECK(same(hp, hr, path));
        }
        for (int64_t i = 0; i * TILE_WIDTH < n; i += 7) {
            snprintf(path, sizeof path, "/v1/entries/%" PRId64, i * TILE_WIDTH);
            CHECK(same(hp, hr, path));
        }
        CHECK(same(hp, hr, "/v1/issuers"));
        CHECK(differed == 0);
    }
    client_http_close(hp);
    client_http_close(hr);
    CHECK(logd_proc_stop(&R) == 0);
    CHECK(logd_proc_stop(&P) == 0);
    logd_proc_cleanup(&R);
    logd_proc_cleanup(&P);
}

/* The number of signature lines of a note. */
static int signatures(const char *note)
{
    int n = 0;

    for (const char *at = note; (at = strstr(at, "\n\xe2\x80\x94 ")) != NULL;
         at++)
        n++;
    return n;
}

/* With --witness-policy: a replica follows the checkpoints that meet the
 * policy, byte for byte with their cosignatures, and waits (no alarm) while
 * the primary's checkpoint does not meet it. */
static void test_policy(void)
{
    struct witness_proc W, W2;
    struct fakewit stall;
    struct logd_proc P, R, S;
    struct client_http *hp, *hr, *hs;
    char logs[1024], policy[600], strict[600], text[4096], *note;
    char interval[] = "100ms";
    int64_t n;

    REQUIRE(logd_proc_init(&P, "policy.example/log", &A.v, 1) == 0);
    snprintf(logs, sizeof logs, "logs/v0\nvkey %s\nqpd 86400\n", P.log_vkey);
    REQUIRE(witness_proc_init(&W, "w1.replica.test") == 0);
    REQUIRE(witness_proc_write_logs(&W, logs) == 0);
    REQUIRE(witness_proc_start(&W) == 0);
    /* w2 cosigns later: it is down (at an address of its own) until then. */
    REQUIRE(witness_proc_init(&W2, "w2.replica.test") == 0);
    REQUIRE(witness_proc_write_logs(&W2, logs) == 0);
    REQUIRE(witness_proc_start(&W2) == 0);
    REQUIRE(witness_proc_stop(&W2) == 0);
    fakewit_start(&stall, "slow.replica.test", FAKEWIT_STALL);
    snprintf(policy, sizeof policy, "%s/policy", P.dir);
    snprintf(text, sizeof text,
             "log %s\nwitness w1 %s %s\nwitness w2 %s %s\n"
             "group one 1 w1 w2\nquorum one\n",
             P.log_vkey, W.vkey, W.url, W2.vkey, W2.url);
    files_write(policy, text, strlen(text));
    snprintf(strict, sizeof strict, "%s/strict", P.dir);
    snprintf(text, sizeof text,
             "log %s\nwitness w1 %s %s\nwitness slow %s %s\n"
             "group both 2 w1 slow\nquorum both\n",
             P.log_vkey, W.vkey, W.url, stall.vkey, stall.url);
    files_write(strict, text, strlen(text));
    {
        const char *args[] = {"--heartbeat",
                              "0",
                              "--witness-policy",
                              policy,
                              "--witness-interval",
                              interval,
                              NULL};
        REQUIRE(logd_proc_start(&P, args) == 0);
    }
    grow(&P, 300);
    REQUIRE(client_http_open(P.url, NULL, &hp) == 0);
    {
        /* Until the quorum checkpoint the primary serves covers it all. */
        int64_t size = logd_api_metric(hp, "credlog_tree_size");
        struct wait w = wait_begin(60000);
        while (size_of(hp, &P) < size && wait_more(&w))
            ;
        REQUIRE(size > 300 && size_of(hp, &P) == size);
    }

    REQUIRE(init_replica(&R, &P) == 0);
    REQUIRE(start_replica_policy(&R, &P, "16384", policy) == 0);
    REQUIRE(client_http_open(R.url, NULL, &hr) == 0);
    REQUIRE(caught_up(hp, hr));
    note = checkpoint_of(hr);
    CHECK(note != NULL && signatures(note) == 2); /* the log's, w1's */
    free(note);
    n = size_of(hr, &P);
    CHECK(n > 300);
    CHECK(logd_api_metric(hr, "credlog_replica_policy_waiting") == 0);
    {
        char path[256], hex[65];
        differed = 0;
        for (size_t i = ncreds - 300; i < ncreds; i += 3) {
            codec_hex_encode(creds[i], 32, hex);
            snprintf(path, sizeof path, "/v1/status/%s", hex);
            CHECK(same(hp, hr, path));
        }
        CHECK(same(hp, hr, "/v1/witness-policy"));
        CHECK(same(hp, hr, "/web/config.json"));
        CHECK(differed == 0);
    }

    /* w2 comes up and cosigns the same checkpoint: the primary serves it
     * with both cosignatures, and so does the replica. */
    REQUIRE(witness_proc_restart(&W2) == 0);
    {
        struct wait w = wait_begin(60000);
        while (((note = checkpoint_of(hp)) == NULL || signatures(note) < 3) &&
               wait_more(&w))
            free(note);
        CHECK(note != NULL && signatures(note) == 3);
        free(note);
    }
    REQUIRE(caught_up(hp, hr));
    note = checkpoint_of(hr);
    CHECK(note != NULL && signatures(note) == 3);
    free(note);
    CHECK(size_of(hr, &P) == n);

    /* Under a policy the primary's checkpoints do not meet (a second
     * witness that never answers): the replica waits, serves nothing it
     * did not verify, and raises no alarm. */
    REQUIRE(init_replica(&S, &P) == 0);
    REQUIRE(start_replica_policy(&S, &P, "16384", strict) == 0);
    REQUIRE(client_http_open(S.url, NULL, &hs) == 0);
    CHECK(logd_api_wait_metric(hs, "credlog_replica_policy_waiting", 1, 60000));
    CHECK(logd_api_metric(hs, "credlog_replica_alarm_code") == 0);
    CHECK(logd_api_metric(hs, "credlog_replica_primary_size") == n);
    CHECK(logd_api_metric(hs, "credlog_replica_lag_entries") == n);
    CHECK(logd_api_metric(hs, "credlog_tree_size") == 0);
    {
        struct client_http_response r;
        CHECK(get(hs, "/checkpoint", &r) && r.status == 503); /* none yet */
        client_http_response_free(&r);
    }

    client_http_close(hp);
    client_http_close(hr);
    client_http_close(hs);
    CHECK(logd_proc_stop(&S) == 0);
    CHECK(logd_proc_stop(&R) == 0);
    CHECK(logd_proc_stop(&P) == 0);
    fakewit_stop(&stall);
    witness_proc_cleanup(&W);
    witness_proc_cleanup(&W2);
    logd_proc_cleanup(&S);
    logd_proc_cleanup(&R);
    logd_proc_cleanup(&P);
}

/* On a terminal, a catch-up draws its progress on stderr. */
static void test_progress(void)
{
    struct logd_proc P, R;
    char out[65536];
    size_t used = 0;
    int master, st;
    pid_t pid;

    REQUIRE(logd_proc_init(&P, "tty.example/log", &A.v, 1) == 0);
    {
        const char *args[] = {"--heartbeat", "0", NULL};
        REQUIRE(logd_proc_start(&P, args) == 0);
    }
    grow(&P, 1200);
    REQUIRE(init_replica(&R, &P) == 0);
    master = posix_openpt(O_RDWR | O_NOCTTY);
    REQUIRE(master >= 0 && grantpt(master) == 0 && unlockpt(master) == 0);
    fflush(NULL);
    pid = fork();
    if (pid == 0) {
        int slave = open(ptsname(master), O_RDWR | O_NOCTTY);
        int devnull = open("/dev/null", O_WRONLY);
        if (slave < 0 || devnull < 0)
            _exit(127);
        dup2(devnull, 1);
        dup2(slave, 2);
        execl(logd_proc_binary(), "logd", "--replica-of", P.url, "--log-key",
              P.log_vkey, "--data", R.data, "--listen", "127.0.0.1:0",
              "--replica-step", "512", (char *)NULL);
        _exit(127);
    }
    REQUIRE(pid > 0);
    {
        struct wait w = wait_begin(60000);
        out[0] = '\0';
        while (strstr(out, "logd: replica: ") == NULL && wait_more(&w)) {
            struct pollfd pfd = {master, POLLIN, 0};
            ssize_t n;
            if (poll(&pfd, 1, 0) > 0 &&
                (n = read(master, out + used, sizeof out - 1 - used)) > 0) {
                used += (size_t)n;
                out[used] = '\0';
            }
        }
    }
    CHECK(strstr(out, "\rlogd: replica catching up [") != NULL);
    CHECK(strstr(out, " entries\r") != NULL ||
          strstr(out, " entries\n") != NULL);
    CHECK(strstr(out, "logd: replica: ") != NULL);
    kill(pid, SIGTERM);
    CHECK(wait_child(pid, 30000, &st) && WIFEXITED(st) && WEXITSTATUS(st) == 0);
    close(master);
    CHECK(logd_proc_stop(&P) == 0);
    logd_proc_cleanup(&R);
    logd_proc_cleanup(&P);
}

/* Whether to run test name: all, or only $REPLICA_TEST's. */
static bool wanted(const char *name)
{
    const char *only = getenv("REPLICA_TEST");

    return only == NULL || strcmp(only, name) == 0;
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    logd_proc_require();
    issuer_make(&A, "avans.nl");
    if (wanted("identical"))
        test_identical();
    if (wanted("lying"))
        test_lying_map();
    if (wanted("fork"))
        test_fork();
    if (wanted("kill"))
        test_kill_resume();
    if (wanted("policy"))
        test_policy();
    if (wanted("progress"))
        test_progress();
    issuer_wipe(&A);
    return check_finish();
}
