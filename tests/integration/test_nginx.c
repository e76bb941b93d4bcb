/*
 * test_nginx.c: Debian's nginx with the shipped contrib/nginx/credlog.conf
 * (its ports and paths replaced by the test's) in front of a logd primary
 * and two replicas (logd --replica-of) on loopback, as an operator runs
 * them (issue 15, item 2):
 *  - submissions through nginx reach the primary (`credlog issue`, a POST
 *    of 300 entries), answered no-store;
 *  - `credlog monitor`, `credlog verify` (online) and the verification
 *    page's reads (the page and its files, its config, the log key, the
 *    witness policy, a status proof, a consistency proof) through nginx;
 *  - repeated immutable reads (full tiles, entry bundles, entries,
 *    proofs) are cache hits by $upstream_cache_status (X-Cache-Status);
 *    a status proof is revalidated (304 from logd: REVALIDATED) while the
 *    checkpoint stays, and a new checkpoint shows through within seconds;
 *  - reads are spread over more than one server (the access log), and with
 *    one replica killed no read fails.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/sha.h>

#include "check.h"
#include "credlog_run.h"
#include "files.h"
#include "issuer.h"
#include "logd/web.h"
#include "logd_proc.h"
#include "logd_raw.h"
#include "nginx_proc.h"
#include "proofs/codec.h"
#include "wait.h"

#define REPLICAS 2

static char dir[400];
static struct logd_proc primary, replica[REPLICAS];
static struct nginx_proc ngx;
static struct issuer A1;
static char key_file[700];

/* One request to port; the answer into *a. */
static int ask(unsigned port, const char *method, const char *path,
               const char *extra, const char *body, struct logd_raw_answer *a)
{
    size_t blen = body != NULL ? strlen(body) : 0, cap = 1024 + blen;
    char *req = malloc(cap);
    int n, rc;

    if (req == NULL)
        abort();
    n = snprintf(req, cap,
                 "%s %s HTTP/1.1\r\nHost: log.example\r\n%sContent-Length: "
                 "%zu\r\n\r\n%s",
                 method, path, extra != NULL ? extra : "", blen,
                 body != NULL ? body : "");
    rc = logd_raw_exchange(port, req, (size_t)n, strcmp(method, "HEAD") == 0,
                           20000, a);
    free(req);
    return rc;
}

/* GETs path through nginx; returns the status (-1: no answer) and the
 * cache status (X-Cache-Status, "" when absent) into cache. */
static int get_via(const char *path, char *cache, size_t cap,
                   struct logd_raw_answer *a)
{
    if (ask(ngx.port, "GET", path, NULL, NULL, a) != 0)
        return -1;
    if (logd_raw_header(a, "X-Cache-Status", cache, cap) != 0)
        cache[0] = '\0';
    return a->status;
}

/* The tree size of the checkpoint port serves (0 if none). */
static unsigned long long size_at(unsigned port)
{
    struct logd_raw_answer a = {0};
    unsigned long long size = 0;
    const char *nl;

    if (ask(port, "GET", "/checkpoint", NULL, NULL, &a) != 0)
        return 0;
    nl = a.status == 200 ? strchr(a.body, '\n') : NULL;
    if (nl != NULL)
        size = strtoull(nl + 1, NULL, 10);
    logd_raw_answer_free(&a);
    return size;
}

/* Whether every running replica serves the primary's checkpoint. */
static bool caught_up(void *arg)
{
    unsigned long long want = size_at(primary.port);

    (void)arg;
    for (size_t i = 0; i < REPLICAS; i++)
        if (replica[i].pid != 0 && size_at(replica[i].port) != want)
            return false;
    return true;
}

/* Starts replica r following the primary. */
static int replica_start(struct logd_proc *r)
{
    const char *args[] = {"--replica-of",   primary.url,   "--log-key",
                          primary.log_vkey, "--data",      r->data,
                          "--listen",       "127.0.0.1:0", NULL};

    if (logd_proc_init(r, "example.com/replica-unused", &A1.v, 1) != 0)
        return -1;
    return logd_proc_start_argv(r, NULL, args);
}

/* Replaces the one occurrence of from in *text by to (the shipped file
 * must have it exactly once: the test and the file must not drift). */
static void replace(char **text, const char *from, const char *to)
{
    char *at = strstr(*text, from), *out;
    size_t n;

    CHECK_MSG(at != NULL, "credlog.conf has no \"%s\"", from);
    if (at == NULL)
        return;
    n = strlen(*text) - strlen(from) + strlen(to) + 1;
    out = malloc(n);
    if (out == NULL)
        abort();
    snprintf(out, n, "%.*s%s%s", (int)(at - *text), *text, to,
             at + strlen(from));
    free(*text);
    *text = out;
}

