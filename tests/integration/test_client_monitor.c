/*
 * test_client_monitor.c: credlog monitor against logs the test writes itself
 * with proofs/ and serves from its own static tile server: it follows a
 * growing log across runs (tile boundaries included), and raises an ALERT and
 * exits 1 on a MAP entry with a wrong root, an entry signed by a key that is
 * not (or no longer) authorized, a bad signature, a revocation by another
 * issuer, a fork (same key, different history), a shrinking log, and entries
 * that do not match the signed root; a checkpoint with extension lines or of
 * an absurd size (2^40) that the log cannot back is an ALERT with the
 * checkpoint as evidence; altered entries are reported as not the signed
 * ones, never judged; a resize LMDB refuses leaves the state usable (issue
 * 10, items 2 to 4). Nothing here needs logd.
 */
#define _XOPEN_SOURCE 700 /* posix_openpt, for the progress bar test */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "credlog_run.h"
#include "files.h"
#include "issuer.h"
#include "minilog.h"
#include "minilog_server.h"
#include "wait.h"

#include <arpa/inet.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/thread.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "client/mstore.h"

static char dir[4096];
static struct note_signer avans, other, rogue;
static const uint64_t T0 = 1767225600000ull;

static void cred_of(uint64_t n, uint8_t out[32])
{
    memset(out, 0, 32);
    for (int i = 0; i < 8; i++)
        out[i] = (uint8_t)(n >> (8 * (7 - i)));
    out[31] = 0x5a;
}

/* Appends count valid ISSUEs by s, then a MAP. */
static void grow(struct minilog *ml, const struct note_signer *s,
                 uint64_t first, uint64_t count)
{
    struct entry e;
    uint8_t cred[32];

    for (uint64_t k = first; k < first + count; k++) {
        cred_of(k, cred);
        issuer_sign_entry(&e, ENTRY_ISSUE, cred, s, T0 + k, 0);
        minilog_map_set(ml, cred, minilog_append(ml, &e), SMT_NONE);
    }
    minilog_append_map(ml, T0 + first + count, NULL);
}

static void revoke_in(struct minilog *ml, const struct note_signer *s,
                      uint64_t k, uint64_t issued_at, bool apply)
{
    struct entry e;
    uint8_t cred[32];
    uint64_t i;

    cred_of(k, cred);
    issuer_sign_entry(&e, ENTRY_REVOKE, cred, s, T0 + k,
                      ENTRY_REASON_WITHDRAWN);
    i = minilog_append(ml, &e);
    if (apply)
        minilog_map_set(ml, cred, issued_at, i);
}

/* A new log with avans (and other) authorized. */
static void new_log(struct minilog *ml)
{
    minilog_init(ml, "log.example.org", 7);
    minilog_append_key(ml, ENTRY_KEY_ADD, &avans, T0);
    minilog_append_key(ml, ENTRY_KEY_ADD, &other, T0);
    minilog_append_map(ml, T0, NULL);
}

static void monitor(struct credlog_run *r, const struct minilog_server *s,
                    const char *state, const char *vkey)
{
    credlog_run_forget_pins(); /* the test's servers reuse ports with different
                                  keys */
    CREDLOG_RUN(r, "monitor", "--log", s->url, "--log-key", vkey, "--state",
                state, "--once");
}

static void state_dir(char *buf, size_t cap, const char *name)
{
    snprintf(buf, cap, "%s/%s", dir, name);
}

static void test_follow(void)
{
    struct minilog ml;
    struct minilog_server srv;
    struct credlog_run r;
    char state[4200], vkey[400], path[4300], *saved, *served;

    new_log(&ml);
    note_verifier_format(&ml.vkey, vkey, sizeof vkey);
    state_dir(state, sizeof state, "follow");
    minilog_server_start(&srv, &ml);

    monitor(&r, &srv, state, vkey);
    CREDLOG_EXPECT(&r, 0, "first check");
    CHECK(strchr(r.err, '\r') == NULL); /* no progress bar off a terminal */
    credlog_run_free(&r);

    grow(&ml, &avans, 0, 300); /* crosses the first tile boundary */
    revoke_in(&ml, &avans, 7, 3 + 7, true);
    minilog_append_map(&ml, T0 + 400, NULL);
    minilog_server_publish(&srv);
    monitor(&r, &srv, state, vkey);
    CREDLOG_EXPECT(
        &r, 0,
        "grew from 3 to 306 entries: consistent, 303 new entries verified");
    CHECK(strstr(r.out, "avans.nl") != NULL &&
          strstr(r.out, "300         1") != NULL);
    credlog_run_free(&r);

    /* Unchanged, then more growth (a partial tile becomes full). */
    monitor(&r, &srv, state, vkey);
    CREDLOG_EXPECT(&r, 0, "unchanged at 306 entries");
    credlog_run_free(&r);
    grow(&ml, &other, 1000, 250);
    minilog_server_publish(&srv);
    /* The log grows past the checkpoint before the monitor reads the tiles,
     * and drops the partial tiles that became full: the monitor falls back
     * to the full tiles. */
    grow(&ml, &other, 2000, 300);
    pthread_mutex_lock(&srv.lock);
    srv.tile_size = ml.n;
    srv.drop_partials = true;
    pthread_mutex_unlock(&srv.lock);
    CREDLOG_RUN(&r, "monitor", "--log", srv.url, "--log-key", vkey, "--state",
                state, "--once", "--json");
    CREDLOG_EXPECT(&r, 0, "\"status\": \"ok\"");
    CHECK(strstr(r.out, "\"old_size\": 306") != NULL &&
          strstr(r.out, "\"size\": 557") != NULL);
    CHECK(strstr(r.out, "\"issuer\": \"other.example\"") != NULL);
    credlog_run_free(&r);
    pthread_mutex_lock(&srv.lock);
    srv.tile_size = 0;
    srv.drop_partials = false;
    pthread_mutex_unlock(&srv.lock);

    /* The state's checkpoint file is the log's checkpoint. */
    snprintf(path, sizeof path, "%s/checkpoint", state);
    saved = files_read(path, NULL);
    served = minilog_checkpoint(&ml, srv.size);
    CHECK(saved != NULL && strcmp(saved, served) == 0);
    free(saved);
    free(served);

    /* The state belongs to this log. */
    {
        struct minilog another;
        struct minilog_server asrv;
        char okey[400];
        new_log(&another);
        minilog_free(&another);
        minilog_init(&another, "log.example.org", 8);
        minilog_append_map(&another, T0, NULL);
        note_verifier_format(&another.vkey, okey, sizeof okey);
        minilog_server_start(&asrv, &another);
        monitor(&r, &asrv, state, okey);
        CREDLOG_EXPECT(&r, 2, "follows another log");
        credlog_run_free(&r);
        minilog_server_stop(&asrv);
        minilog_free(&another);
    }

    /* A fork: the same key signs a different history, larger. */
    {
        struct minilog fork;
        struct minilog_server fsrv;
        new_log(&fork);
        grow(&fork, &avans, 5000, 700);
        minilog_server_start(&fsrv, &fork);
        monitor(&r, &fsrv, state, vkey);
        CREDLOG_EXPECT(
            &r, 1,
            "ALERT: fork: the log's tree of size 704 is not an extension");
        CHECK(strstr(r.out,
                     "checkpoint verified before:\nlog.example.org\n557\n") !=
              NULL);
        CHECK(strstr(r.err, "ALERT") != NULL);
        credlog_run_free(&r);
        /* Same size, different root. */
        minilog_free(&fork);
        new_log(&fork);
        grow(&fork, &avans, 9000, srv.size - 4);
        CHECK(fork.n == srv.size);
        minilog_server_publish(&fsrv);
        fsrv.ml = &fork;
        minilog_server_publish(&fsrv);
        monitor(&r, &fsrv, state, vkey);
        CREDLOG_EXPECT(
            &r, 1,
            "ALERT: fork: the log signed two different trees of size 557");
        credlog_run_free(&r);
        /* Shrinking. */
        pthread_mutex_lock(&fsrv.lock);
        fsrv.ml = &ml;
        fsrv.size = 305;
        pthread_mutex_unlock(&fsrv.lock);
        monitor(&r, &fsrv, state, vkey);
        CREDLOG_EXPECT(&r, 1, "ALERT: the log shrank");
        credlog_run_free(&r);
        minilog_server_stop(&fsrv);
        minilog_free(&fork);
    }
    /* The honest log still checks out: the alerts changed nothing. */
    monitor(&r, &srv, state, vkey);
    CREDLOG_EXPECT(&r, 0, "unchanged at 557 entries");
    credlog_run_free(&r);
    minilog_server_stop(&srv);
    minilog_free(&ml);
}

