/*
 * test_note.c: Ed25519, note keys, signed notes, checkpoints and
 * cosignature/v1 against Go-generated vectors and the C2SP examples, plus
 * every strict-parser rejection.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "check.h"
#include "proofs/be.h"
#include "proofs/codec.h"
#include "proofs/ed25519.h"
#include "proofs/checkpoint.h"
#include "proofs/cosignature.h"
#include "proofs/note.h"

/* From c2sp.org/signed-note (re-verified with Python's cryptography). */
static const char foo_vkey[] =
    "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k";
static const char foo_note[] =
    "This is an example message.\n"
    "\n"
    "\xe2\x80\x94 example.com/foo "
    "Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmR"
    "KuwHjG1Yu72IneyaQM=\n";

/* From golang.org/x/mod/sumdb/note's documentation. */
static const char peter_skey[] = "PRIVATE+KEY+PeterNeumann+c74f20a3+"
                                 "AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
static const char peter_vkey[] =
    "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
static const char peter_text[] =
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n";
static const char peter_sig[] =
    "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngot"
    "pRZb6KE6RyyBwJnAM=";

#define BUF 16384

static int open_str(const char *note, const struct note_verifier *keys,
                    size_t nkeys)
{
    size_t tl;

    return note_open(note, strlen(note), keys, nkeys, &tl, NULL, NULL);
}

static void test_ed25519(void)
{
    uint8_t seed[32], pub[32], sig[64], pub2[32];
    uint8_t msg[3] = {1, 2, 3};

    for (int i = 0; i < 32; i++)
        seed[i] = (uint8_t)i;
    REQUIRE(ed25519_public_from_seed(seed, pub) == 0);
    REQUIRE(ed25519_sign(seed, msg, sizeof msg, sig) == 0);
    CHECK(ed25519_verify(pub, msg, sizeof msg, sig));
    msg[0] ^= 1;
    CHECK(!ed25519_verify(pub, msg, sizeof msg, sig));
    msg[0] ^= 1;
    sig[63] ^= 0x80;
    CHECK(!ed25519_verify(pub, msg, sizeof msg, sig));
    /* The empty message. */
    REQUIRE(ed25519_sign(seed, NULL, 0, sig) == 0);
    CHECK(ed25519_verify(pub, NULL, 0, sig));
    CHECK(ed25519_random_seed(seed) == 0);
    CHECK(ed25519_public_from_seed(seed, pub2) == 0);
    CHECK(memcmp(pub, pub2, 32) != 0);
}

static void unhex(const char *hex, uint8_t *out, size_t n)
{
    for (size_t i = 0; i < n; i++)
        REQUIRE(sscanf(hex + 2 * i, "%2hhx", &out[i]) == 1);
}

/* A prepared key signs exactly as ed25519_sign() does: RFC 8032 section
 * 7.1's TEST 1 (the empty message), then random seeds and messages. */
static void test_ed25519_prepared(void)
{
    uint8_t seed[32], want[64], sig[64], sig2[64], msg[300], pub[32];
    struct ed25519_key *k = NULL;

    unhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
          seed, 32);
    unhex("e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
          "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
          want, 64);
    REQUIRE(ed25519_key_new(seed, &k) == 0);
    CHECK(ed25519_key_sign(k, NULL, 0, sig) == 0);
    CHECK(memcmp(sig, want, 64) == 0);
    CHECK(ed25519_sign(seed, NULL, 0, sig2) == 0);
    CHECK(memcmp(sig2, want, 64) == 0);
    ed25519_key_free(k);
    for (int i = 0; i < 20; i++) {
        size_t len = (size_t)(i * 15);
        REQUIRE(ed25519_random_seed(seed) == 0);
        REQUIRE(RAND_bytes(msg, sizeof msg) == 1);
        REQUIRE(ed25519_key_new(seed, &k) == 0);
        REQUIRE(ed25519_key_sign(k, msg, len, sig) == 0);
        REQUIRE(ed25519_sign(seed, msg, len, sig2) == 0);
        CHECK(memcmp(sig, sig2, 64) == 0);
        REQUIRE(ed25519_public_from_seed(seed, pub) == 0);
        CHECK(ed25519_verify(pub, msg, len, sig));
        ed25519_key_free(k);
    }
    ed25519_key_free(NULL);
}

static void test_names(void)
{
    char longname[NOTE_NAME_MAX + 2];

    CHECK(note_name_valid("a", 1));
    CHECK(note_name_valid("example.com/foo", 15));
    CHECK(note_name_valid("\xc3\xa9t\xc3\xa9", 5)); /* "été" */
    CHECK(!note_name_valid("", 0));
    CHECK(!note_name_valid("a b", 3));
    CHECK(!note_name_valid("a\tb", 3));
    CHECK(!note_name_valid("a\nb", 3));
    CHECK(!note_name_valid("a+b", 3));
    CHECK(!note_name_valid("a\x01", 2));
    CHECK(!note_name_valid("a\x7f", 2));
    CHECK(!note_name_valid("a\xc2\x85", 3));     /* NEL */
    CHECK(!note_name_valid("a\xc2\xa0", 3));     /* NO-BREAK SPACE */
    CHECK(!note_name_valid("a\xe3\x80\x80", 4)); /* IDEOGRAPHIC SPACE */
    CHECK(!note_name_valid("a\xe2\x80\xa8", 4)); /* LINE SEPARATOR */
    CHECK(!note_name_valid("a\xff", 2));
    CHECK(!note_name_valid("a\xc0\xaf", 3));     /* overlong '/' */
    CHECK(!note_name_valid("a\xed\xa0\x80", 4)); /* surrogate */
    CHECK(!note_name_valid("a\xc3", 2));         /* truncated */
    CHECK(!note_name_valid("a\0b", 3));
    memset(longname, 'x', sizeof longname);
    CHECK(note_name_valid(longname, NOTE_NAME_MAX));
    CHECK(!note_name_valid(longname, NOTE_NAME_MAX + 1));
}

