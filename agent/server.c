/* server.c: see server.h. */
#include "agent/server.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <openssl/ssl.h>

#include "agent/engine.h"
#include "agent/journal.h"
#include "agent/request.h"
#include "agent/watch.h"
#include "agent/webhook.h"
#include "client/files.h"
#include "logd/conn.h"
#include "logd/notify.h"
#include "logd/tls.h"
#include "proofs/entry.h"

/* Connections open at once, and from one address (issuing systems call
 * from a few hosts, often all from loopback: one address may use them
 * all). */
#define AGENT_MAX_CONNECTIONS 1024
#define AGENT_MAX_HEADERS (16 * 1024)

struct server {
    const struct agent_config *cfg;
    const struct agent_run_options *opt;
    struct event_base *base;
    struct evhttp *http;
    struct conn_pool *pool; /* logd's connection guard (logd/conn.h) */
    struct conn_set *conns;
    SSL_CTX *tls;
    struct agent_journal *journal;
    struct agent_engine *engine;
    struct agent_webhook *webhook;
    struct agent_watch *watch;
};

/* A request waiting for the engine's answer. */
struct pending {
    struct server *s;
    struct evhttp_request *req;
};

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void say(const char *fmt, ...)
{
    va_list ap;

    fputs("credlog agent: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

static void reply_json(struct evhttp_request *req, int status, json_t *body)
{
    struct evkeyvalq *h = evhttp_request_get_output_headers(req);
    struct evbuffer *b = evbuffer_new();
    char *text = json_dumps(body, JSON_COMPACT);

    evhttp_add_header(h, "Content-Type", "application/json");
    evhttp_add_header(h, "Cache-Control", "no-store");
    if (status == 401)
        evhttp_add_header(h, "WWW-Authenticate", "Bearer");
    if (status == 503)
        evhttp_add_header(h, "Retry-After", "1");
    if (b != NULL && text != NULL) {
        evbuffer_add(b, text, strlen(text));
        evbuffer_add(b, "\n", 1);
    }
    evhttp_send_reply(req, status, NULL, b);
    if (b != NULL)
        evbuffer_free(b);
    free(text);
}

static void reply_error(struct evhttp_request *req, int status, const char *msg)
{
    json_t *j = json_pack("{s:s}", "error", msg);

    reply_json(req, status, j);
    json_decref(j);
}

static void on_close(struct evhttp_connection *evcon, void *arg)
{
    struct pending *p = arg;

    (void)evcon;
    agent_engine_forget(p->s->engine, p);
    free(p);
}

static void on_answer(void *arg, int status, json_t *body)
{
    struct pending *p = arg;

    evhttp_connection_set_closecb(evhttp_request_get_connection(p->req), NULL,
                                  NULL);
    reply_json(p->req, status, body);
    free(p);
}

/* The department of the request's bearer token, or -1. */
static long department(struct server *s, struct evhttp_request *req)
{
    const char *a = evhttp_find_header(evhttp_request_get_input_headers(req),
                                       "Authorization");

    if (a == NULL || strncmp(a, "Bearer ", 7) != 0 || a[7] == '\0')
        return -1;
    return agent_config_department(s->cfg, a + 7, strlen(a + 7));
}

static void submit(struct server *s, struct evhttp_request *req, uint8_t type)
{
    struct evbuffer *in = evhttp_request_get_input_buffer(req);
    size_t len = evbuffer_get_length(in);
    struct agent_request r;
    char why[AGENT_WHY_MAX];
    struct pending *p;
    long dept;

    if ((dept = department(s, req)) < 0) {
        reply_error(req, 401,
                    "a department's bearer token is required "
                    "(Authorization: Bearer TOKEN)");
        return;
    }
    if (agent_request_parse((const char *)evbuffer_pullup(in, -1), len, type,
                            &r, why) != 0) {
        reply_error(req, 400, why);
        return;
    }
    r.dept = (size_t)dept;
    if ((p = calloc(1, sizeof *p)) == NULL) {
        agent_request_free(&r);
        reply_error(req, 500, "out of memory");
        return;
    }
    p->s = s;
    p->req = req;
    evhttp_connection_set_closecb(evhttp_request_get_connection(req), on_close,
                                  p);
    agent_engine_submit(s->engine, &r, on_answer, p);
}

/* What the connection guard says of req; false when it has been answered
 * (and its connection is closed after the answer). */
static bool guard(struct server *s, struct evhttp_request *req)
{
    int verdict = conn_request(s->conns, req);
    enum evhttp_cmd_type m = evhttp_request_get_command(req);

    if (verdict == CONN_REFUSE) {
        evhttp_add_header(evhttp_request_get_output_headers(req), "Retry-After",
                          "1");
        reply_error(req, 503, "too many connections");
        return false;
    }
    if (verdict == CONN_MALFORMED || m == EVHTTP_REQ_CONNECT) {
        conn_close_after(s->conns, req);
        reply_error(req, verdict == CONN_MALFORMED ? 400 : 405,
                    verdict == CONN_MALFORMED ? "malformed HTTP request"
                                              : "method not allowed");
        return false;
    }
    return true;
}

static void on_request(struct evhttp_request *req, void *arg)
{
    struct server *s = arg;
    const char *path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));
    enum evhttp_cmd_type m = evhttp_request_get_command(req);
    uint8_t type = 0;

    if (!guard(s, req))
        return;
    if (path != NULL && strcmp(path, "/issue") == 0)
        type = ENTRY_ISSUE;
    else if (path != NULL && strcmp(path, "/revoke") == 0)
        type = ENTRY_REVOKE;
    if (type != 0) {
        if (m == EVHTTP_REQ_POST)
            submit(s, req, type);
        else
            reply_error(req, 405, "use POST");
    } else if (path != NULL && strcmp(path, "/healthz") == 0) {
        json_t *j = json_pack("{s:b,s:I}", "ok", 1, "busy",
                              (json_int_t)agent_engine_busy(s->engine));

        reply_json(req, 200, j);
        json_decref(j);
    } else {
        reply_error(req, 404, "not found: POST /issue, POST /revoke");
    }
}

