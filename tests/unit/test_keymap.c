/*
 * test_keymap.c: logd/keymap.c, the key map in memory (docs/protocol.md
 * §B.6.3), against a model written here from the definition:
 *  - a random history of KEY entries (adds of new keys, repeated adds,
 *    removes, repeated removes, re-adds of removed keys, removes of unknown
 *    keys) applied with keymap_apply() in random batches gives, after every
 *    batch, the model's (add, remove) pairs and the naive CTL-SMT-v1 root
 *    (tests/support/naive.c, the map keys hashed there too);
 *  - the map as of every index n (keymap_root_at(), keymap_prove_at()) is
 *    the model's map over entries [0, n), and every proof verifies with
 *    proofs/smt.h against that root with the value as of n;
 *  - keymap_find_id() finds the key authorized at an index, and none
 *    outside its window;
 *  - keymap_new() refuses a key listed twice and an impossible remove.
 */
#include "check.h"

#include <stdio.h>
#include <string.h>

#include "logd/keymap.h"
#include "naive.h"
#include "proofs/note.h"
#include "proofs/smt.h"

#define KEYS 24
#define STEPS 200

/* The model: for each candidate key, its first add and first remove (the
 * rules of Part D: a key is added once, removed once, never again). */
struct model_key {
    char issuer[32];
    uint8_t pub[32];
    uint64_t added, removed; /* SMT_NONE: never */
};

static struct model_key M[KEYS];

/* The model's map over entries [0, n) as naive creds, sorted by key. */
static size_t model_at(uint64_t n, struct naive_cred *out)
{
    size_t count = 0;

    for (int i = 0; i < KEYS; i++) {
        if (M[i].added == SMT_NONE || M[i].added >= n)
            continue;
        naive_key_map_key(M[i].issuer, M[i].pub, out[count].key);
        out[count].issue = M[i].added;
        out[count].revoke = M[i].removed != SMT_NONE && M[i].removed < n
                                ? M[i].removed
                                : SMT_NONE;
        count++;
    }
    naive_sort(out, count);
    return count;
}

static void check_against_model(const struct keymap *km, uint64_t size)
{
    struct naive_cred c[KEYS];
    uint8_t want[32], got[32], proof[SMT_PROOF_MAX];
    size_t n = model_at(size, c);

    naive_map_root(c, n, want);
    keymap_root(km, got);
    CHECK(memcmp(want, got, 32) == 0);
    CHECK(keymap_count(km) == n);
    for (size_t i = 0; i < keymap_count(km); i++) {
        const struct keymap_key *k = keymap_at(km, i);
        CHECK(memcmp(k->map_key, c[i].key, 32) == 0 && k->added == c[i].issue &&
              k->removed == c[i].revoke);
    }
    /* Every earlier map, and a proof of every key in it. */
    for (uint64_t at = 0; at <= size; at++) {
        n = model_at(at, c);
        naive_map_root(c, n, want);
        CHECK(keymap_root_at(km, at, got) == 0 && memcmp(want, got, 32) == 0);
        for (int i = 0; i < KEYS; i++) {
            struct smt_proof_info info;
            uint8_t mk[32];
            int len;
            if (M[i].added == SMT_NONE)
                continue;
            len = keymap_prove_at(km, at, M[i].issuer, M[i].pub, proof,
                                  sizeof proof);
            CHECK(len > 0 && smt_verify(proof, (size_t)len, want, &info) == 0);
            if (len <= 0)
                continue;
            naive_key_map_key(M[i].issuer, M[i].pub, mk);
            CHECK(memcmp(info.key, mk, 32) == 0);
            if (M[i].added >= at) {
                CHECK(info.kind != SMT_PROOF_PRESENT);
                continue;
            }
            CHECK(info.kind == SMT_PROOF_PRESENT &&
                  info.issue_index == M[i].added &&
                  info.revoke_index ==
                      (M[i].removed < at ? M[i].removed : SMT_NONE));
        }
    }
}

