#!/usr/bin/env bash
# Fuzzes credlog's parsers with libFuzzer (clang -fsanitize=fuzzer,address,undefined).
#
# Usage: scripts/fuzz.sh [--time SECONDS] [--update-corpus] [--build-dir DIR]
#                        [--work-dir DIR] [--list] [target...] [-- libFuzzer flags...]
#
#   --time SECONDS    how long to fuzz each target (default 60)
#   --update-corpus   afterwards, merge the new inputs that add coverage into
#                     the repository's seed corpus tests/fuzz/corpus/<target>/
#                     (otherwise they stay in the work directory only)
#   --build-dir DIR   the clang build (default build-fuzz)
#   --work-dir DIR    where new inputs, crashes and logs go
#                     (default <build-dir>/fuzz-work/<target>/{corpus,crashes,log})
#   --list            print the target names and exit
#   target...         some of the targets (default: all), named as the
#                     corpora in tests/fuzz/corpus/ and the CTest tests fuzz/<target>
#   -- flags...       passed to every libFuzzer run (e.g. -- -fork=2 -dict=FILE)
#
# Each target runs in one process on one core, one after the other. The
# repository corpus is read as seeds and never written unless --update-corpus.
# Prints a table of executions, corpus size and result per target; exits 1 if
# any target crashed or broke an invariant (the input is in <work>/crashes/:
# reproduce with <build-dir>/tests/fuzz/fuzz_<target> FILE).
# docs/fuzzing.md describes the targets and their invariants.
set -euo pipefail
cd "$(dirname "$0")/.."

time_per=60
update=0
build=build-fuzz
work=
list=0
targets=()
extra=()
while [ $# -gt 0 ]; do
	case "$1" in
	--time) time_per="$2"; shift 2 ;;
	--time=*) time_per="${1#*=}"; shift ;;
	--update-corpus) update=1; shift ;;
	--build-dir) build="$2"; shift 2 ;;
	--work-dir) work="$2"; shift 2 ;;
	--list) list=1; shift ;;
	--) shift; extra=("$@"); break ;;
	-h|--help) sed -n '2,26p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	-*) echo "fuzz.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
	*) targets+=("$1"); shift ;;
	esac
done
case "$time_per" in
''|*[!0-9]*) echo "fuzz.sh: --time needs a number of seconds" >&2; exit 2 ;;
esac
[ -n "$work" ] || work="$build/fuzz-work"

all=()
for src in tests/fuzz/fuzz_*.c; do
	name=$(basename "$src" .c)
	name=${name#fuzz_}
	[ "$name" = support ] && continue
	all+=("$name")
done
if [ "$list" = 1 ]; then
	printf '%s\n' "${all[@]}"
	exit 0
fi
[ ${#targets[@]} -gt 0 ] || targets=("${all[@]}")
for t in "${targets[@]}"; do
	if [ ! -f "tests/fuzz/fuzz_$t.c" ]; then
		echo "fuzz.sh: no target '$t' (try --list)" >&2
		exit 2
	fi
done

if ! command -v clang >/dev/null 2>&1; then
	echo "fuzz.sh: clang is missing; run scripts/deps.sh test (Debian: clang libclang-rt-14-dev)" >&2
	exit 1
fi

echo "== build ($build: clang, libFuzzer + ASan + UBSan) =="
CC=clang cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCREDLOG_FUZZ=ON >/dev/null
bins=()
for t in "${targets[@]}"; do bins+=("fuzz_$t"); done
cmake --build "$build" -j2 --target "${bins[@]}"

summary=()
failed=0
for t in "${targets[@]}"; do
	bin="$build/tests/fuzz/fuzz_$t"
	if [ ! -x "$bin" ]; then
		echo "fuzz.sh: $bin was not built (its library is missing?)" >&2
		summary+=("$(printf '%-16s %12s %8s  %s' "$t" - - 'not built')")
		failed=1
		continue
	fi
	dir="$work/$t"
	mkdir -p "$dir/corpus" "$dir/crashes"
	seeds="tests/fuzz/corpus/$t"
	mkdir -p "$seeds"
	# A dictionary: tests/fuzz/dict/<target>.dict, else the one of its
	# group (the name up to the first "_": client, logd, note, tile, ...).
	dict=()
	for d in "tests/fuzz/dict/$t.dict" "tests/fuzz/dict/${t%%_*}.dict"; do
		if [ -f "$d" ]; then
			dict=("-dict=$d")
			break
		fi
	done
	echo "== fuzz $t for ${time_per}s (log: $dir/log) =="
	rc=0
	"$bin" -max_total_time="$time_per" -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$dir/crashes/" \
		${dict[@]+"${dict[@]}"} ${extra[@]+"${extra[@]}"} \
		"$dir/corpus" "$seeds" >"$dir/log" 2>&1 || rc=$?
	execs=$(grep -ho 'stat::number_of_executed_units: *[0-9]*' "$dir/log" | awk '{s += $2} END {print s + 0}')
	size=$(find "$dir/corpus" -type f | wc -l)
	if [ "$rc" -ne 0 ]; then
		result="FAILED (exit $rc): $(ls -t "$dir/crashes" | head -1)"
		failed=1
		grep -E 'ERROR|invariant failed|SUMMARY' "$dir/log" | head -5 >&2 || true
	else
		result=ok
	fi
	if [ "$update" = 1 ]; then
		before=$(find "$seeds" -type f | wc -l)
		"$bin" -merge=1 "$seeds" "$dir/corpus" >>"$dir/log" 2>&1
		after=$(find "$seeds" -type f | wc -l)
		result="$result, +$((after - before)) seeds"
	fi
	summary+=("$(printf '%-16s %12s %8s  %s' "$t" "$execs" "$size" "$result")")
done

echo
printf '%-16s %12s %8s  %s\n' target executions 'new ins' result
printf '%s\n' "${summary[@]}"
exit $failed
