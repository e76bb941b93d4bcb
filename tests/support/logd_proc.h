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
 * logd_proc_start_argv() runs logd with arguments of the test's choosing
 * (for example --dev in a directory of its own) under the same struct.
 *
 * Not thread-safe; one struct per logd. Functions return 0 or -1 and print
 * the reason to stderr. Raw HTTP to a logd is in logd_raw.h, its API through
 * client/http.h in logd_api.h.
 */
#ifndef CREDLOG_TESTS_LOGD_PROC_H
#define CREDLOG_TESTS_LOGD_PROC_H

#include <stdbool.h>
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
    char out_path[LOGD_PROC_PATH_MAX]; /* dir/logd.out: stdout (start_argv) */
    char url[64]; /* "http://127.0.0.1:PORT" while running */
    unsigned port;
    pid_t pid;                  /* 0 when not running */
    struct note_signer log_key; /* the log's key (tests may need it) */
    struct note_verifier log_verifier;
    char log_vkey[NOTE_KEY_TEXT_MAX]; /* its verifier key string */
};

/* The logd binary: $LOGD_BIN, or NULL when not set. */
const char *logd_proc_binary(void);

/* The logd binary, or (when $LOGD_BIN is not set) check_skip(): the test
 * program ends as skipped. */
const char *logd_proc_require(void);

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

/* Runs logd as logd_proc_start() would, for a start that must fail, and
 * waits (up to 20 s) for it to exit. Returns its exit status, or -1 if a
 * signal ended it or it did not exit (then it is killed). */
int logd_proc_run_to_exit(struct logd_proc *p, const char *const *extra);

/* Starts logd with exactly args (NULL-terminated) followed by
 * "--port-file <port_path>", in directory cwd (NULL: the test's own), with
 * stdout to p->out_path (truncated) and stderr appended to p->log_path, and
 * waits as logd_proc_start() does. The struct needs only logd_proc_init()'s
 * paths: args name the data, key and listen address. */
int logd_proc_start_argv(struct logd_proc *p, const char *cwd,
                         const char *const *args);

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

/* Waits up to timeout_ms until logd's log contains text; returns whether it
 * does. */
bool logd_proc_wait_log(const struct logd_proc *p, const char *text,
                        unsigned timeout_ms);

/* Stops logd if running, wipes the log key, removes the directory. */
void logd_proc_cleanup(struct logd_proc *p);

#endif
