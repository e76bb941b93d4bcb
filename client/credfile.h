/*
 * credfile.h: a credential file as credlog logs it: its credkey/v1 key
 * (proofs/credkey.h) under the profile and salt that its receipt or bundle
 * records (docs/protocol.md E.3 and F.7), and the media type a bundle
 * gives it. Pure: no I/O.
 */
#ifndef CREDLOG_CLIENT_CREDFILE_H
#define CREDLOG_CLIENT_CREDFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "client/error.h"
#include "proofs/credkey.h"

/* The profile and salt of a logged credential, as a receipt file or a
 * bundle records them ("profile", "salt"). known is false for a legacy
 * receipt, which records neither (E.3). */
struct client_credkey {
    bool known;
    enum credkey_profile profile; /* never CREDKEY_PROFILE_AUTO when known */
    uint8_t salt[CREDKEY_SALT_MAX];
    size_t salt_len; /* 0 (unsalted) or CREDKEY_SALT_MIN..CREDKEY_SALT_MAX */
};

/* Reads "profile" and "salt" from obj (a receipt file or bundle object).
 * Neither present: out->known = false and 0. Both present and valid (a
 * profile other than auto, a salt of 0 or 16..32 bytes of hex):
 * out->known = true and 0. Otherwise CLIENT_ERR_SYNTAX with why naming the
 * member. */
int client_credkey_from_json(const json_t *obj, struct client_credkey *out,
                             char *why);

/* Sets "profile" and "salt" in obj when k->known (nothing otherwise).
 * Returns 0 or CLIENT_ERR_NOMEM. */
int client_credkey_to_json(json_t *obj, const struct client_credkey *k);

/* The receipt file's JSON object (docs/protocol.md E.3): receipt r with
 * "credential_hash" (key, hex) and k's "profile" and "salt" when k is
 * known: what credlog issue writes to FILE.receipt.json and credlog agent
 * answers. A new reference (caller json_decref()s), or NULL when out of
 * memory. */
struct client_receipt;
json_t *client_receipt_file_json(const struct client_receipt *r,
                                 const uint8_t key[CREDKEY_HASH_SIZE],
                                 const struct client_credkey *k);

/* The key of the credential data[0..len) under profile (AUTO allowed) and
 * salt[0..salt_len) (NULL when 0): credkey_compute(), with the refusal as a
 * sentence in why (CLIENT_REASON_MAX). On success *out holds the profile
 * chosen, container, digest and key. Returns 0 or the CREDKEY_ERR_* code. */
int client_credfile_key(const uint8_t *data, size_t len,
                        enum credkey_profile profile, const uint8_t *salt,
                        size_t salt_len, struct credkey_result *out, char *why);

/* The key of data[0..len) for a receipt or bundle that records k, written to
 * key (CREDKEY_HASH_SIZE bytes):
 *  - k->known: the key under k's profile (named) and salt;
 *  - a legacy receipt (!k->known): of the two keys credlog gave unsalted
 *    files (the SHA-256 of the exact bytes, and the unsalted auto key),
 *    the one equal to entry_key (the hash the receipt's entry carries; may
 *    be NULL), else the unsalted auto key (the SHA-256 if credkey/v1
 *    refuses the file).
 * So the caller compares key with the entry and reports a mismatch as a
 * receipt for another credential. Returns 0 or, for k->known only, the
 * CREDKEY_ERR_* refusal (why says what is wrong and where). */
int client_credfile_match(const uint8_t *data, size_t len,
                          const struct client_credkey *k,
                          const uint8_t *entry_key,
                          uint8_t key[CREDKEY_HASH_SIZE], char *why);

/* The SHA-256 of data[0..len): how credlog keyed files before credkey/v1. */
void client_credfile_legacy_key(const uint8_t *data, size_t len,
                                uint8_t key[CREDKEY_HASH_SIZE]);

/* The media type a bundle records for data[0..len) (E.3.1): image/png,
 * image/svg+xml, application/pdf, application/jwt, application/sd-jwt,
 * application/jose+json, application/json or application/octet-stream.
 * A static string. */
const char *client_credfile_media_type(const uint8_t *data, size_t len);

#endif
