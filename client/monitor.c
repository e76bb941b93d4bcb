/*
 * monitor.c: see monitor.h. The order of a run matters: the checkpoint is
 * verified before anything it covers, consistency is proven before any entry
 * is replayed, and the new state is committed only if the entries hash to
 * the signed root and nothing raised an alert.
 */
#include "client/monitor.h"

#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/files.h"
#include "client/mstore.h"
#include "client/timecheck.h"
#include "client/verify.h"
#include "proofs/codec.h"
#include "proofs/entry.h"
#include "proofs/merkle.h"
#include "proofs/smt.h"
#include "proofs/tile.h"

#define TILE_CACHE 8
#define MAP_BATCH                                                              \
    1024 /* map updates applied together (sharing upper paths)                 \
          */
#define BYTES_PER_ENTRY                                                        \
    512 /* generous LMDB growth estimate per replayed entry */

struct client_monitor {
    char dir[PATH_MAX];
    struct note_verifier log;
    struct mstore *st;
    uint64_t max_entries;  /* per run; 0: no limit */
    uint64_t commit_every; /* entries between commits during a catch-up */
};

/* The stored hashes a tree of `size` needs for its root, in the order of
 * merkle_tree_hash_needed(size): all a monitor keeps of the tree. */
struct compact {
    int n;
    uint64_t idx[MERKLE_MAX_NEEDED];
    uint8_t h[MERKLE_MAX_NEEDED][MERKLE_HASH_SIZE];
};

/* One run's working state. */
struct run {
    struct client_monitor *m;
    struct client_api *api;
    const struct client_monitor_hooks *hooks;
    struct client_monitor_result *res;
    struct mstore_txn *t;
    struct smt_store smt;
    struct smt_update *pending; /* map updates not applied yet (MAP_BATCH) */
    size_t npending;
    struct compact c;
    struct timecheck
        tc;             /* MAP times and issuer timestamps since the last MAP */
    uint64_t size;      /* entries in c */
    uint64_t committed; /* r->size when the state was last committed */
    uint64_t ends[2];   /* checkpoint sizes whose last entry must be MAP */
    const struct checkpoint *cur; /* the checkpoint being caught up to */
    const char *note;             /* its signed note */
    size_t note_len;
    struct {
        struct tile t;
        uint8_t *data;
        size_t len;
    } cache[TILE_CACHE];
    unsigned next_slot;
    char *why;
};

/* ---- the compact range ---- */

static const uint8_t *compact_find(const struct compact *c, uint64_t idx)
{
    for (int i = 0; i < c->n; i++)
        if (c->idx[i] == idx)
            return c->h[i];
    return NULL;
}

/* Appends leaf number size to c (the tree of size leaves). */
static int compact_append(struct compact *c, uint64_t size,
                          const uint8_t leaf[MERKLE_HASH_SIZE])
{
    uint64_t need[MERKLE_MAX_NEEDED], want[MERKLE_MAX_NEEDED], base;
    uint8_t nh[MERKLE_MAX_NEEDED][MERKLE_HASH_SIZE], out[64][MERKLE_HASH_SIZE];
    struct compact nc;
    int k = merkle_append_needed(size, need), add = merkle_append_count(size),
        w;

    for (int i = 0; i < k; i++) {
        const uint8_t *h = compact_find(c, need[i]);
        if (h == NULL)
            return -1;
        memcpy(nh[i], h, MERKLE_HASH_SIZE);
    }
    merkle_append_hashes(size, leaf, (const uint8_t(*)[MERKLE_HASH_SIZE])nh,
                         out);
    base = merkle_stored_count(size);
    w = merkle_tree_hash_needed(size + 1, want);
    nc.n = w;
    for (int i = 0; i < w; i++) {
        const uint8_t *h = want[i] >= base && want[i] < base + (uint64_t)add
                               ? out[want[i] - base]
                               : compact_find(c, want[i]);
        if (h == NULL)
            return -1;
        nc.idx[i] = want[i];
        memcpy(nc.h[i], h, MERKLE_HASH_SIZE);
    }
    *c = nc;
    return 0;
}

static void compact_root(const struct compact *c, uint64_t size,
                         uint8_t root[MERKLE_HASH_SIZE])
{
    merkle_tree_hash(size, (const uint8_t(*)[MERKLE_HASH_SIZE])c->h, root);
}

static void put_u64(uint8_t *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--, v >>= 8)
        p[i] = (uint8_t)v;
}

