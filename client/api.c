/* api.c: see api.h. Each call: one request, check the status, decode. */
#include "client/api.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/http.h"
#include "proofs/codec.h"

struct client_api {
    struct client_http *http;
    char *url;
};

int client_api_open(const char *url, const struct client_api_options *opt,
                    struct client_api **out, char *why)
{
    struct client_http_options hopt = {0};
    struct client_api *a;
    int rc;

    *out = NULL;
    a = calloc(1, sizeof *a);
    if (a == NULL || (a->url = strdup(url)) == NULL) {
        free(a);
        return client_fail(why, CLIENT_ERR_NOMEM, "out of memory");
    }
    if (opt != NULL) {
        hopt.cacert = opt->cacert;
        hopt.timeout_seconds = opt->timeout_seconds;
    }
    rc = client_http_open(url, &hopt, &a->http);
    if (rc != 0) {
        free(a->url);
        free(a);
        if (rc == CLIENT_HTTP_ERR_URL)
            return client_fail(
                why, CLIENT_ERR_ARG,
                "bad log URL %s (want http(s)://host[:port][/path])", url);
        if (rc == CLIENT_HTTP_ERR_NOMEM)
            return client_fail(why, CLIENT_ERR_NOMEM, "out of memory");
        if (rc == CLIENT_HTTP_ERR_TLS && hopt.cacert != NULL)
            return client_fail(why, CLIENT_ERR_NET,
                               "%s: cannot load CA certificates from %s", url,
                               hopt.cacert);
        return client_fail(why, CLIENT_ERR_NET, "%s: %s", url,
                           client_http_strerror(rc));
    }
    *out = a;
    return 0;
}

void client_api_close(struct client_api *a)
{
    if (a == NULL)
        return;
    client_http_close(a->http);
    free(a->url);
    free(a);
}

const char *client_api_url(const struct client_api *a)
{
    return a->url;
}

/* The "error" text of a JSON error answer, or a short excerpt of the body. */
static void error_message(const struct client_http_response *r, char *buf,
                          size_t cap, long *position)
{
    json_t *j =
        r->body != NULL ? json_loadb(r->body, r->body_len, 0, NULL) : NULL;
    json_t *e = json_object_get(j, "error");
    json_t *p = json_object_get(j, "position");

    if (position != NULL)
        *position = json_is_integer(p) ? (long)json_integer_value(p) : -1;
    if (json_is_string(e))
        snprintf(buf, cap, "%s", json_string_value(e));
    else
        snprintf(buf, cap, "%.80s",
                 r->body != NULL && r->body_len > 0 ? r->body
                                                    : "(empty answer)");
    json_decref(j);
    for (char *c = buf; *c; c++)
        if ((unsigned char)*c < 0x20)
            *c = ' ';
}

/* Runs a request; anything but 200 becomes an error (404 NOT_FOUND). On
 * error resp holds nothing to free. */
static int request(struct client_api *a, const char *method, const char *path,
                   const char *body, size_t body_len,
                   struct client_http_response *resp, char *why)
{
    char msg[CLIENT_REASON_MAX / 2];
    int rc;

    memset(resp, 0, sizeof *resp);
    rc = client_http_request(a->http, method, path,
                             body ? "application/json" : NULL, body, body_len,
                             resp);
    if (rc != 0)
        return client_fail(
            why,
            rc == CLIENT_HTTP_ERR_NOMEM ? CLIENT_ERR_NOMEM : CLIENT_ERR_NET,
            "%s%s: %s", a->url, path, client_http_last_error(a->http));
    if (resp->status == 200)
        return 0;
    error_message(resp, msg, sizeof msg, NULL);
    rc = resp->status == 404 ? CLIENT_ERR_NOT_FOUND : CLIENT_ERR_HTTP;
    client_fail(why, rc, "%s%s: HTTP %d: %s", a->url, path, resp->status, msg);
    client_http_response_free(resp);
    memset(resp, 0, sizeof *resp);
    return rc;
}

static int get_json(struct client_api *a, const char *path, json_t **out,
                    char *why)
{
    struct client_http_response resp;
    json_error_t err;
    int rc = request(a, "GET", path, NULL, 0, &resp, why);

    *out = NULL;
    if (rc != 0)
        return rc;
    *out = json_loadb(resp.body, resp.body_len, JSON_REJECT_DUPLICATES, &err);
    if (*out == NULL)
        rc = client_fail(why, CLIENT_ERR_SYNTAX, "%s%s: answer is not JSON: %s",
                         a->url, path, err.text);
    client_http_response_free(&resp);
    return rc;
}

/* The answer's optional "revoked_index" of one receipt: an index after the
 * receipt's own entry (a REVOKE follows its ISSUE). */
