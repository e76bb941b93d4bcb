/*
 * main.c: logd's flags, configuration and wiring. The only place that exits.
 * docs/operations.md describes every flag, file and signal.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/thread.h>

#include "logd/dev.h"
#include "logd/http.h"
#include "logd/issuers.h"
#include "logd/log.h"
#include "logd/metrics.h"
#include "logd/metrics_listen.h"
#include "logd/notify.h"
#include "logd/push.h"
#include "logd/quorum.h"
#include "logd/replica.h"
#include "logd/seq.h"
#include "logd/signer.h"
#include "logd/store.h"
#include "logd/tls.h"

static const char usage_text[] =
    "usage: logd --data DIR --listen ADDR:PORT --key FILE|URI --issuers FILE "
    "[options]\n"
    "       logd --dev [--data DIR] [--listen ADDR:PORT] [options]\n"
    "       logd --replica-of URL --log-key VKEY --data DIR --listen ADDR:PORT "
    "[options]\n"
    "\n"
    "  --data DIR          the LMDB data directory (created if missing)\n"
    "  --listen ADDR:PORT  address to serve HTTP on; port 0 picks a free one\n"
    "  --key FILE|URI      the log's signer key (a file, mode 0600, or a "
    "pkcs11: URI\n"
    "                      naming a key in a PKCS#11 token); its name is the "
    "origin\n"
    "  --issuers FILE      authorized issuer verifier keys, one a line\n"
    "  --min-size N        refuse to start on a log of fewer than N entries "
    "(the\n"
    "                      size of a checkpoint it has published: a restored "
    "old\n"
    "                      backup must not fork the log)\n"
    "  --batch-max N       flush a batch at N waiting entries (4096)\n"
    "  --batch-wait MS     or MS milliseconds after the first (5)\n"
    "  --heartbeat S       append a MAP entry after S idle seconds (300; 0: "
    "never)\n"
    "  --threads N         HTTP threads (number of CPUs)\n"
    "  --port-file FILE    write the port actually bound to FILE\n"
    "  --map-size BYTES    initial LMDB map size (1 GiB; grows on demand)\n"
    "  --map-max BYTES     never grow the map beyond BYTES (16 TiB)\n"
    "  --max-body BYTES    largest request body (1048576; 413 beyond)\n"
    "  --max-headers BYTES largest request line and headers (16384; 400 "
    "beyond)\n"
    "  --max-url BYTES     longest request target (2048; 414 beyond)\n"
    "  --max-entries N     most submissions in one POST /v1/entries (1000)\n"
    "  --max-connections N open HTTP connections (1024); beyond, 503 and "
    "close\n"
    "  --max-connections-per-ip N\n"
    "                      open connections from one address, IPv6 by /64 "
    "(128)\n"
    "  --first-byte-timeout S\n"
    "                      a new connection must send its first byte within "
    "S\n"
    "                      seconds (5)\n"
    "  --metrics-listen ADDR:PORT\n"
    "                      serve /metrics there only (e.g. 127.0.0.1:9100)\n"
    "  --timeout S         per-connection read/write inactivity timeout (30)\n"
    "  --request-timeout S a whole request must arrive within S seconds of "
    "the\n"
    "                      connection or of the previous answer (20)\n"
    "  --tls-cert FILE     serve HTTPS: certificate chain (PEM), with "
    "--tls-key\n"
    "  --tls-key FILE      the certificate's private key (PEM, not readable "
    "by\n"
    "                      others)\n"
    "  --witness-policy FILE\n"
    "                      a C2SP tlog-policy: push checkpoints to its "
    "witnesses\n"
    "                      and serve the latest that meets its quorum\n"
    "  --witness-interval DURATION\n"
    "                      push to a witness at most this often (1s; "
    "ms, s, m, h)\n"
    "  --witness-timeout DURATION\n"
    "                      a push's deadline (5s)\n"
    "  --witness-refresh DURATION\n"
    "                      re-push an unchanged tree this often (10m)\n"
    "  --witness-cacert FILE\n"
    "                      CA certificates for https witnesses (the system "
    "store)\n"
    "  --witness-max-pin DURATION\n"
    "                      without a new quorum for this long, stop holding "
    "its\n"
    "                      snapshot: status proofs use the latest (1h)\n"
    "  --dev               development mode: keys and data in ./var/dev (made "
    "on\n"
    "                      first start), listening on " DEV_LISTEN "\n"
    "  --no-web            do not serve the verification page at /\n"
    "  --replica-of URL    be a verified read replica of the primary at URL: "
    "follow\n"
    "                      its checkpoint, tiles and entry bundles, verify "
    "them as\n"
    "                      credlog monitor does, and serve the copy (POSTs "
    "get 421)\n"
    "  --log-key VKEY      the log's verifier key (a replica's only trust "
    "anchor)\n"
    "  --replica-interval DURATION\n"
    "                      look at the primary's checkpoint this often (1s)\n"
    "  --replica-step N    verify at most N entries between two looks "
    "(16384)\n"
    "  --replica-cacert FILE\n"
    "                      CA certificates for an https primary (the system "
    "store)\n"
    "\n"
    "Signals: SIGTERM/SIGINT stop after answering the batch in flight; SIGHUP\n"
    "reloads the issuers file and the TLS certificate and key.\n";

struct options {
    const char *data, *listen, *key, *issuers, *port_file, *tls_cert, *tls_key;
    const char *metrics_listen, *witness_policy, *witness_cacert;
    const char *replica_of, *log_key, *replica_cacert;
    unsigned long long replica_interval_ms, replica_step;
    unsigned long long witness_interval_ms, witness_timeout_ms;
    unsigned long long witness_refresh_ms, witness_max_pin_ms;
    unsigned long long max_per_ip, first_byte_timeout;
    unsigned long batch_max, batch_wait, heartbeat, threads;
    unsigned long long map_size, map_max, max_body, max_headers, timeout;
    unsigned long long max_url, max_entries, max_connections, request_timeout;
    unsigned long long min_size;
    bool dev, no_web;
};

struct app {
    struct options *opt;
    struct event_base *base;
    struct seq *seq;
    struct http_server *http;
    struct metrics_listen *metrics_listen;
};

static int usage(const char *fmt, const char *arg)
{
    if (fmt != NULL) {
        fprintf(stderr, "logd: ");
        fprintf(stderr, fmt, arg);
        fprintf(stderr, "\n\n");
    }
    fputs(usage_text, stderr);
    return 2;
}

static int parse_num(const char *s, unsigned long long min,
                     unsigned long long max, unsigned long long *out)
{
    char *end;
    unsigned long long v;

    if (s[0] < '0' || s[0] > '9')
        return -1;
    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno != 0 || *end != '\0' || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

/* A duration: decimal digits and a unit, ms, s (the default), m or h. */
static int parse_duration_ms(const char *s, unsigned long long min,
                             unsigned long long max, unsigned long long *out)
{
    static const struct {
        const char *unit;
        unsigned long long ms;
    } units[] = {{"ms", 1},    {"s", 1000},    {"", 1000},
                 {"m", 60000}, {"h", 3600000}, {"d", 86400000}};
    char digits[32];
    size_t n = strspn(s, "0123456789");
    unsigned long long v;

    if (n == 0 || n >= sizeof digits)
        return -1;
    memcpy(digits, s, n);
    digits[n] = '\0';
    if (parse_num(digits, 0, 1ULL << 40, &v) != 0)
        return -1;
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (strcmp(s + n, units[i].unit) == 0) {
            v *= units[i].ms;
            if (v < min || v > max)
                return -1;
            *out = v;
            return 0;
        }
    return -1;
}

