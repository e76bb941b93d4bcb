/*
 * tree.c: the stored-hash numbering, appends and the tree hash. See merkle.h.
 *
 * The numbering is Go's golang.org/x/mod/sumdb/tlog: the hashes are numbered
 * in the order an append-only writer produces them. Appending leaf n writes
 * its leaf hash, then the hash of every complete subtree that leaf finishes
 * (one per trailing 1 bit of n), smallest first. So a tree of n leaves has
 * 2n - popcount(n) stored hashes, one for every complete subtree.
 *
 * A range of leaves [lo, hi) whose start is aligned to its largest power of
 * two splits into complete subtrees of decreasing size, one per 1 bit of
 * hi - lo; the tree hash and both proofs are built from such ranges (Go's
 * subTreeIndex/subTreeHash).
 */
#include "proofs/merkle_internal.h"

#include <string.h>

uint64_t merkle_split_point(uint64_t n)
{
    return (uint64_t)1 << (merkle_bit_length(n - 1) - 1);
}

uint64_t merkle_stored_index(int level, uint64_t n)
{
    /*
     * The subtree (level, n) is written by the append of its last leaf,
     * m = (n+1)*2^level - 1. That append starts after the hashes of leaves
     * 0..m-1, stored_count(m) = m + m/2 + m/4 + ... = 2m - popcount(m) of
     * them, and writes the leaf hash and then one hash per level.
     */
    uint64_t m = ((n + 1) << level) - 1;

    return 2 * m - (uint64_t)__builtin_popcountll(m) + (uint64_t)level;
}

void merkle_split_stored_index(uint64_t index, int *level, uint64_t *n)
{
    /*
     * Find the leaf m whose append wrote this index: stored_index(0, m) is
     * 2m - popcount(m) <= index, so m lies in [index/2, index/2 + 32].
     */
    uint64_t m = index / 2;
    uint64_t at = merkle_stored_index(0, m);

    for (;;) {
        /* Leaf m writes 1 + (trailing 1 bits of m) hashes. */
        uint64_t next = at + 1 + (uint64_t)__builtin_ctzll(m + 1);
        if (next > index)
            break;
        m++;
        at = next;
    }
    *level = (int)(index - at);
    *n = m >> *level;
}

uint64_t merkle_stored_count(uint64_t n)
{
    return 2 * n - (uint64_t)__builtin_popcountll(n);
}

int merkle_append_count(uint64_t n)
{
    if (n == UINT64_MAX)
        return 65;
    return 1 + __builtin_ctzll(~n); /* 1 + trailing 1 bits of n */
}

int merkle_append_needed(uint64_t n, uint64_t idx[MERKLE_MAX_NEEDED])
{
    int m = merkle_append_count(n) - 1;

    if (n >= MERKLE_MAX_SIZE)
        return MERKLE_ERR_RANGE;
    /*
     * Completing the subtree at height i + 1 reads its left half, the
     * subtree (i, (n >> i) - 1). List them tallest first, which is
     * increasing index order.
     */
    for (int i = 0; i < m; i++)
        idx[m - 1 - i] = merkle_stored_index(i, (n >> i) - 1);
    return m;
}

void merkle_append_hashes(uint64_t n, const uint8_t leaf[MERKLE_HASH_SIZE],
                          const uint8_t (*needed)[MERKLE_HASH_SIZE],
                          uint8_t (*out)[MERKLE_HASH_SIZE])
{
    int m = merkle_append_count(n) - 1;

    memcpy(out[0], leaf, MERKLE_HASH_SIZE);
    for (int i = 0; i < m; i++)
        merkle_node_hash(needed[m - 1 - i], out[i], out[i + 1]);
}

int merkle_range_needed(uint64_t lo, uint64_t hi, uint64_t *idx)
{
    int count = 0;

    while (lo < hi) {
        int level = merkle_bit_length(hi - lo) - 1;
        idx[count++] = merkle_stored_index(level, lo >> level);
        lo += (uint64_t)1 << level;
    }
    return count;
}

void merkle_range_hash(uint64_t lo, uint64_t hi, struct merkle_cursor *c,
                       uint8_t out[MERKLE_HASH_SIZE])
{
    /* The subtrees come left to right; fold them from the right. */
    const uint8_t(*first)[MERKLE_HASH_SIZE] = c->hashes + c->next;
    int count = __builtin_popcountll(hi - lo);

    c->next += (size_t)count;
    memcpy(out, first[count - 1], MERKLE_HASH_SIZE);
    for (int i = count - 2; i >= 0; i--)
        merkle_node_hash(first[i], out, out);
}

int merkle_tree_hash_needed(uint64_t n, uint64_t idx[MERKLE_MAX_NEEDED])
{
    if (n > MERKLE_MAX_SIZE)
        return MERKLE_ERR_RANGE;
    return merkle_range_needed(0, n, idx);
}

void merkle_tree_hash(uint64_t n, const uint8_t (*hashes)[MERKLE_HASH_SIZE],
                      uint8_t root[MERKLE_HASH_SIZE])
{
    struct merkle_cursor c = {hashes, 0};

    if (n == 0) {
        merkle_empty_root(root);
        return;
    }
    merkle_range_hash(0, n, &c, root);
}
