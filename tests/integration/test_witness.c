/*
 * test_witness.c: the real `credlog witness` over real HTTP on loopback
 * (docs/witness.md), played against by a log kept in memory
 * (tests/support/memtree.h) whose checkpoints the test signs.
 *
 * - every status of add-checkpoint with a request built here, the 409's
 *   text/x.tlog.size body, the 429's Retry-After, the GET of the cosigned
 *   checkpoint opened with the log's and the witness's keys;
 * - the rollback race: many clients extending one log from the same old
 *   size at once; the cosigned history never goes back;
 * - state kept across SIGKILL; logs add-only at start and on SIGHUP.
 */
#include "check.h"
#include "files.h"
#include "logd_raw.h"
#include "memtree.h"
#include "wait.h"
#include "witness_proc.h"

#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proofs/add_checkpoint.h"
#include "proofs/checkpoint.h"

#define ORIGIN "log.example.org"

static struct note_signer log_key, other_key, slow_key;
static struct note_verifier log_v;
static struct memtree tree, fork_tree;
static struct witness_proc w;

/* The add-checkpoint body old -> n of t, signed by s with origin s->name. */
static char *request(const struct memtree *t, uint64_t old, uint64_t n,
                     const struct note_signer *s, const char *extension)
{
    uint8_t proof[MERKLE_MAX_PROOF][MERKLE_HASH_SIZE];
    struct checkpoint cp = {"", n, {0}};
    char body[CHECKPOINT_BODY_MAX + 64], note[2048];
    char *out = malloc(ADD_CHECKPOINT_MAX);
    int k = old > 0 && old <= n ? memtree_consistency(t, old, n, proof) : 0;

    if (out == NULL)
        abort();
    snprintf(cp.origin, sizeof cp.origin, "%s", s->name);
    memtree_root(t, n, cp.root);
    checkpoint_format(&cp, body, sizeof body);
    if (extension != NULL)
        strcat(body, extension);
    if (note_sign(body, strlen(body), s, note, sizeof note) < 0 ||
        add_checkpoint_format(old, (const uint8_t(*)[MERKLE_HASH_SIZE])proof,
                              (unsigned)k, note, strlen(note), out,
                              ADD_CHECKPOINT_MAX) < 0)
        abort();
    return out;
}

/* POSTs body to /add-checkpoint; the answer goes into *a. */
static int post(const char *body, size_t len, struct logd_raw_answer *a)
{
    char head[256];
    char *req;
    int n = snprintf(head, sizeof head,
                     "POST /add-checkpoint HTTP/1.1\r\nHost: w\r\n"
                     "Content-Length: %zu\r\nConnection: close\r\n\r\n",
                     len);
    int rc;

    if ((req = malloc((size_t)n + len)) == NULL)
        abort();
    memcpy(req, head, (size_t)n);
    memcpy(req + n, body, len);
    rc = logd_raw_exchange(w.port, req, (size_t)n + len, 0, 30000, a);
    free(req);
    return rc;
}

/* Posts old -> n of t and returns the status (the answer freed). */
static int post_status(const struct memtree *t, uint64_t old, uint64_t n,
                       const struct note_signer *s)
{
    struct logd_raw_answer a = {0};
    char *body = request(t, old, n, s, NULL);
    int status = post(body, strlen(body), &a) == 0 ? a.status : -1;

    free(body);
    logd_raw_answer_free(&a);
    return status;
}

static void logs_file(const char *extra)
{
    char text[4096], vk[NOTE_KEY_TEXT_MAX], sk[NOTE_KEY_TEXT_MAX];
    struct note_verifier sv;

    note_verifier_format(&log_v, vk, sizeof vk);
    note_signer_verifier(&slow_key, &sv);
    note_verifier_format(&sv, sk, sizeof sk);
    snprintf(text, sizeof text,
             "# test logs\nlogs/v0\nvkey %s\nqpd 2000000000\ncontact t\n"
             "vkey %s\nqpd 1\n%s",
             vk, sk, extra != NULL ? extra : "");
    REQUIRE(witness_proc_write_logs(&w, text) == 0);
}

