/*
 * request.h: pure parsers of what HTTP clients send logd, kept apart from
 * the network code so they can be tested and fuzzed alone: the POST
 * /v1/entries body (docs/api.md, "Submission"), strict decimal numbers and
 * query strings. request_verify_range() adds the checks that need the
 * issuer key set (key, timestamp, Ed25519 signature); the verifier pool
 * (logd/vpool.h) runs it on chunks of a request before anything reaches the
 * sequencer (the HTTP thread runs request_verify_entries() when there is no
 * pool).
 */
#ifndef CREDLOG_LOGD_REQUEST_H
#define CREDLOG_LOGD_REQUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "logd/issuers.h"
#include "logd/request_head.h"
#include "logd/seq.h"
#include "proofs/errors.h"

#define REQUEST_MAX_ENTRIES 1000
#define REQUEST_MAX_FUTURE_MS (10 * 60 * 1000) /* issuer clock skew allowed */

/* In REQUEST_ERR_BASE's block (proofs/errors.h); REQUEST_ERR_SYNTAX is
 * logd/request_head.h's. */
#define REQUEST_ERR_INVALID (-2502) /* one submission is invalid (position) */
#define REQUEST_ERR_NOMEM (-2503)

/* Why a body was refused. position is meaningful when has_position. */
struct request_error {
    bool has_position;
    size_t position;
    char message[256];
};

/* Returns a static string describing a REQUEST_ERR_* code. */
const char *request_strerror(int err);

/* Parses a submission body {"entries": [submission, ...]} (1 to
 * REQUEST_MAX_ENTRIES submissions; unknown fields refused). On success *subs
 * (calloc'd, caller frees) holds *n submissions with e, bytes and len set.
 * Returns 0, REQUEST_ERR_SYNTAX, REQUEST_ERR_INVALID (err says which and why)
 * or REQUEST_ERR_NOMEM. */
int request_parse_entries(const char *body, size_t len, struct seq_sub **subs,
                          size_t *n, struct request_error *err);

/* As request_parse_entries(), with at most max (1..REQUEST_MAX_ENTRIES)
 * submissions instead of REQUEST_MAX_ENTRIES. */
int request_parse_entries_max(const char *body, size_t len, size_t max,
                              struct seq_sub **subs, size_t *n,
                              struct request_error *err);

/* Checks each submission: its (issuer, key id) is in keys, its timestamp is
 * at most REQUEST_MAX_FUTURE_MS after now_ms, its signature verifies; sets
 * subs[i].pub. Returns 0 or REQUEST_ERR_INVALID (first failure in err). */
int request_verify_entries(const struct issuers *keys, struct seq_sub *subs,
                           size_t n, uint64_t now_ms,
                           struct request_error *err);

/* As request_verify_entries() for subs[first .. first+count) only (positions
 * in err count from subs[0]), so that parts of one request can be checked on
 * several threads. */
int request_verify_range(const struct issuers *keys, struct seq_sub *subs,
                         size_t first, size_t count, uint64_t now_ms,
                         struct request_error *err);

/* Parses exactly len bytes as a decimal integer: digits only, no sign, no
 * leading zero (but "0"), at most INT64_MAX. Returns 0 or REQUEST_ERR_SYNTAX.
 */
int request_parse_u64(const char *s, size_t len, uint64_t *out);

/* Parses a query string "a=1&b=2" that must hold each of names[0..n) exactly
 * once, with request_parse_u64 values, and nothing else. query may be NULL
 * (an error unless n is 0). Returns 0 or REQUEST_ERR_SYNTAX. */
int request_parse_query(const char *query, const char *const *names, size_t n,
                        uint64_t *values);

#endif
