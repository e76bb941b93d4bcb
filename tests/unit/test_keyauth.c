/*
 * test_keyauth.c: the signature and authorization check of protocol.md
 * §E.4 (proofs/keyauth.h), each of its five steps failing on its own.
 *
 * A minilog (tests/support/minilog.h: an in-memory log with a key map, built
 * with proofs/) holds one honest ISSUE and one entry per way a log can lie
 * about who signed: unsigned, signed by a key never added, by a key added
 * only later, by a key removed before, for another log's origin. Each is
 * checked with the key and key proof the log would answer, and with the
 * answers a lying log could make up (another key's entry, a KEY remove, a
 * proof of another key, a bad inclusion, a MAP v1 entry).
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "issuer.h"
#include "minilog.h"
#include "proofs/keyauth.h"

static const uint64_t T0 = 1767225600000ull; /* 2026-01-01 */

static struct minilog ml;
static struct note_signer avans, other, rogue, late;
static uint64_t i_good, i_unsigned, i_rogue, i_late, i_removed, i_origin,
    i_other_ok, i_revoke, a_avans, a_late;

static void signer(struct note_signer *s, const char *name, uint8_t b)
{
    uint8_t seed[32];

    memset(seed, b, sizeof seed);
    REQUIRE(note_signer_from_seed(name, seed, s) == 0);
}

static uint64_t issue(const struct note_signer *s, uint8_t c, uint64_t ts)
{
    struct entry e;
    uint8_t cred[32];

    memset(cred, c, sizeof cred);
    issuer_sign_entry(&e, ENTRY_ISSUE, cred, s, ts, 0);
    return minilog_append(&ml, &e);
}

static void build(void)
{
    struct entry e;
    uint8_t cred[32];

    signer(&avans, "avans.nl", 1);
    signer(&other, "other.example", 2);
    signer(&rogue, "avans.nl", 3); /* avans's name, a key never added */
    signer(&late, "avans.nl", 4);  /* a second key of avans, added late */
    minilog_init(&ml, "log.example.org", 7);

    minilog_key_entry(&ml, &e, ENTRY_KEY_ADD, &avans, T0);
    REQUIRE(entry_identity_add(&e, ENTRY_ID_NAME,
                               (const uint8_t *)"Avans Hogeschool", 16) == 0);
    REQUIRE(entry_identity_add(&e, ENTRY_ID_DNS, (const uint8_t *)"avans.nl",
                               8) == 0);
    a_avans = minilog_append(&ml, &e);
    minilog_append_key(&ml, ENTRY_KEY_ADD, &other, T0);
    minilog_append_map(&ml, T0, NULL);
    i_good = issue(&avans, 0x01, T0 + 1);
    i_other_ok = issue(&other, 0x02, T0 + 2);
    memset(cred, 0x03, sizeof cred);
    issuer_sign_entry(&e, ENTRY_ISSUE, cred, &avans, T0 + 3, 0);
    memset(e.signature, 0, sizeof e.signature); /* nobody signed it */
    i_unsigned = minilog_append(&ml, &e);
    i_rogue = issue(&rogue, 0x04, T0 + 4);
    i_late = issue(&late, 0x05, T0 + 5);
    a_late = minilog_append_key(&ml, ENTRY_KEY_ADD, &late, T0 + 6);
    minilog_append_key(&ml, ENTRY_KEY_REMOVE, &other, T0 + 7);
    i_removed = issue(&other, 0x06, T0 + 8);
    memset(cred, 0x07, sizeof cred);
    memset(&e, 0, sizeof e);
    e.version = ENTRY_VERSION_2;
    e.type = ENTRY_ISSUE;
    memcpy(e.credential, cred, 32);
    e.timestamp_ms = T0 + 9;
    REQUIRE(entry_sign(&e, "another.example.org", &avans) == 0);
    i_origin = minilog_append(&ml, &e);
    /* avans's REVOKE of its credential with its other key: each signed
     * entry has its own key. */
    memset(cred, 0x01, sizeof cred);
    issuer_sign_entry(&e, ENTRY_REVOKE, cred, &late, T0 + 10, 1);
    i_revoke = minilog_append(&ml, &e);
    minilog_append_map(&ml, T0 + 11, NULL);
}

/* The answer's parts for entry i at the log's size. */
struct answer {
    struct entry e, map;
    uint8_t root[32];
    struct client_key_auth a;
    struct keyauth_input in;
};

