/*
 * fuzz_client_bundle.c: client_bundle_parse() (client/bundle.h), which reads
 * the offline status bundles of `credlog status --save` that
 * `credlog verify --bundle` checks, then client_verdict() on the bundle.
 *
 * Invariants:
 *  - only 0, CLIENT_ERR_SYNTAX or CLIENT_ERR_NOMEM, with a reason on failure;
 *  - a parsed bundle is in range and survives client_bundle_format() ->
 *    parse unchanged (status proof, receipt, consistency proof);
 *  - the verdict drawn from the bundle is deterministic and, when INVALID,
 *    says why; when it is not INVALID the status proof verified on its own
 *    (and the receipt, if any, too), and the verdict agrees with the status
 *    proof's status; a bundle whose receipt was verified with the status
 *    proof also had its checkpoints linked when their sizes are equal or a
 *    consistency proof was given.
 */
#include <stdlib.h>
#include <string.h>

#include "client/bundle.h"
#include "client/verify.h"
#include "fuzz_client.h"

static void verdict_of(const struct client_bundle *b, struct client_verdict *v)
{
    struct client_evidence ev = {0};

    ev.status = &b->status;
    ev.receipt = b->has_receipt ? &b->receipt : NULL;
    ev.have_consistency = b->has_consistency;
    ev.consistency = (const uint8_t(*)[MERKLE_HASH_SIZE])b->consistency;
    ev.consistency_len = b->consistency_len;
    client_verdict(fuzz_log_verifier(), b->status.credential, &ev, v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct client_bundle b, back;
    struct client_verdict v, v2;
    struct client_status_check sc;
    char why[CLIENT_REASON_MAX] = "", *text = NULL;
    int rc;

    rc = client_bundle_parse((const char *)data, size, &b, why);
    if (rc != 0) {
        FUZZ_ASSERT(rc == CLIENT_ERR_SYNTAX || rc == CLIENT_ERR_NOMEM);
        FUZZ_ASSERT(why[0] != '\0');
        FUZZ_ASSERT(b.status.checkpoint == NULL &&
                    b.receipt.checkpoint == NULL);
        return 0;
    }
    fuzz_check_note(b.status.checkpoint, b.status.checkpoint_len);
    FUZZ_ASSERT(b.status.map_proof_len <= SMT_PROOF_MAX);
    if (b.has_receipt)
        fuzz_check_note(b.receipt.checkpoint, b.receipt.checkpoint_len);
    else
        FUZZ_ASSERT(b.receipt.checkpoint == NULL);
    FUZZ_ASSERT(b.consistency_len <= MERKLE_MAX_PROOF);
    FUZZ_ASSERT(b.has_consistency || b.consistency_len == 0);

    FUZZ_ASSERT(client_bundle_format(
                    &b.status, b.has_receipt ? &b.receipt : NULL,
                    b.has_consistency
                        ? (const uint8_t(*)[MERKLE_HASH_SIZE])b.consistency
                        : NULL,
                    b.consistency_len, 1, 2, &text) == 0);
    FUZZ_ASSERT(client_bundle_parse(text, strlen(text), &back, why) == 0);
    FUZZ_ASSERT(fuzz_status_equal(&back.status, &b.status));
    FUZZ_ASSERT(back.has_receipt == b.has_receipt);
    FUZZ_ASSERT(!b.has_receipt ||
                fuzz_receipt_equal(&back.receipt, &b.receipt));
    FUZZ_ASSERT(back.has_consistency == b.has_consistency &&
                back.consistency_len == b.consistency_len);
    FUZZ_ASSERT(memcmp(back.consistency, b.consistency,
                       b.consistency_len * MERKLE_HASH_SIZE) == 0);
    client_bundle_free(&back);
    free(text);

    verdict_of(&b, &v);
    verdict_of(&b, &v2);
    FUZZ_ASSERT(memcmp(&v, &v2, sizeof v) == 0);
    if (v.kind == CLIENT_VERDICT_INVALID) {
        FUZZ_ASSERT(v.reason[0] != '\0');
    } else {
        FUZZ_ASSERT(v.status_checked && v.receipt_checked == b.has_receipt);
        FUZZ_ASSERT(client_verify_status(&b.status, fuzz_log_verifier(),
                                         b.status.credential, &sc, why) == 0);
        FUZZ_ASSERT(v.kind == (sc.status == CLIENT_STATUS_UNKNOWN
                                   ? CLIENT_VERDICT_NOT_ISSUED
                               : sc.status == CLIENT_STATUS_REVOKED
                                   ? CLIENT_VERDICT_REVOKED
                                   : CLIENT_VERDICT_VALID));
        if (b.has_receipt) {
            struct client_receipt_check rc_;
            FUZZ_ASSERT(client_verify_receipt(&b.receipt, fuzz_log_verifier(),
                                              ENTRY_ISSUE, b.status.credential,
                                              NULL, &rc_, why) == 0);
            FUZZ_ASSERT(v.kind != CLIENT_VERDICT_NOT_ISSUED);
            FUZZ_ASSERT(rc_.index == sc.issue_index);
            if (rc_.checkpoint.size == sc.checkpoint.size || b.has_consistency)
                FUZZ_ASSERT(v.consistency_checked);
        }
    }
    client_bundle_free(&b);
    return 0;
}
