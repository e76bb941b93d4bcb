/*
 * test_credkey_e2e.c: credentials as people really hold them, end to end
 * (issue 12): the real credlog command against a real logd on loopback.
 *
 * - Every format issued once (salted, the default) and verified VALID, online
 *   and offline, after the change real life makes to it, against the same
 *   entry: an OB3 JSON credential re-serialized (key order, whitespace,
 *   3.0 as 3, an escape) and re-signed (a new proof); an SD-JWT presented
 *   with fewer disclosures; a hosted OB2 assertion whose updatedAt changed;
 *   a badge baked in a PNG, re-baked into another PNG and into an SVG; a PDF
 *   (bytes) unchanged, and INVALID with one byte changed. Revoking by file
 *   reaches every form: the re-signed credential then verifies REVOKED.
 * - A salted credential without its receipt: NOT ISSUED with the hint.
 * - A re-run of issue reuses the receipt's salt; --no-salt does not.
 * - A holder's bundle verifies offline with logd stopped (and online to
 *   refresh while it ran), and fails with any byte of its credential changed.
 * - The same content logged unsalted by one institution and salted by
 *   another: two different keys, both logged.
 * - Hostile files given to issue and verify (a PNG chunk claiming 1 GiB, a
 *   billion-laughs SVG, JSON nested 100,000 deep, invalid UTF-8): a clear
 *   error, nothing submitted, in bounded time, and every credlog run of
 *   the test within a bounded peak memory.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <unistd.h>

#include <jansson.h>

#include "check.h"
#include "credlog_run.h"
#include "files.h"
#include "logd_proc.h"
#include "proofs/codec.h"

/* Paths here are short temp paths in fixed buffers; gcc cannot see that. */
#pragma GCC diagnostic ignored "-Wformat-truncation"

/* The most memory any credlog run (or logd) of this test may have used. */
#if defined(__SANITIZE_ADDRESS__)
#define PEAK_MAX_KB (600L * 1024) /* ASan's shadow memory counts too */
#else
#define PEAK_MAX_KB (64L * 1024)
#endif

static char dir[512];
static struct logd_proc p;
static char avans_key[1100], tilburg_key[1100];

static void path_of(char *buf, size_t cap, const char *name)
{
    snprintf(buf, cap, "%s/%s", dir, name);
}

/* Writes name (in dir) and returns its path in a static rotating buffer. */
static const char *put(const char *name, const void *data, size_t len)
{
    static char bufs[8][1200];
    static unsigned next;
    char *b = bufs[next++ % 8];

    path_of(b, sizeof bufs[0], name);
    files_write(b, data, len);
    return b;
}

static const char *put_text(const char *name, const char *text)
{
    return put(name, text, strlen(text));
}

/* The value of a string member of the JSON file at path (static buffer). */
static const char *json_member(const char *path, const char *member)
{
    static char out[256];
    json_t *j = json_load_file(path, 0, NULL);
    const char *s = json_string_value(json_object_get(j, member));

    snprintf(out, sizeof out, "%s", s != NULL ? s : "");
    json_decref(j);
    return out;
}

/* base64url without padding. */
static void b64url(const char *in, char *out)
{
    size_t n = codec_b64_encode((const uint8_t *)in, strlen(in), out);
    for (size_t i = 0; i < n; i++)
        out[i] = out[i] == '+' ? '-' : out[i] == '/' ? '_' : out[i];
    while (n > 0 && out[n - 1] == '=')
        n--;
    out[n] = '\0';
}

static uint32_t crc32_of(const uint8_t *p_, size_t n)
{
    uint32_t c = 0xffffffffu;

    for (size_t i = 0; i < n; i++) {
        c ^= p_[i];
        for (int k = 0; k < 8; k++)
            c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1)));
    }
    return c ^ 0xffffffffu;
}