static uint64_t get_u64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | p[i];
    return v;
}

/* ---- opening ---- */

void client_monitor_set_limits(struct client_monitor *m, uint64_t max_entries,
                               uint64_t commit_every)
{
    m->max_entries = max_entries;
    m->commit_every =
        commit_every > 0 ? commit_every : CLIENT_MONITOR_COMMIT_EVERY;
}

int client_monitor_open(const char *dir, const struct note_verifier *log,
                        struct client_monitor **out, char *why)
{
    struct client_monitor *m;
    struct mstore_txn *t;
    char vkey[NOTE_KEY_TEXT_MAX + 1];
    uint8_t *stored = NULL;
    size_t len;
    bool found;
    int rc, vlen;

    *out = NULL;
    m = calloc(1, sizeof *m);
    if (m == NULL)
        return client_fail(why, CLIENT_ERR_NOMEM, "out of memory");
    snprintf(m->dir, sizeof m->dir, "%s", dir);
    m->log = *log;
    m->commit_every = CLIENT_MONITOR_COMMIT_EVERY;
    vlen = note_verifier_format(log, vkey, sizeof vkey);
    if ((rc = client_mkdirs(dir, 0700, why)) != 0 ||
        (rc = mstore_open(dir, 0, &m->st, why)) != 0 ||
        (rc = mstore_begin(m->st, true, &t, why)) != 0) {
        mstore_close(m->st);
        free(m);
        return rc;
    }
    rc = mstore_meta_get(t, "log_key", &stored, &len, &found);
    if (rc == 0 && !found)
        rc = mstore_meta_put(t, "log_key", vkey, (size_t)vlen);
    else if (rc == 0 && (len != (size_t)vlen || memcmp(stored, vkey, len) != 0))
        rc = client_fail(why, CLIENT_ERR_KEY,
                         "%s follows another log (%s), not %s", dir,
                         (char *)stored, vkey);
    else if (rc != 0)
        client_fail(why, rc, "%s", mstore_error(t));
    free(stored);
    if (rc != 0) {
        mstore_abort(t);
        mstore_close(m->st);
        free(m);
        return rc;
    }
    if ((rc = mstore_commit(t, why)) != 0) {
        mstore_close(m->st);
        free(m);
        return rc;
    }
    *out = m;
    return 0;
}

void client_monitor_close(struct client_monitor *m)
{
    if (m == NULL)
        return;
    mstore_close(m->st);
    free(m);
}

/* ---- alerts ---- */

static void alert(struct run *r, const char *note_a, const char *note_b,
                  const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void alert(struct run *r, const char *note_a, const char *note_b,
                  const char *fmt, ...)
{
    char msg[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    r->res->alerts++;
    if (r->hooks != NULL && r->hooks->alert != NULL)
        r->hooks->alert(r->hooks->ctx, msg, note_a, note_b);
}

static const char *short_hex(const uint8_t *b, char *buf)
{
    codec_hex_encode(b, 8, buf);
    return buf;
}

/* ---- tiles ---- */

static void cache_free(struct run *r)
{
    for (int i = 0; i < TILE_CACHE; i++) {
        free(r->cache[i].data);
        r->cache[i].data = NULL;
    }
}

/* Fetches hash tile t, through a small cache. */
static int hash_tile(struct run *r, const struct tile *t, const uint8_t **data)
{
    unsigned slot;
    uint8_t *d;
    size_t len;
    int rc;

    for (int i = 0; i < TILE_CACHE; i++)
        if (r->cache[i].data != NULL && r->cache[i].t.level == t->level &&
            r->cache[i].t.index == t->index &&
            r->cache[i].t.width == t->width) {
            *data = r->cache[i].data;
            return 0;
        }
    rc = client_api_tile(r->api, t, &d, &len, r->why);
    if (rc == CLIENT_ERR_NOT_FOUND && t->width < TILE_WIDTH) {
        /* The partial tile may be gone once the full one exists: its first
         * hashes are the same. */
        struct tile full = *t;
        full.width = TILE_WIDTH;
        rc = client_api_tile(r->api, &full, &d, &len, r->why);
        if (rc == 0 && len == TILE_WIDTH * MERKLE_HASH_SIZE)
            len = (size_t)t->width * MERKLE_HASH_SIZE;
    }
    if (rc != 0)
        return rc;
    if (len != (size_t)t->width * MERKLE_HASH_SIZE) {
        free(d);
        return client_fail(r->why, CLIENT_ERR_SYNTAX,
                           "hash tile %d/%" PRIu64 " has %zu bytes, not %u",
                           t->level, t->index, len,
                           t->width * MERKLE_HASH_SIZE);
    }
    slot = r->next_slot++ % TILE_CACHE;
    free(r->cache[slot].data);
    r->cache[slot].t = *t;
    r->cache[slot].data = d;
    r->cache[slot].len = len;
    *data = d;
    return 0;
}

/* Reads stored hash sidx of the tree of size n from its hash tiles: the
 * subtree of 2^(level mod 8) hashes of the tile at level/8 above it. */
static int tile_stored_hash(struct run *r, uint64_t n, uint64_t sidx,
                            uint8_t out[MERKLE_HASH_SIZE])
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
            r->why, CLIENT_ERR_SYNTAX,
            "stored hash %" PRIu64 " is beyond tree size %" PRIu64, sidx, n);
    if ((rc = hash_tile(r, &t, &data)) != 0)
        return rc;
    memcpy(buf, data + (size_t)j0 * MERKLE_HASH_SIZE,
           (size_t)cnt * MERKLE_HASH_SIZE);
    for (; cnt > 1; cnt /= 2)
        for (unsigned i = 0; i < cnt / 2; i++)
            merkle_node_hash(buf[2 * i], buf[2 * i + 1], buf[i]);
    memcpy(out, buf[0], MERKLE_HASH_SIZE);
    return 0;
}

