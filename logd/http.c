/*
 * http.c: logd's HTTP workers. See http.h and docs/api.md.
 *
 * Each worker is a thread with its own event_base, evhttp, listening socket
 * (SO_REUSEPORT: every worker binds the same address and the kernel spreads
 * the connections) and LMDB reader. Requests are routed by
 * logd/http_route.c; submissions answered later come back through the
 * worker's done queue (http_hand_back()), which its wake event drains.
 */
#define _GNU_SOURCE /* pthread_setname_np */
#include "logd/http.h"

#include <errno.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/listener.h>

#include "logd/http_route.h"
#include "logd/http_server.h"
#include "logd/http_submit.h"

/* The most bytes of full tiles and bundles kept for sendfile (tilecache.h). */
#define HTTP_TILE_CACHE_MAX ((uint64_t)256 << 20)

const char *http_strerror(int err)
{
    switch (err) {
    case 0:
        return "success";
    case HTTP_ERR_CONFIG:
        return "invalid HTTP configuration";
    case HTTP_ERR_LISTEN:
        return "cannot listen";
    case HTTP_ERR_NOMEM:
        return "out of memory";
    case HTTP_ERR_STORE:
        return "cannot make a storage reader";
    case HTTP_ERR_THREAD:
        return "cannot start an HTTP thread";
    default:
        return "unknown HTTP error";
    }
}

void http_hand_back(struct http_pending *p)
{
    struct http_worker *w = p->ctx.w;

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

/* Delivers the replies handed back, and stops accepting or quits when
 * asked. */
static void wake_cb(evutil_socket_t fd, short what, void *arg)
{
    struct http_worker *w = arg;
    struct http_pending *list;
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
        struct http_pending *next = list->next;
        http_submit_deliver(list);
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

static void *worker_main(void *arg)
{
    struct http_worker *w = arg;

    pthread_setname_np(pthread_self(), "logd-http"); /* for top -H, /proc */

    /* Runs until wake_cb() calls loopexit, even with no listener left. */
    event_base_loop(w->base, EVLOOP_NO_EXIT_ON_EMPTY);
    return NULL;
}

static void wake_cb(evutil_socket_t fd, short what, void *arg);

static void worker_free(struct http_worker *w)
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
    free(w->body);
    query_text_free(&w->text);
    query_status_cache_free(&w->status);
    query_status_cache_free(&w->qstatus);
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
        return HTTP_ERR_CONFIG;
    }
    hl = (size_t)(colon - spec);
    if (hl >= 2 && spec[0] == '[' && spec[hl - 1] == ']') {
        spec++;
        hl -= 2;
    }
    if (hl == 0 || hl >= hostcap) {
        snprintf(errbuf, errcap, "--listen: expected HOST:PORT");
        return HTTP_ERR_CONFIG;
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
        return HTTP_ERR_CONFIG;
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
        return HTTP_ERR_LISTEN;
    }
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    rc = bind(fd, (const struct sockaddr *)ss, len);
    e = errno;
    close(fd);
    if (rc != 0) {
        snprintf(errbuf, errcap, "cannot listen on %s: %s", spec, strerror(e));
        return HTTP_ERR_LISTEN;
    }
    return 0;
}

