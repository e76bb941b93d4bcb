/* doc.c: see doc.h. Decoders check shape and syntax only. */
#include "client/doc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proofs/codec.h"

const char *client_status_name(int status)
{
    switch (status) {
    case CLIENT_STATUS_ACTIVE:
        return "active";
    case CLIENT_STATUS_REVOKED:
        return "revoked";
    case CLIENT_STATUS_UNKNOWN:
        return "unknown";
    default:
        return NULL;
    }
}

int client_json_u64(const json_t *obj, const char *key, uint64_t *out,
                    char *why)
{
    json_t *v = json_object_get(obj, key);
    json_int_t i;

    if (!json_is_integer(v))
        return client_fail(why, CLIENT_ERR_SYNTAX,
                           "\"%s\" is missing or not an integer", key);
    i = json_integer_value(v);
    if (i < 0)
        return client_fail(why, CLIENT_ERR_SYNTAX, "\"%s\" is negative", key);
    *out = (uint64_t)i;
    return 0;
}

/* A string field's text and length; rejects embedded NULs. */
static int json_str(const json_t *obj, const char *key, const char **s,
                    size_t *len, char *why)
{
    json_t *v = json_object_get(obj, key);

    if (!json_is_string(v))
        return client_fail(why, CLIENT_ERR_SYNTAX,
                           "\"%s\" is missing or not a string", key);
    *s = json_string_value(v);
    *len = json_string_length(v);
    if (strlen(*s) != *len)
        return client_fail(why, CLIENT_ERR_SYNTAX, "\"%s\" contains a NUL byte",
                           key);
    return 0;
}

int client_json_hex(const json_t *obj, const char *key, uint8_t *out, size_t n,
                    char *why)
{
    const char *s = NULL;
    size_t len = 0;
    int rc = json_str(obj, key, &s, &len, why);

    if (rc != 0)
        return rc;
    if (codec_hex_decode(s, len, out, n) != 0)
        return client_fail(why, CLIENT_ERR_SYNTAX,
                           "\"%s\" is not %zu bytes of hex", key, n);
    return 0;
}

int client_json_b64(const json_t *obj, const char *key, uint8_t *out,
                    size_t cap, size_t *len, char *why)
{
    const char *s = NULL;
    size_t slen = 0;
    int rc = json_str(obj, key, &s, &slen, why);

    if (rc != 0)
        return rc;
    rc = codec_b64_decode(s, slen, out, cap);
    if (rc < 0)
        return client_fail(
            why, CLIENT_ERR_SYNTAX,
            "\"%s\" is not canonical base64 of at most %zu bytes", key, cap);
    *len = (size_t)rc;
    return 0;
}

int client_json_hashes(const json_t *obj, const char *key,
                       uint8_t (*out)[MERKLE_HASH_SIZE], size_t *len, char *why)
{
    json_t *arr = json_object_get(obj, key);
    size_t i;

    if (!json_is_array(arr))
        return client_fail(why, CLIENT_ERR_SYNTAX,
                           "\"%s\" is missing or not an array", key);
    if (json_array_size(arr) > MERKLE_MAX_PROOF)
        return client_fail(why, CLIENT_ERR_SYNTAX,
                           "\"%s\" has more than %d hashes", key,
                           MERKLE_MAX_PROOF);
    for (i = 0; i < json_array_size(arr); i++) {
        json_t *h = json_array_get(arr, i);
        if (!json_is_string(h) ||
            codec_hex_decode(json_string_value(h), json_string_length(h),
                             out[i], MERKLE_HASH_SIZE) != 0)
            return client_fail(why, CLIENT_ERR_SYNTAX,
                               "\"%s\"[%zu] is not a 32-byte hex hash", key, i);
    }
    *len = i;
    return 0;
}

/* Copies a note string field into a fresh allocation. */
static int json_note(const json_t *obj, const char *key, char **out,
                     size_t *out_len, char *why)
{
    const char *s = NULL;
    size_t len = 0;
    int rc = json_str(obj, key, &s, &len, why);

    if (rc != 0)
        return rc;
    if (len == 0 || len > CLIENT_NOTE_MAX)
        return client_fail(why, CLIENT_ERR_SYNTAX,
                           "\"%s\" is empty or longer than %d bytes", key,
                           CLIENT_NOTE_MAX);
    *out = malloc(len + 1);
    if (*out == NULL)
        return client_fail(why, CLIENT_ERR_NOMEM, "out of memory");
    memcpy(*out, s, len + 1);
    *out_len = len;
    return 0;
}

