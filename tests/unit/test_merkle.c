/*
 * test_merkle.c: the RFC 6962 / RFC 9162 Merkle math in proofs/merkle.h.
 *
 * 1. Known answers: every leaf hash, root, inclusion proof and consistency
 *    proof in tests/data/tlog-vectors.json (computed by Go's sumdb/tlog),
 *    byte for byte, plus the first values of Go's stored-hash numbering.
 * 2. Exhaustive small trees: every size n <= 256, every leaf i < n, every
 *    old size m <= n. Stored hashes are built through the append API; roots
 *    and proofs are compared with a naive RFC 6962 MTH/PATH/PROOF written
 *    here from the RFC's text, every proof verifies, and flipping bits of
 *    proof hashes, roots and leaves makes verification fail (see
 *    test_exhaustive for which bits).
 * 3. Huge trees (around 2^40 and up to 2^63 - 1 leaves) over a synthetic
 *    store: all leaves are equal except a few "marked" ones, so any
 *    subtree's hash can be computed in O(depth * marks).
 */
#include "check.h"
#include "proofs/merkle.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/sha.h>

typedef uint8_t hash_t[MERKLE_HASH_SIZE];

#define SMALL_MAX 256
#define BIG_MAX (UINT64_MAX >> 1)

static uint64_t rng = 0x9e3779b97f4a7c15u;

/* ---- a naive RFC 6962 model, independent of proofs/ ---- */

/* A tree whose leaf i is SHA-256(0x00 || u64be(i)) if i is marked (every
 * leaf of a small tree is), and a fixed filler leaf otherwise. */
struct model {
    const uint64_t *marks; /* NULL: every leaf is marked */
    size_t nmarks;
    hash_t filler[64]; /* hash of a complete unmarked subtree of 2^l leaves */
    struct memo *memo; /* small trees: MTH of [lo, hi) at lo*257 + hi */
};

struct memo {
    hash_t h;
    bool ok;
};

static void naive_node(const hash_t l, const hash_t r, hash_t out)
{
    uint8_t buf[65];

    buf[0] = 1;
    memcpy(buf + 1, l, 32);
    memcpy(buf + 33, r, 32);
    SHA256(buf, sizeof buf, out);
}

static void naive_leaf(uint64_t i, hash_t out)
{
    uint8_t buf[9] = {0};

    for (int j = 0; j < 8; j++)
        buf[1 + j] = (uint8_t)(i >> (56 - 8 * j));
    SHA256(buf, sizeof buf, out);
}

static bool model_marked(const struct model *m, uint64_t lo, uint64_t hi)
{
    if (m->marks == NULL)
        return true;
    for (size_t j = 0; j < m->nmarks; j++)
        if (m->marks[j] >= lo && m->marks[j] < hi)
            return true;
    return false;
}

static uint64_t naive_split(uint64_t n) /* largest power of 2 below n */
{
    uint64_t k = 1;

    while (k < n - k)
        k <<= 1;
    return k;
}

/* MTH(D[lo:hi]) as RFC 6962 section 2.1 defines it (hi > lo). */
static void mth(const struct model *m, uint64_t lo, uint64_t hi, hash_t out)
{
    uint64_t n = hi - lo;
    hash_t l, r;

    struct memo *memo = m->memo ? &m->memo[lo * (SMALL_MAX + 1) + hi] : 0;

    if (memo != NULL && memo->ok) {
        memcpy(out, memo->h, 32);
        return;
    }
    if (!model_marked(m, lo, hi) && (n & (n - 1)) == 0) {
        memcpy(out, m->filler[__builtin_ctzll(n)], 32);
        return;
    }
    if (n == 1) {
        naive_leaf(lo, out);
    } else {
        mth(m, lo, lo + naive_split(n), l);
        mth(m, lo + naive_split(n), hi, r);
        naive_node(l, r, out);
    }
    if (memo != NULL) {
        memcpy(memo->h, out, 32);
        memo->ok = true;
    }
}

