/* mirror.c: see mirror.h. */
#include "mirror.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "issuer.h"
#include "memsmt.h"
#include "naive.h"
#include "proofs/entry.h"
#include "proofs/note.h"
#include "proofs/smt.h"
#include "proofs/tile.h"

void mirror_free(struct mirror *m)
{
    free(m->bytes);
    free(m->off);
    free(m->leaf);
    memset(m, 0, sizeof *m);
}

const uint8_t *mirror_entry(const struct mirror *m, uint64_t i, size_t *len)
{
    *len = m->off[i + 1] - m->off[i];
    return m->bytes + m->off[i];
}

bool mirror_entry_is(const struct mirror *m, uint64_t i, const uint8_t *b,
                     size_t len)
{
    return i < m->n && m->off[i + 1] - m->off[i] == len &&
           memcmp(m->bytes + m->off[i], b, len) == 0;
}

bool mirror_fetch_tile(struct client_http *h, const struct tile *t,
                       struct client_http_response *r)
{
    char path[TILE_PATH_MAX + 1];

    path[0] = '/';
    if (tile_format_path(t, path + 1, sizeof path - 1) < 0)
        return false;
    if (client_http_get(h, path, r) != 0)
        return false;
    if (r->status != 200 ||
        strcmp(r->content_type, "application/octet-stream") != 0 ||
        (t->width == TILE_WIDTH) !=
            (strcmp(r->cache_control, "public, max-age=31536000, immutable") ==
             0)) {
        fprintf(stderr, "tile %s: status %d, type %s, cache %s\n", path,
                r->status, r->content_type, r->cache_control);
        client_http_response_free(r);
        return false;
    }
    return true;
}

static void add_entry(struct mirror *m, const uint8_t *e, size_t len)
{
    if (m->used + len > m->cap) {
        m->cap = 2 * m->cap + len;
        m->bytes = realloc(m->bytes, m->cap);
        if (m->bytes == NULL)
            abort();
    }
    memcpy(m->bytes + m->used, e, len);
    m->used += len;
    naive_leaf_hash(e, len, m->leaf[m->n]);
    m->n++;
    m->off[m->n] = m->used;
}

/* Entries [0, size) through the entry bundles. */
static bool fetch_entries(struct client_http *h, struct mirror *m,
                          uint64_t size)
{
    struct client_http_response r;

    for (uint64_t first = 0; first < size; first += TILE_WIDTH) {
        struct tile t = {
            TILE_LEVEL_ENTRIES, first / TILE_WIDTH,
            (unsigned)(size - first < TILE_WIDTH ? size - first : TILE_WIDTH)};
        size_t pos = 0, len;
        const uint8_t *e;
        int rc;
        if (!mirror_fetch_tile(h, &t, &r))
            return false;
        while ((rc = tile_bundle_next((uint8_t *)r.body, r.body_len, &pos, &e,
                                      &len)) == 1) {
            if (m->n >= first + t.width || len > ENTRY_MAX_SIZE)
                break;
            add_entry(m, e, len);
        }
        client_http_response_free(&r);
        if (rc != 0 || m->n != first + t.width)
            return false;
    }
    return true;
}

/* Every hash tile at levels 0 and 1 against the leaves. */
static bool check_hash_tiles(struct client_http *h, const struct mirror *m,
                             uint64_t size)
{
    struct client_http_response r;

    for (int level = 0; level < 2; level++) {
        uint64_t items = size >> (8 * level);
        for (uint64_t first = 0; first < items; first += TILE_WIDTH) {
            struct tile t = {level, first / TILE_WIDTH,
                             (unsigned)(items - first < TILE_WIDTH
                                            ? items - first
                                            : TILE_WIDTH)};
            bool ok;
            if (!mirror_fetch_tile(h, &t, &r))
                return false;
            ok = r.body_len == (size_t)t.width * 32;
            for (unsigned j = 0; ok && j < t.width; j++) {
                uint8_t want[32];
                uint64_t k = first + j;
                if (level == 0)
                    memcpy(want, m->leaf[k], 32);
                else
                    naive_mth((const uint8_t(*)[32])m->leaf + k * 256, 256,
                              want);
                ok = memcmp(r.body + 32 * j, want, 32) == 0;
            }
            client_http_response_free(&r);
            if (!ok)
                return false;
        }
    }
    return true;
}

