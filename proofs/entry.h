/*
 * entry.h: the canonical binary encoding of credlog's log entries, pure.
 * Implemented in entry.c (entries, signatures) and entry_identity.c (the
 * identity items of KEY v2, the key map's keys). docs/protocol.md §B.6
 * documents every byte.
 *
 * All integers are big-endian. Every entry starts with u8 version (1 or 2),
 * u8 type. Version 1 (still decoded, never appended by current logd):
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
 * Version 2:
 *
 *   ISSUE, REVOKE:   as version 1 with version byte 02; REVOKE refuses reason
 *                    2 (misconduct, retired)
 *   MAP    (type 3): 02 03 || index u64 || map_root[32] || key_root[32] ||
 *                    time_ms u64 (82 bytes)
 *   KEY    (type 4): 02 04 || op u8 || u8 n || issuer[n] || public_key[32] ||
 *                    time_ms u64 || u16 m || identity[m]
 *
 * identity is 0..ENTRY_IDENTITY_MAX bytes of items u8 tag || u8 len ||
 * value[len], tags strictly ascending (ENTRY_ID_*), every value valid for its
 * tag; a remove carries none (m = 0).
 *
 * issuer is a note key name (1..255 bytes, see note_name_valid()); key_id is
 * the note key id of (issuer, 0x01, public key). An issuer's Ed25519 signature
 * covers, for version 1, ENTRY_SIGNING_PREFIX || every entry byte before the
 * signature; for version 2, ENTRY_SIGNING_PREFIX_V2 || u8 len(origin) ||
 * origin || every entry byte before the signature, origin being the log's
 * checkpoint origin (its key name), so a signed entry belongs to one log.
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

/* Entry versions. A struct entry with version 0 encodes as version 1 (code
 * written before version 2 left it zero); decoding always sets 1 or 2. */
#define ENTRY_VERSION_1 1
#define ENTRY_VERSION_2 2

#define ENTRY_ISSUE 1
#define ENTRY_REVOKE 2
#define ENTRY_MAP 3
#define ENTRY_KEY 4

#define ENTRY_KEY_ADD 1
#define ENTRY_KEY_REMOVE 2

/* Revocation reason codes (REVOKE); other values are rejected. */
#define ENTRY_REASON_UNSPECIFIED 0
#define ENTRY_REASON_ISSUED_IN_ERROR 1
/* Retired: decoded in version 1 entries (a verifier shows it as
 * "unspecified"), refused in version 2 entries and in new submissions. */
#define ENTRY_REASON_MISCONDUCT 2
#define ENTRY_REASON_SUPERSEDED 3
#define ENTRY_REASON_WITHDRAWN 4
#define ENTRY_REASON_MAX 4

/* KEY v2 identity item tags, in their required (ascending) order. */
#define ENTRY_ID_NAME 1        /* display name, UTF-8 text */
#define ENTRY_ID_DNS 2         /* DNS name, lower-case LDH, e.g. avans.nl */
#define ENTRY_ID_DID_WEB 3     /* did:web:<host>[:path...] */
#define ENTRY_ID_BRIN 4        /* Dutch institution code, e.g. 07GR */
#define ENTRY_ID_OB2_PROFILE 5 /* Open Badges 2.0 issuer profile https URL */
#define ENTRY_ID_ISSUER_ID 6   /* VC / OB3 issuer id, an absolute URI */
#define ENTRY_ID_TAG_MAX 6
#define ENTRY_IDENTITY_MAX 1024 /* bytes of encoded items (m) */

#define ENTRY_CREDENTIAL_SIZE 32
#define ENTRY_MAP_SIZE 50    /* MAP version 1 */
#define ENTRY_MAP_V2_SIZE 82 /* MAP version 2 */
/* The largest ISSUE or REVOKE entry (a REVOKE with a 255-byte issuer): what a
 * submission can produce. */
