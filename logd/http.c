/*
 * http.c: routes and the worker threads. See http.h and docs/api.md.
 */
#define _GNU_SOURCE /* pthread_setname_np */
#include "logd/http.h"

#include <errno.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>
#include <event2/util.h>
#include <jansson.h>

#include "logd/conn.h"
#include "logd/log.h"
#include "logd/query.h"
#include "logd/tilecache.h"
#include "logd/vpool.h"
#include "logd/request.h"
#include "proofs/codec.h"
#include "proofs/tile.h"

/* The most bytes of full tiles and bundles kept for sendfile (tilecache.h). */
#define HTTP_TILE_CACHE_MAX ((uint64_t)256 << 20)

struct pending;

struct worker {
    struct http_server *srv;
    pthread_t thread;
    bool running;
    struct event_base *base;
    struct evhttp *http;
    struct evhttp_bound_socket *bound;
    struct event *wake;
    struct store_txn *reader;
    struct conn_set *conns;
    uint8_t *scratch;                 /* QUERY_TILE_MAX bytes for tile bodies */
    struct query_text text;           /* JSON answers, reused */
    struct query_status_cache status; /* what status proofs share */

    pthread_mutex_t mu; /* guards what follows */
    struct pending *done_head, *done_tail;
    bool stop_accepting, quit;
};

struct http_server {
    struct store *store;
    struct seq *seq;
    struct metrics *metrics;
    struct conn_pool *conns;
    struct tile_cache *tiles; /* full tiles sent from a file; NULL with TLS */
    struct vpool *vpool;      /* signature checks; NULL: on the HTTP thread */
    size_t max_url, max_entries;
    bool metrics_elsewhere; /* --metrics-listen: no /metrics here */
    unsigned port;
    char address[300];
    unsigned nworkers;
    struct worker *workers;
};

/* One request being answered. */
struct ctx {
    struct worker *w;
    struct evhttp_request *req;
    enum metrics_route route;
    struct timespec start;
};

/* A submission waiting for the sequencer; req must stay first. */
struct pending {
    struct seq_req req;
    struct ctx ctx;
    struct pending *next;
    /* Refused before the sequencer (a submission does not verify, or the
     * sequencer cannot take it): the answer deliver() sends. */
    int fail_status; /* 0: none */
    bool fail_has_position;
    size_t fail_position;
    char fail_message[256];
};

/* ---- replies ---- */

static void finish(struct ctx *c, int status)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    metrics_request(c->w->srv->metrics, c->route, status,
                    (double)(t.tv_sec - c->start.tv_sec) +
                        (t.tv_nsec - c->start.tv_nsec) / 1e9);
}

static void reply(struct ctx *c, int status, const char *type,
                  const char *cache)
{
    struct evkeyvalq *h = evhttp_request_get_output_headers(c->req);

    evhttp_add_header(h, "Content-Type", type);
    if (cache != NULL)
        evhttp_add_header(h, "Cache-Control", cache);
    if (evhttp_request_get_command(c->req) == EVHTTP_REQ_HEAD) {
        /* The headers of a GET, without its body (libevent 2.1 would send
         * the body, which the client reads as the start of the next
         * answer). */
        struct evbuffer *out = evhttp_request_get_output_buffer(c->req);
        char len[24];
        snprintf(len, sizeof len, "%zu", evbuffer_get_length(out));
        evhttp_add_header(h, "Content-Length", len);
        evbuffer_drain(out, evbuffer_get_length(out));
    }
    evhttp_send_reply(c->req, status, NULL, NULL);
    finish(c, status);
}

static void reply_bytes(struct ctx *c, int status, const char *type,
                        const char *cache, const void *data, size_t len)
{
    evbuffer_add(evhttp_request_get_output_buffer(c->req), data, len);
    reply(c, status, type, cache);
}

static int dump_cb(const char *buf, size_t size, void *data)
{
    return evbuffer_add(data, buf, size);
}

/* Sends j (taking it) with status. */
static void reply_json(struct ctx *c, int status, json_t *j)
{
    struct evbuffer *out = evhttp_request_get_output_buffer(c->req);

    json_dump_callback(j, dump_cb, out, JSON_COMPACT);
    evbuffer_add(out, "\n", 1);
    json_decref(j);
    reply(c, status, "application/json", NULL);
}

