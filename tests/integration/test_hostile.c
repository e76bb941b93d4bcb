/*
 * test_hostile.c: the real logd against hostile clients (issue 5, item 3).
 *  - A table of well over 100 malformed requests (method, target, body; raw
 *    bytes for what no HTTP client would send: bad request lines, NUL
 *    bytes, folded or huge headers), each checked for its status, a JSON
 *    {"error": "..."} body, and an unchanged log (the signed checkpoint is
 *    the same before and after).
 *  - HEAD answers carry no body (and keep-alive framing survives them).
 *  - Limits: request body (default 1 MiB: 413), submissions per request
 *    (default 1000), and, on a second logd with small flags, --max-body,
 *    --max-headers, --max-url, --max-entries and --max-connections (beyond
 *    it new connections get 503 and are closed at once while the open ones
 *    are still served).
 *  - Slow clients: slowloris connections trickling a header byte by byte,
 *    slow body senders and clients that never read their answers all run
 *    while a normal client's requests keep succeeding; logd closes the slow
 *    ones itself (408 after --request-timeout, or the write timeout) and
 *    its connection count comes back down.
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
#include "logd_raw.h"
#include "proofs/codec.h"
#include "proofs/entry.h"
#include "proofs/note.h"
#include "wait.h"

#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>

static struct logd_proc P; /* default limits, short timeouts */
static struct client_http *H;
static struct issuer A1;
static uint64_t rnd = 4242;
static size_t ncases;
static uint8_t issued[32]; /* a credential issued by A1 */

/* ---- helpers ---- */

static char *checkpoint_text(void)
{
    char *note = NULL;

    if (logd_api_checkpoint(H, &P, NULL, &note) < 0)
        return NULL;
    return note;
}

/* Whether a is a JSON object with a string "error" (and says so). */
/* Sends raw bytes to P on a fresh connection; checks the answer's status,
 * its JSON error body (for 4xx and 5xx; HEAD answers have no body), and that
 * the log did not change. */
static void expect_raw(const char *name, const char *req, size_t len,
                       int no_body, int want)
{
    char *before = checkpoint_text(), *after;
    struct logd_raw_answer a;
    int rc = logd_raw_exchange(P.port, req, len, no_body, 10000, &a);

    ncases++;
    CHECK_MSG(rc == 0 && a.status == want, "%s: status %d (rc %d), want %d",
              name, a.status, rc, want);
    if (rc == 0 && want >= 400 && !no_body)
        CHECK_MSG(logd_raw_json_error(&a), "%s: not a JSON error: %.200s", name,
                  a.body != NULL ? a.body : "");
    after = checkpoint_text();
    CHECK_MSG(before != NULL && after != NULL && strcmp(before, after) == 0,
              "%s: the log changed (%s / %s)", name, before ? before : "-",
              after ? after : "-");
    free(before);
    free(after);
    logd_raw_answer_free(&a);
}

/* A request made of method, target and body (NULL: none). */
static void expect_req(const char *name, const char *method, const char *target,
                       const char *body, size_t body_len, int want)
{
    size_t cap = strlen(method) + strlen(target) + body_len + 256;
    char *req = malloc(cap);
    int n;

    if (body != NULL)
        n = snprintf(
            req, cap,
            "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
            "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n",
            method, target, body_len);
    else
        n = snprintf(
            req, cap,
            "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
            method, target);
    if (body != NULL)
        memcpy(req + n, body, body_len);
    expect_raw(name, req, (size_t)n + (body ? body_len : 0),
               strcmp(method, "HEAD") == 0, want);
    free(req);
}

static void expect_post(const char *name, const char *body, int want)
{
    expect_req(name, "POST", "/v1/entries", body, strlen(body), want);
}

/* A fresh signed ISSUE by A1, as submission JSON text without the closing
 * brace, with field removed (NULL: none removed). */
static char *submission_open(uint8_t type, const uint8_t *cred,
                             const char *drop)
{
    struct entry e;
    uint8_t c[32];
    json_t *o;
    char *text;
    size_t n;

    if (cred == NULL) {
        check_rand_cred(&rnd, c);
        cred = c;
    }
    issuer_entry(&e, type, cred, &A1, issuer_now_ms(), 1);
    o = issuer_submission_json(&e);
    if (drop != NULL)
        json_object_del(o, drop);
    text = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    n = strlen(text);
    text[n - 1] = '\0'; /* the closing brace */
    return text;
}

/* POST {"entries":[<submission with field set to raw JSON text value>]}. */
static void expect_field(uint8_t type, const char *field, const char *value)
{
    const uint8_t *cred = type == ENTRY_REVOKE ? issued : NULL;
    char *open = submission_open(type, cred, field);
    size_t cap = strlen(open) + strlen(field) + strlen(value) + 64;
    char *body = malloc(cap), name[160];

    if (open[1] == '\0')
        snprintf(body, cap, "{\"entries\":[{\"%s\":%s}]}", field, value);
    else
        snprintf(body, cap, "{\"entries\":[%s,\"%s\":%s}]}", open, field,
                 value);
    snprintf(name, sizeof name, "%s %s=%.60s",
             type == ENTRY_ISSUE ? "issue" : "revoke", field, value);
    expect_post(name, body, 400);
    free(body);
    free(open);
}

