/* keymap.c: see keymap.h. */
#define _GNU_SOURCE /* qsort_r */
#include "logd/keymap.h"

#include "logd/store.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* One stored node of the map (open addressing over (depth, prefix)). */
struct keymap_slot {
    bool used;
    uint16_t depth;
    uint8_t prefix[SMT_KEY_SIZE];
    struct smt_node node;
};

struct keymap {
    atomic_int refs;
    size_t n;
    struct keymap_key *keys; /* by map_key */
    uint32_t *key_ids;       /* keys' note key ids */
    size_t *by_id;           /* key positions by (issuer, key id, added) */
    struct keymap_slot *slots;
    size_t cap, used; /* cap a power of two, at most half used */
    uint8_t root[SMT_HASH_SIZE];
    uint64_t settled;
};

const char *keymap_strerror(int err)
{
    switch (err) {
    case 0:
        return "success";
    case KEYMAP_ERR_NOMEM:
        return "out of memory";
    case KEYMAP_ERR_ARG:
        return "invalid issuer key or key listed twice";
    case KEYMAP_ERR_NOTFOUND:
        return "no such issuer key";
    case KEYMAP_ERR_SMT:
        return "the key map could not be built or proved";
    default:
        return "unknown key map error";
    }
}

/* ---- the node store ---- */

static uint64_t slot_hash(unsigned depth, const uint8_t *prefix)
{
    uint64_t h = 1469598103934665603ull ^ depth;

    for (int i = 0; i < SMT_KEY_SIZE; i++)
        h = (h ^ prefix[i]) * 1099511628211ull;
    return h;
}

static struct keymap_slot *slot_find(struct keymap_slot *slots, size_t cap,
                                     unsigned depth, const uint8_t *prefix)
{
    size_t i = (size_t)(slot_hash(depth, prefix) & (cap - 1));

    while (slots[i].used &&
           (slots[i].depth != depth ||
            memcmp(slots[i].prefix, prefix, SMT_KEY_SIZE) != 0))
        i = (i + 1) & (cap - 1);
    return &slots[i];
}

static int node_get(void *ctx, unsigned depth,
                    const uint8_t prefix[SMT_KEY_SIZE], struct smt_node *out)
{
    const struct keymap *km = ctx;
    const struct keymap_slot *sl = slot_find(km->slots, km->cap, depth, prefix);

    if (sl->used) {
        *out = sl->node;
    } else {
        memset(out, 0, sizeof *out);
        out->kind = SMT_NODE_EMPTY;
    }
    return 0;
}

static int node_put(void *ctx, unsigned depth,
                    const uint8_t prefix[SMT_KEY_SIZE],
                    const struct smt_node *node)
{
    struct keymap *km = ctx;
    struct keymap_slot *sl;

    if ((km->used + 1) * 2 > km->cap) {
        size_t cap = km->cap * 2;
        struct keymap_slot *bigger = calloc(cap, sizeof *bigger);
        if (bigger == NULL)
            return KEYMAP_ERR_NOMEM;
        for (size_t i = 0; i < km->cap; i++)
            if (km->slots[i].used)
                *slot_find(bigger, cap, km->slots[i].depth,
                           km->slots[i].prefix) = km->slots[i];
        free(km->slots);
        km->slots = bigger;
        km->cap = cap;
    }
    sl = slot_find(km->slots, km->cap, depth, prefix);
    if (!sl->used) {
        sl->used = true;
        sl->depth = (uint16_t)depth;
        memcpy(sl->prefix, prefix, SMT_KEY_SIZE);
        km->used++;
    }
    sl->node = *node;
    return 0;
}

static struct smt_store node_store(const struct keymap *km)
{
    /* get() only reads; put() is used while the map is being built. */
    struct smt_store st = {(void *)km, node_get, node_put};

    return st;
}

/* ---- building ---- */

static int key_cmp(const void *a, const void *b)
{
    const struct keymap_key *x = a, *y = b;

    return memcmp(x->map_key, y->map_key, ENTRY_KEY_MAP_KEY_SIZE);
}

