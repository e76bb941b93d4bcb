/*
 * fuzz_tile_bundle.c: tile_bundle_next() (proofs/tile.h), which splits the
 * entry bundles a monitor downloads into entries.
 *
 * Invariants:
 *  - every record lies inside the bundle, right after its 2-byte length, and
 *    the position only moves forward, by exactly 2 + length;
 *  - a bundle that iterates to its clean end is rebuilt byte for byte by
 *    tile_bundle_append() from the records read; one that stops with
 *    TILE_ERR_SYNTAX has a rebuilt prefix equal to the bytes before the bad
 *    record, and that record is truly truncated;
 *  - tile_bundle_append() refuses (TILE_ERR_SPACE) one byte too little room
 *    and writes nothing then.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "proofs/tile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *rebuilt = malloc(size + 1);
    size_t pos = 0, used = 0, records = 0;
    int rc;

    if (rebuilt == NULL)
        abort();
    for (;;) {
        const uint8_t *entry = NULL;
        size_t len = 0, before = pos;

        rc = tile_bundle_next(data, size, &pos, &entry, &len);
        if (rc != 1) {
            FUZZ_ASSERT(pos == before);
            break;
        }
        records++;
        FUZZ_ASSERT(entry == data + before + 2);
        FUZZ_ASSERT(len <= TILE_ENTRY_MAX);
        FUZZ_ASSERT(pos == before + 2 + len && pos <= size);
        FUZZ_ASSERT(((size_t)data[before] << 8 | data[before + 1]) == len);
        if (len > 0) {
            size_t tight = used + 2 + len - 1;
            size_t keep = used;
            FUZZ_ASSERT(tile_bundle_append(rebuilt, tight, &used, entry, len) ==
                        TILE_ERR_SPACE);
            FUZZ_ASSERT(used == keep);
        }
        FUZZ_ASSERT(tile_bundle_append(rebuilt, size, &used, entry, len) == 0);
        FUZZ_ASSERT(used == pos);
    }
    FUZZ_ASSERT(records <= size / 2);
    FUZZ_ASSERT(memcmp(rebuilt, data, used) == 0);
    if (rc == 0) {
        FUZZ_ASSERT(pos == size && used == size);
    } else {
        FUZZ_ASSERT(rc == TILE_ERR_SYNTAX);
        FUZZ_ASSERT(pos < size);
        FUZZ_ASSERT(size - pos < 2 ||
                    size - pos - 2 < ((size_t)data[pos] << 8 | data[pos + 1]));
    }
    free(rebuilt);
    return 0;
}
