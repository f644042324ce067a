// interop.router.autobahnjs.*: AutobahnJS 22.11.1 (npm) clients against wampd on 127.0.0.1.
//   node router_autobahnjs.js <wampd> <node_modules> ws-json|ws-msgpack|ws-cbor|rs-json|auth
// The transport modes run the feature scenarios over WebSocket with the given serializer (the
// other peers of a scenario use the same transport unless said) or over RawSocket with JSON
// (the only serializer AutobahnJS's node RawSocket transport speaks); "auth" runs wampd with a
// config written here: ticket, WAMP-CRA, cryptosign (tweetnacl), anonymous with a restricted
// role, success and failure, and authorization denials.
// The transport modes also cover CALL exclude/eligible (no_eligible_callee), RegisterOptions
// concurrency (no_available_callee) and force_reregister, the testament API and
// wamp.session.kill_by_authid/kill_by_authrole. AutobahnJS 22.11.1 has no progressive call
// invocations (no API sends a CALL continuation) and no payload passthru (no enc_algo/ppt
// support anywhere in the package), so neither is tested here; its callee does not announce
// call_canceling, so cancel mode kill against an interrupting callee is in
// tests/interop/python/router_features.py.
//
// Negative checks ("X does not get the event") never wait for a timeout: the publisher sends a
// marker afterwards on the same topic, and the next event the subscriber sees must be the
// marker (the router delivers one publisher's events on one subscription in order).
'use strict'
const path = require('path')
const { check, finish, startWampd, Queue, withTimeout, rejection, deferred } = require('./common.js')
const { quietAutobahnLog } = require('./common.js')

const [exe, nmArg, mode] = process.argv.slice(2)
const nm = path.resolve(nmArg)
quietAutobahnLog()
const autobahn = require(path.join(nm, 'autobahn'))
const S = autobahn.serializer

const TRANSPORTS = {
  'ws-json': port => ({ type: 'websocket', url: `ws://127.0.0.1:${port}/ws`, serializers: [new S.JSONSerializer()] }),
  'ws-msgpack': port => ({ type: 'websocket', url: `ws://127.0.0.1:${port}/ws`, serializers: [new S.MsgpackSerializer()] }),
  'ws-cbor': port => ({ type: 'websocket', url: `ws://127.0.0.1:${port}/ws`, serializers: [new S.CBORSerializer()] }),
  'rs-json': port => ({ type: 'rawsocket', host: '127.0.0.1', port })
}
const SERIALIZER_NAME = { 'ws-json': 'json', 'ws-msgpack': 'msgpack', 'ws-cbor': 'cbor', 'rs-json': 'json' }

// Joins a session; rejects with {reason, details} when the router refuses (ABORT).
function join (port, opts) {
  opts = opts || {}
  const opened = deferred()
  const closed = deferred()
  const conn = new autobahn.Connection(Object.assign({
    transports: [TRANSPORTS[opts.mode || mode](port)],
    realm: opts.realm || 'realm1',
    max_retries: 0,
    retry_if_unreachable: false
  }, opts.conn || {}))
  let isOpen = false
  conn.onopen = (session, details) => {
    isOpen = true
    session.details = details
    session.conn = conn
    session.closed = closed.promise
    opened.resolve(session)
  }
  conn.onclose = (reason, details) => {
    const r = { reason, details }
    if (!isOpen) opened.reject(r)
    closed.resolve(r)
    return true // no retry
  }
  conn.open()
  return withTimeout(opened.promise, 10000, 'join')
}

async function leave (...sessions) {
  for (const s of sessions) {
    if (s.isOpen) s.conn.close()
    await withTimeout(s.closed, 10000, 'leave')
  }
}

const eq = (a, b) => JSON.stringify(a) === JSON.stringify(b)
const ev = q => (args, kwargs, details) => q.put({ args, kwargs, details })

// ---------------------------------------------------------------- pub/sub

async function pubsubPayload (port) {
  // our publisher on this transport, a subscriber on every other transport (transcoding)
  const pub = await join(port)
  for (const other of Object.keys(TRANSPORTS)) {
    const sub = await join(port, { mode: other })
    const q = new Queue()
    await sub.subscribe('com.ajs.payload', ev(q))
    const args = [1, -2, 3.5, 'três', true, null, { a: [1, 2] }, 2 ** 40]
    const kwargs = { k: 'v', nested: { l: [[], {}] } }
    const p = await pub.publish('com.ajs.payload', args, kwargs, { acknowledge: true })
    check(p && p.id > 0, `${mode} -> ${other}: publication acknowledged with an id`)
    const e = await q.get()
    check(eq(e.args, args) && eq(e.kwargs, kwargs), `${mode} -> ${other}: event payload intact`)
    await sub.register('com.ajs.echo', (a, kw) => new autobahn.Result(a, kw))
    const r = await pub.call('com.ajs.echo', args, kwargs)
    check(eq(r.args, args) && eq(r.kwargs, kwargs), `${mode} -> ${other}: call result intact`)
    await leave(sub)
  }
  await leave(pub)
}

