#!/usr/bin/env bash
# Checks (default) or fixes (--fix) the formatting of every tracked and new C
# file against the repository's .clang-format. Exit 1 lists the files that
# differ. Usage: scripts/format.sh [--fix]
set -euo pipefail
cd "$(dirname "$0")/.."
fmt=$(command -v clang-format-14 || command -v clang-format || true)
if [ -z "$fmt" ]; then
	echo "format.sh: clang-format not found (scripts/deps.sh test installs it)" >&2
	exit 1
fi
mapfile -t files < <(git ls-files --cached --others --exclude-standard -- '*.c' '*.h')
if [ "${1:-}" = "--fix" ]; then
	"$fmt" -i --style=file "${files[@]}"
	exit 0
fi
bad=()
for f in "${files[@]}"; do
	[ -f "$f" ] || continue
	"$fmt" --style=file "$f" | cmp -s - "$f" || bad+=("$f")
done
if [ ${#bad[@]} -gt 0 ]; then
	echo "format.sh: ${#bad[@]} file(s) differ from .clang-format (scripts/format.sh --fix):" >&2
	printf '  %s\n' "${bad[@]}" >&2
	exit 1
fi
echo "format: ${#files[@]} C files match .clang-format"
