/*
 * test_crash.c: logd is killed with SIGKILL at random moments under
 * concurrent load, restarted, killed again, ... and at the end the whole log
 * is read back through C2SP tiles and checked against everything logd ever
 * acknowledged:
 *  - every entry whose receipt was returned is at its index, byte for byte;
 *  - every checkpoint ever returned (receipts, GET /checkpoint) is signed by
 *    the log key, is the root of the final log's first `size` entries
 *    (recomputed here from the entries) and is consistent with the final
 *    checkpoint by logd's own consistency proof, verified with proofs/;
 *    no two checkpoints of one size differ;
 *  - the log replays: KEY entries give the authorized keys, every ISSUE and
 *    REVOKE is signed by one, no credential is issued or revoked twice, and
 *    every MAP entry carries its own index and the CTL-SMT-v1 root of
 *    everything before it (replayed with proofs/smt over an in-memory store,
 *    and the last one also by the naive recursive definition); the last
 *    entry of every checkpoint is a MAP entry;
 *  - after each restart the log has not lost any acknowledged checkpoint
 *    (consistency proof from the largest one seen).
 * The load: three client threads send requests of 1 to 1000 submissions
 * (new ISSUEs, REVOKEs, exact re-sends of acknowledged ones, which must get
 * the same receipt, and re-sends of ones whose answer the crash swallowed);
 * some rounds also send SIGHUP with an issuer key added or removed (KEY
 * entries under load), and some kill logd while it starts (KEY entries of a
 * changed issuers file at start).
 *
 * Rounds: $CREDLOG_CRASH_ROUNDS (default 20); scripts/crash.sh runs hundreds.
 * $CREDLOG_CRASH_SEED fixes the random choices (the kill moments still
 * depend on timing).
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "answer.h"
#include "check.h"
#include "client/http.h"
#include "issuer.h"
#include "logd_api.h"
#include "logd_proc.h"
#include "mirror.h"
#include "naive.h"
#include "proofs/codec.h"
#include "proofs/entry.h"
#include "proofs/merkle.h"
#include "proofs/note.h"

#include <pthread.h>
#include <stdatomic.h>

#define WORKERS 3
#define STORED_MAX 128 /* our entries are ~120 bytes */

enum { C_ISSUE_SENT, C_ISSUED, C_REVOKE_SENT, C_REVOKED };

/* A credential a worker submitted, and what it knows about it. */
struct cred {
    uint8_t issue[STORED_MAX], revoke[STORED_MAX];
    uint8_t issue_len, revoke_len;
    uint8_t state;
    bool in_request;
    uint64_t issue_index, revoke_index;
};

struct worker {
    int id;
    const struct issuer *is;
    uint64_t rnd;
    struct cred *c;
    size_t n, cap;
    /* per round */
    const char *url;
    unsigned long requests, acked, lost, bad;
};

static struct logd_proc P;
static struct issuer A, B, X;
static struct worker W[WORKERS];
static atomic_int stop_load;

/* ---- checkpoints seen, by size ---- */

struct seen_cp {
    uint64_t size;
    uint8_t root[32];
};

static struct seen_cp *cps;
static size_t ncps, capcps;
static uint64_t max_size;
static uint8_t max_root[32];
static unsigned long forks;
static pthread_mutex_t cp_mu = PTHREAD_MUTEX_INITIALIZER;

/* Records a verified checkpoint. Two of one size must agree. */
static void saw_cp(const struct checkpoint *cp)
{
    pthread_mutex_lock(&cp_mu);
    for (size_t i = 0; i < ncps; i++)
        if (cps[i].size == cp->size) {
            if (memcmp(cps[i].root, cp->root, 32) != 0)
                forks++;
            pthread_mutex_unlock(&cp_mu);
            return;
        }
    if (ncps == capcps) {
        capcps = capcps ? 2 * capcps : 1024;
        cps = realloc(cps, capcps * sizeof *cps);
        if (cps == NULL)
            abort();
    }
    cps[ncps].size = cp->size;
    memcpy(cps[ncps].root, cp->root, 32);
    ncps++;
    if (cp->size > max_size) {
        max_size = cp->size;
        memcpy(max_root, cp->root, 32);
    }
    pthread_mutex_unlock(&cp_mu);
}

