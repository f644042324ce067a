"""interop.transport.chromium: headless Chromium opens our WebSocket server (with
permessage-deflate) from a page served by a tiny HTTP server of this test, exchanges text
(wamp.2.json) and binary (wamp.2.cbor) messages of 0 B .. 1 MiB and posts its verdict back.
We check the verdict, and via our server's report that it received exactly those bytes.
Exits 77 (skipped) when /usr/bin/chromium is not installed."""
import http.server
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import Server, check, payload, sha  # noqa

WSECHO = sys.argv[1]
CHROMIUM = shutil.which('chromium') or '/usr/bin/chromium'
if not os.path.exists(CHROMIUM):
    print('chromium not installed: skipped')
    sys.exit(77)

SIZES = [0, 1, 125, 126, 65535, 65536, 1 << 20]

PAGE = """<!doctype html><html><head><title>running</title></head><body><script>
const sizes = %(sizes)s;
function mk(n, seed) {
  const a = new Uint8Array(n);
  for (let i = 0; i < n; i++) a[i] = 32 + (i * 7 + seed * 13 + Math.floor(i / 251)) %% 95;
  return a;
}
const verdict = {};
function run(proto, binary) {
  return new Promise((resolve) => {
    const ws = new WebSocket('ws://127.0.0.1:%(port)d/', [proto]);
    ws.binaryType = 'arraybuffer';
    const res = []; let i = 0; let cur = null;
    const next = () => {
      if (i === sizes.length) { ws.close(1000, 'done'); return; }
      const a = mk(sizes[i], i);
      cur = binary ? a : new TextDecoder().decode(a);
      ws.send(cur);
    };
    ws.onopen = next;
    ws.onmessage = (e) => {
      let ok;
      if (binary) { const b = new Uint8Array(e.data); ok = b.length === cur.length && b.every((v, k) => v === cur[k]); }
      else ok = e.data === cur;
      res.push(ok); i++; next();
    };
    ws.onclose = (e) => resolve({protocol: ws.protocol, extensions: ws.extensions, res: res, code: e.code, clean: e.wasClean});
    ws.onerror = () => {};
  });
}
(async () => {
  verdict.json = await run('wamp.2.json', false);
  verdict.cbor = await run('wamp.2.cbor', true);
  await fetch('/result', {method: 'POST', body: JSON.stringify(verdict)});
  document.title = 'done';
})();
</script></body></html>"""


def main():
    srv = Server(WSECHO, '--deflate')
    result = {}
    done = threading.Event()

    class H(http.server.BaseHTTPRequestHandler):
        def log_message(self, *a):
            pass

        def do_GET(self):
            body = (PAGE % {'sizes': json.dumps(SIZES), 'port': srv.port}).encode()
            self.send_response(200)
            self.send_header('Content-Type', 'text/html')
            self.send_header('Content-Length', str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self):
            n = int(self.headers.get('Content-Length', '0'))
            result.update(json.loads(self.rfile.read(n)))
            self.send_response(204)
            self.end_headers()
            done.set()

    httpd = http.server.ThreadingHTTPServer(('127.0.0.1', 0), H)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    profile = tempfile.mkdtemp(prefix='wamp-chromium-')
    br = subprocess.Popen([CHROMIUM, '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic',
                           '--no-first-run', '--disable-background-networking',
                           '--disable-component-update', '--disable-sync',
                           '--user-data-dir=' + profile, '--remote-debugging-port=0',
                           'http://127.0.0.1:%d/' % httpd.server_address[1]],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        check(done.wait(120), 'the page reported back')
    finally:
        br.kill()
        br.wait()
        httpd.shutdown()
        shutil.rmtree(profile, ignore_errors=True)
    for proto in ('json', 'cbor'):
        r = result[proto]
        check(r['protocol'] == 'wamp.2.' + proto, 'chromium negotiated wamp.2.' + proto)
        check('permessage-deflate' in r['extensions'], 'permessage-deflate in use: ' + r['extensions'])
        check(r['res'] == [True] * len(SIZES), 'chromium saw %d correct echoes (%s)' % (len(SIZES), proto))
        check(r['code'] == 1000 and r['clean'], 'clean close')
    expect = [(n, sha(payload(n, i))) for i, n in enumerate(SIZES)]
    for proto in ('json', 'cbor'):
        opened = srv.expect('OPEN')
        check(opened.startswith('OPEN websocket wamp.2.' + proto), opened)
        check(srv.msgs(len(SIZES)) == expect, 'our server received exactly the bytes sent (%s)' % proto)
        check(srv.expect('CLOSE').startswith('CLOSE WAMP_OK 1000'), 'our server saw a clean close')
    check(srv.stop() == 0, 'server exited')
    print('PASS')


main()
