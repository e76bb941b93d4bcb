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
 *
 * The input evbuffer's callback sees every byte before evhttp parses it.
 * Where a request head starts is known exactly: at the accept, and, when a
 * request reaches the router, at the start of what is left in the input
 * (evhttp has consumed that request's bytes and no more). From there the
 * scanner follows the head line by line to its blank line; a line that
 * starts with a space or tab is a folded one. Bytes after the blank line
 * (the body) are not looked at, but for NUL bytes.
 *
 * Input is bounded with the bufferevent's read high-water mark: when the
 * input holds that many bytes, libevent stops reading the socket until
 * evhttp has consumed some (evhttp keeps reading a connection whose answer
 * is pending, to notice a close, and would buffer whatever arrives).
 */
#include "logd/conn.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event_struct.h>
#include <event2/keyvalq_struct.h>

#include "logd/peers.h"
#include "logd/request_head.h"

struct conn_pool {
    struct conn_config cfg; /* cfg.tls: the pool's own reference */
    struct metrics *metrics;
    struct peers *peers; /* open connections per address */
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
    conn_fast_fn fast;                 /* the fast path, or NULL */
    void *fast_arg;
};

struct conn {
    struct conn_set *set;
    struct bufferevent *bev;
    struct evhttp_connection *evcon; /* once set up */
    struct evbuffer_cb_entry *in_cb, *out_cb;
    struct event setup, deadline, fixup;
    struct conn *prev, *next; /* set->all */
    struct conn *hnext;       /* set->bucket */
    struct peers_key peer;    /* the client's address group */
    struct timespec accepted; /* CLOCK_MONOTONIC */
    bool ref;                 /* holds a bufferevent reference (until set up) */
    bool over;                /* accepted beyond max_connections */
    bool over_ip;             /* accepted beyond max_per_ip */
    bool counted;             /* peer is counted in the pool's peers */
    bool dispatched; /* a request is with the router, its answer not yet sent */
    bool partial;    /* bytes of a request arrived since the last dispatch */
    bool got_byte;   /* any byte arrived since the accept */
    bool bad;        /* a NUL byte or a folded header line arrived */
    bool close_after; /* close once the answer is sent */
    bool answered;    /* at least one answer was sent */
    bool tls;
    /* The rest of a fast answer is queued in the bufferevent, or the
     * start of a head the fast path may answer is held back from evhttp
     * until it is whole: the bufferevent's callbacks are the fast path's
     * meanwhile; evhttp's: */
    bool fast_queued, fast_hold;
    bufferevent_data_cb ev_read, ev_write;
    bufferevent_event_cb ev_event;
    void *ev_arg;
    /* The head scanner: in a head (else in a body), at the start of a line,
     * past the request line; the start of the current line. */
    bool in_head, bol, past_first;
    unsigned char line_len; /* bytes of the line seen, up to sizeof line */
    char line[48];
};

struct conn_pool *conn_pool_new(const struct conn_config *cfg,
                                struct metrics *metrics)
{
    struct conn_pool *pool = calloc(1, sizeof *pool);

    if (pool == NULL)
        return NULL;
    pool->cfg = *cfg;
    if (pool->cfg.max_per_ip == 0 ||
        pool->cfg.max_per_ip > pool->cfg.max_connections)
        pool->cfg.max_per_ip = pool->cfg.max_connections;
    if (pool->cfg.first_byte_timeout_s <= 0 ||
        pool->cfg.first_byte_timeout_s > pool->cfg.request_timeout_s)
        pool->cfg.first_byte_timeout_s = pool->cfg.request_timeout_s;
    /* Every counted connection is within max_connections. */
    pool->peers = peers_new(pool->cfg.max_per_ip, pool->cfg.max_connections);
    if (pool->peers == NULL) {
        free(pool);
        return NULL;
    }
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
    peers_free(pool->peers);
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
    if (c->counted)
        peers_release(pool->peers, &c->peer);
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

/* The first byte came: the deadline goes back to request_timeout from the
 * accept. */
static void arm_after_first_byte(struct conn *c)
{
    const struct conn_config *cfg = &c->set->pool->cfg;
    struct timespec now;
    long long left_ms;
    struct timeval tv;

    if (cfg->first_byte_timeout_s >= cfg->request_timeout_s)
        return; /* the deadline set at the accept is already that */
    clock_gettime(CLOCK_MONOTONIC, &now);
    left_ms = (long long)cfg->request_timeout_s * 1000 -
              ((long long)(now.tv_sec - c->accepted.tv_sec) * 1000 +
               (now.tv_nsec - c->accepted.tv_nsec) / 1000000);
    if (left_ms < 0)
        left_ms = 0;
    tv.tv_sec = (time_t)(left_ms / 1000);
    tv.tv_usec = (suseconds_t)(left_ms % 1000) * 1000;
    event_add(&c->deadline, &tv);
}

/* The read high-water mark: max_headers while an answer is pending, else
 * max_headers + max_body. */
static void cap_input(struct conn *c)
{
    const struct conn_config *cfg = &c->set->pool->cfg;
    size_t cap = cfg->max_headers;

    if (!c->dispatched)
        cap += cfg->max_body;
    bufferevent_setwatermark(c->bev, EV_READ, 0, cap);
}

/* Counts c against its address group, once, as soon as its socket is known;
 * marks it over the limit when the group is full. */
static void account(struct conn *c)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    evutil_socket_t fd;

    if (c->counted || c->over_ip)
        return;
    fd = bufferevent_getfd(c->bev);
    if (fd < 0 || getpeername(fd, (struct sockaddr *)&ss, &len) != 0)
        len = 0;
    peers_key_of(len > 0 ? (struct sockaddr *)&ss : NULL, len, &c->peer);
    if (c->over)
        return; /* refused anyway; it takes no room from its group */
    if (peers_acquire(c->set->pool->peers, &c->peer))
        c->counted = true;
    else
        c->over_ip = c->over = true;
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
    account(c);
    if (c->over && !c->dispatched) {
        metrics_connection(c->set->pool->metrics, METRICS_CONN_REFUSED);
        answer_and_close(c, "503 Service Unavailable", "Retry-After: 1\r\n",
                         c->over_ip ? "too many connections from this address"
                                    : "too many connections");
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
    if (c->bad) {
        answer_and_close(c, "400 Bad Request", "", "malformed HTTP request");
        return;
    }
    if (c->partial || !c->answered)
        metrics_connection(c->set->pool->metrics, METRICS_CONN_TIMED_OUT);
    answer_and_close(c, c->partial ? "408 Request Timeout" : NULL, "",
                     "the request did not arrive in time");
}

/* ---- JSON instead of evhttp's HTML error pages ---- */

/* libevent 2.1 leaves a socket bufferevent's output frozen at its start
 * after its first write (bufferevent_writecb unfreezes it only around the
 * write itself), and a buffer frozen so can be neither copied out nor
 * drained: an error answer that follows a pipelined one would stay HTML.
 * Thaws out for the moment; returns whether it was frozen (then freeze it
 * again with evbuffer_freeze(out, 1) when done). */
static bool thaw(struct evbuffer *out)
{
    char b;

    if (evbuffer_get_length(out) == 0 || evbuffer_copyout(out, &b, 1) == 1)
        return false;
    evbuffer_unfreeze(out, 1);
    return true;
}

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
 * answers text/html), replaces it with the same status (400 on a connection
 * found malformed), its headers and a JSON
 * body. Runs from the event loop right after evhttp queued it, before the
 * socket can be written. */
static void conn_fixup(evutil_socket_t fd, short what, void *arg)
{
    struct conn *c = arg;
    struct evbuffer *out = bufferevent_get_output(c->bev);
    size_t avail = evbuffer_get_length(out), hlen, pos, bodylen;
    char head[1024], body[96], *end, *line;
    bool html = false, frozen = thaw(out);
    int status;
    struct evbuffer *fresh = NULL;

    (void)fd;
    (void)what;
    if (avail > sizeof head - 1)
        avail = sizeof head - 1;
    if (evbuffer_copyout(out, head, avail) < 0)
        goto done;
    head[avail] = '\0';
    end = strstr(head, "\r\n\r\n");
    if (strncmp(head, "HTTP/1.", 7) != 0 || end == NULL ||
        sscanf(head + 8, " %3d", &status) != 1)
        goto done;
    hlen = (size_t)(end - head) + 4;
    fresh = evbuffer_new();
    if (fresh == NULL)
        goto done;
    line = strstr(head, "\r\n") + 2;
    if (c->bad) {
        /* Malformed (logd's scan found it before evhttp stumbled on
         * whatever followed): 400, whatever evhttp made of it. */
        status = 400;
        evbuffer_add_printf(fresh, "HTTP/1.1 400 Bad Request\r\n");
    } else {
        evbuffer_add(fresh, head, (size_t)(line - head)); /* status line */
    }
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
    if (!html)
        goto done; /* not evhttp's (or already rewritten) */
    bodylen = (size_t)snprintf(body, sizeof body, "{\"error\":\"%s\"}\n",
                               own_error_message(status));
    evbuffer_add_printf(fresh,
                        "Content-Type: application/json\r\n"
                        "Content-Length: %zu\r\n\r\n%s",
                        bodylen, body);
    evbuffer_drain(out, evbuffer_get_length(out));
    evbuffer_add_buffer(out, fresh);
    metrics_request(c->set->pool->metrics, ROUTE_OTHER, status, 0);
done:
    if (fresh != NULL)
        evbuffer_free(fresh);
    if (frozen)
        evbuffer_freeze(out, 1);
}

/* ---- watching the connection's bytes ---- */

/* Whether a whole header line (without its line end; *len bytes, or more
 * when it did not fit in line) is a Transfer-Encoding other than exactly
 * "chunked" (evhttp takes several values that merely contain "chunked" for
 * chunked, where a proxy may not). */
static bool bad_transfer_encoding(const char *line, size_t len, bool cut)
{
    static const char name[] = "transfer-encoding:";
    size_t n = sizeof name - 1, end = len;

    if (len < n || evutil_ascii_strncasecmp(line, name, n) != 0)
        return false;
    if (cut)
        return true;
    while (n < end && (line[n] == ' ' || line[n] == '\t'))
        n++;
    while (end > n && (line[end - 1] == ' ' || line[end - 1] == '\t' ||
                       line[end - 1] == '\r'))
        end--;
    return end - n != 7 || memcmp(line + n, "chunked", 7) != 0;
}

/* Follows the request head through n new bytes at p: marks c bad at a NUL
 * byte (anywhere; no request logd serves holds one, but evhttp would let one
 * pass in a header value), at a folded header line, or at a
 * Transfer-Encoding line other than "chunked". */
static void scan(struct conn *c, const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char ch = p[i];
        if (ch == '\0') {
            c->bad = true;
            return;
        }
        if (!c->in_head)
            continue;
        if (c->bol) {
            if (ch == '\r')
                continue;
            if (ch == '\n') {
                /* The blank line ends the head (a blank line before the
                 * request line is evhttp's to refuse). */
                if (c->past_first)
                    c->in_head = false;
                continue;
            }
            if ((ch == ' ' || ch == '\t') && c->past_first) {
                c->bad = true; /* obs-fold */
                return;
            }
            c->bol = false;
        }
        if (ch == '\n') {
            if (c->past_first &&
                bad_transfer_encoding(c->line, c->line_len,
                                      c->line_len == sizeof c->line)) {
                c->bad = true;
                return;
            }
            c->bol = true;
            c->past_first = true;
            c->line_len = 0;
        } else if (c->line_len < sizeof c->line) {
            c->line[c->line_len++] = ch;
        }
    }
}

