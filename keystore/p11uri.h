/*
 * p11uri.h: the pkcs11: URIs (RFC 7512) that name a signing key in a
 * PKCS#11 token. Pure: parsing only, no I/O (keystore/pkcs11.c reads a
 * pin-source file and loads the module).
 *
 * Understood path attributes (';'-separated, each at most once): token,
 * manufacturer, serial, model (matched against the token's CK_TOKEN_INFO),
 * slot-id (the slot's CK_SLOT_ID, decimal), object (the key's CKA_LABEL),
 * id (its CKA_ID, any bytes, percent-encoded), type (only "private": the
 * URI names the private key). Understood query attributes ('&'-separated):
 * pin-value, pin-source (a file whose first line is the PIN: a path or a
 * file: URI), module-path (the PKCS#11 module to load). Values are
 * percent-decoded ("%2F" is '/'); a '%' not followed by two hex digits is
 * refused. An attribute credlog does not understand is refused, never
 * ignored: RFC 7512 lets a URI with an unknown path attribute match nothing,
 * and a key that silently matched more widely than written would be worse.
 */
#ifndef CREDLOG_KEYSTORE_P11URI_H
#define CREDLOG_KEYSTORE_P11URI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proofs/errors.h"

#define P11URI_ERR_SYNTAX (-5101)  /* not a pkcs11: URI, or bad encoding */
#define P11URI_ERR_UNKNOWN (-5102) /* an attribute credlog does not know */
#define P11URI_ERR_TWICE (-5103)   /* an attribute given twice */
#define P11URI_ERR_VALUE (-5104)   /* a value too long or not allowed */

/* Lengths of CK_TOKEN_INFO's blank-padded fields. */
#define P11URI_TOKEN_MAX 32
#define P11URI_SERIAL_MAX 16
#define P11URI_LABEL_MAX 255
#define P11URI_ID_MAX 255
#define P11URI_PATH_MAX 4095

struct p11uri {
    bool has_token, has_manufacturer, has_serial, has_model, has_slot_id;
    bool has_object, has_id;
    char token[P11URI_TOKEN_MAX + 1];
    char manufacturer[P11URI_TOKEN_MAX + 1];
    char serial[P11URI_SERIAL_MAX + 1];
    char model[P11URI_SERIAL_MAX + 1];
    unsigned long slot_id;
    char object[P11URI_LABEL_MAX + 1];
    uint8_t id[P11URI_ID_MAX];
    size_t id_len;
    /* Query: empty strings when absent. pin_value and pin_source exclude
     * each other. The caller wipes pin_value (p11uri_wipe()). */
    char pin_value[P11URI_LABEL_MAX + 1];
    char pin_source[P11URI_PATH_MAX + 1];
    char module_path[P11URI_PATH_MAX + 1];
};

/* Returns a static string describing a P11URI_ERR_* code. */
const char *p11uri_strerror(int err);

/* Whether text starts with "pkcs11:" (the scheme is case-insensitive). */
bool p11uri_is(const char *text);

/* Parses text (NUL-terminated) into *out. On failure, why (cap bytes, may
 * be NULL) names the attribute or character at fault. Returns 0 or a
 * P11URI_ERR_* code; *out is wiped on failure. */
int p11uri_parse(const char *text, struct p11uri *out, char *why, size_t cap);

/* Wipes *out (the PIN with it). */
void p11uri_wipe(struct p11uri *u);

#endif
