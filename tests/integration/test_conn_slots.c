/*
 * test_conn_slots.c: connection slots under a flood from one host (issue
 * 10, item 12), and the separate metrics listener (item 17), against the
 * real logd.
 *  - One address (127.0.0.2, another loopback source address: the client
 *    sockets are bound to it) opens as many idle connections as
 *    --max-connections allows: beyond --max-connections-per-ip they are
 *    answered 503 and closed, and another address (127.0.0.1) is still
 *    served, with the flood held open.
 *  - A connection that sends no byte is closed after --first-byte-timeout
 *    (default 5 s), long before --request-timeout; one that sent a byte is
 *    not.
 *  - With --metrics-listen, /metrics is served there (GET and HEAD) and
 *    nowhere else: the public listener answers 404 in JSON, and the metrics
 *    listener answers everything but /metrics with a JSON 404.
 */
#include <jansson.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "client/http.h"
#include "issuer.h"
#include "logd_api.h"
#include "logd_proc.h"
#include "logd_raw.h"
#include "wait.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>

static struct issuer A1;

/* Connects to 127.0.0.1:port from source address from (NULL: any). */
static int connect_from(const char *from, unsigned port)
{
    struct sockaddr_in sa;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;

    if (fd < 0)
        return -1;
    if (from != NULL) {
        memset(&sa, 0, sizeof sa);
        sa.sin_family = AF_INET;
        inet_pton(AF_INET, from, &sa.sin_addr);
        if (bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
            close(fd);
            return -1;
        }
    }
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

/* Sends GET path on fd and reads the answer. */
static int get_on(int fd, const char *path, int no_body,
                  struct logd_raw_answer *a)
{
    char req[256];
    int n = snprintf(req, sizeof req, "%s %s HTTP/1.1\r\nHost: x\r\n\r\n",
                     no_body ? "HEAD" : "GET", path);

    memset(a, 0, sizeof *a);
    if (logd_raw_send(fd, req, (size_t)n) != 0)
        return -1;
    return logd_raw_read(fd, no_body, 10000, a);
}

/* Reads the 503s logd sends on the flood connections fd[0..n): waits
 * until want of them are answered (or 10 s pass), checks each answer, and
 * returns how many were refused; refused[i] tells which. */
static int count_refused(const int *fd, int n, int want, bool *refused)
{
    uint64_t until = wait_now_ms() + 10000;
    int count = 0;

    memset(refused, 0, (size_t)n * sizeof *refused);
    /* Blocks in poll() for the answers themselves, not in a sleep. */
    while (count < want && wait_now_ms() < until) {
        struct pollfd pfd[512];
        int k = 0;
        for (int i = 0; i < n && k < 512; i++)
            if (!refused[i])
                pfd[k++] = (struct pollfd){fd[i], POLLIN, 0};
        if (poll(pfd, (nfds_t)k, 200) <= 0)
            continue;
        for (int j = 0; j < k; j++) {
            struct logd_raw_answer a;
            int i;
            if ((pfd[j].revents & (POLLIN | POLLHUP)) == 0)
                continue;
            for (i = 0; fd[i] != pfd[j].fd; i++)
                ;
            refused[i] = true;
            count++;
            CHECK_MSG(logd_raw_read(fd[i], 0, 5000, &a) == 0 &&
                          a.status == 503 && logd_raw_json_error(&a),
                      "flood connection %d: status %d", i, a.status);
            logd_raw_answer_free(&a);
            CHECK(logd_raw_wait_closed(fd[i], 10000));
        }
    }
    return count;
}

/* Floods logd (started with args) from 127.0.0.2 with n idle connections,
 * all of --max-connections: per_ip are kept, the rest refused, and
 * 127.0.0.1 is served meanwhile. */
static void flood_case(const char *name, const char *const *args, int n,
                       int per_ip)
{
    struct logd_proc Q;
    struct note_verifier keys[1] = {A1.v};
    int *flood = calloc((size_t)n, sizeof *flood), refused;
    bool *gone = calloc((size_t)n, sizeof *gone);
    struct logd_raw_answer a;

    REQUIRE(logd_proc_init(&Q, "test.example/slots", keys, 1) == 0);
    if (logd_proc_start(&Q, args) != 0) {
        CHECK_MSG(0, "%s: logd did not start", name);
        logd_proc_cleanup(&Q);
        free(flood);
        free(gone);
        return;
    }
    /* 127.0.0.2 takes every slot there is, and sends nothing. */
    for (int i = 0; i < n; i++) {
        flood[i] = connect_from("127.0.0.2", Q.port);
        REQUIRE(flood[i] >= 0);
    }
    /* logd keeps per_ip of them and refuses the rest at once: 503 with a
     * JSON error, then the close. */
    refused = count_refused(flood, n, n - per_ip, gone);
    CHECK_MSG(refused == n - per_ip,
              "%s: from one address %d of %d connections refused, want %d",
              name, refused, n, n - per_ip);

    /* Another address is served, several times over, while the flood
     * holds its connections. */
    for (int i = 0; i < 4; i++) {
        int fd = connect_from("127.0.0.1", Q.port);
        REQUIRE(fd >= 0);
        CHECK_MSG(get_on(fd, "/healthz", 0, &a) == 0 && a.status == 200,
                  "%s: 127.0.0.1 during the flood: status %d", name, a.status);
        logd_raw_answer_free(&a);
        close(fd);
    }
    /* The kept flood connections are still served themselves. */
    for (int i = 0; i < n; i++) {
        if (gone[i])
            continue;
        CHECK(get_on(flood[i], "/healthz", 0, &a) == 0 && a.status == 200);
        logd_raw_answer_free(&a);
    }
    for (int i = 0; i < n; i++)
        close(flood[i]);
    CHECK(logd_proc_stop(&Q) == 0);
    logd_proc_cleanup(&Q);
    free(flood);
    free(gone);
}

static void test_per_ip(void)
{
    /* The default limit (128 per address). */
    flood_case("default",
               (const char *const[]){"--heartbeat", "0", "--max-connections",
                                     "160", "--request-timeout", "60", NULL},
               160, 128);
    /* Small limits from the flags. */
    flood_case("--max-connections-per-ip 4",
               (const char *const[]){
                   "--heartbeat", "0", "--max-connections", "24",
                   "--max-connections-per-ip", "4", "--request-timeout", "60",
                   "--first-byte-timeout", "60", "--threads", "2", NULL},
               24, 4);
}

static void test_first_byte(void)
{
    struct logd_proc Q;
    struct note_verifier keys[1] = {A1.v};
    struct logd_raw_answer a;
    uint64_t t0, waited;
    int silent, talker;

    REQUIRE(logd_proc_init(&Q, "test.example/first-byte", keys, 1) == 0);
    /* The default --first-byte-timeout: 5 s. */
    if (logd_proc_start(&Q, (const char *const[]){"--heartbeat", "0",
                                                  "--request-timeout", "60",
                                                  NULL}) != 0) {
        CHECK(0);
        logd_proc_cleanup(&Q);
        return;
    }
    t0 = wait_now_ms();
    silent = connect_from("127.0.0.2", Q.port);
    talker = connect_from("127.0.0.2", Q.port);
    REQUIRE(silent >= 0 && talker >= 0);
    /* One byte at once: this one is not closed by the first-byte
     * deadline. */
    CHECK(logd_raw_send(talker, "G", 1) == 0);
    /* The silent one is closed, without an answer, well before the 60 s
     * request deadline (waiting at most 30 s). */
    CHECK_MSG(logd_raw_wait_closed(silent, 30000),
              "a silent connection stayed open past --first-byte-timeout");
    waited = wait_now_ms() - t0;
    CHECK_MSG(waited >= 4900, "closed after %llu ms, before the deadline",
              (unsigned long long)waited);
    /* The one that sent a byte is still open and finishes its request. */
    CHECK(!logd_raw_wait_closed(talker, 0));
    CHECK(logd_raw_send(talker, "ET /healthz HTTP/1.1\r\nHost: x\r\n\r\n",
                        33) == 0);
    CHECK(logd_raw_read(talker, 0, 10000, &a) == 0 && a.status == 200);
    logd_raw_answer_free(&a);
    close(silent);
    close(talker);
    CHECK(logd_proc_stop(&Q) == 0);
    logd_proc_cleanup(&Q);
}

/* The port --metrics-listen bound, read from logd's log ("serving /metrics
 * on HOST:PORT only"). */
static unsigned metrics_port(const struct logd_proc *q)
{
    FILE *f = fopen(q->log_path, "r");
    char line[512];
    unsigned port = 0;

    if (f == NULL)
        return 0;
    while (port == 0 && fgets(line, sizeof line, f) != NULL) {
        char *at = strstr(line, "serving /metrics on ");
        char *colon = at != NULL ? strrchr(at, ':') : NULL;
        if (colon != NULL)
            port = (unsigned)strtoul(colon + 1, NULL, 10);
    }
    fclose(f);
    return port;
}

static void test_metrics_listen(void)
{
    struct logd_proc Q;
    struct note_verifier keys[1] = {A1.v};
    struct logd_raw_answer a;
    unsigned mport;
    int fd;

    REQUIRE(logd_proc_init(&Q, "test.example/metrics", keys, 1) == 0);
    if (logd_proc_start(&Q, (const char *const[]){"--heartbeat", "0",
                                                  "--metrics-listen",
                                                  "127.0.0.1:0", NULL}) != 0) {
        CHECK(0);
        logd_proc_cleanup(&Q);
        return;
    }
    mport = metrics_port(&Q);
    CHECK_MSG(mport != 0 && mport != Q.port,
              "no metrics listener in the log (port %u)", mport);

    /* The public listener: no metrics, a JSON 404; the rest as usual. */
    fd = logd_raw_connect(Q.port, 0);
    REQUIRE(fd >= 0);
    CHECK(get_on(fd, "/metrics", 0, &a) == 0 && a.status == 404 &&
          logd_raw_json_error(&a) && strstr(a.body, "credlog_") == NULL);
    logd_raw_answer_free(&a);
    CHECK(get_on(fd, "/checkpoint", 0, &a) == 0 && a.status == 200);
    logd_raw_answer_free(&a);
    close(fd);

    if (mport != 0) {
        /* The metrics listener: GET and HEAD /metrics, on one kept-alive
         * connection. */
        fd = logd_raw_connect(mport, 0);
        REQUIRE(fd >= 0);
        CHECK(get_on(fd, "/metrics", 0, &a) == 0 && a.status == 200 &&
              a.body != NULL &&
              strstr(a.body, "\ncredlog_tree_size ") != NULL &&
              strstr(a.body, "credlog_http_requests_total") != NULL);
        logd_raw_answer_free(&a);
        CHECK(get_on(fd, "/metrics", 1, &a) == 0 && a.status == 200);
        logd_raw_answer_free(&a);
        CHECK(get_on(fd, "/metrics", 0, &a) == 0 && a.status == 200);
        logd_raw_answer_free(&a);
        close(fd);
        /* Nothing else there, in JSON. */
        fd = logd_raw_connect(mport, 0);
        REQUIRE(fd >= 0);
        CHECK(get_on(fd, "/checkpoint", 0, &a) == 0 && a.status == 404 &&
              logd_raw_json_error(&a));
        logd_raw_answer_free(&a);
        close(fd);
        CHECK(logd_raw_exchange(mport, "POST /metrics HTTP/1.1\r\n\r\n", 26, 0,
                                10000, &a) == 0 &&
              a.status == 405 && logd_raw_json_error(&a));
        logd_raw_answer_free(&a);
        CHECK(logd_raw_exchange(mport, "GARBAGE\r\n\r\n", 11, 0, 10000, &a) ==
                  0 &&
              a.status == 400 && logd_raw_json_error(&a));
        logd_raw_answer_free(&a);
    }
    CHECK(logd_proc_stop(&Q) == 0);
    logd_proc_cleanup(&Q);

    /* A bad address is refused at startup. */
    REQUIRE(logd_proc_init(&Q, "test.example/metrics2", keys, 1) == 0);
    CHECK(logd_proc_start(&Q, (const char *const[]){"--metrics-listen",
                                                    "nonsense", NULL}) != 0);
    logd_proc_cleanup(&Q);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    if (logd_proc_binary() == NULL) {
        printf("LOGD_BIN not set: skipped\n");
        return 77;
    }
    issuer_make(&A1, "avans.nl");
    test_per_ip();
    test_first_byte();
    test_metrics_listen();
    return check_finish();
}
