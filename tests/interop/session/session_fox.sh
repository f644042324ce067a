#!/bin/bash
# Interop: libwamp's client session (the `wamp` CLI over the client runtime) against the
# fox-wamp router, with Autobahn|Python and AutobahnJS peers on the other side. Everything on
# 127.0.0.1.
#   our register (echo)   <- Python calls it with args + kwargs
#   our subscribe         <- Python publishes
#   our call              -> Python's add2 (CallResult with kwargs)
#   our call (no callee)  -> wamp.error.no_such_procedure, exit 1
#   our publish (ack)     -> PUBLISHED
# and with AutobahnJS (ajs_peer.js, which also asserts the fox-wamp deviations it meets):
#   our register (echo2, echo3) <- AutobahnJS calls them (RESULT kwargs null: a deviation)
#   our subscribe (topic2)      <- AutobahnJS publishes
#   our call                    -> AutobahnJS's com.ajs.mul (RESULT kwargs null: refused)
#                                  and com.ajs.mulkw; com.ajs.fail's error URI comes
#                                  back rewritten to wamp.error.callee_failure (a deviation)
#   our publish                 -> AutobahnJS subscriber, and its fox-style pattern com.ajs.*.w
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

# ---------------------------------------------------------------- AutobahnJS peer
timeout 30 "$WAMP" register --url "$URL" --count 1 com.c.echo2 > "$TMP/reg2.out" 2> "$TMP/reg2.err" &
REG2=$!
PIDS+=($REG2)
timeout 30 "$WAMP" register --url "$URL" --count 1 com.c.echo3 > "$TMP/reg3.out" 2> "$TMP/reg3.err" &
REG3=$!
PIDS+=($REG3)
timeout 30 "$WAMP" subscribe --url "$URL" --count 1 com.c.topic2 > "$TMP/sub2.out" 2> "$TMP/sub2.err" &
SUB2=$!
PIDS+=($SUB2)
wait_for "$TMP/reg2.err" "register com.c.echo2 ready"
wait_for "$TMP/reg3.err" "register com.c.echo3 ready"
wait_for "$TMP/sub2.err" "subscribe com.c.topic2 ready"
timeout 60 node "$DIR/ajs_peer.js" "$NODE_MODULES" "$URL" > "$TMP/ajs.out" 2>&1 &
AJS=$!
PIDS+=($AJS)
wait_for "$TMP/ajs.out" "READY"

# fox-wamp deviation: AutobahnJS yields args only, fox-wamp's RESULT then carries
# ArgumentsKw null, which our client (like Autobahn|Python's parser) refuses as a protocol
# violation
if timeout 10 "$WAMP" call --url "$URL" com.ajs.mul 6 7 > "$TMP/mul.out" 2> "$TMP/mul.err"; then
    fail "RESULT with null kwargs accepted (fox-wamp or our parser changed): $(cat "$TMP/mul.out")"
fi
grep -q "RESULT.ArgumentsKw: expected dict, got null" "$TMP/mul.err" || fail "null kwargs in RESULT not reported"
# with kwargs in the YIELD, the RESULT is well-formed
OUT=$(timeout 10 "$WAMP" call --url "$URL" com.ajs.mulkw 6 7) || fail "call com.ajs.mulkw failed"
[ "$OUT" = $'[42]\n{"op":"mul"}' ] || fail "com.ajs.mulkw result: $OUT"
# fox-wamp deviation: the callee's error URI (com.ajs.error.custom) is rewritten to
# wamp.error.callee_failure, the original URI becoming args[0]
if timeout 10 "$WAMP" call --url "$URL" com.ajs.fail > "$TMP/fail.out" 2> "$TMP/fail.err"; then
    fail "call com.ajs.fail succeeded"
fi
grep -q "wamp.error.callee_failure" "$TMP/fail.err" || fail "callee error not rewritten as observed before"
grep -q "com.ajs.error.custom" "$TMP/fail.err" "$TMP/fail.out" || fail "original error URI not in the error args"

timeout 10 "$WAMP" publish --url "$URL" --acknowledge com.ajs.topic 5 --kwargs '{"a":2}' \
    || fail "publish to AutobahnJS failed"
timeout 10 "$WAMP" publish --url "$URL" --acknowledge com.ajs.q.w 9 || fail "publish com.ajs.q.w failed"

wait "$AJS" || fail "AutobahnJS peer failed"
wait "$REG2" || fail "wamp register com.c.echo2 failed"
wait "$REG3" || fail "wamp register com.c.echo3 failed"
wait "$SUB2" || fail "wamp subscribe com.c.topic2 failed"
[ "$(cat "$TMP/reg2.out")" = $'[6,"y"]\n{"z":1}' ] || fail "invocation seen by register echo2"
[ "$(cat "$TMP/reg3.out")" = '[7]' ] || fail "invocation seen by register echo3"
[ "$(cat "$TMP/sub2.out")" = $'[8]\n{"k":"w"}' ] || fail "event seen by subscribe topic2"
cat "$TMP/ajs.out"
echo "PASS"
