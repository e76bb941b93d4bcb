/*
 * store_stage.c: a replica's staged entries, in the "stage" database: key
 * the entry index (u64 big-endian), value the entry's bytes. See store.h and
 * docs/storage.md. The replica stages a chunk of verified entries in a
 * write transaction committed before its monitor state records them as
 * verified, so an interruption between the two loses nothing (the entries
 * are staged again, replacing themselves); it then applies them to the log
 * and drops them in the transaction that stores the checkpoint they lead to.
 */
#include "logd/store_internal.h"

#include <string.h>

#include "proofs/entry.h"

int store_stage_put(struct store_txn *w, uint64_t index, const uint8_t *entry,
                    size_t len)
{
    MDB_cursor *c;
    MDB_val k, v;
    uint8_t key[8];
    int err;

    if (w->err)
        return w->err;
    if (len > ENTRY_MAX_SIZE)
        return STORE_ERR_SPACE;
    if ((err = store_env_cursor(w, STORE_DB_STAGE, &c)) != 0)
        return err;
    be_put64(key, index);
    k.mv_data = key;
    k.mv_size = sizeof key;
    v.mv_data = (void *)entry;
    v.mv_size = len;
    return store_env_fail(w, store_env_code(mdb_cursor_put(c, &k, &v, 0)));
}

int store_stage_get(struct store_txn *t, uint64_t index, uint8_t *buf,
                    size_t cap, size_t *len)
{
    return store_env_get_index(t, STORE_DB_STAGE, index, buf, cap, len);
}

int store_stage_drop(struct store_txn *w, uint64_t below)
{
    MDB_cursor *c;
    MDB_val k, v;
    int rc, err;

    if (w->err)
        return w->err;
    if ((err = store_env_cursor(w, STORE_DB_STAGE, &c)) != 0)
        return err;
    for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
        if (k.mv_size != 8)
            return store_env_fail(w, STORE_ERR_CORRUPT);
        if (be_get64(k.mv_data) >= below)
            return 0;
        if ((rc = mdb_cursor_del(c, 0)) != 0)
            return store_env_fail(w, store_env_code(rc));
    }
    return rc == MDB_NOTFOUND ? 0 : store_env_fail(w, store_env_code(rc));
}
