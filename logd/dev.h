/*
 * dev.h: `logd --dev`, the embedded development set-up. On first start it
 * creates, in its directory (./var/dev by default), a log key (log.key, mode
 * 0600, and log.vkey), a demo issuer key (demo-issuer.key, mode 0600, and
 * demo-issuer.vkey) and an issuers file authorizing the demo issuer with
 * its identity (DEV_ISSUER_IDENTITY). Later starts reuse them (an issuers
 * file made before the identity keeps none: the identity of an authorized
 * key cannot change). The keys are generated and written by logd/signer.c
 * (this module never holds a private key); every file is written as a new
 * file (O_EXCL|O_NOFOLLOW, then renamed), and only into a directory that
 * belongs to the user running logd and that nobody else may write to.
 */
#ifndef CREDLOG_LOGD_DEV_H
#define CREDLOG_LOGD_DEV_H

#include <stddef.h>

#include "proofs/errors.h"

#define DEV_DIR "var/dev"
#define DEV_LISTEN "127.0.0.1:8080"
#define DEV_LOG_NAME "localhost/credlog-dev"
#define DEV_ISSUER_NAME "demo-issuer.example"
/* The demo issuer's identity in the issuers file (docs/operations.md, "The
 * issuers file"), so that a credential naming did:web:demo-issuer.example
 * (or an https://demo-issuer.example/ id) passes the issuer check
 * (protocol.md §E.5) on a --dev log as on a real one. */
#define DEV_ISSUER_IDENTITY                                                    \
    "name=\"Demo Issuer\" dns=demo-issuer.example "                            \
    "did_web=did:web:demo-issuer.example"

#define DEV_PATH_MAX 4096

/* In DEV_ERR_BASE's block (proofs/errors.h). */
#define DEV_ERR_PATH (-3101)  /* a path is too long */
#define DEV_ERR_DIR (-3102)   /* a directory cannot be made or opened (errno) */
#define DEV_ERR_OWNER (-3103) /* the directory is not the user's alone */
#define DEV_ERR_FILE (-3104)  /* a file cannot be read or written */

struct dev_paths {
    char log_key[DEV_PATH_MAX];
    char log_vkey[DEV_PATH_MAX];
    char issuer_key[DEV_PATH_MAX];
    char issuer_vkey[DEV_PATH_MAX];
    char issuers[DEV_PATH_MAX];
};

/* Returns a static string describing a DEV_ERR_* code. */
const char *dev_strerror(int err);

/* Creates dir (and its parents, mode 0700), refuses it unless it belongs to
 * the effective user and group and others cannot write to it, creates
 * whatever of the files above is missing, and fills *paths. Returns 0, or a
 * DEV_ERR_* code with the reason written into errbuf. */
int dev_bootstrap(const char *dir, struct dev_paths *paths, char *errbuf,
                  size_t errcap);

/* Creates dir and its missing parents with mode (like mkdir -p). Returns 0,
 * or DEV_ERR_PATH or DEV_ERR_DIR with errno set. */
int dev_mkdirs(const char *dir, unsigned mode);

#endif
