/* bundle.c: see bundle.h. */
#include "client/bundle.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proofs/codec.h"
#include "proofs/num.h"

int client_bundle_format(const struct client_status_proof *sp,
                         const struct client_receipt *receipt,
                         const uint8_t (*consistency)[MERKLE_HASH_SIZE],
                         size_t consistency_len, uint64_t from, uint64_t to,
                         char **out)
{
    json_t *o = json_object();
    json_t *s = client_status_proof_to_json(sp);
    int bad = o == NULL || s == NULL;

    *out = NULL;
    bad = bad || json_object_set_new(o, "format",
                                     json_string(CLIENT_BUNDLE_FORMAT)) != 0;
    bad = bad || json_object_set(o, "status_proof", s) != 0;
    if (!bad && receipt != NULL) {
        json_t *r = client_receipt_to_json(receipt);
        bad = r == NULL || json_object_set_new(o, "receipt", r) != 0;
    }
    if (!bad && consistency != NULL) {
        json_t *c =
            client_consistency_to_json(from, to, consistency, consistency_len);
        bad = c == NULL || json_object_set_new(o, "consistency", c) != 0;
    }
    if (!bad)
        *out = json_dumps(o, JSON_INDENT(2));
    json_decref(s);
    json_decref(o);
    return *out == NULL ? CLIENT_ERR_NOMEM : 0;
}

int client_bundle_parse(const char *text, size_t len, struct client_bundle *out,
                        char *why)
{
    json_error_t err;
    json_t *j, *f, *r, *c;
    char inner[CLIENT_REASON_MAX];
    uint64_t from, to;
    int rc;

    memset(out, 0, sizeof *out);
    j = json_loadb(text, len, JSON_REJECT_DUPLICATES, &err);
    if (j == NULL)
        return client_fail(why, CLIENT_ERR_SYNTAX,
                           "bundle is not JSON: %s (line %d)", err.text,
                           err.line);
    f = json_object_get(j, "format");
    if (!json_is_string(f) ||
        strcmp(json_string_value(f), CLIENT_BUNDLE_FORMAT) != 0) {
        json_decref(j);
        return client_fail(why, CLIENT_ERR_SYNTAX, "not a %s file",
                           CLIENT_BUNDLE_FORMAT);
    }
    rc = client_status_proof_from_json(json_object_get(j, "status_proof"),
                                       &out->status, inner);
    if (rc != 0) {
        json_decref(j);
        return client_fail(why, rc, "bundle status_proof: %s", inner);
    }
    r = json_object_get(j, "receipt");
    if (r != NULL) {
        rc = client_receipt_from_json(r, &out->receipt, inner);
        if (rc != 0) {
            client_bundle_free(out);
            json_decref(j);
            return client_fail(why, rc, "bundle receipt: %s", inner);
        }
        out->has_receipt = true;
    }
    c = json_object_get(j, "consistency");
    if (c != NULL) {
        rc = client_consistency_from_json(c, &from, &to, out->consistency,
                                          &out->consistency_len, inner);
        if (rc != 0) {
            client_bundle_free(out);
            json_decref(j);
            return client_fail(why, rc, "bundle consistency: %s", inner);
        }
        out->has_consistency = true;
    }
    json_decref(j);
    return 0;
}

void client_bundle_free(struct client_bundle *b)
{
    if (b == NULL)
        return;
    client_status_proof_free(&b->status);
    client_receipt_free(&b->receipt);
    b->has_receipt = false;
}

int client_tlog_proof_format(const struct client_receipt *r, char **out)
{
    size_t cap = sizeof CLIENT_TLOG_PROOF_HEADER + 6 +
                 CODEC_B64_LEN(r->e.entry_len) + 32 +
                 r->e.inclusion_len * (CODEC_B64_LEN(MERKLE_HASH_SIZE) + 1) +
                 1 + r->checkpoint_len + 1;
    char *buf = malloc(cap);
    size_t n;

    *out = NULL;
    if (buf == NULL)
        return CLIENT_ERR_NOMEM;
    n = (size_t)sprintf(buf, "%sextra ", CLIENT_TLOG_PROOF_HEADER);
    n += codec_b64_encode(r->e.entry, r->e.entry_len, buf + n);
    n += (size_t)sprintf(buf + n, "\nindex %" PRIu64 "\n", r->e.index);
    for (size_t i = 0; i < r->e.inclusion_len; i++) {
        n += codec_b64_encode(r->e.inclusion[i], MERKLE_HASH_SIZE, buf + n);
        buf[n++] = '\n';
    }
    buf[n++] = '\n';
    memcpy(buf + n, r->checkpoint, r->checkpoint_len);
    n += r->checkpoint_len;
    buf[n] = '\0';
    *out = buf;
    return (int)n;
}

