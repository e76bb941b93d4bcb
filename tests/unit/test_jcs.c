/*
 * test_jcs.c: the I-JSON reader and RFC 8785 writer (proofs/jcs.h).
 *
 * - Number formatting against tests/data/jcs-numbers.txt (every power of
 *   two, 2000 random doubles, denormals; the expected text comes from
 *   Python's shortest round-trip repr, an independent implementation), and
 *   each expected text read back gives the same double.
 * - Reading numbers: grammar, overflow, underflow, huge exponents balanced
 *   by long fractions, and correct rounding past the 800th digit.
 * - Strings: every escape, lone and reversed surrogates, bad hex, UTF-8
 *   (overlong, surrogates, beyond U+10FFFF, truncated), noncharacters.
 * - Member order by UTF-16 code units; duplicates after unescaping, with
 *   the offset of the second name; depth 1000 accepted and 1001 refused.
 * - Canonicalizing a canonical text is the identity; error offsets.
 */
#include "check.h"
#include "proofs/jcs.h"

#include <stdlib.h>
#include <string.h>

static int canon(const char *in, char *out, size_t cap, size_t *off)
{
    uint8_t *c;
    size_t n;
    int rc =
        jcs_canonicalize((const uint8_t *)in, strlen(in), &c, &n, off, NULL);

    if (rc != 0)
        return rc;
    if (n >= cap)
        n = cap - 1;
    memcpy(out, c, n);
    out[n] = '\0';
    free(c);
    return 0;
}

/* Checks that in canonicalizes to want, and want to itself. */
static void expect_canon(const char *in, const char *want)
{
    char out[4096], again[4096];
    int rc = canon(in, out, sizeof out, NULL);

    CHECK_MSG(rc == 0 && strcmp(out, want) == 0, "%s -> %s (rc %d), want %s",
              in, rc == 0 ? out : "", rc, want);
    rc = canon(want, again, sizeof again, NULL);
    CHECK_MSG(rc == 0 && strcmp(again, want) == 0, "not idempotent: %s", want);
}

static void expect_fail(const char *in, size_t len, int err, size_t off)
{
    uint8_t *c = (uint8_t *)"";
    size_t n, got = (size_t)-1;
    char why[CREDKEY_WHY_MAX] = "";
    int rc = jcs_canonicalize((const uint8_t *)in, len, &c, &n, &got, why);

    CHECK_MSG(rc == err && got == off && c == NULL && why[0] != '\0',
              "%.*s: rc %d at %zu (%s), want %d at %zu", (int)len, in, rc, got,
              why, err, off);
}

#define FAIL(s, err, off) expect_fail((s), sizeof(s) - 1, (err), (off))

static void test_number_table(void)
{
    char path[4096], line[256], buf[JCS_NUMBER_MAX];
    const char *dir = getenv("CREDLOG_TEST_DATA");
    unsigned long lines = 0;
    FILE *f;

    snprintf(path, sizeof path, "%s/jcs-numbers.txt", dir ? dir : "");
    f = fopen(path, "r");
    REQUIRE(f != NULL);
    while (fgets(line, sizeof line, f) != NULL) {
        unsigned long long bits;
        char want[64], json[96];
        double d, back;
        struct jcs_doc *doc;

        if (line[0] == '#' || sscanf(line, "%llx %63s", &bits, want) != 2)
            continue;
        memcpy(&d, &bits, sizeof d);
        jcs_number_format(d, buf);
        CHECK_MSG(strcmp(buf, want) == 0, "%016llx: %s, want %s", bits, buf,
                  want);
        snprintf(json, sizeof json, "[%s]", want);
        REQUIRE(jcs_parse((const uint8_t *)json, strlen(json), &doc, NULL,
                          NULL) == 0);
        back = jcs_doc_root(doc)->u.arr.items[0].u.num;
        CHECK_MSG(back == d, "%s read back as %.17g", want, back);
        jcs_doc_free(doc);
        /* The opposite sign too. */
        jcs_number_format(-d, buf);
        if (want[0] == '-')
            CHECK(strcmp(buf, want + 1) == 0);
        else
            CHECK(buf[0] == '-' && strcmp(buf + 1, want) == 0);
        lines++;
    }
    fclose(f);
    CHECK(lines > 4000);
    CHECK(jcs_number_format(-0.0, buf) == 1 && strcmp(buf, "0") == 0);
}