async function pubsubOptions (port) {
  const a = await join(port)
  const b = await join(port)
  const c = await join(port)
  const qa = new Queue()
  const qb = new Queue()
  const sa = await a.subscribe('com.ajs.opt', ev(qa))
  const sb = await b.subscribe('com.ajs.opt', ev(qb))
  check(sa.id === sb.id, 'two sessions on one topic share one subscription id')
  const marker = async (q, what, extra) => {
    const e = await q.get()
    check(e.args[0] === 'marker', what + ` (next event: ${JSON.stringify(e.args)})`)
    return e
  }
  const publishMarker = s => s.publish('com.ajs.opt', ['marker'], {}, { acknowledge: true, exclude_me: false })

  // exclude_me: default true
  await a.publish('com.ajs.opt', [1], {}, { acknowledge: true })
  check((await qb.get()).args[0] === 1, 'subscriber gets the event')
  await publishMarker(c)
  await marker(qa, 'exclude_me default: the publisher does not get its own event')
  await qb.get()
  await a.publish('com.ajs.opt', [2], {}, { acknowledge: true, exclude_me: false })
  check((await qa.get()).args[0] === 2, 'exclude_me=false: the publisher gets its own event')
  check((await qb.get()).args[0] === 2, 'exclude_me=false: the other subscriber too')

  // exclude / eligible by session id, authid, authrole
  await c.publish('com.ajs.opt', [3], {}, { acknowledge: true, exclude: [b.id] })
  check((await qa.get()).args[0] === 3, 'exclude: the other session gets it')
  await publishMarker(c)
  await marker(qb, 'exclude: the excluded session does not')
  await qa.get()
  await c.publish('com.ajs.opt', [4], {}, { acknowledge: true, eligible: [b.id] })
  check((await qb.get()).args[0] === 4, 'eligible: the eligible session gets it')
  await publishMarker(c)
  await marker(qa, 'eligible: the others do not')
  await qb.get()
  await c.publish('com.ajs.opt', [5], {}, { acknowledge: true, exclude_authrole: ['anonymous'] })
  await publishMarker(c)
  await marker(qa, 'exclude_authrole: the excluded role gets nothing (a)')
  await marker(qb, 'exclude_authrole: the excluded role gets nothing (b)')
  await c.publish('com.ajs.opt', [6], {}, { acknowledge: true, eligible_authid: [b.details.authid] })
  check((await qb.get()).args[0] === 6, 'eligible_authid: the eligible authid gets it')

  // publisher disclosure
  await c.publish('com.ajs.opt', [7], {}, { acknowledge: true, disclose_me: true })
  check((await qa.get()).details.publisher === c.id, 'disclose_me: EVENT.details.publisher is the publisher')
  await qb.get()
  await c.publish('com.ajs.opt', [8], {}, { acknowledge: true })
  check((await qa.get()).details.publisher === undefined, 'no disclose_me: no publisher in the details')
  await qb.get()

  // unacknowledged publish still delivers (no PUBLISHED comes back)
  const r = c.publish('com.ajs.opt', [9])
  check(r === undefined || r === null, 'unacknowledged publish returns nothing')
  check((await qa.get()).args[0] === 9, 'unacknowledged publish delivered')
  await qb.get()

  // unsubscribe
  await sa.unsubscribe()
  await publishMarker(c)
  await marker(qb, 'after a unsubscribed, b still gets events')
  check(qa.length === 0, 'the unsubscribed session got nothing more')
  await leave(a, b, c)
}

async function pubsubPatterns (port) {
  const a = await join(port)
  const c = await join(port)
  const qp = new Queue()
  const qw = new Queue()
  const qe = new Queue()
  await a.subscribe('com.ajs.pfx', ev(qp), { match: 'prefix' })
  await a.subscribe('com.ajs..wild', ev(qw), { match: 'wildcard' })
  await a.subscribe('com.ajs.pfx.wild', ev(qe))
  await c.publish('com.ajs.pfx.wild', ['all three'], {}, { acknowledge: true })
  const p = await qp.get()
  const w = await qw.get()
  const e = await qe.get()
  check(p.details.topic === 'com.ajs.pfx.wild', 'prefix subscription: details.topic is the published URI')
  check(w.details.topic === 'com.ajs.pfx.wild' && w.args[0] === 'all three',
    'wildcard subscription gets the same event with its topic')
  check(e.args[0] === 'all three', 'exact subscription on the same URI gets it too')
  await c.publish('com.ajs.pfxother', ['p only'], {}, { acknowledge: true })
  check((await qp.get()).args[0] === 'p only', 'prefix matches a plain string prefix')
  await c.publish('com.ajs.zz.wild', ['w only'], {}, { acknowledge: true })
  check((await qw.get()).args[0] === 'w only', 'wildcard matches one component')
  await c.publish('com.ajs.a.b.wild', ['nobody'], {}, { acknowledge: true })
  await c.publish('com.ajs.q.wild', ['w marker'], {}, { acknowledge: true })
  check((await qw.get()).args[0] === 'w marker', 'wildcard does not match two components')
  check(qe.length === 0 && qp.length === 0, 'no stray events on the other subscriptions')
  await leave(a, c)
}

async function retained (port) {
  const p = await join(port)
  await p.publish('com.ajs.ret', ['first'], {}, { acknowledge: true, retain: true })
  await p.publish('com.ajs.ret', ['kept'], { v: 2 }, { acknowledge: true, retain: true })
  await p.publish('com.ajs.ret', ['not kept'], {}, { acknowledge: true })
  const s = await join(port)
  const q = new Queue()
  await s.subscribe('com.ajs.ret', ev(q), { get_retained: true })
  const e = await q.get()
  check(e.args[0] === 'kept' && e.kwargs.v === 2 && e.details.retained === true,
    'get_retained: the last retained event arrives marked retained')
  const s2 = await join(port)
  const q2 = new Queue()
  await s2.subscribe('com.ajs.ret', ev(q2))
  await p.publish('com.ajs.ret', ['live'], {}, { acknowledge: true })
  check((await q2.get()).args[0] === 'live', 'without get_retained: only live events')
  check((await q.get()).details.retained === false, 'live events are not marked retained')
  await leave(p, s, s2)
}