static void reply_error(struct ctx *c, int status, const char *message,
                        const size_t *position)
{
    json_t *j = json_object(), *msg = json_string(message);

    if (msg == NULL) {
        /* Not UTF-8 (a parser quoting the client's bytes): keep ASCII. */
        char clean[512];
        size_t i;
        for (i = 0; message[i] != '\0' && i + 1 < sizeof clean; i++)
            clean[i] = (unsigned char)message[i] < 0x20 ||
                               (unsigned char)message[i] >= 0x7f
                           ? '?'
                           : message[i];
        clean[i] = '\0';
        msg = json_string(clean);
    }
    json_object_set_new(j, "error", msg);
    if (position != NULL)
        json_object_set_new(j, "position", json_integer((json_int_t)*position));
    reply_json(c, status, j);
}

/* Answers a query.c result: j (or, when j is NULL, the worker's JSON text)
 * on success, else the matching error. */
static void reply_query(struct ctx *c, int err, json_t *j)
{
    switch (err) {
    case 0:
        if (j != NULL)
            reply_json(c, 200, j);
        else
            reply_bytes(c, 200, "application/json", NULL, c->w->text.data,
                        c->w->text.len);
        return;
    case QUERY_ERR_NOTFOUND:
        reply_error(c, 404, "beyond the tree", NULL);
        return;
    case QUERY_ERR_RANGE:
        reply_error(c, 400, "parameters out of range", NULL);
        return;
    case QUERY_ERR_EMPTY:
        reply_error(c, 503, query_strerror(err), NULL);
        return;
    default:
        log_msg("read failed: %s", query_strerror(err));
        reply_error(c, 500, query_strerror(err), NULL);
        return;
    }
}

/* Begins the worker's read transaction, or answers 500. */
static bool read_begin(struct ctx *c)
{
    int err = store_read_begin(c->w->reader);

    if (err != 0) {
        log_msg("cannot begin a read transaction: %s", store_strerror(err));
        reply_error(c, 500, "storage error", NULL);
        return false;
    }
    return true;
}

/* ---- handlers: decode, one call, encode ---- */

static void h_checkpoint(struct ctx *c, const char *rest, const char *query)
{
    char note[SIGNER_CHECKPOINT_MAX];
    size_t len;
    int err;

    (void)rest;
    (void)query;
    if (!read_begin(c))
        return;
    err = query_checkpoint(c->w->reader, note, sizeof note, &len);
    store_read_end(c->w->reader);
    if (err != 0)
        reply_query(c, err, NULL);
    else
        reply_bytes(c, 200, "text/plain; charset=utf-8", "no-cache", note, len);
}

static void h_log_key(struct ctx *c, const char *rest, const char *query)
{
    char vkey[NOTE_KEY_TEXT_MAX + 2];
    size_t len;
    int err;

    (void)rest;
    (void)query;
    if (!read_begin(c))
        return;
    err = query_log_key(c->w->reader, vkey, sizeof vkey, &len);
    store_read_end(c->w->reader);
    if (err != 0)
        reply_query(c, err, NULL);
    else
        reply_bytes(c, 200, "text/plain; charset=utf-8", "no-cache", vkey, len);
}

static void h_tile(struct ctx *c, const char *rest, const char *query)
{
    static const char immutable[] = "public, max-age=31536000, immutable";
    const char *path =
        evhttp_uri_get_path(evhttp_request_get_evhttp_uri(c->req));
    struct tile t;
    size_t len;
    bool full;
    int err;

    (void)rest;
    (void)query;
    if (tile_parse_path(path + 1, strlen(path + 1), &t) != 0) {
        reply_error(c, 400, "not a tile path", NULL);
        return;
    }
    if (t.level == TILE_LEVEL_ENTRIES)
        c->route = ROUTE_ENTRY_BUNDLE;
    full = t.width == TILE_WIDTH;
    /* The answer goes to a socket as it is, so a cached tile's file segment
     * can be sent with sendfile instead of being read into memory. */
    if (full && t.level == TILE_LEVEL_ENTRIES && c->w->srv->tiles != NULL)
        evbuffer_set_flags(evhttp_request_get_output_buffer(c->req),
                           EVBUFFER_FLAG_DRAINS_TO_FD);
    if (full && tile_cache_send(c->w->srv->tiles, t.level, t.index,
                                evhttp_request_get_output_buffer(c->req)) > 0) {
        reply(c, 200, "application/octet-stream", immutable);
        return;
    }
    if (!read_begin(c))
        return;
    err = query_tile(c->w->reader, &t, c->w->scratch, QUERY_TILE_MAX, &len);
    store_read_end(c->w->reader);
    if (err != 0) {
        reply_query(c, err, NULL);
        return;
    }
    if (full)
        tile_cache_put(c->w->srv->tiles, t.level, t.index, c->w->scratch, len);
    reply_bytes(c, 200, "application/octet-stream", full ? immutable : NULL,
                c->w->scratch, len);
}