/* Runs a fresh monitor over a good prefix, lets bad() append a lie, and
 * expects an ALERT containing want, twice (the state does not advance). */
static void expect_alert(const char *name, void (*bad)(struct minilog *),
                         const char *want)
{
    struct minilog ml;
    struct minilog_server srv;
    struct credlog_run r;
    char state[4200], vkey[400];

    new_log(&ml);
    grow(&ml, &avans, 0, 10);
    note_verifier_format(&ml.vkey, vkey, sizeof vkey);
    state_dir(state, sizeof state, name);
    minilog_server_start(&srv, &ml);
    monitor(&r, &srv, state, vkey);
    CREDLOG_EXPECT(&r, 0, "first check");
    credlog_run_free(&r);
    bad(&ml);
    minilog_server_publish(&srv);
    for (int k = 0; k < 2; k++) {
        monitor(&r, &srv, state, vkey);
        CREDLOG_EXPECT(&r, 1, want);
        CHECK_MSG(strstr(r.out, "ALERT") == r.out ||
                      strstr(r.out, "\nALERT") != NULL,
                  "%s", name);
        /* Each lie raises its own alert, not a time alert by the way. */
        if (strstr(want, "went backwards") == NULL)
            CHECK_MSG(strstr(r.out, "went backwards") == NULL &&
                          strstr(r.out, "future-dated") == NULL,
                      "%s: time alert\n%s", name, r.out);
        credlog_run_free(&r);
    }
    minilog_server_stop(&srv);
    minilog_free(&ml);
}

static void bad_map_root(struct minilog *ml)
{
    uint8_t wrong[32];

    grow(ml, &avans, 100, 5);
    minilog_map_root(ml, wrong);
    wrong[0] ^= 1;
    minilog_append_map(ml, T0 + 999, wrong);
}

static void bad_map_index(struct minilog *ml)
{
    struct entry e;

    memset(&e, 0, sizeof e);
    e.version = ENTRY_VERSION_2;
    e.type = ENTRY_MAP;
    e.map_index = ml->n + 1;
    e.timestamp_ms = T0 + 1000;
    minilog_map_root(ml, e.map_root);
    minilog_key_root(ml, e.key_root);
    minilog_append(ml, &e);
}

/* A MAP v2 entry whose credential map is right and key map is not. */
static void bad_key_root(struct minilog *ml)
{
    uint8_t wrong[32];

    grow(ml, &avans, 100, 5);
    minilog_key_root(ml, wrong);
    wrong[31] ^= 1;
    minilog_append_map_keys(ml, T0 + 999, NULL, wrong);
}

/* A version 1 MAP entry after the log's version 2 entries. */
static void bad_old_version(struct minilog *ml)
{
    grow(ml, &avans, 100, 5);
    ml->v1 = true;
    minilog_append_map(ml, T0 + 999, NULL);
}

/* A removed key added again (as logd before version 2 could do) signs an
 * ISSUE: it stays unauthorized (protocol.md Part D). */
static void bad_readded_key(struct minilog *ml)
{
    struct entry e;
    uint8_t cred[32];

    minilog_append_key(ml, ENTRY_KEY_REMOVE, &other, T0 + 1001);
    minilog_append_map(ml, T0 + 1002, NULL);
    minilog_append_key(ml, ENTRY_KEY_ADD, &other, T0 + 1003);
    cred_of(781, cred);
    issuer_sign_entry(&e, ENTRY_ISSUE, cred, &other, T0 + 1004, 0);
    minilog_append(ml, &e);
    minilog_append_map(ml, T0 + 1005, NULL);
}

static void bad_unauthorized(struct minilog *ml)
{
    struct entry e;
    uint8_t cred[32];

    /* Signed by a key the log never authorized; by the replay rule it changes
     * nothing, so the MAP root after it is right: only the signer is wrong. */
    cred_of(777, cred);
    issuer_sign_entry(&e, ENTRY_ISSUE, cred, &rogue, T0, 0);
    minilog_append(ml, &e);
    minilog_append_map(ml, T0 + 1010, NULL);
}

static void bad_removed_key(struct minilog *ml)
{
    minilog_append_key(ml, ENTRY_KEY_REMOVE, &other, T0 + 1001);
    minilog_append_map(ml, T0 + 1002, NULL);
    bad_unauthorized(ml); /* harmless: rogue */
}

static void bad_removed_key_used(struct minilog *ml)
{
    struct entry e;
    uint8_t cred[32];

    minilog_append_key(ml, ENTRY_KEY_REMOVE, &other, T0 + 1001);
    cred_of(778, cred);
    issuer_sign_entry(&e, ENTRY_ISSUE, cred, &other, T0 + 1002, 0);
    minilog_append(ml, &e);
    minilog_append_map(ml, T0 + 1003, NULL);
}

static void bad_signature(struct minilog *ml)
{
    struct entry e;
    uint8_t cred[32];

    cred_of(779, cred);
    issuer_sign_entry(&e, ENTRY_ISSUE, cred, &avans, T0, 0);
    e.timestamp_ms++; /* no longer what was signed */
    minilog_append(ml, &e);
    minilog_append_map(ml, T0 + 1004, NULL);
}

