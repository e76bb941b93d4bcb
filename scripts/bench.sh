#!/usr/bin/env bash
# credlog's benchmark (docs/performance.md): installs what is missing (wrk,
# nginx, lmdb-utils), builds an optimized logd and the programs in bench/,
# starts logd on 127.0.0.1 with a fresh data directory, measures, and prints
# one table: every figure is the median of several runs, next to its
# reference measured in the same run on this machine, and their ratio.
#
#   scripts/bench.sh            the table of issue 16's targets (about 10
#                               minutes on an idle machine)
#   scripts/bench.sh --scale    growth: fills a log to 10 thousand, 1 million
#                               and 10 million entries with the bulk path
#                               (bench/bench_fill.c) and measures append and
#                               proof latency, storage and memory at each size
#                               (about 10 minutes on an idle machine, ~5 GB)
#
# Options: --runs N (3), --seconds S per wrk run (5), --keep (keep the
# temporary directory), --scale-points "10000 1000000 10000000",
# --scale-sign (bulk entries get real signatures; slower), --rate R (the
# open-loop submission rate, 5000), --page-runs N (20), --monitor-entries N
# (entries a monitor catch-up replays, 50000), --quorum-samples N (40),
# --only LIST: only these rows, comma-separated, of latency, e2e, reads,
# page, monitor, replica, witness, push, map (the references and the appends,
# which fill the log, always run; the others print "-"), --append-count N
# (submissions per append run, 60000).
# Environment: BENCH_TMP (parent of the temporary directory; default /tmp),
# BENCH_BUILD (build directory; default build-bench).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

runs=3
wrk_seconds=5
keep=0
mode=table
scale_points="10000 1000000 10000000"
scale_sign=0
lat_rate=5000
page_runs=20
mon_entries=50000
quorum_samples=40
append_count=60000
only=
while [ $# -gt 0 ]; do
	case "$1" in
	--runs) runs=$2; shift ;;
	--seconds) wrk_seconds=$2; shift ;;
	--keep) keep=1 ;;
	--scale) mode=scale ;;
	--scale-points) scale_points=$2; shift ;;
	--scale-sign) scale_sign=1 ;;
	--rate) lat_rate=$2; shift ;;
	--page-runs) page_runs=$2; shift ;;
	--monitor-entries) mon_entries=$2; shift ;;
	--quorum-samples) quorum_samples=$2; shift ;;
	--only) only=$2; shift ;;
	--append-count) append_count=$2; shift ;;
	-h|--help) sed -n '2,26p' "$0"; exit 0 ;;
	*) echo "bench.sh: unknown option $1" >&2; exit 2 ;;
	esac
	shift
done

scripts/deps.sh bench
build=${BENCH_BUILD:-build-bench}
echo "== build ($build: Release, -O2) ==" >&2
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DCMAKE_C_FLAGS_RELEASE="-O2 -DNDEBUG" \
	-DCREDLOG_BENCH=ON >/dev/null
cmake --build "$build" -j2 --target logd credlog bench_verify bench_lmdb bench_submit \
	bench_get bench_fill bench_map bench_witness bench_quorum >/dev/null
bin=$root/$build
bb=$bin/bench
# The Go reference tlog server, offline in GOPATH mode against Debian's
# golang-golang-x-mod-dev (as tests/support/gotool.c builds the interop
# checkers).
gobin=$bin/go/tlogref
if [ "$mode" = table ]; then
	mkdir -p "$bin/go"
	(cd "$root/bench/go/tlogref" && GO111MODULE=off GOPATH="/usr/share/gocode:$bin/go/gopath" \
		GOCACHE="$bin/go/cache" GOFLAGS="" GOPROXY=off GOENV=off GOTOOLCHAIN=local go build -o "$gobin" .)
fi

tmp=$(mktemp -d "${BENCH_TMP:-/tmp}/credlog-bench.XXXXXX")
chmod 755 "$tmp" # nginx's workers run as nobody
logd_pid=
nginx_pid=
rss_pid=
tlogref_pid=
replica_pid=
wit_pids=()
cleanup() {
	[ -n "$rss_pid" ] && kill "$rss_pid" 2>/dev/null || true
	for p in $tlogref_pid $replica_pid "${wit_pids[@]}"; do kill "$p" 2>/dev/null || true; done
	[ -n "$logd_pid" ] && kill "$logd_pid" 2>/dev/null && wait "$logd_pid" 2>/dev/null || true
	if [ -n "$nginx_pid" ]; then
		kill "$nginx_pid" 2>/dev/null || true
		for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$nginx_pid" 2>/dev/null || break; sleep 0.2; done
	fi
	if [ "$keep" = 1 ]; then echo "kept $tmp" >&2; else rm -rf "$tmp"; fi
}
trap cleanup EXIT

