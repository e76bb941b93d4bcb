/*
 * test_compact.c: the compact range in proofs/compact.h.
 *
 * 1. Known answers: the roots of tests/data/tlog-vectors.json (Go's
 *    sumdb/tlog) for every size, built by compact_append().
 * 2. Exhaustive: every size up to EXHAUSTIVE_MAX against merkle.h: the hashes
 *    each append produces equal merkle_append_hashes() (read from a plain
 *    array of stored hashes), the root equals merkle_tree_hash(), the range
 *    rebuilt from stored hashes (compact_needed/compact_from_stored) equals
 *    the appended one, and the encoding round-trips.
 * 3. Rejects: every wrong length and an oversized size fail to decode; the
 *    range refuses to grow past COMPACT_MAX_SIZE; the largest sizes list the
 *    right number of hashes.
 */
#include "check.h"
#include "proofs/compact.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define EXHAUSTIVE_MAX 4100

typedef uint8_t hash_t[MERKLE_HASH_SIZE];

/* Equal when their sizes and the hashes of every set bit agree. */
static bool range_equal(const struct compact_range *a,
                        const struct compact_range *b)
{
    if (a->size != b->size)
        return false;
    for (int l = 0; l < COMPACT_LEVELS; l++)
        if (((a->size >> l) & 1) &&
            memcmp(a->hashes[l], b->hashes[l], MERKLE_HASH_SIZE) != 0)
            return false;
    return true;
}

static void test_vectors(void)
{
    json_t *v = check_load_json("tlog-vectors.json");
    json_t *entries = json_object_get(v, "entries_hex");
    json_t *roots = json_object_get(v, "roots");
    struct compact_range r;
    hash_t want, got, leaf;
    size_t n = json_array_size(entries);

    REQUIRE(n > 0 && json_array_size(roots) == n + 1);
    compact_init(&r);
    for (size_t i = 0; i <= n; i++) {
        check_hex_n(json_string_value(json_array_get(roots, i)), want, 32);
        compact_root(&r, got);
        CHECK_MSG(memcmp(got, want, 32) == 0, "root of size %zu", i);
        if (i == n)
            break;
        size_t len;
        uint8_t *data =
            check_hex(json_string_value(json_array_get(entries, i)), &len);
        merkle_leaf_hash(data, len, leaf);
        free(data);
        CHECK(compact_append(&r, leaf, NULL) == merkle_append_count(i));
    }
    json_decref(v);
}

static void test_exhaustive(void)
{
    size_t cap = 2 * EXHAUSTIVE_MAX + 64;
    hash_t *stored = calloc(cap, sizeof *stored);
    hash_t need[MERKLE_MAX_NEEDED], want[64], got[COMPACT_MAX_COMPLETED];
    hash_t leaf, root_want, root_got, from[COMPACT_LEVELS];
    uint64_t idx[MERKLE_MAX_NEEDED], cidx[COMPACT_LEVELS];
    uint8_t enc[COMPACT_ENCODED_MAX];
    struct compact_range r, s, d;
    unsigned long bad_append = 0, bad_root = 0, bad_stored = 0, bad_enc = 0;

    REQUIRE(stored != NULL);
    compact_init(&r);
    for (uint64_t n = 0; n <= EXHAUSTIVE_MAX; n++) {
        /* The range of n leaves: its root and its rebuild from storage. */
        int k = merkle_tree_hash_needed(n, idx);
        for (int i = 0; i < k; i++)
            memcpy(need[i], stored[idx[i]], 32);
        merkle_tree_hash(n, (const hash_t *)need, root_want);
        compact_root(&r, root_got);
        bad_root += memcmp(root_got, root_want, 32) != 0;

        int c = compact_needed(n, cidx);
        bad_stored += c != k || c != __builtin_popcountll(n) ||
                      (k > 0 && memcmp(cidx, idx, (size_t)k * 8) != 0);
        for (int i = 0; i < c && i < k; i++)
            memcpy(from[i], stored[cidx[i]], 32);
        memset(&s, 0xa5, sizeof s);
        bad_stored += compact_from_stored(&s, n, (const hash_t *)from) != 0 ||
                      !range_equal(&s, &r);

        size_t len = compact_encode(&r, enc);
        memset(&d, 0x5a, sizeof d);
        bad_enc += len != 8 + 32 * (size_t)__builtin_popcountll(n) ||
                   compact_decode(&d, enc, len) != 0 || !range_equal(&d, &r);

        if (n == EXHAUSTIVE_MAX)
            break;
        /* Append leaf n, to the range and to the plain store. */
        uint8_t data[8];
        for (int i = 0; i < 8; i++)
            data[i] = (uint8_t)(n >> (56 - 8 * i));
        merkle_leaf_hash(data, sizeof data, leaf);
        k = merkle_append_needed(n, idx);
        for (int i = 0; i < k; i++)
            memcpy(need[i], stored[idx[i]], 32);
        merkle_append_hashes(n, leaf, (const hash_t *)need, want);
        int m = merkle_append_count(n);
        memset(got, 0, sizeof got);
        bad_append += compact_append(&r, leaf, got) != m ||
                      memcmp(got, want, (size_t)m * 32) != 0 || r.size != n + 1;
        memcpy(stored[merkle_stored_count(n)], want, (size_t)m * 32);
    }
    CHECK_MSG(bad_append == 0, "%lu appends differ", bad_append);
    CHECK_MSG(bad_root == 0, "%lu roots differ", bad_root);
    CHECK_MSG(bad_stored == 0, "%lu rebuilds differ", bad_stored);
    CHECK_MSG(bad_enc == 0, "%lu encodings differ", bad_enc);
    free(stored);
}