static void bad_foreign_revoke(struct minilog *ml)
{
    revoke_in(ml, &other, 3, 0, false); /* avans issued credential 3 */
    minilog_append_map(ml, T0 + 1005, NULL);
}

static void bad_duplicate_issue(struct minilog *ml)
{
    struct entry e;
    uint8_t cred[32];

    cred_of(4, cred); /* again */
    issuer_sign_entry(&e, ENTRY_ISSUE, cred, &avans, T0 + 1006, 0);
    minilog_append(ml, &e);
    minilog_append_map(ml, T0 + 1006, NULL);
}

static void bad_no_map_last(struct minilog *ml)
{
    struct entry e;
    uint8_t cred[32];

    cred_of(780, cred);
    issuer_sign_entry(&e, ENTRY_ISSUE, cred, &avans, T0, 0);
    minilog_map_set(ml, cred, minilog_append(ml, &e), SMT_NONE);
}

static void bad_map_time(struct minilog *ml)
{
    grow(ml, &avans, 100, 5);               /* MAP at T0 + 105 */
    minilog_append_map(ml, T0 + 104, NULL); /* a millisecond back in time */
}

static void bad_entries(struct minilog *ml)
{
    /* The served entry differs from what the signed tree committed to. */
    grow(ml, &avans, 200, 3);
    ml->entries[ml->n - 2][40] ^= 1;
}

/* ---- resumable catch-up ---- */

static void run_monitor(struct credlog_run *r, const struct minilog_server *s,
                        const char *state, const char *vkey,
                        const char *max_entries)
{
    credlog_run_forget_pins();
    if (max_entries != NULL)
        CREDLOG_RUN(r, "monitor", "--log", s->url, "--log-key", vkey, "--state",
                    state, "--once", "--max-entries", max_entries);
    else
        CREDLOG_RUN(r, "monitor", "--log", s->url, "--log-key", vkey, "--state",
                    state, "--once");
}

/* A monitor's output from "  entries:" on (the counts and the per-issuer
 * table): what a finished catch-up ends with however it got there. */
static char *summary(const struct credlog_run *r)
{
    const char *p = strstr(r->out, "  entries:");
    return strdup(p != NULL ? p : "(no summary)");
}

/* A full check of the log on a fresh state: the reference summary. */
static char *reference(const struct minilog_server *s, const char *name,
                       const char *vkey)
{
    struct credlog_run r;
    char state[4200], *sum;

    state_dir(state, sizeof state, name);
    run_monitor(&r, s, state, vkey, NULL);
    CREDLOG_EXPECT(&r, 0, "first check");
    sum = summary(&r);
    credlog_run_free(&r);
    return sum;
}

static void same_summary(const struct credlog_run *r, const char *want)
{
    char *got = summary(r);
    CHECK_MSG(strcmp(got, want) == 0, "summary\n%s\nwant\n%s", got, want);
    free(got);
}

static bool same_file(const char *a, const char *b)
{
    char *x = files_read(a, NULL), *y = files_read(b, NULL);
    bool same = x != NULL && y != NULL && strcmp(x, y) == 0;

    free(x);
    free(y);
    return same;
}

/* Batches of ISSUEs by avans and other, a revocation in each, MAP entries. */
static void big_log(struct minilog *ml, uint64_t batches, uint64_t per)
{
    new_log(ml);
    for (uint64_t b = 0; b < batches; b++) {
        const struct note_signer *s = b % 2 ? &other : &avans;
        uint64_t first = 10000 + b * per, at = ml->n;
        grow(ml, s, first, per);
        revoke_in(ml, s, first + 3, at + 3, true);
        minilog_append_map(ml, T0 + first + per + 1, NULL);
    }
}

/* A catch-up stopped by --max-entries continues where it stopped and ends
 * as one run would. */
static void test_resume(void)
{
    struct minilog ml;
    struct minilog_server srv;
    struct credlog_run r;
    char state[4200], ref_state[4200], path[4300], path2[4300], vkey[400],
        *want;

    big_log(&ml, 10, 300); /* 3 + 10 * (300 + MAP + REVOKE + MAP) */
    REQUIRE(ml.n == 3033);
    note_verifier_format(&ml.vkey, vkey, sizeof vkey);
    minilog_server_start(&srv, &ml);
    want = reference(&srv, "resume-ref", vkey);
    state_dir(ref_state, sizeof ref_state, "resume-ref");
    state_dir(state, sizeof state, "resume");

    run_monitor(&r, &srv, state, vkey, "1000");
    CREDLOG_EXPECT(&r, 0,
                   "verified 1024 of 3033 entries so far (1024 this run)");
    credlog_run_free(&r);
    snprintf(path, sizeof path, "%s/checkpoint", state);
    CHECK(!files_exists(path)); /* only once verified to its end */
    run_monitor(&r, &srv, state, vkey, "1");
    CREDLOG_EXPECT(&r, 0,
                   "verified 1280 of 3033 entries so far (256 this run)");
    credlog_run_free(&r);
    credlog_run_forget_pins();
    CREDLOG_RUN(&r, "monitor", "--log", srv.url, "--log-key", vkey, "--state",
                state, "--once", "--max-entries", "1000", "--json");
    CREDLOG_EXPECT(&r, 0, "\"verified\": 2304");
    CHECK(strstr(r.out, "\"complete\": false") != NULL &&
          strstr(r.out, "\"resumed\": true") != NULL &&
          strstr(r.out, "\"checked\": 1024") != NULL);
    credlog_run_free(&r);
    run_monitor(&r, &srv, state, vkey, NULL);
    CREDLOG_EXPECT(
        &r, 0,
        "resumed at entry 2304 and verified the rest: all 3033 entries "
        "checked");
    same_summary(&r, want);
    credlog_run_free(&r);
    snprintf(path2, sizeof path2, "%s/checkpoint", ref_state);
    CHECK(same_file(path, path2));
    run_monitor(&r, &srv, state, vkey, NULL);
    CREDLOG_EXPECT(&r, 0, "unchanged at 3033 entries");
    credlog_run_free(&r);
    free(want);
    minilog_server_stop(&srv);
    minilog_free(&ml);
}

/* The log grows between the runs of a catch-up: the next run proves the new
 * checkpoint consistent with the one the catch-up started from, finishes,
 * and checks that the earlier checkpoint ended with a MAP entry too. */
