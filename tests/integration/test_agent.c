/*
 * test_agent.c: credlog agent (issue 14 item 3) end to end: the real credlog
 * agent and a real logd on loopback, driven over HTTP as an issuing system
 * would drive it.
 *
 * - A burst of 2,000 requests from 4 departments over 32 connections, with
 *   bad items among them (a credential credkey/v1 refuses, a revoke of a
 *   key never issued, which the log refuses): every good one is receipted,
 *   every bad one refused on its own. The agent is killed (SIGKILL) in the
 *   middle of it; after a restart the whole burst is sent again: every
 *   request answered before the kill gets the same receipt (same key, salt
 *   and index), every good one has a receipt, and the log (mirrored through
 *   its tiles and replayed) holds exactly one ISSUE per good credential.
 * - Bundles the agent answers verify offline with credlog verify.
 * - Revoking through the agent finds the salt it issued with; an issue
 *   repeated after that answers 409.
 * - The CSV import: a result line per row, exit status 1 with a bad row,
 *   the same entries on a second run.
 * - The "receipt ready" webhook is POSTed for each receipt.
 * - Self-monitoring: an entry under the institution's name made with a key
 *   the agent does not hold (a fifth key in logd's issuers file, used by
 *   plain credlog issue) raises the unknown_key webhook, as does the KEY
 *   entry that authorized it; the agent's own entries raise none.
 * - The log down: 503, and the same request after it is back gets the
 *   journaled entry's receipt (one entry, one salt, whichever department).
 * - A wrong token gets 401, malformed JSON 400, unknown members 400.
 * - Mutual TLS: with tls-client-ca the agent answers a client holding a
 *   certificate the CA signed, and no client without one or with another.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <arpa/inet.h>
#include <jansson.h>
#include <openssl/sha.h>
#include <openssl/ssl.h>
#include <sys/socket.h>

#include "agent_proc.h"
#include "check.h"
#include "client/http.h"
#include "credlog_run.h"
#include "files.h"
#include "logd_api.h"
#include "logd_proc.h"
#include "mirror.h"
#include "tls_cert.h"
#include "proofs/codec.h"
#include "proofs/entry.h"
#include "wait.h"

#pragma GCC diagnostic ignored "-Wformat-truncation"

#define NDEPT 4
#define NJOBS 2000
#define NCONN 32
#define INSTITUTION "uni.example"

static char dir[512], conf[600], port_path[600];
static struct logd_proc p;
static pid_t agent_pid;
static unsigned agent_port;
static const char *const tokens[NDEPT] = {"tok-math", "tok-physics", "tok-law",
                                          "tok-arts"};

/* ---- the webhook receiver (in this process, on the driver's loop) ---- */

static struct event_base *base;
static struct evhttp *hook_http;
static unsigned hook_port;
static size_t hooks_receipt, hooks_unknown_key, hooks_unknown_issue;
static char unknown_hash[65];

static void on_hook(struct evhttp_request *req, void *arg)
{
    struct evbuffer *in = evhttp_request_get_input_buffer(req);
    json_t *j = json_loadb((const char *)evbuffer_pullup(in, -1),
                           evbuffer_get_length(in), 0, NULL);
    const char *ev = json_string_value(json_object_get(j, "event"));

    (void)arg;
    if (ev != NULL && strcmp(ev, "receipt_ready") == 0)
        hooks_receipt++;
    if (ev != NULL && strcmp(ev, "unknown_key") == 0) {
        const char *type = json_string_value(json_object_get(j, "type"));
        const char *h =
            json_string_value(json_object_get(j, "credential_hash"));

        if (type != NULL && strcmp(type, "key") == 0)
            hooks_unknown_key++;
        if (type != NULL && strcmp(type, "issue") == 0 && h != NULL) {
            hooks_unknown_issue++;
            snprintf(unknown_hash, sizeof unknown_hash, "%s", h);
        }
    }
    json_decref(j);
    evhttp_send_reply(req, 204, NULL, NULL);
}

static void hook_start(void)
{
    struct evhttp *h = hook_http = evhttp_new(base);
    struct evhttp_bound_socket *s;
    struct sockaddr_in sa;
    socklen_t sl = sizeof sa;

    REQUIRE(h != NULL);
    evhttp_set_gencb(h, on_hook, NULL);
    s = evhttp_bind_socket_with_handle(h, "127.0.0.1", 0);
    REQUIRE(s != NULL);
    REQUIRE(getsockname(evhttp_bound_socket_get_fd(s), (struct sockaddr *)&sa,
                        &sl) == 0);
    hook_port = ntohs(sa.sin_port);
}

