/*
 * test_verify.c: the client's verification logic (client/verify.h, doc.h,
 * bundle.h) against receipts and status proofs built by hand with proofs/
 * (tests/support/minilog.h). Every valid document verifies;
 * changing any field, any byte of an entry or map proof, or any bit of a
 * proof hash gives INVALID with a reason. The age of a status proof (its MAP
 * entry's time against a given clock) and the duration syntax of --max-age.
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "client/bundle.h"
#include "client/clock.h"
#include "client/doc.h"
#include "client/name.h"
#include "client/verify.h"
#include "proofs/codec.h"

#include "issuer.h"
#include "minilog.h"

static struct minilog ml;
static struct note_signer issuer, other_issuer;
static uint8_t cred_a[32], cred_b[32], cred_c[32];
static uint64_t idx_a, idx_b, idx_rb;
static const uint64_t T0 = 1767225600000ull; /* 2026-01-01 */

/* KEY, MAP, ISSUE a, ISSUE b, REVOKE b, MAP. */
static void build_log(void)
{
    struct entry e;
    uint8_t seed[32];

    minilog_init(&ml, "log.example.org", 7);
    memset(seed, 1, sizeof seed);
    note_signer_from_seed("avans.nl", seed, &issuer);
    memset(seed, 2, sizeof seed);
    note_signer_from_seed("other.example", seed, &other_issuer);
    memset(cred_a, 0xa1, 32);
    memset(cred_b, 0xb2, 32);
    memset(cred_c, 0xc3, 32);

    minilog_append_key(&ml, ENTRY_KEY_ADD, &issuer, T0);
    minilog_append_map(&ml, T0, NULL);
    issuer_sign_entry(&e, ENTRY_ISSUE, cred_a, &issuer, T0 + 1000, 0);
    idx_a = minilog_append(&ml, &e);
    issuer_sign_entry(&e, ENTRY_ISSUE, cred_b, &issuer, T0 + 2000, 0);
    idx_b = minilog_append(&ml, &e);
    minilog_map_set(&ml, cred_a, idx_a, SMT_NONE);
    /* A version 1 REVOKE with the retired reason misconduct, as a log made
     * before version 2 may hold: it still revokes. */
    memset(&e, 0, sizeof e);
    e.version = ENTRY_VERSION_1;
    e.type = ENTRY_REVOKE;
    memcpy(e.credential, cred_b, 32);
    e.timestamp_ms = T0 + 3000;
    e.reason = ENTRY_REASON_MISCONDUCT;
    if (entry_sign(&e, NULL, &issuer) != 0)
        abort();
    idx_rb = minilog_append(&ml, &e);
    minilog_map_set(&ml, cred_b, idx_b, idx_rb);
    minilog_append_map(&ml, T0 + 4000, NULL);
}

static void test_receipt_valid(void)
{
    struct client_receipt r;
    struct client_receipt_check rc;
    struct client_verdict v;
    struct client_evidence ev = {0};
    char why[CLIENT_REASON_MAX] = "";

    minilog_receipt(&ml, idx_a, ml.n, &r);
    CHECK_MSG(client_verify_receipt(&r, &ml.vkey, ENTRY_ISSUE, cred_a,
                                    "avans.nl", &rc, why) == 0,
              "%s", why);
    CHECK(rc.index == idx_a && rc.checkpoint.size == ml.n);
    CHECK(strcmp(rc.entry.issuer, "avans.nl") == 0);
    /* Wrong expectations. */
    CHECK(client_verify_receipt(&r, &ml.vkey, ENTRY_REVOKE, cred_a, NULL, NULL,
                                why) == CLIENT_ERR_INVALID);
    CHECK(client_verify_receipt(&r, &ml.vkey, ENTRY_ISSUE, cred_b, NULL, NULL,
                                why) == CLIENT_ERR_INVALID);
    CHECK(strstr(why, "does not match") != NULL);
    CHECK(client_verify_receipt(&r, &ml.vkey, ENTRY_ISSUE, cred_a, "other",
                                NULL, why) == CLIENT_ERR_INVALID);

    ev.receipt = &r;
    client_verdict(&ml.vkey, cred_a, &ev, &v);
    CHECK_MSG(v.kind == CLIENT_VERDICT_VALID, "%s", v.reason);
    CHECK(!v.status_checked && v.receipt_checked);
    CHECK(v.issued_ms == T0 + 1000 && strcmp(v.issuer, "avans.nl") == 0);
    /* A receipt for another file's hash. */
    client_verdict(&ml.vkey, cred_c, &ev, &v);
    CHECK(v.kind == CLIENT_VERDICT_INVALID && v.reason[0] != '\0');
    /* A receipt checked with another log's key. */
    {
        struct minilog other;
        minilog_init(&other, "log.example.org", 8);
        client_verdict(&other.vkey, cred_a, &ev, &v);
        CHECK(v.kind == CLIENT_VERDICT_INVALID &&
              strstr(v.reason, "not signed") != NULL);
        minilog_free(&other);
    }
    client_receipt_free(&r);
}

/* Expects the receipt to give INVALID with a reason. */
static void expect_invalid_receipt(const struct client_receipt *r,
                                   const char *what)
{
    struct client_verdict v;
    struct client_evidence ev = {0};

    ev.receipt = r;
    client_verdict(&ml.vkey, cred_a, &ev, &v);
    CHECK_MSG(v.kind == CLIENT_VERDICT_INVALID && v.reason[0] != '\0',
              "tampered %s accepted", what);
}