say() { echo "-- $*" >&2; }
# want ROW: whether --only lets ROW run.
want() { [ -z "$only" ] || [[ ",$only," == *",$1,"* ]]; }
# kv KEY LINE: the value of KEY=value in a bench program's output line.
kv() { tr ' ' '\n' <<<"$2" | sed -n "s/^$1=//p"; }
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{v[NR]=$1} END {print (NR%2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2)}'; }
ratio() { [ "$1" = - ] || [ "$2" = - ] && { echo -; return; }; awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", (b > 0 ? a / b : 0)}'; }
load1() { cut -d' ' -f1 /proc/loadavg; }

# ---- keys, logd ----
"$bin/credlog" keygen --name bench-log.example --out "$tmp/log" >/dev/null
"$bin/credlog" keygen --name bench-issuer.example --out "$tmp/issuer" >/dev/null
cp "$tmp/issuer.vkey" "$tmp/issuers"

start_logd() {
	rm -f "$tmp/port"
	"$bin/logd" --data "$tmp/data" --listen 127.0.0.1:0 --key "$tmp/log.key" \
		--issuers "$tmp/issuers" --port-file "$tmp/port" "$@" 2>>"$tmp/logd.log" &
	logd_pid=$!
	for _ in $(seq 100); do [ -s "$tmp/port" ] && break; sleep 0.1; done
	[ -s "$tmp/port" ] || { cat "$tmp/logd.log" >&2; echo "bench.sh: logd did not start" >&2; exit 1; }
	url=http://127.0.0.1:$(cat "$tmp/port")
	# logd's anonymous memory (heap, stacks: not LMDB's file-backed map),
	# sampled while it runs; the largest value ends up in $tmp/rss_max_kb.
	echo 0 >"$tmp/rss_max_kb"
	(
		max=0
		while kill -0 "$logd_pid" 2>/dev/null; do
			v=$(awk '/^RssAnon:/ {print $2}' "/proc/$logd_pid/status" 2>/dev/null || echo 0)
			if [ "${v:-0}" -gt "$max" ]; then max=$v; echo "$max" >"$tmp/rss_max_kb"; fi
			sleep 0.2
		done
	) &
	rss_pid=$!
}
stop_logd() {
	kill "$logd_pid"
	wait "$logd_pid" || true
	logd_pid=
	wait "$rss_pid" 2>/dev/null || true
	rss_pid=
}
checkpoint_size() { "$bb/bench_get" --url "$url" --print /checkpoint | sed -n 2p; }
metric() { "$bb/bench_get" --url "$url" --print /metrics | awk -v m="$1" '$1 == m {printf "%d", $2}'; }
# threads_cpu: "TID:NAME:ticks" of each logd thread (utime + stime; logd
# names its threads logd-seq, logd-http, logd-verify).
threads_cpu() {
	for t in /proc/"$logd_pid"/task/*; do
		awk -v t="${t##*/}" -v n="$(tr -d ' ' <"$t/comm")" '{sub(/^.*\) /, ""); print t ":" n ":" $12 + $13}' "$t/stat"
	done | tr '\n' ' '
}
# cpu_split BEFORE AFTER ENTRIES: logd's CPU microseconds per entry, in total
# and by thread name.
cpu_split() {
	awk -v before="$1" -v after="$2" -v n="$3" -v hz="$(getconf CLK_TCK)" 'BEGIN {
		split(before, b, " "); for (i in b) { split(b[i], f, ":"); t0[f[1]] = f[3] }
		k = split(after, a, " ")
		for (i = 1; i <= k; i++) {
			split(a[i], f, ":"); name = f[2]; sub(/^logd-?/, "", name); if (name == "") name = "main"
			if (!(name in d)) order[++m] = name
			d[name] += f[3] - t0[f[1]]
		}
		tot = 0; s = ""
		for (i = 1; i <= m; i++) { us = d[order[i]] / hz * 1e6 / n; tot += us; s = s sprintf(" %s=%.0f", order[i], us) }
		printf "logd CPU us/entry: total=%.0f%s", tot, s
	}'
}
file_bytes() { stat -c %s "$tmp/data/data.mdb"; }
live_bytes() { # pages in use minus free pages, times the page size
	mdb_stat -ef "$tmp/data" | awk '/Page size:/ {ps=$3} /Number of pages used:/ {u=$5} /Free pages:/ {f=$3} END {printf "%.0f\n", (u-f)*ps}'
}

# tile_path L N: C2SP tile path for level L (or "entries") and index N.
tile_path() {
	awk -v l="$1" -v n="$2" 'BEGIN {
		s = ""; do { g[k++] = n % 1000; n = int(n / 1000) } while (n > 0)
		for (i = k - 1; i > 0; i--) s = s sprintf("x%03d/", g[i])
		printf "/tile/%s/%s%03d\n", l, s, g[0] }'
}

machine_line() {
	local cpu
	cpu=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
	echo "$(nproc) CPUs ($cpu), $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), kernel $(uname -r)"
}

seed=$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')
next_first=0 # credentials of $seed used so far