static void on_stop(evutil_socket_t sig, short what, void *arg)
{
    (void)sig;
    (void)what;
    event_base_loopexit(arg, NULL);
}

/* An event is in the webhook outbox (the engine and the watch journal
 * them): send it. */
static void on_event(void *arg, const char *event, json_t *data)
{
    struct server *s = arg;

    (void)event;
    (void)data;
    if (s->webhook != NULL)
        agent_webhook_kick(s->webhook);
}

static int bind_listen(struct server *s)
{
    const char *listen = s->cfg->listen, *colon = strrchr(listen, ':');
    struct evhttp_bound_socket *sock;
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    unsigned long port;
    char host[256], *end;
    size_t hl;

    if (colon == NULL || (hl = (size_t)(colon - listen)) == 0 ||
        hl >= sizeof host) {
        say("listen wants ADDR:PORT, not '%s'", listen);
        return -1;
    }
    memcpy(host, listen, hl);
    host[hl] = '\0';
    if (host[0] == '[' && host[hl - 1] == ']') {
        memmove(host, host + 1, hl - 2);
        host[hl - 2] = '\0';
    }
    errno = 0;
    port = strtoul(colon + 1, &end, 10);
    if (errno != 0 || *end != '\0' || end == colon + 1 || port > 65535) {
        say("listen: bad port in '%s'", listen);
        return -1;
    }
    if ((sock = evhttp_bind_socket_with_handle(s->http, host,
                                               (uint16_t)port)) == NULL) {
        say("cannot listen on %s: %s", listen, strerror(errno));
        return -1;
    }
    if (getsockname(evhttp_bound_socket_get_fd(sock), (struct sockaddr *)&ss,
                    &sl) == 0)
        port = ntohs(ss.ss_family == AF_INET6
                         ? ((struct sockaddr_in6 *)&ss)->sin6_port
                         : ((struct sockaddr_in *)&ss)->sin_port);
    say("%s: %zu department%s, listening on %s port %lu%s", s->cfg->institution,
        s->cfg->ndepts, s->cfg->ndepts == 1 ? "" : "s", host, port,
        s->tls == NULL             ? ""
        : s->cfg->tls_client_ca[0] ? " (TLS, client certificates required)"
                                   : " (TLS)");
    if (s->opt->port_file != NULL) {
        char text[16], why[CLIENT_REASON_MAX];
        int n = snprintf(text, sizeof text, "%lu\n", port);

        if (client_write_file_atomic(s->opt->port_file, text, (size_t)n, 0644,
                                     why) != 0) {
            say("%s", why);
            return -1;
        }
    }
    return 0;
}

