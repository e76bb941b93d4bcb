/*
 * bench_witness: drives POST /add-checkpoint of a running `credlog witness`
 * (C2SP tlog-witness) with valid requests for growing trees, one thread and
 * one keep-alive connection per client.
 *
 *   bench_witness --url URL --key-prefix P [--clients C] [--count N]
 *                 [--step K] [--seconds S]
 *
 * Client i is log i: its signer key is the file P<i>.key (credlog keygen;
 * the witness's logs file lists its verifier key with a qpd high enough
 * never to answer 429). Every log's tree has the same leaves (the hashes of
 * their 8-byte indexes). Before the clock starts each client builds and signs
 * its N requests: request j is "old j*K", the RFC 9162 consistency proof
 * from j*K to (j+1)*K leaves, and the checkpoint of (j+1)*K leaves signed by
 * the log key, so that every request is the next step of what the witness
 * cosigned last. Then each client sends its requests one at a time, for S
 * seconds or until they are all sent. A request counts when the witness
 * answers 200 with a cosignature line; any other answer stops the program.
 * Prints
 *   cosign_per_s=R requests=Q seconds=T p50_ms= p99_ms= max_ms= clients=C
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/bench_util.h"
#include "client/http.h"
#include "proofs/add_checkpoint.h"
#include "proofs/be.h"
#include "proofs/checkpoint.h"
#include "proofs/merkle.h"
#include "proofs/note.h"

struct shared {
    const char *url, *prefix;
    uint64_t count, step;
    double seconds, start;
    uint8_t (*stored)[MERKLE_HASH_SIZE]; /* every stored hash of the tree */
    pthread_barrier_t ready, go;
};

struct client {
    struct shared *sh;
    unsigned id;
    pthread_t thread;
    char **bodies;
    size_t *lens;
    double *lat;
    uint64_t done;
};

/* Reads the stored hashes listed in idx[0..n) into out. */
static void tree_read(const struct shared *sh, const uint64_t *idx, int n,
                      uint8_t (*out)[MERKLE_HASH_SIZE])
{
    for (int i = 0; i < n; i++)
        memcpy(out[i], sh->stored[idx[i]], MERKLE_HASH_SIZE);
}

/* Builds the whole tree of leaves leaves into sh->stored. */
static void tree_build(struct shared *sh, uint64_t leaves)
{
    sh->stored = malloc(merkle_stored_count(leaves) * MERKLE_HASH_SIZE);
    if (sh->stored == NULL)
        bench_die("out of memory");
    for (uint64_t n = 0; n < leaves; n++) {
        uint64_t idx[MERKLE_MAX_NEEDED];
        uint8_t need[MERKLE_MAX_NEEDED][MERKLE_HASH_SIZE], leaf[32], data[8];
        int k = merkle_append_needed(n, idx);

        be_put64(data, n);
        merkle_leaf_hash(data, sizeof data, leaf);
        tree_read(sh, idx, k, need);
        merkle_append_hashes(n, leaf, (const uint8_t(*)[MERKLE_HASH_SIZE])need,
                             sh->stored + merkle_stored_count(n));
    }
}

/* Signs and encodes client c's requests. */
static void build_requests(struct client *c)
{
    struct shared *sh = c->sh;
    struct note_signer s;
    char path[4096];

    snprintf(path, sizeof path, "%s%u.key", sh->prefix, c->id);
    bench_read_signer(path, &s);
    for (uint64_t j = 0; j < sh->count; j++) {
        uint64_t old = j * sh->step, size = old + sh->step;
        uint64_t idx[MERKLE_MAX_NEEDED];
        uint8_t hashes[MERKLE_MAX_NEEDED][MERKLE_HASH_SIZE];
        uint8_t proof[MERKLE_MAX_PROOF][MERKLE_HASH_SIZE];
        char text[CHECKPOINT_BODY_MAX + 1], note[CHECKPOINT_TEXT_MAX];
        char body[ADD_CHECKPOINT_MAX];
        struct checkpoint cp = {.size = size};
        int k, np = 0, tl, nl, bl;

        k = merkle_tree_hash_needed(size, idx);
        tree_read(sh, idx, k, hashes);
        merkle_tree_hash(size, (const uint8_t(*)[MERKLE_HASH_SIZE])hashes,
                         cp.root);
        if (old > 0) {
            k = merkle_consistency_needed(old, size, idx);
            if (k < 0)
                bench_die("consistency %llu", (unsigned long long)old);
            tree_read(sh, idx, k, hashes);
            np = merkle_consistency_proof(
                old, size, (const uint8_t(*)[MERKLE_HASH_SIZE])hashes, proof);
        }
        snprintf(cp.origin, sizeof cp.origin, "%s", s.name);
        tl = checkpoint_format(&cp, text, sizeof text);
        nl = tl < 0 ? tl : note_sign(text, (size_t)tl, &s, note, sizeof note);
        bl = nl < 0 ? nl
                    : add_checkpoint_format(
                          old, (const uint8_t(*)[MERKLE_HASH_SIZE])proof,
                          (unsigned)np, note, (size_t)nl, body, sizeof body);
        if (np < 0 || bl < 0)
            bench_die("cannot build request %llu", (unsigned long long)j);
        c->bodies[j] = malloc((size_t)bl);
        if (c->bodies[j] == NULL)
            bench_die("out of memory");
        memcpy(c->bodies[j], body, (size_t)bl);
        c->lens[j] = (size_t)bl;
    }
    note_signer_wipe(&s);
}

