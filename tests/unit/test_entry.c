/*
 * test_entry.c: the canonical entry encoding. Known bytes written by hand
 * from the layout in proofs/entry.h, round trips, every truncation and
 * trailing byte, unknown codes, and signatures over every signed byte.
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "proofs/entry.h"
#include "proofs/smt.h"

/* 16 bytes of 0xaa, four times: the placeholder signature. */
#define AA16 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define SIG_AA AA16 AA16 AA16 AA16

/* 1700000000000 ms = 0x0000018bcfe56800. */
#define TS_HEX "0000018bcfe56800"
#define TS_MS UINT64_C(1700000000000)

static const char issue_hex[] = "01"
                                "01" /* version, ISSUE */
                                "000102030405060708090a0b0c0d0e0f10111213141516"
                                "1718191a1b1c1d1e1f" /* credential
                                                      */
                                "03"
                                "612e62"   /* n = 3, "a.b" */
                                "01020304" /* key id */
    TS_HEX                                 /* timestamp_ms */
        SIG_AA;                            /* signature */

static const char revoke_hex[] =
    "01"
    "02"
    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
    "03"
    "612e62"
    "01020304" TS_HEX "03" /* superseded */
    SIG_AA;

static const char map_hex[] =
    "01"
    "03"
    "0102030405060708" /* index */
    "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f" /* map
                                                                          root
                                                                        */
    "1122334455667788"; /* time_ms */

static const char key_hex[] =
    "01"
    "04"
    "01" /* add */
    "08"
    "6176616e732e6e6c" /* n = 8, "avans.nl" */
    "404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f" /* public
                                                                          key */
    TS_HEX;

static void make_issue(struct entry *e)
{
    memset(e, 0, sizeof *e);
    e->version = ENTRY_VERSION_1;
    e->type = ENTRY_ISSUE;
    for (int i = 0; i < 32; i++)
        e->credential[i] = (uint8_t)i;
    strcpy(e->issuer, "a.b");
    e->key_id = 0x01020304;
    e->timestamp_ms = TS_MS;
    memset(e->signature, 0xaa, sizeof e->signature);
}

static void make_revoke(struct entry *e)
{
    make_issue(e);
    e->type = ENTRY_REVOKE;
    e->reason = ENTRY_REASON_SUPERSEDED;
}

static void make_map(struct entry *e)
{
    memset(e, 0, sizeof *e);
    e->version = ENTRY_VERSION_1;
    e->type = ENTRY_MAP;
    e->map_index = UINT64_C(0x0102030405060708);
    for (int i = 0; i < 32; i++)
        e->map_root[i] = (uint8_t)(0x20 + i);
    e->timestamp_ms = UINT64_C(0x1122334455667788);
}

static void make_key(struct entry *e)
{
    memset(e, 0, sizeof *e);
    e->version = ENTRY_VERSION_1;
    e->type = ENTRY_KEY;
    e->key_op = ENTRY_KEY_ADD;
    strcpy(e->issuer, "avans.nl");
    for (int i = 0; i < 32; i++)
        e->public_key[i] = (uint8_t)(0x40 + i);
    e->timestamp_ms = TS_MS;
}

static bool entry_equal(const struct entry *a, const struct entry *b)
{
    return a->version == b->version && a->type == b->type &&
           memcmp(a->credential, b->credential, sizeof a->credential) == 0 &&
           strcmp(a->issuer, b->issuer) == 0 && a->key_id == b->key_id &&
           a->timestamp_ms == b->timestamp_ms && a->reason == b->reason &&
           memcmp(a->signature, b->signature, sizeof a->signature) == 0 &&
           a->key_op == b->key_op &&
           memcmp(a->public_key, b->public_key, sizeof a->public_key) == 0 &&
           a->map_index == b->map_index &&
           memcmp(a->map_root, b->map_root, sizeof a->map_root) == 0 &&
           memcmp(a->key_root, b->key_root, sizeof a->key_root) == 0 &&
           a->identity_len == b->identity_len &&
           memcmp(a->identity, b->identity, a->identity_len) == 0;
}

/* Encodes e, compares with hex, decodes back; then every truncation and
 * every one-byte extension of the bytes must be refused. */
static void check_known(const char *what, const struct entry *e,
                        const char *hex)
{
    uint8_t buf[ENTRY_MAX_SIZE + 1], ext[ENTRY_MAX_SIZE + 2];
    size_t want_len;
    uint8_t *want = check_hex(hex, &want_len);
    struct entry back;
    int n = entry_encode(e, buf, sizeof buf);

    CHECK_MSG(n == (int)want_len, "%s: length %d, want %zu", what, n, want_len);
    if (n == (int)want_len)
        CHECK_MSG(memcmp(buf, want, want_len) == 0, "%s: bytes differ", what);
    CHECK_MSG(entry_decode(want, want_len, &back) == 0, "%s: decode", what);
    CHECK_MSG(entry_equal(e, &back), "%s: round trip", what);
    /* Exact buffer sizes. */
    CHECK(entry_encode(e, buf, want_len) == (int)want_len);
    CHECK(entry_encode(e, buf, want_len - 1) == ENTRY_ERR_SPACE);

    for (size_t k = 0; k < want_len; k++) {
        int rc = entry_decode(want, k, &back);
        CHECK_MSG(rc == ENTRY_ERR_SYNTAX, "%s: truncation to %zu gives %d",
                  what, k, rc);
    }
    for (int extra = 0; extra < 256; extra++) {
        memcpy(ext, want, want_len);
        ext[want_len] = (uint8_t)extra;
        if (entry_decode(ext, want_len + 1, &back) != ENTRY_ERR_SYNTAX) {
            CHECK_MSG(0, "%s: trailing byte %02x accepted", what, extra);
            break;
        }
    }
    memcpy(ext, want, want_len);
    ext[want_len] = 0;
    ext[want_len + 1] = 0;
    CHECK(entry_decode(ext, want_len + 2, &back) == ENTRY_ERR_SYNTAX);
    free(want);
}

static void test_known_bytes(void)
{
    struct entry e;

    make_issue(&e);
    check_known("issue", &e, issue_hex);
    make_revoke(&e);
    check_known("revoke", &e, revoke_hex);
    make_map(&e);
    check_known("map", &e, map_hex);
    make_key(&e);
    check_known("key", &e, key_hex);
    e.key_op = ENTRY_KEY_REMOVE;
    {
        char hex[sizeof key_hex];
        strcpy(hex, key_hex);
        hex[5] = '2'; /* op byte "01" -> "02" */
        check_known("key remove", &e, hex);
    }

    /* The MAP entry is exactly 50 bytes; ENTRY_SUBMISSION_MAX is a REVOKE with
     * a 255-byte issuer name. */
    CHECK(strlen(map_hex) == 2 * ENTRY_MAP_SIZE);
    make_revoke(&e);
    memset(e.issuer, 'z', NOTE_NAME_MAX);
    e.issuer[NOTE_NAME_MAX] = '\0';
    {
        uint8_t buf[ENTRY_MAX_SIZE];
        struct entry back;
        int n = entry_encode(&e, buf, sizeof buf);

        CHECK(n == ENTRY_SUBMISSION_MAX);
        CHECK(entry_decode(buf, (size_t)n, &back) == 0 &&
              entry_equal(&e, &back));
    }
}

