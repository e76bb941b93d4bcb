/*
 * fuzz_add_checkpoint.c: add_checkpoint_parse() (proofs/add_checkpoint.h),
 * the first thing a witness does with a request body.
 *
 * Invariants: an accepted body has at most 63 proof hashes and a non-empty
 * note inside the input, and writing the parsed request back gives exactly
 * the input (the format has one spelling of every request); a refused body
 * leaves the output zeroed.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "proofs/add_checkpoint.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct add_checkpoint r;
    static char buf[ADD_CHECKPOINT_MAX + 1];
    const char *body = (const char *)data;
    int n;

    if (add_checkpoint_parse(body, size, &r) != 0) {
        FUZZ_ASSERT(r.note == NULL && r.nproof == 0 && r.old_size == 0);
        return 0;
    }
    FUZZ_ASSERT(size <= ADD_CHECKPOINT_MAX);
    FUZZ_ASSERT(r.nproof <= ADD_CHECKPOINT_MAX_PROOF);
    FUZZ_ASSERT(r.note_len > 0 && r.note > body &&
                r.note + r.note_len == body + size);
    n = add_checkpoint_format(r.old_size,
                              (const uint8_t(*)[MERKLE_HASH_SIZE])r.proof,
                              r.nproof, r.note, r.note_len, buf, sizeof buf);
    FUZZ_ASSERT(n >= 0 && (size_t)n == size);
    FUZZ_ASSERT(memcmp(buf, body, size) == 0);
    return 0;
}
