"""interop.auth.tls_binding: WAMP-cryptosign bound to the TLS channel ("tls-unique") end to end.

wampd listens with TLS (a throwaway CA and "localhost" certificate made at test time by
tls_client mkcerts, i.e. tests/unit/support/tlscerts.c) and on plain TCP, both with a static
cryptosign principal. Checked:
- Autobahn|Python (asyncio) over wss:// and over RawSocket+TLS, with its own cryptosign
  authenticator (create_authenticator('cryptosign', authextra={'channel_binding': 'tls-unique'}),
  whose on_challenge reads the transport's channel id):
  joins; wampd binds the challenge to the connection's channel id, so the join only succeeds
  when both ends agree on it;
- the same Autobahn client whose channel id was replaced (a signature made for another TLS
  channel, as a relaying man in the middle would produce) is denied (wamp.error.not_authorized);
- Autobahn without channel binding still joins over TLS (unbound);
- our client runtime (tls_client: client.h over wss:// and rss://) with channel_binding
  "tls-unique" joins; with a wrong channel id it is denied; asking for the binding over plain
  ws:// fails cleanly (the router offers no binding: our client refuses to sign unbound).
"""
import asyncio
import binascii
import json
import os
import shutil
import ssl
import subprocess
import sys
import tempfile

import txaio
txaio.use_asyncio()

from autobahn.asyncio.rawsocket import WampRawSocketClientFactory, WampRawSocketClientProtocol  # noqa: E402
from autobahn.asyncio.wamp import ApplicationSession  # noqa: E402
from autobahn.asyncio.websocket import WampWebSocketClientFactory  # noqa: E402
from autobahn.wamp import auth as wauth  # noqa: E402
from autobahn.wamp import serializer as S  # noqa: E402
from autobahn.wamp.cryptosign import CryptosignKey  # noqa: E402
from autobahn.wamp.types import ComponentConfig  # noqa: E402

WAMPD, CLIENT = sys.argv[1], sys.argv[2]
SEED = bytes(range(32))
SEED_HEX = SEED.hex()
KEY = CryptosignKey.from_bytes(SEED)
FAILED = []


def check(cond, what):
    print(('ok   ' if cond else 'FAIL ') + what, flush=True)
    if not cond:
        FAILED.append(what)


def config(d):
    auth = {'cryptosign': {'type': 'static', 'principals': {
        'carol': {'authorized_keys': [KEY.public_key(binary=False)], 'role': 'user'}}}}
    ep = {'type': 'tcp', 'port': 0, 'interface': '127.0.0.1'}
    tls_ep = dict(ep, tls={'certificate': os.path.join(d, 'server.pem'),
                           'key': os.path.join(d, 'server.key')})
    transport = {'type': 'universal', 'rawsocket': {}, 'websocket': {'ws': {'type': 'websocket'}},
                 'auth': auth}
    return {'version': 2, 'workers': [{
        'type': 'router',
        'realms': [{'name': 'realm1', 'roles': [
            {'name': 'user', 'permissions': [{'uri': '', 'match': 'prefix',
                                              'allow': {'call': True, 'subscribe': True}}]}]}],
        'transports': [dict(transport, endpoint=tls_ep), dict(transport, endpoint=ep)]}]}


class RawSocketClient(WampRawSocketClientProtocol):
    # Autobahn 22.7.1's asyncio RawSocket client lacks this property (its session reads it)
    @property
    def transport_details(self):
        return self._transport_details


class Session(ApplicationSession):
    def onConnect(self):
        if self.fake_cid is not None:
            self._transport.transport_details.channel_id = {'tls-unique': self.fake_cid}
        self.join('realm1', authmethods=['cryptosign'], authid='carol',
                  authextra=self.authenticator.authextra)

    def onChallenge(self, challenge):
        return self.authenticator.on_challenge(self, challenge)

    def onJoin(self, details):
        if not self.joined.done():
            self.joined.set_result(details)
        self.leave()

    def onLeave(self, details):
        if not self.joined.done():
            self.joined.set_exception(Exception('%s: %s' % (details.reason, details.message)))
        self.disconnect()


