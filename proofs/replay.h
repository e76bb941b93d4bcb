/*
 * replay.h: the replay rules of docs/protocol.md Part D, pure.
 *
 * A replay is fed the log's entries in index order, from entry 0, and keeps
 * what they mean: the key map (issuer key -> add index, remove index) and
 * its CTL-SMT-v1 tree, the authorized issuer keys, the credential map
 * (credential hash -> issue index, revoke index, issuer) and its tree, the
 * version floor, the time rules' state, entry counts. It reports every entry
 * that breaks a rule (a violation: its index, a reason code and a one-line
 * text), and remembers the first. The rules, for the entry at index i:
 *
 *   versions           after the first version 2 entry (of any type), a
 *                      version 1 entry is invalid and changes nothing
 *                      (REPLAY_OLD_VERSION).
 *   KEY add            always valid; a key never in the key map gets
 *                      key -> (i, NONE) and is authorized for the entries
 *                      after i; any other add changes nothing (a key that
 *                      was ever removed is never authorized again).
 *   KEY remove         always valid; a key in the key map not yet removed
 *                      gets its remove index i and is not authorized after
 *                      i. Entries it signed before stay valid.
 *   ISSUE              (issuer, key_id) names a key authorized at index i and
 *                      the signature verifies with it, for the log's origin
 *                      in version 2 (REPLAY_UNAUTHORIZED,
 *                      REPLAY_BAD_SIGNATURE); the credential is not in the
 *                      map yet (REPLAY_ISSUED_TWICE). Sets cred -> (i, NONE).
 *   REVOKE             as ISSUE, and the credential was issued
 *                      (REPLAY_NOT_ISSUED) by the same issuer
 *                      (REPLAY_FOREIGN_REVOKE) and is not revoked yet
 *                      (REPLAY_REVOKED_TWICE). Sets its revoke index to i.
 *   MAP                its index field is i (REPLAY_MAP_INDEX) and its root
 *                      is the map root over entries [0, i) (REPLAY_MAP_ROOT),
 *                      computed with proofs/smt.h; for version 2 also its
 *                      key root is the key map's root over [0, i)
 *                      (REPLAY_KEY_ROOT).
 *   times              MAP times never decrease (REPLAY_TIME_BACKWARDS); an
 *                      ISSUE or REVOKE is dated at most REPLAY_MAX_AHEAD_MS
 *                      after the time of the first MAP entry that follows it
 *                      (REPLAY_FUTURE_DATED, reported at that MAP entry with
 *                      the index of the ISSUE or REVOKE).
 *   checkpoints        the last entry under a checkpoint is a MAP entry
 *                      (REPLAY_NO_FINAL_MAP, replay_checkpoint_end()).
 *   anything           an entry that does not decode is REPLAY_UNDECODABLE.
 *
 * An entry that breaks a rule changes nothing (as protocol.md defines the
 * map), so a replay may go on after a violation and report more; a caller
 * that only wants to know whether the log is valid stops at the first.
 *
 * Storage. The key set and the credential map can be large, so they live
 * behind struct replay_store, which the caller implements (the monitor over
 * its LMDB, tests over a table), with the two maps' nodes behind its two
 * struct smt_store (the key map's is small: one leaf per key ever added). The
 * rest of the state is small and lives in struct replay (caller-allocated,
 * about 67 KiB: put it on the heap); replay_encode() serializes it. A replay is
 * consistent with its store: when the caller rolls its storage back (aborts a
 * transaction), it must restore the replay from the encoding saved with that
 * storage (replay_decode()), or start over.
 *
 * Map updates are batched (REPLAY_MAP_BATCH credentials, applied together at
 * the next MAP entry, replay_flush() or replay_encode()), so the map's upper
 * levels are hashed and written once per batch.
 *
 * Implemented in replay.c (keys, credentials, map) and replay_time.c (the
 * time rules and their state).
 */
#ifndef CREDLOG_PROOFS_REPLAY_H
#define CREDLOG_PROOFS_REPLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proofs/ed25519.h"
#include "proofs/entry.h"
#include "proofs/note.h"
#include "proofs/smt.h"

