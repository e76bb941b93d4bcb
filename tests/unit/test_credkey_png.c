/*
 * test_credkey_png.c: the PNG baked-badge container (proofs/credkey_png.h).
 *
 * PNGs are built here chunk by chunk with a CRC-32 computed bit by bit (a
 * second implementation, checked against the CRC of a real IHDR chunk).
 * - The credential chunk is found after other chunks (tEXt, IDAT, other
 *   iTXt keywords, near-miss keywords), and only the first one counts.
 * - Every bit of every CRC, and every data byte, flipped: a CRC error.
 * - Cut at every length: an error, never a read past the end (ASan), and
 *   NO_CREDENTIAL exactly at chunk boundaries before the credential.
 * - Lengths of 2^31, 2^32 - 1 and 1 GiB are refused without reading.
 * - IEND before the credential, a compressed credential chunk, missing iTXt
 *   separators, text that is not UTF-8.
 * - Through credkey_compute: the baked JSON has the key of the bare JSON.
 */
#include "check.h"
#include "proofs/credkey.h"
#include "proofs/credkey_png.h"

#include <stdlib.h>
#include <string.h>

static uint32_t crc_bitwise(const uint8_t *p, size_t n)
{
    uint32_t c = 0xffffffffu;

    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1)));
    }
    return ~c;
}

struct png {
    uint8_t b[8192];
    size_t n;
    size_t chunk_at[16]; /* offset of each chunk */
    int chunks;
};

static void be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static void png_start(struct png *p)
{
    memset(p, 0, sizeof *p);
    memcpy(p->b, "\x89PNG\r\n\x1a\n", 8);
    p->n = 8;
}

static void chunk(struct png *p, const char *type, const void *data, size_t len)
{
    p->chunk_at[p->chunks++] = p->n;
    be32(p->b + p->n, (uint32_t)len);
    memcpy(p->b + p->n + 4, type, 4);
    if (len > 0)
        memcpy(p->b + p->n + 8, data, len);
    be32(p->b + p->n + 8 + len, crc_bitwise(p->b + p->n + 4, len + 4));
    p->n += len + 12;
}

/* An iTXt chunk: keyword, flag, method, language, translated, text. */
static void itxt(struct png *p, const char *kw, uint8_t flag, const char *text)
{
    uint8_t d[4096];
    size_t n = strlen(kw);

    memcpy(d, kw, n);
    d[n++] = 0;
    d[n++] = flag;
    d[n++] = 0;
    memcpy(d + n, "nl\0Badge\0", 9);
    n += 9;
    memcpy(d + n, text, strlen(text));
    n += strlen(text);
    chunk(p, "iTXt", d, n);
}

static void ihdr(struct png *p)
{
    chunk(p, "IHDR", "\0\0\0\x20\0\0\0\x20\x08\x02\0\0\0", 13);
}

static int extract(const struct png *p, size_t len, char *text, size_t cap)
{
    const uint8_t *t;
    size_t n;
    char why[CREDKEY_WHY_MAX] = "";
    int rc = credkey_png_extract(p->b, len, &t, &n, why);

    if (rc == 0 && text != NULL) {
        CHECK(n < cap);
        memcpy(text, t, n < cap ? n : cap - 1);
        text[n < cap ? n : cap - 1] = '\0';
    }
    CHECK(rc == 0 || why[0] != '\0');
    return rc;
}

