/*
 * credissuer.c: the issuer a credential names and the §E.5 rule comparing
 * it with the identity of the KEY entry that authorized its key. See
 * credissuer.h; docs/protocol.md §E.5 specifies every rule.
 *
 * The identifiers are read from what the key covers wherever the profile
 * lets us: for `json` the canonical bytes C (the JCS text, re-parsed), for
 * `jws` the payload inside C. A hosted OB 2.0 assertion's key covers only
 * its URL, so its embedded badge is read from the text credkey/v1 applied
 * the profile to (the file, or the text baked in a PNG or SVG).
 *
 * Fail closed: a member the rule reads that is present in any form but the
 * one the rule names is an error, never "no issuer", so a forger cannot hide
 * an issuer from credlog that another reader would show.
 */
#include "proofs/credissuer.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "proofs/codec.h"
#include "proofs/credkey_png.h"
#include "proofs/credkey_svg.h"
#include "proofs/jcs.h"

const char *credissuer_strerror(int err)
{
    switch (err) {
    case 0:
        return "success";
    case CREDISSUER_ERR_ISSUER:
        return "the credential's issuer is not a string or an object with a "
               "string id";
    case CREDISSUER_ERR_OTHER_ID:
        return "the issuer's otherIdentifier is not an array of objects with "
               "string identifier and identifierType";
    case CREDISSUER_ERR_VALUE:
        return "an issuer identifier is not 1 to 255 bytes of printable "
               "ASCII";
    case CREDISSUER_ERR_TOO_MANY:
        return "the credential names more than 16 issuer identifiers";
    case CREDISSUER_ERR_PAYLOAD:
        return "the JWS payload looks like JSON but is not a JSON object";
    case CREDISSUER_ERR_NOMEM:
        return "out of memory";
    case CREDISSUER_ERR_ARG:
        return "bad argument";
    default:
        return "unknown credissuer error";
    }
}