bool mirror_fetch(struct client_http *h, struct mirror *m, uint64_t size)
{
    mirror_free(m);
    m->off = malloc(((size_t)size + 1) * sizeof *m->off);
    m->leaf = malloc(((size_t)size + 1) * sizeof *m->leaf);
    m->cap = (size_t)size * 128 + 1;
    m->bytes = malloc(m->cap);
    if (m->off == NULL || m->leaf == NULL || m->bytes == NULL)
        abort();
    m->off[0] = 0;
    return fetch_entries(h, m, size) && check_hash_tiles(h, m, size);
}

/* ---- the replay ---- */

/* A credential issued so far, in a hash table by key. */
struct rcred {
    bool used;
    uint8_t key[32];
    uint64_t issue, revoke;
    char issuer[NOTE_NAME_MAX + 1];
};

struct rtable {
    struct rcred *t;
    size_t mask, n;
};

/* An issuer key ever added: the key map's leaf (protocol.md §B.6.3). */
struct rkey {
    char name[NOTE_NAME_MAX + 1];
    uint8_t pub[32];
    uint64_t add, remove; /* remove SMT_NONE while authorized */
};

static struct rcred *rfind(struct rtable *r, const uint8_t key[32])
{
    uint64_t h;

    memcpy(&h, key, 8);
    for (size_t i = (size_t)h & r->mask;; i = (i + 1) & r->mask)
        if (!r->t[i].used || memcmp(r->t[i].key, key, 32) == 0)
            return &r->t[i];
}

static struct rcred *radd(struct rtable *r, const uint8_t key[32])
{
    struct rcred *c;

    if (2 * (r->n + 1) > r->mask + 1) {
        struct rcred *old = r->t;
        size_t oldcap = r->mask + 1;
        r->mask = 2 * oldcap - 1;
        r->t = calloc(r->mask + 1, sizeof *r->t);
        if (r->t == NULL)
            abort();
        for (size_t i = 0; i < oldcap; i++)
            if (old[i].used)
                *rfind(r, old[i].key) = old[i];
        free(old);
    }
    c = rfind(r, key);
    c->used = true;
    memcpy(c->key, key, 32);
    r->n++;
    return c;
}

static int cmp_update(const void *a, const void *b)
{
    return memcmp(((const struct smt_update *)a)->key,
                  ((const struct smt_update *)b)->key, 32);
}

static int cmp_cred(const void *a, const void *b)
{
    return memcmp(((const struct naive_cred *)a)->key,
                  ((const struct naive_cred *)b)->key, 32);
}

/* The map of every credential in r by naive_map_root(). */
static void naive_root(const struct rtable *r, uint8_t root[32])
{
    struct naive_cred *all = malloc((r->n + 1) * sizeof *all);
    size_t k = 0;

    if (all == NULL)
        abort();
    for (size_t i = 0; i <= r->mask; i++)
        if (r->t[i].used) {
            memcpy(all[k].key, r->t[i].key, 32);
            all[k].issue = r->t[i].issue;
            all[k].revoke = r->t[i].revoke;
            k++;
        }
    qsort(all, k, sizeof *all, cmp_cred);
    naive_map_root(all, k, root);
    free(all);
}

/* The replay's state. */
struct replay {
    struct memsmt ms;
    struct smt_store st;
    struct rtable rt;
    struct rkey *keys;
    size_t nkeys;
    struct smt_update *pend; /* keys changed since the last MAP entry */
    size_t npend, cappend;
};

/* A key is added once and removed at most once; a KEY entry that changes
 * nothing (a repeated add, the add of a removed key, a remove of a key not
 * authorized) is one logd never appends (protocol.md Part D, invariant 8). */
