/*
 * credlog_run.h: runs the real credlog command ($CREDLOG_BIN) for the client
 * tests, as a user would: a subprocess with HOME set to credlog_run_home
 * and XDG_CONFIG_HOME to <home>/config, its stdout and stderr captured in
 * <home>/.stdout<tag> and .stderr<tag>, its exit status collected.
 *
 * CREDLOG_RUN(&r, "verify", ...) runs and waits (up to 60 s);
 * CREDLOG_EXPECT(&r, code, text) CHECKs the exit status and that the output
 * contains text. A struct credlog_run owns its output strings: free them
 * with credlog_run_free(). $CREDLOG_TEST_VERBOSE prints every command and
 * its output. Without $CREDLOG_BIN the program is skipped (check_skip()).
 * Not thread-safe (one global home).
 */
#ifndef CREDLOG_TESTS_CREDLOG_RUN_H
#define CREDLOG_TESTS_CREDLOG_RUN_H

#include <stdbool.h>
#include <sys/types.h>

#include "check.h"

/* The home directory the subprocesses get; the test sets it (a temporary
 * directory of its own) before the first run. */
extern char credlog_run_home[4096];

/* One finished run. */
struct credlog_run {
    int status; /* exit status, or -1 if it did not exit normally */
    char *out;  /* stdout, NUL-terminated */
    char *err;  /* stderr, NUL-terminated */
};

/* Frees the output strings and zeroes r. */
void credlog_run_free(struct credlog_run *r);

/* The credlog binary, or (when $CREDLOG_BIN is not set) check_skip(). */
const char *credlog_run_require(void);

/* Forgets every log key pinned in the home's config directory: loopback
 * ports get reused by other test logs with other keys. */
void credlog_run_forget_pins(void);

/* Starts credlog with the NULL-terminated args (not counting argv[0]),
 * output to <home>/.stdout<tag> and .stderr<tag>. Returns the pid; the
 * caller collects it with credlog_run_wait(). */
pid_t credlog_run_spawn(const char *const *args, const char *tag);

/* Waits up to timeout_s seconds for pid (then kills it), and collects its
 * exit status (-1 if it was killed) and output into r. */
void credlog_run_wait(struct credlog_run *r, pid_t pid, const char *tag,
                      int timeout_s);

/* Waits up to timeout_ms until the spawned credlog pid has written want to
 * its stdout. Returns false if it exits or the time runs out first; the
 * process is left to credlog_run_wait(), which reaps or kills it. */
bool credlog_run_wait_output(pid_t pid, const char *tag, const char *want,
                             unsigned timeout_ms);

/* Runs credlog with the NULL-terminated args and waits for it (60 s). */
void credlog_run_v(struct credlog_run *r, const char *const *args);

#define CREDLOG_RUN(r, ...)                                                    \
    do {                                                                       \
        const char *credlog_run_args_[] = {__VA_ARGS__, NULL};                 \
        credlog_run_v((r), credlog_run_args_);                                 \
    } while (0)

/* Whether stdout or stderr contains want (true for NULL). */
bool credlog_run_has(const struct credlog_run *r, const char *want);

/* CHECKs the exit status and that stdout or stderr contains want (may be
 * NULL); on failure prints both outputs. */
#define CREDLOG_EXPECT(r, code, want)                                          \
    CHECK_MSG((r)->status == (code) && credlog_run_has((r), (want)),           \
              "exit %d (want %d), want \"%s\"\n--- stdout\n%s--- stderr\n%s",  \
              (r)->status, (code), (want) != NULL ? (want) : "", (r)->out,     \
              (r)->err)

#endif
