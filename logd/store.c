/*
 * store.c: logd's LMDB storage. See store.h for the contract and
 * docs/storage.md for every database and key.
 *
 * Keys are big-endian so that LMDB's byte order is numeric order, which lets
 * entries and stored hashes be appended with MDB_APPEND (no page splits in
 * the middle, pages filled completely).
 */
#define _GNU_SOURCE /* pthread_rwlockattr_setkind_np */
#include "logd/store.h"

#include <errno.h>
#include <fcntl.h>
#include <lmdb.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

/* 2: map nodes computed from creds, only the upper branches stored (1 stored
 * every node, depth first; opening a format-1 directory converts it). */
#define STORE_FORMAT 2
#define STORE_DEFAULT_MAP ((uint64_t)1 << 30)
#define STORE_MAX_MAP ((uint64_t)1 << 44)

enum { DB_ENTRIES, DB_HASHES, DB_CREDS, DB_SMT, DB_KEYS, DB_META, DB_COUNT };

static const char *const db_names[DB_COUNT] = {
    "entries", "hashes", "creds", "smt", "keys", "meta",
};

static const char META_FORMAT[] = "format";
static const char META_CHECKPOINT[] = "checkpoint";
static const char META_LOG_KEY[] = "log_key";
static const char META_COUNTS[] = "counts";

struct store {
    int lock_fd; /* flock()ed DIR/logd.lock: one logd per directory */
    MDB_env *env;
    MDB_dbi dbi[DB_COUNT];
    uint64_t map_size;
    uint64_t max_map; /* store_grow()'s cap */
    bool broken;      /* a failed remap left LMDB without a map */
    /* Readers hold it shared while a read transaction is open; store_grow()
     * holds it exclusively, because LMDB may only remap with no transaction
     * open in the process. Writer-preferring, so a stream of readers cannot
     * starve a resize. */
    pthread_rwlock_t grow_lock;
};

struct smt_kv;
struct smt_memo;

#define STORE_HCACHE_BITS                                                      \
    14 /* 16384 remembered hashes per reader (640 KiB)                         \
        */

struct hcache_slot {
    uint64_t index1; /* stored index + 1; 0: empty */
    uint8_t hash[MERKLE_HASH_SIZE];
};

struct store_txn {
    struct store *s;
    MDB_txn *txn;
    MDB_cursor *cur[DB_COUNT]; /* opened on first use */
    bool write;
    bool active;
    int err; /* first failure of a write transaction */
    /* The credentials of the last map subtree computed from creds (see
     * "the CTL-SMT-v1 node store"), and the hashes of its inner nodes:
     * nodes below it are answered from here. Valid while kv_valid. */
    struct smt_kv *kv;
    size_t kvcap, nkv;
    bool kv_valid;
    unsigned kv_depth;
    uint8_t kv_prefix[32];
    struct smt_memo *memo;
    size_t nmemo, memocap;
    /* Readers only: stored tree hashes read before. A stored hash never
     * changes once committed, so they stay valid across transactions; the
     * upper levels, shared by every proof, stay here. */
    struct hcache_slot *hc;
};

const char *store_strerror(int err)
{
    switch (err) {
    case 0:
        return "success";
    case STORE_ERR_IO:
        return "storage I/O error";
    case STORE_ERR_NOTFOUND:
        return "not found";
    case STORE_ERR_MAP_FULL:
        return "storage map is full";
    case STORE_ERR_DISK_FULL:
        return "disk is full";
    case STORE_ERR_CORRUPT:
        return "stored data is corrupt";
    case STORE_ERR_NOMEM:
        return "out of memory";
    case STORE_ERR_SPACE:
        return "buffer too small";
    case STORE_ERR_ORDER:
        return "append out of order";
    case STORE_ERR_OPEN:
        return "cannot open the data directory";
    default:
        return "unknown store error";
    }
}

static void put_u64(uint8_t *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--) {
        p[i] = (uint8_t)v;
        v >>= 8;
    }
}

static uint64_t get_u64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | p[i];
    return v;
}

/* Maps an LMDB or errno code to a STORE_ERR_* code. */
static int map_rc(int rc)
{
    switch (rc) {
    case MDB_SUCCESS:
        return 0;
    case MDB_NOTFOUND:
        return STORE_ERR_NOTFOUND;
    case MDB_MAP_FULL:
        return STORE_ERR_MAP_FULL;
    case MDB_KEYEXIST:
        return STORE_ERR_ORDER;
    case ENOSPC:
    case EDQUOT:
    case EFBIG:
        return STORE_ERR_DISK_FULL;
    case ENOMEM:
        return STORE_ERR_NOMEM;
    default:
        return STORE_ERR_IO;
    }
}

/* Records a write transaction's first failure, which poisons it. */
static int fail(struct store_txn *t, int err)
{
    if (t->write && t->err == 0 && err != STORE_ERR_NOTFOUND)
        t->err = err;
    return err;
}

