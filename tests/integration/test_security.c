/*
 * test_security.c: who may write to the log, and where the log key may not
 * go. With the real logd:
 *  - another institution's key is refused: issuer avans.nl with tue.nl's key
 *    id and signature, with avans.nl's key id and tue.nl's signature, and
 *    with tue.nl's public key under avans.nl's name (an unregistered key
 *    id); so is a key nobody registered;
 *  - a key removed by a KEY entry (SIGHUP without it) can neither issue nor
 *    revoke, also after a restart, and a submission that passed the HTTP
 *    thread's checks just before the removal is refused by the sequencer,
 *    which checks the key set of the batch it writes (nothing appended);
 *    the entries the key signed before stay valid in the log (replay);
 *  - the log key never leaves logd: not in its log (normal start, SIGHUP,
 *    refusals, stop, a key file others may read, a key file that does not
 *    parse), not in `logd --dev`'s output, not in any HTTP answer.
 * test_logd_api.c covers an unknown issuer, an unknown key of a known
 * issuer, a wrong key id, revocation by another issuer and an ISSUE by a key
 * removed with SIGHUP; test_logd_lifecycle.c a key file readable by group.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "answer.h"
#include "check.h"
#include "client/http.h"
#include "files.h"
#include "issuer.h"
#include "logd_api.h"
#include "logd_proc.h"
#include "mirror.h"
#include "proofs/codec.h"
#include "proofs/entry.h"
#include "proofs/note.h"
#include "wait.h"

#include <fcntl.h>
#include <pthread.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <openssl/crypto.h>

static uint64_t rnd = 5150;

/* Posts one entry; returns the status, and the receipt's index if 200. */
static int post_one(struct client_http *h, const struct entry *e,
                    uint64_t *index, const struct logd_proc *p)
{
    json_t *arr = json_array(), *ans = NULL;
    uint8_t bytes[ENTRY_MAX_SIZE];
    size_t len = issuer_entry_bytes(e, bytes);
    int status;

    json_array_append_new(arr, issuer_submission_json(e));
    status = logd_api_post_entries(h, arr, &ans);
    if (status == 200 &&
        !answer_receipt(p, json_array_get(json_object_get(ans, "receipts"), 0),
                        bytes, len, index, NULL))
        status = -2;
    json_decref(ans);
    return status;
}

/* Signs e as `name` with key k's seed and the given key id. */
static void forge(struct entry *e, uint8_t type, const uint8_t cred[32],
                  const struct issuer *k, const char *name, uint32_t key_id)
{
    struct note_signer s = k->s;

    memset(s.name, 0, sizeof s.name);
    snprintf(s.name, sizeof s.name, "%s", name);
    s.key_id = key_id;
    memset(e, 0, sizeof *e);
    e->version = ENTRY_VERSION_2;
    e->type = type;
    memcpy(e->credential, cred, 32);
    e->timestamp_ms = issuer_now_ms();
    if (entry_sign(e, issuer_origin(), &s) != 0)
        abort();
    note_signer_wipe(&s);
}

static void expect_refused(struct client_http *h, const struct logd_proc *p,
                           const char *what, const struct entry *e, int want)
{
    int64_t before = logd_api_checkpoint(h, p, NULL, NULL);
    int status = post_one(h, e, NULL, p);

    CHECK_MSG(status == want, "%s: status %d, want %d", what, status, want);
    CHECK_MSG(logd_api_checkpoint(h, p, NULL, NULL) == before,
              "%s: the log changed", what);
}

struct late {
    const struct logd_proc *p;
    struct entry e;
    int status;
    char error[320];
};

static void *post_late(void *arg)
{
    struct late *l = arg;
    struct client_http *h;
    json_t *arr = json_array(), *ans = NULL;

    if (client_http_open(l->p->url, NULL, &h) != 0) {
        json_decref(arr);
        return NULL;
    }
    json_array_append_new(arr, issuer_submission_json(&l->e));
    l->status = logd_api_post_entries(h, arr, &ans);
    if (json_is_string(json_object_get(ans, "error")))
        snprintf(l->error, sizeof l->error, "%s",
                 json_string_value(json_object_get(ans, "error")));
    json_decref(ans);
    client_http_close(h);
    return NULL;
}

/* Polls /metrics until credlog_pending_entries is want (up to 30 s). */
static bool wait_pending(struct client_http *h, unsigned want)
{
    return logd_api_wait_metric(h, "credlog_pending_entries", want, 30000);
}

static int64_t wait_issuers(struct client_http *h, size_t want)
{
    struct wait w = wait_begin(10000);

    do {
        int64_t n = logd_api_authorized_keys(h);
        if (n >= 0 && (size_t)n == want)
            return n;
    } while (wait_more(&w));
    return -1;
}