# ==== growth (--scale) ====
if [ "$mode" = scale ]; then
	load_start=$(load1)
	say "machine: $(machine_line); load average at start $load_start"
	mkdir -p "$tmp/data"
	filled=0 # bench credentials 0..filled-1 of $seed are in the log
	sign_flag=--no-sign
	[ "$scale_sign" = 1 ] && sign_flag="--sign-threads 2"
	rows=""
	for point in $scale_points; do
		if [ "$point" -gt "$filled" ]; then
			say "filling to $point bench entries (bulk path: bench_fill $sign_flag)"
			out=$("$bb/bench_fill" --data "$tmp/data" --key "$tmp/log.key" --issuers "$tmp/issuers" \
				--issuer-key "$tmp/issuer.key" --seed "$seed" --first "$filled" \
				--count $((point - filled)) $sign_flag)
			say "  $out"
			filled=$point
		fi
		start_logd
		size=$(checkpoint_size)
		fbytes=$(file_bytes)
		lbytes=$(live_bytes)
		# Proof latency first, at the filled size: one connection, one request
		# at a time, random indexes and credentials over the whole log.
		for i in $(shuf -i 0-$((size - 1)) -n 5000); do
			echo "/v1/proof/inclusion?index=$i&size=$size"
		done >"$tmp/p_inclusion"
		i50=(); i99=(); s50=(); s99=(); a50=(); a99=()
		for _ in $(seq "$runs"); do
			out=$("$bb/bench_get" --url "$url" --paths "$tmp/p_inclusion" --count 3000)
			i50+=("$(kv p50_us "$out")"); i99+=("$(kv p99_us "$out")")
			out=$("$bb/bench_get" --url "$url" --creds "$seed:$filled" --count 3000)
			s50+=("$(kv p50_us "$out")"); s99+=("$(kv p99_us "$out")")
		done
		# Then append latency: 2,000 single-entry requests/s for 3 s.
		for _ in $(seq "$runs"); do
			out=$("$bb/bench_submit" --url "$url" --key "$tmp/issuer.key" --log-key "$tmp/log.vkey" \
				--seed "$((seed + 1))" --first "$next_first" --rate 2000 --seconds 3 --clients 64) || true
			next_first=$((next_first + 6000))
			say "  $out"
			a50+=("$(kv p50_ms "$out")"); a99+=("$(kv p99_ms "$out")")
		done
		rss_kb=$(cat "$tmp/rss_max_kb")
		stop_logd
		g_i=$(echo "${i50[@]}" | median); g_s=$(echo "${s50[@]}" | median)
		if [ -z "${g_first:-}" ]; then g_first=$size; g_i0=$g_i; g_s0=$g_s; fi
		g_last=$size; g_i1=$g_i; g_s1=$g_s
		row=$(printf '| %s | %s / %s | %s / %s | %s / %s | %s | %s | %.1f |' "$size" \
			"$(echo "${a50[@]}" | median)" "$(echo "${a99[@]}" | median)" \
			"$(echo "${i50[@]}" | median)" "$(echo "${i99[@]}" | median)" \
			"$(echo "${s50[@]}" | median)" "$(echo "${s99[@]}" | median)" \
			$((fbytes / size)) $((lbytes / size)) "$(awk -v k="$rss_kb" 'BEGIN {print k / 1024}')")
		say "$row"
		rows="$rows$row
"
	done
	cat <<EOF

credlog growth benchmark, $(date -u '+%Y-%m-%d %H:%M UTC'), $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo ?)
$(machine_line)
load average: $load_start at start, $(load1) at end; latencies are medians of $runs runs
filled with bench_fill $sign_flag; proofs: one connection, one request at a time, random over the log

| entries | append latency P50 / P99 (ms, 2,000 req/s) | inclusion proof P50 / P99 (us) | status proof P50 / P99 (us) | storage bytes/entry (file) | (live pages) | logd RssAnon max (MiB) |
|---:|---|---|---|---:|---:|---:|
${rows}
targets: proof latency at 10M <= 1.3 x at 10k; <= 400 bytes/entry; RssAnon <= 64 MiB

| path | at $g_last entries (P50) | at $g_first entries (P50) | ratio | target | |
|---|---:|---:|---:|---|---|
| inclusion proof latency | $g_i1 us | $g_i0 us | $(ratio "$g_i1" "$g_i0") | <= 1.3 x | $(awk -v r="$(ratio "$g_i1" "$g_i0")" 'BEGIN {print (r <= 1.3 ? "met" : "MISSED")}') |
| status proof latency | $g_s1 us | $g_s0 us | $(ratio "$g_s1" "$g_s0") | <= 1.3 x | $(awk -v r="$(ratio "$g_s1" "$g_s0")" 'BEGIN {print (r <= 1.3 ? "met" : "MISSED")}') |
EOF
	exit 0
fi

# ==== the table ====
# Every figure is "-" until measured (--only leaves some so).
for v in lat50 lat99 e2e_rate goref_inclusion page_ms mon_rate replica_rate wit_rate wit_p99 \
	quorum50 quorum99 quorum50_fast quorum99_fast map_normal map_crafted map_normal_creds \
	map_crafted_creds map_largest; do
	eval "$v=-"
done
for k in inclusion status tile bundle; do eval "read_$k=- nginx_$k=- bytes_$k=- cpu_read_$k=- cpu_nginx_$k=-"; done
say "machine: $(machine_line)"
load_start=$(load1)
say "load average at start: $load_start (anything above ~0.3 means someone else is using the CPUs)"
export XDG_CONFIG_HOME=$tmp/xdg # credlog's pinned log keys
log_vkey=$(cat "$tmp/log.vkey")

# -- references: Ed25519 on all cores and on one --
say "reference: Ed25519 verify on $(nproc) threads, OpenSSL context reused (the library's ceiling) and as logd calls it ($runs x 2 x 3 s)"
v=(); vp=(); sv=()
for _ in $(seq "$runs"); do
	v+=("$(kv verify_per_s "$("$bb/bench_verify" --threads "$(nproc)" --seconds 3 --mode openssl)")")
	vp+=("$(kv verify_per_s "$("$bb/bench_verify" --threads "$(nproc)" --seconds 3 --mode proofs)")")
done
verify_rate=$(echo "${v[@]}" | median)
verify_proofs=$(echo "${vp[@]}" | median)
say "  openssl mode ${v[*]}; proofs/ed25519.h ${vp[*]}"
ossl_verify=$(openssl speed -seconds 2 -multi "$(nproc)" ed25519 2>/dev/null |
	awk '/^ *253 bits EdDSA \(Ed25519\)/ {print $NF}' | tail -1)
ossl_verify=${ossl_verify:-?}
say "reference: Ed25519 sign + verify pairs on 1 thread, through proofs/ed25519.h ($runs x 3 s)"
for _ in $(seq "$runs"); do
	sv+=("$(kv verify_per_s "$("$bb/bench_verify" --threads 1 --seconds 3 --mode signverify)")")
done
signverify_rate=$(echo "${sv[@]}" | median)
say "  ${sv[*]}"

