/*
 * entry.h: the canonical binary encoding of credlog's log entries, pure.
 * Implemented in entry.c. docs/protocol.md documents every byte.
 *
 * All integers are big-endian. Every entry starts with u8 version = 1, u8 type.
 *
 *   ISSUE  (type 1): 01 01 || credential[32] || u8 n || issuer[n] ||
 *                    key_id u32 || timestamp_ms u64 || signature[64]
 *   REVOKE (type 2): 01 02 || credential[32] || u8 n || issuer[n] ||
 *                    key_id u32 || timestamp_ms u64 || reason u8 ||
 *                    signature[64]
 *   MAP    (type 3): 01 03 || index u64 || map_root[32] || time_ms u64
 *                    (50 bytes)
 *   KEY    (type 4): 01 04 || op u8 (1 add, 2 remove) || u8 n || issuer[n] ||
 *                    public_key[32] || time_ms u64
 *
 * issuer is a note key name (1..255 bytes, see note_name_valid()); key_id is
 * the note key id of (issuer, 0x01, public key). An issuer's Ed25519 signature
 * covers ENTRY_SIGNING_PREFIX || every entry byte before the signature.
 */
#ifndef CREDLOG_PROOFS_ENTRY_H
#define CREDLOG_PROOFS_ENTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proofs/ed25519.h"
#include "proofs/errors.h"
#include "proofs/merkle.h"
#include "proofs/note.h"

#define ENTRY_VERSION 1
#define ENTRY_ISSUE 1
#define ENTRY_REVOKE 2
#define ENTRY_MAP 3
#define ENTRY_KEY 4

#define ENTRY_KEY_ADD 1
#define ENTRY_KEY_REMOVE 2

/* Revocation reason codes (REVOKE); other values are rejected. */
#define ENTRY_REASON_UNSPECIFIED 0
#define ENTRY_REASON_ISSUED_IN_ERROR 1
#define ENTRY_REASON_MISCONDUCT 2
#define ENTRY_REASON_SUPERSEDED 3
#define ENTRY_REASON_WITHDRAWN 4
#define ENTRY_REASON_MAX 4

#define ENTRY_CREDENTIAL_SIZE 32
#define ENTRY_MAP_SIZE 50
#define ENTRY_MAX_SIZE (2 + 32 + 1 + 255 + 4 + 8 + 1 + 64)
#define ENTRY_SIGNING_PREFIX "credlog/entry/v1\n"
#define ENTRY_SIGNED_MAX (sizeof(ENTRY_SIGNING_PREFIX) - 1 + ENTRY_MAX_SIZE)

#define ENTRY_ERR_SYNTAX (-701) /* malformed, trailing bytes, bad length */
#define ENTRY_ERR_TYPE (-702)   /* unknown version, type, op or reason */
#define ENTRY_ERR_SPACE (-703)  /* output buffer too small */
#define ENTRY_ERR_SIG (-704)    /* signature does not verify */
#define ENTRY_ERR_CRYPTO (-705) /* OpenSSL failure */

/* A decoded entry. Fields not used by its type are zero. issuer is
 * NUL-terminated. */
struct entry {
    uint8_t type;
    uint8_t credential[ENTRY_CREDENTIAL_SIZE]; /* ISSUE, REVOKE */
    char issuer[NOTE_NAME_MAX + 1];            /* ISSUE, REVOKE, KEY */
    uint32_t key_id;                           /* ISSUE, REVOKE */
    uint64_t timestamp_ms; /* all: issuer time or log time */
    uint8_t reason;        /* REVOKE */
    uint8_t signature[ED25519_SIGNATURE_SIZE]; /* ISSUE, REVOKE */
    uint8_t key_op;                            /* KEY */
    uint8_t public_key[ED25519_PUBLIC_SIZE];   /* KEY */
    uint64_t map_index;                        /* MAP */
    uint8_t map_root[MERKLE_HASH_SIZE];        /* MAP */
};

/* Returns a static string describing an ENTRY_ERR_* code. */
const char *entry_strerror(int err);

/* Returns "issue", "revoke", "map", "key" or NULL. */
const char *entry_type_name(uint8_t type);

/* Returns a short name of a reason code ("unspecified", "issued_in_error",
 * "misconduct", "superseded", "withdrawn") or NULL. */
const char *entry_reason_name(uint8_t reason);

/* Encodes e into buf (cap bytes). Returns the length, ENTRY_ERR_SYNTAX (bad
 * issuer name), ENTRY_ERR_TYPE or ENTRY_ERR_SPACE. */
int entry_encode(const struct entry *e, uint8_t *buf, size_t cap);

/* Decodes exactly len bytes. Rejects unknown versions, types, ops and reasons,
 * invalid issuer names and any missing or trailing byte. Returns 0,
 * ENTRY_ERR_SYNTAX or ENTRY_ERR_TYPE. */
int entry_decode(const uint8_t *buf, size_t len, struct entry *out);

/* Writes the message an issuer signs for an ISSUE or REVOKE entry:
 * ENTRY_SIGNING_PREFIX || the encoding up to the signature. Returns the
 * length, ENTRY_ERR_TYPE (other types), ENTRY_ERR_SYNTAX or ENTRY_ERR_SPACE. */
int entry_signed_message(const struct entry *e, uint8_t *buf, size_t cap);

/* Sets e->issuer, e->key_id and e->signature from signer s. Returns 0 or an
 * ENTRY_ERR_* code. */
int entry_sign(struct entry *e, const struct note_signer *s);

/* Verifies the signature of an ISSUE or REVOKE entry against the issuer key
 * pub (the caller checks that pub belongs to (issuer, key_id)). Returns 0,
 * ENTRY_ERR_SIG or ENTRY_ERR_TYPE. */
int entry_verify(const struct entry *e, const uint8_t pub[ED25519_PUBLIC_SIZE]);

#endif
