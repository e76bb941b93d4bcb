/*
 * jcs.c: the strict I-JSON reader and the RFC 8785 writer. See jcs.h.
 *
 * The reader checks the whole text for valid UTF-8 first, so that the
 * parser proper only has to find the ends of multi-byte characters. Values
 * go into an arena owned by the document; while a container is being read
 * its children wait on a scratch stack and are copied into the arena in one
 * piece when it closes, so no container grows by realloc in the arena.
 * Objects are sorted (UTF-16 order) as they close; a duplicate name is then
 * two equal neighbours.
 *
 * Numbers are converted with strtod(), which glibc rounds correctly, but
 * only ever on a string we build ourselves from the token's digits
 * ("DIGITSe[-]EXP", no decimal point, so the locale's radix character never
 * matters), and at most 800 significant digits of it: a tie between two
 * doubles has at most 767 significant digits, so replacing the rest by one
 * nonzero digit keeps the rounding exact while bounding the work.
 *
 * Writing numbers: the shortest digits that round-trip are found by asking
 * for 1, 2, ... 17 correctly rounded digits ("%.*e") and reading each back.
 * At a power of two the nearest p-digit decimal can miss while the one on
 * its other side (one unit in the last place away) still rounds to the
 * double, so both neighbours are tried too. Integers below 2^53 take a fast
 * path (they are their own shortest digits).
 */
#include "proofs/jcs.h"

#include <math.h>
#include <stdalign.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --- arena ------------------------------------------------------------ */

struct arena_block {
    struct arena_block *next;
    size_t used, cap;
    alignas(max_align_t) unsigned char data[];
};

struct jcs_doc {
    struct arena_block *blocks;
    struct jcs_value root;
};

#define ARENA_BLOCK 65536

static void *arena_alloc(struct jcs_doc *doc, size_t n)
{
    struct arena_block *b = doc->blocks;
    size_t need =
        (n + alignof(max_align_t) - 1) & ~(size_t)(alignof(max_align_t) - 1);

    if (need < n)
        return NULL;
    if (b == NULL || b->cap - b->used < need) {
        size_t cap = need > ARENA_BLOCK ? need : ARENA_BLOCK;
        b = malloc(sizeof *b + cap);
        if (b == NULL)
            return NULL;
        b->used = 0;
        b->cap = cap;
        b->next = doc->blocks;
        doc->blocks = b;
    }
    b->used += need;
    return b->data + b->used - need;
}

void jcs_doc_free(struct jcs_doc *doc)
{
    struct arena_block *b, *next;

    if (doc == NULL)
        return;
    for (b = doc->blocks; b != NULL; b = next) {
        next = b->next;
        free(b);
    }
    free(doc);
}

const struct jcs_value *jcs_doc_root(const struct jcs_doc *doc)
{
    return &doc->root;
}

/* --- UTF-8 and UTF-16 order ------------------------------------------- */

/* Length of the valid UTF-8 sequence at s[0..len), or 0 if invalid. */
static size_t utf8_seq(const uint8_t *s, size_t len)
{
    uint8_t c = s[0];

    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf)
        return len >= 2 && (s[1] & 0xc0) == 0x80 ? 2 : 0;
    if (c >= 0xe0 && c <= 0xef) {
        uint8_t lo = c == 0xe0 ? 0xa0 : 0x80, hi = c == 0xed ? 0x9f : 0xbf;
        return len >= 3 && s[1] >= lo && s[1] <= hi && (s[2] & 0xc0) == 0x80
                   ? 3
                   : 0;
    }
    if (c >= 0xf0 && c <= 0xf4) {
        uint8_t lo = c == 0xf0 ? 0x90 : 0x80, hi = c == 0xf4 ? 0x8f : 0xbf;
        return len >= 4 && s[1] >= lo && s[1] <= hi && (s[2] & 0xc0) == 0x80 &&
                       (s[3] & 0xc0) == 0x80
                   ? 4
                   : 0;
    }
    return 0;
}

size_t jcs_utf8_check(const uint8_t *s, size_t len)
{
    size_t i = 0;

    while (i < len) {
        size_t n;
        if (s[i] < 0x80) {
            i++;
            continue;
        }
        n = utf8_seq(s + i, len - i);
        if (n == 0)
            return i;
        i += n;
    }
    return len;
}

