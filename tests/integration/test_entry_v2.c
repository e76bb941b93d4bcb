/*
 * test_entry_v2.c: version 2 submissions against a real logd (issue 10 item
 * 8, issue 12 point 5; docs/protocol.md §B.7). Two logs authorize the same
 * issuer key: an entry signed for one is appended there and refused by the
 * other, so a submission cannot be replayed from one log into another.
 * Version 1 submissions (with or without "version": 1) are refused with an
 * error that says what to do, as are unknown versions and the retired
 * reason misconduct (2); nothing refused changes either log. credlog revoke
 * refuses --reason misconduct, and credlog issue signs version 2 entries.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "answer.h"
#include "check.h"
#include "client/http.h"
#include "credlog_run.h"
#include "files.h"
#include "issuer.h"
#include "logd_api.h"
#include "logd_proc.h"
#include "proofs/codec.h"

static uint64_t rnd = 0x5eed2;

static void random_cred(uint8_t cred[32])
{
    for (int k = 0; k < 32; k += 8) {
        uint64_t x = check_rand(&rnd);
        memcpy(cred + k, &x, 8);
    }
}

/* A version 2 entry signed by is for origin. */
static void v2_entry(struct entry *e, uint8_t type, const uint8_t cred[32],
                     const struct issuer *is, const char *origin,
                     uint8_t reason)
{
    memset(e, 0, sizeof *e);
    e->version = ENTRY_VERSION_2;
    e->type = type;
    memcpy(e->credential, cred, 32);
    e->timestamp_ms = issuer_now_ms();
    e->reason = reason;
    if (entry_sign(e, origin, &is->s) != 0)
        abort();
}

/* POSTs one submission object (taking it); returns the status and the
 * answer's "error" (copied into err, cap bytes) or its first receipt's
 * entry bytes (ebuf, *elen). */
static int post_one(struct client_http *h, json_t *sub, char *err, size_t cap,
                    uint8_t *ebuf, size_t *elen)
{
    json_t *arr = json_array(), *ans = NULL;
    int status;

    json_array_append_new(arr, sub);
    status = logd_api_post_entries(h, arr, &ans);
    err[0] = '\0';
    if (ans != NULL) {
        const char *e = json_string_value(json_object_get(ans, "error"));
        json_t *r = json_array_get(json_object_get(ans, "receipts"), 0);
        if (e != NULL)
            snprintf(err, cap, "%s", e);
        if (r != NULL && ebuf != NULL) {
            int n =
                answer_b64(json_object_get(r, "entry"), ebuf, ENTRY_MAX_SIZE);
            *elen = n > 0 ? (size_t)n : 0;
        }
    }
    json_decref(ans);
    return status;
}

static void expect_refused(struct client_http *h, const struct logd_proc *p,
                           const char *what, json_t *sub, const char *text)
{
    int64_t before = logd_api_checkpoint(h, p, NULL, NULL);
    char err[512];
    int status = post_one(h, sub, err, sizeof err, NULL, NULL);

    CHECK_MSG(status == 400 && strstr(err, text) != NULL,
              "%s: status %d, error \"%s\", want 400 \"%s\"", what, status, err,
              text);
    CHECK_MSG(logd_api_checkpoint(h, p, NULL, NULL) == before,
              "%s: the log changed", what);
}

