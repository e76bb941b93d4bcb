/* minilog.c: see minilog.h. */
#include "minilog.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "issuer.h"

void minilog_init(struct minilog *ml, const char *name, uint8_t seed_byte)
{
    uint8_t seed[ED25519_SEED_SIZE];

    memset(ml, 0, sizeof *ml);
    memset(seed, seed_byte, sizeof seed);
    if (note_signer_from_seed(name, seed, &ml->key) != 0)
        abort();
    note_signer_verifier(&ml->key, &ml->vkey);
    issuer_set_origin(name); /* the log issuer_sign_entry() signs for */
    memsmt_init(&ml->smt);
    ml->store = memsmt_store(&ml->smt);
    memsmt_init(&ml->ksmt);
    ml->kstore = memsmt_store(&ml->ksmt);
}

void minilog_free(struct minilog *ml)
{
    for (uint64_t i = 0; i < ml->n; i++)
        free(ml->entries[i]);
    free(ml->entries);
    free(ml->lens);
    free(ml->hashes);
    memsmt_free(&ml->smt);
    memsmt_free(&ml->ksmt);
    free(ml->keys);
    note_signer_wipe(&ml->key);
    memset(ml, 0, sizeof *ml);
}

static struct minilog_key *find_key(const struct minilog *ml,
                                    const char *issuer, const uint8_t *pub,
                                    uint32_t id)
{
    for (size_t k = 0; k < ml->nkeys; k++) {
        struct minilog_key *mk = &ml->keys[k];
        if (strcmp(mk->issuer, issuer) == 0 &&
            (pub != NULL ? memcmp(mk->pub, pub, sizeof mk->pub) == 0
                         : mk->id == id))
            return mk;
    }
    return NULL;
}

static void key_map_set(struct minilog *ml, const struct minilog_key *mk)
{
    struct smt_update u;
    uint8_t root[SMT_HASH_SIZE];

    if (entry_key_map_key(mk->issuer, mk->pub, u.key) != 0)
        abort();
    smt_value_encode(mk->add, mk->remove, u.value);
    if (smt_update(&ml->kstore, &u, 1, root) != 0)
        abort();
}

/* The key map rules of protocol.md Part D for the KEY entry at index i. */
static void apply_key(struct minilog *ml, uint64_t i, const struct entry *e)
{
    struct minilog_key *mk = find_key(ml, e->issuer, e->public_key, 0);

    if (e->key_op == ENTRY_KEY_ADD && mk == NULL) {
        ml->keys = realloc(ml->keys, (ml->nkeys + 1) * sizeof *ml->keys);
        mk = &ml->keys[ml->nkeys++];
        memset(mk, 0, sizeof *mk);
        snprintf(mk->issuer, sizeof mk->issuer, "%s", e->issuer);
        memcpy(mk->pub, e->public_key, sizeof mk->pub);
        mk->id = note_key_id(e->issuer, NOTE_TYPE_ED25519, e->public_key);
        mk->add = i;
        mk->remove = SMT_NONE;
        key_map_set(ml, mk);
    } else if (e->key_op == ENTRY_KEY_REMOVE && mk != NULL &&
               mk->remove == SMT_NONE) {
        mk->remove = i;
        key_map_set(ml, mk);
    }
}

uint64_t minilog_append_raw(struct minilog *ml, const uint8_t *e, size_t len)
{
    struct entry dec;
    uint64_t idx[MERKLE_MAX_NEEDED];
    uint8_t needed[MERKLE_MAX_NEEDED][MERKLE_HASH_SIZE], leaf[MERKLE_HASH_SIZE];
    uint64_t n = ml->n;
    int k = merkle_append_needed(n, idx), add = merkle_append_count(n);

    ml->entries = realloc(ml->entries, (n + 1) * sizeof *ml->entries);
    ml->lens = realloc(ml->lens, (n + 1) * sizeof *ml->lens);
    ml->entries[n] = malloc(len ? len : 1);
    memcpy(ml->entries[n], e, len);
    ml->lens[n] = len;
    if (ml->nhashes + (uint64_t)add > ml->cap) {
        ml->cap = (ml->cap + (uint64_t)add) * 2;
        ml->hashes = realloc(ml->hashes, ml->cap * MERKLE_HASH_SIZE);
    }
    for (int i = 0; i < k; i++)
        memcpy(needed[i], ml->hashes[idx[i]], MERKLE_HASH_SIZE);
    merkle_leaf_hash(e, len, leaf);
    merkle_append_hashes(n, leaf, (const uint8_t(*)[MERKLE_HASH_SIZE])needed,
                         ml->hashes + merkle_stored_count(n));
    ml->nhashes = merkle_stored_count(n) + (uint64_t)add;
    ml->n = n + 1;
    if (entry_decode(e, len, &dec) == 0 && dec.type == ENTRY_KEY)
        apply_key(ml, n, &dec);
    return n;
}

uint64_t minilog_append(struct minilog *ml, const struct entry *e)
{
    uint8_t buf[ENTRY_MAX_SIZE];
    int len = entry_encode(e, buf, sizeof buf);
    if (len < 0)
        abort();
    return minilog_append_raw(ml, buf, (size_t)len);
}

