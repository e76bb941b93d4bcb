/*
 * test_credissuer.c: the issuer a credential names (proofs/credissuer.h)
 * and the §E.5 rule comparing it with a KEY entry's identity.
 *
 * - Per profile: a JSON VC / OB3 credential (issuer string, issuer.id,
 *   otherIdentifier), a compact JWS, an SD-JWT, a JWS JSON serialization
 *   with an unencoded payload, an enveloped VC, a hosted OB 2.0 assertion
 *   (embedded badge, badge as a URL), a baked PNG and SVG, bytes.
 * - Matching: exact items, dns against the host of https: and did:web:
 *   (user info, upper case, ports, look-alike suffixes), BRIN, every
 *   identifier must match (the forged member's credential), no identity.
 * - Hostile input: an issuer of every wrong type, malformed
 *   otherIdentifier, values with controls, spaces, NUL or 256 bytes, too
 *   many identifiers, a JSON-looking payload that does not parse.
 * - Every case of tests/data/credissuer-v1.json, which the page's
 *   web/credissuer.js runs too (tests/browser/credissuer.test.js).
 */
#include "check.h"
#include "proofs/credissuer.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proofs/codec.h"

static const char b64url_chars[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* base64url without padding of s into out (NUL-terminated). */
static void b64url(const char *s, char *out)
{
    size_t n = strlen(s), o = 0;
    uint32_t acc = 0;
    int bits = 0;

    for (size_t i = 0; i < n; i++) {
        acc = (acc << 8) | (uint8_t)s[i];
        bits += 8;
        while (bits >= 6) {
            bits -= 6;
            out[o++] = b64url_chars[(acc >> bits) & 63];
        }
    }
    if (bits > 0)
        out[o++] = b64url_chars[(acc << (6 - bits)) & 63];
    out[o] = '\0';
}

/* A compact JWS of header and payload (the signature is not checked). */
static void jws(const char *hdr, const char *payload, char *out)
{
    char h[512], p[2048];

    b64url(hdr, h);
    b64url(payload, p);
    sprintf(out, "%s.%s.c2lnbmF0dXJl", h, p);
}

static int extract(const char *text, enum credkey_profile p,
                   struct credissuer *c)
{
    char why[CREDKEY_WHY_MAX] = "";
    int rc = credissuer_extract((const uint8_t *)text, strlen(text), p, c, why);

    if (rc != 0)
        CHECK_MSG(why[0] != '\0', "no message for %d", rc);
    return rc;
}

static void key_fill(struct entry *ep, const char *dns, const char *did,
                     const char *brin, const char *ob2, const char *issuer_id)
{
    struct entry e = *ep;

    e.version = ENTRY_VERSION_2;
    e.type = ENTRY_KEY;
    e.key_op = ENTRY_KEY_ADD;
    strcpy(e.issuer, "member");
#define ADD(tag, v)                                                            \
    if (v != NULL)                                                             \
    REQUIRE(entry_identity_add(&e, tag, (const uint8_t *)v, strlen(v)) == 0)
    ADD(ENTRY_ID_NAME, "Some Institution");
    ADD(ENTRY_ID_DNS, dns);
    ADD(ENTRY_ID_DID_WEB, did);
    ADD(ENTRY_ID_BRIN, brin);
    ADD(ENTRY_ID_OB2_PROFILE, ob2);
    ADD(ENTRY_ID_ISSUER_ID, issuer_id);
#undef ADD
    *ep = e;
}

static struct entry key_entry(const char *dns, const char *did,
                              const char *brin, const char *ob2,
                              const char *issuer_id)
{
    struct entry e;

    memset(&e, 0, sizeof e);
    key_fill(&e, dns, did, brin, ob2, issuer_id);
    return e;
}

#define OB3_HEAD                                                               \
    "{\"@context\":[\"https://www.w3.org/ns/credentials/v2\","                 \
    "\"https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json\"],"         \
    "\"type\":[\"VerifiableCredential\",\"OpenBadgeCredential\"],"

static const char ob3_avans[] =
    OB3_HEAD "\"issuer\":{\"id\":\"https://avans.nl/issuer\",\"type\":"
             "[\"Profile\"],\"name\":\"Avans Hogeschool\","
             "\"otherIdentifier\":[{\"type\":\"IdentifierEntry\","
             "\"identifier\":\"07GR\",\"identifierType\":\"ext:BRIN\"},"
             "{\"identifier\":\"x-1\",\"identifierType\":\"sourcedId\"}]},"
             "\"credentialSubject\":{\"id\":\"did:example:s\"},"
             "\"proof\":{\"type\":\"DataIntegrityProof\"}}";

static void test_json(void)
{
    struct credissuer c;
    struct entry avans = key_entry("avans.nl", NULL, "07GR", NULL, NULL);
    struct entry other =
        key_entry("other.example", NULL, NULL, NULL, "https://other.example/i");
    size_t bad = 99;
    char buf[2048];

    REQUIRE(extract(ob3_avans, CREDKEY_PROFILE_AUTO, &c) == 0);
    CHECK(c.profile == CREDKEY_PROFILE_JSON);
    REQUIRE(c.n == 2);
    CHECK(c.ids[0].source == CREDISSUER_SRC_ISSUER &&
          c.ids[0].kind == CREDISSUER_KIND_URI &&
          strcmp(c.ids[0].value, "https://avans.nl/issuer") == 0);
    CHECK(c.ids[1].source == CREDISSUER_SRC_OTHER_ID &&
          c.ids[1].kind == CREDISSUER_KIND_BRIN &&
          strcmp(c.ids[1].value, "07GR") == 0 && c.ids[1].len == 4);
    CHECK(credissuer_match(&c, &avans, &bad) == CREDISSUER_MATCH);
    CHECK(credissuer_match(&c, &other, &bad) == CREDISSUER_MISMATCH &&
          bad == 0);

    /* The forged member: its own issuer id, Avans's BRIN. Every identifier
     * must match, so the BRIN fails it. */
    REQUIRE(extract(OB3_HEAD "\"issuer\":{\"id\":\"https://other.example/i\","
                             "\"otherIdentifier\":[{\"identifier\":\"07GR\","
                             "\"identifierType\":\"ext:BRIN\"}]}}",
                    CREDKEY_PROFILE_JSON, &c) == 0);
    CHECK(credissuer_match(&c, &other, &bad) == CREDISSUER_MISMATCH &&
          bad == 1);
    /* A look-alike identifierType is compared as a BRIN, not skipped. */
    REQUIRE(extract(OB3_HEAD "\"issuer\":{\"id\":\"https://other.example/i\","
                             "\"otherIdentifier\":[{\"identifier\":\"07GR\","
                             "\"identifierType\":\"BRIN\"}]}}",
                    CREDKEY_PROFILE_JSON, &c) == 0);
    CHECK(c.n == 2 && c.ids[1].kind == CREDISSUER_KIND_BRIN);
    CHECK(credissuer_match(&c, &other, NULL) == CREDISSUER_MISMATCH);

    /* issuer as a string; the identity's issuer_id item. */
    REQUIRE(extract("{\"issuer\":\"https://other.example/i\"}",
                    CREDKEY_PROFILE_AUTO, &c) == 0);
    CHECK(c.n == 1 && credissuer_match(&c, &other, NULL) == CREDISSUER_MATCH);
    CHECK(credissuer_match(&c, &avans, NULL) == CREDISSUER_MISMATCH);

    /* No issuer; a nested one is not the credential's. */
    REQUIRE(extract("{\"credentialSubject\":{\"issuer\":\"https://x.y/\"}}",
                    CREDKEY_PROFILE_AUTO, &c) == 0);
    CHECK(c.n == 0 && credissuer_match(&c, &avans, NULL) == CREDISSUER_NONE);
    /* The top-level proof is not part of C, but issuer is. */
    REQUIRE(extract("{\"proof\":{\"issuer\":\"x:y\"},\"issuer\":\"a:b\"}",
                    CREDKEY_PROFILE_AUTO, &c) == 0);
    CHECK(c.n == 1 && strcmp(c.ids[0].value, "a:b") == 0);

    /* Named bytes: the same file exposes nothing. */
    REQUIRE(extract(ob3_avans, CREDKEY_PROFILE_BYTES, &c) == 0);
    CHECK(c.profile == CREDKEY_PROFILE_BYTES && c.n == 0);
    REQUIRE(extract("%PDF-1.7\n...", CREDKEY_PROFILE_AUTO, &c) == 0);
    CHECK(c.n == 0);

    /* 16 BRINs fit with nothing else; 17 do not. */
    strcpy(buf, "{\"issuer\":{\"id\":\"a:b\",\"otherIdentifier\":[");
    for (int i = 0; i < 16; i++)
        strcat(buf, i ? ",{\"identifier\":\"07GR\",\"identifierType\":"
                        "\"ext:BRIN\"}"
                      : "{\"identifier\":\"07GR\",\"identifierType\":"
                        "\"ext:BRIN\"}");
    strcat(buf, "]}}");
    CHECK(extract(buf, CREDKEY_PROFILE_AUTO, &c) == CREDISSUER_ERR_TOO_MANY);
}

static void test_hostile(void)
{
    static const struct {
        const char *text;
        int err;
    } bad[] = {
        {"{\"issuer\":7}", CREDISSUER_ERR_ISSUER},
        {"{\"issuer\":null}", CREDISSUER_ERR_ISSUER},
        {"{\"issuer\":[\"https://avans.nl/\"]}", CREDISSUER_ERR_ISSUER},
        {"{\"issuer\":{\"name\":\"Avans\"}}", CREDISSUER_ERR_ISSUER},
        {"{\"issuer\":{\"id\":[\"a:b\"]}}", CREDISSUER_ERR_ISSUER},
        {"{\"issuer\":\"\"}", CREDISSUER_ERR_VALUE},
        {"{\"issuer\":\"https://avans.nl/ x\"}", CREDISSUER_ERR_VALUE},
        {"{\"issuer\":\"https://avans.nl/\\u0000\"}", CREDISSUER_ERR_VALUE},
        {"{\"issuer\":\"https://avans.nl/\\n\"}", CREDISSUER_ERR_VALUE},
        {"{\"issuer\":\"https://\xd0\xb0vans.nl/\"}", CREDISSUER_ERR_VALUE},
        {"{\"issuer\":{\"id\":\"a:b\",\"otherIdentifier\":{}}}",
         CREDISSUER_ERR_OTHER_ID},
        {"{\"issuer\":{\"id\":\"a:b\",\"otherIdentifier\":[\"07GR\"]}}",
         CREDISSUER_ERR_OTHER_ID},
        {"{\"issuer\":{\"id\":\"a:b\",\"otherIdentifier\":[{\"identifier\":"
         "\"07GR\"}]}}",
         CREDISSUER_ERR_OTHER_ID},
        {"{\"issuer\":{\"id\":\"a:b\",\"otherIdentifier\":[{\"identifier\":7,"
         "\"identifierType\":\"ext:BRIN\"}]}}",
         CREDISSUER_ERR_OTHER_ID},
        {"{\"issuer\":{\"id\":\"a:b\",\"otherIdentifier\":[{\"identifier\":"
         "\"07 GR\",\"identifierType\":\"ext:BRIN\"}]}}",
         CREDISSUER_ERR_VALUE},
        /* credkey/v1's own refusals pass through unchanged. */
        {"{\"issuer\":\"a:b\",\"issuer\":\"c:d\"}", CREDKEY_ERR_JSON_DUP},
        {"{\"issuer\":\"a:b\"", CREDKEY_ERR_JSON_SYNTAX},
    };
    struct credissuer c;
    char buf[400];

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int rc = extract(bad[i].text, CREDKEY_PROFILE_AUTO, &c);

        CHECK_MSG(rc == bad[i].err, "case %zu: %d, want %d", i, rc, bad[i].err);
    }
    /* 255 bytes are accepted, 256 refused. */
    memset(buf, 'a', sizeof buf);
    memcpy(buf, "{\"issuer\":\"a:", 13);
    strcpy(buf + 11 + 255, "\"}");
    CHECK(extract(buf, CREDKEY_PROFILE_AUTO, &c) == 0 && c.ids[0].len == 255);
    memset(buf, 'a', sizeof buf);
    memcpy(buf, "{\"issuer\":\"a:", 13);
    strcpy(buf + 11 + 256, "\"}");
    CHECK(extract(buf, CREDKEY_PROFILE_AUTO, &c) == CREDISSUER_ERR_VALUE);
    CHECK(credissuer_extract(NULL, 3, CREDKEY_PROFILE_AUTO, &c, NULL) ==
          CREDISSUER_ERR_ARG);
}