/* Replaces every occurrence (at least one). */
static void replace_all(char **text, const char *from, const char *to)
{
    replace(text, from, to);
    while (strstr(*text, from) != NULL)
        replace(text, from, to);
}

/* contrib/nginx/credlog.conf with the test's ports and paths. */
static char *load_conf(void)
{
    const char *src = getenv("CREDLOG_SOURCE_DIR");
    char path[1024], addr[REPLICAS + 1][32];
    char *text;

    snprintf(path, sizeof path, "%s/contrib/nginx/credlog.conf",
             src != NULL ? src : "..");
    text = files_read(path, NULL);
    if (text == NULL) {
        fprintf(stderr, "cannot read %s (CREDLOG_SOURCE_DIR)\n", path);
        return NULL;
    }
    snprintf(addr[0], sizeof addr[0], "127.0.0.1:%u", primary.port);
    for (size_t i = 0; i < REPLICAS; i++)
        snprintf(addr[i + 1], sizeof addr[i + 1], "127.0.0.1:%u",
                 replica[i].port);
    replace_all(&text, "127.0.0.1:8080;", "@PRIMARY@;");
    replace_all(&text, "127.0.0.1:8080 ", "@PRIMARY@ ");
    replace_all(&text, "@PRIMARY@", addr[0]);
    replace_all(&text, "127.0.0.1:8081 ", "@R1@ ");
    replace_all(&text, "@R1@", addr[1]);
    replace_all(&text, "127.0.0.1:8082 ", "@R2@ ");
    replace_all(&text, "@R2@", addr[2]);
    replace(&text, "listen 80;", "listen 127.0.0.1:@PORT@;");
    replace(&text, "listen [::]:80;", "");
    replace_all(&text, "/var/cache/nginx/credlog", "@DIR@/cache");
    replace_all(&text, "/var/log/nginx/credlog.access.log",
                "@DIR@/credlog.access.log");
    return text;
}

/* POSTs n new ISSUE entries (hashes from seed) through nginx; returns the
 * status and CHECKs the answer is no-store. */
static int post_issues(unsigned n, unsigned seed)
{
    json_t *arr = json_array(), *body;
    struct logd_raw_answer a = {0};
    char v[64] = "", *text;
    int status;

    for (unsigned i = 0; i < n; i++) {
        uint8_t h[32] = {0};
        struct entry e;
        h[0] = (uint8_t)seed;
        h[1] = (uint8_t)(i >> 8);
        h[2] = (uint8_t)i;
        issuer_entry(&e, ENTRY_ISSUE, h, &A1, issuer_now_ms(), 0);
        json_array_append_new(arr, issuer_submission_json(&e));
    }
    body = json_pack("{s:o}", "entries", arr);
    text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    if (ask(ngx.port, "POST", "/v1/entries",
            "Content-Type: application/json\r\n", text, &a) != 0) {
        free(text);
        return -1;
    }
    free(text);
    status = a.status;
    CHECK(logd_raw_header(&a, "Cache-Control", v, sizeof v) == 0 &&
          strcmp(v, "no-store") == 0);
    logd_raw_answer_free(&a);
    return status;
}

/* The path of the status proof of the credential of seed's i-th entry. */
static void status_path(char *buf, size_t cap, unsigned seed, unsigned i)
{
    uint8_t h[32] = {0};
    char hex[65];

    h[0] = (uint8_t)seed;
    h[1] = (uint8_t)(i >> 8);
    h[2] = (uint8_t)i;
    codec_hex_encode(h, 32, hex);
    snprintf(buf, cap, "/v1/status/%s", hex);
}

/* A repeated immutable read is a cache hit. */
static void expect_hit(const char *path)
{
    struct logd_raw_answer a = {0}, b = {0};
    char c1[32], c2[32];

    CHECK_MSG(get_via(path, c1, sizeof c1, &a) == 200, "GET %s: %d", path,
              a.status);
    CHECK_MSG(get_via(path, c2, sizeof c2, &b) == 200 &&
                  strcmp(c2, "HIT") == 0 && b.body_len == a.body_len &&
                  memcmp(a.body, b.body, a.body_len) == 0,
              "GET %s again: %d, cache %s (first %s)", path, b.status, c2, c1);
    logd_raw_answer_free(&a);
    logd_raw_answer_free(&b);
}

