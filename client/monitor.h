/*
 * monitor.h: the monitor. One run fetches and verifies the log's checkpoint
 * (signed by the log key, with no extension lines), proves it consistent
 * with the last checkpoint verified (from hash tiles; on a first run, that
 * its hash tiles hash to its root), reads every new entry from entry
 * bundles, proves each chunk of them part of the signed tree, and only then
 * judges them by the replay rules of proofs/replay.h (docs/protocol.md Part
 * D): KEY entries set which issuer keys are authorized; every ISSUE and
 * REVOKE must be signed by a key authorized at that index, and a REVOKE
 * must come from the credential's issuer; the CTL-SMT-v1 map is rebuilt and
 * every MAP entry must name its own index and the map's root over the
 * entries before it; the last entry of a checkpoint must be a MAP entry;
 * MAP entries' times never decrease, and no ISSUE or REVOKE is dated more
 * than 10 minutes after the MAP entry that follows it.
 *
 * Anything else is an alert: a fork (inconsistent checkpoints), a shrinking
 * log, a checkpoint with extension lines, one that does not meet the witness
 * policy when one is set (client_monitor_set_policy()), a signed checkpoint the
 * log cannot back (its tiles or bundles missing or malformed, or not hashing to
 * its root: the checkpoint is given as evidence), and every violation the
 * replay reports. Failing to reach the log is not an alert.
 *
 * State (client/mstore.h) lives in a directory. A catch-up commits the
 * replayed state every CLIENT_MONITOR_COMMIT_EVERY entries (at entry bundle
 * boundaries) and at the end, so an interrupted run loses little and the
 * next run continues where it stopped. The state only ever holds entries
 * proven part of a verified checkpoint; nothing is committed after an
 * alert, so every later run alerts again. Room in the state is reserved per
 * chunk, never for what a checkpoint claims. DIR/checkpoint is replaced
 * atomically whenever the replay reaches the checkpoint's size.
 *
 * Implemented in monitor.c (the run), monitor_tiles.c (hashes, proofs and
 * entries from the log's tiles) and monitor_state.c (the state in mstore).
 */
#ifndef CREDLOG_CLIENT_MONITOR_H
#define CREDLOG_CLIENT_MONITOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "client/api.h"
#include "client/error.h"
#include "proofs/note.h"
#include "proofs/policy.h"

struct client_monitor;

/* What an alert is about (client_monitor_result.alert: the first alert of a
 * run), for callers that act on the kind rather than on the message. */
enum client_monitor_alert {
    CLIENT_MONITOR_ALERT_NONE = 0,
    CLIENT_MONITOR_ALERT_FORK,       /* two trees of one size, or a tree that
                                        does not extend the one verified */
    CLIENT_MONITOR_ALERT_SHRANK,     /* a smaller tree than one verified */
    CLIENT_MONITOR_ALERT_EXTENSIONS, /* a checkpoint with extension lines */
    CLIENT_MONITOR_ALERT_POLICY,     /* not cosigned as the policy asks */
    CLIENT_MONITOR_ALERT_UNBACKED,   /* tiles or bundles missing or malformed */
    CLIENT_MONITOR_ALERT_ENTRIES,    /* tiles or entries not hashing to the
                                        signed root */
    CLIENT_MONITOR_ALERT_REPLAY,     /* an entry breaks the replay rules (a
                                        wrong MAP root, an unauthorized key,
                                        ...) */
};

struct client_monitor_hooks {
    /* Called once per alert with a one-line message (and, for forks, the two
     * checkpoints in evidence, each may be NULL). */
    void (*alert)(void *ctx, const char *msg, const char *note_a,
                  const char *note_b);
    /* Called after each entry bundle with entries checked so far and to do. */
    void (*progress)(void *ctx, uint64_t done, uint64_t total);
    void *ctx;
    /* If not NULL, called for each entry once it is proven part of the
     * signed tree and replayed, with its index and bytes (valid during the
     * call). The state is committed later: after an interruption, entries
     * since the last commit are passed again on the next run. */
    void (*entry)(void *ctx, uint64_t index, const uint8_t *entry, size_t len);
    /* If not NULL, called just before the state is committed with entries
     * [0, size) verified (every entry passed to entry() since the last
     * commit is among them; none is passed again after the commit), and
     * never after an alert. A non-zero return (with why, CLIENT_REASON_MAX
     * bytes, filled in) aborts the commit: the run then fails with
     * CLIENT_ERR_STATE and the entries are passed again on the next run. For
     * a copy of the log kept durably in step with the state (logd's
     * replica: logd/replica.h). */
    int (*commit)(void *ctx, uint64_t size, char *why);
};