/* ---- the load ---- */

static struct cred *cred_new(struct worker *w)
{
    if (w->n == w->cap) {
        w->cap = w->cap ? 2 * w->cap : 4096;
        w->c = realloc(w->c, w->cap * sizeof *w->c);
        if (w->c == NULL)
            abort();
    }
    memset(&w->c[w->n], 0, sizeof w->c[0]);
    return &w->c[w->n++];
}

static void sign_into(uint8_t *buf, uint8_t *len, uint8_t type,
                      const uint8_t cred[32], const struct issuer *is,
                      uint8_t reason)
{
    uint8_t tmp[ENTRY_MAX_SIZE];
    struct entry e;
    size_t n;

    issuer_entry(&e, type, cred, is, issuer_now_ms(), reason);
    n = issuer_entry_bytes(&e, tmp);
    if (n > STORED_MAX)
        abort();
    memcpy(buf, tmp, n);
    *len = (uint8_t)n;
}

/* One slot of a request: which credential, and which of its entries. */
struct slot {
    size_t cred;
    bool revoke;
};

/* A random credential of w in state, not yet in this request (or none). */
static bool pick(struct worker *w, uint8_t state, size_t *out)
{
    if (w->n == 0)
        return false;
    for (int tries = 0; tries < 8; tries++) {
        size_t i = check_rand(&w->rnd) % w->n;
        if (w->c[i].state == state && !w->c[i].in_request) {
            *out = i;
            return true;
        }
    }
    return false;
}

static size_t request_size(uint64_t *rnd)
{
    uint64_t r = check_rand(rnd) % 100;

    if (r < 70)
        return 1 + check_rand(rnd) % 20;
    if (r < 96)
        return 21 + check_rand(rnd) % 180;
    return 201 + check_rand(rnd) % 800;
}

