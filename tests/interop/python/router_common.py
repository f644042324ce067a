"""Shared helpers of the interop.router.* tests: start wampd on an ephemeral port and join
Autobahn|Python (asyncio) sessions over WebSocket (every serializer, plain and batched) or
RawSocket."""
import asyncio
import json
import os
import subprocess
import sys
import tempfile

import txaio
txaio.use_asyncio()

from autobahn.asyncio.rawsocket import WampRawSocketClientFactory, WampRawSocketClientProtocol  # noqa: E402
from autobahn.asyncio.wamp import ApplicationSession  # noqa: E402
from autobahn.asyncio.websocket import WampWebSocketClientFactory  # noqa: E402
from autobahn.wamp import serializer as S  # noqa: E402
from autobahn.wamp.types import ComponentConfig  # noqa: E402

FAILED = []


def check(cond, what):
    print(('ok   ' if cond else 'FAIL ') + what, flush=True)
    if not cond:
        FAILED.append(what)


def finish():
    if FAILED:
        print('%d check(s) failed' % len(FAILED))
        sys.exit(1)
    print('all checks passed')
    sys.exit(0)


SERIALIZERS = {
    'json': lambda: S.JsonSerializer(),
    'json.batched': lambda: S.JsonSerializer(batched=True),
    'msgpack': lambda: S.MsgPackSerializer(),
    'msgpack.batched': lambda: S.MsgPackSerializer(batched=True),
    'cbor': lambda: S.CBORSerializer(),
    'cbor.batched': lambda: S.CBORSerializer(batched=True),
    'ubjson': lambda: S.UBJSONSerializer(),
    'ubjson.batched': lambda: S.UBJSONSerializer(batched=True),
}


class Wampd:
    """wampd on 127.0.0.1 with an ephemeral port, optionally with a config dict."""

    def __init__(self, exe, config=None, log_level='info', capture_log=False):
        args = [exe, '--log-level', log_level]
        # capture_log: stderr (the log) goes to a temporary file, read back with log()
        self.logfile = tempfile.TemporaryFile(mode='w+') if capture_log else None
        self.cfgfile = None
        if config is not None:
            fd, self.cfgfile = tempfile.mkstemp(suffix='.json')
            with os.fdopen(fd, 'w') as f:
                json.dump(config, f)
            args += ['--config', self.cfgfile]
        else:
            args += ['--listen', '127.0.0.1:0']
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=self.logfile, text=True)
        n = sum(len(w['transports']) for w in config['workers']) if config else 1
        self.listening = []  # one (host or 'unix', port or path) per transport
        for _ in range(n):
            line = self.proc.stdout.readline().split()
            assert line and line[0] == 'LISTENING', line
            self.listening.append((line[1], line[2] if line[1] == 'unix' else int(line[2])))
        self.port = self.listening[0][1]
        self.ports = [x[1] for x in self.listening]

    def log(self):
        self.logfile.seek(0)
        return self.logfile.read()

    def stop(self):
        self.proc.terminate()
        try:
            rc = self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = -9
        if self.cfgfile:
            os.unlink(self.cfgfile)
        return rc


class RawSocketClient(WampRawSocketClientProtocol):
    # Autobahn 22.7.1's asyncio RawSocket client lacks this property (its session reads it)
    @property
    def transport_details(self):
        return self._transport_details


class Session(ApplicationSession):
    def onJoin(self, details):
        self.details = details
        if not self.joined.done():
            self.joined.set_result(self)

    def onLeave(self, details):
        self.left_details = details
        if not self.joined.done():
            self.joined.set_exception(Exception('left: %s %s' % (details.reason, details.message)))
        if not self.left.done():
            self.left.set_result(details)
        self.disconnect()

    def onDisconnect(self):
        if not self.joined.done():
            self.joined.set_exception(Exception('disconnected before joining'))
        if not self.left.done():
            self.left.set_result(None)

    def onChallenge(self, challenge):
        return self.on_challenge(self, challenge)


async def join(port, ser='json', rawsocket=False, realm='realm1', authmethods=None, authid=None,
               on_challenge=None, authextra=None, unix=None, ssl=None, path='/ws'):
    """port: TCP port on 127.0.0.1, or unix: a socket path; ssl: an SSLContext (TLS);
    path: the WebSocket request path."""
    """Joins a session; raises when the router aborts (the exception text has the reason)."""
    loop = asyncio.get_event_loop()
    joined, left = loop.create_future(), loop.create_future()

    def make():
        s = Session(ComponentConfig(realm, extra=None))
        s.joined, s.left = joined, left
        s.on_challenge = on_challenge
        orig = s.onConnect

        def onConnect():
            if authmethods is None:
                return orig()
            s.join(realm, authmethods=authmethods, authid=authid, authextra=authextra)
        s.onConnect = onConnect
        return s

    if rawsocket:
        f = WampRawSocketClientFactory(make, serializer=SERIALIZERS[ser]())
        f.protocol = RawSocketClient
    else:
        url = '%s://%s%s' % ('wss' if ssl else 'ws',
                             'localhost' if unix else '127.0.0.1:%d' % port, path)
        f = WampWebSocketClientFactory(make, url=url, serializers=[SERIALIZERS[ser]()])
    if unix:
        await loop.create_unix_connection(f, unix)
    elif ssl:
        await loop.create_connection(f, '127.0.0.1', port, ssl=ssl, server_hostname='localhost')
    else:
        await loop.create_connection(f, '127.0.0.1', port)
    return await asyncio.wait_for(joined, 10)
