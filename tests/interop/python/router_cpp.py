"""interop.router.autobahn_cpp: Autobahn|C++ 17.5.1 (Debian autobahn-cpp-dev; RawSocket with
msgpack, its only transport and serializer) against wampd, with Autobahn|Python on the other
side: C++ as callee (exact; error), caller (result, no_such_procedure, router-side timeout),
subscriber (exact and prefix), publisher; progressive results; ticket and WAMP-CRA
authentication (success and failure); authorization denials for a restricted role (CALL,
REGISTER and SUBSCRIBE -> wamp.error.not_authorized surfaced by Autobahn|C++, an unacknowledged
PUBLISH dropped). The peer program is tests/interop/cpp/cpp_peer.cpp.
Usage: router_cpp.py <wampd> <cpp_peer>"""
import asyncio
import sys

from router_common import Wampd, join, check, finish
from autobahn.wamp.exception import ApplicationError
from autobahn.wamp.types import RegisterOptions, CallOptions, CallResult, PublishOptions

ALL = {'call': True, 'register': True, 'publish': True, 'subscribe': True}
CONFIG = {
    'version': 2,
    'workers': [{
        'type': 'router',
        'realms': [{'name': 'realm1', 'roles': [
            {'name': 'anonymous', 'permissions': [{'uri': '', 'match': 'prefix', 'allow': ALL}]},
            {'name': 'user', 'permissions': [{'uri': '', 'match': 'prefix', 'allow': ALL}]},
            # may call com.py.mul and publish to com.py.open, nothing else
            {'name': 'restricted', 'permissions': [
                {'uri': 'com.py.mul', 'match': 'exact', 'allow': {'call': True}},
                {'uri': 'com.py.open', 'match': 'exact', 'allow': {'publish': True}}]}]}],
        'transports': [{
            'type': 'universal',
            'endpoint': {'type': 'tcp', 'port': 0, 'interface': '127.0.0.1'},
            'rawsocket': {}, 'websocket': {'ws': {'type': 'websocket'}},
            'auth': {
                'anonymous': {'type': 'static', 'role': 'anonymous'},
                'ticket': {'type': 'static', 'principals': {
                    'alice': {'ticket': 'alice-secret', 'role': 'user'},
                    'carol': {'ticket': 'carol-secret', 'role': 'restricted'}}},
                'wampcra': {'type': 'static', 'users': {
                    'bob': {'secret': 'bob-secret', 'role': 'user'}}},
            },
        }],
    }],
}


async def run_peer(exe, *args):
    p = await asyncio.create_subprocess_exec(exe, *args, stdout=asyncio.subprocess.PIPE)
    return p


async def lines_until(proc, marker, timeout=30):
    got = []
    while True:
        ln = await asyncio.wait_for(proc.stdout.readline(), timeout)
        if not ln:
            return got
        ln = ln.decode().strip()
        print('  cpp: ' + ln, flush=True)
        got.append(ln)
        if ln.startswith(marker) or ln.startswith('FAIL'):
            return got


