"""interop.e2e: end-to-end encryption (WAMP-cryptobox) between libwamp's client session and an
Autobahn|Python 22.7.1 client through our router wampd, on 127.0.0.1 (ephemeral port).

Keys (fresh per run): for "com.e2e.c." Python is the originator and our client the responder;
for "com.e2e.py." the roles are reversed. The router only sees encrypted payloads.
  Python calls com.e2e.c.echo     -> our callee decrypts, yields an encrypted result
  Python publishes com.e2e.c.topic -> our subscriber decrypts
  we call com.e2e.py.add           -> Python's callee decrypts (details.enc_algo), encrypted result
  we publish com.e2e.py.topic      -> Python's subscriber decrypts (details.enc_algo)
  a Python session without keys calling com.e2e.c.echo in clear gets a clear answer, and one
  without a codec receiving our encrypted event does not see its plaintext;
  Python calls (encrypted) our client running without a codec -> wamp.error.no_payload_codec.
Usage: e2e.py <wampd> <e2e_peer>"""
import asyncio
import sys

import txaio
txaio.use_asyncio()

from autobahn.asyncio.wamp import ApplicationSession  # noqa: E402
from autobahn.asyncio.websocket import WampWebSocketClientFactory  # noqa: E402
from autobahn.wamp import cryptobox  # noqa: E402
from autobahn.wamp.exception import ApplicationError  # noqa: E402
from autobahn.wamp.types import ComponentConfig, PublishOptions, RegisterOptions, SubscribeOptions  # noqa: E402

from router_common import Wampd, check, finish  # noqa: E402

if not cryptobox.HAS_CRYPTOBOX:
    print('SKIP: Autobahn cryptobox unavailable (python3-nacl, python3-trie)')
    sys.exit(77)

WAMPD, PEER = sys.argv[1], sys.argv[2]


async def join(port, keyring=None):
    loop = asyncio.get_running_loop()
    joined = loop.create_future()

    class S(ApplicationSession):
        def onJoin(self, details):
            if not joined.done():
                joined.set_result(self)

    def make():
        s = S(ComponentConfig('realm1'))
        if keyring is not None:
            s.set_payload_codec(keyring)
        return s

    factory = WampWebSocketClientFactory(make, url='ws://127.0.0.1:%d/ws' % port)
    await loop.create_connection(factory, '127.0.0.1', port)
    return await asyncio.wait_for(joined, 10)


