/* answer.c: see answer.h. */
#include "answer.h"

#include <string.h>

#include "proofs/codec.h"
#include "proofs/entry.h"
#include "proofs/merkle.h"
#include "proofs/note.h"
#include "proofs/smt.h"

int answer_hashes(const json_t *arr, uint8_t (*out)[32], size_t cap)
{
    size_t n = json_array_size(arr);

    if (!json_is_array(arr) || n > cap)
        return -1;
    for (size_t i = 0; i < n; i++) {
        const json_t *s = json_array_get(arr, i);
        if (!json_is_string(s) ||
            codec_hex_decode(json_string_value(s), json_string_length(s),
                             out[i], 32) != 0)
            return -1;
    }
    return (int)n;
}

int answer_b64(const json_t *s, uint8_t *out, size_t cap)
{
    if (!json_is_string(s))
        return -1;
    return codec_b64_decode(json_string_value(s), json_string_length(s), out,
                            cap);
}

bool answer_included(const json_t *o, uint64_t size, const uint8_t root[32],
                     uint64_t *index, uint8_t *ebuf, size_t *elen)
{
    uint8_t buf[ENTRY_MAX_SIZE], leaf[32], proof[MERKLE_MAX_PROOF][32];
    const json_t *ji = json_object_get(o, "index");
    int n, len;

    if (!json_is_integer(ji) || json_integer_value(ji) < 0)
        return false;
    len = answer_b64(json_object_get(o, "entry"), buf, sizeof buf);
    n = answer_hashes(json_object_get(o, "inclusion"), proof, MERKLE_MAX_PROOF);
    if (len < 0 || n < 0)
        return false;
    merkle_leaf_hash(buf, (size_t)len, leaf);
    if (merkle_inclusion_verify((uint64_t)json_integer_value(ji), size, leaf,
                                (const uint8_t(*)[32])proof, (size_t)n,
                                root) != 0)
        return false;
    if (index != NULL)
        *index = (uint64_t)json_integer_value(ji);
    if (ebuf != NULL) {
        memcpy(ebuf, buf, (size_t)len);
        *elen = (size_t)len;
    }
    return true;
}

/* docs/protocol.md §E.2 step 2: o is {"index", "entry", "inclusion"} of a
 * MAP v2 entry at cp->size - 1, included in cp; decoded into *map. */
static bool map_v2(const json_t *o, const struct checkpoint *cp,
                   struct entry *map)
{
    uint8_t ebuf[ENTRY_MAX_SIZE];
    uint64_t idx;
    size_t elen;

    return cp->size > 0 &&
           answer_included(o, cp->size, cp->root, &idx, ebuf, &elen) &&
           idx == cp->size - 1 && entry_decode(ebuf, elen, map) == 0 &&
           map->type == ENTRY_MAP && map->version == ENTRY_VERSION_2 &&
           map->map_index == cp->size - 1;
}

bool answer_authorized(const json_t *o, const struct entry *e, uint64_t i,
                       const struct checkpoint *cp, const struct entry *map,
                       struct entry *key_out)
{
    uint8_t ebuf[ENTRY_MAX_SIZE], proof[SMT_PROOF_MAX], mk[32];
    struct smt_proof_info info;
    struct entry ke;
    uint64_t a;
    size_t elen;
    int plen;

    /* 1. A MAP v2 entry (a MAP v1 has no key root). */
    if (map->type != ENTRY_MAP || map->version != ENTRY_VERSION_2 ||
        (e->type != ENTRY_ISSUE && e->type != ENTRY_REVOKE))
        return false;
    /* 2. The KEY add entry before i, included in the checkpoint. */
    if (!answer_included(json_object_get(o, "key"), cp->size, cp->root, &a,
                         ebuf, &elen) ||
        a >= i || entry_decode(ebuf, elen, &ke) != 0 || ke.type != ENTRY_KEY ||
        ke.key_op != ENTRY_KEY_ADD)
        return false;
    /* 3. The same issuer, and the key id of its key. */
    if (strcmp(ke.issuer, e->issuer) != 0 ||
        note_key_id(ke.issuer, NOTE_TYPE_ED25519, ke.public_key) != e->key_id)
        return false;
    /* 4. The key map: added at a, not removed before i. */
    plen = answer_b64(json_object_get(o, "key_proof"), proof, sizeof proof);
    if (plen < 0 || entry_key_map_key(ke.issuer, ke.public_key, mk) != 0 ||
        smt_verify(proof, (size_t)plen, map->key_root, &info) != 0 ||
        info.kind != SMT_PROOF_PRESENT || memcmp(info.key, mk, 32) != 0 ||
        info.issue_index != a ||
        (info.revoke_index != SMT_NONE && info.revoke_index <= i))
        return false;
    /* 5. The signature, for this log's origin. */
    if (entry_verify(e, cp->origin, ke.public_key) != 0)
        return false;
    if (key_out != NULL)
        *key_out = ke;
    return true;
}

