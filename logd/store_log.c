/*
 * store_log.c: the log's records in LMDB: entries, stored tree hashes, the
 * credential index, the latest checkpoint, the log's key, entry counts and
 * every issuer key ever added. See store.h and docs/storage.md.
 *
 * Keys are big-endian so that LMDB's byte order is numeric order, which lets
 * entries and stored hashes be appended with MDB_APPEND (no page splits in
 * the middle, pages filled completely).
 */
#include "logd/store_internal.h"

#include <string.h>

#include "proofs/entry.h"

static const char META_CHECKPOINT[] = "checkpoint";
static const char META_LOG_KEY[] = "log_key";
static const char META_COUNTS[] = "counts";

/* ---- reads ---- */

int store_tree_size(struct store_txn *t, uint64_t *size)
{
    MDB_cursor *c;
    MDB_val k, v;
    int rc, err;

    if ((err = store_env_cursor(t, STORE_DB_ENTRIES, &c)) != 0)
        return err;
    rc = mdb_cursor_get(c, &k, &v, MDB_LAST);
    if (rc == MDB_NOTFOUND) {
        *size = 0;
        return 0;
    }
    if (rc != 0)
        return store_env_fail(t, store_env_code(rc));
    if (k.mv_size != 8)
        return store_env_fail(t, STORE_ERR_CORRUPT);
    *size = be_get64(k.mv_data) + 1;
    return 0;
}

int store_entry(struct store_txn *t, uint64_t index, uint8_t *buf, size_t cap,
                size_t *len)
{
    return store_env_get_index(t, STORE_DB_ENTRIES, index, buf, cap, len);
}

int store_entries(struct store_txn *t, uint64_t first, uint64_t count,
                  store_entry_fn fn, void *arg)
{
    MDB_cursor *c;
    MDB_val k, v;
    uint8_t key[8];
    int rc, err;

    if (count == 0)
        return 0;
    if ((err = store_env_cursor(t, STORE_DB_ENTRIES, &c)) != 0)
        return err;
    be_put64(key, first);
    k.mv_data = key;
    k.mv_size = sizeof key;
    rc = mdb_cursor_get(c, &k, &v, MDB_SET_KEY);
    for (uint64_t i = 0;; i++) {
        if (rc != 0)
            return store_env_fail(t, store_env_code(rc));
        if (k.mv_size != 8 || be_get64(k.mv_data) != first + i)
            return store_env_fail(t, STORE_ERR_NOTFOUND);
        if ((err = fn(arg, first + i, v.mv_data, v.mv_size)) != 0)
            return err;
        if (i + 1 == count)
            return 0;
        rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
    }
}

int store_read_hashes(struct store_txn *t, const uint64_t *index, size_t n,
                      uint8_t (*out)[MERKLE_HASH_SIZE])
{
    MDB_cursor *c;
    MDB_val k, v;
    uint8_t key[8];
    uint64_t at = 0; /* the cursor's key, when have_at */
    bool have_at = false;
    int rc, err;

    if (n == 0)
        return 0;
    if ((err = store_env_cursor(t, STORE_DB_HASHES, &c)) != 0)
        return err;
    for (size_t i = 0; i < n; i++) {
        struct store_hcache_slot *slot = NULL;
        if (t->hc != NULL) {
            slot = &t->hc[(index[i] * 0x9E3779B97F4A7C15ull) >>
                          (64 - STORE_HCACHE_BITS)];
            if (slot->index1 == index[i] + 1) {
                memcpy(out[i], slot->hash, MERKLE_HASH_SIZE);
                continue;
            }
        }
        if (have_at && index[i] > at && index[i] - at <= 8) {
            /* Stored indexes are dense: a few steps forward beat a search
             * (hash tiles read every other index or so). */
            while (at < index[i]) {
                rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
                if (rc != 0)
                    return store_env_fail(t, store_env_code(rc));
                if (k.mv_size != 8)
                    return store_env_fail(t, STORE_ERR_CORRUPT);
                at = be_get64(k.mv_data);
            }
            if (at != index[i])
                return STORE_ERR_NOTFOUND;
        } else {
            be_put64(key, index[i]);
            k.mv_data = key;
            k.mv_size = sizeof key;
            rc = mdb_cursor_get(c, &k, &v, MDB_SET);
            if (rc != 0)
                return store_env_fail(t, store_env_code(rc));
            at = index[i];
            have_at = true;
        }
        if (v.mv_size != MERKLE_HASH_SIZE)
            return store_env_fail(t, STORE_ERR_CORRUPT);
        memcpy(out[i], v.mv_data, MERKLE_HASH_SIZE);
        if (slot != NULL) {
            slot->index1 = index[i] + 1;
            memcpy(slot->hash, v.mv_data, MERKLE_HASH_SIZE);
        }
    }
    return 0;
}

