/*
 * files.h: temporary directories and whole-file reads and writes for tests.
 *
 * The helpers abort() on what a test cannot go on without (a temporary
 * directory, a file it must write); reads return NULL so that a test can
 * CHECK for a file that should or should not exist.
 */
#ifndef CREDLOG_TESTS_FILES_H
#define CREDLOG_TESTS_FILES_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Makes a fresh directory $TMPDIR/credlog-<tag>-XXXXXX (/tmp without
 * $TMPDIR) and writes its path into buf (cap bytes). Aborts on failure. */
void files_tmpdir(char *buf, size_t cap, const char *tag);

/* Removes the directory tree dir (symbolic links are removed, not followed).
 * Errors are ignored: it removes what it can. */
void files_rmtree(const char *dir);

/* Writes len bytes to path (created with mode 0644 or truncated). Aborts on
 * failure. */
void files_write(const char *path, const void *data, size_t len);

/* Writes the string text to path atomically (a temporary file renamed over
 * it) with the given mode. Returns 0, or -1 with the reason on stderr. */
int files_write_mode(const char *path, const char *text, mode_t mode);

/* Reads the whole file. Returns a NUL-terminated malloc'd copy (the caller
 * frees it) and its length in *len (if not NULL), or NULL if the file cannot
 * be read. */
char *files_read(const char *path, size_t *len);

/* Whether path exists (stat succeeds). */
bool files_exists(const char *path);

/* Whether the file at path contains text (false if it cannot be read). */
bool files_contain(const char *path, const char *text);

/* The permission bits of path (st_mode & 0777), or (mode_t)-1. */
mode_t files_mode(const char *path);

#endif
