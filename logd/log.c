/* log.c: see log.h. */
#include "logd/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>

void log_msg(const char *fmt, ...)
{
    char line[1024], stamp[32];
    struct timespec now;
    struct tm tm;
    va_list ap;

    clock_gettime(CLOCK_REALTIME, &now);
    gmtime_r(&now.tv_sec, &tm);
    strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    fprintf(stderr, "%s.%03ldZ logd: %s\n", stamp, now.tv_nsec / 1000000, line);
}
