/*
 * test_logd_api.c: the real logd on 127.0.0.1:0 with a temporary data
 * directory, driven over HTTP with client/http.h and checked with proofs/
 * and the log's verifier key only:
 *  - ISSUE/REVOKE batches: every receipt (checkpoint signature, inclusion,
 *    entry bytes); exactly-once duplicates; all-or-nothing requests;
 *  - the whole log read back through C2SP tiles and entry bundles, roots
 *    recomputed, every MAP entry replayed, KEY entries and signatures
 *    checked; inclusion and consistency proofs between many sizes;
 *  - status proofs (active, revoked, unknown) verified completely;
 *  - every refusal with its status, and the log unchanged after it;
 *  - concurrent submitters; SIGHUP removing a key; restart persistence.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "answer.h"
#include "check.h"
#include "client/http.h"
#include "issuer.h"
#include "logd_api.h"
#include "logd_proc.h"
#include "mirror.h"
#include "naive.h"
#include "proofs/codec.h"
#include "proofs/entry.h"
#include "proofs/merkle.h"
#include "proofs/note.h"
#include "proofs/tile.h"
#include "wait.h"

#include <pthread.h>

static struct logd_proc P;
static struct client_http *H;
static struct issuer A1, A2, A3, B1, U;
static uint64_t rnd = 12345;
static uint64_t key_entries = 3; /* A1, A2, B1 added; later A2 removed */

#define MAX_CREDS 4096

/* What the test knows it has put in the log. */
static struct {
    uint8_t cred[32];
    const struct issuer *by;
    uint64_t issue, revoke;
    bool revoked;
} creds[MAX_CREDS];
static size_t ncreds;

/* Sizes of checkpoints seen in receipts: the last entry of each must be a
 * MAP entry. */
static uint64_t cp_sizes[4096];
static size_t ncp_sizes;
static pthread_mutex_t cp_mu = PTHREAD_MUTEX_INITIALIZER;

static void saw_checkpoint(uint64_t size)
{
    pthread_mutex_lock(&cp_mu);
    if (ncp_sizes < sizeof cp_sizes / sizeof cp_sizes[0])
        cp_sizes[ncp_sizes++] = size;
    pthread_mutex_unlock(&cp_mu);
}

static int64_t size_now(void)
{
    return logd_api_checkpoint(H, &P, NULL, NULL);
}

/* Submits one request of n new ISSUEs by is; checks every receipt. */
static void issue_batch(const struct issuer *is, size_t n)
{
    json_t *arr = json_array(), *ans = NULL, *recs;
    uint8_t bytes[1000][ENTRY_MAX_SIZE];
    size_t lens[1000], first = ncreds;
    uint64_t last = 0;
    int status;

    REQUIRE(n <= 1000 && ncreds + n <= MAX_CREDS);
    for (size_t i = 0; i < n; i++) {
        struct entry e;
        check_rand_cred(&rnd, creds[ncreds + i].cred);
        issuer_entry(&e, ENTRY_ISSUE, creds[ncreds + i].cred, is,
                     issuer_now_ms(), 0);
        lens[i] = issuer_entry_bytes(&e, bytes[i]);
        json_array_append_new(arr, issuer_submission_json(&e));
    }
    status = logd_api_post_entries(H, arr, &ans);
    CHECK_MSG(status == 200, "issue batch: status %d", status);
    recs = json_object_get(ans, "receipts");
    REQUIRE(json_array_size(recs) == n);
    for (size_t i = 0; i < n; i++) {
        uint64_t idx = 0;
        struct checkpoint cp;
        bool ok = answer_receipt(&P, json_array_get(recs, i), bytes[i], lens[i],
                                 &idx, &cp);
        CHECK(ok);
        if (ok)
            saw_checkpoint(cp.size);
        CHECK(i == 0 || idx == last + 1); /* a request is appended in order */
        last = idx;
        creds[first + i].by = is;
        creds[first + i].issue = idx;
    }
    ncreds += n;
    json_decref(ans);
}

