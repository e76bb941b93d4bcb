/*
 * error.h: the error codes shared by every libcredlog-client module, and the
 * size of the "why" buffers that carry a human-readable reason with them.
 */
#ifndef CREDLOG_CLIENT_ERROR_H
#define CREDLOG_CLIENT_ERROR_H

#define CLIENT_OK 0
#define CLIENT_ERR_INVALID                                                     \
    (-1) /* a proof, signature or document does not verify */
#define CLIENT_ERR_SYNTAX (-2) /* malformed JSON, key, note or file */
#define CLIENT_ERR_NET                                                         \
    (-3) /* could not reach the log (connect, TLS, timeout) */
#define CLIENT_ERR_HTTP (-4) /* the log answered with an unexpected status */
#define CLIENT_ERR_REFUSED                                                     \
    (-5) /* the log refused a submission (4xx + error)                         \
          */
#define CLIENT_ERR_NOT_FOUND (-6) /* 404: beyond the tree, unknown resource */
#define CLIENT_ERR_IO (-7)        /* reading or writing a local file failed */
#define CLIENT_ERR_NOMEM (-8)     /* allocation failed */
#define CLIENT_ERR_KEY (-9)       /* bad key file, or pinned log key mismatch */
#define CLIENT_ERR_STATE (-10)    /* monitor state directory (LMDB) failure */
#define CLIENT_ERR_ARG (-11)      /* bad argument */

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