static void test_receipt_tampered(void)
{
    struct client_receipt r, t;

    minilog_receipt(&ml, idx_a, ml.n, &r);
    /* Index. */
    client_receipt_copy(&t, &r);
    t.e.index ^= 1;
    expect_invalid_receipt(&t, "index");
    t.e.index = ml.n;
    expect_invalid_receipt(&t, "index beyond size");
    client_receipt_free(&t);
    /* Every byte of the entry. */
    for (size_t i = 0; i < r.e.entry_len; i++) {
        client_receipt_copy(&t, &r);
        t.e.entry[i] ^= 0x01;
        expect_invalid_receipt(&t, "entry byte");
        client_receipt_free(&t);
    }
    /* Every bit of every inclusion hash; a shorter and a longer proof. */
    for (size_t i = 0; i < r.e.inclusion_len; i++)
        for (int bit = 0; bit < 256; bit += 37) {
            client_receipt_copy(&t, &r);
            t.e.inclusion[i][bit / 8] ^= (uint8_t)(1 << (bit % 8));
            expect_invalid_receipt(&t, "inclusion hash");
            client_receipt_free(&t);
        }
    client_receipt_copy(&t, &r);
    t.e.inclusion_len--;
    expect_invalid_receipt(&t, "short inclusion");
    t.e.inclusion_len += 2;
    expect_invalid_receipt(&t, "long inclusion");
    client_receipt_free(&t);
    /* Every byte of the checkpoint note. */
    for (size_t i = 0; i < r.checkpoint_len; i++) {
        client_receipt_copy(&t, &r);
        t.checkpoint[i] ^= (t.checkpoint[i] == '\n') ? 0x03 : 0x01;
        expect_invalid_receipt(&t, "checkpoint byte");
        client_receipt_free(&t);
    }
    /* A checkpoint of another size (valid signature) with this proof. */
    client_receipt_copy(&t, &r);
    free(t.checkpoint);
    t.checkpoint = minilog_checkpoint(&ml, ml.n - 1);
    t.checkpoint_len = strlen(t.checkpoint);
    expect_invalid_receipt(&t, "checkpoint of another size");
    client_receipt_free(&t);
    /* A receipt for a MAP or KEY entry, validly included. */
    minilog_receipt(&ml, 0, ml.n, &t);
    expect_invalid_receipt(&t, "KEY entry");
    client_receipt_free(&t);
    client_receipt_free(&r);
}

static void test_status_valid(void)
{
    struct client_status_proof sp;
    struct client_status_check sc;
    struct client_verdict v;
    struct client_evidence ev = {0};
    char why[CLIENT_REASON_MAX] = "";

    minilog_status(&ml, cred_a, &sp);
    CHECK_MSG(client_verify_status(&sp, &ml.vkey, cred_a, &sc, why) == 0, "%s",
              why);
    CHECK(sc.status == CLIENT_STATUS_ACTIVE && sc.issue_index == idx_a);
    ev.status = &sp;
    client_verdict(&ml.vkey, cred_a, &ev, &v);
    CHECK(v.kind == CLIENT_VERDICT_VALID && v.status_checked &&
          v.as_of_ms == T0 + 4000);
    CHECK(strcmp(v.issuer, "avans.nl") == 0 && v.issued_ms == T0 + 1000);
    client_status_proof_free(&sp);

    minilog_status(&ml, cred_b, &sp);
    CHECK_MSG(client_verify_status(&sp, &ml.vkey, cred_b, &sc, why) == 0, "%s",
              why);
    CHECK(sc.status == CLIENT_STATUS_REVOKED && sc.revoke_index == idx_rb);
    client_verdict(&ml.vkey, cred_b, &ev, &v);
    CHECK(v.kind == CLIENT_VERDICT_REVOKED &&
          v.revoke_reason == ENTRY_REASON_MISCONDUCT);
    CHECK(v.revoked_ms == T0 + 3000 && v.revoke_index == idx_rb);
    client_status_proof_free(&sp);

    minilog_status(&ml, cred_c, &sp);
    CHECK_MSG(client_verify_status(&sp, &ml.vkey, cred_c, &sc, why) == 0, "%s",
              why);
    CHECK(sc.status == CLIENT_STATUS_UNKNOWN);
    client_verdict(&ml.vkey, cred_c, &ev, &v);
    CHECK(v.kind == CLIENT_VERDICT_NOT_ISSUED);
    /* Asked about another credential. */
    client_verdict(&ml.vkey, cred_a, &ev, &v);
    CHECK(v.kind == CLIENT_VERDICT_INVALID);
    client_status_proof_free(&sp);
}

static struct client_status_proof *sp_copy(const struct client_status_proof *sp)
{
    struct client_status_proof *c = malloc(sizeof *c);
    *c = *sp;
    c->checkpoint = strdup(sp->checkpoint);
    return c;
}

static void sp_drop(struct client_status_proof *c)
{
    client_status_proof_free(c);
    free(c);
}

static void expect_invalid_status(struct client_status_proof *t,
                                  const uint8_t cred[32], const char *what)
{
    struct client_verdict v;
    struct client_evidence ev = {0};

    ev.status = t;
    client_verdict(&ml.vkey, cred, &ev, &v);
    CHECK_MSG(v.kind == CLIENT_VERDICT_INVALID && v.reason[0] != '\0',
              "tampered %s accepted", what);
    sp_drop(t);
}

/* Tampers each part of a logged entry of a status proof. */
static void tamper_logged(const struct client_status_proof *sp, size_t off,
                          const uint8_t cred[32], const char *what)
{
    struct client_status_proof *t;
    struct client_logged_entry *e;

#define LOGGED(p) ((struct client_logged_entry *)((char *)(p) + off))
    t = sp_copy(sp);
    LOGGED(t)->index ^= 1;
    expect_invalid_status(t, cred, what);
    e = LOGGED(sp);
    for (size_t i = 0; i < e->entry_len; i++) {
        t = sp_copy(sp);
        LOGGED(t)->entry[i] ^= 0x80;
        expect_invalid_status(t, cred, what);
    }
    for (size_t i = 0; i < e->inclusion_len; i++) {
        t = sp_copy(sp);
        LOGGED(t)->inclusion[i][i % 32] ^= 0x04;
        expect_invalid_status(t, cred, what);
    }
    t = sp_copy(sp);
    LOGGED(t)->inclusion_len = e->inclusion_len ? e->inclusion_len - 1 : 1;
    expect_invalid_status(t, cred, what);
#undef LOGGED
}