static void test_submit(void)
{
    const struct issuer *who[3] = {&A1, &A2, &B1};
    size_t sizes[] = {1, 2, 3, 7, 50, 1, 128, 200, 5, 1000, 13, 300};

    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
        issue_batch(who[i % 3], sizes[i]);

    /* Revoke a third of avans.nl's credentials, with either of its keys. */
    json_t *arr = json_array(), *ans = NULL;
    size_t which[200], n = 0;
    for (size_t i = 0; i < ncreds && n < 200; i += 3) {
        struct entry e;
        if (strcmp(creds[i].by->s.name, "avans.nl") != 0)
            continue;
        issuer_entry(&e, ENTRY_REVOKE, creds[i].cred, n % 2 ? &A1 : &A2,
                     issuer_now_ms(), issuer_reason(n));
        json_array_append_new(arr, issuer_submission_json(&e));
        which[n++] = i;
    }
    CHECK(logd_api_post_entries(H, arr, &ans) == 200);
    json_t *recs = json_object_get(ans, "receipts");
    CHECK(json_array_size(recs) == n);
    for (size_t i = 0; i < n && i < json_array_size(recs); i++) {
        uint64_t idx = 0;
        CHECK(answer_receipt(&P, json_array_get(recs, i), NULL, 0, &idx, NULL));
        creds[which[i]].revoke = idx;
        creds[which[i]].revoked = true;
    }
    json_decref(ans);

    /* ISSUE then REVOKE of the same credential, and a duplicate ISSUE, in
     * one request. */
    {
        struct entry e1, e2, e3;
        uint8_t c[32];
        uint64_t i1, i2, i3;
        check_rand_cred(&rnd, c);
        issuer_entry(&e1, ENTRY_ISSUE, c, &B1, issuer_now_ms(), 0);
        issuer_entry(&e2, ENTRY_ISSUE, c, &B1, issuer_now_ms() + 1, 0);
        issuer_entry(&e3, ENTRY_REVOKE, c, &B1, issuer_now_ms(), 3);
        arr = json_array();
        json_array_append_new(arr, issuer_submission_json(&e1));
        json_array_append_new(arr, issuer_submission_json(&e2));
        json_array_append_new(arr, issuer_submission_json(&e3));
        CHECK(logd_api_post_entries(H, arr, &ans) == 200);
        recs = json_object_get(ans, "receipts");
        CHECK(json_array_size(recs) == 3);
        uint8_t b1[ENTRY_MAX_SIZE], b3[ENTRY_MAX_SIZE];
        size_t l1 = issuer_entry_bytes(&e1, b1),
               l3 = issuer_entry_bytes(&e3, b3);
        CHECK(answer_receipt(&P, json_array_get(recs, 0), b1, l1, &i1, NULL));
        CHECK(answer_receipt(&P, json_array_get(recs, 1), b1, l1, &i2, NULL));
        CHECK(answer_receipt(&P, json_array_get(recs, 2), b3, l3, &i3, NULL));
        CHECK(i1 == i2 && i3 == i1 + 1);
        json_decref(ans);
        memcpy(creds[ncreds].cred, c, 32);
        creds[ncreds].by = &B1;
        creds[ncreds].issue = i1;
        creds[ncreds].revoke = i3;
        creds[ncreds].revoked = true;
        ncreds++;
    }
}

/* Exactly once: a second ISSUE of a credential by the same issuer, and a
 * second REVOKE, return the existing receipts and append nothing. */
static void test_exactly_once(void)
{
    int64_t before = size_now();
    json_t *arr = json_array(), *ans = NULL, *recs;
    size_t a = 0, r = 0;
    struct entry e;

    while (creds[a].by != &A1 || creds[a].revoked)
        a++;
    while (!creds[r].revoked || creds[r].by == &B1)
        r++;
    /* Same issuer, other key, other time: still the existing receipt. */
    issuer_entry(&e, ENTRY_ISSUE, creds[a].cred, &A2, issuer_now_ms() + 5, 0);
    json_array_append_new(arr, issuer_submission_json(&e));
    issuer_entry(&e, ENTRY_REVOKE, creds[r].cred, &A1, issuer_now_ms() + 5, 1);
    json_array_append_new(arr, issuer_submission_json(&e));
    CHECK(logd_api_post_entries(H, arr, &ans) == 200);
    recs = json_object_get(ans, "receipts");
    uint64_t i0 = 0, i1 = 0;
    struct checkpoint cp;
    CHECK(answer_receipt(&P, json_array_get(recs, 0), NULL, 0, &i0, &cp));
    CHECK(answer_receipt(&P, json_array_get(recs, 1), NULL, 0, &i1, NULL));
    CHECK(i0 == creds[a].issue && i1 == creds[r].revoke);
    CHECK((int64_t)cp.size == before);
    CHECK(size_now() == before);
    json_decref(ans);
}

/* Expects a refusal: status, an "error" string, the position (or none when
 * position < 0), and the log unchanged. */
