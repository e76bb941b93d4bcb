/*
 * push.h: logd's witness push (issue 11; docs/witness.md, "The push").
 *
 * With --witness-policy, a thread of its own (never the sequencer's) with
 * its own event_base pushes the latest checkpoint, signed by the log alone,
 * to every witness of the policy that has a URL, in parallel, over
 * keep-alive HTTP connections (libevent's evhttp client) with a deadline
 * per request: C2SP tlog-witness add-checkpoint, the body "old N", the
 * consistency proof from the witness's last cosigned size, a blank line and
 * the checkpoint. Each witness's last cosigned size is kept in LMDB
 * (store_witness_put()), so a restart costs no 409. A 409 with
 * text/x.tlog.size makes it rebuild the proof from that size, at most twice;
 * a size beyond the log's, a 422 or a cosignature that does not verify is
 * an alarm (a log line and logd/metrics.h's failure counters) and that
 * witness is not asked again for --witness-refresh (10 minutes).
 *
 * Every verified cosignature is appended to the checkpoint; when the
 * cosigners meet the policy's quorum, the checkpoint and the LMDB snapshot
 * it was made from are published (logd/quorum.h) and the note saved
 * (store_witness_put()). The push reads the tree size (seq_tree_size())
 * and never waits for the sequencer; the sequencer never waits for it but
 * while store_grow() asks it to let go of its snapshots (store_set_unpin()).
 */
#ifndef CREDLOG_LOGD_PUSH_H
#define CREDLOG_LOGD_PUSH_H

#include <stdint.h>

#include "logd/metrics.h"
#include "logd/quorum.h"
#include "logd/seq.h"
#include "logd/store.h"
#include "proofs/errors.h"
#include "proofs/policy.h"

/* In PUSH_ERR_BASE's block (proofs/errors.h); quorum.h has -3051... */
#define PUSH_ERR_CONFIG (-3001) /* the policy does not fit this log */
#define PUSH_ERR_NOMEM (-3002)
#define PUSH_ERR_THREAD (-3003) /* the thread or its event base */

struct push_config {
    const struct policy *policy; /* copied */
    const char *log_vkey;        /* the log's verifier key string */
    unsigned interval_ms;        /* a push per witness at most this often */
    unsigned timeout_ms;         /* a request's deadline */
    unsigned refresh_s; /* re-push an unchanged tree this often (600) */
    unsigned max_pin_s; /* stop pinning a quorum older than this (3600) */
    unsigned nreaders;  /* HTTP workers (quorum_view_open()) */
    const char *cacert; /* PEM CA file for https witnesses, or NULL: the
                           system store */
};

struct push;

/* Returns a static string describing a PUSH_ERR_* (or QUORUM_ERR_*) code. */
const char *push_strerror(int err);

/* Reads and parses the tlog-policy file at path into *out (about 40 KiB).
 * If text is not NULL, *text is the file's bytes as read and parsed (NUL
 * appended, *len bytes without it; the caller frees it), so that what is
 * served is what was parsed. On failure writes the reason (naming the line)
 * into errbuf and sets nothing. Returns 0, PUSH_ERR_CONFIG or
 * PUSH_ERR_NOMEM. */
int push_policy_read(const char *path, struct policy *out, char **text,
                     size_t *len, char *errbuf, size_t errcap);

/* Checks cfg (a policy with `log` lines must list the log's key; every URL
 * must be http(s)://HOST[:PORT][/PATH]), loads each witness's saved size and
 * the saved quorum checkpoint (publishing it into q if it still meets the
 * policy), and starts the thread. On failure writes the reason into errbuf.
 * Returns 0, PUSH_ERR_CONFIG, PUSH_ERR_NOMEM or PUSH_ERR_THREAD. store, seq,
 * q and metrics (may be NULL) must outlive the push. */
int push_start(const struct push_config *cfg, struct store *store,
               struct seq *seq, struct quorum *q, struct metrics *metrics,
               struct push **out, char *errbuf, size_t errcap);

/* Stops the thread (requests in flight are dropped), lets go of every
 * snapshot and frees p. Accepts NULL. */
void push_stop(struct push *p);

#endif
