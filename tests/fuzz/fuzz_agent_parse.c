/*
 * fuzz_agent_parse.c: the agent's pure parsers, on text from the network
 * or an operator: the first byte picks agent_request_parse() for issue (0)
 * or revoke (1), agent_config_parse() (2), or agent_csv_next() over the
 * rest (3).
 *
 * Invariants:
 *  - a request parses to 0 with exactly one of credential bytes (1..8 MiB)
 *    and a key, or fails with AGENT_ERR_REQUEST / AGENT_ERR_NOMEM, a
 *    reason, and nothing to free;
 *  - a config parses with an institution, a log, a data directory and
 *    1..64 departments, or fails with a reason;
 *  - CSV records advance through the text, each of 1..16 fields, until the
 *    end or a refusal with a reason.
 */
#include <stdlib.h>
#include <string.h>

#include "agent/config.h"
#include "agent/csv.h"
#include "agent/request.h"
#include "fuzz.h"
#include "proofs/entry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct agent_config c;
    struct agent_request r;
    struct agent_csv_row row;
    char why[AGENT_WHY_MAX] = "";
    const char *text = (const char *)data + 1;
    size_t len = size - 1, pos = 0, last;
    int rc;

    if (size == 0)
        return 0;
    switch (data[0] % 4) {
    case 0:
    case 1:
        rc = agent_request_parse(
            text, len, data[0] % 4 ? ENTRY_REVOKE : ENTRY_ISSUE, &r, why);
        if (rc != 0) {
            FUZZ_ASSERT(rc == AGENT_ERR_REQUEST || rc == AGENT_ERR_NOMEM);
            FUZZ_ASSERT(rc == AGENT_ERR_NOMEM || why[0] != '\0');
            FUZZ_ASSERT(r.data == NULL);
            return 0;
        }
        FUZZ_ASSERT((r.data != NULL) != r.have_key);
        FUZZ_ASSERT(r.data == NULL ||
                    (r.len >= 1 && r.len <= AGENT_CREDENTIAL_MAX));
        agent_request_free(&r);
        return 0;
    case 2:
        rc = agent_config_parse(text, len, &c, why);
        if (rc != 0) {
            FUZZ_ASSERT(rc == AGENT_ERR_CONFIG && why[0] != '\0');
            return 0;
        }
        FUZZ_ASSERT(c.institution[0] && c.log_url[0] && c.data_dir[0]);
        FUZZ_ASSERT(c.ndepts >= 1 && c.ndepts <= AGENT_DEPT_MAX);
        return 0;
    default:
        for (;;) {
            last = pos;
            rc = agent_csv_next(text, len, &pos, &row, why);
            if (rc != 1) {
                FUZZ_ASSERT(rc == 0 || why[0] != '\0');
                FUZZ_ASSERT(row.block == NULL);
                return 0;
            }
            FUZZ_ASSERT(pos > last && pos <= len);
            FUZZ_ASSERT(row.n >= 1 && row.n <= AGENT_CSV_FIELDS_MAX);
            free(row.block);
        }
    }
}
