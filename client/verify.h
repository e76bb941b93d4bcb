/*
 * verify.h: everything a verifier checks, knowing only the log's verifier
 * key: signed checkpoints, receipts (entry + inclusion), status proofs (MAP
 * entry, CTL-SMT-v1 proof, ISSUE/REVOKE entries and their inclusion),
 * consistency between two checkpoints, and the verdict a person reads.
 * Pure: no I/O; all math is proofs/.
 *
 * Every check returns 0 or CLIENT_ERR_INVALID (or CLIENT_ERR_SYNTAX for an
 * undecodable part) and writes a one-line reason into why
 * (CLIENT_REASON_MAX bytes, may be NULL).
 */
#ifndef CREDLOG_CLIENT_VERIFY_H
#define CREDLOG_CLIENT_VERIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "client/doc.h"
#include "proofs/credissuer.h"
#include "proofs/entry.h"
#include "proofs/merkle.h"
#include "proofs/checkpoint.h"
#include "proofs/keyauth.h"
#include "proofs/note.h"

/* Opens a signed checkpoint with the log key (signature, origin == key name,
 * strict body). */
int client_verify_checkpoint(const char *note, size_t len,
                             const struct note_verifier *log,
                             struct checkpoint *out, char *why);

/* The last checkpoint note client_verify_checkpoint_memo() verified, so
 * that a batch of receipts sharing one checkpoint costs one signature check,
 * not one per receipt (credlog issue of 1,000 keys). Zero it before first
 * use; it holds no pointers to free. One per thread: not locked. */
struct client_checkpoint_memo {
    bool set;
    uint8_t note_hash[32];        /* SHA-256 of the verified note */
    struct note_verifier log;     /* ...verified with this key */
    struct checkpoint checkpoint; /* what it opened to */
};

/* client_verify_checkpoint(), remembering its last success in memo (may be
 * NULL: no memo): a note byte-identical to the remembered one, for the same
 * log key, is answered from memo without verifying the signature again. */
int client_verify_checkpoint_memo(struct client_checkpoint_memo *memo,
                                  const char *note, size_t len,
                                  const struct note_verifier *log,
                                  struct checkpoint *out, char *why);

/* Checks that e->entry decodes (into *out, may be NULL) and that the inclusion
 * proof puts it at e->index in cp. what names the entry in why ("receipt",
 * "issue", ...). */
int client_verify_included(const struct client_logged_entry *e,
                           const struct checkpoint *cp, const char *what,
                           struct entry *out, char *why);

/* Checks the signature and authorization of ISSUE or REVOKE entry e at
 * index i (decoded and proved included in cp) from the answer's key and key
 * proof a, against the MAP entry map at cp->size - 1 (decoded and proved
 * included): docs/protocol.md §E.4, by keyauth_verify() (proofs/keyauth.h).
 * Fills *out (may be NULL) on success. Returns 0 or CLIENT_ERR_INVALID;
 * *unshown (may be NULL) is set when the answer cannot show authorization
 * at all (a MAP v1 entry, or no key and key_proof) rather than showing it
 * wrong. */
int client_verify_authorized(const struct entry *e, uint64_t i,
                             const struct checkpoint *cp,
                             const struct entry *map,
                             const struct client_key_auth *a,
                             struct keyauth_result *out, bool *unshown,
                             char *why);

/* What a verified receipt says. */
struct client_receipt_check {
    struct checkpoint checkpoint;
    struct entry entry;
    uint64_t index;
    /* §E.1 steps 4 and 5, for an ISSUE or REVOKE entry: authorized when the
     * receipt showed its signature and authorization (auth is then the KEY
     * entry); otherwise auth_why says why not and auth_unshown whether the
     * receipt could not show it at all (no "map" v2, "key", "key_proof"). */
    bool has_map;     /* the receipt's "map" entry was verified */
    struct entry map; /* then: the MAP entry at checkpoint.size - 1 */
    bool authorized;
    bool auth_unshown;
    struct keyauth_result auth;
    char auth_why[CLIENT_REASON_MAX];
};

/* Verifies a receipt: the checkpoint signature by log, the entry's encoding
 * and its inclusion at its index, and its "map" entry when it has one (the
 * MAP entry at the checkpoint's last index, included). If type is non-zero
 * the entry must be of that type (ENTRY_ISSUE, ENTRY_REVOKE) for credential
 * cred (may be NULL for any) by issuer (may be NULL for any). The
 * authorization of the entry (§E.1 steps 4-5) is checked too but reported
 * in out->authorized, not as a failure: a caller that needs it (a verdict)
 * requires it. out may be NULL. */
int client_verify_receipt(const struct client_receipt *r,
                          const struct note_verifier *log, uint8_t type,
                          const uint8_t *cred, const char *issuer,
                          struct client_receipt_check *out, char *why);