static void answer_for(struct minilog *l, uint64_t i, struct answer *x)
{
    memset(x, 0, sizeof *x);
    REQUIRE(entry_decode(l->entries[i], l->lens[i], &x->e) == 0);
    REQUIRE(entry_decode(l->entries[l->n - 1], l->lens[l->n - 1], &x->map) ==
            0);
    minilog_root(l, l->n, x->root);
    minilog_key_auth(l, i, l->n, &x->a);
    x->in.entry = &x->e;
    x->in.index = i;
    x->in.origin = l->key.name;
    x->in.map = &x->map;
    x->in.size = l->n;
    x->in.root = x->root;
    x->in.key_index = x->a.key.index;
    x->in.key_entry = x->a.present ? x->a.key.entry : NULL;
    x->in.key_entry_len = x->a.key.entry_len;
    x->in.key_inclusion = (const uint8_t(*)[32])x->a.key.inclusion;
    x->in.key_inclusion_len = x->a.key.inclusion_len;
    x->in.key_proof = x->a.present ? x->a.proof : NULL;
    x->in.key_proof_len = x->a.proof_len;
}

/* Points the answer's key at the KEY entry at index k (a lie). */
static void key_is(struct minilog *l, struct answer *x, uint64_t k)
{
    minilog_logged(l, k, l->n, &x->a.key);
    x->in.key_index = k;
    x->in.key_entry = x->a.key.entry;
    x->in.key_entry_len = x->a.key.entry_len;
    x->in.key_inclusion_len = x->a.key.inclusion_len;
}

static void expect(const char *name, const struct keyauth_input *in, int want,
                   const char *text)
{
    char why[KEYAUTH_WHY_MAX] = "";
    int rc = keyauth_verify(in, NULL, why);

    CHECK_MSG(rc == want, "%s: %d (%s), want %d", name, rc, why, want);
    CHECK_MSG(text == NULL || strstr(why, text) != NULL, "%s: %s", name, why);
}

static void test_honest(void)
{
    struct answer x;
    struct keyauth_result res;
    const uint8_t *v;
    size_t len;

    answer_for(&ml, i_good, &x);
    CHECK(keyauth_verify(&x.in, &res, NULL) == 0);
    CHECK(res.add_index == a_avans && res.remove_index == SMT_NONE);
    CHECK(res.key.version == ENTRY_VERSION_2 &&
          memcmp(res.key.public_key, avans.pub, 32) == 0);
    CHECK(entry_identity_get(&res.key, ENTRY_ID_NAME, &v, &len) && len == 16 &&
          memcmp(v, "Avans Hogeschool", 16) == 0);
    CHECK(entry_identity_get(&res.key, ENTRY_ID_DNS, &v, &len) && len == 8);

    /* A key removed later: its earlier entries stay valid. */
    answer_for(&ml, i_other_ok, &x);
    CHECK(keyauth_verify(&x.in, &res, NULL) == 0);
    CHECK(res.remove_index == i_removed - 1);

    /* A REVOKE signed by another key of the issuer than its ISSUE. */
    answer_for(&ml, i_revoke, &x);
    CHECK(keyauth_verify(&x.in, &res, NULL) == 0);
    CHECK(res.add_index == a_late);
}

