/*
 * test_client_pin.c: the log key, fetched once and pinned (trust on first
 * use), against real logds on loopback with HOME and XDG_CONFIG_HOME in a
 * temp directory. issue without --log-key fetches GET /v1/log-key, says so on
 * stderr and pins the key in $XDG_CONFIG_HOME/credlog/known_logs; revoke,
 * verify --log and monitor then use the pin; a --log-key that contradicts
 * the pin is refused. A second logd with another key at the same URL is
 * refused by issue (before anything is submitted), revoke, monitor and
 * verify, and the pin is never replaced. A log that serves no key, or a key
 * its checkpoint is not signed with, is not pinned.
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
#include "minilog_server.h"

/* Paths here are short temp paths in fixed buffers; gcc cannot see that. */
#pragma GCC diagnostic ignored "-Wformat-truncation"

#include "client/api.h"
#include "logd_proc.h"

static char dir[512];
static char pins[1200];

static void path_in(char *buf, size_t cap, const char *name)
{
    snprintf(buf, cap, "%s/%s", dir, name);
}

static void write_cred(char *path, size_t cap, const char *name,
                       const char *content)
{
    path_in(path, cap, name);
    files_write(path, content, strlen(content));
}

/* The log's tree size, from its checkpoint verified with its own key. */
static uint64_t tree_size(const struct logd_proc *p)
{
    struct client_api *api;
    struct checkpoint cp;
    char *note = NULL;
    size_t len;
    uint64_t size = UINT64_MAX;

    if (client_api_open(p->url, NULL, &api, NULL) != 0)
        return size;
    if (client_api_checkpoint(api, &note, &len, NULL) == 0 &&
        checkpoint_open(note, len, &p->log_verifier, &cp) == 0)
        size = cp.size;
    free(note);
    client_api_close(api);
    return size;
}

/* Whether the pin file holds exactly one line: url and vkey. */
static bool pinned_to(const char *url, const char *vkey)
{
    char want[1024], *text = files_read(pins, NULL);
    bool ok;

    snprintf(want, sizeof want, "%s %s\n", url, vkey);
    ok = text != NULL && strcmp(text, want) == 0;
    if (!ok)
        fprintf(stderr, "known_logs: %s\nwant: %s",
                text != NULL ? text : "(none)", want);
    free(text);
    return ok;
}

