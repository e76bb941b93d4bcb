/*
 * test_pipelining.c: the real logd against clients that pipeline requests
 * (issue 10, items 9 and 15).
 *  - Clients that send pipelined requests as fast as they can and never
 *    read an answer: logd must stop reading them (at most --max-headers
 *    bytes wait while an answer is pending, --max-headers + --max-body while
 *    a request is read), so its anonymous memory (RssAnon in
 *    /proc/PID/status) grows by less than a bound computed from those
 *    limits, however much the clients push; and a normal client is served
 *    meanwhile. Without the cap logd buffered everything (200 MiB in 10 s).
 *    Under AddressSanitizer the measured logd runs without its quarantine
 *    of freed memory, which RssAnon would count.
 *  - Errors evhttp answers by itself after a pipelined answer (a bad request
 *    line, a body too large, an unknown method, a bad Content-Length) are
 *    JSON like every other error, not evhttp's HTML page.
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

#include <errno.h>
#include <poll.h>
#include <sys/socket.h>

static struct logd_proc P;
static struct client_http *H;
static struct issuer A1;

#define MAX_BODY 65536
#define MAX_HEADERS 4096
#define FLOODERS 4
#define FLOOD_BYTES ((size_t)32 << 20) /* per flooder, at most */

/* logd's anonymous resident memory in bytes (RssAnon), or -1. */
static long long rss_anon(pid_t pid)
{
    char path[64], line[256];
    long long kb = -1;
    FILE *f;

    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    f = fopen(path, "r");
    if (f == NULL)
        return -1;
    while (fgets(line, sizeof line, f) != NULL)
        if (sscanf(line, "RssAnon: %lld kB", &kb) == 1)
            break;
    fclose(f);
    return kb < 0 ? -1 : kb * 1024;
}

/* Pushes pipelined requests on fd (non-blocking) until FLOOD_BYTES are
 * sent or logd has not taken a byte for a whole second (it stopped reading:
 * its buffers and the kernel's are full). Returns the bytes sent. */
