/*
 * test_logd_util.h: helpers shared by the logd integration tests (header
 * only; every test_logd_*.c includes it once). They act as an outside
 * verifier would: submissions are signed here with proofs/entry.h, every
 * answer is checked with proofs/ and the log's verifier key only, and the
 * whole log is mirrored through C2SP tiles and replayed with a naive,
 * independent computation of the Merkle roots and of CTL-SMT-v1 map roots.
 */
#ifndef CREDLOG_TEST_LOGD_UTIL_H
#define CREDLOG_TEST_LOGD_UTIL_H

#include "check.h"
#include "logd_proc.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/sha.h>

#include "client/http.h"
#include "proofs/codec.h"
#include "proofs/entry.h"
#include "proofs/merkle.h"
#include "proofs/checkpoint.h"
#include "proofs/note.h"
#include "proofs/smt.h"
#include "proofs/tile.h"

struct issuer {
    struct note_signer s;
    struct note_verifier v;
};

static inline uint64_t util_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static inline void issuer_make(struct issuer *is, const char *name)
{
    if (note_signer_generate(name, &is->s) != 0)
        abort();
    note_signer_verifier(&is->s, &is->v);
}

static inline void random_cred(uint64_t *rnd, uint8_t cred[32])
{
    for (int k = 0; k < 32; k += 8) {
        uint64_t x = check_rand(rnd);
        memcpy(cred + k, &x, 8);
    }
}

/* A signed ISSUE or REVOKE entry. */
static inline void make_entry(struct entry *e, uint8_t type,
                              const uint8_t cred[32], const struct issuer *is,
                              uint64_t ts, uint8_t reason)
{
    memset(e, 0, sizeof *e);
    e->type = type;
    memcpy(e->credential, cred, 32);
    e->timestamp_ms = ts;
    e->reason = type == ENTRY_REVOKE ? reason : 0;
    if (entry_sign(e, NULL, &is->s) != 0)
        abort();
}

static inline size_t entry_bytes(const struct entry *e, uint8_t *buf)
{
    int n = entry_encode(e, buf, ENTRY_MAX_SIZE);

    if (n < 0)
        abort();
    return (size_t)n;
}

/* The submission JSON object of a signed entry (api.md). */
static inline json_t *sub_json(const struct entry *e)
{
    char hex[65], kid[9], sig[CODEC_B64_LEN(64) + 1];
    json_t *o = json_object();

    codec_hex_encode(e->credential, 32, hex);
    snprintf(kid, sizeof kid, "%08x", (unsigned)e->key_id);
    codec_b64_encode(e->signature, 64, sig);
    json_object_set_new(
        o, "type", json_string(e->type == ENTRY_ISSUE ? "issue" : "revoke"));
    json_object_set_new(o, "credential_hash", json_string(hex));
    json_object_set_new(o, "issuer", json_string(e->issuer));
    json_object_set_new(o, "key_id", json_string(kid));
    json_object_set_new(o, "timestamp_ms",
                        json_integer((json_int_t)e->timestamp_ms));
    json_object_set_new(o, "signature", json_string(sig));
    if (e->type == ENTRY_REVOKE)
        json_object_set_new(o, "reason", json_integer(e->reason));
    return o;
}

/* POSTs raw body text to /v1/entries; returns the status (or -1) and the
 * parsed JSON answer in *out (NULL if none). */
static inline int post_raw(struct client_http *h, const char *body, size_t len,
                           json_t **out)
{
    struct client_http_response r;
    int status;

    if (out != NULL)
        *out = NULL;
    if (client_http_request(h, "POST", "/v1/entries", "application/json", body,
                            len, &r) != 0) {
        fprintf(stderr, "POST failed: %s\n", client_http_last_error(h));
        return -1;
    }
    status = r.status;
    if (out != NULL)
        *out = json_loadb(r.body, r.body_len, 0, NULL);
    client_http_response_free(&r);
    return status;
}

/* POSTs {"entries": arr} (taking arr). */
static inline int post_entries(struct client_http *h, json_t *arr, json_t **out)
{
    json_t *body = json_object();
    char *text;
    int status;

    json_object_set_new(body, "entries", arr);
    text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    status = post_raw(h, text, strlen(text), out);
    free(text);
    return status;
}

/* GETs path; returns the status and the body as JSON (NULL if not JSON). */
static inline json_t *get_json(struct client_http *h, const char *path,
                               int *status)
{
    struct client_http_response r;
    json_t *j;

    *status = -1;
    if (client_http_get(h, path, &r) != 0) {
        fprintf(stderr, "GET %s failed: %s\n", path, client_http_last_error(h));
        return NULL;
    }
    *status = r.status;
    j = json_loadb(r.body, r.body_len, 0, NULL);
    client_http_response_free(&r);
    return j;
}

