/*
 * test_smt.c: CTL-SMT-v1 (proofs/smt.c).
 *
 * Checks every map, root, proof and reject case in tests/data/ctl-smt-v1.json
 * byte for byte; then randomized maps of about 5,000 keys (clusters sharing
 * their first 100 to 250 bits, the all-zero and all-one keys) against a naive
 * recursive definition written here from the specification: roots, the exact
 * set of stored nodes, batch versus one-by-one updates, revocations, proofs
 * of every present key and of many absent ones, flipped bits, and the number
 * of store reads and writes per operation.
 */
#include "check.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/sha.h>

#include "proofs/smt.h"

static const uint8_t empty_hash[SMT_HASH_SIZE];

/* ---- an in-memory store: open addressing keyed by (depth, prefix) ---- */

struct mem_slot {
    uint8_t used;
    uint16_t depth;
    uint32_t gen; /* mem.gen when last written */
    uint8_t prefix[SMT_KEY_SIZE];
    struct smt_node node;
};

struct mem {
    struct mem_slot *slots;
    size_t cap, count;
    unsigned long gets, puts;
    unsigned long dup_puts;  /* a node written twice in one generation */
    unsigned long bad_calls; /* non-canonical prefix, bad depth or kind */
    uint32_t gen;
    long fail_get_after, fail_put_after; /* < 0: never fail */
};

/* What a failing store call returns: smt_*() must hand it back unchanged. */
#define MEM_ERR_FAIL (-9901)

static uint64_t mem_hash(unsigned depth, const uint8_t *prefix)
{
    uint64_t h = depth * 0x9E3779B97F4A7C15ULL;

    for (int i = 0; i < 4; i++) {
        uint64_t w;
        memcpy(&w, prefix + 8 * i, 8);
        h ^= w + 0x9E3779B97F4A7C15ULL + (h << 6) + (h >> 2);
        h ^= h >> 31;
        h *= 0xBF58476D1CE4E5B9ULL;
    }
    return h ^ (h >> 29);
}

static bool prefix_canonical(unsigned depth, const uint8_t *prefix)
{
    if (depth > SMT_DEPTH_MAX)
        return false;
    for (unsigned i = depth; i < SMT_DEPTH_MAX; i++)
        if (prefix[i >> 3] & (0x80 >> (i & 7)))
            return false;
    return true;
}

static struct mem_slot *mem_find(const struct mem *m, unsigned depth,
                                 const uint8_t *prefix)
{
    size_t i = (size_t)mem_hash(depth, prefix) & (m->cap - 1);

    for (;; i = (i + 1) & (m->cap - 1)) {
        struct mem_slot *s = &m->slots[i];
        if (!s->used ||
            (s->depth == depth && memcmp(s->prefix, prefix, SMT_KEY_SIZE) == 0))
            return s;
    }
}

static void mem_init(struct mem *m, size_t cap)
{
    memset(m, 0, sizeof *m);
    m->cap = cap;
    m->slots = calloc(cap, sizeof *m->slots);
    if (m->slots == NULL)
        abort();
    m->fail_get_after = m->fail_put_after = -1;
}

static void mem_free(struct mem *m)
{
    free(m->slots);
    m->slots = NULL;
}

static void mem_grow(struct mem *m)
{
    struct mem old = *m;

    m->cap *= 2;
    m->slots = calloc(m->cap, sizeof *m->slots);
    if (m->slots == NULL)
        abort();
    for (size_t i = 0; i < old.cap; i++)
        if (old.slots[i].used)
            *mem_find(m, old.slots[i].depth, old.slots[i].prefix) =
                old.slots[i];
    free(old.slots);
}

static int mem_get(void *ctx, unsigned depth, const uint8_t prefix[32],
                   struct smt_node *out)
{
    struct mem *m = ctx;
    struct mem_slot *s;

    m->gets++;
    if (m->fail_get_after >= 0 && m->fail_get_after-- == 0)
        return MEM_ERR_FAIL;
    if (!prefix_canonical(depth, prefix))
        m->bad_calls++;
    s = mem_find(m, depth, prefix);
    if (s->used)
        *out = s->node;
    else
        out->kind = SMT_NODE_EMPTY;
    return 0;
}

static int mem_put(void *ctx, unsigned depth, const uint8_t prefix[32],
                   const struct smt_node *node)
{
    struct mem *m = ctx;
    struct mem_slot *s;

    m->puts++;
    if (m->fail_put_after >= 0 && m->fail_put_after-- == 0)
        return MEM_ERR_FAIL;
    if (!prefix_canonical(depth, prefix) ||
        (node->kind != SMT_NODE_LEAF && node->kind != SMT_NODE_BRANCH))
        m->bad_calls++;
    if (2 * (m->count + 1) > m->cap)
        mem_grow(m);
    s = mem_find(m, depth, prefix);
    if (s->used && s->gen == m->gen)
        m->dup_puts++;
    if (!s->used) {
        s->used = 1;
        s->depth = (uint16_t)depth;
        memcpy(s->prefix, prefix, SMT_KEY_SIZE);
        m->count++;
    }
    s->gen = m->gen;
    s->node = *node;
    return 0;
}

static struct smt_store mem_store(struct mem *m)
{
    struct smt_store st = {m, mem_get, mem_put};
    return st;
}

static bool node_equal(const struct smt_node *a, const struct smt_node *b)
{
    if (a->kind != b->kind || memcmp(a->hash, b->hash, SMT_HASH_SIZE) != 0)
        return false;
    if (a->kind == SMT_NODE_LEAF)
        return memcmp(a->key, b->key, SMT_KEY_SIZE) == 0 &&
               memcmp(a->value, b->value, SMT_VALUE_SIZE) == 0;
    return true;
}

/* Whether two stores hold exactly the same nodes. */
static bool mem_equal(const struct mem *a, const struct mem *b)
{
    if (a->count != b->count)
        return false;
    for (size_t i = 0; i < a->cap; i++) {
        const struct mem_slot *s = &a->slots[i], *t;
        if (!s->used)
            continue;
        t = mem_find(b, s->depth, s->prefix);
        if (!t->used || !node_equal(&s->node, &t->node))
            return false;
    }
    return true;
}

/* Applies a batch, in its own write generation. */
static int mem_update(struct mem *m, const struct smt_update *u, size_t n,
                      uint8_t root[SMT_HASH_SIZE])
{
    struct smt_store st = mem_store(m);

    m->gen++;
    return smt_update(&st, u, n, root);
}

/* ---- the naive definition, over a sorted key list ---- */

static int bit_of(const uint8_t *k, unsigned i)
{
    return (k[i >> 3] >> (7 - (i & 7))) & 1;
}

