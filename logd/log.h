/*
 * log.h: logd's event log. One line per event on stderr, prefixed with the
 * UTC time; never a secret. Thread-safe (one stdio call per line).
 */
#ifndef CREDLOG_LOGD_LOG_H
#define CREDLOG_LOGD_LOG_H

#if defined(__GNUC__)
#define LOG_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define LOG_PRINTF(a, b)
#endif

/* Writes "<UTC time> logd: <message>\n" to stderr. */
void log_msg(const char *fmt, ...) LOG_PRINTF(1, 2);

#endif
