/*
 * ed25519.c: Ed25519 over OpenSSL 3 EVP. See ed25519.h.
 *
 * Pure Ed25519 (RFC 8032) cannot hash a message in pieces, so every call
 * signs or verifies one contiguous buffer with EVP_DigestSign/Verify and a
 * NULL digest. OpenSSL keeps a copy of the private key inside the EVP_PKEY;
 * EVP_PKEY_free() wipes it, so the only seed copies are the caller's.
 */
#include "proofs/ed25519.h"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <stdlib.h>

const char *ed25519_strerror(int err)
{
    switch (err) {
    case 0:
        return "success";
    case ED25519_ERR_CRYPTO:
        return "Ed25519 operation failed in OpenSSL";
    default:
        return "unknown Ed25519 error";
    }
}

int ed25519_public_from_seed(const uint8_t seed[ED25519_SEED_SIZE],
                             uint8_t pub[ED25519_PUBLIC_SIZE])
{
    EVP_PKEY *key;
    size_t len = ED25519_PUBLIC_SIZE;
    int rc = ED25519_ERR_CRYPTO;

    key = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed,
                                       ED25519_SEED_SIZE);
    if (key == NULL)
        return ED25519_ERR_CRYPTO;
    if (EVP_PKEY_get_raw_public_key(key, pub, &len) == 1 &&
        len == ED25519_PUBLIC_SIZE)
        rc = 0;
    EVP_PKEY_free(key);
    return rc;
}

int ed25519_random_seed(uint8_t seed[ED25519_SEED_SIZE])
{
    if (RAND_priv_bytes(seed, ED25519_SEED_SIZE) != 1)
        return ED25519_ERR_CRYPTO;
    return 0;
}

struct ed25519_key {
    EVP_PKEY *pkey;
};

/* One signature with a built key object. */
static int sign_with(EVP_PKEY *key, const uint8_t *msg, size_t len,
                     uint8_t sig[ED25519_SIGNATURE_SIZE])
{
    static const uint8_t empty[1];
    EVP_MD_CTX *ctx;
    size_t siglen = ED25519_SIGNATURE_SIZE;
    int rc = ED25519_ERR_CRYPTO;

    if (msg == NULL)
        msg = empty; /* OpenSSL wants a pointer even for len 0 */
    ctx = EVP_MD_CTX_new();
    if (ctx == NULL)
        return ED25519_ERR_CRYPTO;
    if (EVP_DigestSignInit(ctx, NULL, NULL, NULL, key) == 1 &&
        EVP_DigestSign(ctx, sig, &siglen, msg, len) == 1 &&
        siglen == ED25519_SIGNATURE_SIZE)
        rc = 0;
    EVP_MD_CTX_free(ctx);
    return rc;
}

int ed25519_sign(const uint8_t seed[ED25519_SEED_SIZE], const uint8_t *msg,
                 size_t len, uint8_t sig[ED25519_SIGNATURE_SIZE])
{
    EVP_PKEY *key;
    int rc;

    key = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed,
                                       ED25519_SEED_SIZE);
    if (key == NULL)
        return ED25519_ERR_CRYPTO;
    rc = sign_with(key, msg, len, sig);
    EVP_PKEY_free(key);
    return rc;
}

int ed25519_key_new(const uint8_t seed[ED25519_SEED_SIZE],
                    struct ed25519_key **out)
{
    struct ed25519_key *k = malloc(sizeof *k);

    *out = NULL;
    if (k == NULL)
        return ED25519_ERR_CRYPTO;
    k->pkey = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed,
                                           ED25519_SEED_SIZE);
    if (k->pkey == NULL) {
        free(k);
        return ED25519_ERR_CRYPTO;
    }
    *out = k;
    return 0;
}

int ed25519_key_sign(const struct ed25519_key *k, const uint8_t *msg,
                     size_t len, uint8_t sig[ED25519_SIGNATURE_SIZE])
{
    return sign_with(k->pkey, msg, len, sig);
}

void ed25519_key_free(struct ed25519_key *k)
{
    if (k == NULL)
        return;
    EVP_PKEY_free(k->pkey);
    free(k);
}

bool ed25519_verify(const uint8_t pub[ED25519_PUBLIC_SIZE], const uint8_t *msg,
                    size_t len, const uint8_t sig[ED25519_SIGNATURE_SIZE])
{
    static const uint8_t empty[1];
    EVP_PKEY *key;
    EVP_MD_CTX *ctx = NULL;
    bool ok = false;

    if (msg == NULL)
        msg = empty;
    /* A bad signature is an answer, not an error: drop whatever OpenSSL
     * queued so the thread's error queue stays meaningful to its caller. */
    ERR_set_mark();
    key = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pub,
                                      ED25519_PUBLIC_SIZE);
    if (key == NULL)
        goto done;
    ctx = EVP_MD_CTX_new();
    if (ctx == NULL)
        goto done;
    if (EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, key) != 1)
        goto done;
    ok = EVP_DigestVerify(ctx, sig, ED25519_SIGNATURE_SIZE, msg, len) == 1;
done:
    EVP_MD_CTX_free(ctx);
    EVP_PKEY_free(key);
    ERR_pop_to_mark();
    return ok;
}