# -- appends --
start_logd
say "durable signed appends: $runs x $append_count presigned ISSUE, batches of 100, 8 clients"
a=()
b0=$(metric credlog_batch_entries_sum); c0=$(metric credlog_batch_entries_count)
: >"$tmp/issued"
for r in $(seq "$runs"); do
	cpu0=$(threads_cpu)
	out=$("$bb/bench_submit" --url "$url" --key "$tmp/issuer.key" --seed "$seed" \
		--first "$next_first" --count "$append_count" --batch 100 --clients 8 --issued-out "$tmp/issued")
	next_first=$((next_first + append_count))
	say "  $out"
	say "  $(cpu_split "$cpu0" "$(threads_cpu)" "$append_count")"
	[ "$(kv errors "$out")" = 0 ] || { echo "bench.sh: appends: errors (above)" >&2; exit 1; }
	a+=("$(kv entries_per_s "$out")")
done
append_rate=$(echo "${a[@]}" | median)
b1=$(metric credlog_batch_entries_sum); c1=$(metric credlog_batch_entries_count)
mean_batch=$(awk -v s=$((b1 - b0)) -v c=$((c1 - c0)) 'BEGIN {printf "%d", (c > 0 ? s / c : 100)}')

say "reference: LMDB durable puts, batches of $mean_batch (logd's mean batch) of 124-byte values ($runs x 3 s)"
l=()
for _ in $(seq "$runs"); do
	mkdir -p "$tmp/lmdb" && rm -f "$tmp/lmdb"/*
	l+=("$(kv puts_per_s "$("$bb/bench_lmdb" --dir "$tmp/lmdb" --batch "$mean_batch" --value-size 124 --seconds 3)")")
done
rm -rf "$tmp/lmdb"
lmdb_rate=$(echo "${l[@]}" | median)

if want latency; then
# -- submission latency, open loop --
say "submission latency: $runs x 5 s at $lat_rate single-entry requests/s (open loop, 64 clients, receipts verified)"
p50=(); p99=()
for _ in $(seq "$runs"); do
	cpu0=$(threads_cpu)
	out=$("$bb/bench_submit" --url "$url" --key "$tmp/issuer.key" --log-key "$tmp/log.vkey" \
		--seed "$seed" --first "$next_first" --rate "$lat_rate" --seconds 5 --clients 64) || true
	next_first=$((next_first + 5 * lat_rate + 64))
	say "  $out"
	say "  $(cpu_split "$cpu0" "$(threads_cpu)" $((5 * lat_rate)))"
	p50+=("$(kv p50_ms "$out")"); p99+=("$(kv p99_ms "$out")")
done
lat50=$(echo "${p50[@]}" | median)
lat99=$(echo "${p99[@]}" | median)

fi

if want e2e; then
# -- end to end: credlog issue --hash, 4 at once --
# keys N: N random 32-byte keys, hex, one a line.
keys() { head -c $((32 * $1)) /dev/urandom | od -An -v -tx1 | tr -d ' \n' | fold -w64; }
say "end to end: $runs x 4 concurrent 'credlog issue --hash' of 1,000 keys each (credlog verifies every receipt)"
e=()
for _ in $(seq "$runs"); do
	for c in 1 2 3 4; do keys 1000 >"$tmp/e2e_keys.$c"; done
	t0=$(date +%s.%N)
	pids=()
	for c in 1 2 3 4; do
		# shellcheck disable=SC2046 # one argument per key
		"$bin/credlog" issue --log "$url" --log-key "$log_vkey" --key "$tmp/issuer.key" \
			--hash $(cat "$tmp/e2e_keys.$c") >"$tmp/e2e_out.$c" 2>"$tmp/e2e_err.$c" &
		pids+=($!)
	done
	for p in "${pids[@]}"; do wait "$p" || { cat "$tmp"/e2e_err.* >&2; echo "bench.sh: credlog issue failed" >&2; exit 1; }; done
	t1=$(date +%s.%N)
	n=$(cat "$tmp"/e2e_out.* | grep -c '^{')
	[ "$n" = 4000 ] || { echo "bench.sh: credlog issue printed $n receipts, not 4000" >&2; exit 1; }
	e+=("$(awk -v n="$n" -v a="$t0" -v b="$t1" 'BEGIN {printf "%.0f", n / (b - a)}')")
done
e2e_rate=$(echo "${e[@]}" | median)
say "  entries/s ${e[*]}"

fi

if want reads; then
# -- reads: wrk against logd, nginx and the Go reference --
size=$(checkpoint_size)
say "reads: log of $size entries; wrk -t2 -c64 keep-alive, $runs x ${wrk_seconds} s each, logd and the references alternating"
for i in $(shuf -i 0-$((size - 1)) -n 5000); do echo "/v1/proof/inclusion?index=$i&size=$size"; done >"$tmp/p_inclusion"
shuf -n 5000 "$tmp/issued" | sed 's|^|/v1/status/|' >"$tmp/p_status"
for i in $(shuf -i 0-$((size / 256 - 1)) -n 1000); do tile_path 0 "$i"; done >"$tmp/p_tile"
for i in $(shuf -i 0-$((size / 256 - 1)) -n 1000); do tile_path entries "$i"; done >"$tmp/p_bundle"

mkdir -p "$tmp/www"
for k in inclusion status tile bundle; do
	out=$("$bb/bench_get" --url "$url" --paths "$tmp/p_$k" --count 500 --warmup 0)
	bytes=$(kv bytes "$out")
	eval "bytes_$k=$bytes"
	head -c "$bytes" /dev/urandom >"$tmp/www/$k"
done
chmod -R a+rX "$tmp/www"
nginx_port=$(( ($(cat "$tmp/port") % 20000) + 30000 ))
cat >"$tmp/nginx.conf" <<EOF
worker_processes 2;
pid $tmp/nginx.pid;
error_log $tmp/nginx.err warn;
events { worker_connections 4096; }
http {
	access_log off;
	sendfile on;
	tcp_nopush on;
	tcp_nodelay on;
	keepalive_timeout 65;
	keepalive_requests 100000000;
	default_type application/octet-stream;
	client_body_temp_path $tmp/nginx-body;
	proxy_temp_path $tmp/nginx-proxy;
	fastcgi_temp_path $tmp/nginx-fastcgi;
	uwsgi_temp_path $tmp/nginx-uwsgi;
	scgi_temp_path $tmp/nginx-scgi;
	server {
		listen 127.0.0.1:$nginx_port;
		root $tmp/www;
	}
}
EOF
nginx -c "$tmp/nginx.conf" -p "$tmp" -e "$tmp/nginx.err" 2>>"$tmp/nginx.err" ||
	{ cat "$tmp/nginx.err" >&2; echo "bench.sh: nginx did not start" >&2; exit 1; }
for _ in $(seq 50); do [ -s "$tmp/nginx.pid" ] && break; sleep 0.1; done
nginx_pid=$(cat "$tmp/nginx.pid")

# The Go reference tlog server (bench/go/tlogref), on logd's own tree.
say "reference: bench/go/tlogref (golang.org/x/mod/sumdb/tlog, in memory), loading logd's $size leaf hashes"
rm -f "$tmp/tlogref.port"
"$gobin" -log "$url" -size "$size" -listen 127.0.0.1:0 -port-file "$tmp/tlogref.port" 2>"$tmp/tlogref.log" &
tlogref_pid=$!
for _ in $(seq 600); do [ -s "$tmp/tlogref.port" ] && break; kill -0 "$tlogref_pid" 2>/dev/null || break; sleep 0.1; done
[ -s "$tmp/tlogref.port" ] || { cat "$tmp/tlogref.log" >&2; echo "bench.sh: tlogref did not start" >&2; exit 1; }
goref=http://127.0.0.1:$(cat "$tmp/tlogref.port")
# A reference that answers differently measures nothing: same bytes or stop.
for p in $(head -3 "$tmp/p_inclusion"); do
	cmp -s <("$bb/bench_get" --url "$url" --print "$p") <("$bb/bench_get" --url "$goref" --print "$p") ||
		{ echo "bench.sh: tlogref and logd answer $p differently" >&2; exit 1; }
done

# proc_ticks PID...: CPU clock ticks (utime + stime) of all the threads of
# these processes so far.
proc_ticks() {
	local p
	for p in "$@"; do cat /proc/"$p"/task/*/stat 2>/dev/null; done |
		awk '{sub(/^.*\) /, ""); t += $12 + $13} END {printf "%d", t}'
}
# wrk_rate URL [PATHS]: requests/s of one wrk run (0 if any answer was not
# 2xx).
wrk_rate() {
	local out
	if [ $# -gt 1 ]; then
		out=$(wrk -t2 -c64 -d"${wrk_seconds}s" -s "$root/bench/wrk_paths.lua" "$1" -- "$2")
	else
		out=$(wrk -t2 -c64 -d"${wrk_seconds}s" "$1")
	fi
	if grep -q 'Non-2xx\|Socket errors' <<<"$out"; then
		echo "bench.sh: wrk $1: $(grep 'Non-2xx\|Socket errors' <<<"$out")" >&2
	fi
	if grep -q 'Non-2xx' <<<"$out"; then echo 0; return; fi
	awk '/^Requests\/sec:/ {printf "%.0f", $2}' <<<"$out"
}
# wrk_cpu URL [PATHS]: wrk_rate into $wrk_rps, and the requests per
# CPU-second the processes $cpu_pids spent serving them into $wrk_per_cpu:
# on a shared machine the rate moves with the others' load, the CPU cost of
# a request much less.
wrk_cpu() {
	local t0 t1
	# shellcheck disable=SC2086 # one argument per process
	t0=$(proc_ticks $cpu_pids)
	wrk_rps=$(wrk_rate "$@")
	# shellcheck disable=SC2086
	t1=$(proc_ticks $cpu_pids)
	wrk_per_cpu=$(awk -v n="$wrk_rps" -v s="$wrk_seconds" -v t=$((t1 - t0)) \
		-v hz="$(getconf CLK_TCK)" 'BEGIN {printf "%.0f", (t > 0 ? n * s / (t / hz) : 0)}')
}
nginx_pids="$nginx_pid $(pgrep -P "$nginx_pid" | tr '\n' ' ')"
for k in inclusion status tile bundle; do
	x=(); y=(); z=(); xc=(); yc=()
	for _ in $(seq "$runs"); do
		cpu_pids=$logd_pid
		wrk_cpu "$url" "$tmp/p_$k"
		x+=("$wrk_rps"); xc+=("$wrk_per_cpu")
		cpu_pids=$nginx_pids
		wrk_cpu "http://127.0.0.1:$nginx_port/$k"
		y+=("$wrk_rps"); yc+=("$wrk_per_cpu")
		[ "$k" = inclusion ] && z+=("$(wrk_rate "$goref" "$tmp/p_$k")")
	done
	eval "read_$k=$(echo "${x[@]}" | median)"
	eval "nginx_$k=$(echo "${y[@]}" | median)"
	eval "cpu_read_$k=$(echo "${xc[@]}" | median)"
	eval "cpu_nginx_$k=$(echo "${yc[@]}" | median)"
	[ "$k" = inclusion ] && goref_inclusion=$(echo "${z[@]}" | median)
	say "  $k: logd ${x[*]}  nginx ${y[*]}${z:+  tlogref ${z[*]}}"
	say "  $k per CPU-second: logd ${xc[*]}  nginx ${yc[*]} (load $(load1))"
done
kill "$nginx_pid"; nginx_pid=
kill "$tlogref_pid"; wait "$tlogref_pid" 2>/dev/null || true; tlogref_pid=

fi

if want page; then
# -- the verification page: drop a holder's bundle, time to the verdict --
say "the page: $page_runs drops of a credlog-bundle/v1 in headless Chromium (a new context each)"
printf '{"@context":["https://www.w3.org/ns/credentials/v2"],"type":["VerifiableCredential"],"issuer":"did:web:bench-issuer.example","credentialSubject":{"name":"Bench Holder %s"}}\n' "$seed" >"$tmp/cred.json"
"$bin/credlog" issue --log "$url" --log-key "$log_vkey" --key "$tmp/issuer.key" "$tmp/cred.json" >/dev/null ||
	{ echo "bench.sh: credlog issue of the page's credential failed" >&2; exit 1; }
"$bin/credlog" bundle "$tmp/cred.json" --out "$tmp/cred.credlog" --log-key "$log_vkey" >/dev/null ||
	{ echo "bench.sh: credlog bundle failed" >&2; exit 1; }
if out=$(NODE_PATH=$root/tests/browser/node_modules node "$root/bench/page.js" "$url" "$tmp/cred.credlog" "$page_runs" 2>"$tmp/page.err"); then
	page_ms=$(kv median_ms "$out")
	say "  $out"
else
	cat "$tmp/page.err" >&2
	echo "bench.sh: the page benchmark failed" >&2; exit 1
fi

fi

if want monitor; then
# -- catch-up: credlog monitor from an empty state; a replica --
size=$(checkpoint_size)
say "monitor catch-up: $runs x credlog monitor --once --max-entries $mon_entries from an empty state (log of $size entries)"
m=()
for _ in $(seq "$runs"); do
	rm -rf "$tmp/mon"
	t0=$(date +%s.%N)
	out=$("$bin/credlog" monitor --log "$url" --log-key "$log_vkey" --state "$tmp/mon" --once \
		--max-entries "$mon_entries" --json) || { echo "$out" >&2; echo "bench.sh: credlog monitor failed" >&2; exit 1; }
	t1=$(date +%s.%N)
	n=$(sed -n 's/^ *"checked": *\([0-9]*\).*/\1/p' <<<"$out" | head -1)
	m+=("$(awk -v n="${n:-0}" -v a="$t0" -v b="$t1" 'BEGIN {printf "%.0f", n / (b - a)}')")
	say "  $n entries in $(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.2f", b - a}') s"