const char *credissuer_source_name(enum credissuer_source s)
{
    static const char *const names[] = {
        NULL,        "issuer",      "issuer.otherIdentifier",
        "iss",       "header iss",  "payload issuer",
        "vc.issuer", "badge.issuer"};

    if ((unsigned)s == 0 || (unsigned)s > CREDISSUER_SRC_OB2_ISSUER)
        return "?";
    return names[s];
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

/* ---- collecting identifiers ---- */

static int add_id(struct credissuer *c, enum credissuer_source src,
                  enum credissuer_kind kind, const struct jcs_value *v,
                  const char *member, char *why)
{
    struct credissuer_id *id;

    if (v->u.str.len == 0 || v->u.str.len > CREDISSUER_VALUE_MAX)
        return why_set(why, CREDISSUER_ERR_VALUE, "%s: %zu bytes, not 1 to %d",
                       member, v->u.str.len, CREDISSUER_VALUE_MAX);
    for (size_t i = 0; i < v->u.str.len; i++) {
        uint8_t b = (uint8_t)v->u.str.s[i];

        if (b < 0x21 || b > 0x7e)
            return why_set(why, CREDISSUER_ERR_VALUE,
                           "%s: byte %zu of its value (0x%02x) is not "
                           "printable ASCII",
                           member, i, b);
    }
    if (c->n == CREDISSUER_IDS_MAX)
        return why_set(why, CREDISSUER_ERR_TOO_MANY, "%s: %s", member,
                       credissuer_strerror(CREDISSUER_ERR_TOO_MANY));
    id = &c->ids[c->n++];
    id->source = src;
    id->kind = kind;
    memcpy(id->value, v->u.str.s, v->u.str.len);
    id->value[v->u.str.len] = '\0';
    id->len = v->u.str.len;
    return 0;
}

/* Whether an identifierType names a BRIN: exactly `ext:BRIN`, or a spelling
 * a person would read as one (compared without case, with or without the
 * `ext:` prefix), so that a look-alike is compared, not skipped. */
static bool brin_type(const struct jcs_value *t)
{
    const char *s = t->u.str.s;
    size_t n = t->u.str.len;

    if (n >= 4 && strncasecmp(s, "ext:", 4) == 0) {
        s += 4;
        n -= 4;
    }
    return n == 4 && strncasecmp(s, "brin", 4) == 0;
}

static int other_ids(struct credissuer *c, const struct jcs_value *arr,
                     const char *where, char *why)
{
    char member[64];

    snprintf(member, sizeof member, "%s.otherIdentifier", where);
    if (arr->type != JCS_ARRAY)
        return why_set(why, CREDISSUER_ERR_OTHER_ID, "%s is not an array",
                       member);
    for (size_t i = 0; i < arr->u.arr.n; i++) {
        const struct jcs_value *o = &arr->u.arr.items[i];
        const struct jcs_value *t = jcs_object_get(o, "identifierType"),
                               *v = jcs_object_get(o, "identifier");
        int rc;

        if (o->type != JCS_OBJECT || t == NULL || t->type != JCS_STRING ||
            v == NULL || v->type != JCS_STRING)
            return why_set(why, CREDISSUER_ERR_OTHER_ID,
                           "%s[%zu] is not an object with string "
                           "identifierType and identifier",
                           member, i);
        if (!brin_type(t))
            continue;
        if ((rc = add_id(c, CREDISSUER_SRC_OTHER_ID, CREDISSUER_KIND_BRIN, v,
                         member, why)) != 0)
            return rc;
    }
    return 0;
}

/* An `issuer` member v (where names it in messages): a string, or an
 * object with a string `id` and optionally `otherIdentifier`. */
static int issuer_member(struct credissuer *c, const struct jcs_value *v,
                         enum credissuer_source src, const char *where,
                         char *why)
{
    const struct jcs_value *id, *other;
    int rc;

    if (v->type == JCS_STRING)
        return add_id(c, src, CREDISSUER_KIND_URI, v, where, why);
    if (v->type != JCS_OBJECT)
        return why_set(why, CREDISSUER_ERR_ISSUER,
                       "%s is neither a string nor an object", where);
    id = jcs_object_get(v, "id");
    if (id == NULL || id->type != JCS_STRING)
        return why_set(why, CREDISSUER_ERR_ISSUER,
                       "%s is an object without a string id", where);
    if ((rc = add_id(c, src, CREDISSUER_KIND_URI, id, where, why)) != 0)
        return rc;
    other = jcs_object_get(v, "otherIdentifier");
    return other == NULL ? 0 : other_ids(c, other, where, why);
}

static int json_ids(struct credissuer *c, const struct jcs_value *root,
                    char *why)
{
    const struct jcs_value *v = jcs_object_get(root, "issuer");

    return v == NULL
               ? 0
               : issuer_member(c, v, CREDISSUER_SRC_ISSUER, "issuer", why);
}

/* ---- jws ---- */

/* Decodes p[0..n) as base64url without padding into out (n * 3 / 4 + 1
 * bytes). Returns the length, or -1 when p holds another character or has
 * a length of 1 mod 4. */
static long b64url_decode(const uint8_t *p, size_t n, uint8_t *out)
{
    int len = codec_b64url_decode((const char *)p, n, out, n * 3 / 4 + 1);

    return len < 0 ? -1 : (long)len;
}

/* Parses buf[0..n) as a JSON object into *doc, or leaves *doc NULL when buf
 * does not start with `{` (after JSON white space): an opaque payload. */
static int parse_if_object(const uint8_t *buf, size_t n, struct jcs_doc **doc,
                           const char *what, char *why)
{
    char inner[CREDKEY_WHY_MAX];
    size_t i = 0;
    int rc;

    *doc = NULL;
    while (i < n && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\n' ||
                     buf[i] == '\r'))
        i++;
    if (i == n || buf[i] != '{')
        return 0;
    rc = jcs_parse(buf, n, doc, NULL, inner);
    if (rc == CREDKEY_ERR_NOMEM)
        return why_set(why, CREDISSUER_ERR_NOMEM, "out of memory");
    if (rc == 0 && jcs_doc_root(*doc)->type != JCS_OBJECT)
        rc = CREDKEY_ERR_NOT_OBJECT;
    if (rc != 0) {
        jcs_doc_free(*doc);
        *doc = NULL;
        return why_set(why, CREDISSUER_ERR_PAYLOAD, "%s: %s", what,
                       rc == CREDKEY_ERR_NOT_OBJECT ? "not an object" : inner);
    }
    return 0;
}