bool answer_receipt(const struct logd_proc *p, const json_t *rec,
                    const uint8_t *want, size_t want_len, uint64_t *index,
                    struct checkpoint *cp_out)
{
    const json_t *note = json_object_get(rec, "checkpoint");
    struct checkpoint cp;
    struct entry e, map;
    uint8_t buf[ENTRY_MAX_SIZE];
    uint64_t i;
    size_t len;

    if (!json_is_string(note) ||
        checkpoint_open(json_string_value(note), json_string_length(note),
                        &p->log_verifier, &cp) != 0)
        return false;
    if (!answer_included(rec, cp.size, cp.root, &i, buf, &len))
        return false;
    if (want != NULL && (len != want_len || memcmp(buf, want, len) != 0))
        return false;
    /* docs/protocol.md §E.1 steps 2, 4 and 5. */
    if (entry_decode(buf, len, &e) != 0 ||
        !map_v2(json_object_get(rec, "map"), &cp, &map) ||
        !answer_authorized(rec, &e, i, &cp, &map, NULL))
        return false;
    if (index != NULL)
        *index = i;
    if (cp_out != NULL)
        *cp_out = cp;
    return true;
}

bool answer_status(const struct logd_proc *p, const json_t *st,
                   const uint8_t cred[32], const char *want)
{
    const json_t *note = json_object_get(st, "checkpoint");
    const json_t *map = json_object_get(st, "map");
    const json_t *issue = json_object_get(st, "issue");
    const json_t *revoke = json_object_get(st, "revoke");
    uint8_t proof[SMT_PROOF_MAX], ebuf[ENTRY_MAX_SIZE];
    struct smt_proof_info info;
    struct checkpoint cp;
    struct entry me, e, rev;
    uint64_t idx;
    size_t elen;
    char hex[65];
    int plen;

    codec_hex_encode(cred, 32, hex);
    if (!json_is_string(json_object_get(st, "credential_hash")) ||
        strcmp(json_string_value(json_object_get(st, "credential_hash")),
               hex) != 0 ||
        !json_is_string(json_object_get(st, "status")) ||
        strcmp(json_string_value(json_object_get(st, "status")), want) != 0)
        return false;
    if (!json_is_string(note) ||
        checkpoint_open(json_string_value(note), json_string_length(note),
                        &p->log_verifier, &cp) != 0 ||
        cp.size == 0)
        return false;
    if (!map_v2(map, &cp, &me))
        return false;
    plen = answer_b64(json_object_get(st, "map_proof"), proof, sizeof proof);
    if (plen < 0 || smt_verify(proof, (size_t)plen, me.map_root, &info) != 0 ||
        memcmp(info.key, cred, 32) != 0)
        return false;
    if (strcmp(want, "unknown") == 0)
        return info.kind != SMT_PROOF_PRESENT && issue == NULL &&
               revoke == NULL;
    if (info.kind != SMT_PROOF_PRESENT || issue == NULL)
        return false;
    if (!answer_included(issue, cp.size, cp.root, &idx, ebuf, &elen) ||
        idx != info.issue_index || entry_decode(ebuf, elen, &e) != 0 ||
        e.type != ENTRY_ISSUE || memcmp(e.credential, cred, 32) != 0 ||
        !answer_authorized(issue, &e, idx, &cp, &me, NULL))
        return false;
    if (strcmp(want, "active") == 0)
        return info.revoke_index == SMT_NONE && revoke == NULL;
    if (info.revoke_index == SMT_NONE || revoke == NULL ||
        !answer_included(revoke, cp.size, cp.root, &idx, ebuf, &elen) ||
        idx != info.revoke_index || entry_decode(ebuf, elen, &rev) != 0 ||
        rev.type != ENTRY_REVOKE || memcmp(rev.credential, cred, 32) != 0 ||
        strcmp(rev.issuer, e.issuer) != 0 ||
        !answer_authorized(revoke, &rev, idx, &cp, &me, NULL))
        return false;
    return true;
}
