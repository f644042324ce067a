"""interop.examples: runs the programs of examples/ against wampd (a real process on 127.0.0.1,
ephemeral port, config with a cryptosign principal) and checks what they print:
callee + caller (a plain call and progressive results), subscriber + publisher, the
cryptosign-authenticated client (and an unknown key refused), and the session driven from a
plain poll() loop over RawSocket.
Usage: run_examples.py WAMP WAMPD EXAMPLES_DIR"""
import json
import os
import subprocess
import sys
import tempfile

WAMP, WAMPD, EX = sys.argv[1], sys.argv[2], sys.argv[3]
FAILS = []
TMP = tempfile.mkdtemp(prefix='wamp-examples-')


def check(cond, what):
    print(('ok   ' if cond else 'FAIL ') + what, flush=True)
    if not cond:
        FAILS.append(what)


def ex(name):
    return os.path.join(EX, 'example_' + name)


def run(name, *args):
    p = subprocess.run([ex(name)] + list(args), capture_output=True, text=True, timeout=30)
    return p.returncode, p.stdout, p.stderr


class Background:
    def __init__(self, name, *args):
        self.p = subprocess.Popen([ex(name)] + list(args), stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True)
        self.out = ''
        while True:
            line = self.p.stdout.readline()
            if not line:
                raise RuntimeError('%s not ready: %s' % (name, self.out))
            self.out += line
            if line.strip() == 'ready':
                return

    def wait(self):
        try:
            out, err = self.p.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            self.p.kill()
            out, err = self.p.communicate()
        return self.p.returncode, self.out + out, err


key = os.path.join(TMP, 'client.key')
assert subprocess.run([WAMP, 'keys', 'generate', key], capture_output=True,
                      timeout=30).returncode == 0
pub = subprocess.run([WAMP, 'keys', 'show', key], capture_output=True, text=True,
                     timeout=30).stdout.split()[-1]
ALL = {'call': True, 'register': True, 'publish': True, 'subscribe': True}
CONFIG = {'version': 2, 'workers': [{
    'type': 'router',
    'realms': [{'name': 'realm1', 'roles': [
        {'name': 'anonymous', 'permissions': [{'uri': '', 'match': 'prefix', 'allow': ALL}]},
        {'name': 'device', 'permissions': [{'uri': '', 'match': 'prefix', 'allow': ALL}]}]}],
    'transports': [{
        'type': 'universal',
        'endpoint': {'type': 'tcp', 'port': 0, 'interface': '127.0.0.1'},
        'rawsocket': {}, 'websocket': {'ws': {'type': 'websocket'}},
        'auth': {'anonymous': {'type': 'static', 'role': 'anonymous'},
                 'cryptosign': {'type': 'static', 'principals': {
                     'sensor-7': {'authorized_keys': [pub], 'role': 'device'}}}}}]}]}
cfg = os.path.join(TMP, 'wampd.json')
with open(cfg, 'w') as f:
    json.dump(CONFIG, f)
router = subprocess.Popen([WAMPD, '--config', cfg, '--log-level', 'warn'],
                          stdout=subprocess.PIPE, text=True)
words = router.stdout.readline().split()
assert words and words[0] == 'LISTENING', words
PORT = words[2]
WS = 'ws://127.0.0.1:%s/ws' % PORT
RS = 'rs://127.0.0.1:%s' % PORT

try:
    callee = Background('callee', WS, '2')
    rc, out, err = run('caller', RS)
    check(rc == 0, 'caller exits 0 (%s)' % err.strip())
    lines = out.splitlines()
    check('add2(2, 3) = 5' in lines, 'caller: add2(2, 3) = 5')
    prog = [l for l in lines if l.startswith('countdown')]
    check(prog == ['countdown progress: 3', 'countdown progress: 2', 'countdown progress: 1',
                   'countdown result: liftoff'],
          'caller: progressive results 3, 2, 1 then the final result (%r)' % prog)
    crc, cout, cerr = callee.wait()
    check(crc == 0 and 'add2(2, 3)' in cout and 'countdown(3) progressive' in cout
          and 'left: wamp.close.goodbye_and_out' in cout,
          'callee served both invocations and left (%r)' % cout)

    sub = Background('subscriber', RS, '3')
    rc, out, err = run('publisher', WS, '3')
    check(rc == 0 and len([l for l in out.splitlines() if l.startswith('published ')]) == 3,
          'publisher: 3 acknowledged publications (%r)' % out)
    src, sout, serr = sub.wait()
    events = [l for l in sout.splitlines() if l.startswith('event ')]
    check(src == 0 and events == ['event 1 tick', 'event 2 tick', 'event 3 tick'],
          'subscriber: the 3 events in order (%r)' % events)

    rc, out, err = run('cryptosign_client', WS, key, 'sensor-7')
    check(rc == 0 and 'joined realm1 as sensor-7 (role device, authmethod cryptosign)' in out,
          'cryptosign client joined as sensor-7/device (%r %s)' % (out, err.strip()))
    rc, out, err = run('cryptosign_client', RS, key)
    check(rc == 0 and 'as sensor-7 (role device' in out,
          'cryptosign client without authid: the router finds the principal by key')
    other = os.path.join(TMP, 'other.key')
    subprocess.run([WAMP, 'keys', 'generate', other], capture_output=True, timeout=30)
    rc, out, err = run('cryptosign_client', WS, other, 'sensor-7')
    check(rc == 1 and 'joined' not in out, 'cryptosign client with an unknown key is refused')

    rc, out, err = run('session_poll', '127.0.0.1', PORT)
    lines = out.splitlines()
    check(rc == 0 and 'event: news from poll()' in lines and 'result: echo from poll()' in lines
          and lines[-1] == 'left: wamp.close.goodbye_and_out',
          'session_poll: event and call result over the poll() loop, then left (%r %s)'
          % (out, err.strip()))
finally:
    router.terminate()
    try:
        router.wait(10)
    except subprocess.TimeoutExpired:
        router.kill()
    for f in os.listdir(TMP):
        os.unlink(os.path.join(TMP, f))
    os.rmdir(TMP)

print('%d failure(s)' % len(FAILS))
sys.exit(1 if FAILS else 0)
