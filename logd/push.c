/*
 * push.c: the witness push's thread. See push.h and docs/witness.md.
 *
 * Everything below runs on the push thread but push_start(), push_stop()
 * and on_unpin() (the sequencer's thread, from store_grow()), which only
 * set a flag and wake the thread.
 *
 * A round is one checkpoint being pushed: its size, its log-signed note,
 * the view (LMDB snapshots) it was made from, and the cosignature lines
 * gathered for it. The current round is the latest checkpoint; the
 * published one is the latest that met the quorum. A request in flight
 * holds its round, so a late answer still counts for the checkpoint it
 * was sent with.
 */
#define _GNU_SOURCE /* pthread_setname_np */
#include "logd/push.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/dns.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "logd/log.h"
#include "proofs/add_checkpoint.h"
#include "proofs/checkpoint.h"
#include "proofs/cosignature.h"
#include "proofs/merkle.h"
#include "proofs/note.h"
#include "proofs/num.h"

/* A witness's answer larger than this is not read. */
#define PUSH_ANSWER_MAX 65536
/* A witness that answered 400, 403 or 404, or 409 after two retries, is
 * asked again after this. */
#define PUSH_CONFIG_BACKOFF_MS 60000
/* The longest Retry-After honoured. */
#define PUSH_RETRY_AFTER_MAX_S 3600
/* Retries after a 409 with a size, per push. */
#define PUSH_MAX_RETRIES 2

struct round {
    int refs;
    uint64_t size;
    char note[CHECKPOINT_TEXT_MAX];
    size_t len, text_len;
    struct quorum_view *view; /* NULL once let go (store_grow()) */
    bool has[POLICY_MAX_WITNESSES];
    char line[POLICY_MAX_WITNESSES][COSIGNATURE_LINE_MAX + 1];
    uint64_t got_ms[POLICY_MAX_WITNESSES]; /* when (monotonic) */
    bool quorum;
};

struct wit {
    struct push *p;
    unsigned idx; /* in the policy */
    const struct policy_witness *pw;
    char vkey[NOTE_KEY_TEXT_MAX];
    char host[256], hosthdr[300], path[POLICY_URL_MAX + 32];
    unsigned port;
    bool https;
    struct evhttp_connection *conn; /* NULL until needed, or after a close */
    bool closed;                    /* conn closed: make a new one */
    struct evhttp_request *req;     /* in flight, or NULL */
    struct event *deadline;
    struct event *retry; /* sends retry_old after a 409, outside evhttp */
    struct round *retry_round;
    uint64_t retry_old;
    struct round *round; /* of the request in flight */
    unsigned retries;
    uint64_t not_before_ms;
    struct store_witness rec; /* the last cosigned size and time */
    bool failing;             /* for logging transitions only */
};

struct push {
    struct push_config cfg;
    struct policy policy;
    struct store *store;
    struct seq *seq;
    struct quorum *q;
    struct metrics *metrics;
    SSL_CTX *tls; /* for https witnesses, else NULL */
    struct event_base *base;
    struct evdns_base *dns; /* names resolved without blocking; NULL: the
                               system's resolver, blocking the push thread */
    struct event *tick, *wake;
    pthread_t thread;
    bool started;
    atomic_bool quit, unpin;
    struct wit wit[POLICY_MAX_WITNESSES];
    unsigned nwit;
    struct round *cur, *pub;
    uint64_t quorum_ms; /* when (monotonic) a checkpoint last met the quorum */
    uint64_t alarm_ms;  /* when the quorum age was last reported */
    uint64_t start_ms;  /* when the push started (monotonic) */
};

const char *push_strerror(int err)
{
    switch (err) {
    case 0:
        return "success";
    case PUSH_ERR_CONFIG:
        return "witness policy does not fit this log";
    case PUSH_ERR_NOMEM:
        return "out of memory";
    case PUSH_ERR_THREAD:
        return "cannot start the witness push";
    case QUORUM_ERR_NOMEM:
        return "out of memory (quorum)";
    default:
        return quorum_strerror(err);
    }
}

static uint64_t mono_ms(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}

static struct timeval ms_tv(unsigned ms)
{
    struct timeval tv = {(time_t)(ms / 1000), (suseconds_t)(ms % 1000) * 1000};
    return tv;
}

/* ---- rounds ---- */

static struct round *round_ref(struct round *r)
{
    r->refs++;
    return r;
}

static void round_unref(struct round *r)
{
    if (r == NULL || --r->refs > 0)
        return;
    quorum_view_unref(r->view);
    free(r);
}

