/*
 * test_replay.c: the replay rules in proofs/replay.h, one rule at a time.
 *
 * Logs are built here entry by entry with real Ed25519 signatures; a
 * reference CTL-SMT-v1 map, updated only for the entries the test means to
 * be valid, gives the MAP roots. Each case replays its log over an
 * in-memory store (a hash table behind struct replay_store and struct
 * smt_store) and checks the exact list of violations: index, reason and
 * text. Saved and restored in the middle (over a copy of the store as it
 * was then), a replay reports the same violations and ends in the same
 * state.
 */
#include "check.h"
#include "proofs/replay.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

static const uint64_t T0 = 1767225600000ull; /* 2026-01-01 00:00:00 UTC */
#define LOG_ORIGIN "log.example.org"
#define MIN(n) ((uint64_t)(n)*60 * 1000)

static struct note_signer avans, other, rogue, avans2;

/* ---- an in-memory table: byte-string keys to byte-string values ---- */

#define BUCKETS 4096

struct item {
    struct item *next;
    size_t klen, vlen;
    uint8_t k[300], v[300];
};

struct table {
    struct item *b[BUCKETS];
};

static size_t bucket(const uint8_t *k, size_t len)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < len; i++)
        h = (h ^ k[i]) * 1099511628211ull;
    return (size_t)(h % BUCKETS);
}

static struct item *tget(struct table *t, const void *k, size_t klen)
{
    for (struct item *it = t->b[bucket(k, klen)]; it != NULL; it = it->next)
        if (it->klen == klen && memcmp(it->k, k, klen) == 0)
            return it;
    return NULL;
}

static void tput(struct table *t, const void *k, size_t klen, const void *v,
                 size_t vlen)
{
    struct item *it = tget(t, k, klen);

    if (it == NULL) {
        size_t b = bucket(k, klen);
        it = calloc(1, sizeof *it);
        if (it == NULL)
            abort();
        memcpy(it->k, k, klen);
        it->klen = klen;
        it->next = t->b[b];
        t->b[b] = it;
    }
    memcpy(it->v, v, vlen);
    it->vlen = vlen;
}

static void tdel(struct table *t, const void *k, size_t klen)
{
    for (struct item **p = &t->b[bucket(k, klen)]; *p != NULL; p = &(*p)->next)
        if ((*p)->klen == klen && memcmp((*p)->k, k, klen) == 0) {
            struct item *dead = *p;
            *p = dead->next;
            free(dead);
            return;
        }
}

static void tfree(struct table *t)
{
    for (size_t b = 0; b < BUCKETS; b++)
        while (t->b[b] != NULL) {
            struct item *it = t->b[b];
            t->b[b] = it->next;
            free(it);
        }
}

static void tcopy(struct table *dst, const struct table *src)
{
    memset(dst, 0, sizeof *dst);
    for (size_t b = 0; b < BUCKETS; b++)
        for (const struct item *it = src->b[b]; it != NULL; it = it->next)
            tput(dst, it->k, it->klen, it->v, it->vlen);
}

/* ---- the store: keys, credentials and map nodes, each a table ---- */

struct mem {
    struct table keys, creds, nodes, keynodes;
    int fail; /* nonzero: every key_get returns it */
};

static size_t key_key(uint8_t *buf, const char *issuer, uint32_t id)
{
    size_t n = strlen(issuer);
    memcpy(buf, issuer, n);
    buf[n] = 0;
    memcpy(buf + n + 1, &id, 4);
    return n + 5;
}

static int m_key_get(void *ctx, const char *issuer, uint32_t id,
                     uint8_t pub[ED25519_PUBLIC_SIZE], bool *found)
{
    struct mem *m = ctx;
    uint8_t k[300];
    struct item *it;

    if (m->fail != 0)
        return m->fail;
    it = tget(&m->keys, k, key_key(k, issuer, id));
    *found = it != NULL;
    if (it != NULL)
        memcpy(pub, it->v, ED25519_PUBLIC_SIZE);
    return 0;
}

static int m_key_put(void *ctx, const char *issuer, uint32_t id,
                     const uint8_t pub[ED25519_PUBLIC_SIZE], uint64_t index)
{
    struct mem *m = ctx;
    uint8_t k[300];

    (void)index;
    tput(&m->keys, k, key_key(k, issuer, id), pub, ED25519_PUBLIC_SIZE);
    return 0;
}

static int m_key_del(void *ctx, const char *issuer, uint32_t id)
{
    struct mem *m = ctx;
    uint8_t k[300];

    tdel(&m->keys, k, key_key(k, issuer, id));
    return 0;
}

static int m_cred_get(void *ctx, const uint8_t cred[32], struct replay_cred *c,
                      bool *found)
{
    struct item *it = tget(&((struct mem *)ctx)->creds, cred, 32);

    *found = it != NULL;
    if (it != NULL)
        memcpy(c, it->v, sizeof *c);
    return 0;
}

static int m_cred_put(void *ctx, const uint8_t cred[32],
                      const struct replay_cred *c)
{
    tput(&((struct mem *)ctx)->creds, cred, 32, c, sizeof *c);
    return 0;
}

static int node_get(void *ctx, unsigned depth, const uint8_t prefix[32],
                    struct smt_node *out)
{
    uint8_t k[34];
    struct item *it;

    k[0] = (uint8_t)(depth >> 8);
    k[1] = (uint8_t)depth;
    memcpy(k + 2, prefix, 32);
    it = tget(ctx, k, sizeof k);
    if (it == NULL)
        memset(out, 0, sizeof *out);
    else
        memcpy(out, it->v, sizeof *out);
    return 0;
}

static int node_put(void *ctx, unsigned depth, const uint8_t prefix[32],
                    const struct smt_node *node)
{
    uint8_t k[34];

    k[0] = (uint8_t)(depth >> 8);
    k[1] = (uint8_t)depth;
    memcpy(k + 2, prefix, 32);
    tput(ctx, k, sizeof k, node, sizeof *node);
    return 0;
}

