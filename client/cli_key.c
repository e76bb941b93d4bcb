/* cli_key.c: credlog key FILE [--profile P] [--salt HEX] [--json]. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "client/cli.h"
#include "client/files.h"
#include "proofs/codec.h"
#include "proofs/credkey.h"

static const char key_help[] =
    "usage: credlog key FILE [--profile P] [--salt HEX] [--json]\n"
    "\n"
    "Prints the credkey/v1 key of the credential FILE: the key under which "
    "credlog\n"
    "logs it (docs/protocol.md, \"credkey/v1\"), the profile that chose its "
    "stable\n"
    "content, and that content's SHA-256 (the digest). Nothing is sent "
    "anywhere.\n"
    "Run it on your own copy to check your system (or another "
    "implementation)\n"
    "against credlog.\n"
    "\n"
    "  --profile P  auto (default), bytes, json, jws or ob2-hosted:\n"
    "                 bytes       the file's exact bytes (sealed PDFs, any "
    "file)\n"
    "                 json        a JSON credential, canonicalized (RFC 8785) "
    "without\n"
    "                             its top-level proof\n"
    "                 jws         a compact JWS, SD-JWT (issuer JWT only) or "
    "JWS JSON\n"
    "                             serialization\n"
    "                 ob2-hosted  a hosted Open Badges 2.0 assertion (its id)\n"
    "               auto reads baked PNG and SVG badges and data: URIs and "
    "picks one.\n"
    "  --salt HEX   the credential's salt (16 to 32 bytes, from its receipt "
    "or\n"
    "               bundle); without it, the unsalted key\n"
    "  --json       machine-readable output: profile, container, digest, "
    "key, salt\n"
    "\n"
    "Exit status: 0 key printed; 1 the file is refused (not a credential "
    "credkey\n"
    "reads: the message says what is wrong and where); 2 usage error or "
    "unreadable\n"
    "file.\n";

int cli_key(int argc, char **argv)
{
    static const struct option opts[] = {
        {"profile", required_argument, NULL, 'p'},
        {"salt", required_argument, NULL, 's'},
        {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    enum credkey_profile profile = CREDKEY_PROFILE_AUTO;
    const char *salt_hex = "";
    char why[CLIENT_REASON_MAX], kwhy[CREDKEY_WHY_MAX], digest[65], key[65],
        salt_text[129];
    uint8_t salt[64];
    size_t salt_len = 0, len;
    struct credkey_result r;
    struct stat st;
    bool json = false;
    char *data;
    int c, rc;

    optind = 0;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'p':
            if (credkey_profile_parse(optarg, &profile) != 0)
                return cli_usage("key",
                                 "unknown profile '%s' (auto, bytes, json, "
                                 "jws, ob2-hosted)",
                                 optarg);
            break;
        case 's':
            salt_hex = optarg;
            break;
        case 'j':
            json = true;
            break;
        case 'h':
            fputs(key_help, stdout);
            return CLI_OK;
        default:
            return cli_usage("key", "bad option");
        }
    }
    if (optind != argc - 1)
        return cli_usage("key",
                         optind == argc ? "FILE is required" : "only one FILE");
    /* Bad hex is a usage error; a salt of the wrong length is refused by
     * credkey itself (exit 1), as any implementation must refuse it. */
    len = strlen(salt_hex);
    if (len % 2 != 0 || len / 2 > sizeof salt ||
        codec_hex_decode(salt_hex, len, salt, len / 2) != 0)
        return cli_usage("key", "--salt wants hex digits (16 to 32 bytes)");
    salt_len = len / 2;
    codec_hex_encode(salt, salt_len, salt_text);
    /* A file over the limit is refused like any credential credkey cannot
     * read (exit 1), without reading it; one that grows while being read is
     * cut at one byte over the limit, which credkey then refuses. */
    if (stat(argv[optind], &st) == 0 && S_ISREG(st.st_mode) &&
        (uint64_t)st.st_size > CREDKEY_INPUT_MAX) {
        cli_error("key: %s: refused: %s", argv[optind],
                  credkey_strerror(CREDKEY_ERR_TOO_LARGE));
        return CLI_NEGATIVE;
    }
    if (client_read_file(argv[optind], CREDKEY_INPUT_MAX + 1, &data, &len,
                         why) != 0) {
        cli_error("key: %s", why);
        return CLI_ERROR;
    }
    rc = credkey_compute((const uint8_t *)data, len, profile,
                         salt_len ? salt : NULL, salt_len, &r, kwhy);
    free(data);
    if (rc != 0) {
        cli_error("key: %s: refused: %s", argv[optind], kwhy);
        return CLI_NEGATIVE;
    }
    codec_hex_encode(r.digest, sizeof r.digest, digest);
    codec_hex_encode(r.key, sizeof r.key, key);
    if (json) {
        json_t *o = json_object();
        json_object_set_new(o, "profile",
                            json_string(credkey_profile_name(r.profile)));
        json_object_set_new(o, "container",
                            json_string(credkey_container_name(r.container)));
        json_object_set_new(o, "digest", json_string(digest));
        json_object_set_new(o, "key", json_string(key));
        json_object_set_new(o, "salt", json_string(salt_text));
        cli_print_json(o);
    } else {
        printf("profile: %s", credkey_profile_name(r.profile));
        if (r.container != CREDKEY_CONTAINER_NONE)
            printf(" (credential found in %s)",
                   r.container == CREDKEY_CONTAINER_PNG   ? "a PNG badge"
                   : r.container == CREDKEY_CONTAINER_SVG ? "an SVG badge"
                                                          : "a data: URI");
        printf("\ndigest:  %s\nkey:     %s\nsalt:    %s\n", digest, key,
               salt_len ? salt_text : "none (unsalted key)");
    }
    return CLI_OK;
}
