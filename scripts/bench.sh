#!/usr/bin/env bash
# Builds (Release) and runs every benchmark under bench/. Each prints its figures beside a
# reference measured in the same run (jansson, msgpack-c, libcbor, bare libuv TCP, Autobahn|Python,
# ...) and the ratio. Pass benchmark names to run only those (e.g. scripts/bench.sh bench_json).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh >&2
cmake -S . -B build/bench -DCMAKE_BUILD_TYPE=Release -DWAMP_BUILD_TESTS=OFF >/dev/null
cmake --build build/bench -j "$(nproc)" >&2
if [ $# -eq 0 ]; then
  set -- $(cd build/bench/bench && ls bench_* 2>/dev/null | sort)
fi
for b in "$@"; do
  echo "===== $b"
  (cd build/bench/bench && "./$b")
done
