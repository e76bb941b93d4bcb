/*
 * entry.c: the canonical encoding of credlog's log entries, versions 1 and 2,
 * and the issuer signatures over them. See entry.h for the layout and
 * docs/protocol.md for the meaning of every byte; entry_identity.c holds the
 * KEY v2 identity items.
 *
 * One encoder (entry_write) serves entry_encode, entry_signed_message and
 * entry_verify, so the bytes an issuer signs can never drift from the bytes
 * the log stores.
 */
#include "proofs/entry.h"

#include <string.h>

#include "proofs/be.h"

/* Byte counts of the fixed parts around the issuer name. */
#define ISSUE_FIXED                                                            \
    (2 + ENTRY_CREDENTIAL_SIZE + 1 + 4 + 8 + ED25519_SIGNATURE_SIZE)
#define REVOKE_FIXED (ISSUE_FIXED + 1)
#define KEY_FIXED (2 + 1 + 1 + ED25519_PUBLIC_SIZE + 8)

const char *entry_strerror(int err)
{
    switch (err) {
    case 0:
        return "success";
    case ENTRY_ERR_SYNTAX:
        return "malformed entry";
    case ENTRY_ERR_TYPE:
        return "unknown entry version, type, key operation or reason";
    case ENTRY_ERR_SPACE:
        return "output buffer too small";
    case ENTRY_ERR_SIG:
        return "entry signature does not verify";
    case ENTRY_ERR_CRYPTO:
        return "cryptographic library failure";
    default:
        return "unknown entry error";
    }
}

const char *entry_type_name(uint8_t type)
{
    switch (type) {
    case ENTRY_ISSUE:
        return "issue";
    case ENTRY_REVOKE:
        return "revoke";
    case ENTRY_MAP:
        return "map";
    case ENTRY_KEY:
        return "key";
    default:
        return NULL;
    }
}

const char *entry_reason_name(uint8_t reason)
{
    static const char *const names[] = {"unspecified", "issued_in_error",
                                        "misconduct", "superseded",
                                        "withdrawn"};

    return reason <= ENTRY_REASON_MAX ? names[reason] : NULL;
}

const char *entry_reason_shown(uint8_t reason)
{
    return entry_reason_name(
        reason == ENTRY_REASON_MISCONDUCT ? ENTRY_REASON_UNSPECIFIED : reason);
}

/* The issuer's length, or 0 if it is not a valid key name. */
static size_t issuer_len(const char issuer[NOTE_NAME_MAX + 1])
{
    const char *nul = memchr(issuer, '\0', NOTE_NAME_MAX + 1);
    size_t n = nul != NULL ? (size_t)(nul - issuer) : NOTE_NAME_MAX + 1;

    return note_name_valid(issuer, n) ? n : 0;
}

/* The version e encodes as (0 means 1), or 0 if unknown. */
static uint8_t version_of(const struct entry *e)
{
    if (e->version == 0 || e->version == ENTRY_VERSION_1)
        return ENTRY_VERSION_1;
    return e->version == ENTRY_VERSION_2 ? ENTRY_VERSION_2 : 0;
}

/* Whether reason is valid in an entry of version v: misconduct is retired
 * from version 2 on. */
static bool reason_valid(uint8_t v, uint8_t reason)
{
    return reason <= ENTRY_REASON_MAX &&
           !(v == ENTRY_VERSION_2 && reason == ENTRY_REASON_MISCONDUCT);
}

/* Writes the whole entry e into out (ENTRY_MAX_SIZE bytes). Returns its
 * length, ENTRY_ERR_TYPE or ENTRY_ERR_SYNTAX. */
