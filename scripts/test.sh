#!/usr/bin/env bash
# Runs every libwamp test from a fresh clone on a fresh Debian 12 machine (as root):
# installs what is missing, builds (release and ASan+UBSan), runs the unit, conformance and
# interop tests under ctest in both builds, and runs every libFuzzer target for a bounded time.
#   FUZZ_SECONDS  seconds per fuzz target (default 30; 0 skips fuzzing)
#   JOBS          parallel build/test jobs (default: number of cores)
set -euo pipefail
cd "$(dirname "$0")/.."
JOBS=${JOBS:-$(nproc)}
FUZZ_SECONDS=${FUZZ_SECONDS:-30}

scripts/deps.sh

echo "== release build"
cmake -S . -B build/release -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build/release -j "$JOBS"
echo "== release tests"
ctest --test-dir build/release --output-on-failure -j "$JOBS" --timeout 600

echo "== sanitizer build (ASan + UBSan)"
CC=gcc cmake -S . -B build/asan -DCMAKE_BUILD_TYPE=Debug -DWAMP_SANITIZE=ON -DWAMP_BUILD_BENCH=OFF >/dev/null
cmake --build build/asan -j "$JOBS"
echo "== sanitizer tests"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build/asan --output-on-failure -j "$JOBS" --timeout 900

if [ "$FUZZ_SECONDS" -gt 0 ]; then
  echo "== fuzzing (${FUZZ_SECONDS}s per target)"
  CC=clang cmake -S . -B build/fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DWAMP_FUZZ=ON \
    -DWAMP_BUILD_TESTS=OFF -DWAMP_BUILD_BENCH=OFF -DWAMP_BUILD_TOOLS=OFF -DWAMP_BUILD_EXAMPLES=OFF >/dev/null
  cmake --build build/fuzz -j "$JOBS"
  scripts/fuzz.sh build/fuzz "$FUZZ_SECONDS"
fi
echo "== all tests passed"
