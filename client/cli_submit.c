/*
 * cli_submit.c: credlog issue and credlog revoke. Both hash the credentials,
 * sign one entry each with the issuer key, submit them in batches, verify
 * every receipt against the log key, and keep the receipts.
 */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "client/cli.h"
#include "client/cli_credential.h"
#include "client/clock.h"
#include "client/files.h"
#include "client/keys.h"
#include "client/submit.h"
#include "client/witnessed.h"
#include "proofs/codec.h"

enum item_state {
    ITEM_PENDING,
    ITEM_DONE,
    ITEM_EXISTING,
    ITEM_REFUSED,
    ITEM_ERROR,
    ITEM_REVOKED /* issue: already issued, and revoked since */
};

static const char *const state_names[] = {"pending", "logged", "existing",
                                          "refused", "error",  "revoked"};

struct item {
    const char *arg; /* the FILE or HEX given */
    bool is_file;
    uint8_t cred[32];
    struct client_credkey credkey; /* a FILE's profile and salt */
    struct entry sent;
    enum item_state state;
    char msg[2 * CLIENT_REASON_MAX];
    struct client_receipt receipt;
    char receipt_path[PATH_MAX];
    bool keep_later; /* verified; kept once a cosigned checkpoint covers it */
};

struct submit_opts {
    uint8_t type; /* ENTRY_ISSUE or ENTRY_REVOKE */
    const char *cmd;
    const char *log_url, *key_file, *log_key;
    bool by_hash, json, no_salt;
    enum credkey_profile profile;
    const char *receipt; /* revoke --receipt */
    uint8_t reason;
    struct cli_net net;
    uint64_t wait_ms;        /* --wait-cosigned, 0 without */
    const char *wait_arg;    /* as given */
    const char *policy_path; /* --witness-policy, or NULL */
    struct policy *policy;   /* read from it */
};

static const char issue_help[] =
    "usage: credlog issue --log URL --key ISSUER.key [--log-key VKEY]\n"
    "                     [--profile P] [--no-salt] FILE...\n"
    "       credlog issue --log URL --key ISSUER.key [--log-key VKEY] --hash "
    "HEX...\n"
    "\n"
    "Logs credentials: computes each FILE's credkey/v1 key (the key survives "
    "what\n"
    "wallets and issuers do to a credential: re-serialized JSON, a new "
    "proof, fewer\n"
    "SD-JWT disclosures, a badge baked into another image), under a fresh "
    "random\n"
    "16-byte salt, signs an ISSUE entry with the issuer key, submits them (up "
    "to 1000\n"
    "per request), verifies every receipt (inclusion proof and checkpoint "
    "signature\n"
    "by the log key) and writes FILE.receipt.json beside each file, with the "
    "profile\n"
    "and the salt. Hand the holder the receipt with the credential (or a "
    "bundle:\n"
    "credlog bundle): without its salt a salted credential cannot be found in "
    "the\n"
    "log. With --hash, the arguments are keys computed elsewhere and the "
    "receipts are\n"
    "printed (one JSON object per line). Re-running is safe: with "
    "FILE.receipt.json\n"
    "beside it, a credential keeps its salt and comes back with its existing\n"
    "receipt. A credential that was issued and then revoked is not issued "
    "again: it\n"
    "is reported as revoked (with the REVOKE entry's index), no receipt is "
    "written,\n"
    "and the exit status is 3.\n"
    "\n"
    "  --log URL       the log (http:// or https://)\n"
    "  --key FILE|URI  the issuer signer key (from credlog keygen), or a "
    "pkcs11: URI\n"
    "                  naming it in a PKCS#11 token\n"
    "  --log-key VKEY  the log's verifier key, or a file holding it; pinned "
    "for URL\n"
    "                  on first use in $XDG_CONFIG_HOME/credlog (or "
    "~/.config/credlog).\n"
    "                  Without it: the key pinned for URL, or else the key the "
    "log\n"
    "                  serves (GET /v1/log-key), pinned with a notice (trust "
    "on\n"
    "                  first use). A log that signs with another key than the\n"
    "                  pinned one is refused before anything is submitted.\n"
    "  --profile P     auto (default), bytes, json, jws or ob2-hosted (see "
    "credlog key)\n"
    "  --no-salt       log the unsalted key: anyone who can guess the "
    "credential's\n"
    "                  content can then confirm the guess (docs/privacy.md)\n"
    "  --hash          the arguments are hex keys, not files\n"
    "  --cacert FILE   CA certificates for https (default: the system store)\n"
    "  --timeout S     seconds per request (default 30)\n"
    "  --json          machine-readable output\n"
    "  --wait-cosigned DURATION\n"
    "                  wait (up to DURATION: 90s, 5m) until a checkpoint "
    "cosigned\n"
    "                  by witnesses covers the new entries, and write "
    "receipts that\n"
    "                  carry it (with the inclusion proof in it). Without it "
    "in\n"
    "                  time the receipts carry the log's signature only and "
    "the\n"
    "                  exit status is 2.\n"
    "  --witness-policy FILE\n"
    "                  with --wait-cosigned: the checkpoint must meet this "
    "C2SP\n"
    "                  tlog-policy's quorum (without it: any cosignature "
    "line,\n"
    "                  which cannot be checked without the witnesses' keys)\n"
    "\n"
    "Exit status: 0 all logged; 1 the log refused some; 2 usage, network or "
    "proof error,\n"
    "or a FILE credkey/v1 refuses (nothing is submitted); 3 some were issued "
    "before and\n"
    "are revoked (2 wins over 3, 3 over 1).\n";

