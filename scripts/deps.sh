#!/usr/bin/env bash
# Installs the Debian 12 packages credlog needs that are not installed yet.
# Usage: scripts/deps.sh build|test|bench
set -euo pipefail

build_pkgs=(gcc cmake make pkg-config libevent-dev liblmdb-dev libjansson-dev libssl-dev)
# systemd: systemd-analyze for the package test (tests/package); lmdb-utils:
# mdb_copy for the backup test (tests/integration/test_backup.c).
test_pkgs=(openssl clang clang-format libclang-rt-14-dev golang-go golang-golang-x-mod-dev nginx systemd lmdb-utils)
# scripts/bench.sh: load generator, the static-file reference server, openssl
# speed, mdb_stat.
bench_pkgs=(wrk nginx openssl lmdb-utils)

want=("${build_pkgs[@]}")
case "${1:-build}" in
test) want+=("${test_pkgs[@]}") ;;
bench) want+=("${bench_pkgs[@]}") ;;
esac

missing=()
for p in "${want[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing+=("$p")
	fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

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
