/*
 * verify.c: see verify.h. Each check names what failed in words a person can
 * act on, because these reasons end up in the INVALID verdict.
 */
#include "client/verify.h"

#include <stdio.h>
#include <string.h>

#include <openssl/sha.h>

#include "client/clock.h"
#include "proofs/codec.h"
#include "proofs/smt.h"

int client_verify_checkpoint(const char *note, size_t len,
                             const struct note_verifier *log,
                             struct checkpoint *out, char *why)
{
    int rc = checkpoint_open(note, len, log, out);

    switch (rc) {
    case 0:
        return 0;
    case NOTE_ERR_UNVERIFIED:
        return client_fail(why, CLIENT_ERR_INVALID,
                           "checkpoint is not signed by the log key %s (or its "
                           "origin differs)",
                           log->name);
    case NOTE_ERR_BAD_SIG:
        return client_fail(why, CLIENT_ERR_INVALID,
                           "checkpoint signature by %s does not verify",
                           log->name);
    default:
        return client_fail(why, CLIENT_ERR_INVALID,
                           "checkpoint is malformed (%s)",
                           checkpoint_strerror(rc));
    }
}

int client_verify_checkpoint_memo(struct client_checkpoint_memo *memo,
                                  const char *note, size_t len,
                                  const struct note_verifier *log,
                                  struct checkpoint *out, char *why)
{
    uint8_t h[32];
    int rc;

    if (memo == NULL)
        return client_verify_checkpoint(note, len, log, out, why);
    SHA256((const unsigned char *)note, len, h);
    if (memo->set && memo->log.key_id == log->key_id &&
        memo->log.type == log->type &&
        memcmp(memo->log.pub, log->pub, sizeof log->pub) == 0 &&
        strcmp(memo->log.name, log->name) == 0 &&
        memcmp(memo->note_hash, h, sizeof h) == 0) {
        *out = memo->checkpoint;
        return 0;
    }
    rc = client_verify_checkpoint(note, len, log, out, why);
    if (rc == 0) {
        memo->set = true;
        memcpy(memo->note_hash, h, sizeof h);
        memo->log = *log;
        memo->checkpoint = *out;
    }
    return rc;
}

int client_verify_included(const struct client_logged_entry *e,
                           const struct checkpoint *cp, const char *what,
                           struct entry *out, char *why)
{
    struct entry tmp;
    uint8_t leaf[MERKLE_HASH_SIZE];
    int rc;

    if (out == NULL)
        out = &tmp;
    rc = entry_decode(e->entry, e->entry_len, out);
    if (rc != 0)
        return client_fail(why, CLIENT_ERR_INVALID,
                           "%s entry does not decode (%s)", what,
                           entry_strerror(rc));
    if (e->index >= cp->size)
        return client_fail(
            why, CLIENT_ERR_INVALID,
            "%s entry index %llu is not below the checkpoint size %llu", what,
            (unsigned long long)e->index, (unsigned long long)cp->size);
    merkle_leaf_hash(e->entry, e->entry_len, leaf);
    rc = merkle_inclusion_verify(
        e->index, cp->size, leaf,
        (const uint8_t(*)[MERKLE_HASH_SIZE])e->inclusion, e->inclusion_len,
        cp->root);
    if (rc != 0)
        return client_fail(why, CLIENT_ERR_INVALID,
                           "%s entry's inclusion proof at index %llu in tree "
                           "size %llu does not verify (%s)",
                           what, (unsigned long long)e->index,
                           (unsigned long long)cp->size, merkle_strerror(rc));
    return 0;
}

/* The MAP entry of an answer: the last entry of the checkpoint (size >= 1),
 * naming its own index, included (§E.2 step 2). */
static int verify_map(const struct client_logged_entry *m,
                      const struct checkpoint *cp, struct entry *out, char *why)
{
    uint64_t map_index = cp->size - 1;
    int rc;

    if (m->index != map_index)
        return client_fail(
            why, CLIENT_ERR_INVALID,
            "MAP entry index %llu is not the checkpoint's last entry %llu",
            (unsigned long long)m->index, (unsigned long long)map_index);
    rc = client_verify_included(m, cp, "MAP", out, why);
    if (rc != 0)
        return rc;
    if (out->type != ENTRY_MAP)
        return client_fail(why, CLIENT_ERR_INVALID,
                           "the checkpoint's last entry is a %s entry, not MAP",
                           entry_type_name(out->type));
    if (out->map_index != map_index)
        return client_fail(
            why, CLIENT_ERR_INVALID, "MAP entry at %llu claims index %llu",
            (unsigned long long)map_index, (unsigned long long)out->map_index);
    return 0;
}

