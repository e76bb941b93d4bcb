/*
 * credkey.c: credkey/v1 profiles, `auto` and the key. See credkey.h and
 * docs/protocol.md ("credkey/v1").
 *
 * The flow follows the spec's steps: a PNG or SVG container first gives up
 * its text (the image bytes are never hashed unless `bytes` is named), a
 * data: URI gives up its credential, then the text is tried as a compact
 * JWS or SD-JWT, then as JSON (an enveloped credential, a JWS JSON
 * serialization, a hosted Open Badges 2.0 assertion, or plain `json`), and
 * anything else is `bytes` of that text. Tests for "is this a JWS?" under
 * `auto` are the same functions that give the error when `jws` is named, so
 * the two paths cannot drift apart.
 */
#include "proofs/credkey.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "proofs/codec.h"
#include "proofs/credkey_png.h"
#include "proofs/credkey_svg.h"
#include "proofs/jcs.h"

static const char *const profile_names[] = {"auto", "bytes", "json", "jws",
                                            "ob2-hosted"};

const char *credkey_profile_name(enum credkey_profile p)
{
    return (unsigned)p < sizeof profile_names / sizeof profile_names[0]
               ? profile_names[p]
               : "?";
}

const char *credkey_container_name(enum credkey_container c)
{
    static const char *const names[] = {"none", "png", "svg", "data-uri"};
    return (unsigned)c < sizeof names / sizeof names[0] ? names[c] : "?";
}

int credkey_profile_parse(const char *name, enum credkey_profile *out)
{
    for (size_t i = 0; i < sizeof profile_names / sizeof profile_names[0]; i++)
        if (strcmp(name, profile_names[i]) == 0) {
            *out = (enum credkey_profile)i;
            return 0;
        }
    return CREDKEY_ERR_PROFILE;
}

const char *credkey_strerror(int err)
{
    switch (err) {
    case 0:
        return "success";
    case CREDKEY_ERR_EMPTY:
        return "the credential is empty or only white space";
    case CREDKEY_ERR_SALT:
        return "a salt must be empty or 16 to 32 bytes";
    case CREDKEY_ERR_PROFILE:
        return "unknown profile (auto, bytes, json, jws, ob2-hosted)";
    case CREDKEY_ERR_TOO_LARGE:
        return "the credential file is larger than credkey reads (64 MiB)";
    case CREDKEY_ERR_NOMEM:
        return "out of memory";
    case CREDKEY_ERR_JSON_SYNTAX:
        return "not JSON";
    case CREDKEY_ERR_JSON_UTF8:
        return "JSON text that is not valid UTF-8";
    case CREDKEY_ERR_JSON_DUP:
        return "a JSON member name appears twice in one object";
    case CREDKEY_ERR_JSON_SURR:
        return "a JSON string escapes a lone surrogate";
    case CREDKEY_ERR_JSON_NUMBER:
        return "a JSON number beyond the range of a double";
    case CREDKEY_ERR_JSON_DEPTH:
        return "JSON nested more than 1000 deep";
    case CREDKEY_ERR_NOT_OBJECT:
        return "the JSON text is not an object";
    case CREDKEY_ERR_JWS:
        return "not a compact JWS or SD-JWT";
    case CREDKEY_ERR_JWS_JSON:
        return "not a valid JWS JSON serialization";
    case CREDKEY_ERR_OB2:
        return "not a hosted Open Badges 2.0 assertion";
    case CREDKEY_ERR_ENVELOPED:
        return "an enveloped credential that is not a JWS or SD-JWT";
    case CREDKEY_ERR_PNG:
        return "a malformed PNG";
    case CREDKEY_ERR_PNG_CRC:
        return "a PNG chunk's CRC does not match";
    case CREDKEY_ERR_PNG_COMPRESSED:
        return "the PNG's credential chunk is compressed";
    case CREDKEY_ERR_SVG:
        return "not a well-formed SVG that credkey reads";
    case CREDKEY_ERR_SVG_DOCTYPE:
        return "an SVG DOCTYPE with an internal subset";
    case CREDKEY_ERR_NO_CREDENTIAL:
        return "the image holds no baked credential";
    case CREDKEY_ERR_TEXT_UTF8:
        return "the baked credential is not UTF-8";
    default:
        return "unknown credkey error";
    }
}

