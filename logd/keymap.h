/*
 * keymap.h: the key map in memory (docs/protocol.md §B.6.3): every issuer key
 * ever added to the log, with the index of the KEY entry that added it and
 * of the one that removed it (SMT_NONE while it is authorized), as a
 * CTL-SMT-v1 map (proofs/smt.h) over an in-memory node store. Its root is
 * the key_root of a MAP v2 entry; its proofs are the key_proof of receipts
 * and status proofs (docs/protocol.md §E.4).
 *
 * Issuer keys are few (one leaf per key ever added), so a map is built whole
 * from its keys (one smt_update() over all of them: about two hashes a key)
 * and never changed: a struct keymap is immutable and reference-counted, and
 * any number of threads may read one at once. A change of keys makes a new
 * map (keymap_apply()).
 *
 * The map "as of n" is the key map over entries [0, n): the keys added
 * before n, each with its remove index if that is before n. Since KEY
 * entries only ever add keys and set remove indexes at growing indexes, it is
 * determined by any later map: keymap_root_at() and keymap_prove_at() answer
 * for any n from a map that holds every KEY entry before n, building a
 * temporary map only when n is before the map's last change.
 *
 * Errors: KEYMAP_ERR_* (proofs/errors.h's KEYMAP_ERR_BASE block),
 * keymap_strerror() names them.
 */
#ifndef CREDLOG_LOGD_KEYMAP_H
#define CREDLOG_LOGD_KEYMAP_H

#include <stddef.h>
#include <stdint.h>

#include "proofs/ed25519.h"
#include "proofs/entry.h"
#include "proofs/errors.h"
#include "proofs/note.h"
#include "proofs/smt.h"

#define KEYMAP_ERR_NOMEM (-3401)    /* allocation failed */
#define KEYMAP_ERR_ARG (-3402)      /* a bad issuer name, or a key twice */
#define KEYMAP_ERR_NOTFOUND (-3403) /* no such key */
#define KEYMAP_ERR_SMT (-3404)      /* the map could not be built or proved */

/* One key of the map. */
struct keymap_key {
    char issuer[NOTE_NAME_MAX + 1];
    uint8_t pub[ED25519_PUBLIC_SIZE];
    uint64_t added;   /* index of the KEY add entry */
    uint64_t removed; /* index of the KEY remove entry, or SMT_NONE */
    /* The map's key, entry_key_map_key(issuer, pub): set by the map. */
    uint8_t map_key[ENTRY_KEY_MAP_KEY_SIZE];
};

/* One KEY entry to apply (keymap_apply()). */
struct keymap_change {
    uint8_t op; /* ENTRY_KEY_ADD or ENTRY_KEY_REMOVE */
    char issuer[NOTE_NAME_MAX + 1];
    uint8_t pub[ED25519_PUBLIC_SIZE];
    uint64_t index; /* the KEY entry's index */
};

struct keymap;

/* Returns a static string describing a KEYMAP_ERR_* code. */
const char *keymap_strerror(int err);

/* Makes the map of keys[0..n) (any order; map_key is ignored and computed).
 * Returns 0, KEYMAP_ERR_ARG (an invalid issuer name, a key listed twice, a
 * remove index not after its add), KEYMAP_ERR_NOMEM or KEYMAP_ERR_SMT. The
 * map starts with one reference. */
int keymap_new(const struct keymap_key *keys, size_t n, struct keymap **out);

/* The map after the KEY entries ch[0..n) (in index order, every index above
 * those in km), by the key map's rules: an add of a key never in the map
 * adds it, a remove of an authorized key sets its remove index, every other
 * change changes nothing. Returns as keymap_new(). km may be NULL (empty). */
int keymap_apply(const struct keymap *km, const struct keymap_change *ch,
                 size_t n, struct keymap **out);

/* Takes / drops a reference (thread-safe). unref frees at zero; accepts
 * NULL. */
struct keymap *keymap_ref(struct keymap *km);
void keymap_unref(struct keymap *km);

/* The number of keys, and key i in map key order (valid while km is). */
size_t keymap_count(const struct keymap *km);
const struct keymap_key *keymap_at(const struct keymap *km, size_t i);

/* Finds (issuer, pub), or NULL. O(1) hashing and O(log n) search. */
const struct keymap_key *keymap_find(const struct keymap *km,
                                     const char *issuer,
                                     const uint8_t pub[ED25519_PUBLIC_SIZE]);

/* The key of issuer with key_id (note_key_id(issuer, 0x01, pub)) that was
 * authorized at index i (added < i, and not removed at or before i), or NULL.
 * O(log n). */
const struct keymap_key *keymap_find_id(const struct keymap *km,
                                        const char *issuer, uint32_t key_id,
                                        uint64_t i);

/* The root of the whole map (EMPTY for no key). */
void keymap_root(const struct keymap *km, uint8_t root[SMT_HASH_SIZE]);

/* The index after which km changes nothing more: one more than the largest
 * add or remove index it holds (0 for an empty map). The map as of any n at
 * or above it is km itself. */
uint64_t keymap_settled(const struct keymap *km);

/* The root of the map as of n (over entries [0, n)). km must hold every KEY
 * entry before n. Returns 0, KEYMAP_ERR_NOMEM or KEYMAP_ERR_SMT. */
int keymap_root_at(const struct keymap *km, uint64_t n,
                   uint8_t root[SMT_HASH_SIZE]);

/* The CTL-SMT-v1 proof (docs/protocol.md §C.3) for (issuer, pub) in the map
 * as of n into buf (cap bytes; SMT_PROOF_MAX always suffices). Returns its
 * length, KEYMAP_ERR_ARG (an invalid issuer name), KEYMAP_ERR_NOMEM or
 * KEYMAP_ERR_SMT (cap too small). */
int keymap_prove_at(const struct keymap *km, uint64_t n, const char *issuer,
                    const uint8_t pub[ED25519_PUBLIC_SIZE], uint8_t *buf,
                    size_t cap);

struct store_txn;

/* Makes the map of every issuer key in t's snapshot (store_keys()): the key
 * map over every entry of that snapshot. Returns 0, a STORE_ERR_* code, or
 * a keymap_new() code (KEYMAP_ERR_ARG: the stored keys are impossible). */
int keymap_load(struct store_txn *t, struct keymap **out);

#endif
