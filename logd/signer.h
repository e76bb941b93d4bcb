/*
 * signer.h: the log's signing key. This module is the only one of logd that
 * holds the log's key: a key file (whose seed keystore/signer.h keeps and
 * wipes) or a key in a PKCS#11 token named by a pkcs11: URI (which never
 * leaves the token). It signs checkpoints, on the sequencer thread
 * (logd/seq_batch.c) only. It also generates new key files (`logd --dev`),
 * so that no other module ever holds a private key.
 */
#ifndef CREDLOG_LOGD_SIGNER_H
#define CREDLOG_LOGD_SIGNER_H

#include <stddef.h>
#include <stdint.h>

#include "keystore/signer.h"
#include "proofs/checkpoint.h"
#include "proofs/errors.h"
#include "proofs/merkle.h"
#include "proofs/note.h"

/* In SIGNER_ERR_BASE's block (proofs/errors.h). */
#define SIGNER_ERR_FILE (-2101) /* a key file cannot be read or written */
/* (-2102 and -2103, a loose or bad key file, are KEYSTORE_ERR_MODE and
 * KEYSTORE_ERR_SYNTAX now: keystore/signer.h reads the key.) */
#define SIGNER_ERR_MODE (-2102)
#define SIGNER_ERR_SYNTAX (-2103)
#define SIGNER_ERR_SIGN (-2104) /* signing failed (OpenSSL, buffer) */
#define SIGNER_ERR_NOMEM (-2105)
#define SIGNER_ERR_GENERATE (-2106) /* a new key cannot be generated */

struct signer;

/* Returns a static string describing a SIGNER_ERR_* code. */
const char *signer_strerror(int err);

/* Opens the log key spec: a signer key file (Go note format, one line),
 * refused if group or others may access it (mode & 077), or a pkcs11: URI
 * (keystore/signer.h: the key's CKA_LABEL is the log's origin). On failure
 * why (cap bytes) says what failed. Returns 0, SIGNER_ERR_NOMEM or a
 * KEYSTORE_ERR_* code; free with signer_free(). */
int signer_load(const char *spec, struct signer **out, char *why, size_t cap);

/* Generates a new Ed25519 key named name (a note key name) and writes it as
 * two new files in the directory open as dirfd: the signer key (Go note
 * format, one line) to key_file with mode 0600 and its verifier key to
 * vkey_file with mode 0644 (names relative to dirfd). Each file is created
 * as <name>.tmp with O_EXCL|O_NOFOLLOW (a file or symlink already there is
 * refused, never followed or truncated), synced, and renamed over its name.
 * The private key is wiped from memory before returning. The caller makes
 * sure that nobody else may write to the directory. Returns 0,
 * SIGNER_ERR_GENERATE or SIGNER_ERR_FILE (errno set: EEXIST when a .tmp
 * file is in the way). */
int signer_generate(int dirfd, const char *name, const char *key_file,
                    const char *vkey_file);

/* Wipes the private key and frees. Accepts NULL. */
void signer_free(struct signer *s);

/* The log's origin: the key name (a string owned by s). */
const char *signer_origin(const struct signer *s);

/* The verifier of the log key. */
void signer_verifier(const struct signer *s, struct note_verifier *out);

/* Formats the checkpoint (origin, size, root) and signs it: writes the signed
 * note into buf (cap bytes; CHECKPOINT_TEXT_MAX suffices), not
 * NUL-terminated. Returns its length or SIGNER_ERR_SIGN. Not thread-safe
 * against signer_free(); concurrent signing is fine (a token key's session
 * is mutex-guarded: keystore/signer.h). */
int signer_sign_checkpoint(const struct signer *s, uint64_t size,
                           const uint8_t root[MERKLE_HASH_SIZE], char *buf,
                           size_t cap);

#endif