static void host_case(const char *uri, const struct entry *e, bool want)
{
    struct credissuer_id id;

    memset(&id, 0, sizeof id);
    id.kind = CREDISSUER_KIND_URI;
    id.source = CREDISSUER_SRC_ISSUER;
    id.len = strlen(uri);
    memcpy(id.value, uri, id.len);
    CHECK_MSG(credissuer_id_matches(&id, e) == want, "%s: want %d", uri, want);
}

static void test_match(void)
{
    struct entry dns = key_entry("avans.nl", NULL, NULL, NULL, NULL);
    struct entry full = key_entry("avans.nl", "did:web:badges.avans.nl", "07GR",
                                  "https://badges.avans.nl/ob2/issuer.json",
                                  "https://badges.avans.nl/ob3/issuer");
    struct entry v1, name_only;
    struct credissuer c;
    struct credissuer_id brin;

    host_case("https://avans.nl", &dns, true);
    host_case("https://avans.nl/", &dns, true);
    host_case("https://avans.nl/issuer?x#y", &dns, true);
    host_case("https://avans.nl?x", &dns, true);
    host_case("https://avans.nl#x", &dns, true);
    host_case("https://avans.nl:8443/i", &dns, true);
    host_case("did:web:avans.nl", &dns, true);
    host_case("did:web:avans.nl:issuers:1", &dns, true);
    host_case("did:web:avans.nl%3A8443", &dns, true);
    host_case("https://Avans.nl/", &dns, false);
    host_case("https://avans.nl./", &dns, false);
    host_case("https://avans.nl.evil.example/", &dns, false);
    host_case("https://badges.avans.nl/", &dns, false); /* no subdomains */
    host_case("https://evilavans.nl/", &dns, false);
    host_case("https://avans.nl@evil.example/", &dns, false);
    host_case("https://avans.nl:443@evil.example/", &dns, false);
    host_case("https://avans.nl:/", &dns, false);
    host_case("https://avans.nl\\@evil.example/", &dns, false);
    host_case("https://avans%2Enl/", &dns, false);
    host_case("http://avans.nl/", &dns, false);
    host_case("did:web:avans.nl.evil.example", &dns, false);
    host_case("did:web:avans.nl%3", &dns, false);
    host_case("did:webs:avans.nl", &dns, false);
    host_case("avans.nl", &dns, false);
    /* Items compare exactly. */
    host_case("did:web:badges.avans.nl", &full, true);
    host_case("https://badges.avans.nl/ob2/issuer.json", &full, true);
    host_case("https://badges.avans.nl/ob3/issuer", &full, true);
    host_case("https://badges.avans.nl/ob3/issuer/", &full, false);
    host_case("https://badges.avans.nl/ob3/Issuer", &full, false);
    host_case("https://avans.nl/anything", &full, true); /* its dns */

    memset(&brin, 0, sizeof brin);
    brin.kind = CREDISSUER_KIND_BRIN;
    strcpy(brin.value, "07GR");
    brin.len = 4;
    CHECK(credissuer_id_matches(&brin, &full));
    CHECK(!credissuer_id_matches(&brin, &dns));
    strcpy(brin.value, "07gr");
    CHECK(!credissuer_id_matches(&brin, &full));
    /* A BRIN is never compared with a URI item, nor a URI with brin. */
    strcpy(brin.value, "avans.nl");
    brin.len = 8;
    CHECK(!credissuer_id_matches(&brin, &dns));

    /* No identity: a KEY v1 entry, or one with only a display name. */
    memset(&v1, 0, sizeof v1);
    v1.version = ENTRY_VERSION_1;
    v1.type = ENTRY_KEY;
    name_only = key_entry(NULL, NULL, NULL, NULL, NULL);
    REQUIRE(extract(ob3_avans, CREDKEY_PROFILE_AUTO, &c) == 0);
    CHECK(credissuer_match(&c, &v1, NULL) == CREDISSUER_NO_IDENTITY);
    CHECK(credissuer_match(&c, &name_only, NULL) == CREDISSUER_NO_IDENTITY);
    CHECK(credissuer_match(&c, NULL, NULL) == CREDISSUER_NO_IDENTITY);
    c.n = 0;
    CHECK(credissuer_match(&c, &v1, NULL) == CREDISSUER_NONE);
    CHECK(credissuer_match(NULL, &full, NULL) == CREDISSUER_NONE);
    CHECK(!credissuer_id_matches(NULL, &full));
}

