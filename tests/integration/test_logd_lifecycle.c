/*
 * test_logd_lifecycle.c: how the real logd starts, runs and stops.
 *  - `logd --dev` on first start makes var/dev/{log.key (0600), log.vkey,
 *    demo-issuer.key (0600), demo-issuer.vkey, issuers}, prints the log key
 *    and a ready-to-paste credlog command, authorizes the demo issuer with
 *    its identity (GET /v1/issuers), and reuses everything on the next
 *    start;
 *  - --dev writes keys only as new files (no planted symlink followed) in a
 *    directory only its owner may write to;
 *  - an issuers file writable by group or others: refused at start and on
 *    SIGHUP (the current keys kept);
 *  - refusals at start: a log key readable by group, a data directory of
 *    another log key, a malformed issuers file, an unusable data directory,
 *    a primary on a replica's data directory (left as it was; the replica
 *    starts on it again);
 *    a malformed issuers file on SIGHUP keeps the current keys;
 *  - SIGTERM while a batch waits: the batch is committed and answered, then
 *    logd exits 0;
 *  - --heartbeat appends MAP entries when idle;
 *  - a tiny --map-size grows on demand, and nothing is lost.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "answer.h"
#include "check.h"
#include "client/http.h"
#include "files.h"
#include "issuer.h"
#include "logd_api.h"
#include "logd_proc.h"
#include "mirror.h"
#include "naive.h"
#include "proofs/codec.h"
#include "proofs/entry.h"
#include "proofs/note.h"
#include "wait.h"

#include <fcntl.h>
#include <pthread.h>
#include <sys/stat.h>
#include <sys/wait.h>

static uint64_t rnd = 99;

/* logd --dev on 127.0.0.1:0, run in the struct's directory (so the data
 * lands in dir/var/dev). */
static const char *const dev_args[] = {"--dev", "--listen", "127.0.0.1:0",
                                       NULL};

