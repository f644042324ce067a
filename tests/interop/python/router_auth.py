"""interop.router.auth: wampd with a Crossbar-shaped config — static ticket, WAMP-CRA and
cryptosign principals, anonymous with a restricted role, role permissions (not_authorized),
unknown realm, wrong secrets, and --check / config validation errors naming the JSON path."""
import asyncio
import json
import os
import subprocess
import sys
import tempfile

from router_common import Wampd, join, check, finish
from autobahn.wamp import auth as wauth
from autobahn.wamp.cryptosign import CryptosignKey
from autobahn.wamp.exception import ApplicationError

KEY = CryptosignKey.from_bytes(bytes(range(32)))
OTHER = CryptosignKey.from_bytes(bytes(range(1, 33)))

ALL = {'call': True, 'register': True, 'publish': True, 'subscribe': True}
CONFIG = {
    'version': 2,
    'workers': [{
        'type': 'router',
        'realms': [{'name': 'realm1', 'roles': [
            {'name': 'user', 'permissions': [{'uri': 'com.', 'match': 'prefix', 'allow': ALL}]},
            {'name': 'guest', 'permissions': [
                {'uri': 'com.public.', 'match': 'prefix', 'allow': {'call': True, 'subscribe': True}},
                {'uri': 'com.public.secret', 'match': 'exact', 'allow': {}}]},
        ]}],
        'transports': [{
            'type': 'universal',
            'endpoint': {'type': 'tcp', 'port': 0, 'interface': '127.0.0.1'},
            'rawsocket': {}, 'websocket': {'ws': {'type': 'websocket'}},
            'auth': {
                'anonymous': {'type': 'static', 'role': 'guest'},
                'ticket': {'type': 'static', 'principals': {
                    'alice': {'ticket': 'alice-secret', 'role': 'user'}}},
                'wampcra': {'type': 'static', 'users': {
                    'bob': {'secret': 'bob-secret', 'role': 'user'}}},
                'cryptosign': {'type': 'static', 'principals': {
                    'carol': {'authorized_keys': [KEY.public_key(binary=False)], 'role': 'user'}}},
            },
        }],
    }],
}


def ticket(secret):
    return lambda s, ch: secret


def wampcra(secret):
    return lambda s, ch: wauth.compute_wcs(secret, ch.extra['challenge'])


def cryptosign(key):
    return lambda s, ch: key.sign_challenge(ch)


async def expect_abort(what, coro, reason):
    try:
        s = await coro
        check(False, what + ' (joined as %s)' % s.details.authid)
    except Exception as e:
        check(reason in str(e), '%s -> %s (%s)' % (what, reason, e))


async def main(exe):
    d = Wampd(exe, CONFIG)
    p = d.port
    try:
        a = await join(p, 'json', authmethods=['ticket'], authid='alice',
                       on_challenge=ticket('alice-secret'))
        check(a.details.authid == 'alice' and a.details.authrole == 'user' and
              a.details.authmethod == 'ticket', 'ticket: joined as alice/user')
        b = await join(p, 'msgpack', authmethods=['wampcra'], authid='bob',
                       on_challenge=wampcra('bob-secret'))
        check(b.details.authid == 'bob' and b.details.authmethod == 'wampcra',
              'wampcra: joined as bob')
        c = await join(p, 'cbor', rawsocket=True, authmethods=['cryptosign'], authid='carol',
                       on_challenge=cryptosign(KEY),
                       authextra={'pubkey': KEY.public_key(binary=False)})
        check(c.details.authid == 'carol' and c.details.authmethod == 'cryptosign',
              'cryptosign over rawsocket: joined as carol')
        g = await join(p, 'json')
        check(g.details.authrole == 'guest' and g.details.authmethod == 'anonymous',
              'anonymous: role guest')
        await expect_abort('wrong ticket', join(p, 'json', authmethods=['ticket'], authid='alice',
                                                on_challenge=ticket('nope')),
                           'wamp.error.not_authorized')
        await expect_abort('wrong wampcra secret',
                           join(p, 'json', authmethods=['wampcra'], authid='bob',
                                on_challenge=wampcra('nope')), 'wamp.error.not_authorized')
        await expect_abort('unknown cryptosign key',
                           join(p, 'json', authmethods=['cryptosign'], authid='carol',
                                on_challenge=cryptosign(OTHER),
                                authextra={'pubkey': OTHER.public_key(binary=False)}),
                           'wamp.error')
        await expect_abort('unknown principal',
                           join(p, 'json', authmethods=['ticket'], authid='mallory',
                                on_challenge=ticket('x')), 'wamp.error.no_such_principal')
        await expect_abort('unconfigured method', join(p, 'json', authmethods=['scram']),
                           'wamp.error.no_auth_method')
        await expect_abort('unknown realm', join(p, 'json', realm='nowhere'),
                           'wamp.error.no_such_realm')
        # authorization
        await a.register(lambda: 'pub', 'com.public.hello')
        await a.register(lambda: 'sec', 'com.public.secret')
        check(await g.call('com.public.hello') == 'pub', 'guest may call com.public.*')
        for what, coro in [
                ('guest call on an exact deny', g.call('com.public.secret')),
                ('guest register', g.register(lambda: 1, 'com.public.mine')),
                ('guest publish (acknowledged)',
                 g.publish('com.public.t', options=__import__('autobahn.wamp.types', fromlist=['x'])
                           .PublishOptions(acknowledge=True))),
                ('guest subscribe outside com.public', g.subscribe(lambda: 0, 'com.private.t')),
                ('user outside com.', a.call('org.other'))]:
            try:
                await coro
                check(False, what)
            except ApplicationError as e:
                check(e.error == 'wamp.error.not_authorized', what + ' -> not_authorized')
        for s in (a, b, c, g):
            s.leave()
    finally:
        rc = d.stop()
    check(rc == 0, 'wampd exits 0')

    # --check and validation errors
    def run_check(cfg):
        fd, path = tempfile.mkstemp(suffix='.json')
        with os.fdopen(fd, 'w') as f:
            f.write(cfg if isinstance(cfg, str) else json.dumps(cfg))
        r = subprocess.run([exe, '--check', '--config', path], capture_output=True, text=True)
        os.unlink(path)
        return r.returncode, r.stdout + r.stderr
    rc, out = run_check(CONFIG)
    check(rc == 0, '--check accepts the test config')
    bad = json.loads(json.dumps(CONFIG))
    bad['workers'][0]['transports'][0]['endpoint']['port'] = 'x'
    rc, out = run_check(bad)
    check(rc == 1 and 'workers[0].transports[0].endpoint.port' in out, '--check names the path: ' + out.strip())
    bad = json.loads(json.dumps(CONFIG))
    bad['workers'][0]['realms'][0]['roles'][1]['permissions'][0]['allow']['call'] = 1
    rc, out = run_check(bad)
    check(rc == 1 and 'workers[0].realms[0].roles[1].permissions[0].allow.call' in out,
          '--check names a nested path: ' + out.strip())
    rc, out = run_check('{"workers": [')
    check(rc == 1 and 'invalid configuration' in out, 'malformed JSON refused')
    r = subprocess.run([exe, '--version'], capture_output=True, text=True)
    check(r.returncode == 0 and 'wampd' in r.stdout, '--version')


asyncio.run(main(sys.argv[1]))
finish()