/* Builds, sends and checks one request. Returns false once logd is gone. */
static bool one_request(struct worker *w, struct client_http *h)
{
    size_t k = request_size(&w->rnd), n = 0;
    struct slot *s = malloc(k * sizeof *s);
    json_t *arr = json_array(), *ans = NULL, *recs;
    int status;

    for (size_t i = 0; i < k; i++) {
        uint64_t r = check_rand(&w->rnd) % 100;
        size_t c;
        if (r < 15 && pick(w, C_ISSUED, &c)) {
            /* A new REVOKE of an acknowledged ISSUE. */
            uint8_t hash[32];
            memcpy(hash, w->c[c].issue + 2, 32);
            sign_into(w->c[c].revoke, &w->c[c].revoke_len, ENTRY_REVOKE, hash,
                      w->is, issuer_reason(r));
            w->c[c].state = C_REVOKE_SENT;
            s[n].cred = c;
            s[n].revoke = true;
        } else if (r < 25 &&
                   (pick(w, C_ISSUED, &c) || pick(w, C_REVOKED, &c))) {
            /* The same ISSUE again: exactly once. */
            s[n].cred = c;
            s[n].revoke = false;
        } else if (r < 30 && pick(w, C_REVOKED, &c)) {
            s[n].cred = c;
            s[n].revoke = true;
        } else if (r < 40 &&
                   (pick(w, C_ISSUE_SENT, &c) || pick(w, C_REVOKE_SENT, &c))) {
            /* Sent before, answer lost to a crash (or in flight): again. */
            s[n].cred = c;
            s[n].revoke = w->c[c].state == C_REVOKE_SENT;
        } else {
            uint8_t hash[32];
            struct cred *nc = cred_new(w);
            check_rand_cred(&w->rnd, hash);
            sign_into(nc->issue, &nc->issue_len, ENTRY_ISSUE, hash, w->is, 0);
            nc->state = C_ISSUE_SENT;
            s[n].cred = (size_t)(nc - w->c);
            s[n].revoke = false;
        }
        w->c[s[n].cred].in_request = true;
        {
            struct cred *c2 = &w->c[s[n].cred];
            struct entry e;
            if (entry_decode(s[n].revoke ? c2->revoke : c2->issue,
                             s[n].revoke ? c2->revoke_len : c2->issue_len,
                             &e) != 0)
                abort();
            json_array_append_new(arr, issuer_submission_json(&e));
        }
        n++;
    }
    status = logd_api_post_entries(h, arr, &ans);
    w->requests++;
    recs = json_object_get(ans, "receipts");
    if (status == 200 && json_array_size(recs) == n) {
        for (size_t i = 0; i < n; i++) {
            struct cred *c = &w->c[s[i].cred];
            const uint8_t *want = s[i].revoke ? c->revoke : c->issue;
            size_t want_len = s[i].revoke ? c->revoke_len : c->issue_len;
            struct checkpoint cp;
            uint64_t idx;
            if (!answer_receipt(&P, json_array_get(recs, i), want, want_len,
                                &idx, &cp)) {
                w->bad++;
                continue;
            }
            saw_cp(&cp);
            w->acked++;
            if (!s[i].revoke) {
                if (c->state == C_ISSUE_SENT) {
                    c->state = C_ISSUED;
                    c->issue_index = idx;
                } else if (idx != c->issue_index) {
                    w->bad++; /* a duplicate got another receipt */
                }
            } else {
                if (c->state == C_REVOKE_SENT) {
                    c->state = C_REVOKED;
                    c->revoke_index = idx;
                } else if (idx != c->revoke_index) {
                    w->bad++;
                }
            }
        }
    } else if (status > 0) {
        w->bad++;
        fprintf(stderr, "worker %d: status %d: %s\n", w->id, status,
                json_is_string(json_object_get(ans, "error"))
                    ? json_string_value(json_object_get(ans, "error"))
                    : "");
    } else {
        w->lost += n; /* killed: these stay "sent" */
    }
    for (size_t i = 0; i < n; i++)
        w->c[s[i].cred].in_request = false;
    json_decref(ans);
    free(s);
    return status > 0;
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    struct client_http *h;
    struct client_http_options o = {NULL, 20, 0};

    if (client_http_open(w->url, &o, &h) != 0)
        return NULL;
    for (unsigned i = 0; !atomic_load(&stop_load); i++) {
        if (!one_request(w, h))
            break;
        if (i % 8 == 7) {
            struct checkpoint cp;
            if (logd_api_checkpoint(h, &P, &cp, NULL) >= 0)
                saw_cp(&cp);
        }
    }
    client_http_close(h);
    return NULL;
}

/* ---- rounds ---- */

static bool x_authorized = false;

/* The file with or without the toggled key. Each time it comes back it is a
 * new key: logd never authorizes a removed key again, and refuses a file
 * that lists one (the previous X may or may not have been added and removed
 * before a crash). */
static int write_issuers(bool with_x)
{
    struct note_verifier v[3];

    if (with_x) {
        issuer_wipe(&X);
        issuer_make(&X, "toggle.example");
    }
    v[0] = A.v;
    v[1] = B.v;
    v[2] = X.v;
    x_authorized = with_x;
    return logd_proc_write_issuers(&P, v, with_x ? 3 : 2);
}

