/* seq_batch.c: see seq_batch.h. */
#include "logd/seq_batch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "logd/log.h"
#include "logd/seq_admit.h"
#include "proofs/checkpoint.h"

/* ---- checkpoints shared by a batch's requests ---- */

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

static double seconds_since(const struct timespec *t0)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) +
           (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

/* ---- one request: admit (no writes), then write ---- */

/* Alarms (log line, metrics) when a batch's stamp refused the wall clock,
 * and says so once when the wall clock agrees again. */
static void clock_report(struct seq_state *q, const struct clockguard *before,
                         const struct clockguard *after)
{
    metrics_clock(q->metrics, after->refused, after->offset_ms);
    if (after->refused)
        log_msg("the wall clock is %lld s %s the monotonic clock's estimate "
                "(the last MAP time plus the time elapsed): not stamped; MAP "
                "entries carry the estimate until the clock is right "
                "(docs/operations.md, \"Clock jumps\")",
                (long long)(after->offset_ms > 0 ? after->offset_ms
                                                 : -after->offset_ms) /
                    1000,
                after->offset_ms > 0 ? "ahead of" : "behind");
    else if (before->refused)
        log_msg("the wall clock agrees with the monotonic clock again: MAP "
                "entries carry it again");
}

/* Applies one request against t/w (which include the batch so far). A
 * refusal sets r->result and writes nothing. Returns 0 or a STORE_ERR_*
 * failure of the transaction. */
static int apply_request(struct seq_state *q, struct seq_tree *t,
                         struct store_txn *w, const struct issuers *keys,
                         struct seq_req *r)
{
    struct seq_admit a;
    int err = seq_admit_request(&a, w, keys, t->edge.size, r);

    if (err != 0 || r->result != SEQ_OK)
        goto done;
    for (size_t i = 0; i < r->n; i++) {
        struct seq_sub *s = &r->subs[i];
        if (!s->appended)
            continue;
        if (s->index != t->edge.size) {
            err = STORE_ERR_CORRUPT;
            goto done;
        }
        if ((err = seq_tree_append(t, w, s->e.type, s->bytes, s->len)) != 0)
            goto done;
    }
    for (size_t i = 0; i <= a.mask; i++) {
        struct seq_admit_cred *c = &a.slot[i];
        if (!c->used || !c->dirty)
            continue;
        if ((err = seq_map_credential(&q->map, w, c->hash, c->issue,
                                      c->revoke)) != 0)
            goto done;
    }
done:
    seq_admit_free(&a);
    return err;
}

/* ---- key changes ---- */

/* Whether b's wanted keys may be applied: none the log removed (a removed key
 * is never authorized again, docs/protocol.md Part D), and every authorized
 * one with the identity of its KEY add entry. Returns 0 (b->refused set if
 * not, with the reason) or a STORE_ERR_* code. */
static int check_want(struct store_txn *w, const struct keymap *km,
                      struct seq_batch *b)
{
    char vkey[NOTE_KEY_TEXT_MAX];

    for (size_t i = 0; i < b->nwant; i++) {
        const struct issuer_key *k = &b->want[i];
        const struct keymap_key *m = keymap_find(km, k->name, k->pub);
        uint8_t buf[ENTRY_MAX_SIZE];
        struct entry e;
        size_t len;
        int err;

        if (m == NULL)
            continue;
        if (issuers_format(k, vkey, sizeof vkey) < 0)
            vkey[0] = '\0';
        if (m->removed != SMT_NONE) {
            b->refused = true;
            snprintf(b->refusal, sizeof b->refusal,
                     "the issuers file lists %s, which the log removed at "
                     "entry %llu: a removed key is never authorized again "
                     "(the institution makes a new key)",
                     vkey, (unsigned long long)m->removed);
            return 0;
        }
        if ((err = store_entry(w, m->added, buf, sizeof buf, &len)) != 0)
            return err;
        if (entry_decode(buf, len, &e) != 0 || e.type != ENTRY_KEY)
            return STORE_ERR_CORRUPT;
        if (e.identity_len != k->identity_len ||
            memcmp(e.identity, k->identity, k->identity_len) != 0) {
            b->refused = true;
            snprintf(b->refusal, sizeof b->refusal,
                     "the issuers file gives %s another identity than its KEY "
                     "entry %llu: an identity belongs to the KEY entry that "
                     "authorized the key (to change it, the institution makes "
                     "a new key)",
                     vkey, (unsigned long long)m->added);
            return 0;
        }
    }
    return 0;
}

/* Appends the KEY entries (version 2) that bring the authorized keys to
 * b->want, and replaces *keys and *km with the sets after them. */
static int apply_keys(struct seq_tree *t, struct store_txn *w,
                      struct issuers **keys, struct keymap **km,
                      struct seq_batch *b)
{
    struct issuer_key *list = NULL;
    struct keymap_change *ch = NULL;
    size_t n = 0, cur = issuers_count(*keys);
    struct issuers *next;
    struct keymap *next_km;
    int err;

    free(b->removed);
    free(b->added);
    b->removed = b->added = NULL;
    b->refused = false;
    if ((err = check_want(w, *km, b)) != 0 || b->refused)
        return err;
    if (issuers_diff(*keys, b->want, b->nwant, &b->removed, &b->nremoved,
                     &b->added, &b->nadded) != 0)
        return STORE_ERR_NOMEM;
    if (b->nremoved == 0 && b->nadded == 0)
        return 0;
    list = malloc((cur + b->nadded) * sizeof *list);
    ch = malloc((b->nremoved + b->nadded) * sizeof *ch);
    if (list == NULL || ch == NULL) {
        err = STORE_ERR_NOMEM;
        goto fail;
    }
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
        e.version = ENTRY_VERSION_2;
        e.type = ENTRY_KEY;
        e.key_op = add ? ENTRY_KEY_ADD : ENTRY_KEY_REMOVE;
        memcpy(e.issuer, k->name, sizeof e.issuer);
        memcpy(e.public_key, k->pub, ED25519_PUBLIC_SIZE);
        if (add) {
            /* A remove carries no identity (docs/protocol.md §B.6.4). */
            e.identity_len = k->identity_len;
            memcpy(e.identity, k->identity, k->identity_len);
        }
        memset(&ch[i], 0, sizeof ch[i]);
        ch[i].op = e.key_op;
        memcpy(ch[i].issuer, k->name, sizeof ch[i].issuer);
        memcpy(ch[i].pub, k->pub, ED25519_PUBLIC_SIZE);
        ch[i].index = t->edge.size;
        if (add)
            k->added_index = t->edge.size;
        if ((err = seq_tree_append_log_entry(t, w, &e)) != 0)
            goto fail;
        if (add) {
            err = store_put_key(w, k->name, k->pub, k->added_index);
            list[n] = *k;
            list[n].identity_len = 0; /* the set keeps none (issuers.h) */
            n++;
        } else {
            err = store_remove_key(w, k->name, k->pub, ch[i].index);
        }
        if (err != 0)
            goto fail;
    }
    if (keymap_apply(*km, ch, b->nremoved + b->nadded, &next_km) != 0) {
        err = STORE_ERR_NOMEM;
        goto fail;
    }
    next = issuers_new(issuers_origin(*keys), list, n);
    free(list);
    free(ch);
    if (next == NULL) {
        keymap_unref(next_km);
        return STORE_ERR_NOMEM;
    }
    issuers_unref(*keys);
    *keys = next;
    keymap_unref(*km);
    *km = next_km;
    return 0;
fail:
    free(list);
    free(ch);
    return err;
}

