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
 *    by every input byte before the signature (version 1), or
 *    ENTRY_SIGNING_PREFIX_V2, the origin's length and bytes, then every input
 *    byte before the signature (version 2, which needs an origin and never
 *    carries the retired reason 2);
 *  - MAP is 50 bytes (version 1) or 82 (version 2); a KEY v2 identity is
 *    canonical (entry_identity_check accepts it, every item is found by
 *    entry_identity_get, rebuilding it with entry_identity_add gives the same
 *    bytes) and a remove carries none;
 *  - for one input in 16, signing the decoded entry with the fuzz issuer key
 *    gives an entry that verifies with that key (and, for version 2, only
 *    for the origin it was signed for), fails with another, and re-decodes to
 *    itself.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "proofs/entry.h"

/* The origin signed version 2 entries are bound to here. */
#define ORIGIN "example.org/credlog-fuzz"

static void check_sign_round_trip(const struct entry *e)
{
    const struct note_signer *issuer = fuzz_issuer_signer();
    struct entry s = *e, back;
    uint8_t buf[ENTRY_MAX_SIZE];
    int n;

    FUZZ_ASSERT(entry_sign(&s, ORIGIN, issuer) == 0);
    FUZZ_ASSERT(strcmp(s.issuer, issuer->name) == 0 &&
                s.key_id == issuer->key_id);
    FUZZ_ASSERT(entry_verify(&s, ORIGIN, issuer->pub) == 0);
    FUZZ_ASSERT(entry_verify(&s, ORIGIN, fuzz_log_signer()->pub) ==
                ENTRY_ERR_SIG);
    if (s.version == ENTRY_VERSION_2) {
        FUZZ_ASSERT(entry_verify(&s, ORIGIN "x", issuer->pub) == ENTRY_ERR_SIG);
        FUZZ_ASSERT(entry_verify(&s, NULL, issuer->pub) == ENTRY_ERR_SYNTAX);
    } else {
        FUZZ_ASSERT(entry_verify(&s, NULL, issuer->pub) == 0);
    }
    n = entry_encode(&s, buf, sizeof buf);
    FUZZ_ASSERT(n > 0);
    FUZZ_ASSERT(entry_decode(buf, (size_t)n, &back) == 0);
    FUZZ_ASSERT(memcmp(&back, &s, sizeof s) == 0);
    s.signature[e->timestamp_ms % ED25519_SIGNATURE_SIZE] ^= 0x01;
    FUZZ_ASSERT(entry_verify(&s, ORIGIN, issuer->pub) == ENTRY_ERR_SIG);
}

/* A KEY v2 identity is canonical: every item is found, and adding the items
 * to an empty identity in reverse order rebuilds the same bytes. */
