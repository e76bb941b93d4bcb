/*
 * test_tile.c: C2SP tlog-tiles coordinates, paths and entry bundles
 * (proofs/tile.h).
 *
 * - The C2SP example: a tree of 70,000 leaves has 273 full level-0 tiles,
 *   a level-0 .p/112, one full level-1 tile, a level-1 .p/17 and a level-2
 *   .p/1, and every other tile is absent.
 * - The width rule floor(s / 256^l) mod 256 over random sizes.
 * - Canonical paths round-trip; at least 30 malformed paths are refused.
 * - Tile contents: a real tree of 70,000 leaves is built with merkle.h; each
 *   level-1 hash is the Merkle tree hash of the full level-0 tile below it,
 *   and the level-2 partial tile's hash that of the full level-1 tile.
 * - Entry bundles round-trip; every truncation is refused.
 */
#include "check.h"
#include "proofs/merkle.h"
#include "proofs/tile.h"

#include <stdlib.h>
#include <string.h>

typedef uint8_t hash_t[MERKLE_HASH_SIZE];

static uint64_t rng = 0x2545f4914f6cdd1du;

static bool tile_eq(const struct tile *a, int level, uint64_t index,
                    unsigned width)
{
    return a->level == level && a->index == index && a->width == width;
}

static void test_example(void)
{
    struct tile t;

    CHECK(tile_level_size(0, 70000) == 70000);
    CHECK(tile_level_size(1, 70000) == 273);
    CHECK(tile_level_size(2, 70000) == 1);
    CHECK(tile_level_size(3, 70000) == 0);
    CHECK(tile_level_size(TILE_LEVEL_ENTRIES, 70000) == 70000);
    CHECK(tile_level_size(63, UINT64_MAX) == 0);
    CHECK(tile_level_size(7, UINT64_MAX) == 255);

    CHECK(tile_last_at_level(0, 70000, &t) && tile_eq(&t, 0, 273, 112));
    CHECK(tile_last_at_level(1, 70000, &t) && tile_eq(&t, 1, 1, 17));
    CHECK(tile_last_at_level(2, 70000, &t) && tile_eq(&t, 2, 0, 1));
    CHECK(!tile_last_at_level(3, 70000, &t));
    CHECK(tile_last_at_level(TILE_LEVEL_ENTRIES, 70000, &t) &&
          tile_eq(&t, TILE_LEVEL_ENTRIES, 273, 112));
    CHECK(!tile_last_at_level(0, 0, &t));
    CHECK(tile_last_at_level(0, 512, &t) && tile_eq(&t, 0, 1, 256));
    CHECK(tile_last_at_level(1, 65536, &t) && tile_eq(&t, 1, 0, 256));

    /* Exactly the expected tiles exist at each level: the full ones, and
     * partial widths 1..W of the one partial tile. */
    for (int level = -1; level <= 3; level++) {
        static const unsigned want_full[] = {273, 273, 1, 0, 0};
        static const unsigned want_partial[] = {112, 112, 17, 1, 0};
        static const uint64_t want_index[] = {273, 273, 1, 0, 0};
        unsigned full = 0, partial = 0;
        uint64_t index = 0;

        for (uint64_t n = 0; n < 300; n++) {
            if (tile_exists(&(struct tile){level, n, TILE_WIDTH}, 70000)) {
                full++;
                continue;
            }
            for (unsigned w = 1; w < TILE_WIDTH; w++) {
                if (tile_exists(&(struct tile){level, n, w}, 70000)) {
                    partial++;
                    index = n;
                }
            }
        }
        CHECK_MSG(full == want_full[level + 1] &&
                      partial == want_partial[level + 1] &&
                      index == want_index[level + 1],
                  "level %d: %u full, %u partial at %llu", level, full, partial,
                  (unsigned long long)index);
    }
    CHECK(!tile_exists(&(struct tile){0, 273, 113}, 70000));
    CHECK(!tile_exists(&(struct tile){0, 0, 0}, 70000));
    CHECK(!tile_exists(&(struct tile){0, 0, 257}, 70000));
    CHECK(!tile_exists(&(struct tile){64, 0, 1}, UINT64_MAX));
    CHECK(!tile_exists(&(struct tile){-2, 0, 1}, UINT64_MAX));
    CHECK(tile_exists(&(struct tile){7, 0, 255}, UINT64_MAX));
    CHECK(!tile_exists(&(struct tile){7, 0, 256}, UINT64_MAX));
    CHECK(
        tile_exists(&(struct tile){0, UINT64_MAX / 256 - 1, 256}, UINT64_MAX));
    CHECK(tile_exists(&(struct tile){0, UINT64_MAX / 256, 255}, UINT64_MAX));
    CHECK(!tile_exists(&(struct tile){0, UINT64_MAX / 256, 256}, UINT64_MAX));
}