/* The round's checkpoint with the cosignatures gathered, into buf. */
static size_t round_note(const struct round *r, const struct push *p, char *buf,
                         size_t cap)
{
    size_t n = r->len;

    if (n > cap)
        return 0;
    memcpy(buf, r->note, n);
    for (unsigned i = 0; i < p->policy.nwitnesses; i++) {
        size_t l = strlen(r->line[i]);
        if (!r->has[i] || n + l > cap)
            continue;
        memcpy(buf + n, r->line[i], l);
        n += l;
    }
    return n;
}

/* Publishes r if its cosigners meet the quorum and it is not older than the
 * published round. */
static void round_judge(struct push *p, struct round *r)
{
    char note[STORE_QUORUM_MAX];
    size_t len;
    bool newer;

    if (!policy_satisfied(&p->policy, r->has))
        return;
    if (p->pub != NULL && p->pub != r && p->pub->size > r->size)
        return;
    len = round_note(r, p, note, sizeof note);
    if (len == 0 || quorum_publish(p->q, r->view, r->size, note, len) != 0)
        return;
    newer = p->pub == NULL || p->pub->size != r->size;
    if (p->pub != r) {
        round_unref(p->pub);
        p->pub = round_ref(r);
    }
    if (p->quorum_ms == 0 || p->alarm_ms != 0)
        log_msg("witness quorum: checkpoint %llu cosigned",
                (unsigned long long)r->size);
    r->quorum = true;
    p->quorum_ms = mono_ms();
    p->alarm_ms = 0;
    metrics_quorum(p->metrics, r->size, (uint64_t)time(NULL));
    if (newer) {
        int err = store_witness_put(p->store, NULL, NULL, 0, note, len);
        if (err != 0)
            log_msg("cannot save the quorum checkpoint: %s",
                    store_strerror(err));
    }
}

/* Lets go of every snapshot (store_grow() waits for that). */
static void drop_views(struct push *p)
{
    struct round *rs[2 + 2 * POLICY_MAX_WITNESSES];
    size_t n = 0;

    rs[n++] = p->cur;
    rs[n++] = p->pub;
    for (unsigned i = 0; i < p->nwit; i++)
        rs[n++] = p->wit[i].round;
    for (unsigned i = 0; i < p->nwit; i++)
        rs[n++] = p->wit[i].retry_round;
    for (size_t i = 0; i < n; i++)
        if (rs[i] != NULL) {
            quorum_view_unref(rs[i]->view);
            rs[i]->view = NULL;
        }
}

/* Makes the latest commit the current round (a new one when the tree grew,
 * or a new view for the current one after store_grow()). */
static void round_update(struct push *p)
{
    struct quorum_view *v;
    struct round *r;
    const char *note;
    size_t len;

    if (p->cur != NULL && p->cur->view != NULL &&
        p->cur->size >= seq_tree_size(p->seq))
        return;
    if (quorum_view_open(p->store, p->cfg.nreaders, &v) != 0)
        return; /* store_grow() runs, or no reader slot: next tick */
    if (p->cur != NULL && p->cur->size == quorum_view_size(v)) {
        quorum_view_unref(p->cur->view);
        p->cur->view = v;
        if (p->cur->quorum)
            round_judge(p, p->cur);
        return;
    }
    note = quorum_view_note(v, &len);
    r = calloc(1, sizeof *r);
    if (r == NULL || len > sizeof r->note) {
        free(r);
        quorum_view_unref(v);
        return;
    }
    r->refs = 1;
    r->size = quorum_view_size(v);
    memcpy(r->note, note, len);
    r->len = len;
    {
        const char *blank = memmem(r->note, len, "\n\n", 2);
        if (blank == NULL) {
            free(r);
            quorum_view_unref(v);
            return;
        }
        r->text_len = (size_t)(blank - r->note) + 1;
    }
    r->view = v;
    round_unref(p->cur);
    p->cur = r;
}

/* ---- one witness ---- */

static void fail(struct wit *w, enum metrics_push_failure kind, const char *why)
{
    struct push *p = w->p;
    bool alarm = kind >= METRICS_PUSH_FIRST_ALARM;

    metrics_witness_failure(p->metrics, w->idx, kind);
    if (alarm) {
        log_msg("ALARM witness %s: %s; not asked again for %u s", w->pw->name,
                why, p->cfg.refresh_s);
        w->not_before_ms = mono_ms() + (uint64_t)p->cfg.refresh_s * 1000;
    } else if (!w->failing) {
        log_msg("witness %s: %s", w->pw->name, why);
    }
    w->failing = true;
}