static void test_resume_growth(void)
{
    struct minilog ml;
    struct minilog_server srv;
    struct credlog_run r;
    struct entry e;
    uint8_t cred[32];
    char state[4200], vkey[400], *want;
    uint64_t n1;

    new_log(&ml);
    grow(&ml, &avans, 0, 1500);
    note_verifier_format(&ml.vkey, vkey, sizeof vkey);
    minilog_server_start(&srv, &ml);
    state_dir(state, sizeof state, "growth");
    run_monitor(&r, &srv, state, vkey, "500");
    CREDLOG_EXPECT(&r, 0, "verified 512 of 1504 entries so far");
    credlog_run_free(&r);
    grow(&ml, &other, 5000, 700);
    minilog_server_publish(&srv);
    run_monitor(&r, &srv, state, vkey, "500");
    CREDLOG_EXPECT(&r, 0, "verified 1024 of 2205 entries so far");
    credlog_run_free(&r);
    grow(&ml, &other, 9000, 300);
    minilog_server_publish(&srv);
    want = reference(&srv, "growth-ref", vkey);
    run_monitor(&r, &srv, state, vkey, NULL);
    CREDLOG_EXPECT(
        &r, 0,
        "resumed at entry 1024 and verified the rest: all 2506 entries "
        "checked");
    same_summary(&r, want);
    credlog_run_free(&r);
    free(want);

    /* A catch-up towards a checkpoint whose last entry is not a MAP entry:
     * the partial run cannot see it yet; the run that passes it does, after
     * the log grew, and the state is not advanced past it. */
    state_dir(state, sizeof state, "growth-nomap");
    cred_of(777777, cred);
    issuer_sign_entry(&e, ENTRY_ISSUE, cred, &avans, T0, 0);
    minilog_map_set(&ml, cred, minilog_append(&ml, &e), SMT_NONE);
    n1 = ml.n;
    minilog_server_publish(&srv);
    run_monitor(&r, &srv, state, vkey, "1000");
    CREDLOG_EXPECT(&r, 0, "verified 1024 of 2507 entries so far");
    credlog_run_free(&r);
    minilog_append_map(&ml, T0 + 10000, NULL);
    minilog_server_publish(&srv);
    run_monitor(&r, &srv, state, vkey, NULL);
    CREDLOG_EXPECT(
        &r, 1,
        "ALERT: the checkpoint of size 2507 does not end with a MAP entry");
    credlog_run_free(&r);
    run_monitor(&r, &srv, state, vkey, NULL);
    CREDLOG_EXPECT(&r, 1, "does not end with a MAP entry");
    credlog_run_free(&r);
    CHECK(n1 == 2507);
    minilog_server_stop(&srv);
    minilog_free(&ml);
}

/* Entries served in bundles that differ from the signed tree are caught at
 * the first commit point of a catch-up, and nothing is committed. */
static void test_resume_lying_bundle(void)
{
    struct minilog ml;
    struct minilog_server srv;
    struct credlog_run r;
    struct entry e;
    uint8_t cred[32], buf[ENTRY_MAX_SIZE], *honest;
    char state[4200], vkey[400];
    size_t honest_len;
    int len;

    new_log(&ml);
    grow(&ml, &avans, 0, 1500);
    note_verifier_format(&ml.vkey, vkey, sizeof vkey);
    minilog_server_start(&srv, &ml);
    state_dir(state, sizeof state, "lying");
    /* Entry 300 becomes another valid ISSUE by avans: only the tree says no. */
    cred_of(424242, cred);
    issuer_sign_entry(&e, ENTRY_ISSUE, cred, &avans, T0 + 300, 0);
    len = entry_encode(&e, buf, sizeof buf);
    REQUIRE(len > 0);
    pthread_mutex_lock(&srv.lock);
    honest = ml.entries[300];
    honest_len = ml.lens[300];
    ml.entries[300] = malloc((size_t)len);
    memcpy(ml.entries[300], buf, (size_t)len);
    ml.lens[300] = (size_t)len;
    pthread_mutex_unlock(&srv.lock);
    run_monitor(&r, &srv, state, vkey, "1000");
    CREDLOG_EXPECT(
        &r, 1,
        "do not hash to the root of its checkpoint (size 1504): entries "
        "[0, 1024)");
    credlog_run_free(&r);
    pthread_mutex_lock(&srv.lock);
    free(ml.entries[300]);
    ml.entries[300] = honest;
    ml.lens[300] = honest_len;
    pthread_mutex_unlock(&srv.lock);
    /* Nothing was kept: the honest log's catch-up starts at entry 0. */
    run_monitor(&r, &srv, state, vkey, "1000");
    CREDLOG_EXPECT(&r, 0,
                   "verified 1024 of 1504 entries so far (1024 this run)");
    credlog_run_free(&r);
    minilog_server_stop(&srv);
    minilog_free(&ml);
}

/* A monitor killed in the middle of a catch-up resumes at its last commit
 * and ends as one run would. */
static void test_resume_killed(void)
{
    struct minilog ml;
    struct minilog_server srv;
    struct credlog_run r;
    char state[4200], vkey[400], *want, *at;
    unsigned long bundles = 0, resumed = 0;
    pid_t pid;

    new_log(&ml);
    grow(&ml, &avans, 0, 3000);
    grow(&ml, &other, 20000, 3000);
    note_verifier_format(&ml.vkey, vkey, sizeof vkey);
    minilog_server_start(&srv, &ml);
    want = reference(&srv, "killed-ref", vkey);
    state_dir(state, sizeof state, "killed");
    pthread_mutex_lock(&srv.lock);
    srv.bundle_requests = 0;
    pthread_mutex_unlock(&srv.lock);
    credlog_run_forget_pins();
    {
        const char *args[] = {"monitor", "--log", srv.url,  "--log-key", vkey,
                              "--state", state,   "--once", NULL};
        pid = credlog_run_spawn(args, "killed");
    }
    /* Once bundle 17 is asked for, the commit after bundle 15 (entry 4096)
     * is done. */
    {
        /* Polled every millisecond: the kill must come while the monitor
         * is still in the middle of the log. */
        struct wait w = wait_begin_step(60000, 1000);
        do {
            pthread_mutex_lock(&srv.lock);
            bundles = srv.bundle_requests;
            pthread_mutex_unlock(&srv.lock);
        } while (bundles < 18 && wait_more(&w));
    }
    kill(pid, SIGKILL);
    credlog_run_wait(&r, pid, "killed", 20);
    CHECK(r.status == -1);
    credlog_run_free(&r);
    CHECK(bundles >= 18);
    run_monitor(&r, &srv, state, vkey, NULL);
    CREDLOG_EXPECT(&r, 0, "resumed at entry ");
    at = strstr(r.out, "resumed at entry ");
    if (at != NULL)
        resumed = strtoul(at + 17, NULL, 10);
    CHECK_MSG(resumed >= 4096 && resumed % 4096 == 0 && resumed < ml.n,
              "resumed at %lu", resumed);
    same_summary(&r, want);
    credlog_run_free(&r);
    free(want);
    minilog_server_stop(&srv);
    minilog_free(&ml);
}