static void set_bit(uint8_t *k, unsigned i, int b)
{
    if (b)
        k[i >> 3] |= (uint8_t)(0x80 >> (i & 7));
    else
        k[i >> 3] &= (uint8_t) ~(0x80 >> (i & 7));
}

/*
 * T(prefix) over u[0, n) (sorted, all starting with the d-bit prefix):
 * EMPTY, LEAF(k, v) for one key, else NODE(T(p||0), T(p||1)). If check is
 * not NULL, also checks that it stores exactly this node at (d, prefix) and
 * counts the non-empty nodes in *nodes.
 */
static void naive(const struct smt_update *u, size_t n, unsigned d,
                  uint8_t prefix[SMT_KEY_SIZE], const struct mem *check,
                  size_t *nodes, bool *ok, uint8_t out[SMT_HASH_SIZE])
{
    struct smt_node want;
    uint8_t l[SMT_HASH_SIZE], r[SMT_HASH_SIZE], buf[65];
    size_t mid = 0;

    memset(&want, 0, sizeof want);
    if (n == 0) {
        memcpy(out, empty_hash, SMT_HASH_SIZE);
        return;
    }
    if (n == 1) {
        buf[0] = 0x00;
        memcpy(buf + 1, u[0].key, 32);
        memcpy(buf + 33, u[0].value, 16);
        SHA256(buf, 49, out);
        want.kind = SMT_NODE_LEAF;
        memcpy(want.key, u[0].key, 32);
        memcpy(want.value, u[0].value, 16);
    } else {
        while (mid < n && !bit_of(u[mid].key, d))
            mid++;
        naive(u, mid, d + 1, prefix, check, nodes, ok, l);
        set_bit(prefix, d, 1);
        naive(u + mid, n - mid, d + 1, prefix, check, nodes, ok, r);
        set_bit(prefix, d, 0);
        buf[0] = 0x01;
        memcpy(buf + 1, l, 32);
        memcpy(buf + 33, r, 32);
        SHA256(buf, 65, out);
        want.kind = SMT_NODE_BRANCH;
    }
    memcpy(want.hash, out, SMT_HASH_SIZE);
    if (check != NULL) {
        const struct mem_slot *s = mem_find(check, d, prefix);
        (*nodes)++;
        if (!s->used || !node_equal(&s->node, &want))
            *ok = false;
    }
}

static void naive_root(const struct smt_update *u, size_t n,
                       uint8_t out[SMT_HASH_SIZE])
{
    uint8_t prefix[SMT_KEY_SIZE] = {0};
    bool ok = true;

    naive(u, n, 0, prefix, NULL, NULL, &ok, out);
}

/* Checks that m holds exactly the nodes the definition gives for u. */
static bool naive_store_matches(const struct smt_update *u, size_t n,
                                const struct mem *m)
{
    uint8_t prefix[SMT_KEY_SIZE] = {0}, root[SMT_HASH_SIZE];
    size_t nodes = 0;
    bool ok = true;

    naive(u, n, 0, prefix, m, &nodes, &ok, root);
    return ok && nodes == m->count;
}

/* ---- helpers ---- */

static int cmp_update(const void *a, const void *b)
{
    return memcmp(((const struct smt_update *)a)->key,
                  ((const struct smt_update *)b)->key, SMT_KEY_SIZE);
}

/* Sorts u by key and drops repeated keys; returns the new count. */
static size_t sort_unique(struct smt_update *u, size_t n)
{
    size_t out = 0;

    qsort(u, n, sizeof *u, cmp_update);
    for (size_t i = 0; i < n; i++)
        if (out == 0 || memcmp(u[out - 1].key, u[i].key, SMT_KEY_SIZE) != 0)
            u[out++] = u[i];
    return out;
}

static const struct smt_update *find_key(const struct smt_update *u, size_t n,
                                         const uint8_t key[SMT_KEY_SIZE])
{
    struct smt_update probe;

    if (n == 0)
        return NULL;
    memcpy(probe.key, key, SMT_KEY_SIZE);
    return bsearch(&probe, u, n, sizeof *u, cmp_update);
}

static void rand_bytes(uint64_t *rng, uint8_t *out, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = (uint8_t)(check_rand(rng) >> 56);
}

static void shuffle(uint64_t *rng, struct smt_update *u, size_t n)
{
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)(check_rand(rng) % i);
        struct smt_update t = u[i - 1];
        u[i - 1] = u[j];
        u[j] = t;
    }
}

static struct smt_update *dup_updates(const struct smt_update *u, size_t n)
{
    struct smt_update *c = malloc((n + 1) * sizeof *c);

    if (c == NULL)
        abort();
    memcpy(c, u, n * sizeof *c);
    return c;
}

