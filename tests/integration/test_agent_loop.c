/*
 * test_agent_loop.c: credlog agent's event loop stays free, and every error
 * it answers is JSON (issue 14, the agent's loose ends). A real logd, the
 * real credlog agent, and between them a relay in this process that holds
 * the agent's submissions (POST /v1/entries) until the test lets them go,
 * so "a batch is in flight against a slow log" is a state the test sees,
 * not a race it hopes to win.
 *
 * - While a submission is held: GET /healthz is answered (busy 1), a bad
 *   request gets its 400 and a bad token its 401, and the held request is
 *   answered with its receipt once the relay lets go.
 * - Every error is {"error": ...} JSON, sent as raw HTTP: a body over the
 *   limit (413, which evhttp answers by itself), headers over the limit, a
 *   malformed request line, a header line without a colon, a folded header,
 *   a NUL byte, an unknown path, a method a path does not take (also one
 *   evhttp would refuse by itself), a missing token, a malformed body.
 * - Webhooks are journaled: while the receiver refuses (503) the
 *   receipt_ready event of a fresh receipt, the agent is SIGKILLed; after a
 *   restart the same event (the same event_id) is delivered.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <netinet/in.h>
#include <openssl/sha.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>

#include "agent_proc.h"
#include "check.h"
#include "credlog_run.h"
#include "files.h"
#include "logd_proc.h"
#include "logd_raw.h"
#include "proofs/codec.h"
#include "wait.h"

#define INSTITUTION "uni.example"
#define TOKEN "tok-registrar"
/* Generous: an answer that does not come in this time is not coming. */
#define ANSWER_MS 30000

static char dir[512], conf[600], port_path[600];
static struct logd_proc p;
static pid_t agent_pid;
static unsigned agent_port;

/* ---- the holding relay: 127.0.0.1:relay.port -> logd ---- */

static struct {
    pthread_mutex_t mu;
    pthread_cond_t cond;
    int listen_fd;
    unsigned port;
    bool hold;      /* hold submissions */
    unsigned held;  /* submissions waiting now */
    unsigned total; /* submissions seen */
} relay = {
    PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, -1, 0, false, 0, 0};

struct pipe_ends {
    int from, to;
    bool upstream; /* agent -> logd: where submissions are held */
};

/* Whether "POST /v1/entries" starts in tail[0..tn) + b[0..n) past tn - 16
 * (the request line may be split between reads). */
static bool has_submission(const char *tail, size_t tn, const char *b, size_t n)
{
    static const char pat[] = "POST /v1/entries";
    char win[32 + 4096];
    size_t k = tn + (n < 4096 ? n : 4096);

    memcpy(win, tail, tn);
    memcpy(win + tn, b, k - tn);
    for (size_t i = 0; i + sizeof pat - 1 <= k; i++)
        if (memcmp(win + i, pat, sizeof pat - 1) == 0)
            return true;
    return false;
}

static void *relay_pipe(void *arg)
{
    struct pipe_ends *pe = arg;
    char buf[65536], tail[16];
    size_t tn = 0;
    ssize_t n;

    while ((n = read(pe->from, buf, sizeof buf)) > 0) {
        if (pe->upstream && has_submission(tail, tn, buf, (size_t)n)) {
            pthread_mutex_lock(&relay.mu);
            relay.total++;
            relay.held++;
            pthread_cond_broadcast(&relay.cond);
            while (relay.hold)
                pthread_cond_wait(&relay.cond, &relay.mu);
            relay.held--;
            pthread_mutex_unlock(&relay.mu);
        }
        tn = (size_t)n < sizeof tail ? (size_t)n : sizeof tail;
        memcpy(tail, buf + (size_t)n - tn, tn);
        if (logd_raw_send(pe->to, buf, (size_t)n) != 0)
            break;
    }
    shutdown(pe->to, SHUT_WR);
    shutdown(pe->from, SHUT_RD);
    return NULL;
}

/* One connection: two pipes, then both sockets closed. */
static void *relay_conn(void *arg)
{
    int *fds = arg;
    struct pipe_ends up = {fds[0], fds[1], true}, down = {fds[1], fds[0], 0};
    pthread_t t;

    if (pthread_create(&t, NULL, relay_pipe, &down) == 0) {
        relay_pipe(&up);
        pthread_join(t, NULL);
    }
    close(fds[0]);
    close(fds[1]);
    free(fds);
    return NULL;
}

