/*
 * make_seeds.c: writes the generated seed corpora of tests/fuzz/corpus/.
 *
 * Usage: fuzz_make_seeds CORPUS_DIR DATA_DIR
 *   (from the repository: build/tests/fuzz/fuzz_make_seeds tests/fuzz/corpus
 *   tests/data)
 *
 * Every seed is small and means something: valid inputs taken from the test
 * vectors or built with the project's own encoders and the fixed keys of
 * fuzz.h (so signatures verify and the targets' success paths are reached),
 * and malformed inputs that sit just beside them (one wrong byte, a leading
 * zero, a missing newline, a truncated record). Files are named
 * g-<what> ("generated"); the generator overwrites them and touches no other
 * file, so seeds saved from fuzzer findings (named after the finding) stay.
 * The output is deterministic: re-running it changes nothing.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "fuzz.h"
#include "proofs/codec.h"
#include "proofs/entry.h"
#include "proofs/smt.h"
#include "proofs/tile.h"

static const char *corpus_dir, *data_dir;
static unsigned long written;

static void die(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    fprintf(stderr, "fuzz_make_seeds: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    exit(1);
}

/* Writes corpus/<target>/g-<name>. */
static void seed(const char *target, const char *name, const void *data, size_t len)
{
    char path[1024];
    FILE *f;

    snprintf(path, sizeof path, "%s/%s", corpus_dir, target);
    if (mkdir(path, 0777) != 0 && errno != EEXIST)
        die("mkdir %s: %s", path, strerror(errno));
    snprintf(path, sizeof path, "%s/%s/g-%s", corpus_dir, target, name);
    f = fopen(path, "wb");
    if (f == NULL || (len > 0 && fwrite(data, 1, len, f) != len) || fclose(f) != 0)
        die("write %s: %s", path, strerror(errno));
    written++;
}

static void seed_str(const char *target, const char *name, const char *s)
{
    seed(target, name, s, strlen(s));
}

static json_t *load_json(const char *name)
{
    char path[1024];
    json_error_t err;
    json_t *j;

    snprintf(path, sizeof path, "%s/%s", data_dir, name);
    j = json_load_file(path, 0, &err);
    if (j == NULL)
        die("%s: %s", path, err.text);
    return j;
}

static size_t unhex(const char *hex, uint8_t *out, size_t cap)
{
    size_t n = strlen(hex) / 2;

    if (n > cap || codec_hex_decode(hex, 2 * n, out, n) != 0)
        die("bad hex in vectors");
    return n;
}

/* ---- tile paths and entry bundles ---- */

static void seeds_tile_path(void)
{
    static const char *const good[] = {
        "tile/0/000", "tile/0/x001/234", "tile/0/x001/x234/067.p/8",
        "tile/1/000.p/255", "tile/63/000", "tile/entries/000.p/1",
        "tile/entries/x123/456", "tile/0/x072/x057/x594/x037/x927/935",
    };
    static const char *const bad[] = {
        "tile/0/001.p/0", "tile/0/1", "tile/00/000", "tile/64/000",
        "tile/0/x000/001", "tile/0/000.p/256", "tile/0/000.p/01",
        "tile/0/000/", "tile/entries/000.p/", "tile//000",
        "tile/0/x001/234.p/255x", "/tile/0/000", "tile/-1/000",
        "tile/0/x072/x057/x594/x037/x927/936", "tile/entries/x1/000",
        "tile/0/x999/x999/x999/x999/x999/x999/x999/999", "tile/0/000.p/256/",
        "tile/entries/000\0", "tile/0/+12",
    };
    char name[32];

    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        snprintf(name, sizeof name, "good-%zu", i);
        seed_str("tile_path", name, good[i]);
    }
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(name, sizeof name, "bad-%zu", i);
        /* "tile/entries/000\0" keeps its NUL. */
        seed("tile_path", name, bad[i],
             strcmp(bad[i], "tile/entries/000") == 0 ? 17 : strlen(bad[i]));
    }
}