static void tamper_status(const uint8_t cred[32])
{
    struct client_status_proof sp, *t;

    minilog_status(&ml, cred, &sp);
    /* The credential, the claimed status. */
    t = sp_copy(&sp);
    t->credential[5] ^= 1;
    expect_invalid_status(t, cred, "credential");
    for (int s = CLIENT_STATUS_ACTIVE; s <= CLIENT_STATUS_UNKNOWN; s++) {
        if (s == sp.status)
            continue;
        t = sp_copy(&sp);
        t->status = s;
        expect_invalid_status(t, cred, "status");
    }
    /* The checkpoint. */
    for (size_t i = 0; i < sp.checkpoint_len; i += 3) {
        t = sp_copy(&sp);
        t->checkpoint[i] ^= (t->checkpoint[i] == '\n') ? 0x03 : 0x01;
        expect_invalid_status(t, cred, "checkpoint");
    }
    /* The MAP entry and its inclusion; every byte of the map proof. */
    tamper_logged(&sp, offsetof(struct client_status_proof, map), cred, "map");
    for (size_t i = 0; i < sp.map_proof_len; i++) {
        t = sp_copy(&sp);
        t->map_proof[i] ^= 0x10;
        expect_invalid_status(t, cred, "map proof byte");
    }
    t = sp_copy(&sp);
    t->map_proof_len--;
    expect_invalid_status(t, cred, "short map proof");
    /* A map proof for another key. */
    t = sp_copy(&sp);
    t->map_proof_len =
        (size_t)smt_prove(&ml.store, cred == cred_c ? cred_a : cred_c,
                          t->map_proof, sizeof t->map_proof);
    expect_invalid_status(t, cred, "map proof of another key");
    /* ISSUE and REVOKE parts: tampered, removed, or swapped in. */
    if (sp.has_issue) {
        tamper_logged(&sp, offsetof(struct client_status_proof, issue), cred,
                      "issue");
        t = sp_copy(&sp);
        t->has_issue = false;
        expect_invalid_status(t, cred, "issue removed");
    } else {
        t = sp_copy(&sp);
        t->has_issue = true;
        minilog_logged(&ml, idx_a, ml.n, &t->issue);
        expect_invalid_status(t, cred, "issue added");
    }
    if (sp.has_revoke) {
        tamper_logged(&sp, offsetof(struct client_status_proof, revoke), cred,
                      "revoke");
        t = sp_copy(&sp);
        t->has_revoke = false;
        expect_invalid_status(t, cred, "revoke removed");
    } else {
        t = sp_copy(&sp);
        t->has_revoke = true;
        minilog_logged(&ml, idx_rb, ml.n, &t->revoke);
        expect_invalid_status(t, cred, "revoke added");
    }
    client_status_proof_free(&sp);
}

/* A status proof whose MAP is not the last entry, or not a MAP at all. */
static void test_status_structure(void)
{
    struct client_status_proof sp, *t;

    minilog_status(&ml, cred_a, &sp);
    /* Point "map" at the KEY entry, validly included. */
    t = sp_copy(&sp);
    minilog_logged(&ml, 0, ml.n, &t->map);
    expect_invalid_status(t, cred_a, "KEY entry as map");
    /* The earlier MAP entry (index 1), validly included. */
    t = sp_copy(&sp);
    minilog_logged(&ml, 1, ml.n, &t->map);
    expect_invalid_status(t, cred_a, "old MAP entry");
    /* The ISSUE of another credential in place of the issue. */
    t = sp_copy(&sp);
    minilog_logged(&ml, idx_b, ml.n, &t->issue);
    expect_invalid_status(t, cred_a, "issue of another credential");
    client_status_proof_free(&sp);
}

/* A log where another issuer revoked b (a log lie): the verifier refuses. */
static void test_status_foreign_revoke(void)
{
    struct minilog bad;
    struct client_status_proof sp;
    struct client_verdict v;
    struct client_evidence ev = {0};
    struct entry e;
    uint64_t i, r;

    minilog_init(&bad, "log.example.org", 7);
    minilog_append_key(&bad, ENTRY_KEY_ADD, &issuer, T0);
    minilog_append_key(&bad, ENTRY_KEY_ADD, &other_issuer, T0);
    issuer_sign_entry(&e, ENTRY_ISSUE, cred_a, &issuer, T0, 0);
    i = minilog_append(&bad, &e);
    issuer_sign_entry(&e, ENTRY_REVOKE, cred_a, &other_issuer, T0, 0);
    r = minilog_append(&bad, &e);
    minilog_map_set(&bad, cred_a, i, r);
    minilog_append_map(&bad, T0, NULL);
    minilog_status(&bad, cred_a, &sp);
    ev.status = &sp;
    client_verdict(&bad.vkey, cred_a, &ev, &v);
    CHECK(v.kind == CLIENT_VERDICT_INVALID &&
          strstr(v.reason, "other.example") != NULL);
    client_status_proof_free(&sp);
    minilog_free(&bad);
}

