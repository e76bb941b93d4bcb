/*
 * test_caching.c: the Cache-Control of every route of a real logd
 * (docs/api.md, "Caching"; logd/http_route.c's route table): full tiles,
 * entry bundles, entries and proofs between given sizes immutable; the
 * checkpoint and status proofs fresh for a second, a status proof with its
 * checkpoint as ETag (304 while the checkpoint is the same, a new ETag once
 * it moves); partial tiles briefly; the log key, the witness policy, the
 * issuers and the page no-cache; POST answers, errors (a tile not there yet)
 * and the server's own state no-store. GET and HEAD agree.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "files.h"
#include "issuer.h"
#include "logd_proc.h"
#include "logd_raw.h"
#include "proofs/codec.h"

#define IMMUTABLE "public, max-age=31536000, immutable"
#define LATEST "public, max-age=1"
#define PARTIAL "public, max-age=10"

static struct logd_proc P;
static struct issuer A1;

/* One request to P, its answer into *a. */
static int ask(const char *method, const char *path, const char *extra,
               const char *body, int no_body, struct logd_raw_answer *a)
{
    size_t blen = body != NULL ? strlen(body) : 0;
    size_t cap = 1024 + blen;
    char *req = malloc(cap);
    int n, rc;

    if (req == NULL)
        abort();
    n = snprintf(req, cap,
                 "%s %s HTTP/1.1\r\nHost: x\r\n%sContent-Length: %zu\r\n\r\n%s",
                 method, path, extra != NULL ? extra : "", blen,
                 body != NULL ? body : "");
    rc = logd_raw_exchange(P.port, req, (size_t)n, no_body, 20000, a);
    free(req);
    return rc;
}

/* CHECKs that GET (and HEAD) path answer status with Cache-Control want. */
static void expect(const char *path, int status, const char *want)
{
    struct logd_raw_answer a = {0};
    char v[256] = "";

    REQUIRE(ask("GET", path, NULL, NULL, 0, &a) == 0);
    CHECK_MSG(a.status == status &&
                  logd_raw_header(&a, "Cache-Control", v, sizeof v) == 0 &&
                  strcmp(v, want) == 0,
              "GET %s: %d \"%s\", want %d \"%s\"", path, a.status, v, status,
              want);
    logd_raw_answer_free(&a);
    REQUIRE(ask("HEAD", path, NULL, NULL, 1, &a) == 0);
    v[0] = '\0';
    CHECK_MSG(a.status == status &&
                  logd_raw_header(&a, "Cache-Control", v, sizeof v) == 0 &&
                  strcmp(v, want) == 0,
              "HEAD %s: %d \"%s\", want %d \"%s\"", path, a.status, v, status,
              want);
    logd_raw_answer_free(&a);
}

/* POSTs n fresh ISSUE entries (credential hashes from seed); returns the
 * answer's status (-1: no answer) and CHECKs it is no-store. The first hash
 * goes to cred. */
static int post_issues(unsigned n, unsigned seed, uint8_t cred[32])
{
    json_t *arr = json_array(), *body;
    struct logd_raw_answer a = {0};
    char v[64] = "", *text;
    int status;

    for (unsigned i = 0; i < n; i++) {
        uint8_t h[32] = {0};
        struct entry e;
        h[0] = (uint8_t)seed;
        h[1] = (uint8_t)(i >> 8);
        h[2] = (uint8_t)i;
        h[31] = 0x5a;
        if (i == 0 && cred != NULL)
            memcpy(cred, h, 32);
        issuer_entry(&e, ENTRY_ISSUE, h, &A1, issuer_now_ms(), 0);
        json_array_append_new(arr, issuer_submission_json(&e));
    }
    body = json_pack("{s:o}", "entries", arr);
    text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    if (ask("POST", "/v1/entries", "Content-Type: application/json\r\n", text,
            0, &a) != 0) {
        free(text);
        return -1;
    }
    free(text);
    status = a.status;
    CHECK_MSG(logd_raw_header(&a, "Cache-Control", v, sizeof v) == 0 &&
                  strcmp(v, "no-store") == 0,
              "POST: %d \"%s\"", a.status, v);
    logd_raw_answer_free(&a);
    return status;
}