/* Decodes the (valid) UTF-8 character at s. */
static uint32_t utf8_decode(const uint8_t *s)
{
    if (s[0] < 0x80)
        return s[0];
    if (s[0] < 0xe0)
        return (uint32_t)(s[0] & 0x1f) << 6 | (s[1] & 0x3f);
    if (s[0] < 0xf0)
        return (uint32_t)(s[0] & 0x0f) << 12 | (uint32_t)(s[1] & 0x3f) << 6 |
               (s[2] & 0x3f);
    return (uint32_t)(s[0] & 0x07) << 18 | (uint32_t)(s[1] & 0x3f) << 12 |
           (uint32_t)(s[2] & 0x3f) << 6 | (s[3] & 0x3f);
}

/* A code point's rank in UTF-16 code unit order: code points from U+10000
 * start with a high surrogate, so they sort after U+D7FF and before
 * U+E000. */
static uint32_t utf16_rank(uint32_t cp)
{
    if (cp < 0xd800)
        return cp;
    if (cp >= 0x10000)
        return 0xd800 + (cp - 0x10000);
    return cp + 0x100000;
}

/* Compares two valid UTF-8 strings in UTF-16 code unit order. UTF-8 byte
 * order is code point order, so only the first differing character needs
 * decoding. */
static int utf16_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
    const uint8_t *x = (const uint8_t *)a, *y = (const uint8_t *)b;
    size_t n = alen < blen ? alen : blen, i = 0, start;
    uint32_t ra, rb;

    while (i < n && x[i] == y[i])
        i++;
    if (i == n)
        return alen < blen ? -1 : alen > blen ? 1 : 0;
    start = i;
    while (start > 0 && (x[start] & 0xc0) == 0x80)
        start--;
    ra = utf16_rank(utf8_decode(x + start));
    rb = utf16_rank(utf8_decode(y + start));
    return ra < rb ? -1 : ra > rb ? 1 : 0;
}

static int member_cmp(const void *pa, const void *pb)
{
    const struct jcs_member *a = pa, *b = pb;
    int c = utf16_cmp(a->name, a->name_len, b->name, b->name_len);

    /* Equal names keep their text order so the later one is reported. */
    if (c == 0)
        c = a->name_offset < b->name_offset ? -1 : 1;
    return c;
}

/* --- the reader ------------------------------------------------------- */

struct parser {
    const uint8_t *p;
    size_t len, pos;
    struct jcs_doc *doc;
    struct jcs_value *vals; /* scratch stack of array items */
    size_t nvals, capvals;
    struct jcs_member *mems; /* scratch stack of object members */
    size_t nmems, capmems;
    uint8_t *sbuf; /* scratch for unescaping one string */
    size_t slen, scap;
    int err;
    size_t err_off;
    const char *err_what;
};

static int fail(struct parser *ps, int err, size_t off, const char *what)
{
    ps->err = err;
    ps->err_off = off;
    ps->err_what = what;
    return err;
}

static int grow(void **buf, size_t *cap, size_t need, size_t elem)
{
    size_t ncap;
    void *nb;

    if (need <= *cap)
        return 0;
    ncap = *cap ? *cap : 64;
    while (ncap < need)
        ncap *= 2;
    if (ncap > SIZE_MAX / elem)
        return -1;
    nb = realloc(*buf, ncap * elem);
    if (nb == NULL)
        return -1;
    *buf = nb;
    *cap = ncap;
    return 0;
}

static void skip_ws(struct parser *ps)
{
    while (ps->pos < ps->len) {
        uint8_t c = ps->p[ps->pos];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
            break;
        ps->pos++;
    }
}

static int sbuf_put(struct parser *ps, const uint8_t *s, size_t n)
{
    if (grow((void **)&ps->sbuf, &ps->scap, ps->slen + n, 1) != 0)
        return fail(ps, CREDKEY_ERR_NOMEM, ps->pos, "out of memory");
    memcpy(ps->sbuf + ps->slen, s, n);
    ps->slen += n;
    return 0;
}

static int hex4(const uint8_t *s, uint32_t *out)
{
    uint32_t v = 0;

    for (int i = 0; i < 4; i++) {
        uint8_t c = s[i];
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= (uint32_t)(c - '0');
        else if (c >= 'a' && c <= 'f')
            v |= (uint32_t)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            v |= (uint32_t)(c - 'A' + 10);
        else
            return -1;
    }
    *out = v;
    return 0;
}

