/*
 * check.h: what a C2SP tlog-witness decides about an add-checkpoint request,
 * as pure functions (no I/O, no clock, no globals). Implemented in check.c;
 * witness/server.c calls them in this order:
 *
 *   1. witness_request_parse()        the body: 400 (413 over 16 KiB)
 *   2. look the origin up             404 for an unknown log
 *   3. witness_request_authenticate() the log's signature: 403
 *   4. (the log's qpd)                429
 *   5. witness_request_check()        inside the state's write transaction:
 *                                     400, 409 (with the size), 422
 *   6. (the cosigner key signs)       keystore/signer.h, maybe in a token
 *   7. witness_cosigned_note()        the new state and the answer: 200
 *
 * Each returns 0 or a WITNESS_ERR_* code; witness_http_status() maps a code
 * to the status the spec gives it.
 */
#ifndef CREDLOG_WITNESS_CHECK_H
#define CREDLOG_WITNESS_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proofs/add_checkpoint.h"
#include "proofs/checkpoint.h"
#include "proofs/cosignature.h"
#include "proofs/errors.h"
#include "proofs/note.h"

#define WITNESS_ERR_MALFORMED (-4301)    /* 400: not a valid request */
#define WITNESS_ERR_TOO_LARGE (-4302)    /* 413: body over 16 KiB */
#define WITNESS_ERR_UNKNOWN_LOG (-4303)  /* 404: origin not followed */
#define WITNESS_ERR_FORBIDDEN (-4304)    /* 403: no valid log signature */
#define WITNESS_ERR_RATE (-4305)         /* 429: over the log's qpd */
#define WITNESS_ERR_CONFLICT (-4306)     /* 409: old != latest cosigned */
#define WITNESS_ERR_INCONSISTENT (-4307) /* 422: proof or root mismatch */
#define WITNESS_ERR_STORE (-4308)        /* 500: the state store failed */
#define WITNESS_ERR_NOMEM (-4309)        /* 500: out of memory */
#define WITNESS_ERR_SIGN (-4310)         /* 500: cosigning failed */
#define WITNESS_ERR_MAP (-4311)  /* 422: the log's entries break the rules */
#define WITNESS_ERR_BUSY (-4312) /* 503: map not verified that far yet */

/* The longest checkpoint note a witness keeps: a checkpoint body, the log's
 * verified signature lines and one cosignature line. */
#define WITNESS_NOTE_MAX (CHECKPOINT_BODY_MAX + 1 + 16 * 400)

/* What the witness remembers of a log: the latest checkpoint it cosigned.
 * A log never cosigned has size 0 and the empty tree's root. */
struct witness_state {
    uint64_t size;
    uint8_t root[MERKLE_HASH_SIZE];
};

/* A parsed request. Points into the body passed to
 * witness_request_parse(): valid while that body is. */
struct witness_request {
    struct add_checkpoint add;
    struct checkpoint cp;
    size_t text_len; /* the checkpoint body, note[0..text_len) */
};

/* Returns a static string describing a WITNESS_ERR_* code. */
const char *witness_strerror(int err);

/* The HTTP status of a code (200 for 0). */
int witness_http_status(int err);

/* Parses an add-checkpoint body: the preamble (proofs/add_checkpoint.h), the
 * note's text (up to its last blank line) as a checkpoint, which must be in
 * canonical form with no extension lines (credlog cosigns only what it can
 * re-encode exactly), and old <= the checkpoint's size. Returns 0,
 * WITNESS_ERR_TOO_LARGE or WITNESS_ERR_MALFORMED. */
int witness_request_parse(const char *body, size_t len,
                          struct witness_request *out);

/* Verifies the note with the log's key (log->name is the origin) and copies
 * the log's verified signature lines, each ending in "\n", into sigs (cap
 * bytes, NUL-terminated; *sigs_len gets their length), so that only verified
 * lines are ever kept. Returns 0, WITNESS_ERR_FORBIDDEN (no signature by the
 * key, or one of its lines does not verify), WITNESS_ERR_MALFORMED (the
 * note's form) or WITNESS_ERR_NOMEM (sigs too small). */
int witness_request_authenticate(const struct witness_request *r,
                                 const struct note_verifier *log, char *sigs,
                                 size_t cap, size_t *sigs_len);

/* Checks the request against the latest cosigned state of its log. Returns
 * 0 (cosign it), WITNESS_ERR_CONFLICT (old differs from cur->size: answer
 * 409 with cur->size), or WITNESS_ERR_INCONSISTENT (a size-0 checkpoint
 * without the empty root, old 0 with a proof, the same size with another
 * root, or a consistency proof that does not verify). */
int witness_request_check(const struct witness_request *r,
                          const struct witness_state *cur);

/* Builds the cosigned checkpoint the witness stores and serves: the
 * checkpoint body, a blank line, sigs (the verified log lines) and line,
 * the witness's cosignature/v1 line over the body (NUL-terminated, as
 * ed25519_signer_sign_cosignature() or cosignature_sign() write it over
 * r->add.note[0..r->text_len)), into note (cap bytes, NUL-terminated).
 * The signature is made by the caller because the key may live in a token,
 * and talking to one is I/O. next gets the new state. Returns the note's
 * length or WITNESS_ERR_NOMEM (cap too small). */
int witness_cosigned_note(const struct witness_request *r, const char *sigs,
                          size_t sigs_len, const char *line, char *note,
                          size_t cap, struct witness_state *next);

#endif
