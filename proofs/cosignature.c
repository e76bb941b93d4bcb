/* cosignature.c: C2SP tlog-cosignature/v1 messages. See cosignature.h. */
#include "proofs/cosignature.h"

#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proofs/be.h"
#include "proofs/codec.h"
#include "proofs/ed25519.h"

/* key id (4) || timestamp (8) || signature (64) */
#define COSIG_BLOB_SIZE (4 + 8 + ED25519_SIGNATURE_SIZE)

/* Messages of bodies up to this size are built on the stack. */
#define STACK_MESSAGE 1024

const char *cosignature_strerror(int err)
{
    switch (err) {
    case 0:
        return "success";
    case COSIG_ERR_SPACE:
        return "output buffer too small";
    case COSIG_ERR_KEY:
        return "not a cosigner key, or a zero timestamp";
    case COSIG_ERR_CRYPTO:
        return "cryptographic library failure";
    default:
        return "unknown cosignature error";
    }
}

int cosignature_message(uint64_t timestamp, const char *body, size_t body_len,
                        uint8_t *buf, size_t cap)
{
    char prefix[COSIGNATURE_PREFIX_MAX + 1];
    int plen;

    plen = snprintf(prefix, sizeof prefix, "cosignature/v1\ntime %" PRIu64 "\n",
                    timestamp);
    if (plen < 0 || (size_t)plen >= sizeof prefix)
        return COSIG_ERR_SPACE;
    if (body_len > (size_t)INT_MAX - (size_t)plen ||
        (size_t)plen + body_len > cap)
        return COSIG_ERR_SPACE;
    memcpy(buf, prefix, (size_t)plen);
    if (body_len > 0)
        memcpy(buf + plen, body, body_len);
    return plen + (int)body_len;
}

int cosignature_line(const char *name, uint32_t key_id, uint64_t timestamp,
                     const uint8_t sig[ED25519_SIGNATURE_SIZE], char *line,
                     size_t cap)
{
    uint8_t blob[COSIG_BLOB_SIZE];
    size_t nlen = strnlen(name, NOTE_NAME_MAX + 1);
    char *p;

    if (timestamp == 0 || timestamp > INT64_MAX || !note_name_valid(name, nlen))
        return COSIG_ERR_KEY;
    if (4 + nlen + 1 + CODEC_B64_LEN(COSIG_BLOB_SIZE) + 1 + 1 > cap)
        return COSIG_ERR_SPACE;
    be_put32(blob, key_id);
    be_put64(blob + 4, timestamp);
    memcpy(blob + 12, sig, ED25519_SIGNATURE_SIZE);
    p = line;
    memcpy(p, "\xe2\x80\x94 ", 4);
    p += 4;
    memcpy(p, name, nlen);
    p += nlen;
    *p++ = ' ';
    p += codec_b64_encode(blob, sizeof blob, p);
    *p++ = '\n';
    *p = '\0';
    return (int)(p - line);
}

int cosignature_sign(const struct note_signer *s, uint64_t timestamp,
                     const char *body, size_t body_len, char *line, size_t cap)
{
    uint8_t stack[STACK_MESSAGE], *msg = stack, sig[ED25519_SIGNATURE_SIZE];
    size_t nlen = strnlen(s->name, sizeof s->name);
    int mlen, rc = COSIG_ERR_CRYPTO;

    if (s->type != NOTE_TYPE_COSIGNATURE || timestamp == 0 ||
        timestamp > INT64_MAX || !note_name_valid(s->name, nlen))
        return COSIG_ERR_KEY;
    if (4 + nlen + 1 + CODEC_B64_LEN(COSIG_BLOB_SIZE) + 1 + 1 > cap)
        return COSIG_ERR_SPACE;
    if (body_len + COSIGNATURE_PREFIX_MAX > sizeof stack &&
        (msg = malloc(body_len + COSIGNATURE_PREFIX_MAX)) == NULL)
        return COSIG_ERR_SPACE;
    mlen = cosignature_message(timestamp, body, body_len, msg,
                               body_len + COSIGNATURE_PREFIX_MAX);
    if (mlen < 0) {
        rc = mlen;
        goto done;
    }
    if (ed25519_sign(s->seed, msg, (size_t)mlen, sig) != 0)
        goto done;
    rc = cosignature_line(s->name, s->key_id, timestamp, sig, line, cap);
done:
    if (msg != stack)
        free(msg);
    return rc;
}
