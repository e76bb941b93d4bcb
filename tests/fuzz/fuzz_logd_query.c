/*
 * fuzz_logd_query.c: request_parse_query() and request_parse_u64()
 * (logd/request.h), which parse the query strings of GET /v1/proof/inclusion
 * (index, size) and /v1/proof/consistency (from, to) and the index of
 * GET /v1/entries/<index>.
 *
 * The first input byte picks the names (index&size, from&to, one name, or
 * none); the rest, up to a NUL, is the query string (evhttp hands logd a C
 * string).
 *
 * Invariants:
 *  - request_parse_u64() agrees with a reference written here: digits only,
 *    no leading zero but "0", at most INT64_MAX; the value it returns prints
 *    back to the input;
 *  - a parsed query is canonical: it equals "n1=v1&n2=v2" printed from the
 *    values in one of the orders of the names (so no sign, no leading zero,
 *    no empty or repeated or unknown parameter, no stray '&');
 *  - the other direction: values from the input's bytes, printed as a query,
 *    parse back to themselves in either order.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "logd/request.h"

static int ref_u64(const char *s, size_t len, uint64_t *out)
{
    uint64_t v = 0;

    if (len == 0 || (len > 1 && s[0] == '0'))
        return -1;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        if (v > ((uint64_t)INT64_MAX - (uint64_t)(s[i] - '0')) / 10)
            return -1;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    *out = v;
    return 0;
}

static void print_query(char *buf, size_t cap, const char *const *names,
                        const uint64_t *v, size_t n, int reversed)
{
    size_t used = 0;

    buf[0] = '\0';
    for (size_t k = 0; k < n; k++) {
        size_t i = reversed ? n - 1 - k : k;
        used += (size_t)snprintf(buf + used, cap - used, "%s%s=%" PRIu64,
                                 k ? "&" : "", names[i], v[i]);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const sets[][2] = {
        {"index", "size"}, {"from", "to"}, {"index", NULL}, {NULL, NULL}};
    const char *const *names;
    size_t n, qlen;
    uint64_t v[2] = {0, 0}, w[2], ref;
    char *q, buf[128];
    int rc;

    if (size == 0)
        return 0;
    names = sets[data[0] % 4];
    n = names[0] == NULL ? 0 : names[1] == NULL ? 1 : 2;
    q = fuzz_strdup(data + 1, size - 1);
    qlen = strlen(q);

    /* The whole rest as one number. */
    rc = request_parse_u64((const char *)data + 1, size - 1, &w[0]);
    FUZZ_ASSERT(rc == 0 || rc == REQUEST_ERR_SYNTAX);
    FUZZ_ASSERT((rc == 0) ==
                (ref_u64((const char *)data + 1, size - 1, &ref) == 0));
    if (rc == 0) {
        FUZZ_ASSERT(w[0] == ref);
        snprintf(buf, sizeof buf, "%" PRIu64, w[0]);
        FUZZ_ASSERT(strlen(buf) == size - 1 &&
                    memcmp(buf, data + 1, size - 1) == 0);
    }

    rc = request_parse_query(q, names, n, v);
    FUZZ_ASSERT(rc == 0 || rc == REQUEST_ERR_SYNTAX);
    if (rc == 0) {
        int same = 0;
        for (int r = 0; r < (n > 1 ? 2 : 1); r++) {
            print_query(buf, sizeof buf, names, v, n, r);
            same |= strlen(buf) == qlen && memcmp(buf, q, qlen) == 0;
        }
        FUZZ_ASSERT(same);
        for (size_t i = 0; i < n; i++)
            FUZZ_ASSERT(v[i] <= (uint64_t)INT64_MAX);
    }
    free(q);

    /* Values from the bytes, printed and parsed back. */
    if (size >= 17 && n > 0) {
        uint64_t in[2] = {0, 0};
        for (int i = 0; i < 8; i++) {
            in[0] = in[0] << 8 | data[1 + i];
            in[1] = in[1] << 8 | data[9 + i];
        }
        in[0] &= (uint64_t)INT64_MAX >> (data[0] % 64);
        in[1] &= (uint64_t)INT64_MAX >> (data[0] % 61);
        for (int r = 0; r < 2; r++) {
            print_query(buf, sizeof buf, names, in, n, r);
            FUZZ_ASSERT(request_parse_query(buf, names, n, w) == 0);
            for (size_t i = 0; i < n; i++)
                FUZZ_ASSERT(w[i] == in[i]);
        }
    }
    return 0;
}
