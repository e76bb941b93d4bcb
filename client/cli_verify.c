/*
 * cli_verify.c: credlog verify and credlog status, the verifier's commands.
 * Both gather evidence (a receipt, a status proof fetched online or from a
 * bundle, a consistency proof) and let client_verdict() judge all of it.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "client/bundle.h"
#include "client/cli.h"
#include "client/cli_credential.h"
#include "client/witnessed.h"
#include "client/clock.h"
#include "client/files.h"
#include "client/keys.h"
#include "proofs/codec.h"

static const char verify_help[] =
    "usage: credlog verify --log-key VKEY FILE [--receipt R] [--log URL | "
    "--bundle B]\n"
    "                      [--profile P] [--max-age DURATION] "
    "[--witness-policy FILE]\n"
    "       credlog verify --log-key VKEY BUNDLE.credlog [--log URL]\n"
    "\n"
    "Checks a credential file and prints a verdict:\n"
    "  VALID       issued by <institution> on <date>, not revoked as of "
    "<date>\n"
    "  REVOKED     by whom, when and why\n"
    "  NOT ISSUED  the log has never seen this credential\n"
    "  INVALID     the evidence does not check out, with the reason\n"
    "\n"
    "The credential is looked up by its credkey/v1 key, which survives what "
    "real life\n"
    "does to it (re-serialized JSON, a new proof, fewer SD-JWT disclosures, "
    "a badge\n"
    "baked into another image), computed with the profile and salt of its "
    "receipt\n"
    "(--receipt R, the bundle, or FILE.receipt.json). Without a receipt, "
    "online, the\n"
    "unsalted key is looked up; a salted credential needs its receipt or "
    "bundle.\n"
    "Offline (no --log): checks that the receipt is an ISSUE entry for "
    "exactly that\n"
    "key, included in a checkpoint signed by the log key, and signed by a key "
    "the log\n"
    "had authorized for its issuer (the receipt's key and key proof). "
    "Revocation is\n"
    "not checked offline. Verdicts show the identity the log recorded for "
    "that key.\n"
    "With --log: also fetches the credential's status proof and verifies it\n"
    "completely (checkpoint signature, MAP entry, revocation map proof, issue "
    "and\n"
    "revoke entries with their signatures and keys), and that the log's "
    "current\n"
    "checkpoint is consistent with the receipt's. With --bundle: the same from "
    "a bundle saved by 'credlog "
    "status\n"
    "--save', with no network at all. A holder's bundle (credlog bundle) is "
    "verified\n"
    "alone: offline from what it holds, or with --log refreshed from the "
    "log.\n"
    "A status proof is as of its MAP entry's time. One older than --max-age, "
    "or\n"
    "dated more than 10 minutes ahead of this computer's clock, gives INVALID\n"
    "(a REVOKED answer stays REVOKED: a revocation is final). Verdicts from a\n"
    "bundle print the status proof's age; offline verdicts print how long ago\n"
    "the receipt's credential was issued (revocation unchecked since).\n"
    "\n"
    "  --log-key VKEY  the log's verifier key, or a file holding it (required\n"
    "                  unless pinned for --log URL)\n"
    "  --receipt R     the receipt (JSON or .tlog-proof); default "
    "FILE.receipt.json\n"
    "  --log URL       check revocation online\n"
    "  --bundle B      check revocation from a saved status bundle, or take "
    "the\n"
    "                  receipt and status proof from a holder's bundle\n"
    "  --profile P     compute the key under profile P (bytes, json, jws, "
    "ob2-hosted)\n"
    "                  instead of the receipt's\n"
    "  --max-age D     the oldest status proof to accept: a number of seconds, "
    "or a\n"
    "                  number with a unit s, m, h or d (3600, 90m, 24h, 7d), "
    "or\n"
    "                  none. Default: 24h with --log, 7d with a bundle\n"
    "  --witness-policy FILE  require the checkpoint to be cosigned by a "
    "quorum of\n"
    "                  witnesses (a C2SP tlog-policy file); a quorum of "
    "cosignatures\n"
    "                  younger than --max-age also makes the status fresh\n"
    "  --cacert FILE, --timeout S: as for issue\n"
    "  --json          machine-readable output\n"
    "\n"
    "Exit status: 0 VALID; 1 REVOKED or NOT ISSUED; 2 INVALID, usage or "
    "network error.\n";

static const char status_help[] =
    "usage: credlog status --log URL --log-key VKEY HEX|FILE [--save BUNDLE]\n"
    "                      [--max-age DURATION] [--witness-policy FILE]\n"
    "\n"
    "Fetches the status proof of a credential (by its key HEX, or by FILE's "
    "key, with\n"
    "the profile and salt of its receipt as for verify) and verifies it "
    "completely.\n"
    "If FILE.receipt.json exists (or --receipt is given) it\n"
    "is verified too, with a consistency proof linking its checkpoint to the "
    "current\n"
    "one. --save writes everything as a bundle that 'credlog verify --bundle' "
    "checks\n"
    "later with no network.\n"
    "\n"
    "  --log URL, --log-key VKEY, --receipt R, --cacert FILE, --timeout S: as "
    "for verify\n"
    "  --max-age D     as for verify (default 24h); an INVALID answer is not "
    "saved\n"
    "  --witness-policy FILE  as for verify\n"
    "  --save BUNDLE   write the verified evidence to BUNDLE\n"
    "  --json          machine-readable output\n"
    "\n"
    "Exit status: 0 active (VALID); 1 REVOKED or NOT ISSUED; 2 INVALID or "
    "error.\n";

/* The default --max-age of online checks (verify --log, status). A live logd
 * appends a MAP entry at least every --heartbeat (5 minutes by default), so
 * an honest answer is minutes old; a day leaves room for a log with a long
 * heartbeat, a few hours of downtime and skewed clocks, while an answer
 * replayed from before a revocation is refused after a day, as web PKI
 * bounds the life of an OCSP answer. docs/guide-verifiers.md says more. */
