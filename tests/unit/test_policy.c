/*
 * test_policy.c: C2SP tlog-policy parsing and quorum evaluation
 * (proofs/policy.h).
 *
 * Keys are made here from fixed seeds, so every vkey in a policy is real;
 * quorums are checked exhaustively over every subset of cosigning witnesses
 * against the rule written out by hand; every grammar rule has a refusal.
 */
#include "check.h"
#include "proofs/codec.h"
#include "proofs/cosignature.h"
#include "proofs/policy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/sha.h>

/* A verifier key string of type (0x01 log, 0x04 cosigner) for seed byte b. */
static void vkey(const char *name, uint8_t type, uint8_t b, char *out,
                 size_t cap)
{
    uint8_t seed[ED25519_SEED_SIZE];
    struct note_signer s;
    struct note_verifier v;

    memset(seed, b, sizeof seed);
    if (note_signer_from_seed(name, seed, &s) != 0)
        abort();
    note_signer_verifier(&s, &v);
    v.type = type;
    v.key_id = note_key_id(name, type, v.pub);
    if (note_verifier_format(&v, out, cap) < 0)
        abort();
    note_signer_wipe(&s);
}

/* An ML-DSA-44 (type 0x06) vkey with a correct key id. */
static void mldsa_vkey(const char *name, char *out, size_t cap)
{
    uint8_t blob[1 + 1312], msg[300 + sizeof blob], d[SHA256_DIGEST_LENGTH];
    char b64[CODEC_B64_LEN(sizeof blob) + 1], hex[9];
    size_t n = strlen(name);

    blob[0] = 0x06;
    for (size_t i = 1; i < sizeof blob; i++)
        blob[i] = (uint8_t)i;
    memcpy(msg, name, n);
    msg[n] = '\n';
    memcpy(msg + n + 1, blob, sizeof blob);
    SHA256(msg, n + 1 + sizeof blob, d);
    codec_hex_encode(d, 4, hex);
    codec_b64_encode(blob, sizeof blob, b64);
    snprintf(out, cap, "%s+%s+%s", name, hex, b64);
}

static char log_key[NOTE_KEY_TEXT_MAX], w1[NOTE_KEY_TEXT_MAX],
    w2[NOTE_KEY_TEXT_MAX], w3[NOTE_KEY_TEXT_MAX], w4[NOTE_KEY_TEXT_MAX];

static int parse(const char *text, struct policy *p, unsigned *line)
{
    return policy_parse(text, strlen(text), p, line);
}

static void test_two_of_three(void)
{
    static struct policy p;
    char text[4096];
    unsigned line = 99;

    snprintf(text, sizeof text,
             "# credlog's example policy\n"
             "\n"
             "log %s https://log.example/\n"
             "  witness\tw1 %s https://w1.example/\n"
             "witness w2   %s\n"
             "witness w3 %s https://w3.example/\n"
             "group two 2 w1 w2 w3\n"
             "quorum two\n",
             log_key, w1, w2, w3);
    REQUIRE(parse(text, &p, &line) == 0);
    CHECK(line == 0);
    CHECK(p.nlogs == 1 && p.nwitnesses == 3 && p.ngroups == 1);
    CHECK(strcmp(p.logs[0].key.name, "log.example") == 0);
    CHECK(strcmp(p.logs[0].url, "https://log.example/") == 0);
    CHECK(strcmp(p.witnesses[0].name, "w1") == 0);
    CHECK(p.witnesses[0].key.type == NOTE_TYPE_COSIGNATURE);
    CHECK(strcmp(p.witnesses[0].url, "https://w1.example/") == 0);
    CHECK(p.witnesses[1].url[0] == '\0');
    CHECK(policy_find_log(&p, "log.example") == &p.logs[0]);
    CHECK(policy_find_log(&p, "other.example") == NULL);
    for (unsigned mask = 0; mask < 8; mask++) {
        bool c[3] = {mask & 1, mask & 2, mask & 4};
        unsigned n = (unsigned)(c[0] + c[1] + c[2]);

        CHECK_MSG(policy_satisfied(&p, c) == (n >= 2), "mask %u", mask);
    }
}

