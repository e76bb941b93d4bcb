/* credbundle.c: see credbundle.h. */
#define _GNU_SOURCE /* memmem */
#include "client/credbundle.h"

#include <stdlib.h>
#include <string.h>

#include "proofs/codec.h"

bool client_credbundle_detect(const char *text, size_t len)
{
    static const char fmt[] = CLIENT_CREDBUNDLE_FORMAT;
    json_t *j, *f;
    bool yes;

    if (memmem(text, len, fmt, sizeof fmt - 1) == NULL)
        return false;
    j = json_loadb(text, len, 0, NULL);
    f = json_object_get(j, "format");
    yes = json_is_string(f) && strcmp(json_string_value(f), fmt) == 0;
    json_decref(j);
    return yes;
}

static bool name_byte_ok(unsigned char c)
{
    return c >= 0x20 && c != 0x7f && c != '/' && c != '\\';
}

bool client_credbundle_name_ok(const char *name)
{
    size_t n = strlen(name);

    if (n == 0 || n > CLIENT_CREDBUNDLE_NAME_MAX || strcmp(name, ".") == 0 ||
        strcmp(name, "..") == 0)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!name_byte_ok((unsigned char)name[i]))
            return false;
    return true;
}

void client_credbundle_name_from_path(const char *path, char *out)
{
    const char *base = strrchr(path, '/');
    size_t n;

    base = base != NULL ? base + 1 : path;
    n = strlen(base);
    if (n > CLIENT_CREDBUNDLE_NAME_MAX) {
        n = CLIENT_CREDBUNDLE_NAME_MAX;
        /* Never cut inside a UTF-8 sequence: back up over continuation
         * bytes to the start of the one that would be cut. */
        while (n > 0 && ((unsigned char)base[n] & 0xc0) == 0x80)
            n--;
    }
    for (size_t i = 0; i < n; i++)
        out[i] = name_byte_ok((unsigned char)base[i]) ? base[i] : '_';
    out[n] = '\0';
    if (!client_credbundle_name_ok(out))
        strcpy(out, "credential");
}

int client_credbundle_format(const struct client_credbundle *b, char **out)
{
    json_t *o = json_object(), *c = json_object(), *x;
    char *b64 = malloc(CODEC_B64_LEN(b->data_len) + 1);
    size_t len;
    int bad = o == NULL || c == NULL || b64 == NULL;

    *out = NULL;
    if (!bad)
        codec_b64_encode(b->data, b->data_len, b64);
    bad = bad || json_object_set_new(
                     o, "format", json_string(CLIENT_CREDBUNDLE_FORMAT)) != 0;
    bad = bad || json_object_set_new(c, "name", json_string(b->name)) != 0;
    bad = bad ||
          json_object_set_new(c, "media_type", json_string(b->media_type)) != 0;
    bad = bad || json_object_set_new(c, "data", json_string(b64)) != 0;
    bad = bad || json_object_set(o, "credential", c) != 0;
    bad = bad || client_credkey_to_json(o, &b->credkey) != 0;
    if (!bad) {
        x = client_receipt_to_json(&b->receipt);
        bad = x == NULL || json_object_set_new(o, "receipt", x) != 0;
    }
    if (!bad && b->has_status) {
        x = client_status_proof_to_json(&b->status);
        bad = x == NULL || json_object_set_new(o, "status_proof", x) != 0;
    }
    if (!bad && b->has_status && b->has_consistency) {
        x = client_consistency_to_json(
            b->consistency_from, b->consistency_to,
            (const uint8_t(*)[MERKLE_HASH_SIZE])b->consistency,
            b->consistency_len);
        bad = x == NULL || json_object_set_new(o, "consistency", x) != 0;
    }
    free(b64);
    if (!bad)
        *out = json_dumps(o, JSON_INDENT(1));
    json_decref(c);
    json_decref(o);
    if (*out == NULL)
        return CLIENT_ERR_NOMEM;
    len = strlen(*out);
    (*out)[len] = '\n'; /* json_dumps leaves room for the NUL: reuse it */
    char *grown = realloc(*out, len + 2);
    if (grown == NULL) {
        free(*out);
        *out = NULL;
        return CLIENT_ERR_NOMEM;
    }
    grown[len + 1] = '\0';
    *out = grown;
    return 0;
}

/* Copies the string member key of obj (1..CLIENT_CREDBUNDLE_NAME_MAX bytes,
 * no NUL) into out. */
static int short_string(const json_t *obj, const char *key, char *out,
                        char *why)
{
    json_t *v = json_object_get(obj, key);
    size_t n;

    if (!json_is_string(v))
        return client_fail(why, CLIENT_ERR_SYNTAX,
                           "\"credential.%s\" is missing or not a string", key);
    n = json_string_length(v);
    if (n == 0 || n > CLIENT_CREDBUNDLE_NAME_MAX ||
        strlen(json_string_value(v)) != n)
        return client_fail(why, CLIENT_ERR_SYNTAX,
                           "\"credential.%s\" is empty, longer than %d bytes "
                           "or holds a NUL",
                           key, CLIENT_CREDBUNDLE_NAME_MAX);
    memcpy(out, json_string_value(v), n + 1);
    return 0;
}

