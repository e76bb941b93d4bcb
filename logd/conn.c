/*
 * conn.c: see conn.h.
 *
 * How a connection is followed with libevent 2.1's public API only:
 *  1. evhttp accepts a socket and asks conn_bevcb() for its bufferevent. The
 *     guard makes it (plain or TLS), counts the connection, starts its
 *     deadline, watches its input and output evbuffers, and takes a
 *     reference on it.
 *  2. evhttp then adopts the bufferevent, sets its own callbacks on it (whose
 *     argument is the evhttp_connection) and hands it the socket. A moment
 *     later, from the event loop, conn_setup() reads that evhttp_connection
 *     back, installs conn_closed() as its close callback and drops the
 *     reference. (If evhttp already freed the connection, which the
 *     reference makes safe to see, the guard forgets it then.)
 *  3. evhttp calls conn_closed() however the connection ends, before it
 *     frees the bufferevent: the guard unhooks everything and forgets it.
 * While the reference is held the socket stays open (BEV_OPT_CLOSE_ON_FREE
 * closes it only when the last reference goes), so no stale state can ever
 * meet a reused descriptor number.
 */
#include "logd/conn.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event_struct.h>

struct conn_pool {
    struct conn_config cfg; /* cfg.tls: the pool's own reference */
    struct metrics *metrics;
    atomic_uint open;
    pthread_mutex_t tls_mu; /* guards cfg.tls against a reload */
};

#define CONN_BUCKETS 1024 /* power of two */

struct conn;

struct conn_set {
    struct conn_pool *pool;
    struct event_base *base;
    struct evhttp *http;
    struct conn *all;                  /* every connection of this worker */
    struct conn *bucket[CONN_BUCKETS]; /* by bufferevent */
};

struct conn {
    struct conn_set *set;
    struct bufferevent *bev;
    struct evhttp_connection *evcon; /* once set up */
    struct evbuffer_cb_entry *in_cb, *out_cb;
    struct event setup, deadline, fixup;
    struct conn *prev, *next; /* set->all */
    struct conn *hnext;       /* set->bucket */
    bool ref;                 /* holds a bufferevent reference (until set up) */
    bool over;                /* accepted beyond max_connections */
    bool dispatched; /* a request is with the router, its answer not yet sent */
    bool partial;    /* bytes of a request arrived since the last dispatch */
    bool nul;        /* a NUL byte arrived: no request of logd's has one */
    bool close_after; /* close once the answer is sent */
    bool answered;    /* at least one answer was sent */
    bool tls;
};

struct conn_pool *conn_pool_new(const struct conn_config *cfg,
                                struct metrics *metrics)
{
    struct conn_pool *pool = calloc(1, sizeof *pool);

    if (pool == NULL)
        return NULL;
    pool->cfg = *cfg;
    pool->metrics = metrics;
    atomic_init(&pool->open, 0);
    pthread_mutex_init(&pool->tls_mu, NULL);
    if (pool->cfg.tls != NULL)
        SSL_CTX_up_ref(pool->cfg.tls);
    return pool;
}

void conn_pool_free(struct conn_pool *pool)
{
    if (pool == NULL)
        return;
    SSL_CTX_free(pool->cfg.tls);
    pthread_mutex_destroy(&pool->tls_mu);
    free(pool);
}

void conn_pool_set_tls(struct conn_pool *pool, SSL_CTX *tls)
{
    SSL_CTX *old;

    SSL_CTX_up_ref(tls);
    pthread_mutex_lock(&pool->tls_mu);
    old = pool->cfg.tls;
    pool->cfg.tls = tls;
    pthread_mutex_unlock(&pool->tls_mu);
    SSL_CTX_free(old); /* connections made with it hold their own references */
}

unsigned conn_pool_open(const struct conn_pool *pool)
{
    return atomic_load(&((struct conn_pool *)pool)->open);
}

/* ---- the set's index, by bufferevent ---- */

static size_t bucket_of(const struct bufferevent *bev)
{
    uint64_t x = (uint64_t)(uintptr_t)bev;

    return (size_t)((x >> 4) * 0x9E3779B97F4A7C15ULL >> 54) &
           (CONN_BUCKETS - 1);
}

static struct conn *lookup(struct conn_set *set, const struct bufferevent *bev)
{
    struct conn *c = set->bucket[bucket_of(bev)];

    while (c != NULL && c->bev != bev)
        c = c->hnext;
    return c;
}

static void link_conn(struct conn *c)
{
    struct conn_set *set = c->set;
    size_t b = bucket_of(c->bev);

    c->hnext = set->bucket[b];
    set->bucket[b] = c;
    c->next = set->all;
    if (set->all != NULL)
        set->all->prev = c;
    set->all = c;
}

