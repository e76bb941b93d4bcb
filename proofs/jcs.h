/*
 * jcs.h: a strict I-JSON reader and the RFC 8785 JSON Canonicalization
 * Scheme (JCS) writer, as credkey/v1's `json` profile needs them
 * (docs/protocol.md). Implemented in jcs.c. Pure: no I/O, no globals.
 *
 * The reader accepts exactly RFC 8259 JSON in UTF-8 with credkey/v1's I-JSON
 * checks: valid UTF-8 (no overlong forms, no encoded surrogates), no member
 * name twice in one object (compared after unescaping), no escaped lone
 * surrogate, every number finite as an IEEE 754 double (1e400 is refused,
 * 1e-400 is 0), nesting at most CREDKEY_JSON_DEPTH_MAX deep. One leading
 * UTF-8 byte order mark is skipped. Errors are CREDKEY_ERR_* codes
 * (credkey.h) with the byte offset of the fault. Work and memory are linear
 * in the input: recursion is bounded by the depth limit, a number's digits
 * beyond the 800th significant one are folded into one sticky digit before
 * conversion.
 */
#ifndef CREDLOG_PROOFS_JCS_H
#define CREDLOG_PROOFS_JCS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proofs/credkey.h"

/* Longest text jcs_number_format() writes, with its NUL
 * ("-1.2345678901234567e-308"). */
#define JCS_NUMBER_MAX 32

enum jcs_type {
    JCS_NULL = 0,
    JCS_FALSE,
    JCS_TRUE,
    JCS_NUMBER,
    JCS_STRING,
    JCS_ARRAY,
    JCS_OBJECT,
};

struct jcs_member;

/* A parsed value. Everything it points to belongs to its jcs_doc and lives
 * until jcs_doc_free(). Strings are unescaped UTF-8 (they may hold NUL), not
 * NUL-terminated. An object's members are sorted by their names' UTF-16 code
 * units (the JCS order), which also makes lookups binary searches. */
struct jcs_value {
    enum jcs_type type;
    size_t offset; /* byte offset of the value in the input */
    union {
        double num;
        struct {
            const char *s;
            size_t len;
        } str;
        struct {
            struct jcs_value *items;
            size_t n;
        } arr;
        struct {
            struct jcs_member *members;
            size_t n;
        } obj;
    } u;
};

struct jcs_member {
    const char *name;
    size_t name_len;
    size_t name_offset; /* byte offset of the name's opening quote */
    struct jcs_value value;
};

struct jcs_doc;

/* Parses text[0..len) (one JSON value, any type, with optional surrounding
 * whitespace and one leading BOM). On success *out is a new document (free
 * it with jcs_doc_free()). On failure *out is NULL, *err_offset (if not
 * NULL) is the byte offset of the fault and why (if not NULL) names it.
 * Returns 0, CREDKEY_ERR_JSON_SYNTAX, _JSON_UTF8, _JSON_DUP, _JSON_SURR,
 * _JSON_NUMBER, _JSON_DEPTH or CREDKEY_ERR_NOMEM. */
int jcs_parse(const uint8_t *text, size_t len, struct jcs_doc **out,
              size_t *err_offset, char why[CREDKEY_WHY_MAX]);

/* The document's top-level value (valid until jcs_doc_free()). */
const struct jcs_value *jcs_doc_root(const struct jcs_doc *doc);

/* Frees doc and every value in it; NULL is accepted. */
void jcs_doc_free(struct jcs_doc *doc);

/* The member of object obj named name (NUL-terminated, so no NUL inside),
 * or NULL when obj is no object or has no such member. */
const struct jcs_value *jcs_object_get(const struct jcs_value *obj,
                                       const char *name);

/* Whether v is a string equal to s (NUL-terminated). */
bool jcs_string_is(const struct jcs_value *v, const char *s);

/* Writes the JCS serialization of v into a new malloc'd buffer *out (the
 * caller frees it; not NUL-terminated) of *out_len bytes. When v is an
 * object and omit is not NULL, its member named omit is left out (only at
 * the top level). Returns 0 or CREDKEY_ERR_NOMEM. */
int jcs_serialize(const struct jcs_value *v, const char *omit, uint8_t **out,
                  size_t *out_len);

/* jcs_parse() then jcs_serialize(): the canonical form of any JSON text.
 * Returns what those return; *err_offset as jcs_parse(). */
int jcs_canonicalize(const uint8_t *text, size_t len, uint8_t **out,
                     size_t *out_len, size_t *err_offset,
                     char why[CREDKEY_WHY_MAX]);

/* Writes d as ECMAScript's Number.prototype.toString does (RFC 8785 section
 * 3.2.2.3: the shortest digits that round-trip, -0 as 0) with a NUL into
 * buf; d must be finite. Returns the length. */
size_t jcs_number_format(double d, char buf[JCS_NUMBER_MAX]);

/* Checks that s[0..len) is UTF-8 as RFC 3629 defines it. Returns the offset
 * of the first invalid byte, or len when all is valid. */
size_t jcs_utf8_check(const uint8_t *s, size_t len);

#endif
