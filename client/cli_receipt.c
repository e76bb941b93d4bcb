/* cli_receipt.c: credlog receipt --tlog-proof: export a receipt. */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "client/bundle.h"
#include "client/cli.h"
#include "client/files.h"
#include "client/keys.h"
#include "client/witnessed.h"

static const char receipt_help[] =
    "usage: credlog receipt --tlog-proof [--out OUT] [--log-key VKEY] "
    "FILE|RECEIPT\n"
    "                       [--witness-policy FILE]\n"
    "\n"
    "Exports a receipt (FILE.receipt.json, or the receipt file itself) as a "
    "C2SP\n"
    "tlog-proof (https://c2sp.org/tlog-proof): the entry index, its inclusion\n"
    "proof and the signed checkpoint, with the log entry in the \"extra\" "
    "line.\n"
    "Writes OUT (default: FILE.tlog-proof). 'credlog verify --receipt' accepts "
    "it.\n"
    "\n"
    "  --tlog-proof    the format to export (the only one)\n"
    "  --out OUT       where to write it ('-' for standard output)\n"
    "  --log-key VKEY  verify the receipt against the log key before "
    "exporting\n"
    "  --witness-policy FILE  with --log-key: export only a checkpoint whose\n"
    "                  cosignatures meet this C2SP tlog-policy's quorum (they\n"
    "                  travel in the exported checkpoint)\n"
    "  --json          machine-readable output\n";

static bool has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

int cli_receipt(int argc, char **argv)
{
    static const struct option opts[] = {
        {"tlog-proof", no_argument, NULL, 'T'},
        {"out", required_argument, NULL, 'o'},
        {"log-key", required_argument, NULL, 'K'},
        {"witness-policy", required_argument, NULL, 'W'},
        {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *out = NULL, *log_key = NULL, *policy_path = NULL, *arg;
    static struct policy policy; /* about 40 KiB: off the stack */
    uint64_t size;
    char in_path[PATH_MAX], out_path[PATH_MAX], why[CLIENT_REASON_MAX], *text;
    struct client_receipt r;
    struct note_verifier log;
    struct stat st;
    bool tlog = false, json = false;
    int c, len;

    optind = 0;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'T':
            tlog = true;
            break;
        case 'o':
            out = optarg;
            break;
        case 'K':
            log_key = optarg;
            break;
        case 'W':
            policy_path = optarg;
            break;
        case 'j':
            json = true;
            break;
        case 'h':
            fputs(receipt_help, stdout);
            return CLI_OK;
        default:
            return cli_usage("receipt", "bad option");
        }
    }
    if (!tlog)
        return cli_usage("receipt", "say which format to export: --tlog-proof");
    if (argc - optind != 1)
        return cli_usage("receipt", "give exactly one FILE or RECEIPT");
    if (policy_path != NULL && log_key == NULL)
        return cli_usage("receipt", "--witness-policy needs --log-key");
    arg = argv[optind];

    /* FILE.receipt.json given directly, or FILE with its receipt beside it. */
    if (has_suffix(arg, ".receipt.json")) {
        snprintf(in_path, sizeof in_path, "%s", arg);
        snprintf(out_path, sizeof out_path, "%.*s.tlog-proof",
                 (int)(strlen(arg) - strlen(".receipt.json")), arg);
    } else {
        snprintf(in_path, sizeof in_path, "%s.receipt.json", arg);
        if (stat(in_path, &st) != 0)
            snprintf(in_path, sizeof in_path, "%s", arg);
        snprintf(out_path, sizeof out_path, "%s.tlog-proof", arg);
    }
    if (out != NULL)
        snprintf(out_path, sizeof out_path, "%s", out);
    if (cli_read_receipt(in_path, &r, why) != 0) {
        cli_error("%s", why);
        return CLI_ERROR;
    }
    if (log_key != NULL) {
        if (cli_log_key(NULL, log_key, true, NULL, &log) != CLI_OK) {
            client_receipt_free(&r);
            return CLI_ERROR;
        }
        if (client_verify_receipt(&r, &log, 0, NULL, NULL, NULL, why) != 0) {
            cli_error("%s does not verify: %s", in_path, why);
            client_receipt_free(&r);
            return CLI_ERROR;
        }
    }
    if (policy_path != NULL &&
        (client_policy_read(policy_path, &policy, why) != 0 ||
         client_checkpoint_cosigned(r.checkpoint, r.checkpoint_len, &log,
                                    &policy, &size, why) != 0)) {
        cli_error("%s: %s", in_path, why);
        client_receipt_free(&r);
        return CLI_ERROR;
    }
    len = client_tlog_proof_format(&r, &text);
    client_receipt_free(&r);
    if (len < 0) {
        cli_error("out of memory");
        return CLI_ERROR;
    }
    if (strcmp(out_path, "-") == 0) {
        fwrite(text, 1, (size_t)len, stdout);
    } else if (client_write_file_atomic(out_path, text, (size_t)len, 0644,
                                        why) != 0) {
        cli_error("%s", why);
        free(text);
        return CLI_ERROR;
    } else if (json) {
        json_t *o = json_object();
        json_object_set_new(o, "tlog_proof_file", json_string(out_path));
        cli_print_json(o);
    } else {
        printf("wrote %s\n", out_path);
    }
    free(text);
    return CLI_OK;
}
