// interop.router.wampy.*: wampy 8.0.2 (npm) clients against wampd on 127.0.0.1, over WebSocket
// (wampy's only transport) with each of its serializers.
//   node router_wampy.js <wampd> <node_modules> json|msgpack|cbor|auth
// RPC (exact and pattern registrations, shared policies, errors, caller disclosure),
// progressive call results and progressive call invocations, cancel, router-side timeout,
// pub/sub with options (exclude_me, exclude/eligible, disclose_me, retain/get_retained,
// patterns); "auth" runs wampd with a generated config: ticket, wampcra (wampy/wampcra) and
// cryptosign (wampy/cryptosign), success and failure, and an authorization denial.
// Negative pub/sub checks use a marker event published afterwards (no timeouts).
'use strict'
const path = require('path')
const { check, finish, startWampd, Queue, withTimeout, rejection, quietAutobahnLog } = require('./common.js')
quietAutobahnLog()

const [exe, nmArg, mode] = process.argv.slice(2)
const nm = path.resolve(nmArg)
const { Wampy } = require(path.join(nm, 'wampy'))
const dist = path.join(nm, 'wampy', 'dist', 'cjs')
const { JsonSerializer } = require(path.join(dist, 'serializers', 'json-serializer.cjs'))
const { MsgpackSerializer } = require(path.join(dist, 'serializers', 'msgpack-serializer.cjs'))
const { CborSerializer } = require(path.join(dist, 'serializers', 'cbor-serializer.cjs'))
const WebSocket = require(require.resolve('ws', { paths: [path.join(nm, 'wampy')] }))

const SERIALIZERS = { json: JsonSerializer, msgpack: MsgpackSerializer, cbor: CborSerializer }

async function join (port, opts) {
  opts = opts || {}
  const ser = opts.ser || (mode === 'auth' ? 'json' : mode)
  const w = new Wampy(`ws://127.0.0.1:${port}/ws`, Object.assign({
    ws: WebSocket,
    realm: opts.realm || 'realm1',
    autoReconnect: false,
    serializer: new SERIALIZERS[ser]()
  }, opts.options || {}))
  await withTimeout(w.connect(), 10000, 'wampy connect')
  w.id = w.getSessionId()
  return w
}

async function leave (...ws) {
  for (const w of ws) await withTimeout(w.disconnect(), 10000, 'wampy disconnect')
}

// msgpackr (wampy's msgpack) decodes 64-bit integers (session ids, 2^40) as BigInt
const big = (k, v) => typeof v === 'bigint' ? Number(v) : v
const eq = (a, b) => JSON.stringify(a, big) === JSON.stringify(b, big)
const str = x => JSON.stringify(x, big)

// wampy 8.0.2 builds SUBSCRIBE.Options as {match, get_retained} even when the caller gave
// neither: JSON drops the undefined values, but CBOR (cbor-x) sends them as undefined, which
// wampd reads as null, and msgpackr encodes undefined as an extension type. wampd (like
// Autobahn|Python's parser) refuses both with a protocol violation (see undefinedOptions), so
// the scenarios pass both options explicitly.
function subscribe (w, topic, cb, opts) {
  return w.subscribe(topic, cb, Object.assign({ match: 'exact', get_retained: false }, opts || {}))
}
const ev = q => e => q.put(e)

