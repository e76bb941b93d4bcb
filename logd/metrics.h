/*
 * metrics.h: logd's Prometheus metrics. Counters and histograms are atomics,
 * updated from any thread without locks; metrics_format() renders the text
 * exposition format for GET /metrics.
 */
#ifndef CREDLOG_LOGD_METRICS_H
#define CREDLOG_LOGD_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The HTTP routes, as labels. */
enum metrics_route {
    ROUTE_SUBMIT,
    ROUTE_CHECKPOINT,
    ROUTE_TILE,
    ROUTE_ENTRY_BUNDLE,
    ROUTE_INCLUSION,
    ROUTE_CONSISTENCY,
    ROUTE_STATUS,
    ROUTE_ENTRY,
    ROUTE_ISSUERS,
    ROUTE_LOG_KEY,
    ROUTE_WITNESS_POLICY, /* GET /v1/witness-policy */
    ROUTE_METRICS,
    ROUTE_HEALTHZ,
    ROUTE_WEB, /* the verification page, logd/web.h */
    ROUTE_OTHER,
    ROUTE_COUNT
};

struct metrics;

/* Returns a new, zeroed set of metrics, or NULL. */
struct metrics *metrics_new(void);
void metrics_free(struct metrics *m); /* accepts NULL */

/* Counts one answered HTTP request with its status and latency. */
void metrics_request(struct metrics *m, enum metrics_route route, int status,
                     double seconds);

/* Counts one committed batch: entries appended (including its MAP entry) and
 * the time from the start of its write transaction to the durable commit. */
void metrics_batch(struct metrics *m, uint64_t entries, double seconds);

/* Sets the log's current state: tree size and entries by type (index = entry
 * type, 1..4), and the storage map size. */
void metrics_state(struct metrics *m, uint64_t tree_size,
                   const uint64_t counts[5], uint64_t map_bytes);

/* Connection events (logd/conn.c). */
enum metrics_conn_event {
    METRICS_CONN_OPENED,    /* accepted */
    METRICS_CONN_CLOSED,    /* closed, for whatever reason */
    METRICS_CONN_REFUSED,   /* answered 503: beyond --max-connections */
    METRICS_CONN_TIMED_OUT, /* closed: a request did not arrive in time */
    METRICS_CONN_FAST,      /* an answer written by the fast path */
};

/* Counts one connection event. */
void metrics_connection(struct metrics *m, enum metrics_conn_event ev);

/* Counts the submissions of one parsed request: verified, those whose
 * signature is checked; known, those the log already held byte for byte
 * (not checked again). */
void metrics_submissions(struct metrics *m, uint64_t verified, uint64_t known);

/* Reports the clock guard's last stamp (logd/clockguard.h): whether it
 * refused the wall clock (counted), and the wall clock's offset from the
 * monotonic estimate then (a gauge, 0 when the clock is trusted). */
void metrics_clock(struct metrics *m, bool refused, int64_t offset_ms);

/* Sets the number of submitted entries waiting for the sequencer. */
void metrics_pending(struct metrics *m, uint64_t entries);

/* ---- the witness push (logd/push.c) ---- */

/* The most witnesses with their own metrics (a policy's limit). */
#define METRICS_WITNESSES 32

/* Why a push to a witness failed. The last three are alarms: the witness
 * (or the log) misbehaves, and they are never retried in a loop. */
enum metrics_push_failure {
    METRICS_PUSH_NETWORK,      /* no connection, or it broke */
    METRICS_PUSH_TIMEOUT,      /* no answer within the deadline */
    METRICS_PUSH_STATUS,       /* an unexpected status (400, 403, 404, 5xx) */
    METRICS_PUSH_RATE,         /* 429 */
    METRICS_PUSH_STALE,        /* 409 with a size (the proof is rebuilt from
                                  it): counted even when the retry succeeds */
    METRICS_PUSH_CONFLICT,     /* 409 again after two retries */
    METRICS_PUSH_AHEAD,        /* alarm: 409 with a size beyond the log's */
    METRICS_PUSH_INCONSISTENT, /* alarm: 422, or a 409 without a size */
    METRICS_PUSH_BAD_COSIG,    /* alarm: a 200 without a valid cosignature */
    METRICS_PUSH_FAILURES
};
#define METRICS_PUSH_FIRST_ALARM METRICS_PUSH_AHEAD

/* Names witness i (0 <= i < METRICS_WITNESSES; the name is copied, at most
 * 63 bytes of it) before any thread reports; n witnesses are shown. */
void metrics_witness_name(struct metrics *m, unsigned i, const char *name);

/* Witness i cosigned a checkpoint of size at its time (POSIX seconds). */
void metrics_witness_cosigned(struct metrics *m, unsigned i, uint64_t size,
                              uint64_t time);

/* Counts one failed push to witness i. */
void metrics_witness_failure(struct metrics *m, unsigned i,
                             enum metrics_push_failure kind);

/* The published quorum checkpoint is of size, and met the quorum at time
 * (POSIX seconds: the quorum age counts from it). */
void metrics_quorum(struct metrics *m, uint64_t size, uint64_t time);

/* ---- a replica (logd/replica.h) ---- */

/* Why a replica stopped advancing: its alarms (docs/operations.md,
 * "Replicas"). METRICS_REPLICA_OK while it follows the primary. */
enum metrics_replica_alarm {
    METRICS_REPLICA_OK,
    METRICS_REPLICA_FORK,       /* the primary forked its log */
    METRICS_REPLICA_SHRANK,     /* it signed a smaller tree */
    METRICS_REPLICA_EXTENSIONS, /* a checkpoint with extension lines */
    METRICS_REPLICA_UNBACKED,   /* it cannot back its signed checkpoint */
    METRICS_REPLICA_ENTRIES,    /* its tiles or entries do not hash to the
                                   signed root */
    METRICS_REPLICA_REPLAY,     /* an entry breaks the replay rules (a wrong
                                   MAP root, ...) */
    METRICS_REPLICA_MISMATCH,   /* what was verified does not apply to the
                                   replica's copy (its directory was changed) */
    METRICS_REPLICA_ALARMS
};

/* Marks the metrics as a replica's (the replica gauges are rendered). */
void metrics_replica_enable(struct metrics *m);

/* The primary's latest verified checkpoint is of primary_size entries, and
 * the replica serves size: the lag is the difference. */
void metrics_replica_sizes(struct metrics *m, uint64_t primary_size,
                           uint64_t size);

/* Entries the replica has verified (and staged) so far: during a catch-up,
 * ahead of the size it serves. */
void metrics_replica_verified(struct metrics *m, uint64_t verified);

/* Sets the alarm (METRICS_REPLICA_OK: none). */
void metrics_replica_alarm(struct metrics *m, enum metrics_replica_alarm a);

/* Whether the primary's latest checkpoint waits for its witness policy's
 * quorum (not an alarm: the replica retries). */
void metrics_replica_waiting(struct metrics *m, bool waiting);

/* Counts one round that could not reach or read the primary. */
void metrics_replica_failure(struct metrics *m);

/* Renders every metric; returns malloc'd text (caller frees) and its length,
 * or NULL when out of memory. */
char *metrics_format(struct metrics *m, size_t *len);

#endif
