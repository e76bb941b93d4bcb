/*
 * note.c: C2SP signed notes and note keys. See note.h. Checkpoint bodies are
 * in checkpoint.c, the cosignature/v1 message in cosignature.c.
 *
 * Everything here is byte-compatible with Go's golang.org/x/mod/sumdb/note
 * (key strings, key ids, note layout) and stricter where Go is lax: base64
 * must be canonical, key names may not hold control characters, and note text
 * may not hold DEL either.
 */
#include "proofs/note.h"

#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

#include "proofs/be.h"
#include "proofs/codec.h"
#include "proofs/cosignature.h"
#include "proofs/utf8.h"

/* "— " (U+2014 EM DASH, space) starts every signature line. */
#define SIG_PREFIX "\xe2\x80\x94 "
#define SIG_PREFIX_LEN 4

#define SIGNER_PREFIX "PRIVATE+KEY+"
#define SIGNER_PREFIX_LEN 12

/* base64 of (type || 32-byte key) is always 44 characters. */
#define KEY_BLOB_SIZE (1 + ED25519_PUBLIC_SIZE)
#define KEY_B64_LEN CODEC_B64_LEN(KEY_BLOB_SIZE)

/* Signature blobs after the 4-byte key id. */
#define ED25519_BLOB_SIZE (4 + ED25519_SIGNATURE_SIZE)
#define COSIG_BLOB_SIZE (4 + 8 + ED25519_SIGNATURE_SIZE)

/* Cosignature messages up to this size are built on the stack. */
#define COSIG_STACK_MSG 1024

const char *note_strerror(int err)
{
    switch (err) {
    case 0:
        return "success";
    case NOTE_ERR_SYNTAX:
        return "malformed key or note";
    case NOTE_ERR_SPACE:
        return "output buffer too small";
    case NOTE_ERR_CRYPTO:
        return "cryptographic library failure";
    case NOTE_ERR_BAD_SIG:
        return "a known key's signature does not verify";
    case NOTE_ERR_UNVERIFIED:
        return "no signature by a known key";
    case NOTE_ERR_TOO_MANY:
        return "too many signatures";
    case NOTE_ERR_NOMEM:
        return "out of memory";
    default:
        return "unknown note error";
    }
}

/* ---- UTF-8 and character classes ---- */

/* Go's unicode.IsSpace: the White_Space property. */
static bool is_unicode_space(uint32_t c)
{
    return (c >= 0x09 && c <= 0x0d) || c == 0x20 || c == 0x85 || c == 0xa0 ||
           c == 0x1680 || (c >= 0x2000 && c <= 0x200a) || c == 0x2028 ||
           c == 0x2029 || c == 0x202f || c == 0x205f || c == 0x3000;
}

/* Unicode general category Cc. */
static bool is_control(uint32_t c)
{
    return c < 0x20 || (c >= 0x7f && c <= 0x9f);
}

/* Whether s is valid UTF-8 holding no ASCII control character but "\n". */
static bool text_chars_valid(const char *s, size_t len)
{
    const uint8_t *p = (const uint8_t *)s;
    size_t i = 0;

    while (i < len) {
        uint32_t c;
        size_t n;

        if (p[i] >= 0x20 && p[i] < 0x7f) {
            i++; /* the common case: printable ASCII */
            continue;
        }
        n = utf8_decode(p + i, len - i, &c);
        if (n == 0 || c == 0x7f || (c < 0x20 && c != '\n'))
            return false;
        i += n;
    }
    return true;
}

bool note_text_valid(const char *s, size_t len)
{
    return len > 0 && s[len - 1] == '\n' && text_chars_valid(s, len);
}

/* A key name of any length: non-empty UTF-8, no space, control or '+'. */
static bool name_chars_valid(const char *name, size_t len)
{
    const uint8_t *p = (const uint8_t *)name;
    size_t i = 0;

    if (len == 0)
        return false;
    while (i < len) {
        uint32_t c;
        size_t n = utf8_decode(p + i, len - i, &c);

        if (n == 0 || c == '+' || is_control(c) || is_unicode_space(c))
            return false;
        i += n;
    }
    return true;
}

bool note_name_valid(const char *name, size_t len)
{
    return name != NULL && len <= NOTE_NAME_MAX && name_chars_valid(name, len);
}

/* ---- issuer names ---- */

