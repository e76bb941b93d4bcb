/* request.c: see request.h. */
#include "logd/request.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "proofs/codec.h"

const char *request_strerror(int err)
{
    switch (err) {
    case 0:
        return "success";
    case REQUEST_ERR_SYNTAX:
        return "malformed request";
    case REQUEST_ERR_INVALID:
        return "invalid submission";
    case REQUEST_ERR_NOMEM:
        return "out of memory";
    default:
        return "unknown request error";
    }
}

static int fail(struct request_error *err, int code, const size_t *pos,
                const char *fmt, ...)
{
    char msg[200];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    err->has_position = pos != NULL;
    err->position = pos ? *pos : 0;
    if (pos != NULL)
        snprintf(err->message, sizeof err->message, "entries[%zu]: %s", *pos,
                 msg);
    else
        snprintf(err->message, sizeof err->message, "%s", msg);
    return code;
}

static const char *const fields[] = {"version",   "type",   "credential_hash",
                                     "issuer",    "key_id", "timestamp_ms",
                                     "signature", "reason"};

/* Parses one submission object into s. Returns 0, or REQUEST_ERR_INVALID
 * with the reason in msg. */
static int parse_sub(const json_t *obj, struct seq_sub *s, char *msg,
                     size_t cap)
{
    const char *key, *str;
    json_t *val, *v;
    uint8_t kid[4];
    uint32_t bad;
    size_t len;
    int n;

    if (!json_is_object(obj)) {
        snprintf(msg, cap, "a submission must be a JSON object");
        return REQUEST_ERR_INVALID;
    }
    json_object_foreach((json_t *)obj, key, val)
    {
        bool known = false;
        for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
            known |= strcmp(key, fields[i]) == 0;
        if (!known) {
            snprintf(msg, cap, "unknown field \"%.40s\"", key);
            return REQUEST_ERR_INVALID;
        }
    }
    memset(&s->e, 0, sizeof s->e);
    /* Version 1 signatures are valid in every log that authorizes the key,
     * so they could be replayed here from another log: only version 2,
     * signed for this log's origin, is admitted (protocol.md B.7). */
    v = json_object_get(obj, "version");
    if (v == NULL || (json_is_integer(v) && json_integer_value(v) == 1)) {
        snprintf(msg, cap,
                 "entry version 1 is no longer accepted: sign a version 2 "
                 "entry bound to this log's origin (protocol.md B.7)");
        return -1;
    }
    if (!json_is_integer(v) || json_integer_value(v) != ENTRY_VERSION_2) {
        snprintf(msg, cap, "version must be 2");
        return -1;
    }
    s->e.version = ENTRY_VERSION_2;
    v = json_object_get(obj, "type");
    str = json_string_value(v);
    if (str != NULL && strcmp(str, "issue") == 0 && json_string_length(v) == 5)
        s->e.type = ENTRY_ISSUE;
    else if (str != NULL && strcmp(str, "revoke") == 0 &&
             json_string_length(v) == 6)
        s->e.type = ENTRY_REVOKE;
    else {
        snprintf(msg, cap, "type must be \"issue\" or \"revoke\"");
        return REQUEST_ERR_INVALID;
    }
    v = json_object_get(obj, "credential_hash");
    if (!json_is_string(v) ||
        codec_hex_decode(json_string_value(v), json_string_length(v),
                         s->e.credential, ENTRY_CREDENTIAL_SIZE) != 0) {
        snprintf(msg, cap, "credential_hash must be 64 hex digits");
        return REQUEST_ERR_INVALID;
    }
    v = json_object_get(obj, "issuer");
    if (!json_is_string(v) || (len = json_string_length(v)) > NOTE_NAME_MAX ||
        strlen(json_string_value(v)) != len ||
        !note_name_valid(json_string_value(v), len)) {
        snprintf(msg, cap, "issuer must be a valid key name");
        return REQUEST_ERR_INVALID;
    }
    if (!note_issuer_name_valid(json_string_value(v), len, &bad)) {
        snprintf(msg, cap,
                 "issuer name holds U+%04" PRIX32
                 ", an invisible or direction-changing character",
                 bad);
        return -1;
    }
    memcpy(s->e.issuer, json_string_value(v), len);
    s->e.issuer[len] = '\0';
    v = json_object_get(obj, "key_id");
    if (!json_is_string(v) ||
        codec_hex_decode(json_string_value(v), json_string_length(v), kid, 4) !=
            0) {
        snprintf(msg, cap, "key_id must be 8 hex digits");
        return REQUEST_ERR_INVALID;
    }
    s->e.key_id = (uint32_t)kid[0] << 24 | (uint32_t)kid[1] << 16 |
                  (uint32_t)kid[2] << 8 | kid[3];
    v = json_object_get(obj, "timestamp_ms");
    if (!json_is_integer(v) || json_integer_value(v) < 0) {
        snprintf(msg, cap, "timestamp_ms must be a non-negative integer");
        return REQUEST_ERR_INVALID;
    }
    s->e.timestamp_ms = (uint64_t)json_integer_value(v);
    v = json_object_get(obj, "signature");
    if (!json_is_string(v) ||
        codec_b64_decode(json_string_value(v), json_string_length(v),
                         s->e.signature,
                         sizeof s->e.signature) != ED25519_SIGNATURE_SIZE) {
        snprintf(msg, cap, "signature must be the base64 of 64 bytes");
        return REQUEST_ERR_INVALID;
    }
    v = json_object_get(obj, "reason");
    if (v != NULL && s->e.type == ENTRY_ISSUE) {
        snprintf(msg, cap, "reason is only for revoke");
        return REQUEST_ERR_INVALID;
    }
    if (v != NULL && (!json_is_integer(v) || json_integer_value(v) < 0 ||
                      json_integer_value(v) > ENTRY_REASON_MAX)) {
        snprintf(msg, cap, "reason must be an integer from 0 to %d",
                 ENTRY_REASON_MAX);
        return REQUEST_ERR_INVALID;
    }
    s->e.reason = v != NULL ? (uint8_t)json_integer_value(v) : 0;
    if (s->e.reason == ENTRY_REASON_MISCONDUCT) {
        snprintf(msg, cap,
                 "reason 2 (misconduct) is retired: use 0 (unspecified), 1, "
                 "3 or 4");
        return -1;
    }
    n = entry_encode(&s->e, s->bytes, sizeof s->bytes);
    if (n < 0) {
        snprintf(msg, cap, "cannot encode the entry: %s", entry_strerror(n));
        return REQUEST_ERR_INVALID;
    }
    s->len = (size_t)n;
    return 0;
}

