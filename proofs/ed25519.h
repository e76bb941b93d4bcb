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

/* A signing key prepared once. OpenSSL derives the public key whenever it
 * builds a key object from a seed, which costs about as much as a
 * signature, so ed25519_sign() pays twice per message; a key that signs
 * many messages (a log's, an issuer's, a witness's) is prepared once and
 * signs at the cost of one. Opaque. Threads: ed25519_key_sign() may run
 * concurrently on one key (the key object is only read; each call has its
 * own context); ed25519_key_free() must not race with it. */
struct ed25519_key;

/* Prepares the key of seed (copied into OpenSSL's key object, which wipes
 * it when freed). Returns 0 or ED25519_ERR_CRYPTO; free with
 * ed25519_key_free(). */
int ed25519_key_new(const uint8_t seed[ED25519_SEED_SIZE],
                    struct ed25519_key **out);

/* As ed25519_sign(), with a prepared key: the same signature. */
int ed25519_key_sign(const struct ed25519_key *k, const uint8_t *msg,
                     size_t len, uint8_t sig[ED25519_SIGNATURE_SIZE]);

/* Frees k and wipes its copy of the seed. Accepts NULL. */
void ed25519_key_free(struct ed25519_key *k);

/* Whether sig is a valid signature of msg by pub. (Building the public key
 * object per call costs under 2% of a verification, measured with
 * callgrind, so there is no prepared verifier.) */
bool ed25519_verify(const uint8_t pub[ED25519_PUBLIC_SIZE], const uint8_t *msg,
                    size_t len, const uint8_t sig[ED25519_SIGNATURE_SIZE]);

#endif
