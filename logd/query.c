/* query.c: see query.h. */
#include "logd/query.h"

#include <stdlib.h>
#include <string.h>

#include "logd/signer.h"
#include "proofs/codec.h"
#include "proofs/entry.h"
#include "proofs/merkle.h"
#include "proofs/smt.h"

const char *query_strerror(int err)
{
    switch (err) {
    case 0: return "success";
    case QUERY_ERR_NOTFOUND: return "not found";
    case QUERY_ERR_RANGE: return "out of range";
    case QUERY_ERR_STORE: return "storage error";
    case QUERY_ERR_NOMEM: return "out of memory";
    case QUERY_ERR_EMPTY: return "the log has no checkpoint yet";
    default: return "unknown query error";
    }
}

static int store_err(int err)
{
    if (err == STORE_ERR_NOMEM)
        return QUERY_ERR_NOMEM;
    return QUERY_ERR_STORE;
}

static json_t *hex_json(const uint8_t *b, size_t n)
{
    char buf[2 * 64 + 1];

    codec_hex_encode(b, n, buf);
    return json_stringn_nocheck(buf, 2 * n);
}

static json_t *b64_json(const uint8_t *b, size_t n)
{
    char small[CODEC_B64_LEN(ENTRY_MAX_SIZE) + 1];
    char *buf = n <= ENTRY_MAX_SIZE ? small : malloc(CODEC_B64_LEN(n) + 1);
    json_t *j;
    size_t len;

    if (buf == NULL)
        return NULL;
    len = codec_b64_encode(b, n, buf);
    j = json_stringn_nocheck(buf, len);
    if (buf != small)
        free(buf);
    return j;
}

static json_t *int_json(uint64_t v)
{
    return json_integer((json_int_t)v);
}

/* Sets obj[key] = val, taking val; fails on NULL. */
static int set(json_t *obj, const char *key, json_t *val)
{
    if (val == NULL || json_object_set_new_nocheck(obj, key, val) != 0)
        return QUERY_ERR_NOMEM;
    return 0;
}

/* Reads the stored hashes idx[0..n) into h. */
static int read_hashes(struct store_txn *r, const uint64_t *idx, int n,
                       uint8_t (*h)[MERKLE_HASH_SIZE])
{
    int err = store_read_hashes(r, idx, (size_t)n, h);
    return err == 0 ? 0 : store_err(err);
}

static json_t *hash_array(const uint8_t (*h)[MERKLE_HASH_SIZE], int n)
{
    json_t *a = json_array();

    for (int i = 0; a != NULL && i < n; i++)
        if (json_array_append_new(a, hex_json(h[i], MERKLE_HASH_SIZE)) != 0) {
            json_decref(a);
            a = NULL;
        }
    return a;
}

/* The inclusion proof of index in size, as a JSON array of hex hashes. */
static int inclusion_json(struct store_txn *r, uint64_t index, uint64_t size,
                          json_t **out)
{
    uint64_t idx[MERKLE_MAX_NEEDED];
    uint8_t h[MERKLE_MAX_NEEDED][MERKLE_HASH_SIZE];
    uint8_t proof[MERKLE_MAX_PROOF][MERKLE_HASH_SIZE];
    int n = merkle_inclusion_needed(index, size, idx), len, err;

    if (n < 0)
        return QUERY_ERR_RANGE;
    if ((err = read_hashes(r, idx, n, h)) != 0)
        return err;
    len = merkle_inclusion_proof(index, size,
                                 (const uint8_t(*)[MERKLE_HASH_SIZE])h, proof);
    if (len < 0)
        return QUERY_ERR_STORE;
    *out = hash_array((const uint8_t(*)[MERKLE_HASH_SIZE])proof, len);
    return *out ? 0 : QUERY_ERR_NOMEM;
}

static int tree_size(struct store_txn *r, uint64_t *size)
{
    int err = store_tree_size(r, size);
    return err == 0 ? 0 : store_err(err);
}

