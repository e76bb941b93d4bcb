/*
 * fuzz_client_credbundle.c: client_credbundle_parse() (client/credbundle.h),
 * which reads the holder's bundles (credlog-bundle/v1) that `credlog verify
 * B.credlog` checks, then the key of the bundled credential.
 *
 * Invariants:
 *  - only 0, CLIENT_ERR_SYNTAX or CLIENT_ERR_NOMEM, with a reason on failure,
 *    and nothing to free after a failure;
 *  - a parsed bundle is in range (a valid name, 1..64 MiB of data, a known
 *    profile and salt) and survives client_credbundle_format() -> parse
 *    unchanged;
 *  - client_credbundle_detect() says yes to every parsed bundle;
 *  - the key of the bundled credential is computed or refused with a reason,
 *    deterministically.
 */
#include <stdlib.h>
#include <string.h>

#include "client/credbundle.h"
#include "fuzz_client.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct client_credbundle b, back;
    char why[CLIENT_REASON_MAX] = "", *text = NULL;
    uint8_t key[32], key2[32];
    int rc, rc2;

    rc = client_credbundle_parse((const char *)data, size, &b, why);
    if (rc != 0) {
        FUZZ_ASSERT(rc == CLIENT_ERR_SYNTAX || rc == CLIENT_ERR_NOMEM);
        FUZZ_ASSERT(why[0] != '\0');
        FUZZ_ASSERT(b.data == NULL && b.receipt.checkpoint == NULL &&
                    b.status.checkpoint == NULL);
        return 0;
    }
    FUZZ_ASSERT(client_credbundle_detect((const char *)data, size));
    FUZZ_ASSERT(client_credbundle_name_ok(b.name));
    FUZZ_ASSERT(b.data_len >= 1 && b.data_len <= CREDKEY_INPUT_MAX);
    FUZZ_ASSERT(b.credkey.known && b.credkey.profile != CREDKEY_PROFILE_AUTO);
    FUZZ_ASSERT(credkey_salt_check(b.credkey.salt_len) == 0);
    fuzz_check_note(b.receipt.checkpoint, b.receipt.checkpoint_len);
    if (b.has_status)
        fuzz_check_note(b.status.checkpoint, b.status.checkpoint_len);
    FUZZ_ASSERT(b.has_status || !b.has_consistency);

    FUZZ_ASSERT(client_credbundle_format(&b, &text) == 0);
    FUZZ_ASSERT(client_credbundle_parse(text, strlen(text), &back, why) == 0);
    FUZZ_ASSERT(strcmp(back.name, b.name) == 0 &&
                strcmp(back.media_type, b.media_type) == 0);
    FUZZ_ASSERT(back.data_len == b.data_len &&
                memcmp(back.data, b.data, b.data_len) == 0);
    FUZZ_ASSERT(back.credkey.profile == b.credkey.profile &&
                back.credkey.salt_len == b.credkey.salt_len &&
                memcmp(back.credkey.salt, b.credkey.salt, b.credkey.salt_len) ==
                    0);
    FUZZ_ASSERT(fuzz_receipt_equal(&back.receipt, &b.receipt));
    FUZZ_ASSERT(back.has_status == b.has_status);
    FUZZ_ASSERT(!b.has_status || fuzz_status_equal(&back.status, &b.status));
    FUZZ_ASSERT(back.has_consistency == b.has_consistency &&
                back.consistency_len == b.consistency_len &&
                memcmp(back.consistency, b.consistency,
                       b.consistency_len * MERKLE_HASH_SIZE) == 0);
    client_credbundle_free(&back);
    free(text);

    rc = client_credfile_match(b.data, b.data_len, &b.credkey, NULL, key, why);
    FUZZ_ASSERT(rc == 0 || why[0] != '\0');
    rc2 =
        client_credfile_match(b.data, b.data_len, &b.credkey, NULL, key2, NULL);
    FUZZ_ASSERT(rc == rc2 && (rc != 0 || memcmp(key, key2, 32) == 0));
    client_credbundle_free(&b);
    return 0;
}
