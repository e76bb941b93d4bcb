/*
 * engine.c: see engine.h. Items live in one list (active) from the request
 * until their answer; queued ones also in a FIFO. The journal records are
 * JSON objects (docs/api.md, "Agent journal").
 */
#include "agent/engine.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/rand.h>
#include <openssl/sha.h>

#include "agent/webhook.h"
#include "agent/worker.h"
#include "client/credbundle.h"
#include "client/credfile.h"
#include "client/submit.h"
#include "client/verify.h"
#include "proofs/codec.h"

#define ID_DOMAIN "credlog-agent/id/v1\n"
#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 30000

const char *agent_strerror(int err)
{
    switch (err) {
    case 0:
        return "success";
    case AGENT_ERR_CONFIG:
        return "agent: bad configuration";
    case AGENT_ERR_JOURNAL:
        return "agent: journal failure";
    case AGENT_ERR_NOMEM:
        return "agent: out of memory";
    case AGENT_ERR_REQUEST:
        return "agent: malformed request";
    case AGENT_ERR_NOT_FOUND:
        return "agent: no such record";
    case AGENT_ERR_CORRUPT:
        return "agent: corrupt journal record";
    default:
        return "unknown agent error";
    }
}

/* Someone waiting for an item's answer, with what the answer needs from
 * their own request (the bundle is built from the bytes they sent). */
struct waiter {
    struct waiter *next;
    agent_reply_fn cb;
    void *arg;
    uint8_t *data;
    size_t len;
    char name[AGENT_NAME_MAX + 1];
};

struct item {
    struct item *next_active, *next_queued;
    uint8_t id[AGENT_ID_SIZE];
    uint8_t type;
    char dept[AGENT_DEPT_NAME_MAX + 1];
    uint8_t key[CREDKEY_HASH_SIZE];
    struct client_credkey credkey; /* known for credential bytes */
    struct entry sent;
    bool journaled;
    /* revoke of credential bytes: the id an ISSUE of them has */
    bool has_issue_id;
    uint8_t issue_id[AGENT_ID_SIZE];
    struct waiter *waiters;
};

struct agent_engine {
    const struct agent_config *cfg;
    struct agent_journal *j;
    struct event_base *base;
    struct event *timer;
    bool timer_armed, backing_off;
    unsigned backoff_ms;
    struct client_api *api; /* used by the worker thread only */
    struct agent_worker *worker;
    struct batch *in_flight; /* the batch the worker holds, or NULL */
    agent_event_fn on_event;
    void *event_arg;
    struct item *active;
    struct item *queue, **queue_tail;
    size_t queued, busy;
};

static uint64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void make_id(uint8_t type, int profile, const uint8_t *h,
                    uint8_t id[AGENT_ID_SIZE])
{
    uint8_t b[sizeof ID_DOMAIN - 1 + 2 + 32];
    size_t n = sizeof ID_DOMAIN - 1;

    memcpy(b, ID_DOMAIN, n);
    b[n++] = type;
    b[n++] = (uint8_t)profile;
    memcpy(b + n, h, 32);
    SHA256(b, sizeof b, id);
}