static void test_jws(void)
{
    struct entry avans =
        key_entry("avans.nl", "did:web:avans.nl", NULL, NULL, NULL);
    struct credissuer c;
    char t[4096], h[512], json[8192];

    jws("{\"alg\":\"EdDSA\"}",
        "{\"iss\":\"did:web:avans.nl\",\"vc\":{\"issuer\":{\"id\":"
        "\"https://avans.nl/i\"}}}",
        t);
    REQUIRE(extract(t, CREDKEY_PROFILE_AUTO, &c) == 0);
    CHECK(c.profile == CREDKEY_PROFILE_JWS);
    REQUIRE(c.n == 2);
    CHECK(c.ids[0].source == CREDISSUER_SRC_JWS_ISS &&
          strcmp(c.ids[0].value, "did:web:avans.nl") == 0);
    CHECK(c.ids[1].source == CREDISSUER_SRC_VC_ISSUER &&
          strcmp(c.ids[1].value, "https://avans.nl/i") == 0);
    CHECK(credissuer_match(&c, &avans, NULL) == CREDISSUER_MATCH);

    /* SD-JWT: the issuer-signed JWT; a trailing newline is no matter. */
    strcat(t, "~WyJzYWx0IiwiZ2l2ZW5fbmFtZSIsIkEiXQ~\n");
    REQUIRE(extract(t, CREDKEY_PROFILE_AUTO, &c) == 0);
    CHECK(c.n == 2);

    /* A VCDM 2.0 JWT: the payload is the credential; header iss too. */
    jws("{\"alg\":\"EdDSA\",\"iss\":\"https://evil.example/\"}",
        "{\"issuer\":\"did:web:avans.nl\"}", t);
    REQUIRE(extract(t, CREDKEY_PROFILE_JWS, &c) == 0);
    REQUIRE(c.n == 2);
    CHECK(c.ids[0].source == CREDISSUER_SRC_JWS_HDR_ISS);
    CHECK(c.ids[1].source == CREDISSUER_SRC_JWS_ISSUER);
    CHECK(credissuer_match(&c, &avans, NULL) == CREDISSUER_MISMATCH);

    /* Enveloped in a data: URI. */
    jws("{\"alg\":\"EdDSA\"}", "{\"iss\":\"did:web:avans.nl\"}", t);
    snprintf(json, sizeof json,
             "{\"@context\":\"https://www.w3.org/ns/credentials/v2\","
             "\"type\":\"EnvelopedVerifiableCredential\","
             "\"id\":\"data:application/vc+jwt,%s\"}",
             t);
    REQUIRE(extract(json, CREDKEY_PROFILE_AUTO, &c) == 0);
    CHECK(c.n == 1 && c.ids[0].source == CREDISSUER_SRC_JWS_ISS);

    /* A payload that is not JSON names no issuer. */
    jws("{\"alg\":\"EdDSA\"}", "hello", t);
    REQUIRE(extract(t, CREDKEY_PROFILE_AUTO, &c) == 0);
    CHECK(c.n == 0);
    /* One that looks like JSON and is not is refused. */
    jws("{\"alg\":\"EdDSA\"}", "{\"iss\":", t);
    CHECK(extract(t, CREDKEY_PROFILE_AUTO, &c) == CREDISSUER_ERR_PAYLOAD);
    jws("{\"alg\":\"EdDSA\"}", "{\"iss\":\"a\",\"iss\":\"b\"}", t);
    CHECK(extract(t, CREDKEY_PROFILE_AUTO, &c) == CREDISSUER_ERR_PAYLOAD);
    jws("{\"alg\":\"EdDSA\"}", "{\"iss\":{\"id\":\"did:web:avans.nl\"}}", t);
    CHECK(extract(t, CREDKEY_PROFILE_AUTO, &c) == CREDISSUER_ERR_ISSUER);
    jws("{\"alg\":\"EdDSA\"}", "{\"vc\":\"did:web:avans.nl\"}", t);
    CHECK(extract(t, CREDKEY_PROFILE_AUTO, &c) == CREDISSUER_ERR_ISSUER);
    jws("{\"alg\":\"EdDSA\"}", "{\"vc\":{\"issuer\":5}}", t);
    CHECK(extract(t, CREDKEY_PROFILE_AUTO, &c) == CREDISSUER_ERR_ISSUER);

    /* JWS JSON serialization with an unencoded payload (RFC 7797). */
    b64url("{\"alg\":\"EdDSA\",\"b64\":false,\"crit\":[\"b64\"]}", h);
    snprintf(json, sizeof json,
             "{\"payload\":\"{\\\"iss\\\":\\\"did:web:avans.nl\\\",\\\"x\\\":"
             "\\\"a.b.c\\\"}\",\"protected\":\"%s\",\"signature\":\"c2ln\"}",
             h);
    REQUIRE(extract(json, CREDKEY_PROFILE_AUTO, &c) == 0);
    CHECK(c.n == 1 && strcmp(c.ids[0].value, "did:web:avans.nl") == 0);
    /* The same serialization, base64url payload. */
    b64url("{\"iss\":\"did:web:avans.nl\"}", t);
    b64url("{\"alg\":\"EdDSA\"}", h);
    snprintf(json, sizeof json,
             "{\"payload\":\"%s\",\"signatures\":[{\"protected\":\"%s\","
             "\"signature\":\"c2ln\"}]}",
             t, h);
    REQUIRE(extract(json, CREDKEY_PROFILE_AUTO, &c) == 0);
    CHECK(c.n == 1 && c.ids[0].source == CREDISSUER_SRC_JWS_ISS);
}