static void model_root(const struct model *m, uint64_t n, hash_t out)
{
    if (n == 0)
        SHA256((const uint8_t *)"", 0, out);
    else
        mth(m, 0, n, out);
}

static void model_init(struct model *m, const uint64_t *marks, size_t nmarks)
{
    memset(m, 0, sizeof *m);
    m->marks = marks;
    m->nmarks = nmarks;
    SHA256((const uint8_t *)"\0filler", 7, m->filler[0]);
    for (int l = 1; l < 64; l++)
        naive_node(m->filler[l - 1], m->filler[l - 1], m->filler[l]);
}

/* PATH(m, D[lo:hi]) of RFC 6962 section 2.1.1; returns its length. */
static int naive_path(const struct model *t, uint64_t m, uint64_t lo,
                      uint64_t hi, hash_t *out)
{
    uint64_t k;
    int len;

    if (hi - lo == 1)
        return 0;
    k = naive_split(hi - lo);
    if (m < lo + k) {
        len = naive_path(t, m, lo, lo + k, out);
        mth(t, lo + k, hi, out[len]);
    } else {
        len = naive_path(t, m, lo + k, hi, out);
        mth(t, lo, lo + k, out[len]);
    }
    return len + 1;
}

/* SUBPROOF(m, D[lo:hi], b) of RFC 6962 section 2.1.2 (m relative to lo). */
static int naive_subproof(const struct model *t, uint64_t m, uint64_t lo,
                          uint64_t hi, bool b, hash_t *out)
{
    uint64_t k;
    int len;

    if (m == hi - lo) {
        if (b)
            return 0;
        mth(t, lo, hi, out[0]);
        return 1;
    }
    k = naive_split(hi - lo);
    if (m <= k) {
        len = naive_subproof(t, m, lo, lo + k, b, out);
        mth(t, lo + k, hi, out[len]);
    } else {
        len = naive_subproof(t, m - k, lo + k, hi, false, out);
        mth(t, lo, lo + k, out[len]);
    }
    return len + 1;
}

/* ---- stores: an array built by appending, or the synthetic model ---- */

struct store {
    hash_t *h;
    uint64_t count, size;
    const struct model *model; /* synthetic: hashes computed on demand */
};

static void store_append(struct store *s, const hash_t leaf)
{
    uint64_t idx[MERKLE_MAX_NEEDED];
    hash_t needed[64], out[65];
    int k = merkle_append_needed(s->size, idx);
    int c = merkle_append_count(s->size);

    CHECK(k == c - 1);
    CHECK(s->count == merkle_stored_count(s->size));
    for (int j = 0; j < k; j++) {
        CHECK(idx[j] < s->count && (j == 0 || idx[j - 1] < idx[j]));
        memcpy(needed[j], s->h[idx[j]], 32);
    }
    merkle_append_hashes(s->size, leaf, (const hash_t *)needed, out);
    memcpy(s->h[s->count], out, (size_t)c * 32);
    s->count += (uint64_t)c;
    s->size++;
}

/* Reads hashes for a tree of `size` leaves: each index must exist then. */
static bool store_read(const struct store *s, uint64_t size,
                       const uint64_t *idx, int n, hash_t *out)
{
    bool ok = n >= 0 && n <= MERKLE_MAX_NEEDED;

    for (int j = 0; ok && j < n; j++) {
        int level;
        uint64_t i;

        if (idx[j] >= merkle_stored_count(size))
            return false;
        if (s->model == NULL) {
            memcpy(out[j], s->h[idx[j]], 32);
            continue;
        }
        merkle_split_stored_index(idx[j], &level, &i);
        mth(s->model, i << level, (i + 1) << level, out[j]);
    }
    return ok;
}

static int store_inclusion(const struct store *s, uint64_t i, uint64_t n,
                           hash_t *proof)
{
    uint64_t idx[MERKLE_MAX_NEEDED];
    hash_t h[MERKLE_MAX_NEEDED];
    int k = merkle_inclusion_needed(i, n, idx);

    if (!store_read(s, n, idx, k, h))
        return -100;
    return merkle_inclusion_proof(i, n, (const hash_t *)h, proof);
}

