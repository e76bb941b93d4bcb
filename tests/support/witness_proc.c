/* witness_proc.c: the real credlog witness for tests. See witness_proc.h. */
#include "witness_proc.h"

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

#include <openssl/sha.h>

#include "check.h"
#include "files.h"
#include "logd_raw.h"
#include "wait.h"

#include "proofs/add_checkpoint.h"
#include "proofs/checkpoint.h"
#include "proofs/codec.h"

static const char *credlog_bin(char *buf)
{
    const char *bin = getenv("CREDLOG_BIN");

    if (bin == NULL || bin[0] == '\0')
        check_skip("CREDLOG_BIN is not set");
    if (realpath(bin, buf) == NULL) {
        fprintf(stderr, "witness_proc: %s: %s\n", bin, strerror(errno));
        return NULL;
    }
    return buf;
}

/* Runs argv with stdout and stderr to out_path; returns the pid or -1. */
static pid_t spawn(char *const *argv, const char *out_path)
{
    pid_t pid = fork();

    if (pid < 0)
        return -1;
    if (pid == 0) {
        int fd = open(out_path, O_WRONLY | O_CREAT | O_APPEND, 0644);

        if (fd < 0)
            _exit(127);
        dup2(fd, 1);
        dup2(fd, 2);
        close(fd);
        execv(argv[0], argv);
        _exit(127);
    }
    return pid;
}

int witness_proc_init(struct witness_proc *w, const char *name)
{
    char bin[PATH_MAX], prefix[WITNESS_PROC_PATH_MAX],
        vkey_path[WITNESS_PROC_PATH_MAX];
    char *argv[8], *text;
    int status;
    pid_t pid;

    memset(w, 0, sizeof *w);
    if (credlog_bin(bin) == NULL)
        return -1;
    files_tmpdir(w->dir, sizeof w->dir, "witness");
    snprintf(w->data, sizeof w->data, "%s/data", w->dir);
    snprintf(w->key_path, sizeof w->key_path, "%s/w.key", w->dir);
    snprintf(w->logs_path, sizeof w->logs_path, "%s/logs", w->dir);
    snprintf(w->port_path, sizeof w->port_path, "%s/port", w->dir);
    snprintf(w->log_path, sizeof w->log_path, "%s/witness.log", w->dir);
    snprintf(prefix, sizeof prefix, "%s/w", w->dir);
    if (mkdir(w->data, 0700) != 0)
        return -1;
    argv[0] = bin;
    argv[1] = "keygen";
    argv[2] = "--cosigner";
    argv[3] = "--name";
    argv[4] = (char *)name;
    argv[5] = "--out";
    argv[6] = prefix;
    argv[7] = NULL;
    if ((pid = spawn(argv, w->log_path)) < 0 ||
        !wait_child(pid, 30000, &status) || !WIFEXITED(status) ||
        WEXITSTATUS(status) != 0) {
        fprintf(stderr, "witness_proc: credlog keygen --cosigner failed\n");
        return -1;
    }
    snprintf(vkey_path, sizeof vkey_path, "%s/w.vkey", w->dir);
    if ((text = files_read(vkey_path, NULL)) == NULL)
        return -1;
    text[strcspn(text, "\n")] = '\0';
    snprintf(w->vkey, sizeof w->vkey, "%s", text);
    free(text);
    if (note_verifier_parse(w->vkey, strlen(w->vkey), &w->key) != 0 ||
        w->key.type != NOTE_TYPE_COSIGNATURE) {
        fprintf(stderr, "witness_proc: bad cosigner key %s\n", w->vkey);
        return -1;
    }
    return 0;
}

int witness_proc_write_logs(struct witness_proc *w, const char *text)
{
    return files_write_mode(w->logs_path, text, 0644);
}

static pid_t start_child(struct witness_proc *w, unsigned port)
{
    char bin[PATH_MAX], listen[32];
    char *argv[17 + WITNESS_PROC_EXTRA_MAX] = {
        bin,        "witness",    "--key",       w->key_path,
        "--logs",   w->logs_path, "--data",      w->data,
        "--listen", listen,       "--port-file", w->port_path};
    int n = 12;

    snprintf(listen, sizeof listen, "127.0.0.1:%u", port);
    if (w->tls_cert != NULL) {
        argv[n++] = "--tls-cert";
        argv[n++] = (char *)w->tls_cert;
        argv[n++] = "--tls-key";
        argv[n++] = (char *)w->tls_key;
    }
    for (int i = 0;
         w->extra != NULL && w->extra[i] != NULL && i < WITNESS_PROC_EXTRA_MAX;
         i++)
        argv[n++] = (char *)w->extra[i];
    argv[n] = NULL;
    if (credlog_bin(bin) == NULL)
        return -1;
    unlink(w->port_path);
    return spawn(argv, w->log_path);
}

static bool port_ready(void *arg)
{
    struct witness_proc *w = arg;
    char *text = files_read(w->port_path, NULL);

    if (text == NULL)
        return false;
    w->port = (unsigned)strtoul(text, NULL, 10);
    free(text);
    return w->port != 0;
}

