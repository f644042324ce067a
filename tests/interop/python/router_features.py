"""interop.router.features: Autobahn|Python clients against wampd — pub/sub options and patterns,
RPC (shared registrations, progressive results, cancel, timeout, errors) over WebSocket with every
serializer (plain and batched, mixed between publisher and subscriber) and over RawSocket; then the
testament API, wamp.session.kill_by_authid/kill_by_authrole, concurrency limits, force_reregister
and the cancel modes kill/killnowait/skip over a WebSocket/RawSocket serializer matrix; the
testament API with publish_options and scopes.

Not exercised here because Autobahn|Python 22.7.1 cannot send them: CALL exclude/eligible (no
such CallOptions) and progressive call invocations (no CALL progress option); the AutobahnJS
suite covers exclude/eligible. Payload passthru is covered by tests/interop/e2e."""
import asyncio
import sys

from router_common import Wampd, join, check, finish, SERIALIZERS
from autobahn.wamp.exception import ApplicationError
from autobahn.wamp.types import (CallOptions, PublishOptions, RegisterOptions, SubscribeOptions)


async def pubsub_pair(port, ser_pub, ser_sub, raw_pub=False, raw_sub=False):
    tag = '%s%s -> %s%s' % (ser_pub, ' (rawsocket)' if raw_pub else '', ser_sub,
                           ' (rawsocket)' if raw_sub else '')
    pub = await join(port, ser_pub, rawsocket=raw_pub)
    sub = await join(port, ser_sub, rawsocket=raw_sub)
    q = asyncio.Queue()
    await sub.subscribe(lambda *a, **kw: q.put_nowait((a, kw)), 'com.interop.t')
    payload = ([1, -2, 3.5, 'três', True, None, {'a': [1, 2]}], {'k': 'v', 'n': 2 ** 40})
    r = await pub.publish('com.interop.t', *payload[0], **payload[1],
                          options=PublishOptions(acknowledge=True))
    check(r is not None and r.id > 0, tag + ': publication acknowledged')
    a, kw = await asyncio.wait_for(q.get(), 5)
    check(list(a) == payload[0] and kw == payload[1], tag + ': event payload intact')
    # RPC across the same pair
    await sub.register(lambda *a, **kw: [list(a), kw], 'com.interop.echo')
    res = await pub.call('com.interop.echo', *payload[0], **payload[1])
    check(res == [payload[0], payload[1]], tag + ': call result intact')
    pub.leave()
    sub.leave()
    await asyncio.gather(pub.left, sub.left)


