/*
 * replica.c: see replica.h. The order of a round is the monitor's: the
 * primary's checkpoint is fetched once and judged as given
 * (client_monitor_run_note()), so the note the replica stores is exactly
 * the one verified. Entries reach the copy in two steps: the monitor's
 * entry hook collects each verified entry; its commit hook stages them
 * durably before the monitor state records them as verified (so an
 * interruption between the two loses nothing, and one before them only
 * verifies them again); once the run has verified the whole checkpoint,
 * replica_copy_apply() stores the entries and the note in one transaction.
 */
#include "logd/replica.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "client/api.h"
#include "client/monitor.h"
#include "client/verify.h"
#include "logd/log.h"
#include "logd/replica_copy.h"

/* Entries collected by the entry hook since the last commit. */
struct batch {
    struct replica_staged *e;
    size_t n, cap;
    uint8_t *data;
    size_t used, data_cap;
};

struct replica {
    struct replica_config cfg;
    char primary[1024];
    struct note_verifier log;
    struct metrics *metrics;
    struct client_monitor *mon;
    struct client_api *api;
    struct replica_copy copy;
    struct batch batch;
    bool batch_failed; /* out of memory collecting: the commit fails */
    char alert[1024];  /* the first alert of the round */
    enum metrics_replica_alarm alarm; /* sticky once set */
    bool waiting;                     /* for the witness policy's quorum */
    int last_failure;                 /* last round's error, logged once */
    bool bar_drawn;
    bool resume_logged; /* the first round says where it resumed */
    _Atomic uint64_t size;

    pthread_t thread;
    bool started;
    pthread_mutex_t mu;
    pthread_cond_t cond;
    bool stopping;
};

const char *replica_strerror(int err)
{
    switch (err) {
    case 0:
        return "success";
    case REPLICA_ERR_CONFIG:
        return "bad replica configuration";
    case REPLICA_ERR_STATE:
        return "the replica's monitor state cannot be used";
    case REPLICA_ERR_NOMEM:
        return "out of memory";
    case REPLICA_ERR_THREAD:
        return "cannot start the replica thread";
    case REPLICA_ERR_STORE:
        return "the replica's store failed";
    case REPLICA_ERR_MISMATCH:
        return "what was verified does not apply to the replica's copy";
    case REPLICA_ERR_KEY:
        return "the data directory belongs to another log";
    default:
        return "unknown replica error";
    }
}

/* ---- the monitor's hooks ---- */

static void on_alert(void *ctx, const char *msg, const char *note_a,
                     const char *note_b)
{
    struct replica *r = ctx;

    (void)note_a;
    (void)note_b;
    if (r->alert[0] == '\0')
        snprintf(r->alert, sizeof r->alert, "%s", msg);
}

static void on_progress(void *ctx, uint64_t done, uint64_t total)
{
    struct replica *r = ctx;
    int width = 40, fill;

    if (!r->cfg.progress || total == 0)
        return;
    fill = (int)(done * (uint64_t)width / total);
    fprintf(stderr,
            "\rlogd: replica catching up [%.*s%*s] %" PRIu64 "/%" PRIu64
            " entries",
            fill, "########################################", width - fill, "",
            done, total);
    r->bar_drawn = true;
}

/* Makes room for need elements of size bytes in *p (capacity *cap). */
static int grow(void **p, size_t *cap, size_t need, size_t size)
{
    size_t ncap = *cap ? *cap : 256;
    void *np;

    while (ncap < need)
        ncap *= 2;
    if (ncap == *cap)
        return 0;
    if ((np = realloc(*p, ncap * size)) == NULL)
        return -1;
    *p = np;
    *cap = ncap;
    return 0;
}

static void on_entry(void *ctx, uint64_t index, const uint8_t *entry,
                     size_t len)
{
    struct replica *r = ctx;
    struct batch *b = &r->batch;

    if (r->batch_failed)
        return;
    if (grow((void **)&b->e, &b->cap, b->n + 1, sizeof *b->e) != 0 ||
        grow((void **)&b->data, &b->data_cap, b->used + len, 1) != 0) {
        r->batch_failed = true; /* the commit hook fails the run */
        return;
    }
    memcpy(b->data + b->used, entry, len);
    b->e[b->n].index = index;
    b->e[b->n].off = b->used;
    b->e[b->n].len = len;
    b->n++;
    b->used += len;
}

static void batch_reset(struct batch *b)
{
    b->n = 0;
    b->used = 0;
}

static int on_commit(void *ctx, uint64_t size, char *why)
{
    struct replica *r = ctx;
    struct batch *b = &r->batch;
    char errbuf[CLIENT_REASON_MAX];
    int err;

    (void)size;
    if (r->batch_failed) {
        snprintf(why, CLIENT_REASON_MAX, "out of memory");
        return -1;
    }
    err = replica_copy_stage(&r->copy, b->e, b->n, b->data, errbuf,
                             sizeof errbuf);
    if (err != 0) {
        snprintf(why, CLIENT_REASON_MAX, "%s", errbuf);
        return -1;
    }
    batch_reset(b);
    return 0;
}

