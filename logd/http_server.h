/*
 * http_server.h: the state logd's HTTP modules share (internal to them).
 *
 * logd/http.c runs the workers (one thread, event_base, evhttp, listening
 * socket and LMDB reader each); logd/http_route.c routes a request and
 * answers reads; logd/http_submit.c carries a submission through the
 * verifier pool and the sequencer and answers it later, on the worker that
 * owns its connection; logd/http_reply.c encodes answers.
 */
#ifndef CREDLOG_LOGD_HTTP_SERVER_H
#define CREDLOG_LOGD_HTTP_SERVER_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <event2/event.h>
#include <event2/http.h>

#include "logd/conn.h"
#include "logd/http.h"
#include "logd/query.h"
#include "logd/tilecache.h"
#include "logd/vpool.h"

struct http_pending;

/* One worker thread. Its own fields are touched by its thread only, except
 * those mu guards. */
struct http_worker {
    struct http_server *srv;
    pthread_t thread;
    bool running;
    struct event_base *base;
    struct evhttp *http;
    struct evhttp_bound_socket *bound;
    struct event *wake; /* delivers done_head and stops, on the worker */
    struct store_txn *reader;
    struct conn_set *conns;
    uint8_t *scratch;                 /* QUERY_TILE_MAX bytes for tile bodies */
    struct query_text text;           /* JSON answers, reused */
    struct query_status_cache status; /* what status proofs share */
    unsigned index;                   /* in srv->workers */
    struct query_status_cache qstatus; /* the same on the quorum view */
    uint64_t qgen;                     /* the publication qstatus holds */
    char date[40];   /* evhttp's Date header of the second date_at */
    time_t date_at;  /* (logd/http_reply.c) */
    char head[1024]; /* the head of the fast path's latest answer */
    char *body;      /* a body it copied (logd/http_reply.c), or NULL */
    size_t body_cap;

    pthread_mutex_t mu; /* guards what follows */
    struct http_pending *done_head, *done_tail;
    bool stop_accepting, quit;
};

struct http_server {
    struct store *store;
    struct seq *seq;
    struct metrics *metrics;
    struct conn_pool *conns;
    struct tile_cache *tiles; /* full tiles sent from a file; NULL with TLS */
    struct vpool *vpool;      /* signature checks; NULL: on the HTTP thread */
    struct quorum *quorum;    /* with a witness policy, else NULL */
    size_t max_url, max_entries;
    bool metrics_elsewhere;     /* --metrics-listen: no /metrics here */
    bool web, dev;              /* the page (logd/web.h); a --dev log */
    const char *witness_policy; /* its text (borrowed from the config), or
                                   NULL: GET /v1/witness-policy is 404 */
    size_t witness_policy_len;
    const char *replica_of; /* a replica's primary (borrowed), or NULL */
    unsigned port;
    char address[300];
    unsigned nworkers;
    struct http_worker *workers;
};

/* Queues p for http_submit_deliver() on the worker that owns its connection
 * (p->ctx.w), from any thread. */
void http_hand_back(struct http_pending *p);

#endif
