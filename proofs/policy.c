/*
 * policy.c: C2SP tlog-policy parsing and quorum evaluation. See policy.h.
 *
 * The parser is strict where the spec is precise (members before use, no
 * duplicate keys, one quorum) and refuses anything it cannot represent
 * rather than guessing: a policy that silently dropped a witness would make
 * a verifier accept less than its operator asked for.
 */
#include "proofs/policy.h"

#include <string.h>

#include <openssl/sha.h>

#include "proofs/codec.h"

#define MLDSA44_PUBLIC_SIZE 1312
#define NOTE_TYPE_MLDSA44 0x06
#define MAX_FIELDS (3 + POLICY_MAX_MEMBERS)

/* A field of a line: a pointer into the text and its length. */
struct field {
    const char *s;
    size_t len;
};

const char *policy_strerror(int err)
{
    switch (err) {
    case 0:
        return "success";
    case POLICY_ERR_SYNTAX:
        return "policy line does not follow the tlog-policy grammar";
    case POLICY_ERR_KEY:
        return "malformed verifier key, or a key of the wrong type";
    case POLICY_ERR_NAME:
        return "unknown, reserved or repeated witness or group name";
    case POLICY_ERR_DUP:
        return "the same public key appears twice";
    case POLICY_ERR_LIMIT:
        return "too many logs, witnesses, groups or members, or too long";
    case POLICY_ERR_QUORUM:
        return "a policy needs exactly one quorum line";
    case POLICY_ERR_UNSIGNED:
        return "checkpoint not signed by a log of the policy";
    case POLICY_ERR_UNMET:
        return "checkpoint cosignatures do not meet the policy's quorum";
    case POLICY_ERR_NOTE:
        return "not a validly signed checkpoint note";
    default:
        return "unknown policy error";
    }
}

static bool field_is(const struct field *f, const char *word)
{
    size_t n = strlen(word);

    return f->len == n && memcmp(f->s, word, n) == 0;
}

/* Splits one line on runs of spaces and tabs. Returns the number of fields,
 * or -1 when there are more than max. */
static int split_fields(const char *s, size_t len, struct field *out, int max)
{
    int n = 0;
    size_t i = 0;

    while (i < len) {
        size_t start;

        while (i < len && (s[i] == ' ' || s[i] == '\t'))
            i++;
        if (i == len)
            break;
        start = i;
        while (i < len && s[i] != ' ' && s[i] != '\t')
            i++;
        if (n == max)
            return -1;
        out[n].s = s + start;
        out[n].len = i - start;
        n++;
    }
    return n;
}

/* The spec allows tab, newline, printable ASCII and any byte >= 0x80. */
static bool text_bytes_valid(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];

        if (c != '\t' && c != '\n' && (c < 0x20 || c == 0x7f))
            return false;
    }
    return true;
}

static bool copy_url(const struct field *f, char url[POLICY_URL_MAX])
{
    if (f->len >= POLICY_URL_MAX)
        return false;
    memcpy(url, f->s, f->len);
    url[f->len] = '\0';
    return true;
}

/* Recognises an ML-DSA-44 cosigner vkey (type 0x06), which credlog parses
 * but cannot verify: name+hex8+base64(0x06 || 1312-byte key), key id
 * checked. */
static bool mldsa_vkey_valid(const char *s, size_t len,
                             char name[NOTE_NAME_MAX + 1])
{
    static const size_t b64_len = CODEC_B64_LEN(1 + MLDSA44_PUBLIC_SIZE);
    uint8_t blob[1 + MLDSA44_PUBLIC_SIZE + 3], id[4];
    uint8_t msg[NOTE_NAME_MAX + 1 + 1 + MLDSA44_PUBLIC_SIZE];
    uint8_t digest[SHA256_DIGEST_LENGTH];
    const char *plus = memchr(s, '+', len);
    size_t nlen;

    if (plus == NULL)
        return false;
    nlen = (size_t)(plus - s);
    if (!note_name_valid(s, nlen) || len != nlen + 1 + 8 + 1 + b64_len ||
        s[nlen + 9] != '+')
        return false;
    if (codec_hex_decode(s + nlen + 1, 8, id, sizeof id) != 0)
        return false;
    if (codec_b64_decode(s + nlen + 10, b64_len, blob, sizeof blob) !=
            1 + MLDSA44_PUBLIC_SIZE ||
        blob[0] != NOTE_TYPE_MLDSA44)
        return false;
    memcpy(msg, s, nlen);
    msg[nlen] = '\n';
    memcpy(msg + nlen + 1, blob, 1 + MLDSA44_PUBLIC_SIZE);
    SHA256(msg, nlen + 2 + MLDSA44_PUBLIC_SIZE, digest);
    if (memcmp(digest, id, sizeof id) != 0)
        return false;
    memcpy(name, s, nlen);
    name[nlen] = '\0';
    return true;
}