/* ---- a round ---- */

static enum metrics_replica_alarm alarm_of(enum client_monitor_alert a)
{
    switch (a) {
    case CLIENT_MONITOR_ALERT_FORK:
        return METRICS_REPLICA_FORK;
    case CLIENT_MONITOR_ALERT_SHRANK:
        return METRICS_REPLICA_SHRANK;
    case CLIENT_MONITOR_ALERT_EXTENSIONS:
        return METRICS_REPLICA_EXTENSIONS;
    case CLIENT_MONITOR_ALERT_UNBACKED:
        return METRICS_REPLICA_UNBACKED;
    case CLIENT_MONITOR_ALERT_ENTRIES:
        return METRICS_REPLICA_ENTRIES;
    default:
        return METRICS_REPLICA_REPLAY;
    }
}

static const char *const alarm_names[METRICS_REPLICA_ALARMS] = {
    "ok",       "fork",    "shrank", "extensions",
    "unbacked", "entries", "replay", "mismatch",
};

static void raise_alarm(struct replica *r, enum metrics_replica_alarm a,
                        const char *msg)
{
    r->alarm = a;
    metrics_replica_alarm(r->metrics, a);
    log_msg("replica ALARM [%s]: primary %s: %s; the replica stops advancing "
            "and keeps serving the last state it verified (size %" PRIu64
            ") (docs/operations.md, \"Replicas\")",
            alarm_names[a], r->primary, msg, replica_copy_size(&r->copy));
}

/* Logs a failure to reach or read the primary once, until it changes. */
static void round_failed(struct replica *r, int rc, const char *why)
{
    metrics_replica_failure(r->metrics);
    if (rc != r->last_failure)
        log_msg("replica: cannot follow %s now: %s (retrying)", r->primary,
                why);
    r->last_failure = rc;
}

/* One look at the primary's checkpoint and as much catching up as the step
 * allows. Returns whether there is more to do at once. */
static bool round_run(struct replica *r)
{
    struct client_monitor_hooks hooks = {on_alert, on_progress, r, on_entry,
                                         on_commit};
    struct client_monitor_result res;
    struct checkpoint cp;
    char why[CLIENT_REASON_MAX], *note = NULL;
    size_t len;
    bool more = false;
    int rc;

    r->alert[0] = '\0';
    r->batch_failed = false;
    batch_reset(&r->batch);
    if ((rc = client_api_checkpoint(r->api, &note, &len, why)) != 0) {
        round_failed(r, rc, why);
        return false;
    }
    rc = client_monitor_run_note(r->mon, r->api, note, len, &hooks, &res, why);
    if (r->bar_drawn) {
        fputc('\n', stderr);
        r->bar_drawn = false;
    }
    if (res.new_size > 0 || rc == 0)
        metrics_replica_sizes(r->metrics, res.new_size,
                              replica_copy_size(&r->copy));
    if (rc == CLIENT_ERR_INVALID && res.alert == CLIENT_MONITOR_ALERT_POLICY) {
        if (!r->waiting)
            log_msg("replica: %s", r->alert);
        r->waiting = true;
        metrics_replica_waiting(r->metrics, true);
        goto out;
    }
    if (rc == CLIENT_ERR_INVALID) {
        raise_alarm(r, alarm_of(res.alert), r->alert);
        goto out;
    }
    if (rc != 0) {
        round_failed(r, rc, why);
        goto out;
    }
    metrics_replica_verified(r->metrics, res.verified);
    if (res.resumed && !r->resume_logged)
        log_msg("replica: resuming the catch-up at entry %" PRIu64,
                res.old_size);
    r->resume_logged = true;
    if (r->last_failure != 0)
        log_msg("replica: following %s again", r->primary);
    r->last_failure = 0;
    if (r->waiting)
        metrics_replica_waiting(r->metrics, false);
    r->waiting = false;
    if (!res.complete) {
        more = true; /* stopped at the step: go on at once */
        goto out;
    }
    if (client_verify_checkpoint(note, len, &r->log, &cp, why) != 0) {
        round_failed(r, CLIENT_ERR_INVALID, why); /* verified by the run */
        goto out;
    }
    {
        uint64_t before = replica_copy_size(&r->copy);
        char errbuf[512];
        int err =
            replica_copy_apply(&r->copy, note, len, &cp, errbuf, sizeof errbuf);
        if (err == REPLICA_ERR_MISMATCH) {
            raise_alarm(r, METRICS_REPLICA_MISMATCH, errbuf);
        } else if (err != 0) {
            round_failed(r, err, errbuf);
        } else {
            atomic_store(&r->size, replica_copy_size(&r->copy));
            if (replica_copy_size(&r->copy) != before)
                log_msg("replica: %" PRIu64 " entries (checkpoint of %s)",
                        replica_copy_size(&r->copy), r->primary);
        }
        metrics_replica_sizes(r->metrics, cp.size, replica_copy_size(&r->copy));
    }
out:
    free(note);
    return more;
}

