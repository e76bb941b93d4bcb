/*
 * test_clockguard.c: logd/clockguard.c, the stamp of log-made entries
 * against wall clock jumps: trusted within the slack, the monotonic
 * estimate beyond it (ahead or behind), never decreasing, recovering by
 * itself, and the first stamp of a process trusting the wall clock.
 */
#include "check.h"

#include "logd/clockguard.h"

#define S 1000ULL
#define DAY (86400 * S)

int main(void)
{
    struct clockguard g;
    uint64_t t, wall = 1700000000000ULL, mono = 5000;

    /* A fresh log: the first stamp is the wall clock. */
    clockguard_init(&g, 0);
    CHECK(clockguard_stamp(&g, wall, mono) == wall && !g.refused);
    /* The clock runs with the monotonic clock: trusted. */
    wall += 10 * S, mono += 10 * S;
    CHECK(clockguard_stamp(&g, wall, mono) == wall && !g.refused);
    /* Small corrections (within the slack) are trusted, never backwards. */
    CHECK(clockguard_stamp(&g, wall + CLOCKGUARD_SLACK_MS, mono) ==
          wall + CLOCKGUARD_SLACK_MS);
    CHECK(clockguard_stamp(&g, wall, mono) == wall + CLOCKGUARD_SLACK_MS &&
          !g.refused);
    /* A +2 day jump: the estimate is stamped, and reported. */
    wall += 20 * S, mono += 20 * S;
    t = clockguard_stamp(&g, wall + 2 * DAY, mono);
    CHECK(t < wall + 2 * CLOCKGUARD_SLACK_MS && g.refused &&
          g.offset_ms > (int64_t)(2 * DAY - 2 * CLOCKGUARD_SLACK_MS));
    /* It stays refused while the jump lasts, and the estimate runs on. */
    wall += 30 * S, mono += 30 * S;
    CHECK(clockguard_stamp(&g, wall + 2 * DAY, mono) == t + 30 * S &&
          g.refused);
    /* The clock is back: trusted again, by itself. */
    wall += 5 * S, mono += 5 * S;
    CHECK(clockguard_stamp(&g, wall, mono) >= t + 30 * S && !g.refused &&
          g.offset_ms == 0);
    /* A jump backwards beyond the slack is refused too. */
    wall += 5 * S, mono += 5 * S;
    t = clockguard_stamp(&g, wall - DAY, mono);
    CHECK(g.refused &&
          g.offset_ms < -(int64_t)(DAY - 2 * CLOCKGUARD_SLACK_MS) &&
          t + 2 * CLOCKGUARD_SLACK_MS > wall);
    /* A restart with a log whose last MAP time is later than the clock: the
     * stamp never goes below it. */
    clockguard_init(&g, wall + DAY);
    CHECK(clockguard_stamp(&g, wall, 1) == wall + DAY && !g.refused);
    return check_finish();
}
