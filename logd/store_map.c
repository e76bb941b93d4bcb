/*
 * store_map.c: the CTL-SMT-v1 node store over LMDB (struct smt_store for
 * proofs/smt.c). See store.h and docs/storage.md.
 *
 * The map's keys and values are exactly the credential index: creds holds
 * key -> u64be issue || u64be revoke, which is the map value's encoding, and
 * creds sorted by key is the map's leaves in order, so the subtree at
 * (depth, prefix) is one contiguous range of creds. A branch is stored only
 * where computing it from its range would cost more than a budget:
 *
 *   smt: prefix[ceil(depth/8)] (bits at and beyond depth zero) || u16be depth
 *        -> hash[32], for exactly the branches whose subtree holds more than
 *        STORE_MAP_BUDGET branch records (format 3)
 *
 * (a branch record per depth, single-child ones included: docs/protocol.md
 * C.4). Every other node is computed from its range, at a cost of at most
 * STORE_MAP_BUDGET + 1 credentials read and 2 * STORE_MAP_BUDGET + 1 hashes
 * whatever keys were chosen: keys sharing long prefixes only add stored
 * nodes. Format 2 stored the branches above a depth set by the number of
 * credentials instead, which let a region of crafted keys make every node
 * in it cost as many reads and hashes as it has keys (issue 10, item 13).
 *
 * The stored set is a function of the keys alone. A subtree only ever gains
 * keys, so its branch count only grows: a stored node stays stored, and
 * smt_update() puts every branch on the path of every key it adds or
 * changes, with the credentials already in place, so each put decides with
 * the node's new count, and a node is stored the moment it crosses the
 * budget. A put below an unstored node is counted from the computed subtree
 * already in memory; above, a stored node is rewritten in place.
 * Prefix-first keys keep one path's stored nodes in a few pages. Leaves are
 * never stored.
 *
 * A computed subtree is hashed by proofs/smt_build.c's builder; its
 * credentials and the hashes and branch counts of all its branches stay in
 * the transaction's cache, so the nodes below it that a proof or an update
 * asks for next are answered from memory: a binary search for the node's
 * range, a hash-table look-up for its hash. In a write transaction the
 * batch's new credentials are already in the index, so a computed subtree
 * holds them too (at most the budget's plus the batch's own keys).
 *
 * A reader also remembers the nodes of the map's upper STORE_MAP_UPPER
 * levels it has read (at most 2^(STORE_MAP_UPPER+1) - 1 of them): every
 * proof walks through them, so after the first few proofs of a snapshot
 * they cost no LMDB look-up. They are kept across read transactions while
 * the transaction id is the same (no write has committed since; every
 * commit changes the map's root, so the memory is dropped then).
 */
#include "logd/store_internal.h"

#include <stdlib.h>
#include <string.h>

/* store_map_compute(): the subtree is over its budget (not an error). */
#define STORE_MAP_OVER 1

/* One credential of the computed subtree. */
struct store_map_kv {
    uint8_t key[SMT_KEY_SIZE];
    uint8_t value[SMT_VALUE_SIZE];
};

/* One branch of the computed subtree: the one at depth whose first leaf is
 * kv[first]. */
struct store_map_memo {
    uint64_t first;
    uint64_t branches;
    unsigned depth;
    uint8_t hash[SMT_HASH_SIZE];
};

struct store_map_cache {
    bool valid;
    unsigned depth; /* the computed subtree's root */
    uint8_t prefix[SMT_KEY_SIZE];
    struct store_map_kv *kv; /* its credentials, sorted */
    size_t nkv, kvcap;
    struct store_map_memo *memo; /* its branches, children first */
    size_t nmemo, memocap;
    uint32_t *index; /* memo index + 1 by (depth, first); 0: free */
    size_t indexcap; /* a power of two >= 2 * nmemo */
    uint64_t budget; /* of the subtree being computed; 0: none */
    struct store_map_work work;
    struct smt_builder builder;
};

void store_map_forget(struct store_txn *t)
{
    if (t->map != NULL)
        t->map->valid = false;
}

/* The upper levels a reader remembers, and their nodes, by (depth, the
 * first depth bits of the prefix) as in a heap: 2^depth - 1 + bits. */
#define STORE_MAP_UPPER 12
#define STORE_MAP_UPPER_SLOTS ((2u << STORE_MAP_UPPER) - 1)
_Static_assert(STORE_MAP_UPPER <= 16, "a slot takes the first 16 bits");

