/* bench_util.c: see bench_util.h. */
#include "bench/bench_util.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/sha.h>

#include "client/error.h"
#include "client/keys.h"

void bench_die(const char *fmt, ...)
{
    va_list ap;

    fputs("bench: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(1);
}

double bench_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

uint64_t bench_unix_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void bench_sleep_until(double t)
{
    struct timespec ts;

    ts.tv_sec = (time_t)t;
    ts.tv_nsec = (long)((t - (double)ts.tv_sec) * 1e9);
    if (ts.tv_nsec >= 1000000000) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000;
    }
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
        ;
}

static void put_u64(uint8_t *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--) {
        p[i] = (uint8_t)v;
        v >>= 8;
    }
}

void bench_credential(uint64_t seed, uint64_t i, uint8_t out[32])
{
    static const char tag[] = "credlog-bench\n";
    uint8_t msg[sizeof tag - 1 + 16];

    memcpy(msg, tag, sizeof tag - 1);
    put_u64(msg + sizeof tag - 1, seed);
    put_u64(msg + sizeof tag - 1 + 8, i);
    SHA256(msg, sizeof msg, out);
}

int bench_issue(const struct note_signer *s, const char *origin, uint64_t seed,
                uint64_t i, uint64_t now_ms, struct entry *out)
{
    memset(out, 0, sizeof *out);
    out->version = ENTRY_VERSION_2;
    out->type = ENTRY_ISSUE;
    bench_credential(seed, i, out->credential);
    out->timestamp_ms = now_ms;
    return entry_sign(out, origin, s);
}

void bench_read_signer(const char *path, struct note_signer *out)
{
    char why[CLIENT_REASON_MAX];

    if (client_signer_read(path, out, NULL, why) != 0)
        bench_die("%s", why);
}

void bench_read_verifier(const char *arg, struct note_verifier *out)
{
    char why[CLIENT_REASON_MAX];

    if (client_verifier_arg(arg, out, why) != 0)
        bench_die("%s", why);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

double bench_percentile(double *v, size_t n, double p)
{
    size_t k;

    if (n == 0)
        return 0;
    qsort(v, n, sizeof v[0], cmp_double);
    /* Nearest rank: the smallest value with at least p of the samples at or
     * below it. */
    k = (size_t)(p * (double)n + 0.999999);
    if (k == 0)
        k = 1;
    if (k > n)
        k = n;
    return v[k - 1];
}

uint64_t bench_arg_u64(const char *flag, const char *s)
{
    char *end;
    unsigned long long v;

    errno = 0;
    v = strtoull(s, &end, 0);
    if (s[0] == '-' || s[0] == '\0' || *end != '\0' || errno != 0)
        bench_die("%s wants a number, not \"%s\"", flag, s);
    return (uint64_t)v;
}
