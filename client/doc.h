/*
 * doc.h: the documents a client handles, decoded from and encoded to the JSON
 * of docs/api.md: receipts (POST /v1/entries, FILE.receipt.json) and status
 * proofs (GET /v1/status/<hash>). Pure: no I/O, so the parsers can be fuzzed.
 *
 * Decoding checks syntax only (field types, hex, base64, lengths); whether a
 * document proves anything is verify.h's job. Unknown fields are ignored.
 */
#ifndef CREDLOG_CLIENT_DOC_H
#define CREDLOG_CLIENT_DOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "client/error.h"
#include "proofs/entry.h"
#include "proofs/merkle.h"
#include "proofs/smt.h"

/* Largest signed note (checkpoint) a document may carry. */
#define CLIENT_NOTE_MAX 65536

/* An entry with its inclusion proof in some checkpoint. */
struct client_logged_entry {
    uint64_t index;
    uint8_t entry[ENTRY_MAX_SIZE];
    size_t entry_len;
    uint8_t inclusion[MERKLE_MAX_PROOF][MERKLE_HASH_SIZE];
    size_t inclusion_len;
};

/* What shows that the key that signed an ISSUE or REVOKE entry was
 * authorized at its index (docs/protocol.md §E.4): the answer's "key" (the
 * KEY add entry with its inclusion proof) and "key_proof" (its CTL-SMT-v1
 * proof in the key map of the MAP entry at the checkpoint's end). present
 * is false when the answer has neither (an answer from before entry
 * version 2); an answer with only one of them does not decode. */
struct client_key_auth {
    bool present;
    struct client_logged_entry key;
    uint8_t proof[SMT_PROOF_MAX];
    size_t proof_len;
};

/* A receipt: an entry, the checkpoint it was sequenced into, and its
 * inclusion proof in that checkpoint; with version 2 also the MAP entry at
 * the checkpoint's end ("map", has_map) and the entry's key authorization
 * ("key", "key_proof"). checkpoint is owned (malloc'd, NUL-terminated):
 * release with client_receipt_free(). */
struct client_receipt {
    struct client_logged_entry e;
    char *checkpoint;
    size_t checkpoint_len;
    bool has_map;
    struct client_logged_entry map;
    struct client_key_auth auth;
    /* From a submission answer only (client_api_submit), never read from or
     * written to a receipt file: the log says the credential of this ISSUE
     * receipt is revoked, by the REVOKE entry at revoked_index. */
    bool revoked;
    uint64_t revoked_index;
};

/* The status a status proof claims (verify.h computes the real one). */
#define CLIENT_STATUS_ACTIVE 1
#define CLIENT_STATUS_REVOKED 2
#define CLIENT_STATUS_UNKNOWN 3

/* A status proof, all relative to one checkpoint. checkpoint is owned:
 * release with client_status_proof_free(). */
struct client_status_proof {
    uint8_t credential[ENTRY_CREDENTIAL_SIZE];
    int status; /* CLIENT_STATUS_* as claimed by the log */
    char *checkpoint;
    size_t checkpoint_len;
    struct client_logged_entry map;
    bool has_issue;
    struct client_logged_entry issue;
    struct client_key_auth issue_auth; /* issue.key, issue.key_proof */
    bool has_revoke;
    struct client_logged_entry revoke;
    struct client_key_auth revoke_auth; /* revoke.key, revoke.key_proof */
    uint8_t map_proof[SMT_PROOF_MAX];
    size_t map_proof_len;
};

/* "active", "revoked", "unknown" or NULL. */
const char *client_status_name(int status);

/* Decodes a receipt object. On success *out owns a checkpoint copy; on
 * failure *out holds nothing to free. Returns 0 or CLIENT_ERR_SYNTAX (why
 * says which field), CLIENT_ERR_NOMEM. */
int client_receipt_from_json(const json_t *obj, struct client_receipt *out,
                             char *why);

/* Parses receipt JSON text (len bytes); as client_receipt_from_json(). */
int client_receipt_parse(const char *text, size_t len,
                         struct client_receipt *out, char *why);

/* Encodes a receipt as a new JSON object (caller json_decref()s), or NULL on
 * allocation failure. */
json_t *client_receipt_to_json(const struct client_receipt *r);

/* Frees what a receipt owns and zeroes it. Accepts NULL. */
void client_receipt_free(struct client_receipt *r);

/* Deep copy: *dst owns its own checkpoint. Returns 0 or CLIENT_ERR_NOMEM. */
int client_receipt_copy(struct client_receipt *dst,
                        const struct client_receipt *src);

/* Decodes a status proof object; as client_receipt_from_json(). */
int client_status_proof_from_json(const json_t *obj,
                                  struct client_status_proof *out, char *why);

/* Parses status proof JSON text. */
int client_status_proof_parse(const char *text, size_t len,
                              struct client_status_proof *out, char *why);

/* Encodes a status proof as a new JSON object, or NULL. */
json_t *client_status_proof_to_json(const struct client_status_proof *sp);

/* Frees what a status proof owns. Accepts NULL. */
void client_status_proof_free(struct client_status_proof *sp);

/* Decodes {"from","to","hashes"} (GET /v1/proof/consistency) into proof
 * (MERKLE_MAX_PROOF hashes). Returns 0 or CLIENT_ERR_SYNTAX. */
int client_consistency_from_json(const json_t *obj, uint64_t *from,
                                 uint64_t *to,
                                 uint8_t (*proof)[MERKLE_HASH_SIZE],
                                 size_t *proof_len, char *why);

/* Encodes a consistency proof as {"from","to","hashes"}, or NULL. */
json_t *client_consistency_to_json(uint64_t from, uint64_t to,
                                   const uint8_t (*proof)[MERKLE_HASH_SIZE],
                                   size_t proof_len);

/* Builds the submission object for an ISSUE or REVOKE entry (docs/api.md).
 * Returns a new object or NULL (other entry types, or no memory). */
json_t *client_submission_to_json(const struct entry *e);

/* Helpers shared by the decoders (also used by bundle.c and api.c). */

/* Reads a non-negative integer field into *out. */
int client_json_u64(const json_t *obj, const char *key, uint64_t *out,
                    char *why);
/* Decodes a field holding exactly n bytes of hex. */
int client_json_hex(const json_t *obj, const char *key, uint8_t *out, size_t n,
                    char *why);
/* Decodes a base64 field into out (cap bytes); *len gets its length. */
int client_json_b64(const json_t *obj, const char *key, uint8_t *out,
                    size_t cap, size_t *len, char *why);
/* Decodes an array of hex hashes (at most MERKLE_MAX_PROOF). */
int client_json_hashes(const json_t *obj, const char *key,
                       uint8_t (*out)[MERKLE_HASH_SIZE], size_t *len,
                       char *why);

#endif
