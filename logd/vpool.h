/*
 * vpool.h: the verification pool: threads that check submissions' issuer
 * keys, timestamps and Ed25519 signatures (request_verify_range()), off the
 * HTTP threads and off the sequencer's.
 *
 * Ed25519 verification is most of the CPU an append costs. Done on the HTTP
 * thread that owns the connection, it ran on one core whenever the kernel
 * (SO_REUSEPORT) happened to put the busy connections on one listener. The
 * pool splits every request into chunks that any of its threads take, so
 * all cores verify whatever the connections do, and a large request is
 * verified in parallel.
 */
#ifndef CREDLOG_LOGD_VPOOL_H
#define CREDLOG_LOGD_VPOOL_H

#include <stddef.h>
#include <stdint.h>

#include "logd/issuers.h"
#include "logd/request.h"
#include "logd/seq.h"
#include "proofs/errors.h"

/* In VPOOL_ERR_BASE's block (proofs/errors.h). */
#define VPOOL_ERR_STOPPING (-2701) /* the pool is being freed */
#define VPOOL_ERR_NOMEM (-2702)
#define VPOOL_ERR_THREAD (-2703) /* no verifier thread could be started */
#define VPOOL_ERR_EMPTY (-2704)  /* nothing to check (n == 0) */

/* Called once per vpool_submit(), on a pool thread, when every chunk is
 * checked: err is 0, or REQUEST_ERR_INVALID with rerr naming the first
 * failing submission (the one request_verify_entries() would name). */
typedef void (*vpool_done_fn)(void *arg, int err,
                              const struct request_error *rerr);

struct vpool;

/* Returns a static string describing a VPOOL_ERR_* code. */
const char *vpool_strerror(int err);

/* Starts threads (>= 1) verifier threads (as many as can be started) and
 * sets *out (free with vpool_free()). Returns 0, VPOOL_ERR_NOMEM, or
 * VPOOL_ERR_THREAD when threads is 0 or no thread starts. */
int vpool_new(unsigned threads, struct vpool **out);

/* Queues the check of subs[0..n) (n >= 1) against keys, at time now_ms. The
 * pool takes over the reference keys (dropped when done); subs must stay
 * alive until done() returns. Returns 0, VPOOL_ERR_EMPTY (n is 0),
 * VPOOL_ERR_NOMEM or VPOOL_ERR_STOPPING; on failure done() is not called
 * and keys are not taken. */
int vpool_submit(struct vpool *p, struct issuers *keys, struct seq_sub *subs,
                 size_t n, uint64_t now_ms, vpool_done_fn done, void *arg);

/* Finishes every queued check (calling its done()), stops and joins the
 * threads, frees the pool. Accepts NULL. */
void vpool_free(struct vpool *p);

#endif
