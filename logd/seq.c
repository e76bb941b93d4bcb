/*
 * seq.c: the sequencer. See seq.h.
 *
 * State. The committed state (tree size, the right edge of the tree, the map
 * root, entry counts, the time of the last MAP entry, the key set and the
 * latest checkpoint) lives in struct seq and changes only after a durable
 * commit. A batch works on a copy, so a failed or retried transaction leaves
 * nothing behind in memory either.
 *
 * The right edge ("frontier"): for a tree of size n, frontier[l] is the hash
 * of the complete subtree of height l ending at leaf n (for each bit l set in
 * n). Those are exactly the stored hashes that the next appends and the root
 * need, so a batch reads no tree hash from LMDB.
 */
#define _GNU_SOURCE /* pthread_setname_np */
#include "logd/seq.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "logd/log.h"
#include "proofs/merkle.h"
#include "proofs/smt.h"

#define FRONTIER_LEVELS 64

struct tree {
    uint64_t size;
    uint8_t frontier[FRONTIER_LEVELS][MERKLE_HASH_SIZE];
    uint8_t map_root[SMT_HASH_SIZE];
    uint64_t counts[STORE_COUNTS];
    uint64_t last_time_ms;
};

/* One credential change of a batch, for the map update. */
struct map_change {
    uint8_t key[SMT_KEY_SIZE];
    uint8_t value[SMT_VALUE_SIZE];
    uint64_t order;
};

/* What a batch does besides the queued requests. */
struct batch {
    struct seq_req *reqs;    /* list, FIFO */
    struct issuer_key *want; /* desired key set, if has_want */
    size_t nwant;
    bool has_want;
    bool force; /* append a MAP entry even if nothing else */
    /* Key changes made (for the log after the commit). */
    struct issuer_key *removed, *added;
    size_t nremoved, nadded;
};

struct seq {
    struct store *store;
    struct signer *signer;
    struct metrics *metrics;
    struct seq_config cfg;
    char log_vkey[NOTE_KEY_TEXT_MAX];

    /* Committed state: written by the batch runner only. */
    struct tree tree;
    struct seq_checkpoint *checkpoint;
    bool has_log_key;
    atomic_uint_fast64_t size; /* tree.size, for other threads */

    pthread_mutex_t keys_mu; /* guards keys (the pointer) */
    struct issuers *keys;

    /* The queue. */
    pthread_mutex_t mu;
    pthread_cond_t cond;
    struct seq_req *head, *tail;
    uint64_t pending;
    struct issuer_key *reload;
    size_t nreload;
    bool reload_pending;
    /* A reload whose batch found the storage full: applied with the next
     * batch (submissions or heartbeat) unless a newer reload comes first. */
    struct issuer_key *retry;
    size_t nretry;
    bool stopping;
    bool started;
    pthread_t thread;
    struct timespec last_commit; /* CLOCK_MONOTONIC */

    /* Batch scratch, reused. */
    struct map_change *changes;
    size_t nchanges, capchanges;
};

const char *seq_strerror(int err)
{
    switch (err) {
    case SEQ_OK:
        return "success";
    case SEQ_ERR_CONFLICT:
        return "credential issued by another issuer";
    case SEQ_ERR_NOT_ISSUED:
        return "credential was never issued";
    case SEQ_ERR_FORBIDDEN:
        return "forbidden";
    case SEQ_ERR_FULL:
        return "storage is full";
    case SEQ_ERR_STOPPING:
        return "logd is shutting down";
    case SEQ_ERR_BUSY:
        return "too many submissions waiting";
    case SEQ_ERR_INTERNAL:
        return "internal error";
    case SEQ_ERR_NOMEM:
        return "out of memory";
    default:
        return "unknown sequencer error";
    }
}

void seq_checkpoint_unref(struct seq_checkpoint *cp)
{
    if (cp != NULL &&
        atomic_fetch_sub_explicit(&cp->refs, 1, memory_order_acq_rel) == 1)
        free(cp);
}

static struct seq_checkpoint *checkpoint_new(const char *note, size_t len,
                                             uint64_t size)
{
    struct seq_checkpoint *cp = malloc(sizeof *cp + len + 1);

    if (cp == NULL)
        return NULL;
    atomic_init(&cp->refs, 1);
    cp->size = size;
    cp->len = len;
    memcpy(cp->note, note, len);
    cp->note[len] = '\0';
    return cp;
}

static struct seq_checkpoint *checkpoint_ref(struct seq_checkpoint *cp)
{
    atomic_fetch_add_explicit(&cp->refs, 1, memory_order_relaxed);
    return cp;
}

static uint64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static double seconds_since(const struct timespec *t0)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) + (t.tv_nsec - t0->tv_nsec) / 1e9;
}

static struct timespec ts_add_ms(struct timespec t, uint64_t ms)
{
    t.tv_sec += (time_t)(ms / 1000);
    t.tv_nsec += (long)(ms % 1000) * 1000000;
    if (t.tv_nsec >= 1000000000) {
        t.tv_sec++;
        t.tv_nsec -= 1000000000;
    }
    return t;
}

