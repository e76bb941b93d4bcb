/*
 * fuzz_client_tlog_proof.c: client_tlog_proof_parse() (client/bundle.h),
 * which reads C2SP tlog-proof files (c2sp.org/tlog-proof@v1) holding a
 * receipt.
 *
 * Invariants:
 *  - only 0, CLIENT_ERR_SYNTAX or CLIENT_ERR_NOMEM, with a reason on failure;
 *  - the format is canonical: client_tlog_proof_format() of a parsed proof
 *    gives the input back byte for byte;
 *  - a parsed proof is a receipt in range; if it verifies with the log key,
 *    it also survives the receipt JSON round trip (to_json -> parse) and
 *    verifies the same way from there.
 */
#include <stdlib.h>
#include <string.h>

#include "client/bundle.h"
#include "client/verify.h"
#include "fuzz_client.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct client_receipt r, back;
    struct client_receipt_check c, c2;
    char why[CLIENT_REASON_MAX] = "", *text;
    int rc, n;

    rc = client_tlog_proof_parse((const char *)data, size, &r, why);
    if (rc != 0) {
        FUZZ_ASSERT(rc == CLIENT_ERR_SYNTAX || rc == CLIENT_ERR_NOMEM);
        FUZZ_ASSERT(why[0] != '\0' && r.checkpoint == NULL);
        return 0;
    }
    fuzz_check_logged(&r.e);
    FUZZ_ASSERT(r.e.entry_len > 0);
    FUZZ_ASSERT(r.checkpoint != NULL && r.checkpoint_len > 0 &&
                r.checkpoint_len <= CLIENT_NOTE_MAX &&
                r.checkpoint[r.checkpoint_len] == '\0');

    n = client_tlog_proof_format(&r, &text);
    FUZZ_ASSERT(n >= 0 && (size_t)n == size && memcmp(text, data, size) == 0);
    free(text);

    rc = client_verify_receipt(&r, fuzz_log_verifier(), 0, NULL, NULL, &c, why);
    FUZZ_ASSERT(rc == 0 ||
                ((rc == CLIENT_ERR_INVALID || rc == CLIENT_ERR_SYNTAX) &&
                 why[0] != '\0'));
    if (rc == 0) {
        text = fuzz_dump(client_receipt_to_json(&r));
        FUZZ_ASSERT(client_receipt_parse(text, strlen(text), &back, why) == 0);
        FUZZ_ASSERT(fuzz_receipt_equal(&back, &r));
        FUZZ_ASSERT(client_verify_receipt(&back, fuzz_log_verifier(), 0, NULL,
                                          NULL, &c2, why) == 0);
        FUZZ_ASSERT(memcmp(&c, &c2, sizeof c) == 0);
        client_receipt_free(&back);
        free(text);
    }
    client_receipt_free(&r);
    return 0;
}
