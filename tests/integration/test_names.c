/*
 * test_names.c: issuer names that could pass for another name (issue 10,
 * item 5). A name holding a zero-width, direction-changing or other
 * invisible character ("avans.nl" followed by U+200B) is a valid note key
 * name, but no issuer may use it now:
 *  - credlog keygen refuses to make such a key, naming the code point;
 *  - credlog issue refuses a key file with such a name before it sends
 *    anything;
 *  - logd refuses to start with an issuers file listing one (naming the
 *    line), keeps its keys when SIGHUP brings one, and answers a
 *    submission naming one with 400 and the code point;
 *  - an entry logged before the rule still verifies, but the verdict shows
 *    the name with its code points escaped (text and JSON) and warns, so the
 *    look-alike cannot hide.
 * Runs the real $CREDLOG_BIN and $LOGD_BIN with HOME in a temp directory.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "client/doc.h"
#include "credlog_run.h"
#include "files.h"
#include "issuer.h"
#include "minilog.h"
#include "minilog_server.h"
#include "proofs/codec.h"

/* Paths here are short temp paths in fixed buffers; gcc cannot see that. */
#pragma GCC diagnostic ignored "-Wformat-truncation"

#include <openssl/sha.h>

#include "client/api.h"
#include "client/clock.h"
#include "logd_proc.h"

#define ZWSP "\xe2\x80\x8b" /* U+200B ZERO WIDTH SPACE */
#define RLO "\xe2\x80\xae"  /* U+202E RIGHT-TO-LEFT OVERRIDE */

static char dir[512];

static void path_in(char *buf, size_t cap, const char *name)
{
    snprintf(buf, cap, "%s/%s", dir, name);
}

static void test_keygen(void)
{
    struct credlog_run r;
    char prefix[1024], key[1100];

    path_in(prefix, sizeof prefix, "lookalike");
    CREDLOG_RUN(&r, "keygen", "--name", "avans.nl" ZWSP, "--out", prefix);
    CREDLOG_EXPECT(&r, 2, "U+200B");
    CHECK_MSG(strstr(r.err, "invisible or direction-changing") != NULL &&
                  strstr(r.err, "avans.nl\\u{200B}") != NULL &&
                  strstr(r.err, ZWSP) == NULL,
              "stderr: %s", r.err);
    credlog_run_free(&r);
    snprintf(key, sizeof key, "%s.key", prefix);
    CHECK(!files_exists(key));
    CREDLOG_RUN(&r, "keygen", "--name", RLO "ln.snava", "--out", prefix);
    CREDLOG_EXPECT(&r, 2, "U+202E");
    credlog_run_free(&r);
    CHECK(!files_exists(key));
    /* A name that is merely not ASCII is fine. */
    path_in(prefix, sizeof prefix, "utf8");
    CREDLOG_RUN(&r, "keygen", "--name", "universit\xc3\xa9.example", "--out",
                prefix);
    CREDLOG_EXPECT(&r, 0, NULL);
    credlog_run_free(&r);
}

/* Writes a signer key file for name (a key made without credlog keygen). */
static void write_signer(const char *path, const char *name,
                         struct note_signer *s)
{
    char text[NOTE_KEY_TEXT_MAX + 2];
    int n;
    uint8_t seed[32];

    memset(seed, 0x5a, sizeof seed);
    if (note_signer_from_seed(name, seed, s) != 0)
        abort();
    n = note_signer_format(s, text, sizeof text - 1);
    if (n < 0)
        abort();
    text[n++] = '\n';
    files_write(path, text, (size_t)n);
    chmod(path, 0600);
}