// ---------------------------------------------------------------- RPC

async function rpcBasics (port) {
  const caller = await join(port)
  const c1 = await join(port)
  const c2 = await join(port)
  let e = await rejection(caller.call('com.ajs.nothing'))
  check(e && e.error === 'wamp.error.no_such_procedure', 'no callee -> wamp.error.no_such_procedure')
  await c1.register('com.ajs.boom', () => { throw new autobahn.Error('com.ajs.error.boom', ['bad'], { code: 7 }) })
  e = await rejection(caller.call('com.ajs.boom'))
  check(e && e.error === 'com.ajs.error.boom' && e.args[0] === 'bad' && e.kwargs.code === 7,
    'callee error reaches the caller with URI, args and kwargs')
  await c1.register('com.ajs.single', () => 1)
  e = await rejection(c2.register('com.ajs.single', () => 2))
  check(e && e.error === 'wamp.error.procedure_already_exists', 'second single registration -> procedure_already_exists')
  // caller disclosure
  await c1.register('com.ajs.who', (a, kw, d) => [d.caller === undefined ? null : d.caller, d.procedure],
    { disclose_caller: true })
  let r = await caller.call('com.ajs.who')
  check(r[0] === caller.id, 'disclose_caller: INVOCATION.details.caller is the caller')
  await c1.register('com.ajs.who2', (a, kw, d) => d.caller === undefined ? null : d.caller)
  r = await caller.call('com.ajs.who2', [], {}, { disclose_me: true })
  check(r === caller.id, 'CALL disclose_me: the callee sees the caller')
  r = await caller.call('com.ajs.who2')
  check(r === null, 'no disclosure asked: no caller in the details')
  // unregister
  const reg = await c2.register('com.ajs.temp', () => 't')
  check(await caller.call('com.ajs.temp') === 't', 'registered procedure answers')
  await reg.unregister()
  e = await rejection(caller.call('com.ajs.temp'))
  check(e && e.error === 'wamp.error.no_such_procedure', 'after unregister -> no_such_procedure')
  await leave(caller, c1, c2)
}

async function rpcPatterns (port) {
  const caller = await join(port)
  const c1 = await join(port)
  const c2 = await join(port)
  await c1.register('com.ajs.pat', (a, kw, d) => 'prefix:' + d.procedure, { match: 'prefix' })
  await c2.register('com.ajs.pat.exact', () => 'exact')
  await c2.register('com.ajs.pat..w', (a, kw, d) => 'wildcard:' + d.procedure, { match: 'wildcard' })
  await c1.register('com.ajs.pat.longer', (a, kw, d) => 'longer:' + d.procedure, { match: 'prefix' })
  check(await caller.call('com.ajs.pat.exact') === 'exact', 'exact beats prefix and wildcard')
  check(await caller.call('com.ajs.pat.other') === 'prefix:com.ajs.pat.other',
    'prefix match; details.procedure is the called URI')
  check(await caller.call('com.ajs.pat.longer.x') === 'longer:com.ajs.pat.longer.x', 'longest prefix wins')
  check(await caller.call('com.ajs.pat.x.w') === 'prefix:com.ajs.pat.x.w', 'prefix beats wildcard')
  await c2.register('com.ajs.wonly..z', (a, kw, d) => 'wildcard:' + d.procedure, { match: 'wildcard' })
  check(await caller.call('com.ajs.wonly.k.z') === 'wildcard:com.ajs.wonly.k.z', 'wildcard match')
  await leave(caller, c1, c2)
}

async function rpcShared (port) {
  const caller = await join(port)
  const cs = [await join(port), await join(port), await join(port)]
  const policy = async (invoke, n) => {
    const uri = 'com.ajs.shared.' + invoke
    for (let i = 0; i < cs.length; i++) await cs[i].register(uri, () => 'c' + i, { invoke })
    const got = []
    for (let i = 0; i < n; i++) got.push(await caller.call(uri))
    return got
  }
  let got = await policy('roundrobin', 6)
  check(eq(got, ['c0', 'c1', 'c2', 'c0', 'c1', 'c2']), 'roundrobin rotates: ' + got)
  got = await policy('first', 3)
  check(eq(got, ['c0', 'c0', 'c0']), 'first: the first registered callee: ' + got)
  got = await policy('last', 3)
  check(eq(got, ['c2', 'c2', 'c2']), 'last: the last registered callee: ' + got)
  got = await policy('random', 64)
  check(got.every(x => ['c0', 'c1', 'c2'].includes(x)) && new Set(got).size > 1,
    'random: every call served, more than one callee used (' + [...new Set(got)] + ')')
  const e = await rejection(caller.register('com.ajs.shared.roundrobin', () => 'x', { invoke: 'random' }))
  check(e && e.error === 'wamp.error.procedure_exists_with_different_invocation_policy',
    'different invocation policy -> procedure_exists_with_different_invocation_policy')
  // meta: the callees of the shared registration
  const id = await caller.call('wamp.registration.lookup', ['com.ajs.shared.first'])
  const callees = await caller.call('wamp.registration.list_callees', [id])
  check(eq([...callees].sort(), cs.map(s => s.id).sort()), 'wamp.registration.list_callees lists the three callees')
  check(await caller.call('wamp.registration.count_callees', [id]) === 3, 'wamp.registration.count_callees')
  // the first callee leaves: "first" moves on to the next
  await leave(cs[0])
  check(await caller.call('com.ajs.shared.first') === 'c1', 'first: after the first callee left, the next one')
  await leave(caller, cs[1], cs[2])
}

