/*
 * test_smuggling.c: request smuggling against the real logd (issue 10, item
 * 10), on raw sockets and through a real nginx in front.
 *
 * Each case hides a valid signed submission (POST /v1/entries) where a
 * proxy would see a body but evhttp, left to itself, would run it as the
 * next request: the body of a HEAD or TRACE, a body framed by a
 * Transfer-Encoding other than exactly "chunked", a Content-Length hidden in
 * a folded header line (obs-fold, which evhttp joins to the line before), a
 * Content-Length written "+N" or with inner spaces. logd must answer 400
 * ({"error": ...}; HEAD answers carry no body) and close the connection,
 * and the submission must never be appended: after all the cases, one
 * honest submission makes the log grow exactly as much as one did before
 * them (its entry and the batch's MAP entry).
 *
 * Through nginx (Debian's, started here as a child on a port of its own,
 * with `deny all` on /v1/entries and keep-alive connections to logd, as a
 * production proxy is set up), a submission smuggled inside a HEAD must not
 * be appended either: the checkpoint's size stays the same. The test is
 * skipped (exit 77) when nginx is not installed (scripts/deps.sh test).
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
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

static struct logd_proc P;
static struct client_http *H;
static struct issuer A1;
static uint64_t rnd = 1010;

/* Submits one fresh credential straight to logd (answered once its batch
 * is committed) and returns the tree size after it. One batch appends the
 * entry and a MAP entry: growth is counted against an honest batch's. */
static int64_t honest_submission(void)
{
    struct entry e;
    uint8_t c[32];
    json_t *arr = json_array(), *ans = NULL;

    check_rand_cred(&rnd, c);
    issuer_entry(&e, ENTRY_ISSUE, c, &A1, issuer_now_ms(), 0);
    json_array_append_new(arr, issuer_submission_json(&e));
    CHECK(logd_api_post_entries(H, arr, &ans) == 200);
    json_decref(ans);
    return logd_api_checkpoint(H, &P, NULL, NULL);
}

/* A signed submission for a fresh credential, as a whole POST request. */
static char *smuggled_post(void)
{
    struct entry e;
    uint8_t c[32];
    json_t *o = json_object(), *arr = json_array();
    char *body, *req;
    size_t n;

    check_rand_cred(&rnd, c);
    issuer_entry(&e, ENTRY_ISSUE, c, &A1, issuer_now_ms(), 0);
    json_array_append_new(arr, issuer_submission_json(&e));
    json_object_set_new(o, "entries", arr);
    body = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    n = strlen(body) + 200;
    req = malloc(n);
    snprintf(req, n,
             "POST /v1/entries HTTP/1.1\r\nHost: x\r\nContent-Type: "
             "application/json\r\nContent-Length: %zu\r\n\r\n%s",
             strlen(body), body);
    free(body);
    return req;
}

/* The smuggling cases: a head (a printf format taking the smuggled
 * request's length as %zu, or a fixed one) followed by the smuggled POST. */
struct smuggle {
    const char *name;
    const char *head;
    bool head_method; /* the answer carries no body */
};

static const struct smuggle cases[] = {
    {"body on HEAD",
     "HEAD /checkpoint HTTP/1.1\r\nHost: x\r\nContent-Length: %zu\r\n\r\n",
     true},
    {"body on TRACE",
     "TRACE /checkpoint HTTP/1.1\r\nHost: x\r\nContent-Length: %zu\r\n\r\n",
     false},
    {"chunked body on HEAD",
     "HEAD /checkpoint HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: "
     "chunked\r\n\r\n",
     true},
    {"Transfer-Encoding: identity",
     "GET /checkpoint HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: "
     "identity\r\n\r\n",
     false},
    {"Transfer-Encoding: gzip, chunked",
     "GET /checkpoint HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, "
     "chunked\r\n\r\n",
     false},
    {"Transfer-Encoding: xchunked",
     "GET /checkpoint HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: "
     "xchunked\r\n\r\n",
     false},
    {"Transfer-Encoding: chunked x",
     "GET /checkpoint HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked "
     "x\r\n\r\n",
     false},
    {"Content-Length in a folded line",
     "GET /checkpoint HTTP/1.1\r\nHost: x\r\nX-Note: a\r\n Content-Length: "
     "%zu\r\n\r\n",
     false},
    {"Content-Length in a tab-folded line",
     "GET /checkpoint HTTP/1.1\r\nHost: x\r\nX-Note: a\r\n\tContent-Length: "
     "%zu\r\n\r\n",
     false},
    {"folded line on HEAD",
     "HEAD /checkpoint HTTP/1.1\r\nHost: x\r\nX-Note: a\r\n b\r\n\r\n", true},
    {"Content-Length: +N on HEAD",
     "HEAD /checkpoint HTTP/1.1\r\nHost: x\r\nContent-Length: +%zu\r\n\r\n",
     true},
    {"Content-Length: +0 then a request",
     "GET /checkpoint HTTP/1.1\r\nHost: x\r\nContent-Length: +0\r\n\r\n",
     false},
    {"Content-Length with an inner space",
     "GET /checkpoint HTTP/1.1\r\nHost: x\r\nContent-Length: 0 0\r\n\r\n",
     false},
    {"Content-Length: 0x0",
     "GET /checkpoint HTTP/1.1\r\nHost: x\r\nContent-Length: 0x0\r\n\r\n",
     false},
};