/* Looks a witness or group name up. Returns its member index or -1. */
static int find_member(const struct policy *p, const struct field *f)
{
    for (unsigned i = 0; i < p->nwitnesses; i++)
        if (field_is(f, p->witnesses[i].name))
            return (int)i;
    for (unsigned i = 0; i < p->ngroups; i++)
        if (field_is(f, p->groups[i].name))
            return POLICY_MAX_WITNESSES + (int)i;
    return -1;
}

/* A new witness or group name: not reserved, not taken, representable. */
static int new_name(const struct policy *p, const struct field *f,
                    char name[NOTE_NAME_MAX + 1])
{
    if (f->len == 0 || f->len > NOTE_NAME_MAX || field_is(f, "none"))
        return POLICY_ERR_NAME;
    if (find_member(p, f) >= 0)
        return POLICY_ERR_NAME;
    memcpy(name, f->s, f->len);
    name[f->len] = '\0';
    return 0;
}

/* Whether pub of type is already a log or witness key of p. */
static bool key_taken(const struct policy *p, uint8_t type,
                      const uint8_t pub[ED25519_PUBLIC_SIZE])
{
    for (unsigned i = 0; i < p->nlogs; i++)
        if (p->logs[i].key.type == type &&
            memcmp(p->logs[i].key.pub, pub, ED25519_PUBLIC_SIZE) == 0)
            return true;
    for (unsigned i = 0; i < p->nwitnesses; i++)
        if (p->witnesses[i].supported && p->witnesses[i].key.type == type &&
            memcmp(p->witnesses[i].key.pub, pub, ED25519_PUBLIC_SIZE) == 0)
            return true;
    return false;
}

static int parse_log(struct policy *p, const struct field *f, int n)
{
    struct policy_log *l;

    if (n != 2 && n != 3)
        return POLICY_ERR_SYNTAX;
    if (p->nlogs == POLICY_MAX_LOGS)
        return POLICY_ERR_LIMIT;
    l = &p->logs[p->nlogs];
    if (note_verifier_parse(f[1].s, f[1].len, &l->key) != 0 ||
        l->key.type != NOTE_TYPE_ED25519)
        return POLICY_ERR_KEY;
    if (key_taken(p, l->key.type, l->key.pub))
        return POLICY_ERR_DUP;
    if (n == 3 && !copy_url(&f[2], l->url))
        return POLICY_ERR_LIMIT;
    p->nlogs++;
    return 0;
}

static int parse_witness(struct policy *p, const struct field *f, int n)
{
    struct policy_witness *w;
    char keyname[NOTE_NAME_MAX + 1];
    int err;

    if (n != 3 && n != 4)
        return POLICY_ERR_SYNTAX;
    if (p->nwitnesses == POLICY_MAX_WITNESSES)
        return POLICY_ERR_LIMIT;
    w = &p->witnesses[p->nwitnesses];
    if ((err = new_name(p, &f[1], w->name)) != 0)
        return err;
    if (note_verifier_parse(f[2].s, f[2].len, &w->key) == 0) {
        if (w->key.type != NOTE_TYPE_COSIGNATURE)
            return POLICY_ERR_KEY;
        if (key_taken(p, w->key.type, w->key.pub))
            return POLICY_ERR_DUP;
        w->supported = true;
    } else if (mldsa_vkey_valid(f[2].s, f[2].len, keyname)) {
        memset(&w->key, 0, sizeof w->key);
        w->supported = false;
    } else {
        return POLICY_ERR_KEY;
    }
    if (n == 4 && !copy_url(&f[3], w->url))
        return POLICY_ERR_LIMIT;
    p->nwitnesses++;
    return 0;
}