static void test_numbers(void)
{
    static const struct {
        const char *in, *out;
    } v[] = {
        {"[0, -0, 0.0, -0.0, 0e5, -0E-5]", "[0,0,0,0,0,0]"},
        {"[1E30, 4.50, 2e-3, 0.000001, 1e-7]",
         "[1e+30,4.5,0.002,0.000001,1e-7]"},
        {"[1e21, 1e20, 123456789012345678901, 999999999999999999999]",
         "[1e+21,100000000000000000000,123456789012345680000,1e+21]"},
        {"[9007199254740993, 9007199254740995, 1.5e300, 30e-1]",
         "[9007199254740992,9007199254740996,1.5e+300,3]"},
        {"[1e-400, -1e-400, 2.4703282292062328e-324, 2.4703282292062327e-324]",
         "[0,0,5e-324,0]"},
        {"[1.7976931348623158e308, 1E+0, -123.456e3, 12e3, 1.0e0]",
         "[1.7976931348623157e+308,1,-123456,12000,1]"},
        {"[0.1, 0.2, 0.30000000000000004, 100, 1e+2, 1e2]",
         "[0.1,0.2,0.30000000000000004,100,100,100]"},
    };
    char buf[4096];
    size_t n;

    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
        expect_canon(v[i].in, v[i].out);
    /* A fraction of 1000 digits balanced by a huge exponent: exactly 1. */
    n = (size_t)snprintf(buf, sizeof buf, "[0.");
    memset(buf + n, '0', 999);
    n += 999;
    n += (size_t)snprintf(buf + n, sizeof buf - n, "1e1000]");
    expect_canon(buf, "[1]");
    /* 2^53 + 1 is a tie that rounds to even (2^53); a 1 after 900 zeros
     * breaks the tie upwards, beyond the 800 digits kept. */
    n = (size_t)snprintf(buf, sizeof buf, "[9007199254740993.");
    memset(buf + n, '0', 900);
    n += 900;
    snprintf(buf + n, sizeof buf - n, "]");
    expect_canon(buf, "[9007199254740992]");
    snprintf(buf + n, sizeof buf - n, "1]");
    expect_canon(buf, "[9007199254740994]");
    /* Overflow, by value or by digits. */
    FAIL("[1e309]", CREDKEY_ERR_JSON_NUMBER, 1);
    FAIL("[-1.7976931348623159e308]", CREDKEY_ERR_JSON_NUMBER, 1);
    FAIL("{\"n\": 1e99999999999999999999}", CREDKEY_ERR_JSON_NUMBER, 6);
    n = (size_t)snprintf(buf, sizeof buf, "[1");
    memset(buf + n, '0', 309);
    snprintf(buf + n + 309, sizeof buf - n - 309, "]");
    expect_fail(buf, strlen(buf), CREDKEY_ERR_JSON_NUMBER, 1);
    /* Grammar. */
    FAIL("[01]", CREDKEY_ERR_JSON_SYNTAX, 1);
    FAIL("[-01]", CREDKEY_ERR_JSON_SYNTAX, 1);
    FAIL("[1.]", CREDKEY_ERR_JSON_SYNTAX, 1);
    FAIL("[.5]", CREDKEY_ERR_JSON_SYNTAX, 1);
    FAIL("[+1]", CREDKEY_ERR_JSON_SYNTAX, 1);
    FAIL("[1e]", CREDKEY_ERR_JSON_SYNTAX, 1);
    FAIL("[1e+]", CREDKEY_ERR_JSON_SYNTAX, 1);
    FAIL("[-]", CREDKEY_ERR_JSON_SYNTAX, 1);
    FAIL("[0x10]", CREDKEY_ERR_JSON_SYNTAX, 2);
    FAIL("[NaN]", CREDKEY_ERR_JSON_SYNTAX, 1);
    FAIL("[Infinity]", CREDKEY_ERR_JSON_SYNTAX, 1);
    FAIL("[-Infinity]", CREDKEY_ERR_JSON_SYNTAX, 1);
}

