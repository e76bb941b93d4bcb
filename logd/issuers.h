/*
 * issuers.h: who may submit. Two things live here:
 *  - the issuers file: verifier keys "<issuer name>+<hex key id>+<base64>",
 *    one a line, each optionally followed by the institution's identity as
 *    fields tag=value (the tag names of docs/protocol.md §B.6.4: name, dns,
 *    did_web, brin, ob2_profile, issuer_id; a value in double quotes may hold
 *    spaces, \" and \\), '#' comments and blank lines allowed (the
 *    operator's wish; refused if group or others may write it);
 *  - struct issuers: an immutable, reference-counted set of authorized issuer
 *    keys (the log's truth, rebuilt from its KEY entries), shared by the
 *    sequencer, which replaces it when it appends KEY entries, and the
 *    verifier pool (logd/vpool.h), which checks submissions against the
 *    snapshot the HTTP thread took when the request arrived.
 */
#ifndef CREDLOG_LOGD_ISSUERS_H
#define CREDLOG_LOGD_ISSUERS_H

#include <stddef.h>
#include <stdint.h>

#include "proofs/ed25519.h"
#include "proofs/entry.h"
#include "proofs/errors.h"
#include "proofs/note.h"

/* In ISSUERS_ERR_BASE's block (proofs/errors.h). */
#define ISSUERS_ERR_FILE (-2401)   /* the file cannot be read (errno set) */
#define ISSUERS_ERR_SYNTAX (-2402) /* a line is not an Ed25519 verifier key */
#define ISSUERS_ERR_CLASH (-2403)  /* two keys with the same name and key id */
#define ISSUERS_ERR_NOMEM (-2404)
#define ISSUERS_ERR_TOO_MANY (-2405) /* more than ISSUERS_MAX keys */
#define ISSUERS_ERR_NAME (-2406)     /* an invisible or bidi char in a name */
#define ISSUERS_ERR_MODE (-2407)     /* group or others may write the file */
#define ISSUERS_ERR_IDENTITY (-2408) /* a bad identity field */

#define ISSUERS_MAX 100000
#define ISSUERS_FILE_MAX (16 << 20)

/* The longest line issuers_format_line() writes: the key, and every
 * identity byte escaped, with its tag and quotes. */
#define ISSUERS_LINE_MAX (NOTE_KEY_TEXT_MAX + 2 * ENTRY_IDENTITY_MAX + 128)

/* One issuer key. added_index is the index of the KEY entry that added it
 * (unused for keys read from the file). identity is the institution's
 * identity, the canonical items of a KEY v2 entry (proofs/entry.h; 0 bytes:
 * none): from the file for its keys, and empty in a set made from the log
 * (the log's copy is in the KEY entry at added_index). */
struct issuer_key {
    char name[NOTE_NAME_MAX + 1];
    uint32_t key_id;
    uint8_t pub[ED25519_PUBLIC_SIZE];
    uint64_t added_index;
    uint16_t identity_len;
    uint8_t identity[ENTRY_IDENTITY_MAX];
};

struct issuers;

/* Returns a static string describing an ISSUERS_ERR_* code. */
const char *issuers_strerror(int err);

/* Parses issuers-file text. On success *keys (malloc'd, caller frees; NULL
 * when *n is 0) holds the keys sorted and without duplicates. A key whose
 * name may not name an issuer (note_issuer_name_valid(): a zero-width,
 * direction-changing or other invisible character) is ISSUERS_ERR_NAME. An
 * identity field with an unknown tag, a tag given twice, a value its tag
 * refuses (entry_identity_add()) or bad quoting is ISSUERS_ERR_IDENTITY; a
 * key listed twice with different identities is ISSUERS_ERR_CLASH. On
 * ISSUERS_ERR_SYNTAX, _NAME, _IDENTITY or _CLASH, *line gets the 1-based
 * line number. */
int issuers_parse(const char *text, size_t len, struct issuer_key **keys,
                  size_t *n, size_t *line);

/* Reads and parses an issuers file (see issuers_parse()). Refuses a file
 * that group or others may write to (ISSUERS_ERR_MODE): whoever can write it
 * decides who may submit. Returns 0, ISSUERS_ERR_FILE (errno set),
 * ISSUERS_ERR_MODE, ISSUERS_ERR_NOMEM or an issuers_parse() code. */
int issuers_load(const char *path, struct issuer_key **keys, size_t *n,
                 size_t *line);

/* Makes a set holding a copy of keys[0..n) (any order; duplicates of the same
 * (name, public key) kept once), the keys authorized in the log whose
 * checkpoint origin is origin (a NUL-terminated key name, copied): version 2
 * entries are verified against it. Returns NULL when out of memory. The set
 * starts with one reference. */
struct issuers *issuers_new(const char *origin, const struct issuer_key *keys,
                            size_t n);

/* The origin the set was made for (a string owned by set). */
const char *issuers_origin(const struct issuers *set);

/* Takes / drops a reference (thread-safe). unref frees at zero; accepts NULL.
 */
struct issuers *issuers_ref(struct issuers *set);
void issuers_unref(struct issuers *set);

/* The number of keys, and key i in (name, key id, public key) order. */
size_t issuers_count(const struct issuers *set);
const struct issuer_key *issuers_at(const struct issuers *set, size_t i);

/* Finds the key (name, key_id), or NULL. O(log n). */
const struct issuer_key *issuers_find(const struct issuers *set,
                                      const char *name, uint32_t key_id);

/* Formats key k as a verifier key string. Returns its length or a negative
 * NOTE_ERR_* code. */
int issuers_format(const struct issuer_key *k, char *buf, size_t cap);

/* Formats key k with its identity as an issuers-file line (no newline):
 * the verifier key, then tag=value for each identity item, the name always
 * in double quotes, other values bare. cap >= ISSUERS_LINE_MAX suffices.
 * Returns its length, a negative NOTE_ERR_* code or ISSUERS_ERR_IDENTITY
 * (cap too small). */
int issuers_format_line(const struct issuer_key *k, char *buf, size_t cap);

/* Compares the keys in set with want[0..nwant) (sorted, as issuers_parse()
 * gives them) by (name, public key). *remove gets the keys of set not wanted,
 * *add the wanted keys not in set, both malloc'd (caller frees; NULL when
 * empty), in (name, key id) order. Returns 0 or ISSUERS_ERR_NOMEM. */
int issuers_diff(const struct issuers *set, const struct issuer_key *want,
                 size_t nwant, struct issuer_key **remove, size_t *nremove,
                 struct issuer_key **add, size_t *nadd);

#endif