static void test_signed_message(void)
{
    static const char prefix[] = "credlog/entry/v1\n";
    uint8_t msg[ENTRY_SIGNED_MAX], *want;
    size_t want_len;
    struct entry e;
    int n;

    make_issue(&e);
    want = check_hex(issue_hex, &want_len);
    n = entry_signed_message(&e, NULL, msg, sizeof msg);
    CHECK(n == (int)(17 + want_len - 64));
    CHECK(memcmp(msg, prefix, 17) == 0);
    CHECK(memcmp(msg + 17, want, want_len - 64) == 0);
    CHECK(entry_signed_message(&e, NULL, msg, (size_t)n) == n);
    CHECK(entry_signed_message(&e, NULL, msg, (size_t)n - 1) ==
          ENTRY_ERR_SPACE);
    free(want);

    make_revoke(&e);
    want = check_hex(revoke_hex, &want_len);
    n = entry_signed_message(&e, NULL, msg, sizeof msg);
    CHECK(n == (int)(17 + want_len - 64));
    CHECK(memcmp(msg + 17, want, want_len - 64) == 0);
    free(want);

    make_map(&e);
    CHECK(entry_signed_message(&e, NULL, msg, sizeof msg) == ENTRY_ERR_TYPE);
    make_key(&e);
    CHECK(entry_signed_message(&e, NULL, msg, sizeof msg) == ENTRY_ERR_TYPE);
    make_issue(&e);
    e.issuer[0] = '\0';
    CHECK(entry_signed_message(&e, NULL, msg, sizeof msg) == ENTRY_ERR_SYNTAX);
}

static void test_unknown_codes(void)
{
    uint8_t buf[ENTRY_MAX_SIZE];
    struct entry e, back;
    int n;

    /* Decode: versions, types, ops, reasons. */
    make_issue(&e);
    n = entry_encode(&e, buf, sizeof buf);
    REQUIRE(n > 0);
    for (int v = 0; v < 256; v++) {
        if (v == ENTRY_VERSION_1 || v == ENTRY_VERSION_2)
            continue;
        buf[0] = (uint8_t)v;
        if (entry_decode(buf, (size_t)n, &back) != ENTRY_ERR_TYPE) {
            CHECK_MSG(0, "version %d accepted", v);
            break;
        }
    }
    buf[0] = ENTRY_VERSION_1;
    for (int t = 0; t < 256; t++) {
        if (t >= ENTRY_ISSUE && t <= ENTRY_KEY)
            continue;
        buf[1] = (uint8_t)t;
        if (entry_decode(buf, (size_t)n, &back) != ENTRY_ERR_TYPE) {
            CHECK_MSG(0, "type %d accepted", t);
            break;
        }
    }
    CHECK(entry_decode(buf, 1, &back) == ENTRY_ERR_SYNTAX);
    CHECK(entry_decode(buf, 0, &back) == ENTRY_ERR_SYNTAX);

    make_revoke(&e);
    n = entry_encode(&e, buf, sizeof buf);
    REQUIRE(n > 0);
    for (int r = 0; r < 256; r++) {
        int rc;
        buf[n - 65] = (uint8_t)r;
        rc = entry_decode(buf, (size_t)n, &back);
        if (r <= ENTRY_REASON_MAX)
            CHECK(rc == 0 && back.reason == r);
        else if (rc != ENTRY_ERR_TYPE) {
            CHECK_MSG(0, "reason %d accepted", r);
            break;
        }
    }

    make_key(&e);
    n = entry_encode(&e, buf, sizeof buf);
    REQUIRE(n > 0);
    for (int op = 0; op < 256; op++) {
        int rc;
        buf[2] = (uint8_t)op;
        rc = entry_decode(buf, (size_t)n, &back);
        if (op == ENTRY_KEY_ADD || op == ENTRY_KEY_REMOVE)
            CHECK(rc == 0 && back.key_op == op);
        else if (rc != ENTRY_ERR_TYPE) {
            CHECK_MSG(0, "op %d accepted", op);
            break;
        }
    }

    /* Encode refuses the same. */
    make_issue(&e);
    e.type = 0;
    CHECK(entry_encode(&e, buf, sizeof buf) == ENTRY_ERR_TYPE);
    e.type = 5;
    CHECK(entry_encode(&e, buf, sizeof buf) == ENTRY_ERR_TYPE);
    make_revoke(&e);
    e.reason = ENTRY_REASON_MAX + 1;
    CHECK(entry_encode(&e, buf, sizeof buf) == ENTRY_ERR_TYPE);
    make_issue(&e);
    e.reason = 200; /* ignored outside REVOKE */
    CHECK(entry_encode(&e, buf, sizeof buf) > 0);
    make_key(&e);
    e.key_op = 0;
    CHECK(entry_encode(&e, buf, sizeof buf) == ENTRY_ERR_TYPE);
    e.key_op = 3;
    CHECK(entry_encode(&e, buf, sizeof buf) == ENTRY_ERR_TYPE);

    CHECK(strcmp(entry_type_name(ENTRY_ISSUE), "issue") == 0);
    CHECK(strcmp(entry_type_name(ENTRY_REVOKE), "revoke") == 0);
    CHECK(strcmp(entry_type_name(ENTRY_MAP), "map") == 0);
    CHECK(strcmp(entry_type_name(ENTRY_KEY), "key") == 0);
    CHECK(entry_type_name(0) == NULL && entry_type_name(5) == NULL);
    CHECK(strcmp(entry_reason_name(0), "unspecified") == 0);
    CHECK(strcmp(entry_reason_name(1), "issued_in_error") == 0);
    CHECK(strcmp(entry_reason_name(2), "misconduct") == 0);
    CHECK(strcmp(entry_reason_name(3), "superseded") == 0);
    CHECK(strcmp(entry_reason_name(4), "withdrawn") == 0);
    CHECK(entry_reason_name(5) == NULL);
    /* Verifiers show the retired misconduct as unspecified. */
    CHECK(strcmp(entry_reason_shown(ENTRY_REASON_MISCONDUCT), "unspecified") ==
          0);
    CHECK(strcmp(entry_reason_shown(ENTRY_REASON_WITHDRAWN), "withdrawn") == 0);
    CHECK(strcmp(entry_reason_shown(0), "unspecified") == 0);
    CHECK(entry_reason_shown(5) == NULL);
    for (int err = 0; err >= -6; err--)
        CHECK(entry_strerror(err) != NULL);
}

static void test_bad_issuers(void)
{
    static const char *bad[] = {"", "a b", "a+b", "a\nb", "a\x01", "\xff"};
    uint8_t buf[ENTRY_MAX_SIZE];
    struct entry e, back;
    int n;

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        make_issue(&e);
        strcpy(e.issuer, bad[i]);
        CHECK_MSG(entry_encode(&e, buf, sizeof buf) == ENTRY_ERR_SYNTAX, "%zu",
                  i);
        make_key(&e);
        strcpy(e.issuer, bad[i]);
        CHECK_MSG(entry_encode(&e, buf, sizeof buf) == ENTRY_ERR_SYNTAX, "%zu",
                  i);
    }
    /* An issuer with no NUL within NOTE_NAME_MAX + 1 bytes. */
    make_issue(&e);
    memset(e.issuer, 'x', sizeof e.issuer);
    CHECK(entry_encode(&e, buf, sizeof buf) == ENTRY_ERR_SYNTAX);

    /* Decode: a bad name of the right length, and n = 0. */
    make_issue(&e);
    n = entry_encode(&e, buf, sizeof buf);
    REQUIRE(n > 0);
    buf[35 + 1] = ' '; /* "a b" */
    CHECK(entry_decode(buf, (size_t)n, &back) == ENTRY_ERR_SYNTAX);
    buf[35 + 1] = '+';
    CHECK(entry_decode(buf, (size_t)n, &back) == ENTRY_ERR_SYNTAX);
    buf[35 + 1] = 0;
    CHECK(entry_decode(buf, (size_t)n, &back) == ENTRY_ERR_SYNTAX);
    make_key(&e);
    n = entry_encode(&e, buf, sizeof buf);
    REQUIRE(n > 0);
    buf[4] = 0x80; /* a lone continuation byte */
    CHECK(entry_decode(buf, (size_t)n, &back) == ENTRY_ERR_SYNTAX);
    {
        /* KEY with n = 0: 01 04 01 00 || pub || time. */
        uint8_t k[2 + 1 + 1 + 32 + 8] = {1, 4, 1, 0};
        CHECK(entry_decode(k, sizeof k, &back) == ENTRY_ERR_SYNTAX);
    }
}