/* On a terminal (stderr is a pty) the monitor draws a progress bar. */
static void test_progress_tty(void)
{
    struct minilog ml;
    struct minilog_server srv;
    char state[4200], vkey[400], out[8192], xdg[4200];
    size_t used = 0;
    int master, st = 0;
    pid_t pid;

    new_log(&ml);
    grow(&ml, &avans, 0, 600);
    note_verifier_format(&ml.vkey, vkey, sizeof vkey);
    state_dir(state, sizeof state, "tty");
    snprintf(xdg, sizeof xdg, "%s/config", credlog_run_home);
    minilog_server_start(&srv, &ml);
    credlog_run_forget_pins();
    master = posix_openpt(O_RDWR | O_NOCTTY);
    REQUIRE(master >= 0 && grantpt(master) == 0 && unlockpt(master) == 0);
    fflush(NULL);
    pid = fork();
    if (pid == 0) {
        int slave = open(ptsname(master), O_RDWR | O_NOCTTY);
        int devnull = open("/dev/null", O_WRONLY);
        if (slave < 0 || devnull < 0)
            _exit(127);
        dup2(devnull, 1);
        dup2(slave, 2);
        setenv("HOME", credlog_run_home, 1);
        setenv("XDG_CONFIG_HOME", xdg, 1);
        execl(getenv("CREDLOG_BIN"), "credlog", "monitor", "--log", srv.url,
              "--log-key", vkey, "--state", state, "--once", (char *)NULL);
        _exit(127);
    }
    for (int i = 0; i < 2000 && used < sizeof out - 1; i++) {
        struct pollfd pfd = {master, POLLIN, 0};
        ssize_t n;
        if (poll(&pfd, 1, 10) > 0) {
            n = read(master, out + used, sizeof out - 1 - used);
            if (n <= 0)
                break; /* EIO once the child is gone */
            used += (size_t)n;
        } else if (waitpid(pid, &st, WNOHANG) == pid) {
            pid = 0;
            break;
        }
    }
    if (pid != 0)
        waitpid(pid, &st, 0);
    out[used] = '\0';
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    CHECK_MSG(strstr(out, "\r[") != NULL &&
                  strstr(out, "604/604 entries") != NULL,
              "no progress bar on a terminal: %s", out);
    close(master);
    minilog_server_stop(&srv);
    minilog_free(&ml);
}

/* Without --once the monitor keeps checking, and stops with exit 1 at the
 * first alert. */
static void test_loop(void)
{
    struct minilog ml;
    struct minilog_server srv;
    struct credlog_run r;
    char state[4200], vkey[400];
    uint8_t wrong[32];
    pid_t pid;

    new_log(&ml);
    note_verifier_format(&ml.vkey, vkey, sizeof vkey);
    state_dir(state, sizeof state, "loop");
    minilog_server_start(&srv, &ml);
    credlog_run_forget_pins();
    {
        const char *args[] = {"monitor", "--log",   srv.url, "--log-key",
                              vkey,      "--state", state,   "--interval",
                              "1",       NULL};
        pid = credlog_run_spawn(args, "loop");
    }
    /* Only once the first check has printed its result does the log lie: a
     * slow machine (valgrind, a loaded CI box) may need long for it. */
    CHECK_MSG(credlog_run_wait_output(pid, "loop", "first check", 300000),
              "the looping monitor did not finish its first check");
    pthread_mutex_lock(&srv.lock);
    grow(&ml, &avans, 0, 3);
    minilog_map_root(&ml, wrong);
    wrong[5] ^= 0x40;
    minilog_append_map(&ml, T0 + 50, wrong);
    srv.size = ml.n;
    pthread_mutex_unlock(&srv.lock);
    credlog_run_wait(&r, pid, "loop", 300);
    CREDLOG_EXPECT(&r, 1, "ALERT: entry 7: wrong MAP root");
    CHECK(strstr(r.out, "first check") != NULL);
    credlog_run_free(&r);
    minilog_server_stop(&srv);
    minilog_free(&ml);
}

/* ---- times ---- */

#define MINUTES(n) ((uint64_t)(n)*60 * 1000)

/* Appends an ISSUE of credential k by avans dated ts; returns its index. */
static uint64_t issue_at(struct minilog *ml, uint64_t k, uint64_t ts)
{
    struct entry e;
    uint8_t cred[32];
    uint64_t i;

    cred_of(k, cred);
    issuer_sign_entry(&e, ENTRY_ISSUE, cred, &avans, ts, 0);
    i = minilog_append(ml, &e);
    minilog_map_set(ml, cred, i, SMT_NONE);
    return i;
}

/* Appends a REVOKE by avans of credential k (issued at entry issued) dated
 * ts; returns its index. */
static uint64_t revoke_at(struct minilog *ml, uint64_t k, uint64_t issued,
                          uint64_t ts)
{
    struct entry e;
    uint8_t cred[32];
    uint64_t i;

    cred_of(k, cred);
    issuer_sign_entry(&e, ENTRY_REVOKE, cred, &avans, ts,
                      ENTRY_REASON_WITHDRAWN);
    i = minilog_append(ml, &e);
    minilog_map_set(ml, cred, issued, i);
    return i;
}

/* Issuer timestamps are at most 10 minutes after the MAP entry that follows
 * them; the monitor names each one that is not, also past its list of
 * entries named one by one, and across runs. */
