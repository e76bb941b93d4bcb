/* query.c: see query.h. */
#include "logd/query.h"

#include <stdlib.h>
#include <string.h>

#include "proofs/checkpoint.h"
#include "proofs/codec.h"
#include "proofs/entry.h"
#include "proofs/merkle.h"
#include "proofs/smt.h"

const char *query_strerror(int err)
{
    switch (err) {
    case 0:
        return "success";
    case QUERY_ERR_NOTFOUND:
        return "not found";
    case QUERY_ERR_RANGE:
        return "out of range";
    case QUERY_ERR_STORE:
        return "storage error";
    case QUERY_ERR_NOMEM:
        return "out of memory";
    case QUERY_ERR_EMPTY:
        return "the log has no checkpoint yet";
    default:
        return "unknown query error";
    }
}

static int store_err(int err)
{
    if (err == STORE_ERR_NOMEM)
        return QUERY_ERR_NOMEM;
    return QUERY_ERR_STORE;
}

/* ---- JSON text ----
 * The proof answers are fixed-shape JSON of numbers, lowercase hex, base64
 * and the checkpoint note, written straight into a reused buffer: no JSON
 * tree, no allocation once the buffer has grown. The bytes are what jansson's
 * compact dump of the same object wrote (keys in this order, raw UTF-8). */

void query_text_free(struct query_text *t)
{
    if (t == NULL)
        return;
    free(t->data);
    t->data = NULL;
    t->len = t->cap = 0;
}

/* Makes room for n more bytes; on failure marks t and returns false. */
static bool text_room(struct query_text *t, size_t n)
{
    if (t->failed)
        return false;
    if (t->cap - t->len >= n)
        return true;
    size_t cap = t->cap ? t->cap : 4096;
    while (cap - t->len < n)
        cap *= 2;
    char *p = realloc(t->data, cap);
    if (p == NULL) {
        t->failed = true;
        return false;
    }
    t->data = p;
    t->cap = cap;
    return true;
}

static void text_put(struct query_text *t, const char *s, size_t n)
{
    if (text_room(t, n)) {
        memcpy(t->data + t->len, s, n);
        t->len += n;
    }
}

#define TEXT_LIT(t, s) text_put((t), (s), sizeof(s) - 1)

static void text_u64(struct query_text *t, uint64_t v)
{
    char buf[24];
    int n = snprintf(buf, sizeof buf, "%llu", (unsigned long long)v);

    text_put(t, buf, (size_t)n);
}

/* "<hex>" */
static void text_hex(struct query_text *t, const uint8_t *b, size_t n)
{
    if (text_room(t, 2 * n + 2)) {
        t->data[t->len++] = '"';
        codec_hex_encode(b, n, t->data + t->len);
        t->len += 2 * n;
        t->data[t->len++] = '"';
    }
}

/* "<base64>" */
static void text_b64(struct query_text *t, const uint8_t *b, size_t n)
{
    if (text_room(t, CODEC_B64_LEN(n) + 3)) {
        t->data[t->len++] = '"';
        t->len += codec_b64_encode(b, n, t->data + t->len);
        t->data[t->len++] = '"';
    }
}

/* A JSON string of UTF-8 text (a signed note): quotes, backslashes and
 * control characters escaped as jansson does. */
static void text_string(struct query_text *t, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";

    if (!text_room(t, 6 * n + 2))
        return;
    t->data[t->len++] = '"';
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        char *o = t->data + t->len;
        if (c == '"' || c == '\\') {
            o[0] = '\\';
            o[1] = (char)c;
            t->len += 2;
        } else if (c == '\n' || c == '\t' || c == '\r' || c == '\b' ||
                   c == '\f') {
            o[0] = '\\';
            o[1] = c == '\n'   ? 'n'
                   : c == '\t' ? 't'
                   : c == '\r' ? 'r'
                   : c == '\b' ? 'b'
                               : 'f';
            t->len += 2;
        } else if (c < 0x20) {
            memcpy(o, "\\u00", 4);
            o[4] = hex[c >> 4];
            o[5] = hex[c & 15];
            t->len += 6;
        } else {
            o[0] = (char)c;
            t->len++;
        }
    }
    t->data[t->len++] = '"';
}

