/* logd_proc.c: see logd_proc.h. */
#define _GNU_SOURCE /* nftw */
#include "logd_proc.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
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
    if (note_verifier_format(&p->log_verifier, p->log_vkey,
                             sizeof p->log_vkey) < 0)
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
    for (char *save = NULL, *w = strtok_r(wrapper, " ", &save);
         w != NULL && argc < 32; w = strtok_r(NULL, " ", &save))
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
            fprintf(stderr,
                    "logd_proc: logd exited before listening (see %s)\n",
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

/* ---- raw HTTP ---- */

static double now_ms(void)
{
    return now_s() * 1000;
}

int logd_raw_connect(unsigned port, int rcvbuf)
{
    struct sockaddr_in sa;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;

    if (fd < 0)
        return -1;
    if (rcvbuf > 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        close(fd);
        return -1;
    }
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

int logd_raw_send(int fd, const void *data, size_t len)
{
    const char *p = data;

    while (len > 0) {
        ssize_t w = send(fd, p, len, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        len -= (size_t)w;
    }
    return 0;
}

/* Reads into buf (cap bytes) what arrives before the deadline; returns the
 * bytes read, 0 at the end of the stream, -1 on error (a reset), -2 when
 * the time ran out. */
static ssize_t read_some(int fd, char *buf, size_t cap, double deadline)
{
    for (;;) {
        struct pollfd pfd = {fd, POLLIN, 0};
        int left = (int)(deadline - now_ms());
        ssize_t r;
        if (left <= 0)
            return -2;
        if (poll(&pfd, 1, left) <= 0)
            continue;
        r = recv(fd, buf, cap, 0);
        if (r < 0 && errno == EINTR)
            continue;
        return r;
    }
}

static int grow(char **buf, size_t *cap, size_t need)
{
    char *nb;

    if (need <= *cap)
        return 0;
    while (*cap < need)
        *cap *= 2;
    nb = realloc(*buf, *cap);
    if (nb == NULL)
        return -1;
    *buf = nb;
    return 0;
}

int logd_raw_read(int fd, int no_body, int timeout_ms,
                  struct logd_raw_answer *a)
{
    double deadline = now_ms() + timeout_ms;
    size_t cap = 4096, len = 0, hlen = 0, want = 0;
    char *buf = malloc(cap), *end = NULL, *cl;
    int have_length = 0;
    ssize_t r;

    memset(a, 0, sizeof *a);
    if (buf == NULL)
        return -1;
    /* The head, byte by byte (a pipelined answer may follow). */
    while (end == NULL) {
        if (grow(&buf, &cap, len + 2) != 0)
            goto fail;
        r = read_some(fd, buf + len, 1, deadline);
        if (r <= 0)
            goto fail;
        len++;
        buf[len] = '\0';
        if (len >= 4 && memcmp(buf + len - 4, "\r\n\r\n", 4) == 0)
            end = buf + len - 4;
    }
    hlen = len;
    a->head = strndup(buf, hlen - 2);
    if (a->head == NULL || sscanf(buf, "HTTP/1.%*d %d", &a->status) != 1)
        goto fail;
    for (cl = a->head; (cl = strcasestr(cl, "\r\nContent-Length:")) != NULL;
         cl++) {
        want = strtoull(cl + 17, NULL, 10);
        have_length = 1;
        break;
    }
    len = 0;
    if (!no_body) {
        for (;;) {
            if (have_length && len >= want)
                break;
            if (grow(&buf, &cap, len + 4097) != 0)
                goto fail;
            r = read_some(fd, buf + len,
                          have_length && want - len < 4096 ? want - len : 4096,
                          deadline);
            if (r == 0 && !have_length)
                break;
            if (r <= 0)
                goto fail;
            len += (size_t)r;
        }
    }
    buf[len] = '\0';
    a->body = buf;
    a->body_len = len;
    return 0;

fail:
    free(buf);
    logd_raw_answer_free(a);
    return -1;
}

int logd_raw_exchange(unsigned port, const void *req, size_t len, int no_body,
                      int timeout_ms, struct logd_raw_answer *a)
{
    int fd = logd_raw_connect(port, 0), rc = -1;

    memset(a, 0, sizeof *a);
    if (fd < 0)
        return -1;
    /* logd may answer and close before it has read everything (413). */
    (void)logd_raw_send(fd, req, len);
    rc = logd_raw_read(fd, no_body, timeout_ms, a);
    close(fd);
    return rc;
}

int logd_raw_header(const struct logd_raw_answer *a, const char *name,
                    char *buf, size_t cap)
{
    size_t n = strlen(name);

    for (const char *l = a->head;
         l != NULL && (l = strstr(l, "\r\n")) != NULL;) {
        l += 2;
        if (strncasecmp(l, name, n) == 0 && l[n] == ':') {
            const char *v = l + n + 1, *e = strstr(v, "\r\n");
            size_t vl;
            while (*v == ' ')
                v++;
            vl = e != NULL ? (size_t)(e - v) : strlen(v);
            if (vl >= cap)
                vl = cap - 1;
            memcpy(buf, v, vl);
            buf[vl] = '\0';
            return 0;
        }
    }
    return -1;
}

void logd_raw_answer_free(struct logd_raw_answer *a)
{
    free(a->head);
    free(a->body);
    memset(a, 0, sizeof *a);
}

int logd_raw_wait_closed(int fd, int timeout_ms)
{
    double deadline = now_ms() + timeout_ms;
    char sink[4096];

    for (;;) {
        ssize_t r = read_some(fd, sink, sizeof sink, deadline);
        if (r == 0 || r == -1)
            return 1;
        if (r == -2)
            return 0;
    }
}