/* The last tile at each level follows C2SP's width rule. */
static void test_width_rule(void)
{
    int bad = 0;

    for (int j = 0; j < 100000; j++) {
        uint64_t s = check_rand(&rng) >> (j % 64);
        for (int l = 0; l <= 8; l++) {
            uint64_t items = l < 8 ? s >> (8 * l) : 0;
            uint64_t w = items % 256;
            struct tile t;
            bool got = tile_last_at_level(l, s, &t);

            if (items == 0)
                bad += got;
            else if (w != 0)
                bad += !got || !tile_eq(&t, l, items / 256, (unsigned)w) ||
                       !tile_exists(&t, s) || t.width != ((s >> 8 * l) & 255);
            else
                bad += !got || !tile_eq(&t, l, items / 256 - 1, 256) ||
                       !tile_exists(&t, s);
        }
    }
    CHECK_MSG(bad == 0, "%d sizes break the width rule", bad);
}

static void test_paths(void)
{
    static const struct {
        const char *path;
        int level;
        uint64_t index;
        unsigned width;
    } good[] = {
        {"tile/0/000", 0, 0, 256},
        {"tile/0/001", 0, 1, 256},
        {"tile/0/999", 0, 999, 256},
        {"tile/0/x001/000", 0, 1000, 256},
        {"tile/1/x001/x234/067", 1, 1234067, 256},
        {"tile/0/x001/x234/067.p/8", 0, 1234067, 8},
        {"tile/2/000.p/1", 2, 0, 1},
        {"tile/63/000.p/255", 63, 0, 255},
        {"tile/10/x100/000", 10, 100000, 256},
        {"tile/entries/000", TILE_LEVEL_ENTRIES, 0, 256},
        {"tile/entries/273.p/112", TILE_LEVEL_ENTRIES, 273, 112},
        {"tile/entries/x001/x234/067.p/255", TILE_LEVEL_ENTRIES, 1234067, 255},
        {"tile/0/x072/x057/x594/x037/x927/935", 0, UINT64_MAX / 256, 256},
    };
    char buf[TILE_PATH_MAX];
    struct tile t;
    int bad = 0;

    for (size_t j = 0; j < sizeof good / sizeof good[0]; j++) {
        const char *p = good[j].path;
        CHECK_MSG(tile_parse_path(p, strlen(p), &t) == 0 &&
                      tile_eq(&t, good[j].level, good[j].index, good[j].width),
                  "parse %s", p);
        CHECK_MSG(tile_format_path(&t, buf, sizeof buf) == (int)strlen(p) &&
                      strcmp(buf, p) == 0,
                  "format %s gave %s", p, buf);
    }

    /* Random tiles: format, parse back, format again. */
    for (int j = 0; j < 20000; j++) {
        struct tile r = {(int)(check_rand(&rng) % 65) - 1,
                         check_rand(&rng) >> (8 + j % 56),
                         1 + (unsigned)(check_rand(&rng) % 256)};
        int len = tile_format_path(&r, buf, sizeof buf);
        bad += len <= 0 || tile_parse_path(buf, (size_t)len, &t) != 0 ||
               !tile_eq(&t, r.level, r.index, r.width);
    }
    CHECK_MSG(bad == 0, "%d random tiles do not round-trip", bad);

    /* Output space and invalid tiles. */
    t = (struct tile){0, 1234067, 8};
    CHECK(tile_format_path(&t, buf, 25) == 24 && strlen(buf) == 24);
    CHECK(tile_format_path(&t, buf, 24) == TILE_ERR_SPACE);
    CHECK(tile_format_path(&(struct tile){0, 0, 0}, buf, sizeof buf) < 0);
    CHECK(tile_format_path(&(struct tile){0, 0, 257}, buf, sizeof buf) < 0);
    CHECK(tile_format_path(&(struct tile){64, 0, 1}, buf, sizeof buf) < 0);
    CHECK(tile_format_path(&(struct tile){-2, 0, 1}, buf, sizeof buf) < 0);
    CHECK(tile_format_path(&(struct tile){0, UINT64_MAX / 256 + 1, 1}, buf,
                           sizeof buf) < 0);
    t = (struct tile){TILE_LEVEL_ENTRIES, UINT64_MAX / 256, 255};
    CHECK(tile_format_path(&t, buf, sizeof buf) > 0 &&
          strlen(buf) < TILE_PATH_MAX);
}

