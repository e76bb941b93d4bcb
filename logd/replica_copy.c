/*
 * replica_copy.c: see replica_copy.h. The credential and key records are
 * derived from the entries exactly as the primary's batch runner wrote
 * them (an ISSUE sets its credential's issue index, a REVOKE its revoke
 * index; a KEY entry adds or removes its key): the replay rules the monitor
 * checked (proofs/replay.h) guarantee each credential is issued once and
 * revoked at most once, by its issuer, so there is nothing to refuse here.
 * The map root check before the commit makes any difference between the two
 * derivations a refusal instead of a copy that serves other proofs.
 */
#include "logd/replica_copy.h"

#include <stdio.h>
#include <string.h>

#include "logd/log.h"
#include "proofs/entry.h"

/* Runs a write transaction again after growing the map. */
static bool grown(struct replica_copy *c, int err)
{
    int gerr;

    if (err != STORE_ERR_MAP_FULL)
        return false;
    if ((gerr = store_grow(c->store)) != 0)
        return false;
    log_msg("storage map grown to %llu bytes",
            (unsigned long long)store_map_size(c->store));
    return true;
}

int replica_copy_open(struct replica_copy *c, struct store *store,
                      struct metrics *metrics, const char *log_vkey,
                      char *errbuf, size_t errcap)
{
    char stored[NOTE_KEY_TEXT_MAX];
    struct store_txn *r = NULL;
    struct smt_store st;
    uint64_t size;
    int err;

    memset(c, 0, sizeof *c);
    c->store = store;
    c->metrics = metrics;
    snprintf(c->log_vkey, sizeof c->log_vkey, "%s", log_vkey);
    if ((err = store_reader_new(store, &r)) != 0 ||
        (err = store_read_begin(r)) != 0)
        goto store_fail;
    if ((err = store_tree_size(r, &size)) != 0)
        goto store_fail;
    err = store_log_key(r, stored, sizeof stored);
    if (err == 0 && strcmp(stored, log_vkey) != 0) {
        snprintf(errbuf, errcap,
                 "the data directory belongs to another log key (%s)", stored);
        store_reader_free(r);
        return REPLICA_ERR_KEY;
    }
    if (err != 0 && err != STORE_ERR_NOTFOUND)
        goto store_fail;
    c->has_log_key = err == 0;
    if ((err = seq_tree_load_edge(&c->tree, r, size)) != 0 ||
        (err = store_counts(r, c->tree.counts)) != 0)
        goto store_fail;
    store_smt(r, &st);
    if ((err = smt_root(&st, c->tree.map_root)) != 0)
        goto store_fail;
    err = store_checkpoint(r, c->note, sizeof c->note, &c->note_len);
    if (err == STORE_ERR_NOTFOUND && size == 0)
        err = 0;
    if (err != 0)
        goto store_fail;
    store_reader_free(r);
    metrics_state(metrics, size, c->tree.counts, store_map_size(store));
    return 0;
store_fail:
    snprintf(errbuf, errcap, "cannot read the replica's copy: %s",
             store_strerror(err));
    store_reader_free(r);
    return err == STORE_ERR_NOMEM ? REPLICA_ERR_NOMEM : REPLICA_ERR_STORE;
}

void replica_copy_close(struct replica_copy *c)
{
    seq_map_free(&c->map);
}

uint64_t replica_copy_size(const struct replica_copy *c)
{
    return c->tree.edge.size;
}

int replica_copy_stage(struct replica_copy *c, const struct replica_staged *e,
                       size_t n, const uint8_t *data, char *errbuf,
                       size_t errcap)
{
    struct store_txn *w;
    int err;

    do {
        if ((err = store_write_begin(c->store, &w)) != 0)
            continue;
        for (size_t k = 0; k < n && err == 0; k++)
            err = store_stage_put(w, e[k].index, data + e[k].off, e[k].len);
        if (err != 0)
            store_write_abort(w);
        else
            err = store_write_commit(w);
    } while (grown(c, err));
    if (err == 0)
        return 0;
    snprintf(errbuf, errcap, "cannot stage verified entries: %s",
             store_strerror(err));
    return err == STORE_ERR_NOMEM ? REPLICA_ERR_NOMEM : REPLICA_ERR_STORE;
}

/* Writes staged entry i into w as the primary wrote it. *last gets the
 * entry when it is a MAP entry. Returns 0, a STORE_ERR_* code, or
 * REPLICA_ERR_MISMATCH (errbuf says why). */
