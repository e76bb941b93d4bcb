/*
 * ed25519.h: the three Ed25519 operations credlog needs, over OpenSSL 3 EVP.
 * Implemented in ed25519.c. Pure apart from the library call; no globals.
 */
#ifndef CREDLOG_PROOFS_ED25519_H
#define CREDLOG_PROOFS_ED25519_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proofs/errors.h"

#define ED25519_SEED_SIZE 32
#define ED25519_PUBLIC_SIZE 32
#define ED25519_SIGNATURE_SIZE 64

#define ED25519_ERR_CRYPTO (-901) /* OpenSSL refused (should not happen) */

/* Returns a static string describing an ED25519_ERR_* code. */
const char *ed25519_strerror(int err);

/* Derives the public key of a 32-byte seed. Returns 0 or ED25519_ERR_CRYPTO. */
int ed25519_public_from_seed(const uint8_t seed[ED25519_SEED_SIZE],
                             uint8_t pub[ED25519_PUBLIC_SIZE]);

/* Fills seed with 32 random bytes from OpenSSL's CSPRNG. Returns 0 or
 * ED25519_ERR_CRYPTO. */
int ed25519_random_seed(uint8_t seed[ED25519_SEED_SIZE]);

/* Signs msg (deterministic, RFC 8032). Returns 0 or ED25519_ERR_CRYPTO. */
int ed25519_sign(const uint8_t seed[ED25519_SEED_SIZE], const uint8_t *msg,
                 size_t len, uint8_t sig[ED25519_SIGNATURE_SIZE]);

/* Whether sig is a valid signature of msg by pub. */
bool ed25519_verify(const uint8_t pub[ED25519_PUBLIC_SIZE], const uint8_t *msg,
                    size_t len, const uint8_t sig[ED25519_SIGNATURE_SIZE]);

#endif
