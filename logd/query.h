/*
 * query.h: logd's read-side answers, each built from one read transaction so
 * that everything in an answer (checkpoint, entries, proofs) is relative to
 * the same snapshot. Proofs come from stored hashes (proofs/merkle.h's
 * two-step *_needed() / assemble), so any (index, size) and (from, to) pair
 * costs O(log n) lookups. Proof answers are JSON text written into a
 * reused buffer (struct query_text); the issuer list is a jansson object the
 * caller json_decref()s. Nothing here knows about HTTP.
 */
#ifndef CREDLOG_LOGD_QUERY_H
#define CREDLOG_LOGD_QUERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "logd/keymap.h"
#include "logd/seq.h"
#include "logd/store.h"
#include "proofs/checkpoint.h"
#include "proofs/errors.h"
#include "proofs/tile.h"

/* In QUERY_ERR_BASE's block (proofs/errors.h). */
#define QUERY_ERR_NOTFOUND (-2301) /* beyond the tree */
#define QUERY_ERR_RANGE (-2302)    /* parameters out of range (bad request) */
#define QUERY_ERR_STORE (-2303)    /* storage failure or inconsistency */
#define QUERY_ERR_NOMEM (-2304)
#define QUERY_ERR_EMPTY (-2305) /* the log has no checkpoint yet */

/* Largest tile body: an entry bundle of 256 maximal entries. */
#define QUERY_TILE_MAX (TILE_WIDTH * (2 + ENTRY_MAX_SIZE))

/* Returns a static string describing a QUERY_ERR_* code. */
const char *query_strerror(int err);

/* The latest signed checkpoint into buf (cap bytes). Sets *len. */
int query_checkpoint(struct store_txn *r, char *buf, size_t cap, size_t *len);

/* The log's verifier key string and a newline into buf (cap bytes; NUL
 * terminated). Sets *len (without the NUL). */
int query_log_key(struct store_txn *r, char *buf, size_t cap, size_t *len);

/* The body of tile t (hash tile or entry bundle) into buf (cap >=
 * QUERY_TILE_MAX). QUERY_ERR_NOTFOUND unless the current tree determines it. */
int query_tile(struct store_txn *r, const struct tile *t, uint8_t *buf,
               size_t cap, size_t *len);

/* The JSON text of an answer (compact, ending in a newline), in a buffer the
 * caller keeps between requests: zero-initialize it once, pass it to any
 * number of calls (each replaces the text), free it with query_text_free().
 * data holds len bytes (not NUL-terminated) after a successful call. */
struct query_text {
    char *data;
    size_t len, cap;
    bool failed; /* internal */
};

/* Frees the buffer and zeroes it. Accepts NULL. */
void query_text_free(struct query_text *t);

/* The answers below write their JSON into *out and return 0, or return an
 * error (out then holds nothing useful); QUERY_ERR_NOMEM when the buffer
 * cannot grow. */

/* {"index", "tree_size", "leaf_hash", "hashes"}: QUERY_ERR_RANGE unless
 * index < size, QUERY_ERR_NOTFOUND if size is beyond the tree. */
int query_inclusion(struct store_txn *r, uint64_t index, uint64_t size,
                    struct query_text *out);

/* {"from", "to", "hashes"}: QUERY_ERR_RANGE unless 0 < from <= to,
 * QUERY_ERR_NOTFOUND if to is beyond the tree. */
int query_consistency(struct store_txn *r, uint64_t from, uint64_t to,
                      struct query_text *out);

/* {"index", "entry", "leaf_hash"}: QUERY_ERR_NOTFOUND beyond the tree. */
int query_entry(struct store_txn *r, uint64_t index, struct query_text *out);

/* What the answers against one tree size share: the checkpoint and the MAP
 * entry with its inclusion proof (status proofs), the key and key_proof of
 * the signing keys asked for (receipts and status proofs), and the key map
 * of the snapshot, rebuilt from the store only when the log's KEY entries
 * changed. The caller keeps
 * one between requests (one per thread): zero-initialize it once, free it
 * with query_status_cache_free(). */
