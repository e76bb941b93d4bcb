/*
 * clock.c: see clock.h.
 */
#include "client/clock.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

uint64_t client_clock_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    if (ts.tv_sec < 0)
        return 0;
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int client_duration_parse(const char *s, uint64_t *ms)
{
    uint64_t n = 0, unit = CLIENT_SECOND_MS;
    const char *p = s;

    if (s == NULL || *p < '0' || *p > '9')
        return CLIENT_ERR_SYNTAX;
    for (; *p >= '0' && *p <= '9'; p++) {
        if (n > CLIENT_DURATION_MAX_MS / 10)
            return CLIENT_ERR_SYNTAX;
        n = n * 10 + (uint64_t)(*p - '0');
    }
    switch (*p) {
    case '\0':
        break;
    case 's':
        unit = CLIENT_SECOND_MS;
        p++;
        break;
    case 'm':
        unit = CLIENT_MINUTE_MS;
        p++;
        break;
    case 'h':
        unit = CLIENT_HOUR_MS;
        p++;
        break;
    case 'd':
        unit = CLIENT_DAY_MS;
        p++;
        break;
    default:
        return CLIENT_ERR_SYNTAX;
    }
    if (*p != '\0' || n == 0 || n > CLIENT_DURATION_MAX_MS / unit)
        return CLIENT_ERR_SYNTAX;
    *ms = n * unit;
    return 0;
}

/* "1 day", "2 days". */
static int unit_text(char *buf, size_t cap, uint64_t n, const char *unit)
{
    return snprintf(buf, cap, "%llu %s%s", (unsigned long long)n, unit,
                    n == 1 ? "" : "s");
}

void client_duration_format(uint64_t ms, char *buf, size_t cap)
{
    static const struct {
        uint64_t ms;
        const char *name;
    } units[] = {
        {CLIENT_DAY_MS, "day"},
        {CLIENT_HOUR_MS, "hour"},
        {CLIENT_MINUTE_MS, "minute"},
        {CLIENT_SECOND_MS, "second"},
    };
    size_t i = 0;
    int len;

    if (cap == 0)
        return;
    if (ms < CLIENT_SECOND_MS) {
        unit_text(buf, cap, ms, "millisecond");
        return;
    }
    while (i + 1 < sizeof units / sizeof units[0] && ms < units[i].ms)
        i++;
    len = unit_text(buf, cap, ms / units[i].ms, units[i].name);
    if (i + 1 < sizeof units / sizeof units[0] && len > 0 &&
        (size_t)len < cap) {
        uint64_t rest = ms % units[i].ms / units[i + 1].ms;
        if (rest > 0) {
            buf[len] = ' ';
            if ((size_t)len + 1 < cap)
                unit_text(buf + len + 1, cap - (size_t)len - 1, rest,
                          units[i + 1].name);
            else
                buf[len] = '\0';
        }
    }
}

void client_time_format(uint64_t ms, char *buf, size_t cap)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;

    if (ms / 1000 > (uint64_t)253402300799ull /* 9999-12-31 */ ||
        gmtime_r(&t, &tm) == NULL ||
        strftime(buf, cap, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
        snprintf(buf, cap, "%llu ms", (unsigned long long)ms);
}
