/*
 * token.h: the PKCS#11 side of keystore/signer.h (internal to keystore/): one
 * Ed25519 private key in a token, one session, signing with CKM_EDDSA.
 * Threads and module lifetime: see signer.h.
 */
#ifndef CREDLOG_KEYSTORE_TOKEN_H
#define CREDLOG_KEYSTORE_TOKEN_H

#include <stddef.h>
#include <stdint.h>

#include "keystore/p11uri.h"
#include "proofs/ed25519.h"

struct p11token;

/* Loads u->module_path, finds the one token and the one private key that u
 * names, logs in with u's PIN, reads the public key, and checks the pair
 * with one signature. label (label_cap bytes) gets the key's CKA_LABEL.
 * Returns 0 or a KEYSTORE_ERR_* code with why (cap bytes) set. */
int p11token_open(const struct p11uri *u, struct p11token **out, char *label,
                  size_t label_cap, uint8_t pub[ED25519_PUBLIC_SIZE], char *why,
                  size_t cap);

/* Signs msg in the token. Thread-safe. Returns 0 or KEYSTORE_ERR_SIGN. */
int p11token_sign(struct p11token *t, const uint8_t *msg, size_t len,
                  uint8_t sig[ED25519_SIGNATURE_SIZE]);

/* Logs out, closes the session, releases the module. Accepts NULL. */
void p11token_close(struct p11token *t);

#endif