static void test_lies(void)
{
    struct answer x;

    /* 5. Signatures. */
    answer_for(&ml, i_unsigned, &x);
    expect("unsigned", &x.in, KEYAUTH_ERR_SIG, "does not verify for this log");
    answer_for(&ml, i_origin, &x);
    expect("other origin", &x.in, KEYAUTH_ERR_SIG, "signed for another log");
    answer_for(&ml, i_good, &x);
    x.in.origin = "another.example.org";
    expect("verifier's origin", &x.in, KEYAUTH_ERR_SIG, NULL);

    /* A key never added: the log has no key to show, or shows another. */
    answer_for(&ml, i_rogue, &x);
    CHECK(!x.a.present);
    expect("rogue, no key", &x.in, KEYAUTH_ERR_MISSING, "no key and key_proof");
    answer_for(&ml, i_good, &x);
    {
        struct answer y;
        answer_for(&ml, i_rogue, &y);
        y.in.key_index = x.in.key_index;
        y.in.key_entry = x.a.key.entry;
        y.in.key_entry_len = x.a.key.entry_len;
        y.in.key_inclusion = (const uint8_t(*)[32])x.a.key.inclusion;
        y.in.key_inclusion_len = x.a.key.inclusion_len;
        y.in.key_proof = x.a.proof;
        y.in.key_proof_len = x.a.proof_len;
        expect("rogue, avans's key", &y.in, KEYAUTH_ERR_OTHER_KEY,
               "adds another key");
    }

    /* 2. A key added only after the entry. */
    answer_for(&ml, i_late, &x);
    CHECK(x.a.present && x.a.key.index == a_late);
    expect("late", &x.in, KEYAUTH_ERR_KEY_ENTRY, "is not before");

    /* 4. A key removed before the entry. */
    answer_for(&ml, i_removed, &x);
    expect("removed", &x.in, KEYAUTH_ERR_NOT_AUTHORIZED,
           "was removed at entry");

    /* 2. Not a KEY add; not included. */
    answer_for(&ml, i_removed, &x);
    key_is(&ml, &x, i_removed - 1); /* the KEY remove of other */
    expect("remove as key", &x.in, KEYAUTH_ERR_KEY_ENTRY, "not a KEY add");
    answer_for(&ml, i_good, &x);
    key_is(&ml, &x, i_good); /* an ISSUE as the key */
    x.in.key_index = a_avans;
    expect("issue as key", &x.in, KEYAUTH_ERR_KEY_ENTRY, NULL);
    answer_for(&ml, i_good, &x);
    x.a.key.inclusion[0][5] ^= 1;
    expect("inclusion", &x.in, KEYAUTH_ERR_INCLUSION, NULL);
    answer_for(&ml, i_good, &x);
    x.in.key_index = a_avans + 1; /* other's index, avans's bytes */
    expect("key index", &x.in, KEYAUTH_ERR_INCLUSION, NULL);

    /* 4. The key proof: another key's, a flipped bit, missing. */
    {
        struct answer y;
        answer_for(&ml, i_good, &x);
        answer_for(&ml, i_other_ok, &y);
        x.in.key_proof = y.a.proof;
        x.in.key_proof_len = y.a.proof_len;
        expect("other's proof", &x.in, KEYAUTH_ERR_PROOF, "another key");
    }
    answer_for(&ml, i_good, &x);
    x.a.proof[x.a.proof_len - 1] ^= 1;
    expect("proof bit", &x.in, KEYAUTH_ERR_PROOF, NULL);
    answer_for(&ml, i_good, &x);
    x.in.key_proof = NULL;
    expect("no proof", &x.in, KEYAUTH_ERR_MISSING, NULL);
    /* A key root that does not hold the key (a MAP v2 of an empty map). */
    answer_for(&ml, i_good, &x);
    memset(x.map.key_root, 0, 32);
    expect("empty key map", &x.in, KEYAUTH_ERR_PROOF, NULL);

    /* Not an ISSUE or REVOKE; not a MAP. */
    answer_for(&ml, i_good, &x);
    x.in.map = &x.e;
    expect("arg", &x.in, KEYAUTH_ERR_ARG, NULL);
}

/* A log from before version 2 (KEY and MAP v1): nothing to check against. */
static void test_map_v1(void)
{
    struct minilog old;
    struct answer x;
    struct entry e;
    uint8_t cred[32];
    uint64_t i;

    minilog_init(&old, "old.example.org", 9);
    old.v1 = true;
    minilog_append_key(&old, ENTRY_KEY_ADD, &avans, T0);
    memset(cred, 0x11, sizeof cred);
    issuer_sign_entry(&e, ENTRY_ISSUE, cred, &avans, T0, 0);
    i = minilog_append(&old, &e);
    minilog_append_map(&old, T0, NULL);
    answer_for(&old, i, &x);
    CHECK(x.map.version == ENTRY_VERSION_1);
    expect("map v1", &x.in, KEYAUTH_ERR_MAP_V1, "is version 1");
    /* Once the log appends a MAP v2, the same entry shows its key (v1). */
    old.v1 = false;
    minilog_append_map(&old, T0 + 1, NULL);
    answer_for(&old, i, &x);
    CHECK(keyauth_verify(&x.in, NULL, NULL) == 0);
    minilog_free(&old);
}

int main(void)
{
    build();
    test_honest();
    test_lies();
    test_map_v1();
    minilog_free(&ml);
    return check_finish();
}
