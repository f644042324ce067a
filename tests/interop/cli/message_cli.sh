#!/usr/bin/env bash
# End-to-end test of `wamp message decode|encode`: every serializer (plain and batched) round-
# trips real messages, the binary side matches Autobahn|Python's serializer byte for byte,
# and invalid input fails with exit status 1 and a message naming the problem.
set -u
WAMP=$1
pass=0; fail=0
ok()   { pass=$((pass + 1)); }
bad()  { fail=$((fail + 1)); echo "FAIL: $*"; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

cat > "$tmp/msgs" <<'JSON'
[1,"realm1",{"roles":{"caller":{},"callee":{},"publisher":{},"subscriber":{}}}]
[48,7814135,{"timeout":1000,"receive_progress":true},"com.myapp.user.new",["johnny",-9223372036854775808,18446744073709551615,1.5,null,true],{"firstname":"John","surname":"Doe","b":"\u0000EOP/kFMHXFJvX8BtT+N82w=="}]
[36,5512315355,4429313566,{"publisher":123,"topic":"com.a.b"},["Hello, world! é中"]]
[8,68,6131533,{},"com.myapp.error.object_write_protected",["Object is write protected."],{"severity":3}]
[6,{"message":"bye"},"wamp.close.system_shutdown"]
JSON

for ser in json msgpack cbor ubjson; do
  # plain: each message alone
  while IFS= read -r line; do
    got=$(printf '%s\n' "$line" | "$WAMP" message encode --serializer "$ser" --hex | "$WAMP" message decode --serializer "$ser" --hex)
    [ "$got" = "$line" ] && ok || bad "$ser round trip: $line -> $got"
    # raw binary (no --hex) as well
    got=$(printf '%s\n' "$line" | "$WAMP" message encode --serializer "$ser" | "$WAMP" message decode --serializer "$ser")
    [ "$got" = "$line" ] && ok || bad "$ser binary round trip: $line"
  done < "$tmp/msgs"
  # batched: all messages in one batch
  got=$("$WAMP" message encode --serializer "$ser.batched" --hex < "$tmp/msgs" | "$WAMP" message decode --serializer "$ser.batched" --hex)
  [ "$got" = "$(cat "$tmp/msgs")" ] && ok || bad "$ser.batched round trip"
  # a plain serializer refuses two messages
  if "$WAMP" message encode --serializer "$ser" < "$tmp/msgs" >/dev/null 2>"$tmp/err"; then bad "$ser accepted a batch"; else
    grep -q "batched" "$tmp/err" && ok || bad "$ser batch refusal message: $(cat "$tmp/err")"; fi
done

# FlatBuffers (message-level codec, both schema generations) round-trips; an unsupported type in
# Autobahn 22.7.1's schema is a clear error.
for line in '[16,239714735,{"acknowledge":true,"exclude_me":false},"com.myapp.mytopic1",["x",1],{"a":2}]' \
            '[36,5512315355,4429313566,{"publisher":3,"topic":"com.a"},["Hello"]]'; do
  for schema in current autobahn-22; do
    got=$(printf '%s\n' "$line" | "$WAMP" message encode --serializer flatbuffers --fbs-schema "$schema" --hex | "$WAMP" message decode --serializer flatbuffers --fbs-schema "$schema" --hex)
    [ "$got" = "$line" ] && ok || bad "flatbuffers/$schema round trip: $line -> $got"
  done
done
line='[48,7814135,{"timeout":5},"com.myapp.user.new",["johnny"],{"firstname":"John"}]'
got=$(printf '%s\n' "$line" | "$WAMP" message encode --serializer flatbuffers --hex | "$WAMP" message decode --serializer flatbuffers --hex)
[ "$got" = "$line" ] && ok || bad "flatbuffers CALL round trip: $got"

# Byte-exact against Autobahn|Python's serializers (same messages, same bytes).
if /usr/bin/python3 -c 'import autobahn' 2>/dev/null; then
  /usr/bin/python3 - "$tmp/msgs" > "$tmp/ab" <<'PY'
import sys, json, txaio
txaio.use_asyncio()
from autobahn.wamp import serializer as S
from autobahn.wamp.serializer import JsonObjectSerializer
ser = {"json": S.JsonSerializer(), "msgpack": S.MsgPackSerializer(), "cbor": S.CBORSerializer(),
       "ubjson": S.UBJSONSerializer(), "json.batched": S.JsonSerializer(batched=True),
       "msgpack.batched": S.MsgPackSerializer(batched=True)}
lines = [l for l in open(sys.argv[1]).read().splitlines() if l]
for name, s in ser.items():
    for l in lines:
        lst = JsonObjectSerializer().unserialize(l.encode())[0]
        msg = s.MESSAGE_TYPE_MAP[lst[0]].parse(lst)
        payload, _ = s.serialize(msg)
        print(name, lines.index(l), payload.hex())
PY
  if [ -s "$tmp/ab" ]; then
    while read -r name idx hex; do
      line=$(sed -n "$((idx + 1))p" "$tmp/msgs")
      ours=$(printf '%s\n' "$line" | "$WAMP" message encode --serializer "$name" --hex)
      [ "$ours" = "$hex" ] && ok || bad "$name bytes differ from Autobahn for message $idx: ours $ours autobahn $hex"
      back=$(printf '%s\n' "$hex" | "$WAMP" message decode --serializer "$name" --hex)
      [ "$back" = "$line" ] && ok || bad "$name decode of Autobahn bytes for message $idx: $back"
    done < "$tmp/ab"
  else
    bad "Autobahn reference script produced nothing"
  fi
else
  bad "python3-autobahn missing"
fi

# Errors: exit status 1 and a clear message.
expect_err() { # stdin-text args... ; expects exit 1 and the pattern on stderr
  local input=$1 pattern=$2; shift 2
  local rc=0
  printf '%s' "$input" | "$WAMP" message "$@" >/dev/null 2>"$tmp/err" || rc=$?
  [ "$rc" -ne 0 ] || { bad "accepted: $input ($*)"; return; }
  [ "$rc" -eq 1 ] || { bad "exit $rc (want 1) for: $input ($*)"; return; }
  grep -q -- "$pattern" "$tmp/err" && ok || bad "stderr for '$input' lacks '$pattern': $(cat "$tmp/err")"
}
expect_err '[48,1,{"timeout":"x"},"a.b"]' 'CALL.Options.timeout' encode --serializer json
expect_err '[48,1,{},"a..b"]' 'invalid WAMP message' encode --serializer msgpack
expect_err '[48,1,{},"a.b"' 'invalid JSON' encode --serializer cbor
expect_err '[999,1]' 'invalid WAMP message' encode --serializer json
expect_err 'zz' 'invalid hex' decode --serializer msgpack --hex
expect_err '9330' 'WAMP_ETRUNCATED' decode --serializer msgpack --hex
expect_err '[48,0.5,{},"a.b"]' 'CALL.Request' decode --serializer json
expect_err '[1,"realm1",{}]' 'roles' decode --serializer json
expect_err '' 'no message' encode --serializer json
expect_err '[48,1,{},"a.b"]' 'not supported' encode --serializer flatbuffers --fbs-schema autobahn-22
expect_err '0000' 'cannot decode flatbuffers' decode --serializer flatbuffers --hex
# unknown serializer is a usage error (2)
printf '[]' | "$WAMP" message decode --serializer nope >/dev/null 2>&1; [ $? -eq 2 ] && ok || bad "unknown serializer exit status"
"$WAMP" --help | grep -q "message" && ok || bad "wamp --help"
"$WAMP" message --help | grep -q -- "--serializer" && ok || bad "wamp message --help"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