static void send_push(struct wit *w, struct round *r, uint64_t old);

/* Takes the accepted cosignature lines of a 200 answer. */
static void on_cosigned(struct wit *w, struct round *r, const char *body,
                        size_t len)
{
    struct push *p = w->p;
    char note[CHECKPOINT_TEXT_MAX + COSIGNATURE_LINE_MAX + 2];
    const char *at = body, *end = body + len;
    bool got = false, bad = false;

    while (at < end) {
        const char *nl = memchr(at, '\n', (size_t)(end - at));
        size_t l = nl != NULL ? (size_t)(nl - at) + 1 : (size_t)(end - at);
        size_t tl;
        bool ok = false;
        uint64_t ts = 0;
        int err;

        if (nl == NULL || l > COSIGNATURE_LINE_MAX ||
            r->text_len + 1 + l > sizeof note) {
            bad = true;
            break;
        }
        /* The line under the checkpoint text alone, opened with the
         * witness's key: its own cosignature verifies, another key's line
         * (say ML-DSA) is ignored. */
        memcpy(note, r->note, r->text_len);
        note[r->text_len] = '\n';
        memcpy(note + r->text_len + 1, at, l);
        err =
            note_open(note, r->text_len + 1 + l, &w->pw->key, 1, &tl, &ok, &ts);
        if (err == 0 && ok && !got) {
            memcpy(r->line[w->idx], at, l);
            r->line[w->idx][l] = '\0';
            w->rec.time = ts;
            got = true;
        } else if (err != NOTE_ERR_UNVERIFIED) {
            bad = true;
        }
        at += l;
    }
    if (!got || bad) {
        fail(w, METRICS_PUSH_BAD_COSIG,
             got ? "an answer line that does not verify"
                 : "no valid cosignature in its answer");
        if (!got)
            return;
    }
    if (w->failing && !bad)
        log_msg("witness %s: cosigning again", w->pw->name);
    if (!bad)
        w->failing = false;
    r->has[w->idx] = true;
    r->got_ms[w->idx] = mono_ms();
    if (w->rec.size != r->size || w->rec.time == 0) {
        const char *k = w->vkey;
        w->rec.size = r->size;
        int err = store_witness_put(p->store, &k, &w->rec, 1, NULL, 0);
        if (err != 0)
            log_msg("cannot save witness %s's size: %s", w->pw->name,
                    store_strerror(err));
    } else {
        w->rec.size = r->size;
    }
    /* After the save: a size in the metrics is one a restart starts from. */
    metrics_witness_cosigned(p->metrics, w->idx, r->size, w->rec.time);
    round_judge(p, r);
}

/* A 409: the witness's size, if the answer is the spec's (text/x.tlog.size,
 * "<decimal>\n"). */
static bool conflict_size(struct evhttp_request *req, const char *body,
                          size_t len, uint64_t *size)
{
    const char *ct = evhttp_find_header(evhttp_request_get_input_headers(req),
                                        "Content-Type");

    if (ct == NULL || strncmp(ct, "text/x.tlog.size", 16) != 0 ||
        (ct[16] != '\0' && ct[16] != ';'))
        return false;
    return len >= 2 && body[len - 1] == '\n' &&
           num_parse_u64(body, len - 1, size) == 0;
}

/* Seconds in a Retry-After header (delta-seconds only), or 60. */
static unsigned retry_after(struct evhttp_request *req)
{
    const char *v = evhttp_find_header(evhttp_request_get_input_headers(req),
                                       "Retry-After");
    uint64_t s;

    if (v == NULL ||
        num_parse_u64_max(v, strlen(v), PUSH_RETRY_AFTER_MAX_S, &s) != 0)
        return 60;
    return (unsigned)s;
}