/* GETs /checkpoint and opens it with the log key. Returns its size or -1. */
static inline int64_t get_checkpoint(struct client_http *h,
                                     const struct logd_proc *p,
                                     struct checkpoint *cp, char **note)
{
    struct client_http_response r;
    struct checkpoint tmp;
    int64_t size = -1;

    if (cp == NULL)
        cp = &tmp;
    if (client_http_get(h, "/checkpoint", &r) != 0)
        return -1;
    if (r.status == 200 &&
        strcmp(r.content_type, "text/plain; charset=utf-8") == 0 &&
        checkpoint_open(r.body, r.body_len, &p->log_verifier, cp) == 0)
        size = (int64_t)cp->size;
    if (note != NULL)
        *note = size >= 0 ? strdup(r.body) : NULL;
    client_http_response_free(&r);
    return size;
}

static inline int json_hash_list(const json_t *arr, uint8_t (*out)[32],
                                 size_t cap)
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

static inline int json_b64(const json_t *s, uint8_t *out, size_t cap)
{
    if (!json_is_string(s))
        return -1;
    return codec_b64_decode(json_string_value(s), json_string_length(s), out,
                            cap);
}

/* Checks {"index", "entry", "inclusion"} against (size, root): the entry is
 * included at index. Copies the entry into e (if not NULL). */