#define OB2_HEAD                                                               \
    "{\"@context\":\"https://w3id.org/openbadges/v2\",\"type\":\"Assertion\"," \
    "\"id\":\"https://avans.nl/a/1\",\"verification\":{\"type\":"              \
    "\"HostedBadge\"},"

static void test_ob2(void)
{
    struct entry avans = key_entry("avans.nl", NULL, NULL,
                                   "https://avans.nl/ob2/issuer.json", NULL);
    struct credissuer c;

    REQUIRE(extract(OB2_HEAD
                    "\"badge\":{\"id\":\"https://avans.nl/b/1\","
                    "\"issuer\":\"https://avans.nl/ob2/issuer.json\"}}",
                    CREDKEY_PROFILE_AUTO, &c) == 0);
    CHECK(c.profile == CREDKEY_PROFILE_OB2_HOSTED);
    REQUIRE(c.n == 1);
    CHECK(c.ids[0].source == CREDISSUER_SRC_OB2_ISSUER);
    CHECK(credissuer_match(&c, &avans, NULL) == CREDISSUER_MATCH);
    REQUIRE(extract(OB2_HEAD "\"badge\":{\"issuer\":{\"id\":"
                             "\"https://other.example/issuer.json\","
                             "\"name\":\"Avans\"}}}",
                    CREDKEY_PROFILE_OB2_HOSTED, &c) == 0);
    REQUIRE(c.n == 1);
    CHECK(credissuer_match(&c, &avans, NULL) == CREDISSUER_MISMATCH);
    /* A badge that is only a URL: the issuer is not exposed. */
    REQUIRE(extract(OB2_HEAD "\"badge\":\"https://avans.nl/b/1\"}",
                    CREDKEY_PROFILE_AUTO, &c) == 0);
    CHECK(c.n == 0);
    CHECK(extract(OB2_HEAD "\"badge\":7}", CREDKEY_PROFILE_AUTO, &c) ==
          CREDISSUER_ERR_ISSUER);
    CHECK(extract(OB2_HEAD "\"badge\":{\"issuer\":[]}}", CREDKEY_PROFILE_AUTO,
                  &c) == CREDISSUER_ERR_ISSUER);
}

