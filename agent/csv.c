/* csv.c: see csv.h. */
#include "agent/csv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int agent_csv_next(const char *text, size_t len, size_t *pos,
                   struct agent_csv_row *row, char *why)
{
    size_t i = *pos, out = 0;
    char *b;

    memset(row, 0, sizeof *row);
    if (i >= len)
        return 0;
    /* A record is at most the rest of the text, plus one NUL per field. */
    if ((b = malloc(len - i + AGENT_CSV_FIELDS_MAX + 1)) == NULL)
        return AGENT_ERR_NOMEM;
    row->block = b;
    row->field[row->n++] = b;
    for (;;) {
        if (i < len && text[i] == '"') {
            i++;
            for (;;) {
                if (i >= len) {
                    snprintf(why, AGENT_WHY_MAX, "an unterminated quote");
                    goto bad;
                }
                if (text[i] == '"') {
                    if (i + 1 < len && text[i + 1] == '"') {
                        b[out++] = '"';
                        i += 2;
                        continue;
                    }
                    i++;
                    break;
                }
                if (text[i] == '\0')
                    goto nul;
                b[out++] = text[i++];
            }
        }
        while (i < len && text[i] != ',' && text[i] != '\n' &&
               !(text[i] == '\r' && i + 1 < len && text[i + 1] == '\n')) {
            if (text[i] == '\0')
                goto nul;
            b[out++] = text[i++];
        }
        b[out++] = '\0';
        if (i < len && text[i] == ',') {
            i++;
            if (row->n == AGENT_CSV_FIELDS_MAX) {
                snprintf(why, AGENT_WHY_MAX, "more than %d fields",
                         AGENT_CSV_FIELDS_MAX);
                goto bad;
            }
            row->field[row->n++] = b + out;
            continue;
        }
        if (i < len && text[i] == '\r')
            i++;
        if (i < len && text[i] == '\n')
            i++;
        break;
    }
    *pos = i;
    return 1;
nul:
    snprintf(why, AGENT_WHY_MAX, "a NUL byte");
bad:
    free(row->block);
    memset(row, 0, sizeof *row);
    return AGENT_ERR_REQUEST;
}
