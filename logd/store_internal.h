/*
 * store_internal.h: what the three files of logd's store share, and nothing
 * outside them may see. Only logd/store*.c include this header (and so
 * <lmdb.h>); everyone else uses store.h.
 *
 *   store_env.c   the environment: open (format conversion), close, map
 *                 growth, read and write transactions, errors
 *   store_log.c   the log's records: entries, stored tree hashes, the
 *                 credential index, checkpoint, log key, counts, issuer keys
 *   store_map.c   the CTL-SMT-v1 node store over LMDB (hashing itself is
 *                 proofs/smt.c's)
 *   store_witness.c  what logd's witness push keeps: each witness's last
 *                 cosigned size, the latest quorum checkpoint
 *   store_stage.c a replica's verified entries not yet applied
 */
#ifndef CREDLOG_LOGD_STORE_INTERNAL_H
#define CREDLOG_LOGD_STORE_INTERNAL_H

#include <lmdb.h>
#include <pthread.h>

#include "logd/store.h"
#include "proofs/be.h"

/* The databases of the environment (docs/storage.md). */
enum {
    STORE_DB_ENTRIES,
    STORE_DB_HASHES,
    STORE_DB_CREDS,
    STORE_DB_SMT,
    STORE_DB_KEYS,
    STORE_DB_META,
    STORE_DB_WITNESS,
    STORE_DB_STAGE,
    STORE_DB_COUNT
};

/* Stored tree hashes a reader remembers (store_log.c): 16384 (640 KiB). */
#define STORE_HCACHE_BITS 14

struct store_hcache_slot {
    uint64_t index1; /* stored index + 1; 0: empty */
    uint8_t hash[MERKLE_HASH_SIZE];
};

struct store {
    int lock_fd; /* flock()ed DIR/logd.lock: one logd per directory */
    MDB_env *env;
    MDB_dbi dbi[STORE_DB_COUNT];
    uint64_t map_size;
    uint64_t max_map; /* store_grow()'s cap */
    bool broken;      /* a failed remap left LMDB without a map */
    /* Readers hold it shared while a read transaction is open; store_grow()
     * holds it exclusively, because LMDB may only remap with no transaction
     * open in the process. Writer-preferring, so a stream of readers cannot
     * starve a resize. */
    pthread_rwlock_t grow_lock;
    /* Snapshots (store_snapshot_open): read transactions held across
     * requests, which hold no grow_lock (they may end on another thread).
     * store_grow() asks their owner to let go (unpin), refuses new ones and
     * waits until none is open. pin_mu guards what follows. */
    pthread_mutex_t pin_mu;
    pthread_cond_t pin_cond;
    unsigned pinned;  /* snapshots open */
    bool pin_refused; /* store_grow() is waiting or running */
    void (*unpin)(void *arg);
    void *unpin_arg;
};

struct store_map_cache; /* store_map.c */

struct store_txn {
    struct store *s;
    MDB_txn *txn;
    MDB_cursor *cur[STORE_DB_COUNT]; /* opened on first use */
    bool write;
    bool active;
    bool snapshot; /* a store_snapshot_open() transaction */
    int err; /* first failure of a write transaction: commit fails with it */
    /* The map subtree computed last (store_map.c); NULL until first used. */
    struct store_map_cache *map;
    /* Readers only: the map's upper nodes read before, while no write has
     * committed since (store_map.c). NULL until first used, or if
     * allocation failed (the cache is optional). */
    struct store_map_upper *upper;
    /* Readers only: stored tree hashes read before. A stored hash never
     * changes once committed, so they stay valid across transactions; the
     * upper levels, shared by every proof, stay here. NULL if allocation
     * failed (the cache is optional). */
    struct store_hcache_slot *hc;
};

/* ---- store_env.c ---- */

/* Maps an LMDB or errno code to a STORE_ERR_* code. */
int store_env_code(int rc);

/* Records a write transaction's first failure other than
 * STORE_ERR_NOTFOUND, which makes its commit fail; returns err. */
int store_env_fail(struct store_txn *t, int err);

/* The transaction's cursor on database db, opened on first use (and closed
 * with the transaction). Returns 0 or a STORE_ERR_* code. */
int store_env_cursor(struct store_txn *t, int db, MDB_cursor **out);

/* Copies the value stored under the big-endian 64-bit key index in db into
 * buf (cap bytes; *len gets its length). Returns 0, STORE_ERR_SPACE, or
 * store_env_fail()'s code (STORE_ERR_NOTFOUND when absent). The one reader
 * of the tables keyed by entry index (entries, stage). */
int store_env_get_index(struct store_txn *t, int db, uint64_t index,
                        uint8_t *buf, size_t cap, size_t *len);

/* ---- store_map.c ---- */

/* Forgets the computed subtree (the credential index changed, or a new
 * read transaction began). */
void store_map_forget(struct store_txn *t);

/* Frees the computed subtree's memory. Accepts t->map == NULL. */
void store_map_free(struct store_txn *t);

#endif