/* {"index", "entry", "inclusion"} into e; prefix names the object in why. */
static int logged_entry_from_json(const json_t *obj, const char *name,
                                  struct client_logged_entry *e, char *why)
{
    char inner[CLIENT_REASON_MAX];
    int rc;

    if (!json_is_object(obj))
        return client_fail(why, CLIENT_ERR_SYNTAX,
                           "\"%s\" is missing or not an object", name);
    memset(e, 0, sizeof *e);
    if ((rc = client_json_u64(obj, "index", &e->index, inner)) != 0 ||
        (rc = client_json_b64(obj, "entry", e->entry, sizeof e->entry,
                              &e->entry_len, inner)) != 0 ||
        (rc = client_json_hashes(obj, "inclusion", e->inclusion,
                                 &e->inclusion_len, inner)) != 0)
        return client_fail(why, rc, "%s: %s", name, inner);
    return 0;
}

static json_t *hashes_to_json(const uint8_t (*h)[MERKLE_HASH_SIZE], size_t n)
{
    json_t *arr = json_array();
    char hex[2 * MERKLE_HASH_SIZE + 1];

    for (size_t i = 0; arr != NULL && i < n; i++) {
        codec_hex_encode(h[i], MERKLE_HASH_SIZE, hex);
        if (json_array_append_new(arr, json_string(hex)) != 0) {
            json_decref(arr);
            return NULL;
        }
    }
    return arr;
}

static json_t *b64_to_json(const uint8_t *buf, size_t len)
{
    char *s = malloc(CODEC_B64_LEN(len) + 1);
    json_t *j;

    if (s == NULL)
        return NULL;
    codec_b64_encode(buf, len, s);
    j = json_string(s);
    free(s);
    return j;
}

/* Sets obj[key] = val, consuming val; fails cleanly if val is NULL. */
static int set_new(json_t *obj, const char *key, json_t *val)
{
    return val == NULL ? -1 : json_object_set_new(obj, key, val);
}

static json_t *logged_entry_to_json(const struct client_logged_entry *e)
{
    json_t *o = json_object();

    if (o == NULL ||
        set_new(o, "index", json_integer((json_int_t)e->index)) != 0 ||
        set_new(o, "entry", b64_to_json(e->entry, e->entry_len)) != 0 ||
        set_new(o, "inclusion",
                hashes_to_json(e->inclusion, e->inclusion_len)) != 0) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* True when obj[key] is absent or null. */
static bool absent(const json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);

    return v == NULL || json_is_null(v);
}

/* obj's "key" and "key_proof" (both or neither) into a; name says whose. */
static int key_auth_from_json(const json_t *obj, const char *name,
                              struct client_key_auth *a, char *why)
{
    char inner[CLIENT_REASON_MAX];
    int rc;

    memset(a, 0, sizeof *a);
    if (absent(obj, "key") && absent(obj, "key_proof"))
        return 0;
    if (absent(obj, "key") || absent(obj, "key_proof"))
        return client_fail(why, CLIENT_ERR_SYNTAX,
                           "%s: \"key\" and \"key_proof\" come together", name);
    if ((rc = logged_entry_from_json(json_object_get(obj, "key"), "key",
                                     &a->key, inner)) != 0 ||
        (rc = client_json_b64(obj, "key_proof", a->proof, sizeof a->proof,
                              &a->proof_len, inner)) != 0)
        return client_fail(why, rc, "%s: %s", name, inner);
    a->present = true;
    return 0;
}

/* Sets o's "key" and "key_proof" from a, when present. */
static int key_auth_to_json(json_t *o, const struct client_key_auth *a)
{
    if (!a->present)
        return 0;
    if (set_new(o, "key", logged_entry_to_json(&a->key)) != 0 ||
        set_new(o, "key_proof", b64_to_json(a->proof, a->proof_len)) != 0)
        return -1;
    return 0;
}

int client_receipt_from_json(const json_t *obj, struct client_receipt *out,
                             char *why)
{
    int rc;

    memset(out, 0, sizeof *out);
    if (!json_is_object(obj))
        return client_fail(why, CLIENT_ERR_SYNTAX,
                           "a receipt must be a JSON object");
    if ((rc = logged_entry_from_json(obj, "receipt", &out->e, why)) != 0)
        return rc;
    if (!absent(obj, "map")) {
        if ((rc = logged_entry_from_json(json_object_get(obj, "map"), "map",
                                         &out->map, why)) != 0)
            return rc;
        out->has_map = true;
    }
    if ((rc = key_auth_from_json(obj, "receipt", &out->auth, why)) != 0)
        return rc;
    return json_note(obj, "checkpoint", &out->checkpoint, &out->checkpoint_len,
                     why);
}

