"""interop.cli_session: the `wamp` CLI's call, publish, subscribe and register against wampd
(our router, a real process on 127.0.0.1, ephemeral port) with a JSON config:
  - every serializer the router speaks (json, msgpack, cbor, ubjson, flatbuffers) over WebSocket
    and RawSocket, the batched variants over WebSocket (FlatBuffers has none), a WebSocket
    subprotocol name and a RawSocket serializer id as --serializer forms;
  - register -- CMD: the invocation's JSON on stdin and in WAMP_ARGS/WAMP_KWARGS/WAMP_PROCEDURE,
    stdout parsed as JSON, else a string, a non-zero exit as wamp.error.runtime_error,
    commands of several invocations running at once, SIGTERM for a canceled call;
  - login with ticket, WAMP-CRA (plain and salted) and cryptosign (key file made by
    `wamp keys generate`), each proven by a permission only the authenticated role has, and
    wrong secrets refused; over FlatBuffers ticket, WAMP-CRA and cryptosign work, salted WAMP-CRA
    cannot (its CHALLENGE extra does not fit the schema's one-pair Map) and fails cleanly.
Usage: session_cli.py WAMP WAMPD"""
import json
import os
import subprocess
import sys
import tempfile

WAMP, WAMPD = sys.argv[1], sys.argv[2]
FAILS = []
TMP = tempfile.mkdtemp(prefix='wamp-cli-session-')


def check(cond, what):
    print(('ok   ' if cond else 'FAIL ') + what, flush=True)
    if not cond:
        FAILS.append(what)


