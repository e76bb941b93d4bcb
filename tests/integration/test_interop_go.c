/*
 * test_interop_go.c: an outside verifier that knows only the C2SP and
 * RFC 6962 standards and the log's verifier key accepts the log. The
 * verifier is Go's reference implementation (golang.org/x/mod/sumdb/note
 * and sumdb/tlog, Debian's golang-golang-x-mod-dev) driven by
 * tests/interop/tlogcheck, built here with the `go` on PATH in GOPATH mode
 * without network into the build directory (tests/support/gotool.h).
 *
 *  - a real logd gets some six hundred ISSUE and REVOKE entries signed here,
 *    in several requests; every checkpoint seen is saved;
 *  - tlogcheck accepts it: the checkpoint signature, every hash tile and
 *    entry bundle, inclusion proofs for every index of every checkpoint,
 *    consistency proofs between all of them (see tests/interop/README.md);
 *  - and refuses (exit 1), so that the acceptance is not vacuous: another
 *    key with the same name; a saved checkpoint with a changed root; a
 *    second logd with the same log key but other entries (a fork) checked
 *    while holding the first log's checkpoint.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "answer.h"
#include "check.h"
#include "client/http.h"
#include "files.h"
#include "gotool.h"
#include "issuer.h"
#include "logd_api.h"
#include "logd_proc.h"
#include "proofs/entry.h"
#include "proofs/note.h"

#include <limits.h>

#define ORIGIN "interop.example/log"
#define MAX_CPS 32

static struct issuer A, B;
static uint64_t rnd = 0x1a7e0b5;
static char tool[PATH_MAX]; /* the built tlogcheck */

static char cps[MAX_CPS][LOGD_PROC_PATH_MAX + 32]; /* saved checkpoint files */
static size_t ncps;

/* Runs tlogcheck against url with vkey and the old checkpoint files (NULL
 * terminated list), with all its checks if full (else fewer random pairs and
 * no exhaustive check of Go's own proofs) and -flip flip if not NULL;
 * returns its exit status, output in out_path. */
static int tlogcheck(const char *url, const char *vkey, const char *const *olds,
                     bool full, const char *flip, const char *out_path)
{
    const char *argv[2 * MAX_CPS + 16];
    size_t n = 0;

    argv[n++] = tool;
    argv[n++] = "-url";
    argv[n++] = url;
    argv[n++] = "-vkey";
    argv[n++] = vkey;
    if (!full) {
        argv[n++] = "-random";
        argv[n++] = "20";
        argv[n++] = "-exhaustive";
        argv[n++] = "0";
    }
    if (flip != NULL) {
        argv[n++] = "-flip";
        argv[n++] = flip;
    }
    for (; olds != NULL && *olds != NULL && n < 2 * MAX_CPS + 12; olds++) {
        argv[n++] = "-old";
        argv[n++] = *olds;
    }
    argv[n] = NULL;
    printf("$ tlogcheck -url %s -vkey %s%s%s%s (+%zu -old)\n", url, vkey,
           full ? "" : " -random 20 -exhaustive 0",
           flip != NULL ? " -flip " : "", flip != NULL ? flip : "",
           (n - 5 - (full ? 0 : 4) - (flip != NULL ? 2 : 0)) / 2);
    return gotool_run(argv, out_path, 240);
}

/* Submits n entries of one type by is (ISSUE of new random credentials into
 * creds, or REVOKE of creds[0..n)), checks the receipts, and saves the
 * checkpoint of the last receipt as the next cp file in p's directory. */
static void submit(struct client_http *h, const struct logd_proc *p,
                   const struct issuer *is, uint8_t type, uint8_t (*creds)[32],
                   size_t n)
{
    json_t *arr = json_array(), *ans = NULL, *recs, *note;
    int status;

    for (size_t i = 0; i < n; i++) {
        struct entry e;
        if (type == ENTRY_ISSUE)
            check_rand_cred(&rnd, creds[i]);
        issuer_entry(&e, type, creds[i], is, issuer_now_ms(), issuer_reason(i));
        json_array_append_new(arr, issuer_submission_json(&e));
    }
    status = logd_api_post_entries(h, arr, &ans);
    CHECK_MSG(status == 200, "submission of %zu: status %d", n, status);
    recs = json_object_get(ans, "receipts");
    REQUIRE(json_array_size(recs) == n && n > 0);
    CHECK(answer_receipt(p, json_array_get(recs, 0), NULL, 0, NULL, NULL));
    CHECK(answer_receipt(p, json_array_get(recs, n - 1), NULL, 0, NULL, NULL));
    note = json_object_get(json_array_get(recs, n - 1), "checkpoint");
    if (ncps < MAX_CPS && json_is_string(note)) {
        snprintf(cps[ncps], sizeof cps[ncps], "%s/cp-%02zu", p->dir, ncps);
        CHECK(files_write_mode(cps[ncps], json_string_value(note), 0644) == 0);
        ncps++;
    }
    json_decref(ans);
}