static void h_inclusion(struct ctx *c, const char *rest, const char *query)
{
    static const char *const names[] = {"index", "size"};
    uint64_t v[2];
    int err;

    (void)rest;
    if (request_parse_query(query, names, 2, v) != 0) {
        reply_error(c, 400, "the query must be index=I&size=N", NULL);
        return;
    }
    if (!read_begin(c))
        return;
    err = query_inclusion(c->w->reader, v[0], v[1], &c->w->text);
    store_read_end(c->w->reader);
    reply_query(c, err, NULL);
}

static void h_consistency(struct ctx *c, const char *rest, const char *query)
{
    static const char *const names[] = {"from", "to"};
    uint64_t v[2];
    int err;

    (void)rest;
    if (request_parse_query(query, names, 2, v) != 0) {
        reply_error(c, 400, "the query must be from=M&to=N", NULL);
        return;
    }
    if (!read_begin(c))
        return;
    err = query_consistency(c->w->reader, v[0], v[1], &c->w->text);
    store_read_end(c->w->reader);
    reply_query(c, err, NULL);
}

static void h_status(struct ctx *c, const char *rest, const char *query)
{
    uint8_t hash[32];
    int err;

    (void)query;
    if (codec_hex_decode(rest, strlen(rest), hash, sizeof hash) != 0) {
        reply_error(c, 400, "the credential hash must be 64 hex digits", NULL);
        return;
    }
    if (!read_begin(c))
        return;
    err = query_status(c->w->reader, hash, &c->w->status, &c->w->text);
    store_read_end(c->w->reader);
    reply_query(c, err, NULL);
}

static void h_entry(struct ctx *c, const char *rest, const char *query)
{
    uint64_t index;
    int err;

    (void)query;
    if (request_parse_u64(rest, strlen(rest), &index) != 0) {
        reply_error(c, 400, "the entry index must be a decimal number", NULL);
        return;
    }
    if (!read_begin(c))
        return;
    err = query_entry(c->w->reader, index, &c->w->text);
    store_read_end(c->w->reader);
    reply_query(c, err, NULL);
}

static void h_issuers(struct ctx *c, const char *rest, const char *query)
{
    struct issuers *keys = seq_issuers(c->w->srv->seq);
    json_t *j = NULL;
    int err = query_issuers(keys, &j);

    (void)rest;
    (void)query;
    issuers_unref(keys);
    reply_query(c, err, j);
}

static void h_metrics(struct ctx *c, const char *rest, const char *query)
{
    size_t len;
    char *text;

    (void)rest;
    (void)query;
    if (c->w->srv->metrics_elsewhere) {
        /* Served on --metrics-listen only (logd/metrics_listen.h). */
        reply_error(c, 404, "no such route", NULL);
        return;
    }
    text = metrics_format(c->w->srv->metrics, &len);
    if (text == NULL) {
        reply_error(c, 500, "out of memory", NULL);
        return;
    }
    reply_bytes(c, 200, "text/plain; version=0.0.4; charset=utf-8", "no-cache",
                text, len);
    free(text);
}

static void h_healthz(struct ctx *c, const char *rest, const char *query)
{
    (void)rest;
    (void)query;
    reply_bytes(c, 200, "text/plain; charset=utf-8", "no-cache", "ok\n", 3);
}

static void submit_done(struct seq_req *r);
static void hand_back(struct pending *p);

/* Runs on a verification thread once every submission of p is checked. */
static void verified(void *arg, int err, const struct request_error *rerr)
{
    struct pending *p = arg;

    if (err == 0) {
        p->req.done = submit_done;
        err = seq_submit(p->ctx.w->srv->seq, &p->req);
        if (err == 0)
            return; /* answered in deliver() after the commit */
        p->fail_status = 503;
        snprintf(p->fail_message, sizeof p->fail_message, "%s",
                 seq_strerror(err));
    } else {
        p->fail_status = err == REQUEST_ERR_NOMEM ? 500 : 400;
        p->fail_has_position = rerr->has_position;
        p->fail_position = rerr->position;
        snprintf(p->fail_message, sizeof p->fail_message, "%s", rerr->message);
    }
    hand_back(p);
}