/* (issuer, key id, added) of two key positions. */
static int id_cmp(const void *a, const void *b, void *arg)
{
    const struct keymap *km = arg;
    size_t i = *(const size_t *)a, j = *(const size_t *)b;
    int c = strcmp(km->keys[i].issuer, km->keys[j].issuer);

    if (c != 0)
        return c;
    if (km->key_ids[i] != km->key_ids[j])
        return km->key_ids[i] < km->key_ids[j] ? -1 : 1;
    return km->keys[i].added < km->keys[j].added   ? -1
           : km->keys[i].added > km->keys[j].added ? 1
                                                   : 0;
}

int keymap_new(const struct keymap_key *keys, size_t n, struct keymap **out)
{
    struct keymap *km;
    struct smt_update *u = NULL;
    struct smt_store st;
    int rc;

    *out = NULL;
    km = calloc(1, sizeof *km);
    if (km == NULL)
        return KEYMAP_ERR_NOMEM;
    atomic_init(&km->refs, 1);
    km->cap = 64;
    km->slots = calloc(km->cap, sizeof *km->slots);
    if (km->slots == NULL ||
        (n > 0 && (km->keys = malloc(n * sizeof *km->keys)) == NULL) ||
        (n > 0 && (u = malloc(n * sizeof *u)) == NULL)) {
        rc = KEYMAP_ERR_NOMEM;
        goto fail;
    }
    km->n = n;
    for (size_t i = 0; i < n; i++) {
        struct keymap_key *k = &km->keys[i];
        *k = keys[i];
        if (entry_key_map_key(k->issuer, k->pub, k->map_key) != 0 ||
            k->added == SMT_NONE ||
            (k->removed != SMT_NONE && k->removed <= k->added)) {
            rc = KEYMAP_ERR_ARG;
            goto fail;
        }
        if (k->added + 1 > km->settled)
            km->settled = k->added + 1;
        if (k->removed != SMT_NONE && k->removed + 1 > km->settled)
            km->settled = k->removed + 1;
    }
    if (n > 0)
        qsort(km->keys, n, sizeof *km->keys, key_cmp);
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && key_cmp(&km->keys[i - 1], &km->keys[i]) == 0) {
            rc = KEYMAP_ERR_ARG;
            goto fail;
        }
        memcpy(u[i].key, km->keys[i].map_key, SMT_KEY_SIZE);
        smt_value_encode(km->keys[i].added, km->keys[i].removed, u[i].value);
    }
    if (n > 0 && ((km->key_ids = malloc(n * sizeof *km->key_ids)) == NULL ||
                  (km->by_id = malloc(n * sizeof *km->by_id)) == NULL)) {
        rc = KEYMAP_ERR_NOMEM;
        goto fail;
    }
    for (size_t i = 0; i < n; i++) {
        km->key_ids[i] =
            note_key_id(km->keys[i].issuer, NOTE_TYPE_ED25519, km->keys[i].pub);
        km->by_id[i] = i;
    }
    if (n > 0)
        qsort_r(km->by_id, n, sizeof *km->by_id, id_cmp, km);
    st = node_store(km);
    rc = smt_update(&st, u, n, km->root);
    if (rc != 0) {
        rc = rc == KEYMAP_ERR_NOMEM ? rc : KEYMAP_ERR_SMT;
        goto fail;
    }
    free(u);
    *out = km;
    return 0;
fail:
    free(u);
    keymap_unref(km);
    return rc;
}

/* Map key order, then add index: the first add of a key first. */
static int add_cmp(const void *a, const void *b)
{
    const struct keymap_key *x = a, *y = b;
    int c = key_cmp(a, b);

    if (c != 0)
        return c;
    return x->added < y->added ? -1 : x->added > y->added;
}

static const struct keymap_key *find_map_key(const struct keymap *km,
                                             const uint8_t *mk);