done
rm -rf "$tmp/mon"
mon_rate=$(echo "${m[@]}" | median)

fi

want replica && replica_rate="not built"
if want replica && "$bin/logd" --help 2>&1 | grep -q -- '--replica-of'; then
	say "replica catch-up: logd --replica-of from an empty data directory to the primary's $size entries"
	rm -f "$tmp/replica.port"
	t0=$(date +%s.%N)
	"$bin/logd" --replica-of "$url" --log-key "$log_vkey" --data "$tmp/replica" --listen 127.0.0.1:0 \
		--port-file "$tmp/replica.port" 2>"$tmp/replica.log" &
	replica_pid=$!
	replica_rate="did not catch up in 300 s"
	while [ "$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN {print (b - a < 300)}')" = 1 ] && kill -0 "$replica_pid" 2>/dev/null; do
		if [ -s "$tmp/replica.port" ] &&
			rs=$("$bb/bench_get" --url "http://127.0.0.1:$(cat "$tmp/replica.port")" --print /checkpoint 2>/dev/null | sed -n 2p) &&
			[ "${rs:-0}" -ge "$size" ]; then
			t1=$(date +%s.%N)
			replica_rate=$(awk -v n="$size" -v a="$t0" -v b="$t1" 'BEGIN {printf "%.0f", n / (b - a)}')
			break
		fi
		sleep 0.1
	done
	kill -0 "$replica_pid" 2>/dev/null || { replica_rate="exited (see below)"; tail -5 "$tmp/replica.log" >&2; }
	kill "$replica_pid" 2>/dev/null || true
	wait "$replica_pid" 2>/dev/null || true
	replica_pid=
	say "  $replica_rate"
