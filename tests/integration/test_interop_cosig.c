/*
 * test_interop_cosig.c: the cosignatures of `credlog witness` verify with
 * the project's own verifier and with an outside one that knows only the
 * C2SP standards (issue 11). Go's golang.org/x/mod/sumdb/note has no
 * cosignature/v1 (key type 0x04), so tests/interop/cosigcheck opens the note
 * with note.Open and the log's key alone (the cosignature lines must stay
 * unknown, unverified signatures that do not break it) and verifies each
 * cosignature from the spec with crypto/ed25519 (tests/interop/README.md).
 *
 *  - a real logd and three real `credlog witness` processes; the test pushes
 *    the logd's checkpoint to each (old 0), reads back each witness's
 *    GET /<hex sha256(origin)>/checkpoint and appends its cosignature line to
 *    the logd's checkpoint note;
 *  - the note verifies with proofs/note.c (the log and all three witnesses),
 *    and cosigcheck accepts it (exit 0);
 *  - cosigcheck refuses (exit 1), so that the acceptance is not vacuous: one
 *    bit of the first cosignature flipped (-flip); a fourth witness key that
 *    did not cosign.
 */
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/sha.h>

#include "check.h"
#include "files.h"
#include "gotool.h"
#include "issuer.h"
#include "logd_proc.h"
#include "logd_raw.h"
#include "witness_proc.h"

#include "proofs/codec.h"
#include "proofs/note.h"

#define ORIGIN "cosig.interop.example/log"
#define NWIT 3
#define NOTE_CAP 8192

static char tool[PATH_MAX]; /* the built cosigcheck */
static struct logd_proc p;
static struct witness_proc wit[NWIT + 1]; /* wit[NWIT] never cosigns */

/* GETs path from 127.0.0.1:port into body (cap bytes, NUL-terminated).
 * Returns the HTTP status, or -1. */
static int get(unsigned port, const char *path, char *body, size_t cap)
{
    struct logd_raw_answer a = {0};
    char req[512];
    int n = snprintf(req, sizeof req,
                     "GET %s HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n",
                     path);
    int status = -1;

    if (logd_raw_exchange(port, req, (size_t)n, 0, 30000, &a) == 0) {
        status = a.status;
        snprintf(body, cap, "%s", a.body != NULL ? a.body : "");
    }
    logd_raw_answer_free(&a);
    return status;
}

/* Appends to note (cap bytes) the signature lines of cosigned (a witness's
 * GET answer) that are w's: "— <w's name> ...". The witness's note text
 * must equal note's. Returns the number of lines appended, or -1. */
static int append_cosignature(char *note, size_t cap, const char *cosigned,
                              const struct witness_proc *w)
{
    const char *text_end = strstr(note, "\n\n");
    const char *sigs = strstr(cosigned, "\n\n");
    char prefix[NOTE_NAME_MAX + 8];
    int found = 0;

    if (text_end == NULL || sigs == NULL ||
        sigs - cosigned != text_end - note ||
        memcmp(note, cosigned, (size_t)(text_end - note)) != 0) {
        CHECK_MSG(0, "witness %s serves another checkpoint text:\n%s", w->vkey,
                  cosigned);
        return -1;
    }
    snprintf(prefix, sizeof prefix, "\xe2\x80\x94 %s ", w->key.name);
    for (const char *line = sigs + 2; *line != '\0';) {
        const char *end = strchr(line, '\n');
        size_t len = end != NULL ? (size_t)(end - line) + 1 : strlen(line);

        if (strncmp(line, prefix, strlen(prefix)) == 0 &&
            strlen(note) + len < cap) {
            strncat(note, line, len);
            found++;
        }
        line += len;
    }
    return found;
}

/* Runs cosigcheck on note_path with the log key, the witness keys wv[0..n)
 * and -flip if flip; returns its exit status, output in out_path. */
static int cosigcheck(const char *note_path, const char *log_vkey,
                      const char *const *wv, size_t n, bool flip,
                      const char *out_path)
{
    const char *argv[2 * 8 + 8];
    size_t k = 0;

    argv[k++] = tool;
    argv[k++] = "-note";
    argv[k++] = note_path;
    argv[k++] = "-log";
    argv[k++] = log_vkey;
    for (size_t i = 0; i < n && i < 8; i++) {
        argv[k++] = "-witness";
        argv[k++] = wv[i];
    }
    if (flip)
        argv[k++] = "-flip";
    argv[k] = NULL;
    printf("$ cosigcheck -note %s -log %s (%zu -witness)%s\n", note_path,
           log_vkey, n, flip ? " -flip" : "");
    return gotool_run(argv, out_path, 120);
}

