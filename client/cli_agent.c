/* cli_agent.c: credlog agent, the issuing systems' HTTP service, and its
 * CSV import (argv glue; the agent lives in agent/). */
#include <getopt.h>
#include <stdio.h>

#include "agent/config.h"
#include "agent/import.h"
#include "agent/server.h"
#include "client/cli.h"

static const char agent_help[] =
    "usage: credlog agent --config FILE [--port-file FILE] [--timeout S]\n"
    "       credlog agent --config FILE --import AWARDS.csv [--out DIR] "
    "[--json]\n"
    "\n"
    "Runs the institution's agent: an HTTP service (POST /issue, POST "
    "/revoke)\n"
    "that issuing systems call with a department's bearer token. It computes "
    "each\n"
    "credential's credkey/v1 key under a fresh salt, signs the entry with "
    "the\n"
    "department's key, coalesces requests into log submissions of up to "
    "1000, and\n"
    "answers each with its verified receipt and the holder's bundle. Every "
    "request\n"
    "is journaled (LMDB, in the config's data directory) before it goes to "
    "the log;\n"
    "the same credential twice is one entry with the same receipt. See "
    "docs/api.md\n"
    "(\"Agent API\") and docs/guide-institutions.md.\n"
    "\n"
    "  --config FILE     the agent config (institution, log, log-key, data, "
    "listen,\n"
    "                    department NAME sha256:TOKENHASH KEYFILE, ...)\n"
    "  --port-file FILE  write the port actually bound to FILE\n"
    "  --timeout S       per connection and per request to the log (default "
    "30)\n"
    "  --import FILE     issue (or revoke) every row of a CSV file instead "
    "of serving,\n"
    "                    printing a result line per row\n"
    "  --out DIR         with --import: write each issued bundle to "
    "DIR/NAME.credlog\n"
    "  --json            with --import: one JSON object per row\n"
    "\n"
    "Exit status: 0 stopped cleanly, or every row done; 1 some rows refused; "
    "2 usage,\n"
    "configuration, journal or log errors.\n";

int cli_agent(int argc, char **argv)
{
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'},
        {"port-file", required_argument, NULL, 'p'},
        {"timeout", required_argument, NULL, 't'},
        {"import", required_argument, NULL, 'i'},
        {"out", required_argument, NULL, 'o'},
        {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    static struct agent_config cfg; /* large: off the stack */
    struct agent_run_options run = {NULL, 30};
    const char *config = NULL, *import = NULL, *out = NULL;
    char why[AGENT_WHY_MAX];
    unsigned long timeout;
    bool json = false;
    int c, rc;

    optind = 0;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'c':
            config = optarg;
            break;
        case 'p':
            run.port_file = optarg;
            break;
        case 't':
            if (cli_parse_uint(optarg, 3600, &timeout) != 0 || timeout == 0)
                return cli_usage("agent", "--timeout wants 1..3600 seconds");
            run.timeout_s = (int)timeout;
            break;
        case 'i':
            import = optarg;
            break;
        case 'o':
            out = optarg;
            break;
        case 'j':
            json = true;
            break;
        case 'h':
            fputs(agent_help, stdout);
            return CLI_OK;
        default:
            return cli_usage("agent", "bad option");
        }
    }
    if (optind != argc)
        return cli_usage("agent", "unexpected argument '%s'", argv[optind]);
    if (config == NULL)
        return cli_usage("agent", "--config is required");
    if (import == NULL && (out != NULL || json))
        return cli_usage("agent", "--out and --json go with --import");
    if (agent_config_load(config, &cfg, why) != 0) {
        cli_error("agent: %s", why);
        return CLI_ERROR;
    }
    if (import != NULL)
        rc = agent_import_run(&cfg, import, out, json, run.timeout_s);
    else
        rc = agent_server_run(&cfg, &run) == 0 ? CLI_OK : CLI_ERROR;
    agent_config_wipe(&cfg);
    return rc;
}