static int store_consistency(const struct store *s, uint64_t m, uint64_t n,
                             hash_t *proof)
{
    uint64_t idx[MERKLE_MAX_NEEDED];
    hash_t h[MERKLE_MAX_NEEDED];
    int k = merkle_consistency_needed(m, n, idx);

    if (!store_read(s, n, idx, k, h))
        return -100;
    return merkle_consistency_proof(m, n, (const hash_t *)h, proof);
}

static bool store_root(const struct store *s, uint64_t n, hash_t root)
{
    uint64_t idx[MERKLE_MAX_NEEDED];
    hash_t h[MERKLE_MAX_NEEDED];
    int k = merkle_tree_hash_needed(n, idx);

    if (!store_read(s, n, idx, k, h))
        return false;
    merkle_tree_hash(n, (const hash_t *)h, root);
    return true;
}

/* ---- checking one proof: naive agreement, verification, tampering ---- */

#define FLIP(h, b) ((h)[(b) >> 3] ^= (uint8_t)(1u << ((b)&7)))

/*
 * Tampering: each check below flips bits of its inputs (the leaf or old
 * root, the root, every proof hash) one at a time and expects a mismatch.
 * `stride` picks the bits: 1 flips every bit of every input, s > 1 every
 * s-th bit from a random start, and 0 a single random bit of a single
 * random input (cheap sampling for the larger exhaustive sizes).
 */
static int flip_start(int stride)
{
    return stride <= 1 ? 0 : (int)(check_rand(&rng) % (uint64_t)stride);
}

/* Whether input j (-2, -1, proof hashes 0..len-1) is tampered with at all. */
static bool flip_input(int stride, int j, int chosen)
{
    return stride != 0 || j == chosen;
}

/* The one input a stride-0 check tampers with. */
static int flip_choose(int stride, int len)
{
    return stride == 0 ? (int)(check_rand(&rng) % (uint64_t)(len + 2)) - 2 : 0;
}

/* The step between flipped bits. */
static int flip_step(int stride)
{
    return stride == 0 ? 256 : stride;
}

static void check_inclusion(const struct model *t, const struct store *s,
                            uint64_t i, uint64_t n, const hash_t root_in,
                            int stride)
{
    hash_t proof[MERKLE_MAX_PROOF + 1], naive[MERKLE_MAX_PROOF];
    hash_t leaf, root;
    int len = store_inclusion(s, i, n, proof), bad = 0, chosen;

    REQUIRE(len >= 0 && len <= MERKLE_MAX_PROOF);
    CHECK_MSG(naive_path(t, i, 0, n, naive) == len &&
                  memcmp(naive, proof, (size_t)len * 32) == 0,
              "inclusion i=%llu n=%llu differs from RFC 6962 PATH",
              (unsigned long long)i, (unsigned long long)n);
    mth(t, i, i + 1, leaf);
    memcpy(root, root_in, 32);
    CHECK_MSG(merkle_inclusion_verify(i, n, leaf, (const hash_t *)proof,
                                      (size_t)len, root) == MERKLE_OK,
              "inclusion i=%llu n=%llu does not verify", (unsigned long long)i,
              (unsigned long long)n);

    chosen = flip_choose(stride, len);
    for (int j = -2; j < len; j++) {
        uint8_t *h = j == -2 ? leaf : j == -1 ? root : proof[j];
        if (!flip_input(stride, j, chosen))
            continue;
        for (int b = flip_start(stride); b < 256; b += flip_step(stride)) {
            FLIP(h, b);
            bad += merkle_inclusion_verify(i, n, leaf, (const hash_t *)proof,
                                           (size_t)len,
                                           root) != MERKLE_ERR_MISMATCH;
            FLIP(h, b);
        }
    }
    CHECK_MSG(bad == 0, "inclusion i=%llu n=%llu: %d tampered inputs passed",
              (unsigned long long)i, (unsigned long long)n, bad);

    /* One hash too many or too few. */
    memcpy(proof[len], leaf, 32);
    CHECK(merkle_inclusion_verify(i, n, leaf, (const hash_t *)proof,
                                  (size_t)len + 1, root) == MERKLE_ERR_PROOF);
    if (len > 0)
        CHECK(merkle_inclusion_verify(i, n, leaf, (const hash_t *)proof,
                                      (size_t)len - 1,
                                      root) == MERKLE_ERR_PROOF);
}