void minilog_map_root(struct minilog *ml, uint8_t root[SMT_HASH_SIZE])
{
    if (smt_root(&ml->store, root) != 0)
        abort();
}

void minilog_map_set(struct minilog *ml, const uint8_t key[32], uint64_t issue,
                     uint64_t revoke)
{
    struct smt_update u;
    uint8_t root[SMT_HASH_SIZE];

    memcpy(u.key, key, 32);
    smt_value_encode(issue, revoke, u.value);
    if (smt_update(&ml->store, &u, 1, root) != 0)
        abort();
}

void minilog_key_root(struct minilog *ml, uint8_t root[SMT_HASH_SIZE])
{
    if (smt_root(&ml->kstore, root) != 0)
        abort();
}

uint64_t minilog_append_map(struct minilog *ml, uint64_t time_ms,
                            const uint8_t *root_override)
{
    return minilog_append_map_keys(ml, time_ms, root_override, NULL);
}

uint64_t minilog_append_map_keys(struct minilog *ml, uint64_t time_ms,
                                 const uint8_t *root_override,
                                 const uint8_t *key_root_override)
{
    struct entry e;

    memset(&e, 0, sizeof e);
    e.version =
        ml->v1 && key_root_override == NULL ? ENTRY_VERSION_1 : ENTRY_VERSION_2;
    if (e.version == ENTRY_VERSION_2 && key_root_override != NULL)
        memcpy(e.key_root, key_root_override, 32);
    else if (e.version == ENTRY_VERSION_2)
        minilog_key_root(ml, e.key_root);
    e.type = ENTRY_MAP;
    e.map_index = ml->n;
    e.timestamp_ms = time_ms;
    if (root_override != NULL)
        memcpy(e.map_root, root_override, 32);
    else
        minilog_map_root(ml, e.map_root);
    return minilog_append(ml, &e);
}

void minilog_key_entry(const struct minilog *ml, struct entry *e, uint8_t op,
                       const struct note_signer *s, uint64_t time_ms)
{
    memset(e, 0, sizeof *e);
    e->version = ml->v1 ? ENTRY_VERSION_1 : ENTRY_VERSION_2;
    e->type = ENTRY_KEY;
    e->key_op = op;
    snprintf(e->issuer, sizeof e->issuer, "%s", s->name);
    memcpy(e->public_key, s->pub, sizeof e->public_key);
    e->timestamp_ms = time_ms;
}

uint64_t minilog_append_key(struct minilog *ml, uint8_t op,
                            const struct note_signer *s, uint64_t time_ms)
{
    struct entry e;

    minilog_key_entry(ml, &e, op, s, time_ms);
    return minilog_append(ml, &e);
}

void minilog_key_auth(const struct minilog *ml, uint64_t index, uint64_t size,
                      struct client_key_auth *a)
{
    struct entry e;
    const struct minilog_key *mk;
    uint8_t key[ENTRY_KEY_MAP_KEY_SIZE];
    int len;

    memset(a, 0, sizeof *a);
    if (entry_decode(ml->entries[index], ml->lens[index], &e) != 0 ||
        (e.type != ENTRY_ISSUE && e.type != ENTRY_REVOKE))
        return;
    if ((mk = find_key(ml, e.issuer, NULL, e.key_id)) == NULL ||
        mk->add >= size)
        return;
    minilog_logged(ml, mk->add, size, &a->key);
    if (entry_key_map_key(mk->issuer, mk->pub, key) != 0 ||
        (len = smt_prove(&ml->kstore, key, a->proof, sizeof a->proof)) < 0)
        abort();
    a->proof_len = (size_t)len;
    a->present = true;
}

void minilog_root(const struct minilog *ml, uint64_t size, uint8_t root[32])
{
    uint64_t idx[MERKLE_MAX_NEEDED];
    uint8_t h[MERKLE_MAX_NEEDED][MERKLE_HASH_SIZE];
    int k = merkle_tree_hash_needed(size, idx);

    for (int i = 0; i < k; i++)
        memcpy(h[i], ml->hashes[idx[i]], 32);
    merkle_tree_hash(size, (const uint8_t(*)[MERKLE_HASH_SIZE])h, root);
}

char *minilog_checkpoint(const struct minilog *ml, uint64_t size)
{
    struct checkpoint cp;
    char body[CHECKPOINT_BODY_MAX + 1], *note = malloc(4096);
    int blen, nlen;

    memset(&cp, 0, sizeof cp);
    snprintf(cp.origin, sizeof cp.origin, "%s", ml->key.name);
    cp.size = size;
    minilog_root(ml, size, cp.root);
    blen = checkpoint_format(&cp, body, sizeof body);
    nlen = blen < 0 ? -1 : note_sign(body, (size_t)blen, &ml->key, note, 4096);
    if (nlen < 0)
        abort();
    return note;
}

