/*
 * seq_map.h: the credential index and the CTL-SMT-v1 map as the log's
 * writers change them. The sequencer's batch runner (logd/seq_batch.c) and
 * the replica (logd/replica_apply.c) write a credential's indexes the same
 * way, through seq_map_credential(), and update the map once per write
 * transaction with seq_map_apply(), so a replica's tables are the primary's
 * byte for byte.
 *
 * A struct seq_map is the changes of one write transaction; it is reused
 * (seq_map_reset()) and used by one thread at a time. Start from a zeroed
 * struct; free with seq_map_free().
 */
#ifndef CREDLOG_LOGD_SEQ_MAP_H
#define CREDLOG_LOGD_SEQ_MAP_H

#include <stddef.h>
#include <stdint.h>

#include "logd/store.h"
#include "proofs/smt.h"

struct seq_map_change {
    uint8_t key[SMT_KEY_SIZE];
    uint8_t value[SMT_VALUE_SIZE];
    uint64_t order;
};

struct seq_map {
    struct seq_map_change *changes;
    size_t n, cap;
};

/* Forgets the changes (keeps the memory). */
void seq_map_reset(struct seq_map *m);

/* Frees the memory. Accepts a zeroed struct. */
void seq_map_free(struct seq_map *m);

/* Writes credential hash's indexes (issue, and revoke or SMT_NONE) into the
 * credential index in w and records the change for seq_map_apply(). Returns
 * 0, STORE_ERR_NOMEM or store_put_credential()'s code. */
int seq_map_credential(struct seq_map *m, struct store_txn *w,
                       const uint8_t hash[SMT_KEY_SIZE], uint64_t issue,
                       uint64_t revoke);

/* Applies the recorded changes to the map in w in one update (the last
 * change of a key wins) and sets root to the new map root (root is left
 * alone when there are none). Returns 0, STORE_ERR_NOMEM, STORE_ERR_CORRUPT
 * (the stored map is impossible) or the node store's code
 * (STORE_ERR_MAP_FULL, STORE_ERR_IO, ...). */
int seq_map_apply(struct seq_map *m, struct store_txn *w,
                  uint8_t root[SMT_HASH_SIZE]);

#endif
