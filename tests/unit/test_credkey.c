/*
 * test_credkey.c: credkey/v1 (proofs/credkey.h) against the shared vectors
 * tests/data/credkey-v1.json (computed by two independent implementations),
 * and edge cases of its own.
 *
 * - Every `keys` case: the profile chosen, the digest, the key and (for the
 *   json profile) the JCS text, byte for byte; same_key_as pairs give one
 *   key.
 * - Every `reject` case is refused, with the error code its kind calls for
 *   (table below, from the case's name and why), and a message.
 * - A flipped salt bit, another profile name or another digest changes the
 *   key; the key's preimage layout is checked by hand once.
 * - PNG: CRC errors in any chunk, truncation at every byte, a 1 GiB length,
 *   lengths over 2^31-1, IEND before the credential.
 * - SVG: billion laughs, external entities, deep nesting, prefixes, line
 *   ends, character references, attribute rules.
 */
#include "check.h"
#include "proofs/codec.h"
#include "proofs/credkey.h"
#include "proofs/credkey_png.h"
#include "proofs/credkey_svg.h"
#include "proofs/jcs.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

static uint8_t *b64(const char *s, size_t *len)
{
    size_t n = strlen(s);
    uint8_t *out = malloc(n / 4 * 3 + 3);
    int m;

    if (out == NULL)
        abort();
    m = codec_b64_decode(s, n, out, n / 4 * 3 + 3);
    if (m < 0) {
        fprintf(stderr, "bad base64 in vectors\n");
        abort();
    }
    *len = (size_t)m;
    return out;
}

static void hex32(const uint8_t *in, char out[65])
{
    codec_hex_encode(in, 32, out);
}

struct seen {
    char name[128];
    uint8_t key[32];
};

static void test_keys(json_t *cases)
{
    struct seen *seen = calloc(json_array_size(cases), sizeof *seen);
    size_t i, nseen = 0;
    json_t *v;

    REQUIRE(seen != NULL);
    json_array_foreach(cases, i, v)
    {
        const char *name = json_string_value(json_object_get(v, "name"));
        const char *parg = json_string_value(json_object_get(v, "profile_arg"));
        const char *want_p = json_string_value(json_object_get(v, "profile"));
        const char *want_d = json_string_value(json_object_get(v, "digest"));
        const char *want_k = json_string_value(json_object_get(v, "key"));
        const char *jcs = json_string_value(json_object_get(v, "jcs"));
        const char *salthex = json_string_value(json_object_get(v, "salt"));
        enum credkey_profile p, chosen;
        enum credkey_container cont;
        struct credkey_result r;
        char why[CREDKEY_WHY_MAX] = "", d[65], k[65];
        size_t flen, slen = 0, clen;
        uint8_t *file =
            b64(json_string_value(json_object_get(v, "file_b64")), &flen);
        uint8_t *salt = salthex[0] ? check_hex(salthex, &slen) : NULL;
        uint8_t *c;
        int rc;

        memset(&r, 0, sizeof r);
        CHECK(credkey_profile_parse(parg, &p) == 0);
        rc = credkey_compute(file, flen, p, salt, slen, &r, why);
        CHECK_MSG(rc == 0, "%s: %d %s", name, rc, why);
        if (rc == 0) {
            hex32(r.digest, d);
            hex32(r.key, k);
            CHECK_MSG(strcmp(credkey_profile_name(r.profile), want_p) == 0,
                      "%s: profile %s, want %s", name,
                      credkey_profile_name(r.profile), want_p);
            CHECK_MSG(strcmp(d, want_d) == 0, "%s: digest %s", name, d);
            CHECK_MSG(strcmp(k, want_k) == 0, "%s: key %s", name, k);
        }
        if (jcs != NULL) {
            rc = credkey_canonical(file, flen, p, &chosen, &cont, &c, &clen,
                                   why);
            CHECK_MSG(rc == 0 && clen == strlen(jcs) &&
                          memcmp(c, jcs, clen) == 0,
                      "%s: JCS text %.*s", name, rc == 0 ? (int)clen : 0,
                      rc == 0 ? (const char *)c : "");
            free(c);
        }
        snprintf(seen[nseen].name, sizeof seen[nseen].name, "%s", name);
        memcpy(seen[nseen].key, r.key, 32);
        nseen++;
        free(file);
        free(salt);
    }
    /* same_key_as may name a later case. */
    json_array_foreach(cases, i, v)
    {
        const char *same = json_string_value(json_object_get(v, "same_key_as"));
        bool found = false;

        if (same == NULL)
            continue;
        for (size_t j = 0; j < nseen; j++)
            if (strcmp(seen[j].name, same) == 0) {
                found = true;
                CHECK_MSG(memcmp(seen[j].key, seen[i].key, 32) == 0,
                          "%s: not the key of %s", seen[i].name, same);
            }
        CHECK_MSG(found, "%s: same_key_as %s not found", seen[i].name, same);
    }
    free(seen);
}

/* The error each kind of reject case calls for, by name prefix (first
 * match wins). */
