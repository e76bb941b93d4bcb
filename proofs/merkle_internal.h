/*
 * merkle_internal.h: helpers shared by tree.c, inclusion.c and
 * consistency.c. Not part of the proofs API: only those files include it.
 */
#ifndef CREDLOG_PROOFS_MERKLE_INTERNAL_H
#define CREDLOG_PROOFS_MERKLE_INTERNAL_H

#include "proofs/merkle.h"

/* The largest tree the stored-hash functions accept: the numbering of a
 * tree of 2^63 - 1 leaves fits in uint64_t, as it does in Go's int64. */
#define MERKLE_MAX_SIZE (UINT64_MAX >> 1)

/* Reads hashes in the order a *_needed() function listed them. */
struct merkle_cursor {
    const uint8_t (*hashes)[MERKLE_HASH_SIZE];
    size_t next;
};

/* Number of bits needed to write x (0 for 0). */
static inline int merkle_bit_length(uint64_t x)
{
    return x == 0 ? 0 : 64 - __builtin_clzll(x);
}

/* The largest power of two strictly less than n (n >= 2). */
uint64_t merkle_split_point(uint64_t n);

/* Appends to idx[] the stored hashes that make up the leaves [lo, hi),
 * where lo < hi and lo is a multiple of the largest power of two <= hi-lo:
 * the complete subtrees of that range, largest (leftmost) first. Returns
 * how many it appended. */
int merkle_range_needed(uint64_t lo, uint64_t hi, uint64_t *idx);

/* Consumes the hashes merkle_range_needed(lo, hi) listed and writes the
 * Merkle tree hash of the leaves [lo, hi) to out. */
void merkle_range_hash(uint64_t lo, uint64_t hi, struct merkle_cursor *c,
                       uint8_t out[MERKLE_HASH_SIZE]);

#endif
