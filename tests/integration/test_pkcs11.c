/*
 * test_pkcs11.c: the log key and the issuer key in a PKCS#11 token
 * (SoftHSM2), never in a file (keystore/signer.h).
 *
 * - credlog keygen --pkcs11 prints the verifier key of each token key (the
 *   name is the key's label); --name must agree.
 * - logd runs with --key pkcs11:... (object= percent-encoded), credlog issue
 *   signs with --key pkcs11:...; no private key file exists anywhere in the
 *   test's directory; the receipts verify against the token's log key.
 * - A wrong PIN, a missing object, a missing or non-PKCS#11 module, an
 *   unknown URI attribute: clear errors and non-zero exits, from credlog
 *   and from logd, and nothing is logged.
 * - logd restarts on the same data with the token key; receipts made before
 *   and after verify.
 * - credlog agent --import signs with a department key in the token.
 * - credlog witness --key pkcs11:... cosigns the (token-signed) log's
 *   checkpoint with a cosigner key in the token; the cosignature verifies
 *   against the verifier key credlog keygen --cosigner --pkcs11 prints, and
 *   a wrong PIN stops the witness at start with the reason.
 * SoftHSM2 missing fails the test (softhsm.h), never skips it.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "check.h"
#include "client/http.h"
#include "credlog_run.h"
#include "files.h"
#include "logd_api.h"
#include "logd_proc.h"
#include "softhsm.h"
#include "witness_proc.h"

#define LOG_LABEL "hsm.test/log"
#define ISSUER_LABEL "hsm.example.nl"
#define WITNESS_LABEL "hsm.test/witness"

static char dir[4096];
static struct softhsm hsm;

/* The verifier key credlog keygen [--cosigner] --pkcs11 prints for uri. */
static int token_verifier(const char *uri, bool cosigner,
                          struct note_verifier *v, char *vkey, size_t cap)
{
    struct credlog_run r;
    const char *at;
    int rc = -1;

    if (cosigner)
        CREDLOG_RUN(&r, "keygen", "--cosigner", "--pkcs11", uri);
    else
        CREDLOG_RUN(&r, "keygen", "--pkcs11", uri);
    CREDLOG_EXPECT(&r, 0, "verifier key: ");
    at = strstr(r.out, "verifier key: ");
    if (r.status == 0 && at != NULL) {
        at += strlen("verifier key: ");
        snprintf(vkey, cap, "%.*s", (int)strcspn(at, "\n"), at);
        rc = note_verifier_parse(vkey, strlen(vkey), v);
    }
    credlog_run_free(&r);
    return rc;
}

/* No file under path holds a private key (PRIVATE+KEY). */
static bool no_key_files(const char *path)
{
    DIR *d = opendir(path);
    struct dirent *e;
    bool ok = true;
    char sub[4096 + 300];

    if (d == NULL)
        return true;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0 ||
            strcmp(e->d_name, "tokens") == 0) /* SoftHSM's own store */
            continue;
        snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
        if (e->d_type == DT_DIR)
            ok = no_key_files(sub) && ok;
        else if (files_contain(sub, "PRIVATE+KEY")) {
            fprintf(stderr, "private key file: %s\n", sub);
            ok = false;
        }
    }
    closedir(d);
    return ok;
}

static void write_doc(const char *name, const char *text, char *path,
                      size_t cap)
{
    snprintf(path, cap, "%s/%s", dir, name);
    files_write(path, text, strlen(text));
}

