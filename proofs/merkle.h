/*
 * merkle.h: RFC 6962 / RFC 9162 Merkle tree math, pure.
 *
 * No I/O, no globals, no allocation. Storage sits behind the "stored hash"
 * numbering below (the same numbering as Go's golang.org/x/mod/sumdb/tlog):
 * every complete subtree of the log has one integer index, so a store can keep
 * hashes under integer keys. Operations that need stored hashes come in two
 * steps: a *_needed() function lists the stored-hash indexes to read, the
 * caller reads them (in that order), and a second function assembles the
 * answer from them.
 *
 * Implemented in hash.c (hashing), tree.c (stored hashes, tree hash),
 * inclusion.c and consistency.c (proofs).
 */
#ifndef CREDLOG_PROOFS_MERKLE_H
#define CREDLOG_PROOFS_MERKLE_H

#include <stddef.h>
#include <stdint.h>

#include "proofs/errors.h"

#define MERKLE_HASH_SIZE 32

/* Upper bound on the stored hashes any *_needed() function asks for, and on
 * the length of any proof for a tree of fewer than 2^63 leaves. */
#define MERKLE_MAX_NEEDED 192
#define MERKLE_MAX_PROOF 64

/* Error codes (negative, in the range of proofs/errors.h). */
#define MERKLE_OK 0
#define MERKLE_ERR_RANGE (-201) /* index/size arguments out of range */
#define MERKLE_ERR_PROOF (-202) /* proof has the wrong length for its sizes */
#define MERKLE_ERR_MISMATCH (-203) /* well formed but does not verify */

/* Returns a static string describing a MERKLE_ERR_* code. */
const char *merkle_strerror(int err);

/* ---- hash.c ---- */

/* out = SHA-256(0x00 || entry). entry may be NULL when len is 0. */
void merkle_leaf_hash(const uint8_t *entry, size_t len,
                      uint8_t out[MERKLE_HASH_SIZE]);

/* out = SHA-256(0x01 || left || right). out may alias left or right. */
void merkle_node_hash(const uint8_t left[MERKLE_HASH_SIZE],
                      const uint8_t right[MERKLE_HASH_SIZE],
                      uint8_t out[MERKLE_HASH_SIZE]);

/* out = SHA-256 of the empty string: the root of the empty tree. */
void merkle_empty_root(uint8_t out[MERKLE_HASH_SIZE]);

/* ---- tree.c: stored hashes ---- */

/* The stored-hash index of the complete subtree at height `level` whose
 * leftmost leaf is n << level (Go's tlog.StoredHashIndex). */
uint64_t merkle_stored_index(int level, uint64_t n);

/* Inverse of merkle_stored_index(). */
void merkle_split_stored_index(uint64_t index, int *level, uint64_t *n);

/* The number of stored hashes a tree of n leaves has (Go's
 * tlog.StoredHashCount): the index the next leaf's first hash gets. */
uint64_t merkle_stored_count(uint64_t n);

/* Appending leaf n (0-based; the tree had n leaves) adds
 * merkle_append_count(n) stored hashes with consecutive indexes starting at
 * merkle_stored_count(n): the leaf hash, then each newly completed subtree. */
int merkle_append_count(uint64_t n);

/* Lists, into idx[], the stored hashes that appending leaf n reads (the left
 * siblings of the subtrees it completes). Returns how many (0..63). */
int merkle_append_needed(uint64_t n, uint64_t idx[MERKLE_MAX_NEEDED]);

/* Computes the merkle_append_count(n) new stored hashes into out[], given the
 * leaf hash and the hashes listed by merkle_append_needed(n), in that order. */
void merkle_append_hashes(uint64_t n, const uint8_t leaf[MERKLE_HASH_SIZE],
                          const uint8_t (*needed)[MERKLE_HASH_SIZE],
                          uint8_t (*out)[MERKLE_HASH_SIZE]);

/* Lists the stored hashes needed for the tree hash (root) of size n.
 * Returns how many (0 for n == 0). */
int merkle_tree_hash_needed(uint64_t n, uint64_t idx[MERKLE_MAX_NEEDED]);

/* The root of the tree of size n from the hashes listed by
 * merkle_tree_hash_needed(n). n == 0 gives merkle_empty_root(). */
void merkle_tree_hash(uint64_t n, const uint8_t (*hashes)[MERKLE_HASH_SIZE],
                      uint8_t root[MERKLE_HASH_SIZE]);

/* ---- inclusion.c ---- */

/* Lists the stored hashes needed to prove leaf `index` in the tree of size
 * `size`. Returns how many, or MERKLE_ERR_RANGE unless index < size. */
int merkle_inclusion_needed(uint64_t index, uint64_t size,
                            uint64_t idx[MERKLE_MAX_NEEDED]);

/* Assembles the RFC 9162 inclusion proof (audit path, leaf side first) from
 * the hashes listed by merkle_inclusion_needed(). Returns the proof length
 * (0..MERKLE_MAX_PROOF) or MERKLE_ERR_RANGE. */
int merkle_inclusion_proof(uint64_t index, uint64_t size,
                           const uint8_t (*hashes)[MERKLE_HASH_SIZE],
                           uint8_t (*proof)[MERKLE_HASH_SIZE]);

/* Verifies an inclusion proof per RFC 9162 section 2.1.3.2.
 * Returns 0, MERKLE_ERR_RANGE (index >= size), MERKLE_ERR_PROOF (wrong
 * length) or MERKLE_ERR_MISMATCH. */
int merkle_inclusion_verify(uint64_t index, uint64_t size,
                            const uint8_t leaf[MERKLE_HASH_SIZE],
                            const uint8_t (*proof)[MERKLE_HASH_SIZE],
                            size_t proof_len,
                            const uint8_t root[MERKLE_HASH_SIZE]);

/* ---- consistency.c ---- */

/* Lists the stored hashes needed to prove the tree of size m a prefix of the
 * tree of size n. Returns how many, or MERKLE_ERR_RANGE unless
 * 0 < m <= n. (m == n needs nothing and gives an empty proof.) */
int merkle_consistency_needed(uint64_t m, uint64_t n,
                              uint64_t idx[MERKLE_MAX_NEEDED]);

/* Assembles the RFC 9162 consistency proof from the hashes listed by
 * merkle_consistency_needed(). Returns its length or MERKLE_ERR_RANGE. */
int merkle_consistency_proof(uint64_t m, uint64_t n,
                             const uint8_t (*hashes)[MERKLE_HASH_SIZE],
                             uint8_t (*proof)[MERKLE_HASH_SIZE]);

/* Verifies a consistency proof per RFC 9162 section 2.1.4.2.
 * m == n requires an empty proof and equal roots. Returns 0,
 * MERKLE_ERR_RANGE (m == 0 or m > n), MERKLE_ERR_PROOF or MERKLE_ERR_MISMATCH.
 */
int merkle_consistency_verify(uint64_t m, uint64_t n,
                              const uint8_t root_m[MERKLE_HASH_SIZE],
                              const uint8_t root_n[MERKLE_HASH_SIZE],
                              const uint8_t (*proof)[MERKLE_HASH_SIZE],
                              size_t proof_len);

#endif
