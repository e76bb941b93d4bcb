/*
 * http.h: logd's HTTP API (docs/api.md) over libevent's evhttp.
 *
 * N worker threads (logd/http.c), each with its own event_base, evhttp and
 * listening socket bound to the same address with SO_REUSEPORT (the kernel
 * spreads connections), and its own LMDB reader. Handlers
 * (logd/http_route.c) decode, make one call (logd/query.h for reads), and
 * encode. A submission (logd/http_submit.c) is parsed on the worker, its
 * signatures are checked on the verifier pool (logd/vpool.h, one thread per
 * worker), and the sequencer answers through a per-worker queue: the reply
 * is sent on the worker that owns the connection. logd/conn.h guards the
 * connections (limits, request deadlines, TLS). evthread_use_pthreads()
 * must have been called first.
 */
#ifndef CREDLOG_LOGD_HTTP_H
#define CREDLOG_LOGD_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include <openssl/ssl.h>

#include "logd/metrics.h"
#include "logd/quorum.h"
#include "logd/seq.h"
#include "logd/store.h"
#include "proofs/errors.h"

/* In HTTP_ERR_BASE's block (proofs/errors.h). */
#define HTTP_ERR_CONFIG (-2601) /* bad --listen or --threads */
#define HTTP_ERR_LISTEN (-2602) /* the address cannot be bound */
#define HTTP_ERR_NOMEM (-2603)
#define HTTP_ERR_STORE (-2604)  /* no LMDB reader for a worker */
#define HTTP_ERR_THREAD (-2605) /* a worker thread cannot start */

struct http_config {
    const char
        *listen; /* "HOST:PORT" ("[::1]:PORT" for IPv6); port 0 picks one */
    unsigned threads;         /* worker threads, >= 1 */
    size_t max_body;          /* request body limit (413 beyond) */
    size_t max_headers;       /* request line + headers limit (400 beyond) */
    size_t max_url;           /* request target limit (414 beyond) */
    size_t max_entries;       /* submissions per POST /v1/entries, 1..1000 */
    unsigned max_connections; /* open connections (503 and close beyond) */
    int timeout_s;            /* read/write inactivity timeout per connection */
    int request_timeout_s;    /* a whole request must arrive within this */
    unsigned max_per_ip;      /* open connections per address (IPv6: /64) */
    int first_byte_timeout_s; /* a new connection's first byte within this */
    bool metrics_elsewhere;   /* /metrics is served on its own listener */
    SSL_CTX *tls;          /* serve HTTPS with this context, or NULL (the server
                              takes its own reference) */
    struct quorum *quorum; /* with a witness policy: GET /checkpoint and
                              status proofs answer from it (logd/quorum.h;
                              it must outlive the server), else NULL */
    bool web;              /* serve the verification page at / (logd/web.h) */
    bool dev;              /* a --dev log: the page labels it a test log */
    const char *witness_policy; /* the --witness-policy file's text, served
                                   at GET /v1/witness-policy (it must
                                   outlive the server), or NULL */
    size_t witness_policy_len;
    const char *replica_of; /* a replica's primary URL (logd/replica.h):
                               POST /v1/entries answers 421 naming it; seq
                               is then NULL. NULL for a primary. */
};

struct http_server;

/* Returns a static string describing an HTTP_ERR_* code. */
const char *http_strerror(int err);

/* Binds every worker's socket and starts the workers. Returns 0, or an
 * HTTP_ERR_* code with the reason written into errbuf. store, seq (NULL for
 * a replica) and metrics must outlive the server. */
int http_start(const struct http_config *cfg, struct store *store,
               struct seq *seq, struct metrics *metrics,
               struct http_server **out, char *errbuf, size_t errcap);

/* The address actually bound, "HOST:PORT" (a string owned by srv). */
const char *http_address(const struct http_server *srv);

/* The port actually bound. */
unsigned http_port(const struct http_server *srv);

/* Serves HTTPS connections accepted from now on with tls (a renewed
 * certificate); the server takes its own reference. Only for a server
 * started with a TLS context. Thread-safe. */
void http_set_tls(struct http_server *srv, SSL_CTX *tls);

/* Asks every worker to close its listening socket (asynchronous). Open
 * connections are still served. */
void http_stop_accepting(struct http_server *srv);

/* Delivers every reply already handed back by the sequencer, lets the
 * workers flush for a moment, closes every connection, joins the workers and
 * frees srv. Call after seq_stop(). Accepts NULL. */
void http_stop(struct http_server *srv);

#endif