static size_t utf8_encode(uint32_t cp, uint8_t out[4])
{
    if (cp < 0x80) {
        out[0] = (uint8_t)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (uint8_t)(0xc0 | cp >> 6);
        out[1] = (uint8_t)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (uint8_t)(0xe0 | cp >> 12);
        out[1] = (uint8_t)(0x80 | (cp >> 6 & 0x3f));
        out[2] = (uint8_t)(0x80 | (cp & 0x3f));
        return 3;
    }
    out[0] = (uint8_t)(0xf0 | cp >> 18);
    out[1] = (uint8_t)(0x80 | (cp >> 12 & 0x3f));
    out[2] = (uint8_t)(0x80 | (cp >> 6 & 0x3f));
    out[3] = (uint8_t)(0x80 | (cp & 0x3f));
    return 4;
}

/* Reads the \u escape at ps->pos (the backslash), pair included. */
static int read_u_escape(struct parser *ps, uint32_t *cp)
{
    size_t at = ps->pos;
    uint32_t hi, lo;

    if (ps->len - ps->pos < 6 || hex4(ps->p + ps->pos + 2, &hi) != 0)
        return fail(ps, CREDKEY_ERR_JSON_SYNTAX, at, "bad \\u escape");
    ps->pos += 6;
    if (hi >= 0xdc00 && hi <= 0xdfff)
        return fail(ps, CREDKEY_ERR_JSON_SURR, at,
                    "escaped lone low surrogate");
    if (hi < 0xd800 || hi > 0xdbff) {
        *cp = hi;
        return 0;
    }
    if (ps->len - ps->pos < 6 || ps->p[ps->pos] != '\\' ||
        ps->p[ps->pos + 1] != 'u' || hex4(ps->p + ps->pos + 2, &lo) != 0 ||
        lo < 0xdc00 || lo > 0xdfff)
        return fail(ps, CREDKEY_ERR_JSON_SURR, at,
                    "escaped high surrogate without its low surrogate");
    ps->pos += 6;
    *cp = 0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00);
    return 0;
}

/* Reads a string at ps->pos (the opening quote) into the arena. */
static int read_string(struct parser *ps, const char **out, size_t *out_len)
{
    size_t start = ps->pos;
    char *s;
    int rc;

    ps->pos++;
    ps->slen = 0;
    for (;;) {
        size_t run = ps->pos;
        uint8_t c;

        while (ps->pos < ps->len) {
            c = ps->p[ps->pos];
            if (c == '"' || c == '\\' || c < 0x20)
                break;
            ps->pos++;
        }
        if (ps->pos > run &&
            (rc = sbuf_put(ps, ps->p + run, ps->pos - run)) != 0)
            return rc;
        if (ps->pos >= ps->len)
            return fail(ps, CREDKEY_ERR_JSON_SYNTAX, start,
                        "unterminated string");
        c = ps->p[ps->pos];
        if (c == '"') {
            ps->pos++;
            break;
        }
        if (c < 0x20)
            return fail(ps, CREDKEY_ERR_JSON_SYNTAX, ps->pos,
                        "raw control character in a string");
        /* A backslash. */
        if (ps->pos + 1 >= ps->len)
            return fail(ps, CREDKEY_ERR_JSON_SYNTAX, ps->pos, "bad escape");
        {
            uint8_t e = ps->p[ps->pos + 1], one, buf[4];
            uint32_t cp;

            switch (e) {
            case '"':
            case '\\':
            case '/':
                one = e;
                break;
            case 'b':
                one = '\b';
                break;
            case 'f':
                one = '\f';
                break;
            case 'n':
                one = '\n';
                break;
            case 'r':
                one = '\r';
                break;
            case 't':
                one = '\t';
                break;
            case 'u':
                if ((rc = read_u_escape(ps, &cp)) != 0)
                    return rc;
                if ((rc = sbuf_put(ps, buf, utf8_encode(cp, buf))) != 0)
                    return rc;
                continue;
            default:
                return fail(ps, CREDKEY_ERR_JSON_SYNTAX, ps->pos, "bad escape");
            }
            ps->pos += 2;
            if ((rc = sbuf_put(ps, &one, 1)) != 0)
                return rc;
        }
    }
    s = arena_alloc(ps->doc, ps->slen ? ps->slen : 1);
    if (s == NULL)
        return fail(ps, CREDKEY_ERR_NOMEM, start, "out of memory");
    if (ps->slen > 0)
        memcpy(s, ps->sbuf, ps->slen);
    *out = s;
    *out_len = ps->slen;
    return 0;
}

