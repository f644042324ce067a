#!/usr/bin/python3
"""interop.framing: our sans-I/O WebSocket framer (driven by framing_peer over plain sockets)
against python3-websockets and Autobahn|Python's WebSocket, both directions, with and without
permessage-deflate, text (wamp.2.json) and binary (wamp.2.cbor) subprotocols; and our RawSocket
framer against Autobahn's asyncio RawSocket (WAMP JSON), both directions.

usage: run.py <framing_peer>
"""
import asyncio
import os
import subprocess
import sys

import txaio

txaio.use_asyncio()

import websockets  # noqa: E402
from autobahn.asyncio.websocket import (  # noqa: E402
    WebSocketClientFactory, WebSocketClientProtocol, WebSocketServerFactory, WebSocketServerProtocol)
from autobahn.asyncio.rawsocket import (  # noqa: E402
    WampRawSocketClientFactory, WampRawSocketServerFactory)
from autobahn.wamp import message as wmsg  # noqa: E402
from autobahn.wamp.serializer import JsonSerializer  # noqa: E402
from autobahn.websocket.compress import (  # noqa: E402
    PerMessageDeflateOffer, PerMessageDeflateOfferAccept, PerMessageDeflateResponseAccept)

PEER = sys.argv[1]
FAILURES = []


def messages(binary):
    sizes = [5, 0, 125, 1000, 70000, 300000]
    out = []
    for i, n in enumerate(sizes):
        if binary:
            out.append(bytes(((j * 31 + i) ^ (j >> 7)) & 0xFF for j in range(n)))
        else:
            out.append(''.join(chr(ord('a') + j % 26) if j % 97 < 60 else chr(32 + (j * 7 + i) % 90)
                               for j in range(n)))
    return out


def check(name, ok, detail=''):
    print(('ok   ' if ok else 'FAIL ') + name + (' ' + detail if detail else ''), flush=True)
    if not ok:
        FAILURES.append(name)


async def run_peer(*args):
    proc = await asyncio.create_subprocess_exec(PEER, *args, stdout=subprocess.PIPE,
                                                stderr=subprocess.PIPE)
    return proc


async def peer_port(proc):
    line = await asyncio.wait_for(proc.stdout.readline(), 10)
    assert line.startswith(b'PORT '), line
    return int(line.split()[1])


async def finish(proc, name):
    try:
        _, err = await asyncio.wait_for(proc.communicate(), 30)
    except asyncio.TimeoutError:
        proc.kill()
        check(name, False, 'timeout')
        return
    check(name, proc.returncode == 0, err.decode(errors='replace').strip().replace('\n', ' | '))


# ---------------------------------------------------------------- python3-websockets

async def websockets_server_case(proto, deflate):
    async def echo(ws, path=None):
        async for m in ws:
            await ws.send(m)

    async with websockets.serve(echo, '127.0.0.1', 0, subprotocols=[proto],
                                compression='deflate' if deflate else None,
                                max_size=2 ** 21) as server:
        port = server.sockets[0].getsockname()[1]
        proc = await run_peer('ws-client', str(port), proto, '1' if deflate else '0')
        await finish(proc, 'websockets server <- our client %s deflate=%d' % (proto, deflate))


async def websockets_client_case(proto, deflate):
    name = 'our server <- websockets client %s deflate=%d' % (proto, deflate)
    proc = await run_peer('ws-server', '1')
    port = await peer_port(proc)
    async with websockets.connect('ws://127.0.0.1:%d/ws' % port, subprotocols=[proto],
                                  compression='deflate' if deflate else None,
                                  max_size=2 ** 21) as ws:
        check(name + ' subprotocol', ws.subprotocol == proto, str(ws.subprotocol))
        ext = ws.response_headers.get('Sec-WebSocket-Extensions')
        check(name + ' extension', (ext is not None) == bool(deflate), str(ext))
        for m in messages('json' not in proto):
            await ws.send(m)
            back = await ws.recv()
            if back != m:
                check(name + ' echo', False, 'len %d' % len(m))
                break
        pong = await ws.ping(b'hb')
        await asyncio.wait_for(pong, 5)
    await finish(proc, name)


# ---------------------------------------------------------------- Autobahn|Python

def autobahn_accept(offers):
    for offer in offers:
        if isinstance(offer, PerMessageDeflateOffer):
            return PerMessageDeflateOfferAccept(offer)
    return None


class EchoServer(WebSocketServerProtocol):
    def onConnect(self, request):
        for p in request.protocols:
            if p.startswith('wamp.2.'):
                return p
        return None

    def onMessage(self, payload, isBinary):
        self.sendMessage(payload, isBinary)


async def autobahn_server_case(proto, deflate):
    loop = asyncio.get_running_loop()
    factory = WebSocketServerFactory()
    factory.protocol = EchoServer
    opts = dict(maxMessagePayloadSize=2 ** 21, maxFramePayloadSize=2 ** 21)
    if deflate:
        opts['perMessageCompressionAccept'] = autobahn_accept
    factory.setProtocolOptions(**opts)
    server = await loop.create_server(factory, '127.0.0.1', 0)
    port = server.sockets[0].getsockname()[1]
    proc = await run_peer('ws-client', str(port), proto, '1' if deflate else '0')
    await finish(proc, 'Autobahn server <- our client %s deflate=%d' % (proto, deflate))
    server.close()