static void test_errors(const struct logd_proc *p, const char *doc)
{
    static const struct {
        const char *uri_fmt; /* %s: module, %s: pin file */
        const char *want;
    } bad[] = {
        {"pkcs11:token=" SOFTHSM_TOKEN ";object=" ISSUER_LABEL
         "?module-path=%.200s&pin-value=0000",
         "CKR_PIN_INCORRECT"},
        {"pkcs11:token=" SOFTHSM_TOKEN ";object=" ISSUER_LABEL
         "?module-path=%s",
         "needs a PIN"},
        {"pkcs11:token=" SOFTHSM_TOKEN ";object=nobody.nl"
         "?module-path=%s&pin-source=%s",
         "no private key in token"},
        {"pkcs11:token=no-such-token;object=" ISSUER_LABEL
         "?module-path=%s&pin-source=%s",
         "no token matches"},
        {"pkcs11:token=" SOFTHSM_TOKEN ";object=" ISSUER_LABEL
         ";color=blue?module-path=%s&pin-source=%s",
         "unknown path attribute 'color'"},
        {"pkcs11:token=" SOFTHSM_TOKEN ";object=" ISSUER_LABEL "?pin-source=%s",
         "names no module"},
    };
    char uri[4096];
    struct credlog_run r;

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (i == 5)
            snprintf(uri, sizeof uri, bad[i].uri_fmt, hsm.pin_path);
        else
            snprintf(uri, sizeof uri, bad[i].uri_fmt, hsm.module, hsm.pin_path);
        CREDLOG_RUN(&r, "issue", "--log", p->url, "--log-key", p->log_vkey,
                    "--key", uri, doc);
        CREDLOG_EXPECT(&r, 2, bad[i].want);
        credlog_run_free(&r);
    }
    /* A module path that is no module, and one that is not there. */
    snprintf(uri, sizeof uri,
             "pkcs11:token=" SOFTHSM_TOKEN ";object=" ISSUER_LABEL
             "?module-path=%s&pin-source=%s",
             getenv("CREDLOG_CLOCKSHIFT_LIB"), hsm.pin_path);
    CREDLOG_RUN(&r, "issue", "--log", p->url, "--log-key", p->log_vkey, "--key",
                uri, doc);
    CREDLOG_EXPECT(&r, 2, "is not a PKCS#11 module");
    credlog_run_free(&r);
    snprintf(uri, sizeof uri,
             "pkcs11:token=" SOFTHSM_TOKEN ";object=" ISSUER_LABEL
             "?module-path=%.1000s/none.so&pin-source=%.1000s",
             dir, hsm.pin_path);
    CREDLOG_RUN(&r, "keygen", "--pkcs11", uri);
    CREDLOG_EXPECT(&r, 2, "cannot load PKCS#11 module");
    credlog_run_free(&r);
    /* Nothing of the above was logged. */
    CREDLOG_RUN(&r, "verify", "--log-key", p->log_vkey, "--log", p->url, doc);
    CREDLOG_EXPECT(&r, 1, NULL);
    credlog_run_free(&r);
}

static void test_logd_refuses(struct logd_proc *p)
{
    char good[LOGD_PROC_PATH_MAX];
    int st;

    memcpy(good, p->key_path, sizeof good);
    snprintf(p->key_path, sizeof p->key_path,
             "pkcs11:token=" SOFTHSM_TOKEN ";object=hsm.test%%2Flog"
             "?module-path=%.200s&pin-value=0000",
             hsm.module);
    st = logd_proc_run_to_exit(p, NULL);
    CHECK_MSG(st > 0, "logd with a wrong PIN exited %d", st);
    CHECK(files_contain(p->log_path, "CKR_PIN_INCORRECT"));
    snprintf(p->key_path, sizeof p->key_path,
             "pkcs11:token=" SOFTHSM_TOKEN ";object=hsm.test%%2Fgone"
             "?module-path=%.200s&pin-source=%.200s",
             hsm.module, hsm.pin_path);
    st = logd_proc_run_to_exit(p, NULL);
    CHECK_MSG(st > 0, "logd with a missing object exited %d", st);
    CHECK(files_contain(p->log_path, "no private key in token"));
    memcpy(p->key_path, good, sizeof good);
}

/* credlog witness with its cosigner key in the token, cosigning the
 * checkpoint of logd p (whose log key is in the token too). */
