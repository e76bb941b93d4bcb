/*
 * watch.h: the agent watching the log for its own institution, as CT
 * monitors watch for certificates of their own domains. It runs the
 * client monitor (client/monitor.h: every entry proven part of the signed
 * tree and replayed by the log's rules, its state in DATA/monitor) every
 * monitor-interval seconds, and raises an event (webhook.h) for
 *  - "unknown_key": an ISSUE or REVOKE entry under the institution's name
 *    signed by a key no department holds, or a KEY entry adding such a key:
 *    someone else can issue in the institution's name;
 *  - "log_alert": the monitor's alerts (a fork, a rule broken, a checkpoint
 *    the log cannot back).
 * One pass reads at most 4096 entries; a catch-up continues at once.
 * Delivery is at least once: entries after the monitor's last commit are
 * judged again after a restart. Each pass runs on a worker thread of the
 * watch's own (worker.h), so the loop keeps answering while it talks to
 * the log; what it found is raised on the loop when the pass is back. The
 * functions below are called on the loop's thread.
 */
#ifndef CREDLOG_AGENT_WATCH_H
#define CREDLOG_AGENT_WATCH_H

#include <event2/event.h>

#include "agent/config.h"
#include "agent/engine.h"
#include "agent/journal.h"

struct agent_watch;

/* Starts watching (the first pass at once) for cfg on base. Each event is
 * journaled in j's webhook outbox (webhook.h; j may be NULL: not
 * journaled) from the pass itself, before the monitor's state moves past
 * its entry, and raised on the loop by on_event(arg, ...) once the pass is
 * back. Returns 0, AGENT_ERR_CONFIG (the log URL, the monitor state) or
 * AGENT_ERR_NOMEM with why. */
int agent_watch_new(struct event_base *base, const struct agent_config *cfg,
                    int timeout_s, struct agent_journal *j,
                    agent_event_fn on_event, void *arg,
                    struct agent_watch **out, char *why);

/* Stops and frees. Accepts NULL. */
void agent_watch_free(struct agent_watch *w);

#endif
