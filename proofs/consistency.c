/*
 * consistency.c: RFC 9162 consistency proofs. See merkle.h.
 *
 * Building follows RFC 6962's SUBPROOF(m, D[n], b) (Go's treeProof): split
 * the range at the largest power of two below its size; if the old tree
 * ends in the left half, recurse there and record the right half's hash,
 * otherwise record the (complete) left half and recurse right. When the
 * range is exactly the old tree's remainder, its hash is recorded too,
 * unless the range is the whole old tree (the verifier knows that root).
 * As for inclusion, only one ragged right half can occur, so a proof reads
 * at most 124 + 1 stored hashes: fewer than MERKLE_MAX_NEEDED.
 *
 * The hashes are listed, and read back, in the order of the leaves they
 * cover; the proof runs from the bottom of the tree to the root.
 */
#include "proofs/merkle_internal.h"

#include <string.h>

static int subproof_needed(uint64_t lo, uint64_t hi, uint64_t m, uint64_t *idx)
{
    uint64_t k;
    int count;

    if (m == hi)
        return lo == 0 ? 0 : merkle_range_needed(lo, hi, idx);
    k = merkle_split_point(hi - lo);
    if (m <= lo + k) {
        count = subproof_needed(lo, lo + k, m, idx);
        return count + merkle_range_needed(lo + k, hi, idx + count);
    }
    count = merkle_range_needed(lo, lo + k, idx);
    return count + subproof_needed(lo + k, hi, m, idx + count);
}

static void subproof_build(uint64_t lo, uint64_t hi, uint64_t m,
                           struct merkle_cursor *c,
                           uint8_t (*proof)[MERKLE_HASH_SIZE], int *len)
{
    uint8_t left[MERKLE_HASH_SIZE];
    uint64_t k;

    if (m == hi) {
        if (lo != 0)
            merkle_range_hash(lo, hi, c, proof[(*len)++]);
        return;
    }
    k = merkle_split_point(hi - lo);
    if (m <= lo + k) {
        subproof_build(lo, lo + k, m, c, proof, len);
        merkle_range_hash(lo + k, hi, c, proof[(*len)++]);
    } else {
        /* The left half's hashes come first in the cursor. */
        merkle_range_hash(lo, lo + k, c, left);
        subproof_build(lo + k, hi, m, c, proof, len);
        memcpy(proof[(*len)++], left, MERKLE_HASH_SIZE);
    }
}

int merkle_consistency_needed(uint64_t m, uint64_t n,
                              uint64_t idx[MERKLE_MAX_NEEDED])
{
    if (m == 0 || m > n || n > MERKLE_MAX_SIZE)
        return MERKLE_ERR_RANGE;
    return subproof_needed(0, n, m, idx);
}

int merkle_consistency_proof(uint64_t m, uint64_t n,
                             const uint8_t (*hashes)[MERKLE_HASH_SIZE],
                             uint8_t (*proof)[MERKLE_HASH_SIZE])
{
    struct merkle_cursor c = {hashes, 0};
    int len = 0;

    if (m == 0 || m > n || n > MERKLE_MAX_SIZE)
        return MERKLE_ERR_RANGE;
    subproof_build(0, n, m, &c, proof, &len);
    return len;
}

int merkle_consistency_verify(uint64_t m, uint64_t n,
                              const uint8_t root_m[MERKLE_HASH_SIZE],
                              const uint8_t root_n[MERKLE_HASH_SIZE],
                              const uint8_t (*proof)[MERKLE_HASH_SIZE],
                              size_t proof_len)
{
    uint8_t fr[MERKLE_HASH_SIZE], sr[MERKLE_HASH_SIZE];
    uint64_t fn = m - 1, sn = n - 1;
    int shift, inner, border, seeded;
    size_t i;

    if (m == 0 || m > n)
        return MERKLE_ERR_RANGE;
    if (m == n) {
        if (proof_len != 0)
            return MERKLE_ERR_PROOF;
        if (memcmp(root_m, root_n, MERKLE_HASH_SIZE) != 0)
            return MERKLE_ERR_MISMATCH;
        return MERKLE_OK;
    }
    /*
     * The old tree's last leaf sits at the bottom-right of a complete
     * subtree of 2^shift leaves. The proof starts with that subtree's hash
     * unless it is the whole old tree (m a power of two: RFC 9162 step 2
     * uses root_m instead), then has one hash per level where the paths of
     * the old and new last leaves differ above it (inner), then one per
     * left sibling on the new tree's right border (border).
     */
    shift = __builtin_ctzll(m);
    inner = merkle_bit_length((m - 1) ^ (n - 1));
    border = __builtin_popcountll((m - 1) >> inner);
    inner -= shift;
    seeded = m == (uint64_t)1 << shift;
    if (proof_len != (size_t)(!seeded + inner + border))
        return MERKLE_ERR_PROOF;

    /* RFC 9162 section 2.1.4.2, steps 3 to 7. */
    memcpy(fr, seeded ? root_m : proof[0], MERKLE_HASH_SIZE);
    memcpy(sr, fr, MERKLE_HASH_SIZE);
    i = seeded ? 0 : 1;
    while (fn & 1) {
        fn >>= 1;
        sn >>= 1;
    }
    for (; i < proof_len; i++) {
        if (sn == 0)
            return MERKLE_ERR_PROOF;
        if ((fn & 1) || fn == sn) {
            merkle_node_hash(proof[i], fr, fr);
            merkle_node_hash(proof[i], sr, sr);
            while (!(fn & 1) && fn != 0) {
                fn >>= 1;
                sn >>= 1;
            }
        } else {
            merkle_node_hash(sr, proof[i], sr);
        }
        fn >>= 1;
        sn >>= 1;
    }
    if (sn != 0 || memcmp(fr, root_m, MERKLE_HASH_SIZE) != 0 ||
        memcmp(sr, root_n, MERKLE_HASH_SIZE) != 0)
        return MERKLE_ERR_MISMATCH;
    return MERKLE_OK;
}
