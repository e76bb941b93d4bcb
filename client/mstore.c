/*
 * mstore.c: see mstore.h. Values read from LMDB are copied out before the
 * transaction ends; keys are big-endian so LMDB's order is numeric order.
 */
#include "client/mstore.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <lmdb.h>

#include "proofs/be.h"

#define MSTORE_MIN_MAP ((size_t)1 << 30)

struct mstore {
    MDB_env *env; /* NULL once broken (a failed resize that could not be
                     undone): every call then fails */
    MDB_dbi meta, keys, creds, smt, keysmt, issuers;
    char dir[PATH_MAX];
    char error[256];
};

struct mstore_txn {
    struct mstore *s;
    MDB_txn *txn;
};

const char *mstore_strerror(int err)
{
    switch (err) {
    case MSTORE_OK:
        return "success";
    case MSTORE_ERR_LMDB:
        return "monitor state: LMDB failure";
    case MSTORE_ERR_NOMEM:
        return "monitor state: out of memory";
    case MSTORE_ERR_CORRUPT:
        return "monitor state: corrupt record";
    case MSTORE_ERR_TOO_BIG:
        return "monitor state: implausible size";
    case MSTORE_ERR_BROKEN:
        return "monitor state: environment lost after a failed resize";
    default:
        return "unknown monitor state error";
    }
}

static int lmdb_fail(struct mstore *s, int rc, const char *what)
{
    snprintf(s->error, sizeof s->error, "%s: %s", what, mdb_strerror(rc));
    return rc == ENOMEM          ? MSTORE_ERR_NOMEM
           : rc == MDB_CORRUPTED ? MSTORE_ERR_CORRUPT
                                 : MSTORE_ERR_LMDB;
}

/* Opens the environment in s->dir with a map of at least mapsize bytes (0:
 * what the file needs) and its databases. */
static int env_open(struct mstore *s, size_t mapsize)
{
    MDB_txn *txn = NULL;
    int rc;

    if ((rc = mdb_env_create(&s->env)) != 0) {
        s->env = NULL;
        return rc;
    }
    mdb_env_set_maxdbs(s->env, 8);
    if ((mapsize > 0 && (rc = mdb_env_set_mapsize(s->env, mapsize)) != 0) ||
        (rc = mdb_env_open(s->env, s->dir, 0, 0600)) != 0 ||
        (rc = mdb_txn_begin(s->env, NULL, 0, &txn)) != 0 ||
        (rc = mdb_dbi_open(txn, "meta", MDB_CREATE, &s->meta)) != 0 ||
        (rc = mdb_dbi_open(txn, "keys", MDB_CREATE, &s->keys)) != 0 ||
        (rc = mdb_dbi_open(txn, "creds", MDB_CREATE, &s->creds)) != 0 ||
        (rc = mdb_dbi_open(txn, "smt", MDB_CREATE, &s->smt)) != 0 ||
        (rc = mdb_dbi_open(txn, "keysmt", MDB_CREATE, &s->keysmt)) != 0 ||
        (rc = mdb_dbi_open(txn, "issuers", MDB_CREATE, &s->issuers)) != 0 ||
        (rc = mdb_txn_commit(txn)) != 0) {
        if (txn != NULL && rc != 0)
            mdb_txn_abort(txn);
        mdb_env_close(s->env);
        s->env = NULL;
        return rc;
    }
    return 0;
}

/*
 * Grows the map to twice what is used plus reserve (at least 1 GiB), never
 * beyond MSTORE_MAX_MAP. When LMDB cannot map the new size,
 * mdb_env_set_mapsize() has already unmapped the old map and leaves the
 * environment without one (every later read would fault), so the
 * environment is closed and reopened at its old size.
 */
