/*
 * wmap.h: what makes `credlog witness --verify-map` a map-verifying witness
 * (docs/witness.md). For every log it follows, it keeps a credlog monitor
 * (client/monitor.h) whose state lives in DATA/map/<hex SHA-256(origin)>/
 * and which reads the log's tiles and entry bundles at the URL given with
 * --log-url ORIGIN=URL. wmap_verify() replays a submitted checkpoint's new
 * entries by credlog's rules (proofs/replay.h: every ISSUE and REVOKE signed
 * by a key authorized at its index, every MAP entry's root the replayed
 * map's, ...) and says whether its whole history checks out.
 *
 * Work per call is bounded: at most about max_entries new entries are
 * fetched and replayed (the monitor stops at the next entry bundle boundary)
 * and committed to the replay state, so a checkpoint that claims millions of
 * new entries costs each request the same, and later requests go on where
 * the earlier ones stopped.
 *
 * Implemented in wmap.c. One thread uses a wmap at a time (the witness's
 * event loop); wmap_verify() blocks on the network for the tiles it reads.
 */
#ifndef CREDLOG_WITNESS_WMAP_H
#define CREDLOG_WITNESS_WMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proofs/note.h"
#include "witness/check.h"

/* Entries a request replays at most, by default (16 entry bundles). */
#define WMAP_MAX_ENTRIES_DEFAULT 4096
/* Size of the why buffers. */
#define WMAP_WHY_MAX 1024

struct wmap;

/* Makes an empty set over the data directory data_dir (DATA/map is created
 * when a log is first verified) doing at most max_entries per call (0:
 * WMAP_MAX_ENTRIES_DEFAULT), fetching with timeout_s per request and cacert
 * (PEM CA file for https logs, or NULL: the system store; borrowed: it must
 * outlive w). *out is the caller's (wmap_close). Returns 0 or
 * WITNESS_ERR_NOMEM. */
int wmap_open(const char *data_dir, uint64_t max_entries, int timeout_s,
              const char *cacert, struct wmap **out);

/* Closes every monitor and frees w. Accepts NULL. */
void wmap_close(struct wmap *w);

/* Adds a log's URL from spec, "ORIGIN=URL" (the origin ends at the first
 * '='; the URL is http:// or https://). Returns 0, or WITNESS_ERR_MALFORMED
 * (why says what: no '=', an empty origin, a bad URL, an origin given
 * twice) or WITNESS_ERR_NOMEM. */
int wmap_add_url(struct wmap *w, const char *spec, char *why);

/* Whether origin has a URL. */
bool wmap_has(const struct wmap *w, const char *origin);

/* The i-th origin with a URL (i < wmap_count()), valid while w is. */
size_t wmap_count(const struct wmap *w);
const char *wmap_origin(const struct wmap *w, size_t i);

/* Verifies that the history of the checkpoint note[0..len) (signed by log,
 * whose name is its origin; it must have a URL) replays by credlog's rules,
 * going on from what earlier calls verified. Returns
 *   0                    every entry up to the checkpoint's size checks out
 *                        and the last is a MAP entry with the map's root;
 *   WITNESS_ERR_MAP      it does not: why names the first violation and the
 *                        entry's index (or a fork, or tiles that do not
 *                        back the signed checkpoint); nothing is kept, so
 *                        every later checkpoint of that history is refused;
 *   WITNESS_ERR_BUSY     not verified that far yet: *done entries are
 *                        (max_entries of them this call), or the log could
 *                        not be reached (why says which); ask again later;
 *   WITNESS_ERR_STORE    the replay state failed (why says how);
 *   WITNESS_ERR_NOMEM.
 * *done gets the entries verified so far, *checked those replayed by this
 * call (0 when it made no progress). */
int wmap_verify(struct wmap *w, const struct note_verifier *log,
                const char *note, size_t len, uint64_t *done, uint64_t *checked,
                char *why);

#endif
