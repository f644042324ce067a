"""interop.router.config: wampd configurations served to Autobahn|Python — unix endpoints
(RawSocket and WebSocket), a TLS endpoint, websocket-only and rawsocket-only transports,
message size limits (RawSocket handshake exponent; a too-big message closes that connection
only), several router workers, options.auto_create_realms, a realm "store" with
"event-history" (wamp.subscription.get_events) — and configuration errors naming the exact JSON
path."""
import asyncio
import json
import os
import shutil
import socket
import ssl
import struct
import subprocess
import sys
import tempfile

from router_common import Wampd, join, check, finish
from tlsgen import TestPKI

ALL = {'call': True, 'register': True, 'publish': True, 'subscribe': True}
ROLES = [{'name': 'anonymous', 'permissions': [{'uri': '', 'match': 'prefix', 'allow': ALL}]}]
TMP = tempfile.mkdtemp(prefix='wampd-config-')
PKI = TestPKI(TMP)


def tcp(**extra):
    return dict({'type': 'tcp', 'port': 0, 'interface': '127.0.0.1'}, **extra)


def config(transports, realms=None, **worker):
    w = dict({'type': 'router', 'realms': realms or [{'name': 'realm1', 'roles': ROLES}],
              'transports': transports}, **worker)
    return {'version': 2, 'workers': [w]}


def rs_handshake(port=None, unix=None, ser=1):
    """Raw RawSocket handshake; returns (socket, 4-byte reply or b'')."""
    if unix:
        s = socket.socket(socket.AF_UNIX)
        s.settimeout(5)
        s.connect(unix)
    else:
        s = socket.create_connection(('127.0.0.1', port), timeout=5)
    s.sendall(bytes([0x7F, 0xF0 | ser, 0, 0]))
    reply = b''
    try:
        while len(reply) < 4:
            x = s.recv(4 - len(reply))
            if not x:
                break
            reply += x
    except OSError:
        pass
    return s, reply


def rs_oversized(port, size):
    """Joins over a raw RawSocket (JSON), then sends a CALL of size bytes; returns (joined,
    connection closed by the router)."""
    s, reply = rs_handshake(port)
    hello = json.dumps([1, 'realm1', {'roles': {'caller': {}}}]).encode()
    s.sendall(struct.pack('>I', len(hello)) + hello)
    head = s.recv(4)
    joined = len(head) == 4
    if joined:
        n = struct.unpack('>I', head)[0] & 0xFFFFFF
        body = b''
        while len(body) < n:
            body += s.recv(n - len(body))
        joined = json.loads(body)[0] == 2
    call = json.dumps([48, 1, {}, 'com.size.len', ['x' * size]]).encode()
    closed = False
    try:
        s.sendall(struct.pack('>I', len(call)) + call)
        while True:
            x = s.recv(4096)
            if not x:
                closed = True
                break
    except OSError:
        closed = True
    s.close()
    return joined, closed


async def expect_fail(what, coro):
    try:
        s = await coro
        s.leave()
        check(False, what)
    except Exception as e:
        check(True, '%s (%s)' % (what, type(e).__name__))


async def unix_endpoints(exe):
    path = os.path.join(TMP, 'wampd.sock')
    d = Wampd(exe, config([{'type': 'universal', 'endpoint': {'type': 'unix', 'path': path},
                            'rawsocket': {}, 'websocket': {'ws': {'type': 'websocket'}}}]))
    try:
        check(d.listening[0] == ('unix', path), 'LISTENING unix ' + path)
        a = await join(None, 'msgpack', rawsocket=True, unix=path)
        b = await join(None, 'cbor', unix=path)
        await a.register(lambda x: x + 1, 'com.unix.inc')
        check(await b.call('com.unix.inc', 41) == 42,
              'unix endpoint: RawSocket callee and WebSocket caller')
        a.leave()
        b.leave()
    finally:
        check(d.stop() == 0, 'wampd (unix) exits 0')