/* Scans buf from offset from to its end. */
static void scan_buffer(struct conn *c, struct evbuffer *buf, size_t from)
{
    struct evbuffer_ptr at;
    struct evbuffer_iovec v[8];

    if (from >= evbuffer_get_length(buf) ||
        evbuffer_ptr_set(buf, &at, from, EVBUFFER_PTR_SET) != 0)
        return;
    while (!c->bad) {
        int n = evbuffer_peek(buf, -1, &at, v, 8), k;
        size_t seen = 0;
        for (k = 0; k < n && k < 8; k++) {
            scan(c, v[k].iov_base, v[k].iov_len);
            seen += v[k].iov_len;
        }
        if (n <= 8 || evbuffer_ptr_set(buf, &at, seen, EVBUFFER_PTR_ADD) != 0)
            break;
    }
}

/* ---- the fast path ---- */

static void fast_serve(struct conn *c);

/* The queued rest of a fast answer has gone out (conn_output() has seen
 * it and started the next request's clock): evhttp gets its callbacks
 * back, as it left them waiting for a request, and what arrived meanwhile
 * is served. */
static void fast_written(struct bufferevent *bev, void *arg)
{
    struct conn *c = arg;
    struct evbuffer *in = bufferevent_get_input(bev);

    bufferevent_setcb(bev, c->ev_read, c->ev_write, c->ev_event, c->ev_arg);
    bufferevent_disable(bev, EV_WRITE);
    c->fast_queued = false;
    fast_serve(c);
    if (c->fast_queued || c->fast_hold || evbuffer_get_length(in) == 0)
        return;
    /* The start of a request evhttp reads from here on. */
    c->partial = true;
    c->ev_read(bev, c->ev_arg); /* may free c */
}

