/*
 * test_replay_amp.c: replay amplification (issue 10, item 11). Anyone can
 * rebuild valid submissions from the log's public entries; a real logd must
 * answer a replay of entries it already holds without checking their signatures
 * again (counted by credlog_signature_checks_total) and with a few bytes per
 * entry instead of a full receipt, unless the body asks for "receipts": "full".
 * What is measured is work and bytes, never time.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "answer.h"
#include "check.h"
#include "client/http.h"
#include "issuer.h"
#include "logd_api.h"
#include "logd_proc.h"
#include "proofs/entry.h"

#define N 1000

static struct logd_proc P;
static struct client_http *H;
static struct issuer A;
static struct entry E[N + 2];

static int64_t metric(const char *name)
{
    return logd_api_metric(H, name);
}

/* POSTs {"entries": E[first .. first+n)} (plus "receipts": full when
 * given); returns the status, the answer's size in bytes and its JSON. */
static int post(size_t first, size_t n, const char *receipts, size_t *bytes,
                json_t **out)
{
    struct client_http_response r;
    json_t *body = json_object(), *arr = json_array();
    char *text;
    int status = -1;

    for (size_t i = first; i < first + n; i++)
        json_array_append_new(arr, issuer_submission_json(&E[i]));
    json_object_set_new(body, "entries", arr);
    if (receipts != NULL)
        json_object_set_new(body, "receipts", json_string(receipts));
    text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    *out = NULL;
    *bytes = 0;
    if (client_http_request(H, "POST", "/v1/entries", "application/json", text,
                            strlen(text), &r) == 0) {
        status = r.status;
        *bytes = r.body_len;
        *out = json_loadb(r.body, r.body_len, 0, NULL);
        client_http_response_free(&r);
    }
    free(text);
    return status;
}

static const json_t *receipt(const json_t *ans, size_t i)
{
    return json_array_get(json_object_get(ans, "receipts"), i);
}

static uint64_t index_of(const json_t *rec)
{
    return (uint64_t)json_integer_value(json_object_get(rec, "index"));
}

