/*
 * bench_verify: this machine's Ed25519 verification rate on all cores, the
 * ceiling of durable signed appends (every submission's signature is
 * verified once). Each thread verifies, with proofs/ed25519.h exactly as
 * logd does (ed25519_verify: public key parsed on every call), a signature
 * over a message the size of an ISSUE entry's signed message.
 *
 *   bench_verify [--threads N] [--seconds S]
 *
 * Prints "verify_per_s=R threads=N".
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/bench_util.h"
#include "proofs/ed25519.h"

struct job {
    double seconds;
    uint64_t count;
    pthread_t thread;
};

static atomic_int go;

static void *run(void *arg)
{
    struct job *j = arg;
    uint8_t seed[ED25519_SEED_SIZE], pub[ED25519_PUBLIC_SIZE];
    uint8_t sig[ED25519_SIGNATURE_SIZE], msg[ENTRY_SIGNED_MAX];
    size_t len = sizeof ENTRY_SIGNING_PREFIX - 1 + 2 + 32 + 1 + 12 + 4 + 8;
    double end;

    for (size_t i = 0; i < sizeof msg; i++)
        msg[i] = (uint8_t)(i * 7 + 1);
    if (ed25519_random_seed(seed) != 0 || ed25519_public_from_seed(seed, pub) != 0 ||
        ed25519_sign(seed, msg, len, sig) != 0)
        bench_die("cannot make an Ed25519 key");
    while (!atomic_load(&go))
        ;
    end = bench_now() + j->seconds;
    do {
        for (int i = 0; i < 64; i++) {
            if (!ed25519_verify(pub, msg, len, sig))
                bench_die("a good signature did not verify");
            j->count++;
        }
    } while (bench_now() < end);
    return NULL;
}

int main(int argc, char **argv)
{
    unsigned threads = 2;
    double seconds = 3, t0, t1;
    struct job *jobs;
    uint64_t total = 0;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc)
            threads = (unsigned)bench_arg_u64("--threads", argv[++i]);
        else if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc)
            seconds = (double)bench_arg_u64("--seconds", argv[++i]);
        else
            bench_die("usage: bench_verify [--threads N] [--seconds S]");
    }
    if (threads == 0 || threads > 256 || seconds <= 0)
        bench_die("bad --threads or --seconds");
    jobs = calloc(threads, sizeof *jobs);
    if (jobs == NULL)
        bench_die("out of memory");
    for (unsigned i = 0; i < threads; i++) {
        jobs[i].seconds = seconds;
        if (pthread_create(&jobs[i].thread, NULL, run, &jobs[i]) != 0)
            bench_die("cannot start a thread");
    }
    t0 = bench_now();
    atomic_store(&go, 1);
    for (unsigned i = 0; i < threads; i++) {
        pthread_join(jobs[i].thread, NULL);
        total += jobs[i].count;
    }
    t1 = bench_now();
    printf("verify_per_s=%.0f threads=%u\n", (double)total / (t1 - t0), threads);
    free(jobs);
    return 0;
}