static void expect_missing(uint8_t type, const char *field)
{
    char *open =
        submission_open(type, type == ENTRY_REVOKE ? issued : NULL, field);
    size_t cap = strlen(open) + 64;
    char *body = malloc(cap), name[100];

    snprintf(body, cap, "{\"entries\":[%s}]}", open);
    snprintf(name, sizeof name, "missing %s", field);
    expect_post(name, body, 400);
    free(body);
    free(open);
}

/* ---- the table ---- */

struct raw_case {
    const char *name;
    const char *bytes;
    size_t len; /* 0: strlen(bytes) */
    int status;
};

/* A case whose bytes hold a NUL: its length comes from the literal. */
#define WITH_NUL(name, lit, status)                                            \
    {                                                                          \
        name, lit, sizeof(lit) - 1, status                                     \
    }

static const struct raw_case raw_cases[] = {
    {"garbage request line", "GARBAGE\r\n\r\n", 0, 400},
    {"method only", "GET\r\n\r\n", 0, 400},
    {"no HTTP version", "GET /checkpoint\r\n\r\n", 0, 400},
    {"HTTP/9.9", "GET /checkpoint HTTP/9.9\r\n\r\n", 0, 400},
    {"HTTP/1.x", "GET /checkpoint HTTP/1.x\r\n\r\n", 0, 400},
    {"HTTP/2.0", "GET /checkpoint HTTP/2.0\r\n\r\n", 0, 400},
    {"lower-case version", "GET /checkpoint http/1.1\r\n\r\n", 0, 400},
    {"extra token in request line", "GET /checkpoint HTTP/1.1 x\r\n\r\n", 0,
     400},
    {"blank lines first", "\r\n\r\nGET /checkpoint HTTP/1.1\r\n\r\n", 0, 400},
    {"unknown method", "BREW /checkpoint HTTP/1.1\r\nHost: x\r\n\r\n", 0, 501},
    {"lower-case method", "get /checkpoint HTTP/1.1\r\nHost: x\r\n\r\n", 0,
     501},
    {"header without colon", "GET /checkpoint HTTP/1.1\r\nNoColon\r\n\r\n", 0,
     400},
    {"folded header", "GET /checkpoint HTTP/1.1\r\n Folded: x\r\n\r\n", 0, 400},
    WITH_NUL("NUL in the target",
             "GET /check\0point HTTP/1.1\r\nHost: x\r\n\r\n", 400),
    WITH_NUL("NUL in a header", "GET /checkpoint HTTP/1.1\r\nX-A: a\0b\r\n\r\n",
             400),
    WITH_NUL("NUL before the method", "\0GET /checkpoint HTTP/1.1\r\n\r\n",
             400),
    {"negative Content-Length",
     "POST /v1/entries HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 0, 400},
    {"non-numeric Content-Length",
     "POST /v1/entries HTTP/1.1\r\nContent-Length: abc\r\n\r\n", 0, 400},
    {"Content-Length over the limit",
     "POST /v1/entries HTTP/1.1\r\nContent-Length: 5000000\r\n\r\n", 0, 413},
    {"overflowing Content-Length",
     "POST /v1/entries HTTP/1.1\r\nContent-Length: "
     "99999999999999999999999\r\n\r\n",
     0, 413},
    {"bad chunk size",
     "POST /v1/entries HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 0,
     413},
    {"Content-Length twice",
     "POST /v1/entries HTTP/1.1\r\nContent-Length: 2\r\nContent-Length: "
     "2\r\n\r\n{}",
     0, 400},
    {"Content-Length and chunked",
     "POST /v1/entries HTTP/1.1\r\nContent-Length: 7\r\nTransfer-Encoding: "
     "chunked\r\n"
     "\r\n2\r\n{}\r\n0\r\n\r\n",
     0, 400},
    {"space in a header name",
     "GET /checkpoint HTTP/1.1\r\nBad Name: x\r\n\r\n", 0, 400},
    {"space before the colon", "GET /checkpoint HTTP/1.1\r\nHost : x\r\n\r\n",
     0, 400},
    {"control character in a header name",
     "GET /checkpoint HTTP/1.1\r\nX\x01Y: x\r\n\r\n", 0, 400},
    {"control character in a header value",
     "GET /checkpoint HTTP/1.1\r\nX-A: a\x7f\x1b[2J\r\n\r\n", 0, 400},
    {"Content-Length with a space before the colon",
     "POST /v1/entries HTTP/1.1\r\nContent-Length : 2\r\n\r\n{}", 0, 400},
    {"CONNECT", "CONNECT 127.0.0.1:80 HTTP/1.1\r\nHost: x\r\n\r\n", 0, 405},
    {"asterisk target", "OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n", 0, 400},
    {"raw space in the target", "GET /v1/entries/ 1 HTTP/1.1\r\n\r\n", 0, 400},
    {"raw 0xff in the target", "GET /checkpoint\xff HTTP/1.1\r\n\r\n", 0, 400},
    {"backslash path", "GET \\checkpoint HTTP/1.1\r\n\r\n", 0, 400},
};

struct req_case {
    const char *method, *target;
    int status;
};

static const struct req_case req_cases[] = {
    /* unknown routes (GET / is the verification page, test_web.c) */
    {"GET", "/web", 404},
    {"GET", "/web/../index.html", 400},
    {"GET", "/web/nope.js", 404},
    {"POST", "/", 405},
    {"GET", "/nope", 404},
    {"GET", "/checkpoint/", 404},
    {"GET", "/CHECKPOINT", 404},
    {"GET", "/v2/entries", 404},
    {"GET", "/v1", 404},
    {"GET", "/v1/status", 404},
    {"GET", "/v1/proof", 404},
    {"GET", "/tile", 404},
    {"GET", "/checkpoint.txt", 404},
    {"POST", "/v1/entries/", 405},
    /* wrong methods */
    {"POST", "/checkpoint", 405},
    {"PUT", "/checkpoint", 405},
    {"DELETE", "/checkpoint", 405},
    {"PATCH", "/checkpoint", 405},
    {"OPTIONS", "/checkpoint", 405},
    {"TRACE", "/checkpoint", 405},
    {"GET", "/v1/entries", 405},
    {"HEAD", "/v1/entries", 405},
    {"PUT", "/v1/entries", 405},
    {"DELETE", "/v1/entries/0", 405},
    {"POST", "/tile/0/000", 405},
    {"POST", "/v1/status/00", 405},
    {"POST", "/metrics", 405},
    {"POST", "/healthz", 405},
    {"PUT", "/v1/issuers", 405},
    /* malformed paths */
    {"GET", "/v1/status/../checkpoint", 400},
    {"GET", "/./checkpoint", 400},
    {"GET", "/../checkpoint", 400},
    {"GET", "/tile/0/../0/000", 400},
    {"GET", "/%2e%2e/checkpoint", 400},
    {"GET", "/%2E/checkpoint", 400},
    {"GET", "/%63heckpoint", 400},
    {"GET", "/checkpoint%00", 400},
    {"GET", "/v1/entries/%30", 400},
    {"GET", "//checkpoint", 400},
    {"GET", "/v1//entries/0", 400},
    {"GET", "/tile//0/000", 400},
    {"GET", "/checkpoint;x", 400},
    {"GET", "/checkpoint#frag", 400},
    {"GET", "/v1/status/%20", 400},
    /* tile paths */
    {"GET", "/tile/0/1", 400},
    {"GET", "/tile/0/00", 400},
    {"GET", "/tile/0/0000", 400},
    {"GET", "/tile/0/-01", 400},
    {"GET", "/tile/0/x01/000", 400},
    {"GET", "/tile/0/x001/x002/x003/x004/x005/x006/x007/000", 400},
    {"GET", "/tile/0/000.p/0", 400},
    {"GET", "/tile/0/000.p/256", 400},
    {"GET", "/tile/0/000.p/", 400},
    {"GET", "/tile/0/000.p/01", 400},
    {"GET", "/tile/0/000.p/1x", 400},
    {"GET", "/tile/00/000", 400},
    {"GET", "/tile/64/000", 400},
    {"GET", "/tile/x/000", 400},
    {"GET", "/tile/-1/000", 400},
    {"GET", "/tile/entries/abc", 400},
    {"GET", "/tile/entries/000.p/abc", 400},
    {"GET", "/tile/0/999", 404},
    {"GET", "/tile/entries/x999/999", 404},
    /* entry indexes */
    {"GET", "/v1/entries/", 400},
    {"GET", "/v1/entries/+1", 400},
    {"GET", "/v1/entries/-1", 400},
    {"GET", "/v1/entries/01", 400},
    {"GET", "/v1/entries/1.0", 400},
    {"GET", "/v1/entries/1e2", 400},
    {"GET", "/v1/entries/0x10", 400},
    {"GET", "/v1/entries/9223372036854775808", 400},
    {"GET", "/v1/entries/18446744073709551616", 400},
    {"GET", "/v1/entries/99999999999999999999999", 400},
    {"GET", "/v1/entries/0/1", 400},
    {"GET", "/v1/entries/9223372036854775807", 404},
    /* credential hashes */
    {"GET", "/v1/status/", 400},
    {"GET", "/v1/status/abc", 400},
    {"GET",
     "/v1/status/"
     "000000000000000000000000000000000000000000000000000000000000000",
     400},
    {"GET",
     "/v1/status/"
     "00000000000000000000000000000000000000000000000000000000000000000",
     400},
    {"GET",
     "/v1/status/"
     "g000000000000000000000000000000000000000000000000000000000000000",
     400},
    {"GET",
     "/v1/status/"
     "0x00000000000000000000000000000000000000000000000000000000000000",
     400},
    /* query parameters */
    {"GET", "/v1/proof/inclusion", 400},
    {"GET", "/v1/proof/inclusion?", 400},
    {"GET", "/v1/proof/inclusion?index=0", 400},
    {"GET", "/v1/proof/inclusion?size=1", 400},
    {"GET", "/v1/proof/inclusion?index=0&size=1&x=2", 400},
    {"GET", "/v1/proof/inclusion?index=0&index=0&size=1", 400},
    {"GET", "/v1/proof/inclusion?index=&size=1", 400},
    {"GET", "/v1/proof/inclusion?index&size=1", 400},
    {"GET", "/v1/proof/inclusion?index=0&size=", 400},
    {"GET", "/v1/proof/inclusion?index=+1&size=2", 400},
    {"GET", "/v1/proof/inclusion?index=-1&size=2", 400},
    {"GET", "/v1/proof/inclusion?index=01&size=2", 400},
    {"GET", "/v1/proof/inclusion?index=1.0&size=2", 400},
    {"GET", "/v1/proof/inclusion?index=1e0&size=2", 400},
    {"GET", "/v1/proof/inclusion?index=%31&size=2", 400},
    {"GET", "/v1/proof/inclusion?index=0&size=18446744073709551617", 400},
    {"GET", "/v1/proof/inclusion?index=0&size=1&", 400},
    {"GET", "/v1/proof/inclusion?&index=0&size=1", 400},
    {"GET", "/v1/proof/inclusion?index=0;size=1", 400},
    {"GET", "/v1/proof/inclusion?INDEX=0&SIZE=1", 400},
    {"GET", "/v1/proof/inclusion?index=1&size=1", 400},
    {"GET", "/v1/proof/inclusion?index=0&size=0", 400},
    {"GET", "/v1/proof/inclusion?index=0&size=9223372036854775807", 404},
    {"GET", "/v1/proof/consistency?from=0&to=1", 400},
    {"GET", "/v1/proof/consistency?from=2&to=1", 400},
    {"GET", "/v1/proof/consistency?from=1", 400},
    {"GET", "/v1/proof/consistency?to=1&to=1", 400},
    {"GET", "/v1/proof/consistency?from=1&to=1&from=1", 400},
    {"GET", "/v1/proof/consistency?from=1&to=x", 400},
    {"GET", "/checkpoint?x=1", 400},
    {"GET", "/checkpoint?x", 400},
    {"GET", "/v1/entries/0?index=0", 400},
    {"GET", "/tile/0/000.p/1?x=1", 400},
    {"GET", "/v1/issuers?all=1", 400},
    {"HEAD", "/nope", 404},
    {"HEAD", "/v1/entries/abc", 400},
};

static void test_table(void)
{
    char hex64[65], big[6000];

    for (size_t i = 0; i < sizeof raw_cases / sizeof raw_cases[0]; i++) {
        const struct raw_case *c = &raw_cases[i];
        expect_raw(c->name, c->bytes, c->len ? c->len : strlen(c->bytes), 0,
                   c->status);
    }
    for (size_t i = 0; i < sizeof req_cases / sizeof req_cases[0]; i++) {
        const struct req_case *c = &req_cases[i];
        char name[200];
        snprintf(name, sizeof name, "%s %s", c->method, c->target);
        expect_req(name, c->method, c->target,
                   strcmp(c->method, "POST") == 0 ? "{}" : NULL,
                   strcmp(c->method, "POST") == 0 ? 2 : 0, c->status);
    }

    /* Too long: a target beyond --max-url (2048) but within the head limit,
     * and a head beyond --max-headers (16384). */
    memset(big, 'a', sizeof big);
    memcpy(big, "/v1/status/", 11);
    big[3000] = '\0';
    expect_req("target of 3000 bytes", "GET", big, NULL, 0, 414);
    {
        size_t n = 20000;
        char *req = malloc(n + 100);
        int k = snprintf(req, 100, "GET /checkpoint HTTP/1.1\r\nX-Big: ");
        memset(req + k, 'b', n);
        memcpy(req + k + n, "\r\n\r\n", 4);
        expect_raw("header of 20000 bytes", req, (size_t)k + n + 4, 0, 400);
        k = snprintf(req, 100, "GET /");
        memset(req + k, 'c', n);
        k += (int)n;
        k += snprintf(req + k, 100, " HTTP/1.1\r\n\r\n");
        expect_raw("request line of 20000 bytes", req, (size_t)k, 0, 400);
        free(req);
    }

    /* Bodies that are not a submission request. */
    static const char *const bodies[] = {
        "",
        "{",
        "}",
        "null",
        "0",
        "\"entries\"",
        "[]",
        "{}",
        "[{\"entries\":[]}]",
        "{\"entries\":null}",
        "{\"entries\":{}}",
        "{\"entries\":\"x\"}",
        "{\"entries\":[]}",
        "{\"entries\":[1]}",
        "{\"entries\":[null]}",
        "{\"entries\":[[]]}",
        "{\"entries\":[{}]}",
        "{\"entries\":[\"issue\"]}",
        "{\"entries\":[],\"x\":1}",
        "{\"entries\":[],\"entries\":[]}",
        "{\"Entries\":[]}",
        "{\"entries\":[]} x",
        "{\"entries\":[]}{}",
        "\xef\xbb\xbf{\"entries\":[]}",
        "{\"entries\":[{\"type\":\"\xff\xfe\"}]}",
        "{\"entries\":[{\"type\":\"\\ud800\"}]}",
        "{'entries':[]}",
        "{\"entries\":[{\"type\":\"issue\",}]}",
    };
    for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
        char name[100];
        snprintf(name, sizeof name, "body %.50s", bodies[i]);
        expect_post(name, bodies[i], 400);
    }
    {
        const char body[] = "{\"entries\":[\0]}";
        expect_req("NUL in the body", "POST", "/v1/entries", body,
                   sizeof body - 1, 400);
        size_t depth = 20000;
        char *deep = malloc(2 * depth + 32);
        size_t k = (size_t)sprintf(deep, "{\"entries\":");
        memset(deep + k, '[', depth);
        memset(deep + k + depth, ']', depth);
        strcpy(deep + k + 2 * depth, "}");
        expect_post("nested 20000 deep", deep, 400);
        free(deep);
    }

    /* Every field of a submission, malformed. */
    codec_hex_encode(issued, 32, hex64);
    static const char *const types[] = {
        "\"ISSUE\"", "\"issue \"",  "\"\"",     "1",
        "null",      "[\"issue\"]", "\"mint\"", "\"issue\\u0000\""};
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        expect_field(ENTRY_ISSUE, "type", types[i]);
    {
        char v[100];
        static const char *const hashes[] = {
            "\"\"",
            "123",
            "null",
            "true",
            "\"0x00000000000000000000000000000000000000000000000000000000000000"
            "\"",
            "\"000000000000000000000000000000000000000000000000000000000000000"
            "\"",
            "\"0000000000000000000000000000000000000000000000000000000000000000"
            "0\"",
            "\"000000000000000000000000000000000000000000000000000000000000000g"
            "\"",
            "\" "
            "00000000000000000000000000000000000000000000000000000000000000\"",
            "\"00000000000000000000000000000000000000000000000000000000000000\\"
            "n\"",
        };
        for (size_t i = 0; i < sizeof hashes / sizeof hashes[0]; i++)
            expect_field(ENTRY_ISSUE, "credential_hash", hashes[i]);
        snprintf(v, sizeof v, "[\"%s\"]", hex64);
        expect_field(ENTRY_ISSUE, "credential_hash", v);
    }
    {
        char longname[400];
        static const char *const issuers[] = {"\"\"",
                                              "\"a b\"",
                                              "\"a+b\"",
                                              "5",
                                              "null",
                                              "\"avans.nl\\u0000\"",
                                              "\"other.example\""};
        for (size_t i = 0; i < sizeof issuers / sizeof issuers[0]; i++)
            expect_field(ENTRY_ISSUE, "issuer", issuers[i]);
        longname[0] = '"';
        memset(longname + 1, 'n', 300);
        strcpy(longname + 301, "\"");
        expect_field(ENTRY_ISSUE, "issuer", longname);
    }
    static const char *const kids[] = {
        "\"1234567\"", "\"123456789\"", "\"0x123456\"", "\"zzzzzzzz\"",
        "305419896",   "\"\"",          "null",         "\"12 45678\""};
    for (size_t i = 0; i < sizeof kids / sizeof kids[0]; i++)
        expect_field(ENTRY_ISSUE, "key_id", kids[i]);
    static const char *const times[] = {
        "-1",
        "+1",
        "012",
        "1.5",
        "1.0",
        "1e3",
        "1E3",
        "0x10",
        "\"1\"",
        "true",
        "null",
        "[1]",
        "99999999999999999999",
        "18446744073709551616",
        "9223372036854775808",
        "9223372036854775807",
        "-9223372036854775808",
        "Infinity",
        "NaN",
        "1 2",
    };
    for (size_t i = 0; i < sizeof times / sizeof times[0]; i++)
        expect_field(ENTRY_ISSUE, "timestamp_ms", times[i]);
    {
        /* 64 bytes of base64 done wrong, and the wrong lengths. */
        static const char *const sigs[] = {
            "\"\"",
            "\"AAAA\"",
            "123",
            "null",
            "\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
            "AAAAAAAAAAAAAAAAAAAAAA\"",
            "\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
            "AAAAAAAAAAAAAAAAAAAAAA=\"",
            "\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
            "AAAAAAAAAAAAAAAAAAAAAB==\"",
            "\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
            "AAAAAAAAAAAAAAAAAAAAA-==\"",
            "\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
            "AAAAAAAAAAAAAAAAAAAAAA==\\n\"",
            "\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA "
            "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==\"",
            "\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
            "AAAAAAAAAAAAAAAAAAAAAA==\"",
            "\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
            "AAAAAAAAAAAAAAAAAAAAAAAA\"",
            "\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
            "AAAAAAAAAAAAAAAAAAAAA===\"",
        };
        for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
            expect_field(ENTRY_ISSUE, "signature", sigs[i]);
    }
    expect_field(ENTRY_ISSUE, "reason", "1");
    expect_field(ENTRY_ISSUE, "color", "\"blue\"");
    static const char *const reasons[] = {"-1",   "5",   "256",   "1.5",
                                          "1.0",  "1e0", "\"1\"", "true",
                                          "null", "+1",  "01"};
    for (size_t i = 0; i < sizeof reasons / sizeof reasons[0]; i++)
        expect_field(ENTRY_REVOKE, "reason", reasons[i]);
    static const char *const fields[] = {"type",         "credential_hash",
                                         "issuer",       "key_id",
                                         "timestamp_ms", "signature"};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        expect_missing(ENTRY_ISSUE, fields[i]);
    {
        /* A duplicate member inside a submission. */
        char *open = submission_open(ENTRY_ISSUE, NULL, NULL);
        char body[1024];
        snprintf(body, sizeof body, "{\"entries\":[%s,\"type\":\"issue\"}]}",
                 open);
        expect_post("duplicate member in a submission", body, 400);
        free(open);
    }
    CHECK_MSG(ncases >= 100, "only %zu malformed requests", ncases);
    printf("%zu malformed requests checked\n", ncases);
}

