/*
 * timecheck.c: see timecheck.h. The alerts name the entry, both times and
 * the gap, because a person has to decide whose clock was wrong.
 */
#include "client/timecheck.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/clock.h"

#define TIMECHECK_VERSION 1

void timecheck_init(struct timecheck *tc)
{
    tc->have_map = false;
    tc->map_index = 0;
    tc->map_ms = 0;
    tc->n = 0;
    tc->unnamed = 0;
    memset(&tc->latest, 0, sizeof tc->latest);
}

static void entry_set(struct timecheck_entry *t, uint64_t i,
                      const struct entry *e)
{
    t->index = i;
    t->ms = e->timestamp_ms;
    t->type = e->type;
    snprintf(t->issuer, sizeof t->issuer, "%s", e->issuer);
}

void timecheck_entry(struct timecheck *tc, uint64_t i, const struct entry *e)
{
    if (e->type != ENTRY_ISSUE && e->type != ENTRY_REVOKE)
        return;
    if (tc->have_map &&
        (tc->map_ms > UINT64_MAX - TIMECHECK_MAX_AHEAD_MS ||
         e->timestamp_ms <= tc->map_ms + TIMECHECK_MAX_AHEAD_MS))
        return;
    if (tc->n < TIMECHECK_NAMED) {
        entry_set(&tc->named[tc->n++], i, e);
        return;
    }
    if (tc->unnamed == 0 || e->timestamp_ms > tc->latest.ms)
        entry_set(&tc->latest, i, e);
    tc->unnamed++;
}

/* Whether t is dated too far after the MAP time ms. */
static bool too_late(const struct timecheck_entry *t, uint64_t ms)
{
    return ms <= UINT64_MAX - TIMECHECK_MAX_AHEAD_MS &&
           t->ms > ms + TIMECHECK_MAX_AHEAD_MS;
}

static void alert_late(const struct timecheck_entry *t, uint64_t i, uint64_t ms,
                       const char *more, timecheck_alert_fn alert, void *ctx)
{
    char msg[1024], when[64], map[64], gap[64];

    client_time_format(t->ms, when, sizeof when);
    client_time_format(ms, map, sizeof map);
    client_duration_format(t->ms - ms, gap, sizeof gap);
    snprintf(msg, sizeof msg,
             "entry %" PRIu64
             ": %s by %s is dated %s, %s after the time of the MAP entry that "
             "follows it (entry %" PRIu64
             ", %s)%s: logd refuses timestamps more than 10 minutes "
             "ahead of its clock, so the log accepted a future-dated entry or "
             "its clock is wrong",
             t->index, t->type == ENTRY_ISSUE ? "ISSUE" : "REVOKE", t->issuer,
             when, gap, i, map, more);
    alert(ctx, msg);
}

unsigned timecheck_map(struct timecheck *tc, uint64_t i, const struct entry *e,
                       timecheck_alert_fn alert, void *ctx)
{
    char msg[512], now[64], before[64], gap[64], more[128] = "";
    unsigned alerts = 0;

    if (tc->have_map && e->timestamp_ms < tc->map_ms) {
        client_time_format(e->timestamp_ms, now, sizeof now);
        client_time_format(tc->map_ms, before, sizeof before);
        client_duration_format(tc->map_ms - e->timestamp_ms, gap, sizeof gap);
        snprintf(msg, sizeof msg,
                 "entry %" PRIu64
                 ": MAP entry dated %s, %s before the MAP entry at %" PRIu64
                 " (%s): the log's time went backwards",
                 i, now, gap, tc->map_index, before);
        alert(ctx, msg);
        alerts++;
    }
    for (unsigned k = 0; k < tc->n; k++)
        if (too_late(&tc->named[k], e->timestamp_ms)) {
            alert_late(&tc->named[k], i, e->timestamp_ms, "", alert, ctx);
            alerts++;
        }
    if (tc->unnamed > 0 && too_late(&tc->latest, e->timestamp_ms)) {
        snprintf(more, sizeof more,
                 " (the latest-dated of %" PRIu64
                 " entries not checked one by one; more of "
                 "them may be too)",
                 tc->unnamed);
        alert_late(&tc->latest, i, e->timestamp_ms, more, alert, ctx);
        alerts++;
    }
    tc->have_map = true;
    tc->map_index = i;
    tc->map_ms = e->timestamp_ms;
    tc->n = 0;
    tc->unnamed = 0;
    return alerts;
}