/* ["<hex>",...] */
static void text_hashes(struct query_text *t,
                        const uint8_t (*h)[MERKLE_HASH_SIZE], int n)
{
    TEXT_LIT(t, "[");
    for (int i = 0; i < n; i++) {
        if (i > 0)
            TEXT_LIT(t, ",");
        text_hex(t, h[i], MERKLE_HASH_SIZE);
    }
    TEXT_LIT(t, "]");
}

/* Reads the stored hashes idx[0..n) into h. */
static int read_hashes(struct store_txn *r, const uint64_t *idx, int n,
                       uint8_t (*h)[MERKLE_HASH_SIZE])
{
    int err = store_read_hashes(r, idx, (size_t)n, h);
    return err == 0 ? 0 : store_err(err);
}

/* The inclusion proof of index in size, as a JSON array of hex hashes. */
static int inclusion_text(struct store_txn *r, uint64_t index, uint64_t size,
                          struct query_text *t)
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
    text_hashes(t, (const uint8_t(*)[MERKLE_HASH_SIZE])proof, len);
    return 0;
}

/* The end of an answer: a newline, and whether it all fit in memory. */
static int text_end(struct query_text *t)
{
    TEXT_LIT(t, "\n");
    return t->failed ? QUERY_ERR_NOMEM : 0;
}

static void text_begin(struct query_text *t)
{
    t->len = 0;
    t->failed = false;
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

static int bundle_add(void *arg, uint64_t index, const uint8_t *entry,
                      size_t len)
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
                    struct query_text *out)
{
    uint8_t leaf[MERKLE_HASH_SIZE];
    uint64_t cur, li = merkle_stored_index(0, index);
    int err;

    text_begin(out);
    if ((err = tree_size(r, &cur)) != 0)
        return err;
    if (index >= size)
        return QUERY_ERR_RANGE;
    if (size > cur)
        return QUERY_ERR_NOTFOUND;
    if ((err = read_hashes(r, &li, 1, &leaf)) != 0)
        return err;
    TEXT_LIT(out, "{\"index\":");
    text_u64(out, index);
    TEXT_LIT(out, ",\"tree_size\":");
    text_u64(out, size);
    TEXT_LIT(out, ",\"leaf_hash\":");
    text_hex(out, leaf, MERKLE_HASH_SIZE);
    TEXT_LIT(out, ",\"hashes\":");
    if ((err = inclusion_text(r, index, size, out)) != 0)
        return err;
    TEXT_LIT(out, "}");
    return text_end(out);
}

int query_consistency(struct store_txn *r, uint64_t from, uint64_t to,
                      struct query_text *out)
{
    uint64_t cur, idx[MERKLE_MAX_NEEDED];
    uint8_t h[MERKLE_MAX_NEEDED][MERKLE_HASH_SIZE];
    uint8_t proof[MERKLE_MAX_PROOF][MERKLE_HASH_SIZE];
    int n, len, err;

    text_begin(out);
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
    len = merkle_consistency_proof(
        from, to, (const uint8_t(*)[MERKLE_HASH_SIZE])h, proof);
    if (len < 0)
        return QUERY_ERR_STORE;
    TEXT_LIT(out, "{\"from\":");
    text_u64(out, from);
    TEXT_LIT(out, ",\"to\":");
    text_u64(out, to);
    TEXT_LIT(out, ",\"hashes\":");
    text_hashes(out, (const uint8_t(*)[MERKLE_HASH_SIZE])proof, len);
    TEXT_LIT(out, "}");
    return text_end(out);
}

int query_entry(struct store_txn *r, uint64_t index, struct query_text *out)
{
    uint8_t buf[ENTRY_MAX_SIZE], leaf[MERKLE_HASH_SIZE];
    size_t len;
    int err;

    text_begin(out);
    err = store_entry(r, index, buf, sizeof buf, &len);
    if (err == STORE_ERR_NOTFOUND)
        return QUERY_ERR_NOTFOUND;
    if (err != 0)
        return store_err(err);
    merkle_leaf_hash(buf, len, leaf);
    TEXT_LIT(out, "{\"index\":");
    text_u64(out, index);
    TEXT_LIT(out, ",\"entry\":");
    text_b64(out, buf, len);
    TEXT_LIT(out, ",\"leaf_hash\":");
    text_hex(out, leaf, MERKLE_HASH_SIZE);
    TEXT_LIT(out, "}");
    return text_end(out);
}