int client_verify_authorized(const struct entry *e, uint64_t i,
                             const struct checkpoint *cp,
                             const struct entry *map,
                             const struct client_key_auth *a,
                             struct keyauth_result *out, bool *unshown,
                             char *why)
{
    struct keyauth_input in = {
        .entry = e,
        .index = i,
        .origin = cp->origin,
        .map = map,
        .size = cp->size,
        .root = cp->root,
        .key_index = a->key.index,
        .key_entry = a->present ? a->key.entry : NULL,
        .key_entry_len = a->key.entry_len,
        .key_inclusion = (const uint8_t(*)[MERKLE_HASH_SIZE])a->key.inclusion,
        .key_inclusion_len = a->key.inclusion_len,
        .key_proof = a->present ? a->proof : NULL,
        .key_proof_len = a->proof_len,
    };
    char inner[KEYAUTH_WHY_MAX];
    int rc = keyauth_verify(&in, out, inner);

    if (unshown != NULL)
        *unshown = rc == KEYAUTH_ERR_MAP_V1 || rc == KEYAUTH_ERR_MISSING;
    if (rc != 0)
        return client_fail(why, CLIENT_ERR_INVALID,
                           "the issuer's signature is not shown valid: %s",
                           inner);
    return 0;
}

int client_verify_receipt(const struct client_receipt *r,
                          const struct note_verifier *log, uint8_t type,
                          const uint8_t *cred, const char *issuer,
                          struct client_receipt_check *out, char *why)
{
    return client_verify_receipt_memo(r, log, type, cred, issuer, NULL, out,
                                      why);
}

int client_verify_receipt_memo(const struct client_receipt *r,
                               const struct note_verifier *log, uint8_t type,
                               const uint8_t *cred, const char *issuer,
                               struct client_checkpoint_memo *memo,
                               struct client_receipt_check *out, char *why)
{
    struct client_receipt_check tmp;
    char inner[CLIENT_REASON_MAX];
    int rc;

    if (out == NULL)
        out = &tmp;
    memset(out, 0, sizeof *out);
    if (r->checkpoint == NULL)
        return client_fail(why, CLIENT_ERR_INVALID,
                           "receipt has no checkpoint");
    rc = client_verify_checkpoint_memo(memo, r->checkpoint, r->checkpoint_len,
                                       log, &out->checkpoint, inner);
    if (rc != 0)
        return client_fail(why, rc, "receipt: %s", inner);
    rc = client_verify_included(&r->e, &out->checkpoint, "receipt", &out->entry,
                                why);
    if (rc != 0)
        return rc;
    out->index = r->e.index;
    if (type != 0 && out->entry.type != type)
        return client_fail(why, CLIENT_ERR_INVALID,
                           "receipt is for a %s entry, not a %s entry",
                           entry_type_name(out->entry.type),
                           entry_type_name(type));
    if (cred != NULL &&
        (out->entry.type == ENTRY_ISSUE || out->entry.type == ENTRY_REVOKE) &&
        memcmp(out->entry.credential, cred, ENTRY_CREDENTIAL_SIZE) != 0) {
        char want[2 * ENTRY_CREDENTIAL_SIZE + 1],
            got[2 * ENTRY_CREDENTIAL_SIZE + 1];
        codec_hex_encode(cred, ENTRY_CREDENTIAL_SIZE, want);
        codec_hex_encode(out->entry.credential, ENTRY_CREDENTIAL_SIZE, got);
        return client_fail(why, CLIENT_ERR_INVALID,
                           "the credential's hash %.16s... does not match the "
                           "receipt's %.16s... "
                           "(file modified, or receipt for another credential)",
                           want, got);
    }
    if (issuer != NULL && strcmp(out->entry.issuer, issuer) != 0)
        return client_fail(why, CLIENT_ERR_INVALID,
                           "receipt names issuer %s, not %s", out->entry.issuer,
                           issuer);
    if (r->has_map) {
        if ((rc = verify_map(&r->map, &out->checkpoint, &out->map, inner)) != 0)
            return client_fail(why, rc, "receipt: %s", inner);
        out->has_map = true;
    }
    if (out->entry.type != ENTRY_ISSUE && out->entry.type != ENTRY_REVOKE)
        return 0;
    if (!out->has_map) {
        out->auth_unshown = true;
        snprintf(out->auth_why, sizeof out->auth_why,
                 "the receipt has no MAP entry, key and key_proof (it is from "
                 "before entry version 2), so it cannot show that the "
                 "issuer's key signed it and was authorized");
        return 0;
    }
    out->authorized =
        client_verify_authorized(&out->entry, out->index, &out->checkpoint,
                                 &out->map, &r->auth, &out->auth,
                                 &out->auth_unshown, out->auth_why) == 0;
    return 0;
}

