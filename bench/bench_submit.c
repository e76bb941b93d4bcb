#define _GNU_SOURCE /* memmem */
/*
 * bench_submit: drives POST /v1/entries of a running logd with presigned
 * ISSUE submissions, one thread and one keep-alive connection per client.
 *
 * Closed loop (throughput), the default:
 *   bench_submit --url URL --key ISSUER.key --seed S --count N
 *                [--first I] [--batch B] [--clients C] [--issued-out FILE]
 * Signs credentials I .. I+N-1 of seed S and encodes them, B per request
 * body, before the clock starts; then C clients each send one request at a
 * time until all are sent. A request counts when logd answers 200 with B
 * receipts (counted, not verified: verifying here would take the cores logd
 * is measured on). Prints
 *   entries_per_s=R entries=N requests=Q errors=E seconds=T p50_ms= p99_ms=
 *   client_cpu=C
 *
 * Open loop (latency at a fixed offered load):
 *   bench_submit --url URL --key ISSUER.key --log-key VKEY --seed S
 *                --rate R --seconds T [--first I] [--clients C]
 * Request k (one ISSUE) is due at start + k/R whatever happened before; client
 * k mod C sends it through libcredlog (client_api_submit) and verifies the
 * receipt completely (checkpoint signature, entry, inclusion proof:
 * client_verify_receipt). Its latency runs from its due time to the verified
 * receipt, so a stall counts against every request it delays. Before the
 * clock starts each client connects and submits one more credential
 * (I+Q+client), untimed, so first-use set-up is not measured. Prints
 *   offered_per_s=R done_per_s=D requests=Q errors=E p50_ms= p90_ms= p99_ms=
 *   p999_ms= max_ms= client_cpu=C send_late_p99_ms=L
 * client_cpu is this program's CPU time while measuring, in cores (it runs
 * on the same machine as logd); send_late_p99_ms how late (after its due
 * time) the 99th percentile request was sent.
 */
#include <pthread.h>
#include <sys/resource.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "bench/bench_util.h"
#include "client/api.h"
#include "client/doc.h"
#include "client/http.h"
#include "client/verify.h"
#include "proofs/codec.h"

struct opts {
    const char *url, *key, *log_key, *issued_out;
    uint64_t seed, first, count, batch, clients, rate, seconds;
};

struct shared {
    struct opts o;
    struct note_signer signer;
    struct note_verifier log;
    uint64_t now_ms;
    uint64_t nreq;
    char **bodies; /* closed loop: one JSON body per request */
    size_t *body_len;
    struct entry *entries; /* open loop: one entry per request */
    bool *ok;              /* per request: answered as expected */
    double *lat;           /* per request: seconds */
    double *late;          /* open loop: how late each was sent, seconds */
    atomic_uint_fast64_t next;
    atomic_uint_fast64_t errors;
    pthread_barrier_t ready; /* every client is set up */
    pthread_barrier_t go;    /* start is set */
    double start;
    char first_error[CLIENT_REASON_MAX + 64];
    pthread_mutex_t mu;
};

struct client {
    struct shared *sh;
    unsigned id;
    pthread_t thread;
};

static void note_error(struct shared *sh, const char *fmt, const char *a,
                       const char *b)
{
    atomic_fetch_add(&sh->errors, 1);
    pthread_mutex_lock(&sh->mu);
    if (sh->first_error[0] == '\0')
        snprintf(sh->first_error, sizeof sh->first_error, fmt, a, b);
    pthread_mutex_unlock(&sh->mu);
}

/* Closed loop: builds this client's share of bodies, then sends requests
 * taken from a shared counter. */
static void build_bodies(struct shared *sh, unsigned id)
{
    const struct opts *o = &sh->o;

    for (uint64_t r = id; r < sh->nreq; r += o->clients) {
        json_t *arr = json_array(), *root = json_object();
        if (arr == NULL || root == NULL ||
            json_object_set_new(root, "entries", arr) != 0)
            bench_die("out of memory");
        for (uint64_t j = 0; j < o->batch; j++) {
            struct entry e;
            if (bench_issue(&sh->signer, sh->log.name, o->seed,
                            o->first + r * o->batch + j, sh->now_ms, &e) != 0)
                bench_die("cannot sign an entry");
            if (json_array_append_new(arr, client_submission_to_json(&e)) != 0)
                bench_die("cannot encode an entry");
        }
        sh->bodies[r] = json_dumps(root, JSON_COMPACT);
        if (sh->bodies[r] == NULL)
            bench_die("out of memory");
        sh->body_len[r] = strlen(sh->bodies[r]);
        json_decref(root);
    }
}