static void test_pin(void)
{
    static struct logd_proc a, b;
    struct note_verifier issuer;
    struct credlog_run r;
    char key_prefix[1024], key_file[1100], state[1200], c1[1200], c2[1200],
        c3[1200];
    char listen[64], *text;
    uint64_t size_b;

    snprintf(key_prefix, sizeof key_prefix, "%s/inst", dir);
    snprintf(key_file, sizeof key_file, "%s.key", key_prefix);
    path_in(state, sizeof state, "monitor");
    CREDLOG_RUN(&r, "keygen", "--name", "inst.example", "--out", key_prefix);
    CREDLOG_EXPECT(&r, 0, NULL);
    credlog_run_free(&r);
    snprintf(c1, sizeof c1, "%s.vkey", key_prefix);
    text = files_read(c1, NULL);
    REQUIRE(text != NULL &&
            note_verifier_parse(text, strlen(text), &issuer) == 0);
    free(text);
    REQUIRE(logd_proc_init(&a, "pin.credlog.test", &issuer, 1) == 0);
    REQUIRE(logd_proc_start(&a, NULL) == 0);
    write_cred(c1, sizeof c1, "c1.json", "{\"id\":\"c1-9f0e\"}\n");
    write_cred(c2, sizeof c2, "c2.json", "{\"id\":\"c2-77aa\"}\n");
    write_cred(c3, sizeof c3, "c3.json", "{\"id\":\"c3-1b2c\"}\n");

    /* No key known, none given: issue fetches it, says so, pins it. */
    CHECK(!files_exists(pins));
    CREDLOG_RUN(&r, "issue", "--log", a.url, "--key", key_file, c1);
    CREDLOG_EXPECT(&r, 0, "issued");
    CHECK_MSG(strstr(r.err, "trust on first use") != NULL &&
                  strstr(r.err, a.log_vkey) != NULL &&
                  strstr(r.err, pins) != NULL,
              "notice: %s", r.err);
    credlog_run_free(&r);
    CHECK(pinned_to(a.url, a.log_vkey));

    /* Later runs use the pin, silently; a trailing slash is the same log. */
    CREDLOG_RUN(&r, "issue", "--log", a.url, "--key", key_file, c2);
    CREDLOG_EXPECT(&r, 0, "issued");
    CHECK_MSG(r.err[0] == '\0', "stderr: %s", r.err);
    credlog_run_free(&r);
    {
        char slash[80];
        snprintf(slash, sizeof slash, "%s/", a.url);
        CREDLOG_RUN(&r, "revoke", "--log", slash, "--key", key_file, "--reason",
                    "superseded", c2);
        CREDLOG_EXPECT(&r, 0, "revoked");
        CHECK_MSG(r.err[0] == '\0', "stderr: %s", r.err);
        credlog_run_free(&r);
    }
    CREDLOG_RUN(&r, "verify", "--log", a.url, c1);
    CREDLOG_EXPECT(&r, 0, "VALID");
    credlog_run_free(&r);
    CREDLOG_RUN(&r, "verify", "--log", a.url, c2);
    CREDLOG_EXPECT(&r, 1, "REVOKED");
    CHECK(strstr(r.out, "(reason: superseded)") != NULL);
    credlog_run_free(&r);
    CREDLOG_RUN(&r, "monitor", "--log", a.url, "--state", state, "--once");
    CREDLOG_EXPECT(&r, 0, "first check");
    credlog_run_free(&r);
    /* The same key given explicitly is fine (as a string or a file). */
    CREDLOG_RUN(&r, "issue", "--log", a.url, "--key", key_file, "--log-key",
                a.vkey_path, c1);
    CREDLOG_EXPECT(&r, 0, "already issued");
    credlog_run_free(&r);
    CHECK(pinned_to(a.url, a.log_vkey));

    /* A second logd with another key (and the same origin) at the same URL. */
    REQUIRE(logd_proc_init(&b, "pin.credlog.test", &issuer, 1) == 0);
    CHECK(logd_proc_stop(&a) == 0);
    snprintf(listen, sizeof listen, "127.0.0.1:%u", a.port);
    {
        const char *extra[] = {"--listen", listen, NULL};
        REQUIRE(logd_proc_start(&b, extra) == 0);
    }
    REQUIRE(b.port == a.port);
    size_b = tree_size(&b);
    REQUIRE(size_b != UINT64_MAX);

    /* issue: refused before anything is submitted. */
    CREDLOG_RUN(&r, "issue", "--log", b.url, "--key", key_file, c3);
    CREDLOG_EXPECT(&r, 2, "now says it signs with the key pin.credlog.test+");
    CHECK(strstr(r.err, "refusing another key") != NULL &&
          strstr(r.err, pins) != NULL);
    credlog_run_free(&r);
    CHECK(tree_size(&b) == size_b);
    {
        char receipt[1300];
        snprintf(receipt, sizeof receipt, "%s.receipt.json", c3);
        CHECK(!files_exists(receipt));
    }
    /* --log-key with the new key contradicts the pin: refused too. */
    CREDLOG_RUN(&r, "issue", "--log", b.url, "--key", key_file, "--log-key",
                b.log_vkey, c3);
    CREDLOG_EXPECT(&r, 2, "is not the key pinned for");
    credlog_run_free(&r);
    CREDLOG_RUN(&r, "revoke", "--log", b.url, "--key", key_file, c1);
    CREDLOG_EXPECT(&r, 2, "refusing another key");
    credlog_run_free(&r);
    CHECK(tree_size(&b) == size_b);
    /* The monitor cannot check it, and says why; verify says INVALID. */
    CREDLOG_RUN(&r, "monitor", "--log", b.url, "--state", state, "--once");
    CREDLOG_EXPECT(&r, 2, "now says it signs with the key");
    credlog_run_free(&r);
    CREDLOG_RUN(&r, "verify", "--log", b.url, c1);
    CREDLOG_EXPECT(&r, 2, "INVALID");
    credlog_run_free(&r);
    CHECK(pinned_to(b.url, a.log_vkey)); /* b.url is a's URL */

    /* Another user (a fresh config) trusts b on first use. */
    {
        char saved[4096];
        snprintf(saved, sizeof saved, "%s", credlog_run_home);
        snprintf(credlog_run_home, sizeof credlog_run_home, "%s/other-user",
                 dir);
        REQUIRE(mkdir(credlog_run_home, 0700) == 0);
        CREDLOG_RUN(&r, "issue", "--log", b.url, "--key", key_file, c3);
        CREDLOG_EXPECT(&r, 0, "issued");
        CHECK(strstr(r.err, b.log_vkey) != NULL);
        credlog_run_free(&r);
        snprintf(credlog_run_home, sizeof credlog_run_home, "%s", saved);
    }

    logd_proc_cleanup(&b);
    logd_proc_cleanup(&a);
}

