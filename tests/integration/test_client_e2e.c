/*
 * test_client_e2e.c: the three users' jobs, end to end, with the real credlog
 * command against real logds on loopback (tests/support/logd_proc.h):
 * keygen -> issue -> verify VALID (offline and online) -> re-issue (existing
 * receipt) -> revoke -> verify REVOKED -> never issued NOT ISSUED -> tampered
 * file, tampered receipt, receipt from another log key INVALID; a saved
 * bundle verifies with logd stopped; the monitor follows the growing log
 * across runs and restarts, and catches a fork (a second logd with the same
 * key and a different history). Status proofs age: --max-age refuses one
 * older than it, online and from a bundle, and a logd with a short
 * --heartbeat keeps its status proofs fresh while idle.
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
#include "credlog_run.h"
#include "files.h"
#include "minilog.h"
#include "wait.h"

/* Paths here are short temp paths in fixed buffers; gcc cannot see that. */
#pragma GCC diagnostic ignored "-Wformat-truncation"

#include "client/clock.h"
#include "logd_proc.h"

static char dir[512];
static char key_prefix[1024], key_file[1100];

static void file_path(char *buf, size_t cap, const char *name)
{
    snprintf(buf, cap, "%s/%s", dir, name);
}

static void write_credential(const char *name, const char *content)
{
    char path[1200];

    file_path(path, sizeof path, name);
    files_write(path, content, strlen(content));
}

/* Copies src's receipt beside dst; if after is given, the character right
 * after its first occurrence is changed. */
static void copy_receipt(const char *src, const char *dst, const char *after)
{
    char sp[1200], dp[1200], *text, *at;

    snprintf(sp, sizeof sp, "%s/%s.receipt.json", dir, src);
    snprintf(dp, sizeof dp, "%s/%s.receipt.json", dir, dst);
    text = files_read(sp, NULL);
    if (text == NULL)
        abort();
    if (after != NULL && (at = strstr(text, after)) != NULL) {
        at += strlen(after);
        *at = *at == '0' ? '1' : '0';
    }
    files_write(dp, text, strlen(text));
    free(text);
}

/* Runs the next credlog commands with their wall clock shifted by s
 * seconds (tests/clockshift); 0 stops shifting. */
static void clock_shift(long long s)
{
    static char asan[1024];
    static bool saved;
    const char *lib = getenv("CREDLOG_CLOCKSHIFT_LIB");
    char v[32];

    REQUIRE(lib != NULL && lib[0] != '\0');
    if (!saved) {
        const char *a = getenv("ASAN_OPTIONS");
        snprintf(asan, sizeof asan, "%s", a != NULL ? a : "");
        saved = true;
    }
    if (s == 0) {
        unsetenv("LD_PRELOAD");
        unsetenv("CREDLOG_CLOCKSHIFT_S");
        setenv("ASAN_OPTIONS", asan, 1);
        return;
    }
    char opts[1100];
    snprintf(opts, sizeof opts, "%s%sverify_asan_link_order=0", asan,
             asan[0] ? ":" : "");
    snprintf(v, sizeof v, "%lld", s);
    setenv("ASAN_OPTIONS", opts, 1);
    setenv("CREDLOG_CLOCKSHIFT_S", v, 1);
    setenv("LD_PRELOAD", lib, 1);
}

