/* logd_api.c: see logd_api.h. */
#include "logd_api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wait.h"

int logd_api_post_raw(struct client_http *h, const char *body, size_t len,
                      json_t **out)
{
    struct client_http_response r;
    int status;

    if (out != NULL)
        *out = NULL;
    if (client_http_request(h, "POST", "/v1/entries", "application/json", body,
                            len, &r) != 0) {
        fprintf(stderr, "POST failed: %s\n", client_http_last_error(h));
        return -1;
    }
    status = r.status;
    if (out != NULL)
        *out = json_loadb(r.body, r.body_len, 0, NULL);
    client_http_response_free(&r);
    return status;
}

int logd_api_post_entries(struct client_http *h, json_t *arr, json_t **out)
{
    json_t *body = json_object();
    char *text;
    int status;

    json_object_set_new(body, "entries", arr);
    json_object_set_new(body, "receipts", json_string("full"));
    text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    status = logd_api_post_raw(h, text, strlen(text), out);
    free(text);
    return status;
}

json_t *logd_api_get_json(struct client_http *h, const char *path, int *status)
{
    struct client_http_response r;
    json_t *j;

    *status = -1;
    if (client_http_get(h, path, &r) != 0) {
        fprintf(stderr, "GET %s failed: %s\n", path, client_http_last_error(h));
        return NULL;
    }
    *status = r.status;
    j = json_loadb(r.body, r.body_len, 0, NULL);
    client_http_response_free(&r);
    return j;
}

int64_t logd_api_checkpoint(struct client_http *h, const struct logd_proc *p,
                            struct checkpoint *cp, char **note)
{
    struct client_http_response r;
    struct checkpoint tmp;
    int64_t size = -1;

    if (cp == NULL)
        cp = &tmp;
    if (note != NULL)
        *note = NULL;
    if (client_http_get(h, "/checkpoint", &r) != 0)
        return -1;
    if (r.status == 200 &&
        strcmp(r.content_type, "text/plain; charset=utf-8") == 0 &&
        checkpoint_open(r.body, r.body_len, &p->log_verifier, cp) == 0)
        size = (int64_t)cp->size;
    if (note != NULL)
        *note = size >= 0 ? strdup(r.body) : NULL;
    client_http_response_free(&r);
    return size;
}

int64_t logd_api_metric(struct client_http *h, const char *name)
{
    struct client_http_response r;
    int64_t v = -1;
    char key[128];
    const char *at;

    if (client_http_get(h, "/metrics", &r) != 0)
        return -1;
    snprintf(key, sizeof key, "\n%s ", name);
    if (r.status == 200 && (at = strstr(r.body, key)) != NULL)
        v = strtoll(at + strlen(key), NULL, 10);
    client_http_response_free(&r);
    return v;
}

bool logd_api_wait_metric(struct client_http *h, const char *name, int64_t want,
                          unsigned timeout_ms)
{
    struct wait w = wait_begin(timeout_ms);

    while (logd_api_metric(h, name) != want)
        if (!wait_more(&w))
            return false;
    return true;
}

int64_t logd_api_authorized_keys(struct client_http *h)
{
    int status;
    json_t *j = logd_api_get_json(h, "/v1/issuers", &status);
    json_t *list = json_object_get(j, "issuers");
    int64_t n = 0;

    if (status != 200 || !json_is_array(list)) {
        json_decref(j);
        return -1;
    }
    for (size_t i = 0; i < json_array_size(list); i++)
        n += json_is_null(
            json_object_get(json_array_get(list, i), "removed_index"));
    json_decref(j);
    return n;
}