static void h_submit(struct ctx *c, const char *rest, const char *query)
{
    struct evbuffer *in = evhttp_request_get_input_buffer(c->req);
    size_t len = evbuffer_get_length(in);
    const char *body = len ? (const char *)evbuffer_pullup(in, -1) : "";
    struct request_error rerr;
    struct pending *p;
    struct issuers *keys;
    struct timespec now;
    uint64_t now_ms;
    int err;

    (void)rest;
    (void)query;
    p = calloc(1, sizeof *p);
    if (p == NULL) {
        reply_error(c, 500, "out of memory", NULL);
        return;
    }
    err = request_parse_entries_max(body, len, c->w->srv->max_entries,
                                    &p->req.subs, &p->req.n, &rerr);
    if (err == 0) {
        clock_gettime(CLOCK_REALTIME, &now);
        now_ms = (uint64_t)now.tv_sec * 1000 + (uint64_t)now.tv_nsec / 1000000;
        keys = seq_issuers(c->w->srv->seq);
        p->ctx = *c;
        /* The signatures are checked on the verification threads, which
         * then hand the request to the sequencer (or back, refused). */
        if (c->w->srv->vpool != NULL &&
            vpool_submit(c->w->srv->vpool, keys, p->req.subs, p->req.n, now_ms,
                         verified, p) == 0)
            return;
        err =
            request_verify_entries(keys, p->req.subs, p->req.n, now_ms, &rerr);
        issuers_unref(keys);
    }
    if (err == 0) {
        p->req.done = submit_done;
        err = seq_submit(c->w->srv->seq, &p->req);
        if (err == 0)
            return; /* answered in deliver() */
        reply_error(c, 503, seq_strerror(err), NULL);
    } else {
        reply_error(c, err == REQUEST_ERR_NOMEM ? 500 : 400, rerr.message,
                    rerr.has_position ? &rerr.position : NULL);
    }
    free(p->req.subs);
    free(p);
}

/* ---- the sequencer's answers ---- */

/* Runs on the sequencer's thread: hand the request back to its worker. */
static void submit_done(struct seq_req *r)
{
    hand_back((struct pending *)r);
}

/* Queues p for deliver() on the worker that owns its connection (from any
 * thread). */
static void hand_back(struct pending *p)
{
    struct worker *w = p->ctx.w;

    pthread_mutex_lock(&w->mu);
    p->next = NULL;
    if (w->done_tail != NULL)
        w->done_tail->next = p;
    else
        w->done_head = p;
    w->done_tail = p;
    pthread_mutex_unlock(&w->mu);
    event_active(w->wake, EV_READ, 1);
}

static int result_status(int result)
{
    switch (result) {
    case SEQ_ERR_CONFLICT:
        return 409;
    case SEQ_ERR_NOT_ISSUED:
        return 404;
    case SEQ_ERR_FORBIDDEN:
        return 403;
    case SEQ_ERR_FULL:
    case SEQ_ERR_STOPPING:
    case SEQ_ERR_BUSY:
        return 503;
    default:
        return 500;
    }
}

/* On the owning worker: build the receipts and reply. */
static void deliver(struct pending *p)
{
    struct ctx *c = &p->ctx;
    int err;

    if (p->fail_status != 0) {
        reply_error(c, p->fail_status, p->fail_message,
                    p->fail_has_position ? &p->fail_position : NULL);
    } else if (p->req.result == SEQ_OK) {
        if (read_begin(c)) {
            err = query_receipts(c->w->reader, &p->req, &c->w->text);
            store_read_end(c->w->reader);
            reply_query(c, err, NULL);
        }
    } else {
        int status = result_status(p->req.result);
        bool refusal = status == 409 || status == 404 || status == 403;
        reply_error(c, status, p->req.message,
                    refusal ? &p->req.position : NULL);
    }
    seq_checkpoint_unref(p->req.checkpoint);
    free(p->req.subs);
    free(p);
}

static void wake_cb(evutil_socket_t fd, short what, void *arg)
{
    struct worker *w = arg;
    struct pending *list;
    bool stop_accepting, quit;

    (void)fd;
    (void)what;
    pthread_mutex_lock(&w->mu);
    list = w->done_head;
    w->done_head = w->done_tail = NULL;
    stop_accepting = w->stop_accepting;
    quit = w->quit;
    pthread_mutex_unlock(&w->mu);
    while (list != NULL) {
        struct pending *next = list->next;
        deliver(list);
        list = next;
    }
    if ((stop_accepting || quit) && w->bound != NULL) {
        evhttp_del_accept_socket(w->http, w->bound);
        w->bound = NULL;
    }
    if (quit) {
        /* Give the replies just sent a moment to reach their sockets. */
        struct timeval tv = {0, 100000};
        event_base_loopexit(w->base, &tv);
    }
}

