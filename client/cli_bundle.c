/*
 * cli_bundle.c: credlog bundle FILE [--receipt R] [--log URL] --out
 * OUT.credlog, the holder's one file to share (docs/protocol.md E.3.1):
 * the credential, its profile and salt, its receipt and (online) a fresh
 * status proof, all verified before anything is written.
 */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/cli.h"
#include "client/cli_credential.h"
#include "client/clock.h"
#include "client/credbundle.h"
#include "client/files.h"
#include "proofs/codec.h"

static const char bundle_help[] =
    "usage: credlog bundle FILE --out OUT.credlog [--receipt R] [--log URL]\n"
    "                      [--log-key VKEY]\n"
    "\n"
    "Writes the holder's bundle: one file holding the credential FILE itself, "
    "its\n"
    "profile and salt, its receipt (default FILE.receipt.json) and, with "
    "--log, a\n"
    "fresh status proof. Whoever receives it runs 'credlog verify "
    "OUT.credlog':\n"
    "offline, nothing else is needed and the log learns nothing; with --log "
    "URL the\n"
    "status is refreshed. Everything is verified first: no bundle is written "
    "for a\n"
    "receipt that does not check out, or for a revoked credential. The bundle "
    "holds\n"
    "the salt: share it as you would share the credential (it is written "
    "readable\n"
    "by you only).\n"
    "\n"
    "  --out FILE      the bundle to write (replaced if it exists)\n"
    "  --receipt R     the credential's receipt; default FILE.receipt.json\n"
    "  --log URL       add a fresh status proof from the log\n"
    "  --log-key VKEY  the log's verifier key, or a file holding it (required\n"
    "                  unless pinned for --log URL)\n"
    "  --cacert FILE, --timeout S: as for issue\n"
    "  --json          machine-readable output\n"
    "\n"
    "Exit status: 0 written; 1 the credential is revoked (nothing written); "
    "2 usage,\n"
    "network or proof error (nothing written).\n";

struct bundle_opts {
    const char *file, *out, *receipt, *log_url, *log_key;
    bool json;
    struct cli_net net;
};

/* The profile and salt for the bundle: as recorded, or for a legacy receipt
 * whose key is the unsalted auto key, auto's profile with no salt. */
static int bundle_credkey(const struct cli_credential *cc, const char *file,
                          struct client_credkey *out)
{
    struct credkey_result r;

    *out = cc->credkey;
    if (out->known)
        return CLI_OK;
    if (client_credfile_key(cc->data, cc->len, CREDKEY_PROFILE_AUTO, NULL, 0,
                            &r, NULL) == 0 &&
        memcmp(r.key, cc->key, sizeof r.key) == 0) {
        out->known = true;
        out->profile = r.profile;
        out->salt_len = 0;
        return CLI_OK;
    }
    cli_error("bundle: %s: its receipt is from before credkey/v1 (the log "
              "holds the SHA-256 of the file's bytes), which a bundle cannot "
              "carry: issue it again with credlog issue",
              file);
    return CLI_ERROR;
}

/* Fetches a fresh status proof and the consistency proof from the
 * receipt's checkpoint into b. */
static int fetch_status(const struct bundle_opts *o,
                        const struct note_verifier *log,
                        struct client_credbundle *b, const uint8_t key[32])
{
    struct client_api *api;
    struct checkpoint rc_cp, sp_cp;
    char why[CLIENT_REASON_MAX];
    int rc;

    if ((rc = cli_open_api(o->log_url, &o->net, &api)) != CLI_OK)
        return rc;
    if (client_api_status(api, key, &b->status, why) != 0) {
        cli_error("bundle: %s", why);
        client_api_close(api);
        return CLI_ERROR;
    }
    b->has_status = true;
    if (client_verify_checkpoint(b->receipt.checkpoint,
                                 b->receipt.checkpoint_len, log, &rc_cp,
                                 NULL) == 0 &&
        client_verify_checkpoint(b->status.checkpoint, b->status.checkpoint_len,
                                 log, &sp_cp, NULL) == 0 &&
        rc_cp.size != sp_cp.size && rc_cp.size > 0 && sp_cp.size > 0) {
        b->consistency_from = rc_cp.size < sp_cp.size ? rc_cp.size : sp_cp.size;
        b->consistency_to = rc_cp.size < sp_cp.size ? sp_cp.size : rc_cp.size;
        if (client_api_consistency(api, b->consistency_from, b->consistency_to,
                                   b->consistency, &b->consistency_len,
                                   why) != 0) {
            cli_error("bundle: %s", why);
            client_api_close(api);
            return CLI_ERROR;
        }
        b->has_consistency = true;
    }
    client_api_close(api);
    return CLI_OK;
}

static void print_result(const struct bundle_opts *o,
                         const struct client_credbundle *b,
                         const struct client_verdict *v, const uint8_t key[32])
{
    char hex[65], at[64];

    codec_hex_encode(key, 32, hex);
    cli_time(v->as_of_ms, at, sizeof at);
    if (o->json) {
        json_t *j = json_object();
        json_object_set_new(j, "bundle", json_string(o->out));
        json_object_set_new(j, "name", json_string(b->name));
        json_object_set_new(j, "media_type", json_string(b->media_type));
        json_object_set_new(j, "credential_hash", json_string(hex));
        client_credkey_to_json(j, &b->credkey);
        json_object_set_new(j, "index",
                            json_integer((json_int_t)v->issue_index));
        json_object_set_new(j, "status_proof", json_boolean(b->has_status));
        if (b->has_status)
            json_object_set_new(j, "as_of_ms",
                                json_integer((json_int_t)v->as_of_ms));
        cli_print_json(j);
        return;
    }
    printf("wrote %s: %s (%s), profile %s, %s, issued by %s at entry %llu\n",
           o->out, b->name, b->media_type,
           credkey_profile_name(b->credkey.profile),
           b->credkey.salt_len ? "salted" : "unsalted", v->issuer,
           (unsigned long long)v->issue_index);
    if (b->has_status)
        printf("  status proof: not revoked as of %s\n", at);
    else
        printf("  no status proof (give --log URL to add one): a verifier "
               "sees the receipt only, or asks the log\n");
}