static size_t put_chunk(uint8_t *out, const char *type, const uint8_t *data,
                        size_t len)
{
    uint32_t crc;

    out[0] = (uint8_t)(len >> 24);
    out[1] = (uint8_t)(len >> 16);
    out[2] = (uint8_t)(len >> 8);
    out[3] = (uint8_t)len;
    memcpy(out + 4, type, 4);
    if (len > 0)
        memcpy(out + 8, data, len);
    crc = crc32_of(out + 4, len + 4);
    out[8 + len] = (uint8_t)(crc >> 24);
    out[9 + len] = (uint8_t)(crc >> 16);
    out[10 + len] = (uint8_t)(crc >> 8);
    out[11 + len] = (uint8_t)crc;
    return 12 + len;
}

/* A PNG with the credential text baked in an iTXt chunk (keyword kw), and
 * image data that differs with `image` (a re-encoded image). */
static size_t bake_png(uint8_t *out, const char *kw, const char *text,
                       int image)
{
    static const uint8_t ihdr[13] = {0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0};
    uint8_t itxt[8192], idat[16];
    size_t n = 8, k = strlen(kw);

    memcpy(out, "\x89PNG\r\n\x1a\n", 8);
    n += put_chunk(out + n, "IHDR", ihdr, sizeof ihdr);
    for (size_t i = 0; i < sizeof idat; i++)
        idat[i] = (uint8_t)(image * 31 + (int)i);
    if (image % 2 == 0)
        n += put_chunk(out + n, "IDAT", idat, sizeof idat);
    memcpy(itxt, kw, k + 1); /* keyword, NUL */
    itxt[k + 1] = 0;         /* compression flag */
    itxt[k + 2] = 0;         /* method */
    itxt[k + 3] = 0;         /* language tag "" */
    itxt[k + 4] = 0;         /* translated keyword "" */
    memcpy(itxt + k + 5, text, strlen(text));
    n += put_chunk(out + n, "iTXt", itxt, k + 5 + strlen(text));
    if (image % 2 == 1)
        n += put_chunk(out + n, "IDAT", idat, sizeof idat);
    n += put_chunk(out + n, "IEND", NULL, 0);
    return n;
}

/* Runs issue for one file by institution key (extra may be NULL). */
static void issue(const char *key, const char *file, const char *extra,
                  int want)
{
    struct credlog_run r;

    if (extra != NULL)
        CREDLOG_RUN(&r, "issue", "--log", p.url, "--key", key, "--log-key",
                    p.vkey_path, extra, file);
    else
        CREDLOG_RUN(&r, "issue", "--log", p.url, "--key", key, "--log-key",
                    p.vkey_path, file);
    CREDLOG_EXPECT(&r, want, want == 0 ? "issued" : NULL);
    credlog_run_free(&r);
}

/* Verifies file online and offline with receipt (NULL: beside it). */
static void verify_both(const char *file, const char *receipt, int want,
                        const char *text)
{
    struct credlog_run r;

    if (receipt != NULL) {
        CREDLOG_RUN(&r, "verify", "--log-key", p.log_vkey, "--log", p.url,
                    "--receipt", receipt, file);
        CREDLOG_EXPECT(&r, want, text);
        credlog_run_free(&r);
        if (want == 0) {
            CREDLOG_RUN(&r, "verify", "--log-key", p.log_vkey, "--receipt",
                        receipt, file);
            CREDLOG_EXPECT(&r, 0, text);
            CHECK(credlog_run_has(&r, "revocation not checked"));
            credlog_run_free(&r);
        }
    } else {
        CREDLOG_RUN(&r, "verify", "--log-key", p.log_vkey, "--log", p.url,
                    file);
        CREDLOG_EXPECT(&r, want, text);
        credlog_run_free(&r);
    }
}

