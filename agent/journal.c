/*
 * journal.c: see journal.h. Three databases: "items" (id -> record),
 * "pending" (id -> empty) and "events" (u64be number -> event text, so
 * LMDB's order is the outbox's). Values are copied out before a
 * transaction ends.
 */
#include "agent/journal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lmdb.h>

#include "proofs/be.h"

/* Sparse on 64-bit systems: room for about a million records. */
#define JOURNAL_MAP_SIZE ((size_t)8 << 30)

struct agent_journal {
    MDB_env *env;
    MDB_dbi items, pending, events;
};

static int fail(char *why, int rc, const char *what)
{
    if (why != NULL)
        snprintf(why, AGENT_WHY_MAX, "journal: %s: %s", what, mdb_strerror(rc));
    return AGENT_ERR_JOURNAL;
}

int agent_journal_open(const char *dir, struct agent_journal **out, char *why)
{
    struct agent_journal *j = calloc(1, sizeof *j);
    MDB_txn *txn = NULL;
    int rc;

    *out = NULL;
    if (j == NULL)
        return fail(why, ENOMEM, "open");
    if ((rc = mdb_env_create(&j->env)) != 0) {
        free(j);
        return fail(why, rc, "open");
    }
    mdb_env_set_maxdbs(j->env, 4);
    if ((rc = mdb_env_set_mapsize(j->env, JOURNAL_MAP_SIZE)) != 0 ||
        (rc = mdb_env_open(j->env, dir, 0, 0600)) != 0 ||
        (rc = mdb_txn_begin(j->env, NULL, 0, &txn)) != 0 ||
        (rc = mdb_dbi_open(txn, "items", MDB_CREATE, &j->items)) != 0 ||
        (rc = mdb_dbi_open(txn, "pending", MDB_CREATE, &j->pending)) != 0 ||
        (rc = mdb_dbi_open(txn, "events", MDB_CREATE, &j->events)) != 0 ||
        (rc = mdb_txn_commit(txn)) != 0) {
        if (txn != NULL && rc != 0)
            mdb_txn_abort(txn);
        mdb_env_close(j->env);
        free(j);
        snprintf(why, AGENT_WHY_MAX, "journal %s: %s", dir, mdb_strerror(rc));
        return AGENT_ERR_JOURNAL;
    }
    *out = j;
    return 0;
}

void agent_journal_close(struct agent_journal *j)
{
    if (j == NULL)
        return;
    mdb_env_close(j->env);
    free(j);
}

/* A stored value as a NUL-terminated copy (*text, the caller frees it).
 * Returns 0 or AGENT_ERR_NOMEM. */
static int copy_text(const MDB_val *v, char **text, size_t *len)
{
    if ((*text = malloc(v->mv_size + 1)) == NULL)
        return AGENT_ERR_NOMEM;
    memcpy(*text, v->mv_data, v->mv_size);
    (*text)[v->mv_size] = '\0';
    *len = v->mv_size;
    return 0;
}

int agent_journal_get(struct agent_journal *j, const uint8_t id[AGENT_ID_SIZE],
                      char **text, size_t *len, char *why)
{
    MDB_val k = {AGENT_ID_SIZE, (void *)id}, v;
    MDB_txn *txn;
    int rc;

    *text = NULL;
    if ((rc = mdb_txn_begin(j->env, NULL, MDB_RDONLY, &txn)) != 0)
        return fail(why, rc, "read");
    rc = mdb_get(txn, j->items, &k, &v);
    if (rc == MDB_NOTFOUND) {
        mdb_txn_abort(txn);
        return AGENT_ERR_NOT_FOUND;
    }
    if (rc != 0) {
        mdb_txn_abort(txn);
        return fail(why, rc, "read");
    }
    rc = copy_text(&v, text, len);
    mdb_txn_abort(txn);
    return rc;
}

/* Appends v to the outbox under the number after the last one. */
static int event_append(struct agent_journal *j, MDB_txn *txn, MDB_val *v)
{
    MDB_cursor *cur;
    MDB_val k, last;
    uint8_t key[8];
    uint64_t seq = 1;
    int rc;

    if ((rc = mdb_cursor_open(txn, j->events, &cur)) != 0)
        return rc;
    rc = mdb_cursor_get(cur, &k, &last, MDB_LAST);
    if (rc == 0 && k.mv_size == 8)
        seq = be_get64(k.mv_data) + 1;
    mdb_cursor_close(cur);
    if (rc != 0 && rc != MDB_NOTFOUND)
        return rc;
    be_put64(key, seq);
    k.mv_size = 8;
    k.mv_data = key;
    return mdb_put(txn, j->events, &k, v, MDB_APPEND);
}

