/*
 * credkey_png.c: finding the credential baked into a PNG. See
 * credkey_png.h.
 *
 * Nothing is decompressed and nothing but the bytes in hand is trusted: a
 * length is checked against what is left of the file before anything is
 * read, so a header claiming 1 GiB in a small file is refused at once. The
 * CRC-32 (ISO 3309, as PNG uses it) table is built on the stack per call
 * (1 KiB, 2048 shifts), which keeps the module free of static state.
 */
#include "proofs/credkey_png.h"

#include <stdio.h>
#include <string.h>

#include "proofs/be.h"
#include "proofs/jcs.h"

static void crc_table(uint32_t t[256])
{
    for (uint32_t n = 0; n < 256; n++) {
        uint32_t c = n;
        for (int k = 0; k < 8; k++)
            c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
        t[n] = c;
    }
}

static uint32_t crc32_png(const uint32_t t[256], const uint8_t *p, size_t n)
{
    uint32_t c = 0xffffffffu;

    for (size_t i = 0; i < n; i++)
        c = t[(c ^ p[i]) & 0xff] ^ (c >> 8);
    return c ^ 0xffffffffu;
}

bool credkey_png_is(const uint8_t *buf, size_t len)
{
    return len >= 8 && memcmp(buf, CREDKEY_PNG_SIGNATURE, 8) == 0;
}

/* The chunk type as printable text for messages. */
static void type_text(const uint8_t *t, char out[5])
{
    for (int i = 0; i < 4; i++)
        out[i] = t[i] >= 0x21 && t[i] <= 0x7e ? (char)t[i] : '?';
    out[4] = '\0';
}

static int fail(char *why, int err, const char *fmt, unsigned long idx,
                const char *type)
{
    if (why != NULL) {
        int n = snprintf(why, CREDKEY_WHY_MAX, "PNG chunk %lu", idx);
        if (type != NULL && n > 0 && n < CREDKEY_WHY_MAX)
            n += snprintf(why + n, CREDKEY_WHY_MAX - (size_t)n, " (%s)", type);
        if (n > 0 && n < CREDKEY_WHY_MAX)
            snprintf(why + n, CREDKEY_WHY_MAX - (size_t)n, ": %s", fmt);
    }
    return err;
}

/* Parses a credential iTXt chunk's data. */
static int itxt_text(const uint8_t *d, size_t n, size_t kwlen,
                     unsigned long idx, const uint8_t **text, size_t *text_len,
                     char *why)
{
    size_t i = kwlen + 1;
    const uint8_t *nul;

    if (n - i < 2)
        return fail(why, CREDKEY_ERR_PNG, "iTXt cut short after its keyword",
                    idx, "iTXt");
    if (d[i] != 0)
        return fail(why, CREDKEY_ERR_PNG_COMPRESSED,
                    "the credential's iTXt text is compressed (the Open "
                    "Badges baking specifications forbid it)",
                    idx, "iTXt");
    i += 2; /* compression flag and method */
    /* Language tag, then translated keyword, each NUL-terminated. */
    for (int field = 0; field < 2; field++) {
        nul = memchr(d + i, 0, n - i);
        if (nul == NULL)
            return fail(why, CREDKEY_ERR_PNG,
                        "iTXt without its language tag or translated "
                        "keyword",
                        idx, "iTXt");
        i = (size_t)(nul - d) + 1;
    }
    if (jcs_utf8_check(d + i, n - i) != n - i)
        return fail(why, CREDKEY_ERR_TEXT_UTF8,
                    "the credential's iTXt text is not UTF-8", idx, "iTXt");
    *text = d + i;
    *text_len = n - i;
    return 0;
}

int credkey_png_extract(const uint8_t *png, size_t len, const uint8_t **text,
                        size_t *text_len, char why[CREDKEY_WHY_MAX])
{
    uint32_t table[256];
    size_t pos = 8;
    unsigned long idx = 0;

    if (!credkey_png_is(png, len))
        return fail(why, CREDKEY_ERR_PNG, "no PNG signature", 0, NULL);
    crc_table(table);
    for (;; idx++) {
        const uint8_t *type, *data;
        uint32_t n;
        char tt[5];

        if (pos == len)
            break;
        if (len - pos < 12)
            return fail(why, CREDKEY_ERR_PNG,
                        "the file ends inside a chunk header", idx, NULL);
        n = be_get32(png + pos);
        type = png + pos + 4;
        type_text(type, tt);
        if (n > CREDKEY_PNG_CHUNK_MAX)
            return fail(why, CREDKEY_ERR_PNG, "chunk length over 2^31-1", idx,
                        tt);
        if (n > len - pos - 12)
            return fail(why, CREDKEY_ERR_PNG,
                        "chunk length runs past the end of the file", idx, tt);
        data = type + 4;
        if (crc32_png(table, type, (size_t)n + 4) != be_get32(data + n))
            return fail(why, CREDKEY_ERR_PNG_CRC, "CRC mismatch", idx, tt);
        pos += (size_t)n + 12;
        if (memcmp(type, "IEND", 4) == 0)
            break;
        if (memcmp(type, "iTXt", 4) == 0) {
            const uint8_t *nul = memchr(data, 0, n);
            size_t kw = nul != NULL ? (size_t)(nul - data) : 0;

            if (nul != NULL &&
                ((kw == 19 && memcmp(data, "openbadgecredential", 19) == 0) ||
                 (kw == 10 && memcmp(data, "openbadges", 10) == 0)))
                return itxt_text(data, n, kw, idx, text, text_len, why);
        }
    }
    return fail(why, CREDKEY_ERR_NO_CREDENTIAL,
                "the PNG holds no openbadgecredential or openbadges iTXt "
                "chunk",
                idx, NULL);
}
