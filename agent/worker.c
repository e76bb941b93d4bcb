/*
 * worker.c: see worker.h. A mutex guards the two lists (queued, finished)
 * and the stop flag; a condition wakes the thread; one byte down a pipe
 * wakes the loop. A pipe rather than event_active() from the thread: that
 * would need libevent's thread support switched on for the whole process
 * (evthread_use_pthreads), which credlog's other commands do not use.
 */
#include "agent/worker.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct agent_worker {
    pthread_t thread;
    bool started;
    pthread_mutex_t mu;
    pthread_cond_t cond;
    bool stop;
    struct agent_job *queue, **queue_tail; /* to run */
    struct agent_job *finished, **finished_tail;
    int pipe[2]; /* [0] read by the loop, [1] written by the thread */
    struct event *wake;
};

static void *worker_main(void *arg)
{
    struct agent_worker *w = arg;
    struct agent_job *job;
    char byte = 1;

    pthread_mutex_lock(&w->mu);
    for (;;) {
        while (!w->stop && w->queue == NULL)
            pthread_cond_wait(&w->cond, &w->mu);
        if (w->stop)
            break;
        job = w->queue;
        if ((w->queue = job->next) == NULL)
            w->queue_tail = &w->queue;
        pthread_mutex_unlock(&w->mu);
        job->work(job);
        pthread_mutex_lock(&w->mu);
        job->next = NULL;
        *w->finished_tail = job;
        w->finished_tail = &job->next;
        /* A full pipe already holds a wake-up: nothing is lost. */
        while (write(w->pipe[1], &byte, 1) < 0 && errno == EINTR)
            ;
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

/* The loop: every finished job gets its done, in order. */
static void on_wake(evutil_socket_t fd, short what, void *arg)
{
    struct agent_worker *w = arg;
    struct agent_job *list, *job;
    char buf[256];

    (void)what;
    while (read(fd, buf, sizeof buf) > 0)
        ;
    pthread_mutex_lock(&w->mu);
    list = w->finished;
    w->finished = NULL;
    w->finished_tail = &w->finished;
    pthread_mutex_unlock(&w->mu);
    while ((job = list) != NULL) {
        list = job->next;
        job->next = NULL;
        job->done(job);
    }
}

static bool nonblocking(int fd)
{
    int fl = fcntl(fd, F_GETFL);

    return fl >= 0 && fcntl(fd, F_SETFL, fl | O_NONBLOCK) == 0 &&
           fcntl(fd, F_SETFD, FD_CLOEXEC) == 0;
}

int agent_worker_new(struct event_base *base, struct agent_worker **out,
                     char *why)
{
    struct agent_worker *w = calloc(1, sizeof *w);

    *out = NULL;
    if (w == NULL) {
        snprintf(why, AGENT_WHY_MAX, "out of memory");
        return AGENT_ERR_NOMEM;
    }
    w->pipe[0] = w->pipe[1] = -1;
    w->queue_tail = &w->queue;
    w->finished_tail = &w->finished;
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cond, NULL);
    if (pipe(w->pipe) != 0 || !nonblocking(w->pipe[0]) ||
        !nonblocking(w->pipe[1]) ||
        (w->wake = event_new(base, w->pipe[0], EV_READ | EV_PERSIST, on_wake,
                             w)) == NULL ||
        event_add(w->wake, NULL) != 0) {
        snprintf(why, AGENT_WHY_MAX, "cannot make the worker's pipe: %s",
                 strerror(errno));
        agent_worker_free(w);
        return AGENT_ERR_NOMEM;
    }
    if (pthread_create(&w->thread, NULL, worker_main, w) != 0) {
        snprintf(why, AGENT_WHY_MAX, "cannot start the worker thread");
        agent_worker_free(w);
        return AGENT_ERR_NOMEM;
    }
    w->started = true;
    *out = w;
    return 0;
}

void agent_worker_run(struct agent_worker *w, struct agent_job *job)
{
    job->next = NULL;
    pthread_mutex_lock(&w->mu);
    *w->queue_tail = job;
    w->queue_tail = &job->next;
    pthread_cond_signal(&w->cond);
    pthread_mutex_unlock(&w->mu);
}

void agent_worker_free(struct agent_worker *w)
{
    if (w == NULL)
        return;
    if (w->started) {
        pthread_mutex_lock(&w->mu);
        w->stop = true;
        pthread_cond_signal(&w->cond);
        pthread_mutex_unlock(&w->mu);
        pthread_join(w->thread, NULL);
    }
    if (w->wake != NULL)
        event_free(w->wake);
    if (w->pipe[0] >= 0)
        close(w->pipe[0]);
    if (w->pipe[1] >= 0)
        close(w->pipe[1]);
    pthread_cond_destroy(&w->cond);
    pthread_mutex_destroy(&w->mu);
    free(w);
}