async def pubsub_options(port):
    a = await join(port, 'json')
    b = await join(port, 'msgpack')
    c = await join(port, 'cbor')
    qa, qb = asyncio.Queue(), asyncio.Queue()
    sa = await a.subscribe(lambda *x, details=None: qa.put_nowait((x, details)), 'com.opt.t',
                           options=SubscribeOptions(details=True))
    sb = await b.subscribe(lambda *x, details=None: qb.put_nowait((x, details)), 'com.opt.t',
                           options=SubscribeOptions(details=True))
    check(sa.id == sb.id, 'one subscription id shared by two sessions')

    async def expect(q, what, present=True):
        try:
            item = await asyncio.wait_for(q.get(), 0.5 if not present else 5)
        except asyncio.TimeoutError:
            item = None
        check((item is not None) == present, what)
        return item

    # exclude_me default true; false delivers to the publisher
    await a.publish('com.opt.t', 1, options=PublishOptions(acknowledge=True))
    await expect(qb, 'subscriber gets event')
    await expect(qa, 'publisher excluded by default', present=False)
    await a.publish('com.opt.t', 2, options=PublishOptions(acknowledge=True, exclude_me=False))
    await expect(qa, 'exclude_me=false: publisher gets its event')
    await expect(qb, 'and the other subscriber too')
    # exclude / eligible by session id
    await c.publish('com.opt.t', 3, options=PublishOptions(acknowledge=True,
                                                           exclude=[b.session_id]))
    await expect(qa, 'exclude: others get it')
    await expect(qb, 'exclude: excluded session does not', present=False)
    await c.publish('com.opt.t', 4, options=PublishOptions(acknowledge=True,
                                                           eligible=[b.session_id]))
    await expect(qb, 'eligible: eligible session gets it')
    await expect(qa, 'eligible: others do not', present=False)
    await c.publish('com.opt.t', 5, options=PublishOptions(
        acknowledge=True, exclude_authid=[a.details.authid]))
    await expect(qb, 'exclude_authid: others get it')
    await expect(qa, 'exclude_authid: excluded authid does not', present=False)
    await c.publish('com.opt.t', 6, options=PublishOptions(
        acknowledge=True, eligible_authrole=['nobody']))
    await expect(qa, 'eligible_authrole: nobody matches', present=False)
    await expect(qb, 'eligible_authrole: nobody matches (b)', present=False)
    # publisher disclosure (spec: disclose_me) shows in details
    qp = asyncio.Queue()
    await a.subscribe(lambda *x, details=None: qp.put_nowait(details), 'com.opt.prefix',
                      options=SubscribeOptions(match='prefix', details=True))
    await a.subscribe(lambda *x, details=None: qp.put_nowait(details), 'com..wild',
                      options=SubscribeOptions(match='wildcard', details=True))
    await c.publish('com.opt.prefix.x', options=PublishOptions(acknowledge=True))
    d = await asyncio.wait_for(qp.get(), 5)
    check(d.topic == 'com.opt.prefix.x', 'prefix subscription: details.topic is the concrete topic')
    await c.publish('com.x.wild', options=PublishOptions(acknowledge=True))
    d = await asyncio.wait_for(qp.get(), 5)
    check(d.topic == 'com.x.wild', 'wildcard subscription: details.topic')
    # retained events
    await c.publish('com.opt.retained', 'kept', options=PublishOptions(acknowledge=True,
                                                                       retain=True))
    qr = asyncio.Queue()
    await b.subscribe(lambda *x, details=None: qr.put_nowait((x, details)), 'com.opt.retained',
                      options=SubscribeOptions(get_retained=True, details=True))
    x, d = await asyncio.wait_for(qr.get(), 5)
    check(x == ('kept',) and d.retained, 'get_retained delivers the retained event marked retained')
    # unsubscribe then no more events
    await sa.unsubscribe()
    await c.publish('com.opt.t', 7, options=PublishOptions(acknowledge=True))
    await expect(qb, 'after a unsubscribed, b still gets events')
    await expect(qa, 'unsubscribed session gets nothing', present=False)
    for s in (a, b, c):
        s.leave()