static const char revoke_help[] =
    "usage: credlog revoke --log URL --key ISSUER.key [--reason CODE]\n"
    "                      [--receipt R | --no-salt [--profile P]] FILE...\n"
    "       credlog revoke --log URL --key ISSUER.key [--reason CODE] --hash "
    "HEX...\n"
    "\n"
    "Revokes credentials your institution issued: finds each FILE's key with "
    "the\n"
    "profile and salt of its receipt (FILE.receipt.json, or --receipt R for "
    "one\n"
    "FILE), signs a REVOKE entry for each, submits, verifies every receipt, "
    "and\n"
    "writes FILE.revocation.json beside each file (or prints the receipts for "
    "--hash).\n"
    "Revoking twice returns the first revocation's receipt.\n"
    "\n"
    "  --reason CODE   a name or its number: unspecified (0, default),\n"
    "                  issued_in_error (1), superseded (3), withdrawn (4)\n"
    "                  (misconduct, 2, is retired)\n"
    "  --receipt R     the receipt of the one FILE (default "
    "FILE.receipt.json)\n"
    "  --no-salt       the FILE was issued unsalted: no receipt needed\n"
    "  --profile P     the profile (default: the receipt's, or auto)\n"
    "  --log, --key, --log-key, --hash, --cacert, --timeout, --json,\n"
    "  --wait-cosigned, --witness-policy: as for issue\n"
    "\n"
    "Exit status: 0 all revoked; 1 the log refused some (for example never "
    "issued,\n"
    "or issued by another institution); 2 usage, network or proof error, or "
    "a FILE\n"
    "without its receipt.\n";

/* Parses a reason name or number into *out, which the caller sets to
 * UINT8_MAX first. Returns 0, -1 (unknown) or -2 (the retired misconduct). */
static int parse_reason(const char *s, uint8_t *out)
{
    unsigned long v;

    for (unsigned r = 0; r <= ENTRY_REASON_MAX; r++)
        if (strcmp(s, entry_reason_name((uint8_t)r)) == 0) {
            *out = (uint8_t)r;
            break;
        }
    if (*out == UINT8_MAX) {
        if (cli_parse_uint(s, ENTRY_REASON_MAX, &v) != 0)
            return -1;
        *out = (uint8_t)v;
    }
    /* Retired: a reason code says something about the holder, and the log
     * is public (docs/protocol.md B.6.2). */
    return *out == ENTRY_REASON_MISCONDUCT ? -2 : 0;
}

