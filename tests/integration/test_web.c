/*
 * test_web.c: logd serves the verification page (logd/web.h, issue 13):
 * GET / and /web/<file> with exactly the CSP, nosniff, no-referrer, no-cache
 * and a strong ETag; 304 for a matching If-None-Match; HEAD with the GET's
 * Content-Length and no body; /web/config.json saying whether the log is a
 * --dev log and whether it has a witness policy (GET /v1/witness-policy
 * is 404 without one); 404 for unknown files and paths outside the page; and
 * nothing at all under --no-web; CORS on the public reads only. The browser
 * tests (tests/browser/) drive the page itself; this one runs in every build,
 * the sanitized one included.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "issuer.h"
#include "logd/web.h"
#include "logd_proc.h"
#include "logd_raw.h"

static struct logd_proc P;
static struct issuer A1;

static int get(const struct logd_proc *p, const char *method, const char *path,
               const char *extra, struct logd_raw_answer *a)
{
    char req[1024];
    int n = snprintf(req, sizeof req, "%s %s HTTP/1.1\r\nHost: x\r\n%s\r\n",
                     method, path, extra);
    /* A HEAD, and a 304 (If-None-Match), have no body. */
    int no_body = strcmp(method, "HEAD") == 0 ||
                  (strstr(extra, "If-None-Match") != NULL &&
                   strstr(extra, "0123") == NULL);
    return logd_raw_exchange(p->port, req, (size_t)n, no_body, 10000, a);
}