/* Saves the current checkpoint of p into path. */
static bool save_checkpoint(struct client_http *h, const struct logd_proc *p,
                            const char *path, uint64_t *size)
{
    struct checkpoint cp;
    char *note = NULL;
    bool ok = logd_api_checkpoint(h, p, &cp, &note) > 0 &&
              files_write_mode(path, note, 0644) == 0;

    *size = cp.size;
    free(note);
    return ok;
}

int main(void)
{
    static uint8_t ca[1000][32], cb[1000][32], cf[1000][32];
    static const char *const extra[] = {"--heartbeat", "0", "--batch-wait", "2",
                                        NULL};
    struct logd_proc P1 = {0}, P2 = {0};
    struct client_http *h1 = NULL, *h2 = NULL;
    struct note_verifier keys[2];
    struct issuer other;
    char out[LOGD_PROC_PATH_MAX + 32], latest[LOGD_PROC_PATH_MAX + 32];
    char tampered[LOGD_PROC_PATH_MAX + 32], other_vkey[NOTE_KEY_TEXT_MAX];
    char fork_cp[LOGD_PROC_PATH_MAX + 32];
    const char *olds[MAX_CPS + 1];
    uint64_t size1 = 0, size2 = 0;
    static const struct {
        const char *kind, *want, *want2;
    } flips[] = {
        {"tile", "downloaded inconsistent tile", "FAIL: tlog.TreeHash"},
        {"entries", "FAIL: entry 0: tlog.RecordHash", "level-0 tile hash"},
        {"inclusion", "FAIL: inclusion (", "does not verify"},
        {"consistency", "FAIL: consistency (", "does not verify"},
    };
    int rc;

    signal(SIGPIPE, SIG_IGN);
    setvbuf(stdout, NULL, _IOLBF, 0);
    logd_proc_require();
    if (!gotool_require())
        return check_finish();
    issuer_make(&A, "avans.nl");
    issuer_make(&B, "tue.nl");
    keys[0] = A.v;
    keys[1] = B.v;
    if (logd_proc_init(&P1, ORIGIN, keys, 2) != 0 ||
        logd_proc_start(&P1, extra) != 0 ||
        client_http_open(P1.url, NULL, &h1) != 0) {
        CHECK_MSG(0, "could not start logd");
        logd_proc_cleanup(&P1);
        return check_finish();
    }
    if (!gotool_build("tlogcheck", P1.dir, tool, sizeof tool))
        goto done1;

    /* The log: ISSUE and REVOKE entries by two issuers in requests of many
     * sizes, so that the tree has a full tile, partial tiles at two levels
     * and checkpoints on both sides of the 256 boundary. */
    snprintf(cps[ncps], sizeof cps[ncps], "%s/cp-%02zu", P1.dir, ncps);
    CHECK(save_checkpoint(h1, &P1, cps[ncps++], &size1)); /* KEYs + MAP */
    submit(h1, &P1, &A, ENTRY_ISSUE, ca, 1);
    submit(h1, &P1, &A, ENTRY_ISSUE, ca + 1, 9);
    submit(h1, &P1, &B, ENTRY_ISSUE, cb, 120);
    submit(h1, &P1, &A, ENTRY_ISSUE, ca + 10, 200);
    submit(h1, &P1, &A, ENTRY_REVOKE, ca + 5, 40);
    submit(h1, &P1, &B, ENTRY_ISSUE, cb + 120, 3);
    submit(h1, &P1, &B, ENTRY_ISSUE, cb + 123, 150);
    submit(h1, &P1, &B, ENTRY_REVOKE, cb + 100, 30);
    submit(h1, &P1, &A, ENTRY_ISSUE, ca + 210, 60);
    snprintf(latest, sizeof latest, "%s/latest", P1.dir);
    CHECK(save_checkpoint(h1, &P1, latest, &size1));
    CHECK_MSG(size1 > 512 && ncps >= 10, "size %llu, %zu checkpoints",
              (unsigned long long)size1, ncps);
    for (size_t i = 0; i < ncps; i++)
        olds[i] = cps[i];
    olds[ncps] = NULL;

    /* Accepted. */
    snprintf(out, sizeof out, "%s/accept.out", P1.dir);
    rc = tlogcheck(P1.url, P1.log_vkey, olds, true, NULL, out);
    CHECK_MSG(rc == 0, "Go's sumdb/tlog does not accept the log (exit %d)", rc);
    CHECK(files_contain(out, "ACCEPTED"));

    /* Another key with the same name: refused at the signature. */
    issuer_make(&other, ORIGIN);
    CHECK(note_verifier_format(&other.v, other_vkey, sizeof other_vkey) > 0);
    snprintf(out, sizeof out, "%s/wrong-key.out", P1.dir);
    rc = tlogcheck(P1.url, other_vkey, NULL, false, NULL, out);
    CHECK_MSG(rc == 1, "another key named %s: exit %d, want 1", ORIGIN, rc);
    CHECK(files_contain(out, "checkpoint signature (GET /checkpoint)"));

    /* The checker's self-test: one bit flipped in what it reads from the log
     * (a hash tile, an entry bundle, an inclusion or a consistency proof
     * answer) must make it refuse the log. */
    for (size_t i = 0; i < sizeof flips / sizeof flips[0]; i++) {
        snprintf(out, sizeof out, "%s/flip-%s.out", P1.dir, flips[i].kind);
        rc = tlogcheck(P1.url, P1.log_vkey, NULL, false, flips[i].kind, out);
        CHECK_MSG(rc == 1, "-flip %s: exit %d, want 1", flips[i].kind, rc);
        CHECK_MSG(files_contain(out, flips[i].want) &&
                      files_contain(out, flips[i].want2),
                  "-flip %s: no \"%s\" or \"%s\"", flips[i].kind, flips[i].want,
                  flips[i].want2);
    }

    /* A saved checkpoint with its root changed: refused at the signature. */
    {
        char *text = NULL;
        struct checkpoint cp;
        logd_api_checkpoint(h1, &P1, &cp, &text);
        CHECK(text != NULL);
        if (text == NULL)
            goto done1;
        char *root = strchr(strchr(text, '\n') + 1, '\n') + 1;
        root[0] = root[0] == 'A' ? 'B' : 'A';
        snprintf(tampered, sizeof tampered, "%s/tampered", P1.dir);
        CHECK(files_write_mode(tampered, text, 0644) == 0);
        free(text);
        snprintf(out, sizeof out, "%s/tampered.out", P1.dir);
        rc = tlogcheck(P1.url, P1.log_vkey,
                       (const char *const[]){tampered, NULL}, false, NULL, out);
        CHECK_MSG(rc == 1, "tampered old checkpoint: exit %d, want 1", rc);
        CHECK(files_contain(out, "checkpoint signature"));
    }

    /* A fork: a second logd with the same log key and other entries, larger
     * than the first. Its own checkpoint is accepted; holding the first
     * log's checkpoint, it is refused for inconsistency. */
    if (logd_proc_init_key(&P2, &P1.log_key, keys, 2) != 0 ||
        logd_proc_start(&P2, extra) != 0 ||
        client_http_open(P2.url, NULL, &h2) != 0) {
        CHECK_MSG(0, "could not start the second logd");
        goto done2;
    }
    submit(h2, &P2, &B, ENTRY_ISSUE, cf, 400);
    submit(h2, &P2, &A, ENTRY_ISSUE, cf + 400, 300);
    snprintf(fork_cp, sizeof fork_cp, "%s/latest", P2.dir);
    CHECK(save_checkpoint(h2, &P2, fork_cp, &size2));
    CHECK_MSG(size2 > size1, "fork size %llu <= %llu",
              (unsigned long long)size2, (unsigned long long)size1);
    snprintf(out, sizeof out, "%s/fork-alone.out", P2.dir);
    rc = tlogcheck(P2.url, P1.log_vkey, NULL, false, NULL, out);
    CHECK_MSG(rc == 0, "the second log alone: exit %d, want 0", rc);
    snprintf(out, sizeof out, "%s/fork.out", P2.dir);
    rc = tlogcheck(P2.url, P1.log_vkey, (const char *const[]){latest, NULL},
                   false, NULL, out);
    CHECK_MSG(rc == 1, "fork: exit %d, want 1", rc);
    CHECK(files_contain(out, "is not a prefix of the latest tree"));
    CHECK(files_contain(out, "tlog.CheckTree"));

done2:
    client_http_close(h2);
    logd_proc_cleanup(&P2);
done1:
    client_http_close(h1);
    CHECK(logd_proc_stop(&P1) == 0);
    logd_proc_cleanup(&P1);
    return check_finish();
}