/* An error or the end of the connection while the rest was queued: evhttp
 * gets its callbacks back and handles it (it frees the connection). */
static void fast_event(struct bufferevent *bev, short what, void *arg)
{
    struct conn *c = arg;
    bufferevent_event_cb ecb = c->ev_event;
    void *earg = c->ev_arg;

    bufferevent_setcb(bev, c->ev_read, c->ev_write, ecb, earg);
    c->fast_queued = c->fast_hold = false;
    ecb(bev, what, earg); /* may free c */
}

/* The bufferevent's read callback while a head is held: evhttp must not
 * read it (it would consume its first lines); conn_input() has seen the
 * bytes already. */
static void fast_held(struct bufferevent *bev, void *arg)
{
    (void)bev;
    (void)arg;
}

/* Holds the start of a head (a prefix request_parse_get() may take) back
 * from evhttp. It counts as a request begun (partial): its clock runs. */
static void hold(struct conn *c)
{
    c->partial = true;
    if (c->fast_hold)
        return;
    bufferevent_getcb(c->bev, &c->ev_read, &c->ev_write, &c->ev_event,
                      &c->ev_arg);
    bufferevent_setcb(c->bev, fast_held, NULL, fast_event, c);
    c->fast_hold = true;
}

/* Gives evhttp its callbacks back after hold(). */
static void unhold(struct conn *c)
{
    if (!c->fast_hold)
        return;
    bufferevent_setcb(c->bev, c->ev_read, c->ev_write, c->ev_event, c->ev_arg);
    c->fast_hold = false;
}

