#!/usr/bin/env bash
# Quick start, part two: install what is missing, build warning-free, and run
# the whole test suite twice: an optimized build, then the same tests under
# AddressSanitizer + UndefinedBehaviorSanitizer.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh test
jobs=$(nproc)

echo "== formatting (.clang-format) =="
scripts/format.sh

werror=ON
echo "== build (Release, -Werror) =="
cmake -S . -B build-test -DCMAKE_BUILD_TYPE=Release -DCREDLOG_WERROR=$werror >/dev/null
cmake --build build-test -j"$jobs"
echo "== tests =="
ctest --test-dir build-test --output-on-failure -j"$jobs"

echo "== build (ASan + UBSan) =="
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DCREDLOG_WERROR=$werror -DCREDLOG_SANITIZE=ON >/dev/null
cmake --build build-asan -j"$jobs"
echo "== tests under ASan + UBSan =="
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	ctest --test-dir build-asan --output-on-failure -j"$jobs"
