/*
 * test_witness_check.c: the tlog-witness add-checkpoint rules
 * (witness/check.h), every status with a request built here: the log is an
 * in-memory tree (tests/support/memtree.h) whose checkpoints are signed
 * with a log key made from a fixed seed.
 */
#include "check.h"
#include "memtree.h"
#include "witness/check.h"

#include <stdio.h>
#include <string.h>

static struct note_signer log_key, other_key, witness_key;
static struct note_verifier log_v, witness_v;

/* A signed checkpoint of the first n leaves of t, signed by s. */
static void signed_checkpoint(const struct memtree *t, uint64_t n,
                              const struct note_signer *s, char *out,
                              size_t cap)
{
    struct checkpoint cp = {"log.example", n, {0}};
    char body[CHECKPOINT_BODY_MAX + 1];

    memtree_root(t, n, cp.root);
    if (checkpoint_format(&cp, body, sizeof body) < 0 ||
        note_sign(body, strlen(body), s, out, cap) < 0)
        abort();
}

/* The add-checkpoint body for old -> n of t. */
static void request(const struct memtree *t, uint64_t old, uint64_t n,
                    const struct note_signer *s, char *out, size_t cap)
{
    uint8_t proof[MERKLE_MAX_PROOF][MERKLE_HASH_SIZE];
    char note[2048];
    int k = old > 0 && old <= n ? memtree_consistency(t, old, n, proof) : 0;

    signed_checkpoint(t, n, s, note, sizeof note);
    if (add_checkpoint_format(old, (const uint8_t(*)[MERKLE_HASH_SIZE])proof,
                              (unsigned)k, note, strlen(note), out, cap) < 0)
        abort();
}

/* Runs parse, authenticate and check of body against cur. */
static int decide(const char *body, const struct witness_state *cur,
                  struct witness_request *r, char *sigs, size_t *sigs_len)
{
    int rc = witness_request_parse(body, strlen(body), r);

    if (rc == 0)
        rc = witness_request_authenticate(r, &log_v, sigs, 4096, sigs_len);
    if (rc == 0)
        rc = witness_request_check(r, cur);
    return rc;
}

static void state_of(const struct memtree *t, uint64_t n,
                     struct witness_state *st)
{
    st->size = n;
    memtree_root(t, n, st->root);
}