struct store_map_upper {
    size_t txnid; /* of the snapshot the nodes are from */
    uint8_t known[(STORE_MAP_UPPER_SLOTS + 7) / 8];
    struct smt_node node[STORE_MAP_UPPER_SLOTS];
};

void store_map_free(struct store_txn *t)
{
    free(t->upper);
    t->upper = NULL;
    if (t->map == NULL)
        return;
    free(t->map->kv);
    free(t->map->memo);
    free(t->map->index);
    free(t->map);
    t->map = NULL;
}

static size_t store_map_key(unsigned depth, const uint8_t prefix[SMT_KEY_SIZE],
                            uint8_t key[SMT_KEY_SIZE + 2])
{
    size_t nb = (depth + 7) / 8;

    memcpy(key, prefix, nb);
    if (depth % 8 != 0)
        key[nb - 1] &= (uint8_t)(0xff << (8 - depth % 8));
    be_put16(key + nb, (uint16_t)depth);
    return nb + 2;
}

/* Whether k's first depth bits are p's. */
static bool store_map_under(const uint8_t *k, const uint8_t *p, unsigned depth)
{
    unsigned bytes = depth / 8, rest = depth % 8;

    if (memcmp(k, p, bytes) != 0)
        return false;
    return rest == 0 ||
           ((k[bytes] ^ p[bytes]) & (uint8_t)(0xff << (8 - rest))) == 0;
}

static size_t store_map_slot(const struct store_map_cache *c, unsigned depth,
                             uint64_t first)
{
    uint64_t h =
        (first * 0x9E3779B97F4A7C15ull) ^ (depth * 0xBF58476D1CE4E5B9ull);

    return (size_t)(h ^ h >> 31) & (c->indexcap - 1);
}

static int store_map_memo_add(void *arg, const struct smt_branch *b)
{
    struct store_map_cache *c = arg;
    struct store_map_memo *m;

    if (c->budget != 0 && b->branches > c->budget)
        return STORE_MAP_OVER;
    if (c->nmemo == c->memocap) {
        size_t cap = c->memocap ? 2 * c->memocap : 64;
        m = realloc(c->memo, cap * sizeof *m);
        if (m == NULL)
            return STORE_ERR_NOMEM;
        c->memo = m;
        c->memocap = cap;
    }
    m = &c->memo[c->nmemo++];
    m->first = b->first;
    m->branches = b->branches;
    m->depth = b->depth;
    memcpy(m->hash, b->hash, SMT_HASH_SIZE);
    c->work.nodes_hashed++;
    return 0;
}

/* Hashes the subtree in c->kv (c->depth) and indexes its branches. */
static int store_map_build(struct store_map_cache *c)
{
    struct smt_node root;
    size_t cap;
    int rc;

    c->nmemo = 0;
    smt_builder_init(&c->builder, c->depth, store_map_memo_add, c);
    for (size_t i = 0; i < c->nkv; i++)
        if ((rc = smt_builder_add(&c->builder, c->kv[i].key, c->kv[i].value)) !=
            0)
            return rc == STORE_MAP_OVER || CREDLOG_ERR_IN(rc, STORE_ERR_BASE)
                       ? rc
                       : STORE_ERR_CORRUPT; /* creds out of order */
    if ((rc = smt_builder_finish(&c->builder, &root)) != 0)
        return rc;
    c->work.nodes_hashed += c->nkv; /* the leaves */
    for (cap = 16; cap < 2 * c->nmemo; cap *= 2)
        ;
    if (cap != c->indexcap) {
        uint32_t *index = realloc(c->index, cap * sizeof *index);
        if (index == NULL)
            return STORE_ERR_NOMEM;
        c->index = index;
        c->indexcap = cap;
    }
    memset(c->index, 0, c->indexcap * sizeof *c->index);
    for (size_t i = 0; i < c->nmemo; i++) {
        size_t j = store_map_slot(c, c->memo[i].depth, c->memo[i].first);
        while (c->index[j] != 0)
            j = (j + 1) & (c->indexcap - 1);
        c->index[j] = (uint32_t)(i + 1);
    }
    return 0;
}