static void seeds_tile_bundle(json_t *tlog)
{
    json_t *entries = json_object_get(tlog, "entries_hex");
    uint8_t buf[8192], e[256];
    size_t used = 0;

    seed("tile_bundle", "empty", "", 0);
    for (size_t i = 0; i < 3; i++) {
        size_t n = unhex(json_string_value(json_array_get(entries, i)), e, sizeof e);
        if (tile_bundle_append(buf, sizeof buf, &used, e, n) != 0)
            die("bundle");
    }
    seed("tile_bundle", "three-entries", buf, used);
    seed("tile_bundle", "truncated-record", buf, used - 1);
    /* The first record, then one byte of the second's length. */
    seed("tile_bundle", "truncated-length", buf, 2 + (size_t)buf[1] + 1);
    seed("tile_bundle", "zero-length-records", "\0\0\0\0\0\0", 6);
    seed("tile_bundle", "claims-65535", "\xff\xff" "abc", 5);
    seed("tile_bundle", "one-byte", "\x00", 1);
    used = 0;
    for (size_t i = 0; i < 256; i++) {
        size_t n = unhex(json_string_value(json_array_get(entries, i % 70)), e, sizeof e);
        if (tile_bundle_append(buf, sizeof buf, &used, e, n) != 0)
            die("bundle");
    }
    seed("tile_bundle", "full-256", buf, used);
}

/* ---- codecs ---- */

static void seeds_codec(void)
{
    static const char *const b64[] = {
        "", "AA==", "AAA=", "AAAA", "Arf5tRRNIkEPoZtYC9cYY4+As5P1ZUeejoNnUyFVyOA=",
        "AQOhB7/zzhC+HXDdGOdLwJln5NYwm6UNXx3chmQSVTG4", "AB==", "AAB=",
        "AAA", "A===", "====", "AA=A", "AA ==", "-_==", "AA==\n", "AA==AA==",
        "////", "+/+/",
    };
    static const char *const hex[] = {
        "", "00", "ff", "FF", "aB",
        "8a5bc6b7ad5e4bfdb97c2b5e0fa4d4b2cc0c5ce1d0e3aa0a2bd5b3c1e7c1e2d3",
        "8A5BC6B7AD5E4BFDB97C2B5E0FA4D4B2CC0C5CE1D0E3AA0A2BD5B3C1E7C1E2D3",
        "0", "0g", "0x12", " 12", "12\n", "-1",
    };
    char name[32];

    for (size_t i = 0; i < sizeof b64 / sizeof b64[0]; i++) {
        snprintf(name, sizeof name, "%zu", i);
        seed_str("codec_b64", name, b64[i]);
    }
    for (size_t i = 0; i < sizeof hex / sizeof hex[0]; i++) {
        snprintf(name, sizeof name, "%zu", i);
        seed_str("codec_hex", name, hex[i]);
    }
}

/* ---- entries ---- */

static int encode(const struct entry *e, uint8_t *buf)
{
    int n = entry_encode(e, buf, ENTRY_MAX_SIZE);
    if (n < 0)
        die("entry_encode: %s", entry_strerror(n));
    return n;
}

/* An ISSUE or REVOKE entry signed by the fuzz issuer key. */
static void signed_entry(struct entry *e, uint8_t type, uint8_t fill, uint64_t ts,
                         uint8_t reason)
{
    memset(e, 0, sizeof *e);
    e->type = type;
    memset(e->credential, fill, sizeof e->credential);
    e->timestamp_ms = ts;
    e->reason = reason;
    if (entry_sign(e, fuzz_issuer_signer()) != 0)
        die("entry_sign");
}