static uint64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Writes the receipt beside the file, or prints it for --hash. */
static int keep_receipt(const struct submit_opts *o, struct item *it)
{
    char why[CLIENT_REASON_MAX], *text;
    json_t *j = client_receipt_file_json(&it->receipt, it->cred, &it->credkey);
    int rc = 0;

    if (j == NULL)
        return CLIENT_ERR_NOMEM;
    if (!it->is_file) {
        if (!o->json) {
            text = json_dumps(j, JSON_COMPACT);
            puts(text);
            free(text);
        }
        json_decref(j);
        return 0;
    }
    snprintf(it->receipt_path, sizeof it->receipt_path, "%s.%s", it->arg,
             o->type == ENTRY_ISSUE ? "receipt.json" : "revocation.json");
    text = json_dumps(j, JSON_INDENT(2));
    json_decref(j);
    if (text == NULL)
        return CLIENT_ERR_NOMEM;
    size_t len = strlen(text);
    text[len] = '\n'; /* json_dumps leaves room: replace the NUL, write len+1 */
    rc = client_write_file_atomic(it->receipt_path, text, len + 1, 0644, why);
    free(text);
    if (rc != 0) {
        it->state = ITEM_ERROR;
        snprintf(it->msg, sizeof it->msg, "receipt verified but not saved: %s",
                 why);
    }
    return rc;
}

/* Checks one receipt and keeps it. */
static void accept_receipt(const struct submit_opts *o,
                           const struct note_verifier *log,
                           struct client_checkpoint_memo *memo, struct item *it)
{
    struct client_receipt_check chk;
    char why[CLIENT_REASON_MAX];

    if (client_verify_receipt_memo(&it->receipt, log, o->type, it->cred,
                                   it->sent.issuer, memo, &chk, why) != 0) {
        it->state = ITEM_ERROR;
        snprintf(it->msg, sizeof it->msg,
                 "the log's receipt does not verify: %s", why);
        return;
    }
    it->state = chk.entry.timestamp_ms == it->sent.timestamp_ms &&
                        memcmp(chk.entry.signature, it->sent.signature, 64) == 0
                    ? ITEM_DONE
                    : ITEM_EXISTING;
    /* A revoked credential's ISSUE receipt is not kept: verified offline it
     * would say VALID. */
    if (it->state == ITEM_EXISTING && o->type == ENTRY_ISSUE &&
        it->receipt.revoked) {
        it->state = ITEM_REVOKED;
        return;
    }
    if (o->wait_ms > 0)
        it->keep_later = true;
    else
        keep_receipt(o, it);
}

/* Gives the receipt of it the cosigned checkpoint note (of size) with its
 * inclusion proof in it, verified. */
static int cosigned_receipt(const struct submit_opts *o, struct client_api *api,
                            const struct note_verifier *log,
                            struct client_checkpoint_memo *memo,
                            struct item *it, const char *note, size_t len,
                            uint64_t size)
{
    struct client_receipt r = it->receipt;
    char why[CLIENT_REASON_MAX];

    r.checkpoint = malloc(len + 1);
    if (r.checkpoint == NULL)
        return CLIENT_ERR_NOMEM;
    memcpy(r.checkpoint, note, len);
    r.checkpoint[len] = '\0';
    r.checkpoint_len = len;
    if (client_api_inclusion(api, r.e.index, size, r.e.inclusion,
                             &r.e.inclusion_len, why) != 0 ||
        client_verify_receipt_memo(&r, log, o->type, it->cred, NULL, memo, NULL,
                                   why) != 0) {
        free(r.checkpoint);
        snprintf(it->msg, sizeof it->msg,
                 "the cosigned checkpoint's receipt does not verify: %s", why);
        return CLIENT_ERR_INVALID;
    }
    free(it->receipt.checkpoint);
    it->receipt = r;
    return 0;
}