async function rpcProgressive (port) {
  const caller = await join(port)
  const callee = await join(port)
  await callee.register('com.ajs.prog', (args, kw, d) => {
    if (d.progress) for (let i = 0; i < args[0]; i++) d.progress([i], { step: i })
    return new autobahn.Result(['done'], { total: args[0] })
  })
  const seen = []
  const res = await caller.call('com.ajs.prog', [3], {}, { receive_progress: true })
    .then(r => r, null, p => seen.push(p))
  check(eq(seen.map(p => [p.args, p.kwargs]), [[[0], { step: 0 }], [[1], { step: 1 }], [[2], { step: 2 }]]),
    'progressive results arrive in order with args and kwargs: ' + JSON.stringify(seen))
  check(res.args[0] === 'done' && res.kwargs.total === 3, 'then the final result')
  const plain = await caller.call('com.ajs.prog', [3])
  check(plain.args[0] === 'done', 'without receive_progress the callee gets no progress sender, only the final result')
  await leave(caller, callee)
}

async function rpcCancelTimeout (port) {
  const caller = await join(port)
  const callee = await join(port)
  const started = new Queue()
  const pending = []
  await callee.register('com.ajs.slow', (args) => {
    const d = autobahn.when.defer()
    pending.push(d)
    started.put(args[0])
    return d.promise
  })
  // AutobahnJS's callee does not announce call_canceling: the router cancels in mode skip
  // (ERROR wamp.error.canceled to the caller at once, no INTERRUPT to the callee). The caller
  // asks for mode "kill" because AutobahnJS 22.11.1 rejects skip/killnowait cancels locally and
  // then treats the router's ERROR for the forgotten request as a protocol violation.
  const call = caller.call('com.ajs.slow', ['c1'])
  await started.get()
  call.cancel({ mode: 'kill' })
  let e = await rejection(call)
  check(e && e.error === 'wamp.error.canceled', 'CANCEL (callee without call_canceling) -> wamp.error.canceled: ' + (e && e.error))
  pending.shift().resolve('late') // the late YIELD is dropped by the router
  check(await caller.call('wamp.session.count') >= 2, 'the late YIELD did not reach the caller (session still fine)')

  // router-side call timeout
  const t0 = Date.now()
  e = await rejection(caller.call('com.ajs.slow', ['t1'], {}, { timeout: 300 }))
  check(e && e.error === 'wamp.error.timeout', 'CALL timeout=300 -> wamp.error.timeout: ' + (e && e.error))
  check(Date.now() - t0 >= 250, 'the timeout was not reported early')
  await started.get()
  pending.shift().resolve('late')
  // a call with a generous timeout that completes
  const ok = caller.call('com.ajs.slow', ['t2'], {}, { timeout: 10000 })
  await started.get()
  pending.shift().resolve('in time')
  check(await ok === 'in time', 'a call answered within its timeout succeeds')

  // the callee leaves mid-call: the caller gets an error
  const gone = rejection(caller.call('com.ajs.slow', ['gone']))
  await started.get()
  await leave(callee)
  e = await gone
  check(e && e.error === 'wamp.error.canceled', 'callee leaving mid-call -> caller gets wamp.error.canceled: ' + (e && e.error))
  await leave(caller)
}

// ---------------------------------------------------------------- advanced router features

// CALL exclude/eligible (AutobahnJS passes call options through): by session id, authid and
// authrole; nobody left -> wamp.error.no_eligible_callee.
async function rpcEligible (port) {
  const caller = await join(port)
  const c1 = await join(port)
  const c2 = await join(port)
  for (const [i, c] of [c1, c2].entries()) {
    await c.register('com.ajs.elig', () => 'c' + (i + 1), { invoke: 'roundrobin' })
  }
  const calls = async (opts, n) => {
    const got = []
    for (let i = 0; i < n; i++) got.push(await caller.call('com.ajs.elig', [], {}, opts))
    return got
  }
  check(eq(await calls({ exclude: [c1.id] }, 3), ['c2', 'c2', 'c2']), 'CALL exclude [c1]: only c2 serves')
  check(eq(await calls({ eligible: [c1.id] }, 3), ['c1', 'c1', 'c1']), 'CALL eligible [c1]: only c1 serves')
  check(eq(await calls({ exclude_authid: [c2.details.authid] }, 2), ['c1', 'c1']), 'CALL exclude_authid: only c1 serves')
  check(eq(await calls({ eligible_authid: [c2.details.authid] }, 2), ['c2', 'c2']), 'CALL eligible_authid: only c2 serves')
  const none = [{ exclude: [c1.id, c2.id] }, { eligible: [caller.id] }, { eligible_authrole: ['nobody'] },
    { exclude_authrole: ['anonymous'] }]
  for (const opts of none) {
    const e = await rejection(caller.call('com.ajs.elig', [], {}, opts))
    check(e && e.error === 'wamp.error.no_eligible_callee', 'CALL ' + JSON.stringify(opts).replace(/[0-9]{6,}/g, 'ID') +
      ' -> wamp.error.no_eligible_callee: ' + (e && e.error))
  }
  check(eq(await calls({}, 2).then(x => x.sort()), ['c1', 'c2']), 'without filters both callees serve')
  await leave(caller, c1, c2)
}

