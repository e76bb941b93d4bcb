/*
 * keys.h: issuer key files, log verifier keys, and pinning of a log's key on
 * first use.
 *
 * Pins live in <config>/known_logs, one "<log URL> <verifier key>" line per
 * log, where <config> is $XDG_CONFIG_HOME/credlog if XDG_CONFIG_HOME is set
 * and absolute, else $HOME/.config/credlog.
 */
#ifndef CREDLOG_CLIENT_KEYS_H
#define CREDLOG_CLIENT_KEYS_H

#include <stdbool.h>
#include <stddef.h>

#include "client/error.h"
#include "keystore/signer.h"
#include "proofs/note.h"

/* Generates an Ed25519 key named name of the given type (NOTE_TYPE_ED25519
 * for an issuer key, NOTE_TYPE_COSIGNATURE for a witness's cosigner key) and
 * writes PREFIX.key (signer key, mode 0600, never overwritten) and
 * PREFIX.vkey (verifier key line). The verifier key string goes into vkey
 * (NOTE_KEY_TEXT_MAX bytes). Returns 0, CLIENT_ERR_ARG (not a key name, or a
 * name that may not name an issuer: see note_issuer_name_valid()),
 * CLIENT_ERR_IO (a file exists or cannot be written) or CLIENT_ERR_KEY. */
int client_keygen(const char *name, uint8_t type, const char *prefix,
                  char *vkey, char *why);

/* Reads a signer key file holding a key of the given type (as
 * client_keygen() writes it). The caller wipes *out with
 * note_signer_wipe(). Returns 0, CLIENT_ERR_IO or CLIENT_ERR_KEY (not such
 * a key, or its name may not name an issuer: see note_issuer_name_valid()).
 * If the file is readable by group or others, *loose (may be NULL) is set. */
int client_signer_read_type(const char *path, uint8_t type,
                            struct note_signer *out, bool *loose, char *why);

/* client_signer_read_type() for an Ed25519 issuer or log key. */
int client_signer_read(const char *path, struct note_signer *out, bool *loose,
                       char *why);

/* Opens the issuer key of credlog issue and revoke: a signer key file or a
 * pkcs11: URI naming an Ed25519 key in a PKCS#11 token (keystore/signer.h;
 * the key's CKA_LABEL is the issuer name). Refuses a key whose name may
 * not name an issuer (note_issuer_name_valid()). *loose (may be NULL) is
 * set for a file readable by group or others. Returns 0 or CLIENT_ERR_KEY
 * with why set; free with ed25519_signer_free(). */
int client_issuer_key_open(const char *spec, struct ed25519_signer **out,
                           bool *loose, char *why);

/* Parses a log verifier key given on the command line: the key string itself
 * or the name of a file whose first non-comment line is the key. Must be an
 * Ed25519 note key (type 0x01). Returns 0 or CLIENT_ERR_KEY. */
int client_verifier_arg(const char *arg, struct note_verifier *out, char *why);

/* The config directory into buf. Returns 0 or CLIENT_ERR_IO (no HOME). */
int client_config_dir(char *buf, size_t cap, char *why);

/* The pin file's path (<config>/known_logs) into buf. Returns 0 or
 * CLIENT_ERR_IO. */
int client_pin_file(char *buf, size_t cap, char *why);

/* Whether two verifier keys are the same key (name, id and public key). */
bool client_verifier_same(const struct note_verifier *a,
                          const struct note_verifier *b);

/* Looks up the pinned key of log url. Sets *found. Returns 0,
 * CLIENT_ERR_IO or CLIENT_ERR_KEY (corrupt pin file). */
int client_pin_lookup(const char *url, struct note_verifier *out, bool *found,
                      char *why);

/* Pins key for url (replacing nothing: the caller checks first). Returns 0 or
 * CLIENT_ERR_IO. */
int client_pin_store(const char *url, const struct note_verifier *key,
                     char *why);

/* Resolves the log key for url: with arg (a --log-key value), parses it and
 * checks it against the pin, pinning it if url has none (*pinned_now set);
 * without, uses the pin. Returns 0 or CLIENT_ERR_KEY: no key known, or arg
 * differs from the pinned key (why names the pin file to edit). */
int client_log_key(const char *url, const char *arg, struct note_verifier *out,
                   bool *pinned_now, char *why);

#endif
