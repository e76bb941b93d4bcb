/*
 * test_faults.c: storage faults, with the real logd.
 *  - disk full: logd runs under a low file size limit (RLIMIT_FSIZE), so
 *    its LMDB file stops growing exactly as on a full disk. Submissions get
 *    503 with a JSON error saying so; nothing of the refused batches is in
 *    the log (checkpoint, status proofs, tiles); reads keep working; a
 *    SIGHUP that removes a key is not forgotten. Once the limit is raised
 *    (prlimit on the running logd) the same submissions succeed, the key
 *    removal is applied, and the whole log replays;
 *  - the map at its size limit (--map-max): 503, nothing appended, reads
 *    work; a restart with a larger limit takes the same submissions;
 *  - a map that cannot be mapped larger (address space limit, RLIMIT_AS):
 *    503, and logd recovers by itself once the limit is raised (not under
 *    AddressSanitizer, valgrind ($CREDLOG_VALGRIND) or a $LOGD_WRAPPER,
 *    which need the address space);
 *  - a data directory that cannot be opened or written stops logd at start
 *    with a clear reason: not an LMDB file, no room for its first pages,
 *    and (when not root) no permission.
 * test_logd_lifecycle.c covers the other start refusals (a file instead of
 * a directory, another log's key, another logd on it).
 */
#define _GNU_SOURCE /* prlimit */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "answer.h"
#include "check.h"
#include "client/http.h"
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
#include <sys/resource.h>
#include <sys/stat.h>

static uint64_t rnd = 4242;

/* Every receipt the test got: it must stay in the log. */
struct acked {
    uint64_t index;
    uint8_t bytes[ENTRY_MAX_SIZE];
    size_t len;
};

static struct acked *acked;
static size_t nacked, capacked;

static void ack(uint64_t index, const uint8_t *bytes, size_t len)
{
    if (nacked == capacked) {
        capacked = capacked ? 2 * capacked : 1024;
        acked = realloc(acked, capacked * sizeof *acked);
        if (acked == NULL)
            abort();
    }
    acked[nacked].index = index;
    memcpy(acked[nacked].bytes, bytes, len);
    acked[nacked].len = len;
    nacked++;
}

/* A prepared request of n new ISSUEs. */
struct batch {
    size_t n;
    uint8_t (*cred)[32];
    uint8_t (*bytes)[ENTRY_MAX_SIZE];
    size_t *len;
    char *body;
};

static void batch_make(struct batch *b, const struct issuer *is, size_t n)
{
    json_t *arr = json_array(), *o = json_object();

    b->n = n;
    b->cred = malloc(n * sizeof *b->cred);
    b->bytes = malloc(n * sizeof *b->bytes);
    b->len = malloc(n * sizeof *b->len);
    for (size_t i = 0; i < n; i++) {
        struct entry e;
        check_rand_cred(&rnd, b->cred[i]);
        issuer_entry(&e, ENTRY_ISSUE, b->cred[i], is, issuer_now_ms(), 0);
        b->len[i] = issuer_entry_bytes(&e, b->bytes[i]);
        json_array_append_new(arr, issuer_submission_json(&e));
    }
    json_object_set_new(o, "entries", arr);
    b->body = json_dumps(o, JSON_COMPACT);
    json_decref(o);
}

static void batch_free(struct batch *b)
{
    free(b->cred);
    free(b->bytes);
    free(b->len);
    free(b->body);
    memset(b, 0, sizeof *b);
}

/* Posts b; on 200 checks and records every receipt. Returns the status and
 * the error message (if any) in msg. */
static int batch_post(struct client_http *h, const struct logd_proc *p,
                      const struct batch *b, char *msg, size_t msgcap)
{
    json_t *ans = NULL;
    int status = logd_api_post_raw(h, b->body, strlen(b->body), &ans);

    if (msg != NULL)
        snprintf(msg, msgcap, "%s",
                 json_is_string(json_object_get(ans, "error"))
                     ? json_string_value(json_object_get(ans, "error"))
                     : "");
    if (status == 200) {
        json_t *recs = json_object_get(ans, "receipts");
        int bad = 0;
        for (size_t i = 0; i < b->n; i++) {
            uint64_t idx;
            if (answer_receipt(p, json_array_get(recs, i), b->bytes[i],
                               b->len[i], &idx, NULL))
                ack(idx, b->bytes[i], b->len[i]);
            else
                bad++;
        }
        CHECK_MSG(bad == 0 && json_array_size(recs) == b->n,
                  "%d bad receipts of %zu", bad, b->n);
    }
    json_decref(ans);
    return status;
}

