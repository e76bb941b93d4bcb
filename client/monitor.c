/*
 * monitor.c: the monitor's run. See monitor.h. The order of a run matters:
 * the checkpoint is verified before anything it covers; consistency with
 * what was verified before (or, on a first run, that the log's tiles back
 * the checkpoint at all) is proven before anything is reserved or replayed;
 * each chunk of entries is proven part of the signed tree before any of
 * them is judged (so a network that alters entries cannot make the monitor
 * blame the log for them); the rules are proofs/replay.h's; and the state
 * is committed only when nothing raised an alert. Reading tiles is in
 * monitor_tiles.c, the state in monitor_state.c.
 */
#include "client/monitor.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/files.h"
#include "client/monitor_internal.h"
#include "client/verify.h"
#include "client/witnessed.h"
#include "proofs/merkle.h"

#define BYTES_PER_ENTRY                                                        \
    512 /* generous LMDB growth estimate per replayed entry */

/* ---- opening ---- */

void client_monitor_set_limits(struct client_monitor *m, uint64_t max_entries,
                               uint64_t commit_every)
{
    m->max_entries = max_entries;
    m->commit_every =
        commit_every > 0 ? commit_every : CLIENT_MONITOR_COMMIT_EVERY;
}

void client_monitor_set_policy(struct client_monitor *m, const struct policy *p)
{
    m->policy = p;
}

int client_monitor_open(const char *dir, const struct note_verifier *log,
                        struct client_monitor **out, char *why)
{
    struct client_monitor *m;
    struct mstore_txn *t;
    char vkey[NOTE_KEY_TEXT_MAX + 1];
    uint8_t *stored = NULL;
    size_t len;
    bool found;
    int rc, vlen;

    *out = NULL;
    m = calloc(1, sizeof *m);
    if (m == NULL)
        return client_fail(why, CLIENT_ERR_NOMEM, "out of memory");
    snprintf(m->dir, sizeof m->dir, "%s", dir);
    m->log = *log;
    m->commit_every = CLIENT_MONITOR_COMMIT_EVERY;
    vlen = note_verifier_format(log, vkey, sizeof vkey);
    if ((rc = client_mkdirs(dir, 0700, why)) != 0 ||
        (rc = mstore_open(dir, 0, &m->st, why)) != 0 ||
        (rc = mstore_begin(m->st, true, &t, why)) != 0) {
        mstore_close(m->st);
        free(m);
        return rc == CLIENT_ERR_IO || rc == CLIENT_ERR_NOMEM ? rc
                                                             : CLIENT_ERR_STATE;
    }
    rc = mstore_meta_get(t, "log_key", &stored, &len, &found);
    if (rc == 0 && !found)
        rc = mstore_meta_put(t, "log_key", vkey, (size_t)vlen);
    else if (rc == 0 && (len != (size_t)vlen || memcmp(stored, vkey, len) != 0))
        rc = client_fail(why, CLIENT_ERR_KEY,
                         "%s follows another log (%s), not %s", dir,
                         (char *)stored, vkey);
    if (rc != 0 && rc != CLIENT_ERR_KEY)
        rc = client_fail(why, CLIENT_ERR_STATE, "%s", mstore_error(t));
    free(stored);
    if (rc != 0) {
        mstore_abort(t);
        mstore_close(m->st);
        free(m);
        return rc;
    }
    if ((rc = mstore_commit(t, why)) != 0) {
        mstore_close(m->st);
        free(m);
        return CLIENT_ERR_STATE;
    }
    *out = m;
    return 0;
}

void client_monitor_close(struct client_monitor *m)
{
    if (m == NULL)
        return;
    mstore_close(m->st);
    free(m);
}

/* ---- alerts ---- */