int query_checkpoint(struct store_txn *r, char *buf, size_t cap, size_t *len)
{
    int err = store_checkpoint(r, buf, cap, len);

    if (err == STORE_ERR_NOTFOUND)
        return QUERY_ERR_EMPTY;
    return err == 0 ? 0 : store_err(err);
}

int query_log_key(struct store_txn *r, char *buf, size_t cap, size_t *len)
{
    int err = store_log_key(r, buf, cap > 0 ? cap - 1 : 0);
    size_t n;

    if (err == STORE_ERR_NOTFOUND)
        return QUERY_ERR_EMPTY;
    if (err != 0)
        return store_err(err);
    n = strlen(buf);
    buf[n] = '\n';
    buf[n + 1] = '\0';
    *len = n + 1;
    return 0;
}

struct bundle {
    uint8_t *buf;
    size_t cap, used;
};

static int bundle_add(void *arg, uint64_t index, const uint8_t *entry, size_t len)
{
    struct bundle *b = arg;

    (void)index;
    return tile_bundle_append(b->buf, b->cap, &b->used, entry, len) == 0
               ? 0
               : QUERY_ERR_STORE;
}

int query_tile(struct store_txn *r, const struct tile *t, uint8_t *buf,
               size_t cap, size_t *len)
{
    uint64_t size, first, idx[TILE_WIDTH];
    int err;

    if ((err = tree_size(r, &size)) != 0)
        return err;
    if (t->width < 1 || t->width > TILE_WIDTH || t->index > (UINT64_MAX >> 9) ||
        (t->level != TILE_LEVEL_ENTRIES &&
         (t->level < 0 || t->level * TILE_HEIGHT >= 64)) ||
        !tile_exists(t, size))
        return QUERY_ERR_NOTFOUND;
    first = t->index * TILE_WIDTH;
    if (t->level == TILE_LEVEL_ENTRIES) {
        struct bundle b = {buf, cap, 0};
        err = store_entries(r, first, t->width, bundle_add, &b);
        if (err != 0)
            return err == QUERY_ERR_STORE ? err : store_err(err);
        *len = b.used;
        return 0;
    }
    if (cap < (size_t)t->width * MERKLE_HASH_SIZE)
        return QUERY_ERR_STORE;
    for (unsigned j = 0; j < t->width; j++)
        idx[j] = merkle_stored_index(TILE_HEIGHT * t->level, first + j);
    if ((err = read_hashes(r, idx, (int)t->width,
                           (uint8_t(*)[MERKLE_HASH_SIZE])buf)) != 0)
        return err;
    *len = (size_t)t->width * MERKLE_HASH_SIZE;
    return 0;
}

int query_inclusion(struct store_txn *r, uint64_t index, uint64_t size,
                    json_t **out)
{
    uint8_t leaf[MERKLE_HASH_SIZE];
    uint64_t cur, li = merkle_stored_index(0, index);
    json_t *o, *proof;
    int err;

    *out = NULL;
    if ((err = tree_size(r, &cur)) != 0)
        return err;
    if (index >= size)
        return QUERY_ERR_RANGE;
    if (size > cur)
        return QUERY_ERR_NOTFOUND;
    if ((err = read_hashes(r, &li, 1, &leaf)) != 0)
        return err;
    if ((err = inclusion_json(r, index, size, &proof)) != 0)
        return err;
    o = json_object();
    if (o == NULL || set(o, "index", int_json(index)) ||
        set(o, "tree_size", int_json(size)) ||
        set(o, "leaf_hash", hex_json(leaf, MERKLE_HASH_SIZE)) ||
        set(o, "hashes", proof)) {
        if (o == NULL)
            json_decref(proof);
        json_decref(o);
        return QUERY_ERR_NOMEM;
    }
    *out = o;
    return 0;
}