static void on_answer(struct evhttp_request *req, void *arg)
{
    struct wit *w = arg;
    struct push *p = w->p;
    struct round *r = w->round;
    char body[PUSH_ANSWER_MAX + 1], why[160];
    size_t len = 0;
    uint64_t size;
    int code = req != NULL ? evhttp_request_get_response_code(req) : 0;

    evtimer_del(w->deadline);
    w->req = NULL;
    w->round = NULL;
    if (r == NULL)
        return;
    if (code == 0) {
        fail(w, METRICS_PUSH_NETWORK, "no answer (connection failed)");
        round_unref(r);
        return;
    }
    {
        struct evbuffer *in = evhttp_request_get_input_buffer(req);
        len = evbuffer_get_length(in);
        if (len > PUSH_ANSWER_MAX)
            len = PUSH_ANSWER_MAX;
        evbuffer_copyout(in, body, len);
        body[len] = '\0';
    }
    switch (code) {
    case 200:
        on_cosigned(w, r, body, len);
        break;
    case 409:
        if (!conflict_size(req, body, len, &size)) {
            fail(w, METRICS_PUSH_INCONSISTENT,
                 "409 without a size: it cosigned another tree of this size");
        } else if (size > r->size) {
            snprintf(why, sizeof why,
                     "it claims to have cosigned size %llu, beyond the log's "
                     "%llu",
                     (unsigned long long)size, (unsigned long long)r->size);
            fail(w, METRICS_PUSH_AHEAD, why);
        } else {
            metrics_witness_failure(p->metrics, w->idx, METRICS_PUSH_STALE);
            if (w->retries >= PUSH_MAX_RETRIES) {
                /* It keeps changing its answer: leave it alone a while
                 * rather than send three requests every interval. */
                w->not_before_ms = mono_ms() + PUSH_CONFIG_BACKOFF_MS;
                fail(w, METRICS_PUSH_CONFLICT, "409 again after two retries");
            } else {
                /* Its state is size: prove the checkpoint from there (and
                 * save it with the cosignature), once evhttp is done with
                 * this answer. */
                struct timeval now = {0, 0};
                w->retries++;
                w->rec.size = size;
                w->retry_round = round_ref(r);
                w->retry_old = size;
                evtimer_add(w->retry, &now);
            }
        }
        break;
    case 422:
        snprintf(why, sizeof why,
                 "422: it refuses checkpoint %llu as inconsistent (%.80s)",
                 (unsigned long long)r->size, body);
        fail(w, METRICS_PUSH_INCONSISTENT, why);
        break;
    case 429:
        w->not_before_ms = mono_ms() + (uint64_t)retry_after(req) * 1000;
        fail(w, METRICS_PUSH_RATE, "429: rate limited");
        break;
    default:
        snprintf(why, sizeof why, "answered %d (%.80s)", code, body);
        if (code == 400 || code == 403 || code == 404)
            w->not_before_ms = mono_ms() + PUSH_CONFIG_BACKOFF_MS;
        fail(w, METRICS_PUSH_STATUS, why);
        break;
    }
    round_unref(r);
}

static void on_retry(evutil_socket_t fd, short what, void *arg)
{
    struct wit *w = arg;
    struct round *r = w->retry_round;

    (void)fd;
    (void)what;
    w->retry_round = NULL;
    if (r != NULL && w->req == NULL)
        send_push(w, r, w->retry_old);
    round_unref(r);
}

static void on_close(struct evhttp_connection *conn, void *arg)
{
    struct wit *w = arg;

    (void)conn;
    w->closed = true;
}

/* The witness's connection: a new one after the last was closed (an HTTPS
 * connection cannot be reused once closed). Returns NULL without memory. */
static struct evhttp_connection *connection(struct wit *w)
{
    struct push *p = w->p;
    struct bufferevent *bev = NULL;

    if (w->conn != NULL && !w->closed)
        return w->conn;
    if (w->conn != NULL)
        evhttp_connection_free(w->conn);
    w->conn = NULL;
    w->closed = false;
    if (w->https) {
        SSL *ssl = SSL_new(p->tls);
        if (ssl == NULL)
            return NULL;
        /* The certificate must be for the URL's host: an IP address
         * against its IP names, a DNS name (also sent as SNI) against its
         * DNS names. */
        if (X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), w->host) != 1 &&
            (SSL_set_tlsext_host_name(ssl, w->host) != 1 ||
             SSL_set1_host(ssl, w->host) != 1)) {
            SSL_free(ssl);
            return NULL;
        }
        bev = bufferevent_openssl_socket_new(
            p->base, -1, ssl, BUFFEREVENT_SSL_CONNECTING,
            BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS);
        if (bev == NULL) {
            SSL_free(ssl);
            return NULL;
        }
        bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
    }
    w->conn = evhttp_connection_base_bufferevent_new(
        p->base, p->dns, bev, w->host, (unsigned short)w->port);
    if (w->conn == NULL) {
        if (bev != NULL)
            bufferevent_free(bev);
        return NULL;
    }
    /* The deadline is on_deadline()'s; evhttp's own inactivity timeout is
     * only a backstop, later, so a slow answer counts as a timeout. */
    evhttp_connection_set_timeout(w->conn,
                                  (int)(p->cfg.timeout_ms + 999) / 1000 + 5);
    evhttp_connection_set_retries(w->conn, 0);
    evhttp_connection_set_max_body_size(w->conn, PUSH_ANSWER_MAX);
    evhttp_connection_set_closecb(w->conn, on_close, w);
    return w->conn;
}