/* The head of case k with the smuggled request of length len. */
static void format_head(const struct smuggle *k, size_t len, char *buf,
                        size_t cap)
{
    if (strstr(k->head, "%zu") != NULL)
        snprintf(buf, cap, k->head, len);
    else
        snprintf(buf, cap, "%s", k->head);
}

/* Sends each case on its own connection (and once more pipelined behind an
 * honest request on a kept-alive connection): 400 with a JSON error, then
 * the connection closes. */
static void test_raw(void)
{
    int64_t start = logd_api_checkpoint(H, &P, NULL, NULL), size0, size1, batch;

    REQUIRE(start > 0);
    size0 = honest_submission();
    batch = size0 - start;
    REQUIRE(batch >= 1);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct smuggle *k = &cases[i];
        for (int pipelined = 0; pipelined < 2; pipelined++) {
            static const char honest[] =
                "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
            char *post = smuggled_post(), head[512], *req;
            size_t plen = strlen(post), n;
            struct logd_raw_answer a;
            int fd = logd_raw_connect(P.port, 0);

            REQUIRE(fd >= 0);
            format_head(k, plen, head, sizeof head);
            n = (pipelined ? strlen(honest) : 0) + strlen(head) + plen;
            req = malloc(n + 1);
            snprintf(req, n + 1, "%s%s%s", pipelined ? honest : "", head, post);
            CHECK(logd_raw_send(fd, req, n) == 0);
            if (pipelined) {
                CHECK_MSG(logd_raw_read(fd, 0, 10000, &a) == 0 &&
                              a.status == 200,
                          "%s (pipelined): the honest request got %d", k->name,
                          a.status);
                logd_raw_answer_free(&a);
            }
            CHECK_MSG(logd_raw_read(fd, k->head_method, 10000, &a) == 0 &&
                          a.status == 400,
                      "%s%s: status %d, want 400", k->name,
                      pipelined ? " (pipelined)" : "", a.status);
            if (a.status == 400 && !k->head_method)
                CHECK_MSG(logd_raw_json_error(&a),
                          "%s: not a JSON error: %.200s", k->name,
                          a.body != NULL ? a.body : "");
            logd_raw_answer_free(&a);
            CHECK_MSG(logd_raw_wait_closed(fd, 10000),
                      "%s%s: the connection stayed open", k->name,
                      pipelined ? " (pipelined)" : "");
            close(fd);
            free(req);
            free(post);
        }
    }
    /* Nothing was appended: one honest batch adds what one adds. */
    size1 = honest_submission();
    CHECK_MSG(size1 == size0 + batch,
              "tree size %lld after the smuggling cases and one honest "
              "submission, was %lld (a batch adds %lld)",
              (long long)size1, (long long)size0, (long long)batch);

    /* Legitimate framing still works: optional spaces around a value, an
     * empty Content-Length on HEAD, chunked POST. */
    {
        struct logd_raw_answer a;
        static const char ok1[] = "GET /healthz HTTP/1.1\r\nHost: x\r\n"
                                  "Content-Length:   0  \r\n\r\n";
        static const char ok2[] = "HEAD /healthz HTTP/1.1\r\nHost: x\r\n"
                                  "Content-Length: 0\r\n\r\n";
        static const char ok3[] =
            "POST /v1/entries HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: "
            "chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n";
        CHECK(logd_raw_exchange(P.port, ok1, sizeof ok1 - 1, 0, 10000, &a) ==
                  0 &&
              a.status == 200);
        logd_raw_answer_free(&a);
        CHECK(logd_raw_exchange(P.port, ok2, sizeof ok2 - 1, 1, 10000, &a) ==
                  0 &&
              a.status == 200);
        logd_raw_answer_free(&a);
        /* Reaches the router, which refuses the empty object itself. */
        CHECK(logd_raw_exchange(P.port, ok3, sizeof ok3 - 1, 0, 10000, &a) ==
                  0 &&
              a.status == 400 && a.body != NULL &&
              strstr(a.body, "entries") != NULL);
        logd_raw_answer_free(&a);
    }
}