/* Parses a threshold: "all", "any" or a decimal 1..nmembers with no sign
 * and no leading zero. */
static int parse_threshold(const struct field *f, unsigned nmembers,
                           unsigned *out)
{
    unsigned v = 0;

    if (field_is(f, "all")) {
        *out = nmembers;
        return 0;
    }
    if (field_is(f, "any")) {
        *out = 1;
        return 0;
    }
    if (f->len == 0 || f->len > 3 || f->s[0] == '0')
        return POLICY_ERR_SYNTAX;
    for (size_t i = 0; i < f->len; i++) {
        if (f->s[i] < '0' || f->s[i] > '9')
            return POLICY_ERR_SYNTAX;
        v = v * 10 + (unsigned)(f->s[i] - '0');
    }
    if (v < 1 || v > nmembers)
        return POLICY_ERR_SYNTAX;
    *out = v;
    return 0;
}

static int parse_group(struct policy *p, const struct field *f, int n)
{
    struct policy_group *g;
    int err;

    if (n < 4)
        return POLICY_ERR_SYNTAX;
    if (p->ngroups == POLICY_MAX_GROUPS ||
        (unsigned)(n - 3) > POLICY_MAX_MEMBERS)
        return POLICY_ERR_LIMIT;
    g = &p->groups[p->ngroups];
    if ((err = new_name(p, &f[1], g->name)) != 0)
        return err;
    g->nmembers = (unsigned)(n - 3);
    if ((err = parse_threshold(&f[2], g->nmembers, &g->threshold)) != 0)
        return err;
    for (unsigned i = 0; i < g->nmembers; i++) {
        int m = find_member(p, &f[3 + i]);

        if (m < 0)
            return POLICY_ERR_NAME;
        for (unsigned j = 0; j < i; j++)
            if (g->members[j] == m)
                return POLICY_ERR_NAME;
        g->members[i] = (uint16_t)m;
    }
    p->ngroups++;
    return 0;
}

static int parse_quorum(struct policy *p, const struct field *f, int n,
                        bool *seen)
{
    if (n != 2)
        return POLICY_ERR_SYNTAX;
    if (*seen)
        return POLICY_ERR_QUORUM;
    *seen = true;
    if (field_is(&f[1], "none")) {
        p->quorum = -1;
        return 0;
    }
    p->quorum = find_member(p, &f[1]);
    return p->quorum < 0 ? POLICY_ERR_NAME : 0;
}

static int parse_line(struct policy *p, const char *s, size_t len,
                      bool *quorum_seen)
{
    struct field f[MAX_FIELDS];
    int n = split_fields(s, len, f, MAX_FIELDS);

    if (n < 0)
        return POLICY_ERR_LIMIT;
    if (n == 0 || f[0].s[0] == '#')
        return 0;
    if (field_is(&f[0], "log"))
        return parse_log(p, f, n);
    if (field_is(&f[0], "witness"))
        return parse_witness(p, f, n);
    if (field_is(&f[0], "group"))
        return parse_group(p, f, n);
    if (field_is(&f[0], "quorum"))
        return parse_quorum(p, f, n, quorum_seen);
    return POLICY_ERR_SYNTAX;
}

int policy_parse(const char *text, size_t len, struct policy *out,
                 unsigned *line)
{
    bool quorum_seen = false;
    unsigned lineno = 0;
    size_t i = 0;
    int err = 0;

    memset(out, 0, sizeof *out);
    out->quorum = -1;
    if (line != NULL)
        *line = 0;
    if (len > POLICY_TEXT_MAX) {
        err = POLICY_ERR_LIMIT;
        goto fail;
    }
    if (!text_bytes_valid(text, len)) {
        err = POLICY_ERR_SYNTAX;
        goto fail;
    }
    while (i < len) {
        const char *nl = memchr(text + i, '\n', len - i);
        size_t end = nl != NULL ? (size_t)(nl - text) : len;

        lineno++;
        if ((err = parse_line(out, text + i, end - i, &quorum_seen)) != 0) {
            if (line != NULL)
                *line = lineno;
            goto fail;
        }
        i = end + 1;
    }
    if (!quorum_seen) {
        err = POLICY_ERR_QUORUM;
        goto fail;
    }
    return 0;
fail:
    memset(out, 0, sizeof *out);
    out->quorum = -1;
    return err;
}