/* ---- routing ---- */

typedef void (*handler_fn)(struct ctx *c, const char *rest, const char *query);

struct route {
    const char *path;
    bool prefix;
    int methods;
    enum metrics_route metric;
    handler_fn fn;
    bool query; /* takes query parameters (others refuse any) */
};

#define GET_HEAD (EVHTTP_REQ_GET | EVHTTP_REQ_HEAD)

static const struct route routes[] = {
    {"/checkpoint", false, GET_HEAD, ROUTE_CHECKPOINT, h_checkpoint, false},
    {"/tile/", true, GET_HEAD, ROUTE_TILE, h_tile, false},
    {"/v1/entries", false, EVHTTP_REQ_POST, ROUTE_SUBMIT, h_submit, false},
    {"/v1/entries/", true, GET_HEAD, ROUTE_ENTRY, h_entry, false},
    {"/v1/proof/inclusion", false, GET_HEAD, ROUTE_INCLUSION, h_inclusion,
     true},
    {"/v1/proof/consistency", false, GET_HEAD, ROUTE_CONSISTENCY, h_consistency,
     true},
    {"/v1/status/", true, GET_HEAD, ROUTE_STATUS, h_status, false},
    {"/v1/issuers", false, GET_HEAD, ROUTE_ISSUERS, h_issuers, false},
    {"/v1/log-key", false, GET_HEAD, ROUTE_LOG_KEY, h_log_key, false},
    {"/metrics", false, GET_HEAD, ROUTE_METRICS, h_metrics, false},
    {"/healthz", false, GET_HEAD, ROUTE_HEALTHZ, h_healthz, false},
};

/* Asks evhttp to close the connection after this answer. */
static void close_after(struct ctx *c)
{
    evhttp_add_header(evhttp_request_get_output_headers(c->req), "Connection",
                      "close");
}

/* Whether the headers are malformed in ways evhttp lets pass (a space or
 * control character in a name, a control character in a value) or frame
 * the body ambiguously (several Content-Length headers, or Content-Length
 * with Transfer-Encoding). A proxy in front of logd may have read such a
 * request otherwise (request smuggling). */
static bool bad_headers(struct evhttp_request *req)
{
    struct evkeyvalq *in = evhttp_request_get_input_headers(req);
    struct evkeyval *h;
    int lengths = 0, encodings = 0;

    for (h = in->tqh_first; h != NULL; h = h->next.tqe_next) {
        if (request_check_header(h->key, h->value) != 0)
            return true;
        lengths += evutil_ascii_strcasecmp(h->key, "Content-Length") == 0;
        encodings += evutil_ascii_strcasecmp(h->key, "Transfer-Encoding") == 0;
    }
    return lengths > 1 || encodings > 1 || (lengths > 0 && encodings > 0);
}

/* Checks what every request must satisfy before it is routed; answers and
 * returns false if it does not. */
static bool admit(struct ctx *c, const struct evhttp_uri *uri, const char *path)
{
    const char *target = evhttp_request_get_uri(c->req);

    int verdict = conn_request(c->w->conns, c->req);

    if (verdict == CONN_REFUSE) {
        close_after(c);
        evhttp_add_header(evhttp_request_get_output_headers(c->req),
                          "Retry-After", "1");
        reply_error(c, 503, "too many connections", NULL);
        return false;
    }
    if (verdict == CONN_MALFORMED) {
        close_after(c);
        reply_error(c, 400, "malformed HTTP request", NULL);
        return false;
    }
    if (evhttp_request_get_command(c->req) == EVHTTP_REQ_CONNECT) {
        /* A tunnel request: evhttp sends its answer without framing (no
         * Content-Length) and would keep the connection open. */
        conn_close_after(c->w->conns, c->req);
        close_after(c);
        reply_error(c, 405, "method not allowed", NULL);
        return false;
    }
    if (bad_headers(c->req)) {
        close_after(c);
        reply_error(c, 400, "malformed or ambiguous request headers", NULL);
        return false;
    }
    if (target != NULL && strlen(target) > c->w->srv->max_url) {
        reply_error(c, 414, "request target too long", NULL);
        return false;
    }
    if (path == NULL || evhttp_uri_get_fragment(uri) != NULL ||
        request_check_path(path) != 0) {
        reply_error(c, 400, "malformed request path", NULL);
        return false;
    }
    return true;
}

