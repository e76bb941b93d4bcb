/* cosignature.c: C2SP tlog-cosignature/v1 messages. See cosignature.h. */
#include "proofs/cosignature.h"

#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

const char *cosignature_strerror(int err)
{
    switch (err) {
    case 0:
        return "success";
    case COSIG_ERR_SPACE:
        return "output buffer too small";
    default:
        return "unknown cosignature error";
    }
}

int cosignature_message(uint64_t timestamp, const char *body, size_t body_len,
                        uint8_t *buf, size_t cap)
{
    char prefix[COSIGNATURE_PREFIX_MAX + 1];
    int plen;

    plen = snprintf(prefix, sizeof prefix, "cosignature/v1\ntime %" PRIu64 "\n",
                    timestamp);
    if (plen < 0 || (size_t)plen >= sizeof prefix)
        return COSIG_ERR_SPACE;
    if (body_len > (size_t)INT_MAX - (size_t)plen ||
        (size_t)plen + body_len > cap)
        return COSIG_ERR_SPACE;
    memcpy(buf, prefix, (size_t)plen);
    if (body_len > 0)
        memcpy(buf + plen, body, body_len);
    return plen + (int)body_len;
}
