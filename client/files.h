/*
 * files.h: the few file operations the client needs: whole-file reads, an
 * atomic replace (temporary file, fsync, rename, fsync of the directory), and
 * the SHA-256 of a credential file.
 */
#ifndef CREDLOG_CLIENT_FILES_H
#define CREDLOG_CLIENT_FILES_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "client/error.h"

/* Reads a whole file of at most max bytes into a fresh NUL-terminated buffer
 * (*buf, caller frees). Returns 0, CLIENT_ERR_IO (why says why; errno ENOENT
 * is kept in errno for callers that probe) or CLIENT_ERR_NOMEM. */
int client_read_file(const char *path, size_t max, char **buf, size_t *len,
                     char *why);

/* Replaces path atomically with data (mode for a new file): readers see the
 * old or the new content, never a mix, and the new content is durable when
 * this returns 0. Returns 0 or CLIENT_ERR_IO. */
int client_write_file_atomic(const char *path, const void *data, size_t len,
                             mode_t mode, char *why);

/* Creates a new file (failing if it exists) with mode, writes data and
 * fsyncs it. Returns 0 or CLIENT_ERR_IO. */
int client_write_file_new(const char *path, const void *data, size_t len,
                          mode_t mode, char *why);

/* out = SHA-256 of the file's bytes (streamed). Returns 0 or CLIENT_ERR_IO. */
int client_hash_file(const char *path, uint8_t out[32], char *why);

/* Creates dir and its missing parents with mode. Returns 0 or CLIENT_ERR_IO. */
int client_mkdirs(const char *dir, mode_t mode, char *why);

#endif