/* The receipts in an answer: the objects of its array that start with
 * "index" (a receipt's "map" and "key" parts have an "index" too, but follow
 * a ':'). */
static size_t count_receipts(const char *body, size_t len)
{
    static const char key[] = "{\"index\":";
    size_t n = 0;
    const char *p = body, *end = body + len;

    while ((p = memmem(p, (size_t)(end - p), key, sizeof key - 1)) != NULL) {
        n += p > body && (p[-1] == '[' || p[-1] == ',');
        p += sizeof key - 1;
    }
    return n;
}

static void *closed_loop(void *arg)
{
    struct client *c = arg;
    struct shared *sh = c->sh;
    struct client_http_options ho = {NULL, 60, 0};
    struct client_http *h;
    uint64_t r;

    build_bodies(sh, c->id);
    if (client_http_open(sh->o.url, &ho, &h) != 0)
        bench_die("bad --url %s", sh->o.url);
    pthread_barrier_wait(&sh->ready);
    pthread_barrier_wait(&sh->go);
    while ((r = atomic_fetch_add(&sh->next, 1)) < sh->nreq) {
        struct client_http_response resp;
        double t0 = bench_now();
        int rc =
            client_http_request(h, "POST", "/v1/entries", "application/json",
                                sh->bodies[r], sh->body_len[r], &resp);
        sh->lat[r] = bench_now() - t0;
        if (rc != 0) {
            note_error(sh, "%s%s",
                       "request failed: ", client_http_last_error(h));
            continue;
        }
        if (resp.status != 200) {
            char st[16];
            snprintf(st, sizeof st, "%d", resp.status);
            note_error(sh, "HTTP %s: %.200s", st, resp.body);
        } else if (count_receipts(resp.body, resp.body_len) != sh->o.batch) {
            note_error(sh, "%s%s", "wrong number of receipts", "");
        } else {
            sh->ok[r] = true;
        }
        client_http_response_free(&resp);
    }
    client_http_close(h);
    return NULL;
}

/* Open loop: request k is due at start + k/rate; this client takes every
 * clients-th request. */
static void *open_loop(void *arg)
{
    struct client *c = arg;
    struct shared *sh = c->sh;
    struct client_api_options ao = {NULL, 60};
    struct client_api *api;
    char why[CLIENT_REASON_MAX];

    for (uint64_t k = c->id; k < sh->nreq; k += sh->o.clients)
        if (bench_issue(&sh->signer, sh->log.name, sh->o.seed, sh->o.first + k,
                        sh->now_ms, &sh->entries[k]) != 0)
            bench_die("cannot sign an entry");
    if (client_api_open(sh->o.url, &ao, &api, why) != 0)
        bench_die("%s", why);
    {
        /* Warm up before the clock starts: connect, and run the whole path
         * once (OpenSSL and libevent set up per thread on first use, which
         * took up to half a second across 64 threads and showed as a tail of
         * late requests in the first second). The credential is one past
         * the measured ones. */
        struct entry e;
        struct client_receipt rec;
        struct client_refusal ref;
        if (bench_issue(&sh->signer, sh->log.name, sh->o.seed,
                        sh->o.first + sh->nreq + c->id, sh->now_ms, &e) != 0)
            bench_die("cannot sign an entry");
        if (client_api_submit(api, &e, 1, &rec, &ref, why) != 0 ||
            client_verify_receipt(&rec, &sh->log, ENTRY_ISSUE, e.credential,
                                  e.issuer, NULL, why) != 0)
            bench_die("warm-up submission: %s", why);
        client_receipt_free(&rec);
    }
    pthread_barrier_wait(&sh->ready);
    pthread_barrier_wait(&sh->go);
    for (uint64_t k = c->id; k < sh->nreq; k += sh->o.clients) {
        struct client_receipt rec;
        struct client_refusal ref;
        double due = sh->start + (double)k / (double)sh->o.rate;
        int rc;

        bench_sleep_until(due);
        sh->late[k] = bench_now() - due;
        rc = client_api_submit(api, &sh->entries[k], 1, &rec, &ref, why);
        if (rc == 0) {
            rc = client_verify_receipt(&rec, &sh->log, ENTRY_ISSUE,
                                       sh->entries[k].credential,
                                       sh->entries[k].issuer, NULL, why);
            client_receipt_free(&rec);
        }
        sh->lat[k] = bench_now() - due;
        if (getenv("BENCH_TRACE") != NULL)
            fprintf(stderr, "trace %llu due=%.4f late=%.4f took=%.4f\n",
                    (unsigned long long)k, due - sh->start, sh->late[k],
                    sh->lat[k] - sh->late[k]);
        if (rc != 0)
            note_error(sh, "%s%s", "submission: ", why);
        else
            sh->ok[k] = true;
    }
    client_api_close(api);
    return NULL;
}