/* Proves the old checkpoint a prefix of the new one from hash tiles.
 * Returns 0 (consistent or alerted: *consistent says which) or an error. */
static int prove_consistency(struct run *r, const struct checkpoint *old,
                             const struct checkpoint *cur, bool *consistent)
{
    uint64_t idx[MERKLE_MAX_NEEDED];
    uint8_t hashes[MERKLE_MAX_NEEDED][MERKLE_HASH_SIZE],
        proof[MERKLE_MAX_PROOF][MERKLE_HASH_SIZE];
    int k = merkle_consistency_needed(old->size, cur->size, idx), len, rc;

    *consistent = false;
    if (k < 0)
        return client_fail(r->why, CLIENT_ERR_ARG, "bad consistency range");
    for (int i = 0; i < k; i++)
        if ((rc = tile_stored_hash(r, cur->size, idx[i], hashes[i])) != 0)
            return rc;
    len = merkle_consistency_proof(old->size, cur->size,
                                   (const uint8_t(*)[MERKLE_HASH_SIZE])hashes,
                                   proof);
    if (len < 0)
        return client_fail(r->why, CLIENT_ERR_ARG, "bad consistency range");
    *consistent = client_verify_consistency(
                      old, cur, (const uint8_t(*)[MERKLE_HASH_SIZE])proof,
                      (size_t)len, NULL) == 0;
    return 0;
}

/* Fetches entry bundle N of width w (falling back to the full bundle when a
 * partial one is gone) and checks it holds at least w entries. */
static int entry_bundle(struct run *r, uint64_t index, unsigned w,
                        uint8_t **data, size_t *len)
{
    struct tile t = {TILE_LEVEL_ENTRIES, index, w};
    int rc = client_api_tile(r->api, &t, data, len, r->why);

    if (rc == CLIENT_ERR_NOT_FOUND && w < TILE_WIDTH) {
        t.width = TILE_WIDTH;
        rc = client_api_tile(r->api, &t, data, len, r->why);
    }
    return rc;
}

/* ---- replay ---- */

static int state_err(struct run *r)
{
    return client_fail(r->why, CLIENT_ERR_STATE, "monitor state: %s",
                       mstore_error(r->t));
}

/* The authorization and signature checks shared by ISSUE and REVOKE. Returns
 * 1 if the entry is validly signed by a key authorized now, 0 after an
 * alert, or an error. */
static int check_signed(struct run *r, uint64_t i, const struct entry *e)
{
    uint8_t pub[ED25519_PUBLIC_SIZE];
    bool found;
    const char *what = e->type == ENTRY_ISSUE ? "ISSUE" : "REVOKE";

    if (mstore_key_get(r->t, e->issuer, e->key_id, pub, &found) != 0)
        return state_err(r);
    if (!found) {
        alert(r, NULL, NULL,
              "entry %" PRIu64 ": %s signed by %s key %08" PRIx32
              ", which is not authorized at this point of the log: "
              "unauthorized entry",
              i, what, e->issuer, e->key_id);
        return 0;
    }
    if (entry_verify(e, r->cur->origin, pub) != 0) {
        alert(r, NULL, NULL,
              "entry %" PRIu64 ": %s signature by %s key %08" PRIx32
              " does not verify",
              i, what, e->issuer, e->key_id);
        return 0;
    }
    return 1;
}

