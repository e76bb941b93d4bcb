/*
 * gotool.c: the go command in GOPATH mode without network, for the Go
 * interop checkers (see gotool.h).
 */
#include "gotool.h"

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
#include "logd_proc.h"
#include "wait.h"

#define GOTOOL_XMOD_DIR "/usr/share/gocode/src/golang.org/x/mod/sumdb"

static char go_bin[PATH_MAX];
static char build_dir[PATH_MAX]; /* <build>/interop */

/* The go command on PATH, into go_bin. */
static bool gotool_find_go(void)
{
    const char *path = getenv("PATH");

    while (path != NULL && *path != '\0') {
        const char *end = strchr(path, ':');
        size_t len = end != NULL ? (size_t)(end - path) : strlen(path);
        if (len > 0 && len < sizeof go_bin - 4) {
            snprintf(go_bin, sizeof go_bin, "%.*s/go", (int)len, path);
            if (access(go_bin, X_OK) == 0)
                return true;
        }
        path = end != NULL ? end + 1 : NULL;
    }
    return false;
}

bool gotool_require(void)
{
    if (!gotool_find_go()) {
        CHECK_MSG(0, "`go` is not on PATH: this test needs Go's reference "
                     "golang.org/x/mod/sumdb packages; " GOTOOL_HINT);
        return false;
    }
    if (access(GOTOOL_XMOD_DIR "/note", R_OK) != 0 ||
        access(GOTOOL_XMOD_DIR "/tlog", R_OK) != 0) {
        CHECK_MSG(0, "%s/{note,tlog} is missing: " GOTOOL_HINT,
                  GOTOOL_XMOD_DIR);
        return false;
    }
    return true;
}

/* Runs argv (in cwd and with Go's build environment if go_env), stdout and
 * stderr into out_path; prints the output. Returns the exit status, or -1
 * if it did not exit normally within timeout_s. */
static int gotool_exec(const char *const *argv, const char *cwd, bool go_env,
                       const char *out_path, int timeout_s)
{
    char gopath[PATH_MAX + 64], gocache[PATH_MAX + 16], line[4096];
    int st = 0;
    pid_t pid;
    FILE *f;

    snprintf(gopath, sizeof gopath, "/usr/share/gocode:%s/gopath", build_dir);
    snprintf(gocache, sizeof gocache, "%s/gocache", build_dir);
    fflush(NULL);
    pid = fork();
    if (pid == 0) {
        int fd = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (fd < 0 || (cwd != NULL && chdir(cwd) != 0))
            _exit(127);
        dup2(fd, 1);
        dup2(fd, 2);
        if (go_env) {
            setenv("GO111MODULE", "off", 1);
            setenv("GOPATH", gopath, 1);
            setenv("GOCACHE", gocache, 1);
            setenv("GOFLAGS", "", 1);
            setenv("GOPROXY", "off", 1);
            setenv("GOENV", "off", 1);
            setenv("GOTOOLCHAIN", "local", 1);
        }
        execv(argv[0], (char *const *)argv);
        fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    if (pid < 0)
        return -1;
    if (!wait_child(pid, (unsigned)timeout_s * 1000, &st)) {
        kill(pid, SIGKILL);
        waitpid(pid, &st, 0);
        fprintf(stderr, "%s: killed after %d s\n", argv[0], timeout_s);
        st = -1;
    }
    if ((f = fopen(out_path, "r")) != NULL) {
        while (fgets(line, sizeof line, f) != NULL)
            printf("    | %s", line);
        fclose(f);
    }
    return st >= 0 && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

int gotool_run(const char *const *argv, const char *out_path, int timeout_s)
{
    return gotool_exec(argv, NULL, false, out_path, timeout_s);
}

bool gotool_build(const char *name, const char *scratch, char *tool, size_t cap)
{
    const char *data = getenv("CREDLOG_TEST_DATA");
    const char *logd = logd_proc_binary();
    const char *slash = logd != NULL ? strrchr(logd, '/') : NULL;
    char src[PATH_MAX], out[PATH_MAX + 64], gopath[PATH_MAX + 16];
    int rc;

    if (data == NULL || slash == NULL ||
        (size_t)(slash - logd) > sizeof build_dir - 64) {
        CHECK_MSG(0, "gotool_build: needs $CREDLOG_TEST_DATA and $LOGD_BIN");
        return false;
    }
    snprintf(src, sizeof src, "%.*s/../interop/%s", PATH_MAX - 64, data, name);
    snprintf(build_dir, sizeof build_dir, "%.*s/interop", (int)(slash - logd),
             logd);
    if ((size_t)snprintf(tool, cap, "%s/%s", build_dir, name) >= cap) {
        CHECK_MSG(0, "gotool_build: path of %s too long", name);
        return false;
    }
    snprintf(gopath, sizeof gopath, "%s/gopath", build_dir);
    mkdir(build_dir, 0755);
    mkdir(gopath, 0755);
    snprintf(out, sizeof out, "%.*s/go-build-%s.out", PATH_MAX - 64, scratch,
             name);
    printf("go build -o %s (in %s)\n", tool, src);
    rc = gotool_exec(
        (const char *const[]){go_bin, "build", "-o", tool, ".", NULL}, src,
        true, out, 300);
    CHECK_MSG(rc == 0,
              "go build of tests/interop/%s failed (exit %d); "
              "if golang.org/x/mod is missing, " GOTOOL_HINT,
              name, rc);
    return rc == 0;
}