/* After a restart: nothing acknowledged is lost. */
static void check_no_rollback(void)
{
    struct client_http *h;
    struct checkpoint cp;
    uint64_t from;
    uint8_t from_root[32], proof[64][32];
    char path[128];
    int status, n;

    REQUIRE(client_http_open(P.url, NULL, &h) == 0);
    pthread_mutex_lock(&cp_mu);
    from = max_size;
    memcpy(from_root, max_root, 32);
    pthread_mutex_unlock(&cp_mu);
    CHECK(logd_api_checkpoint(h, &P, &cp, NULL) >= 0);
    CHECK_MSG(cp.size >= from, "the log shrank from %llu to %llu after a crash",
              (unsigned long long)from, (unsigned long long)cp.size);
    if (from > 0 && cp.size >= from) {
        snprintf(path, sizeof path, "/v1/proof/consistency?from=%llu&to=%llu",
                 (unsigned long long)from, (unsigned long long)cp.size);
        json_t *j = logd_api_get_json(h, path, &status);
        n = answer_hashes(json_object_get(j, "hashes"), proof, 64);
        CHECK_MSG(status == 200 && n >= 0 &&
                      merkle_consistency_verify(
                          from, cp.size, from_root, cp.root,
                          (const uint8_t(*)[32])proof, (size_t)n) == 0,
                  "checkpoint %llu is not consistent with %llu after a crash",
                  (unsigned long long)from, (unsigned long long)cp.size);
        json_decref(j);
    }
    saw_cp(&cp);
    client_http_close(h);
}

struct killer {
    struct logd_proc *p;
    unsigned delay_us;
};

static void *kill_soon(void *arg)
{
    struct killer *k = arg;

    /* Not synchronization: a kill at a random moment of the start is the
     * test. */
    usleep(k->delay_us);
    if (k->p->pid > 0)
        kill(k->p->pid, SIGKILL);
    return NULL;
}

static const char *const logd_args[] = {"--batch-wait", "2", "--heartbeat", "1",
                                        "--threads",    "2", NULL};

/* A kill while logd starts, after changing its issuers file (so that it
 * appends KEY entries before listening). */
static void startup_round(uint64_t *rnd)
{
    struct killer k = {&P, (unsigned)(check_rand(rnd) % 40000)};
    pthread_t t;

    CHECK(write_issuers(!x_authorized) == 0);
    pthread_create(&t, NULL, kill_soon, &k);
    int rc = logd_proc_start(&P, logd_args);
    pthread_join(t, NULL);
    if (rc == 0)
        logd_proc_kill(&P); /* reaps it */
    P.pid = 0;
}

static void load_round(uint64_t *rnd, unsigned max_ms)
{
    pthread_t t[WORKERS];
    unsigned ms = 5 + (unsigned)(check_rand(rnd) % max_ms);
    bool hup = check_rand(rnd) % 4 == 0;

    atomic_store(&stop_load, 0);
    for (int i = 0; i < WORKERS; i++) {
        W[i].url = P.url;
        pthread_create(&t[i], NULL, worker_main, &W[i]);
    }
    if (hup) {
        unsigned first = (unsigned)(check_rand(rnd) % (ms + 1));
        /* Not synchronization: the SIGHUP comes at a random moment of the
         * load. */
        usleep(first * 1000);
        CHECK(write_issuers(!x_authorized) == 0);
        logd_proc_signal(&P, SIGHUP);
        ms -= first;
    }
    /* Not synchronization: the kill comes at a random moment of the load
     * (the workers run meanwhile). */
    usleep(ms * 1000);
    logd_proc_kill(&P);
    atomic_store(&stop_load, 1);
    for (int i = 0; i < WORKERS; i++)
        pthread_join(t[i], NULL);
}

/* ---- the final check: the whole log through tiles ---- */

static int cmp_cp(const void *a, const void *b)
{
    const struct seen_cp *x = a, *y = b;

    return x->size < y->size ? -1 : x->size > y->size;
}

/* The root of every checkpoint size, from the leaves: a stack of perfect
 * subtrees folded from the right at each size. cps must be sorted. */
