/*
 * http_route.h: logd's routes (docs/api.md). Before routing, every request
 * must pass the checks a proxy in front of logd relies on (connection
 * limits, one unambiguous framing, well-formed header names and values, a
 * bounded and well-formed target): anything else is answered 4xx/5xx in
 * JSON, and the connection closed where the framing is in doubt.
 */
#ifndef CREDLOG_LOGD_HTTP_ROUTE_H
#define CREDLOG_LOGD_HTTP_ROUTE_H

#include <event2/http.h>

/* evhttp's callback for every request of a worker (arg: the struct
 * http_worker). Answers it now, or (a submission) hands it on. */
void http_route_request(struct evhttp_request *req, void *arg);

#endif
