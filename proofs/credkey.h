/*
 * credkey.h: credkey/v1, the key under which a credential is logged
 * (docs/protocol.md, "credkey/v1"). Implemented in credkey.c (profiles,
 * `auto`, the key), with jcs.c (RFC 8785), credkey_png.c and credkey_svg.c
 * (baked-badge containers). Pure: no I/O, no globals; hostile input is
 * refused in time and memory linear in its length.
 *
 *   key = SHA-256("credlog/credkey/v1" || 0x0A || u8(len(P)) || P ||
 *                 u8(len(S)) || S || D),      D = SHA-256(C)
 *
 * P is the profile's name, S the salt (0 or 16..32 bytes), C the profile's
 * canonical bytes of the credential and D its digest.
 *
 * Every function here returns 0 or one of the CREDKEY_ERR_* codes below,
 * which jcs.h, credkey_png.h and credkey_svg.h share (they are one module
 * with one block of codes). Functions taking `char why[CREDKEY_WHY_MAX]`
 * write a sentence there on failure naming what is wrong and where (a byte
 * offset for JSON, within the extracted text of a baked credential; the
 * chunk for PNG; a byte offset for SVG), never a key. why may be NULL.
 */
#ifndef CREDLOG_PROOFS_CREDKEY_H
#define CREDLOG_PROOFS_CREDKEY_H

#include <stddef.h>
#include <stdint.h>

#include "proofs/errors.h"

#define CREDKEY_HASH_SIZE 32
#define CREDKEY_SALT_MIN 16
#define CREDKEY_SALT_MAX 32
#define CREDKEY_WHY_MAX 256
#define CREDKEY_DOMAIN "credlog/credkey/v1"

/* The largest credential file accepted (64 MiB): larger input is refused
 * with CREDKEY_ERR_TOO_LARGE before anything is parsed. */
#define CREDKEY_INPUT_MAX ((size_t)64 << 20)

/* Deepest JSON nesting accepted (the top-level value counts as one). */
#define CREDKEY_JSON_DEPTH_MAX 1000
/* Deepest SVG element nesting accepted (the root counts as one). */
#define CREDKEY_SVG_DEPTH_MAX 1000

/* Errors (block CREDKEY_ERR_BASE, proofs/errors.h). */
#define CREDKEY_ERR_EMPTY (-1201)       /* empty or only ASCII whitespace */
#define CREDKEY_ERR_SALT (-1202)        /* salt not 0 or 16..32 bytes */
#define CREDKEY_ERR_PROFILE (-1203)     /* unknown profile name */
#define CREDKEY_ERR_TOO_LARGE (-1204)   /* input over CREDKEY_INPUT_MAX */
#define CREDKEY_ERR_NOMEM (-1205)       /* out of memory */
#define CREDKEY_ERR_JSON_SYNTAX (-1206) /* not a JSON text */
#define CREDKEY_ERR_JSON_UTF8 (-1207)   /* invalid UTF-8 */
#define CREDKEY_ERR_JSON_DUP (-1208)    /* a member name twice in an object */
#define CREDKEY_ERR_JSON_SURR (-1209)   /* an escaped lone surrogate */
#define CREDKEY_ERR_JSON_NUMBER (-1210) /* a number beyond a double */
#define CREDKEY_ERR_JSON_DEPTH (-1211)  /* nested deeper than 1000 */
#define CREDKEY_ERR_NOT_OBJECT (-1212)  /* top-level value not an object */
#define CREDKEY_ERR_JWS (-1213)         /* not a compact JWS or SD-JWT */
#define CREDKEY_ERR_JWS_JSON (-1214)    /* not a JWS JSON serialization */
#define CREDKEY_ERR_OB2 (-1215)         /* not a hosted OB 2.0 assertion */
#define CREDKEY_ERR_ENVELOPED (-1216)   /* enveloped, but not a JWS */
#define CREDKEY_ERR_PNG (-1217)         /* malformed PNG chunk structure */
#define CREDKEY_ERR_PNG_CRC (-1218)     /* a chunk's CRC does not match */
#define CREDKEY_ERR_PNG_COMPRESSED                                             \
    (-1219)                               /* the credential iTXt compressed    \
                                           */
