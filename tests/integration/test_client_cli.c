/*
 * test_client_cli.c: the credlog command without logd. Help and usage errors
 * for every command, keygen, and verify/status/receipt against receipts and
 * status proofs built with proofs/ and served by the test's own static log
 * server: VALID, REVOKED, NOT ISSUED, INVALID (tampered file, tampered
 * receipt, another log's key), offline bundles, tlog-proof export, pinning,
 * and the age of status proofs (--max-age, its defaults online and offline,
 * MAP entries dated ahead of the clock).
 * Runs the real $CREDLOG_BIN with HOME in a temp directory.
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

#include <openssl/sha.h>

#include "client/bundle.h"
#include "client/clock.h"

static char dir[4096];
static struct minilog ml;
static struct note_signer issuer;
static char vkey[NOTE_KEY_TEXT_MAX + 1];
static const uint64_t T0 =
    1767225600000ull;     /* issuers' timestamps: 2026-01-01 */
static uint64_t now0;     /* the local clock when the test started */
static uint64_t last_map; /* the time of ml's last MAP entry */

/* The log's clock starts two hours before the test, so that its status
 * proofs are fresh enough for the default online --max-age (a day). */
static void append_map(uint64_t time_ms)
{
    last_map = time_ms;
    minilog_append_map(&ml, time_ms, NULL);
}

static void path_in(char *buf, size_t cap, const char *name)
{
    snprintf(buf, cap, "%s/%s", dir, name);
}

static void test_help_and_usage(void)
{
    static const char *cmds[] = {"keygen", "issue",   "revoke", "verify",
                                 "status", "receipt", "monitor"};
    struct credlog_run r;
    char want[64];

    CREDLOG_RUN(&r, "--help");
    CREDLOG_EXPECT(&r, 0, "usage: credlog <command>");
    credlog_run_free(&r);
    CREDLOG_RUN(&r, "frobnicate");
    CREDLOG_EXPECT(&r, 2, "unknown command");
    credlog_run_free(&r);
    {
        const char *none[] = {NULL};
        credlog_run_v(&r, none);
        CREDLOG_EXPECT(&r, 2, "usage");
        credlog_run_free(&r);
    }
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
        snprintf(want, sizeof want, "usage: credlog %s", cmds[i]);
        CREDLOG_RUN(&r, cmds[i], "--help");
        CREDLOG_EXPECT(&r, 0, want);
        credlog_run_free(&r);
        CREDLOG_RUN(&r, cmds[i], "--no-such-option");
        CREDLOG_EXPECT(&r, 2, "--help");
        credlog_run_free(&r);
        CREDLOG_RUN(&r, cmds[i]);
        CREDLOG_EXPECT(&r, 2, "--help");
        credlog_run_free(&r);
    }
    CREDLOG_RUN(&r, "issue", "--log", "http://127.0.0.1:1", "--key",
                "/nonexistent", "--hash", "abc");
    CREDLOG_EXPECT(&r, 2, "not a 64-digit hex hash");
    credlog_run_free(&r);
    CREDLOG_RUN(&r, "revoke", "--log", "http://x", "--key", "k", "--reason",
                "bored", "f");
    CREDLOG_EXPECT(&r, 2, "unknown reason");
    credlog_run_free(&r);
    CREDLOG_RUN(&r, "verify", "--log-key", vkey, "a", "b");
    CREDLOG_EXPECT(&r, 2, "exactly one");
    credlog_run_free(&r);
    CREDLOG_RUN(&r, "verify", "--log-key", "not-a-key", "/etc/hostname");
    CREDLOG_EXPECT(&r, 2, "neither a verifier key");
    credlog_run_free(&r);
    CREDLOG_RUN(&r, "receipt", "somefile");
    CREDLOG_EXPECT(&r, 2, "--tlog-proof");
    credlog_run_free(&r);
    CREDLOG_RUN(&r, "monitor", "--log", "http://127.0.0.1:1", "--log-key",
                vkey);
    CREDLOG_EXPECT(&r, 2, "--state");
    credlog_run_free(&r);
}

