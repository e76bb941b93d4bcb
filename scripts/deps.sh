#!/usr/bin/env bash
# Installs the Debian 12 packages credlog needs that are not installed yet,
# and for "test" and "bench" the browser tests' npm packages (tests/browser,
# npm ci).
# Usage: scripts/deps.sh build|test|bench
set -euo pipefail

# libp11-kit-dev: the PKCS#11 header (pkcs11.h) keystore/ is built against;
# no PKCS#11 library is linked (modules are dlopen()ed).
build_pkgs=(gcc cmake make pkg-config libevent-dev liblmdb-dev libjansson-dev libssl-dev libp11-kit-dev)
# systemd: systemd-analyze for the package test (tests/package); lmdb-utils:
# mdb_copy for the backup test (tests/integration/test_backup.c).
# chromium and fonts-liberation: the verification page's browser tests
# (tests/browser: playwright-core drives Debian's Chromium; without the
# fonts its screenshots lose their glyphs). softhsm2 and opensc
# (pkcs11-tool): the token of tests/integration/test_pkcs11.c, which fails
# (never skips) without them.
test_pkgs=(openssl clang clang-format libclang-rt-14-dev golang-go golang-golang-x-mod-dev nginx systemd lmdb-utils
	chromium fonts-liberation softhsm2 opensc)
# scripts/bench.sh: load generator, the static-file reference server, openssl
# speed, mdb_stat; Go and x/mod for the reference tlog server
# (bench/go/tlogref); Chromium (and the browser tests' npm packages) for the
# page's time to a verdict (bench/page.js).
bench_pkgs=(wrk nginx openssl lmdb-utils golang-go golang-golang-x-mod-dev chromium fonts-liberation)

want=("${build_pkgs[@]}")
case "${1:-build}" in
test) want+=("${test_pkgs[@]}") ;;
bench) want+=("${bench_pkgs[@]}") ;;
esac

# The browser tests' packages, pinned by tests/browser/package-lock.json
# (playwright-core 1.64.x matches Debian 12's Chromium 156; it needs Node 20
# or later, which Debian 12's own nodejs, 18, is not).
browser_deps() {
	local dir
	dir="$(cd "$(dirname "$0")/.." && pwd)/tests/browser"
	if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
		echo "credlog: the browser tests need Node.js 20 or later with npm; none found" >&2
		exit 1
	fi
	if [ "$(node -p 'process.versions.node.split(".")[0]')" -lt 20 ]; then
		echo "credlog: the browser tests need Node.js 20 or later, not $(node --version)" >&2
		exit 1
	fi
	if ! cmp -s "$dir/package-lock.json" "$dir/node_modules/.credlog-lock" 2>/dev/null; then
		echo "credlog: installing the browser tests' npm packages (npm ci in tests/browser)" >&2
		(cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
		cp "$dir/package-lock.json" "$dir/node_modules/.credlog-lock"
	fi
}

missing=()
for p in "${want[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing+=("$p")
	fi
done
if [ ${#missing[@]} -eq 0 ]; then
	case "${1:-build}" in test | bench) browser_deps ;; esac
	exit 0
fi

echo "credlog: installing missing Debian packages: ${missing[*]}" >&2
if [ "$(id -u)" -eq 0 ]; then
	SUDO=()
elif command -v sudo >/dev/null 2>&1; then
	SUDO=(sudo)
else
	echo "credlog: not root and no sudo; as root run: apt-get install ${missing[*]}" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -qq
"${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
case "${1:-build}" in test | bench) browser_deps ;; esac
exit 0
