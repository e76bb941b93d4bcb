/*
 * witness_proc.h: runs the real `credlog witness` ($CREDLOG_BIN) for
 * integration tests, as logd_proc.h runs logd.
 *
 * witness_proc_init() makes a temporary directory with a new cosigner key
 * (made by `credlog keygen --cosigner`, as an operator would), a data
 * directory, and room for the logs file the test writes
 * (witness_proc_write_logs); witness_proc_start() starts the witness on
 * 127.0.0.1:0 and waits until its port file appears. Stop it with SIGTERM
 * (witness_proc_stop) or SIGKILL (witness_proc_kill) and start it again on
 * the same directory; its stderr goes to w->log_path.
 *
 * Not thread-safe; one struct per witness. Functions return 0 or -1 and
 * print the reason to stderr. Without $CREDLOG_BIN, witness_proc_init()
 * ends the program as skipped (check_skip()).
 */
#ifndef CREDLOG_TESTS_WITNESS_PROC_H
#define CREDLOG_TESTS_WITNESS_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "proofs/note.h"

#define WITNESS_PROC_PATH_MAX 512

struct witness_proc {
    char dir[WITNESS_PROC_PATH_MAX / 2];
    char data[WITNESS_PROC_PATH_MAX];      /* dir/data */
    char key_path[WITNESS_PROC_PATH_MAX];  /* dir/w.key (0600) */
    char logs_path[WITNESS_PROC_PATH_MAX]; /* dir/logs */
    char port_path[WITNESS_PROC_PATH_MAX]; /* dir/port */
    char log_path[WITNESS_PROC_PATH_MAX];  /* dir/witness.log: stderr */
    char url[64];                          /* while running */
    unsigned port;
    pid_t pid;                    /* 0 when not running */
    struct note_verifier key;     /* the cosigner's verifier key */
    char vkey[NOTE_KEY_TEXT_MAX]; /* its string */
    /* Set before starting to serve HTTPS (--tls-cert, --tls-key): url is
     * then https://. */
    const char *tls_cert, *tls_key;
    /* Set before starting for more arguments (NULL-terminated, at most
     * WITNESS_PROC_EXTRA_MAX; for example --verify-map --log-url O=URL). */
    const char *const *extra;
};

#define WITNESS_PROC_EXTRA_MAX 16

/* Makes the directory and a cosigner key named name. */
int witness_proc_init(struct witness_proc *w, const char *name);

/* Writes the logs/v0 list text to w->logs_path. */
int witness_proc_write_logs(struct witness_proc *w, const char *text);

/* Starts the witness and waits (up to 30 s) until it listens. */
int witness_proc_start(struct witness_proc *w);

/* Starts it again on the port it had (its URL stays the same, as a log's
 * policy names it), and waits as witness_proc_start() does. */
int witness_proc_restart(struct witness_proc *w);

/* Runs the witness and waits (up to 30 s) for it to exit, as a start that
 * must fail does. Returns its exit status, or -1. */
int witness_proc_run_to_exit(struct witness_proc *w);

/* SIGTERM and reap (up to 30 s); SIGKILL and reap. */
int witness_proc_stop(struct witness_proc *w);
int witness_proc_kill(struct witness_proc *w);

/* Sends sig to the running witness. */
int witness_proc_signal(struct witness_proc *w, int sig);

/* POSTs checkpoint note to the running witness as a log new to it (old 0,
 * no proof), as a log's first push does. If line is not NULL and the answer
 * is 200, the cosignature line goes into line (cap bytes). Returns the HTTP
 * status, or -1 when no answer came within 30 s. */
int witness_proc_push_new(const struct witness_proc *w, const char *note,
                          char *line, size_t cap);

/* POSTs the add-checkpoint body[0..len) to the running witness; its answer
 * goes into *a (the caller frees it with logd_raw_answer_free()). Returns
 * the HTTP status, or -1 when no answer came within 30 s. */
struct logd_raw_answer;
int witness_proc_post(const struct witness_proc *w, const char *body,
                      size_t len, struct logd_raw_answer *a);

/* GETs the checkpoint the running witness serves as cosigned for log's
 * origin (GET /<hex SHA-256 of the origin>/checkpoint). Returns its size if
 * it opens with both log's key and the witness's cosigner key, else -1. If
 * note is not NULL and the answer is 200, its body goes into note (cap
 * bytes), verified or not. */
int64_t witness_proc_cosigned(const struct witness_proc *w,
                              const struct note_verifier *log, char *note,
                              size_t cap);

/* Waits up to timeout_ms until the witness's stderr contains text. */
bool witness_proc_wait_log(const struct witness_proc *w, const char *text,
                           unsigned timeout_ms);

/* Kills it if running and removes the directory (kept with
 * $CREDLOG_KEEP_TMP). */
void witness_proc_cleanup(struct witness_proc *w);

#endif
