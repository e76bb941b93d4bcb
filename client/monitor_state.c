/*
 * monitor_state.c: the monitor's state in mstore: the checkpoints it
 * verified, the compact range of the entries it judged, the replay's state,
 * and the store the replay rules run over. See monitor_internal.h and
 * mstore.h for the keys.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/monitor_internal.h"
#include "client/verify.h"
#include "proofs/be.h"
#include "proofs/merkle.h"

int monitor_state_fail(struct run *r, int rc)
{
    const char *what = CREDLOG_ERR_IN(rc, REPLAY_ERR_BASE)
                           ? replay_strerror(rc)
                           : mstore_strerror(rc);

    return client_fail(
        r->why, rc == MSTORE_ERR_NOMEM ? CLIENT_ERR_NOMEM : CLIENT_ERR_STATE,
        "monitor state: %s (%s)", what,
        r->t != NULL ? mstore_error(r->t) : "no transaction");
}

/* ---- the replay's store over the transaction ---- */

static int st_key_get(void *ctx, const char *issuer, uint32_t key_id,
                      uint8_t pub[ED25519_PUBLIC_SIZE], bool *found)
{
    return mstore_key_get(((struct run *)ctx)->t, issuer, key_id, pub, found);
}

static int st_key_put(void *ctx, const char *issuer, uint32_t key_id,
                      const uint8_t pub[ED25519_PUBLIC_SIZE], uint64_t index)
{
    return mstore_key_put(((struct run *)ctx)->t, issuer, key_id, pub, index);
}

static int st_key_del(void *ctx, const char *issuer, uint32_t key_id)
{
    return mstore_key_del(((struct run *)ctx)->t, issuer, key_id);
}

static int st_cred_get(void *ctx, const uint8_t cred[ENTRY_CREDENTIAL_SIZE],
                       struct replay_cred *out, bool *found)
{
    return mstore_cred_get(((struct run *)ctx)->t, cred, &out->issue,
                           &out->revoke, out->issuer, found);
}

/* Also counts, per issuer, what the valid ISSUE or REVOKE did. */
static int st_cred_put(void *ctx, const uint8_t cred[ENTRY_CREDENTIAL_SIZE],
                       const struct replay_cred *c)
{
    struct mstore_txn *t = ((struct run *)ctx)->t;
    bool issued = c->revoke == SMT_NONE;
    int rc = mstore_cred_put(t, cred, c->issue, c->revoke, c->issuer);

    return rc != 0 ? rc
                   : mstore_issuer_add(t, c->issuer, issued ? 1 : 0,
                                       issued ? 0 : 1);
}

static int st_smt_get(void *ctx, unsigned depth,
                      const uint8_t prefix[SMT_KEY_SIZE], struct smt_node *out)
{
    struct smt_store s;

    mstore_smt(((struct run *)ctx)->t, &s);
    return s.get(s.ctx, depth, prefix, out);
}

static int st_smt_put(void *ctx, unsigned depth,
                      const uint8_t prefix[SMT_KEY_SIZE],
                      const struct smt_node *node)
{
    struct smt_store s;

    mstore_smt(((struct run *)ctx)->t, &s);
    return s.put(s.ctx, depth, prefix, node);
}

static int st_keysmt_get(void *ctx, unsigned depth,
                         const uint8_t prefix[SMT_KEY_SIZE],
                         struct smt_node *out)
{
    struct smt_store s;

    mstore_keysmt(((struct run *)ctx)->t, &s);
    return s.get(s.ctx, depth, prefix, out);
}

static int st_keysmt_put(void *ctx, unsigned depth,
                         const uint8_t prefix[SMT_KEY_SIZE],
                         const struct smt_node *node)
{
    struct smt_store s;

    mstore_keysmt(((struct run *)ctx)->t, &s);
    return s.put(s.ctx, depth, prefix, node);
}