static void test_times(void)
{
    struct minilog ml;
    struct minilog_server srv;
    struct credlog_run r;
    char state[4200], vkey[400], want[300];
    uint64_t map = T0 + MINUTES(60), first, late, i1, i2;

    new_log(&ml); /* its MAP entry is dated T0 */
    note_verifier_format(&ml.vkey, vkey, sizeof vkey);
    state_dir(state, sizeof state, "times");
    minilog_server_start(&srv, &ml);

    /* Exactly 10 minutes ahead of the next MAP entry is allowed, and so is a
     * MAP entry with the same time as the one before. After an idle hour
     * (a log with no heartbeat) a batch of entries is dated up to 10 minutes
     * after the MAP entry that ends it, which is fine too: here 100 of them,
     * more than the monitor names one by one. */
    i1 = issue_at(&ml, 1, map + MINUTES(10));
    revoke_at(&ml, 1, i1, map + MINUTES(10));
    minilog_append_map(&ml, map, NULL);
    minilog_append_map(&ml, map, NULL);
    first = ml.n;
    for (uint64_t k = 0; k < 100; k++)
        issue_at(&ml, 100 + k, map + MINUTES(70) + k);
    minilog_append_map(&ml, map + MINUTES(61), NULL);
    minilog_server_publish(&srv);
    monitor(&r, &srv, state, vkey);
    CREDLOG_EXPECT(&r, 0, "first check");
    credlog_run_free(&r);

    /* A millisecond more is an alert for that entry, naming it, and so is
     * a REVOKE dated 90 minutes ahead; the alerts come back on the next
     * run. */
    map += MINUTES(61); /* 02:01 */
    i1 = issue_at(&ml, 300, map + MINUTES(10) + 1);
    issue_at(&ml, 301, map);
    i2 = revoke_at(&ml, 100, first, map + MINUTES(90));
    minilog_append_map(&ml, map, NULL);
    minilog_server_publish(&srv);
    for (int k = 0; k < 2; k++) {
        monitor(&r, &srv, state, vkey);
        snprintf(want, sizeof want,
                 "ALERT: entry %llu: ISSUE by avans.nl is dated 2026-01-01 "
                 "02:11:00 UTC, 10 "
                 "minutes after the time of the MAP entry that follows it "
                 "(entry %llu, "
                 "2026-01-01 02:01:00 UTC): logd refuses timestamps more than "
                 "10 minutes ahead "
                 "of its clock, so the log accepted a future-dated entry or "
                 "its clock is wrong",
                 (unsigned long long)i1, (unsigned long long)ml.n - 1);
        CREDLOG_EXPECT(&r, 1, want);
        snprintf(want, sizeof want,
                 "ALERT: entry %llu: REVOKE by avans.nl is dated 2026-01-01 "
                 "03:31:00 UTC, 1 hour "
                 "30 minutes after",
                 (unsigned long long)i2);
        CHECK_MSG(strstr(r.out, want) != NULL, "%s", r.out);
        CHECK_MSG(strstr(r.out, "ALERT: 2 problem(s)") != NULL, "%s", r.out);
        credlog_run_free(&r);
    }
    minilog_server_stop(&srv);
    minilog_free(&ml);

    /* Past the entries named one by one, the latest-dated of the others is
     * named. */
    new_log(&ml);
    state_dir(state, sizeof state, "times-many");
    minilog_server_start(&srv, &ml);
    map = T0 + MINUTES(60);
    for (uint64_t k = 0; k < 100; k++) {
        late = k == 90 ? map + MINUTES(11) : map + MINUTES(5) + k;
        i2 = issue_at(&ml, 500 + k, late);
        if (k == 90)
            i1 = i2;
    }
    minilog_append_map(&ml, map, NULL);
    minilog_server_publish(&srv);
    monitor(&r, &srv, state, vkey);
    snprintf(want, sizeof want,
             "ALERT: entry %llu: ISSUE by avans.nl is dated 2026-01-01 "
             "01:11:00 UTC, 11 minutes "
             "after the time of the MAP entry that follows it (entry %llu, "
             "2026-01-01 01:00:00 "
             "UTC) (the latest-dated of 36 entries not checked one by one; "
             "more of them may be "
             "too)",
             (unsigned long long)i1, (unsigned long long)ml.n - 1);
    CREDLOG_EXPECT(&r, 1, want);
    CHECK_MSG(strstr(r.out, "ALERT: 1 problem(s)") != NULL, "%s", r.out);
    credlog_run_free(&r);
    minilog_server_stop(&srv);
    minilog_free(&ml);

    /* An entry replayed in one run is checked against the MAP entry that
     * follows it, replayed in the next: the state keeps it. */
    new_log(&ml);
    state_dir(state, sizeof state, "times-resume");
    minilog_server_start(&srv, &ml);
    grow(&ml, &avans, 0, 200);                  /* its MAP entry: T0 + 200 ms */
    i1 = issue_at(&ml, 2000, T0 + MINUTES(30)); /* entry 204 */
    for (uint64_t k = 0; k < 95; k++)
        issue_at(&ml, 3000 + k, T0 + MINUTES(10)); /* 205..299 */
    minilog_append_map(&ml, T0 + MINUTES(19), NULL);
    minilog_server_publish(&srv);
    REQUIRE(i1 == 204 && ml.n == 301);
    run_monitor(&r, &srv, state, vkey, "1");
    CREDLOG_EXPECT(&r, 0, "verified 256 of 301 entries so far");
    credlog_run_free(&r);
    run_monitor(&r, &srv, state, vkey, NULL);
    CREDLOG_EXPECT(
        &r, 1,
        "ALERT: entry 204: ISSUE by avans.nl is dated 2026-01-01 00:30:00 UTC, "
        "11 "
        "minutes after the time of the MAP entry that follows it (entry 300, "
        "2026-01-01 00:19:00 UTC)");
    CHECK_MSG(strstr(r.out, "ALERT: 1 problem(s)") != NULL, "%s", r.out);
    credlog_run_free(&r);
    minilog_server_stop(&srv);
    minilog_free(&ml);
}

/* ---- a log that signs what the test wants ---- */

/* Serves `note` as /checkpoint (whatever it says) and ml's tiles at its
 * current size; anything else is 404. */
struct liar {
    struct event_base *base;
    struct evhttp *http;
    pthread_t thread;
    struct minilog *ml;
    char *note;
    bool no_bundles; /* 404 for every entry bundle */
    char url[64];
};

static void liar_reply(struct evhttp_request *req, int code, const char *type,
                       const void *body, size_t len)
{
    struct evbuffer *b = evbuffer_new();

    evbuffer_add(b, body, len);
    evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type",
                      type);
    evhttp_send_reply(req, code, code == 200 ? "OK" : "Error", b);
    evbuffer_free(b);
}

static void liar_handle(struct evhttp_request *req, void *arg)
{
    struct liar *l = arg;
    const char *uri = evhttp_request_get_uri(req);
    struct tile t;
    uint8_t *data;
    size_t len;

    if (strcmp(uri, "/checkpoint") == 0)
        liar_reply(req, 200, "text/plain; charset=utf-8", l->note,
                   strlen(l->note));
    else if (strncmp(uri, "/tile/", 6) == 0 &&
             tile_parse_path(uri + 1, strlen(uri + 1), &t) == 0 &&
             !(l->no_bundles && t.level == TILE_LEVEL_ENTRIES) &&
             minilog_tile(l->ml, l->ml->n, &t, &data, &len)) {
        liar_reply(req, 200, "application/octet-stream", data, len);
        free(data);
    } else {
        liar_reply(req, 404, "application/json", "{\"error\":\"not found\"}",
                   strlen("{\"error\":\"not found\"}"));
    }
}

static void *liar_main(void *arg)
{
    event_base_dispatch(((struct liar *)arg)->base);
    return NULL;
}

static void liar_start(struct liar *l, struct minilog *ml, char *note)
{
    struct evhttp_bound_socket *sock;
    struct sockaddr_in sin;
    socklen_t sl = sizeof sin;

    memset(l, 0, sizeof *l);
    evthread_use_pthreads();
    l->ml = ml;
    l->note = note;
    l->base = event_base_new();
    l->http = evhttp_new(l->base);
    evhttp_set_gencb(l->http, liar_handle, l);
    sock = evhttp_bind_socket_with_handle(l->http, "127.0.0.1", 0);
    if (sock == NULL)
        abort();
    getsockname(evhttp_bound_socket_get_fd(sock), (struct sockaddr *)&sin, &sl);
    snprintf(l->url, sizeof l->url, "http://127.0.0.1:%d", ntohs(sin.sin_port));
    pthread_create(&l->thread, NULL, liar_main, l);
}

static void liar_stop(struct liar *l)
{
    event_base_loopbreak(l->base);
    pthread_join(l->thread, NULL);
    evhttp_free(l->http);
    event_base_free(l->base);
    free(l->note);
}

