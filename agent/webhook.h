/*
 * webhook.h: the agent's webhooks (docs/api.md, "Agent webhooks"): each
 * event is POSTed as one JSON object to the configured http:// URL, in
 * order, one at a time, on the agent's event loop (never blocking it). An
 * answer other than 2xx, or none within 10 seconds, is retried after 1, 2,
 * 4, ... seconds (at most 60) up to AGENT_WEBHOOK_ATTEMPTS times in all;
 * then the event is dropped with a line on stderr. At most
 * AGENT_WEBHOOK_QUEUE_MAX events wait; beyond that new ones are dropped
 * (with a line on stderr). Events are not journaled: a restart loses the
 * waiting ones (the receipts themselves are in the journal). Not
 * thread-safe.
 */
#ifndef CREDLOG_AGENT_WEBHOOK_H
#define CREDLOG_AGENT_WEBHOOK_H

#include <event2/event.h>
#include <jansson.h>

#include "agent/agent.h"

#define AGENT_WEBHOOK_ATTEMPTS 8
#define AGENT_WEBHOOK_QUEUE_MAX 100000

struct agent_webhook;

/* Makes a webhook sender for url (http://host[:port]/path) on base.
 * Returns 0, AGENT_ERR_CONFIG (bad URL) or AGENT_ERR_NOMEM with why. */
int agent_webhook_new(struct event_base *base, const char *url,
                      struct agent_webhook **out, char *why);

/* Queues event with data's members (data is borrowed; its members are
 * copied into the event object with "event" set). */
void agent_webhook_post(struct agent_webhook *w, const char *event,
                        const json_t *data);

/* The number of events waiting or in flight. */
size_t agent_webhook_waiting(const struct agent_webhook *w);

/* Frees it; waiting events are dropped. Accepts NULL. */
void agent_webhook_free(struct agent_webhook *w);

#endif