static void test_statuses(void)
{
    static char body[ADD_CHECKPOINT_MAX + 2], sigs[4096], note[8192];
    char line[COSIGNATURE_LINE_MAX + 1];
    struct memtree t, fork;
    struct witness_state cur, next;
    struct witness_request r;
    size_t sigs_len;
    bool verified[2];
    uint64_t times[2];
    size_t text_len;
    int n;

    memtree_init(&t, 0);
    memtree_init(&fork, 1000);
    memtree_grow(&t, 40);
    memtree_grow(&fork, 40);

    /* A new log: old 0, the state is size 0. */
    state_of(&t, 0, &cur);
    request(&t, 0, 10, &log_key, body, sizeof body);
    CHECK(decide(body, &cur, &r, sigs, &sigs_len) == 0);
    REQUIRE(cosignature_sign(&witness_key, 1700000000, r.add.note, r.text_len,
                             line, sizeof line) > 0);
    n = witness_cosigned_note(&r, sigs, sigs_len, line, note, sizeof note,
                              &next);
    REQUIRE(n > 0 && (size_t)n == strlen(note));
    CHECK(next.size == 10 && memcmp(next.root, r.cp.root, 32) == 0);
    CHECK(strstr(note, line) != NULL);
    {
        struct note_verifier both[2] = {log_v, witness_v};

        CHECK(note_open(note, strlen(note), both, 2, &text_len, verified,
                        times) == 0);
        CHECK(verified[0] && verified[1] && times[1] == 1700000000);
    }
    CHECK(witness_http_status(0) == 200);

    /* Extending it with a valid proof. */
    cur = next;
    request(&t, 10, 33, &log_key, body, sizeof body);
    CHECK(decide(body, &cur, &r, sigs, &sigs_len) == 0);
    /* The same size again with the same root: cosigned again. */
    state_of(&t, 33, &cur);
    request(&t, 33, 33, &log_key, body, sizeof body);
    CHECK(decide(body, &cur, &r, sigs, &sigs_len) == 0);

    /* 409: old is not the latest cosigned size. */
    request(&t, 10, 40, &log_key, body, sizeof body);
    CHECK(decide(body, &cur, &r, sigs, &sigs_len) == WITNESS_ERR_CONFLICT);
    CHECK(witness_http_status(WITNESS_ERR_CONFLICT) == 409);

    /* 422: a fork of the same size, a fork extending it, old 0 with a proof,
     * size 0 without the empty root. */
    request(&fork, 33, 33, &log_key, body, sizeof body);
    CHECK(decide(body, &cur, &r, sigs, &sigs_len) == WITNESS_ERR_INCONSISTENT);
    request(&fork, 33, 40, &log_key, body, sizeof body);
    CHECK(decide(body, &cur, &r, sigs, &sigs_len) == WITNESS_ERR_INCONSISTENT);
    CHECK(witness_http_status(WITNESS_ERR_INCONSISTENT) == 422);
    CHECK(witness_http_status(WITNESS_ERR_MAP) == 422);
    CHECK(witness_http_status(WITNESS_ERR_BUSY) == 503);
    state_of(&t, 0, &cur);
    {
        uint8_t proof[1][32] = {{1}};
        char cpn[2048];

        signed_checkpoint(&t, 5, &log_key, cpn, sizeof cpn);
        add_checkpoint_format(0, (const uint8_t(*)[32])proof, 1, cpn,
                              strlen(cpn), body, sizeof body);
        CHECK(decide(body, &cur, &r, sigs, &sigs_len) ==
              WITNESS_ERR_INCONSISTENT);
    }
    {
        struct checkpoint cp = {"log.example", 0, {0}};
        char b[CHECKPOINT_BODY_MAX + 1], cpn[2048];

        memset(cp.root, 0x5a, 32);
        checkpoint_format(&cp, b, sizeof b);
        note_sign(b, strlen(b), &log_key, cpn, sizeof cpn);
        snprintf(body, sizeof body, "old 0\n\n%s", cpn);
        CHECK(decide(body, &cur, &r, sigs, &sigs_len) ==
              WITNESS_ERR_INCONSISTENT);
        merkle_empty_root(cp.root);
        checkpoint_format(&cp, b, sizeof b);
        note_sign(b, strlen(b), &log_key, cpn, sizeof cpn);
        snprintf(body, sizeof body, "old 0\n\n%s", cpn);
        CHECK(decide(body, &cur, &r, sigs, &sigs_len) == 0);
    }

    /* 403: signed by another key of the same name; a bad signature. */
    request(&t, 0, 10, &other_key, body, sizeof body);
    CHECK(decide(body, &cur, &r, sigs, &sigs_len) == WITNESS_ERR_FORBIDDEN);
    CHECK(witness_http_status(WITNESS_ERR_FORBIDDEN) == 403);
    request(&t, 0, 10, &log_key, body, sizeof body);
    {
        char *sig = strstr(body, "\xe2\x80\x94 log.example ") + 4 + 12 + 10;

        *sig = *sig == 'A' ? 'B' : 'A';
        CHECK(decide(body, &cur, &r, sigs, &sigs_len) == WITNESS_ERR_FORBIDDEN);
    }

    /* 400: old above the size, extension lines, no blank line. */
    request(&t, 11, 10, &log_key, body, sizeof body);
    CHECK(decide(body, &cur, &r, sigs, &sigs_len) == WITNESS_ERR_MALFORMED);
    CHECK(witness_http_status(WITNESS_ERR_MALFORMED) == 400);
    {
        struct checkpoint cp = {"log.example", 10, {0}};
        char b[CHECKPOINT_BODY_MAX + 64], cpn[2048];

        memtree_root(&t, 10, cp.root);
        checkpoint_format(&cp, b, sizeof b);
        strcat(b, "extension line\n");
        note_sign(b, strlen(b), &log_key, cpn, sizeof cpn);
        snprintf(body, sizeof body, "old 0\n\n%s", cpn);
        CHECK(decide(body, &cur, &r, sigs, &sigs_len) == WITNESS_ERR_MALFORMED);
    }
    CHECK(decide("old 0\nlog.example\n", &cur, &r, sigs, &sigs_len) ==
          WITNESS_ERR_MALFORMED);
    /* 413 past 16 KiB. */
    memset(body, 'a', ADD_CHECKPOINT_MAX + 1);
    body[ADD_CHECKPOINT_MAX + 1] = '\0';
    CHECK(decide(body, &cur, &r, sigs, &sigs_len) == WITNESS_ERR_TOO_LARGE);
    CHECK(witness_http_status(WITNESS_ERR_TOO_LARGE) == 413);
    memtree_free(&t);
    memtree_free(&fork);
}