/* Asserts that none of b's credentials is in the log. */
static void check_absent(struct client_http *h, const struct logd_proc *p,
                         const struct batch *b)
{
    int bad = 0;

    for (size_t i = 0; i < b->n; i += b->n / 5 + 1) {
        char path[100], hex[65];
        int status;
        codec_hex_encode(b->cred[i], 32, hex);
        snprintf(path, sizeof path, "/v1/status/%s", hex);
        json_t *st = logd_api_get_json(h, path, &status);
        bad += status != 200 || !answer_status(p, st, b->cred[i], "unknown");
        json_decref(st);
    }
    CHECK_MSG(bad == 0, "%d credentials of a refused batch are in the log",
              bad);
}

/* Reads the whole log through tiles: it replays, its root is the
 * checkpoint's, and every acknowledged entry is at its index. */
static void check_log(struct client_http *h, const struct logd_proc *p)
{
    struct checkpoint cp;
    struct mirror m;
    uint8_t root[32];
    int64_t size = logd_api_checkpoint(h, p, &cp, NULL);
    size_t lost = 0;

    REQUIRE(size > 0);
    memset(&m, 0, sizeof m);
    CHECK(mirror_fetch(h, &m, (uint64_t)size));
    REQUIRE(m.n == (uint64_t)size);
    naive_mth((const uint8_t(*)[32])m.leaf, m.n, root);
    CHECK(memcmp(root, cp.root, 32) == 0);
    CHECK(mirror_replay(&m, NULL));
    for (size_t i = 0; i < nacked; i++)
        lost +=
            !mirror_entry_is(&m, acked[i].index, acked[i].bytes, acked[i].len);
    CHECK_MSG(lost == 0, "%zu acknowledged entries missing or changed", lost);
    mirror_free(&m);
}

/* Starts logd with a soft resource limit (inherited through fork and exec);
 * this process's own limit is restored at once. */
static int start_limited(struct logd_proc *p, const char *const *args,
                         int resource, rlim_t cur)
{
    struct rlimit old, lim;
    int rc;

    if (getrlimit(resource, &old) != 0)
        return -1;
    lim = old;
    lim.rlim_cur = cur;
    if (setrlimit(resource, &lim) != 0)
        return -1;
    rc = logd_proc_start(p, args);
    setrlimit(resource, &old);
    return rc;
}

static int set_limit(pid_t pid, int resource, rlim_t cur)
{
    struct rlimit lim;

    if (prlimit(pid, resource, NULL, &lim) != 0)
        return -1;
    lim.rlim_cur = cur;
    return prlimit(pid, resource, &lim, NULL);
}

static off_t file_size(const char *path)
{
    struct stat st;

    return stat(path, &st) == 0 ? st.st_size : -1;
}

static int64_t issuers_count(struct client_http *h)
{
    return logd_api_authorized_keys(h);
}