static int update_cmp(const void *a, const void *b)
{
    return memcmp(((const struct smt_update *)a)->key,
                  ((const struct smt_update *)b)->key, SMT_KEY_SIZE);
}

/* Applies the pending map updates in one batch: its upper paths are hashed
 * and written once, not once per entry. Needed before the root is read and
 * before a commit. */
static int flush_map(struct run *r)
{
    uint8_t root[SMT_HASH_SIZE];
    size_t n = r->npending;

    if (n == 0)
        return 0;
    r->npending = 0;
    qsort(r->pending, n, sizeof *r->pending, update_cmp);
    if (smt_update(&r->smt, r->pending, n, root) != 0)
        return state_err(r);
    return 0;
}

/* Queues cred -> (issue, revoke). A key is queued once per batch: a second
 * update of the same key (a REVOKE after its ISSUE) flushes first. */
static int set_map(struct run *r, const uint8_t cred[32], uint64_t issue,
                   uint64_t revoke)
{
    struct smt_update *u;
    int rc;

    for (size_t k = 0; revoke != SMT_NONE && k < r->npending; k++)
        if (memcmp(r->pending[k].key, cred, SMT_KEY_SIZE) == 0) {
            if ((rc = flush_map(r)) != 0)
                return rc;
            break;
        }
    if (r->npending == MAP_BATCH && (rc = flush_map(r)) != 0)
        return rc;
    u = &r->pending[r->npending++];
    memcpy(u->key, cred, SMT_KEY_SIZE);
    smt_value_encode(issue, revoke, u->value);
    return 0;
}

static int replay_issue(struct run *r, uint64_t i, const struct entry *e)
{
    char issuer[NOTE_NAME_MAX + 1], hex[17];
    uint64_t issue, revoke;
    bool found;
    int rc = check_signed(r, i, e);

    if (rc <= 0)
        return rc;
    if (mstore_cred_get(r->t, e->credential, &issue, &revoke, issuer, &found) !=
        0)
        return state_err(r);
    if (found) {
        alert(r, NULL, NULL,
              "entry %" PRIu64
              ": second ISSUE of credential %s... (issued at entry %" PRIu64
              " by %s): the log must never append it",
              i, short_hex(e->credential, hex), issue, issuer);
        return 0;
    }
    if (mstore_cred_put(r->t, e->credential, i, SMT_NONE, e->issuer) != 0 ||
        mstore_issuer_add(r->t, e->issuer, 1, 0) != 0)
        return state_err(r);
    return set_map(r, e->credential, i, SMT_NONE);
}

static int replay_revoke(struct run *r, uint64_t i, const struct entry *e)
{
    char issuer[NOTE_NAME_MAX + 1], hex[17];
    uint64_t issue, revoke;
    bool found;
    int rc = check_signed(r, i, e);

    if (rc <= 0)
        return rc;
    if (mstore_cred_get(r->t, e->credential, &issue, &revoke, issuer, &found) !=
        0)
        return state_err(r);
    if (!found) {
        alert(r, NULL, NULL,
              "entry %" PRIu64
              ": REVOKE by %s of credential %s..., which was never issued",
              i, e->issuer, short_hex(e->credential, hex));
        return 0;
    }
    if (strcmp(issuer, e->issuer) != 0) {
        alert(r, NULL, NULL,
              "entry %" PRIu64 ": REVOKE by %s of credential %s... issued by "
              "%s: unauthorized entry",
              i, e->issuer, short_hex(e->credential, hex), issuer);
        return 0;
    }
    if (revoke != SMT_NONE) {
        alert(r, NULL, NULL,
              "entry %" PRIu64
              ": second REVOKE of credential %s... (revoked at entry %" PRIu64
              "): the log must never append it",
              i, short_hex(e->credential, hex), revoke);
        return 0;
    }
    if (mstore_cred_put(r->t, e->credential, issue, i, issuer) != 0 ||
        mstore_issuer_add(r->t, issuer, 0, 1) != 0)
        return state_err(r);
    return set_map(r, e->credential, issue, i);
}