/* The credlog commands through nginx. */
static void test_cli(void)
{
    struct credlog_run r;
    char cred[700], state[700];
    const char *content =
        "{\"id\":\"9c1e\",\"name\":\"Ada\",\"degree\":\"BSc\"}\n";

    snprintf(cred, sizeof cred, "%s/diploma.json", dir);
    files_write(cred, content, strlen(content));
    CREDLOG_RUN(&r, "issue", "--log", ngx.url, "--key", key_file, "--log-key",
                primary.log_vkey, cred);
    CREDLOG_EXPECT(&r, 0, "issued");
    credlog_run_free(&r);
    CHECK(wait_until(caught_up, NULL, 30000));

    snprintf(state, sizeof state, "%s/monitor", dir);
    CREDLOG_RUN(&r, "monitor", "--log", ngx.url, "--log-key", primary.log_vkey,
                "--state", state, "--once");
    CREDLOG_EXPECT(&r, 0, "first check");
    credlog_run_free(&r);
    CREDLOG_RUN(&r, "verify", "--log-key", primary.log_vkey, "--log", ngx.url,
                cred);
    CREDLOG_EXPECT(&r, 0, "not revoked as of");
    credlog_run_free(&r);
}

/* What the verification page (web/) asks for, through nginx. */
static void test_page(unsigned long long size)
{
    struct logd_raw_answer a = {0};
    char c[32], path[256];

    CHECK(get_via("/", c, sizeof c, &a) == 200 &&
          strstr(a.body, "<!doctype html>") == a.body);
    logd_raw_answer_free(&a);
    for (size_t i = 0; i < web_asset_count; i++) {
        snprintf(path, sizeof path, "/web/%s", web_assets[i].name);
        CHECK_MSG(get_via(path, c, sizeof c, &a) == 200 &&
                      a.body_len == web_assets[i].len,
                  "GET %s: %d", path, a.status);
        logd_raw_answer_free(&a);
    }
    CHECK(get_via("/web/config.json", c, sizeof c, &a) == 200 &&
          strstr(a.body, "\"witness_policy\":false") != NULL);
    logd_raw_answer_free(&a);
    CHECK(get_via("/v1/log-key", c, sizeof c, &a) == 200 &&
          strncmp(a.body, primary.log_vkey, strlen(primary.log_vkey)) == 0);
    logd_raw_answer_free(&a);
    CHECK(get_via("/v1/witness-policy", c, sizeof c, &a) == 404);
    logd_raw_answer_free(&a);
    status_path(path, sizeof path, 1, 7);
    CHECK(get_via(path, c, sizeof c, &a) == 200 &&
          strstr(a.body, "\"status\":\"active\"") != NULL);
    logd_raw_answer_free(&a);
    snprintf(path, sizeof path, "/v1/proof/consistency?from=2&to=%llu", size);
    CHECK(get_via(path, c, sizeof c, &a) == 200);
    logd_raw_answer_free(&a);
}

/* Immutable reads are hits; a status proof is revalidated; a new
 * checkpoint shows within seconds. */
static void test_cache(unsigned long long size)
{
    struct logd_raw_answer a = {0}, b = {0};
    char c[32], path[256];
    unsigned long long grown;
    struct wait w;

    expect_hit("/tile/0/000");
    expect_hit("/tile/entries/000");
    expect_hit("/v1/entries/5");
    snprintf(path, sizeof path, "/v1/proof/inclusion?index=3&size=%llu", size);
    expect_hit(path);
    snprintf(path, sizeof path, "/v1/proof/consistency?from=2&to=%llu", size);
    expect_hit(path);

    /* A status proof: cached, then revalidated with its ETag while the
     * checkpoint stays the same (logd answers 304: REVALIDATED), the
     * same bytes every time. */
    status_path(path, sizeof path, 1, 9);
    REQUIRE(get_via(path, c, sizeof c, &a) == 200);
    w = wait_begin(20000);
    do {
        CHECK(get_via(path, c, sizeof c, &b) == 200 &&
              b.body_len == a.body_len &&
              memcmp(a.body, b.body, a.body_len) == 0);
        logd_raw_answer_free(&b);
    } while (strcmp(c, "REVALIDATED") != 0 && wait_more(&w));
    CHECK_MSG(strcmp(c, "REVALIDATED") == 0, "status proof: cache %s", c);
    logd_raw_answer_free(&a);

    /* The checkpoint is cached for a second only. */
    CHECK(post_issues(3, 2) == 200);
    grown = size_at(primary.port);
    CHECK(grown > size);
    w = wait_begin(20000);
    while (size_at(ngx.port) < grown && wait_more(&w))
        ;
    CHECK(size_at(ngx.port) >= grown);
}

/* Whether reads went to more than one server (the access log's
 * upstream= field). */
