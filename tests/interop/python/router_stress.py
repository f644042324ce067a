"""interop.router.stress: wampd under load and abuse, with Autobahn|Python observers.

- 1,000 concurrent sessions (RawSocket JSON clients written here, all joined at once; the fd
  limit is raised for this process and the wampd it starts), each doing one call or one
  acknowledged publish: every one succeeds, wamp.session.count sees them all.
- A slow subscriber (subscribes, then stops reading) under a publish flood: wampd disconnects it
  (documented policy: outgoing queue overflow closes the slow session), while two other
  subscribers receive every event (counted).
- Abrupt TCP closes: a caller mid-call (the callee is interrupted), a callee mid-call and one
  mid-progressive-result (the caller gets wamp.error.canceled after the progress it got), and a
  session with pending subscriptions and a registration (the meta API shows them gone).
"""
import asyncio
import json
import resource
import socket
import struct
import sys

from router_common import Wampd, join, check, finish
from autobahn.wamp.exception import ApplicationError
from autobahn.wamp.types import CallOptions, RegisterOptions

N_SESSIONS = 1000
# The flood must exceed what wampd buffers for one session before its policy applies: the
# transport's write queue (64 MiB hard cap) plus the router's outgoing queue (wampd: 64 MiB /
# 65,536 messages) plus kernel socket buffers: 12,000 events of 16 KiB (192 MiB) do.
N_FLOOD = 12000
FLOOD_PAYLOAD = 16 * 1024


class Raw:
    """A minimal RawSocket/JSON WAMP client on asyncio streams."""

    @classmethod
    async def open(cls, port, realm='realm1'):
        self = cls()
        self.r, self.w = await asyncio.open_connection('127.0.0.1', port)
        self.w.write(bytes([0x7F, 0xF1, 0, 0]))
        hs = await self.r.readexactly(4)
        assert hs[0] == 0x7F and hs[1] & 0x0F == 1, hs
        self.send([1, realm, {'roles': {'caller': {}, 'callee': {'features': {'progressive_call_results': True}},
                                        'publisher': {}, 'subscriber': {}}}])
        m = await self.recv()
        assert m[0] == 2, m
        self.id = m[1]
        return self

    def send(self, msg):
        b = json.dumps(msg).encode()
        self.w.write(struct.pack('>I', len(b)) + b)

    async def recv(self):
        while True:
            h = struct.unpack('>I', await self.r.readexactly(4))[0]
            body = await self.r.readexactly(h & 0xFFFFFF)
            if h >> 24 == 0:
                return json.loads(body)
            if h >> 24 == 1:  # PING -> PONG
                self.w.write(struct.pack('>I', (2 << 24) | len(body)) + body)

    def abort_tcp(self):
        """Closes the TCP connection at once (RST, no GOODBYE)."""
        sock = self.w.get_extra_info('socket')
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
        self.w.transport.abort()

    async def goodbye(self):
        self.send([6, {}, 'wamp.close.close_realm'])
        try:
            while (await self.recv())[0] != 6:
                pass
        except asyncio.IncompleteReadError:
            pass
        self.w.close()


async def many_sessions(port, observer):
    await observer.register(lambda x: x + 1, 'com.stress.inc')
    sessions = await asyncio.gather(*[Raw.open(port) for _ in range(N_SESSIONS)])
    check(len({s.id for s in sessions}) == N_SESSIONS, '%d sessions joined at once, distinct ids' % N_SESSIONS)
    check(await observer.call('wamp.session.count') == N_SESSIONS + 1, 'wamp.session.count sees all of them')

    async def one(i, s):
        if i % 2:
            s.send([48, 1, {}, 'com.stress.inc', [i]])
            m = await s.recv()
            return m[0] == 50 and m[3] == [i + 1]
        s.send([16, 1, {'acknowledge': True}, 'com.stress.topic', [i]])
        m = await s.recv()
        return m[0] == 17
    ok = await asyncio.gather(*[one(i, s) for i, s in enumerate(sessions)])
    check(all(ok), 'every session\'s call or acknowledged publish succeeded (%d/%d)' % (sum(ok), len(ok)))
    await asyncio.gather(*[s.goodbye() for s in sessions])
    check(await observer.call('wamp.session.count') == 1, 'all %d left cleanly' % N_SESSIONS)