static void check_consistency(const struct model *t, const struct store *s,
                              uint64_t m, uint64_t n, const hash_t root_m_in,
                              const hash_t root_n_in, int stride)
{
    hash_t proof[MERKLE_MAX_PROOF + 1], naive[MERKLE_MAX_PROOF];
    hash_t root_m, root_n;
    int len = store_consistency(s, m, n, proof), bad = 0, chosen;

    REQUIRE(len >= 0 && len <= MERKLE_MAX_PROOF);
    CHECK_MSG(naive_subproof(t, m, 0, n, true, naive) == len &&
                  memcmp(naive, proof, (size_t)len * 32) == 0,
              "consistency m=%llu n=%llu differs from RFC 6962 PROOF",
              (unsigned long long)m, (unsigned long long)n);
    memcpy(root_m, root_m_in, 32);
    memcpy(root_n, root_n_in, 32);
    CHECK_MSG(merkle_consistency_verify(m, n, root_m, root_n,
                                        (const hash_t *)proof,
                                        (size_t)len) == MERKLE_OK,
              "consistency m=%llu n=%llu does not verify",
              (unsigned long long)m, (unsigned long long)n);

    chosen = flip_choose(stride, len);
    for (int j = -2; j < len; j++) {
        uint8_t *h = j == -2 ? root_m : j == -1 ? root_n : proof[j];
        if (!flip_input(stride, j, chosen))
            continue;
        for (int b = flip_start(stride); b < 256; b += flip_step(stride)) {
            FLIP(h, b);
            bad += merkle_consistency_verify(
                       m, n, root_m, root_n, (const hash_t *)proof,
                       (size_t)len) != MERKLE_ERR_MISMATCH;
            FLIP(h, b);
        }
    }
    CHECK_MSG(bad == 0, "consistency m=%llu n=%llu: %d tampered inputs passed",
              (unsigned long long)m, (unsigned long long)n, bad);

    memcpy(proof[len], root_m, 32);
    CHECK(merkle_consistency_verify(m, n, root_m, root_n, (const hash_t *)proof,
                                    (size_t)len + 1) == MERKLE_ERR_PROOF);
    if (len > 0)
        CHECK(merkle_consistency_verify(m, n, root_m, root_n,
                                        (const hash_t *)proof,
                                        (size_t)len - 1) == MERKLE_ERR_PROOF);
}

/* ---- 1. known answers ---- */

static void test_stored_numbering(void)
{
    /* The first hashes in append order, as Go's tlog numbers them. */
    static const struct {
        int level;
        uint64_t n, index;
    } known[] = {
        {0, 0, 0},  {0, 1, 1},  {1, 0, 2},  {0, 2, 3},  {0, 3, 4},
        {1, 1, 5},  {2, 0, 6},  {0, 4, 7},  {0, 5, 8},  {1, 2, 9},
        {0, 6, 10}, {0, 7, 11}, {1, 3, 12}, {2, 1, 13}, {3, 0, 14},
    };
    uint64_t count = 0;
    int level;
    uint64_t n;

    for (size_t j = 0; j < sizeof known / sizeof known[0]; j++) {
        CHECK(merkle_stored_index(known[j].level, known[j].n) ==
              known[j].index);
        merkle_split_stored_index(known[j].index, &level, &n);
        CHECK(level == known[j].level && n == known[j].n);
    }
    for (uint64_t idx = 0; idx < 300000; idx++) {
        merkle_split_stored_index(idx, &level, &n);
        if (merkle_stored_index(level, n) != idx) {
            CHECK_MSG(0, "split(%llu) does not round-trip",
                      (unsigned long long)idx);
            break;
        }
    }
    for (uint64_t size = 0; size < 100000; size++) {
        if (merkle_stored_count(size) != count)
            CHECK_MSG(0, "stored_count(%llu)", (unsigned long long)size);
        count += (uint64_t)merkle_append_count(size);
    }
    for (int j = 0; j < 100000; j++) {
        int l = (int)(check_rand(&rng) % 63);
        uint64_t i = check_rand(&rng) >> (1 + l);
        if (((i + 1) << l) > BIG_MAX)
            continue;
        merkle_split_stored_index(merkle_stored_index(l, i), &level, &n);
        if (level != l || n != i)
            CHECK_MSG(0, "split(index(%d, %llu))", l, (unsigned long long)i);
    }
    /* The largest tree's last stored hash is its last leaf's. */
    CHECK(merkle_stored_count(BIG_MAX) == 2 * BIG_MAX - 63);
    CHECK(merkle_stored_count(BIG_MAX) ==
          merkle_stored_index(0, BIG_MAX - 1) + 1);
    CHECK(merkle_append_count(0) == 1 && merkle_append_count(7) == 4);
}