static uint32_t crc32_bitwise(const uint8_t *p, size_t n)
{
    uint32_t c = 0xffffffffu;

    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1)));
    }
    return ~c;
}

static size_t chunk(uint8_t *b, size_t at, const char *type, const void *data,
                    size_t len)
{
    b[at] = (uint8_t)(len >> 24);
    b[at + 1] = (uint8_t)(len >> 16);
    b[at + 2] = (uint8_t)(len >> 8);
    b[at + 3] = (uint8_t)len;
    memcpy(b + at + 4, type, 4);
    memcpy(b + at + 8, data, len);
    uint32_t crc = crc32_bitwise(b + at + 4, len + 4);
    b[at + 8 + len] = (uint8_t)(crc >> 24);
    b[at + 9 + len] = (uint8_t)(crc >> 16);
    b[at + 10 + len] = (uint8_t)(crc >> 8);
    b[at + 11 + len] = (uint8_t)crc;
    return at + 12 + len;
}

static void test_baked(void)
{
    struct credissuer c;
    uint8_t png[8192], d[4096];
    size_t n, k;
    char why[CREDKEY_WHY_MAX];
    char svg[4096];

    memcpy(png, "\x89PNG\r\n\x1a\n", 8);
    n = chunk(png, 8, "IHDR", "\0\0\0\x20\0\0\0\x20\x08\x02\0\0\0", 13);
    k = strlen("openbadgecredential");
    memcpy(d, "openbadgecredential", k + 1);
    k++;
    memcpy(d + k, "\0\0\0\0", 4); /* flag, method, language, translated */
    k += 4;
    memcpy(d + k, ob3_avans, strlen(ob3_avans));
    k += strlen(ob3_avans);
    n = chunk(png, n, "iTXt", d, k);
    n = chunk(png, n, "IEND", "", 0);
    REQUIRE(credissuer_extract(png, n, CREDKEY_PROFILE_AUTO, &c, why) == 0);
    CHECK(c.n == 2 && strcmp(c.ids[1].value, "07GR") == 0);
    REQUIRE(credissuer_extract(png, n, CREDKEY_PROFILE_BYTES, &c, why) == 0);
    CHECK(c.n == 0);

    snprintf(svg, sizeof svg,
             "<svg xmlns=\"http://www.w3.org/2000/svg\" "
             "xmlns:ob=\"https://purl.imsglobal.org/ob/v3p0\">"
             "<ob:credential><![CDATA[%s]]></ob:credential></svg>",
             ob3_avans);
    REQUIRE(extract(svg, CREDKEY_PROFILE_AUTO, &c) == 0);
    CHECK(c.n == 2 && strcmp(c.ids[0].value, "https://avans.nl/issuer") == 0);
    /* An OB 2.0 assertion baked in an SVG: the body. */
    snprintf(svg, sizeof svg,
             "<svg xmlns=\"http://www.w3.org/2000/svg\" "
             "xmlns:openbadges=\"http://openbadges.org\">"
             "<openbadges:assertion verify=\"https://avans.nl/a/1\">"
             "<![CDATA[%s\"badge\":{\"issuer\":\"https://avans.nl/p\"}}]]>"
             "</openbadges:assertion></svg>",
             OB2_HEAD);
    REQUIRE(extract(svg, CREDKEY_PROFILE_AUTO, &c) == 0);
    CHECK(c.profile == CREDKEY_PROFILE_OB2_HOSTED && c.n == 1 &&
          strcmp(c.ids[0].value, "https://avans.nl/p") == 0);
}