/* Code points a key name may hold but an issuer name may not: every format
 * character (general category Cf: zero-width characters, bidirectional
 * marks, embeddings, overrides and isolates, the BOM, tags...), the other
 * default-ignorable code points (variation selectors, Hangul fillers, the
 * combining grapheme joiner, Mongolian free variation selectors), blank-
 * looking symbols, private-use code points and noncharacters. All render as
 * nothing, as something else, or differently on every system, so a name
 * holding one can look exactly like another name. Sorted, not overlapping. */
static const struct {
    uint32_t lo, hi;
} issuer_refused[] = {
    {0x00ad, 0x00ad},   {0x034f, 0x034f},    {0x0600, 0x0605},
    {0x061c, 0x061c},   {0x06dd, 0x06dd},    {0x070f, 0x070f},
    {0x0890, 0x0891},   {0x08e2, 0x08e2},    {0x115f, 0x1160},
    {0x17b4, 0x17b5},   {0x180b, 0x180f},    {0x200b, 0x200f},
    {0x202a, 0x202e},   {0x2060, 0x206f},    {0x2800, 0x2800},
    {0x3164, 0x3164},   {0xe000, 0xf8ff},    {0xfdd0, 0xfdef},
    {0xfe00, 0xfe0f},   {0xfeff, 0xfeff},    {0xffa0, 0xffa0},
    {0xfff0, 0xfffb},   {0x110bd, 0x110bd},  {0x110cd, 0x110cd},
    {0x13430, 0x1343f}, {0x1bca0, 0x1bca3},  {0x1d173, 0x1d17a},
    {0xe0000, 0xe0fff}, {0xf0000, 0x10ffff},
};

bool note_issuer_char_refused(uint32_t c)
{
    if ((c & 0xfffe) == 0xfffe)
        return true; /* U+xFFFE and U+xFFFF: noncharacters in every plane */
    for (size_t i = 0; i < sizeof issuer_refused / sizeof issuer_refused[0];
         i++) {
        if (c < issuer_refused[i].lo)
            return false;
        if (c <= issuer_refused[i].hi)
            return true;
    }
    return false;
}

bool note_issuer_name_valid(const char *name, size_t len, uint32_t *bad)
{
    const uint8_t *p = (const uint8_t *)name;
    size_t i = 0;

    if (bad != NULL)
        *bad = 0;
    if (!note_name_valid(name, len))
        return false;
    while (i < len) {
        uint32_t c = 0;
        size_t n = utf8_decode(p + i, len - i, &c);

        if (note_issuer_char_refused(c)) {
            if (bad != NULL)
                *bad = c;
            return false;
        }
        i += n;
    }
    return true;
}

/* ---- small helpers ---- */

static const char *find_byte(const char *s, size_t len, char c)
{
    return len == 0 ? NULL : memchr(s, c, len);
}

/* The length of a name held in a NOTE_NAME_MAX + 1 array; an array with no
 * NUL reports NOTE_NAME_MAX + 1, which no name check accepts. */
static size_t name_len(const char name[NOTE_NAME_MAX + 1])
{
    const char *nul = memchr(name, '\0', NOTE_NAME_MAX + 1);

    return nul != NULL ? (size_t)(nul - name) : NOTE_NAME_MAX + 1;
}

/* Strips one trailing "\n" from a key string. */
static size_t strip_newline(const char *text, size_t len)
{
    return len > 0 && text[len - 1] == '\n' ? len - 1 : len;
}

/* ---- keys ---- */

uint32_t note_key_id(const char *name, uint8_t type,
                     const uint8_t pub[ED25519_PUBLIC_SIZE])
{
    uint8_t buf[NOTE_NAME_MAX + 2 + ED25519_PUBLIC_SIZE];
    uint8_t md[SHA256_DIGEST_LENGTH];
    size_t n = strlen(name);

    if (n <= NOTE_NAME_MAX) {
        memcpy(buf, name, n);
        buf[n] = '\n';
        buf[n + 1] = type;
        memcpy(buf + n + 2, pub, ED25519_PUBLIC_SIZE);
        SHA256(buf, n + 2 + ED25519_PUBLIC_SIZE, md);
    } else {
        /* Longer names are never valid here, but the id is still defined. */
        EVP_MD_CTX *ctx = EVP_MD_CTX_new();
        uint8_t sep[2] = {'\n', type};

        memset(md, 0, sizeof md);
        if (ctx != NULL && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1 &&
            EVP_DigestUpdate(ctx, name, n) == 1 &&
            EVP_DigestUpdate(ctx, sep, 2) == 1 &&
            EVP_DigestUpdate(ctx, pub, ED25519_PUBLIC_SIZE) == 1)
            EVP_DigestFinal_ex(ctx, md, NULL);
        EVP_MD_CTX_free(ctx);
    }
    return be_get32(md);
}

