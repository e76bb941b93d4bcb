/*
 * wait.h: the one way a credlog test waits: it polls the condition it needs
 * until a deadline, never sleeps for a fixed time and hopes.
 *
 * Two forms. With the condition inline:
 *
 *     struct wait w = wait_begin(5000);
 *     while (!logd_proc_log_contains(&p, "ready") && wait_more(&w))
 *         ;
 *     CHECK(logd_proc_log_contains(&p, "ready"));
 *
 * or with a callback, wait_until(cond, arg, timeout_ms). The poll interval
 * starts at 1 ms and doubles up to 20 ms, so a condition that is soon true
 * costs little and one that takes seconds costs few polls. Deadlines are on
 * CLOCK_MONOTONIC. Nothing here allocates; a struct wait lives on the
 * caller's stack.
 */
#ifndef CREDLOG_TESTS_WAIT_H
#define CREDLOG_TESTS_WAIT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* A deadline and the current poll interval. */
struct wait {
    uint64_t deadline_ms; /* on wait_now_ms()'s clock */
    unsigned step_us, step_max_us;
};

/* Milliseconds on CLOCK_MONOTONIC (for deadlines and measuring). */
uint64_t wait_now_ms(void);

/* A wait ending timeout_ms from now. */
struct wait wait_begin(unsigned timeout_ms);

/* As wait_begin(), but never polling less often than every step_max_us:
 * for a test that must act soon after the condition (kill a process while
 * it is at a given point). */
struct wait wait_begin_step(unsigned timeout_ms, unsigned step_max_us);

/* Returns false once the deadline has passed; otherwise sleeps one poll
 * interval (never past the deadline) and returns true, so the caller
 * checks its condition again. */
bool wait_more(struct wait *w);

/* Calls cond(arg) until it returns true (then returns true) or timeout_ms
 * have passed (then returns false, cond's last call being at the
 * deadline). */
bool wait_until(bool (*cond)(void *arg), void *arg, unsigned timeout_ms);

/* Waits up to timeout_ms for the child pid to exit and reaps it; *status
 * (if not NULL) gets waitpid's status. Returns true if it exited (or was
 * already reaped: ECHILD), false if it still runs. */
bool wait_child(pid_t pid, unsigned timeout_ms, int *status);

#endif