static void on_deadline(evutil_socket_t fd, short what, void *arg)
{
    struct wit *w = arg;

    (void)fd;
    (void)what;
    if (w->req == NULL)
        return;
    /* The answer callback is not called for a cancelled request. The
     * connection is reset: make a new one next time. */
    evhttp_cancel_request(w->req);
    w->req = NULL;
    w->closed = true;
    round_unref(w->round);
    w->round = NULL;
    fail(w, METRICS_PUSH_TIMEOUT, "no answer within the deadline");
}

/* The consistency proof old -> r->size from r's snapshot. Returns its
 * length, or -1. */
static int prove(struct push *p, struct round *r, uint64_t old,
                 uint8_t (*proof)[MERKLE_HASH_SIZE])
{
    uint64_t idx[MERKLE_MAX_NEEDED];
    uint8_t h[MERKLE_MAX_NEEDED][MERKLE_HASH_SIZE];
    int n;

    if (old == 0 || old == r->size)
        return 0;
    if (r->view == NULL)
        return -1;
    n = merkle_consistency_needed(old, r->size, idx);
    if (n < 0 || store_read_hashes(quorum_view_txn(r->view, p->cfg.nreaders),
                                   idx, (size_t)n, h) != 0)
        return -1;
    return merkle_consistency_proof(
        old, r->size, (const uint8_t(*)[MERKLE_HASH_SIZE])h, proof);
}

static void send_push(struct wit *w, struct round *r, uint64_t old)
{
    struct push *p = w->p;
    uint8_t proof[MERKLE_MAX_PROOF][MERKLE_HASH_SIZE];
    char body[ADD_CHECKPOINT_MAX];
    struct evhttp_request *req;
    struct evkeyvalq *h;
    struct timeval tv = ms_tv(p->cfg.timeout_ms);
    int np, len;

    if (old > r->size) {
        /* Our own record says it cosigned more than this log holds: the
         * data directory went back in time, or the record is wrong. */
        fail(w, METRICS_PUSH_AHEAD,
             "its saved size is beyond the log's: was the data directory "
             "restored from an older copy?");
        return;
    }
    np = prove(p, r, old, proof);
    if (np < 0 || np > ADD_CHECKPOINT_MAX_PROOF) {
        fail(w, METRICS_PUSH_CONFLICT, "cannot build the consistency proof");
        return;
    }
    len =
        add_checkpoint_format(old, (const uint8_t(*)[MERKLE_HASH_SIZE])proof,
                              (unsigned)np, r->note, r->len, body, sizeof body);
    req = len > 0 ? evhttp_request_new(on_answer, w) : NULL;
    if (req == NULL) {
        fail(w, METRICS_PUSH_NETWORK, "cannot make the request");
        return;
    }
    h = evhttp_request_get_output_headers(req);
    evhttp_add_header(h, "Host", w->hosthdr);
    evhttp_add_header(h, "Content-Type", "text/plain; charset=utf-8");
    evhttp_add_header(h, "User-Agent", "credlog-logd");
    evbuffer_add(evhttp_request_get_output_buffer(req), body, (size_t)len);
    if (connection(w) == NULL) {
        evhttp_request_free(req);
        fail(w, METRICS_PUSH_NETWORK, "cannot make a connection");
        return;
    }
    if (evhttp_make_request(w->conn, req, EVHTTP_REQ_POST, w->path) != 0) {
        /* evhttp freed req. */
        fail(w, METRICS_PUSH_NETWORK, "cannot send the request");
        return;
    }
    w->req = req;
    w->round = round_ref(r);
    evtimer_add(w->deadline, &tv);
}

/* Whether w should be sent the current round now. */
static bool due(const struct push *p, const struct wit *w, uint64_t now)
{
    const struct round *r = p->cur;

    if (w->req != NULL || w->retry_round != NULL || now < w->not_before_ms)
        return false;
    return !r->has[w->idx] ||
           now - r->got_ms[w->idx] >= (uint64_t)p->cfg.refresh_s * 1000;
}

/* ---- the thread ---- */

