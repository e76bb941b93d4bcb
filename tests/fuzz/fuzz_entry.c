/*
 * fuzz_entry.c: entry_decode() (proofs/entry.h), the strict decoder of every
 * log entry: logd decodes submissions with it, the client and the monitor
 * decode every entry they are shown.
 *
 * Invariants:
 *  - the encoding is canonical: a decoded entry encodes to the input byte
 *    for byte, so one entry has one encoding (and one leaf hash);
 *  - exact length: the input minus its last byte, or plus one byte, is
 *    refused; encoding into one byte too little room gives ENTRY_ERR_SPACE;
 *  - decoded fields are in range (known type, op, reason; a valid issuer
 *    name that fits its buffer);
 *  - for ISSUE and REVOKE the signed message is ENTRY_SIGNING_PREFIX followed
 *    by every input byte before the signature;
 *  - for one input in 16, signing the decoded entry with the fuzz issuer key
 *    gives an entry that verifies with that key, fails with another, and
 *    re-decodes to itself.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "proofs/entry.h"

static void check_sign_round_trip(const struct entry *e)
{
    const struct note_signer *issuer = fuzz_issuer_signer();
    struct entry s = *e, back;
    uint8_t buf[ENTRY_MAX_SIZE];
    int n;

    FUZZ_ASSERT(entry_sign(&s, issuer) == 0);
    FUZZ_ASSERT(strcmp(s.issuer, issuer->name) == 0 &&
                s.key_id == issuer->key_id);
    FUZZ_ASSERT(entry_verify(&s, issuer->pub) == 0);
    FUZZ_ASSERT(entry_verify(&s, fuzz_log_signer()->pub) == ENTRY_ERR_SIG);
    n = entry_encode(&s, buf, sizeof buf);
    FUZZ_ASSERT(n > 0);
    FUZZ_ASSERT(entry_decode(buf, (size_t)n, &back) == 0);
    FUZZ_ASSERT(memcmp(&back, &s, sizeof s) == 0);
    s.signature[e->timestamp_ms % ED25519_SIGNATURE_SIZE] ^= 0x01;
    FUZZ_ASSERT(entry_verify(&s, issuer->pub) == ENTRY_ERR_SIG);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct entry e, again;
    uint8_t buf[ENTRY_MAX_SIZE + 1];
    uint8_t msg[ENTRY_SIGNED_MAX];
    uint8_t *longer;
    size_t nlen;
    int rc, n;

    rc = entry_decode(data, size, &e);
    if (rc != 0) {
        FUZZ_ASSERT(rc == ENTRY_ERR_SYNTAX || rc == ENTRY_ERR_TYPE);
        return 0;
    }
    FUZZ_ASSERT(size <= ENTRY_MAX_SIZE);
    FUZZ_ASSERT(entry_type_name(e.type) != NULL);

    n = entry_encode(&e, buf, sizeof buf);
    FUZZ_ASSERT(n >= 0 && (size_t)n == size && memcmp(buf, data, size) == 0);
    FUZZ_ASSERT(entry_encode(&e, buf, size - 1) == ENTRY_ERR_SPACE);
    FUZZ_ASSERT(entry_decode(buf, size, &again) == 0);
    FUZZ_ASSERT(memcmp(&again, &e, sizeof e) == 0);

    FUZZ_ASSERT(entry_decode(data, size - 1, &again) != 0);
    longer = malloc(size + 1);
    if (longer == NULL)
        abort();
    memcpy(longer, data, size);
    longer[size] = data[size - 1];
    FUZZ_ASSERT(entry_decode(longer, size + 1, &again) != 0);
    free(longer);

    switch (e.type) {
    case ENTRY_ISSUE:
    case ENTRY_REVOKE:
        nlen = strlen(e.issuer);
        FUZZ_ASSERT(note_name_valid(e.issuer, nlen));
        FUZZ_ASSERT(data[2 + ENTRY_CREDENTIAL_SIZE] == nlen);
        FUZZ_ASSERT(memcmp(e.credential, data + 2, ENTRY_CREDENTIAL_SIZE) == 0);
        FUZZ_ASSERT(memcmp(e.signature, data + size - ED25519_SIGNATURE_SIZE,
                           ED25519_SIGNATURE_SIZE) == 0);
        if (e.type == ENTRY_REVOKE)
            FUZZ_ASSERT(entry_reason_name(e.reason) != NULL);
        n = entry_signed_message(&e, msg, sizeof msg);
        FUZZ_ASSERT(n > 0);
        FUZZ_ASSERT((size_t)n == sizeof ENTRY_SIGNING_PREFIX - 1 + size -
                                     ED25519_SIGNATURE_SIZE);
        FUZZ_ASSERT(memcmp(msg, ENTRY_SIGNING_PREFIX,
                           sizeof ENTRY_SIGNING_PREFIX - 1) == 0);
        FUZZ_ASSERT(memcmp(msg + sizeof ENTRY_SIGNING_PREFIX - 1, data,
                           size - ED25519_SIGNATURE_SIZE) == 0);
        FUZZ_ASSERT(entry_signed_message(&e, msg, (size_t)n - 1) ==
                    ENTRY_ERR_SPACE);
        if ((data[size - 1] & 0x0f) == 0)
            check_sign_round_trip(&e);
        break;
    case ENTRY_MAP:
        FUZZ_ASSERT(size == ENTRY_MAP_SIZE);
        FUZZ_ASSERT(entry_signed_message(&e, msg, sizeof msg) ==
                    ENTRY_ERR_TYPE);
        break;
    case ENTRY_KEY:
        FUZZ_ASSERT(e.key_op == ENTRY_KEY_ADD || e.key_op == ENTRY_KEY_REMOVE);
        nlen = strlen(e.issuer);
        FUZZ_ASSERT(note_name_valid(e.issuer, nlen) && data[3] == nlen);
        FUZZ_ASSERT(entry_signed_message(&e, msg, sizeof msg) ==
                    ENTRY_ERR_TYPE);
        break;
    default:
        FUZZ_ASSERT(!"entry_decode accepted an unknown type");
    }
    return 0;
}