static int grow(struct mstore *s, uint64_t reserve)
{
    MDB_envinfo info;
    MDB_stat st;
    uint64_t used, want;
    int rc;

    if (s->env == NULL)
        return MSTORE_ERR_BROKEN;
    mdb_env_info(s->env, &info);
    mdb_env_stat(s->env, &st);
    used = ((uint64_t)info.me_last_pgno + 1) * st.ms_psize;
    if (reserve > MSTORE_MAX_MAP / 2 || used > MSTORE_MAX_MAP / 2 - reserve) {
        snprintf(s->error, sizeof s->error,
                 "%llu more bytes on top of %llu would exceed %llu",
                 (unsigned long long)reserve, (unsigned long long)used,
                 (unsigned long long)MSTORE_MAX_MAP);
        return MSTORE_ERR_TOO_BIG;
    }
    want = 2 * (used + reserve);
    if (want < MSTORE_MIN_MAP)
        want = MSTORE_MIN_MAP;
    if (want <= info.me_mapsize)
        return 0;
    if ((rc = mdb_env_set_mapsize(s->env, (size_t)want)) == 0)
        return 0;
    lmdb_fail(s, rc, "cannot grow");
    mdb_env_close(s->env);
    s->env = NULL;
    if (env_open(s, info.me_mapsize) != 0)
        return MSTORE_ERR_BROKEN;
    return rc == ENOMEM ? MSTORE_ERR_NOMEM : MSTORE_ERR_LMDB;
}

int mstore_reserve(struct mstore *s, uint64_t reserve, char *why)
{
    int rc = grow(s, reserve);

    if (rc != 0)
        return client_fail(why, rc,
                           "monitor state: cannot make room for "
                           "%llu bytes: %s (%s)",
                           (unsigned long long)reserve, mstore_strerror(rc),
                           s->error);
    return 0;
}

int mstore_open(const char *dir, uint64_t reserve, struct mstore **out,
                char *why)
{
    struct mstore *s;
    int rc;

    *out = NULL;
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        return client_fail(why, MSTORE_ERR_LMDB,
                           "cannot create state directory %s: %s", dir,
                           strerror(errno));
    s = calloc(1, sizeof *s);
    if (s == NULL)
        return client_fail(why, MSTORE_ERR_NOMEM, "out of memory");
    snprintf(s->dir, sizeof s->dir, "%s", dir);
    if ((rc = env_open(s, 0)) != 0) {
        client_fail(why, lmdb_fail(s, rc, "open"), "monitor state in %s: %s",
                    dir, mdb_strerror(rc));
        free(s);
        return MSTORE_ERR_LMDB;
    }
    if ((rc = grow(s, reserve)) != 0) {
        client_fail(why, rc, "monitor state in %s: %s (%s)", dir,
                    mstore_strerror(rc), s->error);
        mstore_close(s);
        return rc;
    }
    *out = s;
    return 0;
}

void mstore_close(struct mstore *s)
{
    if (s == NULL)
        return;
    if (s->env != NULL)
        mdb_env_close(s->env);
    free(s);
}

int mstore_begin(struct mstore *s, bool write, struct mstore_txn **out,
                 char *why)
{
    struct mstore_txn *t = calloc(1, sizeof *t);
    int rc;

    *out = NULL;
    if (t == NULL)
        return client_fail(why, MSTORE_ERR_NOMEM, "out of memory");
    if (s->env == NULL) {
        free(t);
        return client_fail(why, MSTORE_ERR_BROKEN, "%s",
                           mstore_strerror(MSTORE_ERR_BROKEN));
    }
    rc = mdb_txn_begin(s->env, NULL, write ? 0 : MDB_RDONLY, &t->txn);
    if (rc != 0) {
        free(t);
        return client_fail(why, lmdb_fail(s, rc, "begin"), "monitor state: %s",
                           mdb_strerror(rc));
    }
    t->s = s;
    *out = t;
    return 0;
}

int mstore_commit(struct mstore_txn *t, char *why)
{
    int rc = mdb_txn_commit(t->txn);

    if (rc != 0)
        rc = client_fail(why, lmdb_fail(t->s, rc, "commit"),
                         "monitor state commit: %s", mdb_strerror(rc));
    free(t);
    if (rc != 0)
        return rc;
    return 0;
}

void mstore_abort(struct mstore_txn *t)
{
    if (t == NULL)
        return;
    mdb_txn_abort(t->txn);
    free(t);
}

const char *mstore_error(const struct mstore_txn *t)
{
    return t->s->error[0] ? t->s->error : "no error";
}

/* get into a fresh copy; MDB_NOTFOUND sets *found = false. */
static int get_copy(struct mstore_txn *t, MDB_dbi dbi, const void *k,
                    size_t klen, uint8_t **val, size_t *len, bool *found)
{
    MDB_val key = {klen, (void *)k}, v;
    int rc = mdb_get(t->txn, dbi, &key, &v);

    *found = false;
    if (rc == MDB_NOTFOUND)
        return 0;
    if (rc != 0)
        return lmdb_fail(t->s, rc, "read");
    *val = malloc(v.mv_size + 1);
    if (*val == NULL)
        return lmdb_fail(t->s, ENOMEM, "read");
    memcpy(*val, v.mv_data, v.mv_size);
    (*val)[v.mv_size] = 0;
    *len = v.mv_size;
    *found = true;
    return 0;
}