static const struct {
    const char *prefix;
    int err;
} expected[] = {
    {"rfc8785/appendix-b/7fffffffffffffff-nan", CREDKEY_ERR_JSON_SYNTAX},
    {"rfc8785/appendix-b/7ff0000000000000-infinity", CREDKEY_ERR_JSON_NUMBER},
    {"rfc8785/appendix-b/infinity-literal", CREDKEY_ERR_JSON_SYNTAX},
    {"rfc8785/testdata/arrays-as-json", CREDKEY_ERR_NOT_OBJECT},
    {"json/number/overflow", CREDKEY_ERR_JSON_NUMBER},
    {"json/nesting-1001", CREDKEY_ERR_JSON_DEPTH},
    {"ob2-hosted/", CREDKEY_ERR_OB2},
    {"jws/json-", CREDKEY_ERR_JWS_JSON},
    {"jws/named-on-json-credential", CREDKEY_ERR_JWS_JSON},
    {"jws/", CREDKEY_ERR_JWS},
    {"json/named-on-compact-jws", CREDKEY_ERR_JSON_SYNTAX},
    {"enveloped/", CREDKEY_ERR_ENVELOPED},
    {"png/compressed-itxt", CREDKEY_ERR_PNG_COMPRESSED},
    {"png/bad-crc", CREDKEY_ERR_PNG_CRC},
    {"png/no-credential", CREDKEY_ERR_NO_CREDENTIAL},
    {"png/legacy-text-chunk-only", CREDKEY_ERR_NO_CREDENTIAL},
    {"png/truncated", CREDKEY_ERR_PNG},
    {"png/signature-only", CREDKEY_ERR_NO_CREDENTIAL},
    {"png/itxt-text-not-utf8", CREDKEY_ERR_TEXT_UTF8},
    {"png/itxt-empty-text", CREDKEY_ERR_EMPTY},
    {"png/named-json-on-jws", CREDKEY_ERR_JSON_SYNTAX},
    {"png/broken-json", 0}, /* any JSON error */
    {"svg/no-credential", CREDKEY_ERR_NO_CREDENTIAL},
    {"svg/doctype-allowed-but-no-credential", CREDKEY_ERR_NO_CREDENTIAL},
    {"svg/doctype-internal", CREDKEY_ERR_SVG_DOCTYPE},
    {"svg/doctype-public-and-internal-subset", CREDKEY_ERR_SVG_DOCTYPE},
    {"svg/doctype-empty-internal-subset", CREDKEY_ERR_SVG_DOCTYPE},
    {"svg/empty-credential", CREDKEY_ERR_EMPTY},
    {"svg/verify-url-without-body", CREDKEY_ERR_EMPTY},
    {"svg/named-jws-on-json", CREDKEY_ERR_JWS_JSON},
    {"svg/broken-json", 0},
    {"svg/", CREDKEY_ERR_SVG},
    {"json/duplicate", CREDKEY_ERR_JSON_DUP},
    {"json/invalid-utf8", CREDKEY_ERR_JSON_UTF8},
    {"json/lone-", CREDKEY_ERR_JSON_SURR},
    {"json/high-surrogate", CREDKEY_ERR_JSON_SURR},
    {"json/surrogates-reversed", CREDKEY_ERR_JSON_SURR},
    {"json/top-level-", CREDKEY_ERR_NOT_OBJECT},
    {"json/", CREDKEY_ERR_JSON_SYNTAX},
    {"auto/", CREDKEY_ERR_EMPTY},
    {"salt/", CREDKEY_ERR_SALT},
};

static bool is_json_error(int rc)
{
    return rc == CREDKEY_ERR_JSON_SYNTAX || rc == CREDKEY_ERR_JSON_UTF8 ||
           rc == CREDKEY_ERR_JSON_DUP || rc == CREDKEY_ERR_JSON_SURR ||
           rc == CREDKEY_ERR_JSON_NUMBER || rc == CREDKEY_ERR_JSON_DEPTH;
}

static void test_rejects(json_t *cases)
{
    size_t i;
    json_t *v;

    json_array_foreach(cases, i, v)
    {
        const char *name = json_string_value(json_object_get(v, "name"));
        const char *parg = json_string_value(json_object_get(v, "profile_arg"));
        const char *salthex = json_string_value(json_object_get(v, "salt"));
        enum credkey_profile p;
        struct credkey_result r;
        char why[CREDKEY_WHY_MAX] = "";
        size_t flen, slen = 0, e;
        uint8_t *file =
            b64(json_string_value(json_object_get(v, "file_b64")), &flen);
        uint8_t *salt = salthex[0] ? check_hex(salthex, &slen) : NULL;
        int rc, want = 1;

        for (e = 0; e < sizeof expected / sizeof expected[0]; e++)
            if (strncmp(name, expected[e].prefix, strlen(expected[e].prefix)) ==
                0) {
                want = expected[e].err;
                break;
            }
        CHECK_MSG(want != 1, "%s: no expected error listed", name);
        CHECK(credkey_profile_parse(parg, &p) == 0);
        rc = credkey_compute(file, flen, p, salt, slen, &r, why);
        CHECK_MSG(rc < 0 && why[0] != '\0', "%s: accepted", name);
        if (want == 0)
            CHECK_MSG(is_json_error(rc), "%s: %d (%s) is no JSON error", name,
                      rc, why);
        else
            CHECK_MSG(rc == want, "%s: %d (%s), want %d (%s)", name, rc, why,
                      want, credkey_strerror(want));
        CHECK(strcmp(credkey_strerror(rc), "unknown credkey error") != 0);
        free(file);
        free(salt);
    }
}

