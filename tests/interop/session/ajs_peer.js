// AutobahnJS peer of the fox-wamp session interop test (session_fox.sh).
//   node ajs_peer.js <node_modules> <url>
// Joins realm1 through fox-wamp and plays every role against our `wamp` CLI:
//   callee:     com.ajs.mul and com.ajs.mulkw (our CLI calls them), com.ajs.fail (raises com.ajs.error.custom)
//   caller:     com.c.echo2 (our CLI's register)
//   publisher:  com.c.topic2 (our CLI's subscribe)
//   subscriber: com.ajs.topic and the fox-style pattern com.ajs.*.w (our CLI publishes)
// and checks, on the raw messages AutobahnJS receives, the fox-wamp deviations it meets,
// asserting each one explicitly (the test fails if fox-wamp starts to follow the spec, so the
// list below stays true). Prints READY when the CLI may start, exits 0 when all checks passed.
'use strict'
const path = require('path')
const nm = path.resolve(process.argv[2])
const url = process.argv[3]
const autobahn = require(path.join(nm, 'autobahn'))

const failed = []
function check (cond, what) {
  console.log((cond ? 'ok   ' : 'FAIL ') + what)
  if (!cond) failed.push(what)
}

function open () {
  return new Promise((resolve, reject) => {
    const c = new autobahn.Connection({ url, realm: 'realm1', max_retries: 0, retry_if_unreachable: false })
    c.onopen = s => {
      // record every message as it came off the wire (before AutobahnJS defaults nulls away)
      s.raw = []
      const orig = s._socket.onmessage
      s._socket.onmessage = m => { s.raw.push(m); orig(m) }
      s.conn = c
      resolve(s)
    }
    c.onclose = (reason, d) => { reject(new Error(reason + ' ' + JSON.stringify(d))); return true }
    c.open()
  })
}

function later () {
  let resolve
  const p = new Promise(r => { resolve = r })
  p.resolve = resolve
  return p
}

