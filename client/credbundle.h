/*
 * credbundle.h: the holder's bundle, credlog-bundle/v1 (docs/protocol.md
 * E.3.1): one JSON file with a credential (base64, file name, media type),
 * its credkey/v1 profile and salt, its ISSUE receipt, and optionally a
 * status proof and the consistency proof linking the two checkpoints.
 * `credlog bundle` writes it; `credlog verify B.credlog` checks it alone.
 * Pure: no I/O, so the parser can be fuzzed.
 *
 * Decoding checks syntax only; whether the bundle proves anything is
 * verify.h's job, with the key client_credfile_match() computes from the
 * bundled bytes.
 */
#ifndef CREDLOG_CLIENT_CREDBUNDLE_H
#define CREDLOG_CLIENT_CREDBUNDLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "client/credfile.h"
#include "client/doc.h"

#define CLIENT_CREDBUNDLE_FORMAT "credlog-bundle/v1"

/* The largest bundle file credlog reads: the base64 of a 64 MiB credential
 * (credkey/v1's limit) and room for the proofs. */
#define CLIENT_CREDBUNDLE_FILE_MAX ((size_t)96 << 20)

/* Longest credential.name and credential.media_type, in bytes. */
#define CLIENT_CREDBUNDLE_NAME_MAX 255

/* A decoded bundle. It owns data and the checkpoints: release with
 * client_credbundle_free(). */
struct client_credbundle {
    char name[CLIENT_CREDBUNDLE_NAME_MAX + 1];
    char media_type[CLIENT_CREDBUNDLE_NAME_MAX + 1];
    uint8_t *data; /* the credential file's bytes (1..CREDKEY_INPUT_MAX) */
    size_t data_len;
    struct client_credkey credkey; /* always known */
    struct client_receipt receipt;
    bool has_status;
    struct client_status_proof status;
    bool has_consistency;
    uint64_t consistency_from, consistency_to; /* as written; not trusted */
    uint8_t consistency[MERKLE_MAX_PROOF][MERKLE_HASH_SIZE];
    size_t consistency_len;
};

/* Whether text[0..len) is a credlog-bundle/v1 file: a JSON object whose
 * "format" is that string. Cheap for other files (it parses only text that
 * holds the format string). */
bool client_credbundle_detect(const char *text, size_t len);

/* Whether name is a valid credential.name: 1..255 bytes, no '/', '\\',
 * control character or DEL, not "." or "..". */
bool client_credbundle_name_ok(const char *name);

/* Writes into out (CLIENT_CREDBUNDLE_NAME_MAX + 1 bytes) a valid
 * credential.name for the file at path: its last path component, with each
 * byte that is not allowed replaced by '_', cut to 255 bytes at a UTF-8
 * boundary ("credential" if nothing is left). */
void client_credbundle_name_from_path(const char *path, char *out);

/* Encodes b as JSON text (*out, caller frees, NUL-terminated, ending in a
 * newline). b->credkey must be known; the status proof and consistency
 * proof are written when has_status and has_consistency say so. Returns 0
 * or CLIENT_ERR_NOMEM. */
int client_credbundle_format(const struct client_credbundle *b, char **out);

/* Parses a bundle. On failure *out holds nothing to free. Returns 0,
 * CLIENT_ERR_SYNTAX (why names the member) or CLIENT_ERR_NOMEM. */
int client_credbundle_parse(const char *text, size_t len,
                            struct client_credbundle *out, char *why);

/* Frees what b owns and zeroes it. Accepts NULL. */
void client_credbundle_free(struct client_credbundle *b);

#endif
