/*
 * fuzz_loglist.c: loglist_parse() (proofs/loglist.h), the witness's list of
 * logs it cosigns for.
 *
 * Invariants: an accepted list has at most cap logs, each with an Ed25519
 * key, a qpd in 1..2^31-1, NUL-terminated origin and contact, and no origin
 * twice; a refused list reports no logs.
 */
#include <string.h>

#include "fuzz.h"
#include "proofs/loglist.h"

#define CAP 16

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct loglist_log logs[CAP];
    size_t n = 99;
    unsigned line;

    if (loglist_parse((const char *)data, size, logs, CAP, &n, &line) != 0) {
        FUZZ_ASSERT(n == 0);
        return 0;
    }
    FUZZ_ASSERT(n <= CAP && line == 0);
    for (size_t i = 0; i < n; i++) {
        FUZZ_ASSERT(logs[i].key.type == NOTE_TYPE_ED25519);
        FUZZ_ASSERT(logs[i].qpd >= 1 && logs[i].qpd <= LOGLIST_QPD_MAX);
        FUZZ_ASSERT(memchr(logs[i].origin, '\0', sizeof logs[i].origin));
        FUZZ_ASSERT(memchr(logs[i].contact, '\0', sizeof logs[i].contact));
        FUZZ_ASSERT(logs[i].origin[0] != '\0');
        for (size_t j = 0; j < i; j++)
            FUZZ_ASSERT(strcmp(logs[i].origin, logs[j].origin) != 0);
    }
    return 0;
}