/* client_verify_receipt() for one receipt of a batch: memo (may be NULL) is
 * the batch's checkpoint memo (client_verify_checkpoint_memo()). */
int client_verify_receipt_memo(const struct client_receipt *r,
                               const struct note_verifier *log, uint8_t type,
                               const uint8_t *cred, const char *issuer,
                               struct client_checkpoint_memo *memo,
                               struct client_receipt_check *out, char *why);

/* What a verified status proof says, as of its checkpoint. */
struct client_status_check {
    struct checkpoint checkpoint;
    int status;            /* CLIENT_STATUS_*, computed from the proofs */
    struct entry map;      /* the MAP entry at checkpoint.size - 1 */
    uint64_t issue_index;  /* ACTIVE, REVOKED */
    struct entry issue;    /* ACTIVE, REVOKED: the ISSUE entry */
    uint64_t revoke_index; /* REVOKED */
    struct entry revoke;   /* REVOKED: the REVOKE entry */
    struct keyauth_result issue_auth;  /* ACTIVE, REVOKED: ISSUE's KEY */
    struct keyauth_result revoke_auth; /* REVOKED: the REVOKE's KEY */
    bool auth_unshown; /* failed because an entry's authorization could not
                          be shown (MAP v1, no key and key_proof) */
};

/* Verifies a status proof completely for credential cred: checkpoint
 * signature, the MAP entry (index size-1, its own index, inclusion), the
 * CTL-SMT-v1 proof against its root for cred, and for a present credential
 * the ISSUE (and REVOKE) entries, their indexes as in the map value, their
 * credential and issuer, their inclusion, and the signature and
 * authorization of each from its own key and key proof
 * (client_verify_authorized()). The claimed "status" must match. out may be
 * NULL. */
int client_verify_status(const struct client_status_proof *sp,
                         const struct note_verifier *log,
                         const uint8_t cred[ENTRY_CREDENTIAL_SIZE],
                         struct client_status_check *out, char *why);

/* Verifies that checkpoint a is a prefix of checkpoint b (same origin,
 * a->size <= b->size; equal sizes need equal roots and an empty proof; a
 * size-0 checkpoint needs the empty tree's root and an empty proof). */
int client_verify_consistency(const struct checkpoint *a,
                              const struct checkpoint *b,
                              const uint8_t (*proof)[MERKLE_HASH_SIZE],
                              size_t proof_len, char *why);

/* ---- verdicts ---- */

#define CLIENT_VERDICT_VALID 0
#define CLIENT_VERDICT_REVOKED 1
#define CLIENT_VERDICT_NOT_ISSUED 2
#define CLIENT_VERDICT_INVALID 3

/* The evidence a verdict is drawn from. Any pointer may be NULL. The
 * consistency proof links the receipt's and the status proof's checkpoints
 * (smaller to larger); have_consistency says whether one was supplied. */
struct client_evidence {
    const struct client_receipt *receipt;
    const struct client_status_proof *status;
    bool have_consistency;
    const uint8_t (*consistency)[MERKLE_HASH_SIZE];
    size_t consistency_len;
};

/* A verdict on one credential. */
struct client_verdict {
    int kind;                       /* CLIENT_VERDICT_* */
    char reason[CLIENT_REASON_MAX]; /* INVALID: why; else empty */
    uint8_t credential[ENTRY_CREDENTIAL_SIZE];
    bool status_checked;            /* a status proof was verified */
    bool receipt_checked;           /* a receipt was verified */
    bool consistency_checked;       /* receipt and status checkpoints linked */
    char issuer[NOTE_NAME_MAX + 1]; /* VALID, REVOKED */
    uint64_t issue_index;           /* VALID, REVOKED */
    uint64_t issued_ms;             /* issuer's timestamp of the ISSUE */
    uint64_t revoke_index;          /* REVOKED */
    uint64_t revoked_ms;            /* REVOKED: issuer's timestamp */
    uint8_t revoke_reason;          /* REVOKED: ENTRY_REASON_* */
    /* VALID, REVOKED: the KEY add entry that authorized the ISSUE's key
     * (its issuer, public key and, for KEY v2, the identity to show). */
    struct entry issuer_key;
    uint64_t issuer_key_index;
    /* INVALID because the evidence could not show the issuer's signature
     * and authorization (a receipt or answer from before entry version 2):
     * reason says so and what to do. */
    bool auth_unshown;
    uint64_t as_of_ms;            /* status checked: the MAP entry's time */
    struct checkpoint checkpoint; /* the newest checkpoint verified */
    /* Set by client_verdict_check_policy() (client/witnessed.h): */
    bool witnessed;        /* a witness policy's quorum cosigned it */
    uint64_t witnessed_ms; /* the newest time the quorum had cosigned */
    /* Set by client_verdict_check_age(): */
    bool age_checked; /* the status proof's age was judged */
    bool stale;       /* INVALID: older than the maximum age */
    bool future;      /* INVALID: dated ahead of the local clock */
    /* Set by client_verdict_check_issuer() (docs/protocol.md §E.5): */
    bool issuer_checked; /* the credential's own issuer was compared */
    int issuer_result;   /* CLIENT_ISSUER_* */
    struct credissuer cred_issuer; /* what the credential names */
    size_t issuer_bad;             /* MISMATCH: index in cred_issuer.ids */
};

