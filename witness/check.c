/*
 * check.c: the tlog-witness add-checkpoint rules. See check.h.
 *
 * Two choices go beyond the spec's minimum, both from what other witnesses
 * learned the hard way: only the log's verified signature lines are kept
 * (an unverified line under the witness's own name once wedged a log in
 * Sunlight), and the checkpoint must be in canonical form without extension
 * lines, so the text cosigned is exactly the text parsed.
 */
#include "witness/check.h"

#include <string.h>

#include "proofs/be.h"
#include "proofs/codec.h"

/* "— " (U+2014 EM DASH, space) starts every signature line. */
#define SIG_PREFIX "\xe2\x80\x94 "
#define SIG_PREFIX_LEN 4

const char *witness_strerror(int err)
{
    switch (err) {
    case 0:
        return "success";
    case WITNESS_ERR_MALFORMED:
        return "malformed add-checkpoint request";
    case WITNESS_ERR_TOO_LARGE:
        return "add-checkpoint request over 16 KiB";
    case WITNESS_ERR_UNKNOWN_LOG:
        return "unknown log origin";
    case WITNESS_ERR_FORBIDDEN:
        return "no valid signature by the log's key";
    case WITNESS_ERR_RATE:
        return "the log exceeds its add-checkpoint rate (qpd)";
    case WITNESS_ERR_CONFLICT:
        return "old size differs from the latest cosigned size";
    case WITNESS_ERR_INCONSISTENT:
        return "checkpoint inconsistent with the latest cosigned one";
    case WITNESS_ERR_STORE:
        return "witness state store failure";
    case WITNESS_ERR_NOMEM:
        return "out of memory";
    case WITNESS_ERR_SIGN:
        return "cosigning failed";
    case WITNESS_ERR_MAP:
        return "the log's entries do not replay by credlog's rules";
    case WITNESS_ERR_BUSY:
        return "the map is not verified up to this checkpoint yet";
    default:
        return "unknown witness error";
    }
}

int witness_http_status(int err)
{
    switch (err) {
    case 0:
        return 200;
    case WITNESS_ERR_MALFORMED:
        return 400;
    case WITNESS_ERR_TOO_LARGE:
        return 413;
    case WITNESS_ERR_UNKNOWN_LOG:
        return 404;
    case WITNESS_ERR_FORBIDDEN:
        return 403;
    case WITNESS_ERR_RATE:
        return 429;
    case WITNESS_ERR_CONFLICT:
        return 409;
    case WITNESS_ERR_INCONSISTENT:
    case WITNESS_ERR_MAP:
        return 422;
    case WITNESS_ERR_BUSY:
        return 503;
    default:
        return 500;
    }
}

/* The offset just past the note's text: after the last "\n\n", or 0. */
static size_t text_end(const char *note, size_t len)
{
    for (size_t i = len; i >= 2; i--)
        if (note[i - 1] == '\n' && note[i - 2] == '\n')
            return i - 1;
    return 0;
}

int witness_request_parse(const char *body, size_t len,
                          struct witness_request *out)
{
    char canon[CHECKPOINT_BODY_MAX + 1];
    int rc, n;

    memset(out, 0, sizeof *out);
    rc = add_checkpoint_parse(body, len, &out->add);
    if (rc == ADD_CHECKPOINT_ERR_LIMIT)
        return WITNESS_ERR_TOO_LARGE;
    if (rc != 0)
        goto fail;
    out->text_len = text_end(out->add.note, out->add.note_len);
    if (out->text_len == 0 ||
        checkpoint_parse(out->add.note, out->text_len, &out->cp) != 0)
        goto fail;
    /* Canonical and without extension lines: the text is its own
     * re-encoding. */
    n = checkpoint_format(&out->cp, canon, sizeof canon);
    if (n < 0 || (size_t)n != out->text_len ||
        memcmp(canon, out->add.note, out->text_len) != 0)
        goto fail;
    if (out->add.old_size > out->cp.size)
        goto fail;
    return 0;
fail:
    memset(out, 0, sizeof *out);
    return WITNESS_ERR_MALFORMED;
}