/* The tree size of P's checkpoint (0 if it cannot be read). */
static unsigned long long tree_size(void)
{
    struct logd_raw_answer a = {0};
    unsigned long long size = 0;
    const char *nl;

    if (ask("GET", "/checkpoint", NULL, NULL, 0, &a) != 0)
        return 0;
    nl = a.status == 200 ? strchr(a.body, '\n') : NULL;
    if (nl != NULL)
        size = strtoull(nl + 1, NULL, 10);
    logd_raw_answer_free(&a);
    return size;
}

/* A status proof's ETag: quoted, 32 hex digits; 304 with the same headers
 * while the checkpoint stays; a new one when the checkpoint moves. */
static void test_status(const uint8_t cred[32])
{
    struct logd_raw_answer a = {0}, b = {0};
    char hex[65], path[128], etag[64], etag2[64], h[128], v[64];

    codec_hex_encode(cred, 32, hex);
    snprintf(path, sizeof path, "/v1/status/%s", hex);
    expect(path, 200, LATEST);
    REQUIRE(ask("GET", path, NULL, NULL, 0, &a) == 0);
    REQUIRE(a.status == 200);
    REQUIRE(logd_raw_header(&a, "ETag", etag, sizeof etag) == 0);
    CHECK(strlen(etag) == 34 && etag[0] == '"' && etag[33] == '"');
    CHECK(strstr(a.body, "\"status\":\"active\"") != NULL);

    snprintf(h, sizeof h, "If-None-Match: %s\r\n", etag);
    REQUIRE(ask("GET", path, h, NULL, 1, &b) == 0);
    CHECK(b.status == 304 && b.body_len == 0);
    CHECK(logd_raw_header(&b, "Cache-Control", v, sizeof v) == 0 &&
          strcmp(v, LATEST) == 0);
    CHECK(logd_raw_header(&b, "ETag", v, sizeof v) == 0 &&
          strcmp(v, etag) == 0);
    logd_raw_answer_free(&b);
    /* Another credential against the same checkpoint has the same ETag. */
    REQUIRE(
        ask("GET",
            "/v1/status/"
            "0000000000000000000000000000000000000000000000000000000000000001",
            NULL, NULL, 0, &b) == 0);
    CHECK(b.status == 200 && strstr(b.body, "\"unknown\"") != NULL);
    CHECK(logd_raw_header(&b, "ETag", v, sizeof v) == 0 &&
          strcmp(v, etag) == 0);
    logd_raw_answer_free(&b);
    /* A bad hash is an error, not cached. */
    expect("/v1/status/zz", 400, "no-store");

    /* The checkpoint moves: the old ETag no longer matches. */
    CHECK(post_issues(1, 9, NULL) == 200);
    REQUIRE(ask("GET", path, h, NULL, 0, &b) == 0);
    CHECK(b.status == 200 && b.body_len > 0);
    CHECK(logd_raw_header(&b, "ETag", etag2, sizeof etag2) == 0 &&
          strcmp(etag2, etag) != 0);
    CHECK(strcmp(a.body, b.body) != 0);
    logd_raw_answer_free(&b);
    logd_raw_answer_free(&a);
}