int store_open(const char *dir, const struct store_options *opt,
               struct store **out, char *errbuf, size_t errcap)
{
    struct store *s;
    MDB_txn *txn = NULL;
    MDB_val k, v;
    pthread_rwlockattr_t attr;
    unsigned readers = opt && opt->max_readers ? opt->max_readers : 126;
    int rc;

    *out = NULL;
    s = calloc(1, sizeof *s);
    if (s == NULL) {
        snprintf(errbuf, errcap, "out of memory");
        return STORE_ERR_NOMEM;
    }
    s->map_size = opt && opt->map_size ? opt->map_size : STORE_DEFAULT_MAP;
    s->max_map = STORE_MAX_MAP;
    s->lock_fd = -1;
    pthread_rwlockattr_init(&attr);
    pthread_rwlockattr_setkind_np(&attr,
                                  PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
    pthread_rwlock_init(&s->grow_lock, &attr);
    pthread_rwlockattr_destroy(&attr);

    /* LMDB allows several processes on one environment; two logds would
     * each append from their own idea of the tree. */
    {
        char path[4096];
        snprintf(path, sizeof path, "%s/logd.lock", dir);
        s->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        if (s->lock_fd < 0) {
            snprintf(errbuf, errcap, "%s: %s", path, strerror(errno));
            store_close(s);
            return STORE_ERR_OPEN;
        }
        if (flock(s->lock_fd, LOCK_EX | LOCK_NB) != 0) {
            snprintf(errbuf, errcap, "%s: %s", dir,
                     errno == EWOULDBLOCK ? "another logd is using it"
                                          : strerror(errno));
            store_close(s);
            return STORE_ERR_OPEN;
        }
    }
    if ((rc = mdb_env_create(&s->env)) != 0)
        goto fail;
    if ((rc = mdb_env_set_maxdbs(s->env, DB_COUNT)) != 0 ||
        (rc = mdb_env_set_maxreaders(s->env, readers)) != 0 ||
        (rc = mdb_env_set_mapsize(s->env, (size_t)s->map_size)) != 0)
        goto fail;
    /* MDB_NOTLS: read transactions belong to handles, not threads, so each
     * HTTP thread can reset and renew its own. No NOSYNC/NOMETASYNC/WRITEMAP:
     * every commit is durable. */
    if ((rc = mdb_env_open(s->env, dir, MDB_NOTLS, 0600)) != 0)
        goto fail;
    {
        MDB_envinfo info;
        mdb_env_info(s->env, &info);
        s->map_size = info.me_mapsize;
    }
    if ((rc = mdb_txn_begin(s->env, NULL, 0, &txn)) != 0)
        goto fail;
    for (int i = 0; i < DB_COUNT; i++)
        if ((rc = mdb_dbi_open(txn, db_names[i], MDB_CREATE, &s->dbi[i])) != 0)
            goto fail;
    k.mv_data = (void *)META_FORMAT;
    k.mv_size = sizeof META_FORMAT - 1;
    rc = mdb_get(txn, s->dbi[DB_META], &k, &v);
    if (rc == MDB_NOTFOUND) {
        uint8_t fmt[4] = {0, 0, 0, STORE_FORMAT};
        v.mv_data = fmt;
        v.mv_size = sizeof fmt;
        if ((rc = mdb_put(txn, s->dbi[DB_META], &k, &v, 0)) != 0)
            goto fail;
    } else if (rc != 0) {
        goto fail;
    } else if (v.mv_size != 4 ||
               (((uint8_t *)v.mv_data)[3] != STORE_FORMAT &&
                ((uint8_t *)v.mv_data)[3] != 1) ||
               ((uint8_t *)v.mv_data)[0] | ((uint8_t *)v.mv_data)[1] |
                   ((uint8_t *)v.mv_data)[2]) {
        snprintf(errbuf, errcap, "%s: unsupported storage format", dir);
        mdb_txn_abort(txn);
        store_close(s);
        return STORE_ERR_OPEN;
    } else if (((uint8_t *)v.mv_data)[3] == 1) {
        /* Format 1 stored every map node under depth-first keys: rebuild the
         * map's stored nodes from the credential index, in this same
         * transaction (a crash leaves format 1 whole). */
        struct store_txn *w = calloc(1, sizeof *w);
        uint8_t fmt[4] = {0, 0, 0, STORE_FORMAT};
        int err;
        if (w == NULL) {
            rc = ENOMEM;
            goto fail;
        }
        w->s = s;
        w->txn = txn;
        w->write = true;
        w->active = true;
        err = store_smt_rebuild(w);
        free(w->kv);
        free(w->memo);
        free(w);
        if (err != 0) {
            snprintf(errbuf, errcap, "%s: cannot convert storage format 1: %s",
                     dir, store_strerror(err));
            mdb_txn_abort(txn);
            store_close(s);
            return err == STORE_ERR_NOMEM ? STORE_ERR_NOMEM : STORE_ERR_OPEN;
        }
        v.mv_data = fmt;
        v.mv_size = sizeof fmt;
        if ((rc = mdb_put(txn, s->dbi[DB_META], &k, &v, 0)) != 0)
            goto fail;
    }
    rc = mdb_txn_commit(txn);
    txn = NULL;
    if (rc != 0)
        goto fail;
    /* LMDB syncs data.mdb but not the directory: make the new file's name
     * durable too, before any receipt depends on it. */
    {
        int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0 || fsync(dfd) != 0) {
            snprintf(errbuf, errcap, "%s: %s", dir, strerror(errno));
            if (dfd >= 0)
                close(dfd);
            store_close(s);
            return STORE_ERR_OPEN;
        }
        close(dfd);
    }
    *out = s;
    return 0;

fail:
    snprintf(errbuf, errcap, "%s: %s", dir, mdb_strerror(rc));
    if (txn != NULL)
        mdb_txn_abort(txn);
    store_close(s);
    return rc == ENOMEM ? STORE_ERR_NOMEM : STORE_ERR_OPEN;
}

