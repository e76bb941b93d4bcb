/*
 * keyauth.h: the signature and authorization check of an ISSUE or REVOKE
 * entry from one answer (docs/protocol.md §E.4), pure. Every verifier of a
 * receipt or a status proof runs it (credlog verify, and any page or
 * witness that checks answers): it is the one place the rule lives.
 *
 * Input: the entry E at index i, already decoded and proved included in the
 * checkpoint (S, R) of origin O; the MAP entry at S - 1, already decoded and
 * proved included; the answer's `key` (the KEY add entry's index, bytes and
 * inclusion proof) and `key_proof` (a CTL-SMT-v1 proof in the key map). The
 * check, in §E.4's order:
 *   1. the MAP entry is version 2 (a MAP v1 entry has no key root: the
 *      answer cannot show authorization, KEYAUTH_ERR_MAP_V1);
 *   2. a < i; KE decodes strictly as a KEY add (version 1 or 2); its
 *      inclusion proof at a in (S, R) verifies;
 *   3. KE's issuer is E's, and key_id(issuer, 0x01, KE's key) is E's key id;
 *   4. key_proof verifies against the MAP entry's key root as a kind 1 proof
 *      for entry_key_map_key(issuer, KE's key) with value (a', r), a' = a and
 *      r = NONE or r > i (the key was authorized at i exactly when a < i < r);
 *   5. E's signature verifies with KE's key over §B.6.5's message for E's
 *      version (version 2: with origin O).
 * No I/O, no allocation; everything borrowed for the call only.
 */
#ifndef CREDLOG_PROOFS_KEYAUTH_H
#define CREDLOG_PROOFS_KEYAUTH_H

#include <stddef.h>
#include <stdint.h>

#include "proofs/entry.h"
#include "proofs/errors.h"
#include "proofs/merkle.h"

/* Error codes (in KEYAUTH_ERR_BASE of proofs/errors.h). */
#define KEYAUTH_ERR_MAP_V1 (-1701)  /* MAP v1 at S - 1: no key root */
#define KEYAUTH_ERR_MISSING (-1702) /* no key entry or no key proof given */
#define KEYAUTH_ERR_KEY_ENTRY                                                  \
    (-1703)                           /* key entry: undecodable, not a KEY     \
                                         add, or not before the entry */
#define KEYAUTH_ERR_INCLUSION (-1704) /* key entry not included in (S, R) */
#define KEYAUTH_ERR_OTHER_KEY (-1705) /* key of another issuer or key id */
#define KEYAUTH_ERR_PROOF                                                      \
    (-1706) /* key proof: does not verify against                              \
               the key root, is about another key,                             \
               or shows the key absent */
#define KEYAUTH_ERR_NOT_AUTHORIZED                                             \
    (-1707)                     /* the key map's (add, remove) does not give   \
                                   a < i < r */
#define KEYAUTH_ERR_SIG (-1708) /* the signature does not verify */
#define KEYAUTH_ERR_ARG                                                        \
    (-1709) /* E is not an ISSUE or REVOKE, or the MAP                         \
               entry is not a MAP entry */

/* Returns a static string describing a KEYAUTH_ERR_* code. */
const char *keyauth_strerror(int err);

/* What the check is given (all borrowed). */
struct keyauth_input {
    const struct entry *entry; /* E: ISSUE or REVOKE, decoded */
    uint64_t index;            /* i */
    const char *origin;        /* O, the checkpoint's origin */
    const struct entry *map;   /* the MAP entry at S - 1, decoded */
    uint64_t size;             /* S */
    const uint8_t *root;       /* R, MERKLE_HASH_SIZE bytes */
    /* The answer's `key`; key_entry NULL when the answer has none. */
    uint64_t key_index; /* a */
    const uint8_t *key_entry;
    size_t key_entry_len;
    const uint8_t (*key_inclusion)[MERKLE_HASH_SIZE];
    size_t key_inclusion_len;
    /* The answer's `key_proof`; NULL when the answer has none. */
    const uint8_t *key_proof;
    size_t key_proof_len;
};

/* What a passed check shows. */
struct keyauth_result {
    struct entry key;      /* KE, decoded: its issuer, key, identity */
    uint64_t add_index;    /* a */
    uint64_t remove_index; /* r, SMT_NONE while not removed */
};

#define KEYAUTH_WHY_MAX 256

/* Runs §E.4's checks 1 to 5 on in. On success fills *out (may be NULL) and
 * returns 0; otherwise returns the KEYAUTH_ERR_* code of the first check
 * that failed and, when why is not NULL, writes a sentence saying what
 * failed (KEYAUTH_WHY_MAX bytes) into it. */
int keyauth_verify(const struct keyauth_input *in, struct keyauth_result *out,
                   char *why);

#endif