/* ---- a batch ---- */

static void finish_requests(struct seq_batch *b, int result,
                            const char *message, struct seq_checkpoint *cp)
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

static void log_key_changes(const struct seq_batch *b)
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

struct issuers *seq_batch_keys(struct seq_state *q)
{
    struct issuers *k;

    pthread_mutex_lock(&q->keys_mu);
    k = issuers_ref(q->keys);
    pthread_mutex_unlock(&q->keys_mu);
    return k;
}

int seq_batch_run(struct seq_state *q, struct seq_batch *b)
{
    char note[CHECKPOINT_TEXT_MAX];
    struct timespec start;
    struct seq_tree t;
    struct issuers *keys = NULL;
    struct keymap *km = NULL;
    struct store_txn *w = NULL;
    struct seq_checkpoint *cp = NULL;
    uint8_t root[MERKLE_HASH_SIZE];
    int err, note_len = 0;

    for (;;) {
        clock_gettime(CLOCK_MONOTONIC, &start);
        t = q->tree;
        issuers_unref(keys);
        keys = seq_batch_keys(q);
        keymap_unref(km);
        km = keymap_ref(q->keymap);
        seq_map_reset(&q->map);
        b->nremoved = b->nadded = 0;

        if ((err = store_write_begin(q->store, &w)) != 0)
            goto failed;
        if (b->has_want && (err = apply_keys(&t, w, &keys, &km, b)) != 0)
            goto failed;
        for (struct seq_req *r = b->reqs; r != NULL; r = r->next)
            if ((err = apply_request(q, &t, w, keys, r)) != 0)
                goto failed;
        if (t.edge.size == q->tree.edge.size && !b->force) {
            /* Nothing appended (only existing receipts or refusals): the
             * latest checkpoint covers every receipt. */
            store_write_abort(w);
            w = NULL;
            issuers_unref(keys);
            keymap_unref(km);
            if (q->checkpoint == NULL) {
                finish_requests(b, SEQ_ERR_INTERNAL, "no checkpoint yet", NULL);
                return SEQ_ERR_INTERNAL;
            }
            finish_requests(b, SEQ_OK, NULL, q->checkpoint);
            return 0;
        }
        if ((err = seq_map_apply(&q->map, w, t.map_root)) != 0)
            goto failed;
        {
            struct entry e;
            memset(&e, 0, sizeof e);
            e.version = ENTRY_VERSION_2;
            e.type = ENTRY_MAP;
            e.map_index = t.edge.size;
            memcpy(e.map_root, t.map_root, SMT_HASH_SIZE);
            /* Every KEY entry is before this one: km is the key map over
             * entries [0, map_index). */
            keymap_root(km, e.key_root);
            if ((err = seq_tree_append_log_entry(&t, w, &e)) != 0)
                goto failed;
        }
        seq_tree_root(&t, root);
        note_len = signer_sign_checkpoint(q->signer, t.edge.size, root, note,
                                          sizeof note);
        if (note_len < 0) {
            err = STORE_ERR_IO;
            log_msg("cannot sign the checkpoint of size %llu",
                    (unsigned long long)t.edge.size);
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
        keymap_unref(km);
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
    cp = checkpoint_new(note, (size_t)note_len, t.edge.size);
    if (cp == NULL) {
        /* The batch is committed; its requests cannot be answered with a
         * receipt, but clients retry safely (exactly once). */
        finish_requests(b, SEQ_ERR_NOMEM, "out of memory", NULL);
        err = SEQ_ERR_NOMEM;
    }
    metrics_batch(q->metrics, t.edge.size - q->tree.edge.size,
                  seconds_since(&start));
    clock_report(q, &q->tree.clock, &t.clock);
    q->tree = t;
    q->has_log_key = true;
    q->map_v1 = false;
    atomic_store(&q->size, t.edge.size);
    pthread_mutex_lock(&q->keys_mu);
    issuers_unref(q->keys);
    q->keys = keys;
    pthread_mutex_unlock(&q->keys_mu);
    keymap_unref(q->keymap);
    q->keymap = km;
    clock_gettime(CLOCK_MONOTONIC, &q->last_commit);
    metrics_state(q->metrics, t.edge.size, t.counts, store_map_size(q->store));
    log_key_changes(b);
    if (cp == NULL)
        return err;
    seq_checkpoint_unref(q->checkpoint);
    q->checkpoint = cp;
    finish_requests(b, SEQ_OK, NULL, cp);
    return 0;
}

/* ---- opening: the committed state ---- */

/* The key map of r's snapshot, and the set of the keys it authorizes. */
static int load_keys(struct seq_state *q, struct store_txn *r)
{
    struct issuer_key *auth = NULL;
    size_t n = 0, count;
    int err = keymap_load(r, &q->keymap);

    if (err != 0)
        return err;
    count = keymap_count(q->keymap);
    if (count > 0 && (auth = malloc(count * sizeof *auth)) == NULL)
        return STORE_ERR_NOMEM;
    for (size_t i = 0; i < count; i++) {
        const struct keymap_key *m = keymap_at(q->keymap, i);
        struct issuer_key *k = &auth[n];
        if (m->removed != SMT_NONE)
            continue;
        memset(k, 0, sizeof *k);
        memcpy(k->name, m->issuer, sizeof k->name);
        memcpy(k->pub, m->pub, ED25519_PUBLIC_SIZE);
        k->key_id = note_key_id(k->name, NOTE_TYPE_ED25519, k->pub);
        k->added_index = m->added;
        n++;
    }
    q->keys = issuers_new(signer_origin(q->signer), auth, n);
    free(auth);
    return q->keys == NULL ? STORE_ERR_NOMEM : 0;
}

/* Loads the committed state from r. */
static int load_state(struct seq_state *q, struct store_txn *r, char *errbuf,
                      size_t errcap)
{
    char stored[NOTE_KEY_TEXT_MAX], note[CHECKPOINT_TEXT_MAX];
    size_t note_len;
    uint64_t size;
    struct smt_store st;
    int err;

    if ((err = store_tree_size(r, &size)) != 0)
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
    } else if (err != STORE_ERR_NOTFOUND || size != 0) {
        goto store_fail;
    }
    if ((err = seq_tree_load_edge(&q->tree, r, size)) != 0)
        goto store_fail;
    if ((err = store_counts(r, q->tree.counts)) != 0)
        goto store_fail;
    store_smt(r, &st);
    if (smt_root(&st, q->tree.map_root) != 0) {
        err = STORE_ERR_IO;
        goto store_fail;
    }
    if (q->tree.edge.size > 0) {
        uint8_t buf[ENTRY_MAX_SIZE];
        size_t len;
        struct entry e;
        if ((err = store_entry(r, q->tree.edge.size - 1, buf, sizeof buf,
                               &len)) != 0)
            goto store_fail;
        if (entry_decode(buf, len, &e) != 0 || e.type != ENTRY_MAP ||
            e.map_index != q->tree.edge.size - 1 ||
            memcmp(e.map_root, q->tree.map_root, SMT_HASH_SIZE) != 0) {
            snprintf(errbuf, errcap,
                     "the last entry is not a MAP entry matching the map");
            return SEQ_ERR_INTERNAL;
        }
        clockguard_init(&q->tree.clock, e.timestamp_ms);
        q->map_v1 = e.version == ENTRY_VERSION_1;
        if ((err = store_checkpoint(r, note, sizeof note, &note_len)) != 0)
            goto store_fail;
        q->checkpoint = checkpoint_new(note, note_len, q->tree.edge.size);
        if (q->checkpoint == NULL)
            return SEQ_ERR_NOMEM;
    }
    if ((err = load_keys(q, r)) == STORE_ERR_NOMEM)
        return SEQ_ERR_NOMEM;
    if (CREDLOG_ERR_IN(err, KEYMAP_ERR_BASE)) {
        snprintf(errbuf, errcap, "the stored issuer keys are impossible: %s",
                 keymap_strerror(err));
        return err == KEYMAP_ERR_NOMEM ? SEQ_ERR_NOMEM : SEQ_ERR_INTERNAL;
    }
    if (err != 0)
        goto store_fail;
    return 0;
store_fail:
    snprintf(errbuf, errcap, "cannot read the log's state: %s",
             store_strerror(err));
    return SEQ_ERR_INTERNAL;
}

int seq_batch_open(struct seq_state *q, struct store *store,
                   struct signer *signer, struct metrics *metrics, char *errbuf,
                   size_t errcap)
{
    struct note_verifier v;
    struct store_txn *r = NULL;
    int err;

    memset(q, 0, sizeof *q);
    q->store = store;
    q->signer = signer;
    q->metrics = metrics;
    pthread_mutex_init(&q->keys_mu, NULL);
    clock_gettime(CLOCK_MONOTONIC, &q->last_commit);
    signer_verifier(signer, &v);
    if (note_verifier_format(&v, q->log_vkey, sizeof q->log_vkey) < 0) {
        snprintf(errbuf, errcap, "cannot format the log key");
        return SEQ_ERR_INTERNAL;
    }
    if ((err = store_reader_new(store, &r)) != 0 ||
        (err = store_read_begin(r)) != 0) {
        snprintf(errbuf, errcap, "cannot read the data directory: %s",
                 store_strerror(err));
        store_reader_free(r);
        return SEQ_ERR_INTERNAL;
    }
    err = load_state(q, r, errbuf, errcap);
    store_reader_free(r);
    if (err != 0)
        return err;
    atomic_store(&q->size, q->tree.edge.size);
    metrics_state(metrics, q->tree.edge.size, q->tree.counts,
                  store_map_size(store));
    return 0;
}

void seq_batch_close(struct seq_state *q)
{
    issuers_unref(q->keys);
    q->keys = NULL;
    keymap_unref(q->keymap);
    q->keymap = NULL;
    seq_checkpoint_unref(q->checkpoint);
    q->checkpoint = NULL;
    seq_map_free(&q->map);
    pthread_mutex_destroy(&q->keys_mu);
}
