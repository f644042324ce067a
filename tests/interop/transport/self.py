"""interop.transport.self: our transport client against our listener: WebSocket (with and without
permessage-deflate, fragmented), RawSocket, over TCP (IPv4, IPv6) and Unix sockets, TLS, pings."""
import asyncio
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import RS_SIZES, WS_SIZES, Server, check, run_client, sizes_arg  # noqa

WSECHO = sys.argv[1]


async def main():
    d = tempfile.mkdtemp(prefix='wamp-self-')
    assert os.system('%s mkcerts %s' % (WSECHO, d)) == 0
    srv = Server(WSECHO, '--deflate')
    srv6 = None
    try:
        u = 'ws://127.0.0.1:%d/' % srv.port
        for args in ([], ['--deflate'], ['--fragment', '3000'], ['--deflate', '--fragment', '1000'],
                     ['--ping', '500', '--repeat', '1000']):
            sizes = WS_SIZES if '--ping' not in args else [0, 1, 1000]
            rc, out = await run_client(WSECHO, u, '--sizes', sizes_arg(sizes), *args)
            check(rc == 0 and out[-1] == 'CLOSE WAMP_OK 1000', 'ws %s: %s' % (args, out[0]))
            check(('permessage-deflate' in out[0]) == ('--deflate' in args), 'extension as asked')
        # pings from the server side too (small messages: a pong queued behind megabytes on a
        # loaded machine would legitimately miss a short timeout)
        psrv = Server(WSECHO, '--ping', '500')
        rc, out = await run_client(WSECHO, 'ws://127.0.0.1:%d/' % psrv.port, '--sizes', '0,1,1000',
                                   '--ping', '500', '--repeat', '1000')
        check(rc == 0, 'ws with pings from both sides')
        check(psrv.stop() == 0, 'ping server exited')
        rc, out = await run_client(WSECHO, 'rs://127.0.0.1:%d' % srv.port, '--sizes', sizes_arg(RS_SIZES))
        check(rc == 0, 'rs on the same port')
        try:
            srv6 = Server(WSECHO, '--host', '::1')
            rc, out = await run_client(WSECHO, 'ws://[::1]:%d/' % srv6.port, '--sizes', '1,70000')
            check(rc == 0, 'ws over IPv6')
        except RuntimeError:
            print('no IPv6 loopback: skipped IPv6')
            srv6 = None
    finally:
        check(srv.stop() == 0, 'server exited')
        if srv6:
            srv6.stop()
    path = os.path.join(d, 'wamp.sock')
    srv = Server(WSECHO, '--unix', path)
    try:
        rc, out = await run_client(WSECHO, 'ws://unix:%s' % path, '--sizes', '0,1,70000,1048576')
        check(rc == 0, 'ws over unix socket')
        rc, out = await run_client(WSECHO, 'rs://unix:%s' % path, '--sizes', '0,1,70000,1048576')
        check(rc == 0, 'rs over unix socket')
    finally:
        srv.stop()
    srv = Server(WSECHO, '--tls', d)
    try:
        for scheme in ('wss', 'rss'):
            rc, out = await run_client(WSECHO, '%s://localhost:%d' % (scheme, srv.port), '--ca',
                                       os.path.join(d, 'ca.pem'), '--sizes', '0,1,70000,1048576')
            cid_c = [l for l in out if l.startswith('CID')]
            srv.expect('OPEN')
            cid_s = srv.expect('CID')
            check(rc == 0 and cid_c == [cid_s], '%s: same channel id on both ends' % scheme)
    finally:
        srv.stop()
    print('PASS')


asyncio.run(main())
