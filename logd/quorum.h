/*
 * quorum.h: the cosigned state logd serves under a witness policy.
 *
 * With --witness-policy, GET /checkpoint and status proofs answer from the
 * latest checkpoint whose cosignatures meet the policy's quorum, not from
 * the latest one signed (docs/witness.md, "The quorum checkpoint"). A status
 * proof at that older size S needs the credential map as of S - 1, which
 * the store no longer has once later batches changed it: so the push
 * (logd/push.c) keeps an LMDB snapshot of the commit each checkpoint it
 * pushes was made from (a struct quorum_view), and the view whose
 * checkpoint reaches the quorum is published here with the cosigned note.
 * HTTP workers read the published view, each through a snapshot of its own
 * (no locks between workers while they read); a superseded view is freed
 * when its last reader lets go. docs/design.md argues the design.
 *
 * Threads: the push thread publishes; HTTP workers read; store_grow() (the
 * sequencer's thread) calls quorum_unpin(). Every function is thread-safe
 * but for the rules stated on each.
 */
#ifndef CREDLOG_LOGD_QUORUM_H
#define CREDLOG_LOGD_QUORUM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "logd/store.h"
#include "proofs/errors.h"

/* In PUSH_ERR_BASE's block (proofs/errors.h), shared with push.h. */
#define QUORUM_ERR_NONE (-3051)  /* no quorum checkpoint known yet */
#define QUORUM_ERR_SPACE (-3052) /* the caller's buffer is too small */
#define QUORUM_ERR_NOMEM (-3053)
#define QUORUM_ERR_STORE (-3054) /* the snapshot cannot be opened or read */

/* Returns a static string describing a QUORUM_ERR_* code. */
const char *quorum_strerror(int err);

/* ---- views: snapshots of one commit ---- */

struct quorum_view;

/* Opens a view of the latest commit: nreaders + 1 snapshots of it (one per
 * HTTP worker, one for the push thread), and reads its tree size and
 * signed checkpoint. Returns 0, QUORUM_ERR_STORE (also while store_grow()
 * runs: try later) or QUORUM_ERR_NOMEM. The view starts with one reference. */
int quorum_view_open(struct store *s, unsigned nreaders,
                     struct quorum_view **out);

/* Takes or drops a reference (the last one closes the snapshots, on the
 * caller's thread). Unref accepts NULL. */
struct quorum_view *quorum_view_ref(struct quorum_view *v);
void quorum_view_unref(struct quorum_view *v);

/* The view's tree size, and its log-signed checkpoint note (valid while the
 * view is). */
uint64_t quorum_view_size(const struct quorum_view *v);
const char *quorum_view_note(const struct quorum_view *v, size_t *len);

/* Snapshot i of the view: i < nreaders is HTTP worker i's, nreaders the
 * push thread's. Each is used by its one thread only. */
struct store_txn *quorum_view_txn(struct quorum_view *v, unsigned i);

/* ---- the published state ---- */

struct quorum;

/* A new, empty published state for nreaders HTTP workers, or NULL. */
struct quorum *quorum_new(unsigned nreaders);

/* Frees it (after every reader is done). Accepts NULL. */
void quorum_free(struct quorum *q);

/* Publishes the cosigned checkpoint note[0..len) of tree size and view v
 * (which may be NULL: then GET /checkpoint serves the note but status
 * proofs fall back to the latest checkpoint). Takes its own reference to v
 * and copies note. Returns 0 or QUORUM_ERR_NOMEM (nothing changed). */
int quorum_publish(struct quorum *q, struct quorum_view *v, uint64_t size,
                   const char *note, size_t len);

/* Drops the published view, keeping the note: called by store_grow() (via
 * the push's unpin hook) and when the quorum is too old to pin. */
void quorum_unpin(struct quorum *q);

/* Copies the published note into buf (cap bytes) and sets *len (and *size
 * if not NULL). Returns 0, QUORUM_ERR_NONE or QUORUM_ERR_SPACE. */
int quorum_checkpoint(struct quorum *q, char *buf, size_t cap, size_t *len,
                      uint64_t *size);

/* A status proof's reading of the published view. */
struct quorum_read {
    struct store_txn *txn; /* reader's snapshot of the published view */
    const char *note;      /* the cosigned checkpoint note */
    size_t len;
    uint64_t size;
    uint64_t gen; /* changes with every publication */
    /* Internal. */
    struct quorum_view *view;
    struct quorum_note *held;
};

/* Begins reading the published view as HTTP worker reader. Returns true
 * (end with quorum_read_end()), or false when no view is published. */
bool quorum_read_begin(struct quorum *q, unsigned reader,
                       struct quorum_read *r);

/* Ends the reading (perhaps closing a superseded view's snapshots). */
void quorum_read_end(struct quorum_read *r);

#endif