int request_parse_entries(const char *body, size_t len, struct seq_sub **subs,
                          size_t *n, struct request_error *err)
{
    return request_parse_entries_max(body, len, REQUEST_MAX_ENTRIES, subs, n,
                                     err);
}

int request_parse_entries_max(const char *body, size_t len, size_t max,
                              struct seq_sub **subs, size_t *n,
                              struct request_error *err)
{
    json_error_t je;
    json_t *root, *arr, *full;
    struct seq_sub *s;
    size_t count;
    bool want_full;
    char msg[160];

    *subs = NULL;
    *n = 0;
    root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je);
    if (root == NULL)
        return fail(err, REQUEST_ERR_SYNTAX, NULL, "invalid JSON: %s", je.text);
    arr = json_object_get(root, "entries");
    full = json_object_get(root, "receipts");
    if (!json_is_object(root) ||
        json_object_size(root) != (full != NULL ? 2u : 1u) ||
        !json_is_array(arr)) {
        json_decref(root);
        return fail(err, REQUEST_ERR_SYNTAX, NULL,
                    "the body must be {\"entries\": [submission, ...]} "
                    "(and optionally \"receipts\": \"full\" or \"new\")");
    }
    if (full != NULL && (!json_is_string(full) ||
                         (strcmp(json_string_value(full), "full") != 0 &&
                          strcmp(json_string_value(full), "new") != 0))) {
        json_decref(root);
        return fail(err, REQUEST_ERR_SYNTAX, NULL,
                    "\"receipts\" must be \"full\" or \"new\"");
    }
    want_full = full != NULL && strcmp(json_string_value(full), "full") == 0;
    count = json_array_size(arr);
    if (max == 0 || max > REQUEST_MAX_ENTRIES)
        max = REQUEST_MAX_ENTRIES;
    if (count == 0 || count > max) {
        json_decref(root);
        return fail(err, REQUEST_ERR_SYNTAX, NULL,
                    "entries must hold 1 to %zu submissions, not %zu", max,
                    count);
    }
    s = calloc(count, sizeof *s);
    if (s == NULL) {
        json_decref(root);
        return fail(err, REQUEST_ERR_NOMEM, NULL, "out of memory");
    }
    for (size_t i = 0; i < count; i++) {
        if (parse_sub(json_array_get(arr, i), &s[i], msg, sizeof msg) != 0) {
            free(s);
            json_decref(root);
            return fail(err, REQUEST_ERR_INVALID, &i, "%s", msg);
        }
        s[i].full_receipt = want_full;
    }
    json_decref(root);
    *subs = s;
    *n = count;
    return 0;
}