static void test_malformed(void)
{
    static const char *bad[] = {
        "",
        "tile",
        "tile/",
        "tile/0",
        "tile/0/",
        "tile/0/1",
        "tile/0/01",
        "tile/0/0001",
        "tile/0/1000",
        "tile/00/000",
        "tile/01/000",
        "tile/64/000",
        "tile/100/000",
        "tile/-1/000",
        "tile/+1/000",
        "tile/0/x000/001",
        "tile/0/x000/x001/000",
        "tile/0/x1/000",
        "tile/0/x0001/000",
        "tile/0/x001",
        "tile/0/x001/",
        "tile/0/X001/000",
        "tile/0/x001x234/067",
        "tile/0/x001//067",
        "tile/0/000.p/0",
        "tile/0/000.p/256",
        "tile/0/000.p/01",
        "tile/0/000.p/",
        "tile/0/000.p",
        "tile/0/000.",
        "tile/0/000.p/1/",
        "tile/0/000.p/1.p/2",
        "tile/0/000.P/5",
        "tile/0/000.q/5",
        "tile/0/000.p/+5",
        "tile/0/000.p/-1",
        "tile/0/000.p/1a",
        "tile/0/000/",
        "tile/0/000/001",
        "/tile/0/000",
        "tile//0/000",
        "Tile/0/000",
        "tiles/0/000",
        "tile/entry/000",
        "tile/entries/",
        "tile/entries/1",
        "tile/entries/x000/001",
        "tile/entries/000.p/256",
        "tile/data/000",
        "tile/0/000 ",
        " tile/0/000",
        "tile/ 0/000",
        "tile/0/00a",
        "tile/0/+00",
        "tile/0/0x1",
        "tile/0/000?x=1",
        "tile/0/000%2e",
        "tile\\0\\000",
        "tile/8/x/000",
        "tile/0/x072/x057/x594/x037/x927/936",
        "tile/0/x999/x999/x999/x999/x999/x999/999",
        "tile/0/x001/x001/x001/x001/x001/x001/x001/000",
    };
    static const char nul[] = "tile/0/000\0";
    struct tile t = {5, 5, 5};
    size_t n = sizeof bad / sizeof bad[0];

    CHECK(n >= 30);
    for (size_t j = 0; j < n; j++)
        CHECK_MSG(tile_parse_path(bad[j], strlen(bad[j]), &t) ==
                      TILE_ERR_SYNTAX,
                  "accepted \"%s\"", bad[j]);
    CHECK(tile_parse_path(nul, sizeof nul - 1, &t) == TILE_ERR_SYNTAX);
    /* A refused parse leaves *out alone; len bounds the parse. */
    CHECK(tile_eq(&t, 5, 5, 5));
    CHECK(tile_parse_path("tile/0/0001", 10, &t) == 0 &&
          tile_eq(&t, 0, 0, 256));
    CHECK(tile_parse_path("tile/0/001.p/5", 11, &t) == TILE_ERR_SYNTAX);
    CHECK(strcmp(tile_strerror(TILE_ERR_SYNTAX),
                 tile_strerror(TILE_ERR_SPACE)) != 0);
}

