/*
 * test_store_witness.c: what logd's witness push keeps in the store
 * (logd/store_witness.c) and the snapshots it holds (store_snapshot_open()
 * in logd/store_env.c), against real LMDB files:
 *
 *  - witness records and the quorum checkpoint round trip, replace, and
 *    persist across close and reopen; bad keys and oversized notes are
 *    refused and write nothing;
 *  - n snapshots open on one commit and keep seeing it after later
 *    commits, while a reader sees the new state; one closes on another
 *    thread;
 *  - store_grow() with snapshots open calls the unpin hook, refuses new
 *    snapshots until it is done, and grows once they are closed; without
 *    a hook it waits until the owner closes them.
 */
#define _GNU_SOURCE /* nftw */
#include "check.h"

#include <ftw.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "logd/store.h"

static char dir[256];

static int rm_one(const char *path, const struct stat *st, int flag,
                  struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static struct store *open_store(void)
{
    struct store_options o = {1 << 20, 32};
    struct store *s = NULL;
    char err[256];

    if (store_open(dir, &o, &s, err, sizeof err) != 0)
        fprintf(stderr, "store_open: %s\n", err);
    return s;
}

/* Appends entries [from, to) (and their leaf hashes) in one commit. */
static int append(struct store *s, uint64_t from, uint64_t to)
{
    struct store_txn *w;
    uint8_t e[8], h[32] = {0};
    int err;

    if ((err = store_write_begin(s, &w)) != 0)
        return err;
    for (uint64_t i = from; i < to && err == 0; i++) {
        memset(e, (int)(i & 0xff), sizeof e);
        h[0] = (uint8_t)i;
        if ((err = store_append_entry(w, i, e, sizeof e)) == 0)
            err = store_append_hashes(w, i, (const uint8_t(*)[32])h, 1);
    }
    if (err != 0) {
        store_write_abort(w);
        return err;
    }
    return store_write_commit(w);
}

static void test_records(void)
{
    struct store *s = open_store();
    static const char *const keys[] = {"w1.example+01020304+AAAA",
                                       "w2.example+05060708+BBBB"};
    struct store_witness recs[2] = {{10, 1700000000}, {7, 1700000001}}, got;
    static const char note[] = "log.example\n10\nROOT=\n\n— log.example x\n";
    char buf[STORE_QUORUM_MAX + 2], *big;
    size_t len = 0;

    REQUIRE(s != NULL);
    CHECK(store_witness_get(s, keys[0], &got) == STORE_ERR_NOTFOUND);
    CHECK(store_quorum_get(s, buf, sizeof buf, &len) == STORE_ERR_NOTFOUND);
    CHECK(store_witness_put(s, keys, recs, 2, note, sizeof note - 1) == 0);
    CHECK(store_witness_get(s, keys[0], &got) == 0 && got.size == 10 &&
          got.time == 1700000000);
    CHECK(store_witness_get(s, keys[1], &got) == 0 && got.size == 7 &&
          got.time == 1700000001);
    CHECK(store_quorum_get(s, buf, sizeof buf, &len) == 0 &&
          len == sizeof note - 1 && memcmp(buf, note, len) == 0);
    CHECK(store_quorum_get(s, buf, 4, &len) == STORE_ERR_SPACE);

    /* A record is replaced; the note is kept when none is given. */
    recs[0].size = 12;
    CHECK(store_witness_put(s, keys, recs, 1, NULL, 0) == 0);
    CHECK(store_witness_get(s, keys[0], &got) == 0 && got.size == 12);
    CHECK(store_quorum_get(s, buf, sizeof buf, &len) == 0 &&
          len == sizeof note - 1);

    /* Refused, and nothing of the call is written. */
    {
        static const char *const bad[] = {"w1.example+01020304+AAAA", ""};
        recs[0].size = 99;
        CHECK(store_witness_put(s, bad, recs, 2, NULL, 0) == STORE_ERR_SPACE);
        CHECK(store_witness_get(s, keys[0], &got) == 0 && got.size == 12);
    }
    big = malloc(STORE_QUORUM_MAX + 1);
    REQUIRE(big != NULL);
    memset(big, 'x', STORE_QUORUM_MAX + 1);
    CHECK(store_witness_put(s, keys, recs, 1, big, STORE_QUORUM_MAX + 1) ==
          STORE_ERR_SPACE);
    free(big);
    CHECK(store_witness_get(s, keys[0], &got) == 0 && got.size == 12);

    /* Across close and reopen. */
    store_close(s);
    s = open_store();
    REQUIRE(s != NULL);
    CHECK(store_witness_get(s, keys[0], &got) == 0 && got.size == 12 &&
          got.time == 1700000000);
    CHECK(store_quorum_get(s, buf, sizeof buf, &len) == 0 &&
          len == sizeof note - 1 && memcmp(buf, note, len) == 0);
    store_close(s);
}

static void *close_thread(void *arg)
{
    store_snapshot_close(arg);
    return NULL;
}

static void test_snapshots(void)
{
    struct store *s = open_store();
    struct store_txn *snap[3], *r;
    uint64_t size;
    uint8_t h[32];
    uint64_t idx = 0;
    pthread_t t;

    REQUIRE(s != NULL);
    REQUIRE(append(s, 0, 10) == 0);
    REQUIRE(store_snapshot_open(s, 3, snap) == 0);
    REQUIRE(append(s, 10, 20) == 0);
    for (int i = 0; i < 3; i++)
        CHECK(store_tree_size(snap[i], &size) == 0 && size == 10);
    CHECK(store_read_hashes(snap[1], &idx, 1, &h) == 0 && h[0] == 0);
    REQUIRE(store_reader_new(s, &r) == 0);
    REQUIRE(store_read_begin(r) == 0);
    CHECK(store_tree_size(r, &size) == 0 && size == 20);
    store_read_end(r);
    store_reader_free(r);
    /* A snapshot may end on another thread. */
    pthread_create(&t, NULL, close_thread, snap[0]);
    pthread_join(t, NULL);
    CHECK(store_tree_size(snap[2], &size) == 0 && size == 10);
    store_snapshot_close(snap[1]);
    store_reader_free(snap[2]); /* the same as store_snapshot_close() */
    store_snapshot_close(NULL);
    store_close(s);
}

/* The unpin hook: checks that no snapshot can be opened meanwhile, then
 * closes the ones it owns (it may, on the grower's thread). */
struct owner {
    struct store *s;
    struct store_txn *snap[2];
    int calls;
    int busy; /* store_snapshot_open()'s answer during the grow */
};

static void unpin(void *arg)
{
    struct owner *o = arg;
    struct store_txn *more[1];

    o->calls++;
    o->busy = store_snapshot_open(o->s, 1, more);
    for (int i = 0; i < 2; i++) {
        store_snapshot_close(o->snap[i]);
        o->snap[i] = NULL;
    }
}

struct grower {
    struct store *s;
    atomic_int done;
    int rc;
};

static void *grow_thread(void *arg)
{
    struct grower *g = arg;

    g->rc = store_grow(g->s);
    atomic_store(&g->done, 1);
    return NULL;
}

static void test_grow(void)
{
    struct store *s = open_store();
    struct owner o;
    struct store_txn *snap[1];
    uint64_t map0;

    REQUIRE(s != NULL);
    memset(&o, 0, sizeof o);
    o.s = s;
    REQUIRE(store_snapshot_open(s, 2, o.snap) == 0);
    store_set_unpin(s, unpin, &o);
    map0 = store_map_size(s);
    CHECK(store_grow(s) == 0);
    CHECK(store_map_size(s) == 2 * map0);
    CHECK(o.calls == 1 && o.busy == STORE_ERR_BUSY);
    /* After the grow, snapshots open again. */
    REQUIRE(store_snapshot_open(s, 1, snap) == 0);
    store_snapshot_close(snap[0]);

    /* Without a hook, store_grow() waits for the owner. */
    store_set_unpin(s, NULL, NULL);
    REQUIRE(store_snapshot_open(s, 1, snap) == 0);
    {
        struct grower g = {s, 0, -1};
        pthread_t t;
        pthread_create(&t, NULL, grow_thread, &g);
        /* Not synchronization: for 100 ms the grower must not finish (the
         * snapshot is open); its absence is what is checked. */
        usleep(100000);
        CHECK(atomic_load(&g.done) == 0);
        store_snapshot_close(snap[0]);
        pthread_join(t, NULL);
        CHECK(g.rc == 0 && store_map_size(s) == 4 * map0);
    }
    store_close(s);
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/test-store-witness-XXXXXX");
    if (mkdtemp(dir) == NULL)
        return 1;
    test_records();
    nftw(dir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
    if (mkdtemp(strcpy(dir, "/tmp/test-store-witness-XXXXXX")) == NULL)
        return 1;
    test_snapshots();
    test_grow();
    nftw(dir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
    return check_finish();
}