#define ONLINE_MAX_AGE_MS CLIENT_DAY_MS

/* The default --max-age of verify --bundle. A bundle is a status proof the
 * holder saved earlier; it says nothing of revocations after its MAP time.
 * A week lets a holder fetch a fresh one weekly (or before each
 * application) and bounds how long a revoked credential can keep showing
 * an old "active" bundle; --max-age none restores the unbounded check. */
#define BUNDLE_MAX_AGE_MS (7 * CLIENT_DAY_MS)

struct verify_opts {
    const char *cmd;
    const char *log_url, *log_key, *receipt, *bundle, *save;
    bool json;
    const char *max_age_arg;      /* --max-age as given, or NULL */
    uint64_t max_age_ms;          /* 0: no limit */
    const char *policy_path;      /* --witness-policy, or NULL */
    enum credkey_profile profile; /* --profile (AUTO: as recorded) */
    struct cli_net net;
};

static bool file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* Fetches the status proof and, when there is a receipt whose checkpoint size
 * differs, the consistency proof between the two checkpoints. */
static int fetch_online(const struct verify_opts *o,
                        const struct note_verifier *log, const uint8_t cred[32],
                        const struct client_receipt *r,
                        struct client_status_proof *sp,
                        uint8_t (*cons)[MERKLE_HASH_SIZE], size_t *cons_len,
                        bool *have_cons, uint64_t *from, uint64_t *to)
{
    struct client_api *api;
    struct checkpoint rc_cp, sp_cp;
    char why[CLIENT_REASON_MAX];
    int rc;

    *have_cons = false;
    if ((rc = cli_open_api(o->log_url, &o->net, &api)) != CLI_OK)
        return rc;
    if (client_api_status(api, cred, sp, why) != 0) {
        cli_error("%s", why);
        client_api_close(api);
        return CLI_ERROR;
    }
    /* Sizes come from verified checkpoints; if either does not verify, the
     * verdict reports it, so no proof is needed. */
    if (r != NULL &&
        client_verify_checkpoint(r->checkpoint, r->checkpoint_len, log, &rc_cp,
                                 NULL) == 0 &&
        client_verify_checkpoint(sp->checkpoint, sp->checkpoint_len, log,
                                 &sp_cp, NULL) == 0 &&
        rc_cp.size != sp_cp.size && rc_cp.size > 0 && sp_cp.size > 0) {
        *from = rc_cp.size < sp_cp.size ? rc_cp.size : sp_cp.size;
        *to = rc_cp.size < sp_cp.size ? sp_cp.size : rc_cp.size;
        if (client_api_consistency(api, *from, *to, cons, cons_len, why) != 0) {
            cli_error("%s", why);
            client_api_close(api);
            return CLI_ERROR;
        }
        *have_cons = true;
    }
    client_api_close(api);
    return CLI_OK;
}