static const char ob3[] =
    "{\"@context\":[\"https://www.w3.org/ns/credentials/v2\","
    "\"https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json\"],"
    "\"id\":\"urn:uuid:2d9f7a3c-0b8e-4d1f-9a6c-5e4b3a2f1c0d\","
    "\"type\":[\"VerifiableCredential\",\"OpenBadgeCredential\"],"
    "\"issuer\":{\"id\":\"https://avans.example/issuers/1\",\"type\":"
    "[\"Profile\"],\"name\":\"Avans Hogeschool\"},"
    "\"validFrom\":\"2026-07-06T10:00:00Z\","
    "\"name\":\"Management in de Zorg\","
    "\"credentialSubject\":{\"type\":[\"AchievementSubject\"],"
    "\"achievement\":{\"id\":\"https://avans.example/a/mz\",\"type\":"
    "[\"Achievement\"],\"name\":\"Management in de Zorg\",\"ECTS\":3.0,"
    "\"criteria\":{\"narrative\":\"Zorg \\u0026 organisatie\"}}},"
    "\"proof\":{\"type\":\"DataIntegrityProof\",\"cryptosuite\":"
    "\"eddsa-rdfc-2022\",\"created\":\"2026-07-06T10:00:00Z\","
    "\"proofValue\":\"z5vgFc9bSsh4nd8fKHzW1kCJ2q8pZ\"}}\n";

/* The same credential after a wallet re-serialized it (members in another
 * order, indented, 3.0 as 3, the escape written out) and the issuer re-signed
 * it (a new proof). */
static const char ob3_wallet[] =
    "{\n  \"proof\": {\"type\": \"DataIntegrityProof\", \"cryptosuite\": "
    "\"eddsa-rdfc-2022\", \"created\": \"2027-03-01T08:00:00Z\", "
    "\"proofValue\": \"z3FXQjecWufY46yg5abdVZsXqLhxhueuSoZgNSARiKBk\"},\n"
    "  \"name\": \"Management in de Zorg\",\n"
    "  \"credentialSubject\": {\"achievement\": {\"criteria\": "
    "{\"narrative\": \"Zorg & organisatie\"}, \"ECTS\": 3, \"name\": "
    "\"Management in de Zorg\", \"type\": [\"Achievement\"], \"id\": "
    "\"https://avans.example/a/mz\"}, \"type\": [\"AchievementSubject\"]},\n"
    "  \"validFrom\": \"2026-07-06T10:00:00Z\",\n"
    "  \"issuer\": {\"name\": \"Avans Hogeschool\", \"type\": [\"Profile\"], "
    "\"id\": \"https://avans.example/issuers/1\"},\n"
    "  \"type\": [\"VerifiableCredential\", \"OpenBadgeCredential\"],\n"
    "  \"id\": \"urn:uuid:2d9f7a3c-0b8e-4d1f-9a6c-5e4b3a2f1c0d\",\n"
    "  \"@context\": [\"https://www.w3.org/ns/credentials/v2\", "
    "\"https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json\"]\n}\n";

static const char ob2_hosted[] =
    "{\"@context\":\"https://w3id.org/openbadges/v2\",\"type\":\"Assertion\","
    "\"id\":\"https://edubadges.example/public/assertions/7Qm2xK1sT0a\","
    "\"recipient\":{\"type\":\"email\",\"hashed\":true,\"salt\":\"b3f1\","
    "\"identity\":\"sha256$9d674b92768ed8d91ac23407016c6c730d375589119563f1"
    "b94bc00e0135b6b5\"},\"badge\":\"https://edubadges.example/public/badges/"
    "dl\",\"verification\":{\"type\":\"HostedBadge\"},\"issuedOn\":"
    "\"2026-06-01T10:00:00Z\",\"updatedAt\":\"%s\",\"revoked\":false}\n";

