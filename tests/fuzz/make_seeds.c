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

#include "client/bundle.h"
#include "client/doc.h"
#include "fuzz.h"
#include "issuer.h"
#include "minilog.h"
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
static void seed(const char *target, const char *name, const void *data,
                 size_t len)
{
    char path[1024];
    FILE *f;

    snprintf(path, sizeof path, "%s/%s", corpus_dir, target);
    if (mkdir(path, 0777) != 0 && errno != EEXIST)
        die("mkdir %s: %s", path, strerror(errno));
    snprintf(path, sizeof path, "%s/%s/g-%s", corpus_dir, target, name);
    f = fopen(path, "wb");
    if (f == NULL || (len > 0 && fwrite(data, 1, len, f) != len) ||
        fclose(f) != 0)
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
        "tile/0/000",
        "tile/0/x001/234",
        "tile/0/x001/x234/067.p/8",
        "tile/1/000.p/255",
        "tile/63/000",
        "tile/entries/000.p/1",
        "tile/entries/x123/456",
        "tile/0/x072/x057/x594/x037/x927/935",
    };
    static const char *const bad[] = {
        "tile/0/001.p/0",
        "tile/0/1",
        "tile/00/000",
        "tile/64/000",
        "tile/0/x000/001",
        "tile/0/000.p/256",
        "tile/0/000.p/01",
        "tile/0/000/",
        "tile/entries/000.p/",
        "tile//000",
        "tile/0/x001/234.p/255x",
        "/tile/0/000",
        "tile/-1/000",
        "tile/0/x072/x057/x594/x037/x927/936",
        "tile/entries/x1/000",
        "tile/0/x999/x999/x999/x999/x999/x999/x999/999",
        "tile/0/000.p/256/",
        "tile/entries/000\0",
        "tile/0/+12",
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
        size_t n =
            unhex(json_string_value(json_array_get(entries, i)), e, sizeof e);
        if (tile_bundle_append(buf, sizeof buf, &used, e, n) != 0)
            die("bundle");
    }
    seed("tile_bundle", "three-entries", buf, used);
    seed("tile_bundle", "truncated-record", buf, used - 1);
    /* The first record, then one byte of the second's length. */
    seed("tile_bundle", "truncated-length", buf, 2 + (size_t)buf[1] + 1);
    seed("tile_bundle", "zero-length-records", "\0\0\0\0\0\0", 6);
    seed("tile_bundle", "claims-65535",
         "\xff\xff"
         "abc",
         5);
    seed("tile_bundle", "one-byte", "\x00", 1);
    used = 0;
    for (size_t i = 0; i < 256; i++) {
        size_t n = unhex(json_string_value(json_array_get(entries, i % 70)), e,
                         sizeof e);
        if (tile_bundle_append(buf, sizeof buf, &used, e, n) != 0)
            die("bundle");
    }
    seed("tile_bundle", "full-256", buf, used);
}

/* ---- codecs ---- */