static int start_tls(struct server *s)
{
    char why[AGENT_WHY_MAX];

    if (s->cfg->tls_cert[0] == '\0')
        return 0;
    if (tls_server_new(s->cfg->tls_cert, s->cfg->tls_key, &s->tls, why,
                       sizeof why) != 0) {
        say("%s", why);
        return -1;
    }
    if (s->cfg->tls_client_ca[0] != '\0') {
        if (SSL_CTX_load_verify_locations(s->tls, s->cfg->tls_client_ca,
                                          NULL) != 1) {
            say("cannot load the client CA certificates %s",
                s->cfg->tls_client_ca);
            return -1;
        }
        SSL_CTX_set_verify(
            s->tls, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
    }
    return 0;
}

/* logd's connection guard (logd/conn.h) makes every connection's
 * bufferevent (TLS with s->tls), gives each request a deadline, bounds
 * what a connection may buffer, refuses smuggling, and rewrites the answers
 * evhttp makes by itself (a body over the limit: 413; a malformed request:
 * 400) as {"error": ...}, so every answer of the agent is JSON. */
static int start_guard(struct server *s)
{
    int t = s->opt->timeout_s > 0 ? s->opt->timeout_s : 30;
    struct conn_config cc = {
        .max_connections = AGENT_MAX_CONNECTIONS,
        .max_per_ip = AGENT_MAX_CONNECTIONS,
        .request_timeout_s = t,
        .first_byte_timeout_s = t,
        .max_headers = AGENT_MAX_HEADERS,
        .max_body = AGENT_BODY_MAX,
        .tls = s->tls,
    };

    if ((s->pool = conn_pool_new(&cc, NULL)) == NULL ||
        (s->conns = conn_set_new(s->pool, s->base, s->http)) == NULL) {
        say("out of memory");
        return -1;
    }
    evhttp_set_max_body_size(s->http, (ev_ssize_t)cc.max_body);
    evhttp_set_max_headers_size(s->http, (ev_ssize_t)cc.max_headers);
    evhttp_set_timeout(s->http, t);
    /* Every method evhttp knows reaches on_request, which answers 405 in
     * JSON. */
    evhttp_set_allowed_methods(
        s->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD |
                     EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE | EVHTTP_REQ_OPTIONS |
                     EVHTTP_REQ_TRACE | EVHTTP_REQ_CONNECT | EVHTTP_REQ_PATCH);
    return 0;
}

static int start(struct server *s)
{
    char why[AGENT_WHY_MAX];
    int n;

    if (agent_journal_open(s->cfg->data_dir, &s->journal, why) != 0) {
        say("%s", why);
        return -1;
    }
    if (start_tls(s) != 0)
        return -1;
    if ((s->base = event_base_new()) == NULL ||
        (s->http = evhttp_new(s->base)) == NULL) {
        say("cannot start the event loop");
        return -1;
    }
    if (s->cfg->webhook[0] != '\0' &&
        agent_webhook_new(s->base, s->cfg->webhook, s->journal, &s->webhook,
                          why) != 0) {
        say("%s", why);
        return -1;
    }
    if (agent_engine_new(s->base, s->cfg, s->journal, s->opt->timeout_s,
                         s->webhook != NULL ? on_event : NULL, s, &s->engine,
                         why) != 0) {
        say("%s", why);
        return -1;
    }
    if ((n = agent_engine_recover(s->engine, why)) < 0) {
        say("%s", why);
        return -1;
    }
    if (n > 0)
        say("submitting %d journaled request%s again", n, n == 1 ? "" : "s");
    if (s->cfg->monitor_interval_s > 0 &&
        agent_watch_new(s->base, s->cfg, s->opt->timeout_s,
                        s->webhook != NULL ? s->journal : NULL, on_event, s,
                        &s->watch, why) != 0) {
        say("%s", why);
        return -1;
    }
    if (start_guard(s) != 0)
        return -1;
    evhttp_set_gencb(s->http, on_request, s);
    return bind_listen(s);
}

int agent_server_run(const struct agent_config *cfg,
                     const struct agent_run_options *opt)
{
    struct server s = {.cfg = cfg, .opt = opt};
    struct event *stop_term = NULL, *stop_int = NULL;
    int rc = 1;

    signal(SIGPIPE, SIG_IGN);
    if (start(&s) != 0)
        goto done;
    stop_term = evsignal_new(s.base, SIGTERM, on_stop, s.base);
    stop_int = evsignal_new(s.base, SIGINT, on_stop, s.base);
    if (stop_term == NULL || stop_int == NULL ||
        event_add(stop_term, NULL) != 0 || event_add(stop_int, NULL) != 0) {
        say("cannot install signal handlers");
        goto done;
    }
    (void)notify_send("READY=1");
    event_base_dispatch(s.base);
    (void)notify_send("STOPPING=1");
    say("stopped");
    rc = 0;
done:
    if (stop_term != NULL)
        event_free(stop_term);
    if (stop_int != NULL)
        event_free(stop_int);
    conn_set_release(s.conns);
    if (s.http != NULL)
        evhttp_free(s.http);
    conn_set_free(s.conns);
    conn_pool_free(s.pool);
    agent_watch_free(s.watch);
    agent_engine_free(s.engine);
    agent_webhook_free(s.webhook);
    if (s.base != NULL)
        event_base_free(s.base);
    tls_server_free(s.tls);
    agent_journal_close(s.journal);
    return rc;
}