int keymap_apply(const struct keymap *km, const struct keymap_change *ch,
                 size_t n, struct keymap **out)
{
    size_t have = km != NULL ? km->n : 0, count = have, nnew;
    struct keymap_key *keys;
    int rc;

    *out = NULL;
    keys = malloc((have + n + 1) * sizeof *keys);
    if (keys == NULL)
        return KEYMAP_ERR_NOMEM;
    if (have > 0)
        memcpy(keys, km->keys, have * sizeof *keys);
    /* keys[0..have) is km's, by map key; the keys added here follow. */
    for (size_t i = 0; i < n; i++) {
        uint8_t mk[ENTRY_KEY_MAP_KEY_SIZE];
        struct keymap_key *k = NULL;
        if (entry_key_map_key(ch[i].issuer, ch[i].pub, mk) != 0) {
            free(keys);
            return KEYMAP_ERR_ARG;
        }
        if (km != NULL) {
            const struct keymap_key *old = find_map_key(km, mk);
            if (old != NULL)
                k = &keys[old - km->keys];
        }
        if (ch[i].op == ENTRY_KEY_ADD && k == NULL) {
            /* A second add of a key added here is dropped below. */
            k = &keys[count++];
            memset(k, 0, sizeof *k);
            memcpy(k->issuer, ch[i].issuer, sizeof k->issuer);
            memcpy(k->pub, ch[i].pub, ED25519_PUBLIC_SIZE);
            memcpy(k->map_key, mk, sizeof mk);
            k->added = ch[i].index;
            k->removed = SMT_NONE;
            continue;
        }
        if (ch[i].op != ENTRY_KEY_REMOVE)
            continue;
        for (size_t j = have; j < count && k == NULL; j++)
            if (memcmp(keys[j].map_key, mk, sizeof mk) == 0 &&
                keys[j].added < ch[i].index)
                k = &keys[j]; /* added here, the first add */
        if (k != NULL && k->removed == SMT_NONE)
            k->removed = ch[i].index;
    }
    nnew = count - have;
    if (nnew > 1) {
        size_t w = have;
        qsort(keys + have, nnew, sizeof *keys, add_cmp);
        for (size_t j = have; j < count; j++)
            if (j == have || key_cmp(&keys[w - 1], &keys[j]) != 0)
                keys[w++] = keys[j];
        count = w;
    }
    rc = keymap_new(keys, count, out);
    free(keys);
    return rc;
}

struct keymap *keymap_ref(struct keymap *km)
{
    atomic_fetch_add_explicit(&km->refs, 1, memory_order_relaxed);
    return km;
}

void keymap_unref(struct keymap *km)
{
    if (km == NULL ||
        atomic_fetch_sub_explicit(&km->refs, 1, memory_order_acq_rel) != 1)
        return;
    free(km->keys);
    free(km->key_ids);
    free(km->by_id);
    free(km->slots);
    free(km);
}

/* ---- reading ---- */

size_t keymap_count(const struct keymap *km)
{
    return km->n;
}

const struct keymap_key *keymap_at(const struct keymap *km, size_t i)
{
    return &km->keys[i];
}