async def tls_endpoint(exe):
    d = Wampd(exe, config([{'type': 'universal',
                            'endpoint': tcp(tls={'certificate': PKI.server_cert,
                                                 'key': PKI.server_key}),
                            'rawsocket': {}, 'websocket': {'ws': {'type': 'websocket'}}}]))
    try:
        ctx = ssl.create_default_context(cafile=PKI.ca)
        a = await join(d.port, 'json', ssl=ctx)
        b = await join(d.port, 'ubjson', ssl=ctx)
        await a.register(lambda: 'secure', 'com.tls.hello')
        check(await b.call('com.tls.hello') == 'secure', 'TLS endpoint: wss sessions talk')
        a.leave()
        b.leave()
        await expect_fail('plain WebSocket on the TLS endpoint refused', join(d.port, 'json'))
    finally:
        check(d.stop() == 0, 'wampd (tls) exits 0')


async def client_certificates(exe):
    """endpoint.tls.ca_certificates (two files) + authmethod "tls" (SHA-1 fingerprint) and
    require_client_certificate."""
    c1, k1, fp1 = PKI.issue('client1', 'client one')
    c2, k2, fp2 = PKI.issue('client2', 'client two')  # trusted CA, but no principal
    other = PKI.other_ca()
    c3, k3, fp3 = PKI.issue('client3', 'client three', signer=other)
    from cryptography.hazmat.primitives import serialization
    other_pem = os.path.join(TMP, 'other-ca.pem')
    with open(other_pem, 'wb') as f:  # a second CA file (a third CA, signing nothing here)
        f.write(PKI.other_ca()[1].public_bytes(serialization.Encoding.PEM))
    tls = {'certificate': PKI.server_cert, 'key': PKI.server_key,
           'ca_certificates': [other_pem, PKI.ca]}
    d = Wampd(exe, config([
        {'type': 'universal', 'endpoint': tcp(tls=tls),
         'rawsocket': {}, 'websocket': {'ws': {'type': 'websocket'}},
         'auth': {'tls': {'type': 'static', 'principals': {
             'client1': {'certificate-sha1': fp1, 'role': 'anonymous'}}},
             'anonymous': {'type': 'static', 'role': 'anonymous'}}},
        {'type': 'websocket', 'endpoint': tcp(tls=dict(tls, require_client_certificate=True))}]))
    popt, preq = d.ports

    def ctx(cert=None, key=None):
        x = ssl.create_default_context(cafile=PKI.ca)
        if cert:
            x.load_cert_chain(cert, key)
        return x
    try:
        a = await join(popt, 'json', ssl=ctx(c1, k1), authmethods=['tls'])
        check(a.details.authid == 'client1' and a.details.authmethod == 'tls' and
              a.details.authrole == 'anonymous',
              'authmethod tls: the certificate (SHA-1 %s...) maps to client1' % fp1[:11])
        b = await join(popt, 'msgpack', rawsocket=False, ssl=ctx(c1, k1), authmethods=['tls'],
                       authid='client1')
        check(b.details.authid == 'client1', 'authmethod tls with the matching authid')
        for what, kw, reason in [
                ('tls without a client certificate', dict(ssl=ctx()), 'wamp.error.not_authorized'),
                ('tls with a certificate of no principal', dict(ssl=ctx(c2, k2)),
                 'wamp.error.no_such_principal'),
                ('tls with another authid', dict(ssl=ctx(c1, k1), authid='someone'),
                 'wamp.error.not_authorized')]:
            try:
                x = await join(popt, 'json', authmethods=['tls'], **kw)
                x.leave()
                check(False, what)
            except Exception as e:
                check(reason in str(e), '%s -> %s' % (what, reason))
        g = await join(popt, 'json', ssl=ctx())
        check(g.details.authmethod == 'anonymous', 'optional client certificate: anonymous joins')
        await expect_fail('a certificate from an untrusted CA is refused',
                          join(popt, 'json', ssl=ctx(c3, k3)))
        r = await join(preq, 'cbor', ssl=ctx(c2, k2))
        check(r.details.realm == 'realm1', 'require_client_certificate: a trusted client joins')
        await expect_fail('require_client_certificate: no certificate refused',
                          join(preq, 'cbor', ssl=ctx()))
        for x in (a, b, g, r):
            x.leave()
    finally:
        check(d.stop() == 0, 'wampd (client certificates) exits 0')


