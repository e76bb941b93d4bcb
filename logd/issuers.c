/* issuers.c: see issuers.h. */
#include "logd/issuers.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct issuers {
    atomic_int refs;
    char origin[NOTE_NAME_MAX + 1];
    size_t n;
    struct issuer_key keys[];
};

const char *issuers_strerror(int err)
{
    switch (err) {
    case 0:
        return "success";
    case ISSUERS_ERR_FILE:
        return "cannot read the issuers file";
    case ISSUERS_ERR_SYNTAX:
        return "not an Ed25519 verifier key";
    case ISSUERS_ERR_CLASH:
        return "two keys share a name and key id, or a key is listed twice "
               "with different identities";
    case ISSUERS_ERR_NOMEM:
        return "out of memory";
    case ISSUERS_ERR_TOO_MANY:
        return "too many issuer keys";
    case ISSUERS_ERR_NAME:
        return "the issuer name holds an invisible or direction-changing "
               "character (zero-width, bidirectional control or other format "
               "character): it could pass for another name";
    case ISSUERS_ERR_MODE:
        return "the issuers file is writable by group or others (chmod go-w "
               "it)";
    case ISSUERS_ERR_IDENTITY:
        return "bad identity field: fields are tag=value or tag=\"value\" "
               "(\\\" and \\\\ escaped), tags name, dns, did_web, brin, "
               "ob2_profile, issuer_id, each once, each value valid for its "
               "tag (docs/protocol.md §B.6.4)";
    default:
        return "unknown issuers error";
    }
}

/* Order: name, then key id, then public key. */
static int key_cmp(const void *a, const void *b)
{
    const struct issuer_key *x = a, *y = b;
    int c = strcmp(x->name, y->name);

    if (c != 0)
        return c;
    if (x->key_id != y->key_id)
        return x->key_id < y->key_id ? -1 : 1;
    return memcmp(x->pub, y->pub, ED25519_PUBLIC_SIZE);
}

/* Sorts and removes exact duplicates; returns the new count, or 0 with
 * *clash set when two keys share (name, key id) but not the public key. */
static size_t sort_unique(struct issuer_key *k, size_t n, size_t *clash)
{
    size_t out = 0;

    *clash = 0;
    if (n == 0)
        return 0;
    qsort(k, n, sizeof *k, key_cmp);
    for (size_t i = 0; i < n; i++) {
        if (out > 0 && strcmp(k[out - 1].name, k[i].name) == 0 &&
            k[out - 1].key_id == k[i].key_id) {
            if (memcmp(k[out - 1].pub, k[i].pub, ED25519_PUBLIC_SIZE) != 0 ||
                k[out - 1].identity_len != k[i].identity_len ||
                memcmp(k[out - 1].identity, k[i].identity, k[i].identity_len) !=
                    0) {
                *clash = i + 1;
                return 0;
            }
            continue;
        }
        k[out++] = k[i];
    }
    return out;
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t';
}

/* Parses the identity fields in s[0..l) (after the key) into k. Returns 0
 * or ISSUERS_ERR_IDENTITY. */
static int parse_identity(const char *s, size_t l, struct issuer_key *k)
{
    char value[ENTRY_IDENTITY_MAX + 1];
    size_t pos = 0;
    struct entry *id = calloc(1, sizeof *id); /* its identity only */

    if (id == NULL)
        return ISSUERS_ERR_NOMEM;
    id->type = ENTRY_KEY;
    while (pos < l) {
        size_t tag_start, tag_len, vlen = 0;
        int tag;
        while (pos < l && is_space(s[pos]))
            pos++;
        if (pos == l)
            break;
        tag_start = pos;
        while (pos < l && s[pos] != '=' && !is_space(s[pos]))
            pos++;
        tag_len = pos - tag_start;
        if (pos == l || s[pos] != '=' ||
            (tag = entry_identity_tag_parse(s + tag_start, tag_len)) < 0)
            goto bad;
        pos++;
        if (pos < l && s[pos] == '"') {
            pos++;
            for (;;) {
                if (pos == l)
                    goto bad; /* no closing quote */
                if (s[pos] == '"')
                    break;
                if (s[pos] == '\\') {
                    if (pos + 1 == l ||
                        (s[pos + 1] != '"' && s[pos + 1] != '\\'))
                        goto bad;
                    pos++;
                }
                if (vlen == ENTRY_IDENTITY_MAX)
                    goto bad;
                value[vlen++] = s[pos++];
            }
            pos++;
            if (pos < l && !is_space(s[pos]))
                goto bad;
        } else {
            while (pos < l && !is_space(s[pos])) {
                if (s[pos] == '"' || s[pos] == '\\' ||
                    vlen == ENTRY_IDENTITY_MAX)
                    goto bad;
                value[vlen++] = s[pos++];
            }
        }
        if (vlen == 0 || entry_identity_add(id, (uint8_t)tag,
                                            (const uint8_t *)value, vlen) != 0)
            goto bad;
    }
    k->identity_len = id->identity_len;
    memcpy(k->identity, id->identity, id->identity_len);
    free(id);
    return 0;
bad:
    free(id);
    return ISSUERS_ERR_IDENTITY;
}

