/*
 * logd_proc.h: runs the real logd binary ($LOGD_BIN) for integration tests.
 *
 * logd_proc_init() makes a temporary directory holding a fresh log key
 * (log.key, mode 0600; log.vkey), an issuers file and a data directory;
 * logd_proc_start() starts logd on 127.0.0.1:0 with --port-file and waits
 * until it listens; p->url is then its base URL. Stop it with SIGTERM
 * (logd_proc_stop) or SIGKILL (logd_proc_kill) and start it again on the same
 * directory. logd's stderr goes to p->log_path. $LOGD_WRAPPER, if set, is
 * a space-separated command put before logd's (for example valgrind and its
 * options). logd_proc_cleanup() stops it
 * and removes the directory (kept if $CREDLOG_KEEP_TMP is set).
 *
 * Not thread-safe; one struct per logd. Functions return 0 or -1 and print
 * the reason to stderr.
 */
#ifndef CREDLOG_TESTS_LOGD_PROC_H
#define CREDLOG_TESTS_LOGD_PROC_H

#include <stddef.h>
#include <sys/types.h>

#include "proofs/note.h"

#define LOGD_PROC_PATH_MAX 512

struct logd_proc {
    char dir[LOGD_PROC_PATH_MAX];          /* the temporary root */
    char data[LOGD_PROC_PATH_MAX];         /* dir/data: the LMDB directory */
    char key_path[LOGD_PROC_PATH_MAX];     /* dir/log.key */
    char vkey_path[LOGD_PROC_PATH_MAX];    /* dir/log.vkey */
    char issuers_path[LOGD_PROC_PATH_MAX]; /* dir/issuers */
    char port_path[LOGD_PROC_PATH_MAX];    /* dir/port */
    char log_path[LOGD_PROC_PATH_MAX];     /* dir/logd.log: logd's stderr */
    char url[64]; /* "http://127.0.0.1:PORT" while running */
    unsigned port;
    pid_t pid;                  /* 0 when not running */
    struct note_signer log_key; /* the log's key (tests may need it) */
    struct note_verifier log_verifier;
    char log_vkey[NOTE_KEY_TEXT_MAX]; /* its verifier key string */
};

/* The logd binary: $LOGD_BIN, or NULL when not set (tests then skip). */
const char *logd_proc_binary(void);

/* Makes the directory with a new log key named origin and an issuers file
 * listing issuers[0..n). */
int logd_proc_init(struct logd_proc *p, const char *origin,
                   const struct note_verifier *issuers, size_t n);

/* As logd_proc_init(), but with the given log key (two logs sharing a key). */
int logd_proc_init_key(struct logd_proc *p, const struct note_signer *log_key,
                       const struct note_verifier *issuers, size_t n);

/* Rewrites the issuers file (apply with SIGHUP or a restart). */
int logd_proc_write_issuers(struct logd_proc *p,
                            const struct note_verifier *issuers, size_t n);

/* Starts logd --data --listen 127.0.0.1:0 --key --issuers --port-file plus
 * extra_args (NULL-terminated, may be NULL) and waits (up to 20 s) until it
 * writes its port. Fails if logd exits first. */
int logd_proc_start(struct logd_proc *p, const char *const *extra_args);

/* Sends SIGTERM and waits (up to 20 s, then SIGKILL). Returns logd's exit
 * status (0 for a clean stop), or -1 if it had to be killed or was not
 * running. */
int logd_proc_stop(struct logd_proc *p);

/* Sends SIGKILL and reaps logd. */
int logd_proc_kill(struct logd_proc *p);

/* Sends a signal (for example SIGHUP) to the running logd. */
int logd_proc_signal(struct logd_proc *p, int sig);

/* Whether logd_proc's log file contains text (for checking log lines). */
int logd_proc_log_contains(const struct logd_proc *p, const char *text);

/* Stops logd if running, wipes the log key, removes the directory. */
void logd_proc_cleanup(struct logd_proc *p);

/* ---- raw HTTP, for what client/http.h cannot send (bad request lines,
 * NUL bytes, huge headers, slow senders, clients that never read) ---- */

/* One answer read off a raw connection. head and body are NUL-terminated
 * (body_len does not count the NUL) and owned by the answer. */
struct logd_raw_answer {
    int status;
    char *head; /* status line and headers, up to the blank line */
    char *body;
    size_t body_len;
};

/* Connects to 127.0.0.1:port (blocking socket, TCP_NODELAY). rcvbuf > 0
 * sets a small receive buffer first (a client that reads slowly). Returns
 * the socket or -1. */
int logd_raw_connect(unsigned port, int rcvbuf);

/* Sends all len bytes. Returns 0 or -1 (for example when logd has closed
 * the connection). */
int logd_raw_send(int fd, const void *data, size_t len);

/* Reads one answer: head, then a body of Content-Length bytes (none when
 * no_body, the answer to a HEAD), or up to the end of the stream when there
 * is no Content-Length. Waits at most timeout_ms in all. Returns 0, or -1
 * when the connection ended or the time ran out before a whole answer. */
int logd_raw_read(int fd, int no_body, int timeout_ms,
                  struct logd_raw_answer *a);

/* Connects, sends req, reads one answer, closes. */
int logd_raw_exchange(unsigned port, const void *req, size_t len, int no_body,
                      int timeout_ms, struct logd_raw_answer *a);

/* The value of header name in a->head (case-insensitive name), copied into
 * buf; returns 0, or -1 when absent. */
int logd_raw_header(const struct logd_raw_answer *a, const char *name,
                    char *buf, size_t cap);

/* Frees an answer's head and body. Accepts an empty answer. */
void logd_raw_answer_free(struct logd_raw_answer *a);

/* Waits up to timeout_ms for the peer to end the connection (EOF or
 * reset), reading and discarding whatever it sends. Returns 1 if it ended,
 * 0 if it is still open. */
int logd_raw_wait_closed(int fd, int timeout_ms);

#endif