/* Reads the credentials under (depth, prefix) into the cache and hashes
 * them. With a budget (not 0), stops as soon as the subtree is seen to hold
 * more branch records than that and returns STORE_MAP_OVER, having read at
 * most budget + 2 credentials and hashed at most 2 * budget + 2 nodes.
 * Prefixes have every bit at and beyond depth zero, so the first key under
 * one is at or after the prefix itself. */
static int store_map_compute(struct store_txn *t, unsigned depth,
                             const uint8_t prefix[SMT_KEY_SIZE],
                             uint64_t budget)
{
    struct store_map_cache *c = t->map;
    MDB_cursor *cur;
    MDB_val k, v;
    bool over = false;
    int rc, err;

    c->valid = false;
    c->nkv = 0;
    if ((err = store_env_cursor(t, STORE_DB_CREDS, &cur)) != 0)
        return err;
    k.mv_data = (void *)prefix;
    k.mv_size = SMT_KEY_SIZE;
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        if (k.mv_size != SMT_KEY_SIZE || v.mv_size != SMT_VALUE_SIZE)
            return store_env_fail(t, STORE_ERR_CORRUPT);
        if (!store_map_under(k.mv_data, prefix, depth))
            break;
        if (budget != 0 && c->nkv > budget) {
            over = true; /* n keys make at least n - 1 branches */
            break;
        }
        if (c->nkv == c->kvcap) {
            size_t cap = c->kvcap ? 2 * c->kvcap : 64;
            struct store_map_kv *kv = realloc(c->kv, cap * sizeof *kv);
            if (kv == NULL)
                return store_env_fail(t, STORE_ERR_NOMEM);
            c->kv = kv;
            c->kvcap = cap;
        }
        memcpy(c->kv[c->nkv].key, k.mv_data, SMT_KEY_SIZE);
        memcpy(c->kv[c->nkv].value, v.mv_data, SMT_VALUE_SIZE);
        c->nkv++;
        c->work.creds_read++;
    }
    if (c->nkv > c->work.largest)
        c->work.largest = c->nkv;
    if (over)
        return STORE_MAP_OVER;
    if (rc != 0 && rc != MDB_NOTFOUND)
        return store_env_fail(t, store_env_code(rc));
    c->depth = depth;
    memcpy(c->prefix, prefix, SMT_KEY_SIZE);
    c->budget = budget;
    if ((err = store_map_build(c)) != 0)
        return err == STORE_MAP_OVER ? err : store_env_fail(t, err);
    c->valid = true;
    return 0;
}

/* Answers (depth, prefix), which lies in the computed subtree, from the
 * cache; for a branch, *branches (if not NULL) is its branch count. */
static int store_map_cached(struct store_map_cache *c, unsigned depth,
                            const uint8_t prefix[SMT_KEY_SIZE],
                            struct smt_node *out, uint64_t *branches)
{
    size_t lo = 0, hi = c->nkv, end;

    /* The keys under prefix are the run from the first key >= prefix. */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (memcmp(c->kv[mid].key, prefix, SMT_KEY_SIZE) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    end = c->nkv;
    hi = lo;
    while (hi < end) {
        size_t mid = hi + (end - hi) / 2;
        if (store_map_under(c->kv[mid].key, prefix, depth))
            hi = mid + 1;
        else
            end = mid;
    }
    if (hi == lo) {
        out->kind = SMT_NODE_EMPTY;
        return 0;
    }
    if (hi - lo == 1) {
        out->kind = SMT_NODE_LEAF;
        memcpy(out->key, c->kv[lo].key, SMT_KEY_SIZE);
        memcpy(out->value, c->kv[lo].value, SMT_VALUE_SIZE);
        smt_leaf_hash(out->key, out->value, out->hash);
        return 0;
    }
    for (size_t j = store_map_slot(c, depth, lo); c->index[j] != 0;
         j = (j + 1) & (c->indexcap - 1)) {
        const struct store_map_memo *m = &c->memo[c->index[j] - 1];
        if (m->depth == depth && m->first == lo) {
            out->kind = SMT_NODE_BRANCH;
            memcpy(out->hash, m->hash, SMT_HASH_SIZE);
            if (branches != NULL)
                *branches = m->branches;
            return 0;
        }
    }
    return STORE_ERR_CORRUPT; /* the builder reports every branch */
}

static int store_map_cache_new(struct store_txn *t)
{
    if (t->map == NULL && (t->map = calloc(1, sizeof *t->map)) == NULL)
        return store_env_fail(t, STORE_ERR_NOMEM);
    return 0;
}

/* The node at (depth, prefix): stored, or computed from the credentials. */
static int store_map_lookup(struct store_txn *t, unsigned depth,
                            const uint8_t prefix[SMT_KEY_SIZE],
                            struct smt_node *out)
{
    struct store_map_cache *c;
    uint8_t key[SMT_KEY_SIZE + 2];
    MDB_cursor *cur;
    MDB_val k, v;
    int rc, err;

