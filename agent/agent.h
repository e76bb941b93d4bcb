/*
 * agent.h: the error codes of credlog agent (AGENT_ERR_BASE's block in
 * proofs/errors.h), shared by its modules (config.c, journal.c, request.c,
 * engine.c, server.c), and agent_strerror().
 */
#ifndef CREDLOG_AGENT_AGENT_H
#define CREDLOG_AGENT_AGENT_H

#include "proofs/errors.h"

#define AGENT_ERR_CONFIG (-4401)    /* the config file or a key file */
#define AGENT_ERR_JOURNAL (-4402)   /* the LMDB journal failed */
#define AGENT_ERR_NOMEM (-4403)     /* allocation failed */
#define AGENT_ERR_REQUEST (-4404)   /* a malformed request */
#define AGENT_ERR_NOT_FOUND (-4405) /* no such journal record */
#define AGENT_ERR_CORRUPT (-4406)   /* a journal record does not decode */

/* Size of the agent's why buffers (one line, NUL-terminated). */
#define AGENT_WHY_MAX 512

/* A static sentence naming an AGENT_ERR_* code. */
const char *agent_strerror(int err);

#endif