static size_t check_roots(const struct mirror *lc)
{
    uint8_t(*stack)[32] = malloc(65 * 32);
    uint64_t *height = malloc(65 * sizeof *height);
    size_t top = 0, next = 0, bad = 0;

    for (uint64_t i = 0; i < lc->n && next < ncps; i++) {
        memcpy(stack[top], lc->leaf[i], 32);
        height[top++] = 0;
        while (top >= 2 && height[top - 1] == height[top - 2]) {
            naive_node_hash(stack[top - 2], stack[top - 1], stack[top - 2]);
            height[top - 2]++;
            top--;
        }
        while (next < ncps && cps[next].size == i + 1) {
            uint8_t root[32];
            memcpy(root, stack[top - 1], 32);
            for (size_t j = top - 1; j-- > 0;)
                naive_node_hash(stack[j], root, root);
            if (memcmp(root, cps[next].root, 32) != 0) {
                fprintf(stderr,
                        "checkpoint %llu: root differs from the log's\n",
                        (unsigned long long)cps[next].size);
                bad++;
            }
            next++;
        }
    }
    bad += ncps - next; /* sizes beyond the log */
    free(stack);
    free(height);
    return bad;
}

static void final_check(void)
{
    struct client_http *h;
    struct checkpoint cp;
    struct mirror lc;
    uint64_t counts[5] = {0};
    size_t lost = 0, acked = 0, bad_cp = 0;

    REQUIRE(logd_proc_start(&P, logd_args) == 0);
    check_no_rollback();
    REQUIRE(client_http_open(P.url, NULL, &h) == 0);
    REQUIRE(logd_api_checkpoint(h, &P, &cp, NULL) > 0);
    saw_cp(&cp);
    memset(&lc, 0, sizeof lc);
    CHECK(mirror_fetch(h, &lc, cp.size));
    REQUIRE(lc.n == cp.size);

    /* Every acknowledged entry, byte for byte at its index. */
    for (int i = 0; i < WORKERS; i++)
        for (size_t k = 0; k < W[i].n; k++) {
            const struct cred *c = &W[i].c[k];
            if (c->state >= C_ISSUED) {
                acked++;
                lost += !mirror_entry_is(&lc, c->issue_index, c->issue,
                                         c->issue_len);
            }
            if (c->state == C_REVOKED) {
                acked++;
                lost += !mirror_entry_is(&lc, c->revoke_index, c->revoke,
                                         c->revoke_len);
            }
        }
    CHECK_MSG(lost == 0, "%zu of %zu acknowledged entries lost or changed",
              lost, acked);

    /* Every checkpoint: its root, its MAP entry, logd's consistency proof. */
    qsort(cps, ncps, sizeof *cps, cmp_cp);
    CHECK_MSG(check_roots(&lc) == 0,
              "checkpoints that are not the log's roots");
    for (size_t i = 0; i < ncps; i++) {
        uint64_t s = cps[i].size;
        uint8_t proof[64][32];
        char path[128];
        struct entry e;
        int status, n;
        size_t elen = 0;
        const uint8_t *eb =
            s == 0 || s > lc.n ? NULL : mirror_entry(&lc, s - 1, &elen);
        if (eb == NULL || entry_decode(eb, elen, &e) != 0 ||
            e.type != ENTRY_MAP || e.map_index != s - 1) {
            fprintf(stderr, "checkpoint %llu does not end with its MAP entry\n",
                    (unsigned long long)s);
            bad_cp++;
            continue;
        }
        snprintf(path, sizeof path, "/v1/proof/consistency?from=%llu&to=%llu",
                 (unsigned long long)s, (unsigned long long)cp.size);
        json_t *j = logd_api_get_json(h, path, &status);
        n = answer_hashes(json_object_get(j, "hashes"), proof, 64);
        if (status != 200 || n < 0 ||
            merkle_consistency_verify(s, cp.size, cps[i].root, cp.root,
                                      (const uint8_t(*)[32])proof,
                                      (size_t)n) != 0) {
            fprintf(stderr, "checkpoint %llu: no consistency proof to %llu\n",
                    (unsigned long long)s, (unsigned long long)cp.size);
            bad_cp++;
        }
        json_decref(j);
    }
    CHECK_MSG(bad_cp == 0, "%zu of %zu checkpoints bad", bad_cp, ncps);
    CHECK_MSG(forks == 0, "%lu checkpoints of one size with different roots",
              forks);

    /* The log replays (no credential twice, every MAP root right). */
    CHECK(mirror_violations(&lc, 0, counts) == 0);
    printf("final log: %llu entries (%llu ISSUE, %llu REVOKE, %llu MAP, %llu "
           "KEY), "
           "%zu acknowledged entries, %zu checkpoints\n",
           (unsigned long long)lc.n, (unsigned long long)counts[ENTRY_ISSUE],
           (unsigned long long)counts[ENTRY_REVOKE],
           (unsigned long long)counts[ENTRY_MAP],
           (unsigned long long)counts[ENTRY_KEY], acked, ncps);
    CHECK(counts[ENTRY_KEY] >= 2);

    /* Status proofs agree with what was acknowledged (a sample). */
    for (int i = 0; i < WORKERS; i++)
        for (size_t k = 0; k < W[i].n; k += W[i].n / 20 + 1) {
            const struct cred *c = &W[i].c[k];
            char path[100], hex[65];
            int status;
            if (c->state != C_ISSUED && c->state != C_REVOKED)
                continue;
            codec_hex_encode(c->issue + 2, 32, hex);
            snprintf(path, sizeof path, "/v1/status/%s", hex);
            json_t *st = logd_api_get_json(h, path, &status);
            CHECK(status == 200 &&
                  answer_status(&P, st, c->issue + 2,
                                c->state == C_REVOKED ? "revoked" : "active"));
            json_decref(st);
        }
    mirror_free(&lc);
    client_http_close(h);
    CHECK(logd_proc_stop(&P) == 0);
}