int client_receipt_parse(const char *text, size_t len,
                         struct client_receipt *out, char *why)
{
    json_error_t err;
    json_t *j = json_loadb(text, len, JSON_REJECT_DUPLICATES, &err);
    int rc;

    memset(out, 0, sizeof *out);
    if (j == NULL)
        return client_fail(why, CLIENT_ERR_SYNTAX, "not JSON: %s (line %d)",
                           err.text, err.line);
    rc = client_receipt_from_json(j, out, why);
    json_decref(j);
    return rc;
}

json_t *client_receipt_to_json(const struct client_receipt *r)
{
    json_t *o = logged_entry_to_json(&r->e);

    if (o != NULL &&
        (set_new(o, "checkpoint",
                 json_stringn(r->checkpoint, r->checkpoint_len)) != 0 ||
         (r->has_map &&
          set_new(o, "map", logged_entry_to_json(&r->map)) != 0) ||
         key_auth_to_json(o, &r->auth) != 0)) {
        json_decref(o);
        return NULL;
    }
    return o;
}

void client_receipt_free(struct client_receipt *r)
{
    if (r == NULL)
        return;
    free(r->checkpoint);
    memset(r, 0, sizeof *r);
}

int client_receipt_copy(struct client_receipt *dst,
                        const struct client_receipt *src)
{
    *dst = *src;
    dst->checkpoint = malloc(src->checkpoint_len + 1);
    if (dst->checkpoint == NULL) {
        memset(dst, 0, sizeof *dst);
        return CLIENT_ERR_NOMEM;
    }
    memcpy(dst->checkpoint, src->checkpoint, src->checkpoint_len);
    dst->checkpoint[src->checkpoint_len] = '\0';
    return 0;
}

int client_status_proof_from_json(const json_t *obj,
                                  struct client_status_proof *out, char *why)
{
    const char *status = "";
    size_t len = 0;
    json_t *issue, *revoke;
    int rc;

    memset(out, 0, sizeof *out);
    if (!json_is_object(obj))
        return client_fail(why, CLIENT_ERR_SYNTAX,
                           "a status proof must be a JSON object");
    if ((rc = client_json_hex(obj, "credential_hash", out->credential,
                              sizeof out->credential, why)) != 0 ||
        (rc = json_str(obj, "status", &status, &len, why)) != 0)
        return rc;
    if (strcmp(status, "active") == 0)
        out->status = CLIENT_STATUS_ACTIVE;
    else if (strcmp(status, "revoked") == 0)
        out->status = CLIENT_STATUS_REVOKED;
    else if (strcmp(status, "unknown") == 0)
        out->status = CLIENT_STATUS_UNKNOWN;
    else
        return client_fail(why, CLIENT_ERR_SYNTAX,
                           "\"status\" is not active, revoked or unknown");
    if ((rc = logged_entry_from_json(json_object_get(obj, "map"), "map",
                                     &out->map, why)) != 0 ||
        (rc = client_json_b64(obj, "map_proof", out->map_proof,
                              sizeof out->map_proof, &out->map_proof_len,
                              why)) != 0)
        return rc;
    issue = json_object_get(obj, "issue");
    if (issue != NULL && !json_is_null(issue)) {
        if ((rc = logged_entry_from_json(issue, "issue", &out->issue, why)) !=
                0 ||
            (rc = key_auth_from_json(issue, "issue", &out->issue_auth, why)) !=
                0)
            return rc;
        out->has_issue = true;
    }
    revoke = json_object_get(obj, "revoke");
    if (revoke != NULL && !json_is_null(revoke)) {
        if ((rc = logged_entry_from_json(revoke, "revoke", &out->revoke,
                                         why)) != 0 ||
            (rc = key_auth_from_json(revoke, "revoke", &out->revoke_auth,
                                     why)) != 0)
            return rc;
        out->has_revoke = true;
    }
    return json_note(obj, "checkpoint", &out->checkpoint, &out->checkpoint_len,
                     why);
}

int client_status_proof_parse(const char *text, size_t len,
                              struct client_status_proof *out, char *why)
{
    json_error_t err;
    json_t *j = json_loadb(text, len, JSON_REJECT_DUPLICATES, &err);
    int rc;

    memset(out, 0, sizeof *out);
    if (j == NULL)
        return client_fail(why, CLIENT_ERR_SYNTAX, "not JSON: %s (line %d)",
                           err.text, err.line);
    rc = client_status_proof_from_json(j, out, why);
    json_decref(j);
    return rc;
}

