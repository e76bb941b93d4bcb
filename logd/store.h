/*
 * store.h: logd's storage, in the log's words. One LMDB environment in the
 * data directory; the store's files (store_env.c: the environment and
 * transactions; store_log.c: entries, tree hashes, credentials, checkpoint,
 * counts, keys; store_map.c: the map's node store) are the only ones that
 * include <lmdb.h>. docs/storage.md lists every database and key layout.
 *
 * Transactions. There is one writer at a time (the sequencer; at start the
 * main thread) and any number of readers. A reader is a handle made once per
 * thread with store_reader_new() and begun and ended around each request with
 * store_read_begin()/store_read_end(): the LMDB read transaction is reset and
 * renewed, so a request costs no allocation. A reader handle may move between
 * threads while it is ended, but is used by one thread at a time; the store
 * itself (struct store) may be shared by all threads. Every function that
 * reads takes either kind of transaction; every value is copied out, nothing
 * returned points into the map (but for store_entries()'s callback).
 *
 * Errors. Every function that can fail returns 0 or a negative STORE_ERR_*
 * code (proofs/errors.h's STORE_ERR_BASE block; store_strerror() names
 * them). A write that fails poisons its write transaction: later writes on it
 * return the same code, and store_write_commit() fails with it, keeping
 * nothing.
 *
 * Map growth. LMDB's map has a fixed size. A write that does not fit fails
 * with STORE_ERR_MAP_FULL and leaves the write transaction unusable: the
 * writer aborts it, calls store_grow() (which waits until no read transaction
 * is open, then doubles the map) and runs its whole transaction again.
 * Durability: store_write_commit() returns only after LMDB's fsync; the
 * environment never uses MDB_NOSYNC, MDB_NOMETASYNC or MDB_WRITEMAP.
 */
#ifndef CREDLOG_LOGD_STORE_H
#define CREDLOG_LOGD_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proofs/errors.h"
#include "proofs/merkle.h"
#include "proofs/smt.h"

/* Errors: every function returns 0 or one of these (proofs/errors.h). */
#define STORE_ERR_IO (-2001)       /* LMDB or file system failure */
#define STORE_ERR_NOTFOUND (-2002) /* no such entry, hash, credential, ... */
#define STORE_ERR_MAP_FULL (-2003) /* the map is full: abort, grow, retry */
#define STORE_ERR_DISK_FULL                                                    \
    (-2004) /* the file system is full (ENOSPC, EDQUOT), or the file size      \
               limit (EFBIG) */
#define STORE_ERR_CORRUPT (-2005) /* a stored value has an impossible shape */
#define STORE_ERR_NOMEM (-2006)   /* allocation failed */
#define STORE_ERR_SPACE (-2007)   /* the caller's buffer is too small */
#define STORE_ERR_ORDER (-2008)   /* an append is not at the end */
#define STORE_ERR_OPEN (-2009)    /* the data directory cannot be used */
#define STORE_ERR_BUSY (-2010)    /* no snapshot now: the map is being grown */

/* Entry counts by type (store_counts). Index = entry type (proofs/entry.h),
 * 0 unused. */
#define STORE_COUNTS 5

struct store;
struct store_txn;

/* A credential's place in the log: the index of its ISSUE entry and of its
 * REVOKE entry (SMT_NONE if not revoked). */
struct store_credential {
    uint64_t issue_index;
    uint64_t revoke_index;
};

struct store_options {
    uint64_t map_size;    /* initial map size in bytes; 0: 1 GiB */
    unsigned max_readers; /* reader handles the process may hold; 0: 126 */
};

/* Returns a static string describing a STORE_ERR_* code. */
const char *store_strerror(int err);

/* Opens (creating if needed) the environment in directory dir, which must
 * exist. On failure writes a human-readable reason (LMDB's or the system's)
 * into errbuf and returns STORE_ERR_OPEN or STORE_ERR_NOMEM. opt may be NULL.
 * Close with store_close(). */