static void time_alert(void *ctx, const char *msg)
{
    alert(ctx, NULL, NULL, "%s", msg);
}

static int replay_map(struct run *r, uint64_t i, const struct entry *e)
{
    uint8_t root[SMT_HASH_SIZE];
    char want[17], got[17];

    timecheck_map(&r->tc, i, e, time_alert, r);
    if (e->map_index != i) {
        alert(r, NULL, NULL,
              "entry %" PRIu64 ": MAP entry claims index %" PRIu64, i,
              e->map_index);
        return 0;
    }
    if (flush_map(r) != 0 || smt_root(&r->smt, root) != 0)
        return state_err(r);
    if (memcmp(root, e->map_root, SMT_HASH_SIZE) != 0)
        alert(r, NULL, NULL,
              "entry %" PRIu64
              ": wrong MAP root: the revocation map over entries [0, %" PRIu64
              ") replays to %s..., the log committed to %s...",
              i, i, short_hex(root, want), short_hex(e->map_root, got));
    return 0;
}

static int replay_key(struct run *r, uint64_t i, const struct entry *e)
{
    uint32_t id = note_key_id(e->issuer, NOTE_TYPE_ED25519, e->public_key);

    if (e->key_op == ENTRY_KEY_ADD)
        return mstore_key_put(r->t, e->issuer, id, e->public_key, i) != 0
                   ? state_err(r)
                   : 0;
    return mstore_key_del(r->t, e->issuer, id) != 0 ? state_err(r) : 0;
}

static int replay_entry(struct run *r, uint64_t i, const uint8_t *bytes,
                        size_t len)
{
    uint8_t leaf[MERKLE_HASH_SIZE];
    struct entry e;
    int rc;

    merkle_leaf_hash(bytes, len, leaf);
    if (compact_append(&r->c, r->size, leaf) != 0)
        return client_fail(r->why, CLIENT_ERR_STATE,
                           "monitor state: tree hashes inconsistent");
    r->size++;
    r->res->checked++;
    rc = entry_decode(bytes, len, &e);
    if (rc != 0) {
        alert(r, NULL, NULL, "entry %" PRIu64 ": does not decode (%s)", i,
              entry_strerror(rc));
        return 0;
    }
    r->res->counts[e.type]++;
    timecheck_entry(&r->tc, i, &e);
    if ((i + 1 == r->ends[0] || i + 1 == r->ends[1]) && e.type != ENTRY_MAP)
        alert(r, NULL, NULL,
              "the checkpoint of size %" PRIu64
              " does not end with a MAP entry",
              i + 1);
    switch (e.type) {
    case ENTRY_KEY:
        return replay_key(r, i, &e);
    case ENTRY_ISSUE:
        return replay_issue(r, i, &e);
    case ENTRY_REVOKE:
        return replay_revoke(r, i, &e);
    default:
        return replay_map(r, i, &e);
    }
}

/* ---- committing a catch-up ---- */

static int save_state(struct run *r, const char *anchor, size_t anchor_len)
{
    uint8_t buf[MERKLE_MAX_NEEDED * 40], sz[8], counts[32], *times;
    long times_len = timecheck_encode(&r->tc, &times);
    int rc;

    for (int i = 0; i < r->c.n; i++) {
        put_u64(buf + 40 * i, r->c.idx[i]);
        memcpy(buf + 40 * i + 8, r->c.h[i], MERKLE_HASH_SIZE);
    }
    put_u64(sz, r->size);
    for (int i = 1; i <= 4; i++)
        put_u64(counts + 8 * (i - 1), r->res->counts[i]);
    if (mstore_meta_put(r->t, "size", sz, 8) != 0 ||
        mstore_meta_put(r->t, "compact", buf, (size_t)r->c.n * 40) != 0 ||
        mstore_meta_put(r->t, "counts", counts, sizeof counts) != 0 ||
        mstore_meta_put(r->t, "checkpoint", anchor, anchor_len) != 0 ||
        mstore_meta_put(r->t, "latest", r->note, r->note_len) != 0)
        rc = state_err(r);
    else if (times_len < 0)
        rc = client_fail(r->why, CLIENT_ERR_NOMEM, "out of memory");
    else if (mstore_meta_put(r->t, "times", times, (size_t)times_len) != 0)
        rc = state_err(r);
    else
        rc = 0;
    free(times);
    return rc;
}

