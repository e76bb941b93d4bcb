/*
 * mirror.h: an independent copy of a logd's log, read through its C2SP
 * tiles (docs/api.md), and an independent replay of it (docs/protocol.md
 * Part D), as an outside monitor would do it with proofs/ and naive.h.
 *
 * mirror_fetch() reads entries [0, size) through entry bundles, checks the
 * tiles' content type and cache headers, and checks every hash tile at
 * levels 0 and 1 against hashes computed here from the entries. The replay
 * checks every rule: every entry decodes; no version 1 entry follows a
 * version 2 one; KEY entries change the key map (a key added once, removed
 * once, never authorized again; a KEY entry that changes nothing counts as
 * a violation, since logd never appends one); every ISSUE and REVOKE is
 * signed (for version 2, for the log's origin) by a key authorized for its
 * issuer at that point and obeys the exactly-once rules (a credential is
 * issued once, revoked at most once, by its issuer); every MAP entry
 * carries its own index and the CTL-SMT-v1 root of everything before it
 * (with proofs/smt.h over an in-memory store, and by naive_map_root()), and
 * a MAP v2 entry the key map's root (by naive_map_root()); the last entry
 * is a MAP entry.
 *
 * A struct mirror owns its memory: start from a zeroed struct, release
 * with mirror_free(). Pointers from mirror_entry() are valid until then.
 */
#ifndef CREDLOG_TESTS_MIRROR_H
#define CREDLOG_TESTS_MIRROR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "client/http.h"
#include "proofs/tile.h"

struct mirror {
    uint64_t n;          /* entries */
    uint8_t (*leaf)[32]; /* leaf[i]: entry i's leaf hash (naive_leaf_hash) */
    uint8_t *bytes;      /* the entries back to back */
    size_t *off;         /* entry i is bytes[off[i] .. off[i + 1]) */
    size_t used, cap;    /* of bytes */
};

/* Frees the copy and zeroes the struct; accepts a zeroed struct. */
void mirror_free(struct mirror *m);

/* Replaces m's contents with entries [0, size) read through h (see
 * above). Returns false (printing why for a bad tile) if a tile is missing,
 * wrong or does not match the entries. */
bool mirror_fetch(struct client_http *h, struct mirror *m, uint64_t size);

/* GETs tile t into *r and checks its status (200), content type and cache
 * header (immutable for a full tile only). Returns false (printing why, *r
 * already freed) if any is wrong; on true the caller frees *r with
 * client_http_response_free(). */
bool mirror_fetch_tile(struct client_http *h, const struct tile *t,
                       struct client_http_response *r);

/* Entry i (i < m->n); *len gets its length. */
const uint8_t *mirror_entry(const struct mirror *m, uint64_t i, size_t *len);

/* Whether entry i exists and is the len bytes at b. */
bool mirror_entry_is(const struct mirror *m, uint64_t i, const uint8_t *b,
                     size_t len);

/* Replays the log (see above) and returns the number of violations,
 * printing each to stderr. counts (5 slots, may be NULL) gets the number of
 * entries of each type, indexed by type. With MIRROR_NAIVE_EVERY_MAP every
 * MAP root is also recomputed by the naive definition (quadratic: for small
 * logs); without, only the last. */
#define MIRROR_NAIVE_EVERY_MAP 1u
size_t mirror_violations(const struct mirror *m, unsigned flags,
                         uint64_t counts[5]);

/* mirror_violations(m, MIRROR_NAIVE_EVERY_MAP, counts) == 0. */
bool mirror_replay(const struct mirror *m, uint64_t counts[5]);

#endif
