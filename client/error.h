/*
 * error.h: the error codes shared by every libcredlog-client module, and the
 * size of the "why" buffers that carry a human-readable reason with them.
 */
#ifndef CREDLOG_CLIENT_ERROR_H
#define CREDLOG_CLIENT_ERROR_H

#include "proofs/errors.h"

#define CLIENT_OK 0
#define CLIENT_ERR_INVALID (-4001) /* a proof, signature or document fails */
#define CLIENT_ERR_SYNTAX (-4002)  /* malformed JSON, key, note or file */
#define CLIENT_ERR_NET (-4003)  /* could not reach the log (connect, TLS...) */
#define CLIENT_ERR_HTTP (-4004) /* the log answered an unexpected status */
#define CLIENT_ERR_REFUSED (-4005)   /* the log refused a submission (4xx) */
#define CLIENT_ERR_NOT_FOUND (-4006) /* 404: beyond the tree, unknown thing */
#define CLIENT_ERR_IO (-4007)    /* reading or writing a local file failed */
#define CLIENT_ERR_NOMEM (-4008) /* allocation failed */
#define CLIENT_ERR_KEY (-4009)   /* bad key file, or pinned log key mismatch */
#define CLIENT_ERR_STATE (-4010) /* monitor state directory (LMDB) failure */
#define CLIENT_ERR_ARG (-4011)   /* bad argument */

/* Size of every `why` buffer: a one-line reason, NUL-terminated. */
#define CLIENT_REASON_MAX 320

/* Returns a static string describing a CLIENT_ERR_* code. */
const char *client_strerror(int err);

/* Writes a printf-style reason into why (CLIENT_REASON_MAX bytes) and returns
 * err, so failures read `return client_fail(why, CLIENT_ERR_INVALID, ...)`.
 * why may be NULL. */
int client_fail(char *why, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
