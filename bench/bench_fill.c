/*
 * bench_fill: the bulk path that fills a log to millions of entries for the
 * growth benchmark (scripts/bench.sh --scale). Built only with
 * -DCREDLOG_BENCH=ON; never installed, never part of logd.
 *
 *   bench_fill --data DIR --key LOG.key --issuers FILE --issuer-key ISSUER.key
 *              --seed S --first I --count N [--no-sign] [--sign-threads T]
 *
 * It opens the data directory exactly as logd does (store_open, seq_open,
 * seq_sync_issuers with the issuers file) and hands ISSUE submissions of
 * credentials I .. I+N-1 of seed S, 1000 per request, straight to logd's own
 * sequencer (seq_submit). So every entry goes through all of the sequencer's
 * logic: exactly-once checks, authorization of the issuer key, entries,
 * stored tree hashes, the credential index, the CTL-SMT-v1 update, a MAP
 * entry per batch, a signed checkpoint and a durable commit per batch, with
 * logd's default --batch-max 4096 and --batch-wait 5.
 *
 * What it skips, and only for the entries it writes: the HTTP server and
 * JSON parsing (request_parse_entries) and the Ed25519 verification of each
 * submission (request_verify_entries). By default the entries carry real
 * signatures by the issuer key (signed here on --sign-threads threads), so
 * the log stays valid for any monitor. With --no-sign their signature is 64
 * zero bytes: that test data is marked by its all-zero signature, fails
 * every monitor, and must never be served as a real log.
 *
 * logd must not be running on DIR at the same time. Prints
 * "entries_per_s=R entries=N size=S".
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/bench_util.h"
#include "logd/issuers.h"
#include "logd/seq.h"
#include "logd/signer.h"
#include "logd/store.h"

#define FILL_REQ 1000 /* submissions per request (the API's maximum) */
#define FILL_IN_FLIGHT                                                         \
    16 /* requests queued at once (well under max_pending)                     \
        */

struct fill {
    struct seq *seq;
    struct note_signer issuer;
    const char *origin; /* the log's: entries are signed for it */
    uint64_t seed, first, count;
    bool sign;
    unsigned threads;
    uint64_t now_ms;

    pthread_mutex_t mu;
    pthread_cond_t cond;
    unsigned in_flight;
    uint64_t done;
    uint64_t next_req; /* next request number to build */
    uint64_t nreq;
};

/* A request together with what its callback needs. */
struct fill_req {
    struct seq_req req; /* must stay first */
    struct fill *f;
};

static void fill_done(struct seq_req *r)
{
    struct fill_req *fr = (struct fill_req *)r;
    struct fill *f = fr->f;

    if (r->result != SEQ_OK)
        bench_die("the sequencer refused a request: %s (%s)", r->message,
                  seq_strerror(r->result));
    seq_checkpoint_unref(r->checkpoint);
    pthread_mutex_lock(&f->mu);
    f->in_flight--;
    f->done += r->n;
    pthread_cond_broadcast(&f->cond);
    pthread_mutex_unlock(&f->mu);
    free(r->subs);
    free(fr);
}

static void build(struct fill *f, uint64_t rq, struct fill_req *fr)
{
    uint64_t base = f->first + rq * FILL_REQ;
    uint64_t n = f->first + f->count - base;

    if (n > FILL_REQ)
        n = FILL_REQ;
    fr->f = f;
    fr->req.n = (size_t)n;
    fr->req.done = fill_done;
    fr->req.subs = calloc((size_t)n, sizeof *fr->req.subs);
    if (fr->req.subs == NULL)
        bench_die("out of memory");
    for (uint64_t j = 0; j < n; j++) {
        struct seq_sub *s = &fr->req.subs[j];
        int len;
        if (f->sign) {
            if (bench_issue(&f->issuer, f->origin, f->seed, base + j, f->now_ms,
                            &s->e) != 0)
                bench_die("cannot sign");
        } else {
            memset(&s->e, 0, sizeof s->e);
            s->e.version = ENTRY_VERSION_2;
            s->e.type = ENTRY_ISSUE;
            bench_credential(f->seed, base + j, s->e.credential);
            snprintf(s->e.issuer, sizeof s->e.issuer, "%s", f->issuer.name);
            s->e.key_id = f->issuer.key_id;
            s->e.timestamp_ms = f->now_ms;
        }
        memcpy(s->pub, f->issuer.pub, ED25519_PUBLIC_SIZE);
        len = entry_encode(&s->e, s->bytes, sizeof s->bytes);
        if (len < 0)
            bench_die("cannot encode an entry");
        s->len = (size_t)len;
    }
}

