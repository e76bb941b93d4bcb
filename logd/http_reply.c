/* http_reply.c: see http_reply.h. */
#include "logd/http_reply.h"

#include <stdio.h>

#include <event2/buffer.h>
#include <event2/keyvalq_struct.h>

#include "logd/log.h"

static void finish(struct http_ctx *c, int status)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    metrics_request(c->w->srv->metrics, c->route, status,
                    (double)(t.tv_sec - c->start.tv_sec) +
                        (double)(t.tv_nsec - c->start.tv_nsec) / 1e9);
}

void http_reply(struct http_ctx *c, int status, const char *type)
{
    struct evkeyvalq *h = evhttp_request_get_output_headers(c->req);
    bool ok = status == 200 || status == 304;

    evhttp_add_header(h, "Content-Type", type);
    evhttp_add_header(h, "Cache-Control",
                      ok && c->cache != NULL ? c->cache : "no-store");
    if (c->cors)
        evhttp_add_header(h, "Access-Control-Allow-Origin", "*");
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