/* Issuer names: key names without invisible or direction-changing code
 * points (note_issuer_name_valid). Each refused character is checked inside
 * a look-alike of "avans.nl", and its neighbours outside the refused ranges
 * are still accepted. Such names stay valid key names, so old entries with
 * them still decode. */
static void test_issuer_names(void)
{
    static const struct {
        const char *utf8;
        uint32_t cp;
    } refused[] = {
        {"\xc2\xad", 0x00ad},          /* SOFT HYPHEN */
        {"\xcd\x8f", 0x034f},          /* COMBINING GRAPHEME JOINER */
        {"\xd8\x9c", 0x061c},          /* ARABIC LETTER MARK */
        {"\xe1\x85\x9f", 0x115f},      /* HANGUL CHOSEONG FILLER */
        {"\xe1\xa0\x8e", 0x180e},      /* MONGOLIAN VOWEL SEPARATOR */
        {"\xe2\x80\x8b", 0x200b},      /* ZERO WIDTH SPACE */
        {"\xe2\x80\x8c", 0x200c},      /* ZERO WIDTH NON-JOINER */
        {"\xe2\x80\x8d", 0x200d},      /* ZERO WIDTH JOINER */
        {"\xe2\x80\x8e", 0x200e},      /* LEFT-TO-RIGHT MARK */
        {"\xe2\x80\x8f", 0x200f},      /* RIGHT-TO-LEFT MARK */
        {"\xe2\x80\xaa", 0x202a},      /* LEFT-TO-RIGHT EMBEDDING */
        {"\xe2\x80\xae", 0x202e},      /* RIGHT-TO-LEFT OVERRIDE */
        {"\xe2\x81\xa0", 0x2060},      /* WORD JOINER */
        {"\xe2\x81\xa4", 0x2064},      /* INVISIBLE PLUS */
        {"\xe2\x81\xa6", 0x2066},      /* LEFT-TO-RIGHT ISOLATE */
        {"\xe2\x81\xa9", 0x2069},      /* POP DIRECTIONAL ISOLATE */
        {"\xe2\x81\xaf", 0x206f},      /* NOMINAL DIGIT SHAPES */
        {"\xe2\xa0\x80", 0x2800},      /* BRAILLE PATTERN BLANK */
        {"\xe3\x85\xa4", 0x3164},      /* HANGUL FILLER */
        {"\xee\x80\x80", 0xe000},      /* private use */
        {"\xef\xb7\x90", 0xfdd0},      /* noncharacter */
        {"\xef\xb8\x8f", 0xfe0f},      /* VARIATION SELECTOR-16 */
        {"\xef\xbb\xbf", 0xfeff},      /* ZERO WIDTH NO-BREAK SPACE (BOM) */
        {"\xef\xbe\xa0", 0xffa0},      /* HALFWIDTH HANGUL FILLER */
        {"\xef\xbf\xb9", 0xfff9},      /* INTERLINEAR ANNOTATION ANCHOR */
        {"\xef\xbf\xbf", 0xffff},      /* noncharacter */
        {"\xf0\x9d\x85\xb3", 0x1d173}, /* MUSICAL SYMBOL BEGIN BEAM */
        {"\xf0\x9f\xbf\xbe", 0x1fffe}, /* noncharacter */
        {"\xf3\xa0\x80\x81", 0xe0001}, /* LANGUAGE TAG */
        {"\xf3\xa0\x81\xa1", 0xe0061}, /* TAG LATIN SMALL LETTER A */
        {"\xf3\xa0\x84\x80", 0xe0100}, /* VARIATION SELECTOR-17 */
        {"\xf3\xb0\x80\x80", 0xf0000}, /* supplementary private use */
        {"\xf4\x8f\xbf\xbd", 0x10fffd},
    };
    static const char *const accepted[] = {
        "avans.nl",
        "universit\xc3\xa9.fr", /* é */
        "\xd0\xb0vans.nl",      /* Cyrillic а: shown escaped */
        "a\xe2\x80\x90"
        "b",                           /* U+2010 HYPHEN */
        "a\xe2\x81\xb0",               /* U+2070 SUPERSCRIPT ZERO */
        "a\xe2\xa0\x81",               /* U+2801 BRAILLE PATTERN DOTS-1 */
        "a\xef\xbf\xbd",               /* U+FFFD REPLACEMENT CHARACTER */
        "a\xef\xbf\xbc",               /* U+FFFC */
        "a\xcc\x81",                   /* U+0301 COMBINING ACUTE */
        "\xe4\xbe\x8b\xe3\x81\x88.jp", /* 例え.jp */
        "a\xf0\x9f\x98\x80",           /* U+1F600 */
        "a\xf3\xa1\x80\x80",           /* U+E1000 */
    };
    char name[64];
    uint32_t bad;

    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        snprintf(name, sizeof name, "avans%s.nl", refused[i].utf8);
        bad = 0;
        CHECK_MSG(note_name_valid(name, strlen(name)), "U+%04X",
                  (unsigned)refused[i].cp);
        CHECK_MSG(!note_issuer_name_valid(name, strlen(name), &bad) &&
                      bad == refused[i].cp,
                  "U+%04X accepted or reported as U+%04X",
                  (unsigned)refused[i].cp, (unsigned)bad);
        CHECK(note_issuer_char_refused(refused[i].cp));
        snprintf(name, sizeof name, "%s", refused[i].utf8);
        CHECK(!note_issuer_name_valid(name, strlen(name), NULL));
    }
    for (size_t i = 0; i < sizeof accepted / sizeof accepted[0]; i++) {
        bad = 1;
        CHECK_MSG(
            note_issuer_name_valid(accepted[i], strlen(accepted[i]), &bad) &&
                bad == 0,
            "refused \"%s\"", accepted[i]);
    }
    /* What is no key name is no issuer name either (bad = 0). */
    bad = 1;
    CHECK(!note_issuer_name_valid("avans.nl\xff", 9, &bad) && bad == 0);
    CHECK(!note_issuer_name_valid("a b", 3, NULL));
    CHECK(!note_issuer_name_valid("", 0, NULL));
    CHECK(!note_issuer_name_valid("a\xe2\x80\xae"
                                  "b",
                                  4, NULL));
    /* Every code point: refused exactly inside the listed ranges, plus the
     * U+xFFFE/U+xFFFF noncharacters. */
    {
        unsigned wrong = 0;
        for (uint32_t c = 0x20; c <= 0x10ffff; c++) {
            bool want =
                (c & 0xfffe) == 0xfffe || c == 0x00ad || c == 0x034f ||
                (c >= 0x0600 && c <= 0x0605) || c == 0x061c || c == 0x06dd ||
                c == 0x070f || c == 0x0890 || c == 0x0891 || c == 0x08e2 ||
                c == 0x115f || c == 0x1160 || c == 0x17b4 || c == 0x17b5 ||
                (c >= 0x180b && c <= 0x180f) || (c >= 0x200b && c <= 0x200f) ||
                (c >= 0x202a && c <= 0x202e) || (c >= 0x2060 && c <= 0x206f) ||
                c == 0x2800 || c == 0x3164 || (c >= 0xe000 && c <= 0xf8ff) ||
                (c >= 0xfdd0 && c <= 0xfdef) || (c >= 0xfe00 && c <= 0xfe0f) ||
                c == 0xfeff || c == 0xffa0 || (c >= 0xfff0 && c <= 0xfffb) ||
                c == 0x110bd || c == 0x110cd ||
                (c >= 0x13430 && c <= 0x1343f) ||
                (c >= 0x1bca0 && c <= 0x1bca3) ||
                (c >= 0x1d173 && c <= 0x1d17a) ||
                (c >= 0xe0000 && c <= 0xe0fff) || c >= 0xf0000;
            wrong += note_issuer_char_refused(c) != want;
        }
        CHECK_MSG(wrong == 0, "%u code points judged wrongly", wrong);
    }
}

