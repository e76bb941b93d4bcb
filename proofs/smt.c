/*
 * smt.c: CTL-SMT-v1, the revocation map. See smt.h and docs/protocol.md.
 *
 * Storage. Every non-empty subtree that is not below a leaf has one record
 * at (depth, prefix): a leaf (one key) or a branch (two or more keys, its
 * hash). There are no deletions, so a subtree only ever gains keys: a leaf
 * record never has anything stored below it, and when a second key arrives
 * the leaf's record is overwritten by a branch and the old leaf is written
 * again at the depth where the two keys part. Reading the node on a key's
 * path and its sibling's hash is one get() each, so lookups and proofs are
 * O(depth) reads and an insert is O(depth) reads and writes.
 *
 * Updates. smt_update() recurses once over the union of the batch's paths,
 * passing index ranges of the sorted batch: a node shared by many keys is
 * read, hashed and written once. Below an empty subtree or an old leaf
 * nothing is stored, so that part of the recursion ("build") does no reads
 * and carries the displaced leaf, if any, down to its new place. Nothing is
 * allocated; the recursion is at most SMT_DEPTH_MAX + 1 frames deep and one
 * prefix buffer is shared by all frames (bits at and below the current
 * depth are zero between calls).
 */
#include "proofs/smt.h"

#include <string.h>

#include "proofs/be.h"
#include "proofs/merkle.h"

static const uint8_t smt_empty[SMT_HASH_SIZE];

/* Sizes of the fixed parts of an encoded proof. */
#define SMT_HEAD_SIZE (1 + SMT_KEY_SIZE + 1)  /* version, key, kind */
#define SMT_TAIL_SIZE (2 + SMT_DEPTH_MAX / 8) /* u16be D, bitmap */

const char *smt_strerror(int err)
{
    switch (err) {
    case 0:
        return "success";
    case SMT_ERR_STORE:
        return "map store holds an impossible node";
    case SMT_ERR_SPACE:
        return "output buffer too small";
    case SMT_ERR_SYNTAX:
        return "malformed map proof";
    case SMT_ERR_MISMATCH:
        return "map proof does not lead to the root";
    case SMT_ERR_ARG:
        return "bad argument (batch not sorted or has duplicate keys)";
    case SMT_ERR_NOMEM:
        return "out of memory";
    default:
        return "unknown map error";
    }
}

void smt_value_encode(uint64_t issue, uint64_t revoke,
                      uint8_t value[SMT_VALUE_SIZE])
{
    be_put64(value, issue);
    be_put64(value + 8, revoke);
}

void smt_value_decode(const uint8_t value[SMT_VALUE_SIZE], uint64_t *issue,
                      uint64_t *revoke)
{
    *issue = be_get64(value);
    *revoke = be_get64(value + 8);
}

void smt_leaf_hash(const uint8_t key[SMT_KEY_SIZE],
                   const uint8_t value[SMT_VALUE_SIZE],
                   uint8_t out[SMT_HASH_SIZE])
{
    uint8_t buf[SMT_KEY_SIZE + SMT_VALUE_SIZE];

    /* SHA-256(0x00 || k || v) is RFC 6962's leaf hash of k || v, and the node
     * hash below is its node hash: one SHA-256 for both trees, in hash.c. */
    memcpy(buf, key, SMT_KEY_SIZE);
    memcpy(buf + SMT_KEY_SIZE, value, SMT_VALUE_SIZE);
    merkle_leaf_hash(buf, sizeof buf, out);
}

void smt_node_hash(const uint8_t left[SMT_HASH_SIZE],
                   const uint8_t right[SMT_HASH_SIZE],
                   uint8_t out[SMT_HASH_SIZE])
{
    merkle_node_hash(left, right, out);
}

/* bit(k, i): bit i of k, most significant bit of k[0] first. */
static int smt_bit(const uint8_t *k, unsigned i)
{
    return (k[i >> 3] >> (7 - (i & 7))) & 1;
}

