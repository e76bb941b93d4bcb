/*
 * credissuer.h: the issuer a credential names, and whether it is the
 * institution the log records for the key that logged it (docs/protocol.md
 * §E.5). Implemented in credissuer.c. Pure: no I/O, no globals; input is
 * read with credkey/v1's strict parsers (credkey.h, jcs.h), so work and
 * memory are linear in its length and hostile input is refused, not guessed
 * at.
 *
 * Two steps, both pure:
 *   credissuer_extract()  the identifiers the credential names, by profile;
 *   credissuer_match()    compares them with a KEY entry's identity items.
 *
 * Errors: 0, one of the CREDISSUER_ERR_* codes below, or a CREDKEY_ERR_*
 * code from credkey_canonical() (unchanged, so it keeps its meaning). A
 * credential whose issuer cannot be read is an error, never "names no
 * issuer": a verifier shows it as INVALID (fail closed, §E.5).
 */
#ifndef CREDLOG_PROOFS_CREDISSUER_H
#define CREDLOG_PROOFS_CREDISSUER_H

#include <stddef.h>
#include <stdint.h>

#include "proofs/credkey.h"
#include "proofs/entry.h"
#include "proofs/errors.h"

/* Most identifiers read from one credential; more is refused. */
#define CREDISSUER_IDS_MAX 16
/* Longest identifier value in bytes (the longest identity item, §B.6.4). */
#define CREDISSUER_VALUE_MAX 255

/* Errors (block CREDISSUER_ERR_BASE, proofs/errors.h). */
#define CREDISSUER_ERR_ISSUER (-1801)   /* an issuer member of another form */
#define CREDISSUER_ERR_OTHER_ID (-1802) /* otherIdentifier malformed */
#define CREDISSUER_ERR_VALUE (-1803)    /* not 1..255 printable ASCII */
#define CREDISSUER_ERR_TOO_MANY (-1804) /* over CREDISSUER_IDS_MAX */
#define CREDISSUER_ERR_PAYLOAD (-1805)  /* JWS payload unreadable */
#define CREDISSUER_ERR_NOMEM (-1806)    /* out of memory */
#define CREDISSUER_ERR_ARG (-1807)      /* bad argument */

/* Where in the credential an identifier was found (§E.5, table 1). */
enum credissuer_source {
    CREDISSUER_SRC_ISSUER = 1,  /* JSON `issuer` or `issuer.id` */
    CREDISSUER_SRC_OTHER_ID,    /* `issuer.otherIdentifier[]`, ext:BRIN */
    CREDISSUER_SRC_JWS_ISS,     /* JWS/SD-JWT payload `iss` */
    CREDISSUER_SRC_JWS_HDR_ISS, /* JWS protected header `iss` */
    CREDISSUER_SRC_JWS_ISSUER,  /* JWS payload `issuer` (VCDM 2.0 JWT) */
    CREDISSUER_SRC_VC_ISSUER,   /* JWS payload `vc.issuer` (VC-JWT 1.1) */
    CREDISSUER_SRC_OB2_ISSUER,  /* OB 2.0 `badge.issuer` (embedded) */
};

/* How an identifier compares (§E.5, table 2). */
enum credissuer_kind {
    CREDISSUER_KIND_URI = 1, /* a URI: did_web, issuer_id, ob2_profile, dns */
    CREDISSUER_KIND_BRIN,    /* a BRIN code: brin */
};

struct credissuer_id {
    enum credissuer_source source;
    enum credissuer_kind kind;
    char value[CREDISSUER_VALUE_MAX + 1]; /* NUL-terminated, printable ASCII */
    size_t len;
};

/* What a credential names. n == 0: it names no issuer (its profile exposes
 * none, or the members are absent). */
struct credissuer {
    enum credkey_profile profile; /* the profile read (never AUTO) */
    size_t n;
    struct credissuer_id ids[CREDISSUER_IDS_MAX];
};

/* The outcome of credissuer_match(). */
enum credissuer_verdict {
    CREDISSUER_MATCH = 0,   /* every identifier matches the identity */
    CREDISSUER_MISMATCH,    /* one does not (*bad says which) */
    CREDISSUER_NONE,        /* the credential names no issuer */
    CREDISSUER_NO_IDENTITY, /* the KEY entry records no comparable item */
};

/* Returns a static sentence naming a CREDISSUER_ERR_* code. */
const char *credissuer_strerror(int err);

/* A static name for a source ("issuer", "issuer.otherIdentifier", "iss",
 * "header iss", "payload issuer", "vc.issuer", "badge.issuer"), "?" for a
 * value out of range. */
const char *credissuer_source_name(enum credissuer_source s);

/* Reads the issuer identifiers of the credential file[0..len) under profile
 * (the profile its key was computed with; CREDKEY_PROFILE_AUTO chooses as
 * credkey/v1 does), per §E.5: `json` reads issuer / issuer.id and
 * issuer.otherIdentifier; `jws` the payload's iss, issuer and vc.issuer and
 * the protected header's iss; `ob2-hosted` badge.issuer when badge is an
 * embedded object; `bytes` nothing. Baked PNG and SVG credentials are read
 * from the text credkey/v1 extracts. *out is written on success only.
 * Returns 0, a CREDISSUER_ERR_* code (why names the member and its byte
 * offset) or a CREDKEY_ERR_* code; why may be NULL. */
int credissuer_extract(const uint8_t *file, size_t len,
                       enum credkey_profile profile, struct credissuer *out,
                       char why[CREDKEY_WHY_MAX]);

/* Compares c with the identity of KEY entry key (version 1: no identity),
 * per §E.5. On CREDISSUER_MISMATCH *bad (may be NULL) is the index in c->ids
 * of the first identifier that matches no item. Never fails. */
enum credissuer_verdict credissuer_match(const struct credissuer *c,
                                         const struct entry *key, size_t *bad);

/* Whether the identifier id matches the identity of key (the rule of §E.5
 * for one identifier). */
bool credissuer_id_matches(const struct credissuer_id *id,
                           const struct entry *key);

#endif
