/*
 * cosignature.h: C2SP tlog-cosignature/v1, the message a witness signs.
 * Implemented in cosignature.c. note_open() verifies cosignature lines of
 * keys of type NOTE_TYPE_COSIGNATURE with it.
 */
#ifndef CREDLOG_PROOFS_COSIGNATURE_H
#define CREDLOG_PROOFS_COSIGNATURE_H

#include <stddef.h>
#include <stdint.h>

#include "proofs/ed25519.h"
#include "proofs/errors.h"
#include "proofs/note.h"

#define COSIG_ERR_SPACE (-601)  /* output buffer too small */
#define COSIG_ERR_KEY (-602)    /* not a cosigner key, or a zero timestamp */
#define COSIG_ERR_CRYPTO (-603) /* OpenSSL failure */

/* The longest cosignature line cosignature_sign() writes: "— ", the name, a
 * space, the base64 of key id || u64 time || signature (104 bytes), "\n". */
#define COSIGNATURE_LINE_MAX (4 + NOTE_NAME_MAX + 1 + 104 + 1)

/* "cosignature/v1\ntime " || 20 digits || "\n": the longest prefix. */
#define COSIGNATURE_PREFIX_MAX (20 + 20 + 1)

/* Returns a static string describing a COSIG_ERR_* code. */
const char *cosignature_strerror(int err);

/* The message a cosignature/v1 signs: "cosignature/v1\ntime <t>\n" || body.
 * Writes it into buf (cap bytes, not NUL-terminated). Returns its length or
 * COSIG_ERR_SPACE. */
int cosignature_message(uint64_t timestamp, const char *body, size_t body_len,
                        uint8_t *buf, size_t cap);

/* Writes the cosignature/v1 signature line of cosigner s (a signer of type
 * NOTE_TYPE_COSIGNATURE) over the checkpoint body body[0..body_len) at
 * timestamp (POSIX seconds, never 0): "— <name> base64(key id || u64be
 * timestamp || Ed25519 signature)\n", NUL-terminated, into line (cap bytes;
 * COSIGNATURE_LINE_MAX + 1 always suffice). Returns its length,
 * COSIG_ERR_KEY, COSIG_ERR_SPACE or COSIG_ERR_CRYPTO. */
int cosignature_sign(const struct note_signer *s, uint64_t timestamp,
                     const char *body, size_t body_len, char *line, size_t cap);

/* cosignature_sign() with a signature made elsewhere (a PKCS#11 token: see
 * keystore/signer.h): sig is the Ed25519 signature of cosignature_message()
 * at timestamp by the cosigner key (name, key_id). Writes the line,
 * NUL-terminated, into line (cap bytes). Returns its length, COSIG_ERR_KEY
 * (a bad name, a zero timestamp) or COSIG_ERR_SPACE. */
int cosignature_line(const char *name, uint32_t key_id, uint64_t timestamp,
                     const uint8_t sig[ED25519_SIGNATURE_SIZE], char *line,
                     size_t cap);

#endif
