/* logd_proc.c: see logd_proc.h. */
#define _GNU_SOURCE /* nftw */
#include "logd_proc.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

const char *logd_proc_binary(void)
{
    const char *bin = getenv("LOGD_BIN");

    return bin != NULL && bin[0] != '\0' ? bin : NULL;
}

static int write_text(const char *path, const char *text, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    size_t len = strlen(text), off = 0;

    if (fd < 0) {
        fprintf(stderr, "logd_proc: %s: %s\n", path, strerror(errno));
        return -1;
    }
    while (off < len) {
        ssize_t w = write(fd, text + off, len - off);
        if (w < 0) {
            close(fd);
            return -1;
        }
        off += (size_t)w;
    }
    fchmod(fd, mode);
    return close(fd);
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
    {
        char tmp[LOGD_PROC_PATH_MAX + 8];
        snprintf(tmp, sizeof tmp, "%s.tmp", p->issuers_path);
        rc = write_text(tmp, text, 0644);
        if (rc == 0)
            rc = rename(tmp, p->issuers_path);
    }
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
    p->log_key = *log_key;
    note_signer_verifier(log_key, &p->log_verifier);
    if (note_verifier_format(&p->log_verifier, p->log_vkey, sizeof p->log_vkey) < 0)
        return -1;
    k = note_signer_format(log_key, text, sizeof text - 1);
    if (k < 0)
        return -1;
    text[k] = '\n';
    text[k + 1] = '\0';
    if (write_text(p->key_path, text, 0600) != 0)
        return -1;
    snprintf(text, sizeof text, "%s\n", p->log_vkey);
    if (write_text(p->vkey_path, text, 0644) != 0)
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

static double now_s(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + t.tv_nsec / 1e9;
}

int logd_proc_start(struct logd_proc *p, const char *const *extra)
{
    const char *bin = logd_proc_binary();
    const char *argv[64];
    size_t argc = 0;
    double deadline;
    pid_t pid;

    if (bin == NULL) {
        fprintf(stderr, "logd_proc: LOGD_BIN is not set\n");
        return -1;
    }
    if (p->pid != 0) {
        fprintf(stderr, "logd_proc: already running\n");
        return -1;
    }
    unlink(p->port_path);
    /* $LOGD_WRAPPER: words put before the logd command (scripts/valgrind.sh
     * runs logd under valgrind this way). */
    char wrapper[1024];
    snprintf(wrapper, sizeof wrapper, "%s",
             getenv("LOGD_WRAPPER") != NULL ? getenv("LOGD_WRAPPER") : "");
    for (char *save = NULL, *w = strtok_r(wrapper, " ", &save); w != NULL && argc < 32;
         w = strtok_r(NULL, " ", &save))
        argv[argc++] = w;
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

    fflush(NULL);
    pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        int fd = open(p->log_path, O_WRONLY | O_CREAT | O_APPEND, 0644);
        int null = open("/dev/null", O_RDWR);
        if (fd >= 0) {
            dup2(fd, 2);
            dup2(fd, 1);
        }
        if (null >= 0)
            dup2(null, 0);
        execvp(argv[0], (char *const *)argv);
        _exit(127);
    }
    p->pid = pid;
    deadline = now_s() + 20;
    while (now_s() < deadline) {
        FILE *f = fopen(p->port_path, "r");
        int status;
        if (f != NULL) {
            unsigned port = 0;
            int ok = fscanf(f, "%u", &port) == 1 && port > 0 && port < 65536;
            fclose(f);
            if (ok) {
                p->port = port;
                snprintf(p->url, sizeof p->url, "http://127.0.0.1:%u", port);
                return 0;
            }
        }
        if (waitpid(pid, &status, WNOHANG) == pid) {
            fprintf(stderr, "logd_proc: logd exited before listening (see %s)\n",
                    p->log_path);
            p->pid = 0;
            return -1;
        }
        usleep(5000);
    }
    fprintf(stderr, "logd_proc: logd did not start in time\n");
    logd_proc_kill(p);
    return -1;
}

static int wait_exit(struct logd_proc *p, double seconds, int *status)
{
    double deadline = now_s() + seconds;

    while (now_s() < deadline) {
        pid_t r = waitpid(p->pid, status, WNOHANG);
        if (r == p->pid || (r < 0 && errno == ECHILD)) {
            p->pid = 0;
            return 0;
        }
        usleep(2000);
    }
    return -1;
}

int logd_proc_stop(struct logd_proc *p)
{
    int status = 0;

    if (p->pid == 0)
        return -1;
    kill(p->pid, SIGTERM);
    if (wait_exit(p, 20, &status) != 0) {
        fprintf(stderr, "logd_proc: logd ignored SIGTERM; killing it\n");
        logd_proc_kill(p);
        return -1;
    }
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
    FILE *f = fopen(p->log_path, "r");
    char *buf;
    size_t n;
    int found;

    if (f == NULL)
        return 0;
    buf = malloc(1 << 20);
    if (buf == NULL) {
        fclose(f);
        return 0;
    }
    n = fread(buf, 1, (1 << 20) - 1, f);
    fclose(f);
    buf[n] = '\0';
    found = strstr(buf, text) != NULL;
    free(buf);
    return found;
}

static int rm_one(const char *path, const struct stat *st, int flag,
                  struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
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
    nftw(p->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    p->dir[0] = '\0';
}
