/*
 * fuzz_png.c: the PNG baked-badge container (proofs/credkey_png.h) and
 * credkey/v1 on whatever it finds (proofs/credkey.h).
 *
 * Invariants:
 *  - extraction returns 0 or one of the container's errors, with a message;
 *    on success the text lies inside the input and is valid UTF-8;
 *  - credkey_compute() on the input (auto) returns 0 or a credkey error,
 *    and on a PNG that succeeds only with the credential taken from the PNG
 *    (container png), never with the image as bytes;
 *  - baking: the input put as the text of an openbadgecredential iTXt
 *    chunk of a valid PNG (right lengths and CRCs) comes back byte for byte
 *    when it is UTF-8, and is refused as not UTF-8 otherwise.
 *
 * Seeds (corpus/png/v-*): every PNG of tests/data/credkey-v1.json (keys and
 * rejects), written once with a short script.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "proofs/credkey.h"
#include "proofs/credkey_png.h"
#include "proofs/jcs.h"

static uint32_t crc(const uint8_t *p, size_t n)
{
    uint32_t c = 0xffffffffu;

    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1)));
    }
    return ~c;
}

static void be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char kw[] = "openbadgecredential\0\0\0\0\0";
    char why[CREDKEY_WHY_MAX] = "";
    struct credkey_result r;
    const uint8_t *text;
    size_t tlen, n, dlen = sizeof kw - 1 + size;
    uint8_t *png;
    int rc;

    rc = credkey_png_extract(data, size, &text, &tlen, why);
    FUZZ_ASSERT(rc == 0 || rc == CREDKEY_ERR_PNG || rc == CREDKEY_ERR_PNG_CRC ||
                rc == CREDKEY_ERR_PNG_COMPRESSED ||
                rc == CREDKEY_ERR_TEXT_UTF8 || rc == CREDKEY_ERR_NO_CREDENTIAL);
    FUZZ_ASSERT(rc == 0 || why[0] != '\0');
    if (rc == 0) {
        FUZZ_ASSERT(text >= data && tlen <= size &&
                    (size_t)(text - data) <= size - tlen);
        FUZZ_ASSERT(jcs_utf8_check(text, tlen) == tlen);
    }
    rc = credkey_compute(data, size, CREDKEY_PROFILE_AUTO, NULL, 0, &r, why);
    FUZZ_ASSERT(rc == 0 || CREDLOG_ERR_IN(rc, CREDKEY_ERR_BASE));
    if (rc == 0 && credkey_png_is(data, size))
        FUZZ_ASSERT(r.container == CREDKEY_CONTAINER_PNG);

    /* Bake the input and find it again. */
    png = malloc(8 + 12 + dlen + 12);
    if (png == NULL)
        abort();
    memcpy(png, CREDKEY_PNG_SIGNATURE, 8);
    be32(png + 8, (uint32_t)dlen);
    memcpy(png + 12, "iTXt", 4);
    memcpy(png + 16, kw, sizeof kw - 1);
    if (size > 0)
        memcpy(png + 16 + sizeof kw - 1, data, size);
    be32(png + 16 + dlen, crc(png + 12, dlen + 4));
    n = 20 + dlen;
    memcpy(png + n, "\0\0\0\0IEND\xae\x42\x60\x82", 12);
    n += 12;
    rc = credkey_png_extract(png, n, &text, &tlen, why);
    if (jcs_utf8_check(data, size) == size)
        FUZZ_ASSERT(rc == 0 && tlen == size &&
                    (size == 0 || memcmp(text, data, size) == 0));
    else
        FUZZ_ASSERT(rc == CREDKEY_ERR_TEXT_UTF8);
    free(png);
    return 0;
}