static int apply_entry(struct replica_copy *c, struct seq_tree *t,
                       struct store_txn *w, uint64_t i, struct entry *e,
                       char *errbuf, size_t errcap)
{
    uint8_t buf[ENTRY_MAX_SIZE];
    struct store_credential sc;
    size_t len;
    int err = store_stage_get(w, i, buf, sizeof buf, &len);

    if (err == STORE_ERR_NOTFOUND) {
        snprintf(errbuf, errcap, "verified entry %llu was never staged",
                 (unsigned long long)i);
        return REPLICA_ERR_MISMATCH;
    }
    if (err != 0)
        return err;
    if (entry_decode(buf, len, e) != 0) {
        snprintf(errbuf, errcap, "staged entry %llu does not decode",
                 (unsigned long long)i);
        return REPLICA_ERR_MISMATCH;
    }
    if ((err = seq_tree_append(t, w, e->type, buf, len)) != 0)
        return err;
    switch (e->type) {
    case ENTRY_ISSUE:
        return seq_map_credential(&c->map, w, e->credential, i, SMT_NONE);
    case ENTRY_REVOKE:
        err = store_credential(w, e->credential, &sc);
        if (err == STORE_ERR_NOTFOUND) {
            snprintf(errbuf, errcap,
                     "entry %llu revokes a credential never issued",
                     (unsigned long long)i);
            return REPLICA_ERR_MISMATCH;
        }
        return err != 0 ? err
                        : seq_map_credential(&c->map, w, e->credential,
                                             sc.issue_index, i);
    case ENTRY_KEY:
        if (e->key_op == ENTRY_KEY_ADD)
            return store_put_key(w, e->issuer, e->public_key, i);
        return store_remove_key(w, e->issuer, e->public_key, i);
    default:
        return 0;
    }
}

/* Checks the tree t written for cp: its root, and its last entry (last) a
 * MAP entry naming its own index and the map's root. */
static int check_tree(const struct seq_tree *t, const struct entry *last,
                      bool appended, const struct checkpoint *cp, char *errbuf,
                      size_t errcap)
{
    uint8_t root[MERKLE_HASH_SIZE];

    seq_tree_root(t, root);
    if (t->edge.size != cp->size ||
        memcmp(root, cp->root, MERKLE_HASH_SIZE) != 0) {
        snprintf(errbuf, errcap,
                 "the copy's tree of size %llu does not have the root of the "
                 "verified checkpoint",
                 (unsigned long long)t->edge.size);
        return REPLICA_ERR_MISMATCH;
    }
    if (appended &&
        (last->type != ENTRY_MAP || last->map_index != cp->size - 1 ||
         memcmp(last->map_root, t->map_root, SMT_HASH_SIZE) != 0)) {
        snprintf(errbuf, errcap,
                 "the copy's map after %llu entries is not the one the last "
                 "MAP entry names",
                 (unsigned long long)cp->size);
        return REPLICA_ERR_MISMATCH;
    }
    return 0;
}

int replica_copy_apply(struct replica_copy *c, const char *note, size_t len,
                       const struct checkpoint *cp, char *errbuf, size_t errcap)
{
    struct store_txn *w = NULL;
    struct seq_tree t;
    struct entry last;
    int err;

    if (cp->size < c->tree.edge.size) {
        snprintf(errbuf, errcap,
                 "the verified checkpoint (size %llu) is smaller than the "
                 "copy (%llu entries)",
                 (unsigned long long)cp->size,
                 (unsigned long long)c->tree.edge.size);
        return REPLICA_ERR_MISMATCH;
    }
    if (len > sizeof c->note) {
        snprintf(errbuf, errcap, "the checkpoint note is too large");
        return REPLICA_ERR_MISMATCH;
    }
    if (cp->size == c->tree.edge.size && len == c->note_len &&
        memcmp(note, c->note, len) == 0)
        return 0;
    memset(&last, 0, sizeof last);
    errbuf[0] = '\0';
    do {
        t = c->tree;
        seq_map_reset(&c->map);
        if ((err = store_write_begin(c->store, &w)) != 0)
            continue;
        for (uint64_t i = t.edge.size; i < cp->size && err == 0; i++)
            err = apply_entry(c, &t, w, i, &last, errbuf, errcap);
        if (err == 0)
            err = seq_map_apply(&c->map, w, t.map_root);
        if (err == 0)
            err = check_tree(&t, &last, cp->size > c->tree.edge.size, cp,
                             errbuf, errcap);
        if (err == 0)
            err = store_put_checkpoint(w, note, len);
        if (err == 0)
            err = store_put_counts(w, t.counts);
        if (err == 0 && !c->has_log_key)
            err = store_put_log_key(w, c->log_vkey);
        if (err == 0)
            err = store_stage_drop(w, cp->size);
        if (err != 0) {
            store_write_abort(w);
            w = NULL;
        } else {
            err = store_write_commit(w);
            w = NULL;
        }
    } while (grown(c, err));
    if (err == REPLICA_ERR_MISMATCH)
        return err;
    if (err != 0) {
        snprintf(errbuf, errcap, "cannot apply verified entries: %s",
                 store_strerror(err));
        return err == STORE_ERR_NOMEM ? REPLICA_ERR_NOMEM : REPLICA_ERR_STORE;
    }
    c->tree = t;
    c->has_log_key = true;
    memcpy(c->note, note, len);
    c->note_len = len;
    metrics_state(c->metrics, t.edge.size, t.counts, store_map_size(c->store));
    return 0;
}
