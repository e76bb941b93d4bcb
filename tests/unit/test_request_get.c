/*
 * test_request_get.c: request_parse_get() (logd/request_head.h), the parser of
 * the heads logd's fast path answers without evhttp (logd/conn.h).
 *
 * - Plain GETs are taken, with the head's exact length, the path and the
 *   query (when there is one, of the characters evhttp hands on as they
 *   are); the allowed headers in any case, with optional whitespace.
 * - Every prefix of a taken head is "more", never "taken" or "other"; and
 *   bytes after the head (a pipelined request, even a malformed one) are
 *   not looked at.
 * - Everything that could change the answer or the framing, or that a
 *   proxy might read otherwise, is "other": another method or version, an
 *   empty query or one with other characters ('%', '+', '?', a space), a
 *   fragment, percent-encoding, a dot segment, a body header
 *   (Content-Length, Transfer-Encoding), Connection: close, Expect, an
 *   unknown header, a folded line, a bare LF or stray CR, a NUL byte, a
 *   space before the colon, a control character in a value, a target or
 *   head too long.
 * - Random bytes and random mutations of a good head never crash it, and
 *   whatever it takes is a head made only of the allowed parts.
 */
#include "check.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "logd/request_head.h"

static int parse(const char *s, struct request_get *g)
{
    return request_parse_get(s, strlen(s), g);
}

static void test_takes(void)
{
    static const char *const heads[] = {
        "GET /tile/0/x001/234 HTTP/1.1\r\n\r\n",
        "GET /tile/entries/000 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n",
        "GET /v1/status/ab HTTP/1.1\r\nhost:x\r\nUSER-AGENT: wrk \r\n"
        "Accept: */*\r\nAccept-Encoding: gzip\r\nAccept-Language: en\r\n"
        "Connection: Keep-Alive\r\n\r\n",
        "GET / HTTP/1.1\r\nHost:\t x\t\r\n\r\n",
        "GET /v1/proof/inclusion?index=12&size=300 HTTP/1.1\r\nHost: h\r\n\r\n",
        "GET /v1/proof/consistency?to=9&from=1&x=-._~ HTTP/1.1\r\n\r\n",
        "GET /a?= HTTP/1.1\r\n\r\n",
    };
    static const char *const queries[] = {
        "", "", "", "", "index=12&size=300", "to=9&from=1&x=-._~", "=",
    };
    struct request_get g;

    for (size_t i = 0; i < sizeof heads / sizeof heads[0]; i++) {
        size_t len = strlen(heads[i]);
        CHECK(request_parse_get(heads[i], len, &g) == REQUEST_GET_OK);
        CHECK(g.head_len == len);
        CHECK(g.path_len == strlen(g.path));
        CHECK(memcmp(heads[i] + 4, g.path, g.path_len) == 0);
        CHECK_MSG(strcmp(g.query, queries[i]) == 0 &&
                      g.query_len == strlen(queries[i]),
                  "head %zu: query %s", i, g.query);
        CHECK(g.target_len ==
              g.path_len + (g.query_len > 0 ? g.query_len + 1 : 0));
        CHECK(memchr(g.path, '?', g.path_len) == NULL);
        /* Every prefix is "more". */
        for (size_t n = 0; n < len; n++)
            CHECK_MSG(request_parse_get(heads[i], n, &g) == REQUEST_GET_MORE,
                      "head %zu prefix %zu", i, n);
    }
    CHECK(parse(heads[1], &g) == REQUEST_GET_OK &&
          strcmp(g.path, "/tile/entries/000") == 0);
    CHECK(parse(heads[4], &g) == REQUEST_GET_OK &&
          strcmp(g.path, "/v1/proof/inclusion") == 0);
    /* A query that may still go on. */
    CHECK(parse("GET /a?", &g) == REQUEST_GET_MORE);
    CHECK(parse("GET /a?b=1&", &g) == REQUEST_GET_MORE);
}

static void test_pipelined(void)
{
    const char two[] = "GET /a HTTP/1.1\r\nHost: x\r\n\r\n"
                       "POST /v1/entries HTTP/1.1\r\nContent-Length: 5\r\n"
                       "Transfer-Encoding: chunked\r\n\r\n\0garbage";
    struct request_get g;

    CHECK(request_parse_get(two, sizeof two - 1, &g) == REQUEST_GET_OK);
    CHECK(g.head_len == strlen("GET /a HTTP/1.1\r\nHost: x\r\n\r\n"));
    CHECK(strcmp(g.path, "/a") == 0);
}

