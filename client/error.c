/* error.c: see error.h. */
#include "client/error.h"

#include <stdarg.h>
#include <stdio.h>

const char *client_strerror(int err)
{
    switch (err) {
    case CLIENT_OK:
        return "ok";
    case CLIENT_ERR_INVALID:
        return "does not verify";
    case CLIENT_ERR_SYNTAX:
        return "malformed input";
    case CLIENT_ERR_NET:
        return "network error";
    case CLIENT_ERR_HTTP:
        return "unexpected answer from the log";
    case CLIENT_ERR_REFUSED:
        return "refused by the log";
    case CLIENT_ERR_NOT_FOUND:
        return "not found";
    case CLIENT_ERR_IO:
        return "file error";
    case CLIENT_ERR_NOMEM:
        return "out of memory";
    case CLIENT_ERR_KEY:
        return "key error";
    case CLIENT_ERR_STATE:
        return "monitor state error";
    case CLIENT_ERR_ARG:
        return "bad argument";
    default:
        return "unknown error";
    }
}

int client_fail(char *why, int err, const char *fmt, ...)
{
    va_list ap;

    if (why != NULL) {
        va_start(ap, fmt);
        vsnprintf(why, CLIENT_REASON_MAX, fmt, ap);
        va_end(ap);
    }
    return err;
}