/* ---- the agent ---- */

static void agent_start(void)
{
    agent_port = agent_proc_start(conf, port_path, &agent_pid);
    REQUIRE(agent_port != 0);
}

static void agent_kill(int sig)
{
    (void)agent_proc_stop(&agent_pid, sig, 20);
}

/* ---- an issuing system: jobs over NCONN connections ---- */

enum job_kind { JOB_GOOD, JOB_BAD_CREDKEY, JOB_BAD_REVOKE };

struct job {
    enum job_kind kind;
    int dept;
    const char *path;  /* /issue or /revoke */
    const char *token; /* NULL: the department's; "": none */
    char *body;
    int status; /* 0: no answer */
    json_t *answer;
};

struct driver {
    struct job *jobs;
    size_t njobs, next, done;
    size_t kill_after; /* SIGKILL the agent when this many are done (0) */
    struct evhttp_connection *conn[NCONN];
};

static void send_next(struct driver *d, size_t c);

struct pending {
    struct driver *d;
    size_t conn, job;
};

static void on_reply(struct evhttp_request *req, void *arg)
{
    struct pending *pe = arg;
    struct driver *d = pe->d;
    struct job *j = &d->jobs[pe->job];
    int code = req != NULL ? evhttp_request_get_response_code(req) : 0;

    if (code > 0) {
        struct evbuffer *in = evhttp_request_get_input_buffer(req);

        j->status = code;
        json_decref(j->answer);
        j->answer = json_loadb((const char *)evbuffer_pullup(in, -1),
                               evbuffer_get_length(in), 0, NULL);
    }
    d->done++;
    if (d->kill_after != 0 && d->done == d->kill_after && agent_pid != 0)
        kill(agent_pid, SIGKILL);
    send_next(d, pe->conn);
    free(pe);
    if (d->done == d->njobs)
        event_base_loopbreak(base);
}

static void send_next(struct driver *d, size_t c)
{
    struct evhttp_request *req;
    struct pending *pe;
    struct job *j;
    char auth[64];

    if (d->next >= d->njobs)
        return;
    j = &d->jobs[d->next];
    pe = calloc(1, sizeof *pe);
    REQUIRE(pe != NULL);
    pe->d = d;
    pe->conn = c;
    pe->job = d->next++;
    req = evhttp_request_new(on_reply, pe);
    REQUIRE(req != NULL);
    snprintf(auth, sizeof auth, "Bearer %s",
             j->token != NULL ? j->token : tokens[j->dept]);
    evhttp_add_header(evhttp_request_get_output_headers(req), "Host",
                      "127.0.0.1");
    if (j->token == NULL || j->token[0] != '\0')
        evhttp_add_header(evhttp_request_get_output_headers(req),
                          "Authorization", auth);
    evbuffer_add(evhttp_request_get_output_buffer(req), j->body,
                 strlen(j->body));
    if (evhttp_make_request(d->conn[c], req, EVHTTP_REQ_POST, j->path) != 0) {
        d->done++;
        free(pe);
    }
}

/* Runs every job whose status is not 200 (all, the first time). */
static void drive(struct job *jobs, size_t n, size_t kill_after)
{
    struct driver d = {0};
    size_t *idx = calloc(n, sizeof *idx), m = 0;
    struct job *sub = calloc(n, sizeof *sub);

    REQUIRE(idx != NULL && sub != NULL);
    for (size_t i = 0; i < n; i++)
        if (jobs[i].status != 200) {
            idx[m] = i;
            sub[m] = jobs[i];
            sub[m].answer = NULL;
            sub[m++].status = 0;
        }
    d.jobs = sub;
    d.njobs = m;
    d.kill_after = kill_after;
    for (size_t c = 0; c < NCONN; c++) {
        d.conn[c] = evhttp_connection_base_new(base, NULL, "127.0.0.1",
                                               (unsigned short)agent_port);
        REQUIRE(d.conn[c] != NULL);
        evhttp_connection_set_timeout(d.conn[c], 60);
    }
    for (size_t c = 0; c < NCONN; c++)
        send_next(&d, c);
    if (d.done < d.njobs)
        event_base_dispatch(base);
    for (size_t c = 0; c < NCONN; c++)
        evhttp_connection_free(d.conn[c]);
    for (size_t i = 0; i < m; i++) {
        json_decref(jobs[idx[i]].answer);
        jobs[idx[i]].answer = sub[i].answer;
        jobs[idx[i]].status = sub[i].status;
    }
    free(idx);
    free(sub);
}

