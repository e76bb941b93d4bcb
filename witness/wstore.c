/*
 * wstore.c: the witness's LMDB state. See wstore.h.
 *
 * The state is tiny (one record per followed log), so the map is a fixed
 * 64 MiB (sparse on disk) and never grows: room for well over 10,000 logs
 * with their cosigned notes.
 */
#include "witness/wstore.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lmdb.h>
#include <openssl/sha.h>

#include "proofs/be.h"

#define WSTORE_MAP_SIZE ((size_t)64 << 20)
#define STATE_HEAD (8 + MERKLE_HASH_SIZE)

struct wstore {
    MDB_env *env;
    MDB_dbi logs, state, meta;
    const char *kind; /* wstore_kind()'s, written with each new state */
};

const char *wstore_strerror(int err)
{
    switch (err) {
    case 0:
        return "success";
    case WSTORE_ERR_IO:
        return "witness state (LMDB) failure";
    case WSTORE_ERR_CONFLICT:
        return "a followed log's origin reappears with another key";
    case WSTORE_ERR_CORRUPT:
        return "witness state record is malformed";
    case WSTORE_ERR_NOTFOUND:
        return "no such log in the witness state";
    case WSTORE_ERR_SPACE:
        return "buffer too small for a witness state record";
    default:
        return "unknown witness state error";
    }
}

/* Fills why with what LMDB said and returns WSTORE_ERR_IO. */
static int io_fail(char *why, const char *what, int rc)
{
    if (why != NULL)
        snprintf(why, WSTORE_WHY_MAX, "%s: %s", what, mdb_strerror(rc));
    return WSTORE_ERR_IO;
}

int wstore_open(const char *dir, struct wstore **out, char *why)
{
    struct wstore *s = calloc(1, sizeof *s);
    MDB_txn *txn = NULL;
    int rc;

    *out = NULL;
    if (s == NULL)
        return io_fail(why, "allocating the witness state", ENOMEM);
    if ((rc = mdb_env_create(&s->env)) != 0 ||
        (rc = mdb_env_set_maxdbs(s->env, 4)) != 0 ||
        (rc = mdb_env_set_mapsize(s->env, WSTORE_MAP_SIZE)) != 0 ||
        (rc = mdb_env_open(s->env, dir, 0, 0600)) != 0) {
        io_fail(why, dir, rc);
        goto fail;
    }
    if ((rc = mdb_txn_begin(s->env, NULL, 0, &txn)) != 0 ||
        (rc = mdb_dbi_open(txn, "logs", MDB_CREATE, &s->logs)) != 0 ||
        (rc = mdb_dbi_open(txn, "state", MDB_CREATE, &s->state)) != 0 ||
        (rc = mdb_dbi_open(txn, "meta", MDB_CREATE, &s->meta)) != 0 ||
        (rc = mdb_txn_commit(txn)) != 0) {
        if (txn != NULL)
            mdb_txn_abort(txn);
        io_fail(why, "opening the witness databases", rc);
        goto fail;
    }
    *out = s;
    return 0;
fail:
    wstore_close(s);
    return WSTORE_ERR_IO;
}

void wstore_close(struct wstore *s)
{
    if (s == NULL)
        return;
    if (s->env != NULL)
        mdb_env_close(s->env);
    free(s);
}

/* Decodes a logs record (u32be qpd || vkey) for origin. */
static int log_decode(const MDB_val *k, const MDB_val *v,
                      struct loglist_log *out)
{
    memset(out, 0, sizeof *out);
    if (k->mv_size == 0 || k->mv_size > NOTE_NAME_MAX || v->mv_size < 5 ||
        note_verifier_parse((const char *)v->mv_data + 4, v->mv_size - 4,
                            &out->key) != 0)
        return WSTORE_ERR_CORRUPT;
    memcpy(out->origin, k->mv_data, k->mv_size);
    out->qpd = be_get32(v->mv_data);
    return 0;
}

