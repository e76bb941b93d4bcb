/* watch.c: see watch.h. */
#include "agent/watch.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "agent/webhook.h"
#include "agent/worker.h"
#include "client/monitor.h"
#include "proofs/codec.h"
#include "proofs/entry.h"

#define WATCH_PASS_MAX 4096

/* The monitor and its connection are the worker thread's while a pass
 * runs; the events it finds wait in events until the pass is back on the
 * loop. */
struct agent_watch {
    struct agent_job job; /* first: the worker's handle */
    const struct agent_config *cfg;
    struct client_monitor *m;
    struct client_api *api;
    struct agent_worker *worker;
    struct agent_journal *j; /* the webhook outbox's, or NULL */
    struct event *timer;
    agent_event_fn on_event;
    void *arg;
    json_t *events; /* [{"event": name, "data": {...}}] of this pass */
    int rc;
    bool complete;
    char why[CLIENT_REASON_MAX];
};

/* On the worker thread: journals event name with data in the webhook
 * outbox at once, before the monitor's state moves past the entry (so a
 * crash loses no event: the entry is judged again), and keeps it for the
 * loop (the reference to data is taken). */
static void found(struct agent_watch *w, const char *name, json_t *data)
{
    json_t *ev = json_pack("{s:s,s:o}", "event", name, "data", data);
    struct agent_journal_op op = {.event = true};
    char why[AGENT_WHY_MAX];

    if (w->j != NULL && (op.text = agent_webhook_event(name, data)) != NULL) {
        op.len = strlen(op.text);
        if (agent_journal_write(w->j, &op, 1, why) != 0)
            fprintf(stderr, "credlog agent: %s event: %s\n", name, why);
        free((char *)op.text);
    }
    if (ev != NULL)
        json_array_append_new(w->events, ev);
}

/* Whether a department of the agent holds the key (key id and public key
 * when pub is not NULL). */
static bool held(const struct agent_watch *w, uint32_t key_id,
                 const uint8_t *pub)
{
    for (size_t i = 0; i < w->cfg->ndepts; i++) {
        const struct note_verifier *k = &w->cfg->depts[i].vkey;

        if (k->key_id == key_id &&
            (pub == NULL || memcmp(k->pub, pub, ED25519_PUBLIC_SIZE) == 0))
            return true;
    }
    return false;
}

static void on_entry(void *ctx, uint64_t index, const uint8_t *b, size_t len)
{
    struct agent_watch *w = ctx;
    char hex[65], id[9];
    struct entry e;
    json_t *j;

    if (entry_decode(b, len, &e) != 0 ||
        strcmp(e.issuer, w->cfg->institution) != 0)
        return;
    if (e.type == ENTRY_ISSUE || e.type == ENTRY_REVOKE) {
        if (held(w, e.key_id, NULL))
            return;
        codec_hex_encode(e.credential, 32, hex);
    } else if (e.type == ENTRY_KEY && e.key_op == ENTRY_KEY_ADD) {
        /* The key id of (issuer, Ed25519, public key). */
        e.key_id = note_key_id(e.issuer, NOTE_TYPE_ED25519, e.public_key);
        if (held(w, e.key_id, e.public_key))
            return;
        codec_b64_encode(e.public_key, 32, hex);
    } else {
        return;
    }
    snprintf(id, sizeof id, "%08" PRIx32, e.key_id);
    j = json_pack("{s:s,s:I,s:s,s:s,s:s}", "institution", w->cfg->institution,
                  "index", (json_int_t)index, "type", entry_type_name(e.type),
                  "key_id", id,
                  e.type == ENTRY_KEY ? "public_key" : "credential_hash", hex);
    fprintf(stderr,
            "credlog agent: entry %" PRIu64 ": %s under %s with key %s, "
            "which no department holds\n",
            index, entry_type_name(e.type), w->cfg->institution, id);
    if (j != NULL)
        found(w, "unknown_key", j);
}