// RegisterOptions concurrency: a busy callee -> wamp.error.no_available_callee.
async function rpcConcurrency (port) {
  const caller = await join(port)
  const c1 = await join(port)
  const c2 = await join(port)
  const started = new Queue()
  const gated = name => () => {
    const d = autobahn.when.defer()
    started.put(d)
    return d.promise.then(() => name)
  }
  await c1.register('com.ajs.conc', gated('c1'), { concurrency: 1 })
  const first = caller.call('com.ajs.conc')
  const g1 = await started.get()
  let e = await rejection(caller.call('com.ajs.conc'))
  check(e && e.error === 'wamp.error.no_available_callee', 'concurrency 1, busy -> wamp.error.no_available_callee: ' + (e && e.error))
  g1.resolve()
  check(await first === 'c1', 'the call holding the slot completes')
  const again = caller.call('com.ajs.conc')
  ;(await started.get()).resolve()
  check(await again === 'c1', 'the freed slot serves the next call')
  // shared: one call each, the third finds no callee available
  for (const [c, n] of [[c1, 'c1'], [c2, 'c2']]) {
    await c.register('com.ajs.conc.shared', gated(n), { concurrency: 1, invoke: 'roundrobin' })
  }
  const two = [caller.call('com.ajs.conc.shared'), caller.call('com.ajs.conc.shared')]
  const gs = [await started.get(), await started.get()]
  e = await rejection(caller.call('com.ajs.conc.shared'))
  check(e && e.error === 'wamp.error.no_available_callee', 'shared, every callee at its limit -> no_available_callee')
  gs.forEach(g => g.resolve())
  check(eq((await Promise.all(two)).sort(), ['c1', 'c2']), 'the two concurrent calls went to different callees')
  await leave(caller, c1, c2)
}

// RegisterOptions force_reregister: the new callee takes over, the old one gets UNREGISTERED.
async function rpcForceReregister (port) {
  const caller = await join(port)
  const c1 = await join(port)
  const c2 = await join(port)
  const r1 = await c1.register('com.ajs.force', () => 'c1')
  let e = await rejection(c2.register('com.ajs.force', () => 'c2'))
  check(e && e.error === 'wamp.error.procedure_already_exists', 'without force_reregister -> procedure_already_exists')
  const r2 = await c2.register('com.ajs.force', () => 'c2', { force_reregister: true })
  const reason = await withTimeout(Promise.resolve(r1.on_unregister), 5000, 'on_unregister')
  check(reason === 'wamp.error.force_reregister' && !r1.active,
    'the displaced callee gets UNREGISTERED with reason wamp.error.force_reregister: ' + reason)
  check(r2.active && await caller.call('com.ajs.force') === 'c2', 'calls go to the new callee')
  const id = await caller.call('wamp.registration.lookup', ['com.ajs.force'])
  check(eq(await caller.call('wamp.registration.list_callees', [id]), [c2.id]), 'list_callees: only the new callee')
  e = await rejection(c1.call('wamp.session.count'))
  check(e === null, 'the displaced callee keeps its session')
  await leave(caller, c1, c2)
}

// wamp.session.add_testament / flush_testaments.
async function testaments (port) {
  const w = await join(port)
  const q = new Queue()
  await w.subscribe('com.ajs.testament', ev(q))
  const b = await join(port)
  await b.call('wamp.session.add_testament', ['com.ajs.testament', ['gone', b.id], { why: 'leave' }])
  const bid = b.id
  await leave(b)
  let x = await q.get()
  check(eq(x.args, ['gone', bid]) && eq(x.kwargs, { why: 'leave' }), 'testament published on GOODBYE with args and kwargs')
  // the transport closes without a GOODBYE
  const c = await join(port)
  const cid = c.id
  await c.call('wamp.session.add_testament', ['com.ajs.testament', ['dropped', cid]])
  c.conn._transport.close()
  await withTimeout(c.closed, 10000, 'close')
  x = await q.get()
  check(eq(x.args, ['dropped', cid]), 'testament published when the transport closes without GOODBYE')
  // flushed testaments are never published; one added after the flush is
  const d = await join(port)
  await d.call('wamp.session.add_testament', ['com.ajs.testament', ['flushed']])
  check(await d.call('wamp.session.flush_testaments') === 1, 'flush_testaments -> 1')
  await d.call('wamp.session.add_testament', ['com.ajs.testament', ['kept']])
  await leave(d)
  const m = await join(port)
  await m.publish('com.ajs.testament', ['marker'], {}, { acknowledge: true })
  const got = [(await q.get()).args[0]]
  while (got[got.length - 1] !== 'marker') got.push((await q.get()).args[0])
  check(eq(got, ['kept', 'marker']), 'the flushed testament is not published, the later one is: ' + got)
  await leave(w, m)
}

// wamp.session.kill_by_authid / kill_by_authrole, on a wampd of its own.
async function killBy (exe) {
  const d = await startWampd(exe)
  try {
    const k = await join(d.port)
    const b = await join(d.port)
    const c = await join(d.port)
    const bid = b.id
    const cid = c.id
    let r = await k.call('wamp.session.kill_by_authid', [b.details.authid], { reason: 'com.ajs.kicked', message: 'by authid' })
    check(eq(r, [bid]), 'kill_by_authid -> the id of the killed session')
    let cl = await withTimeout(b.closed, 10000, 'killed')
    check(cl.details.reason === 'com.ajs.kicked' && cl.details.message === 'by authid',
      'the killed session sees GOODBYE with the given reason and message: ' + JSON.stringify([cl.details.reason, cl.details.message]))
    check(await k.call('wamp.session.count') === 2, 'the others stay')
    r = await k.call('wamp.session.kill_by_authrole', ['anonymous'], { reason: 'com.ajs.role', message: 'by authrole' })
    check(eq(r, [cid]), 'kill_by_authrole kills every other session of the role')
    cl = await withTimeout(c.closed, 10000, 'killed')
    check(cl.details.reason === 'com.ajs.role' && cl.details.message === 'by authrole', 'kill_by_authrole: reason and message')
    check(await k.call('wamp.session.count') === 1, 'the killer survives')
    await leave(k)
  } finally {
    check(await d.stop() === 0, 'kill_by: wampd exits 0')
  }
}