/* A signer's key type; signers zeroed and filled by hand are Ed25519. */
static uint8_t signer_type(const struct note_signer *s)
{
    return s->type == 0 ? NOTE_TYPE_ED25519 : s->type;
}

static bool signer_type_valid(uint8_t type)
{
    return type == NOTE_TYPE_ED25519 || type == NOTE_TYPE_COSIGNATURE;
}

int note_signer_from_seed_type(const char *name, uint8_t type,
                               const uint8_t seed[ED25519_SEED_SIZE],
                               struct note_signer *out)
{
    size_t n = strlen(name);

    if (!note_name_valid(name, n) || !signer_type_valid(type))
        return NOTE_ERR_SYNTAX;
    memset(out, 0, sizeof *out);
    memcpy(out->name, name, n);
    out->type = type;
    memcpy(out->seed, seed, ED25519_SEED_SIZE);
    if (ed25519_public_from_seed(out->seed, out->pub) != 0) {
        note_signer_wipe(out);
        return NOTE_ERR_CRYPTO;
    }
    out->key_id = note_key_id(out->name, type, out->pub);
    return 0;
}

int note_signer_from_seed(const char *name,
                          const uint8_t seed[ED25519_SEED_SIZE],
                          struct note_signer *out)
{
    return note_signer_from_seed_type(name, NOTE_TYPE_ED25519, seed, out);
}

int note_signer_generate_type(const char *name, uint8_t type,
                              struct note_signer *out)
{
    uint8_t seed[ED25519_SEED_SIZE];
    int rc;

    if (!note_name_valid(name, strlen(name)) || !signer_type_valid(type))
        return NOTE_ERR_SYNTAX;
    if (ed25519_random_seed(seed) != 0)
        return NOTE_ERR_CRYPTO;
    rc = note_signer_from_seed_type(name, type, seed, out);
    OPENSSL_cleanse(seed, sizeof seed);
    return rc;
}

int note_signer_generate(const char *name, struct note_signer *out)
{
    return note_signer_generate_type(name, NOTE_TYPE_ED25519, out);
}

/* Parses "<name>+<hex8>+<base64(type || key)>" (the whole of text). On
 * success fills name (NUL-terminated), *id and blob. */
static int parse_key_fields(const char *text, size_t len,
                            char name[NOTE_NAME_MAX + 1], uint32_t *id,
                            uint8_t blob[KEY_BLOB_SIZE])
{
    const char *plus1, *plus2, *hex, *b64;
    uint8_t idb[4];
    size_t nlen, blen;

    plus1 = find_byte(text, len, '+');
    if (plus1 == NULL)
        return NOTE_ERR_SYNTAX;
    nlen = (size_t)(plus1 - text);
    hex = plus1 + 1;
    plus2 = find_byte(hex, len - nlen - 1, '+');
    if (plus2 == NULL || plus2 - hex != 8)
        return NOTE_ERR_SYNTAX;
    b64 = plus2 + 1;
    blen = len - (size_t)(b64 - text);
    if (!note_name_valid(text, nlen))
        return NOTE_ERR_SYNTAX;
    if (codec_hex_decode(hex, 8, idb, 4) != 0)
        return NOTE_ERR_SYNTAX;
    if (blen != KEY_B64_LEN ||
        codec_b64_decode(b64, blen, blob, KEY_BLOB_SIZE) != KEY_BLOB_SIZE)
        return NOTE_ERR_SYNTAX;
    memcpy(name, text, nlen);
    name[nlen] = '\0';
    *id = be_get32(idb);
    return 0;
}

int note_signer_parse_type(const char *text, size_t len, uint8_t type,
                           struct note_signer *out)
{
    uint8_t blob[KEY_BLOB_SIZE];
    int rc = NOTE_ERR_SYNTAX;

