/*
 * replay_time.c: the time rules of the replay and their saved state. See
 * replay.h. The texts name the entry, both times and the gap, because a
 * person has to decide whose clock was wrong.
 */
#include "proofs/replay_internal.h"

#include "proofs/be.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define TIMES_VERSION 1

#define SECOND_MS 1000ull
#define MINUTE_MS (60 * SECOND_MS)
#define HOUR_MS (60 * MINUTE_MS)
#define DAY_MS (24 * HOUR_MS)

/* ---- times for people (as client/clock.c writes them in verdicts) ---- */

/* "2026-01-02 13:04:05 UTC", or "<ms> ms" when it is no date. */
static void time_text(uint64_t ms, char *buf, size_t cap)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;

    if (ms / 1000 > (uint64_t)253402300799ull /* 9999-12-31 */ ||
        gmtime_r(&t, &tm) == NULL ||
        strftime(buf, cap, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
        snprintf(buf, cap, "%llu ms", (unsigned long long)ms);
}

/* "1 day", "2 days". */
static int unit_text(char *buf, size_t cap, uint64_t n, const char *unit)
{
    return snprintf(buf, cap, "%llu %s%s", (unsigned long long)n, unit,
                    n == 1 ? "" : "s");
}

/* The two largest units, rounded down ("1 hour 30 minutes"); below a second,
 * milliseconds. */
static void duration_text(uint64_t ms, char *buf, size_t cap)
{
    static const struct {
        uint64_t ms;
        const char *name;
    } units[] = {
        {DAY_MS, "day"},
        {HOUR_MS, "hour"},
        {MINUTE_MS, "minute"},
        {SECOND_MS, "second"},
    };
    size_t i = 0, n = sizeof units / sizeof units[0];
    int len;

    if (ms < SECOND_MS) {
        unit_text(buf, cap, ms, "millisecond");
        return;
    }
    while (i + 1 < n && ms < units[i].ms)
        i++;
    len = unit_text(buf, cap, ms / units[i].ms, units[i].name);
    if (i + 1 < n && len > 0 && (size_t)len + 1 < cap) {
        uint64_t rest = ms % units[i].ms / units[i + 1].ms;
        if (rest > 0) {
            buf[len] = ' ';
            unit_text(buf + len + 1, cap - (size_t)len - 1, rest,
                      units[i + 1].name);
        }
    }
}

/* ---- the rules ---- */

void replay_times_init(struct replay_times *t)
{
    memset(t, 0, sizeof *t);
}

static void dated_set(struct replay_dated *d, uint64_t i, const struct entry *e)
{
    d->index = i;
    d->ms = e->timestamp_ms;
    d->type = e->type;
    snprintf(d->issuer, sizeof d->issuer, "%s", e->issuer);
}

void replay_times_entry(struct replay_times *t, uint64_t i,
                        const struct entry *e)
{
    if (e->type != ENTRY_ISSUE && e->type != ENTRY_REVOKE)
        return;
    if (t->have_map && (t->map_ms > UINT64_MAX - REPLAY_MAX_AHEAD_MS ||
                        e->timestamp_ms <= t->map_ms + REPLAY_MAX_AHEAD_MS))
        return;
    if (t->n < REPLAY_TIMES_NAMED) {
        dated_set(&t->named[t->n++], i, e);
        return;
    }
    if (t->unnamed == 0 || e->timestamp_ms > t->latest.ms)
        dated_set(&t->latest, i, e);
    t->unnamed++;
}

/* Whether d is dated too far after the MAP time ms. */
static bool too_late(const struct replay_dated *d, uint64_t ms)
{
    return ms <= UINT64_MAX - REPLAY_MAX_AHEAD_MS &&
           d->ms > ms + REPLAY_MAX_AHEAD_MS;
}

static void report_late(struct replay *rp, const struct replay_dated *d,
                        uint64_t i, uint64_t ms, const char *more)
{
    char when[64], map[64], gap[64];

    time_text(d->ms, when, sizeof when);
    time_text(ms, map, sizeof map);
    duration_text(d->ms - ms, gap, sizeof gap);
    replay_report(rp, d->index, i, REPLAY_FUTURE_DATED,
                  "entry %" PRIu64
                  ": %s by %s is dated %s, %s after the time of the MAP entry "
                  "that follows it (entry %" PRIu64
                  ", %s)%s: logd refuses timestamps more than 10 minutes "
                  "ahead of its clock, so the log accepted a future-dated "
                  "entry or its clock is wrong",
                  d->index, d->type == ENTRY_ISSUE ? "ISSUE" : "REVOKE",
                  d->issuer, when, gap, i, map, more);
}

unsigned replay_times_map(struct replay *rp, uint64_t i, const struct entry *e)
{
    struct replay_times *t = &rp->times;
    char now[64], before[64], gap[64], more[128];
    unsigned found = 0;

    if (t->have_map && e->timestamp_ms < t->map_ms) {
        time_text(e->timestamp_ms, now, sizeof now);
        time_text(t->map_ms, before, sizeof before);
        duration_text(t->map_ms - e->timestamp_ms, gap, sizeof gap);
        replay_report(rp, i, i, REPLAY_TIME_BACKWARDS,
                      "entry %" PRIu64 ": MAP entry dated %s, %s before the "
                      "MAP entry at %" PRIu64
                      " (%s): the log's time went backwards",
                      i, now, gap, t->map_index, before);
        found++;
    }
    for (unsigned k = 0; k < t->n; k++)
        if (too_late(&t->named[k], e->timestamp_ms)) {
            report_late(rp, &t->named[k], i, e->timestamp_ms, "");
            found++;
        }
    if (t->unnamed > 0 && too_late(&t->latest, e->timestamp_ms)) {
        snprintf(more, sizeof more,
                 " (the latest-dated of %" PRIu64
                 " entries not checked one by one; more of them may be too)",
                 t->unnamed);
        report_late(rp, &t->latest, i, e->timestamp_ms, more);
        found++;
    }
    t->have_map = true;
    t->map_index = i;
    t->map_ms = e->timestamp_ms;
    t->n = 0;
    t->unnamed = 0;
    return found;
}

/* ---- the saved state (format in replay.h) ---- */

static uint8_t *put_u64(uint8_t *p, uint64_t v)
{
    be_put64(p, v);
    return p + 8;
}

static uint8_t *put_dated(uint8_t *p, const struct replay_dated *d)
{
    size_t len = strlen(d->issuer);

    p = put_u64(p, d->index);
    p = put_u64(p, d->ms);
    *p++ = d->type;
    *p++ = (uint8_t)len;
    memcpy(p, d->issuer, len);
    return p + len;
}

size_t replay_times_encode(const struct replay_times *t, uint8_t *out)
{
    uint8_t *p = out;

    *p++ = TIMES_VERSION;
    *p++ = t->have_map;
    p = put_u64(p, t->map_index);
    p = put_u64(p, t->map_ms);
    p = put_u64(p, t->unnamed);
    p = put_dated(p, &t->latest);
    *p++ = (uint8_t)t->n;
    for (unsigned k = 0; k < t->n; k++)
        p = put_dated(p, &t->named[k]);
    return (size_t)(p - out);
}

struct reader {
    const uint8_t *p;
    size_t left;
    bool bad;
};

static uint64_t get_u64(struct reader *r)
{
    uint64_t v;

    if (r->left < 8) {
        r->bad = true;
        return 0;
    }
    v = be_get64(r->p);
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

static void get_dated(struct reader *r, struct replay_dated *d)
{
    size_t len;

    d->index = get_u64(r);
    d->ms = get_u64(r);
    d->type = get_u8(r);
    len = get_u8(r);
    if (r->bad || r->left < len) {
        r->bad = true;
        return;
    }
    memcpy(d->issuer, r->p, len);
    d->issuer[len] = '\0';
    r->p += len;
    r->left -= len;
}

int replay_times_decode(struct replay_times *t, const uint8_t *in, size_t len)
{
    struct reader r = {in, len, false};
    uint8_t have;

    replay_times_init(t);
    if (get_u8(&r) != TIMES_VERSION)
        r.bad = true;
    have = get_u8(&r);
    t->have_map = have == 1;
    t->map_index = get_u64(&r);
    t->map_ms = get_u64(&r);
    t->unnamed = get_u64(&r);
    get_dated(&r, &t->latest);
    t->n = get_u8(&r);
    if (have > 1 || t->n > REPLAY_TIMES_NAMED)
        r.bad = true;
    for (unsigned k = 0; !r.bad && k < t->n; k++)
        get_dated(&r, &t->named[k]);
    if (r.bad || r.left != 0) {
        replay_times_init(t);
        return REPLAY_ERR_STATE;
    }
    return 0;
}
