/*
 * replay.c: the replay rules for keys, credentials and the map. See
 * replay.h; the time rules are in replay_time.c.
 *
 * Map updates wait in rp->pending until the next MAP entry (or a flush), so
 * one smt_update() hashes the shared upper paths of a whole batch once. A
 * credential appears at most once in a batch: its REVOKE after its ISSUE in
 * the same batch flushes first (smt_update() wants distinct keys).
 */
#include "proofs/replay_internal.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proofs/be.h"
#include "proofs/codec.h"

#define STATE_VERSION 3
#define STATE_VERSION_OLD 2 /* before the key map and the version floor */

const char *replay_strerror(int err)
{
    switch (err) {
    case REPLAY_OK:
        return "success";
    case REPLAY_ERR_INVALID:
        return "replay: the entry breaks the log's rules";
    case REPLAY_ERR_STATE:
        return "replay: malformed saved state";
    case REPLAY_ERR_SPACE:
        return "replay: output buffer too small";
    case REPLAY_ERR_ARG:
        return "replay: call out of order";
    case REPLAY_ERR_MAP:
        return "replay: the map store failed";
    case REPLAY_ERR_OLD_STATE:
        return "replay: the state was saved before the key map (credlog "
               "older than entry version 2): replay the log from entry 0";
    default:
        return "unknown replay error";
    }
}

const char *replay_reason_name(int reason)
{
    static const char *const names[] = {
        NULL,           "undecodable", "unauthorized",   "bad_signature",
        "issued_twice", "not_issued",  "foreign_revoke", "revoked_twice",
        "map_index",    "map_root",    "time_backwards", "future_dated",
        "no_final_map", "old_version", "key_root",
    };

    if (reason < 1 || (size_t)reason >= sizeof names / sizeof names[0])
        return NULL;
    return names[reason];
}

void replay_init(struct replay *rp, const struct replay_store *st,
                 const char *origin, replay_violation_fn on_violation,
                 void *ctx)
{
    memset(rp, 0, offsetof(struct replay, pending));
    rp->st = *st;
    snprintf(rp->origin, sizeof rp->origin, "%s", origin ? origin : "");
    rp->on_violation = on_violation;
    rp->ctx = ctx;
    rp->floor = ENTRY_VERSION_1;
    replay_times_init(&rp->times);
}

void replay_set_sig_known(struct replay *rp, replay_sig_known_fn known,
                          void *ctx)
{
    rp->sig_known = known;
    rp->sig_ctx = ctx;
}

void replay_report(struct replay *rp, uint64_t index, uint64_t at, int reason,
                   const char *fmt, ...)
{
    struct replay_violation v;
    va_list ap;

    v.index = index;
    v.at = at;
    v.reason = reason;
    va_start(ap, fmt);
    vsnprintf(v.text, sizeof v.text, fmt, ap);
    va_end(ap);
    if (!rp->have_first) {
        rp->first = v;
        rp->have_first = true;
    }
    rp->violations++;
    if (rp->on_violation != NULL)
        rp->on_violation(rp->ctx, &v);
}

const struct replay_violation *replay_first_violation(const struct replay *rp)
{
    return rp->have_first ? &rp->first : NULL;
}

/* The first 8 bytes of a hash in hex, as the texts show them. */
static const char *short_hex(const uint8_t *b, char buf[17])
{
    codec_hex_encode(b, 8, buf);
    return buf;
}

/* ---- the map ---- */

static int update_cmp(const void *a, const void *b)
{
    return memcmp(((const struct smt_update *)a)->key,
                  ((const struct smt_update *)b)->key, SMT_KEY_SIZE);
}

int replay_flush(struct replay *rp)
{
    uint8_t root[SMT_HASH_SIZE];
    size_t n = rp->npending;

    if (n == 0)
        return 0;
    qsort(rp->pending, n, sizeof *rp->pending, update_cmp);
    if (smt_update(&rp->st.map, rp->pending, n, root) != 0)
        return REPLAY_ERR_MAP;
    rp->npending = 0;
    return 0;
}

int replay_map_root(struct replay *rp, uint8_t root[SMT_HASH_SIZE])
{
    int rc = replay_flush(rp);

    if (rc != 0)
        return rc;
    return smt_root(&rp->st.map, root) == 0 ? 0 : REPLAY_ERR_MAP;
}