static void test_strings(void)
{
    expect_canon("[\"\\\" \\\\ \\/ \\b \\f \\n \\r \\t\"]",
                 "[\"\\\" \\\\ / \\b \\f \\n \\r \\t\"]");
    expect_canon("[\"\\u0000\\u0001\\u001F\\u001f\\u0020\\u007f\"]",
                 "[\"\\u0000\\u0001\\u001f\\u001f \x7f\"]");
    expect_canon("[\"\\u00e9\\u20AC\\uD834\\uDD1E\\uffff\"]",
                 "[\"\xc3\xa9\xe2\x82\xac\xf0\x9d\x84\x9e\xef\xbf\xbf\"]");
    expect_canon("[\"\\u2028\\u2029<>&'\"]",
                 "[\"\xe2\x80\xa8\xe2\x80\xa9<>&'\"]");
    expect_canon("\xef\xbb\xbf [\"x\"] \r\n\t", "[\"x\"]");
    /* Surrogates. */
    FAIL("[\"\\ud800\"]", CREDKEY_ERR_JSON_SURR, 2);
    FAIL("[\"\\udfff\"]", CREDKEY_ERR_JSON_SURR, 2);
    FAIL("[\"\\ud800\\u0041\"]", CREDKEY_ERR_JSON_SURR, 2);
    FAIL("[\"\\ud800\\ud800\"]", CREDKEY_ERR_JSON_SURR, 2);
    FAIL("[\"a\\ude00\\ud83d\"]", CREDKEY_ERR_JSON_SURR, 3);
    FAIL("[\"\\ud800x\"]", CREDKEY_ERR_JSON_SURR, 2);
    FAIL("[\"\\u12G4\"]", CREDKEY_ERR_JSON_SYNTAX, 2);
    FAIL("[\"\\u12\"]", CREDKEY_ERR_JSON_SYNTAX, 2);
    FAIL("[\"\\x\"]", CREDKEY_ERR_JSON_SYNTAX, 2);
    FAIL("[\"\\'\"]", CREDKEY_ERR_JSON_SYNTAX, 2);
    FAIL("[\"tab\there\"]", CREDKEY_ERR_JSON_SYNTAX, 5);
    FAIL("[\"open]", CREDKEY_ERR_JSON_SYNTAX, 1);
    /* UTF-8. */
    FAIL("[\"\xc0\x80\"]", CREDKEY_ERR_JSON_UTF8, 2);
    FAIL("[\"\xc1\xbf\"]", CREDKEY_ERR_JSON_UTF8, 2);
    FAIL("[\"\xe0\x80\x80\"]", CREDKEY_ERR_JSON_UTF8, 2);
    FAIL("[\"\xf0\x80\x80\x80\"]", CREDKEY_ERR_JSON_UTF8, 2);
    FAIL("[\"\xed\xa0\x80\"]", CREDKEY_ERR_JSON_UTF8, 2);
    FAIL("[\"\xed\xbf\xbf\"]", CREDKEY_ERR_JSON_UTF8, 2);
    FAIL("[\"\xf4\x90\x80\x80\"]", CREDKEY_ERR_JSON_UTF8, 2);
    FAIL("[\"\xf5\x80\x80\x80\"]", CREDKEY_ERR_JSON_UTF8, 2);
    FAIL("[\"\xff\"]", CREDKEY_ERR_JSON_UTF8, 2);
    FAIL("[\"\x80\"]", CREDKEY_ERR_JSON_UTF8, 2);
    FAIL("[\"\xe2\x82\"]", CREDKEY_ERR_JSON_UTF8, 2);
    FAIL("[\"x\"]\xe2\x82", CREDKEY_ERR_JSON_UTF8, 5);
    FAIL("\xef\xbb[]", CREDKEY_ERR_JSON_UTF8, 0);
    expect_canon("[\"\xf4\x8f\xbf\xbf\xef\xbf\xbe\xed\x9f\xbf\"]",
                 "[\"\xf4\x8f\xbf\xbf\xef\xbf\xbe\xed\x9f\xbf\"]");
}