static int run_bundle(const struct bundle_opts *o)
{
    static struct client_credbundle b; /* large: keep off the stack */
    struct cli_credential cc;
    struct client_evidence ev = {0};
    struct client_verdict v;
    struct note_verifier log;
    char why[CLIENT_REASON_MAX], *text = NULL;
    int rc;

    memset(&b, 0, sizeof b);
    rc = cli_credential_load("bundle", o->file, o->receipt, NULL,
                             CREDKEY_PROFILE_AUTO, true, &cc);
    if (rc != CLI_OK)
        return rc;
    if (cc.bundle != NULL) {
        cli_error("bundle: %s is a bundle already", o->file);
        rc = CLI_ERROR;
        goto done;
    }
    if ((rc = bundle_credkey(&cc, o->file, &b.credkey)) != CLI_OK ||
        (rc = cli_log_key(o->log_url, o->log_key, o->json, NULL, &log)) !=
            CLI_OK)
        goto done;
    if (client_receipt_copy(&b.receipt, &cc.receipt) != 0) {
        cli_error("out of memory");
        rc = CLI_ERROR;
        goto done;
    }
    if (o->log_url != NULL &&
        (rc = fetch_status(o, &log, &b, cc.key)) != CLI_OK)
        goto done;

    /* Judge exactly what the bundle will hold, as its verifier will. */
    ev.receipt = &b.receipt;
    if (b.has_status) {
        ev.status = &b.status;
        ev.have_consistency = b.has_consistency;
        ev.consistency = (const uint8_t(*)[MERKLE_HASH_SIZE])b.consistency;
        ev.consistency_len = b.consistency_len;
    }
    client_verdict(&log, cc.key, &ev, &v);
    client_verdict_check_issuer(
        &v, cc.data, cc.len,
        b.credkey.known ? b.credkey.profile : CREDKEY_PROFILE_AUTO, false);
    client_verdict_check_age(&v, client_clock_now_ms(), CLIENT_DAY_MS);
    if (v.kind != CLIENT_VERDICT_VALID) {
        cli_verdict_print(&v, o->file);
        cli_error("bundle: not writing %s: the credential is %s", o->out,
                  client_verdict_name(v.kind));
        rc = v.kind == CLIENT_VERDICT_REVOKED ? CLI_NEGATIVE : CLI_ERROR;
        goto done;
    }

    client_credbundle_name_from_path(o->file, b.name);
    snprintf(b.media_type, sizeof b.media_type, "%s",
             client_credfile_media_type(cc.data, cc.len));
    b.data = cc.data; /* borrowed from cc for the encoding */
    b.data_len = cc.len;
    rc = client_credbundle_format(&b, &text);
    b.data = NULL;
    if (rc != 0 ||
        client_write_file_atomic(o->out, text, strlen(text), 0600, why) != 0) {
        cli_error("bundle: cannot write %s: %s", o->out,
                  rc != 0 ? "out of memory" : why);
        rc = CLI_ERROR;
        goto done;
    }
    print_result(o, &b, &v, cc.key);
    rc = CLI_OK;
done:
    free(text);
    client_credbundle_free(&b);
    cli_credential_free(&cc);
    return rc;
}

int cli_bundle(int argc, char **argv)
{
    static const struct option opts[] = {
        {"out", required_argument, NULL, 'o'},
        {"receipt", required_argument, NULL, 'r'},
        {"log", required_argument, NULL, 'l'},
        {"log-key", required_argument, NULL, 'K'},
        {"cacert", required_argument, NULL, 'c'},
        {"timeout", required_argument, NULL, 't'},
        {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct bundle_opts o;
    unsigned long v;
    int c;

    memset(&o, 0, sizeof o);
    optind = 0;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'o':
            o.out = optarg;
            break;
        case 'r':
            o.receipt = optarg;
            break;
        case 'l':
            o.log_url = optarg;
            break;
        case 'K':
            o.log_key = optarg;
            break;
        case 'c':
            o.net.cacert = optarg;
            break;
        case 't':
            if (cli_parse_uint(optarg, 3600, &v) != 0 || v == 0)
                return cli_usage("bundle", "--timeout wants 1..3600 seconds");
            o.net.timeout = (int)v;
            break;
        case 'j':
            o.json = true;
            break;
        case 'h':
            fputs(bundle_help, stdout);
            return CLI_OK;
        default:
            return cli_usage("bundle", "bad option");
        }
    }
    if (argc - optind != 1)
        return cli_usage("bundle", "give exactly one FILE");
    o.file = argv[optind];
    if (o.out == NULL)
        return cli_usage("bundle", "--out is required");
    if (o.log_key == NULL && o.log_url == NULL)
        return cli_usage("bundle", "--log-key is required");
    return run_bundle(&o);
}