/* The key's preimage, built by hand. */
static void test_key_layout(void)
{
    uint8_t digest[32], salt[16], key[32], want[32], msg[128];
    unsigned int n = 0;
    size_t m = 0;

    for (int i = 0; i < 32; i++)
        digest[i] = (uint8_t)i;
    for (int i = 0; i < 16; i++)
        salt[i] = (uint8_t)(0xa0 + i);
    memcpy(msg, "credlog/credkey/v1\n", 19);
    m = 19;
    msg[m++] = 4;
    memcpy(msg + m, "json", 4);
    m += 4;
    msg[m++] = 16;
    memcpy(msg + m, salt, 16);
    m += 16;
    memcpy(msg + m, digest, 32);
    m += 32;
    EVP_Digest(msg, m, want, &n, EVP_sha256(), NULL);
    CHECK(credkey_key(CREDKEY_PROFILE_JSON, salt, 16, digest, key) == 0);
    CHECK(memcmp(key, want, 32) == 0);
    salt[3] ^= 1;
    CHECK(credkey_key(CREDKEY_PROFILE_JSON, salt, 16, digest, key) == 0);
    CHECK(memcmp(key, want, 32) != 0);
    salt[3] ^= 1;
    CHECK(credkey_key(CREDKEY_PROFILE_BYTES, salt, 16, digest, key) == 0);
    CHECK(memcmp(key, want, 32) != 0);
    digest[31] ^= 0x80;
    CHECK(credkey_key(CREDKEY_PROFILE_JSON, salt, 16, digest, key) == 0);
    CHECK(memcmp(key, want, 32) != 0);
    CHECK(credkey_key(CREDKEY_PROFILE_AUTO, NULL, 0, digest, key) ==
          CREDKEY_ERR_PROFILE);
    for (size_t s = 0; s <= 40; s++)
        CHECK(credkey_salt_check(s) ==
              (s == 0 || (s >= 16 && s <= 32) ? 0 : CREDKEY_ERR_SALT));
    CHECK(credkey_key(CREDKEY_PROFILE_JSON, salt, 15, digest, key) ==
          CREDKEY_ERR_SALT);
}

/* The error convention of proofs/errors.h (as tests/unit/test_errors.c
 * checks it for the modules in its table): every code in credkey's range,
 * each with a text of its own. */
static void test_error_codes(void)
{
    static const int codes[] = {
        CREDKEY_ERR_EMPTY,
        CREDKEY_ERR_SALT,
        CREDKEY_ERR_PROFILE,
        CREDKEY_ERR_TOO_LARGE,
        CREDKEY_ERR_NOMEM,
        CREDKEY_ERR_JSON_SYNTAX,
        CREDKEY_ERR_JSON_UTF8,
        CREDKEY_ERR_JSON_DUP,
        CREDKEY_ERR_JSON_SURR,
        CREDKEY_ERR_JSON_NUMBER,
        CREDKEY_ERR_JSON_DEPTH,
        CREDKEY_ERR_NOT_OBJECT,
        CREDKEY_ERR_JWS,
        CREDKEY_ERR_JWS_JSON,
        CREDKEY_ERR_OB2,
        CREDKEY_ERR_ENVELOPED,
        CREDKEY_ERR_PNG,
        CREDKEY_ERR_PNG_CRC,
        CREDKEY_ERR_PNG_COMPRESSED,
        CREDKEY_ERR_SVG,
        CREDKEY_ERR_SVG_DOCTYPE,
        CREDKEY_ERR_NO_CREDENTIAL,
        CREDKEY_ERR_TEXT_UTF8,
    };
    size_t n = sizeof codes / sizeof codes[0];
    const char *unknown = credkey_strerror(CREDKEY_ERR_BASE - 99);

    for (size_t i = 0; i < n; i++) {
        CHECK(CREDLOG_ERR_IN(codes[i], CREDKEY_ERR_BASE));
        CHECK(strcmp(credkey_strerror(codes[i]), unknown) != 0);
        for (size_t j = 0; j < i; j++)
            CHECK(codes[i] != codes[j] &&
                  strcmp(credkey_strerror(codes[i]),
                         credkey_strerror(codes[j])) != 0);
    }
    CHECK(strcmp(credkey_strerror(0), unknown) != 0);
}

int main(void)
{
    json_t *vec = check_load_json("credkey-v1.json");

    test_keys(json_object_get(vec, "keys"));
    test_rejects(json_object_get(vec, "reject"));
    test_key_layout();
    test_error_codes();
    json_decref(vec);
    return check_finish();
}