/* Entries logged before issuer names refused invisible characters still
 * decode, re-encode to the same bytes and verify: the rule is for names the
 * log accepts now (note_issuer_name_valid), not for the encoding. */
static void test_old_issuer_names(void)
{
    static const char *const old[] = {
        "avans.nl\xe2\x80\x8b", /* U+200B ZERO WIDTH SPACE */
        "\xe2\x80\xaeln.snava", /* U+202E RIGHT-TO-LEFT OVERRIDE */
        "ava\xef\xbb\xbfns.nl", /* U+FEFF */
    };
    uint8_t buf[ENTRY_MAX_SIZE], again[ENTRY_MAX_SIZE], seed[32] = {9};
    struct note_signer s;
    struct entry e, back;
    int n;

    for (size_t i = 0; i < sizeof old / sizeof old[0]; i++) {
        CHECK(!note_issuer_name_valid(old[i], strlen(old[i]), NULL));
        REQUIRE(note_signer_from_seed(old[i], seed, &s) == 0);
        make_issue(&e);
        REQUIRE(entry_sign(&e, NULL, &s) == 0);
        n = entry_encode(&e, buf, sizeof buf);
        CHECK_MSG(n > 0, "%zu", i);
        CHECK(n > 0 && entry_decode(buf, (size_t)n, &back) == 0 &&
              strcmp(back.issuer, old[i]) == 0 &&
              entry_verify(&back, NULL, s.pub) == 0 &&
              entry_encode(&back, again, sizeof again) == n &&
              memcmp(again, buf, (size_t)n) == 0);
        make_key(&e);
        strcpy(e.issuer, old[i]);
        n = entry_encode(&e, buf, sizeof buf);
        CHECK(n > 0 && entry_decode(buf, (size_t)n, &back) == 0 &&
              strcmp(back.issuer, old[i]) == 0);
        note_signer_wipe(&s);
    }
}

static void test_sign_verify(void)
{
    struct note_signer s, other;
    uint8_t seed[32], buf[ENTRY_MAX_SIZE];
    struct entry e, back;

    for (int i = 0; i < 32; i++)
        seed[i] = (uint8_t)(100 + i);
    REQUIRE(note_signer_from_seed("avans.nl", seed, &s) == 0);
    seed[0] ^= 1;
    REQUIRE(note_signer_from_seed("avans.nl", seed, &other) == 0);

    for (int type = ENTRY_ISSUE; type <= ENTRY_REVOKE; type++) {
        int n, signed_len, verifying_flips;

        if (type == ENTRY_ISSUE)
            make_issue(&e);
        else
            make_revoke(&e);
        REQUIRE(entry_sign(&e, NULL, &s) == 0);
        CHECK(strcmp(e.issuer, "avans.nl") == 0 && e.key_id == s.key_id);
        CHECK(entry_verify(&e, NULL, s.pub) == 0);
        CHECK(entry_verify(&e, NULL, other.pub) == ENTRY_ERR_SIG);

        n = entry_encode(&e, buf, sizeof buf);
        REQUIRE(n > 0);
        CHECK(entry_decode(buf, (size_t)n, &back) == 0);
        CHECK(entry_verify(&back, NULL, s.pub) == 0);

        /* Flip every bit of every byte: the entry either no longer decodes
         * or no longer verifies. */
        signed_len = n;
        verifying_flips = 0;
        for (int i = 0; i < signed_len; i++) {
            for (int bit = 0; bit < 8; bit++) {
                int rc;
                buf[i] ^= (uint8_t)(1 << bit);
                rc = entry_decode(buf, (size_t)n, &back);
                if (rc == 0)
                    rc = entry_verify(&back, NULL, s.pub);
                buf[i] ^= (uint8_t)(1 << bit);
                if (rc == 0 && verifying_flips++ == 0)
                    fprintf(stderr,
                            "type %d: flip of byte %d bit %d verifies\n", type,
                            i, bit);
            }
        }
        CHECK_MSG(verifying_flips == 0, "type %d: %d flips verify", type,
                  verifying_flips);
        /* The same through the struct: every signed field matters. */
        back = e;
        back.timestamp_ms ^= 1;
        CHECK(entry_verify(&back, NULL, s.pub) == ENTRY_ERR_SIG);
        back = e;
        back.key_id ^= 0x80000000u;
        CHECK(entry_verify(&back, NULL, s.pub) == ENTRY_ERR_SIG);
        back = e;
        back.credential[31] ^= 1;
        CHECK(entry_verify(&back, NULL, s.pub) == ENTRY_ERR_SIG);
        back = e;
        back.issuer[0] = 'b';
        CHECK(entry_verify(&back, NULL, s.pub) == ENTRY_ERR_SIG);
        back = e;
        back.type = type == ENTRY_ISSUE ? ENTRY_REVOKE : ENTRY_ISSUE;
        CHECK(entry_verify(&back, NULL, s.pub) == ENTRY_ERR_SIG);
        if (type == ENTRY_REVOKE) {
            back = e;
            back.reason = ENTRY_REASON_WITHDRAWN;
            CHECK(entry_verify(&back, NULL, s.pub) == ENTRY_ERR_SIG);
        }
    }

    /* Deterministic: the same entry signs to the same bytes. */
    {
        struct entry a, b;
        make_issue(&a);
        make_issue(&b);
        CHECK(entry_sign(&a, NULL, &s) == 0 && entry_sign(&b, NULL, &s) == 0);
        CHECK(memcmp(a.signature, b.signature, 64) == 0);
    }

    make_map(&e);
    CHECK(entry_sign(&e, NULL, &s) == ENTRY_ERR_TYPE);
    CHECK(entry_verify(&e, NULL, s.pub) == ENTRY_ERR_TYPE);
    make_key(&e);
    CHECK(entry_sign(&e, NULL, &s) == ENTRY_ERR_TYPE);
    CHECK(entry_verify(&e, NULL, s.pub) == ENTRY_ERR_TYPE);
    make_revoke(&e);
    e.reason = 9;
    CHECK(entry_sign(&e, NULL, &s) == ENTRY_ERR_TYPE);
    note_signer_wipe(&s);
    note_signer_wipe(&other);
}

/* The worked example of docs/protocol.md (§B.6.6): issuer "avans.nl"
 * with seed 00 01 .. 1f signs an ISSUE and then a REVOKE (Ed25519 is
 * deterministic, so the bytes are fixed). */
static void test_doc_example(void)
{
    static const char vkey[] =
        "avans.nl+a2bfa06c+AQOhB7/zzhC+HXDdGOdLwJln5NYwm6UNXx3chmQSVTG4";
    static const char issue[] =
        "0101000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
        "086176616e732e6e6ca2bfa06c0000018bcfe56800"
        "340e920b9cd803cbe3dd99468ead5f84f918d3aaa7a7b3401b6b6cb4581ba90a"
        "d1f8ad9a383507e1a4d0e7d32b41c7d1f2ba429cd03151691c232ffdea8e1506";
    static const char issue_msg[] =
        "637265646c6f672f656e7472792f76310a" /* "credlog/entry/v1\n" */
        "0101000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
        "086176616e732e6e6ca2bfa06c0000018bcfe56800";
    static const char revoke[] =
        "0102000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
        "086176616e732e6e6ca2bfa06c0000018bcfee8fc001"
        "70cdae430e60cdf35f15adbe3aebdf3bf682325eb89a2f57de936f4f1739b760"
        "c37b19fc191388132b6530103c2359d3ab7811c3005fd1a5a7a71815dfe7a607";
    struct note_signer s;
    struct note_verifier v;
    struct entry e, back;
    uint8_t seed[32], buf[ENTRY_SIGNED_MAX], *want;
    size_t want_len;
    int n;

    for (int i = 0; i < 32; i++)
        seed[i] = (uint8_t)i;
    REQUIRE(note_signer_from_seed("avans.nl", seed, &s) == 0);
    REQUIRE(note_verifier_parse(vkey, strlen(vkey), &v) == 0);
    CHECK(v.key_id == s.key_id && memcmp(v.pub, s.pub, 32) == 0);

    memset(&e, 0, sizeof e);
    e.type = ENTRY_ISSUE;
    for (int i = 0; i < 32; i++)
        e.credential[i] = (uint8_t)i;
    e.timestamp_ms = TS_MS;
    REQUIRE(entry_sign(&e, NULL, &s) == 0);
    want = check_hex(issue, &want_len);
    n = entry_encode(&e, buf, sizeof buf);
    CHECK(n == (int)want_len && memcmp(buf, want, want_len) == 0);
    CHECK(entry_decode(want, want_len, &back) == 0 &&
          entry_verify(&back, NULL, v.pub) == 0);
    free(want);
    want = check_hex(issue_msg, &want_len);
    n = entry_signed_message(&e, NULL, buf, sizeof buf);
    CHECK(n == (int)want_len && memcmp(buf, want, want_len) == 0);
    free(want);

    e.type = ENTRY_REVOKE;
    e.reason = ENTRY_REASON_ISSUED_IN_ERROR;
    e.timestamp_ms = UINT64_C(1700000600000);
    REQUIRE(entry_sign(&e, NULL, &s) == 0);
    want = check_hex(revoke, &want_len);
    n = entry_encode(&e, buf, sizeof buf);
    CHECK(n == (int)want_len && memcmp(buf, want, want_len) == 0);
    CHECK(entry_decode(want, want_len, &back) == 0 &&
          entry_verify(&back, NULL, v.pub) == 0);
    free(want);
    note_signer_wipe(&s);
}