static int parse_options(int argc, char **argv, struct options *o)
{
    static const struct option longopts[] = {
        {"data", required_argument, NULL, 'd'},
        {"listen", required_argument, NULL, 'l'},
        {"key", required_argument, NULL, 'k'},
        {"issuers", required_argument, NULL, 'i'},
        {"batch-max", required_argument, NULL, 'b'},
        {"batch-wait", required_argument, NULL, 'w'},
        {"heartbeat", required_argument, NULL, 'H'},
        {"threads", required_argument, NULL, 't'},
        {"port-file", required_argument, NULL, 'p'},
        {"map-size", required_argument, NULL, 'm'},
        {"map-max", required_argument, NULL, 'M'},
        {"max-body", required_argument, NULL, 'B'},
        {"max-headers", required_argument, NULL, 'E'},
        {"timeout", required_argument, NULL, 'T'},
        {"max-url", required_argument, NULL, 'U'},
        {"max-entries", required_argument, NULL, 'N'},
        {"max-connections", required_argument, NULL, 'C'},
        {"request-timeout", required_argument, NULL, 'R'},
        {"tls-cert", required_argument, NULL, 'c'},
        {"tls-key", required_argument, NULL, 'K'},
        {"max-connections-per-ip", required_argument, NULL, 'P'},
        {"first-byte-timeout", required_argument, NULL, 'F'},
        {"metrics-listen", required_argument, NULL, 'L'},
        {"min-size", required_argument, NULL, 'S'},
        {"witness-policy", required_argument, NULL, 'W'},
        {"witness-interval", required_argument, NULL, 'I'},
        {"witness-timeout", required_argument, NULL, 'O'},
        {"witness-refresh", required_argument, NULL, 'Q'},
        {"witness-max-pin", required_argument, NULL, 'X'},
        {"witness-cacert", required_argument, NULL, 'A'},
        {"dev", no_argument, NULL, 'D'},
        {"no-web", no_argument, NULL, 'n'},
        {"replica-of", required_argument, NULL, 'r'},
        {"log-key", required_argument, NULL, 'V'},
        {"replica-interval", required_argument, NULL, 'Y'},
        {"replica-step", required_argument, NULL, 'Z'},
        {"replica-cacert", required_argument, NULL, 'a'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    unsigned long long v;
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    int c;

    memset(o, 0, sizeof *o);
    o->batch_max = 4096;
    o->batch_wait = 5;
    o->heartbeat = 300;
    o->threads = ncpu > 0 ? (unsigned long)ncpu : 2;
    o->max_body = 1 << 20;
    o->max_headers = 16384;
    o->timeout = 30;
    o->max_url = 2048;
    o->max_entries = 1000;
    o->max_connections = 1024;
    o->request_timeout = 20;
    o->max_per_ip = 128;
    o->first_byte_timeout = 5;
    o->witness_interval_ms = 1000;
    o->witness_timeout_ms = 5000;
    o->witness_refresh_ms = 600000;
    o->witness_max_pin_ms = 3600000;
    o->replica_interval_ms = 1000;
    o->replica_step = 16384;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
        case 'd':
            o->data = optarg;
            break;
        case 'l':
            o->listen = optarg;
            break;
        case 'k':
            o->key = optarg;
            break;
        case 'i':
            o->issuers = optarg;
            break;
        case 'p':
            o->port_file = optarg;
            break;
        case 'c':
            o->tls_cert = optarg;
            break;
        case 'K':
            o->tls_key = optarg;
            break;
        case 'L':
            o->metrics_listen = optarg;
            break;
        case 'P':
            if (parse_num(optarg, 1, 1000000, &v) != 0)
                return usage("--max-connections-per-ip wants 1..1000000, not "
                             "%s",
                             optarg);
            o->max_per_ip = v;
            break;
        case 'F':
            if (parse_num(optarg, 1, 3600, &v) != 0)
                return usage("--first-byte-timeout wants 1..3600 seconds, not "
                             "%s",
                             optarg);
            o->first_byte_timeout = v;
            break;
        case 'S':
            if (parse_num(optarg, 0, INT64_MAX, &v) != 0)
                return usage("--min-size wants a number of entries, not %s",
                             optarg);
            o->min_size = v;
            break;
        case 'W':
            o->witness_policy = optarg;
            break;
        case 'A':
            o->witness_cacert = optarg;
            break;
        case 'I':
            if (parse_duration_ms(optarg, 10, 86400000, &v) != 0)
                return usage("--witness-interval wants 10ms..24h, not %s",
                             optarg);
            o->witness_interval_ms = v;
            break;
        case 'O':
            if (parse_duration_ms(optarg, 10, 600000, &v) != 0)
                return usage("--witness-timeout wants 10ms..10m, not %s",
                             optarg);
            o->witness_timeout_ms = v;
            break;
        case 'Q':
            if (parse_duration_ms(optarg, 1000, 600000, &v) != 0)
                return usage("--witness-refresh wants 1s..10m, not %s", optarg);
            o->witness_refresh_ms = v;
            break;
        case 'X':
            if (parse_duration_ms(optarg, 1000, 86400000ULL * 365, &v) != 0)
                return usage("--witness-max-pin wants 1s..365d, not %s",
                             optarg);
            o->witness_max_pin_ms = v;
            break;
        case 'D':
            o->dev = true;
            break;
        case 'r':
            o->replica_of = optarg;
            break;
        case 'V':
            o->log_key = optarg;
            break;
        case 'a':
            o->replica_cacert = optarg;
            break;
        case 'Y':
            if (parse_duration_ms(optarg, 10, 86400000, &v) != 0)
                return usage("--replica-interval wants 10ms..24h, not %s",
                             optarg);
            o->replica_interval_ms = v;
            break;
        case 'Z':
            if (parse_num(optarg, 1, 1ULL << 32, &v) != 0)
                return usage("--replica-step wants 1..4294967296 entries, not "
                             "%s",
                             optarg);
            o->replica_step = v;
            break;
        case 'n':
            o->no_web = true;
            break;
        case 'h':
            fputs(usage_text, stdout);
            exit(0);
        case 'b':
            if (parse_num(optarg, 1, 1000000, &v) != 0)
                return usage("--batch-max wants 1..1000000, not %s", optarg);
            o->batch_max = (unsigned long)v;
            break;
        case 'w':
            if (parse_num(optarg, 0, 60000, &v) != 0)
                return usage("--batch-wait wants 0..60000 ms, not %s", optarg);
            o->batch_wait = (unsigned long)v;
            break;
        case 'H':
            if (parse_num(optarg, 0, 86400 * 365, &v) != 0)
                return usage("--heartbeat wants seconds, not %s", optarg);
            o->heartbeat = (unsigned long)v;
            break;
        case 't':
            if (parse_num(optarg, 1, 256, &v) != 0)
                return usage("--threads wants 1..256, not %s", optarg);
            o->threads = (unsigned long)v;
            break;
        case 'm':
            if (parse_num(optarg, 1 << 20, 1ULL << 44, &v) != 0)
                return usage("--map-size wants 1 MiB..16 TiB, not %s", optarg);
            o->map_size = v;
            break;
        case 'M':
            if (parse_num(optarg, 1 << 20, 1ULL << 44, &v) != 0)
                return usage("--map-max wants 1 MiB..16 TiB, not %s", optarg);
            o->map_max = v;
            break;
        case 'B':
            if (parse_num(optarg, 1024, 1 << 30, &v) != 0)
                return usage("--max-body wants 1024..1073741824, not %s",
                             optarg);
            o->max_body = v;
            break;
        case 'E':
            if (parse_num(optarg, 1024, 1 << 24, &v) != 0)
                return usage("--max-headers wants 1024..16777216, not %s",
                             optarg);
            o->max_headers = v;
            break;
        case 'T':
            if (parse_num(optarg, 1, 3600, &v) != 0)
                return usage("--timeout wants 1..3600 seconds, not %s", optarg);
            o->timeout = v;
            break;
        case 'U':
            if (parse_num(optarg, 64, 1 << 24, &v) != 0)
                return usage("--max-url wants 64..16777216, not %s", optarg);
            o->max_url = v;
            break;
        case 'N':
            if (parse_num(optarg, 1, 1000, &v) != 0)
                return usage("--max-entries wants 1..1000, not %s", optarg);
            o->max_entries = v;
            break;
        case 'C':
            if (parse_num(optarg, 1, 1000000, &v) != 0)
                return usage("--max-connections wants 1..1000000, not %s",
                             optarg);
            o->max_connections = v;
            break;
        case 'R':
            if (parse_num(optarg, 1, 3600, &v) != 0)
                return usage("--request-timeout wants 1..3600 seconds, not %s",
                             optarg);
            o->request_timeout = v;
            break;
        default:
            return usage(NULL, NULL);
        }
    }
    if (optind < argc)
        return usage("unexpected argument %s", argv[optind]);
    if ((o->tls_cert == NULL) != (o->tls_key == NULL))
        return usage("%s", "--tls-cert and --tls-key go together");
    if (o->replica_of != NULL) {
        if (o->dev || o->key != NULL || o->issuers != NULL)
            return usage("%s", "a replica (--replica-of) has no --key, "
                               "--issuers or --dev: it signs nothing");
        if (o->data == NULL || o->listen == NULL || o->log_key == NULL)
            return usage("%s", "--replica-of needs --log-key, --data and "
                               "--listen");
        return 0;
    }
    if (o->log_key != NULL)
        return usage("%s", "--log-key is for a replica (--replica-of)");
    if (o->dev) {
        if (o->data == NULL)
            o->data = DEV_DIR;
        if (o->listen == NULL)
            o->listen = DEV_LISTEN;
        if (o->key != NULL || o->issuers != NULL)
            return usage("%s", "--dev makes its own --key and --issuers");
        return 0;
    }
    if (o->data == NULL || o->listen == NULL || o->key == NULL ||
        o->issuers == NULL)
        return usage("%s", "--data, --listen, --key and --issuers are required "
                           "(or --dev)");
    return 0;
}