static void *run(void *arg)
{
    struct client *c = arg;
    struct shared *sh = c->sh;
    struct client_http_options ho = {NULL, 30, 0};
    struct client_http *h;

    build_requests(c);
    if (client_http_open(sh->url, &ho, &h) != 0)
        bench_die("cannot open %s", sh->url);
    pthread_barrier_wait(&sh->ready);
    pthread_barrier_wait(&sh->go);
    for (uint64_t j = 0; j < sh->count; j++) {
        struct client_http_response resp;
        double t0 = bench_now();

        if (t0 - sh->start >= sh->seconds)
            break;
        if (client_http_request(h, "POST", "/add-checkpoint", "text/plain",
                                c->bodies[j], c->lens[j], &resp) != 0)
            bench_die("add-checkpoint: %s", client_http_last_error(h));
        if (resp.status != 200 || resp.body_len < 4 ||
            strncmp(resp.body, "\xe2\x80\x94 ", 4) != 0)
            bench_die("log %u request %llu: HTTP %d: %.200s", c->id,
                      (unsigned long long)j, resp.status,
                      resp.body != NULL ? resp.body : "");
        client_http_response_free(&resp);
        c->lat[c->done++] = bench_now() - t0;
    }
    client_http_close(h);
    return NULL;
}

int main(int argc, char **argv)
{
    struct shared sh = {.count = 15000, .step = 4, .seconds = 5};
    uint64_t clients = 4, total = 0;
    struct client *cs;
    double *all, t1;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--url") == 0 && i + 1 < argc)
            sh.url = argv[++i];
        else if (strcmp(argv[i], "--key-prefix") == 0 && i + 1 < argc)
            sh.prefix = argv[++i];
        else if (strcmp(argv[i], "--clients") == 0 && i + 1 < argc)
            clients = bench_arg_u64("--clients", argv[++i]);
        else if (strcmp(argv[i], "--count") == 0 && i + 1 < argc)
            sh.count = bench_arg_u64("--count", argv[++i]);
        else if (strcmp(argv[i], "--step") == 0 && i + 1 < argc)
            sh.step = bench_arg_u64("--step", argv[++i]);
        else if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc)
            sh.seconds = (double)bench_arg_u64("--seconds", argv[++i]);
        else
            bench_die("usage: bench_witness --url URL --key-prefix P "
                      "[--clients C] [--count N] [--step K] [--seconds S]");
    }
    if (sh.url == NULL || sh.prefix == NULL || clients == 0 || clients > 64 ||
        sh.count == 0 || sh.count > 1000000 || sh.step == 0 ||
        sh.step > 1000000 || sh.seconds <= 0)
        bench_die("--url and --key-prefix needed; bad --clients, --count, "
                  "--step or --seconds");
    signal(SIGPIPE, SIG_IGN);
    tree_build(&sh, sh.count * sh.step);
    cs = calloc(clients, sizeof *cs);
    if (cs == NULL ||
        pthread_barrier_init(&sh.ready, NULL, (unsigned)clients + 1) != 0 ||
        pthread_barrier_init(&sh.go, NULL, (unsigned)clients + 1) != 0)
        bench_die("out of memory");
    for (unsigned i = 0; i < clients; i++) {
        cs[i].sh = &sh;
        cs[i].id = i;
        cs[i].bodies = calloc(sh.count, sizeof *cs[i].bodies);
        cs[i].lens = calloc(sh.count, sizeof *cs[i].lens);
        cs[i].lat = calloc(sh.count, sizeof *cs[i].lat);
        if (cs[i].bodies == NULL || cs[i].lens == NULL || cs[i].lat == NULL ||
            pthread_create(&cs[i].thread, NULL, run, &cs[i]) != 0)
            bench_die("cannot start client %u", i);
    }
    pthread_barrier_wait(&sh.ready);
    sh.start = bench_now();
    pthread_barrier_wait(&sh.go);
    for (unsigned i = 0; i < clients; i++) {
        pthread_join(cs[i].thread, NULL);
        total += cs[i].done;
    }
    t1 = bench_now();
    all = malloc((total + 1) * sizeof *all);
    if (all == NULL)
        bench_die("out of memory");
    total = 0;
    for (unsigned i = 0; i < clients; i++) {
        memcpy(all + total, cs[i].lat, cs[i].done * sizeof *all);
        total += cs[i].done;
        for (uint64_t j = 0; j < sh.count; j++)
            free(cs[i].bodies[j]);
        free(cs[i].bodies);
        free(cs[i].lens);
        free(cs[i].lat);
    }
    printf("cosign_per_s=%.0f requests=%llu seconds=%.2f p50_ms=%.2f "
           "p99_ms=%.2f max_ms=%.2f clients=%llu\n",
           (double)total / (t1 - sh.start), (unsigned long long)total,
           t1 - sh.start, bench_percentile(all, total, 0.5) * 1e3,
           bench_percentile(all, total, 0.99) * 1e3,
           bench_percentile(all, total, 1.0) * 1e3,
           (unsigned long long)clients);
    free(all);
    free(cs);
    free(sh.stored);
    return 0;
}
