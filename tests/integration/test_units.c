/*
 * test_units.c: the shipped systemd units' commands, run as systemd would
 * run them (contrib/systemd; docs/operations.md, "Install as a Debian
 * service"), minus the sandbox, which needs a running systemd.
 *
 * For logd.service, credlog-witness.service and credlog-monitor.service the
 * test reads ExecStart=, Environment=, LoadCredential= and StateDirectory=
 * from the unit file itself and plays the service manager: it makes the
 * state directory (mode 0700), copies each credential into a credentials
 * directory (mode 0400, as systemd does), expands %S, %d and the
 * ${VARIABLES}, moves /etc/credlog/ and the binaries to the test's own, and
 * for Type=notify binds $NOTIFY_SOCKET. Then:
 *  - logd starts on the key given as a credential and reports READY=1;
 *  - the witness starts on its credential key and reports READY=1;
 *  - the monitor's one run (--once) checks the log and exits 0, leaving
 *    its state and key pin in its state directory;
 *  - SIGTERM (systemctl stop) stops logd and the witness with STOPPING=1
 *    and exit 0.
 * A token of an ExecStart line that the test does not know how to expand
 * fails the test: a new specifier or variable in a unit must be tested.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "files.h"
#include "issuer.h"
#include "logd_proc.h"
#include "wait.h"
#include "witness_proc.h"

#define MAX_ARGS 32

static char root[512];        /* the test's directory */
static char logd_url[64];     /* logd.service's address once ready */
static const char *logd_vkey; /* the log's verifier key string */

/* snprintf() that aborts rather than truncate a path. */
__attribute__((format(printf, 3, 4))) static void fmt(char *buf, size_t cap,
                                                      const char *f, ...)
{
    va_list ap;
    int n;

    va_start(ap, f);
    n = vsnprintf(buf, cap, f, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= cap)
        abort();
}

/* One unit as the test runs it. */
struct unit {
    const char *name;      /* "logd" for contrib/systemd/logd.service */
    char *text;            /* the unit file */
    char *argv[MAX_ARGS];  /* ExecStart, expanded */
    char state[600];       /* %S/<StateDirectory> */
    char creds[600];       /* %d */
    char port_file[600];   /* where the port goes ($..._OPTIONS) */
    char notify_path[600]; /* $NOTIFY_SOCKET */
    char log_path[600];    /* stderr and stdout */
    char *env[8];          /* Environment= lines the command needs */
    int notify_fd;
    pid_t pid;
};

/* The value of the first line "key=..." in the unit, copied into out. */
static bool unit_value(const struct unit *u, const char *key, char *out,
                       size_t cap)
{
    size_t klen = strlen(key);

    for (const char *l = u->text; l != NULL && *l != '\0';) {
        const char *end = strchr(l, '\n');
        size_t n = end != NULL ? (size_t)(end - l) : strlen(l);
        if (n > klen && strncmp(l, key, klen) == 0 && l[klen] == '=') {
            fmt(out, cap, "%.*s", (int)(n - klen - 1), l + klen + 1);
            return true;
        }
        l = end != NULL ? end + 1 : NULL;
    }
    return false;
}

/* Expands one ExecStart token into *out (malloc'd; NULL for "drop it");
 * returns false for a token the test does not know. */
static bool expand(struct unit *u, const char *tok, char **out)
{
    char buf[1200];

    *out = NULL;
    if (strcmp(tok, "/usr/sbin/logd") == 0)
        fmt(buf, sizeof buf, "%s", logd_proc_binary());
    else if (strcmp(tok, "/usr/bin/credlog") == 0)
        fmt(buf, sizeof buf, "%s", getenv("CREDLOG_BIN"));
    else if (strncmp(tok, "%S/", 3) == 0)
        fmt(buf, sizeof buf, "%s/state/%s", root, tok + 3);
    else if (strncmp(tok, "%d/", 3) == 0)
        fmt(buf, sizeof buf, "%s/%s", u->creds, tok + 3);
    else if (strncmp(tok, "/etc/credlog/", 13) == 0)
        fmt(buf, sizeof buf, "%s/etc/%s", root, tok + 13);
    else if (strcmp(tok, "${LOGD_LISTEN}") == 0 ||
             strcmp(tok, "${WITNESS_LISTEN}") == 0)
        fmt(buf, sizeof buf, "127.0.0.1:0");
    else if (strcmp(tok, "${MONITOR_LOG}") == 0)
        fmt(buf, sizeof buf, "%s", logd_url);
    else if (strcmp(tok, "$LOGD_OPTIONS") == 0 ||
             strcmp(tok, "$WITNESS_OPTIONS") == 0 ||
             strcmp(tok, "$MONITOR_OPTIONS") == 0)
        return true; /* empty by default; --port-file is added below */
    else if (strchr(tok, '%') != NULL || strchr(tok, '$') != NULL)
        return false;
    else
        fmt(buf, sizeof buf, "%s", tok);
    *out = strdup(buf);
    return *out != NULL;
}

