/*
 * replica_copy.h: a replica's copy of the log in its own store
 * (logd/store.h), written as the primary's sequencer writes its own: the
 * same tables by the same writers (logd/seq_tree.h for entries, tree hashes
 * and counts; logd/seq_map.h for the credential index and the map; the
 * store's key records; the checkpoint note as the primary signed and
 * cosigned it, byte for byte).
 *
 * Verified entries are first staged (replica_copy_stage(), durable before
 * the replica's monitor state records them as verified: logd/replica.h),
 * then applied up to a verified checkpoint with replica_copy_apply() in one
 * write transaction with the checkpoint: what the replica serves is always
 * exactly one verified checkpoint's tree. Before that commit, the copy is
 * checked against the checkpoint once more: its tree root must be the
 * checkpoint's, its last entry a MAP entry with its own index and the map's
 * root as the replica computed it; otherwise nothing is applied
 * (REPLICA_ERR_MISMATCH).
 *
 * Used by one thread at a time (the replica's); readers of the store see
 * each commit whole.
 */
#ifndef CREDLOG_LOGD_REPLICA_COPY_H
#define CREDLOG_LOGD_REPLICA_COPY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "logd/metrics.h"
#include "logd/replica.h"
#include "logd/seq_map.h"
#include "logd/seq_tree.h"
#include "logd/store.h"
#include "proofs/checkpoint.h"
#include "proofs/note.h"

/* The largest note the copy keeps: a checkpoint with its cosignatures. */
#define REPLICA_NOTE_MAX STORE_QUORUM_MAX

struct replica_copy {
    struct store *store;
    struct metrics *metrics; /* may be NULL */
    char log_vkey[NOTE_KEY_TEXT_MAX];
    bool has_log_key;
    struct seq_tree tree; /* the committed copy */
    char note[REPLICA_NOTE_MAX];
    size_t note_len;    /* 0: nothing applied yet */
    struct seq_map map; /* scratch */
};

/* Loads the copy in store for the log with verifier key string log_vkey
 * (its tree, map root, counts and checkpoint). Refuses a directory that
 * belongs to another log (REPLICA_ERR_KEY). Returns 0 or a
 * REPLICA_ERR_* code with the reason in errbuf; c must then still be
 * closed with replica_copy_close(). store and metrics must outlive c. */
int replica_copy_open(struct replica_copy *c, struct store *store,
                      struct metrics *metrics, const char *log_vkey,
                      char *errbuf, size_t errcap);

/* Frees what c holds (not c). */
void replica_copy_close(struct replica_copy *c);

/* One verified entry to stage: its index and where its bytes are. */
struct replica_staged {
    uint64_t index;
    size_t off, len; /* its bytes: data + off, len bytes */
};

/* Durably stages the n verified entries e[0..n) (their bytes in data).
 * Grows the map as needed. Returns 0, REPLICA_ERR_STORE or
 * REPLICA_ERR_NOMEM (errbuf: why). */
int replica_copy_stage(struct replica_copy *c, const struct replica_staged *e,
                       size_t n, const uint8_t *data, char *errbuf,
                       size_t errcap);

/* Applies the staged entries up to cp->size and the signed checkpoint note
 * (len bytes, verified by the caller, of the tree cp) in one durable write
 * transaction, dropping what was staged below it; with nothing to append
 * (the same tree, newer cosignatures), replaces only the note, and with the
 * same note does nothing. Returns 0, REPLICA_ERR_MISMATCH (a staged
 * entry is missing, cp is smaller than the copy, or the copy would not be
 * cp's tree: see above), REPLICA_ERR_STORE or REPLICA_ERR_NOMEM,
 * errbuf saying why; on failure nothing changes. */
int replica_copy_apply(struct replica_copy *c, const char *note, size_t len,
                       const struct checkpoint *cp, char *errbuf,
                       size_t errcap);

/* The size of the tree the copy serves. */
uint64_t replica_copy_size(const struct replica_copy *c);

#endif
