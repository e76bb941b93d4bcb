/*
 * store_witness.c: what logd's witness push (logd/push.c) keeps in LMDB, in
 * the "witness" database: per witness (keyed by its verifier key string) the
 * size and time of the latest checkpoint it cosigned, so that a restart
 * costs no 409; and under the key "\0quorum" the latest checkpoint whose
 * cosignatures met the policy's quorum, so that a restarted logd serves it
 * at once. See store.h and docs/storage.md.
 *
 * The push runs on a thread of its own, so each function here runs a whole
 * transaction: a write holds grow_lock shared (store_grow() may not remap
 * under it) and waits for LMDB's writer lock like any writer.
 */
#include "logd/store_internal.h"

#include <errno.h>
#include <string.h>

/* A key no verifier key string can be (they never hold a NUL byte). */
static const char QUORUM_KEY[] = "\0quorum";
#define QUORUM_KEY_LEN (sizeof QUORUM_KEY - 1)

static int begin(struct store *s, unsigned flags, MDB_txn **txn)
{
    int rc;

    pthread_rwlock_rdlock(&s->grow_lock);
    rc = s->broken ? EIO : mdb_txn_begin(s->env, NULL, flags, txn);
    if (rc != 0) {
        pthread_rwlock_unlock(&s->grow_lock);
        return store_env_code(rc);
    }
    return 0;
}

static void end(struct store *s, MDB_txn *txn)
{
    mdb_txn_abort(txn);
    pthread_rwlock_unlock(&s->grow_lock);
}

/* Reads key into buf (cap bytes). */
static int get(struct store *s, const void *key, size_t klen, void *buf,
               size_t cap, size_t *len)
{
    MDB_txn *txn;
    MDB_val k = {klen, (void *)key}, v;
    int rc, err;

    if ((err = begin(s, MDB_RDONLY, &txn)) != 0)
        return err;
    rc = mdb_get(txn, s->dbi[STORE_DB_WITNESS], &k, &v);
    if (rc != 0) {
        err = store_env_code(rc);
    } else if (v.mv_size > cap) {
        err = STORE_ERR_SPACE;
    } else {
        memcpy(buf, v.mv_data, v.mv_size);
        *len = v.mv_size;
    }
    end(s, txn);
    return err;
}

int store_witness_get(struct store *s, const char *vkey,
                      struct store_witness *out)
{
    uint8_t v[16];
    size_t len = 0, klen = strlen(vkey);
    int err;

    if (klen == 0 || klen > STORE_WITNESS_KEY_MAX)
        return STORE_ERR_NOTFOUND;
    if ((err = get(s, vkey, klen, v, sizeof v, &len)) != 0)
        return err == STORE_ERR_SPACE ? STORE_ERR_CORRUPT : err;
    if (len != sizeof v)
        return STORE_ERR_CORRUPT;
    out->size = be_get64(v);
    out->time = be_get64(v + 8);
    return 0;
}

int store_quorum_get(struct store *s, char *buf, size_t cap, size_t *len)
{
    return get(s, QUORUM_KEY, QUORUM_KEY_LEN, buf, cap, len);
}

int store_witness_put(struct store *s, const char *const *vkeys,
                      const struct store_witness *recs, size_t n,
                      const char *quorum, size_t quorum_len)
{
    MDB_txn *txn;
    MDB_val k, v;
    uint8_t val[16];
    int rc = 0, err;

    if (quorum != NULL && quorum_len > STORE_QUORUM_MAX)
        return STORE_ERR_SPACE;
    for (size_t i = 0; i < n; i++)
        if (vkeys[i][0] == '\0' || strlen(vkeys[i]) > STORE_WITNESS_KEY_MAX)
            return STORE_ERR_SPACE;
    if ((err = begin(s, 0, &txn)) != 0)
        return err;
    for (size_t i = 0; i < n && rc == 0; i++) {
        be_put64(val, recs[i].size);
        be_put64(val + 8, recs[i].time);
        k.mv_data = (void *)vkeys[i];
        k.mv_size = strlen(vkeys[i]);
        v.mv_data = val;
        v.mv_size = sizeof val;
        rc = mdb_put(txn, s->dbi[STORE_DB_WITNESS], &k, &v, 0);
    }
    if (rc == 0 && quorum != NULL) {
        k.mv_data = (void *)QUORUM_KEY;
        k.mv_size = QUORUM_KEY_LEN;
        v.mv_data = (void *)quorum;
        v.mv_size = quorum_len;
        rc = mdb_put(txn, s->dbi[STORE_DB_WITNESS], &k, &v, 0);
    }
    if (rc != 0) {
        end(s, txn);
        return store_env_code(rc);
    }
    rc = mdb_txn_commit(txn);
    pthread_rwlock_unlock(&s->grow_lock);
    return store_env_code(rc);
}