static void expect_refusal_raw(const char *what, const char *body, size_t len,
                               int want_status, int position)
{
    int64_t before = size_now();
    json_t *ans = NULL;
    int status = logd_api_post_raw(H, body, len, &ans);
    const json_t *pos = json_object_get(ans, "position");

    CHECK_MSG(status == want_status, "%s: status %d, want %d", what, status,
              want_status);
    CHECK_MSG(json_is_string(json_object_get(ans, "error")), "%s: no error",
              what);
    if (position >= 0)
        CHECK_MSG(json_is_integer(pos) && json_integer_value(pos) == position,
                  "%s: position", what);
    else
        CHECK_MSG(pos == NULL, "%s: unexpected position", what);
    CHECK_MSG(size_now() == before, "%s: the log changed", what);
    json_decref(ans);
}

static void expect_refusal(const char *what, json_t *arr, int want_status,
                           int position)
{
    json_t *body = json_object();
    char *text;

    json_object_set_new(body, "entries", arr);
    text = json_dumps(body, JSON_COMPACT);
    expect_refusal_raw(what, text, strlen(text), want_status, position);
    free(text);
    json_decref(body);
}

static json_t *one(const struct entry *e)
{
    json_t *arr = json_array();
    json_array_append_new(arr, issuer_submission_json(e));
    return arr;
}