int wstore_log_add(struct wstore *s, const struct loglist_log *log, char *why)
{
    char rec[4 + NOTE_KEY_TEXT_MAX];
    MDB_val k = {strlen(log->origin), (void *)log->origin}, v;
    MDB_txn *txn;
    int rc, n;

    be_put32((uint8_t *)rec, log->qpd);
    n = note_verifier_format(&log->key, rec + 4, sizeof rec - 4);
    if (n < 0)
        return WSTORE_ERR_SPACE;
    if ((rc = mdb_txn_begin(s->env, NULL, 0, &txn)) != 0)
        return io_fail(why, "beginning a write", rc);
    rc = mdb_get(txn, s->logs, &k, &v);
    if (rc == 0) {
        struct loglist_log old;

        if (log_decode(&k, &v, &old) != 0) {
            mdb_txn_abort(txn);
            return WSTORE_ERR_CORRUPT;
        }
        if (old.key.key_id != log->key.key_id ||
            memcmp(old.key.pub, log->key.pub, ED25519_PUBLIC_SIZE) != 0 ||
            strcmp(old.key.name, log->key.name) != 0) {
            mdb_txn_abort(txn);
            if (why != NULL)
                snprintf(why, WSTORE_WHY_MAX,
                         "log %s is followed with key %s+%08x; refusing "
                         "another key for it",
                         log->origin, old.key.name, old.key.key_id);
            return WSTORE_ERR_CONFLICT;
        }
    } else if (rc != MDB_NOTFOUND) {
        mdb_txn_abort(txn);
        return io_fail(why, "reading a log", rc);
    }
    v.mv_size = 4 + (size_t)n;
    v.mv_data = rec;
    if ((rc = mdb_put(txn, s->logs, &k, &v, 0)) != 0) {
        mdb_txn_abort(txn);
        return io_fail(why, "storing a log", rc);
    }
    if ((rc = mdb_txn_commit(txn)) != 0)
        return io_fail(why, "committing a log", rc);
    return 0;
}

int wstore_logs(struct wstore *s, struct loglist_log *out, size_t cap,
                size_t *n, char *why)
{
    MDB_txn *txn;
    MDB_cursor *cur;
    MDB_val k, v;
    int rc, err = 0;

    *n = 0;
    if ((rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn)) != 0)
        return io_fail(why, "beginning a read", rc);
    if ((rc = mdb_cursor_open(txn, s->logs, &cur)) != 0) {
        mdb_txn_abort(txn);
        return io_fail(why, "opening a cursor", rc);
    }
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        if (*n == cap) {
            err = WSTORE_ERR_SPACE;
            break;
        }
        if ((err = log_decode(&k, &v, &out[*n])) != 0)
            break;
        (*n)++;
    }
    if (err == 0 && rc != MDB_NOTFOUND)
        err = io_fail(why, "listing logs", rc);
    mdb_cursor_close(cur);
    mdb_txn_abort(txn);
    if (err != 0)
        *n = 0;
    return err;
}

static void origin_hash(const char *origin, uint8_t out[32])
{
    SHA256((const uint8_t *)origin, strlen(origin), out);
}

/* Decodes a state record's head into *st; a missing record is size 0. */
static int state_decode(const MDB_val *v, struct witness_state *st)
{
    if (v->mv_size < STATE_HEAD)
        return WSTORE_ERR_CORRUPT;
    st->size = be_get64(v->mv_data);
    memcpy(st->root, (const uint8_t *)v->mv_data + 8, MERKLE_HASH_SIZE);
    return 0;
}

static int state_read(MDB_txn *txn, MDB_dbi dbi, const uint8_t hash[32],
                      struct witness_state *st, MDB_val *v, char *why)
{
    MDB_val k = {32, (void *)hash};
    int rc = mdb_get(txn, dbi, &k, v);

    if (rc == MDB_NOTFOUND) {
        st->size = 0;
        merkle_empty_root(st->root);
        v->mv_size = 0;
        return 0;
    }
    if (rc != 0)
        return io_fail(why, "reading a log's state", rc);
    return state_decode(v, st);
}

/* One request inside the batch's transaction: read, decide, write. Returns
 * decide's code (nothing written), 0, or WSTORE_ERR_IO / WSTORE_ERR_CORRUPT
 * (the batch must be aborted). *fatal says which. */
static int update_one(struct wstore *s, MDB_txn *txn, const char *origin,
                      wstore_decide_fn decide, void *ctx, char *rec,
                      bool *fatal, char *why)
{
    uint8_t hash[32];
    struct witness_state cur, next;
    size_t note_len = 0;
    MDB_val k = {32, hash}, v;
    int rc, err;

    *fatal = true;
    origin_hash(origin, hash);
    if ((err = state_read(txn, s->state, hash, &cur, &v, why)) != 0)
        return err;
    *fatal = false;
    if ((err = decide(ctx, &cur, &next, rec + STATE_HEAD, &note_len)) != 0)
        return err;
    *fatal = true;
    if (s->kind != NULL) {
        MDB_val mk = {4, "kind"}, mv = {strlen(s->kind), (void *)s->kind};

        rc = mdb_put(txn, s->meta, &mk, &mv, MDB_NOOVERWRITE);
        if (rc != 0 && rc != MDB_KEYEXIST)
            return io_fail(why, "storing the witness kind", rc);
    }
    be_put64((uint8_t *)rec, next.size);
    memcpy(rec + 8, next.root, MERKLE_HASH_SIZE);
    v.mv_size = STATE_HEAD + note_len;
    v.mv_data = rec;
    if ((rc = mdb_put(txn, s->state, &k, &v, 0)) != 0)
        return io_fail(why, "storing a log's state", rc);
    *fatal = false;
    return 0;
}