static bool is_digit(uint8_t c)
{
    return c >= '0' && c <= '9';
}

#define NUM_SIG_MAX 800
#define NUM_EXP_CLAMP 1000000000000LL

/* Reads a number at ps->pos as RFC 8259's grammar, into a double. */
static int read_number(struct parser *ps, double *out)
{
    char buf[NUM_SIG_MAX + 40];
    size_t start = ps->pos, n = 0, sig = 0;
    long long exp10 = 0, e = 0, mag;
    bool neg = false, sticky = false, eneg = false;
    double d;

    if (ps->p[ps->pos] == '-') {
        neg = true;
        ps->pos++;
    }
    if (ps->pos >= ps->len || !is_digit(ps->p[ps->pos]))
        return fail(ps, CREDKEY_ERR_JSON_SYNTAX, start, "bad number");
    if (neg)
        buf[n++] = '-';
    /* Integer part: no leading zero but "0" itself. */
    if (ps->p[ps->pos] == '0') {
        ps->pos++;
        if (ps->pos < ps->len && is_digit(ps->p[ps->pos]))
            return fail(ps, CREDKEY_ERR_JSON_SYNTAX, start,
                        "number with a leading zero");
    } else {
        while (ps->pos < ps->len && is_digit(ps->p[ps->pos])) {
            if (sig < NUM_SIG_MAX) {
                buf[n + sig++] = (char)ps->p[ps->pos];
            } else {
                exp10++;
                sticky |= ps->p[ps->pos] != '0';
            }
            ps->pos++;
        }
    }
    if (ps->pos < ps->len && ps->p[ps->pos] == '.') {
        ps->pos++;
        if (ps->pos >= ps->len || !is_digit(ps->p[ps->pos]))
            return fail(ps, CREDKEY_ERR_JSON_SYNTAX, start,
                        "number without digits after '.'");
        while (ps->pos < ps->len && is_digit(ps->p[ps->pos])) {
            uint8_t c = ps->p[ps->pos++];
            if (sig == 0 && c == '0') {
                exp10--;
            } else if (sig < NUM_SIG_MAX) {
                buf[n + sig++] = (char)c;
                exp10--;
            } else {
                sticky |= c != '0';
            }
        }
    }
    if (ps->pos < ps->len && (ps->p[ps->pos] | 0x20) == 'e') {
        ps->pos++;
        if (ps->pos < ps->len &&
            (ps->p[ps->pos] == '+' || ps->p[ps->pos] == '-'))
            eneg = ps->p[ps->pos++] == '-';
        if (ps->pos >= ps->len || !is_digit(ps->p[ps->pos]))
            return fail(ps, CREDKEY_ERR_JSON_SYNTAX, start,
                        "number without exponent digits");
        while (ps->pos < ps->len && is_digit(ps->p[ps->pos])) {
            if (e < NUM_EXP_CLAMP)
                e = e * 10 + (ps->p[ps->pos] - '0');
            ps->pos++;
        }
    }
    if (sig == 0) {
        *out = neg ? -0.0 : 0.0;
        return 0;
    }
    if (sticky) {
        buf[n + sig++] = '1';
        exp10--;
    }
    n += sig;
    exp10 += eneg ? -e : e;
    /* The value lies in [10^(mag-1), 10^mag). */
    mag = exp10 + (long long)sig;
    if (mag > 310)
        return fail(ps, CREDKEY_ERR_JSON_NUMBER, start,
                    "number too large for a double");
    if (mag < -330) {
        *out = neg ? -0.0 : 0.0;
        return 0;
    }
    snprintf(buf + n, sizeof buf - n, "e%lld", exp10);
    d = strtod(buf, NULL);
    if (isinf(d) || isnan(d))
        return fail(ps, CREDKEY_ERR_JSON_NUMBER, start,
                    "number too large for a double");
    *out = d;
    return 0;
}

