/*
 * bench_map: the revocation map's cost for keys an issuer chose to share a
 * long prefix (issue 10, item 13), next to the same cost for ordinary keys,
 * on logd's own store (logd/store.h over LMDB, a fresh directory).
 *
 *   bench_map --dir DIR [--keys N] [--crafted K] [--shared BITS]
 *             [--proofs P] [--seed S]
 *
 * Writes N random credentials and K credentials sharing their first BITS
 * bits (default 100,000, 100,000 and 200) to DIR (which must exist and be
 * empty) in batches of 4,096 (logd's --batch-max), in random order, as the
 * sequencer does: credential index first, then one smt_update() per batch.
 * Then makes P (default 2,000) map proofs of random ordinary keys and P of
 * random crafted ones, each in its own read transaction as a status request
 * does, and one more batch of 1,000 keys into each region. Prints
 *
 *   normal_proof_us=A crafted_proof_us=B normal_creds=C crafted_creds=D
 *   normal_hashed=E crafted_hashed=F largest=G normal_batch_ms=H
 *   crafted_batch_ms=I fill_s=J nodes=M
 *
 * on one line: A and B the median microseconds of one proof, C..F the mean
 * credentials read and nodes hashed per proof, G the most credentials one
 * computed node read in the proofs, H and I the time of the 1,000-key
 * batches, J the fill time, M the map nodes stored.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/bench_util.h"
#include "logd/store.h"
#include "proofs/smt.h"

#define MAP_BATCH 4096
#define MAP_EXTRA 1000

static uint64_t rnd_state;

static uint64_t rnd(void)
{
    uint64_t x = (rnd_state += 0x9E3779B97F4A7C15ull);

    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

static void make_key(bool crafted, unsigned shared, uint8_t key[32])
{
    for (int k = 0; k < 32; k += 8) {
        uint64_t x = rnd();
        memcpy(key + k, &x, 8);
    }
    if (crafted) {
        /* The first `shared` bits are 0xc3c3...: one region. */
        for (unsigned i = 0; i < shared; i++) {
            uint8_t m = (uint8_t)(0x80 >> (i % 8));
            if (0xc3 & m)
                key[i / 8] |= m;
            else
                key[i / 8] &= (uint8_t)~m;
        }
    }
}

static int cmp_key(const void *a, const void *b)
{
    return memcmp(a, b, SMT_KEY_SIZE);
}

static void check(int rc, const char *what)
{
    if (rc != 0)
        bench_die("%s: %s", what,
                  CREDLOG_ERR_IN(rc, SMT_ERR_BASE) ? smt_strerror(rc)
                                                   : store_strerror(rc));
}

/* One batch as the sequencer writes it; u is sorted in place. */
static void put_batch(struct store *s, struct smt_update *u, size_t n)
{
    struct store_txn *w;
    struct smt_store st;
    uint8_t root[32];
    int rc;

    qsort(u, n, sizeof *u, cmp_key);
    check(store_write_begin(s, &w), "store_write_begin");
    for (size_t i = 0; i < n; i++) {
        struct store_credential c;
        smt_value_decode(u[i].value, &c.issue_index, &c.revoke_index);
        check(store_put_credential(w, u[i].key, &c), "store_put_credential");
    }
    store_smt(w, &st);
    if ((rc = smt_update(&st, u, n, root)) != 0) {
        store_write_abort(w);
        check(rc, "smt_update");
    }
    for (;;) {
        rc = store_write_commit(w);
        if (rc != STORE_ERR_MAP_FULL)
            break;
        bench_die("the map is full: use a larger directory map");
    }
    check(rc, "store_write_commit");
}

/* P proofs of random keys of keys[0..n): median us, mean work. */
static void prove(struct store *s, const struct smt_update *keys, size_t n,
                  uint64_t p, double *median_us, double *creds, double *hashed,
                  uint64_t *largest)
{
    static uint8_t proof[SMT_PROOF_MAX];
    double *t = malloc(p * sizeof *t);
    struct store_map_work a, b;
    struct store_txn *r;
    struct smt_store st;

    if (t == NULL)
        bench_die("out of memory");
    check(store_reader_new(s, &r), "store_reader_new");
    store_smt_work(r, &a);
    for (uint64_t i = 0; i < p; i++) {
        const struct smt_update *k = &keys[rnd() % n];
        double t0 = bench_now();
        check(store_read_begin(r), "store_read_begin");
        store_smt(r, &st);
        if (smt_prove(&st, k->key, proof, sizeof proof) <= 0)
            bench_die("smt_prove failed");
        store_read_end(r);
        t[i] = (bench_now() - t0) * 1e6;
    }
    store_smt_work(r, &b);
    store_reader_free(r);
    *median_us = bench_percentile(t, p, 0.5);
    *creds = (double)(b.creds_read - a.creds_read) / (double)p;
    *hashed = (double)(b.nodes_hashed - a.nodes_hashed) / (double)p;
    if (b.largest > *largest)
        *largest = b.largest;
    free(t);
}

