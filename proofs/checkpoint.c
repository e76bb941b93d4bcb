/*
 * checkpoint.c: C2SP tlog-checkpoint bodies. See checkpoint.h.
 *
 * Stricter than Go's sumdb/tlog where it is lax: the size has no leading
 * zeros (proofs/num.h), the root is canonical base64, and an extension line
 * may not be empty.
 */
#include "proofs/checkpoint.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "proofs/codec.h"
#include "proofs/num.h"

const char *checkpoint_strerror(int err)
{
    switch (err) {
    case 0:
        return "success";
    case CHECKPOINT_ERR_SYNTAX:
        return "malformed checkpoint";
    case CHECKPOINT_ERR_SPACE:
        return "output buffer too small";
    default:
        if (CREDLOG_ERR_IN(err, NOTE_ERR_BASE))
            return note_strerror(err);
        return "unknown checkpoint error";
    }
}

int checkpoint_format(const struct checkpoint *c, char *buf, size_t cap)
{
    char root[CODEC_B64_LEN(MERKLE_HASH_SIZE) + 1];
    const char *nul = memchr(c->origin, '\0', sizeof c->origin);
    int n;

    if (nul == NULL || !note_name_valid(c->origin, (size_t)(nul - c->origin)))
        return CHECKPOINT_ERR_SYNTAX;
    codec_b64_encode(c->root, MERKLE_HASH_SIZE, root);
    n = snprintf(buf, cap, "%s\n%" PRIu64 "\n%s\n", c->origin, c->size, root);
    if (n < 0 || (size_t)n >= cap)
        return CHECKPOINT_ERR_SPACE;
    return n;
}

int checkpoint_parse(const char *text, size_t len, struct checkpoint *out)
{
    const char *end = text + len, *p = text, *nl;

    memset(out, 0, sizeof *out);
    if (!note_text_valid(text, len))
        goto fail;
    /* The final "\n" guarantees memchr finds each line's end. */
    nl = memchr(p, '\n', (size_t)(end - p));
    if (!note_name_valid(p, (size_t)(nl - p)))
        goto fail;
    memcpy(out->origin, p, (size_t)(nl - p));
    p = nl + 1;
    if (p == end)
        goto fail;
    nl = memchr(p, '\n', (size_t)(end - p));
    if (num_parse_u64(p, (size_t)(nl - p), &out->size) != 0)
        goto fail;
    p = nl + 1;
    if (p == end)
        goto fail;
    nl = memchr(p, '\n', (size_t)(end - p));
    if (nl - p != CODEC_B64_LEN(MERKLE_HASH_SIZE) ||
        codec_b64_decode(p, (size_t)(nl - p), out->root, MERKLE_HASH_SIZE) !=
            MERKLE_HASH_SIZE)
        goto fail;
    /* Extension lines: any number, none empty. */
    for (p = nl + 1; p < end; p = nl + 1) {
        nl = memchr(p, '\n', (size_t)(end - p));
        if (nl == p)
            goto fail;
    }
    return 0;
fail:
    memset(out, 0, sizeof *out);
    return CHECKPOINT_ERR_SYNTAX;
}

int checkpoint_open(const char *note, size_t len,
                    const struct note_verifier *log, struct checkpoint *out)
{
    size_t text_len;
    int rc;

    memset(out, 0, sizeof *out);
    rc = note_open(note, len, log, 1, &text_len, NULL, NULL);
    if (rc != 0)
        return rc;
    rc = checkpoint_parse(note, text_len, out);
    if (rc != 0)
        return rc;
    if (strcmp(out->origin, log->name) != 0) {
        memset(out, 0, sizeof *out);
        return NOTE_ERR_UNVERIFIED;
    }
    return 0;
}