static void test_formats(void)
{
    static uint8_t png[16384];
    char rec[1200], sdjwt[4096], h[256], pl[1024], d1[128], d2[128], sig[128],
        buf[4096];
    const char *f, *g;
    struct credlog_run r;
    size_t n;

    /* OB3 JSON: re-serialized and re-signed. */
    f = put_text("ob3.json", ob3);
    issue(avans_key, f, NULL, 0);
    snprintf(rec, sizeof rec, "%s.receipt.json", f);
    CHECK(strcmp(json_member(rec, "profile"), "json") == 0);
    CHECK(strlen(json_member(rec, "salt")) == 32);
    verify_both(f, NULL, 0, "VALID: issued by avans.nl");
    g = put_text("ob3-wallet.json", ob3_wallet);
    verify_both(g, rec, 0, "VALID: issued by avans.nl");

    /* SD-JWT: issued with two disclosures, shown with one. */
    b64url("{\"alg\":\"ES256\",\"typ\":\"dc+sd-jwt\"}", h);
    b64url("{\"iss\":\"https://avans.example\",\"vct\":\"https://avans."
           "example/mc\",\"_sd\":[\"Xh5yQ\",\"m8Rk2\"],\"iat\":1780000000}",
           pl);
    b64url("[\"s1\",\"given_name\",\"Ada\"]", d1);
    b64url("[\"s2\",\"grade\",\"8\"]", d2);
    b64url("not a real signature, but 64 bytes long...........!!!!!!!!!!!",
           sig);
    snprintf(sdjwt, sizeof sdjwt, "%s.%s.%s~%s~%s~", h, pl, sig, d1, d2);
    f = put_text("mc.sd-jwt", sdjwt);
    issue(avans_key, f, NULL, 0);
    snprintf(rec, sizeof rec, "%s.receipt.json", f);
    CHECK(strcmp(json_member(rec, "profile"), "jws") == 0);
    snprintf(sdjwt, sizeof sdjwt, "%s.%s.%s~%s~\n", h, pl, sig, d2);
    g = put_text("mc-presented.sd-jwt", sdjwt);
    verify_both(g, rec, 0, "VALID: issued by avans.nl");

    /* Hosted OB2: updatedAt changes, and revoked (false) is rewritten. */
    snprintf(buf, sizeof buf, ob2_hosted, "2026-06-01T10:00:00Z");
    f = put_text("ob2.json", buf);
    issue(avans_key, f, NULL, 0);
    snprintf(rec, sizeof rec, "%s.receipt.json", f);
    CHECK(strcmp(json_member(rec, "profile"), "ob2-hosted") == 0);
    snprintf(buf, sizeof buf, ob2_hosted, "2026-11-30T17:45:12Z");
    g = put_text("ob2-later.json", buf);
    verify_both(g, rec, 0, "VALID: issued by avans.nl");

    /* A baked PNG, re-baked into another PNG and into an SVG. */
    char badge[2048];
    snprintf(badge, sizeof badge,
             "{\"type\":[\"VerifiableCredential\",\"OpenBadgeCredential\"],"
             "\"id\":\"urn:uuid:81f0c6de-3f4b-4d8e-b1a5-7c2e9d0f6a13\","
             "\"name\":\"Data literacy\",\"credentialSubject\":{\"id\":"
             "\"did:example:ada\"}}");
    n = bake_png(png, "openbadgecredential", badge, 0);
    f = put("badge.png", png, n);
    issue(avans_key, f, NULL, 0);
    snprintf(rec, sizeof rec, "%s.receipt.json", f);
    CHECK(strcmp(json_member(rec, "profile"), "json") == 0);
    verify_both(f, NULL, 0, "VALID: issued by avans.nl");
    char rebaked[2100];
    snprintf(rebaked, sizeof rebaked,
             "{ \"name\": \"Data literacy\", \"credentialSubject\": { \"id\": "
             "\"did:example:ada\" }, \"id\": "
             "\"urn:uuid:81f0c6de-3f4b-4d8e-b1a5-7c2e9d0f6a13\", \"type\": "
             "[\"VerifiableCredential\", \"OpenBadgeCredential\"] }");
    n = bake_png(png, "openbadgecredential", rebaked, 1);
    g = put("badge-rebaked.png", png, n);
    verify_both(g, rec, 0, "VALID: issued by avans.nl");
    snprintf(buf, sizeof buf,
             "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
             "<!DOCTYPE svg PUBLIC \"-//W3C//DTD SVG 1.1//EN\" "
             "\"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd\">\n"
             "<svg xmlns=\"http://www.w3.org/2000/svg\" "
             "xmlns:openbadges=\"https://purl.imsglobal.org/ob/v3p0\" "
             "width=\"64\" height=\"64\">\n  <circle r=\"30\"/>\n"
             "  <openbadges:credential><![CDATA[%s]]></openbadges:credential>"
             "\n</svg>\n",
             rebaked);
    g = put_text("badge.svg", buf);
    verify_both(g, rec, 0, "VALID: issued by avans.nl");

    /* A PDF: bytes. Unchanged VALID; one byte changed INVALID. */
    snprintf(buf, sizeof buf,
             "%%PDF-1.7\n%%\xe2\xe3\xcf\xd3\n1 0 obj <</Type /Catalog>> "
             "endobj\ntrailer <</Root 1 0 R>>\n%%%%EOF\n");
    f = put_text("diploma.pdf", buf);
    issue(avans_key, f, NULL, 0);
    snprintf(rec, sizeof rec, "%s.receipt.json", f);
    CHECK(strcmp(json_member(rec, "profile"), "bytes") == 0);
    verify_both(f, NULL, 0, "VALID: issued by avans.nl");
    buf[20] ^= 1;
    g = put_text("diploma-edited.pdf", buf);
    verify_both(g, rec, 2, "INVALID");

    /* Revoking by file reaches every form of the credential. */
    f = put_text("ob3.json", ob3);
    CREDLOG_RUN(&r, "revoke", "--log", p.url, "--key", avans_key, "--reason",
                "superseded", f);
    CREDLOG_EXPECT(&r, 0, "revoked");
    credlog_run_free(&r);
    snprintf(rec, sizeof rec, "%s.receipt.json", f);
    g = put_text("ob3-wallet.json", ob3_wallet);
    verify_both(g, rec, 1, "REVOKED: issued by avans.nl");
}