static void test_others(void)
{
    static const char *const heads[] = {
        "HEAD /a HTTP/1.1\r\n\r\n",
        "get /a HTTP/1.1\r\n\r\n",
        "POST /a HTTP/1.1\r\n\r\n",
        "GET  /a HTTP/1.1\r\n\r\n",
        "GET /a HTTP/1.0\r\n\r\n",
        "GET /a HTTP/1.1 \r\n\r\n",
        "GET /a http/1.1\r\n\r\n",
        "GET /a HTTP/2\r\n\r\n",
        "GET a HTTP/1.1\r\n\r\n",
        "GET http://x/a HTTP/1.1\r\n\r\n",
        "GET * HTTP/1.1\r\n\r\n",
        "GET /a? HTTP/1.1\r\n\r\n",
        "GET ?a=1 HTTP/1.1\r\n\r\n",
        "GET /a?b=%31 HTTP/1.1\r\n\r\n",
        "GET /a?b=1+2 HTTP/1.1\r\n\r\n",
        "GET /a?b=1?c=2 HTTP/1.1\r\n\r\n",
        "GET /a?b=1#c HTTP/1.1\r\n\r\n",
        "GET /a?b=1/c HTTP/1.1\r\n\r\n",
        "GET /a?b=\"1\" HTTP/1.1\r\n\r\n",
        "GET /a?b=1\tc HTTP/1.1\r\n\r\n",
        "GET /a/../b?c=1 HTTP/1.1\r\n\r\n",
        "GET /a#b HTTP/1.1\r\n\r\n",
        "GET /a%2e HTTP/1.1\r\n\r\n",
        "GET /a/../b HTTP/1.1\r\n\r\n",
        "GET /./b HTTP/1.1\r\n\r\n",
        "GET //a HTTP/1.1\r\n\r\n",
        "GET /a\tb HTTP/1.1\r\n\r\n",
        "GET /a HTTP/1.1\n\n",
        "GET /checkpoint\r\n\r\n",
        "GET /checkpoint\r",
        "GET /a\n",
        "GET /a HTTP/1.1\r\r",
        "GET /a HTTP/1.1\r\n\n",
        "GET /a HTTP/1.1\r\nHost: x\n\r\n",
        "GET /a HTTP/1.1\r\nHost: x\ry\r\n\r\n",
        "GET /a HTTP/1.1\r\nHost: x\r\r\n\r\n",
        "GET /a HTTP/1.1\r\nContent-Length: 0\r\n\r\n",
        "GET /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n",
        "GET /a HTTP/1.1\r\nConnection: close\r\n\r\n",
        "GET /a HTTP/1.1\r\nConnection: keep-alive, Upgrade\r\n\r\n",
        "GET /a HTTP/1.1\r\nExpect: 100-continue\r\n\r\n",
        "GET /a HTTP/1.1\r\nIf-None-Match: \"x\"\r\n\r\n",
        "GET /a HTTP/1.1\r\nOrigin: https://x\r\n\r\n",
        "GET /a HTTP/1.1\r\nX-Forwarded-For: 1.2.3.4\r\n\r\n",
        "GET /a HTTP/1.1\r\nHost : x\r\n\r\n",
        "GET /a HTTP/1.1\r\n Host: x\r\n\r\n",
        "GET /a HTTP/1.1\r\nHost: x\r\n y\r\n\r\n",
        "GET /a HTTP/1.1\r\nHost: x\r\n\tHost: y\r\n\r\n",
        "GET /a HTTP/1.1\r\nHost x\r\n\r\n",
        "GET /a HTTP/1.1\r\n: x\r\n\r\n",
        "GET /a HTTP/1.1\r\nHost: a\x01z\r\n\r\n",
        "GET /a HTTP/1.1\r\nHost: a\x7fz\r\n\r\n",
        "GET /a HTTP/1.1\r\nHo\x80st: a\r\n\r\n",
        "\r\nGET /a HTTP/1.1\r\n\r\n",
        " GET /a HTTP/1.1\r\n\r\n",
    };
    struct request_get g;

    for (size_t i = 0; i < sizeof heads / sizeof heads[0]; i++)
        CHECK_MSG(parse(heads[i], &g) == REQUEST_GET_OTHER, "head %zu: %s", i,
                  heads[i]);
}

