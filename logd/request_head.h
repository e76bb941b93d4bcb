/*
 * request_head.h: pure checks of an HTTP request's head, apart from the
 * network code so they can be tested and fuzzed alone, and with nothing
 * but the C library under them, so that logd's connection guard
 * (logd/conn.c, which the agent shares) can use them: a request path, one
 * header, and the head of a simple GET that logd's fast path answers
 * (logd/conn.h).
 */
#ifndef CREDLOG_LOGD_REQUEST_HEAD_H
#define CREDLOG_LOGD_REQUEST_HEAD_H

#include <stddef.h>

/* In REQUEST_ERR_BASE's block (proofs/errors.h), with logd/request.h's. */
#define REQUEST_ERR_SYNTAX (-2501) /* malformed body, number or query */

/* Checks a request path (NUL-terminated, without its query): '/' and then
 * segments of letters, digits and "-._~" only (so no percent-encoding and no
 * NUL), none of them "." or "..", none empty except the last ("/a/" is
 * well-formed, "//a" and "/a//b" are not). Returns 0 or REQUEST_ERR_SYNTAX. */
int request_check_path(const char *path);

/* Checks one request header: the name a non-empty HTTP token (RFC 9110
 * tchar: letters, digits and !#$%&'*+-.^_`|~, so no space before the colon
 * and no control character), the value free of control characters other
 * than tab. Returns 0 or REQUEST_ERR_SYNTAX. */
int request_check_header(const char *name, const char *value);

/* A request head that logd answers without evhttp (logd/conn.h): the
 * head of a plain "GET /path HTTP/1.1" or "GET /path?query HTTP/1.1" with
 * nothing in it that could change the answer or the connection's framing. */
#define REQUEST_GET_TARGET_MAX 255 /* longer targets are evhttp's to answer */
#define REQUEST_GET_HEAD_MAX 4096
#define REQUEST_GET_OK 0
#define REQUEST_GET_MORE 1  /* not complete yet: wait for more bytes */
#define REQUEST_GET_OTHER 2 /* anything else: evhttp's to answer */

struct request_get {
    size_t head_len;   /* bytes of the head, through its blank line */
    size_t target_len; /* of the request target: path, and '?' query */
    char path[REQUEST_GET_TARGET_MAX + 1]; /* NUL-terminated */
    size_t path_len;
    /* The query after the '?', NUL-terminated; query_len 0: the target
     * has none (an empty one is not taken). */
    char query[REQUEST_GET_TARGET_MAX + 1];
    size_t query_len;
};

/* Reads the request head at the start of buf[0..len): REQUEST_GET_OK, with
 * *out set, when it is whole and is "GET " TARGET " HTTP/1.1" CRLF, then
 * header lines "Name: value" CRLF each and an empty line CRLF, where TARGET
 * is at most REQUEST_GET_TARGET_MAX bytes: a PATH that passes
 * request_check_path(), then optionally '?' and a QUERY of one or more
 * letters, digits and "-._~=&" (so no percent-encoding, '+' or fragment:
 * bytes that evhttp hands on as they are); every header passes
 * request_check_header(), and its names are only Host, User-Agent, Accept,
 * Accept-Encoding, Accept-Language, or Connection with the value
 * keep-alive: so no body, no Expect, no Connection: close, no conditional.
 * REQUEST_GET_MORE when buf is a prefix of such a head (no more than
 * REQUEST_GET_HEAD_MAX bytes); REQUEST_GET_OTHER for anything else (a bare
 * LF, a NUL byte, another method, version or header, an empty query, a
 * longer head). Bytes after the head (a pipelined request) are not looked
 * at. Pure. */
int request_parse_get(const char *buf, size_t len, struct request_get *out);

#endif
