/*
 * test_notify.c: systemd readiness (Type=notify, logd/notify.h) played by a
 * test that binds the AF_UNIX datagram socket systemd would and names it in
 * $NOTIFY_SOCKET, as the service manager does:
 *  - logd sends READY=1 only once it answers HTTP, and STOPPING=1 on
 *    SIGTERM; the same through an abstract "@name" socket;
 *  - `credlog witness` sends READY=1 once it listens;
 *  - a $NOTIFY_SOCKET that is neither a path nor @name stops logd with the
 *    reason (under systemd a start that never reports ready is a failure
 *    anyway; better said at once);
 *  - without $NOTIFY_SOCKET nothing is sent and logd starts as before
 *    (every other test).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "client/http.h"
#include "files.h"
#include "issuer.h"
#include "logd_api.h"
#include "logd_proc.h"
#include "wait.h"
#include "witness_proc.h"

/* Binds a datagram socket at path (or, starting with '@', the abstract
 * name) and sets $NOTIFY_SOCKET to it. Returns the socket. */
static int listen_notify(const char *path)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    size_t n = strlen(path);
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

    if (fd < 0 || n >= sizeof sa.sun_path)
        abort();
    memcpy(sa.sun_path, path, n);
    if (path[0] == '@')
        sa.sun_path[0] = '\0';
    if (bind(fd, (struct sockaddr *)&sa,
             (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n +
                         (path[0] == '@' ? 0 : 1))) != 0) {
        perror("bind");
        abort();
    }
    setenv("NOTIFY_SOCKET", path, 1);
    return fd;
}

/* Waits up to timeout_ms for one datagram on fd; returns whether it came
 * and equals want. */
static bool receive(int fd, const char *want, unsigned timeout_ms)
{
    char buf[256];
    struct wait w = wait_begin(timeout_ms);

    do {
        ssize_t n = recv(fd, buf, sizeof buf - 1, 0);
        if (n >= 0) {
            buf[n] = '\0';
            if (strcmp(buf, want) != 0)
                fprintf(stderr, "    got \"%s\", want \"%s\"\n", buf, want);
            return strcmp(buf, want) == 0;
        }
        if (errno != EAGAIN && errno != EWOULDBLOCK)
            return false;
    } while (wait_more(&w));
    fprintf(stderr, "    no \"%s\" within %u ms\n", want, timeout_ms);
    return false;
}

/* Nothing waiting on fd. */
static bool quiet(int fd)
{
    char buf[64];
    return recv(fd, buf, sizeof buf, 0) < 0 && errno == EAGAIN;
}

static void test_logd(const char *name, const char *tag)
{
    struct issuer a;
    struct logd_proc p;
    struct client_http *h;
    char path[LOGD_PROC_PATH_MAX + 16];
    int fd;

    issuer_make(&a, "a.example");
    REQUIRE(logd_proc_init(&p, "notify.example/log", &a.v, 1) == 0);
    if (name[0] == '@')
        snprintf(path, sizeof path, "@credlog-test-notify-%ld-%s",
                 (long)getpid(), tag);
    else
        snprintf(path, sizeof path, "%s/%s", p.dir, name);
    fd = listen_notify(path);
    REQUIRE(logd_proc_start(&p, NULL) == 0);
    unsetenv("NOTIFY_SOCKET");
    CHECK(receive(fd, "READY=1", 20000));
    /* Ready means answering: a request made right after READY=1 works. */
    REQUIRE(client_http_open(p.url, NULL, &h) == 0);
    CHECK(logd_api_checkpoint(h, &p, NULL, NULL) > 0);
    client_http_close(h);
    CHECK(quiet(fd));
    CHECK(logd_proc_stop(&p) == 0);
    CHECK(receive(fd, "STOPPING=1", 1000));
    close(fd);
    logd_proc_cleanup(&p);
    issuer_wipe(&a);
}

static void test_logd_bad_address(void)
{
    struct issuer a;
    struct logd_proc p;
    int status = 0;

    issuer_make(&a, "a.example");
    REQUIRE(logd_proc_init(&p, "notify.example/log", &a.v, 1) == 0);
    setenv("NOTIFY_SOCKET", "relative/notify", 1);
    /* The port file comes before READY=1: logd may be seen listening
     * before it stops, or may already have exited. */
    if (logd_proc_start(&p, NULL) == 0) {
        CHECK(wait_child(p.pid, 20000, &status));
        CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 1);
        p.pid = 0;
    }
    unsetenv("NOTIFY_SOCKET");
    CHECK(logd_proc_wait_log(&p,
                             "cannot tell systemd logd is ready: "
                             "$NOTIFY_SOCKET is neither",
                             10000));
    logd_proc_cleanup(&p);
    issuer_wipe(&a);
}

static void test_witness(void)
{
    struct witness_proc w;
    char path[WITNESS_PROC_PATH_MAX + 16];
    int fd;

    REQUIRE(witness_proc_init(&w, "w.example") == 0);
    REQUIRE(witness_proc_write_logs(&w, "logs/v0\n") == 0);
    snprintf(path, sizeof path, "%s/notify", w.dir);
    fd = listen_notify(path);
    REQUIRE(witness_proc_start(&w) == 0);
    unsetenv("NOTIFY_SOCKET");
    CHECK(receive(fd, "READY=1", 20000));
    CHECK(witness_proc_stop(&w) == 0);
    CHECK(receive(fd, "STOPPING=1", 1000));
    close(fd);
    witness_proc_cleanup(&w);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    logd_proc_require();
    test_logd("notify", "path");
    test_logd("@", "abstract");
    test_logd_bad_address();
    test_witness();
    return check_finish();
}
