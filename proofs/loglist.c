/*
 * loglist.c: `logs/v0` log lists. See loglist.h.
 */
#include "proofs/loglist.h"

#include <stdbool.h>
#include <string.h>

#include "proofs/num.h"

/* Where a log's lines are: after its vkey, after origin, after qpd. */
enum stage { NONE, AFTER_VKEY, AFTER_ORIGIN, AFTER_QPD, AFTER_CONTACT };

const char *loglist_strerror(int err)
{
    switch (err) {
    case 0:
        return "success";
    case LOGLIST_ERR_SYNTAX:
        return "log list line out of the logs/v0 format or order";
    case LOGLIST_ERR_KEY:
        return "log list vkey is not an Ed25519 note verifier key";
    case LOGLIST_ERR_DUP:
        return "log list names an origin twice";
    case LOGLIST_ERR_LIMIT:
        return "log list holds too many logs";
    default:
        return "unknown log list error";
    }
}

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

/* If line starts with word and a blank, points *arg at the rest. */
static bool keyword(const char *s, size_t len, const char *word,
                    const char **arg, size_t *arg_len)
{
    size_t n = strlen(word);

    if (len <= n || memcmp(s, word, n) != 0 || !is_blank(s[n]))
        return false;
    s += n;
    len -= n;
    while (len > 0 && is_blank(*s)) {
        s++;
        len--;
    }
    *arg = s;
    *arg_len = len;
    return len > 0;
}

static int add_vkey(struct loglist_log *l, const char *arg, size_t len)
{
    memset(l, 0, sizeof *l);
    if (note_verifier_parse(arg, len, &l->key) != 0 ||
        l->key.type != NOTE_TYPE_ED25519 || memchr(arg, '\n', len) != NULL)
        return LOGLIST_ERR_KEY;
    memcpy(l->origin, l->key.name, sizeof l->origin);
    return 0;
}

static int set_origin(struct loglist_log *l, const char *arg, size_t len)
{
    if (len > NOTE_NAME_MAX || memchr(arg, '\0', len) != NULL)
        return LOGLIST_ERR_SYNTAX;
    memcpy(l->origin, arg, len);
    l->origin[len] = '\0';
    return 0;
}

static int set_qpd(struct loglist_log *l, const char *arg, size_t len)
{
    uint64_t v;

    if (num_parse_u64_max(arg, len, LOGLIST_QPD_MAX, &v) != 0 || v == 0)
        return LOGLIST_ERR_SYNTAX;
    l->qpd = (uint32_t)v;
    return 0;
}

static void set_contact(struct loglist_log *l, const char *arg, size_t len)
{
    if (len >= sizeof l->contact)
        len = sizeof l->contact - 1;
    memcpy(l->contact, arg, len);
    l->contact[len] = '\0';
}

/* Applies one trimmed, non-empty, non-comment line. */
static int apply(const char *s, size_t len, struct loglist_log *out, size_t cap,
                 size_t *n, enum stage *st)
{
    const char *arg;
    size_t alen;
    int err;

    if (keyword(s, len, "vkey", &arg, &alen)) {
        if (*st == AFTER_VKEY || *st == AFTER_ORIGIN)
            return LOGLIST_ERR_SYNTAX; /* the previous log has no qpd */
        if (*n == cap)
            return LOGLIST_ERR_LIMIT;
        if ((err = add_vkey(&out[*n], arg, alen)) != 0)
            return err;
        (*n)++;
        *st = AFTER_VKEY;
        return 0;
    }
    if (*n == 0)
        return LOGLIST_ERR_SYNTAX;
    if (keyword(s, len, "origin", &arg, &alen)) {
        if (*st != AFTER_VKEY)
            return LOGLIST_ERR_SYNTAX;
        *st = AFTER_ORIGIN;
        return set_origin(&out[*n - 1], arg, alen);
    }
    if (keyword(s, len, "qpd", &arg, &alen)) {
        if (*st != AFTER_VKEY && *st != AFTER_ORIGIN)
            return LOGLIST_ERR_SYNTAX;
        *st = AFTER_QPD;
        return set_qpd(&out[*n - 1], arg, alen);
    }
    if (keyword(s, len, "contact", &arg, &alen)) {
        if (*st != AFTER_QPD)
            return LOGLIST_ERR_SYNTAX;
        *st = AFTER_CONTACT;
        set_contact(&out[*n - 1], arg, alen);
        return 0;
    }
    return LOGLIST_ERR_SYNTAX;
}

int loglist_parse(const char *text, size_t len, struct loglist_log *out,
                  size_t cap, size_t *n, unsigned *line)
{
    enum stage st = NONE;
    bool header = false;
    unsigned lineno = 0;
    size_t i = 0;
    int err = 0;

    *n = 0;
    if (line != NULL)
        *line = 0;
    while (i < len) {
        const char *nl = memchr(text + i, '\n', len - i);
        size_t end = nl != NULL ? (size_t)(nl - text) : len;
        const char *s = text + i;
        size_t l = end - i;

        lineno++;
        i = end + 1;
        while (l > 0 && is_blank(*s)) {
            s++;
            l--;
        }
        while (l > 0 && is_blank(s[l - 1]))
            l--;
        if (l == 0 || *s == '#')
            continue;
        if (memchr(s, '\r', l) != NULL) {
            err = LOGLIST_ERR_SYNTAX;
        } else if (!header) {
            header = true;
            if (l != 7 || memcmp(s, "logs/v0", 7) != 0)
                err = LOGLIST_ERR_SYNTAX;
        } else {
            err = apply(s, l, out, cap, n, &st);
        }
        if (err != 0)
            goto fail;
    }
    if (!header || st == AFTER_VKEY || st == AFTER_ORIGIN) {
        err = LOGLIST_ERR_SYNTAX;
        lineno = 0;
        goto fail;
    }
    for (size_t a = 0; a < *n; a++)
        for (size_t b = a + 1; b < *n; b++)
            if (strcmp(out[a].origin, out[b].origin) == 0) {
                err = LOGLIST_ERR_DUP;
                lineno = 0;
                goto fail;
            }
    return 0;
fail:
    if (line != NULL)
        *line = lineno;
    *n = 0;
    return err;
}
