/*
 * issuer.h: an issuer as the logd tests play it: an Ed25519 key, the signed
 * ISSUE and REVOKE entries it makes (proofs/entry.h), and their submission
 * JSON (docs/api.md), built here independently of client/.
 *
 * Every function either cannot fail or abort()s: a test cannot go on
 * without its own entries. A struct issuer holds a private key; wipe it
 * with issuer_wipe().
 */
#ifndef CREDLOG_TESTS_ISSUER_H
#define CREDLOG_TESTS_ISSUER_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "proofs/entry.h"
#include "proofs/note.h"

struct issuer {
    struct note_signer s;
    struct note_verifier v;
};

/* Generates a fresh key named name (the issuer's name). */
void issuer_make(struct issuer *is, const char *name);

/* Wipes the private key. */
void issuer_wipe(struct issuer *is);

/* The wall clock in milliseconds since the epoch: an entry's timestamp. */
uint64_t issuer_now_ms(void);

/* Sets the log origin that issuer_sign_entry() signs version 2 entries for
 * (copied). logd_proc_init(), logd_proc_init_key() and minilog_init() set
 * it to the new log's origin, so a test signs for the log it made last; a test
 * that submits to two logs with different keys signs with entry_sign() itself.
 */
void issuer_set_origin(const char *origin);

/* The origin set by issuer_set_origin() ("" before the first call). */
const char *issuer_origin(void);

/* A signed version 2 ISSUE or REVOKE (type) entry for cred at time ts by
 * key s, for the log issuer_origin(); reason is used only by REVOKE. */
void issuer_sign_entry(struct entry *e, uint8_t type, const uint8_t cred[32],
                       const struct note_signer *s, uint64_t ts,
                       uint8_t reason);

/* The reason a new REVOKE may carry, chosen by n: 0, 1, 3 or 4 (2, the
 * retired misconduct, is refused in version 2). */
uint8_t issuer_reason(uint64_t n);

/* issuer_sign_entry() with the issuer's key. */
void issuer_entry(struct entry *e, uint8_t type, const uint8_t cred[32],
                  const struct issuer *is, uint64_t ts, uint8_t reason);

/* Encodes e into buf (ENTRY_MAX_SIZE bytes); returns the length. */
size_t issuer_entry_bytes(const struct entry *e, uint8_t *buf);

/* The submission JSON object of a signed entry (docs/api.md). The caller
 * owns the reference. */
json_t *issuer_submission_json(const struct entry *e);

#endif