static void test_rejects(void)
{
    uint8_t enc[COMPACT_ENCODED_MAX + 40];
    uint64_t idx[COMPACT_LEVELS];
    struct compact_range r, before;
    hash_t leaf = {1}, out[COMPACT_MAX_COMPLETED];
    size_t len;

    /* Every wrong length of a 13-leaf range (3 hashes) fails. */
    compact_init(&r);
    for (int i = 0; i < 13; i++)
        compact_append(&r, leaf, NULL);
    len = compact_encode(&r, enc);
    CHECK(len == 8 + 3 * 32);
    before = r;
    for (size_t l = 0; l < sizeof enc; l++)
        if (l != len)
            CHECK_MSG(compact_decode(&r, enc, l) == COMPACT_ERR_DECODE,
                      "length %zu", l);
    CHECK(memcmp(&r, &before, sizeof r) == 0);
    CHECK(compact_decode(&r, enc, len) == 0 && range_equal(&r, &before));

    /* A size past COMPACT_MAX_SIZE (2^63), with the right number of hashes
     * (one). */
    memset(enc, 0, 8);
    enc[0] = 0x80;
    CHECK(compact_decode(&r, enc, 8 + 32) == COMPACT_ERR_DECODE);
    CHECK(compact_needed(UINT64_MAX, idx) == COMPACT_ERR_RANGE);
    CHECK(compact_from_stored(&r, UINT64_MAX, out) == COMPACT_ERR_RANGE);
    CHECK(memcmp(&r, &before, sizeof r) == 0);

    /* The largest sizes. */
    CHECK(compact_needed(COMPACT_MAX_SIZE, idx) == 63);
    CHECK(idx[62] == merkle_stored_index(0, COMPACT_MAX_SIZE - 1));
    CHECK(compact_needed((uint64_t)1 << 62, idx) == 1 &&
          idx[0] == merkle_stored_index(62, 0));
    memset(out, 7, sizeof out);
    CHECK(compact_from_stored(&r, COMPACT_MAX_SIZE, out) == 0);
    len = compact_encode(&r, enc);
    CHECK(len == COMPACT_ENCODED_MAX);
    CHECK(compact_decode(&before, enc, len) == 0 && range_equal(&before, &r));
    CHECK(compact_append(&r, leaf, out) == COMPACT_ERR_RANGE &&
          r.size == COMPACT_MAX_SIZE);
    /* One below the maximum: the carry runs through 62 levels. */
    CHECK(compact_from_stored(&r, COMPACT_MAX_SIZE - 1, out) == 0);
    CHECK(compact_append(&r, leaf, out) ==
          merkle_append_count(COMPACT_MAX_SIZE - 1));
    CHECK(r.size == COMPACT_MAX_SIZE);

    CHECK(strcmp(compact_strerror(COMPACT_ERR_RANGE),
                 compact_strerror(COMPACT_ERR_DECODE)) != 0);
}

int main(void)
{
    test_vectors();
    test_exhaustive();
    test_rejects();
    return check_finish();
}
