#!/usr/bin/env bash
# The long crash test: logd under concurrent load is killed with SIGKILL at
# random moments, hundreds of times, then the whole log is checked against
# every receipt and checkpoint it ever returned (tests/integration/test_crash.c
# says what exactly; the normal test suite runs 20 rounds).
#
# Usage: scripts/crash.sh [--asan] [--build-dir DIR] [--seed N] [ROUNDS]
#
#   ROUNDS          kill/restart rounds (default 300; about 0.3 s each)
#   --asan          build and run under AddressSanitizer + UBSan
#   --build-dir DIR the build to use (default build-crash or build-crash-asan)
#   --seed N        fix the random choices (the kill moments still depend on
#                   timing); printed at the start of every run
#
# Exits 0 when every check passed. Keep the temporary log directory for a
# post-mortem with CREDLOG_KEEP_TMP=1.
set -euo pipefail
cd "$(dirname "$0")/.."

rounds=300
asan=0
build=
seed=
while [ $# -gt 0 ]; do
	case "$1" in
	--asan) asan=1; shift ;;
	--build-dir) build="$2"; shift 2 ;;
	--seed) seed="$2"; shift 2 ;;
	-h|--help) sed -n '2,17p' "$0"; exit 0 ;;
	[0-9]*) rounds="$1"; shift ;;
	*) echo "crash.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
	esac
done

scripts/deps.sh build
if [ "$asan" = 1 ]; then
	build=${build:-build-crash-asan}
	cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Debug -DCREDLOG_SANITIZE=ON >/dev/null
	export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
	export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
else
	build=${build:-build-crash}
	cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
cmake --build "$build" --target logd test_crash -j"$(nproc)"

export LOGD_BIN="$PWD/$build/logd"
export CREDLOG_CRASH_ROUNDS="$rounds"
[ -n "$seed" ] && export CREDLOG_CRASH_SEED="$seed"
echo "== $rounds crash rounds ($build) =="
start=$(date +%s)
# The clients' "connection failed" lines are expected: logd was killed.
"$build/tests/test_crash" 2> >(grep -v 'POST failed: .*connection failed' >&2)
echo "== passed in $(( $(date +%s) - start )) s =="
