/*
 * bench_hash: the cost of one Merkle and map hash (proofs/hash.c), the
 * mechanism under every proof, append and replay.
 *
 *   bench_hash [--count N]
 *
 * Runs N (default 2,000,000) of each, as dependent chains (each hash is an
 * input of the next, as on a proof's path), and prints
 *
 *   node_ns=A map_leaf_ns=B entry_leaf_ns=C
 *
 * on one line: the thread CPU nanoseconds of one merkle_node_hash() (65
 * bytes), one smt_leaf_hash() (49 bytes) and one merkle_leaf_hash() of a
 * 300-byte entry. CPU time, not wall time: the figures move much less with
 * the machine's other load.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "bench/bench_util.h"
#include "proofs/merkle.h"
#include "proofs/smt.h"

static double bench_hash_cpu(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
    uint64_t count = 2000000;
    uint8_t h[MERKLE_HASH_SIZE] = {0}, other[MERKLE_HASH_SIZE];
    uint8_t value[SMT_VALUE_SIZE] = {0}, entry[300];
    double t0, node, map_leaf, entry_leaf;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--count") == 0 && i + 1 < argc)
            count = bench_arg_u64("--count", argv[++i]);
        else
            bench_die("usage: bench_hash [--count N]");
    }
    if (count == 0)
        bench_die("--count must be positive");
    memset(other, 0x5a, sizeof other);
    memset(entry, 0xa5, sizeof entry);

    t0 = bench_hash_cpu();
    for (uint64_t i = 0; i < count; i++)
        merkle_node_hash(h, other, h);
    node = bench_hash_cpu() - t0;

    t0 = bench_hash_cpu();
    for (uint64_t i = 0; i < count; i++)
        smt_leaf_hash(h, value, h);
    map_leaf = bench_hash_cpu() - t0;

    t0 = bench_hash_cpu();
    for (uint64_t i = 0; i < count; i++) {
        memcpy(entry, h, sizeof h);
        merkle_leaf_hash(entry, sizeof entry, h);
    }
    entry_leaf = bench_hash_cpu() - t0;

    printf("node_ns=%.1f map_leaf_ns=%.1f entry_leaf_ns=%.1f\n",
           node * 1e9 / (double)count, map_leaf * 1e9 / (double)count,
           entry_leaf * 1e9 / (double)count);
    /* The chain's end, so that no hash can be optimized away. */
    fprintf(stderr, "bench_hash: chain %02x%02x%02x%02x\n", h[0], h[1], h[2],
            h[3]);
    return 0;
}