    memset(out, 0, sizeof *out);
    if ((err = store_map_cache_new(t)) != 0)
        return err;
    c = t->map;
    if (c->valid && depth >= c->depth &&
        store_map_under(prefix, c->prefix, c->depth))
        return store_map_cached(c, depth, prefix, out, NULL);
    k.mv_data = key;
    k.mv_size = store_map_key(depth, prefix, key);
    /* A cursor's MDB_SET looks at its current page first: one path's nodes
     * are neighbours (prefix-first keys), so most lookups skip the descent
     * from the root. */
    if ((err = store_env_cursor(t, STORE_DB_SMT, &cur)) != 0)
        return err;
    rc = mdb_cursor_get(cur, &k, &v, MDB_SET);
    if (rc == 0) {
        if (v.mv_size != SMT_HASH_SIZE)
            return store_env_fail(t, STORE_ERR_CORRUPT);
        out->kind = SMT_NODE_BRANCH;
        memcpy(out->hash, v.mv_data, SMT_HASH_SIZE);
        return 0;
    }
    if (rc != MDB_NOTFOUND)
        return store_env_fail(t, store_env_code(rc));
    /* A committed map has every subtree over the budget stored (a reader
     * never computes more); a writer's subtree also holds the batch's new
     * keys. */
    err = store_map_compute(t, depth, prefix, t->write ? 0 : STORE_MAP_BUDGET);
    if (err == STORE_MAP_OVER)
        return STORE_ERR_CORRUPT;
    if (err != 0)
        return err;
    return store_map_cached(c, depth, prefix, out, NULL);
}

/* A reader's memory of the upper nodes, emptied if a write has committed
 * since it was filled; NULL for a writer or a snapshot, or without memory. */
static struct store_map_upper *store_map_upper(struct store_txn *t)
{
    size_t id;

    if (t->write || t->snapshot)
        return NULL;
    if (t->upper == NULL && (t->upper = malloc(sizeof *t->upper)) != NULL)
        t->upper->txnid = 0; /* no read transaction has id 0 */
    if (t->upper == NULL)
        return NULL;
    id = mdb_txn_id(t->txn);
    if (t->upper->txnid != id) {
        memset(t->upper->known, 0, sizeof t->upper->known);
        t->upper->txnid = id;
    }
    return t->upper;
}

static int store_map_get(void *ctx, unsigned depth,
                         const uint8_t prefix[SMT_KEY_SIZE],
                         struct smt_node *out)
{
    struct store_txn *t = ctx;
    struct store_map_upper *u =
        depth <= STORE_MAP_UPPER ? store_map_upper(t) : NULL;
    size_t slot = 0;
    int err;