/* "VALID", "REVOKED", "NOT ISSUED", "INVALID". */
const char *client_verdict_name(int kind);

/* The exit status the credlog command uses for a verdict: 0 VALID,
 * 1 REVOKED or NOT ISSUED, 2 INVALID. */
int client_verdict_exit_code(int kind);

/* Draws the verdict for credential cred from ev, verifying everything in it
 * with log:
 *  - a receipt alone (offline): VALID if it is a verified ISSUE of cred
 *    whose signature and authorization it shows (status_checked stays
 *    false: revocation was not checked);
 *  - a status proof: VALID / REVOKED / NOT ISSUED from the verified proof;
 *  - both: each verified, the receipt's entry must be the status proof's
 *    ISSUE at the same index, and the two checkpoints consistent (equal roots
 *    at equal sizes, or the supplied consistency proof); the ISSUE's
 *    authorization comes from the status proof, and the receipt's, when it
 *    carries one, must check too.
 * VALID and REVOKED need every signed entry's signature and authorization
 * (docs/protocol.md §E.4); evidence that cannot show them gives INVALID
 * with auth_unshown set. Any failure gives INVALID with the reason. Never
 * fails itself. */
void client_verdict(const struct note_verifier *log,
                    const uint8_t cred[ENTRY_CREDENTIAL_SIZE],
                    const struct client_evidence *ev, struct client_verdict *v);

/* ---- the credential's own issuer (§E.5) ---- */

#define CLIENT_ISSUER_MATCH 0       /* every identifier matches */
#define CLIENT_ISSUER_MISMATCH 1    /* INVALID: one matches no item */
#define CLIENT_ISSUER_NONE 2        /* the credential names no issuer */
#define CLIENT_ISSUER_NO_IDENTITY 3 /* the KEY entry records none */
#define CLIENT_ISSUER_UNREADABLE 4  /* INVALID: credissuer refused it */

/* "match", "mismatch", "none", "no_identity", "unreadable" ("?" else). */
const char *client_issuer_result_name(int result);

/* Compares the issuer the credential file[0..len) names, read under
 * profile (the one its key was computed with; CREDKEY_PROFILE_AUTO for an
 * unsalted key chosen by auto), with the identity of v->issuer_key, by
 * docs/protocol.md §E.5. Only VALID and REVOKED verdicts are judged (others
 * are left alone): a mismatch, or an issuer that cannot be read, makes
 * them INVALID with a reason naming the credential's identifier and the
 * key's identity; otherwise the verdict stays and issuer_result says what
 * was found. legacy: the key is the SHA-256 of the file's bytes (credlog
 * before credkey/v1), so a file credkey/v1 refuses names no issuer rather
 * than being unreadable. Never fails. */
void client_verdict_check_issuer(struct client_verdict *v, const uint8_t *file,
                                 size_t len, enum credkey_profile profile,
                                 bool legacy);

/* Writes "<issuer name> (name \"...\", dns ..., ...)" for KEY entry key
 * into buf (always NUL-terminated). */
void client_identity_describe(const struct entry *key, char *buf, size_t cap);

/* ---- freshness ---- */

/* How far a status proof's MAP time may be ahead of the local clock: the
 * same tolerance logd grants issuer timestamps. */
#define CLIENT_MAX_AHEAD_MS (10 * 60 * 1000ull)

/* Judges the age of the status proof a verdict rests on, at the local time
 * now_ms. A status proof is "as of" its MAP entry's time (v->as_of_ms):
 *  - dated more than CLIENT_MAX_AHEAD_MS after now_ms: INVALID (v->future),
 *    whatever max_age_ms is: the log's clock or this one is wrong, and a
 *    post-dated proof would outlive any maximum age;
 *  - older than max_age_ms (0: no limit): VALID and NOT ISSUED become INVALID
 *    (v->stale), since the credential may have been revoked, or issued,
 *    since.
 * REVOKED stays REVOKED in both cases: a revocation is final (the map never
 * forgets one), so an old or oddly dated proof of it is still proof. Verdicts
 * without a verified status proof (a receipt checked offline) and INVALID
 * verdicts are left alone. The reason names the age and the limit. */
void client_verdict_check_age(struct client_verdict *v, uint64_t now_ms,
                              uint64_t max_age_ms);

#endif
