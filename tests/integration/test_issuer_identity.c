/*
 * test_issuer_identity.c: the credential's own issuer against the identity the
 * log records for the key that logged it (docs/protocol.md §E.5), end to
 * end: a real logd whose issuers file gives two institutions identities,
 * credentials issued and verified with the real credlog.
 *
 * - Avans (dns avans.nl, brin 07GR) issues a genuine OB 3.0 credential:
 *   VALID, the identity and the match shown, also in --json.
 * - The other member logs a forged OB 3.0 credential naming Avans's BRIN
 *   beside its own issuer id, and one naming Avans's issuer id: INVALID
 *   (exit 2) with both names.
 * - A credential that names no issuer: VALID, and the verdict says so.
 * - Avans's key removed by SIGHUP after issuing: its credential still
 *   verifies online, and offline from a saved status proof alone, with the
 *   identity and the match; so does its holder's bundle (credlog bundle),
 *   which credlog bundle refuses to write for the forged credential.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "credlog_run.h"
#include "files.h"
#include "logd_proc.h"

/* Paths here are short temp paths in fixed buffers; gcc cannot see that. */
#pragma GCC diagnostic ignored "-Wformat-truncation"

static char dir[512];
static struct logd_proc p;
static char avans_key[1100], other_key[1100];
static char avans_vkey[1100], other_vkey[1100];

#define AVANS_ID "name=\"Avans Hogeschool\" dns=avans.nl brin=07GR"
#define OTHER_ID                                                               \
    "name=\"Other University\" dns=other.example "                             \
    "issuer_id=https://other.example/issuer"

#define OB3(issuer_id, brin)                                                   \
    "{\"@context\":[\"https://www.w3.org/ns/credentials/v2\","                 \
    "\"https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json\"],"         \
    "\"type\":[\"VerifiableCredential\",\"OpenBadgeCredential\"],"             \
    "\"issuer\":{\"id\":\"" issuer_id "\",\"type\":[\"Profile\"],"             \
    "\"otherIdentifier\":[{\"type\":\"IdentifierEntry\",\"identifier\":"       \
    "\"" brin "\",\"identifierType\":\"ext:BRIN\"}]},"                         \
    "\"credentialSubject\":{\"id\":\"did:example:student\"}}"

static const char *put(const char *name, const char *text)
{
    static char bufs[8][1200];
    static unsigned next;
    char *b = bufs[next++ % 8];

    snprintf(b, sizeof bufs[0], "%s/%s", dir, name);
    files_write(b, text, strlen(text));
    return b;
}

static void write_issuers(bool with_avans)
{
    char text[4096];

    snprintf(text, sizeof text, "%s%s%s%s %s\n", with_avans ? avans_vkey : "",
             with_avans ? " " AVANS_ID : "", with_avans ? "\n" : "", other_vkey,
             OTHER_ID);
    REQUIRE(files_write_mode(p.issuers_path, text, 0644) == 0);
}

static void issue(const char *key, const char *file)
{
    struct credlog_run r;

    CREDLOG_RUN(&r, "issue", "--log", p.url, "--key", key, "--log-key",
                p.vkey_path, file);
    CREDLOG_EXPECT(&r, 0, "issued");
    credlog_run_free(&r);
}

static void verify(const char *file, int want, const char *text,
                   const char *text2)
{
    struct credlog_run r;

    CREDLOG_RUN(&r, "verify", "--log-key", p.log_vkey, "--log", p.url, file);
    CREDLOG_EXPECT(&r, want, text);
    if (text2 != NULL)
        CREDLOG_EXPECT(&r, want, text2);
    credlog_run_free(&r);
}