/* ---- through nginx ---- */

static const char *nginx_binary(void)
{
    static const char *const paths[] = {"/usr/sbin/nginx", "/usr/bin/nginx",
                                        "/usr/local/sbin/nginx"};

    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++)
        if (access(paths[i], X_OK) == 0)
            return paths[i];
    return NULL;
}

/* A port nothing listens on right now (bound and released). */
static unsigned free_port(void)
{
    struct sockaddr_in sa;
    socklen_t len = sizeof sa;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    unsigned port = 0;

    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0 &&
        getsockname(fd, (struct sockaddr *)&sa, &len) == 0)
        port = ntohs(sa.sin_port);
    if (fd >= 0)
        close(fd);
    return port;
}

struct nginx {
    pid_t pid;
    unsigned port;
    char dir[LOGD_PROC_PATH_MAX + 16];
};

/* Starts nginx in front of logd_port, in the foreground as a child (no
 * daemon, no master), and waits until it accepts connections. */
static int nginx_start(struct nginx *n, const char *bin, const char *parent,
                       unsigned logd_port)
{
    char conf[LOGD_PROC_PATH_MAX + 64], log[LOGD_PROC_PATH_MAX + 64];
    FILE *f;

    snprintf(n->dir, sizeof n->dir, "%s/nginx", parent);
    if (mkdir(n->dir, 0700) != 0 && errno != EEXIST)
        return -1;
    snprintf(conf, sizeof conf, "%s/nginx.conf", n->dir);
    snprintf(log, sizeof log, "%s/error.log", n->dir);
    for (int attempt = 0; attempt < 5; attempt++) {
        struct wait w;
        n->port = free_port();
        f = fopen(conf, "w");
        if (f == NULL || n->port == 0)
            return -1;
        fprintf(f,
                "daemon off;\nmaster_process off;\nworker_processes 1;\n"
                "error_log %s/error.log info;\npid %s/nginx.pid;\n"
                "events { worker_connections 64; }\n"
                "http {\n"
                "  access_log off;\n"
                "  client_body_temp_path %s/body;\n"
                "  proxy_temp_path %s/proxy;\n"
                "  fastcgi_temp_path %s/fastcgi;\n"
                "  uwsgi_temp_path %s/uwsgi;\n"
                "  scgi_temp_path %s/scgi;\n"
                "  upstream logd { server 127.0.0.1:%u; keepalive 4; }\n"
                "  server {\n"
                "    listen 127.0.0.1:%u;\n"
                "    location = /v1/entries { deny all; }\n"
                "    location / {\n"
                "      proxy_pass http://logd;\n"
                "      proxy_http_version 1.1;\n"
                "      proxy_set_header Connection \"\";\n"
                "    }\n"
                "  }\n"
                "}\n",
                n->dir, n->dir, n->dir, n->dir, n->dir, n->dir, n->dir,
                logd_port, n->port);
        fclose(f);
        n->pid = fork();
        if (n->pid < 0)
            return -1;
        if (n->pid == 0) {
            int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);
            if (fd >= 0) {
                dup2(fd, 1);
                dup2(fd, 2);
            }
            execl(bin, bin, "-p", n->dir, "-c", conf, "-e", log, (char *)NULL);
            _exit(127);
        }
        /* Wait until it accepts, or exits (a port taken meanwhile: try
         * another). */
        w = wait_begin(20000);
        do {
            int fd;
            if (wait_child(n->pid, 0, NULL)) {
                n->pid = 0;
                break;
            }
            fd = logd_raw_connect(n->port, 0);
            if (fd >= 0) {
                close(fd);
                return 0;
            }
        } while (wait_more(&w));
        if (n->pid > 0) {
            kill(n->pid, SIGKILL);
            waitpid(n->pid, NULL, 0);
            n->pid = 0;
        }
    }
    return -1;
}

