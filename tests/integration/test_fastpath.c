/*
 * test_fastpath.c: logd's own responder (logd/conn.h's fast path) against
 * evhttp's answers, on the real logd over loopback.
 *  - Every GET route's 200 (a cached full hash tile and entry bundle, a
 *    partial tile and bundle read from LMDB, status proofs of an issued, a
 *    revoked and an unknown credential, inclusion and consistency proofs
 *    with their query strings in either order, an entry, the checkpoint,
 *    the log key, the issuers, /healthz, the page and its config.json): the
 *    fast path's answer is byte for byte evhttp's answer to the same
 *    request (with a header the fast path leaves to evhttp), Date aside
 *    when the second turned; credlog_http_fast_answers_total counts exactly
 *    the fast ones, and the route's credlog_http_requests_total one each.
 *  - Every answer that is not a 200 (bad, missing, extra or out-of-range
 *    query parameters, a query on a route that takes none, an unknown
 *    path, a wrong method, a bad hash or index), and a query the fast path
 *    does not read (empty, percent-encoded): answered by evhttp (JSON
 *    errors), the same bytes whether the request looks simple or not, no
 *    fast answer counted, the route's count once (not twice).
 *  - A keep-alive connection that goes back and forth between fast answers
 *    and evhttp's (errors, a HEAD, a conditional) answers each as alone,
 *    and the fast path takes the connection back after each evhttp
 *    answer.
 *  - Pipelined on one connection, fast and evhttp requests interleaved
 *    (and a 404, a HEAD and a bad request among them) are answered in
 *    order, each as it is alone.
 *  - A client that pipelines 256 bundle requests, one a send, and reads
 *    them only afterwards through a small receive buffer (answers that do
 *    not fit the socket at once are queued, heads cut by a read are held
 *    until whole, then evhttp gets the connection back): every answer
 *    arrives whole and in order, all from the fast path, and the
 *    connection still serves evhttp's requests afterwards.
 *  - A head split across two sends is answered whole (by evhttp when logd
 *    read its first half alone), and the next whole one by the fast path
 *    again; a request with Connection: close goes to evhttp, which closes.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "client/http.h"
#include "issuer.h"
#include "logd_api.h"
#include "logd_proc.h"
#include "logd_raw.h"
#include "proofs/codec.h"
#include "proofs/entry.h"

static struct logd_proc P;
static struct client_http *H;
static struct issuer A1;
static uint64_t rnd = 1616;
static char issued_hex[65], revoked_hex[65];

#define FAST_METRIC "credlog_http_fast_answers_total"
#define SLOW_HEADER                                                            \
    "Pragma: no-cache\r\n" /* any header the fast path leaves                  \
                            */

static int64_t fast_count(void)
{
    return logd_api_metric(H, FAST_METRIC);
}

/* credlog_http_requests_total of route and code (0 while absent). */
static int64_t route_count(const char *route, int code)
{
    char name[128];
    int64_t v;

    snprintf(name, sizeof name,
             "credlog_http_requests_total{route=\"%s\",code=\"%d\"}", route,
             code);
    v = logd_api_metric(H, name);
    return v < 0 ? 0 : v;
}

/* The request for target, with extra header lines. */
static char *request(const char *method, const char *target, const char *extra)
{
    size_t cap = strlen(target) + strlen(extra) + 64;
    char *r = malloc(cap);

    snprintf(r, cap, "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\n%s\r\n", method,
             target, extra);
    return r;
}

/* Whether two answers are the same bytes, but for the Date value (both must
 * have one of the same length). */
static bool same_answer(const struct logd_raw_answer *a,
                        const struct logd_raw_answer *b)
{
    char da[64], db[64], *ha, *hb, *p;
    bool same;

    if (a->status != b->status || a->body_len != b->body_len ||
        memcmp(a->body, b->body, a->body_len) != 0 ||
        logd_raw_header(a, "Date", da, sizeof da) != 0 ||
        logd_raw_header(b, "Date", db, sizeof db) != 0 ||
        strlen(da) != strlen(db))
        return false;
    ha = strdup(a->head);
    hb = strdup(b->head);
    if ((p = strstr(ha, da)) != NULL)
        memset(p, '-', strlen(da));
    if ((p = strstr(hb, db)) != NULL)
        memset(p, '-', strlen(db));
    same = strcmp(ha, hb) == 0;
    free(ha);
    free(hb);
    return same;
}

static void alone(const char *method, const char *target,
                  struct logd_raw_answer *a);

