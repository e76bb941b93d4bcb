/*
 * fuzz_client.h: comparisons shared by the fuzz_client_* targets
 * (header-only: only the client targets link the client library).
 */
#ifndef CREDLOG_TESTS_FUZZ_CLIENT_H
#define CREDLOG_TESTS_FUZZ_CLIENT_H

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "client/doc.h"
#include "fuzz.h"

static inline bool fuzz_logged_equal(const struct client_logged_entry *a,
                                     const struct client_logged_entry *b)
{
    return a->index == b->index && a->entry_len == b->entry_len &&
           memcmp(a->entry, b->entry, a->entry_len) == 0 &&
           a->inclusion_len == b->inclusion_len &&
           memcmp(a->inclusion, b->inclusion,
                  a->inclusion_len * MERKLE_HASH_SIZE) == 0;
}

static inline bool fuzz_note_equal(const char *a, size_t alen, const char *b,
                                   size_t blen)
{
    return alen == blen && (alen == 0 || memcmp(a, b, alen) == 0);
}

static inline bool fuzz_key_auth_equal(const struct client_key_auth *a,
                                       const struct client_key_auth *b)
{
    return a->present == b->present &&
           (!a->present || (fuzz_logged_equal(&a->key, &b->key) &&
                            a->proof_len == b->proof_len &&
                            memcmp(a->proof, b->proof, a->proof_len) == 0));
}

/* The entry, its inclusion and the checkpoint: what a tlog-proof keeps. */
static inline bool fuzz_receipt_core_equal(const struct client_receipt *a,
                                           const struct client_receipt *b)
{
    return fuzz_logged_equal(&a->e, &b->e) &&
           fuzz_note_equal(a->checkpoint, a->checkpoint_len, b->checkpoint,
                           b->checkpoint_len);
}

/* All of a receipt's JSON: also its map, key and key_proof. */
static inline bool fuzz_receipt_equal(const struct client_receipt *a,
                                      const struct client_receipt *b)
{
    return fuzz_receipt_core_equal(a, b) && a->has_map == b->has_map &&
           (!a->has_map || fuzz_logged_equal(&a->map, &b->map)) &&
           fuzz_key_auth_equal(&a->auth, &b->auth);
}

static inline bool fuzz_status_equal(const struct client_status_proof *a,
                                     const struct client_status_proof *b)
{
    return memcmp(a->credential, b->credential, sizeof a->credential) == 0 &&
           a->status == b->status &&
           fuzz_note_equal(a->checkpoint, a->checkpoint_len, b->checkpoint,
                           b->checkpoint_len) &&
           fuzz_logged_equal(&a->map, &b->map) &&
           a->has_issue == b->has_issue &&
           (!a->has_issue ||
            (fuzz_logged_equal(&a->issue, &b->issue) &&
             fuzz_key_auth_equal(&a->issue_auth, &b->issue_auth))) &&
           a->has_revoke == b->has_revoke &&
           (!a->has_revoke ||
            (fuzz_logged_equal(&a->revoke, &b->revoke) &&
             fuzz_key_auth_equal(&a->revoke_auth, &b->revoke_auth))) &&
           a->map_proof_len == b->map_proof_len &&
           memcmp(a->map_proof, b->map_proof, a->map_proof_len) == 0;
}

/* A decoded document's own invariants: lengths in range, an owned
 * NUL-terminated checkpoint without NUL bytes inside. */
static inline void fuzz_check_logged(const struct client_logged_entry *e)
{
    FUZZ_ASSERT(e->entry_len <= ENTRY_MAX_SIZE);
    FUZZ_ASSERT(e->inclusion_len <= MERKLE_MAX_PROOF);
}

static inline void fuzz_check_note(const char *note, size_t len)
{
    FUZZ_ASSERT(note != NULL && len > 0 && len <= CLIENT_NOTE_MAX);
    FUZZ_ASSERT(note[len] == '\0' && strlen(note) == len);
}

/* json_dumps() of a new object (consumed) into a malloc'd string. */
static inline char *fuzz_dump(json_t *j)
{
    char *s;

    FUZZ_ASSERT(j != NULL);
    s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(j);
    FUZZ_ASSERT(s != NULL);
    return s;
}

#endif