static void test_disk_full(void)
{
    static const char *const args[] = {"--heartbeat", "0", "--batch-wait", "2",
                                       NULL};
    struct issuer a1, a2, b1;
    struct note_verifier keys[3];
    struct logd_proc p;
    struct client_http *h = NULL;
    struct batch b, refused;
    char data_mdb[LOGD_PROC_PATH_MAX + 16], msg[400];
    int64_t before;
    off_t size0;
    int status = 0, tries;

    issuer_make(&a1, "avans.nl");
    issuer_make(&a2, "avans.nl");
    issuer_make(&b1, "tue.nl");
    keys[0] = a1.v;
    keys[1] = a2.v;
    keys[2] = b1.v;
    nacked = 0;
    REQUIRE(logd_proc_init(&p, "diskfull.example/log", keys, 3) == 0);
    REQUIRE(logd_proc_start(&p, args) == 0);
    REQUIRE(client_http_open(p.url, NULL, &h) == 0);
    batch_make(&b, &a1, 100);
    CHECK(batch_post(h, &p, &b, NULL, 0) == 200);
    batch_free(&b);
    client_http_close(h);
    CHECK(logd_proc_stop(&p) == 0);

    /* Room for a few more batches only. */
    snprintf(data_mdb, sizeof data_mdb, "%s/data.mdb", p.data);
    size0 = file_size(data_mdb);
    REQUIRE(size0 > 0);
    REQUIRE(start_limited(&p, args, RLIMIT_FSIZE,
                          (rlim_t)size0 + (200 << 10)) == 0);
    REQUIRE(client_http_open(p.url, NULL, &h) == 0);
    memset(&refused, 0, sizeof refused);
    for (tries = 0; tries < 100; tries++) {
        batch_make(&b, &a1, 200);
        before = logd_api_checkpoint(h, &p, NULL, NULL);
        status = batch_post(h, &p, &b, msg, sizeof msg);
        if (status != 200) {
            refused = b;
            break;
        }
        batch_free(&b);
    }
    CHECK_MSG(status == 503, "full disk: status %d after %d batches", status,
              tries);
    CHECK_MSG(strstr(msg, "disk is full") != NULL, "message: %s", msg);
    REQUIRE(refused.n > 0);
    CHECK(tries > 0); /* some batches fitted first */
    CHECK(logd_proc_wait_log(&p, "batch not committed: disk is full", 10000));
    /* Nothing of it was appended; reads work; it fails again while full. */
    CHECK(logd_api_checkpoint(h, &p, NULL, NULL) == before);
    check_absent(h, &p, &refused);
    check_log(h, &p);
    CHECK(batch_post(h, &p, &refused, NULL, 0) == 503);
    CHECK(logd_api_checkpoint(h, &p, NULL, NULL) == before);

    /* A key removal while full is retried with the next batch. A small
     * commit may still fit in the file's free pages: make room for the
     * meta pages only, and for the log lines (logd appends to its log). */
    REQUIRE(truncate(p.log_path, 0) == 0);
    CHECK(set_limit(p.pid, RLIMIT_FSIZE, 8192) == 0);
    CHECK(logd_proc_write_issuers(&p, keys, 2) == 0); /* b1 removed */
    CHECK(logd_proc_signal(&p, SIGHUP) == 0);
    CHECK(logd_proc_wait_log(&p, "issuer keys not updated yet (storage full)",
                             10000));
    CHECK(issuers_count(h) == 3);
    CHECK(logd_api_checkpoint(h, &p, NULL, NULL) == before);

    /* Room again: the same submissions go through; so does the removal. */
    CHECK(set_limit(p.pid, RLIMIT_FSIZE, RLIM_INFINITY) == 0);
    status = batch_post(h, &p, &refused, msg, sizeof msg);
    CHECK_MSG(status == 200, "after room: %d %s", status, msg);
    CHECK(logd_api_checkpoint(h, &p, NULL, NULL) > before);
    CHECK(issuers_count(h) == 2);
    CHECK(logd_proc_log_contains(&p, "issuer key removed: tue.nl+"));
    {
        struct batch nb;
        batch_make(&nb, &b1, 1);
        CHECK(batch_post(h, &p, &nb, NULL, 0) == 400); /* unknown key now */
        batch_free(&nb);
        batch_make(&nb, &a2, 50);
        CHECK(batch_post(h, &p, &nb, NULL, 0) == 200);
        batch_free(&nb);
    }
    batch_free(&refused);
    check_log(h, &p);
    client_http_close(h);
    CHECK(logd_proc_stop(&p) == 0);

    /* And everything persisted. */
    REQUIRE(logd_proc_start(&p, args) == 0);
    REQUIRE(client_http_open(p.url, NULL, &h) == 0);
    check_log(h, &p);
    client_http_close(h);
    CHECK(logd_proc_stop(&p) == 0);
    logd_proc_cleanup(&p);
    note_signer_wipe(&a1.s);
    note_signer_wipe(&a2.s);
    note_signer_wipe(&b1.s);
}

