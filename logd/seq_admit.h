/*
 * seq_admit.h: the sequencer's admission rules, what one request may append
 * at this point of the log (docs/protocol.md Part D):
 *  - authorization: each submission's (issuer, key id) names a key of the
 *    current set, with the public key its signature verified with;
 *  - exactly once: an ISSUE of a credential already issued by the same
 *    issuer, or a REVOKE of one already revoked, appends nothing and gets the
 *    existing entry's index; an ISSUE of a credential another issuer issued
 *    is a conflict; a REVOKE needs the credential issued, by the same issuer;
 *  - all or nothing: a request's submissions are checked against the store
 *    plus an overlay of the request's own earlier submissions (check, then
 *    write), so one refusal leaves the whole request unwritten.
 * Admission only plans: it reads the write transaction (which holds the
 * batch's earlier requests) and writes nothing; logd/seq_batch.c writes.
 */
#ifndef CREDLOG_LOGD_SEQ_ADMIT_H
#define CREDLOG_LOGD_SEQ_ADMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "logd/issuers.h"
#include "logd/seq.h"
#include "logd/store.h"

/* A credential as one request sees it: the store's state plus the request's
 * own earlier submissions. */
struct seq_admit_cred {
    uint8_t hash[ENTRY_CREDENTIAL_SIZE];
    bool used;   /* the slot holds a credential */
    bool exists; /* issued (in the store or by this request) */
    bool dirty;  /* changed by this request: to be written */
    uint64_t issue, revoke;
    char issuer[NOTE_NAME_MAX + 1];
};

/* The credentials one request touches (an open-addressed table of mask + 1
 * slots; the used and dirty ones are what the request changes). */
struct seq_admit {
    struct seq_admit_cred *slot;
    size_t mask;
};

/* Admits request r against w (the log and the batch so far) and keys, its
 * first new entry taking index next. Sets r->result to SEQ_OK, or to a
 * refusal (SEQ_ERR_FORBIDDEN, SEQ_ERR_CONFLICT or SEQ_ERR_NOT_ISSUED) with
 * r->position and r->message; on SEQ_OK sets each submission's index and
 * appended (the appended ones take next, next + 1, ... in order) and leaves
 * in *a the credentials to write. Returns 0 (whatever the verdict) or a
 * STORE_ERR_* failure of the transaction. Free *a with seq_admit_free()
 * whatever the result. */
int seq_admit_request(struct seq_admit *a, struct store_txn *w,
                      const struct issuers *keys, uint64_t next,
                      struct seq_req *r);

/* Frees what seq_admit_request() left in a. */
void seq_admit_free(struct seq_admit *a);

#endif