/* Decodes credential.data into a fresh buffer. */
static int credential_data(const json_t *c, struct client_credbundle *out,
                           char *why)
{
    json_t *v = json_object_get(c, "data");
    size_t slen, cap;
    int n;

    if (!json_is_string(v))
        return client_fail(why, CLIENT_ERR_SYNTAX,
                           "\"credential.data\" is missing or not a string");
    slen = json_string_length(v);
    if (slen == 0 || slen > CODEC_B64_LEN(CREDKEY_INPUT_MAX))
        return client_fail(why, CLIENT_ERR_SYNTAX,
                           "\"credential.data\" is empty or decodes to more "
                           "than 64 MiB");
    cap = slen / 4 * 3 + 3;
    out->data = malloc(cap);
    if (out->data == NULL)
        return client_fail(why, CLIENT_ERR_NOMEM, "out of memory");
    n = codec_b64_decode(json_string_value(v), slen, out->data, cap);
    if (n <= 0)
        return client_fail(why, CLIENT_ERR_SYNTAX,
                           "\"credential.data\" is not canonical padded "
                           "base64 (RFC 4648 section 4)");
    out->data_len = (size_t)n;
    if (out->data_len > CREDKEY_INPUT_MAX)
        return client_fail(why, CLIENT_ERR_SYNTAX,
                           "\"credential.data\" decodes to more than 64 MiB");
    return 0;
}

static int parse_obj(const json_t *j, struct client_credbundle *out, char *why)
{
    char inner[CLIENT_REASON_MAX];
    json_t *f = json_object_get(j, "format"), *c, *x;
    int rc;

    if (!json_is_string(f) ||
        strcmp(json_string_value(f), CLIENT_CREDBUNDLE_FORMAT) != 0)
        return client_fail(why, CLIENT_ERR_SYNTAX, "not a %s file",
                           CLIENT_CREDBUNDLE_FORMAT);
    c = json_object_get(j, "credential");
    if (!json_is_object(c))
        return client_fail(why, CLIENT_ERR_SYNTAX,
                           "\"credential\" is missing or not an object");
    if ((rc = short_string(c, "name", out->name, why)) != 0 ||
        (rc = short_string(c, "media_type", out->media_type, why)) != 0 ||
        (rc = credential_data(c, out, why)) != 0)
        return rc;
    if (!client_credbundle_name_ok(out->name))
        return client_fail(why, CLIENT_ERR_SYNTAX,
                           "\"credential.name\" holds '/', '\\', a control "
                           "character, or is . or ..");
    if ((rc = client_credkey_from_json(j, &out->credkey, why)) != 0)
        return rc;
    if (!out->credkey.known)
        return client_fail(why, CLIENT_ERR_SYNTAX,
                           "\"profile\" and \"salt\" are missing");
    rc = client_receipt_from_json(json_object_get(j, "receipt"), &out->receipt,
                                  inner);
    if (rc != 0)
        return client_fail(why, rc, "bundle receipt: %s", inner);
    x = json_object_get(j, "status_proof");
    if (x != NULL) {
        rc = client_status_proof_from_json(x, &out->status, inner);
        if (rc != 0)
            return client_fail(why, rc, "bundle status_proof: %s", inner);
        out->has_status = true;
    }
    x = json_object_get(j, "consistency");
    if (x != NULL) {
        if (!out->has_status)
            return client_fail(why, CLIENT_ERR_SYNTAX,
                               "\"consistency\" without \"status_proof\"");
        rc = client_consistency_from_json(
            x, &out->consistency_from, &out->consistency_to, out->consistency,
            &out->consistency_len, inner);
        if (rc != 0)
            return client_fail(why, rc, "bundle consistency: %s", inner);
        out->has_consistency = true;
    }
    return 0;
}

int client_credbundle_parse(const char *text, size_t len,
                            struct client_credbundle *out, char *why)
{
    json_error_t err;
    json_t *j;
    int rc;

    memset(out, 0, sizeof *out);
    j = json_loadb(text, len, JSON_REJECT_DUPLICATES, &err);
    if (j == NULL)
        return client_fail(why, CLIENT_ERR_SYNTAX,
                           "bundle is not JSON: %s (line %d)", err.text,
                           err.line);
    rc = json_is_object(j) ? parse_obj(j, out, why)
                           : client_fail(why, CLIENT_ERR_SYNTAX,
                                         "a bundle must be a JSON object");
    json_decref(j);
    if (rc != 0)
        client_credbundle_free(out);
    return rc;
}

void client_credbundle_free(struct client_credbundle *b)
{
    if (b == NULL)
        return;
    free(b->data);
    client_receipt_free(&b->receipt);
    client_status_proof_free(&b->status);
    memset(b, 0, sizeof *b);
}