static void run_e2e(void)
{
    static struct logd_proc p, other, fork;
    struct note_verifier issuer;
    struct credlog_run r;
    char path[1200], path2[1200], bundle[1200], state[1200], *text;
    char files[300][32];
    const char *args[320];
    uint64_t last_write;

    /* The institution makes its key; the operator authorizes it. */
    snprintf(key_prefix, sizeof key_prefix, "%s/avans", dir);
    snprintf(key_file, sizeof key_file, "%s.key", key_prefix);
    CREDLOG_RUN(&r, "keygen", "--name", "avans.nl", "--out", key_prefix);
    CREDLOG_EXPECT(&r, 0, "verifier key: avans.nl+");
    credlog_run_free(&r);
    snprintf(path, sizeof path, "%s.vkey", key_prefix);
    text = files_read(path, NULL);
    REQUIRE(text != NULL &&
            note_verifier_parse(text, strlen(text), &issuer) == 0);
    free(text);
    REQUIRE(logd_proc_init(&p, "log.credlog.test", &issuer, 1) == 0);
    REQUIRE(logd_proc_start(&p, NULL) == 0);

    /* Issue two credentials. */
    write_credential(
        "diploma-1.json",
        "{\"id\":\"5b1c9e0a\",\"name\":\"Ada\",\"degree\":\"BSc\"}\n");
    write_credential(
        "diploma-2.json",
        "{\"id\":\"77f0aa12\",\"name\":\"Bob\",\"degree\":\"MSc\"}\n");
    write_credential("never.json", "{\"id\":\"00000000\",\"name\":\"Eve\"}\n");
    char d1[1200], d2[1200], never[1200];
    file_path(d1, sizeof d1, "diploma-1.json");
    file_path(d2, sizeof d2, "diploma-2.json");
    file_path(never, sizeof never, "never.json");
    CREDLOG_RUN(&r, "issue", "--log", p.url, "--key", key_file, "--log-key",
                p.vkey_path, d1);
    CREDLOG_EXPECT(&r, 0, "issued");
    credlog_run_free(&r);
    /* d2 unsalted: its key is the same whenever it is computed, so issuing
     * it again without its receipt below meets its revocation. (A salted
     * credential issued again without its receipt gets a new salt, and so
     * is a new credential to the log: docs/guide-institutions.md.) */
    CREDLOG_RUN(&r, "issue", "--log", p.url, "--key", key_file, "--no-salt",
                d2);
    CREDLOG_EXPECT(&r, 0, "issued");
    credlog_run_free(&r);
    snprintf(path, sizeof path, "%s.receipt.json", d1);
    CHECK(files_exists(path));

    /* The verifier: offline, then online. */
    CREDLOG_RUN(&r, "verify", "--log-key", p.vkey_path, d1);
    CREDLOG_EXPECT(&r, 0, "VALID: issued by avans.nl on ");
    credlog_run_free(&r);
    CREDLOG_RUN(&r, "verify", "--log-key", p.log_vkey, "--log", p.url, d1);
    CREDLOG_EXPECT(&r, 0, "not revoked as of");
    credlog_run_free(&r);

    /* Re-running issue is safe: the existing receipt comes back. */
    CREDLOG_RUN(&r, "issue", "--log", p.url, "--key", key_file, d1);
    CREDLOG_EXPECT(&r, 0, "already issued");
    credlog_run_free(&r);
    CREDLOG_RUN(
        &r, "issue", "--log", p.url, "--key", key_file, "--hash",
        "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff");
    CREDLOG_EXPECT(&r, 0,
                   "\"credential_hash\":\"00112233445566778899aabbccddeeff");
    credlog_run_free(&r);

    /* Revoke one. */
    CREDLOG_RUN(&r, "revoke", "--log", p.url, "--key", key_file, "--reason",
                "superseded", d2);
    CREDLOG_EXPECT(&r, 0, "revoked");
    credlog_run_free(&r);
    CREDLOG_RUN(&r, "revoke", "--log", p.url, "--key", key_file, d2);
    CREDLOG_EXPECT(&r, 0, "already revoked");
    credlog_run_free(&r);
    /* Issuing a revoked credential again does not revive it, and says so
     * (issue 10, item 6): exit 3, no receipt written over the old one. */
    snprintf(path, sizeof path, "%s.receipt.json", d2);
    unlink(path);
    CREDLOG_RUN(&r, "issue", "--log", p.url, "--key", key_file, "--no-salt",
                d2);
    CREDLOG_EXPECT(&r, 3, "is not issued again");
    CHECK(strstr(r.err, "revoked at entry ") != NULL);
    credlog_run_free(&r);
    CHECK(!files_exists(path));
    CREDLOG_RUN(&r, "issue", "--log", p.url, "--key", key_file, "--no-salt",
                "--json", d2);
    CREDLOG_EXPECT(&r, 3, "\"status\": \"revoked\"");
    CHECK(strstr(r.out, "\"revoked_index\":") != NULL);
    credlog_run_free(&r);
    /* A batch with a fresh credential: that one is issued, the exit is 3. */
    write_credential("diploma-3.json", "{\"id\":\"c0ffee03\"}\n");
    file_path(path2, sizeof path2, "diploma-3.json");
    CREDLOG_RUN(&r, "issue", "--log", p.url, "--key", key_file, "--no-salt", d2,
                path2);
    CREDLOG_EXPECT(&r, 3, "issued ");
    CHECK(strstr(r.err, "revoked ") != NULL);
    credlog_run_free(&r);
    CREDLOG_RUN(&r, "verify", "--log-key", p.log_vkey, "--log", p.url, d2);
    CREDLOG_EXPECT(&r, 1, "REVOKED: issued by avans.nl on");
    CHECK(strstr(r.out, "(reason: superseded)") != NULL);
    credlog_run_free(&r);
    CREDLOG_RUN(&r, "verify", "--log-key", p.log_vkey, "--log", p.url, d1);
    CREDLOG_EXPECT(&r, 0, "VALID");
    credlog_run_free(&r);

    /* Never issued; and the log refuses to revoke it. */
    CREDLOG_RUN(&r, "verify", "--log-key", p.log_vkey, "--log", p.url, never);
    CREDLOG_EXPECT(&r, 1, "NOT ISSUED");
    credlog_run_free(&r);
    CREDLOG_RUN(&r, "revoke", "--log", p.url, "--key", key_file, never);
    CREDLOG_EXPECT(&r, 2, "no receipt");
    credlog_run_free(&r);
    CREDLOG_RUN(&r, "revoke", "--log", p.url, "--key", key_file, "--no-salt",
                never);
    CREDLOG_EXPECT(&r, 1, "refused");
    credlog_run_free(&r);

    /* Tampered file (its receipt is diploma-1's). */
    write_credential(
        "tampered.json",
        "{\"id\":\"5b1c9e0a\",\"name\":\"Ada\",\"degree\":\"PhD\"}\n");
    copy_receipt("diploma-1.json", "tampered.json", NULL);
    file_path(path, sizeof path, "tampered.json");
    CREDLOG_RUN(&r, "verify", "--log-key", p.log_vkey, path);
    CREDLOG_EXPECT(&r, 2, "INVALID: the credential's hash");
    credlog_run_free(&r);
    CREDLOG_RUN(&r, "verify", "--log-key", p.log_vkey, "--log", p.url, path);
    CREDLOG_EXPECT(&r, 2, "INVALID");
    credlog_run_free(&r);
    /* Tampered receipt: a changed inclusion hash. */
    write_credential(
        "copy.json",
        "{\"id\":\"5b1c9e0a\",\"name\":\"Ada\",\"degree\":\"BSc\"}\n");
    copy_receipt("diploma-1.json", "copy.json", "\"inclusion\": [\n    \"");
    file_path(path, sizeof path, "copy.json");
    CREDLOG_RUN(&r, "verify", "--log-key", p.log_vkey, path);
    CREDLOG_EXPECT(&r, 2, "INVALID: receipt entry's inclusion proof");
    credlog_run_free(&r);

    /* A receipt from another log (another key). */
    REQUIRE(logd_proc_init(&other, "log.credlog.test", &issuer, 1) == 0);
    REQUIRE(logd_proc_start(&other, NULL) == 0);
    write_credential("elsewhere.json", "{\"id\":\"a9a9a9a9\"}\n");
    file_path(path, sizeof path, "elsewhere.json");
    CREDLOG_RUN(&r, "issue", "--log", other.url, "--key", key_file, "--log-key",
                other.log_vkey, path);
    CREDLOG_EXPECT(&r, 0, "issued");
    credlog_run_free(&r);
    CREDLOG_RUN(&r, "verify", "--log-key", p.log_vkey, path);
    CREDLOG_EXPECT(&r, 2,
                   "INVALID: receipt: checkpoint is not signed by the log key");
    credlog_run_free(&r);
    CREDLOG_RUN(&r, "verify", "--log-key", other.log_vkey, path);
    CREDLOG_EXPECT(&r, 0, "VALID");
    credlog_run_free(&r);
    logd_proc_cleanup(&other);
    credlog_run_forget_pins(); /* its port may come back for another log */

    /* The monitor follows the log across runs. */
    snprintf(state, sizeof state, "%s/monitor", dir);
    CREDLOG_RUN(&r, "monitor", "--log", p.url, "--log-key", p.log_vkey,
                "--state", state, "--once");
    CREDLOG_EXPECT(&r, 0, "first check");
    CHECK(strstr(r.out, "avans.nl") != NULL);
    credlog_run_free(&r);
    {
        int n = 0;
        args[n++] = "issue";
        args[n++] = "--log";
        args[n++] = p.url;
        args[n++] = "--key";
        args[n++] = key_file;
        for (int k = 0; k < 300; k++) {
            snprintf(files[k], sizeof files[k], "bulk-%03d.txt", k);
            char content[64];
            snprintf(content, sizeof content, "bulk credential %d\n", k);
            write_credential(files[k], content);
            args[n++] = files[k];
        }
        args[n] = NULL;
        /* Relative names: run in dir. */
        char cwd[1024];
        REQUIRE(getcwd(cwd, sizeof cwd) != NULL);
        REQUIRE(chdir(dir) == 0);
        credlog_run_v(&r, args);
        REQUIRE(chdir(cwd) == 0);
        CREDLOG_EXPECT(&r, 0, "issued bulk-299.txt");
        credlog_run_free(&r);
    }
    last_write =
        client_clock_now_ms(); /* p's last batch, so its last MAP entry */
    CREDLOG_RUN(&r, "monitor", "--log", p.url, "--log-key", p.log_vkey,
                "--state", state, "--once");
    CREDLOG_EXPECT(&r, 0, "consistent");
    /* d1, d2, hash, diploma-3, bulk: 304 issued */
    CHECK(strstr(r.out, "304") != NULL);
    credlog_run_free(&r);

    /* status --save, then the bundle verifies with logd stopped. */
    snprintf(bundle, sizeof bundle, "%s/diploma-2.bundle", dir);
    CREDLOG_RUN(&r, "status", "--log", p.url, "--log-key", p.log_vkey, d2,
                "--save", bundle);
    CREDLOG_EXPECT(&r, 1, "REVOKED");
    credlog_run_free(&r);
    snprintf(path2, sizeof path2, "%s/diploma-1.bundle", dir);
    CREDLOG_RUN(&r, "status", "--log", p.url, "--log-key", p.log_vkey, d1,
                "--save", path2);
    CREDLOG_EXPECT(&r, 0, "VALID");
    credlog_run_free(&r);
    CHECK(logd_proc_stop(&p) == 0);
    CREDLOG_RUN(&r, "verify", "--log-key", p.log_vkey, d2, "--bundle", bundle);
    CREDLOG_EXPECT(&r, 1, "REVOKED");
    credlog_run_free(&r);
    CREDLOG_RUN(&r, "verify", "--log-key", p.log_vkey, d1, "--bundle", path2);
    CREDLOG_EXPECT(&r, 0, "VALID: issued by avans.nl");
    /* Issue 10, item 7: a verdict from a bundle says how old it is. */
    CHECK(strstr(r.out, "status proof from the bundle ") != NULL &&
          strstr(r.out, " old (--max-age 7 days)") != NULL);
    credlog_run_free(&r);
    CREDLOG_RUN(&r, "verify", "--log-key", p.log_vkey, "--json", d1, "--bundle",
                path2);
    CREDLOG_EXPECT(&r, 0, "\"status_age_ms\": ");
    credlog_run_free(&r);
    /* Eight days later (this credlog's wall clock moved), the bundle is
     * older than the default maximum age of a week... */
    clock_shift(8 * 86400);
    CREDLOG_RUN(&r, "verify", "--log-key", p.log_vkey, d1, "--bundle", path2);
    CREDLOG_EXPECT(&r, 2, "older than the maximum age of 7 days");
    CHECK(strstr(r.out, "status proof is 8 days old") != NULL);
    credlog_run_free(&r);
    /* ...unless the verifier accepts any age, and then it says how old. */
    CREDLOG_RUN(&r, "verify", "--log-key", p.log_vkey, d1, "--bundle", path2,
                "--max-age", "none");
    CREDLOG_EXPECT(&r, 0, "VALID: issued by avans.nl");
    CHECK(strstr(r.out, ": 8 days old (--max-age none)") != NULL);
    credlog_run_free(&r);
    /* A revocation in a bundle stays final however old. */
    CREDLOG_RUN(&r, "verify", "--log-key", p.log_vkey, d2, "--bundle", bundle);
    CREDLOG_EXPECT(&r, 1, "REVOKED");
    CHECK(strstr(r.out, ": 8 days old (--max-age 7 days)") != NULL);
    credlog_run_free(&r);
    /* An offline receipt says how long ago it was issued. */
    CREDLOG_RUN(&r, "verify", "--log-key", p.log_vkey, d1);
    CREDLOG_EXPECT(&r, 0, "receipt: issued 8 days ago; revocation not checked");
    credlog_run_free(&r);
    clock_shift(0);
    CREDLOG_RUN(&r, "verify", "--log-key", p.log_vkey, "--log", p.url,
                "--timeout", "5", d1);
    CREDLOG_EXPECT(&r, 2, "credlog:");
    credlog_run_free(&r);

    /* After a restart the monitor continues where it stopped. */
    REQUIRE(logd_proc_start(&p, NULL) == 0);
    credlog_run_forget_pins();
    CREDLOG_RUN(&r, "monitor", "--log", p.url, "--log-key", p.log_vkey,
                "--state", state, "--once");
    CREDLOG_EXPECT(&r, 0, NULL);
    CHECK(strstr(r.out, "first check") == NULL);
    credlog_run_free(&r);

    /* A fork: a second logd with the same key and its own history, larger. */
    REQUIRE(logd_proc_init_key(&fork, &p.log_key, &issuer, 1) == 0);
    REQUIRE(logd_proc_start(&fork, NULL) == 0);
    credlog_run_forget_pins();
    {
        int n = 0;
        args[n++] = "issue";
        args[n++] = "--log";
        args[n++] = fork.url;
        args[n++] = "--key";
        args[n++] = key_file;
        args[n++] = "--log-key";
        args[n++] = fork.log_vkey;
        args[n++] = "--hash";
        static char hashes[400][65];
        for (int k = 0; k < 310; k++) {
            snprintf(hashes[k], sizeof hashes[k], "%064x", k + 1);
            args[n++] = hashes[k];
        }
        args[n] = NULL;
        credlog_run_v(&r, args);
        CREDLOG_EXPECT(&r, 0, NULL);
        credlog_run_free(&r);
    }
    CREDLOG_RUN(&r, "monitor", "--log", fork.url, "--log-key", p.log_vkey,
                "--state", state, "--once");
    CREDLOG_EXPECT(&r, 1, "ALERT: fork");
    CHECK(strstr(r.out, "checkpoint verified before:") != NULL);
    credlog_run_free(&r);
    /* The real log is still fine, and the fork still alerts. */
    CREDLOG_RUN(&r, "monitor", "--log", p.url, "--log-key", p.log_vkey,
                "--state", state, "--once");
    CREDLOG_EXPECT(&r, 0, NULL);
    credlog_run_free(&r);
    CREDLOG_RUN(&r, "monitor", "--log", fork.url, "--log-key", p.log_vkey,
                "--state", state, "--once");
    CREDLOG_EXPECT(&r, 1, "ALERT");
    credlog_run_free(&r);
    /* A verifier who saw the real log's receipt and asks the fork: INVALID. */
    CREDLOG_RUN(&r, "verify", "--log-key", p.log_vkey, "--log", fork.url, d1);
    CREDLOG_EXPECT(&r, 2, "INVALID");
    credlog_run_free(&r);

    logd_proc_cleanup(&fork);

    /* The age of status proofs. p has appended nothing since last_write (its
     * heartbeat is 300 s): once 2.5 s have passed, its proofs and the bundle
     * saved from it are older than --max-age 2 (seconds), not than a day. */
    {
        /* The proofs' age is what is tested: wait until they are old. */
        struct wait w = wait_begin(10000);
        while (client_clock_now_ms() < last_write + 2500 && wait_more(&w))
            ;
    }
    credlog_run_forget_pins();
    CREDLOG_RUN(&r, "verify", "--log-key", p.log_vkey, "--log", p.url,
                "--max-age", "2", d1);
    CREDLOG_EXPECT(&r, 2, "INVALID: status proof is ");
    CHECK(strstr(r.out, " seconds old (as of ") != NULL &&
          strstr(r.out, "older than the maximum age of 2 seconds") != NULL);
    credlog_run_free(&r);
    CREDLOG_RUN(&r, "verify", "--log-key", p.log_vkey, "--log", p.url,
                "--max-age", "2", d2);
    CREDLOG_EXPECT(&r, 1, "REVOKED"); /* a revocation is final */
    credlog_run_free(&r);
    CREDLOG_RUN(&r, "verify", "--log-key", p.log_vkey, "--log", p.url, d1);
    CREDLOG_EXPECT(&r, 0, "VALID");
    credlog_run_free(&r);
    CREDLOG_RUN(&r, "verify", "--log-key", p.log_vkey, d1, "--bundle", path2,
                "--max-age", "2s");
    CREDLOG_EXPECT(&r, 2, "older than the maximum age of 2 seconds");
    credlog_run_free(&r);
    CREDLOG_RUN(&r, "status", "--log", p.url, "--log-key", p.log_vkey, d1,
                "--max-age", "2s", "--save", bundle);
    CREDLOG_EXPECT(&r, 2, "not saving");
    credlog_run_free(&r);
    /* With a one-second heartbeat the idle log appends MAP entries, and its
     * status proofs pass --max-age 2 again, seconds after the restart. */
    CHECK(logd_proc_stop(&p) == 0);
    {
        const char *extra[] = {"--heartbeat", "1", NULL};
        uint64_t started = client_clock_now_ms();
        bool fresh = false;
        REQUIRE(logd_proc_start(&p, extra) == 0);
        credlog_run_forget_pins();
        struct wait w = wait_begin(10000);
        /* Not synchronization: past 3 s, what the restart appended is older
         * than --max-age 2, so a fresh proof comes from a heartbeat. */
        while (client_clock_now_ms() < started + 3000 && wait_more(&w))
            ;
        w = wait_begin(30000);
        do {
            CREDLOG_RUN(&r, "verify", "--log-key", p.log_vkey, "--log", p.url,
                        "--max-age", "2", d1);
            fresh = r.status == 0 &&
                    strstr(r.out, "VALID: issued by avans.nl") != NULL;
            credlog_run_free(&r);
        } while (!fresh && wait_more(&w));
        CHECK_MSG(fresh, "a logd with --heartbeat 1 never served a status "
                         "proof under 2 s old");
    }
    logd_proc_cleanup(&p);
}

int main(void)
{
    logd_proc_require();
    credlog_run_require();
    files_tmpdir(dir, sizeof dir, "e2e");
    snprintf(credlog_run_home, sizeof credlog_run_home, "%s", dir);
    run_e2e();
    if (check_failed == 0)
        files_rmtree(dir);
    else
        fprintf(stderr, "kept %s\n", dir);
    return check_finish();
}
