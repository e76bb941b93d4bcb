/* logd_proc.c: see logd_proc.h. */
#include "logd_proc.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "files.h"
#include "issuer.h"
#include "wait.h"

/* How long logd may take to listen, or to stop after SIGTERM. */
#define LOGD_PROC_TIMEOUT_MS 20000

const char *logd_proc_binary(void)
{
    const char *bin = getenv("LOGD_BIN");

    return bin != NULL && bin[0] != '\0' ? bin : NULL;
}

const char *logd_proc_require(void)
{
    const char *bin = logd_proc_binary();

    if (bin == NULL)
        check_skip("LOGD_BIN is not set");
    return bin;
}

int logd_proc_write_issuers(struct logd_proc *p,
                            const struct note_verifier *issuers, size_t n)
{
    char line[NOTE_KEY_TEXT_MAX + 2];
    size_t cap = 64 + n * sizeof line, len;
    char *text = malloc(cap);
    int rc;

    if (text == NULL)
        return -1;
    len = (size_t)snprintf(text, cap, "# written by logd_proc\n");
    for (size_t i = 0; i < n; i++) {
        int k = note_verifier_format(&issuers[i], line, sizeof line - 1);
        if (k < 0) {
            free(text);
            return -1;
        }
        len += (size_t)snprintf(text + len, cap - len, "%s\n", line);
    }
    /* Atomic replace, so a SIGHUP never reads half a file. */
    rc = files_write_mode(p->issuers_path, text, 0644);
    free(text);
    return rc;
}

int logd_proc_init_key(struct logd_proc *p, const struct note_signer *log_key,
                       const struct note_verifier *issuers, size_t n)
{
    const char *tmp = getenv("TMPDIR");
    char text[NOTE_KEY_TEXT_MAX + 2];
    int k;

    memset(p, 0, sizeof *p);
    snprintf(p->dir, sizeof p->dir, "%s/logd-test-XXXXXX",
             tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp");
    if (mkdtemp(p->dir) == NULL) {
        fprintf(stderr, "logd_proc: mkdtemp %s: %s\n", p->dir, strerror(errno));
        return -1;
    }
    snprintf(p->data, sizeof p->data, "%.480s/data", p->dir);
    snprintf(p->key_path, sizeof p->key_path, "%.480s/log.key", p->dir);
    snprintf(p->vkey_path, sizeof p->vkey_path, "%.480s/log.vkey", p->dir);
    snprintf(p->issuers_path, sizeof p->issuers_path, "%.480s/issuers", p->dir);
    snprintf(p->port_path, sizeof p->port_path, "%.480s/port", p->dir);
    snprintf(p->log_path, sizeof p->log_path, "%.480s/logd.log", p->dir);
    snprintf(p->out_path, sizeof p->out_path, "%.480s/logd.out", p->dir);
    p->log_key = *log_key;
    note_signer_verifier(log_key, &p->log_verifier);
    issuer_set_origin(p->log_verifier.name);
    if (note_verifier_format(&p->log_verifier, p->log_vkey,
                             sizeof p->log_vkey) < 0)
        return -1;
    k = note_signer_format(log_key, text, sizeof text - 1);
    if (k < 0)
        return -1;
    text[k] = '\n';
    text[k + 1] = '\0';
    if (files_write_mode(p->key_path, text, 0600) != 0)
        return -1;
    snprintf(text, sizeof text, "%s\n", p->log_vkey);
    if (files_write_mode(p->vkey_path, text, 0644) != 0)
        return -1;
    return logd_proc_write_issuers(p, issuers, n);
}

int logd_proc_init(struct logd_proc *p, const char *origin,
                   const struct note_verifier *issuers, size_t n)
{
    struct note_signer s;
    int rc;

    if (note_signer_generate(origin, &s) != 0) {
        fprintf(stderr, "logd_proc: cannot generate a key for %s\n", origin);
        return -1;
    }
    rc = logd_proc_init_key(p, &s, issuers, n);
    note_signer_wipe(&s);
    return rc;
}

/* The port logd wrote, or 0 while it has not (yet). */
static unsigned read_port(const char *path)
{
    FILE *f = fopen(path, "r");
    unsigned port = 0;
    int ok;

    if (f == NULL)
        return 0;
    ok = fscanf(f, "%u", &port) == 1 && port > 0 && port < 65536;
    fclose(f);
    return ok ? port : 0;
}

/* Forks and execs argv (argv[0] a path) in cwd, stdout to out_path (NULL:
 * with stderr), stderr appended to p->log_path; then waits until logd has
 * written its port or has exited (then *exit_status, if not NULL, gets its
 * exit status, or -1 if a signal ended it). */
static int spawn(struct logd_proc *p, const char *cwd, const char **argv,
                 const char *out_path, int *exit_status)
{
    struct wait w;
    pid_t pid;
    int status;

    if (p->pid != 0) {
        fprintf(stderr, "logd_proc: already running\n");
        return -1;
    }
    unlink(p->port_path);
    fflush(NULL);
    pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        int fd = open(p->log_path, O_WRONLY | O_CREAT | O_APPEND, 0644);
        int out = out_path != NULL
                      ? open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644)
                      : fd;
        int null = open("/dev/null", O_RDWR);
        if (cwd != NULL && chdir(cwd) != 0)
            _exit(126);
        if (fd >= 0)
            dup2(fd, 2);
        if (out >= 0)
            dup2(out, 1);
        if (null >= 0)
            dup2(null, 0);
        execvp(argv[0], (char *const *)argv);
        _exit(127);
    }
    p->pid = pid;
    w = wait_begin(LOGD_PROC_TIMEOUT_MS);
    do {
        unsigned port = read_port(p->port_path);
        if (port != 0) {
            p->port = port;
            snprintf(p->url, sizeof p->url, "http://127.0.0.1:%u", port);
            return 0;
        }
        if (waitpid(pid, &status, WNOHANG) == pid) {
            if (exit_status != NULL)
                *exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
            fprintf(stderr,
                    "logd_proc: logd exited before listening (see %s)\n",
                    p->log_path);
            p->pid = 0;
            return -1;
        }
    } while (wait_more(&w));
    fprintf(stderr, "logd_proc: logd did not start in time\n");
    logd_proc_kill(p);
    return -1;
}

