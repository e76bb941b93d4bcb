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
 * SIGHUP re-reads the logs file (add-only: a known origin with another key
 * refuses the whole reload and keeps the logs followed so far); SIGTERM and
 * SIGINT stop the loop after the request in hand.
 */
#ifndef CREDLOG_WITNESS_SERVER_H
#define CREDLOG_WITNESS_SERVER_H

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
};

/* Runs the witness until SIGTERM or SIGINT. Returns 0 after a clean stop,
 * or 1 with the reason on stderr when it cannot start (bad key, logs file
 * or data directory, a log conflicting with the state, the address). */
int witness_server_run(const struct witness_config *cfg);

#endif
