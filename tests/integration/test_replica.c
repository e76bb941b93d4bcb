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
 * lying log) refuses it and serves nothing.
 */
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "client/http.h"
#include "issuer.h"
#include "logd_api.h"
#include "logd_proc.h"
#include "minilog.h"
#include "minilog_server.h"
#include "proofs/codec.h"
#include "proofs/tile.h"
#include "wait.h"

#define CREDS_MAX 4096

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
    {
        json_t *arr = json_array(), *ans = NULL;
        for (size_t i = first; i < ncreds; i += 7) {
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

/* Starts a replica of primary in r (made by init_replica()). */
static int start_replica(struct logd_proc *r, const struct logd_proc *primary,
                         const char *step)
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
                          NULL};
    return logd_proc_start_argv(r, NULL, args);
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

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    logd_proc_require();
    issuer_make(&A, "avans.nl");
    test_identical();
    issuer_wipe(&A);
    return check_finish();
}