static char *b64_of(const char *text)
{
    char *out = malloc(CODEC_B64_LEN(strlen(text)) + 1);

    if (out == NULL)
        abort();
    codec_b64_encode((const uint8_t *)text, strlen(text), out);
    return out;
}

static void make_jobs(struct job *jobs, size_t n)
{
    uint64_t rs = 14;

    for (size_t i = 0; i < n; i++) {
        struct job *j = &jobs[i];
        char cred[256], *b64, hex[65];
        uint8_t k[32];
        json_t *o;

        j->dept = (int)(i % NDEPT);
        j->path = "/issue";
        if (i % 97 == 13) {
            j->kind = JOB_BAD_CREDKEY;
            b64 = b64_of("{\"not\": json at all");
            o = json_pack("{s:s,s:s}", "credential", b64, "profile", "json");
            free(b64);
        } else if (i % 101 == 7) {
            j->kind = JOB_BAD_REVOKE;
            j->path = "/revoke";
            check_rand_cred(&rs, k);
            codec_hex_encode(k, 32, hex);
            o = json_pack("{s:s}", "key", hex);
        } else {
            j->kind = JOB_GOOD;
            snprintf(cred, sizeof cred,
                     "{\"type\":[\"VerifiableCredential\"],\"issuer\":\"%s\","
                     "\"credentialSubject\":{\"id\":\"student-%zu\","
                     "\"achievement\":\"course %zu\"}}",
                     INSTITUTION, i, i % 37);
            b64 = b64_of(cred);
            o = json_pack("{s:s,s:s}", "credential", b64, "name", "cred.json");
            free(b64);
        }
        j->body = json_dumps(o, JSON_COMPACT);
        json_decref(o);
    }
}

static const char *str(const json_t *j, const char *key)
{
    const char *s = json_string_value(json_object_get(j, key));

    return s != NULL ? s : "";
}

static void test_burst(void)
{
    static struct job jobs[NJOBS];
    static char salt0[NJOBS][65], key0[NJOBS][65];
    static long long index0[NJOBS];
    size_t answered = 0, good = 0;
    struct client_http *h;
    struct mirror m = {0};
    uint64_t counts[5] = {0}, t0 = wait_now_ms();
    int64_t size;

    make_jobs(jobs, NJOBS);
    drive(jobs, NJOBS, 700); /* SIGKILL after 700 answers */
    printf("burst: SIGKILL after %llu ms\n",
           (unsigned long long)(wait_now_ms() - t0));
    {
        struct credlog_run r;
        credlog_run_wait(&r, agent_pid, "agent", 20);
        credlog_run_free(&r);
        agent_pid = 0;
    }
    for (size_t i = 0; i < NJOBS; i++) {
        key0[i][0] = salt0[i][0] = '\0';
        index0[i] = -1;
        if (jobs[i].status == 0)
            continue;
        answered++;
        if (jobs[i].kind == JOB_GOOD) {
            CHECK_MSG(jobs[i].status == 200, "job %zu: %d %s", i,
                      jobs[i].status, str(jobs[i].answer, "error"));
            snprintf(key0[i], 65, "%s", str(jobs[i].answer, "credential_hash"));
            snprintf(salt0[i], 65, "%s", str(jobs[i].answer, "salt"));
            index0[i] = (long long)json_integer_value(
                json_object_get(jobs[i].answer, "index"));
        } else {
            CHECK_MSG(jobs[i].status == 422, "bad job %zu: %d", i,
                      jobs[i].status);
            CHECK(str(jobs[i].answer, "error")[0] != '\0');
        }
    }
    printf("burst: %zu answered before the SIGKILL\n", answered);
    CHECK(answered >= 600 && answered < NJOBS);

    /* Restart: everything again. Bad ones are refused again; the ones
     * answered before come back with the same receipt. */
    agent_start();
    t0 = wait_now_ms();
    for (size_t i = 0; i < NJOBS; i++)
        jobs[i].status = 0; /* all again: answered ones must repeat */
    drive(jobs, NJOBS, 0);
    printf("burst: all %d again in %llu ms\n", NJOBS,
           (unsigned long long)(wait_now_ms() - t0));
    for (size_t i = 0; i < NJOBS; i++) {
        struct job *j = &jobs[i];

        if (j->kind != JOB_GOOD) {
            CHECK_MSG(j->status == 422, "bad job %zu: %d", i, j->status);
            continue;
        }
        good++;
        CHECK_MSG(j->status == 200, "job %zu: %d %s", i, j->status,
                  str(j->answer, "error"));
        CHECK(strcmp(str(j->answer, "status"), "issued") == 0 ||
              strcmp(str(j->answer, "status"), "existing") == 0);
        CHECK(json_object_get(j->answer, "bundle") != NULL);
        CHECK(json_object_get(j->answer, "receipt") != NULL);
        if (index0[i] >= 0) {
            CHECK_MSG(strcmp(key0[i], str(j->answer, "credential_hash")) == 0 &&
                          strcmp(salt0[i], str(j->answer, "salt")) == 0 &&
                          index0[i] == (long long)json_integer_value(
                                           json_object_get(j->answer, "index")),
                      "job %zu: another receipt after the restart", i);
        }
    }

    /* The log: exactly one ISSUE per good credential, and every rule. */
    REQUIRE(client_http_open(p.url, NULL, &h) == 0);
    size = logd_api_checkpoint(h, &p, NULL, NULL);
    REQUIRE(size > 0);
    REQUIRE(mirror_fetch(h, &m, (uint64_t)size));
    CHECK(mirror_violations(&m, 0, counts) == 0);
    /* test_requests() issued and revoked two credentials before,
     * test_log_down() and test_client_gone() issued one each. */
    CHECK_MSG(counts[ENTRY_ISSUE] == good + 4,
              "%llu ISSUE entries for %zu good",
              (unsigned long long)counts[ENTRY_ISSUE], good);
    CHECK(counts[ENTRY_REVOKE] == 2);
    mirror_free(&m);
    client_http_close(h);
    for (size_t i = 0; i < NJOBS; i++) {
        free(jobs[i].body);
        json_decref(jobs[i].answer);
    }
}

