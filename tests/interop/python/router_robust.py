"""interop.router.robust: hostile RawSocket/WebSocket peers get ABORT or a close while wampd keeps
serving a well-behaved Autobahn session (malformed messages; a reserved RawSocket frame type and malformed WebSocket frames after a join, with their close codes); SIGTERM and SIGINT send GOODBYE wamp.close.system_shutdown; --log-level filters the log."""
import asyncio
import json
import socket
import struct
import subprocess
import sys

from router_common import Wampd, join, check, finish


def rs_connect(port, ser=1):
    s = socket.create_connection(('127.0.0.1', port), timeout=5)
    s.sendall(bytes([0x7F, 0xF0 | ser, 0, 0]))
    reply = s.recv(4)
    return s, reply


def rs_send(s, payload, ftype=0):
    s.sendall(struct.pack('>I', (ftype << 24) | len(payload)) + payload)


def rs_recv_all(s):
    """Frames until the peer closes: list of (type, payload)."""
    buf = b''
    try:
        while True:
            d = s.recv(65536)
            if not d:
                break
            buf += d
    except OSError:
        pass
    frames = []
    while len(buf) >= 4:
        h = struct.unpack('>I', buf[:4])[0]
        n = h & 0xFFFFFF
        frames.append((h >> 24, buf[4:4 + n]))
        buf = buf[4 + n:]
    return frames


def rs_recv_frame(s):
    """One RawSocket frame (type, payload), or None when the peer closes first."""
    buf = b''
    while True:
        if len(buf) >= 4:
            n = struct.unpack('>I', buf[:4])[0] & 0xFFFFFF
            if len(buf) >= 4 + n:
                return buf[0], buf[4:4 + n]
        d = s.recv(65536)
        if not d:
            return None
        buf += d


def peer_closed(s):
    """True when the peer closes the connection (recv returns EOF or a reset) within the
    socket timeout; data before that is skipped."""
    try:
        while s.recv(65536):
            pass
        return True
    except ConnectionResetError:
        return True
    except OSError:  # timeout: still open
        return False


def ws_frame(op, payload, mask=True, fin=True):
    n = len(payload)
    h = bytes([(0x80 if fin else 0) | op])
    m = 0x80 if mask else 0
    if n < 126:
        h += bytes([m | n])
    elif n < 65536:
        h += bytes([m | 126]) + struct.pack('>H', n)
    else:
        h += bytes([m | 127]) + struct.pack('>Q', n)
    if not mask:
        return h + payload
    key = b'\x11\x22\x33\x44'
    return h + key + bytes(b ^ key[i % 4] for i, b in enumerate(payload))


def ws_send(s, op, payload):
    s.sendall(ws_frame(op, payload))


class WsReader:
    def __init__(self, s, rest):
        self.s, self.buf = s, rest

    def need(self, n):
        while len(self.buf) < n:
            d = self.s.recv(65536)
            if not d:
                return False
            self.buf += d
        return True


WS_READERS = {}


def ws_connect(port):
    """A raw WebSocket client (wamp.2.json) after its handshake."""
    s = socket.create_connection(('127.0.0.1', port), timeout=5)
    s.sendall(b'GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n'
              b'Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n'
              b'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: wamp.2.json\r\n\r\n')
    buf = b''
    while b'\r\n\r\n' not in buf:
        d = s.recv(4096)
        if not d:
            raise OSError('closed during the handshake')
        buf += d
    head, rest = buf.split(b'\r\n\r\n', 1)
    if b' 101 ' not in head.split(b'\r\n')[0]:
        raise OSError('handshake refused: %r' % head[:40])
    WS_READERS[s.fileno()] = WsReader(s, rest)
    return s