/* Submits 200-entry batches until one is refused; returns its status and
 * keeps the refused batch in *refused. */
static int fill_until_refused(struct client_http *h, const struct logd_proc *p,
                              const struct issuer *is, struct batch *refused,
                              char *msg, size_t msgcap, int64_t *before)
{
    int status = 0;

    memset(refused, 0, sizeof *refused);
    for (int tries = 0; tries < 400; tries++) {
        struct batch b;
        batch_make(&b, is, 200);
        *before = logd_api_checkpoint(h, p, NULL, NULL);
        status = batch_post(h, p, &b, msg, msgcap);
        if (status != 200) {
            *refused = b;
            return status;
        }
        batch_free(&b);
    }
    return status;
}

static void test_map_limit(void)
{
    struct issuer a;
    struct logd_proc p;
    struct client_http *h = NULL;
    struct batch refused;
    char msg[400];
    int64_t before = 0;
    int status;

    issuer_make(&a, "a.example");
    nacked = 0;
    REQUIRE(logd_proc_init(&p, "maplimit.example/log", &a.v, 1) == 0);
    REQUIRE(logd_proc_start(&p, (const char *const[]){
                                    "--heartbeat", "0", "--map-size", "1048576",
                                    "--map-max", "2097152", NULL}) == 0);
    REQUIRE(client_http_open(p.url, NULL, &h) == 0);
    status = fill_until_refused(h, &p, &a, &refused, msg, sizeof msg, &before);
    CHECK_MSG(status == 503, "map limit: status %d", status);
    CHECK_MSG(strstr(msg, "storage map is at its size limit") != NULL,
              "message: %s", msg);
    REQUIRE(refused.n > 0);
    CHECK(logd_proc_wait_log(&p, "storage map cannot grow beyond 2097152 bytes",
                             10000));
    CHECK(logd_api_checkpoint(h, &p, NULL, NULL) == before);
    check_absent(h, &p, &refused);
    check_log(h, &p);
    client_http_close(h);
    CHECK(logd_proc_stop(&p) == 0);

    /* A larger limit: the same submissions go through. */
    REQUIRE(logd_proc_start(&p, (const char *const[]){
                                    "--heartbeat", "0", "--map-size", "1048576",
                                    "--map-max", "8388608", NULL}) == 0);
    REQUIRE(client_http_open(p.url, NULL, &h) == 0);
    CHECK(batch_post(h, &p, &refused, NULL, 0) == 200);
    CHECK(logd_api_checkpoint(h, &p, NULL, NULL) > before);
    check_log(h, &p);
    batch_free(&refused);
    client_http_close(h);
    CHECK(logd_proc_stop(&p) == 0);
    logd_proc_cleanup(&p);
    note_signer_wipe(&a.s);
}

#if !defined(__SANITIZE_ADDRESS__)
static uint64_t vm_size(pid_t pid)
{
    char path[64], line[256];
    unsigned long long kb = 0;
    FILE *f;

    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    f = fopen(path, "r");
    if (f == NULL)
        return 0;
    while (fgets(line, sizeof line, f) != NULL)
        if (sscanf(line, "VmSize: %llu kB", &kb) == 1)
            break;
    fclose(f);
    return (uint64_t)kb * 1024;
}
#endif

/* The map cannot be mapped larger (address space limit): 503 while the
 * limit holds, then logd grows the map by itself. */