static void test_dev(void)
{
    struct logd_proc scratch; /* only for its temporary directory */
    char path[700], url[64], want[1400], *vkey, *out, *key_text;
    struct note_signer demo;
    struct client_http *h;
    unsigned port;
    int started;

    REQUIRE(logd_proc_init(&scratch, "scratch.example", NULL, 0) == 0);
    started = logd_proc_start_argv(&scratch, scratch.dir, dev_args);
    CHECK(started == 0);
    if (started != 0) {
        logd_proc_cleanup(&scratch);
        return;
    }
    port = scratch.port;
    snprintf(path, sizeof path, "%s/var/dev/log.key", scratch.dir);
    CHECK(files_mode(path) == 0600);
    snprintf(path, sizeof path, "%s/var/dev/demo-issuer.key", scratch.dir);
    CHECK(files_mode(path) == 0600);
    key_text = files_read(path, NULL);
    snprintf(path, sizeof path, "%s/var/dev/demo-issuer.vkey", scratch.dir);
    CHECK(files_mode(path) == 0644);
    snprintf(path, sizeof path, "%s/var/dev/issuers", scratch.dir);
    CHECK(files_mode(path) != (mode_t)-1);
    snprintf(path, sizeof path, "%s/var/dev/log.vkey", scratch.dir);
    vkey = files_read(path, NULL);
    REQUIRE(vkey != NULL && key_text != NULL);
    vkey[strcspn(vkey, "\n")] = '\0';
    CHECK(strncmp(vkey, "localhost/credlog-dev+", 22) == 0);

    /* The banner: the log key and a ready-to-paste credlog command. */
    {
        struct wait w = wait_begin(10000);
        for (;;) {
            out = files_read(scratch.out_path, NULL);
            if ((out != NULL && strstr(out, "FILE\n") != NULL) ||
                !wait_more(&w))
                break;
            free(out);
        }
    }
    snprintf(want, sizeof want,
             "issue --log http://127.0.0.1:%u --log-key '%s' --key "
             "var/dev/demo-issuer.key FILE",
             port, vkey);
    CHECK_MSG(out != NULL && strstr(out, want) != NULL, "banner: %s",
              out ? out : "(none)");
    CHECK(out != NULL && strstr(out, vkey) != NULL);
    free(out);

    /* The demo issuer may issue; the receipt verifies with log.vkey. */
    CHECK(note_signer_parse(key_text, strlen(key_text), &demo) == 0);
    snprintf(url, sizeof url, "http://127.0.0.1:%u", port);
    if (client_http_open(url, NULL, &h) == 0) {
        struct issuer is;
        struct logd_proc view;
        struct entry e;
        uint8_t c[32], bytes[ENTRY_MAX_SIZE];
        json_t *arr = json_array(), *ans = NULL;
        is.s = demo;
        note_signer_verifier(&demo, &is.v);
        memset(&view, 0, sizeof view);
        CHECK(note_verifier_parse(vkey, strlen(vkey), &view.log_verifier) == 0);
        issuer_set_origin(view.log_verifier.name); /* the --dev log's */
        check_rand_cred(&rnd, c);
        issuer_entry(&e, ENTRY_ISSUE, c, &is, issuer_now_ms(), 0);
        size_t len = issuer_entry_bytes(&e, bytes);
        json_array_append_new(arr, issuer_submission_json(&e));
        CHECK(logd_api_post_entries(h, arr, &ans) == 200);
        CHECK(answer_receipt(
            &view, json_array_get(json_object_get(ans, "receipts"), 0), bytes,
            len, NULL, NULL));
        json_decref(ans);
        /* The demo issuer is authorized with its identity (logd/dev.h). */
        {
            int status = 0;
            json_t *iss = logd_api_get_json(h, "/v1/issuers", &status);
            json_t *id = json_object_get(
                json_array_get(json_object_get(iss, "issuers"), 0), "identity");
            CHECK(status == 200);
            CHECK(json_array_size(json_object_get(iss, "issuers")) == 1);
            CHECK(json_object_size(id) == 3);
            CHECK(json_is_string(json_object_get(id, "name")) &&
                  strcmp(json_string_value(json_object_get(id, "name")),
                         "Demo Issuer") == 0);
            CHECK(json_is_string(json_object_get(id, "dns")) &&
                  strcmp(json_string_value(json_object_get(id, "dns")),
                         "demo-issuer.example") == 0);
            CHECK(json_is_string(json_object_get(id, "did_web")) &&
                  strcmp(json_string_value(json_object_get(id, "did_web")),
                         "did:web:demo-issuer.example") == 0);
            json_decref(iss);
        }
        client_http_close(h);
        note_signer_wipe(&is.s);
    }
    note_signer_wipe(&demo);
    CHECK(logd_proc_stop(&scratch) == 0);

    /* Second start: same keys, same log. */
    CHECK(logd_proc_start_argv(&scratch, scratch.dir, dev_args) == 0);
    port = scratch.port;
    snprintf(path, sizeof path, "%s/var/dev/log.vkey", scratch.dir);
    out = files_read(path, NULL);
    CHECK(out != NULL && strncmp(out, vkey, strlen(vkey)) == 0);
    free(out);
    snprintf(url, sizeof url, "http://127.0.0.1:%u", port);
    if (port > 0 && client_http_open(url, NULL, &h) == 0) {
        struct logd_proc view;
        memset(&view, 0, sizeof view);
        note_verifier_parse(vkey, strlen(vkey), &view.log_verifier);
        CHECK(logd_api_checkpoint(h, &view, NULL, NULL) ==
              4); /* KEY MAP ISSUE MAP */
        client_http_close(h);
    }
    CHECK(logd_proc_stop(&scratch) == 0);
    free(vkey);
    free(key_text);
    logd_proc_cleanup(&scratch);
}

/* --dev writes its keys only as new files in a directory it owns: a symlink
 * planted where it writes log.key.tmp must not carry the key into another
 * file, and a key directory others may write to is refused. */