/* How old the evidence a verdict rests on is, for verdicts that rest on a
 * saved file (a bundle, or a receipt offline): a bundle's status proof is as
 * of its MAP entry's time; an offline receipt says nothing after the issue
 * time. Online answers are minutes old (--max-age judges them). */
static void output_age(const struct verify_opts *o,
                       const struct client_verdict *v, uint64_t now_ms,
                       json_t *j)
{
    char age[64], limit[64];
    uint64_t at;

    if (v->kind == CLIENT_VERDICT_INVALID || o->log_url != NULL)
        return;
    at = v->status_checked ? v->as_of_ms : v->issued_ms;
    client_duration_format(now_ms > at ? now_ms - at : 0, age, sizeof age);
    if (o->max_age_ms > 0)
        client_duration_format(o->max_age_ms, limit, sizeof limit);
    else
        snprintf(limit, sizeof limit, "none");
    if (j != NULL) {
        json_object_set_new(
            j, v->status_checked ? "status_age_ms" : "receipt_age_ms",
            json_integer((json_int_t)(now_ms > at ? now_ms - at : 0)));
        if (v->status_checked)
            json_object_set_new(j, "bundle", json_string(o->bundle));
    } else if (v->status_checked) {
        printf("  status proof from the bundle %s: %s old (--max-age %s)\n",
               o->bundle, age, limit);
    } else {
        printf("  receipt: issued %s ago; revocation not checked since\n", age);
    }
}

static int output(const struct verify_opts *o, const struct client_verdict *v,
                  const char *label, uint64_t now_ms, const char *hint)
{
    if (o->json) {
        json_t *j = cli_verdict_json(v);
        if (label != NULL)
            json_object_set_new(j, "file", json_string(label));
        if (hint != NULL)
            json_object_set_new(j, "hint", json_string(hint));
        output_age(o, v, now_ms, j);
        cli_print_json(j);
    } else {
        cli_verdict_print(v, label);
        if (hint != NULL)
            printf("  %s\n", hint);
        output_age(o, v, now_ms, NULL);
    }
    return client_verdict_exit_code(v->kind);
}

/* Not in the log under its unsalted key: perhaps it was logged before
 * credkey/v1, under the SHA-256 of its bytes (F.7). On a verdict other than
 * NOT ISSUED for that key, *v, *sp and ev take its answer; otherwise they
 * keep the first. Returns CLI_OK or CLI_ERROR (network, printed). */
static int retry_legacy(const struct verify_opts *o,
                        const struct note_verifier *log,
                        const struct cli_credential *cc, uint8_t cred[32],
                        struct client_status_proof *sp,
                        struct client_evidence *ev, struct client_verdict *v)
{
    static struct client_status_proof sp2; /* large: keep off the stack */
    static uint8_t cons2[MERKLE_MAX_PROOF][MERKLE_HASH_SIZE];
    struct client_evidence ev2 = *ev;
    struct client_verdict v2;
    uint64_t from, to;
    size_t cons_len = 0;
    bool have_cons;
    int rc;