/* Puts the words of $LOGD_WRAPPER (scripts/valgrind.sh runs logd under
 * valgrind this way) into argv, split in buf; returns how many. */
static size_t add_wrapper(const char **argv, size_t max, char *buf, size_t cap)
{
    const char *wrapper = getenv("LOGD_WRAPPER");
    size_t argc = 0;

    snprintf(buf, cap, "%s", wrapper != NULL ? wrapper : "");
    for (char *save = NULL, *w = strtok_r(buf, " ", &save);
         w != NULL && argc < max; w = strtok_r(NULL, " ", &save))
        argv[argc++] = w;
    return argc;
}

/* The argv of logd_proc_start() (see logd_proc.h) in argv (64 slots),
 * $LOGD_WRAPPER's words split in wrapper; NULL without $LOGD_BIN. */
static const char **start_argv(struct logd_proc *p, const char *const *extra,
                               const char **argv, char *wrapper, size_t cap)
{
    const char *bin = logd_proc_binary();
    size_t argc;

    if (bin == NULL) {
        fprintf(stderr, "logd_proc: LOGD_BIN is not set\n");
        return NULL;
    }
    argc = add_wrapper(argv, 32, wrapper, cap);
    argv[argc++] = bin;
    argv[argc++] = "--data";
    argv[argc++] = p->data;
    argv[argc++] = "--listen";
    argv[argc++] = "127.0.0.1:0";
    argv[argc++] = "--key";
    argv[argc++] = p->key_path;
    argv[argc++] = "--issuers";
    argv[argc++] = p->issuers_path;
    argv[argc++] = "--port-file";
    argv[argc++] = p->port_path;
    for (size_t i = 0; extra != NULL && extra[i] != NULL && argc < 63; i++)
        argv[argc++] = extra[i];
    argv[argc] = NULL;
    return argv;
}

