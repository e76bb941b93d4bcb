/*
 * bench_verify: this machine's Ed25519 verification rate on all cores, the
 * ceiling of durable signed appends (every submission's signature is
 * verified once). Each thread verifies a signature over a message the size
 * of an ISSUE entry's signed message, in one of three ways:
 *   proofs   proofs/ed25519.h's ed25519_verify(), as logd calls it;
 *   cached   one EVP_PKEY made once per key, a fresh EVP_MD_CTX per call;
 *   openssl  one EVP_PKEY and one EVP_MD_CTX initialized once and reused for
 *            every EVP_DigestVerify, as `openssl speed ed25519` does: the
 *            library's own ceiling.
 *
 *   bench_verify [--threads N] [--seconds S] [--mode proofs|cached|openssl]
 *
 * Prints "verify_per_s=R threads=N mode=M".
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/bench_util.h"
#include "proofs/ed25519.h"

#include <openssl/evp.h>

enum mode { MODE_PROOFS, MODE_CACHED, MODE_OPENSSL, MODE_SIGNVERIFY };

struct job {
    enum mode mode;
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
    EVP_PKEY *key = NULL;
    EVP_MD_CTX *ctx = NULL;

    for (size_t i = 0; i < sizeof msg; i++)
        msg[i] = (uint8_t)(i * 7 + 1);
    if (ed25519_random_seed(seed) != 0 ||
        ed25519_public_from_seed(seed, pub) != 0 ||
        ed25519_sign(seed, msg, len, sig) != 0)
        bench_die("cannot make an Ed25519 key");
    if (j->mode == MODE_SIGNVERIFY)
        len = 100; /* "origin\nsize\nroot\n" plus the cosignature header */
    if (j->mode == MODE_CACHED || j->mode == MODE_OPENSSL) {
        key = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pub,
                                          sizeof pub);
        ctx = EVP_MD_CTX_new();
        if (key == NULL || ctx == NULL ||
            EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, key) != 1)
            bench_die("cannot set up OpenSSL");
    }
    while (!atomic_load(&go))
        ;
    end = bench_now() + j->seconds;
    do {
        for (int i = 0; i < 64; i++) {
            bool ok;
            if (j->mode == MODE_PROOFS) {
                ok = ed25519_verify(pub, msg, len, sig);
            } else if (j->mode == MODE_SIGNVERIFY) {
                msg[0] = (uint8_t)i;
                ok = ed25519_sign(seed, msg, len, sig) == 0 &&
                     ed25519_verify(pub, msg, len, sig);
            } else if (j->mode == MODE_CACHED) {
                EVP_MD_CTX *c = EVP_MD_CTX_new();
                ok = c != NULL &&
                     EVP_DigestVerifyInit(c, NULL, NULL, NULL, key) == 1 &&
                     EVP_DigestVerify(c, sig, sizeof sig, msg, len) == 1;
                EVP_MD_CTX_free(c);
            } else {
                ok = EVP_DigestVerify(ctx, sig, sizeof sig, msg, len) == 1;
            }
            if (!ok)
                bench_die("a good signature did not verify");
            j->count++;
        }
    } while (bench_now() < end);
    EVP_MD_CTX_free(ctx);
    EVP_PKEY_free(key);
    return NULL;
}

int main(int argc, char **argv)
{
    unsigned threads = 2;
    double seconds = 3, t0, t1;
    enum mode mode = MODE_PROOFS;
    static const char *const names[] = {"proofs", "cached", "openssl",
                                        "signverify"};
    struct job *jobs;
    uint64_t total = 0;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc)
            threads = (unsigned)bench_arg_u64("--threads", argv[++i]);
        else if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc)
            seconds = (double)bench_arg_u64("--seconds", argv[++i]);
        else if (strcmp(argv[i], "--mode") == 0 && i + 1 < argc) {
            i++;
            for (mode = MODE_PROOFS; mode <= MODE_SIGNVERIFY; mode++)
                if (strcmp(argv[i], names[mode]) == 0)
                    break;
            if (mode > MODE_SIGNVERIFY)
                bench_die("--mode wants proofs, cached, openssl or "
                          "signverify");
        } else
            bench_die("usage: bench_verify [--threads N] [--seconds S] "
                      "[--mode proofs|cached|openssl|signverify]");
    }
    if (threads == 0 || threads > 256 || seconds <= 0)
        bench_die("bad --threads or --seconds");
    jobs = calloc(threads, sizeof *jobs);
    if (jobs == NULL)
        bench_die("out of memory");
    for (unsigned i = 0; i < threads; i++) {
        jobs[i].seconds = seconds;
        jobs[i].mode = mode;
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
    printf("verify_per_s=%.0f threads=%u mode=%s\n", (double)total / (t1 - t0),
           threads, names[mode]);
    free(jobs);
    return 0;
}