static struct replay_store store_of(struct mem *m)
{
    struct replay_store st = {m,
                              m_key_get,
                              m_key_put,
                              m_key_del,
                              m_cred_get,
                              m_cred_put,
                              {NULL, node_get, node_put},
                              {NULL, node_get, node_put}};
    st.map.ctx = &m->nodes;
    st.keymap.ctx = &m->keynodes;
    return st;
}

static void mem_free(struct mem *m)
{
    tfree(&m->keys);
    tfree(&m->creds);
    tfree(&m->nodes);
    tfree(&m->keynodes);
}

static void mem_copy(struct mem *dst, const struct mem *src)
{
    tcopy(&dst->keys, &src->keys);
    tcopy(&dst->creds, &src->creds);
    tcopy(&dst->nodes, &src->nodes);
    tcopy(&dst->keynodes, &src->keynodes);
    dst->fail = 0;
}

/* ---- a log built by the test ---- */

#define LOG_MAX 4096

struct log {
    uint8_t *e[LOG_MAX];
    size_t len[LOG_MAX];
    uint64_t n;
    struct table ref;  /* the reference map's nodes */
    struct table kref; /* the reference key map's nodes (protocol.md Part D) */
    uint8_t version;   /* of the KEY and MAP entries appended: 0 or 1, 2 */
};

static void log_init(struct log *l)
{
    memset(l, 0, sizeof *l);
}

static void log_free(struct log *l)
{
    for (uint64_t i = 0; i < l->n; i++)
        free(l->e[i]);
    tfree(&l->ref);
    tfree(&l->kref);
}

static uint64_t log_raw(struct log *l, const uint8_t *b, size_t len)
{
    if (l->n == LOG_MAX || (l->e[l->n] = malloc(len + 1)) == NULL)
        abort();
    memcpy(l->e[l->n], b, len);
    l->len[l->n] = len;
    return l->n++;
}

static uint64_t log_add(struct log *l, const struct entry *e)
{
    uint8_t buf[ENTRY_MAX_SIZE];
    int len = entry_encode(e, buf, sizeof buf);

    if (len <= 0)
        abort();
    return log_raw(l, buf, (size_t)len);
}

static void cred_of(uint64_t k, uint8_t out[32])
{
    memset(out, 0, 32);
    for (int i = 0; i < 8; i++)
        out[i] = (uint8_t)(k >> (56 - 8 * i));
    out[31] = 0xc3;
}

/* Sets cred -> (issue, revoke) in the reference map. */
static void ref_set(struct log *l, uint64_t k, uint64_t issue, uint64_t revoke)
{
    struct smt_store st = {&l->ref, node_get, node_put};
    struct smt_update u;
    uint8_t root[32];

    cred_of(k, u.key);
    smt_value_encode(issue, revoke, u.value);
    if (smt_update(&st, &u, 1, root) != 0)
        abort();
}

static void ref_root(struct log *l, uint8_t root[32])
{
    struct smt_store st = {&l->ref, node_get, node_put};

    if (smt_root(&st, root) != 0)
        abort();
}

static void kref_root(struct log *l, uint8_t root[32])
{
    struct smt_store st = {&l->kref, node_get, node_put};

    if (smt_root(&st, root) != 0)
        abort();
}

/* A KEY entry; the reference key map takes it by the definition of
 * protocol.md §B.6.3 (an add of a key never in the map, a first remove),
 * unless the entry is to be invalid (a version 1 KEY after version 2). */
static uint64_t key_entry_v(struct log *l, uint8_t op,
                            const struct note_signer *s, bool valid)
{
    struct smt_store st = {&l->kref, node_get, node_put};
    struct smt_update u;
    struct entry e;
    uint8_t root[32];
    uint64_t i, add, remove;
    bool found;

    memset(&e, 0, sizeof e);
    e.version = l->version;
    e.type = ENTRY_KEY;
    e.key_op = op;
    snprintf(e.issuer, sizeof e.issuer, "%s", s->name);
    memcpy(e.public_key, s->pub, 32);
    e.timestamp_ms = T0;
    i = log_add(l, &e);
    if (entry_key_map_key(s->name, s->pub, u.key) != 0 ||
        smt_get(&st, u.key, &found, u.value) != 0)
        abort();
    smt_value_decode(u.value, &add, &remove);
    if (!valid || (op == ENTRY_KEY_ADD && found) ||
        (op == ENTRY_KEY_REMOVE && (!found || remove != SMT_NONE)))
        return i;
    if (op == ENTRY_KEY_ADD)
        smt_value_encode(i, SMT_NONE, u.value);
    else
        smt_value_encode(add, i, u.value);
    if (smt_update(&st, &u, 1, root) != 0)
        abort();
    return i;
}

static uint64_t key_entry(struct log *l, uint8_t op,
                          const struct note_signer *s)
{
    return key_entry_v(l, op, s, true);
}

/* A MAP entry at ms; root from the reference map unless wrong. */
static uint64_t map_entry(struct log *l, uint64_t ms, bool wrong)
{
    struct entry e;

    memset(&e, 0, sizeof e);
    e.version = l->version;
    e.type = ENTRY_MAP;
    e.map_index = l->n;
    e.timestamp_ms = ms;
    ref_root(l, e.map_root);
    if (e.version == ENTRY_VERSION_2)
        kref_root(l, e.key_root);
    if (wrong)
        e.map_root[3] ^= 0x10;
    return log_add(l, &e);
}

/* A signed ISSUE or REVOKE of credential k by s at ms; valid: the
 * reference map takes it (issue index for a REVOKE in issued_at). */
