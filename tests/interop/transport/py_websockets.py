"""interop.transport.websockets: our WebSocket server vs the python3-websockets client, and our
WebSocket client vs a python3-websockets server; with and without permessage-deflate, message
sizes 0 B .. 16 MiB, whole and fragmented, text (wamp.2.json) and binary (wamp.2.cbor)."""
import asyncio
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import (MiB, WS_SIZES, Server, check, payload, run_client, sha, sizes_arg)  # noqa
import websockets.client  # noqa: E402
import websockets.server  # noqa: E402

WSECHO = sys.argv[1]


async def python_client_to_our_server():
    for deflate in (False, True):
        srv = Server(WSECHO, '--max', str(16 * MiB), *(['--deflate'] if deflate else []))
        try:
            for proto in ('wamp.2.json', 'wamp.2.cbor'):
                async with websockets.client.connect(
                        'ws://127.0.0.1:%d/ws' % srv.port, subprotocols=[proto],
                        compression='deflate' if deflate else None, max_size=None,
                        open_timeout=20) as ws:
                    check(ws.subprotocol == proto, 'subprotocol %s negotiated' % proto)
                    opened = srv.expect('OPEN')
                    check(('permessage-deflate' in opened) == deflate,
                          'deflate=%s negotiated: %s' % (deflate, opened))
                    sent = []
                    for i, n in enumerate(WS_SIZES):
                        data = payload(n, i)
                        msg = data.decode() if proto == 'wamp.2.json' else data
                        if i % 2 and n > 10:
                            # fragmented: the library sends an iterable as one fragmented message
                            k = max(1, n // 7)
                            parts = [msg[j:j + k] for j in range(0, n, k)]
                            await ws.send(parts)
                        else:
                            await ws.send(msg)
                        echo = await asyncio.wait_for(ws.recv(), 60)
                        check(echo == msg, '%s deflate=%s echo of %d bytes%s' % (
                            proto, deflate, n, ' (fragmented)' if i % 2 and n > 10 else ''))
                        sent.append((n, sha(data)))
                    got = srv.msgs(len(sent))
                    check(got == sent, 'our server received exactly what was sent (%s)' % proto)
                    await ws.close(1000, 'bye')
                closed = srv.expect('CLOSE')
                check(closed.startswith('CLOSE WAMP_OK 1000'), 'clean close seen by our server: ' + closed)
        finally:
            check(srv.stop() == 0, 'server exited cleanly')


async def our_client_to_python_server():
    async def echo(ws, path=None):
        async for m in ws:
            await ws.send(m)

    for deflate in (False, True):
        async with websockets.server.serve(echo, '127.0.0.1', 0, subprotocols=['wamp.2.json', 'wamp.2.cbor'],
                                           compression='deflate' if deflate else None,
                                           max_size=None) as server:
            port = server.sockets[0].getsockname()[1]
            for proto in ('wamp.2.json', 'wamp.2.cbor'):
                for frag in (None, '4096'):
                    args = ['--protocol', proto, '--sizes', sizes_arg(WS_SIZES)]
                    if deflate:
                        args.append('--deflate')
                    if frag:
                        args += ['--fragment', frag]
                    rc, out = await run_client(WSECHO, 'ws://127.0.0.1:%d/' % port, *args)
                    oks = [l for l in out if l.startswith('OK ')]
                    check(rc == 0 and len(oks) == len(WS_SIZES),
                          'our client vs websockets server %s deflate=%s fragment=%s: %s' % (
                              proto, deflate, frag, out[:1] + out[-1:]))
                    check(('permessage-deflate' in out[0]) == deflate, 'extension as expected: ' + out[0])


async def main():
    await python_client_to_our_server()
    await our_client_to_python_server()
    print('PASS')


asyncio.run(main())
