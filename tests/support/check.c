/* check.c: see check.h. */
#include "check.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

unsigned long check_passed;
unsigned long check_failed;

void check_record(int ok, const char *file, int line, const char *what)
{
    if (ok) {
        check_passed++;
        return;
    }
    check_failed++;
    fprintf(stderr, "FAIL %s:%d: %s\n", file, line, what);
}

int check_finish(void)
{
    printf("%lu passed, %lu failed\n", check_passed, check_failed);
    return check_failed == 0 && check_passed > 0 ? 0 : 1;
}

void check_skip(const char *why, ...)
{
    va_list ap;

    printf("SKIP: ");
    va_start(ap, why);
    vprintf(why, ap);
    va_end(ap);
    printf("\n");
    fflush(NULL);
    exit(CHECK_SKIP_CODE);
}

json_t *check_load_json(const char *name)
{
    const char *dir = getenv("CREDLOG_TEST_DATA");
    char path[4096];
    json_error_t err;
    json_t *j;

    snprintf(path, sizeof path, "%s/%s", dir ? dir : "tests/data", name);
    j = json_load_file(path, 0, &err);
    if (j == NULL) {
        fprintf(stderr, "cannot load %s: %s (line %d)\n", path, err.text,
                err.line);
        abort();
    }
    return j;
}

static int hex_nibble(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

uint8_t *check_hex(const char *hex, size_t *len)
{
    size_t n = strlen(hex);
    uint8_t *out;

    if (n % 2 != 0) {
        fprintf(stderr, "odd hex length: %s\n", hex);
        abort();
    }
    out = malloc(n / 2 + 1);
    if (out == NULL)
        abort();
    for (size_t i = 0; i < n / 2; i++) {
        int hi = hex_nibble(hex[2 * i]), lo = hex_nibble(hex[2 * i + 1]);
        if (hi < 0 || lo < 0) {
            fprintf(stderr, "bad hex: %s\n", hex);
            abort();
        }
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    *len = n / 2;
    return out;
}

void check_hex_n(const char *hex, uint8_t *out, size_t n)
{
    size_t len;
    uint8_t *b = check_hex(hex, &len);

    if (len != n) {
        fprintf(stderr, "hex of %zu bytes, want %zu: %s\n", len, n, hex);
        abort();
    }
    memcpy(out, b, n);
    free(b);
}

uint64_t check_rand(uint64_t *state)
{
    uint64_t x = *state;

    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return x * 0x2545F4914F6CDD1DULL;
}

void check_rand_cred(uint64_t *state, uint8_t out[32])
{
    for (int k = 0; k < 32; k += 8) {
        uint64_t x = check_rand(state);
        memcpy(out + k, &x, 8);
    }
}