static size_t upstreams_seen(void)
{
    char path[700], seen[REPLICAS + 1][32];
    size_t n = 0;
    char *text, *p;

    snprintf(path, sizeof path, "%s/credlog.access.log", ngx.dir);
    text = files_read(path, NULL);
    if (text == NULL)
        return 0;
    for (p = strstr(text, "upstream="); p != NULL;
         p = strstr(p + 1, "upstream=")) {
        char addr[32];
        size_t k;
        if (sscanf(p, "upstream=%31[0-9.:]", addr) != 1)
            continue;
        for (k = 0; k < n && strcmp(seen[k], addr) != 0; k++)
            ;
        if (k == n && n < REPLICAS + 1)
            snprintf(seen[n++], sizeof seen[0], "%s", addr);
    }
    free(text);
    return n;
}

/* Reads of things no cache holds yet, every one answered. */
static void reads_all_answered(unsigned long long size, unsigned from)
{
    struct logd_raw_answer a = {0};
    char c[32], path[256];

    for (unsigned i = from; i < from + 40; i++) {
        snprintf(path, sizeof path, "/v1/entries/%u", i);
        CHECK_MSG(get_via(path, c, sizeof c, &a) == 200, "GET %s: %d", path,
                  a.status);
        logd_raw_answer_free(&a);
        snprintf(path, sizeof path, "/v1/proof/inclusion?index=%u&size=%llu", i,
                 size);
        CHECK_MSG(get_via(path, c, sizeof c, &a) == 200, "GET %s: %d", path,
                  a.status);
        logd_raw_answer_free(&a);
        status_path(path, sizeof path, 1, i);
        CHECK_MSG(get_via(path, c, sizeof c, &a) == 200, "GET %s: %d", path,
                  a.status);
        logd_raw_answer_free(&a);
    }
    snprintf(path, sizeof path, "/tile/0/001.p/%llu", size - 256);
    CHECK_MSG(get_via(path, c, sizeof c, &a) == 200, "GET %s: %d", path,
              a.status);
    logd_raw_answer_free(&a);
}

/* One replica dies: no read fails, submissions still reach the primary. */
static void test_failover(void)
{
    unsigned long long size, before;

    CHECK(wait_until(caught_up, NULL, 30000));
    size = size_at(primary.port);
    reads_all_answered(size, 10);
    CHECK_MSG(upstreams_seen() >= 2, "reads went to %zu server(s)",
              upstreams_seen());
    REQUIRE(logd_proc_kill(&replica[0]) == 0);
    reads_all_answered(size, 60);
    before = size_at(primary.port);
    CHECK(post_issues(2, 3) == 200);
    CHECK(size_at(primary.port) > before);
}

static void run(void)
{
    struct credlog_run r;
    char prefix[500], *text, *conf;
    unsigned long long size;

    /* The institution's key (credlog keygen, as in real life); the tests'
     * own entries are signed with it too. */
    snprintf(prefix, sizeof prefix, "%s/avans", dir);
    snprintf(key_file, sizeof key_file, "%s.key", prefix);
    CREDLOG_RUN(&r, "keygen", "--name", "avans.nl", "--out", prefix);
    CREDLOG_EXPECT(&r, 0, "verifier key: avans.nl+");
    credlog_run_free(&r);
    text = files_read(key_file, NULL);
    REQUIRE(text != NULL && note_signer_parse(text, strlen(text), &A1.s) == 0);
    free(text);
    note_signer_verifier(&A1.s, &A1.v);

    REQUIRE(logd_proc_init(&primary, "log.nginx.test", &A1.v, 1) == 0);
    REQUIRE(logd_proc_start(&primary, NULL) == 0);
    for (size_t i = 0; i < REPLICAS; i++)
        REQUIRE(replica_start(&replica[i]) == 0);
    /* logd_proc_init() made the replicas' (unused) origin the one entries
     * are signed for. */
    issuer_set_origin(primary.log_key.name);
    nginx_proc_require();
    REQUIRE(nginx_proc_init(&ngx) == 0);
    conf = load_conf();
    REQUIRE(conf != NULL);
    REQUIRE(nginx_proc_start(&ngx, conf) == 0);
    free(conf);

    /* Submissions through nginx reach the primary: more than a tile. */
    CHECK(post_issues(300, 1) == 200);
    size = size_at(primary.port);
    CHECK(size > 300);
    test_cli();
    size = size_at(primary.port);
    CHECK(wait_until(caught_up, NULL, 30000));
    test_page(size);
    test_cache(size);
    test_failover();
}

int main(void)
{
    logd_proc_require();
    credlog_run_require();
    files_tmpdir(dir, sizeof dir, "test-nginx");
    snprintf(credlog_run_home, sizeof credlog_run_home, "%s", dir);
    run();
    nginx_proc_cleanup(&ngx);
    for (size_t i = 0; i < REPLICAS; i++)
        logd_proc_cleanup(&replica[i]);
    logd_proc_cleanup(&primary);
    issuer_wipe(&A1);
    if (getenv("CREDLOG_KEEP_TMP") == NULL)
        files_rmtree(dir);
    return check_finish();
}