static void test_vectors(void)
{
    json_t *v = check_load_json("tlog-vectors.json");
    json_t *entries = json_object_get(v, "entries_hex");
    json_t *leaves = json_object_get(v, "leaf_hashes");
    json_t *roots = json_object_get(v, "roots");
    json_t *incl = json_object_get(v, "inclusion");
    json_t *cons = json_object_get(v, "consistency");
    size_t nleaves = json_array_size(entries), j;
    struct store s = {calloc(2 * nleaves + 1, 32), 0, 0, NULL};
    hash_t *root = calloc(nleaves + 1, 32), *lh = calloc(nleaves + 1, 32);
    hash_t proof[MERKLE_MAX_PROOF], want;
    json_t *item;

    REQUIRE(s.h != NULL && root != NULL && lh != NULL && nleaves == 70);
    REQUIRE(json_array_size(roots) == nleaves + 1);
    json_array_foreach(entries, j, item)
    {
        size_t len;
        uint8_t *data = check_hex(json_string_value(item), &len);
        merkle_leaf_hash(data, len, lh[j]);
        check_hex_n(json_string_value(json_array_get(leaves, j)), want, 32);
        CHECK(memcmp(lh[j], want, 32) == 0);
        store_append(&s, lh[j]);
        free(data);
    }
    json_array_foreach(roots, j, item)
    {
        check_hex_n(json_string_value(item), root[j], 32);
        CHECK(store_root(&s, j, want) && memcmp(want, root[j], 32) == 0);
    }
    json_array_foreach(incl, j, item)
    {
        uint64_t i =
            (uint64_t)json_integer_value(json_object_get(item, "index"));
        uint64_t n =
            (uint64_t)json_integer_value(json_object_get(item, "tree_size"));
        json_t *hs = json_object_get(item, "hashes");
        int len = store_inclusion(&s, i, n, proof);
        CHECK(len == (int)json_array_size(hs));
        for (int k = 0; k < len; k++) {
            check_hex_n(json_string_value(json_array_get(hs, (size_t)k)), want,
                        32);
            CHECK(memcmp(proof[k], want, 32) == 0);
        }
        CHECK(merkle_inclusion_verify(i, n, lh[i], (const hash_t *)proof,
                                      (size_t)len, root[n]) == MERKLE_OK);
    }
    json_array_foreach(cons, j, item)
    {
        uint64_t m =
            (uint64_t)json_integer_value(json_object_get(item, "from"));
        uint64_t n = (uint64_t)json_integer_value(json_object_get(item, "to"));
        json_t *hs = json_object_get(item, "hashes");
        int len = store_consistency(&s, m, n, proof);
        CHECK(len == (int)json_array_size(hs));
        for (int k = 0; k < len; k++) {
            check_hex_n(json_string_value(json_array_get(hs, (size_t)k)), want,
                        32);
            CHECK(memcmp(proof[k], want, 32) == 0);
        }
        CHECK(merkle_consistency_verify(m, n, root[m], root[n],
                                        (const hash_t *)proof,
                                        (size_t)len) == MERKLE_OK);
    }
    CHECK(json_array_size(incl) > 600 && json_array_size(cons) > 700);
    free(lh);
    free(root);
    free(s.h);
    json_decref(v);
}