/* ---- version 2 ---- */

#define ORIGIN "example.org/credlog-test"

/* Hand-written from the layout in proofs/entry.h: the v1 examples above with
 * version 2, the MAP with a key root, the KEY with an identity. */
static const char issue2_hex[] =
    "0201"
    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
    "03612e62"
    "01020304" TS_HEX SIG_AA;

static const char revoke2_hex[] =
    "0202"
    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
    "03612e62"
    "01020304" TS_HEX "04" /* withdrawn */
    SIG_AA;

static const char map2_hex[] =
    "0203"
    "0102030405060708"
    "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"
    "606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f"
    "1122334455667788";

static const char key2_hex[] =
    "0204"
    "01"
    "086176616e732e6e6c"
    "404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f" TS_HEX
    "0011"                  /* m = 17 */
    "01054176616e73"        /* 1: "Avans" */
    "02086176616e732e6e6c"; /* 2: "avans.nl" */

static const char key2_remove_hex[] =
    "0204"
    "02"
    "086176616e732e6e6c"
    "404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f" TS_HEX
    "0000";

static void add(struct entry *e, uint8_t tag, const char *v)
{
    int rc = entry_identity_add(e, tag, (const uint8_t *)v, strlen(v));

    CHECK_MSG(rc == 0, "add %u \"%s\": %d", tag, v, rc);
}

static void test_v2_known_bytes(void)
{
    struct entry e;

    make_issue(&e);
    e.version = ENTRY_VERSION_2;
    check_known("issue v2", &e, issue2_hex);
    make_revoke(&e);
    e.version = ENTRY_VERSION_2;
    e.reason = ENTRY_REASON_WITHDRAWN;
    check_known("revoke v2", &e, revoke2_hex);
    make_map(&e);
    e.version = ENTRY_VERSION_2;
    for (int i = 0; i < 32; i++)
        e.key_root[i] = (uint8_t)(0x60 + i);
    check_known("map v2", &e, map2_hex);
    CHECK(strlen(map2_hex) == 2 * ENTRY_MAP_V2_SIZE);
    make_key(&e);
    e.version = ENTRY_VERSION_2;
    add(&e, ENTRY_ID_DNS, "avans.nl"); /* out of order: add sorts */
    add(&e, ENTRY_ID_NAME, "Avans");
    check_known("key v2", &e, key2_hex);
    make_key(&e);
    e.version = ENTRY_VERSION_2;
    e.key_op = ENTRY_KEY_REMOVE;
    check_known("key v2 remove", &e, key2_remove_hex);

    /* A version 1 MAP is not a version 2 MAP and vice versa. */
    {
        size_t len;
        uint8_t *b = check_hex(map2_hex, &len);
        struct entry back;

        b[0] = ENTRY_VERSION_1;
        CHECK(entry_decode(b, len, &back) == ENTRY_ERR_SYNTAX);
        b[0] = ENTRY_VERSION_2;
        CHECK(entry_decode(b, ENTRY_MAP_SIZE, &back) == ENTRY_ERR_SYNTAX);
        free(b);
    }

    /* ENTRY_MAX_SIZE is a KEY v2 with a 255-byte issuer and a full identity;
     * ENTRY_SUBMISSION_MAX stays the largest REVOKE in version 2 too. */
    make_key(&e);
    e.version = ENTRY_VERSION_2;
    memset(e.issuer, 'z', NOTE_NAME_MAX);
    e.issuer[NOTE_NAME_MAX] = '\0';
    {
        uint8_t v[255], buf[ENTRY_MAX_SIZE];
        struct entry back;
        int n;

        memset(v, 'a', sizeof v);
        CHECK(entry_identity_add(&e, ENTRY_ID_NAME, v, 255) == 0);
        CHECK(entry_identity_add(&e, ENTRY_ID_NAME, v, 1) == ENTRY_ERR_SYNTAX);
        {
            static char dns[254];
            /* 253 bytes: labels of 63 and '.' */
            memset(dns, 'a', 253);
            dns[63] = dns[127] = dns[191] = '.';
            dns[253] = '\0';
            add(&e, ENTRY_ID_DNS, dns);
        }
        add(&e, ENTRY_ID_BRIN, "07GR");
        {
            char url[256];
            size_t left;

            memcpy(url, "https://a.nl/", 13);
            memset(url + 13, 'p', 255 - 13);
            url[255] = '\0';
            add(&e, ENTRY_ID_OB2_PROFILE, url);
            /* An issuer id filling the identity exactly. */
            left = ENTRY_IDENTITY_MAX - e.identity_len - 2;
            REQUIRE(left <= 255);
            memcpy(url, "urn:", 4);
            memset(url + 4, 'u', left - 4);
            url[left] = '\0';
            add(&e, ENTRY_ID_ISSUER_ID, url);
        }
        CHECK(e.identity_len == ENTRY_IDENTITY_MAX);
        CHECK(entry_identity_add(&e, ENTRY_ID_DID_WEB,
                                 (const uint8_t *)"did:web:a.nl",
                                 12) == ENTRY_ERR_SPACE);
        n = entry_encode(&e, buf, sizeof buf);
        CHECK(n == ENTRY_MAX_SIZE);
        CHECK(entry_decode(buf, (size_t)n, &back) == 0 &&
              entry_equal(&e, &back));
    }
    make_revoke(&e);
    e.version = ENTRY_VERSION_2;
    memset(e.issuer, 'z', NOTE_NAME_MAX);
    e.issuer[NOTE_NAME_MAX] = '\0';
    {
        uint8_t buf[ENTRY_MAX_SIZE];
        CHECK(entry_encode(&e, buf, sizeof buf) == ENTRY_SUBMISSION_MAX);
    }
}