fi

# -- storage and memory at this size --
size=$(checkpoint_size)
rss_kb=$(cat "$tmp/rss_max_kb")
stop_logd
fbytes=$(file_bytes)
lbytes=$(live_bytes)

# -- witnesses --
# start_witness NAME LOGS: a credlog witness with a fresh data directory,
# following the logs in the logs/v0 file LOGS; wit_url NAME is its URL.
start_witness() {
	rm -rf "$tmp/w-$1" && mkdir -p "$tmp/w-$1/data"
	[ -s "$tmp/w-$1.key" ] || "$bin/credlog" keygen --cosigner --name "bench-$1.example" --out "$tmp/w-$1" >/dev/null
	"$bin/credlog" witness --key "$tmp/w-$1.key" --logs "$2" --data "$tmp/w-$1/data" \
		--listen 127.0.0.1:0 --port-file "$tmp/w-$1/port" >/dev/null 2>>"$tmp/w-$1.log" &
	wit_pids+=($!)
	for _ in $(seq 100); do [ -s "$tmp/w-$1/port" ] && break; sleep 0.1; done
	[ -s "$tmp/w-$1/port" ] || { cat "$tmp/w-$1.log" >&2; echo "bench.sh: the witness did not start" >&2; exit 1; }
}
wit_url() { echo "http://127.0.0.1:$(cat "$tmp/w-$1/port")"; }
stop_witnesses() {
	for p in "${wit_pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
	wit_pids=()
}