    memset(out, 0, sizeof *out);
    len = strip_newline(text, len);
    if (len < SIGNER_PREFIX_LEN ||
        memcmp(text, SIGNER_PREFIX, SIGNER_PREFIX_LEN) != 0)
        return NOTE_ERR_SYNTAX;
    if (parse_key_fields(text + SIGNER_PREFIX_LEN, len - SIGNER_PREFIX_LEN,
                         out->name, &out->key_id, blob) != 0)
        goto fail;
    if (!signer_type_valid(type) || blob[0] != type)
        goto fail;
    out->type = type;
    memcpy(out->seed, blob + 1, ED25519_SEED_SIZE);
    if (ed25519_public_from_seed(out->seed, out->pub) != 0) {
        rc = NOTE_ERR_CRYPTO;
        goto fail;
    }
    if (note_key_id(out->name, type, out->pub) != out->key_id)
        goto fail;
    OPENSSL_cleanse(blob, sizeof blob);
    return 0;
fail:
    OPENSSL_cleanse(blob, sizeof blob);
    OPENSSL_cleanse(out, sizeof *out);
    return rc;
}

int note_signer_parse(const char *text, size_t len, struct note_signer *out)
{
    return note_signer_parse_type(text, len, NOTE_TYPE_ED25519, out);
}

/* Writes "<name>+<hex8>+<base64(type || key)>" after prefix. */
static int format_key(const char *prefix, const char name[NOTE_NAME_MAX + 1],
                      uint32_t id, uint8_t type, const uint8_t key[32],
                      char *buf, size_t cap)
{
    size_t plen = strlen(prefix), nlen = name_len(name), need;
    uint8_t blob[KEY_BLOB_SIZE];
    char *p;

    if (nlen > NOTE_NAME_MAX)
        return NOTE_ERR_SYNTAX;
    need = plen + nlen + 1 + 8 + 1 + KEY_B64_LEN;
    if (need + 1 > cap || need > INT_MAX)
        return NOTE_ERR_SPACE;
    p = buf;
    memcpy(p, prefix, plen);
    p += plen;
    memcpy(p, name, nlen);
    p += nlen;
    *p++ = '+';
    snprintf(p, 10, "%08" PRIx32, id);
    p += 8;
    *p++ = '+';
    blob[0] = type;
    memcpy(blob + 1, key, 32);
    codec_b64_encode(blob, sizeof blob, p);
    OPENSSL_cleanse(blob, sizeof blob);
    return (int)need;
}

int note_signer_format(const struct note_signer *s, char *buf, size_t cap)
{
    return format_key(SIGNER_PREFIX, s->name, s->key_id, signer_type(s),
                      s->seed, buf, cap);
}

void note_signer_verifier(const struct note_signer *s,
                          struct note_verifier *out)
{
    memset(out, 0, sizeof *out);
    memcpy(out->name, s->name, sizeof out->name);
    out->key_id = s->key_id;
    out->type = signer_type(s);
    memcpy(out->pub, s->pub, ED25519_PUBLIC_SIZE);
}

void note_signer_wipe(struct note_signer *s)
{
    if (s != NULL)
        OPENSSL_cleanse(s->seed, sizeof s->seed);
}

int note_verifier_parse(const char *text, size_t len, struct note_verifier *out)
{
    uint8_t blob[KEY_BLOB_SIZE];

    memset(out, 0, sizeof *out);
    len = strip_newline(text, len);
    if (parse_key_fields(text, len, out->name, &out->key_id, blob) != 0)
        goto fail;
    if (blob[0] != NOTE_TYPE_ED25519 && blob[0] != NOTE_TYPE_COSIGNATURE)
        goto fail;
    out->type = blob[0];
    memcpy(out->pub, blob + 1, ED25519_PUBLIC_SIZE);
    if (note_key_id(out->name, out->type, out->pub) != out->key_id)
        goto fail;
    return 0;
fail:
    memset(out, 0, sizeof *out);
    return NOTE_ERR_SYNTAX;
}

int note_verifier_format(const struct note_verifier *v, char *buf, size_t cap)
{
    return format_key("", v->name, v->key_id, v->type, v->pub, buf, cap);
}

/* ---- signing and opening ---- */

int note_sign(const char *text, size_t len, const struct note_signer *s,
              char *buf, size_t cap)
{
    uint8_t sig[ED25519_SIGNATURE_SIZE];
    size_t nlen = name_len(s->name);
    char name[NOTE_NAME_MAX + 1];

    if (!note_text_valid(text, len) || !note_name_valid(s->name, nlen) ||
        signer_type(s) != NOTE_TYPE_ED25519)
        return NOTE_ERR_SYNTAX;
    if (len > INT_MAX / 2 || note_signed_len(len, s->name) + 1 > cap)
        return NOTE_ERR_SPACE;
    if (ed25519_sign(s->seed, (const uint8_t *)text, len, sig) != 0)
        return NOTE_ERR_CRYPTO;
    memcpy(name, s->name, nlen);
    name[nlen] = '\0';
    return note_add_signature(text, len, name, s->key_id, sig, buf, cap);
}