static void check_quorum_age(struct push *p, uint64_t now)
{
    uint64_t age = now - (p->quorum_ms != 0 ? p->quorum_ms : p->start_ms);

    if (age >= 2ull * p->cfg.refresh_s * 1000 &&
        (p->alarm_ms == 0 ||
         now - p->alarm_ms >= (uint64_t)p->cfg.refresh_s * 1000)) {
        if (p->pub != NULL)
            log_msg("ALARM no checkpoint has met the witness quorum for %llu "
                    "s (the latest is %llu)",
                    (unsigned long long)(age / 1000),
                    (unsigned long long)p->pub->size);
        else
            log_msg("ALARM no checkpoint has met the witness quorum for %llu "
                    "s (none since logd started)",
                    (unsigned long long)(age / 1000));
        p->alarm_ms = now;
    }
    if (p->pub == NULL)
        return;
    if (age >= (uint64_t)p->cfg.max_pin_s * 1000 && p->pub->view != NULL) {
        log_msg("ALARM no quorum for %u s (--witness-max-pin): status proofs "
                "fall back to the latest checkpoint until one is cosigned",
                p->cfg.max_pin_s);
        quorum_unpin(p->q);
        quorum_view_unref(p->pub->view);
        p->pub->view = NULL;
    }
}

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
    struct push *p = arg;
    uint64_t now = mono_ms();

    (void)fd;
    (void)what;
    if (atomic_exchange(&p->unpin, false))
        drop_views(p);
    check_quorum_age(p, now);
    if (seq_tree_size(p->seq) == 0)
        return;
    round_update(p);
    if (p->cur == NULL)
        return;
    for (unsigned i = 0; i < p->nwit; i++) {
        struct wit *w = &p->wit[i];
        if (due(p, w, now)) {
            w->retries = 0;
            send_push(w, p->cur, w->rec.size);
        }
    }
}

static void on_wake(evutil_socket_t fd, short what, void *arg)
{
    struct push *p = arg;

    (void)fd;
    (void)what;
    if (atomic_exchange(&p->unpin, false))
        drop_views(p);
    if (atomic_load(&p->quit))
        event_base_loopbreak(p->base);
}

/* store_grow()'s hook, on the sequencer's thread. */
static void on_unpin(void *arg)
{
    struct push *p = arg;

    quorum_unpin(p->q);
    atomic_store(&p->unpin, true);
    event_active(p->wake, EV_READ, 1);
}

static void *push_main(void *arg)
{
    struct push *p = arg;

    pthread_setname_np(pthread_self(), "logd-push");
    event_base_loop(p->base, EVLOOP_NO_EXIT_ON_EMPTY);
    return NULL;
}

/* ---- start and stop ---- */

int push_policy_read(const char *path, struct policy *out, char **textp,
                     size_t *lenp, char *errbuf, size_t errcap)
{
    FILE *f = fopen(path, "rb");
    char *text = malloc(POLICY_TEXT_MAX + 1);
    size_t n = 0;
    unsigned line = 0;
    int err;

    if (f == NULL || text == NULL) {
        snprintf(errbuf, errcap, "%s: %s", path,
                 f == NULL ? strerror(errno) : "out of memory");
        if (f != NULL)
            fclose(f);
        free(text);
        return f == NULL ? PUSH_ERR_CONFIG : PUSH_ERR_NOMEM;
    }
    n = fread(text, 1, POLICY_TEXT_MAX + 1, f);
    fclose(f);
    if (n > POLICY_TEXT_MAX) {
        snprintf(errbuf, errcap, "%s: longer than %d bytes", path,
                 POLICY_TEXT_MAX);
        free(text);
        return PUSH_ERR_CONFIG;
    }
    err = policy_parse(text, n, out, &line);
    if (err != 0) {
        free(text);
        if (line > 0)
            snprintf(errbuf, errcap, "%s, line %u: %s", path, line,
                     policy_strerror(err));
        else
            snprintf(errbuf, errcap, "%s: %s", path, policy_strerror(err));
        return PUSH_ERR_CONFIG;
    }
    if (textp == NULL) {
        free(text);
        return 0;
    }
    text[n] = '\0';
    *textp = text;
    *lenp = n;
    return 0;
}

/* The TLS client context for https witnesses: TLS 1.2+, the peer's
 * certificate checked against cacert (NULL: the system store). */
static int tls_client(struct push *p, const char *cacert, char *errbuf,
                      size_t errcap)
{
    p->tls = SSL_CTX_new(TLS_client_method());
    if (p->tls == NULL) {
        snprintf(errbuf, errcap, "out of memory");
        return PUSH_ERR_NOMEM;
    }
    SSL_CTX_set_min_proto_version(p->tls, TLS1_2_VERSION);
    SSL_CTX_set_verify(p->tls, SSL_VERIFY_PEER, NULL);
    if (cacert != NULL
            ? SSL_CTX_load_verify_locations(p->tls, cacert, NULL) != 1
            : SSL_CTX_set_default_verify_paths(p->tls) != 1) {
        snprintf(errbuf, errcap, "cannot load the CA certificates%s%s",
                 cacert ? " of " : "", cacert ? cacert : "");
        return PUSH_ERR_CONFIG;
    }
    return 0;
}