size_t minilog_inclusion(const struct minilog *ml, uint64_t index,
                         uint64_t size, uint8_t (*proof)[MERKLE_HASH_SIZE])
{
    uint64_t idx[MERKLE_MAX_NEEDED];
    uint8_t h[MERKLE_MAX_NEEDED][MERKLE_HASH_SIZE];
    int k = merkle_inclusion_needed(index, size, idx), len;

    if (k < 0)
        abort();
    for (int i = 0; i < k; i++)
        memcpy(h[i], ml->hashes[idx[i]], 32);
    len = merkle_inclusion_proof(index, size,
                                 (const uint8_t(*)[MERKLE_HASH_SIZE])h, proof);
    if (len < 0)
        abort();
    return (size_t)len;
}

size_t minilog_consistency(const struct minilog *ml, uint64_t m, uint64_t n,
                           uint8_t (*proof)[MERKLE_HASH_SIZE])
{
    uint64_t idx[MERKLE_MAX_NEEDED];
    uint8_t h[MERKLE_MAX_NEEDED][MERKLE_HASH_SIZE];
    int k = merkle_consistency_needed(m, n, idx), len;

    if (k < 0)
        abort();
    for (int i = 0; i < k; i++)
        memcpy(h[i], ml->hashes[idx[i]], 32);
    len = merkle_consistency_proof(m, n, (const uint8_t(*)[MERKLE_HASH_SIZE])h,
                                   proof);
    if (len < 0)
        abort();
    return (size_t)len;
}

void minilog_logged(const struct minilog *ml, uint64_t index, uint64_t size,
                    struct client_logged_entry *out)
{
    memset(out, 0, sizeof *out);
    out->index = index;
    memcpy(out->entry, ml->entries[index], ml->lens[index]);
    out->entry_len = ml->lens[index];
    out->inclusion_len = minilog_inclusion(ml, index, size, out->inclusion);
}

void minilog_receipt(const struct minilog *ml, uint64_t index, uint64_t size,
                     struct client_receipt *r)
{
    struct entry last;

    memset(r, 0, sizeof *r);
    minilog_logged(ml, index, size, &r->e);
    r->checkpoint = minilog_checkpoint(ml, size);
    r->checkpoint_len = strlen(r->checkpoint);
    if (size > 0 &&
        entry_decode(ml->entries[size - 1], ml->lens[size - 1], &last) == 0 &&
        last.type == ENTRY_MAP) {
        minilog_logged(ml, size - 1, size, &r->map);
        r->has_map = true;
    }
    minilog_key_auth(ml, index, size, &r->auth);
}

void minilog_status(struct minilog *ml, const uint8_t cred[32],
                    struct client_status_proof *sp)
{
    bool found;
    uint8_t value[SMT_VALUE_SIZE];
    uint64_t issue, revoke;
    int len;

    memset(sp, 0, sizeof *sp);
    memcpy(sp->credential, cred, 32);
    sp->checkpoint = minilog_checkpoint(ml, ml->n);
    sp->checkpoint_len = strlen(sp->checkpoint);
    minilog_logged(ml, ml->n - 1, ml->n, &sp->map);
    len = smt_prove(&ml->store, cred, sp->map_proof, sizeof sp->map_proof);
    if (len < 0 || smt_get(&ml->store, cred, &found, value) != 0)
        abort();
    sp->map_proof_len = (size_t)len;
    sp->status = CLIENT_STATUS_UNKNOWN;
    if (!found)
        return;
    smt_value_decode(value, &issue, &revoke);
    sp->has_issue = true;
    minilog_logged(ml, issue, ml->n, &sp->issue);
    minilog_key_auth(ml, issue, ml->n, &sp->issue_auth);
    sp->status = CLIENT_STATUS_ACTIVE;
    if (revoke != SMT_NONE) {
        sp->has_revoke = true;
        minilog_logged(ml, revoke, ml->n, &sp->revoke);
        minilog_key_auth(ml, revoke, ml->n, &sp->revoke_auth);
        sp->status = CLIENT_STATUS_REVOKED;
    }
}

bool minilog_tile(const struct minilog *ml, uint64_t size, const struct tile *t,
                  uint8_t **out, size_t *out_len)
{
    size_t used = 0, cap;
    uint8_t *buf;

    if (!tile_exists(t, size))
        return false;
    if (t->level == TILE_LEVEL_ENTRIES) {
        cap = 0;
        for (unsigned j = 0; j < t->width; j++)
            cap += 2 + ml->lens[t->index * 256 + j];
        buf = malloc(cap);
        for (unsigned j = 0; j < t->width; j++) {
            uint64_t i = t->index * 256 + j;
            if (tile_bundle_append(buf, cap, &used, ml->entries[i],
                                   ml->lens[i]) != 0)
                abort();
        }
    } else {
        cap = (size_t)t->width * 32;
        buf = malloc(cap);
        for (unsigned j = 0; j < t->width; j++) {
            uint64_t si =
                merkle_stored_index(TILE_HEIGHT * t->level, t->index * 256 + j);
            memcpy(buf + used, ml->hashes[si], 32);
            used += 32;
        }
    }
    *out = buf;
    *out_len = used;
    return true;
}