static void test_vectors(void)
{
    json_t *root = check_load_json("tlog-vectors.json");
    json_t *note = json_object_get(root, "note");
    const char *body =
        json_string_value(json_object_get(note, "checkpoint_body"));
    const char *skey = json_string_value(json_object_get(note, "signer_key"));
    const char *vkey = json_string_value(json_object_get(note, "verifier_key"));
    const char *signed_note =
        json_string_value(json_object_get(note, "signed_note"));
    const char *seed_hex =
        json_string_value(json_object_get(note, "ed25519_seed_hex"));
    struct note_signer s, s2;
    struct note_verifier v, v2;
    struct checkpoint c;
    uint8_t seed[32];
    char buf[BUF];
    size_t tl;
    bool verified[1];
    int n;

    if (!body || !skey || !vkey || !signed_note || !seed_hex) {
        CHECK(!"tlog-vectors.json note object incomplete");
        json_decref(root);
        return;
    }
    check_hex_n(seed_hex, seed, 32);
    CHECK(note_signer_from_seed("example.org/credlog-test", seed, &s) == 0);
    n = note_signer_format(&s, buf, sizeof buf);
    CHECK(n == (int)strlen(skey) && strcmp(buf, skey) == 0);
    note_signer_verifier(&s, &v);
    n = note_verifier_format(&v, buf, sizeof buf);
    CHECK(n == (int)strlen(vkey) && strcmp(buf, vkey) == 0);

    CHECK(note_signer_parse(skey, strlen(skey), &s2) == 0);
    CHECK(memcmp(&s, &s2, sizeof s) == 0);
    CHECK(note_verifier_parse(vkey, strlen(vkey), &v2) == 0);
    CHECK(memcmp(&v, &v2, sizeof v) == 0);
    CHECK(v2.type == NOTE_TYPE_ED25519 && v2.key_id == 0x23e0d96du);

    n = note_sign(body, strlen(body), &s, buf, sizeof buf);
    CHECK(n == (int)strlen(signed_note) && strcmp(buf, signed_note) == 0);
    /* Exactly enough room: the note and its NUL. */
    CHECK(note_sign(body, strlen(body), &s, buf, strlen(signed_note) + 1) ==
          (int)strlen(signed_note));
    CHECK(note_sign(body, strlen(body), &s, buf, strlen(signed_note)) ==
          NOTE_ERR_SPACE);

    CHECK(note_open(signed_note, strlen(signed_note), &v, 1, &tl, verified,
                    NULL) == 0);
    CHECK(tl == strlen(body) && verified[0]);
    CHECK(checkpoint_open(signed_note, strlen(signed_note), &v, &c) == 0);
    CHECK(strcmp(c.origin, "example.org/credlog-test") == 0 && c.size == 70);
    n = checkpoint_format(&c, buf, sizeof buf);
    CHECK(n == (int)strlen(body) && strcmp(buf, body) == 0);

    note_signer_wipe(&s);
    note_signer_wipe(&s2);
    note_signer_wipe(NULL);
    for (int i = 0; i < 32; i++)
        CHECK(s.seed[i] == 0);
    json_decref(root);
}

static void test_c2sp_examples(void)
{
    struct note_verifier foo, peter_v;
    struct note_signer peter;
    char buf[BUF], expect[BUF];
    size_t tl;
    int n;

    REQUIRE(note_verifier_parse(foo_vkey, strlen(foo_vkey), &foo) == 0);
    CHECK(strcmp(foo.name, "example.com/foo") == 0 &&
          foo.key_id == 0x530d903au);
    CHECK(note_open(foo_note, strlen(foo_note), &foo, 1, &tl, NULL, NULL) == 0);
    CHECK(tl == strlen("This is an example message.\n"));

    REQUIRE(note_signer_parse(peter_skey, strlen(peter_skey), &peter) == 0);
    note_signer_verifier(&peter, &peter_v);
    n = note_verifier_format(&peter_v, buf, sizeof buf);
    CHECK(n > 0 && strcmp(buf, peter_vkey) == 0);
    n = note_signer_format(&peter, buf, sizeof buf);
    CHECK(n > 0 && strcmp(buf, peter_skey) == 0);
    n = note_sign(peter_text, strlen(peter_text), &peter, buf, sizeof buf);
    snprintf(expect, sizeof expect, "%s\n\xe2\x80\x94 PeterNeumann %s\n",
             peter_text, peter_sig);
    CHECK(n == (int)strlen(expect) && strcmp(buf, expect) == 0);
    CHECK(open_str(expect, &peter_v, 1) == 0);
    /* Each key verifies only its own note. */
    CHECK(open_str(expect, &foo, 1) == NOTE_ERR_UNVERIFIED);
    CHECK(open_str(foo_note, &peter_v, 1) == NOTE_ERR_UNVERIFIED);
    /* Signing in place: the text may already sit in the output buffer. */
    strcpy(buf, peter_text);
    n = note_sign(buf, strlen(peter_text), &peter, buf, sizeof buf);
    CHECK(n == (int)strlen(expect) && strcmp(buf, expect) == 0);
    note_signer_wipe(&peter);
}