static void run(void)
{
    static char note[NOTE_CAP], cosigned[NOTE_CAP];
    struct note_verifier keys[NWIT + 1]; /* the log's, then wit[0..NWIT) */
    bool verified[NWIT + 1] = {false};
    struct issuer is;
    char path[700], out[700], logs[1024], hexh[65], wpath[80];
    const char *wv[NWIT + 1];
    uint8_t h[32];
    size_t text_len = 0;
    int rc;

    issuer_make(&is, "avans.nl");
    REQUIRE(logd_proc_init(&p, ORIGIN, &is.v, 1) == 0);
    REQUIRE(logd_proc_start(&p, NULL) == 0);
    if (!gotool_build("cosigcheck", p.dir, tool, sizeof tool))
        return;

    /* The logd's current checkpoint (its KEY and MAP entries). */
    REQUIRE(get(p.port, "/checkpoint", note, sizeof note) == 200);
    printf("logd checkpoint:\n%s", note);

    /* Three witnesses follow the log; each cosigns the checkpoint and serves
     * it back with the log's signature and its own cosignature. */
    snprintf(logs, sizeof logs, "logs/v0\nvkey %s\nqpd 86400\n", p.log_vkey);
    SHA256((const uint8_t *)ORIGIN, strlen(ORIGIN), h);
    codec_hex_encode(h, 32, hexh);
    snprintf(wpath, sizeof wpath, "/%s/checkpoint", hexh);
    for (int i = 0; i <= NWIT; i++) {
        char name[32];

        snprintf(name, sizeof name, "w%d.cosig.interop.example", i + 1);
        REQUIRE(witness_proc_init(&wit[i], name) == 0);
        if (i < NWIT)
            keys[i + 1] = wit[i].key;
        wv[i] = wit[i].vkey;
    }
    keys[0] = p.log_verifier;
    for (int i = 0; i < NWIT; i++) {
        REQUIRE(witness_proc_write_logs(&wit[i], logs) == 0);
        REQUIRE(witness_proc_start(&wit[i]) == 0);
        CHECK_MSG(witness_proc_push_new(&wit[i], note, NULL, 0) == 200,
                  "push to witness %d", i + 1);
        REQUIRE(get(wit[i].port, wpath, cosigned, sizeof cosigned) == 200);
        CHECK_MSG(append_cosignature(note, sizeof note, cosigned, &wit[i]) == 1,
                  "witness %d: not one cosignature line in\n%s", i + 1,
                  cosigned);
    }
    printf("with cosignatures:\n%s", note);
    snprintf(path, sizeof path, "%s/cosigned.note", p.dir);
    REQUIRE(files_write_mode(path, note, 0644) == 0);

    /* The project's own verifier: the log and all three witnesses. */
    CHECK(note_open(note, strlen(note), keys, NWIT + 1, &text_len, verified,
                    NULL) == 0);
    for (int i = 0; i <= NWIT; i++)
        CHECK_MSG(verified[i], "proofs/note.c: key %d did not verify", i);

    /* Go's note.Open with the log key alone, and each cosignature from the
     * spec: accepted. */
    snprintf(out, sizeof out, "%s/accept.out", p.dir);
    rc = cosigcheck(path, p.log_vkey, wv, NWIT, false, out);
    CHECK_MSG(rc == 0, "cosigcheck does not accept the cosignatures (exit %d)",
              rc);
    CHECK(files_contain(out, "ok: note.Open verified the log signature"));
    CHECK(files_contain(out, "3 other signature line(s) unverified"));
    CHECK(files_contain(out, "COSIGNED: all 3 witnesses"));

    /* Self-test: one bit of the first cosignature flipped is refused. */
    snprintf(out, sizeof out, "%s/flip.out", p.dir);
    rc = cosigcheck(path, p.log_vkey, wv, NWIT, true, out);
    CHECK_MSG(rc == 1, "-flip: exit %d, want 1", rc);
    CHECK(files_contain(out, "FAIL: witness w1.cosig.interop.example"));
    CHECK(files_contain(out, "does not verify"));

    /* A witness key that did not cosign is refused, and named. */
    snprintf(out, sizeof out, "%s/missing.out", p.dir);
    rc = cosigcheck(path, p.log_vkey, wv, NWIT + 1, false, out);
    CHECK_MSG(rc == 1, "a witness that did not cosign: exit %d, want 1", rc);
    CHECK(files_contain(out, "FAIL: witness w4.cosig.interop.example"));
    CHECK(files_contain(out, "no cosignature line with this name and key id"));
    CHECK(files_contain(out, "NOT COSIGNED: 1 of 4 witnesses"));
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    setvbuf(stdout, NULL, _IOLBF, 0);
    logd_proc_require();
    if (!gotool_require())
        return check_finish();
    run();
    for (int i = 0; i <= NWIT; i++)
        witness_proc_cleanup(&wit[i]);
    if (p.pid != 0)
        CHECK(logd_proc_stop(&p) == 0);
    logd_proc_cleanup(&p);
    return check_finish();
}
