/*
 * test_entry.c: the canonical entry encoding. Known bytes written by hand
 * from the layout in proofs/entry.h, round trips, every truncation and
 * trailing byte, unknown codes, and signatures over every signed byte.
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "proofs/entry.h"

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
    e->type = ENTRY_MAP;
    e->map_index = UINT64_C(0x0102030405060708);
    for (int i = 0; i < 32; i++)
        e->map_root[i] = (uint8_t)(0x20 + i);
    e->timestamp_ms = UINT64_C(0x1122334455667788);
}

static void make_key(struct entry *e)
{
    memset(e, 0, sizeof *e);
    e->type = ENTRY_KEY;
    e->key_op = ENTRY_KEY_ADD;
    strcpy(e->issuer, "avans.nl");
    for (int i = 0; i < 32; i++)
        e->public_key[i] = (uint8_t)(0x40 + i);
    e->timestamp_ms = TS_MS;
}

static bool entry_equal(const struct entry *a, const struct entry *b)
{
    return a->type == b->type &&
           memcmp(a->credential, b->credential, sizeof a->credential) == 0 &&
           strcmp(a->issuer, b->issuer) == 0 && a->key_id == b->key_id &&
           a->timestamp_ms == b->timestamp_ms && a->reason == b->reason &&
           memcmp(a->signature, b->signature, sizeof a->signature) == 0 &&
           a->key_op == b->key_op &&
           memcmp(a->public_key, b->public_key, sizeof a->public_key) == 0 &&
           a->map_index == b->map_index &&
           memcmp(a->map_root, b->map_root, sizeof a->map_root) == 0;
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

    /* The MAP entry is exactly 50 bytes; ENTRY_MAX_SIZE is a REVOKE with a
     * 255-byte issuer name. */
    CHECK(strlen(map_hex) == 2 * ENTRY_MAP_SIZE);
    make_revoke(&e);
    memset(e.issuer, 'z', NOTE_NAME_MAX);
    e.issuer[NOTE_NAME_MAX] = '\0';
    {
        uint8_t buf[ENTRY_MAX_SIZE];
        struct entry back;
        int n = entry_encode(&e, buf, sizeof buf);

        CHECK(n == ENTRY_MAX_SIZE);
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
    n = entry_signed_message(&e, msg, sizeof msg);
    CHECK(n == (int)(17 + want_len - 64));
    CHECK(memcmp(msg, prefix, 17) == 0);
    CHECK(memcmp(msg + 17, want, want_len - 64) == 0);
    CHECK(entry_signed_message(&e, msg, (size_t)n) == n);
    CHECK(entry_signed_message(&e, msg, (size_t)n - 1) == ENTRY_ERR_SPACE);
    free(want);

    make_revoke(&e);
    want = check_hex(revoke_hex, &want_len);
    n = entry_signed_message(&e, msg, sizeof msg);
    CHECK(n == (int)(17 + want_len - 64));
    CHECK(memcmp(msg + 17, want, want_len - 64) == 0);
    free(want);

    make_map(&e);
    CHECK(entry_signed_message(&e, msg, sizeof msg) == ENTRY_ERR_TYPE);
    make_key(&e);
    CHECK(entry_signed_message(&e, msg, sizeof msg) == ENTRY_ERR_TYPE);
    make_issue(&e);
    e.issuer[0] = '\0';
    CHECK(entry_signed_message(&e, msg, sizeof msg) == ENTRY_ERR_SYNTAX);
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
        if (v == ENTRY_VERSION)
            continue;
        buf[0] = (uint8_t)v;
        if (entry_decode(buf, (size_t)n, &back) != ENTRY_ERR_TYPE) {
            CHECK_MSG(0, "version %d accepted", v);
            break;
        }
    }
    buf[0] = ENTRY_VERSION;
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
        REQUIRE(entry_sign(&e, &s) == 0);
        n = entry_encode(&e, buf, sizeof buf);
        CHECK_MSG(n > 0, "%zu", i);
        CHECK(n > 0 && entry_decode(buf, (size_t)n, &back) == 0 &&
              strcmp(back.issuer, old[i]) == 0 &&
              entry_verify(&back, s.pub) == 0 &&
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
        int n, signed_len;

        if (type == ENTRY_ISSUE)
            make_issue(&e);
        else
            make_revoke(&e);
        REQUIRE(entry_sign(&e, &s) == 0);
        CHECK(strcmp(e.issuer, "avans.nl") == 0 && e.key_id == s.key_id);
        CHECK(entry_verify(&e, s.pub) == 0);
        CHECK(entry_verify(&e, other.pub) == ENTRY_ERR_SIG);

        n = entry_encode(&e, buf, sizeof buf);
        REQUIRE(n > 0);
        CHECK(entry_decode(buf, (size_t)n, &back) == 0);
        CHECK(entry_verify(&back, s.pub) == 0);

        /* Flip every bit of every byte: the entry either no longer decodes
         * or no longer verifies. */
        signed_len = n;
        for (int i = 0; i < signed_len; i++) {
            for (int bit = 0; bit < 8; bit++) {
                int rc;
                buf[i] ^= (uint8_t)(1 << bit);
                rc = entry_decode(buf, (size_t)n, &back);
                if (rc == 0)
                    rc = entry_verify(&back, s.pub);
                buf[i] ^= (uint8_t)(1 << bit);
                if (rc == 0) {
                    CHECK_MSG(0, "type %d: flip of byte %d bit %d verifies",
                              type, i, bit);
                    goto next;
                }
            }
        }
        CHECK(1);
    next:
        /* The same through the struct: every signed field matters. */
        back = e;
        back.timestamp_ms ^= 1;
        CHECK(entry_verify(&back, s.pub) == ENTRY_ERR_SIG);
        back = e;
        back.key_id ^= 0x80000000u;
        CHECK(entry_verify(&back, s.pub) == ENTRY_ERR_SIG);
        back = e;
        back.credential[31] ^= 1;
        CHECK(entry_verify(&back, s.pub) == ENTRY_ERR_SIG);
        back = e;
        back.issuer[0] = 'b';
        CHECK(entry_verify(&back, s.pub) == ENTRY_ERR_SIG);
        back = e;
        back.type = type == ENTRY_ISSUE ? ENTRY_REVOKE : ENTRY_ISSUE;
        CHECK(entry_verify(&back, s.pub) == ENTRY_ERR_SIG);
        if (type == ENTRY_REVOKE) {
            back = e;
            back.reason = ENTRY_REASON_WITHDRAWN;
            CHECK(entry_verify(&back, s.pub) == ENTRY_ERR_SIG);
        }
    }

    /* Deterministic: the same entry signs to the same bytes. */
    {
        struct entry a, b;
        make_issue(&a);
        make_issue(&b);
        CHECK(entry_sign(&a, &s) == 0 && entry_sign(&b, &s) == 0);
        CHECK(memcmp(a.signature, b.signature, 64) == 0);
    }

    make_map(&e);
    CHECK(entry_sign(&e, &s) == ENTRY_ERR_TYPE);
    CHECK(entry_verify(&e, s.pub) == ENTRY_ERR_TYPE);
    make_key(&e);
    CHECK(entry_sign(&e, &s) == ENTRY_ERR_TYPE);
    CHECK(entry_verify(&e, s.pub) == ENTRY_ERR_TYPE);
    make_revoke(&e);
    e.reason = 9;
    CHECK(entry_sign(&e, &s) == ENTRY_ERR_TYPE);
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
    REQUIRE(entry_sign(&e, &s) == 0);
    want = check_hex(issue, &want_len);
    n = entry_encode(&e, buf, sizeof buf);
    CHECK(n == (int)want_len && memcmp(buf, want, want_len) == 0);
    CHECK(entry_decode(want, want_len, &back) == 0 &&
          entry_verify(&back, v.pub) == 0);
    free(want);
    want = check_hex(issue_msg, &want_len);
    n = entry_signed_message(&e, buf, sizeof buf);
    CHECK(n == (int)want_len && memcmp(buf, want, want_len) == 0);
    free(want);

    e.type = ENTRY_REVOKE;
    e.reason = ENTRY_REASON_ISSUED_IN_ERROR;
    e.timestamp_ms = UINT64_C(1700000600000);
    REQUIRE(entry_sign(&e, &s) == 0);
    want = check_hex(revoke, &want_len);
    n = entry_encode(&e, buf, sizeof buf);
    CHECK(n == (int)want_len && memcmp(buf, want, want_len) == 0);
    CHECK(entry_decode(want, want_len, &back) == 0 &&
          entry_verify(&back, v.pub) == 0);
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
    return check_finish();
}
