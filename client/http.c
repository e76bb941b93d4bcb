/* http.c: blocking HTTP(S) requests over libevent. See http.h. */
#include "client/http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#define DEFAULT_TIMEOUT 30
#define DEFAULT_MAX_BODY (64u << 20)

struct client_http {
    struct event_base *base;
    struct evhttp_connection *conn; /* plain HTTP: kept between requests */
    SSL_CTX *ssl_ctx;               /* HTTPS only */
    char *host;
    char *path_prefix; /* base URL path without a trailing '/' */
    int port;
    int conn_answered; /* the kept connection has carried an answer */
    int timeout;
    size_t max_body;
    char error[256];
};

/* The state of one request while the loop runs. */
struct pending {
    struct client_http *h;
    struct client_http_response *resp;
    int done;
    int err;
};

const char *client_http_strerror(int err)
{
    switch (err) {
    case 0:
        return "success";
    case CLIENT_HTTP_ERR_URL:
        return "bad URL";
    case CLIENT_HTTP_ERR_CONNECT:
        return "connection failed";
    case CLIENT_HTTP_ERR_TLS:
        return "TLS failure";
    case CLIENT_HTTP_ERR_TIMEOUT:
        return "timed out";
    case CLIENT_HTTP_ERR_NOMEM:
        return "out of memory";
    case CLIENT_HTTP_ERR_TOO_BIG:
        return "answer too large";
    default:
        return "unknown error";
    }
}

const char *client_http_last_error(const struct client_http *h)
{
    return h->error[0] ? h->error : "no error";
}

static int tls_context(struct client_http *h, const char *cacert)
{
    h->ssl_ctx = SSL_CTX_new(TLS_client_method());
    if (h->ssl_ctx == NULL)
        return CLIENT_HTTP_ERR_NOMEM;
    SSL_CTX_set_min_proto_version(h->ssl_ctx, TLS1_2_VERSION);
    SSL_CTX_set_verify(h->ssl_ctx, SSL_VERIFY_PEER, NULL);
    if (cacert != NULL) {
        if (SSL_CTX_load_verify_locations(h->ssl_ctx, cacert, NULL) != 1) {
            snprintf(h->error, sizeof h->error, "cannot load CA file %s",
                     cacert);
            return CLIENT_HTTP_ERR_TLS;
        }
    } else if (SSL_CTX_set_default_verify_paths(h->ssl_ctx) != 1) {
        snprintf(h->error, sizeof h->error, "cannot load system trust store");
        return CLIENT_HTTP_ERR_TLS;
    }
    return 0;
}

int client_http_open(const char *base_url,
                     const struct client_http_options *opt,
                     struct client_http **out)
{
    struct evhttp_uri *uri = NULL;
    struct client_http *h;
    const char *scheme, *host, *path;
    int https, err = CLIENT_HTTP_ERR_URL;

    *out = NULL;
    h = calloc(1, sizeof *h);
    if (h == NULL)
        return CLIENT_HTTP_ERR_NOMEM;
    h->timeout = opt && opt->timeout_seconds > 0 ? opt->timeout_seconds
                                                 : DEFAULT_TIMEOUT;
    h->max_body = opt && opt->max_body > 0 ? opt->max_body : DEFAULT_MAX_BODY;

    uri = evhttp_uri_parse(base_url);
    if (uri == NULL)
        goto fail;
    scheme = evhttp_uri_get_scheme(uri);
    host = evhttp_uri_get_host(uri);
    if (scheme == NULL || host == NULL || host[0] == '\0' ||
        evhttp_uri_get_query(uri) != NULL ||
        evhttp_uri_get_fragment(uri) != NULL)
        goto fail;
    if (strcasecmp(scheme, "http") == 0)
        https = 0;
    else if (strcasecmp(scheme, "https") == 0)
        https = 1;
    else
        goto fail;
    h->port = evhttp_uri_get_port(uri);
    if (h->port < 0)
        h->port = https ? 443 : 80;
    path = evhttp_uri_get_path(uri);
    err = CLIENT_HTTP_ERR_NOMEM;
    h->host = strdup(host);
    h->path_prefix = strdup(path ? path : "");
    if (h->host == NULL || h->path_prefix == NULL)
        goto fail;
    size_t plen = strlen(h->path_prefix);
    while (plen > 0 && h->path_prefix[plen - 1] == '/')
        h->path_prefix[--plen] = '\0';
    h->base = event_base_new();
    if (h->base == NULL)
        goto fail;
    if (https && (err = tls_context(h, opt ? opt->cacert : NULL)) != 0)
        goto fail;
    evhttp_uri_free(uri);
    *out = h;
    return 0;

fail:
    if (err == CLIENT_HTTP_ERR_URL)
        fprintf(stderr, "credlog: bad URL: %s\n", base_url);
    evhttp_uri_free(uri);
    client_http_close(h);
    return err;
}

