/*
 * config.h: the agent's config file (docs/api.md, "Agent API"): one
 * institution (the issuer name every department's key carries), the log it
 * submits to and the log's verifier key, where it listens, its data
 * directory, and its departments, each with the SHA-256 of its bearer token
 * and its issuer key file.
 *
 * The file is lines of "<keyword> <value...>"; '#' starts a comment line.
 * agent_config_parse() is pure (fuzzable); agent_config_load() reads the
 * file and the key files. Keys live in the struct until agent_config_wipe().
 */
#ifndef CREDLOG_AGENT_CONFIG_H
#define CREDLOG_AGENT_CONFIG_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "agent/agent.h"
#include "keystore/signer.h"
#include "proofs/note.h"

#define AGENT_DEPT_MAX 64      /* departments per agent */
#define AGENT_DEPT_NAME_MAX 63 /* bytes of a department name */
#define AGENT_CONFIG_FILE_MAX (1 << 20)
#define AGENT_LINGER_MS_DEFAULT 10
#define AGENT_LINGER_MS_MAX 1000
#define AGENT_MONITOR_INTERVAL_DEFAULT 60

struct agent_department {
    char name[AGENT_DEPT_NAME_MAX + 1];
    uint8_t token_hash[32];  /* SHA-256 of the bearer token */
    char key_path[PATH_MAX]; /* a key file or a pkcs11: URI */
    /* Loaded by agent_config_load() (keystore/signer.h: a file key or a
     * key in a PKCS#11 token; signing is thread-safe), freed by
     * agent_config_wipe(); its verifier in vkey. */
    struct ed25519_signer *key;
    struct note_verifier vkey;
};

struct agent_config {
    char institution[NOTE_NAME_MAX + 1];
    char log_url[512];
    struct note_verifier log;
    char listen[128];            /* ADDR:PORT, default 127.0.0.1:8470 */
    char data_dir[PATH_MAX];     /* the journal's directory (must exist) */
    unsigned linger_ms;          /* how long a request waits for company */
    unsigned monitor_interval_s; /* between watch passes; 0: no watching */
    char webhook[512];           /* http:// URL for webhooks, or "" */
    char tls_cert[PATH_MAX];     /* "" for plain HTTP */
    char tls_key[PATH_MAX];
    char tls_client_ca[PATH_MAX]; /* "" or: client certificates required */
    size_t ndepts;
    struct agent_department depts[AGENT_DEPT_MAX];
};

/* Parses config text[0..len) into *out (zeroed first; keys not loaded).
 * Returns 0 or AGENT_ERR_CONFIG with why ("line N: ..."). */
int agent_config_parse(const char *text, size_t len, struct agent_config *out,
                       char *why);

/* Reads and parses path, then loads every department's key file, which must
 * hold an issuer key named the institution and be readable by its owner
 * only. Returns 0 or AGENT_ERR_CONFIG with why; on failure nothing is left
 * to wipe. */
int agent_config_load(const char *path, struct agent_config *out, char *why);

/* The department whose token is token[0..len), or -1 (constant time in the
 * token's content). */
long agent_config_department(const struct agent_config *c, const char *token,
                             size_t len);

/* Wipes the keys. */
void agent_config_wipe(struct agent_config *c);

#endif