int store_open(const char *dir, const struct store_options *opt,
               struct store **out, char *errbuf, size_t errcap);

/* Closes the environment. Every transaction and reader must be finished and
 * freed first. Accepts NULL. */
void store_close(struct store *s);

/* The current map size in bytes. */
uint64_t store_map_size(struct store *s);

/* Caps the map size at max_size bytes (0: no cap but LMDB's own, 16 TiB):
 * store_grow() never grows beyond it. Call before the writer starts. */
void store_set_max_map(struct store *s, uint64_t max_size);

/* Doubles the map size (up to the cap) after a STORE_ERR_MAP_FULL. Must be
 * called by the writer with no write transaction open; waits until every
 * reader has ended its read transaction and keeps new ones out until done.
 * Returns 0, STORE_ERR_MAP_FULL (the map cannot grow now: it is at the cap,
 * or the larger map cannot be mapped, for example under an address space
 * limit; the store stays usable at its current size) or STORE_ERR_IO (LMDB
 * failed to remap after all and has no map left: every later transaction
 * fails with STORE_ERR_IO until the store is closed and opened again). */
int store_grow(struct store *s);

/* ---- transactions ---- */

/* Makes a reader handle (not begun). Returns 0, STORE_ERR_IO (for example no
 * reader slot left) or STORE_ERR_NOMEM. Free with store_reader_free(). */
int store_reader_new(struct store *s, struct store_txn **out);

/* Begins a read transaction on a reader: a snapshot of the last commit.
 * Blocks while store_grow() runs. Returns 0 or STORE_ERR_IO. */
int store_read_begin(struct store_txn *r);

/* Ends the read transaction begun by store_read_begin(). */
void store_read_end(struct store_txn *r);

/* Frees a reader handle (ending its transaction if begun). Accepts NULL. */
void store_reader_free(struct store_txn *r);

/* ---- snapshots ----
 * A snapshot is a read transaction held open across requests (logd's
 * witness push keeps the state a checkpoint was made from until a newer one
 * is cosigned: logd/quorum.h). Unlike a reader it holds no lock against
 * store_grow(), so it may be ended on any thread (the environment is opened
 * with MDB_NOTLS), but it is used by one thread at a time. While snapshots
 * are open LMDB cannot reuse the pages written since they began: the data
 * file grows by what is written meanwhile (docs/storage.md). */

/* Opens n snapshots (n >= 1) of one and the same commit, the latest, into
 * out[0..n). Returns 0, STORE_ERR_BUSY (store_grow() is waiting or running:
 * try later; also when the sequencer committed between every try), or
 * STORE_ERR_IO or STORE_ERR_NOMEM (for example no reader slot left); on
 * failure out[] is all NULL. Close each with store_snapshot_close() (or
 * store_reader_free()). Reads on a snapshot are the reads below; never
 * store_read_begin()/store_read_end(). */
int store_snapshot_open(struct store *s, size_t n, struct store_txn **out);

/* Ends and frees one snapshot, on any thread. Accepts NULL. */
void store_snapshot_close(struct store_txn *t);

/* Registers unpin (NULL: none), which store_grow() calls on the writer's
 * thread before it waits for every open snapshot to be closed: it must make
 * their owners close them soon (they may be closed on any thread, unpin
 * itself need not wait). Call with no store_grow() possible at the same time
 * or at any time to replace it; the function is called without locks held.
 */
void store_set_unpin(struct store *s, void (*unpin)(void *arg), void *arg);

/* ---- the witness push's records (store_witness.c) ----
 * Each of their functions runs a transaction of its own and may be called
 * from any thread (a write waits for the sequencer's write transaction to
 * end; none runs while store_grow() does). */

/* A witness's state as the push last saw it (docs/storage.md). */
struct store_witness {
    uint64_t size; /* the size of the latest checkpoint it cosigned */
    uint64_t time; /* that cosignature's timestamp (POSIX seconds) */
};