async function main () {
  const s = await open()
  const other = await open()
  const mulCalled = later()
  const topicSeen = later()
  const wildSeen = later()
  await s.register('com.ajs.mul', (args, kw) => {
    mulCalled.resolve({ args, kw })
    return args[0] * args[1]
  })
  await s.register('com.ajs.mulkw', (args) => new autobahn.Result([args[0] * args[1]], { op: 'mul' }))
  await s.register('com.ajs.fail', () => {
    throw new autobahn.Error('com.ajs.error.custom', ['detail'], { code: 3 })
  })
  await s.subscribe('com.ajs.topic', (args, kw) => topicSeen.resolve({ args, kw }))
  // fox-wamp: patterns are MQTT-style components of the URI itself ('*' one component, '#'
  // the rest); SUBSCRIBE.Options.match is ignored
  await s.subscribe('com.ajs.*.w', (args, kw, d) => wildSeen.resolve({ args, topic: d.topic }))

  // --- fox-wamp deviations met by AutobahnJS peers alone (caller and callee both AutobahnJS)
  // 1. Options.match ignored: a WAMP prefix/wildcard subscription is an exact one
  const got = []
  await s.subscribe('com.ajs.pfx', (a) => got.push('prefix:' + a[0]), { match: 'prefix' })
  await s.subscribe('com.ajs..v', (a) => got.push('wildcard:' + a[0]), { match: 'wildcard' })
  await s.subscribe('com.ajs.mark', (a) => got.push('mark'))
  for (const t of ['com.ajs.pfx.x', 'com.ajs.q.v', 'com.ajs.pfx']) await other.publish(t, [t], {}, { acknowledge: true })
  const marked = later()
  await s.subscribe('com.ajs.mark2', () => marked.resolve())
  await other.publish('com.ajs.mark2', [], {}, { acknowledge: true })
  await marked
  check(JSON.stringify(got) === JSON.stringify(['prefix:com.ajs.pfx']),
    'fox-wamp deviation: SUBSCRIBE match=prefix/wildcard is ignored (exact subscription): ' + JSON.stringify(got))
  // 2. callee error URIs rewritten: wamp.error.callee_failure with the callee's URI as args[0],
  //    the callee's args and kwargs dropped
  try {
    await other.call('com.ajs.fail')
    check(false, 'com.ajs.fail raised')
  } catch (e) {
    check(e.error === 'wamp.error.callee_failure' && e.args[0] === 'com.ajs.error.custom' && e.args.length === 1,
      'fox-wamp deviation: callee error com.ajs.error.custom reaches the caller as wamp.error.callee_failure [uri]: ' +
      JSON.stringify([e.error, e.args, e.kwargs]))
  }
  // 3. CANCEL ignored: no INTERRUPT to the callee, no ERROR to the caller; the call completes
  //    with the callee's result
  const slowStarted = later()
  let finishSlow
  await s.register('com.ajs.slow', () => new Promise(resolve => { finishSlow = resolve; slowStarted.resolve() }))
  const go = later()
  await s.subscribe('com.ajs.go', () => go.resolve())
  const call = other.call('com.ajs.slow')
  await slowStarted
  call.cancel({ mode: 'kill' }) // kill: AutobahnJS keeps the call pending until the router answers
  await other.publish('com.ajs.go', [], {}, { acknowledge: true }) // after the CANCEL, on the same connection
  await go
  finishSlow('finished anyway')
  const res = await call
  check(res === 'finished anyway' && !s.raw.some(m => m[0] === 69) && !other.raw.some(m => m[0] === 8 && m[2] === 'wamp.error.canceled'),
    'fox-wamp deviation: CANCEL ignored (no INTERRUPT, no ERROR), the call completed: ' + res)

  console.log('READY')

  // --- with our CLI on the other side
  // AutobahnJS as caller of our CLI's echo procedure
  const echo = await s.call('com.c.echo2', [6, 'y'], { z: 1 })
  check(JSON.stringify(echo.args) === '[6,"y"]' && echo.kwargs.z === 1, 'AutobahnJS called our echo: ' + JSON.stringify(echo))
  // AutobahnJS as caller, args only: fox-wamp forwards our YIELD's absent kwargs as null
  const echo2 = await s.call('com.c.echo3', [7])
  const r = s.raw.filter(m => m[0] === 50).pop()
  check(echo2 === 7 && r.length === 5 && r[4] === null,
    'fox-wamp deviation: RESULT carries kwargs null for an args-only YIELD: ' + JSON.stringify(r))
  // AutobahnJS as publisher to our CLI's subscription
  await s.publish('com.c.topic2', [8], { k: 'w' }, { acknowledge: true })
  // AutobahnJS as callee and subscriber: our CLI calls and publishes
  const m = await mulCalled
  const inv = s.raw.filter(x => x[0] === 68 && JSON.stringify(x[4]) === '[6,7]').pop()
  check(JSON.stringify(m.args) === '[6,7]', 'our CLI called AutobahnJS\'s com.ajs.mul with [6, 7]')
  check(inv && inv.length === 6 && JSON.stringify(inv[5]) === '{}',
    'fox-wamp deviation: INVOCATION always carries ArgumentsKw (here {} for an args-only CALL): ' + JSON.stringify(inv))
  const t = await topicSeen
  check(JSON.stringify(t.args) === '[5]' && t.kw.a === 2, 'AutobahnJS got our CLI\'s event: ' + JSON.stringify(t))
  const w = await wildSeen
  check(JSON.stringify(w.args) === '[9]' && w.topic === 'com.ajs.q.w',
    'fox-wamp MQTT-style pattern com.ajs.*.w got our CLI\'s event on com.ajs.q.w')
  s.conn.close()
  other.conn.close()
  console.log(failed.length ? failed.length + ' check(s) failed' : 'all checks passed')
  process.exit(failed.length ? 1 : 0)
}

main().catch(e => { console.log('FAIL exception:', e && (e.stack || JSON.stringify(e))); process.exit(1) })
