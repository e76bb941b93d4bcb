/*
 * num.h: the one strict decimal parser, for every number credlog reads from
 * text it did not write itself (checkpoint sizes, tlog-proof indexes).
 * Implemented in num.c; pure.
 *
 * Accepted: one or more ASCII digits, nothing else: no sign, no space, no
 * leading zero except the number "0" itself, no value above the limit.
 */
#ifndef CREDLOG_PROOFS_NUM_H
#define CREDLOG_PROOFS_NUM_H

#include <stddef.h>
#include <stdint.h>

#include "proofs/errors.h"

#define NUM_ERR_SYNTAX (-1401) /* empty, a non-digit, or a leading zero */
#define NUM_ERR_RANGE (-1402)  /* well formed but above the limit */

/* Returns a static string describing a NUM_ERR_* code. */
const char *num_strerror(int err);

/* Parses s[0..len) (no NUL needed) as a decimal no larger than max. On
 * success sets *out and returns 0; otherwise leaves *out alone and returns
 * NUM_ERR_SYNTAX or NUM_ERR_RANGE. s may be NULL when len is 0. */
int num_parse_u64_max(const char *s, size_t len, uint64_t max, uint64_t *out);

/* num_parse_u64_max() with max UINT64_MAX. */
int num_parse_u64(const char *s, size_t len, uint64_t *out);

#endif
