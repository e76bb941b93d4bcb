/* naive.c: see naive.h. */
#include "naive.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/sha.h>

void naive_leaf_hash(const uint8_t *e, size_t len, uint8_t out[32])
{
    uint8_t buf[1 + 65536];

    if (len > 65535)
        abort();
    buf[0] = 0;
    memcpy(buf + 1, e, len);
    SHA256(buf, 1 + len, out);
}

void naive_node_hash(const uint8_t l[32], const uint8_t r[32], uint8_t out[32])
{
    uint8_t buf[65];

    buf[0] = 1;
    memcpy(buf + 1, l, 32);
    memcpy(buf + 33, r, 32);
    SHA256(buf, 65, out);
}

void naive_mth(const uint8_t (*leaves)[32], uint64_t n, uint8_t out[32])
{
    uint8_t l[32], r[32];
    uint64_t k = 1;

    if (n == 0) {
        SHA256((const uint8_t *)"", 0, out);
        return;
    }
    if (n == 1) {
        memcpy(out, leaves[0], 32);
        return;
    }
    while (k * 2 < n)
        k *= 2;
    naive_mth(leaves, k, l);
    naive_mth(leaves + k, n - k, r);
    naive_node_hash(l, r, out);
}

/* The root of the subtree at depth holding c[0..n) (all sharing the first
 * depth bits of their keys). */
static void map_subtree(const struct naive_cred *c, size_t n, unsigned depth,
                        uint8_t out[32])
{
    uint8_t buf[65];
    size_t m = 0;

    if (n == 0) {
        memset(out, 0, 32);
        return;
    }
    if (n == 1) {
        buf[0] = 0;
        memcpy(buf + 1, c[0].key, 32);
        for (int i = 0; i < 8; i++) {
            buf[33 + i] = (uint8_t)(c[0].issue >> (56 - 8 * i));
            buf[41 + i] = (uint8_t)(c[0].revoke >> (56 - 8 * i));
        }
        SHA256(buf, 49, out);
        return;
    }
    while (m < n && ((c[m].key[depth >> 3] >> (7 - (depth & 7))) & 1) == 0)
        m++;
    buf[0] = 1;
    map_subtree(c, m, depth + 1, buf + 1);
    map_subtree(c + m, n - m, depth + 1, buf + 33);
    SHA256(buf, 65, out);
}

void naive_map_root(const struct naive_cred *c, size_t n, uint8_t out[32])
{
    map_subtree(c, n, 0, out);
}

void naive_key_map_key(const char *issuer, const uint8_t pub[32],
                       uint8_t out[32])
{
    uint8_t buf[15 + 1 + 255 + 32];
    size_t n = strlen(issuer);

    memcpy(buf, "credlog/key/v1\n", 15);
    buf[15] = (uint8_t)n;
    memcpy(buf + 16, issuer, n);
    memcpy(buf + 16 + n, pub, 32);
    SHA256(buf, 16 + n + 32, out);
}

static int cred_cmp(const void *a, const void *b)
{
    return memcmp(((const struct naive_cred *)a)->key,
                  ((const struct naive_cred *)b)->key, 32);
}

void naive_sort(struct naive_cred *c, size_t n)
{
    if (n > 0)
        qsort(c, n, sizeof *c, cred_cmp);
}
