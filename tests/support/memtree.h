/*
 * memtree.h: an RFC 6962 log kept in memory for tests that play the log
 * themselves (a witness's tests, static lying logs): leaves appended through
 * proofs/merkle.h's two-step API, roots and consistency proofs for any
 * sizes read back from the stored hashes.
 *
 * Leaf i's entry is the 8 bytes u64be(i + seed), so two trees with other
 * seeds share no leaf: a fork is a tree made with another seed. Functions
 * abort() on what a test cannot go on without (memory).
 */
#ifndef CREDLOG_TESTS_MEMTREE_H
#define CREDLOG_TESTS_MEMTREE_H

#include <stddef.h>
#include <stdint.h>

#include "proofs/merkle.h"

struct memtree {
    uint64_t size, seed;
    uint8_t (*stored)[MERKLE_HASH_SIZE]; /* merkle_stored_count(size) */
    size_t cap;
};

/* An empty tree whose leaves derive from seed. */
void memtree_init(struct memtree *t, uint64_t seed);

/* Frees the stored hashes. Accepts NULL. */
void memtree_free(struct memtree *t);

/* Appends leaves until the tree has n leaves (n >= t->size). */
void memtree_grow(struct memtree *t, uint64_t n);

/* The root of the tree's first n leaves (n <= t->size). */
void memtree_root(const struct memtree *t, uint64_t n,
                  uint8_t root[MERKLE_HASH_SIZE]);

/* The consistency proof from m to n leaves (0 < m <= n <= t->size) into
 * proof (MERKLE_MAX_PROOF hashes). Returns its length. */
int memtree_consistency(const struct memtree *t, uint64_t m, uint64_t n,
                        uint8_t (*proof)[MERKLE_HASH_SIZE]);

#endif
