/* cli_keygen.c: credlog keygen [--cosigner] --name NAME --out PREFIX. */
#include <getopt.h>
#include <stdio.h>

#include "client/cli.h"
#include "client/keys.h"

static const char keygen_help[] =
    "usage: credlog keygen [--cosigner] --name NAME --out PREFIX [--json]\n"
    "\n"
    "Creates an Ed25519 issuer key named NAME (your institution's name in the "
    "log,\n"
    "for example avans.nl), or with --cosigner a witness's cosigner key (C2SP\n"
    "tlog-cosignature, verifier key type 0x04, NAME the witness's name):\n"
    "  PREFIX.key   the private signer key (mode 0600; keep it secret)\n"
    "  PREFIX.vkey  the verifier key line, for the log operator's issuers "
    "file\n"
    "               (a cosigner's: for the logs' and verifiers' witness "
    "policies)\n"
    "Existing files are never overwritten.\n"
    "\n"
    "  --cosigner    a witness's cosigner key instead of an issuer key\n"
    "  --name NAME   key name: no spaces, no '+'\n"
    "  --out PREFIX  path prefix of the two files\n"
    "  --json        machine-readable output\n";

int cli_keygen(int argc, char **argv)
{
    static const struct option opts[] = {
        {"cosigner", no_argument, NULL, 'c'},
        {"name", required_argument, NULL, 'n'},
        {"out", required_argument, NULL, 'o'},
        {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *name = NULL, *prefix = NULL;
    char vkey[NOTE_KEY_TEXT_MAX + 1], why[CLIENT_REASON_MAX];
    bool json = false, cosigner = false;
    int c;

    optind = 0;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'c':
            cosigner = true;
            break;
        case 'n':
            name = optarg;
            break;
        case 'o':
            prefix = optarg;
            break;
        case 'j':
            json = true;
            break;
        case 'h':
            fputs(keygen_help, stdout);
            return CLI_OK;
        default:
            return cli_usage("keygen", "bad option");
        }
    }
    if (name == NULL || prefix == NULL)
        return cli_usage("keygen", "--name and --out are required");
    if (optind != argc)
        return cli_usage("keygen", "unexpected argument '%s'", argv[optind]);
    if (client_keygen(name,
                      cosigner ? NOTE_TYPE_COSIGNATURE : NOTE_TYPE_ED25519,
                      prefix, vkey, why) != 0) {
        cli_error("keygen: %s", why);
        return CLI_ERROR;
    }
    if (json) {
        json_t *o = json_object();
        char path[4096];
        snprintf(path, sizeof path, "%s.key", prefix);
        json_object_set_new(o, "key_file", json_string(path));
        snprintf(path, sizeof path, "%s.vkey", prefix);
        json_object_set_new(o, "vkey_file", json_string(path));
        json_object_set_new(o, "verifier_key", json_string(vkey));
        cli_print_json(o);
    } else {
        printf("wrote %s.key (private, mode 0600) and %s.vkey\n", prefix,
               prefix);
        printf("verifier key: %s\n", vkey);
        if (cosigner)
            printf("Publish %s.vkey: logs and verifiers name it in their "
                   "witness policies.\n",
                   prefix);
        else
            printf("Send %s.vkey to the log operator to be authorized as an "
                   "issuer.\n",
                   prefix);
    }
    return CLI_OK;
}
