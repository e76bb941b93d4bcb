/*
 * add_checkpoint.c: tlog-witness add-checkpoint bodies. See add_checkpoint.h.
 *
 * Strict by design: the witness answers 400 to anything this refuses, and a
 * lenient parser (Sscanf("old %d")) is how implementations drifted apart.
 */
#include "proofs/add_checkpoint.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "proofs/codec.h"
#include "proofs/num.h"

#define HASH_B64_LEN CODEC_B64_LEN(MERKLE_HASH_SIZE)

const char *add_checkpoint_strerror(int err)
{
    switch (err) {
    case 0:
        return "success";
    case ADD_CHECKPOINT_ERR_SYNTAX:
        return "malformed add-checkpoint request";
    case ADD_CHECKPOINT_ERR_SPACE:
        return "output buffer too small";
    case ADD_CHECKPOINT_ERR_LIMIT:
        return "add-checkpoint request too large";
    default:
        return "unknown add-checkpoint error";
    }
}

int add_checkpoint_parse(const char *body, size_t len,
                         struct add_checkpoint *out)
{
    const char *p = body, *end = body + len, *nl;

    memset(out, 0, sizeof *out);
    if (len > ADD_CHECKPOINT_MAX)
        return ADD_CHECKPOINT_ERR_LIMIT;
    if (len < 4 || memcmp(p, "old ", 4) != 0)
        goto fail;
    p += 4;
    if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL ||
        num_parse_u64(p, (size_t)(nl - p), &out->old_size) != 0)
        goto fail;
    p = nl + 1;
    for (;;) {
        if (p == end)
            goto fail; /* no blank line */
        if (*p == '\n') {
            p++;
            break;
        }
        if (out->nproof == ADD_CHECKPOINT_MAX_PROOF ||
            (size_t)(end - p) < HASH_B64_LEN + 1 || p[HASH_B64_LEN] != '\n' ||
            codec_b64_decode(p, HASH_B64_LEN, out->proof[out->nproof],
                             MERKLE_HASH_SIZE) != MERKLE_HASH_SIZE)
            goto fail;
        out->nproof++;
        p += HASH_B64_LEN + 1;
    }
    if (p == end)
        goto fail;
    out->note = p;
    out->note_len = (size_t)(end - p);
    return 0;
fail:
    memset(out, 0, sizeof *out);
    return ADD_CHECKPOINT_ERR_SYNTAX;
}

int add_checkpoint_format(uint64_t old_size,
                          const uint8_t (*proof)[MERKLE_HASH_SIZE],
                          unsigned nproof, const char *note, size_t note_len,
                          char *buf, size_t cap)
{
    size_t need, off;
    int n;

    if (nproof > ADD_CHECKPOINT_MAX_PROOF)
        return ADD_CHECKPOINT_ERR_SYNTAX;
    n = snprintf(buf, cap, "old %" PRIu64 "\n", old_size);
    if (n < 0 || (size_t)n >= cap)
        return ADD_CHECKPOINT_ERR_SPACE;
    off = (size_t)n;
    need = off + (size_t)nproof * (HASH_B64_LEN + 1) + 1 + note_len;
    if (need >= cap || need > INT32_MAX)
        return ADD_CHECKPOINT_ERR_SPACE;
    for (unsigned i = 0; i < nproof; i++) {
        off += codec_b64_encode(proof[i], MERKLE_HASH_SIZE, buf + off);
        buf[off++] = '\n';
    }
    buf[off++] = '\n';
    memcpy(buf + off, note, note_len);
    off += note_len;
    buf[off] = '\0';
    return (int)off;
}
