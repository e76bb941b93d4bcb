/*
 * request.h: the JSON body of POST /issue and POST /revoke (docs/api.md,
 * "Agent API"), decoded into a struct agent_request. Pure: no I/O, so it can
 * be fuzzed. The same struct is what a row of `credlog agent --import`
 * becomes.
 */
#ifndef CREDLOG_AGENT_REQUEST_H
#define CREDLOG_AGENT_REQUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "agent/agent.h"
#include "proofs/credkey.h"

/* The largest request body: a credential of AGENT_CREDENTIAL_MAX bytes in
 * base64, and room for the rest. */
#define AGENT_CREDENTIAL_MAX ((size_t)8 << 20)
#define AGENT_BODY_MAX (CODEC_B64_LEN_MAX + 4096)
#define CODEC_B64_LEN_MAX (((AGENT_CREDENTIAL_MAX + 2) / 3) * 4)
#define AGENT_NAME_MAX 255

enum agent_salt_policy {
    AGENT_SALT_RANDOM, /* issue: a fresh 16-byte salt (the default) */
    AGENT_SALT_NONE,   /* unsalted */
    AGENT_SALT_GIVEN,  /* the salt given */
    AGENT_SALT_KNOWN   /* revoke: the salt the agent issued it with */
};

/* A decoded request. Owns data (agent_request_free()). */
struct agent_request {
    uint8_t type;  /* ENTRY_ISSUE or ENTRY_REVOKE */
    size_t dept;   /* the department (set by the caller, from the token) */
    uint8_t *data; /* the credential's bytes, or NULL when key is given */
    size_t len;
    bool have_key;
    uint8_t key[CREDKEY_HASH_SIZE]; /* a key computed elsewhere */
    enum credkey_profile profile;   /* AUTO unless given */
    enum agent_salt_policy salt_policy;
    uint8_t salt[CREDKEY_SALT_MAX];
    size_t salt_len;
    uint8_t reason;                /* revoke */
    char name[AGENT_NAME_MAX + 1]; /* the bundle's credential.name */
};

/* Decodes body[0..len) for type (ENTRY_ISSUE or ENTRY_REVOKE) into *out.
 * Unknown members are refused, so a misspelt one is noticed. Returns 0,
 * AGENT_ERR_REQUEST (why names the member) or AGENT_ERR_NOMEM; on failure
 * *out holds nothing to free. */
int agent_request_parse(const char *body, size_t len, uint8_t type,
                        struct agent_request *out, char *why);

/* Frees what r owns and zeroes it. Accepts NULL. */
void agent_request_free(struct agent_request *r);

/* Parses a reason name or number (docs/protocol.md B.6.2); the retired
 * misconduct (2) is refused. Returns 0 or AGENT_ERR_REQUEST. */
int agent_request_reason(const char *s, uint8_t *out);

#endif