/* ---- the shared vectors ---- */

/* *ep: the KEY entry of the vectors' identity `name` (null: a KEY v1
 * entry). */
static void vector_identity(json_t *identities, const char *name,
                            struct entry *ep)
{
    json_t *items = json_object_get(identities, name);
    struct entry e;

    memset(ep, 0, sizeof *ep);
    REQUIRE(items != NULL);
    memset(&e, 0, sizeof e);
    e.type = ENTRY_KEY;
    e.key_op = ENTRY_KEY_ADD;
    strcpy(e.issuer, "member");
    e.version = json_is_null(items) ? ENTRY_VERSION_1 : ENTRY_VERSION_2;
    for (uint8_t tag = 1; !json_is_null(items) && tag <= ENTRY_ID_TAG_MAX;
         tag++) {
        const char *v = json_string_value(
            json_object_get(items, entry_identity_tag_name(tag)));

        if (v != NULL)
            REQUIRE(entry_identity_add(&e, tag, (const uint8_t *)v,
                                       strlen(v)) == 0);
    }
    *ep = e;
}

static const char *const vector_errors[] = {
    [1] = "CREDISSUER_ERR_ISSUER",  [2] = "CREDISSUER_ERR_OTHER_ID",
    [3] = "CREDISSUER_ERR_VALUE",   [4] = "CREDISSUER_ERR_TOO_MANY",
    [5] = "CREDISSUER_ERR_PAYLOAD",
};

