/*
 * fuzz_tile_path.c: tile_parse_path() (proofs/tile.h), the parser of every
 * tile URL logd serves and the monitor requests.
 *
 * Invariants:
 *  - a parsed tile is in range (level 0..63 or entries, width 1..256);
 *  - the canonical form is the only form: formatting a parsed tile gives the
 *    input back byte for byte (so no two paths name one tile);
 *  - formatting needs exactly len+1 bytes (less gives TILE_ERR_SPACE);
 *  - the other direction: any in-range tile read from the input's bytes
 *    formats to a path that parses back to that tile (and a tile index no
 *    tree can reach, above 2^64/256, is refused);
 *  - the last tile at the tile's level for a tree of the input's size exists
 *    in that tree, and its path round-trips too.
 */
#include <string.h>

#include "fuzz.h"
#include "proofs/be.h"
#include "proofs/tile.h"

static int tile_equal(const struct tile *a, const struct tile *b)
{
    return a->level == b->level && a->index == b->index && a->width == b->width;
}

static void check_round_trip(const struct tile *t)
{
    char buf[TILE_PATH_MAX];
    struct tile back;
    int n = tile_format_path(t, buf, sizeof buf);

    FUZZ_ASSERT(n > 0 && (size_t)n < sizeof buf && buf[n] == '\0');
    FUZZ_ASSERT(tile_parse_path(buf, (size_t)n, &back) == 0);
    FUZZ_ASSERT(tile_equal(t, &back));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = (const char *)data;
    char buf[TILE_PATH_MAX];
    struct tile t;

    if (tile_parse_path(path, size, &t) == 0) {
        int n;

        FUZZ_ASSERT(t.level == TILE_LEVEL_ENTRIES ||
                    (t.level >= 0 && t.level <= TILE_MAX_LEVEL));
        FUZZ_ASSERT(t.width >= 1 && t.width <= TILE_WIDTH);
        n = tile_format_path(&t, buf, sizeof buf);
        FUZZ_ASSERT(n >= 0 && (size_t)n == size &&
                    memcmp(buf, path, size) == 0);
        FUZZ_ASSERT(tile_format_path(&t, buf, size) == TILE_ERR_SPACE);
        FUZZ_ASSERT(tile_format_path(&t, buf, size + 1) == (int)size);
        check_round_trip(&t);
        /* The tile exists in the smallest tree that determines it and not in
         * the one just smaller (at its level, tree sizes step by 256^L). */
        if (t.level <= 6 &&
            t.index < (UINT64_MAX >> (8 * (t.level < 0 ? 0 : t.level) + 9))) {
            int shift = 8 * (t.level < 0 ? 0 : t.level);
            uint64_t items = t.index * TILE_WIDTH + t.width;
            FUZZ_ASSERT(tile_exists(&t, items << shift));
            FUZZ_ASSERT(!tile_exists(&t, (items << shift) - 1));
        }
    }

    /* Bytes as a tile: level, 8 bytes of index, width; then a tree size. */
    if (size >= 10) {
        struct tile u, last;
        uint64_t tree_size = size >= 18 ? be_get64(data + 10) : size;

        u.level = (int)(data[0] % 65) - 1; /* -1 (entries) .. 63 */
        u.index = be_get64(data + 1);
        u.width = (unsigned)data[9] + 1;
        if (u.index <= UINT64_MAX / TILE_WIDTH)
            check_round_trip(&u);
        else /* no tree has a tile there */
            FUZZ_ASSERT(tile_format_path(&u, buf, sizeof buf) < 0);
        if (tile_last_at_level(u.level, tree_size, &last)) {
            FUZZ_ASSERT(last.level == u.level);
            FUZZ_ASSERT(last.width >= 1 && last.width <= TILE_WIDTH);
            FUZZ_ASSERT(tile_exists(&last, tree_size));
            FUZZ_ASSERT(tile_level_size(u.level, tree_size) ==
                        last.index * TILE_WIDTH + last.width);
            check_round_trip(&last);
        } else {
            FUZZ_ASSERT(tile_level_size(u.level, tree_size) == 0);
        }
    }
    return 0;
}