/* The next line of text at *pos (without its "\n"); -1 if none ends there. */
static int next_line(const char *text, size_t len, size_t *pos,
                     const char **line, size_t *line_len)
{
    const char *nl;

    if (*pos >= len)
        return -1;
    nl = memchr(text + *pos, '\n', len - *pos);
    if (nl == NULL)
        return -1;
    *line = text + *pos;
    *line_len = (size_t)(nl - *line);
    *pos += *line_len + 1;
    return 0;
}

int client_tlog_proof_parse(const char *text, size_t len,
                            struct client_receipt *out, char *why)
{
    size_t hl = strlen(CLIENT_TLOG_PROOF_HEADER), pos, line_len;
    const char *line;
    bool have_extra = false;
    int rc;

    memset(out, 0, sizeof *out);
    if (len < hl || memcmp(text, CLIENT_TLOG_PROOF_HEADER, hl) != 0)
        return client_fail(why, CLIENT_ERR_SYNTAX,
                           "not a c2sp.org/tlog-proof@v1 file");
    pos = hl;
    if (next_line(text, len, &pos, &line, &line_len) != 0)
        return client_fail(why, CLIENT_ERR_SYNTAX, "tlog-proof: truncated");
    if (line_len > 6 && memcmp(line, "extra ", 6) == 0) {
        rc = codec_b64_decode(line + 6, line_len - 6, out->e.entry,
                              sizeof out->e.entry);
        if (rc < 0)
            return client_fail(why, CLIENT_ERR_SYNTAX,
                               "tlog-proof: extra is not a base64 entry");
        out->e.entry_len = (size_t)rc;
        have_extra = true;
        if (next_line(text, len, &pos, &line, &line_len) != 0)
            return client_fail(why, CLIENT_ERR_SYNTAX, "tlog-proof: truncated");
    }
    if (line_len < 7 || memcmp(line, "index ", 6) != 0 ||
        num_parse_u64(line + 6, line_len - 6, &out->e.index) != 0)
        return client_fail(why, CLIENT_ERR_SYNTAX,
                           "tlog-proof: bad index line");
    for (;;) {
        if (next_line(text, len, &pos, &line, &line_len) != 0)
            return client_fail(
                why, CLIENT_ERR_SYNTAX,
                "tlog-proof: no blank line before the checkpoint");
        if (line_len == 0)
            break;
        if (out->e.inclusion_len == MERKLE_MAX_PROOF ||
            codec_b64_decode(line, line_len,
                             out->e.inclusion[out->e.inclusion_len],
                             MERKLE_HASH_SIZE) != MERKLE_HASH_SIZE)
            return client_fail(why, CLIENT_ERR_SYNTAX,
                               "tlog-proof: bad inclusion hash line %zu",
                               out->e.inclusion_len + 1);
        out->e.inclusion_len++;
    }
    if (!have_extra)
        return client_fail(
            why, CLIENT_ERR_SYNTAX,
            "tlog-proof has no \"extra\" line carrying the credlog entry");
    if (len - pos == 0 || len - pos > CLIENT_NOTE_MAX)
        return client_fail(why, CLIENT_ERR_SYNTAX,
                           "tlog-proof: missing or oversized checkpoint");
    out->checkpoint = malloc(len - pos + 1);
    if (out->checkpoint == NULL)
        return client_fail(why, CLIENT_ERR_NOMEM, "out of memory");
    memcpy(out->checkpoint, text + pos, len - pos);
    out->checkpoint[len - pos] = '\0';
    out->checkpoint_len = len - pos;
    return 0;
}