static void seeds_entry(void)
{
    const struct note_signer *issuer = fuzz_issuer_signer();
    uint8_t buf[ENTRY_MAX_SIZE + 2];
    struct entry e;
    char name[32];
    int n;

    signed_entry(&e, ENTRY_ISSUE, 0xa1, 1767225601000ull, 0);
    n = encode(&e, buf);
    seed("entry", "issue", buf, (size_t)n);
    seed("entry", "issue-truncated", buf, (size_t)n - 1);
    buf[n] = 0;
    seed("entry", "issue-trailing", buf, (size_t)n + 1);
    buf[0] = 2;
    seed("entry", "issue-version-2", buf, (size_t)n);
    buf[0] = 1;
    buf[34] = 0;
    seed("entry", "issue-empty-name", buf, (size_t)n);
    buf[34] = 8;
    buf[35] = '+';
    seed("entry", "issue-name-plus", buf, (size_t)n);
    buf[35] = ' ';
    seed("entry", "issue-name-space", buf, (size_t)n);
    buf[35] = (char)0xc3;
    seed("entry", "issue-name-bad-utf8", buf, (size_t)n);
    for (uint8_t r = 0; r <= ENTRY_REASON_MAX + 1; r++) {
        signed_entry(&e, ENTRY_REVOKE, 0xb2, 1767225603000ull + r, 0);
        e.reason = r > ENTRY_REASON_MAX ? 0 : r;
        n = encode(&e, buf);
        if (r > ENTRY_REASON_MAX)
            buf[n - ED25519_SIGNATURE_SIZE - 1] = r;
        snprintf(name, sizeof name, "revoke-reason-%u", r);
        seed("entry", name, buf, (size_t)n);
    }
    memset(&e, 0, sizeof e);
    e.type = ENTRY_MAP;
    e.map_index = 5;
    memset(e.map_root, 0x4e, sizeof e.map_root);
    e.timestamp_ms = 1767225604000ull;
    n = encode(&e, buf);
    seed("entry", "map", buf, (size_t)n);
    buf[1] = 5;
    seed("entry", "type-5", buf, (size_t)n);
    memset(&e, 0, sizeof e);
    e.type = ENTRY_KEY;
    e.key_op = ENTRY_KEY_ADD;
    snprintf(e.issuer, sizeof e.issuer, "%s", issuer->name);
    memcpy(e.public_key, issuer->pub, sizeof e.public_key);
    e.timestamp_ms = 1767225600000ull;
    n = encode(&e, buf);
    seed("entry", "key-add", buf, (size_t)n);
    buf[2] = 3;
    seed("entry", "key-op-3", buf, (size_t)n);
    e.key_op = ENTRY_KEY_REMOVE;
    memset(e.issuer, 'x', NOTE_NAME_MAX);
    e.issuer[NOTE_NAME_MAX] = '\0';
    n = encode(&e, buf);
    seed("entry", "key-remove-longest-name", buf, (size_t)n);
    seed("entry", "empty", "", 0);
    seed("entry", "version-only", "\x01", 1);
    seed("entry", "issue-header-only", "\x01\x01", 2);
}

/* ---- notes, keys, checkpoints ---- */

/* Signs text with s into a malloc'd string. */
static char *sign(const char *text, const struct note_signer *s)
{
    size_t cap = strlen(text) + 512;
    char *note = malloc(cap);
    int n = note ? note_sign(text, strlen(text), s, note, cap) : -1;

    if (n < 0)
        die("note_sign");
    return note;
}