/* The identifiers of a JWS whose C is c[0..n) (protected.payload.signature,
 * credkey/v1 §F.2). The payload is base64url unless the protected header
 * says "b64": false (RFC 7797), in which case it is used as it is. */
static int jws_ids(struct credissuer *c, const uint8_t *cb, size_t n, char *why)
{
    const uint8_t *d1 = memchr(cb, '.', n), *d2;
    struct jcs_doc *hdr = NULL, *pl = NULL;
    const struct jcs_value *v, *b64;
    uint8_t *buf = NULL;
    long len;
    int rc = 0;

    d2 = d1 == NULL ? NULL : memchr(d1 + 1, '.', (size_t)(cb + n - d1 - 1));
    if (d2 == NULL) /* the signature is base64url: it holds no dot */
        return why_set(why, CREDISSUER_ERR_ARG, "not a JWS");
    while (d2 != NULL) { /* the payload ends at the last dot */
        const uint8_t *next = memchr(d2 + 1, '.', (size_t)(cb + n - d2 - 1));
        if (next == NULL)
            break;
        d2 = next;
    }
    buf = malloc(n * 3 / 4 + 2);
    if (buf == NULL)
        return why_set(why, CREDISSUER_ERR_NOMEM, "out of memory");
    len = b64url_decode(cb, (size_t)(d1 - cb), buf);
    if (len < 0) {
        rc = why_set(why, CREDISSUER_ERR_PAYLOAD,
                     "the JWS protected header is not base64url");
        goto done;
    }
    if ((rc = parse_if_object(buf, (size_t)len, &hdr,
                              "the JWS protected "
                              "header",
                              why)) != 0)
        goto done;
    if (hdr == NULL) {
        rc = why_set(why, CREDISSUER_ERR_PAYLOAD,
                     "the JWS protected header is not a JSON object");
        goto done;
    }
    if ((v = jcs_object_get(jcs_doc_root(hdr), "iss")) != NULL &&
        (rc = issuer_member(c, v, CREDISSUER_SRC_JWS_HDR_ISS, "header iss",
                            why)) != 0)
        goto done;
    b64 = jcs_object_get(jcs_doc_root(hdr), "b64");
    if (b64 != NULL && b64->type == JCS_FALSE) {
        rc = parse_if_object(d1 + 1, (size_t)(d2 - d1 - 1), &pl,
                             "the JWS payload", why);
    } else {
        len = b64url_decode(d1 + 1, (size_t)(d2 - d1 - 1), buf);
        if (len < 0)
            rc = why_set(why, CREDISSUER_ERR_PAYLOAD,
                         "the JWS payload is not base64url");
        else
            rc = parse_if_object(buf, (size_t)len, &pl, "the JWS payload", why);
    }
    if (rc != 0 || pl == NULL)
        goto done;
    if ((v = jcs_object_get(jcs_doc_root(pl), "iss")) != NULL) {
        /* RFC 7519: a StringOrURI; an object is no iss. */
        if (v->type != JCS_STRING) {
            rc = why_set(why, CREDISSUER_ERR_ISSUER,
                         "the JWS payload's iss is not a string");
            goto done;
        }
        if ((rc = add_id(c, CREDISSUER_SRC_JWS_ISS, CREDISSUER_KIND_URI, v,
                         "iss", why)) != 0)
            goto done;
    }
    if ((v = jcs_object_get(jcs_doc_root(pl), "issuer")) != NULL &&
        (rc = issuer_member(c, v, CREDISSUER_SRC_JWS_ISSUER, "payload issuer",
                            why)) != 0)
        goto done;
    if ((v = jcs_object_get(jcs_doc_root(pl), "vc")) != NULL) {
        const struct jcs_value *vi;

        if (v->type != JCS_OBJECT) {
            rc = why_set(why, CREDISSUER_ERR_ISSUER,
                         "the JWS payload's vc is not an object");
            goto done;
        }
        if ((vi = jcs_object_get(v, "issuer")) != NULL)
            rc = issuer_member(c, vi, CREDISSUER_SRC_VC_ISSUER, "vc.issuer",
                               why);
    }
done:
    jcs_doc_free(pl);
    jcs_doc_free(hdr);
    free(buf);
    return rc;
}

