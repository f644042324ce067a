// The AutobahnJS side of bench_router's client comparison: the same work as the libwamp C client
// (sequential calls to bench.echo, then memory per pending call and per joined session) against
// the same router, printed as one line:
//   RESULT <calls/s> <p50 us> <p99 us> <bytes per session> <bytes per pending call>
// Usage: node --expose-gc autobahnjs_client.js <node_modules> <ws url> <calls> <sessions> <pending>
const path = require('path')
const autobahn = require(path.join(process.argv[2], 'autobahn'))
const url = process.argv[3]
const calls = parseInt(process.argv[4], 10)
const nsessions = parseInt(process.argv[5], 10)
const npending = parseInt(process.argv[6], 10)

function heap () {
  if (global.gc) global.gc()
  const m = process.memoryUsage()
  return m.heapUsed + m.external
}

function open () {
  return new Promise((resolve, reject) => {
    const c = new autobahn.Connection({
      url: url, realm: 'realm1', protocols: ['wamp.2.json'], max_retries: 0
    })
    c.onopen = (s) => resolve({ c: c, s: s })
    c.onclose = (reason) => { reject(new Error('closed: ' + reason)); return true }
    c.open()
  })
}

function pct (v, p) {
  v.sort((a, b) => a - b)
  return v[Math.min(v.length - 1, Math.round(p * (v.length - 1)))]
}

async function main () {
  const { c, s } = await open()
  const arg = ['0123456789abcdef0123456789abcdef']
  const rtts = []
  const t0 = process.hrtime.bigint()
  for (let i = 0; i < calls; i++) {
    const a = process.hrtime.bigint()
    await s.call('bench.echo', arg)
    rtts.push(Number(process.hrtime.bigint() - a) / 1e3)
  }
  const t1 = process.hrtime.bigint()
  const perS = calls / (Number(t1 - t0) / 1e9)
  // joined sessions first (a clean heap), then pending calls (bench.hold never answers)
  const g0 = heap()
  const conns = []
  for (let i = 0; i < nsessions; i++) conns.push(await open())
  const g1 = heap()
  const perSession = (g1 - g0) / nsessions
  for (const x of conns) x.c.close()
  const h0 = heap()
  const pend = []
  for (let i = 0; i < npending; i++) pend.push(s.call('bench.hold', arg).catch(() => {}))
  const h1 = heap()
  const perPending = (h1 - h0) / npending
  c.close()
  console.log(`RESULT ${perS} ${pct(rtts, 0.5)} ${pct(rtts, 0.99)} ${perSession} ${perPending}`)
  setTimeout(() => process.exit(0), 100)
}

main().catch((e) => { console.error(e); process.exit(1) })