static void on_alert(void *ctx, const char *msg, const char *a, const char *b)
{
    struct agent_watch *w = ctx;
    json_t *j = json_pack("{s:s,s:s}", "institution", w->cfg->institution,
                          "message", msg);

    (void)a;
    (void)b;
    fprintf(stderr, "credlog agent: monitor ALERT: %s\n", msg);
    if (j != NULL)
        found(w, "log_alert", j);
}

/* The worker thread: one pass of the monitor. */
static void pass_work(struct agent_job *job)
{
    struct agent_watch *w = (struct agent_watch *)job;
    struct client_monitor_hooks hooks = {on_alert, NULL, w, on_entry, NULL};
    struct client_monitor_result res;

    memset(&res, 0, sizeof res);
    w->rc = client_monitor_run(w->m, w->api, &hooks, &res, w->why);
    w->complete = res.complete;
}

/* Back on the loop: raise what the pass found, and plan the next. */
static void pass_done(struct agent_job *job)
{
    struct agent_watch *w = (struct agent_watch *)job;
    struct timeval tv = {(time_t)w->cfg->monitor_interval_s, 0};
    json_t *ev;
    size_t i;

    if (w->rc != 0 && w->rc != CLIENT_ERR_INVALID)
        fprintf(stderr, "credlog agent: monitor: %s\n", w->why);
    else if (w->rc == 0 && !w->complete)
        tv.tv_sec = 0; /* a catch-up: go on at once */
    json_array_foreach(w->events, i, ev)
    {
        w->on_event(w->arg, json_string_value(json_object_get(ev, "event")),
                    json_object_get(ev, "data"));
    }
    json_array_clear(w->events);
    evtimer_add(w->timer, &tv);
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
    struct agent_watch *w = arg;

    (void)fd;
    (void)what;
    agent_worker_run(w->worker, &w->job);
}

int agent_watch_new(struct event_base *base, const struct agent_config *cfg,
                    int timeout_s, struct agent_journal *j,
                    agent_event_fn on_event, void *arg,
                    struct agent_watch **out, char *why)
{
    struct client_api_options opt = {NULL, timeout_s};
    struct agent_watch *w = calloc(1, sizeof *w);
    char dir[PATH_MAX], mwhy[CLIENT_REASON_MAX];
    struct timeval now = {0, 0};

    *out = NULL;
    if (w == NULL)
        return AGENT_ERR_NOMEM;
    w->cfg = cfg;
    w->j = j;
    w->on_event = on_event;
    w->arg = arg;
    if (snprintf(dir, sizeof dir, "%.4000s/monitor", cfg->data_dir) < 0 ||
        (mkdir(dir, 0700) != 0 && errno != EEXIST)) {
        snprintf(why, AGENT_WHY_MAX, "%.300s: %s", dir, strerror(errno));
        free(w);
        return AGENT_ERR_CONFIG;
    }
    if (client_monitor_open(dir, &cfg->log, &w->m, mwhy) != 0 ||
        client_api_open(cfg->log_url, &opt, &w->api, mwhy) != 0) {
        snprintf(why, AGENT_WHY_MAX, "monitor: %s", mwhy);
        agent_watch_free(w);
        return AGENT_ERR_CONFIG;
    }
    client_monitor_set_limits(w->m, WATCH_PASS_MAX, 0);
    w->job.work = pass_work;
    w->job.done = pass_done;
    if ((w->events = json_array()) == NULL ||
        (w->timer = evtimer_new(base, on_timer, w)) == NULL) {
        agent_watch_free(w);
        return AGENT_ERR_NOMEM;
    }
    if (agent_worker_new(base, &w->worker, why) != 0) {
        agent_watch_free(w);
        return AGENT_ERR_NOMEM;
    }
    evtimer_add(w->timer, &now);
    *out = w;
    return 0;
}

void agent_watch_free(struct agent_watch *w)
{
    if (w == NULL)
        return;
    agent_worker_free(w->worker); /* waits for a pass in flight */
    json_decref(w->events);
    if (w->timer != NULL)
        event_free(w->timer);
    client_api_close(w->api);
    client_monitor_close(w->m);
    free(w);
}