static uint64_t signed_entry(struct log *l, uint8_t type, uint64_t k,
                             const struct note_signer *s, uint64_t ms,
                             bool valid, uint64_t issued_at)
{
    struct entry e;
    uint64_t i;

    memset(&e, 0, sizeof e);
    e.version = l->version;
    e.type = type;
    cred_of(k, e.credential);
    e.timestamp_ms = ms;
    e.reason = type == ENTRY_REVOKE ? ENTRY_REASON_SUPERSEDED : 0;
    if (entry_sign(&e, LOG_ORIGIN, s) != 0)
        abort();
    i = log_add(l, &e);
    if (valid)
        ref_set(l, k, type == ENTRY_ISSUE ? i : issued_at,
                type == ENTRY_ISSUE ? SMT_NONE : i);
    return i;
}

static uint64_t issue(struct log *l, uint64_t k, const struct note_signer *s,
                      bool valid)
{
    return signed_entry(l, ENTRY_ISSUE, k, s, T0 + l->n, valid, 0);
}

static uint64_t revoke(struct log *l, uint64_t k, const struct note_signer *s,
                       bool valid, uint64_t issued_at)
{
    return signed_entry(l, ENTRY_REVOKE, k, s, T0 + l->n, valid, issued_at);
}

/* The start of every log: avans and other authorized, a MAP entry. */
static void genesis(struct log *l)
{
    log_init(l);
    key_entry(l, ENTRY_KEY_ADD, &avans);
    key_entry(l, ENTRY_KEY_ADD, &other);
    map_entry(l, T0, false);
}

/* ---- replaying ---- */

#define SEEN_MAX 80

struct seen {
    unsigned n;
    struct replay_violation v[SEEN_MAX];
};

static void on_violation(void *ctx, const struct replay_violation *v)
{
    struct seen *s = ctx;
    if (s->n < SEEN_MAX)
        s->v[s->n] = *v;
    s->n++;
}

struct run {
    struct mem m;
    struct replay *rp;
    struct seen seen;
    int rcs[LOG_MAX]; /* what replay_entry returned for each entry */
};

static struct run *run_new(void)
{
    struct run *r = calloc(1, sizeof *r);
    struct replay_store st;

    if (r == NULL || (r->rp = malloc(sizeof *r->rp)) == NULL)
        abort();
    st = store_of(&r->m);
    replay_init(r->rp, &st, LOG_ORIGIN, on_violation, &r->seen);
    return r;
}

static void run_free(struct run *r)
{
    mem_free(&r->m);
    free(r->rp);
    free(r);
}

static void run_to(struct run *r, const struct log *l, uint64_t end)
{
    while (r->rp->size < end) {
        uint64_t i = r->rp->size;
        r->rcs[i] = replay_entry(r->rp, l->e[i], l->len[i], NULL);
    }
}

/* Replays the whole log; checks the violations are exactly want[] (index,
 * reason; NULL-terminated texts must be substrings) and the final map root is
 * the reference's. */
struct want {
    uint64_t index;
    int reason;
    const char *text;
};

static void expect(const char *name, struct log *l, const struct want *want,
                   unsigned nwant)
{
    struct run *r = run_new();
    uint8_t root[32], ref[32];

    run_to(r, l, l->n);
    CHECK_MSG(r->seen.n == nwant, "%s: %u violations, want %u%s%s", name,
              r->seen.n, nwant, r->seen.n ? ": " : "",
              r->seen.n ? r->seen.v[0].text : "");
    for (unsigned k = 0; k < nwant && k < r->seen.n; k++) {
        const struct replay_violation *v = &r->seen.v[k];
        CHECK_MSG(v->index == want[k].index && v->reason == want[k].reason,
                  "%s: violation %u is (%" PRIu64 ", %s), want (%" PRIu64
                  ", %s): %s",
                  name, k, v->index, replay_reason_name(v->reason),
                  want[k].index, replay_reason_name(want[k].reason), v->text);
        CHECK_MSG(want[k].text == NULL || strstr(v->text, want[k].text),
                  "%s: text %s\nwant %s", name, v->text, want[k].text);
        CHECK_MSG(r->rcs[v->at] == REPLAY_ERR_INVALID,
                  "%s: entry %" PRIu64 " returned %d", name, v->at,
                  r->rcs[v->at]);
    }
    if (nwant > 0) {
        const struct replay_violation *f = replay_first_violation(r->rp);
        CHECK(f != NULL && f->index == want[0].index &&
              f->reason == want[0].reason && r->rp->violations == nwant);
    } else {
        CHECK(replay_first_violation(r->rp) == NULL);
        for (uint64_t i = 0; i < l->n; i++)
            CHECK_MSG(r->rcs[i] == 0, "%s: entry %" PRIu64 ": %d", name, i,
                      r->rcs[i]);
    }
    CHECK(replay_map_root(r->rp, root) == 0);
    ref_root(l, ref);
    CHECK_MSG(memcmp(root, ref, 32) == 0, "%s: final map root", name);
    run_free(r);
}

/* ---- the cases ---- */

static void test_valid(void)
{
    struct log l;
    struct run *r;
    uint64_t a, b;

    genesis(&l);
    a = issue(&l, 1, &avans, true);
    b = issue(&l, 2, &other, true);
    map_entry(&l, T0 + 100, false);
    revoke(&l, 1, &avans, true, a);
    map_entry(&l, T0 + 200, false);
    /* A new key of avans's; a removed key's earlier entries stay valid, and
     * its credential can be revoked by the issuer's other key. */
    key_entry(&l, ENTRY_KEY_ADD, &avans2);
    issue(&l, 3, &avans2, true);
    key_entry(&l, ENTRY_KEY_REMOVE, &other);
    map_entry(&l, T0 + 300, false);
    revoke(&l, 2, &other, false, b); /* no longer: see test_authorization */
    revoke(&l, 3, &avans, true, l.n - 4);
    map_entry(&l, T0 + 400, false);
    {
        const struct want w[] = {{l.n - 3, REPLAY_UNAUTHORIZED, NULL}};
        expect("valid", &l, w, 1);
    }

    r = run_new();
    run_to(r, &l, l.n);
    CHECK(r->rp->counts[ENTRY_KEY] == 4 && r->rp->counts[ENTRY_ISSUE] == 3 &&
          r->rp->counts[ENTRY_REVOKE] == 3 && r->rp->counts[ENTRY_MAP] == 5);
    CHECK(replay_checkpoint_end(r->rp, l.n) == 0);
    run_free(r);
    log_free(&l);
}