async def rpc(port):
    caller = await join(port, 'json')
    c1 = await join(port, 'msgpack')
    c2 = await join(port, 'cbor', rawsocket=True)
    # errors
    try:
        await caller.call('com.rpc.nothing')
        check(False, 'no_such_procedure')
    except ApplicationError as e:
        check(e.error == 'wamp.error.no_such_procedure', 'no_such_procedure')

    def boom():
        raise ApplicationError('com.rpc.error.boom', 'bad', code=7)
    await c1.register(boom, 'com.rpc.boom')
    try:
        await caller.call('com.rpc.boom')
        check(False, 'callee error')
    except ApplicationError as e:
        check(e.error == 'com.rpc.error.boom' and e.args[0] == 'bad' and e.kwargs.get('code') == 7,
              'callee ApplicationError reaches the caller with its payload')
    # single registration conflicts
    await c1.register(lambda: 1, 'com.rpc.single')
    try:
        await c2.register(lambda: 2, 'com.rpc.single')
        check(False, 'procedure_already_exists')
    except ApplicationError as e:
        check(e.error == 'wamp.error.procedure_already_exists', 'procedure_already_exists')
    # shared roundrobin
    await c1.register(lambda: 'c1', 'com.rpc.rr', options=RegisterOptions(invoke='roundrobin'))
    await c2.register(lambda: 'c2', 'com.rpc.rr', options=RegisterOptions(invoke='roundrobin'))
    got = [await caller.call('com.rpc.rr') for _ in range(4)]
    check(got == ['c1', 'c2', 'c1', 'c2'], 'roundrobin alternates: %s' % got)
    try:
        await caller.register(lambda: 3, 'com.rpc.rr', options=RegisterOptions(invoke='random'))
        check(False, 'policy conflict')
    except ApplicationError as e:
        check(e.error == 'wamp.error.procedure_exists_with_different_invocation_policy',
              'different invocation policy refused')
    # pattern registrations: most specific wins
    await c1.register(lambda: 'prefix', 'com.rpc.pat', options=RegisterOptions(match='prefix'))
    await c2.register(lambda: 'exact', 'com.rpc.pat.exact')
    await c2.register(lambda details=None: details.procedure, 'com.rpc..wild',
                      options=RegisterOptions(match='wildcard', details_arg='details'))
    check(await caller.call('com.rpc.pat.exact') == 'exact', 'exact beats prefix')
    check(await caller.call('com.rpc.pat.other') == 'prefix', 'prefix match')
    check(await caller.call('com.rpc.x.wild') == 'com.rpc.x.wild',
          'wildcard match; INVOCATION.details.procedure is the called URI')

    # progressive results
    async def prog(n, details=None):
        for i in range(n):
            details.progress(i)
        return 'done'
    await c1.register(prog, 'com.rpc.prog', options=RegisterOptions(details_arg='details'))
    seen = []
    res = await caller.call('com.rpc.prog', 3, options=CallOptions(on_progress=seen.append))
    check(res == 'done' and seen == [0, 1, 2], 'progressive results: %s then %s' % (seen, res))

    # cancellation: the callee's coroutine is interrupted
    started, interrupted = asyncio.Event(), asyncio.Event()

    async def slow():
        started.set()
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            interrupted.set()
            raise
    await c1.register(slow, 'com.rpc.slow')
    fut = asyncio.ensure_future(caller.call('com.rpc.slow'))
    await asyncio.wait_for(started.wait(), 5)
    fut.cancel()
    await asyncio.wait_for(interrupted.wait(), 5)
    check(interrupted.is_set(), 'CANCEL: the callee got INTERRUPT')
    # timeout handled by the router
    started.clear()
    interrupted.clear()
    try:
        await caller.call('com.rpc.slow', options=CallOptions(timeout=200))
        check(False, 'timeout')
    except ApplicationError as e:
        check(e.error == 'wamp.error.timeout', 'call timeout -> wamp.error.timeout')
    await asyncio.wait_for(interrupted.wait(), 5)
    check(True, 'timeout interrupts the callee')
    # callee leaves mid-call
    c3 = await join(port, 'ubjson')
    started.clear()

    async def hang():
        started.set()
        await asyncio.sleep(30)
    await c3.register(hang, 'com.rpc.hang')
    fut = asyncio.ensure_future(caller.call('com.rpc.hang'))
    await asyncio.wait_for(started.wait(), 5)
    c3.leave()
    try:
        await asyncio.wait_for(fut, 5)
        check(False, 'callee left')
    except ApplicationError as e:
        check(e.error == 'wamp.error.canceled', 'callee leaving -> caller gets wamp.error.canceled')
    for s in (caller, c1, c2):
        s.leave()


