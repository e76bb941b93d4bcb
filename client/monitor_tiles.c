/*
 * monitor_tiles.c: the monitor's reader of the log's C2SP tiles: stored
 * hashes from hash tiles (through a small cache), the proofs built from
 * them, and entry bundles. See monitor_internal.h.
 *
 * The tiles of a signed checkpoint must exist: a 404 or a tile of the wrong
 * size is MONITOR_UNBACKED (the log cannot back what it signed), which the
 * run turns into an alert; only failing to reach the log is an error.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/monitor_internal.h"
#include "client/verify.h"
#include "proofs/merkle.h"

void monitor_tiles_free(struct run *r)
{
    for (int i = 0; i < MONITOR_TILE_CACHE; i++) {
        free(r->cache[i].data);
        r->cache[i].data = NULL;
    }
}

/* The answer of a tile request: 0 (got it), a "cannot back" (404) or an
 * error. */
static int fetch(struct run *r, const struct tile *t, uint8_t **d, size_t *len,
                 enum monitor_proof *out)
{
    int rc = client_api_tile(r->api, t, d, len, r->why);

    if (rc == CLIENT_ERR_NOT_FOUND && t->width < TILE_WIDTH) {
        /* The partial tile may be gone once the full one exists: its first
         * items are the same. */
        struct tile full = *t;
        full.width = TILE_WIDTH;
        rc = client_api_tile(r->api, &full, d, len, r->why);
    }
    *out = MONITOR_PROVEN;
    if (rc == CLIENT_ERR_NOT_FOUND) {
        *out = MONITOR_UNBACKED;
        if (t->level == TILE_LEVEL_ENTRIES)
            client_fail(r->why, rc,
                        "entry bundle %" PRIu64 " (width %u) is not served",
                        t->index, t->width);
        else
            client_fail(r->why, rc,
                        "hash tile %d/%" PRIu64 " (width %u) is not served",
                        t->level, t->index, t->width);
        return 0;
    }
    return rc;
}

/* Fetches hash tile t, through the cache. *data is NULL unless proven. */
static int hash_tile(struct run *r, const struct tile *t, const uint8_t **data,
                     enum monitor_proof *out)
{
    unsigned slot;
    uint8_t *d;
    size_t len, want = (size_t)t->width * MERKLE_HASH_SIZE;
    int rc;

    *data = NULL;
    for (int i = 0; i < MONITOR_TILE_CACHE; i++)
        if (r->cache[i].data != NULL && r->cache[i].t.level == t->level &&
            r->cache[i].t.index == t->index &&
            r->cache[i].t.width == t->width) {
            *data = r->cache[i].data;
            *out = MONITOR_PROVEN;
            return 0;
        }
    if ((rc = fetch(r, t, &d, &len, out)) != 0 || *out != MONITOR_PROVEN)
        return rc;
    if (len == TILE_WIDTH * MERKLE_HASH_SIZE && want < len)
        len = want; /* the full tile stood in for a partial one */
    if (len != want) {
        free(d);
        *out = MONITOR_UNBACKED;
        client_fail(r->why, CLIENT_ERR_SYNTAX,
                    "hash tile %d/%" PRIu64 " has %zu bytes, not %zu", t->level,
                    t->index, len, want);
        return 0;
    }
    slot = r->next_slot++ % MONITOR_TILE_CACHE;
    free(r->cache[slot].data);
    r->cache[slot].t = *t;
    r->cache[slot].data = d;
    r->cache[slot].len = len;
    *data = d;
    return 0;
}

/* Reads stored hash sidx of the tree of size n from its hash tiles: the
 * subtree of 2^(level mod 8) hashes of the tile at level/8 above it. */
static int stored_hash(struct run *r, uint64_t n, uint64_t sidx,
                       uint8_t out[MERKLE_HASH_SIZE], enum monitor_proof *res)
{
    uint8_t buf[256][MERKLE_HASH_SIZE];
    const uint8_t *data = NULL;
    struct tile t;
    uint64_t k, first, lsize;
    int level, rc;
    unsigned j0, cnt;

    merkle_split_stored_index(sidx, &level, &k);
    t.level = level / TILE_HEIGHT;
    first = k << (level % TILE_HEIGHT);
    t.index = first / TILE_WIDTH;
    lsize = tile_level_size(t.level, n);
    t.width = (t.index + 1) * TILE_WIDTH <= lsize
                  ? TILE_WIDTH
                  : (unsigned)(lsize - t.index * TILE_WIDTH);
    j0 = (unsigned)(first % TILE_WIDTH);
    cnt = 1u << (level % TILE_HEIGHT);
    if (t.width == 0 || j0 + cnt > t.width)
        return client_fail(
            r->why, CLIENT_ERR_ARG,
            "stored hash %" PRIu64 " is beyond tree size %" PRIu64, sidx, n);
    if ((rc = hash_tile(r, &t, &data, res)) != 0 || *res != MONITOR_PROVEN)
        return rc;
    memcpy(buf, data + (size_t)j0 * MERKLE_HASH_SIZE,
           (size_t)cnt * MERKLE_HASH_SIZE);
    for (; cnt > 1; cnt /= 2)
        for (unsigned i = 0; i < cnt / 2; i++)
            merkle_node_hash(buf[2 * i], buf[2 * i + 1], buf[i]);
    memcpy(out, buf[0], MERKLE_HASH_SIZE);
    return 0;
}

