/*
 * signer.h: the log's signing key. This module is the only one that sees the
 * log's private key: it reads the key file, keeps the seed, signs
 * checkpoints, and wipes the seed when freed.
 */
#ifndef CREDLOG_LOGD_SIGNER_H
#define CREDLOG_LOGD_SIGNER_H

#include <stddef.h>
#include <stdint.h>

#include "proofs/errors.h"
#include "proofs/merkle.h"
#include "proofs/checkpoint.h"
#include "proofs/note.h"

/* In SIGNER_ERR_BASE's block (proofs/errors.h). */
#define SIGNER_ERR_FILE (-2101)   /* the key file cannot be read */
#define SIGNER_ERR_MODE (-2102)   /* group or others may access the key file */
#define SIGNER_ERR_SYNTAX (-2103) /* not a signer key (PRIVATE+KEY+...) */
#define SIGNER_ERR_SIGN (-2104)   /* signing failed (OpenSSL, buffer) */
#define SIGNER_ERR_NOMEM (-2105)

/* Largest signed checkpoint signer_sign_checkpoint() writes. */
#define SIGNER_CHECKPOINT_MAX (CHECKPOINT_BODY_MAX + 8 + NOTE_NAME_MAX + 100)

struct signer;

/* Returns a static string describing a SIGNER_ERR_* code. */
const char *signer_strerror(int err);

/* Loads a signer key file (Go note format, one line). Refuses a file that
 * group or others may access (mode & 077). On SIGNER_ERR_FILE, errno tells
 * why. Returns 0 or a SIGNER_ERR_* code; free with signer_free(). */
int signer_load(const char *path, struct signer **out);

/* Wipes the private key and frees. Accepts NULL. */
void signer_free(struct signer *s);

/* The log's origin: the key name (a string owned by s). */
const char *signer_origin(const struct signer *s);

/* The verifier of the log key. */
void signer_verifier(const struct signer *s, struct note_verifier *out);

/* Formats the checkpoint (origin, size, root) and signs it: writes the signed
 * note into buf (cap bytes; SIGNER_CHECKPOINT_MAX suffices), not
 * NUL-terminated. Returns its length or SIGNER_ERR_SIGN. Not thread-safe
 * against signer_free(); concurrent signing is fine. */
int signer_sign_checkpoint(const struct signer *s, uint64_t size,
                           const uint8_t root[MERKLE_HASH_SIZE], char *buf,
                           size_t cap);

#endif
