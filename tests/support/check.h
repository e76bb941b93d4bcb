/*
 * check.h: the tiny assertion layer every credlog test program uses.
 *
 * CHECK(cond) records a pass or a failure (with file:line and the condition)
 * and goes on; REQUIRE(cond) also returns from the test program's current
 * function on failure. check_finish() prints "N passed, N failed" and returns
 * the process exit code (0 only if nothing failed and something passed).
 * check_skip() ends a program whose prerequisite is missing with CTest's
 * skip code, CHECK_SKIP_CODE (tests/CMakeLists.txt sets SKIP_RETURN_CODE to
 * it): a skipped test is reported as skipped, never as passed.
 */
#ifndef CREDLOG_TESTS_CHECK_H
#define CREDLOG_TESTS_CHECK_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

extern unsigned long check_passed;
extern unsigned long check_failed;

void check_record(int ok, const char *file, int line, const char *what);

#define CHECK(cond) check_record(!!(cond), __FILE__, __LINE__, #cond)
#define CHECK_MSG(cond, ...)                                                   \
    do {                                                                       \
        int check_ok_ = !!(cond);                                              \
        check_record(check_ok_, __FILE__, __LINE__, #cond);                    \
        if (!check_ok_) {                                                      \
            fprintf(stderr, "    ");                                           \
            fprintf(stderr, __VA_ARGS__);                                      \
            fprintf(stderr, "\n");                                             \
        }                                                                      \
    } while (0)
#define REQUIRE(cond)                                                          \
    do {                                                                       \
        int check_ok_ = !!(cond);                                              \
        check_record(check_ok_, __FILE__, __LINE__, #cond);                    \
        if (!check_ok_)                                                        \
            return;                                                            \
    } while (0)

/* Prints the closing "N passed, N failed" line; returns the exit status. */
int check_finish(void);

/* The exit code CTest reads as "skipped" (SKIP_RETURN_CODE). */
#define CHECK_SKIP_CODE 77

/* Prints "SKIP: <why>" (printf format) and exits with CHECK_SKIP_CODE. The
 * one way a test program says a prerequisite ($LOGD_BIN, $CREDLOG_BIN, a
 * tool) is missing. Does not return. */
__attribute__((noreturn, format(printf, 1, 2))) void check_skip(const char *why,
                                                                ...);

/* Loads tests/data/<name> (directory from $CREDLOG_TEST_DATA) as JSON.
 * Aborts the program if it cannot. The caller json_decref()s it. */
json_t *check_load_json(const char *name);

/* Decodes hex text into a freshly malloc'd buffer; *len gets its length.
 * Aborts on bad hex. */
uint8_t *check_hex(const char *hex, size_t *len);

/* Decodes exactly n bytes of hex into out; aborts on mismatch. */
void check_hex_n(const char *hex, uint8_t *out, size_t n);

/* A small deterministic PRNG (xorshift64*) for randomized tests. */
uint64_t check_rand(uint64_t *state);

/* Fills a 32-byte credential hash (or any 32 bytes) from check_rand(). */
void check_rand_cred(uint64_t *state, uint8_t out[32]);

#endif