/* MTH (RFC 6962 section 2.1) of a list of n >= 1 subtree hashes. */
static void mth_of(const hash_t *h, size_t n, hash_t out)
{
    size_t k = 1;
    hash_t l, r;

    if (n == 1) {
        memcpy(out, h[0], sizeof(hash_t));
        return;
    }
    while (2 * k < n)
        k *= 2;
    mth_of(h, k, l);
    mth_of(h + k, n - k, r);
    merkle_node_hash(l, r, out);
}

/* Copies n stored hashes (level, first .. first+n-1): a tile's contents. */
static void read_tile(const hash_t *h, int level, uint64_t first, size_t n,
                      hash_t *out)
{
    for (size_t x = 0; x < n; x++)
        memcpy(out[x], h[merkle_stored_index(level, first + x)],
               sizeof(hash_t));
}

/* Builds a real tree of 70,000 leaves and reads its tiles. */
static void test_contents(void)
{
    const uint64_t size = 70000;
    hash_t *h = malloc(2 * size * sizeof *h), *tile = malloc(256 * sizeof *h);
    uint64_t count = 0, idx[MERKLE_MAX_NEEDED];
    hash_t needed[64], root, want;
    int bad = 0;

    REQUIRE(h != NULL && tile != NULL);
    for (uint64_t n = 0; n < size; n++) {
        uint8_t e[8];
        hash_t leaf;
        int k = merkle_append_needed(n, idx);

        for (int j = 0; j < 8; j++)
            e[j] = (uint8_t)(n >> (8 * j));
        merkle_leaf_hash(e, sizeof e, leaf);
        for (int j = 0; j < k; j++)
            memcpy(needed[j], h[idx[j]], sizeof(hash_t));
        merkle_append_hashes(n, leaf, (const hash_t *)needed, h + count);
        count += (uint64_t)merkle_append_count(n);
    }
    REQUIRE(count == merkle_stored_count(size));

    /* Level-1 hash j is the MTH of full level-0 tile j. */
    for (uint64_t j = 0; j < 273; j++) {
        read_tile((const hash_t *)h, 0, 256 * j, 256, tile);
        mth_of((const hash_t *)tile, 256, want);
        bad += memcmp(h[merkle_stored_index(8, j)], want, 32) != 0;
    }
    CHECK_MSG(bad == 0, "%d level-1 hashes differ from their tiles", bad);

    /* Level 2's partial tile (width 1) is the MTH of full L1 tile 0. */
    read_tile((const hash_t *)h, 8, 0, 256, tile);
    mth_of((const hash_t *)tile, 256, want);
    CHECK(memcmp(h[merkle_stored_index(16, 0)], want, 32) == 0);

    /*
     * The root from the partial tiles alone, as a client computes it:
     * 70000 = 65536 + 4096 + 256 + 112 leaves, i.e. the L2 .p/1 hash, the
     * first 16 hashes of L1 .p/17, its 17th hash, and the L0 .p/112 tile.
     */
    {
        hash_t a, b, c, d;
        int k = merkle_tree_hash_needed(size, idx);

        REQUIRE(k > 0);
        for (int j = 0; j < k; j++)
            memcpy(needed[j], h[idx[j]], sizeof(hash_t));
        merkle_tree_hash(size, (const hash_t *)needed, root);

        read_tile((const hash_t *)h, 16, 0, 1, &a);
        read_tile((const hash_t *)h, 8, 256, 17, tile);
        mth_of((const hash_t *)tile, 16, b);
        memcpy(c, tile[16], sizeof c);
        read_tile((const hash_t *)h, 0, 273 * 256, 112, tile);
        mth_of((const hash_t *)tile, 112, d);
        merkle_node_hash(c, d, c);
        merkle_node_hash(b, c, b);
        merkle_node_hash(a, b, a);
        CHECK(memcmp(a, root, 32) == 0);
    }
    free(tile);
    free(h);
}