/* ---- single requests ---- */

/* POSTs body to the agent's path with token ("": no Authorization);
 * returns the status and the answer in *out (caller frees; may be NULL). */
static int post(const char *path, const char *token, const char *body,
                json_t **out)
{
    struct job j = {.path = path, .token = token};
    int status;

    j.body = strdup(body);
    drive(&j, 1, 0);
    status = j.status;
    if (out != NULL)
        *out = j.answer;
    else
        json_decref(j.answer);
    free(j.body);
    return status;
}

static int post_cred(const char *path, const char *token, const char *cred,
                     const char *extra_key, const char *extra_val, json_t **out)
{
    char *b64 = b64_of(cred), *body;
    json_t *o = json_pack("{s:s}", "credential", b64);
    int status;

    if (extra_key != NULL)
        json_object_set_new(o, extra_key, json_string(extra_val));
    body = json_dumps(o, JSON_COMPACT);
    status = post(path, token, body, out);
    free(body);
    free(b64);
    json_decref(o);
    return status;
}

/* Runs the loop (the webhook receiver) until *counter reaches want. */
static void spin_until(size_t *counter, size_t want)
{
    struct wait w = wait_begin(60000);

    while (*counter < want && wait_more(&w)) {
        struct timeval tv = {0, 50 * 1000};

        event_base_loopexit(base, &tv);
        event_base_dispatch(base);
    }
}