async def main():
    kr = cryptobox.KeyRing()
    py_orig_priv, py_orig_pub = kr.generate_key()
    py_resp_priv, py_resp_pub = kr.generate_key()
    c_resp_priv, c_resp_pub = kr.generate_key()
    c_orig_priv, c_orig_pub = kr.generate_key()
    kr.set_key('com.e2e.c.', cryptobox.Key(originator_priv=py_orig_priv, responder_pub=c_resp_pub))
    kr.set_key('com.e2e.py.', cryptobox.Key(responder_priv=py_resp_priv, originator_pub=c_orig_pub))

    router = Wampd(WAMPD)
    port = router.port
    peer = None
    try:
        py = await join(port, kr)
        loop = asyncio.get_running_loop()
        got_call = loop.create_future()
        got_event = loop.create_future()

        def add(a, b, details=None):
            if not got_call.done():
                got_call.set_result(details.enc_algo)
            return a + b

        def on_topic(*args, details=None):
            if not got_event.done():
                got_event.set_result((list(args), details.enc_algo))

        await py.register(add, 'com.e2e.py.add', options=RegisterOptions(details_arg='details'))
        await py.subscribe(on_topic, 'com.e2e.py.topic', options=SubscribeOptions(details_arg='details'))
        # an observer without keys on the same topic: the payload stays opaque to it
        observer = await join(port)
        observed = []
        await observer.subscribe(lambda *a, **kw: observed.append((a, kw)), 'com.e2e.py.topic')

        peer = await asyncio.create_subprocess_exec(
            PEER, 'ws://127.0.0.1:%d/ws' % port, 'realm1', c_resp_priv, py_orig_pub, c_orig_priv,
            py_resp_pub, stdout=asyncio.subprocess.PIPE)
        line = (await asyncio.wait_for(peer.stdout.readline(), 15)).decode().strip()
        check(line == 'READY', 'our client registered and subscribed (%r)' % line)

        res = await asyncio.wait_for(py.call('com.e2e.c.echo', 'x', 7, k='v'), 10)
        check(list(res.results) == ['x', 7, 'seen-by-c'] and res.kwresults == {'k': 'v'},
              'encrypted call to our callee: result %r %r' % (getattr(res, 'results', res),
                                                             getattr(res, 'kwresults', None)))
        line = (await asyncio.wait_for(peer.stdout.readline(), 10)).decode().strip()
        check(line == 'INVOCATION ["x", 7] {"k": "v"} enc=cryptobox',
              'our callee got the decrypted invocation (%r)' % line)

        # a session without keys calls in clear and gets a clear answer
        clear = await join(port)
        res = await asyncio.wait_for(clear.call('com.e2e.c.echo', 1), 10)
        check(tuple(getattr(res, 'results', ())) == (1, 'seen-by-c'),
              'clear call still answered in clear (%r)' % (getattr(res, 'results', res),))
        line = (await asyncio.wait_for(peer.stdout.readline(), 10)).decode().strip()
        check(line == 'INVOCATION [1]  enc=-', 'our callee saw the clear call (%r)' % line)

        py.publish('com.e2e.c.topic', 'secret', n=1, options=PublishOptions(acknowledge=False))
        lines = []
        for _ in range(3):
            lines.append((await asyncio.wait_for(peer.stdout.readline(), 10)).decode().strip())
        check(lines[0] == 'EVENT ["secret"] {"n": 1} enc=cryptobox',
              'our subscriber got the decrypted event (%r)' % lines[0])
        check(lines[1] == 'RESULT [5]  enc=cryptobox',
              'our encrypted call to Python: decrypted result (%r)' % lines[1])
        check(lines[2] == 'PUBLISHED ok', 'our encrypted publication acknowledged (%r)' % lines[2])
        enc = await asyncio.wait_for(got_call, 10)
        check(enc == 'cryptobox', 'Python callee saw an encrypted invocation (%r)' % enc)
        args, enc = await asyncio.wait_for(got_event, 10)
        check(args == ['hello from c'] and enc == 'cryptobox',
              'Python subscriber decrypted our event (%r, %r)' % (args, enc))
        rc = await asyncio.wait_for(peer.wait(), 10)
        check(rc == 0, 'our client left cleanly (exit %r)' % rc)
        peer = None
        await asyncio.sleep(0)  # let the observer's transport deliver what it has
        check(all('hello from c' not in repr(o) for o in observed),
              'an observer without keys never saw the plaintext (%r)' % observed)

        # our client without a payload codec: an encrypted call gets wamp.error.no_payload_codec
        peer = await asyncio.create_subprocess_exec(
            PEER, 'ws://127.0.0.1:%d/ws' % port, 'realm1', '--no-codec',
            stdout=asyncio.subprocess.PIPE)
        line = (await asyncio.wait_for(peer.stdout.readline(), 15)).decode().strip()
        check(line == 'READY', 'our codec-less client registered (%r)' % line)
        try:
            await asyncio.wait_for(py.call('com.e2e.c.nocodec', 'secret'), 10)
            err = None
        except ApplicationError as e:
            err = e.error
        check(err == 'wamp.error.no_payload_codec',
              'encrypted call to a callee without codec: %r' % err)
        rest = (await asyncio.wait_for(peer.stdout.read(), 10)).decode().split('\n')
        check(rest[0] == 'USERERROR WAMP_ENOCODEC' and 'INVOKED' not in rest,
              'our callee reported it and never ran the handler (%r)' % rest)
        rc = await asyncio.wait_for(peer.wait(), 10)
        check(rc == 0, 'our codec-less client left cleanly (exit %r)' % rc)
        peer = None
        for s in (py, observer, clear):
            s.leave()
    finally:
        if peer is not None and peer.returncode is None:
            peer.kill()
            await peer.wait()
        router.stop()


asyncio.run(main())
finish()