int main(int argc, char **argv)
{
    const char *dir = NULL;
    uint64_t nkeys = 100000, ncrafted = 100000, shared = 200, nproofs = 2000;
    uint64_t largest = 0, nodes = 0, n;
    double normal_us, crafted_us, normal_creds, crafted_creds;
    double normal_hashed, crafted_hashed, normal_ms, crafted_ms, fill_s, t0;
    struct store_options o = {(uint64_t)1 << 34, 8};
    struct smt_update *all, *batch, *keys;
    struct store_txn *r;
    struct store *s;
    char err[256];

    rnd_state = 1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (v == NULL)
            bench_die("%s wants a value", a);
        i++;
        if (strcmp(a, "--dir") == 0)
            dir = v;
        else if (strcmp(a, "--keys") == 0)
            nkeys = bench_arg_u64(a, v);
        else if (strcmp(a, "--crafted") == 0)
            ncrafted = bench_arg_u64(a, v);
        else if (strcmp(a, "--shared") == 0)
            shared = bench_arg_u64(a, v);
        else if (strcmp(a, "--proofs") == 0)
            nproofs = bench_arg_u64(a, v);
        else if (strcmp(a, "--seed") == 0)
            rnd_state = bench_arg_u64(a, v);
        else
            bench_die("unknown option %s", a);
    }
    if (dir == NULL || nkeys == 0 || ncrafted == 0 || shared > 240 ||
        nproofs == 0 || nkeys + ncrafted > 100000000)
        bench_die("usage: bench_map --dir DIR [--keys N] [--crafted K] "
                  "[--shared BITS (<= 240)] [--proofs P] [--seed S]");
    n = nkeys + ncrafted;
    all = malloc((size_t)(n + 2 * MAP_EXTRA) * sizeof *all);
    batch = malloc((size_t)(n > MAP_BATCH ? MAP_BATCH : n) * sizeof *batch);
    if (all == NULL || batch == NULL)
        bench_die("out of memory");
    for (uint64_t i = 0; i < n + 2 * MAP_EXTRA; i++) {
        bool crafted = i < n ? i >= nkeys : i >= n + MAP_EXTRA;
        make_key(crafted, (unsigned)shared, all[i].key);
        smt_value_encode(i, SMT_NONE, all[i].value);
    }
    /* Each kind's keys, to ask for later; then the log's order is the
     * issuers' order: mix the two kinds. */
    keys = malloc((size_t)n * sizeof *keys);
    if (keys == NULL)
        bench_die("out of memory");
    memcpy(keys, all, (size_t)n * sizeof *keys);
    for (uint64_t i = n - 1; i > 0; i--) {
        uint64_t j = rnd() % (i + 1);
        struct smt_update t = all[i];
        all[i] = all[j];
        all[j] = t;
    }
    if (store_open(dir, &o, &s, err, sizeof err) != 0)
        bench_die("%s", err);
    t0 = bench_now();
    for (uint64_t i = 0; i < n; i += MAP_BATCH) {
        size_t m = (size_t)(n - i < MAP_BATCH ? n - i : MAP_BATCH);
        memcpy(batch, all + i, m * sizeof *batch);
        put_batch(s, batch, m);
    }
    fill_s = bench_now() - t0;

    prove(s, keys, nkeys, nproofs, &normal_us, &normal_creds, &normal_hashed,
          &largest);
    prove(s, keys + nkeys, ncrafted, nproofs, &crafted_us, &crafted_creds,
          &crafted_hashed, &largest);
    t0 = bench_now();
    put_batch(s, all + n, MAP_EXTRA);
    normal_ms = (bench_now() - t0) * 1e3;
    t0 = bench_now();
    put_batch(s, all + n + MAP_EXTRA, MAP_EXTRA);
    crafted_ms = (bench_now() - t0) * 1e3;
    check(store_reader_new(s, &r), "store_reader_new");
    check(store_read_begin(r), "store_read_begin");
    check(store_smt_nodes(r, &nodes), "store_smt_nodes");
    store_reader_free(r);
    store_close(s);
    printf("normal_proof_us=%.1f crafted_proof_us=%.1f normal_creds=%.1f "
           "crafted_creds=%.1f normal_hashed=%.1f crafted_hashed=%.1f "
           "largest=%llu normal_batch_ms=%.1f crafted_batch_ms=%.1f "
           "fill_s=%.1f nodes=%llu\n",
           normal_us, crafted_us, normal_creds, crafted_creds, normal_hashed,
           crafted_hashed, (unsigned long long)largest, normal_ms, crafted_ms,
           fill_s, (unsigned long long)nodes);
    free(keys);
    free(batch);
    free(all);
    return 0;
}