static void test_authorization(void)
{
    struct log l;
    uint64_t i1, i2, i3, i4, i5, a;

    /* Never authorized; removed; not yet added. (A removed key added again
     * stays unauthorized: test_key_map.) */
    genesis(&l);
    i1 = issue(&l, 1, &rogue, false); /* same name as avans, other key */
    a = issue(&l, 2, &other, true);
    key_entry(&l, ENTRY_KEY_REMOVE, &other);
    i2 = issue(&l, 3, &other, false);
    i3 = revoke(&l, 2, &other, false, a); /* its own, but no longer */
    map_entry(&l, T0 + 100, false);
    i4 = issue(&l, 4, &avans2, false); /* added only after this entry */
    key_entry(&l, ENTRY_KEY_ADD, &avans2);
    i5 = issue(&l, 5, &avans2, true);
    /* avans's new key cannot revoke other's credential either. */
    revoke(&l, 2, &avans2, false, a); /* other's credential, not avans's */
    map_entry(&l, T0 + 200, false);
    {
        char text[200];
        snprintf(text, sizeof text,
                 "entry %" PRIu64 ": ISSUE signed by avans.nl key %08" PRIx32
                 ", which is not authorized at this point of the log: "
                 "unauthorized entry",
                 i1, rogue.key_id);
        const struct want w[] = {
            {i1, REPLAY_UNAUTHORIZED, text},
            {i2, REPLAY_UNAUTHORIZED, "ISSUE signed by other.example key"},
            {i3, REPLAY_UNAUTHORIZED, "REVOKE signed by other.example key"},
            {i4, REPLAY_UNAUTHORIZED, NULL},
            {i5 + 1, REPLAY_FOREIGN_REVOKE, NULL},
        };
        expect("authorization", &l, w, 5);
    }
    CHECK(i5 > i4);
    log_free(&l);
}

static void test_signature(void)
{
    struct log l;
    struct entry e;
    uint64_t i;

    genesis(&l);
    memset(&e, 0, sizeof e);
    e.type = ENTRY_ISSUE;
    cred_of(9, e.credential);
    e.timestamp_ms = T0;
    REQUIRE(entry_sign(&e, NULL, &avans) == 0);
    e.timestamp_ms++; /* no longer what was signed */
    i = log_add(&l, &e);
    e.type = ENTRY_REVOKE;
    e.reason = ENTRY_REASON_MISCONDUCT;
    REQUIRE(entry_sign(&e, NULL, &avans) == 0);
    e.signature[10] ^= 1;
    log_add(&l, &e);
    /* Version 2 signatures cover the log's origin: one made for this log
     * verifies, the same entry made for another log does not. */
    memset(&e, 0, sizeof e);
    e.type = ENTRY_ISSUE;
    e.version = ENTRY_VERSION_2;
    cred_of(10, e.credential);
    e.timestamp_ms = T0;
    REQUIRE(entry_sign(&e, LOG_ORIGIN, &avans) == 0);
    ref_set(&l, 10, log_add(&l, &e), SMT_NONE);
    cred_of(11, e.credential);
    REQUIRE(entry_sign(&e, "another.log.example", &avans) == 0);
    log_add(&l, &e);
    l.version = ENTRY_VERSION_2; /* a MAP v1 now would be too old */
    map_entry(&l, T0 + 10, false);
    {
        const struct want w[] = {
            {i, REPLAY_BAD_SIGNATURE,
             "entry 3: ISSUE signature by avans.nl key"},
            {i + 1, REPLAY_BAD_SIGNATURE, "entry 4: REVOKE signature by"},
            {i + 3, REPLAY_BAD_SIGNATURE, "entry 6: ISSUE signature by"},
        };
        expect("signature", &l, w, 3);
    }
    log_free(&l);
}

/* Verdicts from replay_set_sig_known(): used for exactly the key the
 * replay looks up (a "does not verify" verdict for a good signature is
 * reported as such), ignored for any other key (the replay verifies), and
 * cleared by replay_init(). */
struct oracle {
    uint64_t index;
    uint8_t pub[32];
    bool valid;
    unsigned asked;
};

static bool oracle_known(void *ctx, uint64_t i, const uint8_t pub[32],
                         bool *valid)
{
    struct oracle *o = ctx;

    o->asked++;
    if (i != o->index || memcmp(pub, o->pub, 32) != 0)
        return false;
    *valid = o->valid;
    return true;
}

static void test_sig_known(void)
{
    struct log l;
    struct entry e;
    struct oracle o;
    struct run *r;
    uint64_t i;

    genesis(&l);
    memset(&e, 0, sizeof e);
    e.type = ENTRY_ISSUE;
    e.version = ENTRY_VERSION_2;
    cred_of(12, e.credential);
    e.timestamp_ms = T0;
    REQUIRE(entry_sign(&e, LOG_ORIGIN, &avans) == 0);
    i = log_add(&l, &e);

    /* The right key, a verdict of "bad": reported. */
    r = run_new();
    o = (struct oracle){i, {0}, false, 0};
    memcpy(o.pub, avans.pub, 32);
    replay_set_sig_known(r->rp, oracle_known, &o);
    run_to(r, &l, l.n);
    CHECK(o.asked == 1);
    CHECK(r->seen.n == 1 && r->seen.v[0].index == i &&
          r->seen.v[0].reason == REPLAY_BAD_SIGNATURE);
    run_free(r);

    /* Another key: ignored, the replay verifies (good). */
    r = run_new();
    o = (struct oracle){i, {0}, false, 0};
    memset(o.pub, 0x55, 32);
    replay_set_sig_known(r->rp, oracle_known, &o);
    run_to(r, &l, l.n);
    CHECK(o.asked == 1 && r->seen.n == 0 && r->rcs[i] == 0);
    run_free(r);

    /* replay_init() clears it. */
    r = run_new();
    o = (struct oracle){i, {0}, false, 0};
    memcpy(o.pub, avans.pub, 32);
    replay_set_sig_known(r->rp, oracle_known, &o);
    {
        struct replay_store st = store_of(&r->m);
        replay_init(r->rp, &st, LOG_ORIGIN, on_violation, &r->seen);
    }
    run_to(r, &l, l.n);
    CHECK(o.asked == 0 && r->seen.n == 0);
    run_free(r);
    log_free(&l);
}