/* Builds a witness (0x04) key from a fixed seed. */
static void witness_key(const char *name, uint8_t seed[32],
                        struct note_verifier *w)
{
    for (int i = 0; i < 32; i++)
        seed[i] = (uint8_t)(0xa0 + i);
    memset(w, 0, sizeof *w);
    strcpy(w->name, name);
    w->type = NOTE_TYPE_COSIGNATURE;
    ed25519_public_from_seed(seed, w->pub);
    w->key_id = note_key_id(name, NOTE_TYPE_COSIGNATURE, w->pub);
}

/* Appends a cosignature line over text by (w, seed) at time ts. */
static void append_cosig(char *note, const char *text, size_t text_len,
                         const struct note_verifier *w, const uint8_t seed[32],
                         uint64_t ts, uint64_t signed_ts)
{
    uint8_t msg[BUF], blob[76];
    char b64[CODEC_B64_LEN(76) + 1];
    int n = cosignature_message(signed_ts, text, text_len, msg, sizeof msg);

    be_put32(blob, w->key_id);
    be_put64(blob + 4, ts);
    ed25519_sign(seed, msg, (size_t)n, blob + 12);
    codec_b64_encode(blob, sizeof blob, b64);
    sprintf(note + strlen(note), "\xe2\x80\x94 %s %s\n", w->name, b64);
}

static void test_cosignature(void)
{
    static const char body[] = "example.org/log\n5\n"
                               "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n";
    uint8_t seed[32], log_seed[32] = {7}, msg[256];
    struct note_signer log;
    struct note_verifier keys[2], parsed;
    char note[BUF], base[BUF], buf[BUF];
    bool verified[2];
    uint64_t ts[2];
    size_t tl;
    int n;

    /* The message layout itself. */
    n = cosignature_message(1700000000, "x\n", 2, msg, sizeof msg);
    CHECK(n == 33 &&
          memcmp(msg, "cosignature/v1\ntime 1700000000\nx\n", 33) == 0);
    CHECK(cosignature_message(0, "x\n", 2, msg, 23) == COSIG_ERR_SPACE);
    CHECK(cosignature_message(0, "x\n", 2, msg, 24) == 24 &&
          memcmp(msg, "cosignature/v1\ntime 0\nx\n", 24) == 0);
    CHECK(cosignature_message(UINT64_MAX, "", 0, msg, sizeof msg) == 41 &&
          memcmp(msg, "cosignature/v1\ntime 18446744073709551615\n", 41) == 0);

    REQUIRE(note_signer_from_seed("example.org/log", log_seed, &log) == 0);
    note_signer_verifier(&log, &keys[0]);
    witness_key("witness.example/w1", seed, &keys[1]);

    /* The 0x04 verifier key string round-trips, type byte included. */
    n = note_verifier_format(&keys[1], buf, sizeof buf);
    REQUIRE(n > 0);
    CHECK(strncmp(buf, "witness.example/w1+", 19) == 0);
    CHECK(note_verifier_parse(buf, (size_t)n, &parsed) == 0);
    CHECK(memcmp(&parsed, &keys[1], sizeof parsed) == 0);
    /* The same key material with the 0x01 id is a different key. */
    CHECK(keys[1].key_id != note_key_id(keys[1].name, 0x01, keys[1].pub));

    REQUIRE(note_sign(body, strlen(body), &log, base, sizeof base) > 0);
    strcpy(note, base);
    append_cosig(note, body, strlen(body), &keys[1], seed, 1700000000,
                 1700000000);
    CHECK(note_open(note, strlen(note), keys, 2, &tl, verified, ts) == 0);
    CHECK(tl == strlen(body) && verified[0] && verified[1]);
    CHECK(ts[0] == 0 && ts[1] == 1700000000);
    /* The witness alone is enough to open it. */
    CHECK(note_open(note, strlen(note), &keys[1], 1, &tl, verified, ts) == 0);
    CHECK(verified[0] && ts[0] == 1700000000);

    /* A cosignature whose timestamp differs from the signed one fails. */
    strcpy(note, base);
    append_cosig(note, body, strlen(body), &keys[1], seed, 1700000001,
                 1700000000);
    CHECK(note_open(note, strlen(note), keys, 2, &tl, verified, ts) ==
          NOTE_ERR_BAD_SIG);
    /* But is ignored by a verifier that does not know the witness. */
    CHECK(note_open(note, strlen(note), keys, 1, &tl, verified, ts) == 0);

    /* A cosignature over another body fails. */
    strcpy(note, base);
    append_cosig(note, "example.org/log\n6\n", 18, &keys[1], seed, 1, 1);
    CHECK(open_str(note, keys, 2) == NOTE_ERR_BAD_SIG);

    /* Flip one bit of the signature in the cosignature line. */
    strcpy(note, base);
    append_cosig(note, body, strlen(body), &keys[1], seed, 42, 42);
    {
        char *last = strrchr(note, ' ') + 1;
        size_t len = strlen(last) - 1;
        uint8_t blob[76];

        CHECK(codec_b64_decode(last, len, blob, sizeof blob) == 76);
        blob[40] ^= 4;
        codec_b64_encode(blob, 76, last);
        strcat(note, "\n");
        CHECK(open_str(note, keys, 2) == NOTE_ERR_BAD_SIG);
        CHECK(open_str(note, keys, 1) == 0);
    }

    /* A good cosignature first, then a bad log signature: the note is
     * invalid and nothing is reported as verified. */
    {
        struct note_signer forger;
        uint8_t fs[32] = {8};
        char forged[BUF];

        REQUIRE(note_signer_from_seed("example.org/log", fs, &forger) == 0);
        forger.key_id = log.key_id;
        REQUIRE(note_sign(body, strlen(body), &forger, forged, sizeof forged) >
                0);
        note_signer_wipe(&forger);
        snprintf(note, sizeof note, "%s\n", body);
        append_cosig(note, body, strlen(body), &keys[1], seed, 7, 7);
        strcat(note, forged + strlen(body) + 1);
        verified[0] = verified[1] = true;
        CHECK(note_open(note, strlen(note), keys, 2, &tl, verified, ts) ==
              NOTE_ERR_BAD_SIG);
        CHECK(!verified[0] && !verified[1] && ts[1] == 0);
        CHECK(open_str(note, &keys[1], 1) == 0);
    }

    /* A 0x01 key given a cosignature-length blob (same name and id) fails. */
    {
        struct note_verifier wrong = keys[1];
        wrong.type = NOTE_TYPE_ED25519;
        strcpy(note, base);
        append_cosig(note, body, strlen(body), &keys[1], seed, 42, 42);
        CHECK(open_str(note, &wrong, 1) == NOTE_ERR_BAD_SIG);
    }
    note_signer_wipe(&log);
}