static int parse_url(struct wit *w, char *errbuf, size_t errcap)
{
    struct evhttp_uri *u = evhttp_uri_parse(w->pw->url);
    const char *scheme = u ? evhttp_uri_get_scheme(u) : NULL;
    const char *host = u ? evhttp_uri_get_host(u) : NULL;
    const char *path = u ? evhttp_uri_get_path(u) : NULL;
    int port = u ? evhttp_uri_get_port(u) : -1;
    size_t pl;

    if (u == NULL || scheme == NULL ||
        (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0) ||
        host == NULL || host[0] == '\0' || strlen(host) >= sizeof w->host ||
        evhttp_uri_get_query(u) != NULL || evhttp_uri_get_userinfo(u) != NULL) {
        snprintf(errbuf, errcap,
                 "witness %s: URL %s: want http(s)://HOST[:PORT][/PATH]",
                 w->pw->name, w->pw->url);
        evhttp_uri_free(u);
        return PUSH_ERR_CONFIG;
    }
    snprintf(w->host, sizeof w->host, "%s", host);
    w->https = strcmp(scheme, "https") == 0;
    w->port = port > 0 ? (unsigned)port : w->https ? 443 : 80;
    if (port > 0)
        snprintf(w->hosthdr, sizeof w->hosthdr, "%s:%d", host, port);
    else
        snprintf(w->hosthdr, sizeof w->hosthdr, "%s", host);
    path = path != NULL ? path : "";
    pl = strlen(path);
    while (pl > 0 && path[pl - 1] == '/')
        pl--;
    snprintf(w->path, sizeof w->path, "%.*s/add-checkpoint", (int)pl, path);
    evhttp_uri_free(u);
    return 0;
}

/* Publishes the saved quorum checkpoint if it still meets the policy (and
 * with a view if the tree has not grown since). */
static void load_quorum(struct push *p)
{
    char note[STORE_QUORUM_MAX];
    struct note_verifier keys[POLICY_MAX_WITNESSES];
    bool verified[POLICY_MAX_WITNESSES], cosigned[POLICY_MAX_WITNESSES];
    unsigned map[POLICY_MAX_WITNESSES], nk = 0;
    struct checkpoint cp;
    struct quorum_view *v = NULL;
    size_t len, tl;

    if (store_quorum_get(p->store, note, sizeof note, &len) != 0)
        return;
    for (unsigned i = 0; i < p->policy.nwitnesses; i++) {
        cosigned[i] = false;
        if (p->policy.witnesses[i].supported) {
            map[nk] = i;
            keys[nk++] = p->policy.witnesses[i].key;
        }
    }
    if (nk == 0 || note_open(note, len, keys, nk, &tl, verified, NULL) != 0 ||
        checkpoint_parse(note, tl, &cp) != 0 || cp.size > seq_tree_size(p->seq))
        return;
    for (unsigned k = 0; k < nk; k++)
        cosigned[map[k]] = verified[k];
    if (!policy_satisfied(&p->policy, cosigned))
        return;
    if (quorum_view_open(p->store, p->cfg.nreaders, &v) == 0 &&
        quorum_view_size(v) != cp.size) {
        quorum_view_unref(v);
        v = NULL;
    }
    if (quorum_publish(p->q, v, cp.size, note, len) == 0) {
        metrics_quorum(p->metrics, cp.size, 0);
        log_msg("witness quorum: serving the saved checkpoint %llu%s",
                (unsigned long long)cp.size,
                v != NULL ? ""
                          : " (status proofs from the latest until the "
                            "next quorum)");
    }
    quorum_view_unref(v);
}

int push_start(const struct push_config *cfg, struct store *store,
               struct seq *seq, struct quorum *q, struct metrics *metrics,
               struct push **out, char *errbuf, size_t errcap)
{
    struct push *p;
    int err;

