/* nginx_proc.c: see nginx_proc.h. */
#include "nginx_proc.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <arpa/inet.h>

#include "check.h"
#include "files.h"
#include "wait.h"

#define NGINX_PROC_TIMEOUT_MS 20000
#define NGINX_PROC_TRIES 5

const char *nginx_proc_require(void)
{
    const char *bin = getenv("NGINX_BIN");

    if (bin == NULL || bin[0] == '\0')
        bin = "/usr/sbin/nginx";
    if (access(bin, X_OK) != 0)
        check_skip("%s not found: run scripts/deps.sh test", bin);
    return bin;
}

int nginx_proc_init(struct nginx_proc *n)
{
    memset(n, 0, sizeof *n);
    files_tmpdir(n->dir, sizeof n->dir, "nginx");
    snprintf(n->conf_path, sizeof n->conf_path, "%s/nginx.conf", n->dir);
    snprintf(n->error_path, sizeof n->error_path, "%s/error.log", n->dir);
    snprintf(n->pid_path, sizeof n->pid_path, "%s/nginx.pid", n->dir);
    if (geteuid() == 0) {
        /* As root, nginx would hand its workers to "nobody", who could
         * not write here; it runs as nobody altogether instead. */
        struct passwd *pw = getpwnam("nobody");
        if (pw == NULL || chown(n->dir, pw->pw_uid, pw->pw_gid) != 0) {
            fprintf(stderr, "nginx_proc: cannot give %s to nobody\n", n->dir);
            return -1;
        }
        n->uid = pw->pw_uid;
        n->gid = pw->pw_gid;
    }
    return 0;
}

/* A loopback port nobody listens on now (the kernel's pick for port 0),
 * or 0. */
static unsigned free_port(void)
{
    struct sockaddr_in a = {0};
    socklen_t len = sizeof a;
    unsigned port = 0;
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    if (fd < 0)
        return 0;
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
        getsockname(fd, (struct sockaddr *)&a, &len) == 0)
        port = ntohs(a.sin_port);
    close(fd);
    return port;
}

/* Appends text to f with @PORT@ and @DIR@ replaced. */
static void put_replaced(FILE *f, const char *text, unsigned port,
                         const char *dir)
{
    while (*text != '\0') {
        if (strncmp(text, "@PORT@", 6) == 0) {
            fprintf(f, "%u", port);
            text += 6;
        } else if (strncmp(text, "@DIR@", 5) == 0) {
            fputs(dir, f);
            text += 5;
        } else {
            fputc(*text++, f);
        }
    }
}

/* Writes n->conf_path: everything nginx would otherwise look for under
 * /var, /run and /etc is in n->dir. */
static int write_conf(const struct nginx_proc *n, const char *http_conf,
                      unsigned port)
{
    FILE *f = fopen(n->conf_path, "w");
    const char *d = n->dir;

    if (f == NULL) {
        fprintf(stderr, "nginx_proc: %s: %s\n", n->conf_path, strerror(errno));
        return -1;
    }
    fprintf(f,
            "daemon off;\nmaster_process on;\nworker_processes 1;\n"
            "pid %s;\nerror_log %s info;\n"
            "events { worker_connections 512; }\n"
            "http {\n"
            "    default_type application/octet-stream;\n"
            "    access_log %s/access.log;\n"
            "    client_body_temp_path %s/client_body;\n"
            "    proxy_temp_path %s/proxy;\n"
            "    fastcgi_temp_path %s/fastcgi;\n"
            "    uwsgi_temp_path %s/uwsgi;\n"
            "    scgi_temp_path %s/scgi;\n",
            n->pid_path, n->error_path, d, d, d, d, d, d);
    put_replaced(f, http_conf, port, d);
    fprintf(f, "\n}\n");
    if (fclose(f) != 0)
        return -1;
    return 0;
}