static size_t replay_key(struct replay *r, uint64_t i, const struct entry *e)
{
    size_t j;

    for (j = 0; j < r->nkeys; j++)
        if (strcmp(r->keys[j].name, e->issuer) == 0 &&
            memcmp(r->keys[j].pub, e->public_key, 32) == 0)
            break;
    if (e->key_op == ENTRY_KEY_ADD && j == r->nkeys) {
        snprintf(r->keys[j].name, sizeof r->keys[j].name, "%s", e->issuer);
        memcpy(r->keys[j].pub, e->public_key, 32);
        r->keys[j].add = i;
        r->keys[j].remove = SMT_NONE;
        r->nkeys++;
        return 0;
    }
    if (e->key_op == ENTRY_KEY_REMOVE && j < r->nkeys &&
        r->keys[j].remove == SMT_NONE) {
        r->keys[j].remove = i;
        return 0;
    }
    fprintf(stderr, "replay: KEY entry %llu changes nothing\n",
            (unsigned long long)i);
    return 1;
}

/* The key map's root by naive_map_root(): every key ever added, by its
 * key map key, with (add index, remove index). */
static void naive_key_root(const struct replay *r, uint8_t root[32])
{
    struct naive_cred *all = malloc((r->nkeys + 1) * sizeof *all);

    if (all == NULL)
        abort();
    for (size_t k = 0; k < r->nkeys; k++) {
        if (entry_key_map_key(r->keys[k].name, r->keys[k].pub, all[k].key) != 0)
            abort();
        all[k].issue = r->keys[k].add;
        all[k].revoke = r->keys[k].remove;
    }
    qsort(all, r->nkeys, sizeof *all, cmp_cred);
    naive_map_root(all, r->nkeys, root);
    free(all);
}

static size_t replay_cred(struct replay *r, uint64_t i, const struct entry *e)
{
    struct rcred *c;
    size_t j;

    for (j = 0; j < r->nkeys; j++)
        if (r->keys[j].remove == SMT_NONE &&
            strcmp(r->keys[j].name, e->issuer) == 0 &&
            note_key_id(e->issuer, NOTE_TYPE_ED25519, r->keys[j].pub) ==
                e->key_id)
            break;
    if (j == r->nkeys ||
        entry_verify(e, issuer_origin(), r->keys[j].pub) != 0) {
        fprintf(stderr, "replay: entry %llu not signed by an authorized key\n",
                (unsigned long long)i);
        return 1;
    }
    c = rfind(&r->rt, e->credential);
    if (e->type == ENTRY_ISSUE) {
        if (c->used) {
            fprintf(stderr,
                    "replay: credential issued twice (entries %llu, %llu)\n",
                    (unsigned long long)c->issue, (unsigned long long)i);
            return 1;
        }
        c = radd(&r->rt, e->credential);
        c->issue = i;
        c->revoke = SMT_NONE;
        snprintf(c->issuer, sizeof c->issuer, "%s", e->issuer);
    } else {
        if (!c->used || c->revoke != SMT_NONE ||
            strcmp(c->issuer, e->issuer) != 0) {
            fprintf(stderr,
                    "replay: REVOKE %llu of a credential not issued, already "
                    "revoked or of another issuer\n",
                    (unsigned long long)i);
            return 1;
        }
        c->revoke = i;
    }
    if (r->npend == r->cappend) {
        r->cappend *= 2;
        r->pend = realloc(r->pend, r->cappend * sizeof *r->pend);
        if (r->pend == NULL)
            abort();
    }
    memcpy(r->pend[r->npend].key, c->key, 32);
    r->npend++;
    return 0;
}