/* Receipt + status across a grown log, linked by a consistency proof. */
static void test_online_combination(void)
{
    struct client_receipt r;
    struct client_status_proof sp;
    struct client_verdict v;
    struct client_evidence ev = {0};
    uint8_t proof[MERKLE_MAX_PROOF][32], cred_d[32];
    uint64_t m = ml.n;
    struct entry e;

    minilog_receipt(&ml, idx_a, m, &r);
    /* Grow: issue d, revoke a, MAP. */
    memset(cred_d, 0xd4, 32);
    issuer_sign_entry(&e, ENTRY_ISSUE, cred_d, &issuer, T0 + 5000, 0);
    minilog_map_set(&ml, cred_d, minilog_append(&ml, &e), SMT_NONE);
    issuer_sign_entry(&e, ENTRY_REVOKE, cred_a, &issuer, T0 + 6000,
                      ENTRY_REASON_SUPERSEDED);
    minilog_map_set(&ml, cred_a, idx_a, minilog_append(&ml, &e));
    minilog_append_map(&ml, T0 + 7000, NULL);
    minilog_status(&ml, cred_a, &sp);

    ev.receipt = &r;
    ev.status = &sp;
    ev.have_consistency = true;
    ev.consistency = (const uint8_t(*)[32])proof;
    ev.consistency_len = minilog_consistency(&ml, m, ml.n, proof);
    client_verdict(&ml.vkey, cred_a, &ev, &v);
    CHECK_MSG(v.kind == CLIENT_VERDICT_REVOKED, "%s", v.reason);
    CHECK(v.consistency_checked && v.receipt_checked && v.status_checked);
    CHECK(v.revoke_reason == ENTRY_REASON_SUPERSEDED &&
          v.checkpoint.size == ml.n);
    /* Each bit flipped in the consistency proof: a fork. */
    for (size_t i = 0; i < ev.consistency_len; i++) {
        proof[i][3] ^= 0x20;
        client_verdict(&ml.vkey, cred_a, &ev, &v);
        CHECK(v.kind == CLIENT_VERDICT_INVALID &&
              strstr(v.reason, "fork") != NULL);
        proof[i][3] ^= 0x20;
    }
    ev.consistency_len--;
    client_verdict(&ml.vkey, cred_a, &ev, &v);
    CHECK(v.kind == CLIENT_VERDICT_INVALID);
    ev.consistency_len++;
    /* Without a proof the verdict stands but says consistency was not checked.
     */
    ev.have_consistency = false;
    client_verdict(&ml.vkey, cred_a, &ev, &v);
    CHECK(v.kind == CLIENT_VERDICT_REVOKED && !v.consistency_checked);
    ev.have_consistency = true;

    /* A forked log (same key, different history) with a valid status proof. */
    {
        struct minilog fork;
        struct client_status_proof fsp;
        struct entry fe;
        uint8_t fproof[MERKLE_MAX_PROOF][32];
        uint64_t fi;

        minilog_init(&fork, "log.example.org", 7);
        minilog_append_key(&fork, ENTRY_KEY_ADD, &issuer, T0 + 1); /* differs */
        minilog_append_map(&fork, T0, NULL);
        issuer_sign_entry(&fe, ENTRY_ISSUE, cred_a, &issuer, T0 + 1000, 0);
        fi = minilog_append(&fork, &fe);
        minilog_map_set(&fork, cred_a, fi, SMT_NONE);
        while (fork.n < ml.n - 1)
            minilog_append_map(&fork, T0, NULL);
        minilog_append_map(&fork, T0 + 8000, NULL);
        minilog_status(&fork, cred_a, &fsp);
        ev.status = &fsp;
        ev.consistency = (const uint8_t(*)[32])fproof;
        ev.consistency_len = minilog_consistency(&fork, m, fork.n, fproof);
        client_verdict(&ml.vkey, cred_a, &ev, &v);
        CHECK(v.kind == CLIENT_VERDICT_INVALID &&
              strstr(v.reason, "fork") != NULL);
        client_status_proof_free(&fsp);
        minilog_free(&fork);
    }
    /* Same size, different root: a fork too. */
    {
        struct client_receipt r2;
        minilog_receipt(&ml, idx_a, ml.n, &r2);
        ev.receipt = &r2;
        ev.status = &sp;
        ev.have_consistency = false;
        client_verdict(&ml.vkey, cred_a, &ev, &v);
        CHECK_MSG(v.kind == CLIENT_VERDICT_REVOKED && v.consistency_checked,
                  "%d %s", v.kind, v.reason);
        client_receipt_free(&r2);
    }
    client_status_proof_free(&sp);
    client_receipt_free(&r);
}

static void test_doc_roundtrip(void)
{
    struct client_receipt r, back;
    struct client_status_proof sp, sback;
    char why[CLIENT_REASON_MAX];
    json_t *j;
    char *text;

    minilog_receipt(&ml, idx_a, ml.n, &r);
    j = client_receipt_to_json(&r);
    text = json_dumps(j, 0);
    CHECK_MSG(client_receipt_parse(text, strlen(text), &back, why) == 0, "%s",
              why);
    CHECK(back.e.index == r.e.index && back.e.entry_len == r.e.entry_len &&
          back.e.inclusion_len == r.e.inclusion_len &&
          memcmp(back.e.inclusion, r.e.inclusion, r.e.inclusion_len * 32) ==
              0 &&
          strcmp(back.checkpoint, r.checkpoint) == 0);
    client_receipt_free(&back);
    free(text);
    json_decref(j);

    /* Malformed receipts. */
    static const char *bad[] = {
        "",
        "[]",
        "{}",
        "{\"index\":-1,\"entry\":\"AA==\",\"inclusion\":[],\"checkpoint\":"
        "\"x\"}",
        "{\"index\":1.5,\"entry\":\"AA==\",\"inclusion\":[],\"checkpoint\":"
        "\"x\"}",
        "{\"index\":1,\"entry\":\"AA=\",\"inclusion\":[],\"checkpoint\":\"x\"}",
        "{\"index\":1,\"entry\":\"AA==\",\"inclusion\":[\"00\"],\"checkpoint\":"
        "\"x\"}",
        "{\"index\":1,\"entry\":\"AA==\",\"inclusion\":{},\"checkpoint\":"
        "\"x\"}",
        "{\"index\":1,\"entry\":\"AA==\",\"inclusion\":[],\"checkpoint\":\"\"}",
        "{\"index\":1,\"entry\":\"AA==\",\"inclusion\":[],\"checkpoint\":5}",
        "{\"index\":1,\"index\":2,\"entry\":\"AA==\",\"inclusion\":[],"
        "\"checkpoint\":\"x\"}",
        "{\"index\":1,\"entry\":\"AA==\",\"inclusion\":[],\"checkpoint\":"
        "\"a\\u0000b\"}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        why[0] = '\0';
        CHECK_MSG(client_receipt_parse(bad[i], strlen(bad[i]), &back, why) ==
                          CLIENT_ERR_SYNTAX &&
                      why[0] != '\0',
                  "accepted bad receipt %zu", i);
    }

    minilog_status(&ml, cred_b, &sp);
    j = client_status_proof_to_json(&sp);
    text = json_dumps(j, 0);
    CHECK_MSG(client_status_proof_parse(text, strlen(text), &sback, why) == 0,
              "%s", why);
    CHECK(sback.has_issue && sback.has_revoke &&
          sback.status == CLIENT_STATUS_REVOKED &&
          sback.map_proof_len == sp.map_proof_len &&
          memcmp(sback.map_proof, sp.map_proof, sp.map_proof_len) == 0);
    CHECK(client_verify_status(&sback, &ml.vkey, cred_b, NULL, why) == 0);
    client_status_proof_free(&sback);
    free(text);
    json_decref(j);
    client_status_proof_free(&sp);
    client_receipt_free(&r);
}

