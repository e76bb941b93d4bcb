/*
 * bench_util.h: small helpers shared by credlog's benchmark programs
 * (the programs in bench/): clocks, deterministic credential hashes, presigned
 * ISSUE submissions, percentiles and argument parsing. Nothing here is used by
 * logd or the client; see docs/performance.md for the method.
 */
#ifndef CREDLOG_BENCH_UTIL_H
#define CREDLOG_BENCH_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proofs/entry.h"
#include "proofs/note.h"

/* Seconds on the monotonic clock. */
double bench_now(void);

/* Milliseconds since the Unix epoch. */
uint64_t bench_unix_ms(void);

/* Sleeps until the monotonic time t (seconds, as bench_now()). */
void bench_sleep_until(double t);

/* The credential hash number i of a run: SHA-256("credlog-bench\n" ||
 * u64be seed || u64be i). Runs with different seeds never collide. */
void bench_credential(uint64_t seed, uint64_t i, uint8_t out[32]);

/* Builds the version 2 ISSUE entry for credential i of seed, signed by s at
 * time now_ms for the log named origin. Returns 0 or an ENTRY_ERR_* code. */
int bench_issue(const struct note_signer *s, const char *origin, uint64_t seed,
                uint64_t i, uint64_t now_ms, struct entry *out);

/* Reads a signer key file (Go note format). Exits with a message on
 * failure. */
void bench_read_signer(const char *path, struct note_signer *out);

/* Reads a verifier key file or string. Exits with a message on failure. */
void bench_read_verifier(const char *arg, struct note_verifier *out);

/* Sorts v[0..n) and returns the p-quantile (0 <= p <= 1, nearest rank);
 * 0 if n is 0. */
double bench_percentile(double *v, size_t n, double p);

/* Parses a decimal or 0x-hex unsigned number or exits with a usage error
 * naming flag. */
uint64_t bench_arg_u64(const char *flag, const char *s);

/* Prints "bench: " and the message to stderr and exits 1. */
void bench_die(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));

#endif