/* ---- HEAD ---- */

/* A HEAD answer has the GET's headers and no body, so a keep-alive
 * connection still frames the next answer right (logd used to send the
 * body). */
static void test_head(void)
{
    const char req[] = "HEAD /checkpoint HTTP/1.1\r\nHost: x\r\n\r\n"
                       "GET /checkpoint HTTP/1.1\r\nHost: x\r\n\r\n";
    int fd = logd_raw_connect(P.port, 0);
    struct logd_raw_answer a, b;
    struct checkpoint cp;
    char len[32];

    REQUIRE(fd >= 0);
    CHECK(logd_raw_send(fd, req, sizeof req - 1) == 0);
    CHECK(logd_raw_read(fd, 1, 10000, &a) == 0 && a.status == 200);
    CHECK(logd_raw_read(fd, 0, 10000, &b) == 0 && b.status == 200);
    CHECK(b.body != NULL &&
          checkpoint_open(b.body, b.body_len, &P.log_verifier, &cp) == 0);
    CHECK(logd_raw_header(&a, "Content-Length", len, sizeof len) == 0 &&
          strtoull(len, NULL, 10) == b.body_len);
    logd_raw_answer_free(&a);
    logd_raw_answer_free(&b);
    close(fd);
}

/* ---- size limits at their defaults ---- */