void store_close(struct store *s)
{
    if (s == NULL)
        return;
    if (s->env != NULL)
        mdb_env_close(s->env);
    if (s->lock_fd >= 0)
        close(s->lock_fd); /* releases the flock */
    pthread_rwlock_destroy(&s->grow_lock);
    free(s);
}

uint64_t store_map_size(struct store *s)
{
    uint64_t size;

    pthread_rwlock_rdlock(&s->grow_lock);
    size = s->map_size;
    pthread_rwlock_unlock(&s->grow_lock);
    return size;
}

void store_set_max_map(struct store *s, uint64_t max_size)
{
    pthread_rwlock_wrlock(&s->grow_lock);
    s->max_map =
        max_size == 0 || max_size > STORE_MAX_MAP ? STORE_MAX_MAP : max_size;
    pthread_rwlock_unlock(&s->grow_lock);
}

int store_grow(struct store *s)
{
    uint64_t size;
    void *probe;
    int fd, rc;

    pthread_rwlock_wrlock(&s->grow_lock);
    if (s->broken) {
        pthread_rwlock_unlock(&s->grow_lock);
        return STORE_ERR_IO;
    }
    size = s->map_size * 2;
    if (size > s->max_map)
        size = s->max_map;
    if (size <= s->map_size) {
        pthread_rwlock_unlock(&s->grow_lock);
        return STORE_ERR_MAP_FULL;
    }
    /* LMDB unmaps the old map before mapping the new one, and if that mmap
     * fails (address space limit) it keeps no map at all: the next
     * transaction would crash. So first check that the new size can be
     * mapped while the old map is still there. */
    if (mdb_env_get_fd(s->env, &fd) != 0) {
        pthread_rwlock_unlock(&s->grow_lock);
        return STORE_ERR_IO;
    }
    probe = mmap(NULL, (size_t)size, PROT_READ, MAP_SHARED, fd, 0);
    if (probe == MAP_FAILED) {
        pthread_rwlock_unlock(&s->grow_lock);
        return STORE_ERR_MAP_FULL;
    }
    munmap(probe, (size_t)size);
    rc = mdb_env_set_mapsize(s->env, (size_t)size);
    if (rc == 0) {
        s->map_size = size;
    } else {
        /* Lost the race for the address space: LMDB has no map left. */
        s->broken = true;
    }
    pthread_rwlock_unlock(&s->grow_lock);
    return rc == 0 ? 0 : STORE_ERR_IO;
}

/* ---- transactions ---- */

int store_reader_new(struct store *s, struct store_txn **out)
{
    struct store_txn *r;
    int rc;

    *out = NULL;
    r = calloc(1, sizeof *r);
    if (r == NULL)
        return STORE_ERR_NOMEM;
    r->s = s;
    r->hc =
        calloc((size_t)1 << STORE_HCACHE_BITS, sizeof *r->hc); /* optional */
    pthread_rwlock_rdlock(&s->grow_lock);
    rc = s->broken ? EIO : mdb_txn_begin(s->env, NULL, MDB_RDONLY, &r->txn);
    if (rc == 0)
        mdb_txn_reset(r->txn);
    pthread_rwlock_unlock(&s->grow_lock);
    if (rc != 0) {
        free(r->hc);
        free(r);
        return map_rc(rc);
    }
    *out = r;
    return 0;
}

int store_read_begin(struct store_txn *r)
{
    int rc;

    pthread_rwlock_rdlock(&r->s->grow_lock);
    r->kv_valid = false;
    rc = r->s->broken ? EIO : mdb_txn_renew(r->txn);
    if (rc != 0) {
        pthread_rwlock_unlock(&r->s->grow_lock);
        return map_rc(rc);
    }
    for (int i = 0; i < DB_COUNT; i++)
        if (r->cur[i] != NULL && mdb_cursor_renew(r->txn, r->cur[i]) != 0) {
            mdb_cursor_close(r->cur[i]);
            r->cur[i] = NULL;
        }
    r->active = true;
    return 0;
}

