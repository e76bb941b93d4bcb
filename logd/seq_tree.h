/*
 * seq_tree.h: the log as the sequencer's batch runner sees it, and appends
 * to it inside one write transaction.
 *
 * struct seq_tree is a value: the batch runner copies the committed one,
 * appends to the copy, and publishes it only after the commit, so a failed
 * or retried transaction leaves nothing behind in memory. Its right edge
 * ("frontier"): for a tree of size n, frontier[l] is the hash of the
 * complete subtree of height l ending at leaf n (for each bit l set in n).
 * Those are exactly the stored hashes that the next appends and the root
 * need, so a batch reads no tree hash from LMDB.
 */
#ifndef CREDLOG_LOGD_SEQ_TREE_H
#define CREDLOG_LOGD_SEQ_TREE_H

#include <stddef.h>
#include <stdint.h>

#include "logd/store.h"
#include "proofs/entry.h"
#include "proofs/merkle.h"
#include "proofs/smt.h"

#define SEQ_TREE_LEVELS 64

struct seq_tree {
    uint64_t size;
    uint8_t frontier[SEQ_TREE_LEVELS][MERKLE_HASH_SIZE];
    uint8_t map_root[SMT_HASH_SIZE]; /* the map after the last entry */
    uint64_t counts[STORE_COUNTS];   /* entries by type */
    uint64_t last_time_ms;           /* of the last log-made entry */
};

/* Reads the right edge of a tree of t->size entries from r. Returns 0 or a
 * STORE_ERR_* code. */
int seq_tree_load_edge(struct seq_tree *t, struct store_txn *r);

/* Computes the root of t (from the right edge). Returns 0, or a STORE_ERR_*
 * code (STORE_ERR_CORRUPT for an impossible size). */
int seq_tree_root(const struct seq_tree *t, struct store_txn *w,
                  uint8_t root[MERKLE_HASH_SIZE]);

/* Appends one entry of the given type (its len bytes) at index t->size into
 * w: its bytes, its stored hashes, the new right edge and counts. Returns 0
 * or a STORE_ERR_* code (t is then unusable: drop the copy). */
int seq_tree_append(struct seq_tree *t, struct store_txn *w, uint8_t type,
                    const uint8_t *entry, size_t len);

/* Stamps a log-made entry (MAP or KEY) with the time, never earlier than the
 * previous one, encodes it and appends it. Returns 0 or a STORE_ERR_* code. */
int seq_tree_append_log_entry(struct seq_tree *t, struct store_txn *w,
                              struct entry *e);

#endif