async def meta(port):
    a = await join(port, 'json')
    joins, leaves = asyncio.Queue(), asyncio.Queue()
    await a.subscribe(lambda d: joins.put_nowait(d), 'wamp.session.on_join')
    await a.subscribe(lambda *x: leaves.put_nowait(x), 'wamp.session.on_leave')
    b = await join(port, 'cbor')
    d = await asyncio.wait_for(joins.get(), 5)
    check(d['session'] == b.session_id and d['authrole'] == 'anonymous',
          'meta: wamp.session.on_join carries the new session')
    check(await a.call('wamp.session.count') == 2, 'meta: wamp.session.count')
    check(sorted(await a.call('wamp.session.list')) == sorted([a.session_id, b.session_id]),
          'meta: wamp.session.list')
    got = await a.call('wamp.session.get', b.session_id)
    check(got['session'] == b.session_id and got['serializer'] == 'cbor', 'meta: wamp.session.get')
    sub = await b.subscribe(lambda: 0, 'com.meta.t')
    check(await a.call('wamp.subscription.lookup', 'com.meta.t') == sub.id,
          'meta: wamp.subscription.lookup')
    check(await a.call('wamp.subscription.list_subscribers', sub.id) == [b.session_id],
          'meta: wamp.subscription.list_subscribers')
    reg = await b.register(lambda: 0, 'com.meta.p', options=RegisterOptions(match='prefix'))
    check(await a.call('wamp.registration.match', 'com.meta.p.x') == reg.id,
          'meta: wamp.registration.match')
    try:
        await a.call('wamp.session.get', 12345)
        check(False, 'no_such_session')
    except ApplicationError as e:
        check(e.error == 'wamp.error.no_such_session', 'meta: no_such_session')
    bid = b.session_id  # Autobahn forgets it once the session is gone
    await a.call('wamp.session.kill', bid)
    det = await asyncio.wait_for(b.left, 5)
    check(det.reason == 'wamp.close.killed', 'meta: wamp.session.kill -> GOODBYE wamp.close.killed')
    x = await asyncio.wait_for(leaves.get(), 5)
    while x[0] != bid:  # sessions of earlier tests may still be leaving
        x = await asyncio.wait_for(leaves.get(), 5)
    check(x[0] == bid and x[2] == 'anonymous', 'meta: wamp.session.on_leave')
    a.leave()


# ---------------------------------------------------------------- advanced router features
# Each scenario takes (ser, raw): the sessions it opens use that serializer and transport.

def abort_transport(s):
    """Drops the session's connection without GOODBYE (an abrupt disconnect)."""
    s._transport.transport.abort()


async def testaments(port, ser, raw):
    tag = 'testament (%s%s): ' % (ser, ' rawsocket' if raw else '')
    watcher = await join(port, ser, rawsocket=raw)
    q = asyncio.Queue()
    await watcher.subscribe(lambda *a, **kw: q.put_nowait((a, kw)), 'com.testament.t')
    # a clean leave publishes the testament with its args and kwargs
    b = await join(port, ser, rawsocket=raw)
    bid = b.session_id
    await b.call('wamp.session.add_testament', 'com.testament.t', ['gone', bid], {'why': 'leave'})
    b.leave()
    await asyncio.wait_for(b.left, 5)
    a, kw = await asyncio.wait_for(q.get(), 5)
    check(list(a) == ['gone', bid] and kw == {'why': 'leave'},
          tag + 'published on GOODBYE with args and kwargs: %s %s' % (a, kw))
    # an abrupt disconnect (no GOODBYE) publishes it too
    c = await join(port, ser, rawsocket=raw)
    cid = c.session_id
    await c.call('wamp.session.add_testament', 'com.testament.t', ['dropped', cid])
    abort_transport(c)
    a, kw = await asyncio.wait_for(q.get(), 5)
    check(list(a) == ['dropped', cid], tag + 'published on an abrupt disconnect: %s' % (a,))
    # flush_testaments returns how many it discarded; a flushed testament is never published
    d = await join(port, ser, rawsocket=raw)
    await d.call('wamp.session.add_testament', 'com.testament.t', ['flushed-1'])
    await d.call('wamp.session.add_testament', 'com.testament.t', ['flushed-2'])
    n = await d.call('wamp.session.flush_testaments')
    check(n == 2, tag + 'flush_testaments -> 2 (%r)' % (n,))
    await d.call('wamp.session.add_testament', 'com.testament.t', ['kept'])
    d.leave()
    await asyncio.wait_for(d.left, 5)
    # the marker, published after d left, orders the check: only 'kept' may come before it
    marker = await join(port, ser, rawsocket=raw)
    await marker.publish('com.testament.t', 'marker', options=PublishOptions(acknowledge=True))
    got = [(await asyncio.wait_for(q.get(), 5))[0]]
    while got[-1] != ('marker',):
        got.append((await asyncio.wait_for(q.get(), 5))[0])
    check(got == [('kept',), ('marker',)],
          tag + 'flushed testaments are not published, a later one is: %s' % got)
    # bad arguments
    try:
        await marker.call('wamp.session.add_testament', 'not a uri!')
        check(False, tag + 'add_testament with a bad topic')
    except ApplicationError as e:
        check(e.error == 'wamp.error.invalid_argument', tag + 'bad topic -> invalid_argument')
    for s in (watcher, marker):
        s.leave()
    await asyncio.gather(watcher.left, marker.left)