/* One request alone on a fresh connection. */
static int exchange(const char *req, struct logd_raw_answer *a)
{
    return logd_raw_exchange(P.port, req, strlen(req), 0, 10000, a);
}

/* target through evhttp first (which fills the tile cache), then through
 * the fast path: the same answer, one fast answer counted, and the route
 * counted once for each. */
static void check_same(const char *target, int want, const char *route)
{
    char *slow = request("GET", target, SLOW_HEADER);
    char *fast = request("GET", target, "");
    struct logd_raw_answer a = {0}, b = {0};
    int64_t n0, n1, n2, r0, r1, r2;

    REQUIRE(exchange(slow, &a) == 0); /* the first time, from LMDB */
    logd_raw_answer_free(&a);
    n0 = fast_count();
    r0 = route_count(route, want);
    CHECK(exchange(slow, &a) == 0 && a.status == want);
    n1 = fast_count();
    r1 = route_count(route, want);
    CHECK(exchange(fast, &b) == 0 && b.status == want);
    n2 = fast_count();
    r2 = route_count(route, want);
    CHECK_MSG(same_answer(&a, &b), "%s: evhttp's\n%s\nfast path's\n%s", target,
              a.head ? a.head : "-", b.head ? b.head : "-");
    CHECK_MSG(n1 == n0 && n2 == n0 + 1, "%s: fast answers %lld %lld %lld",
              target, (long long)n0, (long long)n1, (long long)n2);
    CHECK_MSG(r1 == r0 + 1 && r2 == r0 + 2, "%s: %s %d counted %lld %lld %lld",
              target, route, want, (long long)r0, (long long)r1, (long long)r2);
    logd_raw_answer_free(&a);
    logd_raw_answer_free(&b);
    free(slow);
    free(fast);
}

static void test_same_bytes(void)
{
    char path[128];

    check_same("/tile/0/000", 200, "tile");
    check_same("/tile/entries/000", 200, "entry_bundle");
    check_same("/tile/0/001.p/45", 200, "tile");
    check_same("/tile/entries/001.p/45", 200, "entry_bundle");
    snprintf(path, sizeof path, "/v1/status/%s", issued_hex);
    check_same(path, 200, "status");
    snprintf(path, sizeof path, "/v1/status/%s", revoked_hex);
    check_same(path, 200, "status");
    snprintf(path, sizeof path, "/v1/status/%064d", 7);
    check_same(path, 200, "status");
    check_same("/v1/proof/inclusion?index=5&size=301", 200, "inclusion");
    check_same("/v1/proof/inclusion?size=301&index=300", 200, "inclusion");
    check_same("/v1/proof/inclusion?index=0&size=1", 200, "inclusion");
    check_same("/v1/proof/consistency?from=3&to=301", 200, "consistency");
    check_same("/v1/proof/consistency?to=300&from=256", 200, "consistency");
    check_same("/v1/entries/7", 200, "entry");
    check_same("/checkpoint", 200, "checkpoint");
    check_same("/v1/log-key", 200, "log_key");
    check_same("/v1/issuers", 200, "issuers");
    check_same("/healthz", 200, "healthz");
    check_same("/", 200, "web");
    check_same("/web/config.json", 200, "web");
}

/* target is not the fast path's to answer: the simple request is answered
 * as the one with a header the fast path leaves to evhttp, with no fast
 * answer counted, and the route counted once for each. */
static void check_evhttp(const char *target, int want, const char *route)
{
    char *slow = request("GET", target, SLOW_HEADER);
    char *simple = request("GET", target, "");
    struct logd_raw_answer a = {0}, b = {0};
    int64_t n0, n1, r0, r1;

    n0 = fast_count();
    r0 = route_count(route, want);
    CHECK(exchange(slow, &a) == 0 && a.status == want);
    CHECK(exchange(simple, &b) == 0 && b.status == want);
    n1 = fast_count();
    r1 = route_count(route, want);
    CHECK_MSG(same_answer(&a, &b), "%s: evhttp's\n%s\nand\n%s", target,
              a.head ? a.head : "-", b.head ? b.head : "-");
    CHECK_MSG(want == 200 || logd_raw_json_error(&b), "%s: not a JSON error",
              target);
    CHECK_MSG(n1 == n0, "%s: %lld fast answers", target, (long long)(n1 - n0));
    CHECK_MSG(r1 == r0 + 2, "%s: %s %d counted %lld times", target, route, want,
              (long long)(r1 - r0));
    logd_raw_answer_free(&a);
    logd_raw_answer_free(&b);
    free(slow);
    free(simple);
}