static void unlink_conn(struct conn *c)
{
    struct conn_set *set = c->set;
    struct conn **p = &set->bucket[bucket_of(c->bev)];

    while (*p != NULL && *p != c)
        p = &(*p)->hnext;
    if (*p == c)
        *p = c->hnext;
    if (c->prev != NULL)
        c->prev->next = c->next;
    else
        set->all = c->next;
    if (c->next != NULL)
        c->next->prev = c->prev;
}

/* ---- life and death of a connection ---- */

/* Forgets c: unhooks it from its bufferevent and frees it. */
static void forget(struct conn *c)
{
    struct conn_pool *pool = c->set->pool;

    evbuffer_remove_cb_entry(bufferevent_get_input(c->bev), c->in_cb);
    evbuffer_remove_cb_entry(bufferevent_get_output(c->bev), c->out_cb);
    event_del(&c->setup);
    event_del(&c->deadline);
    event_del(&c->fixup);
    unlink_conn(c);
    atomic_fetch_sub(&pool->open, 1);
    metrics_connection(pool->metrics, METRICS_CONN_CLOSED);
    if (c->ref)
        bufferevent_decref(c->bev);
    free(c);
}

static void conn_closed(struct evhttp_connection *evcon, void *arg)
{
    (void)evcon;
    forget(arg);
}

static void arm(struct conn *c)
{
    struct timeval tv = {c->set->pool->cfg.request_timeout_s, 0};

    event_add(&c->deadline, &tv);
}

/* Writes a last answer, {"error": message}, straight to a plain socket
 * whose output is empty (TLS connections are just closed; so are all when
 * status_line is NULL), then closes the connection. Only for connections
 * whose request is not with the router. status_line is "NNN Reason"; extra
 * is more header lines (or ""). */
static void answer_and_close(struct conn *c, const char *status_line,
                             const char *extra, const char *message)
{
    struct evhttp_connection *evcon = c->evcon;
    evutil_socket_t fd = bufferevent_getfd(c->bev);
    char body[128], answer[512];
    int blen, len;

    if (status_line != NULL && !c->tls && fd >= 0 &&
        evbuffer_get_length(bufferevent_get_output(c->bev)) == 0) {
        blen = snprintf(body, sizeof body, "{\"error\":\"%s\"}\n", message);
        len = snprintf(answer, sizeof answer,
                       "HTTP/1.1 %s\r\nContent-Type: application/json\r\n"
                       "Content-Length: %d\r\n%sConnection: close\r\n\r\n%s",
                       status_line, blen, extra, body);
        if (len > 0 && (size_t)len < sizeof answer)
            (void)send(fd, answer, (size_t)len, MSG_NOSIGNAL | MSG_DONTWAIT);
    }
    evhttp_connection_free(evcon); /* calls conn_closed(): c is gone */
}

static void conn_setup(evutil_socket_t fd, short what, void *arg)
{
    struct conn *c = arg;
    bufferevent_data_cb rcb, wcb;
    bufferevent_event_cb ecb;
    void *cbarg;

    (void)fd;
    (void)what;
    bufferevent_getcb(c->bev, &rcb, &wcb, &ecb, &cbarg);
    if (rcb == NULL && wcb == NULL && ecb == NULL) {
        /* evhttp has already let go of it (bufferevent_free clears the
         * callbacks); ours is the last reference. */
        forget(c);
        return;
    }
    c->evcon = cbarg;
    evhttp_connection_set_closecb(c->evcon, conn_closed, c);
    c->ref = false;
    bufferevent_decref(c->bev);
    if (c->over && !c->dispatched) {
        metrics_connection(c->set->pool->metrics, METRICS_CONN_REFUSED);
        answer_and_close(c, "503 Service Unavailable", "Retry-After: 1\r\n",
                         "too many connections");
    }
}

/* The deadline passed (or a NUL byte came): close the connection, with a
 * 408 (400) if a request had begun; an idle keep-alive connection is closed
 * silently, as a client may send its next request at the same moment and
 * must not read a stray 408 as its answer. Counted as a timeout unless the
 * connection was an idle keep-alive one. */
static void conn_deadline(evutil_socket_t fd, short what, void *arg)
{
    struct conn *c = arg;

    (void)fd;
    (void)what;
    if (c->dispatched || c->evcon == NULL)
        return;
    if (evbuffer_get_length(bufferevent_get_output(c->bev)) > 0)
        return; /* evhttp is answering an error by itself, then closes */
    if (c->nul) {
        answer_and_close(c, "400 Bad Request", "", "malformed HTTP request");
        return;
    }
    if (c->partial || !c->answered)
        metrics_connection(c->set->pool->metrics, METRICS_CONN_TIMED_OUT);
    answer_and_close(c, c->partial ? "408 Request Timeout" : NULL, "",
                     "the request did not arrive in time");
}

