#!/usr/bin/env bash
# The main job: installs what is missing, builds, and runs the program given (default: the
# `wamp` tool's help); arguments are passed on. Example: scripts/run.sh wamp message decode
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh >&2
cmake -S . -B build/release -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build/release -j "$(nproc)" >&2
prog=${1:-wamp}; [ $# -gt 0 ] && shift
if [ "$prog" = wamp ] && [ $# -eq 0 ]; then set -- --help; fi
exec "build/release/$prog" "$@"
