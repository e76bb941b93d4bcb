/*
 * credkey_svg.c: the strict XML scanner behind the SVG container. See
 * credkey_svg.h.
 *
 * Why not libxml2 or expat: both can be configured to refuse DTDs and
 * entities, but their defaults have changed across versions and each
 * configuration is one forgotten flag away from expanding entities or
 * fetching a DTD. What credkey/v1 needs is small (well-formedness, names,
 * namespaces, five predefined entities, character references, CDATA), and a
 * scanner that has no code for DTDs or general entities cannot be talked
 * into using it. It is stricter than XML in two harmless ways: names use
 * the ASCII rules of XML 1.0 for ASCII characters and accept every non-ASCII
 * character, and the attribute and namespace counts are bounded.
 *
 * The whole file is checked for UTF-8 and for characters XML forbids before
 * the scan, so the scanner only deals with valid characters. Line ends are
 * normalized on the fly: CR LF and a lone CR read as LF everywhere.
 */
#include "proofs/credkey_svg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "proofs/jcs.h"

/* The first occurrence of s (NUL-terminated) in p[0..n), or NULL. */
static const uint8_t *find(const uint8_t *p, size_t n, const char *s)
{
    size_t m = strlen(s);

    while (n >= m) {
        const uint8_t *c = memchr(p, s[0], n - m + 1);
        if (c == NULL)
            return NULL;
        if (memcmp(c, s, m) == 0)
            return c;
        n -= (size_t)(c - p) + 1;
        p = c + 1;
    }
    return NULL;
}

/* A growable byte buffer. */
struct buf {
    uint8_t *p;
    size_t len, cap;
};