static void smt_set_bit(uint8_t *p, unsigned i, int b)
{
    uint8_t mask = (uint8_t)(0x80 >> (i & 7));

    if (b)
        p[i >> 3] |= mask;
    else
        p[i >> 3] &= (uint8_t)~mask;
}

/* Whether a and b agree on their first n bits. */
static bool smt_same_prefix(const uint8_t *a, const uint8_t *b, unsigned n)
{
    unsigned bytes = n >> 3, rest = n & 7;

    if (memcmp(a, b, bytes) != 0)
        return false;
    if (rest == 0)
        return true;
    return ((a[bytes] ^ b[bytes]) & (uint8_t)(0xff << (8 - rest))) == 0;
}

static int smt_get_node(const struct smt_store *st, unsigned depth,
                        const uint8_t prefix[SMT_KEY_SIZE],
                        struct smt_node *out)
{
    int rc;

    out->kind = SMT_NODE_EMPTY;
    if ((rc = st->get(st->ctx, depth, prefix, out)) < 0)
        return rc;
    if (out->kind > SMT_NODE_BRANCH)
        return SMT_ERR_STORE;
    /* A leaf must sit on its own key's path. */
    if (out->kind == SMT_NODE_LEAF && !smt_same_prefix(out->key, prefix, depth))
        return SMT_ERR_STORE;
    return 0;
}

/* The hash of the node at (depth, prefix): EMPTY when nothing is stored. */
static int smt_get_hash(const struct smt_store *st, unsigned depth,
                        const uint8_t prefix[SMT_KEY_SIZE],
                        uint8_t out[SMT_HASH_SIZE])
{
    struct smt_node node;
    int rc = smt_get_node(st, depth, prefix, &node);

    if (rc < 0)
        return rc;
    memcpy(out, node.kind == SMT_NODE_EMPTY ? smt_empty : node.hash,
           SMT_HASH_SIZE);
    return 0;
}

int smt_root(const struct smt_store *st, uint8_t root[SMT_HASH_SIZE])
{
    uint8_t prefix[SMT_KEY_SIZE] = {0};

    return smt_get_hash(st, 0, prefix, root);
}

int smt_get(const struct smt_store *st, const uint8_t key[SMT_KEY_SIZE],
            bool *found, uint8_t value[SMT_VALUE_SIZE])
{
    uint8_t prefix[SMT_KEY_SIZE] = {0};
    struct smt_node node;
    int rc;

    *found = false;
    for (unsigned d = 0; d <= SMT_DEPTH_MAX; d++) {
        if ((rc = smt_get_node(st, d, prefix, &node)) < 0)
            return rc;
        if (node.kind == SMT_NODE_EMPTY)
            return 0;
        if (node.kind == SMT_NODE_LEAF) {
            if (memcmp(node.key, key, SMT_KEY_SIZE) == 0) {
                *found = true;
                memcpy(value, node.value, SMT_VALUE_SIZE);
            }
            return 0;
        }
        if (d == SMT_DEPTH_MAX)
            break;
        smt_set_bit(prefix, d, smt_bit(key, d));
    }
    return SMT_ERR_STORE; /* a branch at depth 256 cannot exist */
}

/* ---- updates ---- */

struct smt_batch {
    const struct smt_store *st;
    const struct smt_update *u;
    uint8_t prefix[SMT_KEY_SIZE]; /* the current node's prefix */
};

/* The first index in [lo, hi) whose key has bit d set. The keys are sorted
 * and share their first d bits, so those with bit d clear come first. */