static int expect_literal(struct parser *ps, const char *lit)
{
    size_t n = strlen(lit);

    if (ps->len - ps->pos < n || memcmp(ps->p + ps->pos, lit, n) != 0)
        return fail(ps, CREDKEY_ERR_JSON_SYNTAX, ps->pos, "unexpected text");
    ps->pos += n;
    return 0;
}

static int read_value(struct parser *ps, int depth, struct jcs_value *v);

static int read_array(struct parser *ps, int depth, struct jcs_value *v)
{
    size_t base = ps->nvals, n;
    int rc;

    ps->pos++;
    skip_ws(ps);
    if (ps->pos < ps->len && ps->p[ps->pos] == ']') {
        ps->pos++;
        goto done;
    }
    for (;;) {
        struct jcs_value item;

        if ((rc = read_value(ps, depth + 1, &item)) != 0)
            return rc;
        if (grow((void **)&ps->vals, &ps->capvals, ps->nvals + 1,
                 sizeof *ps->vals) != 0)
            return fail(ps, CREDKEY_ERR_NOMEM, ps->pos, "out of memory");
        ps->vals[ps->nvals++] = item;
        skip_ws(ps);
        if (ps->pos >= ps->len)
            return fail(ps, CREDKEY_ERR_JSON_SYNTAX, ps->pos,
                        "unterminated array");
        if (ps->p[ps->pos] == ',') {
            ps->pos++;
            continue;
        }
        if (ps->p[ps->pos] == ']') {
            ps->pos++;
            break;
        }
        return fail(ps, CREDKEY_ERR_JSON_SYNTAX, ps->pos,
                    "expected ',' or ']'");
    }
done:
    n = ps->nvals - base;
    v->u.arr.n = n;
    v->u.arr.items = NULL;
    if (n > 0) {
        v->u.arr.items = arena_alloc(ps->doc, n * sizeof *v->u.arr.items);
        if (v->u.arr.items == NULL)
            return fail(ps, CREDKEY_ERR_NOMEM, v->offset, "out of memory");
        memcpy(v->u.arr.items, ps->vals + base, n * sizeof *v->u.arr.items);
    }
    ps->nvals = base;
    return 0;
}

static int read_object(struct parser *ps, int depth, struct jcs_value *v)
{
    size_t base = ps->nmems, n;
    struct jcs_member *m;
    int rc;

    ps->pos++;
    skip_ws(ps);
    if (ps->pos < ps->len && ps->p[ps->pos] == '}') {
        ps->pos++;
        goto done;
    }
    for (;;) {
        struct jcs_member mem;

        skip_ws(ps);
        if (ps->pos >= ps->len || ps->p[ps->pos] != '"')
            return fail(ps, CREDKEY_ERR_JSON_SYNTAX, ps->pos,
                        "expected a member name");
        mem.name_offset = ps->pos;
        if ((rc = read_string(ps, &mem.name, &mem.name_len)) != 0)
            return rc;
        skip_ws(ps);
        if (ps->pos >= ps->len || ps->p[ps->pos] != ':')
            return fail(ps, CREDKEY_ERR_JSON_SYNTAX, ps->pos, "expected ':'");
        ps->pos++;
        if ((rc = read_value(ps, depth + 1, &mem.value)) != 0)
            return rc;
        if (grow((void **)&ps->mems, &ps->capmems, ps->nmems + 1,
                 sizeof *ps->mems) != 0)
            return fail(ps, CREDKEY_ERR_NOMEM, ps->pos, "out of memory");
        ps->mems[ps->nmems++] = mem;
        skip_ws(ps);
        if (ps->pos >= ps->len)
            return fail(ps, CREDKEY_ERR_JSON_SYNTAX, ps->pos,
                        "unterminated object");
        if (ps->p[ps->pos] == ',') {
            ps->pos++;
            continue;
        }
        if (ps->p[ps->pos] == '}') {
            ps->pos++;
            break;
        }
        return fail(ps, CREDKEY_ERR_JSON_SYNTAX, ps->pos,
                    "expected ',' or '}'");
    }
done:
    n = ps->nmems - base;
    v->u.obj.n = n;
    v->u.obj.members = NULL;
    if (n > 0) {
        m = arena_alloc(ps->doc, n * sizeof *m);
        if (m == NULL)
            return fail(ps, CREDKEY_ERR_NOMEM, v->offset, "out of memory");
        memcpy(m, ps->mems + base, n * sizeof *m);
        qsort(m, n, sizeof *m, member_cmp);
        for (size_t i = 1; i < n; i++)
            if (utf16_cmp(m[i - 1].name, m[i - 1].name_len, m[i].name,
                          m[i].name_len) == 0)
                return fail(ps, CREDKEY_ERR_JSON_DUP, m[i].name_offset,
                            "member name already used in this object");
        v->u.obj.members = m;
    }
    ps->nmems = base;
    return 0;
}