/* Queues what the socket did not take of a (done bytes sent so far), and
 * takes the bufferevent's callbacks until it has gone out. */
static void fast_queue(struct conn *c, const struct conn_answer *a, size_t done)
{
    struct evbuffer *out = bufferevent_get_output(c->bev);
    size_t body_done = 0;

    c->dispatched = true; /* conn_output() sees the end of this answer */
    c->fast_queued = true;
    cap_input(c);
    if (done < a->head_len)
        evbuffer_add(out, a->head + done, a->head_len - done);
    else
        body_done = done - a->head_len;
    if (a->body == NULL) {
        evbuffer_set_flags(out, EVBUFFER_FLAG_DRAINS_TO_FD);
        evbuffer_add_file_segment(out, a->seg, (ev_off_t)body_done,
                                  (ev_off_t)(a->body_len - body_done));
    } else if (a->body_lasting) {
        evbuffer_add_reference(out, (const char *)a->body + body_done,
                               a->body_len - body_done, NULL, NULL);
    } else {
        evbuffer_add(out, (const char *)a->body + body_done,
                     a->body_len - body_done);
    }
    bufferevent_getcb(c->bev, &c->ev_read, &c->ev_write, &c->ev_event,
                      &c->ev_arg);
    bufferevent_setcb(c->bev, NULL, fast_written, fast_event, c);
    bufferevent_enable(c->bev, EV_WRITE);
}

/* Writes a to the socket: head and body at once (MSG_MORE before a body
 * sent from a file). A socket that takes less (full, or gone: the
 * bufferevent then finds out) gets the rest queued. */