int store_credential(struct store_txn *t, const uint8_t hash[32],
                     struct store_credential *out)
{
    MDB_val k = {32, (void *)hash}, v;
    int rc = mdb_get(t->txn, t->s->dbi[STORE_DB_CREDS], &k, &v);

    if (rc != 0)
        return store_env_fail(t, store_env_code(rc));
    if (v.mv_size != 16)
        return store_env_fail(t, STORE_ERR_CORRUPT);
    out->issue_index = be_get64(v.mv_data);
    out->revoke_index = be_get64((uint8_t *)v.mv_data + 8);
    return 0;
}

static int meta_get(struct store_txn *t, const char *name, MDB_val *v)
{
    MDB_val k = {strlen(name), (void *)name};
    int rc = mdb_get(t->txn, t->s->dbi[STORE_DB_META], &k, v);

    return rc == 0 ? 0 : store_env_fail(t, store_env_code(rc));
}

static int meta_put(struct store_txn *t, const char *name, const void *data,
                    size_t len)
{
    MDB_val k = {strlen(name), (void *)name}, v = {len, (void *)data};

    if (t->err)
        return t->err;
    return store_env_fail(t, store_env_code(mdb_put(
                                 t->txn, t->s->dbi[STORE_DB_META], &k, &v, 0)));
}

int store_checkpoint(struct store_txn *t, char *buf, size_t cap, size_t *len)
{
    MDB_val v;
    int err = meta_get(t, META_CHECKPOINT, &v);

    if (err != 0)
        return err;
    if (v.mv_size > cap)
        return STORE_ERR_SPACE;
    memcpy(buf, v.mv_data, v.mv_size);
    *len = v.mv_size;
    return 0;
}

int store_log_key(struct store_txn *t, char *buf, size_t cap)
{
    MDB_val v;
    int err = meta_get(t, META_LOG_KEY, &v);

    if (err != 0)
        return err;
    if (v.mv_size >= cap)
        return STORE_ERR_SPACE;
    memcpy(buf, v.mv_data, v.mv_size);
    buf[v.mv_size] = '\0';
    return 0;
}

int store_counts(struct store_txn *t, uint64_t counts[STORE_COUNTS])
{
    MDB_val v;
    int err = meta_get(t, META_COUNTS, &v);

    memset(counts, 0, STORE_COUNTS * sizeof counts[0]);
    if (err == STORE_ERR_NOTFOUND)
        return 0;
    if (err != 0)
        return err;
    if (v.mv_size != 8 * STORE_COUNTS)
        return store_env_fail(t, STORE_ERR_CORRUPT);
    for (int i = 0; i < STORE_COUNTS; i++)
        counts[i] = be_get64((uint8_t *)v.mv_data + 8 * i);
    return 0;
}

/* keys: u8 name length || name || public key[32] -> u64be add index ||
 * u64be remove index (SMT_NONE while authorized). */
