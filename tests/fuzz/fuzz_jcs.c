/*
 * fuzz_jcs.c: the I-JSON reader and RFC 8785 writer (proofs/jcs.h), the
 * heart of credkey/v1's json profile.
 *
 * Invariants:
 *  - the result is 0 or one of the reader's errors, with an offset inside
 *    the input and a message;
 *  - canonical output is valid UTF-8 and bounded: at most 6 bytes per input
 *    byte (the worst case is "1e20" becoming 21 digits);
 *  - canonicalizing canonical text is the identity;
 *  - the same input wrapped as {"v": INPUT} canonicalizes to
 *    {"v":CANONICAL} (members and nesting do not change a value's form),
 *    unless the extra level crosses the depth limit.
 *
 * Seeds (corpus/jcs/v-*): every JSON text of tests/data/credkey-v1.json
 * (keys, JCS outputs and rejects), written once by hand with a short
 * script; the driver replays them as the regression test fuzz/jcs.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "proofs/jcs.h"

static bool reader_error(int rc)
{
    return rc == CREDKEY_ERR_JSON_SYNTAX || rc == CREDKEY_ERR_JSON_UTF8 ||
           rc == CREDKEY_ERR_JSON_DUP || rc == CREDKEY_ERR_JSON_SURR ||
           rc == CREDKEY_ERR_JSON_NUMBER || rc == CREDKEY_ERR_JSON_DEPTH;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char why[CREDKEY_WHY_MAX] = "";
    uint8_t *out, *again, *wrapped, *wout;
    size_t n, n2, off = (size_t)-1, wn;
    int rc;

    rc = jcs_canonicalize(data, size, &out, &n, &off, why);
    if (rc != 0) {
        FUZZ_ASSERT(reader_error(rc) || rc == CREDKEY_ERR_NOMEM);
        FUZZ_ASSERT(off <= size && why[0] != '\0' && out == NULL);
        return 0;
    }
    FUZZ_ASSERT(n <= 6 * size);
    FUZZ_ASSERT(jcs_utf8_check(out, n) == n);
    FUZZ_ASSERT(jcs_canonicalize(out, n, &again, &n2, NULL, NULL) == 0);
    FUZZ_ASSERT(n2 == n && memcmp(again, out, n) == 0);
    free(again);

    wrapped = malloc(size + 6);
    if (wrapped == NULL)
        abort();
    memcpy(wrapped, "{\"v\":", 5);
    memcpy(wrapped + 5, data, size);
    wrapped[size + 5] = '}';
    /* A BOM is allowed only at the very start. */
    if (!(size >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0)) {
        rc = jcs_canonicalize(wrapped, size + 6, &wout, &wn, NULL, NULL);
        FUZZ_ASSERT(rc == 0 || rc == CREDKEY_ERR_JSON_DEPTH);
        if (rc == 0) {
            FUZZ_ASSERT(wn == n + 6 && memcmp(wout, "{\"v\":", 5) == 0 &&
                        memcmp(wout + 5, out, n) == 0 && wout[wn - 1] == '}');
            free(wout);
        }
    }
    free(wrapped);
    free(out);
    return 0;
}