/* Checks an ISSUE or REVOKE entry of a status proof for cred. */
static int status_entry(const struct client_logged_entry *e,
                        const struct checkpoint *cp, const char *what,
                        uint8_t type, const uint8_t *cred, struct entry *out,
                        char *why)
{
    int rc = client_verify_included(e, cp, what, out, why);

    if (rc != 0)
        return rc;
    if (out->type != type)
        return client_fail(
            why, CLIENT_ERR_INVALID, "%s entry at %llu is a %s entry", what,
            (unsigned long long)e->index, entry_type_name(out->type));
    if (memcmp(out->credential, cred, ENTRY_CREDENTIAL_SIZE) != 0)
        return client_fail(why, CLIENT_ERR_INVALID,
                           "%s entry at %llu is for another credential", what,
                           (unsigned long long)e->index);
    return 0;
}

int client_verify_status(const struct client_status_proof *sp,
                         const struct note_verifier *log,
                         const uint8_t cred[ENTRY_CREDENTIAL_SIZE],
                         struct client_status_check *out, char *why)
{
    struct client_status_check tmp;
    struct smt_proof_info info;
    char inner[CLIENT_REASON_MAX];
    uint64_t map_index;
    int rc;

    if (out == NULL)
        out = &tmp;
    memset(out, 0, sizeof *out);
    if (memcmp(sp->credential, cred, ENTRY_CREDENTIAL_SIZE) != 0)
        return client_fail(why, CLIENT_ERR_INVALID,
                           "status proof is for another credential");
    if (sp->checkpoint == NULL)
        return client_fail(why, CLIENT_ERR_INVALID,
                           "status proof has no checkpoint");
    rc = client_verify_checkpoint(sp->checkpoint, sp->checkpoint_len, log,
                                  &out->checkpoint, inner);
    if (rc != 0)
        return client_fail(why, rc, "status proof: %s", inner);
    if (out->checkpoint.size == 0)
        return client_fail(why, CLIENT_ERR_INVALID,
                           "status proof is relative to the empty tree");
    map_index = out->checkpoint.size - 1;

    if ((rc = verify_map(&sp->map, &out->checkpoint, &out->map, why)) != 0)
        return rc;

    /* The map proof for cred against the MAP entry's root. */
    rc = smt_verify(sp->map_proof, sp->map_proof_len, out->map.map_root, &info);
    if (rc != 0)
        return client_fail(
            why, CLIENT_ERR_INVALID,
            "revocation map proof does not verify against the MAP root (%s)",
            smt_strerror(rc));
    if (memcmp(info.key, cred, ENTRY_CREDENTIAL_SIZE) != 0)
        return client_fail(why, CLIENT_ERR_INVALID,
                           "revocation map proof is for another credential");

    if (info.kind != SMT_PROOF_PRESENT) {
        if (sp->has_issue || sp->has_revoke)
            return client_fail(why, CLIENT_ERR_INVALID,
                               "map proves the credential absent but the log "
                               "sent issue/revoke entries");
        if (sp->status != CLIENT_STATUS_UNKNOWN)
            return client_fail(
                why, CLIENT_ERR_INVALID,
                "map proves the credential absent but the log says \"%s\"",
                client_status_name(sp->status));
        out->status = CLIENT_STATUS_UNKNOWN;
        return 0;
    }

