/*
 * clockguard.h: the time logd stamps on the entries it makes itself (MAP and
 * KEY entries), guarded against jumps of the host's wall clock.
 *
 * MAP times never decrease along the log (protocol.md Part D), so one MAP
 * entry stamped during a brief jump of the wall clock (+2 days, say) would
 * set a floor for every later MAP time, and every status proof would look
 * dated in the future until the real time caught up. The guard compares the
 * wall clock with an estimate that cannot jump: the last time it stamped
 * plus the monotonic time elapsed since. A wall clock more than
 * CLOCKGUARD_SLACK_MS away from that estimate (ahead or behind) is not
 * stamped; the estimate is, and the guard reports the jump (offset_ms,
 * refused) until the wall clock agrees with the estimate again, when it
 * stamps the wall clock again by itself. Pure: the caller reads the clocks.
 *
 * The first stamp of a process has no estimate: it trusts the wall clock
 * (never earlier than the log's last MAP time). docs/operations.md, "Clock
 * jumps", says what an operator does.
 */
#ifndef CREDLOG_LOGD_CLOCKGUARD_H
#define CREDLOG_LOGD_CLOCKGUARD_H

#include <stdbool.h>
#include <stdint.h>

/* How far the wall clock may stray from the monotonic estimate: the skew
 * logd already allows issuers (REQUEST_MAX_FUTURE_MS). NTP corrections of a
 * running host are far smaller. */
#define CLOCKGUARD_SLACK_MS (10 * 60 * 1000)

struct clockguard {
    uint64_t last_ms; /* the last time stamped (or the log's last MAP time) */
    uint64_t mono_ms; /* the monotonic clock when it was stamped */
    bool based;       /* last_ms/mono_ms were stamped by this process */
    /* About the last stamp: */
    bool refused;      /* the wall clock was not stamped (a jump) */
    int64_t offset_ms; /* wall clock minus the estimate when refused, else 0 */
};

/* Starts a guard for a log whose last log-made entry is stamped last_ms (0
 * for an empty log). Cannot fail. */
void clockguard_init(struct clockguard *g, uint64_t last_ms);

/* Returns the time to stamp now, given the wall clock and the monotonic
 * clock (both in milliseconds), and remembers it: never earlier than the
 * previous stamp; the wall clock when it agrees with the estimate within
 * CLOCKGUARD_SLACK_MS, else the estimate (refused and offset_ms say so). */
uint64_t clockguard_stamp(struct clockguard *g, uint64_t wall_ms,
                          uint64_t mono_ms);

#endif