/* Every way a version 2 entry is refused. */
static void test_v2_rejects(void)
{
    uint8_t buf[ENTRY_MAX_SIZE + 8];
    struct entry e, back;
    size_t len;
    uint8_t *b;
    int n;

    /* Versions other than 1 and 2, for every type. */
    b = check_hex(key2_hex, &len);
    for (int v = 0; v < 256; v++) {
        int rc;

        if (v == ENTRY_VERSION_1 || v == ENTRY_VERSION_2)
            continue;
        b[0] = (uint8_t)v;
        rc = entry_decode(b, len, &back);
        if (rc != ENTRY_ERR_TYPE) {
            CHECK_MSG(0, "version %d gives %d", v, rc);
            break;
        }
    }
    b[0] = ENTRY_VERSION_2;
    CHECK(entry_decode(b, len, &back) == 0);
    /* A version 1 KEY is exactly the v1 layout: the v2 bytes are too long. */
    b[0] = ENTRY_VERSION_1;
    CHECK(entry_decode(b, len, &back) == ENTRY_ERR_SYNTAX);
    CHECK(entry_decode(b, len - 19, &back) == 0 && back.version == 1 &&
          back.identity_len == 0);
    b[0] = ENTRY_VERSION_2;

    /* Identity items: the v2 KEY above holds 01 05 "Avans" 02 08
     * "avans.nl" from offset 54 (after u16 m at 52). */
    CHECK(b[52] == 0x00 && b[53] == 0x11 && b[54] == 1 && b[61] == 2);
    b[54] = 2; /* 02, 02: a duplicate tag */
    CHECK(entry_decode(b, len, &back) == ENTRY_ERR_SYNTAX);
    b[54] = 3; /* 03, 02: out of order */
    CHECK(entry_decode(b, len, &back) == ENTRY_ERR_SYNTAX);
    b[54] = 0; /* tag 0 */
    CHECK(entry_decode(b, len, &back) == ENTRY_ERR_TYPE);
    b[54] = 7; /* an unknown tag */
    CHECK(entry_decode(b, len, &back) == ENTRY_ERR_TYPE);
    b[54] = 1;
    b[56] = 0xc3; /* "Avans": a cut UTF-8 sequence */
    CHECK(entry_decode(b, len, &back) == ENTRY_ERR_SYNTAX);
    b[56] = 0xff;
    CHECK(entry_decode(b, len, &back) == ENTRY_ERR_SYNTAX);
    b[56] = 'A';
    b[55] = 6; /* an item longer than what follows it within m */
    CHECK(entry_decode(b, len, &back) == ENTRY_ERR_SYNTAX);
    b[55] = 0; /* an empty value */
    CHECK(entry_decode(b, len, &back) == ENTRY_ERR_SYNTAX);
    b[55] = 5;
    b[53] = 0x10; /* m one short: the last item is cut */
    CHECK(entry_decode(b, len, &back) == ENTRY_ERR_SYNTAX);
    CHECK(entry_decode(b, len - 1, &back) == ENTRY_ERR_SYNTAX);
    b[53] = 0x11;
    b[63] = 'A'; /* "avans.nl" -> "Avans.nl": DNS names are lower case */
    CHECK(entry_decode(b, len, &back) == ENTRY_ERR_SYNTAX);
    b[63] = 'a';
    b[2] = ENTRY_KEY_REMOVE; /* a remove carries no identity */
    CHECK(entry_decode(b, len, &back) == ENTRY_ERR_SYNTAX);
    b[2] = ENTRY_KEY_ADD;
    CHECK(entry_decode(b, len, &back) == 0);
    free(b);

    /* m above ENTRY_IDENTITY_MAX, even when the bytes are there. */
    make_key(&e);
    e.version = ENTRY_VERSION_2;
    n = entry_encode(&e, buf, sizeof buf);
    REQUIRE(n == 54);
    {
        static uint8_t big[54 + ENTRY_IDENTITY_MAX + 1];

        memcpy(big, buf, 52);
        big[52] = (ENTRY_IDENTITY_MAX + 1) >> 8;
        big[53] = (ENTRY_IDENTITY_MAX + 1) & 0xff;
        for (size_t i = 54; i < sizeof big;) {
            size_t n_item = sizeof big - i - 2 < 255 ? sizeof big - i - 2 : 255;
            big[i] = ENTRY_ID_NAME;
            big[i + 1] = (uint8_t)n_item;
            memset(big + i + 2, 'a', n_item);
            i += 2 + n_item;
        }
        CHECK(entry_decode(big, sizeof big, &back) == ENTRY_ERR_SYNTAX);
    }
    /* The encoder refuses what the decoder refuses. */
    e.identity_len = 3;
    memcpy(e.identity, "\x02\x01x", 3); /* "x": one label */
    CHECK(entry_encode(&e, buf, sizeof buf) == ENTRY_ERR_SYNTAX);
    memcpy(e.identity, "\x09\x01x", 3);
    CHECK(entry_encode(&e, buf, sizeof buf) == ENTRY_ERR_TYPE);
    e.identity_len = ENTRY_IDENTITY_MAX + 1;
    CHECK(entry_encode(&e, buf, sizeof buf) == ENTRY_ERR_SYNTAX);
    e.identity_len = 0;
    add(&e, ENTRY_ID_BRIN, "07GR");
    e.key_op = ENTRY_KEY_REMOVE;
    CHECK(entry_encode(&e, buf, sizeof buf) == ENTRY_ERR_SYNTAX);
    e.version = 3;
    e.key_op = ENTRY_KEY_ADD;
    CHECK(entry_encode(&e, buf, sizeof buf) == ENTRY_ERR_TYPE);

    /* Misconduct (reason 2): decoded in version 1, refused in version 2,
     * by the decoder and the encoder. */
    b = check_hex(revoke2_hex, &len);
    for (int r = 0; r <= ENTRY_REASON_MAX + 1; r++) {
        int rc, want = r == ENTRY_REASON_MISCONDUCT || r > ENTRY_REASON_MAX
                           ? ENTRY_ERR_TYPE
                           : 0;
        b[len - 65] = (uint8_t)r;
        rc = entry_decode(b, len, &back);
        CHECK_MSG(rc == want, "v2 reason %d gives %d", r, rc);
        b[0] = ENTRY_VERSION_1;
        rc = entry_decode(b, len, &back);
        CHECK_MSG(rc == (r > ENTRY_REASON_MAX ? ENTRY_ERR_TYPE : 0),
                  "v1 reason %d gives %d", r, rc);
        b[0] = ENTRY_VERSION_2;
    }
    free(b);
    make_revoke(&e);
    e.reason = ENTRY_REASON_MISCONDUCT;
    CHECK(entry_encode(&e, buf, sizeof buf) > 0); /* version 1 */
    e.version = ENTRY_VERSION_2;
    CHECK(entry_encode(&e, buf, sizeof buf) == ENTRY_ERR_TYPE);
    CHECK(entry_signed_message(&e, ORIGIN, buf, sizeof buf) == ENTRY_ERR_TYPE);

    /* Trailing bytes after each v2 type (beyond check_known's one byte). */
    {
        static const char *const all[] = {issue2_hex, revoke2_hex, map2_hex,
                                          key2_hex, key2_remove_hex};

        for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
            b = check_hex(all[i], &len);
            memcpy(buf, b, len);
            memset(buf + len, 0, 8);
            for (size_t extra = 1; extra <= 8; extra++)
                CHECK_MSG(entry_decode(buf, len + extra, &back) ==
                              ENTRY_ERR_SYNTAX,
                          "type %zu + %zu bytes", i, extra);
            free(b);
        }
    }
}

