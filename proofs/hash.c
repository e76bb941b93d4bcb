/*
 * hash.c: RFC 6962 / RFC 9162 leaf and node hashing. See merkle.h.
 *
 * Speed. merkle_node_hash() runs on every append, every tree hash, every
 * proof check and every node of the revocation map (smt.c and smt_build.c
 * hash through these two functions), so it matters. OpenSSL 3's EVP digest
 * calls allocate a context, and the provider's context inside it, for every
 * hash (EVP_Digest() included), and look the algorithm up unless it was
 * fetched: for a 65-byte node that costs more than the hashing. The
 * low-level SHA256_Init/Update/Final work on a SHA256_CTX on our stack and
 * run the same compression function as EVP (OpenSSL's assembly, with the
 * SHA extensions where the CPU has them). Measured on the project machine
 * (thread CPU time of a dependent chain of node hashes, as bench/bench_hash
 * measures merkle_node_hash()): 340 ns per node hash with EVP_Digest() on
 * an EVP_MD fetched once, 210 ns with one EVP_MD_CTX reused, 136 ns with
 * SHA256_Init/Update/Final. A SHA-256 of our own with the SHA extensions
 * took 143 ns: what is left is the compression itself, so there is no
 * reason to carry one.
 *
 * OpenSSL 3.0 deprecated the low-level digest functions in favour of EVP,
 * which is why this file alone defines OPENSSL_SUPPRESS_DEPRECATED. They are
 * still part of OpenSSL 3.x; should a release drop them, this file stops
 * compiling (it cannot silently hash differently), and the EVP version is
 * in its history.
 *
 * No state and no failure. Nothing here keeps state between calls or
 * allocates, and SHA256_Init/Update/Final cannot fail on a context of our
 * own (they return 1). We check anyway and abort, because the hashing
 * functions return void and a Merkle hash that silently came out wrong would
 * be far worse than a crash.
 */
#define OPENSSL_SUPPRESS_DEPRECATED

#include "proofs/merkle.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/sha.h>

_Static_assert(SHA256_DIGEST_LENGTH == MERKLE_HASH_SIZE, "SHA-256 hashes");

const char *merkle_strerror(int err)
{
    switch (err) {
    case MERKLE_OK:
        return "success";
    case MERKLE_ERR_RANGE:
        return "merkle: index or size out of range";
    case MERKLE_ERR_PROOF:
        return "merkle: proof has the wrong length";
    case MERKLE_ERR_MISMATCH:
        return "merkle: proof does not verify";
    default:
        return "merkle: unknown error";
    }
}

void merkle_leaf_hash(const uint8_t *entry, size_t len,
                      uint8_t out[MERKLE_HASH_SIZE])
{
    static const uint8_t prefix = 0x00;
    SHA256_CTX ctx;

    if (!SHA256_Init(&ctx) || !SHA256_Update(&ctx, &prefix, 1) ||
        (len > 0 && !SHA256_Update(&ctx, entry, len)) ||
        !SHA256_Final(out, &ctx))
        abort();
}

void merkle_node_hash(const uint8_t left[MERKLE_HASH_SIZE],
                      const uint8_t right[MERKLE_HASH_SIZE],
                      uint8_t out[MERKLE_HASH_SIZE])
{
    /* Copying into one buffer first lets out alias left or right. */
    uint8_t buf[1 + 2 * MERKLE_HASH_SIZE];
    SHA256_CTX ctx;

    buf[0] = 0x01;
    memcpy(buf + 1, left, MERKLE_HASH_SIZE);
    memcpy(buf + 1 + MERKLE_HASH_SIZE, right, MERKLE_HASH_SIZE);
    if (!SHA256_Init(&ctx) || !SHA256_Update(&ctx, buf, sizeof buf) ||
        !SHA256_Final(out, &ctx))
        abort();
}

void merkle_empty_root(uint8_t out[MERKLE_HASH_SIZE])
{
    static const uint8_t empty[MERKLE_HASH_SIZE] = {
        0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4,
        0xc8, 0x99, 0x6f, 0xb9, 0x24, 0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b,
        0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55,
    };

    memcpy(out, empty, MERKLE_HASH_SIZE);
}