static void test_requests(void)
{
    const char *cred = "{\"issuer\":\"uni.example\",\"credentialSubject\":"
                       "{\"id\":\"alice\"}}";
    char path[700], *text;
    struct credlog_run r;
    json_t *a = NULL, *b = NULL;
    size_t hooks = hooks_receipt;

    /* Tokens and syntax. */
    CHECK(post("/issue", "wrong", "{}", &a) == 401);
    CHECK(str(a, "error")[0] != '\0');
    json_decref(a);
    CHECK(post("/issue", "", "{}", NULL) == 401);
    CHECK(post("/issue", tokens[0], "{\"credential\": ", &a) == 400);
    CHECK(strstr(str(a, "error"), "not JSON") != NULL);
    json_decref(a);
    CHECK(post("/issue", tokens[0], "[1]", NULL) == 400);
    CHECK(post("/issue", tokens[0], "{\"credentail\":\"eA==\"}", &a) == 400);
    CHECK(strstr(str(a, "error"), "credentail") != NULL);
    json_decref(a);
    CHECK(post("/issue", tokens[0], "{\"credential\":\"not base64!\"}", NULL) ==
          400);
    CHECK(post("/issue", tokens[0], "{\"key\":\"00\"}", NULL) == 400);
    CHECK(post("/nowhere", tokens[0], "{}", NULL) == 404);

    /* Issue, the same again, and the bundle verifies offline. */
    CHECK(post_cred("/issue", tokens[1], cred, "name", "alice.json", &a) ==
          200);
    CHECK(strcmp(str(a, "status"), "issued") == 0);
    CHECK(strcmp(str(a, "department"), "physics") == 0);
    CHECK(strlen(str(a, "salt")) == 32);
    CHECK(post_cred("/issue", tokens[2], cred, NULL, NULL, &b) == 200);
    CHECK(strcmp(str(a, "salt"), str(b, "salt")) == 0);
    CHECK(json_equal(json_object_get(a, "index"), json_object_get(b, "index")));
    text = json_dumps(json_object_get(a, "bundle"), JSON_INDENT(2));
    REQUIRE(text != NULL);
    snprintf(path, sizeof path, "%s/alice.credlog", dir);
    files_write(path, text, strlen(text));
    free(text);
    CREDLOG_RUN(&r, "verify", "--log-key", p.log_vkey, path);
    CREDLOG_EXPECT(&r, 0, "VALID: issued by uni.example");
    credlog_run_free(&r);
    json_decref(b);

    /* The receipt-ready webhook came. */
    spin_until(&hooks_receipt, hooks + 1);
    CHECK_MSG(hooks_receipt == hooks + 1, "%zu webhooks",
              hooks_receipt - hooks);

    /* Revoke by the credential: the agent knows its salt. */
    CHECK(post_cred("/revoke", tokens[1], cred, "reason", "withdrawn", &b) ==
          200);
    CHECK(strcmp(str(b, "status"), "revoked") == 0);
    CHECK(strcmp(str(a, "credential_hash"), str(b, "credential_hash")) == 0);
    json_decref(b);
    CHECK(post_cred("/revoke", tokens[1], cred, NULL, NULL, &b) == 200);
    json_decref(b);
    /* Issuing it again: revoked, not issued again. */
    CHECK(post_cred("/issue", tokens[1], cred, NULL, NULL, &b) == 409);
    CHECK(json_integer_value(json_object_get(b, "revoked_index")) > 0);
    json_decref(b);
    json_decref(a);
    /* The same by a precomputed key. */
    {
        const char *k =
            "{\"key\":\"a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1"
            "a1a1a1a1a1a1a1a1a1a1\"}";

        CHECK(post("/issue", tokens[2], k, &b) == 200);
        CHECK(strcmp(str(b, "status"), "issued") == 0);
        CHECK(json_object_get(b, "bundle") == NULL &&
              json_object_get(b, "salt") == NULL);
        json_decref(b);
        CHECK(post("/revoke", tokens[2], k, &b) == 200);
        CHECK(strcmp(str(b, "status"), "revoked") == 0);
        json_decref(b);
        CHECK(post("/issue", tokens[2], k, NULL) == 409);
    }
    /* A credential this agent never issued: its salt is needed. */
    CHECK(post_cred("/revoke", tokens[1], "{\"other\":1}", NULL, NULL, &b) ==
          422);
    CHECK(strstr(str(b, "error"), "salt") != NULL);
    json_decref(b);
}

/* The log down: the request is journaled and answered 503; once the log is
 * back, the same request gets its receipt (the journaled entry, submitted
 * again with backoff), and again the same one. */
static void test_log_down(void)
{
    const char *cred = "{\"issuer\":\"uni.example\",\"during\":\"outage\"}";
    char port[16];
    const char *extra[] = {"--listen", port, NULL};
    json_t *a = NULL, *b = NULL;

    snprintf(port, sizeof port, "127.0.0.1:%u", p.port);
    CHECK(logd_proc_stop(&p) == 0);
    CHECK(post_cred("/issue", tokens[3], cred, NULL, NULL, &a) == 503);
    CHECK(strstr(str(a, "error"), "journaled") != NULL);
    json_decref(a);
    REQUIRE(logd_proc_start(&p, extra) == 0);
    CHECK(post_cred("/issue", tokens[3], cred, NULL, NULL, &a) == 200);
    CHECK(post_cred("/issue", tokens[0], cred, NULL, NULL, &b) == 200);
    CHECK(json_equal(json_object_get(a, "index"), json_object_get(b, "index")));
    CHECK(strcmp(str(a, "salt"), str(b, "salt")) == 0);
    CHECK(strcmp(str(b, "department"), "arts") == 0);
    json_decref(a);
    json_decref(b);
}

/* A client that goes away before its answer: the agent still logs and
 * journals the credential, and the repeated request gets its receipt. */