static size_t key_key(const char *issuer, const uint8_t pub[32], uint8_t *buf)
{
    size_t n = strlen(issuer);

    buf[0] = (uint8_t)n;
    memcpy(buf + 1, issuer, n);
    memcpy(buf + 1 + n, pub, 32);
    return 1 + n + 32;
}

int store_keys(struct store_txn *t, store_key_fn fn, void *arg)
{
    MDB_cursor *c;
    MDB_val k, v;
    char name[256];
    int rc, err;

    if ((err = store_env_cursor(t, STORE_DB_KEYS, &c)) != 0)
        return err;
    for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
        const uint8_t *p = k.mv_data;
        if (k.mv_size < 1 + 32 || (size_t)p[0] + 1 + 32 != k.mv_size ||
            p[0] == 0 || v.mv_size != 16)
            return store_env_fail(t, STORE_ERR_CORRUPT);
        memcpy(name, p + 1, p[0]);
        name[p[0]] = '\0';
        if ((err = fn(arg, name, p + 1 + p[0], be_get64(v.mv_data),
                      be_get64((uint8_t *)v.mv_data + 8))) != 0)
            return err;
    }
    return rc == MDB_NOTFOUND ? 0 : store_env_fail(t, store_env_code(rc));
}

/* ---- writes ---- */

int store_append_entry(struct store_txn *w, uint64_t index,
                       const uint8_t *entry, size_t len)
{
    MDB_cursor *c;
    MDB_val k, v;
    uint8_t key[8];
    int err;

    if (w->err)
        return w->err;
    if ((err = store_env_cursor(w, STORE_DB_ENTRIES, &c)) != 0)
        return err;
    be_put64(key, index);
    k.mv_data = key;
    k.mv_size = sizeof key;
    v.mv_data = (void *)entry;
    v.mv_size = len;
    return store_env_fail(
        w, store_env_code(mdb_cursor_put(c, &k, &v, MDB_APPEND)));
}

int store_append_hashes(struct store_txn *w, uint64_t first,
                        const uint8_t (*hashes)[MERKLE_HASH_SIZE], size_t n)
{
    MDB_cursor *c;
    MDB_val k, v;
    uint8_t key[8];
    int err;

    if (w->err)
        return w->err;
    if ((err = store_env_cursor(w, STORE_DB_HASHES, &c)) != 0)
        return err;
    for (size_t i = 0; i < n; i++) {
        be_put64(key, first + i);
        k.mv_data = key;
        k.mv_size = sizeof key;
        v.mv_data = (void *)hashes[i];
        v.mv_size = MERKLE_HASH_SIZE;
        err = store_env_code(mdb_cursor_put(c, &k, &v, MDB_APPEND));
        if (err != 0)
            return store_env_fail(w, err);
    }
    return 0;
}

int store_put_credential(struct store_txn *w, const uint8_t hash[32],
                         const struct store_credential *c)
{
    uint8_t val[16];
    MDB_val k = {32, (void *)hash}, v = {sizeof val, val};

    if (w->err)
        return w->err;
    /* The computed map subtree came from the index being changed. */
    store_map_forget(w);
    be_put64(val, c->issue_index);
    be_put64(val + 8, c->revoke_index);
    return store_env_fail(
        w,
        store_env_code(mdb_put(w->txn, w->s->dbi[STORE_DB_CREDS], &k, &v, 0)));
}

int store_put_checkpoint(struct store_txn *w, const char *note, size_t len)
{
    return meta_put(w, META_CHECKPOINT, note, len);
}

int store_put_log_key(struct store_txn *w, const char *vkey)
{
    return meta_put(w, META_LOG_KEY, vkey, strlen(vkey));
}

int store_put_counts(struct store_txn *w, const uint64_t counts[STORE_COUNTS])
{
    uint8_t buf[8 * STORE_COUNTS];

    for (int i = 0; i < STORE_COUNTS; i++)
        be_put64(buf + 8 * i, counts[i]);
    return meta_put(w, META_COUNTS, buf, sizeof buf);
}