/* Logs that give no usable key are not pinned. */
static void test_no_pin(void)
{
    struct minilog ml, liar;
    struct minilog_server srv;
    struct credlog_run r;
    char key_prefix[1024], key_file[1100], text[NOTE_KEY_TEXT_MAX + 2];

    snprintf(key_prefix, sizeof key_prefix, "%s/inst2", dir);
    snprintf(key_file, sizeof key_file, "%s.key", key_prefix);
    CREDLOG_RUN(&r, "keygen", "--name", "inst2.example", "--out", key_prefix);
    CREDLOG_EXPECT(&r, 0, NULL);
    credlog_run_free(&r);
    unlink(pins);
    minilog_init(&ml, "nokey.example", 3);
    minilog_append_map(&ml, 1767225600000ull, NULL);
    minilog_init(&liar, "nokey.example", 4);
    minilog_server_start(&srv, &ml);

    /* No /v1/log-key (an older log): ask for --log-key. */
    CREDLOG_RUN(
        &r, "issue", "--log", srv.url, "--key", key_file, "--hash",
        "0101010101010101010101010101010101010101010101010101010101010101");
    CREDLOG_EXPECT(&r, 2, "pass --log-key VKEY");
    credlog_run_free(&r);
    CHECK(!files_exists(pins));

    /* A key that does not sign the log's checkpoint. */
    note_verifier_format(&liar.vkey, text, sizeof text - 1);
    strcat(text, "\n");
    srv.log_key_text = text;
    CREDLOG_RUN(
        &r, "issue", "--log", srv.url, "--key", key_file, "--hash",
        "0101010101010101010101010101010101010101010101010101010101010101");
    CREDLOG_EXPECT(&r, 2, "checkpoint is not signed by the log key");
    credlog_run_free(&r);
    CHECK(!files_exists(pins));
    /* Not a key at all. */
    srv.log_key_text = "hello\n";
    {
        char state[1200];
        path_in(state, sizeof state, "monitor-nokey");
        CREDLOG_RUN(&r, "monitor", "--log", srv.url, "--state", state,
                    "--once");
        CREDLOG_EXPECT(&r, 2, "not an Ed25519 verifier key");
        CHECK(!files_exists(state));
    }
    credlog_run_free(&r);
    CHECK(!files_exists(pins));

    /* The right key: the monitor pins it and checks the log. */
    note_verifier_format(&ml.vkey, text, sizeof text - 1);
    strcat(text, "\n");
    srv.log_key_text = text;
    {
        char state[1200];
        path_in(state, sizeof state, "monitor2");
        CREDLOG_RUN(&r, "monitor", "--log", srv.url, "--state", state,
                    "--once");
        CREDLOG_EXPECT(&r, 0, "first check");
        CHECK(strstr(r.err, "trust on first use") != NULL);
        credlog_run_free(&r);
    }
    text[strlen(text) - 1] = '\0';
    CHECK(pinned_to(srv.url, text));

    minilog_server_stop(&srv);
    minilog_free(&ml);
    minilog_free(&liar);
}

int main(void)
{
    logd_proc_require();
    credlog_run_require();
    files_tmpdir(dir, sizeof dir, "pin");
    snprintf(credlog_run_home, sizeof credlog_run_home, "%s", dir);
    snprintf(pins, sizeof pins, "%s/config/credlog/known_logs", dir);
    test_pin();
    test_no_pin();
    if (check_failed == 0)
        files_rmtree(dir);
    else
        fprintf(stderr, "kept %s\n", dir);
    return check_finish();
}