static void test_client_gone(void)
{
    const char *cred = "{\"issuer\":\"uni.example\",\"client\":\"gone\"}";
    char *b64 = b64_of(cred), req[1024], body[256];
    struct sockaddr_in sa = {.sin_family = AF_INET};
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    json_t *a = NULL;

    snprintf(body, sizeof body, "{\"credential\":\"%s\"}", b64);
    free(b64);
    snprintf(req, sizeof req,
             "POST /issue HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s"
             "\r\nContent-Length: %zu\r\n\r\n%s",
             tokens[1], strlen(body), body);
    sa.sin_port = htons((uint16_t)agent_port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0);
    CHECK(write(fd, req, strlen(req)) == (ssize_t)strlen(req));
    close(fd);
    CHECK(post_cred("/issue", tokens[1], cred, NULL, NULL, &a) == 200);
    CHECK(strcmp(str(a, "department"), "physics") == 0);
    json_decref(a);
    CHECK(post("/healthz", tokens[0], "{}", NULL) == 200);
}

static void test_import(void)
{
    char csv[700], path[700], text[2048], outdir[700];
    struct credlog_run r, r2;

    for (int i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/award%d.json", dir, i);
        snprintf(text, sizeof text, "{\"issuer\":\"uni.example\",\"award\":%d}",
                 i);
        files_write(path, text, strlen(text));
    }
    snprintf(text, sizeof text,
             "department,file,credential,profile\n"
             "math,award0.json,,\n"
             "physics,award1.json,,json\n"
             "law,,%s,json\n"
             "nosuch,award2.json,,\n"
             "arts,\"award2.json\",,auto\n",
             "bm90IGpzb24=");
    snprintf(csv, sizeof csv, "%s/awards.csv", dir);
    files_write(csv, text, strlen(text));
    snprintf(outdir, sizeof outdir, "%s/bundles", dir);
    mkdir(outdir, 0700);
    CREDLOG_RUN(&r, "agent", "--config", conf, "--import", csv, "--out",
                outdir);
    CREDLOG_EXPECT(&r, 1, "row 2: issued entry");
    CHECK(credlog_run_has(&r, "row 3: issued entry"));
    CHECK(credlog_run_has(&r, "row 4: error 422: credkey/v1 refuses"));
    CHECK(credlog_run_has(&r, "row 5: error 400: unknown department"));
    CHECK(credlog_run_has(&r, "row 6: issued entry"));
    snprintf(path, sizeof path, "%s/award1.json.credlog", outdir);
    CREDLOG_RUN(&r2, "verify", "--log-key", p.log_vkey, path);
    CREDLOG_EXPECT(&r2, 0, "VALID: issued by uni.example");
    credlog_run_free(&r2);
    /* Again: the same entries (the journal answers). */
    CREDLOG_RUN(&r2, "agent", "--config", conf, "--import", csv, "--json");
    CHECK(r2.status == 1);
    {
        const char *a = strstr(r.out, "row 2: issued entry ");
        json_t *j = json_loads(r2.out, JSON_DISABLE_EOF_CHECK, NULL);
        char want[64];

        REQUIRE(a != NULL && j != NULL);
        snprintf(want, sizeof want, "row 2: issued entry %lld ",
                 (long long)json_integer_value(json_object_get(j, "index")));
        CHECK_MSG(strncmp(a, want, strlen(want)) == 0, "%s\n%s", r.out, r2.out);
        json_decref(j);
    }
    credlog_run_free(&r2);
    credlog_run_free(&r);
}

/* An entry under the institution's name made with a key no department
 * holds (dept4's: authorized in the log, not in the agent) by plain credlog
 * issue: the agent, watching the log, raises unknown_key. The KEY entry
 * that authorized that key raised one too, at the start. */
static void test_unknown_key(void)
{
    char path[700], key[700], *text, hash[65] = "";
    struct credlog_run r;
    json_t *j;

    snprintf(path, sizeof path, "%s/rogue.json", dir);
    files_write(path, "{\"issuer\":\"uni.example\",\"forged\":true}", 38);
    snprintf(key, sizeof key, "%s/dept4.key", dir);
    CREDLOG_RUN(&r, "issue", "--log", p.url, "--log-key", p.log_vkey, "--key",
                key, path);
    CREDLOG_EXPECT(&r, 0, "issued");
    credlog_run_free(&r);
    snprintf(path, sizeof path, "%s/rogue.json.receipt.json", dir);
    text = files_read(path, NULL);
    j = text != NULL ? json_loads(text, 0, NULL) : NULL;
    snprintf(hash, sizeof hash, "%s", str(j, "credential_hash"));
    json_decref(j);
    free(text);
    spin_until(&hooks_unknown_issue, 1);
    CHECK_MSG(hooks_unknown_issue == 1, "%zu unknown_key issue events",
              hooks_unknown_issue);
    CHECK(strcmp(unknown_hash, hash) == 0);
    CHECK_MSG(hooks_unknown_key == 1, "%zu unknown_key key events",
              hooks_unknown_key);
}