static int read_value(struct parser *ps, int depth, struct jcs_value *v)
{
    uint8_t c;
    int rc;

    skip_ws(ps);
    if (ps->pos >= ps->len)
        return fail(ps, CREDKEY_ERR_JSON_SYNTAX, ps->pos,
                    "unexpected end of text");
    memset(v, 0, sizeof *v);
    v->offset = ps->pos;
    c = ps->p[ps->pos];
    switch (c) {
    case '{':
    case '[':
        if (depth > CREDKEY_JSON_DEPTH_MAX)
            return fail(ps, CREDKEY_ERR_JSON_DEPTH, ps->pos,
                        "nested more than 1000 deep");
        v->type = c == '{' ? JCS_OBJECT : JCS_ARRAY;
        return c == '{' ? read_object(ps, depth, v) : read_array(ps, depth, v);
    case '"':
        v->type = JCS_STRING;
        return read_string(ps, &v->u.str.s, &v->u.str.len);
    case 't':
        v->type = JCS_TRUE;
        return expect_literal(ps, "true");
    case 'f':
        v->type = JCS_FALSE;
        return expect_literal(ps, "false");
    case 'n':
        v->type = JCS_NULL;
        return expect_literal(ps, "null");
    default:
        if (c == '-' || is_digit(c)) {
            v->type = JCS_NUMBER;
            rc = read_number(ps, &v->u.num);
            return rc;
        }
        return fail(ps, CREDKEY_ERR_JSON_SYNTAX, ps->pos, "unexpected text");
    }
}

int jcs_parse(const uint8_t *text, size_t len, struct jcs_doc **out,
              size_t *err_offset, char why[CREDKEY_WHY_MAX])
{
    struct parser ps;
    size_t bad;
    int rc;

    *out = NULL;
    memset(&ps, 0, sizeof ps);
    ps.p = text;
    ps.len = len;
    if (len >= 3 && text[0] == 0xef && text[1] == 0xbb && text[2] == 0xbf)
        ps.pos = 3;
    if ((bad = jcs_utf8_check(text, len)) != len) {
        rc = fail(&ps, CREDKEY_ERR_JSON_UTF8, bad, "invalid UTF-8");
        goto fail;
    }
    ps.doc = calloc(1, sizeof *ps.doc);
    if (ps.doc == NULL) {
        rc = fail(&ps, CREDKEY_ERR_NOMEM, 0, "out of memory");
        goto fail;
    }
    if ((rc = read_value(&ps, 1, &ps.doc->root)) != 0)
        goto fail;
    skip_ws(&ps);
    if (ps.pos != len) {
        rc = fail(&ps, CREDKEY_ERR_JSON_SYNTAX, ps.pos,
                  "text after the JSON value");
        goto fail;
    }
    free(ps.vals);
    free(ps.mems);
    free(ps.sbuf);
    *out = ps.doc;
    return 0;
fail:
    if (err_offset != NULL)
        *err_offset = ps.err_off;
    if (why != NULL)
        snprintf(why, CREDKEY_WHY_MAX, "JSON: %s at byte %zu", ps.err_what,
                 ps.err_off);
    free(ps.vals);
    free(ps.mems);
    free(ps.sbuf);
    jcs_doc_free(ps.doc);
    return rc;
}