static void test_keygen(void)
{
    char prefix[4200], path[4300], *text;
    struct note_verifier v;
    struct note_signer s;
    struct stat st;
    struct credlog_run r;

    path_in(prefix, sizeof prefix, "inst");
    CREDLOG_RUN(&r, "keygen", "--name", "avans.nl", "--out", prefix);
    CREDLOG_EXPECT(&r, 0, "verifier key: avans.nl+");
    credlog_run_free(&r);
    snprintf(path, sizeof path, "%s.key", prefix);
    CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
    text = files_read(path, NULL);
    CHECK(text != NULL && note_signer_parse(text, strlen(text), &s) == 0);
    CHECK(strcmp(s.name, "avans.nl") == 0);
    free(text);
    snprintf(path, sizeof path, "%s.vkey", prefix);
    text = files_read(path, NULL);
    CHECK(text != NULL && note_verifier_parse(text, strlen(text), &v) == 0 &&
          memcmp(v.pub, s.pub, 32) == 0);
    free(text);
    note_signer_wipe(&s);
    /* Never overwrites; rejects bad names. */
    CREDLOG_RUN(&r, "keygen", "--name", "avans.nl", "--out", prefix);
    CREDLOG_EXPECT(&r, 2, "exists");
    credlog_run_free(&r);
    path_in(prefix, sizeof prefix, "bad");
    CREDLOG_RUN(&r, "keygen", "--name", "has space", "--out", prefix);
    CREDLOG_EXPECT(&r, 2, "invalid key name");
    credlog_run_free(&r);
    path_in(prefix, sizeof prefix, "j");
    CREDLOG_RUN(&r, "keygen", "--name", "j.example", "--out", prefix, "--json");
    CREDLOG_EXPECT(&r, 0, "\"verifier_key\": \"j.example+");
    credlog_run_free(&r);
}

/* Writes a credential file and returns its hash. */
static void make_credential(const char *name, const char *content,
                            uint8_t hash[32])
{
    char path[4200];

    path_in(path, sizeof path, name);
    files_write(path, content, strlen(content));
    SHA256((const uint8_t *)content, strlen(content), hash);
}

/* Issues hash in the minilog (ISSUE + MAP) and writes NAME.receipt.json. */
static uint64_t issue_in_log(const char *name, const uint8_t hash[32])
{
    struct client_receipt rc;
    struct entry e;
    char path[4300], *text;
    uint64_t i;
    json_t *j;

    issuer_sign_entry(&e, ENTRY_ISSUE, hash, &issuer, T0 + ml.n * 1000, 0);
    i = minilog_append(&ml, &e);
    minilog_map_set(&ml, hash, i, SMT_NONE);
    append_map(now0 - 2 * CLIENT_HOUR_MS + ml.n * 1000);
    minilog_receipt(&ml, i, ml.n, &rc);
    j = client_receipt_to_json(&rc);
    text = json_dumps(j, JSON_INDENT(2));
    snprintf(path, sizeof path, "%s/%s.receipt.json", dir, name);
    files_write(path, text, strlen(text));
    free(text);
    json_decref(j);
    client_receipt_free(&rc);
    return i;
}

