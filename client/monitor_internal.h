/*
 * monitor_internal.h: what the monitor's files share. Not part of
 * libcredlog's API: only monitor.c (the run), monitor_tiles.c (hashes and
 * entries from the log's tiles), monitor_state.c (the state in mstore) and
 * monitor_sigs.c (signatures verified on all cores) include it.
 */
#ifndef CREDLOG_CLIENT_MONITOR_INTERNAL_H
#define CREDLOG_CLIENT_MONITOR_INTERNAL_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "client/monitor.h"
#include "client/mstore.h"
#include "proofs/checkpoint.h"
#include "proofs/compact.h"
#include "proofs/replay.h"
#include "proofs/tile.h"

#define MONITOR_TILE_CACHE 8
/* Entries whose signatures are verified together ahead of the replay. */
#define MONITOR_SIGS_RUN 4096

/* A run of entries whose ISSUE and REVOKE signatures were verified ahead of
 * the replay, in parallel (monitor_sigs.c). Owned by the run; not shared
 * between threads but while monitor_sigs_verify() runs. */
struct monitor_sig;
struct monitor_sigs {
    const char *origin; /* the log's origin (borrowed) */
    uint64_t first;     /* index of slot[0] */
    size_t n, cap;
    struct monitor_sig *slot;
};

void monitor_sigs_init(struct monitor_sigs *s, const char *origin);
void monitor_sigs_free(struct monitor_sigs *s);
/* Empties s for a run starting at index first of at most cap entries.
 * Returns 0 or CLIENT_ERR_NOMEM. */
int monitor_sigs_begin(struct monitor_sigs *s, uint64_t first, size_t cap);
/* Adds the next entry of the run (its encoding), picking the key its
 * signature will be checked with from rp's store or a KEY add earlier in
 * the run. Returns 0, CLIENT_ERR_ARG (the run is full) or a store code. */
int monitor_sigs_add(struct monitor_sigs *s, const struct replay *rp,
                     const uint8_t *bytes, size_t len);
/* Verifies the run's signatures, one thread per core. */
void monitor_sigs_verify(struct monitor_sigs *s);
/* replay_sig_known_fn over a struct monitor_sigs (ctx). */
bool monitor_sigs_known(void *ctx, uint64_t i,
                        const uint8_t pub[ED25519_PUBLIC_SIZE], bool *valid);

struct client_monitor {
    char dir[PATH_MAX];
    struct note_verifier log;
    struct mstore *st;
    uint64_t max_entries;        /* per run; 0: no limit */
    uint64_t commit_every;       /* entries between commits during a catch-up */
    const struct policy *policy; /* witness policy, or NULL */
};

/* One run's working state. */
struct run {
    struct client_monitor *m;
    struct client_api *api;
    const struct client_monitor_hooks *hooks;
    struct client_monitor_result *res;
    struct mstore_txn *t;   /* the write transaction, when open */
    struct replay *rp;      /* the rules, over t (monitor_state_store()) */
    struct compact_range c; /* the tree of the entries judged, [0, c.size) */
    uint64_t committed;     /* c.size when the state was last committed */
    uint64_t ends[2];       /* checkpoint sizes whose last entry must be MAP */
    const struct checkpoint *cur; /* the checkpoint being caught up to */
    const char *note;             /* its signed note */
    size_t note_len;
    /* The saved state (monitor_state_load()). */
    char *anchor, *latest; /* signed notes, NULL on a first run */
    size_t anchor_len, latest_len;
    struct checkpoint acp, lcp;
    uint8_t *replay_state; /* replay_encode() output saved with the state */
    size_t replay_state_len;
    struct {
        struct tile t;
        uint8_t *data;
        size_t len;
    } cache[MONITOR_TILE_CACHE];
    unsigned next_slot;
    struct monitor_sigs sigs;
    char *why;
};

/* ---- monitor_tiles.c: reading the log's tiles ---- */

/* What the log's tiles showed about a claim. */
enum monitor_proof {
    MONITOR_PROVEN,    /* the proof verified */
    MONITOR_DISPROVEN, /* the log served hashes, and they contradict it */
    MONITOR_UNBACKED,  /* the log does not serve what its signed checkpoint
                          covers: a tile missing (404) or of the wrong size
                          (r->why says which) */
};

/* The functions below return 0 with *out set, or CLIENT_ERR_NET,
 * CLIENT_ERR_HTTP or CLIENT_ERR_NOMEM when the log could not be asked (why
 * says why). */

/* Proves the tree of old->size a prefix of cur's from cur's hash tiles. */
int monitor_tiles_consistency(struct run *r, const struct checkpoint *old,
                              const struct checkpoint *cur,
                              enum monitor_proof *out);

/* Checks that cur's hash tiles hash to its root: the log serves the tree it
 * signed. */
int monitor_tiles_backed(struct run *r, const struct checkpoint *cur,
                         enum monitor_proof *out);

/* Proves the tree of range c a prefix of r->cur's: equal roots at its size,
 * else a consistency proof from its hash tiles. */
int monitor_tiles_prefix(struct run *r, const struct compact_range *c,
                         enum monitor_proof *out);

/* Fetches entry bundle `index` and checks it holds at least w entries (the
 * full bundle when a partial one is gone): *data (caller frees, NULL unless
 * MONITOR_PROVEN). */
int monitor_tiles_bundle(struct run *r, uint64_t index, unsigned w,
                         uint8_t **data, size_t *len, enum monitor_proof *out);

/* Frees the tile cache. */
void monitor_tiles_free(struct run *r);

/* ---- monitor_state.c: the state in mstore ---- */

/* A replay store over r->t (valid while the run is). */
void monitor_state_store(struct run *r, struct replay_store *out);

/* Loads the saved state through transaction t: the anchor and latest
 * checkpoints (verified with the log key), the compact range into r->c, the
 * replay state bytes. Returns 0 or CLIENT_ERR_STATE / CLIENT_ERR_NOMEM. */
int monitor_state_load(struct run *r, struct mstore_txn *t);

/* Restores r->rp (replay_init()ed) from the loaded state bytes. */
int monitor_state_restore(struct run *r);

/* Writes the state after entries [0, r->c.size) into r->t, with anchor as
 * the anchor checkpoint and r->note as the latest. */
int monitor_state_save(struct run *r, const char *anchor, size_t anchor_len);

/* The CLIENT_ERR_STATE failure for an mstore or replay code on r->t. */
int monitor_state_fail(struct run *r, int rc);

#endif
