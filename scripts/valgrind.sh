#!/usr/bin/env bash
# Runs the integration tests under valgrind memcheck: each test program (the
# client library, client/http.c and the proofs it links, and the tests'
# own code), every logd it starts and every credlog command it runs, each
# with --leak-check=full. Memory errors (invalid reads and writes, use of
# uninitialised values, bad frees) and definite or indirect leaks fail the
# run; so does a test that fails.
#
# Usage: scripts/valgrind.sh [--build-dir DIR] [test...]
#
#   test...         integration test names (test_logd_api, test_crash, ...);
#                   default: every tests/integration/test_*.c
#   --build-dir DIR a build without sanitizers (default build-valgrind; it is
#                   configured RelWithDebInfo and built here)
#
# Logs: DIR/valgrind/<test>.out (the test's output) and one
# DIR/valgrind/<program>.<pid>.log per process. Under valgrind the crash test
# runs $CREDLOG_CRASH_ROUNDS rounds (default 5 here), and test_faults skips
# its address space limit case (valgrind needs the address space).
# Takes several minutes: everything runs 20 to 50 times slower.
set -euo pipefail
cd "$(dirname "$0")/.."

build=build-valgrind
tests=()
while [ $# -gt 0 ]; do
	case "$1" in
	--build-dir) build="$2"; shift 2 ;;
	-h|--help) sed -n '2,21p' "$0"; exit 0 ;;
	-*) echo "valgrind.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
	*) tests+=("$1"); shift ;;
	esac
done

scripts/deps.sh build
if ! command -v valgrind >/dev/null 2>&1; then
	echo "valgrind.sh: installing valgrind" >&2
	if [ "$(id -u)" -eq 0 ]; then
		apt-get install -y valgrind >/dev/null
	else
		sudo apt-get install -y valgrind >/dev/null
	fi
fi
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCREDLOG_SANITIZE=OFF >/dev/null
if ! cmake --build "$build" -j"$(nproc)" >"$build/valgrind-build.log" 2>&1; then
	cat "$build/valgrind-build.log" >&2
	exit 1
fi

if [ ${#tests[@]} -eq 0 ]; then
	for src in tests/integration/test_*.c; do
		tests+=("$(basename "$src" .c)")
	done
fi

root=$PWD
logs="$root/$build/valgrind"
rm -rf "$logs"
mkdir -p "$logs/bin"

# Suppressions for known, harmless reports of the libraries themselves
# (none needed so far).
supp="$logs/credlog.supp"
echo "# valgrind suppressions for credlog (scripts/valgrind.sh)" >"$supp"

vg=(valgrind --leak-check=full --show-leak-kinds=definite,indirect,possible
	--errors-for-leak-kinds=definite,indirect --error-exitcode=97
	--num-callers=30 --suppressions="$supp")

# logd and credlog, wrapped: the tests run them by path ($LOGD_BIN,
# $CREDLOG_BIN); exec keeps the pid, so signals reach the program.
for prog in logd credlog; do
	cat >"$logs/bin/$prog" <<EOF
#!/bin/sh
exec ${vg[*]} --log-file=$logs/$prog.%p.log $root/$build/$prog "\$@"
EOF
	chmod +x "$logs/bin/$prog"
done

export LOGD_BIN="$logs/bin/logd"
export CREDLOG_BIN="$logs/bin/credlog"
export CREDLOG_TEST_DATA="$root/tests/data"
export CREDLOG_VALGRIND=1
export CREDLOG_CRASH_ROUNDS="${CREDLOG_CRASH_ROUNDS:-5}"

failed=0
printf '%-28s %-8s %6s\n' test result seconds
for t in "${tests[@]}"; do
	bin="$build/tests/$t"
	if [ ! -x "$bin" ]; then
		printf '%-28s %-8s\n' "$t" missing
		failed=1
		continue
	fi
	start=$(date +%s)
	if "${vg[@]}" --log-file="$logs/$t.%p.log" "$bin" >"$logs/$t.out" 2>&1; then
		result=ok
	else
		result="FAIL($?)"
		failed=1
	fi
	printf '%-28s %-8s %6s\n' "$t" "$result" "$(( $(date +%s) - start ))"
done

# Every process's report: errors and leaks, including logds that a test
# stopped and whose exit status it did not look at.
bad=$(grep -lE 'ERROR SUMMARY: [1-9]|definitely lost: [1-9]|indirectly lost: [1-9]' \
	"$logs"/*.log 2>/dev/null || true)
if [ -n "$bad" ]; then
	failed=1
	echo
	echo "valgrind found problems in:"
	for f in $bad; do
		echo "== $f"
		grep -E 'ERROR SUMMARY|definitely lost|indirectly lost|^==[0-9]+== (Invalid|Conditional|Use of|Syscall|Mismatched|Source and)' "$f" | head -20
	done
fi
# (A process killed with SIGKILL, or a test's child before it runs logd,
# leaves no summary.)
processes=$(grep -l 'ERROR SUMMARY' "$logs"/*.log 2>/dev/null | wc -l)
echo
if [ "$failed" -eq 0 ]; then
	echo "valgrind: clean ($processes processes checked; logs in $logs)"
else
	echo "valgrind: FAILED (logs in $logs)"
fi
exit "$failed"