static void test_note_rejections(void)
{
    struct note_signer s;
    struct note_verifier v, foo, other;
    uint8_t seed[32] = {1, 2, 3};
    char note[BUF * 2], good[BUF], line[200];
    size_t tl;
    int n;

    REQUIRE(note_signer_from_seed("example.org/x", seed, &s) == 0);
    note_signer_verifier(&s, &v);
    REQUIRE(note_verifier_parse(foo_vkey, strlen(foo_vkey), &foo) == 0);
    seed[0] = 9;
    {
        struct note_signer os;
        REQUIRE(note_signer_from_seed("example.org/y", seed, &os) == 0);
        note_signer_verifier(&os, &other);
        note_signer_wipe(&os);
    }

    n = note_sign("hello\n", 6, &s, good, sizeof good);
    REQUIRE(n > 0);
    CHECK(open_str(good, &v, 1) == 0);
    CHECK(open_str(good, &other, 1) == NOTE_ERR_UNVERIFIED);
    CHECK(open_str(good, NULL, 0) == NOTE_ERR_UNVERIFIED);
    /* Text holding blank lines is fine: the split is at the last "\n\n". */
    n = note_sign("a\n\nb\n\n", 6, &s, note, sizeof note);
    REQUIRE(n > 0);
    CHECK(note_open(note, (size_t)n, &v, 1, &tl, NULL, NULL) == 0 && tl == 6);

    /* The signature line alone, for splicing. */
    strcpy(line, good + 7);

    /* Missing blank line. */
    snprintf(note, sizeof note, "hello\n%s", line);
    CHECK(open_str(note, &v, 1) == NOTE_ERR_SYNTAX);
    /* No final newline. */
    snprintf(note, sizeof note, "%s", good);
    note[strlen(note) - 1] = '\0';
    CHECK(open_str(note, &v, 1) == NOTE_ERR_SYNTAX);
    /* Trailing blank line after the signatures. */
    snprintf(note, sizeof note, "%s\n", good);
    CHECK(open_str(note, &v, 1) == NOTE_ERR_SYNTAX);
    /* Nothing after the blank line. */
    CHECK(open_str("hello\n\n", &v, 1) == NOTE_ERR_SYNTAX);
    CHECK(open_str("", &v, 1) == NOTE_ERR_SYNTAX);
    CHECK(open_str("\n", &v, 1) == NOTE_ERR_SYNTAX);
    /* Hyphen instead of the em dash, missing space, missing name. */
    snprintf(note, sizeof note, "hello\n\n- %s", line + 4);
    CHECK(open_str(note, &v, 1) == NOTE_ERR_SYNTAX);
    snprintf(note, sizeof note, "hello\n\n\xe2\x80\x94%s", line + 4);
    CHECK(open_str(note, &v, 1) == NOTE_ERR_SYNTAX);
    snprintf(note, sizeof note, "hello\n\n\xe2\x80\x94 %s",
             strchr(line + 4, ' ') + 1);
    CHECK(open_str(note, &v, 1) == NOTE_ERR_SYNTAX);
    /* Bad base64: a stray character, missing padding, bad length. */
    snprintf(note, sizeof note, "%s", good);
    note[strlen(note) - 3] = '!';
    CHECK(open_str(note, &v, 1) == NOTE_ERR_SYNTAX);
    snprintf(note, sizeof note, "%s", good);
    note[strlen(note) - 2] = '\n';
    note[strlen(note) - 1] = '\0';
    CHECK(open_str(note, &v, 1) == NOTE_ERR_SYNTAX);
    /* Non-canonical base64 (non-zero unused bits in the last quantum). */
    snprintf(note, sizeof note,
             "hello\n\n\xe2\x80\x94 example.org/x AAAAAB==\n");
    CHECK(open_str(note, &v, 1) == NOTE_ERR_SYNTAX);
    /* Signature blob shorter than 5 bytes. */
    snprintf(note, sizeof note,
             "hello\n\n\xe2\x80\x94 example.org/x AAAAAA==\n");
    CHECK(open_str(note, &v, 1) == NOTE_ERR_SYNTAX);
    snprintf(note, sizeof note,
             "hello\n\n\xe2\x80\x94 example.org/x AAAAAAA=\n");
    CHECK(open_str(note, &v, 1) == NOTE_ERR_UNVERIFIED);
    /* Invalid name in a signature line. */
    snprintf(note, sizeof note, "%s\xe2\x80\x94 a+b AAAAAAA=\n", good);
    CHECK(open_str(note, &v, 1) == NOTE_ERR_SYNTAX);
    /* Padding inside (not at the end of) a long base64 string. */
    {
        char b64[200];
        memset(b64, 'A', 128);
        b64[62] = b64[63] = '=';
        b64[128] = '\0';
        snprintf(note, sizeof note, "%s\xe2\x80\x94 unknown.example %s\n", good,
                 b64);
        CHECK(open_str(note, &v, 1) == NOTE_ERR_SYNTAX);
        b64[62] = b64[63] = 'A';
        snprintf(note, sizeof note, "%s\xe2\x80\x94 unknown.example %s\n", good,
                 b64);
        CHECK(open_str(note, &v, 1) == 0);
    }

    /* Wrong key id: the same name with another id is an unknown key. */
    {
        struct note_verifier w = v;
        w.key_id ^= 1;
        CHECK(open_str(good, &w, 1) == NOTE_ERR_UNVERIFIED);
    }

    /* A known key whose signature does not verify, before or after a good
     * signature line. */
    {
        struct note_signer wrong;
        char bad[BUF];
        uint8_t ws[32] = {5};

        /* Same name and id, other seed: a forged signature for v. */
        REQUIRE(note_signer_from_seed("example.org/x", ws, &wrong) == 0);
        wrong.key_id = s.key_id;
        REQUIRE(note_sign("hello\n", 6, &wrong, bad, sizeof bad) > 0);
        CHECK(open_str(bad, &v, 1) == NOTE_ERR_BAD_SIG);
        snprintf(note, sizeof note, "%s%s", good, bad + 7);
        CHECK(open_str(note, &v, 1) == NOTE_ERR_BAD_SIG);
        snprintf(note, sizeof note, "hello\n\n%s%s", bad + 7, line);
        CHECK(open_str(note, &v, 1) == NOTE_ERR_BAD_SIG);
        note_signer_wipe(&wrong);
        /* Flipped text. */
        snprintf(note, sizeof note, "%s", good);
        note[0] = 'j';
        CHECK(open_str(note, &v, 1) == NOTE_ERR_BAD_SIG);
    }

    /* Unknown signatures are ignored, up to NOTE_MAX_SIGNATURES lines. */
    {
        size_t len;

        snprintf(note, sizeof note, "%s", good);
        for (int i = 1; i < NOTE_MAX_SIGNATURES; i++) {
            len = strlen(note);
            snprintf(note + len, sizeof note - len,
                     "\xe2\x80\x94 unknown%d.example AAAAAAAAAAAAAAAA\n", i);
        }
        CHECK(open_str(note, &v, 1) == 0);
        len = strlen(note);
        snprintf(note + len, sizeof note - len,
                 "\xe2\x80\x94 unknown.example AAAAAAAAAAAAAAAA\n");
        CHECK(open_str(note, &v, 1) == NOTE_ERR_TOO_MANY);
    }

    /* An unknown key's long signature (e.g. ML-DSA) is fine. */
    {
        char *big = malloc(4000);
        REQUIRE(big != NULL);
        memset(big, 'A', 3300);
        big[3300] = '\0';
        snprintf(note, sizeof note, "%s\xe2\x80\x94 mldsa.example %s\n", good,
                 big);
        CHECK(open_str(note, &v, 1) == 0);
        free(big);
    }

    /* Text must be UTF-8 without control characters (but "\n"). */
    {
        static const char *bad_texts[] = {
            "h\xffllo\n",         "h\xc3llo\n",  "h\xc0\xafllo\n",
            "h\xed\xa0\x80llo\n", "he\tllo\n",   "he\rllo\n",
            "he\x01llo\n",        "he\x7fllo\n", "he\x1bllo\n",
        };
        for (size_t i = 0; i < sizeof bad_texts / sizeof bad_texts[0]; i++) {
            snprintf(note, sizeof note, "%s\n%s", bad_texts[i], line);
            CHECK_MSG(open_str(note, &v, 1) == NOTE_ERR_SYNTAX, "text %zu", i);
            CHECK_MSG(note_sign(bad_texts[i], strlen(bad_texts[i]), &s, note,
                                sizeof note) == NOTE_ERR_SYNTAX,
                      "text %zu", i);
        }
        /* A NUL byte inside. */
        memcpy(note, good, strlen(good) + 1);
        note[2] = '\0';
        CHECK(note_open(note, strlen(good), &v, 1, &tl, NULL, NULL) ==
              NOTE_ERR_SYNTAX);
        /* Multi-byte UTF-8 is fine. */
        static const char utf8[] =
            "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\x91\n";
        n = note_sign(utf8, strlen(utf8), &s, note, sizeof note);
        CHECK(n > 0 && open_str(note, &v, 1) == 0);
    }

    /* note_sign wants non-empty text ending in "\n". */
    CHECK(note_sign("", 0, &s, note, sizeof note) == NOTE_ERR_SYNTAX);
    CHECK(note_sign("hello", 5, &s, note, sizeof note) == NOTE_ERR_SYNTAX);
    note_signer_wipe(&s);
}