/* Error codes (in REPLAY_ERR_BASE of proofs/errors.h). Store callbacks may
 * return their own module's codes; the replay passes them on unchanged. */
#define REPLAY_OK 0
#define REPLAY_ERR_INVALID (-1101) /* the entry broke a rule (a violation) */
#define REPLAY_ERR_STATE (-1102)   /* not a replay state encoding */
#define REPLAY_ERR_SPACE (-1103)   /* output buffer too small */
#define REPLAY_ERR_ARG (-1104)     /* a call out of order (see each) */
#define REPLAY_ERR_MAP (-1105)     /* the map store failed (proofs/smt.h) */
#define REPLAY_ERR_OLD_STATE                                                   \
    (-1106) /* a state saved before the key map: replay from entry 0 */

/* Returns a static string describing a REPLAY_ERR_* code. */
const char *replay_strerror(int err);

/* Violation reasons. */
#define REPLAY_UNDECODABLE 1   /* the entry does not decode */
#define REPLAY_UNAUTHORIZED 2  /* signing key not authorized at its index */
#define REPLAY_BAD_SIGNATURE 3 /* the signature does not verify */
#define REPLAY_ISSUED_TWICE 4  /* ISSUE of a credential in the map */
#define REPLAY_NOT_ISSUED 5    /* REVOKE of a credential never issued */
#define REPLAY_FOREIGN_REVOKE                                                  \
    6                            /* REVOKE by another issuer than the ISSUE's  \
                                  */
#define REPLAY_REVOKED_TWICE 7   /* REVOKE of a revoked credential */
#define REPLAY_MAP_INDEX 8       /* MAP entry's index field is not its index */
#define REPLAY_MAP_ROOT 9        /* MAP entry's root is not the map's */
#define REPLAY_TIME_BACKWARDS 10 /* MAP time earlier than the previous one */
#define REPLAY_FUTURE_DATED 11   /* ISSUE/REVOKE dated too far after next MAP */
#define REPLAY_NO_FINAL_MAP 12   /* a checkpoint's last entry is not MAP */
#define REPLAY_OLD_VERSION 13    /* a version 1 entry after a version 2 one */
#define REPLAY_KEY_ROOT                                                        \
    14 /* MAP v2 entry's key root is not the key                               \
          map's */

/* Returns a short name of a reason ("unauthorized", ...) or NULL. */
const char *replay_reason_name(int reason);

/* logd refuses issuer timestamps more than this ahead of its clock
 * (logd's REQUEST_MAX_FUTURE_MS). */
#define REPLAY_MAX_AHEAD_MS (10 * 60 * 1000ull)

#define REPLAY_TEXT_MAX 1024

/* One broken rule. */
struct replay_violation {
    uint64_t index; /* the entry that breaks it (for REPLAY_NO_FINAL_MAP the
                       checkpoint's last entry) */
    uint64_t at;    /* the entry being replayed when it was found: index,
                       or for REPLAY_FUTURE_DATED the MAP entry after it */
    int reason;     /* REPLAY_* above */
    char text[REPLAY_TEXT_MAX]; /* one line for a person, "entry 7: ..." */
};

/* Called for every violation; v is valid during the call only. */
typedef void (*replay_violation_fn)(void *ctx,
                                    const struct replay_violation *v);

/* What the store knows of a credential. */
struct replay_cred {
    uint64_t issue;  /* index of its ISSUE entry */
    uint64_t revoke; /* index of its REVOKE entry, SMT_NONE if none */
    char issuer[NOTE_NAME_MAX + 1];
};

/* The caller's storage. Every callback returns 0 or a negative code of the
 * caller's own (which the replay returns unchanged); writes must be visible
 * to later reads. Strings and buffers are borrowed for the call.
 *   key_get   the public key of (issuer, key_id) if authorized now
 *   key_put   authorizes (issuer, key_id) = pub from the KEY entry at index
 *             (called once per key: the replay consults the key map first)
 *   key_del   stops authorizing it (absent: nothing to do, return 0)
 *   cred_get  the credential, *found false if it was never issued
 *   cred_put  stores it (after a valid ISSUE: revoke == SMT_NONE; after a
 *             valid REVOKE: revoke set; a caller counting per issuer can
 *             tell them apart by that)
 *   map       the CTL-SMT-v1 node store of the credential map
 *   keymap    the CTL-SMT-v1 node store of the key map (§B.6.3) */