static void alert(struct run *r, enum client_monitor_alert kind,
                  const char *note_a, const char *note_b, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static void alert(struct run *r, enum client_monitor_alert kind,
                  const char *note_a, const char *note_b, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (r->res->alerts++ == 0)
        r->res->alert = kind;
    if (r->hooks != NULL && r->hooks->alert != NULL)
        r->hooks->alert(r->hooks->ctx, msg, note_a, note_b);
}

/* The replay's violations are the log's alerts. */
static void on_violation(void *ctx, const struct replay_violation *v)
{
    alert(ctx, CLIENT_MONITOR_ALERT_REPLAY, NULL, NULL, "%s", v->text);
}

/* A signed checkpoint whose tiles the log does not serve: the checkpoint is
 * the evidence. */
static void alert_unbacked(struct run *r)
{
    alert(r, CLIENT_MONITOR_ALERT_UNBACKED, NULL, r->note,
          "the log cannot back its signed checkpoint (size %" PRIu64 "): %s",
          r->cur->size, r->why);
    r->why[0] = '\0';
}

/* Whether the note's text is exactly origin, size and root: protocol.md
 * Part D, invariant 5 (credlog checkpoints carry no extension lines). */
static bool no_extensions(const char *note, size_t len,
                          const struct checkpoint *cp)
{
    char body[CHECKPOINT_BODY_MAX + 1];
    int blen = checkpoint_format(cp, body, sizeof body);

    return blen > 0 && (size_t)blen < len &&
           memcmp(note, body, (size_t)blen) == 0 && note[blen] == '\n';
}

/* ---- committing ---- */

/* Opens the next write transaction, after making room for one chunk. */
static int begin(struct run *r)
{
    uint64_t chunk = r->m->commit_every + TILE_WIDTH;
    int rc;

    if (chunk > UINT64_MAX / BYTES_PER_ENTRY)
        chunk = UINT64_MAX / BYTES_PER_ENTRY;
    if ((rc = mstore_reserve(r->m->st, chunk * BYTES_PER_ENTRY, r->why)) != 0 ||
        (rc = mstore_begin(r->m->st, true, &r->t, r->why)) != 0)
        return rc == MSTORE_ERR_NOMEM ? CLIENT_ERR_NOMEM : CLIENT_ERR_STATE;
    return 0;
}

/* Commits the entries judged, [0, r->c.size), all proven part of the
 * checkpoint, if no alert was raised. The anchor (the checkpoint whose last
 * entry the replay still has to check) moves to the current checkpoint once
 * the replay has passed it. With more, a new transaction is opened. */
static int commit_progress(struct run *r, const char *anchor, size_t anchor_len,
                           bool more)
{
    char path[PATH_MAX + 16];
    int rc;

    if (r->res->alerts > 0)
        return 0;
    if (anchor == NULL || r->c.size >= r->ends[0]) {
        anchor = r->note;
        anchor_len = r->note_len;
    }
    if ((rc = monitor_state_save(r, anchor, anchor_len)) != 0)
        return rc;
    if (r->hooks != NULL && r->hooks->commit != NULL &&
        r->hooks->commit(r->hooks->ctx, r->c.size, r->why) != 0)
        return CLIENT_ERR_STATE; /* r->t is aborted by run_free() */
    rc = mstore_commit(r->t, r->why);
    r->t = NULL;
    if (rc != 0)
        return CLIENT_ERR_STATE;
    r->committed = r->c.size;
    if (r->c.size == r->cur->size) {
        snprintf(path, sizeof path, "%s/checkpoint", r->m->dir);
        if ((rc = client_write_file_atomic(path, r->note, r->note_len, 0644,
                                           r->why)) != 0)
            return rc;
    }
    return more ? begin(r) : 0;
}

/* ---- replaying a chunk ---- */

/* One entry bundle of a chunk. */
struct bundle {
    uint8_t *data;
    size_t len;
    uint64_t first; /* index of its first entry */
    unsigned w;     /* entries of it in the tree */
};

struct chunk {
    struct bundle *b;
    size_t n, cap;
    struct compact_range next; /* r->c extended by the chunk's entries */
};

static void chunk_free(struct chunk *ch)
{
    for (size_t i = 0; i < ch->n; i++)
        free(ch->b[i].data);
    free(ch->b);
}

/* Fetches the entries from r->c.size up to the next commit point (or n),
 * hashing them into ch->next. *proof says whether the log served them. */
static int chunk_fetch(struct run *r, uint64_t n, uint64_t start,
                       struct chunk *ch, enum monitor_proof *proof)
{
    ch->next = r->c;
    *proof = MONITOR_PROVEN;
    while (ch->next.size < n) {
        uint64_t tile = ch->next.size / TILE_WIDTH, first = tile * TILE_WIDTH;
        unsigned w =
            n - first >= TILE_WIDTH ? TILE_WIDTH : (unsigned)(n - first);
        struct bundle *b;
        const uint8_t *e;
        size_t pos = 0, elen;
        uint8_t leaf[MERKLE_HASH_SIZE];
        int rc;

        if (ch->n == ch->cap) {
            size_t cap = ch->cap ? 2 * ch->cap : 16;
            struct bundle *nb = realloc(ch->b, cap * sizeof *nb);
            if (nb == NULL)
                return client_fail(r->why, CLIENT_ERR_NOMEM, "out of memory");
            ch->b = nb;
            ch->cap = cap;
        }
        b = &ch->b[ch->n];
        b->first = first;
        b->w = w;
        if ((rc = monitor_tiles_bundle(r, tile, w, &b->data, &b->len, proof)) !=
                0 ||
            *proof != MONITOR_PROVEN)
            return rc;
        ch->n++;
        for (unsigned j = 0;
             j < w && tile_bundle_next(b->data, b->len, &pos, &e, &elen) == 1;
             j++)
            if (first + j >= ch->next.size) {
                merkle_leaf_hash(e, elen, leaf);
                if (compact_append(&ch->next, leaf, NULL) < 0)
                    return client_fail(r->why, CLIENT_ERR_ARG,
                                       "the tree is too large");
            }
        if ((r->m->max_entries > 0 &&
             ch->next.size - start >= r->m->max_entries) ||
            ch->next.size - r->committed >= r->m->commit_every)
            break;
    }
    return 0;
}

/* Judges bundles [k0, k1) of the chunk by the replay rules, their
 * signatures verified beforehand on all cores (monitor_sigs.c). */
static int judge_bundles(struct run *r, const struct chunk *ch, size_t k0,
                         size_t k1, uint64_t start, uint64_t n)
{
    int rc;

    if ((rc = monitor_sigs_begin(&r->sigs, r->rp->size, MONITOR_SIGS_RUN)) != 0)
        return client_fail(r->why, rc, "out of memory");
    for (size_t k = k0; k < k1; k++) {
        const struct bundle *b = &ch->b[k];
        const uint8_t *e;
        size_t pos = 0, elen;

        for (unsigned j = 0; j < b->w && tile_bundle_next(b->data, b->len, &pos,
                                                          &e, &elen) == 1;
             j++)
            if (b->first + j >= r->rp->size &&
                (rc = monitor_sigs_add(&r->sigs, r->rp, e, elen)) != 0)
                return monitor_state_fail(r, rc);
    }
    monitor_sigs_verify(&r->sigs);
    replay_set_sig_known(r->rp, monitor_sigs_known, &r->sigs);
    for (size_t k = k0; k < k1; k++) {
        const struct bundle *b = &ch->b[k];
        const uint8_t *e;
        size_t pos = 0, elen;

        for (unsigned j = 0; j < b->w && tile_bundle_next(b->data, b->len, &pos,
                                                          &e, &elen) == 1;
             j++) {
            uint64_t i = b->first + j;

            if (i < r->rp->size)
                continue;
            rc = replay_entry(r->rp, e, elen, NULL);
            if (rc != 0 && rc != REPLAY_ERR_INVALID) {
                replay_set_sig_known(r->rp, NULL, NULL);
                return monitor_state_fail(r, rc);
            }
            r->res->checked++;
            if (r->hooks != NULL && r->hooks->entry != NULL)
                r->hooks->entry(r->hooks->ctx, i, e, elen);
            if (i + 1 == r->ends[0] || i + 1 == r->ends[1])
                replay_checkpoint_end(r->rp, i + 1);
        }
        if (r->hooks != NULL && r->hooks->progress != NULL)
            r->hooks->progress(r->hooks->ctx, r->rp->size - start, n - start);
    }
    replay_set_sig_known(r->rp, NULL, NULL);
    return 0;
}

/* Judges the chunk's entries (proven part of the tree) by the replay rules,
 * MONITOR_SIGS_RUN entries (whole bundles) at a time. */
static int chunk_judge(struct run *r, const struct chunk *ch, uint64_t start,
                       uint64_t n)
{
    size_t k0 = 0, per = MONITOR_SIGS_RUN / TILE_WIDTH;
    int rc;

    while (k0 < ch->n) {
        size_t k1 = k0 + per < ch->n ? k0 + per : ch->n;
        if ((rc = judge_bundles(r, ch, k0, k1, start, n)) != 0)
            return rc;
        k0 = k1;
    }
    return 0;
}

/* Replays entries [r->c.size, n) chunk by chunk: fetched, proven part of
 * the checkpoint, judged, and committed at entry bundle boundaries every
 * commit_every entries; stops at the first boundary after max_entries (0: no
 * limit) or after an alert. */
static int replay_range(struct run *r, uint64_t n, const char *anchor,
                        size_t anchor_len)
{
    uint64_t start = r->c.size;

    while (r->c.size < n) {
        struct chunk ch = {NULL, 0, 0, {0, {{0}}}};
        enum monitor_proof proof;
        bool stop;
        int rc = chunk_fetch(r, n, start, &ch, &proof);

        if (rc == 0 && proof == MONITOR_PROVEN)
            rc = monitor_tiles_prefix(r, &ch.next, &proof);
        if (rc == 0 && proof == MONITOR_UNBACKED)
            alert_unbacked(r);
        else if (rc == 0 && proof == MONITOR_DISPROVEN)
            alert(r, CLIENT_MONITOR_ALERT_ENTRIES, NULL, r->note,
                  "the entries the log serves do not hash to the root of its "
                  "checkpoint (size %" PRIu64 "): entries [%" PRIu64
                  ", %" PRIu64 ") are not the ones it signed",
                  r->cur->size, r->committed, ch.next.size);
        else if (rc == 0)
            rc = chunk_judge(r, &ch, start, n);
        chunk_free(&ch);
        if (rc != 0 || proof != MONITOR_PROVEN)
            return rc;
        r->c = ch.next;
        if (r->res->alerts > 0 || r->c.size == n)
            break;
        stop = r->m->max_entries > 0 && r->c.size - start >= r->m->max_entries;
        if ((rc = commit_progress(r, anchor, anchor_len, !stop)) != 0)
            return rc;
        if (stop)
            break;
    }
    return 0;
}

/* ---- the run ---- */

/* Proves the new checkpoint consistent with the latest one verified (which
 * extends every earlier one), or on a first run backed by the log's tiles.
 * Returns 0 (*ok false after an alert) or an error. */
static int check_extends(struct run *r, bool *ok)
{
    const struct checkpoint *cur = r->cur, *latest = &r->lcp;
    enum monitor_proof proof = MONITOR_PROVEN;
    int rc = 0;

    *ok = false;
    if (r->latest != NULL && cur->size < latest->size) {
        alert(r, CLIENT_MONITOR_ALERT_SHRANK, r->latest, r->note,
              "the log shrank: it signed a tree of %" PRIu64
              " entries and now signs %" PRIu64,
              latest->size, cur->size);
        return 0;
    }
    if (r->latest != NULL && cur->size == latest->size &&
        memcmp(cur->root, latest->root, MERKLE_HASH_SIZE) != 0) {
        alert(r, CLIENT_MONITOR_ALERT_FORK, r->latest, r->note,
              "fork: the log signed two different trees of size %" PRIu64,
              cur->size);
        return 0;
    }
    if (r->latest != NULL && latest->size > 0 && cur->size > latest->size)
        rc = monitor_tiles_consistency(r, latest, cur, &proof);
    else if (r->latest == NULL || latest->size == 0)
        rc = monitor_tiles_backed(r, cur, &proof);
    if (rc != 0)
        return rc;
    if (proof == MONITOR_UNBACKED)
        alert_unbacked(r);
    else if (proof == MONITOR_DISPROVEN && r->latest != NULL &&
             latest->size > 0)
        alert(r, CLIENT_MONITOR_ALERT_FORK, r->latest, r->note,
              "fork: the log's tree of size %" PRIu64
              " is not an extension of the tree of size %" PRIu64
              " verified before",
              cur->size, latest->size);
    else if (proof == MONITOR_DISPROVEN)
        alert(r, CLIENT_MONITOR_ALERT_ENTRIES, NULL, r->note,
              "the log's hash tiles do not hash to the root of its signed "
              "checkpoint (size %" PRIu64 ")",
              cur->size);
    else
        *ok = true;
    return 0;
}

static void run_free(struct run *r)
{
    mstore_abort(r->t);
    monitor_tiles_free(r);
    free(r->anchor);
    free(r->latest);
    free(r->replay_state);
    monitor_sigs_free(&r->sigs);
    free(r->rp);
    free(r);
}

int client_monitor_run(struct client_monitor *m, struct client_api *api,
                       const struct client_monitor_hooks *hooks,
                       struct client_monitor_result *res, char *why)
{
    char *note = NULL;
    size_t note_len;
    int rc;

    memset(res, 0, sizeof *res);
    if ((rc = client_api_checkpoint(api, &note, &note_len, why)) != 0)
        return rc;
    rc = client_monitor_run_note(m, api, note, note_len, hooks, res, why);
    free(note);
    return rc;
}

int client_monitor_run_note(struct client_monitor *m, struct client_api *api,
                            const char *note, size_t note_len,
                            const struct client_monitor_hooks *hooks,
                            struct client_monitor_result *res, char *why)
{
    struct run *r = calloc(1, sizeof *r);
    struct replay_store st;
    struct mstore_txn *t;
    struct checkpoint cur;
    char inner[CLIENT_REASON_MAX];
    bool ok;
    int rc = 0;

    memset(res, 0, sizeof *res);
    if (r == NULL || (r->rp = malloc(sizeof *r->rp)) == NULL) {
        free(r);
        return client_fail(why, CLIENT_ERR_NOMEM, "out of memory");
    }
    r->m = m;
    r->api = api;
    r->hooks = hooks;
    r->res = res;
    r->why = why;
    monitor_state_store(r, &st);
    replay_init(r->rp, &st, m->log.name, on_violation, r);
    monitor_sigs_init(&r->sigs, r->rp->origin[0] ? r->rp->origin : NULL);

    /* 1. The checkpoint, signed by the log's key, with no extension lines,
     * cosigned as the policy asks. */
    if (client_verify_checkpoint(note, note_len, &m->log, &cur, inner) != 0) {
        rc = client_fail(why, CLIENT_ERR_SYNTAX, "%s/checkpoint: %s",
                         client_api_url(api), inner);
        goto out;
    }
    r->cur = &cur;
    r->note = note;
    r->note_len = note_len;
    res->new_size = cur.size;
    if (!no_extensions(note, note_len, &cur)) {
        alert(r, CLIENT_MONITOR_ALERT_EXTENSIONS, NULL, note,
              "the log's checkpoint (size %" PRIu64
              ") carries extension lines: credlog logs never write any",
              cur.size);
        goto out;
    }

    if (m->policy != NULL &&
        client_checkpoint_cosigned(note, note_len, &m->log, m->policy,
                                   &cur.size, inner) != 0) {
        alert(r, CLIENT_MONITOR_ALERT_POLICY, NULL, note,
              "the log's checkpoint (size %" PRIu64
              ") does not meet the witness policy: %s",
              cur.size, inner);
        goto out;
    }

    /* 2. What we verified before. */
    if ((rc = mstore_begin(m->st, false, &t, why)) != 0) {
        rc = CLIENT_ERR_STATE;
        goto out;
    }
    rc = monitor_state_load(r, t);
    mstore_abort(t);
    if (rc != 0 || (rc = monitor_state_restore(r)) != 0)
        goto out;
    res->first_run = r->anchor == NULL;
    res->old_size = r->c.size;
    res->resumed = r->latest != NULL && r->c.size < r->lcp.size;
    memcpy(res->counts, r->rp->counts, sizeof res->counts);

    /* 3. Shrinking, forks, consistency: proven before anything is reserved
     * or replayed. */
    if ((rc = check_extends(r, &ok)) != 0 || !ok)
        goto out;

    /* 4. Every new entry, proven part of the tree and judged; the last entry
     * of the anchor and of this checkpoint must be MAP entries. */
    if ((rc = begin(r)) != 0)
        goto out;
    r->ends[0] = r->anchor != NULL && r->c.size < r->acp.size ? r->acp.size : 0;
    r->ends[1] = cur.size;
    if (r->c.size < cur.size &&
        (rc = replay_range(r, cur.size, r->anchor, r->anchor_len)) != 0)
        goto out;
    memcpy(res->counts, r->rp->counts, sizeof res->counts);

    /* 5. Keep it, only if all is well. */
    if (r->c.size == cur.size &&
        (r->c.size > r->committed || r->anchor == NULL) &&
        (rc = commit_progress(r, r->anchor, r->anchor_len, false)) != 0)
        goto out;
    res->complete = r->committed == cur.size;
    res->verified = r->committed;
out:
    run_free(r);
    if (rc == 0 && res->alerts > 0)
        rc = client_fail(why, CLIENT_ERR_INVALID, "%lu alert(s)", res->alerts);
    return rc;
}

int client_monitor_issuers(struct client_monitor *m,
                           void (*fn)(void *ctx, const char *issuer,
                                      unsigned keys, uint64_t issued,
                                      uint64_t revoked),
                           void *ctx, char *why)
{
    struct mstore_txn *t;
    int rc = mstore_begin(m->st, false, &t, why);

    if (rc != 0)
        return CLIENT_ERR_STATE;
    if (mstore_issuers_each(t, fn, ctx) != 0)
        rc = client_fail(why, CLIENT_ERR_STATE, "monitor state: %s",
                         mstore_error(t));
    mstore_abort(t);
    return rc;
}