/* Proves that the entries replayed so far, [0, r->size), are the first
 * r->size entries of the tree the checkpoint signs: their root is its root,
 * or a consistency proof built from its hash tiles links the two roots.
 * Sets *ok, after an alert if they are not. */
static int prove_prefix(struct run *r, bool *ok)
{
    struct checkpoint part = *r->cur;
    int rc;

    part.size = r->size;
    compact_root(&r->c, r->size, part.root);
    if (r->size == r->cur->size)
        *ok = memcmp(part.root, r->cur->root, MERKLE_HASH_SIZE) == 0;
    else if ((rc = prove_consistency(r, &part, r->cur, ok)) != 0)
        return rc;
    if (!*ok)
        alert(r, NULL, r->note,
              "the entries the log serves do not hash to the root of its "
              "checkpoint (size %" PRIu64 "): entries [%" PRIu64 ", %" PRIu64
              ") are not the ones it signed",
              r->cur->size, r->committed, r->size);
    return 0;
}

/* Commits what the run replayed, once proven part of the checkpoint (an
 * alert if not) and if no alert was raised: the state then holds entries [0,
 * r->size), all covered by a verified checkpoint. The anchor (the checkpoint
 * whose last entry the replay still has to check) moves to the current
 * checkpoint once the replay has passed it. With more, a new transaction is
 * opened. */
static int commit_progress(struct run *r, const char *anchor, size_t anchor_len,
                           bool more)
{
    char path[PATH_MAX + 16];
    bool ok;
    int rc;

    if ((rc = prove_prefix(r, &ok)) != 0 || !ok || r->res->alerts > 0 ||
        (rc = flush_map(r)) != 0)
        return rc;
    if (anchor == NULL || r->size >= r->ends[0]) {
        anchor = r->note;
        anchor_len = r->note_len;
    }
    if ((rc = save_state(r, anchor, anchor_len)) != 0)
        return rc;
    rc = mstore_commit(r->t, r->why);
    r->t = NULL;
    if (rc != 0)
        return rc;
    r->committed = r->size;
    if (r->size == r->cur->size) {
        snprintf(path, sizeof path, "%s/checkpoint", r->m->dir);
        if ((rc = client_write_file_atomic(path, r->note, r->note_len, 0644,
                                           r->why)) != 0)
            return rc;
    }
    if (!more)
        return 0;
    if ((rc = mstore_begin(r->m->st, true, &r->t, r->why)) != 0)
        return rc;
    mstore_smt(r->t, &r->smt);
    return 0;
}

/* Replays entries [r->size, n) from entry bundles, committing at tile
 * boundaries every commit_every entries, and stopping at the first boundary
 * after max_entries (0: no limit) or after an alert's commit point. */
static int replay_range(struct run *r, uint64_t n, const char *anchor,
                        size_t anchor_len)
{
    uint64_t start = r->size;

    while (r->size < n) {
        uint64_t tile = r->size / TILE_WIDTH, first = tile * TILE_WIDTH;
        unsigned w =
            n - first >= TILE_WIDTH ? TILE_WIDTH : (unsigned)(n - first);
        const uint8_t *e;
        uint8_t *data;
        size_t len, pos = 0, elen;
        unsigned j = 0;
        bool stop;
        int rc = entry_bundle(r, tile, w, &data, &len);

        if (rc != 0)
            return rc;
        while (j < w &&
               (rc = tile_bundle_next(data, len, &pos, &e, &elen)) == 1) {
            if (first + j >= r->size &&
                (rc = replay_entry(r, first + j, e, elen)) != 0) {
                free(data);
                return rc;
            }
            j++;
        }
        free(data);
        if (j < w)
            return client_fail(r->why, CLIENT_ERR_SYNTAX,
                               "entry bundle %" PRIu64
                               " holds %u entries, the checkpoint needs %u",
                               tile, j, w);
        if (r->hooks != NULL && r->hooks->progress != NULL)
            r->hooks->progress(r->hooks->ctx, r->size - start, n - start);
        if (r->size == n)
            break;
        stop = r->m->max_entries > 0 && r->size - start >= r->m->max_entries;
        if (stop || r->size - r->committed >= r->m->commit_every) {
            if ((rc = commit_progress(r, anchor, anchor_len, !stop)) != 0)
                return rc;
            if (stop || r->res->alerts > 0)
                break;
        }
    }
    return 0;
}

/* ---- the run ---- */

/* Loads the state: the replayed size and compact range, the counts, the
 * anchor checkpoint (*anchor; NULL on a first run) and the latest verified
 * checkpoint (*latest, *lcp). */