const struct jcs_value *jcs_object_get(const struct jcs_value *obj,
                                       const char *name)
{
    size_t lo = 0, hi, len = strlen(name);

    if (obj == NULL || obj->type != JCS_OBJECT)
        return NULL;
    hi = obj->u.obj.n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const struct jcs_member *m = &obj->u.obj.members[mid];
        int c = utf16_cmp(m->name, m->name_len, name, len);
        if (c == 0)
            return &m->value;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

bool jcs_string_is(const struct jcs_value *v, const char *s)
{
    size_t n = strlen(s);

    return v != NULL && v->type == JCS_STRING && v->u.str.len == n &&
           memcmp(v->u.str.s, s, n) == 0;
}

/* --- numbers ---------------------------------------------------------- */

/* The p decimal digits and exponent n of the p-digit rounding of a > 0:
 * a ~ 0.DIGITS x 10^n. Returns p. */
static int digits_of(double a, int p, char digits[24], int *n)
{
    char tmp[48];
    int k = 0, i = 0;

    snprintf(tmp, sizeof tmp, "%.*e", p - 1, a);
    for (; tmp[i] != '\0' && tmp[i] != 'e'; i++)
        if (is_digit((uint8_t)tmp[i]))
            digits[k++] = tmp[i];
    *n = atoi(tmp + i + 1) + 1;
    digits[k] = '\0';
    return k;
}

/* Whether 0.DIGITS x 10^n reads back as a. */
static bool round_trips(const char *digits, int n, double a)
{
    char tmp[48];

    snprintf(tmp, sizeof tmp, "%se%d", digits, n - (int)strlen(digits));
    return strtod(tmp, NULL) == a;
}

/* DIGITS (k of them) plus or minus one unit in the last place, without a
 * leading zero. Returns the new count, 0 if it vanished. */
static int digits_step(char d[24], int k, int *n, int dir)
{
    int i = k - 1;

    if (dir > 0) {
        while (i >= 0 && d[i] == '9')
            d[i--] = '0';
        if (i < 0) {
            memmove(d + 1, d, (size_t)k);
            d[0] = '1';
            k++;
            (*n)++;
        } else {
            d[i]++;
        }
    } else {
        while (i >= 0 && d[i] == '0')
            d[i--] = '9';
        if (i < 0)
            return 0;
        d[i]--;
        if (d[0] == '0') {
            memmove(d, d + 1, (size_t)k - 1);
            k--;
            (*n)--;
            if (k == 0)
                return 0;
        }
    }
    d[k] = '\0';
    return k;
}

size_t jcs_number_format(double d, char buf[JCS_NUMBER_MAX])
{
    char digits[24], *o = buf;
    double a = d < 0 ? -d : d;
    int k = 0, n = 0;

    if (d == 0) {
        buf[0] = '0';
        buf[1] = '\0';
        return 1;
    }
    if (d < 0)
        *o++ = '-';
    if (a < 9007199254740992.0 && a == (double)(unsigned long long)a) {
        int len =
            snprintf(o, JCS_NUMBER_MAX - 1, "%llu", (unsigned long long)a);
        return (size_t)(o - buf) + (size_t)len;
    }
    for (int p = 1; p <= 17; p++) {
        char alt[24];
        int an;

        k = digits_of(a, p, digits, &n);
        if (round_trips(digits, n, a))
            break;
        for (int dir = -1; dir <= 1; dir += 2) {
            int ak;
            memcpy(alt, digits, (size_t)k + 1);
            an = n;
            ak = digits_step(alt, k, &an, dir);
            if (ak > 0 && ak <= p && round_trips(alt, an, a)) {
                memcpy(digits, alt, (size_t)ak + 1);
                k = ak;
                n = an;
                goto found;
            }
        }
    }
found:
    while (k > 1 && digits[k - 1] == '0')
        k--;
    if (k <= n && n <= 21) {
        memcpy(o, digits, (size_t)k);
        o += k;
        for (int i = k; i < n; i++)
            *o++ = '0';
    } else if (0 < n && n <= 21) {
        memcpy(o, digits, (size_t)n);
        o += n;
        *o++ = '.';
        memcpy(o, digits + n, (size_t)(k - n));
        o += k - n;
    } else if (-6 < n && n <= 0) {
        *o++ = '0';
        *o++ = '.';
        for (int i = 0; i < -n; i++)
            *o++ = '0';
        memcpy(o, digits, (size_t)k);
        o += k;
    } else {
        *o++ = digits[0];
        if (k > 1) {
            *o++ = '.';
            memcpy(o, digits + 1, (size_t)(k - 1));
            o += k - 1;
        }
        o += snprintf(o, 8, "e%c%d", n - 1 >= 0 ? '+' : '-', abs(n - 1));
    }
    *o = '\0';
    return (size_t)(o - buf);
}

/* --- the writer ------------------------------------------------------- */

struct outbuf {
    uint8_t *p;
    size_t len, cap;
    bool oom;
};

static void put(struct outbuf *b, const void *s, size_t n)
{
    if (b->oom)
        return;
    if (grow((void **)&b->p, &b->cap, b->len + n, 1) != 0) {
        b->oom = true;
        return;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
}

static void put_string(struct outbuf *b, const char *s, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    const uint8_t *u = (const uint8_t *)s;
    size_t run = 0;

    put(b, "\"", 1);
    for (size_t i = 0; i < len; i++) {
        uint8_t c = u[i];
        char esc[6];
        size_t en = 2;

        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        put(b, u + run, i - run);
        run = i + 1;
        esc[0] = '\\';
        switch (c) {
        case '"':
        case '\\':
            esc[1] = (char)c;
            break;
        case '\b':
            esc[1] = 'b';
            break;
        case '\t':
            esc[1] = 't';
            break;
        case '\n':
            esc[1] = 'n';
            break;
        case '\f':
            esc[1] = 'f';
            break;
        case '\r':
            esc[1] = 'r';
            break;
        default:
            memcpy(esc + 1, "u00", 3);
            esc[4] = hex[c >> 4];
            esc[5] = hex[c & 15];
            en = 6;
        }
        put(b, esc, en);
    }
    put(b, u + run, len - run);
    put(b, "\"", 1);
}

static void put_value(struct outbuf *b, const struct jcs_value *v,
                      const char *omit)
{
    char num[JCS_NUMBER_MAX];
    bool first = true;

    switch (v->type) {
    case JCS_NULL:
        put(b, "null", 4);
        break;
    case JCS_FALSE:
        put(b, "false", 5);
        break;
    case JCS_TRUE:
        put(b, "true", 4);
        break;
    case JCS_NUMBER:
        put(b, num, jcs_number_format(v->u.num, num));
        break;
    case JCS_STRING:
        put_string(b, v->u.str.s, v->u.str.len);
        break;
    case JCS_ARRAY:
        put(b, "[", 1);
        for (size_t i = 0; i < v->u.arr.n; i++) {
            if (i > 0)
                put(b, ",", 1);
            put_value(b, &v->u.arr.items[i], NULL);
        }
        put(b, "]", 1);
        break;
    case JCS_OBJECT:
        put(b, "{", 1);
        for (size_t i = 0; i < v->u.obj.n; i++) {
            const struct jcs_member *m = &v->u.obj.members[i];
            if (omit != NULL && m->name_len == strlen(omit) &&
                memcmp(m->name, omit, m->name_len) == 0)
                continue;
            if (!first)
                put(b, ",", 1);
            first = false;
            put_string(b, m->name, m->name_len);
            put(b, ":", 1);
            put_value(b, &m->value, NULL);
        }
        put(b, "}", 1);
        break;
    }
}

int jcs_serialize(const struct jcs_value *v, const char *omit, uint8_t **out,
                  size_t *out_len)
{
    struct outbuf b = {NULL, 0, 0, false};

    put_value(&b, v, omit);
    if (!b.oom && b.p == NULL)
        grow((void **)&b.p, &b.cap, 1, 1);
    if (b.oom || b.p == NULL) {
        free(b.p);
        *out = NULL;
        return CREDKEY_ERR_NOMEM;
    }
    *out = b.p;
    *out_len = b.len;
    return 0;
}

int jcs_canonicalize(const uint8_t *text, size_t len, uint8_t **out,
                     size_t *out_len, size_t *err_offset,
                     char why[CREDKEY_WHY_MAX])
{
    struct jcs_doc *doc;
    int rc;

    *out = NULL;
    if ((rc = jcs_parse(text, len, &doc, err_offset, why)) != 0)
        return rc;
    rc = jcs_serialize(jcs_doc_root(doc), NULL, out, out_len);
    if (rc != 0 && why != NULL)
        snprintf(why, CREDKEY_WHY_MAX, "%s", "out of memory");
    jcs_doc_free(doc);
    return rc;
}
