/*
 * journal.h: the agent's journal, an LMDB environment in its data directory
 * (the only file of the agent that includes <lmdb.h>). It maps a request's
 * 32-byte id (engine.h) to its record, a JSON text the engine writes and
 * reads (docs/api.md, "Agent journal"); records still being submitted are
 * also listed as pending, so that a restarted agent submits them again.
 *
 * It also holds the webhook outbox (webhook.h): events in the order they
 * were journaled, each under a sequence number, until their delivery is
 * acknowledged; a receipt and its event are journaled in one transaction.
 *
 * Every write is one transaction, durable when the call returns (LMDB's
 * default sync). Threads: any thread may call any function, also
 * concurrently (each call is its own transaction; LMDB serializes the
 * writers), except agent_journal_close(), which must not race with them.
 */
#ifndef CREDLOG_AGENT_JOURNAL_H
#define CREDLOG_AGENT_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "agent/agent.h"

#define AGENT_ID_SIZE 32
/* The largest record the journal keeps. */
#define AGENT_RECORD_MAX (256 * 1024)

struct agent_journal;

/* One write of agent_journal_write(). */
struct agent_journal_op {
    const uint8_t *id; /* AGENT_ID_SIZE bytes (unused for an event) */
    const char *text;  /* the record; NULL: delete the record */
    size_t len;
    bool pending; /* list it as pending (else: not pending any more) */
    bool event;   /* instead: append text to the outbox (the next number) */
};

/* Opens (creating if needed) the journal in dir, which must exist. On
 * success *out owns it (agent_journal_close()). Returns 0 or
 * AGENT_ERR_JOURNAL with why. */
int agent_journal_open(const char *dir, struct agent_journal **out, char *why);

/* Closes it. Accepts NULL. */
void agent_journal_close(struct agent_journal *j);

/* The record of id, copied into a fresh NUL-terminated buffer (*text,
 * caller frees). Returns 0, AGENT_ERR_NOT_FOUND, AGENT_ERR_NOMEM or
 * AGENT_ERR_JOURNAL (why). */
int agent_journal_get(struct agent_journal *j, const uint8_t id[AGENT_ID_SIZE],
                      char **text, size_t *len, char *why);

/* Applies ops[0..n) in one transaction: all or nothing. Returns 0,
 * AGENT_ERR_REQUEST (a record over AGENT_RECORD_MAX) or AGENT_ERR_JOURNAL
 * (why). */
int agent_journal_write(struct agent_journal *j,
                        const struct agent_journal_op *ops, size_t n,
                        char *why);

/* Calls fn for every pending record, in id order, with the record's id and
 * text (valid during the call only). Stops when fn returns non-zero and
 * returns that. Returns 0 or AGENT_ERR_JOURNAL (why). */
int agent_journal_pending(struct agent_journal *j,
                          int (*fn)(void *arg, const uint8_t *id,
                                    const char *text, size_t len),
                          void *arg, char *why);

/* The oldest event in the outbox: its number into *seq and its text into
 * a fresh NUL-terminated buffer (*text, caller frees). Returns 0,
 * AGENT_ERR_NOT_FOUND (the outbox is empty), AGENT_ERR_NOMEM or
 * AGENT_ERR_JOURNAL (why). */
int agent_journal_event_first(struct agent_journal *j, uint64_t *seq,
                              char **text, size_t *len, char *why);

/* Removes event seq from the outbox (delivered). Returns 0 (also when it
 * was not there) or AGENT_ERR_JOURNAL (why). */
int agent_journal_event_done(struct agent_journal *j, uint64_t seq, char *why);

/* The number of records, and of pending ones. */
void agent_journal_count(struct agent_journal *j, size_t *records,
                         size_t *pending);

#endif