static void *relay_accept(void *arg)
{
    (void)arg;
    for (;;) {
        int c = accept(relay.listen_fd, NULL, NULL), *fds;
        pthread_t t;

        if (c < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            return NULL;
        }
        fds = malloc(2 * sizeof *fds);
        if (fds == NULL || (fds[1] = logd_raw_connect(p.port, 0)) < 0) {
            free(fds);
            close(c);
            continue;
        }
        fds[0] = c;
        if (pthread_create(&t, NULL, relay_conn, fds) != 0) {
            close(fds[0]);
            close(fds[1]);
            free(fds);
            continue;
        }
        pthread_detach(t);
    }
}

static void relay_start(void)
{
    struct sockaddr_in sa = {.sin_family = AF_INET};
    socklen_t sl = sizeof sa;
    pthread_t t;
    int one = 1;

    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    relay.listen_fd = socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(relay.listen_fd >= 0);
    setsockopt(relay.listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    REQUIRE(bind(relay.listen_fd, (struct sockaddr *)&sa, sizeof sa) == 0 &&
            listen(relay.listen_fd, 64) == 0 &&
            getsockname(relay.listen_fd, (struct sockaddr *)&sa, &sl) == 0);
    relay.port = ntohs(sa.sin_port);
    REQUIRE(pthread_create(&t, NULL, relay_accept, NULL) == 0);
    pthread_detach(t);
}

static void relay_set_hold(bool hold)
{
    pthread_mutex_lock(&relay.mu);
    relay.hold = hold;
    pthread_cond_broadcast(&relay.cond);
    pthread_mutex_unlock(&relay.mu);
}

/* Waits (up to ANSWER_MS) until a submission is held. */
static bool relay_wait_held(void)
{
    struct wait w = wait_begin(ANSWER_MS);
    bool held;

    do {
        pthread_mutex_lock(&relay.mu);
        held = relay.held > 0;
        pthread_mutex_unlock(&relay.mu);
    } while (!held && wait_more(&w));
    return held;
}

/* ---- the webhook receiver, on a thread and event loop of its own ---- */

static struct {
    pthread_mutex_t mu;
    struct event_base *base;
    struct evhttp *http;
    unsigned port;
    bool refuse;      /* answer 503 */
    json_t *refused;  /* the events refused, in order */
    json_t *accepted; /* and accepted */
} hook = {.mu = PTHREAD_MUTEX_INITIALIZER};

static void on_hook(struct evhttp_request *req, void *arg)
{
    struct evbuffer *in = evhttp_request_get_input_buffer(req);
    json_t *j = json_loadb((const char *)evbuffer_pullup(in, -1),
                           evbuffer_get_length(in), 0, NULL);
    bool refuse;

    (void)arg;
    pthread_mutex_lock(&hook.mu);
    refuse = hook.refuse;
    if (j != NULL)
        json_array_append(refuse ? hook.refused : hook.accepted, j);
    pthread_mutex_unlock(&hook.mu);
    json_decref(j);
    evhttp_send_reply(req, refuse ? 503 : 204, NULL, NULL);
}

static void *hook_main(void *arg)
{
    (void)arg;
    event_base_dispatch(hook.base);
    return NULL;
}

static void hook_start(void)
{
    struct evhttp_bound_socket *bs;
    struct sockaddr_in sa;
    socklen_t sl = sizeof sa;
    pthread_t t;

    hook.refused = json_array();
    hook.accepted = json_array();
    REQUIRE((hook.base = event_base_new()) != NULL &&
            (hook.http = evhttp_new(hook.base)) != NULL);
    evhttp_set_gencb(hook.http, on_hook, NULL);
    bs = evhttp_bind_socket_with_handle(hook.http, "127.0.0.1", 0);
    REQUIRE(bs != NULL && getsockname(evhttp_bound_socket_get_fd(bs),
                                      (struct sockaddr *)&sa, &sl) == 0);
    hook.port = ntohs(sa.sin_port);
    REQUIRE(pthread_create(&t, NULL, hook_main, NULL) == 0);
    pthread_detach(t);
}

/* The first event in list (refused or accepted) whose text contains want,
 * copied (caller decrefs), waiting up to ANSWER_MS * 2 for it. */
static json_t *hook_wait(json_t **list, const char *want)
{
    struct wait w = wait_begin(2 * ANSWER_MS);
    json_t *found = NULL, *ev;
    size_t i;

    do {
        pthread_mutex_lock(&hook.mu);
        json_array_foreach(*list, i, ev)
        {
            char *text = json_dumps(ev, JSON_COMPACT);
            bool hit = text != NULL && strstr(text, want) != NULL;

            free(text);
            if (hit) {
                found = json_deep_copy(ev);
                break;
            }
        }
        pthread_mutex_unlock(&hook.mu);
    } while (found == NULL && wait_more(&w));
    return found;
}

/* ---- the agent ---- */

static void agent_start(void)
{
    agent_port = agent_proc_start(conf, port_path, &agent_pid);
    REQUIRE(agent_port != 0);
}

static void agent_stop(int sig)
{
    (void)agent_proc_stop(&agent_pid, sig, 30);
}

/* The raw request text for method path with body (NULL: none) and the
 * department's bearer token (NULL: none), into buf. */
static size_t request_text(char *buf, size_t cap, const char *method,
                           const char *path, const char *token,
                           const char *body)
{
    int n = snprintf(buf, cap,
                     "%s %s HTTP/1.1\r\nHost: agent\r\n%s%s%s"
                     "Content-Length: %zu\r\n\r\n%s",
                     method, path, token ? "Authorization: Bearer " : "",
                     token ? token : "", token ? "\r\n" : "",
                     body ? strlen(body) : 0, body ? body : "");

    if (n <= 0 || (size_t)n >= cap)
        abort();
    return (size_t)n;
}

/* One exchange with the agent; its answer in *a. Returns the status, or -1
 * when no answer came within ANSWER_MS. */
static int agent_exchange(const char *method, const char *path,
                          const char *token, const char *body,
                          struct logd_raw_answer *a)
{
    static char req[65536];
    size_t n = request_text(req, sizeof req, method, path, token, body);

    if (logd_raw_exchange(agent_port, req, n, 0, ANSWER_MS, a) != 0)
        return -1;
    return a->status;
}

/* The JSON body of an issue of credential text. */
static char *issue_body(const char *text)
{
    char *b64 = malloc(CODEC_B64_LEN(strlen(text)) + 1), *body;
    json_t *o;

    if (b64 == NULL)
        abort();
    b64[codec_b64_encode((const uint8_t *)text, strlen(text), b64)] = '\0';
    o = json_pack("{s:s}", "credential", b64);
    body = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    free(b64);
    if (body == NULL)
        abort();
    return body;
}

/* ---- the tests ---- */

/* A submission held at the relay: the agent answers everything else. */
static void test_loop_free(void)
{
    char req[8192], *body = issue_body("{\"id\":\"held\",\"n\":1}");
    struct logd_raw_answer a = {0};
    json_t *j;
    size_t n;
    int fd;

    relay_set_hold(true);
    fd = logd_raw_connect(agent_port, 0);
    REQUIRE(fd >= 0);
    n = request_text(req, sizeof req, "POST", "/issue", TOKEN, body);
    REQUIRE(logd_raw_send(fd, req, n) == 0);
    REQUIRE(relay_wait_held());

    CHECK(agent_exchange("GET", "/healthz", NULL, NULL, &a) == 200);
    j = json_loads(a.body ? a.body : "", 0, NULL);
    CHECK_MSG(json_integer_value(json_object_get(j, "busy")) == 1, "%s",
              a.body ? a.body : "(no answer)");
    json_decref(j);
    logd_raw_answer_free(&a);
    CHECK(agent_exchange("POST", "/issue", TOKEN, "{\"credential\":", &a) ==
          400);
    CHECK(logd_raw_json_error(&a));
    logd_raw_answer_free(&a);
    CHECK(agent_exchange("POST", "/issue", "wrong", body, &a) == 401);
    logd_raw_answer_free(&a);
    /* All that while the submission was held: its request has no answer
     * yet (an agent that gave up on the log would have answered 503). */
    {
        struct pollfd pf = {fd, POLLIN, 0};

        CHECK(poll(&pf, 1, 0) == 0);
    }
    pthread_mutex_lock(&relay.mu);
    CHECK(relay.held == 1 && relay.total == 1);
    pthread_mutex_unlock(&relay.mu);

    relay_set_hold(false);
    CHECK(logd_raw_read(fd, 0, ANSWER_MS, &a) == 0 && a.status == 200);
    j = json_loads(a.body ? a.body : "", 0, NULL);
    CHECK_MSG(json_object_get(j, "receipt") != NULL, "%s",
              a.body ? a.body : "(no answer)");
    json_decref(j);
    logd_raw_answer_free(&a);
    close(fd);
    free(body);
}

/* Each raw request gets status and an {"error": ...} JSON body. */
static void test_errors_json(void)
{
    static const struct {
        const char *name, *req;
        int status;
    } cases[] = {
        {"body over the limit",
         "POST /issue HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer " TOKEN
         "\r\nContent-Length: 99999999999\r\n\r\n",
         413},
        {"malformed request line", "GARBAGE\r\n\r\n", 400},
        {"HTTP version", "GET /healthz HTTP/9.9\r\nHost: a\r\n\r\n", 400},
        {"header without a colon",
         "GET /healthz HTTP/1.1\r\nHost: a\r\nno colon here\r\n\r\n", 400},
        {"folded header",
         "GET /healthz HTTP/1.1\r\nHost: a\r\nX-A: 1\r\n folded\r\n\r\n", 400},
        {"bad Content-Length",
         "POST /issue HTTP/1.1\r\nHost: a\r\nContent-Length: 1x\r\n\r\n", 400},
        {"unknown path", "GET /nope HTTP/1.1\r\nHost: a\r\n\r\n", 404},
        {"GET /issue", "GET /issue HTTP/1.1\r\nHost: a\r\n\r\n", 405},
        {"DELETE /issue", "DELETE /issue HTTP/1.1\r\nHost: a\r\n\r\n", 405},
        {"PUT /revoke",
         "PUT /revoke HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n", 405},
        {"no token",
         "POST /issue HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\n{}", 401},
        {"not JSON",
         "POST /issue HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer " TOKEN
         "\r\nContent-Length: 3\r\n\r\n{{{",
         400},
    };
    struct logd_raw_answer a = {0};

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int rc = logd_raw_exchange(agent_port, cases[i].req,
                                   strlen(cases[i].req), 0, ANSWER_MS, &a);

        CHECK_MSG(
            rc == 0 && a.status == cases[i].status && logd_raw_json_error(&a),
            "%s: rc %d status %d (want %d)\n%s%s", cases[i].name, rc, a.status,
            cases[i].status, a.head ? a.head : "", a.body ? a.body : "");
        logd_raw_answer_free(&a);
    }
    /* Headers over the limit (16 KiB), and a NUL byte in the head. */
    {
        static char big[20000 + 256];
        const char nul[] =
            "GET /healthz HTTP/1.1\r\nHost: a\r\nX-A: a\0b\r\n\r\n";
        int n =
            snprintf(big, sizeof big,
                     "GET /healthz HTTP/1.1\r\nHost: a\r\nX-Big: %0*d\r\n\r\n",
                     20000, 0);

        CHECK(logd_raw_exchange(agent_port, big, (size_t)n, 0, ANSWER_MS, &a) ==
                  0 &&
              a.status >= 400 && a.status < 500 && logd_raw_json_error(&a));
        logd_raw_answer_free(&a);
        CHECK(logd_raw_exchange(agent_port, nul, sizeof nul - 1, 0, ANSWER_MS,
                                &a) == 0 &&
              a.status == 400 && logd_raw_json_error(&a));
        logd_raw_answer_free(&a);
    }
    /* The agent still answers. */
    CHECK(agent_exchange("GET", "/healthz", NULL, NULL, &a) == 200);
    logd_raw_answer_free(&a);
}

