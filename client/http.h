/*
 * http.h: a small blocking HTTP/1.1 client for talking to one logd, over
 * libevent's evhttp and, for https:// URLs, OpenSSL (TLS 1.2+, peer and host
 * name verified against the system trust store or a given CA file).
 *
 * A handle talks to one base URL ("http://127.0.0.1:8080" or
 * "https://log.example.org/prefix"); request paths are appended to the base
 * URL's path. Plain HTTP keeps one keep-alive connection; HTTPS opens a fresh
 * TLS connection per request. A handle is not thread-safe: use one per thread.
 * Programs using it should ignore SIGPIPE.
 */
#ifndef CREDLOG_CLIENT_HTTP_H
#define CREDLOG_CLIENT_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "proofs/errors.h"

#define CLIENT_HTTP_ERR_URL (-4101)     /* not http(s)://host[:port][/path] */
#define CLIENT_HTTP_ERR_CONNECT (-4102) /* could not connect, or lost it */
#define CLIENT_HTTP_ERR_TLS (-4103)     /* TLS set-up or certificate check */
#define CLIENT_HTTP_ERR_TIMEOUT (-4104) /* no answer in time */
#define CLIENT_HTTP_ERR_NOMEM (-4105)   /* allocation failed */
#define CLIENT_HTTP_ERR_TOO_BIG (-4106) /* answer larger than max_body */

struct client_http;

struct client_http_options {
    const char *cacert;  /* PEM CA file for https, or NULL: system store */
    int timeout_seconds; /* per request; 0 means 30 */
    size_t max_body;     /* largest answer accepted; 0 means 64 MiB */
};

/* An answer. body is NUL-terminated (not counted in body_len) and owned by
 * the response: free it with client_http_response_free(). */
struct client_http_response {
    int status;
    char *body;
    size_t body_len;
    char content_type[128];
    char cache_control[128];
};

/* Returns a static string describing a CLIENT_HTTP_ERR_* code. */
const char *client_http_strerror(int err);

/* Creates a handle for base_url. opt may be NULL. On success *out owns the
 * handle (free with client_http_close()). Returns 0, CLIENT_HTTP_ERR_URL,
 * CLIENT_HTTP_ERR_TLS (CA file unreadable) or CLIENT_HTTP_ERR_NOMEM. */
int client_http_open(const char *base_url,
                     const struct client_http_options *opt,
                     struct client_http **out);

/* Frees a handle and closes its connection. Accepts NULL. */
void client_http_close(struct client_http *h);

/* Sends method (e.g. "GET", "POST") to base path || path (path starts with
 * '/', may carry a query) with an optional body and waits for the answer.
 * Any HTTP status is a success for this call: check resp->status. Returns 0
 * or a CLIENT_HTTP_ERR_* code; on error resp holds nothing to free and
 * client_http_last_error() says more. */
int client_http_request(struct client_http *h, const char *method,
                        const char *path, const char *content_type,
                        const void *body, size_t body_len,
                        struct client_http_response *resp);

/* Shorthand for a GET. */
int client_http_get(struct client_http *h, const char *path,
                    struct client_http_response *resp);

/* A human-readable description of the last failure on h (valid until the
 * next call on h). */
const char *client_http_last_error(const struct client_http *h);

/* Frees the body of a response. Accepts NULL and empty responses. */
void client_http_response_free(struct client_http_response *resp);

#endif