static void test_refusals(void)
{
    struct entry e, ok;
    uint8_t fresh[32], fresh2[32];
    size_t a = 0, b = 0;
    json_t *arr;

    while (creds[a].by != &A1 || creds[a].revoked)
        a++;
    while (creds[b].by != &B1 || creds[b].revoked)
        b++;
    check_rand_cred(&rnd, fresh);
    check_rand_cred(&rnd, fresh2);
    issuer_entry(&ok, ENTRY_ISSUE, fresh2, &A1, issuer_now_ms(), 0);

    expect_refusal_raw("bad JSON", "{", 1, 400, -1);
    expect_refusal_raw("empty body", "", 0, 400, -1);
    expect_refusal_raw("not an object", "[1,2]", 5, 400, -1);
    expect_refusal_raw("no entries", "{\"entries\": []}", 15, 400, -1);
    expect_refusal_raw("extra member", "{\"entries\": [], \"x\": 1}", 23, 400,
                       -1);
    expect_refusal_raw("duplicate keys", "{\"entries\": [], \"entries\": []}",
                       30, 400, -1);

    /* A bad signature at position 3 of 5; nothing else is appended. */
    arr = json_array();
    for (int i = 0; i < 5; i++) {
        uint8_t c[32];
        check_rand_cred(&rnd, c);
        issuer_entry(&e, ENTRY_ISSUE, c, &A1, issuer_now_ms(), 0);
        if (i == 3)
            e.signature[10] ^= 1;
        json_array_append_new(arr, issuer_submission_json(&e));
    }
    expect_refusal("bad signature", arr, 400, 3);

    issuer_entry(&e, ENTRY_ISSUE, fresh, &U, issuer_now_ms(), 0);
    expect_refusal("unknown issuer", one(&e), 400, 0);
    issuer_entry(&e, ENTRY_ISSUE, fresh, &A3, issuer_now_ms(), 0);
    expect_refusal("unknown key of a known issuer", one(&e), 400, 0);
    issuer_entry(&e, ENTRY_ISSUE, fresh, &A1, issuer_now_ms(), 0);
    e.key_id ^= 1; /* claims another key id */
    expect_refusal("wrong key id", one(&e), 400, 0);
    issuer_entry(&e, ENTRY_ISSUE, fresh, &A1, issuer_now_ms() + 11 * 60 * 1000,
                 0);
    expect_refusal("future timestamp", one(&e), 400, 0);

    issuer_entry(&e, ENTRY_REVOKE, creds[a].cred, &B1, issuer_now_ms(), 0);
    arr = json_array();
    json_array_append_new(arr, issuer_submission_json(&ok));
    json_array_append_new(arr, issuer_submission_json(&e));
    expect_refusal("revocation by another issuer", arr, 403, 1);

    issuer_entry(&e, ENTRY_ISSUE, creds[a].cred, &B1, issuer_now_ms(), 0);
    arr = json_array();
    json_array_append_new(arr, issuer_submission_json(&ok));
    json_array_append_new(arr, issuer_submission_json(&e));
    expect_refusal("duplicate issue by another issuer", arr, 409, 1);

    issuer_entry(&e, ENTRY_REVOKE, fresh, &A1, issuer_now_ms(), 0);
    expect_refusal("revoke of an unknown credential", one(&e), 404, 0);

    /* All or nothing: the valid first entry of the refused requests above
     * was not appended. */
    {
        int status;
        char path[100], hex[65];
        codec_hex_encode(fresh2, 32, hex);
        snprintf(path, sizeof path, "/v1/status/%s", hex);
        json_t *st = logd_api_get_json(H, path, &status);
        CHECK(status == 200 && answer_status(&P, st, fresh2, "unknown"));
        json_decref(st);
    }

    arr = json_array();
    for (int i = 0; i < 1001; i++)
        json_array_append_new(arr, issuer_submission_json(&ok));
    expect_refusal("oversized batch", arr, 400, -1);

    /* Field syntax. */
    {
        static const char *const bad[][2] = {
            {"type", "\"mint\""},
            {"credential_hash", "\"abc\""},
            {"credential_hash", "\"zz000000000000000000000000000000000000000000"
                                "00000000000000000000\""},
            {"issuer", "\"has space\""},
            {"issuer", "\"\""},
            {"key_id", "\"1234567\""},
            {"key_id", "305419896"},
            {"timestamp_ms", "-1"},
            {"timestamp_ms", "1.5"},
            {"timestamp_ms", "\"12\""},
            {"signature", "\"AAAA\""},
            {"signature", "null"},
            {"reason", "1"},
            {"color", "\"blue\""},
        };
        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
            json_t *s = issuer_submission_json(&ok),
                   *v = json_loads(bad[i][1], JSON_DECODE_ANY, NULL);
            char what[64];
            json_object_set_new(s, bad[i][0], v);
            arr = json_array();
            json_array_append_new(arr, s);
            snprintf(what, sizeof what, "bad field %s=%s", bad[i][0],
                     bad[i][1]);
            expect_refusal(what, arr, 400, 0);
        }
        json_t *s = issuer_submission_json(&ok);
        json_object_del(s, "signature");
        arr = json_array();
        json_array_append_new(arr, s);
        expect_refusal("missing signature", arr, 400, 0);
        issuer_entry(&e, ENTRY_REVOKE, creds[a].cred, &A1, issuer_now_ms(), 0);
        s = issuer_submission_json(&e);
        json_object_set_new(s, "reason", json_integer(5));
        arr = json_array();
        json_array_append_new(arr, s);
        expect_refusal("reason out of range", arr, 400, 0);
    }

    /* A request body over 1 MiB. */
    {
        size_t len = (1 << 20) + 100;
        char *big = malloc(len);
        struct client_http_response r;
        memset(big, ' ', len);
        memcpy(big, "{\"entries\":[", 12);
        int64_t before = size_now();
        if (client_http_request(H, "POST", "/v1/entries", "application/json",
                                big, len, &r) == 0) {
            CHECK_MSG(r.status == 413, "big body: %d", r.status);
            client_http_response_free(&r);
        }
        /* Else logd closed the connection as soon as it had refused (it
         * may): the size check below still holds. */
        free(big);
        CHECK(size_now() == before);
    }

    /* A future timestamp within 10 minutes is fine. */
    issuer_entry(&e, ENTRY_ISSUE, fresh, &A1, issuer_now_ms() + 9 * 60 * 1000,
                 0);
    json_t *ans = NULL;
    CHECK(logd_api_post_entries(H, one(&e), &ans) == 200);
    json_decref(ans);
}