static void seeds_codec(void)
{
    static const char *const b64[] = {
        "",
        "AA==",
        "AAA=",
        "AAAA",
        "Arf5tRRNIkEPoZtYC9cYY4+As5P1ZUeejoNnUyFVyOA=",
        "AQOhB7/zzhC+HXDdGOdLwJln5NYwm6UNXx3chmQSVTG4",
        "AB==",
        "AAB=",
        "AAA",
        "A===",
        "====",
        "AA=A",
        "AA ==",
        "-_==",
        "AA==\n",
        "AA==AA==",
        "////",
        "+/+/",
    };
    static const char *const hex[] = {
        "",
        "00",
        "ff",
        "FF",
        "aB",
        "8a5bc6b7ad5e4bfdb97c2b5e0fa4d4b2cc0c5ce1d0e3aa0a2bd5b3c1e7c1e2d3",
        "8A5BC6B7AD5E4BFDB97C2B5E0FA4D4B2CC0C5CE1D0E3AA0A2BD5B3C1E7C1E2D3",
        "0",
        "0g",
        "0x12",
        " 12",
        "12\n",
        "-1",
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
static void signed_entry(struct entry *e, uint8_t type, uint8_t fill,
                         uint64_t ts, uint8_t reason)
{
    memset(e, 0, sizeof *e);
    e->type = type;
    memset(e->credential, fill, sizeof e->credential);
    e->timestamp_ms = ts;
    e->reason = reason;
    if (entry_sign(e, NULL, fuzz_issuer_signer()) != 0)
        die("entry_sign");
}

/* A KEY v2 identity item. */
static void add_item(struct entry *e, uint8_t tag, const char *v)
{
    if (entry_identity_add(e, tag, (const uint8_t *)v, strlen(v)) != 0)
        die("entry_identity_add %u %s", tag, v);
}

/* Version 2 entries: ISSUE and REVOKE bound to the fuzz origin, MAP with a
 * key root, KEY with an identity, and the identity's reject cases. */
static void seeds_entry_v2(void)
{
    const struct note_signer *issuer = fuzz_issuer_signer();
    const char *origin = "example.org/credlog-fuzz";
    uint8_t buf[ENTRY_MAX_SIZE + 2];
    struct entry e;
    char name[32];
    int n, m;

    memset(&e, 0, sizeof e);
    e.version = ENTRY_VERSION_2;
    e.type = ENTRY_ISSUE;
    memset(e.credential, 0xc3, sizeof e.credential);
    e.timestamp_ms = 1767225605000ull;
    if (entry_sign(&e, origin, issuer) != 0)
        die("entry_sign v2");
    n = encode(&e, buf);
    seed("entry", "v2-issue", buf, (size_t)n);
    buf[0] = 3;
    seed("entry", "issue-version-3", buf, (size_t)n);
    for (uint8_t r = 0; r <= ENTRY_REASON_MAX; r++) {
        e.type = ENTRY_REVOKE;
        e.reason = r == ENTRY_REASON_MISCONDUCT ? 0 : r;
        e.timestamp_ms = 1767225606000ull + r;
        if (entry_sign(&e, origin, issuer) != 0)
            die("entry_sign v2");
        n = encode(&e, buf);
        buf[n - ED25519_SIGNATURE_SIZE - 1] = r; /* misconduct: refused */
        snprintf(name, sizeof name, "v2-revoke-reason-%u", r);
        seed("entry", name, buf, (size_t)n);
    }
    memset(&e, 0, sizeof e);
    e.version = ENTRY_VERSION_2;
    e.type = ENTRY_MAP;
    e.map_index = 9;
    memset(e.map_root, 0x4e, sizeof e.map_root);
    memset(e.key_root, 0x6b, sizeof e.key_root);
    e.timestamp_ms = 1767225607000ull;
    n = encode(&e, buf);
    seed("entry", "v2-map", buf, (size_t)n);
    seed("entry", "v2-map-short", buf, ENTRY_MAP_SIZE);

    memset(&e, 0, sizeof e);
    e.version = ENTRY_VERSION_2;
    e.type = ENTRY_KEY;
    e.key_op = ENTRY_KEY_ADD;
    snprintf(e.issuer, sizeof e.issuer, "%s", issuer->name);
    memcpy(e.public_key, issuer->pub, sizeof e.public_key);
    e.timestamp_ms = 1767225600000ull;
    n = encode(&e, buf);
    seed("entry", "v2-key-add-no-identity", buf, (size_t)n);
    add_item(&e, ENTRY_ID_NAME, "Avans Hogeschool");
    add_item(&e, ENTRY_ID_DNS, "avans.nl");
    add_item(&e, ENTRY_ID_DID_WEB, "did:web:avans.nl");
    add_item(&e, ENTRY_ID_BRIN, "07GR");
    add_item(&e, ENTRY_ID_OB2_PROFILE, "https://avans.nl/ob2/issuer.json");
    add_item(&e, ENTRY_ID_ISSUER_ID, "https://avans.nl/issuers/1");
    n = encode(&e, buf);
    seed("entry", "v2-key-add-identity", buf, (size_t)n);
    m = n - e.identity_len; /* the first item's tag */
    buf[m] = ENTRY_ID_DNS;  /* two DNS items: duplicate tag */
    seed("entry", "v2-key-duplicate-tag", buf, (size_t)n);
    buf[m] = 7;
    seed("entry", "v2-key-unknown-tag", buf, (size_t)n);
    buf[m] = ENTRY_ID_NAME;
    buf[m + 2] = 0xc3; /* 'A' -> a cut UTF-8 sequence */
    seed("entry", "v2-key-name-bad-utf8", buf, (size_t)n);
    buf[m + 2] = 'A';
    buf[n - 1] ^= 0x20; /* the issuer id's last character: '1' -> 0x11 */
    seed("entry", "v2-key-issuer-id-control", buf, (size_t)n);
    buf[n - 1] ^= 0x20;
    buf[1] = ENTRY_KEY;
    buf[2] = ENTRY_KEY_REMOVE; /* a remove carrying an identity */
    seed("entry", "v2-key-remove-identity", buf, (size_t)n);
    /* A display name with a right-to-left override (U+202E), written by
     * hand since the encoder refuses it. */
    {
        static const char bidi[] = "Avans \xe2\x80\xae"
                                   "lmth.nl";
        size_t blen = sizeof bidi - 1;

        n = m - 2; /* the bytes before u16 m */
        buf[n] = 0;
        buf[n + 1] = (uint8_t)(2 + blen);
        buf[n + 2] = ENTRY_ID_NAME;
        buf[n + 3] = (uint8_t)blen;
        memcpy(buf + n + 4, bidi, blen);
        buf[2] = ENTRY_KEY_ADD;
        seed("entry", "v2-key-name-bidi", buf, (size_t)n + 4 + blen);
    }
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
    buf[35] = 0xc3;
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
    seeds_entry_v2();
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
    const char *body =
        json_string_value(json_object_get(nv, "checkpoint_body"));
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
    seed_str("note_keys", "type-2",
             "name+00000000+AgAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    seed_str("note_keys", "short-id",
             "name+0000000+AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    seed_str("note_keys", "plus-in-name",
             "na+me+00000000+AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    seed_str("note_keys", "signer-no-prefix", "PRIVATE+name+00000000+AQ==");

    /* Checkpoint bodies and signed checkpoints. */
    seed_str("checkpoint", "vector-body", body);
    seed_str("checkpoint", "vector-signed", vnote);
    seed_str("checkpoint", "extension-lines",
             "example.org/"
             "credlog-test\n70\nArf5tRRNIkEPoZtYC9cYY4+As5P1ZUeejoNnUyFVyOA="
             "\next one\next two\n");
    seed_str(
        "checkpoint", "empty-extension",
        "example.org/"
        "credlog-test\n70\nArf5tRRNIkEPoZtYC9cYY4+As5P1ZUeejoNnUyFVyOA=\n\n");
    seed_str(
        "checkpoint", "leading-zero",
        "example.org/"
        "credlog-test\n070\nArf5tRRNIkEPoZtYC9cYY4+As5P1ZUeejoNnUyFVyOA=\n");
    seed_str(
        "checkpoint", "plus-sign",
        "example.org/"
        "credlog-test\n+70\nArf5tRRNIkEPoZtYC9cYY4+As5P1ZUeejoNnUyFVyOA=\n");
    seed_str(
        "checkpoint", "negative",
        "example.org/"
        "credlog-test\n-1\nArf5tRRNIkEPoZtYC9cYY4+As5P1ZUeejoNnUyFVyOA=\n");
    seed_str("checkpoint", "size-zero",
             "example.org/credlog-test\n0\n47DEQpj8HBSa+/"
             "TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n");
    seed_str("checkpoint", "size-max",
             "example.org/"
             "credlog-test\n18446744073709551615\nArf5tRRNIkEPoZtYC9cYY4+"
             "As5P1ZUeejoNnUyFVyOA=\n");
    seed_str("checkpoint", "size-overflow",
             "example.org/"
             "credlog-test\n18446744073709551616\nArf5tRRNIkEPoZtYC9cYY4+"
             "As5P1ZUeejoNnUyFVyOA=\n");
    seed_str("checkpoint", "no-final-newline",
             "example.org/"
             "credlog-test\n70\nArf5tRRNIkEPoZtYC9cYY4+As5P1ZUeejoNnUyFVyOA=");
    seed_str("checkpoint", "short-root",
             "example.org/"
             "credlog-test\n70\nArf5tRRNIkEPoZtYC9cYY4+As5P1ZUeejoNnUyFVyO=\n");
    seed_str("checkpoint", "two-lines", "example.org/credlog-test\n70\n");
    note = sign(
        "log.example.org\n3\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n",
        fuzz_vector_signer());
    seed_str("checkpoint", "other-origin-signed", note);
    free(note);
}

/* ---- CTL-SMT-v1 proofs ---- */

static void seeds_smt(json_t *smt)
{
    json_t *maps = json_object_get(smt, "maps"),
           *rejects = json_object_get(smt, "reject");
    uint8_t buf[SMT_PROOF_MAX];
    char name[64];
    size_t i, j;
    json_t *m, *r;

    json_array_foreach(maps, i, m)
    {
        json_t *proofs = json_object_get(m, "proofs"), *p;
        int kinds_seen[3] = {0, 0, 0};
        json_array_foreach(proofs, j, p)
        {
            int kind = (int)json_integer_value(json_object_get(p, "kind"));
            if (kind < 0 || kind > 2 || kinds_seen[kind] >= 2)
                continue;
            kinds_seen[kind]++;
            snprintf(name, sizeof name, "%s-%zu-kind%d",
                     json_string_value(json_object_get(m, "name")), j, kind);
            seed("smt_verify", name, buf,
                 unhex(json_string_value(json_object_get(p, "proof")), buf,
                       sizeof buf));
        }
    }
    json_array_foreach(rejects, i, r)
    {
        snprintf(name, sizeof name, "reject-%zu", i);
        seed("smt_verify", name, buf,
             unhex(json_string_value(json_object_get(r, "proof")), buf,
                   sizeof buf));
    }

    /* Map operations (see fuzz_smt_map.c): shared prefixes, batches. */
    seed("smt_map", "one-key", "\x00\x10\x20\x01", 4);
    seed("smt_map", "siblings-255", "\x00\xff\xff\x01\x00\xfe\xfe\x02", 8);
    seed("smt_map", "zero-and-one",
         "\x02\x00\x00\x01\x03\x00\x00\x02\x82\xff\x00\x03", 12);
    seed("smt_map", "revoke-later",
         "\x01\x01\x02\x05\x01\x03\x04\x06\xc1\x01\x02\x05\x80\x10\x11\x07",
         16);
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

/* ---- Merkle proofs (see fuzz_merkle_verify.c) ---- */

static void seed_merkle(const char *name, uint8_t mode, unsigned a, unsigned b,
                        const uint8_t (*proof)[MERKLE_HASH_SIZE], size_t n)
{
    uint8_t buf[5 + MERKLE_MAX_PROOF * MERKLE_HASH_SIZE];

    buf[0] = mode;
    buf[1] = (uint8_t)(a >> 8);
    buf[2] = (uint8_t)a;
    buf[3] = (uint8_t)(b >> 8);
    buf[4] = (uint8_t)b;
    memcpy(buf + 5, proof, n * MERKLE_HASH_SIZE);
    seed("merkle_verify", name, buf, 5 + n * MERKLE_HASH_SIZE);
}

static void seeds_merkle(void)
{
    static const unsigned incl[][2] = {{0, 1},     {5, 70},    {69, 70},
                                       {255, 256}, {256, 300}, {0, 300}};
    static const unsigned cons[][2] = {{1, 2},   {7, 70},    {64, 70},
                                       {70, 70}, {255, 300}, {1, 300}};
    uint8_t proof[MERKLE_MAX_PROOF][MERKLE_HASH_SIZE];
    struct minilog ml;
    char name[48], text[64];

    minilog_init(&ml, "log.example.org", 7);
    for (int i = 0; i < 300; i++) {
        int len = snprintf(text, sizeof text, "credential entry %d", i);
        minilog_append_raw(&ml, (const uint8_t *)text, (size_t)len);
    }
    for (size_t i = 0; i < sizeof incl / sizeof incl[0]; i++) {
        size_t n = minilog_inclusion(&ml, incl[i][0], incl[i][1], proof);
        snprintf(name, sizeof name, "inclusion-%u-%u", incl[i][0], incl[i][1]);
        seed_merkle(name, 0, incl[i][0], incl[i][1],
                    (const uint8_t(*)[32])proof, n);
        snprintf(name, sizeof name, "inclusion-%u-%u-edited", incl[i][0],
                 incl[i][1]);
        seed_merkle(name, 2, incl[i][0], incl[i][1], NULL, 0);
    }
    for (size_t i = 0; i < sizeof cons / sizeof cons[0]; i++) {
        size_t n = minilog_consistency(&ml, cons[i][0], cons[i][1], proof);
        snprintf(name, sizeof name, "consistency-%u-%u", cons[i][0],
                 cons[i][1]);
        seed_merkle(name, 1, cons[i][0], cons[i][1],
                    (const uint8_t(*)[32])proof, n);
        snprintf(name, sizeof name, "consistency-%u-%u-edited", cons[i][0],
                 cons[i][1]);
        seed_merkle(name, 3, cons[i][0], cons[i][1], NULL, 0);
    }
    seed_merkle("inclusion-out-of-range", 0, 300, 300, NULL, 0);
    seed_merkle("consistency-from-0", 1, 0, 5, NULL, 0);
    seed("merkle_verify", "edit-all-ops",
         "\x03\x00\x07\x00\x46\x00\x01\x01\x02\x02\x03\x03\x04\x04\x05", 15);
    minilog_free(&ml);
}

/* ---- client documents: a small log signed with the fuzz log key ---- */

/* json_dumps of a new object (consumed). */
static void seed_json(const char *target, const char *name, json_t *j)
{
    char *s;

    if (j == NULL)
        die("%s: no JSON", name);
    s = json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS);
    json_decref(j);
    if (s == NULL)
        die("json_dumps");
    seed_str(target, name, s);
    free(s);
}

/* The receipt's JSON with obj[key] replaced by val (consumed). */
static void seed_receipt_edit(const char *name, const struct client_receipt *r,
                              const char *key, json_t *val)
{
    json_t *j = client_receipt_to_json(r);

    if (val == NULL)
        json_object_del(j, key);
    else
        json_object_set_new(j, key, val);
    seed_json("client_receipt", name, j);
}

static void seed_status_edit(const char *name,
                             const struct client_status_proof *sp,
                             const char *key, json_t *val)
{
    json_t *j = client_status_proof_to_json(sp);

    if (val == NULL)
        json_object_del(j, key);
    else
        json_object_set_new(j, key, val);
    seed_json("client_status", name, j);
}

static void seed_tlog(const char *name, const struct client_receipt *r)
{
    char *text;

    if (client_tlog_proof_format(r, &text) < 0)
        die("tlog-proof");
    seed_str("client_tlog_proof", name, text);
    free(text);
}

static void seeds_client(void)
{
    static const uint64_t T0 = 1767225600000ull;
    struct minilog ml;
    struct entry e;
    struct client_receipt ra, ra3, rrev, rkey;
    struct client_status_proof sa, sb, sc;
    uint8_t cred_a[32], cred_b[32], cred_c[32],
        cons[MERKLE_MAX_PROOF][MERKLE_HASH_SIZE];
    uint64_t idx_a, idx_b, idx_rb, size3;
    size_t ncons;
    char *text;
    json_t *j, *arr;

    /* KEY, MAP, ISSUE a, (checkpoint 3), ISSUE b, REVOKE b, MAP: as
     * tests/unit/test_verify.c builds it. */
    minilog_init(&ml, "log.example.org", 7);
    if (strcmp(ml.vkey.name, fuzz_log_verifier()->name) != 0 ||
        ml.vkey.key_id != fuzz_log_verifier()->key_id)
        die("the minilog key is not the fuzz log key");
    memset(cred_a, 0xa1, 32);
    memset(cred_b, 0xb2, 32);
    memset(cred_c, 0xc3, 32);
    minilog_append_key(&ml, ENTRY_KEY_ADD, fuzz_issuer_signer(), T0);
    minilog_append_map(&ml, T0, NULL);
    issuer_sign_entry(&e, ENTRY_ISSUE, cred_a, fuzz_issuer_signer(), T0 + 1000,
                      0);
    idx_a = minilog_append(&ml, &e);
    size3 = ml.n;
    issuer_sign_entry(&e, ENTRY_ISSUE, cred_b, fuzz_issuer_signer(), T0 + 2000,
                      0);
    idx_b = minilog_append(&ml, &e);
    minilog_map_set(&ml, cred_a, idx_a, SMT_NONE);
    issuer_sign_entry(&e, ENTRY_REVOKE, cred_b, fuzz_issuer_signer(), T0 + 3000,
                      ENTRY_REASON_SUPERSEDED); /* version 2: 2 is retired */
    idx_rb = minilog_append(&ml, &e);
    minilog_map_set(&ml, cred_b, idx_b, idx_rb);
    minilog_append_map(&ml, T0 + 4000, NULL);

    minilog_receipt(&ml, idx_a, ml.n, &ra);
    minilog_receipt(&ml, idx_a, size3, &ra3);
    minilog_receipt(&ml, idx_rb, ml.n, &rrev);
    minilog_receipt(&ml, 0, 1, &rkey);
    minilog_status(&ml, cred_a, &sa);
    minilog_status(&ml, cred_b, &sb);
    minilog_status(&ml, cred_c, &sc);
    ncons = minilog_consistency(&ml, size3, ml.n, cons);

    /* Receipts. */
    seed_json("client_receipt", "issue", client_receipt_to_json(&ra));
    seed_json("client_receipt", "issue-older-checkpoint",
              client_receipt_to_json(&ra3));
    seed_json("client_receipt", "revoke", client_receipt_to_json(&rrev));
    seed_json("client_receipt", "key-size-1", client_receipt_to_json(&rkey));
    seed_receipt_edit("no-checkpoint", &ra, "checkpoint", NULL);
    seed_receipt_edit("empty-checkpoint", &ra, "checkpoint", json_string(""));
    seed_receipt_edit("nul-in-checkpoint", &ra, "checkpoint",
                      json_stringn("a\0b\n", 4));
    seed_receipt_edit("negative-index", &ra, "index", json_integer(-1));
    seed_receipt_edit("string-index", &ra, "index", json_string("2"));
    seed_receipt_edit("real-index", &ra, "index", json_real(2.0));
    seed_receipt_edit("entry-bad-b64", &ra, "entry", json_string("AQ="));
    seed_receipt_edit("entry-empty", &ra, "entry", json_string(""));
    seed_receipt_edit("inclusion-not-array", &ra, "inclusion",
                      json_string("00"));
    arr = json_array();
    json_array_append_new(arr, json_string("00"));
    seed_receipt_edit("inclusion-short-hash", &ra, "inclusion", arr);
    arr = json_array();
    for (int i = 0; i < MERKLE_MAX_PROOF + 1; i++)
        json_array_append_new(arr,
                              json_string("000000000000000000000000000000000000"
                                          "0000000000000000000000000000"));
    seed_receipt_edit("inclusion-too-long", &ra, "inclusion", arr);
    seed_str("client_receipt", "not-json", "{\"index\": 2,");
    seed_str("client_receipt", "array", "[]");
    seed_str("client_receipt", "duplicate-key",
             "{\"index\": 2, \"index\": 3, \"entry\": \"AQ==\", \"inclusion\": "
             "[], \"checkpoint\": \"x\\n\"}");
    seed_str("client_receipt", "huge-index",
             "{\"index\": 18446744073709551616, \"entry\": \"AQ==\", "
             "\"inclusion\": [], \"checkpoint\": \"x\\n\"}");

    /* Status proofs. */
    seed_json("client_status", "active", client_status_proof_to_json(&sa));
    seed_json("client_status", "revoked", client_status_proof_to_json(&sb));
    seed_json("client_status", "unknown", client_status_proof_to_json(&sc));
    seed_status_edit("status-upper-case", &sa, "status", json_string("ACTIVE"));
    seed_status_edit("claims-revoked", &sa, "status", json_string("revoked"));
    seed_status_edit("issue-null", &sa, "issue", json_null());
    seed_status_edit("no-map", &sa, "map", NULL);
    seed_status_edit("map-proof-one-byte", &sa, "map_proof",
                     json_string("AQ=="));
    seed_status_edit("hash-short", &sa, "credential_hash", json_string("a1a1"));
    seed_status_edit("hash-upper", &sa, "credential_hash",
                     json_string("A1A1A1A1A1A1A1A1A1A1A1A1A1A1A1A1A1A1A1A1A1A1A"
                                 "1A1A1A1A1A1A1A1A1A1"));

    /* Bundles. */
    if (client_bundle_format(&sa, &ra3,
                             (const uint8_t(*)[MERKLE_HASH_SIZE])cons, ncons,
                             size3, ml.n, &text) != 0)
        die("bundle");
    seed_str("client_bundle", "active-receipt-consistency", text);
    free(text);
    if (client_bundle_format(&sa, &ra, NULL, 0, 0, 0, &text) != 0)
        die("bundle");
    seed_str("client_bundle", "active-receipt-same-size", text);
    free(text);
    if (client_bundle_format(&sb, NULL, NULL, 0, 0, 0, &text) != 0)
        die("bundle");
    seed_str("client_bundle", "revoked", text);
    free(text);
    if (client_bundle_format(&sc, NULL, NULL, 0, 0, 0, &text) != 0)
        die("bundle");
    seed_str("client_bundle", "unknown", text);
    free(text);
    if (client_bundle_format(&sc, &ra, NULL, 0, 0, 0, &text) != 0)
        die("bundle");
    seed_str("client_bundle", "unknown-with-receipt-of-another", text);
    free(text);
    j = json_object();
    json_object_set_new(j, "format", json_string("credlog-status-bundle/v2"));
    json_object_set_new(j, "status_proof", client_status_proof_to_json(&sa));
    seed_json("client_bundle", "wrong-format", j);
    seed_str("client_bundle", "format-only",
             "{\"format\": \"credlog-status-bundle/v1\"}");

    /* tlog-proofs. */
    seed_tlog("issue", &ra);
    seed_tlog("issue-older-checkpoint", &ra3);
    seed_tlog("revoke", &rrev);
    seed_tlog("key-size-1", &rkey);
    seed_str("client_tlog_proof", "no-extra",
             "c2sp.org/tlog-proof@v1\nindex 2\n\nlog.example.org\n3\nAAAA\n");
    seed_str("client_tlog_proof", "index-leading-zero",
             "c2sp.org/tlog-proof@v1\nextra AQM=\nindex 02\n\nx\n");
    seed_str("client_tlog_proof", "no-blank-line",
             "c2sp.org/tlog-proof@v1\nextra AQM=\nindex 2\n");
    seed_str("client_tlog_proof", "bad-hash",
             "c2sp.org/tlog-proof@v1\nextra AQM=\nindex 2\nAAAA\n\nx\n");
    seed_str("client_tlog_proof", "header-only", "c2sp.org/tlog-proof@v1\n");
    seed_str("client_tlog_proof", "no-checkpoint",
             "c2sp.org/tlog-proof@v1\nextra AQM=\nindex 2\n\n");

    client_receipt_free(&ra);
    client_receipt_free(&ra3);
    client_receipt_free(&rrev);
    client_receipt_free(&rkey);
    client_status_proof_free(&sa);
    client_status_proof_free(&sb);
    client_status_proof_free(&sc);
    minilog_free(&ml);
}

/* ---- logd: submissions, query strings, issuers files ---- */

/* A version 2 submission signed by the fuzz issuer for origin. */
static json_t *submission_for(const char *origin, uint8_t type, uint8_t fill,
                              uint64_t ts, uint8_t reason)
{
    struct entry e;

    memset(&e, 0, sizeof e);
    e.version = ENTRY_VERSION_2;
    e.type = type;
    memset(e.credential, fill, sizeof e.credential);
    e.timestamp_ms = ts;
    e.reason = reason;
    if (entry_sign(&e, origin, fuzz_issuer_signer()) != 0)
        die("entry_sign v2");
    return client_submission_to_json(&e);
}

/* A version 2 submission for the fuzz log (fuzz_logd_submission's). */
static json_t *submission(uint8_t type, uint8_t fill, uint64_t ts,
                          uint8_t reason)
{
    return submission_for(fuzz_log_signer()->name, type, fill, ts, reason);
}

/* {"entries": [subs...]} with subs consumed. */
static void seed_body(const char *name, json_t *subs)
{
    json_t *body = json_object();

    json_object_set_new(body, "entries", subs);
    seed_json("logd_submission", name, body);
}

/* One ISSUE submission with field key set to val (NULL: removed). */
static void seed_sub_edit(const char *name, const char *key, json_t *val)
{
    json_t *sub = submission(ENTRY_ISSUE, 0xa1, 1767225601000ull, 0),
           *arr = json_array();

    if (val == NULL)
        json_object_del(sub, key);
    else
        json_object_set_new(sub, key, val);
    json_array_append_new(arr, sub);
    seed_body(name, arr);
}

static void seeds_logd(void)
{
    static const char *const queries[] = {
        "\x00index=5&size=10",
        "\x00size=10&index=5",
        "\x01"
        "from=1&to=2",
        "\x01to=9223372036854775807&from=1",
        "\x00index=05&size=1",
        "\x00index=+5&size=1",
        "\x00index=-1&size=1",
        "\x00index=1&size=9223372036854775808",
        "\x00index=1&size=2&",
        "\x00index=1&&size=2",
        "\x00index=1&index=2",
        "\x00index=1",
        "\x00index=1&size=2&x=3",
        "\x02index=0",
        "\x02"
        "0",
        "\x02"
        "18446744073709551615",
        "\x03",
        "\x03x=1",
        "\x00=1&size=2",
        "\x00index&size=2",
        "\x00index=1%26size=2",
        "\x00index=1 &size=2",
        "\x02index=9999999999999999999",
    };
    json_t *arr;
    char name[32], buf[3 * NOTE_KEY_TEXT_MAX + 200];
    char vkey[NOTE_KEY_TEXT_MAX], lkey[NOTE_KEY_TEXT_MAX],
        wkey[NOTE_KEY_TEXT_MAX];

    arr = json_array();
    json_array_append_new(arr,
                          submission(ENTRY_ISSUE, 0xa1, 1767225601000ull, 0));
    seed_body("issue", arr);
    arr = json_array();
    json_array_append_new(arr, submission(ENTRY_REVOKE, 0xb2, 1767225603000ull,
                                          ENTRY_REASON_SUPERSEDED));
    seed_body("revoke", arr);
    arr = json_array();
    json_array_append_new(arr,
                          submission(ENTRY_ISSUE, 0xa1, 1767225601000ull, 0));
    json_array_append_new(arr,
                          submission(ENTRY_ISSUE, 0xb2, 1767225602000ull, 0));
    json_array_append_new(arr,
                          submission(ENTRY_REVOKE, 0xb2, 1767225603000ull, 0));
    seed_body("three", arr);
    arr = json_array();
    json_array_append_new(
        arr,
        submission(ENTRY_ISSUE, 0xa1, 1767225600000ull + 3 * 86400000ull, 0));
    seed_body("future-timestamp", arr);
    seed_sub_edit("extra-field", "extra", json_true());
    seed_sub_edit("version-1", "version", json_integer(1));
    seed_sub_edit("no-version", "version", NULL);
    seed_sub_edit("version-3", "version", json_integer(3));
    seed_sub_edit("version-string", "version", json_string("2"));
    arr = json_array();
    json_array_append_new(arr, submission(ENTRY_REVOKE, 0xb2, 1767225603000ull,
                                          ENTRY_REASON_SUPERSEDED));
    json_object_set_new(json_array_get(arr, 0), "reason",
                        json_integer(ENTRY_REASON_MISCONDUCT));
    seed_body("reason-misconduct", arr);
    arr = json_array();
    json_array_append_new(arr, submission_for("other.example/log", ENTRY_ISSUE,
                                              0xa1, 1767225601000ull, 0));
    seed_body("signed-for-another-log", arr);
    seed_sub_edit("no-signature", "signature", NULL);
    seed_sub_edit("reason-on-issue", "reason", json_integer(1));
    seed_sub_edit("negative-timestamp", "timestamp_ms", json_integer(-1));
    seed_sub_edit("type-capital", "type", json_string("Issue"));
    seed_sub_edit("type-map", "type", json_string("map"));
    seed_sub_edit("issuer-plus", "issuer", json_string("avans+nl"));
    seed_sub_edit("issuer-unknown", "issuer", json_string("other.example"));
    seed_sub_edit("key-id-upper", "key_id", json_string("ABCDEF01"));
    seed_sub_edit("key-id-short", "key_id", json_string("abcdef0"));
    seed_sub_edit(
        "hash-63", "credential_hash",
        json_string(
            "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a"));
    seed_sub_edit("signature-63-bytes", "signature",
                  json_string("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
                              "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="));
    seed_str("logd_submission", "empty-entries", "{\"entries\": []}");
    seed_str("logd_submission", "not-array", "{\"entries\": {}}");
    seed_str("logd_submission", "extra-top-field",
             "{\"entries\": [], \"x\": 1}");
    seed_str("logd_submission", "not-json", "{\"entries\": [");
    seed_str("logd_submission", "array-of-null", "{\"entries\": [null]}");

    for (size_t i = 0; i < sizeof queries / sizeof queries[0]; i++) {
        snprintf(name, sizeof name, "%zu", i);
        /* Each starts with its selector byte, which may be NUL. */
        seed("logd_query", name, queries[i], 1 + strlen(queries[i] + 1));
    }

    note_verifier_format(fuzz_issuer_verifier(), vkey, sizeof vkey);
    note_verifier_format(fuzz_log_verifier(), lkey, sizeof lkey);
    note_verifier_format(fuzz_witness_verifier(), wkey, sizeof wkey);
    seed_str("logd_issuers", "empty", "");
    snprintf(buf, sizeof buf, "%s\n", vkey);
    seed_str("logd_issuers", "one", buf);
    snprintf(buf, sizeof buf, "# issuers\n\n  %s\t\r\n%s\n# end", lkey, vkey);
    seed_str("logd_issuers", "comments-blanks-crlf", buf);
    snprintf(buf, sizeof buf, "%s\n%s\n%s", vkey, lkey, vkey);
    seed_str("logd_issuers", "duplicate-no-final-newline", buf);
    snprintf(buf, sizeof buf, "%s\n%s\n", vkey, wkey);
    seed_str("logd_issuers", "cosignature-key", buf);
    snprintf(buf, sizeof buf, "%s\nnot a key\n", vkey);
    seed_str("logd_issuers", "bad-line-2", buf);
    snprintf(buf, sizeof buf, "%s # trailing comment\n", vkey);
    seed_str("logd_issuers", "trailing-comment", buf);
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
    seeds_merkle();
    seeds_client();
    seeds_logd();
    json_decref(tlog);
    json_decref(smt);
    printf("fuzz_make_seeds: %lu seeds written under %s\n", written,
           corpus_dir);
    return 0;
}
