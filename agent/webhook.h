/*
 * webhook.h: the agent's webhooks (docs/api.md, "Agent webhooks"). Events
 * are journaled (journal.h, the outbox) before anything else happens to
 * them: a receipt's receipt_ready in the same transaction as the receipt,
 * a watch event before the monitor's state moves past its entry. The
 * sender POSTs the outbox's oldest event, one at a time and in order, to
 * the configured http:// URL on the agent's event loop (never blocking
 * it), and removes it from the outbox only once the receiver answered 2xx.
 * Another answer, or none within 10 seconds, is retried after 1, 2, 4, ...
 * seconds (at most 60 between tries), for as long as it takes: delivery is
 * at least once, also across a crash or SIGKILL of the agent, and each
 * event carries an event_id (agent_webhook_event()) that stays the same
 * however often it is sent, so receivers can drop repeats.
 * Not thread-safe except agent_webhook_event().
 */
#ifndef CREDLOG_AGENT_WEBHOOK_H
#define CREDLOG_AGENT_WEBHOOK_H

#include <event2/event.h>
#include <jansson.h>

#include "agent/agent.h"
#include "agent/journal.h"

/* The length of an event_id: 32 hex digits. */
#define AGENT_EVENT_ID_LEN 32

struct agent_webhook;

/* The text of event (a name: receipt_ready, unknown_key, log_alert) with
 * data's members (borrowed; a "state" member is left out), "event" set to
 * event and "event_id" to the first 16 bytes, in hex, of SHA-256(
 * "credlog-agent/event/v1\n" || the event object without event_id as
 * compact JSON with sorted keys): the same event found again (an entry
 * judged again after a restart) has the same id. Returns a fresh
 * NUL-terminated string (caller frees) or NULL when out of memory. Pure;
 * any thread. */
char *agent_webhook_event(const char *event, const json_t *data);

/* Makes a sender for url (http://host[:port]/path) on base, delivering the
 * outbox of journal j (borrowed for its lifetime); it starts with what the
 * outbox already holds. Returns 0, AGENT_ERR_CONFIG (bad URL) or
 * AGENT_ERR_NOMEM with why. */
int agent_webhook_new(struct event_base *base, const char *url,
                      struct agent_journal *j, struct agent_webhook **out,
                      char *why);

/* Something new is in the outbox (journaled by someone else): send it
 * unless a delivery is under way or waiting to be retried. */
void agent_webhook_kick(struct agent_webhook *w);

/* Frees it; the outbox stays journaled for the next start. Accepts NULL. */
void agent_webhook_free(struct agent_webhook *w);

#endif