static void test_v2(void)
{
    struct logd_proc a, b;
    struct client_http *ha = NULL, *hb = NULL;
    struct client_http_options ho = {NULL, 10, 0};
    struct issuer is;
    struct entry e;
    uint8_t cred[32], ebuf[ENTRY_MAX_SIZE];
    size_t elen = 0;
    char err[512];
    json_t *sub;
    struct entry back;

    logd_proc_require();
    issuer_make(&is, "avans.nl");
    REQUIRE(logd_proc_init(&a, "a.example/log", &is.v, 1) == 0);
    REQUIRE(logd_proc_init(&b, "b.example/log", &is.v, 1) == 0);
    REQUIRE(logd_proc_start(&a, NULL) == 0 && logd_proc_start(&b, NULL) == 0);
    REQUIRE(client_http_open(a.url, &ho, &ha) == 0 &&
            client_http_open(b.url, &ho, &hb) == 0);

    /* Signed for a: appended by a, as a version 2 entry. */
    random_cred(cred);
    v2_entry(&e, ENTRY_ISSUE, cred, &is, "a.example/log", 0);
    sub = issuer_submission_json(&e);
    CHECK(json_integer_value(json_object_get(sub, "version")) == 2);
    CHECK(post_one(ha, json_deep_copy(sub), err, sizeof err, ebuf, &elen) ==
          200);
    CHECK(elen > 0 && entry_decode(ebuf, elen, &back) == 0 &&
          back.version == ENTRY_VERSION_2 &&
          memcmp(back.signature, e.signature, 64) == 0);
    /* The same submission replayed into b, which authorizes the same key:
     * refused, since its signature is bound to a. */
    expect_refused(hb, &b, "replay into another log", sub,
                   "signature does not verify");

    /* Version 1, with or without "version": refused with what to do. */
    random_cred(cred);
    v2_entry(&e, ENTRY_ISSUE, cred, &is, "a.example/log", 0);
    sub = issuer_submission_json(&e);
    json_object_del(sub, "version");
    expect_refused(ha, &a, "no version", sub,
                   "entry version 1 is no longer accepted");
    sub = issuer_submission_json(&e);
    json_object_set_new(sub, "version", json_integer(1));
    expect_refused(ha, &a, "version 1", sub,
                   "entry version 1 is no longer accepted");
    {
        /* A valid version 1 signature does not help. */
        struct entry v1 = e;
        v1.version = ENTRY_VERSION_1;
        REQUIRE(entry_sign(&v1, NULL, &is.s) == 0);
        sub = issuer_submission_json(&v1);
        json_object_del(sub, "version");
        expect_refused(ha, &a, "signed version 1", sub,
                       "entry version 1 is no longer accepted");
    }
    sub = issuer_submission_json(&e);
    json_object_set_new(sub, "version", json_integer(3));
    expect_refused(ha, &a, "version 3", sub, "version must be 2");
    sub = issuer_submission_json(&e);
    json_object_set_new(sub, "version", json_string("2"));
    expect_refused(ha, &a, "version \"2\"", sub, "version must be 2");

    /* Misconduct is retired; other reasons revoke. */
    v2_entry(&e, ENTRY_REVOKE, back.credential, &is, "a.example/log",
             ENTRY_REASON_WITHDRAWN);
    sub = issuer_submission_json(&e);
    json_object_set_new(sub, "reason", json_integer(ENTRY_REASON_MISCONDUCT));
    expect_refused(ha, &a, "misconduct", sub, "retired");
    CHECK(post_one(ha, issuer_submission_json(&e), err, sizeof err, ebuf,
                   &elen) == 200);
    CHECK(elen > 0 && entry_decode(ebuf, elen, &back) == 0 &&
          back.type == ENTRY_REVOKE && back.version == ENTRY_VERSION_2 &&
          back.reason == ENTRY_REASON_WITHDRAWN);

    /* The command line: credlog issue signs version 2 entries for the log's
     * origin (a accepts them), and credlog revoke refuses misconduct. */
    if (getenv("CREDLOG_BIN") != NULL && getenv("CREDLOG_BIN")[0] != '\0') {
        struct credlog_run r;
        char key_file[4200], hex[65], text[NOTE_KEY_TEXT_MAX + 1], path[64];
        json_t *got;
        int n, status;

        files_tmpdir(credlog_run_home, sizeof credlog_run_home, "entry-v2");
        snprintf(key_file, sizeof key_file, "%s/avans.key", credlog_run_home);
        n = note_signer_format(&is.s, text, sizeof text - 1);
        REQUIRE(n > 0);
        text[n] = '\n';
        files_write(key_file, text, (size_t)n + 1);
        chmod(key_file, 0600);
        random_cred(cred);
        codec_hex_encode(cred, 32, hex);
        CREDLOG_RUN(&r, "issue", "--log", a.url, "--log-key", a.log_vkey,
                    "--key", key_file, "--hash", hex);
        CREDLOG_EXPECT(&r, 0, NULL);
        credlog_run_free(&r);
        /* The entry the log appended for it: version 2, signed for a. */
        snprintf(path, sizeof path, "/v1/entries/%lld",
                 (long long)logd_api_checkpoint(ha, &a, NULL, NULL) - 2);
        got = logd_api_get_json(ha, path, &status);
        n = got != NULL
                ? answer_b64(json_object_get(got, "entry"), ebuf, sizeof ebuf)
                : -1;
        CHECK_MSG(status == 200 && n > 0 &&
                      entry_decode(ebuf, (size_t)n, &back) == 0 &&
                      back.type == ENTRY_ISSUE &&
                      back.version == ENTRY_VERSION_2 &&
                      memcmp(back.credential, cred, 32) == 0 &&
                      entry_verify(&back, "a.example/log", is.v.pub) == 0 &&
                      entry_verify(&back, "b.example/log", is.v.pub) != 0,
                  "status %d, entry of %d bytes", status, n);
        json_decref(got);
        CREDLOG_RUN(&r, "revoke", "--log", a.url, "--log-key", a.log_vkey,
                    "--key", key_file, "--reason", "misconduct", "--hash", hex);
        CREDLOG_EXPECT(&r, 2, "retired");
        credlog_run_free(&r);
        CREDLOG_RUN(&r, "revoke", "--log", a.url, "--log-key", a.log_vkey,
                    "--key", key_file, "--reason", "2", "--hash", hex);
        CREDLOG_EXPECT(&r, 2, "retired");
        credlog_run_free(&r);
        files_rmtree(credlog_run_home);
    }

    client_http_close(ha);
    client_http_close(hb);
    logd_proc_cleanup(&a);
    logd_proc_cleanup(&b);
    issuer_wipe(&is);
}

int main(void)
{
    test_v2();
    return check_finish();
}
