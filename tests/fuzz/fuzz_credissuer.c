/*
 * fuzz_credissuer.c: the issuer a credential names (proofs/credissuer.h,
 * docs/protocol.md §E.5), under `auto` and each named profile.
 *
 * Invariants:
 *  - the result is 0, a CREDISSUER_ERR_* or a CREDKEY_ERR_* code, and a
 *    refusal has a message;
 *  - on success at most CREDISSUER_IDS_MAX identifiers, each 1 to 255
 *    bytes of printable ASCII, NUL-terminated, of a known source and kind;
 *  - the rule against a fixed identity never matches an identifier that
 *    equals no item and whose host is not the dns item.
 *
 * Seeds (corpus/credissuer/): an OB 3.0 credential with a BRIN, a
 * compact JWS with iss and vc.issuer, a hosted OB 2.0 assertion with an
 * embedded badge, written by hand.
 */
#include <string.h>

#include "fuzz.h"
#include "proofs/credissuer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const enum credkey_profile profiles[] = {
        CREDKEY_PROFILE_AUTO, CREDKEY_PROFILE_JSON, CREDKEY_PROFILE_JWS,
        CREDKEY_PROFILE_OB2_HOSTED};
    struct entry key;

    memset(&key, 0, sizeof key);
    key.version = ENTRY_VERSION_2;
    key.type = ENTRY_KEY;
    FUZZ_ASSERT(entry_identity_add(&key, ENTRY_ID_DNS,
                                   (const uint8_t *)"avans.nl", 8) == 0);
    FUZZ_ASSERT(entry_identity_add(&key, ENTRY_ID_BRIN, (const uint8_t *)"07GR",
                                   4) == 0);
    for (size_t p = 0; p < sizeof profiles / sizeof profiles[0]; p++) {
        struct credissuer c;
        char why[CREDKEY_WHY_MAX] = "";
        size_t bad = 0;
        int rc = credissuer_extract(data, size, profiles[p], &c, why);

        if (rc != 0) {
            FUZZ_ASSERT(CREDLOG_ERR_IN(rc, CREDISSUER_ERR_BASE) ||
                        CREDLOG_ERR_IN(rc, CREDKEY_ERR_BASE));
            FUZZ_ASSERT(why[0] != '\0');
            continue;
        }
        FUZZ_ASSERT(c.n <= CREDISSUER_IDS_MAX);
        for (size_t i = 0; i < c.n; i++) {
            const struct credissuer_id *id = &c.ids[i];

            FUZZ_ASSERT(id->len >= 1 && id->len <= CREDISSUER_VALUE_MAX);
            FUZZ_ASSERT(id->value[id->len] == '\0');
            for (size_t k = 0; k < id->len; k++)
                FUZZ_ASSERT(id->value[k] >= 0x21 && id->value[k] <= 0x7e);
            FUZZ_ASSERT(strcmp(credissuer_source_name(id->source), "?") != 0);
            FUZZ_ASSERT(id->kind == CREDISSUER_KIND_URI ||
                        id->kind == CREDISSUER_KIND_BRIN);
            if (credissuer_id_matches(id, &key)) {
                if (id->kind == CREDISSUER_KIND_BRIN)
                    FUZZ_ASSERT(strcmp(id->value, "07GR") == 0);
                else
                    FUZZ_ASSERT(
                        strncmp(id->value, "https://avans.nl", 16) == 0 ||
                        strncmp(id->value, "did:web:avans.nl", 16) == 0);
            }
        }
        (void)credissuer_match(&c, &key, &bad);
        FUZZ_ASSERT(bad < CREDISSUER_IDS_MAX);
    }
    return 0;
}
