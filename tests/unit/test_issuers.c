/*
 * test_issuers.c: the issuers file's identity fields (logd/issuers.c,
 * docs/operations.md "Issuer identity"): after the verifier key,
 * tag=value fields with the tag names of docs/protocol.md §B.6.4, values
 * in double quotes holding spaces, \" and \\, each checked by
 * entry_identity_add():
 *  - a line with only a key has no identity; a full identity is stored as
 *    the canonical items of a KEY v2 entry (tags ascending whatever the
 *    file's order);
 *  - unknown tags, tags twice, values their tag refuses, bad quoting and
 *    empty values are ISSUERS_ERR_IDENTITY with the line;
 *  - the same key twice with different identities is ISSUERS_ERR_CLASH,
 *    with the same identity it is kept once;
 *  - issuers_format_line() writes a line that parses back to the same key.
 */
#include "check.h"

#include <stdio.h>
#include <string.h>

#include "issuer.h"
#include "logd/issuers.h"
#include "proofs/entry.h"

static char VK[NOTE_KEY_TEXT_MAX];

/* Parses one line "VK <fields>"; returns the code, *out the key. */
static int parse_fields(const char *fields, struct issuer_key *out,
                        size_t *line)
{
    char text[4096];
    struct issuer_key *keys = NULL;
    size_t n = 0;
    int rc;

    snprintf(text, sizeof text, "# a comment\n%s%s%s\n", VK,
             fields[0] ? " " : "", fields);
    rc = issuers_parse(text, strlen(text), &keys, &n, line);
    if (rc == 0 && n == 1 && out != NULL)
        *out = keys[0];
    if (rc == 0 && n != 1)
        rc = -1;
    free(keys);
    return rc;
}

static bool has(const struct issuer_key *k, uint8_t tag, const char *value)
{
    struct entry e;
    const uint8_t *v;
    size_t len;

    memset(&e, 0, sizeof e);
    e.identity_len = k->identity_len;
    memcpy(e.identity, k->identity, k->identity_len);
    return entry_identity_get(&e, tag, &v, &len) && len == strlen(value) &&
           memcmp(v, value, len) == 0;
}

static void test_valid(void)
{
    struct issuer_key k;
    size_t line;

    CHECK(parse_fields("", &k, &line) == 0 && k.identity_len == 0);
    CHECK(parse_fields("dns=avans.nl", &k, &line) == 0 &&
          has(&k, ENTRY_ID_DNS, "avans.nl") && k.identity_len == 2 + 8);
    /* Any order in the file; canonical (ascending tags) in the key. */
    CHECK(parse_fields("issuer_id=https://avans.nl/issuer brin=07GR "
                       "name=\"Avans Hogeschool\" did_web=did:web:avans.nl "
                       "ob2_profile=https://avans.nl/ob2/issuer.json "
                       "dns=avans.nl",
                       &k, &line) == 0);
    CHECK(has(&k, ENTRY_ID_NAME, "Avans Hogeschool") &&
          has(&k, ENTRY_ID_DNS, "avans.nl") &&
          has(&k, ENTRY_ID_DID_WEB, "did:web:avans.nl") &&
          has(&k, ENTRY_ID_BRIN, "07GR") &&
          has(&k, ENTRY_ID_OB2_PROFILE, "https://avans.nl/ob2/issuer.json") &&
          has(&k, ENTRY_ID_ISSUER_ID, "https://avans.nl/issuer"));
    CHECK(entry_identity_check(k.identity, k.identity_len) == 0);
    CHECK(k.identity[0] == ENTRY_ID_NAME);
    /* Quoted: spaces, \" and \\; bare values may be quoted too. */
    CHECK(parse_fields("name=\"The \\\"Best\\\" \\\\ School\" \tbrin=\"07GR\"",
                       &k, &line) == 0 &&
          has(&k, ENTRY_ID_NAME, "The \"Best\" \\ School") &&
          has(&k, ENTRY_ID_BRIN, "07GR"));
    /* UTF-8 in the display name. */
    CHECK(parse_fields("name=\"Hogeschool Zuyd \xc3\xa9\xc3\xa9n\"", &k,
                       &line) == 0);
}

static void test_refused(void)
{
    static const char *const bad[] = {
        "nom=Avans",                    /* unknown tag */
        "NAME=Avans",                   /* tags are lower case */
        "name",                         /* no = */
        "name=",                        /* empty value */
        "name=\"\"",                    /* empty quoted value */
        "dns=Avans.NL",                 /* host names are lower case */
        "dns=avans",                    /* one label */
        "brin=7GR",                     /* BRIN: two digits, two letters */
        "did_web=did:web:Avans.nl",     /* upper case host */
        "ob2_profile=http://avans.nl/", /* not https */
        "issuer_id=avans.nl",           /* not an absolute URI */
        "name=\"Avans  Hogeschool\"",   /* doubled space */
        "name=\"Avans\xe2\x80\x8bHogeschool\"", /* zero-width space */
        "name=\"Avans\xe2\x80\xaeHogeschool\"", /* right-to-left override */
        "name=\"Avans",                         /* no closing quote */
        "name=\"Avans\"x",                      /* junk after the quote */
        "name=\"Av\\ans\"",                     /* \a is no escape */
        "name=Av\"ans",                         /* a quote in a bare value */
        "dns=avans.nl dns=avans.nl",            /* a tag twice */
        "# a comment",                          /* no trailing comments */
    };
    size_t line;

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        line = 0;
        int rc = parse_fields(bad[i], NULL, &line);
        CHECK_MSG(rc == ISSUERS_ERR_IDENTITY && line == 2,
                  "%s: got %d at line %zu", bad[i], rc, line);
    }
}

static void test_twice(void)
{
    char text[4096];
    struct issuer_key *keys = NULL, k;
    size_t n, line;

    snprintf(text, sizeof text, "%s dns=avans.nl\n%s dns=avans.nl\n", VK, VK);
    CHECK(issuers_parse(text, strlen(text), &keys, &n, &line) == 0 && n == 1);
    free(keys);
    snprintf(text, sizeof text, "%s dns=avans.nl\n\n%s dns=avans.com\n", VK,
             VK);
    CHECK(issuers_parse(text, strlen(text), &keys, &n, &line) ==
              ISSUERS_ERR_CLASH &&
          keys == NULL && line == 3);
    snprintf(text, sizeof text, "%s\n%s brin=07GR\n", VK, VK);
    CHECK(issuers_parse(text, strlen(text), &keys, &n, &line) ==
          ISSUERS_ERR_CLASH);

    /* issuers_format_line() round-trips. */
    REQUIRE(parse_fields("name=\"A \\\"q\\\" \\\\ b\" dns=avans.nl brin=07GR",
                         &k, &line) == 0);
    {
        char out[ISSUERS_LINE_MAX];
        struct issuer_key *back = NULL;
        int len = issuers_format_line(&k, out, sizeof out);
        REQUIRE(len > 0);
        CHECK(issuers_parse(out, (size_t)len, &back, &n, &line) == 0 &&
              n == 1 && back[0].identity_len == k.identity_len &&
              memcmp(back[0].identity, k.identity, k.identity_len) == 0 &&
              memcmp(back[0].pub, k.pub, 32) == 0);
        free(back);
        CHECK(issuers_format_line(&k, out, strlen(VK) + 5) < 0);
    }
}

int main(void)
{
    struct issuer a;

    issuer_make(&a, "avans.nl");
    note_verifier_format(&a.v, VK, sizeof VK);
    test_valid();
    test_refused();
    test_twice();
    issuer_wipe(&a);
    return check_finish();
}
