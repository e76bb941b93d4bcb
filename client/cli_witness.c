/* cli_witness.c: credlog witness, a C2SP tlog-witness server (argv glue). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "client/cli.h"
#include "witness/server.h"

static const char witness_help[] =
    "usage: credlog witness --key FILE --logs FILE --data DIR --listen "
    "ADDR:PORT\n"
    "                       [--port-file FILE] [--tls-cert FILE --tls-key "
    "FILE]\n"
    "                       [--timeout SECONDS]\n"
    "                       [--verify-map --log-url ORIGIN=URL... "
    "[--verify-map-max N]\n"
    "                        [--log-cacert FILE]]\n"
    "\n"
    "Runs a C2SP tlog-witness: it cosigns a log's checkpoint only if it is\n"
    "consistent with every checkpoint of that log it cosigned before, so a "
    "log\n"
    "cannot show two histories to people who require its cosignature.\n"
    "\n"
    "  --key FILE|URI    the cosigner key (credlog keygen --cosigner), mode "
    "0600,\n"
    "                    or a pkcs11: URI naming it in a PKCS#11 token\n"
    "  --logs FILE       the logs to cosign for, in the witness network's "
    "logs/v0\n"
    "                    format (vkey, origin, qpd, contact lines); add-only: "
    "a\n"
    "                    followed origin never changes its key. SIGHUP "
    "re-reads it.\n"
    "  --data DIR        the witness's state (LMDB; the directory must "
    "exist)\n"
    "  --listen A:P      address to serve on; port 0 picks a free one\n"
    "  --port-file FILE  write the port actually bound to FILE\n"
    "  --tls-cert FILE, --tls-key FILE   serve HTTPS (TLS 1.2+)\n"
    "  --timeout S       per-connection read/write timeout (default 30)\n"
    "  --verify-map      a map-verifying witness: cosign only checkpoints "
    "whose\n"
    "                    entries, read from the log's tiles, replay by "
    "credlog's\n"
    "                    rules (signed, authorized, every MAP root right)\n"
    "  --log-url ORIGIN=URL  where the log ORIGIN serves its tiles "
    "(repeatable;\n"
    "                    every followed log needs one with --verify-map)\n"
    "  --verify-map-max N  entries replayed per request at most (default "
    "4096)\n"
    "  --log-cacert FILE PEM CA certificates for https log URLs (default: "
    "the\n"
    "                    system's)\n"
    "\n"
    "Endpoints: POST /add-checkpoint; GET /<hex SHA-256 of the "
    "origin>/checkpoint.\n";

int cli_witness(int argc, char **argv)
{
    static const struct option opts[] = {
        {"key", required_argument, NULL, 'k'},
        {"logs", required_argument, NULL, 'l'},
        {"data", required_argument, NULL, 'd'},
        {"listen", required_argument, NULL, 'L'},
        {"port-file", required_argument, NULL, 'p'},
        {"tls-cert", required_argument, NULL, 'c'},
        {"tls-key", required_argument, NULL, 'K'},
        {"timeout", required_argument, NULL, 't'},
        {"verify-map", no_argument, NULL, 'V'},
        {"log-url", required_argument, NULL, 'u'},
        {"verify-map-max", required_argument, NULL, 'M'},
        {"log-cacert", required_argument, NULL, 'C'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct witness_config cfg = {0};
    unsigned long timeout = 30, max = 0;
    const char **urls = NULL, **grown;
    int c, rc;

    optind = 0;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'k':
            cfg.key_path = optarg;
            break;
        case 'l':
            cfg.logs_path = optarg;
            break;
        case 'd':
            cfg.data_dir = optarg;
            break;
        case 'L':
            cfg.listen = optarg;
            break;
        case 'p':
            cfg.port_file = optarg;
            break;
        case 'c':
            cfg.tls_cert = optarg;
            break;
        case 'K':
            cfg.tls_key = optarg;
            break;
        case 't':
            if (cli_parse_uint(optarg, 3600, &timeout) != 0 || timeout == 0) {
                free(urls);
                return cli_usage("witness", "--timeout wants 1..3600 seconds");
            }
            break;
        case 'V':
            cfg.verify_map = true;
            break;
        case 'u':
            if ((grown = realloc(urls, (cfg.n_log_urls + 1) * sizeof *urls)) ==
                NULL) {
                free(urls);
                fputs("credlog witness: out of memory\n", stderr);
                return CLI_ERROR;
            }
            urls = grown;
            urls[cfg.n_log_urls++] = optarg;
            break;
        case 'M':
            if (cli_parse_uint(optarg, 1u << 24, &max) != 0 || max == 0) {
                free(urls);
                return cli_usage("witness",
                                 "--verify-map-max wants 1..16777216 entries");
            }
            break;
        case 'C':
            cfg.log_cacert = optarg;
            break;
        case 'h':
            free(urls);
            fputs(witness_help, stdout);
            return CLI_OK;
        default:
            free(urls);
            return cli_usage("witness", "bad option");
        }
    }
    cfg.log_urls = urls;
    cfg.map_max_entries = max;
    if (!cfg.verify_map &&
        (urls != NULL || max != 0 || cfg.log_cacert != NULL)) {
        free(urls);
        return cli_usage("witness", "--log-url, --verify-map-max and "
                                    "--log-cacert go with --verify-map");
    }
    if (optind != argc)
        rc = cli_usage("witness", "unexpected argument '%s'", argv[optind]);
    else if (cfg.key_path == NULL || cfg.logs_path == NULL ||
             cfg.data_dir == NULL || cfg.listen == NULL)
        rc = cli_usage("witness",
                       "--key, --logs, --data and --listen are required");
    else if ((cfg.tls_cert == NULL) != (cfg.tls_key == NULL))
        rc = cli_usage("witness", "--tls-cert and --tls-key go together");
    else {
        cfg.timeout_s = (int)timeout;
        rc = witness_server_run(&cfg) == 0 ? CLI_OK : CLI_ERROR;
    }
    free(urls);
    return rc;
}