static void test_address_space(void)
{
#if defined(__SANITIZE_ADDRESS__)
    printf("address space limit: skipped under AddressSanitizer\n");
#else
    struct issuer a;
    struct logd_proc p;
    struct client_http *h = NULL;
    struct batch refused;
    char msg[400];
    int64_t before = 0;
    uint64_t vm;
    int status;

    if ((getenv("LOGD_WRAPPER") != NULL && getenv("LOGD_WRAPPER")[0] != '\0') ||
        getenv("CREDLOG_VALGRIND") != NULL) {
        printf(
            "address space limit: skipped under valgrind or $LOGD_WRAPPER\n");
        return;
    }
    issuer_make(&a, "a.example");
    nacked = 0;
    REQUIRE(logd_proc_init(&p, "vmlimit.example/log", &a.v, 1) == 0);
    REQUIRE(logd_proc_start(&p, (const char *const[]){
                                    "--heartbeat", "0", "--map-size", "4194304",
                                    "--threads", "2", NULL}) == 0);
    REQUIRE(client_http_open(p.url, NULL, &h) == 0);
    {
        struct batch b;
        batch_make(&b, &a, 200); /* warm up every thread's allocations */
        CHECK(batch_post(h, &p, &b, NULL, 0) == 200);
        batch_free(&b);
    }
    /* 4 MiB mapped now; 8 MiB more (the new map beside the old one) must
     * not fit, ordinary allocations must. */
    vm = vm_size(p.pid);
    REQUIRE(vm > 0);
    REQUIRE(set_limit(p.pid, RLIMIT_AS, (rlim_t)(vm + (6 << 20))) == 0);
    status = fill_until_refused(h, &p, &a, &refused, msg, sizeof msg, &before);
    CHECK_MSG(status == 503, "address space: status %d", status);
    CHECK_MSG(strstr(msg, "storage map is at its size limit") != NULL,
              "message: %s", msg);
    REQUIRE(refused.n > 0);
    CHECK(logd_proc_wait_log(&p, "storage map cannot grow beyond 4194304 bytes",
                             10000));
    CHECK(logd_api_checkpoint(h, &p, NULL, NULL) == before);
    check_absent(h, &p, &refused);

    CHECK(set_limit(p.pid, RLIMIT_AS, RLIM_INFINITY) == 0);
    CHECK(batch_post(h, &p, &refused, NULL, 0) == 200);
    CHECK(logd_proc_wait_log(&p, "storage map grown to 8388608 bytes", 10000));
    check_log(h, &p);
    batch_free(&refused);
    client_http_close(h);
    CHECK(logd_proc_stop(&p) == 0);
    logd_proc_cleanup(&p);
    note_signer_wipe(&a.s);
#endif
}

static void test_start_refusals(void)
{
    struct issuer a;
    struct logd_proc p;
    char path[LOGD_PROC_PATH_MAX + 16];
    int fd;

    issuer_make(&a, "a.example");

    /* data.mdb that is not an LMDB file. */
    REQUIRE(logd_proc_init(&p, "garbage.example/log", &a.v, 1) == 0);
    REQUIRE(mkdir(p.data, 0700) == 0);
    snprintf(path, sizeof path, "%s/data.mdb", p.data);
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    REQUIRE(fd >= 0);
    for (int i = 0; i < 64; i++)
        CHECK(write(fd, "this is not an LMDB file, just some bytes. ", 43) ==
              43);
    close(fd);
    CHECK(logd_proc_start(&p, NULL) != 0);
    CHECK(logd_proc_log_contains(&p, "cannot open storage"));
    CHECK(logd_proc_log_contains(&p, "not an LMDB file"));
    logd_proc_cleanup(&p);

    /* No room for the first pages of a new log (a full disk at start). */
    REQUIRE(logd_proc_init(&p, "nospace.example/log", &a.v, 1) == 0);
    CHECK(start_limited(&p, NULL, RLIMIT_FSIZE, 6000) != 0);
    CHECK(logd_proc_log_contains(&p, "cannot open storage") ||
          logd_proc_log_contains(&p, "cannot open the log"));
    CHECK(logd_proc_log_contains(&p, p.data));
    /* And with room it starts. */
    REQUIRE(logd_proc_start(&p, NULL) == 0);
    CHECK(logd_proc_stop(&p) == 0);
    logd_proc_cleanup(&p);

    /* No permission (root may write anywhere: only as another user). */
    if (geteuid() != 0) {
        REQUIRE(logd_proc_init(&p, "readonly.example/log", &a.v, 1) == 0);
        REQUIRE(mkdir(p.data, 0500) == 0);
        CHECK(logd_proc_start(&p, NULL) != 0);
        CHECK(logd_proc_log_contains(&p, "Permission denied"));
        chmod(p.data, 0700);
        logd_proc_cleanup(&p);
    }
    note_signer_wipe(&a.s);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    logd_proc_require();
    test_disk_full();
    test_map_limit();
    test_address_space();
    test_start_refusals();
    free(acked);
    return check_finish();
}
