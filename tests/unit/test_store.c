/*
 * test_store.c: logd/store_*.c against real LMDB files in a temporary
 * directory: every database round trip, appends out of order refused, abort
 * leaves nothing, read snapshots are isolated from later commits, the
 * CTL-SMT-v1 node adapter under smt_update/smt_prove, the map growing after
 * MAP_FULL (and waiting for open readers), everything persisting across
 * close and reopen, the map node store's work bounded for crafted keys, a
 * format-2 directory converted when opened, and a format-3 directory (only
 * authorized keys, a removed key forgotten) converted to format 4 (every
 * key ever added, with its add and remove index, rebuilt from the KEY
 * entries by the key map's rules), and a newer format refused; a reader
 * kept across commits (as logd's HTTP workers keep theirs) proves against
 * each new map, not against the upper nodes it remembers from the last.
 */
#define _GNU_SOURCE /* nftw */
#include "check.h"

#include <ftw.h>
#include <pthread.h>
#include <sys/resource.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lmdb.h>

#include "logd/store.h"
#include "proofs/entry.h"
#include "proofs/merkle.h"
#include "proofs/smt.h"

static char dir[256];

static int rm_one(const char *path, const struct stat *st, int flag,
                  struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void make_dir(void)
{
    snprintf(dir, sizeof dir, "/tmp/test-store-XXXXXX");
    if (mkdtemp(dir) == NULL)
        abort();
}

static void remove_dir(void)
{
    nftw(dir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
}

static struct store *open_store(uint64_t map_size)
{
    struct store_options o = {map_size, 8};
    struct store *s = NULL;
    char err[256];

    if (store_open(dir, &o, &s, err, sizeof err) != 0)
        fprintf(stderr, "store_open: %s\n", err);
    return s;
}

/* A deterministic entry of 40..199 bytes for index i. */
static size_t fake_entry(uint64_t i, uint8_t *buf)
{
    size_t len = 40 + (size_t)(i * 7919 % 160);

    for (size_t k = 0; k < len; k++)
        buf[k] = (uint8_t)(i * 31 + k);
    return len;
}

static void fake_hash(uint64_t i, uint8_t h[32])
{
    for (int k = 0; k < 32; k++)
        h[k] = (uint8_t)(i >> (k % 8) ^ (uint64_t)k * 13);
}

static int count_cb(void *arg, uint64_t index, const uint8_t *entry, size_t len)
{
    uint64_t *seen = arg;
    uint8_t want[256];
    size_t wl = fake_entry(index, want);

    if (len != wl || memcmp(entry, want, len) != 0)
        return -100;
    (*seen)++;
    return 0;
}

struct key_seen {
    int n;
    char names[4][32];
    uint64_t added[4], removed[4];
};

static int key_cb(void *arg, const char *issuer, const uint8_t pub[32],
                  uint64_t added, uint64_t removed)
{
    struct key_seen *k = arg;

    (void)pub;
    if (k->n < 4) {
        snprintf(k->names[k->n], sizeof k->names[0], "%s", issuer);
        k->added[k->n] = added;
        k->removed[k->n] = removed;
    }
    k->n++;
    return 0;
}

static void test_round_trip(void)
{
    struct store *s = open_store(0);
    struct store_txn *w, *r;
    uint8_t buf[512], h[32], got[4][32];
    uint64_t size, counts[STORE_COUNTS], seen = 0, idx[4];
    struct store_credential c;
    char text[256];
    size_t len;
    uint8_t pub1[32], pub2[32];

    REQUIRE(s != NULL);
    REQUIRE(store_reader_new(s, &r) == 0);
    REQUIRE(store_read_begin(r) == 0);
    CHECK(store_tree_size(r, &size) == 0 && size == 0);
    CHECK(store_checkpoint(r, text, sizeof text, &len) == STORE_ERR_NOTFOUND);
    CHECK(store_log_key(r, text, sizeof text) == STORE_ERR_NOTFOUND);
    CHECK(store_counts(r, counts) == 0 && counts[1] == 0 && counts[4] == 0);
    CHECK(store_entry(r, 0, buf, sizeof buf, &len) == STORE_ERR_NOTFOUND);
    store_read_end(r);

    REQUIRE(store_write_begin(s, &w) == 0);
    for (uint64_t i = 0; i < 1000; i++) {
        len = fake_entry(i, buf);
        CHECK(store_append_entry(w, i, buf, len) == 0);
    }
    for (uint64_t i = 0; i < 2000; i++) {
        fake_hash(i, h);
        CHECK(store_append_hashes(w, i, (const uint8_t(*)[32])h, 1) == 0);
    }
    /* Out of order appends are refused, and do not poison the txn badly
     * enough to lose what came before (LMDB keeps the txn usable on
     * MDB_KEYEXIST, but store marks it failed: abort it). */
    c.issue_index = 7;
    c.revoke_index = SMT_NONE;
    memset(h, 0xab, 32);
    CHECK(store_put_credential(w, h, &c) == 0);
    memset(pub1, 1, 32);
    memset(pub2, 2, 32);
    CHECK(store_put_key(w, "b.example", pub1, 3) == 0);
    CHECK(store_put_key(w, "a.example", pub2, 5) == 0);
    CHECK(store_put_key(w, "c.example", pub2, 6) == 0);
    /* A removed key is kept, marked removed at its first remove; adding it
     * again changes nothing (the key map's rules). */
    CHECK(store_remove_key(w, "c.example", pub2, 7) == 0);
    CHECK(store_remove_key(w, "c.example", pub2, 8) == 0);
    CHECK(store_put_key(w, "c.example", pub2, 9) == 0);
    CHECK(store_put_key(w, "b.example", pub1, 10) == 0);
    CHECK(store_remove_key(w, "d.example", pub2, 8) == STORE_ERR_NOTFOUND);
    CHECK(store_put_checkpoint(w, "origin\n1000\nAAAA\n\n- sig\n", 23) == 0);
    CHECK(store_put_log_key(w, "origin+12345678+AQID") == 0);
    counts[0] = 0;
    counts[1] = 11;
    counts[2] = 22;
    counts[3] = 33;
    counts[4] = 44;
    CHECK(store_put_counts(w, counts) == 0);
    CHECK(store_write_commit(w) == 0);

    REQUIRE(store_read_begin(r) == 0);
    CHECK(store_tree_size(r, &size) == 0 && size == 1000);
    for (uint64_t i = 0; i < 1000; i += 37) {
        uint8_t want[256];
        size_t wl = fake_entry(i, want);
        CHECK(store_entry(r, i, buf, sizeof buf, &len) == 0 && len == wl &&
              memcmp(buf, want, wl) == 0);
    }
    CHECK(store_entry(r, 1000, buf, sizeof buf, &len) == STORE_ERR_NOTFOUND);
    CHECK(store_entry(r, 5, buf, 10, &len) == STORE_ERR_SPACE);
    CHECK(store_entries(r, 100, 256, count_cb, &seen) == 0 && seen == 256);
    CHECK(store_entries(r, 900, 101, count_cb, &seen) == STORE_ERR_NOTFOUND);
    idx[0] = 3;
    idx[1] = 1999;
    idx[2] = 0;
    idx[3] = 1024;
    CHECK(store_read_hashes(r, idx, 4, got) == 0);
    for (int k = 0; k < 4; k++) {
        fake_hash(idx[k], h);
        CHECK(memcmp(got[k], h, 32) == 0);
    }
    idx[0] = 2000;
    CHECK(store_read_hashes(r, idx, 1, got) == STORE_ERR_NOTFOUND);
    memset(h, 0xab, 32);
    CHECK(store_credential(r, h, &c) == 0 && c.issue_index == 7 &&
          c.revoke_index == SMT_NONE);
    h[31] ^= 1;
    CHECK(store_credential(r, h, &c) == STORE_ERR_NOTFOUND);
    CHECK(store_checkpoint(r, text, sizeof text, &len) == 0 && len == 23 &&
          memcmp(text, "origin\n1000\n", 12) == 0);
    CHECK(store_checkpoint(r, text, 5, &len) == STORE_ERR_SPACE);
    CHECK(store_log_key(r, text, sizeof text) == 0 &&
          strcmp(text, "origin+12345678+AQID") == 0);
    CHECK(store_counts(r, counts) == 0 && counts[1] == 11 && counts[4] == 44);
    {
        struct key_seen k;
        memset(&k, 0, sizeof k);
        CHECK(store_keys(r, key_cb, &k) == 0 && k.n == 3);
        CHECK(strcmp(k.names[0], "a.example") == 0 && k.added[0] == 5 &&
              k.removed[0] == SMT_NONE);
        CHECK(strcmp(k.names[1], "b.example") == 0 && k.added[1] == 3 &&
              k.removed[1] == SMT_NONE);
        CHECK(strcmp(k.names[2], "c.example") == 0 && k.added[2] == 6 &&
              k.removed[2] == 7);
    }
    store_read_end(r);

    /* Appends must continue at the end. */
    REQUIRE(store_write_begin(s, &w) == 0);
    len = fake_entry(5, buf);
    CHECK(store_append_entry(w, 5, buf, len) == STORE_ERR_ORDER);
    /* The failure poisons w: later writes and the commit fail with it. */
    CHECK(store_put_log_key(w, "x") == STORE_ERR_ORDER);
    CHECK(store_write_commit(w) == STORE_ERR_ORDER);
    REQUIRE(store_write_begin(s, &w) == 0);
    fake_hash(0, h);
    CHECK(store_append_hashes(w, 1999, (const uint8_t(*)[32])h, 1) ==
          STORE_ERR_ORDER);
    store_write_abort(w);

    /* Abort keeps nothing. */
    REQUIRE(store_write_begin(s, &w) == 0);
    len = fake_entry(1000, buf);
    CHECK(store_append_entry(w, 1000, buf, len) == 0);
    CHECK(store_tree_size(w, &size) == 0 && size == 1001);
    store_write_abort(w);
    REQUIRE(store_read_begin(r) == 0);
    CHECK(store_tree_size(r, &size) == 0 && size == 1000);

    /* A read snapshot does not see later commits; a new one does. */
    REQUIRE(store_write_begin(s, &w) == 0);
    CHECK(store_append_entry(w, 1000, buf, len) == 0);
    CHECK(store_write_commit(w) == 0);
    CHECK(store_tree_size(r, &size) == 0 && size == 1000);
    store_read_end(r);
    REQUIRE(store_read_begin(r) == 0);
    CHECK(store_tree_size(r, &size) == 0 && size == 1001);
    store_read_end(r);
    store_reader_free(r);
    store_close(s);

    /* Everything persisted. */
    s = open_store(0);
    REQUIRE(s != NULL);
    REQUIRE(store_reader_new(s, &r) == 0);
    REQUIRE(store_read_begin(r) == 0);
    CHECK(store_tree_size(r, &size) == 0 && size == 1001);
    CHECK(store_log_key(r, text, sizeof text) == 0);
    seen = 0;
    CHECK(store_entries(r, 0, 1001, count_cb, &seen) == 0 && seen == 1001);
    store_reader_free(r);
    store_close(s);
}

/* The CTL-SMT-v1 adapter: a batch update through LMDB, then proofs of every
 * key verify against the root, from a read transaction after reopening. */
/* CTL-SMT-v1's T(p) over sorted u[0..n) sharing their first d bits, straight
 * from the definition (docs/protocol.md). */
static void naive_smt_root(const struct smt_update *u, size_t n, unsigned d,
                           uint8_t out[32])
{
    uint8_t l[32], r[32];
    size_t m = 0;

    if (n == 0) {
        memset(out, 0, 32);
        return;
    }
    if (n == 1) {
        smt_leaf_hash(u[0].key, u[0].value, out);
        return;
    }
    while (m < n && !((u[m].key[d / 8] >> (7 - d % 8)) & 1))
        m++;
    naive_smt_root(u, m, d + 1, l);
    naive_smt_root(u + m, n - m, d + 1, r);
    smt_node_hash(l, r, out);
}

static void test_smt(void)
{
    struct store *s = open_store(0);
    struct store_txn *w, *r;
    struct smt_store st;
    struct smt_update *u = calloc(2000, sizeof *u);
    uint8_t root[32], root2[32], proof[SMT_PROOF_MAX], absent[32];
    uint64_t rnd = 42;
    int plen;
    bool found;
    uint8_t value[16];

    REQUIRE(s != NULL && u != NULL);
    for (int i = 0; i < 2000; i++) {
        for (int k = 0; k < 32; k += 8) {
            uint64_t x = check_rand(&rnd);
            memcpy(u[i].key + k, &x, 8);
        }
        if (i % 10 == 1) /* long shared prefixes */
            memcpy(u[i].key, u[i - 1].key, 30);
        smt_value_encode((uint64_t)i, i % 3 ? SMT_NONE : (uint64_t)i + 5000,
                         u[i].value);
    }
    /* smt_update wants strictly increasing keys. */
    for (int i = 1; i < 2000; i++)
        for (int j = i; j > 0 && memcmp(u[j - 1].key, u[j].key, 32) > 0; j--) {
            struct smt_update t = u[j];
            u[j] = u[j - 1];
            u[j - 1] = t;
        }
    REQUIRE(store_write_begin(s, &w) == 0);
    store_smt(w, &st);
    CHECK(smt_root(&st, root) == 0);
    CHECK(memcmp(root, (uint8_t[32]){0}, 32) == 0);
    for (int i = 0; i < 1000; i++) {
        struct store_credential c;
        smt_value_decode(u[i].value, &c.issue_index, &c.revoke_index);
        CHECK(store_put_credential(w, u[i].key, &c) == 0);
    }
    CHECK(smt_update(&st, u, 1000, root) == 0);
    CHECK(store_write_commit(w) == 0);
    /* A second batch in a second transaction. */
    REQUIRE(store_write_begin(s, &w) == 0);
    store_smt(w, &st);
    for (int i = 1000; i < 2000; i++) {
        struct store_credential c;
        smt_value_decode(u[i].value, &c.issue_index, &c.revoke_index);
        CHECK(store_put_credential(w, u[i].key, &c) == 0);
    }
    CHECK(smt_update(&st, u + 1000, 1000, root) == 0);
    CHECK(smt_root(&st, root2) == 0 && memcmp(root, root2, 32) == 0);
    CHECK(store_write_commit(w) == 0);
    store_close(s);

    s = open_store(0);
    REQUIRE(s != NULL);
    REQUIRE(store_reader_new(s, &r) == 0);
    REQUIRE(store_read_begin(r) == 0);
    store_smt(r, &st);
    CHECK(smt_root(&st, root2) == 0 && memcmp(root, root2, 32) == 0);
    int bad = 0;
    for (int i = 0; i < 2000; i++) {
        struct smt_proof_info info;
        plen = smt_prove(&st, u[i].key, proof, sizeof proof);
        if (plen < 0 || smt_verify(proof, (size_t)plen, root, &info) != 0 ||
            info.kind != SMT_PROOF_PRESENT ||
            memcmp(info.value, u[i].value, 16) != 0)
            bad++;
        if (smt_get(&st, u[i].key, &found, value) != 0 || !found ||
            memcmp(value, u[i].value, 16) != 0)
            bad++;
    }
    CHECK(bad == 0);
    memcpy(absent, u[5].key, 32);
    absent[31] ^= 0x80;
    plen = smt_prove(&st, absent, proof, sizeof proof);
    {
        struct smt_proof_info info;
        CHECK(plen > 0 && smt_verify(proof, (size_t)plen, root, &info) == 0 &&
              info.kind != SMT_PROOF_PRESENT);
    }
    /* A read transaction cannot write nodes. */
    {
        struct smt_node n;
        memset(&n, 0, sizeof n);
        n.kind = SMT_NODE_BRANCH;
        CHECK(st.put(st.ctx, 0, absent, &n) != 0);
    }
    store_reader_free(r);
    /* The root is CTL-SMT-v1's over the keys, computed here from scratch. */
    {
        uint8_t naive[32];
        naive_smt_root(u, 2000, 0, naive);
        CHECK(memcmp(naive, root, 32) == 0);
    }
    /* Rebuilding the stored nodes from the credentials (as opening a
     * format-1 directory does) keeps the root and every proof. */
    REQUIRE(store_write_begin(s, &w) == 0);
    CHECK(store_smt_rebuild(w) == 0);
    store_smt(w, &st);
    CHECK(smt_root(&st, root2) == 0 && memcmp(root, root2, 32) == 0);
    CHECK(store_write_commit(w) == 0);
    REQUIRE(store_reader_new(s, &r) == 0);
    REQUIRE(store_read_begin(r) == 0);
    store_smt(r, &st);
    bad = 0;
    for (int i = 0; i < 2000; i += 7) {
        struct smt_proof_info info;
        plen = smt_prove(&st, u[i].key, proof, sizeof proof);
        if (plen < 0 || smt_verify(proof, (size_t)plen, root, &info) != 0 ||
            info.kind != SMT_PROOF_PRESENT)
            bad++;
    }
    CHECK(bad == 0);
    store_reader_free(r);
    store_close(s);
    free(u);
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

/* A small map fills up; growing it lets the same transaction through. */
static void test_map_growth(void)
{
    struct store *s = open_store(1 << 20);
    struct store_txn *w, *r;
    uint8_t buf[256], h[32];
    uint64_t size, map0;
    int err = 0, grows = 0;
    size_t len;

    REQUIRE(s != NULL);
    map0 = store_map_size(s);
    CHECK(map0 >= (1 << 20));
    /* Keep writing 64 KiB batches; grow on MAP_FULL and redo the batch. */
    for (uint64_t next = 0; next < 40000;) {
        uint64_t i;
        REQUIRE(store_write_begin(s, &w) == 0);
        for (i = next; i < next + 2000; i++) {
            len = fake_entry(i, buf);
            fake_hash(i, h);
            if ((err = store_append_entry(w, i, buf, len)) != 0 ||
                (err = store_append_hashes(w, i, (const uint8_t(*)[32])h, 1)) !=
                    0)
                break;
        }
        if (err == 0)
            err = store_write_commit(w);
        else
            store_write_abort(w);
        if (err == STORE_ERR_MAP_FULL) {
            CHECK(store_grow(s) == 0);
            grows++;
            err = 0;
            continue;
        }
        CHECK(err == 0);
        if (err != 0)
            break;
        next = i;
    }
    CHECK(grows > 0);
    CHECK(store_map_size(s) > map0);

    /* store_grow waits for open readers. */
    {
        struct grower g = {s, 0, -1};
        pthread_t t;
        REQUIRE(store_reader_new(s, &r) == 0);
        REQUIRE(store_read_begin(r) == 0);
        pthread_create(&t, NULL, grow_thread, &g);
        /* Not synchronization: for 100 ms the grower must not finish (it
         * waits for this open reader); its absence is what is checked. */
        usleep(100000);
        CHECK(atomic_load(&g.done) == 0);
        CHECK(store_tree_size(r, &size) == 0 && size == 40000);
        store_read_end(r);
        pthread_join(t, NULL);
        CHECK(g.rc == 0 && atomic_load(&g.done) == 1);
        REQUIRE(store_read_begin(r) == 0);
        CHECK(store_entry(r, 39999, buf, sizeof buf, &len) == 0);
        store_read_end(r);
        store_reader_free(r);
    }
    store_close(s);

    /* Reopening with a smaller requested map keeps the data. */
    s = open_store(1 << 20);
    REQUIRE(s != NULL);
    REQUIRE(store_reader_new(s, &r) == 0);
    REQUIRE(store_read_begin(r) == 0);
    CHECK(store_tree_size(r, &size) == 0 && size == 40000);
    store_reader_free(r);
    store_close(s);
}

/* Fills the store with batches of 2000 entries from *next until MAP_FULL
 * (or `until` entries). Returns the last error. */
static int fill(struct store *s, uint64_t *next, uint64_t until)
{
    struct store_txn *w;
    uint8_t buf[256], h[32];
    int err = 0;

    while (*next < until) {
        uint64_t i;
        if ((err = store_write_begin(s, &w)) != 0)
            return err;
        for (i = *next; i < *next + 2000; i++) {
            size_t len = fake_entry(i, buf);
            fake_hash(i, h);
            if ((err = store_append_entry(w, i, buf, len)) != 0 ||
                (err = store_append_hashes(w, i, (const uint8_t(*)[32])h, 1)) !=
                    0)
                break;
        }
        if (err == 0)
            err = store_write_commit(w);
        else
            store_write_abort(w);
        if (err != 0)
            return err;
        *next = i;
    }
    return 0;
}

/* A map that cannot grow: at the --map-max cap, and when the new map cannot
 * be mapped (address space limit). Both fail cleanly, the store stays
 * usable, and growth works again once there is room. */
static void test_grow_limits(void)
{
    struct store *s = open_store(1 << 20);
    struct store_txn *r;
    uint64_t next = 0, size = 0;
    uint8_t buf[256];
    size_t len;

    REQUIRE(s != NULL);
    store_set_max_map(s, 3 << 20);
    CHECK(fill(s, &next, 1000000) == STORE_ERR_MAP_FULL);
    CHECK(store_grow(s) == 0 && store_map_size(s) == 2 << 20);
    CHECK(fill(s, &next, 1000000) == STORE_ERR_MAP_FULL);
    CHECK(store_grow(s) == 0 && store_map_size(s) == 3 << 20); /* capped */
    CHECK(fill(s, &next, 1000000) == STORE_ERR_MAP_FULL);
    CHECK(store_grow(s) == STORE_ERR_MAP_FULL && store_map_size(s) == 3 << 20);
    store_set_max_map(s, 0); /* no cap */

#if defined(__SANITIZE_ADDRESS__)
    printf("address space limit: skipped under AddressSanitizer\n");
#else
    {
        /* LMDB unmaps the old map before mapping the new one and keeps no
         * map when that fails: growing must not leave the store unusable. */
        struct rlimit old, lim;
        unsigned long long kb = 0;
        uint64_t vm;
        char line[256];
        FILE *f = fopen("/proc/self/status", "r");
        int rc;
        while (f != NULL && fgets(line, sizeof line, f) != NULL)
            if (sscanf(line, "VmSize: %llu kB", &kb) == 1)
                break;
        if (f != NULL)
            fclose(f);
        vm = (uint64_t)kb * 1024;
        REQUIRE(vm > 0 && getrlimit(RLIMIT_AS, &old) == 0);
        lim = old;
        lim.rlim_cur = (rlim_t)(vm + (1 << 20)); /* 3 -> 6 MiB needs 3 more */
        REQUIRE(setrlimit(RLIMIT_AS, &lim) == 0);
        rc = store_grow(s); /* 3 MiB -> 6 MiB */
        setrlimit(RLIMIT_AS, &old);
        CHECK_MSG(rc == STORE_ERR_MAP_FULL, "grow under RLIMIT_AS: %d", rc);
        CHECK(store_map_size(s) == 3 << 20);
        REQUIRE(store_reader_new(s, &r) == 0);
        REQUIRE(store_read_begin(r) == 0);
        CHECK(store_tree_size(r, &size) == 0 && size == next);
        CHECK(store_entry(r, next - 1, buf, sizeof buf, &len) == 0);
        store_read_end(r);
        store_reader_free(r);
        /* With room again, the same growth works. */
        CHECK(store_grow(s) == 0 && store_map_size(s) == 6 << 20);
        CHECK(fill(s, &next, next + 4000) == 0);
    }
#endif
    REQUIRE(store_reader_new(s, &r) == 0);
    REQUIRE(store_read_begin(r) == 0);
    CHECK(store_tree_size(r, &size) == 0 && size == next);
    CHECK(store_entry(r, next - 1, buf, sizeof buf, &len) == 0);
    store_reader_free(r);
    store_close(s);
}

/* ---- the map's work whatever keys are chosen (issue 10, item 13) ---- */

static int cmp_key(const void *a, const void *b)
{
    return memcmp(a, b, SMT_KEY_SIZE);
}

/* Writes u[0..n) (sorted) to the credential index and the map in one
 * transaction. */
static int put_batch(struct store *s, const struct smt_update *u, size_t n,
                     uint8_t root[32], struct store_map_work *work)
{
    struct store_txn *w;
    struct smt_store st;
    int rc;

    if ((rc = store_write_begin(s, &w)) != 0)
        return rc;
    for (size_t i = 0; i < n && rc == 0; i++) {
        struct store_credential c;
        smt_value_decode(u[i].value, &c.issue_index, &c.revoke_index);
        rc = store_put_credential(w, u[i].key, &c);
    }
    store_smt(w, &st);
    if (rc == 0)
        rc = smt_update(&st, u, n, root);
    if (work != NULL)
        store_smt_work(w, work);
    if (rc != 0) {
        store_write_abort(w);
        return rc;
    }
    return store_write_commit(w);
}

/* The root over u[0..n) (sorted), from proofs/smt_build.c. */
static void built_root(const struct smt_update *u, size_t n, uint8_t root[32])
{
    static struct smt_builder b;
    struct smt_node node;

    smt_builder_init(&b, 0, NULL, NULL);
    for (size_t i = 0; i < n; i++)
        smt_builder_add(&b, u[i].key, u[i].value);
    smt_builder_finish(&b, &node);
    memcpy(root, node.kind == SMT_NODE_EMPTY ? (uint8_t[32]){0} : node.hash,
           32);
}

/* Proves every key of u[0..n) (step apart) in r against root; returns the
 * proofs that failed or broke the budget, and the largest work per proof. */
static unsigned long prove_all(struct store_txn *r, const struct smt_update *u,
                               size_t n, size_t step, const uint8_t root[32],
                               uint64_t *max_read, uint64_t *max_hashed,
                               uint64_t *largest)
{
    static uint8_t proof[SMT_PROOF_MAX];
    struct smt_store st;
    unsigned long bad = 0;

    store_smt(r, &st);
    *max_read = *max_hashed = *largest = 0;
    for (size_t i = 0; i < n; i += step) {
        struct store_map_work a, b;
        struct smt_proof_info info;
        uint64_t d;
        int len;

        store_smt_work(r, &a);
        len = smt_prove(&st, u[i].key, proof, sizeof proof);
        store_smt_work(r, &b);
        if (len < 0 || smt_verify(proof, (size_t)len, root, &info) != 0 ||
            info.kind != SMT_PROOF_PRESENT ||
            memcmp(info.value, u[i].value, 16) != 0) {
            bad++;
            continue;
        }
        d = 2 * (uint64_t)info.depth + 1; /* the prover's reads */
        if (b.creds_read - a.creds_read > d * (STORE_MAP_BUDGET + 1) ||
            b.nodes_hashed - a.nodes_hashed > d * (2 * STORE_MAP_BUDGET + 1))
            bad++;
        if (b.creds_read - a.creds_read > *max_read)
            *max_read = b.creds_read - a.creds_read;
        if (b.nodes_hashed - a.nodes_hashed > *max_hashed)
            *max_hashed = b.nodes_hashed - a.nodes_hashed;
    }
    {
        struct store_map_work w;
        store_smt_work(r, &w);
        *largest = w.largest;
    }
    return bad;
}

/*
 * An issuer may choose its credential keys: 20,000 keys sharing their first
 * 200 bits, beside 20,000 random ones. Format 2 computed every node below a
 * depth set by the number of keys from its range, so each proof in the
 * crafted region read all 20,000 of them. Now no computed node reads more
 * than STORE_MAP_BUDGET + 1 credentials in a reader, nor more than that plus
 * the batch's own keys in a writer, and the stored nodes are exactly those a
 * rebuild from scratch stores.
 */
static void test_map_crafted(void)
{
    enum { NRAND = 20000, NCRAFT = 20000, N = NRAND + NCRAFT };
    struct smt_update *u = calloc(N + 1, sizeof *u), *batch;
    struct store *s = open_store(0);
    struct store_txn *r, *w;
    struct store_map_work work;
    uint64_t rnd = 77, max_read, max_hashed, largest, nodes, nodes2;
    uint8_t root[32], want[32], got[32];
    size_t nb;

    REQUIRE(s != NULL && u != NULL);
    for (size_t i = 0; i < N + 1; i++) {
        for (int k = 0; k < 32; k += 8) {
            uint64_t x = check_rand(&rnd);
            memcpy(u[i].key + k, &x, 8);
        }
        if (i >= NRAND)
            memset(u[i].key, 0xc3, 25); /* 200 shared bits */
        smt_value_encode(i, i % 5 == 0 ? i + 1 : SMT_NONE, u[i].value);
    }
    /* In 8 batches of random order (each sorted), as a log would. */
    batch = calloc(N / 8, sizeof *batch);
    REQUIRE(batch != NULL);
    for (size_t i = N - 1; i > 0; i--) {
        size_t j = check_rand(&rnd) % (i + 1);
        struct smt_update t = u[i];
        u[i] = u[j];
        u[j] = t;
    }
    for (size_t b = 0; b < 8; b++) {
        memcpy(batch, u + b * (N / 8), (N / 8) * sizeof *batch);
        qsort(batch, N / 8, sizeof *batch, cmp_key);
        CHECK(put_batch(s, batch, N / 8, root, &work) == 0);
        CHECK_MSG(work.largest <= STORE_MAP_BUDGET + 1 + N / 8,
                  "batch %zu computed a node of %llu credentials", b,
                  (unsigned long long)work.largest);
    }
    free(batch);
    qsort(u, N, sizeof *u, cmp_key);
    built_root(u, N, want);
    CHECK(memcmp(root, want, 32) == 0);

    /* Proofs: bounded in the crafted region as elsewhere. */
    REQUIRE(store_reader_new(s, &r) == 0);
    REQUIRE(store_read_begin(r) == 0);
    {
        struct smt_store st;
        store_smt(r, &st);
        CHECK(smt_root(&st, got) == 0 && memcmp(got, want, 32) == 0);
    }
    /* u is sorted: the crafted keys (0xc3c3...) are one run. */
    nb = 0;
    while (nb < N && memcmp(u[nb].key, (uint8_t[3]){0xc3, 0xc3, 0xc3}, 3) < 0)
        nb++;
    CHECK(memcmp(u[nb].key, u[nb + NCRAFT - 1].key, 25) == 0);
    CHECK(prove_all(r, u + nb, NCRAFT, 97, want, &max_read, &max_hashed,
                    &largest) == 0);
    CHECK_MSG(largest <= STORE_MAP_BUDGET + 1,
              "a reader computed a node of %llu credentials",
              (unsigned long long)largest);
    printf("crafted region (%d keys sharing 200 bits): a proof read at most "
           "%llu credentials and hashed %llu nodes\n",
           NCRAFT, (unsigned long long)max_read,
           (unsigned long long)max_hashed);
    CHECK(prove_all(r, u, N, 89, want, &max_read, &max_hashed, &largest) == 0);
    printf("whole map (%d keys): a proof read at most %llu credentials and "
           "hashed %llu nodes\n",
           N, (unsigned long long)max_read, (unsigned long long)max_hashed);
    CHECK(store_smt_nodes(r, &nodes) == 0 && nodes > 0);
    store_read_end(r);

    /* One more crafted key: an update's work is bounded too. */
    memcpy(u[N].key, u[nb].key, 32);
    u[N].key[31] ^= 0x01;
    u[N].key[30] ^= 0x80;
    CHECK(put_batch(s, &u[N], 1, root, &work) == 0);
    CHECK_MSG(work.largest <= STORE_MAP_BUDGET + 2,
              "a one-key update computed a node of %llu credentials",
              (unsigned long long)work.largest);

    /* The stored nodes are those a rebuild stores (a function of the keys
     * alone), with the same root. */
    REQUIRE(store_read_begin(r) == 0);
    CHECK(store_smt_nodes(r, &nodes) == 0);
    store_read_end(r);
    REQUIRE(store_write_begin(s, &w) == 0);
    CHECK(store_smt_rebuild(w) == 0);
    CHECK(store_smt_nodes(w, &nodes2) == 0);
    CHECK_MSG(nodes == nodes2, "%llu nodes stored, a rebuild stores %llu",
              (unsigned long long)nodes, (unsigned long long)nodes2);
    {
        struct smt_store st;
        store_smt(w, &st);
        CHECK(smt_root(&st, got) == 0 && memcmp(got, root, 32) == 0);
    }
    CHECK(store_write_commit(w) == 0);
    store_reader_free(r);
    store_close(s);
    free(u);
}

/* ---- a format-2 directory ---- */

/* The credentials of tests/data/store-format2: FIXTURE_N keys, the last
 * FIXTURE_CRAFTED of them sharing their first 200 bits. */
#define FIXTURE_N 600
#define FIXTURE_CRAFTED 200

static uint64_t fixture_mix(uint64_t x)
{
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

static void fixture_cred(uint64_t i, uint8_t key[32], uint8_t value[16])
{
    for (int k = 0; k < 4; k++) {
        uint64_t x = fixture_mix(i * 4 + (uint64_t)k);
        for (int b = 0; b < 8; b++)
            key[8 * k + b] = (uint8_t)(x >> (8 * b));
    }
    if (i >= FIXTURE_N - FIXTURE_CRAFTED)
        memset(key, 0x5a, 25); /* 200 shared bits */
    smt_value_encode(i, i % 7 == 3 ? i + 1000 : SMT_NONE, value);
}

/*
 * tests/data/store-format2/data.mdb was written by the format-2 store
 * (logd/store_map.c as it was before format 3, the parent of the commit that
 * added this test): store_open on an empty directory,
 * then in one write transaction the FIXTURE_N credentials of fixture_cred()
 * and two smt_update() batches, as logd writes them. Opening it converts it
 * to format 3: the same root and proofs, and the crafted region bounded.
 */
static void test_format2(void)
{
    static struct smt_update u[FIXTURE_N];
    const char *data = getenv("CREDLOG_TEST_DATA");
    char src[512], dst[512];
    struct store *s;
    struct store_txn *r, *w;
    struct smt_store st;
    uint8_t want[32], got[32];
    uint64_t max_read, max_hashed, largest, nodes, nodes2;
    FILE *in, *out;
    size_t n;
    char buf[4096];

    snprintf(src, sizeof src, "%s/store-format2/data.mdb",
             data != NULL ? data : "tests/data");
    snprintf(dst, sizeof dst, "%s/data.mdb", dir);
    in = fopen(src, "rb");
    out = fopen(dst, "wb");
    REQUIRE(in != NULL && out != NULL);
    while ((n = fread(buf, 1, sizeof buf, in)) > 0)
        CHECK(fwrite(buf, 1, n, out) == n);
    fclose(in);
    CHECK(fclose(out) == 0);

    for (uint64_t i = 0; i < FIXTURE_N; i++)
        fixture_cred(i, u[i].key, u[i].value);
    qsort(u, FIXTURE_N, sizeof u[0], cmp_key);
    built_root(u, FIXTURE_N, want);

    s = open_store(0);
    REQUIRE(s != NULL);
    REQUIRE(store_reader_new(s, &r) == 0);
    REQUIRE(store_read_begin(r) == 0);
    store_smt(r, &st);
    CHECK(smt_root(&st, got) == 0 && memcmp(got, want, 32) == 0);
    CHECK(prove_all(r, u, FIXTURE_N, 1, want, &max_read, &max_hashed,
                    &largest) == 0);
    CHECK_MSG(largest <= STORE_MAP_BUDGET + 1,
              "after opening format 2, a node read %llu credentials",
              (unsigned long long)largest);
    CHECK(store_smt_nodes(r, &nodes) == 0);
    store_read_end(r);
    store_reader_free(r);
    /* Converted once: it is format 3's stored set, and stays so. */
    REQUIRE(store_write_begin(s, &w) == 0);
    CHECK(store_smt_rebuild(w) == 0);
    CHECK(store_smt_nodes(w, &nodes2) == 0 && nodes == nodes2);
    store_write_abort(w);
    store_close(s);
    s = open_store(0);
    REQUIRE(s != NULL);
    REQUIRE(store_reader_new(s, &r) == 0);
    REQUIRE(store_read_begin(r) == 0);
    store_smt(r, &st);
    CHECK(smt_root(&st, got) == 0 && memcmp(got, want, 32) == 0);
    CHECK(store_smt_nodes(r, &nodes2) == 0 && nodes == nodes2);
    store_reader_free(r);
    store_close(s);
}

/* Opens dir's LMDB environment directly (as an older logd left it) and
 * runs fn on its meta and keys databases in one write transaction. */
static void raw_edit(void (*fn)(MDB_txn *txn, MDB_dbi meta, MDB_dbi keys))
{
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi meta, keys;

    REQUIRE(mdb_env_create(&env) == 0);
    REQUIRE(mdb_env_set_maxdbs(env, 8) == 0);
    REQUIRE(mdb_env_open(env, dir, 0, 0600) == 0);
    REQUIRE(mdb_txn_begin(env, NULL, 0, &txn) == 0);
    REQUIRE(mdb_dbi_open(txn, "meta", 0, &meta) == 0);
    REQUIRE(mdb_dbi_open(txn, "keys", 0, &keys) == 0);
    fn(txn, meta, keys);
    REQUIRE(mdb_txn_commit(txn) == 0);
    mdb_env_close(env);
}

static void put_format(MDB_txn *txn, MDB_dbi meta, uint8_t format)
{
    uint8_t fmt[4] = {0, 0, 0, format};
    MDB_val k = {6, (void *)"format"}, v = {4, fmt};

    REQUIRE(mdb_put(txn, meta, &k, &v, 0) == 0);
}

static uint8_t PUB_X[32], PUB_Y[32], PUB_Z[32];

/* The keys database as format 3 kept it for the entries of test_format3:
 * the authorized keys only, each with the index of its latest add. */
static void make_format3(MDB_txn *txn, MDB_dbi meta, MDB_dbi keys)
{
    static const struct {
        const char *name;
        const uint8_t *pub;
        uint64_t added;
    } old[] = {{"x.example", PUB_X, 3}, {"y.example", PUB_Y, 4}};

    put_format(txn, meta, 3);
    REQUIRE(mdb_drop(txn, keys, 0) == 0);
    for (size_t i = 0; i < 2; i++) {
        uint8_t key[1 + 32 + 32], val[8];
        size_t n = strlen(old[i].name);
        MDB_val k = {1 + n + 32, key}, v = {8, val};
        key[0] = (uint8_t)n;
        memcpy(key + 1, old[i].name, n);
        memcpy(key + 1 + n, old[i].pub, 32);
        for (int b = 0; b < 8; b++)
            val[b] = (uint8_t)(old[i].added >> (56 - 8 * b));
        REQUIRE(mdb_put(txn, keys, &k, &v, 0) == 0);
    }
}

static void make_format5(MDB_txn *txn, MDB_dbi meta, MDB_dbi keys)
{
    (void)keys;
    put_format(txn, meta, 5);
}

static size_t key_entry(uint8_t version, uint8_t op, const char *issuer,
                        const uint8_t *pub, uint8_t *buf)
{
    struct entry e;
    int len;

    memset(&e, 0, sizeof e);
    e.version = version;
    e.type = ENTRY_KEY;
    e.key_op = op;
    snprintf(e.issuer, sizeof e.issuer, "%s", issuer);
    memcpy(e.public_key, pub, 32);
    e.timestamp_ms = 1700000000000;
    if (version == ENTRY_VERSION_2 && op == ENTRY_KEY_ADD)
        CHECK(entry_identity_add(&e, ENTRY_ID_DNS, (const uint8_t *)"z.nl",
                                 4) == 0);
    len = entry_encode(&e, buf, ENTRY_MAX_SIZE);
    CHECK(len > 0);
    return len > 0 ? (size_t)len : 0;
}

/* A format-3 directory whose log removed a key (x.example at 2, re-added at
 * 3 under the old rules) and another (z.example, KEY v2, at 7): format 4
 * keeps every key, with its first add and first remove. */
static void test_format3(void)
{
    uint8_t buf[ENTRY_MAX_SIZE];
    struct store *s;
    struct store_txn *w, *r;
    struct key_seen k;
    char err[256];
    size_t len;

    memset(PUB_X, 0x11, 32);
    memset(PUB_Y, 0x22, 32);
    memset(PUB_Z, 0x33, 32);
    s = open_store(0);
    REQUIRE(s != NULL);
    REQUIRE(store_write_begin(s, &w) == 0);
    len = key_entry(1, ENTRY_KEY_ADD, "x.example", PUB_X, buf);
    CHECK(store_append_entry(w, 0, buf, len) == 0);
    len = fake_entry(1, buf); /* not a KEY entry */
    CHECK(store_append_entry(w, 1, buf, len) == 0);
    len = key_entry(1, ENTRY_KEY_REMOVE, "x.example", PUB_X, buf);
    CHECK(store_append_entry(w, 2, buf, len) == 0);
    len = key_entry(1, ENTRY_KEY_ADD, "x.example", PUB_X, buf);
    CHECK(store_append_entry(w, 3, buf, len) == 0);
    len = key_entry(1, ENTRY_KEY_ADD, "y.example", PUB_Y, buf);
    CHECK(store_append_entry(w, 4, buf, len) == 0);
    len = key_entry(2, ENTRY_KEY_ADD, "z.example", PUB_Z, buf);
    CHECK(store_append_entry(w, 5, buf, len) == 0);
    len = fake_entry(6, buf);
    CHECK(store_append_entry(w, 6, buf, len) == 0);
    len = key_entry(2, ENTRY_KEY_REMOVE, "z.example", PUB_Z, buf);
    CHECK(store_append_entry(w, 7, buf, len) == 0);
    len = key_entry(2, ENTRY_KEY_REMOVE, "w.example", PUB_Z, buf);
    CHECK(store_append_entry(w, 8, buf, len) == 0); /* never added */
    CHECK(store_write_commit(w) == 0);
    store_close(s);
    raw_edit(make_format3);

    s = open_store(0);
    REQUIRE(s != NULL);
    REQUIRE(store_reader_new(s, &r) == 0);
    REQUIRE(store_read_begin(r) == 0);
    memset(&k, 0, sizeof k);
    CHECK(store_keys(r, key_cb, &k) == 0 && k.n == 3);
    CHECK(strcmp(k.names[0], "x.example") == 0 && k.added[0] == 0 &&
          k.removed[0] == 2);
    CHECK(strcmp(k.names[1], "y.example") == 0 && k.added[1] == 4 &&
          k.removed[1] == SMT_NONE);
    CHECK(strcmp(k.names[2], "z.example") == 0 && k.added[2] == 5 &&
          k.removed[2] == 7);
    store_reader_free(r);
    store_close(s);

    /* A format newer than this store's is refused, and left alone. */
    raw_edit(make_format5);
    CHECK(store_open(dir, NULL, &s, err, sizeof err) == STORE_ERR_OPEN &&
          strstr(err, "unsupported storage format") != NULL);
}

static void test_open_errors(void)
{
    struct store *s = NULL, *s2 = NULL;
    char err[256] = "";

    /* One process per directory, even within one process. */
    make_dir();
    s = open_store(0);
    CHECK(s != NULL);
    CHECK(store_open(dir, NULL, &s2, err, sizeof err) == STORE_ERR_OPEN);
    CHECK(s2 == NULL && strstr(err, "another logd is using it") != NULL);
    store_close(s);
    s = NULL;
    CHECK(store_open(dir, NULL, &s2, err, sizeof err) == 0);
    store_close(s2);
    remove_dir();

    CHECK(store_open("/nonexistent/dir/for/test", NULL, &s, err, sizeof err) ==
          STORE_ERR_OPEN);
    CHECK(s == NULL && strlen(err) > 0);
    CHECK(strcmp(store_strerror(STORE_ERR_MAP_FULL), "storage map is full") ==
          0);
}

/* One reader, kept across commits: its proofs verify against the map of
 * each read transaction (the upper nodes it remembers from an older map
 * are dropped at the commit), for keys added, changed and absent. */
static void test_reader_across_commits(void)
{
    enum { N = 3000 };
    struct store *s = open_store(0);
    struct smt_update *u = calloc(N, sizeof *u);
    struct store_txn *r = NULL;
    uint8_t root[32], proof[SMT_PROOF_MAX];
    uint64_t rnd = 7;
    int bad = 0;

    REQUIRE(s != NULL && u != NULL);
    for (int i = 0; i < N; i++) {
        for (int k = 0; k < 32; k += 8) {
            uint64_t x = check_rand(&rnd);
            memcpy(u[i].key + k, &x, 8);
        }
        smt_value_encode((uint64_t)i, SMT_NONE, u[i].value);
    }
    qsort(u, N, sizeof *u, cmp_key);
    REQUIRE(store_reader_new(s, &r) == 0);
    /* Three commits: the first third, the second, then the first third
     * again with new values (revoked). */
    for (int round = 0; round < 3; round++) {
        size_t first = round == 1 ? N / 3 : 0, n = N / 3;
        struct smt_store st;
        if (round == 2)
            for (size_t i = 0; i < n; i++)
                smt_value_encode(i, 9000 + i, u[i].value);
        REQUIRE(put_batch(s, u + first, n, root, NULL) == 0);
        REQUIRE(store_read_begin(r) == 0);
        store_smt(r, &st);
        for (size_t i = 0; i < (size_t)(2 * N / 3) + 50; i++) {
            struct smt_proof_info info;
            bool in = i < (round == 0 ? (size_t)N / 3 : (size_t)2 * N / 3);
            int len = smt_prove(&st, u[i].key, proof, sizeof proof);
            if (len < 0 || smt_verify(proof, (size_t)len, root, &info) != 0 ||
                (info.kind == SMT_PROOF_PRESENT) != in ||
                (in && memcmp(info.value, u[i].value, 16) != 0))
                bad++;
        }
        store_read_end(r);
    }
    CHECK_MSG(bad == 0, "%d proofs wrong", bad);
    store_reader_free(r);
    store_close(s);
    free(u);
}

int main(void)
{
    make_dir();
    test_reader_across_commits();
    remove_dir();
    make_dir();
    test_round_trip();
    remove_dir();
    make_dir();
    test_smt();
    remove_dir();
    make_dir();
    test_map_growth();
    remove_dir();
    make_dir();
    test_grow_limits();
    remove_dir();
    make_dir();
    test_map_crafted();
    remove_dir();
    make_dir();
    test_format2();
    remove_dir();
    make_dir();
    test_format3();
    remove_dir();
    test_open_errors();
    return check_finish();
}