int query_consistency(struct store_txn *r, uint64_t from, uint64_t to,
                      json_t **out)
{
    uint64_t cur, idx[MERKLE_MAX_NEEDED];
    uint8_t h[MERKLE_MAX_NEEDED][MERKLE_HASH_SIZE];
    uint8_t proof[MERKLE_MAX_PROOF][MERKLE_HASH_SIZE];
    json_t *o;
    int n, len, err;

    *out = NULL;
    if ((err = tree_size(r, &cur)) != 0)
        return err;
    if (from == 0 || from > to)
        return QUERY_ERR_RANGE;
    if (to > cur)
        return QUERY_ERR_NOTFOUND;
    n = merkle_consistency_needed(from, to, idx);
    if (n < 0)
        return QUERY_ERR_RANGE;
    if ((err = read_hashes(r, idx, n, h)) != 0)
        return err;
    len = merkle_consistency_proof(from, to, (const uint8_t(*)[MERKLE_HASH_SIZE])h,
                                   proof);
    if (len < 0)
        return QUERY_ERR_STORE;
    o = json_object();
    if (o == NULL || set(o, "from", int_json(from)) ||
        set(o, "to", int_json(to)) ||
        set(o, "hashes", hash_array((const uint8_t(*)[MERKLE_HASH_SIZE])proof, len))) {
        json_decref(o);
        return QUERY_ERR_NOMEM;
    }
    *out = o;
    return 0;
}

int query_entry(struct store_txn *r, uint64_t index, json_t **out)
{
    uint8_t buf[ENTRY_MAX_SIZE], leaf[MERKLE_HASH_SIZE];
    size_t len;
    json_t *o;
    int err;

    *out = NULL;
    err = store_entry(r, index, buf, sizeof buf, &len);
    if (err == STORE_ERR_NOTFOUND)
        return QUERY_ERR_NOTFOUND;
    if (err != 0)
        return store_err(err);
    merkle_leaf_hash(buf, len, leaf);
    o = json_object();
    if (o == NULL || set(o, "index", int_json(index)) ||
        set(o, "entry", b64_json(buf, len)) ||
        set(o, "leaf_hash", hex_json(leaf, MERKLE_HASH_SIZE))) {
        json_decref(o);
        return QUERY_ERR_NOMEM;
    }
    *out = o;
    return 0;
}

/* {"index", "entry", "inclusion"} for entry index in a tree of size. If e is
 * not NULL the entry is decoded into it. */
static int entry_proof_json(struct store_txn *r, uint64_t index, uint64_t size,
                            struct entry *e, json_t **out)
{
    uint8_t buf[ENTRY_MAX_SIZE];
    size_t len;
    json_t *o, *proof;
    int err;

    *out = NULL;
    if ((err = store_entry(r, index, buf, sizeof buf, &len)) != 0)
        return store_err(err);
    if (e != NULL && entry_decode(buf, len, e) != 0)
        return QUERY_ERR_STORE;
    if ((err = inclusion_json(r, index, size, &proof)) != 0)
        return err;
    o = json_object();
    if (o == NULL) {
        json_decref(proof);
        return QUERY_ERR_NOMEM;
    }
    if (set(o, "index", int_json(index)) || set(o, "entry", b64_json(buf, len)) ||
        set(o, "inclusion", proof)) {
        json_decref(o);
        return QUERY_ERR_NOMEM;
    }
    *out = o;
    return 0;
}