static void test_bundles(void)
{
    static const size_t lens[] = {0, 1, 2, 255, 256, 1000, 65535, 0, 7};
    const size_t n = sizeof lens / sizeof lens[0];
    size_t cap = 0, used = 0, pos = 0, len, bounds[16];
    uint8_t *buf, *src = malloc(TILE_ENTRY_MAX + 16); /* src + j, j < 16 */
    const uint8_t *e;
    int bad = 0, r;

    for (size_t j = 0; j < n; j++)
        cap += 2 + lens[j];
    buf = malloc(cap);
    REQUIRE(buf != NULL && src != NULL);
    for (size_t j = 0; j < TILE_ENTRY_MAX + 16; j++)
        src[j] = (uint8_t)(j * 31 + 7);

    for (size_t j = 0; j < n; j++) {
        CHECK(tile_bundle_append(buf, cap, &used, src + j, lens[j]) == 0);
        bounds[j] = used;
    }
    CHECK(used == cap);
    CHECK(buf[0] == 0 && buf[1] == 0 && buf[2] == 0 && buf[3] == 1);
    CHECK(tile_bundle_append(buf, cap, &used, src, 0) == TILE_ERR_SPACE);
    CHECK(tile_bundle_append(buf, cap + 1, &used, src, 0) == TILE_ERR_SPACE);
    CHECK(tile_bundle_append(buf, cap + 100, &used, src, TILE_ENTRY_MAX + 1) ==
          TILE_ERR_RANGE);
    CHECK(used == cap);

    /* Round trip. */
    for (size_t j = 0; j < n; j++) {
        r = tile_bundle_next(buf, used, &pos, &e, &len);
        CHECK(r == 1 && len == lens[j] && memcmp(e, src + j, len) == 0 &&
              pos == bounds[j]);
    }
    CHECK(tile_bundle_next(buf, used, &pos, &e, &len) == 0);
    CHECK(tile_bundle_next(buf, used, &pos, &e, &len) == 0);

    /* Every prefix: a clean end exactly at record boundaries, else an
     * error, and never a record read past the cut. */
    for (size_t cut = 0; cut <= used; cut++) {
        size_t records = 0, whole = 0;
        bool boundary = cut == 0;

        pos = 0;
        for (size_t j = 0; j < n; j++) {
            boundary |= bounds[j] == cut;
            whole += bounds[j] <= cut;
        }
        while ((r = tile_bundle_next(buf, cut, &pos, &e, &len)) == 1) {
            records++;
            bad += pos > cut;
        }
        if (boundary)
            bad += r != 0 || records != whole;
        else
            bad += r != TILE_ERR_SYNTAX;
    }
    CHECK_MSG(bad == 0, "%d truncations misread", bad);

    /* A length prefix claiming more than is there. */
    {
        const uint8_t lie[] = {0x00, 0x05, 'a', 'b', 'c', 'd'};
        pos = 0;
        CHECK(tile_bundle_next(lie, sizeof lie, &pos, &e, &len) ==
              TILE_ERR_SYNTAX);
        CHECK(pos == 0);
        pos = 7;
        CHECK(tile_bundle_next(lie, sizeof lie, &pos, &e, &len) ==
              TILE_ERR_SYNTAX);
    }
    free(src);
    free(buf);
}

int main(void)
{
    test_example();
    test_width_rule();
    test_paths();
    test_malformed();
    test_contents();
    test_bundles();
    return check_finish();
}