async def autobahn_join(port, ctx, rawsocket=False, binding='tls-unique', fake_cid=None):
    loop = asyncio.get_event_loop()
    joined = loop.create_future()
    extra = {'channel_binding': binding} if binding else {}

    def make():
        s = Session(ComponentConfig('realm1'))
        s.joined, s.fake_cid = joined, fake_cid
        s.authenticator = wauth.create_authenticator('cryptosign', authid='carol', privkey=SEED_HEX,
                                                     authextra=dict(extra))
        return s

    if rawsocket:
        f = WampRawSocketClientFactory(make, serializer=S.CBORSerializer())
        f.protocol = RawSocketClient
    else:
        f = WampWebSocketClientFactory(make, url='wss://localhost:%d/ws' % port,
                                       serializers=[S.JsonSerializer()])
    transport, _ = await loop.create_connection(f, '127.0.0.1', port, ssl=ctx,
                                                server_hostname='localhost')
    try:
        return await asyncio.wait_for(joined, 10)
    finally:
        transport.close()


def our_client(url, ca, *args):
    p = subprocess.run([CLIENT, 'join', url, ca, SEED_HEX, '--authid', 'carol'] + list(args),
                       capture_output=True, text=True, timeout=30)
    return p.returncode, p.stdout.strip() + p.stderr.strip()


async def main():
    d = tempfile.mkdtemp(prefix='wamp-tls-binding-')
    proc = None
    try:
        check(subprocess.run([CLIENT, 'mkcerts', d]).returncode == 0, 'test CA and certificate made')
        cfgfile = os.path.join(d, 'wampd.json')
        with open(cfgfile, 'w') as f:
            json.dump(config(d), f)
        proc = subprocess.Popen([WAMPD, '--config', cfgfile, '--log-level', 'info'],
                                stdout=subprocess.PIPE, text=True)
        ports = []
        for _ in range(2):
            line = proc.stdout.readline().split()
            assert line and line[0] == 'LISTENING', line
            ports.append(int(line[2]))
        tls_port, tcp_port = ports
        ca = os.path.join(d, 'ca.pem')
        ctx = ssl.create_default_context(cafile=ca)

        for raw in (False, True):
            what = 'RawSocket+TLS' if raw else 'wss'
            det = await autobahn_join(tls_port, ctx, rawsocket=raw)
            check(det.authid == 'carol' and det.authmethod == 'cryptosign',
                  'Autobahn %s cryptosign tls-unique joins wampd (%s/%s)' % (what, det.authid, det.authmethod))
            try:
                det = await autobahn_join(tls_port, ctx, rawsocket=raw, fake_cid=b'\x5a' * 32)
                check(False, 'Autobahn %s signing for another channel id joined (%s)' % (what, det.authid))
            except Exception as e:
                check('wamp.error.not_authorized' in str(e),
                      'Autobahn %s signing for another channel id is denied: %s' % (what, e))
        det = await autobahn_join(tls_port, ctx, binding=None)
        check(det.authmethod == 'cryptosign', 'Autobahn wss cryptosign without binding joins (unbound)')

        for scheme in ('wss', 'rss'):
            url = '%s://localhost:%d%s' % (scheme, tls_port, '/ws' if scheme == 'wss' else '')
            rc, out = our_client(url, ca, '--binding', 'tls-unique')
            check(rc == 0 and out.startswith('JOINED carol cryptosign user'),
                  'our %s client, cryptosign tls-unique, joins wampd: %s' % (scheme, out))
            rc, out = our_client(url, ca, '--binding', 'tls-unique', '--wrong-cid')
            check(rc == 2 and 'ABORT wamp.error.not_authorized' in out,
                  'our %s client with a wrong channel id is denied: %s' % (scheme, out))
            rc, out = our_client(url, ca)
            check(rc == 0 and out.startswith('JOINED carol cryptosign'),
                  'our %s client without binding joins: %s' % (scheme, out))
        rc, out = our_client('ws://127.0.0.1:%d/ws' % tcp_port, ca, '--binding', 'tls-unique')
        check(rc == 2 and 'ABORT wamp.error.cannot_authenticate' in out,
              'binding requested over plain ws:// fails cleanly (no channel id): %s' % out)
        check(proc.poll() is None, 'wampd still serving')
    finally:
        if proc:
            proc.terminate()
            try:
                rc = proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                rc = -9
            check(rc == 0, 'wampd exited cleanly (%s)' % rc)
        shutil.rmtree(d, ignore_errors=True)
    if FAILED:
        print('%d check(s) failed' % len(FAILED))
        sys.exit(1)
    print('all checks passed')


asyncio.run(main())
