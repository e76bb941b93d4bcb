#!/usr/bin/env bash
# credlog's benchmark (docs/performance.md): installs what is missing (wrk,
# nginx, lmdb-utils), builds an optimized logd and the programs in bench/,
# starts logd on 127.0.0.1 with a fresh data directory, measures, and prints
# one table: every figure is the median of several runs, next to its
# reference measured in the same run on this machine, and their ratio.
#
#   scripts/bench.sh            the table (about 6 minutes)
#   scripts/bench.sh --scale    growth: fills a log to 10 thousand, 1 million
#                               and 10 million entries with the bulk path
#                               (bench/bench_fill.c) and measures append and
#                               proof latency, storage and memory at each size
#                               (about 10 minutes on an idle machine, ~5 GB)
#
# Options: --runs N (3), --seconds S per wrk run (5), --keep (keep the
# temporary directory), --scale-points "10000 1000000 10000000",
# --scale-sign (bulk entries get real signatures; slower).
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
while [ $# -gt 0 ]; do
	case "$1" in
	--runs) runs=$2; shift ;;
	--seconds) wrk_seconds=$2; shift ;;
	--keep) keep=1 ;;
	--scale) mode=scale ;;
	--scale-points) scale_points=$2; shift ;;
	--scale-sign) scale_sign=1 ;;
	-h|--help) sed -n '2,22p' "$0"; exit 0 ;;
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
	bench_get bench_fill bench_map >/dev/null
bin=$root/$build
bb=$bin/bench

tmp=$(mktemp -d "${BENCH_TMP:-/tmp}/credlog-bench.XXXXXX")
chmod 755 "$tmp" # nginx's workers run as nobody
logd_pid=
nginx_pid=
rss_pid=
cleanup() {
	[ -n "$rss_pid" ] && kill "$rss_pid" 2>/dev/null || true
	[ -n "$logd_pid" ] && kill "$logd_pid" 2>/dev/null && wait "$logd_pid" 2>/dev/null || true
	if [ -n "$nginx_pid" ]; then
		kill "$nginx_pid" 2>/dev/null || true
		for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$nginx_pid" 2>/dev/null || break; sleep 0.2; done
	fi
	if [ "$keep" = 1 ]; then echo "kept $tmp" >&2; else rm -rf "$tmp"; fi
}
trap cleanup EXIT

say() { echo "-- $*" >&2; }
# kv KEY LINE: the value of KEY=value in a bench program's output line.
kv() { tr ' ' '\n' <<<"$2" | sed -n "s/^$1=//p"; }
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{v[NR]=$1} END {print (NR%2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2)}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", (b > 0 ? a / b : 0)}'; }
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
EOF
	exit 0
fi

# ==== the table ====
say "machine: $(machine_line)"
load_start=$(load1)
say "load average at start: $load_start (anything above ~0.3 means someone else is using the CPUs)"

# -- references: Ed25519 verify on all cores, LMDB durable puts --
say "reference: Ed25519 verify on $(nproc) threads, OpenSSL context reused (the library's ceiling) and as logd calls it ($runs x 2 x 3 s)"
v=(); vp=()
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

# -- appends --
start_logd
say "durable signed appends: $runs x 60000 presigned ISSUE, batches of 100, 8 clients"
a=()
b0=$(metric credlog_batch_entries_sum); c0=$(metric credlog_batch_entries_count)
: >"$tmp/issued"
for r in $(seq "$runs"); do
	cpu0=$(threads_cpu)
	out=$("$bb/bench_submit" --url "$url" --key "$tmp/issuer.key" --seed "$seed" \
		--first "$next_first" --count 60000 --batch 100 --clients 8 --issued-out "$tmp/issued")
	next_first=$((next_first + 60000))
	say "  $out"
	say "  $(cpu_split "$cpu0" "$(threads_cpu)" 60000)"
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

# -- submission latency, open loop --
say "submission latency: $runs x 5 s at 2000 single-entry requests/s (open loop, 64 clients, receipts verified)"
p50=(); p99=()
for _ in $(seq "$runs"); do
	cpu0=$(threads_cpu)
	out=$("$bb/bench_submit" --url "$url" --key "$tmp/issuer.key" --log-key "$tmp/log.vkey" \
		--seed "$seed" --first "$next_first" --rate 2000 --seconds 5 --clients 64) || true
	next_first=$((next_first + 10000))
	say "  $out"
	say "  $(cpu_split "$cpu0" "$(threads_cpu)" 10000)"
	p50+=("$(kv p50_ms "$out")"); p99+=("$(kv p99_ms "$out")")
done
lat50=$(echo "${p50[@]}" | median)
lat99=$(echo "${p99[@]}" | median)