async function pubsub (port) {
  const a = await join(port)
  const b = await join(port)
  const c = await join(port)
  const qa = new Queue()
  const qb = new Queue()
  await subscribe(a, 'com.wampy.t', ev(qa))
  await subscribe(b, 'com.wampy.t', ev(qb))
  const args = [1, 'två', null, { deep: [true, 2.5] }]
  const kwargs = { k: 'v', n: 2 ** 40 }
  const p = await a.publish('com.wampy.t', { argsList: args, argsDict: kwargs }, { exclude_me: false })
  check(p.publicationId > 0, 'publish is acknowledged with a publication id')
  let e = await qb.get()
  check(eq(e.argsList, args) && eq(e.argsDict, kwargs), 'event payload (args and kwargs) intact')
  const marker = async (q, what) => {
    const x = await q.get()
    check(x.argsList[0] === 'marker', what + ' (next: ' + str(x.argsList) + ')')
  }
  const sendMarker = () => c.publish('com.wampy.t', ['marker'])
  // wampy 8.0.2 puts exclude_me into PUBLISH.Options only when it is true, so {exclude_me:
  // false} goes out as the default (exclude the publisher): a wampy limitation, not wampd's
  await sendMarker()
  await marker(qa, 'wampy drops exclude_me=false: the publisher still does not get its event')
  await qb.get()
  await a.publish('com.wampy.t', [2])
  check((await qb.get()).argsList[0] === 2, 'default exclude_me: others get it')
  await sendMarker()
  await marker(qa, 'default exclude_me: the publisher does not')
  await qb.get()
  // cbor-x (wampy's CBOR) encodes integers above 2^32 as floats, so session ids in
  // exclude/eligible arrive as floats, which wampd refuses (see undefinedOptions)
  if (mode !== 'cbor') {
    await c.publish('com.wampy.t', [3], { exclude: [b.id] })
    check((await qa.get()).argsList[0] === 3, 'exclude: the other session gets it')
    await sendMarker()
    await marker(qb, 'exclude: the excluded session does not')
    await qa.get()
    await c.publish('com.wampy.t', [4], { eligible: [b.id] })
    check((await qb.get()).argsList[0] === 4, 'eligible (single id): the eligible session gets it')
    await sendMarker()
    await marker(qa, 'eligible: the others do not')
    await qb.get()
  }
  await c.publish('com.wampy.t', [5], { disclose_me: true })
  check((await qa.get()).details.publisher === c.id, 'disclose_me: details.publisher')
  await qb.get()
  // patterns
  const qp = new Queue()
  const qw = new Queue()
  await subscribe(a, 'com.wampy.pfx', ev(qp), { match: 'prefix' })
  await subscribe(a, 'com.wampy..w', ev(qw), { match: 'wildcard' })
  await c.publish('com.wampy.pfx.w', ['both'])
  e = await qp.get()
  check(e.argsList[0] === 'both' && e.details.topic === 'com.wampy.pfx.w', 'prefix subscription with details.topic')
  e = await qw.get()
  check(e.argsList[0] === 'both' && e.details.topic === 'com.wampy.pfx.w', 'wildcard subscription with details.topic')
  // retained: wampy 8.0.2 validates the retain option but never puts it into PUBLISH.Options,
  // so its own publication is not retained; an AutobahnJS publisher retains one instead and
  // wampy's get_retained subscription must receive that one
  await c.publish('com.wampy.ret', ['wampy retain'], { retain: true })
  const qr = new Queue()
  await subscribe(b, 'com.wampy.ret', ev(qr), { get_retained: true })
  await c.publish('com.wampy.ret', ['marker'])
  await marker(qr, 'wampy drops retain: nothing retained from its publication')
  const ab = await autobahnSession(port)
  await ab.publish('com.wampy.ret', ['kept'], { v: 1 }, { acknowledge: true, retain: true })
  await ab.close()
  const qr2 = new Queue()
  await subscribe(a, 'com.wampy.ret', ev(qr2), { get_retained: true })
  e = await qr2.get()
  check(e.argsList[0] === 'kept' && e.argsDict.v === 1 && e.details.retained === true,
    'get_retained: the retained event (from AutobahnJS) delivered, marked retained')
  await leave(a, b, c)
}