async def single_framing(exe):
    loop = asyncio.get_event_loop()
    d = Wampd(exe, config([
        {'type': 'websocket', 'endpoint': tcp()},
        {'type': 'rawsocket', 'endpoint': tcp()}]))
    pws, prs = d.ports
    try:
        a = await join(pws, 'json')
        check(a.details.realm == 'realm1', 'websocket-only transport: WebSocket joins')
        await expect_fail('websocket-only transport: RawSocket refused',
                          join(pws, 'json', rawsocket=True))
        s, reply = await loop.run_in_executor(None, rs_handshake, pws)
        s.close()
        check(len(reply) < 4 or reply[0] != 0x7F, 'websocket-only: no RawSocket handshake reply')
        b = await join(prs, 'msgpack', rawsocket=True)
        check(b.details.realm == 'realm1', 'rawsocket-only transport: RawSocket joins')
        await expect_fail('rawsocket-only transport: WebSocket refused', join(prs, 'json'))
        a.leave()
        b.leave()
    finally:
        check(d.stop() == 0, 'wampd (single framing) exits 0')


async def size_limits(exe):
    loop = asyncio.get_event_loop()
    d = Wampd(exe, config([
        {'type': 'rawsocket', 'endpoint': tcp(), 'max_message_size': 1024},
        {'type': 'universal', 'endpoint': tcp(),
         'rawsocket': {'max_message_size': 3000},
         'websocket': {'ws': {'type': 'websocket',
                              'options': {'max_message_size': 65536, 'max_frame_size': 4096}}}}]))
    prs, puni = d.ports
    try:
        s, reply = await loop.run_in_executor(None, rs_handshake, prs)
        s.close()
        check(len(reply) == 4 and reply[1] >> 4 == 1,
              'max_message_size 1024: handshake announces 2^(9+1) (%r)' % reply)
        s, reply = await loop.run_in_executor(None, rs_handshake, puni)
        s.close()
        check(len(reply) == 4 and reply[1] >> 4 == 3,
              'max_message_size 3000: handshake announces 2^(9+3) = 4096 (%r)' % reply)
        callee = await join(prs, 'json', rawsocket=True)
        await callee.register(lambda x: len(x), 'com.size.len')
        small = await join(prs, 'json', rawsocket=True)
        check(await small.call('com.size.len', 'x' * 900) == 900, 'rawsocket: 900 bytes pass')
        # Autobahn refuses to send over the announced limit itself: a raw client does
        ok, closed = await loop.run_in_executor(None, rs_oversized, prs, 2000)
        check(ok and closed, 'rawsocket: a 2000-byte CALL over a 1024 limit closes the connection')
        check(await small.call('com.size.len', 'y' * 10) == 10, 'rawsocket: others still served')
        # websocket: the smaller of max_message_size and max_frame_size (4096) bounds a message
        wbig = await join(puni, 'json')
        ok = await join(puni, 'cbor')
        await ok.register(lambda x: len(x), 'com.size.wslen')
        check(await ok.call('com.size.wslen', 'z' * 3000) == 3000, 'websocket: 3000 bytes pass')
        try:
            await asyncio.wait_for(wbig.call('com.size.wslen', 'z' * 6000), 10)
            check(False, 'websocket: a 6000-byte CALL over 4096 closes the connection')
        except Exception as e:
            check(wbig.left.done(), 'websocket: a 6000-byte CALL over 4096 closes the connection '
                  '(%s)' % type(e).__name__)
        check(await ok.call('com.size.wslen', 'w') == 1, 'websocket: others still served')
        for x in (callee, small, ok):
            x.leave()
    finally:
        check(d.stop() == 0, 'wampd (size limits) exits 0')


async def workers_and_auto_realms(exe):
    cfg = config([{'type': 'websocket', 'endpoint': tcp()}], options={'auto_create_realms': True})
    cfg['workers'].append({'type': 'router',
                           'realms': [{'name': 'realm2', 'roles': ROLES}],
                           'transports': [{'type': 'rawsocket', 'endpoint': tcp()}]})
    d = Wampd(exe, cfg)
    pws, prs = d.ports
    try:
        a = await join(prs, 'json', rawsocket=True, realm='realm2')
        check(a.details.realm == 'realm2', 'second router worker: its realm and transport')
        b = await join(pws, 'json', realm='fresh.realm')
        check(b.details.realm == 'fresh.realm', 'auto_create_realms: an unknown realm is created')
        c = await join(prs, 'msgpack', rawsocket=True, realm='fresh.realm')
        await b.register(lambda: 'made', 'com.auto.p')
        check(await c.call('com.auto.p') == 'made',
              'auto-created realm: the first realm\'s roles apply, across transports')
        for x in (a, b, c):
            x.leave()
    finally:
        check(d.stop() == 0, 'wampd (workers) exits 0')
    d = Wampd(exe, config([{'type': 'websocket', 'endpoint': tcp()}]))
    try:
        await expect_fail('without auto_create_realms an unknown realm is refused',
                          join(d.port, 'json', realm='fresh.realm'))
    finally:
        d.stop()


