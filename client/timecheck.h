/*
 * timecheck.h: the monitor's checks of the times in the log. Pure: the
 * monitor feeds it the entries it replays, in index order, and keeps its
 * state (timecheck_encode()) with the rest of the replayed state.
 *
 * Two rules, both things logd guarantees:
 *  - MAP entries' time_ms never decreases along the log (logd stamps them
 *    with its clock and never earlier than the previous one);
 *  - an ISSUE or REVOKE entry's issuer timestamp is at most
 *    TIMECHECK_MAX_AHEAD_MS after the time of the first MAP entry that
 *    follows it. logd refuses timestamps more than that ahead of its clock,
 *    and the MAP entry that ends the entry's batch is stamped after it was
 *    accepted; a later timestamp means the log accepted a future-dated entry,
 *    or its clock is wrong.
 *
 * Only entries dated more than TIMECHECK_MAX_AHEAD_MS after the previous MAP
 * entry can break the second rule (the next MAP entry is not earlier, or the
 * first rule raises an alert), so only those are remembered until the next
 * MAP entry: the first TIMECHECK_NAMED of them by name, and the latest of
 * the rest.
 */
#ifndef CREDLOG_CLIENT_TIMECHECK_H
#define CREDLOG_CLIENT_TIMECHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proofs/entry.h"

#define TIMECHECK_MAX_AHEAD_MS                                                 \
    (10 * 60 * 1000ull) /* logd's REQUEST_MAX_FUTURE_MS */
#define TIMECHECK_NAMED 64

/* An ISSUE or REVOKE entry that may be dated too far ahead. */
struct timecheck_entry {
    uint64_t index;
    uint64_t ms;  /* the issuer's timestamp */
    uint8_t type; /* ENTRY_ISSUE or ENTRY_REVOKE */
    char issuer[NOTE_NAME_MAX + 1];
};

/* The state between two MAP entries. Caller-allocated (about 18 KiB). */
struct timecheck {
    bool have_map;              /* a MAP entry was replayed */
    uint64_t map_index, map_ms; /* the last one */
    unsigned n;                 /* entries in named[] */
    struct timecheck_entry named[TIMECHECK_NAMED];
    uint64_t unnamed;              /* more such entries, not in named[] */
    struct timecheck_entry latest; /* the latest-dated of those (unnamed > 0) */
};

/* Called with a one-line message for each broken rule. */
typedef void (*timecheck_alert_fn)(void *ctx, const char *msg);

/* Starts with no MAP entry seen. */
void timecheck_init(struct timecheck *tc);

/* Notes ISSUE or REVOKE entry e at index i (other types are ignored). */
void timecheck_entry(struct timecheck *tc, uint64_t i, const struct entry *e);

/* Checks MAP entry e at index i against the previous MAP entry and the
 * entries noted since, calling alert for each problem, then starts the next
 * interval. Returns the number of alerts raised. */
unsigned timecheck_map(struct timecheck *tc, uint64_t i, const struct entry *e,
                       timecheck_alert_fn alert, void *ctx);

/* Encodes the state into a fresh buffer (*out, caller frees). Returns its
 * length, or -1 when out of memory. */
long timecheck_encode(const struct timecheck *tc, uint8_t **out);

/* Decodes what timecheck_encode() wrote. Returns 0, or -1 if buf is not such
 * an encoding (tc is then initialized). */
int timecheck_decode(struct timecheck *tc, const uint8_t *buf, size_t len);

#endif
