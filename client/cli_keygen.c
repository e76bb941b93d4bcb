/* cli_keygen.c: credlog keygen [--cosigner] --name NAME --out PREFIX, and
 * credlog keygen --pkcs11 URI: the verifier key of a key in a token. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "client/files.h"

#include "client/cli.h"
#include "client/keys.h"
#include "keystore/p11uri.h"
#include "keystore/signer.h"

static const char keygen_help[] =
    "usage: credlog keygen [--cosigner] --name NAME --out PREFIX [--json]\n"
    "       credlog keygen [--cosigner] --pkcs11 URI [--name NAME] [--out "
    "PREFIX]\n"
    "                      [--json]\n"
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
    "With --pkcs11, the key is one already in a PKCS#11 token (made there "
    "with\n"
    "pkcs11-tool or the HSM's own tool; docs/guide-institutions.md): credlog "
    "opens\n"
    "it, checks it signs, and prints its verifier key (and writes "
    "PREFIX.vkey with\n"
    "--out). Its name is the key object's label (CKA_LABEL); --name, if "
    "given,\n"
    "must equal it.\n"
    "\n"
    "  --cosigner    a witness's cosigner key instead of an issuer key\n"
    "  --name NAME   key name: no spaces, no '+'\n"
    "  --out PREFIX  path prefix of the two files\n"
    "  --pkcs11 URI  print the verifier key of the token key URI names "
    "(pkcs11:\n"
    "                token=...;object=...?module-path=...&pin-source=...)\n"
    "  --json        machine-readable output\n";

/* credlog keygen --pkcs11 URI: the key exists; print its verifier key. */
static int token_key(const char *uri, bool cosigner, const char *name,
                     const char *prefix, bool json)
{
    struct ed25519_signer *s = NULL;
    struct note_verifier v;
    char vkey[NOTE_KEY_TEXT_MAX + 2], why[CLIENT_REASON_MAX], path[4096];
    int n;

    if (!p11uri_is(uri))
        return cli_usage("keygen", "--pkcs11 takes a pkcs11: URI");
    if (ed25519_signer_open(
            uri, cosigner ? NOTE_TYPE_COSIGNATURE : NOTE_TYPE_ED25519,
            KEYSTORE_LOOSE_WARN, NULL, &s, why, sizeof why) != 0) {
        cli_error("keygen: %s", why);
        return CLI_ERROR;
    }
    ed25519_signer_verifier(s, &v);
    ed25519_signer_free(s);
    if (name != NULL && strcmp(name, v.name) != 0) {
        cli_error("keygen: the token key is named \"%s\" (its label), not "
                  "\"%s\"",
                  v.name, name);
        return CLI_ERROR;
    }
    n = note_verifier_format(&v, vkey, sizeof vkey - 1);
    if (n < 0) {
        cli_error("keygen: cannot format the verifier key");
        return CLI_ERROR;
    }
    if (prefix != NULL) {
        snprintf(path, sizeof path, "%s.vkey", prefix);
        vkey[n] = '\n';
        if (client_write_file_new(path, vkey, (size_t)n + 1, 0644, why) != 0) {
            cli_error("keygen: %s", why);
            return CLI_ERROR;
        }
        vkey[n] = '\0';
    }
    if (json) {
        json_t *o = json_object();
        if (prefix != NULL)
            json_object_set_new(o, "vkey_file", json_string(path));
        json_object_set_new(o, "verifier_key", json_string(vkey));
        cli_print_json(o);
    } else {
        if (prefix != NULL)
            printf("wrote %s\n", path);
        printf("verifier key: %s\n", vkey);
    }
    return CLI_OK;
}

int cli_keygen(int argc, char **argv)
{
    static const struct option opts[] = {
        {"cosigner", no_argument, NULL, 'c'},
        {"name", required_argument, NULL, 'n'},
        {"out", required_argument, NULL, 'o'},
        {"pkcs11", required_argument, NULL, 'p'},
        {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *name = NULL, *prefix = NULL, *uri = NULL;
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
        case 'p':
            uri = optarg;
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
    if (optind != argc)
        return cli_usage("keygen", "unexpected argument '%s'", argv[optind]);
    if (uri != NULL)
        return token_key(uri, cosigner, name, prefix, json);
    if (name == NULL || prefix == NULL)
        return cli_usage("keygen", "--name and --out are required");
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