async def slow_subscriber(port, observer):
    slow = await Raw.open(port)
    slow.send([32, 1, {}, 'com.stress.flood'])
    m = await slow.recv()
    check(m[0] == 33, 'slow subscriber subscribed')
    slow_id = slow.id
    # ... and never reads again
    leaves = asyncio.Queue()
    await observer.subscribe(lambda sid, *a: leaves.put_nowait(sid), 'wamp.session.on_leave')
    goods = [await Raw.open(port) for _ in range(2)]
    for g in goods:
        g.send([32, 1, {}, 'com.stress.flood'])
        assert (await g.recv())[0] == 33
    counts = [0, 0]
    done = [asyncio.get_event_loop().create_future() for _ in goods]

    async def count(k, g):
        while True:
            m = await g.recv()
            if m[0] == 36:
                counts[k] += 1
                progress.set()
                if m[4] == ['end']:
                    done[k].set_result(True)
                    return
    progress = asyncio.Event()
    readers = [asyncio.ensure_future(count(k, g)) for k, g in enumerate(goods)]
    pub = await Raw.open(port)
    payload = 'x' * FLOOD_PAYLOAD
    for i in range(N_FLOOD):
        pub.send([16, i + 1, {}, 'com.stress.flood', [i, payload]])
        if i % 200 == 199:
            await pub.w.drain()
            # the good subscribers keep up (so only the slow one can hit the limit)
            while min(counts) < i - 1000:
                progress.clear()
                await progress.wait()
    pub.send([16, N_FLOOD + 1, {'acknowledge': True}, 'com.stress.flood', ['end']])
    m = await asyncio.wait_for(pub.recv(), 60)
    check(m[0] == 17, 'publisher: the flood and the final acknowledged publish went through')
    await asyncio.wait_for(asyncio.gather(*done), 120)
    check(counts == [N_FLOOD + 1] * 2, 'both other subscribers received every event: %s of %d' % (counts, N_FLOOD + 1))
    sid = await asyncio.wait_for(leaves.get(), 60)
    while sid != slow_id:
        sid = await asyncio.wait_for(leaves.get(), 60)
    check(sid == slow_id, 'the slow subscriber was disconnected (wamp.session.on_leave)')
    try:
        await observer.call('wamp.session.get', slow_id)
        check(False, 'slow subscriber gone')
    except ApplicationError as e:
        check(e.error == 'wamp.error.no_such_session', 'wamp.session.get: the slow session is gone')
    # reading now: what was queued in the kernel, then the end of the stream
    got = 0
    try:
        while True:
            m = await asyncio.wait_for(slow.recv(), 30)
            got += m[0] == 36
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    check(0 < got < N_FLOOD + 1, 'the slow subscriber got a prefix of the flood (%d events), then the close' % got)
    for r in readers:
        r.cancel()
    for s in goods + [pub]:
        await s.goodbye()
    slow.w.close()