static void check_identity(const struct entry *e)
{
    struct entry r;
    size_t at = 0, starts[ENTRY_ID_TAG_MAX], count = 0;

    FUZZ_ASSERT(entry_identity_check(e->identity, e->identity_len) == 0);
    while (at < e->identity_len) {
        const uint8_t *v;
        size_t len;
        uint8_t tag = e->identity[at];

        FUZZ_ASSERT(count < ENTRY_ID_TAG_MAX);
        FUZZ_ASSERT(entry_identity_tag_name(tag) != NULL);
        FUZZ_ASSERT(entry_identity_get(e, tag, &v, &len));
        FUZZ_ASSERT(v == e->identity + at + 2 && len == e->identity[at + 1]);
        starts[count++] = at;
        at += 2 + len;
    }
    memset(&r, 0, sizeof r);
    while (count > 0) {
        size_t i = starts[--count];

        FUZZ_ASSERT(entry_identity_add(&r, e->identity[i], e->identity + i + 2,
                                       e->identity[i + 1]) == 0);
        FUZZ_ASSERT(entry_identity_add(&r, e->identity[i], e->identity + i + 2,
                                       e->identity[i + 1]) == ENTRY_ERR_SYNTAX);
    }
    FUZZ_ASSERT(r.identity_len == e->identity_len &&
                memcmp(r.identity, e->identity, e->identity_len) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct entry e, again;
    uint8_t buf[ENTRY_MAX_SIZE + 1];
    uint8_t msg[ENTRY_SIGNED_MAX];
    uint8_t *longer;
    size_t nlen, plen, olen = sizeof ORIGIN - 1;
    int rc, n;

    rc = entry_decode(data, size, &e);
    if (rc != 0) {
        FUZZ_ASSERT(rc == ENTRY_ERR_SYNTAX || rc == ENTRY_ERR_TYPE);
        return 0;
    }
    FUZZ_ASSERT(size <= ENTRY_MAX_SIZE);
    FUZZ_ASSERT(entry_type_name(e.type) != NULL);
    FUZZ_ASSERT(e.version == data[0] &&
                (e.version == ENTRY_VERSION_1 || e.version == ENTRY_VERSION_2));

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
        FUZZ_ASSERT(size <= ENTRY_SUBMISSION_MAX);
        if (e.type == ENTRY_REVOKE) {
            FUZZ_ASSERT(entry_reason_name(e.reason) != NULL);
            FUZZ_ASSERT(e.version == ENTRY_VERSION_1 ||
                        e.reason != ENTRY_REASON_MISCONDUCT);
        }
        n = entry_signed_message(&e, ORIGIN, msg, sizeof msg);
        FUZZ_ASSERT(n > 0);
        if (e.version == ENTRY_VERSION_1) {
            plen = sizeof ENTRY_SIGNING_PREFIX - 1;
            FUZZ_ASSERT(memcmp(msg, ENTRY_SIGNING_PREFIX, plen) == 0);
            FUZZ_ASSERT(entry_signed_message(&e, NULL, msg, sizeof msg) == n);
        } else {
            plen = sizeof ENTRY_SIGNING_PREFIX_V2 - 1;
            FUZZ_ASSERT(memcmp(msg, ENTRY_SIGNING_PREFIX_V2, plen) == 0);
            FUZZ_ASSERT(msg[plen] == olen &&
                        memcmp(msg + plen + 1, ORIGIN, olen) == 0);
            plen += 1 + olen;
            FUZZ_ASSERT(entry_signed_message(&e, NULL, msg, sizeof msg) ==
                        ENTRY_ERR_SYNTAX);
            FUZZ_ASSERT(entry_signed_message(&e, "", msg, sizeof msg) ==
                        ENTRY_ERR_SYNTAX);
            n = entry_signed_message(&e, ORIGIN, msg, sizeof msg);
        }
        FUZZ_ASSERT((size_t)n == plen + size - ED25519_SIGNATURE_SIZE);
        FUZZ_ASSERT(memcmp(msg + plen, data, size - ED25519_SIGNATURE_SIZE) ==
                    0);
        FUZZ_ASSERT(entry_signed_message(&e, ORIGIN, msg, (size_t)n - 1) ==
                    ENTRY_ERR_SPACE);
        if ((data[size - 1] & 0x0f) == 0)
            check_sign_round_trip(&e);
        break;
    case ENTRY_MAP:
        FUZZ_ASSERT(size == (e.version == ENTRY_VERSION_1 ? ENTRY_MAP_SIZE
                                                          : ENTRY_MAP_V2_SIZE));
        FUZZ_ASSERT(entry_signed_message(&e, ORIGIN, msg, sizeof msg) ==
                    ENTRY_ERR_TYPE);
        break;
    case ENTRY_KEY:
        FUZZ_ASSERT(e.key_op == ENTRY_KEY_ADD || e.key_op == ENTRY_KEY_REMOVE);
        nlen = strlen(e.issuer);
        FUZZ_ASSERT(note_name_valid(e.issuer, nlen) && data[3] == nlen);
        FUZZ_ASSERT(entry_signed_message(&e, ORIGIN, msg, sizeof msg) ==
                    ENTRY_ERR_TYPE);
        if (e.version == ENTRY_VERSION_1)
            FUZZ_ASSERT(e.identity_len == 0);
        else
            check_identity(&e);
        if (e.key_op == ENTRY_KEY_REMOVE)
            FUZZ_ASSERT(e.identity_len == 0);
        break;
    default:
        FUZZ_ASSERT(!"entry_decode accepted an unknown type");
    }
    return 0;
}