#define QUERY_KEY_PARTS 8 /* signing keys whose key part is kept */
struct query_status_cache {
    uint64_t size;          /* the tree size it holds, 0 for none */
    struct query_text part; /* internal */
    struct keymap *keymap;  /* internal: the key map, or NULL */
    uint64_t keymap_size;   /* internal: a tree size it was checked at */
    uint64_t keymap_keys;   /* internal: the KEY entries it holds */
    /* internal: the "key" and "key_proof" text of the signing keys asked
     * for at keys_size, each the same in every answer of that size. */
    struct query_text keys;
    uint64_t keys_size;
    size_t nkeys;
    struct {
        uint64_t added; /* the key's KEY entry */
        size_t off, len;
    } key[QUERY_KEY_PARTS];
};

/* Frees the cache and zeroes it. Accepts NULL. */
void query_status_cache_free(struct query_status_cache *c);

/* The status proof of a credential hash against the latest checkpoint
 * (docs/protocol.md §E.2), with the key and key_proof of its issue and
 * revoke entries (§E.4). cache is rebuilt when the tree has grown. */
int query_status(struct store_txn *r, const uint8_t hash[32],
                 struct query_status_cache *cache, struct query_text *out);

/* As query_status(), against r's tree with the checkpoint note[0..len) of
 * that size (a cosigned one, from a snapshot: logd/quorum.h). cache must
 * be one for this note only (zero it when the note changes). */
int query_status_at(struct store_txn *r, const char *note, size_t len,
                    const uint8_t hash[32], struct query_status_cache *cache,
                    struct query_text *out);

/* {"receipts": [...]} for a committed request: for each submission it
 * appended (or that asked for it: full_receipt), the receipt of
 * docs/protocol.md §E.1: its entry (read back from the log), the request's
 * checkpoint, the inclusion proof of the entry in that checkpoint, the MAP
 * entry at the checkpoint's size - 1 with its inclusion proof, the KEY entry
 * that authorized the entry's signing key with its inclusion proof, and the
 * key map proof of that key as of the MAP entry; for one logged before,
 * {"index", "existing": true}; either with "revoked_index" for an ISSUE of a
 * revoked credential. At most QUERY_RECEIPT_MAX bytes per submission plus
 * QUERY_RECEIPTS_BASE. cache is as for query_status(). */
/* The largest answer per submission (a full receipt: index, base64 entry,
 * 63 inclusion hashes, revoked_index, the checkpoint as a JSON string, the
 * MAP entry and the KEY entry each with 63 inclusion hashes, and the longest
 * key map proof) and the rest of an answer; docs/operations.md turns them
 * into logd's memory bound. A short (existing) receipt is under 80 bytes. */
#define QUERY_ENTRY_PROOF_MAX(entry) (48 + 4 * (((entry) + 2) / 3) + 63 * 67)
#define QUERY_RECEIPT_MAX                                                      \
    (QUERY_ENTRY_PROOF_MAX(ENTRY_SUBMISSION_MAX) + 40 +                        \
     2 * CHECKPOINT_TEXT_MAX + 16 + QUERY_ENTRY_PROOF_MAX(ENTRY_MAP_V2_SIZE) + \
     16 + QUERY_ENTRY_PROOF_MAX(ENTRY_MAX_SIZE) + 24 +                         \
     4 * ((SMT_PROOF_MAX + 2) / 3))
#define QUERY_RECEIPTS_BASE 64

/* Marks the submissions that are byte for byte the entry the log holds for
 * their credential (its ISSUE, or its REVOKE) as known, with their index and
 * revoked set; *known counts them. Returns 0 or QUERY_ERR_STORE. */
int query_mark_known(struct store_txn *r, struct seq_sub *subs, size_t n,
                     size_t *known);

/* As query_receipts() for a request whose submissions are all known
 * (query_mark_known()), against the latest checkpoint: nothing is appended
 * and nothing goes through the sequencer. */
int query_receipts_known(struct store_txn *r, const struct seq_sub *subs,
                         size_t n, struct query_status_cache *cache,
                         struct query_text *out);

int query_receipts(struct store_txn *r, const struct seq_req *req,
                   struct query_status_cache *cache, struct query_text *out);

/* {"issuers": [{"key", "added_index", "removed_index", "identity"}, ...]}:
 * every issuer key ever added in r's snapshot, in the order of their add
 * entries; removed_index is null while the key is authorized, identity an
 * object of the KEY add entry's identity items (tag name: value; empty for
 * a KEY v1 entry). */
int query_issuers(struct store_txn *r, struct query_status_cache *cache,
                  json_t **out);

#endif