static void test_files(void)
{
    struct logd_raw_answer a = {0}, b = {0};
    char v[512], etag[128], len[32];

    REQUIRE(get(&P, "GET", "/", "", &a) == 0);
    CHECK(a.status == 200);
    CHECK(logd_raw_header(&a, "Content-Security-Policy", v, sizeof v) == 0 &&
          strcmp(v, "default-src 'none'; script-src 'self'; style-src "
                    "'self'; img-src 'self' data:; connect-src 'self'; "
                    "base-uri 'none'; form-action 'none'; frame-ancestors "
                    "'none'") == 0);
    CHECK(logd_raw_header(&a, "X-Content-Type-Options", v, sizeof v) == 0 &&
          strcmp(v, "nosniff") == 0);
    CHECK(logd_raw_header(&a, "Referrer-Policy", v, sizeof v) == 0 &&
          strcmp(v, "no-referrer") == 0);
    CHECK(logd_raw_header(&a, "Cache-Control", v, sizeof v) == 0 &&
          strcmp(v, "no-cache") == 0);
    CHECK(logd_raw_header(&a, "Content-Type", v, sizeof v) == 0 &&
          strcmp(v, "text/html; charset=utf-8") == 0);
    CHECK(strstr(a.body, "<!doctype html>") == a.body);
    CHECK(strstr(a.body, "http") == NULL ||
          strstr(a.body, "src=\"http") == NULL); /* no external resource */
    REQUIRE(logd_raw_header(&a, "ETag", etag, sizeof etag) == 0);
    CHECK(strlen(etag) == 34 && etag[0] == '"');

    /* The same ETag revalidates; W/ and lists too; another does not. */
    {
        char h[256];
        snprintf(h, sizeof h, "If-None-Match: %s\r\n", etag);
        REQUIRE(get(&P, "GET", "/", h, &b) == 0);
        CHECK(b.status == 304 && b.body_len == 0);
        logd_raw_answer_free(&b);
        snprintf(h, sizeof h, "If-None-Match: \"x\", W/%s\r\n", etag);
        REQUIRE(get(&P, "GET", "/", h, &b) == 0);
        CHECK(b.status == 304);
        logd_raw_answer_free(&b);
        REQUIRE(get(&P, "GET", "/", "If-None-Match: \"0123\"\r\n", &b) == 0);
        CHECK(b.status == 200 && b.body_len == a.body_len);
        logd_raw_answer_free(&b);
    }

    /* HEAD: the GET's headers, no body. */
    REQUIRE(get(&P, "HEAD", "/", "", &b) == 0);
    CHECK(b.status == 200 && b.body_len == 0);
    snprintf(v, sizeof v, "%zu", a.body_len);
    CHECK(logd_raw_header(&b, "Content-Length", len, sizeof len) == 0 &&
          strcmp(len, v) == 0);
    logd_raw_answer_free(&b);
    logd_raw_answer_free(&a);

    /* Every embedded file is served under /web/ with its type. */
    REQUIRE(web_asset_count >= 10);
    for (size_t i = 0; i < web_asset_count; i++) {
        char path[128];
        snprintf(path, sizeof path, "/web/%s", web_assets[i].name);
        REQUIRE(get(&P, "GET", path, "", &b) == 0);
        CHECK_MSG(b.status == 200 && b.body_len == web_assets[i].len &&
                      memcmp(b.body, web_assets[i].data, b.body_len) == 0,
                  "%s", path);
        CHECK(logd_raw_header(&b, "Content-Type", v, sizeof v) == 0 &&
              strcmp(v, web_assets[i].type) == 0);
        CHECK(logd_raw_header(&b, "Content-Security-Policy", v, sizeof v) == 0);
        logd_raw_answer_free(&b);
    }

    REQUIRE(get(&P, "GET", "/web/config.json", "", &b) == 0);
    CHECK(b.status == 200 &&
          strcmp(b.body, "{\"dev\":false,\"witness_policy\":false}\n") == 0);
    logd_raw_answer_free(&b);
    /* No --witness-policy: nothing to serve (tests/browser/witness.test.js
     * fetches a served one). */
    REQUIRE(get(&P, "GET", "/v1/witness-policy", "", &b) == 0);
    CHECK(b.status == 404 &&
          strstr(b.body, "\"this log has no witness policy\"") != NULL);
    logd_raw_answer_free(&b);

    static const char *const missing[] = {"/web/nothing.js", "/web/",
                                          "/index.html", "/web/x/ui.js",
                                          "/web/UI.JS"};
    for (size_t i = 0; i < sizeof missing / sizeof missing[0]; i++) {
        REQUIRE(get(&P, "GET", missing[i], "", &b) == 0);
        CHECK_MSG(b.status == 404 && strstr(b.body, "\"error\"") != NULL,
                  "%s: %d", missing[i], b.status);
        logd_raw_answer_free(&b);
    }
    REQUIRE(get(&P, "POST", "/", "Content-Length: 0\r\n", &b) == 0);
    CHECK(b.status == 405);
    logd_raw_answer_free(&b);
    REQUIRE(get(&P, "GET", "/?x=1", "", &b) == 0);
    CHECK(b.status == 400);
    logd_raw_answer_free(&b);
}

static void test_etag_rules(void)
{
    CHECK(web_etag_matches("\"ab\"", "\"ab\""));
    CHECK(web_etag_matches("*", "\"ab\""));
    CHECK(web_etag_matches("W/\"ab\"", "\"ab\""));
    CHECK(web_etag_matches("\"x\" , \"ab\"", "\"ab\""));
    CHECK(!web_etag_matches("\"abc\"", "\"ab\""));
    CHECK(!web_etag_matches("\"a\"", "\"ab\""));
    CHECK(!web_etag_matches("", "\"ab\""));
    CHECK(!web_etag_matches(NULL, "\"ab\""));
    CHECK(web_find("") == NULL);
    CHECK(web_find("index.html") != NULL);
    CHECK(web_find("ui.js") != NULL);
    CHECK(web_find("../ui.js") == NULL);
}

/* The public reads carry "Access-Control-Allow-Origin: *" (a page opened
 * from disk has origin "null"), errors too; a submission, an OPTIONS, the
 * metrics, the health check and the page itself do not. */
