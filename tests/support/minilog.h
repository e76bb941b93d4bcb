/*
 * minilog.h: a tiny in-memory credlog log for the client tests, built only
 * with proofs/: entries, stored tree hashes, a CTL-SMT-v1 map over an
 * in-memory store (memsmt.h), signed checkpoints, inclusion and consistency
 * proofs, tiles and entry bundles. The tests use it to hand-build receipts
 * and status proofs, and to serve (minilog_server.h) deliberately bad logs
 * (wrong MAP roots, entries by unauthorized keys) that logd itself can
 * never produce.
 *
 * Every function aborts on failure (out of memory, an entry that does not
 * encode): a test cannot go on without its log. A struct minilog owns its
 * entries and its key: minilog_free() releases them. Tests may read and
 * replace entries[i]/lens[i] (a log that lies about an entry). Strings and
 * buffers returned are malloc'd and the caller's.
 */
#ifndef CREDLOG_TESTS_MINILOG_H
#define CREDLOG_TESTS_MINILOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "client/doc.h"
#include "memsmt.h"
#include "proofs/entry.h"
#include "proofs/merkle.h"
#include "proofs/checkpoint.h"
#include "proofs/note.h"
#include "proofs/smt.h"
#include "proofs/tile.h"

/* An issuer key the log ever added (the key map's leaf, §B.6.3). */
struct minilog_key {
    char issuer[NOTE_NAME_MAX + 1];
    uint8_t pub[ED25519_PUBLIC_SIZE];
    uint32_t id;
    uint64_t add, remove; /* remove SMT_NONE while authorized */
};

struct minilog {
    struct note_signer key; /* the log key */
    struct note_verifier vkey;
    uint64_t n; /* entries */
    uint8_t **entries;
    size_t *lens;
    uint8_t (*hashes)[MERKLE_HASH_SIZE]; /* stored hashes */
    uint64_t nhashes, cap;
    struct memsmt smt;      /* the map's nodes */
    struct smt_store store; /* over smt */
    /* The key map, kept by every appended KEY entry as protocol.md Part D
     * says (a key added once; a removed key never again). */
    struct memsmt ksmt;
    struct smt_store kstore; /* over ksmt */
    struct minilog_key *keys;
    size_t nkeys;
    /* Append KEY and MAP entries as version 1 (a log from before version
     * 2, as old logd wrote); default false: version 2. */
    bool v1;
};

/* A log named name with a key from the seed of 32 seed_byte bytes. */
void minilog_init(struct minilog *ml, const char *name, uint8_t seed_byte);

/* Frees the entries, hashes and map and wipes the key. */
void minilog_free(struct minilog *ml);

/* Appends raw entry bytes (copied); returns the index. */
uint64_t minilog_append_raw(struct minilog *ml, const uint8_t *e, size_t len);

/* Appends the encoding of e; returns the index. */
uint64_t minilog_append(struct minilog *ml, const struct entry *e);

/* The map's current root. */
void minilog_map_root(struct minilog *ml, uint8_t root[SMT_HASH_SIZE]);

/* Sets key -> (issue, revoke) in the map. */
void minilog_map_set(struct minilog *ml, const uint8_t key[32], uint64_t issue,
                     uint64_t revoke);

/* Appends a MAP entry with the map's root (or root_override if not NULL),
 * version 2 with the key map's root unless ml->v1. */
uint64_t minilog_append_map(struct minilog *ml, uint64_t time_ms,
                            const uint8_t *root_override);

/* As minilog_append_map(), a version 2 MAP entry whose key root is
 * key_root_override when not NULL (a log that lies about its keys). */
uint64_t minilog_append_map_keys(struct minilog *ml, uint64_t time_ms,
                                 const uint8_t *root_override,
                                 const uint8_t *key_root_override);

/* The key map's current root. */
void minilog_key_root(struct minilog *ml, uint8_t root[SMT_HASH_SIZE]);

/* Fills a KEY entry adding or removing (op) s's public key at time_ms, of
 * the version minilog_append_key() appends (a test adds identity items to
 * it with entry_identity_add() and appends it with minilog_append()). */
void minilog_key_entry(const struct minilog *ml, struct entry *e, uint8_t op,
                       const struct note_signer *s, uint64_t time_ms);

/* Appends a KEY entry adding or removing (op) s's public key (version 2,
 * without identity, unless ml->v1). Every KEY entry appended, by any
 * minilog_append*(), updates the key map. */
uint64_t minilog_append_key(struct minilog *ml, uint8_t op,
                            const struct note_signer *s, uint64_t time_ms);

/* The key or key_proof of the ISSUE or REVOKE entry at index as the log
 * answers it (docs/protocol.md §E): the KEY add entry of the first key ever
 * added for the entry's (issuer, key id), with its inclusion in the tree of
 * size, and its proof in the current key map. a->present is false when the
 * log never added such a key (an entry nobody authorized). */
void minilog_key_auth(const struct minilog *ml, uint64_t index, uint64_t size,
                      struct client_key_auth *a);

/* The root of the tree of the first size entries. */
void minilog_root(const struct minilog *ml, uint64_t size, uint8_t root[32]);

/* The signed checkpoint of size in a malloc'd string. */
char *minilog_checkpoint(const struct minilog *ml, uint64_t size);

/* The inclusion proof of index in the tree of size into proof; returns its
 * length. */
size_t minilog_inclusion(const struct minilog *ml, uint64_t index,
                         uint64_t size, uint8_t (*proof)[MERKLE_HASH_SIZE]);

/* The consistency proof from size m to size n into proof; returns its
 * length. */
size_t minilog_consistency(const struct minilog *ml, uint64_t m, uint64_t n,
                           uint8_t (*proof)[MERKLE_HASH_SIZE]);

/* Fills a logged entry (entry bytes + inclusion) for index in size. */
void minilog_logged(const struct minilog *ml, uint64_t index, uint64_t size,
                    struct client_logged_entry *out);

/* A receipt for index in the checkpoint of size (the caller frees it with
 * client_receipt_free()): with "map" when entry size - 1 is a MAP entry, and
 * "key"/"key_proof" (minilog_key_auth()) for an ISSUE or REVOKE. */
void minilog_receipt(const struct minilog *ml, uint64_t index, uint64_t size,
                     struct client_receipt *r);

/* The status proof for cred at the current size (the last entry must be a
 * MAP entry whose root is the map's current root), its issue and revoke
 * with their key and key_proof (minilog_key_auth()); the caller frees it
 * with client_status_proof_free(). */
void minilog_status(struct minilog *ml, const uint8_t cred[32],
                    struct client_status_proof *sp);

/* The bytes of tile t of the tree of size (hash tile or entry bundle) into a
 * malloc'd buffer; returns false if the tile does not exist at that size. */
bool minilog_tile(const struct minilog *ml, uint64_t size, const struct tile *t,
                  uint8_t **out, size_t *out_len);

#endif
