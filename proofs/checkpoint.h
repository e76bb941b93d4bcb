/*
 * checkpoint.h: C2SP tlog-checkpoint bodies, formatted, parsed strictly, and
 * opened from a note signed by the log key. Implemented in checkpoint.c; the
 * signed-note layer is note.h.
 */
#ifndef CREDLOG_PROOFS_CHECKPOINT_H
#define CREDLOG_PROOFS_CHECKPOINT_H

#include <stddef.h>
#include <stdint.h>

#include "proofs/errors.h"
#include "proofs/merkle.h"
#include "proofs/note.h"

#define CHECKPOINT_ERR_SYNTAX (-501) /* malformed body, or a bad origin */
#define CHECKPOINT_ERR_SPACE (-502)  /* output buffer too small */

/* A checkpoint body (C2SP tlog-checkpoint). */
struct checkpoint {
    char origin[NOTE_NAME_MAX + 1];
    uint64_t size;
    uint8_t root[MERKLE_HASH_SIZE];
};

/* Largest checkpoint body checkpoint_format writes. */
#define CHECKPOINT_BODY_MAX (NOTE_NAME_MAX + 1 + 21 + 45 + 1)

/* Largest signed checkpoint the log writes: the body, the blank line and one
 * log signature line ("— <name> <base64 of 68 bytes>\n", at most 353 bytes),
 * with room to spare. Buffers that hold a checkpoint note from logd use it. */
#define CHECKPOINT_TEXT_MAX (CHECKPOINT_BODY_MAX + 8 + NOTE_NAME_MAX + 100)

/* Returns a static string describing a CHECKPOINT_ERR_* code, or, for the
 * NOTE_ERR_* codes checkpoint_open() passes on, note_strerror()'s text. */
const char *checkpoint_strerror(int err);

/* Writes "origin\nsize\nbase64(root)\n" (NUL-terminated). Returns its length,
 * CHECKPOINT_ERR_SYNTAX (bad origin) or CHECKPOINT_ERR_SPACE. */
int checkpoint_format(const struct checkpoint *c, char *buf, size_t cap);

/* Parses a checkpoint body strictly: origin line (valid key name), decimal
 * size with no sign and no leading zeros (0 alone allowed), canonical base64
 * of 32 bytes, then only non-empty extension lines, all ending in "\n".
 * Returns 0 or CHECKPOINT_ERR_SYNTAX (and zeroes *out). */
int checkpoint_parse(const char *text, size_t len, struct checkpoint *out);

/* Opens a signed checkpoint with one log verifier: note_open() then
 * checkpoint_parse(), and requires origin == log->name. Returns 0, a
 * note_open() code (NOTE_ERR_SYNTAX, NOTE_ERR_TOO_MANY, NOTE_ERR_BAD_SIG,
 * NOTE_ERR_UNVERIFIED, NOTE_ERR_NOMEM), CHECKPOINT_ERR_SYNTAX (the signed
 * text is no checkpoint), or NOTE_ERR_UNVERIFIED when the origin is not the
 * key's name (the log key signed no checkpoint of this log). */
int checkpoint_open(const char *note, size_t len,
                    const struct note_verifier *log, struct checkpoint *out);

#endif