static const struct keymap_key *find_map_key(const struct keymap *km,
                                             const uint8_t *mk)
{
    size_t lo = 0, hi = km->n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = memcmp(km->keys[mid].map_key, mk, ENTRY_KEY_MAP_KEY_SIZE);
        if (c == 0)
            return &km->keys[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

const struct keymap_key *keymap_find(const struct keymap *km,
                                     const char *issuer,
                                     const uint8_t pub[ED25519_PUBLIC_SIZE])
{
    uint8_t mk[ENTRY_KEY_MAP_KEY_SIZE];

    if (entry_key_map_key(issuer, pub, mk) != 0)
        return NULL;
    return find_map_key(km, mk);
}

const struct keymap_key *keymap_find_id(const struct keymap *km,
                                        const char *issuer, uint32_t key_id,
                                        uint64_t i)
{
    size_t lo = 0, hi = km->n;

    /* The first position of (issuer, key_id). */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2, p = km->by_id[mid];
        int c = strcmp(km->keys[p].issuer, issuer);
        if (c == 0)
            c = km->key_ids[p] < key_id ? -1 : km->key_ids[p] > key_id;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (; lo < km->n; lo++) {
        const struct keymap_key *k = &km->keys[km->by_id[lo]];
        if (km->key_ids[km->by_id[lo]] != key_id || strcmp(k->issuer, issuer))
            break;
        if (k->added < i && (k->removed == SMT_NONE || k->removed > i))
            return k;
    }
    return NULL;
}

void keymap_root(const struct keymap *km, uint8_t root[SMT_HASH_SIZE])
{
    memcpy(root, km->root, SMT_HASH_SIZE);
}

uint64_t keymap_settled(const struct keymap *km)
{
    return km->settled;
}

/* The map as of n: km itself (a new reference) when nothing in it is at or
 * after n, otherwise a new map of the keys added before n. */
static int map_at(const struct keymap *km, uint64_t n, struct keymap **out)
{
    struct keymap_key *keys;
    size_t count = 0;
    int rc;

    if (n >= km->settled) {
        *out = keymap_ref((struct keymap *)km);
        return 0;
    }
    keys = malloc((km->n + 1) * sizeof *keys);
    if (keys == NULL)
        return KEYMAP_ERR_NOMEM;
    for (size_t i = 0; i < km->n; i++) {
        if (km->keys[i].added >= n)
            continue;
        keys[count] = km->keys[i];
        if (keys[count].removed != SMT_NONE && keys[count].removed >= n)
            keys[count].removed = SMT_NONE;
        count++;
    }
    rc = keymap_new(keys, count, out);
    free(keys);
    return rc;
}

int keymap_root_at(const struct keymap *km, uint64_t n,
                   uint8_t root[SMT_HASH_SIZE])
{
    struct keymap *at;
    int rc = map_at(km, n, &at);

    if (rc != 0)
        return rc;
    keymap_root(at, root);
    keymap_unref(at);
    return 0;
}

int keymap_prove_at(const struct keymap *km, uint64_t n, const char *issuer,
                    const uint8_t pub[ED25519_PUBLIC_SIZE], uint8_t *buf,
                    size_t cap)
{
    uint8_t mk[ENTRY_KEY_MAP_KEY_SIZE];
    struct keymap *at;
    struct smt_store st;
    int rc;

    if (entry_key_map_key(issuer, pub, mk) != 0)
        return KEYMAP_ERR_ARG;
    if ((rc = map_at(km, n, &at)) != 0)
        return rc;
    st = node_store(at);
    rc = smt_prove(&st, mk, buf, cap);
    keymap_unref(at);
    return rc < 0 ? KEYMAP_ERR_SMT : rc;
}

/* ---- from the store ---- */

struct load {
    struct keymap_key *k;
    size_t n, cap;
};

static int load_cb(void *arg, const char *issuer, const uint8_t pub[32],
                   uint64_t added, uint64_t removed)
{
    struct load *l = arg;
    struct keymap_key *k;

    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 16;
        k = realloc(l->k, cap * sizeof *k);
        if (k == NULL)
            return STORE_ERR_NOMEM;
        l->k = k;
        l->cap = cap;
    }
    k = &l->k[l->n++];
    memset(k, 0, sizeof *k);
    if (strlen(issuer) > NOTE_NAME_MAX)
        return STORE_ERR_CORRUPT;
    memcpy(k->issuer, issuer, strlen(issuer) + 1);
    memcpy(k->pub, pub, ED25519_PUBLIC_SIZE);
    k->added = added;
    k->removed = removed;
    return 0;
}

int keymap_load(struct store_txn *t, struct keymap **out)
{
    struct load l = {NULL, 0, 0};
    int err;

    *out = NULL;
    err = store_keys(t, load_cb, &l);
    if (err == 0)
        err = keymap_new(l.k, l.n, out);
    free(l.k);
    return err;
}