/* ---- encoding: u8 version || u8 have_map || u64 map_index || u64 map_ms ||
 * u64 unnamed || latest || u8 n || n * entry, an entry being u64 index ||
 * u64 ms || u8 type || u8 issuer length || issuer. ---- */

static uint8_t *put_u64(uint8_t *p, uint64_t v)
{
    for (int k = 7; k >= 0; k--, v >>= 8)
        p[k] = (uint8_t)v;
    return p + 8;
}

static uint8_t *put_entry(uint8_t *p, const struct timecheck_entry *t)
{
    size_t len = strlen(t->issuer);

    p = put_u64(p, t->index);
    p = put_u64(p, t->ms);
    *p++ = t->type;
    *p++ = (uint8_t)len;
    memcpy(p, t->issuer, len);
    return p + len;
}

long timecheck_encode(const struct timecheck *tc, uint8_t **out)
{
    size_t entry_max = 8 + 8 + 1 + 1 + NOTE_NAME_MAX;
    uint8_t *buf = malloc(2 + 3 * 8 + 1 + (TIMECHECK_NAMED + 1) * entry_max),
            *p = buf;

    *out = NULL;
    if (buf == NULL)
        return -1;
    *p++ = TIMECHECK_VERSION;
    *p++ = tc->have_map;
    p = put_u64(p, tc->map_index);
    p = put_u64(p, tc->map_ms);
    p = put_u64(p, tc->unnamed);
    p = put_entry(p, &tc->latest);
    *p++ = (uint8_t)tc->n;
    for (unsigned k = 0; k < tc->n; k++)
        p = put_entry(p, &tc->named[k]);
    *out = buf;
    return (long)(p - buf);
}

struct reader {
    const uint8_t *p;
    size_t left;
    bool bad;
};

static uint64_t get_u64(struct reader *r)
{
    uint64_t v = 0;

    if (r->left < 8) {
        r->bad = true;
        return 0;
    }
    for (int k = 0; k < 8; k++)
        v = v << 8 | r->p[k];
    r->p += 8;
    r->left -= 8;
    return v;
}

static uint8_t get_u8(struct reader *r)
{
    if (r->left < 1) {
        r->bad = true;
        return 0;
    }
    r->left--;
    return *r->p++;
}

static void get_entry(struct reader *r, struct timecheck_entry *t)
{
    size_t len;

    t->index = get_u64(r);
    t->ms = get_u64(r);
    t->type = get_u8(r);
    len = get_u8(r);
    if (r->bad || r->left < len) {
        r->bad = true;
        return;
    }
    memcpy(t->issuer, r->p, len);
    t->issuer[len] = '\0';
    r->p += len;
    r->left -= len;
}

int timecheck_decode(struct timecheck *tc, const uint8_t *buf, size_t len)
{
    struct reader r = {buf, len, false};
    uint8_t have;

    timecheck_init(tc);
    if (get_u8(&r) != TIMECHECK_VERSION)
        r.bad = true;
    have = get_u8(&r);
    tc->have_map = have == 1;
    tc->map_index = get_u64(&r);
    tc->map_ms = get_u64(&r);
    tc->unnamed = get_u64(&r);
    get_entry(&r, &tc->latest);
    tc->n = get_u8(&r);
    if (have > 1 || tc->n > TIMECHECK_NAMED)
        r.bad = true;
    for (unsigned k = 0; !r.bad && k < tc->n; k++)
        get_entry(&r, &tc->named[k]);
    if (r.bad || r.left != 0) {
        timecheck_init(tc);
        return -1;
    }
    return 0;
}
