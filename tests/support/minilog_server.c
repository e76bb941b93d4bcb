/* minilog_server.c: see minilog_server.h. */
#include "minilog_server.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/thread.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "client/doc.h"
#include "proofs/codec.h"
#include "tls_cert.h"

static void reply(struct evhttp_request *req, int code, const char *type,
                  const void *body, size_t len)
{
    struct evbuffer *b = evbuffer_new();
    evbuffer_add(b, body, len);
    evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type",
                      type);
    evhttp_send_reply(req, code, code == 200 ? "OK" : "Error", b);
    evbuffer_free(b);
}

static void reply_json(struct evhttp_request *req, int code, json_t *j)
{
    char *s = json_dumps(j, JSON_COMPACT);
    reply(req, code, "application/json", s, strlen(s));
    free(s);
    json_decref(j);
}

static void not_found(struct evhttp_request *req)
{
    reply_json(req, 404, json_pack("{s:s}", "error", "not found"));
}

static void handle(struct evhttp_request *req, void *arg)
{
    struct minilog_server *s = arg;
    const char *uri = evhttp_request_get_uri(req);
    struct tile t;
    uint8_t *data;
    size_t len;

    pthread_mutex_lock(&s->lock);
    s->requests++;
    if (strncmp(uri, "/tile/entries/", 14) == 0)
        s->bundle_requests++;
    if (strcmp(uri, "/checkpoint") == 0) {
        char *note = minilog_checkpoint(s->ml, s->size);
        reply(req, 200, "text/plain; charset=utf-8", note, strlen(note));
        free(note);
    } else if (strcmp(uri, "/v1/log-key") == 0 && s->log_key_text != NULL) {
        reply(req, 200, "text/plain; charset=utf-8", s->log_key_text,
              strlen(s->log_key_text));
    } else if (strncmp(uri, "/tile/", 6) == 0 &&
               tile_parse_path(uri + 1, strlen(uri + 1), &t) == 0 &&
               !(s->drop_partials && t.width < TILE_WIDTH &&
                 (t.index + 1) * TILE_WIDTH <=
                     tile_level_size(t.level < 0 ? 0 : t.level,
                                     s->tile_size)) &&
               minilog_tile(s->ml,
                            s->tile_size > s->size ? s->tile_size : s->size, &t,
                            &data, &len)) {
        reply(req, 200, "application/octet-stream", data, len);
        free(data);
    } else if (strncmp(uri, "/v1/status/", 11) == 0 && strlen(uri + 11) == 64 &&
               s->size == s->ml->n) {
        struct client_status_proof *sp = malloc(sizeof *sp);
        uint8_t cred[32];
        if (codec_hex_decode(uri + 11, 64, cred, 32) == 0) {
            minilog_status(s->ml, cred, sp);
            reply_json(req, 200, client_status_proof_to_json(sp));
            client_status_proof_free(sp);
        } else {
            not_found(req);
        }
        free(sp);
    } else if (strncmp(uri, "/v1/proof/consistency?", 22) == 0) {
        unsigned long long m, n;
        uint8_t proof[MERKLE_MAX_PROOF][32];
        if (sscanf(uri + 22, "from=%llu&to=%llu", &m, &n) == 2 && m > 0 &&
            m <= n && n <= s->size) {
            size_t k = minilog_consistency(s->ml, m, n, proof);
            reply_json(req, 200,
                       client_consistency_to_json(
                           m, n, (const uint8_t(*)[32])proof, k));
        } else {
            reply_json(req, 400, json_pack("{s:s}", "error", "bad range"));
        }
    } else {
        not_found(req);
    }
    pthread_mutex_unlock(&s->lock);
}

static void *serve(void *arg)
{
    struct minilog_server *s = arg;
    event_base_dispatch(s->base);
    return NULL;
}

void minilog_server_start(struct minilog_server *s, struct minilog *ml)
{
    struct evhttp_bound_socket *sock;

    memset(s, 0, sizeof *s);
    evthread_use_pthreads();
    pthread_mutex_init(&s->lock, NULL);
    s->ml = ml;
    s->size = ml->n;
    s->base = event_base_new();
    s->http = evhttp_new(s->base);
    evhttp_set_gencb(s->http, handle, s);
    sock = evhttp_bind_socket_with_handle(s->http, "127.0.0.1", 0);
    if (sock == NULL)
        abort();
    {
        struct sockaddr_storage ss;
        socklen_t sl = sizeof ss;
        getsockname(evhttp_bound_socket_get_fd(sock), (struct sockaddr *)&ss,
                    &sl);
        s->port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
    }
    snprintf(s->url, sizeof s->url, "http://127.0.0.1:%d", s->port);
    pthread_create(&s->thread, NULL, serve, s);
}

static struct bufferevent *bevcb(struct event_base *base, void *arg)
{
    return bufferevent_openssl_socket_new(base, -1, SSL_new(arg),
                                          BUFFEREVENT_SSL_ACCEPTING,
                                          BEV_OPT_CLOSE_ON_FREE);
}

void minilog_server_start_tls(struct minilog_server *s, struct minilog *ml,
                              const char *cert_path)
{
    EVP_PKEY *pkey;
    X509 *x;

    if (tls_cert_new(&pkey, &x) != 0 ||
        tls_cert_write(pkey, x, cert_path, NULL) != 0)
        abort();
    minilog_server_start(s, ml);
    s->ssl = SSL_CTX_new(TLS_server_method());
    if (s->ssl == NULL || SSL_CTX_use_certificate(s->ssl, x) != 1 ||
        SSL_CTX_use_PrivateKey(s->ssl, pkey) != 1)
        abort();
    X509_free(x);
    EVP_PKEY_free(pkey);
    /* The server thread is idle until a client connects: set the callback
     * under the lock the handler takes. */
    pthread_mutex_lock(&s->lock);
    evhttp_set_bevcb(s->http, bevcb, s->ssl);
    pthread_mutex_unlock(&s->lock);
    snprintf(s->url, sizeof s->url, "https://127.0.0.1:%d", s->port);
}

void minilog_server_publish(struct minilog_server *s)
{
    pthread_mutex_lock(&s->lock);
    s->size = s->ml->n;
    pthread_mutex_unlock(&s->lock);
}

void minilog_server_stop(struct minilog_server *s)
{
    /* loopexit, not loopbreak: a break asked for before the thread enters
     * event_base_dispatch() is forgotten there, and the join never ends. */
    event_base_loopexit(s->base, NULL);
    pthread_join(s->thread, NULL);
    evhttp_free(s->http);
    event_base_free(s->base);
    SSL_CTX_free(s->ssl);
    pthread_mutex_destroy(&s->lock);
}
