/* issuer.c: see issuer.h. */
#include "issuer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "proofs/codec.h"

static char origin_name[NOTE_NAME_MAX + 1];

void issuer_set_origin(const char *origin)
{
    snprintf(origin_name, sizeof origin_name, "%s", origin);
}

const char *issuer_origin(void)
{
    return origin_name;
}

void issuer_make(struct issuer *is, const char *name)
{
    if (note_signer_generate(name, &is->s) != 0)
        abort();
    note_signer_verifier(&is->s, &is->v);
}

void issuer_wipe(struct issuer *is)
{
    note_signer_wipe(&is->s);
}

uint64_t issuer_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void issuer_sign_entry(struct entry *e, uint8_t type, const uint8_t cred[32],
                       const struct note_signer *s, uint64_t ts, uint8_t reason)
{
    memset(e, 0, sizeof *e);
    e->version = ENTRY_VERSION_2;
    e->type = type;
    memcpy(e->credential, cred, 32);
    e->timestamp_ms = ts;
    e->reason = type == ENTRY_REVOKE ? reason : 0;
    if (entry_sign(e, origin_name, s) != 0)
        abort();
}

uint8_t issuer_reason(uint64_t n)
{
    static const uint8_t reasons[] = {
        ENTRY_REASON_UNSPECIFIED, ENTRY_REASON_ISSUED_IN_ERROR,
        ENTRY_REASON_SUPERSEDED, ENTRY_REASON_WITHDRAWN};

    return reasons[n % 4];
}

void issuer_entry(struct entry *e, uint8_t type, const uint8_t cred[32],
                  const struct issuer *is, uint64_t ts, uint8_t reason)
{
    issuer_sign_entry(e, type, cred, &is->s, ts, reason);
}

size_t issuer_entry_bytes(const struct entry *e, uint8_t *buf)
{
    int n = entry_encode(e, buf, ENTRY_MAX_SIZE);

    if (n < 0)
        abort();
    return (size_t)n;
}

json_t *issuer_submission_json(const struct entry *e)
{
    char hex[65], kid[9], sig[CODEC_B64_LEN(64) + 1];
    json_t *o = json_object();

    codec_hex_encode(e->credential, 32, hex);
    snprintf(kid, sizeof kid, "%08x", (unsigned)e->key_id);
    codec_b64_encode(e->signature, 64, sig);
    if (e->version == ENTRY_VERSION_2)
        json_object_set_new(o, "version", json_integer(ENTRY_VERSION_2));
    json_object_set_new(
        o, "type", json_string(e->type == ENTRY_ISSUE ? "issue" : "revoke"));
    json_object_set_new(o, "credential_hash", json_string(hex));
    json_object_set_new(o, "issuer", json_string(e->issuer));
    json_object_set_new(o, "key_id", json_string(kid));
    json_object_set_new(o, "timestamp_ms",
                        json_integer((json_int_t)e->timestamp_ms));
    json_object_set_new(o, "signature", json_string(sig));
    if (e->type == ENTRY_REVOKE)
        json_object_set_new(o, "reason", json_integer(e->reason));
    return o;
}