/* A salted credential without its receipt: NOT ISSUED, with the hint; with
 * it (or unsalted) found. */
static void test_salt_hint(void)
{
    char rec[1200], moved[1200];
    struct credlog_run r;
    const char *f;

    f = put_text("salted.json", "{\"name\":\"Ada\",\"course\":\"X\"}");
    issue(avans_key, f, NULL, 0);
    snprintf(rec, sizeof rec, "%s.receipt.json", f);
    path_of(moved, sizeof moved, "salted.receipt.elsewhere");
    REQUIRE(rename(rec, moved) == 0);
    CREDLOG_RUN(&r, "verify", "--log-key", p.log_vkey, "--log", p.url, f);
    CREDLOG_EXPECT(&r, 1, "NOT ISSUED");
    CHECK(credlog_run_has(&r, "a salted credential"));
    CHECK(credlog_run_has(&r, "--receipt R"));
    credlog_run_free(&r);
    CREDLOG_RUN(&r, "verify", "--log-key", p.log_vkey, "--log", p.url, f,
                "--json");
    CREDLOG_EXPECT(&r, 1, "\"hint\": \"a salted credential");
    credlog_run_free(&r);
    /* Offline there is nothing to look up: the receipt is required. */
    CREDLOG_RUN(&r, "verify", "--log-key", p.log_vkey, f);
    CREDLOG_EXPECT(&r, 2, "no receipt");
    credlog_run_free(&r);
    verify_both(f, moved, 0, "VALID: issued by avans.nl");
    /* Unsalted: found without a receipt, and no hint. */
    f = put_text("unsalted.json", "{\"name\":\"Bo\",\"course\":\"Y\"}");
    issue(avans_key, f, "--no-salt", 0);
    snprintf(rec, sizeof rec, "%s.receipt.json", f);
    CHECK(strcmp(json_member(rec, "salt"), "") == 0);
    unlink(rec);
    CREDLOG_RUN(&r, "verify", "--log-key", p.log_vkey, "--log", p.url, f);
    CREDLOG_EXPECT(&r, 0, "VALID: issued by avans.nl");
    credlog_run_free(&r);
    /* Revoke wants the receipt of a salted credential. */
    f = put_text("salted.json", "{\"name\":\"Ada\",\"course\":\"X\"}");
    CREDLOG_RUN(&r, "revoke", "--log", p.url, "--key", avans_key, f);
    CREDLOG_EXPECT(&r, 2, "no receipt");
    credlog_run_free(&r);
}

/* Re-running issue with the receipt beside reuses its salt (the log answers
 * with the existing receipt); --no-salt never reuses a salted receipt. */