static bool ts_before(const struct timespec *a, const struct timespec *b)
{
    return a->tv_sec < b->tv_sec ||
           (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

/* ---- tree hashes from the frontier ---- */

/* Reads the stored hashes idx[0..n) of tree t: from the frontier when they
 * are on the right edge (always, for appends and the root), else from w. */
static int tree_hashes(const struct tree *t, struct store_txn *w,
                       const uint64_t *idx, int n,
                       uint8_t (*out)[MERKLE_HASH_SIZE])
{
    for (int i = 0; i < n; i++) {
        int level;
        uint64_t k;

        merkle_split_stored_index(idx[i], &level, &k);
        if (level < FRONTIER_LEVELS && ((t->size >> level) & 1) &&
            k == (t->size >> level) - 1) {
            memcpy(out[i], t->frontier[level], MERKLE_HASH_SIZE);
            continue;
        }
        int err = store_read_hashes(w, &idx[i], 1, &out[i]);
        if (err != 0)
            return err;
    }
    return 0;
}

static int tree_root(const struct tree *t, struct store_txn *w,
                     uint8_t root[MERKLE_HASH_SIZE])
{
    uint64_t idx[MERKLE_MAX_NEEDED];
    uint8_t h[MERKLE_MAX_NEEDED][MERKLE_HASH_SIZE];
    int n = merkle_tree_hash_needed(t->size, idx);
    int err;

    if (n < 0)
        return STORE_ERR_CORRUPT;
    if ((err = tree_hashes(t, w, idx, n, h)) != 0)
        return err;
    merkle_tree_hash(t->size, (const uint8_t(*)[MERKLE_HASH_SIZE])h, root);
    return 0;
}

/* Appends one entry: its bytes, its stored hashes, the new right edge. */
static int tree_append(struct tree *t, struct store_txn *w, uint8_t type,
                       const uint8_t *entry, size_t len)
{
    uint64_t idx[MERKLE_MAX_NEEDED];
    uint8_t need[MERKLE_MAX_NEEDED][MERKLE_HASH_SIZE];
    uint8_t out[FRONTIER_LEVELS + 1][MERKLE_HASH_SIZE];
    uint8_t leaf[MERKLE_HASH_SIZE];
    uint64_t n = t->size;
    int k = merkle_append_needed(n, idx);
    int c = merkle_append_count(n);
    int err;

    if (k < 0 || c < 1 || c > FRONTIER_LEVELS)
        return STORE_ERR_CORRUPT;
    if ((err = tree_hashes(t, w, idx, k, need)) != 0)
        return err;
    merkle_leaf_hash(entry, len, leaf);
    merkle_append_hashes(n, leaf, (const uint8_t(*)[MERKLE_HASH_SIZE])need,
                         out);
    if ((err = store_append_entry(w, n, entry, len)) != 0 ||
        (err = store_append_hashes(w, merkle_stored_count(n),
                                   (const uint8_t(*)[MERKLE_HASH_SIZE])out,
                                   (size_t)c)) != 0)
        return err;
    /* Leaf n completes subtrees of heights 0..c-1; in size n+1 only the
     * highest is on the right edge (bit c-1 set, lower bits clear). */
    memcpy(t->frontier[c - 1], out[c - 1], MERKLE_HASH_SIZE);
    t->size = n + 1;
    if (type < STORE_COUNTS)
        t->counts[type]++;
    return 0;
}

/* Encodes and appends a log-made entry (MAP or KEY), stamped with the time
 * (never earlier than the previous one). */
static int append_log_entry(struct tree *t, struct store_txn *w,
                            struct entry *e)
{
    uint8_t buf[ENTRY_MAX_SIZE];
    uint64_t now = now_ms();
    int len;

    if (now < t->last_time_ms)
        now = t->last_time_ms;
    e->timestamp_ms = now;
    t->last_time_ms = now;
    len = entry_encode(e, buf, sizeof buf);
    if (len < 0)
        return STORE_ERR_CORRUPT;
    return tree_append(t, w, e->type, buf, (size_t)len);
}

/* ---- map changes ---- */

static int change_add(struct seq *q, const uint8_t key[SMT_KEY_SIZE],
                      uint64_t issue, uint64_t revoke)
{
    struct map_change *c;

    if (q->nchanges == q->capchanges) {
        size_t ncap = q->capchanges ? 2 * q->capchanges : 1024;
        c = realloc(q->changes, ncap * sizeof *c);
        if (c == NULL)
            return STORE_ERR_NOMEM;
        q->changes = c;
        q->capchanges = ncap;
    }
    c = &q->changes[q->nchanges];
    memcpy(c->key, key, SMT_KEY_SIZE);
    smt_value_encode(issue, revoke, c->value);
    c->order = q->nchanges++;
    return 0;
}

static int change_cmp(const void *a, const void *b)
{
    const struct map_change *x = a, *y = b;
    int c = memcmp(x->key, y->key, SMT_KEY_SIZE);

    if (c != 0)
        return c;
    return x->order < y->order ? -1 : x->order > y->order;
}

/* Applies the batch's credential changes to the map: sorted by key, the last
 * change of each key wins. */
static int map_apply(struct seq *q, struct tree *t, struct store_txn *w)
{
    struct smt_store st;
    struct smt_update *u;
    size_t n = 0;
    int rc;

    if (q->nchanges == 0)
        return 0;
    qsort(q->changes, q->nchanges, sizeof q->changes[0], change_cmp);
    u = malloc(q->nchanges * sizeof *u);
    if (u == NULL)
        return STORE_ERR_NOMEM;
    for (size_t i = 0; i < q->nchanges; i++) {
        if (i + 1 < q->nchanges &&
            memcmp(q->changes[i].key, q->changes[i + 1].key, SMT_KEY_SIZE) == 0)
            continue;
        memcpy(u[n].key, q->changes[i].key, SMT_KEY_SIZE);
        memcpy(u[n].value, q->changes[i].value, SMT_VALUE_SIZE);
        n++;
    }
    store_smt(w, &st);
    rc = smt_update(&st, u, n, t->map_root);
    free(u);
    if (rc == 0 || CREDLOG_ERR_IN(rc, STORE_ERR_BASE))
        return rc; /* the node store's own code (STORE_ERR_MAP_FULL, ...) */
    return STORE_ERR_CORRUPT; /* the stored map is impossible */
}

/* ---- one request: plan (no writes), then write ---- */

/* A credential as the request sees it: the store's state plus the request's
 * own earlier submissions. */
struct cred_slot {
    uint8_t hash[ENTRY_CREDENTIAL_SIZE];
    bool used, exists, dirty;
    uint64_t issue, revoke;
    char issuer[NOTE_NAME_MAX + 1];
};

struct overlay {
    struct cred_slot *slot;
    size_t mask;
};

static int overlay_get(struct overlay *o, struct store_txn *w,
                       const uint8_t hash[ENTRY_CREDENTIAL_SIZE],
                       struct cred_slot **out)
{
    uint64_t h = 0;
    size_t i;

    for (int b = 0; b < 8; b++)
        h = h << 8 | hash[b];
    for (i = (size_t)h & o->mask;; i = (i + 1) & o->mask) {
        struct cred_slot *s = &o->slot[i];
        if (!s->used)
            break;
        if (memcmp(s->hash, hash, ENTRY_CREDENTIAL_SIZE) == 0) {
            *out = s;
            return 0;
        }
    }
    struct cred_slot *s = &o->slot[i];
    struct store_credential c;
    int err;

    s->used = true;
    memcpy(s->hash, hash, ENTRY_CREDENTIAL_SIZE);
    err = store_credential(w, hash, &c);
    if (err == STORE_ERR_NOTFOUND) {
        *out = s;
        return 0;
    }
    if (err != 0)
        return err;
    /* Known: who issued it is in its ISSUE entry. */
    uint8_t buf[ENTRY_MAX_SIZE];
    size_t len;
    struct entry e;
    if ((err = store_entry(w, c.issue_index, buf, sizeof buf, &len)) != 0)
        return err == STORE_ERR_NOTFOUND ? STORE_ERR_CORRUPT : err;
    if (entry_decode(buf, len, &e) != 0 || e.type != ENTRY_ISSUE ||
        memcmp(e.credential, hash, ENTRY_CREDENTIAL_SIZE) != 0)
        return STORE_ERR_CORRUPT;
    s->exists = true;
    s->issue = c.issue_index;
    s->revoke = c.revoke_index;
    memcpy(s->issuer, e.issuer, sizeof s->issuer);
    *out = s;
    return 0;
}

static void refuse(struct seq_req *r, size_t pos, int result, const char *fmt,
                   ...)
{
    va_list ap;
    int n;

    r->result = result;
    r->position = pos;
    n = snprintf(r->message, sizeof r->message, "entries[%zu]: ", pos);
    va_start(ap, fmt);
    vsnprintf(r->message + n, sizeof r->message - (size_t)n, fmt, ap);
    va_end(ap);
}

/* Applies one request against t/w (which include the batch so far). A
 * refusal sets r->result and writes nothing. Returns 0 or a STORE_ERR_*
 * failure of the transaction. */
static int apply_request(struct seq *q, struct tree *t, struct store_txn *w,
                         const struct issuers *keys, struct seq_req *r)
{
    struct overlay o;
    size_t cap = 4;
    uint64_t next = t->size;
    int err = 0;

    r->result = SEQ_OK;
    while (cap < 2 * r->n)
        cap *= 2;
    o.slot = calloc(cap, sizeof *o.slot);
    if (o.slot == NULL)
        return STORE_ERR_NOMEM;
    o.mask = cap - 1;

    for (size_t i = 0; i < r->n; i++) {
        struct seq_sub *s = &r->subs[i];
        const struct entry *e = &s->e;
        const struct issuer_key *k = issuers_find(keys, e->issuer, e->key_id);
        struct cred_slot *c;

        s->appended = false;
        if (k == NULL || memcmp(k->pub, s->pub, ED25519_PUBLIC_SIZE) != 0) {
            refuse(r, i, SEQ_ERR_FORBIDDEN,
                   "the key of issuer %s is not authorized", e->issuer);
            goto done;
        }
        if ((err = overlay_get(&o, w, e->credential, &c)) != 0)
            goto done;
        if (e->type == ENTRY_ISSUE) {
            if (c->exists && strcmp(c->issuer, e->issuer) != 0) {
                refuse(r, i, SEQ_ERR_CONFLICT,
                       "credential already issued by %s", c->issuer);
                goto done;
            }
            if (c->exists) {
                s->index = c->issue;
                continue;
            }
            c->exists = c->dirty = true;
            c->issue = next;
            c->revoke = SMT_NONE;
            memcpy(c->issuer, e->issuer, sizeof c->issuer);
        } else {
            if (!c->exists) {
                refuse(r, i, SEQ_ERR_NOT_ISSUED, "credential was never issued");
                goto done;
            }
            if (strcmp(c->issuer, e->issuer) != 0) {
                refuse(r, i, SEQ_ERR_FORBIDDEN,
                       "credential was issued by %s, not by this issuer",
                       c->issuer);
                goto done;
            }
            if (c->revoke != SMT_NONE) {
                s->index = c->revoke;
                continue;
            }
            c->dirty = true;
            c->revoke = next;
        }
        s->index = next++;
        s->appended = true;
    }

    /* Every check passed: write. */
    for (size_t i = 0; i < r->n; i++) {
        struct seq_sub *s = &r->subs[i];
        if (!s->appended)
            continue;
        if (s->index != t->size) {
            err = STORE_ERR_CORRUPT;
            goto done;
        }
        if ((err = tree_append(t, w, s->e.type, s->bytes, s->len)) != 0)
            goto done;
    }
    for (size_t i = 0; i <= o.mask; i++) {
        struct cred_slot *c = &o.slot[i];
        struct store_credential sc;
        if (!c->used || !c->dirty)
            continue;
        sc.issue_index = c->issue;
        sc.revoke_index = c->revoke;
        if ((err = store_put_credential(w, c->hash, &sc)) != 0 ||
            (err = change_add(q, c->hash, c->issue, c->revoke)) != 0)
            goto done;
    }
done:
    free(o.slot);
    return err;
}

/* ---- key changes ---- */

static int apply_keys(struct tree *t, struct store_txn *w,
                      struct issuers **keys, struct batch *b)
{
    struct issuer_key *list = NULL;
    size_t n = 0, cur = issuers_count(*keys);
    struct issuers *next;
    int err;

    free(b->removed);
    free(b->added);
    b->removed = b->added = NULL;
    if (issuers_diff(*keys, b->want, b->nwant, &b->removed, &b->nremoved,
                     &b->added, &b->nadded) != 0)
        return STORE_ERR_NOMEM;
    if (b->nremoved == 0 && b->nadded == 0)
        return 0;
    list = malloc((cur + b->nadded) * sizeof *list);
    if (list == NULL)
        return STORE_ERR_NOMEM;
    for (size_t i = 0; i < cur; i++) {
        const struct issuer_key *k = issuers_at(*keys, i);
        bool gone = false;
        for (size_t j = 0; j < b->nremoved && !gone; j++)
            gone = strcmp(k->name, b->removed[j].name) == 0 &&
                   memcmp(k->pub, b->removed[j].pub, ED25519_PUBLIC_SIZE) == 0;
        if (!gone)
            list[n++] = *k;
    }
    for (size_t i = 0; i < b->nremoved + b->nadded; i++) {
        bool add = i >= b->nremoved;
        struct issuer_key *k =
            add ? &b->added[i - b->nremoved] : &b->removed[i];
        struct entry e;

        memset(&e, 0, sizeof e);
        e.type = ENTRY_KEY;
        e.key_op = add ? ENTRY_KEY_ADD : ENTRY_KEY_REMOVE;
        memcpy(e.issuer, k->name, sizeof e.issuer);
        memcpy(e.public_key, k->pub, ED25519_PUBLIC_SIZE);
        if (add)
            k->added_index = t->size;
        if ((err = append_log_entry(t, w, &e)) != 0)
            goto fail;
        if (add) {
            err = store_put_key(w, k->name, k->pub, k->added_index);
            list[n++] = *k;
        } else {
            err = store_del_key(w, k->name, k->pub);
        }
        if (err != 0)
            goto fail;
    }
    next = issuers_new(list, n);
    free(list);
    if (next == NULL)
        return STORE_ERR_NOMEM;
    issuers_unref(*keys);
    *keys = next;
    return 0;
fail:
    free(list);
    return err;
}

/* ---- a batch ---- */

static void finish_requests(struct batch *b, int result, const char *message,
                            struct seq_checkpoint *cp)
{
    for (struct seq_req *r = b->reqs; r != NULL; r = r->next) {
        if (result != SEQ_OK) {
            r->result = result;
            r->position = 0;
            snprintf(r->message, sizeof r->message, "%s", message);
        }
        if (r->result == SEQ_OK)
            r->checkpoint = checkpoint_ref(cp);
    }
}

static void log_key_changes(const struct batch *b)
{
    char vkey[NOTE_KEY_TEXT_MAX];

    for (size_t i = 0; i < b->nremoved; i++)
        if (issuers_format(&b->removed[i], vkey, sizeof vkey) > 0)
            log_msg("issuer key removed: %s", vkey);
    for (size_t i = 0; i < b->nadded; i++)
        if (issuers_format(&b->added[i], vkey, sizeof vkey) > 0)
            log_msg("issuer key added: %s (entry %llu)", vkey,
                    (unsigned long long)b->added[i].added_index);
}

/* Runs one batch to its durable commit, retrying after growing the map, and
 * sets every request's result. Returns 0 or a SEQ_ERR_* code for the whole
 * batch. */
static int run_batch(struct seq *q, struct batch *b)
{
    char note[SIGNER_CHECKPOINT_MAX];
    struct timespec start;
    struct tree t;
    struct issuers *keys = NULL;
    struct store_txn *w = NULL;
    struct seq_checkpoint *cp = NULL;
    uint8_t root[MERKLE_HASH_SIZE];
    int err, note_len = 0;

    for (;;) {
        clock_gettime(CLOCK_MONOTONIC, &start);
        t = q->tree;
        issuers_unref(keys);
        keys = seq_issuers(q);
        q->nchanges = 0;
        b->nremoved = b->nadded = 0;

        if ((err = store_write_begin(q->store, &w)) != 0)
            goto failed;
        if (b->has_want && (err = apply_keys(&t, w, &keys, b)) != 0)
            goto failed;
        for (struct seq_req *r = b->reqs; r != NULL; r = r->next)
            if ((err = apply_request(q, &t, w, keys, r)) != 0)
                goto failed;
        if (t.size == q->tree.size && !b->force) {
            /* Nothing appended (only existing receipts or refusals): the
             * latest checkpoint covers every receipt. */
            store_write_abort(w);
            w = NULL;
            issuers_unref(keys);
            if (q->checkpoint == NULL) {
                finish_requests(b, SEQ_ERR_INTERNAL, "no checkpoint yet", NULL);
                return SEQ_ERR_INTERNAL;
            }
            finish_requests(b, SEQ_OK, NULL, q->checkpoint);
            return 0;
        }
        if ((err = map_apply(q, &t, w)) != 0)
            goto failed;
        {
            struct entry e;
            memset(&e, 0, sizeof e);
            e.type = ENTRY_MAP;
            e.map_index = t.size;
            memcpy(e.map_root, t.map_root, SMT_HASH_SIZE);
            if ((err = append_log_entry(&t, w, &e)) != 0)
                goto failed;
        }
        if ((err = tree_root(&t, w, root)) != 0)
            goto failed;
        note_len =
            signer_sign_checkpoint(q->signer, t.size, root, note, sizeof note);
        if (note_len < 0) {
            err = STORE_ERR_IO;
            log_msg("cannot sign the checkpoint of size %llu",
                    (unsigned long long)t.size);
            goto failed;
        }
        if ((err = store_put_checkpoint(w, note, (size_t)note_len)) != 0 ||
            (err = store_put_counts(w, t.counts)) != 0)
            goto failed;
        if (!q->has_log_key && (err = store_put_log_key(w, q->log_vkey)) != 0)
            goto failed;
        err = store_write_commit(w);
        w = NULL;
        if (err == 0)
            break;
    failed:
        store_write_abort(w);
        w = NULL;
        if (err == STORE_ERR_MAP_FULL) {
            int gerr = store_grow(q->store);
            if (gerr == 0) {
                log_msg("storage map grown to %llu bytes",
                        (unsigned long long)store_map_size(q->store));
                continue;
            }
            if (gerr == STORE_ERR_MAP_FULL)
                log_msg("storage map cannot grow beyond %llu bytes now "
                        "(--map-max, or no address space left)",
                        (unsigned long long)store_map_size(q->store));
            else
                log_msg("storage map cannot grow: %s: LMDB lost its map, "
                        "restart logd",
                        store_strerror(gerr));
        }
        issuers_unref(keys);
        if (err == STORE_ERR_MAP_FULL || err == STORE_ERR_DISK_FULL) {
            log_msg("batch not committed: %s", store_strerror(err));
            finish_requests(
                b, SEQ_ERR_FULL,
                err == STORE_ERR_DISK_FULL
                    ? "the log's disk is full: nothing was "
                      "appended, try again later"
                    : "the log's storage map is at its size "
                      "limit: nothing was appended, try again later",
                NULL);
            return SEQ_ERR_FULL;
        }
        log_msg("batch not committed: %s", store_strerror(err));
        finish_requests(b, SEQ_ERR_INTERNAL, "internal storage error", NULL);
        return err == STORE_ERR_NOMEM ? SEQ_ERR_NOMEM : SEQ_ERR_INTERNAL;
    }

    /* Durable: publish the new state, then answer. */
    cp = checkpoint_new(note, (size_t)note_len, t.size);
    if (cp == NULL) {
        /* The batch is committed; its requests cannot be answered with a
         * receipt, but clients retry safely (exactly once). */
        finish_requests(b, SEQ_ERR_NOMEM, "out of memory", NULL);
        err = SEQ_ERR_NOMEM;
    }
    metrics_batch(q->metrics, t.size - q->tree.size, seconds_since(&start));
    q->tree = t;
    q->has_log_key = true;
    atomic_store(&q->size, t.size);
    pthread_mutex_lock(&q->keys_mu);
    issuers_unref(q->keys);
    q->keys = keys;
    pthread_mutex_unlock(&q->keys_mu);
    clock_gettime(CLOCK_MONOTONIC, &q->last_commit);
    metrics_state(q->metrics, t.size, t.counts, store_map_size(q->store));
    log_key_changes(b);
    if (cp == NULL)
        return err;
    seq_checkpoint_unref(q->checkpoint);
    q->checkpoint = cp;
    finish_requests(b, SEQ_OK, NULL, cp);
    return 0;
}

/* ---- setup ---- */

struct key_list {
    struct issuer_key *k;
    size_t n, cap;
};

static int load_key_cb(void *arg, const char *issuer, const uint8_t pub[32],
                       uint64_t added_index)
{
    struct key_list *l = arg;
    struct issuer_key *k;

    if (l->n == l->cap) {
        size_t ncap = l->cap ? 2 * l->cap : 16;
        k = realloc(l->k, ncap * sizeof *k);
        if (k == NULL)
            return STORE_ERR_NOMEM;
        l->k = k;
        l->cap = ncap;
    }
    k = &l->k[l->n++];
    memset(k, 0, sizeof *k);
    snprintf(k->name, sizeof k->name, "%s", issuer);
    memcpy(k->pub, pub, ED25519_PUBLIC_SIZE);
    k->key_id = note_key_id(issuer, NOTE_TYPE_ED25519, pub);
    k->added_index = added_index;
    return 0;
}

/* Loads the committed state from r. */
static int load_state(struct seq *q, struct store_txn *r, char *errbuf,
                      size_t errcap)
{
    char stored[NOTE_KEY_TEXT_MAX], note[SIGNER_CHECKPOINT_MAX];
    struct key_list keys = {NULL, 0, 0};
    size_t note_len;
    struct smt_store st;
    int err;

    if ((err = store_tree_size(r, &q->tree.size)) != 0)
        goto store_fail;
    err = store_log_key(r, stored, sizeof stored);
    if (err == 0) {
        q->has_log_key = true;
        if (strcmp(stored, q->log_vkey) != 0) {
            snprintf(errbuf, errcap,
                     "the data directory belongs to another log key (%s)",
                     stored);
            return SEQ_ERR_INTERNAL;
        }
    } else if (err != STORE_ERR_NOTFOUND || q->tree.size != 0) {
        goto store_fail;
    }
    for (int l = 0; l < FRONTIER_LEVELS; l++) {
        if (((q->tree.size >> l) & 1) == 0)
            continue;
        uint64_t idx = merkle_stored_index(l, (q->tree.size >> l) - 1);
        if ((err = store_read_hashes(r, &idx, 1, &q->tree.frontier[l])) != 0)
            goto store_fail;
    }
    if ((err = store_counts(r, q->tree.counts)) != 0)
        goto store_fail;
    store_smt(r, &st);
    if (smt_root(&st, q->tree.map_root) != 0) {
        err = STORE_ERR_IO;
        goto store_fail;
    }
    if (q->tree.size > 0) {
        uint8_t buf[ENTRY_MAX_SIZE];
        size_t len;
        struct entry e;
        if ((err = store_entry(r, q->tree.size - 1, buf, sizeof buf, &len)) !=
            0)
            goto store_fail;
        if (entry_decode(buf, len, &e) != 0 || e.type != ENTRY_MAP ||
            e.map_index != q->tree.size - 1 ||
            memcmp(e.map_root, q->tree.map_root, SMT_HASH_SIZE) != 0) {
            snprintf(errbuf, errcap,
                     "the last entry is not a MAP entry matching the map");
            return SEQ_ERR_INTERNAL;
        }
        q->tree.last_time_ms = e.timestamp_ms;
        if ((err = store_checkpoint(r, note, sizeof note, &note_len)) != 0)
            goto store_fail;
        q->checkpoint = checkpoint_new(note, note_len, q->tree.size);
        if (q->checkpoint == NULL)
            return SEQ_ERR_NOMEM;
    }
    if ((err = store_keys(r, load_key_cb, &keys)) != 0) {
        free(keys.k);
        goto store_fail;
    }
    q->keys = issuers_new(keys.k, keys.n);
    free(keys.k);
    if (q->keys == NULL)
        return SEQ_ERR_NOMEM;
    return 0;
store_fail:
    snprintf(errbuf, errcap, "cannot read the log's state: %s",
             store_strerror(err));
    return SEQ_ERR_INTERNAL;
}

int seq_open(struct store *store, struct signer *signer,
             struct metrics *metrics, const struct seq_config *cfg,
             struct seq **out, char *errbuf, size_t errcap)
{
    struct note_verifier v;
    struct store_txn *r = NULL;
    pthread_condattr_t ca;
    struct seq *q;
    int err;

    *out = NULL;
    q = calloc(1, sizeof *q);
    if (q == NULL) {
        snprintf(errbuf, errcap, "out of memory");
        return SEQ_ERR_NOMEM;
    }
    q->store = store;
    q->signer = signer;
    q->metrics = metrics;
    q->cfg = *cfg;
    if (q->cfg.batch_max == 0)
        q->cfg.batch_max = 4096;
    if (q->cfg.max_pending == 0)
        q->cfg.max_pending = 65536;
    pthread_mutex_init(&q->keys_mu, NULL);
    pthread_mutex_init(&q->mu, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&q->cond, &ca);
    pthread_condattr_destroy(&ca);
    clock_gettime(CLOCK_MONOTONIC, &q->last_commit);
    signer_verifier(signer, &v);
    if (note_verifier_format(&v, q->log_vkey, sizeof q->log_vkey) < 0) {
        snprintf(errbuf, errcap, "cannot format the log key");
        seq_free(q);
        return SEQ_ERR_INTERNAL;
    }
    if ((err = store_reader_new(store, &r)) != 0 ||
        (err = store_read_begin(r)) != 0) {
        snprintf(errbuf, errcap, "cannot read the data directory: %s",
                 store_strerror(err));
        store_reader_free(r);
        seq_free(q);
        return SEQ_ERR_INTERNAL;
    }
    err = load_state(q, r, errbuf, errcap);
    store_reader_free(r);
    if (err != 0) {
        seq_free(q);
        return err;
    }
    atomic_store(&q->size, q->tree.size);
    metrics_state(metrics, q->tree.size, q->tree.counts, store_map_size(store));
    *out = q;
    return 0;
}

int seq_sync_issuers(struct seq *q, const struct issuer_key *want, size_t n)
{
    struct batch b;
    int err;

    memset(&b, 0, sizeof b);
    b.want = (struct issuer_key *)want;
    b.nwant = n;
    b.has_want = true;
    b.force = q->tree.size == 0;
    if (!b.force) {
        /* Only commit when the keys differ. */
        struct issuer_key *rm, *add;
        size_t nrm, nadd;
        if (issuers_diff(q->keys, want, n, &rm, &nrm, &add, &nadd) != 0)
            return SEQ_ERR_NOMEM;
        free(rm);
        free(add);
        if (nrm == 0 && nadd == 0)
            return 0;
    }
    err = run_batch(q, &b);
    free(b.removed);
    free(b.added);
    return err;
}

/* ---- the thread ---- */

static void *seq_main(void *arg)
{
    struct seq *q = arg;

    pthread_setname_np(pthread_self(), "logd-seq"); /* for top -H, /proc */

    pthread_mutex_lock(&q->mu);
    for (;;) {
        struct batch b;
        bool heartbeat = false;
        struct timespec now, deadline;
        int rc;

        while (q->head == NULL && !q->reload_pending && !q->stopping) {
            clock_gettime(CLOCK_MONOTONIC, &now);
            if (q->cfg.heartbeat_s == 0) {
                pthread_cond_wait(&q->cond, &q->mu);
                continue;
            }
            deadline =
                ts_add_ms(q->last_commit, (uint64_t)q->cfg.heartbeat_s * 1000);
            if (!ts_before(&now, &deadline)) {
                heartbeat = true;
                break;
            }
            pthread_cond_timedwait(&q->cond, &q->mu, &deadline);
        }
        if (q->head == NULL && !q->reload_pending && !heartbeat)
            break; /* stopping, nothing left */

        /* Wait for a full batch or the batch window, unless stopping. */
        if (q->head != NULL && !q->reload_pending) {
            deadline = ts_add_ms(q->head->queued, q->cfg.batch_wait_ms);
            while (!q->stopping && q->pending < q->cfg.batch_max) {
                clock_gettime(CLOCK_MONOTONIC, &now);
                if (!ts_before(&now, &deadline))
                    break;
                pthread_cond_timedwait(&q->cond, &q->mu, &deadline);
            }
        }

        memset(&b, 0, sizeof b);
        b.force = heartbeat;
        if (q->reload_pending) {
            b.want = q->reload;
            b.nwant = q->nreload;
            b.has_want = true;
            q->reload = NULL;
            q->nreload = 0;
            q->reload_pending = false;
        } else if (q->retry != NULL) {
            b.want = q->retry;
            b.nwant = q->nretry;
            b.has_want = true;
            q->retry = NULL;
            q->nretry = 0;
        }
        {
            struct seq_req **tail = &b.reqs;
            uint64_t taken = 0;
            while (q->head != NULL &&
                   (taken == 0 || taken + q->head->n <= q->cfg.batch_max)) {
                struct seq_req *r = q->head;
                q->head = r->next;
                r->next = NULL;
                taken += r->n;
                *tail = r;
                tail = &r->next;
            }
            if (q->head == NULL)
                q->tail = NULL;
            q->pending -= taken;
            metrics_pending(q->metrics, q->pending);
        }
        pthread_mutex_unlock(&q->mu);

        if (heartbeat)
            log_msg("heartbeat: appending a MAP entry");
        if (b.has_want)
            log_msg("reloading issuers: %zu keys wanted", b.nwant);
        rc = run_batch(q, &b);
        if (rc == 0 && b.has_want && b.nremoved == 0 && b.nadded == 0)
            log_msg("issuer keys unchanged");
        if (rc == SEQ_ERR_FULL && b.has_want) {
            /* The key changes (perhaps the removal of a compromised key)
             * must not be forgotten: retry them with the next batch. */
            log_msg("issuer keys not updated yet (storage full): retrying "
                    "with the next batch");
            pthread_mutex_lock(&q->mu);
            if (!q->reload_pending && q->retry == NULL) {
                q->retry = b.want;
                q->nretry = b.nwant;
                b.want = NULL;
            }
            pthread_mutex_unlock(&q->mu);
        }
        for (struct seq_req *r = b.reqs, *next; r != NULL; r = next) {
            next = r->next;
            r->next = NULL;
            r->done(r);
        }
        free(b.want);
        free(b.removed);
        free(b.added);
        pthread_mutex_lock(&q->mu);
    }
    pthread_mutex_unlock(&q->mu);
    return NULL;
}

int seq_start(struct seq *q)
{
    if (pthread_create(&q->thread, NULL, seq_main, q) != 0)
        return SEQ_ERR_INTERNAL;
    q->started = true;
    return 0;
}

int seq_submit(struct seq *q, struct seq_req *req)
{
    req->next = NULL;
    req->result = SEQ_OK;
    req->checkpoint = NULL;
    req->message[0] = '\0';
    clock_gettime(CLOCK_MONOTONIC, &req->queued);
    pthread_mutex_lock(&q->mu);
    if (q->stopping) {
        pthread_mutex_unlock(&q->mu);
        return SEQ_ERR_STOPPING;
    }
    if (q->pending + req->n > q->cfg.max_pending) {
        pthread_mutex_unlock(&q->mu);
        return SEQ_ERR_BUSY;
    }
    if (q->tail != NULL)
        q->tail->next = req;
    else
        q->head = req;
    q->tail = req;
    q->pending += req->n;
    metrics_pending(q->metrics, q->pending);
    if (q->head == req || q->pending >= q->cfg.batch_max)
        pthread_cond_signal(&q->cond);
    pthread_mutex_unlock(&q->mu);
    return 0;
}

int seq_reload_issuers(struct seq *q, const struct issuer_key *want, size_t n)
{
    struct issuer_key *copy = NULL;

    if (n > 0) {
        copy = malloc(n * sizeof *copy);
        if (copy == NULL)
            return SEQ_ERR_NOMEM;
        memcpy(copy, want, n * sizeof *copy);
    }
    pthread_mutex_lock(&q->mu);
    if (q->stopping) {
        pthread_mutex_unlock(&q->mu);
        free(copy);
        return SEQ_ERR_STOPPING;
    }
    free(q->reload);
    free(q->retry); /* superseded */
    q->retry = NULL;
    q->nretry = 0;
    q->reload = copy;
    q->nreload = n;
    q->reload_pending = true;
    pthread_cond_signal(&q->cond);
    pthread_mutex_unlock(&q->mu);
    return 0;
}

struct issuers *seq_issuers(struct seq *q)
{
    struct issuers *k;

    pthread_mutex_lock(&q->keys_mu);
    k = issuers_ref(q->keys);
    pthread_mutex_unlock(&q->keys_mu);
    return k;
}

uint64_t seq_tree_size(struct seq *q)
{
    return atomic_load(&q->size);
}

void seq_stop(struct seq *q)
{
    pthread_mutex_lock(&q->mu);
    q->stopping = true;
    pthread_cond_broadcast(&q->cond);
    pthread_mutex_unlock(&q->mu);
    if (q->started) {
        pthread_join(q->thread, NULL);
        q->started = false;
    }
}

void seq_free(struct seq *q)
{
    if (q == NULL)
        return;
    issuers_unref(q->keys);
    seq_checkpoint_unref(q->checkpoint);
    free(q->reload);
    free(q->retry);
    free(q->changes);
    pthread_cond_destroy(&q->cond);
    pthread_mutex_destroy(&q->mu);
    pthread_mutex_destroy(&q->keys_mu);
    free(q);
}
