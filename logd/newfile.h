/*
 * newfile.h: how logd creates the files it writes itself (the --dev log key,
 * its verifier key, the demo issuers file): never through a planted
 * symlink, never over a file someone else made, complete or not at all.
 * Implemented in newfile.c. Thread-safe (no shared state).
 */
#ifndef CREDLOG_LOGD_NEWFILE_H
#define CREDLOG_LOGD_NEWFILE_H

#include <sys/types.h>

#include "proofs/errors.h"

#define NEWFILE_ERR_IO (-3201) /* a system call failed: errno says which */

/* Returns a static string describing a NEWFILE_ERR_* code. */
const char *newfile_strerror(int err);

/* Writes the string text as the file name in the directory dirfd with the
 * given mode: name.tmp is created exclusively (O_EXCL | O_NOFOLLOW, so an
 * existing file or symlink there is an error), written, fsynced and renamed
 * over name. Returns 0, or NEWFILE_ERR_IO with errno set; on failure nothing
 * is left behind but a name.tmp that was already there. */
int newfile_write(int dirfd, const char *name, const char *text, mode_t mode);

#endif