void monitor_state_store(struct run *r, struct replay_store *out)
{
    out->ctx = r;
    out->key_get = st_key_get;
    out->key_put = st_key_put;
    out->key_del = st_key_del;
    out->cred_get = st_cred_get;
    out->cred_put = st_cred_put;
    out->map.ctx = r;
    out->map.get = st_smt_get;
    out->map.put = st_smt_put;
    out->keymap.ctx = r;
    out->keymap.get = st_keysmt_get;
    out->keymap.put = st_keysmt_put;
}

/* ---- loading ---- */

/* Reads meta[key] (*v NULL when absent). */
static int meta(struct run *r, struct mstore_txn *t, const char *key,
                uint8_t **v, size_t *len)
{
    bool found;
    int rc;

    *v = NULL;
    *len = 0;
    if ((rc = mstore_meta_get(t, key, v, len, &found)) != 0)
        return client_fail(r->why, CLIENT_ERR_STATE, "monitor state: %s",
                           mstore_error(t));
    if (!found)
        *v = NULL;
    return 0;
}

static int inconsistent(struct run *r, const char *what)
{
    return client_fail(r->why, CLIENT_ERR_STATE, "%s: state is inconsistent%s",
                       r->m->dir, what);
}

/* A state from before "range": the stored hashes of
 * merkle_tree_hash_needed(size), each u64 index || hash. */
static int legacy_range(struct run *r, uint64_t size, const uint8_t *v,
                        size_t len)
{
    uint64_t need[MERKLE_MAX_NEEDED];
    uint8_t h[MERKLE_MAX_NEEDED][MERKLE_HASH_SIZE];
    int k = merkle_tree_hash_needed(size, need);

    if (v == NULL || k < 0 || len != (size_t)k * 40)
        return inconsistent(r, "");
    for (int i = 0; i < k; i++) {
        if (be_get64(v + 40 * i) != need[i])
            return inconsistent(r, "");
        memcpy(h[i], v + 40 * i + 8, MERKLE_HASH_SIZE);
    }
    if (compact_from_stored(&r->c, size,
                            (const uint8_t(*)[MERKLE_HASH_SIZE])h) != 0)
        return inconsistent(r, "");
    return 0;
}

/* A state from before "replay": u8 2 || u64 size || u8 unknown type ||
 * counts || times, assembled from "size", "counts" and "times". */
static int legacy_replay(struct run *r, struct mstore_txn *t, uint64_t size)
{
    uint8_t *counts, *times, *buf;
    size_t clen, tlen;
    int rc;

    if ((rc = meta(r, t, "counts", &counts, &clen)) != 0)
        return rc;
    if ((rc = meta(r, t, "times", &times, &tlen)) != 0) {
        free(counts);
        return rc;
    }
    buf = calloc(1, 42 + tlen);
    if (buf == NULL) {
        free(counts);
        free(times);
        return client_fail(r->why, CLIENT_ERR_NOMEM, "out of memory");
    }
    buf[0] = 2;
    be_put64(buf + 1, size);
    buf[9] = REPLAY_TYPE_UNKNOWN;
    if (counts != NULL && clen == 32)
        memcpy(buf + 10, counts, 32);
    if (times != NULL)
        memcpy(buf + 42, times, tlen);
    free(counts);
    free(times);
    r->replay_state = buf;
    r->replay_state_len = 42 + tlen;
    return 0;
}

/* Loads and verifies a saved checkpoint. */
static int load_note(struct run *r, struct mstore_txn *t, const char *key,
                     char **note, size_t *len, struct checkpoint *cp)
{
    uint8_t *v;
    int rc = meta(r, t, key, &v, len);

    *note = (char *)v;
    if (rc != 0 || v == NULL)
        return rc;
    if (client_verify_checkpoint(*note, *len, &r->m->log, cp, NULL) != 0)
        return client_fail(r->why, CLIENT_ERR_STATE,
                           "%s: the saved checkpoint does not verify",
                           r->m->dir);
    return 0;
}