/* Whether rc is the error the vectors name. */
static bool vector_error_is(int rc, const char *want)
{
    if (strcmp(want, "CREDKEY") == 0)
        return CREDLOG_ERR_IN(rc, CREDKEY_ERR_BASE);
    if (!CREDLOG_ERR_IN(rc, CREDISSUER_ERR_BASE))
        return false;
    int i = CREDISSUER_ERR_BASE - rc;

    return i >= 1 && i <= 5 && strcmp(vector_errors[i], want) == 0;
}

static void vector_extract(json_t *identities, json_t *c)
{
    const char *name = json_string_value(json_object_get(c, "name"));
    const char *text = json_string_value(json_object_get(c, "file"));
    const char *b64 = json_string_value(json_object_get(c, "file_b64"));
    const char *err = json_string_value(json_object_get(c, "error"));
    json_t *want = json_object_get(c, "want"), *ids, *match, *m;
    enum credkey_profile profile;
    char why[CREDKEY_WHY_MAX] = "";
    struct credissuer got;
    uint8_t *file;
    size_t len, i;
    const char *ident;
    int rc, n;

    REQUIRE(name != NULL && (text != NULL || b64 != NULL));
    REQUIRE(
        credkey_profile_parse(json_string_value(json_object_get(c, "profile")),
                              &profile) == 0);
    if (text != NULL) {
        len = strlen(text);
        file = malloc(len + 1);
        REQUIRE(file != NULL);
        memcpy(file, text, len);
    } else {
        file = malloc(strlen(b64));
        REQUIRE(file != NULL);
        n = codec_b64_decode(b64, strlen(b64), file, strlen(b64));
        REQUIRE(n >= 0);
        len = (size_t)n;
    }
    rc = credissuer_extract(file, len, profile, &got, why);
    free(file);
    if (err != NULL) {
        CHECK_MSG(vector_error_is(rc, err), "%s: %d, want %s", name, rc, err);
        CHECK_MSG(rc == 0 || why[0] != '\0', "%s: no message", name);
        return;
    }
    CHECK_MSG(rc == 0, "%s: %d (%s)", name, rc, why);
    if (rc != 0)
        return;
    CHECK_MSG(strcmp(credkey_profile_name(got.profile),
                     json_string_value(json_object_get(want, "profile"))) == 0,
              "%s: profile %s", name, credkey_profile_name(got.profile));
    ids = json_object_get(want, "ids");
    CHECK_MSG(got.n == json_array_size(ids), "%s: %zu identifiers", name,
              got.n);
    for (i = 0; i < got.n && i < json_array_size(ids); i++) {
        json_t *w = json_array_get(ids, i);

        CHECK_MSG(
            strcmp(credissuer_source_name(got.ids[i].source),
                   json_string_value(json_object_get(w, "source"))) == 0 &&
                strcmp(got.ids[i].kind == CREDISSUER_KIND_BRIN ? "brin" : "uri",
                       json_string_value(json_object_get(w, "kind"))) == 0 &&
                strcmp(got.ids[i].value,
                       json_string_value(json_object_get(w, "value"))) == 0,
            "%s: identifier %zu is %s %s", name, i,
            credissuer_source_name(got.ids[i].source), got.ids[i].value);
    }
    match = json_object_get(c, "match");
    json_object_foreach(match, ident, m)
    {
        static const char *const names[] = {"match", "mismatch", "none",
                                            "no_identity"};
        struct entry key;
        size_t bad = 99;
        enum credissuer_verdict v;
        char shown[32];

        vector_identity(identities, ident, &key);
        v = credissuer_match(&got, &key, &bad);
        if (v == CREDISSUER_MISMATCH)
            snprintf(shown, sizeof shown, "mismatch %zu", bad);
        else
            snprintf(shown, sizeof shown, "%s", names[v]);
        CHECK_MSG(strcmp(shown, json_string_value(m)) == 0,
                  "%s against %s: %s, want %s", name, ident, shown,
                  json_string_value(m));
    }
}

