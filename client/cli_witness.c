/* cli_witness.c: credlog witness, a C2SP tlog-witness server (argv glue). */
#include <getopt.h>
#include <stdio.h>

#include "client/cli.h"
#include "witness/server.h"

static const char witness_help[] =
    "usage: credlog witness --key FILE --logs FILE --data DIR --listen "
    "ADDR:PORT\n"
    "                       [--port-file FILE] [--tls-cert FILE --tls-key "
    "FILE]\n"
    "                       [--timeout SECONDS]\n"
    "\n"
    "Runs a C2SP tlog-witness: it cosigns a log's checkpoint only if it is\n"
    "consistent with every checkpoint of that log it cosigned before, so a "
    "log\n"
    "cannot show two histories to people who require its cosignature.\n"
    "\n"
    "  --key FILE        the cosigner key (credlog keygen --cosigner), mode "
    "0600\n"
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
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct witness_config cfg = {0};
    unsigned long timeout = 30;
    int c;

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
            if (cli_parse_uint(optarg, 3600, &timeout) != 0 || timeout == 0)
                return cli_usage("witness", "--timeout wants 1..3600 seconds");
            break;
        case 'h':
            fputs(witness_help, stdout);
            return CLI_OK;
        default:
            return cli_usage("witness", "bad option");
        }
    }
    if (optind != argc)
        return cli_usage("witness", "unexpected argument '%s'", argv[optind]);
    if (cfg.key_path == NULL || cfg.logs_path == NULL || cfg.data_dir == NULL ||
        cfg.listen == NULL)
        return cli_usage("witness",
                         "--key, --logs, --data and --listen are required");
    if ((cfg.tls_cert == NULL) != (cfg.tls_key == NULL))
        return cli_usage("witness", "--tls-cert and --tls-key go together");
    cfg.timeout_s = (int)timeout;
    return witness_server_run(&cfg) == 0 ? CLI_OK : CLI_ERROR;
}
