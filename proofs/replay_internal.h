/*
 * replay_internal.h: what replay.c and replay_time.c share. Not part of the
 * proofs API: only those two files include it.
 */
#ifndef CREDLOG_PROOFS_REPLAY_INTERNAL_H
#define CREDLOG_PROOFS_REPLAY_INTERNAL_H

#include "proofs/replay.h"

/* Reports a violation of rule `reason` by entry `index`, found while
 * replaying entry `at`: counts it, keeps it if it is the first, and calls
 * the caller's hook with the formatted text. */
void replay_report(struct replay *rp, uint64_t index, uint64_t at, int reason,
                   const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* ---- replay_time.c ---- */

void replay_times_init(struct replay_times *t);

/* Notes ISSUE or REVOKE entry e at index i (other types are ignored). */
void replay_times_entry(struct replay_times *t, uint64_t i,
                        const struct entry *e);

/* Checks MAP entry e at index i against the previous MAP entry and the
 * entries noted since, reporting each broken rule, then starts the next
 * interval. Returns the number of violations reported. */
unsigned replay_times_map(struct replay *rp, uint64_t i, const struct entry *e);

/* The largest encoding of the time state. */
#define REPLAY_TIMES_ENCODED_MAX                                               \
    (2 + 3 * 8 + 1 + (REPLAY_TIMES_NAMED + 1) * (8 + 8 + 1 + 1 + NOTE_NAME_MAX))

/* Writes the time state (the format in replay.h) to out
 * (REPLAY_TIMES_ENCODED_MAX bytes); returns its length. */
size_t replay_times_encode(const struct replay_times *t, uint8_t *out);

/* Decodes it. Returns 0 or REPLAY_ERR_STATE (t is then initialized). */
int replay_times_decode(struct replay_times *t, const uint8_t *in, size_t len);

#endif