    if (u != NULL) {
        uint32_t bits = (uint32_t)prefix[0] << 8 | prefix[1];
        slot =
            ((size_t)1 << depth) - 1 + (depth > 0 ? bits >> (16 - depth) : 0);
        if (u->known[slot / 8] & (1u << slot % 8)) {
            *out = u->node[slot];
            return 0;
        }
    }
    err = store_map_lookup(t, depth, prefix, out);
    if (err == 0 && u != NULL) {
        u->node[slot] = *out;
        u->known[slot / 8] |= (uint8_t)(1u << slot % 8);
    }
    return err;
}

static int store_map_put(void *ctx, unsigned depth,
                         const uint8_t prefix[SMT_KEY_SIZE],
                         const struct smt_node *node)
{
    struct store_txn *t = ctx;
    struct store_map_cache *c;
    uint8_t key[SMT_KEY_SIZE + 2];
    struct smt_node cached;
    uint64_t branches = 0;
    MDB_cursor *cur;
    MDB_val k, v, old;
    int rc, err;

    if (!t->write)
        return STORE_ERR_IO;
    if (t->err)
        return t->err;
    if (node->kind != SMT_NODE_BRANCH)
        return node->kind == SMT_NODE_LEAF ? 0 : STORE_ERR_IO;
    if ((err = store_map_cache_new(t)) != 0)
        return err;
    c = t->map;
    k.mv_data = key;
    k.mv_size = store_map_key(depth, prefix, key);
    v.mv_data = (void *)node->hash;
    v.mv_size = SMT_HASH_SIZE;
    if ((err = store_env_cursor(t, STORE_DB_SMT, &cur)) != 0)
        return err;
    /* Below an unstored node: the computed subtree (the index as it is now)
     * knows the node's branch count. */
    if (c->valid && depth >= c->depth &&
        store_map_under(prefix, c->prefix, c->depth) &&
        store_map_cached(c, depth, prefix, &cached, &branches) == 0 &&
        cached.kind == SMT_NODE_BRANCH) {
        if (branches <= STORE_MAP_BUDGET)
            return 0;
    } else {
        rc = mdb_cursor_get(cur, &k, &old, MDB_SET);
        if (rc == MDB_NOTFOUND) {
            /* Not stored yet: count it, within the budget. */
            err = store_map_compute(t, depth, prefix, STORE_MAP_BUDGET);
            if (err == 0)
                return 0;
            if (err != STORE_MAP_OVER)
                return err;
        } else if (rc != 0) {
            return store_env_fail(t, store_env_code(rc));
        }
    }
    return store_env_fail(t, store_env_code(mdb_cursor_put(cur, &k, &v, 0)));
}

/* Stores each branch of the whole map that is over the budget (rebuild). */
static int store_map_rebuild_put(void *arg, const struct smt_branch *b)
{
    struct store_txn *t = arg;
    uint8_t key[SMT_KEY_SIZE + 2];
    MDB_val k, v;

    if (b->branches <= STORE_MAP_BUDGET)
        return 0;
    k.mv_data = key;
    k.mv_size = store_map_key(b->depth, b->key, key);
    v.mv_data = (void *)b->hash;
    v.mv_size = SMT_HASH_SIZE;
    return store_env_code(mdb_put(t->txn, t->s->dbi[STORE_DB_SMT], &k, &v, 0));
}

int store_smt_rebuild(struct store_txn *w)
{
    struct smt_builder *b;
    struct smt_node root;
    MDB_cursor *cur;
    MDB_val k, v;
    int rc, err;

    if (!w->write)
        return STORE_ERR_IO;
    if (w->err)
        return w->err;
    if ((err = store_map_cache_new(w)) != 0)
        return err;
    store_map_forget(w);
    if ((rc = mdb_drop(w->txn, w->s->dbi[STORE_DB_SMT], 0)) != 0)
        return store_env_fail(w, store_env_code(rc));
    if ((err = store_env_cursor(w, STORE_DB_CREDS, &cur)) != 0)
        return err;
    /* One pass over the credentials in key order, the whole map built in
     * O(1) memory. */
    b = &w->map->builder;
    smt_builder_init(b, 0, store_map_rebuild_put, w);
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        if (k.mv_size != SMT_KEY_SIZE || v.mv_size != SMT_VALUE_SIZE)
            return store_env_fail(w, STORE_ERR_CORRUPT);
        if ((err = smt_builder_add(b, k.mv_data, v.mv_data)) != 0)
            return store_env_fail(w, CREDLOG_ERR_IN(err, STORE_ERR_BASE)
                                         ? err
                                         : STORE_ERR_CORRUPT);
    }
    if (rc != MDB_NOTFOUND)
        return store_env_fail(w, store_env_code(rc));
    if ((err = smt_builder_finish(b, &root)) != 0)
        return store_env_fail(w, err);
    return 0;
}

void store_smt(struct store_txn *t, struct smt_store *out)
{
    out->ctx = t;
    out->get = store_map_get;
    out->put = store_map_put;
}

int store_smt_nodes(struct store_txn *t, uint64_t *count)
{
    MDB_stat st;
    int rc = mdb_stat(t->txn, t->s->dbi[STORE_DB_SMT], &st);

    *count = 0;
    if (rc != 0)
        return store_env_fail(t, store_env_code(rc));
    *count = st.ms_entries;
    return 0;
}

void store_smt_work(struct store_txn *t, struct store_map_work *out)
{
    if (t->map == NULL)
        memset(out, 0, sizeof *out);
    else
        *out = t->map->work;
}
