/*
 * fuzz_client_receipt.c: client_receipt_parse() (client/doc.h), which reads
 * the receipts logd returns and the FILE.receipt.json files a verifier is
 * given, then client_verify_receipt() and client_verdict() on what it read.
 *
 * The log key is fuzz.h's "log.example.org" key; the seeds are receipts of
 * a small log signed with it (make_seeds.c), so the verified paths are
 * reached.
 *
 * Invariants:
 *  - only 0, CLIENT_ERR_SYNTAX or CLIENT_ERR_NOMEM, with a reason on failure;
 *  - a parsed receipt is in range (entry, proof, checkpoint sizes; the
 *    checkpoint an owned C string) and survives to_json -> text -> parse
 *    unchanged;
 *  - verification never fails with anything but INVALID or SYNTAX and
 *    always says why; it is deterministic;
 *  - a verified receipt: its entry decodes to what the check reports, its
 *    index is below the checkpoint size, it verifies again when asked for
 *    its own type, credential and issuer, not with another log key, not
 *    with a flipped entry byte, inclusion hash or index; an ISSUE receipt
 *    gives the verdict VALID for its credential (issuer and time from the
 *    entry) exactly when it showed its signature and authorization
 *    (protocol.md §E.4; a flipped key proof byte then unshows it), else
 *    INVALID, and INVALID for another credential; its entry, inclusion and
 *    checkpoint survive export to a C2SP tlog-proof and back unchanged.
 */
#include <stdlib.h>
#include <string.h>

#include "client/bundle.h"
#include "client/verify.h"
#include "fuzz_client.h"

