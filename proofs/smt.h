/*
 * smt.h: CTL-SMT-v1, credlog's revocation map: a compact sparse Merkle tree
 * over 256-bit keys (a subtree holding one key is that key's leaf). Pure:
 * nodes live behind struct smt_store, which the caller implements (logd over
 * LMDB, tests over a hash table). Implemented in smt.c; docs/protocol.md has
 * the full specification.
 *
 *   EMPTY = 32 zero bytes; LEAF(k, v) = SHA-256(0x00 || k || v);
 *   NODE(l, r) = SHA-256(0x01 || l || r); v = u64be issue || u64be revoke.
 *
 * Node storage model: the node at (depth d, prefix p) is the subtree of keys
 * whose first d bits are p. Only non-empty nodes are stored; a node is either a
 * leaf (one key: its key and value) or a branch (two or more keys: its hash).
 * The root is the node at depth 0. Prefixes are passed as 32 bytes with every
 * bit at position >= depth zero.
 *
 * Stores that keep only some nodes (logd's keeps the upper branches and
 * computes the rest from its sorted credential index) compute the others
 * with struct smt_builder below, so that CTL-SMT-v1's hashing lives here
 * only.
 *
 * Errors. A store callback's negative return value is returned unchanged by
 * every function below that called it, so a caller sees its own store's
 * code (logd's STORE_ERR_MAP_FULL, say) and not a translation. The SMT_ERR_*
 * codes are this module's own.
 */
#ifndef CREDLOG_PROOFS_SMT_H
#define CREDLOG_PROOFS_SMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proofs/errors.h"

#define SMT_KEY_SIZE 32
#define SMT_VALUE_SIZE 16
#define SMT_HASH_SIZE 32
#define SMT_DEPTH_MAX 256
#define SMT_NONE UINT64_MAX /* revoke index meaning "not revoked" */
#define SMT_PROOF_VERSION 0x01
/* Longest encoded proof: kind 2 at depth 256 with every sibling supplied. */
#define SMT_PROOF_MAX (1 + 32 + 1 + 48 + 2 + 32 + 256 * 32)

#define SMT_PROOF_ABSENT_EMPTY 0 /* kind 0: reached an empty subtree */
#define SMT_PROOF_PRESENT 1      /* kind 1: reached the key's own leaf */
#define SMT_PROOF_ABSENT_OTHER 2 /* kind 2: reached another key's leaf */

#define SMT_ERR_STORE (-801)    /* the store holds an impossible node */
#define SMT_ERR_SPACE (-802)    /* output buffer too small */
#define SMT_ERR_SYNTAX (-803)   /* malformed proof encoding */
#define SMT_ERR_MISMATCH (-804) /* proof does not lead to the root */
#define SMT_ERR_ARG (-805)      /* bad argument (unsorted or duplicate batch) */
#define SMT_ERR_NOMEM (-806)    /* allocation failed */

#define SMT_NODE_EMPTY 0
#define SMT_NODE_LEAF 1
#define SMT_NODE_BRANCH 2

/* One stored node. For a leaf, hash is LEAF(key, value); for a branch, key and
 * value are unused. */
struct smt_node {
    uint8_t kind; /* SMT_NODE_* */
    uint8_t hash[SMT_HASH_SIZE];
    uint8_t key[SMT_KEY_SIZE];
    uint8_t value[SMT_VALUE_SIZE];
};

/* Node storage. get() fills *out (kind SMT_NODE_EMPTY if nothing is stored)
 * and returns 0, or a negative code on failure. put() stores node (never
 * SMT_NODE_EMPTY) at (depth, prefix), replacing what was there, and returns 0
 * or a negative code. Writes made by put() must be visible to later get()s.
 * A negative code reaches the caller of smt_*() unchanged; positive values
 * count as success. */
struct smt_store {
    void *ctx;
    int (*get)(void *ctx, unsigned depth, const uint8_t prefix[SMT_KEY_SIZE],
               struct smt_node *out);
    int (*put)(void *ctx, unsigned depth, const uint8_t prefix[SMT_KEY_SIZE],
               const struct smt_node *node);
};

/* One key's new value in a batch. */
struct smt_update {
    uint8_t key[SMT_KEY_SIZE];
    uint8_t value[SMT_VALUE_SIZE];
};

/* A verified proof's meaning. */
struct smt_proof_info {
    uint8_t kind;                  /* SMT_PROOF_* */
    uint8_t key[SMT_KEY_SIZE];     /* the key asked about */
    uint8_t value[SMT_VALUE_SIZE]; /* kind 1: its value */
    uint64_t issue_index;          /* kind 1: decoded from value */
    uint64_t revoke_index;         /* kind 1: SMT_NONE if not revoked */
    unsigned depth;                /* D */
};

/* Returns a static string describing an SMT_ERR_* code. */
const char *smt_strerror(int err);

/* value = u64be(issue) || u64be(revoke). */
void smt_value_encode(uint64_t issue, uint64_t revoke,
                      uint8_t value[SMT_VALUE_SIZE]);
void smt_value_decode(const uint8_t value[SMT_VALUE_SIZE], uint64_t *issue,
                      uint64_t *revoke);

