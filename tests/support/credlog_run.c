/* credlog_run.c: see credlog_run.h. */
#include "credlog_run.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "files.h"
#include "wait.h"

char credlog_run_home[4096];

void credlog_run_free(struct credlog_run *r)
{
    free(r->out);
    free(r->err);
    memset(r, 0, sizeof *r);
}

const char *credlog_run_require(void)
{
    const char *bin = getenv("CREDLOG_BIN");

    if (bin == NULL || bin[0] == '\0')
        check_skip("CREDLOG_BIN is not set");
    return bin;
}

void credlog_run_forget_pins(void)
{
    char path[4200];

    snprintf(path, sizeof path, "%s/config/credlog/known_logs",
             credlog_run_home);
    unlink(path);
}

pid_t credlog_run_spawn(const char *const *args, const char *tag)
{
    const char *bin = credlog_run_require();
    char out_path[4200], err_path[4200], xdg[4200];
    const char *argv[512];
    int n = 0;
    pid_t pid;

    argv[n++] = bin;
    for (; *args != NULL && n < 511; args++)
        argv[n++] = *args;
    argv[n] = NULL;
    snprintf(out_path, sizeof out_path, "%s/.stdout%s", credlog_run_home, tag);
    snprintf(err_path, sizeof err_path, "%s/.stderr%s", credlog_run_home, tag);
    snprintf(xdg, sizeof xdg, "%s/config", credlog_run_home);
    if (getenv("CREDLOG_TEST_VERBOSE") != NULL) {
        fprintf(stderr, "$ credlog");
        for (int i = 1; i < n; i++)
            fprintf(stderr, " %s", argv[i]);
        fprintf(stderr, "\n");
    }
    fflush(NULL);
    pid = fork();
    if (pid == 0) {
        int fo = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int fe = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (fo < 0 || fe < 0)
            _exit(127);
        dup2(fo, 1);
        dup2(fe, 2);
        setenv("HOME", credlog_run_home, 1);
        setenv("XDG_CONFIG_HOME", xdg, 1);
        execv(bin, (char *const *)argv);
        _exit(127);
    }
    return pid;
}

void credlog_run_wait(struct credlog_run *r, pid_t pid, const char *tag,
                      int timeout_s)
{
    char path[4200];
    int st = 0;

    memset(r, 0, sizeof *r);
    if (!wait_child(pid, (unsigned)timeout_s * 1000, &st)) {
        kill(pid, SIGKILL);
        waitpid(pid, &st, 0);
        r->status = -1;
    } else {
        r->status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    }
    snprintf(path, sizeof path, "%s/.stdout%s", credlog_run_home, tag);
    r->out = files_read(path, NULL);
    snprintf(path, sizeof path, "%s/.stderr%s", credlog_run_home, tag);
    r->err = files_read(path, NULL);
    if (r->out == NULL)
        r->out = strdup("");
    if (r->err == NULL)
        r->err = strdup("");
    if (getenv("CREDLOG_TEST_VERBOSE") != NULL)
        fprintf(stderr, "[exit %d]\n%s%s", r->status, r->out, r->err);
}

struct output_wait {
    pid_t pid;
    const char *path, *want;
    bool exited;
};

static bool output_seen(void *arg)
{
    struct output_wait *ow = arg;
    char *out = files_read(ow->path, NULL);
    bool seen = out != NULL && strstr(out, ow->want) != NULL;
    siginfo_t si;

    free(out);
    if (seen)
        return true;
    /* Exited? Look without reaping: credlog_run_wait() collects it. */
    si.si_pid = 0;
    if (waitid(P_PID, (id_t)ow->pid, &si, WEXITED | WNOHANG | WNOWAIT) != 0 ||
        si.si_pid != 0) {
        ow->exited = true;
        return true;
    }
    return false;
}

bool credlog_run_wait_output(pid_t pid, const char *tag, const char *want,
                             unsigned timeout_ms)
{
    char path[4200];
    struct output_wait ow = {pid, path, want, false};

    snprintf(path, sizeof path, "%s/.stdout%s", credlog_run_home, tag);
    return wait_until(output_seen, &ow, timeout_ms) && !ow.exited;
}

void credlog_run_v(struct credlog_run *r, const char *const *args)
{
    credlog_run_wait(r, credlog_run_spawn(args, ""), "", 60);
}

bool credlog_run_has(const struct credlog_run *r, const char *want)
{
    return want == NULL || strstr(r->out, want) != NULL ||
           strstr(r->err, want) != NULL;
}
