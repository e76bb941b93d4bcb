/*
 * http_route.h: logd's routes (docs/api.md). Before routing, every request
 * must pass the checks a proxy in front of logd relies on (connection
 * limits, one unambiguous framing, well-formed header names and values, a
 * bounded and well-formed target): anything else is answered 4xx/5xx in
 * JSON, and the connection closed where the framing is in doubt.
 */
#ifndef CREDLOG_LOGD_HTTP_ROUTE_H
#define CREDLOG_LOGD_HTTP_ROUTE_H

#include <stdbool.h>
#include <stddef.h>

#include <event2/http.h>

#include "logd/conn.h"

/* evhttp's callback for every request of a worker (arg: the struct
 * http_worker). Answers it now, or (a submission) hands it on. */
void http_route_request(struct evhttp_request *req, void *arg);

/* The fast path's function (conn_fast_fn, logd/conn.h; arg: the struct
 * http_worker): routes the simple GET get as evhttp's requests are routed,
 * through the same handlers, and takes its answer if it is a 200 with a
 * body (logd/http_reply.h): byte for byte what evhttp would send. Returns
 * false for anything else (an error, a path no route serves, /metrics),
 * which evhttp then routes. */
bool http_route_fast(void *arg, const struct request_get *get,
                     struct conn_answer *a);

#endif