async def kill_by(exe, ser, raw):
    """On a wampd of its own: every session but the killer is anonymous and counted."""
    tag = 'kill_by (%s%s): ' % (ser, ' rawsocket' if raw else '')
    w = Wampd(exe)
    try:
        killer = await join(w.port, ser, rawsocket=raw)
        b = await join(w.port, ser, rawsocket=raw)
        c = await join(w.port, ser, rawsocket=raw)
        bid, cid = b.session_id, c.session_id
        check(b.details.authid != c.details.authid, tag + 'anonymous sessions have distinct authids')
        killed = await killer.call('wamp.session.kill_by_authid', b.details.authid,
                                   reason='com.interop.kicked', message='by authid')
        check(killed == [bid], tag + 'kill_by_authid -> the killed session ids: %s' % killed)
        det = await asyncio.wait_for(b.left, 5)
        check(det.reason == 'com.interop.kicked' and det.message == 'by authid',
              tag + 'the killed session gets GOODBYE with the reason and message: %s %s'
              % (det.reason, det.message))
        check(await killer.call('wamp.session.count') == 2,
              tag + 'the other sessions stay (wamp.session.count 2)')
        check(await killer.call('wamp.session.kill_by_authid', 'nobody-has-this') == [],
              tag + 'kill_by_authid of an unknown authid -> []')
        try:
            await killer.call('wamp.session.kill_by_authrole', 'anonymous', reason='not a uri!')
            check(False, tag + 'bad reason')
        except ApplicationError as e:
            check(e.error == 'wamp.error.invalid_argument', tag + 'a reason that is no URI -> invalid_argument')
        check(await killer.call('wamp.session.count') == 2, tag + 'a refused kill kills nobody')
        killed = await killer.call('wamp.session.kill_by_authrole', 'anonymous',
                                   reason='com.interop.role', message='by authrole')
        check(killed == [cid], tag + 'kill_by_authrole kills every other session of the role: %s' % killed)
        det = await asyncio.wait_for(c.left, 5)
        check(det.reason == 'com.interop.role' and det.message == 'by authrole',
              tag + 'kill_by_authrole: reason and message reach the session')
        check(await killer.call('wamp.session.count') == 1, tag + 'the killer itself survives')
        killer.leave()
        await killer.left
    finally:
        rc = w.stop()
    check(rc == 0, tag + 'wampd exits 0')


