/*
 * test_witness_policy.c: a verifier's witness policy end to end
 * (docs/witness.md): a real logd issues a receipt, three real `credlog
 * witness` processes cosign its checkpoint (the test pushes it, as logd's
 * push will), and `credlog verify --witness-policy` with a 2-of-3 policy
 * accepts the receipt only with two valid cosignatures, naming the missing
 * witnesses otherwise; a forged cosignature, a policy for another log, and
 * an online status proof whose checkpoint nobody cosigned are INVALID.
 */
#include "check.h"
#include "credlog_run.h"
#include "files.h"
#include "logd_proc.h"
#include "logd_raw.h"
#include "witness_proc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "proofs/cosignature.h"

#pragma GCC diagnostic ignored "-Wformat-truncation"

static char dir[512];
static struct witness_proc wit[3];
static char lines[3][COSIGNATURE_LINE_MAX + 1];

/* Writes receipt src with the cosignature lines of the witnesses in mask
 * appended to its checkpoint, as dst. */
static void receipt_with(const char *src, const char *dst, unsigned mask,
                         bool forge)
{
    json_error_t err;
    json_t *r = json_load_file(src, 0, &err);
    char note[8192];

    if (r == NULL)
        abort();
    snprintf(note, sizeof note, "%s",
             json_string_value(json_object_get(r, "checkpoint")));
    for (int i = 0; i < 3; i++)
        if (mask & (1u << i)) {
            size_t at = strlen(note);

            strncat(note, lines[i], sizeof note - strlen(note) - 1);
            if (forge) {
                char *c = note + at + strlen(lines[i]) - 10;

                *c = *c == 'A' ? 'B' : 'A';
            }
        }
    json_object_set_new(r, "checkpoint", json_string(note));
    if (json_dump_file(r, dst, 0) != 0)
        abort();
    json_decref(r);
}

static void write_policy(const char *path, const char *log_vkey)
{
    char text[4096];

    snprintf(text, sizeof text,
             "# two of three witnesses\nlog %s\n"
             "witness w1 %s\nwitness w2 %s\nwitness w3 %s\n"
             "group two 2 w1 w2 w3\nquorum two\n",
             log_vkey, wit[0].vkey, wit[1].vkey, wit[2].vkey);
    files_write(path, text, strlen(text));
}