static void test_tlog_proof(void)
{
    struct client_receipt r, back;
    char why[CLIENT_REASON_MAX], *text, *bad;
    int len;

    minilog_receipt(&ml, idx_a, ml.n, &r);
    len = client_tlog_proof_format(&r, &text);
    REQUIRE(len > 0);
    CHECK(strncmp(text, "c2sp.org/tlog-proof@v1\nextra ", 29) == 0);
    CHECK(strstr(text, "\nindex 2\n") != NULL);
    CHECK_MSG(client_tlog_proof_parse(text, (size_t)len, &back, why) == 0, "%s",
              why);
    CHECK(client_verify_receipt(&back, &ml.vkey, ENTRY_ISSUE, cred_a, NULL,
                                NULL, why) == 0);
    CHECK(back.e.inclusion_len == r.e.inclusion_len &&
          strcmp(back.checkpoint, r.checkpoint) == 0);
    client_receipt_free(&back);
    /* Malformed variants. */
    CHECK(client_tlog_proof_parse(text + 1, (size_t)len - 1, &back, why) ==
          CLIENT_ERR_SYNTAX);
    bad = strdup(text);
    *strstr(bad, "index 2") = 'X';
    CHECK(client_tlog_proof_parse(bad, (size_t)len, &back, why) ==
          CLIENT_ERR_SYNTAX);
    free(bad);
    bad = strdup(text);
    memcpy(strstr(bad, "index 2"), "index 02", 7); /* "index 0" + "2"... */
    CHECK(client_tlog_proof_parse(bad, (size_t)len, &back, why) != 0 ||
          client_verify_receipt(&back, &ml.vkey, ENTRY_ISSUE, cred_a, NULL,
                                NULL, why) != 0);
    client_receipt_free(&back);
    free(bad);
    client_receipt_free(&r);
    free(text);
}

static void test_bundle(void)
{
    struct client_status_proof sp;
    struct client_receipt r;
    struct client_bundle b;
    struct client_verdict v;
    struct client_evidence ev = {0};
    char why[CLIENT_REASON_MAX], *text;

    minilog_status(&ml, cred_a, &sp);
    minilog_receipt(&ml, idx_a, ml.n, &r);
    REQUIRE(client_bundle_format(&sp, &r, NULL, 0, 0, 0, &text) == 0);
    CHECK_MSG(client_bundle_parse(text, strlen(text), &b, why) == 0, "%s", why);
    CHECK(b.has_receipt && !b.has_consistency);
    ev.receipt = &b.receipt;
    ev.status = &b.status;
    client_verdict(&ml.vkey, cred_a, &ev, &v);
    CHECK_MSG(v.kind == CLIENT_VERDICT_VALID && v.consistency_checked, "%s",
              v.reason);
    client_bundle_free(&b);
    CHECK(client_bundle_parse("{\"format\":\"x\"}", 14, &b, why) ==
          CLIENT_ERR_SYNTAX);
    free(text);
    client_receipt_free(&r);
    client_status_proof_free(&sp);
}

static void test_consistency_edges(void)
{
    struct checkpoint a, b;
    uint8_t proof[MERKLE_MAX_PROOF][32];
    size_t len;
    char why[CLIENT_REASON_MAX];

    memset(&a, 0, sizeof a);
    snprintf(a.origin, sizeof a.origin, "log.example.org");
    b = a;
    b.size = ml.n;
    minilog_root(&ml, ml.n, b.root);
    merkle_empty_root(a.root);
    CHECK(client_verify_consistency(&a, &b, NULL, 0, why) == 0);
    a.root[0] ^= 1;
    CHECK(client_verify_consistency(&a, &b, NULL, 0, why) ==
          CLIENT_ERR_INVALID);
    a.size = 3;
    minilog_root(&ml, 3, a.root);
    len = minilog_consistency(&ml, 3, ml.n, proof);
    CHECK(client_verify_consistency(&a, &b, (const uint8_t(*)[32])proof, len,
                                    why) == 0);
    CHECK(client_verify_consistency(&b, &a, (const uint8_t(*)[32])proof, len,
                                    why) == CLIENT_ERR_INVALID);
    CHECK(strstr(why, "shrank") != NULL);
    snprintf(b.origin, sizeof b.origin, "other.log");
    CHECK(client_verify_consistency(&a, &b, (const uint8_t(*)[32])proof, len,
                                    why) == CLIENT_ERR_INVALID);
}

/* The verdict on cred from its status proof alone, judged at now with
 * max_age. */
static void aged_verdict(const uint8_t cred[32], uint64_t now, uint64_t max_age,
                         struct client_verdict *v)
{
    struct client_status_proof sp;
    struct client_evidence ev = {0};

    minilog_status(&ml, cred, &sp);
    ev.status = &sp;
    client_verdict(&ml.vkey, cred, &ev, v);
    client_verdict_check_age(v, now, max_age);
    client_status_proof_free(&sp);
}

/* Whether v is INVALID for its age, with a reason containing want. */
static bool invalid_for_age(const struct client_verdict *v, bool stale,
                            const char *want)
{
    return v->kind == CLIENT_VERDICT_INVALID && v->stale == stale &&
           v->future == !stale && v->age_checked &&
           strstr(v->reason, want) != NULL;
}