static void test_rerun(void)
{
    char rec[1200], key1[80];
    struct credlog_run r;
    const char *f = put_text("rerun.json", "{\"name\":\"Cy\",\"n\":1.0}");

    issue(avans_key, f, NULL, 0);
    snprintf(rec, sizeof rec, "%s.receipt.json", f);
    snprintf(key1, sizeof key1, "%s", json_member(rec, "credential_hash"));
    f = put_text("rerun.json", "{ \"n\": 1, \"name\": \"Cy\" }");
    CREDLOG_RUN(&r, "issue", "--log", p.url, "--key", avans_key, f);
    CREDLOG_EXPECT(&r, 0, "already issued");
    credlog_run_free(&r);
    CHECK(strcmp(json_member(rec, "credential_hash"), key1) == 0);
    CREDLOG_RUN(&r, "issue", "--log", p.url, "--key", avans_key, "--no-salt",
                f);
    CREDLOG_EXPECT(&r, 0, "issued");
    CHECK(!credlog_run_has(&r, "already issued"));
    credlog_run_free(&r);
    CHECK(strcmp(json_member(rec, "salt"), "") == 0);
    CHECK(strcmp(json_member(rec, "credential_hash"), key1) != 0);
    /* And an unsalted receipt is reused by a plain re-run. */
    CREDLOG_RUN(&r, "issue", "--log", p.url, "--key", avans_key, f);
    CREDLOG_EXPECT(&r, 0, "already issued");
    credlog_run_free(&r);
    CHECK(strcmp(json_member(rec, "salt"), "") == 0);
}

/* Two institutions, the same content: two keys. */
static void test_two_institutions(void)
{
    char rec_a[1200], rec_t[1200], key_a[80], key_t[80];
    const char *content = "{\"name\":\"Ada\",\"course\":\"Statistics 1\"}";
    const char *fa, *ft;

    fa = put_text("same-avans.json", content);
    ft = put_text("same-tilburg.json", content);
    issue(avans_key, fa, "--no-salt", 0);
    issue(tilburg_key, ft, NULL, 0); /* salted: no clash with avans's key */
    snprintf(rec_a, sizeof rec_a, "%s.receipt.json", fa);
    snprintf(rec_t, sizeof rec_t, "%s.receipt.json", ft);
    snprintf(key_a, sizeof key_a, "%s", json_member(rec_a, "credential_hash"));
    snprintf(key_t, sizeof key_t, "%s", json_member(rec_t, "credential_hash"));
    CHECK(strlen(key_a) == 64 && strlen(key_t) == 64);
    CHECK(strcmp(key_a, key_t) != 0);
    verify_both(fa, rec_a, 0, "VALID: issued by avans.nl");
    verify_both(ft, rec_t, 0, "VALID: issued by tilburg.nl");
    /* Unsalted again by tilburg: avans has that key (first come). */
    ft = put_text("same-tilburg-2.json", content);
    issue(tilburg_key, ft, "--no-salt", 1);
}

/* Writes path's bundle with byte i of its credential flipped to out. */
static void flip_bundle(const char *path, size_t i, const char *out)
{
    json_t *j = json_load_file(path, 0, NULL), *c;
    const char *b64;
    uint8_t *data;
    char *enc, *text;
    size_t n;
    int m;

    REQUIRE(j != NULL);
    c = json_object_get(j, "credential");
    b64 = json_string_value(json_object_get(c, "data"));
    n = strlen(b64);
    data = malloc(n);
    enc = malloc(n + 8);
    REQUIRE(data != NULL && enc != NULL);
    m = codec_b64_decode(b64, n, data, n);
    REQUIRE(m > 0 && i < (size_t)m);
    data[i] ^= 0x01;
    codec_b64_encode(data, (size_t)m, enc);
    json_object_set_new(c, "data", json_string(enc));
    text = json_dumps(j, JSON_INDENT(1));
    files_write(out, text, strlen(text));
    free(text);
    free(enc);
    free(data);
    json_decref(j);
}