static void seeds_note(json_t *tlog)
{
    json_t *nv = json_object_get(tlog, "note");
    const char *vnote = json_string_value(json_object_get(nv, "signed_note"));
    const char *body = json_string_value(json_object_get(nv, "checkpoint_body"));
    char line[FUZZ_COSIG_LINE_MAX], *note, *big;
    char text[256];
    size_t len;

    seed_str("note_open", "vector", vnote);
    note = sign(body, fuzz_log_signer());
    seed_str("note_open", "log-signed", note);
    len = strlen(note);
    note = realloc(note, len + FUZZ_COSIG_LINE_MAX);
    fuzz_cosign(body, strlen(body), 1767225600, line);
    memcpy(note + len, line, strlen(line) + 1);
    seed_str("note_open", "log-signed-cosigned", note);
    /* An unknown key's signature line after a known one. */
    len = strlen(note);
    note = realloc(note, len + 64);
    strcat(note, "\xe2\x80\x94 unknown.example AAAAAAE=\n");
    seed_str("note_open", "with-unknown-sig", note);
    /* A flipped signature byte: BAD_SIG. */
    note[strlen(body) + 30] ^= 0x01;
    seed_str("note_open", "bad-sig", note);
    free(note);

    seed_str("note_open", "no-blank-line", "a\n\xe2\x80\x94 k AAAAAAE=\n");
    seed_str("note_open", "unknown-only", "a\n\n\xe2\x80\x94 k AAAAAAE=\n");
    seed_str("note_open", "no-final-newline", "a\n\n\xe2\x80\x94 k AAAAAAE=");
    seed_str("note_open", "no-em-dash", "a\n\n- k AAAAAAE=\n");
    seed_str("note_open", "sig-bad-b64", "a\n\n\xe2\x80\x94 k AAAAA=E=\n");
    seed_str("note_open", "sig-short", "a\n\n\xe2\x80\x94 k AAAA\n");
    seed_str("note_open", "control-char", "a\x01\n\n\xe2\x80\x94 k AAAAAAE=\n");
    seed_str("note_open", "non-utf8", "a\xff\n\n\xe2\x80\x94 k AAAAAAE=\n");
    seed_str("note_open", "empty-sigs", "a\n\n");
    seed_str("note_open", "plain-text", "hello\n");
    /* 101 signature lines: too many. */
    big = malloc(101 * 32 + 16);
    strcpy(big, "a\n\n");
    for (int i = 0; i < 101; i++)
        strcat(big, "\xe2\x80\x94 k AAAAAAE=\n");
    seed_str("note_open", "too-many-sigs", big);
    free(big);
    snprintf(text, sizeof text, "%s", "multi\n\nline text\n");
    note = sign(text, fuzz_vector_signer());
    seed_str("note_open", "blank-line-in-text", note);
    free(note);

    /* Keys. */
    seed_str("note_keys", "vector-signer",
             json_string_value(json_object_get(nv, "signer_key")));
    seed_str("note_keys", "vector-verifier",
             json_string_value(json_object_get(nv, "verifier_key")));
    {
        char buf[NOTE_KEY_TEXT_MAX];
        note_verifier_format(fuzz_witness_verifier(), buf, sizeof buf);
        seed_str("note_keys", "witness-verifier", buf);
        note_signer_format(fuzz_log_signer(), buf, sizeof buf);
        strcat(buf, "\n");
        seed_str("note_keys", "log-signer-newline", buf);
        note_verifier_format(fuzz_log_verifier(), buf, sizeof buf);
        strcat(buf, "\n");
        seed_str("note_keys", "log-verifier-newline", buf);
        strcat(buf, "\n");
        seed_str("note_keys", "two-newlines", buf);
        note_verifier_format(fuzz_log_verifier(), buf, sizeof buf);
        buf[strlen("log.example.org+") + 1] ^= 0x01; /* key id */
        seed_str("note_keys", "wrong-key-id", buf);
    }
    seed_str("note_keys", "type-2", "name+00000000+AgAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    seed_str("note_keys", "short-id", "name+0000000+AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    seed_str("note_keys", "plus-in-name", "na+me+00000000+AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    seed_str("note_keys", "signer-no-prefix", "PRIVATE+name+00000000+AQ==");

    /* Checkpoint bodies and signed checkpoints. */
    seed_str("checkpoint", "vector-body", body);
    seed_str("checkpoint", "vector-signed", vnote);
    seed_str("checkpoint", "extension-lines",
             "example.org/credlog-test\n70\nArf5tRRNIkEPoZtYC9cYY4+As5P1ZUeejoNnUyFVyOA=\next one\next two\n");
    seed_str("checkpoint", "empty-extension",
             "example.org/credlog-test\n70\nArf5tRRNIkEPoZtYC9cYY4+As5P1ZUeejoNnUyFVyOA=\n\n");
    seed_str("checkpoint", "leading-zero",
             "example.org/credlog-test\n070\nArf5tRRNIkEPoZtYC9cYY4+As5P1ZUeejoNnUyFVyOA=\n");
    seed_str("checkpoint", "plus-sign",
             "example.org/credlog-test\n+70\nArf5tRRNIkEPoZtYC9cYY4+As5P1ZUeejoNnUyFVyOA=\n");
    seed_str("checkpoint", "negative",
             "example.org/credlog-test\n-1\nArf5tRRNIkEPoZtYC9cYY4+As5P1ZUeejoNnUyFVyOA=\n");
    seed_str("checkpoint", "size-zero",
             "example.org/credlog-test\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n");
    seed_str("checkpoint", "size-max",
             "example.org/credlog-test\n18446744073709551615\nArf5tRRNIkEPoZtYC9cYY4+As5P1ZUeejoNnUyFVyOA=\n");
    seed_str("checkpoint", "size-overflow",
             "example.org/credlog-test\n18446744073709551616\nArf5tRRNIkEPoZtYC9cYY4+As5P1ZUeejoNnUyFVyOA=\n");
    seed_str("checkpoint", "no-final-newline",
             "example.org/credlog-test\n70\nArf5tRRNIkEPoZtYC9cYY4+As5P1ZUeejoNnUyFVyOA=");
    seed_str("checkpoint", "short-root", "example.org/credlog-test\n70\nArf5tRRNIkEPoZtYC9cYY4+As5P1ZUeejoNnUyFVyO=\n");
    seed_str("checkpoint", "two-lines", "example.org/credlog-test\n70\n");
    note = sign("log.example.org\n3\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n",
                fuzz_vector_signer());
    seed_str("checkpoint", "other-origin-signed", note);
    free(note);
}

/* ---- CTL-SMT-v1 proofs ---- */

static void seeds_smt(json_t *smt)
{
    json_t *maps = json_object_get(smt, "maps"), *rejects = json_object_get(smt, "reject");
    uint8_t buf[SMT_PROOF_MAX];
    char name[64];
    size_t i, j;
    json_t *m, *r;

    json_array_foreach(maps, i, m) {
        json_t *proofs = json_object_get(m, "proofs"), *p;
        int kinds_seen[3] = {0, 0, 0};
        json_array_foreach(proofs, j, p) {
            int kind = (int)json_integer_value(json_object_get(p, "kind"));
            if (kind < 0 || kind > 2 || kinds_seen[kind] >= 2)
                continue;
            kinds_seen[kind]++;
            snprintf(name, sizeof name, "%s-%zu-kind%d",
                     json_string_value(json_object_get(m, "name")), j, kind);
            seed("smt_verify", name, buf,
                 unhex(json_string_value(json_object_get(p, "proof")), buf, sizeof buf));
        }
    }
    json_array_foreach(rejects, i, r) {
        snprintf(name, sizeof name, "reject-%zu", i);
        seed("smt_verify", name, buf,
             unhex(json_string_value(json_object_get(r, "proof")), buf, sizeof buf));
    }

    /* Map operations (see fuzz_smt_map.c): shared prefixes, batches. */
    seed("smt_map", "one-key", "\x00\x10\x20\x01", 4);
    seed("smt_map", "siblings-255", "\x00\xff\xff\x01\x00\xfe\xfe\x02", 8);
    seed("smt_map", "zero-and-one", "\x02\x00\x00\x01\x03\x00\x00\x02\x82\xff\x00\x03", 12);
    seed("smt_map", "revoke-later",
         "\x01\x01\x02\x05\x01\x03\x04\x06\xc1\x01\x02\x05\x80\x10\x11\x07", 16);
    {
        uint8_t ops[64 * 4];
        for (int k = 0; k < 64; k++) {
            ops[4 * k] = (uint8_t)((k % 16 == 0 ? 0x80 : 0) | (k & 3));
            ops[4 * k + 1] = (uint8_t)(k * 37);
            ops[4 * k + 2] = (uint8_t)(255 - k);
            ops[4 * k + 3] = (uint8_t)k;
        }
        seed("smt_map", "sixty-four", ops, sizeof ops);
    }
}

int main(int argc, char **argv)
{
    json_t *tlog, *smt;

    if (argc != 3) {
        fprintf(stderr, "usage: %s CORPUS_DIR DATA_DIR\n", argv[0]);
        return 2;
    }
    corpus_dir = argv[1];
    data_dir = argv[2];
    tlog = load_json("tlog-vectors.json");
    smt = load_json("ctl-smt-v1.json");
    seeds_tile_path();
    seeds_tile_bundle(tlog);
    seeds_codec();
    seeds_entry();
    seeds_note(tlog);
    seeds_smt(smt);
    json_decref(tlog);
    json_decref(smt);
    printf("fuzz_make_seeds: %lu seeds written under %s\n", written, corpus_dir);
    return 0;
}
