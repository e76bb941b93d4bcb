/*
 * test_codec.c: strict hex and base64 (proofs/codec.h).
 *
 * - RFC 4648 section 10 vectors both ways, and random round trips.
 * - Only canonical base64 decodes: padding present and only at the end,
 *   zero unused bits (checked for every possible final character), the
 *   standard alphabet, no whitespace.
 * - Hex decodes either case, encodes lowercase, and refuses bad digits and
 *   wrong lengths.
 * - Output space is respected.
 * - base64url (unpadded, JOSE's): the same bytes as base64 with the URL
 *   alphabet and the padding dropped, both ways; '=', '+', '/' and a length
 *   of 1 mod 4 refused; the NULL output measures; the alphabet exactly.
 */
#include "check.h"
#include "proofs/codec.h"

#include <stdbool.h>
#include <string.h>

static uint64_t rng = 0x853c49e6748fea9bu;

static int b64_decode_str(const char *s, uint8_t *out, size_t cap)
{
    return codec_b64_decode(s, strlen(s), out, cap);
}

static void test_b64_vectors(void)
{
    static const struct {
        const char *plain, *b64;
    } v[] = {
        {"", ""},
        {"f", "Zg=="},
        {"fo", "Zm8="},
        {"foo", "Zm9v"},
        {"foob", "Zm9vYg=="},
        {"fooba", "Zm9vYmE="},
        {"foobar", "Zm9vYmFy"},
    };
    static const uint8_t high[] = {0xfb, 0xff, 0xbf, 0xff};
    char text[64];
    uint8_t out[64];

    for (size_t j = 0; j < sizeof v / sizeof v[0]; j++) {
        size_t n = strlen(v[j].plain);
        CHECK(codec_b64_encode((const uint8_t *)v[j].plain, n, text) ==
              strlen(v[j].b64));
        CHECK(strcmp(text, v[j].b64) == 0);
        CHECK(CODEC_B64_LEN(n) == strlen(v[j].b64));
        CHECK(b64_decode_str(v[j].b64, out, sizeof out) == (int)n);
        CHECK(memcmp(out, v[j].plain, n) == 0);
    }
    /* The last two alphabet characters. */
    CHECK(codec_b64_encode(high, sizeof high, text) == 8 &&
          strcmp(text, "+/+//w==") == 0);
    CHECK(b64_decode_str("+/+//w==", out, sizeof out) == 4 &&
          memcmp(out, high, 4) == 0);
    /* SHA-256("") as C2SP's cheat sheet writes the empty tree's root. */
    CHECK(b64_decode_str("47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=", out,
                         sizeof out) == 32);
    CHECK(out[0] == 0xe3 && out[1] == 0xb0 && out[31] == 0x55);
}

static void test_b64_round_trip(void)
{
    uint8_t in[300], out[300];
    char text[CODEC_B64_LEN(300) + 1];
    int bad = 0;

    for (int iter = 0; iter < 2000; iter++) {
        size_t n = (size_t)(check_rand(&rng) % sizeof in);
        for (size_t j = 0; j < n; j++)
            in[j] = (uint8_t)check_rand(&rng);
        size_t t = codec_b64_encode(in, n, text);
        bad += t != CODEC_B64_LEN(n) || text[t] != '\0';
        bad += codec_b64_decode(text, t, out, n) != (int)n ||
               memcmp(in, out, n) != 0;
        /* One byte short of room. */
        if (n > 0)
            bad += codec_b64_decode(text, t, out, n - 1) != CODEC_ERR_SPACE;
    }
    CHECK_MSG(bad == 0, "%d round-trip failures", bad);
}

static void test_b64_malformed(void)
{
    static const char *bad[] = {
        "Zg",       /* missing padding */
        "Zg=",      /* short padding */
        "Zm8",      /* missing padding */
        "Zm9vY",    /* length not a multiple of 4 */
        "Zg===",    /* too much padding */
        "Z===",     /* three padding characters */
        "====",     /* only padding */
        "=Zm8",     /* padding first */
        "Z=g=",     /* padding inside a group */
        "Zg=a",     /* data after padding */
        "Zg==Zg==", /* padding before the end */
        "Zm8=Zm9v", /* padding before the end */
        "Zh==",     /* non-zero unused bits (4) */
        "Zm9=",     /* non-zero unused bits (2) */
        "Zm9v\n",   /* trailing newline */
        " Zm9v",    /* leading space */
        "Zm 9v",    /* inner space */
        "Zm-v",     /* URL-safe alphabet */
        "Zm_v",     /* URL-safe alphabet */
        "Zm9v====", /* a whole group of padding */
        "Zm\x80v",  /* non-ASCII */
        "Zm.v",     /* punctuation */
    };
    static const char nul[] = "Zm\0v";
    uint8_t out[16];

    for (size_t j = 0; j < sizeof bad / sizeof bad[0]; j++) {
        int r = b64_decode_str(bad[j], out, sizeof out);
        CHECK_MSG(r == CODEC_ERR_SYNTAX, "accepted \"%s\" (%d)", bad[j], r);
    }
    CHECK(codec_b64_decode(nul, 4, out, sizeof out) == CODEC_ERR_SYNTAX);
}

/* For every final character: "A" + c + "==" decodes iff the 4 unused bits
 * are zero; "AA" + c + "=" iff the 2 unused bits are zero. */