static void test_bundle(void)
{
    char bundle[1200], offline[1200], bad[1200];
    const char *content = "{\"id\":\"urn:uuid:5b1c9e0a\",\"name\":\"Ada\","
                          "\"degree\":\"BSc\",\"ects\":180}";
    struct credlog_run r;
    const char *f;
    size_t len = strlen(content);
    int fails = 0;

    f = put_text("holder.json", content);
    issue(avans_key, f, NULL, 0);
    path_of(bundle, sizeof bundle, "holder.credlog");
    path_of(offline, sizeof offline, "holder-offline.credlog");
    path_of(bad, sizeof bad, "bad.credlog");
    CREDLOG_RUN(&r, "bundle", f, "--log", p.url, "--log-key", p.log_vkey,
                "--out", bundle);
    CREDLOG_EXPECT(&r, 0, "wrote");
    credlog_run_free(&r);
    CHECK(files_mode(bundle) == 0600);
    CHECK(strcmp(json_member(bundle, "format"), "credlog-bundle/v1") == 0);
    CREDLOG_RUN(&r, "bundle", f, "--log-key", p.log_vkey, "--out", offline);
    CREDLOG_EXPECT(&r, 0, "no status proof");
    credlog_run_free(&r);
    /* Online: the status is refreshed from the log. */
    CREDLOG_RUN(&r, "verify", "--log-key", p.log_vkey, "--log", p.url, bundle);
    CREDLOG_EXPECT(&r, 0, "not revoked as of");
    credlog_run_free(&r);

    /* The log is gone: the bundle alone. */
    CHECK(logd_proc_stop(&p) == 0);
    CREDLOG_RUN(&r, "verify", "--log-key", p.log_vkey, bundle);
    CREDLOG_EXPECT(&r, 0, "VALID: issued by avans.nl");
    CHECK(credlog_run_has(&r, "not revoked as of"));
    CHECK(credlog_run_has(&r, "status proof from the bundle"));
    credlog_run_free(&r);
    CREDLOG_RUN(&r, "verify", "--log-key", p.log_vkey, offline);
    CREDLOG_EXPECT(&r, 0, "revocation not checked");
    credlog_run_free(&r);
    /* The credential given beside, with the bundle for salt and proofs. */
    f = put_text("holder-copy.json", "{ \"ects\": 180, \"degree\": \"BSc\", "
                                     "\"name\": \"Ada\", \"id\": "
                                     "\"urn:uuid:5b1c9e0a\" }");
    CREDLOG_RUN(&r, "verify", "--log-key", p.log_vkey, f, "--bundle", bundle);
    CREDLOG_EXPECT(&r, 0, "VALID: issued by avans.nl");
    credlog_run_free(&r);
    /* Any byte of the credential changed: never VALID. */
    for (size_t i = 0; i < len; i++) {
        flip_bundle(bundle, i, bad);
        CREDLOG_RUN(&r, "verify", "--log-key", p.log_vkey, bad);
        if (r.status != 2 || !credlog_run_has(&r, "INVALID")) {
            CHECK_MSG(false, "byte %zu flipped: exit %d\n%s%s", i, r.status,
                      r.out, r.err);
            if (++fails > 3)
                break;
        }
        credlog_run_free(&r);
    }
    /* A damaged bundle is refused, naming the member. */
    put_text("bad.credlog", "{\"format\":\"credlog-bundle/v1\",\"credential\":"
                            "{\"name\":\"../x\",\"media_type\":\"a/b\","
                            "\"data\":\"e30=\"}}");
    CREDLOG_RUN(&r, "verify", "--log-key", p.log_vkey, bad);
    CREDLOG_EXPECT(&r, 2, "credential.name");
    credlog_run_free(&r);
    CHECK(logd_proc_start(&p, NULL) == 0);
}

/* Hostile files: a clear error from issue and verify, nothing submitted,
 * quickly. */
