/*
 * inclusion.c: RFC 9162 inclusion proofs (audit paths). See merkle.h.
 *
 * Building follows RFC 6962's recursive PATH(m, D[n]) (Go's leafProof):
 * split the range at the largest power of two below its size, recurse into
 * the half holding the leaf and record the hash of the other half. A left
 * half is always one complete subtree (one stored hash); a right half may be
 * ragged and is then rebuilt from its complete subtrees. Along the way the
 * path turns right into ragged halves and, at most once, left out of one;
 * from then on every range is complete. In a tree of fewer than 2^63
 * leaves the path has at most 63 siblings; one of them may be ragged and
 * then needs up to 62 stored hashes, so a proof reads at most 124:
 * fewer than MERKLE_MAX_NEEDED.
 *
 * The hashes are listed, and read back, in the order of the leaves they
 * cover (left to right); the proof itself runs from the leaf to the root.
 */
#include "proofs/merkle_internal.h"

#include <string.h>

static int path_needed(uint64_t lo, uint64_t hi, uint64_t index, uint64_t *idx)
{
    uint64_t k;
    int count;

    if (hi - lo == 1)
        return 0;
    k = merkle_split_point(hi - lo);
    if (index < lo + k) {
        count = path_needed(lo, lo + k, index, idx);
        return count + merkle_range_needed(lo + k, hi, idx + count);
    }
    count = merkle_range_needed(lo, lo + k, idx);
    return count + path_needed(lo + k, hi, index, idx + count);
}

static void path_build(uint64_t lo, uint64_t hi, uint64_t index,
                       struct merkle_cursor *c,
                       uint8_t (*proof)[MERKLE_HASH_SIZE], int *len)
{
    uint8_t left[MERKLE_HASH_SIZE];
    uint64_t k;

    if (hi - lo == 1)
        return;
    k = merkle_split_point(hi - lo);
    if (index < lo + k) {
        path_build(lo, lo + k, index, c, proof, len);
        merkle_range_hash(lo + k, hi, c, proof[(*len)++]);
    } else {
        /* The left half's hashes come first in the cursor. */
        merkle_range_hash(lo, lo + k, c, left);
        path_build(lo + k, hi, index, c, proof, len);
        memcpy(proof[(*len)++], left, MERKLE_HASH_SIZE);
    }
}

int merkle_inclusion_needed(uint64_t index, uint64_t size,
                            uint64_t idx[MERKLE_MAX_NEEDED])
{
    if (index >= size || size > MERKLE_MAX_SIZE)
        return MERKLE_ERR_RANGE;
    return path_needed(0, size, index, idx);
}

int merkle_inclusion_proof(uint64_t index, uint64_t size,
                           const uint8_t (*hashes)[MERKLE_HASH_SIZE],
                           uint8_t (*proof)[MERKLE_HASH_SIZE])
{
    struct merkle_cursor c = {hashes, 0};
    int len = 0;

    if (index >= size || size > MERKLE_MAX_SIZE)
        return MERKLE_ERR_RANGE;
    path_build(0, size, index, &c, proof, &len);
    return len;
}

int merkle_inclusion_verify(uint64_t index, uint64_t size,
                            const uint8_t leaf[MERKLE_HASH_SIZE],
                            const uint8_t (*proof)[MERKLE_HASH_SIZE],
                            size_t proof_len,
                            const uint8_t root[MERKLE_HASH_SIZE])
{
    uint8_t r[MERKLE_HASH_SIZE];
    uint64_t fn = index, sn = size - 1;
    int inner, border;

    if (index >= size)
        return MERKLE_ERR_RANGE;
    /*
     * The path has one hash for each level where the leaf's and the last
     * leaf's paths differ (inner), then one for each left sibling on the
     * right border above that (border). Checking the length first gives a
     * precise error; the loop below is RFC 9162 2.1.3.2 step 4 as written.
     */
    inner = merkle_bit_length(index ^ (size - 1));
    border = __builtin_popcountll(index >> inner);
    if (proof_len != (size_t)(inner + border))
        return MERKLE_ERR_PROOF;

    memcpy(r, leaf, MERKLE_HASH_SIZE);
    for (size_t i = 0; i < proof_len; i++) {
        if (sn == 0)
            return MERKLE_ERR_PROOF;
        if ((fn & 1) || fn == sn) {
            merkle_node_hash(proof[i], r, r);
            while (!(fn & 1) && fn != 0) {
                fn >>= 1;
                sn >>= 1;
            }
        } else {
            merkle_node_hash(r, proof[i], r);
        }
        fn >>= 1;
        sn >>= 1;
    }
    if (sn != 0 || memcmp(r, root, MERKLE_HASH_SIZE) != 0)
        return MERKLE_ERR_MISMATCH;
    return MERKLE_OK;
}