/* {"index","entry","inclusion" for entry index in a tree of size, without
 * the closing brace. If e is not NULL the entry is decoded into it. */
static int entry_proof_text(struct store_txn *r, uint64_t index, uint64_t size,
                            struct entry *e, struct query_text *t)
{
    uint8_t buf[ENTRY_MAX_SIZE];
    size_t len;
    int err;

    if ((err = store_entry(r, index, buf, sizeof buf, &len)) != 0)
        return store_err(err);
    if (e != NULL && entry_decode(buf, len, e) != 0)
        return QUERY_ERR_STORE;
    TEXT_LIT(t, "{\"index\":");
    text_u64(t, index);
    TEXT_LIT(t, ",\"entry\":");
    text_b64(t, buf, len);
    TEXT_LIT(t, ",\"inclusion\":");
    return inclusion_text(r, index, size, t);
}

void query_status_cache_free(struct query_status_cache *c)
{
    if (c == NULL)
        return;
    query_text_free(&c->part);
    query_text_free(&c->keys);
    keymap_unref(c->keymap);
    memset(c, 0, sizeof *c);
}

/* The key map of r's snapshot (of size entries), into *out (borrowed from
 * c): the cached one unless the log's KEY entries changed since. */
static int cache_keymap(struct store_txn *r, uint64_t size,
                        struct query_status_cache *c, const struct keymap **out)
{
    uint64_t counts[STORE_COUNTS];
    struct keymap *km;
    int err;

    if (c->keymap == NULL || c->keymap_size != size) {
        if ((err = store_counts(r, counts)) != 0)
            return store_err(err);
        if (c->keymap == NULL || c->keymap_keys != counts[ENTRY_KEY]) {
            /* One count of KEY entries is one prefix of them: one map. */
            if ((err = keymap_load(r, &km)) != 0)
                return err == STORE_ERR_NOMEM || err == KEYMAP_ERR_NOMEM
                           ? QUERY_ERR_NOMEM
                           : QUERY_ERR_STORE;
            keymap_unref(c->keymap);
            c->keymap = km;
            c->keymap_keys = counts[ENTRY_KEY];
        }
        c->keymap_size = size;
    }
    *out = c->keymap;
    return 0;
}

/* The text key_text() writes for key k, made from the store. */
static int key_text_new(struct store_txn *r, const struct keymap *km,
                        const struct keymap_key *k, uint64_t size,
                        struct query_text *t)
{
    uint8_t proof[SMT_PROOF_MAX];
    int err, len;

    TEXT_LIT(t, ",\"key\":");
    if ((err = entry_proof_text(r, k->added, size, NULL, t)) != 0)
        return err;
    TEXT_LIT(t, "}");
    len = keymap_prove_at(km, size - 1, k->issuer, k->pub, proof, sizeof proof);
    if (len < 0)
        return len == KEYMAP_ERR_NOMEM ? QUERY_ERR_NOMEM : QUERY_ERR_STORE;
    TEXT_LIT(t, ",\"key_proof\":");
    text_b64(t, proof, (size_t)len);
    return 0;
}

/* ,"key":{"index","entry","inclusion"},"key_proof":"<base64>" for the
 * signed entry e at index i, in the tree of size entries whose last entry
 * is the MAP entry (docs/protocol.md §E.4): the KEY add entry of the key
 * that was authorized at i, and the key map's proof for it as of size - 1.
 * Nothing if no key of e's issuer and key id was authorized at i. The text
 * is the same in every answer of one size: it comes from c when c holds
 * it for size, else it is made and kept there (for QUERY_KEY_PARTS keys). */
static int key_text(struct store_txn *r, const struct keymap *km,
                    const struct entry *e, uint64_t i, uint64_t size,
                    struct query_status_cache *c, struct query_text *t)
{
    const struct keymap_key *k = keymap_find_id(km, e->issuer, e->key_id, i);
    size_t start = t->len;
    int err;

