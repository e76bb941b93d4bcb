/*
 * seq_tree.h: the log as the sequencer's batch runner sees it, and appends
 * to it inside one write transaction.
 *
 * struct seq_tree is a value: the batch runner copies the committed one,
 * appends to the copy, and publishes it only after the commit, so a failed
 * or retried transaction leaves nothing behind in memory. Its right edge is
 * a proofs/compact.h range: exactly the hashes that the next appends and
 * the root need, so a batch reads no tree hash from LMDB.
 */
#ifndef CREDLOG_LOGD_SEQ_TREE_H
#define CREDLOG_LOGD_SEQ_TREE_H

#include <stddef.h>
#include <stdint.h>

#include "logd/clockguard.h"
#include "logd/store.h"
#include "proofs/compact.h"
#include "proofs/entry.h"
#include "proofs/merkle.h"
#include "proofs/smt.h"

struct seq_tree {
    struct compact_range edge;       /* edge.size: the number of entries */
    uint8_t map_root[SMT_HASH_SIZE]; /* the map after the last entry */
    uint64_t counts[STORE_COUNTS];   /* entries by type */
    struct clockguard clock;         /* the times of log-made entries */
};

/* Reads the right edge of a tree of size entries from r into t->edge.
 * Returns 0 or a STORE_ERR_* code (STORE_ERR_CORRUPT for an impossible
 * size). */
int seq_tree_load_edge(struct seq_tree *t, struct store_txn *r, uint64_t size);

/* The root of t. */
void seq_tree_root(const struct seq_tree *t, uint8_t root[MERKLE_HASH_SIZE]);

/* Appends one entry of the given type (its len bytes) at index t->edge.size
 * into w: its bytes, its stored hashes, the new right edge and counts.
 * Returns 0 or a STORE_ERR_* code (t is then unusable: drop the copy). */
int seq_tree_append(struct seq_tree *t, struct store_txn *w, uint8_t type,
                    const uint8_t *entry, size_t len);

/* Stamps a log-made entry (MAP or KEY) with the time, never earlier than the
 * previous one, encodes it and appends it. Returns 0 or a STORE_ERR_* code. */
int seq_tree_append_log_entry(struct seq_tree *t, struct store_txn *w,
                              struct entry *e);

#endif
