/*
 * fuzz_codec_hex.c: codec_hex_decode() (proofs/codec.h), used for every
 * credential hash in a URL or JSON document.
 *
 * Invariants:
 *  - an input of odd length, or decoded to the wrong length, is refused;
 *  - decoding then encoding gives the input back with upper case folded to
 *    lower case, and nothing but [0-9a-fA-F] decodes;
 *  - the other direction: encoding the input's bytes gives 2*size lowercase
 *    digits that decode back to them.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "proofs/codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    uint8_t *out = malloc(size / 2 + 1);
    char *enc = malloc(2 * size + 1);
    int rc;

    if (out == NULL || enc == NULL)
        abort();
    rc = codec_hex_decode(text, size, out, size / 2);
    if (size % 2 != 0) {
        FUZZ_ASSERT(rc == CODEC_ERR_SYNTAX);
    } else if (rc == 0) {
        codec_hex_encode(out, size / 2, enc);
        FUZZ_ASSERT(enc[size] == '\0');
        for (size_t i = 0; i < size; i++) {
            FUZZ_ASSERT(isxdigit((unsigned char)text[i]));
            FUZZ_ASSERT(enc[i] == tolower((unsigned char)text[i]));
        }
    } else {
        size_t i = 0;
        FUZZ_ASSERT(rc == CODEC_ERR_SYNTAX);
        while (i < size && isxdigit((unsigned char)text[i]))
            i++;
        FUZZ_ASSERT(i < size);
    }
    if (size > 0)
        FUZZ_ASSERT(codec_hex_decode(text, size, out, size / 2 + 1) ==
                    CODEC_ERR_SYNTAX);

    codec_hex_encode(data, size, enc);
    FUZZ_ASSERT(strlen(enc) == 2 * size);
    for (size_t i = 0; i < 2 * size; i++)
        FUZZ_ASSERT((enc[i] >= '0' && enc[i] <= '9') ||
                    (enc[i] >= 'a' && enc[i] <= 'f'));
    {
        uint8_t *back = malloc(size + 1);
        if (back == NULL)
            abort();
        FUZZ_ASSERT(codec_hex_decode(enc, 2 * size, back, size) == 0);
        FUZZ_ASSERT(memcmp(back, data, size) == 0);
        free(back);
    }
    free(out);
    free(enc);
    return 0;
}
