/* wait.c: see wait.h. */
#include "wait.h"

#include <errno.h>
#include <sys/wait.h>
#include <time.h>

#define WAIT_STEP_FIRST_US 1000
#define WAIT_STEP_MAX_US 20000

uint64_t wait_now_ms(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}

struct wait wait_begin_step(unsigned timeout_ms, unsigned step_max_us)
{
    struct wait w;

    w.deadline_ms = wait_now_ms() + timeout_ms;
    w.step_max_us = step_max_us > 0 ? step_max_us : 1;
    w.step_us =
        WAIT_STEP_FIRST_US < w.step_max_us ? WAIT_STEP_FIRST_US : w.step_max_us;
    return w;
}

struct wait wait_begin(unsigned timeout_ms)
{
    return wait_begin_step(timeout_ms, WAIT_STEP_MAX_US);
}

bool wait_more(struct wait *w)
{
    uint64_t now = wait_now_ms();
    uint64_t left_us;
    struct timespec ts;

    if (now >= w->deadline_ms)
        return false;
    left_us = (w->deadline_ms - now) * 1000;
    /* The poll interval of a wait for a condition, not a synchronization
     * delay: the caller checks its condition after it. */
    ts.tv_sec = 0;
    ts.tv_nsec = (long)(left_us < w->step_us ? left_us : w->step_us) * 1000;
    nanosleep(&ts, NULL);
    if (w->step_us < w->step_max_us)
        w->step_us =
            w->step_us * 2 < w->step_max_us ? w->step_us * 2 : w->step_max_us;
    return true;
}

bool wait_until(bool (*cond)(void *arg), void *arg, unsigned timeout_ms)
{
    struct wait w = wait_begin(timeout_ms);

    /* wait_more() fails only after the deadline, so the last call of cond
     * is at the deadline. */
    while (!cond(arg))
        if (!wait_more(&w))
            return false;
    return true;
}

struct child {
    pid_t pid;
    int *status;
};

static bool child_exited(void *arg)
{
    struct child *c = arg;
    int st = 0;
    pid_t r = waitpid(c->pid, &st, WNOHANG);

    if (r == c->pid && c->status != NULL)
        *c->status = st;
    return r == c->pid || (r < 0 && errno == ECHILD);
}

bool wait_child(pid_t pid, unsigned timeout_ms, int *status)
{
    struct child c = {pid, status};

    return wait_until(child_exited, &c, timeout_ms);
}
