/*
 * policy.h: C2SP tlog-policy files (which logs and witnesses a verifier
 * trusts, and what quorum of cosignatures it requires), pure. Implemented in
 * policy.c.
 *
 * The grammar (c2sp.org/tlog-policy), one statement per line, fields split on
 * runs of spaces and tabs, blank lines and whole-line '#' comments ignored:
 *
 *   log <vkey> [<url>]                 a log; its vkey name is its origin
 *   witness <name> <vkey> [<url>]      a cosigner (vkey type 0x04; 0x06
 *                                      ML-DSA-44 keys are accepted but can
 *                                      never be satisfied here)
 *   group <name> all|any|<k> <m>...    k of the members, defined earlier
 *   quorum <name>|none                 exactly once, names an earlier
 *                                      witness or group
 *
 * Witnesses and groups share one namespace, `none` is reserved, no key (the
 * same public key, whatever its name) appears twice, a group lists each
 * member at most once and 1 <= k <= members.
 *
 * A parsed policy is a plain caller-allocated value (no pointers inside); it
 * can be copied and shared read-only between threads.
 */
#ifndef CREDLOG_PROOFS_POLICY_H
#define CREDLOG_PROOFS_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proofs/checkpoint.h"
#include "proofs/errors.h"
#include "proofs/note.h"

#define POLICY_MAX_LOGS 32
#define POLICY_MAX_WITNESSES 32
#define POLICY_MAX_GROUPS 32
#define POLICY_MAX_MEMBERS (POLICY_MAX_WITNESSES + POLICY_MAX_GROUPS)
#define POLICY_URL_MAX 256
#define POLICY_TEXT_MAX (64 * 1024) /* longer files are refused */

#define POLICY_ERR_SYNTAX (-1301)   /* a line does not follow the grammar */
#define POLICY_ERR_KEY (-1302)      /* a malformed or wrong-type vkey */
#define POLICY_ERR_NAME (-1303)     /* unknown, reserved or repeated name */
#define POLICY_ERR_DUP (-1304)      /* the same public key twice */
#define POLICY_ERR_LIMIT (-1305)    /* more logs, witnesses, groups or text */
#define POLICY_ERR_QUORUM (-1306)   /* no quorum line, or more than one */
#define POLICY_ERR_UNSIGNED (-1307) /* no valid signature by a policy log */
#define POLICY_ERR_UNMET (-1308)    /* the cosignatures miss the quorum */
#define POLICY_ERR_NOTE (-1309)     /* not a signed checkpoint note */

/* A witness: its cosigner key. supported is false for key types credlog
 * cannot verify (ML-DSA-44, type 0x06): such a witness never counts as
 * having signed. */
struct policy_witness {
    char name[NOTE_NAME_MAX + 1];
    struct note_verifier key; /* type NOTE_TYPE_COSIGNATURE when supported */
    bool supported;
    char url[POLICY_URL_MAX]; /* "" when the line has none */
};

/* A group: threshold of its members. A member m < POLICY_MAX_WITNESSES is
 * witness m; m >= POLICY_MAX_WITNESSES is group m - POLICY_MAX_WITNESSES. */
struct policy_group {
    char name[NOTE_NAME_MAX + 1];
    unsigned threshold;
    unsigned nmembers;
    uint16_t members[POLICY_MAX_MEMBERS];
};

struct policy_log {
    struct note_verifier key; /* type NOTE_TYPE_ED25519 */
    char url[POLICY_URL_MAX];
};

struct policy {
    struct policy_log logs[POLICY_MAX_LOGS];
    struct policy_witness witnesses[POLICY_MAX_WITNESSES];
    struct policy_group groups[POLICY_MAX_GROUPS];
    unsigned nlogs, nwitnesses, ngroups;
    int quorum; /* a member index as in policy_group, or -1 for none */
};

/* Returns a static string describing a POLICY_ERR_* code. */
const char *policy_strerror(int err);

/* Parses a policy file of len bytes. On failure *line (if not NULL) is the
 * 1-based number of the offending line (0 when the whole file is at fault)
 * and out is zeroed. Returns 0, POLICY_ERR_SYNTAX, POLICY_ERR_KEY,
 * POLICY_ERR_NAME, POLICY_ERR_DUP, POLICY_ERR_LIMIT or POLICY_ERR_QUORUM. */
int policy_parse(const char *text, size_t len, struct policy *out,
                 unsigned *line);

/* Whether the witnesses for which cosigned[w] is true satisfy p's quorum
 * (cosigned has p->nwitnesses entries; a quorum of none is always met). */
bool policy_satisfied(const struct policy *p, const bool *cosigned);

/* What policy_open() found in a checkpoint note. cosigned[w] and times[w]
 * (POSIX seconds) are per witness of the policy, in its order. */
struct policy_result {
    struct checkpoint cp;
    size_t text_len;
    bool cosigned[POLICY_MAX_WITNESSES];
    uint64_t times[POLICY_MAX_WITNESSES];
};

/* Opens a checkpoint note under policy p: it must be a signed note whose
 * text is a checkpoint (extension lines allowed, as C2SP), signed by a log
 * of p whose key name is the checkpoint's origin; every cosignature of a
 * witness of p is verified (lines of other keys, and of key types credlog
 * cannot check, such as ML-DSA-44, are ignored). On success out says which
 * witnesses cosigned and when; the quorum is NOT judged here (the caller
 * may first drop cosignatures it finds too old, see policy_satisfied()).
 * Returns 0, POLICY_ERR_NOTE (malformed note or checkpoint, a bad signature
 * by a key of p) or POLICY_ERR_UNSIGNED. */
int policy_open(const struct policy *p, const char *note, size_t len,
                struct policy_result *out);

/* Writes the names of the witnesses of p that did not cosign (cosigned[w]
 * false), separated by ", ", into buf (cap bytes, NUL-terminated, cut to
 * fit). */
void policy_missing(const struct policy *p, const bool *cosigned, char *buf,
                    size_t cap);

/* The log of p whose verifier key name is origin, or NULL. The pointer is
 * into p. */
const struct policy_log *policy_find_log(const struct policy *p,
                                         const char *origin);

#endif