int issuers_parse(const char *text, size_t len, struct issuer_key **keys,
                  size_t *n, size_t *line)
{
    struct issuer_key *k = NULL;
    size_t count = 0, cap = 0, lineno = 0, clash, pos = 0;
    int err;

    *keys = NULL;
    *n = 0;
    *line = 0;
    while (pos < len) {
        const char *s = text + pos, *nl = memchr(s, '\n', len - pos);
        size_t l = nl ? (size_t)(nl - s) : len - pos, kl = 0;
        struct note_verifier v;

        pos += l + (nl != NULL);
        lineno++;
        while (l > 0 && is_space(s[0])) {
            s++;
            l--;
        }
        while (l > 0 && (is_space(s[l - 1]) || s[l - 1] == '\r'))
            l--;
        if (l == 0 || s[0] == '#')
            continue;
        while (kl < l && !is_space(s[kl]))
            kl++;
        if (note_verifier_parse(s, kl, &v) != 0 ||
            v.type != NOTE_TYPE_ED25519) {
            free(k);
            *line = lineno;
            return ISSUERS_ERR_SYNTAX;
        }
        if (!note_issuer_name_valid(v.name, strlen(v.name), NULL)) {
            free(k);
            *line = lineno;
            return ISSUERS_ERR_NAME;
        }
        if (count == ISSUERS_MAX) {
            free(k);
            *line = lineno;
            return ISSUERS_ERR_TOO_MANY;
        }
        if (count == cap) {
            size_t ncap = cap ? 2 * cap : 16;
            struct issuer_key *nk = realloc(k, ncap * sizeof *k);
            if (nk == NULL) {
                free(k);
                return ISSUERS_ERR_NOMEM;
            }
            k = nk;
            cap = ncap;
        }
        memset(&k[count], 0, sizeof k[count]);
        memcpy(k[count].name, v.name, sizeof v.name);
        k[count].key_id = v.key_id;
        memcpy(k[count].pub, v.pub, ED25519_PUBLIC_SIZE);
        if ((err = parse_identity(s + kl, l - kl, &k[count])) != 0) {
            free(k);
            *line = err == ISSUERS_ERR_NOMEM ? 0 : lineno;
            return err;
        }
        k[count].added_index = lineno; /* remembered for error reports */
        count++;
    }
    count = sort_unique(k, count, &clash);
    if (clash != 0) {
        *line = (size_t)k[clash - 1].added_index;
        free(k);
        return ISSUERS_ERR_CLASH;
    }
    for (size_t i = 0; i < count; i++)
        k[i].added_index = 0;
    if (count == 0) {
        free(k);
        k = NULL;
    }
    *keys = k;
    *n = count;
    return 0;
}

int issuers_load(const char *path, struct issuer_key **keys, size_t *n,
                 size_t *line)
{
    FILE *f = fopen(path, "rb");
    struct stat st;
    char *buf;
    size_t len = 0, r;
    int err;

    *keys = NULL;
    *n = 0;
    *line = 0;
    if (f == NULL)
        return ISSUERS_ERR_FILE;
    if (fstat(fileno(f), &st) != 0) {
        int e = errno;
        fclose(f);
        errno = e;
        return ISSUERS_ERR_FILE;
    }
    if ((st.st_mode & 022) != 0) {
        fclose(f);
        return ISSUERS_ERR_MODE;
    }
    buf = malloc(ISSUERS_FILE_MAX);
    if (buf == NULL) {
        fclose(f);
        return ISSUERS_ERR_NOMEM;
    }
    while ((r = fread(buf + len, 1, ISSUERS_FILE_MAX - len, f)) > 0)
        len += r;
    if (ferror(f) || len == ISSUERS_FILE_MAX) {
        int e = ferror(f) ? errno : EFBIG;
        free(buf);
        fclose(f);
        errno = e;
        return ISSUERS_ERR_FILE;
    }
    fclose(f);
    err = issuers_parse(buf, len, keys, n, line);
    free(buf);
    return err;
}

struct issuers *issuers_new(const char *origin, const struct issuer_key *keys,
                            size_t n)
{
    struct issuers *set = malloc(sizeof *set + n * sizeof set->keys[0]);
    size_t out = 0;

    if (set == NULL)
        return NULL;
    atomic_init(&set->refs, 1);
    snprintf(set->origin, sizeof set->origin, "%s", origin);
    if (n > 0)
        memcpy(set->keys, keys, n * sizeof keys[0]);
    if (n > 0)
        qsort(set->keys, n, sizeof set->keys[0], key_cmp);
    for (size_t i = 0; i < n; i++) {
        if (out > 0 && key_cmp(&set->keys[out - 1], &set->keys[i]) == 0)
            continue;
        set->keys[out++] = set->keys[i];
    }
    set->n = out;
    return set;
}