// ---------------------------------------------------------------- meta API

async function meta (port) {
  const a = await join(port)
  const joins = new Queue()
  const leaves = new Queue()
  const subEvents = new Queue()
  const regEvents = new Queue()
  await a.subscribe('wamp.session.on_join', ev(joins))
  await a.subscribe('wamp.session.on_leave', ev(leaves))
  for (const t of ['on_create', 'on_subscribe', 'on_unsubscribe', 'on_delete']) {
    await a.subscribe('wamp.subscription.' + t, (args) => subEvents.put([t, args]))
    await a.subscribe('wamp.registration.' + t.replace('subscribe', 'register'), (args) => regEvents.put([t.replace('subscribe', 'register'), args]))
  }
  const b = await join(port)
  const j = await joins.get()
  check(j.args[0].session === b.id && j.args[0].authrole === 'anonymous', 'wamp.session.on_join carries the new session')
  check(await a.call('wamp.session.count') === 2, 'wamp.session.count')
  check(eq([...await a.call('wamp.session.list')].sort(), [a.id, b.id].sort()), 'wamp.session.list')
  const info = await a.call('wamp.session.get', [b.id])
  check(info.session === b.id && info.serializer === SERIALIZER_NAME[mode] && info.authmethod === 'anonymous',
    'wamp.session.get: ' + JSON.stringify(info))
  let e = await rejection(a.call('wamp.session.get', [424242]))
  check(e && e.error === 'wamp.error.no_such_session', 'wamp.session.get of an unknown id -> no_such_session')

  // subscriptions
  const sub = await b.subscribe('com.ajs.meta.t', () => {})
  let x = await subEvents.get()
  check(x[0] === 'on_create' && x[1][0] === b.id && x[1][1].uri === 'com.ajs.meta.t', 'wamp.subscription.on_create')
  x = await subEvents.get()
  check(x[0] === 'on_subscribe' && x[1][0] === b.id && x[1][1] === sub.id, 'wamp.subscription.on_subscribe')
  const psub = await b.subscribe('com.ajs.meta', () => {}, { match: 'prefix' })
  await subEvents.get(); await subEvents.get()
  check(await a.call('wamp.subscription.lookup', ['com.ajs.meta.t']) === sub.id, 'wamp.subscription.lookup (exact)')
  check(await a.call('wamp.subscription.lookup', ['com.ajs.meta', { match: 'prefix' }]) === psub.id, 'wamp.subscription.lookup (prefix)')
  check(await a.call('wamp.subscription.lookup', ['com.ajs.nothing']) === null, 'wamp.subscription.lookup of nothing -> null')
  check(eq([...await a.call('wamp.subscription.match', ['com.ajs.meta.t'])].sort(), [sub.id, psub.id].sort()),
    'wamp.subscription.match lists the exact and the prefix subscription')
  const list = await a.call('wamp.subscription.list')
  check(list.exact.includes(sub.id) && list.prefix.includes(psub.id), 'wamp.subscription.list')
  const sget = await a.call('wamp.subscription.get', [psub.id])
  check(sget.id === psub.id && sget.uri === 'com.ajs.meta' && sget.match === 'prefix', 'wamp.subscription.get')
  check(eq(await a.call('wamp.subscription.list_subscribers', [sub.id]), [b.id]), 'wamp.subscription.list_subscribers')
  check(await a.call('wamp.subscription.count_subscribers', [sub.id]) === 1, 'wamp.subscription.count_subscribers')
  e = await rejection(a.call('wamp.subscription.get', [424242]))
  check(e && e.error === 'wamp.error.no_such_subscription', 'wamp.subscription.get unknown -> no_such_subscription')
  await sub.unsubscribe()
  x = await subEvents.get()
  check(x[0] === 'on_unsubscribe' && x[1][1] === sub.id, 'wamp.subscription.on_unsubscribe')
  x = await subEvents.get()
  check(x[0] === 'on_delete' && x[1][1] === sub.id, 'wamp.subscription.on_delete')

  // registrations
  const reg = await b.register('com.ajs.meta.p', () => 0, { match: 'prefix', invoke: 'roundrobin' })
  x = await regEvents.get()
  check(x[0] === 'on_create' && x[1][1].uri === 'com.ajs.meta.p', 'wamp.registration.on_create')
  x = await regEvents.get()
  check(x[0] === 'on_register' && x[1][0] === b.id && x[1][1] === reg.id, 'wamp.registration.on_register')
  check(await a.call('wamp.registration.match', ['com.ajs.meta.p.x']) === reg.id, 'wamp.registration.match')
  check(await a.call('wamp.registration.lookup', ['com.ajs.meta.p', { match: 'prefix' }]) === reg.id, 'wamp.registration.lookup')
  const rget = await a.call('wamp.registration.get', [reg.id])
  check(rget.uri === 'com.ajs.meta.p' && rget.match === 'prefix' && rget.invoke === 'roundrobin', 'wamp.registration.get')
  check((await a.call('wamp.registration.list')).prefix.includes(reg.id), 'wamp.registration.list')
  check(eq(await a.call('wamp.registration.list_callees', [reg.id]), [b.id]), 'wamp.registration.list_callees')
  e = await rejection(a.call('wamp.registration.get', [424242]))
  check(e && e.error === 'wamp.error.no_such_registration', 'wamp.registration.get unknown -> no_such_registration')

  // b leaves: its registration and subscription go, on_leave
  const bid = b.id
  await leave(b)
  const seen = new Set()
  while (!(seen.has('on_unregister') && seen.has('on_delete'))) {
    x = await regEvents.get()
    if (x[1][1] === reg.id) seen.add(x[0])
  }
  check(true, 'leaving: wamp.registration.on_unregister and on_delete')
  let l = await leaves.get()
  while (l.args[0] !== bid) l = await leaves.get()
  check(l.args[0] === bid, 'wamp.session.on_leave')
  check(await a.call('wamp.registration.match', ['com.ajs.meta.p.x']) === null, 'its registration is gone')
  check(await a.call('wamp.subscription.lookup', ['com.ajs.meta', { match: 'prefix' }]) === null, 'its subscription is gone')
  check(await a.call('wamp.session.count') === 1, 'wamp.session.count back to 1')

  // wamp.session.kill
  const k = await join(port)
  await joins.get()
  await a.call('wamp.session.kill', [k.id])
  const closed = await k.closed
  check(closed.details.reason === 'wamp.close.killed', 'wamp.session.kill -> GOODBYE wamp.close.killed: ' + closed.details.reason)
  await leave(a)
}

