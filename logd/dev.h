/*
 * dev.h: `logd --dev`, the embedded development set-up. On first start it
 * creates, in its directory (./var/dev by default), a log key (log.key, mode
 * 0600, and log.vkey), a demo issuer key (demo-issuer.key, mode 0600, and
 * demo-issuer.vkey) and an issuers file authorizing the demo issuer. Later
 * starts reuse them. Private keys are wiped from memory once written.
 */
#ifndef CREDLOG_LOGD_DEV_H
#define CREDLOG_LOGD_DEV_H

#include <stddef.h>

#define DEV_DIR "var/dev"
#define DEV_LISTEN "127.0.0.1:8080"
#define DEV_LOG_NAME "localhost/credlog-dev"
#define DEV_ISSUER_NAME "demo-issuer.example"

#define DEV_PATH_MAX 4096

struct dev_paths {
    char log_key[DEV_PATH_MAX];
    char log_vkey[DEV_PATH_MAX];
    char issuer_key[DEV_PATH_MAX];
    char issuer_vkey[DEV_PATH_MAX];
    char issuers[DEV_PATH_MAX];
};

/* Creates dir (and its parents, mode 0700) and whatever of the files above is
 * missing; fills *paths. On failure writes why into errbuf and returns -1. */
int dev_bootstrap(const char *dir, struct dev_paths *paths, char *errbuf,
                  size_t errcap);

/* Creates dir and its missing parents with mode (like mkdir -p). Returns 0 or
 * -1 with errno set. */
int dev_mkdirs(const char *dir, unsigned mode);

#endif