#define ENTRY_SUBMISSION_MAX (2 + 32 + 1 + 255 + 4 + 8 + 1 + 64)
/* The largest entry of any type: a KEY v2 with a 255-byte issuer and the
 * largest identity. */
#define ENTRY_MAX_SIZE (2 + 1 + 1 + 255 + 32 + 8 + 2 + ENTRY_IDENTITY_MAX)
#define ENTRY_SIGNING_PREFIX "credlog/entry/v1\n"
#define ENTRY_SIGNING_PREFIX_V2 "credlog/entry/v2\n"
/* The longest signed message: version 2 with a 255-byte origin. */
#define ENTRY_SIGNED_MAX                                                       \
    (sizeof(ENTRY_SIGNING_PREFIX_V2) - 1 + 1 + NOTE_NAME_MAX +                 \
     ENTRY_SUBMISSION_MAX - ED25519_SIGNATURE_SIZE)
/* Domain prefix of the key map's keys (entry_key_map_key()). */
#define ENTRY_KEY_MAP_PREFIX "credlog/key/v1\n"
#define ENTRY_KEY_MAP_KEY_SIZE 32

#define ENTRY_ERR_SYNTAX (-701) /* malformed, trailing bytes, bad length */
#define ENTRY_ERR_TYPE (-702)   /* unknown version, type, op or reason */
#define ENTRY_ERR_SPACE (-703)  /* output buffer too small */
#define ENTRY_ERR_SIG (-704)    /* signature does not verify */
#define ENTRY_ERR_CRYPTO (-705) /* OpenSSL failure */

/* A decoded entry. Fields not used by its type (and version) are zero.
 * issuer is NUL-terminated. */
struct entry {
    uint8_t version; /* ENTRY_VERSION_1 or _2 (0 encodes as 1) */
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
    uint8_t key_root[MERKLE_HASH_SIZE];        /* MAP v2 */
    uint16_t identity_len;                     /* KEY v2: m */
    uint8_t identity[ENTRY_IDENTITY_MAX];      /* KEY v2: the items */
};

/* Returns a static string describing an ENTRY_ERR_* code. */
const char *entry_strerror(int err);

/* Returns "issue", "revoke", "map", "key" or NULL. */
const char *entry_type_name(uint8_t type);

/* Returns a short name of a reason code ("unspecified", "issued_in_error",
 * "misconduct", "superseded", "withdrawn") or NULL. */
const char *entry_reason_name(uint8_t reason);

/* The reason name a verifier shows: as entry_reason_name(), except that the
 * retired misconduct (2) shows as "unspecified" (docs/protocol.md §B.6.2). */
const char *entry_reason_shown(uint8_t reason);

/* Encodes e into buf (cap bytes; ENTRY_MAX_SIZE always suffices). Returns the
 * length, ENTRY_ERR_SYNTAX (bad issuer name, bad identity, an identity on a
 * remove), ENTRY_ERR_TYPE (unknown version, type, op or reason, or
 * misconduct in version 2) or ENTRY_ERR_SPACE. */
int entry_encode(const struct entry *e, uint8_t *buf, size_t cap);

/* Decodes exactly len bytes. Rejects unknown versions, types, ops and reasons
 * (and reason 2 in version 2), invalid issuer names, non-canonical or invalid
 * identities and any missing or trailing byte. Returns 0, ENTRY_ERR_SYNTAX or
 * ENTRY_ERR_TYPE; on error *out is zeroed. */
int entry_decode(const uint8_t *buf, size_t len, struct entry *out);

/* Writes the message an issuer signs for an ISSUE or REVOKE entry: for
 * version 1 ENTRY_SIGNING_PREFIX || the encoding up to the signature (origin
 * is not used and may be NULL); for version 2 ENTRY_SIGNING_PREFIX_V2 || u8
 * len(origin) || origin || the encoding up to the signature, origin being the
 * log's checkpoint origin (NUL-terminated key name). ENTRY_SIGNED_MAX always
 * suffices. Returns the length, ENTRY_ERR_TYPE (other types),
 * ENTRY_ERR_SYNTAX (bad issuer, or a version 2 entry without a valid origin)
 * or ENTRY_ERR_SPACE. */