static void test_key_rejections(void)
{
    struct note_signer s;
    struct note_verifier v;
    uint8_t seed[32], blob[34];
    char buf[BUF], b64[100];
    size_t len;

    /* Trailing newline tolerated, once. */
    snprintf(buf, sizeof buf, "%s\n", peter_vkey);
    CHECK(note_verifier_parse(buf, strlen(buf), &v) == 0);
    snprintf(buf, sizeof buf, "%s\n\n", peter_vkey);
    CHECK(note_verifier_parse(buf, strlen(buf), &v) == NOTE_ERR_SYNTAX);
    snprintf(buf, sizeof buf, "%s\n", peter_skey);
    CHECK(note_signer_parse(buf, strlen(buf), &s) == 0);
    snprintf(buf, sizeof buf, "%s\r\n", peter_skey);
    CHECK(note_signer_parse(buf, strlen(buf), &s) == NOTE_ERR_SYNTAX);
    /* Upper-case hex is accepted (as Go's ParseUint does). */
    {
        static const char upper[] =
            "PeterNeumann+C74F20A3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/"
            "LDE4izWy10TW";
        CHECK(note_verifier_parse(upper, strlen(upper), &v) == 0);
    }

    static const char *bad_vkeys[] = {
        "",
        "PeterNeumann",
        "PeterNeumann+c74f20a3",
        "PeterNeumann+c74f20a3+",
        "+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        /* wrong key id */
        "PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        /* another name under the same id */
        "PeterNeumanm+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        /* short and long key ids */
        "PeterNeumann+c74f20a+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "PeterNeumann+c74f20a30+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "PeterNeumann+c74f20g3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        /* wrong type byte 0x02 (first base64 char 'A' -> 'Ag') */
        "PeterNeumann+c74f20a3+Ahpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        /* too short / too long */
        "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10Q=",
        "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/"
        "LDE4izWy10TWAA==",
        /* bad base64 */
        "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10T!",
        "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10T",
        /* extra '+' fields */
        "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW+x",
        "PeterNeumann+c74f20a3+extra+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/"
        "LDE4izWy10TW",
        /* '+' in the name, space in the name */
        "Peter+Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        /* a signer key is not a verifier key */
        "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+"
        "Y7hfZx09iUvxdXHKDFz",
    };
    for (size_t i = 0; i < sizeof bad_vkeys / sizeof bad_vkeys[0]; i++)
        CHECK_MSG(note_verifier_parse(bad_vkeys[i], strlen(bad_vkeys[i]), &v) ==
                      NOTE_ERR_SYNTAX,
                  "vkey %zu: %s", i, bad_vkeys[i]);

    static const char *bad_skeys[] = {
        "",
        "PRIVATE+KEY+",
        "private+key+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+"
        "Y7hfZx09iUvxdXHKDFz",
        "PRIVATE+KEYS+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+"
        "Y7hfZx09iUvxdXHKDFz",
        "PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz",
        /* wrong id */
        "PRIVATE+KEY+PeterNeumann+c74f20a4+AYEKFALVFGyNhPJEMzD1QIDr+"
        "Y7hfZx09iUvxdXHKDFz",
        /* wrong name for the id */
        "PRIVATE+KEY+PeterNeumanm+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+"
        "Y7hfZx09iUvxdXHKDFz",
        /* wrong length */
        "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+"
        "Y7hfZx09iUvxdXHKA==",
        "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+"
        "Y7hfZx09iUvxdXHKDFzAA==",
        /* extra field */
        "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+"
        "Y7hfZx09iUvxdXHKDFz+1",
        /* bad name */
        "PRIVATE+KEY+Peter "
        "Neumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz",
    };
    for (size_t i = 0; i < sizeof bad_skeys / sizeof bad_skeys[0]; i++)
        CHECK_MSG(note_signer_parse(bad_skeys[i], strlen(bad_skeys[i]), &s) ==
                      NOTE_ERR_SYNTAX,
                  "skey %zu: %s", i, bad_skeys[i]);

    /* A signer key with the cosignature type byte (and a matching id for
     * that type) is still refused: signer keys are type 0x01 only. */
    for (int i = 0; i < 32; i++)
        seed[i] = (uint8_t)(i * 7);
    {
        struct note_signer ok;
        uint32_t id;

        REQUIRE(note_signer_from_seed("w.example", seed, &ok) == 0);
        id = note_key_id("w.example", NOTE_TYPE_COSIGNATURE, ok.pub);
        blob[0] = NOTE_TYPE_COSIGNATURE;
        memcpy(blob + 1, seed, 32);
        codec_b64_encode(blob, 33, b64);
        snprintf(buf, sizeof buf, "PRIVATE+KEY+w.example+%08x+%s", id, b64);
        CHECK(note_signer_parse(buf, strlen(buf), &s) == NOTE_ERR_SYNTAX);
        snprintf(buf, sizeof buf, "PRIVATE+KEY+w.example+%08x+%s", ok.key_id,
                 b64);
        CHECK(note_signer_parse(buf, strlen(buf), &s) == NOTE_ERR_SYNTAX);
        blob[0] = NOTE_TYPE_ED25519;
        codec_b64_encode(blob, 33, b64);
        snprintf(buf, sizeof buf, "PRIVATE+KEY+w.example+%08x+%s", ok.key_id,
                 b64);
        CHECK(note_signer_parse(buf, strlen(buf), &s) == 0);
        CHECK(memcmp(&s, &ok, sizeof s) == 0);
        note_signer_wipe(&ok);
        note_signer_wipe(&s);
    }

    /* Names: invalid ones refused by every constructor. */
    CHECK(note_signer_from_seed("", seed, &s) == NOTE_ERR_SYNTAX);
    CHECK(note_signer_from_seed("a b", seed, &s) == NOTE_ERR_SYNTAX);
    CHECK(note_signer_from_seed("a+b", seed, &s) == NOTE_ERR_SYNTAX);
    CHECK(note_signer_generate("a\nb", &s) == NOTE_ERR_SYNTAX);
    memset(buf, 'n', NOTE_NAME_MAX + 1);
    buf[NOTE_NAME_MAX + 1] = '\0';
    CHECK(note_signer_from_seed(buf, seed, &s) == NOTE_ERR_SYNTAX);
    buf[NOTE_NAME_MAX] = '\0';
    CHECK(note_signer_from_seed(buf, seed, &s) == 0);
    {
        char out[NOTE_KEY_TEXT_MAX];
        struct note_signer back;
        int n = note_signer_format(&s, out, sizeof out);

        CHECK(n > 0 && note_signer_parse(out, (size_t)n, &back) == 0);
        CHECK(note_signer_format(&s, out, (size_t)n) == NOTE_ERR_SPACE);
        CHECK(note_signer_format(&s, out, (size_t)n + 1) == n);
        note_signer_wipe(&back);
    }
    note_signer_wipe(&s);

    /* A generated key works end to end. */
    CHECK(note_signer_generate("gen.example", &s) == 0);
    {
        struct note_verifier gv;
        len = (size_t)note_sign("x\n", 2, &s, buf, sizeof buf);
        note_signer_verifier(&s, &gv);
        CHECK(note_open(buf, len, &gv, 1, NULL, NULL, NULL) == 0);
    }
    note_signer_wipe(&s);
}