static void reply_error(agent_reply_fn cb, void *arg, int status,
                        const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void reply_error(agent_reply_fn cb, void *arg, int status,
                        const char *fmt, ...)
{
    char msg[2 * AGENT_WHY_MAX];
    json_t *j = json_object();
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    json_object_set_new(j, "error", json_string(msg));
    cb(arg, status, j);
    json_decref(j);
}

static void waiter_free(struct waiter *w)
{
    free(w->data);
    free(w);
}

/* ---- answers ---- */

/* Adds the holder's bundle (credlog-bundle/v1) of the credential w sent
 * to answer a, from the receipt object rj. */
static void add_bundle(json_t *a, const json_t *rj, const struct waiter *w)
{
    struct client_credbundle *b = calloc(1, sizeof *b);
    char why[CLIENT_REASON_MAX], *text = NULL;
    json_t *bj;

    if (b == NULL)
        return;
    if (client_receipt_from_json(rj, &b->receipt, why) != 0 ||
        client_credkey_from_json(rj, &b->credkey, why) != 0 ||
        !b->credkey.known)
        goto done;
    snprintf(b->name, sizeof b->name, "%s",
             w->name[0] ? w->name : "credential");
    snprintf(b->media_type, sizeof b->media_type, "%s",
             client_credfile_media_type(w->data, w->len));
    b->data = w->data; /* borrowed for the encoding */
    b->data_len = w->len;
    if (client_credbundle_format(b, &text) == 0 &&
        (bj = json_loads(text, 0, NULL)) != NULL)
        json_object_set_new(a, "bundle", bj);
    b->data = NULL;
done:
    free(text);
    client_credbundle_free(b);
    free(b);
}

/* Answers w from a done record (rec, the journal's JSON object): the same
 * code for a fresh receipt and for a repeated request. */
static void answer_done(const json_t *rec, struct waiter *w)
{
    const char *status = json_string_value(json_object_get(rec, "status"));
    json_t *rj = json_object_get(rec, "receipt");
    json_t *a = json_object();
    int http = 200;

    json_object_set_new(a, "status", json_string(status ? status : "?"));
    json_object_set(a, "type", json_object_get(rec, "type"));
    json_object_set(a, "department", json_object_get(rec, "department"));
    json_object_set(a, "credential_hash",
                    json_object_get(rj, "credential_hash"));
    if (json_object_get(rj, "profile") != NULL) {
        json_object_set(a, "profile", json_object_get(rj, "profile"));
        json_object_set(a, "salt", json_object_get(rj, "salt"));
    }
    json_object_set(a, "index", json_object_get(rj, "index"));
    if (status != NULL && strcmp(status, "revoked_before") == 0) {
        http = 409;
        json_object_set_new(a, "error",
                            json_string("the credential was issued and is "
                                        "revoked: it is not issued again"));
        json_object_set(a, "revoked_index",
                        json_object_get(rec, "revoked_index"));
    } else {
        json_object_set(a, "receipt", rj);
        if (w->data != NULL &&
            strcmp(json_string_value(json_object_get(rec, "type")), "issue") ==
                0)
            add_bundle(a, rj, w);
    }
    w->cb(w->arg, http, a);
    json_decref(a);
}

/* ---- records ---- */

static bool has_state(const json_t *rec, const char *state)
{
    const char *s = json_string_value(json_object_get(rec, "state"));

    return s != NULL && strcmp(s, state) == 0;
}

static json_t *pending_record(const struct item *it)
{
    uint8_t buf[ENTRY_MAX_SIZE];
    char hex[2 * ENTRY_MAX_SIZE + 1], key[65];
    json_t *r = json_object();
    int n = entry_encode(&it->sent, buf, sizeof buf);

    if (r == NULL || n < 0) {
        json_decref(r);
        return NULL;
    }
    codec_hex_encode(buf, (size_t)n, hex);
    codec_hex_encode(it->key, 32, key);
    json_object_set_new(r, "state", json_string("pending"));
    json_object_set_new(r, "type", json_string(entry_type_name(it->type)));
    json_object_set_new(r, "department", json_string(it->dept));
    json_object_set_new(r, "credential_hash", json_string(key));
    json_object_set_new(r, "entry", json_string(hex));
    if (client_credkey_to_json(r, &it->credkey) != 0) {
        json_decref(r);
        return NULL;
    }
    return r;
}

static json_t *read_record(struct agent_engine *e, const uint8_t *id)
{
    char why[AGENT_WHY_MAX], *text;
    size_t len;
    json_t *j;

    if (agent_journal_get(e->j, id, &text, &len, why) != 0)
        return NULL;
    j = json_loadb(text, len, 0, NULL);
    free(text);
    return j;
}

/* ---- the queue ---- */

static void on_timer(evutil_socket_t fd, short what, void *arg);

static void arm(struct agent_engine *e, unsigned ms)
{
    struct timeval tv = {(time_t)(ms / 1000), (suseconds_t)(ms % 1000) * 1000};

    if (e->timer_armed && ms > 0)
        return;
    evtimer_add(e->timer, &tv);
    e->timer_armed = true;
}

static void enqueue(struct agent_engine *e, struct item *it)
{
    it->next_queued = NULL;
    *e->queue_tail = it;
    e->queue_tail = &it->next_queued;
    e->queued++;
    if (e->backing_off)
        return;
    arm(e, e->queued >= CLIENT_SUBMIT_MAX ? 0 : e->cfg->linger_ms);
}

static struct item *find_active(struct agent_engine *e, const uint8_t *id)
{
    for (struct item *it = e->active; it != NULL; it = it->next_active)
        if (memcmp(it->id, id, AGENT_ID_SIZE) == 0)
            return it;
    return NULL;
}

static void item_free(struct agent_engine *e, struct item *it)
{
    for (struct item **p = &e->active; *p != NULL; p = &(*p)->next_active)
        if (*p == it) {
            *p = it->next_active;
            break;
        }
    while (it->waiters != NULL) {
        struct waiter *w = it->waiters;
        it->waiters = w->next;
        waiter_free(w);
    }
    e->busy--;
    free(it);
}

static struct item *item_new(struct agent_engine *e, const uint8_t *id)
{
    struct item *it = calloc(1, sizeof *it);

    if (it == NULL)
        return NULL;
    memcpy(it->id, id, AGENT_ID_SIZE);
    it->next_active = e->active;
    e->active = it;
    e->busy++;
    return it;
}

/* Every waiter of it gets cb's answer, made by fn. */
static void answer_all(struct item *it, const json_t *rec)
{
    for (struct waiter *w = it->waiters; w != NULL; w = w->next)
        answer_done(rec, w);
}

static void fail_all(struct item *it, int status, const char *msg)
{
    struct waiter *w;

    while ((w = it->waiters) != NULL) {
        it->waiters = w->next;
        reply_error(w->cb, w->arg, status, "%s", msg);
        waiter_free(w);
    }
}

/* What the receipt r of item it says, as a done record, from its check chk
 * (the receipt verified). NULL when out of memory (why says so). */
static json_t *done_record(struct item *it, struct client_receipt *r,
                           const struct client_receipt_check *c, char *why)
{
    const char *status;
    json_t *rec, *rj;

    if (c->entry.timestamp_ms == it->sent.timestamp_ms &&
        memcmp(c->entry.signature, it->sent.signature, 64) == 0)
        status = it->type == ENTRY_ISSUE ? "issued" : "revoked";
    else
        status = "existing";
    if (it->type == ENTRY_ISSUE && r->revoked &&
        strcmp(status, "existing") == 0)
        status = "revoked_before";
    rec = json_object();
    rj = client_receipt_file_json(r, it->key, &it->credkey);
    if (rec == NULL || rj == NULL) {
        json_decref(rec);
        json_decref(rj);
        snprintf(why, CLIENT_REASON_MAX, "out of memory");
        return NULL;
    }
    json_object_set_new(rec, "state", json_string("done"));
    json_object_set_new(rec, "type", json_string(entry_type_name(it->type)));
    json_object_set_new(rec, "department", json_string(it->dept));
    json_object_set_new(rec, "status", json_string(status));
    if (strcmp(status, "revoked_before") == 0)
        json_object_set_new(rec, "revoked_index",
                            json_integer((json_int_t)r->revoked_index));
    json_object_set_new(rec, "receipt", rj);
    return rec;
}

/* Journals ops, dumping recs[i] (NULL: delete) as ops[i].text, but for
 * events (ops[i].event), whose text is set already. */
static int write_records(struct agent_engine *e, struct agent_journal_op *ops,
                         json_t **recs, char **texts, size_t n, char *why)
{
    int rc = 0;

    for (size_t i = 0; i < n; i++) {
        texts[i] = NULL;
        if (ops[i].event)
            continue; /* its text is the caller's */
        if (recs[i] == NULL) {
            ops[i].text = NULL;
            continue;
        }
        texts[i] = json_dumps(recs[i], JSON_COMPACT);
        if (texts[i] == NULL) {
            snprintf(why, AGENT_WHY_MAX, "out of memory");
            rc = AGENT_ERR_NOMEM;
        }
        ops[i].text = texts[i];
        ops[i].len = texts[i] ? strlen(texts[i]) : 0;
    }
    if (rc == 0)
        rc = agent_journal_write(e->j, ops, n, why);
    for (size_t i = 0; i < n; i++)
        free(texts[i]);
    return rc;
}

/* The batch's per-item outcome, before it is journaled and answered. */
struct outcome {
    json_t *rec; /* a done record, or NULL */
    int status;  /* 0: done; else the HTTP status of the error */
    bool keep;   /* stays pending (log unreachable, or no verifying receipt) */
    char msg[3 * CLIENT_REASON_MAX];
};

/* One submission, handed to the worker thread. The thread reads only what
 * the loop copied in (entries, types, keys) and the configuration, and
 * writes only the results; the items stay the loop's. */
struct batch {
    struct agent_job job; /* first: the worker's handle */
    struct agent_engine *e;
    size_t n;
    struct item **items;
    struct entry *entries;
    uint8_t (*keys)[CREDKEY_HASH_SIZE];
    struct client_receipt *receipts;
    struct client_submit_result *res;
    struct client_receipt_check *chk;
    bool *verified;
    char (*vwhy)[CLIENT_REASON_MAX];
};

static void batch_free(struct batch *b)
{
    if (b == NULL)
        return;
    for (size_t i = 0; b->receipts != NULL && i < b->n; i++)
        client_receipt_free(&b->receipts[i]);
    free(b->items);
    free(b->entries);
    free(b->keys);
    free(b->receipts);
    free(b->res);
    free(b->chk);
    free(b->verified);
    free(b->vwhy);
    free(b);
}

static struct batch *batch_new(struct agent_engine *e, size_t n)
{
    struct batch *b = calloc(1, sizeof *b);

    if (b == NULL)
        return NULL;
    b->e = e;
    b->n = n;
    b->items = calloc(n, sizeof *b->items);
    b->entries = calloc(n, sizeof *b->entries);
    b->keys = calloc(n, sizeof *b->keys);
    b->receipts = calloc(n, sizeof *b->receipts);
    b->res = calloc(n, sizeof *b->res);
    b->chk = calloc(n, sizeof *b->chk);
    b->verified = calloc(n, sizeof *b->verified);
    b->vwhy = calloc(n, sizeof *b->vwhy);
    if (b->items == NULL || b->entries == NULL || b->keys == NULL ||
        b->receipts == NULL || b->res == NULL || b->chk == NULL ||
        b->verified == NULL || b->vwhy == NULL) {
        batch_free(b);
        return NULL;
    }
    return b;
}

/* The worker thread: submit, then verify every receipt. */
static void batch_work(struct agent_job *job)
{
    struct batch *b = (struct batch *)job;
    const struct agent_config *cfg = b->e->cfg;

    client_submit_each(b->e->api, b->entries, b->n, b->receipts, b->res);
    for (size_t i = 0; i < b->n; i++)
        if (b->res[i].rc == 0)
            b->verified[i] = client_verify_receipt(&b->receipts[i], &cfg->log,
                                                   b->entries[i].type,
                                                   b->keys[i], cfg->institution,
                                                   &b->chk[i], b->vwhy[i]) == 0;
}

static void batch_done(struct agent_job *job);

/* Takes up to CLIENT_SUBMIT_MAX queued items, journals the new ones as
 * pending and hands them to the worker. One batch is in flight at a time;
 * the next waits in the queue, coalescing, until it comes back. */
static void flush(struct agent_engine *e)
{
    struct agent_journal_op *ops = NULL;
    json_t **recs = NULL;
    char **texts = NULL, why[AGENT_WHY_MAX];
    size_t n = e->queued < CLIENT_SUBMIT_MAX ? e->queued : CLIENT_SUBMIT_MAX;
    size_t nops = 0;
    struct batch *b;
    int rc;

    if (n == 0 || e->in_flight != NULL)
        return;
    b = batch_new(e, n);
    ops = calloc(n, sizeof *ops);
    recs = calloc(n, sizeof *recs);
    texts = calloc(n, sizeof *texts);
    if (b == NULL || ops == NULL || recs == NULL || texts == NULL) {
        batch_free(b);
        arm(e, 1000); /* try again when there may be memory */
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        b->items[i] = e->queue;
        e->queue = e->queue->next_queued;
        e->queued--;
    }
    if (e->queue == NULL)
        e->queue_tail = &e->queue;

    /* Journal the new items as pending: their salts survive a crash
     * before the log answers. */
    for (size_t i = 0; i < n; i++)
        if (!b->items[i]->journaled) {
            ops[nops].id = b->items[i]->id;
            ops[nops].pending = true;
            recs[nops] = pending_record(b->items[i]);
            nops++;
        }
    rc = write_records(e, ops, recs, texts, nops, why);
    for (size_t i = 0; i < nops; i++)
        json_decref(recs[i]);
    if (rc != 0) {
        fprintf(stderr, "credlog agent: %s\n", why);
        for (size_t i = 0; i < n; i++) {
            fail_all(b->items[i], 500, "the agent cannot journal the request");
            if (b->items[i]->journaled)
                enqueue(e, b->items[i]); /* pending in the journal already */
            else
                item_free(e, b->items[i]);
        }
        batch_free(b);
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        b->items[i]->journaled = true;
        b->entries[i] = b->items[i]->sent;
        memcpy(b->keys[i], b->items[i]->key, CREDKEY_HASH_SIZE);
    }
    b->job.work = batch_work;
    b->job.done = batch_done;
    e->in_flight = b;
    agent_worker_run(e->worker, &b->job);
done:
    free(ops);
    free(recs);
    free(texts);
}

/* Back on the loop: journal the receipts, then answer. */
static void batch_done(struct agent_job *job)
{
    struct batch *b = (struct batch *)job;
    struct agent_engine *e = b->e;
    struct item **batch = b->items;
    struct outcome *out = NULL;
    struct agent_journal_op *ops = NULL;
    json_t **recs = NULL;
    char **texts = NULL, why[AGENT_WHY_MAX];
    size_t n = b->n, nops = 0;
    bool unreachable = false;
    int rc;

    e->in_flight = NULL;
    out = calloc(n, sizeof *out);
    ops = calloc(3 * n, sizeof *ops);
    recs = calloc(3 * n, sizeof *recs);
    texts = calloc(3 * n, sizeof *texts);
    if (out == NULL || ops == NULL || recs == NULL || texts == NULL) {
        /* Pending in the journal: submitted again at the next start. */
        for (size_t i = 0; i < n; i++) {
            fail_all(batch[i], 500, "out of memory");
            item_free(e, batch[i]);
        }
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        struct outcome *o = &out[i];
        struct client_submit_result *res = &b->res[i];
        char vwhy[CLIENT_REASON_MAX];

        if (res->rc == 0) {
            if (!b->verified[i] ||
                (o->rec = done_record(batch[i], &b->receipts[i], &b->chk[i],
                                      vwhy)) == NULL) {
                o->status = 502;
                o->keep = true;
                snprintf(o->msg, sizeof o->msg,
                         "the log's receipt does not verify: %s",
                         b->verified[i] ? vwhy : b->vwhy[i]);
                fprintf(stderr, "credlog agent: %s\n", o->msg);
                continue;
            }
            ops[nops].id = batch[i]->id;
            ops[nops].pending = false;
            recs[nops++] = o->rec;
        } else if (res->rc == CLIENT_ERR_REFUSED) {
            o->status = 422;
            snprintf(o->msg, sizeof o->msg, "the log refused it: %s", res->msg);
            ops[nops].id = batch[i]->id;
            ops[nops].pending = false;
            recs[nops++] = NULL; /* nothing logged: forget it */
        } else {
            o->status = 503;
            o->keep = true;
            unreachable = true;
            snprintf(o->msg, sizeof o->msg,
                     "the log cannot be reached (%s): the request is "
                     "journaled and will be submitted again; repeat it for "
                     "its receipt",
                     res->msg);
        }
    }

    /* A repeated ISSUE of a credential revoked here is answered as credlog
     * issue answers it: revoked, not issued again. */
    size_t nrecs = nops;
    for (size_t i = 0; i < n; i++) {
        json_t *ir;

        if (out[i].rec == NULL || !batch[i]->has_issue_id ||
            (ir = read_record(e, batch[i]->issue_id)) == NULL)
            continue;
        if (has_state(ir, "done")) {
            json_object_set_new(ir, "status", json_string("revoked_before"));
            json_object_set(
                ir, "revoked_index",
                json_object_get(json_object_get(out[i].rec, "receipt"),
                                "index"));
            ops[nops].id = batch[i]->issue_id;
            ops[nops].pending = false;
            recs[nops++] = ir;
        } else {
            json_decref(ir);
        }
    }

    /* Each receipt's receipt_ready event goes into the webhook outbox in
     * the same transaction: no receipt without its event. */
    size_t nevents = nops;
    for (size_t i = 0; i < n && e->on_event != NULL; i++)
        if (out[i].rec != NULL) {
            ops[nops].event = true;
            ops[nops].text = agent_webhook_event("receipt_ready", out[i].rec);
            if (ops[nops].text == NULL)
                continue; /* out of memory: the receipt without it */
            ops[nops].len = strlen(ops[nops].text);
            nops++;
        }

    /* Journal the receipts, then answer. */
    rc = write_records(e, ops, recs, texts, nops, why);
    for (size_t i = nrecs; i < nevents; i++)
        json_decref(recs[i]);
    for (size_t i = nevents; i < nops; i++)
        free((char *)ops[i].text);
    if (rc != 0) {
        fprintf(stderr, "credlog agent: %s\n", why);
        for (size_t i = 0; i < n; i++)
            if (out[i].rec != NULL) {
                out[i].status = 500;
                out[i].keep = true;
                snprintf(out[i].msg, sizeof out[i].msg,
                         "the receipt could not be journaled: repeat the "
                         "request");
            }
    }
    for (size_t i = 0; i < n; i++) {
        struct item *it = batch[i];

        if (out[i].status == 0) {
            answer_all(it, out[i].rec);
            if (e->on_event != NULL)
                e->on_event(e->event_arg, "receipt_ready", out[i].rec);
            item_free(e, it);
        } else {
            fail_all(it, out[i].status, out[i].msg);
            if (out[i].status == 503)
                enqueue(e, it);
            else
                item_free(e, it); /* kept: pending in the journal */
        }
        json_decref(out[i].rec);
    }
    if (unreachable) {
        e->backing_off = true;
        e->backoff_ms = e->backoff_ms == 0 ? BACKOFF_MIN_MS
                        : e->backoff_ms >= BACKOFF_MAX_MS / 2
                            ? BACKOFF_MAX_MS
                            : 2 * e->backoff_ms;
        e->timer_armed = false;
        arm(e, e->backoff_ms);
    } else {
        e->backoff_ms = 0;
        if (e->queued > 0)
            arm(e, e->queued >= CLIENT_SUBMIT_MAX ? 0 : e->cfg->linger_ms);
    }
done:
    batch_free(b);
    free(out);
    free(ops);
    free(recs);
    free(texts);
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
    struct agent_engine *e = arg;

    (void)fd;
    (void)what;
    e->timer_armed = false;
    e->backing_off = false;
    flush(e);
}

/* ---- requests ---- */

/* The profile and salt an ISSUE of the same credential (issue_id) was
 * given by this agent, into *k. Returns whether it is known. */
static bool known_salt(struct agent_engine *e, const uint8_t *issue_id,
                       struct client_credkey *k)
{
    struct item *it = find_active(e, issue_id);
    json_t *rec, *rj;
    char why[CLIENT_REASON_MAX];
    bool ok;

    if (it != NULL) {
        *k = it->credkey;
        return k->known;
    }
    if ((rec = read_record(e, issue_id)) == NULL)
        return false;
    rj = json_object_get(rec, "receipt");
    ok = client_credkey_from_json(rj != NULL ? rj : rec, k, why) == 0 &&
         k->known;
    json_decref(rec);
    return ok;
}

/* Computes r's key and id into it (and it->credkey). Returns 0, or the HTTP
 * status of the refusal with msg. */
static int key_of(struct agent_engine *e, const struct agent_request *r,
                  struct item *it, uint8_t id[AGENT_ID_SIZE], char *msg)
{
    char why[CLIENT_REASON_MAX];
    struct credkey_result cr;

    if (r->have_key) {
        memcpy(it->key, r->key, 32);
        make_id(r->type, 0xff, r->key, id);
        if (r->type == ENTRY_REVOKE) {
            make_id(ENTRY_ISSUE, 0xff, r->key, it->issue_id);
            it->has_issue_id = true;
        }
        return 0;
    }
    if (client_credfile_key(r->data, r->len, r->profile, NULL, 0, &cr, why) !=
        0) {
        snprintf(msg, AGENT_WHY_MAX, "credkey/v1 refuses the credential: %s",
                 why);
        return 422;
    }
    make_id(r->type, cr.profile, cr.digest, id);
    if (r->type == ENTRY_REVOKE) {
        make_id(ENTRY_ISSUE, cr.profile, cr.digest, it->issue_id);
        it->has_issue_id = true;
    }
    it->credkey.known = true;
    it->credkey.profile = cr.profile;
    switch (r->salt_policy) {
    case AGENT_SALT_RANDOM:
        it->credkey.salt_len = CREDKEY_SALT_MIN;
        if (RAND_bytes(it->credkey.salt, CREDKEY_SALT_MIN) != 1) {
            snprintf(msg, AGENT_WHY_MAX, "no random salt");
            return 500;
        }
        break;
    case AGENT_SALT_NONE:
        it->credkey.salt_len = 0;
        break;
    case AGENT_SALT_GIVEN:
        memcpy(it->credkey.salt, r->salt, r->salt_len);
        it->credkey.salt_len = r->salt_len;
        break;
    case AGENT_SALT_KNOWN:
        if (!known_salt(e, it->issue_id, &it->credkey)) {
            snprintf(msg, AGENT_WHY_MAX,
                     "this agent did not issue the credential under profile "
                     "%s, so its salt is unknown: give \"salt\" (from its "
                     "receipt or bundle), or \"none\" if it was issued "
                     "unsalted",
                     credkey_profile_name(cr.profile));
            return 422;
        }
        break;
    }
    if (credkey_key(it->credkey.profile, it->credkey.salt, it->credkey.salt_len,
                    cr.digest, it->key) != 0) {
        snprintf(msg, AGENT_WHY_MAX, "credkey/v1 refuses the salt");
        return 422;
    }
    return 0;
}

static struct item *item_from_record(struct agent_engine *e, const uint8_t *id,
                                     const json_t *rec);

void agent_engine_submit(struct agent_engine *e, struct agent_request *r,
                         agent_reply_fn cb, void *arg)
{
    const struct agent_department *d = &e->cfg->depts[r->dept];
    struct waiter *w = NULL;
    struct item tmp, *it;
    uint8_t id[AGENT_ID_SIZE];
    char msg[AGENT_WHY_MAX];
    json_t *rec;
    int status;

    memset(&tmp, 0, sizeof tmp);
    if ((status = key_of(e, r, &tmp, id, msg)) != 0) {
        reply_error(cb, arg, status, "%s", msg);
        goto out;
    }
    if ((w = calloc(1, sizeof *w)) == NULL) {
        reply_error(cb, arg, 500, "out of memory");
        goto out;
    }
    w->cb = cb;
    w->arg = arg;
    w->data = r->data; /* moved */
    w->len = r->len;
    r->data = NULL;
    snprintf(w->name, sizeof w->name, "%s", r->name);
    if ((it = find_active(e, id)) == NULL &&
        (rec = read_record(e, id)) != NULL) {
        if (has_state(rec, "done")) {
            /* Answered before: the same answer again. */
            answer_done(rec, w);
            json_decref(rec);
            goto out;
        }
        /* Journaled but not in flight (its receipt did not verify): submit
         * the journaled entry again, never a new salt. */
        it = item_from_record(e, id, rec);
        json_decref(rec);
        if (it == NULL) {
            reply_error(cb, arg, 500, "a corrupt journal record");
            goto out;
        }
    }
    if (it != NULL) {
        /* The same request in flight: wait for its answer. */
        w->next = it->waiters;
        it->waiters = w;
        w = NULL;
        goto out;
    }
    if ((it = item_new(e, id)) == NULL) {
        reply_error(cb, arg, 500, "out of memory");
        goto out;
    }
    it->type = r->type;
    snprintf(it->dept, sizeof it->dept, "%s", d->name);
    memcpy(it->key, tmp.key, 32);
    it->credkey = tmp.credkey;
    it->has_issue_id = tmp.has_issue_id;
    memcpy(it->issue_id, tmp.issue_id, AGENT_ID_SIZE);
    it->sent.version = ENTRY_VERSION_2;
    it->sent.type = r->type;
    memcpy(it->sent.credential, it->key, 32);
    it->sent.timestamp_ms = now_ms();
    it->sent.reason = r->type == ENTRY_REVOKE ? r->reason : 0;
    /* Bound to this log: the signature is worthless in any other. */
    if (ed25519_signer_sign_entry(d->key, &it->sent, e->cfg->log.name) != 0) {
        item_free(e, it);
        reply_error(cb, arg, 500, "signing failed");
        goto out;
    }
    it->waiters = w;
    w = NULL;
    enqueue(e, it);
out:
    if (w != NULL)
        waiter_free(w);
    agent_request_free(r);
}

void agent_engine_forget(struct agent_engine *e, void *arg)
{
    for (struct item *it = e->active; it != NULL; it = it->next_active)
        for (struct waiter **p = &it->waiters; *p != NULL;) {
            if ((*p)->arg == arg) {
                struct waiter *w = *p;
                *p = w->next;
                waiter_free(w);
            } else {
                p = &(*p)->next;
            }
        }
}

size_t agent_engine_busy(const struct agent_engine *e)
{
    return e->busy;
}

/* ---- recovery ---- */

/* An active, queued item for the pending record rec of id, or NULL (corrupt
 * record, or no memory). */
static struct item *item_from_record(struct agent_engine *e, const uint8_t *id,
                                     const json_t *rec)
{
    const char *hex = json_string_value(json_object_get(rec, "entry"));
    const char *dept = json_string_value(json_object_get(rec, "department"));
    uint8_t buf[ENTRY_MAX_SIZE];
    char why[CLIENT_REASON_MAX];
    struct item *it;
    size_t n;

    if (hex == NULL || dept == NULL || (n = strlen(hex) / 2) > sizeof buf ||
        codec_hex_decode(hex, strlen(hex), buf, n) != 0)
        return NULL;
    if ((it = item_new(e, id)) == NULL)
        return NULL;
    if (entry_decode(buf, n, &it->sent) != 0 ||
        (it->sent.type != ENTRY_ISSUE && it->sent.type != ENTRY_REVOKE) ||
        client_credkey_from_json(rec, &it->credkey, why) != 0) {
        item_free(e, it);
        return NULL;
    }
    it->type = it->sent.type;
    memcpy(it->key, it->sent.credential, 32);
    snprintf(it->dept, sizeof it->dept, "%s", dept);
    it->journaled = true;
    enqueue(e, it);
    return it;
}

static int recover_one(void *arg, const uint8_t *id, const char *text,
                       size_t len)
{
    struct agent_engine *e = arg;
    json_t *rec = json_loadb(text, len, 0, NULL);
    bool ok = rec != NULL &&
              (!has_state(rec, "pending") || find_active(e, id) != NULL ||
               item_from_record(e, id, rec) != NULL);

    json_decref(rec);
    return ok ? 0 : AGENT_ERR_CORRUPT;
}

int agent_engine_recover(struct agent_engine *e, char *why)
{
    size_t before = e->queued;
    int rc = agent_journal_pending(e->j, recover_one, e, why);

    if (rc == AGENT_ERR_CORRUPT || rc == AGENT_ERR_NOMEM)
        snprintf(why, AGENT_WHY_MAX, "journal: %s", agent_strerror(rc));
    return rc != 0 ? rc : (int)(e->queued - before);
}

/* ---- life ---- */

int agent_engine_new(struct event_base *base, const struct agent_config *cfg,
                     struct agent_journal *j, int timeout_s,
                     agent_event_fn on_event, void *event_arg,
                     struct agent_engine **out, char *why)
{
    struct client_api_options opt = {NULL, timeout_s};
    struct agent_engine *e = calloc(1, sizeof *e);
    char awhy[CLIENT_REASON_MAX];
    int rc;

    *out = NULL;
    if (e == NULL)
        return AGENT_ERR_NOMEM;
    e->cfg = cfg;
    e->j = j;
    e->base = base;
    e->on_event = on_event;
    e->event_arg = event_arg;
    e->queue_tail = &e->queue;
    if ((e->timer = evtimer_new(base, on_timer, e)) == NULL) {
        free(e);
        return AGENT_ERR_NOMEM;
    }
    if (client_api_open(cfg->log_url, &opt, &e->api, awhy) != 0) {
        snprintf(why, AGENT_WHY_MAX, "log %.160s: %.300s", cfg->log_url, awhy);
        agent_engine_free(e);
        return AGENT_ERR_CONFIG;
    }
    if ((rc = agent_worker_new(base, &e->worker, why)) != 0) {
        agent_engine_free(e);
        return rc;
    }
    *out = e;
    return 0;
}

void agent_engine_free(struct agent_engine *e)
{
    if (e == NULL)
        return;
    agent_worker_free(e->worker); /* waits for a submission in flight */
    batch_free(e->in_flight);
    while (e->active != NULL)
        item_free(e, e->active);
    event_free(e->timer);
    client_api_close(e->api);
    free(e);
}