/* The largest witness name (its verifier key string) and quorum checkpoint
 * the store takes. */
#define STORE_WITNESS_KEY_MAX 511
#define STORE_QUORUM_MAX 16384

/* Reads witness vkey's record. Returns 0, STORE_ERR_NOTFOUND,
 * STORE_ERR_CORRUPT or STORE_ERR_IO. */
int store_witness_get(struct store *s, const char *vkey,
                      struct store_witness *out);

/* Writes the records of witnesses vkeys[0..n) (recs[0..n)) and, if quorum
 * is not NULL, the latest quorum checkpoint note (quorum_len bytes), in one
 * durable transaction. Returns 0, STORE_ERR_SPACE (a key or note too long),
 * STORE_ERR_MAP_FULL (nothing written: the sequencer grows the map with its
 * next batch), STORE_ERR_DISK_FULL or STORE_ERR_IO. */
int store_witness_put(struct store *s, const char *const *vkeys,
                      const struct store_witness *recs, size_t n,
                      const char *quorum, size_t quorum_len);

/* Copies the latest quorum checkpoint note into buf (cap bytes, not NUL
 * terminated) and sets *len. Returns 0, STORE_ERR_NOTFOUND, STORE_ERR_SPACE
 * or STORE_ERR_IO. */
int store_quorum_get(struct store *s, char *buf, size_t cap, size_t *len);

/* ---- a replica's staged entries (store_stage.c) ----
 * A replica (logd/replica.h) stages the entries it has verified, in write
 * transactions of their own, before it records them as verified, and later
 * applies them to the log up to a verified checkpoint in one write
 * transaction (docs/storage.md, "stage"). Staged entries are never served.
 */

/* Stages entry `index` (len bytes, at most ENTRY_MAX_SIZE), replacing one
 * staged before at that index. Returns 0, STORE_ERR_SPACE, STORE_ERR_MAP_FULL
 * or STORE_ERR_IO. */
int store_stage_put(struct store_txn *w, uint64_t index, const uint8_t *entry,
                    size_t len);

/* Copies staged entry `index` into buf (cap bytes) and sets *len. Returns 0,
 * STORE_ERR_NOTFOUND, STORE_ERR_SPACE or STORE_ERR_IO. */
int store_stage_get(struct store_txn *t, uint64_t index, uint8_t *buf,
                    size_t cap, size_t *len);

/* Removes every staged entry below index `below`. Returns 0,
 * STORE_ERR_MAP_FULL or STORE_ERR_IO. */
int store_stage_drop(struct store_txn *w, uint64_t below);

/* Begins the write transaction. Only one may be open at a time; the caller
 * serializes writers. Returns 0, STORE_ERR_IO, STORE_ERR_MAP_FULL or
 * STORE_ERR_NOMEM. End it with store_write_commit() or store_write_abort(). */
int store_write_begin(struct store *s, struct store_txn **out);

/* Commits durably and frees w. Returns 0, STORE_ERR_MAP_FULL,
 * STORE_ERR_DISK_FULL (the file system is full, or the data file met the
 * process's file size limit: nothing of w is kept and a later commit may
 * succeed once there is room) or STORE_ERR_IO; on failure nothing of w is
 * kept. If an earlier call on w failed, the commit fails with that error. */
int store_write_commit(struct store_txn *w);

/* Aborts and frees w. Accepts NULL. */
void store_write_abort(struct store_txn *w);

/* ---- reads (read or write transactions) ---- */

/* The number of entries in the log. Returns 0 or STORE_ERR_IO. */
int store_tree_size(struct store_txn *t, uint64_t *size);

/* Copies entry `index` into buf (cap bytes; ENTRY_MAX_SIZE always suffices)
 * and sets *len. Returns 0, STORE_ERR_NOTFOUND, STORE_ERR_SPACE or
 * STORE_ERR_IO. */
int store_entry(struct store_txn *t, uint64_t index, uint8_t *buf, size_t cap,
                size_t *len);

