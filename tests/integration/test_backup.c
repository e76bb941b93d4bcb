/*
 * test_backup.c: docs/operations.md "Backup and restore", done as an
 * operator would, against real logds on loopback:
 *  - a log under load (two clients submitting ISSUEs and REVOKEs, every
 *    receipt verified) is backed up with `mdb_copy -c` while it commits;
 *    the load goes on after the copy, so the log grows past the backup;
 *  - the copy is restored into a new data directory; `logd --min-size`
 *    with the size the log has published since refuses to start on it
 *    (exit 1, the reason logged, data.mdb not touched), as it must: the
 *    log has published checkpoints the backup lacks, and serving the
 *    backup would fork it;
 *  - with `--min-size` at the size seen when the backup began, logd
 *    starts on the restored copy; its checkpoint (signed by the log key)
 *    is at least that size and at most the final one, and is the root of
 *    the original log's first entries of that size; read back through
 *    its tiles (tests/support/mirror.c) every entry is the original's
 *    byte for byte, every acknowledged entry below that size is at its
 *    receipt's index, the log replays (KEY entries, signatures, every MAP
 *    root recomputed); status proofs from the restored log agree with
 *    what was acknowledged; and it takes new submissions.
 *  - `--min-size` takes a number only (exit 2 otherwise).
 * Needs mdb_copy (Debian's lmdb-utils; scripts/deps.sh test).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
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
#include "wait.h"

#define WORKERS 2
#define PER_REQUEST 25
#define STORED_MAX 128 /* our entries are ~120 bytes */

/* An acknowledged entry: its receipt's index and its bytes. */
struct ack {
    uint64_t index;
    uint8_t cred[32];
    uint8_t bytes[STORED_MAX];
    uint8_t len;
    bool revoke;
};

static struct logd_proc P;
static struct issuer A;
static struct ack *acks;
static size_t nacks, capacks;
static pthread_mutex_t ack_mu = PTHREAD_MUTEX_INITIALIZER;
static atomic_int stop_load;
static atomic_ulong acked, bad;

static void record(const struct ack *a)
{
    pthread_mutex_lock(&ack_mu);
    if (nacks == capacks) {
        capacks = capacks ? 2 * capacks : 8192;
        acks = realloc(acks, capacks * sizeof *acks);
        if (acks == NULL)
            abort();
    }
    acks[nacks++] = *a;
    pthread_mutex_unlock(&ack_mu);
}

/* Submits PER_REQUEST entries until stop_load: new ISSUEs, and REVOKEs of
 * some of this worker's acknowledged ISSUEs; verifies every receipt. */
static void *worker_main(void *arg)
{
    uint64_t rnd = 0x9e3779b97f4a7c15ULL * (uintptr_t)arg + 1;
    uint8_t(*issued)[32] = NULL;
    size_t nissued = 0, capissued = 0, next_revoke = 0;
    struct client_http *h;

    if (client_http_open(P.url, NULL, &h) != 0)
        abort();
    while (!atomic_load(&stop_load)) {
        struct ack want[PER_REQUEST];
        json_t *arr = json_array(), *ans = NULL, *recs;
        int status;

        for (size_t i = 0; i < PER_REQUEST; i++) {
            uint8_t buf[ENTRY_MAX_SIZE];
            struct entry e;
            size_t n;
            bool revoke = i % 5 == 4 && next_revoke < nissued;

            memset(&want[i], 0, sizeof want[i]);
            if (revoke)
                memcpy(want[i].cred, issued[next_revoke++], 32);
            else
                check_rand_cred(&rnd, want[i].cred);
            want[i].revoke = revoke;
            issuer_entry(&e, revoke ? ENTRY_REVOKE : ENTRY_ISSUE, want[i].cred,
                         &A, issuer_now_ms(), revoke ? issuer_reason(i) : 0);
            n = issuer_entry_bytes(&e, buf);
            if (n > STORED_MAX)
                abort();
            memcpy(want[i].bytes, buf, n);
            want[i].len = (uint8_t)n;
            json_array_append_new(arr, issuer_submission_json(&e));
        }
        status = logd_api_post_entries(h, arr, &ans);
        recs = json_object_get(ans, "receipts");
        if (status != 200 || json_array_size(recs) != PER_REQUEST) {
            atomic_fetch_add(&bad, 1);
            fprintf(stderr, "worker: status %d\n", status);
            json_decref(ans);
            break;
        }
        for (size_t i = 0; i < PER_REQUEST; i++) {
            if (!answer_receipt(&P, json_array_get(recs, i), want[i].bytes,
                                want[i].len, &want[i].index, NULL)) {
                atomic_fetch_add(&bad, 1);
                continue;
            }
            record(&want[i]);
            atomic_fetch_add(&acked, 1);
            if (!want[i].revoke) {
                if (nissued == capissued) {
                    capissued = capissued ? 2 * capissued : 1024;
                    issued = realloc(issued, capissued * sizeof *issued);
                    if (issued == NULL)
                        abort();
                }
                memcpy(issued[nissued++], want[i].cred, 32);
            }
        }
        json_decref(ans);
    }
    free(issued);
    client_http_close(h);
    return NULL;
}