async def concurrency(port, ser, raw):
    tag = 'concurrency (%s%s): ' % (ser, ' rawsocket' if raw else '')
    caller = await join(port, ser, rawsocket=raw)
    c1 = await join(port, ser, rawsocket=raw)
    c2 = await join(port, ser, rawsocket=raw)
    gates = []
    started = asyncio.Queue()  # one item per INVOCATION that reached a callee

    def gated(name):
        async def f():
            g = asyncio.get_event_loop().create_future()
            gates.append(g)
            started.put_nowait(name)
            await g
            return name
        return f
    # one callee, concurrency 1: the second concurrent call finds no available callee
    await c1.register(gated('c1'), 'com.conc.one', options=RegisterOptions(concurrency=1))
    first = asyncio.ensure_future(caller.call('com.conc.one'))
    await asyncio.wait_for(started.get(), 5)
    try:
        await caller.call('com.conc.one')
        check(False, tag + 'second concurrent call refused')
    except ApplicationError as e:
        check(e.error == 'wamp.error.no_available_callee',
              tag + 'concurrency=1 busy -> wamp.error.no_available_callee (%s)' % e.error)
    gates.pop().set_result(None)
    check(await asyncio.wait_for(first, 5) == 'c1', tag + 'the first call completes')
    r = asyncio.ensure_future(caller.call('com.conc.one'))
    await asyncio.wait_for(started.get(), 5)
    gates.pop().set_result(None)
    check(await asyncio.wait_for(r, 5) == 'c1', tag + 'a call after the slot freed is served')
    # a shared registration: each callee takes one call, the third finds none available
    await c1.register(gated('c1'), 'com.conc.shared',
                      options=RegisterOptions(concurrency=1, invoke='roundrobin'))
    await c2.register(gated('c2'), 'com.conc.shared',
                      options=RegisterOptions(concurrency=1, invoke='roundrobin'))
    calls = [asyncio.ensure_future(caller.call('com.conc.shared')) for _ in range(2)]
    for _ in range(2):
        await asyncio.wait_for(started.get(), 5)
    try:
        await caller.call('com.conc.shared')
        check(False, tag + 'shared: third call refused')
    except ApplicationError as e:
        check(e.error == 'wamp.error.no_available_callee',
              tag + 'shared, both callees busy -> no_available_callee')
    for g in gates:
        g.set_result(None)
    gates.clear()
    got = sorted(await asyncio.wait_for(asyncio.gather(*calls), 5))
    check(got == ['c1', 'c2'], tag + 'the two concurrent calls went to different callees: %s' % got)
    for s in (caller, c1, c2):
        s.leave()
    await asyncio.gather(caller.left, c1.left, c2.left)


async def force_reregister(port, ser, raw):
    tag = 'force_reregister (%s%s): ' % (ser, ' rawsocket' if raw else '')
    caller = await join(port, ser, rawsocket=raw)
    c1 = await join(port, ser, rawsocket=raw)
    c2 = await join(port, ser, rawsocket=raw)
    await c1.register(lambda: 'c1', 'com.force.p')
    check(await caller.call('com.force.p') == 'c1', tag + 'first callee serves')
    try:
        await c2.register(lambda: 'c2', 'com.force.p')
        check(False, tag + 'without force_reregister')
    except ApplicationError as e:
        check(e.error == 'wamp.error.procedure_already_exists',
              tag + 'without force_reregister -> procedure_already_exists')
    reg = await c2.register(lambda: 'c2', 'com.force.p',
                            options=RegisterOptions(force_reregister=True))
    check(reg.id > 0, tag + 'force_reregister takes the registration over')
    check(await caller.call('com.force.p') == 'c2', tag + 'calls now go to the new callee')
    rid = await caller.call('wamp.registration.lookup', 'com.force.p')
    check(await caller.call('wamp.registration.list_callees', rid) == [c2.session_id],
          tag + 'list_callees has only the new callee')
    # the old callee is told (UNREGISTERED with request 0) and stays healthy
    check(await c1.call('wamp.session.count') >= 3, tag + 'the displaced callee keeps its session')
    for s in (caller, c1, c2):
        s.leave()
    await asyncio.gather(caller.left, c1.left, c2.left)