if want witness; then
say "witness: $runs x 5 s of add-checkpoint from 4 logs (bench/bench_witness: one connection each, requests signed beforehand)"
echo logs/v0 >"$tmp/wlogs.txt"
for i in 0 1 2 3; do
	"$bin/credlog" keygen --name "bench-wlog-$i.example" --out "$tmp/wlog$i" >/dev/null
	printf 'vkey %s\nqpd 2147483647\n' "$(cat "$tmp/wlog$i.vkey")" >>"$tmp/wlogs.txt"
done
wr=(); wp=()
for _ in $(seq "$runs"); do
	start_witness load "$tmp/wlogs.txt"
	out=$("$bb/bench_witness" --url "$(wit_url load)" --key-prefix "$tmp/wlog" --clients 4 --count 8000 --seconds 5)
	stop_witnesses
	say "  $out"
	wr+=("$(kv cosign_per_s "$out")"); wp+=("$(kv p99_ms "$out")")
done
wit_rate=$(echo "${wr[@]}" | median)
wit_p99=$(echo "${wp[@]}" | median)

fi

if want push; then
# -- logd's push to 3 witnesses: checkpoint to quorum --
say "push: logd --witness-policy with 3 witnesses on loopback, quorum 2 of 3; $quorum_samples single submissions, each until GET /checkpoint serves a cosigned checkpoint covering it"
printf 'logs/v0\nvkey %s\nqpd 2147483647\n' "$log_vkey" >"$tmp/plogs.txt"
for w in w1 w2 w3; do start_witness "$w" "$tmp/plogs.txt"; done
{
	echo "log $log_vkey"
	echo "witness w1 $(cat "$tmp/w-w1.vkey") $(wit_url w1)/"
	echo "witness w2 $(cat "$tmp/w-w2.vkey") $(wit_url w2)/"
	echo "witness w3 $(cat "$tmp/w-w3.vkey") $(wit_url w3)/"
	echo "group two-of-three 2 w1 w2 w3"
	echo "quorum two-of-three"
} >"$tmp/policy.txt"
# quorum_run [LOGD FLAGS]: q50 and q99, bench_quorum's P50 and P99 over
# $quorum_samples samples (one run: a sample takes up to an interval),
# logd started with the policy and the flags.
quorum_run() {
	start_logd --witness-policy "$tmp/policy.txt" "$@"
	out=$("$bb/bench_quorum" --url "$url" --key "$tmp/issuer.key" --log-key "$tmp/log.vkey" \
		--seed "$seed" --first "$next_first" --count "$quorum_samples")
	next_first=$((next_first + quorum_samples))
	say "  ${*:-default flags}: $out"
	stop_logd
	q50=$(kv p50_ms "$out")
	q99=$(kv p99_ms "$out")
}
quorum_run
quorum50=$q50; quorum99=$q99
quorum_run --witness-interval 10ms
quorum50_fast=$q50; quorum99_fast=$q99
stop_witnesses

fi

if want map; then
# -- the map for crafted keys (issue 10, item 13) --
say "map proofs: $runs x bench_map, 100,000 random keys + 100,000 keys sharing their first 200 bits (logd's store, fresh directory)"
mn=(); mc=(); cn=(); cc=(); ml=()
for r in $(seq "$runs"); do
	rm -rf "$tmp/map" && mkdir -p "$tmp/map"
	out=$("$bb/bench_map" --dir "$tmp/map" --seed "$((seed + r))")
	say "  $out"
	mn+=("$(kv normal_proof_us "$out")"); mc+=("$(kv crafted_proof_us "$out")")
	cn+=("$(kv normal_creds "$out")"); cc+=("$(kv crafted_creds "$out")")
	ml+=("$(kv largest "$out")")
done
rm -rf "$tmp/map"
map_normal=$(echo "${mn[@]}" | median)
map_crafted=$(echo "${mc[@]}" | median)
map_normal_creds=$(echo "${cn[@]}" | median)
map_crafted_creds=$(echo "${cc[@]}" | median)
map_largest=$(echo "${ml[@]}" | tr ' ' '\n' | sort -g | tail -1)
fi

load_end=$(load1)

# ==== print ====
# met/le A B: met if A >= B (A <= B), "-" if A was not measured.
met() { [ "$1" = - ] && { echo -; return; }; if awk -v a="$1" -v b="$2" 'BEGIN {exit !(a >= b)}'; then echo met; else echo MISSED; fi; }
le() { [ "$1" = - ] && { echo -; return; }; if awk -v a="$1" -v b="$2" 'BEGIN {exit !(a <= b)}'; then echo met; else echo MISSED; fi; }
kib() { echo "$1 B"; }
num() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.0f", a * b}'; }
r_append_verify=$(ratio "$append_rate" "$verify_rate")
r_append_lmdb=$(ratio "$append_rate" "$lmdb_rate")
r_incl=$(ratio "$read_inclusion" "$goref_inclusion")
r_incl_nginx=$(ratio "$read_inclusion" "$nginx_inclusion")
r_status=$(ratio "$read_status" "$nginx_status")
r_tile=$(ratio "$read_tile" "$nginx_tile")
r_bundle=$(ratio "$read_bundle" "$nginx_bundle")
r_mon=$(ratio "$mon_rate" "$verify_rate")
r_wit=$(ratio "$wit_rate" "$signverify_rate")
r_map=$(ratio "$map_crafted" "$map_normal")
if [[ $replica_rate =~ ^[0-9]+$ ]]; then
	replica_cell="$replica_rate"; r_replica=$(ratio "$replica_rate" "$verify_rate"); replica_ok=$(met "$r_replica" 0.8)
