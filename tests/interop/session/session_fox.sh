#!/bin/bash
# Interop: libwamp's client session (the `wamp` CLI over the client runtime) against the
# fox-wamp router, with an Autobahn|Python peer on the other side. Everything on 127.0.0.1.
#   our register (echo)   <- Python calls it with args + kwargs
#   our subscribe         <- Python publishes
#   our call              -> Python's add2 (CallResult with kwargs)
#   our call (no callee)  -> wamp.error.no_such_procedure, exit 1
#   our publish (ack)     -> PUBLISHED
# Usage: session_fox.sh <wamp binary> <node_modules dir>
set -u
WAMP=$1
NODE_MODULES=$2
DIR=$(cd "$(dirname "$0")" && pwd)
if [ ! -d "$NODE_MODULES/fox-wamp" ]; then
    echo "SKIP: fox-wamp not installed in $NODE_MODULES (npm ci --ignore-scripts)"
    exit 77
fi
TMP=$(mktemp -d)
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
    wait 2>/dev/null
    rm -rf "$TMP"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; for f in "$TMP"/*; do echo "== $f"; cat "$f"; done; exit 1; }

# wait_for FILE TEXT: poll (up to 15 s) until FILE contains TEXT
wait_for() {
    for _ in $(seq 1 150); do
        grep -q "$2" "$1" 2>/dev/null && return 0
        sleep 0.1
    done
    fail "timed out waiting for '$2' in $1"
}

node "$DIR/fox_router.js" "$NODE_MODULES" > "$TMP/router.out" 2> "$TMP/router.err" &
PIDS+=($!)
for _ in $(seq 1 100); do [ -s "$TMP/router.out" ] && break; sleep 0.1; done
PORT=$(head -1 "$TMP/router.out")
[ -n "$PORT" ] || fail "router did not start"
URL="ws://127.0.0.1:$PORT/ws"

timeout 30 "$WAMP" register --url "$URL" --count 1 com.c.echo > "$TMP/reg.out" 2> "$TMP/reg.err" &
REG=$!
PIDS+=($REG)
timeout 30 "$WAMP" subscribe --url "$URL" --count 1 com.c.topic > "$TMP/sub.out" 2> "$TMP/sub.err" &
SUB=$!
PIDS+=($SUB)
wait_for "$TMP/reg.err" "register com.c.echo ready"
wait_for "$TMP/sub.err" "subscribe com.c.topic ready"

timeout 30 /usr/bin/python3 "$DIR/py_peer.py" "$URL" > "$TMP/py.out" 2>&1 &
PY=$!
PIDS+=($PY)
wait_for "$TMP/py.out" "READY"

OUT=$(timeout 10 "$WAMP" call --url "$URL" com.py.add2 2 3) || fail "call com.py.add2 failed"
[ "$OUT" = $'[5]\n{"op":"add"}' ] || fail "call result: $OUT"

wait "$PY" || fail "Autobahn peer failed"
wait "$REG" || fail "wamp register failed"
wait "$SUB" || fail "wamp subscribe failed"
[ "$(cat "$TMP/reg.out")" = $'[1,"x"]\n{"k":"v"}' ] || fail "invocation seen by register"
[ "$(cat "$TMP/sub.out")" = $'[7]\n{"k":"v"}' ] || fail "event seen by subscribe"

if timeout 10 "$WAMP" call --url "$URL" com.nobody > "$TMP/nocallee.out" 2> "$TMP/nocallee.err"; then
    fail "call without callee succeeded"
fi
grep -q "wamp.error.no_such_procedure" "$TMP/nocallee.err" || fail "no_such_procedure not reported"

timeout 10 "$WAMP" publish --url "$URL" --acknowledge com.c.topic 1 --kwargs '{"a":1}' \
    || fail "acknowledged publish failed"
echo "PASS"