/* ---- 2. every small tree ---- */

/*
 * Tampering costs about 67 M hashes if every bit of every input is flipped
 * for all n <= 64, some 30 s under ASan. By default every bit is flipped
 * for n <= 32 and one random bit of every byte for n <= 64 (which still
 * catches a verifier that ignores any byte of any input); beyond 64, one
 * random bit of one random input per proof. CREDLOG_TEST_FULL=1 in the
 * environment flips every bit up to n = 64.
 */

static void test_exhaustive(void)
{
    struct model t;
    struct store s = {calloc(2 * SMALL_MAX, 32), 0, 0, NULL};
    hash_t *roots = calloc(SMALL_MAX + 1, 32), leaf, r;
    uint64_t full_bits = getenv("CREDLOG_TEST_FULL") ? 64 : 32;

    model_init(&t, NULL, 0);
    t.memo = calloc((SMALL_MAX + 1) * (SMALL_MAX + 1), sizeof *t.memo);
    REQUIRE(s.h != NULL && roots != NULL && t.memo != NULL);
    for (uint64_t i = 0; i < SMALL_MAX; i++) {
        mth(&t, i, i + 1, leaf);
        uint8_t data[8];
        for (int j = 0; j < 8; j++)
            data[j] = (uint8_t)(i >> (56 - 8 * j));
        merkle_leaf_hash(data, 8, r);
        CHECK(memcmp(leaf, r, 32) == 0);
        store_append(&s, leaf);
    }
    for (uint64_t n = 0; n <= SMALL_MAX; n++) {
        model_root(&t, n, roots[n]);
        CHECK_MSG(store_root(&s, n, r) && memcmp(r, roots[n], 32) == 0,
                  "tree hash of size %llu", (unsigned long long)n);
    }
    for (uint64_t n = 1; n <= SMALL_MAX; n++) {
        int stride = n <= full_bits ? 1 : n <= 64 ? 8 : 0;
        for (uint64_t i = 0; i < n; i++)
            check_inclusion(&t, &s, i, n, roots[n], stride);
        for (uint64_t m = 1; m <= n; m++)
            check_consistency(&t, &s, m, n, roots[m], roots[n], stride);
    }
    free(t.memo);
    free(roots);
    free(s.h);
}

static void test_hashing(void)
{
    static uint8_t big[100000];
    uint8_t *buf = malloc(sizeof big + 1);
    hash_t a, b, c, want;

    REQUIRE(buf != NULL);
    merkle_empty_root(a);
    SHA256((const uint8_t *)"", 0, want);
    CHECK(memcmp(a, want, 32) == 0);
    merkle_leaf_hash(NULL, 0, a);
    SHA256((const uint8_t *)"", 1, want); /* the single byte 0x00 */
    CHECK(memcmp(a, want, 32) == 0);
    for (size_t j = 0; j < sizeof big; j++)
        big[j] = (uint8_t)(j * 7);
    buf[0] = 0;
    memcpy(buf + 1, big, sizeof big);
    SHA256(buf, sizeof big + 1, want);
    merkle_leaf_hash(big, sizeof big, a);
    CHECK(memcmp(a, want, 32) == 0);

    /* out may alias either input. */
    memset(a, 0xaa, 32);
    memset(b, 0xbb, 32);
    naive_node(a, b, want);
    merkle_node_hash(a, b, c);
    CHECK(memcmp(c, want, 32) == 0);
    merkle_node_hash(a, b, a);
    CHECK(memcmp(a, want, 32) == 0);
    memset(a, 0xaa, 32);
    merkle_node_hash(a, b, b);
    CHECK(memcmp(b, want, 32) == 0);
    free(buf);
}

/* Leaf hashes of random entries of every length from 0 to 300 bytes (every
 * way an entry can end against SHA-256's 64-byte blocks and its padding, the
 * 0x00 prefix included) and node hashes of random pairs, against OpenSSL's
 * one-shot SHA256() of the prefixed bytes. */