static void test_statuses(void)
{
    struct logd_raw_answer a = {0};
    char *body, hdr[64];
    char note[4096];

    /* A new log: old 0 -> 10 is cosigned, and the line verifies. */
    body = request(&tree, 0, 10, &log_key, NULL);
    REQUIRE(post(body, strlen(body), &a) == 0);
    CHECK_MSG(a.status == 200, "status %d: %s", a.status, a.body);
    CHECK(strncmp(a.body, "\xe2\x80\x94 witness.example/w1 ", 23) == 0);
    {
        /* checkpoint + the answer line open with the witness's key. */
        const char *note_start = strstr(body, "\n\n") + 2;
        char full[4096];
        bool verified[1];
        uint64_t t[1];
        size_t text_len;

        snprintf(full, sizeof full, "%s%s", note_start, a.body);
        CHECK(note_open(full, strlen(full), &w.key, 1, &text_len, verified,
                        t) == 0 &&
              verified[0] && t[0] > 1700000000);
    }
    logd_raw_answer_free(&a);
    free(body);
    CHECK(witness_proc_cosigned(&w, &log_v, note, sizeof note) == 10);

    /* 409 with the size, as text/x.tlog.size. */
    body = request(&tree, 3, 20, &log_key, NULL);
    REQUIRE(post(body, strlen(body), &a) == 0);
    CHECK(a.status == 409);
    CHECK(logd_raw_header(&a, "Content-Type", hdr, sizeof hdr) == 0 &&
          strcmp(hdr, "text/x.tlog.size") == 0);
    CHECK(strcmp(a.body, "10\n") == 0);
    logd_raw_answer_free(&a);
    free(body);

    /* 200 extending it; 422 for a fork of the same size and one extending
     * it; 403 for another key of the same name; 404 unknown origin. */
    CHECK(post_status(&tree, 10, 25, &log_key) == 200);
    CHECK(post_status(&fork_tree, 25, 25, &log_key) == 422);
    CHECK(post_status(&fork_tree, 25, 30, &log_key) == 422);
    CHECK(post_status(&tree, 25, 30, &other_key) == 403);
    {
        struct note_signer stranger;
        uint8_t seed[32];

        memset(seed, 9, sizeof seed);
        note_signer_from_seed("stranger.example", seed, &stranger);
        CHECK(post_status(&tree, 0, 30, &stranger) == 404);
    }
    CHECK(witness_proc_cosigned(&w, &log_v, NULL, 0) == 25);

    /* 400: extension lines, old > size, garbage. */
    body = request(&tree, 25, 30, &log_key, "ext\n");
    REQUIRE(post(body, strlen(body), &a) == 0);
    CHECK(a.status == 400);
    logd_raw_answer_free(&a);
    free(body);
    CHECK(post_status(&tree, 31, 30, &log_key) == 400);
    REQUIRE(post("old 25\nnot a proof\n\n", 20, &a) == 0);
    CHECK(a.status == 400);
    logd_raw_answer_free(&a);
    /* 413 past 16 KiB. */
    {
        char *big = malloc(ADD_CHECKPOINT_MAX + 10);

        memset(big, 'a', ADD_CHECKPOINT_MAX + 10);
        REQUIRE(post(big, ADD_CHECKPOINT_MAX + 10, &a) == 0);
        CHECK(a.status == 413);
        logd_raw_answer_free(&a);
        free(big);
    }
    /* Nothing refused changed the state. */
    CHECK(witness_proc_cosigned(&w, &log_v, NULL, 0) == 25);
}

/* The log with qpd 1 has a bucket of 10 requests; the 11th is 429. */
static void test_rate(void)
{
    struct logd_raw_answer a = {0};
    struct memtree t;
    char hdr[32];
    int ok = 0;

    memtree_init(&t, 77);
    memtree_grow(&t, 20);
    for (uint64_t i = 0; i < 10; i++)
        ok += post_status(&t, i, i + 1, &slow_key) == 200;
    CHECK(ok == 10);
    {
        char *body = request(&t, 10, 11, &slow_key, NULL);

        REQUIRE(post(body, strlen(body), &a) == 0);
        CHECK(a.status == 429);
        CHECK(logd_raw_header(&a, "Retry-After", hdr, sizeof hdr) == 0 &&
              atoi(hdr) > 0);
        logd_raw_answer_free(&a);
        free(body);
    }
    memtree_free(&t);
}

/* Many clients extend the log from the same old size at once, each to its
 * own size: exactly one is cosigned, the others get 409, and the witness's
 * state is the winner's. */
struct racer {
    uint64_t old, to;
    int status;
};

static void *race(void *arg)
{
    struct racer *r = arg;

    r->status = post_status(&tree, r->old, r->to, &log_key);
    return NULL;
}