static int start_on(struct witness_proc *w, unsigned port)
{
    int status;

    if ((w->pid = start_child(w, port)) < 0) {
        w->pid = 0;
        return -1;
    }
    if (!wait_until(port_ready, w, 30000)) {
        fprintf(stderr, "witness_proc: no port file after 30 s (see %s)\n",
                w->log_path);
        witness_proc_kill(w);
        return -1;
    }
    if (waitpid(w->pid, &status, WNOHANG) == w->pid) {
        w->pid = 0;
        return -1;
    }
    snprintf(w->url, sizeof w->url, "%s://127.0.0.1:%u",
             w->tls_cert != NULL ? "https" : "http", w->port);
    return 0;
}

int witness_proc_start(struct witness_proc *w)
{
    return start_on(w, 0);
}

int witness_proc_restart(struct witness_proc *w)
{
    return start_on(w, w->port);
}

int witness_proc_run_to_exit(struct witness_proc *w)
{
    pid_t pid = start_child(w, 0);
    int status;

    if (pid < 0)
        return -1;
    if (!wait_child(pid, 30000, &status)) {
        kill(pid, SIGKILL);
        wait_child(pid, 30000, NULL);
        return -1;
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int end(struct witness_proc *w, int sig)
{
    int status;

    if (w->pid == 0)
        return 0;
    kill(w->pid, sig);
    if (!wait_child(w->pid, 30000, &status))
        return -1;
    w->pid = 0;
    return 0;
}

int witness_proc_stop(struct witness_proc *w)
{
    return end(w, SIGTERM);
}

int witness_proc_kill(struct witness_proc *w)
{
    return end(w, SIGKILL);
}

int witness_proc_signal(struct witness_proc *w, int sig)
{
    return w->pid != 0 ? kill(w->pid, sig) : -1;
}

int witness_proc_push_new(const struct witness_proc *w, const char *note,
                          char *line, size_t cap)
{
    static char body[ADD_CHECKPOINT_MAX], req[ADD_CHECKPOINT_MAX + 256];
    struct logd_raw_answer a = {0};
    int n = add_checkpoint_format(0, NULL, 0, note, strlen(note), body,
                                  sizeof body);
    int m, status = -1;

    if (n < 0)
        return -1;
    m = snprintf(req, sizeof req,
                 "POST /add-checkpoint HTTP/1.1\r\nHost: w\r\n"
                 "Content-Length: %d\r\nConnection: close\r\n\r\n%s",
                 n, body);
    if (logd_raw_exchange(w->port, req, (size_t)m, 0, 30000, &a) == 0) {
        status = a.status;
        if (status == 200 && line != NULL)
            snprintf(line, cap, "%s", a.body);
    }
    logd_raw_answer_free(&a);
    return status;
}

int witness_proc_post(const struct witness_proc *w, const char *body,
                      size_t len, struct logd_raw_answer *a)
{
    static char req[ADD_CHECKPOINT_MAX + 512];
    int m = snprintf(req, sizeof req,
                     "POST /add-checkpoint HTTP/1.1\r\nHost: w\r\n"
                     "Content-Length: %zu\r\nConnection: close\r\n\r\n",
                     len);

    if (m < 0 || (size_t)m + len > sizeof req)
        return -1;
    memcpy(req + m, body, len);
    if (logd_raw_exchange(w->port, req, (size_t)m + len, 0, 30000, a) != 0)
        return -1;
    return a->status;
}

int64_t witness_proc_cosigned(const struct witness_proc *w,
                              const struct note_verifier *log, char *note,
                              size_t cap)
{
    uint8_t h[32];
    char hex[65], req[256];
    struct logd_raw_answer a = {0};
    struct checkpoint cp;
    int64_t size = -1;
    int n;

    SHA256((const uint8_t *)log->name, strlen(log->name), h);
    codec_hex_encode(h, 32, hex);
    n = snprintf(req, sizeof req,
                 "GET /%s/checkpoint HTTP/1.1\r\nHost: w\r\n"
                 "Connection: close\r\n\r\n",
                 hex);
    if (logd_raw_exchange(w->port, req, (size_t)n, 0, 30000, &a) == 0 &&
        a.status == 200) {
        struct note_verifier keys[2] = {*log, w->key};
        bool verified[2];
        size_t text_len;

        if (note_open(a.body, a.body_len, keys, 2, &text_len, verified, NULL) ==
                0 &&
            verified[0] && verified[1] &&
            checkpoint_parse(a.body, text_len, &cp) == 0)
            size = (int64_t)cp.size;
        if (note != NULL)
            snprintf(note, cap, "%s", a.body);
    }
    logd_raw_answer_free(&a);
    return size;
}

struct log_wait {
    const struct witness_proc *w;
    const char *text;
};

static bool log_has(void *arg)
{
    struct log_wait *lw = arg;

    return files_contain(lw->w->log_path, lw->text);
}

bool witness_proc_wait_log(const struct witness_proc *w, const char *text,
                           unsigned timeout_ms)
{
    struct log_wait lw = {w, text};

    return wait_until(log_has, &lw, timeout_ms);
}

void witness_proc_cleanup(struct witness_proc *w)
{
    witness_proc_kill(w);
    if (w->dir[0] != '\0' && getenv("CREDLOG_KEEP_TMP") == NULL)
        files_rmtree(w->dir);
}