void client_http_close(struct client_http *h)
{
    if (h == NULL)
        return;
    if (h->conn != NULL)
        evhttp_connection_free(h->conn);
    if (h->base != NULL)
        event_base_free(h->base);
    SSL_CTX_free(h->ssl_ctx);
    free(h->host);
    free(h->path_prefix);
    free(h);
}

static void copy_header(struct evhttp_request *req, const char *name, char *dst,
                        size_t cap)
{
    const char *v =
        evhttp_find_header(evhttp_request_get_input_headers(req), name);

    snprintf(dst, cap, "%s", v ? v : "");
}

static void on_error(enum evhttp_request_error e, void *arg)
{
    struct pending *p = arg;

    switch (e) {
    case EVREQ_HTTP_TIMEOUT:
        p->err = CLIENT_HTTP_ERR_TIMEOUT;
        break;
    case EVREQ_HTTP_DATA_TOO_LONG:
        p->err = CLIENT_HTTP_ERR_TOO_BIG;
        break;
    default:
        p->err = CLIENT_HTTP_ERR_CONNECT;
        break;
    }
}

static void on_done(struct evhttp_request *req, void *arg)
{
    struct pending *p = arg;
    struct evbuffer *in;
    size_t n;

    p->done = 1;
    /* Let this loop iteration finish, so evhttp settles the connection. */
    event_base_loopexit(p->h->base, NULL);
    if (req == NULL || evhttp_request_get_response_code(req) == 0) {
        if (p->err == 0)
            p->err = CLIENT_HTTP_ERR_CONNECT;
        return;
    }
    in = evhttp_request_get_input_buffer(req);
    n = evbuffer_get_length(in);
    if (n > p->h->max_body) {
        p->err = CLIENT_HTTP_ERR_TOO_BIG;
        return;
    }
    p->resp->body = malloc(n + 1);
    if (p->resp->body == NULL) {
        p->err = CLIENT_HTTP_ERR_NOMEM;
        return;
    }
    evbuffer_remove(in, p->resp->body, n);
    p->resp->body[n] = '\0';
    p->resp->body_len = n;
    p->resp->status = evhttp_request_get_response_code(req);
    copy_header(req, "Content-Type", p->resp->content_type,
                sizeof p->resp->content_type);
    copy_header(req, "Cache-Control", p->resp->cache_control,
                sizeof p->resp->cache_control);
    p->err = 0;
    p->h->conn_answered = 1;
}

/* Returns the connection for the next request: the kept one for plain HTTP,
 * a fresh TLS one for HTTPS. */
static struct evhttp_connection *connection(struct client_http *h, int *err)
{
    struct evhttp_connection *conn;

    if (h->ssl_ctx == NULL && h->conn != NULL)
        return h->conn;
    if (h->ssl_ctx == NULL) {
        conn = evhttp_connection_base_new(h->base, NULL, h->host,
                                          (unsigned short)h->port);
    } else {
        SSL *ssl = SSL_new(h->ssl_ctx);
        struct bufferevent *bev;
        if (ssl == NULL) {
            *err = CLIENT_HTTP_ERR_TLS;
            return NULL;
        }
        SSL_set_tlsext_host_name(ssl, h->host);
        SSL_set1_host(ssl, h->host);
        bev = bufferevent_openssl_socket_new(
            h->base, -1, ssl, BUFFEREVENT_SSL_CONNECTING,
            BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS);
        if (bev == NULL) {
            SSL_free(ssl);
            *err = CLIENT_HTTP_ERR_TLS;
            return NULL;
        }
        bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
        conn = evhttp_connection_base_bufferevent_new(
            h->base, NULL, bev, h->host, (unsigned short)h->port);
    }
    if (conn == NULL) {
        *err = CLIENT_HTTP_ERR_NOMEM;
        return NULL;
    }
    h->conn_answered = 0;
    evhttp_connection_set_timeout(conn, h->timeout);
    evhttp_connection_set_max_body_size(conn, (ev_ssize_t)h->max_body);
    if (h->ssl_ctx == NULL)
        h->conn = conn;
    return conn;
}

/* Turns Nagle's algorithm off on the connection's socket (created by
 * evhttp_make_request). evhttp may write a request's head and body
 * separately, and Nagle would then hold the body back until the server's
 * delayed ACK, adding 40 ms to every POST. */