// ---------------------------------------------------------------- authentication

const nacl = require(path.join(nm, 'tweetnacl'))
const KEY = nacl.sign.keyPair.fromSeed(Uint8Array.from({ length: 32 }, (_, i) => i))
const OTHER = nacl.sign.keyPair.fromSeed(Uint8Array.from({ length: 32 }, (_, i) => i + 1))
const ALL = { call: true, register: true, publish: true, subscribe: true }
const AUTH_CONFIG = {
  version: 2,
  workers: [{
    type: 'router',
    realms: [{
      name: 'realm1',
      roles: [
        { name: 'user', permissions: [{ uri: 'com.', match: 'prefix', allow: ALL }, { uri: 'wamp.', match: 'prefix', allow: { call: true } }] },
        {
          name: 'guest',
          permissions: [
            { uri: 'com.public.', match: 'prefix', allow: { call: true, subscribe: true } },
            { uri: 'com.public.secret', match: 'exact', allow: {} },
            { uri: 'com..open', match: 'wildcard', allow: { publish: true } }]
        }]
    }],
    transports: [{
      type: 'universal',
      endpoint: { type: 'tcp', port: 0, interface: '127.0.0.1' },
      rawsocket: {},
      websocket: { ws: { type: 'websocket' } },
      auth: {
        anonymous: { type: 'static', role: 'guest' },
        ticket: { type: 'static', principals: { alice: { ticket: 'alice-secret', role: 'user' } } },
        wampcra: {
          type: 'static',
          users: {
            bob: { secret: 'bob-secret', role: 'user' },
            dave: { secret: autobahn.auth_cra.derive_key('dave-secret', 'salt123', 100, 16), salt: 'salt123', iterations: 100, keylen: 16, role: 'user' }
          }
        },
        cryptosign: { type: 'static', principals: { carol: { authorized_keys: [Buffer.from(KEY.publicKey).toString('hex')], role: 'user' } } }
      }
    }]
  }]
}

async function expectAbort (what, p, reason) {
  try {
    const s = await p
    check(false, `${what} (joined as ${s.details.authid})`)
    await leave(s)
  } catch (e) {
    const got = e && e.details ? e.details.reason : String(e)
    check(got === reason, `${what} -> ABORT ${reason} (${got})`)
  }
}

function authJoin (port, m, authmethods, authid, onchallenge, authextra) {
  return join(port, { mode: m, conn: { authmethods, authid, onchallenge, authextra } })
}

