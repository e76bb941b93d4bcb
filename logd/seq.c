/*
 * seq.c: the sequencer's thread and queue. See seq.h.
 *
 * Requests wait in one FIFO (the pending pool, at most max_pending entries).
 * The thread takes a batch when batch_max entries are waiting or batch_wait
 * ms after the first arrived, adds a pending issuer-set change (or the retry
 * of one that found the storage full) and the heartbeat, has
 * logd/seq_batch.c run it, and then hands every request back through its
 * done(). What may be appended is logd/seq_admit.c's; the committed state
 * is logd/seq_batch.c's.
 */
#define _GNU_SOURCE /* pthread_setname_np */
#include "logd/seq.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "logd/log.h"
#include "logd/seq_batch.h"

struct seq {
    struct seq_config cfg;
    struct seq_state st; /* the committed state (the batch runner's) */

    /* The queue. */
    pthread_mutex_t mu;
    pthread_cond_t cond;
    struct seq_req *head, *tail;
    uint64_t pending;
    struct issuer_key *reload;
    size_t nreload;
    bool reload_pending;
    /* A reload whose batch found the storage full: applied with the next
     * batch (submissions or heartbeat) unless a newer reload comes first. */
    struct issuer_key *retry;
    size_t nretry;
    bool stopping;
    bool started;
    pthread_t thread;
};

const char *seq_strerror(int err)
{
    switch (err) {
    case SEQ_OK:
        return "success";
    case SEQ_ERR_CONFLICT:
        return "credential issued by another issuer";
    case SEQ_ERR_NOT_ISSUED:
        return "credential was never issued";
    case SEQ_ERR_FORBIDDEN:
        return "forbidden";
    case SEQ_ERR_FULL:
        return "storage is full";
    case SEQ_ERR_STOPPING:
        return "logd is shutting down";
    case SEQ_ERR_BUSY:
        return "too many submissions waiting";
    case SEQ_ERR_INTERNAL:
        return "internal error";
    case SEQ_ERR_NOMEM:
        return "out of memory";
    case SEQ_ERR_REFUSED:
        return "the issuers file was refused";
    default:
        return "unknown sequencer error";
    }
}

static struct timespec ts_add_ms(struct timespec t, uint64_t ms)
{
    t.tv_sec += (time_t)(ms / 1000);
    t.tv_nsec += (long)(ms % 1000) * 1000000;
    if (t.tv_nsec >= 1000000000) {
        t.tv_sec++;
        t.tv_nsec -= 1000000000;
    }
    return t;
}