struct replay_store {
    void *ctx;
    int (*key_get)(void *ctx, const char *issuer, uint32_t key_id,
                   uint8_t pub[ED25519_PUBLIC_SIZE], bool *found);
    int (*key_put)(void *ctx, const char *issuer, uint32_t key_id,
                   const uint8_t pub[ED25519_PUBLIC_SIZE], uint64_t index);
    int (*key_del)(void *ctx, const char *issuer, uint32_t key_id);
    int (*cred_get)(void *ctx, const uint8_t cred[ENTRY_CREDENTIAL_SIZE],
                    struct replay_cred *out, bool *found);
    int (*cred_put)(void *ctx, const uint8_t cred[ENTRY_CREDENTIAL_SIZE],
                    const struct replay_cred *c);
    struct smt_store map;
    struct smt_store keymap;
};

/* ---- the state (read its fields; change it only through the calls) ---- */

/* Entries remembered one by one for the future-date rule between two MAP
 * entries; past that, only the latest-dated of the rest. */
#define REPLAY_TIMES_NAMED 64
#define REPLAY_TYPE_UNKNOWN 0xff
#define REPLAY_MAP_BATCH 1024

/* An ISSUE or REVOKE that may be dated too far ahead of the next MAP. */
struct replay_dated {
    uint64_t index;
    uint64_t ms;  /* the issuer's timestamp */
    uint8_t type; /* ENTRY_ISSUE or ENTRY_REVOKE */
    char issuer[NOTE_NAME_MAX + 1];
};

/* The time rules' state since the last MAP entry. Only entries dated more
 * than REPLAY_MAX_AHEAD_MS after the previous MAP entry can break the rule
 * (the next MAP entry is not earlier, or REPLAY_TIME_BACKWARDS is reported),
 * so only those are kept. */
struct replay_times {
    bool have_map;              /* a MAP entry was replayed */
    uint64_t map_index, map_ms; /* the last one */
    unsigned n;                 /* entries in named[] */
    struct replay_dated named[REPLAY_TIMES_NAMED];
    uint64_t unnamed;           /* more such entries, not in named[] */
    struct replay_dated latest; /* the latest-dated of those (unnamed > 0) */
};

/* Signatures checked ahead of the replay (replay_set_sig_known()): returns
 * true when the caller has entry i's signature verdict under exactly pub,
 * and sets *valid to it. */
typedef bool (*replay_sig_known_fn)(void *ctx, uint64_t i,
                                    const uint8_t pub[ED25519_PUBLIC_SIZE],
                                    bool *valid);

struct replay {
    struct replay_store st;
    replay_sig_known_fn sig_known; /* may be NULL */
    void *sig_ctx;
    char origin[NOTE_NAME_MAX + 1];   /* the log's origin, "" if not given */
    replay_violation_fn on_violation; /* may be NULL */
    void *ctx;
    uint64_t size;      /* entries replayed: the next entry's index */
    uint8_t last_type;  /* type of entry size - 1; 0 if none or undecodable,
                           REPLAY_TYPE_UNKNOWN if restored without it */
    uint64_t counts[5]; /* decoded entries replayed, by type (ENTRY_*) */
    uint8_t floor;      /* the version floor: 1, or 2 after a v2 entry */
    struct replay_times times;
    bool have_first; /* a violation was reported */
    struct replay_violation first;
    uint64_t violations; /* how many */
    size_t npending;     /* map updates not applied yet */
    struct smt_update pending[REPLAY_MAP_BATCH];
};

/* Starts a replay of the empty log over st (copied; st's ctx must outlive
 * the replay) with an empty store. origin is the log's checkpoint origin (its
 * key name), which version 2 ISSUE and REVOKE signatures cover; NULL when
 * unknown (version 2 signatures then never verify). on_violation (may be
 * NULL) is called with ctx for each violation. */
void replay_init(struct replay *rp, const struct replay_store *st,
                 const char *origin, replay_violation_fn on_violation,
                 void *ctx);