    *out = NULL;
    p = calloc(1, sizeof *p);
    if (p == NULL) {
        snprintf(errbuf, errcap, "out of memory");
        return PUSH_ERR_NOMEM;
    }
    p->cfg = *cfg;
    p->policy = *cfg->policy;
    p->cfg.policy = &p->policy;
    p->store = store;
    p->seq = seq;
    p->q = q;
    p->metrics = metrics;
    if (p->policy.nlogs > 0) {
        bool ours = false;
        char vk[NOTE_KEY_TEXT_MAX];
        for (unsigned i = 0; i < p->policy.nlogs; i++)
            ours |= note_verifier_format(&p->policy.logs[i].key, vk,
                                         sizeof vk) > 0 &&
                    strcmp(vk, cfg->log_vkey) == 0;
        if (!ours) {
            snprintf(errbuf, errcap,
                     "the policy's log lines do not list this log's key %s",
                     cfg->log_vkey);
            free(p);
            return PUSH_ERR_CONFIG;
        }
    }
    p->base = event_base_new();
    /* A witness's name must not stall the push (store_grow() may be
     * waiting for it to let go of its snapshots). */
    p->dns = p->base
                 ? evdns_base_new(p->base, EVDNS_BASE_INITIALIZE_NAMESERVERS)
                 : NULL;
    p->tick = p->base ? event_new(p->base, -1, EV_PERSIST, on_tick, p) : NULL;
    p->wake = p->base ? event_new(p->base, -1, 0, on_wake, p) : NULL;
    if (p->tick == NULL || p->wake == NULL) {
        snprintf(errbuf, errcap, "cannot make the push's event base");
        push_stop(p);
        return PUSH_ERR_THREAD;
    }
    for (unsigned i = 0; i < p->policy.nwitnesses; i++) {
        const struct policy_witness *pw = &p->policy.witnesses[i];
        struct wit *w;
        metrics_witness_name(metrics, i, pw->name);
        if (pw->url[0] == '\0' || !pw->supported)
            continue;
        w = &p->wit[p->nwit++];
        w->p = p;
        w->idx = i;
        w->pw = pw;
        if ((err = parse_url(w, errbuf, errcap)) != 0) {
            push_stop(p);
            return err;
        }
        note_verifier_format(&pw->key, w->vkey, sizeof w->vkey);
        w->deadline = evtimer_new(p->base, on_deadline, w);
        w->retry = evtimer_new(p->base, on_retry, w);
        if (w->deadline == NULL || w->retry == NULL) {
            snprintf(errbuf, errcap, "out of memory");
            push_stop(p);
            return PUSH_ERR_NOMEM;
        }
        if (w->https && p->tls == NULL &&
            (err = tls_client(p, cfg->cacert, errbuf, errcap)) != 0) {
            push_stop(p);
            return err;
        }
        if (store_witness_get(store, w->vkey, &w->rec) == 0)
            metrics_witness_cosigned(metrics, i, w->rec.size, w->rec.time);
    }
    p->start_ms = mono_ms();
    load_quorum(p);
    {
        struct timeval tv = ms_tv(cfg->interval_ms);
        evtimer_add(p->tick, &tv);
    }
    store_set_unpin(store, on_unpin, p);
    if (pthread_create(&p->thread, NULL, push_main, p) != 0) {
        snprintf(errbuf, errcap, "cannot start the push thread");
        push_stop(p);
        return PUSH_ERR_THREAD;
    }
    p->started = true;
    /* The first push at once, not an interval later. */
    event_active(p->tick, EV_TIMEOUT, 1);
    log_msg("pushing checkpoints to %u witness%s every %u ms", p->nwit,
            p->nwit == 1 ? "" : "es", cfg->interval_ms);
    *out = p;
    return 0;
}

void push_stop(struct push *p)
{
    if (p == NULL)
        return;
    store_set_unpin(p->store, NULL, NULL);
    if (p->started) {
        atomic_store(&p->quit, true);
        event_active(p->wake, EV_READ, 1);
        pthread_join(p->thread, NULL);
    }
    for (unsigned i = 0; i < p->nwit; i++) {
        struct wit *w = &p->wit[i];
        if (w->req != NULL)
            evhttp_cancel_request(w->req);
        round_unref(w->round);
        round_unref(w->retry_round);
        if (w->conn != NULL)
            evhttp_connection_free(w->conn);
        if (w->deadline != NULL)
            event_free(w->deadline);
        if (w->retry != NULL)
            event_free(w->retry);
    }
    round_unref(p->cur);
    round_unref(p->pub);
    if (p->tick != NULL)
        event_free(p->tick);
    if (p->wake != NULL)
        event_free(p->wake);
    if (p->dns != NULL)
        evdns_base_free(p->dns, 0);
    if (p->base != NULL)
        event_base_free(p->base);
    SSL_CTX_free(p->tls);
    free(p);
}