async def abrupt(port, observer):
    caller = await join(port, 'msgpack')
    # 1. a caller vanishes mid-call: the (Autobahn) callee is interrupted
    started, interrupted = asyncio.Event(), asyncio.Event()

    async def slow():
        started.set()
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            interrupted.set()
            raise
    await observer.register(slow, 'com.stress.slow')
    raw = await Raw.open(port)
    raw.send([48, 1, {}, 'com.stress.slow', []])
    await asyncio.wait_for(started.wait(), 10)
    raw.abort_tcp()
    await asyncio.wait_for(interrupted.wait(), 10)
    check(True, 'caller closed TCP mid-call: the callee got INTERRUPT')

    # 2. a callee vanishes mid-call
    callee = await Raw.open(port)
    callee.send([64, 1, {}, 'com.stress.vanish'])
    assert (await callee.recv())[0] == 65
    fut = asyncio.ensure_future(caller.call('com.stress.vanish'))
    inv = await asyncio.wait_for(callee.recv(), 10)
    check(inv[0] == 68, 'the raw callee got the INVOCATION')
    callee.abort_tcp()
    try:
        await asyncio.wait_for(fut, 10)
        check(False, 'callee vanished mid-call')
    except ApplicationError as e:
        check(e.error == 'wamp.error.canceled', 'callee closed TCP mid-call: caller gets wamp.error.canceled')
    check(await observer.call('wamp.registration.lookup', 'com.stress.vanish') is None,
          'its registration is gone (wamp.registration.lookup)')

    # 3. a callee vanishes mid-progressive-result
    callee = await Raw.open(port)
    callee.send([64, 1, {}, 'com.stress.prog'])
    assert (await callee.recv())[0] == 65
    progress = asyncio.Queue()
    fut = asyncio.ensure_future(caller.call('com.stress.prog', options=CallOptions(on_progress=progress.put_nowait)))
    inv = await asyncio.wait_for(callee.recv(), 10)
    check(inv[3].get('receive_progress') is True, 'INVOCATION asks for progressive results')
    callee.send([70, inv[1], {'progress': True}, ['p1']])
    callee.send([70, inv[1], {'progress': True}, ['p2']])
    check(await asyncio.wait_for(progress.get(), 10) == 'p1' and await asyncio.wait_for(progress.get(), 10) == 'p2',
          'the caller got two progressive results')
    callee.abort_tcp()
    try:
        await asyncio.wait_for(fut, 10)
        check(False, 'callee vanished mid-progressive-result')
    except ApplicationError as e:
        check(e.error == 'wamp.error.canceled', 'callee closed TCP mid-progressive-result: caller gets wamp.error.canceled')

    # 4. pending subscriptions (and a registration) of a session that vanishes
    before = await observer.call('wamp.session.count')
    s = await Raw.open(port)
    s.send([32, 1, {}, 'com.stress.sub.a'])
    s.send([32, 2, {'match': 'prefix'}, 'com.stress.sub.'])
    s.send([32, 3, {'match': 'wildcard'}, 'com.stress..w'])
    s.send([64, 4, {'invoke': 'roundrobin'}, 'com.stress.reg'])
    ids = [(await s.recv())[2] for _ in range(4)]
    check(await observer.call('wamp.subscription.list_subscribers', ids[0]) == [s.id], 'subscribed (meta)')
    check(await observer.call('wamp.session.count') == before + 1, 'session counted')
    leaves = asyncio.Queue()
    await observer.subscribe(lambda sid, *a: leaves.put_nowait(sid), 'wamp.session.on_leave')
    s.abort_tcp()
    sid = await asyncio.wait_for(leaves.get(), 10)
    while sid != s.id:
        sid = await asyncio.wait_for(leaves.get(), 10)
    check(await observer.call('wamp.subscription.lookup', 'com.stress.sub.a') is None and
          await observer.call('wamp.subscription.lookup', 'com.stress.sub.', {'match': 'prefix'}) is None and
          await observer.call('wamp.subscription.lookup', 'com.stress..w', {'match': 'wildcard'}) is None,
          'after the TCP close its exact, prefix and wildcard subscriptions are gone')
    check(await observer.call('wamp.registration.lookup', 'com.stress.reg') is None, 'and its registration')
    try:
        await observer.call('wamp.subscription.get', ids[0])
        check(False, 'no_such_subscription')
    except ApplicationError as e:
        check(e.error == 'wamp.error.no_such_subscription', 'wamp.subscription.get -> no_such_subscription')
    check(await observer.call('wamp.session.count') == before, 'wamp.session.count back to %d' % before)
    caller.leave()


async def main(exe):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = 3 * N_SESSIONS + 200
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(want, hard), hard))
    soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    check(soft >= 2 * N_SESSIONS + 100, 'file descriptor limit %d (wampd inherits it)' % soft)
    d = Wampd(exe, log_level='warn')
    try:
        observer = await join(d.port, 'json')
        await many_sessions(d.port, observer)
        await slow_subscriber(d.port, observer)
        await abrupt(d.port, observer)
        observer.leave()
    finally:
        rc = d.stop()
    check(rc == 0, 'wampd exits 0')


asyncio.run(main(sys.argv[1]))
finish()