    if (k == NULL || k->added >= size)
        return 0; /* only in a log made before version 2 that authorized a
                     removed key again (protocol.md Part D): no key proof */
    if (c->keys_size != size) {
        c->keys_size = size;
        c->nkeys = 0;
        text_begin(&c->keys);
    }
    for (size_t j = 0; j < c->nkeys; j++)
        if (c->key[j].added == k->added) {
            text_put(t, c->keys.data + c->key[j].off, c->key[j].len);
            return 0;
        }
    if ((err = key_text_new(r, km, k, size, t)) != 0)
        return err;
    if (c->nkeys < QUERY_KEY_PARTS && !t->failed) {
        size_t off = c->keys.len;
        text_put(&c->keys, t->data + start, t->len - start);
        if (!c->keys.failed) {
            c->key[c->nkeys].added = k->added;
            c->key[c->nkeys].off = off;
            c->key[c->nkeys].len = t->len - start;
            c->nkeys++;
        }
    }
    return 0;
}

/* ,"checkpoint":"<note>","map":{"index","entry","inclusion"} for a tree of
 * size (the latest), into c. */
static int status_part(struct store_txn *r, uint64_t size, const char *given,
                       size_t given_len, struct query_status_cache *c)
{
    char stored[CHECKPOINT_TEXT_MAX];
    const char *note = given;
    struct entry map;
    size_t note_len = given_len;
    int err;

    c->size = 0;
    text_begin(&c->part);
    if (note == NULL) {
        if ((err = query_checkpoint(r, stored, sizeof stored, &note_len)) != 0)
            return err;
        note = stored;
    }
    TEXT_LIT(&c->part, ",\"checkpoint\":");
    text_string(&c->part, note, note_len);
    TEXT_LIT(&c->part, ",\"map\":");
    if ((err = entry_proof_text(r, size - 1, size, &map, &c->part)) != 0)
        return err;
    if (map.type != ENTRY_MAP || map.map_index != size - 1)
        return QUERY_ERR_STORE;
    TEXT_LIT(&c->part, "}");
    if (c->part.failed)
        return QUERY_ERR_NOMEM;
    c->size = size;
    return 0;
}

static int status_answer(struct store_txn *r, const char *note, size_t note_len,
                         const uint8_t hash[32],
                         struct query_status_cache *cache,
                         struct query_text *out);

int query_status(struct store_txn *r, const uint8_t hash[32],
                 struct query_status_cache *cache, struct query_text *out)
{
    return status_answer(r, NULL, 0, hash, cache, out);
}

int query_status_at(struct store_txn *r, const char *note, size_t len,
                    const uint8_t hash[32], struct query_status_cache *cache,
                    struct query_text *out)
{
    return status_answer(r, note, len, hash, cache, out);
}

static int status_answer(struct store_txn *r, const char *note, size_t note_len,
                         const uint8_t hash[32],
                         struct query_status_cache *cache,
                         struct query_text *out)
{
    uint8_t proof[SMT_PROOF_MAX];
    struct store_credential c;
    const struct keymap *km;
    struct smt_store st;
    struct entry e;
    uint64_t size;
    const char *status;
    int err, plen;

    text_begin(out);
    if ((err = tree_size(r, &size)) != 0)
        return err;
    if (size == 0)
        return QUERY_ERR_EMPTY;
    /* One tree size has one checkpoint and one last MAP entry: a commit
     * always appends. */
    if (cache->size != size &&
        (err = status_part(r, size, note, note_len, cache)) != 0)
        return err;
    if ((err = cache_keymap(r, size, cache, &km)) != 0)
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

    TEXT_LIT(out, "{\"credential_hash\":");
    text_hex(out, hash, 32);
    TEXT_LIT(out, ",\"status\":\"");
    text_put(out, status, strlen(status));
    TEXT_LIT(out, "\"");
    text_put(out, cache->part.data, cache->part.len);
    TEXT_LIT(out, ",\"map_proof\":");
    text_b64(out, proof, (size_t)plen);
    if (strcmp(status, "unknown") != 0) {
        TEXT_LIT(out, ",\"issue\":");
        if ((err = entry_proof_text(r, c.issue_index, size, &e, out)) != 0 ||
            (err = key_text(r, km, &e, c.issue_index, size, cache, out)) != 0)
            return err;
        TEXT_LIT(out, "}");
    }
    if (strcmp(status, "revoked") == 0) {
        TEXT_LIT(out, ",\"revoke\":");
        if ((err = entry_proof_text(r, c.revoke_index, size, &e, out)) != 0 ||
            (err = key_text(r, km, &e, c.revoke_index, size, cache, out)) != 0)
            return err;
        TEXT_LIT(out, "}");
    }
    TEXT_LIT(out, "}");
    return text_end(out);
}

