#!/usr/bin/env bash
# Quick start, part one: install what is missing, build, and start logd with
# its embedded development defaults (data in ./var/dev, 127.0.0.1:8080).
# Extra arguments go to logd (for example --listen 127.0.0.1:9090).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh build
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)" --target logd credlog
exec build/logd --dev "$@"