static void test_not_fast(void)
{
    check_evhttp("/v1/proof/inclusion?index=5", 400, "inclusion");
    check_evhttp("/v1/proof/inclusion?size=301", 400, "inclusion");
    check_evhttp("/v1/proof/inclusion?index=5&size=301&x=1", 400, "inclusion");
    check_evhttp("/v1/proof/inclusion?index=5&index=5&size=301", 400,
                 "inclusion");
    check_evhttp("/v1/proof/inclusion?index=05&size=301", 400, "inclusion");
    check_evhttp("/v1/proof/inclusion?index=5&size=301&", 400, "inclusion");
    check_evhttp("/v1/proof/inclusion?index=&size=301", 400, "inclusion");
    check_evhttp("/v1/proof/inclusion?index=301&size=301", 400, "inclusion");
    check_evhttp("/v1/proof/inclusion?index=5&size=99999", 404, "inclusion");
    check_evhttp("/v1/proof/inclusion?index=%35&size=301", 400, "inclusion");
    check_evhttp("/v1/proof/inclusion", 400, "inclusion");
    check_evhttp("/v1/proof/inclusion?", 400, "inclusion");
    check_evhttp("/v1/proof/consistency?from=5&to=3", 400, "consistency");
    check_evhttp("/v1/proof/consistency?from=5&to=99999", 404, "consistency");
    check_evhttp("/v1/proof/consistency?from=a&to=3", 400, "consistency");
    check_evhttp("/checkpoint?a=1", 400, "checkpoint");
    check_evhttp("/checkpoint?", 200, "checkpoint");
    check_evhttp("/tile/0/000?a=1", 400, "tile");
    check_evhttp("/tile/0/x999/999", 404, "tile");
    check_evhttp("/tile/0/abc", 400, "tile");
    check_evhttp("/v1/status/zz", 400, "status");
    check_evhttp("/v1/entries/x", 400, "entry");
    check_evhttp("/v1/entries/99999", 404, "entry");
    check_evhttp("/v1/entries", 405, "submit");
    check_evhttp("/v1/witness-policy", 404, "witness_policy");
    check_evhttp("/web/nothing.js", 404, "web");
    check_evhttp("/nope", 404, "other");
}

/* One request at a time on one keep-alive connection, fast and evhttp's
 * answers alternating: each answered as it is alone, and each simple 200
 * the fast path's (it gets the connection back after evhttp's answers). */
/* The target of a step: "STATUS" in it stands for the issued credential's
 * status proof. */
static void step_target(const char *t, char *out, size_t cap)
{
    if (strstr(t, "STATUS") != NULL)
        snprintf(out, cap, "/v1/status/%s", issued_hex);
    else
        snprintf(out, cap, "%s", t);
}

/* Reads step i's answer from fd and checks that it has the status and is
 * byte for byte the answer to the same request alone, through evhttp. */
static void check_step(int fd, size_t i, const char *method, const char *target,
                       int status)
{
    struct logd_raw_answer got = {0}, want = {0};
    int head = strcmp(method, "HEAD") == 0;

    CHECK_MSG(logd_raw_read(fd, head, 10000, &got) == 0 && got.status == status,
              "step %zu: status %d", i, got.status);
    alone(method, target, &want);
    CHECK_MSG(same_answer(&got, &want) || (head && got.status == want.status),
              "step %zu (%s %s) differs", i, method, target);
    logd_raw_answer_free(&got);
    logd_raw_answer_free(&want);
}

static void test_keep_alive(void)
{
    struct step {
        const char *method, *target, *extra;
        int status;
        bool fast;
    } steps[] = {
        {"GET", "/v1/proof/inclusion?index=5&size=301", "", 200, true},
        {"GET", "/v1/proof/inclusion?index=5", "", 400, false},
        {"GET", "/v1/proof/inclusion?index=6&size=301", "", 200, true},
        {"GET", "/v1/proof/consistency?from=3&to=301", "", 200, true},
        {"GET", "/nope", "", 404, false},
        {"GET", "/v1/status/STATUS", "", 200, true},
        {"HEAD", "/v1/proof/inclusion?index=5&size=301", "", 200, false},
        {"GET", "/v1/entries/7", "", 200, true},
        {"GET", "/v1/status/STATUS", "If-None-Match: \"x\"\r\n", 200, false},
        {"GET", "/checkpoint?a=1", "", 400, false},
        {"GET", "/tile/0/000", "", 200, true},
        {"GET", "/v1/proof/inclusion?index=7&size=301", SLOW_HEADER, 200,
         false},
        {"GET", "/v1/proof/inclusion?index=7&size=301", "", 200, true},
    };
    const size_t n = sizeof steps / sizeof steps[0];
    char target[128];
    int fd = logd_raw_connect(P.port, 0);
    int64_t n0 = fast_count(), fast = 0;

    REQUIRE(fd >= 0);
    for (size_t i = 0; i < n; i++) {
        char *r;
        step_target(steps[i].target, target, sizeof target);
        r = request(steps[i].method, target, steps[i].extra);
        CHECK(logd_raw_send(fd, r, strlen(r)) == 0);
        free(r);
        check_step(fd, i, steps[i].method, target, steps[i].status);
        fast += steps[i].fast;
        CHECK_MSG(fast_count() == n0 + fast, "step %zu: fast %lld, want %lld",
                  i, (long long)(fast_count() - n0), (long long)fast);
    }
    close(fd);
}