void store_read_end(struct store_txn *r)
{
    if (r == NULL || !r->active)
        return;
    mdb_txn_reset(r->txn);
    r->active = false;
    pthread_rwlock_unlock(&r->s->grow_lock);
}

void store_reader_free(struct store_txn *r)
{
    if (r == NULL)
        return;
    store_read_end(r);
    for (int i = 0; i < DB_COUNT; i++)
        if (r->cur[i] != NULL)
            mdb_cursor_close(r->cur[i]);
    mdb_txn_abort(r->txn);
    free(r->kv);
    free(r->memo);
    free(r->hc);
    free(r);
}

int store_write_begin(struct store *s, struct store_txn **out)
{
    struct store_txn *w;
    int rc;

    *out = NULL;
    w = calloc(1, sizeof *w);
    if (w == NULL)
        return STORE_ERR_NOMEM;
    w->s = s;
    w->write = true;
    /* The writer runs while no store_grow() can (one thread does both). */
    rc = s->broken ? EIO : mdb_txn_begin(s->env, NULL, 0, &w->txn);
    if (rc != 0) {
        free(w);
        return map_rc(rc);
    }
    w->active = true;
    *out = w;
    return 0;
}

/* Why a commit failed. LMDB reports a short write as EIO, and a write that
 * meets a full disk or the file size limit (RLIMIT_FSIZE) is short: so on
 * EIO, ask the file system whether the data file can grow by one page now. */
static int commit_error(struct store *s, int rc)
{
    struct statvfs vfs;
    struct stat st;
    int fd, e;

    if (rc != EIO)
        return map_rc(rc);
    if (mdb_env_get_fd(s->env, &fd) != 0 || fstat(fd, &st) != 0)
        return STORE_ERR_IO;
    e = fallocate(fd, 0, st.st_size, 4096);
    if (e == 0)
        return STORE_ERR_IO; /* there is room: a real I/O error */
    e = errno;
    if (e == ENOSPC || e == EFBIG || e == EDQUOT)
        return STORE_ERR_DISK_FULL;
    if ((e == EOPNOTSUPP || e == ENOSYS) && fstatvfs(fd, &vfs) == 0 &&
        (uint64_t)(geteuid() == 0 ? vfs.f_bfree : vfs.f_bavail) * vfs.f_frsize <
            (uint64_t)1 << 16)
        return STORE_ERR_DISK_FULL;
    return STORE_ERR_IO;
}

int store_write_commit(struct store_txn *w)
{
    int err = w->err;

    /* A write transaction's cursors are freed by LMDB when it ends. */
    if (err != 0)
        mdb_txn_abort(w->txn);
    else if ((err = mdb_txn_commit(w->txn)) != 0)
        err = commit_error(w->s, err);
    free(w->kv);
    free(w->memo);
    free(w);
    return err;
}

void store_write_abort(struct store_txn *w)
{
    if (w == NULL)
        return;
    mdb_txn_abort(w->txn);
    free(w->kv);
    free(w->memo);
    free(w);
}

int store_txn_error(const struct store_txn *w)
{
    return w->err;
}

static int cursor(struct store_txn *t, int db, MDB_cursor **out)
{
    if (t->cur[db] == NULL) {
        int rc = mdb_cursor_open(t->txn, t->s->dbi[db], &t->cur[db]);
        if (rc != 0)
            return fail(t, map_rc(rc));
    }
    *out = t->cur[db];
    return 0;
}

/* ---- reads ---- */

int store_tree_size(struct store_txn *t, uint64_t *size)
{
    MDB_cursor *c;
    MDB_val k, v;
    int rc, err;

    if ((err = cursor(t, DB_ENTRIES, &c)) != 0)
        return err;
    rc = mdb_cursor_get(c, &k, &v, MDB_LAST);
    if (rc == MDB_NOTFOUND) {
        *size = 0;
        return 0;
    }
    if (rc != 0)
        return fail(t, map_rc(rc));
    if (k.mv_size != 8)
        return fail(t, STORE_ERR_CORRUPT);
    *size = get_u64(k.mv_data) + 1;
    return 0;
}