static int buf_put(struct buf *b, const void *s, size_t n)
{
    if (b->cap - b->len < n) {
        size_t cap = b->cap ? b->cap : 256;
        uint8_t *np;
        while (cap - b->len < n) {
            if (cap > SIZE_MAX / 2)
                return -1;
            cap *= 2;
        }
        np = realloc(b->p, cap);
        if (np == NULL)
            return -1;
        b->p = np;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    return 0;
}

struct nsbind {
    const uint8_t *prefix; /* NULL for the default namespace */
    size_t prefix_len;
    size_t uri_off, uri_len; /* in scanner.uris */
};

struct elem {
    const uint8_t *qname;
    size_t qname_len;
    size_t nbinds; /* bindings in scope before this element */
};

struct attr {
    const uint8_t *qname;
    size_t qname_len;
    size_t val_off, val_len; /* in scanner.vals */
};

struct scanner {
    const uint8_t *p;
    size_t len, pos;
    struct elem *stack;
    size_t depth;
    struct nsbind binds[CREDKEY_SVG_NS_MAX];
    size_t nbinds;
    struct buf uris;
    struct attr *attrs;
    size_t nattrs;
    struct buf vals;
    struct buf text; /* the credential's text, while capturing */
    size_t capture;  /* depth of the credential element, 0 if none open */
    bool found, root_seen;
    struct credkey_svg_credential *out;
    int err;
    char *why;
};

static int fail(struct scanner *sc, int err, size_t off, const char *what)
{
    sc->err = err;
    if (sc->why != NULL)
        snprintf(sc->why, CREDKEY_WHY_MAX, "SVG: %s at byte %zu", what, off);
    return err;
}

static int nomem(struct scanner *sc)
{
    return fail(sc, CREDKEY_ERR_NOMEM, sc->pos, "out of memory");
}

static bool is_space(uint8_t c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static bool name_start(uint8_t c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
           c == ':' || c >= 0x80;
}

static bool name_char(uint8_t c)
{
    return name_start(c) || (c >= '0' && c <= '9') || c == '-' || c == '.';
}

static bool at(const struct scanner *sc, const char *s)
{
    size_t n = strlen(s);
    return sc->len - sc->pos >= n && memcmp(sc->p + sc->pos, s, n) == 0;
}

static size_t skip_space(struct scanner *sc)
{
    size_t start = sc->pos;
    while (sc->pos < sc->len && is_space(sc->p[sc->pos]))
        sc->pos++;
    return sc->pos - start;
}

/* Reads a Name at sc->pos; returns its length, 0 if there is none. */
static size_t read_name(struct scanner *sc)
{
    size_t start = sc->pos;

    if (sc->pos >= sc->len || !name_start(sc->p[sc->pos]))
        return 0;
    while (sc->pos < sc->len && name_char(sc->p[sc->pos]))
        sc->pos++;
    return sc->pos - start;
}

/* Whether a QName is well-formed for namespaces: no ':' or one ':' with a
 * non-empty part on each side. */
static bool qname_ok(const uint8_t *q, size_t n)
{
    const uint8_t *c = memchr(q, ':', n);

    if (c == NULL)
        return true;
    return c != q && c != q + n - 1 &&
           memchr(c + 1, ':', n - (size_t)(c - q) - 1) == NULL;
}

/* Appends one character of text (after line-end normalization) at sc->pos
 * to b, advancing. */
static int put_char_normalized(struct scanner *sc, struct buf *b)
{
    uint8_t c = sc->p[sc->pos];

    if (c == '\r') {
        sc->pos++;
        if (sc->pos < sc->len && sc->p[sc->pos] == '\n')
            sc->pos++;
        c = '\n';
        return b != NULL && buf_put(b, &c, 1) != 0 ? nomem(sc) : 0;
    }
    sc->pos++;
    return b != NULL && buf_put(b, &c, 1) != 0 ? nomem(sc) : 0;
}

/* Whether cp is an XML 1.0 Char. */
static bool xml_char(unsigned long cp)
{
    return cp == 0x9 || cp == 0xa || cp == 0xd ||
           (cp >= 0x20 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) ||
           (cp >= 0x10000 && cp <= 0x10ffff);
}

/* Reads a reference at sc->pos ('&') and appends what it stands for. */
static int read_reference(struct scanner *sc, struct buf *b)
{
    static const struct {
        const char *name;
        char c;
    } predefined[] = {
        {"lt;", '<'},    {"gt;", '>'},   {"amp;", '&'},
        {"apos;", '\''}, {"quot;", '"'},
    };
    size_t start = sc->pos;
    unsigned long cp = 0;
    uint8_t enc[4];
    size_t n = 0;

    sc->pos++;
    if (sc->pos < sc->len && sc->p[sc->pos] == '#') {
        bool hex = false;
        sc->pos++;
        if (sc->pos < sc->len && sc->p[sc->pos] == 'x') {
            hex = true;
            sc->pos++;
        }
        while (sc->pos < sc->len && sc->p[sc->pos] != ';') {
            uint8_t c = sc->p[sc->pos];
            unsigned d;
            if (c >= '0' && c <= '9')
                d = c - '0';
            else if (hex && (c | 0x20) >= 'a' && (c | 0x20) <= 'f')
                d = (c | 0x20) - 'a' + 10;
            else
                return fail(sc, CREDKEY_ERR_SVG, start,
                            "bad character reference");
            cp = cp * (hex ? 16 : 10) + d;
            if (cp > 0x10ffff)
                return fail(sc, CREDKEY_ERR_SVG, start,
                            "character reference out of range");
            sc->pos++;
            n++;
        }
        if (sc->pos >= sc->len || n == 0 || !xml_char(cp))
            return fail(sc, CREDKEY_ERR_SVG, start, "bad character reference");
        sc->pos++;
        if (cp < 0x80) {
            enc[0] = (uint8_t)cp;
            n = 1;
        } else if (cp < 0x800) {
            enc[0] = (uint8_t)(0xc0 | cp >> 6);
            enc[1] = (uint8_t)(0x80 | (cp & 0x3f));
            n = 2;
        } else if (cp < 0x10000) {
            enc[0] = (uint8_t)(0xe0 | cp >> 12);
            enc[1] = (uint8_t)(0x80 | (cp >> 6 & 0x3f));
            enc[2] = (uint8_t)(0x80 | (cp & 0x3f));
            n = 3;
        } else {
            enc[0] = (uint8_t)(0xf0 | cp >> 18);
            enc[1] = (uint8_t)(0x80 | (cp >> 12 & 0x3f));
            enc[2] = (uint8_t)(0x80 | (cp >> 6 & 0x3f));
            enc[3] = (uint8_t)(0x80 | (cp & 0x3f));
            n = 4;
        }
        return b != NULL && buf_put(b, enc, n) != 0 ? nomem(sc) : 0;
    }
    for (size_t i = 0; i < sizeof predefined / sizeof predefined[0]; i++) {
        if (at(sc, predefined[i].name)) {
            sc->pos += strlen(predefined[i].name);
            return b != NULL && buf_put(b, &predefined[i].c, 1) != 0 ? nomem(sc)
                                                                     : 0;
        }
    }
    return fail(sc, CREDKEY_ERR_SVG, start,
                "undefined entity (only XML's five predefined entities and "
                "character references are read)");
}

/* Reads a comment at sc->pos ("<!--"). */
static int read_comment(struct scanner *sc)
{
    size_t start = sc->pos;

    sc->pos += 4;
    for (;;) {
        const uint8_t *d = find(sc->p + sc->pos, sc->len - sc->pos, "--");
        if (d == NULL)
            return fail(sc, CREDKEY_ERR_SVG, start, "unterminated comment");
        sc->pos = (size_t)(d - sc->p);
        if (!at(sc, "-->"))
            return fail(sc, CREDKEY_ERR_SVG, sc->pos, "'--' inside a comment");
        sc->pos += 3;
        return 0;
    }
}

/* Reads a processing instruction at sc->pos ("<?"), not the XML
 * declaration. */
static int read_pi(struct scanner *sc)
{
    size_t start = sc->pos, n;
    const uint8_t *end;

    sc->pos += 2;
    n = read_name(sc);
    if (n == 0)
        return fail(sc, CREDKEY_ERR_SVG, start, "bad processing instruction");
    if (n == 3 && (sc->p[start + 2] | 0x20) == 'x' &&
        (sc->p[start + 3] | 0x20) == 'm' && (sc->p[start + 4] | 0x20) == 'l')
        return fail(sc, CREDKEY_ERR_SVG, start,
                    "XML declaration not at the start of the file");
    if (!at(sc, "?>") && skip_space(sc) == 0)
        return fail(sc, CREDKEY_ERR_SVG, start, "bad processing instruction");
    end = find(sc->p + sc->pos, sc->len - sc->pos, "?>");
    if (end == NULL)
        return fail(sc, CREDKEY_ERR_SVG, start,
                    "unterminated processing instruction");
    sc->pos = (size_t)(end - sc->p) + 2;
    return 0;
}

/* Reads the XML declaration at sc->pos ("<?xml" and a space): version,
 * optional encoding (which must name UTF-8), optional standalone. */
static int read_xml_decl(struct scanner *sc)
{
    static const char *const pseudo[] = {"version", "encoding", "standalone"};
    size_t start = sc->pos;
    int next = 0;

    sc->pos += 5;
    for (;;) {
        size_t sp = skip_space(sc), vstart, vlen;
        uint8_t q;
        int which = -1;

        if (at(sc, "?>")) {
            sc->pos += 2;
            break;
        }
        if (sp == 0)
            return fail(sc, CREDKEY_ERR_SVG, sc->pos, "bad XML declaration");
        for (int i = next; i < 3 && which < 0; i++)
            if (at(sc, pseudo[i]))
                which = i;
        if (which < 0 || (which == 0) != (next == 0))
            return fail(sc, CREDKEY_ERR_SVG, sc->pos, "bad XML declaration");
        sc->pos += strlen(pseudo[which]);
        next = which + 1;
        skip_space(sc);
        if (!at(sc, "="))
            return fail(sc, CREDKEY_ERR_SVG, sc->pos, "bad XML declaration");
        sc->pos++;
        skip_space(sc);
        if (sc->pos >= sc->len ||
            (sc->p[sc->pos] != '"' && sc->p[sc->pos] != '\''))
            return fail(sc, CREDKEY_ERR_SVG, sc->pos, "bad XML declaration");
        q = sc->p[sc->pos++];
        vstart = sc->pos;
        while (sc->pos < sc->len && sc->p[sc->pos] != q &&
               sc->p[sc->pos] != '<' && sc->p[sc->pos] != '>')
            sc->pos++;
        if (sc->pos >= sc->len || sc->p[sc->pos] != q)
            return fail(sc, CREDKEY_ERR_SVG, vstart, "bad XML declaration");
        vlen = sc->pos - vstart;
        sc->pos++;
        if (which == 1 &&
            !(vlen == 5 &&
              strncasecmp((const char *)sc->p + vstart, "utf-8", 5) == 0) &&
            !(vlen == 4 &&
              strncasecmp((const char *)sc->p + vstart, "utf8", 4) == 0))
            return fail(sc, CREDKEY_ERR_SVG, vstart,
                        "the XML declaration names an encoding other than "
                        "UTF-8");
    }
    if (next == 0)
        return fail(sc, CREDKEY_ERR_SVG, start,
                    "XML declaration without a version");
    return 0;
}

/* Reads a quoted literal (SystemLiteral or PubidLiteral). */
static int read_literal(struct scanner *sc)
{
    const uint8_t *end;
    uint8_t q;

    if (sc->pos >= sc->len || (sc->p[sc->pos] != '"' && sc->p[sc->pos] != '\''))
        return fail(sc, CREDKEY_ERR_SVG, sc->pos,
                    "DOCTYPE: expected a quoted literal");
    q = sc->p[sc->pos++];
    end = memchr(sc->p + sc->pos, q, sc->len - sc->pos);
    if (end == NULL)
        return fail(sc, CREDKEY_ERR_SVG, sc->pos,
                    "DOCTYPE: unterminated literal");
    sc->pos = (size_t)(end - sc->p) + 1;
    return 0;
}

/* Reads a DOCTYPE at sc->pos ("<!DOCTYPE"). Its external identifier is
 * read as text and never used. */
static int read_doctype(struct scanner *sc)
{
    size_t start = sc->pos;
    int rc;

    sc->pos += 9;
    if (skip_space(sc) == 0 || read_name(sc) == 0)
        return fail(sc, CREDKEY_ERR_SVG, start, "bad DOCTYPE");
    if (skip_space(sc) > 0) {
        if (at(sc, "SYSTEM")) {
            sc->pos += 6;
            if (skip_space(sc) == 0)
                return fail(sc, CREDKEY_ERR_SVG, sc->pos, "bad DOCTYPE");
            if ((rc = read_literal(sc)) != 0)
                return rc;
        } else if (at(sc, "PUBLIC")) {
            sc->pos += 6;
            if (skip_space(sc) == 0)
                return fail(sc, CREDKEY_ERR_SVG, sc->pos, "bad DOCTYPE");
            if ((rc = read_literal(sc)) != 0)
                return rc;
            if (skip_space(sc) == 0)
                return fail(sc, CREDKEY_ERR_SVG, sc->pos,
                            "DOCTYPE PUBLIC without a system identifier");
            if ((rc = read_literal(sc)) != 0)
                return rc;
        }
        skip_space(sc);
    }
    if (at(sc, "["))
        return fail(sc, CREDKEY_ERR_SVG_DOCTYPE, sc->pos,
                    "DOCTYPE with an internal subset (never read)");
    if (!at(sc, ">"))
        return fail(sc, CREDKEY_ERR_SVG, sc->pos, "bad DOCTYPE");
    sc->pos++;
    return 0;
}

/* The URI bound to prefix (NULL: the default namespace) in scope, in *uri;
 * false if unbound. An empty default binding means no namespace. */
static bool ns_lookup(const struct scanner *sc, const uint8_t *prefix,
                      size_t plen, const uint8_t **uri, size_t *ulen)
{
    static const char xml_ns[] = "http://www.w3.org/XML/1998/namespace";

    for (size_t i = sc->nbinds; i-- > 0;) {
        const struct nsbind *b = &sc->binds[i];
        if ((prefix == NULL) != (b->prefix == NULL))
            continue;
        if (prefix != NULL &&
            (b->prefix_len != plen || memcmp(b->prefix, prefix, plen) != 0))
            continue;
        *uri = sc->uris.p + b->uri_off;
        *ulen = b->uri_len;
        return true;
    }
    if (prefix != NULL && plen == 3 && memcmp(prefix, "xml", 3) == 0) {
        *uri = (const uint8_t *)xml_ns;
        *ulen = sizeof xml_ns - 1;
        return true;
    }
    *uri = NULL;
    *ulen = 0;
    return prefix == NULL;
}

static bool span_is(const uint8_t *p, size_t n, const char *s)
{
    return n == strlen(s) && memcmp(p, s, n) == 0;
}

/* Reads an attribute value at sc->pos (the quote), normalized as XML does
 * for CDATA attributes, into sc->vals. */
static int read_att_value(struct scanner *sc, size_t *off, size_t *vlen)
{
    uint8_t q;
    int rc;

    if (sc->pos >= sc->len || (sc->p[sc->pos] != '"' && sc->p[sc->pos] != '\''))
        return fail(sc, CREDKEY_ERR_SVG, sc->pos,
                    "expected a quoted attribute value");
    q = sc->p[sc->pos++];
    *off = sc->vals.len;
    for (;;) {
        uint8_t c;
        if (sc->pos >= sc->len)
            return fail(sc, CREDKEY_ERR_SVG, sc->pos,
                        "unterminated attribute value");
        c = sc->p[sc->pos];
        if (c == q) {
            sc->pos++;
            break;
        }
        if (c == '<')
            return fail(sc, CREDKEY_ERR_SVG, sc->pos,
                        "'<' in an attribute value");
        if (c == '&') {
            if ((rc = read_reference(sc, &sc->vals)) != 0)
                return rc;
            continue;
        }
        if (is_space(c)) {
            uint8_t sp = ' ';
            if (c == '\r' && sc->pos + 1 < sc->len &&
                sc->p[sc->pos + 1] == '\n')
                sc->pos++;
            sc->pos++;
            if (buf_put(&sc->vals, &sp, 1) != 0)
                return nomem(sc);
            continue;
        }
        if (buf_put(&sc->vals, &c, 1) != 0)
            return nomem(sc);
        sc->pos++;
    }
    *vlen = sc->vals.len - *off;
    return 0;
}

static int attr_cmp(const void *pa, const void *pb)
{
    const struct attr *a = pa, *b = pb;
    size_t n = a->qname_len < b->qname_len ? a->qname_len : b->qname_len;
    int c = memcmp(a->qname, b->qname, n);

    if (c != 0)
        return c;
    return a->qname_len < b->qname_len ? -1 : a->qname_len > b->qname_len;
}

/* Declares the namespaces among the start tag's attributes. */
static int declare_namespaces(struct scanner *sc, size_t tag)
{
    for (size_t i = 0; i < sc->nattrs; i++) {
        const struct attr *a = &sc->attrs[i];
        struct nsbind *b;

        if (!(span_is(a->qname, a->qname_len, "xmlns") ||
              (a->qname_len > 6 && memcmp(a->qname, "xmlns:", 6) == 0)))
            continue;
        if (sc->nbinds == CREDKEY_SVG_NS_MAX)
            return fail(sc, CREDKEY_ERR_SVG, tag,
                        "too many namespace declarations in scope");
        b = &sc->binds[sc->nbinds];
        if (a->qname_len == 5) {
            b->prefix = NULL;
            b->prefix_len = 0;
        } else {
            b->prefix = a->qname + 6;
            b->prefix_len = a->qname_len - 6;
            if (a->val_len == 0)
                return fail(sc, CREDKEY_ERR_SVG, tag,
                            "namespace prefix bound to the empty name");
        }
        b->uri_off = sc->uris.len;
        b->uri_len = a->val_len;
        if (buf_put(&sc->uris, sc->vals.p + a->val_off, a->val_len) != 0)
            return nomem(sc);
        sc->nbinds++;
    }
    return 0;
}

/* Resolves a QName of an element (use_default) or attribute. */
static int resolve(struct scanner *sc, const uint8_t *q, size_t n,
                   bool use_default, const uint8_t **uri, size_t *ulen,
                   const uint8_t **local, size_t *llen, size_t off)
{
    const uint8_t *c = memchr(q, ':', n);

    if (c == NULL) {
        *local = q;
        *llen = n;
        if (!use_default) {
            *uri = NULL;
            *ulen = 0;
            return 0;
        }
        ns_lookup(sc, NULL, 0, uri, ulen);
        return 0;
    }
    *local = c + 1;
    *llen = n - (size_t)(c - q) - 1;
    if (!ns_lookup(sc, q, (size_t)(c - q), uri, ulen))
        return fail(sc, CREDKEY_ERR_SVG, off, "undeclared namespace prefix");
    return 0;
}

/* Reads a start tag at sc->pos ('<' and a name start). */
static int read_start_tag(struct scanner *sc)
{
    size_t tag = sc->pos, qlen, nb = sc->nbinds;
    const uint8_t *qname, *uri, *local;
    size_t ulen, llen;
    bool empty = false;
    int rc;

    sc->pos++;
    qname = sc->p + sc->pos;
    qlen = read_name(sc);
    if (!qname_ok(qname, qlen))
        return fail(sc, CREDKEY_ERR_SVG, tag, "bad element name");
    sc->nattrs = 0;
    sc->vals.len = 0;
    for (;;) {
        size_t sp = skip_space(sc);
        struct attr *a;

        if (sc->pos >= sc->len)
            return fail(sc, CREDKEY_ERR_SVG, tag, "unterminated start tag");
        if (at(sc, "/>")) {
            sc->pos += 2;
            empty = true;
            break;
        }
        if (at(sc, ">")) {
            sc->pos++;
            break;
        }
        if (sp == 0 || !name_start(sc->p[sc->pos]))
            return fail(sc, CREDKEY_ERR_SVG, sc->pos, "bad start tag");
        if (sc->nattrs == CREDKEY_SVG_ATTRS_MAX)
            return fail(sc, CREDKEY_ERR_SVG, tag,
                        "too many attributes on one element");
        a = &sc->attrs[sc->nattrs];
        a->qname = sc->p + sc->pos;
        a->qname_len = read_name(sc);
        if (!qname_ok(a->qname, a->qname_len))
            return fail(sc, CREDKEY_ERR_SVG, sc->pos, "bad attribute name");
        skip_space(sc);
        if (!at(sc, "="))
            return fail(sc, CREDKEY_ERR_SVG, sc->pos, "expected '='");
        sc->pos++;
        skip_space(sc);
        if ((rc = read_att_value(sc, &a->val_off, &a->val_len)) != 0)
            return rc;
        sc->nattrs++;
    }
    /* Attribute names must be unique. */
    if (sc->nattrs > 1) {
        qsort(sc->attrs, sc->nattrs, sizeof *sc->attrs, attr_cmp);
        for (size_t i = 1; i < sc->nattrs; i++)
            if (attr_cmp(&sc->attrs[i - 1], &sc->attrs[i]) == 0)
                return fail(sc, CREDKEY_ERR_SVG, tag, "attribute given twice");
    }
    if ((rc = declare_namespaces(sc, tag)) != 0)
        return rc;
    if ((rc = resolve(sc, qname, qlen, true, &uri, &ulen, &local, &llen,
                      tag)) != 0)
        return rc;
    for (size_t i = 0; i < sc->nattrs; i++) {
        const struct attr *a = &sc->attrs[i];
        const uint8_t *au, *al;
        size_t aul, all;
        if (a->qname_len >= 5 && memcmp(a->qname, "xmlns", 5) == 0 &&
            (a->qname_len == 5 || a->qname[5] == ':'))
            continue;
        if ((rc = resolve(sc, a->qname, a->qname_len, false, &au, &aul, &al,
                          &all, tag)) != 0)
            return rc;
    }
    if (!sc->root_seen) {
        sc->root_seen = true;
        if (!span_is(local, llen, "svg") ||
            !(uri != NULL && span_is(uri, ulen, CREDKEY_SVG_NS)))
            return fail(sc, CREDKEY_ERR_SVG, tag,
                        "the root element is not svg in the SVG namespace");
    }
    if (!sc->found && uri != NULL &&
        ((span_is(local, llen, "credential") &&
          span_is(uri, ulen, CREDKEY_OB3_NS)) ||
         (span_is(local, llen, "assertion") &&
          span_is(uri, ulen, CREDKEY_OB2_NS)))) {
        sc->found = true;
        for (size_t i = 0; i < sc->nattrs; i++) {
            const struct attr *a = &sc->attrs[i];
            if (!span_is(a->qname, a->qname_len, "verify"))
                continue;
            sc->out->verify = malloc(a->val_len ? a->val_len : 1);
            if (sc->out->verify == NULL)
                return nomem(sc);
            memcpy(sc->out->verify, sc->vals.p + a->val_off, a->val_len);
            sc->out->verify_len = a->val_len;
        }
        if (!empty)
            sc->capture = sc->depth + 1;
    }
    if (empty) {
        sc->nbinds = nb;
        return 0;
    }
    if (sc->depth == CREDKEY_SVG_DEPTH_MAX)
        return fail(sc, CREDKEY_ERR_SVG, tag,
                    "elements nested more than 1000 deep");
    sc->stack[sc->depth].qname = qname;
    sc->stack[sc->depth].qname_len = qlen;
    sc->stack[sc->depth].nbinds = nb;
    sc->depth++;
    return 0;
}

static int read_end_tag(struct scanner *sc)
{
    size_t tag = sc->pos, n;
    const uint8_t *q;
    struct elem *e;

    sc->pos += 2;
    q = sc->p + sc->pos;
    n = read_name(sc);
    skip_space(sc);
    if (n == 0 || !at(sc, ">"))
        return fail(sc, CREDKEY_ERR_SVG, tag, "bad end tag");
    sc->pos++;
    if (sc->depth == 0)
        return fail(sc, CREDKEY_ERR_SVG, tag, "end tag without a start tag");
    e = &sc->stack[sc->depth - 1];
    if (e->qname_len != n || memcmp(e->qname, q, n) != 0)
        return fail(sc, CREDKEY_ERR_SVG, tag,
                    "end tag does not match its start tag");
    if (sc->capture == sc->depth)
        sc->capture = 0;
    sc->nbinds = e->nbinds;
    sc->depth--;
    return 0;
}

static int read_cdata(struct scanner *sc)
{
    size_t start = sc->pos, end;
    const uint8_t *e;
    int rc;

    sc->pos += 9;
    e = find(sc->p + sc->pos, sc->len - sc->pos, "]]>");
    if (e == NULL)
        return fail(sc, CREDKEY_ERR_SVG, start, "unterminated CDATA section");
    end = (size_t)(e - sc->p);
    while (sc->pos < end)
        if ((rc = put_char_normalized(sc, sc->capture ? &sc->text : NULL)) != 0)
            return rc;
    sc->pos = end + 3;
    return 0;
}

/* The content of the root element, up to its end tag. */
static int read_content(struct scanner *sc)
{
    int rc;

    while (sc->depth > 0) {
        uint8_t c;

        if (sc->pos >= sc->len)
            return fail(sc, CREDKEY_ERR_SVG, sc->pos,
                        "the file ends inside an element");
        c = sc->p[sc->pos];
        if (c == '<') {
            if (at(sc, "</"))
                rc = read_end_tag(sc);
            else if (at(sc, "<!--"))
                rc = read_comment(sc);
            else if (at(sc, "<![CDATA["))
                rc = read_cdata(sc);
            else if (at(sc, "<?"))
                rc = read_pi(sc);
            else if (sc->pos + 1 < sc->len && name_start(sc->p[sc->pos + 1]))
                rc = read_start_tag(sc);
            else
                rc = fail(sc, CREDKEY_ERR_SVG, sc->pos, "bad markup");
        } else if (c == '&') {
            rc = read_reference(sc, sc->capture ? &sc->text : NULL);
        } else if (c == '>' && sc->pos >= 2 && sc->p[sc->pos - 1] == ']' &&
                   sc->p[sc->pos - 2] == ']') {
            rc = fail(sc, CREDKEY_ERR_SVG, sc->pos - 2,
                      "']]>' in character data");
        } else {
            rc = put_char_normalized(sc, sc->capture ? &sc->text : NULL);
        }
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* Comments, processing instructions and white space. */
static int read_misc(struct scanner *sc, bool *more)
{
    skip_space(sc);
    *more = true;
    if (at(sc, "<!--"))
        return read_comment(sc);
    if (at(sc, "<?"))
        return read_pi(sc);
    *more = false;
    return 0;
}

/* Checks that every character is one XML allows. */
static int check_chars(struct scanner *sc)
{
    size_t bad = jcs_utf8_check(sc->p, sc->len);

    if (bad != sc->len)
        return fail(sc, CREDKEY_ERR_SVG, bad, "the SVG is not UTF-8");
    for (size_t i = 0; i < sc->len; i++) {
        uint8_t c = sc->p[i];
        if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
            return fail(sc, CREDKEY_ERR_SVG, i,
                        "a control character XML does not allow");
        if (c == 0xef && i + 2 < sc->len && sc->p[i + 1] == 0xbf &&
            (sc->p[i + 2] == 0xbe || sc->p[i + 2] == 0xbf))
            return fail(sc, CREDKEY_ERR_SVG, i,
                        "U+FFFE or U+FFFF, which XML does not allow");
    }
    return 0;
}

static int scan(struct scanner *sc)
{
    bool more, doctype = false;
    int rc;

    if ((rc = check_chars(sc)) != 0)
        return rc;
    if (sc->len >= 3 && memcmp(sc->p, "\xef\xbb\xbf", 3) == 0)
        sc->pos = 3;
    if (at(sc, "<?xml") && sc->pos + 5 < sc->len &&
        is_space(sc->p[sc->pos + 5]) && (rc = read_xml_decl(sc)) != 0)
        return rc;
    for (;;) {
        if ((rc = read_misc(sc, &more)) != 0)
            return rc;
        if (more)
            continue;
        if (!at(sc, "<!DOCTYPE"))
            break;
        if (doctype)
            return fail(sc, CREDKEY_ERR_SVG, sc->pos, "a second DOCTYPE");
        doctype = true;
        if ((rc = read_doctype(sc)) != 0)
            return rc;
    }
    if (sc->pos >= sc->len || sc->p[sc->pos] != '<' || sc->pos + 1 >= sc->len ||
        !name_start(sc->p[sc->pos + 1]))
        return fail(sc, CREDKEY_ERR_SVG, sc->pos, "expected the root element");
    if ((rc = read_start_tag(sc)) != 0 || (rc = read_content(sc)) != 0)
        return rc;
    do {
        if ((rc = read_misc(sc, &more)) != 0)
            return rc;
    } while (more);
    if (sc->pos != sc->len)
        return fail(sc, CREDKEY_ERR_SVG, sc->pos,
                    "text after the root element");
    if (!sc->found)
        return fail(sc, CREDKEY_ERR_NO_CREDENTIAL, sc->len,
                    "no openbadges credential or assertion element");
    return 0;
}

int credkey_svg_extract(const uint8_t *svg, size_t len,
                        struct credkey_svg_credential *out,
                        char why[CREDKEY_WHY_MAX])
{
    struct scanner sc;
    int rc;

    memset(out, 0, sizeof *out);
    memset(&sc, 0, sizeof sc);
    sc.p = svg;
    sc.len = len;
    sc.out = out;
    sc.why = why;
    sc.stack = malloc(CREDKEY_SVG_DEPTH_MAX * sizeof *sc.stack);
    sc.attrs = malloc(CREDKEY_SVG_ATTRS_MAX * sizeof *sc.attrs);
    if (sc.stack == NULL || sc.attrs == NULL)
        rc = nomem(&sc);
    else
        rc = scan(&sc);
    if (rc == 0 && sc.text.p == NULL && buf_put(&sc.text, "", 1) == 0)
        sc.text.len = 0;
    if (rc == 0 && sc.text.p == NULL)
        rc = nomem(&sc);
    free(sc.stack);
    free(sc.attrs);
    free(sc.uris.p);
    free(sc.vals.p);
    if (rc != 0) {
        free(sc.text.p);
        credkey_svg_credential_free(out);
        return rc;
    }
    out->text = sc.text.p;
    out->text_len = sc.text.len;
    return 0;
}

void credkey_svg_credential_free(struct credkey_svg_credential *c)
{
    if (c == NULL)
        return;
    free(c->verify);
    free(c->text);
    memset(c, 0, sizeof *c);
}

/* --- detection (step 2 of auto) ---------------------------------------- */

static bool name_is_svg(const uint8_t *p, size_t len, size_t pos)
{
    size_t start = pos;

    if (pos >= len || !name_start(p[pos]))
        return false;
    while (pos < len && name_char(p[pos]))
        pos++;
    return (pos - start == 3 && memcmp(p + start, "svg", 3) == 0) ||
           (pos - start > 4 && memcmp(p + pos - 4, ":svg", 4) == 0);
}

bool credkey_svg_is(const uint8_t *p, size_t len)
{
    size_t pos = 0;

    if (len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
        pos = 3;
    for (;;) {
        const uint8_t *e;

        while (pos < len && (is_space(p[pos]) || p[pos] == '\f'))
            pos++;
        if (pos >= len || p[pos] != '<')
            return false;
        if (len - pos >= 2 && p[pos + 1] == '?') {
            e = find(p + pos + 2, len - pos - 2, "?>");
            if (e == NULL)
                return false;
            pos = (size_t)(e - p) + 2;
            continue;
        }
        if (len - pos >= 4 && memcmp(p + pos, "<!--", 4) == 0) {
            e = find(p + pos + 4, len - pos - 4, "-->");
            if (e == NULL)
                return false;
            pos = (size_t)(e - p) + 3;
            continue;
        }
        if (len - pos >= 9 && memcmp(p + pos, "<!DOCTYPE", 9) == 0) {
            size_t q = pos + 9, s = q;
            while (q < len && (is_space(p[q]) || p[q] == '\f'))
                q++;
            return q > s && name_is_svg(p, len, q);
        }
        return name_is_svg(p, len, pos + 1);
    }
}