/* The answer to target alone, through evhttp. */
static void alone(const char *method, const char *target,
                  struct logd_raw_answer *a)
{
    char *r = request(method, target, SLOW_HEADER);
    int rc = logd_raw_exchange(P.port, r, strlen(r),
                               strcmp(method, "HEAD") == 0, 10000, a);

    CHECK(rc == 0);
    free(r);
}

static void test_pipelined(void)
{
    struct step {
        const char *method, *target, *extra;
        int status;
    } steps[] = {
        {"GET", "/tile/0/000", "", 200},
        {"GET", "/v1/status/STATUS", "", 200},
        {"GET", "/tile/entries/000", "", 200},
        {"GET", "/tile/0/000", SLOW_HEADER, 200},
        {"GET", "/tile/entries/000", "", 200},
        {"GET", "/tile/0/x999/999", "", 404},
        {"GET", "/tile/entries/000", "", 200},
        {"HEAD", "/tile/0/000", "", 200},
        {"GET", "/v1/status/STATUS", "", 200},
        {"GET", "/checkpoint", "", 200},
        {"GET", "/tile/0/000", "", 200},
        {"GET", "/tile/0/000", "", 200},
    };
    const size_t n = sizeof steps / sizeof steps[0];
    char all[8192], target[128];
    size_t len = 0;
    int fd = logd_raw_connect(P.port, 0);
    int64_t n0 = fast_count();

    REQUIRE(fd >= 0);
    for (size_t i = 0; i < n; i++) {
        char *r;
        step_target(steps[i].target, target, sizeof target);
        r = request(steps[i].method, target, steps[i].extra);
        len += (size_t)snprintf(all + len, sizeof all - len, "%s", r);
        free(r);
    }
    CHECK(logd_raw_send(fd, all, len) == 0);
    for (size_t i = 0; i < n; i++) {
        step_target(steps[i].target, target, sizeof target);
        check_step(fd, i, steps[i].method, target, steps[i].status);
    }
    /* The first three are the fast path's (however the reads cut them);
     * from the first evhttp answer on, evhttp reads what was pipelined
     * behind it. */
    CHECK_MSG(fast_count() == n0 + 3, "fast %lld",
              (long long)(fast_count() - n0));
    /* A bad request after fast answers: 400, and the connection closes. */
    {
        static const char bad[] = "GET /tile/0/000 HTTP/1.1\r\n\r\n"
                                  "GET /a b c\r\n\r\n";
        struct logd_raw_answer a = {0}, b = {0};
        CHECK(logd_raw_send(fd, bad, sizeof bad - 1) == 0);
        CHECK(logd_raw_read(fd, 0, 10000, &a) == 0 && a.status == 200);
        CHECK(logd_raw_read(fd, 0, 10000, &b) == 0 && b.status == 400 &&
              logd_raw_json_error(&b));
        CHECK(logd_raw_wait_closed(fd, 10000) == 1);
        logd_raw_answer_free(&a);
        logd_raw_answer_free(&b);
    }
    close(fd);
}