/* A receipt_ready event refused until the agent is SIGKILLed is delivered
 * after the restart, with the same event_id. */
static void test_webhook_journaled(void)
{
    char *body = issue_body("{\"id\":\"hooked\",\"n\":2}");
    struct logd_raw_answer a = {0};
    json_t *ans, *refused, *got;
    const char *hash, *id;

    /* The earlier receipt's event is delivered first (events go in order). */
    got = hook_wait(&hook.accepted, "receipt_ready");
    CHECK(got != NULL);
    json_decref(got);

    pthread_mutex_lock(&hook.mu);
    hook.refuse = true;
    pthread_mutex_unlock(&hook.mu);
    REQUIRE(agent_exchange("POST", "/issue", TOKEN, body, &a) == 200);
    ans = json_loads(a.body, 0, NULL);
    logd_raw_answer_free(&a);
    hash = json_string_value(json_object_get(ans, "credential_hash"));
    REQUIRE(hash != NULL);
    refused = hook_wait(&hook.refused, hash);
    REQUIRE(refused != NULL);
    id = json_string_value(json_object_get(refused, "event_id"));
    CHECK_MSG(id != NULL && strlen(id) == 32 &&
                  strspn(id, "0123456789abcdef") == 32,
              "event_id %s", id ? id : "(none)");
    CHECK(strcmp(json_string_value(json_object_get(refused, "event")),
                 "receipt_ready") == 0);

    agent_stop(SIGKILL);
    pthread_mutex_lock(&hook.mu);
    hook.refuse = false;
    pthread_mutex_unlock(&hook.mu);
    agent_start();
    got = hook_wait(&hook.accepted, hash);
    CHECK(got != NULL);
    CHECK_MSG(got != NULL && id != NULL &&
                  json_equal(json_object_get(got, "event_id"),
                             json_object_get(refused, "event_id")),
              "delivered event_id differs");
    CHECK(got != NULL && json_equal(got, refused));
    json_decref(got);
    json_decref(refused);
    json_decref(ans);
    free(body);
}