static void test_find(void)
{
    static const char cred[] = "{\"a\": [1.50, \"x\"]}";
    struct png p;
    char text[256];

    png_start(&p);
    ihdr(&p);
    /* The real IHDR CRC of a 32x32 RGB image (from the shared vectors). */
    CHECK(memcmp(p.b + 29, "\xfc\x18\xed\xa3", 4) == 0);
    chunk(&p, "tEXt", "openbadges\0{\"no\":1}", 20);
    itxt(&p, "openbadgesX", 0, "not this");
    itxt(&p, "OpenBadges", 0, "nor this");
    itxt(&p, "openbadge", 0, "nor this");
    chunk(&p, "IDAT", "\x78\x9c\x01\x02", 4);
    itxt(&p, "openbadges", 0, cred);
    itxt(&p, "openbadgecredential", 0, "second: ignored");
    chunk(&p, "IEND", NULL, 0);
    CHECK(extract(&p, p.n, text, sizeof text) == 0);
    CHECK(strcmp(text, cred) == 0);

    png_start(&p);
    ihdr(&p);
    itxt(&p, "openbadgecredential", 0, "");
    chunk(&p, "IEND", NULL, 0);
    CHECK(extract(&p, p.n, text, sizeof text) == 0 && text[0] == '\0');

    /* The chunk after IEND is never read. */
    png_start(&p);
    ihdr(&p);
    chunk(&p, "IEND", NULL, 0);
    itxt(&p, "openbadges", 0, cred);
    CHECK(extract(&p, p.n, NULL, 0) == CREDKEY_ERR_NO_CREDENTIAL);
    CHECK(credkey_png_is(p.b, p.n) && !credkey_png_is(p.b, 7));
    CHECK(extract(&p, 8, NULL, 0) == CREDKEY_ERR_NO_CREDENTIAL);
}

static void test_crc_and_truncation(void)
{
    struct png p;
    size_t cred_chunk;

    png_start(&p);
    ihdr(&p);
    chunk(&p, "tIME", "\x07\xea\x0c\x02\x00\x00\x00", 7);
    itxt(&p, "openbadgecredential", 0, "{\"k\":true}");
    cred_chunk = p.chunk_at[2];
    chunk(&p, "IEND", NULL, 0);
    REQUIRE(extract(&p, p.n, NULL, 0) == 0);
    /* Every bit of the CRCs and every byte of type and data up to the
     * credential chunk's end. */
    for (int c = 0; c < 3; c++) {
        size_t at = p.chunk_at[c], len = (size_t)p.b[at + 3];
        for (size_t i = at + 4; i < at + 12 + len; i++)
            for (int bit = 0; bit < 8; bit++) {
                int rc;
                p.b[i] ^= (uint8_t)(1u << bit);
                rc = extract(&p, p.n, NULL, 0);
                /* A flipped type byte may make the credential chunk
                 * another one; then the CRC still fails. */
                CHECK_MSG(rc == CREDKEY_ERR_PNG_CRC, "byte %zu bit %d: rc %d",
                          i, bit, rc);
                p.b[i] ^= (uint8_t)(1u << bit);
            }
    }
    /* Every cut. */
    for (size_t len = 0; len < p.n; len++) {
        uint8_t *copy = malloc(len ? len : 1);
        const uint8_t *t;
        size_t n;
        int rc, want;

        REQUIRE(copy != NULL);
        memcpy(copy, p.b, len);
        rc = credkey_png_extract(copy, len, &t, &n, NULL);
        if (len >= cred_chunk + 12 + p.b[cred_chunk + 3])
            want = 0;
        else if (len == 8 || len == p.chunk_at[1] || len == cred_chunk)
            want = CREDKEY_ERR_NO_CREDENTIAL;
        else
            want = CREDKEY_ERR_PNG;
        CHECK_MSG(rc == want, "cut at %zu: rc %d, want %d", len, rc, want);
        free(copy);
    }
}

static void test_lengths(void)
{
    static const uint32_t lens[] = {0x80000000u, 0xffffffffu, 1u << 30,
                                    0x7fffffffu, 100};
    struct png p;
    char why[CREDKEY_WHY_MAX];
    const uint8_t *t;
    size_t n;

    for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
        int rc;
        png_start(&p);
        ihdr(&p);
        itxt(&p, "openbadges", 0, "{}");
        be32(p.b + p.chunk_at[1], lens[i]);
        rc = credkey_png_extract(p.b, p.n, &t, &n, why);
        CHECK_MSG(rc == CREDKEY_ERR_PNG && strstr(why, "chunk 1 (iTXt)"),
                  "length %u: %d %s", lens[i], rc, why);
        CHECK(strstr(why, lens[i] > 0x7fffffffu ? "over 2^31-1"
                                                : "past the end") != NULL);
    }
}

