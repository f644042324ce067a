"""interop.router.features: Autobahn|Python clients against wampd — pub/sub options and patterns,
RPC (shared registrations, progressive results, cancel, timeout, errors) over WebSocket with every
serializer (plain and batched, mixed between publisher and subscriber) and over RawSocket; the
testament API with publish_options and scopes."""
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


async def testaments(port):
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
        await testaments(d.port)
    finally:
        rc = d.stop()
    check(rc == 0, 'wampd exits 0 on SIGTERM')


asyncio.run(main(sys.argv[1]))
finish()