/* LEAF(key, value) and NODE(left, right). */
void smt_leaf_hash(const uint8_t key[SMT_KEY_SIZE],
                   const uint8_t value[SMT_VALUE_SIZE],
                   uint8_t out[SMT_HASH_SIZE]);
void smt_node_hash(const uint8_t left[SMT_HASH_SIZE],
                   const uint8_t right[SMT_HASH_SIZE],
                   uint8_t out[SMT_HASH_SIZE]);

/* The current root: the hash of the node at depth 0 (EMPTY if none).
 * Returns 0, SMT_ERR_STORE or the store's code. */
int smt_root(const struct smt_store *st, uint8_t root[SMT_HASH_SIZE]);

/* Looks a key up. Sets *found and, when found, value. Returns 0,
 * SMT_ERR_STORE or the store's code. O(depth) reads. */
int smt_get(const struct smt_store *st, const uint8_t key[SMT_KEY_SIZE],
            bool *found, uint8_t value[SMT_VALUE_SIZE]);

/* Applies a batch of n updates (sorted by key, strictly increasing; each
 * inserts its key or replaces its value), sharing the hashing of common
 * upper paths, and writes the new root. Returns 0, SMT_ERR_ARG, SMT_ERR_STORE
 * or the store's code. On error the store may hold a partial update: callers
 * run it inside a transaction they abort. */
int smt_update(const struct smt_store *st, const struct smt_update *updates,
               size_t n, uint8_t root[SMT_HASH_SIZE]);

/* Builds the canonical proof for key into buf (cap bytes; SMT_PROOF_MAX always
 * suffices). Returns the proof length, SMT_ERR_SPACE, SMT_ERR_STORE or the
 * store's code. */
int smt_prove(const struct smt_store *st, const uint8_t key[SMT_KEY_SIZE],
              uint8_t *buf, size_t cap);

/* Verifies an encoded proof against root, exactly as docs/protocol.md says.
 * On success fills *info (may be NULL). Returns 0, SMT_ERR_SYNTAX or
 * SMT_ERR_MISMATCH. */
int smt_verify(const uint8_t *proof, size_t len,
               const uint8_t root[SMT_HASH_SIZE], struct smt_proof_info *info);

/* ---- building a subtree from its sorted leaves ----
 *
 * smt_builder hashes the subtree at some depth from its keys and values fed
 * in increasing key order, in O(1) memory (a stack of at most
 * SMT_DEPTH_MAX + 1 pending subtrees) and one hash per branch node, and
 * reports every branch node of the subtree (single-child ones included) to
 * a callback as it is completed, children before parents. A store that keeps
 * only some nodes uses it to compute the others, and to choose which to keep.
 */

/* A completed branch node: at depth, with prefix the first depth bits of key
 * (its first leaf's key), holding the leaves numbered first .. first+count-1
 * in feeding order (count >= 2), and `branches` branch nodes in its subtree,
 * itself included: the hashes it costs to compute from its leaves. key points
 * into the builder and is valid during the callback only. */
struct smt_branch {
    unsigned depth;
    uint64_t first, count, branches;
    const uint8_t *key;
    uint8_t hash[SMT_HASH_SIZE];
};

/* Called for each completed branch node; a non-zero return stops the build
 * and is returned by smt_builder_add() or smt_builder_finish(). */
typedef int (*smt_branch_fn)(void *arg, const struct smt_branch *b);

/* One pending subtree. Private to smt_build.c. */
struct smt_pending {
    uint8_t key[SMT_KEY_SIZE]; /* its first leaf's key */
    uint8_t value[SMT_VALUE_SIZE];
    uint8_t hash[SMT_HASH_SIZE];
    uint64_t first, count, branches;
    uint16_t depth; /* where a branch stands */
    uint16_t sep;   /* bits it shares with the subtree below it on the stack */
    bool leaf;
};

/* Caller-allocated (about 29 KiB); fields are private to smt_build.c. */
struct smt_builder {
    smt_branch_fn fn; /* may be NULL */
    void *arg;
    unsigned depth;
    uint64_t n;
    uint8_t last[SMT_KEY_SIZE];
    unsigned top;
    struct smt_pending stack[SMT_DEPTH_MAX + 1];
};

/* Starts building the subtree at depth (0 .. SMT_DEPTH_MAX). fn (may be NULL)
 * is called with arg for every branch node. */
void smt_builder_init(struct smt_builder *b, unsigned depth, smt_branch_fn fn,
                      void *arg);

/* Adds the next leaf. Keys must increase strictly and share their first
 * depth bits. Returns 0, SMT_ERR_ARG (out of order, or off the subtree's
 * prefix; b is unchanged) or the callback's non-zero value (b is then
 * unusable). */
int smt_builder_add(struct smt_builder *b, const uint8_t key[SMT_KEY_SIZE],
                    const uint8_t value[SMT_VALUE_SIZE]);

/* Completes the subtree and fills *out with its node: EMPTY (no leaf), a LEAF
 * (one leaf: its key, value and hash) or a BRANCH (its hash). Returns 0 or the
 * callback's non-zero value. b is unusable afterwards until initialized
 * again. */
int smt_builder_finish(struct smt_builder *b, struct smt_node *out);

#endif