int entry_signed_message(const struct entry *e, const char *origin,
                         uint8_t *buf, size_t cap);

/* The first half of entry_sign() for a key held elsewhere (a PKCS#11
 * token: keystore/signer.h): sets e->issuer to name and e->key_id, and
 * writes the message to sign into msg (entry_signed_message()); the caller
 * signs it into e->signature. Returns the length or an ENTRY_ERR_* code. */
int entry_sign_begin(struct entry *e, const char *origin, const char *name,
                     uint32_t key_id, uint8_t *msg, size_t cap);

/* Sets e->issuer, e->key_id and e->signature from signer s, signing the
 * message of entry_signed_message() for e's version and origin. Returns 0 or
 * an ENTRY_ERR_* code. */
int entry_sign(struct entry *e, const char *origin,
               const struct note_signer *s);

/* Verifies the signature of an ISSUE or REVOKE entry against the issuer key
 * pub, for the log named origin (used by version 2 only; the caller checks
 * that pub belongs to (issuer, key_id)). Returns 0, ENTRY_ERR_SIG,
 * ENTRY_ERR_SYNTAX (version 2 without a valid origin) or ENTRY_ERR_TYPE. */
int entry_verify(const struct entry *e, const char *origin,
                 const uint8_t pub[ED25519_PUBLIC_SIZE]);

/* ---- KEY v2 identity items (entry_identity.c) ---- */

/* Returns the name of an identity tag as used in JSON and the issuers file
 * ("name", "dns", "did_web", "brin", "ob2_profile", "issuer_id") or NULL. */
const char *entry_identity_tag_name(uint8_t tag);

/* Returns the tag named name (len bytes), or ENTRY_ERR_TYPE. */
int entry_identity_tag_parse(const char *name, size_t len);

/* Whether value (len bytes) is a valid value for tag (docs/protocol.md
 * §B.6.4 gives the rules: lengths, character sets, no control, bidi or
 * invisible characters). False for unknown tags. */
bool entry_identity_value_valid(uint8_t tag, const uint8_t *value, size_t len);

/* Checks that buf (len bytes) is a canonical identity: at most
 * ENTRY_IDENTITY_MAX bytes of complete items, tags strictly ascending, every
 * value valid. Returns 0, ENTRY_ERR_TYPE (unknown tag) or ENTRY_ERR_SYNTAX. */
int entry_identity_check(const uint8_t *buf, size_t len);

/* Adds the item (tag, value) to the identity of KEY entry e, keeping the tags
 * in order. Returns 0, ENTRY_ERR_TYPE (unknown tag), ENTRY_ERR_SYNTAX (invalid
 * value, or the tag is already present) or ENTRY_ERR_SPACE (the identity
 * would exceed ENTRY_IDENTITY_MAX); on error e is unchanged. */
int entry_identity_add(struct entry *e, uint8_t tag, const uint8_t *value,
                       size_t len);

/* Finds tag in e's identity. Returns true and sets *value (pointing into
 * e->identity, valid while e is) and *len, or returns false. */
bool entry_identity_get(const struct entry *e, uint8_t tag,
                        const uint8_t **value, size_t *len);

/* The key of an issuer key in the key map (the CTL-SMT-v1 map whose root is a
 * MAP v2 entry's key_root): SHA-256(ENTRY_KEY_MAP_PREFIX || u8 n || issuer ||
 * public key), issuer a NUL-terminated key name. Returns 0 or
 * ENTRY_ERR_SYNTAX (invalid issuer name). */
int entry_key_map_key(const char *issuer,
                      const uint8_t pub[ED25519_PUBLIC_SIZE],
                      uint8_t out[ENTRY_KEY_MAP_KEY_SIZE]);

#endif
