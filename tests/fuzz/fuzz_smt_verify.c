/*
 * fuzz_smt_verify.c: smt_verify() (proofs/smt.h), which checks every
 * CTL-SMT-v1 revocation proof a verifier is shown.
 *
 * A reference verifier written here from the specification (issue 2,
 * docs/protocol.md) parses the proof and computes the root it leads to.
 * Invariants (a differential test):
 *  - smt_verify() accepts the proof against that root exactly when the
 *    reference finds it well formed, and then fills info as the proof says
 *    (kind, key, depth, value, issue and revoke indexes);
 *  - a malformed proof is SMT_ERR_SYNTAX whatever the root;
 *  - a well-formed proof against any other root is SMT_ERR_MISMATCH (the
 *    input's first 32 bytes and the reference root with one bit flipped).
 */
#include <stdbool.h>
#include <string.h>

#include <openssl/sha.h>

#include "fuzz.h"
#include "proofs/smt.h"

static const uint8_t empty[32];

static int bit(const uint8_t *k, unsigned i)
{
    return (k[i >> 3] >> (7 - (i & 7))) & 1;
}

static void hash2(uint8_t tag, const uint8_t *a, size_t alen, const uint8_t *b,
                  size_t blen, uint8_t out[32])
{
    uint8_t buf[1 + 32 + 32];

    buf[0] = tag;
    memcpy(buf + 1, a, alen);
    memcpy(buf + 1 + alen, b, blen);
    SHA256(buf, 1 + alen + blen, out);
}

struct ref {
    uint8_t kind;
    const uint8_t *key, *other, *value;
    unsigned depth;
};

/* The specification's verification, computing the root instead of
 * comparing with one. Returns false for a malformed proof. */
static bool ref_root(const uint8_t *p, size_t len, struct ref *r,
                     uint8_t root[32])
{
    const uint8_t *bitmap, *sib;
    size_t off, pop = 0;
    uint8_t h[32];

    memset(r, 0, sizeof *r);
    if (len < 1 + 32 + 1 || p[0] != 0x01)
        return false;
    r->key = p + 1;
    r->kind = p[33];
    off = 34;
    if (r->kind > 2)
        return false;
    if (r->kind == 2) {
        if (len < off + 32)
            return false;
        r->other = p + off;
        off += 32;
    }
    if (r->kind != 0) {
        if (len < off + 16)
            return false;
        r->value = p + off;
        off += 16;
    }
    if (len < off + 2 + 32)
        return false;
    r->depth = (unsigned)p[off] << 8 | p[off + 1];
    bitmap = p + off + 2;
    off += 34;
    if (r->depth > 256)
        return false;
    for (unsigned j = 0; j < 256; j++) {
        if (bit(bitmap, j) && j >= r->depth)
            return false;
        pop += (size_t)bit(bitmap, j);
    }
    if (len != off + 32 * pop)
        return false;
    sib = p + off;
    if (r->kind == 2) {
        if (memcmp(r->other, r->key, 32) == 0)
            return false;
        for (unsigned i = 0; i < r->depth; i++)
            if (bit(r->other, i) != bit(r->key, i))
                return false;
    }
    if (r->kind == 0)
        memset(h, 0, 32);
    else
        hash2(0x00, r->kind == 2 ? r->other : r->key, 32, r->value, 16, h);
    for (unsigned d = r->depth; d >= 1; d--) {
        uint8_t s[32];
        if (bit(bitmap, d - 1)) {
            memcpy(s, sib + 32 * --pop, 32);
            if (memcmp(s, empty, 32) == 0)
                return false;
        } else {
            memset(s, 0, 32);
        }
        if (bit(r->key, d - 1))
            hash2(0x01, s, 32, h, 32, h);
        else
            hash2(0x01, h, 32, s, 32, h);
    }
    memcpy(root, h, 32);
    return true;
}

static uint64_t be64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | p[i];
    return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct smt_proof_info info;
    struct ref r;
    uint8_t root[32], other[32];
    bool ok = ref_root(data, size, &r, root);
    int rc;

    memset(other, 0x5a, sizeof other);
    if (size >= 32)
        memcpy(other, data, 32);
    if (!ok) {
        FUZZ_ASSERT(smt_verify(data, size, other, &info) == SMT_ERR_SYNTAX);
        FUZZ_ASSERT(smt_verify(data, size, empty, NULL) == SMT_ERR_SYNTAX);
        return 0;
    }
    memset(&info, 0xa5, sizeof info);
    rc = smt_verify(data, size, root, &info);
    FUZZ_ASSERT(rc == 0);
    FUZZ_ASSERT(smt_verify(data, size, root, NULL) == 0);
    FUZZ_ASSERT(info.kind == r.kind && info.depth == r.depth);
    FUZZ_ASSERT(memcmp(info.key, r.key, 32) == 0);
    if (r.kind == SMT_PROOF_PRESENT) {
        FUZZ_ASSERT(memcmp(info.value, r.value, 16) == 0);
        FUZZ_ASSERT(info.issue_index == be64(r.value));
        FUZZ_ASSERT(info.revoke_index == be64(r.value + 8));
    }
    if (memcmp(other, root, 32) != 0)
        FUZZ_ASSERT(smt_verify(data, size, other, &info) == SMT_ERR_MISMATCH);
    root[data[size - 1] % 32] ^= (uint8_t)(1u << (data[size - 1] % 8));
    FUZZ_ASSERT(smt_verify(data, size, root, NULL) == SMT_ERR_MISMATCH);
    return 0;
}
