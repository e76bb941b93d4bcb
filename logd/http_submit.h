/*
 * http_submit.h: the submission pipeline of POST /v1/entries. The body is
 * parsed on the worker (logd/request.h); the signatures are checked on the
 * verifier pool (logd/vpool.h; on the worker if there is no pool); the
 * verified request goes to the sequencer (logd/seq.h), whose done()
 * callback hands it back to the worker that owns the connection; there its
 * receipts are built from the worker's read transaction and sent. A request
 * refused on the way (invalid, or the sequencer busy or stopping) is handed
 * back the same way and answered with its error.
 */
#ifndef CREDLOG_LOGD_HTTP_SUBMIT_H
#define CREDLOG_LOGD_HTTP_SUBMIT_H

#include <stdbool.h>
#include <stddef.h>

#include "logd/http_reply.h"
#include "logd/seq.h"

/* A submission on its way; req must stay first (the sequencer's done() gets
 * &req). */
struct http_pending {
    struct seq_req req;
    struct http_ctx ctx;
    struct http_pending *next; /* in its worker's done queue */
    /* Refused before the sequencer (a submission does not verify, or the
     * sequencer cannot take it): the answer http_submit_deliver() sends. */
    int fail_status; /* 0: none */
    bool fail_has_position;
    size_t fail_position;
    char fail_message[256];
};

/* The handler of POST /v1/entries (rest and query unused): answers now when
 * the body is refused, else later through http_submit_deliver(). */
void http_submit_handle(struct http_ctx *c, const char *rest,
                        const char *query);

/* On the worker that owns p's connection: sends p's answer (receipts, or
 * its error) and frees p. */
void http_submit_deliver(struct http_pending *p);

#endif