async def autobahn_client_case(proto, offer):
    name = 'our server <- Autobahn client %s offer=%s' % (proto, offer)
    proc = await run_peer('ws-server', '1')
    port = await peer_port(proc)
    done = asyncio.get_running_loop().create_future()
    msgs = messages('json' not in proto)
    binary = 'json' not in proto

    class Client(WebSocketClientProtocol):
        def onOpen(self):
            self.i = 0
            self.exts = [str(e) for e in self.websocket_extensions_in_use]
            self.sendMessage(msgs[0] if binary else msgs[0].encode(), binary)

        def onMessage(self, payload, isBinary):
            want = msgs[self.i] if binary else msgs[self.i].encode()
            if payload != want or isBinary != binary:
                done.set_result('echo mismatch %d' % self.i)
                self.sendClose(1000)
                return
            self.i += 1
            if self.i < len(msgs):
                self.sendMessage(msgs[self.i] if binary else msgs[self.i].encode(), binary)
            else:
                self.sendPing(b'hb')

        def onPong(self, payload):
            self.sendClose(1000, 'bye')

        def onClose(self, wasClean, code, reason):
            if not done.done():
                done.set_result('ok' if wasClean and self.i == len(msgs) else
                                'close clean=%s code=%s reason=%s' % (wasClean, code, reason))

    factory = WebSocketClientFactory('ws://127.0.0.1:%d/ws' % port, protocols=[proto])
    factory.protocol = Client
    opts = dict(maxMessagePayloadSize=2 ** 21, maxFramePayloadSize=2 ** 21, autoFragmentSize=4096)
    if offer is not None:
        opts['perMessageCompressionOffers'] = [offer]
        opts['perMessageCompressionAccept'] = lambda resp: PerMessageDeflateResponseAccept(resp)
    factory.setProtocolOptions(**opts)
    loop = asyncio.get_running_loop()
    await loop.create_connection(factory, '127.0.0.1', port)
    res = await asyncio.wait_for(done, 30)
    check(name, res == 'ok', res)
    await finish(proc, name + ' (server side)')


# ---------------------------------------------------------------- RawSocket (Autobahn asyncio)

class EchoSession:
    """Stands in for a WAMP session under Autobahn's RawSocket protocol: echoes each message."""

    def onOpen(self, transport):
        self.transport = transport

    def onMessage(self, msg):
        self.transport.send(msg)

    def onClose(self, was_clean):
        pass


async def rawsocket_server_case():
    loop = asyncio.get_running_loop()
    factory = WampRawSocketServerFactory(EchoSession, serializers=[JsonSerializer()])
    server = await loop.create_server(factory, '127.0.0.1', 0)
    port = server.sockets[0].getsockname()[1]
    proc = await run_peer('rs-client', str(port), '1')
    await finish(proc, 'Autobahn RawSocket server <- our client json')
    server.close()


async def rawsocket_client_case():
    name = 'our RawSocket server <- Autobahn client json'
    proc = await run_peer('rs-server')
    port = await peer_port(proc)
    done = asyncio.get_running_loop().create_future()
    sent = [wmsg.Publish(i + 1, 'com.example.t', args=['x' * n])
            for i, n in enumerate([5, 0, 125, 1000, 70000, 300000])]

    class Session:
        def onOpen(self, transport):
            self.transport, self.i = transport, 0
            transport.send(sent[0])

        def onMessage(self, msg):
            if msg.marshal() != sent[self.i].marshal():
                done.set_result('echo mismatch %d' % self.i)
                return
            self.i += 1
            if self.i < len(sent):
                self.transport.send(sent[self.i])
            else:
                done.set_result('ok')
                self.transport.transport.close()

        def onClose(self, was_clean):
            if not done.done():
                done.set_result('closed early')

    factory = WampRawSocketClientFactory(Session, serializer=JsonSerializer())
    await asyncio.get_running_loop().create_connection(factory, '127.0.0.1', port)
    res = await asyncio.wait_for(done, 30)
    check(name, res == 'ok', res)
    await finish(proc, name + ' (server side)')


async def main():
    await rawsocket_server_case()
    await rawsocket_client_case()
    for proto in ('wamp.2.json', 'wamp.2.cbor'):
        for deflate in (0, 1):
            await websockets_server_case(proto, deflate)
            await websockets_client_case(proto, deflate)
            await autobahn_server_case(proto, deflate)
    offers = [None, PerMessageDeflateOffer(),
              PerMessageDeflateOffer(accept_no_context_takeover=True, request_no_context_takeover=True),
              PerMessageDeflateOffer(accept_max_window_bits=True, request_max_window_bits=10),
              PerMessageDeflateOffer(request_max_window_bits=9, request_no_context_takeover=True)]
    for proto in ('wamp.2.json', 'wamp.2.msgpack'):
        for offer in offers:
            await autobahn_client_case(proto, offer)


if __name__ == '__main__':
    asyncio.run(main())
    print('%d failure(s)' % len(FAILURES))
    sys.exit(1 if FAILURES else 0)