/* Entries replayed between two commits of a catch-up, by default. */
#define CLIENT_MONITOR_COMMIT_EVERY 4096

struct client_monitor_result {
    bool first_run;       /* no checkpoint had been verified before */
    bool resumed;         /* an earlier catch-up had stopped before the end */
    bool complete;        /* all entries up to new_size are verified now */
    uint64_t old_size;    /* entries verified before this run */
    uint64_t new_size;    /* the log's checkpoint size */
    uint64_t verified;    /* entries verified (and kept) after this run */
    uint64_t checked;     /* entries replayed this run */
    unsigned long alerts; /* alerts raised */
    enum client_monitor_alert alert; /* the first one's kind */
    uint64_t counts[5]; /* entries replayed in total, by type (index ENTRY_*) */
};

/* Opens the state in dir for the log with verifier key log (the state
 * remembers the key and refuses another log's). Returns 0,
 * CLIENT_ERR_STATE, CLIENT_ERR_IO, CLIENT_ERR_NOMEM or CLIENT_ERR_KEY. */
int client_monitor_open(const char *dir, const struct note_verifier *log,
                        struct client_monitor **out, char *why);

/* Sets how much one run does: at most about max_entries entries (it stops
 * at the first entry bundle boundary after that many; 0: no limit), and
 * commits every commit_every entries (0: CLIENT_MONITOR_COMMIT_EVERY). */
void client_monitor_set_limits(struct client_monitor *m, uint64_t max_entries,
                               uint64_t commit_every);

/* Requires every checkpoint a run judges to meet the witness policy p
 * (docs/witness.md; caller-owned, it must outlive m; NULL, the default: no
 * policy). A checkpoint whose cosignatures by p's witnesses do not meet p's
 * quorum is an alert naming the witnesses that did not cosign, with the
 * checkpoint as evidence, and nothing it covers is judged or committed: the
 * monitor then follows only the history the witnesses vouched for, the one
 * verifiers with the same policy accept. */
void client_monitor_set_policy(struct client_monitor *m,
                               const struct policy *p);

/* Closes the state. Accepts NULL. */
void client_monitor_close(struct client_monitor *m);

/* One monitoring pass against api. Returns 0 (no alert; res->complete
 * false if the run stopped at max_entries), CLIENT_ERR_INVALID (res->alerts
 * > 0: the log misbehaved), or CLIENT_ERR_NET/HTTP/SYNTAX/STATE when it could
 * not check (why says why; what was verified and committed before stays). */
int client_monitor_run(struct client_monitor *m, struct client_api *api,
                       const struct client_monitor_hooks *hooks,
                       struct client_monitor_result *res, char *why);

/* As client_monitor_run(), but judges the signed checkpoint note[0..note_len)
 * given (the caller's; it must be signed by the log key) instead of the one
 * api serves now: api is asked only for tiles and entry bundles. For a
 * map-verifying witness (witness/wmap.h), which must vouch for exactly the
 * checkpoint submitted to it. The same rules, limits, state and returns. */
int client_monitor_run_note(struct client_monitor *m, struct client_api *api,
                            const char *note, size_t note_len,
                            const struct client_monitor_hooks *hooks,
                            struct client_monitor_result *res, char *why);

/* Calls fn for every issuer in the replayed state: authorized keys now, and
 * credentials issued and revoked. */
int client_monitor_issuers(struct client_monitor *m,
                           void (*fn)(void *ctx, const char *issuer,
                                      unsigned keys, uint64_t issued,
                                      uint64_t revoked),
                           void *ctx, char *why);

#endif