static size_t config_text(char *cfg, size_t cap, const char *extra);

/* ---- mutual TLS ---- */

/* Sends request over TLS to 127.0.0.1:port, trusting ca, with the client
 * certificate cert/key (NULL: none); the answer's first bytes go to out.
 * Returns the bytes read, or -1 when the connection failed. */
static int tls_request(unsigned port, const char *ca, const char *cert,
                       const char *key, const char *request, char *out,
                       size_t cap)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    struct sockaddr_in sa = {.sin_family = AF_INET};
    int fd = socket(AF_INET, SOCK_STREAM, 0), n = -1, got = 0;
    SSL *ssl = NULL;

    if (ctx == NULL || fd < 0)
        goto done;
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    if (SSL_CTX_load_verify_locations(ctx, ca, NULL) != 1 ||
        (cert != NULL &&
         (SSL_CTX_use_certificate_file(ctx, cert, SSL_FILETYPE_PEM) != 1 ||
          SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1)))
        goto done;
    sa.sin_port = htons((uint16_t)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0 ||
        (ssl = SSL_new(ctx)) == NULL || SSL_set_fd(ssl, fd) != 1 ||
        SSL_connect(ssl) != 1 ||
        SSL_write(ssl, request, (int)strlen(request)) <= 0)
        goto done;
    /* With TLS 1.3 a refused client certificate shows on the first read. */
    while (got < (int)cap - 1 &&
           (n = SSL_read(ssl, out + got, (int)cap - 1 - got)) > 0)
        got += n;
    out[got] = '\0';
    n = got > 0 ? got : -1;
done:
    if (ssl != NULL)
        SSL_free(ssl);
    if (fd >= 0)
        close(fd);
    SSL_CTX_free(ctx);
    return n;
}

static void test_mtls(void)
{
    char srv_cert[700], srv_key[700], cli_cert[700], cli_key[700];
    char bad_cert[700], bad_key[700], tconf[700], tport[700], path[700];
    char text[16384], req[1024], *cfg;
    const char *args[] = {"agent",       "--config", tconf,
                          "--port-file", tport,      NULL};
    struct wait w = wait_begin(20000);
    struct credlog_run r;
    unsigned port;
    pid_t pid;
    size_t len;

    snprintf(srv_cert, sizeof srv_cert, "%s/agent.pem", dir);
    snprintf(srv_key, sizeof srv_key, "%s/agent-key.pem", dir);
    snprintf(cli_cert, sizeof cli_cert, "%s/client.pem", dir);
    snprintf(cli_key, sizeof cli_key, "%s/client-key.pem", dir);
    snprintf(bad_cert, sizeof bad_cert, "%s/other.pem", dir);
    snprintf(bad_key, sizeof bad_key, "%s/other-key.pem", dir);
    REQUIRE(tls_cert_files(srv_cert, srv_key) == 0 &&
            tls_cert_files(cli_cert, cli_key) == 0 &&
            tls_cert_files(bad_cert, bad_key) == 0);
    /* The same departments, another journal, TLS with client certificates. */
    snprintf(path, sizeof path, "%s/journal-tls", dir);
    mkdir(path, 0700);
    snprintf(req, sizeof req,
             "data journal-tls\nmonitor-interval 0\ntls-cert %s\n"
             "tls-key %s\ntls-client-ca %s\n",
             srv_cert, srv_key, cli_cert);
    len = config_text(text, sizeof text, req);
    snprintf(tconf, sizeof tconf, "%s/agent-tls.conf", dir);
    files_write(tconf, text, len);
    snprintf(tport, sizeof tport, "%s/agent-tls.port", dir);
    pid = credlog_run_spawn(args, "agent-tls");
    while ((cfg = files_read(tport, NULL)) == NULL && wait_more(&w))
        ;
    REQUIRE(cfg != NULL);
    port = (unsigned)atoi(cfg);
    free(cfg);

    CHECK(tls_request(port, srv_cert, cli_cert, cli_key,
                      "GET /healthz HTTP/1.0\r\n\r\n", text, sizeof text) > 0);
    CHECK(strstr(text, "200 OK") != NULL && strstr(text, "\"ok\"") != NULL);
    {
        const char *body =
            "{\"credential\":\"eyJpc3N1ZXIiOiJ1bmkuZXhhbXBsZSJ9\"}";

        snprintf(req, sizeof req,
                 "POST /issue HTTP/1.0\r\nAuthorization: Bearer %s\r\n"
                 "Content-Length: %zu\r\n\r\n%s",
                 tokens[0], strlen(body), body);
    }
    CHECK(tls_request(port, srv_cert, cli_cert, cli_key, req, text,
                      sizeof text) > 0);
    CHECK_MSG(strstr(text, "200 OK") != NULL &&
                  strstr(text, "\"status\":\"issued\"") != NULL,
              "%.300s", text);
    /* No client certificate, or one the CA did not sign: no answer. */
    CHECK(tls_request(port, srv_cert, NULL, NULL,
                      "GET /healthz HTTP/1.0\r\n\r\n", text, sizeof text) < 0);
    CHECK(tls_request(port, srv_cert, bad_cert, bad_key,
                      "GET /healthz HTTP/1.0\r\n\r\n", text, sizeof text) < 0);
    kill(pid, SIGTERM);
    credlog_run_wait(&r, pid, "agent-tls", 20);
    CHECK_MSG(r.status == 0, "exit %d\n%s", r.status, r.err);
    CHECK(credlog_run_has(&r, "client certificates required"));
    credlog_run_free(&r);
}