static void test_history(void)
{
    uint64_t rnd = 20261202, index = 0;
    struct keymap *km = NULL;

    REQUIRE(keymap_apply(NULL, NULL, 0, &km) == 0);
    for (int i = 0; i < KEYS; i++) {
        /* Some keys share an issuer, so key ids are looked up per issuer. */
        snprintf(M[i].issuer, sizeof M[i].issuer, "k%d.example", i % 7);
        for (int j = 0; j < 32; j++)
            M[i].pub[j] = (uint8_t)check_rand(&rnd);
        M[i].added = M[i].removed = SMT_NONE;
    }
    check_against_model(km, 0);
    for (int step = 0; step < STEPS / 10; step++) {
        struct keymap_change ch[10];
        struct keymap *next;
        size_t n = 1 + (size_t)(check_rand(&rnd) % 10);
        for (size_t j = 0; j < n; j++) {
            int k = (int)(check_rand(&rnd) % KEYS);
            memset(&ch[j], 0, sizeof ch[j]);
            ch[j].op =
                check_rand(&rnd) % 3 == 0 ? ENTRY_KEY_REMOVE : ENTRY_KEY_ADD;
            memcpy(ch[j].issuer, M[k].issuer, sizeof M[k].issuer);
            memcpy(ch[j].pub, M[k].pub, 32);
            ch[j].index = index;
            if (ch[j].op == ENTRY_KEY_ADD && M[k].added == SMT_NONE)
                M[k].added = index;
            else if (ch[j].op == ENTRY_KEY_REMOVE && M[k].added != SMT_NONE &&
                     M[k].removed == SMT_NONE)
                M[k].removed = index;
            /* Other entries between KEY entries, as in a log. */
            index += 1 + check_rand(&rnd) % 3;
        }
        REQUIRE(keymap_apply(km, ch, n, &next) == 0);
        keymap_unref(km);
        km = next;
        check_against_model(km, index);
        CHECK(keymap_root_at(km, index + 100, (uint8_t[32]){0}) == 0);
    }
    /* Key ids: the key authorized at an index, within its window only. */
    for (int i = 0; i < KEYS; i++) {
        uint32_t id = note_key_id(M[i].issuer, NOTE_TYPE_ED25519, M[i].pub);
        const struct keymap_key *k;
        if (M[i].added == SMT_NONE)
            continue;
        k = keymap_find_id(km, M[i].issuer, id, M[i].added + 1);
        CHECK(M[i].removed == M[i].added + 1
                  ? k == NULL
                  : k != NULL && memcmp(k->pub, M[i].pub, 32) == 0);
        CHECK(keymap_find_id(km, M[i].issuer, id, M[i].added) == NULL);
        if (M[i].removed != SMT_NONE)
            CHECK(keymap_find_id(km, M[i].issuer, id, M[i].removed) == NULL);
        CHECK(keymap_find_id(km, "other.example", id, M[i].added + 1) == NULL);
        CHECK(keymap_find(km, M[i].issuer, M[i].pub) != NULL);
    }
    keymap_unref(km);
}

static void test_refusals(void)
{
    struct keymap_key k[2];
    struct keymap *km = NULL;

    memset(k, 0, sizeof k);
    snprintf(k[0].issuer, sizeof k[0].issuer, "a.example");
    memset(k[0].pub, 7, 32);
    k[0].added = 3;
    k[0].removed = SMT_NONE;
    k[1] = k[0];
    k[1].added = 9;
    CHECK(keymap_new(k, 2, &km) == KEYMAP_ERR_ARG && km == NULL);
    k[0].removed = 3; /* removed by its own add */
    CHECK(keymap_new(k, 1, &km) == KEYMAP_ERR_ARG && km == NULL);
    k[0].removed = 4;
    snprintf(k[0].issuer, sizeof k[0].issuer, "a example");
    CHECK(keymap_new(k, 1, &km) == KEYMAP_ERR_ARG && km == NULL);
    snprintf(k[0].issuer, sizeof k[0].issuer, "a.example");
    REQUIRE(keymap_new(k, 1, &km) == 0);
    CHECK(keymap_settled(km) == 5);
    keymap_unref(km);
}

int main(void)
{
    test_history();
    test_refusals();
    return check_finish();
}