int logd_proc_start(struct logd_proc *p, const char *const *extra)
{
    const char *argv[64];
    char wrapper[1024];

    if (start_argv(p, extra, argv, wrapper, sizeof wrapper) == NULL)
        return -1;
    return spawn(p, NULL, argv, NULL, NULL);
}

int logd_proc_run_to_exit(struct logd_proc *p, const char *const *extra)
{
    const char *argv[64];
    char wrapper[1024];
    int status = -1;

    if (p->pid != 0 ||
        start_argv(p, extra, argv, wrapper, sizeof wrapper) == NULL)
        return -1;
    if (spawn(p, NULL, argv, NULL, &status) == 0) {
        /* It listens: wait for it to stop by itself, as a refused start
         * that gets that far (READY=1 failing) does. */
        if (!wait_child(p->pid, LOGD_PROC_TIMEOUT_MS, &status)) {
            fprintf(stderr, "logd_proc: logd did not exit\n");
            logd_proc_kill(p);
            return -1;
        }
        p->pid = 0;
        p->url[0] = '\0';
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }
    return status;
}

int logd_proc_start_argv(struct logd_proc *p, const char *cwd,
                         const char *const *args)
{
    const char *argv[64];
    char wrapper[1024], bin[PATH_MAX];
    size_t argc;

    if (logd_proc_binary() == NULL) {
        fprintf(stderr, "logd_proc: LOGD_BIN is not set\n");
        return -1;
    }
    /* The child may change directory: the path must not be relative. */
    if (realpath(logd_proc_binary(), bin) == NULL) {
        fprintf(stderr, "logd_proc: %s: %s\n", logd_proc_binary(),
                strerror(errno));
        return -1;
    }
    argc = add_wrapper(argv, 32, wrapper, sizeof wrapper);
    argv[argc++] = bin;
    for (size_t i = 0; args != NULL && args[i] != NULL && argc < 61; i++)
        argv[argc++] = args[i];
    argv[argc++] = "--port-file";
    argv[argc++] = p->port_path;
    argv[argc] = NULL;
    return spawn(p, cwd, argv, p->out_path, NULL);
}

int logd_proc_stop(struct logd_proc *p)
{
    int status = 0;

    if (p->pid == 0)
        return -1;
    kill(p->pid, SIGTERM);
    if (!wait_child(p->pid, LOGD_PROC_TIMEOUT_MS, &status)) {
        fprintf(stderr, "logd_proc: logd ignored SIGTERM; killing it\n");
        logd_proc_kill(p);
        return -1;
    }
    p->pid = 0;
    p->url[0] = '\0';
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    return -1;
}

int logd_proc_kill(struct logd_proc *p)
{
    int status;

    if (p->pid == 0)
        return -1;
    kill(p->pid, SIGKILL);
    waitpid(p->pid, &status, 0);
    p->pid = 0;
    p->url[0] = '\0';
    return 0;
}

int logd_proc_signal(struct logd_proc *p, int sig)
{
    if (p->pid == 0)
        return -1;
    return kill(p->pid, sig);
}

int logd_proc_log_contains(const struct logd_proc *p, const char *text)
{
    return files_contain(p->log_path, text);
}

struct log_wait {
    const struct logd_proc *p;
    const char *text;
};

static bool log_has(void *arg)
{
    const struct log_wait *lw = arg;

    return files_contain(lw->p->log_path, lw->text);
}

bool logd_proc_wait_log(const struct logd_proc *p, const char *text,
                        unsigned timeout_ms)
{
    struct log_wait lw = {p, text};

    return wait_until(log_has, &lw, timeout_ms);
}

void logd_proc_cleanup(struct logd_proc *p)
{
    if (p->pid != 0 && logd_proc_stop(p) != 0)
        logd_proc_kill(p);
    note_signer_wipe(&p->log_key);
    if (p->dir[0] == '\0')
        return;
    if (getenv("CREDLOG_KEEP_TMP") != NULL) {
        fprintf(stderr, "logd_proc: kept %s\n", p->dir);
        return;
    }
    files_rmtree(p->dir);
    p->dir[0] = '\0';
}
