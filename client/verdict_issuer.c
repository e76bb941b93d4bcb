/*
 * verdict_issuer.c: the credential's own issuer against the identity the
 * log recorded for the key that logged it (docs/protocol.md §E.5), applied
 * to a verdict. The rule itself is pure and lives in proofs/credissuer.c;
 * this file turns its outcome into the verdict and its words.
 */
#include "client/verify.h"

#include <stdio.h>
#include <string.h>

const char *client_issuer_result_name(int result)
{
    static const char *const names[] = {"match", "mismatch", "none",
                                        "no_identity", "unreadable"};

    if (result < 0 || result > CLIENT_ISSUER_UNREADABLE)
        return "?";
    return names[result];
}

void client_identity_describe(const struct entry *key, char *buf, size_t cap)
{
    bool any = false;
    size_t n;

    if (cap == 0)
        return;
    snprintf(buf, cap, "%s", key->issuer);
    for (uint8_t tag = 1; tag <= ENTRY_ID_TAG_MAX; tag++) {
        const uint8_t *val;
        size_t len;
        bool q = tag == ENTRY_ID_NAME;

        if (!entry_identity_get(key, tag, &val, &len))
            continue;
        n = strlen(buf);
        snprintf(buf + n, cap - n, "%s%s %s%.*s%s", any ? ", " : " (",
                 entry_identity_tag_name(tag), q ? "\"" : "", (int)len,
                 (const char *)val, q ? "\"" : "");
        any = true;
    }
    n = strlen(buf);
    snprintf(buf + n, cap - n, "%s",
             any ? ")" : ", whose KEY entry records no identity");
}

void client_verdict_check_issuer(struct client_verdict *v, const uint8_t *file,
                                 size_t len, enum credkey_profile profile,
                                 bool legacy)
{
    char why[CREDKEY_WHY_MAX] = "", who[CLIENT_REASON_MAX];
    const struct credissuer_id *id;
    int rc;

    if (v->kind != CLIENT_VERDICT_VALID && v->kind != CLIENT_VERDICT_REVOKED)
        return;
    v->issuer_checked = true;
    memset(&v->cred_issuer, 0, sizeof v->cred_issuer);
    rc = credissuer_extract(file, len, profile, &v->cred_issuer, why);
    if (rc != 0 && legacy && CREDLOG_ERR_IN(rc, CREDKEY_ERR_BASE)) {
        memset(&v->cred_issuer, 0, sizeof v->cred_issuer);
        rc = 0; /* logged as raw bytes: it names nothing credlog reads */
    }
    if (rc != 0) {
        v->issuer_result = CLIENT_ISSUER_UNREADABLE;
        v->kind = CLIENT_VERDICT_INVALID;
        snprintf(v->reason, sizeof v->reason,
                 "the credential's issuer cannot be read: %.250s", why);
        return;
    }
    switch (credissuer_match(&v->cred_issuer, &v->issuer_key, &v->issuer_bad)) {
    case CREDISSUER_MATCH:
        v->issuer_result = CLIENT_ISSUER_MATCH;
        return;
    case CREDISSUER_NONE:
        v->issuer_result = CLIENT_ISSUER_NONE;
        return;
    case CREDISSUER_NO_IDENTITY:
        v->issuer_result = CLIENT_ISSUER_NO_IDENTITY;
        return;
    default:
        break;
    }
    v->issuer_result = CLIENT_ISSUER_MISMATCH;
    v->kind = CLIENT_VERDICT_INVALID;
    id = &v->cred_issuer.ids[v->issuer_bad];
    client_identity_describe(&v->issuer_key, who, sizeof who);
    snprintf(v->reason, sizeof v->reason,
             "the credential names %s %.80s (%.22s) but was logged by key "
             "%.120s, whose identity does not include it",
             id->kind == CREDISSUER_KIND_BRIN ? "BRIN" : "issuer", id->value,
             credissuer_source_name(id->source), who);
}