/* ---- JSON instead of evhttp's HTML error pages ---- */

/* The JSON message for a status evhttp answered by itself. */
static const char *own_error_message(int status)
{
    switch (status) {
    case 400:
        return "malformed HTTP request";
    case 413:
        return "request head or body too large";
    case 417:
        return "expectation failed";
    case 501:
        return "method not implemented";
    case 503:
        return "service unavailable";
    default:
        return "HTTP error";
    }
}

static bool header_is(const char *line, size_t len, const char *name)
{
    size_t n = strlen(name);

    return len > n && line[n] == ':' &&
           evutil_ascii_strncasecmp(line, name, n) == 0;
}

/* If the output starts with an answer evhttp made by itself (logd never
 * answers text/html), replaces it with the same status, headers and a JSON
 * body. Runs from the event loop right after evhttp queued it, before the
 * socket can be written. */
static void conn_fixup(evutil_socket_t fd, short what, void *arg)
{
    struct conn *c = arg;
    struct evbuffer *out = bufferevent_get_output(c->bev);
    size_t avail = evbuffer_get_length(out), hlen, pos, bodylen;
    char head[1024], body[96], *end, *line;
    bool html = false;
    int status;
    struct evbuffer *fresh;

    (void)fd;
    (void)what;
    if (avail > sizeof head - 1)
        avail = sizeof head - 1;
    if (evbuffer_copyout(out, head, avail) < 0)
        return;
    head[avail] = '\0';
    end = strstr(head, "\r\n\r\n");
    if (strncmp(head, "HTTP/1.", 7) != 0 || end == NULL ||
        sscanf(head + 8, " %3d", &status) != 1)
        return;
    hlen = (size_t)(end - head) + 4;
    fresh = evbuffer_new();
    if (fresh == NULL)
        return;
    line = strstr(head, "\r\n") + 2;
    evbuffer_add(fresh, head, (size_t)(line - head)); /* the status line */
    for (pos = (size_t)(line - head); pos + 2 < hlen;) {
        char *eol = strstr(head + pos, "\r\n");
        size_t len = (size_t)(eol - (head + pos));
        if (header_is(head + pos, len, "Content-Type")) {
            *eol = '\0';
            html |= strstr(head + pos, "text/html") != NULL;
            *eol = '\r';
        } else if (!header_is(head + pos, len, "Content-Length")) {
            evbuffer_add(fresh, head + pos, len + 2);
        }
        pos += len + 2;
    }
    if (!html) {
        evbuffer_free(fresh);
        return;
    }
    bodylen = (size_t)snprintf(body, sizeof body, "{\"error\":\"%s\"}\n",
                               own_error_message(status));
    evbuffer_add_printf(fresh,
                        "Content-Type: application/json\r\n"
                        "Content-Length: %zu\r\n\r\n%s",
                        bodylen, body);
    evbuffer_drain(out, evbuffer_get_length(out));
    evbuffer_add_buffer(out, fresh);
    evbuffer_free(fresh);
    metrics_request(c->set->pool->metrics, ROUTE_OTHER, status, 0);
}

/* ---- watching the connection's bytes ---- */

static void conn_input(struct evbuffer *buf,
                       const struct evbuffer_cb_info *info, void *arg)
{
    struct conn *c = arg;

    if (info->n_added == 0)
        return;
    if (!c->nul) {
        /* No request logd serves holds a NUL byte, but evhttp would let one
         * pass in a header value. */
        size_t len = evbuffer_get_length(buf);
        struct evbuffer_ptr at, found;
        if (evbuffer_ptr_set(buf, &at,
                             info->n_added < len ? len - info->n_added : 0,
                             EVBUFFER_PTR_SET) == 0) {
            found = evbuffer_search(buf, "", 1, &at);
            if (found.pos >= 0) {
                c->nul = true;
                event_active(&c->deadline, EV_TIMEOUT, 1);
            }
        }
    }
    if (c->dispatched)
        return;
    c->partial = true;
    /* The first bytes of a request start its clock, unless it runs
     * already (from the accept or the last answer). */
    if (!evtimer_pending(&c->deadline, NULL))
        arm(c);
}

static void conn_output(struct evbuffer *buf,
                        const struct evbuffer_cb_info *info, void *arg)
{
    struct conn *c = arg;
    char first[16];

    if (info->n_added > 0 && info->orig_size == 0 && !c->dispatched &&
        evbuffer_copyout(buf, first, sizeof first) >= 10 &&
        memcmp(first, "HTTP/1.", 7) == 0 && first[9] >= '4') {
        /* evhttp is answering an error by itself. */
        event_active(&c->fixup, EV_TIMEOUT, 1);
    }
    if (info->n_deleted > 0 && evbuffer_get_length(buf) == 0 && c->dispatched) {
        /* The answer is with the socket: the next request's clock starts
         * (or the connection ends now, when asked to). */
        struct timeval now = {0, 0};
        c->dispatched = false;
        c->answered = true;
        if (c->close_after)
            event_add(&c->deadline, &now);
        else
            arm(c);
    }
}

