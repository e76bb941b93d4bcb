/*
 * notify.h: systemd's readiness protocol (sd_notify(3), Type=notify) without
 * libsystemd: one datagram such as "READY=1" to the AF_UNIX socket named by
 * $NOTIFY_SOCKET, an absolute path or "@name" for Linux's abstract
 * namespace. Without $NOTIFY_SOCKET (not started by systemd, or not as
 * Type=notify) it does nothing. Used by logd and `credlog witness`.
 * Reads the environment: call it from the main thread.
 */
#ifndef CREDLOG_LOGD_NOTIFY_H
#define CREDLOG_LOGD_NOTIFY_H

#include "proofs/errors.h"

#define NOTIFY_ERR_ADDRESS (-3301) /* $NOTIFY_SOCKET is not /path or @name */
#define NOTIFY_ERR_IO (-3302)      /* socket() or sendto() failed: errno */

/* Returns a static string describing a NOTIFY_ERR_* code. */
const char *notify_strerror(int err);

/* Sends state (for example "READY=1" or "STOPPING=1", newline-separated
 * assignments as sd_notify(3) defines them) to $NOTIFY_SOCKET. Returns 0
 * when sent or when $NOTIFY_SOCKET is unset or empty, NOTIFY_ERR_ADDRESS
 * for an address that is neither an absolute path nor "@name" or does not
 * fit a sockaddr_un, NOTIFY_ERR_IO (errno set) when it cannot be sent. */
int notify_send(const char *state);

#endif
