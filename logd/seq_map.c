/* seq_map.c: see seq_map.h. */
#include "logd/seq_map.h"

#include <stdlib.h>
#include <string.h>

void seq_map_reset(struct seq_map *m)
{
    m->n = 0;
}

void seq_map_free(struct seq_map *m)
{
    free(m->changes);
    memset(m, 0, sizeof *m);
}

static int change_add(struct seq_map *m, const uint8_t key[SMT_KEY_SIZE],
                      uint64_t issue, uint64_t revoke)
{
    struct seq_map_change *c;

    if (m->n == m->cap) {
        size_t ncap = m->cap ? 2 * m->cap : 1024;
        c = realloc(m->changes, ncap * sizeof *c);
        if (c == NULL)
            return STORE_ERR_NOMEM;
        m->changes = c;
        m->cap = ncap;
    }
    c = &m->changes[m->n];
    memcpy(c->key, key, SMT_KEY_SIZE);
    smt_value_encode(issue, revoke, c->value);
    c->order = m->n++;
    return 0;
}

int seq_map_credential(struct seq_map *m, struct store_txn *w,
                       const uint8_t hash[SMT_KEY_SIZE], uint64_t issue,
                       uint64_t revoke)
{
    struct store_credential sc = {issue, revoke};
    int err = store_put_credential(w, hash, &sc);

    return err != 0 ? err : change_add(m, hash, issue, revoke);
}

static int change_cmp(const void *a, const void *b)
{
    const struct seq_map_change *x = a, *y = b;
    int c = memcmp(x->key, y->key, SMT_KEY_SIZE);

    if (c != 0)
        return c;
    return x->order < y->order ? -1 : x->order > y->order;
}

int seq_map_apply(struct seq_map *m, struct store_txn *w,
                  uint8_t root[SMT_HASH_SIZE])
{
    struct smt_store st;
    struct smt_update *u;
    size_t n = 0;
    int rc;

    if (m->n == 0)
        return 0;
    qsort(m->changes, m->n, sizeof m->changes[0], change_cmp);
    u = malloc(m->n * sizeof *u);
    if (u == NULL)
        return STORE_ERR_NOMEM;
    for (size_t i = 0; i < m->n; i++) {
        if (i + 1 < m->n &&
            memcmp(m->changes[i].key, m->changes[i + 1].key, SMT_KEY_SIZE) == 0)
            continue;
        memcpy(u[n].key, m->changes[i].key, SMT_KEY_SIZE);
        memcpy(u[n].value, m->changes[i].value, SMT_VALUE_SIZE);
        n++;
    }
    store_smt(w, &st);
    rc = smt_update(&st, u, n, root);
    free(u);
    if (rc == SMT_ERR_NOMEM)
        return STORE_ERR_NOMEM;
    if (rc == 0 || CREDLOG_ERR_IN(rc, STORE_ERR_BASE))
        return rc; /* the node store's own code (STORE_ERR_MAP_FULL, ...) */
    return STORE_ERR_CORRUPT; /* the stored map is impossible */
}