static bool ts_before(const struct timespec *a, const struct timespec *b)
{
    return a->tv_sec < b->tv_sec ||
           (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

int seq_open(struct store *store, struct signer *signer,
             struct metrics *metrics, const struct seq_config *cfg,
             struct seq **out, char *errbuf, size_t errcap)
{
    pthread_condattr_t ca;
    struct seq *q;
    int err;

    *out = NULL;
    q = calloc(1, sizeof *q);
    if (q == NULL) {
        snprintf(errbuf, errcap, "out of memory");
        return SEQ_ERR_NOMEM;
    }
    q->cfg = *cfg;
    if (q->cfg.batch_max == 0)
        q->cfg.batch_max = 4096;
    if (q->cfg.max_pending == 0)
        q->cfg.max_pending = 65536;
    pthread_mutex_init(&q->mu, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&q->cond, &ca);
    pthread_condattr_destroy(&ca);
    err = seq_batch_open(&q->st, store, signer, metrics, errbuf, errcap);
    if (err != 0) {
        seq_free(q);
        return err;
    }
    *out = q;
    return 0;
}

int seq_sync_issuers(struct seq *q, const struct issuer_key *want, size_t n,
                     char *errbuf, size_t errcap)
{
    struct seq_batch b;
    int err;

    memset(&b, 0, sizeof b);
    b.want = (struct issuer_key *)want;
    b.nwant = n;
    b.has_want = true;
    /* A new log starts with its KEY entries and a MAP entry; a log made
     * before version 2 gets a MAP v2 at once, so that answers can show
     * authorization (docs/protocol.md §E.4). Otherwise this commits only if
     * the keys change. */
    b.force = q->st.tree.edge.size == 0 || q->st.map_v1;
    err = seq_batch_run(&q->st, &b);
    free(b.removed);
    free(b.added);
    if (err == 0 && b.refused) {
        snprintf(errbuf, errcap, "%s", b.refusal);
        return SEQ_ERR_REFUSED;
    }
    if (err != 0)
        snprintf(errbuf, errcap, "%s", seq_strerror(err));
    return err;
}

/* ---- the thread ---- */

static void *seq_main(void *arg)
{
    struct seq *q = arg;

    pthread_setname_np(pthread_self(), "logd-seq"); /* for top -H, /proc */

    pthread_mutex_lock(&q->mu);
    for (;;) {
        struct seq_batch b;
        bool heartbeat = false;
        struct timespec now, deadline;
        int rc;

        while (q->head == NULL && !q->reload_pending && !q->stopping) {
            clock_gettime(CLOCK_MONOTONIC, &now);
            if (q->cfg.heartbeat_s == 0) {
                pthread_cond_wait(&q->cond, &q->mu);
                continue;
            }
            deadline = ts_add_ms(q->st.last_commit,
                                 (uint64_t)q->cfg.heartbeat_s * 1000);
            if (!ts_before(&now, &deadline)) {
                heartbeat = true;
                break;
            }
            pthread_cond_timedwait(&q->cond, &q->mu, &deadline);
        }
        if (q->head == NULL && !q->reload_pending && !heartbeat)
            break; /* stopping, nothing left */

        /* Wait for a full batch or the batch window, unless stopping. */
        if (q->head != NULL && !q->reload_pending) {
            deadline = ts_add_ms(q->head->queued, q->cfg.batch_wait_ms);
            while (!q->stopping && q->pending < q->cfg.batch_max) {
                clock_gettime(CLOCK_MONOTONIC, &now);
                if (!ts_before(&now, &deadline))
                    break;
                pthread_cond_timedwait(&q->cond, &q->mu, &deadline);
            }
        }

        memset(&b, 0, sizeof b);
        b.force = heartbeat;
        if (q->reload_pending) {
            b.want = q->reload;
            b.nwant = q->nreload;
            b.has_want = true;
            q->reload = NULL;
            q->nreload = 0;
            q->reload_pending = false;
        } else if (q->retry != NULL) {
            b.want = q->retry;
            b.nwant = q->nretry;
            b.has_want = true;
            q->retry = NULL;
            q->nretry = 0;
        }
        {
            struct seq_req **tail = &b.reqs;
            uint64_t taken = 0;
            while (q->head != NULL &&
                   (taken == 0 || taken + q->head->n <= q->cfg.batch_max)) {
                struct seq_req *r = q->head;
                q->head = r->next;
                r->next = NULL;
                taken += r->n;
                *tail = r;
                tail = &r->next;
            }
            if (q->head == NULL)
                q->tail = NULL;
            q->pending -= taken;
            metrics_pending(q->st.metrics, q->pending);
        }
        pthread_mutex_unlock(&q->mu);

        if (heartbeat)
            log_msg("heartbeat: appending a MAP entry");
        if (b.has_want)
            log_msg("reloading issuers: %zu keys wanted", b.nwant);
        rc = seq_batch_run(&q->st, &b);
        if (rc == 0 && b.refused)
            log_msg("issuers file refused: %s; keeping the current issuer "
                    "keys",
                    b.refusal);
        else if (rc == 0 && b.has_want && b.nremoved == 0 && b.nadded == 0)
            log_msg("issuer keys unchanged");
        if (rc == SEQ_ERR_FULL && b.has_want) {
            /* The key changes (perhaps the removal of a compromised key)
             * must not be forgotten: retry them with the next batch. */
            log_msg("issuer keys not updated yet (storage full): retrying "
                    "with the next batch");
            pthread_mutex_lock(&q->mu);
            if (!q->reload_pending && q->retry == NULL) {
                q->retry = b.want;
                q->nretry = b.nwant;
                b.want = NULL;
            }
            pthread_mutex_unlock(&q->mu);
        }
        for (struct seq_req *r = b.reqs, *next; r != NULL; r = next) {
            next = r->next;
            r->next = NULL;
            r->done(r);
        }
        free(b.want);
        free(b.removed);
        free(b.added);
        pthread_mutex_lock(&q->mu);
    }
    pthread_mutex_unlock(&q->mu);
    return NULL;
}

int seq_start(struct seq *q)
{
    if (pthread_create(&q->thread, NULL, seq_main, q) != 0)
        return SEQ_ERR_INTERNAL;
    q->started = true;
    return 0;
}

int seq_submit(struct seq *q, struct seq_req *req)
{
    req->next = NULL;
    req->result = SEQ_OK;
    req->checkpoint = NULL;
    req->message[0] = '\0';
    clock_gettime(CLOCK_MONOTONIC, &req->queued);
    pthread_mutex_lock(&q->mu);
    if (q->stopping) {
        pthread_mutex_unlock(&q->mu);
        return SEQ_ERR_STOPPING;
    }
    if (q->pending + req->n > q->cfg.max_pending) {
        pthread_mutex_unlock(&q->mu);
        return SEQ_ERR_BUSY;
    }
    if (q->tail != NULL)
        q->tail->next = req;
    else
        q->head = req;
    q->tail = req;
    q->pending += req->n;
    metrics_pending(q->st.metrics, q->pending);
    if (q->head == req || q->pending >= q->cfg.batch_max)
        pthread_cond_signal(&q->cond);
    pthread_mutex_unlock(&q->mu);
    return 0;
}

int seq_reload_issuers(struct seq *q, const struct issuer_key *want, size_t n)
{
    struct issuer_key *copy = NULL;

    if (n > 0) {
        copy = malloc(n * sizeof *copy);
        if (copy == NULL)
            return SEQ_ERR_NOMEM;
        memcpy(copy, want, n * sizeof *copy);
    }
    pthread_mutex_lock(&q->mu);
    if (q->stopping) {
        pthread_mutex_unlock(&q->mu);
        free(copy);
        return SEQ_ERR_STOPPING;
    }
    free(q->reload);
    free(q->retry); /* superseded */
    q->retry = NULL;
    q->nretry = 0;
    q->reload = copy;
    q->nreload = n;
    q->reload_pending = true;
    pthread_cond_signal(&q->cond);
    pthread_mutex_unlock(&q->mu);
    return 0;
}

struct issuers *seq_issuers(struct seq *q)
{
    return seq_batch_keys(&q->st);
}

uint64_t seq_tree_size(struct seq *q)
{
    return atomic_load(&q->st.size);
}

void seq_stop(struct seq *q)
{
    pthread_mutex_lock(&q->mu);
    q->stopping = true;
    pthread_cond_broadcast(&q->cond);
    pthread_mutex_unlock(&q->mu);
    if (q->started) {
        pthread_join(q->thread, NULL);
        q->started = false;
    }
}

void seq_free(struct seq *q)
{
    if (q == NULL)
        return;
    seq_batch_close(&q->st);
    free(q->reload);
    free(q->retry);
    pthread_cond_destroy(&q->cond);
    pthread_mutex_destroy(&q->mu);
    free(q);
}
