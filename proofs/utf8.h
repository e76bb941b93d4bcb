/*
 * utf8.h: strict UTF-8 decoding, one code point at a time. Pure. Implemented
 * in utf8.c. Used by note.c (key names, note text) and by the client to show
 * names.
 */
#ifndef CREDLOG_PROOFS_UTF8_H
#define CREDLOG_PROOFS_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* Decodes one UTF-8 sequence at s (n > 0 bytes available). Returns its length
 * (1..4) and sets *cp, or returns 0 (leaving *cp alone) for an invalid,
 * truncated, overlong, surrogate or out-of-range sequence (the same set Go's
 * utf8.DecodeRune rejects). */
size_t utf8_decode(const uint8_t *s, size_t n, uint32_t *cp);

#endif
