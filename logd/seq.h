/*
 * seq.h: the sequencer, logd's single writer.
 *
 * Submissions arrive already parsed (logd/request.c, on the HTTP threads)
 * and signature-checked (logd/vpool.c, on the verifier threads). The
 * sequencer queues them (logd/seq.c) and flushes a batch when batch_max
 * entries are waiting or batch_wait ms have passed since the first. A batch
 * is one LMDB write transaction (logd/seq_batch.c): the admission checks
 * (logd/seq_admit.c: authorization, exactly once, per request all or
 * nothing), the entries, their stored tree hashes, the credential index, one
 * CTL-SMT-v1 update for the whole batch, the MAP entry, and the checkpoint
 * signed over the new tree; then the durable commit; only then is each
 * request answered through its done() callback.
 *
 * The sequencer also owns the authorized issuer key set: it appends KEY
 * entries when the issuers file differs from the log (at start and on
 * reload), and a MAP entry after heartbeat seconds without a commit.
 * Nothing here knows about HTTP.
 */
#ifndef CREDLOG_LOGD_SEQ_H
#define CREDLOG_LOGD_SEQ_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "logd/issuers.h"
#include "logd/metrics.h"
#include "logd/signer.h"
#include "logd/store.h"
#include "proofs/entry.h"
#include "proofs/errors.h"

/* Request results (seq_req.result), in SEQ_ERR_BASE's block
 * (proofs/errors.h). */
#define SEQ_OK 0
#define SEQ_ERR_CONFLICT (-2201)   /* ISSUE of a credential another issued */
#define SEQ_ERR_NOT_ISSUED (-2202) /* REVOKE of a credential never issued */
#define SEQ_ERR_FORBIDDEN (-2203)  /* key not authorized; REVOKE by another */
#define SEQ_ERR_FULL (-2204)       /* the disk (or the map at its cap) full */
#define SEQ_ERR_STOPPING (-2205)   /* logd is shutting down */
#define SEQ_ERR_BUSY (-2206)       /* too many entries already waiting */
#define SEQ_ERR_INTERNAL (-2207)   /* storage or signing failure */
#define SEQ_ERR_NOMEM (-2208)
#define SEQ_ERR_REFUSED                                                        \
    (-2209) /* the issuers file lists a removed key, or                        \
               another identity for a listed key */

/* One submission, validated and signature-checked. */
struct seq_sub {
    struct entry e;                   /* the decoded ISSUE or REVOKE */
    uint8_t pub[ED25519_PUBLIC_SIZE]; /* the key its signature verified with */
    uint8_t bytes[ENTRY_SUBMISSION_MAX]; /* its canonical encoding (an ISSUE
                                            or REVOKE is never larger) */
    size_t len;
    bool full_receipt; /* the answer gives its full receipt even if it was
                          logged before (the body's "receipts": "full") */
    bool known; /* set on the HTTP thread before verification: byte for byte
                   the entry the log already holds for its credential (its
                   signature was checked when it was appended; it is not
                   checked again). index and revoked are then set too. */
    /* Set by the sequencer on success: */
    uint64_t index;   /* its receipt's entry index */
    bool appended;    /* whether this request appended it */
    uint64_t revoked; /* for an ISSUE: the index of its credential's REVOKE
                         entry (the credential is revoked), or SMT_NONE */
};

/* A signed checkpoint shared by the requests of one batch. */
struct seq_checkpoint {
    atomic_int refs;
    uint64_t size;
    size_t len;
    char note[]; /* len bytes, NUL-terminated */
};

/* Drops a reference to a checkpoint (thread-safe). Accepts NULL. */
void seq_checkpoint_unref(struct seq_checkpoint *cp);

/* One request: 1..n submissions, appended all or nothing. The submitter owns
 * it and must keep it (and subs) alive until done() has been called. */
struct seq_req {
    struct seq_sub *subs;
    size_t n;
    /* Called exactly once, on the sequencer's thread, after the batch is
     * committed (or refused or failed): must be quick and thread-safe. Not
     * called when seq_submit() fails. */
    void (*done)(struct seq_req *req);
    /* Results, valid in done(): */
    int result;                        /* SEQ_OK or SEQ_ERR_* */
    size_t position;                   /* the submission at fault */
    char message[320];                 /* why (for the client) */
    struct seq_checkpoint *checkpoint; /* on success: a reference the
                                          submitter must drop */
    /* Internal. */
    struct seq_req *next;
    struct timespec queued;
};

struct seq_config {
    uint32_t batch_max;     /* flush at this many entries (4096) */
    uint32_t batch_wait_ms; /* or this long after the first (5) */
    uint32_t heartbeat_s;   /* MAP entry after this long idle (300); 0: never */
    uint32_t max_pending;   /* refuse (busy) beyond this many waiting entries */
};

struct seq;

/* Returns a static string describing a SEQ_ERR_* code. */
const char *seq_strerror(int err);

/* Loads the log's state from store (tree size and right edge, map root, entry
 * counts, authorized keys) for signer's log. Refuses a data directory that
 * belongs to another log key. Does not start the thread. On failure writes
 * the reason into errbuf and returns SEQ_ERR_INTERNAL or SEQ_ERR_NOMEM. The
 * store, signer and metrics (may be NULL) must outlive the sequencer. */
int seq_open(struct store *store, struct signer *signer,
             struct metrics *metrics, const struct seq_config *cfg,
             struct seq **out, char *errbuf, size_t errcap);

/* Brings the log's authorized keys to want[0..n) (sorted, as issuers_load()
 * gives them) in the calling thread, before seq_start(): appends KEY entries
 * (version 2, with the identity of added keys) for the differences and a
 * MAP entry, and for a new log at least the MAP entry, committed and
 * checkpointed. Refuses, changing nothing, a want that lists a key the log
 * removed (a removed key is never authorized again) or gives an authorized
 * key another identity than its KEY entry: SEQ_ERR_REFUSED, with the reason
 * (naming the key, and the index of its remove or add entry) in errbuf.
 * Returns 0 or a SEQ_ERR_* code (errbuf then says why). */
int seq_sync_issuers(struct seq *q, const struct issuer_key *want, size_t n,
                     char *errbuf, size_t errcap);

/* Starts the sequencer thread. Returns 0 or SEQ_ERR_INTERNAL. */
int seq_start(struct seq *q);

/* Queues a request. Returns 0 (done() will be called), SEQ_ERR_STOPPING or
 * SEQ_ERR_BUSY. */
int seq_submit(struct seq *q, struct seq_req *req);

/* Asks the running sequencer to bring the keys to want[0..n) (copied) in its
 * next batch (SIGHUP), refusing it as seq_sync_issuers() does (then the
 * current keys stay). The outcome is logged. Returns 0, SEQ_ERR_STOPPING or
 * SEQ_ERR_NOMEM. */
int seq_reload_issuers(struct seq *q, const struct issuer_key *want, size_t n);

/* A reference to the current authorized key set (thread-safe); drop it with
 * issuers_unref(). */
struct issuers *seq_issuers(struct seq *q);

/* The size of the latest checkpoint (thread-safe). */
uint64_t seq_tree_size(struct seq *q);

/* Stops taking requests, commits and answers everything queued, and joins
 * the thread. Safe to call if seq_start() was never called. */
void seq_stop(struct seq *q);

/* Frees the sequencer (after seq_stop()). Accepts NULL. */
void seq_free(struct seq *q);

#endif