static void test_verify(void)
{
    struct minilog_server srv;
    struct credlog_run r;
    struct entry e;
    struct minilog other;
    char file[4200], rpath[4300], tpath[4300], bundle[4300], vkey_file[4200],
        other_key[400];
    char unknown[4200], *text;
    uint8_t h[32], hu[32];
    uint64_t i;

    make_credential("diploma.json",
                    "{\"id\":\"7f3a\",\"name\":\"A. Student\"}\n", h);
    path_in(file, sizeof file, "diploma.json");
    snprintf(rpath, sizeof rpath, "%s.receipt.json", file);
    i = issue_in_log("diploma.json", h);

    /* Offline: VALID, with the key as a string, as a file, and as JSON. */
    CREDLOG_RUN(&r, "verify", "--log-key", vkey, file);
    CREDLOG_EXPECT(&r, 0, "VALID: issued by avans.nl on 2026-01-01");
    CHECK(strstr(r.out, "revocation not checked") != NULL);
    credlog_run_free(&r);
    path_in(vkey_file, sizeof vkey_file, "log.vkey");
    {
        char line[500];
        snprintf(line, sizeof line, "# the log key\n%s\n", vkey);
        files_write(vkey_file, line, strlen(line));
    }
    CREDLOG_RUN(&r, "verify", "--log-key", vkey_file, file, "--json");
    CREDLOG_EXPECT(&r, 0, "\"verdict\": \"VALID\"");
    CHECK(strstr(r.out, "\"revocation_checked\": false") != NULL);
    credlog_run_free(&r);

    /* A receipt checked with another log's key (same origin name). */
    minilog_init(&other, "log.example.org", 99);
    note_verifier_format(&other.vkey, other_key, sizeof other_key);
    CREDLOG_RUN(&r, "verify", "--log-key", other_key, file);
    CREDLOG_EXPECT(&r, 2,
                   "INVALID: receipt: checkpoint is not signed by the log key");
    credlog_run_free(&r);
    /* A receipt really made by another log (and its key): still not ours. */
    {
        struct minilog fake;
        struct client_receipt frc;
        json_t *j;
        char fpath[4300];
        minilog_init(&fake, "log.example.org", 99);
        minilog_append_key(&fake, ENTRY_KEY_ADD, &issuer, T0);
        issuer_sign_entry(&e, ENTRY_ISSUE, h, &issuer, T0, 0);
        minilog_append(&fake, &e);
        minilog_append_map(&fake, T0, NULL);
        minilog_receipt(&fake, 1, fake.n, &frc);
        j = client_receipt_to_json(&frc);
        text = json_dumps(j, 0);
        snprintf(fpath, sizeof fpath, "%s/fake.receipt.json", dir);
        files_write(fpath, text, strlen(text));
        CREDLOG_RUN(&r, "verify", "--log-key", vkey, file, "--receipt", fpath);
        CREDLOG_EXPECT(&r, 2, "INVALID");
        credlog_run_free(&r);
        CREDLOG_RUN(&r, "verify", "--log-key", other_key, file, "--receipt",
                    fpath);
        CREDLOG_EXPECT(&r, 0, "VALID");
        credlog_run_free(&r);
        free(text);
        json_decref(j);
        client_receipt_free(&frc);
        minilog_free(&fake);
    }

    /* Tampered file: one byte changed. */
    {
        char tampered[4200], trpath[4300];
        const char *content = "{\"id\":\"7f3b\",\"name\":\"A. Student\"}\n";
        path_in(tampered, sizeof tampered, "tampered.json");
        files_write(tampered, content, strlen(content));
        snprintf(trpath, sizeof trpath, "%s.receipt.json", tampered);
        text = files_read(rpath, NULL);
        files_write(trpath, text, strlen(text));
        free(text);
        CREDLOG_RUN(&r, "verify", "--log-key", vkey, tampered);
        CREDLOG_EXPECT(&r, 2, "INVALID: the credential's hash");
        credlog_run_free(&r);
    }
    /* Tampered receipt: index, a proof hash, the checkpoint, the entry. */
    {
        static const char *edits[][2] = {
            {"\"index\": ", "\"index\": 1"},
            {"\"inclusion\": [\n    \"", "\"inclusion\": [\n    \"f"},
            {"log.example.org\\n", "log.example.org\\n1"},
            {"\"entry\": \"Ag", "\"entry\": \"Ah"}, /* version 2 */
        };
        char trpath[4300];
        snprintf(trpath, sizeof trpath, "%s/t.receipt.json", dir);
        for (size_t k = 0; k < sizeof edits / sizeof edits[0]; k++) {
            char *orig = files_read(rpath, NULL),
                 *at = strstr(orig, edits[k][0]), *mod;
            REQUIRE(at != NULL);
            mod = malloc(strlen(orig) + 8);
            size_t pre = (size_t)(at - orig);
            memcpy(mod, orig, pre);
            strcpy(mod + pre, edits[k][1]);
            /* Replace the same number of characters as the edit adds. */
            strcat(mod, at + strlen(edits[k][1]));
            /* The log's hashes depend on its (clock-based) MAP times: make
             * sure the last character written really changed. */
            {
                size_t last = pre + strlen(edits[k][1]) - 1;
                if (mod[last] == orig[last])
                    mod[last] = mod[last] == 'f' ? 'e' : 'f';
            }
            files_write(trpath, mod, strlen(mod));
            CREDLOG_RUN(&r, "verify", "--log-key", vkey, file, "--receipt",
                        trpath);
            CHECK_MSG(r.status == 2 && (strstr(r.out, "INVALID") ||
                                        strstr(r.err, "credlog:")),
                      "edit %zu: exit %d\n%s%s", k, r.status, r.out, r.err);
            credlog_run_free(&r);
            free(mod);
            free(orig);
        }
    }
    /* No receipt offline: an error, not a verdict. */
    make_credential("unknown.json", "{\"id\":\"never\"}\n", hu);
    path_in(unknown, sizeof unknown, "unknown.json");
    CREDLOG_RUN(&r, "verify", "--log-key", vkey, unknown);
    CREDLOG_EXPECT(&r, 2, "no receipt");
    credlog_run_free(&r);

    /* C2SP tlog-proof export, and verify with it. */
    CREDLOG_RUN(&r, "receipt", "--tlog-proof", "--log-key", vkey, file);
    CREDLOG_EXPECT(&r, 0, "wrote");
    credlog_run_free(&r);
    snprintf(tpath, sizeof tpath, "%s.tlog-proof", file);
    text = files_read(tpath, NULL);
    CHECK(text != NULL &&
          strncmp(text, "c2sp.org/tlog-proof@v1\nextra ", 29) == 0);
    {
        char want[32];
        snprintf(want, sizeof want, "\nindex %llu\n", (unsigned long long)i);
        CHECK(text != NULL && strstr(text, want) != NULL);
    }
    free(text);
    /* A tlog-proof has no room for the MAP entry, key and key proof: alone it
     * cannot show that the issuer signed (protocol.md §E.4 step 1). */
    CREDLOG_RUN(&r, "verify", "--log-key", vkey, file, "--receipt", tpath);
    CREDLOG_EXPECT(&r, 2, "INVALID: the receipt has no MAP entry");
    CHECK(strstr(r.out, "check it online (--log URL)") != NULL);
    credlog_run_free(&r);
    CREDLOG_RUN(&r, "receipt", "--tlog-proof", "--log-key", other_key, rpath,
                "--out", "-");
    CREDLOG_EXPECT(&r, 2, "does not verify");
    credlog_run_free(&r);

    /* Online, against the test's static log server. */
    minilog_server_start(&srv, &ml);
    CREDLOG_RUN(&r, "verify", "--log-key", vkey, "--log", srv.url, file);
    CREDLOG_EXPECT(&r, 0, "VALID: issued by avans.nl on 2026-01-01");
    {
        char asof[100];
        snprintf(asof, sizeof asof, "not revoked as of ");
        client_time_format(last_map, asof + strlen(asof),
                           sizeof asof - strlen(asof));
        CHECK_MSG(strstr(r.out, asof) != NULL, "want \"%s\" in %s", asof,
                  r.out);
    }
    credlog_run_free(&r);
    /* Pinned on first use: no --log-key needed now, a different one refused. */
    CREDLOG_RUN(&r, "verify", "--log", srv.url, file, "--json");
    CREDLOG_EXPECT(&r, 0, "\"revocation_checked\": true");
    credlog_run_free(&r);
    CREDLOG_RUN(&r, "verify", "--log", srv.url, "--log-key", other_key, file);
    CREDLOG_EXPECT(&r, 2, "is not the key pinned for");
    credlog_run_free(&r);
    /* Never issued. */
    CREDLOG_RUN(&r, "verify", "--log-key", vkey, "--log", srv.url, unknown);
    CREDLOG_EXPECT(&r, 1, "NOT ISSUED");
    credlog_run_free(&r);
    {
        char hex[65];
        codec_hex_encode(hu, 32, hex);
        CREDLOG_RUN(&r, "status", "--log", srv.url, "--log-key", vkey, hex);
        CREDLOG_EXPECT(&r, 1, "NOT ISSUED");
        credlog_run_free(&r);
    }

    /* Revoke in the log; the receipt's checkpoint is now older: consistency. */
    issuer_sign_entry(&e, ENTRY_REVOKE, h, &issuer, T0 + 86400000,
                      ENTRY_REASON_ISSUED_IN_ERROR);
    minilog_map_set(&ml, h, i, minilog_append(&ml, &e));
    append_map(now0 - CLIENT_HOUR_MS);
    minilog_server_publish(&srv);
    CREDLOG_RUN(&r, "verify", "--log-key", vkey, "--log", srv.url, file);
    CREDLOG_EXPECT(&r, 1, "REVOKED: issued by avans.nl on 2026-01-01");
    CHECK(strstr(r.out, "revoked by avans.nl on 2026-01-02") != NULL);
    CHECK(strstr(r.out, "issued_in_error") != NULL);
    CHECK(strstr(r.out, "not linked") == NULL);
    credlog_run_free(&r);

    /* status --save, then verify the bundle with the server gone. */
    path_in(bundle, sizeof bundle, "diploma.bundle");
    CREDLOG_RUN(&r, "status", "--log", srv.url, "--log-key", vkey, file,
                "--save", bundle);
    CREDLOG_EXPECT(&r, 1, "REVOKED");
    credlog_run_free(&r);
    minilog_server_stop(&srv);
    CREDLOG_RUN(&r, "verify", "--log-key", vkey, file, "--bundle", bundle);
    CREDLOG_EXPECT(&r, 1, "REVOKED");
    credlog_run_free(&r);
    CREDLOG_RUN(&r, "verify", "--log-key", vkey, file, "--bundle", bundle,
                "--json");
    CREDLOG_EXPECT(&r, 1, "\"consistency_checked\": true");
    credlog_run_free(&r);
    CREDLOG_RUN(&r, "verify", "--log-key", other_key, file, "--bundle", bundle);
    CREDLOG_EXPECT(&r, 2, "INVALID");
    credlog_run_free(&r);
    /* The network is down: online verification is an error, not a verdict. */
    CREDLOG_RUN(&r, "verify", "--log-key", vkey, "--log", srv.url, "--timeout",
                "5", file);
    CREDLOG_EXPECT(&r, 2, "credlog:");
    credlog_run_free(&r);
    minilog_free(&other);
}