static int load_issuers(const char *path, struct issuer_key **keys, size_t *n)
{
    size_t line;
    int err = issuers_load(path, keys, n, &line);

    if (err == ISSUERS_ERR_FILE)
        log_msg("cannot read issuers file %s: %s", path, strerror(errno));
    else if (err != 0 && line > 0)
        log_msg("issuers file %s, line %zu: %s", path, line,
                issuers_strerror(err));
    else if (err != 0)
        log_msg("issuers file %s: %s", path, issuers_strerror(err));
    return err;
}

static int write_port_file(const char *path, unsigned port)
{
    char tmp[PATH_MAX];
    FILE *f;

    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    f = fopen(tmp, "w");
    if (f == NULL)
        return -1;
    fprintf(f, "%u\n", port);
    if (fclose(f) != 0 || rename(tmp, path) != 0)
        return -1;
    return 0;
}

static void on_stop(evutil_socket_t sig, short what, void *arg)
{
    struct app *app = arg;

    (void)what;
    log_msg("received %s: stopping", sig == SIGINT ? "SIGINT" : "SIGTERM");
    event_base_loopbreak(app->base);
}

static void on_hup(evutil_socket_t sig, short what, void *arg)
{
    struct app *app = arg;
    struct issuer_key *keys;
    size_t n;

    (void)sig;
    (void)what;
    if (app->seq == NULL) {
        log_msg("received SIGHUP"); /* a replica: no issuers file */
    } else {
        log_msg("received SIGHUP: reloading %s", app->opt->issuers);
        if (load_issuers(app->opt->issuers, &keys, &n) != 0) {
            log_msg("keeping the current issuer keys");
        } else {
            if (seq_reload_issuers(app->seq, keys, n) != 0)
                log_msg("cannot reload the issuer keys now");
            free(keys);
        }
    }
    if (app->opt->tls_cert != NULL && app->http != NULL) {
        char errbuf[512];
        SSL_CTX *tls;
        if (tls_server_new(app->opt->tls_cert, app->opt->tls_key, &tls, errbuf,
                           sizeof errbuf) != 0) {
            log_msg("%s; keeping the current TLS certificate", errbuf);
            return;
        }
        http_set_tls(app->http, tls);
        tls_server_free(tls);
        log_msg("reloaded the TLS certificate %s", app->opt->tls_cert);
    }
}