/* The record of (issuer, pub) into *added and *removed; *found false if the
 * key was never added. */
static int key_get(struct store_txn *w, const uint8_t *key, size_t klen,
                   bool *found, uint64_t *added, uint64_t *removed)
{
    MDB_val k = {klen, (void *)key}, v;
    int rc = mdb_get(w->txn, w->s->dbi[STORE_DB_KEYS], &k, &v);

    *found = false;
    if (rc == MDB_NOTFOUND)
        return 0;
    if (rc != 0)
        return store_env_fail(w, store_env_code(rc));
    if (v.mv_size != 16)
        return store_env_fail(w, STORE_ERR_CORRUPT);
    *found = true;
    *added = be_get64(v.mv_data);
    *removed = be_get64((uint8_t *)v.mv_data + 8);
    return 0;
}

static int key_set(struct store_txn *w, const uint8_t *key, size_t klen,
                   uint64_t added, uint64_t removed)
{
    uint8_t val[16];
    MDB_val k = {klen, (void *)key}, v = {sizeof val, val};

    be_put64(val, added);
    be_put64(val + 8, removed);
    return store_env_fail(w, store_env_code(mdb_put(
                                 w->txn, w->s->dbi[STORE_DB_KEYS], &k, &v, 0)));
}

int store_put_key(struct store_txn *w, const char *issuer,
                  const uint8_t pub[32], uint64_t added_index)
{
    uint8_t key[1 + 255 + 32];
    uint64_t added, removed;
    size_t klen;
    bool found;
    int err;

    if (w->err)
        return w->err;
    if (strlen(issuer) == 0 || strlen(issuer) > 255)
        return STORE_ERR_CORRUPT;
    klen = key_key(issuer, pub, key);
    if ((err = key_get(w, key, klen, &found, &added, &removed)) != 0)
        return err;
    if (found)
        return 0; /* a key is added once (docs/protocol.md, Part D) */
    return key_set(w, key, klen, added_index, SMT_NONE);
}

int store_remove_key(struct store_txn *w, const char *issuer,
                     const uint8_t pub[32], uint64_t removed_index)
{
    uint8_t key[1 + 255 + 32];
    uint64_t added, removed;
    size_t klen;
    bool found;
    int err;

    if (w->err)
        return w->err;
    if (strlen(issuer) == 0 || strlen(issuer) > 255)
        return STORE_ERR_CORRUPT;
    klen = key_key(issuer, pub, key);
    if ((err = key_get(w, key, klen, &found, &added, &removed)) != 0)
        return err;
    if (!found)
        return STORE_ERR_NOTFOUND;
    if (removed != SMT_NONE)
        return 0; /* removed once, never authorized again */
    return key_set(w, key, klen, added, removed_index);
}

/* store_keys_rebuild(): one entry of the scan. */
static int rebuild_key_cb(void *arg, uint64_t index, const uint8_t *bytes,
                          size_t len)
{
    struct store_txn *w = arg;
    struct entry e;
    int err;

    if (len < 2 || bytes[1] != ENTRY_KEY || entry_decode(bytes, len, &e) != 0)
        return 0; /* not a KEY entry: changes no key */
    if (e.key_op == ENTRY_KEY_ADD)
        return store_put_key(w, e.issuer, e.public_key, index);
    err = store_remove_key(w, e.issuer, e.public_key, index);
    return err == STORE_ERR_NOTFOUND ? 0 : err;
}

int store_keys_rebuild(struct store_txn *w)
{
    uint64_t size;
    int rc, err;

    if (!w->write)
        return STORE_ERR_IO;
    if (w->err)
        return w->err;
    if ((rc = mdb_drop(w->txn, w->s->dbi[STORE_DB_KEYS], 0)) != 0)
        return store_env_fail(w, store_env_code(rc));
    if ((err = store_tree_size(w, &size)) != 0)
        return err;
    return store_entries(w, 0, size, rebuild_key_cb, w);
}