/* Appends an ISSUE of hash by issuer to log; returns its index. */
static uint64_t issue_entry(struct minilog *log, const uint8_t hash[32])
{
    struct entry e;
    uint64_t i;

    issuer_sign_entry(&e, ENTRY_ISSUE, hash, &issuer, T0, 0);
    i = minilog_append(log, &e);
    minilog_map_set(log, hash, i, SMT_NONE);
    return i;
}

/* The age of status proofs: --max-age online (default a day) and with
 * --bundle (default none), its syntax, and MAP entries dated ahead of the
 * local clock, against a log whose MAP times the test chooses. */
static void test_max_age(void)
{
    struct minilog log;
    struct minilog_server srv;
    struct credlog_run r;
    struct entry e;
    char key[NOTE_KEY_TEXT_MAX + 1], fa[4200], fb[4200], bundle[4200], hex[65],
        want[200];
    uint8_t ha[32], hb[32], hu[32];
    uint64_t now = client_clock_now_ms(), ia;

    make_credential("aged-a.json", "{\"id\":\"a9e1\"}\n", ha);
    make_credential("aged-b.json", "{\"id\":\"b9e2\"}\n", hb);
    memset(hu, 0x77, sizeof hu);
    codec_hex_encode(hu, 32, hex);
    path_in(fa, sizeof fa, "aged-a.json");
    path_in(fb, sizeof fb, "aged-b.json");
    path_in(bundle, sizeof bundle, "aged-a.bundle");

    /* A log whose last MAP entry is 25 hours old. */
    minilog_init(&log, "aged.example.org", 42);
    note_verifier_format(&log.vkey, key, sizeof key);
    minilog_append_key(&log, ENTRY_KEY_ADD, &issuer, now - 26 * CLIENT_HOUR_MS);
    minilog_append_map(&log, now - 26 * CLIENT_HOUR_MS, NULL);
    ia = issue_entry(&log, ha);
    minilog_append_map(&log, now - 25 * CLIENT_HOUR_MS, NULL);
    minilog_server_start(&srv, &log);
    credlog_run_forget_pins();

    /* Online, the default is a day: INVALID (exit 2), for VALID and NOT
     * ISSUED alike, saying how old and which limit. */
    CREDLOG_RUN(&r, "verify", "--log-key", key, "--log", srv.url, fa);
    CREDLOG_EXPECT(&r, 2, "INVALID: status proof is 1 day 1 hour old (as of ");
    CHECK(
        strstr(
            r.out,
            "older than the maximum age of 1 day: the credential may have been "
            "revoked since") != NULL &&
        strstr(r.out, "--max-age") != NULL);
    credlog_run_free(&r);
    CREDLOG_RUN(&r, "verify", "--log-key", key, "--log", srv.url, fa, "--json");
    CREDLOG_EXPECT(&r, 2, "\"stale\": true");
    CHECK(strstr(r.out, "\"verdict\": \"INVALID\"") != NULL &&
          strstr(r.out, "\"as_of_ms\": ") != NULL);
    credlog_run_free(&r);
    CREDLOG_RUN(&r, "status", "--log", srv.url, "--log-key", key, hex);
    CREDLOG_EXPECT(&r, 2, "may have been issued since");
    credlog_run_free(&r);
    /* A stale answer is not saved. */
    CREDLOG_RUN(&r, "status", "--log", srv.url, "--log-key", key, fa, "--save",
                bundle);
    CREDLOG_EXPECT(&r, 2, "not saving");
    CHECK(!files_exists(bundle));
    credlog_run_free(&r);

    /* A larger --max-age, or none, accepts it; smaller ones do not. */
    CREDLOG_RUN(&r, "verify", "--log-key", key, "--log", srv.url, fa,
                "--max-age", "26h");
    CREDLOG_EXPECT(&r, 0, "VALID: issued by avans.nl");
    credlog_run_free(&r);
    CREDLOG_RUN(&r, "verify", "--log-key", key, "--log", srv.url, fa,
                "--max-age", "2d");
    CREDLOG_EXPECT(&r, 0, "VALID");
    credlog_run_free(&r);
    CREDLOG_RUN(&r, "verify", "--log-key", key, "--log", srv.url, fa,
                "--max-age", "none");
    CREDLOG_EXPECT(&r, 0, "VALID");
    credlog_run_free(&r);
    CREDLOG_RUN(&r, "verify", "--log-key", key, "--log", srv.url, fa,
                "--max-age", "90m");
    CREDLOG_EXPECT(&r, 2, "older than the maximum age of 1 hour 30 minutes");
    credlog_run_free(&r);
    CREDLOG_RUN(&r, "verify", "--log-key", key, "--log", srv.url, fa,
                "--max-age", "3600");
    CREDLOG_EXPECT(&r, 2, "older than the maximum age of 1 hour:");
    credlog_run_free(&r);
    CREDLOG_RUN(&r, "verify", "--log-key", key, "--log", srv.url, fa,
                "--max-age", "86400s");
    CREDLOG_EXPECT(&r, 2, "older than the maximum age of 1 day:");
    credlog_run_free(&r);
    CREDLOG_RUN(&r, "status", "--log", srv.url, "--log-key", key, hex,
                "--max-age", "30h");
    CREDLOG_EXPECT(&r, 1, "NOT ISSUED");
    credlog_run_free(&r);

    /* Offline, a bundle has no maximum age unless one is given. */
    CREDLOG_RUN(&r, "status", "--log", srv.url, "--log-key", key, fa, "--save",
                bundle, "--max-age", "none");
    CREDLOG_EXPECT(&r, 0, "VALID");
    CHECK(files_exists(bundle));
    credlog_run_free(&r);
    CREDLOG_RUN(&r, "verify", "--log-key", key, fa, "--bundle", bundle);
    CREDLOG_EXPECT(&r, 0, "VALID: issued by avans.nl");
    credlog_run_free(&r);
    CREDLOG_RUN(&r, "verify", "--log-key", key, fa, "--bundle", bundle,
                "--max-age", "1d");
    CREDLOG_EXPECT(&r, 2, "INVALID: status proof is 1 day 1 hour old");
    credlog_run_free(&r);
    CREDLOG_RUN(&r, "verify", "--log-key", key, fa, "--bundle", bundle,
                "--max-age", "7d");
    CREDLOG_EXPECT(&r, 0, "VALID");
    credlog_run_free(&r);

    /* A stale proof of a revocation is still a revocation. */
    issuer_sign_entry(&e, ENTRY_REVOKE, ha, &issuer, T0 + 1,
                      ENTRY_REASON_SUPERSEDED);
    minilog_map_set(&log, ha, ia, minilog_append(&log, &e));
    minilog_append_map(&log, now - 25 * CLIENT_HOUR_MS + 1000, NULL);
    minilog_server_publish(&srv);
    CREDLOG_RUN(&r, "verify", "--log-key", key, "--log", srv.url, fa);
    CREDLOG_EXPECT(&r, 1, "REVOKED");
    credlog_run_free(&r);
    CREDLOG_RUN(&r, "verify", "--log-key", key, "--log", srv.url, fa,
                "--max-age", "1m");
    CREDLOG_EXPECT(&r, 1, "REVOKED");
    credlog_run_free(&r);

    /* MAP times ahead of this clock: up to 10 minutes is clock skew... */
    issue_entry(&log, hb);
    minilog_append_map(&log, now + 5 * CLIENT_MINUTE_MS, NULL);
    minilog_server_publish(&srv);
    CREDLOG_RUN(&r, "verify", "--log-key", key, "--log", srv.url, fb);
    CREDLOG_EXPECT(&r, 0, "VALID");
    credlog_run_free(&r);
    /* ...beyond that the proof is refused, whatever --max-age says. */
    minilog_append_map(&log, now + 3 * CLIENT_HOUR_MS, NULL);
    minilog_server_publish(&srv);
    CREDLOG_RUN(&r, "verify", "--log-key", key, "--log", srv.url, fb);
    CREDLOG_EXPECT(&r, 2, "INVALID: status proof is dated 2 hours ");
    CHECK(strstr(r.out, "in the future") != NULL &&
          strstr(r.out, "clock") != NULL);
    credlog_run_free(&r);
    CREDLOG_RUN(&r, "verify", "--log-key", key, "--log", srv.url, fb,
                "--max-age", "none", "--json");
    CREDLOG_EXPECT(&r, 2, "\"future\": true");
    credlog_run_free(&r);
    CREDLOG_RUN(&r, "status", "--log", srv.url, "--log-key", key, hex,
                "--max-age", "none");
    CREDLOG_EXPECT(&r, 2, "in the future");
    credlog_run_free(&r);
    CREDLOG_RUN(&r, "verify", "--log-key", key, "--log", srv.url, fa);
    CREDLOG_EXPECT(&r, 1, "REVOKED");
    credlog_run_free(&r);

    /* The syntax. */
    {
        static const char *bad[] = {"0",
                                    "-5",
                                    "+5",
                                    "1.5h",
                                    "1x",
                                    "h",
                                    "",
                                    " 1h",
                                    "1h ",
                                    "1hh",
                                    "1H",
                                    "36501d",
                                    "99999999999999999999"};
        for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
            CREDLOG_RUN(&r, "verify", "--log-key", key, "--log", srv.url, fa,
                        "--max-age", bad[k]);
            CHECK_MSG(r.status == 2 &&
                          strstr(r.err, "--max-age wants a duration") != NULL,
                      "--max-age '%s': exit %d\n%s", bad[k], r.status, r.err);
            credlog_run_free(&r);
        }
    }
    snprintf(want, sizeof want, "give --log or --bundle");
    CREDLOG_RUN(&r, "verify", "--log-key", key, fa, "--max-age", "1h");
    CREDLOG_EXPECT(&r, 2, want);
    credlog_run_free(&r);

    minilog_server_stop(&srv);
    minilog_free(&log);
}