int wstore_update_many(struct wstore *s, size_t n, const char *const *origins,
                       wstore_decide_fn decide, void *const *ctxs, int *results,
                       char *why)
{
    char *rec = malloc(STATE_HEAD + WITNESS_NOTE_MAX + 1);
    MDB_txn *txn;
    int rc, err = 0;
    bool fatal = false;

    if (rec == NULL) {
        err = io_fail(why, "allocating a state record", ENOMEM);
        goto done;
    }
    if ((rc = mdb_txn_begin(s->env, NULL, 0, &txn)) != 0) {
        err = io_fail(why, "beginning a write", rc);
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        results[i] =
            update_one(s, txn, origins[i], decide, ctxs[i], rec, &fatal, why);
        if (fatal) {
            err = results[i];
            mdb_txn_abort(txn);
            goto done;
        }
    }
    if ((rc = mdb_txn_commit(txn)) != 0)
        err = io_fail(why, "committing the logs' states", rc);
done:
    free(rec);
    if (err != 0)
        for (size_t i = 0; i < n; i++)
            results[i] = err;
    return err;
}

int wstore_update(struct wstore *s, const char *origin, wstore_decide_fn decide,
                  void *ctx, char *why)
{
    int result;

    (void)wstore_update_many(s, 1, &origin, decide, &ctx, &result, why);
    return result;
}

int wstore_checkpoint(struct wstore *s, const uint8_t origin_hash_in[32],
                      char *buf, size_t cap, size_t *len, char *why)
{
    MDB_txn *txn;
    MDB_val k = {32, (void *)origin_hash_in}, v;
    int rc, err = 0;

    *len = 0;
    if ((rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn)) != 0)
        return io_fail(why, "beginning a read", rc);
    rc = mdb_get(txn, s->state, &k, &v);
    if (rc == MDB_NOTFOUND)
        err = WSTORE_ERR_NOTFOUND;
    else if (rc != 0)
        err = io_fail(why, "reading a checkpoint", rc);
    else if (v.mv_size < STATE_HEAD)
        err = WSTORE_ERR_CORRUPT;
    else if (v.mv_size - STATE_HEAD + 1 > cap)
        err = WSTORE_ERR_SPACE;
    else {
        *len = v.mv_size - STATE_HEAD;
        memcpy(buf, (const char *)v.mv_data + STATE_HEAD, *len);
        buf[*len] = '\0';
    }
    mdb_txn_abort(txn);
    return err;
}

int wstore_state(struct wstore *s, const char *origin,
                 struct witness_state *out, char *why)
{
    uint8_t hash[32];
    MDB_txn *txn;
    MDB_val v;
    int rc, err;

    origin_hash(origin, hash);
    if ((rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn)) != 0)
        return io_fail(why, "beginning a read", rc);
    err = state_read(txn, s->state, hash, out, &v, why);
    mdb_txn_abort(txn);
    return err;
}

int wstore_kind(struct wstore *s, const char *kind, char *why)
{
    MDB_val k = {4, "kind"}, v = {0, NULL};
    const char *was = NULL;
    size_t was_len = 0;
    MDB_stat st;
    MDB_txn *txn;
    int rc, err = 0;

    if ((rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn)) != 0)
        return io_fail(why, "beginning a read", rc);
    rc = mdb_get(txn, s->meta, &k, &v);
    if (rc == 0) {
        was = v.mv_data;
        was_len = v.mv_size;
    } else if (rc != MDB_NOTFOUND) {
        err = io_fail(why, "reading the witness kind", rc);
    } else if ((rc = mdb_stat(txn, s->state, &st)) != 0) {
        err = io_fail(why, "reading the witness state", rc);
    } else if (st.ms_entries > 0) {
        /* A state from before the marker cosigned without the map. */
        was = "plain";
        was_len = 5;
    }
    if (err == 0 && was != NULL &&
        (was_len != strlen(kind) || memcmp(was, kind, was_len) != 0)) {
        if (why != NULL)
            snprintf(why, WSTORE_WHY_MAX,
                     "this state is a %.*s witness's, not a %s one: its "
                     "cosignatures would not mean the same",
                     (int)(was_len < 32 ? was_len : 32), was, kind);
        err = WSTORE_ERR_CONFLICT;
    }
    mdb_txn_abort(txn);
    if (err == 0)
        s->kind = kind;
    return err;
}
