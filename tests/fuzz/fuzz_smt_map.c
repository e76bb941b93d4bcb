/*
 * fuzz_smt_map.c: the CTL-SMT-v1 map itself (proofs/smt.h): smt_update(),
 * smt_get(), smt_prove() and smt_verify() against a model, for maps whose
 * keys the fuzzer chooses (including keys that share up to 255 bits).
 *
 * The input is a list of 4-byte operations [mode, a, b, c]; each sets one
 * key to a value. Key: mode & 3 = 0: 0x55..55 with bits a and b flipped,
 * 1: SHA-256(a, b), 2: all zero with bit a set, 3: all ones with bit a
 * clear. Value: issue index c, revoke index c+1 if mode & 0x40 else NONE.
 * mode & 0x80 ends a batch before the operation. At most 48 operations in
 * at most 6 batches (each check costs up to 256 hashes a key).
 *
 * Invariants, after every batch:
 *  - the root equals a naive recursive root of the model written here from
 *    the specification, and the root smt_builder computes from the sorted
 *    model, whose every reported branch is the node smt_update() stored;
 *  - applying the batch in one smt_update() gives the same root and the
 *    same answers as applying its updates one by one in a second store;
 *  - an unsorted or duplicated batch is refused (SMT_ERR_ARG), changing
 *    nothing;
 *  - at the end, every key of the model is found (in both stores) with its
 *    value, and its proof verifies as kind 1 with that value; absent keys (each
 * key with its last bit flipped, the all-zero and all-one keys) are not found,
 * and their proofs verify as kind 0 or 2; a proof needs exactly its length (one
 * byte less gives SMT_ERR_SPACE) and fails against another root.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/sha.h>

#include "fuzz.h"
#include "proofs/smt.h"

#define MAX_OPS 48
#define MAX_BATCHES 6
#define SLOTS 65536 /* > 64 keys x 257 depths */

/* ---- an in-memory store; a generation number empties it in O(1) ---- */

struct slot {
    uint32_t gen;
    uint16_t depth;
    uint8_t prefix[SMT_KEY_SIZE];
    struct smt_node node;
};

struct mem {
    struct slot *slots;
    uint32_t gen;
};

static uint64_t slot_hash(unsigned depth, const uint8_t *prefix)
{
    uint64_t h = 0x9E3779B97F4A7C15ULL * (depth + 1);

    for (int i = 0; i < 32; i += 8) {
        uint64_t w;
        memcpy(&w, prefix + i, 8);
        h = (h ^ w) * 0xBF58476D1CE4E5B9ULL;
        h ^= h >> 29;
    }
    return h;
}

static struct slot *mem_find(struct mem *m, unsigned depth,
                             const uint8_t *prefix)
{
    size_t i = slot_hash(depth, prefix) & (SLOTS - 1);

    for (;;) {
        struct slot *s = &m->slots[i];
        if (s->gen != m->gen ||
            (s->depth == depth && memcmp(s->prefix, prefix, SMT_KEY_SIZE) == 0))
            return s;
        i = (i + 1) & (SLOTS - 1);
    }
}

static int mem_get(void *ctx, unsigned depth,
                   const uint8_t prefix[SMT_KEY_SIZE], struct smt_node *out)
{
    struct mem *m = ctx;
    struct slot *s = mem_find(m, depth, prefix);

    if (s->gen != m->gen)
        memset(out, 0, sizeof *out);
    else
        *out = s->node;
    return 0;
}

static int mem_put(void *ctx, unsigned depth,
                   const uint8_t prefix[SMT_KEY_SIZE],
                   const struct smt_node *node)
{
    struct mem *m = ctx;
    struct slot *s = mem_find(m, depth, prefix);

    FUZZ_ASSERT(depth <= SMT_DEPTH_MAX && node->kind != SMT_NODE_EMPTY);
    s->gen = m->gen;
    s->depth = (uint16_t)depth;
    memcpy(s->prefix, prefix, SMT_KEY_SIZE);
    s->node = *node;
    return 0;
}

static void mem_reset(struct mem *m)
{
    if (m->slots == NULL) {
        m->slots = calloc(SLOTS, sizeof *m->slots);
        if (m->slots == NULL)
            abort();
    }
    if (++m->gen == 0) { /* wrapped: really empty it */
        memset(m->slots, 0, SLOTS * sizeof *m->slots);
        m->gen = 1;
    }
}

static struct mem batch_mem, single_mem;

/* ---- the model and its naive root ---- */

struct kv {
    uint8_t key[SMT_KEY_SIZE];
    uint8_t value[SMT_VALUE_SIZE];
};

static int bit(const uint8_t *k, unsigned i)
{
    return (k[i >> 3] >> (7 - (i & 7))) & 1;
}

static int kv_cmp(const void *a, const void *b)
{
    return memcmp(((const struct kv *)a)->key, ((const struct kv *)b)->key,
                  SMT_KEY_SIZE);
}