/* ---- ob2-hosted ---- */

/* The text credkey/v1 reads a named profile from (§F.3, §F.4): the text
 * baked in a PNG or SVG, or the file. *owned is what to free. */
static int baked_text(const uint8_t *file, size_t len, const uint8_t **t,
                      size_t *n, uint8_t **owned, char *why)
{
    struct credkey_svg_credential cred;
    int rc;

    *owned = NULL;
    if (credkey_png_is(file, len))
        return credkey_png_extract(file, len, t, n, why);
    if (!credkey_svg_is(file, len)) {
        *t = file;
        *n = len;
        return 0;
    }
    if ((rc = credkey_svg_extract(file, len, &cred, why)) != 0)
        return rc;
    /* ob2-hosted reads the body (§F.3: an OB 2.0 assertion is baked with its
     * URL in verify and its JSON in the body). */
    *owned = cred.text;
    *t = cred.text;
    *n = cred.text_len;
    cred.text = NULL;
    credkey_svg_credential_free(&cred);
    return 0;
}

static int ob2_ids(struct credissuer *c, const uint8_t *file, size_t len,
                   char *why)
{
    const struct jcs_value *badge, *iss;
    struct jcs_doc *doc = NULL;
    const uint8_t *t;
    uint8_t *owned;
    size_t n;
    int rc;

    if ((rc = baked_text(file, len, &t, &n, &owned, why)) != 0)
        return rc;
    rc = jcs_parse(t, n, &doc, NULL, why);
    free(owned);
    if (rc != 0)
        return rc; /* credkey_canonical() accepted it: only NOMEM */
    badge = jcs_object_get(jcs_doc_root(doc), "badge");
    if (badge != NULL && badge->type == JCS_OBJECT &&
        (iss = jcs_object_get(badge, "issuer")) != NULL)
        rc = issuer_member(c, iss, CREDISSUER_SRC_OB2_ISSUER, "badge.issuer",
                           why);
    else if (badge != NULL && badge->type != JCS_OBJECT &&
             badge->type != JCS_STRING)
        rc = why_set(why, CREDISSUER_ERR_ISSUER,
                     "badge is neither a URL nor an object");
    jcs_doc_free(doc);
    return rc;
}

int credissuer_extract(const uint8_t *file, size_t len,
                       enum credkey_profile profile, struct credissuer *out,
                       char why[CREDKEY_WHY_MAX])
{
    struct credissuer r;
    enum credkey_container container;
    struct jcs_doc *doc = NULL;
    uint8_t *cb = NULL;
    size_t c_len;
    int rc;

    if (out == NULL || (file == NULL && len != 0))
        return why_set(why, CREDISSUER_ERR_ARG, "bad argument");
    memset(&r, 0, sizeof r);
    rc = credkey_canonical(file, len, profile, &r.profile, &container, &cb,
                           &c_len, why);
    if (rc != 0)
        return rc;
    switch (r.profile) {
    case CREDKEY_PROFILE_JSON:
        rc = jcs_parse(cb, c_len, &doc, NULL, why);
        if (rc == 0)
            rc = json_ids(&r, jcs_doc_root(doc), why);
        jcs_doc_free(doc);
        break;
    case CREDKEY_PROFILE_JWS:
        rc = jws_ids(&r, cb, c_len, why);
        break;
    case CREDKEY_PROFILE_OB2_HOSTED:
        rc = ob2_ids(&r, file, len, why);
        break;
    default: /* bytes: a sealed PDF or an opaque file exposes nothing */
        break;
    }
    free(cb);
    if (rc == CREDKEY_ERR_NOMEM)
        rc = CREDISSUER_ERR_NOMEM;
    if (rc == 0)
        *out = r;
    return rc;
}