/* Waits until at least n entries have been acknowledged in all. */
static bool wait_acked(unsigned long n)
{
    struct wait w = wait_begin(120000);

    while (atomic_load(&acked) < n && atomic_load(&bad) == 0 && wait_more(&w))
        ;
    return atomic_load(&acked) >= n;
}

/* Runs argv (argv[0] looked up in $PATH), output to log; returns its exit
 * status, or -1. */
static int run(const char *const *argv, const char *log)
{
    int status;
    pid_t pid;

    fflush(NULL);
    pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
        }
        execvp(argv[0], (char *const *)argv);
        _exit(127);
    }
    if (!wait_child(pid, 60000, &status)) {
        kill(pid, SIGKILL);
        wait_child(pid, 10000, NULL);
        return -1;
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Whether a program is on $PATH. */
static bool on_path(const char *name)
{
    const char *path = getenv("PATH");
    char dir[4096], file[4200];

    if (path == NULL)
        return false;
    snprintf(dir, sizeof dir, "%s", path);
    for (char *save = NULL, *d = strtok_r(dir, ":", &save); d != NULL;
         d = strtok_r(NULL, ":", &save)) {
        snprintf(file, sizeof file, "%s/%s", d, name);
        if (access(file, X_OK) == 0)
            return true;
    }
    return false;
}

/* Copies the file from to the new file to, mode 0600 (as logd's own). */
static bool copy_file(const char *from, const char *to)
{
    size_t len;
    char *data = files_read(from, &len);
    int fd = open(to, O_WRONLY | O_CREAT | O_EXCL, 0600);
    bool ok = data != NULL && fd >= 0 && write(fd, data, len) == (ssize_t)len &&
              fsync(fd) == 0;

    if (fd >= 0)
        close(fd);
    free(data);
    return ok;
}

/* Whether entry i of the restored copy r is entry i of the original o. */
static bool same_entry(const struct mirror *r, const struct mirror *o,
                       uint64_t i)
{
    size_t len;
    const uint8_t *b = mirror_entry(r, i, &len);

    return b != NULL && mirror_entry_is(o, i, b, len);
}

static void test_backup_restore(void)
{
    struct logd_proc Q;
    struct client_http *h;
    struct checkpoint cp_final, cp_q;
    struct mirror orig = {0}, rest = {0};
    pthread_t t[WORKERS];
    char backup[512], copy_log[600], data_mdb[600], q_mdb[600], num[32];
    char *before_bytes, *after_bytes;
    size_t before_len, after_len;
    int64_t s_before, s_final, s_q;
    uint8_t root[32];
    uint64_t lost = 0, checked = 0;
    unsigned long at_copy;

    issuer_make(&A, "backup.example");
    REQUIRE(logd_proc_init(&P, "backup.example/log", &A.v, 1) == 0);
    REQUIRE(logd_proc_start(&P, NULL) == 0);
    for (uintptr_t i = 0; i < WORKERS; i++)
        REQUIRE(pthread_create(&t[i], NULL, worker_main, (void *)i) == 0);

    /* The backup, taken while the clients submit. */
    REQUIRE(wait_acked(3000));
    REQUIRE(client_http_open(P.url, NULL, &h) == 0);
    s_before = logd_api_checkpoint(h, &P, NULL, NULL);
    REQUIRE(s_before > 0);
    files_tmpdir(backup, sizeof backup, "backup");
    snprintf(copy_log, sizeof copy_log, "%s.log", backup);
    at_copy = atomic_load(&acked);
    CHECK(run((const char *const[]){"mdb_copy", "-c", P.data, backup, NULL},
              copy_log) == 0);
    /* The log goes on growing past the backup. */
    CHECK(wait_acked(at_copy + 2000));
    atomic_store(&stop_load, 1);
    for (int i = 0; i < WORKERS; i++)
        pthread_join(t[i], NULL);
    CHECK(atomic_load(&bad) == 0);
    s_final = logd_api_checkpoint(h, &P, &cp_final, NULL);
    REQUIRE(s_final > s_before);
    CHECK(mirror_fetch(h, &orig, (uint64_t)s_final));
    client_http_close(h);
    CHECK(logd_proc_stop(&P) == 0);

    /* Restored into a new data directory, with the same key. */
    REQUIRE(logd_proc_init_key(&Q, &P.log_key, &A.v, 1) == 0);
    REQUIRE(mkdir(Q.data, 0700) == 0);
    snprintf(data_mdb, sizeof data_mdb, "%s/data.mdb", backup);
    snprintf(q_mdb, sizeof q_mdb, "%s/data.mdb", Q.data);
    REQUIRE(copy_file(data_mdb, q_mdb));

    /* Told the size the log has published, logd refuses the old copy and
     * leaves it as it was. */
    before_bytes = files_read(q_mdb, &before_len);
    snprintf(num, sizeof num, "%lld", (long long)s_final);
    CHECK(logd_proc_run_to_exit(
              &Q, (const char *const[]){"--min-size", num, NULL}) == 1);
    CHECK(logd_proc_log_contains(&Q, "fewer than --min-size"));
    CHECK(logd_proc_log_contains(&Q, "refusing to start"));
    after_bytes = files_read(q_mdb, &after_len);
    CHECK(before_bytes != NULL && after_bytes != NULL &&
          before_len == after_len &&
          memcmp(before_bytes, after_bytes, before_len) == 0);
    free(before_bytes);
    free(after_bytes);
    CHECK(logd_proc_run_to_exit(
              &Q, (const char *const[]){"--min-size", "12x", NULL}) == 2);

    /* At the size seen when the backup began, it starts. */
    snprintf(num, sizeof num, "%lld", (long long)s_before);
    REQUIRE(logd_proc_start(
                &Q, (const char *const[]){"--min-size", num, NULL}) == 0);
    REQUIRE(client_http_open(Q.url, NULL, &h) == 0);
    s_q = logd_api_checkpoint(h, &Q, &cp_q, NULL);
    CHECK_MSG(s_q >= s_before && s_q < s_final,
              "restored size %lld, backup began at %lld, final %lld",
              (long long)s_q, (long long)s_before, (long long)s_final);
    REQUIRE(s_q > 0 && s_q <= s_final);
    CHECK(strcmp(cp_q.origin, cp_final.origin) == 0);
    naive_mth((const uint8_t(*)[32])orig.leaf, (uint64_t)s_q, root);
    CHECK(memcmp(root, cp_q.root, 32) == 0);

    /* Every entry, the tiles and the map of the restored log. */
    CHECK(mirror_fetch(h, &rest, (uint64_t)s_q));
    CHECK(mirror_replay(&rest, NULL));
    for (uint64_t i = 0; i < rest.n; i++)
        if (!same_entry(&rest, &orig, i)) {
            CHECK_MSG(false, "restored entry %llu differs",
                      (unsigned long long)i);
            break;
        }
    for (size_t i = 0; i < nacks; i++) {
        if (acks[i].index >= (uint64_t)s_q) {
            lost++;
            continue;
        }
        if (!mirror_entry_is(&rest, acks[i].index, acks[i].bytes,
                             acks[i].len)) {
            CHECK_MSG(false, "acknowledged entry %llu is not in the restore",
                      (unsigned long long)acks[i].index);
            break;
        }
        checked++;
    }
    CHECK(checked > 0);
    /* What the restore lacks: why --min-size must stop it. */
    CHECK(lost > 0);
    fprintf(stderr,
            "backup began at %lld entries, holds %lld, log went on to "
            "%lld; %llu acknowledged entries checked in the restore, %llu "
            "after it\n",
            (long long)s_before, (long long)s_q, (long long)s_final,
            (unsigned long long)checked, (unsigned long long)lost);

    /* Status proofs from the restored log: a sample of the ISSUEs, active
     * unless their REVOKE is in the restored part. */
    for (size_t i = 0; i < nacks; i += nacks / 40 + 1) {
        const char *want = "active";
        char path[100], hex[65];
        json_t *st;
        int status;

        if (acks[i].revoke || acks[i].index >= (uint64_t)s_q)
            continue;
        for (size_t j = 0; j < nacks; j++)
            if (acks[j].revoke && acks[j].index < (uint64_t)s_q &&
                memcmp(acks[j].cred, acks[i].cred, 32) == 0)
                want = "revoked";
        codec_hex_encode(acks[i].cred, 32, hex);
        snprintf(path, sizeof path, "/v1/status/%s", hex);
        st = logd_api_get_json(h, path, &status);
        CHECK(status == 200 && answer_status(&Q, st, acks[i].cred, want));
        json_decref(st);
    }

    /* And it takes submissions again. */
    {
        uint8_t cred[32];
        uint64_t r = 7;
        struct entry e;
        json_t *arr = json_array(), *ans = NULL;
        check_rand_cred(&r, cred);
        issuer_entry(&e, ENTRY_ISSUE, cred, &A, issuer_now_ms(), 0);
        json_array_append_new(arr, issuer_submission_json(&e));
        CHECK(logd_api_post_entries(h, arr, &ans) == 200);
        json_decref(ans);
        CHECK(logd_api_checkpoint(h, &Q, NULL, NULL) > s_q);
    }
    client_http_close(h);
    CHECK(logd_proc_stop(&Q) == 0);
    mirror_free(&orig);
    mirror_free(&rest);
    logd_proc_cleanup(&Q);
    logd_proc_cleanup(&P);
    if (getenv("CREDLOG_KEEP_TMP") == NULL) {
        files_rmtree(backup);
        unlink(copy_log);
    }
    issuer_wipe(&A);
    free(acks);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    logd_proc_require();
    if (!on_path("mdb_copy"))
        check_skip("mdb_copy is not installed (Debian: lmdb-utils; "
                   "scripts/deps.sh test installs it)");
    test_backup_restore();
    return check_finish();
}