static void usage(void)
{
    bench_die("usage: bench_submit --url URL --key ISSUER.key --seed S\n"
              "  closed loop: --count N [--first I] [--batch B] [--clients C] "
              "[--issued-out FILE]\n"
              "  open loop:   --log-key VKEY --rate R --seconds T [--first I] "
              "[--clients C]");
}

static void write_issued(const struct shared *sh)
{
    FILE *f = fopen(sh->o.issued_out, "a");
    char hex[65];

    if (f == NULL)
        bench_die("cannot write %s", sh->o.issued_out);
    for (uint64_t r = 0; r < sh->nreq; r++) {
        if (!sh->ok[r])
            continue;
        for (uint64_t j = 0; j < sh->o.batch; j++) {
            uint8_t cred[32];
            bench_credential(sh->o.seed, sh->o.first + r * sh->o.batch + j,
                             cred);
            codec_hex_encode(cred, 32, hex);
            hex[64] = '\0';
            fprintf(f, "%s\n", hex);
        }
    }
    if (fclose(f) != 0)
        bench_die("cannot write %s", sh->o.issued_out);
}

int main(int argc, char **argv)
{
    struct shared *sh = calloc(1, sizeof *sh);
    struct opts *o = &sh->o;
    struct client *cl;
    bool open;
    uint64_t good = 0;
    double elapsed, *lat, cpu_s;
    struct rusage ru0, ru1;
    size_t nlat = 0;

    if (sh == NULL)
        bench_die("out of memory");
    o->batch = 100;
    o->clients = 8;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (v == NULL)
            usage();
        i++;
        if (strcmp(a, "--url") == 0)
            o->url = v;
        else if (strcmp(a, "--key") == 0)
            o->key = v;
        else if (strcmp(a, "--log-key") == 0)
            o->log_key = v;
        else if (strcmp(a, "--issued-out") == 0)
            o->issued_out = v;
        else if (strcmp(a, "--seed") == 0)
            o->seed = bench_arg_u64(a, v);
        else if (strcmp(a, "--first") == 0)
            o->first = bench_arg_u64(a, v);
        else if (strcmp(a, "--count") == 0)
            o->count = bench_arg_u64(a, v);
        else if (strcmp(a, "--batch") == 0)
            o->batch = bench_arg_u64(a, v);
        else if (strcmp(a, "--clients") == 0)
            o->clients = bench_arg_u64(a, v);
        else if (strcmp(a, "--rate") == 0)
            o->rate = bench_arg_u64(a, v);
        else if (strcmp(a, "--seconds") == 0)
            o->seconds = bench_arg_u64(a, v);
        else
            usage();
    }
    open = o->rate != 0;
    if (o->url == NULL || o->key == NULL || o->clients == 0 ||
        o->clients > 1024 ||
        (open ? o->seconds == 0 || o->log_key == NULL || o->issued_out != NULL
              : o->count == 0 || o->batch == 0 || o->batch > 1000))
        usage();
    signal(SIGPIPE, SIG_IGN);
    bench_read_signer(o->key, &sh->signer);
    /* Entries are signed for the log's origin: its key's name. */
    if (o->log_key != NULL) {
        bench_read_verifier(o->log_key, &sh->log);
    } else {
        struct client_api_options ao = {NULL, 60};
        struct client_api *api;
        char why[CLIENT_REASON_MAX];

        if (client_api_open(o->url, &ao, &api, why) != 0 ||
            client_api_log_key(api, &sh->log, why) != 0)
            bench_die("cannot get the log key: %s", why);
        client_api_close(api);
    }
    if (open) {
        o->batch = 1;
        sh->nreq = o->rate * o->seconds;
        sh->entries = calloc(sh->nreq, sizeof *sh->entries);
        sh->late = calloc(sh->nreq, sizeof *sh->late);
        if (sh->late == NULL)
            bench_die("out of memory");
    } else {
        sh->nreq = (o->count + o->batch - 1) / o->batch;
        sh->bodies = calloc(sh->nreq, sizeof *sh->bodies);
        sh->body_len = calloc(sh->nreq, sizeof *sh->body_len);
    }
    sh->ok = calloc(sh->nreq, sizeof *sh->ok);
    sh->lat = calloc(sh->nreq, sizeof *sh->lat);
    cl = calloc(o->clients, sizeof *cl);
    if (cl == NULL || sh->ok == NULL || sh->lat == NULL ||
        (open ? sh->entries == NULL
              : sh->bodies == NULL || sh->body_len == NULL))
        bench_die("out of memory");
    sh->now_ms = bench_unix_ms();
    pthread_mutex_init(&sh->mu, NULL);
    pthread_barrier_init(&sh->ready, NULL, (unsigned)o->clients + 1);
    pthread_barrier_init(&sh->go, NULL, (unsigned)o->clients + 1);
    for (unsigned i = 0; i < o->clients; i++) {
        cl[i].sh = sh;
        cl[i].id = i;
        if (pthread_create(&cl[i].thread, NULL, open ? open_loop : closed_loop,
                           &cl[i]) != 0)
            bench_die("cannot start a client thread");
    }
    /* Everything is signed, encoded (and warmed up): start the clock. */
    pthread_barrier_wait(&sh->ready);
    sh->start = bench_now() + (open ? 0.01 : 0);
    pthread_barrier_wait(&sh->go);
    getrusage(RUSAGE_SELF, &ru0);
    for (unsigned i = 0; i < o->clients; i++)
        pthread_join(cl[i].thread, NULL);
    elapsed = bench_now() - sh->start;
    getrusage(RUSAGE_SELF, &ru1);
    /* This program's own CPU time while measuring (it shares the cores). */
    cpu_s = (double)(ru1.ru_utime.tv_sec - ru0.ru_utime.tv_sec) +
            (double)(ru1.ru_utime.tv_usec - ru0.ru_utime.tv_usec) / 1e6 +
            (double)(ru1.ru_stime.tv_sec - ru0.ru_stime.tv_sec) +
            (double)(ru1.ru_stime.tv_usec - ru0.ru_stime.tv_usec) / 1e6;

    lat = malloc(sh->nreq * sizeof *lat);
    if (lat == NULL)
        bench_die("out of memory");
    for (uint64_t r = 0; r < sh->nreq; r++)
        if (sh->ok[r]) {
            good++;
            lat[nlat++] = sh->lat[r] * 1e3;
        }
    if (open) {
        double p50 = bench_percentile(lat, nlat, 0.50);
        printf("offered_per_s=%llu done_per_s=%.0f requests=%llu errors=%llu "
               "p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f p999_ms=%.2f max_ms=%.2f "
               "client_cpu=%.2f send_late_p99_ms=%.2f\n",
               (unsigned long long)o->rate, (double)good / elapsed,
               (unsigned long long)sh->nreq,
               (unsigned long long)atomic_load(&sh->errors), p50,
               bench_percentile(lat, nlat, 0.90),
               bench_percentile(lat, nlat, 0.99),
               bench_percentile(lat, nlat, 0.999),
               bench_percentile(lat, nlat, 1.0), cpu_s / elapsed,
               1e3 * bench_percentile(sh->late, sh->nreq, 0.99));
    } else {
        double p50 = bench_percentile(lat, nlat, 0.50);
        printf("entries_per_s=%.0f entries=%llu requests=%llu errors=%llu "
               "seconds=%.2f p50_ms=%.1f p99_ms=%.1f client_cpu=%.2f\n",
               (double)(good * o->batch) / elapsed,
               (unsigned long long)(good * o->batch),
               (unsigned long long)sh->nreq,
               (unsigned long long)atomic_load(&sh->errors), elapsed, p50,
               bench_percentile(lat, nlat, 0.99), cpu_s / elapsed);
        if (o->issued_out != NULL)
            write_issued(sh);
    }
    if (sh->first_error[0] != '\0')
        fprintf(stderr, "bench_submit: first error: %s\n", sh->first_error);
    note_signer_wipe(&sh->signer);
    for (uint64_t r = 0; sh->bodies != NULL && r < sh->nreq; r++)
        free(sh->bodies[r]);
    free(sh->bodies);
    free(sh->body_len);
    free(sh->entries);
    free(sh->late);
    free(sh->ok);
    free(sh->lat);
    free(lat);
    free(cl);
    return atomic_load(&sh->errors) == 0 ? 0 : 1;
}