static void test_credentials(void)
{
    struct log l;
    uint64_t a, b, d1, d2, u, f, t;

    genesis(&l);
    a = issue(&l, 1, &avans, true);
    b = issue(&l, 2, &other, true);
    d1 = issue(&l, 1, &avans, false); /* again, same issuer */
    d2 = issue(&l, 2, &avans, false); /* another issuer's */
    u = revoke(&l, 77, &avans, false, 0);
    f = revoke(&l, 2, &avans, false, b);
    revoke(&l, 1, &avans, true, a);
    t = revoke(&l, 1, &avans, false, a);
    map_entry(&l, T0 + 100, false);
    {
        const struct want w[] = {
            {d1, REPLAY_ISSUED_TWICE,
             "entry 5: second ISSUE of credential 0000000000000001... (issued "
             "at entry 3 by avans.nl): the log must never append it"},
            {d2, REPLAY_ISSUED_TWICE, "(issued at entry 4 by other.example)"},
            {u, REPLAY_NOT_ISSUED,
             "entry 7: REVOKE by avans.nl of credential 000000000000004d..., "
             "which was never issued"},
            {f, REPLAY_FOREIGN_REVOKE,
             "entry 8: REVOKE by avans.nl of credential 0000000000000002... "
             "issued by other.example: unauthorized entry"},
            {t, REPLAY_REVOKED_TWICE,
             "entry 10: second REVOKE of credential 0000000000000001... "
             "(revoked at entry 9): the log must never append it"},
        };
        expect("credentials", &l, w, 5);
    }
    log_free(&l);
}

static void test_map(void)
{
    struct log l;
    struct entry e;
    uint64_t bad, wrong, after;

    genesis(&l);
    issue(&l, 1, &avans, true);
    memset(&e, 0, sizeof e);
    e.type = ENTRY_MAP;
    e.map_index = l.n + 1;
    e.timestamp_ms = T0 + 10;
    ref_root(&l, e.map_root);
    bad = log_add(&l, &e);
    wrong = map_entry(&l, T0 + 20, true);
    /* An invalid entry changes nothing: the right root leaves it out. */
    issue(&l, 5, &rogue, false);
    after = map_entry(&l, T0 + 30, false);
    {
        const struct want w[] = {
            {bad, REPLAY_MAP_INDEX, "entry 4: MAP entry claims index 5"},
            {wrong, REPLAY_MAP_ROOT,
             "entry 5: wrong MAP root: the revocation map over entries [0, 5) "
             "replays to "},
            {after - 1, REPLAY_UNAUTHORIZED, NULL},
        };
        expect("map", &l, w, 3);
    }
    log_free(&l);
}

/* The key map (protocol.md §B.6.3, Part D): MAP v2 entries commit its
 * root; an add of a key never in it authorizes the key; a repeated add, a
 * remove of a key never added and a second remove change nothing; a key
 * removed and added again stays unauthorized. */
static void test_key_map(void)
{
    struct log l;
    struct run *r;
    struct entry e;
    uint64_t wrong, readd, after, i1, i2;
    uint8_t root[32], ref[32];

    genesis(&l); /* KEY v1, MAP v1: a log from before version 2 */
    l.version = ENTRY_VERSION_2;
    issue(&l, 1, &avans, true);
    map_entry(&l, T0 + 10, false); /* the first MAP v2: covers the KEY v1s */
    key_entry(&l, ENTRY_KEY_ADD, &avans);    /* repeated: nothing */
    key_entry(&l, ENTRY_KEY_REMOVE, &rogue); /* never added: nothing */
    key_entry(&l, ENTRY_KEY_REMOVE, &other);
    key_entry(&l, ENTRY_KEY_REMOVE, &other); /* second remove: nothing */
    map_entry(&l, T0 + 20, false);
    readd = key_entry(&l, ENTRY_KEY_ADD, &other); /* removed: never again */
    i1 = issue(&l, 2, &other, false);
    key_entry(&l, ENTRY_KEY_ADD, &avans2);
    i2 = issue(&l, 3, &avans2, true);
    map_entry(&l, T0 + 30, false);
    /* A MAP v2 whose key root is not the key map's. */
    memset(&e, 0, sizeof e);
    e.version = ENTRY_VERSION_2;
    e.type = ENTRY_MAP;
    e.map_index = l.n;
    e.timestamp_ms = T0 + 40;
    ref_root(&l, e.map_root);
    kref_root(&l, e.key_root);
    e.key_root[0] ^= 0x80;
    wrong = log_add(&l, &e);
    after = map_entry(&l, T0 + 50, false);
    {
        char text[200];
        snprintf(text, sizeof text,
                 "entry %" PRIu64
                 ": wrong MAP key root: the key map over entries [0, %" PRIu64
                 ") replays to ",
                 wrong, wrong);
        const struct want w[] = {
            {i1, REPLAY_UNAUTHORIZED, "ISSUE signed by other.example key"},
            {wrong, REPLAY_KEY_ROOT, text},
        };
        expect("key map", &l, w, 2);
    }
    CHECK(readd + 1 == i1 && i2 < wrong && after == wrong + 1);

    /* The replay's key root is the definition's, entry by entry. */
    r = run_new();
    run_to(r, &l, l.n);
    CHECK(replay_key_root(r->rp, root) == 0);
    kref_root(&l, ref);
    CHECK(memcmp(root, ref, 32) == 0);
    run_free(r);
    log_free(&l);
}

