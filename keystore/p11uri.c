/* p11uri.c: see p11uri.h. */
#include "keystore/p11uri.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>

#define SCHEME "pkcs11:"
#define SCHEME_LEN (sizeof SCHEME - 1)

const char *p11uri_strerror(int err)
{
    switch (err) {
    case 0:
        return "success";
    case P11URI_ERR_SYNTAX:
        return "not a valid pkcs11: URI";
    case P11URI_ERR_UNKNOWN:
        return "unknown attribute in a pkcs11: URI";
    case P11URI_ERR_TWICE:
        return "attribute given twice in a pkcs11: URI";
    case P11URI_ERR_VALUE:
        return "attribute value not allowed in a pkcs11: URI";
    default:
        return "unknown pkcs11: URI error";
    }
}

bool p11uri_is(const char *text)
{
    return strncasecmp(text, SCHEME, SCHEME_LEN) == 0;
}

void p11uri_wipe(struct p11uri *u)
{
    OPENSSL_cleanse(u, sizeof *u);
}

static int fail(char *why, size_t cap, int err, const char *fmt,
                const char *what, size_t len)
{
    if (why != NULL && cap > 0)
        snprintf(why, cap, fmt, (int)(len > 64 ? 64 : len), what);
    return err;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Percent-decodes in[0..len) into out (cap bytes). Raw characters must be
 * printable ASCII other than the delimiters. Returns the decoded length or
 * a negative code. */
static long decode(const char *in, size_t len, uint8_t *out, size_t cap)
{
    size_t n = 0;

    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)in[i];
        int v;

        if (c == '%') {
            int hi, lo;
            if (i + 2 >= len)
                return P11URI_ERR_SYNTAX;
            hi = hexval(in[i + 1]);
            lo = hexval(in[i + 2]);
            if (hi < 0 || lo < 0)
                return P11URI_ERR_SYNTAX;
            v = hi * 16 + lo;
            i += 2;
        } else if (c <= 0x20 || c >= 0x7f || c == '"' || c == '<' || c == '>' ||
                   c == '\\' || c == '^' || c == '`' || c == '{' || c == '}' ||
                   c == '#') {
            return P11URI_ERR_SYNTAX;
        } else {
            v = c;
        }
        if (n == cap)
            return P11URI_ERR_VALUE;
        out[n++] = (uint8_t)v;
    }
    return (long)n;
}

/* Decodes a text value into a NUL-terminated string of at most cap - 1
 * bytes; a decoded NUL is refused. */
static int decode_str(const char *in, size_t len, char *out, size_t cap)
{
    long n = decode(in, len, (uint8_t *)out, cap - 1);

    if (n < 0)
        return (int)n;
    if (memchr(out, '\0', (size_t)n) != NULL)
        return P11URI_ERR_VALUE;
    out[n] = '\0';
    return 0;
}

struct attr {
    const char *name;
    bool query;
};

static const struct attr attrs[] = {
    {"token", false},     {"manufacturer", false}, {"serial", false},
    {"model", false},     {"slot-id", false},      {"object", false},
    {"id", false},        {"type", false},         {"pin-value", true},
    {"pin-source", true}, {"module-path", true},
};
#define NATTRS (sizeof attrs / sizeof attrs[0])

static int set_attr(struct p11uri *u, size_t which, const char *v, size_t len)
{
    const char *name = attrs[which].name;
    char tmp[32];
    long n;
    int rc;

    if (strcmp(name, "token") == 0) {
        u->has_token = true;
        return decode_str(v, len, u->token, sizeof u->token);
    }
    if (strcmp(name, "manufacturer") == 0) {
        u->has_manufacturer = true;
        return decode_str(v, len, u->manufacturer, sizeof u->manufacturer);
    }
    if (strcmp(name, "serial") == 0) {
        u->has_serial = true;
        return decode_str(v, len, u->serial, sizeof u->serial);
    }
    if (strcmp(name, "model") == 0) {
        u->has_model = true;
        return decode_str(v, len, u->model, sizeof u->model);
    }
    if (strcmp(name, "slot-id") == 0) {
        char *end;
        if ((rc = decode_str(v, len, tmp, sizeof tmp)) != 0)
            return rc;
        if (tmp[0] < '0' || tmp[0] > '9')
            return P11URI_ERR_VALUE;
        u->slot_id = strtoul(tmp, &end, 10);
        if (*end != '\0')
            return P11URI_ERR_VALUE;
        u->has_slot_id = true;
        return 0;
    }
    if (strcmp(name, "object") == 0) {
        u->has_object = true;
        return decode_str(v, len, u->object, sizeof u->object);
    }
    if (strcmp(name, "id") == 0) {
        n = decode(v, len, u->id, sizeof u->id);
        if (n < 0)
            return (int)n;
        u->id_len = (size_t)n;
        u->has_id = true;
        return 0;
    }
    if (strcmp(name, "type") == 0) {
        if ((rc = decode_str(v, len, tmp, sizeof tmp)) != 0)
            return rc;
        return strcmp(tmp, "private") == 0 ? 0 : P11URI_ERR_VALUE;
    }
    if (strcmp(name, "pin-value") == 0)
        return decode_str(v, len, u->pin_value, sizeof u->pin_value);
    if (strcmp(name, "pin-source") == 0)
        return decode_str(v, len, u->pin_source, sizeof u->pin_source);
    return decode_str(v, len, u->module_path, sizeof u->module_path);
}