async function rpc (port) {
  const caller = await join(port)
  const c1 = await join(port)
  const c2 = await join(port)
  await c1.register('com.wampy.echo', d => ({ argsList: d.argsList, argsDict: d.argsDict }))
  let r = await caller.call('com.wampy.echo', { argsList: [1, 'x', [2]], argsDict: { a: { b: null } } })
  check(eq(r.argsList, [1, 'x', [2]]) && eq(r.argsDict, { a: { b: null } }), 'call result intact')
  let e = await rejection(caller.call('com.wampy.none'))
  check(e && e.errorUri === 'wamp.error.no_such_procedure', 'no_such_procedure: ' + (e && e.errorUri))
  await c1.register('com.wampy.boom', () => {
    const err = new Error('boom')
    err.error = 'com.wampy.error.boom'
    err.argsList = ['bad']
    err.argsDict = { code: 7 }
    throw err
  })
  e = await rejection(caller.call('com.wampy.boom'))
  check(e && e.errorUri === 'com.wampy.error.boom' && eq(e.argsList, ['bad']) && e.argsDict.code === 7,
    'callee error URI, args and kwargs reach the caller: ' + str(e && [e.errorUri, e.argsList, e.argsDict]))
  e = await rejection(c2.register('com.wampy.echo', () => 0))
  check(e && e.errorUri === 'wamp.error.procedure_already_exists', 'procedure_already_exists')
  // caller disclosure
  await c2.register('com.wampy.who', d => [d.details.caller === undefined ? null : d.details.caller])
  r = await caller.call('com.wampy.who', null, { disclose_me: true })
  check(r.argsList[0] === caller.id, 'disclose_me: the callee sees the caller')
  // patterns
  await c1.register('com.wampy.pat', d => [d.details.procedure], { match: 'prefix' })
  await c2.register('com.wampy..w', d => ['w:' + d.details.procedure], { match: 'wildcard' })
  r = await caller.call('com.wampy.pat.x')
  check(r.argsList[0] === 'com.wampy.pat.x', 'prefix registration, details.procedure')
  r = await caller.call('com.wampy.q.w')
  check(r.argsList[0] === 'w:com.wampy.q.w', 'wildcard registration')
  // shared
  await c1.register('com.wampy.rr', () => ['c1'], { invoke: 'roundrobin' })
  await c2.register('com.wampy.rr', () => ['c2'], { invoke: 'roundrobin' })
  const got = []
  for (let i = 0; i < 4; i++) got.push((await caller.call('com.wampy.rr')).argsList[0])
  check(eq(got, ['c1', 'c2', 'c1', 'c2']), 'roundrobin: ' + got)
  await c1.register('com.wampy.last', () => ['c1'], { invoke: 'last' })
  await c2.register('com.wampy.last', () => ['c2'], { invoke: 'last' })
  check((await caller.call('com.wampy.last')).argsList[0] === 'c2', 'last')
  e = await rejection(caller.register('com.wampy.rr', () => 0, { invoke: 'first' }))
  check(e && e.errorUri === 'wamp.error.procedure_exists_with_different_invocation_policy', 'different invocation policy refused')
  // unregister
  await c1.unregister('com.wampy.echo')
  e = await rejection(caller.call('com.wampy.echo'))
  check(e && e.errorUri === 'wamp.error.no_such_procedure', 'after unregister: no_such_procedure')
  await leave(caller, c1, c2)
}

// An AutobahnJS session on the same router (for what wampy cannot do itself).
async function autobahnSession (port) {
  const autobahn = require(path.join(nm, 'autobahn'))
  const conn = new autobahn.Connection({ url: `ws://127.0.0.1:${port}/ws`, realm: 'realm1', max_retries: 0 })
  const closed = new Promise(resolve => { conn.onclose = () => { resolve(); return true } })
  const s = await new Promise(resolve => { conn.onopen = resolve; conn.open() })
  s.close = async () => { conn.close(); await closed }
  s.autobahn = autobahn
  return s
}

