/* answer.c: see answer.h. */
#include "answer.h"

#include <string.h>

#include "proofs/codec.h"
#include "proofs/entry.h"
#include "proofs/merkle.h"
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

bool answer_receipt(const struct logd_proc *p, const json_t *rec,
                    const uint8_t *want, size_t want_len, uint64_t *index,
                    struct checkpoint *cp_out)
{
    const json_t *note = json_object_get(rec, "checkpoint");
    struct checkpoint cp;
    uint8_t buf[ENTRY_MAX_SIZE];
    size_t len;

    if (!json_is_string(note) ||
        checkpoint_open(json_string_value(note), json_string_length(note),
                        &p->log_verifier, &cp) != 0)
        return false;
    if (!answer_included(rec, cp.size, cp.root, index, buf, &len))
        return false;
    if (want != NULL && (len != want_len || memcmp(buf, want, len) != 0))
        return false;
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
    struct entry me, e;
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
    if (!answer_included(map, cp.size, cp.root, &idx, ebuf, &elen) ||
        idx != cp.size - 1 || entry_decode(ebuf, elen, &me) != 0 ||
        me.type != ENTRY_MAP || me.map_index != cp.size - 1)
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
        e.type != ENTRY_ISSUE || memcmp(e.credential, cred, 32) != 0)
        return false;
    if (strcmp(want, "active") == 0)
        return info.revoke_index == SMT_NONE && revoke == NULL;
    if (info.revoke_index == SMT_NONE || revoke == NULL ||
        !answer_included(revoke, cp.size, cp.root, &idx, ebuf, &elen) ||
        idx != info.revoke_index || entry_decode(ebuf, elen, &e) != 0 ||
        e.type != ENTRY_REVOKE || memcmp(e.credential, cred, 32) != 0)
        return false;
    return true;
}