static void test_itxt_fields(void)
{
    struct png p;
    uint8_t d[64];
    const uint8_t *t;
    size_t n;

    png_start(&p);
    ihdr(&p);
    itxt(&p, "openbadges", 1, "{}");
    CHECK(extract(&p, p.n, NULL, 0) == CREDKEY_ERR_PNG_COMPRESSED);

    png_start(&p);
    ihdr(&p);
    chunk(&p, "iTXt", "openbadges\0\0", 12); /* no method byte */
    CHECK(extract(&p, p.n, NULL, 0) == CREDKEY_ERR_PNG);

    png_start(&p);
    ihdr(&p);
    chunk(&p, "iTXt", "openbadges\0\0\0nl", 15); /* no NUL after "nl" */
    CHECK(extract(&p, p.n, NULL, 0) == CREDKEY_ERR_PNG);

    png_start(&p);
    ihdr(&p);
    chunk(&p, "iTXt", "openbadges\0\0\0nl\0", 16); /* no translated kw */
    CHECK(extract(&p, p.n, NULL, 0) == CREDKEY_ERR_PNG);

    png_start(&p);
    ihdr(&p);
    memcpy(d, "openbadges\0\0\0\0\0caf\xe9", 19);
    chunk(&p, "iTXt", d, 19);
    CHECK(extract(&p, p.n, NULL, 0) == CREDKEY_ERR_TEXT_UTF8);

    /* An iTXt without any NUL is no credential chunk: skipped. */
    png_start(&p);
    ihdr(&p);
    chunk(&p, "iTXt", "openbadges", 10);
    chunk(&p, "IEND", NULL, 0);
    CHECK(extract(&p, p.n, NULL, 0) == CREDKEY_ERR_NO_CREDENTIAL);
    CHECK(credkey_png_extract((const uint8_t *)"GIF89a", 6, &t, &n, NULL) ==
          CREDKEY_ERR_PNG);
}

static void test_through_credkey(void)
{
    static const char bare[] = "{\"b\": 1.0, \"a\": \"\\u00e9\"}";
    struct credkey_result r1, r2;
    char why[CREDKEY_WHY_MAX];
    struct png p;

    png_start(&p);
    ihdr(&p);
    itxt(&p, "openbadgecredential", 0, bare);
    chunk(&p, "IEND", NULL, 0);
    REQUIRE(credkey_compute(p.b, p.n, CREDKEY_PROFILE_AUTO, NULL, 0, &r1,
                            why) == 0);
    REQUIRE(credkey_compute((const uint8_t *)bare, sizeof bare - 1,
                            CREDKEY_PROFILE_AUTO, NULL, 0, &r2, why) == 0);
    CHECK(r1.profile == CREDKEY_PROFILE_JSON &&
          r1.container == CREDKEY_CONTAINER_PNG);
    CHECK(memcmp(r1.key, r2.key, 32) == 0);
    /* bytes, named, hashes the image. */
    REQUIRE(credkey_compute(p.b, p.n, CREDKEY_PROFILE_BYTES, NULL, 0, &r2,
                            why) == 0);
    CHECK(memcmp(r1.key, r2.key, 32) != 0);
    /* A JSON error inside the PNG says where it is. */
    png_start(&p);
    ihdr(&p);
    itxt(&p, "openbadgecredential", 0, "{\"a\":1,\"a\":2}");
    CHECK(credkey_compute(p.b, p.n, CREDKEY_PROFILE_AUTO, NULL, 0, &r1, why) ==
          CREDKEY_ERR_JSON_DUP);
    CHECK(strstr(why, "baked in the PNG") != NULL &&
          strstr(why, "at byte 7") != NULL);
}

int main(void)
{
    test_find();
    test_crc_and_truncation();
    test_lengths();
    test_itxt_fields();
    test_through_credkey();
    return check_finish();
}
