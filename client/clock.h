/*
 * clock.h: times and durations as people read and write them, for verdicts,
 * alerts and options such as --max-age. Pure except client_clock_now_ms(),
 * which reads the local clock.
 */
#ifndef CREDLOG_CLIENT_CLOCK_H
#define CREDLOG_CLIENT_CLOCK_H

#include <stddef.h>
#include <stdint.h>

#include "client/error.h"

#define CLIENT_SECOND_MS 1000ull
#define CLIENT_MINUTE_MS (60 * CLIENT_SECOND_MS)
#define CLIENT_HOUR_MS (60 * CLIENT_MINUTE_MS)
#define CLIENT_DAY_MS (24 * CLIENT_HOUR_MS)

/* The longest duration client_duration_parse() accepts: 100 years. */
#define CLIENT_DURATION_MAX_MS (36500 * CLIENT_DAY_MS)

/* The local clock (CLOCK_REALTIME) in Unix milliseconds. */
uint64_t client_clock_now_ms(void);

/* Parses a duration: a positive decimal number followed by an optional unit,
 * "s" (seconds, the default), "m" (minutes), "h" (hours) or "d" (days), with
 * nothing before or after: "3600", "90s", "90m", "24h", "7d". Zero, signs,
 * spaces, fractions, other units and anything over CLIENT_DURATION_MAX_MS
 * are refused. Returns 0 with *ms set, or CLIENT_ERR_SYNTAX. */
int client_duration_parse(const char *s, uint64_t *ms);

/* Writes a duration for a person into buf (cap bytes, always terminated):
 * its two largest units, rounded down, such as "45 seconds", "1 minute 30
 * seconds", "24 hours", "1 day 2 hours", "12 days"; below a second, in
 * milliseconds ("1 millisecond", "250 milliseconds"). */
void client_duration_format(uint64_t ms, char *buf, size_t cap);

/* Writes a Unix time in ms as "2026-01-02 13:04:05 UTC" into buf (cap bytes;
 * "<ms> ms" if it cannot be shown as a date). */
void client_time_format(uint64_t ms, char *buf, size_t cap);

#endif