static void test_age(void)
{
    const uint64_t map = T0 + 4000, day = CLIENT_DAY_MS,
                   ahead = CLIENT_MAX_AHEAD_MS;
    struct client_verdict v;
    struct client_receipt r;
    struct client_evidence ev = {0};
    char why[CLIENT_REASON_MAX];

    /* A day old with a day's limit is fine; a millisecond more is stale for
     * VALID and NOT ISSUED; REVOKED stays REVOKED. */
    aged_verdict(cred_a, map + day, day, &v);
    CHECK_MSG(v.kind == CLIENT_VERDICT_VALID && v.age_checked && !v.stale, "%s",
              v.reason);
    aged_verdict(cred_a, map + day + 1, day, &v);
    CHECK_MSG(
        invalid_for_age(&v, true,
                        "status proof is 1 day old (as of 2026-01-01 00:00:04 "
                        "UTC), older than the maximum age of 1 day: the "
                        "credential may have been revoked since"),
        "%s", v.reason);
    aged_verdict(cred_c, map + day + 1, day, &v);
    CHECK_MSG(invalid_for_age(&v, true, "may have been issued since"), "%s",
              v.reason);
    aged_verdict(cred_b, map + day + 1, day, &v);
    CHECK(v.kind == CLIENT_VERDICT_REVOKED && v.age_checked && !v.stale &&
          v.reason[0] == '\0');
    aged_verdict(cred_a, map + 26 * CLIENT_HOUR_MS + 5 * CLIENT_MINUTE_MS,
                 90 * CLIENT_MINUTE_MS, &v);
    CHECK_MSG(
        invalid_for_age(&v, true,
                        "is 1 day 2 hours old (as of 2026-01-01 00:00:04 UTC), "
                        "older than the maximum age of 1 hour 30 minutes"),
        "%s", v.reason);
    /* No limit. */
    aged_verdict(cred_a, map + 3650 * day, 0, &v);
    CHECK(v.kind == CLIENT_VERDICT_VALID && v.age_checked);
    aged_verdict(cred_c, map + 3650 * day, 0, &v);
    CHECK(v.kind == CLIENT_VERDICT_NOT_ISSUED);

    /* Ahead of the clock: up to ten minutes is skew, more is refused
     * whatever the limit. */
    aged_verdict(cred_a, map - ahead, 1, &v);
    CHECK_MSG(v.kind == CLIENT_VERDICT_VALID, "%s", v.reason);
    aged_verdict(cred_c, map - 1, CLIENT_SECOND_MS, &v);
    CHECK(v.kind == CLIENT_VERDICT_NOT_ISSUED);
    aged_verdict(cred_a, map - ahead - 1, 0, &v);
    CHECK_MSG(
        invalid_for_age(&v, false,
                        "status proof is dated 10 minutes in the future (as of "
                        "2026-01-01 00:00:04 UTC): the log's clock or this "
                        "computer's is wrong"),
        "%s", v.reason);
    aged_verdict(cred_c, map - 3 * day, day, &v);
    CHECK_MSG(invalid_for_age(&v, false, "dated 3 days in the future"), "%s",
              v.reason);
    aged_verdict(cred_b, map - 3 * day, day, &v);
    CHECK(v.kind == CLIENT_VERDICT_REVOKED && !v.future);

    /* A receipt checked offline has no status proof to judge; INVALID
     * verdicts keep their reason. */
    minilog_receipt(&ml, idx_a, ml.n, &r);
    ev.receipt = &r;
    client_verdict(&ml.vkey, cred_a, &ev, &v);
    client_verdict_check_age(&v, map + 3650 * day, 1);
    CHECK(v.kind == CLIENT_VERDICT_VALID && !v.status_checked &&
          !v.age_checked);
    client_verdict(&ml.vkey, cred_c, &ev, &v);
    snprintf(why, sizeof why, "%s", v.reason);
    client_verdict_check_age(&v, map + 3650 * day, 1);
    CHECK(v.kind == CLIENT_VERDICT_INVALID && strcmp(v.reason, why) == 0 &&
          !v.stale);
    client_receipt_free(&r);
}

static void test_duration(void)
{
    static const struct {
        const char *text;
        uint64_t ms;
    } good[] = {
        {"3600", 3600 * CLIENT_SECOND_MS},
        {"1", CLIENT_SECOND_MS},
        {"90s", 90 * CLIENT_SECOND_MS},
        {"90m", 90 * CLIENT_MINUTE_MS},
        {"24h", CLIENT_DAY_MS},
        {"7d", 7 * CLIENT_DAY_MS},
        {"007d", 7 * CLIENT_DAY_MS},
        {"36500d", CLIENT_DURATION_MAX_MS},
        {"876000h", CLIENT_DURATION_MAX_MS},
    };
    static const char *bad[] = {
        NULL,
        "",
        "0",
        "0s",
        "00h",
        "-1",
        "+1",
        " 1",
        "1 ",
        "1.5h",
        "1e3",
        "h",
        "1x",
        "1hh",
        "1h30m",
        "1H",
        "0x10",
        "36501d",
        "876001h",
        "3153600001",
        "99999999999999999999",
        "18446744073709551616",
        "none",
    };
    static const struct {
        uint64_t ms;
        const char *text;
    } fmt[] = {
        {0, "0 milliseconds"},
        {1, "1 millisecond"},
        {999, "999 milliseconds"},
        {1000, "1 second"},
        {45 * CLIENT_SECOND_MS, "45 seconds"},
        {CLIENT_MINUTE_MS, "1 minute"},
        {90 * CLIENT_SECOND_MS, "1 minute 30 seconds"},
        {90 * CLIENT_MINUTE_MS, "1 hour 30 minutes"},
        {CLIENT_DAY_MS, "1 day"},
        {CLIENT_DAY_MS + CLIENT_HOUR_MS + 59 * CLIENT_MINUTE_MS,
         "1 day 1 hour"},
        {26 * CLIENT_HOUR_MS, "1 day 2 hours"},
        {12 * CLIENT_DAY_MS, "12 days"},
        {400 * CLIENT_DAY_MS + 23 * CLIENT_HOUR_MS, "400 days 23 hours"},
    };
    uint64_t ms;
    char buf[64], tiny[8];

    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        ms = 0;
        CHECK_MSG(client_duration_parse(good[i].text, &ms) == 0 &&
                      ms == good[i].ms,
                  "'%s' -> %llu", good[i].text, (unsigned long long)ms);
    }
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK_MSG(client_duration_parse(bad[i], &ms) == CLIENT_ERR_SYNTAX,
                  "'%s' accepted", bad[i] != NULL ? bad[i] : "(null)");
    for (size_t i = 0; i < sizeof fmt / sizeof fmt[0]; i++) {
        client_duration_format(fmt[i].ms, buf, sizeof buf);
        CHECK_MSG(strcmp(buf, fmt[i].text) == 0, "%llu ms -> '%s', want '%s'",
                  (unsigned long long)fmt[i].ms, buf, fmt[i].text);
    }
    client_duration_format(26 * CLIENT_HOUR_MS, tiny, sizeof tiny);
    CHECK(strlen(tiny) < sizeof tiny && strncmp(tiny, "1 day", 5) == 0);
    client_time_format(T0, buf, sizeof buf);
    CHECK(strcmp(buf, "2026-01-01 00:00:00 UTC") == 0);
    client_time_format(UINT64_MAX, buf, sizeof buf);
    CHECK(strcmp(buf, "18446744073709551615 ms") == 0);
    ms = client_clock_now_ms();
    CHECK(ms > T0 - 365 * CLIENT_DAY_MS); /* a clock, roughly */
}

/* Names as verdicts show them (client/name.h): printable ASCII as it is,
 * everything else as code points, so a look-alike cannot pass. */
