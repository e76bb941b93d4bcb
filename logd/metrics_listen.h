/*
 * metrics_listen.h: the separate listener for GET /metrics (logd
 * --metrics-listen ADDR:PORT, docs/operations.md). When it is given, the
 * public listener answers /metrics with 404 and the metrics are served only
 * here, so they can be kept on loopback or a management network.
 *
 * It runs one evhttp on the caller's event loop, serving GET and HEAD
 * /metrics (and nothing else: 404, or 405 for another method, in JSON),
 * plain HTTP, guarded by logd/conn.h like the public listener (a few
 * connections, short deadlines, JSON errors).
 */
#ifndef CREDLOG_LOGD_METRICS_LISTEN_H
#define CREDLOG_LOGD_METRICS_LISTEN_H

#include <stddef.h>

#include <event2/event.h>

#include "logd/metrics.h"

struct metrics_listen;

/* Binds spec ("HOST:PORT", "[V6]:PORT"; port 0 picks a free one) and serves
 * metrics on base's loop. metrics is borrowed and must outlive the
 * listener. On success *out owns the listener; on failure writes the reason
 * into errbuf and returns -1. */
int metrics_listen_start(struct event_base *base, const char *spec,
                         struct metrics *metrics, struct metrics_listen **out,
                         char *errbuf, size_t errcap);

/* The address actually bound, "HOST:PORT" (a string owned by ml). */
const char *metrics_listen_address(const struct metrics_listen *ml);

/* Closes the listener and its connections. Call from base's thread with its
 * loop stopped, before event_base_free(). Accepts NULL. */
void metrics_listen_free(struct metrics_listen *ml);

#endif
