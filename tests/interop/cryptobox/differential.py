"""interop.cryptobox: libwamp's WAMP-cryptobox against Autobahn|Python 22.7.1's KeyRing.

For several argument sets and URIs, in both directions of both boxes:
  - libwamp encrypts (cryptobox_peer enc), Autobahn's KeyRing.decode() decrypts;
  - Autobahn's KeyRing.encode() encrypts, libwamp decrypts (cryptobox_peer dec);
and negative cases: a stranger's key, a tampered payload, a payload under another URI.
The longest-matching-URI rule: rings holding several URI prefixes with different keys (plus a
default key, and without one) pick the same key set as Autobahn's KeyRing (StringTrie
longest_prefix_value, a plain string prefix) — each payload decrypts with that key alone and
not with the next shorter prefix's key.
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


def peer(op, is_orig, uri, keys, data, more=()):
    cmd = [PEER, op, '1' if is_orig else '0', uri] + [k or '-' for k in keys] + [data]
    for u, ks in more:
        cmd += [u] + [k or '-' for k in ks]
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

# longest matching URI: several prefixes with their own key pairs, a default, and no default
from nacl.exceptions import CryptoError  # noqa: E402

PREFIXES = ['com.', 'com.app', 'com.app.add', 'com.app.add2.sub']
pairs = {p: (PrivateKey.generate(), PrivateKey.generate()) for p in PREFIXES + ['']}


def ab_key(p, caller):
    o, r = pairs[p]
    if caller:
        return Key(originator_priv=b64(o), responder_pub=b64(r.public_key))
    return Key(responder_priv=b64(r), originator_pub=b64(o.public_key))


def c_key(p, caller):
    o, r = pairs[p]
    return (b64(o), None, None, b64(r.public_key)) if caller else \
        (None, b64(o.public_key), b64(r), None)


def ab_ring(caller, with_default, only=None):
    if only is not None:
        return KeyRing(ab_key(only, caller))
    ring = KeyRing(ab_key('', caller) if with_default else None)
    for p in PREFIXES:
        ring.set_key(p, ab_key(p, caller))
    return ring


def c_ring(caller, with_default):
    default = c_key('', caller) if with_default else (None,) * 4
    return default, [(p, c_key(p, caller)) for p in PREFIXES]


# uri -> the prefix Autobahn's StringTrie picks ('' = the default key)
CASES = {
    'com.app.add': 'com.app.add',
    'com.app.add2': 'com.app.add',         # a string prefix, not a URI component
    'com.app.add2.sub.x': 'com.app.add2.sub',
    'com.app.ad': 'com.app',
    'com.application.y': 'com.app',
    'com.app': 'com.app',
    'com.other': 'com.',
    'com.': 'com.',
    'com': '',
    'org.example': '',
}
for with_default in (True, False):
    ab_caller_r, ab_callee_r = ab_ring(True, with_default), ab_ring(False, with_default)
    c_caller_d, c_caller_more = c_ring(True, with_default)
    c_callee_d, c_callee_more = c_ring(False, with_default)
    for uri, want_p in CASES.items():
        data = _dumps([[uri, 1], {'k': uri}])
        want = norm([uri, 1], {'k': uri})
        tag = '%s (default %s)' % (uri, with_default)
        ab_sel = ab_caller_r._get_box(True, uri)
        if want_p == '' and not with_default:
            # no key applies: both leave the payload unencrypted
            rc, out = peer('enc', True, uri, c_caller_d, data, c_caller_more)
            check(rc == 1 and out == 'ERR WAMP_ENOTFOUND', 'no key for %s: %r' % (tag, out))
            check(ab_sel is None and ab_caller_r.encode(True, uri, [1]) is None,
                  'autobahn has no key for %s either' % tag)
            continue
        check(ab_sel is not None, 'autobahn has a key for %s' % tag)
        # ours (caller ring with every prefix) encrypts; Autobahn's full callee ring decrypts,
        # and so does a ring holding only the expected prefix's key
        rc, out = peer('enc', True, uri, c_caller_d, data, c_caller_more)
        check(rc == 0, 'enc %s: %r' % (tag, out))
        if rc == 0:
            ep = EncodedPayload(bytes.fromhex(out), 'cryptobox', 'json')
            u, a, k = ab_callee_r.decode(False, uri, ep)
            check(u == uri and [a, k] == want, 'autobahn ring decodes ours: %s' % tag)
            u, a, k = ab_ring(False, True, only=want_p).decode(False, uri, ep)
            check([a, k] == want, 'ours used the key of %r for %s' % (want_p, tag))
            # the next shorter prefix (or the default) does not decrypt it
            shorter = [p for p in [''] + PREFIXES if p != want_p and uri.startswith(p)]
            for p in shorter:
                try:
                    ab_ring(False, True, only=p).decode(False, uri, ep)
                    check(False, 'key of %r decrypted the payload for %s' % (p, tag))
                except CryptoError:
                    check(True, '')
        # Autobahn's callee ring encrypts the result; ours (full caller ring) decrypts it, and
        # so does ours with only the expected key
        ep = ab_callee_r.encode(False, uri, [uri, 1], {'k': uri})
        rc, out = peer('dec', True, uri, c_caller_d, ep.payload.hex(), c_caller_more)
        check(rc == 0 and _loads(out) == want, 'our ring decodes autobahn\'s: %s %r' % (tag, out))
        rc, out = peer('dec', True, uri, c_key(want_p, True), ep.payload.hex())
        check(rc == 0 and _loads(out) == want, 'autobahn used the key of %r for %s' % (want_p, tag))
        # and the other direction of the boxes: Autobahn's caller ring -> our callee ring
        ep = ab_caller_r.encode(True, uri, [uri, 1], {'k': uri})
        rc, out = peer('dec', False, uri, c_callee_d, ep.payload.hex(), c_callee_more)
        check(rc == 0 and _loads(out) == want, 'our callee ring decodes: %s %r' % (tag, out))

print('%d checks, %d failures' % (checks, failures))
sys.exit(1 if failures else 0)
