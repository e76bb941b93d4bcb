/*
 * note.h: C2SP signed-note keys, signing and opening (with C2SP
 * tlog-cosignature/v1 verification of witness lines). Implemented in note.c.
 * Checkpoint bodies are in checkpoint.h, the cosignature message in
 * cosignature.h.
 *
 * Key strings are exactly those of Go's golang.org/x/mod/sumdb/note:
 *   signer key:   PRIVATE+KEY+<name>+<hex8 key id>+<base64(0x01 || seed)>
 *   verifier key: <name>+<hex8 key id>+<base64(0x01 || public key)>
 *   key id:       first 4 bytes (big-endian) of
 *                 SHA-256(name || "\n" || type || public key), type 0x01 for
 *                 Ed25519 note keys and 0x04 for cosignature/v1 keys.
 */
#ifndef CREDLOG_PROOFS_NOTE_H
#define CREDLOG_PROOFS_NOTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proofs/ed25519.h"
#include "proofs/errors.h"

#define NOTE_NAME_MAX 255       /* longest key name accepted */
#define NOTE_MAX_SIGNATURES 100 /* more signature lines make a note invalid */
#define NOTE_KEY_TEXT_MAX 400   /* enough for any key string written here */

#define NOTE_TYPE_ED25519 0x01
#define NOTE_TYPE_COSIGNATURE 0x04

#define NOTE_ERR_SYNTAX (-401)     /* malformed key or note */
#define NOTE_ERR_SPACE (-402)      /* output buffer too small */
#define NOTE_ERR_CRYPTO (-403)     /* OpenSSL failure */
#define NOTE_ERR_BAD_SIG (-404)    /* a known key's signature does not verify */
#define NOTE_ERR_UNVERIFIED (-405) /* no signature by a known key */
#define NOTE_ERR_TOO_MANY (-406)   /* over NOTE_MAX_SIGNATURES signatures */
#define NOTE_ERR_NOMEM (-407)      /* allocation failed */

/* An Ed25519 note signer. Holds a private seed: wipe with note_signer_wipe().
 * type is NOTE_TYPE_ED25519 for log and issuer keys (they sign notes and
 * entries) or NOTE_TYPE_COSIGNATURE for a witness's cosigner key (it signs
 * cosignature/v1 lines only, see cosignature.h); its key id is over that
 * type. */
struct note_signer {
    char name[NOTE_NAME_MAX + 1];
    uint8_t type;
    uint32_t key_id;
    uint8_t seed[ED25519_SEED_SIZE];
    uint8_t pub[ED25519_PUBLIC_SIZE];
};

/* A note verifier key: type NOTE_TYPE_ED25519 or NOTE_TYPE_COSIGNATURE. */
struct note_verifier {
    char name[NOTE_NAME_MAX + 1];
    uint32_t key_id;
    uint8_t type;
    uint8_t pub[ED25519_PUBLIC_SIZE];
};

/* Returns a static string describing a NOTE_ERR_* code. */
const char *note_strerror(int err);

/* Whether name is a valid key name: non-empty, at most NOTE_NAME_MAX bytes,
 * valid UTF-8 with no Unicode space or control character and no '+'. */
bool note_name_valid(const char *name, size_t len);

/* Whether code point c is one an issuer name may not hold, though a key name
 * may: a Unicode format character (general category Cf: U+200B..U+200F
 * zero-width characters and direction marks, U+202A..U+202E embeddings and
 * overrides, U+2066..U+2069 isolates, U+FEFF, U+00AD, tags...), another
 * default-ignorable code point (variation selectors, Hangul fillers, U+034F,
 * U+E0000..U+E0FFF), U+2800 BRAILLE PATTERN BLANK, a private-use code point
 * or a noncharacter. docs/protocol.md section B lists the exact ranges. */
bool note_issuer_char_refused(uint32_t c);

/* Whether name may name an issuer (in a KEY, ISSUE or REVOKE entry the log
 * accepts now): note_name_valid() and no code point that
 * note_issuer_char_refused() names, so it cannot hide characters that make
 * it look like another name. If not and bad is not NULL, *bad is the first
 * refused code point, or 0 when name is not even a valid key name. Entries
 * logged before this rule still decode: entry_decode() checks only
 * note_name_valid(). */
bool note_issuer_name_valid(const char *name, size_t len, uint32_t *bad);

/* Whether s is valid note text: non-empty, ending in "\n", valid UTF-8 with
 * no ASCII control character but "\n" (DEL included). */
bool note_text_valid(const char *s, size_t len);

/* The key id of (name, type, pub). */
uint32_t note_key_id(const char *name, uint8_t type,
                     const uint8_t pub[ED25519_PUBLIC_SIZE]);