/* Raises the soft limit on open files to what --max-connections needs (as
 * far as the hard limit allows), or else lowers --max-connections to fit:
 * accept() must never fail for want of descriptors. */
static void fit_fd_limit(struct options *o)
{
    rlim_t reserve = 64 + 8 * (rlim_t)o->threads;
    rlim_t need = (rlim_t)o->max_connections + reserve;
    struct rlimit rl;

    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return;
    if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need) {
        struct rlimit want = rl;
        want.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= need
                            ? need
                            : rl.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &want) == 0)
            rl = want;
    }
    if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need) {
        unsigned long long fit =
            rl.rlim_cur > reserve + 16
                ? (unsigned long long)(rl.rlim_cur - reserve)
                : 16;
        log_msg("the open file limit (%llu) allows only %llu connections: "
                "--max-connections lowered from %llu",
                (unsigned long long)rl.rlim_cur, fit, o->max_connections);
        o->max_connections = fit;
    }
}

static void print_dev_banner(const char *argv0, const struct dev_paths *p,
                             const char *vkey, const char *address,
                             const char *scheme)
{
    char credlog[PATH_MAX];
    const char *slash = strrchr(argv0, '/');

    snprintf(credlog, sizeof credlog, "credlog");
    if (slash != NULL) {
        char candidate[PATH_MAX];
        snprintf(candidate, sizeof candidate, "%.*s/credlog",
                 (int)(slash - argv0), argv0);
        if (access(candidate, X_OK) == 0)
            snprintf(credlog, sizeof credlog, "%s", candidate);
    }
    printf("\ncredlog development log is running at %s://%s\n"
           "  log verifier key: %s\n"
           "  demo issuer key:  %s (authorized in %s)\n\n"
           "Issue a credential (any file) from another terminal:\n"
           "  %s issue --log %s://%s --log-key '%s' --key %s FILE\n\n",
           scheme, address, vkey, p->issuer_key, p->issuers, credlog, scheme,
           address, vkey, p->issuer_key);
    fflush(stdout);
}