/* T(depth, sorted keys[lo..hi)), all sharing their first depth bits. */
static void naive_root(const struct kv *kv, size_t lo, size_t hi,
                       unsigned depth, uint8_t out[32])
{
    uint8_t buf[1 + 64], l[32], r[32];
    size_t mid = lo;

    if (lo == hi) {
        memset(out, 0, 32);
        return;
    }
    if (hi - lo == 1) {
        buf[0] = 0x00;
        memcpy(buf + 1, kv[lo].key, 32);
        memcpy(buf + 33, kv[lo].value, 16);
        SHA256(buf, 49, out);
        return;
    }
    FUZZ_ASSERT(depth < 256);
    while (mid < hi && !bit(kv[mid].key, depth))
        mid++;
    naive_root(kv, lo, mid, depth + 1, l);
    naive_root(kv, mid, hi, depth + 1, r);
    buf[0] = 0x01;
    memcpy(buf + 1, l, 32);
    memcpy(buf + 33, r, 32);
    SHA256(buf, 65, out);
}

static size_t model_find(const struct kv *model, size_t n, const uint8_t *key)
{
    for (size_t i = 0; i < n; i++)
        if (memcmp(model[i].key, key, SMT_KEY_SIZE) == 0)
            return i;
    return n;
}

/* ---- checks ---- */

static void check_key(const struct smt_store *st, const uint8_t root[32],
                      const uint8_t *key, const struct kv *found, bool tight)
{
    uint8_t proof[SMT_PROOF_MAX], value[SMT_VALUE_SIZE], bad[32];
    struct smt_proof_info info;
    bool present = true;
    int len;

    FUZZ_ASSERT(smt_get(st, key, &present, value) == 0);
    FUZZ_ASSERT(present == (found != NULL));
    if (found != NULL)
        FUZZ_ASSERT(memcmp(value, found->value, SMT_VALUE_SIZE) == 0);
    len = smt_prove(st, key, proof, sizeof proof);
    FUZZ_ASSERT(len > 0 && len <= SMT_PROOF_MAX);
    if (tight)
        FUZZ_ASSERT(smt_prove(st, key, proof, (size_t)len - 1) ==
                    SMT_ERR_SPACE);
    FUZZ_ASSERT(smt_verify(proof, (size_t)len, root, &info) == 0);
    FUZZ_ASSERT(memcmp(info.key, key, SMT_KEY_SIZE) == 0);
    if (found != NULL) {
        FUZZ_ASSERT(info.kind == SMT_PROOF_PRESENT);
        FUZZ_ASSERT(memcmp(info.value, found->value, SMT_VALUE_SIZE) == 0);
    } else {
        FUZZ_ASSERT(info.kind == SMT_PROOF_ABSENT_EMPTY ||
                    info.kind == SMT_PROOF_ABSENT_OTHER);
    }
    memcpy(bad, root, 32);
    bad[key[0] & 31] ^= 0x80;
    FUZZ_ASSERT(smt_verify(proof, (size_t)len, bad, NULL) == SMT_ERR_MISMATCH);
}

/* Each branch the builder reports is the one smt_update() stored there. */
static int built_branch(void *arg, const struct smt_branch *b)
{
    uint8_t prefix[SMT_KEY_SIZE] = {0};
    struct slot *s;

    memcpy(prefix, b->key, (b->depth + 7) / 8);
    if (b->depth % 8 != 0)
        prefix[b->depth / 8] &= (uint8_t)(0xff << (8 - b->depth % 8));
    s = mem_find(arg, b->depth, prefix);
    FUZZ_ASSERT(s->gen == ((struct mem *)arg)->gen &&
                s->node.kind == SMT_NODE_BRANCH &&
                memcmp(s->node.hash, b->hash, 32) == 0 && b->count >= 2);
    return 0;
}

/* The map built from its sorted leaves (proofs/smt_build.c) has the root
 * smt_update() keeps. */
static void check_builder(const struct kv *sorted, size_t n,
                          const uint8_t root[32])
{
    static struct smt_builder b;
    struct smt_node node;

    smt_builder_init(&b, 0, built_branch, &batch_mem);
    for (size_t i = 0; i < n; i++)
        FUZZ_ASSERT(smt_builder_add(&b, sorted[i].key, sorted[i].value) == 0);
    FUZZ_ASSERT(smt_builder_finish(&b, &node) == 0);
    FUZZ_ASSERT(
        memcmp(node.kind == SMT_NODE_EMPTY ? (uint8_t[32]){0} : node.hash, root,
               32) == 0);
}