/* The log's key signs "origin\nsize\nroot\n" followed by extra. */
static char *signed_checkpoint(const struct minilog *ml, uint64_t size,
                               const uint8_t root[32], const char *extra)
{
    struct checkpoint cp;
    char body[CHECKPOINT_BODY_MAX + 200], *note = malloc(4096);
    int blen;

    memset(&cp, 0, sizeof cp);
    snprintf(cp.origin, sizeof cp.origin, "%s", ml->key.name);
    cp.size = size;
    memcpy(cp.root, root, 32);
    blen = checkpoint_format(&cp, body, sizeof body);
    if (note == NULL || blen < 0)
        abort();
    snprintf(body + blen, sizeof body - (size_t)blen, "%s", extra);
    if (note_sign(body, strlen(body), &ml->key, note, 4096) < 0)
        abort();
    return note;
}

static void liar_monitor(struct credlog_run *r, const struct liar *l,
                         const char *state, const char *vkey)
{
    credlog_run_forget_pins();
    CREDLOG_RUN(r, "monitor", "--log", l->url, "--log-key", vkey, "--state",
                state, "--once");
}

/* issue 10, item 2: a checkpoint with an extension line is an alert, with
 * the checkpoint as evidence, and the state stays where it was. */
static void test_extension_lines(void)
{
    struct minilog ml;
    struct liar l;
    struct credlog_run r;
    char state[4200], vkey[400];
    uint8_t root[32];

    new_log(&ml);
    grow(&ml, &avans, 0, 10);
    note_verifier_format(&ml.vkey, vkey, sizeof vkey);
    minilog_root(&ml, ml.n, root);
    state_dir(state, sizeof state, "extension");
    for (int k = 0; k < 2; k++) {
        liar_start(
            &l, &ml,
            signed_checkpoint(&ml, ml.n, root, k ? "ext\n" : "more\nlines\n"));
        liar_monitor(&r, &l, state, vkey);
        CREDLOG_EXPECT(
            &r, 1,
            "ALERT: the log's checkpoint (size 14) carries extension "
            "lines");
        CHECK_MSG(strstr(r.out, "ALERT: checkpoint the log signs now:\n") !=
                          NULL &&
                      strstr(r.out, k ? "\next\n\n" : "\nlines\n\n") != NULL,
                  "%s", r.out);
        credlog_run_free(&r);
        liar_stop(&l);
    }
    /* Nothing was kept: the same tree without the line is a first check. */
    liar_start(&l, &ml, signed_checkpoint(&ml, ml.n, root, ""));
    liar_monitor(&r, &l, state, vkey);
    CREDLOG_EXPECT(&r, 0, "first check");
    credlog_run_free(&r);
    liar_stop(&l);
    minilog_free(&ml);
}

/* issue 10, item 4: a signed checkpoint of 2^40 entries that the log cannot
 * back is an alert that keeps the checkpoint, on a first run and after one;
 * nothing is reserved for it and the state stays usable. */
static void test_absurd_size(void)
{
    struct minilog ml;
    struct liar l;
    struct credlog_run r;
    char state[4200], vkey[400], want[200];
    uint8_t root[32];
    const uint64_t huge = (uint64_t)1 << 40;

    new_log(&ml);
    grow(&ml, &avans, 0, 10);
    note_verifier_format(&ml.vkey, vkey, sizeof vkey);
    memset(root, 0x77, sizeof root);
    snprintf(want, sizeof want,
             "ALERT: the log cannot back its signed checkpoint (size %llu): "
             "hash tile ",
             (unsigned long long)huge);
    for (int k = 0; k < 2; k++) {
        state_dir(state, sizeof state, k ? "absurd-after" : "absurd-first");
        if (k == 1) {
            minilog_root(&ml, ml.n, root);
            liar_start(&l, &ml, signed_checkpoint(&ml, ml.n, root, ""));
            liar_monitor(&r, &l, state, vkey);
            CREDLOG_EXPECT(&r, 0, "first check");
            credlog_run_free(&r);
            liar_stop(&l);
            memset(root, 0x77, sizeof root);
        }
        liar_start(&l, &ml, signed_checkpoint(&ml, huge, root, ""));
        liar_monitor(&r, &l, state, vkey);
        CREDLOG_EXPECT(&r, 1, want);
        CHECK_MSG(strstr(r.out, "ALERT: checkpoint the log signs now:\n") !=
                          NULL &&
                      strstr(r.out, "\n1099511627776\n") != NULL,
                  "%s", r.out);
        credlog_run_free(&r);
        liar_stop(&l);
    }
    /* A log that serves the hash tiles of its signed checkpoint but not
     * the entries: an alert too, not "could not check". */
    state_dir(state, sizeof state, "absurd-bundles");
    minilog_root(&ml, ml.n, root);
    liar_start(&l, &ml, signed_checkpoint(&ml, ml.n, root, ""));
    l.no_bundles = true;
    liar_monitor(&r, &l, state, vkey);
    CREDLOG_EXPECT(
        &r, 1,
        "ALERT: the log cannot back its signed checkpoint (size 14): "
        "entry bundle 0 (width 14) is not served");
    credlog_run_free(&r);
    liar_stop(&l);
    state_dir(state, sizeof state, "absurd-after");

    /* The state was not advanced (nor grown): the honest checkpoint is
     * unchanged. */
    minilog_root(&ml, ml.n, root);
    liar_start(&l, &ml, signed_checkpoint(&ml, ml.n, root, ""));
    liar_monitor(&r, &l, state, vkey);
    CREDLOG_EXPECT(&r, 0, "unchanged at 14 entries");
    credlog_run_free(&r);
    {
        char path[4300];
        struct stat st;
        snprintf(path, sizeof path, "%s/data.mdb", state);
        CHECK(stat(path, &st) == 0 && st.st_size < ((off_t)64 << 20));
    }
    liar_stop(&l);
    minilog_free(&ml);
}

/* issue 10, item 3: entries that are not the signed ones are not judged: a
 * network that swaps in a badly signed entry makes the monitor say the
 * entries do not match the checkpoint, never that the log appended a bad
 * signature. */
static void bad_entry_served(struct minilog *ml)
{
    grow(ml, &avans, 300, 3);
    ml->entries[ml->n - 2][ml->lens[ml->n - 2] - 1] ^= 1; /* its signature */
}

static void test_prove_before_judge(void)
{
    struct minilog ml;
    struct minilog_server srv;
    struct credlog_run r;
    char state[4200], vkey[400];

    new_log(&ml);
    grow(&ml, &avans, 0, 10);
    note_verifier_format(&ml.vkey, vkey, sizeof vkey);
    state_dir(state, sizeof state, "prove-first");
    minilog_server_start(&srv, &ml);
    monitor(&r, &srv, state, vkey);
    CREDLOG_EXPECT(&r, 0, "first check");
    credlog_run_free(&r);
    pthread_mutex_lock(&srv.lock);
    bad_entry_served(&ml);
    srv.size = ml.n;
    pthread_mutex_unlock(&srv.lock);
    monitor(&r, &srv, state, vkey);
    CREDLOG_EXPECT(&r, 1,
                   "do not hash to the root of its checkpoint (size 18)");
    CHECK_MSG(strstr(r.out, "does not verify") == NULL &&
                  strstr(r.out, "ALERT: 1 problem(s)") != NULL,
              "%s", r.out);
    credlog_run_free(&r);
    minilog_server_stop(&srv);
    minilog_free(&ml);
}

