/*
 * codec.h: strict hex and base64 (RFC 4648, standard alphabet, padded),
 * and base64url as JOSE writes it (RFC 4648 section 5, unpadded), pure,
 * caller-allocated output. Implemented in codec.c.
 */
#ifndef CREDLOG_PROOFS_CODEC_H
#define CREDLOG_PROOFS_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proofs/errors.h"

#define CODEC_ERR_SYNTAX (-101) /* not valid hex/base64 in canonical form */
#define CODEC_ERR_SPACE (-102)  /* output buffer too small */

/* Returns a static string describing a CODEC_ERR_* code. */
const char *codec_strerror(int err);

/* Bytes needed for the base64 text of n bytes, without a terminating NUL. */
#define CODEC_B64_LEN(n) ((((n) + 2) / 3) * 4)

/* Writes 2*len lowercase hex digits and a NUL to out (2*len+1 bytes). */
void codec_hex_encode(const uint8_t *in, size_t len, char *out);

/* Decodes exactly 2*out_len hex digits (either case) from in[0..in_len).
 * Returns 0, or CODEC_ERR_SYNTAX if in_len != 2*out_len or a digit is bad. */
int codec_hex_decode(const char *in, size_t in_len, uint8_t *out,
                     size_t out_len);

/* Writes the padded base64 of in and a NUL to out, which must hold
 * CODEC_B64_LEN(len)+1 bytes. Returns the text length. */
size_t codec_b64_encode(const uint8_t *in, size_t len, char *out);

/* Decodes canonical padded base64 (no whitespace, zero unused bits) into out
 * (capacity cap). Returns the decoded length, CODEC_ERR_SYNTAX, or
 * CODEC_ERR_SPACE. */
int codec_b64_decode(const char *in, size_t in_len, uint8_t *out, size_t cap);

/* Whether c is a character of the base64url alphabet (A-Z a-z 0-9 - _). */
bool codec_b64url_char(char c);

/* Decodes unpadded base64url (RFC 7515 section 2: no '=', no whitespace)
 * into out (capacity cap); the unused bits of the last character are
 * ignored, as JOSE decoders do. With out NULL it only checks in and
 * measures it. Returns the decoded length (0 for empty input),
 * CODEC_ERR_SYNTAX (a character outside the alphabet, or a length of 1 mod
 * 4), or CODEC_ERR_SPACE (out too small, or more than 2^31 - 1 bytes). */
int codec_b64url_decode(const char *in, size_t in_len, uint8_t *out,
                        size_t cap);

#endif
