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

int cosignature_sign(const struct note_signer *s, uint64_t timestamp,
                     const char *body, size_t body_len, char *line, size_t cap)
{
    uint8_t stack[STACK_MESSAGE], *msg = stack, blob[COSIG_BLOB_SIZE];
    size_t nlen = strnlen(s->name, sizeof s->name), need;
    int mlen, rc = COSIG_ERR_CRYPTO;
    char *p;

    if (s->type != NOTE_TYPE_COSIGNATURE || timestamp == 0 ||
        timestamp > INT64_MAX || !note_name_valid(s->name, nlen))
        return COSIG_ERR_KEY;
    need = 4 + nlen + 1 + CODEC_B64_LEN(COSIG_BLOB_SIZE) + 1;
    if (need + 1 > cap)
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
    be_put32(blob, s->key_id);
    be_put64(blob + 4, timestamp);
    if (ed25519_sign(s->seed, msg, (size_t)mlen, blob + 12) != 0)
        goto done;
    p = line;
    memcpy(p, "\xe2\x80\x94 ", 4);
    p += 4;
    memcpy(p, s->name, nlen);
    p += nlen;
    *p++ = ' ';
    p += codec_b64_encode(blob, sizeof blob, p);
    *p++ = '\n';
    *p = '\0';
    rc = (int)(p - line);
done:
    if (msg != stack)
        free(msg);
    return rc;
}