static void make_key(const uint8_t op[4], uint8_t key[32])
{
    switch (op[0] & 3) {
    case 0:
        memset(key, 0x55, 32);
        key[op[1] >> 3] ^= (uint8_t)(0x80 >> (op[1] & 7));
        key[op[2] >> 3] ^= (uint8_t)(0x80 >> (op[2] & 7));
        break;
    case 1:
        SHA256(op + 1, 2, key);
        break;
    case 2:
        memset(key, 0, 32);
        key[op[1] >> 3] |= (uint8_t)(0x80 >> (op[1] & 7));
        break;
    default:
        memset(key, 0xff, 32);
        key[op[1] >> 3] &= (uint8_t) ~(0x80 >> (op[1] & 7));
        break;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct smt_store batch = {&batch_mem, mem_get, mem_put};
    struct smt_store single = {&single_mem, mem_get, mem_put};
    struct kv model[MAX_OPS], sorted[MAX_OPS];
    struct smt_update pending[MAX_OPS], swapped[2];
    uint8_t root[32], root1[32], want[32];
    size_t nmodel = 0, npending = 0, nops = size / 4, nbatches = 0;

    if (nops > MAX_OPS)
        nops = MAX_OPS;
    mem_reset(&batch_mem);
    mem_reset(&single_mem);
    FUZZ_ASSERT(smt_root(&batch, root) == 0);
    FUZZ_ASSERT(memcmp(root, (uint8_t[32]){0}, 32) == 0);

    for (size_t i = 0; i <= nops; i++) {
        const uint8_t *op = data + 4 * i;
        bool flush =
            i == nops || ((op[0] & 0x80) && nbatches + 1 < MAX_BATCHES);

        if (flush && npending > 0) {
            /* The batch: sorted, one update per key (the last one wins). */
            size_t m = 0;
            for (size_t j = 0; j < npending; j++) {
                size_t k = 0;
                while (k < m && memcmp(sorted[k].key, pending[j].key, 32) != 0)
                    k++;
                memcpy(sorted[k].key, pending[j].key, 32);
                memcpy(sorted[k].value, pending[j].value, 16);
                if (k == m)
                    m++;
            }
            qsort(sorted, m, sizeof sorted[0], kv_cmp);
            for (size_t j = 0; j < m; j++) {
                memcpy(pending[j].key, sorted[j].key, 32);
                memcpy(pending[j].value, sorted[j].value, 16);
            }
            if (m >= 2) {
                swapped[0] = pending[1];
                swapped[1] = pending[0];
                FUZZ_ASSERT(smt_update(&batch, swapped, 2, root1) ==
                            SMT_ERR_ARG);
                swapped[1] = pending[1];
                FUZZ_ASSERT(smt_update(&batch, swapped, 2, root1) ==
                            SMT_ERR_ARG);
            }
            FUZZ_ASSERT(smt_update(&batch, pending, m, root) == 0);
            for (size_t j = 0; j < m; j++)
                FUZZ_ASSERT(
                    smt_update(&single, &pending[m - 1 - j], 1, root1) == 0);
            FUZZ_ASSERT(memcmp(root, root1, 32) == 0);

            for (size_t j = 0; j < m; j++) {
                size_t k = model_find(model, nmodel, sorted[j].key);
                model[k] = sorted[j];
                if (k == nmodel)
                    nmodel++;
            }
            memcpy(sorted, model, nmodel * sizeof model[0]);
            qsort(sorted, nmodel, sizeof sorted[0], kv_cmp);
            naive_root(sorted, 0, nmodel, 0, want);
            FUZZ_ASSERT(memcmp(root, want, 32) == 0);
            check_builder(sorted, nmodel, root);
            FUZZ_ASSERT(smt_root(&batch, root1) == 0 &&
                        memcmp(root, root1, 32) == 0);

            npending = 0;
            nbatches++;
        }
        if (i == nops)
            break;
        make_key(op, pending[npending].key);
        smt_value_encode(op[3], (op[0] & 0x40) ? (uint64_t)op[3] + 1 : SMT_NONE,
                         pending[npending].value);
        npending++;
    }

    /* Every key of the final map, some absent ones, in both stores. */
    for (size_t j = 0; j < nmodel; j++) {
        uint8_t absent[32], value[SMT_VALUE_SIZE];
        bool found = false;

        check_key(&batch, root, model[j].key, &model[j], j == 0);
        FUZZ_ASSERT(smt_get(&single, model[j].key, &found, value) == 0 &&
                    found);
        FUZZ_ASSERT(memcmp(value, model[j].value, SMT_VALUE_SIZE) == 0);
        memcpy(absent, model[j].key, 32);
        absent[31] ^= 0x01;
        if (model_find(model, nmodel, absent) == nmodel)
            check_key(&batch, root, absent, NULL, j == 0);
    }
    {
        uint8_t edge[32];
        size_t k;

        memset(edge, 0, 32);
        k = model_find(model, nmodel, edge);
        check_key(&batch, root, edge, k < nmodel ? &model[k] : NULL, true);
        memset(edge, 0xff, 32);
        k = model_find(model, nmodel, edge);
        check_key(&batch, root, edge, k < nmodel ? &model[k] : NULL, true);
    }
    return 0;
}
