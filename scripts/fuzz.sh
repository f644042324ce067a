#!/usr/bin/env bash
# Runs every built libFuzzer target for a bounded time on a copy of its seed corpus.
# usage: scripts/fuzz.sh BUILD_DIR SECONDS
set -euo pipefail
cd "$(dirname "$0")/.."
build=$1; secs=$2
fails=0; n=0
for bin in "$build"/tests/fuzz/fuzz_*; do
  [ -x "$bin" ] || continue
  name=$(basename "$bin"); name=${name#fuzz_}
  work=$(mktemp -d)
  [ -d "tests/fuzz/corpus/$name" ] && cp -r "tests/fuzz/corpus/$name/." "$work/"
  n=$((n + 1))
  if ASAN_OPTIONS=detect_leaks=1 "$bin" -max_total_time="$secs" -max_len=65536 -timeout=10 \
       -rss_limit_mb=2048 -print_final_stats=0 "$work" >"$work.log" 2>&1; then
    echo "fuzz $name: ok ($(ls "$work" | wc -l) corpus entries)"
  else
    echo "fuzz $name: FAILED"; tail -40 "$work.log"; fails=$((fails + 1))
  fi
  rm -rf "$work" "$work.log"
done
echo "fuzz: $((n - fails)) passed, $fails failed"
[ "$fails" -eq 0 ]