static void test_keys(void)
{
    struct issuer a1, a2, b, u;
    struct note_verifier keys[3];
    struct logd_proc p;
    struct client_http *h;
    struct entry e;
    uint8_t c[32], by_a2[32], by_a2_later[32];
    uint64_t idx;

    issuer_make(&a1, "avans.nl");
    issuer_make(&a2, "avans.nl");
    issuer_make(&b, "tue.nl");
    issuer_make(&u, "avans.nl"); /* never registered */
    keys[0] = a1.v;
    keys[1] = a2.v;
    keys[2] = b.v;
    REQUIRE(logd_proc_init(&p, "security.example/log", keys, 3) == 0);
    REQUIRE(logd_proc_start(
                &p, (const char *const[]){"--heartbeat", "0", NULL}) == 0);
    REQUIRE(client_http_open(p.url, NULL, &h) == 0);

    /* Another institution's key, every way round. */
    check_rand_cred(&rnd, c);
    forge(&e, ENTRY_ISSUE, c, &b, "avans.nl", b.v.key_id);
    expect_refused(h, &p, "avans.nl with tue.nl's key id and signature", &e,
                   400);
    forge(&e, ENTRY_ISSUE, c, &b, "avans.nl", a1.v.key_id);
    expect_refused(h, &p, "avans.nl's key id, tue.nl's signature", &e, 400);
    forge(&e, ENTRY_ISSUE, c, &b, "avans.nl",
          note_key_id("avans.nl", NOTE_TYPE_ED25519, b.v.pub));
    expect_refused(h, &p, "tue.nl's key under avans.nl's name", &e, 400);
    issuer_entry(&e, ENTRY_ISSUE, c, &u, issuer_now_ms(), 0);
    expect_refused(h, &p, "an unregistered key", &e, 400);
    /* The genuine one is accepted (the refusals were not for the body). */
    issuer_entry(&e, ENTRY_ISSUE, c, &a1, issuer_now_ms(), 0);
    CHECK(post_one(h, &e, &idx, &p) == 200);
    /* And tue.nl's key cannot revoke it in avans.nl's name either. */
    forge(&e, ENTRY_REVOKE, c, &b, "avans.nl", a1.v.key_id);
    expect_refused(h, &p, "a REVOKE signed with another institution's key", &e,
                   400);

    /* a2 issues two credentials while it is authorized. */
    check_rand_cred(&rnd, by_a2);
    issuer_entry(&e, ENTRY_ISSUE, by_a2, &a2, issuer_now_ms(), 0);
    CHECK(post_one(h, &e, &idx, &p) == 200);
    check_rand_cred(&rnd, by_a2_later);
    issuer_entry(&e, ENTRY_ISSUE, by_a2_later, &a2, issuer_now_ms(), 0);
    CHECK(post_one(h, &e, &idx, &p) == 200);

    /* A submission by a2 passes the HTTP checks and waits in a 3 s batch
     * window; meanwhile a2 is removed. The sequencer applies the KEY entry
     * first and refuses the submission. */
    client_http_close(h);
    CHECK(logd_proc_stop(&p) == 0);
    REQUIRE(logd_proc_start(&p, (const char *const[]){"--heartbeat", "0",
                                                      "--batch-wait", "5000",
                                                      NULL}) == 0);
    REQUIRE(client_http_open(p.url, NULL, &h) == 0);
    {
        struct late l;
        pthread_t t;
        int64_t before = logd_api_checkpoint(h, &p, NULL, NULL);
        memset(&l, 0, sizeof l);
        l.p = &p;
        check_rand_cred(&rnd, c);
        issuer_entry(&l.e, ENTRY_ISSUE, c, &a2, issuer_now_ms(), 0);
        pthread_create(&t, NULL, post_late, &l);
        /* Wait until it has passed the HTTP checks and waits for the
         * sequencer (however slow the machine), then remove its key. */
        CHECK(wait_pending(h, 1));
        CHECK(logd_proc_write_issuers(&p, (struct note_verifier[]){a1.v, b.v},
                                      2) == 0);
        CHECK(logd_proc_signal(&p, SIGHUP) == 0);
        pthread_join(t, NULL);
        CHECK_MSG(l.status == 403 && strstr(l.error, "not authorized") != NULL,
                  "late submission by a removed key: %d %s", l.status, l.error);
        CHECK(wait_issuers(h, 2) == 2);
        /* Only the KEY entry and a MAP entry were appended. */
        CHECK(logd_api_checkpoint(h, &p, NULL, NULL) == before + 2);
        char path[100], hex[65];
        int status;
        codec_hex_encode(c, 32, hex);
        snprintf(path, sizeof path, "/v1/status/%s", hex);
        json_t *st = logd_api_get_json(h, path, &status);
        CHECK(status == 200 && answer_status(&p, st, c, "unknown"));
        json_decref(st);
    }

    /* The removed key can neither issue nor revoke, also after a restart. */
    for (int round = 0; round < 2; round++) {
        check_rand_cred(&rnd, c);
        issuer_entry(&e, ENTRY_ISSUE, c, &a2, issuer_now_ms(), 0);
        expect_refused(h, &p, "ISSUE by a removed key", &e, 400);
        issuer_entry(&e, ENTRY_REVOKE, by_a2, &a2, issuer_now_ms(), 1);
        expect_refused(h, &p, "REVOKE by a removed key", &e, 400);
        if (round == 0) {
            client_http_close(h);
            CHECK(logd_proc_stop(&p) == 0);
            REQUIRE(logd_proc_start(&p, (const char *const[]){"--heartbeat",
                                                              "0", NULL}) == 0);
            REQUIRE(client_http_open(p.url, NULL, &h) == 0);
        }
    }
    /* avans.nl's other key still revokes what a2 issued. */
    issuer_entry(&e, ENTRY_REVOKE, by_a2, &a1, issuer_now_ms(), 3);
    CHECK(post_one(h, &e, &idx, &p) == 200);

    /* The log stays valid: a2's earlier entries were signed while it was
     * authorized (the replay checks each against the keys at its index). */
    {
        struct mirror m;
        int64_t size = logd_api_checkpoint(h, &p, NULL, NULL);
        uint64_t counts[5] = {0};
        memset(&m, 0, sizeof m);
        CHECK(size > 0 && mirror_fetch(h, &m, (uint64_t)size));
        CHECK(mirror_replay(&m, counts));
        CHECK(counts[ENTRY_KEY] == 4); /* three added, one removed */
        mirror_free(&m);
    }
    client_http_close(h);
    CHECK(logd_proc_stop(&p) == 0);
    logd_proc_cleanup(&p);
    note_signer_wipe(&a1.s);
    note_signer_wipe(&a2.s);
    note_signer_wipe(&b.s);
    note_signer_wipe(&u.s);
}