/* Queues cred -> (issue, revoke). */
static int map_set(struct replay *rp, const uint8_t cred[SMT_KEY_SIZE],
                   uint64_t issue, uint64_t revoke)
{
    struct smt_update *u;
    int rc;

    for (size_t k = 0; revoke != SMT_NONE && k < rp->npending; k++)
        if (memcmp(rp->pending[k].key, cred, SMT_KEY_SIZE) == 0) {
            if ((rc = replay_flush(rp)) != 0)
                return rc;
            break;
        }
    if (rp->npending == REPLAY_MAP_BATCH && (rc = replay_flush(rp)) != 0)
        return rc;
    u = &rp->pending[rp->npending++];
    memcpy(u->key, cred, SMT_KEY_SIZE);
    smt_value_encode(issue, revoke, u->value);
    return 0;
}

/* ---- the rules ---- */

/* The authorization and signature rules shared by ISSUE and REVOKE: sets
 * *ok when e is validly signed by a key authorized at index i. */
static int check_signed(struct replay *rp, uint64_t i, const struct entry *e,
                        bool *ok)
{
    uint8_t pub[ED25519_PUBLIC_SIZE];
    const char *what = e->type == ENTRY_ISSUE ? "ISSUE" : "REVOKE";
    bool found, valid = false;
    int rc;

    *ok = false;
    if ((rc = rp->st.key_get(rp->st.ctx, e->issuer, e->key_id, pub, &found)) !=
        0)
        return rc;
    if (!found)
        replay_report(rp, i, i, REPLAY_UNAUTHORIZED,
                      "entry %" PRIu64 ": %s signed by %s key %08" PRIx32
                      ", which is not authorized at this point of the log: "
                      "unauthorized entry",
                      i, what, e->issuer, e->key_id);
    else if (!(rp->sig_known != NULL &&
                       rp->sig_known(rp->sig_ctx, i, pub, &valid)
                   ? valid
                   : entry_verify(e, rp->origin[0] ? rp->origin : NULL, pub) ==
                         0))
        replay_report(rp, i, i, REPLAY_BAD_SIGNATURE,
                      "entry %" PRIu64 ": %s signature by %s key %08" PRIx32
                      " does not verify",
                      i, what, e->issuer, e->key_id);
    else
        *ok = true;
    return 0;
}

static int apply_issue(struct replay *rp, uint64_t i, const struct entry *e)
{
    struct replay_cred c;
    char hex[17];
    bool ok, found;
    int rc;

    if ((rc = check_signed(rp, i, e, &ok)) != 0 || !ok)
        return rc != 0 ? rc : REPLAY_ERR_INVALID;
    if ((rc = rp->st.cred_get(rp->st.ctx, e->credential, &c, &found)) != 0)
        return rc;
    if (found) {
        replay_report(rp, i, i, REPLAY_ISSUED_TWICE,
                      "entry %" PRIu64 ": second ISSUE of credential %s... "
                      "(issued at entry %" PRIu64
                      " by %s): the log must never append it",
                      i, short_hex(e->credential, hex), c.issue, c.issuer);
        return REPLAY_ERR_INVALID;
    }
    c.issue = i;
    c.revoke = SMT_NONE;
    snprintf(c.issuer, sizeof c.issuer, "%s", e->issuer);
    if ((rc = rp->st.cred_put(rp->st.ctx, e->credential, &c)) != 0)
        return rc;
    return map_set(rp, e->credential, i, SMT_NONE);
}

static int apply_revoke(struct replay *rp, uint64_t i, const struct entry *e)
{
    struct replay_cred c;
    char hex[17];
    bool ok, found;
    int rc;

    if ((rc = check_signed(rp, i, e, &ok)) != 0 || !ok)
        return rc != 0 ? rc : REPLAY_ERR_INVALID;
    if ((rc = rp->st.cred_get(rp->st.ctx, e->credential, &c, &found)) != 0)
        return rc;
    if (!found) {
        replay_report(rp, i, i, REPLAY_NOT_ISSUED,
                      "entry %" PRIu64 ": REVOKE by %s of credential %s..., "
                      "which was never issued",
                      i, e->issuer, short_hex(e->credential, hex));
        return REPLAY_ERR_INVALID;
    }
    if (strcmp(c.issuer, e->issuer) != 0) {
        replay_report(rp, i, i, REPLAY_FOREIGN_REVOKE,
                      "entry %" PRIu64 ": REVOKE by %s of credential %s... "
                      "issued by %s: unauthorized entry",
                      i, e->issuer, short_hex(e->credential, hex), c.issuer);
        return REPLAY_ERR_INVALID;
    }
    if (c.revoke != SMT_NONE) {
        replay_report(rp, i, i, REPLAY_REVOKED_TWICE,
                      "entry %" PRIu64 ": second REVOKE of credential %s... "
                      "(revoked at entry %" PRIu64
                      "): the log must never append it",
                      i, short_hex(e->credential, hex), c.revoke);
        return REPLAY_ERR_INVALID;
    }
    c.revoke = i;
    if ((rc = rp->st.cred_put(rp->st.ctx, e->credential, &c)) != 0)
        return rc;
    return map_set(rp, e->credential, c.issue, i);
}