static void test_race(void)
{
    enum { N = 12 };
    struct racer r[N];
    pthread_t th[N];

    for (int round = 0; round < 5; round++) {
        int64_t base = witness_proc_cosigned(&w, &log_v, NULL, 0);
        uint64_t winner = 0;
        int won = 0, lost = 0;

        REQUIRE(base > 0);
        memtree_grow(&tree, (uint64_t)base + N + 1);
        for (int i = 0; i < N; i++) {
            r[i] = (struct racer){(uint64_t)base,
                                  (uint64_t)base + 1 + (uint64_t)i, 0};
            pthread_create(&th[i], NULL, race, &r[i]);
        }
        for (int i = 0; i < N; i++)
            pthread_join(th[i], NULL);
        for (int i = 0; i < N; i++) {
            if (r[i].status == 200) {
                won++;
                winner = r[i].to;
            } else if (r[i].status == 409) {
                lost++;
            }
        }
        CHECK_MSG(won == 1 && lost == N - 1, "round %d: %d won, %d lost", round,
                  won, lost);
        CHECK(witness_proc_cosigned(&w, &log_v, NULL, 0) == (int64_t)winner);
    }
}

static void test_restart_and_logs(void)
{
    int64_t before = witness_proc_cosigned(&w, &log_v, NULL, 0);
    char note[4096], again[4096];
    struct note_verifier changed;
    char vk[NOTE_KEY_TEXT_MAX], text[2048];

    witness_proc_cosigned(&w, &log_v, note, sizeof note);
    REQUIRE(witness_proc_kill(&w) == 0);
    REQUIRE(witness_proc_start(&w) == 0);
    CHECK(witness_proc_cosigned(&w, &log_v, again, sizeof again) == before);
    CHECK(strcmp(note, again) == 0);
    /* A stale old size learns the persisted one. */
    CHECK(post_status(&tree, 3, (uint64_t)before, &log_key) == 409);

    /* SIGHUP with the origin under another key: refused, still followed. */
    note_signer_verifier(&other_key, &changed);
    note_verifier_format(&changed, vk, sizeof vk);
    snprintf(text, sizeof text, "logs/v0\nvkey %s\nqpd 100\n", vk);
    REQUIRE(witness_proc_write_logs(&w, text) == 0);
    REQUIRE(witness_proc_signal(&w, SIGHUP) == 0);
    CHECK(witness_proc_wait_log(&w, "reappears with another key", 30000));
    memtree_grow(&tree, (uint64_t)before + 1);
    CHECK(post_status(&tree, (uint64_t)before, (uint64_t)before + 1,
                      &log_key) == 200);
    CHECK(post_status(&tree, (uint64_t)before + 1, (uint64_t)before + 1,
                      &other_key) == 403);
    /* And at start: the witness refuses to run. */
    REQUIRE(witness_proc_stop(&w) == 0);
    CHECK(witness_proc_run_to_exit(&w) == 2);
    /* A list without the log still follows it (add-only). */
    REQUIRE(witness_proc_write_logs(&w, "logs/v0\n") == 0);
    REQUIRE(witness_proc_start(&w) == 0);
    CHECK(post_status(&tree, (uint64_t)before + 1, (uint64_t)before + 1,
                      &log_key) == 200);
}

int main(void)
{
    uint8_t seed[32];

    memset(seed, 1, sizeof seed);
    note_signer_from_seed(ORIGIN, seed, &log_key);
    memset(seed, 2, sizeof seed);
    note_signer_from_seed(ORIGIN, seed, &other_key);
    memset(seed, 3, sizeof seed);
    note_signer_from_seed("slow.example.org", seed, &slow_key);
    note_signer_verifier(&log_key, &log_v);
    memtree_init(&tree, 0);
    memtree_init(&fork_tree, 5000);
    memtree_grow(&tree, 64);
    memtree_grow(&fork_tree, 64);

    if (witness_proc_init(&w, "witness.example/w1") != 0)
        return 1;
    logs_file(NULL);
    if (witness_proc_start(&w) != 0)
        return 1;
    test_statuses();
    test_rate();
    test_race();
    test_restart_and_logs();
    witness_proc_cleanup(&w);
    memtree_free(&tree);
    memtree_free(&fork_tree);
    note_signer_wipe(&log_key);
    note_signer_wipe(&other_key);
    note_signer_wipe(&slow_key);
    return check_finish();
}