int store_entry(struct store_txn *t, uint64_t index, uint8_t *buf, size_t cap,
                size_t *len)
{
    MDB_cursor *c;
    MDB_val k, v;
    uint8_t key[8];
    int rc, err;

    if ((err = cursor(t, DB_ENTRIES, &c)) != 0)
        return err;
    put_u64(key, index);
    k.mv_data = key;
    k.mv_size = sizeof key;
    rc = mdb_cursor_get(c, &k, &v, MDB_SET_KEY);
    if (rc != 0)
        return fail(t, map_rc(rc));
    if (v.mv_size > cap)
        return STORE_ERR_SPACE;
    memcpy(buf, v.mv_data, v.mv_size);
    *len = v.mv_size;
    return 0;
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
    if ((err = cursor(t, DB_ENTRIES, &c)) != 0)
        return err;
    put_u64(key, first);
    k.mv_data = key;
    k.mv_size = sizeof key;
    rc = mdb_cursor_get(c, &k, &v, MDB_SET_KEY);
    for (uint64_t i = 0;; i++) {
        if (rc != 0)
            return fail(t, map_rc(rc));
        if (k.mv_size != 8 || get_u64(k.mv_data) != first + i)
            return fail(t, STORE_ERR_NOTFOUND);
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
    if ((err = cursor(t, DB_HASHES, &c)) != 0)
        return err;
    for (size_t i = 0; i < n; i++) {
        struct hcache_slot *slot = NULL;
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
                    return fail(t, map_rc(rc));
                if (k.mv_size != 8)
                    return fail(t, STORE_ERR_CORRUPT);
                at = get_u64(k.mv_data);
            }
            if (at != index[i])
                return STORE_ERR_NOTFOUND;
        } else {
            put_u64(key, index[i]);
            k.mv_data = key;
            k.mv_size = sizeof key;
            rc = mdb_cursor_get(c, &k, &v, MDB_SET);
            if (rc != 0)
                return fail(t, map_rc(rc));
            at = index[i];
            have_at = true;
        }
        if (v.mv_size != MERKLE_HASH_SIZE)
            return fail(t, STORE_ERR_CORRUPT);
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
    int rc = mdb_get(t->txn, t->s->dbi[DB_CREDS], &k, &v);

    if (rc != 0)
        return fail(t, map_rc(rc));
    if (v.mv_size != 16)
        return fail(t, STORE_ERR_CORRUPT);
    out->issue_index = get_u64(v.mv_data);
    out->revoke_index = get_u64((uint8_t *)v.mv_data + 8);
    return 0;
}

static int meta_get(struct store_txn *t, const char *name, MDB_val *v)
{
    MDB_val k = {strlen(name), (void *)name};
    int rc = mdb_get(t->txn, t->s->dbi[DB_META], &k, v);

    return rc == 0 ? 0 : fail(t, map_rc(rc));
}

static int meta_put(struct store_txn *t, const char *name, const void *data,
                    size_t len)
{
    MDB_val k = {strlen(name), (void *)name}, v = {len, (void *)data};

    if (t->err)
        return t->err;
    return fail(t, map_rc(mdb_put(t->txn, t->s->dbi[DB_META], &k, &v, 0)));
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
        return fail(t, STORE_ERR_CORRUPT);
    for (int i = 0; i < STORE_COUNTS; i++)
        counts[i] = get_u64((uint8_t *)v.mv_data + 8 * i);
    return 0;
}

/* keys: u8 name length || name || public key[32] -> u64be added index. */
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

    if ((err = cursor(t, DB_KEYS, &c)) != 0)
        return err;
    for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
        const uint8_t *p = k.mv_data;
        if (k.mv_size < 1 + 32 || (size_t)p[0] + 1 + 32 != k.mv_size ||
            p[0] == 0 || v.mv_size != 8)
            return fail(t, STORE_ERR_CORRUPT);
        memcpy(name, p + 1, p[0]);
        name[p[0]] = '\0';
        if ((err = fn(arg, name, p + 1 + p[0], get_u64(v.mv_data))) != 0)
            return err;
    }
    return rc == MDB_NOTFOUND ? 0 : fail(t, map_rc(rc));
}

/* ---- the CTL-SMT-v1 node store ----
 *
 * The map's keys and values are exactly the credential index: creds holds
 * key -> u64be issue || u64be revoke, which is the map value's encoding, and
 * creds sorted by key is the map's leaves in order, so the subtree at
 * (depth, prefix) is one contiguous range of creds. Only branch nodes near
 * the top are stored; every other node is computed from its range:
 *
 *   smt: prefix[ceil(depth/8)] (bits at and beyond depth zero) || u16be depth
 *        -> hash[32], for branches at depth < smt_store_depth(n)
 *
 * where n is the number of credentials and smt_store_depth(n) =
 * floor(log2(n / SMT_STORE_KEYS)), so a subtree below it holds about
 * SMT_STORE_KEYS keys and costs that many reads and hashes to compute. n
 * never shrinks, so a node that is stored stays stored and is rewritten by
 * every update below it; a node that is not stored yet is computed (it holds
 * at most about 2 * SMT_STORE_KEYS keys). Prefix-first keys keep one path's
 * stored nodes in a few pages. Leaves are never stored.
 */
#define SMT_STORE_KEYS 8

struct smt_kv {
    uint8_t key[SMT_KEY_SIZE];
    uint8_t value[SMT_VALUE_SIZE];
};