static void test_default_limits(void)
{
    size_t max = 1 << 20;
    char *body = malloc(max + 2);
    char *before = checkpoint_text(), *after;
    json_t *arr, *ans = NULL;
    struct entry e;
    uint8_t c[32];
    int status;

    /* Exactly 1 MiB is read (and refused for what it says); one byte more
     * is 413. */
    memset(body, ' ', max + 1);
    memcpy(body, "{\"entries\":[]}", 14);
    body[max + 1] = '\0';
    expect_req("body of 1 MiB", "POST", "/v1/entries", body, max, 400);
    expect_req("body of 1 MiB + 1", "POST", "/v1/entries", body, max + 1, 413);
    free(body);

    /* 1001 submissions are refused whole, 1000 accepted. */
    arr = json_array();
    for (int i = 0; i < 1001; i++) {
        check_rand_cred(&rnd, c);
        issuer_entry(&e, ENTRY_ISSUE, c, &A1, issuer_now_ms(), 0);
        json_array_append_new(arr, issuer_submission_json(&e));
    }
    status = logd_api_post_entries(H, json_deep_copy(arr), &ans);
    CHECK_MSG(status == 400 && json_is_string(json_object_get(ans, "error")),
              "1001 submissions: %d", status);
    json_decref(ans);
    after = checkpoint_text();
    CHECK(before != NULL && after != NULL && strcmp(before, after) == 0);
    json_array_remove(arr, 1000);
    status = logd_api_post_entries(H, arr, &ans);
    CHECK_MSG(status == 200 &&
                  json_array_size(json_object_get(ans, "receipts")) == 1000,
              "1000 submissions: %d", status);
    json_decref(ans);
    free(before);
    free(after);
}