static void fast_send(struct conn *c, const struct conn_answer *a)
{
    evutil_socket_t fd = bufferevent_getfd(c->bev);
    size_t total = a->head_len + a->body_len, done = 0;
    ssize_t n;

    if (a->body != NULL) {
        struct iovec iov[2] = {{(void *)a->head, a->head_len},
                               {(void *)a->body, a->body_len}};
        struct msghdr m = {.msg_iov = iov, .msg_iovlen = 2};
        n = sendmsg(fd, &m, MSG_NOSIGNAL | MSG_DONTWAIT);
        done = n > 0 ? (size_t)n : 0;
    } else {
        n = send(fd, a->head, a->head_len,
                 MSG_NOSIGNAL | MSG_DONTWAIT | MSG_MORE);
        done = n > 0 ? (size_t)n : 0;
        if (done == a->head_len) {
            off_t off = (off_t)a->offset;
            while (done < total &&
                   (n = sendfile(fd, a->file, &off, total - done)) > 0)
                done += (size_t)n;
        }
    }
    if (done < total)
        fast_queue(c, a, done);
}

/* Answers the simple GETs at the start of c's input that the set's fast
 * function takes, each as soon as its head is whole; stops at anything
 * else (left to evhttp, which has read none of it), or when an answer had
 * to be queued. */
static void fast_serve(struct conn *c)
{
    struct conn_set *set = c->set;
    struct evbuffer *in = bufferevent_get_input(c->bev);
    struct request_get g;
    struct conn_answer a;
    size_t n;
    const char *p;
    int rc;

    while (!c->bad && !c->fast_queued && !c->dispatched && !c->close_after &&
           (n = evbuffer_get_length(in)) > 0 &&
           evbuffer_get_length(bufferevent_get_output(c->bev)) == 0) {
        if (n > REQUEST_GET_HEAD_MAX)
            n = REQUEST_GET_HEAD_MAX;
        p = (const char *)evbuffer_pullup(in, (ev_ssize_t)n);
        rc = p != NULL ? request_parse_get(p, n, &g) : REQUEST_GET_OTHER;
        if (rc == REQUEST_GET_MORE) {
            hold(c);
            return;
        }
        unhold(c);
        if (rc != REQUEST_GET_OK || !set->fast(set->fast_arg, &g, &a))
            return;
        evbuffer_drain(in, g.head_len);
        c->partial = false;
        /* The next head starts with what is left (as in conn_request()). */
        c->in_head = c->bol = true;
        c->past_first = false;
        c->line_len = 0;
        scan_buffer(c, in, 0);
        if (c->bad)
            event_active(&c->deadline, EV_TIMEOUT, 1);
        c->answered = true;
        metrics_connection(set->pool->metrics, METRICS_CONN_FAST);
        fast_send(c, &a);
        if (!c->fast_queued)
            arm(c); /* the next request's clock */
    }
}

/* Whether c's input may be offered to the fast path: a plain connection,
 * set up and within its limits, no request of it with evhttp (not even
 * partly read: then evhttp has consumed its first lines; but a head held
 * back from evhttp is the fast path's) and nothing waiting to go out. */
static bool fast_may(const struct conn *c)
{
    return c->set->fast != NULL && !c->tls && c->evcon != NULL && !c->over &&
           (!c->partial || c->fast_hold) && !c->dispatched && !c->fast_queued &&
           !c->bad && !c->close_after;
}

void conn_set_fast(struct conn_set *set, conn_fast_fn fn, void *arg)
{
    set->fast = fn;
    set->fast_arg = arg;
}

