/* seq_tree.c: see seq_tree.h. */
#include "logd/seq_tree.h"

#include <string.h>
#include <time.h>

static uint64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int seq_tree_load_edge(struct seq_tree *t, struct store_txn *r)
{
    for (int l = 0; l < SEQ_TREE_LEVELS; l++) {
        if (((t->size >> l) & 1) == 0)
            continue;
        uint64_t idx = merkle_stored_index(l, (t->size >> l) - 1);
        int err = store_read_hashes(r, &idx, 1, &t->frontier[l]);
        if (err != 0)
            return err;
    }
    return 0;
}

/* Reads the stored hashes idx[0..n) of tree t: from the frontier when they
 * are on the right edge (always, for appends and the root), else from w. */
static int tree_hashes(const struct seq_tree *t, struct store_txn *w,
                       const uint64_t *idx, int n,
                       uint8_t (*out)[MERKLE_HASH_SIZE])
{
    for (int i = 0; i < n; i++) {
        int level;
        uint64_t k;

        merkle_split_stored_index(idx[i], &level, &k);
        if (level < SEQ_TREE_LEVELS && ((t->size >> level) & 1) &&
            k == (t->size >> level) - 1) {
            memcpy(out[i], t->frontier[level], MERKLE_HASH_SIZE);
            continue;
        }
        int err = store_read_hashes(w, &idx[i], 1, &out[i]);
        if (err != 0)
            return err;
    }
    return 0;
}

int seq_tree_root(const struct seq_tree *t, struct store_txn *w,
                  uint8_t root[MERKLE_HASH_SIZE])
{
    uint64_t idx[MERKLE_MAX_NEEDED];
    uint8_t h[MERKLE_MAX_NEEDED][MERKLE_HASH_SIZE];
    int n = merkle_tree_hash_needed(t->size, idx);
    int err;

    if (n < 0)
        return STORE_ERR_CORRUPT;
    if ((err = tree_hashes(t, w, idx, n, h)) != 0)
        return err;
    merkle_tree_hash(t->size, (const uint8_t(*)[MERKLE_HASH_SIZE])h, root);
    return 0;
}

int seq_tree_append(struct seq_tree *t, struct store_txn *w, uint8_t type,
                    const uint8_t *entry, size_t len)
{
    uint64_t idx[MERKLE_MAX_NEEDED];
    uint8_t need[MERKLE_MAX_NEEDED][MERKLE_HASH_SIZE];
    uint8_t out[SEQ_TREE_LEVELS + 1][MERKLE_HASH_SIZE];
    uint8_t leaf[MERKLE_HASH_SIZE];
    uint64_t n = t->size;
    int k = merkle_append_needed(n, idx);
    int c = merkle_append_count(n);
    int err;

    if (k < 0 || c < 1 || c > SEQ_TREE_LEVELS)
        return STORE_ERR_CORRUPT;
    if ((err = tree_hashes(t, w, idx, k, need)) != 0)
        return err;
    merkle_leaf_hash(entry, len, leaf);
    merkle_append_hashes(n, leaf, (const uint8_t(*)[MERKLE_HASH_SIZE])need,
                         out);
    if ((err = store_append_entry(w, n, entry, len)) != 0 ||
        (err = store_append_hashes(w, merkle_stored_count(n),
                                   (const uint8_t(*)[MERKLE_HASH_SIZE])out,
                                   (size_t)c)) != 0)
        return err;
    /* Leaf n completes subtrees of heights 0..c-1; in size n+1 only the
     * highest is on the right edge (bit c-1 set, lower bits clear). */
    memcpy(t->frontier[c - 1], out[c - 1], MERKLE_HASH_SIZE);
    t->size = n + 1;
    if (type < STORE_COUNTS)
        t->counts[type]++;
    return 0;
}

int seq_tree_append_log_entry(struct seq_tree *t, struct store_txn *w,
                              struct entry *e)
{
    uint8_t buf[ENTRY_MAX_SIZE];
    uint64_t now = now_ms();
    int len;

    if (now < t->last_time_ms)
        now = t->last_time_ms;
    e->timestamp_ms = now;
    t->last_time_ms = now;
    len = entry_encode(e, buf, sizeof buf);
    if (len < 0)
        return STORE_ERR_CORRUPT;
    return seq_tree_append(t, w, e->type, buf, (size_t)len);
}
