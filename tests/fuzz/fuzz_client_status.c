/*
 * fuzz_client_status.c: client_status_proof_parse() (client/doc.h), which
 * reads the status proofs of GET /v1/status/<hash>, then
 * client_verify_status() and client_verdict() on what it read.
 *
 * The seeds are status proofs (active, revoked, unknown) of a small log
 * signed with fuzz.h's log key, so the verified paths are reached.
 *
 * Invariants:
 *  - only 0, CLIENT_ERR_SYNTAX or CLIENT_ERR_NOMEM, with a reason on failure;
 *  - a parsed proof is in range and survives to_json -> text -> parse
 *    unchanged;
 *  - verification is deterministic, fails only with INVALID or SYNTAX and
 *    always says why;
 *  - a verified proof: the computed status is the claimed one; UNKNOWN has
 *    no ISSUE or REVOKE entry; ACTIVE and REVOKED have an ISSUE entry for the
 *    credential below the MAP entry, REVOKED a REVOKE entry by the same
 *    issuer between the two; the MAP entry is the checkpoint's last entry;
 *    its ISSUE is signed by a key the MAP v2 entry's key map shows
 *    authorized at its index (§E.4); it never verifies for another
 *    credential, with another log key, or with a flipped map proof, MAP
 *    entry, inclusion, key proof or key entry byte; the verdict
 *    drawn from it alone is VALID / REVOKED / NOT ISSUED accordingly.
 */
#include <stdlib.h>
#include <string.h>

#include "client/verify.h"
#include "fuzz_client.h"

static int expect_invalid(const struct client_status_proof *sp)
{
    char why[CLIENT_REASON_MAX] = "";
    int rc = client_verify_status(sp, fuzz_log_verifier(), sp->credential, NULL,
                                  why);

    return rc == CLIENT_ERR_INVALID && why[0] != '\0';
}

