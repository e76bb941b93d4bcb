/*
 * test_loglist.c: the witness network's logs/v0 list format
 * (proofs/loglist.h), with keys made here from fixed seeds.
 */
#include "check.h"
#include "proofs/loglist.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char k1[NOTE_KEY_TEXT_MAX], k2[NOTE_KEY_TEXT_MAX],
    cosig[NOTE_KEY_TEXT_MAX];

static void make_key(const char *name, uint8_t b, uint8_t type, char *out)
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
    if (note_verifier_format(&v, out, NOTE_KEY_TEXT_MAX) < 0)
        abort();
    note_signer_wipe(&s);
}

static void test_valid(void)
{
    struct loglist_log logs[4];
    char text[4096];
    size_t n = 99;
    unsigned line = 99;

    snprintf(text, sizeof text,
             "# the witness network's testing list\n"
             "logs/v0\n"
             "\n"
             "vkey %s\n"
             "qpd 86400\n"
             "contact ops@log.example (Ops)  \n"
             "  vkey\t%s\n"
             "origin example.org/other log\n"
             "qpd 1\n",
             k1, k2);
    REQUIRE(loglist_parse(text, strlen(text), logs, 4, &n, &line) == 0);
    CHECK(n == 2 && line == 0);
    CHECK(strcmp(logs[0].origin, "log.example") == 0);
    CHECK(logs[0].qpd == 86400);
    CHECK(strcmp(logs[0].contact, "ops@log.example (Ops)") == 0);
    CHECK(strcmp(logs[1].origin, "example.org/other log") == 0);
    CHECK(logs[1].qpd == 1 && logs[1].contact[0] == '\0');
    CHECK(strcmp(logs[1].key.name, "other.example") == 0);
    /* A list with no logs is valid. */
    CHECK(loglist_parse("logs/v0\n", 8, logs, 4, &n, NULL) == 0 && n == 0);
}

static void test_refusals(void)
{
    static const struct {
        const char *fmt; /* %s: k1 */
        int err;
        unsigned line;
    } cases[] = {
        {"", LOGLIST_ERR_SYNTAX, 0},
        {"logs/v1\n", LOGLIST_ERR_SYNTAX, 1},
        {"logs/v0\nqpd 1\n", LOGLIST_ERR_SYNTAX, 2},
        {"logs/v0\nvkey %s\n", LOGLIST_ERR_SYNTAX, 0},
        {"logs/v0\nvkey %s\ncontact x\nqpd 1\n", LOGLIST_ERR_SYNTAX, 3},
        {"logs/v0\nvkey %s\nqpd 1\norigin x\n", LOGLIST_ERR_SYNTAX, 4},
        {"logs/v0\nvkey %s\nqpd 0\n", LOGLIST_ERR_SYNTAX, 3},
        {"logs/v0\nvkey %s\nqpd 01\n", LOGLIST_ERR_SYNTAX, 3},
        {"logs/v0\nvkey %s\nqpd 2147483648\n", LOGLIST_ERR_SYNTAX, 3},
        {"logs/v0\nvkey %s\nqpd 5\nfoo bar\n", LOGLIST_ERR_SYNTAX, 4},
        {"logs/v0\nvkey %s\r\nqpd 5\n", LOGLIST_ERR_SYNTAX, 2},
        {"logs/v0\nvkey %s\nqpd 5\nvkey %s\nqpd 6\n", LOGLIST_ERR_DUP, 0},
        {"logs/v0\nvkey nothing+00000000+AAAA\nqpd 5\n", LOGLIST_ERR_KEY, 2},
    };
    struct loglist_log logs[4];
    char text[4096];

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t n = 99;
        unsigned line = 99;
        int err;

        snprintf(text, sizeof text, cases[i].fmt, k1, k1);
        err = loglist_parse(text, strlen(text), logs, 4, &n, &line);
        CHECK_MSG(err == cases[i].err && line == cases[i].line && n == 0,
                  "case %zu: %d at line %u", i, err, line);
    }
    /* A cosigner key is not a log key. */
    snprintf(text, sizeof text, "logs/v0\nvkey %s\nqpd 5\n", cosig);
    {
        size_t n;

        CHECK(loglist_parse(text, strlen(text), logs, 4, &n, NULL) ==
              LOGLIST_ERR_KEY);
        /* More logs than room. */
        snprintf(text, sizeof text, "logs/v0\nvkey %s\nqpd 5\nvkey %s\nqpd 5\n",
                 k1, k2);
        CHECK(loglist_parse(text, strlen(text), logs, 1, &n, NULL) ==
              LOGLIST_ERR_LIMIT);
    }
}

int main(void)
{
    make_key("log.example", 1, NOTE_TYPE_ED25519, k1);
    make_key("other.example", 2, NOTE_TYPE_ED25519, k2);
    make_key("witness.example", 3, NOTE_TYPE_COSIGNATURE, cosig);
    test_valid();
    test_refusals();
    return check_finish();
}
