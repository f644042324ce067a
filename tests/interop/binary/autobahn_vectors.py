#!/usr/bin/python3
"""Byte-compatibility check of libwamp's MessagePack and CBOR codecs with Autobahn|Python.

Encodes a list of varied values and WAMP messages with Autobahn's own serializers
(MsgPackObjectSerializer -> msgpack.packb(use_bin_type=True), CBORObjectSerializer ->
cbor2.dumps) and pipes them to the C driver (argv[1]) one per line:

    <ser> <autobahn encoding, hex> <value in a typed prefix notation>

The driver decodes Autobahn's bytes, compares the result with the value it parses from the
notation, and re-encodes the value, which must give Autobahn's bytes exactly.

Notation: n  t  f  i<int>;  d<16 hex digits of the IEEE bits>;  s<hex of UTF-8>;
b<hex>;  l<count>: items...  m<count>: (key as s...;) value ...  -- s and b end with ';'.
"""
import math
import struct
import subprocess
import sys

import txaio

txaio.use_asyncio()

from autobahn.wamp import message, role  # noqa: E402
from autobahn.wamp.serializer import (  # noqa: E402
    CBORObjectSerializer, CBORSerializer, MsgPackObjectSerializer, MsgPackSerializer)


def describe(v):
    if v is None:
        return "n"
    if v is True:
        return "t"
    if v is False:
        return "f"
    if isinstance(v, int):
        return "i%d;" % v
    if isinstance(v, float):
        return "d%016x;" % struct.unpack(">Q", struct.pack(">d", v))[0]
    if isinstance(v, str):
        return "s" + v.encode("utf-8").hex() + ";"
    if isinstance(v, (bytes, bytearray)):
        return "b" + bytes(v).hex() + ";"
    if isinstance(v, (list, tuple)):
        return "l%d:" % len(v) + "".join(describe(x) for x in v)
    if isinstance(v, dict):
        return "m%d:" % len(v) + "".join(describe(k) + describe(x) for k, x in v.items())
    raise TypeError(type(v))


def values():
    ints = [0, 1, 23, 24, 31, 127, 128, 255, 256, 65535, 65536, 2**32 - 1, 2**32, 2**53,
            2**63 - 1, 2**63, 2**64 - 1, -1, -24, -25, -32, -33, -128, -129, -256, -257,
            -32768, -32769, -65536, -65537, -2**31, -2**31 - 1, -2**32, -2**32 - 1, -2**63]
    out = [[x] for x in ints]
    out += [[x] for x in [0.0, -0.0, 1.0, 1.5, 0.1, -4.1, 1e300, 5e-324, 2.5e-308,
                          float("inf"), float("-inf"), float("nan"), 65504.0, 100000.0]]
    out += [None, True, False, [None, True, False]]
    for n in [0, 1, 23, 24, 31, 32, 255, 256, 65535, 65536, 70000]:
        out.append(("x" * n))
        out.append(bytes(range(256)) * (n // 256) + bytes(range(n % 256)))
        out.append(list(range(n % 300)) if n > 300 else list(range(n)))
    for n in [0, 1, 15, 16, 23, 24, 255, 256, 65536]:
        out.append(list(range(n)))
        out.append({"k%d" % i: i for i in range(n)})
    out.append("\u00fc\u6c34\U00010151\x00\x7f\"\\")
    out.append({"": "", "\u00fc": {"nested": [1, [2, [3, {"deep": b"\x00\xff"}]]]}})
    # representative WAMP messages
    kw = {"key%03d" % i: ("value %d" % i) * 2 for i in range(40)}
    msgs = [
        message.Hello("realm1", {"caller": role.RoleCallerFeatures(),
                                 "subscriber": role.RoleSubscriberFeatures()},
                      authmethods=["anonymous", "ticket"], authid="joe"),
        message.Welcome(2**53, {"broker": role.RoleBrokerFeatures()}, authrole="anonymous"),
        message.Call(1, "com.example.add", args=[1, 2.5, "three", b"four"]),
        message.Call(2**53, "com.example.kw", args=[], kwargs=kw, timeout=1000),
        message.Event(5647382910, 998877665544, args=[None, True], kwargs=kw),
        message.Result(77, args=[list(range(-50, 16000))]),
        message.Publish(123456789, "com.myapp.topic", args=["hello", {"x": -1.25}],
                        acknowledge=True, exclude_me=False),
        message.Error(48, 77, "wamp.error.runtime_error", args=["boom"], kwargs={"c": 7}),
        message.Goodbye("wamp.close.normal", "bye"),
    ]
    return out, msgs


def main():
    driver = sys.argv[1]
    out, msgs = values()
    lines = []
    for ser, objser in (("msgpack", MsgPackObjectSerializer()), ("cbor", CBORObjectSerializer())):
        for v in out:
            lines.append("%s %s %s" % (ser, objser.serialize(v).hex(), describe(v)))
    for ser, s in (("msgpack", MsgPackSerializer()), ("cbor", CBORSerializer())):
        for m in msgs:
            data, is_binary = s.serialize(m)
            assert is_binary
            lines.append("%s %s %s" % (ser, data.hex(), describe(m.marshal())))
    assert not math.isnan(0.0)
    r = subprocess.run([driver], input="\n".join(lines) + "\n", text=True)
    print("%d vectors checked" % len(lines))
    sys.exit(r.returncode)


if __name__ == "__main__":
    main()