/* An inner node of the computed subtree: kv[lo..] at depth. */
struct smt_memo {
    unsigned depth;
    size_t lo;
    uint8_t hash[SMT_HASH_SIZE];
};

static size_t smt_key(unsigned depth, const uint8_t prefix[SMT_KEY_SIZE],
                      uint8_t key[SMT_KEY_SIZE + 2])
{
    size_t nb = (depth + 7) / 8;

    memcpy(key, prefix, nb);
    if (depth % 8 != 0)
        key[nb - 1] &= (uint8_t)(0xff << (8 - depth % 8));
    key[nb] = (uint8_t)(depth >> 8);
    key[nb + 1] = (uint8_t)depth;
    return nb + 2;
}

static bool smt_has_prefix(const uint8_t *k, const uint8_t *p, unsigned depth)
{
    unsigned bytes = depth / 8, rest = depth % 8;

    if (memcmp(k, p, bytes) != 0)
        return false;
    return rest == 0 ||
           ((k[bytes] ^ p[bytes]) & (uint8_t)(0xff << (8 - rest))) == 0;
}

static int smt_bit_at(const uint8_t *k, unsigned i)
{
    return (k[i >> 3] >> (7 - (i & 7))) & 1;
}

/* Reads the credentials under (depth, prefix) into t->kv (sorted), at most
 * max of them (0: all). Prefixes have every bit at and beyond depth zero, so
 * the first key under one is at or after the prefix itself. */
static int smt_range(struct store_txn *t, unsigned depth,
                     const uint8_t prefix[SMT_KEY_SIZE], size_t max, size_t *n)
{
    MDB_cursor *c;
    MDB_val k, v;
    int rc, err;

    *n = 0;
    t->kv_valid = false;
    if ((err = cursor(t, DB_CREDS, &c)) != 0)
        return err;
    k.mv_data = (void *)prefix;
    k.mv_size = SMT_KEY_SIZE;
    for (rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
         rc == 0 && (max == 0 || *n < max);
         rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
        if (k.mv_size != SMT_KEY_SIZE || v.mv_size != SMT_VALUE_SIZE)
            return fail(t, STORE_ERR_CORRUPT);
        if (!smt_has_prefix(k.mv_data, prefix, depth))
            break;
        if (*n == t->kvcap) {
            size_t cap = t->kvcap ? 2 * t->kvcap : 64;
            struct smt_kv *kv = realloc(t->kv, cap * sizeof *kv);
            if (kv == NULL)
                return fail(t, STORE_ERR_NOMEM);
            t->kv = kv;
            t->kvcap = cap;
        }
        memcpy(t->kv[*n].key, k.mv_data, SMT_KEY_SIZE);
        memcpy(t->kv[*n].value, v.mv_data, SMT_VALUE_SIZE);
        (*n)++;
    }
    if (rc != 0 && rc != MDB_NOTFOUND)
        return fail(t, map_rc(rc));
    return 0;
}

/* Branches at depths below this are stored: floor(log2(n / SMT_STORE_KEYS))
 * for n credentials (0 while n < 2 * SMT_STORE_KEYS). */
static int smt_store_depth(struct store_txn *t, unsigned *limit)
{
    MDB_stat st;
    int rc = mdb_stat(t->txn, t->s->dbi[DB_CREDS], &st);

    if (rc != 0)
        return fail(t, map_rc(rc));
    *limit = 0;
    while (((uint64_t)SMT_STORE_KEYS << (*limit + 1)) <= st.ms_entries)
        (*limit)++;
    return 0;
}

/* The hash of the subtree at depth holding t->kv[lo..lo+n) (sorted, all
 * sharing their first depth bits): CTL-SMT-v1's T(p). Inner nodes are
 * remembered in t->memo. */
static int smt_subtree_hash(struct store_txn *t, size_t lo, size_t n,
                            unsigned depth, uint8_t out[SMT_HASH_SIZE])
{
    uint8_t l[SMT_HASH_SIZE], r[SMT_HASH_SIZE];
    size_t mid = lo;
    int err;

    if (n == 0) {
        memset(out, 0, SMT_HASH_SIZE);
        return 0;
    }
    if (n == 1) {
        smt_leaf_hash(t->kv[lo].key, t->kv[lo].value, out);
        return 0;
    }
    while (mid < lo + n && !smt_bit_at(t->kv[mid].key, depth))
        mid++;
    if ((err = smt_subtree_hash(t, lo, mid - lo, depth + 1, l)) != 0 ||
        (err = smt_subtree_hash(t, mid, lo + n - mid, depth + 1, r)) != 0)
        return err;
    smt_node_hash(l, r, out);
    if (t->nmemo == t->memocap) {
        size_t cap = t->memocap ? 2 * t->memocap : 64;
        struct smt_memo *m = realloc(t->memo, cap * sizeof *m);
        if (m == NULL)
            return fail(t, STORE_ERR_NOMEM);
        t->memo = m;
        t->memocap = cap;
    }
    t->memo[t->nmemo].depth = depth;
    t->memo[t->nmemo].lo = lo;
    memcpy(t->memo[t->nmemo].hash, out, SMT_HASH_SIZE);
    t->nmemo++;
    return 0;
}

