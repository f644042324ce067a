// Shared helpers of the JavaScript interop tests against wampd: start wampd on an ephemeral
// port (optionally with a JSON config written to a temp file), record checks, and small async
// utilities. Node.js only; the npm packages come from the repository's node_modules.
'use strict'
const { spawn } = require('child_process')
const fs = require('fs')
const os = require('os')
const path = require('path')
const readline = require('readline')

const FAILED = []

function check (cond, what) {
  console.log((cond ? 'ok   ' : 'FAIL ') + what)
  if (!cond) FAILED.push(what)
}

function finish () {
  if (FAILED.length) {
    console.log(FAILED.length + ' check(s) failed')
    process.exit(1)
  }
  console.log('all checks passed')
  process.exit(0)
}

// wampd on 127.0.0.1:0 (or per config); resolves to {port, proc, stop()}.
function startWampd (exe, config, logLevel) {
  const args = ['--log-level', logLevel || process.env.WAMPD_LOG_LEVEL || 'warn']
  let cfgfile = null
  if (config) {
    cfgfile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'wampd-js-')), 'config.json')
    fs.writeFileSync(cfgfile, JSON.stringify(config))
    args.push('--config', cfgfile)
  } else {
    args.push('--listen', '127.0.0.1:0')
  }
  const proc = spawn(exe, args, { stdio: ['ignore', 'pipe', 'inherit'] })
  const exited = new Promise(resolve => proc.on('exit', (code, sig) => resolve(sig ? -1 : code)))
  const reap = () => { if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL') }
  process.on('exit', reap)
  for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => { reap(); process.exit(1) })
  return new Promise((resolve, reject) => {
    const rl = readline.createInterface({ input: proc.stdout })
    rl.once('line', line => {
      const w = line.split(' ')
      if (w[0] !== 'LISTENING') return reject(new Error('wampd: ' + line))
      resolve({
        port: parseInt(w[2], 10),
        proc,
        exited,
        stop: async () => {
          proc.kill('SIGTERM')
          const rc = await exited
          if (cfgfile) fs.rmSync(path.dirname(cfgfile), { recursive: true, force: true })
          return rc
        }
      })
    })
    proc.on('error', reject)
  })
}

// An async FIFO: put() from callbacks, await get() in the test.
class Queue {
  constructor () { this.items = []; this.waiters = [] }
  put (x) {
    const w = this.waiters.shift()
    if (w) w(x); else this.items.push(x)
  }

  get (ms) {
    if (this.items.length) return Promise.resolve(this.items.shift())
    return withTimeout(new Promise(resolve => this.waiters.push(resolve)), ms || 10000, 'queue')
  }

  get length () { return this.items.length }
}

function withTimeout (p, ms, what) {
  let t
  return Promise.race([
    p.finally(() => clearTimeout(t)),
    new Promise((resolve, reject) => {
      t = setTimeout(() => reject(new Error('timed out: ' + what)), ms)
    })
  ])
}

// Awaits a promise expected to reject; returns the rejection (or null if it resolved).
async function rejection (p) {
  try {
    await p
    return null
  } catch (e) {
    return e || {}
  }
}

function deferred () {
  let resolve, reject
  const promise = new Promise((res, rej) => { resolve = res; reject = rej })
  return { promise, resolve, reject }
}

// AutobahnJS logs every connection close with console.warn; keep the test output readable.
function quietAutobahnLog () {
  const warn = console.warn
  console.warn = (...a) => {
    if (typeof a[0] === 'string' && /^(connection closed|auto-reconnect disabled)/.test(a[0])) return
    warn(...a)
  }
}

module.exports = { quietAutobahnLog, check, finish, startWampd, Queue, withTimeout, rejection, deferred }