/* https:// with --cacert, against the static server over TLS. */
static void test_tls(void)
{
    struct minilog_server srv;
    struct credlog_run r;
    char cert[4200], file[4200], state[4200];

    path_in(cert, sizeof cert, "cert.pem");
    path_in(file, sizeof file, "diploma.json");
    path_in(state, sizeof state, "tls-monitor");
    minilog_server_start_tls(&srv, &ml, cert);
    CREDLOG_RUN(&r, "verify", "--log-key", vkey, "--log", srv.url, "--cacert",
                cert, file);
    CREDLOG_EXPECT(&r, 1, "REVOKED");
    credlog_run_free(&r);
    CREDLOG_RUN(&r, "monitor", "--log", srv.url, "--log-key", vkey, "--cacert",
                cert, "--state", state, "--once");
    CREDLOG_EXPECT(&r, 0, "first check");
    credlog_run_free(&r);
    /* Not trusted without the CA file; a missing CA file is an error. */
    CREDLOG_RUN(&r, "verify", "--log-key", vkey, "--log", srv.url, file);
    CREDLOG_EXPECT(&r, 2, "TLS");
    CHECK(strstr(r.out, "REVOKED") == NULL && strstr(r.out, "VALID") == NULL);
    credlog_run_free(&r);
    CREDLOG_RUN(&r, "verify", "--log-key", vkey, "--log", srv.url, "--cacert",
                "/nonexistent.pem", file);
    CREDLOG_EXPECT(&r, 2, "cannot load CA certificates from /nonexistent.pem");
    credlog_run_free(&r);
    minilog_server_stop(&srv);
}

