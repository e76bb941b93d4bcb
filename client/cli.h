/*
 * cli.h: the credlog command's shared glue: exit codes, option defaults,
 * output helpers. Each command lives in its own cli_<command>.c and is
 * entered with its argv (argv[0] is the command name).
 */
#ifndef CREDLOG_CLIENT_CLI_H
#define CREDLOG_CLIENT_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "client/api.h"
#include "client/doc.h"
#include "client/verify.h"

/* Exit statuses: 0 success / valid, 1 the answer is negative (revoked, not
 * issued, inconsistent, refused), 2 usage, network or proof error, 3 (issue
 * only) a credential given is already issued and revoked. */
#define CLI_OK 0
#define CLI_NEGATIVE 1
#define CLI_ERROR 2
#define CLI_REVOKED 3

/* Options most commands share. */
struct cli_net {
    const char *cacert;
    int timeout;
};

int cli_keygen(int argc, char **argv);
int cli_issue(int argc, char **argv);
int cli_revoke(int argc, char **argv);
int cli_verify(int argc, char **argv);
int cli_status(int argc, char **argv);
int cli_receipt(int argc, char **argv);
int cli_monitor(int argc, char **argv);
int cli_witness(int argc, char **argv);
int cli_key(int argc, char **argv);
int cli_bundle(int argc, char **argv);
int cli_agent(int argc, char **argv);

/* "credlog: <message>" on stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Prints a usage error and the hint to run --help; returns CLI_ERROR. */
int cli_usage(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Parses a getopt argument as a decimal integer of at most max (digits
 * only; unlike num_parse_u64() it accepts leading zeros, as options always
 * have). Returns 0 with *out set, or CLIENT_ERR_ARG. */
int cli_parse_uint(const char *s, unsigned long max, unsigned long *out);

/* Prints j (consumed) as JSON on stdout with a newline. */
void cli_print_json(json_t *j);

/* Formats a unix time in ms as "2026-01-02 13:04:05 UTC". */
void cli_time(uint64_t ms, char *buf, size_t cap);

/* Parses 64 hex digits. Returns 0 or -1. */
int cli_parse_hash(const char *s, uint8_t out[32]);

/* Opens the API handle for url with the network options; prints the error
 * and returns CLI_ERROR on failure. */
int cli_open_api(const char *url, const struct cli_net *net,
                 struct client_api **out);

/* Resolves the log key of url: the --log-key arg (checked against the pin for
 * url, pinned if url has none, with a note unless quiet); else the pin; else,
 * when fetch is given (issue, revoke, monitor), the key the log serves at
 * /v1/log-key, once checked against the log's checkpoint and then pinned:
 * trust on first use, announced on stderr. url may be NULL (no pinning: arg
 * is required). Returns CLI_OK or CLI_ERROR (message printed): no key known,
 * arg contradicts the pin, or the fetch or its check failed. */
int cli_log_key(const char *url, const char *arg, bool quiet,
                struct client_api *fetch, struct note_verifier *out);

/* Checks that the log signs its current checkpoint with key before anything
 * is sent to it. Returns CLI_OK or CLI_ERROR (message printed, naming the key
 * the log says it uses if that is another one). */
int cli_check_log_key(struct client_api *api, const struct note_verifier *key);

/* After a failure: if the log now serves another key than key at
 * /v1/log-key, explains that on stderr and returns true; otherwise (same
 * key, or no answer) prints nothing and returns false. */
bool cli_log_key_diagnose(struct client_api *api,
                          const struct note_verifier *key);

/* Reads a receipt file: receipt JSON or a c2sp tlog-proof. Returns 0 or a
 * CLIENT_ERR_* code with why. */
int cli_read_receipt(const char *path, struct client_receipt *out, char *why);

/* The verdict as one JSON object (new reference). */
json_t *cli_verdict_json(const struct client_verdict *v);

/* Prints the verdict for a person on stdout. */
void cli_verdict_print(const struct client_verdict *v, const char *label);

#endif