/* Replays the entry at index rp->size from its encoding (bytes, len) and
 * advances rp->size. If out is not NULL it receives the decoded entry
 * (out->type 0 when it does not decode). Returns 0 (valid),
 * REPLAY_ERR_INVALID (it broke one or more rules, each reported; the replay
 * may go on), REPLAY_ERR_MAP, or a store callback's code (the replay and
 * the store are then inconsistent: roll back and restore). */
int replay_entry(struct replay *rp, const uint8_t *bytes, size_t len,
                 struct entry *out);

/* Lets the replay take signature verdicts from known (NULL: none) before
 * it verifies one itself: for an ISSUE or REVOKE entry whose (issuer,
 * key_id) is authorized with key pub, a known verdict for pub is used, and
 * any other case is verified here as before. The rules, their order and
 * the reports do not change; this is how a caller checks a run of entries'
 * signatures on all cores (client/monitor_sigs.c) while the replay itself
 * stays single-threaded. replay_init() and a failed replay_decode() clear
 * it. */
void replay_set_sig_known(struct replay *rp, replay_sig_known_fn known,
                          void *ctx);

/* As replay_entry() for an entry already decoded by entry_decode(). */
int replay_decoded(struct replay *rp, const struct entry *e);

/* Checks the rule for a checkpoint of `size` entries, once entry size - 1 is
 * the last replayed (size == rp->size): it must be a MAP entry. Returns 0,
 * REPLAY_ERR_INVALID (reported as REPLAY_NO_FINAL_MAP), or REPLAY_ERR_ARG
 * (size is not rp->size, or is 0, or the last entry's type is unknown). */
int replay_checkpoint_end(struct replay *rp, uint64_t size);

/* Applies the pending map updates to the store. Returns 0, REPLAY_ERR_MAP
 * or a store callback's code. */
int replay_flush(struct replay *rp);

/* The root of the credential map over entries [0, rp->size) (after a
 * flush). Returns 0, REPLAY_ERR_MAP or a store callback's code. */
int replay_map_root(struct replay *rp, uint8_t root[SMT_HASH_SIZE]);

/* The root of the key map over entries [0, rp->size). Returns 0,
 * REPLAY_ERR_MAP or a store callback's code. */
int replay_key_root(struct replay *rp, uint8_t root[SMT_HASH_SIZE]);

/* The first violation reported, or NULL. Valid while rp is. */
const struct replay_violation *replay_first_violation(const struct replay *rp);

/* The largest encoding replay_encode() writes. */
#define REPLAY_ENCODED_MAX                                                     \
    (1 + 8 + 1 + 4 * 8 + 1 + 2 + 3 * 8 + 1 +                                   \
     (REPLAY_TIMES_NAMED + 1) * (8 + 8 + 1 + 1 + NOTE_NAME_MAX))

/* Flushes the pending map updates, then writes the state of rp that is not
 * in the store (size, last type, counts, time rules; not the violations)
 * into out (cap bytes; REPLAY_ENCODED_MAX always suffices). Returns the
 * length, REPLAY_ERR_SPACE, or what replay_flush() returns. */
int replay_encode(struct replay *rp, uint8_t *out, size_t cap);

/* Restores rp (set up by replay_init() over the store the encoding was saved
 * with) from replay_encode()'s output: u8 version 3 || u64 size || u8 last
 * type (REPLAY_TYPE_UNKNOWN allowed) || 4 * u64 counts (ISSUE, REVOKE, MAP,
 * KEY: type order) || u8 version floor (1 or 2) || times, where times is
 * empty (no time state: the time rules start at the next MAP entry) or u8
 * version 1 || u8 have_map || u64 map_index || u64 map_ms || u64 unnamed
 * || latest || u8 n || n * dated, a dated entry being u64 index || u64 ms ||
 * u8 type || u8 issuer length || issuer. Returns 0, REPLAY_ERR_OLD_STATE (a
 * version 2 encoding: saved before the key map existed, so its store has
 * none and the log must be replayed from entry 0), or REPLAY_ERR_STATE; rp
 * is then as replay_init() left it. */
int replay_decode(struct replay *rp, const uint8_t *in, size_t len);

#endif
