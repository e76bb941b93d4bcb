/*
 * worker.h: one thread that runs the agent's blocking jobs (calls to the
 * log, receipt verification) off its libevent loop, and hands each finished
 * job back to the loop. The loop stays free to answer other requests
 * (GET /healthz, a 4xx for a bad item, a repeated request from the
 * journal) while a submission is in flight.
 *
 * A job is the caller's struct with a struct agent_job first (or anywhere,
 * with container_of): agent_worker_run() queues it; work(job) runs on the
 * worker thread, jobs one at a time in the order queued; then done(job) is
 * called on the loop (base's thread), woken through a pipe. work must not
 * touch anything the loop uses without its own locking; done may queue
 * further jobs.
 *
 * Ownership: the caller owns every job, queued or not. After
 * agent_worker_free() returns, no work or done is called for any job (a
 * running work is waited for), and the caller frees what it queued.
 * Threads: agent_worker_run() and agent_worker_free() on the loop's thread.
 */
#ifndef CREDLOG_AGENT_WORKER_H
#define CREDLOG_AGENT_WORKER_H

#include <stdbool.h>

#include <event2/event.h>

#include "agent/agent.h"

struct agent_job {
    struct agent_job *next;              /* the worker's, while queued */
    void (*work)(struct agent_job *job); /* on the worker thread */
    void (*done)(struct agent_job *job); /* then on the loop */
};

struct agent_worker;

/* Starts a worker whose jobs end on base. Returns 0, AGENT_ERR_NOMEM (also
 * when no thread or pipe can be made) with why. */
int agent_worker_new(struct event_base *base, struct agent_worker **out,
                     char *why);

/* Queues job (job->work and job->done set; job stays the caller's). */
void agent_worker_run(struct agent_worker *w, struct agent_job *job);

/* Stops the thread after the job it runs (if any) and frees the worker;
 * queued and finished jobs get no further call. Accepts NULL. */
void agent_worker_free(struct agent_worker *w);

#endif