int replay_key_root(struct replay *rp, uint8_t root[SMT_HASH_SIZE])
{
    return smt_root(&rp->st.keymap, root) == 0 ? 0 : REPLAY_ERR_MAP;
}

static int apply_map(struct replay *rp, uint64_t i, const struct entry *e)
{
    uint8_t root[SMT_HASH_SIZE];
    char want[17], got[17];
    bool bad = replay_times_map(rp, i, e) > 0;
    int rc;

    if (e->map_index != i) {
        replay_report(rp, i, i, REPLAY_MAP_INDEX,
                      "entry %" PRIu64 ": MAP entry claims index %" PRIu64, i,
                      e->map_index);
        return REPLAY_ERR_INVALID;
    }
    if ((rc = replay_map_root(rp, root)) != 0)
        return rc;
    if (memcmp(root, e->map_root, SMT_HASH_SIZE) != 0) {
        replay_report(rp, i, i, REPLAY_MAP_ROOT,
                      "entry %" PRIu64
                      ": wrong MAP root: the revocation map over entries [0, "
                      "%" PRIu64 ") replays to %s..., the log committed to "
                      "%s...",
                      i, i, short_hex(root, want), short_hex(e->map_root, got));
        bad = true;
    }
    if (e->version != ENTRY_VERSION_2)
        return bad ? REPLAY_ERR_INVALID : 0;
    if ((rc = replay_key_root(rp, root)) != 0)
        return rc;
    if (memcmp(root, e->key_root, SMT_HASH_SIZE) != 0) {
        replay_report(rp, i, i, REPLAY_KEY_ROOT,
                      "entry %" PRIu64
                      ": wrong MAP key root: the key map over entries [0, "
                      "%" PRIu64 ") replays to %s..., the log committed to "
                      "%s...",
                      i, i, short_hex(root, want), short_hex(e->key_root, got));
        bad = true;
    }
    return bad ? REPLAY_ERR_INVALID : 0;
}

/* The key map decides (protocol.md §B.6.3, Part D): an add of a key never
 * in it authorizes the key, a remove of a key not yet removed ends that;
 * every other KEY entry changes nothing, so a removed key added again stays
 * unauthorized. */
static int apply_key(struct replay *rp, uint64_t i, const struct entry *e)
{
    uint32_t id = note_key_id(e->issuer, NOTE_TYPE_ED25519, e->public_key);
    struct smt_update u;
    uint8_t root[SMT_HASH_SIZE];
    uint64_t add, remove;
    bool found;

    if (entry_key_map_key(e->issuer, e->public_key, u.key) != 0)
        return REPLAY_ERR_ARG; /* entry_decode() checked the name */
    if (smt_get(&rp->st.keymap, u.key, &found, u.value) != 0)
        return REPLAY_ERR_MAP;
    if (e->key_op == ENTRY_KEY_ADD) {
        if (found)
            return 0;
        smt_value_encode(i, SMT_NONE, u.value);
        if (smt_update(&rp->st.keymap, &u, 1, root) != 0)
            return REPLAY_ERR_MAP;
        return rp->st.key_put(rp->st.ctx, e->issuer, id, e->public_key, i);
    }
    if (!found)
        return 0;
    smt_value_decode(u.value, &add, &remove);
    if (remove != SMT_NONE)
        return 0;
    smt_value_encode(add, i, u.value);
    if (smt_update(&rp->st.keymap, &u, 1, root) != 0)
        return REPLAY_ERR_MAP;
    return rp->st.key_del(rp->st.ctx, e->issuer, id);
}

/* The version floor: true when e may be applied. */
static bool version_ok(struct replay *rp, uint64_t i, const struct entry *e)
{
    if (e->version == ENTRY_VERSION_2) {
        rp->floor = ENTRY_VERSION_2;
        return true;
    }
    if (rp->floor < ENTRY_VERSION_2)
        return true;
    static const char *const what[] = {"", "ISSUE", "REVOKE", "MAP", "KEY"};

    replay_report(rp, i, i, REPLAY_OLD_VERSION,
                  "entry %" PRIu64 ": a version 1 %s entry after the log's "
                  "first version 2 entry: the log must never append it",
                  i, what[e->type]);
    return false;
}