/* Route, method and parameter errors on the read side. */
static void test_read_errors(void)
{
    static const struct {
        const char *path;
        int status;
    } cases[] = {
        {"/nope", 404},
        {"/v1/entries/99999999", 404},
        {"/v1/entries/01", 400},
        {"/v1/entries/-1", 400},
        {"/v1/entries/abc", 400},
        {"/v1/entries/99999999999999999999", 400},
        {"/v1/proof/inclusion?index=0&size=99999999", 404},
        {"/v1/proof/inclusion?index=5&size=5", 400},
        {"/v1/proof/inclusion?index=0", 400},
        {"/v1/proof/inclusion?index=0&size=1&x=2", 400},
        {"/v1/proof/inclusion?index=0&index=0&size=1", 400},
        {"/v1/proof/inclusion?index=+1&size=2", 400},
        {"/v1/proof/inclusion", 400},
        {"/v1/proof/consistency?from=0&to=5", 400},
        {"/v1/proof/consistency?from=6&to=5", 400},
        {"/v1/proof/consistency?from=1&to=99999999", 404},
        {"/v1/status/abc", 400},
        {"/v1/status/", 400},
        {"/tile/0/x999/999", 404},
        {"/tile/entries/x999/999", 404},
        {"/tile/0/999.p/300", 400},
        {"/tile/0/1", 400},
        {"/tile/64/000", 400},
        {"/tile/x/000", 400},
    };
    struct client_http_response r;

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int status;
        json_t *j = logd_api_get_json(H, cases[i].path, &status);
        CHECK_MSG(status == cases[i].status, "GET %s: %d, want %d",
                  cases[i].path, status, cases[i].status);
        CHECK_MSG(json_is_string(json_object_get(j, "error")),
                  "GET %s: no error", cases[i].path);
        json_decref(j);
    }
    CHECK(client_http_request(H, "DELETE", "/checkpoint", NULL, NULL, 0, &r) ==
              0 &&
          r.status == 405);
    client_http_response_free(&r);
    CHECK(client_http_request(H, "GET", "/v1/entries", NULL, NULL, 0, &r) ==
              0 &&
          r.status == 405);
    client_http_response_free(&r);
    CHECK(client_http_request(H, "POST", "/checkpoint", "text/plain", "x", 1,
                              &r) == 0 &&
          r.status == 405);
    client_http_response_free(&r);
    CHECK(client_http_get(H, "/healthz", &r) == 0 && r.status == 200 &&
          strcmp(r.body, "ok\n") == 0);
    client_http_response_free(&r);
    /* The log's verifier key, for clients that pin it on first use. */
    CHECK(client_http_get(H, "/v1/log-key", &r) == 0 && r.status == 200 &&
          r.body_len == strlen(P.log_vkey) + 1 &&
          strncmp(r.body, P.log_vkey, strlen(P.log_vkey)) == 0 &&
          r.body[r.body_len - 1] == '\n' &&
          strncmp(r.content_type, "text/plain", 10) == 0);
    client_http_response_free(&r);
    CHECK(client_http_request(H, "POST", "/v1/log-key", "text/plain", "x", 1,
                              &r) == 0 &&
          r.status == 405);
    client_http_response_free(&r);
    CHECK(client_http_get(H, "/metrics", &r) == 0 && r.status == 200 &&
          strstr(r.body, "credlog_tree_size ") != NULL &&
          strstr(r.body, "credlog_entries{type=\"issue\"}") != NULL &&
          strstr(r.body, "credlog_commit_seconds_bucket") != NULL &&
          strstr(r.body, "credlog_batch_entries_count") != NULL &&
          strstr(
              r.body,
              "credlog_http_requests_total{route=\"submit\",code=\"409\"} 1") !=
              NULL &&
          strstr(r.body,
                 "credlog_http_request_seconds_bucket{route=\"tile\"") != NULL);
    client_http_response_free(&r);
}