static void check_verified(struct client_receipt *r,
                           const struct client_receipt_check *c)
{
    const struct note_verifier *log = fuzz_log_verifier();
    struct client_receipt_check again;
    struct client_receipt back;
    struct client_evidence ev = {0};
    struct client_verdict v;
    struct entry e;
    char why[CLIENT_REASON_MAX], *tlog;
    const uint8_t *cred;
    int n;

    FUZZ_ASSERT(entry_decode(r->e.entry, r->e.entry_len, &e) == 0);
    FUZZ_ASSERT(memcmp(&e, &c->entry, sizeof e) == 0);
    FUZZ_ASSERT(c->index == r->e.index && r->e.index < c->checkpoint.size);
    FUZZ_ASSERT(strcmp(c->checkpoint.origin, log->name) == 0);

    cred =
        e.type == ENTRY_ISSUE || e.type == ENTRY_REVOKE ? e.credential : NULL;
    FUZZ_ASSERT(client_verify_receipt(r, log, e.type, cred,
                                      cred != NULL ? e.issuer : NULL, &again,
                                      why) == 0);
    FUZZ_ASSERT(memcmp(&again, c, sizeof again) == 0);
    FUZZ_ASSERT(client_verify_receipt(r, fuzz_vector_verifier(), 0, NULL, NULL,
                                      NULL, why) == CLIENT_ERR_INVALID);

    ev.receipt = r;
    if (e.type == ENTRY_ISSUE) {
        uint8_t other[ENTRY_CREDENTIAL_SIZE];

        client_verdict(log, e.credential, &ev, &v);
        if (!c->authorized) {
            /* Not shown signed and authorized (§E.4): never VALID. */
            FUZZ_ASSERT(v.kind == CLIENT_VERDICT_INVALID &&
                        v.reason[0] != '\0' &&
                        v.auth_unshown == c->auth_unshown);
            goto tamper;
        }
        FUZZ_ASSERT(c->has_map && c->auth.add_index < r->e.index &&
                    strcmp(c->auth.key.issuer, e.issuer) == 0);
        FUZZ_ASSERT(v.kind == CLIENT_VERDICT_VALID && v.receipt_checked &&
                    !v.status_checked);
        FUZZ_ASSERT(strcmp(v.issuer, e.issuer) == 0 &&
                    v.issued_ms == e.timestamp_ms);
        FUZZ_ASSERT(v.issue_index == r->e.index &&
                    v.issuer_key_index == c->auth.add_index);
        memcpy(other, e.credential, sizeof other);
        other[0] ^= 0x01;
        client_verdict(log, other, &ev, &v);
        FUZZ_ASSERT(v.kind == CLIENT_VERDICT_INVALID && v.reason[0] != '\0');
    } else {
        client_verdict(log, e.credential, &ev, &v);
        FUZZ_ASSERT(v.kind == CLIENT_VERDICT_INVALID && v.reason[0] != '\0');
    }

tamper:
    /* Tampering. */
    if (c->authorized && r->auth.proof_len > 0) {
        struct client_receipt_check t;
        r->auth.proof[r->auth.proof_len - 1] ^= 0x01;
        FUZZ_ASSERT(client_verify_receipt(r, log, 0, NULL, NULL, &t, why) ==
                        0 &&
                    !t.authorized && !t.auth_unshown);
        r->auth.proof[r->auth.proof_len - 1] ^= 0x01;
    }
    r->e.entry[r->e.entry_len / 2] ^= 0x01;
    FUZZ_ASSERT(client_verify_receipt(r, log, 0, NULL, NULL, NULL, why) ==
                CLIENT_ERR_INVALID);
    r->e.entry[r->e.entry_len / 2] ^= 0x01;
    if (r->e.inclusion_len > 0) {
        r->e.inclusion[0][0] ^= 0x01;
        FUZZ_ASSERT(client_verify_receipt(r, log, 0, NULL, NULL, NULL, why) ==
                    CLIENT_ERR_INVALID);
        r->e.inclusion[0][0] ^= 0x01;
    }
    r->e.index ^= 1;
    FUZZ_ASSERT(client_verify_receipt(r, log, 0, NULL, NULL, NULL, why) ==
                CLIENT_ERR_INVALID);
    r->e.index ^= 1;

    /* Export as a tlog-proof and back. */
    n = client_tlog_proof_format(r, &tlog);
    FUZZ_ASSERT(n > 0 && tlog != NULL && strlen(tlog) == (size_t)n);
    FUZZ_ASSERT(client_tlog_proof_parse(tlog, (size_t)n, &back, why) == 0);
    FUZZ_ASSERT(fuzz_receipt_core_equal(&back, r) && !back.has_map &&
                !back.auth.present);
    client_receipt_free(&back);
    free(tlog);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct client_receipt r, back;
    struct client_receipt_check c, c2;
    char why[CLIENT_REASON_MAX] = "", why2[CLIENT_REASON_MAX] = "", *text;
    int rc, rc2;

    rc = client_receipt_parse((const char *)data, size, &r, why);
    if (rc != 0) {
        FUZZ_ASSERT(rc == CLIENT_ERR_SYNTAX || rc == CLIENT_ERR_NOMEM);
        FUZZ_ASSERT(why[0] != '\0' && r.checkpoint == NULL);
        return 0;
    }
    fuzz_check_logged(&r.e);
    fuzz_check_note(r.checkpoint, r.checkpoint_len);

    text = fuzz_dump(client_receipt_to_json(&r));
    FUZZ_ASSERT(client_receipt_parse(text, strlen(text), &back, why) == 0);
    FUZZ_ASSERT(fuzz_receipt_equal(&back, &r));
    client_receipt_free(&back);
    free(text);

    rc = client_verify_receipt(&r, fuzz_log_verifier(), 0, NULL, NULL, &c, why);
    rc2 = client_verify_receipt(&r, fuzz_log_verifier(), 0, NULL, NULL, &c2,
                                why2);
    FUZZ_ASSERT(rc == rc2 && strcmp(why, why2) == 0);
    if (rc == 0)
        check_verified(&r, &c);
    else
        FUZZ_ASSERT((rc == CLIENT_ERR_INVALID || rc == CLIENT_ERR_SYNTAX) &&
                    why[0] != '\0');
    client_receipt_free(&r);
    return 0;
}