/* The version floor: after the first version 2 entry, of any type, a
 * version 1 entry of any type is invalid and changes nothing; before it,
 * version 1 entries are judged as ever. */
static void test_versions(void)
{
    struct log l;
    uint64_t k1, i1, m1, first;
    struct run *r;

    genesis(&l);
    issue(&l, 1, &avans, true); /* version 1, floor 1: valid */
    map_entry(&l, T0 + 5, false);
    l.version = ENTRY_VERSION_2;
    first = key_entry(&l, ENTRY_KEY_ADD, &avans2); /* raises the floor */
    issue(&l, 2, &avans2, true);
    map_entry(&l, T0 + 10, false);
    l.version = ENTRY_VERSION_1;
    i1 = issue(&l, 3, &avans, false);
    k1 = key_entry_v(&l, ENTRY_KEY_REMOVE, &avans, false);
    m1 = map_entry(&l, T0 + 20, false);
    l.version = ENTRY_VERSION_2;
    issue(&l, 4, &avans, true); /* avans still authorized: the KEY v1 did
                                   nothing */
    map_entry(&l, T0 + 30, false);
    {
        const struct want w[] = {
            {i1, REPLAY_OLD_VERSION,
             "a version 1 ISSUE entry after the log's first version 2 entry"},
            {k1, REPLAY_OLD_VERSION, "a version 1 KEY entry"},
            {m1, REPLAY_OLD_VERSION, "a version 1 MAP entry"},
        };
        expect("versions", &l, w, 3);
    }
    r = run_new();
    run_to(r, &l, first);
    CHECK(r->rp->floor == ENTRY_VERSION_1);
    run_to(r, &l, first + 1);
    CHECK(r->rp->floor == ENTRY_VERSION_2);
    /* A MAP v1 below the floor still ends its checkpoint (reported once). */
    run_to(r, &l, m1 + 1);
    CHECK(replay_checkpoint_end(r->rp, m1 + 1) == 0);
    run_free(r);
    log_free(&l);
}

/* More credentials between two MAP entries than one batch holds, with a
 * REVOKE of a credential issued in the same batch. */
static void test_map_batches(void)
{
    struct log l;
    uint64_t first = 0, second = 0;

    genesis(&l);
    for (uint64_t k = 0; k < REPLAY_MAP_BATCH + 300; k++) {
        uint64_t i = issue(&l, 1000 + k, k % 3 ? &avans : &other, true);
        if (k == 0)
            first = i;
        if (k == 1)
            second = i;
        if (k == 5)
            revoke(&l, 1000, &other, true, first);
    }
    revoke(&l, 1001, &avans, true, second);
    map_entry(&l, T0 + 5000, false);
    expect("batches", &l, NULL, 0);
    log_free(&l);
}

static void test_times(void)
{
    struct log l;
    uint64_t late, back, m;

    genesis(&l); /* MAP at T0 */
    /* Exactly 10 minutes after the next MAP: fine; one ms more is not. */
    signed_entry(&l, ENTRY_ISSUE, 1, &avans, T0 + MIN(70), true, 0);
    late = signed_entry(&l, ENTRY_ISSUE, 2, &avans, T0 + MIN(70) + 1, true, 0);
    m = map_entry(&l, T0 + MIN(60), false);
    map_entry(&l, T0 + MIN(60), false); /* the same time again: fine */
    back = map_entry(&l, T0 + MIN(60) - 1, false);
    {
        const struct want w[] = {
            {late, REPLAY_FUTURE_DATED,
             "entry 4: ISSUE by avans.nl is dated 2026-01-01 01:10:00 UTC, 10 "
             "minutes after the time of the MAP entry that follows it (entry "
             "5, 2026-01-01 01:00:00 UTC): logd refuses timestamps"},
            {back, REPLAY_TIME_BACKWARDS,
             "entry 7: MAP entry dated 2026-01-01 00:59:59 UTC, 1 millisecond "
             "before the MAP entry at 6 (2026-01-01 01:00:00 UTC): the log's "
             "time went backwards"},
        };
        struct run *r = run_new();
        expect("times", &l, w, 2);
        run_to(r, &l, l.n);
        CHECK(r->seen.n == 2 && r->seen.v[0].at == m);
        run_free(r);
    }
    log_free(&l);

    /* Times at the end of the range do not overflow. */
    genesis(&l);
    map_entry(&l, UINT64_MAX - 1, false);
    signed_entry(&l, ENTRY_ISSUE, 1, &avans, UINT64_MAX, true, 0);
    map_entry(&l, UINT64_MAX, false);
    signed_entry(&l, ENTRY_ISSUE, 2, &avans, UINT64_MAX, true, 0);
    map_entry(&l, UINT64_MAX, false);
    expect("times-max", &l, NULL, 0);
    log_free(&l);

    /* Past the entries named one by one, the latest-dated of the rest. */
    genesis(&l);
    for (uint64_t k = 0; k < REPLAY_TIMES_NAMED + 10; k++)
        signed_entry(&l, ENTRY_ISSUE, 100 + k, &avans,
                     T0 + MIN(20) + (k == REPLAY_TIMES_NAMED + 4 ? MIN(1) : k),
                     true, 0);
    map_entry(&l, T0 + MIN(5), false);
    {
        /* The first 64 one by one, then the latest-dated of the other 10. */
        struct run *r = run_new();
        run_to(r, &l, l.n);
        CHECK_MSG(r->seen.n == REPLAY_TIMES_NAMED + 1, "%u", r->seen.n);
        CHECK(r->seen.v[0].index == 3 &&
              r->seen.v[0].reason == REPLAY_FUTURE_DATED);
        CHECK(r->rp->have_first && r->rp->first.index == 3);
        CHECK(r->rp->violations == REPLAY_TIMES_NAMED + 1);
        run_free(r);
    }
    {
        /* Only the last one says how many were not named. */
        struct run *r = run_new();
        const struct replay_violation *v = &r->seen.v[REPLAY_TIMES_NAMED];
        run_to(r, &l, l.n);
        CHECK(strstr(r->seen.v[0].text, "more of them") == NULL);
        CHECK(v->index == 3 + REPLAY_TIMES_NAMED + 4 && v->at == l.n - 1);
        CHECK_MSG(strstr(v->text, "(the latest-dated of 10 entries not "
                                  "checked one by one; more of them may be "
                                  "too)") != NULL,
                  "%s", v->text);
        run_free(r);
    }
    log_free(&l);
}