def wamp(*args, timeout=30):
    p = subprocess.run([WAMP] + list(args), capture_output=True, text=True, timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def lines(out):
    return [json.loads(x) for x in out.splitlines() if x.strip()]


class Background:
    """A subscribe/register process, started and waited for until it says it is ready."""

    def __init__(self, *args):
        self.p = subprocess.Popen([WAMP] + list(args), stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True)
        self.err = ''
        while True:
            line = self.p.stderr.readline()
            if not line:
                break
            self.err += line
            if line.rstrip().endswith(' ready'):
                return
        raise RuntimeError('not ready: %s' % self.err)

    def wait(self):
        try:
            out, err = self.p.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            self.p.kill()
            out, err = self.p.communicate()
        return self.p.returncode, out, self.err + err


# ---------------------------------------------------------------- keys and config

keyfile = os.path.join(TMP, 'carol.key')
rc, out, err = wamp('keys', 'generate', '--comment', 'carol', keyfile)
assert rc == 0, err
pubkey = out.split()[-1]
rc, out, err = wamp('auth', 'derive-key', '--secret', 'dave-password', '--salt', 'dave-salt',
                    '--iterations', '100', '--keylen', '32')
assert rc == 0, err
dave_key = out.strip()

ALL = {'call': True, 'register': True, 'publish': True, 'subscribe': True}
CONFIG = {
    'version': 2,
    'workers': [{
        'type': 'router',
        'realms': [{'name': 'realm1', 'roles': [
            {'name': 'user', 'permissions': [{'uri': '', 'match': 'prefix', 'allow': ALL}]},
            {'name': 'guest', 'permissions': [
                {'uri': 'com.', 'match': 'prefix', 'allow': ALL},
                {'uri': 'com.private.', 'match': 'prefix', 'allow': {}}]},
        ]}, {'name': 'realm2', 'roles': [
            {'name': 'guest', 'permissions': [{'uri': 'com.', 'match': 'prefix', 'allow': ALL}]},
        ]}],
        'transports': [{
            'type': 'universal',
            'endpoint': {'type': 'tcp', 'port': 0, 'interface': '127.0.0.1'},
            'rawsocket': {}, 'websocket': {'ws': {'type': 'websocket'}},
            'auth': {
                'anonymous': {'type': 'static', 'role': 'guest'},
                'ticket': {'type': 'static', 'principals': {
                    'alice': {'ticket': 'alice-secret', 'role': 'user'}}},
                'wampcra': {'type': 'static', 'users': {
                    'bob': {'secret': 'bob-secret', 'role': 'user'},
                    'dave': {'secret': dave_key, 'role': 'user', 'salt': 'dave-salt',
                             'iterations': 100, 'keylen': 32}}},
                'cryptosign': {'type': 'static', 'principals': {
                    'carol': {'authorized_keys': [pubkey], 'role': 'user'}}},
            },
        }],
    }],
}
cfgfile = os.path.join(TMP, 'wampd.json')
with open(cfgfile, 'w') as f:
    json.dump(CONFIG, f)
router = subprocess.Popen([WAMPD, '--config', cfgfile, '--log-level', 'warn'],
                          stdout=subprocess.PIPE, text=True)
words = router.stdout.readline().split()
assert words and words[0] == 'LISTENING', words
PORT = int(words[2])
WS = 'ws://127.0.0.1:%d/ws' % PORT
RS = 'rs://127.0.0.1:%d' % PORT

try:
    # ------------------------------------------------------------ serializers x subcommands
    combos = []
    for ser in ['json', 'msgpack', 'cbor', 'ubjson']:
        combos.append((WS, ser, 'ws ' + ser))
        combos.append((WS, ser + '.batched', 'ws ' + ser + '.batched'))
        combos.append((RS, ser, 'rs ' + ser))
    combos.append((WS, 'flatbuffers', 'ws flatbuffers'))
    combos.append((RS, 'flatbuffers', 'rs flatbuffers'))
    combos.append((WS, 'wamp.2.cbor', 'ws subprotocol wamp.2.cbor'))
    combos.append((RS, '2', 'rs serializer id 2 (msgpack)'))
    combos.append((WS, 'wamp.2.flatbuffers', 'ws subprotocol wamp.2.flatbuffers'))
    combos.append((RS, '5', 'rs serializer id 5 (flatbuffers)'))
    for i, (url, ser, tag) in enumerate(combos):
        proc = 'com.echo.p%d' % i
        topic = 'com.topic.t%d' % i
        reg = Background('register', '--url', url, '--serializer', ser, '--count', '1', proc)
        rc, out, err = wamp('call', '--url', url, '--serializer', ser, proc, '1', '"two"',
                            '{"three":3}', '--kwargs', '{"k":[true,null,2.5]}')
        check(rc == 0 and lines(out) == [[1, 'two', {'three': 3}], {'k': [True, None, 2.5]}],
              '%s: call of a `wamp register` echo returns args and kwargs (%r)' % (tag, out))
        rrc, rout, rerr = reg.wait()
        check(rrc == 0 and lines(rout) == [[1, 'two', {'three': 3}], {'k': [True, None, 2.5]}],
              '%s: register printed the invocation and exited after --count 1' % tag)
        sub = Background('subscribe', '--url', url, '--serializer', ser, '--count', '1', topic)
        rc, out, err = wamp('publish', '--url', url, '--serializer', ser, '--acknowledge', topic,
                            '"hello"', '42', '--kwargs', '{"x":"y"}')
        check(rc == 0, '%s: acknowledged publish (%s)' % (tag, err.strip()))
        src, sout, serr = sub.wait()
        check(src == 0 and lines(sout) == [['hello', 42], {'x': 'y'}],
              '%s: subscribe received the event (%r)' % (tag, sout))

    rc, out, err = wamp('call', '--url', RS, '--serializer', 'json.batched', 'com.x')
    check(rc == 2 and 'batched' in err, 'rs with a batched serializer is a usage error')
    rc, out, err = wamp('call', '--url', WS, '--serializer', 'nope', 'com.x')
    check(rc == 2 and 'unknown serializer' in err, 'unknown serializer is a usage error')
    rc, out, err = wamp('call', '--url', WS, '--serializer', 'flatbuffers.batched', 'com.x')
    check(rc == 2 and 'unknown serializer' in err, 'flatbuffers has no batched form')
    # mixed serializers: a FlatBuffers callee and subscriber, JSON and CBOR peers; bytes
    # (JSON's "\u0000" + base64 form) cross the CBOR vectors of the FlatBuffers messages
    reg = Background('register', '--url', RS, '--serializer', 'flatbuffers', '--count', '1',
                     'com.echo.fbmix')
    rc, out, err = wamp('call', '--url', WS, '--serializer', 'json', 'com.echo.fbmix',
                        '"\\u0000AQI="', '-7', '--kwargs', '{"f":-0.5}')
    check(rc == 0 and lines(out) == [['\u0000AQI=', -7], {'f': -0.5}],
          'json caller -> flatbuffers callee: bytes, negative numbers (%r %s)'
          % (out, err.strip()))
    reg.wait()
    sub = Background('subscribe', '--url', WS, '--serializer', 'flatbuffers', '--count', '1',
                     'com.topic.fbmix')
    rc, out, err = wamp('publish', '--url', RS, '--serializer', 'cbor', '--acknowledge',
                        'com.topic.fbmix', '[1,{"a":null}]')
    src, sout, serr = sub.wait()
    check(rc == 0 and src == 0 and lines(sout) == [[[1, {'a': None}]]],
          'cbor publisher -> flatbuffers subscriber (%r %s)' % (sout, serr.strip()))

    # ------------------------------------------------------------ register -- CMD
    script = ('in=$(cat); case "$WAMP_ARGS" in '
              '\'["fail"]\') echo boom; exit 3;; '
              '\'["text"]\') echo "hello world";; '
              '\'["env"]\') printf \'{"proc":"%s","kwargs":%s}\' "$WAMP_PROCEDURE" '
              '"$WAMP_KWARGS";; '
              '\'["empty"]\') ;; '
              '*) printf \'%s\' "$in";; esac')
    reg = Background('register', '--url', WS, '--count', '5', 'com.cmd', '--', script)
    rc, out, err = wamp('call', '--url', WS, 'com.cmd', '2', '3', '--kwargs', '{"a":1}')
    check(rc == 0 and lines(out) == [[{'procedure': 'com.cmd', 'args': [2, 3],
                                       'kwargs': {'a': 1}}]],
          'register -- CMD: stdin carries the invocation as JSON; JSON stdout is the result')
    rc, out, err = wamp('call', '--url', RS, '--serializer', 'cbor', 'com.cmd', '"text"')
    check(rc == 0 and lines(out) == [['hello world']],
          'register -- CMD: non-JSON stdout becomes a string result (%r)' % out)
    rc, out, err = wamp('call', '--url', WS, 'com.cmd', '"env"', '--kwargs', '{"z":[1]}')
    check(rc == 0 and lines(out) == [[{'proc': 'com.cmd', 'kwargs': {'z': [1]}}]],
          'register -- CMD: WAMP_PROCEDURE and WAMP_KWARGS in the environment (%r)' % out)
    rc, out, err = wamp('call', '--url', WS, 'com.cmd', '"empty"')
    check(rc == 0 and lines(out) == [[]], 'register -- CMD: empty stdout, empty result')
    rc, out, err = wamp('call', '--url', WS, 'com.cmd', '"fail"')
    check(rc == 1 and 'wamp.error.runtime_error' in err and '"exit_status":3' in err
          and 'boom' in err, 'register -- CMD: exit 3 is an application error (%s)' % err.strip())
    rrc, rout, rerr = reg.wait()
    check(rrc == 0, 'register -- CMD exited after --count 5')

    # multi-word form: executed directly (no shell)
    reg = Background('register', '--url', WS, '--count', '1', 'com.cmd2', '--', 'printf',
                     '[%s]', 'x y')
    rc, out, err = wamp('call', '--url', WS, 'com.cmd2')
    check(rc == 0 and lines(out) == [['[x y]']],
          'register -- CMD ARG...: run without a shell (%r)' % out)
    reg.wait()

    # concurrent commands: "wait" blocks on a FIFO until "go" (a later invocation) writes it,
    # so this only completes when the first command runs while the second is served;
    # a canceled call (caller-side timeout: CANCEL killnowait -> INTERRUPT) sends SIGTERM
    fifo = os.path.join(TMP, 'fifo')
    killed = os.path.join(TMP, 'killed')
    os.mkfifo(fifo)
    script = ('case "$WAMP_ARGS" in '
              '\'["wait"]\') read x < %s; echo "got $x";; '
              '\'["go"]\') echo go > %s; echo sent;; '
              '\'["sleep"]\') trap \'echo term > %s; kill $! 2>/dev/null; exit 143\' TERM; '
              'sleep 30 & wait;; esac' % (fifo, fifo, killed))
    reg = Background('register', '--url', WS, '--count', '3', 'com.cmd3', '--', script)
    waiter = subprocess.Popen([WAMP, 'call', '--url', RS, 'com.cmd3', '"wait"'],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    rc, out, err = wamp('call', '--url', WS, 'com.cmd3', '"go"')
    wout, werr = waiter.communicate(timeout=30)
    check(rc == 0 and lines(out) == [['sent']] and waiter.returncode == 0
          and lines(wout) == [['got go']],
          'register -- CMD: invocations run concurrently (%r %r)' % (out, wout))
    rc, out, err = wamp('call', '--url', WS, '--timeout', '300', 'com.cmd3', '"sleep"')
    check(rc == 1 and 'wamp.error.timeout' in err, 'a call timing out: %s' % err.strip())
    rrc, rout, rerr = reg.wait()
    check(rrc == 0 and os.path.exists(killed) and open(killed).read().strip() == 'term',
          'the canceled invocation\'s command got SIGTERM, register counted it and exited')

    # ------------------------------------------------------------ --realm
    # realm2 is a second realm of the same router: a procedure registered there is unknown on
    # the default realm1 and callable with --realm realm2; events stay inside their realm
    reg = Background('register', '--url', WS, '--realm', 'realm2', '--count', '1',
                     'com.realm2.echo')
    rc, out, err = wamp('call', '--url', RS, 'com.realm2.echo', '"r2"')
    check(rc == 1 and 'wamp.error.no_such_procedure' in err,
          'a procedure registered on realm2 is unknown on the default realm1 (%s)' % err.strip())
    rc, out, err = wamp('call', '--url', RS, '--serializer', 'cbor', '--realm', 'realm2',
                        'com.realm2.echo', '"r2"')
    check(rc == 0 and lines(out) == [['r2']],
          'call --realm realm2 reaches the callee joined with --realm realm2 (%r %s)'
          % (out, err.strip()))
    rrc, rout, rerr = reg.wait()
    check(rrc == 0 and lines(rout) == [['r2']], 'register --realm realm2 served the call')
    sub = Background('subscribe', '--url', RS, '--realm', 'realm2', '--count', '1',
                     'com.realm2.news')
    rc1, _, err1 = wamp('publish', '--url', WS, '--acknowledge', 'com.realm2.news', '"realm1"')
    rc2, _, err2 = wamp('publish', '--url', WS, '--realm', 'realm2', '--acknowledge',
                        'com.realm2.news', '"realm2"')
    src, sout, serr = sub.wait()
    check(rc1 == 0 and rc2 == 0 and src == 0 and lines(sout) == [['realm2']],
          'subscribe --realm realm2 gets only the realm2 publication (%r %s %s)'
          % (sout, err1.strip(), err2.strip()))
    rc, out, err = wamp('call', '--url', WS, '--realm', 'realm3', 'com.x')
    check(rc == 1 and 'wamp.error.no_such_realm' in err,
          '--realm of a realm the router does not have: join refused (%s)' % err.strip())

    # ------------------------------------------------------------ authentication
    rc, out, err = wamp('publish', '--url', WS, '--acknowledge', 'com.private.t', '1')
    check(rc == 1 and 'not_authorized' in err, 'anonymous (guest) may not publish com.private.')
    logins = [
        ('ticket', ['--ticket', 'alice-secret', '--authid', 'alice'], WS, 'json'),
        ('wampcra', ['--cra-secret', 'bob-secret', '--authid', 'bob'], RS, 'msgpack'),
        ('wampcra salted', ['--cra-secret', 'dave-password', '--authid', 'dave'], WS, 'cbor'),
        ('cryptosign', ['--cryptosign-key', keyfile, '--authid', 'carol'], RS, 'ubjson'),
        ('cryptosign without authid', ['--cryptosign-key', keyfile], WS, 'msgpack.batched'),
        ('ticket', ['--ticket', 'alice-secret', '--authid', 'alice'], RS, 'flatbuffers'),
    ]
    for i, (what, flags, url, ser) in enumerate(logins):
        rc, out, err = wamp('publish', '--url', url, '--serializer', ser, '--acknowledge',
                            *flags, 'com.private.t', '1')
        check(rc == 0, '%s login (%s): publish to com.private. allowed (%s)'
              % (what, ser, err.strip()))
    # an authenticated register + call
    reg = Background('register', '--url', RS, '--cryptosign-key', keyfile, '--authid', 'carol',
                     '--count', '1', 'com.private.echo')
    rc, out, err = wamp('call', '--url', WS, '--ticket', 'alice-secret', '--authid', 'alice',
                        'com.private.echo', '"secret"')
    check(rc == 0 and lines(out) == [['secret']], 'cryptosign callee, ticket caller')
    reg.wait()
    sub = Background('subscribe', '--url', WS, '--cra-secret', 'dave-password', '--authid',
                     'dave', '--count', '1', 'com.private.news')
    rc, out, err = wamp('publish', '--url', RS, '--cra-secret', 'bob-secret', '--authid', 'bob',
                        '--acknowledge', 'com.private.news', '"n"')
    src, sout, serr = sub.wait()
    check(rc == 0 and src == 0 and lines(sout) == [['n']], 'salted CRA subscriber, CRA publisher')

    # FlatBuffers: the schema's Map holds one string pair, enough for WAMP-CRA's challenge and
    # for cryptosign's pubkey and challenge; the salted WAMP-CRA challenge (challenge, salt,
    # iterations, keylen) is not carried and that login fails cleanly
    for what, flags in [('wampcra', ['--cra-secret', 'bob-secret', '--authid', 'bob']),
                        ('cryptosign', ['--cryptosign-key', keyfile, '--authid', 'carol'])]:
        rc, out, err = wamp('publish', '--url', RS, '--serializer', 'flatbuffers',
                            '--acknowledge', *flags, 'com.private.t', '1')
        check(rc == 0, '%s login over flatbuffers: publish to com.private. allowed (%s)'
              % (what, err.strip()))
    rc, out, err = wamp('publish', '--url', WS, '--serializer', 'flatbuffers', '--acknowledge',
                        '--cra-secret', 'dave-password', '--authid', 'dave', 'com.private.t', '1')
    check(rc == 1 and 'wamp.error.cannot_authenticate' in err,
          'salted wampcra over flatbuffers: the challenge is not carried, refused cleanly (%s)'
          % err.strip())
    for what, flags in [('wrong ticket', ['--ticket', 'nope', '--authid', 'alice']),
                        ('wrong CRA secret', ['--cra-secret', 'nope', '--authid', 'bob']),
                        ('wrong salted CRA password', ['--cra-secret', 'nope', '--authid',
                                                       'dave'])]:
        rc, out, err = wamp('publish', '--url', WS, '--acknowledge', *flags, 'com.private.t')
        check(rc == 1 and 'not_authorized' in err, '%s refused (%s)' % (what, err.strip()))
    other = os.path.join(TMP, 'other.key')
    wamp('keys', 'generate', other)
    rc, out, err = wamp('publish', '--url', WS, '--acknowledge', '--cryptosign-key', other,
                        '--authid', 'carol', 'com.private.t')
    check(rc == 1 and 'wamp.error' in err, 'unknown cryptosign key refused (%s)' % err.strip())
    rc, out, err = wamp('publish', '--url', WS, '--cra-secret', 'x', 'com.t')
    check(rc == 2 and '--authid' in err, '--cra-secret without --authid is a usage error')
    rc, out, err = wamp('publish', '--url', WS, '--cryptosign-key', cfgfile, 'com.t')
    check(rc == 2 and 'not a private key' in err, 'a file that is no key is a usage error')
    rc, out, err = wamp('--help')
    check(rc == 0 and '--serializer' in out and '--cryptosign-key' in out, 'wamp --help')
    rc, out, err = wamp('register', '--help')
    check(rc == 0 and '-- CMD' in out and 'WAMP_ARGS' in out, 'wamp register --help')
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