/* ---- set-up ---- */

/* The agent config for the test's log and departments, with extra lines. */
static size_t config_text(char *cfg, size_t cap, const char *extra)
{
    static const char *const names[NDEPT] = {"math", "physics", "law", "arts"};
    size_t off = (size_t)snprintf(cfg, cap,
                                  "# test agent\ninstitution %s\nlog %s\n"
                                  "log-key %s\nlisten 127.0.0.1:0\n"
                                  "linger-ms 10\n%s",
                                  INSTITUTION, p.url, p.log_vkey, extra);

    for (int i = 0; i < NDEPT; i++) {
        uint8_t h[32];
        char hex[65];

        SHA256((const uint8_t *)tokens[i], strlen(tokens[i]), h);
        codec_hex_encode(h, 32, hex);
        off += (size_t)snprintf(cfg + off, cap - off,
                                "department %s sha256:%s dept%d.key\n",
                                names[i], hex, i);
    }
    return off;
}

static void setup(void)
{
    struct note_verifier keys[NDEPT + 1];
    char prefix[700], path[800], line[400], *text, cfg[8192];
    struct credlog_run r;
    size_t off;

    for (int i = 0; i <= NDEPT; i++) {
        snprintf(prefix, sizeof prefix, "%s/dept%d", dir, i);
        CREDLOG_RUN(&r, "keygen", "--name", INSTITUTION, "--out", prefix);
        CREDLOG_EXPECT(&r, 0, "verifier key: ");
        credlog_run_free(&r);
        snprintf(path, sizeof path, "%s.vkey", prefix);
        text = files_read(path, NULL);
        REQUIRE(text != NULL &&
                note_verifier_parse(text, strlen(text), &keys[i]) == 0);
        free(text);
    }
    /* dept4's key is authorized in the log but not held by the agent. */
    REQUIRE(logd_proc_init(&p, "log.agent.test", keys, NDEPT + 1) == 0);
    REQUIRE(logd_proc_start(&p, NULL) == 0);
    snprintf(path, sizeof path, "%s/journal", dir);
    mkdir(path, 0700);
    snprintf(line, sizeof line,
             "data journal\nmonitor-interval 1\n"
             "webhook http://127.0.0.1:%u/hook\n",
             hook_port);
    off = config_text(cfg, sizeof cfg, line);
    snprintf(conf, sizeof conf, "%s/agent.conf", dir);
    files_write(conf, cfg, off);
    snprintf(port_path, sizeof port_path, "%s/agent.port", dir);
}

int main(void)
{
    logd_proc_require();
    credlog_run_require();
    signal(SIGPIPE, SIG_IGN);
    files_tmpdir(dir, sizeof dir, "agent");
    snprintf(credlog_run_home, sizeof credlog_run_home, "%s", dir);
    if ((base = event_base_new()) == NULL)
        abort();
    hook_start();
    setup();
    agent_start();
    test_requests();
    test_log_down();
    test_client_gone();
    test_burst();
    test_import();
    test_unknown_key();
    test_mtls();
    agent_kill(SIGTERM);
    logd_proc_cleanup(&p);
    evhttp_free(hook_http);
    event_base_free(base);
    if (check_failed == 0)
        files_rmtree(dir);
    else
        fprintf(stderr, "kept %s\n", dir);
    return check_finish();
}
