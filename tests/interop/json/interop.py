#!/usr/bin/python3
"""JSON byte compatibility between libwamp and Autobahn|Python's JSON serializer.

usage: interop.py <json_peer>

1. Random values and WAMP messages serialized by Autobahn (JsonObjectSerializer /
   JsonSerializer: json.dumps with separators (',', ':'), ensure_ascii=False, bytes as
   "\\u0000" + base64) are decoded and re-encoded by libwamp: the bytes must be identical, and
   Autobahn must read libwamp's output back to the same value.
2. The same values written by Python's json with ASCII escapes and spaces (json.dumps defaults)
   decode in libwamp to the same value: libwamp then writes Autobahn's compact bytes.
3. Documents Python's json rejects (and RFC 8259 forbids) are rejected by libwamp too.
"""
import json
import math
import random
import subprocess
import sys

import txaio
txaio.use_asyncio()

from autobahn.wamp import message, role  # noqa: E402
from autobahn.wamp.serializer import JsonObjectSerializer, JsonSerializer  # noqa: E402

PEER = sys.argv[1]
failures = 0


def fail(what):
    global failures
    failures += 1
    if failures < 20:
        print("FAIL:", what)


def rand_str(r):
    alphabet = "ab \"\\/\b\f\n\r\t\x01\x1f\x7f\u00e9\u2028\u20ac\U0001F600\x00."
    s = "".join(r.choice(alphabet) for _ in range(r.choice([0, 1, 2, 5, 40, 300])))
    return "x" + s if s.startswith("\x00") else s  # a leading NUL means bytes


def rand_float(r):
    x = r.choice([0.0, -0.0, 1.0, 0.1, 1e16, 1e15, 1e-5, 5e-324, 1.7976931348623157e308,
                  r.random() * 10 ** r.randrange(-320, 300), r.uniform(-1e9, 1e9),
                  round(r.uniform(-1e4, 1e4), r.randrange(6)), float(r.randrange(-2**53, 2**53))])
    return x if math.isfinite(x) else 0.5


def rand_value(r, depth=0):
    k = r.randrange(10 if depth < 4 else 7)
    if k == 0:
        return None
    if k == 1:
        return r.random() < 0.5
    if k == 2:
        return r.randrange(-2**63, 2**64) >> r.randrange(64)
    if k == 3:
        return rand_float(r)
    if k == 4:
        return rand_str(r)
    if k == 5:
        return bytes(r.randrange(256) for _ in range(r.choice([0, 1, 2, 3, 16, 255, 1000])))
    if k == 6:
        return r.choice([0, -1, 2**53, 2**63 - 1, 2**63, 2**64 - 1, -2**63])
    if k in (7, 8):
        return [rand_value(r, depth + 1) for _ in range(r.randrange(6))]
    return {rand_str(r)[:8] + str(i): rand_value(r, depth + 1) for i in range(r.randrange(6))}


def echo(payloads):
    p = subprocess.run([PEER, "echo"], input="".join(x.hex() + "\n" for x in payloads),
                       capture_output=True, text=True, check=True)
    out = p.stdout.splitlines()
    if len(out) != len(payloads):
        fail("%d answers for %d payloads" % (len(out), len(payloads)))
        return [""] * len(payloads)
    return out


ser = JsonObjectSerializer()
r = random.Random(20251125)

# 1. random values: Autobahn bytes -> libwamp -> identical bytes -> Autobahn reads them back
values = [rand_value(r) for _ in range(3000)]
payloads = [ser.serialize(v) for v in values]
for v, data, back in zip(values, payloads, echo(payloads)):
    if back != data.hex():
        fail("value: sent %s got %s" % (data[:200], back[:400]))
        continue
    if ser.unserialize(bytes.fromhex(back))[0] != v:
        fail("autobahn reads back a different value for %s" % data[:200])

# 1b. WAMP messages through Autobahn's JsonSerializer
msgs = [
    message.Hello("realm1", {"caller": role.RoleCallerFeatures(),
                             "publisher": role.RolePublisherFeatures(),
                             "subscriber": role.RoleSubscriberFeatures()},
                  authmethods=["anonymous", "ticket"], authid="joe", authextra={"x": 1}),
    message.Welcome(9129137332, {"broker": role.RoleBrokerFeatures()}, authid="joe",
                    authrole="user", authmethod="ticket"),
    message.Publish(123, "com.myapp.topic1", args=[1, "hello", b"\x00\xff", 3.5, None],
                    kwargs={"a": [1, 2, {"b": True}]}, acknowledge=True),
    message.Call(2 ** 53, "com.myapp.proc", args=[2 ** 63, -2 ** 63, 1e-310, 0.1],
                 kwargs={"\u00e9": "\U0001F600"}, timeout=1000),
    message.Event(5512315355, 713845233, args=[[], {}], kwargs={}),
    message.Result(42, args=[b"x" * 600], progress=True),
    message.Error(message.Call.MESSAGE_TYPE, 7, "wamp.error.no_such_procedure",
                  args=["no such procedure"]),
    message.Abort("wamp.error.no_such_realm", message="The realm does not exist."),
    message.Goodbye(),
]
wser = JsonSerializer()
payloads = [wser.serialize(m)[0] for m in msgs]
for data, back in zip(payloads, echo(payloads)):
    if back != data.hex():
        fail("message: sent %s got %s" % (data[:200], back[:400]))
    elif wser.unserialize(bytes.fromhex(back), False)[0].marshal() != \
            wser.unserialize(data, False)[0].marshal():
        fail("autobahn reads back a different message for %s" % data[:200])

# 2. the ASCII-escaped, spaced form of the same values decodes to the same value
def to_std(v):
    if isinstance(v, bytes):
        import base64
        return "\x00" + base64.b64encode(v).decode()
    if isinstance(v, list):
        return [to_std(x) for x in v]
    if isinstance(v, dict):
        return {k: to_std(x) for k, x in v.items()}
    return v


spaced = [json.dumps(to_std(v), indent=r.choice([None, 1])).encode() for v in values[:1000]]
compact = [ser.serialize(v) for v in values[:1000]]
for data, want, back in zip(spaced, compact, echo(spaced)):
    if back != want.hex():
        fail("spaced: sent %s got %s" % (data[:200], back[:400]))

# 3. documents Python's json rejects are rejected by libwamp
bad = [b"[1,]", b"{\"a\":1,}", b"[01]", b"NaN", b"[Infinity]", b"'a'", b"[1] x", b"",
       b"{\"a\" 1}", b"[\"\x01\"]", b"\"\\x\"", b"[1 2]", b"tru", b"\"abc", b"[\"\xff\"]"]
for data, back in zip(bad, echo(bad)):
    if not back.startswith("ERR "):
        fail("accepted invalid %r" % data)

if failures:
    print("%d failures" % failures)
    sys.exit(1)
print("json interop: OK")