/* quorum = all(w1, any(w2, w3), g) where g = 2 of (w2, w3, w4). */
static void test_nested(void)
{
    static struct policy p;
    char text[8192];

    snprintf(text, sizeof text,
             "log %s\n"
             "witness w1 %s\n"
             "witness w2 %s\n"
             "witness w3 %s\n"
             "witness w4 %s\n"
             "group either any w2 w3\n"
             "group g 2 w2 w3 w4\n"
             "group top all w1 either g\n"
             "quorum top\n",
             log_key, w1, w2, w3, w4);
    REQUIRE(parse(text, &p, NULL) == 0);
    for (unsigned mask = 0; mask < 16; mask++) {
        bool c[4] = {mask & 1, mask & 2, mask & 4, mask & 8};
        bool want = c[0] && (c[1] || c[2]) && (c[1] + c[2] + c[3] >= 2);

        CHECK_MSG(policy_satisfied(&p, c) == want, "mask %u", mask);
    }
}

static void test_quorum_forms(void)
{
    static struct policy p;
    char text[4096];
    bool yes = true, no = false;

    snprintf(text, sizeof text, "log %s\nquorum none\n", log_key);
    REQUIRE(parse(text, &p, NULL) == 0);
    CHECK(p.quorum == -1 && policy_satisfied(&p, NULL));

    snprintf(text, sizeof text, "witness w1 %s\nquorum w1\n", w1);
    REQUIRE(parse(text, &p, NULL) == 0);
    CHECK(policy_satisfied(&p, &yes));
    CHECK(!policy_satisfied(&p, &no));
}

/* ML-DSA-44 witnesses parse, but cannot be satisfied by credlog. */
static void test_mldsa(void)
{
    static struct policy p;
    static char text[8192], mk[4096];
    bool both[2] = {true, true};

    mldsa_vkey("pq.example", mk, sizeof mk);
    snprintf(text, sizeof text,
             "witness pq %s https://pq.example/\n"
             "witness w1 %s\n"
             "group g any pq w1\n"
             "quorum pq\n",
             mk, w1);
    REQUIRE(parse(text, &p, NULL) == 0);
    CHECK(!p.witnesses[0].supported && p.witnesses[1].supported);
    CHECK(!policy_satisfied(&p, both));
    /* A wrong key id is a malformed key. */
    mk[strlen("pq.example+")] ^= 1;
    snprintf(text, sizeof text, "witness pq %s\nquorum pq\n", mk);
    CHECK(parse(text, &p, NULL) == POLICY_ERR_KEY);
}

/* Copies fmt to out with {L}, {A} and {B} replaced by the log key, w1 and
 * w2. */
static void expand(const char *fmt, char *out, size_t cap)
{
    size_t o = 0;

    for (const char *f = fmt; *f != '\0' && o + 1 < cap;) {
        const char *sub = NULL;

        if (strncmp(f, "{L}", 3) == 0)
            sub = log_key;
        else if (strncmp(f, "{A}", 3) == 0)
            sub = w1;
        else if (strncmp(f, "{B}", 3) == 0)
            sub = w2;
        if (sub == NULL) {
            out[o++] = *f++;
            continue;
        }
        o += (size_t)snprintf(out + o, cap - o, "%s", sub);
        f += 3;
    }
    out[o < cap ? o : cap - 1] = '\0';
}

struct refusal {
    const char *what;
    const char *fmt; /* {L} log key, {A} w1, {B} w2 */
    int err;
    unsigned line;
};