static size_t replay_map(struct replay *r, uint64_t i, const struct entry *e,
                         unsigned flags)
{
    uint8_t root[32];
    size_t u = 0, bad = 0;

    /* One update per key changed since the last MAP entry, with its value
     * now (an ISSUE and its REVOKE may share an interval). */
    qsort(r->pend, r->npend, sizeof *r->pend, cmp_update);
    for (size_t k = 0; k < r->npend; k++) {
        const struct rcred *c;
        if (u > 0 && memcmp(r->pend[u - 1].key, r->pend[k].key, 32) == 0)
            continue;
        c = rfind(&r->rt, r->pend[k].key);
        r->pend[u] = r->pend[k];
        smt_value_encode(c->issue, c->revoke, r->pend[u].value);
        u++;
    }
    if (smt_update(&r->st, r->pend, u, root) != 0)
        abort();
    r->npend = 0;
    if (e->map_index != i || memcmp(root, e->map_root, 32) != 0) {
        fprintf(stderr, "replay: MAP entry %llu is wrong\n",
                (unsigned long long)i);
        bad++;
    }
    if (e->version == ENTRY_VERSION_2) {
        naive_key_root(r, root);
        if (memcmp(root, e->key_root, 32) != 0) {
            fprintf(stderr, "replay: MAP entry %llu has a wrong key root\n",
                    (unsigned long long)i);
            bad++;
        }
    }
    if (flags & MIRROR_NAIVE_EVERY_MAP) {
        naive_root(&r->rt, root);
        if (memcmp(root, e->map_root, 32) != 0) {
            fprintf(stderr,
                    "replay: MAP entry %llu differs from the naive map\n",
                    (unsigned long long)i);
            bad++;
        }
    }
    return bad;
}

size_t mirror_violations(const struct mirror *m, unsigned flags,
                         uint64_t counts[5])
{
    struct replay r;
    uint64_t last_map = UINT64_MAX;
    size_t bad = 0;
    bool v2 = false;

    memset(&r, 0, sizeof r);
    memsmt_init(&r.ms);
    r.st = memsmt_store(&r.ms);
    r.rt.t = calloc(1024, sizeof *r.rt.t);
    r.rt.mask = 1023;
    r.keys = calloc((size_t)m->n + 1, sizeof *r.keys);
    r.cappend = 1024;
    r.pend = malloc(r.cappend * sizeof *r.pend);
    if (r.rt.t == NULL || r.keys == NULL || r.pend == NULL)
        abort();
    for (uint64_t i = 0; i < m->n; i++) {
        size_t len;
        const uint8_t *bytes = mirror_entry(m, i, &len);
        struct entry e;
        if (entry_decode(bytes, len, &e) != 0) {
            fprintf(stderr, "replay: entry %llu does not decode\n",
                    (unsigned long long)i);
            bad++;
            continue;
        }
        if (counts != NULL && e.type < 5)
            counts[e.type]++;
        /* Versions only go forward: after a version 2 entry, a version 1
         * entry is invalid and changes nothing. */
        if (e.version == ENTRY_VERSION_2)
            v2 = true;
        else if (v2) {
            fprintf(stderr, "replay: version 1 entry %llu after version 2\n",
                    (unsigned long long)i);
            bad++;
            if (e.type == ENTRY_MAP)
                last_map = i;
            continue;
        }
        if (e.type == ENTRY_KEY) {
            bad += replay_key(&r, i, &e);
        } else if (e.type == ENTRY_ISSUE || e.type == ENTRY_REVOKE) {
            bad += replay_cred(&r, i, &e);
        } else if (e.type == ENTRY_MAP) {
            bad += replay_map(&r, i, &e, flags);
            last_map = i;
        } else {
            fprintf(stderr, "replay: entry %llu has unknown type %u\n",
                    (unsigned long long)i, (unsigned)e.type);
            bad++;
        }
    }
    if (m->n == 0 || last_map != m->n - 1) {
        fprintf(stderr, "replay: the log does not end with a MAP entry\n");
        bad++;
    } else if (!(flags & MIRROR_NAIVE_EVERY_MAP)) {
        /* The final map once more, by the naive recursive definition. */
        size_t len;
        const uint8_t *bytes = mirror_entry(m, m->n - 1, &len);
        struct entry e;
        uint8_t root[32];
        naive_root(&r.rt, root);
        if (entry_decode(bytes, len, &e) != 0 ||
            memcmp(root, e.map_root, 32) != 0) {
            fprintf(stderr,
                    "replay: the last MAP root differs from the naive map\n");
            bad++;
        }
    }
    free(r.pend);
    free(r.keys);
    free(r.rt.t);
    memsmt_free(&r.ms);
    return bad;
}

bool mirror_replay(const struct mirror *m, uint64_t counts[5])
{
    return mirror_violations(m, MIRROR_NAIVE_EVERY_MAP, counts) == 0;
}