/* The whole log through tiles, replayed; proofs between many sizes. */
static void test_log_replay(void)
{
    struct checkpoint cp;
    struct mirror m;
    uint8_t root[32];
    uint64_t counts[5] = {0};
    int64_t size = logd_api_checkpoint(H, &P, &cp, NULL);
    uint64_t sizes[40];
    int ns = 0, status;
    char path[128];

    REQUIRE(size > 0);
    memset(&m, 0, sizeof m);
    CHECK(mirror_fetch(H, &m, (uint64_t)size));
    REQUIRE(m.n == (uint64_t)size);
    naive_mth((const uint8_t(*)[32])m.leaf, m.n, root);
    CHECK(memcmp(root, cp.root, 32) == 0);
    CHECK(mirror_replay(&m, counts));
    CHECK(counts[ENTRY_KEY] == key_entries);
    CHECK(counts[ENTRY_ISSUE] >= ncreds);
    CHECK(ncp_sizes > 10);
    for (size_t i = 0; i < ncp_sizes; i++) {
        struct entry e;
        uint64_t s = cp_sizes[i];
        const uint8_t *eb = NULL;
        size_t elen = 0;
        if (s >= 1 && s <= m.n)
            eb = mirror_entry(&m, s - 1, &elen);
        CHECK_MSG(eb != NULL && entry_decode(eb, elen, &e) == 0 &&
                      e.type == ENTRY_MAP && e.map_index == s - 1,
                  "checkpoint of size %llu does not end with a MAP entry",
                  (unsigned long long)s);
    }

    /* Partial tiles of earlier sizes (every width up to the tree's). */
    for (unsigned w = 1; w < 256; w += 37) {
        struct client_http_response r;
        struct tile t = {0, 1, w};
        struct tile b = {TILE_LEVEL_ENTRIES, 1, w};
        if (!tile_exists(&t, m.n))
            continue;
        bool ok = mirror_fetch_tile(H, &t, &r);
        CHECK(ok && r.body_len == 32 * w &&
              memcmp(r.body, m.leaf[256], 32 * w) == 0);
        if (ok)
            client_http_response_free(&r);
        ok = mirror_fetch_tile(H, &b, &r);
        CHECK(ok && r.body_len > 2 * w);
        if (ok)
            client_http_response_free(&r);
    }

    /* /v1/entries/<i>. */
    for (uint64_t i = 0; i < m.n; i += m.n / 17 + 1) {
        snprintf(path, sizeof path, "/v1/entries/%llu", (unsigned long long)i);
        json_t *j = logd_api_get_json(H, path, &status);
        uint8_t buf[ENTRY_MAX_SIZE], leaf[32];
        int len = answer_b64(json_object_get(j, "entry"), buf, sizeof buf);
        const json_t *lh = json_object_get(j, "leaf_hash");
        CHECK(status == 200 && len >= 0 &&
              mirror_entry_is(&m, i, buf, (size_t)len) &&
              json_integer_value(json_object_get(j, "index")) ==
                  (json_int_t)i &&
              json_is_string(lh) &&
              codec_hex_decode(json_string_value(lh), 64, leaf, 32) == 0 &&
              memcmp(leaf, m.leaf[i], 32) == 0);
        json_decref(j);
    }

    /* Inclusion and consistency between many sizes, including 1, every
     * power of two and the current size. */
    sizes[ns++] = 1;
    for (uint64_t s = 2; s < (uint64_t)size && ns < 30; s *= 2) {
        sizes[ns++] = s;
        if (s + 1 < (uint64_t)size)
            sizes[ns++] = s + 1;
    }
    for (int i = 0; i < 6; i++)
        sizes[ns++] = 1 + check_rand(&rnd) % (uint64_t)size;
    sizes[ns++] = (uint64_t)size;
    for (int a = 0; a < ns; a++) {
        uint8_t ra[32];
        naive_mth((const uint8_t(*)[32])m.leaf, sizes[a], ra);
        for (int b = a; b < ns; b += 3) {
            uint8_t rb[32], proof[64][32];
            uint64_t from = sizes[a] < sizes[b] ? sizes[a] : sizes[b];
            uint64_t to = sizes[a] < sizes[b] ? sizes[b] : sizes[a];
            naive_mth((const uint8_t(*)[32])m.leaf, to, rb);
            naive_mth((const uint8_t(*)[32])m.leaf, from, ra);
            snprintf(path, sizeof path,
                     "/v1/proof/consistency?from=%llu&to=%llu",
                     (unsigned long long)from, (unsigned long long)to);
            json_t *j = logd_api_get_json(H, path, &status);
            int n = answer_hashes(json_object_get(j, "hashes"), proof, 64);
            CHECK_MSG(status == 200 && n >= 0 &&
                          merkle_consistency_verify(from, to, ra, rb,
                                                    (const uint8_t(*)[32])proof,
                                                    (size_t)n) == 0,
                      "consistency %llu -> %llu", (unsigned long long)from,
                      (unsigned long long)to);
            json_decref(j);
        }
        for (int k = 0; k < 3; k++) {
            uint8_t proof[64][32];
            uint64_t idx = k == 0   ? 0
                           : k == 1 ? sizes[a] - 1
                                    : check_rand(&rnd) % sizes[a];
            naive_mth((const uint8_t(*)[32])m.leaf, sizes[a], ra);
            snprintf(path, sizeof path,
                     "/v1/proof/inclusion?index=%llu&size=%llu",
                     (unsigned long long)idx, (unsigned long long)sizes[a]);
            json_t *j = logd_api_get_json(H, path, &status);
            int n = answer_hashes(json_object_get(j, "hashes"), proof, 64);
            uint8_t lh[32];
            const json_t *l = json_object_get(j, "leaf_hash");
            CHECK_MSG(status == 200 && n >= 0 && json_is_string(l) &&
                          codec_hex_decode(json_string_value(l), 64, lh, 32) ==
                              0 &&
                          memcmp(lh, m.leaf[idx], 32) == 0 &&
                          json_integer_value(json_object_get(j, "tree_size")) ==
                              (json_int_t)sizes[a] &&
                          merkle_inclusion_verify(idx, sizes[a], lh,
                                                  (const uint8_t(*)[32])proof,
                                                  (size_t)n, ra) == 0,
                      "inclusion %llu in %llu", (unsigned long long)idx,
                      (unsigned long long)sizes[a]);
            json_decref(j);
        }
    }
    mirror_free(&m);
}