def config_errors(exe):
    def run_check(cfg):
        fd, path = tempfile.mkstemp(suffix='.json', dir=TMP)
        with os.fdopen(fd, 'w') as f:
            f.write(cfg if isinstance(cfg, str) else json.dumps(cfg))
        r = subprocess.run([exe, '--check', '--config', path], capture_output=True, text=True)
        return r.returncode, (r.stdout + r.stderr).strip()

    good = config([{'type': 'universal', 'endpoint': tcp(),
                    'rawsocket': {'max_message_size': 65536},
                    'websocket': {'ws': {'type': 'websocket',
                                         'options': {'max_message_size': 65536}}}}],
                  options={'auto_create_realms': False})
    rc, out = run_check(good)
    check(rc == 0, '--check accepts a config with limits and options (%s)' % out)

    def bad(mutate, path, what):
        c = json.loads(json.dumps(good))
        mutate(c)
        rc, out = run_check(c)
        check(rc == 1 and ('invalid configuration: %s:' % path) in out,
              '%s -> %s' % (what, out))
    w = lambda c: c['workers'][0]  # noqa: E731
    t = lambda c: w(c)['transports'][0]  # noqa: E731
    bad(lambda c: c.update(controller={}), 'controller', 'unknown top-level key')
    bad(lambda c: c.update(version=3), 'version', 'version other than 2')
    bad(lambda c: w(c).update(color='red'), 'workers[0].color', 'unknown worker key')
    bad(lambda c: c['workers'].append({'type': 'container'}), 'workers[1].type',
        'unsupported worker type')
    bad(lambda c: w(c)['options'].update(auto_create_realms='yes'),
        'workers[0].options.auto_create_realms', 'auto_create_realms not a boolean')
    bad(lambda c: w(c)['options'].update(turbo=True), 'workers[0].options.turbo',
        'unknown worker option')
    bad(lambda c: w(c)['realms'][0].update(store={}), 'workers[0].realms[0].store.type',
        'store without a type')
    bad(lambda c: w(c)['realms'][0].update(store={'type': 'lmdb'}),
        'workers[0].realms[0].store.type', 'unsupported store type')
    bad(lambda c: w(c)['realms'][0].update(store={'type': 'memory', 'size': 1}),
        'workers[0].realms[0].store.size', 'unknown store key')
    bad(lambda c: w(c)['realms'][0].update(store={'type': 'memory', 'limit': 0}),
        'workers[0].realms[0].store.limit', 'store limit 0')
    bad(lambda c: w(c)['realms'][0].update(store={'type': 'memory', 'event-history': {}}),
        'workers[0].realms[0].store.event-history', 'event-history not an array')
    eh = lambda *e: {'type': 'memory', 'event-history': list(e)}  # noqa: E731
    bad(lambda c: w(c)['realms'][0].update(store=eh({'uri': 'a.b'}, {'limit': 3})),
        'workers[0].realms[0].store.event-history[1].uri', 'history entry without uri')
    bad(lambda c: w(c)['realms'][0].update(store=eh({'uri': 'a.b', 'match': 'regex'})),
        'workers[0].realms[0].store.event-history[0].match', 'history match unknown')
    bad(lambda c: w(c)['realms'][0].update(store=eh({'uri': 'a..b'})),
        'workers[0].realms[0].store.event-history[0].uri', 'empty component in an exact uri')
    bad(lambda c: w(c)['realms'][0].update(store=eh({'uri': 'a.b', 'limit': 'ten'})),
        'workers[0].realms[0].store.event-history[0].limit', 'history limit not an integer')
    bad(lambda c: w(c)['realms'][0].update(store=eh({'uri': 'a.b', 'limit': 2000000})),
        'workers[0].realms[0].store.event-history[0].limit', 'history limit too large')
    bad(lambda c: w(c)['realms'][0].update(store=eh({'uri': 'a.b'}, {'uri': 'a.b'})),
        'workers[0].realms[0].store.event-history[1].uri', 'duplicate history')
    bad(lambda c: w(c)['realms'][0].update(store=eh({'uri': 'a.b', 'keep': 1})),
        'workers[0].realms[0].store.event-history[0].keep', 'unknown history key')
    bad(lambda c: w(c)['realms'][0]['roles'][0]['permissions'][0]['allow'].update(kill=True),
        'workers[0].realms[0].roles[0].permissions[0].allow.kill', 'unknown action')
    bad(lambda c: w(c)['realms'][0]['roles'][0]['permissions'][0].update(disclose={'caller': 1}),
        'workers[0].realms[0].roles[0].permissions[0].disclose.caller', 'disclose not a boolean')
    bad(lambda c: w(c)['realms'].append({'name': 'realm1'}), 'workers[0].realms[1].name',
        'duplicate realm')
    bad(lambda c: w(c)['realms'][0]['roles'][0].update(authorizer='com.a'),
        'workers[0].realms[0].roles[0].permissions', 'permissions and an authorizer')
    bad(lambda c: t(c).update(type='universal', websocket={'ws': {}, '/ws': {}}),
        'workers[0].transports[0].websocket./ws', 'duplicate websocket path')
    bad(lambda c: t(c).update(type='universal', websocket={'a b': {}}),
        'workers[0].transports[0].websocket.a b', 'websocket path with a space')
    bad(lambda c: t(c).update(type='universal', websocket={'ws': {'auth': {'x': {}}}}),
        'workers[0].transports[0].websocket.ws.auth.x', 'unknown authmethod under a path')
    bad(lambda c: t(c).update(paths={}), 'workers[0].transports[0].paths', 'unknown transport key')
    bad(lambda c: t(c)['endpoint'].update(backlog=5), 'workers[0].transports[0].endpoint.backlog',
        'unknown endpoint key')
    bad(lambda c: t(c)['rawsocket'].update(max_message_size=100),
        'workers[0].transports[0].rawsocket.max_message_size', 'rawsocket limit below 512')
    bad(lambda c: t(c)['rawsocket'].update(max_message_size=32 << 20),
        'workers[0].transports[0].rawsocket.max_message_size', 'rawsocket limit above 16 MiB')
    bad(lambda c: t(c)['websocket']['ws']['options'].update(max_message_size='big'),
        'workers[0].transports[0].websocket.ws.options.max_message_size',
        'websocket limit not an integer')
    bad(lambda c: t(c)['websocket']['ws']['options'].update(compression={}),
        'workers[0].transports[0].websocket.ws.options.compression', 'unknown websocket option')
    bad(lambda c: t(c).update(auth={'ticket': {'type': 'static', 'principal': {}}}),
        'workers[0].transports[0].auth.ticket.principal', 'unknown auth key')
    bad(lambda c: t(c).update(auth={'ticket': {'type': 'dynamic'}}),
        'workers[0].transports[0].auth.ticket.authenticator', 'dynamic without authenticator')
    bad(lambda c: t(c).update(auth={'wampcra': {'type': 'dynamic', 'authenticator': 'a.b',
                                                'authenticator-timeout': 0}}),
        'workers[0].transports[0].auth.wampcra.authenticator-timeout', 'bad authenticator timeout')
    bad(lambda c: t(c).update(auth={'tls': {'type': 'static', 'principals': {}}}),
        'workers[0].transports[0].auth.tls', 'tls auth without ca_certificates')
    bad(lambda c: t(c)['endpoint'].update(tls={'certificate': 'c', 'key': 'k',
                                               'require_client_certificate': True}),
        'workers[0].transports[0].endpoint.tls.require_client_certificate',
        'require_client_certificate without ca_certificates')
    bad(lambda c: t(c)['endpoint'].update(tls={'certificate': 'c', 'key': 'k',
                                               'ca_certificates': ['a'], 'crl': 'x'}),
        'workers[0].transports[0].endpoint.tls.crl', 'unknown tls key')
    bad(lambda c: (t(c)['endpoint'].update(tls={'certificate': 'c', 'key': 'k',
                                                'ca_certificates': ['a']}),
                   t(c).update(auth={'tls': {'type': 'static', 'principals': {
                       'x': {'certificate-sha1': 'AB:CD', 'role': 'r'}}}})),
        'workers[0].transports[0].auth.tls.principals.x.certificate-sha1', 'short fingerprint')
    bad(lambda c: t(c).update(auth={'tls': {'type': 'dynamic', 'authenticator': 'a.b'}}),
        'workers[0].transports[0].auth.tls.type', 'dynamic tls')
    rs = config([{'type': 'rawsocket', 'endpoint': tcp(), 'options': {}}])
    rc, out = run_check(rs)
    check(rc == 1 and 'workers[0].transports[0].options: unknown key' in out,
          'rawsocket transport has no websocket options -> ' + out)


