/*
 * test_num.c: the strict decimal parser (proofs/num.h) and the big-endian
 * helpers (proofs/be.h).
 *
 * - Every accepted form, the limits (UINT64_MAX and a caller's max, with
 *   one more refused), and every refused form: empty, signs, spaces, leading
 *   zeros, other characters, a NUL inside the length.
 * - All numbers 0..100000 round trip through snprintf, and a random sample
 *   across the 64-bit range.
 * - be_put/be_get round trip for 16, 32 and 64 bits, byte order checked
 *   against literal bytes.
 */
#include "check.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "proofs/be.h"
#include "proofs/num.h"

static uint64_t rng = 0x2545f4914f6cdd1dull;

static int parse(const char *s, uint64_t *v)
{
    return num_parse_u64(s, strlen(s), v);
}

static void test_accepts(void)
{
    uint64_t v = 1;

    CHECK(parse("0", &v) == 0 && v == 0);
    CHECK(parse("7", &v) == 0 && v == 7);
    CHECK(parse("10", &v) == 0 && v == 10);
    CHECK(parse("18446744073709551615", &v) == 0 && v == UINT64_MAX);
    CHECK(parse("18446744073709551610", &v) == 0 && v == UINT64_MAX - 5);
    /* Only len bytes are read: "12" of "123". */
    CHECK(num_parse_u64("123", 2, &v) == 0 && v == 12);
    CHECK(num_parse_u64_max("1000", 4, 1000, &v) == 0 && v == 1000);
    CHECK(num_parse_u64_max("0", 1, 0, &v) == 0 && v == 0);
    CHECK(num_parse_u64_max("9223372036854775807", 19, INT64_MAX, &v) == 0 &&
          v == (uint64_t)INT64_MAX);
}

static void test_refuses(void)
{
    static const char *const syntax[] = {
        "",
        "-1",
        "+1",
        " 1",
        "1 ",
        "00",
        "01",
        "007",
        "0x10",
        "1e3",
        "1.",
        ".1",
        "1,000",
        "1_000",
        "١",
        "\xef\xbc\x91",
        "abc",
        "9a",
        "99999999999999999999x",
    };
    uint64_t v = 42;

    for (size_t i = 0; i < sizeof syntax / sizeof syntax[0]; i++)
        CHECK_MSG(parse(syntax[i], &v) == NUM_ERR_SYNTAX && v == 42,
                  "\"%s\" gave %d", syntax[i], parse(syntax[i], &v));
    CHECK(num_parse_u64("1\0002", 3, &v) == NUM_ERR_SYNTAX);
    CHECK(num_parse_u64(NULL, 0, &v) == NUM_ERR_SYNTAX);
    CHECK(parse("18446744073709551616", &v) == NUM_ERR_RANGE && v == 42);
    CHECK(parse("18446744073709551620", &v) == NUM_ERR_RANGE);
    CHECK(parse("99999999999999999999", &v) == NUM_ERR_RANGE);
    CHECK(parse("100000000000000000000", &v) == NUM_ERR_RANGE);
    CHECK(parse("1000000000000000000000000000000", &v) == NUM_ERR_RANGE);
    CHECK(num_parse_u64_max("1001", 4, 1000, &v) == NUM_ERR_RANGE);
    CHECK(num_parse_u64_max("1", 1, 0, &v) == NUM_ERR_RANGE);
    CHECK(num_parse_u64_max("9223372036854775808", 19, INT64_MAX, &v) ==
          NUM_ERR_RANGE);
    CHECK(v == 42);
    CHECK(strcmp(num_strerror(NUM_ERR_SYNTAX), num_strerror(NUM_ERR_RANGE)) !=
          0);
}

static void test_round_trips(void)
{
    char buf[32];
    uint64_t v;
    unsigned bad = 0;

    for (uint64_t n = 0; n <= 100000; n++) {
        int len = snprintf(buf, sizeof buf, "%" PRIu64, n);
        bad += num_parse_u64(buf, (size_t)len, &v) != 0 || v != n;
        /* One leading zero makes any of them (but "0") invalid. */
        len = snprintf(buf, sizeof buf, "0%" PRIu64, n);
        bad += num_parse_u64(buf, (size_t)len, &v) != NUM_ERR_SYNTAX;
    }
    for (int i = 0; i < 100000; i++) {
        uint64_t n = check_rand(&rng) >> (check_rand(&rng) % 64);
        int len = snprintf(buf, sizeof buf, "%" PRIu64, n);
        bad += num_parse_u64(buf, (size_t)len, &v) != 0 || v != n;
        bad += num_parse_u64_max(buf, (size_t)len, n, &v) != 0;
        if (n > 0)
            bad +=
                num_parse_u64_max(buf, (size_t)len, n - 1, &v) != NUM_ERR_RANGE;
    }
    CHECK_MSG(bad == 0, "%u round trips failed", bad);
}

static void test_be(void)
{
    uint8_t b[8];

    be_put16(b, 0x0102);
    CHECK(b[0] == 1 && b[1] == 2 && be_get16(b) == 0x0102);
    be_put32(b, 0x01020304);
    CHECK(memcmp(b, "\x01\x02\x03\x04", 4) == 0 && be_get32(b) == 0x01020304);
    be_put64(b, 0x0102030405060708ull);
    CHECK(memcmp(b, "\x01\x02\x03\x04\x05\x06\x07\x08", 8) == 0);
    CHECK(be_get64(b) == 0x0102030405060708ull);
    be_put64(b, UINT64_MAX);
    CHECK(be_get64(b) == UINT64_MAX && be_get32(b + 4) == UINT32_MAX &&
          be_get16(b + 6) == UINT16_MAX);
    for (int i = 0; i < 10000; i++) {
        uint64_t v = check_rand(&rng);
        be_put64(b, v);
        if (be_get64(b) != v || be_get32(b) != (uint32_t)(v >> 32) ||
            be_get16(b + 6) != (uint16_t)v) {
            CHECK_MSG(0, "be round trip of %" PRIx64, v);
            break;
        }
    }
}

int main(void)
{
    test_accepts();
    test_refuses();
    test_round_trips();
    test_be();
    return check_finish();
}