static int entry_write(const struct entry *e, uint8_t out[ENTRY_MAX_SIZE])
{
    uint8_t *p = out;
    uint8_t v = version_of(e);
    size_t n;

    if (v == 0)
        return ENTRY_ERR_TYPE;
    *p++ = v;
    *p++ = e->type;
    switch (e->type) {
    case ENTRY_ISSUE:
    case ENTRY_REVOKE:
        if (e->type == ENTRY_REVOKE && !reason_valid(v, e->reason))
            return ENTRY_ERR_TYPE;
        n = issuer_len(e->issuer);
        if (n == 0)
            return ENTRY_ERR_SYNTAX;
        memcpy(p, e->credential, ENTRY_CREDENTIAL_SIZE);
        p += ENTRY_CREDENTIAL_SIZE;
        *p++ = (uint8_t)n;
        memcpy(p, e->issuer, n);
        p += n;
        be_put32(p, e->key_id);
        p += 4;
        be_put64(p, e->timestamp_ms);
        p += 8;
        if (e->type == ENTRY_REVOKE)
            *p++ = e->reason;
        memcpy(p, e->signature, ED25519_SIGNATURE_SIZE);
        p += ED25519_SIGNATURE_SIZE;
        break;
    case ENTRY_MAP:
        be_put64(p, e->map_index);
        p += 8;
        memcpy(p, e->map_root, MERKLE_HASH_SIZE);
        p += MERKLE_HASH_SIZE;
        if (v == ENTRY_VERSION_2) {
            memcpy(p, e->key_root, MERKLE_HASH_SIZE);
            p += MERKLE_HASH_SIZE;
        }
        be_put64(p, e->timestamp_ms);
        p += 8;
        break;
    case ENTRY_KEY:
        if (e->key_op != ENTRY_KEY_ADD && e->key_op != ENTRY_KEY_REMOVE)
            return ENTRY_ERR_TYPE;
        n = issuer_len(e->issuer);
        if (n == 0)
            return ENTRY_ERR_SYNTAX;
        *p++ = e->key_op;
        *p++ = (uint8_t)n;
        memcpy(p, e->issuer, n);
        p += n;
        memcpy(p, e->public_key, ED25519_PUBLIC_SIZE);
        p += ED25519_PUBLIC_SIZE;
        be_put64(p, e->timestamp_ms);
        p += 8;
        if (v == ENTRY_VERSION_2) {
            int rc;

            if (e->identity_len > ENTRY_IDENTITY_MAX)
                return ENTRY_ERR_SYNTAX;
            if (e->key_op == ENTRY_KEY_REMOVE && e->identity_len != 0)
                return ENTRY_ERR_SYNTAX;
            rc = entry_identity_check(e->identity, e->identity_len);
            if (rc != 0)
                return rc;
            be_put16(p, e->identity_len);
            p += 2;
            memcpy(p, e->identity, e->identity_len);
            p += e->identity_len;
        }
        break;
    default:
        return ENTRY_ERR_TYPE;
    }
    return (int)(p - out);
}

int entry_encode(const struct entry *e, uint8_t *buf, size_t cap)
{
    uint8_t tmp[ENTRY_MAX_SIZE];
    int n = entry_write(e, tmp);

    if (n < 0)
        return n;
    if ((size_t)n > cap)
        return ENTRY_ERR_SPACE;
    memcpy(buf, tmp, (size_t)n);
    return n;
}

/* Decodes the issuer name of n bytes at p into out->issuer. */
static bool read_issuer(const uint8_t *p, size_t n, struct entry *out)
{
    if (!note_name_valid((const char *)p, n))
        return false;
    memcpy(out->issuer, p, n);
    return true;
}

int entry_decode(const uint8_t *buf, size_t len, struct entry *out)
{
    const uint8_t *p = buf;
    size_t n, m, fixed;
    int rc = ENTRY_ERR_SYNTAX;

    memset(out, 0, sizeof *out);
    if (len < 2)
        return ENTRY_ERR_SYNTAX;
    if (buf[0] != ENTRY_VERSION_1 && buf[0] != ENTRY_VERSION_2)
        return ENTRY_ERR_TYPE;
    out->version = buf[0];
    out->type = buf[1];
    p += 2;
    switch (out->type) {
    case ENTRY_ISSUE:
    case ENTRY_REVOKE:
        if (len < 2 + ENTRY_CREDENTIAL_SIZE + 1)
            goto fail;
        n = buf[2 + ENTRY_CREDENTIAL_SIZE];
        if (len != n + (out->type == ENTRY_ISSUE ? ISSUE_FIXED : REVOKE_FIXED))
            goto fail;
        memcpy(out->credential, p, ENTRY_CREDENTIAL_SIZE);
        p += ENTRY_CREDENTIAL_SIZE + 1;
        if (!read_issuer(p, n, out))
            goto fail;
        p += n;
        out->key_id = be_get32(p);
        p += 4;
        out->timestamp_ms = be_get64(p);
        p += 8;
        if (out->type == ENTRY_REVOKE) {
            out->reason = *p++;
            if (!reason_valid(out->version, out->reason)) {
                rc = ENTRY_ERR_TYPE;
                goto fail;
            }
        }
        memcpy(out->signature, p, ED25519_SIGNATURE_SIZE);
        return 0;
    case ENTRY_MAP:
        if (len != (out->version == ENTRY_VERSION_1 ? ENTRY_MAP_SIZE
                                                    : ENTRY_MAP_V2_SIZE))
            goto fail;
        out->map_index = be_get64(p);
        p += 8;
        memcpy(out->map_root, p, MERKLE_HASH_SIZE);
        p += MERKLE_HASH_SIZE;
        if (out->version == ENTRY_VERSION_2) {
            memcpy(out->key_root, p, MERKLE_HASH_SIZE);
            p += MERKLE_HASH_SIZE;
        }
        out->timestamp_ms = be_get64(p);
        return 0;
    case ENTRY_KEY:
        if (len < 4)
            goto fail;
        n = buf[3];
        fixed = n + KEY_FIXED;
        if (out->version == ENTRY_VERSION_1 ? len != fixed : len < fixed + 2)
            goto fail;
        m = 0;
        if (out->version == ENTRY_VERSION_2) {
            m = be_get16(buf + fixed);
            if (len != fixed + 2 + m || m > ENTRY_IDENTITY_MAX)
                goto fail;
        }
        out->key_op = buf[2];
        if (out->key_op != ENTRY_KEY_ADD && out->key_op != ENTRY_KEY_REMOVE) {
            rc = ENTRY_ERR_TYPE;
            goto fail;
        }
        p += 2;
        if (!read_issuer(p, n, out))
            goto fail;
        p += n;
        memcpy(out->public_key, p, ED25519_PUBLIC_SIZE);
        p += ED25519_PUBLIC_SIZE;
        out->timestamp_ms = be_get64(p);
        p += 8 + 2 * (out->version == ENTRY_VERSION_2);
        if (m > 0) {
            if (out->key_op == ENTRY_KEY_REMOVE)
                goto fail;
            rc = entry_identity_check(p, m);
            if (rc != 0)
                goto fail;
            memcpy(out->identity, p, m);
            out->identity_len = (uint16_t)m;
        }
        return 0;
    default:
        rc = ENTRY_ERR_TYPE;
        goto fail;
    }
fail:
    memset(out, 0, sizeof *out);
    return rc;
}