int query_status(struct store_txn *r, const uint8_t hash[32], json_t **out)
{
    char note[SIGNER_CHECKPOINT_MAX];
    uint8_t proof[SMT_PROOF_MAX];
    struct store_credential c;
    struct smt_store st;
    struct entry map;
    uint64_t size;
    size_t note_len;
    json_t *o = NULL, *sub = NULL;
    const char *status;
    int err, plen;

    *out = NULL;
    if ((err = tree_size(r, &size)) != 0)
        return err;
    if (size == 0)
        return QUERY_ERR_EMPTY;
    if ((err = query_checkpoint(r, note, sizeof note, &note_len)) != 0)
        return err;
    err = store_credential(r, hash, &c);
    if (err == STORE_ERR_NOTFOUND) {
        status = "unknown";
    } else if (err != 0) {
        return store_err(err);
    } else {
        status = c.revoke_index == SMT_NONE ? "active" : "revoked";
    }
    store_smt(r, &st);
    plen = smt_prove(&st, hash, proof, sizeof proof);
    if (plen < 0)
        return QUERY_ERR_STORE;

    o = json_object();
    if (o == NULL)
        return QUERY_ERR_NOMEM;
    if (set(o, "credential_hash", hex_json(hash, 32)) ||
        set(o, "status", json_string(status)) ||
        set(o, "checkpoint", json_stringn(note, note_len)))
        goto nomem;
    if ((err = entry_proof_json(r, size - 1, size, &map, &sub)) != 0)
        goto fail;
    if (map.type != ENTRY_MAP || map.map_index != size - 1) {
        json_decref(sub);
        err = QUERY_ERR_STORE;
        goto fail;
    }
    if (set(o, "map", sub) || set(o, "map_proof", b64_json(proof, (size_t)plen)))
        goto nomem;
    if (strcmp(status, "unknown") != 0) {
        if ((err = entry_proof_json(r, c.issue_index, size, NULL, &sub)) != 0)
            goto fail;
        if (set(o, "issue", sub))
            goto nomem;
    }
    if (strcmp(status, "revoked") == 0) {
        if ((err = entry_proof_json(r, c.revoke_index, size, NULL, &sub)) != 0)
            goto fail;
        if (set(o, "revoke", sub))
            goto nomem;
    }
    *out = o;
    return 0;
nomem:
    err = QUERY_ERR_NOMEM;
fail:
    json_decref(o);
    return err;
}

int query_receipts(struct store_txn *r, const struct seq_req *req, json_t **out)
{
    json_t *o, *list, *cp, *rec;
    int err = QUERY_ERR_NOMEM;

    *out = NULL;
    o = json_object();
    list = json_array();
    cp = json_stringn(req->checkpoint->note, req->checkpoint->len);
    if (o == NULL || list == NULL || cp == NULL)
        goto fail;
    for (size_t i = 0; i < req->n; i++) {
        if ((err = entry_proof_json(r, req->subs[i].index, req->checkpoint->size,
                                    NULL, &rec)) != 0)
            goto fail;
        if (json_object_set_nocheck(rec, "checkpoint", cp) != 0 ||
            json_array_append_new(list, rec) != 0) {
            json_decref(rec);
            err = QUERY_ERR_NOMEM;
            goto fail;
        }
    }
    json_decref(cp);
    if (json_object_set_new_nocheck(o, "receipts", list) != 0) {
        json_decref(o);
        return QUERY_ERR_NOMEM;
    }
    *out = o;
    return 0;
fail:
    json_decref(cp);
    json_decref(list);
    json_decref(o);
    return err;
}

int query_issuers(const struct issuers *keys, json_t **out)
{
    char vkey[NOTE_KEY_TEXT_MAX];
    json_t *o = json_object(), *list = json_array();

    *out = NULL;
    if (o == NULL || list == NULL || json_object_set_new(o, "issuers", list) != 0) {
        json_decref(o);
        json_decref(list);
        return QUERY_ERR_NOMEM;
    }
    for (size_t i = 0; i < issuers_count(keys); i++) {
        const struct issuer_key *k = issuers_at(keys, i);
        json_t *item = json_object();
        int n = issuers_format(k, vkey, sizeof vkey);
        if (item == NULL || n < 0 || set(item, "key", json_stringn(vkey, (size_t)n)) ||
            set(item, "added_index", int_json(k->added_index)) ||
            json_array_append_new(list, item) != 0) {
            json_decref(o);
            return QUERY_ERR_NOMEM;
        }
    }
    *out = o;
    return 0;
}