static void test_logd(void)
{
    static struct logd_proc p;
    struct note_signer good, bad;
    struct note_verifier keys[2];
    struct client_api *api;
    struct client_refusal ref;
    struct client_receipt receipt;
    struct entry e;
    struct credlog_run r;
    char good_key[1024], bad_key[1024], cred[1024], why[CLIENT_REASON_MAX];
    uint8_t h[32];
    int rc;

    path_in(good_key, sizeof good_key, "good.key");
    path_in(bad_key, sizeof bad_key, "bad.key");
    write_signer(good_key, "avans.nl", &good);
    write_signer(bad_key, "avans.nl" ZWSP, &bad);
    note_signer_verifier(&good, &keys[0]);
    note_signer_verifier(&bad, &keys[1]);

    /* An issuers file listing the look-alike: logd will not start. */
    REQUIRE(logd_proc_init(&p, "names.credlog.test", keys, 2) == 0);
    if (logd_proc_start(&p, NULL) == 0) {
        CHECK_MSG(0, "logd started with a look-alike in its issuers file");
        logd_proc_stop(&p);
    }
    {
        char *log = files_read(p.log_path, NULL);
        CHECK_MSG(log != NULL && strstr(log, ", line ") != NULL &&
                      strstr(log, "invisible or direction-changing") != NULL,
                  "logd said: %s", log != NULL ? log : "(nothing)");
        free(log);
    }

    /* With the real name only, it starts; the look-alike's submission is
     * refused with 400, naming the code point, and nothing is logged. */
    REQUIRE(logd_proc_write_issuers(&p, keys, 1) == 0);
    REQUIRE(logd_proc_start(&p, NULL) == 0);
    /* SIGHUP with the look-alike added: logd keeps the keys it has. */
    REQUIRE(logd_proc_write_issuers(&p, keys, 2) == 0);
    REQUIRE(logd_proc_signal(&p, SIGHUP) == 0);
    CHECK_MSG(logd_proc_wait_log(&p, "keeping the current issuer keys", 10000),
              "see %s", p.log_path);
    REQUIRE(client_api_open(p.url, NULL, &api, why) == 0);
    memset(h, 0x42, sizeof h);
    issuer_sign_entry(&e, ENTRY_ISSUE, h, &bad, client_clock_now_ms(), 0);
    memset(&ref, 0, sizeof ref);
    rc = client_api_submit(api, &e, 1, &receipt, &ref, why);
    CHECK_MSG(rc == CLIENT_ERR_REFUSED && ref.http_status == 400 &&
                  strstr(ref.message, "U+200B") != NULL &&
                  strstr(ref.message, "invisible") != NULL,
              "rc %d, HTTP %d: %s", rc, ref.http_status, ref.message);
    if (rc == 0)
        client_receipt_free(&receipt);
    client_api_close(api);

    /* credlog issue refuses the look-alike key file before sending. */
    path_in(cred, sizeof cred, "c.json");
    files_write(cred, "{\"id\":\"c-1\"}\n", 13);
    CREDLOG_RUN(&r, "issue", "--log", p.url, "--log-key", p.log_vkey, "--key",
                bad_key, cred);
    CHECK_MSG(r.status != 0 && strstr(r.err, "U+200B") != NULL &&
                  strstr(r.err, "invisible") != NULL,
              "exit %d\n%s%s", r.status, r.out, r.err);
    credlog_run_free(&r);
    /* The real key still issues. */
    CREDLOG_RUN(&r, "issue", "--log", p.url, "--log-key", p.log_vkey, "--key",
                good_key, cred);
    CREDLOG_EXPECT(&r, 0, "issued");
    credlog_run_free(&r);
    logd_proc_cleanup(&p);
    note_signer_wipe(&good);
    note_signer_wipe(&bad);
}

/* A log that authorized a look-alike before the rule: its entries verify,
 * and the verdict shows the name so that it cannot pass for avans.nl. */
static void test_old_entry_verdict(void)
{
    static struct minilog ml;
    struct note_signer old;
    struct client_receipt rc;
    struct entry e;
    struct credlog_run r;
    char vkey[NOTE_KEY_TEXT_MAX + 1], file[1024], rpath[1100], *text;
    const char *doc = "{\"id\":\"old-1\"}\n";
    uint8_t h[32], seed[32];
    uint64_t now = client_clock_now_ms(), i;
    json_t *j;

    minilog_init(&ml, "old.example.org", 3);
    note_verifier_format(&ml.vkey, vkey, sizeof vkey);
    memset(seed, 4, sizeof seed);
    REQUIRE(note_signer_from_seed("avans.nl" ZWSP, seed, &old) == 0);
    minilog_append_key(&ml, ENTRY_KEY_ADD, &old, now - 3600000);
    path_in(file, sizeof file, "old.json");
    files_write(file, doc, strlen(doc));
    SHA256((const uint8_t *)doc, strlen(doc), h);
    issuer_sign_entry(&e, ENTRY_ISSUE, h, &old, now - 3000000, 0);
    i = minilog_append(&ml, &e);
    minilog_append_map(&ml, now - 3000000, NULL);
    minilog_receipt(&ml, i, ml.n, &rc);
    j = client_receipt_to_json(&rc);
    text = json_dumps(j, JSON_INDENT(2));
    snprintf(rpath, sizeof rpath, "%s.receipt.json", file);
    files_write(rpath, text, strlen(text));
    free(text);
    json_decref(j);
    client_receipt_free(&rc);

    CREDLOG_RUN(&r, "verify", "--log-key", vkey, file);
    CREDLOG_EXPECT(&r, 0, "VALID: issued by avans.nl\\u{200B} on ");
    CHECK_MSG(strstr(r.out, ZWSP) == NULL &&
                  strstr(r.out, "warning: the issuer's name holds an "
                                "invisible or direction-changing") != NULL,
              "stdout: %s", r.out);
    credlog_run_free(&r);
    CREDLOG_RUN(&r, "verify", "--log-key", vkey, file, "--json");
    CREDLOG_EXPECT(&r, 0, "\"issuer_escaped\": \"avans.nl\\\\u{200B}\"");
    CHECK_MSG(strstr(r.out, "\"issuer_warning\": ") != NULL &&
                  strstr(r.out, "\"issuer\": \"avans.nl" ZWSP "\"") != NULL,
              "stdout: %s", r.out);
    credlog_run_free(&r);
    minilog_free(&ml);
    note_signer_wipe(&old);
}

int main(void)
{
    logd_proc_require();
    credlog_run_require();
    signal(SIGPIPE, SIG_IGN);
    files_tmpdir(dir, sizeof dir, "names");
    snprintf(credlog_run_home, sizeof credlog_run_home, "%s", dir);
    test_keygen();
    test_logd();
    test_old_entry_verdict();
    if (check_failed == 0)
        files_rmtree(dir);
    else
        fprintf(stderr, "kept %s\n", dir);
    return check_finish();
}
