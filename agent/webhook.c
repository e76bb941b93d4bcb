/* webhook.c: see webhook.h. */
#include "agent/webhook.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#define WEBHOOK_TIMEOUT_S 10
#define WEBHOOK_BACKOFF_MAX_S 60

struct msg {
    struct msg *next;
    char *body;
    unsigned attempts;
};

struct agent_webhook {
    struct event_base *base;
    struct evhttp_uri *uri;
    struct evhttp_connection *conn;
    char path[1024];
    char hostport[300];
    struct msg *head, **tail;
    size_t n;
    bool in_flight;
    struct event *timer;
};

static void send_head(struct agent_webhook *w);

static void pop(struct agent_webhook *w)
{
    struct msg *m = w->head;

    w->head = m->next;
    if (w->head == NULL)
        w->tail = &w->head;
    w->n--;
    free(m->body);
    free(m);
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    send_head(arg);
}

static void on_done(struct evhttp_request *req, void *arg)
{
    struct agent_webhook *w = arg;
    int code = req != NULL ? evhttp_request_get_response_code(req) : 0;
    struct msg *m = w->head;

    w->in_flight = false;
    if (m == NULL)
        return;
    if (code >= 200 && code < 300) {
        pop(w);
        send_head(w);
        return;
    }
    if (++m->attempts >= AGENT_WEBHOOK_ATTEMPTS) {
        fprintf(stderr,
                "credlog agent: webhook: dropping an event after %u "
                "attempts (last: %s%d)\n",
                m->attempts, code ? "HTTP " : "no answer ", code);
        pop(w);
        send_head(w);
        return;
    }
    unsigned s = 1u << (m->attempts - 1);
    struct timeval tv = {s > WEBHOOK_BACKOFF_MAX_S ? WEBHOOK_BACKOFF_MAX_S : s,
                         0};
    evtimer_add(w->timer, &tv);
}

static void send_head(struct agent_webhook *w)
{
    struct evhttp_request *req;
    struct evkeyvalq *h;

    if (w->in_flight || w->head == NULL)
        return;
    if (w->conn == NULL) {
        int port = evhttp_uri_get_port(w->uri);

        w->conn = evhttp_connection_base_new(
            w->base, NULL, evhttp_uri_get_host(w->uri),
            (unsigned short)(port > 0 ? port : 80));
        if (w->conn == NULL)
            goto later;
        evhttp_connection_set_timeout(w->conn, WEBHOOK_TIMEOUT_S);
    }
    if ((req = evhttp_request_new(on_done, w)) == NULL)
        goto later;
    h = evhttp_request_get_output_headers(req);
    evhttp_add_header(h, "Host", w->hostport);
    evhttp_add_header(h, "Content-Type", "application/json");
    evbuffer_add(evhttp_request_get_output_buffer(req), w->head->body,
                 strlen(w->head->body));
    if (evhttp_make_request(w->conn, req, EVHTTP_REQ_POST, w->path) != 0)
        goto later; /* libevent freed req */
    w->in_flight = true;
    return;
later:
    on_done(NULL, w);
}

int agent_webhook_new(struct event_base *base, const char *url,
                      struct agent_webhook **out, char *why)
{
    struct agent_webhook *w = calloc(1, sizeof *w);
    const char *path, *query, *host;
    int port;

    *out = NULL;
    if (w == NULL)
        return AGENT_ERR_NOMEM;
    w->base = base;
    w->tail = &w->head;
    w->uri = evhttp_uri_parse(url);
    if (w->uri == NULL || evhttp_uri_get_scheme(w->uri) == NULL ||
        strcmp(evhttp_uri_get_scheme(w->uri), "http") != 0 ||
        (host = evhttp_uri_get_host(w->uri)) == NULL) {
        snprintf(why, AGENT_WHY_MAX, "webhook: '%s' is not an http:// URL",
                 url);
        agent_webhook_free(w);
        return AGENT_ERR_CONFIG;
    }
    path = evhttp_uri_get_path(w->uri);
    query = evhttp_uri_get_query(w->uri);
    snprintf(w->path, sizeof w->path, "%s%s%s",
             path != NULL && path[0] ? path : "/", query ? "?" : "",
             query ? query : "");
    port = evhttp_uri_get_port(w->uri);
    if (port > 0)
        snprintf(w->hostport, sizeof w->hostport, "%s:%d", host, port);
    else
        snprintf(w->hostport, sizeof w->hostport, "%s", host);
    if ((w->timer = evtimer_new(base, on_timer, w)) == NULL) {
        agent_webhook_free(w);
        return AGENT_ERR_NOMEM;
    }
    *out = w;
    return 0;
}

void agent_webhook_post(struct agent_webhook *w, const char *event,
                        const json_t *data)
{
    json_t *j = json_object();
    struct msg *m;

    if (w->n >= AGENT_WEBHOOK_QUEUE_MAX) {
        fprintf(stderr,
                "credlog agent: webhook: %zu events waiting; "
                "dropping a %s event\n",
                w->n, event);
        json_decref(j);
        return;
    }
    json_object_update(j, (json_t *)data);
    json_object_del(j, "state");
    json_object_set_new(j, "event", json_string(event));
    if ((m = calloc(1, sizeof *m)) == NULL ||
        (m->body = json_dumps(j, JSON_COMPACT)) == NULL) {
        free(m);
        json_decref(j);
        return;
    }
    json_decref(j);
    *w->tail = m;
    w->tail = &m->next;
    w->n++;
    send_head(w);
}

size_t agent_webhook_waiting(const struct agent_webhook *w)
{
    return w->n;
}

void agent_webhook_free(struct agent_webhook *w)
{
    if (w == NULL)
        return;
    while (w->head != NULL)
        pop(w);
    if (w->conn != NULL)
        evhttp_connection_free(w->conn);
    if (w->timer != NULL)
        event_free(w->timer);
    if (w->uri != NULL)
        evhttp_uri_free(w->uri);
    free(w);
}
