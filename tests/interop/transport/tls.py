"""interop.transport.tls: TLS between libwamp's runtime and Python's ssl module.

- Python ssl clients (websockets over wss://, and a raw RawSocket client over TLS) against our
  TLS listener, TLS 1.3 and TLS 1.2: echo works, the peer certificate verifies against our
  throwaway CA for "localhost", and the TransportDetails channel_id["tls-unique"] our server
  reports equals what Autobahn computes on its side (autobahn.asyncio.util.transport_channel_id,
  i.e. SHA-256 of the tls-unique channel binding of Python's ssl).
- our wss:// client against a Python ssl (websockets) server: the channel id our client reports
  equals Autobahn's server-side transport_channel_id(transport, is_server=True).
- our client refuses a server whose certificate is for another name, or signed by an unknown CA.
"""
import asyncio
import os
import socket
import ssl
import struct
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import Server, check, payload, run_client  # noqa

import txaio  # noqa: E402
txaio.use_asyncio()
import websockets.client  # noqa: E402
import websockets.server  # noqa: E402
from autobahn.asyncio.util import transport_channel_id  # noqa: E402

WSECHO = sys.argv[1]
DIR = tempfile.mkdtemp(prefix='wamp-tls-interop-')
assert os.system('%s mkcerts %s' % (WSECHO, DIR)) == 0
CA = os.path.join(DIR, 'ca.pem')


def client_ctx(version):
    ctx = ssl.create_default_context(cafile=CA)
    ctx.minimum_version = version
    ctx.maximum_version = version
    return ctx


async def python_clients(tls12_server):
    srv = Server(WSECHO, '--tls', DIR, *(['--tls12'] if tls12_server else []))
    try:
        versions = [ssl.TLSVersion.TLSv1_2] if tls12_server else [ssl.TLSVersion.TLSv1_3, ssl.TLSVersion.TLSv1_2]
        for v in versions:
            async with websockets.client.connect('wss://localhost:%d/' % srv.port, ssl=client_ctx(v),
                                                 subprotocols=['wamp.2.json'], max_size=None) as ws:
                sslobj = ws.transport.get_extra_info('ssl_object')
                check(sslobj.version() == {ssl.TLSVersion.TLSv1_2: 'TLSv1.2', ssl.TLSVersion.TLSv1_3: 'TLSv1.3'}[v],
                      'negotiated ' + sslobj.version())
                ours = srv.expect('CID').split()[1]
                theirs = transport_channel_id(ws.transport, False, 'tls-unique').hex()
                check(ours == theirs, 'tls-unique channel id equal to Autobahn\'s (%s): %s' % (sslobj.version(), ours))
                for n in (0, 1, 70000, 1 << 20):
                    msg = payload(n).decode()
                    await ws.send(msg)
                    check(await ws.recv() == msg, 'wss echo %d bytes' % n)
                srv.msgs(4)
            srv.expect('CLOSE')
            # a raw Python ssl socket speaking RawSocket over TLS
            raw = socket.create_connection(('127.0.0.1', srv.port))
            tls = client_ctx(v).wrap_socket(raw, server_hostname='localhost')
            tls.sendall(bytes([0x7F, 0xF1, 0, 0]))
            check(tls.recv(4)[0] == 0x7F, 'rss handshake reply')
            body = payload(1000)
            tls.sendall(struct.pack('!L', len(body)) + body)
            got = b''
            while len(got) < 4 + len(body):
                got += tls.recv(65536)
            check(got[4:] == body, 'rss echo over Python ssl socket (%s)' % tls.version())
            ours = srv.expect('CID').split()[1]
            import hashlib
            check(ours == hashlib.sha256(tls.get_channel_binding('tls-unique')).hexdigest(),
                  'rss channel id = sha256(tls-unique)')
            tls.close()
            srv.expect('CLOSE')
    finally:
        check(srv.stop() == 0, 'server exited cleanly')


async def our_client_to_python_server():
    got = {}

    async def echo(ws, path=None):
        got['cid'] = transport_channel_id(ws.transport, True, 'tls-unique').hex()
        async for m in ws:
            await ws.send(m)

    for v in (ssl.TLSVersion.TLSv1_3, ssl.TLSVersion.TLSv1_2):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(os.path.join(DIR, 'server.pem'), os.path.join(DIR, 'server.key'))
        ctx.minimum_version = ctx.maximum_version = v
        async with websockets.server.serve(echo, '127.0.0.1', 0, ssl=ctx, subprotocols=['wamp.2.json'],
                                           max_size=None) as server:
            port = server.sockets[0].getsockname()[1]
            rc, out = await run_client(WSECHO, 'wss://localhost:%d/' % port, '--ca', CA,
                                       '--protocol', 'wamp.2.json', '--sizes', '0,1,70000')
            check(rc == 0, 'our wss client vs Python ssl server (%s): %s' % (v, out[-1:]))
            cid = [l.split()[1] for l in out if l.startswith('CID ')]
            check(cid == [got['cid']], 'client-side channel id equals Autobahn server-side: %s' % cid)
            rc, out = await run_client(WSECHO, 'wss://127.0.0.1:%d/' % port, '--ca', CA,
                                       '--protocol', 'wamp.2.json', '--sizes', '1')
            check(rc == 0, 'IP SAN verifies (127.0.0.1)')
            rc, out = await run_client(WSECHO, 'wss://localhost:%d/' % port,
                                       '--ca', os.path.join(DIR, 'other-ca.pem'), '--sizes', '1')
            check(rc != 0 and 'CONNECT WAMP_ECERT' in out, 'untrusted CA refused: %s' % out)
    # wrong host name: our server's certificate is for localhost/127.0.0.1/::1 only
    srv = Server(WSECHO, '--tls', DIR, '--host', '127.0.0.2')
    try:
        rc, out = await run_client(WSECHO, 'wss://127.0.0.2:%d/' % srv.port, '--ca', CA, '--sizes', '1')
        check(rc != 0 and 'CONNECT WAMP_ECERT' in out, 'wrong host name refused: %s' % out)
    finally:
        srv.stop()


async def main():
    await python_clients(False)
    await python_clients(True)
    await our_client_to_python_server()
    print('PASS')


asyncio.run(main())
