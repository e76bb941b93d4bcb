/*
 * keyauth.c: see keyauth.h. The sentences name indexes and keys because
 * they end up in a verdict a person reads.
 */
#include "proofs/keyauth.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "proofs/smt.h"

const char *keyauth_strerror(int err)
{
    switch (err) {
    case 0:
        return "success";
    case KEYAUTH_ERR_MAP_V1:
        return "keyauth: the MAP entry is version 1 (no key map)";
    case KEYAUTH_ERR_MISSING:
        return "keyauth: no key entry or key proof";
    case KEYAUTH_ERR_KEY_ENTRY:
        return "keyauth: the key entry is not a KEY add before the entry";
    case KEYAUTH_ERR_INCLUSION:
        return "keyauth: the key entry is not included in the checkpoint";
    case KEYAUTH_ERR_OTHER_KEY:
        return "keyauth: the key entry is for another issuer or key id";
    case KEYAUTH_ERR_PROOF:
        return "keyauth: the key map proof does not show the key";
    case KEYAUTH_ERR_NOT_AUTHORIZED:
        return "keyauth: the key was not authorized at the entry's index";
    case KEYAUTH_ERR_SIG:
        return "keyauth: the signature does not verify";
    case KEYAUTH_ERR_ARG:
        return "keyauth: not an ISSUE or REVOKE entry, or not a MAP entry";
    default:
        return "unknown keyauth error";
    }
}

static int fail(char *why, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(char *why, int rc, const char *fmt, ...)
{
    va_list ap;

    if (why != NULL) {
        va_start(ap, fmt);
        vsnprintf(why, KEYAUTH_WHY_MAX, fmt, ap);
        va_end(ap);
    }
    return rc;
}

int keyauth_verify(const struct keyauth_input *in, struct keyauth_result *out,
                   char *why)
{
    const struct entry *e = in->entry;
    struct keyauth_result tmp;
    struct smt_proof_info info;
    uint8_t leaf[MERKLE_HASH_SIZE], mkey[ENTRY_KEY_MAP_KEY_SIZE];
    const char *what;
    uint64_t i = in->index, a = in->key_index;
    int rc;

    if (out == NULL)
        out = &tmp;
    memset(out, 0, sizeof *out);
    if ((e->type != ENTRY_ISSUE && e->type != ENTRY_REVOKE) ||
        in->map->type != ENTRY_MAP)
        return fail(why, KEYAUTH_ERR_ARG, "%s",
                    keyauth_strerror(KEYAUTH_ERR_ARG));
    what = e->type == ENTRY_ISSUE ? "ISSUE" : "REVOKE";

    /* 1. A key root to check against. */
    if (in->map->version != ENTRY_VERSION_2)
        return fail(why, KEYAUTH_ERR_MAP_V1,
                    "the MAP entry at %" PRIu64
                    " is version 1, without a key map: the answer cannot "
                    "show that the %s entry's key was authorized",
                    in->size - 1, what);
    if (in->key_entry == NULL || in->key_proof == NULL)
        return fail(why, KEYAUTH_ERR_MISSING,
                    "the answer has no key and key_proof for the %s entry at "
                    "%" PRIu64 ": it cannot show that its key was authorized",
                    what, i);

    /* 2. The KEY add entry, before E, in the same tree. */
    if (a >= i)
        return fail(why, KEYAUTH_ERR_KEY_ENTRY,
                    "the key entry's index %" PRIu64
                    " is not before the %s entry's %" PRIu64,
                    a, what, i);
    if ((rc = entry_decode(in->key_entry, in->key_entry_len, &out->key)) != 0)
        return fail(why, KEYAUTH_ERR_KEY_ENTRY,
                    "the key entry at %" PRIu64 " does not decode (%s)", a,
                    entry_strerror(rc));
    if (out->key.type != ENTRY_KEY || out->key.key_op != ENTRY_KEY_ADD)
        return fail(why, KEYAUTH_ERR_KEY_ENTRY,
                    "the key entry at %" PRIu64 " is not a KEY add entry", a);
    merkle_leaf_hash(in->key_entry, in->key_entry_len, leaf);
    if (a >= in->size ||
        merkle_inclusion_verify(a, in->size, leaf, in->key_inclusion,
                                in->key_inclusion_len, in->root) != 0)
        return fail(why, KEYAUTH_ERR_INCLUSION,
                    "the key entry's inclusion proof at %" PRIu64
                    " in tree size %" PRIu64 " does not verify",
                    a, in->size);

    /* 3. It names E's key. */
    if (strcmp(out->key.issuer, e->issuer) != 0 ||
        note_key_id(out->key.issuer, NOTE_TYPE_ED25519, out->key.public_key) !=
            e->key_id)
        return fail(why, KEYAUTH_ERR_OTHER_KEY,
                    "the key entry at %" PRIu64
                    " adds another key than %s key %08" PRIx32
                    " that signed the %s entry",
                    a, e->issuer, e->key_id, what);

    /* 4. The key map: added at a, not removed before i. */
    if (entry_key_map_key(out->key.issuer, out->key.public_key, mkey) != 0)
        return fail(why, KEYAUTH_ERR_KEY_ENTRY,
                    "the key entry at %" PRIu64 " has an invalid issuer", a);
    rc = smt_verify(in->key_proof, in->key_proof_len, in->map->key_root, &info);
    if (rc != 0)
        return fail(why, KEYAUTH_ERR_PROOF,
                    "the key map proof does not verify against the MAP "
                    "entry's key root (%s)",
                    smt_strerror(rc));
    if (memcmp(info.key, mkey, sizeof mkey) != 0)
        return fail(why, KEYAUTH_ERR_PROOF,
                    "the key map proof is about another key");
    if (info.kind != SMT_PROOF_PRESENT)
        return fail(why, KEYAUTH_ERR_PROOF,
                    "the key map proves %s key %08" PRIx32 " was never added",
                    e->issuer, e->key_id);
    out->add_index = info.issue_index;
    out->remove_index = info.revoke_index;
    if (info.issue_index != a)
        return fail(why, KEYAUTH_ERR_NOT_AUTHORIZED,
                    "the key map says %s key %08" PRIx32
                    " was added at %" PRIu64 ", not at %" PRIu64,
                    e->issuer, e->key_id, info.issue_index, a);
    if (info.revoke_index != SMT_NONE && info.revoke_index <= i)
        return fail(why, KEYAUTH_ERR_NOT_AUTHORIZED,
                    "%s key %08" PRIx32 " was removed at entry %" PRIu64
                    ", before the %s entry at %" PRIu64
                    " it signed: unauthorized entry",
                    e->issuer, e->key_id, info.revoke_index, what, i);

    /* 5. The signature, for this log. */
    rc = entry_verify(e, in->origin, out->key.public_key);
    if (rc != 0)
        return fail(why, KEYAUTH_ERR_SIG,
                    "the %s entry's signature by %s key %08" PRIx32
                    " does not verify%s",
                    what, e->issuer, e->key_id,
                    e->version == ENTRY_VERSION_2
                        ? " for this log (unsigned, altered, or signed for "
                          "another log)"
                        : " (unsigned or altered)");
    return 0;
}
