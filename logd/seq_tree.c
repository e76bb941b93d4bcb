/* seq_tree.c: see seq_tree.h. */
#include "logd/seq_tree.h"

#include <time.h>

static uint64_t clock_ms(clockid_t id)
{
    struct timespec ts;

    clock_gettime(id, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int seq_tree_load_edge(struct seq_tree *t, struct store_txn *r, uint64_t size)
{
    uint64_t idx[COMPACT_LEVELS];
    uint8_t h[COMPACT_LEVELS][MERKLE_HASH_SIZE];
    int n = compact_needed(size, idx), err;

    if (n < 0)
        return STORE_ERR_CORRUPT;
    if ((err = store_read_hashes(r, idx, (size_t)n, h)) != 0)
        return err;
    if (compact_from_stored(&t->edge, size,
                            (const uint8_t(*)[MERKLE_HASH_SIZE])h) != 0)
        return STORE_ERR_CORRUPT;
    return 0;
}

void seq_tree_root(const struct seq_tree *t, uint8_t root[MERKLE_HASH_SIZE])
{
    compact_root(&t->edge, root);
}

int seq_tree_append(struct seq_tree *t, struct store_txn *w, uint8_t type,
                    const uint8_t *entry, size_t len)
{
    uint8_t done[COMPACT_MAX_COMPLETED][MERKLE_HASH_SIZE];
    uint8_t leaf[MERKLE_HASH_SIZE];
    uint64_t n = t->edge.size;
    int c, err;

    merkle_leaf_hash(entry, len, leaf);
    if ((c = compact_append(&t->edge, leaf, done)) < 0)
        return STORE_ERR_CORRUPT;
    if ((err = store_append_entry(w, n, entry, len)) != 0 ||
        (err = store_append_hashes(w, merkle_stored_count(n),
                                   (const uint8_t(*)[MERKLE_HASH_SIZE])done,
                                   (size_t)c)) != 0)
        return err;
    if (type < STORE_COUNTS)
        t->counts[type]++;
    return 0;
}

int seq_tree_append_log_entry(struct seq_tree *t, struct store_txn *w,
                              struct entry *e)
{
    uint8_t buf[ENTRY_MAX_SIZE];
    int len;

    /* Never earlier than the previous stamp, and never a jump of the wall
     * clock (clockguard.h). */
    e->timestamp_ms = clockguard_stamp(&t->clock, clock_ms(CLOCK_REALTIME),
                                       clock_ms(CLOCK_MONOTONIC));
    len = entry_encode(e, buf, sizeof buf);
    if (len < 0)
        return STORE_ERR_CORRUPT;
    return seq_tree_append(t, w, e->type, buf, (size_t)len);
}