static int put(struct mstore_txn *t, MDB_dbi dbi, const void *k, size_t klen,
               const void *val, size_t len)
{
    MDB_val key = {klen, (void *)k}, v = {len, (void *)val};
    int rc = mdb_put(t->txn, dbi, &key, &v, 0);

    return rc == 0 ? 0 : lmdb_fail(t->s, rc, "write");
}

int mstore_meta_get(struct mstore_txn *t, const char *key, uint8_t **val,
                    size_t *len, bool *found)
{
    return get_copy(t, t->s->meta, key, strlen(key), val, len, found);
}

int mstore_meta_put(struct mstore_txn *t, const char *key, const void *val,
                    size_t len)
{
    return put(t, t->s->meta, key, strlen(key), val, len);
}

/* issuer || 0x00 || u32 key id */
static size_t key_key(uint8_t *buf, const char *issuer, uint32_t key_id)
{
    size_t n = strlen(issuer);

    memcpy(buf, issuer, n);
    buf[n++] = 0;
    for (int i = 3; i >= 0; i--)
        buf[n++] = (uint8_t)(key_id >> (8 * i));
    return n;
}

int mstore_key_get(struct mstore_txn *t, const char *issuer, uint32_t key_id,
                   uint8_t pub[ED25519_PUBLIC_SIZE], bool *found)
{
    uint8_t k[NOTE_NAME_MAX + 6];
    MDB_val key = {key_key(k, issuer, key_id), k}, v;
    int rc = mdb_get(t->txn, t->s->keys, &key, &v);

    *found = false;
    if (rc == MDB_NOTFOUND)
        return 0;
    if (rc != 0 || v.mv_size != ED25519_PUBLIC_SIZE + 8)
        return lmdb_fail(t->s, rc ? rc : MDB_CORRUPTED, "read key");
    memcpy(pub, v.mv_data, ED25519_PUBLIC_SIZE);
    *found = true;
    return 0;
}

int mstore_key_put(struct mstore_txn *t, const char *issuer, uint32_t key_id,
                   const uint8_t pub[ED25519_PUBLIC_SIZE], uint64_t index)
{
    uint8_t k[NOTE_NAME_MAX + 6], v[ED25519_PUBLIC_SIZE + 8];

    memcpy(v, pub, ED25519_PUBLIC_SIZE);
    be_put64(v + ED25519_PUBLIC_SIZE, index);
    return put(t, t->s->keys, k, key_key(k, issuer, key_id), v, sizeof v);
}

int mstore_key_del(struct mstore_txn *t, const char *issuer, uint32_t key_id)
{
    uint8_t k[NOTE_NAME_MAX + 6];
    MDB_val key = {key_key(k, issuer, key_id), k};
    int rc = mdb_del(t->txn, t->s->keys, &key, NULL);

    return rc == 0 || rc == MDB_NOTFOUND ? 0
                                         : lmdb_fail(t->s, rc, "delete key");
}

int mstore_cred_get(struct mstore_txn *t, const uint8_t cred[32],
                    uint64_t *issue, uint64_t *revoke, char *issuer,
                    bool *found)
{
    MDB_val key = {32, (void *)cred}, v;
    int rc = mdb_get(t->txn, t->s->creds, &key, &v);

    *found = false;
    if (rc == MDB_NOTFOUND)
        return 0;
    if (rc != 0 || v.mv_size < 17 || v.mv_size > 16 + NOTE_NAME_MAX)
        return lmdb_fail(t->s, rc ? rc : MDB_CORRUPTED, "read credential");
    *issue = be_get64(v.mv_data);
    *revoke = be_get64((uint8_t *)v.mv_data + 8);
    memcpy(issuer, (uint8_t *)v.mv_data + 16, v.mv_size - 16);
    issuer[v.mv_size - 16] = '\0';
    *found = true;
    return 0;
}

int mstore_cred_put(struct mstore_txn *t, const uint8_t cred[32],
                    uint64_t issue, uint64_t revoke, const char *issuer)
{
    uint8_t v[16 + NOTE_NAME_MAX];
    size_t n = strlen(issuer);

    be_put64(v, issue);
    be_put64(v + 8, revoke);
    memcpy(v + 16, issuer, n);
    return put(t, t->s->creds, cred, 32, v, 16 + n);
}