/* ---- the log key stays inside logd ---- */

/* The ways a private key could be written out: the key file's text, its
 * base64 blob, the seed in hex and in base64. */
struct secret {
    char forms[4][NOTE_KEY_TEXT_MAX + 1];
};

static void secret_of(const struct note_signer *s, struct secret *out)
{
    char text[NOTE_KEY_TEXT_MAX + 1];
    int n = note_signer_format(s, text, sizeof text);
    const char *blob;

    memset(out, 0, sizeof *out);
    if (n < 0)
        abort();
    snprintf(out->forms[0], sizeof out->forms[0], "%s", text);
    /* PRIVATE+KEY+<name>+<id>+<base64>: the name has no '+', but the base64
     * may, so the blob starts after the fourth '+', not the last. */
    blob = text;
    for (int i = 0; i < 4; i++)
        blob = strchr(blob, '+') + 1;
    snprintf(out->forms[1], sizeof out->forms[1], "%s", blob);
    codec_hex_encode(s->seed, 32, out->forms[2]);
    codec_b64_encode(s->seed, 32, out->forms[3]);
    /* Unpadded base64 too: drop the trailing '='. */
    out->forms[3][strcspn(out->forms[3], "=")] = '\0';
}

static bool contains_secret(const char *text, size_t len,
                            const struct secret *s)
{
    for (int i = 0; i < 4; i++) {
        size_t n = strlen(s->forms[i]);
        for (size_t k = 0; n > 0 && k + n <= len; k++)
            if (memcmp(text + k, s->forms[i], n) == 0)
                return true;
    }
    return false;
}

/* The whole file (an empty string if it cannot be read); the caller frees
 * it. */
static char *slurp(const char *path, size_t *len)
{
    char *text = files_read(path, len);

    if (text == NULL) {
        *len = 0;
        text = calloc(1, 1);
    }
    return text;
}

static bool file_has_secret(const char *path, const struct secret *s)
{
    size_t len;
    char *text = slurp(path, &len);
    bool found = contains_secret(text, len, s);

    free(text);
    return found;
}

static bool answer_has_secret(struct client_http *h, const char *path,
                              const struct secret *s)
{
    struct client_http_response r;
    bool found;

    if (client_http_get(h, path, &r) != 0)
        return false;
    found = contains_secret(r.body, r.body_len, s);
    client_http_response_free(&r);
    return found;
}

