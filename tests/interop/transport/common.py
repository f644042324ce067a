"""Shared helpers of the interop.transport.* tests: run wsecho (our stack) as server or client."""
import asyncio
import hashlib
import os
import queue
import subprocess
import sys
import tempfile
import threading

MiB = 1024 * 1024
WS_SIZES = [0, 1, 125, 126, 127, 65535, 65536, 65537, MiB, 16 * MiB]
RS_SIZES = [0, 1, 125, 126, 65535, 65536, MiB, 16 * MiB - 1]


def text_of(n, seed=0):
    """Printable ASCII (valid UTF-8, so usable in JSON text frames), as wsecho's fill()."""
    return bytes((32 + (i * 7 + seed * 13 + i // 251) % 95) for i in range(n)) if n < 4096 else \
        _fast_text(n, seed)


def _fast_text(n, seed):
    # identical to the formula above, computed by blocks for big sizes
    out = bytearray(n)
    for i in range(n):
        out[i] = 32 + (i * 7 + seed * 13 + i // 251) % 95
    return bytes(out)


_cache = {}


def payload(n, seed=0):
    key = (n, seed)
    if key not in _cache:
        _cache[key] = text_of(n, seed)
    return _cache[key]


def sha(b):
    return hashlib.sha256(b).hexdigest()


class Server:
    """wsecho serve ... as a subprocess; lines of its stdout are collected."""

    def __init__(self, wsecho, *args):
        self.p = subprocess.Popen([wsecho, 'serve', '--report', *args], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, text=True)
        self.lines = queue.Queue()
        self.all = []
        threading.Thread(target=self._pump, daemon=True).start()
        first = self.expect('LISTEN')
        self.port = int(first.split()[1])

    def _pump(self):
        for line in self.p.stdout:
            self.all.append(line.rstrip('\n'))
            self.lines.put(line.rstrip('\n'))
        self.lines.put(None)

    def expect(self, prefix, timeout=60):
        while True:
            line = self.lines.get(timeout=timeout)
            if line is None:
                raise RuntimeError('wsecho server ended before %r' % prefix)
            if line.startswith(prefix):
                return line

    def msgs(self, n, timeout=60):
        """The next n 'MSG <len> <sha>' lines as (len, sha)."""
        out = []
        while len(out) < n:
            line = self.expect('MSG', timeout)
            _, ln, h = line.split()
            out.append((int(ln), h))
        return out

    def stop(self):
        try:
            self.p.stdin.close()
        except Exception:
            pass
        try:
            self.p.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.p.kill()
            raise
        return self.p.returncode


async def run_client(wsecho, url, *args, timeout=120):
    """Runs wsecho client URL ...; returns (rc, stdout lines)."""
    p = await asyncio.create_subprocess_exec(wsecho, 'client', url, *args,
                                             stdout=asyncio.subprocess.PIPE)
    out, _ = await asyncio.wait_for(p.communicate(), timeout)
    return p.returncode, out.decode().splitlines()


def check(cond, what):
    if not cond:
        print('FAIL:', what, flush=True)
        sys.exit(1)
    print('ok:', what, flush=True)


def sizes_arg(sizes):
    return ','.join(str(s) for s in sizes)
