/*
 * fuzz_merkle_verify.c: merkle_inclusion_verify() and
 * merkle_consistency_verify() (proofs/merkle.h), which check every inclusion
 * and consistency proof a client or monitor is sent.
 *
 * A fixed tree of 300 leaves (leaf i is "credential entry i", as in
 * tests/data/tlog-vectors.json) and RFC 6962's recursive definitions of
 * MTH, PATH and SUBPROOF, written here (memoized), give the one right proof
 * for every (index, size) and (m, n).
 *
 * Input: byte 0 is the mode (bit 0: consistency, else inclusion; bit 1: the
 * proof is the right one edited by the operations that follow, else the
 * proof is the input's bytes), bytes 1-2 and 3-4 the two numbers (mod 301),
 * then either 32-byte proof hashes or 2-byte edit operations (drop, insert,
 * duplicate or swap a hash, flip a bit).
 *
 * Invariant (a differential test): each verifier returns exactly what the
 * definitions predict: MERKLE_ERR_RANGE outside its domain (index >= size;
 * m == 0 or m > n), MERKLE_ERR_PROOF for a proof of the wrong length,
 * 0 for the right proof and MERKLE_ERR_MISMATCH for any other proof.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <openssl/sha.h>

#include "fuzz.h"
#include "proofs/merkle.h"

#define N 300
#define MAXP (MERKLE_MAX_PROOF + 4)

static uint8_t leaf[N][32];
static uint8_t mth_memo[N + 1][N + 1][32];
static bool mth_done[N + 1][N + 1];
static bool ready;

static void init(void)
{
    char text[64];

    for (int i = 0; i < N; i++) {
        int len = snprintf(text, sizeof text, "credential entry %d", i);
        merkle_leaf_hash((const uint8_t *)text, (size_t)len, leaf[i]);
    }
    ready = true;
}

static size_t split(size_t n) /* the largest power of two below n (n >= 2) */
{
    size_t k = 1;
    while (k * 2 < n)
        k *= 2;
    return k;
}

static void node(const uint8_t *l, const uint8_t *r, uint8_t out[32])
{
    uint8_t buf[65];

    buf[0] = 0x01;
    memcpy(buf + 1, l, 32);
    memcpy(buf + 33, r, 32);
    SHA256(buf, sizeof buf, out);
}

static const uint8_t *mth(size_t lo, size_t hi)
{
    if (!mth_done[lo][hi]) {
        size_t n = hi - lo;
        if (n == 0) {
            SHA256((const uint8_t *)"", 0, mth_memo[lo][hi]);
        } else if (n == 1) {
            memcpy(mth_memo[lo][hi], leaf[lo], 32);
        } else {
            size_t k = split(n);
            node(mth(lo, lo + k), mth(lo + k, hi), mth_memo[lo][hi]);
        }
        mth_done[lo][hi] = true;
    }
    return mth_memo[lo][hi];
}

static void path(size_t m, size_t lo, size_t hi, uint8_t (*out)[32],
                 size_t *len)
{
    size_t k;

    if (hi - lo == 1)
        return;
    k = split(hi - lo);
    if (m - lo < k) {
        path(m, lo, lo + k, out, len);
        memcpy(out[(*len)++], mth(lo + k, hi), 32);
    } else {
        path(m, lo + k, hi, out, len);
        memcpy(out[(*len)++], mth(lo, lo + k), 32);
    }
}

static void subproof(size_t m, size_t lo, size_t hi, bool b, uint8_t (*out)[32],
                     size_t *len)
{
    size_t k;

    if (m == hi - lo) {
        if (!b)
            memcpy(out[(*len)++], mth(lo, hi), 32);
        return;
    }
    k = split(hi - lo);
    if (m <= k) {
        subproof(m, lo, lo + k, b, out, len);
        memcpy(out[(*len)++], mth(lo + k, hi), 32);
    } else {
        subproof(m - k, lo + k, hi, false, out, len);
        memcpy(out[(*len)++], mth(lo, lo + k), 32);
    }
}