static void test_dev_key_files(void)
{
    struct logd_proc scratch; /* for its directory, log and port files */
    char path[800], dev[700], victim[700], *text;

    REQUIRE(logd_proc_init(&scratch, "scratch.example", NULL, 0) == 0);
    snprintf(path, sizeof path, "%s/var", scratch.dir);
    snprintf(dev, sizeof dev, "%s/var/dev", scratch.dir);
    REQUIRE(mkdir(path, 0700) == 0 && mkdir(dev, 0700) == 0);
    snprintf(victim, sizeof victim, "%s/victim", scratch.dir);
    REQUIRE(files_write_mode(victim, "not a key\n", 0644) == 0);
    snprintf(path, sizeof path, "%s/log.key.tmp", dev);
    REQUIRE(symlink(victim, path) == 0);

    CHECK(logd_proc_start_argv(&scratch, scratch.dir, dev_args) != 0);
    logd_proc_stop(&scratch); /* in case it started */
    text = files_read(victim, NULL);
    CHECK_MSG(text != NULL && strcmp(text, "not a key\n") == 0,
              "the planted symlink's target now holds: %s",
              text ? text : "(nothing)");
    free(text);
    CHECK(logd_proc_log_contains(&scratch, "log.key.tmp is in the way"));
    snprintf(path, sizeof path, "%s/log.key", dev);
    CHECK(!files_exists(path));
    logd_proc_cleanup(&scratch);

    /* A key directory that others may write to (and so plant files in). */
    REQUIRE(logd_proc_init(&scratch, "scratch.example", NULL, 0) == 0);
    snprintf(path, sizeof path, "%s/var", scratch.dir);
    snprintf(dev, sizeof dev, "%s/var/dev", scratch.dir);
    REQUIRE(mkdir(path, 0700) == 0 && mkdir(dev, 0700) == 0);
    REQUIRE(chmod(dev, 0777) == 0);
    CHECK(logd_proc_start_argv(&scratch, scratch.dir, dev_args) != 0);
    logd_proc_stop(&scratch);
    CHECK(logd_proc_log_contains(&scratch, "writable by group or others"));
    snprintf(path, sizeof path, "%s/log.key", dev);
    CHECK(!files_exists(path));

    /* Once the directory is the owner's alone, --dev starts. */
    REQUIRE(chmod(dev, 0700) == 0);
    CHECK(logd_proc_start_argv(&scratch, scratch.dir, dev_args) == 0);
    CHECK(files_mode(path) == 0600);
    CHECK(logd_proc_stop(&scratch) == 0);
    logd_proc_cleanup(&scratch);
}

/* An issuers file that group or others may write to is refused at start
 * (logd exits) and on SIGHUP (the current keys are kept). */
static void test_issuers_file_mode(void)
{
    struct issuer a, b;
    struct note_verifier both[2];
    struct logd_proc p;

    issuer_make(&a, "a.example");
    issuer_make(&b, "b.example");
    both[0] = a.v;
    both[1] = b.v;
    REQUIRE(logd_proc_init(&p, "mode.example/log", &a.v, 1) == 0);

    chmod(p.issuers_path, 0666);
    CHECK(logd_proc_start(&p, NULL) != 0);
    logd_proc_stop(&p); /* in case it started */
    CHECK(logd_proc_log_contains(&p, "writable by group or others"));
    chmod(p.issuers_path, 0620);
    CHECK(logd_proc_start(&p, NULL) != 0);
    logd_proc_stop(&p);
    chmod(p.issuers_path, 0644);
    REQUIRE(logd_proc_start(&p, NULL) == 0);

    /* A SIGHUP with a new key in a file others may write: refused. */
    REQUIRE(logd_proc_write_issuers(&p, both, 2) == 0);
    chmod(p.issuers_path, 0646);
    logd_proc_signal(&p, SIGHUP);
    CHECK(logd_proc_wait_log(&p, "keeping the current issuer keys", 10000));
    CHECK(!logd_proc_log_contains(&p, "issuer key added: b.example"));
    {
        struct client_http *h;
        int status;
        json_t *j;
        REQUIRE(client_http_open(p.url, NULL, &h) == 0);
        j = logd_api_get_json(h, "/v1/issuers", &status);
        CHECK(status == 200);
        CHECK(json_array_size(json_object_get(j, "issuers")) == 1);
        json_decref(j);
        client_http_close(h);
    }
    /* The same file made the owner's alone: applied. */
    chmod(p.issuers_path, 0644);
    logd_proc_signal(&p, SIGHUP);
    CHECK(logd_proc_wait_log(&p, "issuer key added: b.example+", 10000));
    CHECK(logd_proc_stop(&p) == 0);
    logd_proc_cleanup(&p);
    note_signer_wipe(&a.s);
    note_signer_wipe(&b.s);
}