/* The value rules of each identity tag. */
static void test_identity_values(void)
{
    static const struct {
        uint8_t tag;
        const char *v;
        bool ok;
    } cases[] = {
        {ENTRY_ID_NAME, "Avans Hogeschool", true},
        {ENTRY_ID_NAME, "Universit\xc3\xa9 de Gen\xc3\xa8ve", true},
        {ENTRY_ID_NAME, "\xe6\x9d\xb1\xe4\xba\xac\xe5\xa4\xa7\xe5\xad\xa6",
         true},
        {ENTRY_ID_NAME, "A", true},
        {ENTRY_ID_NAME, " Avans", false},
        {ENTRY_ID_NAME, "Avans ", false},
        {ENTRY_ID_NAME, "Avans  Hogeschool", false},
        {ENTRY_ID_NAME, "Avans\tHogeschool", false},
        {ENTRY_ID_NAME, "Avans\nHogeschool", false},
        {ENTRY_ID_NAME, "Avans\x7f", false},
        {ENTRY_ID_NAME, "Avans\xc2\x85", false},           /* U+0085 NEL */
        {ENTRY_ID_NAME, "Avans\xc2\xa0Hogeschool", false}, /* NBSP */
        {ENTRY_ID_NAME, "Ava\xc2\xadns", false},           /* soft hyphen */
        {ENTRY_ID_NAME, "ava\xe2\x80\x8bns", false},       /* U+200B ZWSP */
        {ENTRY_ID_NAME, "ava\xe2\x80\x8dns", false},       /* U+200D ZWJ */
        {ENTRY_ID_NAME, "avans\xe2\x80\x8e", false},       /* U+200E LRM */
        {ENTRY_ID_NAME,
         "\xe2\x80\xae"
         "ln.snava",
         false},                                     /* U+202E RLO */
        {ENTRY_ID_NAME, "avans\xe2\x81\xa6", false}, /* U+2066 LRI */
        {ENTRY_ID_NAME, "avans\xe2\x81\xa0", false}, /* U+2060 WJ */
        {ENTRY_ID_NAME,
         "\xef\xbb\xbf"
         "avans",
         false},                                         /* U+FEFF BOM */
        {ENTRY_ID_NAME, "avans\xd8\x9c", false},         /* U+061C ALM */
        {ENTRY_ID_NAME, "avans\xe3\x85\xa4", false},     /* U+3164 filler */
        {ENTRY_ID_NAME, "avans\xee\x80\x80", false},     /* U+E000 private */
        {ENTRY_ID_NAME, "avans\xef\xbf\xbe", false},     /* U+FFFE */
        {ENTRY_ID_NAME, "avans\xf3\xa0\x80\x81", false}, /* U+E0001 tag */
        {ENTRY_ID_NAME, "avans\xe2\x80\xa8", false},     /* U+2028 */
        {ENTRY_ID_NAME, "avans\xe3\x80\x80", false},     /* U+3000 */
        {ENTRY_ID_NAME, "\xc0\xaf", false},              /* overlong */
        {ENTRY_ID_NAME, "\xed\xa0\x80", false},          /* surrogate */
        {ENTRY_ID_NAME, "\xf4\x90\x80\x80", false},      /* > U+10FFFF */
        {ENTRY_ID_NAME, "\xe2\x82", false},              /* cut */
        {ENTRY_ID_DNS, "avans.nl", true},
        {ENTRY_ID_DNS, "www.hr.nl", true},
        {ENTRY_ID_DNS, "xn--bcher-kva.example", true},
        {ENTRY_ID_DNS, "a-b.c0", true},
        {ENTRY_ID_DNS, "Avans.nl", false},
        {ENTRY_ID_DNS, "avans", false},
        {ENTRY_ID_DNS, "avans.nl.", false},
        {ENTRY_ID_DNS, ".avans.nl", false},
        {ENTRY_ID_DNS, "avans..nl", false},
        {ENTRY_ID_DNS, "-avans.nl", false},
        {ENTRY_ID_DNS, "avans-.nl", false},
        {ENTRY_ID_DNS, "ava_ns.nl", false},
        {ENTRY_ID_DNS, "10.0.0.1", false},
        {ENTRY_ID_DNS, "avans.nl:443", false},
        {ENTRY_ID_DNS,
         "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.nl",
         false}, /* a 64-byte label */
        {ENTRY_ID_DID_WEB, "did:web:avans.nl", true},
        {ENTRY_ID_DID_WEB, "did:web:avans.nl%3A8443", true},
        {ENTRY_ID_DID_WEB, "did:web:avans.nl:issuers:ict", true},
        {ENTRY_ID_DID_WEB, "did:web:avans.nl:u%C3%A9", true},
        {ENTRY_ID_DID_WEB, "did:web:", false},
        {ENTRY_ID_DID_WEB, "did:web:Avans.nl", false},
        {ENTRY_ID_DID_WEB, "did:key:z6Mk", false},
        {ENTRY_ID_DID_WEB, "did:web:avans.nl:", false},
        {ENTRY_ID_DID_WEB, "did:web:avans.nl::x", false},
        {ENTRY_ID_DID_WEB, "did:web:avans.nl%3A", false},
        {ENTRY_ID_DID_WEB, "did:web:avans.nl%3A0", false},
        {ENTRY_ID_DID_WEB, "did:web:avans.nl%3A65536", false},
        {ENTRY_ID_DID_WEB, "did:web:avans.nl%2F", false},
        {ENTRY_ID_DID_WEB, "did:web:avans.nl:a/b", false},
        {ENTRY_ID_DID_WEB, "did:web:avans.nl:%zz", false},
        {ENTRY_ID_BRIN, "07GR", true},
        {ENTRY_ID_BRIN, "21PB", true},
        {ENTRY_ID_BRIN, "07gr", false},
        {ENTRY_ID_BRIN, "7GR", false},
        {ENTRY_ID_BRIN, "07GR00", false},
        {ENTRY_ID_BRIN, "G7GR", false},
        {ENTRY_ID_OB2_PROFILE, "https://avans.nl/ob2/issuer.json", true},
        {ENTRY_ID_OB2_PROFILE, "https://avans.nl", true},
        {ENTRY_ID_OB2_PROFILE, "https://badges.avans.nl:8443/i?id=1#x", true},
        {ENTRY_ID_OB2_PROFILE, "http://avans.nl/issuer", false},
        {ENTRY_ID_OB2_PROFILE, "https://", false},
        {ENTRY_ID_OB2_PROFILE, "https://Avans.nl/", false},
        {ENTRY_ID_OB2_PROFILE, "https://user@avans.nl/", false},
        {ENTRY_ID_OB2_PROFILE, "https://avans.nl/a b", false},
        {ENTRY_ID_OB2_PROFILE, "https://avans.nl/\xc3\xa9", false},
        {ENTRY_ID_OB2_PROFILE, "https://avans.nl/%4", false},
        {ENTRY_ID_OB2_PROFILE, "https://avans.nl:/", false},
        {ENTRY_ID_ISSUER_ID, "https://avans.nl/issuers/1", true},
        {ENTRY_ID_ISSUER_ID, "did:web:avans.nl", true},
        {ENTRY_ID_ISSUER_ID, "urn:uuid:6f1d5e2c-3c1a-4b8e-9d2f-1a2b3c4d5e6f",
         true},
        {ENTRY_ID_ISSUER_ID, "HTTPS://avans.nl", false},
        {ENTRY_ID_ISSUER_ID, "avans.nl", false},
        {ENTRY_ID_ISSUER_ID, "urn:", false},
        {ENTRY_ID_ISSUER_ID, ":x", false},
        {ENTRY_ID_ISSUER_ID, "urn:a\"b", false},
        {ENTRY_ID_ISSUER_ID, "urn:a\x01", false},
        {0, "x", false},
        {7, "x", false},
    };
    uint8_t long_v[256];

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        bool ok = entry_identity_value_valid(
            cases[i].tag, (const uint8_t *)cases[i].v, strlen(cases[i].v));
        CHECK_MSG(ok == cases[i].ok, "tag %u \"%s\": %d", cases[i].tag,
                  cases[i].v, ok);
    }
    memset(long_v, 'a', sizeof long_v);
    CHECK(entry_identity_value_valid(ENTRY_ID_NAME, long_v, 255));
    CHECK(!entry_identity_value_valid(ENTRY_ID_NAME, long_v, 256));
    CHECK(!entry_identity_value_valid(ENTRY_ID_NAME, long_v, 0));

    for (uint8_t t = 1; t <= ENTRY_ID_TAG_MAX; t++) {
        const char *name = entry_identity_tag_name(t);
        REQUIRE(name != NULL);
        CHECK(entry_identity_tag_parse(name, strlen(name)) == t);
    }
    CHECK(strcmp(entry_identity_tag_name(ENTRY_ID_NAME), "name") == 0);
    CHECK(strcmp(entry_identity_tag_name(ENTRY_ID_BRIN), "brin") == 0);
    CHECK(entry_identity_tag_name(0) == NULL &&
          entry_identity_tag_name(7) == NULL);
    CHECK(entry_identity_tag_parse("nam", 3) == ENTRY_ERR_TYPE);
    CHECK(entry_identity_tag_parse("names", 5) == ENTRY_ERR_TYPE);
}

