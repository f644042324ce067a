#!/usr/bin/env bash
# Runs every built libFuzzer target for a bounded time on a copy of its seed corpus, as many
# targets at once as there are cores (JOBS). Fails when any target finds a crash, leak,
# undefined behaviour (WAMP_FUZZ builds use -fno-sanitize-recover=all; UBSAN_OPTIONS halts too)
# or timeout; the target's log tail is printed.
# usage: scripts/fuzz.sh BUILD_DIR SECONDS
set -euo pipefail
cd "$(dirname "$0")/.."
build=$1; secs=$2
JOBS=${JOBS:-$(nproc)}
results=$(mktemp -d)
# crash/leak/timeout inputs go here (not into the source tree)
export ARTIFACTS=$build/fuzz-artifacts
mkdir -p "$ARTIFACTS"
trap 'rm -rf "$results"' EXIT

run_one() { # bin secs results_dir
  local bin=$1 secs=$2 out=$3 name work
  name=$(basename "$bin"); name=${name#fuzz_}
  work=$(mktemp -d)
  [ -d "tests/fuzz/corpus/$name" ] && cp -r "tests/fuzz/corpus/$name/." "$work/"
  if ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 "$bin" -max_total_time="$secs" -max_len=65536 -timeout=10 \
       -rss_limit_mb=2048 -print_final_stats=0 -artifact_prefix="$ARTIFACTS/$name-" "$work" >"$out/$name.log" 2>&1; then
    echo "fuzz $name: ok ($(ls "$work" | wc -l) corpus entries)"
    touch "$out/$name.ok"
  else
    echo "fuzz $name: FAILED"; tail -40 "$out/$name.log"
  fi
  rm -rf "$work"
}
export -f run_one

bins=$(find "$build/tests/fuzz" -maxdepth 1 -name 'fuzz_*' -type f -perm -u+x | sort)
n=$(echo "$bins" | grep -c . || true)
echo "$bins" | xargs -r -P "$JOBS" -I{} bash -c 'run_one "$@"' _ {} "$secs" "$results"
ok=$(find "$results" -name '*.ok' | wc -l)
echo "fuzz: $ok passed, $((n - ok)) failed"
[ "$ok" -eq "$n" ] && [ "$n" -gt 0 ]