/* Writes the receipt of entry i of log as NAME.receipt.json in dir. */
static void write_receipt(struct minilog *log, uint64_t i, const char *name)
{
    struct client_receipt rc;
    char path[4300], *text;
    json_t *j;

    minilog_receipt(log, i, log->n, &rc);
    j = client_receipt_to_json(&rc);
    text = json_dumps(j, JSON_INDENT(2));
    snprintf(path, sizeof path, "%s/%s.receipt.json", dir, name);
    files_write(path, text, strlen(text));
    free(text);
    json_decref(j);
    client_receipt_free(&rc);
}

/* A static malicious log (protocol.md §E.4, docs/security.md): it holds only
 * its own key, and serves a valid checkpoint over an ISSUE nobody signed
 * and over one signed by a key it never added under the issuer's name, with
 * a revocation map that counts both. credlog verify says INVALID (exit 2)
 * online and offline; the honest credential beside them is VALID, with the
 * identity of the KEY v2 entry that authorized its key. */
static void test_unsigned_issue(void)
{
    struct minilog log;
    struct minilog_server srv;
    struct credlog_run r;
    struct note_signer rogue;
    struct entry e;
    char key[NOTE_KEY_TEXT_MAX + 1], fg[4200], fu[4200], fr[4200];
    uint8_t hg[32], hu[32], hr[32], seed[32];
    uint64_t now = client_clock_now_ms(), ig, iu, ir;

    make_credential("honest.json", "{\"id\":\"h0001\"}\n", hg);
    make_credential("unsigned.json", "{\"id\":\"u0001\"}\n", hu);
    make_credential("rogue.json", "{\"id\":\"r0001\"}\n", hr);
    path_in(fg, sizeof fg, "honest.json");
    path_in(fu, sizeof fu, "unsigned.json");
    path_in(fr, sizeof fr, "rogue.json");
    memset(seed, 0x5a, sizeof seed);
    REQUIRE(note_signer_from_seed("avans.nl", seed, &rogue) == 0);

    minilog_init(&log, "liar.example.org", 43);
    note_verifier_format(&log.vkey, key, sizeof key);
    minilog_key_entry(&log, &e, ENTRY_KEY_ADD, &issuer, now - 60000);
    REQUIRE(entry_identity_add(&e, ENTRY_ID_NAME,
                               (const uint8_t *)"Avans Hogeschool", 16) == 0);
    REQUIRE(entry_identity_add(&e, ENTRY_ID_DNS, (const uint8_t *)"avans.nl",
                               8) == 0);
    minilog_append(&log, &e);
    minilog_append_map(&log, now - 60000, NULL);
    ig = issue_entry(&log, hg);
    issuer_sign_entry(&e, ENTRY_ISSUE, hu, &issuer, now - 50000, 0);
    memset(e.signature, 0, sizeof e.signature);
    iu = minilog_append(&log, &e);
    minilog_map_set(&log, hu, iu, SMT_NONE);
    issuer_sign_entry(&e, ENTRY_ISSUE, hr, &rogue, now - 50000, 0);
    ir = minilog_append(&log, &e);
    minilog_map_set(&log, hr, ir, SMT_NONE);
    minilog_append_map(&log, now - 40000, NULL);
    write_receipt(&log, ig, "honest.json");
    write_receipt(&log, iu, "unsigned.json");
    write_receipt(&log, ir, "rogue.json");
    minilog_server_start(&srv, &log);
    credlog_run_forget_pins();

    CREDLOG_RUN(&r, "verify", "--log-key", key, "--log", srv.url, fg);
    CREDLOG_EXPECT(&r, 0,
                   "VALID: issued by avans.nl (\"Avans Hogeschool\") on ");
    CHECK_MSG(strstr(r.out, "identity:\n    name: Avans Hogeschool\n    dns: "
                            "avans.nl\n") != NULL,
              "%s", r.out);
    credlog_run_free(&r);
    CREDLOG_RUN(&r, "verify", "--log-key", key, "--log", srv.url, fg, "--json");
    CREDLOG_EXPECT(&r, 0, "\"issuer_identity\": {");
    CHECK(strstr(r.out, "\"name\": \"Avans Hogeschool\"") != NULL &&
          strstr(r.out, "\"issuer_key_index\": 0") != NULL);
    credlog_run_free(&r);
    CREDLOG_RUN(&r, "verify", "--log-key", key, fg);
    CREDLOG_EXPECT(&r, 0, "VALID: issued by avans.nl (\"Avans Hogeschool\")");
    credlog_run_free(&r);

    CREDLOG_RUN(&r, "verify", "--log-key", key, "--log", srv.url, fu);
    CREDLOG_EXPECT(&r, 2, "INVALID: the issuer's signature is not shown valid");
    CHECK(strstr(r.out, "signature by avans.nl key") != NULL &&
          strstr(r.out, "does not verify") != NULL);
    credlog_run_free(&r);
    CREDLOG_RUN(&r, "verify", "--log-key", key, fu);
    CREDLOG_EXPECT(&r, 2, "INVALID: the issuer's signature is not shown valid");
    credlog_run_free(&r);
    CREDLOG_RUN(&r, "status", "--log", srv.url, "--log-key", key, fu);
    CREDLOG_EXPECT(&r, 2, "INVALID");
    credlog_run_free(&r);

    CREDLOG_RUN(&r, "verify", "--log-key", key, "--log", srv.url, fr);
    CREDLOG_EXPECT(&r, 2, "INVALID: ISSUE entry at ");
    CHECK(strstr(r.out, "no key and key_proof") != NULL);
    credlog_run_free(&r);
    CREDLOG_RUN(&r, "verify", "--log-key", key, fr, "--json");
    CREDLOG_EXPECT(&r, 2, "\"authorization_unshown\": true");
    credlog_run_free(&r);

    minilog_server_stop(&srv);
    minilog_free(&log);
    note_signer_wipe(&rogue);
}

int main(void)
{
    uint8_t seed[32];

    credlog_run_require();
    files_tmpdir(dir, sizeof dir, "cli");
    snprintf(credlog_run_home, sizeof credlog_run_home, "%s", dir);
    minilog_init(&ml, "log.example.org", 7);
    note_verifier_format(&ml.vkey, vkey, sizeof vkey);
    memset(seed, 1, sizeof seed);
    note_signer_from_seed("avans.nl", seed, &issuer);
    now0 = client_clock_now_ms();
    minilog_append_key(&ml, ENTRY_KEY_ADD, &issuer, now0 - 2 * CLIENT_HOUR_MS);
    append_map(now0 - 2 * CLIENT_HOUR_MS);

    test_help_and_usage();
    test_keygen();
    test_verify();
    test_tls();
    test_max_age();
    test_unsigned_issue();

    minilog_free(&ml);
    note_signer_wipe(&issuer);
    if (check_failed == 0)
        files_rmtree(dir);
    else
        fprintf(stderr, "kept %s\n", dir);
    return check_finish();
}