/* ---- matching ---- */

static bool item_is(const struct entry *key, uint8_t tag, const char *v,
                    size_t n)
{
    const uint8_t *val;
    size_t len;

    return entry_identity_get(key, tag, &val, &len) && len == n &&
           memcmp(val, v, n) == 0;
}

/* The host of an `https://` URI or a `did:web:` DID, when it is written in
 * the dns tag's alphabet (a-z 0-9 . -) and followed by nothing, a port of
 * digits and then nothing or `/ ? #` (https), or `:` / `%3A` (did:web).
 * Anything else (user info, upper case, percent-escapes, IP literals) has
 * no host here, so it cannot match dns. */
static bool uri_host(const char *v, size_t n, const char **h, size_t *hn)
{
    size_t i, start;
    bool did;

    if (n > 8 && memcmp(v, "https://", 8) == 0) {
        start = 8;
        did = false;
    } else if (n > 8 && memcmp(v, "did:web:", 8) == 0) {
        start = 8;
        did = true;
    } else {
        return false;
    }
    for (i = start; i < n; i++) {
        char ch = v[i];

        if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
              ch == '.' || ch == '-'))
            break;
    }
    if (i == start)
        return false;
    *h = v + start;
    *hn = i - start;
    if (i == n)
        return true;
    if (did)
        return v[i] == ':' || (n - i >= 3 && memcmp(v + i, "%3A", 3) == 0);
    if (v[i] == ':') {
        size_t d = ++i;

        while (i < n && v[i] >= '0' && v[i] <= '9')
            i++;
        if (i == d)
            return false;
        if (i == n)
            return true;
    }
    return v[i] == '/' || v[i] == '?' || v[i] == '#';
}

bool credissuer_id_matches(const struct credissuer_id *id,
                           const struct entry *key)
{
    const uint8_t *dns;
    const char *h;
    size_t dns_len, hn;

    if (id == NULL || key == NULL)
        return false;
    if (id->kind == CREDISSUER_KIND_BRIN)
        return item_is(key, ENTRY_ID_BRIN, id->value, id->len);
    if (item_is(key, ENTRY_ID_DID_WEB, id->value, id->len) ||
        item_is(key, ENTRY_ID_ISSUER_ID, id->value, id->len) ||
        item_is(key, ENTRY_ID_OB2_PROFILE, id->value, id->len))
        return true;
    return entry_identity_get(key, ENTRY_ID_DNS, &dns, &dns_len) &&
           uri_host(id->value, id->len, &h, &hn) && hn == dns_len &&
           memcmp(h, dns, hn) == 0;
}

enum credissuer_verdict credissuer_match(const struct credissuer *c,
                                         const struct entry *key, size_t *bad)
{
    static const uint8_t tags[] = {ENTRY_ID_DNS, ENTRY_ID_DID_WEB,
                                   ENTRY_ID_BRIN, ENTRY_ID_OB2_PROFILE,
                                   ENTRY_ID_ISSUER_ID};
    bool any = false;
    const uint8_t *v;
    size_t n;

    if (c == NULL || c->n == 0)
        return CREDISSUER_NONE;
    for (size_t i = 0; key != NULL && i < sizeof tags; i++)
        any = any || entry_identity_get(key, tags[i], &v, &n);
    if (!any)
        return CREDISSUER_NO_IDENTITY;
    for (size_t i = 0; i < c->n; i++) {
        if (!credissuer_id_matches(&c->ids[i], key)) {
            if (bad != NULL)
                *bad = i;
            return CREDISSUER_MISMATCH;
        }
    }
    return CREDISSUER_MATCH;
}