/* An ISSUE or REVOKE of a status proof with its key authorization. */
static json_t *signed_entry_to_json(const struct client_logged_entry *e,
                                    const struct client_key_auth *a)
{
    json_t *o = logged_entry_to_json(e);

    if (o != NULL && key_auth_to_json(o, a) != 0) {
        json_decref(o);
        return NULL;
    }
    return o;
}

json_t *client_status_proof_to_json(const struct client_status_proof *sp)
{
    char hex[2 * ENTRY_CREDENTIAL_SIZE + 1];
    const char *status = client_status_name(sp->status);
    json_t *o = json_object();

    codec_hex_encode(sp->credential, sizeof sp->credential, hex);
    if (o == NULL || status == NULL ||
        set_new(o, "credential_hash", json_string(hex)) != 0 ||
        set_new(o, "status", json_string(status)) != 0 ||
        set_new(o, "checkpoint",
                json_stringn(sp->checkpoint, sp->checkpoint_len)) != 0 ||
        set_new(o, "map", logged_entry_to_json(&sp->map)) != 0 ||
        set_new(o, "map_proof",
                b64_to_json(sp->map_proof, sp->map_proof_len)) != 0 ||
        (sp->has_issue &&
         set_new(o, "issue",
                 signed_entry_to_json(&sp->issue, &sp->issue_auth)) != 0) ||
        (sp->has_revoke &&
         set_new(o, "revoke",
                 signed_entry_to_json(&sp->revoke, &sp->revoke_auth)) != 0)) {
        json_decref(o);
        return NULL;
    }
    return o;
}

void client_status_proof_free(struct client_status_proof *sp)
{
    if (sp == NULL)
        return;
    free(sp->checkpoint);
    sp->checkpoint = NULL;
    sp->checkpoint_len = 0;
}

int client_consistency_from_json(const json_t *obj, uint64_t *from,
                                 uint64_t *to,
                                 uint8_t (*proof)[MERKLE_HASH_SIZE],
                                 size_t *proof_len, char *why)
{
    int rc;

    if (!json_is_object(obj))
        return client_fail(why, CLIENT_ERR_SYNTAX,
                           "a consistency proof must be a JSON object");
    if ((rc = client_json_u64(obj, "from", from, why)) != 0 ||
        (rc = client_json_u64(obj, "to", to, why)) != 0 ||
        (rc = client_json_hashes(obj, "hashes", proof, proof_len, why)) != 0)
        return rc;
    return 0;
}

json_t *client_consistency_to_json(uint64_t from, uint64_t to,
                                   const uint8_t (*proof)[MERKLE_HASH_SIZE],
                                   size_t proof_len)
{
    json_t *o = json_object();

    if (o == NULL || set_new(o, "from", json_integer((json_int_t)from)) != 0 ||
        set_new(o, "to", json_integer((json_int_t)to)) != 0 ||
        set_new(o, "hashes", hashes_to_json(proof, proof_len)) != 0) {
        json_decref(o);
        return NULL;
    }
    return o;
}

json_t *client_submission_to_json(const struct entry *e)
{
    char cred[2 * ENTRY_CREDENTIAL_SIZE + 1], kid[9];
    json_t *o;

    if (e->type != ENTRY_ISSUE && e->type != ENTRY_REVOKE)
        return NULL;
    codec_hex_encode(e->credential, sizeof e->credential, cred);
    snprintf(kid, sizeof kid, "%08x", (unsigned)e->key_id);
    o = json_object();
    if (o == NULL ||
        (e->version == ENTRY_VERSION_2 &&
         set_new(o, "version", json_integer(ENTRY_VERSION_2)) != 0) ||
        set_new(o, "type",
                json_string(e->type == ENTRY_ISSUE ? "issue" : "revoke")) !=
            0 ||
        set_new(o, "credential_hash", json_string(cred)) != 0 ||
        set_new(o, "issuer", json_string(e->issuer)) != 0 ||
        set_new(o, "key_id", json_string(kid)) != 0 ||
        set_new(o, "timestamp_ms", json_integer((json_int_t)e->timestamp_ms)) !=
            0 ||
        set_new(o, "signature",
                b64_to_json(e->signature, sizeof e->signature)) != 0 ||
        (e->type == ENTRY_REVOKE &&
         set_new(o, "reason", json_integer(e->reason)) != 0)) {
        json_decref(o);
        return NULL;
    }
    return o;
}
