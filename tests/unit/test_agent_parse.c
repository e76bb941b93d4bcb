/*
 * test_agent_parse.c: the agent's pure parsers: the JSON of POST /issue and
 * /revoke (agent/request.h), the config file (agent/config.h, without key
 * files), and CSV records (agent/csv.h). Every refusal is checked to name
 * what is wrong.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/config.h"
#include "agent/csv.h"
#include "agent/request.h"
#include "check.h"
#include "proofs/entry.h"

static int parse(const char *body, uint8_t type, struct agent_request *r,
                 char *why)
{
    return agent_request_parse(body, strlen(body), type, r, why);
}

/* Whether body is refused with a reason containing want. */
static bool refused(const char *body, uint8_t type, const char *want)
{
    struct agent_request r;
    char why[AGENT_WHY_MAX] = "";
    int rc = parse(body, type, &r, why);

    if (rc == 0) {
        agent_request_free(&r);
        fprintf(stderr, "accepted: %s\n", body);
        return false;
    }
    if (strstr(why, want) == NULL) {
        fprintf(stderr, "%s: '%s' lacks '%s'\n", body, why, want);
        return false;
    }
    return rc == AGENT_ERR_REQUEST;
}

static void test_request(void)
{
    struct agent_request r;
    char why[AGENT_WHY_MAX];

    /* "hello" */
    CHECK(parse("{\"credential\":\"aGVsbG8=\",\"name\":\"a.json\"}",
                ENTRY_ISSUE, &r, why) == 0);
    CHECK(r.len == 5 && memcmp(r.data, "hello", 5) == 0);
    CHECK(r.salt_policy == AGENT_SALT_RANDOM);
    CHECK(r.profile == CREDKEY_PROFILE_AUTO);
    CHECK(strcmp(r.name, "a.json") == 0);
    agent_request_free(&r);
    CHECK(parse("{\"credential\":\"aGVsbG8=\",\"salt\":\"none\",\"profile\":"
                "\"bytes\"}",
                ENTRY_ISSUE, &r, why) == 0);
    CHECK(r.salt_policy == AGENT_SALT_NONE &&
          r.profile == CREDKEY_PROFILE_BYTES);
    agent_request_free(&r);
    CHECK(parse("{\"credential\":\"aGVsbG8=\",\"salt\":"
                "\"000102030405060708090a0b0c0d0e0f\"}",
                ENTRY_ISSUE, &r, why) == 0);
    CHECK(r.salt_policy == AGENT_SALT_GIVEN && r.salt_len == 16 &&
          r.salt[15] == 0x0f);
    agent_request_free(&r);
    CHECK(parse("{\"credential\":\"aGVsbG8=\",\"reason\":\"withdrawn\"}",
                ENTRY_REVOKE, &r, why) == 0);
    CHECK(r.reason == ENTRY_REASON_WITHDRAWN &&
          r.salt_policy == AGENT_SALT_KNOWN);
    agent_request_free(&r);
    CHECK(parse("{\"key\":\"00000000000000000000000000000000000000000000000000"
                "00000000000001\",\"reason\":\"1\"}",
                ENTRY_REVOKE, &r, why) == 0);
    CHECK(r.have_key && r.key[31] == 1 && r.data == NULL && r.reason == 1);
    agent_request_free(&r);

    CHECK(refused("", ENTRY_ISSUE, "not JSON"));
    CHECK(refused("{\"credential\":", ENTRY_ISSUE, "not JSON"));
    CHECK(refused("[]", ENTRY_ISSUE, "object"));
    CHECK(refused("{}", ENTRY_ISSUE, "exactly one"));
    CHECK(refused("{\"credential\":\"aGVsbG8=\",\"key\":\"00\"}", ENTRY_ISSUE,
                  "key"));
    CHECK(refused("{\"credential\":\"aGVsbG8\"}", ENTRY_ISSUE, "base64"));
    CHECK(refused("{\"credential\":\"\"}", ENTRY_ISSUE, "base64"));
    CHECK(refused("{\"credential\":5}", ENTRY_ISSUE, "string"));
    CHECK(refused("{\"credential\":\"aGVsbG8=\",\"credential\":\"aGVsbG8=\"}",
                  ENTRY_ISSUE, "not JSON"));
    CHECK(refused("{\"credentail\":\"aGVsbG8=\"}", ENTRY_ISSUE, "credentail"));
    CHECK(refused("{\"credential\":\"aGVsbG8=\",\"profile\":\"xml\"}",
                  ENTRY_ISSUE, "profile"));
    CHECK(refused("{\"credential\":\"aGVsbG8=\",\"salt\":\"00\"}", ENTRY_ISSUE,
                  "salt"));
    CHECK(refused("{\"credential\":\"aGVsbG8=\",\"salt\":\"random\"}",
                  ENTRY_REVOKE, "for issue"));
    CHECK(refused("{\"credential\":\"aGVsbG8=\",\"reason\":\"withdrawn\"}",
                  ENTRY_ISSUE, "for revoke"));
    CHECK(refused("{\"credential\":\"aGVsbG8=\",\"reason\":\"misconduct\"}",
                  ENTRY_REVOKE, "reason"));
    CHECK(refused("{\"credential\":\"aGVsbG8=\",\"reason\":\"2\"}",
                  ENTRY_REVOKE, "reason"));
    CHECK(refused("{\"credential\":\"aGVsbG8=\",\"name\":\"../x\"}",
                  ENTRY_ISSUE, "name"));
    CHECK(refused("{\"key\":\"0000000000000000000000000000000000000000000000000"
                  "000000000000001\",\"profile\":\"json\"}",
                  ENTRY_ISSUE, "as it is"));
    CHECK(refused("{\"key\":\"0000000000000000000000000000000000000000000000000"
                  "000000000000001\",\"name\":\"a\"}",
                  ENTRY_ISSUE, "goes with"));
}

