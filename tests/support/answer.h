/*
 * answer.h: checks logd's answers as an outside verifier would, with
 * proofs/ and the log's verifier key only (p->log_verifier), never with
 * client/ or logd's code: receipts, inclusion objects and status proofs
 * (docs/api.md, docs/protocol.md).
 *
 * The checks return true or false (they print nothing); they borrow the
 * JSON they read.
 */
#ifndef CREDLOG_TESTS_ANSWER_H
#define CREDLOG_TESTS_ANSWER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "logd_proc.h"
#include "proofs/checkpoint.h"
#include "proofs/entry.h"

/* Decodes a JSON array of hex hashes into out (cap of them). Returns how
 * many, or -1 if arr is not such an array or has more than cap. */
int answer_hashes(const json_t *arr, uint8_t (*out)[32], size_t cap);

/* Decodes a JSON base64 string into out (cap bytes). Returns the length,
 * or a negative value if s is not a string of valid base64 that fits. */
int answer_b64(const json_t *s, uint8_t *out, size_t cap);

/* Checks {"index", "entry", "inclusion"} against the tree (size, root):
 * the entry is included at index. On success *index (if not NULL) gets the
 * index and ebuf (ENTRY_MAX_SIZE bytes, if not NULL) the entry, *elen its
 * length. */
bool answer_included(const json_t *o, uint64_t size, const uint8_t root[32],
                     uint64_t *index, uint8_t *ebuf, size_t *elen);

/* docs/protocol.md §E.4: the ISSUE or REVOKE entry e at index i (already
 * proved included in cp) is signed by a key authorized at i, shown by o's
 * "key" (the KEY add entry, included in cp) and "key_proof" (its key map
 * proof against map's key_root; map is the MAP v2 entry at cp->size - 1,
 * already proved included), and its signature verifies for cp's origin. On
 * success *key_out (if not NULL) gets the KEY entry. */
bool answer_authorized(const json_t *o, const struct entry *e, uint64_t i,
                       const struct checkpoint *cp, const struct entry *map,
                       struct entry *key_out);

/* Verifies a receipt completely (docs/protocol.md §E.1): the checkpoint's
 * signature by the log key, the entry's inclusion in it, the MAP v2 entry
 * at its size - 1, the entry's signature and authorization (E.4), and (if
 * want is not NULL) that the entry is the want_len bytes at want. On
 * success *index and *cp_out get the entry's index and the checkpoint (each
 * if not NULL). */
bool answer_receipt(const struct logd_proc *p, const json_t *rec,
                    const uint8_t *want, size_t want_len, uint64_t *index,
                    struct checkpoint *cp_out);

/* Verifies a status proof completely, as a verifier knowing only the log
 * key and docs/protocol.md would (§E.2: checkpoint, MAP v2 entry last in
 * it, map proof to its root, ISSUE and REVOKE entries at the indexes the
 * map holds, each signed by a key authorized at its index, E.4), and that
 * its status is want ("unknown", "active", "revoked"). */
bool answer_status(const struct logd_proc *p, const json_t *st,
                   const uint8_t cred[32], const char *want);

#endif
