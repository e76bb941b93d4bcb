/*
 * logd_api.h: the logd HTTP API calls the integration tests make, through
 * the real client/http.h: submissions, JSON reads, the checkpoint (opened
 * with the log's verifier key only). Answers are checked with answer.h.
 *
 * A struct client_http is the caller's (client_http_open/close). Transport
 * failures are printed to stderr.
 */
#ifndef CREDLOG_TESTS_LOGD_API_H
#define CREDLOG_TESTS_LOGD_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "client/http.h"
#include "logd_proc.h"
#include "proofs/checkpoint.h"
#include "proofs/note.h"

/* POSTs body (len bytes) to /v1/entries. Returns the HTTP status, or -1 if
 * the request failed; *out (if not NULL) gets the answer parsed as JSON
 * (NULL if it is not JSON), owned by the caller. */
int logd_api_post_raw(struct client_http *h, const char *body, size_t len,
                      json_t **out);

/* POSTs {"entries": arr, "receipts": "full"}, taking the reference to arr;
 * as logd_api_post_raw(). Entries logged before come back with their full
 * receipts too (docs/api.md). */
int logd_api_post_entries(struct client_http *h, json_t *arr, json_t **out);

/* GETs path. Returns the body parsed as JSON (NULL if it is not JSON or the
 * request failed), owned by the caller; *status gets the HTTP status, or -1
 * if the request failed. */
json_t *logd_api_get_json(struct client_http *h, const char *path, int *status);

/* GETs /checkpoint and opens it with p->log_verifier (the content type
 * must be text/plain; charset=utf-8). Returns its size, or -1 if anything
 * fails. cp (may be NULL) gets the checkpoint; *note (if note is not NULL)
 * a malloc'd copy of the signed note, NULL on failure. */
int64_t logd_api_checkpoint(struct client_http *h, const struct logd_proc *p,
                            struct checkpoint *cp, char **note);

/* GETs /metrics and returns the value of the metric name (a line "name
 * value"), or -1 if the request fails or the metric is absent. */
int64_t logd_api_metric(struct client_http *h, const char *name);

/* Waits up to timeout_ms until logd_api_metric(h, name) is want; returns
 * whether it is. */
bool logd_api_wait_metric(struct client_http *h, const char *name, int64_t want,
                          unsigned timeout_ms);

/* GETs /v1/issuers and returns the number of keys it lists as authorized
 * now (removed_index null), or -1 if the request fails. */
int64_t logd_api_authorized_keys(struct client_http *h);

#endif