elif [ "$replica_rate" = - ]; then
	replica_cell=-; r_replica=-; replica_ok=-
else
	replica_cell="$replica_rate"; r_replica=; replica_ok="MISSED ($replica_rate)"
fi
bpe_file=$((fbytes / size))
bpe_live=$((lbytes / size))
rss_mib=$(awk -v k="$rss_kb" 'BEGIN {printf "%.1f", k / 1024}')
wit_ok=$( [ "$wit_rate" = - ] && echo - || { [ "$(met "$r_wit" 0.8)" = met ] && [ "$(le "$wit_p99" 5)" = met ] && echo met || echo MISSED; })

cat <<EOF

credlog benchmark, $(date -u '+%Y-%m-%d %H:%M UTC'), $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo ?)
$(machine_line)
load average: $load_start at start, $load_end at end; figures are medians of $runs runs (push: P50/P99 of $quorum_samples samples; page: median of $page_runs drops)${only:+; only: $only (- not run)}
logd: $build (Release -O2), default flags (--batch-max 4096 --batch-wait 5, $(nproc) HTTP threads)

| path | credlog | reference (same run) | ratio | target | |
|---|---:|---|---:|---|---|
| durable signed appends/s (pre-signed ISSUE, batches of 100, 8 clients) | $append_rate | Ed25519 verify/s, $(nproc) threads: $verify_rate | $r_append_verify | >= 0.65 x verify ($(num "$verify_rate" 0.65)/s) | $(met "$r_append_verify" 0.65) |
| | | LMDB durable puts/s, batches of $mean_batch: $lmdb_rate | $r_append_lmdb | | |
| | | (Ed25519 verify/s through proofs/ed25519.h: $verify_proofs; openssl speed -multi $(nproc) ed25519: $ossl_verify) | | | |
| end to end: 4 concurrent \`credlog issue --hash\` of 1,000 keys, receipts verified, entries/s | $e2e_rate | | | >= 10,000/s | $(met "$e2e_rate" 10000) |
| submission latency, open loop at $lat_rate single-entry requests/s, P50 / P99 | $lat50 / $lat99 ms | | | P99 <= 10 ms at 5,000/s | $( [ "$lat_rate" -ge 5000 ] && le "$lat99" 10 || echo "MISSED (rate)") |
| inclusion proofs/s ($(kib "$bytes_inclusion")) | $read_inclusion | Go tlog server (x/mod/sumdb/tlog, in memory), same answers: $goref_inclusion | $r_incl | >= 1.5 x Go | $(met "$r_incl" 1.5) |
| | | nginx, same size: $nginx_inclusion | $r_incl_nginx | | |
| status proofs/s ($(kib "$bytes_status")) | $read_status | nginx, same size: $nginx_status | $r_status | >= 0.8 x nginx | $(met "$r_status" 0.8) |
| (per CPU-second) | $cpu_read_status | nginx: $cpu_nginx_status | $(ratio "$cpu_read_status" "$cpu_nginx_status") | | |
| full hash tiles/s ($(kib "$bytes_tile")) | $read_tile | nginx, same size: $nginx_tile | $r_tile | >= 0.95 x nginx | $(met "$r_tile" 0.95) |
| (per CPU-second) | $cpu_read_tile | nginx: $cpu_nginx_tile | $(ratio "$cpu_read_tile" "$cpu_nginx_tile") | | |
| entry bundles/s ($(kib "$bytes_bundle")) | $read_bundle | nginx, same size: $nginx_bundle | $r_bundle | >= 0.95 x nginx | $(met "$r_bundle" 0.95) |
| (per CPU-second) | $cpu_read_bundle | nginx: $cpu_nginx_bundle | $(ratio "$cpu_read_bundle" "$cpu_nginx_bundle") | | |
| proof latency at 10 M entries vs 10 k (inclusion, status) | scripts/bench.sh --scale | the same at 10 k | | <= 1.3 x | --scale |
| credlog monitor catch-up from empty, entries/s ($mon_entries entries) | $mon_rate | Ed25519 verify/s, $(nproc) threads: $verify_rate | $r_mon | >= 0.8 x verify | $(met "$r_mon" 0.8) |
| replica catch-up (logd --replica-of) from empty, entries/s | $replica_cell | Ed25519 verify/s, $(nproc) threads: $verify_rate | $r_replica | >= 0.8 x verify | $replica_ok |
| witness: credlog witness add-checkpoint/s (4 logs, 1 connection each); P99 | $wit_rate; P99 $wit_p99 ms | Ed25519 sign+verify/s, 1 thread: $signverify_rate | $r_wit | >= 0.8 x sign+verify; P99 <= 5 ms | $wit_ok |
| logd push to 3 witnesses (quorum 2 of 3), checkpoint to quorum P50 / P99, default flags | $quorum50 / $quorum99 ms | | | P99 <= 20 ms | $(le "$quorum99" 20) |
| | (with --witness-interval 10ms: $quorum50_fast / $quorum99_fast ms) | | | | |
| the verification page: drop of a bundle to verdict, headless Chromium, median of $page_runs | $page_ms ms | | | <= 200 ms | $(le "$page_ms" 200) |
| map proof, crafted region (100,000 keys sharing 200 bits), median; credentials read per proof | $map_crafted us; $map_crafted_creds | ordinary key, same map: $map_normal us; $map_normal_creds | $r_map | no computed node reads > 9 credentials (most: $map_largest) | $(le "$map_largest" 9) |
| storage bytes/entry ($size entries) | $bpe_file (file), $bpe_live (live pages) | | | <= 400 | $(le "$bpe_file" 400) |
| logd RssAnon, max under load | $rss_mib MiB | | | <= 64 MiB | $(le "$rss_mib" 64) |
EOF
