/*
 * cli_credential.h: from a credential file to the key it is logged under,
 * for the credlog commands (docs/protocol.md F.7): reading the file, the
 * profile and salt its receipt or bundle records, and the key. The proof
 * checking that follows is verify.h's; nothing here judges a proof.
 */
#ifndef CREDLOG_CLIENT_CLI_CREDENTIAL_H
#define CREDLOG_CLIENT_CLI_CREDENTIAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "client/credbundle.h"
#include "client/credfile.h"
#include "client/doc.h"

/* Reads the credential file path (at most CREDKEY_INPUT_MAX bytes) into a
 * fresh buffer (*data, caller frees). Prints the error ("<cmd>: ...").
 * Returns CLI_OK, CLI_NEGATIVE (over 64 MiB: credkey/v1 refuses it) or
 * CLI_ERROR (unreadable). */
int cli_credential_read(const char *cmd, const char *path, uint8_t **data,
                        size_t *len);

/* Reads a receipt file (JSON or tlog-proof) into *r and the profile and
 * salt it records into *k (k->known false for a legacy receipt or a
 * tlog-proof). Returns 0 or a CLIENT_ERR_* code with why. On failure *r
 * holds nothing to free. */
int cli_credential_receipt(const char *path, struct client_receipt *r,
                           struct client_credkey *k, char *why);

/* The key credlog issue logs the credential file path under (F.7): under
 * profile (AUTO: as auto chooses) with a fresh salt of CREDKEY_SALT_MIN
 * random bytes, or none when no_salt; but the profile and salt of
 * path.receipt.json again when they give the key its entry carries (a
 * re-run), unless profile names another profile or no_salt is given while
 * the receipt is salted. On CLI_OK *k is known and key set. Prints errors.
 * Returns CLI_OK, CLI_NEGATIVE (credkey/v1 refuses the file) or CLI_ERROR
 * (unreadable, no randomness). */
int cli_credential_issue_key(const char *cmd, const char *path,
                             enum credkey_profile profile, bool no_salt,
                             struct client_credkey *k, uint8_t key[32]);

/* The key credlog revoke revokes for the credential file path (F.7): with
 * the profile and salt of receipt_path (NULL: path.receipt.json); a legacy
 * receipt matched as E.3 says; no receipt: an error unless no_salt (then
 * the unsalted key under profile). *k gets what was used (known, or not
 * for a legacy receipt). Prints errors. Returns CLI_OK, CLI_NEGATIVE
 * (refused by credkey/v1) or CLI_ERROR. */
int cli_credential_revoke_key(const char *cmd, const char *path,
                              const char *receipt_path,
                              enum credkey_profile profile, bool no_salt,
                              struct client_credkey *k, uint8_t key[32]);

/* What a verifier knows about a credential: its bytes, the evidence found
 * with it, and the key to look up. Owns everything (cli_credential_free). */
struct cli_credential {
    uint8_t *data; /* the credential's bytes */
    size_t len;
    bool have_receipt; /* from --receipt, a bundle or FILE.receipt.json */
    struct client_receipt receipt;
    struct client_credkey credkey; /* known: from a receipt or bundle */
    /* The target or --bundle is a credlog-bundle/v1: its status proof and
     * consistency proof (has_status, has_consistency) are the bundle's. */
    struct client_credbundle *bundle;
    const char *bundle_path; /* the file it came from */
    uint8_t key[32];         /* the key to look up */
    /* The key the receipt or bundle found is about (its entry's). */
    bool have_entry_key;
    uint8_t entry_key[32];
    /* No receipt and no salt: the SHA-256 of the bytes (how credlog keyed
     * files before credkey/v1), to look up when key is not in the log. */
    bool try_legacy;
    uint8_t legacy_key[32];
};

/* Loads what cmd (verify, status) needs for the credential file target:
 * the bytes (from target, or from target itself being a credlog-bundle/v1),
 * the receipt and profile and salt (from receipt_path, else a
 * credlog-bundle/v1 at bundle_path or a status bundle's receipt there, else
 * target.receipt.json beside the file), and the key (F.7). profile, unless
 * CREDKEY_PROFILE_AUTO, overrides the profile found. need_receipt: no
 * receipt at all is an error (offline). Prints errors. Returns CLI_OK,
 * CLI_NEGATIVE or CLI_ERROR; on failure out holds nothing to free. */
int cli_credential_load(const char *cmd, const char *target,
                        const char *receipt_path, const char *bundle_path,
                        enum credkey_profile profile, bool need_receipt,
                        struct cli_credential *out);

/* Whether the file at path is a credlog-bundle/v1. */
bool cli_credential_is_bundle(const char *path);

/* The sentence to print after a NOT ISSUED verdict on c: that a salted
 * credential needs its receipt or bundle (when no salt was known), else
 * NULL. Static. */
const char *cli_credential_hint(const struct cli_credential *c);

/* Adds k's "profile" and "salt" to the "receipt" of the status bundle
 * *text (credlog status --save: E.3), replacing *text. Nothing when k is
 * NULL or not known. Returns 0 or CLIENT_ERR_NOMEM (*text unchanged). */
int cli_credential_annotate(char **text, const struct client_credkey *k);

/* Frees what c owns and zeroes it. Accepts NULL. */
void cli_credential_free(struct cli_credential *c);

#endif