# -- reads: wrk against logd and nginx --
size=$(checkpoint_size)
say "reads: log of $size entries; wrk -t2 -c64 keep-alive, $runs x ${wrk_seconds} s each, logd and nginx alternating"
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

# wrk_rate URL [PATHS]: requests/s of one wrk run (0 if any answer was not 2xx).
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
for k in inclusion status tile bundle; do
	x=(); y=()
	for _ in $(seq "$runs"); do
		x+=("$(wrk_rate "$url" "$tmp/p_$k")")
		y+=("$(wrk_rate "http://127.0.0.1:$nginx_port/$k")")
	done
	eval "read_$k=$(echo "${x[@]}" | median)"
	eval "nginx_$k=$(echo "${y[@]}" | median)"
	say "  $k: logd ${x[*]}  nginx ${y[*]}"
done
kill "$nginx_pid"; nginx_pid=

# -- storage and memory at this size --
size=$(checkpoint_size)
rss_kb=$(cat "$tmp/rss_max_kb")
stop_logd
fbytes=$(file_bytes)
lbytes=$(live_bytes)

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
load_end=$(load1)

# ==== print ====
met() { if awk -v a="$1" -v b="$2" 'BEGIN {exit !(a >= b)}'; then echo met; else echo MISSED; fi; }
le() { if awk -v a="$1" -v b="$2" 'BEGIN {exit !(a <= b)}'; then echo met; else echo MISSED; fi; }
kib() { echo "$1 B"; }
r_append_verify=$(ratio "$append_rate" "$verify_rate")
r_append_lmdb=$(ratio "$append_rate" "$lmdb_rate")
r_incl=$(ratio "$read_inclusion" "$nginx_inclusion")
r_status=$(ratio "$read_status" "$nginx_status")
r_tile=$(ratio "$read_tile" "$nginx_tile")
r_bundle=$(ratio "$read_bundle" "$nginx_bundle")
r_map=$(ratio "$map_crafted" "$map_normal")
bpe_file=$((fbytes / size))
bpe_live=$((lbytes / size))
rss_mib=$(awk -v k="$rss_kb" 'BEGIN {printf "%.1f", k / 1024}')
append_ok=$( [ "$(met "$append_rate" 10000)" = met ] && [ "$(met "$r_append_verify" 0.5)" = met ] && echo met || echo MISSED)

cat <<EOF

credlog benchmark, $(date -u '+%Y-%m-%d %H:%M UTC'), $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo ?)
$(machine_line)
load average: $load_start at start, $load_end at end; every figure is the median of $runs runs
logd: $build (Release -O2), default flags (--batch-max 4096 --batch-wait 5, $(nproc) HTTP threads)

| figure | credlog | reference (same run) | ratio | target | |
|---|---:|---|---:|---|---|
| durable signed appends/s (ISSUE, batches of 100, 8 clients) | $append_rate | Ed25519 verify/s, $(nproc) threads: $verify_rate | $r_append_verify | >= 10,000/s and >= 0.5 | $append_ok |
| | | LMDB durable puts/s, batches of $mean_batch: $lmdb_rate | $r_append_lmdb | | |
| | | (Ed25519 verify/s through proofs/ed25519.h: $verify_proofs; openssl speed -multi $(nproc) ed25519: $ossl_verify) | | | |
| submission latency at 2,000 req/s, P50 / P99 | $lat50 / $lat99 ms | | | P99 <= 50 ms | $(le "$lat99" 50) |
| inclusion proofs/s ($(kib "$bytes_inclusion")) | $read_inclusion | nginx, same size: $nginx_inclusion | $r_incl | >= 60,000/s | $(met "$read_inclusion" 60000) |
| status proofs/s ($(kib "$bytes_status")) | $read_status | nginx, same size: $nginx_status | $r_status | >= 0.5 | $(met "$r_status" 0.5) |
| full hash tiles/s ($(kib "$bytes_tile")) | $read_tile | nginx, same size: $nginx_tile | $r_tile | >= 0.9 | $(met "$r_tile" 0.9) |
| entry bundles/s ($(kib "$bytes_bundle")) | $read_bundle | nginx, same size: $nginx_bundle | $r_bundle | >= 0.9 | $(met "$r_bundle" 0.9) |
| map proof, crafted region (100,000 keys sharing 200 bits), median; credentials read per proof | $map_crafted us; $map_crafted_creds | ordinary key, same map: $map_normal us; $map_normal_creds | $r_map | no computed node reads > 9 credentials (most: $map_largest) | $(le "$map_largest" 9) |
| storage bytes/entry ($size entries) | $bpe_file (file), $bpe_live (live pages) | | | <= 400 | $(le "$bpe_file" 400) |
| logd RssAnon, max under load | $rss_mib MiB | | | <= 64 MiB | $(le "$rss_mib" 64) |
EOF