static void test_objects(void)
{
    char *buf = malloc(8000);

    REQUIRE(buf != NULL);
    /* UTF-16 order: U+10000 and above sort between U+D7FF and U+E000. */
    expect_canon("{\"\\ue000\":1,\"\\ud83d\\ude00\":2,\"\\ud7ff\":3,"
                 "\"\\uffff\":4,\"\\ud800\\udc00\":5}",
                 "{\"\xed\x9f\xbf\":3,\"\xf0\x90\x80\x80\":5,"
                 "\"\xf0\x9f\x98\x80\":2,\"\xee\x80\x80\":1,"
                 "\"\xef\xbf\xbf\":4}");
    expect_canon("{\"ab\":1,\"a\":2,\"B\":3,\"\":0,\"a\\u0000\":7}",
                 "{\"\":0,\"B\":3,\"a\":2,\"a\\u0000\":7,\"ab\":1}");
    expect_canon("{\"b\":{\"z\":[{\"y\":1,\"x\":2}],\"a\":null},\"a\":[]}",
                 "{\"a\":[],\"b\":{\"a\":null,\"z\":[{\"x\":2,\"y\":1}]}}");
    expect_canon("{ }", "{}");
    expect_canon("[ ]", "[]");
    expect_canon("[true,false,null]", "[true,false,null]");
    expect_canon("\"top\"", "\"top\"");
    expect_canon("42", "42");
    /* Duplicates, reported at the second name. */
    FAIL("{\"a\":1,\"b\":2,\"a\":3}", CREDKEY_ERR_JSON_DUP, 13);
    FAIL("{\"a\":1,\"\\u0061\":2}", CREDKEY_ERR_JSON_DUP, 7);
    FAIL("[{},{\"x\":{\"y\":1,\"y\":1}}]", CREDKEY_ERR_JSON_DUP, 16);
    /* Syntax. */
    FAIL("{\"a\":1,}", CREDKEY_ERR_JSON_SYNTAX, 7);
    FAIL("{\"a\" 1}", CREDKEY_ERR_JSON_SYNTAX, 5);
    FAIL("{a:1}", CREDKEY_ERR_JSON_SYNTAX, 1);
    FAIL("[1 2]", CREDKEY_ERR_JSON_SYNTAX, 3);
    FAIL("[1,]", CREDKEY_ERR_JSON_SYNTAX, 3);
    FAIL("{\"a\":tru}", CREDKEY_ERR_JSON_SYNTAX, 5);
    FAIL("{} {}", CREDKEY_ERR_JSON_SYNTAX, 3);
    FAIL("[\f]", CREDKEY_ERR_JSON_SYNTAX, 1);
    FAIL("", CREDKEY_ERR_JSON_SYNTAX, 0);
    FAIL("   ", CREDKEY_ERR_JSON_SYNTAX, 3);
    FAIL("[", CREDKEY_ERR_JSON_SYNTAX, 1);
    /* Depth: 1000 containers are fine, 1001 are not. */
    memset(buf, '[', 1000);
    memset(buf + 1000, ']', 1000);
    buf[2000] = '\0';
    expect_canon(buf, buf);
    memset(buf, '[', 1001);
    memset(buf + 1001, ']', 1001);
    expect_fail(buf, 2002, CREDKEY_ERR_JSON_DEPTH, 1000);
    free(buf);
}

static void test_lookup(void)
{
    static const char text[] = "{\"z\":1,\"proof\":{\"a\":1},\"s\":\"v\"}";
    struct jcs_doc *doc;
    const struct jcs_value *root;
    uint8_t *out;
    size_t n;

    REQUIRE(jcs_parse((const uint8_t *)text, sizeof text - 1, &doc, NULL,
                      NULL) == 0);
    root = jcs_doc_root(doc);
    CHECK(jcs_object_get(root, "z") != NULL &&
          jcs_object_get(root, "z")->u.num == 1);
    CHECK(jcs_string_is(jcs_object_get(root, "s"), "v"));
    CHECK(!jcs_string_is(jcs_object_get(root, "s"), "vv"));
    CHECK(jcs_object_get(root, "nope") == NULL);
    CHECK(jcs_object_get(jcs_object_get(root, "z"), "a") == NULL);
    CHECK(jcs_object_get(root, "s")->offset == 27);
    REQUIRE(jcs_serialize(root, "proof", &out, &n) == 0);
    CHECK(n == 15 && memcmp(out, "{\"s\":\"v\",\"z\":1}", n) == 0);
    free(out);
    jcs_doc_free(doc);
    jcs_doc_free(NULL);
}

int main(void)
{
    test_number_table();
    test_numbers();
    test_strings();
    test_objects();
    test_lookup();
    return check_finish();
}