bool policy_satisfied(const struct policy *p, const bool *cosigned)
{
    bool group_ok[POLICY_MAX_GROUPS];

    if (p->quorum < 0)
        return true;
    /* A group names only earlier members, so one pass in order suffices. */
    for (unsigned g = 0; g < p->ngroups; g++) {
        unsigned have = 0;

        for (unsigned i = 0; i < p->groups[g].nmembers; i++) {
            unsigned m = p->groups[g].members[i];
            bool ok = m < POLICY_MAX_WITNESSES
                          ? cosigned[m] && p->witnesses[m].supported
                          : group_ok[m - POLICY_MAX_WITNESSES];

            have += ok;
        }
        group_ok[g] = have >= p->groups[g].threshold;
    }
    if (p->quorum < POLICY_MAX_WITNESSES)
        return cosigned[p->quorum] && p->witnesses[p->quorum].supported;
    return group_ok[p->quorum - POLICY_MAX_WITNESSES];
}

const struct policy_log *policy_find_log(const struct policy *p,
                                         const char *origin)
{
    for (unsigned i = 0; i < p->nlogs; i++)
        if (strcmp(p->logs[i].key.name, origin) == 0)
            return &p->logs[i];
    return NULL;
}

int policy_open(const struct policy *p, const char *note, size_t len,
                struct policy_result *out)
{
    struct note_verifier keys[POLICY_MAX_LOGS + POLICY_MAX_WITNESSES];
    bool verified[POLICY_MAX_LOGS + POLICY_MAX_WITNESSES];
    uint64_t times[POLICY_MAX_LOGS + POLICY_MAX_WITNESSES];
    int wkey[POLICY_MAX_WITNESSES];
    size_t nkeys = 0, text_len;
    bool logged = false;
    int rc;

    memset(out, 0, sizeof *out);
    for (unsigned i = 0; i < p->nlogs; i++)
        keys[nkeys++] = p->logs[i].key;
    for (unsigned w = 0; w < p->nwitnesses; w++) {
        wkey[w] = -1;
        if (p->witnesses[w].supported) {
            wkey[w] = (int)nkeys;
            keys[nkeys++] = p->witnesses[w].key;
        }
    }
    rc = note_open(note, len, keys, nkeys, &text_len, verified, times);
    if (rc == NOTE_ERR_UNVERIFIED)
        return POLICY_ERR_UNSIGNED;
    if (rc != 0 || checkpoint_parse(note, text_len, &out->cp) != 0) {
        memset(out, 0, sizeof *out);
        return POLICY_ERR_NOTE;
    }
    for (unsigned i = 0; i < p->nlogs; i++)
        if (verified[i] && strcmp(p->logs[i].key.name, out->cp.origin) == 0)
            logged = true;
    if (!logged) {
        memset(out, 0, sizeof *out);
        return POLICY_ERR_UNSIGNED;
    }
    out->text_len = text_len;
    for (unsigned w = 0; w < p->nwitnesses; w++)
        if (wkey[w] >= 0 && verified[wkey[w]]) {
            out->cosigned[w] = true;
            out->times[w] = times[wkey[w]];
        }
    return 0;
}

void policy_missing(const struct policy *p, const bool *cosigned, char *buf,
                    size_t cap)
{
    size_t off = 0;

    if (cap == 0)
        return;
    buf[0] = '\0';
    for (unsigned w = 0; w < p->nwitnesses; w++) {
        const char *name = p->witnesses[w].name;
        size_t n = strlen(name);

        if (cosigned[w] && p->witnesses[w].supported)
            continue;
        if (off > 0 && off + 2 < cap) {
            memcpy(buf + off, ", ", 2);
            off += 2;
        }
        if (off + n >= cap)
            n = cap - off - 1;
        memcpy(buf + off, name, n);
        off += n;
        buf[off] = '\0';
    }
}
