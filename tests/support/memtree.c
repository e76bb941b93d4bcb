/* memtree.c: an in-memory RFC 6962 log for tests. See memtree.h. */
#include "memtree.h"

#include <stdlib.h>
#include <string.h>

void memtree_init(struct memtree *t, uint64_t seed)
{
    memset(t, 0, sizeof *t);
    t->seed = seed;
}

void memtree_free(struct memtree *t)
{
    if (t == NULL)
        return;
    free(t->stored);
    t->stored = NULL;
    t->size = t->cap = 0;
}

/* Reads the stored hashes listed in idx[0..n) into out. */
static void read_stored(const struct memtree *t, const uint64_t *idx, int n,
                        uint8_t (*out)[MERKLE_HASH_SIZE])
{
    for (int i = 0; i < n; i++)
        memcpy(out[i], t->stored[idx[i]], MERKLE_HASH_SIZE);
}

void memtree_grow(struct memtree *t, uint64_t n)
{
    while (t->size < n) {
        uint64_t idx[MERKLE_MAX_NEEDED], first = merkle_stored_count(t->size);
        uint8_t needed[MERKLE_MAX_NEEDED][MERKLE_HASH_SIZE], leaf[32], e[8];
        uint64_t v = t->size + t->seed;
        int k = merkle_append_needed(t->size, idx);
        size_t want = (size_t)first + (size_t)merkle_append_count(t->size);

        if (want > t->cap) {
            size_t cap = t->cap ? t->cap * 2 : 64;

            while (cap < want)
                cap *= 2;
            t->stored = realloc(t->stored, cap * MERKLE_HASH_SIZE);
            if (t->stored == NULL)
                abort();
            t->cap = cap;
        }
        for (int i = 0; i < 8; i++)
            e[i] = (uint8_t)(v >> (56 - 8 * i));
        merkle_leaf_hash(e, sizeof e, leaf);
        read_stored(t, idx, k, needed);
        merkle_append_hashes(t->size, leaf,
                             (const uint8_t(*)[MERKLE_HASH_SIZE])needed,
                             t->stored + first);
        t->size++;
    }
}

void memtree_root(const struct memtree *t, uint64_t n,
                  uint8_t root[MERKLE_HASH_SIZE])
{
    uint64_t idx[MERKLE_MAX_NEEDED];
    uint8_t h[MERKLE_MAX_NEEDED][MERKLE_HASH_SIZE];
    int k = merkle_tree_hash_needed(n, idx);

    if (n > t->size || k < 0)
        abort();
    read_stored(t, idx, k, h);
    merkle_tree_hash(n, (const uint8_t(*)[MERKLE_HASH_SIZE])h, root);
}

int memtree_consistency(const struct memtree *t, uint64_t m, uint64_t n,
                        uint8_t (*proof)[MERKLE_HASH_SIZE])
{
    uint64_t idx[MERKLE_MAX_NEEDED];
    uint8_t h[MERKLE_MAX_NEEDED][MERKLE_HASH_SIZE];
    int k = merkle_consistency_needed(m, n, idx), len;

    if (n > t->size || k < 0)
        abort();
    read_stored(t, idx, k, h);
    len = merkle_consistency_proof(m, n, (const uint8_t(*)[MERKLE_HASH_SIZE])h,
                                   proof);
    if (len < 0)
        abort();
    return len;
}