int credkey_salt_check(size_t salt_len)
{
    return salt_len == 0 || (salt_len >= CREDKEY_SALT_MIN &&
                             salt_len <= CREDKEY_SALT_MAX)
               ? 0
               : CREDKEY_ERR_SALT;
}

int credkey_key(enum credkey_profile p, const uint8_t *salt, size_t salt_len,
                const uint8_t digest[CREDKEY_HASH_SIZE],
                uint8_t key[CREDKEY_HASH_SIZE])
{
    uint8_t msg[sizeof CREDKEY_DOMAIN + 2 + 16 + CREDKEY_SALT_MAX +
                CREDKEY_HASH_SIZE];
    const char *name = credkey_profile_name(p);
    size_t n = 0, plen = strlen(name);
    unsigned int out_len = 0;

    if (p == CREDKEY_PROFILE_AUTO || plen > 16)
        return CREDKEY_ERR_PROFILE;
    if (credkey_salt_check(salt_len) != 0)
        return CREDKEY_ERR_SALT;
    memcpy(msg, CREDKEY_DOMAIN, sizeof CREDKEY_DOMAIN - 1);
    n = sizeof CREDKEY_DOMAIN - 1;
    msg[n++] = 0x0a;
    msg[n++] = (uint8_t)plen;
    memcpy(msg + n, name, plen);
    n += plen;
    msg[n++] = (uint8_t)salt_len;
    if (salt_len > 0)
        memcpy(msg + n, salt, salt_len);
    n += salt_len;
    memcpy(msg + n, digest, CREDKEY_HASH_SIZE);
    n += CREDKEY_HASH_SIZE;
    if (EVP_Digest(msg, n, key, &out_len, EVP_sha256(), NULL) != 1)
        abort(); /* only when OpenSSL cannot allocate; see hash.c */
    return 0;
}

/* --- helpers ---------------------------------------------------------- */

/* A span of text, and the buffer that owns it (NULL if borrowed). */
struct text {
    const uint8_t *p;
    size_t len;
    uint8_t *owned;
};

static bool ascii_ws(uint8_t c)
{
    return c == 0x09 || c == 0x0a || c == 0x0c || c == 0x0d || c == 0x20;
}

static size_t trim_trailing(const uint8_t *p, size_t n)
{
    while (n > 0 && ascii_ws(p[n - 1]))
        n--;
    return n;
}

static size_t skip_leading(const uint8_t *p, size_t n)
{
    size_t i = 0;
    while (i < n && ascii_ws(p[i]))
        i++;
    return i;
}

static bool all_ws(const uint8_t *p, size_t n)
{
    return skip_leading(p, n) == n;
}

/* Whether the text, after a BOM and ASCII white space, starts with c. */
static bool starts_with(const uint8_t *p, size_t n, uint8_t c)
{
    size_t i = 0;

    if (n >= 3 && p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf)
        i = 3;
    i += skip_leading(p + i, n - i);
    return i < n && p[i] == c;
}