int request_verify_entries(const struct issuers *keys, struct seq_sub *subs,
                           size_t n, uint64_t now_ms, struct request_error *err)
{
    return request_verify_range(keys, subs, 0, n, now_ms, err);
}

int request_verify_range(const struct issuers *keys, struct seq_sub *subs,
                         size_t first, size_t count, uint64_t now_ms,
                         struct request_error *err)
{
    for (size_t i = first; i < first + count; i++) {
        struct seq_sub *s = &subs[i];
        const struct issuer_key *k =
            issuers_find(keys, s->e.issuer, s->e.key_id);

        if (k == NULL)
            return fail(err, REQUEST_ERR_INVALID, &i,
                        "unknown issuer key %s+%08x", s->e.issuer,
                        (unsigned)s->e.key_id);
        /* An entry the log already holds byte for byte had its timestamp
         * and signature checked when it was appended: only its key's
         * authorization is checked again, so replaying public entries
         * costs no signature verification (docs/security.md). */
        if (s->known) {
            memcpy(s->pub, k->pub, ED25519_PUBLIC_SIZE);
            continue;
        }
        if (s->e.timestamp_ms > now_ms + REQUEST_MAX_FUTURE_MS)
            return fail(err, REQUEST_ERR_INVALID, &i,
                        "timestamp_ms is more than 10 minutes in the future");
        if (entry_verify(&s->e, issuers_origin(keys), k->pub) != 0)
            return fail(err, REQUEST_ERR_INVALID, &i,
                        "signature does not verify (a version 2 entry is "
                        "signed for this log's origin, %s)",
                        issuers_origin(keys));
        memcpy(s->pub, k->pub, ED25519_PUBLIC_SIZE);
    }
    return 0;
}

int request_parse_u64(const char *s, size_t len, uint64_t *out)
{
    uint64_t v = 0;

    if (len == 0 || len > 19 || (s[0] == '0' && len > 1))
        return REQUEST_ERR_SYNTAX;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return REQUEST_ERR_SYNTAX;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    if (v > (uint64_t)INT64_MAX)
        return REQUEST_ERR_SYNTAX;
    *out = v;
    return 0;
}

int request_parse_query(const char *query, const char *const *names, size_t n,
                        uint64_t *values)
{
    uint64_t seen = 0;
    size_t found = 0;

    if (n > 64)
        return REQUEST_ERR_SYNTAX;
    if (query == NULL)
        return n == 0 ? 0 : REQUEST_ERR_SYNTAX;
    while (*query != '\0') {
        const char *amp = strchr(query, '&');
        size_t plen = amp ? (size_t)(amp - query) : strlen(query);
        const char *eq = memchr(query, '=', plen);
        size_t i;

        if (eq == NULL)
            return REQUEST_ERR_SYNTAX;
        for (i = 0; i < n; i++)
            if (strlen(names[i]) == (size_t)(eq - query) &&
                memcmp(names[i], query, (size_t)(eq - query)) == 0)
                break;
        if (i == n || (seen >> i & 1))
            return REQUEST_ERR_SYNTAX;
        if (request_parse_u64(eq + 1, plen - (size_t)(eq - query) - 1,
                              &values[i]) != 0)
            return REQUEST_ERR_SYNTAX;
        seen |= (uint64_t)1 << i;
        found++;
        if (amp == NULL)
            break;
        query = amp + 1;
        if (*query == '\0')
            return REQUEST_ERR_SYNTAX; /* trailing '&' */
    }
    return found == n ? 0 : REQUEST_ERR_SYNTAX;
}