static void on_request(struct evhttp_request *req, void *arg)
{
    struct ctx c = {arg, req, ROUTE_OTHER, {0, 0}};
    const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
    const char *path = uri ? evhttp_uri_get_path(uri) : NULL;
    int method = (int)evhttp_request_get_command(req);

    clock_gettime(CLOCK_MONOTONIC, &c.start);
    if (!admit(&c, uri, path))
        return;
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
        const struct route *r = &routes[i];
        size_t n = strlen(r->path);
        const char *query = evhttp_uri_get_query(uri);
        if (r->prefix ? strncmp(path, r->path, n) != 0
                      : strcmp(path, r->path) != 0)
            continue;
        c.route = r->metric;
        if ((r->methods & method) == 0) {
            evhttp_add_header(evhttp_request_get_output_headers(req), "Allow",
                              r->methods == EVHTTP_REQ_POST ? "POST"
                                                            : "GET, HEAD");
            reply_error(&c, 405, "method not allowed", NULL);
            return;
        }
        if (!r->query && query != NULL && query[0] != '\0') {
            reply_error(&c, 400, "this route takes no query parameters", NULL);
            return;
        }
        r->fn(&c, path + n, query);
        return;
    }
    reply_error(&c, 404, "no such route", NULL);
}

/* ---- workers ---- */

static void *worker_main(void *arg)
{
    struct worker *w = arg;

    pthread_setname_np(pthread_self(), "logd-http"); /* for top -H, /proc */

    /* Runs until wake_cb() calls loopexit, even with no listener left. */
    event_base_loop(w->base, EVLOOP_NO_EXIT_ON_EMPTY);
    return NULL;
}

static void worker_free(struct worker *w)
{
    conn_set_release(w->conns);
    if (w->http != NULL)
        evhttp_free(w->http);
    conn_set_free(w->conns);
    if (w->wake != NULL)
        event_free(w->wake);
    if (w->base != NULL)
        event_base_free(w->base);
    store_reader_free(w->reader);
    free(w->scratch);
    query_text_free(&w->text);
    query_status_cache_free(&w->status);
    pthread_mutex_destroy(&w->mu);
}

/* Splits "HOST:PORT" / "[V6]:PORT" and resolves it for binding. */
static int parse_listen(const char *spec, struct sockaddr_storage *ss,
                        socklen_t *len, char *host, size_t hostcap,
                        char *errbuf, size_t errcap)
{
    const char *colon = strrchr(spec, ':');
    struct addrinfo hints, *res = NULL;
    size_t hl;
    int rc;

    if (colon == NULL || colon[1] == '\0') {
        snprintf(errbuf, errcap, "--listen %s: expected HOST:PORT", spec);
        return -1;
    }
    hl = (size_t)(colon - spec);
    if (hl >= 2 && spec[0] == '[' && spec[hl - 1] == ']') {
        spec++;
        hl -= 2;
    }
    if (hl == 0 || hl >= hostcap) {
        snprintf(errbuf, errcap, "--listen: expected HOST:PORT");
        return -1;
    }
    memcpy(host, spec, hl);
    host[hl] = '\0';
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    rc = getaddrinfo(host, colon + 1, &hints, &res);
    if (rc != 0) {
        snprintf(errbuf, errcap, "--listen %s: %s", host, gai_strerror(rc));
        return -1;
    }
    memcpy(ss, res->ai_addr, res->ai_addrlen);
    *len = (socklen_t)res->ai_addrlen;
    freeaddrinfo(res);
    return 0;
}

static void set_port(struct sockaddr_storage *ss, unsigned port)
{
    if (ss->ss_family == AF_INET)
        ((struct sockaddr_in *)ss)->sin_port = htons((uint16_t)port);
    else if (ss->ss_family == AF_INET6)
        ((struct sockaddr_in6 *)ss)->sin6_port = htons((uint16_t)port);
}

static unsigned get_port(const struct sockaddr_storage *ss)
{
    if (ss->ss_family == AF_INET)
        return ntohs(((const struct sockaddr_in *)ss)->sin_port);
    if (ss->ss_family == AF_INET6)
        return ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
    return 0;
}

