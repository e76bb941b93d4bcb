/*
 * csv.h: the rows of `credlog agent --import` (docs/api.md, "Agent CSV
 * import"): RFC 4180 CSV (fields optionally in double quotes, "" for a
 * quote inside them, CRLF or LF line ends), a header line naming the
 * columns. Pure: no I/O.
 */
#ifndef CREDLOG_AGENT_CSV_H
#define CREDLOG_AGENT_CSV_H

#include <stddef.h>

#include "agent/agent.h"

#define AGENT_CSV_FIELDS_MAX 16
#define AGENT_CSV_FIELD_MAX (12 << 20)

/* One record: n fields, each NUL-terminated, in one malloc'd block. */
struct agent_csv_row {
    size_t n;
    char *field[AGENT_CSV_FIELDS_MAX];
    char *block;
};

/* Parses the record starting at text[*pos] (len bytes in all) into *row and
 * advances *pos past its line end. Returns 1 for a record, 0 at the end of
 * the text, AGENT_ERR_REQUEST (why: an unterminated quote, too many fields,
 * a NUL byte) or AGENT_ERR_NOMEM. The caller frees row->block. */
int agent_csv_next(const char *text, size_t len, size_t *pos,
                   struct agent_csv_row *row, char *why);

#endif
