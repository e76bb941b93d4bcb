/*
 * clockshift.c: an LD_PRELOAD library for tests that moves a process's wall
 * clock and leaves its monotonic clock alone, as a jump of the host's clock
 * (an NTP step, an operator's typo, a bad RTC) would. It wraps
 * clock_gettime() and time(): CLOCK_REALTIME and CLOCK_REALTIME_COARSE are
 * shifted by a number of seconds (may be negative) read on every call from
 * the file named by $CREDLOG_CLOCKSHIFT_FILE (so a test can move a running
 * logd's clock and move it back), or else from $CREDLOG_CLOCKSHIFT_S. A
 * missing or unreadable file means no shift. Under ASan, run the process
 * with ASAN_OPTIONS=verify_asan_link_order=0 (this library comes first).
 * Test code only: never part of logd or credlog.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

typedef int (*clock_gettime_fn)(clockid_t, struct timespec *);

static long long parse(const char *s)
{
    long long v = 0;
    int neg = 0;

    if (*s == '-') {
        neg = 1;
        s++;
    }
    while (*s >= '0' && *s <= '9')
        v = v * 10 + (*s++ - '0');
    return neg ? -v : v;
}

static long long shift_s(void)
{
    const char *file = getenv("CREDLOG_CLOCKSHIFT_FILE");
    const char *fixed = getenv("CREDLOG_CLOCKSHIFT_S");
    char buf[32];
    ssize_t n;
    int fd;

    if (file == NULL)
        return fixed != NULL ? parse(fixed) : 0;
    if ((fd = open(file, O_RDONLY | O_CLOEXEC)) < 0)
        return 0;
    n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return 0;
    buf[n] = '\0';
    return parse(buf);
}

int clock_gettime(clockid_t id, struct timespec *ts)
{
    static clock_gettime_fn real;
    int rc;

    if (real == NULL)
        real = (clock_gettime_fn)dlsym(RTLD_NEXT, "clock_gettime");
    rc = real(id, ts);
    if (rc == 0 && (id == CLOCK_REALTIME || id == CLOCK_REALTIME_COARSE))
        ts->tv_sec += (time_t)shift_s();
    return rc;
}

time_t time(time_t *out)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    if (out != NULL)
        *out = ts.tv_sec;
    return ts.tv_sec;
}