    rc = fetch_online(o, log, cc->legacy_key, NULL, &sp2, cons2, &cons_len,
                      &have_cons, &from, &to);
    if (rc != CLI_OK)
        return rc;
    ev2.status = &sp2;
    client_verdict(log, cc->legacy_key, &ev2, &v2);
    if (v2.kind == CLIENT_VERDICT_NOT_ISSUED) {
        client_status_proof_free(&sp2);
        return CLI_OK;
    }
    client_status_proof_free(sp);
    *sp = sp2;
    memset(&sp2, 0, sizeof sp2);
    *v = v2;
    memcpy(cred, cc->legacy_key, 32);
    return CLI_OK;
}

/* The common flow: credential key, evidence, verdict, optional bundle. */
static int run(const struct verify_opts *opts, const char *target,
               bool target_is_hash)
{
    static struct client_status_proof sp; /* large: keep off the stack */
    static struct client_bundle bundle;
    static uint8_t cons[MERKLE_MAX_PROOF][MERKLE_HASH_SIZE];
    struct verify_opts eff = *opts, *o = &eff;
    struct cli_credential cc;
    const struct client_receipt *receipt = NULL;
    struct client_evidence ev = {0};
    struct client_verdict v;
    struct note_verifier log;
    char why[CLIENT_REASON_MAX];
    const char *hint = NULL;
    uint8_t cred[32];
    uint64_t from = 0, to = 0;
    size_t cons_len = 0;
    bool have_sp = false, have_bundle = false, have_cons = false;
    int rc;

    memset(&cc, 0, sizeof cc);
    if (o->max_age_arg != NULL && o->log_url == NULL && o->bundle == NULL &&
        (target_is_hash || !cli_credential_is_bundle(target)))
        return cli_usage(o->cmd, "--max-age judges a status proof: give --log "
                                 "or --bundle too");
    if ((rc = cli_log_key(o->log_url, o->log_key, o->json, NULL, &log)) !=
        CLI_OK)
        return rc;
    if (target_is_hash) {
        if (cli_parse_hash(target, cred) != 0)
            return cli_usage(o->cmd,
                             "'%s' is neither a file nor a 64-digit hex hash",
                             target);
    } else {
        /* The credential's key, with the receipt and bundle found beside
         * it (docs/protocol.md F.7): cli_credential.c. */
        rc = cli_credential_load(o->cmd, target, o->receipt, o->bundle,
                                 o->profile, o->log_url == NULL, &cc);
        if (rc != CLI_OK)
            return rc;
        memcpy(cred, cc.key, sizeof cred);
        receipt = cc.have_receipt     ? &cc.receipt
                  : cc.bundle != NULL ? &cc.bundle->receipt
                                      : NULL;
        if (cc.bundle != NULL && o->bundle == NULL && o->log_url == NULL) {
            /* The target is a credlog-bundle/v1, judged as a bundle. */
            o->bundle = target;
            if (o->max_age_arg == NULL)
                o->max_age_ms = BUNDLE_MAX_AGE_MS;
        }
    }

    if (cc.bundle != NULL && o->log_url == NULL) {
        /* A credlog-bundle/v1's own status proof, if any (E.3.1). */
        if (cc.bundle->has_status) {
            ev.status = &cc.bundle->status;
            ev.have_consistency = cc.bundle->has_consistency;
            ev.consistency =
                (const uint8_t(*)[MERKLE_HASH_SIZE])cc.bundle->consistency;
            ev.consistency_len = cc.bundle->consistency_len;
        }
    } else if (o->bundle != NULL) {
        char *text;
        size_t len;
        if (client_read_file(o->bundle, 64 << 20, &text, &len, why) != 0) {
            cli_error("%s", why);
            rc = CLI_ERROR;
            goto done;
        }
        rc = client_bundle_parse(text, len, &bundle, why);
        free(text);
        if (rc != 0) {
            cli_error("%s: %s", o->bundle, why);
            rc = CLI_ERROR;
            goto done;
        }
        have_bundle = true;
        ev.status = &bundle.status;
        if (bundle.has_receipt && receipt == NULL) {
            ev.receipt = &bundle.receipt;
            ev.have_consistency = bundle.has_consistency;
            ev.consistency =
                (const uint8_t(*)[MERKLE_HASH_SIZE])bundle.consistency;
            ev.consistency_len = bundle.consistency_len;
        }
    } else if (o->log_url != NULL) {
        rc = fetch_online(o, &log, cred, receipt, &sp, cons, &cons_len,
                          &have_cons, &from, &to);
        if (rc != CLI_OK)
            goto done;
        have_sp = true;
        ev.status = &sp;
        ev.have_consistency = have_cons;
        ev.consistency = (const uint8_t(*)[MERKLE_HASH_SIZE])cons;
        ev.consistency_len = cons_len;
    }
    if (receipt != NULL)
        ev.receipt = receipt;

    uint64_t now = client_clock_now_ms();
    client_verdict(&log, cred, &ev, &v);
    if (v.kind == CLIENT_VERDICT_NOT_ISSUED && have_sp && cc.try_legacy &&
        (rc = retry_legacy(o, &log, &cc, cred, &sp, &ev, &v)) != CLI_OK)
        goto done;
    if (!target_is_hash)
        /* The credential's own issuer against the key's identity (§E.5). */
        client_verdict_check_issuer(
            &v, cc.data, cc.len,
            cc.credkey.known ? cc.credkey.profile : CREDKEY_PROFILE_AUTO,
            !cc.credkey.known && memcmp(cred, cc.legacy_key, 32) == 0);
    if (o->policy_path != NULL) {
        static struct policy policy; /* large: keep off the stack */

        if (client_policy_read(o->policy_path, &policy, why) != 0) {
            cli_error("%s", why);
            rc = CLI_ERROR;
            goto done;
        }
        client_verdict_check_policy(&v, &ev, &log, &policy);
    }
    client_verdict_check_age(&v, now, o->max_age_ms);
    if (v.kind == CLIENT_VERDICT_NOT_ISSUED && !target_is_hash)
        hint = cli_credential_hint(&cc);
    rc = output(o, &v, target_is_hash ? NULL : target, now, hint);

    if (o->save != NULL && have_sp) {
        char *text = NULL;
        if (v.kind == CLIENT_VERDICT_INVALID) {
            cli_error("not saving %s: the verdict is INVALID", o->save);
            rc = CLI_ERROR;
        } else if (client_bundle_format(
                       &sp, receipt,
                       have_cons ? (const uint8_t(*)[MERKLE_HASH_SIZE])cons
                                 : NULL,
                       cons_len, from, to, &text) != 0 ||
                   cli_credential_annotate(
                       &text, receipt != NULL ? &cc.credkey : NULL) != 0 ||
                   client_write_file_atomic(o->save, text, strlen(text), 0644,
                                            why) != 0) {
            cli_error("cannot save %s: %s", o->save, why);
            rc = CLI_ERROR;
        } else {
            if (!o->json)
                fprintf(stderr, "saved the verified status proof to %s\n",
                        o->save);
        }
        free(text);
    }
done:
    if (have_sp)
        client_status_proof_free(&sp);
    if (have_bundle)
        client_bundle_free(&bundle);
    cli_credential_free(&cc);
    return rc;
}

