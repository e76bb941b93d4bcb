/*
 * seq_batch.h: the sequencer's batch runner, and the committed state it
 * alone changes.
 *
 * A batch is one LMDB write transaction: the KEY entries of an issuer-set
 * change, then each request admitted (logd/seq_admit.h) and written (its
 * entries, their stored hashes, the credential index), one CTL-SMT-v1
 * update for the whole batch, the MAP entry, the checkpoint signed over the
 * new tree (logd/signer.h), the durable commit; only after the commit is the
 * new state published and each request given its result. A commit that
 * finds the map full grows it and runs the batch again from the committed
 * state.
 *
 * Everything here runs on one thread at a time: the sequencer's (or the
 * caller of seq_sync_issuers() before it starts). Only seq_batch_keys() and
 * the size are read by other threads.
 */
#ifndef CREDLOG_LOGD_SEQ_BATCH_H
#define CREDLOG_LOGD_SEQ_BATCH_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "logd/issuers.h"
#include "logd/keymap.h"
#include "logd/metrics.h"
#include "logd/seq.h"
#include "logd/seq_map.h"
#include "logd/seq_tree.h"
#include "logd/signer.h"
#include "logd/store.h"

/* The log's committed state and what writing it needs. */
struct seq_state {
    struct store *store;
    struct signer *signer;
    struct metrics *metrics; /* may be NULL */
    char log_vkey[NOTE_KEY_TEXT_MAX];

    /* Committed state: changed by seq_batch_run() only, after a commit. */
    struct seq_tree tree;
    struct seq_checkpoint *checkpoint; /* NULL for an empty log */
    bool has_log_key;                  /* the store records log_vkey */
    bool map_v1; /* the last entry is a MAP v1 (a log made before version 2) */
    atomic_uint_fast64_t size;   /* tree.size, for other threads */
    struct timespec last_commit; /* CLOCK_MONOTONIC */

    pthread_mutex_t keys_mu; /* guards keys (the pointer) */
    struct issuers *keys;
    /* The key map over every entry (every key ever added): the
     * sequencer's thread's only. */
    struct keymap *keymap;

    /* Scratch of the batch being run, reused. */
    struct seq_map map;
};

/* What a batch does besides the queued requests. */
struct seq_batch {
    struct seq_req *reqs;    /* list, FIFO */
    struct issuer_key *want; /* desired key set, if has_want */
    size_t nwant;
    bool has_want;
    bool force; /* append a MAP entry even if nothing else */
    /* Key changes made (set by seq_batch_run(), malloc'd: the caller frees
     * removed and added). */
    struct issuer_key *removed, *added;
    size_t nremoved, nadded;
    /* Set by seq_batch_run() when the wanted keys were refused (a key the
     * log removed, or another identity for an authorized key): the keys are
     * then unchanged, and refusal says why. */
    bool refused;
    char refusal[NOTE_KEY_TEXT_MAX + 256];
};

/* Loads the committed state of signer's log from store into *s (tree size
 * and right edge, map root, entry counts, authorized keys, latest
 * checkpoint). Refuses a data directory that belongs to another log key.
 * On failure writes the reason into errbuf and returns SEQ_ERR_INTERNAL or
 * SEQ_ERR_NOMEM; *s must then still be closed with seq_batch_close(). The
 * store, signer and metrics must outlive s. */
int seq_batch_open(struct seq_state *s, struct store *store,
                   struct signer *signer, struct metrics *metrics, char *errbuf,
                   size_t errcap);

/* Frees what s holds (not s itself). */
void seq_batch_close(struct seq_state *s);

/* Runs batch b to its durable commit and sets every request's result (the
 * requests' done() is the caller's to call). Returns 0, or SEQ_ERR_FULL,
 * SEQ_ERR_INTERNAL or SEQ_ERR_NOMEM for the whole batch (then nothing of it
 * was committed, except after SEQ_ERR_NOMEM making the checkpoint of a
 * committed batch). */
int seq_batch_run(struct seq_state *s, struct seq_batch *b);

/* A reference to the current authorized key set (thread-safe); drop it with
 * issuers_unref(). */
struct issuers *seq_batch_keys(struct seq_state *s);

#endif
