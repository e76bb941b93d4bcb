/* clockguard.c: see clockguard.h. */
#include "logd/clockguard.h"

void clockguard_init(struct clockguard *g, uint64_t last_ms)
{
    g->last_ms = last_ms;
    g->mono_ms = 0;
    g->based = false;
    g->refused = false;
    g->offset_ms = 0;
}

uint64_t clockguard_stamp(struct clockguard *g, uint64_t wall_ms,
                          uint64_t mono_ms)
{
    uint64_t t = wall_ms;

    g->refused = false;
    g->offset_ms = 0;
    if (g->based && mono_ms >= g->mono_ms) {
        uint64_t expected = g->last_ms + (mono_ms - g->mono_ms);
        uint64_t off =
            wall_ms > expected ? wall_ms - expected : expected - wall_ms;
        if (off > CLOCKGUARD_SLACK_MS) {
            g->refused = true;
            g->offset_ms = wall_ms > expected ? (int64_t)off : -(int64_t)off;
            t = expected;
        }
    }
    if (t < g->last_ms)
        t = g->last_ms;
    g->last_ms = t;
    g->mono_ms = mono_ms;
    g->based = true;
    return t;
}