/* Parses the attributes of text[0..len), separated by sep. */
static int parse_part(const char *text, size_t len, char sep, bool query,
                      struct p11uri *u, bool seen[NATTRS], char *why,
                      size_t cap)
{
    size_t i = 0;

    /* RFC 7512: attributes separated by sep, none empty; an empty query
     * or a trailing separator is an empty attribute. */
    if ((query && len == 0) || (len > 0 && text[len - 1] == sep))
        return fail(why, cap, P11URI_ERR_SYNTAX,
                    "empty attribute in pkcs11: URI%.*s", "", 0);
    while (i < len) {
        const char *a = text + i, *eq, *end;
        size_t alen, nlen, which;
        int rc;

        end = memchr(a, sep, len - i);
        alen = end != NULL ? (size_t)(end - a) : len - i;
        i += alen + 1;
        if (alen == 0)
            return fail(why, cap, P11URI_ERR_SYNTAX,
                        "empty attribute in pkcs11: URI%.*s", "", 0);
        eq = memchr(a, '=', alen);
        if (eq == NULL)
            return fail(why, cap, P11URI_ERR_SYNTAX,
                        "attribute '%.*s' has no '=value' in pkcs11: URI", a,
                        alen);
        nlen = (size_t)(eq - a);
        for (which = 0; which < NATTRS; which++)
            if (attrs[which].query == query &&
                strlen(attrs[which].name) == nlen &&
                memcmp(attrs[which].name, a, nlen) == 0)
                break;
        if (which == NATTRS)
            return fail(why, cap, P11URI_ERR_UNKNOWN,
                        query ? "unknown query attribute '%.*s' in pkcs11: "
                                "URI (known: pin-value, pin-source, "
                                "module-path)"
                              : "unknown path attribute '%.*s' in pkcs11: "
                                "URI (known: token, manufacturer, serial, "
                                "model, slot-id, object, id, type)",
                        a, nlen);
        if (seen[which])
            return fail(why, cap, P11URI_ERR_TWICE,
                        "attribute '%.*s' given twice in pkcs11: URI", a, nlen);
        seen[which] = true;
        rc = set_attr(u, which, eq + 1, alen - nlen - 1);
        if (rc != 0)
            return fail(why, cap, rc,
                        rc == P11URI_ERR_SYNTAX
                            ? "bad character or %%-escape in the value of "
                              "'%.*s' in pkcs11: URI"
                            : "value of '%.*s' is too long or not allowed in "
                              "pkcs11: URI",
                        a, nlen);
    }
    return 0;
}

int p11uri_parse(const char *text, struct p11uri *out, char *why, size_t cap)
{
    bool seen[NATTRS] = {false};
    const char *path, *q;
    size_t len;
    int rc;

    memset(out, 0, sizeof *out);
    if (why != NULL && cap > 0)
        why[0] = '\0';
    if (!p11uri_is(text))
        return fail(why, cap, P11URI_ERR_SYNTAX, "not a pkcs11: URI%.*s", "",
                    0);
    path = text + SCHEME_LEN;
    len = strlen(path);
    q = memchr(path, '?', len);
    rc = parse_part(path, q != NULL ? (size_t)(q - path) : len, ';', false, out,
                    seen, why, cap);
    if (rc == 0 && q != NULL)
        rc = parse_part(q + 1, len - (size_t)(q + 1 - path), '&', true, out,
                        seen, why, cap);
    if (rc == 0 && seen[8] && seen[9]) /* pin-value, pin-source */
        rc = fail(why, cap, P11URI_ERR_VALUE,
                  "pin-value and pin-source exclude each other%.*s", "", 0);
    if (rc != 0)
        p11uri_wipe(out);
    return rc;
}