static void test_refusals(void)
{
    static const struct refusal cases[] = {
        {"no quorum", "log {L}\n", POLICY_ERR_QUORUM, 0},
        {"two quorums", "witness a {A}\nquorum a\nquorum none\n",
         POLICY_ERR_QUORUM, 3},
        {"forward reference", "group g any a\nwitness a {A}\nquorum g\n",
         POLICY_ERR_NAME, 1},
        {"quorum before its witness", "quorum a\nwitness a {A}\n",
         POLICY_ERR_NAME, 1},
        {"repeated name", "witness a {A}\nwitness a {B}\nquorum a\n",
         POLICY_ERR_NAME, 2},
        {"group named like a witness",
         "witness a {A}\ngroup a any a\nquorum a\n", POLICY_ERR_NAME, 2},
        {"reserved name", "witness none {A}\nquorum none\n", POLICY_ERR_NAME,
         1},
        {"member twice", "witness a {A}\ngroup g 1 a a\nquorum g\n",
         POLICY_ERR_NAME, 2},
        {"same key twice", "witness a {A}\nwitness b {A}\nquorum a\n",
         POLICY_ERR_DUP, 2},
        {"threshold 0", "witness a {A}\ngroup g 0 a\nquorum g\n",
         POLICY_ERR_SYNTAX, 2},
        {"threshold over members", "witness a {A}\ngroup g 2 a\nquorum g\n",
         POLICY_ERR_SYNTAX, 2},
        {"threshold leading zero",
         "witness a {A}\nwitness b {B}\ngroup g 01 a b\nquorum g\n",
         POLICY_ERR_SYNTAX, 3},
        {"group without members", "group g any\nquorum none\n",
         POLICY_ERR_SYNTAX, 1},
        {"unknown keyword", "witnesses a {A}\nquorum none\n", POLICY_ERR_SYNTAX,
         1},
        {"trailing comment", "witness a {A} # ours\nquorum a\n",
         POLICY_ERR_SYNTAX, 1},
        {"witness without key", "witness a\nquorum none\n", POLICY_ERR_SYNTAX,
         1},
        {"log key as witness", "witness a {L}\nquorum a\n", POLICY_ERR_KEY, 1},
        {"cosigner key as log", "log {A}\nquorum none\n", POLICY_ERR_KEY, 1},
        {"garbage key", "log abc+00000000+AAAA\nquorum none\n", POLICY_ERR_KEY,
         1},
        {"carriage return", "log {L}\r\nquorum none\n", POLICY_ERR_SYNTAX, 0},
        {"control byte", "quorum none\n\x01\n", POLICY_ERR_SYNTAX, 0},
    };
    static struct policy p;
    char text[8192];

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        unsigned line = 99;
        int err;

        expand(cases[i].fmt, text, sizeof text);
        err = parse(text, &p, &line);
        CHECK_MSG(err == cases[i].err && line == cases[i].line,
                  "%s: got %d (%s) at line %u", cases[i].what, err,
                  policy_strerror(err), line);
        CHECK(p.nwitnesses == 0 && p.nlogs == 0 && p.quorum == -1);
    }
}

static void test_limits(void)
{
    static struct policy p;
    static char text[POLICY_TEXT_MAX + 2];
    size_t off = 0;
    char k[NOTE_KEY_TEXT_MAX], name[16];

    /* 32 witnesses are allowed, a 33rd is refused at its line. */
    for (unsigned i = 0; i <= POLICY_MAX_WITNESSES; i++) {
        snprintf(name, sizeof name, "w%u", i);
        vkey(name, NOTE_TYPE_COSIGNATURE, (uint8_t)(0x40 + i), k, sizeof k);
        off += (size_t)snprintf(text + off, sizeof text - off,
                                "witness %s %s\n", name, k);
        if (i == POLICY_MAX_WITNESSES - 1) {
            unsigned line;

            snprintf(text + off, sizeof text - off, "quorum w0\n");
            CHECK(parse(text, &p, &line) == 0);
            CHECK(p.nwitnesses == POLICY_MAX_WITNESSES);
        }
    }
    snprintf(text + off, sizeof text - off, "quorum w0\n");
    {
        unsigned line;

        CHECK(parse(text, &p, &line) == POLICY_ERR_LIMIT);
        CHECK(line == POLICY_MAX_WITNESSES + 1);
    }
    /* A file longer than POLICY_TEXT_MAX is refused whole. */
    memset(text, '#', sizeof text - 1);
    text[sizeof text - 1] = '\0';
    CHECK(parse(text, &p, NULL) == POLICY_ERR_LIMIT);
    CHECK(strcmp(policy_strerror(POLICY_ERR_LIMIT), "unknown policy error"));
}

/* A checkpoint signed by the log (seed 1) and cosigned at time t by the
 * witnesses w1..w3 (seeds 2..4) whose bit is set in mask. */