/* Applies 2-byte edit operations to proof[0..*len). */
static void edit(uint8_t (*proof)[32], size_t *len, const uint8_t *ops,
                 size_t nops)
{
    for (size_t i = 0; i < nops; i++) {
        uint8_t op = ops[2 * i], arg = ops[2 * i + 1];
        size_t at = *len ? arg % *len : 0;

        switch (op % 5) {
        case 0: /* drop */
            if (*len > 0) {
                memmove(proof[at], proof[at + 1], (*len - at - 1) * 32);
                (*len)--;
            }
            break;
        case 1: /* insert a hash of the tree */
            if (*len < MAXP) {
                memmove(proof[at + 1], proof[at], (*len - at) * 32);
                size_t lo = (size_t)arg % (N - 3);
                memcpy(proof[at], mth(lo, lo + 1 + op / 5 % 3), 32);
                (*len)++;
            }
            break;
        case 2: /* duplicate */
            if (*len > 0 && *len < MAXP) {
                memcpy(proof[*len], proof[at], 32);
                (*len)++;
            }
            break;
        case 3: /* swap with the next */
            if (*len > 1) {
                uint8_t t[32];
                size_t nx = (at + 1) % *len;
                memcpy(t, proof[at], 32);
                memcpy(proof[at], proof[nx], 32);
                memcpy(proof[nx], t, 32);
            }
            break;
        default: /* flip a bit */
            if (*len > 0)
                proof[at][op / 5 % 32] ^= (uint8_t)(1u << (arg % 8));
            break;
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t want[MAXP][32], proof[MAXP][32];
    size_t nwant = 0, nproof = 0, a, b;
    bool consistency, edited;
    int rc, expect;

    if (size < 5)
        return 0;
    if (!ready)
        init();
    consistency = data[0] & 1;
    edited = data[0] & 2;
    a = (size_t)(data[1] << 8 | data[2]) % (N + 1);
    b = (size_t)(data[3] << 8 | data[4]) % (N + 1);

    if (!consistency) {
        if (a < b)
            path(a, 0, b, want, &nwant);
    } else if (a > 0 && a <= b) {
        subproof(a, 0, b, true, want, &nwant);
    }
    if (edited) {
        memcpy(proof, want, nwant * 32);
        nproof = nwant;
        edit(proof, &nproof, data + 5, (size - 5) / 2);
    } else {
        nproof = (size - 5) / 32;
        if (nproof > MAXP)
            nproof = MAXP;
        memcpy(proof, data + 5, nproof * 32);
    }

    if (!consistency) {
        const uint8_t *lf = a < N ? leaf[a] : leaf[0];
        expect = a >= b                                 ? MERKLE_ERR_RANGE
                 : nproof != nwant                      ? MERKLE_ERR_PROOF
                 : memcmp(proof, want, nwant * 32) == 0 ? 0
                                                        : MERKLE_ERR_MISMATCH;
        rc = merkle_inclusion_verify(a, b, lf, (const uint8_t(*)[32])proof,
                                     nproof, mth(0, b));
        FUZZ_ASSERT(rc == expect);
        if (rc == 0 && a + 1 < b) /* the right path is for this leaf only */
            FUZZ_ASSERT(merkle_inclusion_verify(
                            a, b, leaf[a + 1], (const uint8_t(*)[32])proof,
                            nproof, mth(0, b)) == MERKLE_ERR_MISMATCH);
    } else {
        expect = a == 0 || a > b                        ? MERKLE_ERR_RANGE
                 : nproof != nwant                      ? MERKLE_ERR_PROOF
                 : memcmp(proof, want, nwant * 32) == 0 ? 0
                                                        : MERKLE_ERR_MISMATCH;
        rc = merkle_consistency_verify(a, b, mth(0, a > N ? 0 : a), mth(0, b),
                                       (const uint8_t(*)[32])proof, nproof);
        FUZZ_ASSERT(rc == expect);
        if (rc == 0 && a < b) /* a forked old tree is caught */
            FUZZ_ASSERT(merkle_consistency_verify(
                            a, b, mth(0, a - 1), mth(0, b),
                            (const uint8_t(*)[32])proof, nproof) != 0);
    }
    return 0;
}