async def cancel_modes(port, ser, raw):
    """Autobahn|Python's caller cancels only in the default mode (CANCEL without options); the
    test sends CANCEL with an explicit mode through Autobahn's own message class and transport."""
    from autobahn.wamp import message as M
    tag = 'cancel (%s%s): ' % (ser, ' rawsocket' if raw else '')
    caller = await join(port, ser, rawsocket=raw)
    callee = await join(port, ser, rawsocket=raw)
    started = asyncio.Queue()
    interrupted = asyncio.Queue()
    gate = {}

    async def slow(name):
        g = gate[name] = asyncio.get_event_loop().create_future()
        started.put_nowait(name)
        try:
            return await g
        except asyncio.CancelledError:
            interrupted.put_nowait(name)
            # the callee answers the INTERRUPT with its own ERROR (kill mode forwards it)
            raise ApplicationError(ApplicationError.CANCELED, 'interrupted: ' + name)
    await callee.register(slow, 'com.cancel.slow')

    def call_and_cancel_later(name):
        before = set(caller._call_reqs)
        fut = asyncio.ensure_future(caller.call('com.cancel.slow', name))
        return fut, before

    async def cancel(fut, before, mode):
        req = (set(caller._call_reqs) - before).pop()
        caller._transport.send(M.Cancel(req, mode=mode))

    # kill: INTERRUPT to the callee, whose ERROR reaches the caller
    fut, before = call_and_cancel_later('kill')
    check(await asyncio.wait_for(started.get(), 5) == 'kill', tag + 'kill: invocation started')
    await cancel(fut, before, 'kill')
    check(await asyncio.wait_for(interrupted.get(), 5) == 'kill', tag + 'kill: the callee got INTERRUPT')
    try:
        await asyncio.wait_for(fut, 5)
        check(False, tag + 'kill: caller error')
    except ApplicationError as e:
        check(e.error == 'wamp.error.canceled' and e.args == ('interrupted: kill',),
              tag + "kill: the caller gets the callee's wamp.error.canceled: %s %s" % (e.error, e.args))
    # killnowait: the caller gets wamp.error.canceled at once, the callee is interrupted
    fut, before = call_and_cancel_later('killnowait')
    await asyncio.wait_for(started.get(), 5)
    await cancel(fut, before, 'killnowait')
    try:
        await asyncio.wait_for(fut, 5)
        check(False, tag + 'killnowait: caller error')
    except ApplicationError as e:
        check(e.error == 'wamp.error.canceled', tag + 'killnowait: caller gets wamp.error.canceled')
    check(await asyncio.wait_for(interrupted.get(), 5) == 'killnowait',
          tag + 'killnowait: the callee got INTERRUPT')
    # skip: the caller gets wamp.error.canceled, the callee is not interrupted and its late
    # result is dropped by the router
    fut, before = call_and_cancel_later('skip')
    await asyncio.wait_for(started.get(), 5)
    await cancel(fut, before, 'skip')
    try:
        await asyncio.wait_for(fut, 5)
        check(False, tag + 'skip: caller error')
    except ApplicationError as e:
        check(e.error == 'wamp.error.canceled', tag + 'skip: caller gets wamp.error.canceled')
    gate['skip'].set_result('late')
    check(await caller.call('wamp.session.count') >= 2 and interrupted.empty(),
          tag + 'skip: no INTERRUPT, the late YIELD is dropped (both sessions fine)')
    for s in (caller, callee):
        s.leave()
    await asyncio.gather(caller.left, callee.left)


ADVANCED_MATRIX = [('json', False), ('msgpack.batched', False), ('cbor', True), ('ubjson', True)]


async def advanced(exe, port):
    for ser, raw in ADVANCED_MATRIX:
        await testaments(port, ser, raw)
        await concurrency(port, ser, raw)
        await force_reregister(port, ser, raw)
        await cancel_modes(port, ser, raw)
    for ser, raw in (('json', False), ('cbor', True)):
        await kill_by(exe, ser, raw)


