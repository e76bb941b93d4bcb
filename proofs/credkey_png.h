/*
 * credkey_png.h: the PNG baked-badge container of credkey/v1 (Open Badges
 * 2.0 and 3.0 baking). Implemented in credkey_png.c. Pure: no I/O, no
 * globals, no allocation; one pass over the chunks, so time is linear in
 * the file and memory constant.
 */
#ifndef CREDLOG_PROOFS_CREDKEY_PNG_H
#define CREDLOG_PROOFS_CREDKEY_PNG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proofs/credkey.h"

#define CREDKEY_PNG_SIGNATURE "\x89PNG\r\n\x1a\n"
#define CREDKEY_PNG_CHUNK_MAX 0x7fffffffu /* largest chunk length (2^31-1) */

/* Whether buf[0..len) starts with the PNG signature. */
bool credkey_png_is(const uint8_t *buf, size_t len);

/* Reads the chunks of png[0..len) in order from the signature, checking
 * each one's length (at most CREDKEY_PNG_CHUNK_MAX and within the file) and
 * CRC, up to the first iTXt chunk whose keyword is exactly
 * "openbadgecredential" or "openbadges". On success *text and *text_len give
 * that chunk's text, borrowed from png (valid as long as png is). Returns 0,
 * or
 *   CREDKEY_ERR_PNG            no PNG signature, a chunk cut short, a length
 *                              over 2^31-1, or a credential chunk whose
 *                              iTXt fields are malformed;
 *   CREDKEY_ERR_PNG_CRC        a chunk's CRC does not match;
 *   CREDKEY_ERR_PNG_COMPRESSED the credential chunk's compression flag is
 *                              not 0;
 *   CREDKEY_ERR_TEXT_UTF8      its text is not UTF-8;
 *   CREDKEY_ERR_NO_CREDENTIAL  IEND or the end of the file came first.
 * why (if not NULL) names the chunk (index and type) at fault. */
int credkey_png_extract(const uint8_t *png, size_t len, const uint8_t **text,
                        size_t *text_len, char why[CREDKEY_WHY_MAX]);

#endif