/* --wait-cosigned: waits until the log serves a cosigned checkpoint that
 * covers every new receipt, then keeps the receipts with it (or, in the
 * end, without it). Returns CLI_OK or CLI_ERROR. */
static int wait_cosigned(const struct submit_opts *o, struct client_api *api,
                         const struct note_verifier *log, struct item *items,
                         size_t n)
{
    uint64_t need = 0, size = 0, deadline;
    char why[CLIENT_REASON_MAX] = "", *note = NULL;
    size_t len = 0;
    bool any = false, ok = false;
    struct client_checkpoint_memo memo = {0};

    for (size_t i = 0; i < n; i++)
        if (items[i].keep_later) {
            any = true;
            if (items[i].receipt.e.index + 1 > need)
                need = items[i].receipt.e.index + 1;
        }
    if (!any)
        return CLI_OK;
    deadline = client_clock_now_ms() + o->wait_ms;
    for (;;) {
        free(note);
        note = NULL;
        if (client_api_checkpoint(api, &note, &len, why) == 0 &&
            client_checkpoint_cosigned(note, len, log, o->policy, &size, why) ==
                0) {
            if (size >= need) {
                ok = true;
                break;
            }
            snprintf(why, sizeof why,
                     "the latest cosigned checkpoint (size %llu) does not "
                     "cover entry %llu yet",
                     (unsigned long long)size, (unsigned long long)(need - 1));
        }
        if (client_clock_now_ms() >= deadline)
            break;
        /* The log pushes to its witnesses every --witness-interval. */
        nanosleep(&(struct timespec){0, 200 * 1000 * 1000}, NULL);
    }
    for (size_t i = 0; i < n; i++) {
        struct item *it = &items[i];
        if (!it->keep_later)
            continue;
        it->keep_later = false;
        if (ok &&
            cosigned_receipt(o, api, log, &memo, it, note, len, size) != 0) {
            it->state = ITEM_ERROR;
            continue;
        }
        keep_receipt(o, it);
    }
    free(note);
    if (!ok) {
        cli_error("no cosigned checkpoint covers the new entries within %s "
                  "(%s): the receipts carry the log's signature only",
                  o->wait_arg, why);
        return CLI_ERROR;
    }
    if (!o->json)
        fprintf(stderr,
                "credlog: receipts carry the cosigned checkpoint of "
                "size %llu\n",
                (unsigned long long)size);
    return CLI_OK;
}

/* Submits the items in list[0..n) (client_submit_each(): one refused item
 * does not block the others) and checks each receipt. Returns -1 if the log
 * could not be reached (the caller stops). */
