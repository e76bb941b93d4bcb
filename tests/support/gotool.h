/*
 * gotool.h: builds and runs the Go checkers of tests/interop/ (tlogcheck,
 * cosigcheck), which use Go's reference golang.org/x/mod/sumdb packages
 * (Debian's golang-golang-x-mod-dev) and nothing of credlog.
 *
 * gotool_require() finds the `go` on PATH and the packages;
 * gotool_build() builds tests/interop/<name> with it in GOPATH mode, with
 * no network (GO111MODULE=off, GOPROXY=off, GOTOOLCHAIN=local), into
 * <the build directory of $LOGD_BIN>/interop/<name>; gotool_run() runs a
 * built tool with a deadline and its output captured in a file.
 *
 * Not thread-safe (the go command and the build directory are kept in
 * statics). Failures are reported with CHECK_MSG (check.h), so a missing Go
 * fails the test with a hint on how to install it rather than skipping.
 */
#ifndef CREDLOG_TESTS_GOTOOL_H
#define CREDLOG_TESTS_GOTOOL_H

#include <stdbool.h>
#include <stddef.h>

#define GOTOOL_HINT                                                            \
    "install Go and golang.org/x/mod with `scripts/deps.sh test` "             \
    "(Debian packages golang-go and golang-golang-x-mod-dev)"

/* Finds `go` on PATH and golang.org/x/mod/sumdb under /usr/share/gocode.
 * Returns true, or false after a failed CHECK_MSG naming what is missing. */
bool gotool_require(void);

/* Builds tests/interop/<name> (found from $CREDLOG_TEST_DATA) into
 * <build>/interop/<name> and copies that path into tool (cap bytes); the
 * go command's output goes to <scratch>/go-build-<name>.out and is
 * printed. Needs gotool_require() first and $LOGD_BIN. Returns true, or
 * false after a failed CHECK_MSG. */
bool gotool_build(const char *name, const char *scratch, char *tool,
                  size_t cap);

/* Runs argv (argv[0] a path, NULL-terminated) with stdout and stderr into
 * out_path, then prints that output indented. Returns the exit status, or
 * -1 if it could not run or did not exit within timeout_s (then it is
 * killed). */
int gotool_run(const char *const *argv, const char *out_path, int timeout_s);

#endif