/* Whether data is a replica's data directory: it holds the replica's
 * monitor state (logd/replica.h). */
static bool replica_dir(const char *data)
{
    char path[PATH_MAX];
    struct stat st;

    snprintf(path, sizeof path, "%s/replica", data);
    return stat(path, &st) == 0;
}

int main(int argc, char **argv)
{
    struct options o;
    struct dev_paths dev;
    struct app app;
    struct signer *signer = NULL;
    struct store *store = NULL;
    struct seq *seq = NULL;
    struct replica *replica = NULL;
    struct metrics *metrics = NULL;
    struct http_server *http = NULL;
    struct quorum *quorum = NULL;
    struct push *push = NULL;
    struct policy *policy = NULL;
    char *policy_text = NULL; /* the file, served at /v1/witness-policy */
    size_t policy_len = 0;
    SSL_CTX *tls = NULL;
    struct issuer_key *keys = NULL;
    struct event *ev_term = NULL, *ev_int = NULL, *ev_hup = NULL;
    struct note_verifier v;
    char vkey[NOTE_KEY_TEXT_MAX], errbuf[512];
    sigset_t sigs;
    size_t nkeys = 0;
    int rc, status = 1;

    if ((rc = parse_options(argc, argv, &o)) != 0)
        return rc;
    signal(SIGPIPE, SIG_IGN);
    /* A write past the file size limit fails with EFBIG (a full disk, to
     * the store) instead of killing the process. */
    signal(SIGXFSZ, SIG_IGN);
    /* No core dumps: a core file would hold the log's private key. */
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    if (evthread_use_pthreads() != 0) {
        log_msg("cannot enable libevent threads");
        return 1;
    }
    if (o.dev) {
        if (dev_bootstrap(o.data, &dev, errbuf, sizeof errbuf) != 0) {
            log_msg("--dev: %s", errbuf);
            return 1;
        }
        o.key = dev.log_key;
        o.issuers = dev.issuers;
    }
    memset(&app, 0, sizeof app);
    app.opt = &o;

    if (o.replica_of != NULL) {
        /* A replica signs nothing: the log key is its trust anchor. */
        if (note_verifier_parse(o.log_key, strlen(o.log_key), &v) != 0) {
            log_msg("--log-key: not a verifier key: %s", o.log_key);
            goto out;
        }
    } else if ((rc = signer_load(o.key, &signer, errbuf, sizeof errbuf)) != 0) {
        log_msg("log key: %s", errbuf);
        goto out;
    } else {
        signer_verifier(signer, &v);
    }
    if (o.tls_cert != NULL && tls_server_new(o.tls_cert, o.tls_key, &tls,
                                             errbuf, sizeof errbuf) != 0) {
        log_msg("%s", errbuf);
        goto out;
    }
    fit_fd_limit(&o);
    if (note_verifier_format(&v, vkey, sizeof vkey) < 0)
        goto out;
    if (o.replica_of == NULL && load_issuers(o.issuers, &keys, &nkeys) != 0)
        goto out;
    if (o.witness_policy != NULL) {
        policy = malloc(sizeof *policy);
        if (policy == NULL ||
            push_policy_read(o.witness_policy, policy, &policy_text,
                             &policy_len, errbuf, sizeof errbuf) != 0) {
            log_msg("--witness-policy %s", policy ? errbuf : "out of memory");
            goto out;
        }
        /* A replica requires the policy of what it follows; it pushes to
         * no witness. */
        if (o.replica_of == NULL &&
            (quorum = quorum_new((unsigned)o.threads)) == NULL)
            goto out;
    }
    if (o.replica_of == NULL && replica_dir(o.data)) {
        log_msg("%s is a replica's data directory (%s/replica is its monitor "
                "state): a primary on it would append to a copy of another "
                "logd's log and fork it; refusing to start (start it with "
                "--replica-of, docs/operations.md, \"Replicas\")",
                o.data, o.data);
        goto out;
    }
    if (dev_mkdirs(o.data, 0700) != 0) {
        log_msg("cannot create data directory %s: %s", o.data, strerror(errno));
        goto out;
    }
    {
        /* Readers: one per HTTP worker; each view of the push holds
         * threads + 1 snapshots, and the push holds at most one view per
         * witness (the round its request in flight was for) plus the
         * current and the published one. */
        struct store_options so = {
            o.map_size, (unsigned)o.threads + 16 +
                            (policy != NULL ? (policy->nwitnesses + 2) *
                                                  ((unsigned)o.threads + 1)
                                            : 0)};
        if (store_open(o.data, &so, &store, errbuf, sizeof errbuf) != 0) {
            log_msg("cannot open storage: %s", errbuf);
            goto out;
        }
        store_set_max_map(store, o.map_max);
    }
    if ((metrics = metrics_new()) == NULL)
        goto out;
    if (o.replica_of != NULL) {
        struct replica_config rc_ = {
            o.replica_of,     vkey,
            o.data,           policy,
            o.replica_cacert, (unsigned)o.replica_interval_ms,
            o.replica_step,   isatty(STDERR_FILENO) == 1};
        if (replica_open(&rc_, store, metrics, &replica, errbuf,
                         sizeof errbuf) != 0) {
            log_msg("cannot open the replica in %s: %s", o.data, errbuf);
            goto out;
        }
        log_msg("replica of %s (log key %s): %llu entries", o.replica_of, vkey,
                (unsigned long long)replica_size(replica));
    }
    if (o.replica_of == NULL) {
        struct seq_config sc = {(uint32_t)o.batch_max, (uint32_t)o.batch_wait,
                                (uint32_t)o.heartbeat, 0};
        if (seq_open(store, signer, metrics, &sc, &seq, errbuf,
                     sizeof errbuf) != 0) {
            log_msg("cannot open the log in %s: %s", o.data, errbuf);
            goto out;
        }
    }
    /* Before anything is appended: a KEY or MAP entry on an old copy
     * would fork the log everyone has seen. */
    if (seq != NULL && seq_tree_size(seq) < o.min_size) {
        log_msg("the log in %s has %llu entries, fewer than --min-size %llu: "
                "it is older than a checkpoint the log has published (an "
                "old backup?); refusing to start, as serving it would fork "
                "the log (docs/operations.md, \"Backup and restore\")",
                o.data, (unsigned long long)seq_tree_size(seq), o.min_size);
        goto out;
    }
    if (seq != NULL &&
        (rc = seq_sync_issuers(seq, keys, nkeys, errbuf, sizeof errbuf)) != 0) {
        log_msg("cannot bring the issuer keys up to date: %s", errbuf);
        goto out;
    }
    free(keys);
    keys = NULL;
    if (seq != NULL)
        log_msg("log %s (key %s): %llu entries", signer_origin(signer), vkey,
                (unsigned long long)seq_tree_size(seq));
    app.seq = seq;

    /* Signals go to the main thread's event loop only. */
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    if (seq != NULL && seq_start(seq) != 0) {
        log_msg("cannot start the sequencer");
        goto out;
    }
    if (replica != NULL && replica_start(replica) != 0) {
        log_msg("cannot start the replica");
        goto out;
    }
    /* The push starts first: its metrics are named before any HTTP
     * thread reads them, and a saved quorum checkpoint is published before
     * the first request. */
    if (policy != NULL && seq != NULL) {
        struct push_config pc = {policy,
                                 vkey,
                                 (unsigned)o.witness_interval_ms,
                                 (unsigned)o.witness_timeout_ms,
                                 (unsigned)(o.witness_refresh_ms / 1000),
                                 (unsigned)(o.witness_max_pin_ms / 1000),
                                 (unsigned)o.threads,
                                 o.witness_cacert};
        if (push_start(&pc, store, seq, quorum, metrics, &push, errbuf,
                       sizeof errbuf) != 0) {
            log_msg("--witness-policy %s: %s", o.witness_policy, errbuf);
            goto out;
        }
    }
    {
        struct http_config hc = {o.listen,
                                 (unsigned)o.threads,
                                 (size_t)o.max_body,
                                 (size_t)o.max_headers,
                                 (size_t)o.max_url,
                                 (size_t)o.max_entries,
                                 (unsigned)o.max_connections,
                                 (int)o.timeout,
                                 (int)o.request_timeout,
                                 (unsigned)o.max_per_ip,
                                 (int)o.first_byte_timeout,
                                 o.metrics_listen != NULL,
                                 tls,
                                 quorum,
                                 !o.no_web,
                                 o.dev,
                                 policy_text,
                                 policy_len,
                                 o.replica_of};
        if (http_start(&hc, store, seq, metrics, &http, errbuf,
                       sizeof errbuf) != 0) {
            log_msg("%s", errbuf);
            goto out;
        }
    }
    app.http = http;
    app.base = event_base_new();
    if (app.base == NULL)
        goto out;
    ev_term = evsignal_new(app.base, SIGTERM, on_stop, &app);
    ev_int = evsignal_new(app.base, SIGINT, on_stop, &app);
    ev_hup = evsignal_new(app.base, SIGHUP, on_hup, &app);
    if (o.metrics_listen != NULL) {
        if (metrics_listen_start(app.base, o.metrics_listen, metrics,
                                 &app.metrics_listen, errbuf,
                                 sizeof errbuf) != 0) {
            log_msg("%s", errbuf);
            goto out;
        }
        log_msg("serving /metrics on %s only",
                metrics_listen_address(app.metrics_listen));
    }
    if (ev_term == NULL || ev_int == NULL || ev_hup == NULL ||
        evsignal_add(ev_term, NULL) != 0 || evsignal_add(ev_int, NULL) != 0 ||
        evsignal_add(ev_hup, NULL) != 0)
        goto out;
    pthread_sigmask(SIG_UNBLOCK, &sigs, NULL);

    log_msg("listening on %s", http_address(http));
    if (o.port_file != NULL &&
        write_port_file(o.port_file, http_port(http)) != 0) {
        log_msg("cannot write %s: %s", o.port_file, strerror(errno));
        goto out;
    }
    if (o.dev)
        print_dev_banner(argv[0], &dev, vkey, http_address(http),
                         tls != NULL ? "https" : "http");
    if ((rc = notify_send("READY=1")) != 0) {
        log_msg("cannot tell systemd logd is ready: %s%s%s",
                notify_strerror(rc), rc == NOTIFY_ERR_IO ? ": " : "",
                rc == NOTIFY_ERR_IO ? strerror(errno) : "");
        goto out;
    }
    event_base_dispatch(app.base);
    (void)notify_send("STOPPING=1");
    status = 0;

out:
    if (http != NULL)
        http_stop_accepting(http);
    if (seq != NULL)
        seq_stop(seq); /* answers everything queued */
    replica_stop(replica);
    http_stop(http);
    push_stop(push);
    quorum_free(quorum);
    free(policy);
    free(policy_text);
    seq_free(seq);
    replica_free(replica);
    store_close(store);
    signer_free(signer);
    tls_server_free(tls);
    metrics_free(metrics);
    free(keys);
    if (ev_term != NULL)
        event_free(ev_term);
    if (ev_int != NULL)
        event_free(ev_int);
    if (ev_hup != NULL)
        event_free(ev_hup);
    metrics_listen_free(app.metrics_listen);
    if (app.base != NULL)
        event_base_free(app.base);
    if (status == 0)
        log_msg("stopped");
    return status;
}
