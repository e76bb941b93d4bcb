/*
 * test_add_checkpoint.c: tlog-witness add-checkpoint bodies
 * (proofs/add_checkpoint.h): written and parsed back for every proof length,
 * and every malformed preamble refused.
 */
#include "check.h"
#include "proofs/add_checkpoint.h"

#include <stdio.h>
#include <string.h>

static const char note[] = "example.com/log\n20852163\n"
                           "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
                           "\n"
                           "\xe2\x80\x94 example.com/log AAAA\n";

static int parse(const char *s, struct add_checkpoint *r)
{
    return add_checkpoint_parse(s, strlen(s), r);
}

static void test_round_trip(void)
{
    static char buf[ADD_CHECKPOINT_MAX];
    uint8_t proof[ADD_CHECKPOINT_MAX_PROOF][MERKLE_HASH_SIZE];
    struct add_checkpoint r;

    for (unsigned i = 0; i < ADD_CHECKPOINT_MAX_PROOF; i++)
        memset(proof[i], (int)i, MERKLE_HASH_SIZE);
    for (unsigned n = 0; n <= ADD_CHECKPOINT_MAX_PROOF; n++) {
        uint64_t old = n == 0 ? 0 : UINT64_MAX - n;
        int len = add_checkpoint_format(
            old, (const uint8_t(*)[MERKLE_HASH_SIZE])proof, n, note,
            strlen(note), buf, sizeof buf);

        REQUIRE(len > 0 && (size_t)len == strlen(buf));
        REQUIRE(add_checkpoint_parse(buf, (size_t)len, &r) == 0);
        CHECK(r.old_size == old && r.nproof == n);
        CHECK(n == 0 || memcmp(r.proof[n - 1], proof[n - 1], 32) == 0);
        CHECK(r.note_len == strlen(note) &&
              memcmp(r.note, note, r.note_len) == 0);
    }
    CHECK(add_checkpoint_format(0, (const uint8_t(*)[MERKLE_HASH_SIZE])proof,
                                ADD_CHECKPOINT_MAX_PROOF + 1, note,
                                strlen(note), buf,
                                sizeof buf) == ADD_CHECKPOINT_ERR_SYNTAX);
    CHECK(add_checkpoint_format(0, NULL, 0, note, strlen(note), buf, 20) ==
          ADD_CHECKPOINT_ERR_SPACE);
    /* The spec's minimal form, "old 0", blank line, note. */
    snprintf(buf, sizeof buf, "old 0\n\n%s", note);
    CHECK(parse(buf, &r) == 0 && r.old_size == 0 && r.nproof == 0);
}

static void test_refusals(void)
{
    static const char *pre[] = {
        "",
        "old\n\n",
        "old \n\n",
        "old 01\n\n",
        "old +1\n\n",
        "old -1\n\n",
        "old 1 \n\n",
        "old  1\n\n",
        "Old 1\n\n",
        "old 18446744073709551616\n\n",
        "old 1\n", /* no blank line before the note */
        "old 1\r\n\r\n",
        "old 1\nAAAA\n\n", /* not 32 bytes */
        "old 1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I\n\n",
        "old 1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2J=\n\n",
        "old 1\n CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\n",
    };
    static char buf[ADD_CHECKPOINT_MAX + 2];
    struct add_checkpoint r;

    for (size_t i = 0; i < sizeof pre / sizeof pre[0]; i++) {
        int err;

        snprintf(buf, sizeof buf, "%s%s", pre[i],
                 strchr(pre[i], '\n') != NULL ? note : "");
        if (i == 10) /* a preamble with no blank line at all */
            snprintf(buf, sizeof buf, "old 1\nexample.com/log\n");
        err = parse(buf, &r);
        CHECK_MSG(err == ADD_CHECKPOINT_ERR_SYNTAX, "case %zu: %d", i, err);
        CHECK(r.note == NULL && r.nproof == 0 && r.old_size == 0);
    }
    /* No note after the blank line. */
    CHECK(parse("old 5\n\n", &r) == ADD_CHECKPOINT_ERR_SYNTAX);
    /* 64 proof lines: one over the limit. */
    {
        size_t off = (size_t)snprintf(buf, sizeof buf, "old 7\n");

        for (int i = 0; i < 64; i++)
            off += (size_t)snprintf(
                buf + off, sizeof buf - off, "%s\n",
                "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=");
        snprintf(buf + off, sizeof buf - off, "\n%s", note);
        CHECK(parse(buf, &r) == ADD_CHECKPOINT_ERR_SYNTAX);
    }
    /* Over 16 KiB. */
    memset(buf, 'a', sizeof buf - 1);
    buf[sizeof buf - 1] = '\0';
    CHECK(parse(buf, &r) == ADD_CHECKPOINT_ERR_LIMIT);
    CHECK(strcmp(add_checkpoint_strerror(ADD_CHECKPOINT_ERR_LIMIT),
                 add_checkpoint_strerror(-1)) != 0);
}

int main(void)
{
    test_round_trip();
    test_refusals();
    return check_finish();
}