/* entry_identity_add keeps tags in order and once each; get finds them. */
static void test_identity_items(void)
{
    struct entry e;
    const uint8_t *v;
    size_t len;

    memset(&e, 0, sizeof e);
    CHECK(entry_identity_check(e.identity, 0) == 0);
    CHECK(!entry_identity_get(&e, ENTRY_ID_NAME, &v, &len));
    add(&e, ENTRY_ID_ISSUER_ID, "urn:x");
    add(&e, ENTRY_ID_NAME, "N");
    add(&e, ENTRY_ID_BRIN, "07GR");
    CHECK(entry_identity_add(&e, ENTRY_ID_BRIN, (const uint8_t *)"21PB", 4) ==
          ENTRY_ERR_SYNTAX);
    CHECK(entry_identity_add(&e, 7, (const uint8_t *)"x", 1) == ENTRY_ERR_TYPE);
    CHECK(entry_identity_add(&e, ENTRY_ID_DNS, (const uint8_t *)"x", 1) ==
          ENTRY_ERR_SYNTAX);
    CHECK(e.identity_len == 3 + 6 + 7);
    CHECK(memcmp(e.identity,
                 "\x01\x01N\x04\x04"
                 "07GR\x06\x05urn:x",
                 16) == 0);
    CHECK(entry_identity_check(e.identity, e.identity_len) == 0);
    CHECK(entry_identity_get(&e, ENTRY_ID_BRIN, &v, &len) && len == 4 &&
          memcmp(v, "07GR", 4) == 0);
    CHECK(entry_identity_get(&e, ENTRY_ID_ISSUER_ID, &v, &len) && len == 5);
    CHECK(!entry_identity_get(&e, ENTRY_ID_DNS, &v, &len));
    /* Reordered bytes are refused by the check. */
    CHECK(entry_identity_check((const uint8_t *)"\x04\x04"
                                                "07GR\x01\x01N",
                               9) == ENTRY_ERR_SYNTAX);
    CHECK(entry_identity_check((const uint8_t *)"\x01", 1) == ENTRY_ERR_SYNTAX);
}

/* The key map's key: SHA-256("credlog/key/v1\n" || n || issuer || pub). */
static void test_key_map_key(void)
{
    uint8_t pub[32], k[32], want[32];

    check_hex_n(
        "03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8", pub,
        32);
    check_hex_n(
        "b0eaa70f0624ea5418144ad44301a6788f4883c0102cac2fbb54d580a3a325c7",
        want, 32);
    CHECK(entry_key_map_key("avans.nl", pub, k) == 0);
    CHECK(memcmp(k, want, 32) == 0);
    /* The one-key maps of §B.6.6: added at 0, then removed at 5. */
    {
        uint8_t value[SMT_VALUE_SIZE], leaf[32];

        smt_value_encode(0, SMT_NONE, value);
        smt_leaf_hash(k, value, leaf);
        check_hex_n("e20af2f52a2d23fcf3fb52f02235ff91f3279bcd1cfafee42a6d17b6"
                    "ea78131c",
                    want, 32);
        CHECK(memcmp(leaf, want, 32) == 0);
        smt_value_encode(0, 5, value);
        smt_leaf_hash(k, value, leaf);
        check_hex_n("af663ce2c7e70e66996f9bf354e01e381a76f32656ce6e54de1202ec"
                    "a90b4e50",
                    want, 32);
        CHECK(memcmp(leaf, want, 32) == 0);
        check_hex_n("b0eaa70f0624ea5418144ad44301a6788f4883c0102cac2fbb54d580"
                    "a3a325c7",
                    want, 32);
    }
    CHECK(entry_key_map_key("avans.n1", pub, k) == 0 &&
          memcmp(k, want, 32) != 0);
    pub[31] ^= 1;
    CHECK(entry_key_map_key("avans.nl", pub, k) == 0 &&
          memcmp(k, want, 32) != 0);
    CHECK(entry_key_map_key("", pub, k) == ENTRY_ERR_SYNTAX);
    CHECK(entry_key_map_key("a b", pub, k) == ENTRY_ERR_SYNTAX);
}

/* Version 2 signatures are bound to the log's origin. */
static void test_v2_sign_verify(void)
{
    static const char prefix[] = "credlog/entry/v2\n";
    struct note_signer s;
    uint8_t seed[32], msg[ENTRY_SIGNED_MAX], buf[ENTRY_MAX_SIZE], *want;
    char origin[NOTE_NAME_MAX + 2];
    size_t want_len;
    struct entry e, back;
    int n;

    for (int i = 0; i < 32; i++)
        seed[i] = (uint8_t)(100 + i);
    REQUIRE(note_signer_from_seed("avans.nl", seed, &s) == 0);

    /* The message: prefix, u8 len(origin), origin, the entry before the
     * signature. */
    make_issue(&e);
    e.version = ENTRY_VERSION_2;
    want = check_hex(issue2_hex, &want_len);
    n = entry_signed_message(&e, ORIGIN, msg, sizeof msg);
    CHECK(n == (int)(17 + 1 + 24 + want_len - 64));
    CHECK(memcmp(msg, prefix, 17) == 0 && msg[17] == 24 &&
          memcmp(msg + 18, ORIGIN, 24) == 0 &&
          memcmp(msg + 42, want, want_len - 64) == 0);
    CHECK(entry_signed_message(&e, ORIGIN, msg, (size_t)n) == n);
    CHECK(entry_signed_message(&e, ORIGIN, msg, (size_t)n - 1) ==
          ENTRY_ERR_SPACE);
    CHECK(entry_signed_message(&e, NULL, msg, sizeof msg) == ENTRY_ERR_SYNTAX);
    CHECK(entry_signed_message(&e, "", msg, sizeof msg) == ENTRY_ERR_SYNTAX);
    CHECK(entry_signed_message(&e, "a b", msg, sizeof msg) == ENTRY_ERR_SYNTAX);
    memset(origin, 'o', sizeof origin - 1);
    origin[sizeof origin - 1] = '\0'; /* 256 bytes: too long */
    CHECK(entry_signed_message(&e, origin, msg, sizeof msg) ==
          ENTRY_ERR_SYNTAX);
    origin[NOTE_NAME_MAX] = '\0';
    make_revoke(&e);
    e.version = ENTRY_VERSION_2;
    memset(e.issuer, 'z', NOTE_NAME_MAX);
    e.issuer[NOTE_NAME_MAX] = '\0';
    CHECK(entry_signed_message(&e, origin, msg, sizeof msg) ==
          (int)ENTRY_SIGNED_MAX);
    free(want);

    for (int type = ENTRY_ISSUE; type <= ENTRY_REVOKE; type++) {
        if (type == ENTRY_ISSUE)
            make_issue(&e);
        else
            make_revoke(&e);
        e.version = ENTRY_VERSION_2;
        REQUIRE(entry_sign(&e, ORIGIN, &s) == 0);
        CHECK(entry_verify(&e, ORIGIN, s.pub) == 0);
        CHECK(entry_verify(&e, NULL, s.pub) == ENTRY_ERR_SYNTAX);
        CHECK(entry_verify(&e, ORIGIN "2", s.pub) == ENTRY_ERR_SIG);
        CHECK(entry_verify(&e, "example.org/credlog-tesT", s.pub) ==
              ENTRY_ERR_SIG);
        /* Every flipped bit of the origin breaks the signature. */
        strcpy(origin, ORIGIN);
        for (size_t i = 0; i < strlen(ORIGIN); i++) {
            for (int bit = 0; bit < 8; bit++) {
                int rc;

                origin[i] ^= (char)(1 << bit);
                rc = entry_verify(&e, origin, s.pub);
                origin[i] ^= (char)(1 << bit);
                if (rc != ENTRY_ERR_SIG && rc != ENTRY_ERR_SYNTAX) {
                    CHECK_MSG(0, "origin byte %zu bit %d: %d", i, bit, rc);
                    goto flipped;
                }
            }
        }
    flipped:
        /* The same signature in a version 1 entry does not verify, nor the
         * v1 signature of the same fields in a version 2 entry. */
        back = e;
        back.version = ENTRY_VERSION_1;
        CHECK(entry_verify(&back, ORIGIN, s.pub) == ENTRY_ERR_SIG);
        REQUIRE(entry_sign(&back, NULL, &s) == 0);
        CHECK(entry_verify(&back, NULL, s.pub) == 0);
        memcpy(e.signature, back.signature, 64);
        CHECK(entry_verify(&e, ORIGIN, s.pub) == ENTRY_ERR_SIG);
        REQUIRE(entry_sign(&e, ORIGIN, &s) == 0);

        /* Every flipped bit of the encoded entry: no longer decodes or no
         * longer verifies. */
        n = entry_encode(&e, buf, sizeof buf);
        REQUIRE(n > 0);
        for (int i = 0; i < n; i++) {
            for (int bit = 0; bit < 8; bit++) {
                int rc;
                buf[i] ^= (uint8_t)(1 << bit);
                rc = entry_decode(buf, (size_t)n, &back);
                if (rc == 0)
                    rc = entry_verify(&back, ORIGIN, s.pub);
                buf[i] ^= (uint8_t)(1 << bit);
                if (rc == 0) {
                    CHECK_MSG(0, "v2 type %d: flip of byte %d bit %d", type, i,
                              bit);
                    goto next;
                }
            }
        }
    next:
        CHECK(entry_decode(buf, (size_t)n, &back) == 0 &&
              entry_verify(&back, ORIGIN, s.pub) == 0);
    }
    note_signer_wipe(&s);
}