const char *issuers_origin(const struct issuers *set)
{
    return set->origin;
}

struct issuers *issuers_ref(struct issuers *set)
{
    atomic_fetch_add_explicit(&set->refs, 1, memory_order_relaxed);
    return set;
}

void issuers_unref(struct issuers *set)
{
    if (set == NULL)
        return;
    if (atomic_fetch_sub_explicit(&set->refs, 1, memory_order_acq_rel) == 1)
        free(set);
}

size_t issuers_count(const struct issuers *set)
{
    return set->n;
}

const struct issuer_key *issuers_at(const struct issuers *set, size_t i)
{
    return &set->keys[i];
}

const struct issuer_key *issuers_find(const struct issuers *set,
                                      const char *name, uint32_t key_id)
{
    size_t lo = 0, hi = set->n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const struct issuer_key *k = &set->keys[mid];
        int c = strcmp(k->name, name);
        if (c == 0)
            c = k->key_id < key_id ? -1 : k->key_id > key_id;
        if (c == 0)
            return k;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

int issuers_format(const struct issuer_key *k, char *buf, size_t cap)
{
    struct note_verifier v;

    memset(&v, 0, sizeof v);
    memcpy(v.name, k->name, sizeof v.name);
    v.key_id = k->key_id;
    v.type = NOTE_TYPE_ED25519;
    memcpy(v.pub, k->pub, ED25519_PUBLIC_SIZE);
    return note_verifier_format(&v, buf, cap);
}

int issuers_format_line(const struct issuer_key *k, char *buf, size_t cap)
{
    int n = issuers_format(k, buf, cap);
    size_t len, pos = 0;

    if (n < 0)
        return n;
    len = (size_t)n;
    while (pos + 2 <= k->identity_len) {
        uint8_t tag = k->identity[pos], vl = k->identity[pos + 1];
        const char *name = entry_identity_tag_name(tag);
        const uint8_t *v = k->identity + pos + 2;
        size_t need;
        if (name == NULL || pos + 2 + vl > k->identity_len)
            return ISSUERS_ERR_IDENTITY;
        need = 1 + strlen(name) + 1 + 2 + 2 * (size_t)vl + 1;
        if (cap - len < need)
            return ISSUERS_ERR_IDENTITY;
        len += (size_t)snprintf(buf + len, cap - len, " %s=", name);
        if (tag == ENTRY_ID_NAME)
            buf[len++] = '"';
        for (size_t i = 0; i < vl; i++) {
            if (v[i] == '"' || v[i] == '\\')
                buf[len++] = '\\';
            buf[len++] = (char)v[i];
        }
        if (tag == ENTRY_ID_NAME)
            buf[len++] = '"';
        buf[len] = '\0';
        pos += 2 + (size_t)vl;
    }
    return (int)len;
}

static bool same_key(const struct issuer_key *a, const struct issuer_key *b)
{
    return strcmp(a->name, b->name) == 0 &&
           memcmp(a->pub, b->pub, ED25519_PUBLIC_SIZE) == 0;
}

int issuers_diff(const struct issuers *set, const struct issuer_key *want,
                 size_t nwant, struct issuer_key **remove, size_t *nremove,
                 struct issuer_key **add, size_t *nadd)
{
    size_t i = 0, j = 0;

    *remove = *add = NULL;
    *nremove = *nadd = 0;
    if (set->n > 0 && (*remove = malloc(set->n * sizeof **remove)) == NULL)
        return ISSUERS_ERR_NOMEM;
    if (nwant > 0 && (*add = malloc(nwant * sizeof **add)) == NULL) {
        free(*remove);
        *remove = NULL;
        return ISSUERS_ERR_NOMEM;
    }
    /* Both lists are in key_cmp order: merge them. */
    while (i < set->n || j < nwant) {
        int c;
        if (i == set->n)
            c = 1;
        else if (j == nwant)
            c = -1;
        else
            c = key_cmp(&set->keys[i], &want[j]);
        if (c == 0 ||
            (i < set->n && j < nwant && same_key(&set->keys[i], &want[j]))) {
            i++;
            j++;
        } else if (c < 0) {
            (*remove)[(*nremove)++] = set->keys[i++];
        } else {
            (*add)[(*nadd)++] = want[j++];
        }
    }
    if (*nremove == 0) {
        free(*remove);
        *remove = NULL;
    }
    if (*nadd == 0) {
        free(*add);
        *add = NULL;
    }
    return 0;
}
