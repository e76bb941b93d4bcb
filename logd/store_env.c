/*
 * store_env.c: logd's LMDB environment: opening a data directory (and
 * converting older storage formats), map growth, read and write
 * transactions, and the store's errors. See store.h for the contract,
 * store_internal.h for the split of the store's files and docs/storage.md
 * for every database and key.
 */
#define _GNU_SOURCE /* pthread_rwlockattr_setkind_np, fallocate */
#include "logd/store_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

/* 4: keys holds every issuer key ever added with its add and remove index
 * (3 held the authorized keys only, with their add index). 3: map nodes
 * computed from creds but where that would cost more than a budget
 * (store_map.c). 2 stored the branches above a depth set by the number of
 * credentials, 1 every node, depth first: opening a directory of format 1,
 * 2 or 3 converts it. */
#define STORE_FORMAT 4
#define STORE_DEFAULT_MAP ((uint64_t)1 << 30)
#define STORE_MAX_MAP ((uint64_t)1 << 44)

static const char *const store_db_names[STORE_DB_COUNT] = {
    "entries", "hashes", "creds", "smt", "keys", "meta", "witness", "stage",
};

static const char META_FORMAT[] = "format";

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
    case STORE_ERR_BUSY:
        return "the storage map is being grown";
    default:
        return "unknown store error";
    }
}

int store_env_code(int rc)
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

int store_env_fail(struct store_txn *t, int err)
{
    if (t->write && t->err == 0 && err != STORE_ERR_NOTFOUND)
        t->err = err;
    return err;
}

int store_env_cursor(struct store_txn *t, int db, MDB_cursor **out)
{
    if (t->cur[db] == NULL) {
        int rc = mdb_cursor_open(t->txn, t->s->dbi[db], &t->cur[db]);
        if (rc != 0)
            return store_env_fail(t, store_env_code(rc));
    }
    *out = t->cur[db];
    return 0;
}

int store_env_get_index(struct store_txn *t, int db, uint64_t index,
                        uint8_t *buf, size_t cap, size_t *len)
{
    MDB_cursor *c;
    MDB_val k, v;
    uint8_t key[8];
    int rc, err;

    if ((err = store_env_cursor(t, db, &c)) != 0)
        return err;
    be_put64(key, index);
    k.mv_data = key;
    k.mv_size = sizeof key;
    rc = mdb_cursor_get(c, &k, &v, MDB_SET_KEY);
    if (rc != 0)
        return store_env_fail(t, store_env_code(rc));
    if (v.mv_size > cap)
        return STORE_ERR_SPACE;
    memcpy(buf, v.mv_data, v.mv_size);
    *len = v.mv_size;
    return 0;
}

/* Converts an older format's directory to STORE_FORMAT in txn (a crash
 * leaves the old format whole). Formats 1 (every map node stored, under
 * depth-first keys) and 2 (the branches above a depth set by the number of
 * credentials) differ from 3 in which map nodes the smt database holds:
 * rebuild them from the credential index. Formats 1 to 3 kept only the
 * authorized keys (a removed key was deleted): rebuild keys from the KEY
 * entries. Then record the new format. */