/* Producer threads: build the next request, wait for room, submit. */
static void *producer(void *arg)
{
    struct fill *f = arg;

    for (;;) {
        struct fill_req *fr;
        uint64_t rq;
        int err;

        pthread_mutex_lock(&f->mu);
        rq = f->next_req < f->nreq ? f->next_req++ : UINT64_MAX;
        pthread_mutex_unlock(&f->mu);
        if (rq == UINT64_MAX)
            return NULL;
        fr = calloc(1, sizeof *fr);
        if (fr == NULL)
            bench_die("out of memory");
        build(f, rq, fr);
        pthread_mutex_lock(&f->mu);
        while (f->in_flight >= FILL_IN_FLIGHT)
            pthread_cond_wait(&f->cond, &f->mu);
        f->in_flight++;
        pthread_mutex_unlock(&f->mu);
        /* Requests may reach the sequencer slightly out of order between
         * producers: that only permutes credentials, all are new. */
        while ((err = seq_submit(f->seq, &fr->req)) == SEQ_ERR_BUSY) {
            struct timespec ts = {0, 1000000};
            nanosleep(&ts, NULL);
        }
        if (err != 0)
            bench_die("seq_submit: %s", seq_strerror(err));
    }
}

int main(int argc, char **argv)
{
    const char *data = NULL, *key = NULL, *issuers = NULL, *issuer_key = NULL;
    struct fill f;
    struct signer *signer = NULL;
    struct store *store = NULL;
    struct issuer_key *want = NULL;
    size_t nwant, line;
    char errbuf[512];
    pthread_t th[64];
    double t0, t1;
    uint64_t last_report = 0;
    int err;

    memset(&f, 0, sizeof f);
    f.sign = true;
    f.threads = 1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : "";
        if (strcmp(a, "--no-sign") == 0) {
            f.sign = false;
            continue;
        }
        i++;
        if (strcmp(a, "--data") == 0)
            data = v;
        else if (strcmp(a, "--key") == 0)
            key = v;
        else if (strcmp(a, "--issuers") == 0)
            issuers = v;
        else if (strcmp(a, "--issuer-key") == 0)
            issuer_key = v;
        else if (strcmp(a, "--seed") == 0)
            f.seed = bench_arg_u64(a, v);
        else if (strcmp(a, "--first") == 0)
            f.first = bench_arg_u64(a, v);
        else if (strcmp(a, "--count") == 0)
            f.count = bench_arg_u64(a, v);
        else if (strcmp(a, "--sign-threads") == 0)
            f.threads = (unsigned)bench_arg_u64(a, v);
        else
            data = NULL, i = argc;
    }
    if (data == NULL || key == NULL || issuers == NULL || issuer_key == NULL ||
        f.count == 0 || f.threads == 0 || f.threads > 64)
        bench_die("usage: bench_fill --data DIR --key LOG.key --issuers FILE "
                  "--issuer-key ISSUER.key --seed S --first I --count N "
                  "[--no-sign] [--sign-threads T]");
    bench_read_signer(issuer_key, &f.issuer);
    if ((err = signer_load(key, &signer, errbuf, sizeof errbuf)) != 0)
        bench_die("%s", errbuf);
    f.origin = signer_origin(signer);
    if (issuers_load(issuers, &want, &nwant, &line) != 0)
        bench_die("cannot load %s", issuers);
    {
        struct store_options so = {0, 0};
        if (store_open(data, &so, &store, errbuf, sizeof errbuf) != 0)
            bench_die("%s", errbuf);
    }
    {
        struct seq_config sc = {4096, 5, 0, 0};
        if (seq_open(store, signer, NULL, &sc, &f.seq, errbuf, sizeof errbuf) !=
            0)
            bench_die("%s", errbuf);
    }
    if ((err = seq_sync_issuers(f.seq, want, nwant, errbuf, sizeof errbuf)) !=
        0)
        bench_die("seq_sync_issuers: %s", errbuf);
    free(want);
    if (seq_start(f.seq) != 0)
        bench_die("cannot start the sequencer");
    pthread_mutex_init(&f.mu, NULL);
    pthread_cond_init(&f.cond, NULL);
    f.now_ms = bench_unix_ms();
    f.nreq = (f.count + FILL_REQ - 1) / FILL_REQ;
    t0 = bench_now();
    for (unsigned i = 0; i < f.threads; i++)
        if (pthread_create(&th[i], NULL, producer, &f) != 0)
            bench_die("cannot start a thread");
    pthread_mutex_lock(&f.mu);
    while (f.done < f.count) {
        pthread_cond_wait(&f.cond, &f.mu);
        if (f.done - last_report >= 1000000) {
            last_report = f.done;
            fprintf(stderr, "bench_fill: %llu entries, %.0f/s\n",
                    (unsigned long long)f.done,
                    (double)f.done / (bench_now() - t0));
        }
    }
    pthread_mutex_unlock(&f.mu);
    t1 = bench_now();
    for (unsigned i = 0; i < f.threads; i++)
        pthread_join(th[i], NULL);
    printf("entries_per_s=%.0f entries=%llu size=%llu\n",
           (double)f.count / (t1 - t0), (unsigned long long)f.count,
           (unsigned long long)seq_tree_size(f.seq));
    seq_stop(f.seq);
    seq_free(f.seq);
    store_close(store);
    signer_free(signer);
    note_signer_wipe(&f.issuer);
    return 0;
}
