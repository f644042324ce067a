#!/usr/bin/python3
"""Reference for bench_framing: python3-websockets' sans-I/O server connection parsing the same
masked binary frames (receive_data + events_received), fed in 64 KiB chunks.
usage: framing_ref.py <payload size> <count>; prints "<seconds>"."""
import os
import struct
import sys
import time

import websockets.server as wss

size, count = int(sys.argv[1]), int(sys.argv[2])
conn = wss.ServerConnection(max_size=None)
conn.receive_data(b"GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                  b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
conn.send_response(conn.accept(conn.events_received()[0]))
conn.data_to_send()
key = b'\x37\xfa\x21\x3d'
pl = bytes((i * 31) & 0xFF for i in range(size))
if size < 126:
    head = bytes([0x82, 0x80 | size])
elif size < 65536:
    head = bytes([0x82, 0x80 | 126]) + struct.pack('!H', size)
else:
    head = bytes([0x82, 0x80 | 127]) + struct.pack('!Q', size)
frame = head + key + bytes(b ^ key[i % 4] for i, b in enumerate(pl))
stream = frame * count
t0 = time.perf_counter()
got = 0
for off in range(0, len(stream), 65536):
    conn.receive_data(stream[off:off + 65536])
    got += len(conn.events_received())
dt = time.perf_counter() - t0
assert got == count, got
print('%.6f' % dt)