def ws_status(port, path):
    """The HTTP status line wampd answers a WebSocket upgrade for path with."""
    s = socket.create_connection(('127.0.0.1', port), timeout=5)
    s.sendall(('GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n'
               'Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n'
               'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: wamp.2.json\r\n\r\n'
               % path).encode())
    data = b''
    try:
        while b'\r\n' not in data:
            x = s.recv(4096)
            if not x:
                break
            data += x
    except OSError:
        pass
    s.close()
    return data.split(b'\r\n')[0].decode('latin-1')


async def websocket_paths(exe):
    loop = asyncio.get_event_loop()
    tk = {'ticket': {'type': 'static', 'principals': {
        'alice': {'ticket': 'alice-secret', 'role': 'anonymous'},
        'bob': {'ticket': 'bob-secret', 'role': 'anonymous'}}}}
    rs_tk = {'ticket': {'type': 'static', 'principals': {
        'bob': {'ticket': 'bob-secret', 'role': 'anonymous'}}}}
    d = Wampd(exe, config([
        {'type': 'universal', 'endpoint': tcp(),
         'websocket': {'ws': {'type': 'websocket'},
                       'secure': {'type': 'websocket', 'auth': tk},
                       '/': {'type': 'websocket', 'auth': {'anonymous': {'type': 'static',
                                                                         'role': 'anonymous'}}}},
         'rawsocket': {'auth': rs_tk}},
        {'type': 'websocket', 'endpoint': tcp()}]))
    puni, pws = d.ports
    ticket = lambda secret: lambda s, c: secret  # noqa: E731
    try:
        for path in ('/ws', '/secure', '/'):
            st = await loop.run_in_executor(None, ws_status, puni, path)
            check(' 101 ' in st, 'configured WebSocket path %s is served (%s)' % (path, st))
        for path in ('/nope', '/ws/x', '/secure2', '/WS'):
            st = await loop.run_in_executor(None, ws_status, puni, path)
            check(st.startswith('HTTP/1.1 404'), 'unknown WebSocket path %s -> 404 (%s)' % (path, st))
        a = await join(puni, 'json', path='/ws')
        check(a.details.authmethod == 'anonymous', '/ws (no auth): anonymous joins')
        await expect_fail('/secure (ticket only): anonymous refused',
                          join(puni, 'json', path='/secure'))
        b = await join(puni, 'msgpack', path='/secure', authmethods=['ticket'], authid='alice',
                       on_challenge=ticket('alice-secret'))
        check(b.details.authid == 'alice' and b.details.authmethod == 'ticket',
              '/secure: its own auth (ticket) applies')
        await expect_fail('/ (anonymous only): ticket refused',
                          join(puni, 'json', path='/', authmethods=['ticket'], authid='alice',
                               on_challenge=ticket('alice-secret')))
        c = await join(puni, 'cbor', path='/')
        check(c.details.authmethod == 'anonymous', '/: its own auth (anonymous) applies')
        await expect_fail('rawsocket (its own ticket auth): anonymous refused',
                          join(puni, 'json', rawsocket=True))
        await expect_fail('rawsocket auth has only bob: alice refused',
                          join(puni, 'json', rawsocket=True, authmethods=['ticket'],
                               authid='alice', on_challenge=ticket('alice-secret')))
        e = await join(puni, 'json', rawsocket=True, authmethods=['ticket'], authid='bob',
                       on_challenge=ticket('bob-secret'))
        check(e.details.authid == 'bob', 'rawsocket: its own auth applies')
        st = await loop.run_in_executor(None, ws_status, pws, '/anything')
        check(' 101 ' in st, 'a websocket transport (no paths) serves any path (%s)' % st)
        for x in (a, b, c, e):
            x.leave()
    finally:
        check(d.stop() == 0, 'wampd (websocket paths) exits 0')