static void test_start_refusals(void)
{
    struct issuer a;
    struct logd_proc p, q;
    FILE *f;

    issuer_make(&a, "a.example");
    REQUIRE(logd_proc_init(&p, "refuse.example/log", &a.v, 1) == 0);

    chmod(p.key_path, 0640);
    CHECK(logd_proc_start(&p, NULL) != 0);
    CHECK(logd_proc_log_contains(&p, "accessible by group or others"));
    chmod(p.key_path, 0600);

    f = fopen(p.issuers_path, "w");
    fputs("# comment\nnot-a-key\n", f);
    fclose(f);
    CHECK(logd_proc_start(&p, NULL) != 0);
    CHECK(logd_proc_log_contains(&p, "line 2"));
    CHECK(logd_proc_write_issuers(&p, &a.v, 1) == 0);

    /* Start once, then a SIGHUP with a broken file keeps the keys. */
    REQUIRE(logd_proc_start(&p, NULL) == 0);
    f = fopen(p.issuers_path, "w");
    fputs("garbage\n", f);
    fclose(f);
    logd_proc_signal(&p, SIGHUP);
    CHECK(logd_proc_wait_log(&p, "keeping the current issuer keys", 10000));
    /* A second logd on the same port is refused (SO_REUSEPORT would
     * otherwise let it take half of the connections). */
    {
        char listen[64];
        snprintf(listen, sizeof listen, "127.0.0.1:%u", p.port);
        REQUIRE(logd_proc_init(&q, "second.example/log", &a.v, 1) == 0);
        CHECK(logd_proc_start(
                  &q, (const char *const[]){"--listen", listen, NULL}) != 0);
        CHECK(logd_proc_log_contains(&q, "Address already in use"));
        logd_proc_cleanup(&q);
        /* And a second logd on the same data directory. */
        REQUIRE(logd_proc_init_key(&q, &p.log_key, &a.v, 1) == 0);
        snprintf(q.data, sizeof q.data, "%s", p.data);
        CHECK(logd_proc_start(&q, NULL) != 0);
        CHECK(logd_proc_log_contains(&q, "another logd is using it"));
        logd_proc_cleanup(&q);
    }
    CHECK(logd_proc_stop(&p) == 0);
    CHECK(logd_proc_write_issuers(&p, &a.v, 1) == 0);

    /* Another log key on this data directory is refused. */
    REQUIRE(logd_proc_init(&q, "other.example/log", &a.v, 1) == 0);
    snprintf(q.data, sizeof q.data, "%s", p.data);
    CHECK(logd_proc_start(&q, NULL) != 0);
    CHECK(logd_proc_log_contains(&q, "belongs to another log key"));
    logd_proc_cleanup(&q);

    /* A data directory that is a file. */
    REQUIRE(logd_proc_init(&q, "file.example/log", &a.v, 1) == 0);
    f = fopen(q.data, "w");
    fclose(f);
    CHECK(logd_proc_start(&q, NULL) != 0);
    CHECK(logd_proc_log_contains(&q, q.data));
    logd_proc_cleanup(&q);

    logd_proc_cleanup(&p);
    note_signer_wipe(&a.s);
}

/* A replica's copy holds the primary's log under the same log key, so a
 * primary started on it (with that key) would have signed a fork of it. */
