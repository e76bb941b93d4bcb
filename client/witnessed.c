/* witnessed.c: witness policies for verdicts. See witnessed.h. */
#include "client/witnessed.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/files.h"

int client_policy_read(const char *path, struct policy *out, char *why)
{
    unsigned line;
    size_t len;
    char *text;
    int rc;

    if ((rc = client_read_file(path, POLICY_TEXT_MAX, &text, &len, why)) != 0)
        return rc;
    rc = policy_parse(text, len, out, &line);
    free(text);
    if (rc != 0)
        return client_fail(why, CLIENT_ERR_SYNTAX, "%s:%u: %s", path, line,
                           policy_strerror(rc));
    return 0;
}

/* Whether log is one of p's logs (same name, key id and public key). */
static bool policy_has_log(const struct policy *p,
                           const struct note_verifier *log)
{
    for (unsigned i = 0; i < p->nlogs; i++)
        if (p->logs[i].key.key_id == log->key_id &&
            strcmp(p->logs[i].key.name, log->name) == 0 &&
            memcmp(p->logs[i].key.pub, log->pub, ED25519_PUBLIC_SIZE) == 0)
            return true;
    return false;
}

/* The newest time T (seconds) such that the cosignatures made at T or
 * later still meet the quorum; 0 if none do. */
static uint64_t witnessed_since(const struct policy *p,
                                const struct policy_result *r)
{
    uint64_t best = 0;

    for (unsigned t = 0; t < p->nwitnesses; t++) {
        bool fresh[POLICY_MAX_WITNESSES];

        if (!r->cosigned[t] || r->times[t] <= best)
            continue;
        for (unsigned w = 0; w < p->nwitnesses; w++)
            fresh[w] = r->cosigned[w] && r->times[w] >= r->times[t];
        if (policy_satisfied(p, fresh))
            best = r->times[t];
    }
    return best;
}

static void invalid(struct client_verdict *v, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void invalid(struct client_verdict *v, const char *fmt, ...)
{
    va_list ap;

    v->kind = CLIENT_VERDICT_INVALID;
    va_start(ap, fmt);
    vsnprintf(v->reason, sizeof v->reason, fmt, ap);
    va_end(ap);
}

void client_verdict_check_policy(struct client_verdict *v,
                                 const struct client_evidence *ev,
                                 const struct note_verifier *log,
                                 const struct policy *p)
{
    static struct policy with_log; /* p plus the log key, when p has none */
    static struct policy_result r;
    const struct policy *use = p;
    const char *note = NULL;
    char missing[CLIENT_REASON_MAX / 2];
    size_t len = 0;
    uint64_t since;
    int rc;

    if (v->kind == CLIENT_VERDICT_INVALID)
        return;
    if (ev->status != NULL) {
        note = ev->status->checkpoint;
        len = ev->status->checkpoint_len;
    } else if (ev->receipt != NULL) {
        note = ev->receipt->checkpoint;
        len = ev->receipt->checkpoint_len;
    }
    if (note == NULL) {
        invalid(v, "no checkpoint to check against the witness policy");
        return;
    }
    if (p->nlogs == 0) {
        with_log = *p;
        with_log.logs[0].key = *log;
        with_log.logs[0].url[0] = '\0';
        with_log.nlogs = 1;
        use = &with_log;
    } else if (!policy_has_log(p, log)) {
        invalid(v, "the log key %s is not one of the witness policy's logs",
                log->name);
        return;
    }
    if ((rc = policy_open(use, note, len, &r)) != 0) {
        invalid(v, "checkpoint under the witness policy: %s",
                policy_strerror(rc));
        return;
    }
    if (r.cp.size != v->checkpoint.size ||
        memcmp(r.cp.root, v->checkpoint.root, MERKLE_HASH_SIZE) != 0) {
        invalid(v, "the witnessed checkpoint is not the one verified");
        return;
    }
    if (!policy_satisfied(use, r.cosigned)) {
        policy_missing(use, r.cosigned, missing, sizeof missing);
        invalid(v,
                "checkpoint lacks the witness policy's quorum of cosignatures "
                "(not cosigned by: %s)",
                missing);
        return;
    }
    since = witnessed_since(use, &r);
    v->witnessed = true;
    v->witnessed_ms = since * 1000;
    if (v->status_checked && v->witnessed_ms > v->as_of_ms)
        v->as_of_ms = v->witnessed_ms;
}

int client_checkpoint_cosigned(const char *note, size_t len,
                               const struct note_verifier *log,
                               const struct policy *p, uint64_t *size,
                               char *why)
{
    struct note_verifier keys[POLICY_MAX_WITNESSES];
    bool verified[POLICY_MAX_WITNESSES], cosigned[POLICY_MAX_WITNESSES];
    unsigned map[POLICY_MAX_WITNESSES], nk = 0, lines = 0;
    struct checkpoint cp;
    char missing[256];
    size_t tl;

    if (checkpoint_open(note, len, log, &cp) != 0)
        return client_fail(why, CLIENT_ERR_INVALID,
                           "the checkpoint is not signed by the log key");
    *size = cp.size;
    if (p == NULL) {
        /* Signature lines: "\n\u2014 " after the text's blank line. */
        for (size_t i = 0; i + 4 < len; i++)
            if (note[i] == '\n' &&
                memcmp(note + i + 1, "\xe2\x80\x94 ", 4) == 0)
                lines++;
        if (lines < 2)
            return client_fail(why, CLIENT_ERR_INVALID,
                               "the checkpoint carries no cosignature");
        return 0;
    }
    for (unsigned w = 0; w < p->nwitnesses; w++) {
        cosigned[w] = false;
        if (p->witnesses[w].supported) {
            map[nk] = w;
            keys[nk++] = p->witnesses[w].key;
        }
    }
    if (nk > 0 && note_open(note, len, keys, nk, &tl, verified, NULL) == 0)
        for (unsigned k = 0; k < nk; k++)
            cosigned[map[k]] = verified[k];
    if (!policy_satisfied(p, cosigned)) {
        policy_missing(p, cosigned, missing, sizeof missing);
        return client_fail(why, CLIENT_ERR_INVALID,
                           "the checkpoint lacks the witness policy's quorum "
                           "(not cosigned by: %s)",
                           missing);
    }
    return 0;
}
