/*
 * test_cosignature.c: cosigner keys and cosignature/v1 lines
 * (proofs/cosignature.h, the cosigner parts of proofs/note.h).
 *
 * The known answer is the one in the C2SP tlog-cosignature formula worked
 * out independently (seed 00..1f, name witness.example/w1, time 1679315147,
 * the spec's example checkpoint body); every line written is opened again
 * with note_open(), and every refusal is checked.
 */
#include "check.h"
#include "proofs/cosignature.h"
#include "proofs/note.h"

#include <stdio.h>
#include <string.h>

static const char body[] = "example.com/behind-the-sofa\n20852163\n"
                           "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";

static void seed_0_31(uint8_t seed[ED25519_SEED_SIZE])
{
    for (int i = 0; i < ED25519_SEED_SIZE; i++)
        seed[i] = (uint8_t)i;
}

static void test_known_answer(void)
{
    uint8_t seed[ED25519_SEED_SIZE];
    struct note_signer s, back;
    struct note_verifier v;
    char vkey[NOTE_KEY_TEXT_MAX], skey[NOTE_KEY_TEXT_MAX];
    char line[COSIGNATURE_LINE_MAX + 1];
    int n;

    seed_0_31(seed);
    REQUIRE(note_signer_from_seed_type("witness.example/w1",
                                       NOTE_TYPE_COSIGNATURE, seed, &s) == 0);
    note_signer_verifier(&s, &v);
    REQUIRE(note_verifier_format(&v, vkey, sizeof vkey) > 0);
    CHECK(strcmp(vkey, "witness.example/w1+e75f6532+"
                       "BAOhB7/zzhC+HXDdGOdLwJln5NYwm6UNXx3chmQSVTG4") == 0);
    n = cosignature_sign(&s, 1679315147, body, strlen(body), line, sizeof line);
    CHECK(n > 0 && (size_t)n == strlen(line));
    CHECK(strcmp(line,
                 "\xe2\x80\x94 witness.example/w1 "
                 "519lMgAAAABkGFDLBuRDazBLVac2NE+Y+IjbjQOcXLfF9CSDZVUIoS8"
                 "3rE1nFZsVE8YiWV6Ngr7lV8H6bdoBQGP/l73euDMQ9k+bBQ==\n") == 0);
    /* The same line from a signature made elsewhere (a token's). */
    {
        uint8_t msg[sizeof body + COSIGNATURE_PREFIX_MAX];
        uint8_t sig[ED25519_SIGNATURE_SIZE];
        char again[COSIGNATURE_LINE_MAX + 1];
        int m = cosignature_message(1679315147, body, strlen(body), msg,
                                    sizeof msg);

        REQUIRE(m > 0 && ed25519_sign(s.seed, msg, (size_t)m, sig) == 0);
        CHECK(cosignature_line(s.name, s.key_id, 1679315147, sig, again,
                               sizeof again) == n);
        CHECK(strcmp(again, line) == 0);
        CHECK(cosignature_line(s.name, s.key_id, 0, sig, again, sizeof again) ==
              COSIG_ERR_KEY);
        CHECK(cosignature_line("", s.key_id, 1, sig, again, sizeof again) ==
              COSIG_ERR_KEY);
        CHECK(cosignature_line(s.name, s.key_id, 1, sig, again, 20) ==
              COSIG_ERR_SPACE);
    }
    /* The private key string round-trips, and only as a cosigner key. */
    REQUIRE(note_signer_format(&s, skey, sizeof skey) > 0);
    CHECK(strncmp(skey, "PRIVATE+KEY+witness.example/w1+e75f6532+BA", 42) == 0);
    CHECK(note_signer_parse_type(skey, strlen(skey), NOTE_TYPE_COSIGNATURE,
                                 &back) == 0);
    CHECK(back.type == NOTE_TYPE_COSIGNATURE && back.key_id == s.key_id &&
          memcmp(back.pub, s.pub, sizeof s.pub) == 0);
    CHECK(note_signer_parse(skey, strlen(skey), &back) == NOTE_ERR_SYNTAX);
    note_signer_wipe(&s);
}

/* A line written here verifies with note_open() and carries its time. */
static void test_open(void)
{
    uint8_t seed[ED25519_SEED_SIZE];
    struct note_signer log, w;
    struct note_verifier keys[2];
    char note[2048], line[COSIGNATURE_LINE_MAX + 1];
    bool verified[2];
    uint64_t times[2];
    size_t text_len;
    int n;

    memset(seed, 7, sizeof seed);
    REQUIRE(note_signer_from_seed("example.com/behind-the-sofa", seed, &log) ==
            0);
    memset(seed, 8, sizeof seed);
    REQUIRE(note_signer_generate_type("w.example", NOTE_TYPE_COSIGNATURE, &w) ==
            0);
    n = note_sign(body, strlen(body), &log, note, sizeof note);
    REQUIRE(n > 0);
    REQUIRE(cosignature_sign(&w, 1700000000, body, strlen(body), line,
                             sizeof line) > 0);
    strcat(note, line);
    note_signer_verifier(&log, &keys[0]);
    note_signer_verifier(&w, &keys[1]);
    CHECK(keys[1].type == NOTE_TYPE_COSIGNATURE);
    REQUIRE(note_open(note, strlen(note), keys, 2, &text_len, verified,
                      times) == 0);
    CHECK(verified[0] && verified[1] && times[1] == 1700000000);
    /* A flipped bit of the time breaks the signature. */
    {
        char *t = strstr(note, "w.example ") + strlen("w.example ") + 8;

        *t = *t == 'A' ? 'B' : 'A';
        CHECK(note_open(note, strlen(note), keys, 2, &text_len, verified,
                        times) == NOTE_ERR_BAD_SIG);
    }
    /* A cosigner key does not sign notes, a log key no cosignatures. */
    CHECK(note_sign(body, strlen(body), &w, note, sizeof note) ==
          NOTE_ERR_SYNTAX);
    CHECK(cosignature_sign(&log, 1, body, strlen(body), line, sizeof line) ==
          COSIG_ERR_KEY);
    CHECK(cosignature_sign(&w, 0, body, strlen(body), line, sizeof line) ==
          COSIG_ERR_KEY);
    CHECK(cosignature_sign(&w, 1, body, strlen(body), line, 20) ==
          COSIG_ERR_SPACE);
    CHECK(note_signer_from_seed_type("x", 0x02, seed, &w) == NOTE_ERR_SYNTAX);
    note_signer_wipe(&log);
    note_signer_wipe(&w);
}

int main(void)
{
    test_known_answer();
    test_open();
    return check_finish();
}