static void set_nodelay(struct evhttp_connection *conn)
{
    struct bufferevent *bev = evhttp_connection_get_bufferevent(conn);
    evutil_socket_t fd = bev != NULL ? bufferevent_getfd(bev) : -1;
    int one = 1;

    if (fd >= 0)
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

/* Fills h->error; returns err, turned into CLIENT_HTTP_ERR_TLS when the
 * failure came from TLS. */
static int describe_failure(struct client_http *h, int err,
                            struct evhttp_connection *conn)
{
    unsigned long ssl_err = 0;

    if (h->ssl_ctx != NULL && conn != NULL) {
        struct bufferevent *bev = evhttp_connection_get_bufferevent(conn);
        if (bev != NULL)
            ssl_err = bufferevent_get_openssl_error(bev);
    }
    if (ssl_err != 0) {
        char buf[160];
        ERR_error_string_n(ssl_err, buf, sizeof buf);
        snprintf(h->error, sizeof h->error, "%s:%d: TLS: %s", h->host, h->port,
                 buf);
        return CLIENT_HTTP_ERR_TLS;
    }
    snprintf(h->error, sizeof h->error, "%s:%d: %s", h->host, h->port,
             client_http_strerror(err));
    return err;
}

static int request_once(struct client_http *h, const char *method,
                        const char *path, const char *content_type,
                        const void *body, size_t body_len,
                        struct client_http_response *resp)
{
    struct pending p = {.h = h, .resp = resp};
    struct evhttp_connection *conn;
    struct evhttp_request *req;
    struct evkeyvalq *headers;
    enum evhttp_cmd_type cmd;
    char *target = NULL;
    size_t tlen;
    int err = 0;

    memset(resp, 0, sizeof *resp);
    h->error[0] = '\0';
    if (strcmp(method, "GET") == 0)
        cmd = EVHTTP_REQ_GET;
    else if (strcmp(method, "POST") == 0)
        cmd = EVHTTP_REQ_POST;
    else if (strcmp(method, "PUT") == 0)
        cmd = EVHTTP_REQ_PUT;
    else if (strcmp(method, "DELETE") == 0)
        cmd = EVHTTP_REQ_DELETE;
    else if (strcmp(method, "HEAD") == 0)
        cmd = EVHTTP_REQ_HEAD;
    else
        return CLIENT_HTTP_ERR_URL;

    conn = connection(h, &err);
    if (conn == NULL)
        return describe_failure(h, err, NULL);
    tlen = strlen(h->path_prefix) + strlen(path) + 1;
    target = malloc(tlen);
    req = evhttp_request_new(on_done, &p);
    if (target == NULL || req == NULL) {
        free(target);
        if (req != NULL)
            evhttp_request_free(req);
        err = CLIENT_HTTP_ERR_NOMEM;
        goto out;
    }
    snprintf(target, tlen, "%s%s", h->path_prefix, path);
    evhttp_request_set_error_cb(req, on_error);
    headers = evhttp_request_get_output_headers(req);
    evhttp_add_header(headers, "Host", h->host);
    evhttp_add_header(headers, "User-Agent", "credlog/0.1");
    if (content_type != NULL)
        evhttp_add_header(headers, "Content-Type", content_type);
    if (body != NULL && body_len > 0)
        evbuffer_add(evhttp_request_get_output_buffer(req), body, body_len);
    if (evhttp_make_request(conn, req, cmd, target) != 0) {
        /* libevent frees req on failure. */
        free(target);
        err = CLIENT_HTTP_ERR_CONNECT;
        goto out;
    }
    free(target);
    set_nodelay(conn);
    while (!p.done)
        if (event_base_dispatch(h->base) != 0)
            break; /* error, or no events left: the request is lost */
    err = p.done ? p.err : CLIENT_HTTP_ERR_CONNECT;

out:
    if (err != 0) {
        err = describe_failure(h, err, conn);
        client_http_response_free(resp);
    }
    if (h->ssl_ctx != NULL)
        evhttp_connection_free(conn);
    return err;
}

int client_http_request(struct client_http *h, const char *method,
                        const char *path, const char *content_type,
                        const void *body, size_t body_len,
                        struct client_http_response *resp)
{
    int reused = h->conn != NULL && h->conn_answered;
    int err = request_once(h, method, path, content_type, body, body_len, resp);

    /* A kept-alive connection may have been closed by the server in a way
     * evhttp only notices when the next request fails; that request never
     * reached the server, so try once more on a fresh connection (credlog's
     * POSTs are idempotent: the log answers a repeat with the same receipt). */
    if (err == CLIENT_HTTP_ERR_CONNECT && reused) {
        evhttp_connection_free(h->conn);
        h->conn = NULL;
        err = request_once(h, method, path, content_type, body, body_len, resp);
    }
    return err;
}

int client_http_get(struct client_http *h, const char *path,
                    struct client_http_response *resp)
{
    return client_http_request(h, "GET", path, NULL, NULL, 0, resp);
}

void client_http_response_free(struct client_http_response *resp)
{
    if (resp == NULL)
        return;
    free(resp->body);
    resp->body = NULL;
    resp->body_len = 0;
}