static void test_checkpoints(void)
{
    static const char root_b64[] =
        "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=";
    struct checkpoint c;
    struct note_signer s;
    struct note_verifier v;
    uint8_t seed[32] = {3};
    char body[BUF], note[BUF];

#define CP_OK(t) CHECK_MSG(checkpoint_parse(t, strlen(t), &c) == 0, "%s", t)
#define CP_BAD(t)                                                              \
    CHECK_MSG(checkpoint_parse(t, strlen(t), &c) == CHECKPOINT_ERR_SYNTAX,     \
              "%s", t)

    CP_OK("example.org/log\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n");
    CHECK(c.size == 0 && strcmp(c.origin, "example.org/log") == 0);
    CHECK(c.root[0] == 0xe3 && c.root[31] == 0x55);
    CP_OK("o\n18446744073709551615\n47DEQpj8HBSa+/"
          "TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n");
    CHECK(c.size == UINT64_MAX);
    CP_OK("o\n10\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\next one\next "
          "two\n");
    CHECK(c.size == 10);

    CP_BAD("o\n070\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n");
    CP_BAD("o\n00\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n");
    CP_BAD("o\n-70\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n");
    CP_BAD("o\n+70\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n");
    CP_BAD("o\n-0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n");
    CP_BAD("o\n 70\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n");
    CP_BAD("o\n70 \n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n");
    CP_BAD("o\n0x10\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n");
    CP_BAD("o\n\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n");
    CP_BAD("o\n18446744073709551616\n47DEQpj8HBSa+/"
           "TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n");
    CP_BAD("o\n99999999999999999999\n47DEQpj8HBSa+/"
           "TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n");
    CP_BAD("o\n100000000000000000000\n47DEQpj8HBSa+/"
           "TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n");
    /* Roots: 31 bytes, 33 bytes, unpadded, non-canonical, hex. */
    CP_BAD("o\n1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuA==\n");
    CP_BAD("o\n1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFVV\n");
    CP_BAD("o\n1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU\n");
    CP_BAD("o\n1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFV=\n");
    CP_BAD("o\n1\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b"
           "855\n");
    CP_BAD("o\n1\n\n");
    /* Extension lines: none may be empty. */
    CP_BAD("o\n1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n\n");
    CP_BAD("o\n1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\next\n\n");
    CP_BAD("o\n1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n\next\n");
    /* Trailing junk without newline, missing final newline. */
    CP_BAD("o\n1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\njunk");
    CP_BAD("o\n1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
    CP_BAD("o\n1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU= \n");
    CP_BAD("o\n1\n");
    CP_BAD("o\n");
    CP_BAD("");
    /* Origins. */
    CP_BAD("\n1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n");
    CP_BAD("a b\n1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n");
    CP_BAD("a+b\n1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n");
    CP_BAD("o\n1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\nex\tt\n");
    CP_BAD("o\r\n1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n");

    /* Format: round trip, bad origin, exact space. */
    memset(&c, 0, sizeof c);
    strcpy(c.origin, "example.org/log");
    c.size = 1234567;
    REQUIRE(codec_b64_decode(root_b64, 44, c.root, 32) == 32);
    {
        int n = checkpoint_format(&c, body, sizeof body);
        struct checkpoint back;
        CHECK(n > 0 &&
              strcmp(body,
                     "example.org/log\n1234567\n"
                     "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n") == 0);
        CHECK(checkpoint_parse(body, (size_t)n, &back) == 0);
        CHECK(memcmp(&back, &c, sizeof c) == 0);
        CHECK(checkpoint_format(&c, note, (size_t)n) == CHECKPOINT_ERR_SPACE);
        CHECK(checkpoint_format(&c, note, (size_t)n + 1) == n);
        strcpy(c.origin, "bad origin");
        CHECK(checkpoint_format(&c, note, sizeof note) ==
              CHECKPOINT_ERR_SYNTAX);
        c.origin[0] = '\0';
        CHECK(checkpoint_format(&c, note, sizeof note) ==
              CHECKPOINT_ERR_SYNTAX);
        memset(c.origin, 'o', sizeof c.origin);
        c.size = UINT64_MAX;
        c.origin[NOTE_NAME_MAX] = '\0';
        n = checkpoint_format(&c, note, CHECKPOINT_BODY_MAX);
        CHECK(n == CHECKPOINT_BODY_MAX - 1);
    }

    /* checkpoint_open: the origin must be the key's name. */
    REQUIRE(note_signer_from_seed("example.org/log", seed, &s) == 0);
    note_signer_verifier(&s, &v);
    REQUIRE(note_sign(body, strlen(body), &s, note, sizeof note) > 0);
    CHECK(checkpoint_open(note, strlen(note), &v, &c) == 0 &&
          c.size == 1234567);
    note_signer_wipe(&s);
    REQUIRE(note_signer_from_seed("example.org/other", seed, &s) == 0);
    note_signer_verifier(&s, &v);
    REQUIRE(note_sign(body, strlen(body), &s, note, sizeof note) > 0);
    CHECK(note_open(note, strlen(note), &v, 1, NULL, NULL, NULL) == 0);
    CHECK(checkpoint_open(note, strlen(note), &v, &c) == NOTE_ERR_UNVERIFIED);
    /* A signed note that is not a checkpoint. */
    REQUIRE(note_sign("example.org/other\n01\nxx\n", 24, &s, note,
                      sizeof note) > 0);
    CHECK(checkpoint_open(note, strlen(note), &v, &c) == CHECKPOINT_ERR_SYNTAX);
    note_signer_wipe(&s);
#undef CP_OK
#undef CP_BAD
}

static void test_strerror(void)
{
    for (int e = 0; e >= NOTE_ERR_NOMEM; e--)
        CHECK(note_strerror(e) != NULL && note_strerror(e)[0] != '\0');
}

int main(void)
{
    test_ed25519();
    test_ed25519_prepared();
    test_names();
    test_issuer_names();
    test_vectors();
    test_c2sp_examples();
    test_cosignature();
    test_note_rejections();
    test_key_rejections();
    test_checkpoints();
    test_strerror();
    return check_finish();
}
