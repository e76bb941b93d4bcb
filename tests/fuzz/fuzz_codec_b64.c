/*
 * fuzz_codec_b64.c: codec_b64_decode() (proofs/codec.h), strict padded
 * base64, used for every key, signature, root and entry credlog reads.
 *
 * Invariants:
 *  - canonical means unique: decoding then encoding gives the input back
 *    byte for byte (no whitespace, no missing padding, zero unused bits);
 *  - the decoded length is 3/4 of the input minus the padding, and one byte
 *    less room than that gives CODEC_ERR_SPACE;
 *  - the other direction: encoding the input's bytes gives
 *    CODEC_B64_LEN(size) characters that decode back to them.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "proofs/codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    size_t cap = size / 4 * 3 + 3;
    uint8_t *out = malloc(cap);
    char *enc = malloc(CODEC_B64_LEN(size) + 1);
    uint8_t *back = malloc(size + 1);
    int n;

    if (out == NULL || enc == NULL || back == NULL)
        abort();
    n = codec_b64_decode(text, size, out, cap);
    FUZZ_ASSERT(n >= 0 || n == CODEC_ERR_SYNTAX);
    if (n >= 0) {
        size_t pad, m;

        FUZZ_ASSERT(size % 4 == 0);
        pad = size == 0
                  ? 0
                  : (size_t)(text[size - 1] == '=') + (text[size - 2] == '=');
        FUZZ_ASSERT((size_t)n == size / 4 * 3 - pad);
        m = codec_b64_encode(out, (size_t)n, enc);
        FUZZ_ASSERT(m == size && memcmp(enc, text, size) == 0);
        if (n > 0)
            FUZZ_ASSERT(codec_b64_decode(text, size, out, (size_t)n - 1) ==
                        CODEC_ERR_SPACE);
    }

    /* Encode the input's bytes; they must come back. */
    {
        size_t m = codec_b64_encode(data, size, enc);
        FUZZ_ASSERT(m == CODEC_B64_LEN(size) && enc[m] == '\0');
        FUZZ_ASSERT(codec_b64_decode(enc, m, back, size + 1) == (int)size);
        FUZZ_ASSERT(memcmp(back, data, size) == 0);
    }
    free(out);
    free(enc);
    free(back);
    return 0;
}
