/*
 * witnessed.h: a verifier's witness policy (C2SP tlog-policy, docs/
 * witness.md): which witnesses must have cosigned the checkpoint a verdict
 * rests on. Implemented in witnessed.c; the policy math is proofs/policy.h.
 *
 * Without a policy a verifier trusts the log to show everyone the same
 * history; with one, a checkpoint counts only when a quorum of independent
 * witnesses cosigned it, each having checked it is consistent with every
 * checkpoint of the log it cosigned before.
 */
#ifndef CREDLOG_CLIENT_WITNESSED_H
#define CREDLOG_CLIENT_WITNESSED_H

#include "client/error.h"
#include "client/verify.h"
#include "proofs/policy.h"

/* Reads and parses a policy file (at most POLICY_TEXT_MAX bytes) into *out
 * (caller-allocated, about 40 KiB: keep it off small stacks). Returns 0,
 * CLIENT_ERR_IO or CLIENT_ERR_SYNTAX (why names the line and the rule). */
int client_policy_read(const char *path, struct policy *out, char *why);

/* Judges verdict v, drawn by client_verdict() from ev with the log key log,
 * under policy p. The checkpoint it rests on (the status proof's, else the
 * receipt's) must be signed by log, log must be one of p's logs (a policy
 * without log lines accepts the log key given), and its cosignatures by p's
 * witnesses must meet p's quorum; otherwise v becomes INVALID with a reason
 * naming the witnesses that did not cosign. On success v->witnessed is set
 * and v->witnessed_ms is the newest time at which the quorum had cosigned
 * (the cosignatures' own times): a status proof then holds as of the later
 * of its MAP time and that time, so client_verdict_check_age(), called
 * after this, counts fresh cosignatures as freshness. INVALID verdicts are
 * left alone. */
void client_verdict_check_policy(struct client_verdict *v,
                                 const struct client_evidence *ev,
                                 const struct note_verifier *log,
                                 const struct policy *p);

/* Whether note, a checkpoint signed by log (checked), is cosigned: under
 * policy p (may be NULL), its cosignatures by p's witnesses meet p's quorum;
 * without a policy, it carries at least one signature line besides the
 * log's (which cannot be verified without the witnesses' keys). On success
 * *size is the checkpoint's size. Returns 0, or CLIENT_ERR_INVALID (why
 * says what is missing). */
int client_checkpoint_cosigned(const char *note, size_t len,
                               const struct note_verifier *log,
                               const struct policy *p, uint64_t *size,
                               char *why);

#endif
