/*
 * agent_proc.h: a real `credlog agent` process for the agent tests, started
 * and stopped as an issuing system's operator would (credlog_run.h's
 * subprocess, so it shares credlog_run_home).
 *
 * agent_proc_start() runs `credlog agent --config CONF --port-file PORTS`
 * and waits, on the port file rather than a sleep, until it listens;
 * agent_proc_stop() signals it and collects its exit. Not thread-safe.
 */
#ifndef CREDLOG_TESTS_AGENT_PROC_H
#define CREDLOG_TESTS_AGENT_PROC_H

#include <sys/types.h>

/* Starts the agent with the config file conf, writing its port to
 * port_path (removed first), and waits up to 20 s for it. Sets *pid and
 * returns the port, or 0 (a failed CHECK) if it never listened. */
unsigned agent_proc_start(const char *conf, const char *port_path, pid_t *pid);

/* Sends sig to the agent *pid, waits up to timeout_s for its exit and sets
 * *pid to 0. After SIGTERM the exit must be 0 (CHECKed, with its stderr).
 * Returns the exit status, -1 if it did not exit normally. */
int agent_proc_stop(pid_t *pid, int sig, int timeout_s);

#endif
