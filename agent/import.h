/*
 * import.h: `credlog agent --import FILE.csv`: batch issuance (and
 * revocation) through the agent's own engine and journal, without HTTP.
 * Each row becomes the JSON request POST /issue or /revoke would take
 * (docs/api.md, "Agent CSV import"), so it is checked, coalesced,
 * journaled and made idempotent exactly as requests are: importing the
 * same file twice logs nothing new and prints the same receipts.
 */
#ifndef CREDLOG_AGENT_IMPORT_H
#define CREDLOG_AGENT_IMPORT_H

#include <stdbool.h>

#include "agent/config.h"

/* Imports csv_path for cfg, printing a result line per row on stdout (one
 * JSON object per line with json). out_dir, if not NULL, receives each
 * issued credential's bundle as <name>.credlog. Returns 0 (every row
 * done), 1 (some rows refused: 4xx), or 2 (the file, the journal, or a row
 * that failed otherwise). */
int agent_import_run(const struct agent_config *cfg, const char *csv_path,
                     const char *out_dir, bool json, int timeout_s);

#endif
