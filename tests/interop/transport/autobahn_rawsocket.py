"""interop.transport.autobahn_rawsocket: RawSocket between libwamp's runtime and Autobahn|Python's
asyncio RawSocket protocol classes (autobahn.asyncio.rawsocket), used without a WAMP session:
Autobahn client -> our listener (port shared with WebSocket, first byte sniffed), and our
rs:// client -> Autobahn server; messages 0 B .. 16 MiB - 1 (Autobahn cannot frame 2^24)."""
import asyncio
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import RS_SIZES, Server, check, payload, run_client, sha, sizes_arg  # noqa

import txaio  # noqa: E402
txaio.use_asyncio()
from autobahn.asyncio.rawsocket import RawSocketClientProtocol, RawSocketServerProtocol  # noqa: E402

WSECHO = sys.argv[1]


class Client(RawSocketClientProtocol):
    def __init__(self, ser, done):
        super().__init__()
        self.ser = ser
        self.done = done
        self.results = []
        self.sent = []

    @property
    def serializer_id(self):
        return self.ser

    def _on_handshake_complete(self):
        self.i = 0
        self.send_next()

    def send_next(self):
        if self.i == len(RS_SIZES):
            self.transport.close()
            return
        self.want = payload(RS_SIZES[self.i], self.i)
        self.sent.append((len(self.want), sha(self.want)))
        self.sendString(self.want)

    def stringReceived(self, data):
        self.results.append(data == self.want)
        self.i += 1
        self.send_next()

    def _on_connection_lost(self, exc):
        if not self.done.done():
            self.done.set_result(True)


async def autobahn_client_to_our_server(loop):
    srv = Server(WSECHO)
    try:
        for ser in (1, 2, 3):  # JSON, MessagePack, CBOR
            done = loop.create_future()
            _, proto = await loop.create_connection(lambda: Client(ser, done), '127.0.0.1', srv.port)
            await asyncio.wait_for(done, 120)
            check(proto.results == [True] * len(RS_SIZES),
                  'autobahn rawsocket client (serializer %d): %d echoes equal' % (ser, len(RS_SIZES)))
            check(srv.expect('OPEN').startswith('OPEN rawsocket'), 'sniffed as rawsocket')
            check(srv.msgs(len(RS_SIZES)) == proto.sent, 'our server received exactly what was sent')
            closed = srv.expect('CLOSE')
            check(closed.startswith('CLOSE WAMP_OK'), 'our server saw ' + closed)
    finally:
        check(srv.stop() == 0, 'server exited cleanly')


class Echo(RawSocketServerProtocol):
    def supports_serializer(self, ser_id):
        self.ser = ser_id
        return ser_id in (1, 2, 3)

    def _on_handshake_complete(self):
        pass

    def stringReceived(self, data):
        self.sendString(data)


async def our_client_to_autobahn_server(loop):
    server = await loop.create_server(Echo, '127.0.0.1', 0)
    port = server.sockets[0].getsockname()[1]
    try:
        for ser in ('1', '2', '3'):
            rc, out = await run_client(WSECHO, 'rs://127.0.0.1:%d' % port, '--rawsocket-ser', ser,
                                       '--sizes', sizes_arg(RS_SIZES))
            oks = [l for l in out if l.startswith('OK ')]
            check(rc == 0 and len(oks) == len(RS_SIZES),
                  'our rs:// client vs autobahn rawsocket server (serializer %s): %s' % (ser, out[-1:]))
        # an unsupported serializer is refused by Autobahn with error reply 1
        rc, out = await run_client(WSECHO, 'rs://127.0.0.1:%d' % port, '--rawsocket-ser', '4',
                                   '--sizes', '5')
        check(rc != 0 and any('CONNECT' in l for l in out), 'refused serializer reported: %s' % out)
    finally:
        server.close()


async def main():
    loop = asyncio.get_running_loop()
    await autobahn_client_to_our_server(loop)
    await our_client_to_autobahn_server(loop)
    print('PASS')


asyncio.run(main())
