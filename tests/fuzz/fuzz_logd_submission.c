/*
 * fuzz_logd_submission.c: request_parse_entries() (logd/request.h), which
 * parses the body of every POST /v1/entries, then request_verify_entries()
 * against an issuer key set holding fuzz.h's issuer key.
 *
 * Invariants:
 *  - only 0, REQUEST_ERR_SYNTAX, _INVALID (with a position inside the array)
 *    or _NOMEM, always with a message; nothing returned on failure;
 *  - a parsed body holds 1..REQUEST_MAX_ENTRIES submissions, each an ISSUE
 *    or REVOKE whose bytes are its canonical encoding (they decode to the
 *    parsed entry);
 *  - what the client sends, logd reads: client_submission_to_json() of each
 *    parsed entry, in a new body, parses to the same bytes;
 *  - verification: a body that verifies has every submission by a known
 *    (issuer, key id), not too far in the future, with a signature that
 *    verifies under the key it reports; one that fails names a submission
 *    inside the array.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "client/doc.h"
#include "fuzz.h"
#include "logd/request.h"

/* 2026-01-01 plus one day: the seeds' timestamps are around 2026-01-01. */
#define NOW_MS (1767225600000ull + 86400000ull)

static struct issuers *issuer_set(void)
{
    static struct issuers *set;

    if (set == NULL) {
        const struct note_signer *s = fuzz_issuer_signer();
        struct issuer_key k;

        memset(&k, 0, sizeof k);
        memcpy(k.name, s->name, sizeof k.name);
        k.key_id = s->key_id;
        memcpy(k.pub, s->pub, sizeof k.pub);
        set = issuers_new(fuzz_log_signer()->name, &k, 1);
        FUZZ_ASSERT(set != NULL);
    }
    return set;
}

static void check_client_round_trip(const struct seq_sub *subs, size_t n)
{
    json_t *body = json_object(), *arr = json_array();
    struct request_error err;
    struct seq_sub *back;
    size_t nback;
    char *text;

    FUZZ_ASSERT(body != NULL && arr != NULL);
    for (size_t i = 0; i < n; i++)
        FUZZ_ASSERT(json_array_append_new(
                        arr, client_submission_to_json(&subs[i].e)) == 0);
    FUZZ_ASSERT(json_object_set_new(body, "entries", arr) == 0);
    text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    FUZZ_ASSERT(text != NULL);
    FUZZ_ASSERT(
        request_parse_entries(text, strlen(text), &back, &nback, &err) == 0);
    FUZZ_ASSERT(nback == n);
    for (size_t i = 0; i < n; i++)
        FUZZ_ASSERT(back[i].len == subs[i].len &&
                    memcmp(back[i].bytes, subs[i].bytes, subs[i].len) == 0);
    free(back);
    free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct request_error err;
    struct seq_sub *subs = (struct seq_sub *)1;
    size_t n = 7;
    int rc;

    memset(&err, 0, sizeof err);
    rc = request_parse_entries((const char *)data, size, &subs, &n, &err);
    if (rc != 0) {
        FUZZ_ASSERT(rc == REQUEST_ERR_SYNTAX || rc == REQUEST_ERR_INVALID ||
                    rc == REQUEST_ERR_NOMEM);
        FUZZ_ASSERT(subs == NULL && n == 0 && err.message[0] != '\0');
        FUZZ_ASSERT(rc != REQUEST_ERR_INVALID ||
                    (err.has_position && err.position < REQUEST_MAX_ENTRIES));
        return 0;
    }
    FUZZ_ASSERT(subs != NULL && n >= 1 && n <= REQUEST_MAX_ENTRIES);
    for (size_t i = 0; i < n; i++) {
        struct entry e;

        FUZZ_ASSERT(subs[i].e.type == ENTRY_ISSUE ||
                    subs[i].e.type == ENTRY_REVOKE);
        FUZZ_ASSERT(subs[i].len > 0 && subs[i].len <= ENTRY_MAX_SIZE);
        FUZZ_ASSERT(entry_decode(subs[i].bytes, subs[i].len, &e) == 0);
        FUZZ_ASSERT(memcmp(&e, &subs[i].e, sizeof e) == 0);
    }
    check_client_round_trip(subs, n);

    memset(&err, 0, sizeof err);
    rc = request_verify_entries(issuer_set(), subs, n, NOW_MS, &err);
    if (rc == 0) {
        const struct note_signer *s = fuzz_issuer_signer();
        for (size_t i = 0; i < n; i++) {
            FUZZ_ASSERT(strcmp(subs[i].e.issuer, s->name) == 0 &&
                        subs[i].e.key_id == s->key_id);
            FUZZ_ASSERT(memcmp(subs[i].pub, s->pub, sizeof s->pub) == 0);
            FUZZ_ASSERT(subs[i].e.timestamp_ms <=
                        NOW_MS + REQUEST_MAX_FUTURE_MS);
            FUZZ_ASSERT(entry_verify(&subs[i].e, fuzz_log_signer()->name,
                                     subs[i].pub) == 0);
        }
    } else {
        FUZZ_ASSERT(rc == REQUEST_ERR_INVALID && err.has_position &&
                    err.position < n);
        FUZZ_ASSERT(err.message[0] != '\0');
    }
    free(subs);
    return 0;
}
