/*
 * fuzz_support.c: the fixed keys and helpers of fuzz.h.
 */
#include "fuzz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proofs/codec.h"
#include "proofs/ed25519.h"

_Noreturn void fuzz_fail(const char *file, int line, const char *what)
{
    fprintf(stderr, "%s:%d: invariant failed: %s\n", file, line, what);
    fflush(stderr);
    abort();
}

char *fuzz_strdup(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);

    if (s == NULL)
        abort();
    if (size > 0)
        memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

/* The keys are built once and never freed: a fuzz process lives as long as
 * its target. */
struct fuzz_keys {
    int ready;
    struct note_signer vector, log, issuer, witness;
    struct note_verifier vvector, vlog, vissuer, vwitness;
};

static struct fuzz_keys keys;

static void make_signer(const char *name, const uint8_t seed[32],
                        struct note_signer *s, struct note_verifier *v)
{
    if (note_signer_from_seed(name, seed, s) != 0)
        fuzz_fail(__FILE__, __LINE__, "note_signer_from_seed");
    note_signer_verifier(s, v);
}

static struct fuzz_keys *fuzz_keys(void)
{
    uint8_t seed[32];

    if (keys.ready)
        return &keys;
    for (int i = 0; i < 32; i++)
        seed[i] = (uint8_t)i;
    make_signer("example.org/credlog-test", seed, &keys.vector, &keys.vvector);
    memset(seed, 0x07, sizeof seed);
    make_signer("log.example.org", seed, &keys.log, &keys.vlog);
    memset(seed, 0x01, sizeof seed);
    make_signer("avans.nl", seed, &keys.issuer, &keys.vissuer);
    memset(seed, 0x0c, sizeof seed);
    make_signer("witness.example.org", seed, &keys.witness, &keys.vwitness);
    keys.vwitness.type = NOTE_TYPE_COSIGNATURE;
    keys.vwitness.key_id = note_key_id(
        keys.vwitness.name, NOTE_TYPE_COSIGNATURE, keys.vwitness.pub);
    keys.witness.key_id = keys.vwitness.key_id;
    keys.ready = 1;
    return &keys;
}

const struct note_signer *fuzz_vector_signer(void)
{
    return &fuzz_keys()->vector;
}
const struct note_signer *fuzz_log_signer(void)
{
    return &fuzz_keys()->log;
}
const struct note_signer *fuzz_issuer_signer(void)
{
    return &fuzz_keys()->issuer;
}
const struct note_signer *fuzz_witness_signer(void)
{
    return &fuzz_keys()->witness;
}
const struct note_verifier *fuzz_vector_verifier(void)
{
    return &fuzz_keys()->vvector;
}
const struct note_verifier *fuzz_log_verifier(void)
{
    return &fuzz_keys()->vlog;
}
const struct note_verifier *fuzz_issuer_verifier(void)
{
    return &fuzz_keys()->vissuer;
}
const struct note_verifier *fuzz_witness_verifier(void)
{
    return &fuzz_keys()->vwitness;
}

size_t fuzz_cosign(const char *text, size_t len, uint64_t ts, char *line)
{
    const struct note_signer *w = fuzz_witness_signer();
    uint8_t blob[4 + 8 + ED25519_SIGNATURE_SIZE], *msg;
    size_t cap = len + 64, n;
    int mlen;

    msg = malloc(cap);
    if (msg == NULL)
        abort();
    mlen = cosignature_message(ts, text, len, msg, cap);
    if (mlen < 0)
        fuzz_fail(__FILE__, __LINE__, "cosignature_message");
    for (int i = 0; i < 4; i++)
        blob[i] = (uint8_t)(w->key_id >> (24 - 8 * i));
    for (int i = 0; i < 8; i++)
        blob[4 + i] = (uint8_t)(ts >> (56 - 8 * i));
    if (ed25519_sign(w->seed, msg, (size_t)mlen, blob + 12) != 0)
        fuzz_fail(__FILE__, __LINE__, "ed25519_sign");
    free(msg);
    n = (size_t)snprintf(line, FUZZ_COSIG_LINE_MAX, "\xe2\x80\x94 %s ",
                         w->name);
    n += codec_b64_encode(blob, sizeof blob, line + n);
    line[n++] = '\n';
    line[n] = '\0';
    return n;
}
