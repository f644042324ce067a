"""interop.transport.autobahn_ws: our WebSocket server vs Autobahn|Python's asyncio
WebSocketClientProtocol, and our WebSocket client vs Autobahn's asyncio WebSocketServerProtocol;
with and without permessage-deflate, whole and fragmented messages, 0 B .. 16 MiB."""
import asyncio
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import MiB, WS_SIZES, Server, check, payload, run_client, sha, sizes_arg  # noqa

import txaio  # noqa: E402
txaio.use_asyncio()
from autobahn.asyncio.websocket import (WebSocketClientFactory, WebSocketClientProtocol,  # noqa: E402
                                        WebSocketServerFactory, WebSocketServerProtocol)
from autobahn.websocket.compress import (PerMessageDeflateOffer, PerMessageDeflateOfferAccept,  # noqa: E402
                                         PerMessageDeflateResponse, PerMessageDeflateResponseAccept)

WSECHO = sys.argv[1]


class Client(WebSocketClientProtocol):
    def onOpen(self):
        self.factory.result['protocol'] = self.websocket_protocol_in_use
        self.factory.result['ext'] = [str(e) for e in self.websocket_extensions_in_use]
        self.i = 0
        self.sent = []
        self.send_next()

    def send_next(self):
        if self.i == len(WS_SIZES):
            self.sendClose(1000, 'bye')
            return
        n = WS_SIZES[self.i]
        self.want = payload(n, self.i)
        self.sent.append((n, sha(self.want)))
        binary = self.factory.result['protocol'] != 'wamp.2.json'
        if self.i % 2 and n > 10 and not self.factory.deflate:
            # fragmented by hand: several frames of one message. (Not with compression:
            # Autobahn 22.7.1 then omits the first frame when the compressor has not produced
            # output yet and sends a lone continuation frame; with deflate we let Autobahn
            # fragment by itself through autoFragmentSize.)
            k = max(1, n // 5)
            self.beginMessage(isBinary=binary)
            for j in range(0, n, k):
                self.sendMessageFrame(self.want[j:j + k])
            self.endMessage()
        else:
            self.sendMessage(self.want, isBinary=binary)

    def onMessage(self, payload_, isBinary):
        ok = payload_ == self.want
        if not ok:
            print('mismatch: sent %d got %d' % (len(self.want), len(payload_)), flush=True)
        self.factory.result.setdefault('echo', []).append(ok)
        self.i += 1
        self.send_next()

    def onClose(self, wasClean, code, reason):
        self.factory.result['clean'] = wasClean
        self.factory.result['sent'] = self.sent
        self.factory.done.set_result(True)


async def autobahn_client_to_our_server(loop):
    for deflate in (False, True):
        srv = Server(WSECHO, '--max', str(16 * MiB), *(['--deflate'] if deflate else []))
        try:
            for proto in ('wamp.2.json', 'wamp.2.msgpack'):
                f = WebSocketClientFactory('ws://127.0.0.1:%d/' % srv.port, protocols=[proto])
                opts = dict(maxMessagePayloadSize=0, maxFramePayloadSize=0, openHandshakeTimeout=60,
                            closeHandshakeTimeout=30)
                if deflate:
                    opts['autoFragmentSize'] = 65536
                    opts['perMessageCompressionOffers'] = [PerMessageDeflateOffer(accept_max_window_bits=True)]

                    def accept(response):
                        if isinstance(response, PerMessageDeflateResponse):
                            return PerMessageDeflateResponseAccept(response)
                    opts['perMessageCompressionAccept'] = accept
                f.setProtocolOptions(**opts)
                f.protocol = Client
                f.result = {}
                f.deflate = deflate
                f.done = loop.create_future()
                await loop.create_connection(f, '127.0.0.1', srv.port)
                await asyncio.wait_for(f.done, 120)
                r = f.result
                check(r.get('protocol') == proto, 'autobahn client negotiated %s' % proto)
                check(bool(r.get('ext')) == deflate, 'deflate=%s in use: %s' % (deflate, r.get('ext')))
                check(r.get('echo') == [True] * len(WS_SIZES),
                      'autobahn client %s deflate=%s: all %d echoes equal' % (proto, deflate, len(WS_SIZES)))
                check(r.get('clean'), 'clean close')
                check(srv.msgs(len(WS_SIZES)) == r['sent'], 'our server received exactly what was sent')
                closed = srv.expect('CLOSE')
                check(closed.startswith('CLOSE WAMP_OK 1000'), 'our server saw ' + closed)
        finally:
            check(srv.stop() == 0, 'server exited cleanly')


class Echo(WebSocketServerProtocol):
    def onConnect(self, request):
        for p in request.protocols:
            if p in ('wamp.2.json', 'wamp.2.cbor'):
                return p
        return None

    def onMessage(self, payload_, isBinary):
        self.sendMessage(payload_, isBinary)


async def our_client_to_autobahn_server(loop):
    for deflate in (False, True):
        f = WebSocketServerFactory('ws://127.0.0.1:9', protocols=['wamp.2.json', 'wamp.2.cbor'])
        # generous timeouts: a loaded CI machine with ASan builds must not trip them
        opts = dict(maxMessagePayloadSize=0, maxFramePayloadSize=0, openHandshakeTimeout=60,
                    closeHandshakeTimeout=30)
        if deflate:
            def accept(offers):
                for o in offers:
                    if isinstance(o, PerMessageDeflateOffer):
                        return PerMessageDeflateOfferAccept(o)
            opts['perMessageCompressionAccept'] = accept
        f.setProtocolOptions(**opts)
        f.protocol = Echo
        server = await loop.create_server(f, '127.0.0.1', 0)
        port = server.sockets[0].getsockname()[1]
        try:
            for proto in ('wamp.2.json', 'wamp.2.cbor'):
                for frag in (None, '1000'):
                    args = ['--protocol', proto, '--sizes', sizes_arg(WS_SIZES)]
                    if deflate:
                        args.append('--deflate')
                    if frag:
                        args += ['--fragment', frag]
                    rc, out = await run_client(WSECHO, 'ws://127.0.0.1:%d/' % port, *args)
                    oks = [l for l in out if l.startswith('OK ')]
                    check(rc == 0 and len(oks) == len(WS_SIZES),
                          'our client vs autobahn server %s deflate=%s fragment=%s: %s' % (
                              proto, deflate, frag, out[:1] + out[-1:]))
                    check(('permessage-deflate' in out[0]) == deflate, 'extension as expected: ' + out[0])
        finally:
            server.close()


async def main():
    loop = asyncio.get_running_loop()
    await autobahn_client_to_our_server(loop)
    await our_client_to_autobahn_server(loop)
    print('PASS')


asyncio.run(main())