/* Reads contrib/systemd/<name>.service and prepares what systemd would. */
static bool unit_load(struct unit *u, const char *name, bool has_port)
{
    char path[700], line[1200], dir[200], cred[300];
    const char *data = getenv("CREDLOG_TEST_DATA");
    size_t argc = 0;

    memset(u, 0, sizeof *u);
    u->name = name;
    u->notify_fd = -1;
    fmt(path, sizeof path, "%s/../../contrib/systemd/%s.service", data, name);
    if ((u->text = files_read(path, NULL)) == NULL) {
        fprintf(stderr, "cannot read %s\n", path);
        return false;
    }
    if (!unit_value(u, "ExecStart", line, sizeof line) ||
        !unit_value(u, "StateDirectory", dir, sizeof dir))
        return false;
    fmt(u->state, sizeof u->state, "%s/state/%s", root, dir);
    if (mkdir(u->state, 0700) != 0)
        return false;
    fmt(u->creds, sizeof u->creds, "%s/creds-%s", root, name);
    if (mkdir(u->creds, 0700) != 0)
        return false;
    fmt(u->log_path, sizeof u->log_path, "%s/%s.log", root, name);
    for (char *save = NULL, *t = strtok_r(line, " ", &save); t != NULL;
         t = strtok_r(NULL, " ", &save)) {
        char *x;
        if (!expand(u, t, &x)) {
            fprintf(stderr, "%s.service: the test cannot expand '%s'\n", name,
                    t);
            return false;
        }
        if (x != NULL && argc < MAX_ARGS - 3)
            u->argv[argc++] = x;
    }
    if (has_port) {
        fmt(u->port_file, sizeof u->port_file, "%s/%s.port", root, name);
        u->argv[argc++] = strdup("--port-file");
        u->argv[argc++] = strdup(u->port_file);
    }
    /* LoadCredential=NAME:PATH: a copy only the service may read. */
    if (unit_value(u, "LoadCredential", cred, sizeof cred)) {
        char *colon = strchr(cred, ':'), *src, to[900];
        char *text;
        if (colon == NULL)
            return false;
        *colon = '\0';
        if (!expand(u, colon + 1, &src) || src == NULL)
            return false;
        text = files_read(src, NULL);
        fmt(to, sizeof to, "%s/%s", u->creds, cred);
        if (text == NULL || files_write_mode(to, text, 0400) != 0)
            return false;
        free(text);
        free(src);
    }
    /* The Environment= the command reads itself (XDG_CONFIG_HOME). */
    if (unit_value(u, "Environment=XDG_CONFIG_HOME", line, sizeof line)) {
        char *x, env[1300];
        if (!expand(u, line, &x) || x == NULL)
            return false;
        fmt(env, sizeof env, "XDG_CONFIG_HOME=%s", x);
        u->env[0] = strdup(env);
        free(x);
    }
    return true;
}

static void unit_free(struct unit *u)
{
    for (size_t i = 0; i < MAX_ARGS && u->argv[i] != NULL; i++)
        free(u->argv[i]);
    free(u->env[0]);
    free(u->text);
    if (u->notify_fd >= 0)
        close(u->notify_fd);
}

/* Binds the notification socket systemd would make for a Type=notify
 * unit. */
static bool unit_notify_socket(struct unit *u)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};

    fmt(u->notify_path, sizeof u->notify_path, "%s/notify-%s", root, u->name);
    if (strlen(u->notify_path) >= sizeof sa.sun_path)
        return false;
    memcpy(sa.sun_path, u->notify_path, strlen(u->notify_path));
    u->notify_fd =
        socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    return u->notify_fd >= 0 &&
           bind(u->notify_fd, (struct sockaddr *)&sa, sizeof sa) == 0;
}

static bool unit_start(struct unit *u)
{
    fflush(NULL);
    u->pid = fork();
    if (u->pid < 0)
        return false;
    if (u->pid == 0) {
        int fd = open(u->log_path, O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
        }
        if (u->notify_path[0] != '\0')
            setenv("NOTIFY_SOCKET", u->notify_path, 1);
        else
            unsetenv("NOTIFY_SOCKET");
        setenv("CREDENTIALS_DIRECTORY", u->creds, 1);
        setenv("STATE_DIRECTORY", u->state, 1);
        for (size_t i = 0; u->env[i] != NULL; i++)
            putenv(u->env[i]);
        execv(u->argv[0], u->argv);
        _exit(127);
    }
    return true;
}

/* Waits for the datagram want on the unit's notification socket. */
static bool unit_wait_notify(struct unit *u, const char *want)
{
    struct wait w = wait_begin(20000);
    char buf[256];

    do {
        ssize_t n = recv(u->notify_fd, buf, sizeof buf - 1, 0);
        if (n >= 0) {
            buf[n] = '\0';
            if (strcmp(buf, want) == 0)
                return true;
            fprintf(stderr, "    %s: got \"%s\"\n", u->name, buf);
        } else if (errno != EAGAIN) {
            return false;
        }
    } while (wait_more(&w));
    fprintf(stderr, "    %s: no %s (see %s)\n", u->name, want, u->log_path);
    return false;
}

