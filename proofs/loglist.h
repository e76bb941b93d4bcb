/*
 * loglist.h: the witness network's log list format (`logs/v0`), the list of
 * logs a witness cosigns for, pure. Implemented in loglist.c.
 *
 *   logs/v0                  the header, first non-comment line
 *   vkey <vkey>              starts a log: an Ed25519 note key (type 0x01)
 *   origin <origin>          optional; defaults to the vkey's name
 *   qpd <N>                  add-checkpoint requests per day, 1..2^31-1
 *   contact <text>           optional, free text
 *
 * Lines are trimmed of spaces and tabs; blank lines and lines starting with
 * '#' are ignored. Within a log the lines come in the order above.
 */
#ifndef CREDLOG_PROOFS_LOGLIST_H
#define CREDLOG_PROOFS_LOGLIST_H

#include <stddef.h>
#include <stdint.h>

#include "proofs/errors.h"
#include "proofs/note.h"

#define LOGLIST_ERR_SYNTAX (-1601) /* a line out of the format or order */
#define LOGLIST_ERR_KEY (-1602)    /* a vkey that is not an Ed25519 note key */
#define LOGLIST_ERR_DUP (-1603)    /* an origin listed twice */
#define LOGLIST_ERR_LIMIT (-1604)  /* more logs than the caller has room for */

#define LOGLIST_CONTACT_MAX 256
#define LOGLIST_QPD_MAX 2147483647u

struct loglist_log {
    struct note_verifier key; /* type NOTE_TYPE_ED25519 */
    char origin[NOTE_NAME_MAX + 1];
    uint32_t qpd;
    char contact[LOGLIST_CONTACT_MAX]; /* "" when absent; cut to fit */
};

/* Returns a static string describing a LOGLIST_ERR_* code. */
const char *loglist_strerror(int err);

/* Parses a log list into out[0..cap). On success *n is the number of logs.
 * On failure *line (if not NULL) is the 1-based line at fault (0 for the
 * whole file) and *n is 0. Returns 0, LOGLIST_ERR_SYNTAX, LOGLIST_ERR_KEY,
 * LOGLIST_ERR_DUP or LOGLIST_ERR_LIMIT. */
int loglist_parse(const char *text, size_t len, struct loglist_log *out,
                  size_t cap, size_t *n, unsigned *line);

#endif