static void conn_input(struct evbuffer *buf,
                       const struct evbuffer_cb_info *info, void *arg)
{
    struct conn *c = arg;
    size_t len = evbuffer_get_length(buf);

    if (info->n_added == 0)
        return;
    if (!c->bad) {
        scan_buffer(c, buf, info->n_added < len ? len - info->n_added : 0);
        if (c->bad)
            event_active(&c->deadline, EV_TIMEOUT, 1);
    }
    if (!c->got_byte) {
        c->got_byte = true;
        if (!c->dispatched)
            arm_after_first_byte(c);
    }
    if (c->dispatched)
        return;
    if (fast_may(c)) {
        fast_serve(c);
        if (c->fast_queued || evbuffer_get_length(buf) == 0)
            return;
    }
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

    if (info->n_added > 0 && info->orig_size == 0 && !c->dispatched) {
        bool frozen = thaw(buf);
        if (evbuffer_copyout(buf, first, sizeof first) >= 10 &&
            memcmp(first, "HTTP/1.", 7) == 0 && first[9] >= '4') {
            /* evhttp is answering an error by itself. */
            event_active(&c->fixup, EV_TIMEOUT, 1);
        }
        if (frozen)
            evbuffer_freeze(buf, 1);
    }
    if (info->n_deleted > 0 && evbuffer_get_length(buf) == 0 && c->dispatched) {
        /* The answer is with the socket: the next request's clock starts
         * (or the connection ends now, when asked to). */
        struct timeval now = {0, 0};
        c->dispatched = false;
        c->answered = true;
        /* Bytes pipelined behind it are evhttp's to read next (it may have
         * begun already): not the fast path's. */
        c->partial = evbuffer_get_length(bufferevent_get_input(c->bev)) > 0;
        cap_input(c);
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
    c->in_head = c->bol = true;
    clock_gettime(CLOCK_MONOTONIC, &c->accepted);
    cap_input(c);
    bufferevent_incref(bev);
    c->ref = true;
    event_assign(&c->setup, base, -1, 0, conn_setup, c);
    evtimer_assign(&c->deadline, base, conn_deadline, c);
    event_assign(&c->fixup, base, -1, 0, conn_fixup, c);
    link_conn(c);
    open = atomic_fetch_add(&pool->open, 1) + 1;
    c->over = open > pool->cfg.max_connections;
    metrics_connection(pool->metrics, METRICS_CONN_OPENED);
    {
        struct timeval tv = {pool->cfg.first_byte_timeout_s, 0};
        event_add(&c->deadline, &tv);
    }
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

/* Whether req's body is framed as every proxy reads it too. evhttp has
 * dropped the optional whitespace around values; it takes any
 * Transfer-Encoding but "chunked" (in any case) for none, reads a
 * Content-Length with strtoll ("+2" is 2), and reads no body at all on HEAD
 * and TRACE, whatever their headers say: such bytes would run as the next
 * request. (Several Content-Length or Transfer-Encoding headers are
 * refused by the router.) */
static bool framing_ok(struct evhttp_request *req)
{
    struct evkeyvalq *h = evhttp_request_get_input_headers(req);
    const char *cl = evhttp_find_header(h, "Content-Length");
    const char *te = evhttp_find_header(h, "Transfer-Encoding");
    enum evhttp_cmd_type m = evhttp_request_get_command(req);

    if (te != NULL && strcmp(te, "chunked") != 0)
        return false;
    if (cl != NULL && (cl[0] == '\0' || cl[strspn(cl, "0123456789")] != '\0'))
        return false;
    if (m == EVHTTP_REQ_HEAD || m == EVHTTP_REQ_TRACE)
        return te == NULL && (cl == NULL || cl[strspn(cl, "0")] == '\0');
    return true;
}

int conn_request(struct conn_set *set, struct evhttp_request *req)
{
    struct evhttp_connection *evcon = evhttp_request_get_connection(req);
    struct conn *c = evcon != NULL
                         ? lookup(set, evhttp_connection_get_bufferevent(evcon))
                         : NULL;

    bool bad;

    if (c == NULL)
        return CONN_OK;
    account(c); /* if the request came before conn_setup() */
    c->dispatched = true;
    c->partial = false;
    event_del(&c->deadline);
    cap_input(c);
    if (c->over) {
        metrics_connection(set->pool->metrics, METRICS_CONN_REFUSED);
        return CONN_REFUSE;
    }
    bad = c->bad || !framing_ok(req);
    /* evhttp has consumed this request and no more: the next head starts
     * with what is left in the input. */
    c->in_head = c->bol = true;
    c->past_first = false;
    c->line_len = 0;
    if (!c->bad)
        scan_buffer(c, bufferevent_get_input(c->bev), 0);
    return bad ? CONN_MALFORMED : CONN_OK;
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