int entry_signed_message(const struct entry *e, const char *origin,
                         uint8_t *buf, size_t cap)
{
    uint8_t tmp[ENTRY_MAX_SIZE];
    const char *prefix = ENTRY_SIGNING_PREFIX;
    size_t plen = sizeof(ENTRY_SIGNING_PREFIX) - 1, olen = 0, body, at;
    int n;

    if (e->type != ENTRY_ISSUE && e->type != ENTRY_REVOKE)
        return ENTRY_ERR_TYPE;
    n = entry_write(e, tmp);
    if (n < 0)
        return n;
    if (tmp[0] == ENTRY_VERSION_2) {
        prefix = ENTRY_SIGNING_PREFIX_V2;
        plen = sizeof(ENTRY_SIGNING_PREFIX_V2) - 1;
        if (origin == NULL)
            return ENTRY_ERR_SYNTAX;
        olen = strnlen(origin, NOTE_NAME_MAX + 1);
        if (!note_name_valid(origin, olen))
            return ENTRY_ERR_SYNTAX;
    }
    body = (size_t)n - ED25519_SIGNATURE_SIZE;
    if (plen + (olen > 0) + olen + body > cap)
        return ENTRY_ERR_SPACE;
    memcpy(buf, prefix, plen);
    at = plen;
    if (olen > 0) {
        buf[at++] = (uint8_t)olen;
        memcpy(buf + at, origin, olen);
        at += olen;
    }
    memcpy(buf + at, tmp, body);
    return (int)(at + body);
}

int entry_sign_begin(struct entry *e, const char *origin, const char *name,
                     uint32_t key_id, uint8_t *msg, size_t cap)
{
    size_t nlen = strnlen(name, NOTE_NAME_MAX + 1);

    if (e->type != ENTRY_ISSUE && e->type != ENTRY_REVOKE)
        return ENTRY_ERR_TYPE;
    if (!note_name_valid(name, nlen))
        return ENTRY_ERR_SYNTAX;
    memset(e->issuer, 0, sizeof e->issuer);
    memcpy(e->issuer, name, nlen);
    e->key_id = key_id;
    return entry_signed_message(e, origin, msg, cap);
}

int entry_sign(struct entry *e, const char *origin, const struct note_signer *s)
{
    uint8_t msg[ENTRY_SIGNED_MAX];
    char name[NOTE_NAME_MAX + 1];
    const char *nul = memchr(s->name, '\0', sizeof s->name);
    size_t nlen = nul != NULL ? (size_t)(nul - s->name) : sizeof s->name;
    int n;

    if (nlen > NOTE_NAME_MAX)
        return ENTRY_ERR_SYNTAX;
    memcpy(name, s->name, nlen);
    name[nlen] = '\0';
    n = entry_sign_begin(e, origin, name, s->key_id, msg, sizeof msg);
    if (n < 0)
        return n;
    if (ed25519_sign(s->seed, msg, (size_t)n, e->signature) != 0)
        return ENTRY_ERR_CRYPTO;
    return 0;
}

int entry_verify(const struct entry *e, const char *origin,
                 const uint8_t pub[ED25519_PUBLIC_SIZE])
{
    uint8_t msg[ENTRY_SIGNED_MAX];
    int n = entry_signed_message(e, origin, msg, sizeof msg);

    if (n < 0)
        return n;
    return ed25519_verify(pub, msg, (size_t)n, e->signature) ? 0
                                                             : ENTRY_ERR_SIG;
}