async def event_history(exe):
    realms = [{'name': 'realm1', 'roles': ROLES,
               'store': {'type': 'memory', 'limit': 4, 'event-history': [
                   {'uri': 'com.hist.exact', 'match': 'exact', 'limit': 3},
                   {'uri': 'com.hist.pre.', 'match': 'prefix'},
                   {'uri': 'com.hist..w', 'match': 'wildcard', 'limit': 2}]}}]
    d = Wampd(exe, config([{'type': 'universal', 'endpoint': tcp(), 'rawsocket': {},
                            'websocket': {'ws': {'type': 'websocket'}}}], realms))
    try:
        from autobahn.wamp.types import PublishOptions
        from autobahn.wamp.exception import ApplicationError
        pub = await join(d.port, 'json')
        meta = await join(d.port, 'cbor', rawsocket=True)
        ack = PublishOptions(acknowledge=True)
        for i in range(5):
            await pub.publish('com.hist.exact', i, 'x%d' % i, options=ack, n=i)
        await pub.publish('com.hist.other', 99, options=ack)
        sid = await meta.call('wamp.subscription.lookup', 'com.hist.exact')
        check(isinstance(sid, int), 'history holds a subscription (lookup finds it: %r)' % sid)
        ev = await meta.call('wamp.subscription.get_events', sid, 10)
        check([e['args'] for e in ev] == [[4, 'x4'], [3, 'x3'], [2, 'x2']],
              'get_events: the last 3 (entry limit), newest first, args intact (%r)'
              % [e['args'] for e in ev])
        check([e['kwargs'] for e in ev] == [{'n': 4}, {'n': 3}, {'n': 2}]
              and all(e['topic'] == 'com.hist.exact' for e in ev),
              'get_events: kwargs and topic of each event')
        ev2 = await meta.call('wamp.subscription.get_events', sid, 2)
        check([e['args'][0] for e in ev2] == [4, 3], 'get_events limit 2: the two newest')
        sub = await meta.subscribe(lambda *a, **k: None, 'com.hist.exact')
        check(sub.id == sid, 'a session subscribing to the topic gets the history\'s subscription')
        for i in range(6):
            await pub.publish('com.hist.pre.t%d' % i, i, options=ack)
        psid = await meta.call('wamp.subscription.lookup', 'com.hist.pre.', {'match': 'prefix'})
        ev = await meta.call('wamp.subscription.get_events', psid, 100)
        check([(e['topic'], e['args']) for e in ev] ==
              [('com.hist.pre.t%d' % i, [i]) for i in (5, 4, 3, 2)],
              'prefix history: the store limit (4) applies, each event with its topic')
        for t in ('com.hist.a.w', 'com.hist.b.w', 'com.hist.c.w', 'com.hist.c.v'):
            await pub.publish(t, t, options=ack)
        wsid = await meta.call('wamp.subscription.lookup', 'com.hist..w', {'match': 'wildcard'})
        ev = await meta.call('wamp.subscription.get_events', wsid)
        check([e['args'] for e in ev] == [['com.hist.c.w'], ['com.hist.b.w']],
              'wildcard history: only matching topics, limit 2')
        nosub = await meta.subscribe(lambda *a: None, 'com.hist.none')
        try:
            await meta.call('wamp.subscription.get_events', nosub.id, 5)
            check(False, 'a topic without history: wamp.error.history_unavailable')
        except ApplicationError as e:
            check(e.error == 'wamp.error.history_unavailable',
                  'a topic without history: %s (as Crossbar.io)' % e.error)
        pub.leave()
        meta.leave()
    finally:
        check(d.stop() == 0, 'wampd (event history) exits 0')


async def main(exe):
    try:
        await event_history(exe)
        await websocket_paths(exe)
        await unix_endpoints(exe)
        await tls_endpoint(exe)
        await client_certificates(exe)
        await single_framing(exe)
        await size_limits(exe)
        await workers_and_auto_realms(exe)
        config_errors(exe)
    finally:
        shutil.rmtree(TMP, ignore_errors=True)


asyncio.run(main(sys.argv[1]))
finish()