/* Calls fn for entries first .. first+count-1 in order (entry points into the
 * map and is valid only during the call). Stops at fn's first non-zero return
 * and returns it. Returns 0, STORE_ERR_NOTFOUND if an entry is missing, or
 * STORE_ERR_IO. */
typedef int (*store_entry_fn)(void *arg, uint64_t index, const uint8_t *entry,
                              size_t len);
int store_entries(struct store_txn *t, uint64_t first, uint64_t count,
                  store_entry_fn fn, void *arg);

/* Reads the stored tree hashes with the given stored-hash indexes
 * (proofs/merkle.h numbering) into out[0..n). Increasing indexes are
 * fastest. Returns 0, STORE_ERR_NOTFOUND, STORE_ERR_CORRUPT or STORE_ERR_IO. */
int store_read_hashes(struct store_txn *t, const uint64_t *index, size_t n,
                      uint8_t (*out)[MERKLE_HASH_SIZE]);

/* Looks a credential hash up. Returns 0, STORE_ERR_NOTFOUND (never issued),
 * STORE_ERR_CORRUPT or STORE_ERR_IO. */
int store_credential(struct store_txn *t, const uint8_t hash[32],
                     struct store_credential *out);

/* Copies the latest signed checkpoint note (not NUL-terminated) into buf.
 * Returns 0, STORE_ERR_NOTFOUND (new log), STORE_ERR_SPACE or STORE_ERR_IO. */
int store_checkpoint(struct store_txn *t, char *buf, size_t cap, size_t *len);

/* Copies the verifier key string of the log this directory belongs to (NUL
 * terminated). Returns 0, STORE_ERR_NOTFOUND, STORE_ERR_SPACE or
 * STORE_ERR_IO. */
int store_log_key(struct store_txn *t, char *buf, size_t cap);

/* Entry counts by type, counts[ENTRY_ISSUE] etc. (all zero for a new log).
 * Returns 0, STORE_ERR_CORRUPT or STORE_ERR_IO. */
int store_counts(struct store_txn *t, uint64_t counts[STORE_COUNTS]);

/* Calls fn for each issuer key ever added (issuer name NUL-terminated,
 * public key, index of the KEY entry that added it, index of the KEY entry
 * that removed it or SMT_NONE while it is authorized), in the order of
 * (u8 name length, name, key). These are exactly the key map's leaves
 * (docs/protocol.md §B.6.3) over every entry in t's snapshot. Stops at fn's
 * first non-zero return and returns it. Returns 0, STORE_ERR_CORRUPT or
 * STORE_ERR_IO. */
typedef int (*store_key_fn)(void *arg, const char *issuer,
                            const uint8_t pub[32], uint64_t added_index,
                            uint64_t removed_index);
int store_keys(struct store_txn *t, store_key_fn fn, void *arg);

/* The node store keeps a map branch only if its subtree holds more than
 * STORE_MAP_BUDGET branch records (docs/protocol.md C.4) and computes every
 * other node from the credential index: so in a read transaction computing
 * one node reads at most STORE_MAP_BUDGET + 1 credentials and hashes at most
 * 2 * STORE_MAP_BUDGET + 1 nodes, whatever keys the log holds, and a proof of
 * depth D at most (2 D + 1) times that. In a write transaction a computed
 * node also holds the batch's credentials under it. Part of storage format
 * 3: changing it changes which nodes a directory stores. */
#define STORE_MAP_BUDGET 8

/* Fills *out with the CTL-SMT-v1 node store over t, for proofs/smt.h's
 * functions: reads see t's snapshot (and t's own writes); put() needs a write
 * transaction (on a reader it returns STORE_ERR_IO). *out is valid while t
 * is. The map's keys and values are the credential index's: a credential
 * must be written (store_put_credential) before the map update that adds or
 * changes it, in the same transaction (docs/storage.md). A failing callback
 * returns its STORE_ERR_* code, which smt_root(), smt_get(), smt_prove() and
 * smt_update() return unchanged: STORE_ERR_IO, STORE_ERR_CORRUPT,
 * STORE_ERR_NOMEM, and for put() (smt_update) STORE_ERR_MAP_FULL or the
 * code that poisoned t before. */
