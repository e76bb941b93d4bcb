/*
 * compact.h: the compact range of a log, pure: the right edge of its tree.
 *
 * For a tree of `size` leaves, the compact range is the minimal set of
 * perfect subtrees that cover the prefix [0, size): one subtree of height
 * `level` for each bit `level` set in size, left to right in decreasing
 * height (transparency-dev's compact.Range over [0, size)). Those hashes are
 * all an append-only writer or a follower needs: every new leaf's stored
 * hashes and the root are computed from them and the leaf alone, with no
 * reads from storage.
 *
 * The range is caller-allocated (a plain struct, about 2 KiB), allocates
 * nothing and does no I/O. It is rebuilt from storage in two steps, as the
 * rest of merkle.h: compact_needed() lists the stored-hash indexes, the
 * caller reads them in that order, compact_from_stored() fills the range.
 * compact_encode() gives it a fixed serialization for saved state.
 *
 * Implemented in compact.c.
 */
#ifndef CREDLOG_PROOFS_COMPACT_H
#define CREDLOG_PROOFS_COMPACT_H

#include <stddef.h>
#include <stdint.h>

#include "proofs/merkle.h"

/* One hash per bit of a 64-bit size. */
#define COMPACT_LEVELS 64

/* The largest tree a range holds: the stored-hash numbering of merkle.h
 * reaches 2^63 - 1 leaves. */
#define COMPACT_MAX_SIZE (UINT64_MAX >> 1)

/* The most hashes one append produces (merkle_append_count() below
 * COMPACT_MAX_SIZE). */
#define COMPACT_MAX_COMPLETED COMPACT_LEVELS

/* Bytes compact_encode() writes at most: an 8-byte size and one hash per set
 * bit of it. */
#define COMPACT_ENCODED_MAX (8 + (COMPACT_LEVELS - 1) * MERKLE_HASH_SIZE)

/* Error codes (in COMPACT_ERR_BASE of proofs/errors.h). */
#define COMPACT_OK 0
#define COMPACT_ERR_RANGE (-1001)  /* size beyond COMPACT_MAX_SIZE */
#define COMPACT_ERR_DECODE (-1002) /* not a compact range encoding */

/* Returns a static string describing a COMPACT_ERR_* code. */
const char *compact_strerror(int err);

/* The compact range of the first `size` leaves. hashes[level] is the root of
 * the perfect subtree of height `level` covering leaves
 * [size >> (level+1) << (level+1), (size >> level) << level) when bit
 * `level` of size is set; the other entries are unspecified. */
struct compact_range {
    uint64_t size;
    uint8_t hashes[COMPACT_LEVELS][MERKLE_HASH_SIZE];
};

/* Sets r to the range of the empty tree. */
void compact_init(struct compact_range *r);

/* Appends the leaf whose hash (merkle_leaf_hash()) is `leaf` as leaf number
 * r->size. If completed is not NULL, it receives the
 * merkle_append_count(r->size) new stored hashes (the leaf hash, then every
 * subtree the leaf completes, smallest first), which are stored hashes
 * merkle_stored_count(r->size), +1, ... in merkle.h's numbering: what an
 * append-only store writes, with no reads. completed must hold
 * COMPACT_MAX_COMPLETED hashes.
 * Returns the number of hashes written to completed (1..64), or
 * COMPACT_ERR_RANGE (r unchanged) when r->size is COMPACT_MAX_SIZE. */
int compact_append(struct compact_range *r,
                   const uint8_t leaf[MERKLE_HASH_SIZE],
                   uint8_t (*completed)[MERKLE_HASH_SIZE]);

/* The Merkle tree hash (RFC 9162) of the leaves [0, r->size): the empty
 * root for size 0. */
void compact_root(const struct compact_range *r,
                  uint8_t root[MERKLE_HASH_SIZE]);

/* Lists, into idx[], the stored hashes (merkle.h numbering) that make up the
 * range of `size` leaves, tallest (leftmost) first; the same list and order
 * as merkle_tree_hash_needed(size). idx must hold COMPACT_LEVELS entries.
 * Returns how many (popcount(size)), or COMPACT_ERR_RANGE. */
int compact_needed(uint64_t size, uint64_t idx[COMPACT_LEVELS]);

/* Sets r to the range of `size` leaves from the hashes compact_needed(size)
 * listed, in that order. Returns 0, or COMPACT_ERR_RANGE (r unchanged). */
int compact_from_stored(struct compact_range *r, uint64_t size,
                        const uint8_t (*hashes)[MERKLE_HASH_SIZE]);

/* Writes the serialization of r to out (COMPACT_ENCODED_MAX bytes): the size
 * as 8 bytes big-endian, then the hash of each set bit from the highest down.
 * Returns the length, 8 + 32 * popcount(size). */
size_t compact_encode(const struct compact_range *r,
                      uint8_t out[COMPACT_ENCODED_MAX]);

/* Decodes what compact_encode() wrote. Returns 0, or COMPACT_ERR_DECODE
 * (r unchanged) when len does not match the size or the size is beyond
 * COMPACT_MAX_SIZE. */
int compact_decode(struct compact_range *r, const uint8_t *in, size_t len);

#endif
