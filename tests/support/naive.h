/*
 * naive.h: the tree hashes straight from their definitions, with SHA-256
 * and recursion only, to check logd's and proofs/' results against an
 * independent computation: RFC 6962 leaf and node hashes and the Merkle
 * tree hash (MTH), and the CTL-SMT-v1 map root (docs/protocol.md).
 *
 * Pure functions; they cannot fail.
 */
#ifndef CREDLOG_TESTS_NAIVE_H
#define CREDLOG_TESTS_NAIVE_H

#include <stddef.h>
#include <stdint.h>

/* SHA-256(0x00 || e[0..len)). len must be below 65536 (an entry). */
void naive_leaf_hash(const uint8_t *e, size_t len, uint8_t out[32]);

/* SHA-256(0x01 || l || r). */
void naive_node_hash(const uint8_t l[32], const uint8_t r[32], uint8_t out[32]);

/* MTH(leaves[0..n)), the textbook recursion (SHA-256("") for n = 0). */
void naive_mth(const uint8_t (*leaves)[32], uint64_t n, uint8_t out[32]);

/* One credential in the map: its key and its (issue, revoke) indexes
 * (revoke SMT_NONE while not revoked). */
struct naive_cred {
    uint8_t key[32];
    uint64_t issue, revoke;
};

/* The CTL-SMT-v1 root of the n credentials c, sorted by key. */
void naive_map_root(const struct naive_cred *c, size_t n, uint8_t out[32]);

/* The key map's key of an issuer key (docs/protocol.md §B.6.3):
 * SHA-256("credlog/key/v1\n" || u8 len(issuer) || issuer || pub), issuer a
 * NUL-terminated name of 1 to 255 bytes. */
void naive_key_map_key(const char *issuer, const uint8_t pub[32],
                       uint8_t out[32]);

/* Sorts c[0..n) by key (for naive_map_root()). */
void naive_sort(struct naive_cred *c, size_t n);

#endif