async function progressive (port) {
  const caller = await join(port)
  const callee = await join(port)
  // wampy's callee sends progressive YIELDs but does not announce progressive_call_results, so
  // wampd does not put receive_progress into the INVOCATION and drops the progressive YIELDs
  // the callee had not been asked for: the wampy caller gets the final result only
  await callee.register('com.wampy.prog', async d => {
    for (let i = 0; i < d.argsList[0]; i++) {
      await d.result_handler({ argsList: [i], options: { progress: true } })
    }
    return { argsList: ['done', d.details.receive_progress === true] }
  })
  let seen = []
  let r = await caller.call('com.wampy.prog', [3], { progress_callback: x => seen.push(x.argsList[0]) })
  check(eq(seen, []) && eq(r.argsList, ['done', false]),
    'wampy callee (no progressive_call_results announced): no receive_progress, final result only: ' + str([seen, r.argsList]))
  // progressive results from a callee that announces the feature (AutobahnJS) to wampy's caller
  const ab = await autobahnSession(port)
  await ab.register('com.wampy.prog2', (args, kw, d) => {
    if (d.progress) for (let i = 0; i < args[0]; i++) d.progress([i], { step: i })
    return new ab.autobahn.Result(['done'], { n: args[0] })
  })
  seen = []
  r = await caller.call('com.wampy.prog2', [3], { progress_callback: x => seen.push([x.argsList[0], x.argsDict.step]) })
  check(eq(seen, [[0, 0], [1, 1], [2, 2]]) && r.argsList[0] === 'done' && r.argsDict.n === 3,
    'progressive call results to a wampy caller, in order, then the final result: ' + str(seen))
  seen = []
  r = await caller.call('com.wampy.prog2', [2])
  check(r.argsList[0] === 'done', 'without progress_callback: only the final result')
  await ab.close()
  // progressive call invocations: wampy checks the router's dealer features before sending
  const features = caller._cache.server_wamp_features.roles.dealer.features || {}
  if (features.progressive_call_invocations) {
    // wampy deviation: it sends progressive CALLs but announces neither caller nor callee
    // progressive_call_invocations; wampd accepts the caller's chunks and, for a callee that
    // did not announce the feature, answers wamp.error.feature_not_supported (nothing invoked)
    let invoked = 0
    await callee.register('com.wampy.sum', d => { invoked++; return { argsList: [0] } })
    const pc = caller.progressiveCall('com.wampy.sum', [1])
    let err = null
    try { await withTimeout(pc.result, 10000, 'progressive invocation') } catch (x) { err = x }
    check(err && String(err.error || err.errorUri || err.message).includes('wamp.error.feature_not_supported') &&
      invoked === 0, 'progressive call to a callee without the feature: feature_not_supported (' + str(err && (err.error || err.message)) + ')')
  } else {
    console.log('NOTE wampd does not announce dealer.progressive_call_invocations: wampy\'s progressiveCall not exercised')
    let e = null
    try { caller.progressiveCall('com.wampy.sum', [1]) } catch (x) { e = x }
    check(e && e.name === 'FeatureNotSupportedError', 'wampy refuses progressiveCall without the router feature')
  }
  await leave(caller, callee)
}

async function cancelTimeout (port) {
  const caller = await join(port)
  const callee = await join(port)
  const started = new Queue()
  const pending = []
  await callee.register('com.wampy.slow', d => new Promise(resolve => {
    pending.push(resolve)
    started.put(d.argsList[0])
  }))
  // wampy's callee does not announce call_canceling: the router answers the CANCEL itself
  // (mode skip: ERROR wamp.error.canceled to the caller, nothing to the callee)
  for (const m of ['skip', 'kill', 'killnowait']) {
    const call = rejection(caller.call('com.wampy.slow', [m]))
    const reqId = caller.getOpStatus().reqId
    await started.get()
    caller.cancel(reqId, { mode: m })
    const e = await call
    check(e && e.errorUri === 'wamp.error.canceled', `cancel mode ${m} -> wamp.error.canceled: ` + (e && e.errorUri))
    pending.shift()(['late'])
  }
  const e = await rejection(caller.call('com.wampy.slow', ['t'], { timeout: 300 }))
  check(e && e.errorUri === 'wamp.error.timeout', 'router-side call timeout -> wamp.error.timeout: ' + (e && e.errorUri))
  await started.get()
  pending.shift()(['late'])
  const ok = caller.call('com.wampy.slow', ['ok'])
  await started.get()
  pending.shift()(['fine'])
  check((await ok).argsList[0] === 'fine', 'the late YIELDs were dropped; the next call gets its own result')
  await leave(caller, callee)
}

const KEYSEED = Buffer.from(Array.from({ length: 32 }, (_, i) => i + 100))