static void cosigned_note(unsigned mask, uint64_t t, char *out, size_t cap)
{
    static const char *names[] = {"w1.example", "w2.example", "w3.example"};
    struct checkpoint cp = {"log.example", 5, {0}};
    char body[CHECKPOINT_BODY_MAX + 1], line[COSIGNATURE_LINE_MAX + 1];
    uint8_t seed[ED25519_SEED_SIZE];
    struct note_signer s;

    memset(cp.root, 0x11, sizeof cp.root);
    checkpoint_format(&cp, body, sizeof body);
    memset(seed, 1, sizeof seed);
    note_signer_from_seed("log.example", seed, &s);
    if (note_sign(body, strlen(body), &s, out, cap) < 0)
        abort();
    for (unsigned i = 0; i < 3; i++) {
        if (!(mask & (1u << i)))
            continue;
        memset(seed, (int)(2 + i), sizeof seed);
        note_signer_from_seed_type(names[i], NOTE_TYPE_COSIGNATURE, seed, &s);
        cosignature_sign(&s, t + i, body, strlen(body), line, sizeof line);
        strncat(out, line, cap - strlen(out) - 1);
    }
    note_signer_wipe(&s);
}

static void test_open(void)
{
    static struct policy p;
    static struct policy_result r;
    char text[4096], note[4096], missing[256];

    snprintf(text, sizeof text,
             "log %s\nwitness w1 %s\nwitness w2 %s\nwitness w3 %s\n"
             "group two 2 w1 w2 w3\nquorum two\n",
             log_key, w1, w2, w3);
    REQUIRE(parse(text, &p, NULL) == 0);
    for (unsigned mask = 0; mask < 8; mask++) {
        unsigned n = (mask & 1) + !!(mask & 2) + !!(mask & 4);

        cosigned_note(mask, 1700000000, note, sizeof note);
        REQUIRE(policy_open(&p, note, strlen(note), &r) == 0);
        CHECK(r.cp.size == 5 && strcmp(r.cp.origin, "log.example") == 0);
        for (unsigned i = 0; i < 3; i++) {
            CHECK(r.cosigned[i] == !!(mask & (1u << i)));
            CHECK(r.times[i] == (r.cosigned[i] ? 1700000000 + i : 0));
        }
        CHECK(policy_satisfied(&p, r.cosigned) == (n >= 2));
        policy_missing(&p, r.cosigned, missing, sizeof missing);
        CHECK(mask != 5 || strcmp(missing, "w2") == 0);
        CHECK(mask != 0 || strcmp(missing, "w1, w2, w3") == 0);
    }
    /* A tampered cosignature makes the note invalid; a note whose log key
     * is not the policy's is unsigned. */
    cosigned_note(3, 1700000000, note, sizeof note);
    note[strlen(note) - 5] = note[strlen(note) - 5] == 'A' ? 'B' : 'A';
    CHECK(policy_open(&p, note, strlen(note), &r) == POLICY_ERR_NOTE);
    CHECK(!r.cosigned[0] && !r.cosigned[1]);
    snprintf(text, sizeof text, "log %s\nwitness w1 %s\nquorum w1\n", w4, w1);
    REQUIRE(parse(text, &p, NULL) == POLICY_ERR_KEY);
    snprintf(text, sizeof text, "witness w1 %s\nquorum w1\n", w1);
    REQUIRE(parse(text, &p, NULL) == 0);
    cosigned_note(1, 1700000000, note, sizeof note);
    CHECK(policy_open(&p, note, strlen(note), &r) == POLICY_ERR_UNSIGNED);
    CHECK(policy_open(&p, "garbage", 7, &r) == POLICY_ERR_NOTE);
}

int main(void)
{
    vkey("log.example", NOTE_TYPE_ED25519, 1, log_key, sizeof log_key);
    vkey("w1.example", NOTE_TYPE_COSIGNATURE, 2, w1, sizeof w1);
    vkey("w2.example", NOTE_TYPE_COSIGNATURE, 3, w2, sizeof w2);
    vkey("w3.example", NOTE_TYPE_COSIGNATURE, 4, w3, sizeof w3);
    vkey("w4.example", NOTE_TYPE_COSIGNATURE, 5, w4, sizeof w4);
    test_two_of_three();
    test_nested();
    test_quorum_forms();
    test_mldsa();
    test_refusals();
    test_limits();
    test_open();
    return check_finish();
}