size_t note_signed_len(size_t len, const char *name)
{
    return len + 1 + SIG_PREFIX_LEN + strlen(name) + 1 +
           CODEC_B64_LEN(ED25519_BLOB_SIZE) + 1;
}

int note_add_signature(const char *text, size_t len, const char *name,
                       uint32_t key_id,
                       const uint8_t sig[ED25519_SIGNATURE_SIZE], char *buf,
                       size_t cap)
{
    uint8_t blob[ED25519_BLOB_SIZE];
    size_t nlen = strnlen(name, NOTE_NAME_MAX + 1), need;
    char *p;

    if (!note_text_valid(text, len) || !note_name_valid(name, nlen))
        return NOTE_ERR_SYNTAX;
    if (len > INT_MAX / 2)
        return NOTE_ERR_SPACE;
    need = note_signed_len(len, name);
    if (need + 1 > cap || need > INT_MAX)
        return NOTE_ERR_SPACE;
    be_put32(blob, key_id);
    memcpy(blob + 4, sig, ED25519_SIGNATURE_SIZE);
    /* text may alias buf: moved before anything else is written. */
    memmove(buf, text, len);
    p = buf + len;
    *p++ = '\n';
    memcpy(p, SIG_PREFIX, SIG_PREFIX_LEN);
    p += SIG_PREFIX_LEN;
    memcpy(p, name, nlen);
    p += nlen;
    *p++ = ' ';
    p += codec_b64_encode(blob, sizeof blob, p);
    *p++ = '\n';
    *p = '\0';
    return (int)need;
}

/*
 * Checks canonical base64 of any length without storing all of it (an
 * unknown key's signature may be large, e.g. ML-DSA cosignatures). Returns
 * the decoded length, or NOTE_ERR_SYNTAX; the first min(length, head_cap) bytes
 * go to head. Decodes in 64-character chunks; padding is only allowed in the
 * last.
 */
static long b64_scan(const char *in, size_t len, uint8_t *head, size_t head_cap)
{
    uint8_t chunk[48];
    size_t total = 0;

    if (len == 0 || len % 4 != 0 || len > LONG_MAX / 2)
        return NOTE_ERR_SYNTAX;
    for (size_t i = 0; i < len; i += 64) {
        size_t n = len - i < 64 ? len - i : 64;
        int got;

        if (i + n < len && (in[i + n - 1] == '=' || in[i + n - 2] == '='))
            return NOTE_ERR_SYNTAX;
        got = codec_b64_decode(in + i, n, chunk, sizeof chunk);
        if (got < 0)
            return NOTE_ERR_SYNTAX;
        if (total < head_cap) {
            size_t c =
                head_cap - total < (size_t)got ? head_cap - total : (size_t)got;
            memcpy(head + total, chunk, c);
        }
        total += (size_t)got;
    }
    return (long)total;
}

/* One parsed signature line. */
struct sig_line {
    const char *name;
    size_t name_len;
    uint32_t key_id;
    long blob_len;                 /* decoded length, key id included */
    uint8_t blob[COSIG_BLOB_SIZE]; /* its first bytes */
};

/* Parses the signature line line[0..len) (without its "\n"). */
static int parse_sig_line(const char *line, size_t len, struct sig_line *out)
{
    const char *sp;

    if (len < SIG_PREFIX_LEN || memcmp(line, SIG_PREFIX, SIG_PREFIX_LEN) != 0)
        return NOTE_ERR_SYNTAX;
    line += SIG_PREFIX_LEN;
    len -= SIG_PREFIX_LEN;
    sp = find_byte(line, len, ' ');
    if (sp == NULL)
        return NOTE_ERR_SYNTAX;
    out->name = line;
    out->name_len = (size_t)(sp - line);
    if (!name_chars_valid(out->name, out->name_len))
        return NOTE_ERR_SYNTAX;
    out->blob_len =
        b64_scan(sp + 1, len - out->name_len - 1, out->blob, sizeof out->blob);
    if (out->blob_len < 5) /* as Go: a key id and at least one byte */
        return NOTE_ERR_SYNTAX;
    out->key_id = be_get32(out->blob);
    return 0;
}