static void nginx_stop(struct nginx *n)
{
    if (n->pid > 0) {
        kill(n->pid, SIGTERM);
        if (!wait_child(n->pid, 20000, NULL)) {
            kill(n->pid, SIGKILL);
            waitpid(n->pid, NULL, 0);
        }
        n->pid = 0;
    }
}

static void test_nginx(void)
{
    const char *bin = nginx_binary();
    struct nginx n;
    struct logd_raw_answer a;
    int64_t start, size0, size1, batch;

    if (bin == NULL) {
        printf("nginx not installed (scripts/deps.sh test): skipped the "
               "proxy cases\n");
        return;
    }
    memset(&n, 0, sizeof n);
    if (nginx_start(&n, bin, P.dir, P.port) != 0) {
        CHECK_MSG(0, "cannot start nginx (see %s/error.log)", n.dir);
        nginx_stop(&n);
        return;
    }
    start = logd_api_checkpoint(H, &P, NULL, NULL);
    REQUIRE(start > 0);
    size0 = honest_submission();
    batch = size0 - start;
    REQUIRE(batch >= 1);

    /* The proxy works, and denies submissions. */
    {
        static const char get[] = "GET /healthz HTTP/1.1\r\nHost: x\r\n"
                                  "Connection: close\r\n\r\n";
        char *post = smuggled_post();
        CHECK(logd_raw_exchange(n.port, get, sizeof get - 1, 0, 10000, &a) ==
                  0 &&
              a.status == 200);
        logd_raw_answer_free(&a);
        CHECK(logd_raw_exchange(n.port, post, strlen(post), 0, 10000, &a) ==
                  0 &&
              a.status == 403);
        logd_raw_answer_free(&a);
        free(post);
    }

    /* A submission smuggled inside a HEAD's body (nginx passes the body
     * on, with its Content-Length, over a kept-alive connection), then
     * requests that would pick up the smuggled answer. Every case of the
     * raw table is sent too: nginx refuses some itself. */
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct smuggle *k = &cases[i];
        char *post = smuggled_post(), head[512], *req;
        size_t plen = strlen(post), len;
        int fd = logd_raw_connect(n.port, 0);

        REQUIRE(fd >= 0);
        format_head(k, plen, head, sizeof head);
        len = strlen(head) + plen;
        req = malloc(len + 1);
        snprintf(req, len + 1, "%s%s", head, post);
        CHECK(logd_raw_send(fd, req, len) == 0);
        if (logd_raw_read(fd, k->head_method, 10000, &a) == 0)
            CHECK_MSG(a.status >= 400, "through nginx, %s: status %d", k->name,
                      a.status);
        logd_raw_answer_free(&a);
        close(fd);
        free(req);
        free(post);
        for (int j = 0; j < 3; j++) {
            static const char get[] =
                "GET /checkpoint HTTP/1.1\r\nHost: x\r\n\r\n";
            if (logd_raw_exchange(n.port, get, sizeof get - 1, 0, 10000, &a) ==
                0)
                CHECK(a.status == 200 || a.status == 502);
            logd_raw_answer_free(&a);
        }
    }
    /* Give a smuggled submission, had logd run it, every chance to be
     * committed: an honest submission straight to logd is answered only
     * after its batch is committed, and one batch never waits for a later
     * one. */
    size1 = honest_submission();
    CHECK_MSG(size1 == size0 + batch,
              "through nginx: tree size %lld, was %lld, one honest batch "
              "(of %lld) since: a smuggled submission was appended",
              (long long)size1, (long long)size0, (long long)batch);
    nginx_stop(&n);
}

int main(void)
{
    struct note_verifier keys[1];

    signal(SIGPIPE, SIG_IGN);
    if (logd_proc_binary() == NULL) {
        printf("LOGD_BIN not set: skipped\n");
        return 77;
    }
    issuer_make(&A1, "avans.nl");
    keys[0] = A1.v;
    if (logd_proc_init(&P, "test.example/smuggling", keys, 1) != 0 ||
        logd_proc_start(&P, (const char *const[]){"--heartbeat", "0",
                                                  "--batch-wait", "1", NULL}) !=
            0 ||
        client_http_open(P.url, NULL, &H) != 0) {
        CHECK(0);
        logd_proc_cleanup(&P);
        return check_finish();
    }
    test_raw();
    test_nginx();
    client_http_close(H);
    CHECK(logd_proc_stop(&P) == 0);
    logd_proc_cleanup(&P);
    return check_finish();
}