static void test_hashing_lengths(void)
{
    uint8_t buf[1 + 300];
    hash_t got, want, l, r;
    uint64_t st = 0x5eed;

    for (size_t len = 0; len <= 300; len++) {
        for (int rep = 0; rep < 4; rep++) {
            buf[0] = 0x00;
            for (size_t j = 0; j < len; j++)
                buf[1 + j] = (uint8_t)check_rand(&st);
            SHA256(buf, 1 + len, want);
            merkle_leaf_hash(len > 0 ? buf + 1 : NULL, len, got);
            CHECK_MSG(memcmp(got, want, 32) == 0, "leaf of %zu bytes", len);
        }
    }
    for (int i = 0; i < 1000; i++) {
        check_rand_cred(&st, l);
        check_rand_cred(&st, r);
        naive_node(l, r, want);
        merkle_node_hash(l, r, got);
        CHECK_MSG(memcmp(got, want, 32) == 0, "node %d", i);
    }
}

static void test_errors(void)
{
    uint64_t idx[MERKLE_MAX_NEEDED];
    hash_t a, b, proof[2];

    memset(a, 1, 32);
    memset(b, 2, 32);
    memset(proof, 3, sizeof proof);
    CHECK(merkle_inclusion_needed(0, 0, idx) == MERKLE_ERR_RANGE);
    CHECK(merkle_inclusion_needed(5, 5, idx) == MERKLE_ERR_RANGE);
    CHECK(merkle_inclusion_needed(0, BIG_MAX + 1, idx) == MERKLE_ERR_RANGE);
    CHECK(merkle_inclusion_proof(5, 5, (const hash_t *)proof, proof) ==
          MERKLE_ERR_RANGE);
    CHECK(merkle_inclusion_verify(0, 0, a, (const hash_t *)proof, 0, a) ==
          MERKLE_ERR_RANGE);
    CHECK(merkle_inclusion_verify(5, 5, a, (const hash_t *)proof, 1, a) ==
          MERKLE_ERR_RANGE);
    CHECK(merkle_inclusion_verify(0, 1, a, (const hash_t *)proof, 0, a) ==
          MERKLE_OK);
    CHECK(merkle_inclusion_verify(0, 1, a, (const hash_t *)proof, 0, b) ==
          MERKLE_ERR_MISMATCH);
    CHECK(merkle_inclusion_verify(0, 1, a, (const hash_t *)proof, 1, a) ==
          MERKLE_ERR_PROOF);

    CHECK(merkle_consistency_needed(0, 5, idx) == MERKLE_ERR_RANGE);
    CHECK(merkle_consistency_needed(6, 5, idx) == MERKLE_ERR_RANGE);
    CHECK(merkle_consistency_needed(5, 5, idx) == 0);
    CHECK(merkle_consistency_needed(1, BIG_MAX + 1, idx) == MERKLE_ERR_RANGE);
    CHECK(merkle_consistency_proof(0, 5, (const hash_t *)proof, proof) ==
          MERKLE_ERR_RANGE);
    CHECK(merkle_consistency_proof(5, 5, (const hash_t *)proof, proof) == 0);
    CHECK(merkle_consistency_verify(0, 5, a, b, (const hash_t *)proof, 1) ==
          MERKLE_ERR_RANGE);
    CHECK(merkle_consistency_verify(0, 0, a, a, (const hash_t *)proof, 0) ==
          MERKLE_ERR_RANGE);
    CHECK(merkle_consistency_verify(6, 5, a, b, (const hash_t *)proof, 1) ==
          MERKLE_ERR_RANGE);
    CHECK(merkle_consistency_verify(5, 5, a, a, (const hash_t *)proof, 0) ==
          MERKLE_OK);
    CHECK(merkle_consistency_verify(5, 5, a, b, (const hash_t *)proof, 0) ==
          MERKLE_ERR_MISMATCH);
    CHECK(merkle_consistency_verify(5, 5, a, a, (const hash_t *)proof, 1) ==
          MERKLE_ERR_PROOF);
    CHECK(merkle_consistency_verify(1, 2, a, b, (const hash_t *)proof, 0) ==
          MERKLE_ERR_PROOF);

    CHECK(merkle_tree_hash_needed(0, idx) == 0);
    CHECK(merkle_tree_hash_needed(BIG_MAX, idx) == 63);
    CHECK(merkle_tree_hash_needed(BIG_MAX + 1, idx) == MERKLE_ERR_RANGE);
    CHECK(merkle_append_needed((UINT64_C(1) << 62) - 1, idx) == 62);
    CHECK(merkle_append_needed(BIG_MAX - 1, idx) == 0);
    CHECK(merkle_append_needed(BIG_MAX, idx) == MERKLE_ERR_RANGE);
    CHECK(strcmp(merkle_strerror(MERKLE_ERR_MISMATCH),
                 merkle_strerror(MERKLE_ERR_PROOF)) != 0);
}