static void test_status(void)
{
    char path[100], hex[65];
    int status, bad = 0, checked = 0;
    uint8_t unknown[32];

    for (size_t i = 0; i < ncreds; i += 7) {
        codec_hex_encode(creds[i].cred, 32, hex);
        snprintf(path, sizeof path, "/v1/status/%s", hex);
        json_t *st = logd_api_get_json(H, path, &status);
        const char *want = creds[i].revoked ? "revoked" : "active";
        if (status != 200 || !answer_status(&P, st, creds[i].cred, want) ||
            json_integer_value(
                json_object_get(json_object_get(st, "issue"), "index")) !=
                (json_int_t)creds[i].issue)
            bad++;
        checked++;
        json_decref(st);
    }
    CHECK_MSG(bad == 0, "%d of %d status proofs wrong", bad, checked);
    /* Upper-case hex is accepted too. */
    for (int k = 0; k < 20; k++) {
        check_rand_cred(&rnd, unknown);
        codec_hex_encode(unknown, 32, hex);
        if (k == 0)
            for (char *c = hex; *c; c++)
                if (*c >= 'a' && *c <= 'f')
                    *c = (char)(*c - 32);
        snprintf(path, sizeof path, "/v1/status/%s", hex);
        json_t *st = logd_api_get_json(H, path, &status);
        CHECK(status == 200 && answer_status(&P, st, unknown, "unknown"));
        json_decref(st);
    }
}

/* ---- concurrent submitters ---- */

struct worker_arg {
    int id;
    int ok, bad;
    uint64_t indexes[200];
    int nindexes;
};

