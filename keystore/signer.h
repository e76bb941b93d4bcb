/*
 * signer.h: an Ed25519 signing key wherever it lives — a key file (Go note
 * format, "PRIVATE+KEY+<name>+<id>+<base64>") or a PKCS#11 token named by a
 * pkcs11: URI (RFC 7512, keystore/p11uri.h). The one abstraction behind
 * logd's log key (logd/signer.c) and the issuer key of credlog issue and
 * revoke (client/keys.c): they ask for a signature and the public key and
 * never see where the private key is.
 *
 * A token key never enters this process's memory: signing is C_Sign with
 * CKM_EDDSA on a CKK_EC_EDWARDS private key inside the token. The key's
 * name (the note key name: a log's origin, an issuer's name) is the
 * private key object's CKA_LABEL; its public key is CKA_EC_POINT of the
 * public key object with the same CKA_ID (a DER OCTET STRING holding the 32
 * bytes, or the 32 bytes bare). Opening a token key signs a test message
 * and verifies it against that public key, so a token whose public and
 * private objects disagree is refused at start, not at the first entry.
 *
 * The module is loaded with dlopen() (module-path= in the URI) and driven
 * through the standard PKCS#11 function list (p11-kit's pkcs11.h); no
 * PKCS#11 library is linked. C_Initialize is called with CKF_OS_LOCKING_OK.
 *
 * Threads: ed25519_signer_sign() may be called from any thread, also
 * concurrently: a token key has one session, and a mutex makes each
 * C_SignInit + C_Sign pair atomic on it (PKCS#11 allows one operation per
 * session at a time). ed25519_signer_free() must not race with signing.
 */
#ifndef CREDLOG_KEYSTORE_SIGNER_H
#define CREDLOG_KEYSTORE_SIGNER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proofs/cosignature.h"
#include "proofs/ed25519.h"
#include "proofs/entry.h"
#include "proofs/errors.h"
#include "proofs/note.h"

#define KEYSTORE_ERR_FILE (-5001)   /* the key file cannot be read */
#define KEYSTORE_ERR_MODE (-5002)   /* group or others may read the file */
#define KEYSTORE_ERR_SYNTAX (-5003) /* not a signer key (PRIVATE+KEY+...) */
#define KEYSTORE_ERR_URI (-5004)    /* a bad pkcs11: URI */
#define KEYSTORE_ERR_MODULE (-5005) /* the PKCS#11 module cannot be used */
#define KEYSTORE_ERR_TOKEN (-5006)  /* no token matches the URI */
#define KEYSTORE_ERR_PIN (-5007)    /* no PIN, or the token refused it */
#define KEYSTORE_ERR_OBJECT (-5008) /* no key, or several, match the URI */
#define KEYSTORE_ERR_KEY (-5009)    /* not an Ed25519 key pair that agrees */
#define KEYSTORE_ERR_SIGN (-5010)   /* the token or OpenSSL failed to sign */
#define KEYSTORE_ERR_NOMEM (-5011)

/* Largest message ed25519_signer_sign() takes (a note or entry is smaller;
 * a token may refuse more). */
#define KEYSTORE_MSG_MAX 65536

/* How ed25519_signer_open() treats a key file group or others may read. */
enum keystore_loose {
    KEYSTORE_LOOSE_REFUSE, /* KEYSTORE_ERR_MODE (logd) */
    KEYSTORE_LOOSE_WARN,   /* open it and set *loose (credlog) */
};

struct ed25519_signer;

/* Returns a static string describing a KEYSTORE_ERR_* code. */
const char *keystore_strerror(int err);

/* Opens the key named by spec: a pkcs11: URI, or else the path of a key
 * file of the given type (NOTE_TYPE_ED25519 or NOTE_TYPE_COSIGNATURE; a
 * token key is of this type too: the type enters its key id). *loose (may
 * be NULL) is set when a file is readable by group or others and policy is
 * KEYSTORE_LOOSE_WARN. On failure, why (cap bytes) says what failed in a
 * sentence fit for an operator (the file, the attribute, the CKR_* code)
 * and names no PIN. Returns 0 or a KEYSTORE_ERR_* code; free with
 * ed25519_signer_free(). */
int ed25519_signer_open(const char *spec, uint8_t type,
                        enum keystore_loose policy, bool *loose,
                        struct ed25519_signer **out, char *why, size_t cap);

/* Closes the session (logs out, unloads the module when this was its last
 * user) or wipes the file key. Accepts NULL. */
void ed25519_signer_free(struct ed25519_signer *s);

/* Whether the key lives in a token. */
bool ed25519_signer_in_token(const struct ed25519_signer *s);

/* The key name (owned by s). */
const char *ed25519_signer_name(const struct ed25519_signer *s);

/* The verifier key: name, key id (over the type), public key. */
void ed25519_signer_verifier(const struct ed25519_signer *s,
                             struct note_verifier *out);

/* Signs msg (len <= KEYSTORE_MSG_MAX bytes) into sig. Thread-safe (above).
 * Returns 0 or KEYSTORE_ERR_SIGN. */
int ed25519_signer_sign(struct ed25519_signer *s, const uint8_t *msg,
                        size_t len, uint8_t sig[ED25519_SIGNATURE_SIZE]);

/* note_sign() with s: text (len bytes, note text ending in "\n") and one
 * signature line into buf. Returns the length, or a NOTE_ERR_* or
 * KEYSTORE_ERR_SIGN code. */
int ed25519_signer_sign_note(struct ed25519_signer *s, const char *text,
                             size_t len, char *buf, size_t cap);

/* cosignature_sign() with s (a key of type NOTE_TYPE_COSIGNATURE): the
 * cosignature/v1 line over the checkpoint body body[0..body_len) at
 * timestamp (POSIX seconds, never 0), NUL-terminated, into line (cap bytes;
 * COSIGNATURE_LINE_MAX + 1 always suffice). Returns its length,
 * COSIG_ERR_KEY (not a cosigner key, a zero timestamp), COSIG_ERR_SPACE or
 * KEYSTORE_ERR_SIGN. */
int ed25519_signer_sign_cosignature(struct ed25519_signer *s,
                                    uint64_t timestamp, const char *body,
                                    size_t body_len, char *line, size_t cap);

/* entry_sign() with s: sets e->issuer, e->key_id and e->signature for the
 * log named origin. Returns 0, an ENTRY_ERR_* code or KEYSTORE_ERR_SIGN. */
int ed25519_signer_sign_entry(struct ed25519_signer *s, struct entry *e,
                              const char *origin);

#endif