static void test_witness(const struct logd_proc *p)
{
    static struct witness_proc w;
    struct client_http *h = NULL;
    char uri[2048], text[4096], *note = NULL;
    int64_t size;

    REQUIRE(softhsm_keygen(&hsm, WITNESS_LABEL, "03") == 0);
    softhsm_uri(&hsm, WITNESS_LABEL, uri, sizeof uri);
    REQUIRE(witness_proc_init(&w, WITNESS_LABEL) == 0);
    REQUIRE(remove(w.key_path) == 0);
    REQUIRE(strlen(uri) < sizeof w.key_path);
    snprintf(w.key_path, sizeof w.key_path, "%.500s", uri);
    REQUIRE(token_verifier(uri, true, &w.key, w.vkey, sizeof w.vkey) == 0);
    CHECK(w.key.type == NOTE_TYPE_COSIGNATURE &&
          strcmp(w.key.name, WITNESS_LABEL) == 0);
    snprintf(text, sizeof text, "logs/v0\nvkey %s\nqpd 2000000000\n",
             p->log_vkey);
    REQUIRE(witness_proc_write_logs(&w, text) == 0);
    REQUIRE(witness_proc_start(&w) == 0);

    REQUIRE(client_http_open(p->url, NULL, &h) == 0);
    size = logd_api_checkpoint(h, p, NULL, &note);
    REQUIRE(size > 0 && note != NULL);
    CHECK(witness_proc_push_new(&w, note, NULL, 0) == 200);
    CHECK(witness_proc_cosigned(&w, &p->log_verifier, NULL, 0) == size);
    free(note);
    client_http_close(h);
    REQUIRE(witness_proc_stop(&w) == 0);

    /* A wrong PIN: the witness does not start, and says why. */
    REQUIRE(files_write_mode(hsm.pin_path, "0000\n", 0600) == 0);
    CHECK(witness_proc_run_to_exit(&w) != 0);
    CHECK(files_contain(w.log_path, "PIN"));
    REQUIRE(files_write_mode(hsm.pin_path, SOFTHSM_PIN "\n", 0600) == 0);
    CHECK(no_key_files(w.dir));
    witness_proc_cleanup(&w);
}