static void test_log_key_stays_inside(void)
{
    static const char *const paths[] = {
        "/checkpoint",
        "/v1/log-key",
        "/v1/issuers",
        "/metrics",
        "/healthz",
        "/v1/entries/0",
        "/v1/proof/inclusion?index=0&size=2",
        "/tile/0/000.p/2",
        "/tile/entries/000.p/2",
        "/nope",
        "/v1/entries/x",
    };
    struct issuer a;
    struct logd_proc p;
    struct client_http *h;
    struct secret sec;
    struct entry e;
    uint8_t c[32];
    FILE *f;

    issuer_make(&a, "a.example");
    REQUIRE(logd_proc_init(&p, "secret.example/log", &a.v, 1) == 0);
    secret_of(&p.log_key, &sec);

    /* The test's own detector works on the key file itself. */
    CHECK(file_has_secret(p.key_path, &sec));

    /* A key file that others may read is refused, without quoting it. */
    chmod(p.key_path, 0604);
    CHECK(logd_proc_start(&p, NULL) != 0);
    CHECK(logd_proc_log_contains(&p, "accessible by group or others"));
    chmod(p.key_path, 0600);

    /* A key file that does not parse (a stray character): not quoted. */
    {
        size_t len;
        char *text = slurp(p.key_path, &len);
        char *bad = calloc(1, len + 8);
        memcpy(bad, text, len);
        bad[strcspn(bad, "\n")] = '\0';
        strcat(bad, "!\n");
        int fd = open(p.key_path, O_WRONLY | O_TRUNC);
        CHECK(fd >= 0 && write(fd, bad, strlen(bad)) == (ssize_t)strlen(bad));
        close(fd);
        CHECK(logd_proc_start(&p, NULL) != 0);
        CHECK(logd_proc_log_contains(&p, "not a signer key"));
        fd = open(p.key_path, O_WRONLY | O_TRUNC);
        CHECK(fd >= 0 && write(fd, text, len) == (ssize_t)len);
        close(fd);
        free(text);
        free(bad);
    }

    /* A normal life: start, submissions good and bad, SIGHUP (a broken
     * issuers file, then a good one), stop. */
    REQUIRE(logd_proc_start(
                &p, (const char *const[]){"--heartbeat", "0", NULL}) == 0);
    REQUIRE(client_http_open(p.url, NULL, &h) == 0);
    check_rand_cred(&rnd, c);
    issuer_entry(&e, ENTRY_ISSUE, c, &a, issuer_now_ms(), 0);
    CHECK(post_one(h, &e, NULL, &p) == 200);
    e.signature[0] ^= 1;
    CHECK(post_one(h, &e, NULL, &p) == 400);
    f = fopen(p.issuers_path, "w");
    fputs("nonsense\n", f);
    fclose(f);
    logd_proc_signal(&p, SIGHUP);
    CHECK(logd_proc_wait_log(&p, "keeping the current", 10000));
    CHECK(logd_proc_write_issuers(&p, &a.v, 1) == 0);
    logd_proc_signal(&p, SIGHUP);
    CHECK(logd_proc_wait_log(&p, "issuer keys unchanged", 10000));
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++)
        CHECK_MSG(!answer_has_secret(h, paths[i], &sec),
                  "the log key in GET %s", paths[i]);
    client_http_close(h);
    CHECK(logd_proc_stop(&p) == 0);
    CHECK(logd_proc_log_contains(&p, "logd: stopped"));
    CHECK_MSG(!file_has_secret(p.log_path, &sec),
              "the log key is in logd's log %s", p.log_path);

    /* logd --dev: neither the log key nor the demo issuer's key is printed. */
    {
        char data[LOGD_PROC_PATH_MAX + 8];
        char key[LOGD_PROC_PATH_MAX + 32];
        struct note_signer dk;
        struct secret dsec;
        size_t len;
        snprintf(data, sizeof data, "%s/dev", p.dir);
        /* Its stdout goes to p.out_path, its stderr to p.log_path. */
        CHECK(logd_proc_start_argv(
                  &p, NULL,
                  (const char *const[]){"--dev", "--data", data, "--listen",
                                        "127.0.0.1:0", NULL}) == 0);
        CHECK(logd_proc_stop(&p) == 0);
        for (int k = 0; k < 2; k++) {
            snprintf(key, sizeof key, "%s/%s", data,
                     k == 0 ? "log.key" : "demo-issuer.key");
            char *text = slurp(key, &len);
            bool parsed = note_signer_parse(text, len, &dk) == 0;
            CHECK_MSG(parsed, "%s", key);
            OPENSSL_cleanse(text, len);
            free(text);
            if (!parsed)
                continue;
            secret_of(&dk, &dsec);
            note_signer_wipe(&dk);
            CHECK_MSG(!file_has_secret(p.out_path, &dsec) &&
                          !file_has_secret(p.log_path, &dsec),
                      "logd --dev printed %s", key);
            OPENSSL_cleanse(&dsec, sizeof dsec);
        }
    }
    OPENSSL_cleanse(&sec, sizeof sec);
    logd_proc_cleanup(&p);
    note_signer_wipe(&a.s);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    logd_proc_require();
    test_keys();
    test_log_key_stays_inside();
    return check_finish();
}
