/* num.c: the strict decimal parser. See num.h. */
#include "proofs/num.h"

const char *num_strerror(int err)
{
    switch (err) {
    case 0:
        return "success";
    case NUM_ERR_SYNTAX:
        return "not a decimal number (digits only, no leading zero)";
    case NUM_ERR_RANGE:
        return "number too large";
    default:
        return "unknown number error";
    }
}

int num_parse_u64_max(const char *s, size_t len, uint64_t max, uint64_t *out)
{
    uint64_t v = 0;
    int rc = 0;

    if (len == 0 || (len > 1 && s[0] == '0'))
        return NUM_ERR_SYNTAX;
    /* Every byte is checked to be a digit before the value is judged, so
     * "99999999999999999999x" is a syntax error, not an overflow. */
    for (size_t i = 0; i < len; i++) {
        unsigned d;

        if (s[i] < '0' || s[i] > '9')
            return NUM_ERR_SYNTAX;
        d = (unsigned)(s[i] - '0');
        if (rc == 0 && (d > max || v > (max - d) / 10))
            rc = NUM_ERR_RANGE;
        if (rc == 0)
            v = v * 10 + d;
    }
    if (rc == 0)
        *out = v;
    return rc;
}

int num_parse_u64(const char *s, size_t len, uint64_t *out)
{
    return num_parse_u64_max(s, len, UINT64_MAX, out);
}