static void run_all(void)
{
    struct credlog_run r;
    char prefix[1024], path[1200], bundle[1200], holder[1200];
    const char *names[2] = {"avans.nl", "other.example"};
    const char *genuine, *forged, *forged_id, *plain;

    for (int i = 0; i < 2; i++) {
        char *text;

        snprintf(prefix, sizeof prefix, "%s/%s", dir, names[i]);
        CREDLOG_RUN(&r, "keygen", "--name", names[i], "--out", prefix);
        CREDLOG_EXPECT(&r, 0, "verifier key: ");
        credlog_run_free(&r);
        snprintf(path, sizeof path, "%s.vkey", prefix);
        text = files_read(path, NULL);
        REQUIRE(text != NULL);
        text[strcspn(text, "\r\n")] = '\0';
        snprintf(i == 0 ? avans_vkey : other_vkey, sizeof avans_vkey, "%s",
                 text);
        free(text);
        snprintf(i == 0 ? avans_key : other_key, sizeof avans_key, "%s.key",
                 prefix);
    }
    REQUIRE(logd_proc_init(&p, "log.credissuer.test", NULL, 0) == 0);
    write_issuers(true);
    REQUIRE(logd_proc_start(&p, NULL) == 0);

    genuine = put("genuine.json", OB3("https://avans.nl/issuer", "07GR"));
    issue(avans_key, genuine);
    verify(genuine, 0, "VALID: issued by avans.nl (\"Avans Hogeschool\")",
           "https://avans.nl/issuer (issuer), BRIN 07GR "
           "(issuer.otherIdentifier)\n    matches the identity");
    CREDLOG_RUN(&r, "verify", "--log-key", p.log_vkey, "--log", p.url, "--json",
                genuine);
    CREDLOG_EXPECT(&r, 0, "\"result\": \"match\"");
    credlog_run_free(&r);

    /* The forged member: its own issuer id, Avans's BRIN. */
    forged = put("forged.json", OB3("https://other.example/issuer", "07GR"));
    issue(other_key, forged);
    verify(forged, 2,
           "INVALID: the credential names BRIN 07GR (issuer.otherIdentifier) "
           "but was logged by key other.example (name \"Other University\", "
           "dns other.example, issuer_id https://other.example/issuer)",
           NULL);
    CREDLOG_RUN(&r, "verify", "--log-key", p.log_vkey, "--log", p.url, "--json",
                forged);
    CREDLOG_EXPECT(&r, 2, "\"result\": \"mismatch\"");
    credlog_run_free(&r);
    /* credlog bundle refuses to bundle it; a genuine bundle verifies with
     * the match. */
    snprintf(holder, sizeof holder, "%s/forged.credlog", dir);
    CREDLOG_RUN(&r, "bundle", forged, "--log", p.url, "--log-key", p.log_vkey,
                "--out", holder);
    CREDLOG_EXPECT(&r, 2, "INVALID: the credential names BRIN 07GR");
    credlog_run_free(&r);
    snprintf(holder, sizeof holder, "%s/genuine.credlog", dir);
    CREDLOG_RUN(&r, "bundle", genuine, "--log", p.url, "--log-key", p.log_vkey,
                "--out", holder);
    CREDLOG_EXPECT(&r, 0, "wrote");
    credlog_run_free(&r);
    forged_id = put("forged-id.json", OB3("https://avans.nl/issuer", "99ZZ"));
    issue(other_key, forged_id);
    verify(forged_id, 2,
           "INVALID: the credential names issuer https://avans.nl/issuer "
           "(issuer) but was logged by key other.example",
           NULL);

    /* No issuer: the verdict stands and says so. */
    plain = put("plain.json", "{\"achievement\":\"Sailing 1\"}");
    issue(avans_key, plain);
    verify(plain, 0, "VALID: issued by avans.nl",
           "the credential names no issuer");

    /* A removed key's credentials still verify, from the status proof
     * alone. */
    snprintf(bundle, sizeof bundle, "%s/genuine.status.json", dir);
    write_issuers(false);
    CHECK(logd_proc_signal(&p, SIGHUP) == 0);
    CHECK(logd_proc_wait_log(&p, "issuer key removed: avans.nl+", 10000));
    verify(genuine, 0, "VALID: issued by avans.nl (\"Avans Hogeschool\")",
           "matches the identity");
    CREDLOG_RUN(&r, "status", "--log-key", p.log_vkey, "--log", p.url, genuine,
                "--save", bundle);
    CREDLOG_EXPECT(&r, 0, "VALID");
    credlog_run_free(&r);
    logd_proc_stop(&p);
    CREDLOG_RUN(&r, "verify", "--log-key", p.log_vkey, genuine, "--bundle",
                bundle);
    CREDLOG_EXPECT(&r, 0, "matches the identity");
    credlog_run_free(&r);
    CREDLOG_RUN(&r, "verify", "--log-key", p.log_vkey, holder);
    CREDLOG_EXPECT(&r, 0, "matches the identity");
    credlog_run_free(&r);
    CREDLOG_RUN(&r, "verify", "--log-key", p.log_vkey, forged, "--bundle",
                bundle);
    CREDLOG_EXPECT(&r, 2, "INVALID");
    credlog_run_free(&r);
    logd_proc_cleanup(&p);
}

int main(void)
{
    logd_proc_require();
    credlog_run_require();
    files_tmpdir(dir, sizeof dir, "credissuer");
    snprintf(credlog_run_home, sizeof credlog_run_home, "%s", dir);
    run_all();
    if (check_failed == 0)
        files_rmtree(dir);
    else
        fprintf(stderr, "kept %s\n", dir);
    return check_finish();
}
