/*
 * softhsm.h: a SoftHSM2 token of the test's own, for the tests of keys in
 * PKCS#11 tokens (keystore/signer.h).
 *
 * softhsm_init() writes <dir>/softhsm2.conf (tokens in <dir>/tokens), sets
 * SOFTHSM2_CONF for this process and its children (logd, credlog), makes a
 * token labelled SOFTHSM_TOKEN with user PIN SOFTHSM_PIN (softhsm2-util) and
 * writes the PIN to <dir>/pin (mode 0600). softhsm_keygen() makes an Ed25519
 * key pair in it (pkcs11-tool --keypairgen --key-type EC:edwards25519).
 * softhsm_uri() is the pkcs11: URI of such a key with pin-source=<dir>/pin.
 * softhsm_init() also points LSAN_OPTIONS at tests/data/lsan-softhsm2.supp
 * (SoftHSM 2.6.1 leaks in C_SignInit; ours would still be caught).
 *
 * SoftHSM2 and pkcs11-tool missing is a FAILURE, not a skip: scripts/deps.sh
 * test installs them (softhsm2, opensc), and a CI that silently skipped the
 * HSM tests would test nothing. softhsm_init() then prints what to install
 * and returns -1. Not thread-safe (setenv).
 */
#ifndef CREDLOG_TESTS_SOFTHSM_H
#define CREDLOG_TESTS_SOFTHSM_H

#include <stddef.h>

#define SOFTHSM_TOKEN "credlog-test"
#define SOFTHSM_PIN "5678"
#define SOFTHSM_PATH_MAX 1024

struct softhsm {
    char dir[SOFTHSM_PATH_MAX];
    char module[SOFTHSM_PATH_MAX]; /* libsofthsm2.so */
    char pin_path[SOFTHSM_PATH_MAX];
};

/* Sets up the token under dir (an existing directory). Returns 0 or -1. */
int softhsm_init(struct softhsm *h, const char *dir);

/* Makes an Ed25519 key pair labelled label with CKA_ID id (hex, e.g.
 * "01"). Returns 0 or -1. */
int softhsm_keygen(const struct softhsm *h, const char *label, const char *id);

/* Writes "pkcs11:token=...;object=<label>?module-path=...&pin-source=..."
 * (label percent-encoded where it must be) into buf. */
void softhsm_uri(const struct softhsm *h, const char *label, char *buf,
                 size_t cap);

#endif