static int store_env_convert(struct store *s, MDB_txn *txn, unsigned from)
{
    uint8_t fmt[4] = {0, 0, 0, STORE_FORMAT};
    MDB_val k = {sizeof META_FORMAT - 1, (void *)META_FORMAT};
    MDB_val v = {sizeof fmt, fmt};
    struct store_txn *w = calloc(1, sizeof *w);
    int err = 0;

    if (w == NULL)
        return STORE_ERR_NOMEM;
    w->s = s;
    w->txn = txn;
    w->write = true;
    w->active = true;
    if (from < 3)
        err = store_smt_rebuild(w);
    if (err == 0)
        err = store_keys_rebuild(w);
    store_map_free(w);
    free(w); /* its cursors end with txn */
    if (err != 0)
        return err;
    return store_env_code(mdb_put(txn, s->dbi[STORE_DB_META], &k, &v, 0));
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
    pthread_mutex_init(&s->pin_mu, NULL);
    pthread_cond_init(&s->pin_cond, NULL);

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
    if ((rc = mdb_env_set_maxdbs(s->env, STORE_DB_COUNT)) != 0 ||
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
    for (int i = 0; i < STORE_DB_COUNT; i++)
        if ((rc = mdb_dbi_open(txn, store_db_names[i], MDB_CREATE,
                               &s->dbi[i])) != 0)
            goto fail;
    k.mv_data = (void *)META_FORMAT;
    k.mv_size = sizeof META_FORMAT - 1;
    rc = mdb_get(txn, s->dbi[STORE_DB_META], &k, &v);
    if (rc == MDB_NOTFOUND) {
        uint8_t fmt[4] = {0, 0, 0, STORE_FORMAT};
        v.mv_data = fmt;
        v.mv_size = sizeof fmt;
        if ((rc = mdb_put(txn, s->dbi[STORE_DB_META], &k, &v, 0)) != 0)
            goto fail;
    } else if (rc != 0) {
        goto fail;
    } else if (v.mv_size != 4 || ((uint8_t *)v.mv_data)[3] == 0 ||
               ((uint8_t *)v.mv_data)[3] > STORE_FORMAT ||
               ((uint8_t *)v.mv_data)[0] | ((uint8_t *)v.mv_data)[1] |
                   ((uint8_t *)v.mv_data)[2]) {
        snprintf(errbuf, errcap, "%s: unsupported storage format", dir);
        mdb_txn_abort(txn);
        store_close(s);
        return STORE_ERR_OPEN;
    } else if (((uint8_t *)v.mv_data)[3] != STORE_FORMAT) {
        unsigned from = ((uint8_t *)v.mv_data)[3];
        int err = store_env_convert(s, txn, from);
        if (err != 0) {
            snprintf(errbuf, errcap, "%s: cannot convert storage format %u: %s",
                     dir, from, store_strerror(err));
            mdb_txn_abort(txn);
            store_close(s);
            return err == STORE_ERR_NOMEM ? STORE_ERR_NOMEM : STORE_ERR_OPEN;
        }
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
    pthread_mutex_destroy(&s->pin_mu);
    pthread_cond_destroy(&s->pin_cond);
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

/* Asks the snapshots' owner to let go and waits until none is open; new
 * ones are refused until unpin_end(). */
static void unpin_begin(struct store *s)
{
    void (*fn)(void *);
    void *arg;

    pthread_mutex_lock(&s->pin_mu);
    s->pin_refused = true;
    fn = s->unpin;
    arg = s->unpin_arg;
    pthread_mutex_unlock(&s->pin_mu);
    if (fn != NULL)
        fn(arg);
    pthread_mutex_lock(&s->pin_mu);
    while (s->pinned > 0)
        pthread_cond_wait(&s->pin_cond, &s->pin_mu);
    pthread_mutex_unlock(&s->pin_mu);
}

static void unpin_end(struct store *s)
{
    pthread_mutex_lock(&s->pin_mu);
    s->pin_refused = false;
    pthread_mutex_unlock(&s->pin_mu);
}

static int grow_locked(struct store *s);

int store_grow(struct store *s)
{
    int rc;

    unpin_begin(s);
    rc = grow_locked(s);
    unpin_end(s);
    return rc;
}

static int grow_locked(struct store *s)
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
        return store_env_code(rc);
    }
    *out = r;
    return 0;
}

int store_read_begin(struct store_txn *r)
{
    int rc;

    if (r->snapshot)
        return STORE_ERR_IO;
    pthread_rwlock_rdlock(&r->s->grow_lock);
    store_map_forget(r);
    rc = r->s->broken ? EIO : mdb_txn_renew(r->txn);
    if (rc != 0) {
        pthread_rwlock_unlock(&r->s->grow_lock);
        return store_env_code(rc);
    }
    for (int i = 0; i < STORE_DB_COUNT; i++)
        if (r->cur[i] != NULL && mdb_cursor_renew(r->txn, r->cur[i]) != 0) {
            mdb_cursor_close(r->cur[i]);
            r->cur[i] = NULL;
        }
    r->active = true;
    return 0;
}

void store_read_end(struct store_txn *r)
{
    if (r == NULL || !r->active || r->snapshot)
        return;
    mdb_txn_reset(r->txn);
    r->active = false;
    pthread_rwlock_unlock(&r->s->grow_lock);
}

void store_reader_free(struct store_txn *r)
{
    if (r == NULL)
        return;
    if (r->snapshot) {
        store_snapshot_close(r);
        return;
    }
    store_read_end(r);
    for (int i = 0; i < STORE_DB_COUNT; i++)
        if (r->cur[i] != NULL)
            mdb_cursor_close(r->cur[i]);
    mdb_txn_abort(r->txn);
    store_map_free(r);
    free(r->hc);
    free(r);
}

void store_set_unpin(struct store *s, void (*unpin)(void *arg), void *arg)
{
    pthread_mutex_lock(&s->pin_mu);
    s->unpin = unpin;
    s->unpin_arg = arg;
    pthread_mutex_unlock(&s->pin_mu);
}

/* Frees a snapshot handle and counts it closed. */
static void snapshot_free(struct store_txn *t)
{
    struct store *s = t->s;

    for (int i = 0; i < STORE_DB_COUNT; i++)
        if (t->cur[i] != NULL)
            mdb_cursor_close(t->cur[i]);
    if (t->txn != NULL)
        mdb_txn_abort(t->txn);
    store_map_free(t);
    free(t->hc);
    free(t);
    pthread_mutex_lock(&s->pin_mu);
    s->pinned--;
    pthread_cond_broadcast(&s->pin_cond);
    pthread_mutex_unlock(&s->pin_mu);
}

int store_snapshot_open(struct store *s, size_t n, struct store_txn **out)
{
    size_t made = 0;
    int rc = 0;

    for (size_t i = 0; i < n; i++)
        out[i] = NULL;
    pthread_mutex_lock(&s->pin_mu);
    if (s->pin_refused || s->broken) {
        pthread_mutex_unlock(&s->pin_mu);
        return STORE_ERR_BUSY;
    }
    s->pinned += (unsigned)n; /* store_grow() now waits for these */
    pthread_mutex_unlock(&s->pin_mu);
    /* LMDB begins a read transaction on the latest commit; the sequencer
     * may commit between two begins, so compare their ids and try again. */
    for (int attempt = 0; attempt < 16; attempt++) {
        size_t txnid = 0;
        bool same = true;
        for (made = 0; made < n; made++) {
            struct store_txn *t = calloc(1, sizeof *t);
            if (t == NULL) {
                rc = ENOMEM;
                break;
            }
            t->s = s;
            t->snapshot = true;
            t->hc = calloc((size_t)1 << STORE_HCACHE_BITS, sizeof *t->hc);
            out[made] = t;
            if ((rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &t->txn)) != 0) {
                t->txn = NULL;
                break;
            }
            t->active = true;
            if (made == 0)
                txnid = mdb_txn_id(t->txn);
            else if (mdb_txn_id(t->txn) != txnid)
                same = false;
        }
        if (rc != 0 || same)
            break;
        for (size_t i = 0; i < n; i++)
            if (out[i] != NULL && out[i]->txn != NULL) {
                mdb_txn_abort(out[i]->txn);
                out[i]->txn = NULL;
                out[i]->active = false;
            }
        rc = EBUSY;
    }
    if (rc == 0)
        return 0;
    /* Count the handles never made as closed, then free the others. */
    pthread_mutex_lock(&s->pin_mu);
    for (size_t i = 0; i < n; i++)
        if (out[i] == NULL)
            s->pinned--;
    pthread_cond_broadcast(&s->pin_cond);
    pthread_mutex_unlock(&s->pin_mu);
    for (size_t i = 0; i < n; i++) {
        if (out[i] != NULL)
            snapshot_free(out[i]);
        out[i] = NULL;
    }
    return rc == EBUSY ? STORE_ERR_BUSY : store_env_code(rc);
}

void store_snapshot_close(struct store_txn *t)
{
    if (t != NULL)
        snapshot_free(t);
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
        return store_env_code(rc);
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
        return store_env_code(rc);
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
    store_map_free(w);
    free(w);
    return err;
}

void store_write_abort(struct store_txn *w)
{
    if (w == NULL)
        return;
    mdb_txn_abort(w->txn);
    store_map_free(w);
    free(w);
}