/* Generates a new Ed25519 signer named name. Returns 0, NOTE_ERR_SYNTAX (bad
 * name) or NOTE_ERR_CRYPTO. */
int note_signer_generate(const char *name, struct note_signer *out);

/* Builds a signer from a name and a 32-byte seed (deterministic). */
int note_signer_from_seed(const char *name,
                          const uint8_t seed[ED25519_SEED_SIZE],
                          struct note_signer *out);

/* note_signer_from_seed() and note_signer_generate() for a key of type
 * NOTE_TYPE_ED25519 or NOTE_TYPE_COSIGNATURE. Returns 0, NOTE_ERR_SYNTAX
 * (bad name or type) or NOTE_ERR_CRYPTO. */
int note_signer_from_seed_type(const char *name, uint8_t type,
                               const uint8_t seed[ED25519_SEED_SIZE],
                               struct note_signer *out);
int note_signer_generate_type(const char *name, uint8_t type,
                              struct note_signer *out);

/* Parses a signer key string (a trailing "\n" is tolerated). Checks the key id.
 * Returns 0 or NOTE_ERR_SYNTAX. */
int note_signer_parse(const char *text, size_t len, struct note_signer *out);

/* note_signer_parse() for a key of the given type only (a cosigner key file
 * holds "PRIVATE+KEY+<name>+<hex8 id>+<base64(0x04 || seed)>", the id over
 * type 0x04). Returns 0, NOTE_ERR_SYNTAX or NOTE_ERR_CRYPTO. */
int note_signer_parse_type(const char *text, size_t len, uint8_t type,
                           struct note_signer *out);

/* Writes the signer key string (NUL-terminated, no newline). Returns its
 * length or NOTE_ERR_SPACE. */
int note_signer_format(const struct note_signer *s, char *buf, size_t cap);

/* The verifier of a signer. */
void note_signer_verifier(const struct note_signer *s,
                          struct note_verifier *out);

/* Wipes the private seed (OPENSSL_cleanse). Accepts NULL. */
void note_signer_wipe(struct note_signer *s);

/* Parses a verifier key string of type 0x01 or 0x04 (a trailing "\n" is
 * tolerated). Checks the key id. Returns 0 or NOTE_ERR_SYNTAX. */
int note_verifier_parse(const char *text, size_t len,
                        struct note_verifier *out);

/* Writes the verifier key string. Returns its length or NOTE_ERR_SPACE. */
int note_verifier_format(const struct note_verifier *v, char *buf, size_t cap);

/* Signs a note: text (len bytes, valid note text ending in "\n") followed by
 * "\n" and one signature line. Writes the whole signed note into buf.
 * Returns its length, NOTE_ERR_SYNTAX (bad text, or s is a cosigner key),
 * NOTE_ERR_SPACE or NOTE_ERR_CRYPTO. */
int note_sign(const char *text, size_t len, const struct note_signer *s,
              char *buf, size_t cap);

/* The length note_sign() and note_add_signature() return for a text of len
 * bytes signed by a key named name (one more byte of buf is needed for the
 * NUL). */
size_t note_signed_len(size_t len, const char *name);

/* note_sign() with a signature made elsewhere (a PKCS#11 token: see
 * keystore/signer.h): sig is the Ed25519 signature of text by the key
 * (name, key_id). text may alias buf. Returns the length, NOTE_ERR_SYNTAX
 * or NOTE_ERR_SPACE. */
int note_add_signature(const char *text, size_t len, const char *name,
                       uint32_t key_id,
                       const uint8_t sig[ED25519_SIGNATURE_SIZE], char *buf,
                       size_t cap);

/* Opens a signed note: splits it at the last "\n\n", checks its form (UTF-8,
 * no control characters but "\n", at most NOTE_MAX_SIGNATURES well-formed
 * signature lines), and verifies every signature whose (name, key id) is in
 * keys (type 0x01 signs the text; type 0x04 is a cosignature/v1 over the
 * text). Unknown keys are ignored. If verified is not NULL, verified[i] is set
 * to whether keys[i] signed; if timestamps is not NULL, timestamps[i] gets a
 * cosignature's time. On success *text_len is the length of the text
 * (including its final "\n"). Returns 0, NOTE_ERR_SYNTAX, NOTE_ERR_TOO_MANY,
 * NOTE_ERR_BAD_SIG, NOTE_ERR_UNVERIFIED or NOTE_ERR_NOMEM (a long text with
 * a cosignature by a known key). */
int note_open(const char *note, size_t len, const struct note_verifier *keys,
              size_t nkeys, size_t *text_len, bool *verified,
              uint64_t *timestamps);

#endif
