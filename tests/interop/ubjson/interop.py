#!/usr/bin/python3
"""UBJSON byte compatibility between libwamp and Autobahn|Python (py-ubjson backend).

usage: interop.py <ubjson_peer> <source_dir>

1. Values and WAMP messages serialized by Autobahn's UBJSONObjectSerializer / UBJSONSerializer
   (plain and batched) are unserialized and serialized again by libwamp: the bytes must be
   identical.
2. Values encoded by libwamp decode in py-ubjson, and py-ubjson re-encodes them to the same bytes.
3. The golden vectors checked into tests/unit are what the installed py-ubjson writes.
4. WAMP messages through Autobahn's Serializer classes of every format (JSON, MessagePack, CBOR,
   UBJSON), plain and batched: libwamp's wamp_serializer gives the same bytes back, and its
   statistics equal Autobahn's for the same traffic (bytes, messages, rated messages).
"""
import os
import random
import subprocess
import sys

import txaio
txaio.use_asyncio()

from autobahn.wamp import message, role  # noqa: E402
from autobahn.wamp.serializer import (UBJSONObjectSerializer, UBJSONSerializer,  # noqa: E402
                                      JsonSerializer, MsgPackSerializer, CBORSerializer)
import ubjson  # noqa: E402

PEER, SRC = sys.argv[1], sys.argv[2]
failures = 0


def fail(what):
    global failures
    failures += 1
    if failures < 20:
        print("FAIL:", what)


def rand_str(r):
    alphabet = "ab \u00e9\u20ac\U0001F600\x00\x7f/."
    return "".join(r.choice(alphabet) for _ in range(r.choice([0, 1, 2, 5, 40, 300])))


def rand_value(r, depth=0):
    k = r.randrange(10 if depth < 4 else 8)
    if k == 0:
        return None
    if k == 1:
        return r.random() < 0.5
    if k == 2:
        return r.randrange(-2**63, 2**64) >> r.randrange(64)
    if k == 3:
        return r.choice([0, 1, 255, 256, -1, -128, -129, 32767, 32768, -32769, 2**31, -2**31 - 1,
                         2**63 - 1, 2**63, 2**64 - 1, -2**63])
    if k == 4:
        return r.choice([0.0, -0.0, 1.5, r.random() * 10 ** r.randrange(-320, 300),
                         -r.random() * 1e-310, 5e-324, float("inf"), float("nan"),
                         r.uniform(-1e9, 1e9)])
    if k == 5:
        return rand_str(r)
    if k == 6:
        return bytes(r.randrange(256) for _ in range(r.choice([0, 1, 3, 255, 256, 1000])))
    if k == 7:
        return r.randrange(-150, 300)
    if k == 8:
        return [rand_value(r, depth + 1) for _ in range(r.randrange(6))]
    return {rand_str(r)[:8] + str(i): rand_value(r, depth + 1) for i in range(r.randrange(6))}


last_stats = None


def echo(name, payloads):
    """libwamp unserializes and re-serializes each payload; returns the hex lines."""
    global last_stats
    p = subprocess.run([PEER, "echo", name], input="".join(x.hex() + "\n" for x in payloads),
                       capture_output=True, text=True, check=True)
    lines = p.stdout.splitlines()
    last_stats = [int(x) for x in lines[-1].split()[1:]]
    return lines[:-1]


def check_echo(name, payloads, label):
    out = echo(name, payloads)
    if len(out) != len(payloads):
        fail("%s: %d answers for %d payloads" % (label, len(out), len(payloads)))
        return
    for data, back in zip(payloads, out):
        if back != data.hex():
            fail("%s %s: sent %s got %s" % (label, name, data.hex()[:200], back[:200]))


r = random.Random(20240607)

# 1a. random values through the object serializer, plain and batched
values = [rand_value(r) for _ in range(2000)]
plain = UBJSONObjectSerializer()
check_echo("ubjson", [plain.serialize(v) for v in values], "values")
batched = UBJSONObjectSerializer(batched=True)
batches = []
for i in range(0, len(values), 7):
    batches.append(b"".join(batched.serialize(v) for v in values[i:i + 1 + i % 7]))
