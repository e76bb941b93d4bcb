/*
 * conn.h: logd's guard on its HTTP connections, between the listening
 * socket and evhttp (libevent 2.1 offers no hooks for this, so it works
 * through evhttp_set_bevcb(): it makes every connection's bufferevent).
 *
 *  - It counts open connections across all workers. A connection accepted
 *    beyond max_connections, or beyond max_per_ip from one address (IPv6:
 *    from one /64; logd/peers.h), is answered 503 ({"error": ...}, plain
 *    HTTP) and closed at once, so the connections already open are never
 *    starved and one host cannot take every slot.
 *  - Deadlines: a new connection must send its first byte within
 *    first_byte_timeout seconds (for TLS: finish its handshake and send its
 *    first byte), or it is closed silently. From the moment a connection is
 *    accepted, and again from the moment each answer has been handed to the
 *    socket, the next request (line, headers and body; for TLS also the
 *    handshake) must arrive whole within request_timeout seconds, however
 *    slowly its bytes trickle in, or the connection is answered 408 (plain
 *    HTTP) and closed. This is what stops a slowloris: libevent's own
 *    timeouts restart with every byte. An idle keep-alive connection is
 *    closed the same way.
 *  - Bounded input: while a request is being read, at most max_headers +
 *    max_body bytes wait in a connection's input buffer; while its answer is
 *    pending (with the router, or not yet handed to the socket), at most
 *    max_headers: a client that pipelines requests and never reads the
 *    answers is simply not read any further (evhttp itself would buffer
 *    without bound).
 *  - Request smuggling: every request head is inspected as its raw bytes
 *    arrive, before evhttp parses it, and a folded header line (obs-fold,
 *    which evhttp would silently join to the previous one) or a NUL byte
 *    marks the connection malformed. conn_request() also refuses framing a
 *    proxy in front may read differently: a Transfer-Encoding other than
 *    exactly "chunked", a Content-Length that is not plain digits, and a
 *    body (Content-Length other than 0, or any Transfer-Encoding) on HEAD or
 *    TRACE, whose body evhttp would run as the next request.
 *  - evhttp answers requests it cannot parse (bad request line or header,
 *    head or body too large) with an HTML page; those answers are rewritten
 *    as {"error": ...} JSON before they reach the socket, also when they
 *    follow pipelined answers.
 *  - With a TLS context, every connection is a TLS server connection
 *    (libevent's OpenSSL bufferevent).
 *  - The fast path (conn_set_fast()): on a plain connection with nothing
 *    pending, a request head that request_parse_get() takes for a simple
 *    GET is offered to the set's fast function as its bytes arrive; if
 *    that answers it, the guard writes the answer's head and body to the
 *    socket at once (one sendmsg, or a send and a sendfile for a body in a
 *    file) and takes the request out of the input, so evhttp never sees it.
 *    Anything else, and every request the function declines, goes to
 *    evhttp as before. What is left when the socket will not take the
 *    whole answer is queued in the bufferevent, and evhttp gets the
 *    connection back once it has gone out. Deadlines, limits and the
 *    smuggling checks apply alike.
 *
 * A conn_pool is shared by the workers (its counter is atomic); a conn_set
 * belongs to one worker and is used only on that worker's event loop.
 */
#ifndef CREDLOG_LOGD_CONN_H
#define CREDLOG_LOGD_CONN_H

#include <stdbool.h>

#include <event2/event.h>
#include <event2/http.h>
#include <openssl/ssl.h>

#include "logd/metrics.h"
#include "logd/request_head.h"

struct conn_config {
    unsigned max_connections; /* open connections at once, >= 1 */
    unsigned max_per_ip;   /* open connections from one address (IPv6: /64) */
    int request_timeout_s; /* a request must arrive whole within this, >= 1 */
    int first_byte_timeout_s; /* a new connection's first byte, >= 1 */
    size_t max_headers;       /* evhttp's limit on a request line and headers */
    size_t max_body;          /* evhttp's limit on a request body */
    SSL_CTX *tls;             /* serve TLS with this context, or NULL */
};

struct conn_pool;
struct conn_set;

/* Makes the shared state. cfg is copied and the pool takes its own
 * reference on cfg->tls (the caller may free its own); metrics (may be NULL)
 * is borrowed and must outlive the pool. Returns NULL when out of memory. */
struct conn_pool *conn_pool_new(const struct conn_config *cfg,
                                struct metrics *metrics);

/* Serves connections accepted from now on with tls instead (a certificate
 * renewed). The pool takes its own reference; connections already open
 * keep the context they started with. Any thread; only for a pool made with
 * a TLS context. */
void conn_pool_set_tls(struct conn_pool *pool, SSL_CTX *tls);

/* Frees a pool whose sets are all freed. Accepts NULL. */
void conn_pool_free(struct conn_pool *pool);

/* The number of connections open right now, all workers together. */
unsigned conn_pool_open(const struct conn_pool *pool);

/* Makes a worker's set and installs it on http (evhttp_set_bevcb), whose
 * event loop is base. Returns NULL when out of memory. */
struct conn_set *conn_set_new(struct conn_pool *pool, struct event_base *base,
                              struct evhttp *http);

/* An answer of the fast path: a head and a body, in memory or a file. */
struct conn_answer {
    const char *head; /* the status line and headers, through the CRLF CRLF */
    size_t head_len;
    const void *body; /* body_len bytes in memory, or NULL: in file */
    size_t body_len;
    bool body_lasting; /* body stays valid while the connection lives (else
                          copied if it cannot all be sent at once) */
    int file;          /* the body's file, at offset (when body is NULL) */
    uint64_t offset;
    struct evbuffer_file_segment *seg; /* that region, lasting as well */
};

/* Answers the simple GET get (request_parse_get()) into *a and returns
 * true, or returns false to leave the request to evhttp. What *a points to
 * must stay valid until the next call on the same worker (head, and body
 * unless body_lasting) or while the connection lives (body_lasting, seg). */
typedef bool (*conn_fast_fn)(void *arg, const struct request_get *get,
                             struct conn_answer *a);

/* Installs fn (with arg) as set's fast path; NULL removes it. On the
 * worker's thread, before its loop runs. */
void conn_set_fast(struct conn_set *set, conn_fast_fn fn, void *arg);

/* Results of conn_request(). */
#define CONN_OK 0
#define CONN_REFUSE 1    /* over a connection limit: answer 503 and close */
#define CONN_MALFORMED 2 /* malformed or ambiguous: answer 400 and close */

/* Tells the guard that req, complete, has reached the router: its
 * connection's deadline stops, and its input is capped at max_headers,
 * until the answer has been handed to the socket. Returns CONN_OK,
 * CONN_REFUSE for a connection accepted beyond max_connections or
 * max_per_ip (answer 503 with "Connection: close"), or CONN_MALFORMED when
 * the connection carried a NUL byte or a folded header line, or req's
 * framing is ambiguous (see above; answer 400 with "Connection: close"). */
int conn_request(struct conn_set *set, struct evhttp_request *req);

/* Closes req's connection as soon as its answer has been handed to the
 * socket, whatever evhttp would do (it keeps a CONNECT's connection open
 * even after "Connection: close"). */
void conn_close_after(struct conn_set *set, struct evhttp_request *req);

/* Frees a set. Call after the worker's loop has stopped and before
 * evhttp_free() (which closes the connections and calls back into the set),
 * then conn_set_free() after it. Accepts NULL. */
void conn_set_release(struct conn_set *set);
void conn_set_free(struct conn_set *set);

#endif
