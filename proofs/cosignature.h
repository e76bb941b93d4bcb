/*
 * cosignature.h: C2SP tlog-cosignature/v1, the message a witness signs.
 * Implemented in cosignature.c. note_open() verifies cosignature lines of
 * keys of type NOTE_TYPE_COSIGNATURE with it.
 */
#ifndef CREDLOG_PROOFS_COSIGNATURE_H
#define CREDLOG_PROOFS_COSIGNATURE_H

#include <stddef.h>
#include <stdint.h>

#include "proofs/errors.h"

#define COSIG_ERR_SPACE (-601) /* output buffer too small */

/* "cosignature/v1\ntime " || 20 digits || "\n": the longest prefix. */
#define COSIGNATURE_PREFIX_MAX (20 + 20 + 1)

/* Returns a static string describing a COSIG_ERR_* code. */
const char *cosignature_strerror(int err);

/* The message a cosignature/v1 signs: "cosignature/v1\ntime <t>\n" || body.
 * Writes it into buf (cap bytes, not NUL-terminated). Returns its length or
 * COSIG_ERR_SPACE. */
int cosignature_message(uint64_t timestamp, const char *body, size_t body_len,
                        uint8_t *buf, size_t cap);

#endif