async function auth (exe) {
  const nacl = require(path.join(nm, 'tweetnacl'))
  const kp = nacl.sign.keyPair.fromSeed(KEYSEED)
  const config = {
    version: 2,
    workers: [{
      type: 'router',
      realms: [{
        name: 'realm1',
        roles: [{ name: 'user', permissions: [{ uri: 'com.wampy.', match: 'prefix', allow: { call: true, register: true, publish: true, subscribe: true } }] }]
      }],
      transports: [{
        type: 'websocket',
        endpoint: { type: 'tcp', port: 0, interface: '127.0.0.1' },
        auth: {
          ticket: { type: 'static', principals: { alice: { ticket: 'alice-secret', role: 'user' } } },
          wampcra: { type: 'static', users: { bob: { secret: 'bob-secret', role: 'user' } } },
          cryptosign: { type: 'static', principals: { carol: { authorized_keys: [Buffer.from(kp.publicKey).toString('hex')], role: 'user' } } }
        }
      }]
    }]
  }
  const { sign: craSign } = await import(path.join(dist, 'auth', 'wampcra', 'wampy-cra.mjs'))
  const { sign: csSign } = require(path.join(dist, 'auth', 'cryptosign', 'wampy-cryptosign.cjs'))
  const d = await startWampd(exe, config)
  const p = d.port
  const privHex = Buffer.from(kp.secretKey).toString('hex')
  const otherHex = Buffer.from(nacl.sign.keyPair.fromSeed(Buffer.alloc(32, 9)).secretKey).toString('hex')
  const tries = [
    ['ticket', 'alice', () => 'alice-secret', null, 'alice-wrong', () => 'nope'],
    ['wampcra', 'bob', craSign('bob-secret'), null, 'bob-wrong', craSign('nope')],
    ['cryptosign', 'carol', csSign(privHex), { pubkey: Buffer.from(kp.publicKey).toString('hex') }, 'carol-wrong', csSign(otherHex)]
  ]
  try {
    const sessions = []
    for (const [method, authid, good, authextra, , bad] of tries) {
      for (const ser of ['json', 'msgpack', 'cbor']) {
        const opts = { authid, authmethods: [method], onChallenge: good }
        if (authextra) opts.authextra = authextra
        const w = await join(p, { ser, options: opts })
        const welcome = w._cache.server_wamp_features
        check(welcome.authid === authid && welcome.authmethod === method && welcome.authrole === 'user',
          `${method} (${ser}): joined as ${authid}/user`)
        sessions.push(w)
      }
      const opts = { authid, authmethods: [method], onChallenge: bad }
      if (authextra) opts.authextra = authextra
      const e = await rejection(join(p, { options: opts }))
      const txt = e && (e.errorUri || e.message || String(e))
      check(e && e.errorUri === 'wamp.error.not_authorized',
        `${method} with a wrong secret -> wamp.error.not_authorized (${txt})`)
    }
    const e = await rejection(sessions[0].call('org.elsewhere'))
    check(e && e.errorUri === 'wamp.error.not_authorized', 'call outside the role\'s permissions -> not_authorized')
    const e2 = await rejection(join(p, {}))
    check(e2 && e2.errorUri === 'wamp.error.no_auth_method',
      'anonymous on a transport without it -> wamp.error.no_auth_method (' + (e2 && (e2.errorUri || e2.message)) + ')')
    await leave(...sessions)
  } finally {
    check(await d.stop() === 0, 'wampd exits 0')
  }
}

// wampy's subscribe without options, over each serializer (see subscribe() above)
async function undefinedOptions (port) {
  const w = await join(port)
  const closed = new Promise(resolve => { w._options.onClose = resolve })
  const r = await rejection(withTimeout(w.subscribe('com.wampy.plain', () => 0), 10000, 'subscribe'))
  if (mode === 'json') {
    check(r === null, 'json: subscribe without options works (JSON drops the undefined options)')
    await leave(w)
  } else {
    // cbor: SUBSCRIBE.Options.match = undefined (null here); msgpack: an extension type
    check(r !== null, `${mode}: wampy's subscribe without options is refused (undefined option values), the session closed`)
    await withTimeout(closed, 10000, 'close')
  }
  if (mode === 'cbor') {
    const x = await join(port)
    const xclosed = new Promise(resolve => { x._options.onClose = resolve })
    const e = await rejection(withTimeout(x.publish('com.wampy.t', [1], { exclude: [x.id] }), 10000, 'publish'))
    check(e !== null, 'cbor: a session id in PUBLISH.Options.exclude goes out as a float (cbor-x): refused, the session closed')
    await withTimeout(xclosed, 10000, 'close')
  }
}

async function main () {
  if (mode === 'auth') return auth(exe)
  const d = await startWampd(exe)
  try {
    await undefinedOptions(d.port)
    await pubsub(d.port)
    await rpc(d.port)
    await progressive(d.port)
    await cancelTimeout(d.port)
  } finally {
    check(await d.stop() === 0, 'wampd exits 0 on SIGTERM')
  }
}

main().then(finish, e => { console.log('FAIL exception:', e && (e.stack || str(e))); process.exit(1) })
