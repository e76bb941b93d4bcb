/*
 * bench_lmdb: LMDB's own durable put rate on this machine and disk, the
 * storage ceiling of durable appends. Values of a fixed size go under
 * consecutive big-endian u64 keys with MDB_APPEND (as logd appends
 * entries), `batch` puts per write transaction, every transaction committed
 * with LMDB's default durability (fdatasync before mdb_txn_commit returns;
 * no MDB_NOSYNC, MDB_NOMETASYNC or MDB_WRITEMAP), for `seconds`.
 *
 *   bench_lmdb --dir DIR [--value-size N] [--batch N] [--seconds S]
 *
 * DIR must exist and should be empty (a fresh environment is made in it).
 * Prints "puts_per_s=R commits_per_s=C batch=B value_size=V".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lmdb.h>

#include "bench/bench_util.h"

static void check(int rc, const char *what)
{
    if (rc != 0)
        bench_die("%s: %s", what, mdb_strerror(rc));
}

int main(int argc, char **argv)
{
    const char *dir = NULL;
    uint64_t value_size = 124, batch = 100, seconds = 3, key = 0, commits = 0;
    MDB_env *env;
    MDB_dbi dbi;
    MDB_txn *txn;
    uint8_t *value;
    double t0, t1;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc)
            dir = argv[++i];
        else if (strcmp(argv[i], "--value-size") == 0 && i + 1 < argc)
            value_size = bench_arg_u64("--value-size", argv[++i]);
        else if (strcmp(argv[i], "--batch") == 0 && i + 1 < argc)
            batch = bench_arg_u64("--batch", argv[++i]);
        else if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc)
            seconds = bench_arg_u64("--seconds", argv[++i]);
        else
            dir = NULL, i = argc;
    }
    if (dir == NULL || value_size == 0 || value_size > 4000 || batch == 0 ||
        seconds == 0)
        bench_die("usage: bench_lmdb --dir DIR [--value-size N] [--batch N] "
                  "[--seconds S]");
    value = malloc(value_size);
    if (value == NULL)
        bench_die("out of memory");
    for (uint64_t i = 0; i < value_size; i++)
        value[i] = (uint8_t)(i * 31 + 7);

    check(mdb_env_create(&env), "mdb_env_create");
    check(mdb_env_set_mapsize(env, (size_t)1 << 34), "mdb_env_set_mapsize");
    check(mdb_env_set_maxdbs(env, 2), "mdb_env_set_maxdbs");
    check(mdb_env_open(env, dir, 0, 0600), "mdb_env_open");
    check(mdb_txn_begin(env, NULL, 0, &txn), "mdb_txn_begin");
    check(mdb_dbi_open(txn, "values", MDB_CREATE, &dbi), "mdb_dbi_open");
    check(mdb_txn_commit(txn), "mdb_txn_commit");

    t0 = bench_now();
    do {
        MDB_cursor *c;
        check(mdb_txn_begin(env, NULL, 0, &txn), "mdb_txn_begin");
        check(mdb_cursor_open(txn, dbi, &c), "mdb_cursor_open");
        for (uint64_t i = 0; i < batch; i++, key++) {
            uint8_t kb[8];
            MDB_val k = {sizeof kb, kb}, v = {value_size, value};
            for (int b = 0; b < 8; b++)
                kb[b] = (uint8_t)(key >> (56 - 8 * b));
            check(mdb_cursor_put(c, &k, &v, MDB_APPEND), "mdb_cursor_put");
        }
        check(mdb_txn_commit(txn), "mdb_txn_commit");
        commits++;
        t1 = bench_now();
    } while (t1 - t0 < (double)seconds);
    printf("puts_per_s=%.0f commits_per_s=%.1f batch=%llu value_size=%llu\n",
           (double)key / (t1 - t0), (double)commits / (t1 - t0),
           (unsigned long long)batch, (unsigned long long)value_size);
    mdb_env_close(env);
    free(value);
    return 0;
}