void store_smt(struct store_txn *t, struct smt_store *out);

/* The work the node store has done in transaction handle t since it was made
 * (a reader handle counts across its read transactions): credential index
 * entries read to compute map nodes, and map nodes hashed to compute them.
 * For tests and the benchmark: a proof's or an update's work is the
 * difference around it. */
struct store_map_work {
    uint64_t creds_read;
    uint64_t nodes_hashed;
    uint64_t largest; /* the most credentials one computed node read */
};
void store_smt_work(struct store_txn *t, struct store_map_work *out);

/* The map nodes stored (in t's snapshot): exactly the branches holding more
 * than STORE_MAP_BUDGET branch records. Returns 0 or STORE_ERR_IO. */
int store_smt_nodes(struct store_txn *t, uint64_t *count);

/* Recomputes every stored map node from the credential index, in w (opening
 * a directory of an older format does this once). Returns 0, STORE_ERR_IO (w
 * is a reader, or LMDB failed), STORE_ERR_CORRUPT, STORE_ERR_NOMEM,
 * STORE_ERR_MAP_FULL or the code that poisoned w before. */
int store_smt_rebuild(struct store_txn *w);

/* ---- writes (write transactions only) ---- */

/* Appends entry `index`, which must be the tree size. Returns 0,
 * STORE_ERR_ORDER, STORE_ERR_MAP_FULL or STORE_ERR_IO. */
int store_append_entry(struct store_txn *w, uint64_t index,
                       const uint8_t *entry, size_t len);

/* Appends n stored hashes with indexes first .. first+n-1, which must follow
 * every stored index. Returns 0, STORE_ERR_ORDER, STORE_ERR_MAP_FULL or
 * STORE_ERR_IO. */
int store_append_hashes(struct store_txn *w, uint64_t first,
                        const uint8_t (*hashes)[MERKLE_HASH_SIZE], size_t n);

/* Sets a credential's indexes. Returns 0, STORE_ERR_MAP_FULL or STORE_ERR_IO.
 */
int store_put_credential(struct store_txn *w, const uint8_t hash[32],
                         const struct store_credential *c);

/* Replaces the latest checkpoint note. Returns 0, STORE_ERR_MAP_FULL or
 * STORE_ERR_IO. */
int store_put_checkpoint(struct store_txn *w, const char *note, size_t len);

/* Records the log's verifier key string (once, for a new directory). */
int store_put_log_key(struct store_txn *w, const char *vkey);

/* Replaces the entry counts. */
int store_put_counts(struct store_txn *w, const uint64_t counts[STORE_COUNTS]);

/* The issuer keys, by the key map's rules (docs/protocol.md §B.6.3):
 * store_put_key() records a key added at added_index, unless it was ever
 * added before (then it changes nothing: a key is added once, and a removed
 * key is never authorized again); store_remove_key() records that an
 * authorized key was removed at removed_index (STORE_ERR_NOTFOUND if it was
 * never added; a key already removed keeps its first remove index). issuer is
 * NUL-terminated, 1 to 255 bytes. Return 0 or a STORE_ERR_* code. */
int store_put_key(struct store_txn *w, const char *issuer,
                  const uint8_t pub[32], uint64_t added_index);
int store_remove_key(struct store_txn *w, const char *issuer,
                     const uint8_t pub[32], uint64_t removed_index);

/* Rebuilds the issuer keys from the log's KEY entries (versions 1 and 2), in
 * w, by the rules above: one pass over every entry (opening a directory of
 * format 3 or older does this once). Returns 0 or a STORE_ERR_* code. */
int store_keys_rebuild(struct store_txn *w);

#endif