/* {"receipts": [...]} for subs against the checkpoint note (of size). A
 * submission this request did not append gets the short form
 * {"index", "existing": true} unless it asked for its full receipt, so
 * replaying public entries is answered in a few bytes each. */
static int receipts_text(struct store_txn *r, const struct seq_sub *subs,
                         size_t n, const char *note, size_t note_len,
                         uint64_t size, struct query_status_cache *cache,
                         struct query_text *out)
{
    const struct keymap *km = NULL;
    uint64_t snapshot;
    size_t shared_len;
    struct entry e, map;
    int err;

    text_begin(out);
    /* What every full receipt shares (the checkpoint, the MAP entry at size
     * - 1 with its inclusion proof) is written once at the start of the
     * buffer, copied into each, then dropped. */
    TEXT_LIT(out, ",\"checkpoint\":");
    text_string(out, note, note_len);
    TEXT_LIT(out, ",\"map\":");
    if ((err = entry_proof_text(r, size - 1, size, &map, out)) != 0)
        return err;
    if (map.type != ENTRY_MAP || map.map_index != size - 1)
        return QUERY_ERR_STORE;
    TEXT_LIT(out, "}");
    shared_len = out->len;
    TEXT_LIT(out, "{\"receipts\":[");
    for (size_t i = 0; i < n; i++) {
        const struct seq_sub *s = &subs[i];
        bool full = s->appended || s->full_receipt;
        if (i > 0)
            TEXT_LIT(out, ",");
        if (!full) {
            TEXT_LIT(out, "{\"index\":");
            text_u64(out, s->index);
            TEXT_LIT(out, ",\"existing\":true");
        } else {
            if (km == NULL &&
                ((err = tree_size(r, &snapshot)) != 0 ||
                 (err = cache_keymap(r, snapshot, cache, &km)) != 0))
                return err;
            if ((err = entry_proof_text(r, s->index, size, &e, out)) != 0)
                return err;
        }
        if (s->revoked != SMT_NONE) {
            TEXT_LIT(out, ",\"revoked_index\":");
            text_u64(out, s->revoked);
        }
        if (full) {
            if (text_room(out, shared_len)) {
                memcpy(out->data + out->len, out->data, shared_len);
                out->len += shared_len;
            }
            if ((err = key_text(r, km, &e, s->index, size, cache, out)) != 0)
                return err;
        }
        TEXT_LIT(out, "}");
    }
    TEXT_LIT(out, "]}");
    if ((err = text_end(out)) != 0)
        return err;
    /* Drop the shared part at the start. */
    memmove(out->data, out->data + shared_len, out->len - shared_len);
    out->len -= shared_len;
    return 0;
}

int query_receipts(struct store_txn *r, const struct seq_req *req,
                   struct query_status_cache *cache, struct query_text *out)
{
    return receipts_text(r, req->subs, req->n, req->checkpoint->note,
                         req->checkpoint->len, req->checkpoint->size, cache,
                         out);
}

int query_mark_known(struct store_txn *r, struct seq_sub *subs, size_t n,
                     size_t *known)
{
    uint8_t buf[ENTRY_MAX_SIZE];
    struct store_credential c;
    uint64_t idx;
    size_t len;
    int err;

    *known = 0;
    for (size_t i = 0; i < n; i++) {
        struct seq_sub *s = &subs[i];
        s->known = false;
        s->revoked = SMT_NONE;
        err = store_credential(r, s->e.credential, &c);
        if (err == STORE_ERR_NOTFOUND)
            continue;
        if (err != 0)
            return store_err(err);
        idx = s->e.type == ENTRY_ISSUE ? c.issue_index : c.revoke_index;
        if (idx == SMT_NONE)
            continue;
        if ((err = store_entry(r, idx, buf, sizeof buf, &len)) != 0)
            return store_err(err);
        if (len != s->len || memcmp(buf, s->bytes, len) != 0)
            continue;
        s->known = true;
        s->appended = false;
        s->index = idx;
        s->revoked = s->e.type == ENTRY_ISSUE ? c.revoke_index : SMT_NONE;
        (*known)++;
    }
    return 0;
}