/* Answers (depth, prefix) from the computed subtree in t->kv, which holds
 * it (nothing below a computed node is stored). */
static int smt_from_kv(struct store_txn *t, unsigned depth,
                       const uint8_t prefix[SMT_KEY_SIZE], struct smt_node *out)
{
    size_t lo = 0, n = 0;

    while (lo < t->nkv && !smt_has_prefix(t->kv[lo].key, prefix, depth))
        lo++;
    while (lo + n < t->nkv && smt_has_prefix(t->kv[lo + n].key, prefix, depth))
        n++;
    if (n == 0) {
        out->kind = SMT_NODE_EMPTY;
        return 0;
    }
    if (n == 1) {
        out->kind = SMT_NODE_LEAF;
        memcpy(out->key, t->kv[lo].key, SMT_KEY_SIZE);
        memcpy(out->value, t->kv[lo].value, SMT_VALUE_SIZE);
        smt_leaf_hash(out->key, out->value, out->hash);
        return 0;
    }
    out->kind = SMT_NODE_BRANCH;
    for (size_t i = 0; i < t->nmemo; i++)
        if (t->memo[i].depth == depth && t->memo[i].lo == lo) {
            memcpy(out->hash, t->memo[i].hash, SMT_HASH_SIZE);
            return 0;
        }
    return smt_subtree_hash(t, lo, n, depth, out->hash);
}

static int smt_get_cb(void *ctx, unsigned depth,
                      const uint8_t prefix[SMT_KEY_SIZE], struct smt_node *out)
{
    struct store_txn *t = ctx;
    uint8_t key[SMT_KEY_SIZE + 2];
    MDB_cursor *c;
    MDB_val k, v;
    size_t n;
    int rc, err;

    memset(out, 0, sizeof *out);
    if (t->kv_valid && depth >= t->kv_depth &&
        smt_has_prefix(prefix, t->kv_prefix, t->kv_depth))
        return smt_from_kv(t, depth, prefix, out);
    k.mv_data = key;
    k.mv_size = smt_key(depth, prefix, key);
    /* A cursor's MDB_SET looks at its current page first: one path's nodes
     * are neighbours (prefix-first keys), so most lookups skip the descent
     * from the root. */
    if ((err = cursor(t, DB_SMT, &c)) != 0)
        return err;
    rc = mdb_cursor_get(c, &k, &v, MDB_SET);
    if (rc == 0) {
        if (v.mv_size != SMT_HASH_SIZE)
            return fail(t, STORE_ERR_CORRUPT);
        out->kind = SMT_NODE_BRANCH;
        memcpy(out->hash, v.mv_data, SMT_HASH_SIZE);
        return 0;
    }
    if (rc != MDB_NOTFOUND)
        return fail(t, map_rc(rc));
    if ((err = smt_range(t, depth, prefix, 0, &n)) != 0)
        return err;
    t->nkv = n;
    t->nmemo = 0;
    t->kv_depth = depth;
    memcpy(t->kv_prefix, prefix, SMT_KEY_SIZE);
    t->kv_valid = true;
    return smt_from_kv(t, depth, prefix, out);
}

static int smt_put_cb(void *ctx, unsigned depth,
                      const uint8_t prefix[SMT_KEY_SIZE],
                      const struct smt_node *node)
{
    struct store_txn *t = ctx;
    uint8_t key[SMT_KEY_SIZE + 2];
    MDB_val k, v;
    unsigned limit;
    int err;

    if (!t->write)
        return STORE_ERR_IO;
    if (t->err)
        return t->err;
    if (node->kind != SMT_NODE_BRANCH)
        return node->kind == SMT_NODE_LEAF ? 0 : STORE_ERR_IO;
    if ((err = smt_store_depth(t, &limit)) != 0)
        return err;
    if (depth >= limit)
        return 0;
    k.mv_data = key;
    k.mv_size = smt_key(depth, prefix, key);
    v.mv_data = (void *)node->hash;
    v.mv_size = SMT_HASH_SIZE;
    return fail(t, map_rc(mdb_put(t->txn, t->s->dbi[DB_SMT], &k, &v, 0)));
}

/* Stores the branches of the subtree at (depth, prefix) that lie above
 * limit, computed from creds, and sets *out to the subtree's node. */
static int smt_rebuild_at(struct store_txn *t, unsigned depth,
                          uint8_t prefix[SMT_KEY_SIZE], unsigned limit,
                          struct smt_node *out)
{
    struct smt_node l, r;
    uint8_t key[SMT_KEY_SIZE + 2];
    MDB_val k, v;
    size_t n;
    int err;