static int parse(struct verify_opts *o, bool status, int argc, char **argv,
                 const char **target)
{
    static const struct option opts[] = {
        {"log", required_argument, NULL, 'l'},
        {"log-key", required_argument, NULL, 'K'},
        {"receipt", required_argument, NULL, 'r'},
        {"bundle", required_argument, NULL, 'b'},
        {"save", required_argument, NULL, 's'},
        {"cacert", required_argument, NULL, 'c'},
        {"timeout", required_argument, NULL, 't'},
        {"json", no_argument, NULL, 'j'},
        {"max-age", required_argument, NULL, 'a'},
        {"witness-policy", required_argument, NULL, 'W'},
        {"profile", required_argument, NULL, 'p'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    unsigned long v;
    int c;

    memset(o, 0, sizeof *o);
    o->cmd = status ? "status" : "verify";
    optind = 0;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'l':
            o->log_url = optarg;
            break;
        case 'K':
            o->log_key = optarg;
            break;
        case 'r':
            o->receipt = optarg;
            break;
        case 'b':
            if (status)
                return cli_usage(
                    o->cmd,
                    "--bundle is for verify (status --save writes one)");
            o->bundle = optarg;
            break;
        case 's':
            if (!status)
                return cli_usage(o->cmd, "--save is for status");
            o->save = optarg;
            break;
        case 'c':
            o->net.cacert = optarg;
            break;
        case 't':
            if (cli_parse_uint(optarg, 3600, &v) != 0 || v == 0)
                return cli_usage(o->cmd, "--timeout wants 1..3600 seconds");
            o->net.timeout = (int)v;
            break;
        case 'j':
            o->json = true;
            break;
        case 'a':
            if (strcmp(optarg, "none") != 0 &&
                client_duration_parse(optarg, &o->max_age_ms) != 0)
                return cli_usage(
                    o->cmd,
                    "--max-age wants a duration such as 3600, 90m, 24h or 7d "
                    "(or none), not '%s'",
                    optarg);
            o->max_age_arg = optarg;
            break;
        case 'W':
            o->policy_path = optarg;
            break;
        case 'p':
            if (credkey_profile_parse(optarg, &o->profile) != 0)
                return cli_usage(o->cmd,
                                 "unknown profile '%s' (auto, bytes, json, "
                                 "jws, ob2-hosted)",
                                 optarg);
            break;
        case 'h':
            fputs(status ? status_help : verify_help, stdout);
            return -1;
        default:
            return cli_usage(o->cmd, "bad option");
        }
    }
    if (argc - optind != 1)
        return cli_usage(o->cmd, "give exactly one %s",
                         status ? "HEX or FILE" : "FILE");
    *target = argv[optind];
    if (status && (o->log_url == NULL || o->log_key == NULL))
        return cli_usage(o->cmd, "--log and --log-key are required");
    if (!status && o->log_key == NULL && o->log_url == NULL)
        return cli_usage(o->cmd, "--log-key is required");
    if (o->bundle != NULL && o->log_url != NULL)
        return cli_usage(o->cmd, "give --log or --bundle, not both");
    if (o->max_age_arg == NULL && o->log_url != NULL)
        o->max_age_ms = ONLINE_MAX_AGE_MS;
    if (o->max_age_arg == NULL && o->bundle != NULL)
        o->max_age_ms = BUNDLE_MAX_AGE_MS;
    return CLI_OK;
}

int cli_verify(int argc, char **argv)
{
    struct verify_opts o;
    const char *target = NULL;
    int rc = parse(&o, false, argc, argv, &target);

    if (rc != CLI_OK)
        return rc < 0 ? CLI_OK : rc;
    return run(&o, target, false);
}

int cli_status(int argc, char **argv)
{
    struct verify_opts o;
    const char *target = NULL;
    int rc = parse(&o, true, argc, argv, &target);
    bool is_hash;

    if (rc != CLI_OK)
        return rc < 0 ? CLI_OK : rc;
    is_hash = !file_exists(target) && strlen(target) == 64;
    if (!is_hash && !file_exists(target)) {
        cli_error("%s: no such file, and not a 64-digit hex hash", target);
        return CLI_ERROR;
    }
    return run(&o, target, is_hash);
}