static void test_name_show(void)
{
    static const struct {
        const char *name, *shown;
        bool plain;
    } v[] = {
        {"avans.nl", "avans.nl", true},
        {"avans.nl\xe2\x80\x8b", "avans.nl\\u{200B}", false},
        {"\xe2\x80\xaeln.snava", "\\u{202E}ln.snava", false},
        {"\xd0\xb0vans.nl", "\\u{0430}vans.nl", false},
        {"universit\xc3\xa9.fr", "universit\\u{00E9}.fr", false},
        {"a\xf0\x9f\x98\x80", "a\\u{1F600}", false},
        {"a\\u{41}", "a\\\\u{41}", false},
        {"a b\x01", "a\\u{0020}b\\u{0001}", false},
        {"a\xff\xc3", "a\\x{FF}\\x{C3}", false},
        {"", "", true},
    };
    char buf[CLIENT_NAME_SHOWN_MAX], small[12];
    char worst[NOTE_NAME_MAX + 1];

    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        bool plain =
            client_name_show(v[i].name, strlen(v[i].name), buf, sizeof buf);
        CHECK_MSG(plain == v[i].plain && strcmp(buf, v[i].shown) == 0,
                  "\"%s\" shown as \"%s\"", v[i].shown, buf);
    }
    /* Cut short at an escape boundary, never inside one. */
    CHECK(!client_name_show("avans.nl\xe2\x80\x8b", 11, small, sizeof small) &&
          strcmp(small, "avans.nl") == 0);
    /* The worst case fits CLIENT_NAME_SHOWN_MAX. */
    memset(worst, 0x01, NOTE_NAME_MAX);
    CHECK(!client_name_show(worst, NOTE_NAME_MAX, buf, sizeof buf) &&
          strlen(buf) == 8 * NOTE_NAME_MAX);
}

/* One verdict on cred in log l from its status proof, its receipt alone
 * and both from a saved bundle: all must be of kind want. */
static void verdicts(struct minilog *l, const uint8_t cred[32], uint64_t i,
                     int want, bool unshown, const char *name,
                     const char *reason)
{
    static struct client_status_proof sp;
    static struct client_bundle b;
    struct client_receipt r;
    struct client_evidence ev = {0};
    struct client_verdict v;
    char why[CLIENT_REASON_MAX], *text;

    minilog_status(l, cred, &sp);
    minilog_receipt(l, i, l->n, &r);
    ev.status = &sp;
    client_verdict(&l->vkey, cred, &ev, &v);
    CHECK_MSG(v.kind == want && v.auth_unshown == unshown, "%s, status: %s",
              name, v.reason);
    CHECK_MSG(reason == NULL || strstr(v.reason, reason), "%s: %s", name,
              v.reason);
    ev.status = NULL;
    ev.receipt = &r;
    client_verdict(&l->vkey, cred, &ev, &v);
    CHECK_MSG(v.kind == (want == CLIENT_VERDICT_REVOKED ? CLIENT_VERDICT_VALID
                                                        : want) &&
                  v.auth_unshown == unshown,
              "%s, receipt: %s", name, v.reason);
    REQUIRE(client_bundle_format(&sp, &r, NULL, 0, 0, 0, &text) == 0);
    CHECK_MSG(client_bundle_parse(text, strlen(text), &b, why) == 0, "%s", why);
    ev.receipt = &b.receipt;
    ev.status = &b.status;
    client_verdict(&l->vkey, cred, &ev, &v);
    CHECK_MSG(v.kind == want, "%s, bundle: %s", name, v.reason);
    free(text);
    client_bundle_free(&b);
    client_receipt_free(&r);
    client_status_proof_free(&sp);
}

/* A static malicious log: it holds only its own key and serves validly
 * signed checkpoints over entries nobody (or the wrong key) signed, and a
 * revocation map that counts them. Every such credential is INVALID;
 * protocol.md §E.4, docs/security.md. */
