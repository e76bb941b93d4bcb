/* metrics_listen.c: see metrics_listen.h. */
#include "logd/metrics_listen.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/util.h>

#include "logd/conn.h"

/* A scraper or two and an operator's curl: a few connections are plenty. */
#define METRICS_LISTEN_MAX_CONNECTIONS 16
#define METRICS_LISTEN_TIMEOUT_S 10

struct metrics_listen {
    struct metrics *metrics;
    struct evhttp *http;
    struct conn_pool *pool;
    struct conn_set *conns;
    char address[300];
};

static void answer_json(struct evhttp_request *req, int status,
                        const char *message)
{
    struct evbuffer *out = evhttp_request_get_output_buffer(req);
    struct evkeyvalq *h = evhttp_request_get_output_headers(req);

    evhttp_add_header(h, "Content-Type", "application/json");
    evhttp_add_header(h, "Connection", "close");
    if (evhttp_request_get_command(req) != EVHTTP_REQ_HEAD)
        evbuffer_add_printf(out, "{\"error\":\"%s\"}\n", message);
    evhttp_send_reply(req, status, NULL, NULL);
}

static void on_request(struct evhttp_request *req, void *arg)
{
    struct metrics_listen *ml = arg;
    const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
    const char *path = uri != NULL ? evhttp_uri_get_path(uri) : NULL;
    const char *query = uri != NULL ? evhttp_uri_get_query(uri) : NULL;
    enum evhttp_cmd_type m = evhttp_request_get_command(req);
    struct evkeyvalq *h = evhttp_request_get_output_headers(req);
    int verdict = conn_request(ml->conns, req);
    char *text, len_text[24];
    size_t len;

    if (verdict == CONN_REFUSE) {
        evhttp_add_header(h, "Retry-After", "1");
        answer_json(req, 503, "too many connections");
        return;
    }
    if (verdict == CONN_MALFORMED || m == EVHTTP_REQ_CONNECT) {
        conn_close_after(ml->conns, req);
        answer_json(req, m == EVHTTP_REQ_CONNECT ? 405 : 400,
                    m == EVHTTP_REQ_CONNECT ? "method not allowed"
                                            : "malformed HTTP request");
        return;
    }
    if (path == NULL || strcmp(path, "/metrics") != 0 ||
        (query != NULL && query[0] != '\0')) {
        answer_json(req, 404, "no such route");
        return;
    }
    if (m != EVHTTP_REQ_GET && m != EVHTTP_REQ_HEAD) {
        evhttp_add_header(h, "Allow", "GET, HEAD");
        answer_json(req, 405, "method not allowed");
        return;
    }
    text = metrics_format(ml->metrics, &len);
    if (text == NULL) {
        answer_json(req, 500, "out of memory");
        return;
    }
    evhttp_add_header(h, "Content-Type",
                      "text/plain; version=0.0.4; charset=utf-8");
    evhttp_add_header(h, "Cache-Control", "no-cache");
    if (m == EVHTTP_REQ_HEAD) {
        /* The headers of the GET, no body (libevent 2.1 would send it). */
        snprintf(len_text, sizeof len_text, "%zu", len);
        evhttp_add_header(h, "Content-Length", len_text);
    } else {
        evbuffer_add(evhttp_request_get_output_buffer(req), text, len);
    }
    free(text);
    evhttp_send_reply(req, 200, NULL, NULL);
}

/* Splits "HOST:PORT" / "[V6]:PORT". */
static int split(const char *spec, char *host, size_t hostcap, unsigned *port)
{
    const char *colon = strrchr(spec, ':');
    size_t hl;
    char *end;
    unsigned long p;

    if (colon == NULL || colon[1] < '0' || colon[1] > '9')
        return -1;
    p = strtoul(colon + 1, &end, 10);
    if (*end != '\0' || p > 65535)
        return -1;
    hl = (size_t)(colon - spec);
    if (hl >= 2 && spec[0] == '[' && spec[hl - 1] == ']') {
        spec++;
        hl -= 2;
    }
    if (hl == 0 || hl >= hostcap)
        return -1;
    memcpy(host, spec, hl);
    host[hl] = '\0';
    *port = (unsigned)p;
    return 0;
}