/* Reads the k stored hashes idx[] of the tree of size n. */
static int stored_hashes(struct run *r, uint64_t n, const uint64_t *idx, int k,
                         uint8_t (*out)[MERKLE_HASH_SIZE],
                         enum monitor_proof *res)
{
    int rc;

    *res = MONITOR_PROVEN;
    for (int i = 0; i < k; i++)
        if ((rc = stored_hash(r, n, idx[i], out[i], res)) != 0 ||
            *res != MONITOR_PROVEN)
            return rc;
    return 0;
}

int monitor_tiles_consistency(struct run *r, const struct checkpoint *old,
                              const struct checkpoint *cur,
                              enum monitor_proof *out)
{
    uint64_t idx[MERKLE_MAX_NEEDED];
    uint8_t hashes[MERKLE_MAX_NEEDED][MERKLE_HASH_SIZE],
        proof[MERKLE_MAX_PROOF][MERKLE_HASH_SIZE];
    int k = merkle_consistency_needed(old->size, cur->size, idx), len, rc;

    if (k < 0)
        return client_fail(r->why, CLIENT_ERR_ARG, "bad consistency range");
    if ((rc = stored_hashes(r, cur->size, idx, k, hashes, out)) != 0 ||
        *out != MONITOR_PROVEN)
        return rc;
    len = merkle_consistency_proof(old->size, cur->size,
                                   (const uint8_t(*)[MERKLE_HASH_SIZE])hashes,
                                   proof);
    if (len < 0)
        return client_fail(r->why, CLIENT_ERR_ARG, "bad consistency range");
    if (client_verify_consistency(old, cur,
                                  (const uint8_t(*)[MERKLE_HASH_SIZE])proof,
                                  (size_t)len, NULL) != 0)
        *out = MONITOR_DISPROVEN;
    return 0;
}

int monitor_tiles_backed(struct run *r, const struct checkpoint *cur,
                         enum monitor_proof *out)
{
    uint64_t idx[MERKLE_MAX_NEEDED];
    uint8_t hashes[MERKLE_MAX_NEEDED][MERKLE_HASH_SIZE], root[MERKLE_HASH_SIZE];
    int k = merkle_tree_hash_needed(cur->size, idx), rc;

    if (k < 0) {
        *out = MONITOR_UNBACKED;
        client_fail(r->why, CLIENT_ERR_ARG,
                    "no Merkle tree has %" PRIu64 " leaves", cur->size);
        return 0;
    }
    if ((rc = stored_hashes(r, cur->size, idx, k, hashes, out)) != 0 ||
        *out != MONITOR_PROVEN)
        return rc;
    merkle_tree_hash(cur->size, (const uint8_t(*)[MERKLE_HASH_SIZE])hashes,
                     root);
    if (memcmp(root, cur->root, MERKLE_HASH_SIZE) != 0)
        *out = MONITOR_DISPROVEN;
    return 0;
}

int monitor_tiles_prefix(struct run *r, const struct compact_range *c,
                         enum monitor_proof *out)
{
    struct checkpoint part = *r->cur;

    part.size = c->size;
    compact_root(c, part.root);
    if (c->size == r->cur->size) {
        *out = memcmp(part.root, r->cur->root, MERKLE_HASH_SIZE) == 0
                   ? MONITOR_PROVEN
                   : MONITOR_DISPROVEN;
        return 0;
    }
    return monitor_tiles_consistency(r, &part, r->cur, out);
}

int monitor_tiles_bundle(struct run *r, uint64_t index, unsigned w,
                         uint8_t **data, size_t *len, enum monitor_proof *out)
{
    struct tile t = {TILE_LEVEL_ENTRIES, index, w};
    const uint8_t *e;
    size_t pos = 0, elen;
    unsigned j = 0;
    int rc;

    *data = NULL;
    if ((rc = fetch(r, &t, data, len, out)) != 0 || *out != MONITOR_PROVEN)
        return rc;
    while (j < w && tile_bundle_next(*data, *len, &pos, &e, &elen) == 1)
        j++;
    if (j < w) {
        free(*data);
        *data = NULL;
        *out = MONITOR_UNBACKED;
        client_fail(r->why, CLIENT_ERR_SYNTAX,
                    "entry bundle %" PRIu64
                    " holds %u entries, the checkpoint needs %u",
                    index, j, w);
    }
    return 0;
}