    memset(out, 0, sizeof *out);
    if ((err = smt_range(t, depth, prefix, depth < limit ? 2 : 0, &n)) != 0)
        return err;
    if (n < 2 || depth >= limit) {
        t->nkv = n;
        t->nmemo = 0;
        t->kv_depth = depth;
        memcpy(t->kv_prefix, prefix, SMT_KEY_SIZE);
        t->kv_valid = true;
        return smt_from_kv(t, depth, prefix, out);
    }
    if ((err = smt_rebuild_at(t, depth + 1, prefix, limit, &l)) != 0)
        return err;
    prefix[depth / 8] |= (uint8_t)(0x80 >> (depth % 8));
    err = smt_rebuild_at(t, depth + 1, prefix, limit, &r);
    prefix[depth / 8] &= (uint8_t) ~(0x80 >> (depth % 8));
    if (err != 0)
        return err;
    out->kind = SMT_NODE_BRANCH;
    smt_node_hash(l.hash, r.hash, out->hash);
    k.mv_data = key;
    k.mv_size = smt_key(depth, prefix, key);
    v.mv_data = out->hash;
    v.mv_size = SMT_HASH_SIZE;
    return fail(t, map_rc(mdb_put(t->txn, t->s->dbi[DB_SMT], &k, &v, 0)));
}

int store_smt_rebuild(struct store_txn *w)
{
    uint8_t prefix[SMT_KEY_SIZE] = {0};
    struct smt_node root;
    unsigned limit;
    int rc, err;

    if (!w->write)
        return STORE_ERR_IO;
    if (w->err)
        return w->err;
    if ((rc = mdb_drop(w->txn, w->s->dbi[DB_SMT], 0)) != 0)
        return fail(w, map_rc(rc));
    w->kv_valid = false;
    if ((err = smt_store_depth(w, &limit)) != 0)
        return err;
    err = smt_rebuild_at(w, 0, prefix, limit, &root);
    w->kv_valid = false;
    return err;
}

void store_smt(struct store_txn *t, struct smt_store *out)
{
    out->ctx = t;
    out->get = smt_get_cb;
    out->put = smt_put_cb;
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
    if ((err = cursor(w, DB_ENTRIES, &c)) != 0)
        return err;
    put_u64(key, index);
    k.mv_data = key;
    k.mv_size = sizeof key;
    v.mv_data = (void *)entry;
    v.mv_size = len;
    return fail(w, map_rc(mdb_cursor_put(c, &k, &v, MDB_APPEND)));
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
    if ((err = cursor(w, DB_HASHES, &c)) != 0)
        return err;
    for (size_t i = 0; i < n; i++) {
        put_u64(key, first + i);
        k.mv_data = key;
        k.mv_size = sizeof key;
        v.mv_data = (void *)hashes[i];
        v.mv_size = MERKLE_HASH_SIZE;
        err = map_rc(mdb_cursor_put(c, &k, &v, MDB_APPEND));
        if (err != 0)
            return fail(w, err);
    }
    return 0;
}

int store_put_credential(struct store_txn *w, const uint8_t hash[32],
                         const struct store_credential *c)
{
    w->kv_valid = false;
    uint8_t val[16];
    MDB_val k = {32, (void *)hash}, v = {sizeof val, val};

    if (w->err)
        return w->err;
    put_u64(val, c->issue_index);
    put_u64(val + 8, c->revoke_index);
    return fail(w, map_rc(mdb_put(w->txn, w->s->dbi[DB_CREDS], &k, &v, 0)));
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
        put_u64(buf + 8 * i, counts[i]);
    return meta_put(w, META_COUNTS, buf, sizeof buf);
}

int store_put_key(struct store_txn *w, const char *issuer,
                  const uint8_t pub[32], uint64_t added_index)
{
    uint8_t key[1 + 255 + 32], val[8];
    MDB_val k, v = {sizeof val, val};

    if (w->err)
        return w->err;
    if (strlen(issuer) == 0 || strlen(issuer) > 255)
        return STORE_ERR_CORRUPT;
    k.mv_data = key;
    k.mv_size = key_key(issuer, pub, key);
    put_u64(val, added_index);
    return fail(w, map_rc(mdb_put(w->txn, w->s->dbi[DB_KEYS], &k, &v, 0)));
}

int store_del_key(struct store_txn *w, const char *issuer,
                  const uint8_t pub[32])
{
    uint8_t key[1 + 255 + 32];
    MDB_val k;

    if (w->err)
        return w->err;
    if (strlen(issuer) == 0 || strlen(issuer) > 255)
        return STORE_ERR_CORRUPT;
    k.mv_data = key;
    k.mv_size = key_key(issuer, pub, key);
    return fail(w, map_rc(mdb_del(w->txn, w->s->dbi[DB_KEYS], &k, NULL)));
}