/* Verifies the cosignature/v1 blob (key id, u64be time, signature) by key. */
static int verify_cosignature(const struct note_verifier *key,
                              const uint8_t blob[COSIG_BLOB_SIZE],
                              const char *text, size_t text_len, uint64_t *ts)
{
    uint8_t stack[COSIG_STACK_MSG], *msg = stack;
    size_t cap = sizeof stack;
    int n, rc = NOTE_ERR_BAD_SIG;

    *ts = be_get64(blob + 4);
    if (text_len > (size_t)INT_MAX - COSIGNATURE_PREFIX_MAX)
        return NOTE_ERR_SYNTAX;
    if (text_len + COSIGNATURE_PREFIX_MAX > cap) {
        cap = text_len + COSIGNATURE_PREFIX_MAX;
        msg = malloc(cap);
        if (msg == NULL)
            return NOTE_ERR_NOMEM;
    }
    n = cosignature_message(*ts, text, text_len, msg, cap);
    if (n >= 0 && ed25519_verify(key->pub, msg, (size_t)n, blob + 12))
        rc = 0;
    if (msg != stack)
        free(msg);
    return rc;
}

int note_open(const char *note, size_t len, const struct note_verifier *keys,
              size_t nkeys, size_t *text_len, bool *verified,
              uint64_t *timestamps)
{
    const char *sigs, *end = note + len, *p;
    size_t split, tlen, nlines = 0;
    bool any = false;
    int rc;

    /* Clear the outputs first, so that no failure (a malformed note
     * included) leaves anything reported as verified. */
    if (verified != NULL)
        memset(verified, 0, nkeys * sizeof *verified);
    if (timestamps != NULL)
        memset(timestamps, 0, nkeys * sizeof *timestamps);
    if (len < 2 || !text_chars_valid(note, len))
        return NOTE_ERR_SYNTAX;
    /* The text ends at the last "\n\n": its "\n" is the text's last byte. */
    split = len - 1;
    while (split > 0 && !(note[split - 1] == '\n' && note[split] == '\n'))
        split--;
    if (split == 0)
        return NOTE_ERR_SYNTAX;
    tlen = split; /* note[split - 1] is the text's final "\n" */
    sigs = note + split + 1;
    if (sigs == end || end[-1] != '\n')
        return NOTE_ERR_SYNTAX;

    /* First pass: form only, so the outcome does not depend on line order. */
    for (p = sigs; p < end; nlines++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        struct sig_line sl;

        if (nlines == NOTE_MAX_SIGNATURES)
            return NOTE_ERR_TOO_MANY;
        if (parse_sig_line(p, (size_t)(nl - p), &sl) != 0)
            return NOTE_ERR_SYNTAX;
        p = nl + 1;
    }

    for (p = sigs; p < end;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        struct sig_line sl;

        parse_sig_line(p, (size_t)(nl - p), &sl);
        p = nl + 1;
        for (size_t i = 0; i < nkeys; i++) {
            const struct note_verifier *k = &keys[i];
            uint64_t ts = 0;

            if (k->key_id != sl.key_id || name_len(k->name) != sl.name_len ||
                memcmp(k->name, sl.name, sl.name_len) != 0)
                continue;
            rc = NOTE_ERR_BAD_SIG;
            if (k->type == NOTE_TYPE_ED25519) {
                if (sl.blob_len != ED25519_BLOB_SIZE ||
                    !ed25519_verify(k->pub, (const uint8_t *)note, tlen,
                                    sl.blob + 4))
                    goto fail;
            } else if (k->type == NOTE_TYPE_COSIGNATURE) {
                if (sl.blob_len != COSIG_BLOB_SIZE)
                    goto fail;
                rc = verify_cosignature(k, sl.blob, note, tlen, &ts);
                if (rc != 0)
                    goto fail;
            } else {
                continue; /* not a key type this code can check */
            }
            any = true;
            if (verified != NULL)
                verified[i] = true;
            if (timestamps != NULL && ts > timestamps[i])
                timestamps[i] = ts;
        }
    }
    if (!any)
        return NOTE_ERR_UNVERIFIED;
    if (text_len != NULL)
        *text_len = tlen;
    return 0;
fail:
    /* Report nothing as verified from a note that is invalid. */
    if (verified != NULL)
        memset(verified, 0, nkeys * sizeof *verified);
    if (timestamps != NULL)
        memset(timestamps, 0, nkeys * sizeof *timestamps);
    return rc;
}