static void hostile(const char *what, const void *data, size_t len,
                    const char *want)
{
    struct credlog_run r;
    struct timeval t0, t1;
    char rec[1200];
    const char *f = put("hostile", data, len);

    gettimeofday(&t0, NULL);
    CREDLOG_RUN(&r, "issue", "--log", p.url, "--key", avans_key, f);
    gettimeofday(&t1, NULL);
    CHECK_MSG(r.status == 2 && strstr(r.err, want) != NULL &&
                  strstr(r.err, "refused") != NULL,
              "%s: exit %d\n%s%s", what, r.status, r.out, r.err);
    CHECK_MSG(t1.tv_sec - t0.tv_sec < 10, "%s: %ld s", what,
              (long)(t1.tv_sec - t0.tv_sec));
    credlog_run_free(&r);
    snprintf(rec, sizeof rec, "%s.receipt.json", f);
    CHECK(!files_exists(rec));
    CREDLOG_RUN(&r, "verify", "--log-key", p.log_vkey, "--log", p.url,
                "--profile", "json", f);
    CHECK_MSG(r.status == 2 && strstr(r.err, want) != NULL, "%s: exit %d\n%s%s",
              what, r.status, r.out, r.err);
    credlog_run_free(&r);
}

static void test_hostile(void)
{
    static uint8_t buf[300000];

    /* A PNG chunk header claiming 1 GiB in a 60-byte file. */
    bake_png(buf, "openbadgecredential", "{}", 0);
    buf[33] = 0x40; /* the IDAT length's top byte: 1 GiB + 16 */
    hostile("1 GiB PNG chunk", buf, 60, "chunk");
    /* Billion laughs. */
    const char *laughs =
        "<?xml version=\"1.0\"?>\n<!DOCTYPE svg [<!ENTITY a \"lol\">"
        "<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">"
        "<!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">]>\n"
        "<svg xmlns=\"http://www.w3.org/2000/svg\"><credential "
        "xmlns=\"https://purl.imsglobal.org/ob/v3p0\">&c;</credential></svg>";
    hostile("billion laughs", laughs, strlen(laughs), "DOCTYPE");
    /* JSON nested 100,000 deep. */
    memcpy(buf, "{\"a\":", 5);
    memset(buf + 5, '[', 100000);
    memset(buf + 100005, ']', 100000);
    buf[200005] = '}';
    hostile("deep JSON", buf, 200006, "deep");
    /* Invalid UTF-8. */
    const char *bad = "{\"name\":\"Ad\xc3\x28\"}";
    hostile("invalid UTF-8", bad, strlen(bad), "UTF-8");
    /* Every child reaped so far (each credlog run above, the stopped logd)
     * stayed within a bounded peak. */
    struct rusage ru;
    getrusage(RUSAGE_CHILDREN, &ru);
    CHECK_MSG(ru.ru_maxrss < PEAK_MAX_KB, "peak %ld KiB", ru.ru_maxrss);
}

static void run_all(void)
{
    struct note_verifier keys[2];
    struct credlog_run r;
    char prefix[1024], path[1200], *text;
    const char *names[2] = {"avans.nl", "tilburg.nl"};

    for (int i = 0; i < 2; i++) {
        snprintf(prefix, sizeof prefix, "%s/%s", dir, names[i]);
        CREDLOG_RUN(&r, "keygen", "--name", names[i], "--out", prefix);
        CREDLOG_EXPECT(&r, 0, "verifier key: ");
        credlog_run_free(&r);
        snprintf(path, sizeof path, "%s.vkey", prefix);
        text = files_read(path, NULL);
        REQUIRE(text != NULL &&
                note_verifier_parse(text, strlen(text), &keys[i]) == 0);
        free(text);
        snprintf(i == 0 ? avans_key : tilburg_key, sizeof avans_key, "%s.key",
                 prefix);
    }
    REQUIRE(logd_proc_init(&p, "log.credkey.test", keys, 2) == 0);
    REQUIRE(logd_proc_start(&p, NULL) == 0);
    test_formats();
    test_salt_hint();
    test_rerun();
    test_two_institutions();
    test_bundle();
    test_hostile();
    logd_proc_cleanup(&p);
}

int main(void)
{
    logd_proc_require();
    credlog_run_require();
    files_tmpdir(dir, sizeof dir, "credkey-e2e");
    snprintf(credlog_run_home, sizeof credlog_run_home, "%s", dir);
    run_all();
    if (check_failed == 0)
        files_rmtree(dir);
    else
        fprintf(stderr, "kept %s\n", dir);
    return check_finish();
}
