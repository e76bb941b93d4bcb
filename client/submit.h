/*
 * submit.h: submitting signed ISSUE and REVOKE entries so that one bad entry
 * never fails its neighbours: the entries go to the log in submissions of up
 * to CLIENT_SUBMIT_MAX, and when the log refuses a submission naming the
 * entry at fault (docs/api.md, "position"), that entry is set aside with the
 * log's reason and the rest is submitted again. Used by credlog issue and
 * revoke and by credlog agent. Blocking, on the caller's handle; not
 * thread-safe (as api.h).
 */
#ifndef CREDLOG_CLIENT_SUBMIT_H
#define CREDLOG_CLIENT_SUBMIT_H

#include <stddef.h>

#include "client/api.h"

/* What became of one entry. */
struct client_submit_result {
    /* 0: receipts[i] holds the log's receipt (not yet verified: callers
     * check it with client_verify_receipt());
     * CLIENT_ERR_REFUSED: the log refused this entry (http_status, msg);
     * another CLIENT_ERR_* code: not submitted, or no answer (msg says why;
     * the entry may or may not be in the log: submit it again). */
    int rc;
    int http_status; /* CLIENT_ERR_REFUSED only */
    char msg[2 * CLIENT_REASON_MAX];
};

/* Submits entries[0..n) (any n), filling receipts[i] (zeroed first; the
 * caller frees each with client_receipt_free()) and results[i] for every i.
 * Stops at the first failure that is not a refusal of one entry (the log
 * unreachable, a refusal naming no entry, a bad answer): the entries it
 * was submitting get that code, those not reached CLIENT_ERR_NET ("not
 * submitted"). Returns 0 when every entry has an answer (a
 * receipt or its own refusal), else the code that stopped it. */
int client_submit_each(struct client_api *api, const struct entry *entries,
                       size_t n, struct client_receipt *receipts,
                       struct client_submit_result *results);

#endif
