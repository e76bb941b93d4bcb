/*
 * minilog_server.h: a static credlog log server for the client tests: it
 * serves a minilog (minilog.h) over HTTP or HTTPS the way logd would
 * (checkpoint, hash tiles and entry bundles, status and consistency
 * proofs, /v1/log-key), on 127.0.0.1:0 from a libevent thread of its own.
 * It lets the tests serve logs that lie, without adding anything to logd.
 *
 * The server borrows the minilog until minilog_server_stop(); a test that
 * changes the minilog while the server runs holds s->lock (or changes only
 * what minilog_server_publish() then publishes). Setup failures abort().
 */
#ifndef CREDLOG_TESTS_MINILOG_SERVER_H
#define CREDLOG_TESTS_MINILOG_SERVER_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <openssl/ssl.h>

#include "minilog.h"

struct minilog_server {
    struct event_base *base;
    struct evhttp *http;
    pthread_t thread;
    pthread_mutex_t lock;
    struct minilog *ml;
    uint64_t size; /* the published tree size (checkpoint) */
    int port;
    char url[64];
    unsigned long requests;
    unsigned long bundle_requests; /* of entry bundles (tile/entries/...) */
    SSL_CTX *ssl;                  /* HTTPS when not NULL */
    /* Serve tiles of a larger tree than the checkpoint (a log that grew in
     * between), with partial tiles that are now full gone (404). */
    uint64_t tile_size;
    bool drop_partials;
    /* Served at /v1/log-key when set (a log may claim any key there). */
    const char *log_key_text;
};

/* Starts serving ml (published at its current size) on 127.0.0.1:0. */
void minilog_server_start(struct minilog_server *s, struct minilog *ml);

/* Starts serving ml over HTTPS on 127.0.0.1:0 with a fresh self-signed
 * certificate for IP 127.0.0.1 and localhost, written (PEM) to cert_path. */
void minilog_server_start_tls(struct minilog_server *s, struct minilog *ml,
                              const char *cert_path);

/* Publishes the minilog's current size (call after appending). */
void minilog_server_publish(struct minilog_server *s);

/* Stops the server thread and frees the server (not the minilog). */
void minilog_server_stop(struct minilog_server *s);

#endif