#define CREDKEY_ERR_SVG (-1220)           /* not a well-formed, allowed SVG */
#define CREDKEY_ERR_SVG_DOCTYPE (-1221)   /* DOCTYPE with an internal subset */
#define CREDKEY_ERR_NO_CREDENTIAL (-1222) /* PNG or SVG without credential */
#define CREDKEY_ERR_TEXT_UTF8 (-1223)     /* baked credential not UTF-8 */

/* Profiles. CREDKEY_PROFILE_AUTO is only ever an argument: it is never the
 * profile chosen. */
enum credkey_profile {
    CREDKEY_PROFILE_AUTO = 0,
    CREDKEY_PROFILE_BYTES,
    CREDKEY_PROFILE_JSON,
    CREDKEY_PROFILE_JWS,
    CREDKEY_PROFILE_OB2_HOSTED,
};

/* Where the credential was found in the file. */
enum credkey_container {
    CREDKEY_CONTAINER_NONE = 0, /* the file itself */
    CREDKEY_CONTAINER_PNG,      /* a PNG iTXt chunk */
    CREDKEY_CONTAINER_SVG,      /* an SVG credential/assertion element */
    CREDKEY_CONTAINER_DATA_URI, /* a data: URI (possibly in an
                                   EnvelopedVerifiableCredential) */
};

/* What credkey_compute() found. */
struct credkey_result {
    enum credkey_profile profile; /* the profile chosen (never AUTO) */
    enum credkey_container container;
    uint8_t digest[CREDKEY_HASH_SIZE]; /* D = SHA-256(C) */
    uint8_t key[CREDKEY_HASH_SIZE];    /* the logged key */
};

/* Returns a static sentence naming a CREDKEY_ERR_* code (or "unknown
 * credkey error"). */
const char *credkey_strerror(int err);

/* The profile's name ("auto", "bytes", "json", "jws", "ob2-hosted"); a
 * static string, "?" for a value out of range. */
const char *credkey_profile_name(enum credkey_profile p);

/* The container's name ("none", "png", "svg", "data-uri"); static. */
const char *credkey_container_name(enum credkey_container c);

/* Parses a profile name (exact, case-sensitive, "auto" included). Returns 0
 * or CREDKEY_ERR_PROFILE. */
int credkey_profile_parse(const char *name, enum credkey_profile *out);

/* Checks a salt length: 0 or CREDKEY_SALT_MIN..CREDKEY_SALT_MAX. Returns 0 or
 * CREDKEY_ERR_SALT. */
int credkey_salt_check(size_t salt_len);

/* The key of digest under profile p (not AUTO) and salt (salt_len bytes,
 * NULL when 0; credkey_salt_check() must pass). Returns 0, CREDKEY_ERR_SALT
 * or CREDKEY_ERR_PROFILE. */
int credkey_key(enum credkey_profile p, const uint8_t *salt, size_t salt_len,
                const uint8_t digest[CREDKEY_HASH_SIZE],
                uint8_t key[CREDKEY_HASH_SIZE]);

/* The canonical bytes C of the credential file[0..len) under profile
 * (CREDKEY_PROFILE_AUTO to choose one as the spec's `auto` does). On
 * success *c (malloc'd, the caller frees it; never NULL, even when *c_len
 * is 0) holds C, *chosen the profile, *container where it came from.
 * Returns 0 or any CREDKEY_ERR_* code but SALT; on failure *c is NULL. */
int credkey_canonical(const uint8_t *file, size_t len,
                      enum credkey_profile profile,
                      enum credkey_profile *chosen,
                      enum credkey_container *container, uint8_t **c,
                      size_t *c_len, char why[CREDKEY_WHY_MAX]);

/* credkey_canonical(), then D and the key with salt[0..salt_len) (NULL when
 * 0). The salt is checked first. Returns 0 or any CREDKEY_ERR_* code; out is
 * written only on success. */
int credkey_compute(const uint8_t *file, size_t len,
                    enum credkey_profile profile, const uint8_t *salt,
                    size_t salt_len, struct credkey_result *out,
                    char why[CREDKEY_WHY_MAX]);

#endif