def ws_recv_frame(s):
    """One unmasked server frame (opcode, payload), or None when the peer closes first."""
    r = WS_READERS[s.fileno()]
    try:
        if not r.need(2):
            return None
        op, n = r.buf[0] & 0x0F, r.buf[1] & 0x7F
        hl = 2
        if n == 126:
            if not r.need(4):
                return None
            n, hl = struct.unpack('>H', r.buf[2:4])[0], 4
        elif n == 127:
            if not r.need(10):
                return None
            n, hl = struct.unpack('>Q', r.buf[2:10])[0], 10
        if not r.need(hl + n):
            return None
        pl = r.buf[hl:hl + n]
        r.buf = r.buf[hl + n:]
        return op, pl
    except OSError:
        return None


HELLO = json.dumps([1, 'realm1', {'roles': {'caller': {}}}]).encode()


async def main(exe):
    d = Wampd(exe)
    p = d.port
    good = await join(p, 'json')
    await good.register(lambda x: x * 2, 'com.robust.double')

    async def still_serving(what):
        other = await join(p, 'msgpack', rawsocket=True)
        r = await other.call('com.robust.double', 21)
        check(r == 42, 'still serving after ' + what)
        other.leave()

    loop = asyncio.get_event_loop()

    def hostile(payloads, hello=True):
        s, reply = rs_connect(p)
        ok = len(reply) == 4 and reply[0] == 0x7F
        if hello:
            rs_send(s, HELLO)
        for x in payloads:
            rs_send(s, x)
        frames = rs_recv_all(s)
        s.close()
        return ok, frames

    def aborted(frames, reason):
        for t, pl in frames:
            if t == 0:
                try:
                    m = json.loads(pl)
                except ValueError:
                    continue
                if m[0] == 3 and m[2] == reason:
                    return True
        return False

    ok, frames = await loop.run_in_executor(None, hostile, [b'[1, "realm1", {"roles":'], False)
    check(ok and aborted(frames, 'wamp.error.protocol_violation'),
          'truncated JSON -> ABORT protocol_violation and close')
    await still_serving('truncated JSON')
    ok, frames = await loop.run_in_executor(None, hostile, [b'\xff\xfe garbage'])
    check(aborted(frames, 'wamp.error.protocol_violation'), 'garbage after HELLO -> ABORT')
    ok, frames = await loop.run_in_executor(None, hostile, [b'[99999, 1, 2]'])
    check(aborted(frames, 'wamp.error.protocol_violation'), 'unknown message type -> ABORT')
    ok, frames = await loop.run_in_executor(None, hostile, [b'[48, 1, {}, "bad uri#"]'])
    check(aborted(frames, 'wamp.error.protocol_violation'), 'invalid URI -> ABORT')
    ok, frames = await loop.run_in_executor(None, hostile, [b'[' * 5000 + b']' * 5000])
    check(aborted(frames, 'wamp.error.protocol_violation'), 'deep nesting -> ABORT')
    ok, frames = await loop.run_in_executor(None, hostile, [b'[2, 1, {}]'])
    check(aborted(frames, 'wamp.error.protocol_violation'), 'client sends WELCOME -> ABORT')
    await still_serving('malformed messages')

    def bad_handshake():
        s = socket.create_connection(('127.0.0.1', p), timeout=5)
        s.sendall(bytes([0x7F, 0xF9, 0, 0]))  # serializer 9: unknown
        data = b''
        try:
            while True:
                x = s.recv(100)
                if not x:
                    break
                data += x
        except OSError:
            pass
        s.close()
        return data
    data = await loop.run_in_executor(None, bad_handshake)
    check(len(data) <= 4, 'unknown RawSocket serializer refused (%r)' % data)

    def bad_frame():
        s, _ = rs_connect(p)
        rs_send(s, HELLO)
        welcome = rs_recv_frame(s)
        s.sendall(struct.pack('>I', (7 << 24) | 3) + b'abc')  # reserved frame type
        closed = peer_closed(s)
        s.close()
        return welcome, closed
    welcome, closed = await loop.run_in_executor(None, bad_frame)
    check(welcome is not None and welcome[0] == 0 and json.loads(welcome[1])[0] == 2,
          'raw RawSocket client joins (WELCOME)')
    check(closed, 'reserved RawSocket frame type after join: wampd closes the connection')
    await still_serving('a reserved RawSocket frame type')

    # malformed WebSocket frames after a successful handshake and join: each closes that
    # connection with the right close code (RFC 6455 section 7.4.1)
    def ws_bad(frame):
        s = ws_connect(p)
        ws_send(s, 0x1, HELLO)
        op, pl = ws_recv_frame(s)
        joined = op == 0x1 and json.loads(pl)[0] == 2
        s.sendall(frame)
        code = None
        while True:
            f = ws_recv_frame(s)
            if f is None:
                break
            if f[0] == 0x8:
                code = struct.unpack('>H', f[1][:2])[0] if len(f[1]) >= 2 else 1005
                break
        closed = peer_closed(s)
        s.close()
        return joined, code, closed
    cases = [
        ('reserved opcode 0x3', ws_frame(0x3, b'x'), 1002),
        ('unmasked client frame', ws_frame(0x1, b'[1]', mask=False), 1002),
        ('invalid UTF-8 in a text frame', ws_frame(0x1, b'["\xff\xfe"]'), 1007),
        ('frame announcing 2^30 bytes', bytes([0x82, 0xFF]) + struct.pack('>Q', 1 << 30)
         + b'\x01\x02\x03\x04', 1009),
    ]
    for what, frame, want in cases:
        joined, code, closed = await loop.run_in_executor(None, ws_bad, frame)
        check(joined and code == want and closed,
              'WebSocket %s after join -> close %s (got %s), connection closed' %
              (what, want, code))
        await still_serving('WebSocket ' + what)

    def ws_garbage():
        s = socket.create_connection(('127.0.0.1', p), timeout=5)
        s.sendall(b'GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n\r\n' + b'\x00' * 64)
        data = b''
        try:
            while True:
                x = s.recv(4096)
                if not x:
                    break
                data += x
        except OSError:
            pass
        s.close()
        return data
    data = await loop.run_in_executor(None, ws_garbage)
    check(b'101' not in data.split(b'\r\n')[0], 'bad WebSocket handshake refused')
    await still_serving('bad handshakes')

    # graceful shutdown: GOODBYE wamp.close.system_shutdown
    d.proc.send_signal(15)
    details = await asyncio.wait_for(good.left, 10)
    check(details.reason == 'wamp.close.system_shutdown',
          'SIGTERM -> GOODBYE wamp.close.system_shutdown (%s)' % details.reason)
    rc = d.stop()
    check(rc == 0, 'wampd exits 0 after shutdown')

    # SIGINT does the same, on a second wampd with a debug log
    d2 = Wampd(exe, log_level='debug', capture_log=True)
    s1 = await join(d2.port, 'cbor')
    s2 = await join(d2.port, 'json', rawsocket=True)
    d2.proc.send_signal(2)
    for s in (s1, s2):
        details = await asyncio.wait_for(s.left, 10)
        check(details.reason == 'wamp.close.system_shutdown',
              'SIGINT -> GOODBYE wamp.close.system_shutdown (%s)' % details.reason)
    rc = d2.proc.wait(10)
    check(rc == 0, 'wampd exits 0 after SIGINT')
    log = d2.log()
    check('signal 2: shutting down' in log and 'told 2 session(s) goodbye' in log,
          'SIGINT shutdown is logged')
    check(' DEBUG ' in log and 'connection: ' in log, '--log-level debug logs DEBUG lines')
    d2.stop()

    # --log-level error: the INFO lines (joins, shutdown) are not written
    d3 = Wampd(exe, log_level='error', capture_log=True)
    s3 = await join(d3.port, 'json')
    s3.leave()
    await asyncio.wait_for(s3.left, 10)
    rc = d3.stop()
    log = d3.log()
    check(rc == 0 and ' INFO ' not in log and ' DEBUG ' not in log,
          '--log-level error suppresses INFO and DEBUG (%d bytes of log)' % len(log))
    r = subprocess.run([exe, '--log-level', 'loud'], capture_output=True, text=True)
    check(r.returncode == 2 and "unknown log level 'loud'" in r.stderr, 'bad --log-level refused')


asyncio.run(main(sys.argv[1]))
finish()