static int load_state(struct run *r, char **anchor, size_t *anchor_len,
                      struct checkpoint *acp, char **latest, size_t *latest_len,
                      struct checkpoint *lcp)
{
    uint64_t need[MERKLE_MAX_NEEDED];
    uint8_t *v = NULL, root[MERKLE_HASH_SIZE];
    size_t len;
    bool found;

    *anchor = *latest = NULL;
    if (mstore_meta_get(r->t, "checkpoint", &v, &len, &found) != 0)
        return state_err(r);
    if (!found)
        return 0;
    *anchor = (char *)v;
    *anchor_len = len;
    if (client_verify_checkpoint(*anchor, len, &r->m->log, acp, NULL) != 0)
        return client_fail(r->why, CLIENT_ERR_STATE,
                           "%s: the saved checkpoint does not verify",
                           r->m->dir);
    if (mstore_meta_get(r->t, "latest", &v, &len, &found) != 0)
        return state_err(r);
    if (!found && (v = malloc(*anchor_len + 1)) !=
                      NULL) { /* a state from before "latest" */
        memcpy(v, *anchor, *anchor_len + 1);
        len = *anchor_len;
    }
    if (v == NULL)
        return client_fail(r->why, CLIENT_ERR_NOMEM, "out of memory");
    *latest = (char *)v;
    *latest_len = len;
    if (client_verify_checkpoint(*latest, len, &r->m->log, lcp, NULL) != 0)
        return client_fail(r->why, CLIENT_ERR_STATE,
                           "%s: the saved checkpoint does not verify",
                           r->m->dir);
    if (mstore_meta_get(r->t, "size", &v, &len, &found) != 0)
        return state_err(r);
    r->size = found && len == 8 ? get_u64(v) : UINT64_MAX;
    free(v);
    if (mstore_meta_get(r->t, "compact", &v, &len, &found) != 0)
        return state_err(r);
    r->c.n = found && len % 40 == 0 && len / 40 <= MERKLE_MAX_NEEDED
                 ? (int)(len / 40)
                 : -1;
    for (int i = 0; i < r->c.n; i++) {
        r->c.idx[i] = get_u64(v + 40 * i);
        memcpy(r->c.h[i], v + 40 * i + 8, MERKLE_HASH_SIZE);
    }
    free(v);
    if (r->size > lcp->size || acp->size > lcp->size || r->c.n < 0 ||
        r->c.n != merkle_tree_hash_needed(r->size, need))
        return client_fail(r->why, CLIENT_ERR_STATE,
                           "%s: state is inconsistent", r->m->dir);
    compact_root(&r->c, r->size, root);
    if ((r->size == lcp->size &&
         memcmp(root, lcp->root, MERKLE_HASH_SIZE) != 0) ||
        (r->size == acp->size &&
         memcmp(root, acp->root, MERKLE_HASH_SIZE) != 0))
        return client_fail(r->why, CLIENT_ERR_STATE,
                           "%s: state does not match its checkpoint",
                           r->m->dir);
    r->committed = r->size;
    if (mstore_meta_get(r->t, "counts", &v, &len, &found) != 0)
        return state_err(r);
    for (int i = 1; found && len == 32 && i <= 4; i++)
        r->res->counts[i] = get_u64(v + 8 * (i - 1));
    free(v);
    /* A state from before the time checks has none: they start at the next
     * MAP entry. */
    if (mstore_meta_get(r->t, "times", &v, &len, &found) != 0)
        return state_err(r);
    if (found && timecheck_decode(&r->tc, v, len) != 0) {
        free(v);
        return client_fail(r->why, CLIENT_ERR_STATE,
                           "%s: state is inconsistent (times)", r->m->dir);
    }
    free(v);
    return 0;
}

int client_monitor_run(struct client_monitor *m, struct client_api *api,
                       const struct client_monitor_hooks *hooks,
                       struct client_monitor_result *res, char *why)
{
    struct run *r = calloc(1, sizeof *r);
    struct checkpoint anchor, latest, cur;
    char *anchor_note = NULL, *latest_note = NULL, *note = NULL,
         inner[CLIENT_REASON_MAX];
    size_t anchor_len = 0, latest_len = 0, note_len;
    bool consistent;
    int rc;