    /* Present: the ISSUE entry at the map value's issue index. */
    if (!sp->has_issue)
        return client_fail(
            why, CLIENT_ERR_INVALID,
            "map has the credential but no ISSUE entry was sent");
    if (sp->issue.index != info.issue_index || info.issue_index >= map_index)
        return client_fail(
            why, CLIENT_ERR_INVALID,
            "ISSUE entry index %llu does not match the map's issue index %llu",
            (unsigned long long)sp->issue.index,
            (unsigned long long)info.issue_index);
    rc = status_entry(&sp->issue, &out->checkpoint, "ISSUE", ENTRY_ISSUE, cred,
                      &out->issue, why);
    if (rc != 0)
        return rc;
    rc = client_verify_authorized(&out->issue, info.issue_index,
                                  &out->checkpoint, &out->map, &sp->issue_auth,
                                  &out->issue_auth, &out->auth_unshown, inner);
    if (rc != 0)
        return client_fail(why, rc, "ISSUE entry at %llu: %s",
                           (unsigned long long)info.issue_index, inner);
    out->issue_index = info.issue_index;

    if (info.revoke_index == SMT_NONE) {
        if (sp->has_revoke)
            return client_fail(
                why, CLIENT_ERR_INVALID,
                "map says not revoked but the log sent a REVOKE entry");
        if (sp->status != CLIENT_STATUS_ACTIVE)
            return client_fail(why, CLIENT_ERR_INVALID,
                               "map says active but the log says \"%s\"",
                               client_status_name(sp->status));
        out->status = CLIENT_STATUS_ACTIVE;
        return 0;
    }
    if (!sp->has_revoke)
        return client_fail(why, CLIENT_ERR_INVALID,
                           "map says revoked but no REVOKE entry was sent");
    if (sp->revoke.index != info.revoke_index ||
        info.revoke_index <= info.issue_index || info.revoke_index >= map_index)
        return client_fail(why, CLIENT_ERR_INVALID,
                           "REVOKE entry index %llu does not match the map's "
                           "revoke index %llu",
                           (unsigned long long)sp->revoke.index,
                           (unsigned long long)info.revoke_index);
    rc = status_entry(&sp->revoke, &out->checkpoint, "REVOKE", ENTRY_REVOKE,
                      cred, &out->revoke, why);
    if (rc != 0)
        return rc;
    if (strcmp(out->revoke.issuer, out->issue.issuer) != 0)
        return client_fail(why, CLIENT_ERR_INVALID,
                           "REVOKE by %s of a credential issued by %s",
                           out->revoke.issuer, out->issue.issuer);
    rc = client_verify_authorized(&out->revoke, info.revoke_index,
                                  &out->checkpoint, &out->map, &sp->revoke_auth,
                                  &out->revoke_auth, &out->auth_unshown, inner);
    if (rc != 0)
        return client_fail(why, rc, "REVOKE entry at %llu: %s",
                           (unsigned long long)info.revoke_index, inner);
    if (sp->status != CLIENT_STATUS_REVOKED)
        return client_fail(why, CLIENT_ERR_INVALID,
                           "map says revoked but the log says \"%s\"",
                           client_status_name(sp->status));
    out->revoke_index = info.revoke_index;
    out->status = CLIENT_STATUS_REVOKED;
    return 0;
}

int client_verify_consistency(const struct checkpoint *a,
                              const struct checkpoint *b,
                              const uint8_t (*proof)[MERKLE_HASH_SIZE],
                              size_t proof_len, char *why)
{
    uint8_t empty[MERKLE_HASH_SIZE];
    int rc;

    if (strcmp(a->origin, b->origin) != 0)
        return client_fail(why, CLIENT_ERR_INVALID,
                           "checkpoints of different logs (%s, %s)", a->origin,
                           b->origin);
    if (a->size > b->size)
        return client_fail(
            why, CLIENT_ERR_INVALID, "the log shrank from %llu to %llu entries",
            (unsigned long long)a->size, (unsigned long long)b->size);
    if (a->size == 0) {
        merkle_empty_root(empty);
        if (memcmp(a->root, empty, MERKLE_HASH_SIZE) != 0 || proof_len != 0)
            return client_fail(why, CLIENT_ERR_INVALID,
                               "size-0 checkpoint with a non-empty root");
        return 0;
    }
    rc = merkle_consistency_verify(a->size, b->size, a->root, b->root, proof,
                                   proof_len);
    if (rc != 0)
        return client_fail(why, CLIENT_ERR_INVALID,
                           "checkpoints at sizes %llu and %llu are not "
                           "consistent (%s): the log forked",
                           (unsigned long long)a->size,
                           (unsigned long long)b->size, merkle_strerror(rc));
    return 0;
}

