/* http_reply.c: see http_reply.h. */
#include "logd/http_reply.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/keyvalq_struct.h>
#include <event2/util.h>

#include "logd/log.h"

static void finish(struct http_ctx *c, int status)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    metrics_request(c->w->srv->metrics, c->route, status,
                    (double)(t.tv_sec - c->start.tv_sec) +
                        (double)(t.tv_nsec - c->start.tv_nsec) / 1e9);
}

/* Where an answer's headers go: evhttp's output headers, or a head being
 * written by http_reply_head(). */
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

struct head {
    char *buf;
    size_t cap, len;
    bool cut;
};

static void head_printf(struct head *h, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(h->buf + h->len, h->cap - h->len, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= h->cap - h->len)
        h->cut = true;
    else
        h->len += (size_t)n;
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

size_t http_reply_head(struct http_ctx *c, const char *type,
                       const char *const *extra, size_t body_len, char *buf,
                       size_t cap)
{
    struct head h = {buf, cap, 0, false};

    /* As evhttp_make_header() writes a 1.1 answer with a body: the output
     * headers in the order they were added, then its own. */
    head_printf(&h, "HTTP/1.1 200 OK\r\n");
    for (; extra != NULL && extra[0] != NULL; extra += 2)
        add_head(&h, extra[0], extra[1]);
    headers(c, 200, type, add_head, &h);
    head_printf(&h, "Date: %s\r\nContent-Length: %zu\r\n\r\n", date_now(c->w),
                body_len);
    if (h.cut)
        return 0;
    finish(c, 200);
    return h.len;
}

void http_reply(struct http_ctx *c, int status, const char *type)
{
    struct evkeyvalq *h = evhttp_request_get_output_headers(c->req);

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

void http_reply_bytes(struct http_ctx *c, int status, const char *type,
                      const void *data, size_t len)
{
    evbuffer_add(evhttp_request_get_output_buffer(c->req), data, len);
    http_reply(c, status, type);
}

static int dump_cb(const char *buf, size_t size, void *data)
{
    return evbuffer_add(data, buf, size);
}

void http_reply_json(struct http_ctx *c, int status, json_t *j)
{
    struct evbuffer *out = evhttp_request_get_output_buffer(c->req);

    json_dump_callback(j, dump_cb, out, JSON_COMPACT);
    evbuffer_add(out, "\n", 1);
    json_decref(j);
    http_reply(c, status, "application/json");
}

void http_reply_error(struct http_ctx *c, int status, const char *message,
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
    http_reply_json(c, status, j);
}

void http_reply_query(struct http_ctx *c, int err, json_t *j)
{
    switch (err) {
    case 0:
        if (j != NULL)
            http_reply_json(c, 200, j);
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

    if (err != 0) {
        log_msg("cannot begin a read transaction: %s", store_strerror(err));
        http_reply_error(c, 500, "storage error", NULL);
        return false;
    }
    return true;
}