static void run(void)
{
    static struct logd_proc p;
    struct note_verifier issuer, log;
    char issuer_uri[2048], log_uri[2048], vkey[NOTE_KEY_TEXT_MAX + 1];
    char d1[4200], d2[4200], receipt[4300];
    struct credlog_run r;

    REQUIRE(softhsm_init(&hsm, dir) == 0);
    REQUIRE(softhsm_keygen(&hsm, LOG_LABEL, "01") == 0);
    REQUIRE(softhsm_keygen(&hsm, ISSUER_LABEL, "02") == 0);
    softhsm_uri(&hsm, LOG_LABEL, log_uri, sizeof log_uri);
    softhsm_uri(&hsm, ISSUER_LABEL, issuer_uri, sizeof issuer_uri);
    CHECK(strstr(log_uri, "object=hsm.test%2Flog?") != NULL);

    /* The verifier keys, from the token. */
    REQUIRE(token_verifier(issuer_uri, false, &issuer, vkey, sizeof vkey) == 0);
    CHECK(strcmp(issuer.name, ISSUER_LABEL) == 0);
    REQUIRE(token_verifier(log_uri, false, &log, vkey, sizeof vkey) == 0);
    CHECK(strcmp(log.name, LOG_LABEL) == 0);
    {
        char prefix[4200], path[4300];
        snprintf(prefix, sizeof prefix, "%s/issuer", dir);
        CREDLOG_RUN(&r, "keygen", "--pkcs11", issuer_uri, "--name",
                    ISSUER_LABEL, "--out", prefix);
        CREDLOG_EXPECT(&r, 0, "verifier key: " ISSUER_LABEL "+");
        credlog_run_free(&r);
        snprintf(path, sizeof path, "%s.vkey", prefix);
        CHECK(files_contain(path, ISSUER_LABEL "+"));
        CREDLOG_RUN(&r, "keygen", "--pkcs11", issuer_uri, "--name", "other.nl");
        CREDLOG_EXPECT(&r, 2, "is named \"" ISSUER_LABEL "\"");
        credlog_run_free(&r);
    }

    /* logd with the token's log key; its key file removed. */
    REQUIRE(logd_proc_init(&p, "placeholder.test", &issuer, 1) == 0);
    REQUIRE(remove(p.key_path) == 0);
    REQUIRE(strlen(log_uri) < sizeof p.key_path);
    snprintf(p.key_path, sizeof p.key_path, "%.500s", log_uri);
    p.log_verifier = log;
    memcpy(p.log_vkey, vkey, sizeof p.log_vkey - 1);
    REQUIRE(files_write_mode(p.vkey_path, vkey, 0644) == 0);
    REQUIRE(logd_proc_start(&p, NULL) == 0);

    write_doc("diploma-1.json", "{\"id\":\"hsm-1\",\"name\":\"Ada\"}\n", d1,
              sizeof d1);
    write_doc("diploma-2.json", "{\"id\":\"hsm-2\",\"name\":\"Bob\"}\n", d2,
              sizeof d2);
    snprintf(receipt, sizeof receipt, "%s/diploma-1.receipt", dir);
    CREDLOG_RUN(&r, "issue", "--log", p.url, "--log-key", p.log_vkey, "--key",
                issuer_uri, d1);
    CREDLOG_EXPECT(&r, 0, NULL);
    credlog_run_free(&r);
    CREDLOG_RUN(&r, "verify", "--log-key", p.log_vkey, "--log", p.url, d1);
    CREDLOG_EXPECT(&r, 0, "VALID");
    CREDLOG_EXPECT(&r, 0, ISSUER_LABEL);
    credlog_run_free(&r);

    test_errors(&p, d2);

    /* Restart: the same token key signs the next checkpoints. */
    REQUIRE(logd_proc_stop(&p) == 0);
    test_logd_refuses(&p);
    REQUIRE(logd_proc_start(&p, NULL) == 0);
    CREDLOG_RUN(&r, "issue", "--log", p.url, "--log-key", p.log_vkey, "--key",
                issuer_uri, d2);
    CREDLOG_EXPECT(&r, 0, NULL);
    credlog_run_free(&r);
    CREDLOG_RUN(&r, "verify", "--log-key", p.log_vkey, "--log", p.url, d2);
    CREDLOG_EXPECT(&r, 0, "VALID");
    credlog_run_free(&r);
    CREDLOG_RUN(&r, "verify", "--log-key", p.log_vkey, "--log", p.url, d1);
    CREDLOG_EXPECT(&r, 0, "VALID");
    credlog_run_free(&r);
    CREDLOG_RUN(&r, "revoke", "--log", p.url, "--log-key", p.log_vkey, "--key",
                issuer_uri, d2);
    CREDLOG_EXPECT(&r, 0, NULL);
    credlog_run_free(&r);
    CREDLOG_RUN(&r, "verify", "--log-key", p.log_vkey, "--log", p.url, d2);
    CREDLOG_EXPECT(&r, 1, "REVOKED");
    credlog_run_free(&r);

    /* credlog agent, a department's key in the token. */
    {
        char cfg[4300], csv[4300], data[4300], text[8192], d3[4200];
        snprintf(data, sizeof data, "%s/agent-data", dir);
        REQUIRE(mkdir(data, 0700) == 0);
        snprintf(cfg, sizeof cfg, "%s/agent.conf", dir);
        snprintf(text, sizeof text,
                 "institution " ISSUER_LABEL "\nlog %s\nlog-key %s\n"
                 "data %s\nmonitor-interval 0\n"
                 "department registrar sha256:%064d %s\n",
                 p.url, p.log_vkey, data, 0, issuer_uri);
        REQUIRE(files_write_mode(cfg, text, 0600) == 0);
        write_doc("diploma-3.json", "{\"id\":\"hsm-3\",\"name\":\"Cy\"}\n", d3,
                  sizeof d3);
        snprintf(csv, sizeof csv, "%s/awards.csv", dir);
        REQUIRE(files_write_mode(csv,
                                 "department,file\nregistrar,diploma-3.json\n",
                                 0600) == 0);
        CREDLOG_RUN(&r, "agent", "--config", cfg, "--import", csv, "--out",
                    dir);
        CREDLOG_EXPECT(&r, 0, "row 2: issued entry");
        credlog_run_free(&r);
        snprintf(text, sizeof text, "%s/diploma-3.json.credlog", dir);
        CREDLOG_RUN(&r, "verify", "--log-key", p.log_vkey, "--bundle", text,
                    d3);
        CREDLOG_EXPECT(&r, 0, "VALID");
        credlog_run_free(&r);
    }

    test_witness(&p);

    CHECK(no_key_files(dir));
    CHECK(no_key_files(p.dir));
    logd_proc_cleanup(&p);
}

int main(void)
{
    logd_proc_require();
    credlog_run_require();
    files_tmpdir(dir, sizeof dir, "pkcs11");
    snprintf(credlog_run_home, sizeof credlog_run_home, "%s", dir);
    run();
    if (check_failed == 0)
        files_rmtree(dir);
    else
        fprintf(stderr, "kept %s\n", dir);
    return check_finish();
}