/* Only the log's verified lines are kept: other cosigners' lines in the
 * request are dropped. */
static void test_only_verified_lines(void)
{
    static char body[ADD_CHECKPOINT_MAX + 1], sigs[4096];
    char note[4096], line[COSIGNATURE_LINE_MAX + 1];
    struct memtree t;
    struct witness_request r;
    struct witness_state cur;
    size_t sigs_len;

    memtree_init(&t, 0);
    memtree_grow(&t, 3);
    signed_checkpoint(&t, 3, &log_key, note, sizeof note);
    /* Another witness's line, and a forged line under our witness's name. */
    {
        char b[CHECKPOINT_BODY_MAX + 1], *c;
        size_t text = (size_t)(strstr(note, "\n\n") - note) + 1;

        memcpy(b, note, text);
        b[text] = '\0';
        cosignature_sign(&witness_key, 5, b, strlen(b), line, sizeof line);
        c = line + strlen(line) - 10;
        *c = *c == 'A' ? 'B' : 'A';
        strcat(note, line);
    }
    add_checkpoint_format(0, NULL, 0, note, strlen(note), body, sizeof body);
    state_of(&t, 0, &cur);
    REQUIRE(decide(body, &cur, &r, sigs, &sigs_len) == 0);
    CHECK(strstr(sigs, "log.example") != NULL);
    CHECK(strstr(sigs, "witness.example") == NULL);
    CHECK(sigs_len == strlen(sigs) && sigs[sigs_len - 1] == '\n');
    memtree_free(&t);
}

/* Every old size to every new size of a small log: the proof verifies, and
 * any flipped byte of it, or the wrong old state, is refused. */
static void test_exhaustive(void)
{
    static char body[ADD_CHECKPOINT_MAX + 1], sigs[4096];
    struct memtree t;
    struct witness_request r;
    struct witness_state cur;
    size_t sigs_len;

    memtree_init(&t, 0);
    memtree_grow(&t, 24);
    for (uint64_t m = 1; m <= 24; m++)
        for (uint64_t n = m; n <= 24; n++) {
            state_of(&t, m, &cur);
            request(&t, m, n, &log_key, body, sizeof body);
            CHECK_MSG(decide(body, &cur, &r, sigs, &sigs_len) == 0, "%lu->%lu",
                      (unsigned long)m, (unsigned long)n);
            for (unsigned i = 0; i < r.add.nproof; i++) {
                struct witness_request bad = r;

                bad.add.proof[i][i % 32] ^= 0x40;
                CHECK(witness_request_check(&bad, &cur) ==
                      WITNESS_ERR_INCONSISTENT);
            }
            if (m > 1) {
                cur.root[0] ^= 1;
                CHECK(witness_request_check(&r, &cur) ==
                      WITNESS_ERR_INCONSISTENT);
            }
        }
    memtree_free(&t);
}

int main(void)
{
    uint8_t seed[ED25519_SEED_SIZE];

    memset(seed, 1, sizeof seed);
    note_signer_from_seed("log.example", seed, &log_key);
    memset(seed, 2, sizeof seed);
    note_signer_from_seed("log.example", seed, &other_key);
    memset(seed, 3, sizeof seed);
    note_signer_from_seed_type("witness.example", NOTE_TYPE_COSIGNATURE, seed,
                               &witness_key);
    note_signer_verifier(&log_key, &log_v);
    note_signer_verifier(&witness_key, &witness_v);
    test_statuses();
    test_only_verified_lines();
    test_exhaustive();
    note_signer_wipe(&log_key);
    note_signer_wipe(&other_key);
    note_signer_wipe(&witness_key);
    return check_finish();
}