static void *submitter(void *argp)
{
    struct worker_arg *w = argp;
    struct client_http *h;
    uint64_t r = 777 + (uint64_t)w->id;

    if (client_http_open(P.url, NULL, &h) != 0) {
        w->bad++;
        return NULL;
    }
    for (int req = 0; req < 10; req++) {
        json_t *arr = json_array(), *ans = NULL;
        uint8_t bytes[10][ENTRY_MAX_SIZE];
        size_t lens[10];
        for (int i = 0; i < 10; i++) {
            struct entry e;
            uint8_t c[32];
            check_rand_cred(&r, c);
            issuer_entry(&e, ENTRY_ISSUE, c, w->id % 2 ? &A1 : &B1,
                         issuer_now_ms(), 0);
            lens[i] = issuer_entry_bytes(&e, bytes[i]);
            json_array_append_new(arr, issuer_submission_json(&e));
        }
        if (logd_api_post_entries(h, arr, &ans) != 200) {
            w->bad++;
            json_decref(ans);
            continue;
        }
        json_t *recs = json_object_get(ans, "receipts");
        for (int i = 0; i < 10; i++) {
            uint64_t idx;
            struct checkpoint cp;
            if (answer_receipt(&P, json_array_get(recs, (size_t)i), bytes[i],
                               lens[i], &idx, &cp)) {
                saw_checkpoint(cp.size);
                w->ok++;
                w->indexes[w->nindexes++] = idx;
            } else {
                w->bad++;
            }
        }
        json_decref(ans);
    }
    client_http_close(h);
    return NULL;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static void test_concurrent(void)
{
    struct worker_arg w[4];
    pthread_t t[4];
    uint64_t all[800];
    int n = 0, dup = 0;

    memset(w, 0, sizeof w);
    for (int i = 0; i < 4; i++) {
        w[i].id = i;
        pthread_create(&t[i], NULL, submitter, &w[i]);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        CHECK_MSG(w[i].ok == 100 && w[i].bad == 0,
                  "submitter %d: %d ok, %d bad", i, w[i].ok, w[i].bad);
        for (int k = 0; k < w[i].nindexes; k++)
            all[n++] = w[i].indexes[k];
    }
    qsort(all, (size_t)n, sizeof all[0], cmp_u64);
    for (int i = 1; i < n; i++)
        dup += all[i] == all[i - 1];
    CHECK(dup == 0);
}

/* SIGHUP with A2 removed from the issuers file: a KEY entry removes it and
 * its next submission is refused; avans.nl's other key still works. */
static void test_sighup(void)
{
    struct note_verifier keep[2] = {A1.v, B1.v};
    struct entry e;
    uint8_t c[32];
    json_t *ans = NULL, *j;
    int status;
    bool gone = false;
    struct wait w = wait_begin(10000);

    CHECK(logd_proc_write_issuers(&P, keep, 2) == 0);
    CHECK(logd_proc_signal(&P, SIGHUP) == 0);
    do {
        gone = logd_api_authorized_keys(H) == 2;
    } while (!gone && wait_more(&w));
    CHECK(gone);
    key_entries++;
    check_rand_cred(&rnd, c);
    issuer_entry(&e, ENTRY_ISSUE, c, &A2, issuer_now_ms(), 0);
    expect_refusal("key removed by SIGHUP", one(&e), 400, 0);
    /* A credential A2 issued can be revoked with A1 (same issuer). */
    size_t i = 0;
    while (creds[i].by != &A2 || creds[i].revoked)
        i++;
    issuer_entry(&e, ENTRY_REVOKE, creds[i].cred, &A1, issuer_now_ms(), 4);
    CHECK(logd_api_post_entries(H, one(&e), &ans) == 200);
    CHECK(answer_receipt(&P,
                         json_array_get(json_object_get(ans, "receipts"), 0),
                         NULL, 0, &creds[i].revoke, NULL));
    creds[i].revoked = true;
    json_decref(ans);
    CHECK(logd_proc_log_contains(&P, "issuer key removed: avans.nl+"));
    /* /v1/issuers lists the verifier keys and the KEY entries adding them. */
    j = logd_api_get_json(H, "/v1/issuers", &status);
    {
        char vk[NOTE_KEY_TEXT_MAX];
        note_verifier_format(&A1.v, vk, sizeof vk);
        bool found = false;
        for (size_t k = 0; k < json_array_size(json_object_get(j, "issuers"));
             k++) {
            json_t *it = json_array_get(json_object_get(j, "issuers"), k);
            if (strcmp(json_string_value(json_object_get(it, "key")), vk) ==
                    0 &&
                json_is_integer(json_object_get(it, "added_index")))
                found = true;
        }
        CHECK(found);
    }
    json_decref(j);
}

/* A clean restart keeps everything: same checkpoint, same answers. */
static void test_restart(void)
{
    char *before = NULL, *after = NULL;
    int64_t size = logd_api_checkpoint(H, &P, NULL, &before);

    client_http_close(H);
    H = NULL;
    CHECK(logd_proc_stop(&P) == 0);
    CHECK(logd_proc_log_contains(&P, "logd: stopped"));
    REQUIRE(logd_proc_start(
                &P, (const char *const[]){"--heartbeat", "0", NULL}) == 0);
    REQUIRE(client_http_open(P.url, NULL, &H) == 0);
    CHECK(logd_api_checkpoint(H, &P, NULL, &after) == size);
    CHECK(before != NULL && after != NULL && strcmp(before, after) == 0);
    free(before);
    free(after);
    test_status();
    /* And after SIGKILL too (nothing is lost that was acknowledged). */
    issue_batch(&B1, 20);
    size = size_now();
    client_http_close(H);
    H = NULL;
    CHECK(logd_proc_kill(&P) == 0);
    REQUIRE(logd_proc_start(
                &P, (const char *const[]){"--heartbeat", "0", NULL}) == 0);
    REQUIRE(client_http_open(P.url, NULL, &H) == 0);
    CHECK(size_now() == size);
    test_status();
    test_log_replay();
}

int main(void)
{
    struct note_verifier keys[3];

    signal(SIGPIPE, SIG_IGN);
    logd_proc_require();
    issuer_make(&A1, "avans.nl");
    issuer_make(&A2, "avans.nl");
    issuer_make(&A3, "avans.nl");
    issuer_make(&B1, "tue.nl");
    issuer_make(&U, "evil.example");
    keys[0] = A1.v;
    keys[1] = A2.v;
    keys[2] = B1.v;
    if (logd_proc_init(&P, "test.example/log", keys, 3) != 0 ||
        logd_proc_start(&P, (const char *const[]){"--heartbeat", "0",
                                                  "--batch-wait", "2", NULL}) !=
            0 ||
        client_http_open(P.url, NULL, &H) != 0) {
        CHECK(0);
        logd_proc_cleanup(&P);
        return check_finish();
    }
    test_submit();
    test_exactly_once();
    test_refusals();
    test_read_errors();
    test_concurrent();
    test_log_replay();
    test_status();
    test_sighup();
    test_restart();
    client_http_close(H);
    CHECK(logd_proc_stop(&P) == 0);
    logd_proc_cleanup(&P);
    return check_finish();
}