    memset(res, 0, sizeof *res);
    if (r == NULL)
        return client_fail(why, CLIENT_ERR_NOMEM, "out of memory");
    r->m = m;
    r->api = api;
    r->hooks = hooks;
    r->res = res;
    r->why = why;
    r->pending = malloc(MAP_BATCH * sizeof *r->pending);
    if (r->pending == NULL) {
        free(r);
        return client_fail(why, CLIENT_ERR_NOMEM, "out of memory");
    }
    memset(&anchor, 0, sizeof anchor);
    memset(&latest, 0, sizeof latest);
    timecheck_init(&r->tc);

    /* 1. The log's checkpoint, signed by its key. */
    if ((rc = client_api_checkpoint(api, &note, &note_len, why)) != 0)
        goto out;
    if (client_verify_checkpoint(note, note_len, &m->log, &cur, inner) != 0) {
        rc = client_fail(why, CLIENT_ERR_SYNTAX, "%s/checkpoint: %s",
                         client_api_url(api), inner);
        goto out;
    }
    r->cur = &cur;
    r->note = note;
    r->note_len = note_len;
    res->new_size = cur.size;
    if ((rc = mstore_reserve(m->st, cur.size * (uint64_t)BYTES_PER_ENTRY,
                             why)) != 0)
        goto out;

    /* 2. What we verified before. */
    if ((rc = mstore_begin(m->st, true, &r->t, why)) != 0)
        goto out;
    mstore_smt(r->t, &r->smt);
    if ((rc = load_state(r, &anchor_note, &anchor_len, &anchor, &latest_note,
                         &latest_len, &latest)) != 0)
        goto out;
    res->first_run = anchor_note == NULL;
    res->old_size = r->size;
    res->resumed = latest_note != NULL && r->size < latest.size;

    /* 3. Shrinking, forks, consistency with the latest checkpoint verified
     * (which extends every earlier one). */
    if (latest_note != NULL) {
        if (cur.size < latest.size) {
            alert(r, latest_note, note,
                  "the log shrank: it signed a tree of %" PRIu64
                  " entries and now signs %" PRIu64,
                  latest.size, cur.size);
            goto out;
        }
        if (cur.size == latest.size &&
            memcmp(cur.root, latest.root, MERKLE_HASH_SIZE) != 0) {
            alert(r, latest_note, note,
                  "fork: the log signed two different trees of size %" PRIu64,
                  cur.size);
            goto out;
        }
        if (cur.size > latest.size && latest.size > 0) {
            if ((rc = prove_consistency(r, &latest, &cur, &consistent)) != 0)
                goto out;
            if (!consistent) {
                alert(r, latest_note, note,
                      "fork: the log's tree of size %" PRIu64
                      " is not an extension of the tree of size %" PRIu64
                      " verified before",
                      cur.size, latest.size);
                goto out;
            }
        }
    }

    /* 4. Every new entry, checked against the root and replayed; the last
     * entry of the anchor and of this checkpoint must be MAP entries. */
    r->ends[0] = anchor_note != NULL && r->size < anchor.size ? anchor.size : 0;
    r->ends[1] = cur.size;
    if (r->size < cur.size &&
        (rc = replay_range(r, cur.size, anchor_note, anchor_len)) != 0)
        goto out;

    /* 5. Keep it, only if all is well. */
    if (r->size == cur.size &&
        (r->size > r->committed || anchor_note == NULL) &&
        (rc = commit_progress(r, anchor_note, anchor_len, false)) != 0)
        goto out;
    res->complete = r->committed == cur.size;
    res->verified = r->committed;
out:
    mstore_abort(r->t);
    r->t = NULL;
    cache_free(r);
    free(anchor_note);
    free(latest_note);
    free(note);
    free(r->pending);
    free(r);
    if (rc == 0 && res->alerts > 0)
        rc = client_fail(why, CLIENT_ERR_INVALID, "%lu alert(s)", res->alerts);
    return rc;
}

int client_monitor_issuers(struct client_monitor *m,
                           void (*fn)(void *ctx, const char *issuer,
                                      unsigned keys, uint64_t issued,
                                      uint64_t revoked),
                           void *ctx, char *why)
{
    struct mstore_txn *t;
    int rc = mstore_begin(m->st, false, &t, why);

    if (rc != 0)
        return rc;
    if (mstore_issuers_each(t, fn, ctx) != 0)
        rc = client_fail(why, CLIENT_ERR_STATE, "monitor state: %s",
                         mstore_error(t));
    mstore_abort(t);
    return rc;
}
