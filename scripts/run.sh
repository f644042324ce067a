#!/usr/bin/env bash
# The main job: installs what is missing, builds, and runs the router daemon `wampd` with its
# embedded default configuration (realm1, anonymous, WebSocket at ws://127.0.0.1:8080/ws and
# RawSocket on the same port). Arguments are passed on; a first argument naming another built
# program runs that instead, e.g. `scripts/run.sh wamp --help` or `scripts/run.sh wampd --config f.json`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh >&2
cmake -S . -B build/release -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build/release -j "$(nproc)" >&2
prog=wampd
if [ $# -gt 0 ] && [ -x "build/release/$1" ]; then prog=$1; shift; fi
exec "build/release/$prog" "$@"
