/*
 * http_reply.h: how logd's HTTP handlers answer: one request being
 * answered, and the encoders of its answer (every error a JSON object
 * {"error": "...", "position": N}, docs/api.md). Each reply sends the
 * answer and records the request's route, status and latency in the
 * metrics. Runs on the worker that owns the connection.
 */
#ifndef CREDLOG_LOGD_HTTP_REPLY_H
#define CREDLOG_LOGD_HTTP_REPLY_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include <event2/http.h>
#include <jansson.h>

#include "logd/http_server.h"
#include "logd/metrics.h"

/* One request being answered, through evhttp or by logd's own responder
 * (the fast path, logd/conn.h).
 *
 * Through the fast path (fast is set, req is NULL), the request is a plain
 * GET without conditionals (request_parse_get()), and only a 200 answer
 * with a body is taken: it is written into *fast, a head byte for byte
 * what evhttp would send for it and the body, and recorded in the metrics
 * as evhttp's would be. Any other answer (an error, a 304) is dropped
 * without a trace (no metrics, no log line), and the request then goes to
 * evhttp, which runs the handler again: so a handler reaches the request
 * and its answer only through the functions below, and does nothing
 * before its reply that must not happen twice. */
struct http_ctx {
    struct http_worker *w;
    struct evhttp_request *req; /* evhttp's request, or NULL */
    struct conn_answer *fast;   /* the fast path's answer, or NULL */
    enum metrics_route route;
    struct timespec start; /* CLOCK_MONOTONIC */
    const char *path;      /* the request's path, without its query */
    /* The Cache-Control of a 200 or 304 answer, and of one that is a
     * partial tile: the route table's (logd/http_route.c, docs/api.md
     * "Caching"); the handler picks. NULL: "no-store". */
    const char *cache, *cache_partial;
    /* Whether the answer carries "Access-Control-Allow-Origin: *": the
     * route table's, set once the method is one the route serves. */
    bool cors;
    /* The fast path's head so far, in w->head: the status line and the
     * headers the handler added (fast_cut: they did not fit). */
    size_t fast_len;
    bool fast_cut;
};

/* Makes c the context of a request for path (borrowed; it must outlive c)
 * that evhttp hands over as req, or that the fast path answers into *fast
 * (then req is NULL), on worker w; its clock starts now. */
void http_reply_begin(struct http_ctx *c, struct http_worker *w,
                      struct evhttp_request *req, struct conn_answer *fast,
                      const char *path);

/* Whether the fast path's c holds an answer to send (*c->fast is set). */
bool http_reply_fast_ready(const struct http_ctx *c);

/* Adds the header name: value to the answer, before the headers the reply
 * adds itself. Both are copied. */
void http_reply_header(struct http_ctx *c, const char *name, const char *value);

/* Adds "ETag: etag" to the answer and returns whether the request's
 * If-None-Match names it, so that the answer is a 304 (never through the
 * fast path, whose requests carry none). */
bool http_reply_etag(struct http_ctx *c, const char *etag);

/* Sends the output buffer of c->req with status and Content-Type type (a
 * HEAD gets the headers only). Cache-Control is c->cache for a 200 or 304
 * answer, "no-store" for any other (an error, a tile not there yet, must
 * not outlive its cause in a cache); with c->cors, any answer carries
 * "Access-Control-Allow-Origin: *". Through the fast path: a 304 only (the
 * body is in evhttp's output buffer), so nothing is taken. */
void http_reply(struct http_ctx *c, int status, const char *type);

/* Sends a 200 whose body is the tile cache's b (logd/tilecache.h), which
 * lasts until the cache is freed: by reference, or as a file segment that
 * goes to the socket with sendfile (only for a plain socket). Returns false,
 * having sent nothing, if evhttp's buffer cannot take it (out of memory). */
bool http_reply_cached(struct http_ctx *c, const char *type,
                       const struct tile_cache_body *b);

/* Sends data[0..len) (copied) as the body. Through the fast path the copy
 * is the worker's (http_worker.body), which lasts until its next answer. */
void http_reply_bytes(struct http_ctx *c, int status, const char *type,
                      const void *data, size_t len);

/* Sends j as compact JSON and a newline; takes the reference j. */
void http_reply_json(struct http_ctx *c, int status, json_t *j);

/* Sends {"error": message} (with "position" when position is not NULL).
 * Bytes of message that are not UTF-8 are sent as '?'. */
void http_reply_error(struct http_ctx *c, int status, const char *message,
                      const size_t *position);

/* Answers a logd/query.h result err: on success j (taken), or the worker's
 * JSON text when j is NULL; else the matching error (404, 400, 503, 500). */
void http_reply_query(struct http_ctx *c, int err, json_t *j);

/* Begins the worker's read transaction; on failure answers 500 (logged)
 * and returns false. */
bool http_reply_read_begin(struct http_ctx *c);

#endif