static int why_set(char *why, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int why_set(char *why, int err, const char *fmt, ...)
{
    va_list ap;

    if (why != NULL) {
        va_start(ap, fmt);
        vsnprintf(why, CREDKEY_WHY_MAX, fmt, ap);
        va_end(ap);
    }
    return err;
}

/* Prefixes why with "<where>: " (a baked credential's errors), cutting
 * the end off if it does not fit. */
static void why_prefix(char *why, const char *where)
{
    size_t w, n, room;

    if (why == NULL || where == NULL)
        return;
    w = strlen(where);
    n = strlen(why);
    if (w + 2 >= CREDKEY_WHY_MAX)
        return;
    room = CREDKEY_WHY_MAX - 1 - w - 2;
    if (n > room)
        n = room;
    memmove(why + w + 2, why, n);
    memcpy(why, where, w);
    why[w] = ':';
    why[w + 1] = ' ';
    why[w + 2 + n] = '\0';
}

static uint8_t *dup_bytes(const uint8_t *p, size_t n)
{
    uint8_t *c = malloc(n ? n : 1);

    if (c != NULL && n > 0)
        memcpy(c, p, n);
    return c;
}

/* Whether p[0..n) is non-empty unpadded base64url. */
static bool b64url_ok(const uint8_t *p, size_t n)
{
    return n > 0 && codec_b64url_decode((const char *)p, n, NULL, 0) >= 0;
}

/* Decodes unpadded base64url (b64url_ok() must hold) into out, which has
 * room for n * 3 / 4 bytes. Returns the decoded length. */
static size_t b64url_decode(const uint8_t *p, size_t n, uint8_t *out)
{
    return (size_t)codec_b64url_decode((const char *)p, n, out, n * 3 / 4);
}

/* --- jws -------------------------------------------------------------- */

/* Whether t[0..n) is a compact JWS: three non-empty base64url segments
 * whose first decodes to a JOSE header (an I-JSON object with a string
 * alg). */
static int jws_compact_check(const uint8_t *t, size_t n, char *why)
{
    size_t dots[2], nd = 0;
    struct jcs_doc *doc;
    uint8_t *hdr;
    size_t hlen;
    char inner[CREDKEY_WHY_MAX];
    int rc;

    if (n == 0)
        return why_set(why, CREDKEY_ERR_JWS, "JWS: empty");
    for (size_t i = 0; i < n; i++) {
        if (t[i] == '.') {
            if (nd == 2)
                return why_set(why, CREDKEY_ERR_JWS,
                               "JWS: more than three segments");
            dots[nd++] = i;
        } else if (!codec_b64url_char((char)t[i])) {
            return why_set(why, CREDKEY_ERR_JWS,
                           "JWS: byte %zu is not a base64url character", i);
        }
    }
    if (nd != 2)
        return why_set(why, CREDKEY_ERR_JWS, "JWS: %zu segment%s, not three",
                       nd + 1, nd == 0 ? "" : "s");
    if (dots[0] == 0 || dots[1] == dots[0] + 1 || dots[1] == n - 1)
        return why_set(why, CREDKEY_ERR_JWS, "JWS: an empty segment");
    if (!b64url_ok(t, dots[0]))
        return why_set(why, CREDKEY_ERR_JWS,
                       "JWS: the header segment is not base64url");
    hdr = malloc(dots[0] * 3 / 4 + 1);
    if (hdr == NULL)
        return why_set(why, CREDKEY_ERR_NOMEM, "out of memory");
    hlen = b64url_decode(t, dots[0], hdr);
    rc = jcs_parse(hdr, hlen, &doc, NULL, inner);
    free(hdr);
    if (rc == CREDKEY_ERR_NOMEM)
        return why_set(why, rc, "out of memory");
    if (rc != 0)
        return why_set(why, CREDKEY_ERR_JWS,
                       "JWS: the header is not I-JSON (%s)", inner);
    rc = 0;
    if (jcs_doc_root(doc)->type != JCS_OBJECT)
        rc = why_set(why, CREDKEY_ERR_JWS,
                     "JWS: the header is not a JSON object");
    else if (jcs_object_get(jcs_doc_root(doc), "alg") == NULL ||
             jcs_object_get(jcs_doc_root(doc), "alg")->type != JCS_STRING)
        rc = why_set(why, CREDKEY_ERR_JWS,
                     "JWS: the header has no string member alg");
    jcs_doc_free(doc);
    return rc;
}

/* A compact JWS or SD-JWT: *c_len is the length of C (a prefix of t). */
static int jws_compact(const uint8_t *t, size_t n, size_t *c_len, char *why)
{
    const uint8_t *tilde;
    size_t len = trim_trailing(t, n);
    int rc;

    tilde = memchr(t, '~', len);
    if (tilde != NULL)
        len = (size_t)(tilde - t);
    if ((rc = jws_compact_check(t, len, why)) != 0) {
        if (tilde != NULL)
            why_prefix(why, "SD-JWT: the part before the first '~'");
        return rc;
    }
    *c_len = len;
    return 0;
}

static bool is_jws_json(const struct jcs_value *root)
{
    return jcs_object_get(root, "payload") != NULL &&
           (jcs_object_get(root, "signatures") != NULL ||
            jcs_object_get(root, "protected") != NULL ||
            jcs_object_get(root, "signature") != NULL);
}

static int jws_json(const struct jcs_value *root, uint8_t **c, size_t *c_len,
                    char *why)
{
    const struct jcs_value *payload = jcs_object_get(root, "payload"),
                           *sigs = jcs_object_get(root, "signatures"),
                           *prot = jcs_object_get(root, "protected"),
                           *sig = jcs_object_get(root, "signature");
    size_t n;
    uint8_t *out;

    if (root->type != JCS_OBJECT)
        return why_set(why, CREDKEY_ERR_JWS_JSON,
                       "JWS JSON serialization: not a JSON object");
    if (payload == NULL)
        return why_set(why, CREDKEY_ERR_JWS_JSON,
                       "JWS JSON serialization: no payload member");
    if (payload->type != JCS_STRING)
        return why_set(why, CREDKEY_ERR_JWS_JSON,
                       "JWS JSON serialization: payload (byte %zu) is not a "
                       "string",
                       payload->offset);
    if (sigs != NULL) {
        if (prot != NULL || sig != NULL)
            return why_set(why, CREDKEY_ERR_JWS_JSON,
                           "JWS JSON serialization: both signatures and a "
                           "top-level protected or signature");
        if (sigs->type != JCS_ARRAY || sigs->u.arr.n == 0 ||
            sigs->u.arr.items[0].type != JCS_OBJECT)
            return why_set(why, CREDKEY_ERR_JWS_JSON,
                           "JWS JSON serialization: signatures (byte %zu) is "
                           "not a non-empty array of objects",
                           sigs->offset);
        prot = jcs_object_get(&sigs->u.arr.items[0], "protected");
        sig = jcs_object_get(&sigs->u.arr.items[0], "signature");
    }
    if (prot == NULL || prot->type != JCS_STRING || sig == NULL ||
        sig->type != JCS_STRING)
        return why_set(why, CREDKEY_ERR_JWS_JSON,
                       "JWS JSON serialization: no protected and signature "
                       "strings");
    if (!b64url_ok((const uint8_t *)prot->u.str.s, prot->u.str.len))
        return why_set(why, CREDKEY_ERR_JWS_JSON,
                       "JWS JSON serialization: protected (byte %zu) is not "
                       "non-empty base64url",
                       prot->offset);
    if (!b64url_ok((const uint8_t *)sig->u.str.s, sig->u.str.len))
        return why_set(why, CREDKEY_ERR_JWS_JSON,
                       "JWS JSON serialization: signature (byte %zu) is not "
                       "non-empty base64url",
                       sig->offset);
    n = prot->u.str.len + 1 + payload->u.str.len + 1 + sig->u.str.len;
    out = malloc(n);
    if (out == NULL)
        return why_set(why, CREDKEY_ERR_NOMEM, "out of memory");
    memcpy(out, prot->u.str.s, prot->u.str.len);
    out[prot->u.str.len] = '.';
    memcpy(out + prot->u.str.len + 1, payload->u.str.s, payload->u.str.len);
    out[prot->u.str.len + 1 + payload->u.str.len] = '.';
    memcpy(out + n - sig->u.str.len, sig->u.str.s, sig->u.str.len);
    *c = out;
    *c_len = n;
    return 0;
}

/* --- ob2-hosted ------------------------------------------------------- */

static bool is_or_contains(const struct jcs_value *v, const char *s)
{
    if (v == NULL)
        return false;
    if (v->type == JCS_STRING)
        return jcs_string_is(v, s);
    if (v->type == JCS_ARRAY)
        for (size_t i = 0; i < v->u.arr.n; i++)
            if (jcs_string_is(&v->u.arr.items[i], s))
                return true;
    return false;
}

static int ob2_check(const struct jcs_value *root, const struct jcs_value **id,
                     char *why)
{
    const struct jcs_value *ver, *type, *idv;

    if (!is_or_contains(jcs_object_get(root, "@context"),
                        "https://w3id.org/openbadges/v2"))
        return why_set(why, CREDKEY_ERR_OB2,
                       "ob2-hosted: @context is not and does not contain "
                       "https://w3id.org/openbadges/v2");
    if (!is_or_contains(jcs_object_get(root, "type"), "Assertion"))
        return why_set(why, CREDKEY_ERR_OB2,
                       "ob2-hosted: type is not and does not contain "
                       "Assertion");
    ver = jcs_object_get(root, "verification");
    if (ver == NULL)
        ver = jcs_object_get(root, "verify");
    type = ver != NULL && ver->type == JCS_OBJECT ? jcs_object_get(ver, "type")
                                                  : NULL;
    if (!jcs_string_is(type, "HostedBadge") && !jcs_string_is(type, "hosted"))
        return why_set(why, CREDKEY_ERR_OB2,
                       "ob2-hosted: verification is not an object of type "
                       "HostedBadge or hosted");
    idv = jcs_object_get(root, "id");
    if (idv == NULL || idv->type != JCS_STRING ||
        !((idv->u.str.len >= 8 && memcmp(idv->u.str.s, "https://", 8) == 0) ||
          (idv->u.str.len >= 7 && memcmp(idv->u.str.s, "http://", 7) == 0)))
        return why_set(why, CREDKEY_ERR_OB2,
                       "ob2-hosted: id is not a string starting with https:// "
                       "or http://");
    *id = idv;
    return 0;
}

/* --- enveloped credentials -------------------------------------------- */

/* If t[0..n), less surrounding white space, is a data: URI of one of the
 * three JWT media types, *payload and *plen give what follows the comma
 * and it returns true. */
static bool data_uri(const uint8_t *t, size_t n, const uint8_t **payload,
                     size_t *plen)
{
    static const char *const types[] = {
        "application/vc+jwt", "application/vc+sd-jwt", "application/dc+sd-jwt"};
    size_t i = skip_leading(t, n), end = trim_trailing(t, n);
    const uint8_t *comma;

    if (end < i + 5 || strncasecmp((const char *)t + i, "data:", 5) != 0)
        return false;
    i += 5;
    comma = memchr(t + i, ',', end - i);
    if (comma == NULL)
        return false;
    for (size_t k = 0; k < sizeof types / sizeof types[0]; k++) {
        size_t m = strlen(types[k]);
        if ((size_t)(comma - (t + i)) == m &&
            strncasecmp((const char *)t + i, types[k], m) == 0) {
            *payload = comma + 1;
            *plen = (size_t)(t + end - (comma + 1));
            return true;
        }
    }
    return false;
}

static int hexval(uint8_t c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c |= 0x20;
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Percent-decodes p[0..n) into a new buffer. */
static int percent_decode(const uint8_t *p, size_t n, struct text *out,
                          char *why)
{
    uint8_t *o = malloc(n ? n : 1);
    size_t k = 0;

    if (o == NULL)
        return why_set(why, CREDKEY_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        if (p[i] != '%') {
            o[k++] = p[i];
            continue;
        }
        if (n - i < 3 || hexval(p[i + 1]) < 0 || hexval(p[i + 2]) < 0) {
            free(o);
            return why_set(why, CREDKEY_ERR_ENVELOPED,
                           "data: URI: '%%' not followed by two hex digits "
                           "at byte %zu of its data",
                           i);
        }
        o[k++] = (uint8_t)(hexval(p[i + 1]) << 4 | hexval(p[i + 2]));
        i += 2;
    }
    out->p = o;
    out->len = k;
    out->owned = o;
    return 0;
}

/* The credential inside an enveloped data: URI must be a JWS or SD-JWT. */
static int enveloped(const uint8_t *payload, size_t plen, uint8_t **c,
                     size_t *c_len, char *why)
{
    struct text inner = {NULL, 0, NULL};
    size_t n;
    int rc;

    if ((rc = percent_decode(payload, plen, &inner, why)) != 0)
        return rc;
    rc = jws_compact(inner.p, inner.len, &n, why);
    if (rc == 0) {
        *c = dup_bytes(inner.p, n);
        *c_len = n;
        if (*c == NULL)
            rc = why_set(why, CREDKEY_ERR_NOMEM, "out of memory");
    } else if (rc != CREDKEY_ERR_NOMEM) {
        why_prefix(why, "enveloped credential");
        rc = CREDKEY_ERR_ENVELOPED;
    }
    free(inner.owned);
    return rc;
}

static bool enveloped_object(const struct jcs_value *root,
                             const uint8_t **payload, size_t *plen)
{
    const struct jcs_value *id = jcs_object_get(root, "id");

    return is_or_contains(jcs_object_get(root, "type"),
                          "EnvelopedVerifiableCredential") &&
           id != NULL && id->type == JCS_STRING &&
           data_uri((const uint8_t *)id->u.str.s, id->u.str.len, payload, plen);
}

/* --- profiles on text ------------------------------------------------- */

static int parse_object(const uint8_t *t, size_t n, struct jcs_doc **doc,
                        char *why)
{
    int rc = jcs_parse(t, n, doc, NULL, why);

    if (rc != 0)
        return rc;
    if (jcs_doc_root(*doc)->type != JCS_OBJECT) {
        jcs_doc_free(*doc);
        *doc = NULL;
        return why_set(why, CREDKEY_ERR_NOT_OBJECT,
                       "JSON: the top-level value is not an object");
    }
    return 0;
}

static int json_c(const struct jcs_value *root, uint8_t **c, size_t *c_len,
                  char *why)
{
    int rc = jcs_serialize(root, "proof", c, c_len);

    return rc != 0 ? why_set(why, rc, "out of memory") : 0;
}

static int ob2_c(const struct jcs_value *root, uint8_t **c, size_t *c_len,
                 char *why)
{
    const struct jcs_value *id;
    int rc = ob2_check(root, &id, why);

    if (rc != 0)
        return rc;
    *c = dup_bytes((const uint8_t *)id->u.str.s, id->u.str.len);
    *c_len = id->u.str.len;
    return *c == NULL ? why_set(why, CREDKEY_ERR_NOMEM, "out of memory") : 0;
}

/* Named json, jws or ob2-hosted on a text. */
static int named(enum credkey_profile p, const uint8_t *t, size_t n,
                 uint8_t **c, size_t *c_len, char *why)
{
    struct jcs_doc *doc = NULL;
    size_t len;
    int rc;

    if (p == CREDKEY_PROFILE_JWS && !starts_with(t, n, '{')) {
        if ((rc = jws_compact(t, n, &len, why)) != 0)
            return rc;
        *c = dup_bytes(t, len);
        *c_len = len;
        return *c == NULL ? why_set(why, CREDKEY_ERR_NOMEM, "out of memory")
                          : 0;
    }
    if ((rc = parse_object(t, n, &doc, why)) != 0)
        return rc;
    if (p == CREDKEY_PROFILE_JSON)
        rc = json_c(jcs_doc_root(doc), c, c_len, why);
    else if (p == CREDKEY_PROFILE_JWS)
        rc = jws_json(jcs_doc_root(doc), c, c_len, why);
    else
        rc = ob2_c(jcs_doc_root(doc), c, c_len, why);
    jcs_doc_free(doc);
    return rc;
}

/* Steps 3 to 5 of auto on a text. */
static int classify(const uint8_t *t, size_t n, enum credkey_profile *chosen,
                    enum credkey_container *container, uint8_t **c,
                    size_t *c_len, char *why)
{
    struct jcs_doc *doc = NULL;
    const struct jcs_value *root, *id;
    const uint8_t *payload;
    size_t len, plen;
    int rc;

    rc = jws_compact(t, n, &len, why);
    if (rc == CREDKEY_ERR_NOMEM)
        return rc;
    if (rc == 0) {
        *chosen = CREDKEY_PROFILE_JWS;
        *c = dup_bytes(t, len);
        *c_len = len;
        return *c == NULL ? why_set(why, CREDKEY_ERR_NOMEM, "out of memory")
                          : 0;
    }
    if (!starts_with(t, n, '{')) {
        *chosen = CREDKEY_PROFILE_BYTES;
        *c = dup_bytes(t, n);
        *c_len = n;
        return *c == NULL ? why_set(why, CREDKEY_ERR_NOMEM, "out of memory")
                          : 0;
    }
    if ((rc = parse_object(t, n, &doc, why)) != 0)
        return rc;
    root = jcs_doc_root(doc);
    if (enveloped_object(root, &payload, &plen)) {
        *chosen = CREDKEY_PROFILE_JWS;
        *container = CREDKEY_CONTAINER_DATA_URI;
        rc = enveloped(payload, plen, c, c_len, why);
    } else if (is_jws_json(root)) {
        *chosen = CREDKEY_PROFILE_JWS;
        rc = jws_json(root, c, c_len, why);
    } else if (ob2_check(root, &id, NULL) == 0) {
        *chosen = CREDKEY_PROFILE_OB2_HOSTED;
        rc = ob2_c(root, c, c_len, why);
    } else {
        *chosen = CREDKEY_PROFILE_JSON;
        rc = json_c(root, c, c_len, why);
    }
    jcs_doc_free(doc);
    return rc;
}

/* The credential text an SVG gives up. */
static int svg_text(const uint8_t *file, size_t len, struct text *out,
                    char *why)
{
    struct credkey_svg_credential cred;
    size_t a, b, n;
    int rc;

    if ((rc = credkey_svg_extract(file, len, &cred, why)) != 0)
        return rc;
    if (cred.verify != NULL) {
        a = skip_leading(cred.verify, cred.verify_len);
        b = trim_trailing(cred.verify, cred.verify_len);
        if (b > a && jws_compact(cred.verify + a, b - a, &n, NULL) == 0) {
            out->p = cred.verify + a;
            out->len = b - a;
            out->owned = cred.verify;
            cred.verify = NULL;
            credkey_svg_credential_free(&cred);
            return 0;
        }
    }
    a = skip_leading(cred.text, cred.text_len);
    b = trim_trailing(cred.text, cred.text_len);
    out->p = cred.text + a;
    out->len = b > a ? b - a : 0;
    out->owned = cred.text;
    cred.text = NULL;
    credkey_svg_credential_free(&cred);
    return 0;
}

int credkey_canonical(const uint8_t *file, size_t len,
                      enum credkey_profile profile,
                      enum credkey_profile *chosen,
                      enum credkey_container *container, uint8_t **c,
                      size_t *c_len, char why[CREDKEY_WHY_MAX])
{
    struct text t = {file, len, NULL};
    const char *where = NULL;
    const uint8_t *payload;
    size_t plen;
    int rc;

    *c = NULL;
    *c_len = 0;
    *container = CREDKEY_CONTAINER_NONE;
    *chosen = profile;
    if ((unsigned)profile > CREDKEY_PROFILE_OB2_HOSTED)
        return why_set(why, CREDKEY_ERR_PROFILE, "%s",
                       credkey_strerror(CREDKEY_ERR_PROFILE));
    if (len > CREDKEY_INPUT_MAX)
        return why_set(why, CREDKEY_ERR_TOO_LARGE, "%s",
                       credkey_strerror(CREDKEY_ERR_TOO_LARGE));
    if (profile == CREDKEY_PROFILE_BYTES) {
        *c = dup_bytes(file, len);
        *c_len = len;
        return *c == NULL ? why_set(why, CREDKEY_ERR_NOMEM, "out of memory")
                          : 0;
    }
    if (profile == CREDKEY_PROFILE_AUTO && all_ws(file, len))
        return why_set(why, CREDKEY_ERR_EMPTY,
                       "the file is empty or only white space");
    if (credkey_png_is(file, len)) {
        if ((rc = credkey_png_extract(file, len, &t.p, &t.len, why)) != 0)
            return rc;
        *container = CREDKEY_CONTAINER_PNG;
        where = "the credential baked in the PNG";
    } else if (credkey_svg_is(file, len)) {
        if ((rc = svg_text(file, len, &t, why)) != 0)
            return rc;
        *container = CREDKEY_CONTAINER_SVG;
        where = "the credential baked in the SVG";
    }
    if (where != NULL && all_ws(t.p, t.len)) {
        free(t.owned);
        return why_set(why, CREDKEY_ERR_EMPTY, "%s is empty", where);
    }
    if (profile != CREDKEY_PROFILE_AUTO) {
        rc = named(profile, t.p, t.len, c, c_len, why);
    } else if (where == NULL && starts_with(file, len, '<')) {
        *chosen = CREDKEY_PROFILE_BYTES; /* step 2: not an SVG */
        *c = dup_bytes(file, len);
        *c_len = len;
        rc = *c == NULL ? why_set(why, CREDKEY_ERR_NOMEM, "out of memory") : 0;
    } else if (where == NULL && len - skip_leading(file, len) >= 5 &&
               strncasecmp((const char *)file + skip_leading(file, len),
                           "data:", 5) == 0) {
        /* Step 2a. */
        if (data_uri(file, len, &payload, &plen)) {
            *chosen = CREDKEY_PROFILE_JWS;
            *container = CREDKEY_CONTAINER_DATA_URI;
            rc = enveloped(payload, plen, c, c_len, why);
        } else {
            *chosen = CREDKEY_PROFILE_BYTES;
            *c = dup_bytes(file, len);
            *c_len = len;
            rc = *c == NULL ? why_set(why, CREDKEY_ERR_NOMEM, "out of memory")
                            : 0;
        }
    } else {
        rc = classify(t.p, t.len, chosen, container, c, c_len, why);
    }
    free(t.owned);
    if (rc != 0) {
        free(*c);
        *c = NULL;
        *c_len = 0;
        why_prefix(why, where);
    }
    return rc;
}

int credkey_compute(const uint8_t *file, size_t len,
                    enum credkey_profile profile, const uint8_t *salt,
                    size_t salt_len, struct credkey_result *out,
                    char why[CREDKEY_WHY_MAX])
{
    struct credkey_result r;
    unsigned int dlen = 0;
    uint8_t *c;
    size_t c_len;
    int rc;

    if (credkey_salt_check(salt_len) != 0)
        return why_set(why, CREDKEY_ERR_SALT,
                       "a salt of %zu bytes: it must be empty or 16 to 32 "
                       "bytes",
                       salt_len);
    rc = credkey_canonical(file, len, profile, &r.profile, &r.container, &c,
                           &c_len, why);
    if (rc != 0)
        return rc;
    if (EVP_Digest(c, c_len, r.digest, &dlen, EVP_sha256(), NULL) != 1)
        abort(); /* only when OpenSSL cannot allocate; see hash.c */
    free(c);
    rc = credkey_key(r.profile, salt, salt_len, r.digest, r.key);
    if (rc != 0)
        return why_set(why, rc, "%s", credkey_strerror(rc));
    *out = r;
    return 0;
}