static void test_b64_unused_bits(void)
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    uint8_t out[4];
    int ok2 = 0, ok1 = 0, bad = 0;

    for (int v = 0; v < 64; v++) {
        char two[5] = {'A', alphabet[v], '=', '=', 0};
        char one[5] = {'A', 'A', alphabet[v], '=', 0};
        int r2 = b64_decode_str(two, out, sizeof out), r1;

        if ((v & 15) == 0) {
            ok2++;
            bad += r2 != 1 || out[0] != (uint8_t)(v >> 4);
        } else {
            bad += r2 != CODEC_ERR_SYNTAX;
        }
        r1 = b64_decode_str(one, out, sizeof out);
        if ((v & 3) == 0) {
            ok1++;
            bad += r1 != 2 || out[0] != 0 || out[1] != (uint8_t)(v >> 2);
        } else {
            bad += r1 != CODEC_ERR_SYNTAX;
        }
    }
    CHECK(ok2 == 4 && ok1 == 16);
    CHECK_MSG(bad == 0, "%d final characters misjudged", bad);
}

static void test_hex(void)
{
    static const uint8_t bytes[] = {0x00, 0x01, 0xab, 0xcd, 0xef, 0xff, 0x9a};
    char text[2 * sizeof bytes + 1];
    uint8_t out[sizeof bytes];

    codec_hex_encode(bytes, sizeof bytes, text);
    CHECK(strcmp(text, "0001abcdefff9a") == 0);
    codec_hex_encode(bytes, 0, text);
    CHECK(text[0] == '\0');

    CHECK(codec_hex_decode("0001abcdefff9a", 14, out, 7) == 0 &&
          memcmp(out, bytes, 7) == 0);
    CHECK(codec_hex_decode("0001ABCDEFFF9A", 14, out, 7) == 0 &&
          memcmp(out, bytes, 7) == 0);
    CHECK(codec_hex_decode("0001aBcDeFfF9a", 14, out, 7) == 0 &&
          memcmp(out, bytes, 7) == 0);
    CHECK(codec_hex_decode("", 0, out, 0) == 0);

    /* Wrong lengths: odd, short, long. */
    CHECK(codec_hex_decode("0001abcdefff9", 13, out, 7) == CODEC_ERR_SYNTAX);
    CHECK(codec_hex_decode("0001abcdefff", 12, out, 7) == CODEC_ERR_SYNTAX);
    CHECK(codec_hex_decode("0001abcdefff9a00", 16, out, 7) == CODEC_ERR_SYNTAX);
    CHECK(codec_hex_decode("abc", 3, out, 1) == CODEC_ERR_SYNTAX);

    /* Every non-hex byte in either position of a digit pair. */
    for (int c = 0; c < 256; c++) {
        char pair[2];
        bool is_hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
                      (c >= 'A' && c <= 'F');
        pair[0] = (char)c;
        pair[1] = '0';
        int r0 = codec_hex_decode(pair, 2, out, 1);
        pair[0] = '0';
        pair[1] = (char)c;
        int r1 = codec_hex_decode(pair, 2, out, 1);
        if (is_hex != (r0 == 0) || is_hex != (r1 == 0))
            CHECK_MSG(0, "hex digit 0x%02x misjudged", c);
    }
    CHECK(codec_hex_decode("0x", 2, out, 1) == CODEC_ERR_SYNTAX);
    CHECK(codec_hex_decode("-1", 2, out, 1) == CODEC_ERR_SYNTAX);
    CHECK(codec_hex_decode(" 1", 2, out, 1) == CODEC_ERR_SYNTAX);
}

/* Base64 text turned into unpadded base64url, in place. */
static size_t to_b64url(char *t, size_t n)
{
    while (n > 0 && t[n - 1] == '=')
        n--;
    for (size_t i = 0; i < n; i++)
        t[i] = t[i] == '+' ? '-' : t[i] == '/' ? '_' : t[i];
    t[n] = '\0';
    return n;
}

static void test_b64url(void)
{
    uint8_t in[300], out[300];
    char text[CODEC_B64_LEN(300) + 1];
    int bad = 0, alphabet = 0;

    for (int iter = 0; iter < 2000; iter++) {
        size_t n = (size_t)(check_rand(&rng) % sizeof in);
        for (size_t j = 0; j < n; j++)
            in[j] = (uint8_t)check_rand(&rng);
        size_t t = to_b64url(text, codec_b64_encode(in, n, text));
        bad += codec_b64url_decode(text, t, out, n) != (int)n ||
               memcmp(in, out, n) != 0;
        bad += codec_b64url_decode(text, t, NULL, 0) != (int)n;
        if (n > 0)
            bad += codec_b64url_decode(text, t, out, n - 1) != CODEC_ERR_SPACE;
    }
    CHECK_MSG(bad == 0, "%d base64url round-trip failures", bad);
    /* The JOSE header {"alg":"EdDSA"}, and what is refused. */
    CHECK(codec_b64url_decode("eyJhbGciOiJFZERTQSJ9", 20, out, sizeof out) ==
              15 &&
          memcmp(out, "{\"alg\":\"EdDSA\"}", 15) == 0);
    CHECK(codec_b64url_decode("", 0, out, 0) == 0);
    CHECK(codec_b64url_decode("QQ==", 4, out, sizeof out) == CODEC_ERR_SYNTAX);
    CHECK(codec_b64url_decode("a+b/", 4, out, sizeof out) == CODEC_ERR_SYNTAX);
    CHECK(codec_b64url_decode("QUJDR", 5, out, sizeof out) == CODEC_ERR_SYNTAX);
    CHECK(codec_b64url_decode("QU JD", 5, NULL, 0) == CODEC_ERR_SYNTAX);
    for (int c = 0; c < 256; c++) {
        bool want = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                    (c >= '0' && c <= '9') || c == '-' || c == '_';
        alphabet += codec_b64url_char((char)c) != want;
    }
    CHECK_MSG(alphabet == 0, "%d characters misjudged", alphabet);
}

int main(void)
{
    test_b64_vectors();
    test_b64_round_trip();
    test_b64_malformed();
    test_b64_unused_bits();
    test_hex();
    test_b64url();
    return check_finish();
}