int mstore_issuer_add(struct mstore_txn *t, const char *issuer, uint64_t issued,
                      uint64_t revoked)
{
    MDB_val key = {strlen(issuer), (void *)issuer}, v;
    uint8_t buf[16] = {0};
    int rc = mdb_get(t->txn, t->s->issuers, &key, &v);

    if (rc == 0 && v.mv_size == 16)
        memcpy(buf, v.mv_data, 16);
    else if (rc != MDB_NOTFOUND)
        return lmdb_fail(t->s, rc ? rc : MDB_CORRUPTED, "read issuer");
    be_put64(buf, be_get64(buf) + issued);
    be_put64(buf + 8, be_get64(buf + 8) + revoked);
    return put(t, t->s->issuers, issuer, strlen(issuer), buf, 16);
}

/* Counts the authorized keys of issuer (keys sort by issuer, then id). */
static int count_keys(struct mstore_txn *t, const char *issuer, unsigned *n)
{
    MDB_cursor *c;
    size_t len = strlen(issuer);
    uint8_t k[NOTE_NAME_MAX + 1];
    MDB_val key = {len + 1, k}, v;
    int rc;

    *n = 0;
    memcpy(k, issuer, len);
    k[len] = 0;
    if ((rc = mdb_cursor_open(t->txn, t->s->keys, &c)) != 0)
        return lmdb_fail(t->s, rc, "cursor");
    rc = mdb_cursor_get(c, &key, &v, MDB_SET_RANGE);
    while (rc == 0 && key.mv_size == len + 5 &&
           memcmp(key.mv_data, k, len + 1) == 0) {
        (*n)++;
        rc = mdb_cursor_get(c, &key, &v, MDB_NEXT);
    }
    mdb_cursor_close(c);
    return rc == 0 || rc == MDB_NOTFOUND ? 0 : lmdb_fail(t->s, rc, "cursor");
}