async function auth (exe) {
  const d = await startWampd(exe, AUTH_CONFIG)
  const p = d.port
  const ticket = secret => (s, method) => method === 'ticket' ? secret : Promise.reject(new Error(method))
  const cra = secret => (s, method, extra) => {
    const key = extra.salt ? autobahn.auth_cra.derive_key(secret, extra.salt, extra.iterations, extra.keylen) : secret
    return autobahn.auth_cra.sign(key, extra.challenge)
  }
  const cs = key => (s, method, extra) => autobahn.auth_cryptosign.sign_challenge(key, extra)
  try {
    const a = await authJoin(p, 'ws-json', ['ticket'], 'alice', ticket('alice-secret'))
    check(a.details.authid === 'alice' && a.details.authrole === 'user' && a.details.authmethod === 'ticket',
      'ticket (ws json): joined as alice/user')
    const b = await authJoin(p, 'ws-msgpack', ['wampcra'], 'bob', cra('bob-secret'))
    check(b.details.authid === 'bob' && b.details.authmethod === 'wampcra', 'wampcra (ws msgpack): joined as bob')
    const bs = await authJoin(p, 'rs-json', ['wampcra'], 'dave', cra('dave-secret'))
    check(bs.details.authid === 'dave' && bs.details.authmethod === 'wampcra', 'wampcra salted (rawsocket json): joined as dave')
    const c = await authJoin(p, 'ws-cbor', ['cryptosign'], 'carol', cs(KEY),
      { pubkey: autobahn.auth_cryptosign.public_key(KEY) })
    check(c.details.authid === 'carol' && c.details.authmethod === 'cryptosign', 'cryptosign (ws cbor): joined as carol')
    // AutobahnJS's own helper sends authextra with null trustroot/challenge/channel_binding
    const conn2 = autobahn.auth_cryptosign.create_connection({
      url: `ws://127.0.0.1:${p}/ws`, realm: 'realm1', authid: 'carol', pkey: KEY, serializers: [new S.JSONSerializer()]
    })
    conn2._options.max_retries = 0
    conn2._options.retry_if_unreachable = false
    const c2closed = deferred()
    const c2 = await new Promise((resolve, reject) => {
      conn2.onopen = (s, det) => resolve(det)
      conn2.onclose = (reason, det) => { reject(det); c2closed.resolve(); return true }
      conn2.open()
    }).catch(e => e)
    check(c2.authid === 'carol' && c2.authmethod === 'cryptosign',
      'cryptosign via auth_cryptosign.create_connection (null authextra fields): ' + JSON.stringify(c2.reason || c2.authid))
    if (c2.authid) {
      conn2.close()
      await withTimeout(c2closed.promise, 10000, 'close')
    }
    const g = await join(p, { mode: 'ws-json' })
    check(g.details.authrole === 'guest' && g.details.authmethod === 'anonymous', 'anonymous: role guest')

    await expectAbort('wrong ticket', authJoin(p, 'ws-json', ['ticket'], 'alice', ticket('nope')), 'wamp.error.not_authorized')
    await expectAbort('wrong wampcra secret', authJoin(p, 'ws-msgpack', ['wampcra'], 'bob', cra('nope')), 'wamp.error.not_authorized')
    await expectAbort('wrong salted wampcra secret', authJoin(p, 'rs-json', ['wampcra'], 'dave', cra('nope')), 'wamp.error.not_authorized')
    // a pubkey not among carol's authorized_keys: wampd says no_such_principal (Crossbar's
    // static cryptosign says not_authorized); either way a refusal naming the reason
    await expectAbort('unknown cryptosign key', authJoin(p, 'ws-cbor', ['cryptosign'], 'carol', cs(OTHER),
      { pubkey: autobahn.auth_cryptosign.public_key(OTHER) }), 'wamp.error.no_such_principal')
    await expectAbort('cryptosign signature by another key', authJoin(p, 'ws-json', ['cryptosign'], 'carol', cs(OTHER),
      { pubkey: autobahn.auth_cryptosign.public_key(KEY) }), 'wamp.error.not_authorized')
    await expectAbort('unknown principal', authJoin(p, 'ws-json', ['ticket'], 'mallory', ticket('x')), 'wamp.error.no_such_principal')
    await expectAbort('unconfigured method', authJoin(p, 'ws-json', ['scram'], 'alice', ticket('x')), 'wamp.error.no_auth_method')
    await expectAbort('unknown realm', join(p, { mode: 'ws-json', realm: 'nowhere' }), 'wamp.error.no_such_realm')

    // authorization
    await a.register('com.public.hello', () => 'pub')
    await a.register('com.public.secret', () => 'sec')
    check(await g.call('com.public.hello') === 'pub', 'guest may call com.public.*')
    const q = new Queue()
    await a.subscribe('com.x.open', ev(q))
    await g.publish('com.x.open', ['from guest'], {}, { acknowledge: true })
    check((await q.get()).args[0] === 'from guest', 'guest may publish on the wildcard permission com..open')
    for (const [what, promise] of [
      ['guest call on an exact deny', () => g.call('com.public.secret')],
      ['guest register', () => g.register('com.public.mine', () => 1)],
      ['guest publish (acknowledged) outside its permissions', () => g.publish('com.public.t', [], {}, { acknowledge: true })],
      ['guest subscribe outside com.public', () => g.subscribe('com.private.t', () => 0)],
      ['guest meta API call', () => g.call('wamp.session.count')],
      ['user outside com.', () => a.call('org.other')],
      ['user register outside com.', () => a.register('org.mine', () => 1)],
      ['user subscribe on wamp.', () => a.subscribe('wamp.session.on_join', () => 1)]]) {
      const e = await rejection(promise())
      check(e && e.error === 'wamp.error.not_authorized', what + ' -> wamp.error.not_authorized: ' + (e && e.error))
    }
    check(await a.call('wamp.session.count') === 5, 'user may call the meta API (wamp. call permission)')
    await leave(a, b, bs, c, g)
  } finally {
    const rc = await d.stop()
    check(rc === 0, 'wampd exits 0')
  }
}

async function main () {
  if (mode === 'auth') return auth(exe)
  const d = await startWampd(exe)
  try {
    await pubsubPayload(d.port)
    await pubsubOptions(d.port)
    await pubsubPatterns(d.port)
    await retained(d.port)
    await rpcBasics(d.port)
    await rpcPatterns(d.port)
    await rpcShared(d.port)
    await rpcProgressive(d.port)
    await rpcCancelTimeout(d.port)
    await rpcEligible(d.port)
    await rpcConcurrency(d.port)
    await rpcForceReregister(d.port)
    await testaments(d.port)
    await meta(d.port)
    await killBy(exe)
  } finally {
    const rc = await d.stop()
    check(rc === 0, 'wampd exits 0 on SIGTERM')
  }
}

main().then(finish, e => { console.log('FAIL exception:', e && (e.stack || JSON.stringify(e))); process.exit(1) })