/* ---- slow clients ---- */

#define SLOWLORIS 40
#define SLOW_BODIES 10
#define NON_READERS 10

struct slow {
    int fd[SLOWLORIS + SLOW_BODIES];
    _Atomic bool closed[SLOWLORIS + SLOW_BODIES]; /* read by the test too */
    int status[SLOWLORIS + SLOW_BODIES]; /* what logd answered, if anything */
    volatile bool stop;
};

/* Sends the slow clients' bytes, one byte per connection every 50 ms, and
 * notes which connections logd closed (and with what status). */
static void *slow_driver(void *arg)
{
    struct slow *s = arg;
    static const char head[] =
        "GET /checkpoint HTTP/1.1\r\nHost: x\r\nX-Slow: ";
    static const char post[] = "POST /v1/entries HTTP/1.1\r\nHost: x\r\n"
                               "Content-Length: 100000\r\n\r\n{\"entries\":[";
    size_t step = 0;

    while (!s->stop) {
        for (int i = 0; i < SLOWLORIS + SLOW_BODIES; i++) {
            struct pollfd pfd = {s->fd[i], POLLIN, 0};
            char b, buf[512];
            if (s->closed[i])
                continue;
            if (i < SLOWLORIS)
                b = step < sizeof head - 1 ? head[step] : 'a';
            else if (step == 0) {
                /* The head at once, then the body a byte at a time. */
                if (logd_raw_send(s->fd[i], post, sizeof post - 1) != 0)
                    s->closed[i] = true;
                continue;
            } else
                b = ' ';
            if (poll(&pfd, 1, 0) == 1) {
                ssize_t r = recv(s->fd[i], buf, sizeof buf - 1, 0);
                if (r > 0) {
                    buf[r] = '\0';
                    sscanf(buf, "HTTP/1.1 %d", &s->status[i]);
                }
                if (r <= 0 || s->status[i] != 0)
                    s->closed[i] = true;
                continue;
            }
            if (send(s->fd[i], &b, 1, MSG_NOSIGNAL) != 1)
                s->closed[i] = true;
        }
        step++;
        /* Not synchronization: a slow client's pace is the test. */
        usleep(50000);
    }
    return NULL;
}