/* The port the unit wrote, 0 if none. */
static unsigned unit_port(const struct unit *u)
{
    char *text = files_read(u->port_file, NULL);
    unsigned port = text != NULL ? (unsigned)strtoul(text, NULL, 10) : 0;

    free(text);
    return port;
}

/* Sends sig and waits for the exit; returns the exit status or -1. */
static int unit_stop(struct unit *u, int sig)
{
    int status;

    if (u->pid <= 0)
        return -1;
    if (sig != 0)
        kill(u->pid, sig);
    if (!wait_child(u->pid, 60000, &status)) {
        kill(u->pid, SIGKILL);
        wait_child(u->pid, 10000, NULL);
        u->pid = 0;
        return -1;
    }
    u->pid = 0;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* /etc/credlog as the units expect it: the log key (root's, 0600), its
 * verifier key, the issuers file, the witness key and its logs file. */
static void make_etc(struct logd_proc *p, struct witness_proc *w)
{
    char path[700], *text, logs[512];
    const char *const names[][2] = {{p->key_path, "log.key"},
                                    {p->vkey_path, "log.vkey"},
                                    {p->issuers_path, "issuers"},
                                    {w->key_path, "witness.key"}};

    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        fmt(path, sizeof path, "%s/etc/%s", root, names[i][1]);
        text = files_read(names[i][0], NULL);
        if (text == NULL || files_write_mode(path, text, 0600) != 0)
            abort();
        free(text);
    }
    fmt(path, sizeof path, "%s/etc/issuers", root);
    chmod(path, 0644);
    fmt(path, sizeof path, "%s/etc/witness-logs", root);
    fmt(logs, sizeof logs, "logs/v0\nvkey %s\nqpd 8640\n", logd_vkey);
    if (files_write_mode(path, logs, 0644) != 0)
        abort();
}

static void test_units(void)
{
    struct issuer a;
    struct logd_proc p;
    struct witness_proc wp;
    struct unit logd, witness, monitor;
    char path[900], sub[600];

    files_tmpdir(root, sizeof root, "units");
    fmt(sub, sizeof sub, "%s/etc", root);
    mkdir(sub, 0755);
    fmt(sub, sizeof sub, "%s/state", root);
    mkdir(sub, 0755);

    /* Keys made by the test helpers, put where the units look. */
    issuer_make(&a, "a.example");
    REQUIRE(logd_proc_init(&p, "units.example/log", &a.v, 1) == 0);
    REQUIRE(witness_proc_init(&wp, "w.example") == 0);
    logd_vkey = p.log_vkey;
    make_etc(&p, &wp);

    /* logd.service */
    REQUIRE(unit_load(&logd, "logd", true) && unit_notify_socket(&logd));
    REQUIRE(unit_start(&logd));
    CHECK(unit_wait_notify(&logd, "READY=1"));
    fmt(logd_url, sizeof logd_url, "http://127.0.0.1:%u", unit_port(&logd));
    CHECK(unit_port(&logd) != 0);
    fmt(path, sizeof path, "%s/data.mdb", logd.state);
    CHECK(files_exists(path));

    /* credlog-witness.service */
    REQUIRE(unit_load(&witness, "credlog-witness", true) &&
            unit_notify_socket(&witness));
    REQUIRE(unit_start(&witness));
    CHECK(unit_wait_notify(&witness, "READY=1"));
    CHECK(unit_port(&witness) != 0);

    /* credlog-monitor.service: one run, Type=oneshot. */
    REQUIRE(unit_load(&monitor, "credlog-monitor", false));
    REQUIRE(unit_start(&monitor));
    CHECK_MSG(unit_stop(&monitor, 0) == 0, "the monitor failed: see %s",
              monitor.log_path);
    fmt(path, sizeof path, "%s/state/checkpoint", monitor.state);
    CHECK(files_contain(path, "units.example/log\n"));
    fmt(path, sizeof path, "%s/credlog", monitor.state);
    CHECK(files_exists(path)); /* the key pin, in the state directory */

    /* systemctl stop */
    CHECK(unit_stop(&logd, SIGTERM) == 0);
    CHECK(unit_wait_notify(&logd, "STOPPING=1"));
    CHECK(unit_stop(&witness, SIGTERM) == 0);
    CHECK(unit_wait_notify(&witness, "STOPPING=1"));

    unit_free(&logd);
    unit_free(&witness);
    unit_free(&monitor);
    logd_proc_cleanup(&p);
    witness_proc_cleanup(&wp);
    issuer_wipe(&a);
    if (getenv("CREDLOG_KEEP_TMP") == NULL)
        files_rmtree(root);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    logd_proc_require();
    if (getenv("CREDLOG_BIN") == NULL || getenv("CREDLOG_BIN")[0] == '\0')
        check_skip("CREDLOG_BIN is not set");
    test_units();
    return check_finish();
}