int replay_decoded(struct replay *rp, const struct entry *e)
{
    uint64_t i = rp->size;
    int rc;

    rp->size = i + 1;
    rp->last_type = e->type;
    if (e->type < sizeof rp->counts / sizeof rp->counts[0])
        rp->counts[e->type]++;
    /* An entry below the version floor changes nothing (a MAP entry still
     * ends its checkpoint: the violation is reported once). */
    if (e->type >= ENTRY_ISSUE && e->type <= ENTRY_KEY && !version_ok(rp, i, e))
        return REPLAY_ERR_INVALID;
    replay_times_entry(&rp->times, i, e);
    switch (e->type) {
    case ENTRY_KEY:
        rc = apply_key(rp, i, e);
        break;
    case ENTRY_ISSUE:
        rc = apply_issue(rp, i, e);
        break;
    case ENTRY_REVOKE:
        rc = apply_revoke(rp, i, e);
        break;
    case ENTRY_MAP:
        rc = apply_map(rp, i, e);
        break;
    default:
        replay_report(rp, i, i, REPLAY_UNDECODABLE,
                      "entry %" PRIu64 ": unknown entry type %u", i, e->type);
        rp->last_type = 0;
        rc = REPLAY_ERR_INVALID;
    }
    return rc;
}

int replay_entry(struct replay *rp, const uint8_t *bytes, size_t len,
                 struct entry *out)
{
    struct entry local, *e = out != NULL ? out : &local;
    int rc = entry_decode(bytes, len, e);

    if (rc != 0) {
        memset(e, 0, sizeof *e);
        replay_report(rp, rp->size, rp->size, REPLAY_UNDECODABLE,
                      "entry %" PRIu64 ": does not decode (%s)", rp->size,
                      entry_strerror(rc));
        rp->size++;
        rp->last_type = 0;
        return REPLAY_ERR_INVALID;
    }
    return replay_decoded(rp, e);
}

int replay_checkpoint_end(struct replay *rp, uint64_t size)
{
    if (size == 0 || size != rp->size)
        return REPLAY_ERR_ARG;
    if (rp->last_type == REPLAY_TYPE_UNKNOWN)
        return REPLAY_ERR_ARG;
    if (rp->last_type == ENTRY_MAP)
        return 0;
    replay_report(rp, size - 1, size - 1, REPLAY_NO_FINAL_MAP,
                  "the checkpoint of size %" PRIu64
                  " does not end with a MAP entry",
                  size);
    return REPLAY_ERR_INVALID;
}

/* ---- the saved state ---- */

static uint8_t *put_u64(uint8_t *p, uint64_t v)
{
    be_put64(p, v);
    return p + 8;
}

#define STATE_FIXED (1 + 8 + 1 + 4 * 8 + 1)

int replay_encode(struct replay *rp, uint8_t *out, size_t cap)
{
    uint8_t buf[REPLAY_ENCODED_MAX], *p = buf;
    size_t len;
    int rc;

    if ((rc = replay_flush(rp)) != 0)
        return rc;
    *p++ = STATE_VERSION;
    p = put_u64(p, rp->size);
    *p++ = rp->last_type;
    for (int t = ENTRY_ISSUE; t <= ENTRY_KEY; t++)
        p = put_u64(p, rp->counts[t]);
    *p++ = rp->floor;
    p += replay_times_encode(&rp->times, p);
    len = (size_t)(p - buf);
    if (len > cap)
        return REPLAY_ERR_SPACE;
    memcpy(out, buf, len);
    return (int)len;
}

int replay_decode(struct replay *rp, const uint8_t *in, size_t len)
{
    struct replay_times t;

    if (len < STATE_FIXED || in[0] != STATE_VERSION ||
        (in[9] > ENTRY_KEY && in[9] != REPLAY_TYPE_UNKNOWN) ||
        (in[STATE_FIXED - 1] != ENTRY_VERSION_1 &&
         in[STATE_FIXED - 1] != ENTRY_VERSION_2) ||
        (len > STATE_FIXED &&
         replay_times_decode(&t, in + STATE_FIXED, len - STATE_FIXED) != 0)) {
        struct replay_store st = rp->st;
        char origin[NOTE_NAME_MAX + 1];
        int rc = len > 0 && in[0] == STATE_VERSION_OLD ? REPLAY_ERR_OLD_STATE
                                                       : REPLAY_ERR_STATE;
        memcpy(origin, rp->origin, sizeof origin);
        replay_init(rp, &st, origin, rp->on_violation, rp->ctx);
        return rc;
    }
    if (len == STATE_FIXED)
        replay_times_init(&t);
    rp->size = be_get64(in + 1);
    rp->last_type = in[9];
    for (int k = ENTRY_ISSUE; k <= ENTRY_KEY; k++)
        rp->counts[k] = be_get64(in + 10 + 8 * (k - ENTRY_ISSUE));
    rp->floor = in[STATE_FIXED - 1];
    rp->times = t;
    rp->have_first = false;
    rp->violations = 0;
    rp->npending = 0;
    return 0;
}
