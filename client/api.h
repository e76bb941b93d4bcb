/*
 * api.h: the calls a client makes to one logd (docs/api.md), decoded into
 * doc.h structs. Nothing here verifies a proof: callers pass what they get to
 * verify.h. One handle per log URL; not thread-safe.
 */
#ifndef CREDLOG_CLIENT_API_H
#define CREDLOG_CLIENT_API_H

#include <stddef.h>
#include <stdint.h>

#include "client/doc.h"
#include "client/error.h"
#include "proofs/entry.h"
#include "proofs/merkle.h"
#include "proofs/note.h"
#include "proofs/tile.h"

#define CLIENT_SUBMIT_MAX 1000 /* submissions per POST /v1/entries */

struct client_api;

struct client_api_options {
    const char *cacert;  /* PEM CA file for https, or NULL: system store */
    int timeout_seconds; /* per request; 0 means the default (30) */
};

/* Why the log refused a submission (HTTP 4xx with {"error": ...}). */
struct client_refusal {
    int http_status;
    long position; /* the submission at fault, or -1 if the log named none */
    char message[CLIENT_REASON_MAX];
};

/* Opens a handle for url (http:// or https://). On success *out owns it.
 * Returns 0, CLIENT_ERR_ARG (bad URL), CLIENT_ERR_NET (CA file) or
 * CLIENT_ERR_NOMEM. */
int client_api_open(const char *url, const struct client_api_options *opt,
                    struct client_api **out, char *why);

/* Closes a handle. Accepts NULL. */
void client_api_close(struct client_api *a);

/* The URL the handle was opened with (valid while it is open). */
const char *client_api_url(const struct client_api *a);

/* Submits n (1..CLIENT_SUBMIT_MAX) ISSUE/REVOKE entries and decodes the n
 * receipts into receipts[] (the caller frees each with client_receipt_free()).
 * A receipt whose answer carries "revoked_index" (an ISSUE of a credential
 * already revoked) has revoked set.
 * Returns 0; CLIENT_ERR_REFUSED with *refusal filled (nothing was appended);
 * CLIENT_ERR_NET, CLIENT_ERR_HTTP or CLIENT_ERR_SYNTAX (bad answer). */
int client_api_submit(struct client_api *a, const struct entry *entries,
                      size_t n, struct client_receipt *receipts,
                      struct client_refusal *refusal, char *why);

/* GET /checkpoint: the signed note into a fresh buffer (*note, caller
 * frees). Returns 0 or CLIENT_ERR_NET, CLIENT_ERR_HTTP, CLIENT_ERR_SYNTAX. */
int client_api_checkpoint(struct client_api *a, char **note, size_t *len,
                          char *why);

/* GET /v1/log-key: the verifier key the log says it signs with (one line of
 * text). Nothing vouches for it: callers pin it on first use or compare it
 * with a key they trust. Returns 0, CLIENT_ERR_NOT_FOUND (a log without the
 * route), CLIENT_ERR_NET, CLIENT_ERR_HTTP, or CLIENT_ERR_SYNTAX (not an
 * Ed25519 verifier key). */
int client_api_log_key(struct client_api *a, struct note_verifier *out,
                       char *why);

/* GET /v1/status/<hex>: the status proof (caller frees with
 * client_status_proof_free()). */
int client_api_status(struct client_api *a,
                      const uint8_t cred[ENTRY_CREDENTIAL_SIZE],
                      struct client_status_proof *out, char *why);

/* GET /v1/proof/consistency?from=m&to=n into proof (MERKLE_MAX_PROOF hashes).
 * The answer's from/to must be m and n. */
int client_api_consistency(struct client_api *a, uint64_t m, uint64_t n,
                           uint8_t (*proof)[MERKLE_HASH_SIZE], size_t *len,
                           char *why);

/* GET tile t (hash tile or entry bundle) into a fresh buffer (*data, caller
 * frees). Returns 0, CLIENT_ERR_NOT_FOUND (404), CLIENT_ERR_NET or
 * CLIENT_ERR_HTTP. */
/* GET /v1/proof/inclusion?index=&size=: the inclusion proof of entry index
 * in the tree of size (into proof, *len hashes). Returns 0 or a CLIENT_ERR_*
 * code (why says what). */
int client_api_inclusion(struct client_api *a, uint64_t index, uint64_t size,
                         uint8_t (*proof)[MERKLE_HASH_SIZE], size_t *len,
                         char *why);

int client_api_tile(struct client_api *a, const struct tile *t, uint8_t **data,
                    size_t *len, char *why);

#endif