static void test_undecodable(void)
{
    struct log l;
    const uint8_t junk[] = {1, 9, 0, 0};
    struct run *r;
    struct entry e;

    genesis(&l);
    log_raw(&l, junk, sizeof junk);
    map_entry(&l, T0 + 1, false);
    {
        const struct want w[] = {
            {3, REPLAY_UNDECODABLE, "entry 3: does not decode ("},
        };
        expect("undecodable", &l, w, 1);
    }
    r = run_new();
    CHECK(replay_entry(r->rp, l.e[0], l.len[0], &e) == 0 &&
          e.type == ENTRY_KEY);
    CHECK(replay_entry(r->rp, junk, sizeof junk, &e) == REPLAY_ERR_INVALID &&
          e.type == 0 && r->rp->size == 2);
    /* A decoded entry of no known type is undecodable too. */
    memset(&e, 0, sizeof e);
    e.type = 9;
    CHECK(replay_decoded(r->rp, &e) == REPLAY_ERR_INVALID &&
          r->seen.v[1].reason == REPLAY_UNDECODABLE && r->rp->size == 3);
    run_free(r);
    log_free(&l);
}

static void test_checkpoint_end(void)
{
    struct log l;
    struct run *r;

    genesis(&l);
    issue(&l, 1, &avans, true);
    r = run_new();
    CHECK(replay_checkpoint_end(r->rp, 0) == REPLAY_ERR_ARG);
    run_to(r, &l, 3);
    CHECK(replay_checkpoint_end(r->rp, 3) == 0);
    CHECK(replay_checkpoint_end(r->rp, 4) == REPLAY_ERR_ARG);
    run_to(r, &l, 4);
    CHECK(replay_checkpoint_end(r->rp, 4) == REPLAY_ERR_INVALID);
    CHECK(r->seen.n == 1 && r->seen.v[0].index == 3 &&
          r->seen.v[0].reason == REPLAY_NO_FINAL_MAP &&
          strcmp(r->seen.v[0].text, "the checkpoint of size 4 does not end "
                                    "with a MAP entry") == 0);
    run_free(r);
    log_free(&l);
}

/* A log with a bit of everything, valid and not. */
static void mixed_log(struct log *l)
{
    uint64_t a;

    genesis(l);
    for (uint64_t k = 0; k < 700; k++) {
        uint64_t i = issue(l, k, k % 2 ? &avans : &other, true);
        if (k % 50 == 7)
            revoke(l, k, k % 2 ? &avans : &other, true, i);
        if (k % 97 == 3)
            revoke(l, k, k % 2 ? &other : &avans, false, i); /* foreign */
        if (k % 200 == 199)
            map_entry(l, T0 + l->n, false);
    }
    a = issue(l, 5000, &avans, true);
    key_entry(l, ENTRY_KEY_REMOVE, &avans);
    issue(l, 5001, &avans, false);
    signed_entry(l, ENTRY_ISSUE, 5002, &other, T0 + MIN(30), true, 0);
    map_entry(l, T0 + MIN(1), false);
    key_entry(l, ENTRY_KEY_ADD, &avans); /* removed: never again */
    revoke(l, 5000, &avans, false, a);
    map_entry(l, T0 + MIN(2), false);
    map_entry(l, T0 + MIN(1), false); /* back */
    issue(l, 6000, &other, true);
    l->version = ENTRY_VERSION_2;
    key_entry(l, ENTRY_KEY_ADD, &avans2);
    map_entry(l, T0 + MIN(3), false);
    issue(l, 6001, &avans2, true);
    l->version = ENTRY_VERSION_1;
    key_entry_v(l, ENTRY_KEY_REMOVE, &avans2, false); /* too old */
    issue(l, 6002, &avans2, false);
    l->version = ENTRY_VERSION_2;
    map_entry(l, T0 + MIN(4), true); /* wrong root */
}

/* Saved at every cut (over a copy of the store as it was), restored and
 * continued: the same violations, the same end. */