/* Applies u[0, n) one key at a time, in the given order. */
static int apply_one_by_one(struct mem *m, const struct smt_update *u, size_t n,
                            uint8_t root[SMT_HASH_SIZE])
{
    for (size_t i = 0; i < n; i++) {
        int rc = mem_update(m, &u[i], 1, root);
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* Applies u[0, n) (any order) in consecutive batches of random sizes from 1
 * to max_batch, each sorted. */
static int apply_random_batches(struct mem *m, uint64_t *rng,
                                const struct smt_update *u, size_t n,
                                size_t max_batch, uint8_t root[SMT_HASH_SIZE])
{
    struct smt_update *b = dup_updates(u, n);
    int rc = 0;

    for (size_t i = 0; i < n && rc == 0;) {
        size_t sz = 1 + (size_t)(check_rand(rng) % max_batch);
        if (sz > n - i)
            sz = n - i;
        qsort(b + i, sz, sizeof *b, cmp_update);
        rc = mem_update(m, b + i, sz, root);
        i += sz;
    }
    free(b);
    return rc;
}

/*
 * Flips every bit of a verified proof (for very long proofs, one bit of each
 * sibling byte) and of its root, truncates it at every length and extends it
 * by one byte. Every change must fail to verify, with one exception that the
 * encoding allows by design: an absence proof (kind 0 or 2) at depth D uses
 * only the first D bits of its key, so flipping a key bit at position >= D
 * yields a valid proof, of the same kind, that the flipped key is absent too,
 * which is true. Such a proof must still be about the flipped key (info.key),
 * and that key must indeed be absent. Returns how many flips were accepted.
 */
static unsigned long check_flips(const uint8_t *proof, size_t len,
                                 const uint8_t root[SMT_HASH_SIZE],
                                 const struct smt_update *present,
                                 size_t npresent)
{
    struct smt_proof_info orig, info;
    uint8_t *p, r[SMT_HASH_SIZE];
    unsigned long bad = 0, allowed = 0;
    size_t sib_start;

    if (smt_verify(proof, len, root, &orig) != 0) {
        CHECK(!"check_flips: proof does not verify");
        return 0;
    }
    sib_start = 1 + 32 + 1 +
                (orig.kind == 1   ? 16
                 : orig.kind == 2 ? 48
                                  : 0) +
                2 + 32;
    p = malloc(len + 1);
    if (p == NULL)
        abort();
    for (size_t i = 0; i < len; i++) {
        for (unsigned t = 0; t < 8; t++) {
            if (len > 1500 && i >= sib_start && t != i % 8)
                continue;
            memcpy(p, proof, len);
            p[i] ^= (uint8_t)(0x80 >> t);
            if (smt_verify(p, len, root, &info) != 0)
                continue;
            if (i >= 1 && i < 1 + SMT_KEY_SIZE && orig.kind != 1 &&
                (i - 1) * 8 + t >= orig.depth && info.kind == orig.kind &&
                info.depth == orig.depth &&
                memcmp(info.key, p + 1, SMT_KEY_SIZE) == 0 &&
                find_key(present, npresent, info.key) == NULL)
                allowed++;
            else
                bad++;
        }
    }
    for (size_t i = 0; i < len; i++)
        if (smt_verify(proof, i, root, NULL) == 0)
            bad++;
    memcpy(p, proof, len);
    p[len] = 0;
    if (smt_verify(p, len + 1, root, NULL) == 0)
        bad++;
    for (unsigned i = 0; i < 8 * SMT_HASH_SIZE; i++) {
        memcpy(r, root, SMT_HASH_SIZE);
        r[i >> 3] ^= (uint8_t)(0x80 >> (i & 7));
        if (smt_verify(proof, len, r, NULL) == 0)
            bad++;
    }
    free(p);
    CHECK_MSG(bad == 0, "%lu altered proofs verified (kind %u, depth %u)", bad,
              orig.kind, orig.depth);
    return allowed;
}

/* Verifies a proof and checks its meaning against the sorted key list u. */
static bool proof_means(const uint8_t *proof, size_t len,
                        const uint8_t root[SMT_HASH_SIZE],
                        const uint8_t key[SMT_KEY_SIZE],
                        const struct smt_update *u, size_t n,
                        struct smt_proof_info *info)
{
    const struct smt_update *e = find_key(u, n, key), *other;

    if (smt_verify(proof, len, root, info) != 0)
        return false;
    if (memcmp(info->key, key, SMT_KEY_SIZE) != 0)
        return false;
    if (info->kind == SMT_PROOF_PRESENT) {
        uint64_t issue, revoke;
        if (e == NULL || memcmp(info->value, e->value, SMT_VALUE_SIZE) != 0)
            return false;
        smt_value_decode(e->value, &issue, &revoke);
        return info->issue_index == issue && info->revoke_index == revoke;
    }
    if (e != NULL)
        return false;
    if (info->kind == SMT_PROOF_ABSENT_OTHER) {
        /* The leaf it names is in the map, with that value. */
        other = find_key(u, n, proof + 34);
        return other != NULL && memcmp(other->value, proof + 66, 16) == 0;
    }
    return info->kind == SMT_PROOF_ABSENT_EMPTY;
}

static void test_vector_map(json_t *m)
{
    const char *name = json_string_value(json_object_get(m, "name"));
    json_t *entries = json_object_get(m, "entries");
    json_t *proofs = json_object_get(m, "proofs"), *e;
    size_t n = json_array_size(entries), i;
    struct smt_update *u = calloc(n + 1, sizeof *u), *sorted;
    uint8_t want[SMT_HASH_SIZE], root[SMT_HASH_SIZE], buf[SMT_PROOF_MAX];
    struct mem a, b;
    struct smt_store sta, stb;

    if (u == NULL)
        abort();
    check_hex_n(json_string_value(json_object_get(m, "root")), want, 32);
    json_array_foreach(entries, i, e)
    {
        check_hex_n(json_string_value(json_object_get(e, "key")), u[i].key, 32);
        check_hex_n(json_string_value(json_object_get(e, "value")), u[i].value,
                    16);
    }
    sorted = dup_updates(u, n);
    qsort(sorted, n, sizeof *sorted, cmp_update);
    mem_init(&a, 64);
    mem_init(&b, 64);
    sta = mem_store(&a);
    stb = mem_store(&b);

    naive_root(sorted, n, root);
    CHECK_MSG(memcmp(root, want, 32) == 0, "map %s: naive root", name);
    CHECK(apply_one_by_one(&a, u, n, root) == 0);
    CHECK(smt_root(&sta, root) == 0);
    CHECK_MSG(memcmp(root, want, 32) == 0, "map %s: one-by-one root", name);
    CHECK(mem_update(&b, sorted, n, root) == 0);
    CHECK_MSG(memcmp(root, want, 32) == 0, "map %s: batch root", name);
    CHECK_MSG(mem_equal(&a, &b), "map %s: same stored nodes", name);
    CHECK_MSG(naive_store_matches(sorted, n, &b), "map %s: node set", name);

    json_array_foreach(proofs, i, e)
    {
        uint8_t key[32];
        size_t len;
        uint8_t *expect =
            check_hex(json_string_value(json_object_get(e, "proof")), &len);
        int kind = (int)json_integer_value(json_object_get(e, "kind"));
        struct smt_proof_info info;
        int got;

        check_hex_n(json_string_value(json_object_get(e, "key")), key, 32);
        got = smt_prove(&stb, key, buf, sizeof buf);
        CHECK_MSG(got >= 0 && (size_t)got == len &&
                      memcmp(buf, expect, len) == 0,
                  "map %s: proof %zu bytes differ", name, i);
        got = smt_prove(&sta, key, buf, sizeof buf);
        CHECK(got >= 0 && (size_t)got == len && memcmp(buf, expect, len) == 0);
        CHECK_MSG(proof_means(expect, len, want, key, sorted, n, &info) &&
                      info.kind == kind,
                  "map %s: proof %zu meaning", name, i);
        check_flips(expect, len, want, sorted, n);
        free(expect);
    }
    CHECK(a.bad_calls == 0 && b.bad_calls == 0);
    mem_free(&a);
    mem_free(&b);
    free(sorted);
    free(u);
}

static void test_vectors(void)
{
    json_t *j = check_load_json("ctl-smt-v1.json");
    json_t *maps = json_object_get(j, "maps"), *e;
    size_t i;

    CHECK(json_array_size(maps) >= 6);
    json_array_foreach(maps, i, e)
    {
        test_vector_map(e);
    }
    CHECK(json_array_size(json_object_get(j, "reject")) >= 13);
    json_array_foreach(json_object_get(j, "reject"), i, e)
    {
        uint8_t root[32];
        size_t len;
        uint8_t *p =
            check_hex(json_string_value(json_object_get(e, "proof")), &len);

        const char *why = json_string_value(json_object_get(e, "why"));
        /* Well-formed proofs that lead elsewhere are mismatches; everything
         * else breaks an encoding rule. */
        int want = strstr(why, "flipped") != NULL ||
                           strstr(why, "claimed") != NULL ||
                           strstr(why, "re-encoded") != NULL ||
                           strstr(why, "not in the map") != NULL
                       ? SMT_ERR_MISMATCH
                       : SMT_ERR_SYNTAX;

        check_hex_n(json_string_value(json_object_get(e, "root")), root, 32);
        CHECK_MSG(smt_verify(p, len, root, NULL) == want, "reject case '%s'",
                  why);
        free(p);
    }
    json_decref(j);
}

/* ---- randomized maps ---- */

#define RAND_KEYS 4200
#define CLUSTERS 20
#define CLUSTER_SIZE 40
#define SPECIAL_KEYS 6
#define MAX_KEYS (RAND_KEYS + CLUSTERS * CLUSTER_SIZE + SPECIAL_KEYS)

/* Random keys, clusters of keys sharing their first 100 to 250 bits, and the
 * extreme keys; sorted, unique, with random issue indexes. */
static size_t make_keys(uint64_t *rng, struct smt_update *u)
{
    size_t n = 0;

    for (int i = 0; i < RAND_KEYS; i++)
        rand_bytes(rng, u[n++].key, 32);
    for (int c = 0; c < CLUSTERS; c++) {
        uint8_t base[32];
        unsigned shared = 100 + (unsigned)(check_rand(rng) % 151);
        rand_bytes(rng, base, 32);
        for (int i = 0; i < CLUSTER_SIZE; i++) {
            rand_bytes(rng, u[n].key, 32);
            for (unsigned j = 0; j < shared; j++)
                set_bit(u[n].key, j, bit_of(base, j));
            n++;
        }
    }
    memset(u[n++].key, 0x00, 32); /* all zero */
    memset(u[n].key, 0x00, 32);   /* parts from it at bit 255 */
    u[n++].key[31] = 0x01;
    memset(u[n++].key, 0xff, 32); /* all one */
    memset(u[n].key, 0xff, 32);
    u[n++].key[31] = 0xfe;
    memset(u[n].key, 0x00, 32); /* parts from all zero at bit 0 */
    u[n++].key[0] = 0x80;
    memset(u[n].key, 0xff, 32);
    u[n++].key[0] = 0x7f;
    for (size_t i = 0; i < n; i++)
        smt_value_encode(check_rand(rng) % 1000000, SMT_NONE, u[i].value);
    return sort_unique(u, n);
}

/* Proves key in m, checks the proof's meaning against u[0, n) and that the
 * prover read at most 2 D + 1 nodes. Returns the proof's kind, or -1. */
static int prove_and_check(struct mem *m, const uint8_t key[32],
                           const uint8_t root[32], const struct smt_update *u,
                           size_t n, uint8_t *buf, int *len)
{
    struct smt_store st = mem_store(m);
    struct smt_proof_info info;
    unsigned long gets = m->gets;

    *len = smt_prove(&st, key, buf, SMT_PROOF_MAX);
    if (*len < 0)
        return -1;
    gets = m->gets - gets;
    if (!proof_means(buf, (size_t)*len, root, key, u, n, &info))
        return -1;
    if (gets > 2 * (unsigned long)info.depth + 1)
        return -1;
    return info.kind;
}

static void test_random(void)
{
    uint64_t rng = 0x5eed5eed12345678ULL;
    struct smt_update *all = malloc((MAX_KEYS + 400) * sizeof *all);
    struct smt_update *order, *changes;
    uint8_t root_a[32], root_b[32], root_c[32], want[32], old_root[32];
    uint8_t *buf = malloc(SMT_PROOF_MAX);
    struct mem a, b, c;
    struct smt_store sta;
    size_t n, next_check = 1, nchanges = 0, nrevoked = 0;
    unsigned long over_bound = 0, wrong = 0, kinds[3] = {0};
    unsigned long flip_allowed = 0, flipped[3] = {0}, deep_flipped = 0;
    int len;

    if (all == NULL || buf == NULL)
        abort();
    n = make_keys(&rng, all);
    CHECK(n > 4900);
    order = dup_updates(all, n);
    shuffle(&rng, order, n);
    mem_init(&a, 1024);
    mem_init(&b, 1024);
    mem_init(&c, 1024);
    sta = mem_store(&a);

    /* A: one key at a time, in random order. An insert reads 2 D + 1 nodes
     * (D = depth of the node it lands on) and writes the path plus any
     * pushed-down leaf: at most 3 L + 3 calls for the new leaf's depth L. */
    for (size_t i = 0; i < n; i++) {
        unsigned long ops = a.gets + a.puts;
        struct smt_proof_info info;

        CHECK(mem_update(&a, &order[i], 1, root_a) == 0);
        ops = a.gets + a.puts - ops;
        len = smt_prove(&sta, order[i].key, buf, SMT_PROOF_MAX);
        if (len < 0 || smt_verify(buf, (size_t)len, root_a, &info) != 0 ||
            info.kind != SMT_PROOF_PRESENT)
            wrong++;
        else if (ops > 3 * (unsigned long)info.depth + 3)
            over_bound++;
        if (i + 1 == next_check || i + 1 == n) {
            struct smt_update *s = dup_updates(order, i + 1);
            qsort(s, i + 1, sizeof *s, cmp_update);
            naive_root(s, i + 1, want);
            CHECK_MSG(memcmp(root_a, want, 32) == 0,
                      "one-by-one root after %zu keys", i + 1);
            free(s);
            next_check *= 3;
        }
    }
    CHECK(wrong == 0);
    CHECK_MSG(over_bound == 0, "%lu inserts above 3L+3 store calls",
              over_bound);
    CHECK(naive_store_matches(all, n, &a));
    CHECK(a.dup_puts == 0 && a.bad_calls == 0);

    /* B: random batch sizes; C: one batch. Same root, same nodes. */
    CHECK(apply_random_batches(&b, &rng, order, n, 700, root_b) == 0);
    CHECK(mem_update(&c, all, n, root_c) == 0);
    CHECK(memcmp(root_a, root_b, 32) == 0 && memcmp(root_a, root_c, 32) == 0);
    CHECK(mem_equal(&a, &b) && mem_equal(&a, &c));
    CHECK(b.dup_puts == 0 && c.dup_puts == 0);
    CHECK(b.bad_calls == 0 && c.bad_calls == 0);

    /* Every key's proof and lookup. */
    wrong = 0;
    for (size_t i = 0; i < n; i++) {
        bool found;
        uint8_t v[16];
        if (prove_and_check(&a, all[i].key, root_a, all, n, buf, &len) !=
            SMT_PROOF_PRESENT)
            wrong++;
        /* Flip a sample, and the first proof deeper than 180 (D is at
         * bytes 50-51 of a kind 1 proof). */
        if (i % 500 == 0 ||
            ((buf[50] << 8 | buf[51]) > 180 && deep_flipped++ == 0))
            flip_allowed += check_flips(buf, (size_t)len, root_a, all, n);
        if (smt_get(&sta, all[i].key, &found, v) != 0 || !found ||
            memcmp(v, all[i].value, 16) != 0)
            wrong++;
    }
    CHECK_MSG(wrong == 0, "%lu present keys with a bad proof or lookup", wrong);

    /* Absent keys: random ones, and neighbours of present keys that share
     * their first 100 to 255 bits (kind 2 or, deep in a cluster, kind 0). */
    wrong = 0;
    for (size_t i = 0; i < 3000 + 2 * n; i++) {
        uint8_t key[32], v[16];
        bool found = true;
        int kind;

        if (i < 3000) {
            rand_bytes(&rng, key, 32);
        } else {
            unsigned pos =
                (i & 1) ? 255 : 100 + (unsigned)(check_rand(&rng) % 156);
            memcpy(key, all[(i - 3000) / 2].key, 32);
            set_bit(key, pos, !bit_of(key, pos));
        }
        if (find_key(all, n, key) != NULL)
            continue;
        kind = prove_and_check(&a, key, root_a, all, n, buf, &len);
        if (kind != SMT_PROOF_ABSENT_EMPTY && kind != SMT_PROOF_ABSENT_OTHER) {
            wrong++;
            continue;
        }
        kinds[kind]++;
        if (smt_get(&sta, key, &found, v) != 0 || found)
            wrong++;
        if (flipped[kind] < 6 && (len < 1500 || flipped[kind] == 0)) {
            flip_allowed += check_flips(buf, (size_t)len, root_a, all, n);
            flipped[kind]++;
        }
    }
    CHECK_MSG(wrong == 0, "%lu absent keys with a bad proof or lookup", wrong);
    CHECK(kinds[0] > 200 && kinds[2] > 200);
    CHECK(flipped[0] == 6 && flipped[2] == 6);
    CHECK(deep_flipped > 0); /* a proof of depth > 180 was flipped */
    CHECK(flip_allowed > 0); /* the allowed key flips do occur */
    printf("absent proofs: %lu kind 0, %lu kind 2; %lu key-bit flips "
           "verified as true absence proofs of the flipped key\n",
           kinds[0], kinds[2], flip_allowed);

    /* Revocations of 600 keys mixed with 300 new keys: one by one in A,
     * random batches in B; both equal the definition over the new map. */
    memcpy(old_root, root_a, 32);
    changes = malloc(900 * sizeof *changes);
    for (size_t i = 0; i < n && nrevoked < 600; i++) {
        if (check_rand(&rng) % 8 != 0)
            continue;
        uint64_t issue, revoke;
        smt_value_decode(all[i].value, &issue, &revoke);
        smt_value_encode(issue, issue + 1 + check_rand(&rng) % 1000,
                         all[i].value);
        changes[nchanges++] = all[i];
        nrevoked++;
    }
    while (nchanges < nrevoked + 300) {
        rand_bytes(&rng, changes[nchanges].key, 32);
        if (find_key(all, n, changes[nchanges].key) != NULL)
            continue;
        smt_value_encode(1000000 + nchanges, SMT_NONE, changes[nchanges].value);
        all[n + nchanges - nrevoked] = changes[nchanges];
        nchanges++;
    }
    n += 300;
    qsort(all, n, sizeof *all, cmp_update);
    shuffle(&rng, changes, nchanges);
    CHECK(apply_one_by_one(&a, changes, nchanges, root_a) == 0);
    CHECK(apply_random_batches(&b, &rng, changes, nchanges, 300, root_b) == 0);
    naive_root(all, n, want);
    CHECK(memcmp(root_a, want, 32) == 0 && memcmp(root_b, want, 32) == 0);
    CHECK(memcmp(root_a, old_root, 32) != 0);
    CHECK(naive_store_matches(all, n, &a) && mem_equal(&a, &b));
    CHECK(b.dup_puts == 0 && a.bad_calls == 0 && b.bad_calls == 0);
    wrong = 0;
    for (size_t i = 0; i < nchanges; i++)
        if (prove_and_check(&b, changes[i].key, root_b, all, n, buf, &len) !=
            SMT_PROOF_PRESENT)
            wrong++;
    CHECK_MSG(wrong == 0, "%lu changed keys with a bad proof", wrong);

    /* Revoking one key rewrites exactly its path: D + 1 puts, 2 D + 1 gets. */
    for (size_t i = 0; i < 50; i++) {
        struct smt_update *up = &all[check_rand(&rng) % n];
        struct smt_proof_info info;
        unsigned long gets = a.gets, puts = a.puts;

        smt_value_encode(7, 8 + i, up->value);
        CHECK(mem_update(&a, up, 1, root_a) == 0);
        gets = a.gets - gets;
        puts = a.puts - puts;
        len = smt_prove(&sta, up->key, buf, SMT_PROOF_MAX);
        CHECK(len > 0 && smt_verify(buf, (size_t)len, root_a, &info) == 0 &&
              info.kind == SMT_PROOF_PRESENT && info.revoke_index == 8 + i);
        CHECK(puts == info.depth + 1 && gets == 2 * info.depth + 1);
    }
    naive_root(all, n, want);
    CHECK(memcmp(root_a, want, 32) == 0);

    mem_free(&a);
    mem_free(&b);
    mem_free(&c);
    free(changes);
    free(order);
    free(all);
    free(buf);
}

/* ---- proofs that would verify but for one encoding rule ---- */

/* The spec's fold from depth D up to the root, over one sibling per depth
 * (EMPTY allowed), with no encoding rules: how a forger computes a root. */
static void fold_root(const uint8_t key[32], unsigned depth,
                      const uint8_t start[32], uint8_t sibs[][32],
                      uint8_t out[32])
{
    memcpy(out, start, 32);
    for (unsigned d = depth; d >= 1; d--) {
        if (bit_of(key, d - 1))
            smt_node_hash(sibs[d - 1], out, out);
        else
            smt_node_hash(out, sibs[d - 1], out);
    }
}

/* Inserts 32 bytes (fill) at offset off of p[0, *len). */
static void insert32(uint8_t *p, size_t *len, size_t off, uint8_t fill)
{
    memmove(p + off + 32, p + off, *len - off);
    memset(p + off, fill, 32);
    *len += 32;
}

static void test_rules(void)
{
    /* A = 00..00 and B = 00..01 part at bit 255; C = 80..00 at bit 0. */
    struct smt_update u[3];
    uint8_t root[32], p[SMT_PROOF_MAX], q[SMT_PROOF_MAX], leaf[32];
    uint8_t sibs[3][32], k[32], k2[32], v2[16], froot[32];
    struct smt_proof_info info;
    struct mem m;
    struct smt_store st;
    size_t len, qlen;
    int n;

    memset(u, 0, sizeof u);
    u[1].key[31] = 0x01;
    u[2].key[0] = 0x80;
    for (int i = 0; i < 3; i++)
        smt_value_encode((uint64_t)i, SMT_NONE, u[i].value);
    mem_init(&m, 64);
    st = mem_store(&m);
    CHECK(mem_update(&m, u, 3, root) == 0);

    /* A's proof: kind 1, D = 256, siblings at depths 1 and 256 only. */
    n = smt_prove(&st, u[0].key, p, sizeof p);
    REQUIRE(n == 34 + 16 + 34 + 64);
    len = (size_t)n;
    CHECK(p[50] == 1 && p[51] == 0 && p[52] == 0x80 && p[83] == 0x01);
    CHECK(smt_verify(p, len, root, &info) == 0 && info.depth == 256);

    /* An EMPTY sibling supplied for depth 6 (bit 5), in its place. */
    memcpy(q, p, len);
    qlen = len;
    q[52] |= 0x04;
    insert32(q, &qlen, 84 + 32, 0x00);
    CHECK(smt_verify(q, qlen, root, NULL) == SMT_ERR_SYNTAX);

    /* D = 257 (the bitmap cannot even say it). */
    memcpy(q, p, len);
    q[51] = 1;
    CHECK(smt_verify(q, len, root, NULL) == SMT_ERR_SYNTAX);

    /* kind 2 naming the key itself: "A is absent, the leaf there is A". */
    memcpy(q, p, 34);
    q[33] = SMT_PROOF_ABSENT_OTHER;
    memcpy(q + 34, u[0].key, 32);
    memcpy(q + 66, p + 34, len - 34);
    qlen = len + 32;
    CHECK(smt_verify(q, qlen, root, NULL) == SMT_ERR_SYNTAX);

    /* C's proof: kind 1, D = 1. Set bitmap bit 7 (>= D) and supply an extra
     * sibling first, so that the siblings taken from the end still fit. */
    n = smt_prove(&st, u[2].key, p, sizeof p);
    REQUIRE(n == 34 + 16 + 34 + 32);
    len = (size_t)n;
    CHECK(smt_verify(p, len, root, NULL) == 0);
    memcpy(q, p, len);
    qlen = len;
    q[52] |= 0x01;
    insert32(q, &qlen, 84, 0x5a);
    CHECK(smt_verify(q, qlen, root, NULL) == SMT_ERR_SYNTAX);

    /* kind 2 whose k2 does not share k's first D bits, against a root made
     * to fit; the same proof with a k2 that does share them verifies. */
    memset(k, 0x33, 32);
    memset(k2, 0x33, 32);
    k2[0] ^= 0x40; /* differs at bit 1 */
    smt_value_encode(9, SMT_NONE, v2);
    for (int i = 0; i < 3; i++)
        memset(sibs[i], 0x11 * (i + 1), 32);
    for (int pass = 0; pass < 2; pass++) {
        if (pass == 1) {
            k2[0] ^= 0x40;
            k2[31] ^= 0x01; /* now shares the first 3 bits, differs later */
        }
        smt_leaf_hash(k2, v2, leaf);
        fold_root(k, 3, leaf, sibs, froot);
        q[0] = 1;
        memcpy(q + 1, k, 32);
        q[33] = SMT_PROOF_ABSENT_OTHER;
        memcpy(q + 34, k2, 32);
        memcpy(q + 66, v2, 16);
        q[82] = 0;
        q[83] = 3;
        memset(q + 84, 0, 32);
        q[84] = 0xe0;
        memcpy(q + 116, sibs, 96);
        CHECK(smt_verify(q, 212, froot, &info) ==
              (pass == 0 ? SMT_ERR_SYNTAX : 0));
    }
    CHECK(info.kind == SMT_PROOF_ABSENT_OTHER && info.depth == 3 &&
          memcmp(info.key, k, 32) == 0);

    /* Bad versions and kinds (C's proof, kind 1). */
    for (int b = 0; b < 256; b++) {
        memcpy(q, p, len);
        q[0] = (uint8_t)b;
        if (b != SMT_PROOF_VERSION)
            CHECK(smt_verify(q, len, root, NULL) == SMT_ERR_SYNTAX);
        memcpy(q, p, len);
        q[33] = (uint8_t)b;
        if (b > SMT_PROOF_ABSENT_OTHER)
            CHECK(smt_verify(q, len, root, NULL) == SMT_ERR_SYNTAX);
    }
    mem_free(&m);
}

/* ---- store calls per operation on a plain random map ---- */

static void test_costs(void)
{
    uint64_t rng = 0xc0575c0575ULL;
    size_t n = 5000, nb = 4096;
    struct smt_update *u = malloc((n + nb) * sizeof *u);
    uint8_t root[32], want[32];
    unsigned long max_ops = 0, gets, puts, single_gets, single_puts;
    struct mem m;

    if (u == NULL)
        abort();
    for (size_t i = 0; i < n + nb; i++) {
        rand_bytes(&rng, u[i].key, 32);
        smt_value_encode(i, SMT_NONE, u[i].value);
    }
    n = sort_unique(u, n);
    mem_init(&m, 1 << 15);
    CHECK(mem_update(&m, u, n, root) == 0);

    /* Single inserts into a 5,000-key map. */
    single_gets = m.gets;
    single_puts = m.puts;
    for (size_t i = 0; i < 200; i++) {
        unsigned long ops = m.gets + m.puts;
        CHECK(mem_update(&m, &u[n + i], 1, root) == 0);
        ops = m.gets + m.puts - ops;
        if (ops > max_ops)
            max_ops = ops;
    }
    single_gets = m.gets - single_gets;
    single_puts = m.puts - single_puts;
    CHECK_MSG(max_ops < 4 * 64, "single insert took %lu store calls", max_ops);

    /* One sorted batch of the remaining new keys. */
    nb -= 200;
    qsort(u + n + 200, nb, sizeof *u, cmp_update);
    gets = m.gets;
    puts = m.puts;
    CHECK(mem_update(&m, u + n + 200, nb, root) == 0);
    gets = m.gets - gets;
    puts = m.puts - puts;
    CHECK(m.dup_puts == 0);
    n += 200 + nb;
    n = sort_unique(u, n);
    naive_root(u, n, want);
    CHECK(memcmp(root, want, 32) == 0);
    CHECK(naive_store_matches(u, n, &m));
    printf("single insert into a 5000-key map: %.1f puts (= hashes) and %.1f "
           "gets on average, %lu calls at most; a %zu-key batch into 5200 "
           "keys: %.2f puts and %.2f gets per key\n",
           (double)single_puts / 200, (double)single_gets / 200, max_ops, nb,
           (double)puts / (double)nb, (double)gets / (double)nb);
    mem_free(&m);
    free(u);
}

/* ---- building a subtree from its sorted leaves ---- */

struct built {
    const struct mem *m;        /* the map built by smt_update() */
    const struct smt_update *u; /* the leaves fed, in order */
    unsigned long emitted, wrong;
    uint64_t last_branches;
    long fail_at; /* >= 0: fail the call with this number */
};

/* Each reported branch is the node smt_update() stored at its place, holds
 * the leaves it says, and comes once. */
static int built_branch(void *arg, const struct smt_branch *b)
{
    struct built *t = arg;
    uint8_t prefix[SMT_KEY_SIZE] = {0};
    const struct mem_slot *s;

    if (t->fail_at >= 0 && (long)t->emitted == t->fail_at)
        return -4242;
    t->emitted++;
    for (unsigned i = 0; i < b->depth; i++)
        set_bit(prefix, i, bit_of(b->key, i));
    s = mem_find(t->m, b->depth, prefix);
    if (!s->used || s->node.kind != SMT_NODE_BRANCH ||
        memcmp(s->node.hash, b->hash, 32) != 0 || b->count < 2 ||
        b->branches < 1 || memcmp(b->key, t->u[b->first].key, 32) != 0)
        t->wrong++;
    for (uint64_t i = b->first; i < b->first + b->count; i++)
        for (unsigned j = 0; j < b->depth; j++)
            if (bit_of(t->u[i].key, j) != bit_of(prefix, j))
                t->wrong++;
    t->last_branches = b->branches;
    return 0;
}

static void test_builder(void)
{
    uint64_t rng = 0xb0b0b0b0ULL;
    struct smt_update *u = malloc((MAX_KEYS + 400) * sizeof *u);
    struct smt_builder *b = malloc(sizeof *b);
    struct smt_node out, leaf;
    struct built t;
    uint8_t root[32];
    unsigned long branches = 0;
    size_t n;
    struct mem m;

    if (u == NULL || b == NULL)
        abort();
    n = make_keys(&rng, u);
    mem_init(&m, 1 << 15);
    CHECK(mem_update(&m, u, n, root) == 0);
    for (size_t i = 0; i < m.cap; i++)
        if (m.slots[i].used && m.slots[i].node.kind == SMT_NODE_BRANCH)
            branches++;

    /* The whole map: the root, and every branch exactly once. */
    memset(&t, 0, sizeof t);
    t.m = &m;
    t.u = u;
    t.fail_at = -1;
    smt_builder_init(b, 0, built_branch, &t);
    for (size_t i = 0; i < n; i++)
        CHECK(smt_builder_add(b, u[i].key, u[i].value) == 0);
    CHECK(smt_builder_finish(b, &out) == 0);
    CHECK(out.kind == SMT_NODE_BRANCH && memcmp(out.hash, root, 32) == 0);
    CHECK(t.wrong == 0 && t.emitted == branches);
    CHECK(t.last_branches == branches);

    /* Subtrees at every depth of some keys' paths, from their ranges. */
    for (size_t k = 0; k < n; k += 97) {
        for (unsigned d = 1; d <= SMT_DEPTH_MAX; d += 3) {
            size_t lo = k, hi = k + 1;
            uint8_t prefix[SMT_KEY_SIZE] = {0};
            const struct mem_slot *s;
            bool same;
            while (lo > 0) {
                same = true;
                for (unsigned j = 0; j < d && same; j++)
                    same = bit_of(u[lo - 1].key, j) == bit_of(u[k].key, j);
                if (!same)
                    break;
                lo--;
            }
            while (hi < n) {
                same = true;
                for (unsigned j = 0; j < d && same; j++)
                    same = bit_of(u[hi].key, j) == bit_of(u[k].key, j);
                if (!same)
                    break;
                hi++;
            }
            for (unsigned j = 0; j < d; j++)
                set_bit(prefix, j, bit_of(u[k].key, j));
            memset(&t, 0, sizeof t);
            t.m = &m;
            t.u = u + lo;
            t.fail_at = -1;
            smt_builder_init(b, d, built_branch, &t);
            for (size_t i = lo; i < hi; i++)
                CHECK(smt_builder_add(b, u[i].key, u[i].value) == 0);
            CHECK(smt_builder_finish(b, &out) == 0);
            s = mem_find(&m, d, prefix);
            CHECK(t.wrong == 0);
            if (hi - lo == 1) {
                CHECK(out.kind == SMT_NODE_LEAF &&
                      memcmp(out.key, u[k].key, 32) == 0 &&
                      memcmp(out.value, u[k].value, 16) == 0);
                /* A leaf is stored at the depth where it parts. */
                CHECK(!s->used || node_equal(&s->node, &out));
            } else {
                CHECK(s->used && node_equal(&s->node, &out) &&
                      t.emitted == t.last_branches);
            }
            if (hi - lo == 1)
                break;
        }
    }

    /* Out of order, repeated or off-prefix keys are refused and change
     * nothing; nothing fed is an empty subtree; one key is its leaf. */
    memset(&t, 0, sizeof t);
    t.m = &m;
    t.u = u;
    t.fail_at = -1;
    smt_builder_init(b, 0, built_branch, &t);
    CHECK(smt_builder_finish(b, &out) == 0 && out.kind == SMT_NODE_EMPTY);
    smt_builder_init(b, 0, built_branch, &t);
    CHECK(smt_builder_add(b, u[0].key, u[0].value) == 0);
    CHECK(smt_builder_add(b, u[0].key, u[0].value) == SMT_ERR_ARG);
    CHECK(smt_builder_finish(b, &leaf) == 0 && leaf.kind == SMT_NODE_LEAF);
    smt_leaf_hash(u[0].key, u[0].value, root);
    CHECK(memcmp(leaf.hash, root, 32) == 0);
    smt_builder_init(b, 0, built_branch, &t);
    CHECK(smt_builder_add(b, u[0].key, u[0].value) == 0);
    CHECK(smt_builder_add(b, u[1].key, u[1].value) == 0);
    CHECK(smt_builder_add(b, u[0].key, u[0].value) == SMT_ERR_ARG);
    CHECK(smt_builder_finish(b, &out) == 0 && out.kind == SMT_NODE_BRANCH);
    smt_builder_init(b, 1, NULL, NULL);
    CHECK(smt_builder_add(b, u[0].key, u[0].value) == 0);
    CHECK(smt_builder_add(b, u[n - 1].key, u[n - 1].value) == SMT_ERR_ARG);

    /* A callback's failure stops the build with its code. */
    for (long k = 0; k < 3; k++) {
        int rc = 0;
        memset(&t, 0, sizeof t);
        t.m = &m;
        t.u = u;
        t.fail_at = k;
        smt_builder_init(b, 0, built_branch, &t);
        for (size_t i = 0; i < 50 && rc == 0; i++)
            rc = smt_builder_add(b, u[i].key, u[i].value);
        if (rc == 0)
            rc = smt_builder_finish(b, &out);
        CHECK(rc == -4242);
    }
    mem_free(&m);
    free(b);
    free(u);
}

/* ---- errors, lengths, corrupt stores ---- */

static void test_errors(void)
{
    uint64_t rng = 42;
    struct smt_update u[100], two[2];
    uint8_t root[32], buf[SMT_PROOF_MAX], v[16], key0[32];
    struct mem m, f;
    struct smt_store st, stf;
    struct smt_node node;
    uint64_t issue, revoke;
    bool found;
    int len, rc;

    smt_value_encode(0x0102030405060708ULL, SMT_NONE, v);
    CHECK(memcmp(v,
                 "\x01\x02\x03\x04\x05\x06\x07\x08\xff\xff\xff\xff\xff\xff"
                 "\xff\xff",
                 16) == 0);
    smt_value_decode(v, &issue, &revoke);
    CHECK(issue == 0x0102030405060708ULL && revoke == SMT_NONE);
    for (int e = SMT_ERR_NOMEM; e <= SMT_ERR_STORE; e++)
        CHECK(smt_strerror(e) != NULL &&
              strcmp(smt_strerror(e), smt_strerror(SMT_ERR_BASE - 99)) != 0);

    for (int i = 0; i < 100; i++) {
        rand_bytes(&rng, u[i].key, 32);
        smt_value_encode((uint64_t)i, SMT_NONE, u[i].value);
    }
    qsort(u, 100, sizeof *u, cmp_update);
    mem_init(&m, 256);
    st = mem_store(&m);
    CHECK(smt_root(&st, root) == 0 && memcmp(root, empty_hash, 32) == 0);
    CHECK(smt_update(&st, NULL, 0, root) == 0 &&
          memcmp(root, empty_hash, 32) == 0);
    m.gets = m.puts = 0;
    CHECK(smt_update(&st, NULL, 1, root) == SMT_ERR_ARG);
    two[0] = u[1];
    two[1] = u[0];
    CHECK(smt_update(&st, two, 2, root) == SMT_ERR_ARG);
    two[1] = u[1];
    CHECK(smt_update(&st, two, 2, root) == SMT_ERR_ARG);
    CHECK(m.gets == 0 && m.puts == 0);
    CHECK(smt_update(&st, u, 100, root) == 0);
    CHECK(smt_get(&st, u[3].key, &found, v) == 0 && found &&
          memcmp(v, u[3].value, 16) == 0);

    /* Proof buffer sizes. */
    len = smt_prove(&st, u[5].key, buf, sizeof buf);
    CHECK(len > 0);
    CHECK(smt_prove(&st, u[5].key, buf, (size_t)len - 1) == SMT_ERR_SPACE);
    CHECK(smt_prove(&st, u[5].key, buf, (size_t)len) == len);
    CHECK(smt_prove(&st, u[5].key, NULL, 0) == SMT_ERR_SPACE);
    CHECK(smt_verify(NULL, 0, root, NULL) == SMT_ERR_SYNTAX);
    CHECK(smt_verify(buf, (size_t)len, root, NULL) == 0);
    buf[len - 1] ^= 1;
    CHECK(smt_verify(buf, (size_t)len, root, NULL) == SMT_ERR_MISMATCH);

    /* A store that fails at any call fails the operation with its own
     * code. */
    for (long k = 0; k < 40; k++) {
        struct smt_update more[3];
        for (int i = 0; i < 3; i++) {
            rand_bytes(&rng, more[i].key, 32);
            smt_value_encode(7, SMT_NONE, more[i].value);
        }
        qsort(more, 3, sizeof *more, cmp_update);
        mem_init(&f, 256);
        stf = mem_store(&f);
        CHECK(smt_update(&stf, u, 100, root) == 0);
        f.fail_get_after = k;
        rc = smt_update(&stf, more, 3, root);
        CHECK(rc == (f.fail_get_after < 0 ? MEM_ERR_FAIL : 0));
        f.fail_get_after = k;
        rc = smt_prove(&stf, u[k].key, buf, sizeof buf);
        CHECK(f.fail_get_after < 0 ? rc == MEM_ERR_FAIL : rc > 0);
        f.fail_get_after = k;
        rc = smt_get(&stf, u[k].key, &found, v);
        CHECK(rc == (f.fail_get_after < 0 ? MEM_ERR_FAIL : 0));
        f.fail_get_after = -1;
        f.fail_put_after = k;
        rc = smt_update(&stf, more, 3, root);
        CHECK(rc == (f.fail_put_after < 0 ? MEM_ERR_FAIL : 0));
        mem_free(&f);
    }

    /* Corrupt stores are reported, not trusted: a leaf off its key's path
     * (here key ff..ff at prefix 0), a branch at depth 256, a bad kind. */
    mem_init(&f, 16);
    stf = mem_store(&f);
    memset(&node, 0, sizeof node);
    memset(v, 0, sizeof v);
    memset(key0, 0, sizeof key0);
    node.kind = SMT_NODE_LEAF;
    memset(node.key, 0xff, 32);
    mem_put(&f, 1, key0, &node);
    node.kind = SMT_NODE_BRANCH;
    mem_put(&f, 0, key0, &node);
    CHECK(smt_prove(&stf, key0, buf, sizeof buf) == SMT_ERR_STORE);
    CHECK(smt_get(&stf, key0, &found, v) == SMT_ERR_STORE);
    two[0] = u[0];
    memset(two[0].key, 0, 32);
    CHECK(mem_update(&f, two, 1, root) == SMT_ERR_STORE);
    for (unsigned d = 1; d <= 256; d++)
        mem_put(&f, d, key0, &node); /* branches all the way down */
    CHECK(smt_prove(&stf, key0, buf, sizeof buf) == SMT_ERR_STORE);
    CHECK(smt_get(&stf, key0, &found, v) == SMT_ERR_STORE);
    CHECK(mem_update(&f, two, 1, root) == SMT_ERR_STORE);
    node.kind = 9;
    mem_put(&f, 0, key0, &node);
    CHECK(smt_root(&stf, root) == SMT_ERR_STORE);
    mem_free(&f);
    mem_free(&m);
}

int main(void)
{
    test_vectors();
    test_errors();
    test_rules();
    test_costs();
    test_builder();
    test_random();
    return check_finish();
}