static int submit_batch(const struct submit_opts *o, struct client_api *api,
                        const struct note_verifier *log, struct item *items,
                        size_t *list, size_t n)
{
    struct entry *entries = calloc(n, sizeof *entries);
    struct client_receipt *receipts = calloc(n, sizeof *receipts);
    struct client_submit_result *res = calloc(n, sizeof *res);
    struct client_checkpoint_memo memo = {0}; /* one checkpoint per answer */
    int rc;

    if (entries == NULL || receipts == NULL || res == NULL) {
        free(entries);
        free(receipts);
        free(res);
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        entries[i] = items[list[i]].sent;
    rc = client_submit_each(api, entries, n, receipts, res);
    for (size_t i = 0; i < n; i++) {
        struct item *it = &items[list[i]];

        if (res[i].rc == 0) {
            it->receipt = receipts[i];
            accept_receipt(o, log, &memo, it);
            continue;
        }
        it->state = res[i].rc == CLIENT_ERR_REFUSED ? ITEM_REFUSED : ITEM_ERROR;
        snprintf(it->msg, sizeof it->msg, "%s", res[i].msg);
    }
    free(entries);
    free(receipts);
    free(res);
    return rc != 0 && rc != CLIENT_ERR_REFUSED ? -1 : 0;
}

static void report(const struct submit_opts *o, struct item *items, size_t n)
{
    json_t *arr = o->json ? json_array() : NULL;
    const char *done = o->type == ENTRY_ISSUE ? "issued" : "revoked";

    for (size_t i = 0; i < n; i++) {
        struct item *it = &items[i];
        char hex[65];
        codec_hex_encode(it->cred, 32, hex);
        if (arr != NULL) {
            json_t *r = json_object();
            json_object_set_new(r, it->is_file ? "file" : "hash",
                                json_string(it->arg));
            json_object_set_new(r, "credential_hash", json_string(hex));
            client_credkey_to_json(r, &it->credkey);
            json_object_set_new(r, "status",
                                json_string(state_names[it->state]));
            if (it->state == ITEM_DONE || it->state == ITEM_EXISTING) {
                json_object_set_new(
                    r, "index", json_integer((json_int_t)it->receipt.e.index));
                if (it->is_file)
                    json_object_set_new(r, "receipt_file",
                                        json_string(it->receipt_path));
                json_object_set_new(r, "receipt",
                                    client_receipt_to_json(&it->receipt));
            } else if (it->state == ITEM_REVOKED) {
                json_object_set_new(
                    r, "index", json_integer((json_int_t)it->receipt.e.index));
                json_object_set_new(
                    r, "revoked_index",
                    json_integer((json_int_t)it->receipt.revoked_index));
                json_object_set_new(r, "error",
                                    json_string("credential is revoked"));
            } else {
                json_object_set_new(r, "error", json_string(it->msg));
            }
            json_array_append_new(arr, r);
            continue;
        }
        FILE *f = it->is_file ? stdout : stderr;
        switch (it->state) {
        case ITEM_DONE:
        case ITEM_EXISTING:
            fprintf(f, "%s%s %s: entry %llu%s%s%s\n",
                    it->state == ITEM_DONE ? "" : "already ", done, it->arg,
                    (unsigned long long)it->receipt.e.index,
                    it->state == ITEM_EXISTING ? " (existing receipt)" : "",
                    it->is_file ? ", receipt " : "",
                    it->is_file ? it->receipt_path : "");
            break;
        case ITEM_REFUSED:
            fprintf(stderr, "refused %s: %s\n", it->arg, it->msg);
            break;
        case ITEM_REVOKED:
            fprintf(stderr,
                    "revoked %s: issued at entry %llu and revoked at entry "
                    "%llu; a revoked credential is not issued again\n",
                    it->arg, (unsigned long long)it->receipt.e.index,
                    (unsigned long long)it->receipt.revoked_index);
            break;
        default:
            fprintf(stderr, "error %s: %s\n", it->arg,
                    it->msg[0] ? it->msg : "not submitted");
            break;
        }
    }
    if (arr != NULL) {
        json_t *o2 = json_object();
        json_object_set_new(o2, "results", arr);
        cli_print_json(o2);
    }
}

static int run_submit(struct submit_opts *o, int argc, char **argv)
{
    struct ed25519_signer *signer = NULL;
    struct note_verifier log;
    struct client_api *api = NULL;
    struct item *items;
    size_t n = (size_t)argc, *list;
    char why[CLIENT_REASON_MAX];
    bool loose = false;
    int rc = CLI_OK, waited = CLI_OK;

    if (n == 0)
        return cli_usage(o->cmd, "no %s given",
                         o->by_hash ? "hashes" : "files");
    items = calloc(n, sizeof *items);
    list = calloc(n, sizeof *list);
    if (items == NULL || list == NULL) {
        free(items);
        free(list);
        cli_error("out of memory");
        return CLI_ERROR;
    }
    if (o->receipt != NULL && n != 1) {
        rc = cli_usage(o->cmd, "--receipt is for one FILE");
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        items[i].arg = argv[i];
        items[i].is_file = !o->by_hash;
        if (o->by_hash) {
            if (cli_parse_hash(argv[i], items[i].cred) != 0) {
                rc = cli_usage(o->cmd, "'%s' is not a 64-digit hex hash",
                               argv[i]);
                goto out;
            }
            continue;
        }
        /* The credkey/v1 key (docs/protocol.md F.7): cli_credential.c. */
        rc = o->type == ENTRY_ISSUE
                 ? cli_credential_issue_key(o->cmd, argv[i], o->profile,
                                            o->no_salt, &items[i].credkey,
                                            items[i].cred)
                 : cli_credential_revoke_key(o->cmd, argv[i], o->receipt,
                                             o->profile, o->no_salt,
                                             &items[i].credkey, items[i].cred);
        if (rc != CLI_OK) {
            rc = CLI_ERROR;
            goto out;
        }
    }
    if (o->policy_path != NULL) {
        o->policy = malloc(sizeof *o->policy);
        if (o->policy == NULL ||
            client_policy_read(o->policy_path, o->policy, why) != 0) {
            cli_error("%s", o->policy ? why : "out of memory");
            rc = CLI_ERROR;
            goto out;
        }
    }
    if (client_issuer_key_open(o->key_file, &signer, &loose, why) != 0) {
        cli_error("%s", why);
        rc = CLI_ERROR;
        goto out;
    }
    if (loose)
        fprintf(stderr,
                "credlog: warning: %s is readable by others (chmod 600 it)\n",
                o->key_file);
    /* Nothing is sent before the log shows it signs with the key we hold. */
    if ((rc = cli_open_api(o->log_url, &o->net, &api)) != CLI_OK ||
        (rc = cli_log_key(o->log_url, o->log_key, o->json, api, &log)) !=
            CLI_OK ||
        (rc = cli_check_log_key(api, &log)) != CLI_OK)
        goto out;
    for (size_t i = 0; i < n; i++) {
        struct entry *e = &items[i].sent;
        e->version = ENTRY_VERSION_2;
        e->type = o->type;
        memcpy(e->credential, items[i].cred, 32);
        e->timestamp_ms = now_ms();
        e->reason = o->type == ENTRY_REVOKE ? o->reason : 0;
        /* Bound to this log: the signature is worthless in any other. */
        if (ed25519_signer_sign_entry(signer, e, log.name) != 0) {
            items[i].state = ITEM_ERROR;
            snprintf(items[i].msg, sizeof items[i].msg, "signing failed");
        }
    }
    ed25519_signer_free(signer);
    signer = NULL;
    for (size_t start = 0; start < n; start += CLIENT_SUBMIT_MAX) {
        size_t m = 0;
        for (size_t i = start; i < n && i < start + CLIENT_SUBMIT_MAX; i++)
            if (items[i].state == ITEM_PENDING)
                list[m++] = i;
        if (m > 0 && submit_batch(o, api, &log, items, list, m) != 0)
            break;
    }
    if (o->wait_ms > 0 && wait_cosigned(o, api, &log, items, n) != CLI_OK)
        waited = CLI_ERROR;
    report(o, items, n);
    for (size_t i = 0; i < n; i++) {
        if (items[i].state == ITEM_ERROR || items[i].state == ITEM_PENDING)
            rc = CLI_ERROR;
        else if (items[i].state == ITEM_REVOKED && rc != CLI_ERROR)
            rc = CLI_REVOKED;
        else if (items[i].state == ITEM_REFUSED && rc == CLI_OK)
            rc = CLI_NEGATIVE;
    }
    if (waited != CLI_OK)
        rc = waited;
out:
    ed25519_signer_free(signer);
    for (size_t i = 0; i < n; i++)
        client_receipt_free(&items[i].receipt);
    client_api_close(api);
    free(o->policy);
    o->policy = NULL;
    free(items);
    free(list);
    return rc;
}

static int submit_main(uint8_t type, int argc, char **argv)
{
    static const struct option opts[] = {
        {"log", required_argument, NULL, 'l'},
        {"key", required_argument, NULL, 'k'},
        {"log-key", required_argument, NULL, 'K'},
        {"hash", no_argument, NULL, 'H'},
        {"reason", required_argument, NULL, 'r'},
        {"profile", required_argument, NULL, 'p'},
        {"no-salt", no_argument, NULL, 'S'},
        {"receipt", required_argument, NULL, 'R'},
        {"cacert", required_argument, NULL, 'c'},
        {"timeout", required_argument, NULL, 't'},
        {"json", no_argument, NULL, 'j'},
        {"wait-cosigned", required_argument, NULL, 'W'},
        {"witness-policy", required_argument, NULL, 'P'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct submit_opts o;
    unsigned long v;
    int prc;
    int c;

    memset(&o, 0, sizeof o);
    o.type = type;
    o.cmd = type == ENTRY_ISSUE ? "issue" : "revoke";
    optind = 0;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'l':
            o.log_url = optarg;
            break;
        case 'k':
            o.key_file = optarg;
            break;
        case 'K':
            o.log_key = optarg;
            break;
        case 'H':
            o.by_hash = true;
            break;
        case 'r':
            if (type != ENTRY_REVOKE)
                return cli_usage(o.cmd, "--reason is for revoke");
            o.reason = UINT8_MAX;
            prc = parse_reason(optarg, &o.reason);
            if (prc == -2)
                return cli_usage(o.cmd,
                                 "the reason misconduct (2) is retired: use "
                                 "unspecified, issued_in_error, superseded "
                                 "or withdrawn");
            if (prc != 0)
                return cli_usage(
                    o.cmd,
                    "unknown reason '%s' (want unspecified, issued_in_error, "
                    "superseded, withdrawn, or 0, 1, 3, 4)",
                    optarg);
            break;
        case 'p':
            if (credkey_profile_parse(optarg, &o.profile) != 0)
                return cli_usage(o.cmd,
                                 "unknown profile '%s' (auto, bytes, json, "
                                 "jws, ob2-hosted)",
                                 optarg);
            break;
        case 'S':
            o.no_salt = true;
            break;
        case 'R':
            if (type != ENTRY_REVOKE)
                return cli_usage(o.cmd, "--receipt is for revoke");
            o.receipt = optarg;
            break;
        case 'c':
            o.net.cacert = optarg;
            break;
        case 't':
            if (cli_parse_uint(optarg, 3600, &v) != 0 || v == 0)
                return cli_usage(o.cmd, "--timeout wants 1..3600 seconds");
            o.net.timeout = (int)v;
            break;
        case 'j':
            o.json = true;
            break;
        case 'W':
            if (client_duration_parse(optarg, &o.wait_ms) != 0)
                return cli_usage(o.cmd, "--wait-cosigned wants a duration "
                                        "(90s, 5m, 1h)");
            o.wait_arg = optarg;
            break;
        case 'P':
            o.policy_path = optarg;
            break;
        case 'h':
            fputs(type == ENTRY_ISSUE ? issue_help : revoke_help, stdout);
            return CLI_OK;
        default:
            return cli_usage(o.cmd, "bad option");
        }
    }
    if (o.log_url == NULL || o.key_file == NULL)
        return cli_usage(o.cmd, "--log and --key are required");
    if (o.by_hash &&
        (o.profile != CREDKEY_PROFILE_AUTO || o.no_salt || o.receipt != NULL))
        return cli_usage(o.cmd, "--hash takes keys as they are: no --profile, "
                                "--no-salt or --receipt");
    if (o.policy_path != NULL && o.wait_ms == 0)
        return cli_usage(o.cmd, "--witness-policy goes with --wait-cosigned");
    return run_submit(&o, argc - optind, argv + optind);
}

int cli_issue(int argc, char **argv)
{
    return submit_main(ENTRY_ISSUE, argc, argv);
}

int cli_revoke(int argc, char **argv)
{
    return submit_main(ENTRY_REVOKE, argc, argv);
}