static size_t flood(int fd, const char *chunk, size_t chunk_len)
{
    size_t sent = 0, off = 0;

    while (sent < FLOOD_BYTES) {
        struct pollfd pfd = {fd, POLLOUT, 0};
        ssize_t w;
        if (poll(&pfd, 1, 1000) != 1 || (pfd.revents & POLLOUT) == 0)
            break;
        w = send(fd, chunk + off, chunk_len - off, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (w < 0 && (errno == EAGAIN || errno == EINTR))
            continue;
        if (w <= 0)
            break;
        sent += (size_t)w;
        off = (off + (size_t)w) % chunk_len;
    }
    return sent;
}

static void test_non_readers(void)
{
    static const char one[] = "GET /checkpoint HTTP/1.1\r\nHost: x\r\n\r\n";
    size_t chunk_len = (sizeof one - 1) * 1000, total = 0;
    char *chunk = malloc(chunk_len);
    int fd[FLOODERS];
    long long before, after, bound;

    for (size_t i = 0; i < 1000; i++)
        memcpy(chunk + i * (sizeof one - 1), one, sizeof one - 1);
    /* Warm up (every worker's buffers, the checkpoint cache), then the
     * baseline. */
    for (int i = 0; i < 50; i++)
        CHECK(logd_api_checkpoint(H, &P, NULL, NULL) > 0);
    before = rss_anon(P.pid);
    REQUIRE(before > 0);

    for (int i = 0; i < FLOODERS; i++) {
        fd[i] = logd_raw_connect(P.port, 4096); /* a small receive window */
        REQUIRE(fd[i] >= 0);
    }
    for (int i = 0; i < FLOODERS; i++)
        total += flood(fd[i], chunk, chunk_len);
    after = rss_anon(P.pid);

    /* Per connection: a request being read (headers + body), the
     * pipelined bytes held while its answer is pending (headers), one
     * answer being written, and a read's worth of slack; twice that for
     * the allocator, and 16 MiB for everything else that may move. */
    bound = (long long)FLOODERS * 2 * (2 * MAX_HEADERS + MAX_BODY + 65536) +
            (16LL << 20);
    printf("pushed %zu bytes of pipelined requests on %d connections; logd "
           "RssAnon %lld -> %lld kB (bound +%lld kB)\n",
           total, FLOODERS, before / 1024, after / 1024, bound / 1024);
    CHECK(total > 0);
    CHECK_MSG(after >= 0 && after - before < bound,
              "logd grew by %lld kB with clients that never read (bound "
              "%lld kB)",
              (after - before) / 1024, bound / 1024);

    /* A normal client is still served, while the flooders hold on. */
    for (int i = 0; i < 20; i++)
        CHECK(logd_api_checkpoint(H, &P, NULL, NULL) > 0);
    {
        struct logd_raw_answer a;
        static const char get[] = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
        CHECK(logd_raw_exchange(P.port, get, sizeof get - 1, 0, 10000, &a) ==
                  0 &&
              a.status == 200);
        logd_raw_answer_free(&a);
    }
    for (int i = 0; i < FLOODERS; i++)
        close(fd[i]);
    free(chunk);
}

/* An honest request, then one evhttp refuses by itself, on one
 * connection: the second answer is a JSON error too. */
static void test_errors_after_pipelined(void)
{
    static const struct {
        const char *name, *req;
        int status;
    } cases[] = {
        {"garbage request line", "GARBAGE\r\n\r\n", 400},
        {"HTTP/9.9", "GET /checkpoint HTTP/9.9\r\n\r\n", 400},
        {"header without colon", "GET /checkpoint HTTP/1.1\r\nNoColon\r\n\r\n",
         400},
        {"unknown method", "BREW /checkpoint HTTP/1.1\r\nHost: x\r\n\r\n", 501},
        {"non-numeric Content-Length",
         "POST /v1/entries HTTP/1.1\r\nContent-Length: abc\r\n\r\n", 400},
        {"body over --max-body",
         "POST /v1/entries HTTP/1.1\r\nContent-Length: 99999999\r\n\r\n", 413},
        {"head over --max-headers", NULL, 400},
    };
    static const char honest[] = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        for (int before = 1; before <= 3; before++) {
            struct logd_raw_answer a;
            char *req = malloc(4 * sizeof honest + MAX_HEADERS * 2);
            size_t n = 0;
            int fd = logd_raw_connect(P.port, 0), ok = 1;

            REQUIRE(fd >= 0);
            for (int k = 0; k < before; k++) {
                memcpy(req + n, honest, sizeof honest - 1);
                n += sizeof honest - 1;
            }
            if (cases[i].req != NULL) {
                memcpy(req + n, cases[i].req, strlen(cases[i].req));
                n += strlen(cases[i].req);
            } else {
                n += (size_t)sprintf(req + n, "GET /healthz HTTP/1.1\r\nX: ");
                memset(req + n, 'x', MAX_HEADERS + 100);
                n += MAX_HEADERS + 100;
                memcpy(req + n, "\r\n\r\n", 4);
                n += 4;
            }
            CHECK(logd_raw_send(fd, req, n) == 0);
            for (int k = 0; k < before && ok; k++) {
                ok = logd_raw_read(fd, 0, 10000, &a) == 0 && a.status == 200;
                logd_raw_answer_free(&a);
            }
            CHECK_MSG(ok, "%s after %d: an honest answer missing",
                      cases[i].name, before);
            CHECK_MSG(
                logd_raw_read(fd, 0, 10000, &a) == 0 &&
                    a.status == cases[i].status && logd_raw_json_error(&a),
                "%s after %d pipelined: status %d, body %.120s", cases[i].name,
                before, a.status, a.body != NULL ? a.body : "(none)");
            logd_raw_answer_free(&a);
            close(fd);
            free(req);
        }
    }
}

int main(void)
{
    struct note_verifier keys[1];
    char max_body[24], max_headers[24];

    signal(SIGPIPE, SIG_IGN);
    if (logd_proc_binary() == NULL) {
        printf("LOGD_BIN not set: skipped\n");
        return 77;
    }
    issuer_make(&A1, "avans.nl");
    keys[0] = A1.v;
    {
        /* Under AddressSanitizer, logd (built alike) would keep freed
         * memory in its quarantine (256 MiB by default) and RssAnon would
         * measure that: no quarantine for this logd. */
        const char *asan = getenv("ASAN_OPTIONS");
        char opts[512];
        snprintf(opts, sizeof opts, "%s%squarantine_size_mb=0",
                 asan ? asan : "", asan && asan[0] != '\0' ? ":" : "");
        setenv("ASAN_OPTIONS", opts, 1);
    }
    snprintf(max_body, sizeof max_body, "%d", MAX_BODY);
    snprintf(max_headers, sizeof max_headers, "%d", MAX_HEADERS);
    if (logd_proc_init(&P, "test.example/pipelining", keys, 1) != 0 ||
        logd_proc_start(
            &P, (const char *const[]){"--heartbeat", "0", "--max-body",
                                      max_body, "--max-headers", max_headers,
                                      "--timeout", "120", "--request-timeout",
                                      "120", NULL}) != 0 ||
        client_http_open(P.url, NULL, &H) != 0) {
        CHECK(0);
        logd_proc_cleanup(&P);
        return check_finish();
    }
    test_errors_after_pipelined();
    test_non_readers();
    client_http_close(H);
    CHECK(logd_proc_stop(&P) == 0);
    logd_proc_cleanup(&P);
    return check_finish();
}