const char *client_verdict_name(int kind)
{
    switch (kind) {
    case CLIENT_VERDICT_VALID:
        return "VALID";
    case CLIENT_VERDICT_REVOKED:
        return "REVOKED";
    case CLIENT_VERDICT_NOT_ISSUED:
        return "NOT ISSUED";
    default:
        return "INVALID";
    }
}

int client_verdict_exit_code(int kind)
{
    switch (kind) {
    case CLIENT_VERDICT_VALID:
        return 0;
    case CLIENT_VERDICT_REVOKED:
    case CLIENT_VERDICT_NOT_ISSUED:
        return 1;
    default:
        return 2;
    }
}

static void verdict_invalid(struct client_verdict *v, const char *prefix,
                            const char *why)
{
    v->kind = CLIENT_VERDICT_INVALID;
    snprintf(v->reason, sizeof v->reason, "%s%s", prefix, why);
}

/* Links the receipt's and the status proof's checkpoints. */
static int link_checkpoints(const struct checkpoint *r,
                            const struct checkpoint *s,
                            const struct client_evidence *ev,
                            struct client_verdict *v, char *why)
{
    const struct checkpoint *lo = r->size <= s->size ? r : s;
    const struct checkpoint *hi = r->size <= s->size ? s : r;

    if (lo->size == hi->size || ev->have_consistency) {
        int rc = client_verify_consistency(
            lo, hi, ev->consistency,
            ev->have_consistency ? ev->consistency_len : 0, why);
        if (rc != 0)
            return rc;
        v->consistency_checked = true;
    }
    return 0;
}