static void test_vectors(void)
{
    json_t *vec = check_load_json("credissuer-v1.json");
    json_t *identities = json_object_get(vec, "identities"), *c;
    size_t i;

    REQUIRE(json_array_size(json_object_get(vec, "extract")) > 40);
    json_array_foreach(json_object_get(vec, "extract"), i, c)
        vector_extract(identities, c);
    json_array_foreach(json_object_get(vec, "match"), i, c)
    {
        const char *value = json_string_value(json_object_get(c, "value"));
        struct entry key;
        struct credissuer_id id;

        vector_identity(identities,
                        json_string_value(json_object_get(c, "identity")),
                        &key);
        memset(&id, 0, sizeof id);
        id.source = CREDISSUER_SRC_ISSUER;
        id.kind =
            strcmp(json_string_value(json_object_get(c, "kind")), "brin") == 0
                ? CREDISSUER_KIND_BRIN
                : CREDISSUER_KIND_URI;
        id.len = strlen(value);
        memcpy(id.value, value, id.len);
        CHECK_MSG(credissuer_id_matches(&id, &key) ==
                      json_is_true(json_object_get(c, "match")),
                  "%s against %s", value,
                  json_string_value(json_object_get(c, "identity")));
    }
    json_decref(vec);
}

int main(void)
{
    test_vectors();
    test_json();
    test_hostile();
    test_match();
    test_jws();
    test_ob2();
    test_baked();
    CHECK(strcmp(credissuer_source_name(CREDISSUER_SRC_VC_ISSUER),
                 "vc.issuer") == 0);
    CHECK(strcmp(credissuer_source_name((enum credissuer_source)0), "?") == 0);
    return check_finish();
}
