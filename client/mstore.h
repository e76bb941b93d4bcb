/*
 * mstore.h: the monitor's replayed state in LMDB (the only client file that
 * includes <lmdb.h>). One environment in the state directory; the monitor
 * replays entries inside write transactions and commits at points where
 * everything replayed is proven part of a verified checkpoint, so the state
 * is always one of those points.
 *
 * Databases (all integers big-endian):
 *   meta     "log_key" -> verifier key string of the log this state follows
 *            "range"   -> the compact range of the entries replayed (the
 *                         first N entries of the "latest" checkpoint's tree,
 *                         proven so): compact_encode() of proofs/compact.h
 *            "replay"  -> the replay's state after those N entries (size,
 *                         last entry type, counts, version floor, the time
 *                         rules' state): replay_encode() of proofs/replay.h
 *                         (a state saved before the key map holds its
 *                         version 2 encoding, which the monitor refuses:
 *                         its store has no "keysmt")
 *            "latest"  -> the latest verified checkpoint (signed note): its
 *                         signature checked and proven consistent with the
 *                         one before; forks are judged against it
 *            "checkpoint" -> the anchor: the checkpoint the replay follows,
 *                         whose last entry must be a MAP entry; equal to
 *                         "latest" once "size" reaches an earlier anchor
 *   States written before "range" and "replay" existed hold instead, and
 *   are still read: "size" (u64 N), "compact" (repeated u64 stored-hash
 *   index || hash[32], the hashes of merkle_tree_hash_needed(N)), "counts"
 *   (u64 ISSUE, REVOKE, MAP, KEY) and "times" (the time part of
 *   replay_encode(), or absent in states from before the time checks).
 *   keys     issuer || 0x00 || u32 key id -> public key[32] || u64 KEY index
 *   creds    credential[32] -> u64 issue index || u64 revoke index || issuer
 *   smt      u16 depth || prefix[ceil(depth/8)] -> CTL-SMT-v1 node:
 *            u8 kind || hash[32] (|| key[32] || value[16] for a leaf)
 *            of the credential map
 *   keysmt   the same for the key map (protocol.md §B.6.3): its leaves are
 *            the keys ever added, entry_key_map_key() -> u64 add index ||
 *            u64 remove index
 *   issuers  issuer -> u64 issued || u64 revoked
 */
#ifndef CREDLOG_CLIENT_MSTORE_H
#define CREDLOG_CLIENT_MSTORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "client/error.h"
#include "proofs/ed25519.h"
#include "proofs/errors.h"
#include "proofs/note.h"
#include "proofs/smt.h"

/* Error codes (in MSTORE_ERR_BASE of proofs/errors.h). Functions with a
 * `why` argument also write a sentence there; the others leave one for
 * mstore_error(). */
#define MSTORE_OK 0
#define MSTORE_ERR_LMDB (-4201)    /* LMDB failed (the text says how) */
#define MSTORE_ERR_NOMEM (-4202)   /* out of memory */
#define MSTORE_ERR_CORRUPT (-4203) /* a stored record has the wrong shape */
#define MSTORE_ERR_TOO_BIG (-4204) /* the map would exceed MSTORE_MAX_MAP */
#define MSTORE_ERR_BROKEN (-4205)  /* a failed resize could not be undone */

/* Returns a static string describing an MSTORE_ERR_* code. */
const char *mstore_strerror(int err);

/* The largest map the state grows to (1 TiB): more is no plausible monitor
 * state, and asking LMDB for it would only fail. */
#define MSTORE_MAX_MAP ((uint64_t)1 << 40)

struct mstore;
struct mstore_txn;

/* Opens (creating) the state in dir, sized for at least `reserve` more
 * bytes. Returns 0, MSTORE_ERR_LMDB, MSTORE_ERR_NOMEM or
 * MSTORE_ERR_TOO_BIG. */
int mstore_open(const char *dir, uint64_t reserve, struct mstore **out,
                char *why);

/* Makes room for at least `reserve` more bytes (grows the map to twice what
 * is used plus reserve; no transaction may be open). Refuses what would
 * exceed MSTORE_MAX_MAP without asking LMDB. If LMDB cannot map the new
 * size, the environment is reopened at its old size and stays usable.
 * Returns 0, MSTORE_ERR_TOO_BIG, MSTORE_ERR_NOMEM or MSTORE_ERR_LMDB (the
 * state is unchanged and usable), or MSTORE_ERR_BROKEN (it could not be
 * reopened: every later call fails with it; close the store). */
int mstore_reserve(struct mstore *s, uint64_t reserve, char *why);

/* Closes the environment. Accepts NULL. No transaction may be open. */
void mstore_close(struct mstore *s);

/* Begins a transaction (write or read-only). Returns 0, MSTORE_ERR_LMDB,
 * MSTORE_ERR_NOMEM or MSTORE_ERR_BROKEN. */
int mstore_begin(struct mstore *s, bool write, struct mstore_txn **out,
                 char *why);

/* Commits durably and frees t (also on failure). Returns 0 or an
 * MSTORE_ERR_* code. */
int mstore_commit(struct mstore_txn *t, char *why);

/* Aborts and frees t. Accepts NULL. */
void mstore_abort(struct mstore_txn *t);

/* The functions below return 0 or an MSTORE_ERR_* code, with a text for
 * mstore_error().
 *
 * Reads meta[key] into a fresh buffer (*val, caller frees; NUL-terminated
 * for convenience). *found tells whether it exists. */
int mstore_meta_get(struct mstore_txn *t, const char *key, uint8_t **val,
                    size_t *len, bool *found);
int mstore_meta_put(struct mstore_txn *t, const char *key, const void *val,
                    size_t len);

/* Issuer keys authorized at the current point of the replay. */
int mstore_key_get(struct mstore_txn *t, const char *issuer, uint32_t key_id,
                   uint8_t pub[ED25519_PUBLIC_SIZE], bool *found);
int mstore_key_put(struct mstore_txn *t, const char *issuer, uint32_t key_id,
                   const uint8_t pub[ED25519_PUBLIC_SIZE], uint64_t index);
int mstore_key_del(struct mstore_txn *t, const char *issuer, uint32_t key_id);

/* Credentials: issue and revoke index (SMT_NONE) and the issuer's name
 * (NOTE_NAME_MAX + 1 bytes). */
int mstore_cred_get(struct mstore_txn *t, const uint8_t cred[32],
                    uint64_t *issue, uint64_t *revoke, char *issuer,
                    bool *found);
int mstore_cred_put(struct mstore_txn *t, const uint8_t cred[32],
                    uint64_t issue, uint64_t revoke, const char *issuer);

/* Per-issuer counters: adds the deltas. */
int mstore_issuer_add(struct mstore_txn *t, const char *issuer, uint64_t issued,
                      uint64_t revoked);

/* Calls fn for every issuer that has a key or a credential, in name order,
 * with its number of authorized keys and counters. */
int mstore_issuers_each(struct mstore_txn *t,
                        void (*fn)(void *ctx, const char *issuer, unsigned keys,
                                   uint64_t issued, uint64_t revoked),
                        void *ctx);

/* A CTL-SMT-v1 node store of the credential map over the transaction
 * (valid while t is). */
void mstore_smt(struct mstore_txn *t, struct smt_store *out);

/* The same for the key map. */
void mstore_keysmt(struct mstore_txn *t, struct smt_store *out);

/* A description of the last LMDB failure on the transaction's store. */
const char *mstore_error(const struct mstore_txn *t);

#endif
