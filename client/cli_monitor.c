/*
 * cli_monitor.c: credlog monitor. Runs client_monitor_run() once or every
 * --interval seconds, draws a progress bar when stderr is a terminal, prints
 * a per-issuer summary, and turns any alert into loud output and exit 1.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "client/cli.h"
#include "client/monitor.h"
#include "client/witnessed.h"

static const char monitor_help[] =
    "usage: credlog monitor --log URL [--log-key VKEY] --state DIR [--once] "
    "[--interval S]\n"
    "                       [--witness-policy FILE]\n"
    "\n"
    "Follows the log and checks everything in it, trusting nothing but the log "
    "key:\n"
    "  - the checkpoint's signature, and that it extends the last checkpoint "
    "this\n"
    "    monitor verified (consistency proof built from the log's hash "
    "tiles);\n"
    "  - every new entry, read from the entry bundles, against the checkpoint "
    "root;\n"
    "  - KEY entries replayed to know which issuer keys are authorized; every "
    "ISSUE\n"
    "    and REVOKE signed by a key authorized at that point, every REVOKE by "
    "the\n"
    "    credential's own issuer;\n"
    "  - the revocation map replayed: every MAP entry's index and root;\n"
    "  - times: MAP entries' times never decrease, and no ISSUE or REVOKE is "
    "dated\n"
    "    more than 10 minutes after the MAP entry that follows it.\n"
    "The replayed state is kept in DIR (LMDB) so each run continues where the "
    "last\n"
    "one stopped; DIR/checkpoint is the last checkpoint verified to its end.\n"
    "A long catch-up commits every 4096 entries, once they are proven part of "
    "the\n"
    "signed tree, so an interrupted run (or one stopped by --max-entries) "
    "resumes\n"
    "there.\n"
    "Any problem prints ALERT lines (with the two checkpoints that prove a "
    "fork)\n"
    "and exits 1; the state is not advanced past it.\n"
    "\n"
    "  --log URL       the log\n"
    "  --log-key VKEY  the log's verifier key, or a file holding it (pinned "
    "for URL\n"
    "                  as for issue). Without it: the pinned key, or else the "
    "key\n"
    "                  the log serves, pinned with a notice (trust on first "
    "use);\n"
    "                  a monitor should rather get the key from the operator.\n"
    "  --state DIR     the monitor's state directory (created if needed)\n"
    "  --once          check once and exit (default: every --interval "
    "seconds)\n"
    "  --max-entries N replay at most about N entries per run (up to the next\n"
    "                  256-entry bundle), commit, and stop; a looping monitor\n"
    "                  goes on at once until it has caught up\n"
    "  --interval S    seconds between checks (default 60)\n"
    "  --witness-policy FILE  judge only checkpoints cosigned by the policy's\n"
    "                  quorum (C2SP tlog-policy); any other is an ALERT "
    "naming\n"
    "                  the witnesses that did not cosign\n"
    "  --cacert FILE, --timeout S: as for issue\n"
    "  --json          machine-readable output (one object per check)\n"
    "\n"
    "Exit status: 0 all checks passed (--once); 1 ALERT; 2 usage, network or "
    "state\n"
    "error (--once; a looping monitor reports network errors and keeps "
    "going).\n";

struct mon_ctx {
    bool json, tty;
    json_t *alerts;
    json_t *issuers;
    bool bar_drawn;
};

static void on_alert(void *ctx, const char *msg, const char *note_a,
                     const char *note_b)
{
    struct mon_ctx *c = ctx;

    if (c->bar_drawn) {
        fputc('\n', stderr);
        c->bar_drawn = false;
    }
    if (c->json) {
        json_t *a = json_pack("{s:s}", "alert", msg);
        if (note_a != NULL)
            json_object_set_new(a, "checkpoint_before", json_string(note_a));
        if (note_b != NULL)
            json_object_set_new(a, "checkpoint_now", json_string(note_b));
        json_array_append_new(c->alerts, a);
        return;
    }
    printf("ALERT: %s\n", msg);
    if (note_a != NULL)
        printf("ALERT: checkpoint verified before:\n%s", note_a);
    if (note_b != NULL)
        printf("ALERT: checkpoint the log signs now:\n%s", note_b);
    fflush(stdout);
}

static void on_progress(void *ctx, uint64_t done, uint64_t total)
{
    struct mon_ctx *c = ctx;
    int width = 40, fill;

    if (!c->tty || total == 0)
        return;
    fill = (int)(done * (uint64_t)width / total);
    fprintf(stderr, "\r[%.*s%*s] %llu/%llu entries", fill,
            "########################################", width - fill, "",
            (unsigned long long)done, (unsigned long long)total);
    c->bar_drawn = true;
    if (done == total) {
        fputc('\n', stderr);
        c->bar_drawn = false;
    }
}

static void on_issuer(void *ctx, const char *issuer, unsigned keys,
                      uint64_t issued, uint64_t revoked)
{
    struct mon_ctx *c = ctx;

    if (c->json) {
        json_array_append_new(
            c->issuers, json_pack("{s:s,s:i,s:I,s:I}", "issuer", issuer, "keys",
                                  (int)keys, "issued", (json_int_t)issued,
                                  "revoked", (json_int_t)revoked));
        return;
    }
    printf("  %-32s %5u %9llu %9llu\n", issuer, keys,
           (unsigned long long)issued, (unsigned long long)revoked);
}

/* One check; returns the exit status it deserves. */
static int check_once(struct client_monitor *mon, struct client_api *api,
                      const char *url, bool json,
                      const struct note_verifier *log, bool *complete)
{
    struct mon_ctx c = {json, isatty(2) && !json, NULL, NULL, false};
    struct client_monitor_hooks hooks = {on_alert, on_progress, &c, NULL, NULL};
    struct client_monitor_result res;
    char why[CLIENT_REASON_MAX] = "", t[64];
    int rc, status;

    c.alerts = json_array();
    c.issuers = json_array();
    rc = client_monitor_run(mon, api, &hooks, &res, why);
    status = rc == 0                    ? CLI_OK
             : rc == CLIENT_ERR_INVALID ? CLI_NEGATIVE
                                        : CLI_ERROR;
    *complete = res.complete;
    cli_time((uint64_t)time(NULL) * 1000, t, sizeof t);
    if (!json) {
        if (status == CLI_ERROR) {
            cli_error("monitor: could not check %s: %s", url, why);
            /* A checkpoint that does not verify: say so if the log changed
             * its key. */
            if (rc == CLIENT_ERR_SYNTAX)
                cli_log_key_diagnose(api, log);
        } else if (status == CLI_NEGATIVE) {
            printf("ALERT: %lu problem(s) in the log at %s; the monitor state "
                   "was not advanced "
                   "past them\n",
                   res.alerts, url);
            fprintf(stderr,
                    "credlog monitor: ALERT: the log at %s misbehaved (see "
                    "above)\n",
                    url);
        } else if (!res.complete) {
            printf("%s: %s: verified %llu of %llu entries so far (%llu this "
                   "run); the next run "
                   "continues from there\n",
                   t, url, (unsigned long long)res.verified,
                   (unsigned long long)res.new_size,
                   (unsigned long long)res.checked);
        } else if (res.first_run) {
            printf("%s: first check of %s: verified %llu entries\n", t, url,
                   (unsigned long long)res.new_size);
        } else if (res.resumed) {
            printf("%s: %s: resumed at entry %llu and verified the rest: all "
                   "%llu entries "
                   "checked\n",
                   t, url, (unsigned long long)res.old_size,
                   (unsigned long long)res.new_size);
        } else if (res.new_size == res.old_size) {
            printf("%s: %s unchanged at %llu entries\n", t, url,
                   (unsigned long long)res.new_size);
        } else {
            printf("%s: %s grew from %llu to %llu entries: consistent, %llu "
                   "new entries verified\n",
                   t, url, (unsigned long long)res.old_size,
                   (unsigned long long)res.new_size,
                   (unsigned long long)res.checked);
        }
        if (status == CLI_OK) {
            printf("  entries: %llu KEY, %llu ISSUE, %llu REVOKE, %llu MAP; "
                   "all signatures, "
                   "authorizations, map roots and times check out\n",
                   (unsigned long long)res.counts[ENTRY_KEY],
                   (unsigned long long)res.counts[ENTRY_ISSUE],
                   (unsigned long long)res.counts[ENTRY_REVOKE],
                   (unsigned long long)res.counts[ENTRY_MAP]);
            printf("  %-32s %5s %9s %9s\n", "issuer", "keys", "issued",
                   "revoked");
            client_monitor_issuers(mon, on_issuer, &c, why);
        }
        fflush(stdout);
    } else {
        json_t *o = json_pack(
            "{s:s,s:s,s:I,s:I,s:I,s:I,s:b,s:b,s:b}", "log", url, "status",
            status == CLI_OK         ? "ok"
            : status == CLI_NEGATIVE ? "alert"
                                     : "error",
            "old_size", (json_int_t)res.old_size, "size",
            (json_int_t)res.new_size, "verified", (json_int_t)res.verified,
            "checked", (json_int_t)res.checked, "first_run", res.first_run,
            "resumed", res.resumed, "complete", res.complete);
        if (status == CLI_ERROR)
            json_object_set_new(o, "error", json_string(why));
        if (status == CLI_OK)
            client_monitor_issuers(mon, on_issuer, &c, why);
        json_object_set(o, "alerts", c.alerts);
        json_object_set(o, "issuers", c.issuers);
        cli_print_json(o);
    }
    json_decref(c.alerts);
    json_decref(c.issuers);
    return status;
}