int main(void)
{
    const char *env = getenv("CREDLOG_CRASH_ROUNDS");
    const char *seed_env = getenv("CREDLOG_CRASH_SEED");
    unsigned rounds = env != NULL && atoi(env) > 0 ? (unsigned)atoi(env) : 20;
    uint64_t rnd = seed_env != NULL ? strtoull(seed_env, NULL, 10)
                                    : (uint64_t)time(NULL) * 2654435761u;
    unsigned long requests = 0, acked = 0, lost = 0, bad = 0;

    signal(SIGPIPE, SIG_IGN);
    logd_proc_require();
    if (rnd == 0)
        rnd = 1;
    printf("crash test: %u rounds, seed %llu\n", rounds,
           (unsigned long long)rnd);
    issuer_make(&A, "avans.nl");
    issuer_make(&B, "tue.nl");
    issuer_make(&X, "toggle.example");
    for (int i = 0; i < WORKERS; i++) {
        W[i].id = i;
        W[i].is = i == 1 ? &B : &A; /* two workers share avans.nl's key */
        W[i].rnd = rnd + 1000003 * (uint64_t)(i + 1);
    }
    {
        struct note_verifier v[2] = {A.v, B.v};
        if (logd_proc_init(&P, "crash.example/log", v, 2) != 0) {
            CHECK(0);
            return check_finish();
        }
    }
    for (unsigned r = 0; r < rounds; r++) {
        if (r % 5 == 3)
            startup_round(&rnd);
        if (logd_proc_start(&P, logd_args) != 0) {
            CHECK_MSG(0, "round %u: logd does not start after a crash", r);
            break;
        }
        check_no_rollback();
        load_round(&rnd, 400);
    }
    final_check();
    for (int i = 0; i < WORKERS; i++) {
        requests += W[i].requests;
        acked += W[i].acked;
        lost += W[i].lost;
        bad += W[i].bad;
        free(W[i].c);
    }
    printf("%lu requests, %lu receipts, %lu submissions without an answer\n",
           requests, acked, lost);
    CHECK_MSG(bad == 0, "%lu bad receipts or refusals", bad);
    CHECK(acked > 0);
    free(cps);
    logd_proc_cleanup(&P);
    note_signer_wipe(&A.s);
    note_signer_wipe(&B.s);
    note_signer_wipe(&X.s);
    return check_finish();
}