static void test_routes(void)
{
    uint8_t cred[32];
    unsigned long long size;
    char path[128];
    struct logd_raw_answer a = {0};
    char v[64] = "";

    /* More than a full tile of entries (256 and the MAP entries). */
    CHECK(post_issues(300, 1, cred) == 200);
    size = tree_size();
    REQUIRE(size > 256 && size < 512);

    expect("/checkpoint", 200, LATEST);
    expect("/tile/0/000", 200, IMMUTABLE);
    expect("/tile/entries/000", 200, IMMUTABLE);
    expect("/tile/1/000.p/1", 200, PARTIAL);
    snprintf(path, sizeof path, "/tile/0/001.p/%llu", size - 256);
    expect(path, 200, PARTIAL);
    snprintf(path, sizeof path, "/tile/entries/001.p/%llu", size - 256);
    expect(path, 200, PARTIAL);
    /* Not there yet: it must not stay in a cache as a 404. */
    expect("/tile/0/002", 404, "no-store");
    expect("/tile/entries/005", 404, "no-store");
    expect("/tile/0/x", 400, "no-store");

    expect("/v1/entries/0", 200, IMMUTABLE);
    expect("/v1/entries/100000", 404, "no-store");
    snprintf(path, sizeof path, "/v1/proof/inclusion?index=3&size=%llu", size);
    expect(path, 200, IMMUTABLE);
    snprintf(path, sizeof path, "/v1/proof/inclusion?index=3&size=%llu",
             size + 100);
    expect(path, 404, "no-store");
    snprintf(path, sizeof path, "/v1/proof/consistency?from=1&to=%llu", size);
    expect(path, 200, IMMUTABLE);

    expect("/v1/issuers", 200, "no-cache");
    expect("/v1/log-key", 200, "no-cache");
    expect("/v1/witness-policy", 404, "no-store"); /* none here */
    expect("/", 200, "no-cache");
    expect("/web/config.json", 200, "no-cache");
    expect("/web/none.js", 404, "no-store");
    expect("/metrics", 200, "no-store");
    expect("/healthz", 200, "no-store");
    expect("/nowhere", 404, "no-store");

    /* A refused POST, and a GET of the POST route. */
    REQUIRE(ask("POST", "/v1/entries", NULL, "{}", 0, &a) == 0);
    CHECK(a.status == 400 &&
          logd_raw_header(&a, "Cache-Control", v, sizeof v) == 0 &&
          strcmp(v, "no-store") == 0);
    logd_raw_answer_free(&a);
    expect("/v1/entries", 405, "no-store");

    test_status(cred);
}

/* With --witness-policy: the policy is no-cache. */
static void test_policy(void)
{
    static struct logd_proc q;
    struct note_signer w;
    struct note_verifier wv;
    struct logd_raw_answer a = {0};
    char policy[600], wkey[NOTE_KEY_TEXT_MAX], text[2048], v[64] = "";
    const char *args[] = {"--witness-policy", policy, NULL};

    REQUIRE(logd_proc_init(&q, "example.com/caching-policy", &A1.v, 1) == 0);
    REQUIRE(note_signer_generate_type("w1.example", NOTE_TYPE_COSIGNATURE,
                                      &w) == 0);
    note_signer_verifier(&w, &wv);
    note_signer_wipe(&w);
    REQUIRE(note_verifier_format(&wv, wkey, sizeof wkey) > 0);
    snprintf(policy, sizeof policy, "%s/policy", q.dir);
    snprintf(text, sizeof text,
             "log %s\nwitness w1 %s http://127.0.0.1:9/\nquorum w1\n",
             q.log_vkey, wkey);
    files_write(policy, text, strlen(text));
    REQUIRE(logd_proc_start(&q, args) == 0);
    {
        char req[] = "GET /v1/witness-policy HTTP/1.1\r\nHost: x\r\n\r\n";
        REQUIRE(logd_raw_exchange(q.port, req, sizeof req - 1, 0, 20000, &a) ==
                0);
    }
    CHECK(a.status == 200 && strcmp(a.body, text) == 0);
    CHECK(logd_raw_header(&a, "Cache-Control", v, sizeof v) == 0 &&
          strcmp(v, "no-cache") == 0);
    logd_raw_answer_free(&a);
    logd_proc_cleanup(&q);
    /* Signed entries are for the log made last. */
    issuer_set_origin(P.log_key.name);
}

static void run(void)
{
    REQUIRE(logd_proc_init(&P, "example.com/caching", &A1.v, 1) == 0);
    REQUIRE(logd_proc_start(&P, NULL) == 0);
    test_routes();
    test_policy();
}

int main(void)
{
    logd_proc_require();
    issuer_make(&A1, "avans.nl");
    run();
    logd_proc_cleanup(&P);
    issuer_wipe(&A1);
    return check_finish();
}