async def main(exe, peer):
    d = Wampd(exe, CONFIG, log_level='warn')
    p = d.port
    try:
        py = await join(p, 'json')
        events = asyncio.Queue()
        await py.register(lambda a, b: a * b, 'com.py.mul')
        hang = asyncio.Event()

        async def hang_forever(x):
            await hang.wait()
        await py.register(hang_forever, 'com.py.hang')
        await py.subscribe(lambda *a, **kw: events.put_nowait((a, kw)), 'com.py.topic')

        proc = await run_peer(peer, str(p), 'peer')
        out = await lines_until(proc, 'READY')
        check('CALL com.py.mul 42' in out, 'C++ caller: com.py.mul(6, 7) -> 42')
        check('META wamp.session.count 2' in out and 'META wamp.session.list 2' in out,
              'C++ caller: meta API wamp.session.count / list see both sessions (%r)' %
              [x for x in out if x.startswith('META')])
        check(any(x.startswith('CALLERROR wamp.error.no_such_procedure') for x in out),
              'C++ caller: missing procedure -> wamp.error.no_such_procedure')
        check(any(x.startswith('TIMEOUT wamp.error.timeout') for x in out),
              'C++ caller: CALL timeout=300 ms handled by wampd -> wamp.error.timeout')
        a, kw = await asyncio.wait_for(events.get(), 10)
        check(list(a) == [1, 'x'] and kw == {'k': 'v'}, 'C++ publisher: event with args and kwargs: %r %r' % (a, kw))
        sid = int([x for x in out if x.startswith('SESSION ')][0].split()[1])
        info = await py.call('wamp.session.get', sid)
        check(info['serializer'] == 'msgpack' and info['transport'].startswith('rawsocket'),
              'the C++ session is RawSocket + msgpack: %s, %s' % (info['serializer'], info['transport']))

        check(await py.call('com.cpp.add', 2, 40) == 42, 'C++ callee: com.cpp.add(2, 40) -> 42')
        await py.register(lambda: 'py', 'com.cpp.shared', options=RegisterOptions(invoke='roundrobin'))
        got = [await py.call('com.cpp.shared') for _ in range(4)]
        check(sorted(got) == ['cpp', 'cpp', 'py', 'py'] and got[0] != got[1] and got[1] != got[2],
              'shared registration (roundrobin) between the C++ and the Python callee: %r' % got)
        try:
            await py.call('com.cpp.fail')
            check(False, 'C++ callee error')
        except ApplicationError as e:
            check(e.error == 'com.cpp.error.failed', 'C++ callee error URI reaches the caller: ' + e.error)
        # Autobahn|C++ 17.5.1 announces no progressive_call_results for its callee role, so
        # wampd does not forward receive_progress and the C++ invocation drops its progress
        # calls: the caller gets the final result only
        seen = []
        res = await py.call('com.cpp.prog', 3, options=CallOptions(on_progress=seen.append))
        prog = await lines_until(proc, 'PROG')
        check(res == 'done' and seen == [] and prog[-1] == 'PROG receive_progress=false',
              'progressive call to the C++ callee (no progressive_call_results announced): final result only')
        await py.publish('com.cpp.topic', 'hello', n=7, options=PublishOptions(acknowledge=True))
        ev = await lines_until(proc, 'EVENT')
        check(ev[-1] == 'EVENT com.cpp.topic hello 7', 'C++ subscriber: event args and kwargs')
        await py.publish('com.cpp.pfxother', 'p1', options=PublishOptions(acknowledge=True))
        ev = await lines_until(proc, 'EVENT')
        check(ev[-1] == 'EVENT com.cpp.pfx p1', 'C++ prefix subscription matches com.cpp.pfxother')
        hang.set()
        await py.publish('com.cpp.stop', options=PublishOptions(acknowledge=True))
        out = await lines_until(proc, 'BYE')
        rc = await asyncio.wait_for(proc.wait(), 10)
        check(rc == 0 and out and out[-1] == 'BYE', 'C++ peer left cleanly (exit %s)' % rc)

        # authentication
        for method, authid, good in (('ticket', 'alice', 'alice-secret'), ('wampcra', 'bob', 'bob-secret')):
            proc = await run_peer(peer, str(p), method, authid, good)
            out = await lines_until(proc, 'JOINED')
            rc = await asyncio.wait_for(proc.wait(), 10)
            check(rc == 0 and out and out[-1].startswith('JOINED'), 'C++ %s: joined as %s' % (method, authid))
            proc = await run_peer(peer, str(p), method, authid, 'wrong')
            out = await lines_until(proc, 'ABORT')
            rc = await asyncio.wait_for(proc.wait(), 10)
            check(rc == 1 and out and out[-1] == 'ABORT wamp.error.not_authorized',
                  'C++ %s with a wrong secret -> ABORT wamp.error.not_authorized (%s)' % (method, out[-1:]))

        # authorization: a restricted role
        await py.register(lambda: 'secret', 'com.py.secret')
        await py.subscribe(lambda *a, **kw: events.put_nowait((a, kw)), 'com.py.open')
        proc = await run_peer(peer, str(p), 'restricted', 'carol', 'carol-secret')
        out = await lines_until(proc, 'DONE')
        rc = await asyncio.wait_for(proc.wait(), 10)
        check(rc == 0 and out and out[-1] == 'DONE', 'C++ restricted peer ran to the end (exit %s)' % rc)
        check('ALLOWED call 42' in out, 'C++ restricted role: a permitted call succeeds')
        for what in ('call', 'register', 'subscribe'):
            check('DENIED %s wamp.error.not_authorized' % what in out,
                  'C++ restricted role: %s -> wamp.error.not_authorized' % what)
        # the denied publish to com.py.topic was sent before the allowed one to com.py.open:
        # the first event Autobahn|Python sees must be the allowed one
        a, kw = await asyncio.wait_for(events.get(), 10)
        check(list(a) == ['allowed'], 'C++ restricted role: the unauthorized publication is not '
              'delivered, the permitted one is: %r' % (a,))
        check(await py.call('wamp.registration.lookup', 'com.cpp.denied') is None,
              'the refused registration does not exist')
        py.leave()
        await asyncio.wait_for(py.left, 10)
    finally:
        rc = d.stop()
    check(rc == 0, 'wampd exits 0')


asyncio.run(main(sys.argv[1], sys.argv[2]))
finish()