/* The pid nginx wrote into its pid file, or 0. */
static pid_t read_pid(const char *path)
{
    FILE *f = fopen(path, "r");
    long pid = 0;

    if (f == NULL)
        return 0;
    if (fscanf(f, "%ld", &pid) != 1)
        pid = 0;
    fclose(f);
    return (pid_t)pid;
}

/* Starts nginx once on port. Returns 0 when it listens, 1 when it exited
 * because the port was taken (try another), -1 on any other failure. */
static int start_once(struct nginx_proc *n, const char *bin, unsigned port)
{
    const char *argv[] = {bin,          "-p", n->dir,        "-c",
                          n->conf_path, "-e", n->error_path, NULL};
    struct wait w;
    pid_t pid;
    int status;

    unlink(n->pid_path);
    fflush(NULL);
    pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        int fd, null;
        /* Its own user first, so that its error log is its own too. */
        if (n->uid != 0 && (setgroups(0, NULL) != 0 || setgid(n->gid) != 0 ||
                            setuid(n->uid) != 0))
            _exit(126);
        fd = open(n->error_path, O_WRONLY | O_CREAT | O_APPEND, 0644);
        null = open("/dev/null", O_RDWR);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
        }
        if (null >= 0)
            dup2(null, 0);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    w = wait_begin(NGINX_PROC_TIMEOUT_MS);
    do {
        if (read_pid(n->pid_path) == pid) {
            n->pid = pid;
            n->port = port;
            snprintf(n->url, sizeof n->url, "http://127.0.0.1:%u", port);
            return 0;
        }
        if (waitpid(pid, &status, WNOHANG) == pid) {
            if (files_contain(n->error_path, "Address already in use"))
                return 1;
            fprintf(stderr, "nginx_proc: nginx exited (status %d), see %s\n",
                    WIFEXITED(status) ? WEXITSTATUS(status) : -1,
                    n->error_path);
            return -1;
        }
    } while (wait_more(&w));
    fprintf(stderr, "nginx_proc: nginx did not start in time\n");
    kill(pid, SIGKILL);
    wait_child(pid, NGINX_PROC_TIMEOUT_MS, NULL);
    return -1;
}

int nginx_proc_start(struct nginx_proc *n, const char *http_conf)
{
    const char *bin = nginx_proc_require();

    if (n->pid != 0) {
        fprintf(stderr, "nginx_proc: already running\n");
        return -1;
    }
    for (int i = 0; i < NGINX_PROC_TRIES; i++) {
        unsigned port = free_port();
        int rc;
        if (port == 0 || write_conf(n, http_conf, port) != 0)
            return -1;
        /* Only this start's complaints decide whether to retry. */
        unlink(n->error_path);
        rc = start_once(n, bin, port);
        if (rc <= 0)
            return rc;
    }
    fprintf(stderr, "nginx_proc: no free port after %d tries\n",
            NGINX_PROC_TRIES);
    return -1;
}

int nginx_proc_stop(struct nginx_proc *n)
{
    int status, rc = 0;

    if (n->pid == 0)
        return -1;
    /* SIGTERM: nginx's fast shutdown; the master ends its workers first. */
    kill(n->pid, SIGTERM);
    if (!wait_child(n->pid, NGINX_PROC_TIMEOUT_MS, &status)) {
        kill(n->pid, SIGKILL);
        wait_child(n->pid, NGINX_PROC_TIMEOUT_MS, NULL);
        rc = -1;
    }
    n->pid = 0;
    return rc;
}

void nginx_proc_cleanup(struct nginx_proc *n)
{
    if (n->pid != 0)
        nginx_proc_stop(n);
    if (n->dir[0] != '\0' && getenv("CREDLOG_KEEP_TMP") == NULL)
        files_rmtree(n->dir);
    else if (n->dir[0] != '\0')
        fprintf(stderr, "nginx_proc: kept %s\n", n->dir);
    n->dir[0] = '\0';
}