/* ---- evhttp's side ---- */

static struct bufferevent *conn_bevcb(struct event_base *base, void *arg)
{
    struct conn_set *set = arg;
    struct conn_pool *pool = set->pool;
    struct conn *c = calloc(1, sizeof *c);
    struct bufferevent *bev = NULL;
    unsigned open;

    if (c == NULL)
        return NULL;
    if (pool->cfg.tls != NULL) {
        SSL *ssl;
        pthread_mutex_lock(&pool->tls_mu);
        ssl = SSL_new(pool->cfg.tls);
        pthread_mutex_unlock(&pool->tls_mu);
        if (ssl != NULL) {
            bev = bufferevent_openssl_socket_new(base, -1, ssl,
                                                 BUFFEREVENT_SSL_ACCEPTING,
                                                 BEV_OPT_CLOSE_ON_FREE);
            if (bev == NULL)
                SSL_free(ssl);
        }
        c->tls = true;
    } else {
        bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
    }
    if (bev != NULL) {
        c->in_cb = evbuffer_add_cb(bufferevent_get_input(bev), conn_input, c);
        c->out_cb =
            evbuffer_add_cb(bufferevent_get_output(bev), conn_output, c);
    }
    if (bev == NULL || c->in_cb == NULL || c->out_cb == NULL) {
        /* Out of memory: evhttp makes a plain bufferevent of its own (on a
         * TLS port it then fails the handshake with a 400). */
        if (bev != NULL)
            bufferevent_free(bev);
        free(c);
        return NULL;
    }
    c->set = set;
    c->bev = bev;
    bufferevent_incref(bev);
    c->ref = true;
    event_assign(&c->setup, base, -1, 0, conn_setup, c);
    evtimer_assign(&c->deadline, base, conn_deadline, c);
    event_assign(&c->fixup, base, -1, 0, conn_fixup, c);
    link_conn(c);
    open = atomic_fetch_add(&pool->open, 1) + 1;
    c->over = open > pool->cfg.max_connections;
    metrics_connection(pool->metrics, METRICS_CONN_OPENED);
    arm(c);
    event_active(&c->setup, EV_TIMEOUT, 1);
    return bev;
}

struct conn_set *conn_set_new(struct conn_pool *pool, struct event_base *base,
                              struct evhttp *http)
{
    struct conn_set *set = calloc(1, sizeof *set);

    if (set == NULL)
        return NULL;
    set->pool = pool;
    set->base = base;
    set->http = http;
    evhttp_set_bevcb(http, conn_bevcb, set);
    return set;
}

int conn_request(struct conn_set *set, struct evhttp_request *req)
{
    struct evhttp_connection *evcon = evhttp_request_get_connection(req);
    struct conn *c = evcon != NULL
                         ? lookup(set, evhttp_connection_get_bufferevent(evcon))
                         : NULL;

    if (c == NULL)
        return CONN_OK;
    c->dispatched = true;
    c->partial = false;
    event_del(&c->deadline);
    if (c->over) {
        metrics_connection(set->pool->metrics, METRICS_CONN_REFUSED);
        return CONN_REFUSE;
    }
    return c->nul ? CONN_MALFORMED : CONN_OK;
}

void conn_close_after(struct conn_set *set, struct evhttp_request *req)
{
    struct evhttp_connection *evcon = evhttp_request_get_connection(req);
    struct conn *c = evcon != NULL
                         ? lookup(set, evhttp_connection_get_bufferevent(evcon))
                         : NULL;

    if (c != NULL)
        c->close_after = true;
}

void conn_set_release(struct conn_set *set)
{
    struct conn *c, *next;

    if (set == NULL)
        return;
    /* Finish the set-up of connections accepted just before the loop
     * stopped, so that evhttp_free() reports every one to conn_closed(). */
    for (c = set->all; c != NULL; c = next) {
        next = c->next;
        if (c->ref) {
            event_del(&c->setup);
            conn_setup(-1, 0, c);
        }
    }
}

void conn_set_free(struct conn_set *set)
{
    if (set == NULL)
        return;
    /* evhttp_free() closed every connection it had; anything left was never
     * adopted by evhttp. */
    while (set->all != NULL) {
        struct conn *c = set->all;
        unlink_conn(c);
        atomic_fetch_sub(&set->pool->open, 1);
        free(c);
    }
    free(set);
}