static int revoked_from_json(const json_t *item, struct client_receipt *r,
                             char *why)
{
    const json_t *v = json_object_get(item, "revoked_index");

    if (v == NULL)
        return 0;
    if (!json_is_integer(v) || json_integer_value(v) < 0 ||
        (uint64_t)json_integer_value(v) <= r->e.index)
        return client_fail(why, CLIENT_ERR_SYNTAX,
                           "\"revoked_index\" is not an entry index after "
                           "the receipt's");
    r->revoked = true;
    r->revoked_index = (uint64_t)json_integer_value(v);
    return 0;
}

int client_api_submit(struct client_api *a, const struct entry *entries,
                      size_t n, struct client_receipt *receipts,
                      struct client_refusal *refusal, char *why)
{
    struct client_http_response resp;
    json_t *req, *arr, *ans = NULL, *list;
    char *body;
    int rc;

    memset(refusal, 0, sizeof *refusal);
    refusal->position = -1;
    if (n == 0 || n > CLIENT_SUBMIT_MAX)
        return client_fail(why, CLIENT_ERR_ARG, "batch of %zu submissions", n);
    req = json_object();
    arr = json_array();
    /* Entries logged before come back with their full receipts too (logd
     * answers them with an index only unless asked). */
    if (req == NULL || arr == NULL ||
        json_object_set_new(req, "entries", arr) != 0 ||
        json_object_set_new(req, "receipts", json_string("full")) != 0) {
        json_decref(req);
        return client_fail(why, CLIENT_ERR_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        json_t *s = client_submission_to_json(&entries[i]);
        if (s == NULL || json_array_append_new(arr, s) != 0) {
            json_decref(req);
            return client_fail(why, CLIENT_ERR_ARG,
                               "submission %zu cannot be encoded", i);
        }
    }
    body = json_dumps(req, JSON_COMPACT);
    json_decref(req);
    if (body == NULL)
        return client_fail(why, CLIENT_ERR_NOMEM, "out of memory");
    memset(&resp, 0, sizeof resp);
    rc = client_http_request(a->http, "POST", "/v1/entries", "application/json",
                             body, strlen(body), &resp);
    free(body);
    if (rc != 0)
        return client_fail(why, CLIENT_ERR_NET, "%s/v1/entries: %s", a->url,
                           client_http_last_error(a->http));
    if (resp.status >= 400 && resp.status < 500) {
        refusal->http_status = resp.status;
        error_message(&resp, refusal->message, sizeof refusal->message,
                      &refusal->position);
        client_http_response_free(&resp);
        return client_fail(why, CLIENT_ERR_REFUSED, "refused (HTTP %d): %s",
                           refusal->http_status, refusal->message);
    }
    if (resp.status != 200) {
        char msg[CLIENT_REASON_MAX / 2];
        int status = resp.status;
        error_message(&resp, msg, sizeof msg, NULL);
        client_http_response_free(&resp);
        return client_fail(why, CLIENT_ERR_HTTP, "%s/v1/entries: HTTP %d: %s",
                           a->url, status, msg);
    }
    ans = json_loadb(resp.body, resp.body_len, JSON_REJECT_DUPLICATES, NULL);
    client_http_response_free(&resp);
    list = json_object_get(ans, "receipts");
    if (!json_is_array(list) || json_array_size(list) != n) {
        json_decref(ans);
        return client_fail(why, CLIENT_ERR_SYNTAX,
                           "answer has no \"receipts\" array of %zu", n);
    }
    for (size_t i = 0; i < n; i++) {
        char inner[CLIENT_REASON_MAX];
        json_t *item = json_array_get(list, i);
        rc = client_receipt_from_json(item, &receipts[i], inner);
        if (rc == 0 && (rc = revoked_from_json(item, &receipts[i], inner)) != 0)
            client_receipt_free(&receipts[i]);
        if (rc != 0) {
            while (i-- > 0)
                client_receipt_free(&receipts[i]);
            json_decref(ans);
            return client_fail(why, rc, "receipt %zu: %s", i, inner);
        }
    }
    json_decref(ans);
    return 0;
}

int client_api_checkpoint(struct client_api *a, char **note, size_t *len,
                          char *why)
{
    struct client_http_response resp;
    int rc = request(a, "GET", "/checkpoint", NULL, 0, &resp, why);

    *note = NULL;
    *len = 0;
    if (rc != 0)
        return rc;
    if (resp.body_len == 0 || resp.body_len > CLIENT_NOTE_MAX) {
        client_http_response_free(&resp);
        return client_fail(why, CLIENT_ERR_SYNTAX,
                           "checkpoint is empty or too large");
    }
    *note = resp.body; /* NUL-terminated, ours now */
    *len = resp.body_len;
    return 0;
}

int client_api_log_key(struct client_api *a, struct note_verifier *out,
                       char *why)
{
    struct client_http_response resp;
    size_t len;
    int rc = request(a, "GET", "/v1/log-key", NULL, 0, &resp, why);

    if (rc != 0)
        return rc;
    len = resp.body_len;
    if (len > 0 && resp.body[len - 1] == '\n')
        len--;
    if (len > 0 && resp.body[len - 1] == '\r')
        len--;
    rc = note_verifier_parse(resp.body, len, out) == 0 &&
                 out->type == NOTE_TYPE_ED25519
             ? 0
             : client_fail(
                   why, CLIENT_ERR_SYNTAX,
                   "%s/v1/log-key: the answer is not an Ed25519 verifier key",
                   a->url);
    client_http_response_free(&resp);
    return rc;
}

int client_api_status(struct client_api *a,
                      const uint8_t cred[ENTRY_CREDENTIAL_SIZE],
                      struct client_status_proof *out, char *why)
{
    char path[16 + 2 * ENTRY_CREDENTIAL_SIZE + 1],
        hex[2 * ENTRY_CREDENTIAL_SIZE + 1];
    char inner[CLIENT_REASON_MAX];
    json_t *j;
    int rc;