static void setup(void)
{
    char prefix[700], path[800], cfg[4096], hex[65], *text;
    struct note_verifier key;
    struct credlog_run r;
    uint8_t h[32];

    snprintf(prefix, sizeof prefix, "%s/registrar", dir);
    CREDLOG_RUN(&r, "keygen", "--name", INSTITUTION, "--out", prefix);
    CREDLOG_EXPECT(&r, 0, "verifier key: ");
    credlog_run_free(&r);
    snprintf(path, sizeof path, "%s.vkey", prefix);
    text = files_read(path, NULL);
    REQUIRE(text != NULL && note_verifier_parse(text, strlen(text), &key) == 0);
    free(text);
    REQUIRE(logd_proc_init(&p, "log.agentloop.test", &key, 1) == 0);
    REQUIRE(logd_proc_start(&p, NULL) == 0);
    relay_start();
    hook_start();

    snprintf(path, sizeof path, "%s/journal", dir);
    REQUIRE(mkdir(path, 0700) == 0);
    SHA256((const uint8_t *)TOKEN, strlen(TOKEN), h);
    codec_hex_encode(h, 32, hex);
    snprintf(cfg, sizeof cfg,
             "institution %s\nlog http://127.0.0.1:%u\nlog-key %s\n"
             "listen 127.0.0.1:0\nlinger-ms 10\ndata journal\n"
             "monitor-interval 0\nwebhook http://127.0.0.1:%u/hook\n"
             "department registrar sha256:%s registrar.key\n",
             INSTITUTION, relay.port, p.log_vkey, hook.port, hex);
    snprintf(conf, sizeof conf, "%s/agent.conf", dir);
    files_write(conf, cfg, strlen(cfg));
    snprintf(port_path, sizeof port_path, "%s/agent.port", dir);
}

int main(void)
{
    logd_proc_require();
    credlog_run_require();
    signal(SIGPIPE, SIG_IGN);
    files_tmpdir(dir, sizeof dir, "agentloop");
    snprintf(credlog_run_home, sizeof credlog_run_home, "%s", dir);
    setup();
    agent_start();
    test_loop_free();
    test_errors_json();
    test_webhook_journaled();
    relay_set_hold(false);
    agent_stop(SIGTERM);
    logd_proc_cleanup(&p);
    if (check_failed == 0)
        files_rmtree(dir);
    else
        fprintf(stderr, "kept %s\n", dir);
    return check_finish();
}
