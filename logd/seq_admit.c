/* seq_admit.c: see seq_admit.h. */
#include "logd/seq_admit.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proofs/smt.h"

/* The slot of credential hash, read from w the first time. */
static int overlay_get(struct seq_admit *o, struct store_txn *w,
                       const uint8_t hash[ENTRY_CREDENTIAL_SIZE],
                       struct seq_admit_cred **out)
{
    uint64_t h = 0;
    size_t i;

    for (int b = 0; b < 8; b++)
        h = h << 8 | hash[b];
    for (i = (size_t)h & o->mask;; i = (i + 1) & o->mask) {
        struct seq_admit_cred *s = &o->slot[i];
        if (!s->used)
            break;
        if (memcmp(s->hash, hash, ENTRY_CREDENTIAL_SIZE) == 0) {
            *out = s;
            return 0;
        }
    }
    struct seq_admit_cred *s = &o->slot[i];
    struct store_credential c;
    int err;

    s->used = true;
    memcpy(s->hash, hash, ENTRY_CREDENTIAL_SIZE);
    err = store_credential(w, hash, &c);
    if (err == STORE_ERR_NOTFOUND) {
        *out = s;
        return 0;
    }
    if (err != 0)
        return err;
    /* Known: who issued it is in its ISSUE entry. */
    uint8_t buf[ENTRY_MAX_SIZE];
    size_t len;
    struct entry e;
    if ((err = store_entry(w, c.issue_index, buf, sizeof buf, &len)) != 0)
        return err == STORE_ERR_NOTFOUND ? STORE_ERR_CORRUPT : err;
    if (entry_decode(buf, len, &e) != 0 || e.type != ENTRY_ISSUE ||
        memcmp(e.credential, hash, ENTRY_CREDENTIAL_SIZE) != 0)
        return STORE_ERR_CORRUPT;
    s->exists = true;
    s->issue = c.issue_index;
    s->revoke = c.revoke_index;
    memcpy(s->issuer, e.issuer, sizeof s->issuer);
    *out = s;
    return 0;
}

static void refuse(struct seq_req *r, size_t pos, int result, const char *fmt,
                   ...)
{
    va_list ap;
    int n;

    r->result = result;
    r->position = pos;
    n = snprintf(r->message, sizeof r->message, "entries[%zu]: ", pos);
    va_start(ap, fmt);
    vsnprintf(r->message + n, sizeof r->message - (size_t)n, fmt, ap);
    va_end(ap);
}

int seq_admit_request(struct seq_admit *o, struct store_txn *w,
                      const struct issuers *keys, uint64_t next,
                      struct seq_req *r)
{
    size_t cap = 4;
    int err;

    r->result = SEQ_OK;
    while (cap < 2 * r->n)
        cap *= 2;
    o->slot = calloc(cap, sizeof *o->slot);
    if (o->slot == NULL)
        return STORE_ERR_NOMEM;
    o->mask = cap - 1;

    for (size_t i = 0; i < r->n; i++) {
        struct seq_sub *s = &r->subs[i];
        const struct entry *e = &s->e;
        const struct issuer_key *k = issuers_find(keys, e->issuer, e->key_id);
        struct seq_admit_cred *c;

        s->appended = false;
        s->revoked = SMT_NONE;
        if (k == NULL || memcmp(k->pub, s->pub, ED25519_PUBLIC_SIZE) != 0) {
            refuse(r, i, SEQ_ERR_FORBIDDEN,
                   "the key of issuer %s is not authorized", e->issuer);
            return 0;
        }
        if ((err = overlay_get(o, w, e->credential, &c)) != 0)
            return err;
        if (e->type == ENTRY_ISSUE) {
            if (c->exists && strcmp(c->issuer, e->issuer) != 0) {
                refuse(r, i, SEQ_ERR_CONFLICT,
                       "credential already issued by %s", c->issuer);
                return 0;
            }
            if (c->exists) {
                /* Re-issuing a revoked credential does not revive it: the
                 * receipt says it is revoked (docs/api.md). */
                s->index = c->issue;
                s->revoked = c->revoke;
                continue;
            }
            c->exists = c->dirty = true;
            c->issue = next;
            c->revoke = SMT_NONE;
            memcpy(c->issuer, e->issuer, sizeof c->issuer);
        } else {
            if (!c->exists) {
                refuse(r, i, SEQ_ERR_NOT_ISSUED, "credential was never issued");
                return 0;
            }
            if (strcmp(c->issuer, e->issuer) != 0) {
                refuse(r, i, SEQ_ERR_FORBIDDEN,
                       "credential was issued by %s, not by this issuer",
                       c->issuer);
                return 0;
            }
            if (c->revoke != SMT_NONE) {
                s->index = c->revoke;
                continue;
            }
            c->dirty = true;
            c->revoke = next;
        }
        s->index = next++;
        s->appended = true;
    }
    return 0;
}

void seq_admit_free(struct seq_admit *a)
{
    free(a->slot);
    a->slot = NULL;
}
