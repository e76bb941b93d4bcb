/*
 * smt_build.c: CTL-SMT-v1 subtrees built from their sorted leaves
 * (struct smt_builder, smt.h), for node stores that keep only some nodes and
 * compute the others: logd's store computes its lower map nodes, and
 * rebuilds its stored ones, with it.
 *
 * The stack holds the completed subtrees left of the next leaf that still
 * wait for their parent, in key order. Entry j > 0 shares exactly sep bits
 * with the last key of entry j - 1, and sep increases strictly up the stack
 * (two neighbours part at one depth only), so the node where entries j - 1
 * and j meet is at depth sep_j. A new leaf parting from the last key at depth
 * l first merges every entry whose sep exceeds l into its left neighbour,
 * then waits on top with sep l. A branch entry stands at the depth of its
 * last merge; before it becomes a child at depth s it is lifted to s + 1
 * through single-child branches, one hash each. A leaf's hash is the same at
 * every depth (CTL-SMT-v1 compacts one-key subtrees), so leaves are never
 * lifted.
 */
#include "proofs/smt.h"

#include <string.h>

static const uint8_t smt_empty[SMT_HASH_SIZE];

/* bit(k, i): bit i of k, most significant bit of k[0] first. */
static int smt_bit(const uint8_t *k, unsigned i)
{
    return (k[i >> 3] >> (7 - (i & 7))) & 1;
}

/* The number of leading bits a and b share (a != b). */
static unsigned smt_common_bits(const uint8_t *a, const uint8_t *b)
{
    unsigned i = 0;

    while (i < SMT_KEY_SIZE && a[i] == b[i])
        i++;
    if (i == SMT_KEY_SIZE)
        return SMT_DEPTH_MAX;
    return 8 * i + (unsigned)__builtin_clz((unsigned)(a[i] ^ b[i])) - 24;
}

static int smt_emit(struct smt_builder *b, const struct smt_pending *e)
{
    struct smt_branch br;

    if (b->fn == NULL)
        return 0;
    br.depth = e->depth;
    br.first = e->first;
    br.count = e->count;
    br.branches = e->branches;
    br.key = e->key;
    memcpy(br.hash, e->hash, SMT_HASH_SIZE);
    return b->fn(b->arg, &br);
}

/* Lifts branch entry e to depth `to` (<= its depth) through single-child
 * branches. */
static int smt_lift(struct smt_builder *b, struct smt_pending *e, unsigned to)
{
    int rc;

    if (e->leaf)
        return 0;
    while (e->depth > to) {
        e->depth--;
        if (smt_bit(e->key, e->depth))
            smt_node_hash(smt_empty, e->hash, e->hash);
        else
            smt_node_hash(e->hash, smt_empty, e->hash);
        e->branches++;
        if ((rc = smt_emit(b, e)) != 0)
            return rc;
    }
    return 0;
}

/* Merges the top entry into the one below it, at the top's sep. */
static int smt_merge(struct smt_builder *b)
{
    struct smt_pending *l = &b->stack[b->top - 2], *r = &b->stack[b->top - 1];
    unsigned s = r->sep;
    int rc;

    if ((rc = smt_lift(b, l, s + 1)) != 0 || (rc = smt_lift(b, r, s + 1)) != 0)
        return rc;
    smt_node_hash(l->hash, r->hash, l->hash);
    l->count += r->count;
    l->branches += r->branches + 1;
    l->depth = (uint16_t)s;
    l->leaf = false;
    b->top--;
    return smt_emit(b, l);
}

void smt_builder_init(struct smt_builder *b, unsigned depth, smt_branch_fn fn,
                      void *arg)
{
    b->fn = fn;
    b->arg = arg;
    b->depth = depth;
    b->n = 0;
    b->top = 0;
}

int smt_builder_add(struct smt_builder *b, const uint8_t key[SMT_KEY_SIZE],
                    const uint8_t value[SMT_VALUE_SIZE])
{
    struct smt_pending *e;
    unsigned l = 0;
    int rc;

    if (b->top > 0) {
        if (memcmp(b->last, key, SMT_KEY_SIZE) >= 0)
            return SMT_ERR_ARG;
        l = smt_common_bits(b->last, key);
        if (l < b->depth)
            return SMT_ERR_ARG;
        while (b->top >= 2 && b->stack[b->top - 1].sep > l)
            if ((rc = smt_merge(b)) != 0)
                return rc;
    }
    e = &b->stack[b->top++];
    memcpy(e->key, key, SMT_KEY_SIZE);
    memcpy(e->value, value, SMT_VALUE_SIZE);
    smt_leaf_hash(key, value, e->hash);
    e->first = b->n++;
    e->count = 1;
    e->branches = 0;
    e->depth = SMT_DEPTH_MAX;
    e->sep = (uint16_t)l;
    e->leaf = true;
    memcpy(b->last, key, SMT_KEY_SIZE);
    return 0;
}

int smt_builder_finish(struct smt_builder *b, struct smt_node *out)
{
    struct smt_pending *e;
    int rc;

    memset(out, 0, sizeof *out);
    if (b->top == 0) {
        out->kind = SMT_NODE_EMPTY;
        return 0;
    }
    while (b->top >= 2)
        if ((rc = smt_merge(b)) != 0)
            return rc;
    e = &b->stack[0];
    if (e->leaf) {
        out->kind = SMT_NODE_LEAF;
        memcpy(out->key, e->key, SMT_KEY_SIZE);
        memcpy(out->value, e->value, SMT_VALUE_SIZE);
        memcpy(out->hash, e->hash, SMT_HASH_SIZE);
        return 0;
    }
    if ((rc = smt_lift(b, e, b->depth)) != 0)
        return rc;
    out->kind = SMT_NODE_BRANCH;
    memcpy(out->hash, e->hash, SMT_HASH_SIZE);
    return 0;
}
