/*
 * server.h: `credlog agent`'s HTTP front end (docs/api.md, "Agent API") on
 * one libevent event loop: POST /issue, POST /revoke, GET /healthz; bearer
 * tokens name the department; plain HTTP on loopback by default, or HTTPS
 * with client certificates required (tls-client-ca). The decisions are
 * engine.h's; this file decodes, makes one call, and encodes.
 *
 * SIGTERM and SIGINT stop the loop; items in flight stay pending in the
 * journal and are submitted at the next start.
 */
#ifndef CREDLOG_AGENT_SERVER_H
#define CREDLOG_AGENT_SERVER_H

#include "agent/config.h"

struct agent_run_options {
    const char *port_file; /* if not NULL, the bound port is written here */
    int timeout_s;         /* per connection, and per request to the log */
};

/* Runs the agent for cfg until SIGTERM or SIGINT. Returns 0 after a clean
 * stop, or 1 with the reason on stderr when it cannot start. */
int agent_server_run(const struct agent_config *cfg,
                     const struct agent_run_options *opt);

#endif