static int worker_init(struct http_server *srv, struct http_worker *w,
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
        return HTTP_ERR_NOMEM;
    }
    if ((err = store_reader_new(srv->store, &w->reader)) != 0) {
        snprintf(errbuf, errcap, "cannot make a storage reader: %s",
                 store_strerror(err));
        return HTTP_ERR_STORE;
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
    evhttp_set_gencb(w->http, http_route_request, w);
    /* Simple GETs answered 200 by logd itself (logd/conn.h,
     * http_route_fast()). TLS connections always go through evhttp. */
    conn_set_fast(w->conns, http_route_fast, w);
    l = evconnlistener_new_bind(w->base, NULL, NULL, flags, 1024,
                                (struct sockaddr *)ss, (int)sslen);
    if (l == NULL) {
        snprintf(errbuf, errcap, "cannot listen on %s: %s", srv->address,
                 strerror(errno));
        return HTTP_ERR_LISTEN;
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
        return HTTP_ERR_LISTEN;
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
    int err;

    *out = NULL;
    srv = calloc(1, sizeof *srv);
    if (srv == NULL || cfg->threads == 0) {
        snprintf(errbuf, errcap,
                 srv ? "--threads must be at least 1" : "out of memory");
        free(srv);
        return srv ? HTTP_ERR_CONFIG : HTTP_ERR_NOMEM;
    }
    srv->store = store;
    srv->seq = seq;
    srv->metrics = metrics;
    srv->max_url = cfg->max_url;
    srv->max_entries = cfg->max_entries;
    srv->metrics_elsewhere = cfg->metrics_elsewhere;
    srv->quorum = cfg->quorum;
    srv->web = cfg->web;
    srv->dev = cfg->dev;
    srv->witness_policy = cfg->witness_policy;
    srv->witness_policy_len = cfg->witness_policy_len;
    srv->replica_of = cfg->replica_of;
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
            return HTTP_ERR_NOMEM;
        }
    }
    if ((err = parse_listen(cfg->listen, &ss, &sslen, host, sizeof host, errbuf,
                            errcap)) != 0 ||
        (get_port(&ss) != 0 &&
         (err = probe_free(&ss, sslen, cfg->listen, errbuf, errcap)) != 0)) {
        conn_pool_free(srv->conns);
        free(srv);
        return err;
    }
    srv->workers = calloc(cfg->threads, sizeof *srv->workers);
    if (srv->workers == NULL) {
        snprintf(errbuf, errcap, "out of memory");
        conn_pool_free(srv->conns);
        free(srv);
        return HTTP_ERR_NOMEM;
    }
    /* TLS bufferevents cannot send file segments: no cache for HTTPS. */
    if (cfg->tls == NULL)
        srv->tiles = tile_cache_new(NULL, HTTP_TILE_CACHE_MAX);
    /* Without a pool (out of memory, no thread), signatures are checked on
     * the HTTP threads. */
    (void)vpool_new(cfg->threads, &srv->vpool);
    for (unsigned i = 0; i < cfg->threads; i++) {
        srv->nworkers = i + 1;
        srv->workers[i].index = i;
        if ((err = worker_init(srv, &srv->workers[i], cfg, &ss, sslen, errbuf,
                               errcap)) != 0) {
            http_stop(srv);
            return err;
        }
    }
    srv->port = get_port(&ss);
    snprintf(srv->address, sizeof srv->address,
             ss.ss_family == AF_INET6 ? "[%s]:%u" : "%s:%u", host, srv->port);
    for (unsigned i = 0; i < srv->nworkers; i++) {
        struct http_worker *w = &srv->workers[i];
        if (pthread_create(&w->thread, NULL, worker_main, w) != 0) {
            snprintf(errbuf, errcap, "cannot start an HTTP thread");
            http_stop(srv);
            return HTTP_ERR_THREAD;
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
        struct http_worker *w = &srv->workers[i];
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
        struct http_worker *w = &srv->workers[i];
        if (w->running)
            pthread_join(w->thread, NULL);
        w->running = false;
    }
    /* Checks still queued finish now (the sequencer is stopped: they are
     * refused with 503) and land in the workers' queues. */
    vpool_free(srv->vpool);
    srv->vpool = NULL;
    for (unsigned i = 0; i < srv->nworkers; i++) {
        struct http_worker *w = &srv->workers[i];
        /* Replies that arrived after the loop ended (none when the
         * sequencer was stopped first) are still delivered to free them. */
        while (w->done_head != NULL) {
            struct http_pending *p = w->done_head;
            w->done_head = p->next;
            http_submit_deliver(p);
        }
        worker_free(w);
    }
    free(srv->workers);
    conn_pool_free(srv->conns);
    tile_cache_free(srv->tiles);
    free(srv);
}