/* issue 10, item 4: a resize LMDB cannot map left the environment without
 * its map, and the next read faulted. Run in a child whose address space is
 * limited so that the mmap fails. Not under ASan, whose shadow memory needs
 * the address space. */
/* A state saved by a credlog from before the key map (replay state
 * version 2) has no key map to check MAP v2 entries against: the monitor
 * refuses it with what to do, and a fresh state replays the log again. */
static void test_old_state(void)
{
    struct minilog ml;
    struct minilog_server srv;
    struct credlog_run r;
    struct mstore *s;
    struct mstore_txn *t;
    char state[4200], vkey[400], why[CLIENT_REASON_MAX];
    uint8_t *v = NULL;
    size_t len = 0;
    bool found = false;

    new_log(&ml);
    grow(&ml, &avans, 0, 10);
    note_verifier_format(&ml.vkey, vkey, sizeof vkey);
    state_dir(state, sizeof state, "old-state");
    minilog_server_start(&srv, &ml);
    monitor(&r, &srv, state, vkey);
    CREDLOG_EXPECT(&r, 0, "first check");
    credlog_run_free(&r);
    REQUIRE(mstore_open(state, 0, &s, why) == 0);
    REQUIRE(mstore_begin(s, true, &t, why) == 0);
    REQUIRE(mstore_meta_get(t, "replay", &v, &len, &found) == 0 && found &&
            len > 0 && v[0] == 3);
    v[0] = 2;
    REQUIRE(mstore_meta_put(t, "replay", v, len) == 0 &&
            mstore_commit(t, why) == 0);
    mstore_close(s);
    free(v);
    monitor(&r, &srv, state, vkey);
    CREDLOG_EXPECT(&r, 2, "from before the key map");
    CHECK(strstr(r.out, "ALERT") == NULL);
    credlog_run_free(&r);
    files_rmtree(state);
    monitor(&r, &srv, state, vkey);
    CREDLOG_EXPECT(&r, 0, "first check");
    credlog_run_free(&r);
    minilog_server_stop(&srv);
    minilog_free(&ml);
}

static void test_mstore_resize(void)
{
    char sdir[4200], why[CLIENT_REASON_MAX];
    struct mstore *s;
    struct mstore_txn *t;
    pid_t pid;
    int st = 0;

    state_dir(sdir, sizeof sdir, "resize");
    REQUIRE(mstore_open(sdir, 0, &s, why) == 0);
    /* Beyond any plausible state: refused before LMDB is asked. */
    CHECK(mstore_reserve(s, (uint64_t)1 << 50, why) == MSTORE_ERR_TOO_BIG);
    CHECK(mstore_begin(s, true, &t, why) == 0 &&
          mstore_meta_put(t, "x", "1", 1) == 0 && mstore_commit(t, why) == 0);
    mstore_close(s);
#if defined(__SANITIZE_ADDRESS__)
    return;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
    return;
#endif
#endif
    fflush(NULL);
    pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        unsigned long pages = 0;
        FILE *f = fopen("/proc/self/statm", "r");
        struct rlimit lim;
        uint8_t *v = NULL;
        size_t len;
        bool found;
        int rc;

        if (f == NULL || fscanf(f, "%lu", &pages) != 1)
            _exit(10);
        fclose(f);
        lim.rlim_cur = lim.rlim_max =
            (rlim_t)pages * (rlim_t)sysconf(_SC_PAGESIZE) + ((rlim_t)3 << 30);
        if (setrlimit(RLIMIT_AS, &lim) != 0 ||
            mstore_open(sdir, 0, &s, why) != 0)
            _exit(11);
        rc = mstore_reserve(s, (uint64_t)4 << 30, why);
        if (rc != MSTORE_ERR_NOMEM && rc != MSTORE_ERR_LMDB)
            _exit(12);
        /* Still usable. */
        if (mstore_begin(s, true, &t, why) != 0 ||
            mstore_meta_get(t, "x", &v, &len, &found) != 0 || !found ||
            len != 1 || mstore_meta_put(t, "y", "2", 1) != 0 ||
            mstore_commit(t, why) != 0)
            _exit(13);
        free(v);
        mstore_close(s);
        _exit(0);
    }
    waitpid(pid, &st, 0);
    CHECK_MSG(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child: %s %d",
              WIFSIGNALED(st) ? "signal" : "exit",
              WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
}

int main(void)
{
    uint8_t seed[32];

    credlog_run_require();
    files_tmpdir(dir, sizeof dir, "monitor");
    snprintf(credlog_run_home, sizeof credlog_run_home, "%s", dir);
    memset(seed, 1, sizeof seed);
    note_signer_from_seed("avans.nl", seed, &avans);
    memset(seed, 2, sizeof seed);
    note_signer_from_seed("other.example", seed, &other);
    memset(seed, 3, sizeof seed);
    note_signer_from_seed("avans.nl", seed, &rogue);

    test_follow();
    test_resume();
    test_resume_growth();
    test_resume_lying_bundle();
    test_resume_killed();
    test_loop();
    test_progress_tty();
    expect_alert("map-root", bad_map_root, "wrong MAP root");
    expect_alert("map-index", bad_map_index, "MAP entry claims index");
    expect_alert("key-root", bad_key_root, "wrong MAP key root");
    expect_alert("old-version", bad_old_version,
                 "a version 1 MAP entry after the log's first version 2");
    expect_alert("readded", bad_readded_key,
                 "ISSUE signed by other.example key");
    expect_alert("unauthorized", bad_unauthorized,
                 "not authorized at this point");
    expect_alert("removed", bad_removed_key, "not authorized at this point");
    expect_alert("removed-used", bad_removed_key_used, "other.example key");
    expect_alert("signature", bad_signature, "signature by avans.nl key");
    expect_alert("foreign-revoke", bad_foreign_revoke,
                 "REVOKE by other.example of credential");
    expect_alert("duplicate", bad_duplicate_issue, "second ISSUE");
    expect_alert("no-map", bad_no_map_last, "does not end with a MAP entry");
    expect_alert("entries", bad_entries, "do not hash to the root");
    expect_alert("map-time", bad_map_time,
                 "ALERT: entry 20: MAP entry dated 2026-01-01 00:00:00 UTC, 1 "
                 "millisecond before "
                 "the MAP entry at 19 (2026-01-01 00:00:00 UTC): the log's "
                 "time went backwards");
    test_times();
    test_extension_lines();
    test_absurd_size();
    test_prove_before_judge();
    test_mstore_resize();
    test_old_state();

    note_signer_wipe(&avans);
    note_signer_wipe(&other);
    note_signer_wipe(&rogue);
    if (check_failed == 0)
        files_rmtree(dir);
    else
        fprintf(stderr, "kept %s\n", dir);
    return check_finish();
}