int agent_journal_event_first(struct agent_journal *j, uint64_t *seq,
                              char **text, size_t *len, char *why)
{
    MDB_cursor *cur;
    MDB_txn *txn;
    MDB_val k, v;
    int rc;

    *text = NULL;
    if ((rc = mdb_txn_begin(j->env, NULL, MDB_RDONLY, &txn)) != 0)
        return fail(why, rc, "read");
    if ((rc = mdb_cursor_open(txn, j->events, &cur)) != 0) {
        mdb_txn_abort(txn);
        return fail(why, rc, "read");
    }
    rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
    mdb_cursor_close(cur);
    if (rc == 0 && k.mv_size != 8)
        rc = MDB_CORRUPTED;
    if (rc != 0) {
        mdb_txn_abort(txn);
        return rc == MDB_NOTFOUND ? AGENT_ERR_NOT_FOUND : fail(why, rc, "read");
    }
    *seq = be_get64(k.mv_data);
    rc = copy_text(&v, text, len);
    mdb_txn_abort(txn);
    return rc;
}

int agent_journal_event_done(struct agent_journal *j, uint64_t seq, char *why)
{
    uint8_t key[8];
    MDB_val k = {8, key};
    MDB_txn *txn;
    int rc;

    be_put64(key, seq);
    if ((rc = mdb_txn_begin(j->env, NULL, 0, &txn)) != 0)
        return fail(why, rc, "write");
    if ((rc = mdb_del(txn, j->events, &k, NULL)) != 0 && rc != MDB_NOTFOUND) {
        mdb_txn_abort(txn);
        return fail(why, rc, "write");
    }
    if ((rc = mdb_txn_commit(txn)) != 0)
        return fail(why, rc, "commit");
    return 0;
}

int agent_journal_write(struct agent_journal *j,
                        const struct agent_journal_op *ops, size_t n, char *why)
{
    MDB_txn *txn;
    int rc;

    for (size_t i = 0; i < n; i++)
        if (ops[i].text != NULL && ops[i].len > AGENT_RECORD_MAX) {
            snprintf(why, AGENT_WHY_MAX, "journal: a record of %zu bytes",
                     ops[i].len);
            return AGENT_ERR_REQUEST;
        }
    if ((rc = mdb_txn_begin(j->env, NULL, 0, &txn)) != 0)
        return fail(why, rc, "write");
    for (size_t i = 0; i < n; i++) {
        MDB_val k = {AGENT_ID_SIZE, (void *)ops[i].id};
        MDB_val v = {ops[i].len, (void *)ops[i].text}, empty = {0, ""};

        if (ops[i].event) {
            if ((rc = event_append(j, txn, &v)) != 0) {
                mdb_txn_abort(txn);
                return fail(why, rc, "write");
            }
            continue;
        }
        if (ops[i].text != NULL)
            rc = mdb_put(txn, j->items, &k, &v, 0);
        else if ((rc = mdb_del(txn, j->items, &k, NULL)) == MDB_NOTFOUND)
            rc = 0;
        if (rc == 0 && ops[i].pending && ops[i].text != NULL)
            rc = mdb_put(txn, j->pending, &k, &empty, 0);
        else if (rc == 0 &&
                 (rc = mdb_del(txn, j->pending, &k, NULL)) == MDB_NOTFOUND)
            rc = 0;
        if (rc != 0) {
            mdb_txn_abort(txn);
            return fail(why, rc, "write");
        }
    }
    if ((rc = mdb_txn_commit(txn)) != 0)
        return fail(why, rc, "commit");
    return 0;
}

int agent_journal_pending(struct agent_journal *j,
                          int (*fn)(void *arg, const uint8_t *id,
                                    const char *text, size_t len),
                          void *arg, char *why)
{
    MDB_txn *txn;
    MDB_cursor *cur;
    MDB_val k, v, rec;
    int rc, out = 0;

    if ((rc = mdb_txn_begin(j->env, NULL, MDB_RDONLY, &txn)) != 0)
        return fail(why, rc, "read");
    if ((rc = mdb_cursor_open(txn, j->pending, &cur)) != 0) {
        mdb_txn_abort(txn);
        return fail(why, rc, "read");
    }
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0 && out == 0;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        if (k.mv_size != AGENT_ID_SIZE || mdb_get(txn, j->items, &k, &rec) != 0)
            continue; /* cannot happen: written in one transaction */
        out = fn(arg, k.mv_data, rec.mv_data, rec.mv_size);
    }
    mdb_cursor_close(cur);
    mdb_txn_abort(txn);
    if (rc != 0 && rc != MDB_NOTFOUND && out == 0)
        return fail(why, rc, "read");
    return out;
}

void agent_journal_count(struct agent_journal *j, size_t *records,
                         size_t *pending)
{
    MDB_txn *txn;
    MDB_stat st;

    *records = *pending = 0;
    if (mdb_txn_begin(j->env, NULL, MDB_RDONLY, &txn) != 0)
        return;
    if (mdb_stat(txn, j->items, &st) == 0)
        *records = st.ms_entries;
    if (mdb_stat(txn, j->pending, &st) == 0)
        *pending = st.ms_entries;
    mdb_txn_abort(txn);
}