static int64_t metric(const char *name)
{
    return logd_api_metric(H, name);
}

static void test_slow_clients(void)
{
    struct slow s;
    pthread_t t;
    int readers[NON_READERS], ok = 0, bad = 0, during = 0, closed = 0,
                              timed_408 = 0;
    int64_t open_before = metric("credlog_http_connections"), open_now = -1;
    struct wait w;

    memset(&s, 0, sizeof s);
    for (int i = 0; i < SLOWLORIS + SLOW_BODIES; i++) {
        s.fd[i] = logd_raw_connect(P.port, 0);
        REQUIRE(s.fd[i] >= 0);
    }
    /* Clients that pipeline requests for answers they never read, with a
     * tiny receive window. */
    for (int i = 0; i < NON_READERS; i++) {
        char req[4096];
        size_t n = 0;
        readers[i] = logd_raw_connect(P.port, 2048);
        REQUIRE(readers[i] >= 0);
        while (n + 64 < sizeof req)
            n += (size_t)snprintf(req + n, sizeof req - n,
                                  "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
        CHECK(logd_raw_send(readers[i], req, n) == 0);
    }
    CHECK(pthread_create(&t, NULL, slow_driver, &s) == 0);

    /* Meanwhile a normal client submits, reads and verifies, until logd
     * has closed every slow connection (its request deadline, 2 s) and for
     * at least 20 rounds. What is asserted is order, not pace: rounds were
     * served while slow connections were still open (a logd that the slow
     * clients held up would serve none before closing them), and none
     * failed. */
    w = wait_begin(120000);
    for (int round = 0;; round++) {
        struct entry e;
        uint8_t c[32], b[ENTRY_MAX_SIZE];
        json_t *ans = NULL, *arr;
        size_t len;
        char path[100], hex[65];
        int status, open = 0;
        for (int i = 0; i < SLOWLORIS + SLOW_BODIES; i++)
            open += !s.closed[i];
        if ((open == 0 && round >= 20) || !wait_more(&w))
            break;
        arr = json_array();
        check_rand_cred(&rnd, c);
        issuer_entry(&e, ENTRY_ISSUE, c, &A1, issuer_now_ms(), 0);
        len = issuer_entry_bytes(&e, b);
        json_array_append_new(arr, issuer_submission_json(&e));
        status = logd_api_post_entries(H, arr, &ans);
        if (status == 200 &&
            answer_receipt(&P,
                           json_array_get(json_object_get(ans, "receipts"), 0),
                           b, len, NULL, NULL))
            ok++;
        else
            bad++;
        json_decref(ans);
        codec_hex_encode(c, 32, hex);
        snprintf(path, sizeof path, "/v1/status/%s", hex);
        ans = logd_api_get_json(H, path, &status);
        if (status == 200 && answer_status(&P, ans, c, "active"))
            ok++;
        else
            bad++;
        json_decref(ans);
        /* A round that ended with every slow connection still open was
         * served during the attack. */
        open = 0;
        for (int i = 0; i < SLOWLORIS + SLOW_BODIES; i++)
            open += !s.closed[i];
        if (open == SLOWLORIS + SLOW_BODIES)
            during++;
        /* Not synchronization: the normal client's pace. */
        usleep(20000);
    }
    CHECK_MSG(bad == 0 && ok >= 40, "normal client: %d ok, %d failed", ok, bad);
    CHECK_MSG(during >= 1,
              "no round was served while the slow connections were open");

    /* logd closed every slow connection by itself (408), though they kept
     * sending: the request deadline is 2 s. Wait at most 20 s more. */
    w = wait_begin(20000);
    do {
        closed = timed_408 = 0;
        for (int i = 0; i < SLOWLORIS + SLOW_BODIES; i++) {
            closed += s.closed[i];
            timed_408 += s.status[i] == 408;
        }
    } while (closed < SLOWLORIS + SLOW_BODIES && wait_more(&w));
    s.stop = true;
    pthread_join(t, NULL);
    CHECK_MSG(closed == SLOWLORIS + SLOW_BODIES && timed_408 == closed,
              "slow connections closed: %d, with 408: %d of %d", closed,
              timed_408, SLOWLORIS + SLOW_BODIES);
    CHECK(metric("credlog_http_request_timeouts_total") >=
          SLOWLORIS + SLOW_BODIES);

    /* The non-readers are closed by the write timeout while their sockets
     * are still open here: logd's count of connections comes back down. */
    w = wait_begin(20000);
    while ((open_now = metric("credlog_http_connections")) > open_before &&
           wait_more(&w))
        ;
    CHECK_MSG(open_now >= 0 && open_now <= open_before,
              "connections: %lld, before: %lld", (long long)open_now,
              (long long)open_before);
    for (int i = 0; i < NON_READERS; i++) {
        CHECK(logd_raw_wait_closed(readers[i], 5000));
        close(readers[i]);
    }
    for (int i = 0; i < SLOWLORIS + SLOW_BODIES; i++)
        close(s.fd[i]);
}

/* ---- small limits from flags ---- */

static void test_flags(void)
{
    struct logd_proc Q;
    struct note_verifier keys[1] = {A1.v};
    struct client_http *q = NULL;
    struct logd_raw_answer a;
    int held[8], n = 0, status;
    char req[8192];
    json_t *arr, *ans;

    REQUIRE(logd_proc_init(&Q, "test.example/limits", keys, 1) == 0);
    if (logd_proc_start(
            &Q,
            (const char *const[]){"--heartbeat", "0", "--max-entries", "3",
                                  "--max-body", "4096", "--max-headers", "2048",
                                  "--max-url", "256", "--max-connections", "8",
                                  "--request-timeout", "30", NULL}) != 0 ||
        client_http_open(Q.url, NULL, &q) != 0) {
        CHECK(0);
        logd_proc_cleanup(&Q);
        return;
    }
    /* --max-entries 3 */
    arr = json_array();
    for (int i = 0; i < 4; i++) {
        struct entry e;
        uint8_t c[32];
        check_rand_cred(&rnd, c);
        issuer_entry(&e, ENTRY_ISSUE, c, &A1, issuer_now_ms(), 0);
        json_array_append_new(arr, issuer_submission_json(&e));
    }
    status = logd_api_post_entries(q, json_deep_copy(arr), &ans);
    CHECK_MSG(status == 400, "4 submissions with --max-entries 3: %d", status);
    json_decref(ans);
    json_array_remove(arr, 3);
    status = logd_api_post_entries(q, arr, &ans);
    CHECK_MSG(status == 200, "3 submissions with --max-entries 3: %d", status);
    json_decref(ans);

    /* --max-body 4096 */
    {
        int k = snprintf(
            req, sizeof req,
            "POST /v1/entries HTTP/1.1\r\nContent-Length: 4097\r\n\r\n");
        memset(req + k, ' ', 4097);
        CHECK(logd_raw_exchange(Q.port, req, (size_t)k + 4097, 0, 10000, &a) ==
                  0 &&
              a.status == 413 && logd_raw_json_error(&a));
        logd_raw_answer_free(&a);
    }
    /* --max-headers 2048 */
    {
        int k =
            snprintf(req, sizeof req, "GET /checkpoint HTTP/1.1\r\nX-Big: ");
        memset(req + k, 'x', 2100);
        memcpy(req + k + 2100, "\r\n\r\n", 4);
        CHECK(logd_raw_exchange(Q.port, req, (size_t)k + 2104, 0, 10000, &a) ==
                  0 &&
              a.status == 400 && logd_raw_json_error(&a));
        logd_raw_answer_free(&a);
    }
    /* --max-url 256 */
    {
        char path[400];
        struct client_http_response r;
        memset(path, '0', sizeof path);
        memcpy(path, "/v1/status/", 11);
        path[300] = '\0';
        CHECK(client_http_get(q, path, &r) == 0 && r.status == 414);
        client_http_response_free(&r);
        path[200] = '\0';
        CHECK(client_http_get(q, path, &r) == 0 && r.status == 400);
        client_http_response_free(&r);
    }

    /* --max-connections 8: q's connection and 7 idle ones fill it; a ninth
     * gets 503 at once (or is closed), while q is still served. */
    CHECK(logd_api_checkpoint(q, &Q, NULL, NULL) > 0);
    for (n = 0; n < 7; n++)
        held[n] = logd_raw_connect(Q.port, 0);
    CHECK(logd_api_wait_metric(q, "credlog_http_connections", 8, 10000));
    for (int k = 0; k < 3; k++) {
        int rc = logd_raw_exchange(Q.port, "GET /healthz HTTP/1.1\r\n\r\n", 25,
                                   0, 10000, &a);
        CHECK_MSG(rc != 0 || (a.status == 503 && logd_raw_json_error(&a)),
                  "beyond --max-connections: rc %d status %d", rc, a.status);
        logd_raw_answer_free(&a);
    }
    CHECK(logd_api_checkpoint(q, &Q, NULL, NULL) > 0);
    for (int i = 0; i < n; i++)
        close(held[i]);
    /* Room again: a new connection is served (the count drops as logd sees
     * the closes). */
    {
        bool served = false;
        struct wait w = wait_begin(10000);
        do {
            if (logd_raw_exchange(Q.port, "GET /healthz HTTP/1.1\r\n\r\n", 25,
                                  0, 10000, &a) == 0)
                served = a.status == 200;
            logd_raw_answer_free(&a);
        } while (!served && wait_more(&w));
        CHECK(served);
    }
    {
        struct client_http_response r;
        CHECK(client_http_get(q, "/metrics", &r) == 0 && r.status == 200 &&
              strstr(r.body, "\ncredlog_http_connections_refused_total 3\n") !=
                  NULL);
        client_http_response_free(&r);
    }
    client_http_close(q);
    CHECK(logd_proc_stop(&Q) == 0);
    logd_proc_cleanup(&Q);
}

int main(void)
{
    struct note_verifier keys[1];
    json_t *ans = NULL;
    struct entry e;
    int status;

    signal(SIGPIPE, SIG_IGN);
    logd_proc_require();
    issuer_make(&A1, "avans.nl");
    keys[0] = A1.v;
    if (logd_proc_init(&P, "test.example/hostile", keys, 1) != 0 ||
        logd_proc_start(
            &P, (const char *const[]){"--heartbeat", "0", "--request-timeout",
                                      "2", "--timeout", "2", NULL}) != 0 ||
        client_http_open(P.url, NULL, &H) != 0) {
        CHECK(0);
        logd_proc_cleanup(&P);
        return check_finish();
    }
    /* Something in the log to point at. */
    check_rand_cred(&rnd, issued);
    issuer_entry(&e, ENTRY_ISSUE, issued, &A1, issuer_now_ms(), 0);
    {
        json_t *arr = json_array();
        json_array_append_new(arr, issuer_submission_json(&e));
        status = logd_api_post_entries(H, arr, &ans);
        CHECK(status == 200);
        json_decref(ans);
    }
    test_table();
    test_head();
    test_default_limits();
    test_slow_clients();
    test_flags();
    client_http_close(H);
    CHECK(logd_proc_stop(&P) == 0);
    logd_proc_cleanup(&P);
    return check_finish();
}