/* SO_REUSEPORT lets any process of the same user join a listening group and
 * take a share of its connections, so two logds started on one port would
 * silently split the traffic. A plain bind first fails if anything already
 * listens there. */
static int probe_free(const struct sockaddr_storage *ss, socklen_t len,
                      const char *spec, char *errbuf, size_t errcap)
{
    int fd = socket(ss->ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;
    int rc, e;

    if (fd < 0) {
        snprintf(errbuf, errcap, "cannot listen on %s: %s", spec,
                 strerror(errno));
        return -1;
    }
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    rc = bind(fd, (const struct sockaddr *)ss, len);
    e = errno;
    close(fd);
    if (rc != 0) {
        snprintf(errbuf, errcap, "cannot listen on %s: %s", spec, strerror(e));
        return -1;
    }
    return 0;
}

static int worker_init(struct http_server *srv, struct worker *w,
                       const struct http_config *cfg,
                       struct sockaddr_storage *ss, socklen_t sslen,
                       char *errbuf, size_t errcap)
{
    unsigned flags = LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC |
                     LEV_OPT_REUSEABLE | LEV_OPT_REUSEABLE_PORT;
    struct evconnlistener *l;
    int err;

    w->srv = srv;
    pthread_mutex_init(&w->mu, NULL);
    w->base = event_base_new();
    w->http = w->base ? evhttp_new(w->base) : NULL;
    w->wake = w->base ? event_new(w->base, -1, 0, wake_cb, w) : NULL;
    w->scratch = malloc(QUERY_TILE_MAX);
    w->conns = w->http ? conn_set_new(srv->conns, w->base, w->http) : NULL;
    if (w->http == NULL || w->wake == NULL || w->scratch == NULL ||
        w->conns == NULL) {
        snprintf(errbuf, errcap, "out of memory");
        return -1;
    }
    if ((err = store_reader_new(srv->store, &w->reader)) != 0) {
        snprintf(errbuf, errcap, "cannot make a storage reader: %s",
                 store_strerror(err));
        return -1;
    }
    evhttp_set_max_body_size(w->http, (ev_ssize_t)cfg->max_body);
    evhttp_set_max_headers_size(w->http, (ev_ssize_t)cfg->max_headers);
    evhttp_set_timeout(w->http, cfg->timeout_s);
    /* Let every method evhttp knows reach the router, which answers 405 in
     * JSON (evhttp itself answers 501 to the methods it does not know). */
    evhttp_set_allowed_methods(
        w->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD |
                     EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE | EVHTTP_REQ_OPTIONS |
                     EVHTTP_REQ_PATCH | EVHTTP_REQ_TRACE | EVHTTP_REQ_CONNECT);
    evhttp_set_gencb(w->http, on_request, w);
    l = evconnlistener_new_bind(w->base, NULL, NULL, flags, 1024,
                                (struct sockaddr *)ss, (int)sslen);
    if (l == NULL) {
        snprintf(errbuf, errcap, "cannot listen on %s: %s", srv->address,
                 strerror(errno));
        return -1;
    }
    /* Accepted sockets inherit TCP_NODELAY (Linux): answers are written
     * whole, so Nagle would only hold back their last segment. */
    {
        int one = 1;
        setsockopt(evconnlistener_get_fd(l), IPPROTO_TCP, TCP_NODELAY, &one,
                   sizeof one);
    }
    if (get_port(ss) == 0) {
        struct sockaddr_storage bound;
        socklen_t blen = sizeof bound;
        getsockname(evconnlistener_get_fd(l), (struct sockaddr *)&bound, &blen);
        set_port(ss, get_port(&bound));
    }
    w->bound = evhttp_bind_listener(w->http, l);
    if (w->bound == NULL) {
        evconnlistener_free(l);
        snprintf(errbuf, errcap, "cannot bind the HTTP listener");
        return -1;
    }
    return 0;
}

int http_start(const struct http_config *cfg, struct store *store,
               struct seq *seq, struct metrics *metrics,
               struct http_server **out, char *errbuf, size_t errcap)
{
    struct http_server *srv;
    struct sockaddr_storage ss;
    socklen_t sslen;
    char host[256];

    *out = NULL;
    srv = calloc(1, sizeof *srv);
    if (srv == NULL || cfg->threads == 0) {
        snprintf(errbuf, errcap,
                 srv ? "--threads must be at least 1" : "out of memory");
        free(srv);
        return -1;
    }
    srv->store = store;
    srv->seq = seq;
    srv->metrics = metrics;
    srv->max_url = cfg->max_url;
    srv->max_entries = cfg->max_entries;
    srv->metrics_elsewhere = cfg->metrics_elsewhere;
    snprintf(srv->address, sizeof srv->address, "%s", cfg->listen);
    {
        struct conn_config cc = {cfg->max_connections,
                                 cfg->max_per_ip,
                                 cfg->request_timeout_s,
                                 cfg->first_byte_timeout_s,
                                 cfg->max_headers,
                                 cfg->max_body,
                                 cfg->tls};
        srv->conns = conn_pool_new(&cc, metrics);
        if (srv->conns == NULL) {
            snprintf(errbuf, errcap, "out of memory");
            free(srv);
            return -1;
        }
    }
    if (parse_listen(cfg->listen, &ss, &sslen, host, sizeof host, errbuf,
                     errcap) != 0) {
        conn_pool_free(srv->conns);
        free(srv);
        return -1;
    }
    if (get_port(&ss) != 0 &&
        probe_free(&ss, sslen, cfg->listen, errbuf, errcap) != 0) {
        conn_pool_free(srv->conns);
        free(srv);
        return -1;
    }
    srv->workers = calloc(cfg->threads, sizeof *srv->workers);
    if (srv->workers == NULL) {
        snprintf(errbuf, errcap, "out of memory");
        conn_pool_free(srv->conns);
        free(srv);
        return -1;
    }
    /* TLS bufferevents cannot send file segments: no cache for HTTPS. */
    if (cfg->tls == NULL)
        srv->tiles = tile_cache_new(NULL, HTTP_TILE_CACHE_MAX);
    srv->vpool =
        vpool_new(cfg->threads); /* NULL: checked on the HTTP threads */
    for (unsigned i = 0; i < cfg->threads; i++) {
        srv->nworkers = i + 1;
        if (worker_init(srv, &srv->workers[i], cfg, &ss, sslen, errbuf,
                        errcap) != 0) {
            http_stop(srv);
            return -1;
        }
    }
    srv->port = get_port(&ss);
    snprintf(srv->address, sizeof srv->address,
             ss.ss_family == AF_INET6 ? "[%s]:%u" : "%s:%u", host, srv->port);
    for (unsigned i = 0; i < srv->nworkers; i++) {
        struct worker *w = &srv->workers[i];
        if (pthread_create(&w->thread, NULL, worker_main, w) != 0) {
            snprintf(errbuf, errcap, "cannot start an HTTP thread");
            http_stop(srv);
            return -1;
        }
        w->running = true;
    }
    *out = srv;
    return 0;
}

const char *http_address(const struct http_server *srv)
{
    return srv->address;
}

unsigned http_port(const struct http_server *srv)
{
    return srv->port;
}

static void signal_workers(struct http_server *srv, bool quit)
{
    for (unsigned i = 0; i < srv->nworkers; i++) {
        struct worker *w = &srv->workers[i];
        if (w->wake == NULL)
            continue;
        pthread_mutex_lock(&w->mu);
        w->stop_accepting = true;
        w->quit |= quit;
        pthread_mutex_unlock(&w->mu);
        event_active(w->wake, EV_READ, 1);
    }
}

void http_set_tls(struct http_server *srv, SSL_CTX *tls)
{
    conn_pool_set_tls(srv->conns, tls);
}

void http_stop_accepting(struct http_server *srv)
{
    signal_workers(srv, false);
}

void http_stop(struct http_server *srv)
{
    if (srv == NULL)
        return;
    signal_workers(srv, true);
    for (unsigned i = 0; i < srv->nworkers; i++) {
        struct worker *w = &srv->workers[i];
        if (w->running)
            pthread_join(w->thread, NULL);
        w->running = false;
    }
    /* Checks still queued finish now (the sequencer is stopped: they are
     * refused with 503) and land in the workers' queues. */
    vpool_free(srv->vpool);
    srv->vpool = NULL;
    for (unsigned i = 0; i < srv->nworkers; i++) {
        struct worker *w = &srv->workers[i];
        /* Replies that arrived after the loop ended (none when the
         * sequencer was stopped first) are still delivered to free them. */
        while (w->done_head != NULL) {
            struct pending *p = w->done_head;
            w->done_head = p->next;
            deliver(p);
        }
        worker_free(w);
    }
    free(srv->workers);
    conn_pool_free(srv->conns);
    tile_cache_free(srv->tiles);
    free(srv);
}
