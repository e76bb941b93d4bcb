/* vpool.c: see vpool.h. */
#define _GNU_SOURCE /* pthread_setname_np */
#include "logd/vpool.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* Submissions per chunk: small enough that a 100-entry request spreads over
 * every thread, large enough that queueing costs nothing next to 16
 * signature checks (~1 ms). */
#define VPOOL_CHUNK 16

/* One request being checked. */
struct task {
    struct issuers *keys;
    struct seq_sub *subs;
    size_t n;
    uint64_t now_ms;
    vpool_done_fn done;
    void *arg;
    pthread_mutex_t mu; /* guards what follows */
    size_t left;        /* chunks not finished */
    int err;            /* the failure at the lowest position */
    struct request_error rerr;
};

/* One chunk of a task. */
struct chunk {
    struct task *task;
    size_t first, count;
    struct chunk *next;
};

struct vpool {
    pthread_mutex_t mu;
    pthread_cond_t cond;
    struct chunk *head, *tail;
    bool stopping;
    unsigned nthreads;
    pthread_t *threads;
};

static void run_chunk(struct chunk *c)
{
    struct task *t = c->task;
    struct request_error rerr;
    int err;
    bool last;

    err = request_verify_range(t->keys, t->subs, c->first, c->count, t->now_ms,
                               &rerr);
    pthread_mutex_lock(&t->mu);
    if (err != 0 && (t->err == 0 || !t->rerr.has_position ||
                     (rerr.has_position && rerr.position < t->rerr.position))) {
        t->err = err;
        t->rerr = rerr;
    }
    last = --t->left == 0;
    pthread_mutex_unlock(&t->mu);
    free(c);
    if (!last)
        return;
    t->done(t->arg, t->err, &t->rerr);
    issuers_unref(t->keys);
    pthread_mutex_destroy(&t->mu);
    free(t);
}

static void *vpool_main(void *arg)
{
    struct vpool *p = arg;

    pthread_setname_np(pthread_self(), "logd-verify"); /* for top -H, /proc */

    pthread_mutex_lock(&p->mu);
    for (;;) {
        struct chunk *c;
        while (p->head == NULL && !p->stopping)
            pthread_cond_wait(&p->cond, &p->mu);
        if (p->head == NULL)
            break; /* stopping, nothing left */
        c = p->head;
        p->head = c->next;
        if (p->head == NULL)
            p->tail = NULL;
        pthread_mutex_unlock(&p->mu);
        run_chunk(c);
        pthread_mutex_lock(&p->mu);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

const char *vpool_strerror(int err)
{
    switch (err) {
    case 0:
        return "success";
    case VPOOL_ERR_STOPPING:
        return "the verifier pool is stopping";
    case VPOOL_ERR_NOMEM:
        return "out of memory";
    case VPOOL_ERR_THREAD:
        return "cannot start a verifier thread";
    case VPOOL_ERR_EMPTY:
        return "nothing to verify";
    default:
        return "unknown verifier pool error";
    }
}

int vpool_new(unsigned threads, struct vpool **out)
{
    struct vpool *p = calloc(1, sizeof *p);
    int err = VPOOL_ERR_NOMEM;

    *out = NULL;
    if (p == NULL)
        goto fail;
    if (threads == 0) {
        err = VPOOL_ERR_THREAD;
        goto fail;
    }
    p->threads = calloc(threads, sizeof *p->threads);
    if (p->threads == NULL)
        goto fail;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cond, NULL);
    for (unsigned i = 0; i < threads; i++) {
        if (pthread_create(&p->threads[i], NULL, vpool_main, p) != 0)
            break;
        p->nthreads++;
    }
    if (p->nthreads == 0) {
        pthread_cond_destroy(&p->cond);
        pthread_mutex_destroy(&p->mu);
        err = VPOOL_ERR_THREAD;
        goto fail;
    }
    *out = p;
    return 0;
fail:
    if (p != NULL)
        free(p->threads);
    free(p);
    return err;
}

int vpool_submit(struct vpool *p, struct issuers *keys, struct seq_sub *subs,
                 size_t n, uint64_t now_ms, vpool_done_fn done, void *arg)
{
    size_t nchunks = (n + VPOOL_CHUNK - 1) / VPOOL_CHUNK;
    struct chunk *first = NULL, **tail = &first, *last = NULL;
    struct task *t;

    if (n == 0)
        return VPOOL_ERR_EMPTY;
    t = calloc(1, sizeof *t);
    if (t == NULL)
        return VPOOL_ERR_NOMEM;
    for (size_t i = 0; i < nchunks; i++) {
        struct chunk *c = calloc(1, sizeof *c);
        if (c == NULL) {
            while (first != NULL) {
                struct chunk *next = first->next;
                free(first);
                first = next;
            }
            free(t);
            return VPOOL_ERR_NOMEM;
        }
        c->task = t;
        c->first = i * VPOOL_CHUNK;
        c->count = n - c->first < VPOOL_CHUNK ? n - c->first : VPOOL_CHUNK;
        *tail = c;
        tail = &c->next;
        last = c;
    }
    t->keys = keys;
    t->subs = subs;
    t->n = n;
    t->now_ms = now_ms;
    t->done = done;
    t->arg = arg;
    t->left = nchunks;
    pthread_mutex_init(&t->mu, NULL);
    pthread_mutex_lock(&p->mu);
    if (p->stopping) {
        pthread_mutex_unlock(&p->mu);
        pthread_mutex_destroy(&t->mu);
        while (first != NULL) {
            struct chunk *next = first->next;
            free(first);
            first = next;
        }
        free(t);
        return VPOOL_ERR_STOPPING;
    }
    if (p->tail != NULL)
        p->tail->next = first;
    else
        p->head = first;
    p->tail = last;
    if (nchunks > 1)
        pthread_cond_broadcast(&p->cond);
    else
        pthread_cond_signal(&p->cond);
    pthread_mutex_unlock(&p->mu);
    return 0;
}

void vpool_free(struct vpool *p)
{
    if (p == NULL)
        return;
    pthread_mutex_lock(&p->mu);
    p->stopping = true;
    pthread_cond_broadcast(&p->cond);
    pthread_mutex_unlock(&p->mu);
    for (unsigned i = 0; i < p->nthreads; i++)
        pthread_join(p->threads[i], NULL);
    pthread_cond_destroy(&p->cond);
    pthread_mutex_destroy(&p->mu);
    free(p->threads);
    free(p);
}