static void test_replica_dir_refused(void)
{
    struct issuer a;
    struct logd_proc p, r;
    struct client_http *h;
    char mdb[600], *before, *after;
    size_t before_len, after_len;
    int64_t size;

    issuer_make(&a, "a.example");
    REQUIRE(logd_proc_init(&p, "replicadir.example/log", &a.v, 1) == 0);
    REQUIRE(logd_proc_start(&p, NULL) == 0);
    REQUIRE(client_http_open(p.url, NULL, &h) == 0);
    size = logd_api_checkpoint(h, &p, NULL, NULL);
    client_http_close(h);
    REQUIRE(size > 0);

    REQUIRE(logd_proc_init_key(&r, &p.log_key, &a.v, 1) == 0);
    {
        const char *args[] = {
            "--replica-of", p.url,         "--log-key",
            p.log_vkey,     "--data",      r.data,
            "--listen",     "127.0.0.1:0", "--replica-interval",
            "20ms",         NULL};
        REQUIRE(logd_proc_start_argv(&r, NULL, args) == 0);
        REQUIRE(client_http_open(r.url, NULL, &h) == 0);
        {
            struct wait w = wait_begin(30000);
            while (logd_api_checkpoint(h, &r, NULL, NULL) != size &&
                   wait_more(&w))
                ;
        }
        CHECK(logd_api_checkpoint(h, &r, NULL, NULL) == size);
        client_http_close(h);
        CHECK(logd_proc_stop(&r) == 0);

        snprintf(mdb, sizeof mdb, "%s/data.mdb", r.data);
        before = files_read(mdb, &before_len);
        CHECK(logd_proc_run_to_exit(&r, NULL) == 1);
        CHECK(logd_proc_log_contains(&r, "is a replica's data directory"));
        CHECK(logd_proc_log_contains(&r, "refusing to start"));
        after = files_read(mdb, &after_len);
        CHECK(before != NULL && after != NULL && before_len == after_len &&
              memcmp(before, after, before_len) == 0);
        free(before);
        free(after);

        /* As a replica it starts there again. */
        REQUIRE(logd_proc_start_argv(&r, NULL, args) == 0);
        REQUIRE(client_http_open(r.url, NULL, &h) == 0);
        CHECK(logd_api_checkpoint(h, &r, NULL, NULL) == size);
        client_http_close(h);
        CHECK(logd_proc_stop(&r) == 0);
    }
    logd_proc_cleanup(&r);
    CHECK(logd_proc_stop(&p) == 0);
    logd_proc_cleanup(&p);
    note_signer_wipe(&a.s);
}

struct inflight {
    struct logd_proc *p;
    struct issuer *is;
    uint8_t cred[32];
    int status;
    bool receipt_ok;
};

static void *post_one(void *arg)
{
    struct inflight *f = arg;
    struct client_http *h;
    struct entry e;
    uint8_t bytes[ENTRY_MAX_SIZE];
    json_t *arr = json_array(), *ans = NULL;

    if (client_http_open(f->p->url, NULL, &h) != 0)
        return NULL;
    issuer_entry(&e, ENTRY_ISSUE, f->cred, f->is, issuer_now_ms(), 0);
    size_t len = issuer_entry_bytes(&e, bytes);
    json_array_append_new(arr, issuer_submission_json(&e));
    f->status = logd_api_post_entries(h, arr, &ans);
    f->receipt_ok = answer_receipt(
        f->p, json_array_get(json_object_get(ans, "receipts"), 0), bytes, len,
        NULL, NULL);
    json_decref(ans);
    client_http_close(h);
    return NULL;
}

static void test_sigterm_inflight(void)
{
    struct issuer a;
    struct logd_proc p;
    struct inflight f;
    struct client_http *h;
    pthread_t t;
    char path[100], hex[65];
    int status;

    issuer_make(&a, "a.example");
    REQUIRE(logd_proc_init(&p, "inflight.example/log", &a.v, 1) == 0);
    REQUIRE(logd_proc_start(&p, (const char *const[]){"--batch-wait", "3000",
                                                      "--heartbeat", "0",
                                                      NULL}) == 0);
    memset(&f, 0, sizeof f);
    f.p = &p;
    f.is = &a;
    check_rand_cred(&rnd, f.cred);
    REQUIRE(client_http_open(p.url, NULL, &h) == 0);
    pthread_create(&t, NULL, post_one, &f);
    /* The request now waits in a 3 s batch window. */
    CHECK(logd_api_wait_metric(h, "credlog_pending_entries", 1, 10000));
    client_http_close(h);
    CHECK(logd_proc_stop(&p) == 0);
    pthread_join(t, NULL);
    CHECK_MSG(f.status == 200 && f.receipt_ok, "in-flight request: %d",
              f.status);

    REQUIRE(logd_proc_start(&p, NULL) == 0);
    REQUIRE(client_http_open(p.url, NULL, &h) == 0);
    codec_hex_encode(f.cred, 32, hex);
    snprintf(path, sizeof path, "/v1/status/%s", hex);
    json_t *st = logd_api_get_json(h, path, &status);
    CHECK(status == 200 && answer_status(&p, st, f.cred, "active"));
    json_decref(st);
    client_http_close(h);
    CHECK(logd_proc_stop(&p) == 0);
    logd_proc_cleanup(&p);
    note_signer_wipe(&a.s);
}

