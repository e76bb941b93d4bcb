/* http_reply.c: see http_reply.h. */
#include "logd/http_reply.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/keyvalq_struct.h>
#include <event2/util.h>

#include "logd/log.h"
#include "logd/web.h"

static void finish(struct http_ctx *c, int status)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    metrics_request(c->w->srv->metrics, c->route, status,
                    (double)(t.tv_sec - c->start.tv_sec) +
                        (double)(t.tv_nsec - c->start.tv_nsec) / 1e9);
}

/* Where an answer's headers go: evhttp's output headers, or a head being
 * written for the fast path. */
typedef void (*header_fn)(void *arg, const char *name, const char *value);

/* The headers every answer of status and type carries, in their order:
 * the one list for evhttp's answers and the fast path's. */
static void headers(const struct http_ctx *c, int status, const char *type,
                    header_fn add, void *arg)
{
    bool ok = status == 200 || status == 304;

    add(arg, "Content-Type", type);
    add(arg, "Cache-Control", ok && c->cache != NULL ? c->cache : "no-store");
    if (c->cors)
        add(arg, "Access-Control-Allow-Origin", "*");
}

static void add_evhttp(void *arg, const char *name, const char *value)
{
    evhttp_add_header(arg, name, value);
}

/* Appends to the fast path's head in c->w->head. */
static void head_printf(struct http_ctx *c, const char *fmt, ...)
{
    size_t cap = sizeof c->w->head;
    va_list ap;
    int n;

    if (c->fast_cut)
        return;
    va_start(ap, fmt);
    n = vsnprintf(c->w->head + c->fast_len, cap - c->fast_len, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= cap - c->fast_len)
        c->fast_cut = true;
    else
        c->fast_len += (size_t)n;
}

static void add_head(void *arg, const char *name, const char *value)
{
    head_printf(arg, "%s: %s\r\n", name, value);
}

/* evhttp's Date (RFC 1123, the current second), made once a second per
 * worker. */
static const char *date_now(struct http_worker *w)
{
    time_t now = time(NULL);

    if (now != w->date_at || w->date[0] == '\0') {
        struct tm tm;
        gmtime_r(&now, &tm);
        evutil_date_rfc1123(w->date, sizeof w->date, &tm);
        w->date_at = now;
    }
    return w->date;
}

void http_reply_begin(struct http_ctx *c, struct http_worker *w,
                      struct evhttp_request *req, struct conn_answer *fast,
                      const char *path)
{
    memset(c, 0, sizeof *c);
    c->w = w;
    c->req = req;
    c->fast = fast;
    c->route = ROUTE_OTHER;
    c->path = path;
    clock_gettime(CLOCK_MONOTONIC, &c->start);
    if (fast != NULL) {
        memset(fast, 0, sizeof *fast);
        fast->file = -1;
        /* The head of a 200 answer (evhttp_make_header()'s): its status
         * line, then the output headers in the order they are added, then
         * evhttp's own (fast_answer()). */
        head_printf(c, "HTTP/1.1 200 OK\r\n");
    }
}

bool http_reply_fast_ready(const struct http_ctx *c)
{
    return c->fast != NULL && c->fast->head_len > 0;
}

/* Completes the fast path's answer: a 200 of type whose body *c->fast
 * holds. Through a GET of HTTP/1.1 that keeps its connection, evhttp adds
 * Date and Content-Length to the handler's headers and http_reply()'s.
 * A head that does not fit leaves the request to evhttp. */
static void fast_answer(struct http_ctx *c, const char *type)
{
    headers(c, 200, type, add_head, c);
    head_printf(c, "Date: %s\r\nContent-Length: %zu\r\n\r\n", date_now(c->w),
                c->fast->body_len);
    if (c->fast_cut)
        return;
    c->fast->head = c->w->head;
    c->fast->head_len = c->fast_len;
    finish(c, 200);
}

/* A body the fast path's answer points to: body[0..len), valid until the
 * worker's next answer (lasting: while the connection lives). */
static void fast_body(struct http_ctx *c, const char *type, const void *body,
                      size_t len, bool lasting)
{
    c->fast->body = body;
    c->fast->body_len = len;
    c->fast->body_lasting = lasting;
    fast_answer(c, type);
}

/* Makes room for len bytes in the worker's body buffer; false when out of
 * memory. */
static bool body_reserve(struct http_worker *w, size_t len)
{
    char *p;

    if (len == 0)
        len = 1; /* an empty body is still in memory, not NULL */
    if (len <= w->body_cap)
        return true;
    p = realloc(w->body, len);
    if (p == NULL)
        return false;
    w->body = p;
    w->body_cap = len;
    return true;
}

void http_reply_header(struct http_ctx *c, const char *name, const char *value)
{
    if (c->fast != NULL)
        add_head(c, name, value);
    else
        evhttp_add_header(evhttp_request_get_output_headers(c->req), name,
                          value);
}