static size_t smt_split(const struct smt_update *u, unsigned d, size_t lo,
                        size_t hi)
{
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (smt_bit(u[mid].key, d))
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

static bool smt_batch_has(const struct smt_update *u, size_t lo, size_t hi,
                          const uint8_t key[SMT_KEY_SIZE])
{
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = memcmp(u[mid].key, key, SMT_KEY_SIZE);
        if (c == 0)
            return true;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return false;
}

static int smt_put(struct smt_batch *b, unsigned d, const struct smt_node *n)
{
    int rc = b->st->put(b->st->ctx, d, b->prefix, n);

    return rc < 0 ? rc : 0;
}

static int smt_put_branch(struct smt_batch *b, unsigned d,
                          const uint8_t left[SMT_HASH_SIZE],
                          const uint8_t right[SMT_HASH_SIZE],
                          uint8_t out[SMT_HASH_SIZE])
{
    struct smt_node node;

    memset(&node, 0, sizeof node);
    node.kind = SMT_NODE_BRANCH;
    smt_node_hash(left, right, node.hash);
    memcpy(out, node.hash, SMT_HASH_SIZE);
    return smt_put(b, d, &node);
}

/*
 * Writes the subtree at (d, b->prefix), known to have nothing stored, holding
 * the keys u[lo, hi) and, if extra is not NULL, one more key (an old leaf
 * pushed down; never one of u[lo, hi)). Sets out to its hash.
 */
static int smt_build(struct smt_batch *b, unsigned d, size_t lo, size_t hi,
                     const struct smt_update *extra, uint8_t out[SMT_HASH_SIZE])
{
    uint8_t left[SMT_HASH_SIZE], right[SMT_HASH_SIZE];
    size_t count = hi - lo + (extra != NULL), mid;
    int extra_bit, rc;

    if (count == 0) {
        memcpy(out, smt_empty, SMT_HASH_SIZE);
        return 0;
    }
    if (count == 1) {
        const struct smt_update *one = extra != NULL ? extra : &b->u[lo];
        struct smt_node node;

        node.kind = SMT_NODE_LEAF;
        memcpy(node.key, one->key, SMT_KEY_SIZE);
        memcpy(node.value, one->value, SMT_VALUE_SIZE);
        smt_leaf_hash(node.key, node.value, node.hash);
        memcpy(out, node.hash, SMT_HASH_SIZE);
        return smt_put(b, d, &node);
    }
    if (d == SMT_DEPTH_MAX)
        return SMT_ERR_ARG; /* two equal keys: excluded by the callers */
    mid = smt_split(b->u, d, lo, hi);
    extra_bit = extra != NULL ? smt_bit(extra->key, d) : -1;
    rc = smt_build(b, d + 1, lo, mid, extra_bit == 0 ? extra : NULL, left);
    if (rc < 0)
        return rc;
    smt_set_bit(b->prefix, d, 1);
    rc = smt_build(b, d + 1, mid, hi, extra_bit == 1 ? extra : NULL, right);
    smt_set_bit(b->prefix, d, 0);
    if (rc < 0)
        return rc;
    return smt_put_branch(b, d, left, right, out);
}

/*
 * Applies u[lo, hi) (non-empty, all sharing the first d bits of b->prefix)
 * to the subtree at (d, b->prefix), whatever is stored there, and sets out
 * to its new hash.
 */
static int smt_apply(struct smt_batch *b, unsigned d, size_t lo, size_t hi,
                     uint8_t out[SMT_HASH_SIZE])
{
    uint8_t left[SMT_HASH_SIZE], right[SMT_HASH_SIZE];
    struct smt_node node;
    struct smt_update old;
    size_t mid;
    int rc;

    if ((rc = smt_get_node(b->st, d, b->prefix, &node)) < 0)
        return rc;
    if (node.kind == SMT_NODE_EMPTY)
        return smt_build(b, d, lo, hi, NULL, out);
    if (node.kind == SMT_NODE_LEAF) {
        /* Nothing is stored below a leaf. Its key moves down with the
         * batch, unless the batch replaces its value. */
        if (smt_batch_has(b->u, lo, hi, node.key))
            return smt_build(b, d, lo, hi, NULL, out);
        memcpy(old.key, node.key, SMT_KEY_SIZE);
        memcpy(old.value, node.value, SMT_VALUE_SIZE);
        return smt_build(b, d, lo, hi, &old, out);
    }
    if (d == SMT_DEPTH_MAX)
        return SMT_ERR_STORE; /* a branch at depth 256 cannot exist */
    mid = smt_split(b->u, d, lo, hi);
    rc = lo < mid ? smt_apply(b, d + 1, lo, mid, left)
                  : smt_get_hash(b->st, d + 1, b->prefix, left);
    if (rc < 0)
        return rc;
    smt_set_bit(b->prefix, d, 1);
    rc = mid < hi ? smt_apply(b, d + 1, mid, hi, right)
                  : smt_get_hash(b->st, d + 1, b->prefix, right);
    smt_set_bit(b->prefix, d, 0);
    if (rc < 0)
        return rc;
    return smt_put_branch(b, d, left, right, out);
}

int smt_update(const struct smt_store *st, const struct smt_update *updates,
               size_t n, uint8_t root[SMT_HASH_SIZE])
{
    struct smt_batch b;

    if (n == 0)
        return smt_root(st, root);
    if (updates == NULL)
        return SMT_ERR_ARG;
    for (size_t i = 1; i < n; i++)
        if (memcmp(updates[i - 1].key, updates[i].key, SMT_KEY_SIZE) >= 0)
            return SMT_ERR_ARG;
    b.st = st;
    b.u = updates;
    memset(b.prefix, 0, sizeof b.prefix);
    return smt_apply(&b, 0, 0, n, root);
}

/* ---- proofs ---- */

int smt_prove(const struct smt_store *st, const uint8_t key[SMT_KEY_SIZE],
              uint8_t *buf, size_t cap)
{
    uint8_t prefix[SMT_KEY_SIZE] = {0};
    uint8_t bitmap[SMT_DEPTH_MAX / 8] = {0};
    uint8_t siblings[SMT_DEPTH_MAX][SMT_HASH_SIZE];
    unsigned nsib = 0, d;
    struct smt_node node;
    uint8_t kind;
    size_t len, off;
    int rc;

    for (d = 0;; d++) {
        if ((rc = smt_get_node(st, d, prefix, &node)) < 0)
            return rc;
        if (node.kind != SMT_NODE_BRANCH)
            break;
        if (d == SMT_DEPTH_MAX)
            return SMT_ERR_STORE;
        smt_set_bit(prefix, d, !smt_bit(key, d));
        if ((rc = smt_get_hash(st, d + 1, prefix, siblings[nsib])) < 0)
            return rc;
        if (memcmp(siblings[nsib], smt_empty, SMT_HASH_SIZE) != 0) {
            bitmap[d >> 3] |= (uint8_t)(0x80 >> (d & 7));
            nsib++;
        }
        smt_set_bit(prefix, d, smt_bit(key, d));
    }
    if (node.kind == SMT_NODE_EMPTY)
        kind = SMT_PROOF_ABSENT_EMPTY;
    else if (memcmp(node.key, key, SMT_KEY_SIZE) == 0)
        kind = SMT_PROOF_PRESENT;
    else
        kind = SMT_PROOF_ABSENT_OTHER;

    len = SMT_HEAD_SIZE + SMT_TAIL_SIZE + (size_t)nsib * SMT_HASH_SIZE;
    if (kind == SMT_PROOF_PRESENT)
        len += SMT_VALUE_SIZE;
    else if (kind == SMT_PROOF_ABSENT_OTHER)
        len += SMT_KEY_SIZE + SMT_VALUE_SIZE;
    if (buf == NULL || cap < len)
        return SMT_ERR_SPACE;

    buf[0] = SMT_PROOF_VERSION;
    memcpy(buf + 1, key, SMT_KEY_SIZE);
    buf[1 + SMT_KEY_SIZE] = kind;
    off = SMT_HEAD_SIZE;
    if (kind == SMT_PROOF_ABSENT_OTHER) {
        memcpy(buf + off, node.key, SMT_KEY_SIZE);
        off += SMT_KEY_SIZE;
    }
    if (kind != SMT_PROOF_ABSENT_EMPTY) {
        memcpy(buf + off, node.value, SMT_VALUE_SIZE);
        off += SMT_VALUE_SIZE;
    }
    buf[off++] = (uint8_t)(d >> 8);
    buf[off++] = (uint8_t)d;
    memcpy(buf + off, bitmap, sizeof bitmap);
    off += sizeof bitmap;
    memcpy(buf + off, siblings, (size_t)nsib * SMT_HASH_SIZE);
    return (int)len;
}

int smt_verify(const uint8_t *proof, size_t len,
               const uint8_t root[SMT_HASH_SIZE], struct smt_proof_info *info)
{
    const uint8_t *key, *other = NULL, *value = NULL, *bitmap, *sib;
    uint8_t h[SMT_HASH_SIZE];
    size_t off, pop = 0;
    unsigned depth;
    uint8_t kind;

    if (proof == NULL || len < SMT_HEAD_SIZE || proof[0] != SMT_PROOF_VERSION)
        return SMT_ERR_SYNTAX;
    key = proof + 1;
    kind = proof[1 + SMT_KEY_SIZE];
    off = SMT_HEAD_SIZE;
    if (kind == SMT_PROOF_ABSENT_OTHER) {
        other = proof + off;
        off += SMT_KEY_SIZE;
    } else if (kind != SMT_PROOF_ABSENT_EMPTY && kind != SMT_PROOF_PRESENT) {
        return SMT_ERR_SYNTAX;
    }
    if (kind != SMT_PROOF_ABSENT_EMPTY) {
        value = proof + off;
        off += SMT_VALUE_SIZE;
    }
    if (len < off + SMT_TAIL_SIZE)
        return SMT_ERR_SYNTAX;
    depth = (unsigned)proof[off] << 8 | proof[off + 1];
    bitmap = proof + off + 2;
    off += SMT_TAIL_SIZE;
    if (depth > SMT_DEPTH_MAX)
        return SMT_ERR_SYNTAX;
    for (unsigned j = 0; j < SMT_DEPTH_MAX; j++) {
        if (!smt_bit(bitmap, j))
            continue;
        if (j >= depth)
            return SMT_ERR_SYNTAX;
        pop++;
    }
    if (len != off + pop * SMT_HASH_SIZE)
        return SMT_ERR_SYNTAX;
    sib = proof + off;
    for (size_t i = 0; i < pop; i++)
        if (memcmp(sib + i * SMT_HASH_SIZE, smt_empty, SMT_HASH_SIZE) == 0)
            return SMT_ERR_SYNTAX;
    if (other != NULL && (memcmp(other, key, SMT_KEY_SIZE) == 0 ||
                          !smt_same_prefix(other, key, depth)))
        return SMT_ERR_SYNTAX;

    if (kind == SMT_PROOF_ABSENT_EMPTY)
        memcpy(h, smt_empty, SMT_HASH_SIZE);
    else
        smt_leaf_hash(other != NULL ? other : key, value, h);
    for (unsigned d = depth; d >= 1; d--) {
        const uint8_t *s = smt_empty;
        if (smt_bit(bitmap, d - 1))
            s = sib + --pop * SMT_HASH_SIZE;
        if (smt_bit(key, d - 1))
            smt_node_hash(s, h, h);
        else
            smt_node_hash(h, s, h);
    }
    if (memcmp(h, root, SMT_HASH_SIZE) != 0)
        return SMT_ERR_MISMATCH;

    if (info != NULL) {
        memset(info, 0, sizeof *info);
        info->kind = kind;
        memcpy(info->key, key, SMT_KEY_SIZE);
        info->depth = depth;
        if (kind == SMT_PROOF_PRESENT) {
            memcpy(info->value, value, SMT_VALUE_SIZE);
            smt_value_decode(value, &info->issue_index, &info->revoke_index);
        }
    }
    return 0;
}
