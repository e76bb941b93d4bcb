/* memsmt.c: see memsmt.h. */
#include "memsmt.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct memsmt_slot {
    bool used;
    uint16_t depth;
    uint8_t prefix[SMT_KEY_SIZE];
    struct smt_node node;
};

#define MEMSMT_FIRST_CAP 1024 /* a power of two */

static uint64_t slot_hash(unsigned depth, const uint8_t *prefix)
{
    uint64_t h = 1469598103934665603ull ^ depth;

    for (int i = 0; i < SMT_KEY_SIZE; i++)
        h = (h ^ prefix[i]) * 1099511628211ull;
    return h;
}

static struct memsmt_slot *find(struct memsmt *m, unsigned depth,
                                const uint8_t *prefix)
{
    size_t i = (size_t)(slot_hash(depth, prefix) & (m->cap - 1));

    while (m->slots[i].used &&
           (m->slots[i].depth != depth ||
            memcmp(m->slots[i].prefix, prefix, SMT_KEY_SIZE) != 0))
        i = (i + 1) & (m->cap - 1);
    return &m->slots[i];
}

static int get(void *ctx, unsigned depth, const uint8_t prefix[SMT_KEY_SIZE],
               struct smt_node *out)
{
    struct memsmt_slot *sl = find(ctx, depth, prefix);

    if (sl->used) {
        *out = sl->node;
    } else {
        memset(out, 0, sizeof *out);
        out->kind = SMT_NODE_EMPTY;
    }
    return 0;
}

static int put(void *ctx, unsigned depth, const uint8_t prefix[SMT_KEY_SIZE],
               const struct smt_node *node)
{
    struct memsmt *m = ctx;
    struct memsmt_slot *sl;

    /* At most half full, so that probes stay short. */
    if ((m->used + 1) * 2 > m->cap) {
        struct memsmt bigger = {calloc(m->cap * 2, sizeof *m->slots),
                                m->cap * 2, 0};
        if (bigger.slots == NULL)
            return -1;
        for (size_t i = 0; i < m->cap; i++)
            if (m->slots[i].used) {
                *find(&bigger, m->slots[i].depth, m->slots[i].prefix) =
                    m->slots[i];
                bigger.used++;
            }
        free(m->slots);
        *m = bigger;
    }
    sl = find(m, depth, prefix);
    if (!sl->used) {
        sl->used = true;
        sl->depth = (uint16_t)depth;
        memcpy(sl->prefix, prefix, SMT_KEY_SIZE);
        m->used++;
    }
    sl->node = *node;
    return 0;
}

void memsmt_init(struct memsmt *m)
{
    m->cap = MEMSMT_FIRST_CAP;
    m->used = 0;
    m->slots = calloc(m->cap, sizeof *m->slots);
    if (m->slots == NULL)
        abort();
}

void memsmt_free(struct memsmt *m)
{
    free(m->slots);
    memset(m, 0, sizeof *m);
}

struct smt_store memsmt_store(struct memsmt *m)
{
    struct smt_store s = {m, get, put};

    return s;
}
