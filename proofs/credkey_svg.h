/*
 * credkey_svg.h: the SVG baked-badge container of credkey/v1. Implemented in
 * credkey_svg.c: a small strict XML 1.0 + Namespaces scanner written for
 * this one job. It never reads a DTD: a DOCTYPE with an internal subset is
 * refused, an external identifier is never followed, and the only entity
 * references recognised are XML's five predefined ones and character
 * references, so no entity can expand (no billion laughs) and nothing is
 * ever fetched. Pure: no I/O, no globals. Time and memory are linear in the
 * input: nesting is bounded by CREDKEY_SVG_DEPTH_MAX, attributes per element
 * by CREDKEY_SVG_ATTRS_MAX, namespace declarations in scope by
 * CREDKEY_SVG_NS_MAX.
 */
#ifndef CREDLOG_PROOFS_CREDKEY_SVG_H
#define CREDLOG_PROOFS_CREDKEY_SVG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proofs/credkey.h"

#define CREDKEY_SVG_ATTRS_MAX 1024
#define CREDKEY_SVG_NS_MAX 256

#define CREDKEY_SVG_NS "http://www.w3.org/2000/svg"
#define CREDKEY_OB3_NS "https://purl.imsglobal.org/ob/v3p0"
#define CREDKEY_OB2_NS "http://openbadges.org"

/* What the first credential element (`credential` in CREDKEY_OB3_NS or
 * `assertion` in CREDKEY_OB2_NS) holds. Both buffers are malloc'd and
 * belong to the structure: free with credkey_svg_credential_free(). */
struct credkey_svg_credential {
    uint8_t *verify; /* its unprefixed `verify` attribute, or NULL */
    size_t verify_len;
    uint8_t *text; /* the text of all its descendants, CDATA included
                      (never NULL after success) */
    size_t text_len;
};

/* Step 2 of credkey/v1's `auto`: whether buf[0..len) is to be read as an
 * SVG. After an optional BOM and ASCII whitespace it starts with '<', and,
 * skipping whitespace, processing instructions and comments, the name after
 * "<!DOCTYPE" and whitespace, or else the first start tag's name, is "svg"
 * or ends in ":svg" (compared exactly). Never fails: anything else is not
 * an SVG. */
bool credkey_svg_is(const uint8_t *buf, size_t len);

/* Parses svg[0..len) whole and finds its credential element. The file must
 * be UTF-8 (an XML declaration may say so, nothing else), well-formed XML
 * 1.0 with namespaces, have an `svg` root in CREDKEY_SVG_NS and no DOCTYPE
 * with an internal subset. Line ends are normalized as XML does (CR LF and
 * CR read as LF). On success out holds the credential (free it with
 * credkey_svg_credential_free()). Returns 0, or
 *   CREDKEY_ERR_SVG            not UTF-8, not well-formed, an undefined
 *                              entity, an undeclared prefix, a root other
 *                              than svg:svg, or over a bound above;
 *   CREDKEY_ERR_SVG_DOCTYPE    a DOCTYPE with an internal subset;
 *   CREDKEY_ERR_NO_CREDENTIAL  no credential element;
 *   CREDKEY_ERR_NOMEM;
 * and out is zeroed. why (if not NULL) names the fault and its byte
 * offset. */
int credkey_svg_extract(const uint8_t *svg, size_t len,
                        struct credkey_svg_credential *out,
                        char why[CREDKEY_WHY_MAX]);

/* Frees c's buffers and zeroes it; NULL is accepted. */
void credkey_svg_credential_free(struct credkey_svg_credential *c);

#endif