static void test_authorization(void)
{
    struct minilog l;
    struct note_signer rogue, gone;
    struct client_verdict v;
    struct client_evidence ev = {0};
    struct client_status_proof sp;
    struct entry e;
    uint8_t c[8][32], seed[32];
    uint64_t i[8];
    const uint8_t *val;
    size_t len;

    memset(seed, 3, sizeof seed);
    REQUIRE(note_signer_from_seed("avans.nl", seed, &rogue) == 0);
    memset(seed, 4, sizeof seed);
    REQUIRE(note_signer_from_seed("gone.example", seed, &gone) == 0);
    for (int k = 0; k < 8; k++)
        memset(c[k], 0x40 + k, 32);
    minilog_init(&l, "log.example.org", 7);
    minilog_key_entry(&l, &e, ENTRY_KEY_ADD, &issuer, T0);
    REQUIRE(entry_identity_add(&e, ENTRY_ID_NAME,
                               (const uint8_t *)"Avans Hogeschool", 16) == 0);
    REQUIRE(entry_identity_add(&e, ENTRY_ID_DNS, (const uint8_t *)"avans.nl",
                               8) == 0);
    minilog_append(&l, &e);
    minilog_append_key(&l, ENTRY_KEY_ADD, &gone, T0);
    minilog_append_map(&l, T0, NULL);
    issuer_sign_entry(&e, ENTRY_ISSUE, c[0], &issuer, T0 + 1, 0);
    i[0] = minilog_append(&l, &e); /* honest */
    issuer_sign_entry(&e, ENTRY_ISSUE, c[1], &issuer, T0 + 2, 0);
    memset(e.signature, 0, sizeof e.signature);
    i[1] = minilog_append(&l, &e); /* unsigned */
    issuer_sign_entry(&e, ENTRY_ISSUE, c[2], &issuer, T0 + 3, 0);
    e.signature[7] ^= 4;
    i[2] = minilog_append(&l, &e); /* wrongly signed */
    issuer_sign_entry(&e, ENTRY_ISSUE, c[3], &rogue, T0 + 4, 0);
    i[3] = minilog_append(&l, &e); /* a key the log never added */
    minilog_append_key(&l, ENTRY_KEY_REMOVE, &gone, T0 + 5);
    issuer_sign_entry(&e, ENTRY_ISSUE, c[4], &gone, T0 + 6, 0);
    i[4] = minilog_append(&l, &e); /* a removed key, after its removal */
    memset(&e, 0, sizeof e);
    e.version = ENTRY_VERSION_2;
    e.type = ENTRY_ISSUE;
    memcpy(e.credential, c[5], 32);
    e.timestamp_ms = T0 + 7;
    REQUIRE(entry_sign(&e, "another.example.org", &issuer) == 0);
    i[5] = minilog_append(&l, &e); /* signed for another log */
    issuer_sign_entry(&e, ENTRY_ISSUE, c[6], &issuer, T0 + 8, 0);
    i[6] = minilog_append(&l, &e); /* honest, then revoked unsigned */
    issuer_sign_entry(&e, ENTRY_REVOKE, c[6], &issuer, T0 + 9, 1);
    memset(e.signature, 0, sizeof e.signature);
    i[7] = minilog_append(&l, &e);
    for (int k = 0; k < 7; k++)
        minilog_map_set(&l, c[k], i[k], k == 6 ? i[7] : SMT_NONE);
    minilog_append_map(&l, T0 + 10, NULL);

    verdicts(&l, c[0], i[0], CLIENT_VERDICT_VALID, false, "honest", NULL);
    verdicts(&l, c[1], i[1], CLIENT_VERDICT_INVALID, false, "unsigned",
             "signature by avans.nl key");
    verdicts(&l, c[2], i[2], CLIENT_VERDICT_INVALID, false, "wrongly signed",
             "does not verify");
    verdicts(&l, c[3], i[3], CLIENT_VERDICT_INVALID, true, "never added",
             "no key and key_proof");
    verdicts(&l, c[4], i[4], CLIENT_VERDICT_INVALID, false, "removed",
             "was removed at entry");
    verdicts(&l, c[5], i[5], CLIENT_VERDICT_INVALID, false, "other origin",
             "another log");
    /* The REVOKE's own signature is checked too (the ISSUE's receipt alone
     * is VALID offline: revocation is not checked offline). */
    minilog_status(&l, c[6], &sp);
    ev.status = &sp;
    client_verdict(&l.vkey, c[6], &ev, &v);
    CHECK_MSG(v.kind == CLIENT_VERDICT_INVALID &&
                  strstr(v.reason, "REVOKE entry at") != NULL,
              "unsigned revoke: %s", v.reason);
    client_status_proof_free(&sp);

    /* The honest verdict shows the KEY v2 identity. */
    minilog_status(&l, c[0], &sp);
    client_verdict(&l.vkey, c[0], &ev, &v);
    CHECK(v.kind == CLIENT_VERDICT_VALID && v.issuer_key_index == 0 &&
          entry_identity_get(&v.issuer_key, ENTRY_ID_NAME, &val, &len) &&
          len == 16 && memcmp(val, "Avans Hogeschool", 16) == 0);
    client_status_proof_free(&sp);
    minilog_free(&l);

    /* A log from before version 2 (MAP v1): cannot show authorization. */
    minilog_init(&l, "log.example.org", 7);
    l.v1 = true;
    minilog_append_key(&l, ENTRY_KEY_ADD, &issuer, T0);
    issuer_sign_entry(&e, ENTRY_ISSUE, c[0], &issuer, T0 + 1, 0);
    i[0] = minilog_append(&l, &e);
    minilog_map_set(&l, c[0], i[0], SMT_NONE);
    minilog_append_map(&l, T0 + 2, NULL);
    verdicts(&l, c[0], i[0], CLIENT_VERDICT_INVALID, true, "map v1",
             "is version 1, without a key map");
    /* Its first MAP v2 shows the same version 1 KEY's authorization. */
    l.v1 = false;
    minilog_append_map(&l, T0 + 3, NULL);
    verdicts(&l, c[0], i[0], CLIENT_VERDICT_VALID, false, "map v2", NULL);
    minilog_free(&l);
    note_signer_wipe(&rogue);
    note_signer_wipe(&gone);
}

/* The checkpoint memo of a batch: the second receipt on the same note is
 * answered from it; a note that differs in any byte, or the same note for
 * another log key, is verified afresh (and a bad one fails), and a failure
 * never enters the memo. */
static void test_checkpoint_memo(void)
{
    struct client_checkpoint_memo memo = {0};
    struct client_receipt r, r2;
    struct client_receipt_check c1, c2;
    struct checkpoint cp;
    struct minilog other;
    char why[CLIENT_REASON_MAX] = "";
    char *note;
    size_t len;

    minilog_receipt(&ml, idx_a, ml.n, &r);
    minilog_receipt(&ml, idx_b, ml.n, &r2);
    CHECK_MSG(client_verify_receipt_memo(&r, &ml.vkey, ENTRY_ISSUE, cred_a,
                                         NULL, &memo, &c1, why) == 0,
              "%s", why);
    CHECK(memo.set && memo.checkpoint.size == ml.n);
    CHECK(client_verify_receipt_memo(&r2, &ml.vkey, ENTRY_ISSUE, cred_b, NULL,
                                     &memo, &c2, why) == 0);
    CHECK(c2.checkpoint.size == c1.checkpoint.size &&
          memcmp(c2.checkpoint.root, c1.checkpoint.root, 32) == 0);
    /* One flipped bit of the signature: not the remembered note. */
    note = r2.checkpoint;
    len = r2.checkpoint_len;
    note[len - 20] = note[len - 20] == 'A' ? 'B' : 'A';
    CHECK(client_verify_checkpoint_memo(&memo, note, len, &ml.vkey, &cp, why) ==
          CLIENT_ERR_INVALID);
    CHECK(memo.set && memo.checkpoint.size == ml.n);
    /* The remembered note, with another log's key. */
    minilog_init(&other, "log.example.org", 8);
    CHECK(client_verify_checkpoint_memo(&memo, r.checkpoint, r.checkpoint_len,
                                        &other.vkey, &cp,
                                        why) == CLIENT_ERR_INVALID);
    minilog_free(&other);
    /* Back to the log's own key: still from the memo, still right. */
    CHECK(client_verify_checkpoint_memo(&memo, r.checkpoint, r.checkpoint_len,
                                        &ml.vkey, &cp, why) == 0);
    CHECK(cp.size == ml.n);
    /* No memo at all is plain verification. */
    CHECK(client_verify_checkpoint_memo(NULL, r.checkpoint, r.checkpoint_len,
                                        &ml.vkey, &cp, why) == 0);
    client_receipt_free(&r);
    client_receipt_free(&r2);
}

int main(void)
{
    build_log();
    test_receipt_valid();
    test_receipt_tampered();
    test_status_valid();
    test_age(); /* before test_online_combination() revokes cred_a */
    tamper_status(cred_a);
    tamper_status(cred_b);
    tamper_status(cred_c);
    test_status_structure();
    test_status_foreign_revoke();
    test_doc_roundtrip();
    test_tlog_proof();
    test_bundle();
    test_online_combination();
    test_consistency_edges();
    test_duration();
    test_name_show();
    test_authorization();
    test_checkpoint_memo();
    minilog_free(&ml);
    note_signer_wipe(&issuer);
    note_signer_wipe(&other_issuer);
    return check_finish();
}
