/* submit.c: see submit.h. */
#include "client/submit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Submits entries[list[0..n)] until each has a receipt or its own refusal,
 * or a failure stops it. */
static int submit_list(struct client_api *api, const struct entry *entries,
                       size_t *list, size_t n, struct client_receipt *receipts,
                       struct client_submit_result *results,
                       struct entry *batch, struct client_receipt *got)
{
    struct client_refusal ref;
    char why[CLIENT_REASON_MAX];
    int rc;

    while (n > 0) {
        for (size_t i = 0; i < n; i++)
            batch[i] = entries[list[i]];
        rc = client_api_submit(api, batch, n, got, &ref, why);
        if (rc == 0) {
            for (size_t i = 0; i < n; i++) {
                receipts[list[i]] = got[i];
                results[list[i]].rc = 0;
            }
            return 0;
        }
        if (rc == CLIENT_ERR_REFUSED && ref.position >= 0 &&
            (size_t)ref.position < n) {
            struct client_submit_result *r = &results[list[ref.position]];

            r->rc = CLIENT_ERR_REFUSED;
            r->http_status = ref.http_status;
            snprintf(r->msg, sizeof r->msg, "HTTP %d: %s", ref.http_status,
                     ref.message);
            memmove(list + ref.position, list + ref.position + 1,
                    (n - (size_t)ref.position - 1) * sizeof *list);
            n--;
            continue;
        }
        for (size_t i = 0; i < n; i++) {
            struct client_submit_result *r = &results[list[i]];

            r->rc = rc;
            r->http_status = rc == CLIENT_ERR_REFUSED ? ref.http_status : 0;
            snprintf(r->msg, sizeof r->msg, "%s", why);
        }
        return rc;
    }
    return 0;
}

int client_submit_each(struct client_api *api, const struct entry *entries,
                       size_t n, struct client_receipt *receipts,
                       struct client_submit_result *results)
{
    size_t cap = n < CLIENT_SUBMIT_MAX ? n : CLIENT_SUBMIT_MAX;
    size_t *list = calloc(cap ? cap : 1, sizeof *list);
    struct entry *batch = calloc(cap ? cap : 1, sizeof *batch);
    struct client_receipt *got = calloc(cap ? cap : 1, sizeof *got);
    int rc = 0;

    memset(receipts, 0, n * sizeof *receipts);
    for (size_t i = 0; i < n; i++) {
        results[i].rc = CLIENT_ERR_NET;
        results[i].http_status = 0;
        snprintf(results[i].msg, sizeof results[i].msg,
                 "not submitted: an earlier failure stopped the submission");
    }
    if (list == NULL || batch == NULL || got == NULL) {
        for (size_t i = 0; i < n; i++) {
            results[i].rc = CLIENT_ERR_NOMEM;
            snprintf(results[i].msg, sizeof results[i].msg, "out of memory");
        }
        rc = n > 0 ? CLIENT_ERR_NOMEM : 0;
        goto done;
    }
    for (size_t start = 0; start < n && rc == 0; start += cap) {
        size_t m = n - start < cap ? n - start : cap;

        for (size_t i = 0; i < m; i++)
            list[i] = start + i;
        rc = submit_list(api, entries, list, m, receipts, results, batch, got);
    }
done:
    free(list);
    free(batch);
    free(got);
    return rc;
}