static void check_verified(struct client_status_proof *sp,
                           const struct client_status_check *c)
{
    const struct note_verifier *log = fuzz_log_verifier();
    struct client_evidence ev = {0};
    struct client_verdict v;
    uint8_t other[ENTRY_CREDENTIAL_SIZE];
    char why[CLIENT_REASON_MAX];

    FUZZ_ASSERT(c->status == sp->status);
    FUZZ_ASSERT(c->checkpoint.size > 0 &&
                sp->map.index == c->checkpoint.size - 1);
    FUZZ_ASSERT(c->map.type == ENTRY_MAP && c->map.map_index == sp->map.index);
    switch (c->status) {
    case CLIENT_STATUS_UNKNOWN:
        FUZZ_ASSERT(!sp->has_issue && !sp->has_revoke);
        break;
    case CLIENT_STATUS_ACTIVE:
    case CLIENT_STATUS_REVOKED:
        FUZZ_ASSERT(sp->has_issue && c->issue.type == ENTRY_ISSUE);
        FUZZ_ASSERT(memcmp(c->issue.credential, sp->credential,
                           ENTRY_CREDENTIAL_SIZE) == 0);
        FUZZ_ASSERT(c->issue_index == sp->issue.index &&
                    c->issue_index < sp->map.index);
        /* Signed by a key authorized at its index (§E.4). */
        FUZZ_ASSERT(c->map.version == ENTRY_VERSION_2 &&
                    sp->issue_auth.present &&
                    c->issue_auth.add_index < c->issue_index &&
                    (c->issue_auth.remove_index == SMT_NONE ||
                     c->issue_auth.remove_index > c->issue_index));
        if (c->status == CLIENT_STATUS_ACTIVE) {
            FUZZ_ASSERT(!sp->has_revoke);
            break;
        }
        FUZZ_ASSERT(sp->has_revoke && c->revoke.type == ENTRY_REVOKE);
        FUZZ_ASSERT(memcmp(c->revoke.credential, sp->credential,
                           ENTRY_CREDENTIAL_SIZE) == 0);
        FUZZ_ASSERT(strcmp(c->revoke.issuer, c->issue.issuer) == 0);
        FUZZ_ASSERT(c->issue_index < c->revoke_index &&
                    c->revoke_index < sp->map.index);
        FUZZ_ASSERT(c->revoke_index == sp->revoke.index);
        break;
    default:
        FUZZ_ASSERT(!"unknown status");
    }

    ev.status = sp;
    client_verdict(log, sp->credential, &ev, &v);
    FUZZ_ASSERT(v.status_checked && !v.receipt_checked);
    FUZZ_ASSERT(v.as_of_ms == c->map.timestamp_ms);
    FUZZ_ASSERT(v.kind ==
                (c->status == CLIENT_STATUS_UNKNOWN ? CLIENT_VERDICT_NOT_ISSUED
                 : c->status == CLIENT_STATUS_REVOKED ? CLIENT_VERDICT_REVOKED
                                                      : CLIENT_VERDICT_VALID));
    if (c->status == CLIENT_STATUS_REVOKED)
        FUZZ_ASSERT(v.revoke_index == c->revoke_index &&
                    v.revoke_reason == c->revoke.reason);

    memcpy(other, sp->credential, sizeof other);
    other[31] ^= 0x01;
    FUZZ_ASSERT(client_verify_status(sp, log, other, NULL, why) ==
                CLIENT_ERR_INVALID);
    FUZZ_ASSERT(client_verify_status(sp, fuzz_vector_verifier(), sp->credential,
                                     NULL, why) == CLIENT_ERR_INVALID);

    /* Tampering. */
    sp->map_proof[sp->map_proof_len - 1] ^= 0x01;
    FUZZ_ASSERT(expect_invalid(sp));
    sp->map_proof[sp->map_proof_len - 1] ^= 0x01;
    sp->map.entry[10] ^= 0x01; /* inside the MAP entry's root */
    FUZZ_ASSERT(expect_invalid(sp));
    sp->map.entry[10] ^= 0x01;
    if (sp->map.inclusion_len > 0) {
        sp->map.inclusion[sp->map.inclusion_len - 1][31] ^= 0x01;
        FUZZ_ASSERT(expect_invalid(sp));
        sp->map.inclusion[sp->map.inclusion_len - 1][31] ^= 0x01;
    }
    if (sp->has_issue) {
        struct client_key_auth *a = &sp->issue_auth;
        a->proof[a->proof_len - 1] ^= 0x01;
        FUZZ_ASSERT(expect_invalid(sp));
        a->proof[a->proof_len - 1] ^= 0x01;
        a->key.entry[a->key.entry_len - 1] ^= 0x01;
        FUZZ_ASSERT(expect_invalid(sp));
        a->key.entry[a->key.entry_len - 1] ^= 0x01;
        sp->issue.entry[sp->issue.entry_len - 1] ^= 0x01;
        FUZZ_ASSERT(expect_invalid(sp));
        sp->issue.entry[sp->issue.entry_len - 1] ^= 0x01;
    }
    if (sp->has_revoke) {
        sp->has_revoke = false;
        FUZZ_ASSERT(expect_invalid(sp));
        sp->has_revoke = true;
    }
    sp->status = sp->status == CLIENT_STATUS_ACTIVE ? CLIENT_STATUS_REVOKED
                                                    : CLIENT_STATUS_ACTIVE;
    FUZZ_ASSERT(expect_invalid(sp));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct client_status_proof sp, back;
    struct client_status_check c, c2;
    char why[CLIENT_REASON_MAX] = "", why2[CLIENT_REASON_MAX] = "", *text;
    int rc, rc2;

    rc = client_status_proof_parse((const char *)data, size, &sp, why);
    if (rc != 0) {
        FUZZ_ASSERT(rc == CLIENT_ERR_SYNTAX || rc == CLIENT_ERR_NOMEM);
        FUZZ_ASSERT(why[0] != '\0' && sp.checkpoint == NULL);
        return 0;
    }
    FUZZ_ASSERT(client_status_name(sp.status) != NULL);
    fuzz_check_logged(&sp.map);
    fuzz_check_logged(&sp.issue);
    fuzz_check_logged(&sp.revoke);
    FUZZ_ASSERT(sp.map_proof_len <= SMT_PROOF_MAX);
    fuzz_check_note(sp.checkpoint, sp.checkpoint_len);

    text = fuzz_dump(client_status_proof_to_json(&sp));
    FUZZ_ASSERT(client_status_proof_parse(text, strlen(text), &back, why) == 0);
    FUZZ_ASSERT(fuzz_status_equal(&back, &sp));
    client_status_proof_free(&back);
    free(text);

    rc = client_verify_status(&sp, fuzz_log_verifier(), sp.credential, &c, why);
    rc2 = client_verify_status(&sp, fuzz_log_verifier(), sp.credential, &c2,
                               why2);
    FUZZ_ASSERT(rc == rc2 && strcmp(why, why2) == 0);
    if (rc == 0) {
        FUZZ_ASSERT(memcmp(&c, &c2, sizeof c) == 0);
        check_verified(&sp, &c);
    } else {
        FUZZ_ASSERT((rc == CLIENT_ERR_INVALID || rc == CLIENT_ERR_SYNTAX) &&
                    why[0] != '\0');
    }
    client_status_proof_free(&sp);
    return 0;
}