void client_verdict(const struct note_verifier *log,
                    const uint8_t cred[ENTRY_CREDENTIAL_SIZE],
                    const struct client_evidence *ev, struct client_verdict *v)
{
    struct client_receipt_check rc_;
    struct client_status_check sc;
    char why[CLIENT_REASON_MAX];

    memset(v, 0, sizeof *v);
    memcpy(v->credential, cred, ENTRY_CREDENTIAL_SIZE);
    if (ev->receipt == NULL && ev->status == NULL) {
        verdict_invalid(v, "", "no receipt and no status proof to check");
        return;
    }
    if (ev->receipt != NULL) {
        if (client_verify_receipt(ev->receipt, log, ENTRY_ISSUE, cred, NULL,
                                  &rc_, why) != 0) {
            verdict_invalid(v, "", why);
            return;
        }
        /* A receipt that shows its authorization must show it right; one
         * that cannot show it is enough only beside a status proof. */
        if (!rc_.authorized && (!rc_.auth_unshown || ev->status == NULL)) {
            v->auth_unshown = rc_.auth_unshown;
            verdict_invalid(v, "", rc_.auth_why);
            if (rc_.auth_unshown && ev->status == NULL)
                snprintf(v->reason + strlen(v->reason),
                         sizeof v->reason - strlen(v->reason),
                         "; check it online (--log URL)");
            return;
        }
        v->receipt_checked = true;
        v->kind = CLIENT_VERDICT_VALID;
        snprintf(v->issuer, sizeof v->issuer, "%s", rc_.entry.issuer);
        v->issue_index = rc_.index;
        v->issued_ms = rc_.entry.timestamp_ms;
        v->checkpoint = rc_.checkpoint;
        v->issuer_key = rc_.auth.key;
        v->issuer_key_index = rc_.auth.add_index;
    }
    if (ev->status == NULL)
        return;

    if (client_verify_status(ev->status, log, cred, &sc, why) != 0) {
        v->auth_unshown = sc.auth_unshown;
        verdict_invalid(v, "", why);
        return;
    }
    v->status_checked = true;
    v->as_of_ms = sc.map.timestamp_ms;
    if (ev->receipt != NULL) {
        if (link_checkpoints(&rc_.checkpoint, &sc.checkpoint, ev, v, why) !=
            0) {
            verdict_invalid(v, "", why);
            return;
        }
        if (rc_.index >= sc.checkpoint.size) {
            snprintf(why, sizeof why,
                     "the status proof (tree size %llu) is older than the "
                     "receipt (entry %llu)",
                     (unsigned long long)sc.checkpoint.size,
                     (unsigned long long)rc_.index);
            verdict_invalid(v, "", why);
            return;
        }
        if (sc.status == CLIENT_STATUS_UNKNOWN) {
            snprintf(why, sizeof why,
                     "the log included this credential at entry %llu but its "
                     "revocation map says "
                     "it was never issued: the log is lying",
                     (unsigned long long)rc_.index);
            verdict_invalid(v, "", why);
            return;
        }
        if (sc.issue_index != rc_.index ||
            ev->status->issue.entry_len != ev->receipt->e.entry_len ||
            memcmp(ev->status->issue.entry, ev->receipt->e.entry,
                   ev->receipt->e.entry_len) != 0) {
            snprintf(why, sizeof why,
                     "the log's ISSUE entry (index %llu) differs from the "
                     "receipt's (index %llu)",
                     (unsigned long long)sc.issue_index,
                     (unsigned long long)rc_.index);
            verdict_invalid(v, "", why);
            return;
        }
    }
    if (ev->receipt == NULL || sc.checkpoint.size >= v->checkpoint.size)
        v->checkpoint = sc.checkpoint;
    switch (sc.status) {
    case CLIENT_STATUS_UNKNOWN:
        v->kind = CLIENT_VERDICT_NOT_ISSUED;
        v->issuer[0] = '\0';
        return;
    case CLIENT_STATUS_REVOKED:
        v->kind = CLIENT_VERDICT_REVOKED;
        v->revoke_index = sc.revoke_index;
        v->revoked_ms = sc.revoke.timestamp_ms;
        v->revoke_reason = sc.revoke.reason;
        break;
    default:
        v->kind = CLIENT_VERDICT_VALID;
        break;
    }
    snprintf(v->issuer, sizeof v->issuer, "%s", sc.issue.issuer);
    v->issue_index = sc.issue_index;
    v->issued_ms = sc.issue.timestamp_ms;
    v->issuer_key = sc.issue_auth.key;
    v->issuer_key_index = sc.issue_auth.add_index;
}

void client_verdict_check_age(struct client_verdict *v, uint64_t now_ms,
                              uint64_t max_age_ms)
{
    char asof[64], age[64], limit[64];

    if (!v->status_checked || v->kind == CLIENT_VERDICT_INVALID)
        return;
    v->age_checked = true;
    if (v->kind == CLIENT_VERDICT_REVOKED)
        return;
    client_time_format(v->as_of_ms, asof, sizeof asof);
    if (v->as_of_ms > now_ms && v->as_of_ms - now_ms > CLIENT_MAX_AHEAD_MS) {
        client_duration_format(v->as_of_ms - now_ms, age, sizeof age);
        v->kind = CLIENT_VERDICT_INVALID;
        v->future = true;
        snprintf(v->reason, sizeof v->reason,
                 "status proof is dated %s in the future (as of %s): the log's "
                 "clock or this "
                 "computer's is wrong",
                 age, asof);
        return;
    }
    if (max_age_ms > 0 && now_ms > v->as_of_ms &&
        now_ms - v->as_of_ms > max_age_ms) {
        const char *since =
            v->kind == CLIENT_VERDICT_VALID ? "revoked" : "issued";
        client_duration_format(now_ms - v->as_of_ms, age, sizeof age);
        client_duration_format(max_age_ms, limit, sizeof limit);
        v->kind = CLIENT_VERDICT_INVALID;
        v->stale = true;
        snprintf(v->reason, sizeof v->reason,
                 "status proof is %s old (as of %s), older than the maximum "
                 "age of %s: the "
                 "credential may have been %s since",
                 age, asof, limit, since);
    }
}