bool http_reply_etag(struct http_ctx *c, const char *etag)
{
    http_reply_header(c, "ETag", etag);
    return c->fast == NULL &&
           web_etag_matches(
               evhttp_find_header(evhttp_request_get_input_headers(c->req),
                                  "If-None-Match"),
               etag);
}

void http_reply(struct http_ctx *c, int status, const char *type)
{
    struct evkeyvalq *h;

    if (c->fast != NULL)
        return; /* evhttp's output buffer holds the body: evhttp's answer */
    h = evhttp_request_get_output_headers(c->req);
    headers(c, status, type, add_evhttp, h);
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

bool http_reply_cached(struct http_ctx *c, const char *type,
                       const struct tile_cache_body *b)
{
    struct evbuffer *out;

    if (c->fast != NULL) {
        c->fast->file = b->fd;
        c->fast->offset = b->offset;
        c->fast->seg = b->seg;
        fast_body(c, type, b->mem, b->len, true);
        return true;
    }
    out = evhttp_request_get_output_buffer(c->req);
    if (b->mem != NULL) {
        if (evbuffer_add_reference(out, b->mem, b->len, NULL, NULL) != 0)
            return false;
    } else {
        /* The answer goes to the socket as it is: libevent sends the
         * segment with sendfile. */
        evbuffer_set_flags(out, EVBUFFER_FLAG_DRAINS_TO_FD);
        if (evbuffer_add_file_segment(out, b->seg, 0, -1) != 0)
            return false;
    }
    http_reply(c, 200, type);
    return true;
}

void http_reply_bytes(struct http_ctx *c, int status, const char *type,
                      const void *data, size_t len)
{
    if (c->fast != NULL) {
        if (status != 200 || !body_reserve(c->w, len))
            return;
        memcpy(c->w->body, data, len);
        fast_body(c, type, c->w->body, len, false);
        return;
    }
    evbuffer_add(evhttp_request_get_output_buffer(c->req), data, len);
    http_reply(c, status, type);
}

static int dump_cb(const char *buf, size_t size, void *data)
{
    return evbuffer_add(data, buf, size);
}

/* Appends to the worker's body buffer (the fast path's JSON). */
static int dump_body_cb(const char *buf, size_t size, void *data)
{
    struct http_ctx *c = data;

    if (!body_reserve(c->w, c->fast->body_len + size))
        return -1;
    memcpy(c->w->body + c->fast->body_len, buf, size);
    c->fast->body_len += size;
    return 0;
}

void http_reply_json(struct http_ctx *c, int status, json_t *j)
{
    struct evbuffer *out;

    if (c->fast != NULL) {
        if (status == 200 &&
            json_dump_callback(j, dump_body_cb, c, JSON_COMPACT) == 0 &&
            dump_body_cb("\n", 1, c) == 0)
            fast_body(c, "application/json", c->w->body, c->fast->body_len,
                      false);
        json_decref(j);
        return;
    }
    out = evhttp_request_get_output_buffer(c->req);
    json_dump_callback(j, dump_cb, out, JSON_COMPACT);
    evbuffer_add(out, "\n", 1);
    json_decref(j);
    http_reply(c, status, "application/json");
}

void http_reply_error(struct http_ctx *c, int status, const char *message,
                      const size_t *position)
{
    json_t *j, *msg;

    if (c->fast != NULL)
        return; /* evhttp's to answer */
    j = json_object();
    msg = json_string(message);

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
    http_reply_json(c, status, j);
}

void http_reply_query(struct http_ctx *c, int err, json_t *j)
{
    if (c->fast != NULL && err != 0)
        return; /* evhttp's to answer (and log) */
    switch (err) {
    case 0:
        if (j != NULL)
            http_reply_json(c, 200, j);
        else if (c->fast != NULL)
            /* The worker's text lasts until its next answer. */
            fast_body(c, "application/json", c->w->text.data, c->w->text.len,
                      false);
        else
            http_reply_bytes(c, 200, "application/json", c->w->text.data,
                             c->w->text.len);
        return;
    case QUERY_ERR_NOTFOUND:
        http_reply_error(c, 404, "beyond the tree", NULL);
        return;
    case QUERY_ERR_RANGE:
        http_reply_error(c, 400, "parameters out of range", NULL);
        return;
    case QUERY_ERR_EMPTY:
        http_reply_error(c, 503, query_strerror(err), NULL);
        return;
    default:
        log_msg("read failed: %s", query_strerror(err));
        http_reply_error(c, 500, query_strerror(err), NULL);
        return;
    }
}

bool http_reply_read_begin(struct http_ctx *c)
{
    int err = store_read_begin(c->w->reader);

    if (err != 0 && c->fast != NULL)
        return false; /* evhttp's to answer (and log) */
    if (err != 0) {
        log_msg("cannot begin a read transaction: %s", store_strerror(err));
        http_reply_error(c, 500, "storage error", NULL);
        return false;
    }
    return true;
}
