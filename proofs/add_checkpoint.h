/*
 * add_checkpoint.h: the body of a C2SP tlog-witness add-checkpoint request,
 * parsed strictly (the witness) and written (the log), pure. Implemented in
 * add_checkpoint.c.
 *
 *   old <N>\n                  decimal, no sign, no leading zero ("0")
 *   <base64 of 32 bytes>\n     0 to 63 consistency-proof hashes, old -> new
 *   \n
 *   <signed checkpoint note>
 *
 * The preamble ends at the first blank line; everything after it is the
 * note, which the caller opens with note_open() (the note's own text and
 * signatures split at its last blank line).
 */
#ifndef CREDLOG_PROOFS_ADD_CHECKPOINT_H
#define CREDLOG_PROOFS_ADD_CHECKPOINT_H

#include <stddef.h>
#include <stdint.h>

#include "proofs/errors.h"
#include "proofs/merkle.h"

#define ADD_CHECKPOINT_ERR_SYNTAX (-1501) /* not an add-checkpoint body */
#define ADD_CHECKPOINT_ERR_SPACE (-1502)  /* output buffer too small */
#define ADD_CHECKPOINT_ERR_LIMIT (-1503)  /* body over ADD_CHECKPOINT_MAX */

/* The most consistency-proof lines a request may carry (the spec's limit). */
#define ADD_CHECKPOINT_MAX_PROOF 63

/* The largest body a witness accepts (16 KiB, as omniwitness). */
#define ADD_CHECKPOINT_MAX (16 * 1024)

/* A parsed request. note points into the parsed body and is valid as long
 * as it is; it is not NUL-terminated. */
struct add_checkpoint {
    uint64_t old_size;
    unsigned nproof;
    uint8_t proof[ADD_CHECKPOINT_MAX_PROOF][MERKLE_HASH_SIZE];
    const char *note;
    size_t note_len;
};

/* Returns a static string describing an ADD_CHECKPOINT_ERR_* code. */
const char *add_checkpoint_strerror(int err);

/* Parses body[0..len). Returns 0, ADD_CHECKPOINT_ERR_LIMIT (len over
 * ADD_CHECKPOINT_MAX) or ADD_CHECKPOINT_ERR_SYNTAX (a bad old line, a proof
 * line that is not canonical base64 of 32 bytes, more than 63 of them, no
 * blank line, or an empty note). On failure *out is zeroed. */
int add_checkpoint_parse(const char *body, size_t len,
                         struct add_checkpoint *out);

/* Writes a request body for old_size, proof[0..nproof) and note[0..note_len)
 * into buf (cap bytes, NUL-terminated). Returns its length,
 * ADD_CHECKPOINT_ERR_SYNTAX (nproof over the limit) or
 * ADD_CHECKPOINT_ERR_SPACE. */
int add_checkpoint_format(uint64_t old_size,
                          const uint8_t (*proof)[MERKLE_HASH_SIZE],
                          unsigned nproof, const char *note, size_t note_len,
                          char *buf, size_t cap);

#endif