async def testament_options(port):
    a = await join(port, 'json')
    c = await join(port, 'msgpack')
    qa, qc = asyncio.Queue(), asyncio.Queue()
    await a.subscribe(lambda *x, **k: qa.put_nowait((list(x), k)), 'com.will.t')
    await c.subscribe(lambda *x, **k: qc.put_nowait((list(x), k)), 'com.will.t')
    add = 'wamp.session.add_testament'
    # e: testaments flushed by scope never go out
    e = await join(port, 'cbor', rawsocket=True)
    await e.call(add, 'com.will.t', ['e-destroyed'], {})
    await e.call(add, 'com.will.t', ['e-detached1'], {}, scope='detached')
    await e.call(add, 'com.will.t', ['e-detached2'], {}, None, 'detached')
    n1 = await e.call('wamp.session.flush_testaments', scope='detached')
    n2 = await e.call('wamp.session.flush_testaments')
    check(n1 == 2 and n2 == 1, 'flush_testaments counts per scope (detached %r, destroyed %r)'
          % (n1, n2))
    for what, call, want in (
            ('scope "forever"', e.call(add, 'com.will.t', [], {}, scope='forever'),
             'wamp.error.testament_error'),
            ('unknown publish option', e.call(add, 'com.will.t', [], {},
                                              publish_options={'bogus': 1}),
             'wamp.error.invalid_argument'),
            ('exclude not a list of ids', e.call(add, 'com.will.t', [], {},
                                                 publish_options={'exclude': ['x']}),
             'wamp.error.invalid_argument'),
            ('flush scope "x"', e.call('wamp.session.flush_testaments', 'x'),
             'wamp.error.testament_error')):
        try:
            await call
            check(False, 'testament: %s -> %s' % (what, want))
        except ApplicationError as err:
            check(err.error == want, 'testament: %s -> %s (%s)' % (what, want, err.error))
    e.leave()
    await asyncio.wait_for(e.left, 5)
    b = await join(port, 'ubjson')
    await b.call(add, 'com.will.t', ['excl'], {}, publish_options={'exclude': [a.session_id]})
    await b.call(add, 'com.will.t', ['only-c'], {}, scope='detached',
                 publish_options={'eligible': [c.session_id], 'acknowledge': True})
    await b.call(add, 'com.will.t', ['kept'], {'k': 1},
                 publish_options={'retain': True, 'exclude_me': False})
    b.leave()
    got_c = [await asyncio.wait_for(qc.get(), 5) for _ in range(3)]
    check(got_c == [(['excl'], {}), (['only-c'], {}), (['kept'], {'k': 1})],
          'testaments of both scopes published on leave, in order (%r)' % got_c)
    got_a = await asyncio.wait_for(qa.get(), 5)
    check(got_a == (['kept'], {'k': 1}) and qa.empty(),
          'testament publish_options exclude/eligible honoured (a got %r first)' % (got_a,))
    f = await join(port, 'json')
    qf = asyncio.Queue()
    await f.subscribe(lambda *x, **k: qf.put_nowait((list(x), k)), 'com.will.t',
                      options=SubscribeOptions(get_retained=True))
    got_f = await asyncio.wait_for(qf.get(), 5)
    check(got_f == (['kept'], {'k': 1}), 'testament publish_options retain: a late subscriber '
          'gets it with get_retained (%r)' % (got_f,))
    for s in (a, c, f):
        s.leave()


async def main(exe):
    d = Wampd(exe)
    try:
        sers = list(SERIALIZERS)
        for i, s in enumerate(sers):
            await pubsub_pair(d.port, s, sers[(i + 3) % len(sers)])
        for s in ('json', 'msgpack', 'cbor', 'ubjson'):
            await pubsub_pair(d.port, s, 'json', raw_pub=True)
        await pubsub_pair(d.port, 'cbor', 'msgpack', raw_pub=True, raw_sub=True)
        await pubsub_options(d.port)
        await rpc(d.port)
        await meta(d.port)
        await advanced(exe, d.port)
        await testament_options(d.port)
    finally:
        rc = d.stop()
    check(rc == 0, 'wampd exits 0 on SIGTERM')


asyncio.run(main(sys.argv[1]))
finish()