int cli_monitor(int argc, char **argv)
{
    static const struct option opts[] = {
        {"log", required_argument, NULL, 'l'},
        {"log-key", required_argument, NULL, 'K'},
        {"state", required_argument, NULL, 's'},
        {"once", no_argument, NULL, 'o'},
        {"interval", required_argument, NULL, 'i'},
        {"cacert", required_argument, NULL, 'c'},
        {"timeout", required_argument, NULL, 't'},
        {"json", no_argument, NULL, 'j'},
        {"max-entries", required_argument, NULL, 'm'},
        {"witness-policy", required_argument, NULL, 'W'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *url = NULL, *log_key = NULL, *state = NULL, *policy_path = NULL;
    static struct policy policy; /* about 40 KiB: off the stack */
    struct cli_net net = {NULL, 0};
    struct client_monitor *mon;
    struct client_api *api;
    struct note_verifier log;
    unsigned long interval = 60, max_entries = 0, v;
    char why[CLIENT_REASON_MAX];
    bool once = false, json = false, complete = true;
    int c, rc;

    optind = 0;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'l':
            url = optarg;
            break;
        case 'K':
            log_key = optarg;
            break;
        case 's':
            state = optarg;
            break;
        case 'o':
            once = true;
            break;
        case 'i':
            if (cli_parse_uint(optarg, 86400, &interval) != 0 || interval == 0)
                return cli_usage("monitor",
                                 "--interval wants 1..86400 seconds");
            break;
        case 'c':
            net.cacert = optarg;
            break;
        case 't':
            if (cli_parse_uint(optarg, 3600, &v) != 0 || v == 0)
                return cli_usage("monitor", "--timeout wants 1..3600 seconds");
            net.timeout = (int)v;
            break;
        case 'j':
            json = true;
            break;
        case 'm':
            if (cli_parse_uint(optarg, 1ul << 40, &max_entries) != 0 ||
                max_entries == 0)
                return cli_usage("monitor",
                                 "--max-entries wants a positive number");
            break;
        case 'W':
            policy_path = optarg;
            break;
        case 'h':
            fputs(monitor_help, stdout);
            return CLI_OK;
        default:
            return cli_usage("monitor", "bad option");
        }
    }
    if (url == NULL || state == NULL)
        return cli_usage("monitor", "--log and --state are required");
    if (optind != argc)
        return cli_usage("monitor", "unexpected argument '%s'", argv[optind]);
    if (policy_path != NULL &&
        client_policy_read(policy_path, &policy, why) != 0) {
        cli_error("monitor: %s", why);
        return CLI_ERROR;
    }
    if ((rc = cli_open_api(url, &net, &api)) != CLI_OK)
        return rc;
    if ((rc = cli_log_key(url, log_key, json, api, &log)) != CLI_OK) {
        client_api_close(api);
        return rc;
    }
    if (client_monitor_open(state, &log, &mon, why) != 0) {
        cli_error("monitor: %s", why);
        client_api_close(api);
        return CLI_ERROR;
    }
    client_monitor_set_limits(mon, max_entries, 0);
    if (policy_path != NULL)
        client_monitor_set_policy(mon, &policy);
    for (;;) {
        rc = check_once(mon, api, url, json, &log, &complete);
        if (once || rc == CLI_NEGATIVE)
            break;
        if (rc != CLI_OK || complete)
            sleep((unsigned)interval);
    }
    client_api_close(api);
    client_monitor_close(mon);
    return rc;
}