int query_receipts_known(struct store_txn *r, const struct seq_sub *subs,
                         size_t n, struct query_status_cache *cache,
                         struct query_text *out)
{
    char note[CHECKPOINT_TEXT_MAX];
    size_t note_len;
    uint64_t size;
    int err;

    if ((err = query_checkpoint(r, note, sizeof note, &note_len)) != 0 ||
        (err = tree_size(r, &size)) != 0)
        return err;
    return receipts_text(r, subs, n, note, note_len, size, cache, out);
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

/* The keys by add index (every key is added once, at its own index). */
static int added_cmp(const void *a, const void *b)
{
    const struct keymap_key *x = *(const struct keymap_key *const *)a;
    const struct keymap_key *y = *(const struct keymap_key *const *)b;

    return x->added < y->added ? -1 : x->added > y->added;
}

/* {tag name: value} of KEY entry e's identity. */
static json_t *identity_json(const struct entry *e)
{
    json_t *o = json_object();

    for (uint8_t tag = 1; o != NULL && tag <= ENTRY_ID_TAG_MAX; tag++) {
        const uint8_t *v;
        size_t len;
        if (entry_identity_get(e, tag, &v, &len) &&
            set(o, entry_identity_tag_name(tag),
                json_stringn((const char *)v, len)) != 0) {
            json_decref(o);
            return NULL;
        }
    }
    return o;
}

int query_issuers(struct store_txn *r, struct query_status_cache *cache,
                  json_t **out)
{
    char vkey[NOTE_KEY_TEXT_MAX];
    uint8_t buf[ENTRY_MAX_SIZE];
    const struct keymap_key **order = NULL;
    const struct keymap *km;
    json_t *o = json_object(), *list = json_array();
    uint64_t size;
    size_t n;
    int err;

    *out = NULL;
    if (o == NULL || list == NULL ||
        json_object_set_new(o, "issuers", list) != 0) {
        json_decref(o);
        json_decref(list);
        return QUERY_ERR_NOMEM;
    }
    if ((err = tree_size(r, &size)) != 0 ||
        (err = cache_keymap(r, size, cache, &km)) != 0) {
        json_decref(o);
        return err;
    }
    n = keymap_count(km);
    if (n > 0 && (order = malloc(n * sizeof *order)) == NULL) {
        json_decref(o);
        return QUERY_ERR_NOMEM;
    }
    for (size_t i = 0; i < n; i++)
        order[i] = keymap_at(km, i);
    if (n > 0)
        qsort(order, n, sizeof *order, added_cmp);
    for (size_t i = 0; i < n; i++) {
        const struct keymap_key *k = order[i];
        struct note_verifier v;
        struct entry e;
        json_t *item = json_object();
        size_t len;
        int vl;

        memset(&v, 0, sizeof v);
        memcpy(v.name, k->issuer, sizeof v.name);
        v.type = NOTE_TYPE_ED25519;
        v.key_id = note_key_id(k->issuer, NOTE_TYPE_ED25519, k->pub);
        memcpy(v.pub, k->pub, ED25519_PUBLIC_SIZE);
        vl = note_verifier_format(&v, vkey, sizeof vkey);
        err = store_entry(r, k->added, buf, sizeof buf, &len);
        if (err == 0 && (entry_decode(buf, len, &e) != 0 ||
                         e.type != ENTRY_KEY || e.key_op != ENTRY_KEY_ADD))
            err = STORE_ERR_CORRUPT;
        if (err != 0 || vl < 0) {
            json_decref(item);
            json_decref(o);
            free(order);
            return err == STORE_ERR_NOMEM ? QUERY_ERR_NOMEM : QUERY_ERR_STORE;
        }
        /* The list owns item from here (jansson frees it if it cannot). */
        if (item == NULL || json_array_append_new(list, item) != 0 ||
            set(item, "key", json_stringn(vkey, (size_t)vl)) ||
            set(item, "added_index", int_json(k->added)) ||
            set(item, "removed_index",
                k->removed == SMT_NONE ? json_null() : int_json(k->removed)) ||
            set(item, "identity", identity_json(&e))) {
            json_decref(o);
            free(order);
            return QUERY_ERR_NOMEM;
        }
    }
    free(order);
    *out = o;
    return 0;
}
