/*
 * webhook.c: see webhook.h. The event being delivered is read back from
 * the outbox for each try, so nothing about it lives only in memory.
 */
#include "agent/webhook.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <openssl/sha.h>

#include "proofs/codec.h"

#define EVENT_ID_DOMAIN "credlog-agent/event/v1\n"
#define WEBHOOK_TIMEOUT_S 10
#define WEBHOOK_BACKOFF_MAX_S 60

struct agent_webhook {
    struct event_base *base;
    struct agent_journal *j;
    struct evhttp_uri *uri;
    struct evhttp_connection *conn;
    char path[1024];
    char hostport[300];
    bool in_flight, waiting; /* a POST under way; a retry timer set */
    uint64_t seq;            /* the event in flight */
    unsigned attempts;       /* of the outbox's oldest event */
    struct event *timer;
};

char *agent_webhook_event(const char *event, const json_t *data)
{
    json_t *j = json_object();
    uint8_t h[SHA256_DIGEST_LENGTH];
    char id[2 * SHA256_DIGEST_LENGTH + 1], *canon, *text = NULL;

    if (j == NULL)
        return NULL;
    json_object_update(j, (json_t *)data);
    json_object_del(j, "state");
    json_object_del(j, "event_id");
    json_object_set_new(j, "event", json_string(event));
    if ((canon = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS)) != NULL) {
        size_t dl = sizeof EVENT_ID_DOMAIN - 1, cl = strlen(canon);
        uint8_t *msg = malloc(dl + cl);

        if (msg != NULL) {
            memcpy(msg, EVENT_ID_DOMAIN, dl);
            memcpy(msg + dl, canon, cl);
            SHA256(msg, dl + cl, h);
            free(msg);
            codec_hex_encode(h, AGENT_EVENT_ID_LEN / 2, id);
            id[AGENT_EVENT_ID_LEN] = '\0';
            json_object_set_new(j, "event_id", json_string(id));
            text = json_dumps(j, JSON_COMPACT);
        }
        free(canon);
    }
    json_decref(j);
    return text;
}

static void send_next(struct agent_webhook *w);

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
    struct agent_webhook *w = arg;

    (void)fd;
    (void)what;
    w->waiting = false;
    send_next(w);
}

/* The try failed (code 0: no answer): try again later. */
static void retry(struct agent_webhook *w, int code)
{
    struct timeval tv = {WEBHOOK_BACKOFF_MAX_S, 0};

    if (++w->attempts < 7) /* 1, 2, 4, ... 32 s, then every 60 s */
        tv.tv_sec = (time_t)1 << (w->attempts - 1);
    if (w->attempts == 1 || w->attempts % 16 == 0)
        fprintf(stderr,
                "credlog agent: webhook: event %llu not delivered "
                "(try %u: %s%d); retrying\n",
                (unsigned long long)w->seq, w->attempts,
                code ? "HTTP " : "no answer ", code);
    w->waiting = true;
    evtimer_add(w->timer, &tv);
}

static void on_done(struct evhttp_request *req, void *arg)
{
    struct agent_webhook *w = arg;
    int code = req != NULL ? evhttp_request_get_response_code(req) : 0;
    char why[AGENT_WHY_MAX];

    w->in_flight = false;
    if (code < 200 || code >= 300) {
        retry(w, code);
        return;
    }
    if (agent_journal_event_done(w->j, w->seq, why) != 0) {
        fprintf(stderr, "credlog agent: webhook: %s\n", why);
        retry(w, code); /* sent again: at least once */
        return;
    }
    w->attempts = 0;
    send_next(w);
}

static void send_next(struct agent_webhook *w)
{
    struct evhttp_request *req;
    struct evkeyvalq *h;
    char why[AGENT_WHY_MAX], *text = NULL;
    size_t len;
    int rc;

    if (w->in_flight || w->waiting)
        return;
    rc = agent_journal_event_first(w->j, &w->seq, &text, &len, why);
    if (rc == AGENT_ERR_NOT_FOUND)
        return; /* nothing to send */
    if (rc != 0) {
        fprintf(stderr, "credlog agent: webhook: %s\n",
                rc == AGENT_ERR_NOMEM ? "out of memory" : why);
        retry(w, 0);
        return;
    }
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
    evbuffer_add(evhttp_request_get_output_buffer(req), text, len);
    free(text);
    if (evhttp_make_request(w->conn, req, EVHTTP_REQ_POST, w->path) != 0) {
        retry(w, 0); /* libevent freed req */
        return;
    }
    w->in_flight = true;
    return;
later:
    free(text);
    retry(w, 0);
}

int agent_webhook_new(struct event_base *base, const char *url,
                      struct agent_journal *j, struct agent_webhook **out,
                      char *why)
{
    struct agent_webhook *w = calloc(1, sizeof *w);
    const char *path, *query, *host;
    int port;

    *out = NULL;
    if (w == NULL)
        return AGENT_ERR_NOMEM;
    w->base = base;
    w->j = j;
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
    send_next(w);
    *out = w;
    return 0;
}

void agent_webhook_kick(struct agent_webhook *w)
{
    send_next(w);
}

void agent_webhook_free(struct agent_webhook *w)
{
    if (w == NULL)
        return;
    if (w->conn != NULL)
        evhttp_connection_free(w->conn);
    if (w->timer != NULL)
        event_free(w->timer);
    if (w->uri != NULL)
        evhttp_uri_free(w->uri);
    free(w);
}