static void test_replay(void)
{
    uint64_t rnd = 11, first_index[N];
    uint8_t cred[32], buf[ENTRY_MAX_SIZE];
    int64_t checks, known, size;
    size_t bytes, full_bytes;
    json_t *ans;
    bool all;

    for (size_t i = 0; i < N + 2; i++) {
        check_rand_cred(&rnd, cred);
        issuer_entry(&E[i], ENTRY_ISSUE, cred, &A, issuer_now_ms(), 0);
    }
    /* The first submission: N new entries, N signatures checked. */
    CHECK(post(0, N, NULL, &full_bytes, &ans) == 200);
    all = true;
    for (size_t i = 0; i < N; i++) {
        size_t len = issuer_entry_bytes(&E[i], buf);
        all = all && answer_receipt(&P, receipt(ans, i), buf, len,
                                    &first_index[i], NULL);
    }
    CHECK_MSG(all, "the first answer's receipts verify");
    json_decref(ans);
    checks = metric("credlog_signature_checks_total");
    CHECK_MSG(checks == N, "signature checks after %d new entries: %lld", N,
              (long long)checks);
    size = logd_api_checkpoint(H, &P, NULL, NULL);
    printf("%d new entries: answer %zu bytes\n", N, full_bytes);

    /* The replay: byte for byte the same entries. No signature is checked
     * again, nothing is appended, and each answer is an index. */
    CHECK(post(0, N, NULL, &bytes, &ans) == 200);
    printf("replay of %d entries: answer %zu bytes\n", N, bytes);
    CHECK_MSG(bytes < (size_t)N * 64,
              "a replay of %d entries is answered in %zu bytes", N, bytes);
    all = true;
    for (size_t i = 0; i < N; i++) {
        const json_t *rec = receipt(ans, i);
        all = all && index_of(rec) == first_index[i] &&
              json_is_true(json_object_get(rec, "existing")) &&
              json_object_get(rec, "inclusion") == NULL;
    }
    CHECK_MSG(all, "every replayed entry answers its index, existing");
    json_decref(ans);
    CHECK(metric("credlog_signature_checks_total") == checks);
    known = metric("credlog_known_submissions_total");
    CHECK_MSG(known == N, "known submissions: %lld", (long long)known);
    CHECK(logd_api_checkpoint(H, &P, NULL, NULL) == size);

    /* Asked for, the full receipts come back, still with no signature
     * check, and verify. */
    CHECK(post(0, 10, "full", &bytes, &ans) == 200);
    all = true;
    for (size_t i = 0; i < 10; i++) {
        size_t len = issuer_entry_bytes(&E[i], buf);
        uint64_t idx = 0;
        all = all &&
              answer_receipt(&P, receipt(ans, i), buf, len, &idx, NULL) &&
              idx == first_index[i];
    }
    CHECK_MSG(all, "full receipts of known entries verify");
    json_decref(ans);
    CHECK(metric("credlog_signature_checks_total") == checks);
    CHECK(post(0, 1, "some", &bytes, &ans) == 400);
    json_decref(ans);

    /* Mixed: N - 1 known entries and one new one: one signature checked;
     * the new entry gets its full receipt, the others their index. */
    CHECK(post(1, N, NULL, &bytes, &ans) == 200);
    CHECK(metric("credlog_signature_checks_total") == checks + 1);
    {
        size_t len = issuer_entry_bytes(&E[N], buf);
        CHECK(answer_receipt(&P, receipt(ans, N - 1), buf, len, NULL, NULL));
        CHECK(json_is_true(json_object_get(receipt(ans, 0), "existing")));
        CHECK(index_of(receipt(ans, 0)) == first_index[1]);
    }
    json_decref(ans);

    /* The same credential signed again (another timestamp) is not the
     * stored entry: its signature is checked, and it is answered as the
     * existing issuance. A stored entry with one signature bit flipped is
     * not the stored entry either, and is refused. */
    {
        struct entry again = E[5], forged = E[6];
        issuer_entry(&again, ENTRY_ISSUE, E[5].credential, &A,
                     E[5].timestamp_ms + 1, 0);
        forged.signature[10] ^= 0x01;
        E[N + 1] = again;
        CHECK(post(N + 1, 1, NULL, &bytes, &ans) == 200);
        CHECK(index_of(receipt(ans, 0)) == first_index[5] &&
              json_is_true(json_object_get(receipt(ans, 0), "existing")));
        json_decref(ans);
        CHECK(metric("credlog_signature_checks_total") == checks + 2);
        E[N + 1] = forged;
        CHECK(post(N + 1, 1, NULL, &bytes, &ans) == 400);
        json_decref(ans);
    }

    /* A revoked credential's ISSUE, replayed: its index and the REVOKE's. */
    {
        struct entry rev;
        json_t *arr = json_array();
        issuer_entry(&rev, ENTRY_REVOKE, E[7].credential, &A, issuer_now_ms(),
                     1);
        json_array_append_new(arr, issuer_submission_json(&rev));
        CHECK(logd_api_post_entries(H, arr, &ans) == 200);
        uint64_t rev_index = index_of(receipt(ans, 0));
        json_decref(ans);
        checks = metric("credlog_signature_checks_total");
        CHECK(post(7, 1, NULL, &bytes, &ans) == 200);
        CHECK(index_of(receipt(ans, 0)) == first_index[7]);
        CHECK((uint64_t)json_integer_value(json_object_get(
                  receipt(ans, 0), "revoked_index")) == rev_index);
        json_decref(ans);
        CHECK(metric("credlog_signature_checks_total") == checks);
    }
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    if (logd_proc_binary() == NULL) {
        printf("LOGD_BIN not set: skipped\n");
        return 77;
    }
    issuer_make(&A, "avans.nl");
    if (logd_proc_init(&P, "test.example/log", &A.v, 1) != 0 ||
        logd_proc_start(&P, (const char *const[]){"--heartbeat", "0", NULL}) !=
            0 ||
        client_http_open(P.url, NULL, &H) != 0) {
        CHECK(0);
        logd_proc_cleanup(&P);
        return check_finish();
    }
    test_replay();
    client_http_close(H);
    CHECK(logd_proc_stop(&P) == 0);
    logd_proc_cleanup(&P);
    return check_finish();
}
