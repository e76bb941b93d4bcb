/* request.c: see request.h. */
#include "agent/request.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "client/credbundle.h"
#include "proofs/codec.h"
#include "proofs/entry.h"

static int bad(char *why, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int bad(char *why, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(why, AGENT_WHY_MAX, fmt, ap);
    va_end(ap);
    return AGENT_ERR_REQUEST;
}

int agent_request_reason(const char *s, uint8_t *out)
{
    for (unsigned r = 0; r <= ENTRY_REASON_MAX; r++) {
        char num[4];

        snprintf(num, sizeof num, "%u", r);
        if (r != ENTRY_REASON_MISCONDUCT &&
            (strcmp(s, entry_reason_name((uint8_t)r)) == 0 ||
             strcmp(s, num) == 0)) {
            *out = (uint8_t)r;
            return 0;
        }
    }
    return AGENT_ERR_REQUEST;
}

static int parse_salt(const char *s, struct agent_request *out, char *why)
{
    size_t n = strlen(s);

    if (strcmp(s, "random") == 0) {
        if (out->type != ENTRY_ISSUE)
            return bad(why, "\"salt\": \"random\" is for issue");
        out->salt_policy = AGENT_SALT_RANDOM;
        return 0;
    }
    if (strcmp(s, "none") == 0) {
        out->salt_policy = AGENT_SALT_NONE;
        return 0;
    }
    if (n % 2 != 0 || credkey_salt_check(n / 2) != 0 || n == 0 ||
        codec_hex_decode(s, n, out->salt, n / 2) != 0)
        return bad(why, "\"salt\" wants \"random\", \"none\" or 32 to 64 hex "
                        "digits");
    out->salt_policy = AGENT_SALT_GIVEN;
    out->salt_len = n / 2;
    return 0;
}

static int parse_member(const char *name, json_t *v, struct agent_request *out,
                        char *why)
{
    const char *s = json_string_value(v);

    if (s == NULL)
        return bad(why, "\"%s\" must be a string", name);
    if (strcmp(name, "credential") == 0) {
        size_t n = strlen(s), cap = n / 4 * 3;
        int got;

        if (n == 0 || n > CODEC_B64_LEN_MAX)
            return bad(why,
                       "\"credential\" must be the base64 of 1 to %zu "
                       "bytes",
                       AGENT_CREDENTIAL_MAX);
        if ((out->data = malloc(cap)) == NULL)
            return AGENT_ERR_NOMEM;
        if ((got = codec_b64_decode(s, n, out->data, cap)) <= 0)
            return bad(why, "\"credential\" is not canonical padded base64");
        out->len = (size_t)got;
        return 0;
    }
    if (strcmp(name, "key") == 0) {
        if (codec_hex_decode(s, strlen(s), out->key, CREDKEY_HASH_SIZE) != 0)
            return bad(why, "\"key\" wants 64 hex digits");
        out->have_key = true;
        return 0;
    }
    if (strcmp(name, "profile") == 0) {
        if (credkey_profile_parse(s, &out->profile) != 0)
            return bad(why,
                       "unknown \"profile\" '%.64s' (auto, bytes, json, "
                       "jws, ob2-hosted)",
                       s);
        return 0;
    }
    if (strcmp(name, "salt") == 0)
        return parse_salt(s, out, why);
    if (strcmp(name, "reason") == 0) {
        if (out->type != ENTRY_REVOKE)
            return bad(why, "\"reason\" is for revoke");
        if (agent_request_reason(s, &out->reason) != 0)
            return bad(why,
                       "unknown \"reason\" '%.64s' (unspecified, "
                       "issued_in_error, superseded, withdrawn)",
                       s);
        return 0;
    }
    if (strcmp(name, "name") == 0) {
        if (!client_credbundle_name_ok(s))
            return bad(why, "\"name\" is not a file name of 1 to 255 bytes");
        snprintf(out->name, sizeof out->name, "%s", s);
        return 0;
    }
    return bad(why, "unknown member \"%.64s\"", name);
}

int agent_request_parse(const char *body, size_t len, uint8_t type,
                        struct agent_request *out, char *why)
{
    json_error_t err;
    const char *name;
    json_t *j, *v;
    int rc = 0;

    memset(out, 0, sizeof *out);
    out->type = type;
    out->salt_policy =
        type == ENTRY_ISSUE ? AGENT_SALT_RANDOM : AGENT_SALT_KNOWN;
    j = json_loadb(body, len, JSON_REJECT_DUPLICATES, &err);
    if (j == NULL)
        return bad(why, "not JSON: %s (line %d)", err.text, err.line);
    if (!json_is_object(j)) {
        json_decref(j);
        return bad(why, "the body must be a JSON object");
    }
    json_object_foreach(j, name, v)
    {
        if ((rc = parse_member(name, v, out, why)) != 0)
            break;
    }
    json_decref(j);
    if (rc == 0 && (out->data != NULL) == out->have_key)
        rc = bad(why, "give exactly one of \"credential\" and \"key\"");
    if (rc == 0 && out->have_key &&
        (out->profile != CREDKEY_PROFILE_AUTO ||
         out->salt_policy == AGENT_SALT_GIVEN ||
         (type == ENTRY_ISSUE && out->salt_policy == AGENT_SALT_NONE)))
        rc = bad(why, "a \"key\" is used as it is: no \"profile\" or "
                      "\"salt\"");
    if (rc == 0 && out->data == NULL && out->name[0] != '\0')
        rc = bad(why, "\"name\" goes with \"credential\"");
    if (rc != 0)
        agent_request_free(out);
    return rc;
}

void agent_request_free(struct agent_request *r)
{
    if (r == NULL)
        return;
    free(r->data);
    memset(r, 0, sizeof *r);
}