static void test_cors(void)
{
    static const char *const open[] = {
        "/checkpoint",
        "/v1/log-key",
        "/v1/issuers",
        "/v1/status/"
        "0000000000000000000000000000000000000000000000000000000000000000",
        "/v1/status/zz",
        "/v1/entries/0",
        "/v1/proof/inclusion?index=0&size=1",
        "/v1/proof/consistency?from=1&to=1",
        "/tile/0/000",
        "/v1/witness-policy",
        "/web/config.json",
    };
    static const char *const closed[] = {"/metrics", "/healthz", "/"};
    struct logd_raw_answer b = {0};
    char v[64];

    for (size_t i = 0; i < sizeof open / sizeof open[0]; i++) {
        REQUIRE(get(&P, "GET", open[i], "Origin: null\r\n", &b) == 0);
        CHECK_MSG(logd_raw_header(&b, "Access-Control-Allow-Origin", v,
                                  sizeof v) == 0 &&
                      strcmp(v, "*") == 0,
                  "%s (%d)", open[i], b.status);
        logd_raw_answer_free(&b);
    }
    for (size_t i = 0; i < sizeof closed / sizeof closed[0]; i++) {
        REQUIRE(get(&P, "GET", closed[i], "Origin: null\r\n", &b) == 0);
        CHECK_MSG(b.status == 200 &&
                      logd_raw_header(&b, "Access-Control-Allow-Origin", v,
                                      sizeof v) != 0,
                  "%s (%d)", closed[i], b.status);
        logd_raw_answer_free(&b);
    }
    REQUIRE(get(&P, "POST", "/v1/entries",
                "Origin: null\r\nContent-Type: application/json\r\n"
                "Content-Length: 2\r\n\r\n{}",
                &b) == 0);
    CHECK(b.status >= 400 && b.status < 500);
    CHECK(logd_raw_header(&b, "Access-Control-Allow-Origin", v, sizeof v) != 0);
    logd_raw_answer_free(&b);
    REQUIRE(get(&P, "OPTIONS", "/v1/log-key",
                "Origin: null\r\nAccess-Control-Request-Method: GET\r\n",
                &b) == 0);
    CHECK(b.status == 405);
    CHECK(logd_raw_header(&b, "Access-Control-Allow-Origin", v, sizeof v) != 0);
    logd_raw_answer_free(&b);
}

static void test_no_web(void)
{
    struct logd_raw_answer b = {0};
    static const char *const paths[] = {"/", "/web/ui.js", "/web/config.json"};

    REQUIRE(logd_proc_stop(&P) == 0);
    REQUIRE(logd_proc_start(&P, (const char *const[]){"--heartbeat", "0",
                                                      "--no-web", NULL}) == 0);
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        REQUIRE(get(&P, "GET", paths[i], "", &b) == 0);
        CHECK_MSG(b.status == 404, "%s: %d", paths[i], b.status);
        logd_raw_answer_free(&b);
    }
    REQUIRE(get(&P, "GET", "/v1/log-key", "", &b) == 0);
    CHECK(b.status == 200);
    logd_raw_answer_free(&b);
}

int main(void)
{
    struct note_verifier keys[1];

    signal(SIGPIPE, SIG_IGN);
    test_etag_rules();
    if (logd_proc_binary() == NULL) {
        printf("LOGD_BIN not set: skipped\n");
        return 77;
    }
    issuer_make(&A1, "avans.nl");
    keys[0] = A1.v;
    if (logd_proc_init(&P, "test.example/web", keys, 1) != 0 ||
        logd_proc_start(&P, (const char *const[]){"--heartbeat", "0", NULL}) !=
            0) {
        CHECK(0);
        logd_proc_cleanup(&P);
        return check_finish();
    }
    test_files();
    test_cors();
    test_no_web();
    CHECK(logd_proc_stop(&P) == 0);
    logd_proc_cleanup(&P);
    issuer_wipe(&A1);
    return check_finish();
}