static const char good_config[] =
    "# comment\n"
    "institution uni.example\n"
    "log http://127.0.0.1:1\n"
    "log-key "
    "log.example+05de5f11+AXdhLsNefi4QvYUG4ckiw5YKRVUM1VOtu14rRJQuSZIA\n"
    "data /var/lib/x\r\n"
    "\n"
    "department math "
    "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08 "
    "math.key\n";

/* Whether text (after the good config unless alone) is refused with a
 * reason containing want. */
static bool text_refused(const char *extra, bool alone, const char *want)
{
    static struct agent_config c;
    char text[4096], why[AGENT_WHY_MAX] = "";

    snprintf(text, sizeof text, "%s%s", alone ? "" : good_config, extra);
    if (agent_config_parse(text, strlen(text), &c, why) == 0) {
        fprintf(stderr, "accepted: %s\n", extra);
        return false;
    }
    if (strstr(why, want) == NULL) {
        fprintf(stderr, "'%s' lacks '%s'\n", why, want);
        return false;
    }
    return true;
}

static bool config_refused(const char *extra, const char *want)
{
    return text_refused(extra, false, want);
}

static void test_config(void)
{
    static struct agent_config c;
    char why[AGENT_WHY_MAX];

    CHECK(agent_config_parse(good_config, strlen(good_config), &c, why) == 0);
    CHECK(strcmp(c.institution, "uni.example") == 0);
    CHECK(strcmp(c.data_dir, "/var/lib/x") == 0);
    CHECK(strcmp(c.listen, "127.0.0.1:8470") == 0);
    CHECK(c.linger_ms == AGENT_LINGER_MS_DEFAULT && c.ndepts == 1);
    CHECK(agent_config_department(&c, "test", 4) == 0);
    CHECK(agent_config_department(&c, "tesT", 4) == -1);
    CHECK(agent_config_department(&c, "", 0) == -1);

    CHECK(config_refused("frobnicate 1\n", "unknown keyword"));
    CHECK(config_refused("log http://127.0.0.1:2\n", "log given twice"));
    CHECK(config_refused("data /y\n", "data given twice"));
    CHECK(config_refused("linger-ms 1001\n", "linger-ms"));
    CHECK(config_refused("linger-ms x\n", "linger-ms"));
    CHECK(config_refused("department law sha256:00 k\n", "sha256"));
    CHECK(config_refused("department math "
                         "sha256:0000000000000000000000000000000000000000000000"
                         "000000000000000000 k\n",
                         "twice"));
    CHECK(config_refused("department law "
                         "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b82"
                         "2cd15d6c15b0f00a08 k\n",
                         "share a token"));
    CHECK(config_refused("department l/w "
                         "sha256:0000000000000000000000000000000000000000000000"
                         "000000000000000000 k\n",
                         "letters"));
    CHECK(text_refused("log ftp://x\n", true, "http"));
    CHECK(text_refused("log-key nonsense\n", true, "log-key: "));
    CHECK(config_refused("tls-cert a.pem\n", "go together"));
    CHECK(config_refused("webhook https://x/\n", "http://"));
    CHECK(text_refused("institution a b\n", true, "want"));
    CHECK(text_refused("department a b c d e\n", true, "too many words"));
    CHECK(agent_config_parse("institution x\n", 14, &c, why) != 0 &&
          strstr(why, "required") != NULL);
}

static void test_csv(void)
{
    const char *text = "a,b,c\r\n\"x,1\",\"say \"\"hi\"\"\",\n\nlast";
    struct agent_csv_row row;
    char why[AGENT_WHY_MAX];
    size_t pos = 0, len = strlen(text);

    CHECK(agent_csv_next(text, len, &pos, &row, why) == 1);
    CHECK(row.n == 3 && strcmp(row.field[2], "c") == 0);
    free(row.block);
    CHECK(agent_csv_next(text, len, &pos, &row, why) == 1);
    CHECK(row.n == 3 && strcmp(row.field[0], "x,1") == 0 &&
          strcmp(row.field[1], "say \"hi\"") == 0 && row.field[2][0] == '\0');
    free(row.block);
    CHECK(agent_csv_next(text, len, &pos, &row, why) == 1);
    CHECK(row.n == 1 && row.field[0][0] == '\0');
    free(row.block);
    CHECK(agent_csv_next(text, len, &pos, &row, why) == 1);
    CHECK(row.n == 1 && strcmp(row.field[0], "last") == 0);
    free(row.block);
    CHECK(agent_csv_next(text, len, &pos, &row, why) == 0);

    pos = 0;
    CHECK(agent_csv_next("\"open", 5, &pos, &row, why) == AGENT_ERR_REQUEST &&
          strstr(why, "quote") != NULL);
    pos = 0;
    CHECK(agent_csv_next(",,,,,,,,,,,,,,,,", 16, &pos, &row, why) ==
              AGENT_ERR_REQUEST &&
          strstr(why, "fields") != NULL);
    pos = 0;
    CHECK(agent_csv_next("a\0b", 3, &pos, &row, why) == AGENT_ERR_REQUEST);
}

int main(void)
{
    test_request();
    test_config();
    test_csv();
    return check_finish();
}