check_echo("ubjson.batched", batches, "batches")

# 1b. WAMP messages through Autobahn's UBJSONSerializer
msgs = [
    message.Hello("realm1", {"caller": role.RoleCallerFeatures(),
                             "publisher": role.RolePublisherFeatures()},
                  authmethods=["anonymous"], authextra={"x": 1}),
    message.Publish(123, "com.myapp.topic1", args=[1, "hello", b"\x00\xff", 3.5, None],
                    kwargs={"a": [1, 2, {"b": True}]}, acknowledge=True),
    message.Call(2 ** 53, "com.myapp.proc", args=[2 ** 63, -2 ** 63, 1e-310],
                 kwargs={"\u00e9": "\U0001F600"}, timeout=1000),
    message.Event(5512315355, 713845233, args=[[], {}], kwargs={}),
    message.Result(42, args=[b"x" * 600]),
    message.Error(message.Call.MESSAGE_TYPE, 7, "wamp.error.no_such_procedure",
                  args=["no such procedure"]),
    message.Goodbye(),
]
for batched_mode in (False, True):
    ser = UBJSONSerializer(batched=batched_mode)
    payloads = [ser.serialize(m)[0] for m in msgs]
    check_echo("ubjson.batched" if batched_mode else "ubjson", payloads, "messages")
    if batched_mode:
        check_echo("ubjson.batched", [b"".join(payloads)], "message batch")
    # and Autobahn reads back what libwamp wrote
    for back in echo("ubjson.batched" if batched_mode else "ubjson", payloads):
        parsed = ser.unserialize(bytes.fromhex(back), True)
        if not parsed:
            fail("autobahn could not parse %s" % back[:100])

# 2. libwamp-encoded values, read by py-ubjson
p = subprocess.run([PEER, "generate", "7", "3000"], capture_output=True, text=True, check=True)
lines = p.stdout.splitlines()
if len(lines) != 3000:
    fail("generate: %d lines" % len(lines))
for line in lines:
    if line.startswith("ERR"):
        fail("generate: " + line)
        continue
    data = bytes.fromhex(line)
    again = ubjson.dumpb(ubjson.loadb(data))
    if again != data:
        fail("py-ubjson re-encodes %s as %s" % (line[:200], again.hex()[:200]))

# 3. golden vectors are current
gen = subprocess.run([sys.executable, os.path.join(SRC, "tests/interop/ubjson/gen_golden.py")],
                     capture_output=True, text=True, check=True).stdout
with open(os.path.join(SRC, "tests/unit/test_ubjson_golden.inc")) as f:
    if f.read() != gen:
        fail("tests/unit/test_ubjson_golden.inc differs from gen_golden.py output")

# 4. every format's Serializer, plain and batched, with statistics
for cls in (JsonSerializer, MsgPackSerializer, CBORSerializer, UBJSONSerializer):
    for batched_mode in (False, True):
        ser = cls(batched=batched_mode)
        payloads = [ser.serialize(m)[0] for m in msgs]
        if batched_mode:
            payloads.append(b"".join(payloads))
            payloads.append(b"".join(payloads[:3]))
        check_echo(ser.SERIALIZER_ID, payloads, "serializer")
        # Autobahn's statistics for the same traffic: unserialize each payload, serialize back
        ref = cls(batched=batched_mode)
        ref.stats(reset=True)
        for data in payloads:
            for m in ref.unserialize(data, ref._serializer.BINARY):
                ref.serialize(m)
        st = ref.stats(reset=False, details=True)
        want = [st["serialized"]["bytes"], st["serialized"]["messages"],
                st["serialized"]["rated_messages"], st["unserialized"]["bytes"],
                st["unserialized"]["messages"], st["unserialized"]["rated_messages"]]
        if last_stats != want:
            fail("%s statistics: libwamp %s, Autobahn %s" % (ser.SERIALIZER_ID, last_stats, want))

print("%d values, %d batches, %d messages, %d generated: %d failures"
      % (len(values), len(batches), len(msgs), len(lines), failures))
sys.exit(1 if failures else 0)