static void test_nul_and_limits(void)
{
    static const char nul_path[] = "GET /a\0b HTTP/1.1\r\n\r\n";
    static const char nul_value[] = "GET /a HTTP/1.1\r\nHost: a\0b\r\n\r\n";
    static char buf[REQUEST_GET_HEAD_MAX + 512];
    struct request_get g;
    size_t n;

    CHECK(request_parse_get(nul_path, sizeof nul_path - 1, &g) ==
          REQUEST_GET_OTHER);
    CHECK(request_parse_get(nul_value, sizeof nul_value - 1, &g) ==
          REQUEST_GET_OTHER);
    /* The longest path is taken, one more byte is not. */
    n = (size_t)snprintf(buf, sizeof buf, "GET /");
    memset(buf + n, 'a', REQUEST_GET_TARGET_MAX - 1);
    n += REQUEST_GET_TARGET_MAX - 1;
    n += (size_t)snprintf(buf + n, sizeof buf - n, " HTTP/1.1\r\n\r\n");
    CHECK(request_parse_get(buf, n, &g) == REQUEST_GET_OK &&
          g.path_len == REQUEST_GET_TARGET_MAX &&
          g.target_len == REQUEST_GET_TARGET_MAX);
    n = (size_t)snprintf(buf, sizeof buf, "GET /");
    memset(buf + n, 'a', REQUEST_GET_TARGET_MAX);
    n += REQUEST_GET_TARGET_MAX;
    CHECK(request_parse_get(buf, n, &g) == REQUEST_GET_OTHER);
    n += (size_t)snprintf(buf + n, sizeof buf - n, " HTTP/1.1\r\n\r\n");
    CHECK(request_parse_get(buf, n, &g) == REQUEST_GET_OTHER);
    /* The same with a query: the limit is the whole target's. */
    n = (size_t)snprintf(buf, sizeof buf, "GET /a?");
    memset(buf + n, 'b', REQUEST_GET_TARGET_MAX - 3);
    n += REQUEST_GET_TARGET_MAX - 3;
    n += (size_t)snprintf(buf + n, sizeof buf - n, " HTTP/1.1\r\n\r\n");
    CHECK(request_parse_get(buf, n, &g) == REQUEST_GET_OK &&
          g.query_len == REQUEST_GET_TARGET_MAX - 3 &&
          g.target_len == REQUEST_GET_TARGET_MAX);
    n = (size_t)snprintf(buf, sizeof buf, "GET /a?");
    memset(buf + n, 'b', REQUEST_GET_TARGET_MAX - 2);
    n += REQUEST_GET_TARGET_MAX - 2;
    CHECK(request_parse_get(buf, n, &g) == REQUEST_GET_OTHER);
    n += (size_t)snprintf(buf + n, sizeof buf - n, " HTTP/1.1\r\n\r\n");
    CHECK(request_parse_get(buf, n, &g) == REQUEST_GET_OTHER);
    /* A head that does not end within REQUEST_GET_HEAD_MAX bytes. */
    n = (size_t)snprintf(buf, sizeof buf, "GET /a HTTP/1.1\r\n");
    while (n + 16 < sizeof buf)
        n += (size_t)snprintf(buf + n, sizeof buf - n, "Accept: x/y\r\n");
    CHECK(request_parse_get(buf, REQUEST_GET_HEAD_MAX - 1, &g) ==
          REQUEST_GET_MORE);
    CHECK(request_parse_get(buf, REQUEST_GET_HEAD_MAX, &g) ==
          REQUEST_GET_OTHER);
    CHECK(request_parse_get(buf, n, &g) == REQUEST_GET_OTHER);
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static unsigned next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (unsigned)(rng >> 32);
}

/* Whatever is taken is built only of the allowed parts. */
static bool plausible(const char *buf, const struct request_get *g)
{
    return memcmp(buf, "GET /", 5) == 0 &&
           memcmp(buf + g->head_len - 4, "\r\n\r\n", 4) == 0 &&
           memchr(buf, '\0', g->head_len) == NULL &&
           memchr(g->path, '?', g->path_len) == NULL &&
           memchr(g->path, '%', g->path_len) == NULL &&
           strspn(g->query,
                  "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                  "0123456789-._~=&") == g->query_len &&
           memcmp(buf + 4, g->path, g->path_len) == 0 &&
           (g->query_len == 0 ||
            (buf[4 + g->path_len] == '?' &&
             memcmp(buf + 5 + g->path_len, g->query, g->query_len) == 0)) &&
           memcmp(buf + 4 + g->target_len, " HTTP/1.1\r\n", 11) == 0;
}

static void test_random(void)
{
    static const char *const goods[] = {
        "GET /tile/0/x001/234 HTTP/1.1\r\nHost: h\r\nAccept: */*\r\n\r\n",
        "GET /v1/proof/inclusion?index=1&size=2 HTTP/1.1\r\nHost: h\r\n\r\n",
    };
    static const char alphabet[] = "GET /?%#.:\r\n\t \0aHTP1=&+";
    char buf[160];
    struct request_get g;
    unsigned bad = 0;

    for (int i = 0; i < 200000; i++) {
        const char *good = goods[i % 2];
        size_t len = strlen(good);
        memcpy(buf, good, len);
        for (unsigned k = next() % 4 + 1; k > 0; k--)
            buf[next() % len] = next() % 3 == 0
                                    ? (char)(next() % 256)
                                    : alphabet[next() % (sizeof alphabet - 1)];
        if (i % 5 == 0)
            len = next() % len;
        if (request_parse_get(buf, len, &g) == REQUEST_GET_OK &&
            !plausible(buf, &g))
            bad++;
    }
    CHECK(bad == 0);
}

int main(void)
{
    test_takes();
    test_pipelined();
    test_others();
    test_nul_and_limits();
    test_random();
    return check_finish();
}