/* ---- 3. huge trees ---- */

/* The most stored hashes any proof asks for, over sizes up to 2^63 - 1. */
static void test_needed_bound(void)
{
    uint64_t idx[MERKLE_MAX_NEEDED];
    int most_incl = 0, most_cons = 0;

    for (int j = 0; j < 200000; j++) {
        uint64_t n =
            BIG_MAX - (j < 1000 ? (uint64_t)j : check_rand(&rng) >> (j % 64));
        uint64_t i = j % 3 == 0 ? (uint64_t)(j % 64) : check_rand(&rng) % n;
        int k = merkle_inclusion_needed(i, n, idx);
        if (k > most_incl)
            most_incl = k;
        k = merkle_consistency_needed(i + 1, n, idx);
        if (k > most_cons)
            most_cons = k;
    }
    printf("most stored hashes needed: inclusion %d, consistency %d\n",
           most_incl, most_cons);
    /* The bounds argued in inclusion.c and consistency.c. */
    CHECK(most_incl <= 124 && most_cons <= 125);
    CHECK(MERKLE_MAX_NEEDED >= 125 && MERKLE_MAX_PROOF >= 63);
}

static void test_huge(void)
{
    static const uint64_t sizes[] = {
        ((uint64_t)1 << 40) - 1, (uint64_t)1 << 40, ((uint64_t)1 << 40) + 12345,
        ((uint64_t)1 << 62) + 3, BIG_MAX,
    };

    for (size_t z = 0; z < sizeof sizes / sizeof sizes[0]; z++) {
        uint64_t n = sizes[z], marks[8], olds[8];
        struct model t;
        struct store s = {NULL, 0, 0, &t};
        hash_t root, r, root_m;

        marks[0] = 0;
        marks[1] = 1;
        marks[2] = n / 3;
        marks[3] = n / 2;
        marks[4] = n - 2;
        marks[5] = n - 1;
        marks[6] = check_rand(&rng) % n;
        marks[7] = check_rand(&rng) % n;
        model_init(&t, marks, 8);
        model_root(&t, n, root);
        CHECK(store_root(&s, n, r) && memcmp(r, root, 32) == 0);
        for (int j = 0; j < 8; j++)
            check_inclusion(&t, &s, marks[j], n, root, 64);
        check_inclusion(&t, &s, check_rand(&rng) % n, n, root, 64);

        olds[0] = 1;
        olds[1] = 2;
        olds[2] = n / 2;
        olds[3] = n / 2 + 1;
        olds[4] = n - 1;
        olds[5] = n;
        olds[6] = marks[2] + 1;
        olds[7] = 1 + check_rand(&rng) % n;
        for (int j = 0; j < 8; j++) {
            model_root(&t, olds[j], root_m);
            check_consistency(&t, &s, olds[j], n, root_m, root, 64);
        }
    }
}

int main(void)
{
    test_hashing();
    test_hashing_lengths();
    test_stored_numbering();
    test_vectors();
    test_errors();
    test_needed_bound();
    test_huge();
    test_exhaustive();
    return check_finish();
}
