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

/* One request being answered. */
struct http_ctx {
    struct http_worker *w;
    struct evhttp_request *req;
    enum metrics_route route;
    struct timespec start; /* CLOCK_MONOTONIC */
    /* The Cache-Control of a 200 or 304 answer, and of one that is a
     * partial tile: the route table's (logd/http_route.c, docs/api.md
     * "Caching"); the handler picks. NULL: "no-store". */
    const char *cache, *cache_partial;
    /* Whether the answer carries "Access-Control-Allow-Origin: *": the
     * route table's, set once the method is one the route serves. */
    bool cors;
};

/* Sends the output buffer of c->req with status and Content-Type type (a
 * HEAD gets the headers only). Cache-Control is c->cache for a 200 or 304
 * answer, "no-store" for any other (an error, a tile not there yet, must
 * not outlive its cause in a cache); with c->cors, any answer carries
 * "Access-Control-Allow-Origin: *". */
void http_reply(struct http_ctx *c, int status, const char *type);

/* Writes into buf (cap bytes) the head of a 200 answer to a GET with a body
 * of body_len bytes, byte for byte what a handler, http_reply() and evhttp
 * send for it: the status line, the headers extra (name, value, ...,
 * NULL; may be NULL) a handler adds itself before replying, the headers of
 * http_reply() (Content-Type type, Cache-Control from c->cache, CORS with
 * c->cors), then Date and Content-Length as evhttp adds them, and the empty
 * line; and records the request in the metrics as a reply does. For logd's
 * own responder (logd/conn.h's fast path). Returns the head's length, or 0
 * if it does not fit (nothing recorded then). */
size_t http_reply_head(struct http_ctx *c, const char *type,
                       const char *const *extra, size_t body_len, char *buf,
                       size_t cap);

/* Sends data[0..len) (copied) as the body. */
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

/* Begins the worker's read transaction; on failure answers 500 and returns
 * false. */
bool http_reply_read_begin(struct http_ctx *c);

#endif