static void test_heartbeat(void)
{
    struct issuer a;
    struct logd_proc p;
    struct client_http *h;
    struct mirror m;
    int64_t s0, s1;

    issuer_make(&a, "a.example");
    REQUIRE(logd_proc_init(&p, "heartbeat.example/log", &a.v, 1) == 0);
    REQUIRE(logd_proc_start(
                &p, (const char *const[]){"--heartbeat", "1", NULL}) == 0);
    REQUIRE(client_http_open(p.url, NULL, &h) == 0);
    s0 = logd_api_checkpoint(h, &p, NULL, NULL);
    /* Not synchronization: the number of heartbeats in 2.3 s is the test. */
    usleep(2300000);
    s1 = logd_api_checkpoint(h, &p, NULL, NULL);
    CHECK_MSG(s1 >= s0 + 1 && s1 <= s0 + 3, "heartbeat: %lld -> %lld",
              (long long)s0, (long long)s1);
    memset(&m, 0, sizeof m);
    CHECK(mirror_fetch(h, &m, (uint64_t)s1) && mirror_replay(&m, NULL));
    mirror_free(&m);
    CHECK(logd_proc_log_contains(&p, "heartbeat"));
    client_http_close(h);
    CHECK(logd_proc_stop(&p) == 0);
    logd_proc_cleanup(&p);
    note_signer_wipe(&a.s);
}

/* A 1 MiB map must grow several times while 4,000 entries go in. */
static void test_map_growth(void)
{
    struct issuer a;
    struct logd_proc p;
    struct client_http *h;
    struct checkpoint cp;
    struct mirror m;
    uint8_t root[32];
    int bad = 0;

    issuer_make(&a, "a.example");
    REQUIRE(logd_proc_init(&p, "growth.example/log", &a.v, 1) == 0);
    REQUIRE(logd_proc_start(&p, (const char *const[]){"--map-size", "1048576",
                                                      "--heartbeat", "0",
                                                      NULL}) == 0);
    REQUIRE(client_http_open(p.url, NULL, &h) == 0);
    for (int req = 0; req < 4; req++) {
        json_t *arr = json_array(), *ans = NULL;
        for (int i = 0; i < 1000; i++) {
            struct entry e;
            uint8_t c[32];
            check_rand_cred(&rnd, c);
            issuer_entry(&e, ENTRY_ISSUE, c, &a, issuer_now_ms(), 0);
            json_array_append_new(arr, issuer_submission_json(&e));
        }
        if (logd_api_post_entries(h, arr, &ans) != 200)
            bad++;
        json_t *recs = json_object_get(ans, "receipts");
        for (size_t i = 0; i < json_array_size(recs); i += 97)
            bad += !answer_receipt(&p, json_array_get(recs, i), NULL, 0, NULL,
                                   NULL);
        json_decref(ans);
    }
    CHECK(bad == 0);
    CHECK(logd_proc_log_contains(&p, "storage map grown"));
    CHECK(logd_api_checkpoint(h, &p, &cp, NULL) == 4000 + 2 + 4);
    memset(&m, 0, sizeof m);
    CHECK(mirror_fetch(h, &m, cp.size) && mirror_replay(&m, NULL));
    naive_mth((const uint8_t(*)[32])m.leaf, m.n, root);
    CHECK(memcmp(root, cp.root, 32) == 0);
    mirror_free(&m);
    client_http_close(h);
    CHECK(logd_proc_stop(&p) == 0);
    logd_proc_cleanup(&p);
    note_signer_wipe(&a.s);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    logd_proc_require();
    test_dev();
    test_dev_key_files();
    test_issuers_file_mode();
    test_start_refusals();
    test_replica_dir_refused();
    test_sigterm_inflight();
    test_heartbeat();
    test_map_growth();
    return check_finish();
}