int metrics_listen_start(struct event_base *base, const char *spec,
                         struct metrics *metrics, struct metrics_listen **out,
                         char *errbuf, size_t errcap)
{
    struct conn_config cc = {METRICS_LISTEN_MAX_CONNECTIONS,
                             METRICS_LISTEN_MAX_CONNECTIONS,
                             METRICS_LISTEN_TIMEOUT_S,
                             METRICS_LISTEN_TIMEOUT_S,
                             8192,
                             1024,
                             NULL};
    struct metrics_listen *ml;
    struct evhttp_bound_socket *bound;
    struct sockaddr_storage ss;
    socklen_t sslen = sizeof ss;
    char host[256], name[INET6_ADDRSTRLEN];
    unsigned port;

    *out = NULL;
    if (split(spec, host, sizeof host, &port) != 0) {
        snprintf(errbuf, errcap, "--metrics-listen %s: expected HOST:PORT",
                 spec);
        return -1;
    }
    ml = calloc(1, sizeof *ml);
    if (ml == NULL) {
        snprintf(errbuf, errcap, "out of memory");
        return -1;
    }
    ml->metrics = metrics;
    ml->pool = conn_pool_new(&cc, NULL);
    ml->http = evhttp_new(base);
    ml->conns = ml->http != NULL && ml->pool != NULL
                    ? conn_set_new(ml->pool, base, ml->http)
                    : NULL;
    if (ml->conns == NULL) {
        snprintf(errbuf, errcap, "out of memory");
        goto fail;
    }
    evhttp_set_max_headers_size(ml->http, (ev_ssize_t)cc.max_headers);
    evhttp_set_max_body_size(ml->http, (ev_ssize_t)cc.max_body);
    evhttp_set_timeout(ml->http, METRICS_LISTEN_TIMEOUT_S);
    /* Every method evhttp knows reaches on_request (which answers 405 in
     * JSON). */
    evhttp_set_allowed_methods(
        ml->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD |
                      EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE | EVHTTP_REQ_OPTIONS |
                      EVHTTP_REQ_PATCH | EVHTTP_REQ_TRACE | EVHTTP_REQ_CONNECT);
    evhttp_set_gencb(ml->http, on_request, ml);
    bound = evhttp_bind_socket_with_handle(ml->http, host, (ev_uint16_t)port);
    if (bound == NULL) {
        snprintf(errbuf, errcap, "cannot listen on --metrics-listen %s", spec);
        goto fail;
    }
    if (getsockname(evhttp_bound_socket_get_fd(bound), (struct sockaddr *)&ss,
                    &sslen) == 0) {
        const void *a =
            ss.ss_family == AF_INET6
                ? (const void *)&((struct sockaddr_in6 *)&ss)->sin6_addr
                : (const void *)&((struct sockaddr_in *)&ss)->sin_addr;
        port = ss.ss_family == AF_INET6
                   ? ntohs(((struct sockaddr_in6 *)&ss)->sin6_port)
                   : ntohs(((struct sockaddr_in *)&ss)->sin_port);
        if (inet_ntop(ss.ss_family, a, name, sizeof name) != NULL)
            snprintf(host, sizeof host, "%s", name);
    }
    snprintf(ml->address, sizeof ml->address,
             strchr(host, ':') != NULL ? "[%s]:%u" : "%s:%u", host, port);
    *out = ml;
    return 0;

fail:
    metrics_listen_free(ml);
    return -1;
}

const char *metrics_listen_address(const struct metrics_listen *ml)
{
    return ml->address;
}

void metrics_listen_free(struct metrics_listen *ml)
{
    if (ml == NULL)
        return;
    conn_set_release(ml->conns);
    if (ml->http != NULL)
        evhttp_free(ml->http);
    conn_set_free(ml->conns);
    conn_pool_free(ml->pool);
    free(ml);
}