static void test_slow_reader(void)
{
    enum { N = 256 };
    char *one = request("GET", "/tile/entries/000", "");
    char *slow = request("GET", "/tile/0/000", SLOW_HEADER);
    struct logd_raw_answer want = {0}, a = {0};
    int fd = logd_raw_connect(P.port, 4096);
    int64_t n0 = fast_count();
    bool ok = true;
    size_t i;

    REQUIRE(fd >= 0);
    alone("GET", "/tile/entries/000", &want);
    /* One request a send, none read yet: 8 MiB of answers, more than the
     * socket buffers hold (tcp_wmem), wait for this client. */
    for (i = 0; i < N && ok; i++)
        ok = logd_raw_send(fd, one, strlen(one)) == 0;
    CHECK(ok);
    for (i = 0; i < N && ok; i++) {
        ok = logd_raw_read(fd, 0, 20000, &a) == 0 && same_answer(&a, &want);
        logd_raw_answer_free(&a);
    }
    CHECK_MSG(ok, "answer %zu of %d differs", i, N);
    /* All the fast path's: a head cut short (by a read, or by the input's
     * limit while answers wait) is held back from evhttp until it is
     * whole. */
    CHECK_MSG(fast_count() == n0 + N, "fast %lld",
              (long long)(fast_count() - n0));
    /* evhttp has the connection back. */
    CHECK(logd_raw_send(fd, slow, strlen(slow)) == 0);
    CHECK(logd_raw_read(fd, 0, 10000, &a) == 0 && a.status == 200 &&
          a.body_len == 8192);
    logd_raw_answer_free(&a);
    logd_raw_answer_free(&want);
    close(fd);
    free(one);
    free(slow);
}

static void test_to_evhttp(void)
{
    char *r = request("GET", "/tile/0/000", "");
    char *cl = request("GET", "/tile/0/000", "Connection: close\r\n");
    size_t half = strlen(r) / 2;
    struct logd_raw_answer a = {0};
    int fd = logd_raw_connect(P.port, 0);
    int64_t n0 = fast_count();

    REQUIRE(fd >= 0);
    /* Split: whichever path reads it (evhttp, when logd has read the first
     * half alone: it has consumed the request line), the answer is whole. */
    CHECK(logd_raw_send(fd, r, half) == 0);
    CHECK(logd_raw_send(fd, r + half, strlen(r) - half) == 0);
    CHECK(logd_raw_read(fd, 0, 10000, &a) == 0 && a.status == 200 &&
          a.body_len == 8192);
    logd_raw_answer_free(&a);
    n0 = fast_count();
    /* The next one whole: the fast path's. */
    CHECK(logd_raw_send(fd, r, strlen(r)) == 0);
    CHECK(logd_raw_read(fd, 0, 10000, &a) == 0 && a.status == 200);
    logd_raw_answer_free(&a);
    CHECK(fast_count() == n0 + 1);
    /* Connection: close is evhttp's, and closes. */
    CHECK(logd_raw_send(fd, cl, strlen(cl)) == 0);
    CHECK(logd_raw_read(fd, 0, 10000, &a) == 0 && a.status == 200 &&
          strstr(a.head, "Connection: close") != NULL);
    CHECK(logd_raw_wait_closed(fd, 10000) == 1);
    CHECK(fast_count() == n0 + 1);
    logd_raw_answer_free(&a);
    close(fd);
    free(r);
    free(cl);
}

int main(void)
{
    struct note_verifier keys[1];
    uint8_t cred[32], rev[32];
    json_t *arr, *ans = NULL;
    struct entry e;

    signal(SIGPIPE, SIG_IGN);
    logd_proc_require();
    issuer_make(&A1, "avans.nl");
    keys[0] = A1.v;
    if (logd_proc_init(&P, "test.example/fastpath", keys, 1) != 0 ||
        logd_proc_start(&P, (const char *const[]){"--heartbeat", "0", NULL}) !=
            0 ||
        client_http_open(P.url, NULL, &H) != 0) {
        CHECK(0);
        logd_proc_cleanup(&P);
        return check_finish();
    }
    /* A full tile and bundle: 300 issued credentials, one revoked. */
    arr = json_array();
    for (int i = 0; i < 300; i++) {
        check_rand_cred(&rnd, cred);
        if (i == 0)
            memcpy(rev, cred, 32);
        if (i == 1)
            codec_hex_encode(cred, 32, issued_hex);
        issuer_entry(&e, ENTRY_ISSUE, cred, &A1, issuer_now_ms(), 0);
        json_array_append_new(arr, issuer_submission_json(&e));
    }
    CHECK(logd_api_post_entries(H, arr, &ans) == 200);
    json_decref(ans);
    arr = json_array();
    issuer_entry(&e, ENTRY_REVOKE, rev, &A1, issuer_now_ms(), 1);
    json_array_append_new(arr, issuer_submission_json(&e));
    CHECK(logd_api_post_entries(H, arr, &ans) == 200);
    json_decref(ans);
    codec_hex_encode(rev, 32, revoked_hex);

    test_same_bytes();
    test_not_fast();
    test_keep_alive();
    test_pipelined();
    test_slow_reader();
    test_to_evhttp();
    client_http_close(H);
    CHECK(logd_proc_stop(&P) == 0);
    logd_proc_cleanup(&P);
    return check_finish();
}