/* Whether a signature line (without its "\n") is log's: its name and the
 * key id at the start of its blob. */
static bool line_is_logs(const char *s, size_t len,
                         const struct note_verifier *log)
{
    size_t nlen = strlen(log->name);
    uint8_t blob[128];
    int n;

    if (len < SIG_PREFIX_LEN + nlen + 1 ||
        memcmp(s, SIG_PREFIX, SIG_PREFIX_LEN) != 0 ||
        memcmp(s + SIG_PREFIX_LEN, log->name, nlen) != 0 ||
        s[SIG_PREFIX_LEN + nlen] != ' ')
        return false;
    s += SIG_PREFIX_LEN + nlen + 1;
    len -= SIG_PREFIX_LEN + nlen + 1;
    n = codec_b64_decode(s, len, blob, sizeof blob);
    return n >= 4 && be_get32(blob) == log->key_id;
}

int witness_request_authenticate(const struct witness_request *r,
                                 const struct note_verifier *log, char *sigs,
                                 size_t cap, size_t *sigs_len)
{
    const char *p, *end = r->add.note + r->add.note_len;
    size_t text_len, out = 0;
    bool verified = false;
    int rc;

    *sigs_len = 0;
    if (cap > 0)
        sigs[0] = '\0';
    rc = note_open(r->add.note, r->add.note_len, log, 1, &text_len, &verified,
                   NULL);
    if (rc == NOTE_ERR_BAD_SIG || rc == NOTE_ERR_UNVERIFIED)
        return WITNESS_ERR_FORBIDDEN;
    if (rc == NOTE_ERR_NOMEM)
        return WITNESS_ERR_NOMEM;
    if (rc != 0 || !verified || text_len != r->text_len)
        return WITNESS_ERR_MALFORMED;
    /* note_open() checked the form of every line and verified every line
     * of the log's key: keep exactly those. */
    for (p = r->add.note + text_len + 1; p < end;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = (size_t)(nl - p);

        if (nl == NULL)
            return WITNESS_ERR_MALFORMED;
        if (line_is_logs(p, n, log)) {
            if (out + n + 2 > cap)
                return WITNESS_ERR_NOMEM;
            memcpy(sigs + out, p, n + 1);
            out += n + 1;
        }
        p = nl + 1;
    }
    if (out == 0)
        return WITNESS_ERR_FORBIDDEN;
    sigs[out] = '\0';
    *sigs_len = out;
    return 0;
}

int witness_request_check(const struct witness_request *r,
                          const struct witness_state *cur)
{
    const struct add_checkpoint *a = &r->add;
    uint8_t empty[MERKLE_HASH_SIZE];

    if (a->old_size != cur->size)
        return WITNESS_ERR_CONFLICT;
    if (r->cp.size == 0) {
        merkle_empty_root(empty);
        if (memcmp(r->cp.root, empty, MERKLE_HASH_SIZE) != 0)
            return WITNESS_ERR_INCONSISTENT;
    }
    if (a->old_size == 0)
        return a->nproof == 0 ? 0 : WITNESS_ERR_INCONSISTENT;
    if (merkle_consistency_verify(
            a->old_size, r->cp.size, cur->root, r->cp.root,
            (const uint8_t(*)[MERKLE_HASH_SIZE])a->proof, a->nproof) != 0)
        return WITNESS_ERR_INCONSISTENT;
    return 0;
}

int witness_cosigned_note(const struct witness_request *r, const char *sigs,
                          size_t sigs_len, const char *line, char *note,
                          size_t cap, struct witness_state *next)
{
    size_t n = strlen(line), need = r->text_len + 1 + sigs_len + n;

    if (need + 1 > cap)
        return WITNESS_ERR_NOMEM;
    memcpy(note, r->add.note, r->text_len);
    note[r->text_len] = '\n';
    memcpy(note + r->text_len + 1, sigs, sigs_len);
    memcpy(note + r->text_len + 1 + sigs_len, line, n);
    note[need] = '\0';
    next->size = r->cp.size;
    memcpy(next->root, r->cp.root, MERKLE_HASH_SIZE);
    return (int)need;
}