int monitor_state_load(struct run *r, struct mstore_txn *t)
{
    uint8_t *v, root[MERKLE_HASH_SIZE];
    size_t len;
    uint64_t size;
    int rc;

    compact_init(&r->c);
    if ((rc = load_note(r, t, "checkpoint", &r->anchor, &r->anchor_len,
                        &r->acp)) != 0 ||
        r->anchor == NULL)
        return rc;
    if ((rc = load_note(r, t, "latest", &r->latest, &r->latest_len, &r->lcp)) !=
        0)
        return rc;
    if (r->latest == NULL) { /* a state from before "latest" */
        if ((r->latest = malloc(r->anchor_len + 1)) == NULL)
            return client_fail(r->why, CLIENT_ERR_NOMEM, "out of memory");
        memcpy(r->latest, r->anchor, r->anchor_len + 1);
        r->latest_len = r->anchor_len;
        r->lcp = r->acp;
    }
    if ((rc = meta(r, t, "range", &v, &len)) != 0)
        return rc;
    if (v != NULL) {
        rc = compact_decode(&r->c, v, len) == 0 ? 0 : inconsistent(r, "");
        free(v);
        if (rc != 0)
            return rc;
        if ((rc = meta(r, t, "replay", &r->replay_state,
                       &r->replay_state_len)) != 0)
            return rc;
        if (r->replay_state == NULL)
            return inconsistent(r, "");
    } else { /* a state from before "range" and "replay" */
        if ((rc = meta(r, t, "size", &v, &len)) != 0)
            return rc;
        size = v != NULL && len == 8 ? be_get64(v) : UINT64_MAX;
        free(v);
        if ((rc = meta(r, t, "compact", &v, &len)) != 0)
            return rc;
        rc = legacy_range(r, size, v, len);
        free(v);
        if (rc != 0 || (rc = legacy_replay(r, t, size)) != 0)
            return rc;
    }
    if (r->c.size > r->lcp.size || r->acp.size > r->lcp.size)
        return inconsistent(r, "");
    compact_root(&r->c, root);
    if ((r->c.size == r->lcp.size &&
         memcmp(root, r->lcp.root, MERKLE_HASH_SIZE) != 0) ||
        (r->c.size == r->acp.size &&
         memcmp(root, r->acp.root, MERKLE_HASH_SIZE) != 0))
        return client_fail(r->why, CLIENT_ERR_STATE,
                           "%s: state does not match its checkpoint",
                           r->m->dir);
    r->committed = r->c.size;
    return 0;
}

int monitor_state_restore(struct run *r)
{
    if (r->replay_state == NULL)
        return 0; /* a first run: the replay starts at entry 0 */
    int rc = replay_decode(r->rp, r->replay_state, r->replay_state_len);

    if (rc == REPLAY_ERR_OLD_STATE)
        return client_fail(r->why, CLIENT_ERR_STATE,
                           "%s: the state was saved by a credlog from before "
                           "the key map (entry version 2); move it away and "
                           "run the monitor again to replay the log from "
                           "entry 0",
                           r->m->dir);
    if (rc != 0)
        return inconsistent(r, " (replay)");
    if (r->rp->size != r->c.size)
        return inconsistent(r, "");
    return 0;
}

/* ---- saving ---- */

int monitor_state_save(struct run *r, const char *anchor, size_t anchor_len)
{
    uint8_t range[COMPACT_ENCODED_MAX], *rs = malloc(REPLAY_ENCODED_MAX);
    size_t range_len = compact_encode(&r->c, range);
    int len, rc;

    if (rs == NULL)
        return client_fail(r->why, CLIENT_ERR_NOMEM, "out of memory");
    len = replay_encode(r->rp, rs, REPLAY_ENCODED_MAX);
    if (len < 0)
        rc = monitor_state_fail(r, len);
    else if ((rc = mstore_meta_put(r->t, "range", range, range_len)) != 0 ||
             (rc = mstore_meta_put(r->t, "replay", rs, (size_t)len)) != 0 ||
             (rc = mstore_meta_put(r->t, "checkpoint", anchor, anchor_len)) !=
                 0 ||
             (rc = mstore_meta_put(r->t, "latest", r->note, r->note_len)) != 0)
        rc = monitor_state_fail(r, rc);
    free(rs);
    return rc;
}