    memset(out, 0, sizeof *out);
    codec_hex_encode(cred, ENTRY_CREDENTIAL_SIZE, hex);
    snprintf(path, sizeof path, "/v1/status/%s", hex);
    if ((rc = get_json(a, path, &j, why)) != 0)
        return rc;
    rc = client_status_proof_from_json(j, out, inner);
    json_decref(j);
    if (rc != 0)
        return client_fail(why, rc, "status proof from %s: %s", a->url, inner);
    return 0;
}

int client_api_consistency(struct client_api *a, uint64_t m, uint64_t n,
                           uint8_t (*proof)[MERKLE_HASH_SIZE], size_t *len,
                           char *why)
{
    char path[96], inner[CLIENT_REASON_MAX];
    uint64_t from, to;
    json_t *j;
    int rc;

    snprintf(path, sizeof path,
             "/v1/proof/consistency?from=%" PRIu64 "&to=%" PRIu64, m, n);
    if ((rc = get_json(a, path, &j, why)) != 0)
        return rc;
    rc = client_consistency_from_json(j, &from, &to, proof, len, inner);
    json_decref(j);
    if (rc != 0)
        return client_fail(why, rc, "consistency proof from %s: %s", a->url,
                           inner);
    if (from != m || to != n)
        return client_fail(why, CLIENT_ERR_SYNTAX,
                           "asked for consistency %" PRIu64 "->%" PRIu64
                           ", got %" PRIu64 "->%" PRIu64,
                           m, n, from, to);
    return 0;
}

int client_api_inclusion(struct client_api *a, uint64_t index, uint64_t size,
                         uint8_t (*proof)[MERKLE_HASH_SIZE], size_t *len,
                         char *why)
{
    char path[96], inner[CLIENT_REASON_MAX];
    uint64_t i, n;
    json_t *j;
    int rc;

    snprintf(path, sizeof path,
             "/v1/proof/inclusion?index=%" PRIu64 "&size=%" PRIu64, index,
             size);
    if ((rc = get_json(a, path, &j, why)) != 0)
        return rc;
    if ((rc = client_json_u64(j, "index", &i, inner)) != 0 ||
        (rc = client_json_u64(j, "tree_size", &n, inner)) != 0 ||
        (rc = client_json_hashes(j, "hashes", proof, len, inner)) != 0) {
        json_decref(j);
        return client_fail(why, rc, "inclusion proof from %s: %s", a->url,
                           inner);
    }
    json_decref(j);
    if (i != index || n != size)
        return client_fail(why, CLIENT_ERR_SYNTAX,
                           "asked for the inclusion of %" PRIu64 " in %" PRIu64
                           ", got %" PRIu64 " in %" PRIu64,
                           index, size, i, n);
    return 0;
}

int client_api_tile(struct client_api *a, const struct tile *t, uint8_t **data,
                    size_t *len, char *why)
{
    struct client_http_response resp;
    char path[TILE_PATH_MAX + 1];
    int rc;

    *data = NULL;
    *len = 0;
    path[0] = '/';
    if (tile_format_path(t, path + 1, sizeof path - 1) < 0)
        return client_fail(why, CLIENT_ERR_ARG, "bad tile");
    rc = request(a, "GET", path, NULL, 0, &resp, why);
    if (rc != 0)
        return rc;
    *data = (uint8_t *)resp.body;
    *len = resp.body_len;
    return 0;
}