static void run(void)
{
    static struct logd_proc p, other;
    struct note_verifier issuer;
    struct credlog_run r;
    char key_prefix[700], key_file[720], cred[700], receipt[720], copy[720];
    char policy[700], other_policy[700], logs[1024], state[700], tproof[720],
        *text;
    json_t *rj;

    snprintf(key_prefix, sizeof key_prefix, "%s/avans", dir);
    snprintf(key_file, sizeof key_file, "%s.key", key_prefix);
    CREDLOG_RUN(&r, "keygen", "--name", "avans.nl", "--out", key_prefix);
    CREDLOG_EXPECT(&r, 0, "verifier key: avans.nl+");
    credlog_run_free(&r);
    snprintf(cred, sizeof cred, "%s/avans.vkey", dir);
    text = files_read(cred, NULL);
    REQUIRE(text != NULL &&
            note_verifier_parse(text, strlen(text), &issuer) == 0);
    free(text);
    REQUIRE(logd_proc_init(&p, "log.witnessed.test", &issuer, 1) == 0);
    REQUIRE(logd_proc_start(&p, NULL) == 0);
    REQUIRE(logd_proc_init(&other, "log.witnessed.test", &issuer, 1) == 0);

    snprintf(cred, sizeof cred, "%s/badge.json", dir);
    files_write(cred, "{\"badge\":\"Merkle trees 101\",\"id\":\"9f1\"}\n", 40);
    CREDLOG_RUN(&r, "issue", "--log", p.url, "--key", key_file, "--log-key",
                p.vkey_path, cred);
    CREDLOG_EXPECT(&r, 0, "issued");
    credlog_run_free(&r);
    snprintf(receipt, sizeof receipt, "%s.receipt.json", cred);
    snprintf(copy, sizeof copy, "%s/plain.receipt.json", dir);
    REQUIRE(files_exists(receipt));
    rename(receipt, copy);

    /* Three witnesses follow the log and cosign the receipt's checkpoint. */
    snprintf(logs, sizeof logs, "logs/v0\nvkey %s\nqpd 86400\n", p.log_vkey);
    for (int i = 0; i < 3; i++) {
        char name[32];

        snprintf(name, sizeof name, "w%d.witness.test", i + 1);
        REQUIRE(witness_proc_init(&wit[i], name) == 0);
        REQUIRE(witness_proc_write_logs(&wit[i], logs) == 0);
        REQUIRE(witness_proc_start(&wit[i]) == 0);
    }
    rj = json_load_file(copy, 0, NULL);
    REQUIRE(rj != NULL);
    for (int i = 0; i < 3; i++)
        CHECK(witness_proc_push_new(
                  &wit[i], json_string_value(json_object_get(rj, "checkpoint")),
                  lines[i], sizeof lines[i]) == 200);
    json_decref(rj);

    snprintf(policy, sizeof policy, "%s/policy", dir);
    write_policy(policy, p.log_vkey);

    /* No cosignature, then one: INVALID, naming the missing witnesses. */
    receipt_with(copy, receipt, 0, false);
    CREDLOG_RUN(&r, "verify", "--log-key", p.log_vkey, "--witness-policy",
                policy, cred);
    CREDLOG_EXPECT(&r, 2, "not cosigned by: w1, w2, w3");
    credlog_run_free(&r);
    receipt_with(copy, receipt, 1, false);
    CREDLOG_RUN(&r, "verify", "--log-key", p.log_vkey, "--witness-policy",
                policy, cred);
    CREDLOG_EXPECT(&r, 2, "not cosigned by: w2, w3");
    credlog_run_free(&r);

    /* Two of three: VALID, and said so; all three too. */
    receipt_with(copy, receipt, 5, false);
    CREDLOG_RUN(&r, "verify", "--log-key", p.log_vkey, "--witness-policy",
                policy, cred);
    CREDLOG_EXPECT(&r, 0, "cosigned by the witness policy's quorum");
    credlog_run_free(&r);
    CREDLOG_RUN(&r, "verify", "--log-key", p.log_vkey, "--witness-policy",
                policy, "--json", cred);
    CREDLOG_EXPECT(&r, 0, "\"witnessed\": true");
    credlog_run_free(&r);
    receipt_with(copy, receipt, 7, false);
    CREDLOG_RUN(&r, "verify", "--log-key", p.log_vkey, "--witness-policy",
                policy, cred);
    CREDLOG_EXPECT(&r, 0, "VALID");
    credlog_run_free(&r);
    /* Without the policy the same receipt is VALID but not witnessed. */
    CREDLOG_RUN(&r, "verify", "--log-key", p.log_vkey, cred);
    CHECK(r.status == 0 && !credlog_run_has(&r, "cosigned by"));
    credlog_run_free(&r);

    /* A tlog-proof export under the policy carries the cosignatures in its
     * checkpoint, and is refused for a receipt the quorum did not cosign. */
    snprintf(tproof, sizeof tproof, "%s/cosigned.tlog-proof", dir);
    CREDLOG_RUN(&r, "receipt", "--tlog-proof", "--log-key", p.log_vkey,
                "--witness-policy", policy, "--out", tproof, receipt);
    CREDLOG_EXPECT(&r, 0, "wrote");
    credlog_run_free(&r);
    for (int i = 0; i < 3; i++)
        CHECK(files_contain(tproof, lines[i]));
    receipt_with(copy, receipt, 1, false);
    CREDLOG_RUN(&r, "receipt", "--tlog-proof", "--log-key", p.log_vkey,
                "--witness-policy", policy, "--out", tproof, receipt);
    CREDLOG_EXPECT(&r, 2, "not cosigned by: w2, w3");
    credlog_run_free(&r);
    CREDLOG_RUN(&r, "receipt", "--tlog-proof", "--witness-policy", policy,
                "--out", tproof, receipt);
    CREDLOG_EXPECT(&r, 2, "--witness-policy needs --log-key");
    credlog_run_free(&r);

    /* A forged cosignature line breaks the checkpoint note. */
    receipt_with(copy, receipt, 5, true);
    CREDLOG_RUN(&r, "verify", "--log-key", p.log_vkey, "--witness-policy",
                policy, cred);
    CREDLOG_EXPECT(&r, 2, "INVALID");
    credlog_run_free(&r);

    /* A policy for another log's key refuses this log. */
    snprintf(other_policy, sizeof other_policy, "%s/other-policy", dir);
    write_policy(other_policy, other.log_vkey);
    receipt_with(copy, receipt, 7, false);
    CREDLOG_RUN(&r, "verify", "--log-key", p.log_vkey, "--witness-policy",
                other_policy, cred);
    CREDLOG_EXPECT(&r, 2, "not one of the witness policy's logs");
    credlog_run_free(&r);

    /* Online, logd's current checkpoint carries no cosignatures (nobody
     * pushed it): the policy fails closed. */
    CREDLOG_RUN(&r, "verify", "--log-key", p.log_vkey, "--log", p.url,
                "--witness-policy", policy, cred);
    CREDLOG_EXPECT(&r, 2, "lacks the witness policy's quorum");
    credlog_run_free(&r);
    /* So does a monitor: the checkpoint is an ALERT naming the witnesses,
     * and nothing is judged; without the policy the same log checks out. */
    snprintf(state, sizeof state, "%s/monitor-state", dir);
    CREDLOG_RUN(&r, "monitor", "--log", p.url, "--log-key", p.log_vkey,
                "--state", state, "--once", "--witness-policy", policy);
    CREDLOG_EXPECT(&r, 1, "does not meet the witness policy");
    CHECK(credlog_run_has(&r, "not cosigned by: w1, w2, w3"));
    credlog_run_free(&r);
    CREDLOG_RUN(&r, "monitor", "--log", p.url, "--log-key", p.log_vkey,
                "--state", state, "--once");
    CREDLOG_EXPECT(&r, 0, "check out");
    credlog_run_free(&r);
    /* A malformed policy file is a usage error with its line. */
    files_write(other_policy, "quorum nobody\n", 14);
    CREDLOG_RUN(&r, "verify", "--log-key", p.log_vkey, "--witness-policy",
                other_policy, cred);
    CREDLOG_EXPECT(&r, 2, "other-policy:1:");
    credlog_run_free(&r);
    CREDLOG_RUN(&r, "monitor", "--log", p.url, "--log-key", p.log_vkey,
                "--state", state, "--once", "--witness-policy", other_policy);
    CREDLOG_EXPECT(&r, 2, "other-policy:1:");
    credlog_run_free(&r);

    for (int i = 0; i < 3; i++)
        witness_proc_cleanup(&wit[i]);
    logd_proc_cleanup(&p);
    logd_proc_cleanup(&other);
}

int main(void)
{
    credlog_run_require();
    logd_proc_require();
    files_tmpdir(dir, sizeof dir, "witness-policy");
    snprintf(credlog_run_home, sizeof credlog_run_home, "%s", dir);
    run();
    if (getenv("CREDLOG_KEEP_TMP") == NULL)
        files_rmtree(dir);
    return check_finish();
}