static inline bool check_included(const json_t *o, uint64_t size,
                                  const uint8_t root[32], uint64_t *index,
                                  uint8_t *ebuf, size_t *elen)
{
    uint8_t buf[ENTRY_MAX_SIZE], leaf[32], proof[MERKLE_MAX_PROOF][32];
    const json_t *ji = json_object_get(o, "index");
    int n, len;

    if (!json_is_integer(ji) || json_integer_value(ji) < 0)
        return false;
    len = json_b64(json_object_get(o, "entry"), buf, sizeof buf);
    n = json_hash_list(json_object_get(o, "inclusion"), proof,
                       MERKLE_MAX_PROOF);
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

/* Verifies a receipt completely: checkpoint signature (log key), inclusion
 * of the entry in it, and (if want is not NULL) the entry bytes. */
static inline bool check_receipt(const struct logd_proc *p, const json_t *rec,
                                 const uint8_t *want, size_t want_len,
                                 uint64_t *index, struct checkpoint *cp_out)
{
    const json_t *note = json_object_get(rec, "checkpoint");
    struct checkpoint cp;
    uint8_t buf[ENTRY_MAX_SIZE];
    size_t len;

    if (!json_is_string(note) ||
        checkpoint_open(json_string_value(note), json_string_length(note),
                        &p->log_verifier, &cp) != 0)
        return false;
    if (!check_included(rec, cp.size, cp.root, index, buf, &len))
        return false;
    if (want != NULL && (len != want_len || memcmp(buf, want, len) != 0))
        return false;
    if (cp_out != NULL)
        *cp_out = cp;
    return true;
}

/* Verifies a status proof completely, as a verifier knowing only the log key
 * and docs/protocol.md would, and that its status is want. */
static inline bool check_status(const struct logd_proc *p, const json_t *st,
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
    if (!check_included(map, cp.size, cp.root, &idx, ebuf, &elen) ||
        idx != cp.size - 1 || entry_decode(ebuf, elen, &me) != 0 ||
        me.type != ENTRY_MAP || me.map_index != cp.size - 1)
        return false;
    plen = json_b64(json_object_get(st, "map_proof"), proof, sizeof proof);
    if (plen < 0 || smt_verify(proof, (size_t)plen, me.map_root, &info) != 0 ||
        memcmp(info.key, cred, 32) != 0)
        return false;
    if (strcmp(want, "unknown") == 0)
        return info.kind != SMT_PROOF_PRESENT && issue == NULL &&
               revoke == NULL;
    if (info.kind != SMT_PROOF_PRESENT || issue == NULL)
        return false;
    if (!check_included(issue, cp.size, cp.root, &idx, ebuf, &elen) ||
        idx != info.issue_index || entry_decode(ebuf, elen, &e) != 0 ||
        e.type != ENTRY_ISSUE || memcmp(e.credential, cred, 32) != 0)
        return false;
    if (strcmp(want, "active") == 0)
        return info.revoke_index == SMT_NONE && revoke == NULL;
    if (info.revoke_index == SMT_NONE || revoke == NULL ||
        !check_included(revoke, cp.size, cp.root, &idx, ebuf, &elen) ||
        idx != info.revoke_index || entry_decode(ebuf, elen, &e) != 0 ||
        e.type != ENTRY_REVOKE || memcmp(e.credential, cred, 32) != 0)
        return false;
    return true;
}

/* ---- an independent mirror of the log, read through C2SP tiles ---- */

struct mirror {
    uint64_t n;
    uint8_t (*entry)[ENTRY_MAX_SIZE];
    size_t *len;
    uint8_t (*leaf)[32];
};

static inline void mirror_free(struct mirror *m)
{
    free(m->entry);
    free(m->len);
    free(m->leaf);
    memset(m, 0, sizeof *m);
}

/* RFC 6962 MTH of leaves[0..n), the textbook recursion. */
static inline void naive_mth(const uint8_t (*leaves)[32], uint64_t n,
                             uint8_t out[32])
{
    uint8_t l[32], r[32], buf[65];
    uint64_t k = 1;

    if (n == 0) {
        SHA256((const uint8_t *)"", 0, out);
        return;
    }
    if (n == 1) {
        memcpy(out, leaves[0], 32);
        return;
    }
    while (k * 2 < n)
        k *= 2;
    naive_mth(leaves, k, l);
    naive_mth(leaves + k, n - k, r);
    buf[0] = 1;
    memcpy(buf + 1, l, 32);
    memcpy(buf + 33, r, 32);
    SHA256(buf, 65, out);
}

static inline bool fetch_tile(struct client_http *h, const struct tile *t,
                              struct client_http_response *r)
{
    char path[TILE_PATH_MAX + 1];

    path[0] = '/';
    if (tile_format_path(t, path + 1, sizeof path - 1) < 0)
        return false;
    if (client_http_get(h, path, r) != 0)
        return false;
    if (r->status != 200 ||
        strcmp(r->content_type, "application/octet-stream") != 0 ||
        (t->width == TILE_WIDTH) !=
            (strcmp(r->cache_control, "public, max-age=31536000, immutable") ==
             0)) {
        fprintf(stderr, "tile %s: status %d, type %s, cache %s\n", path,
                r->status, r->content_type, r->cache_control);
        client_http_response_free(r);
        return false;
    }
    return true;
}

/* Reads entries [0, size) through entry bundles, and checks every hash tile
 * at levels 0 and 1 against leaf hashes computed here. */
static inline bool mirror_fetch(struct client_http *h, struct mirror *m,
                                uint64_t size)
{
    struct client_http_response r;
    bool ok = true;

    mirror_free(m);
    m->entry = malloc((size_t)size * sizeof *m->entry + 1);
    m->len = malloc((size_t)size * sizeof *m->len + 1);
    m->leaf = malloc((size_t)size * sizeof *m->leaf + 1);
    for (uint64_t first = 0; ok && first < size; first += TILE_WIDTH) {
        struct tile t = {
            TILE_LEVEL_ENTRIES, first / TILE_WIDTH,
            (unsigned)(size - first < TILE_WIDTH ? size - first : TILE_WIDTH)};
        size_t pos = 0, len;
        const uint8_t *e;
        int rc;
        if (!fetch_tile(h, &t, &r))
            return false;
        while ((rc = tile_bundle_next((uint8_t *)r.body, r.body_len, &pos, &e,
                                      &len)) == 1) {
            if (m->n >= first + t.width || len > ENTRY_MAX_SIZE) {
                ok = false;
                break;
            }
            memcpy(m->entry[m->n], e, len);
            m->len[m->n] = len;
            merkle_leaf_hash(e, len, m->leaf[m->n]);
            m->n++;
        }
        ok = ok && rc == 0 && m->n == first + t.width;
        client_http_response_free(&r);
    }
    for (int level = 0; ok && level < 2; level++) {
        uint64_t items = size >> (8 * level);
        for (uint64_t first = 0; ok && first < items; first += TILE_WIDTH) {
            struct tile t = {level, first / TILE_WIDTH,
                             (unsigned)(items - first < TILE_WIDTH
                                            ? items - first
                                            : TILE_WIDTH)};
            if (!fetch_tile(h, &t, &r))
                return false;
            ok = r.body_len == (size_t)t.width * 32;
            for (unsigned j = 0; ok && j < t.width; j++) {
                uint8_t want[32];
                uint64_t k = first + j;
                if (level == 0)
                    memcpy(want, m->leaf[k], 32);
                else
                    naive_mth((const uint8_t(*)[32])m->leaf + k * 256, 256,
                              want);
                ok = memcmp(r.body + 32 * j, want, 32) == 0;
            }
            client_http_response_free(&r);
        }
    }
    return ok;
}

/* ---- independent replay of KEY, ISSUE, REVOKE and MAP entries ---- */

struct rcred {
    uint8_t key[32];
    uint64_t issue, revoke;
    char issuer[NOTE_NAME_MAX + 1];
};

static inline int rcred_find(const struct rcred *c, size_t n,
                             const uint8_t key[32], size_t *pos)
{
    size_t lo = 0, hi = n;

    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int d = memcmp(c[mid].key, key, 32);
        if (d == 0) {
            *pos = mid;
            return 1;
        }
        if (d < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    *pos = lo;
    return 0;
}

/* CTL-SMT-v1 root of sorted keys, straight from the definition. */
static inline void naive_smt(const struct rcred *c, size_t n, unsigned depth,
                             uint8_t out[32])
{
    uint8_t buf[65];
    size_t m = 0;

    if (n == 0) {
        memset(out, 0, 32);
        return;
    }
    if (n == 1) {
        buf[0] = 0;
        memcpy(buf + 1, c[0].key, 32);
        for (int i = 0; i < 8; i++) {
            buf[33 + i] = (uint8_t)(c[0].issue >> (56 - 8 * i));
            buf[41 + i] = (uint8_t)(c[0].revoke >> (56 - 8 * i));
        }
        SHA256(buf, 49, out);
        return;
    }
    while (m < n && ((c[m].key[depth >> 3] >> (7 - (depth & 7))) & 1) == 0)
        m++;
    buf[0] = 1;
    naive_smt(c, m, depth + 1, buf + 1);
    naive_smt(c + m, n - m, depth + 1, buf + 33);
    SHA256(buf, 65, out);
}

struct rkey {
    char name[NOTE_NAME_MAX + 1];
    uint8_t pub[32];
};

/* Replays [0, n): every entry decodes; KEY entries change the authorized
 * set; every ISSUE/REVOKE is signed by an authorized key of its issuer and
 * obeys the exactly-once rules; every MAP entry has its own index and the
 * map root of everything before it; the last entry is a MAP. Counts entries
 * by type into counts[1..4] if not NULL. */
static inline bool mirror_replay(const struct mirror *m, uint64_t *counts)
{
    struct rcred *c = calloc((size_t)m->n + 1, sizeof *c);
    struct rkey *k = calloc((size_t)m->n + 1, sizeof *k);
    size_t nc = 0, nk = 0;
    bool ok = m->n > 0;
    struct entry e;

    for (uint64_t i = 0; ok && i < m->n; i++) {
        size_t pos;
        if (entry_decode(m->entry[i], m->len[i], &e) != 0) {
            fprintf(stderr, "replay: entry %llu does not decode\n",
                    (unsigned long long)i);
            ok = false;
            break;
        }
        if (counts != NULL && e.type <= 4)
            counts[e.type]++;
        if (e.type == ENTRY_KEY) {
            size_t j;
            for (j = 0; j < nk; j++)
                if (strcmp(k[j].name, e.issuer) == 0 &&
                    memcmp(k[j].pub, e.public_key, 32) == 0)
                    break;
            if (e.key_op == ENTRY_KEY_ADD && j == nk) {
                snprintf(k[nk].name, sizeof k[nk].name, "%s", e.issuer);
                memcpy(k[nk++].pub, e.public_key, 32);
            } else if (e.key_op == ENTRY_KEY_REMOVE && j < nk) {
                k[j] = k[--nk];
            } else {
                ok = false;
            }
        } else if (e.type == ENTRY_ISSUE || e.type == ENTRY_REVOKE) {
            size_t j;
            for (j = 0; j < nk; j++)
                if (strcmp(k[j].name, e.issuer) == 0 &&
                    note_key_id(e.issuer, NOTE_TYPE_ED25519, k[j].pub) ==
                        e.key_id)
                    break;
            if (j == nk || entry_verify(&e, NULL, k[j].pub) != 0) {
                fprintf(stderr,
                        "replay: entry %llu not signed by an authorized key\n",
                        (unsigned long long)i);
                ok = false;
                break;
            }
            int found = rcred_find(c, nc, e.credential, &pos);
            if (e.type == ENTRY_ISSUE) {
                if (found) {
                    ok = false;
                    break;
                }
                memmove(c + pos + 1, c + pos, (nc - pos) * sizeof *c);
                memcpy(c[pos].key, e.credential, 32);
                c[pos].issue = i;
                c[pos].revoke = SMT_NONE;
                snprintf(c[pos].issuer, sizeof c[pos].issuer, "%s", e.issuer);
                nc++;
            } else {
                if (!found || c[pos].revoke != SMT_NONE ||
                    strcmp(c[pos].issuer, e.issuer) != 0) {
                    ok = false;
                    break;
                }
                c[pos].revoke = i;
            }
        } else if (e.type == ENTRY_MAP) {
            uint8_t root[32];
            naive_smt(c, nc, 0, root);
            if (e.map_index != i || memcmp(root, e.map_root, 32) != 0) {
                fprintf(stderr, "replay: MAP entry %llu is wrong\n",
                        (unsigned long long)i);
                ok = false;
            }
        } else {
            ok = false;
        }
    }
    if (ok && (entry_decode(m->entry[m->n - 1], m->len[m->n - 1], &e) != 0 ||
               e.type != ENTRY_MAP))
        ok = false;
    free(c);
    free(k);
    return ok;
}

#endif
