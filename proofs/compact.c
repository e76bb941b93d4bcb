/*
 * compact.c: the compact range (the tree's right edge). See compact.h.
 *
 * Appending leaf n completes one subtree per trailing 1 bit of n: the
 * subtree of height i + 1 joins the right edge's subtree of height i (bit i
 * of n, cleared by the carry) with the new subtree of height i. The carry
 * stops at the first 0 bit of n, which becomes the new subtree's level. This
 * is merkle_append_hashes() with the left siblings taken from the range
 * itself.
 */
#include "proofs/compact.h"

#include <string.h>

#include "proofs/be.h"

const char *compact_strerror(int err)
{
    switch (err) {
    case COMPACT_OK:
        return "success";
    case COMPACT_ERR_RANGE:
        return "compact range: tree size out of range";
    case COMPACT_ERR_DECODE:
        return "compact range: malformed encoding";
    default:
        return "unknown compact range error";
    }
}

void compact_init(struct compact_range *r)
{
    memset(r, 0, sizeof *r);
}

int compact_append(struct compact_range *r,
                   const uint8_t leaf[MERKLE_HASH_SIZE],
                   uint8_t (*completed)[MERKLE_HASH_SIZE])
{
    uint8_t h[MERKLE_HASH_SIZE];
    uint64_t n = r->size;
    int level = 0;

    if (n >= COMPACT_MAX_SIZE)
        return COMPACT_ERR_RANGE;
    memcpy(h, leaf, MERKLE_HASH_SIZE);
    if (completed != NULL)
        memcpy(completed[0], h, MERKLE_HASH_SIZE);
    for (; (n >> level) & 1; level++) {
        merkle_node_hash(r->hashes[level], h, h);
        if (completed != NULL)
            memcpy(completed[level + 1], h, MERKLE_HASH_SIZE);
    }
    memcpy(r->hashes[level], h, MERKLE_HASH_SIZE);
    r->size = n + 1;
    return level + 1;
}

void compact_root(const struct compact_range *r, uint8_t root[MERKLE_HASH_SIZE])
{
    uint64_t n = r->size;
    int level;

    if (n == 0) {
        merkle_empty_root(root);
        return;
    }
    /* Fold from the smallest (rightmost) subtree leftwards. */
    level = __builtin_ctzll(n);
    memcpy(root, r->hashes[level], MERKLE_HASH_SIZE);
    for (level++; level < COMPACT_LEVELS; level++)
        if ((n >> level) & 1)
            merkle_node_hash(r->hashes[level], root, root);
}

int compact_needed(uint64_t size, uint64_t idx[COMPACT_LEVELS])
{
    int count = 0;

    if (size > COMPACT_MAX_SIZE)
        return COMPACT_ERR_RANGE;
    for (int level = COMPACT_LEVELS - 1; level >= 0; level--)
        if ((size >> level) & 1)
            idx[count++] = merkle_stored_index(level, (size >> level) - 1);
    return count;
}

int compact_from_stored(struct compact_range *r, uint64_t size,
                        const uint8_t (*hashes)[MERKLE_HASH_SIZE])
{
    int next = 0;

    if (size > COMPACT_MAX_SIZE)
        return COMPACT_ERR_RANGE;
    r->size = size;
    for (int level = COMPACT_LEVELS - 1; level >= 0; level--)
        if ((size >> level) & 1)
            memcpy(r->hashes[level], hashes[next++], MERKLE_HASH_SIZE);
    return 0;
}

size_t compact_encode(const struct compact_range *r,
                      uint8_t out[COMPACT_ENCODED_MAX])
{
    size_t len = 8;

    be_put64(out, r->size);
    for (int level = COMPACT_LEVELS - 1; level >= 0; level--)
        if ((r->size >> level) & 1) {
            memcpy(out + len, r->hashes[level], MERKLE_HASH_SIZE);
            len += MERKLE_HASH_SIZE;
        }
    return len;
}

int compact_decode(struct compact_range *r, const uint8_t *in, size_t len)
{
    uint64_t size;

    if (len < 8)
        return COMPACT_ERR_DECODE;
    size = be_get64(in);
    if (size > COMPACT_MAX_SIZE ||
        len != 8 + (size_t)__builtin_popcountll(size) * MERKLE_HASH_SIZE)
        return COMPACT_ERR_DECODE;
    return compact_from_stored(r, size,
                               (const uint8_t(*)[MERKLE_HASH_SIZE])(in + 8));
}
