/*
 * replica.h: logd as a verified read replica (logd --replica-of URL).
 *
 * A replica follows a primary over its public read API only (the
 * checkpoint, hash tiles and entry bundles), verifies everything as
 * `credlog monitor` does, with the client's monitor (client/monitor.h, its
 * state in DIR/replica/): the checkpoint's signature by the log key (and
 * the witness policy, when one is given), consistency with what it verified
 * before, every entry proven part of the signed tree and judged by the
 * replay rules, every MAP root. Only then does it store the entries in its
 * own copy (logd/replica_copy.h), which the HTTP server serves as logd
 * serves its own log, with the primary's signed and cosigned checkpoint
 * byte for byte.
 *
 * One thread: every interval it fetches the primary's checkpoint and
 * catches up to it, step entries at most between two looks at the
 * checkpoint (resumable: the monitor's state and the staged entries survive
 * SIGKILL). A checkpoint that does not meet the witness policy yet is
 * waited for. Anything else the monitor alerts on (a fork, a smaller tree,
 * a checkpoint the primary cannot back, entries that break the rules) is an
 * alarm: a log line "replica ALARM [reason]: ..." and the
 * credlog_replica_alarm metric (logd/metrics.h's enum metrics_replica_alarm
 * as the reason), after which the replica stops advancing for good (until
 * restarted) and keeps serving the last state it verified.
 */
#ifndef CREDLOG_LOGD_REPLICA_H
#define CREDLOG_LOGD_REPLICA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "logd/metrics.h"
#include "logd/store.h"
#include "proofs/errors.h"
#include "proofs/policy.h"

/* Errors of the replica and its copy (logd/replica_copy.h), in
 * REPLICA_ERR_BASE's block (proofs/errors.h). */
#define REPLICA_ERR_CONFIG (-3501) /* bad URL, key or CA file (errbuf) */
#define REPLICA_ERR_STATE (-3502)  /* the monitor state cannot be used */
#define REPLICA_ERR_NOMEM (-3503)
#define REPLICA_ERR_THREAD (-3504) /* the thread cannot start */
#define REPLICA_ERR_STORE (-3505)  /* the store failed (errbuf: why) */
#define REPLICA_ERR_MISMATCH                                                   \
    (-3506)                     /* what was verified does not apply to         \
                                   the copy (errbuf: why) */
#define REPLICA_ERR_KEY (-3507) /* the directory is another log's */

struct replica_config {
    const char *primary; /* the primary's base URL (http:// or https://) */
    const char *log_key; /* the log's verifier key string */
    const char *dir;     /* the data directory: the monitor state goes in
                            DIR/replica/ */
    const struct policy *policy; /* a witness policy to require, or NULL
                                    (must outlive the replica) */
    const char *cacert;   /* CA certificates for an https primary, or NULL */
    unsigned interval_ms; /* between two looks at the primary's checkpoint */
    uint64_t step;        /* entries verified between two looks (0: all) */
    bool progress;        /* draw catch-up progress on stderr */
};

struct replica;

/* Returns a static string describing a REPLICA_ERR_* code. */
const char *replica_strerror(int err);

/* Opens the monitor state and the copy in store (which must outlive the
 * replica, as metrics). Does not start the thread. Returns 0 or a
 * REPLICA_ERR_* code with the reason in errbuf. */
int replica_open(const struct replica_config *cfg, struct store *store,
                 struct metrics *metrics, struct replica **out, char *errbuf,
                 size_t errcap);

/* The number of entries the copy serves now (thread-safe). */
uint64_t replica_size(struct replica *r);

/* Starts following the primary. Returns 0 or REPLICA_ERR_THREAD. */
int replica_start(struct replica *r);

/* Stops the thread (a round in flight ends at its next commit point or
 * request) and joins it. Safe if never started. */
void replica_stop(struct replica *r);

/* Frees r (after replica_stop()). Accepts NULL. */
void replica_free(struct replica *r);

#endif