static void test_save_restore(void)
{
    static const uint64_t cuts[] = {0,   1,   3,   4,   100, 207,
                                    555, 703, 725, 739, 741, 0};
    struct log l;
    struct run *whole = run_new();
    uint8_t root_w[32], root_r[32], enc[REPLAY_ENCODED_MAX];

    mixed_log(&l);
    REQUIRE(l.n > 730);
    run_to(whole, &l, l.n);
    CHECK_MSG(whole->seen.n == 15, "%u", whole->seen.n);
    REQUIRE(replay_map_root(whole->rp, root_w) == 0);
    for (size_t c = 0; c < sizeof cuts / sizeof cuts[0]; c++) {
        struct run *part = run_new(), *back = run_new();
        struct replay_store st;
        int len;

        uint64_t cut = c + 1 < sizeof cuts / sizeof cuts[0] ? cuts[c] : l.n - 1;

        run_to(part, &l, cut);
        len = replay_encode(part->rp, enc, sizeof enc);
        REQUIRE(len > 0);
        CHECK(part->rp->npending == 0);
        mem_copy(&back->m, &part->m);
        st = store_of(&back->m);
        replay_init(back->rp, &st, LOG_ORIGIN, on_violation, &back->seen);
        CHECK(replay_decode(back->rp, enc, (size_t)len) == 0);
        CHECK(back->rp->size == cut);
        back->seen = part->seen; /* the violations before the cut */
        run_to(back, &l, l.n);
        run_to(part, &l, l.n);
        CHECK_MSG(back->seen.n == whole->seen.n, "cut %" PRIu64 ": %u", cut,
                  back->seen.n);
        for (unsigned k = 0; k < whole->seen.n && k < back->seen.n; k++)
            CHECK_MSG(strcmp(back->seen.v[k].text, whole->seen.v[k].text) ==
                              0 &&
                          back->seen.v[k].reason == whole->seen.v[k].reason,
                      "cut %" PRIu64 ": %s\nwant %s", cut, back->seen.v[k].text,
                      whole->seen.v[k].text);
        CHECK(replay_map_root(back->rp, root_r) == 0 &&
              memcmp(root_r, root_w, 32) == 0);
        CHECK(memcmp(back->rp->counts, whole->rp->counts,
                     sizeof back->rp->counts) == 0);
        CHECK(back->rp->last_type == whole->rp->last_type);
        run_free(part);
        run_free(back);
    }
    run_free(whole);
    log_free(&l);
}

static void test_encoding(void)
{
    struct log l;
    struct run *r = run_new(), *b = run_new();
    uint8_t enc[REPLAY_ENCODED_MAX + 1], small[8];
    int len;

    genesis(&l);
    for (uint64_t k = 0; k < 3; k++) /* dated ahead: kept by the time rule */
        signed_entry(&l, ENTRY_ISSUE, k, &avans, T0 + MIN(20), true, 0);
    run_to(r, &l, l.n);
    len = replay_encode(r->rp, enc, sizeof enc - 1);
    REQUIRE(len > 0);
    CHECK(replay_encode(r->rp, small, sizeof small) == REPLAY_ERR_SPACE);
    CHECK(replay_decode(b->rp, enc, (size_t)len) == 0);
    CHECK(b->rp->size == 6 && b->rp->times.n == 3 && b->rp->times.have_map &&
          b->rp->last_type == ENTRY_ISSUE && b->rp->counts[ENTRY_ISSUE] == 3 &&
          b->rp->counts[ENTRY_KEY] == 2);
    /* Every cut but the fixed part alone is refused, as are trailing bytes,
     * another version and an unknown type. */
    for (int cut = 0; cut < len; cut++)
        if (cut != 43)
            CHECK_MSG(replay_decode(b->rp, enc, (size_t)cut) ==
                          REPLAY_ERR_STATE,
                      "cut %d", cut);
    CHECK(b->rp->size == 0);
    enc[len] = 0;
    CHECK(replay_decode(b->rp, enc, (size_t)len + 1) == REPLAY_ERR_STATE);
    enc[0] = 1;
    CHECK(replay_decode(b->rp, enc, (size_t)len) == REPLAY_ERR_STATE);
    /* A state saved before the key map: its store has none. */
    enc[0] = 2;
    CHECK(replay_decode(b->rp, enc, (size_t)len) == REPLAY_ERR_OLD_STATE);
    CHECK(b->rp->size == 0);
    enc[0] = 3;
    enc[42] = 3; /* no such version floor */
    CHECK(replay_decode(b->rp, enc, (size_t)len) == REPLAY_ERR_STATE);
    enc[42] = 1;
    enc[9] = 7;
    CHECK(replay_decode(b->rp, enc, (size_t)len) == REPLAY_ERR_STATE);
    /* Without times (a state from before them) and with an unknown last
     * type: the time rules start at the next MAP entry, the checkpoint rule
     * cannot be judged. */
    enc[9] = REPLAY_TYPE_UNKNOWN;
    CHECK(replay_decode(b->rp, enc, 43) == 0 && !b->rp->times.have_map &&
          b->rp->size == 6);
    CHECK(replay_checkpoint_end(b->rp, 6) == REPLAY_ERR_ARG);
    CHECK(replay_strerror(REPLAY_ERR_STATE) != replay_strerror(REPLAY_ERR_ARG));
    CHECK(replay_reason_name(REPLAY_NO_FINAL_MAP) != NULL &&
          replay_reason_name(REPLAY_KEY_ROOT) != NULL &&
          replay_reason_name(0) == NULL && replay_reason_name(15) == NULL);
    run_free(r);
    run_free(b);
    log_free(&l);
}

/* A store failure comes back as the store's own code. */
static void test_store_errors(void)
{
    struct log l;
    struct run *r = run_new();

    genesis(&l);
    issue(&l, 1, &avans, true);
    run_to(r, &l, 3);
    r->m.fail = -4242;
    CHECK(replay_entry(r->rp, l.e[3], l.len[3], NULL) == -4242);
    CHECK(r->seen.n == 0);
    run_free(r);
    log_free(&l);
}

int main(void)
{
    uint8_t seed[32];

    memset(seed, 1, sizeof seed);
    note_signer_from_seed("avans.nl", seed, &avans);
    memset(seed, 2, sizeof seed);
    note_signer_from_seed("other.example", seed, &other);
    memset(seed, 3, sizeof seed);
    note_signer_from_seed("avans.nl", seed, &rogue);
    memset(seed, 4, sizeof seed);
    note_signer_from_seed("avans.nl", seed, &avans2);

    test_valid();
    test_authorization();
    test_signature();
    test_sig_known();
    test_credentials();
    test_map();
    test_key_map();
    test_versions();
    test_map_batches();
    test_times();
    test_undecodable();
    test_checkpoint_end();
    test_save_restore();
    test_encoding();
    test_store_errors();
    return check_finish();
}
