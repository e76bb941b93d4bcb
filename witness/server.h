/*
 * server.h: `credlog witness`, a C2SP tlog-witness server on one libevent
 * event loop. Implemented in server.c; the decisions are witness/check.h's,
 * the state witness/wstore.h's.
 *
 *   POST /add-checkpoint            tlog-witness v1.0.0 (with the later
 *                                   clarifications: 404, 403, 400, 409 with
 *                                   text/x.tlog.size, 422, 200), plus 413
 *                                   over 16 KiB and 429 over a log's qpd
 *   GET  /<hex SHA-256(origin)>/checkpoint
 *                                   the latest cosigned checkpoint
 *
 * With verify_map, a checkpoint is cosigned only once its log's entries,
 * read from the log's tiles, replay by credlog's rules (witness/wmap.h):
 * 422 when they do not, 503 with Retry-After until the replay covers it.
 *
 * SIGHUP re-reads the logs file (add-only: a known origin with another key
 * refuses the whole reload and keeps the logs followed so far); SIGTERM and
 * SIGINT stop the loop after the request in hand.
 */
#ifndef CREDLOG_WITNESS_SERVER_H
#define CREDLOG_WITNESS_SERVER_H

#include <stdbool.h>
#include <stddef.h>

struct witness_config {
    const char *key_path;  /* the cosigner key (credlog keygen --cosigner) */
    const char *logs_path; /* the logs/v0 list of logs to cosign for */
    const char *data_dir;  /* the LMDB state directory (must exist) */
    const char *listen;    /* ADDR:PORT; port 0 picks a free one */
    const char *port_file; /* if not NULL, the bound port is written here */
    const char *tls_cert;  /* PEM certificate chain, or NULL for plain HTTP */
    const char *tls_key;   /* its PEM private key */
    int timeout_s;         /* per-connection read/write timeout */
    /* --verify-map: cosign only checkpoints whose whole history replays by
     * credlog's rules (witness/wmap.h). */
    bool verify_map;
    const char *const *log_urls; /* "ORIGIN=URL", n_log_urls of them */
    size_t n_log_urls;
    unsigned long map_max_entries; /* per request; 0: the default */
    const char *log_cacert;        /* PEM CA file for https logs, or NULL */
};

/* Runs the witness until SIGTERM or SIGINT. Returns 0 after a clean stop,
 * or 1 with the reason on stderr when it cannot start (bad key, logs file
 * or data directory, a log conflicting with the state, the address; with
 * verify_map, a followed log without a URL or a URL for no followed log). */
int witness_server_run(const struct witness_config *cfg);

#endif