/* The version 2 worked example of docs/protocol.md §B.6.6, checked against
 * bytes computed independently (Python's cryptography package). */
static void test_v2_doc_example(void)
{
    static const char issue[] =
        "0201000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
        "086176616e732e6e6ca2bfa06c0000018bcfe56800"
        "6a4addea0c79cb51e60adb94986a5293028025bf1f6dadb0c5a599d2fcbccdac"
        "bb676cd606c3ddaf367fa9f44e6b3d8960800ada9d2c654105ddf0fe6c39ff01";
    static const char issue_msg[] =
        "637265646c6f672f656e7472792f76320a" /* "credlog/entry/v2\n" */
        "18"
        "6578616d706c652e6f72672f637265646c6f672d74657374" /* origin */
        "0201000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
        "086176616e732e6e6ca2bfa06c0000018bcfe56800";
    static const char revoke[] =
        "0202000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
        "086176616e732e6e6ca2bfa06c0000018bcfee8fc001"
        "f4009f776c8625ee3a733f2ee9023dba0853e6123117e9d930b5023f243d8acd"
        "11fdbd75d83afd707c3aa027930c3c6a8c32234a6862321c0ab4468330d0b107";
    static const char map[] =
        "02030102030405060708"
        "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"
        "606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f"
        "1122334455667788";
    static const char key[] =
        "020401086176616e732e6e6c"
        "03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8"
        "0000018bcfe56800"
        "0072"
        "01104176616e7320486f67657363686f6f6c"
        "02086176616e732e6e6c"
        "03106469643a7765623a6176616e732e6e6c"
        "040430374752"
        "052068747470733a2f2f6176616e732e6e6c2f6f62322f6973737565722e6a736f6e"
        "061a68747470733a2f2f6176616e732e6e6c2f697373756572732f31";
    static const char key_remove[] =
        "020402086176616e732e6e6c"
        "03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8"
        "0000018bcff323a00000";
    struct note_signer s;
    struct entry e, back;
    uint8_t seed[32], buf[ENTRY_MAX_SIZE], *want;
    size_t want_len;
    int n;

    for (int i = 0; i < 32; i++)
        seed[i] = (uint8_t)i;
    REQUIRE(note_signer_from_seed("avans.nl", seed, &s) == 0);

    memset(&e, 0, sizeof e);
    e.version = ENTRY_VERSION_2;
    e.type = ENTRY_ISSUE;
    for (int i = 0; i < 32; i++)
        e.credential[i] = (uint8_t)i;
    e.timestamp_ms = TS_MS;
    REQUIRE(entry_sign(&e, ORIGIN, &s) == 0);
    want = check_hex(issue, &want_len);
    n = entry_encode(&e, buf, sizeof buf);
    CHECK(n == (int)want_len && memcmp(buf, want, want_len) == 0);
    CHECK(entry_decode(want, want_len, &back) == 0 &&
          entry_verify(&back, ORIGIN, s.pub) == 0);
    free(want);
    want = check_hex(issue_msg, &want_len);
    n = entry_signed_message(&e, ORIGIN, buf, sizeof buf);
    CHECK(n == (int)want_len && memcmp(buf, want, want_len) == 0);
    free(want);

    e.type = ENTRY_REVOKE;
    e.reason = ENTRY_REASON_ISSUED_IN_ERROR;
    e.timestamp_ms = UINT64_C(1700000600000);
    REQUIRE(entry_sign(&e, ORIGIN, &s) == 0);
    want = check_hex(revoke, &want_len);
    n = entry_encode(&e, buf, sizeof buf);
    CHECK(n == (int)want_len && memcmp(buf, want, want_len) == 0);
    CHECK(entry_decode(want, want_len, &back) == 0 &&
          entry_verify(&back, ORIGIN, s.pub) == 0);
    free(want);

    make_map(&e);
    e.version = ENTRY_VERSION_2;
    for (int i = 0; i < 32; i++)
        e.key_root[i] = (uint8_t)(0x60 + i);
    want = check_hex(map, &want_len);
    n = entry_encode(&e, buf, sizeof buf);
    CHECK(n == (int)want_len && memcmp(buf, want, want_len) == 0);
    free(want);

    memset(&e, 0, sizeof e);
    e.version = ENTRY_VERSION_2;
    e.type = ENTRY_KEY;
    e.key_op = ENTRY_KEY_ADD;
    strcpy(e.issuer, "avans.nl");
    memcpy(e.public_key, s.pub, 32);
    e.timestamp_ms = TS_MS;
    add(&e, ENTRY_ID_NAME, "Avans Hogeschool");
    add(&e, ENTRY_ID_DNS, "avans.nl");
    add(&e, ENTRY_ID_DID_WEB, "did:web:avans.nl");
    add(&e, ENTRY_ID_BRIN, "07GR");
    add(&e, ENTRY_ID_OB2_PROFILE, "https://avans.nl/ob2/issuer.json");
    add(&e, ENTRY_ID_ISSUER_ID, "https://avans.nl/issuers/1");
    want = check_hex(key, &want_len);
    n = entry_encode(&e, buf, sizeof buf);
    CHECK(n == (int)want_len && memcmp(buf, want, want_len) == 0);
    CHECK(entry_decode(want, want_len, &back) == 0 && entry_equal(&e, &back));
    free(want);

    e.key_op = ENTRY_KEY_REMOVE;
    e.identity_len = 0;
    memset(e.identity, 0, sizeof e.identity);
    e.timestamp_ms = UINT64_C(1700000900000);
    want = check_hex(key_remove, &want_len);
    n = entry_encode(&e, buf, sizeof buf);
    CHECK(n == (int)want_len && memcmp(buf, want, want_len) == 0);
    free(want);
    note_signer_wipe(&s);
}

int main(void)
{
    test_known_bytes();
    test_signed_message();
    test_unknown_codes();
    test_bad_issuers();
    test_old_issuer_names();
    test_sign_verify();
    test_doc_example();
    test_v2_known_bytes();
    test_v2_rejects();
    test_identity_values();
    test_identity_items();
    test_key_map_key();
    test_v2_sign_verify();
    test_v2_doc_example();
    return check_finish();
}
