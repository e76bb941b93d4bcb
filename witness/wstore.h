/*
 * wstore.h: the witness's state in LMDB (the only witness file that
 * includes <lmdb.h>). One environment in the data directory, three databases:
 *
 *   logs   origin -> u32be qpd || verifier key string: every log ever
 *          followed (add-only: a known origin never changes its key)
 *   state  SHA-256(origin)[32] -> u64be size || root[32] || cosigned note:
 *          the latest checkpoint cosigned for that log, as served at
 *          GET /<hex SHA-256(origin)>/checkpoint
 *   meta   "kind" -> "plain" or "verify-map": what the witness's
 *          cosignatures vouch for, written with the first one
 *          (wstore_kind())
 *
 * Commits are durable (no MDB_NOSYNC): the witness answers only after its
 * new state is on disk. One thread uses a wstore at a time (the witness's
 * event loop); LMDB serializes writers anyway, which is what makes the
 * check-and-write of wstore_update() atomic.
 */
#ifndef CREDLOG_WITNESS_WSTORE_H
#define CREDLOG_WITNESS_WSTORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proofs/errors.h"
#include "proofs/loglist.h"
#include "witness/check.h"

#define WSTORE_ERR_IO (-4501)       /* LMDB failed (message in why) */
#define WSTORE_ERR_CONFLICT (-4502) /* a known origin with another key */
#define WSTORE_ERR_CORRUPT (-4503)  /* a stored record is malformed */
#define WSTORE_ERR_NOTFOUND (-4504) /* no such log or state */
#define WSTORE_ERR_SPACE (-4505)    /* the caller's buffer is too small */

/* Size of the why buffers. */
#define WSTORE_WHY_MAX 640

struct wstore;

/* Returns a static string describing a WSTORE_ERR_* code. */
const char *wstore_strerror(int err);

/* Opens (creating) the state in the existing directory dir. *out is owned
 * by the caller (wstore_close). Returns 0 or WSTORE_ERR_IO (why filled). */
int wstore_open(const char *dir, struct wstore **out, char *why);

/* Closes the environment. Accepts NULL. */
void wstore_close(struct wstore *s);

/* Records that the witness follows log (add-only). A new origin is added; a
 * known origin with the same key keeps it (its qpd is updated); a known
 * origin with another key is refused and nothing changes. Returns 0,
 * WSTORE_ERR_CONFLICT or WSTORE_ERR_IO. */
int wstore_log_add(struct wstore *s, const struct loglist_log *log, char *why);

/* Lists every log followed, into out[0..cap) (*n gets the count). Returns 0,
 * WSTORE_ERR_SPACE (more than cap), WSTORE_ERR_CORRUPT or WSTORE_ERR_IO. */
int wstore_logs(struct wstore *s, struct loglist_log *out, size_t cap,
                size_t *n, char *why);

/* The decision made inside wstore_update()'s write transaction. cur is the
 * log's latest cosigned state (size 0 and the empty root if none). Return 0
 * and fill next, note and *note_len to store a new state; return a negative
 * code to store nothing (wstore_update() returns it). note has
 * WITNESS_NOTE_MAX + 1 bytes. */
typedef int (*wstore_decide_fn)(void *ctx, const struct witness_state *cur,
                                struct witness_state *next, char *note,
                                size_t *note_len);

/* Runs decide for origin in one write transaction: reads the state, calls
 * decide, writes what it returns and commits durably, all before returning,
 * so two requests can never both pass a check against the same old state.
 * Returns decide's code, 0 once the new state is committed, or
 * WSTORE_ERR_IO / WSTORE_ERR_CORRUPT (nothing stored). */
int wstore_update(struct wstore *s, const char *origin, wstore_decide_fn decide,
                  void *ctx, char *why);

/* wstore_update() for n requests in one write transaction and one durable
 * commit (a group commit: the fsyncs are what bound a witness). Request i
 * is decided for origins[i] with ctxs[i] against the state as the requests
 * before it in this batch left it, exactly as if they had been committed
 * one by one, and results[i] gets decide's code or 0. Returns 0 once the
 * batch's states are committed; or WSTORE_ERR_IO / WSTORE_ERR_CORRUPT (why
 * filled), and then nothing of the batch is stored and every results[i] is
 * that code. */
int wstore_update_many(struct wstore *s, size_t n, const char *const *origins,
                       wstore_decide_fn decide, void *const *ctxs, int *results,
                       char *why);

/* Copies the cosigned note of the log whose origin hashes to
 * origin_hash into buf (cap bytes, NUL-terminated; *len gets its length).
 * Returns 0, WSTORE_ERR_NOTFOUND, WSTORE_ERR_SPACE or WSTORE_ERR_IO. */
int wstore_checkpoint(struct wstore *s, const uint8_t origin_hash[32],
                      char *buf, size_t cap, size_t *len, char *why);

/* The state of origin (size 0 and the empty root if never cosigned).
 * Returns 0, WSTORE_ERR_CORRUPT or WSTORE_ERR_IO. */
int wstore_state(struct wstore *s, const char *origin,
                 struct witness_state *out, char *why);

/* Checks that the state is a kind ("plain" or "verify-map", a string that
 * must outlive s) witness's; a state that cosigned before the marker
 * existed is "plain", and a state that never cosigned may become either.
 * wstore_update() then records kind with the first cosignature, in its
 * transaction: a cosigner's cosignatures keep their meaning, so a plain
 * witness's state never turns map-verifying, nor the reverse. Returns 0,
 * WSTORE_ERR_CONFLICT (why says which kind it is) or WSTORE_ERR_IO. */
int wstore_kind(struct wstore *s, const char *kind, char *why);

#endif
