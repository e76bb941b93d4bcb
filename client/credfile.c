/* credfile.c: see credfile.h. */
#include "client/credfile.h"

#include <string.h>

#include <openssl/sha.h>

#include "client/doc.h"
#include "proofs/codec.h"

int client_credkey_from_json(const json_t *obj, struct client_credkey *out,
                             char *why)
{
    json_t *p = json_object_get(obj, "profile");
    json_t *s = json_object_get(obj, "salt");
    enum credkey_profile prof;
    size_t len;

    memset(out, 0, sizeof *out);
    if (p == NULL && s == NULL)
        return 0;
    if (p == NULL || s == NULL)
        return client_fail(why, CLIENT_ERR_SYNTAX,
                           "\"%s\" without \"%s\" (a credkey/v1 receipt "
                           "records both)",
                           p != NULL ? "profile" : "salt",
                           p != NULL ? "salt" : "profile");
    if (!json_is_string(p) ||
        credkey_profile_parse(json_string_value(p), &prof) != 0 ||
        prof == CREDKEY_PROFILE_AUTO)
        return client_fail(why, CLIENT_ERR_SYNTAX,
                           "\"profile\" is not bytes, json, jws or "
                           "ob2-hosted");
    len = json_is_string(s) ? json_string_length(s) : 1;
    if (!json_is_string(s) || len % 2 != 0 ||
        credkey_salt_check(len / 2) != 0 ||
        codec_hex_decode(json_string_value(s), len, out->salt, len / 2) != 0)
        return client_fail(why, CLIENT_ERR_SYNTAX,
                           "\"salt\" is not \"\" or 16 to 32 bytes of hex");
    out->known = true;
    out->profile = prof;
    out->salt_len = len / 2;
    return 0;
}

int client_credkey_to_json(json_t *obj, const struct client_credkey *k)
{
    char hex[2 * CREDKEY_SALT_MAX + 1];

    if (!k->known)
        return 0;
    codec_hex_encode(k->salt, k->salt_len, hex);
    if (json_object_set_new(obj, "profile",
                            json_string(credkey_profile_name(k->profile))) !=
            0 ||
        json_object_set_new(obj, "salt", json_string(hex)) != 0)
        return CLIENT_ERR_NOMEM;
    return 0;
}

int client_credfile_key(const uint8_t *data, size_t len,
                        enum credkey_profile profile, const uint8_t *salt,
                        size_t salt_len, struct credkey_result *out, char *why)
{
    char kwhy[CREDKEY_WHY_MAX];
    int rc = credkey_compute(data, len, profile, salt_len ? salt : NULL,
                             salt_len, out, kwhy);

    if (rc != 0)
        client_fail(why, rc, "%s", kwhy);
    return rc;
}

void client_credfile_legacy_key(const uint8_t *data, size_t len,
                                uint8_t key[CREDKEY_HASH_SIZE])
{
    SHA256(data, len, key);
}

int client_credfile_match(const uint8_t *data, size_t len,
                          const struct client_credkey *k,
                          const uint8_t *entry_key,
                          uint8_t key[CREDKEY_HASH_SIZE], char *why)
{
    struct credkey_result r;
    uint8_t legacy[CREDKEY_HASH_SIZE];
    int rc;

    if (k->known) {
        rc = client_credfile_key(data, len, k->profile, k->salt, k->salt_len,
                                 &r, why);
        if (rc == 0)
            memcpy(key, r.key, CREDKEY_HASH_SIZE);
        return rc;
    }
    client_credfile_legacy_key(data, len, legacy);
    rc = credkey_compute(data, len, CREDKEY_PROFILE_AUTO, NULL, 0, &r, NULL);
    if (entry_key != NULL && memcmp(entry_key, legacy, sizeof legacy) == 0)
        memcpy(key, legacy, sizeof legacy);
    else
        memcpy(key, rc == 0 ? r.key : legacy, CREDKEY_HASH_SIZE);
    return 0;
}

/* Whether data starts with prefix. */
static bool starts(const uint8_t *data, size_t len, const char *prefix)
{
    size_t n = strlen(prefix);
    return len >= n && memcmp(data, prefix, n) == 0;
}

const char *client_credfile_media_type(const uint8_t *data, size_t len)
{
    struct credkey_result r;
    size_t i = 0;

    if (starts(data, len, "\x89PNG\r\n\x1a\n"))
        return "image/png";
    if (starts(data, len, "%PDF-"))
        return "application/pdf";
    if (credkey_compute(data, len, CREDKEY_PROFILE_AUTO, NULL, 0, &r, NULL) !=
        0)
        return "application/octet-stream";
    if (r.container == CREDKEY_CONTAINER_SVG)
        return "image/svg+xml";
    if (r.container != CREDKEY_CONTAINER_NONE)
        return "application/octet-stream";
    switch (r.profile) {
    case CREDKEY_PROFILE_JSON:
    case CREDKEY_PROFILE_OB2_HOSTED:
        return "application/json";
    case CREDKEY_PROFILE_JWS:
        if (starts(data, len, "\xef\xbb\xbf"))
            i = 3;
        while (i < len && strchr(" \t\n\f\r", data[i]) != NULL && data[i])
            i++;
        if (i < len && data[i] == '{')
            return "application/jose+json";
        return memchr(data, '~', len) != NULL ? "application/sd-jwt"
                                              : "application/jwt";
    default:
        return "application/octet-stream";
    }
}

json_t *client_receipt_file_json(const struct client_receipt *r,
                                 const uint8_t key[CREDKEY_HASH_SIZE],
                                 const struct client_credkey *k)
{
    json_t *j = client_receipt_to_json(r);
    char hex[2 * CREDKEY_HASH_SIZE + 1];

    if (j == NULL)
        return NULL;
    codec_hex_encode(key, CREDKEY_HASH_SIZE, hex);
    if (json_object_set_new(j, "credential_hash", json_string(hex)) != 0 ||
        client_credkey_to_json(j, k) != 0) {
        json_decref(j);
        return NULL;
    }
    return j;
}