static void *replica_main(void *arg)
{
    struct replica *r = arg;

    pthread_mutex_lock(&r->mu);
    while (!r->stopping) {
        bool more;
        pthread_mutex_unlock(&r->mu);
        more = r->alarm == METRICS_REPLICA_OK && round_run(r);
        pthread_mutex_lock(&r->mu);
        if (!more && !r->stopping) {
            struct timespec until;
            clock_gettime(CLOCK_MONOTONIC, &until);
            until.tv_sec += r->cfg.interval_ms / 1000;
            until.tv_nsec += (long)(r->cfg.interval_ms % 1000) * 1000000L;
            if (until.tv_nsec >= 1000000000L) {
                until.tv_sec++;
                until.tv_nsec -= 1000000000L;
            }
            while (!r->stopping && pthread_cond_timedwait(&r->cond, &r->mu,
                                                          &until) != ETIMEDOUT)
                ;
        }
    }
    pthread_mutex_unlock(&r->mu);
    return NULL;
}

/* ---- opening and closing ---- */

int replica_open(const struct replica_config *cfg, struct store *store,
                 struct metrics *metrics, struct replica **out, char *errbuf,
                 size_t errcap)
{
    struct client_api_options ao = {cfg->cacert, 10};
    char vkey[NOTE_KEY_TEXT_MAX], path[PATH_MAX], why[CLIENT_REASON_MAX];
    struct replica *r;
    pthread_condattr_t ca;
    int err;

    *out = NULL;
    if ((r = calloc(1, sizeof *r)) == NULL) {
        snprintf(errbuf, errcap, "out of memory");
        return REPLICA_ERR_NOMEM;
    }
    r->cfg = *cfg;
    r->metrics = metrics;
    snprintf(r->primary, sizeof r->primary, "%s", cfg->primary);
    pthread_mutex_init(&r->mu, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&r->cond, &ca);
    pthread_condattr_destroy(&ca);
    metrics_replica_enable(metrics);
    if (note_verifier_parse(cfg->log_key, strlen(cfg->log_key), &r->log) != 0 ||
        note_verifier_format(&r->log, vkey, sizeof vkey) < 0) {
        snprintf(errbuf, errcap, "--log-key: not a verifier key: %s",
                 cfg->log_key);
        err = REPLICA_ERR_CONFIG;
        goto fail;
    }
    if ((err = replica_copy_open(&r->copy, store, metrics, vkey, errbuf,
                                 errcap)) != 0)
        goto fail;
    atomic_store(&r->size, replica_copy_size(&r->copy));
    snprintf(path, sizeof path, "%s/replica", cfg->dir);
    if (client_monitor_open(path, &r->log, &r->mon, why) != 0) {
        snprintf(errbuf, errcap, "%s: %s", path, why);
        err = REPLICA_ERR_STATE;
        goto fail;
    }
    client_monitor_set_limits(r->mon, cfg->step, 0);
    client_monitor_set_policy(r->mon, cfg->policy);
    if (client_api_open(cfg->primary, &ao, &r->api, why) != 0) {
        snprintf(errbuf, errcap, "--replica-of %s: %s", cfg->primary, why);
        err = REPLICA_ERR_CONFIG;
        goto fail;
    }
    *out = r;
    return 0;
fail:
    replica_free(r);
    return err;
}

uint64_t replica_size(struct replica *r)
{
    return atomic_load(&r->size);
}

int replica_start(struct replica *r)
{
    if (pthread_create(&r->thread, NULL, replica_main, r) != 0)
        return REPLICA_ERR_THREAD;
    r->started = true;
    return 0;
}

void replica_stop(struct replica *r)
{
    if (r == NULL || !r->started)
        return;
    pthread_mutex_lock(&r->mu);
    r->stopping = true;
    pthread_cond_signal(&r->cond);
    pthread_mutex_unlock(&r->mu);
    pthread_join(r->thread, NULL);
    r->started = false;
}

void replica_free(struct replica *r)
{
    if (r == NULL)
        return;
    client_api_close(r->api);
    client_monitor_close(r->mon);
    replica_copy_close(&r->copy);
    free(r->batch.e);
    free(r->batch.data);
    pthread_cond_destroy(&r->cond);
    pthread_mutex_destroy(&r->mu);
    free(r);
}
