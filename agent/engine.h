/*
 * engine.h: the agent's core, on one libevent event loop and without HTTP:
 * requests (request.h) become signed ISSUE or REVOKE entries under their
 * department's key, are coalesced for a short linger (or until
 * CLIENT_SUBMIT_MAX are waiting) into one log submission, each with a
 * result of its own (client/submit.h: one bad credential never fails its
 * neighbours), and every receipt is verified against the log key before it
 * is answered.
 *
 * Durability (docs/api.md, "Agent API"): an item is journaled (journal.h)
 * as pending, with its salt and its signed entry, before it is sent to the
 * log, and its receipt is journaled before it is answered. So an answer is
 * never lost, and a crash between the two loses nothing either: at start,
 * agent_engine_recover() submits the pending entries again (the log answers
 * a credential it holds with the receipt it gave), and a client that
 * repeats its request gets the journaled answer.
 *
 * Idempotency: a request's id is SHA-256("credlog-agent/id/v1\n" || type ||
 * profile || D) for credential bytes (D the credkey/v1 digest, profile the
 * one chosen) or SHA-256("credlog-agent/id/v1\n" || type || 0xff || key)
 * for a precomputed key. A request whose id is being submitted waits for
 * that submission; one whose id is journaled as done gets the journaled
 * receipt back, so the same credential twice is one entry with one salt.
 *
 * The log is called, and its receipts verified, on a worker thread
 * (worker.h): the loop journals a batch as pending, hands it over, and goes
 * on answering other requests (and queueing new items, which coalesce into
 * the next batch: one is in flight at a time); the batch comes back to the
 * loop, which journals the receipts and answers. Journal and answers are the
 * loop's alone. The functions below are called on the loop's thread.
 */
#ifndef CREDLOG_AGENT_ENGINE_H
#define CREDLOG_AGENT_ENGINE_H

#include <stdbool.h>
#include <stddef.h>

#include <event2/event.h>
#include <jansson.h>

#include "agent/config.h"
#include "agent/journal.h"
#include "agent/request.h"

struct agent_engine;

/* Called once per request with the HTTP status and the answer (borrowed
 * for the call), from agent_engine_submit() itself or later from the loop. */
typedef void (*agent_reply_fn)(void *arg, int status, json_t *body);

/* Called for each item that gets its receipt (the "receipt ready" event,
 * docs/api.md), with the done record (borrowed for the call), once the
 * event is in the webhook outbox (webhook.h), journaled in the same
 * transaction as the receipt. */
typedef void (*agent_event_fn)(void *arg, const char *event, json_t *data);

/* Makes an engine on base for cfg and journal j (both borrowed for its
 * lifetime). timeout_s: per request to the log. on_event may be NULL: then
 * no events are journaled.
 * Returns 0, AGENT_ERR_NOMEM or AGENT_ERR_CONFIG (the log URL) with why. */
int agent_engine_new(struct event_base *base, const struct agent_config *cfg,
                     struct agent_journal *j, int timeout_s,
                     agent_event_fn on_event, void *event_arg,
                     struct agent_engine **out, char *why);

/* Queues every pending journal record for submission. Returns the number
 * queued, or AGENT_ERR_JOURNAL / AGENT_ERR_CORRUPT with why. */
int agent_engine_recover(struct agent_engine *e, char *why);

/* Takes request r (its data moves to the engine; r is freed) and answers it
 * through cb(arg, ...) exactly once, unless agent_engine_forget(e, arg) is
 * called first. */
void agent_engine_submit(struct agent_engine *e, struct agent_request *r,
                         agent_reply_fn cb, void *arg);

/* Drops every waiting answer whose arg is arg (its client went away); the
 * item itself is still submitted and journaled. */
void agent_engine_forget(struct agent_engine *e, void *arg);

/* The number of items queued or in flight. */
size_t agent_engine_busy(const struct agent_engine *e);

/* Frees the engine, first waiting for a submission in flight to come back
 * (at most the log timeout); waiting answers are dropped (their items stay
 * pending in the journal if they were journaled). Accepts NULL. */
void agent_engine_free(struct agent_engine *e);

#endif