int mstore_issuers_each(struct mstore_txn *t,
                        void (*fn)(void *ctx, const char *issuer, unsigned keys,
                                   uint64_t issued, uint64_t revoked),
                        void *ctx)
{
    MDB_cursor *c;
    MDB_val key, v;
    char name[NOTE_NAME_MAX + 1];
    unsigned nkeys;
    int rc;

    /* Issuers with credentials (their counters), then issuers that only
     * have keys so far (counters zero). */
    if ((rc = mdb_cursor_open(t->txn, t->s->issuers, &c)) != 0)
        return lmdb_fail(t->s, rc, "cursor");
    for (rc = mdb_cursor_get(c, &key, &v, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get(c, &key, &v, MDB_NEXT)) {
        if (key.mv_size > NOTE_NAME_MAX || v.mv_size != 16)
            continue;
        memcpy(name, key.mv_data, key.mv_size);
        name[key.mv_size] = '\0';
        if (count_keys(t, name, &nkeys) != 0)
            break;
        fn(ctx, name, nkeys, be_get64(v.mv_data),
           be_get64((uint8_t *)v.mv_data + 8));
    }
    mdb_cursor_close(c);
    if (rc != MDB_NOTFOUND)
        return lmdb_fail(t->s, rc, "cursor");
    if ((rc = mdb_cursor_open(t->txn, t->s->keys, &c)) != 0)
        return lmdb_fail(t->s, rc, "cursor");
    name[0] = '\0';
    for (rc = mdb_cursor_get(c, &key, &v, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get(c, &key, &v, MDB_NEXT)) {
        MDB_val ik, iv;
        size_t len = key.mv_size - 5;
        if (key.mv_size < 6 || len > NOTE_NAME_MAX ||
            (strlen(name) == len && memcmp(name, key.mv_data, len) == 0))
            continue;
        memcpy(name, key.mv_data, len);
        name[len] = '\0';
        ik.mv_size = len;
        ik.mv_data = name;
        if (mdb_get(t->txn, t->s->issuers, &ik, &iv) == 0)
            continue; /* reported above */
        if (count_keys(t, name, &nkeys) != 0)
            break;
        fn(ctx, name, nkeys, 0, 0);
    }
    mdb_cursor_close(c);
    return rc == MDB_NOTFOUND ? 0 : lmdb_fail(t->s, rc, "cursor");
}

/* ---- CTL-SMT-v1 node store ---- */

static size_t smt_key(uint8_t *buf, unsigned depth,
                      const uint8_t prefix[SMT_KEY_SIZE])
{
    size_t n = (depth + 7) / 8;

    buf[0] = (uint8_t)(depth >> 8);
    buf[1] = (uint8_t)depth;
    memcpy(buf + 2, prefix, n);
    return 2 + n;
}

static int node_get(struct mstore_txn *t, MDB_dbi dbi, unsigned depth,
                    const uint8_t prefix[SMT_KEY_SIZE], struct smt_node *out)
{
    uint8_t k[2 + SMT_KEY_SIZE];
    MDB_val key = {smt_key(k, depth, prefix), k}, v;
    int rc = mdb_get(t->txn, dbi, &key, &v);
    const uint8_t *p;

    memset(out, 0, sizeof *out);
    if (rc == MDB_NOTFOUND)
        return 0;
    if (rc != 0)
        return lmdb_fail(t->s, rc, "read map node");
    p = v.mv_data;
    if (v.mv_size == 1 + SMT_HASH_SIZE && p[0] == SMT_NODE_BRANCH) {
        out->kind = SMT_NODE_BRANCH;
        memcpy(out->hash, p + 1, SMT_HASH_SIZE);
        return 0;
    }
    if (v.mv_size == 1 + SMT_HASH_SIZE + SMT_KEY_SIZE + SMT_VALUE_SIZE &&
        p[0] == SMT_NODE_LEAF) {
        out->kind = SMT_NODE_LEAF;
        memcpy(out->hash, p + 1, SMT_HASH_SIZE);
        memcpy(out->key, p + 1 + SMT_HASH_SIZE, SMT_KEY_SIZE);
        memcpy(out->value, p + 1 + SMT_HASH_SIZE + SMT_KEY_SIZE,
               SMT_VALUE_SIZE);
        return 0;
    }
    return lmdb_fail(t->s, MDB_CORRUPTED, "map node");
}

static int node_put(struct mstore_txn *t, MDB_dbi dbi, unsigned depth,
                    const uint8_t prefix[SMT_KEY_SIZE],
                    const struct smt_node *node)
{
    uint8_t k[2 + SMT_KEY_SIZE],
        v[1 + SMT_HASH_SIZE + SMT_KEY_SIZE + SMT_VALUE_SIZE];
    size_t vlen = 1 + SMT_HASH_SIZE;

    v[0] = node->kind;
    memcpy(v + 1, node->hash, SMT_HASH_SIZE);
    if (node->kind == SMT_NODE_LEAF) {
        memcpy(v + 1 + SMT_HASH_SIZE, node->key, SMT_KEY_SIZE);
        memcpy(v + 1 + SMT_HASH_SIZE + SMT_KEY_SIZE, node->value,
               SMT_VALUE_SIZE);
        vlen = sizeof v;
    }
    return put(t, dbi, k, smt_key(k, depth, prefix), v, vlen);
}

static int smt_get_cb(void *ctx, unsigned depth,
                      const uint8_t prefix[SMT_KEY_SIZE], struct smt_node *out)
{
    struct mstore_txn *t = ctx;
    return node_get(t, t->s->smt, depth, prefix, out);
}

static int smt_put_cb(void *ctx, unsigned depth,
                      const uint8_t prefix[SMT_KEY_SIZE],
                      const struct smt_node *node)
{
    struct mstore_txn *t = ctx;
    return node_put(t, t->s->smt, depth, prefix, node);
}

static int keysmt_get_cb(void *ctx, unsigned depth,
                         const uint8_t prefix[SMT_KEY_SIZE],
                         struct smt_node *out)
{
    struct mstore_txn *t = ctx;
    return node_get(t, t->s->keysmt, depth, prefix, out);
}

static int keysmt_put_cb(void *ctx, unsigned depth,
                         const uint8_t prefix[SMT_KEY_SIZE],
                         const struct smt_node *node)
{
    struct mstore_txn *t = ctx;
    return node_put(t, t->s->keysmt, depth, prefix, node);
}

void mstore_smt(struct mstore_txn *t, struct smt_store *out)
{
    out->ctx = t;
    out->get = smt_get_cb;
    out->put = smt_put_cb;
}

void mstore_keysmt(struct mstore_txn *t, struct smt_store *out)
{
    out->ctx = t;
    out->get = keysmt_get_cb;
    out->put = keysmt_put_cb;
}
