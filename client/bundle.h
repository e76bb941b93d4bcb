/*
 * bundle.h: self-contained proof files for offline verification. Pure.
 *
 * A status bundle (credlog status --save) is JSON:
 *   {"format": "credlog-status-bundle/v1",
 *    "status_proof": <status proof, as GET /v1/status answers>,
 *    "receipt": <receipt>,                                  (optional)
 *    "consistency": {"from", "to", "hashes"}}               (optional: links
 *                                     the receipt's and the status checkpoints)
 *
 * A C2SP tlog-proof (https://c2sp.org/tlog-proof, credlog receipt
 * --tlog-proof) holds a receipt as text:
 *   c2sp.org/tlog-proof@v1\n
 *   extra <base64 of the entry bytes>\n
 *   index <n>\n
 *   <base64 inclusion hash>\n ...   (leaf side first)
 *   \n
 *   <the checkpoint, verbatim>
 * credlog puts the log entry in the "extra" line: the proof is about that
 * entry, whose leaf hash is SHA-256(0x00 || entry).
 */
#ifndef CREDLOG_CLIENT_BUNDLE_H
#define CREDLOG_CLIENT_BUNDLE_H

#include <stdbool.h>
#include <stddef.h>

#include "client/doc.h"

#define CLIENT_BUNDLE_FORMAT "credlog-status-bundle/v1"
#define CLIENT_TLOG_PROOF_HEADER "c2sp.org/tlog-proof@v1\n"

/* A decoded status bundle; owns its checkpoints (client_bundle_free()). */
struct client_bundle {
    struct client_status_proof status;
    bool has_receipt;
    struct client_receipt receipt;
    bool has_consistency;
    uint8_t consistency[MERKLE_MAX_PROOF][MERKLE_HASH_SIZE];
    size_t consistency_len;
};

/* Encodes a bundle as JSON text (*out, caller frees, NUL-terminated). receipt
 * and consistency may be NULL. Returns 0 or CLIENT_ERR_NOMEM. */
int client_bundle_format(const struct client_status_proof *sp,
                         const struct client_receipt *receipt,
                         const uint8_t (*consistency)[MERKLE_HASH_SIZE],
                         size_t consistency_len, uint64_t from, uint64_t to,
                         char **out);

/* Parses a bundle. On failure *out holds nothing to free. Returns 0,
 * CLIENT_ERR_SYNTAX or CLIENT_ERR_NOMEM. */
int client_bundle_parse(const char *text, size_t len, struct client_bundle *out,
                        char *why);

/* Frees what a bundle owns. Accepts NULL. */
void client_bundle_free(struct client_bundle *b);

/* Writes a receipt as a tlog-proof (*out, caller frees, NUL-terminated).
 * Returns its length or CLIENT_ERR_NOMEM. */
int client_tlog_proof_format(const struct client_receipt *r, char **out);

/* Parses a tlog-proof into a receipt (the entry from its "extra" line).
 * Returns 0, CLIENT_ERR_SYNTAX or CLIENT_ERR_NOMEM. */
int client_tlog_proof_parse(const char *text, size_t len,
                            struct client_receipt *out, char *why);

#endif
