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

/* Called once per vpool_submit(), on a pool thread, when every chunk is
 * checked: err is 0, or REQUEST_ERR_INVALID with rerr naming the first
 * failing submission (the one request_verify_entries() would name). */
typedef void (*vpool_done_fn)(void *arg, int err,
                              const struct request_error *rerr);

struct vpool;

/* Starts threads (>= 1) verifier threads. Returns NULL when out of memory or
 * no thread can be started. */
struct vpool *vpool_new(unsigned threads);

/* Queues the check of subs[0..n) (n >= 1) against keys, at time now_ms. The
 * pool takes over the reference keys (dropped when done); subs must stay
 * alive until done() returns. Returns 0, or -1 if the pool is stopping or
 * out of memory (done() is then not called, keys not taken). */
int vpool_submit(struct vpool *p, struct issuers *keys, struct seq_sub *subs,
                 size_t n, uint64_t now_ms, vpool_done_fn done, void *arg);

/* Finishes every queued check (calling its done()), stops and joins the
 * threads, frees the pool. Accepts NULL. */
void vpool_free(struct vpool *p);

#endif
