/* http_submit.c: see http_submit.h. */
#include "logd/http_submit.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <event2/buffer.h>

#include "logd/metrics.h"
#include "logd/query.h"
#include "logd/request.h"
#include "logd/vpool.h"

/* Runs on the sequencer's thread: hand the request back to its worker. */
static void submit_done(struct seq_req *r)
{
    http_hand_back((struct http_pending *)r);
}

/* Runs on a verification thread once every submission of p is checked. */
static void verified(void *arg, int err, const struct request_error *rerr)
{
    struct http_pending *p = arg;

    if (err == 0) {
        p->req.done = submit_done;
        err = seq_submit(p->ctx.w->srv->seq, &p->req);
        if (err == 0)
            return; /* answered in http_submit_deliver() after the commit */
        p->fail_status = 503;
        snprintf(p->fail_message, sizeof p->fail_message, "%s",
                 seq_strerror(err));
    } else {
        p->fail_status = err == REQUEST_ERR_NOMEM ? 500 : 400;
        p->fail_has_position = rerr->has_position;
        p->fail_position = rerr->position;
        snprintf(p->fail_message, sizeof p->fail_message, "%s", rerr->message);
    }
    http_hand_back(p);
}

/* Marks the submissions the log already holds byte for byte (their
 * signatures are then not checked again). Returns -1 after answering a
 * storage error. */
static int submit_known(struct http_ctx *c, struct http_pending *p,
                        size_t *known)
{
    int err;

    *known = 0;
    if (!http_reply_read_begin(c))
        return -1;
    err = query_mark_known(c->w->reader, p->req.subs, p->req.n, known);
    store_read_end(c->w->reader);
    if (err != 0) {
        http_reply_query(c, err, NULL);
        return -1;
    }
    return 0;
}

/* A request whose entries are all in the log already (a retry, or a replay
 * of public entries): their keys must still be authorized, and the answer
 * comes from the store, with no signature check and no batch. */
static void submit_replay(struct http_ctx *c, struct http_pending *p)
{
    struct issuers *keys = seq_issuers(c->w->srv->seq);
    struct request_error rerr;
    int err = request_verify_entries(keys, p->req.subs, p->req.n, 0, &rerr);

    issuers_unref(keys);
    if (err != 0) {
        http_reply_error(c, 400, rerr.message,
                         rerr.has_position ? &rerr.position : NULL);
        return;
    }
    if (!http_reply_read_begin(c))
        return;
    err = query_receipts_known(c->w->reader, p->req.subs, p->req.n,
                               &c->w->status, &c->w->text);
    store_read_end(c->w->reader);
    http_reply_query(c, err, NULL);
}

void http_submit_handle(struct http_ctx *c, const char *rest, const char *query)
{
    struct evbuffer *in = evhttp_request_get_input_buffer(c->req);
    size_t len = evbuffer_get_length(in);
    const char *body = len ? (const char *)evbuffer_pullup(in, -1) : "";
    struct request_error rerr;
    struct http_pending *p;
    struct issuers *keys;
    struct timespec now;
    uint64_t now_ms;
    size_t known = 0;
    int err;

    (void)rest;
    (void)query;
    if (c->w->srv->replica_of != NULL) {
        /* A read replica appends nothing: the primary does (421 Misdirected
         * Request, docs/api.md). */
        http_reply_json(
            c, 421,
            json_pack("{s:s,s:s}", "error",
                      "this is a read replica: submit to the primary",
                      "primary", c->w->srv->replica_of));
        return;
    }
    p = calloc(1, sizeof *p);
    if (p == NULL) {
        http_reply_error(c, 500, "out of memory", NULL);
        return;
    }
    err = request_parse_entries_max(body, len, c->w->srv->max_entries,
                                    &p->req.subs, &p->req.n, &rerr);
    if (err == 0 && submit_known(c, p, &known) != 0)
        goto out; /* answered: a storage error */
    if (err == 0) {
        metrics_submissions(c->w->srv->metrics, p->req.n - known, known);
        if (known == p->req.n) {
            submit_replay(c, p);
            goto out;
        }
        clock_gettime(CLOCK_REALTIME, &now);
        now_ms = (uint64_t)now.tv_sec * 1000 + (uint64_t)now.tv_nsec / 1000000;
        keys = seq_issuers(c->w->srv->seq);
        p->ctx = *c;
        /* The signatures are checked on the verification threads, which
         * then hand the request to the sequencer (or back, refused). */
        if (c->w->srv->vpool != NULL &&
            vpool_submit(c->w->srv->vpool, keys, p->req.subs, p->req.n, now_ms,
                         verified, p) == 0)
            return;
        err =
            request_verify_entries(keys, p->req.subs, p->req.n, now_ms, &rerr);
        issuers_unref(keys);
    }
    if (err == 0) {
        p->req.done = submit_done;
        err = seq_submit(c->w->srv->seq, &p->req);
        if (err == 0)
            return; /* answered in http_submit_deliver() */
        http_reply_error(c, 503, seq_strerror(err), NULL);
    } else {
        http_reply_error(c, err == REQUEST_ERR_NOMEM ? 500 : 400, rerr.message,
                         rerr.has_position ? &rerr.position : NULL);
    }
out:
    free(p->req.subs);
    free(p);
}

static int result_status(int result)
{
    switch (result) {
    case SEQ_ERR_CONFLICT:
        return 409;
    case SEQ_ERR_NOT_ISSUED:
        return 404;
    case SEQ_ERR_FORBIDDEN:
        return 403;
    case SEQ_ERR_FULL:
    case SEQ_ERR_STOPPING:
    case SEQ_ERR_BUSY:
        return 503;
    default:
        return 500;
    }
}

/* On the owning worker: build the receipts and reply. */
void http_submit_deliver(struct http_pending *p)
{
    struct http_ctx *c = &p->ctx;
    int err;

    if (p->fail_status != 0) {
        http_reply_error(c, p->fail_status, p->fail_message,
                         p->fail_has_position ? &p->fail_position : NULL);
    } else if (p->req.result == SEQ_OK) {
        if (http_reply_read_begin(c)) {
            err = query_receipts(c->w->reader, &p->req, &c->w->status,
                                 &c->w->text);
            store_read_end(c->w->reader);
            http_reply_query(c, err, NULL);
        }
    } else {
        int status = result_status(p->req.result);
        bool refusal = status == 409 || status == 404 || status == 403;
        http_reply_error(c, status, p->req.message,
                         refusal ? &p->req.position : NULL);
    }
    seq_checkpoint_unref(p->req.checkpoint);
    free(p->req.subs);
    free(p);
}
