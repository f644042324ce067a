"""interop.cryptobox: libwamp's WAMP-cryptobox against Autobahn|Python 22.7.1's KeyRing.

For several argument sets and URIs, in both directions of both boxes:
  - libwamp encrypts (cryptobox_peer enc), Autobahn's KeyRing.decode() decrypts;
  - Autobahn's KeyRing.encode() encrypts, libwamp decrypts (cryptobox_peer dec);
and negative cases: a stranger's key, a tampered payload, a payload under another URI.
"""
import subprocess
import sys

import txaio
txaio.use_asyncio()

from nacl.public import PrivateKey  # noqa: E402
from nacl.encoding import Base64Encoder  # noqa: E402
from autobahn.wamp.cryptobox import Key, KeyRing  # noqa: E402
from autobahn.wamp.types import EncodedPayload  # noqa: E402
from autobahn.wamp.serializer import _dumps, _loads  # noqa: E402

PEER = sys.argv[1]
checks = 0
failures = 0


def check(cond, what):
    global checks, failures
    checks += 1
    if not cond:
        failures += 1
        print("FAIL:", what)


def b64(k):
    return k.encode(encoder=Base64Encoder).decode('ascii')


def peer(op, is_orig, uri, keys, data):
    cmd = [PEER, op, '1' if is_orig else '0', uri] + [k or '-' for k in keys] + [data]
    p = subprocess.run(cmd, capture_output=True, text=True)
    return p.returncode, p.stdout.strip()


orig = PrivateKey.generate()
resp = PrivateKey.generate()
stranger = PrivateKey.generate()

# Autobahn's rings: caller (originator side) and callee (responder side)
ab_caller = KeyRing(Key(originator_priv=b64(orig), responder_pub=b64(resp.public_key)))
ab_callee = KeyRing(Key(responder_priv=b64(resp), originator_pub=b64(orig.public_key)))
# libwamp's key sets (opriv, opub, rpriv, rpub)
c_caller = (b64(orig), None, None, b64(resp.public_key))
c_callee = (None, b64(orig.public_key), b64(resp), None)
c_stranger = (None, b64(orig.public_key), b64(stranger), None)

PAYLOADS = [
    ([1, 2, 3], None),
    (None, {'a': 1}),
    (["hello", "w\u00f6rld \u2603", 1.5, -7, None, True, {'x': [1, {'y': 'z'}]}], {'k': 'v'}),
    ([b'\x00\x01\xfe\xff', b''], {'blob': b'bytes inside kwargs'}),
    ([], {}),
    (["x" * 5000], None),
]
URIS = ['com.myapp.add2', 'com.example.topic.\u00e9v\u00e9nement', 'a']


def norm(args, kwargs):
    # Autobahn hands empty/absent values through as given; compare through JSON
    return _loads(_dumps([args, kwargs]))


for uri in URIS:
    for args, kwargs in PAYLOADS:
        data = _dumps([args, kwargs])
        want = norm(args, kwargs)
        # 1. CALL: libwamp caller encrypts, Autobahn callee decrypts
        rc, out = peer('enc', True, uri, c_caller, data)
        check(rc == 0, 'enc caller %r' % out)
        if rc == 0:
            ep = EncodedPayload(bytes.fromhex(out), 'cryptobox', 'json')
            u, a, k = ab_callee.decode(False, uri, ep)
            check(u == uri and [a, k] == want, 'autobahn decode of ours: %r %r %r' % (u, a, k))
            # stranger (libwamp) cannot decrypt it
            rc2, out2 = peer('dec', False, uri, c_stranger, out)
            check(rc2 == 1 and out2 == 'ERR WAMP_EDECRYPT', 'stranger: %r' % out2)
        # 2. RESULT: Autobahn callee encrypts, libwamp caller decrypts
        ep = ab_callee.encode(False, uri, args, kwargs)
        check(ep.enc_algo == 'cryptobox' and ep.enc_serializer == 'json', 'enc fields')
        rc, out = peer('dec', True, uri, c_caller, ep.payload.hex())
        check(rc == 0 and _loads(out) == want, 'our decode of autobahn: %r' % out)
        # tampered
        bad = bytearray(ep.payload)
        bad[len(bad) // 2] ^= 1
        rc, out = peer('dec', True, uri, c_caller, bytes(bad).hex())
        check(rc == 1 and out == 'ERR WAMP_EDECRYPT', 'tampered: %r' % out)
        # envelope URI differs from the one inside
        rc, out = peer('dec', True, uri + '.other', c_caller, ep.payload.hex())
        check(rc == 1 and out == 'ERR WAMP_ETRUSTEDURI', 'uri mismatch: %r' % out)
        # 3. PUBLISH: Autobahn caller (originator) encrypts, libwamp callee decrypts
        ep = ab_caller.encode(True, uri, args, kwargs)
        rc, out = peer('dec', False, uri, c_callee, ep.payload.hex())
        check(rc == 0 and _loads(out) == want, 'our callee decode: %r' % out)
        # 4. YIELD: libwamp callee encrypts, Autobahn caller decrypts
        rc, out = peer('enc', False, uri, c_callee, data)
        check(rc == 0, 'enc callee %r' % out)
        if rc == 0:
            u, a, k = ab_caller.decode(True, uri, EncodedPayload(bytes.fromhex(out), 'cryptobox', 'json'))
            check(u == uri and [a, k] == want, 'autobahn caller decode: %r %r' % (a, k))

# shared key (KeyRing(default_key=str)) in both directions
shared = PrivateKey.generate()
ab_shared = KeyRing(b64(shared))
c_shared = (b64(shared), None, b64(shared), None)
rc, out = peer('enc', True, 'com.s', c_shared, '[[1],null]')
u, a, k = ab_shared.decode(False, 'com.s', EncodedPayload(bytes.fromhex(out), 'cryptobox', 'json'))
check((u, a, k) == ('com.s', [1], None), 'shared key: %r' % ((u, a, k),))
ep = ab_shared.encode(True, 'com.s', ['x'], {'y': 2})
rc, out = peer('dec', False, 'com.s', c_shared, ep.payload.hex())
check(rc == 0 and _loads(out) == [['x'], {'y': 2}], 'shared decode: %r' % out)

print('%d checks, %d failures' % (checks, failures))
sys.exit(1 if failures else 0)
