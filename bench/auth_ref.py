#!/usr/bin/python3
"""Reference side of bench_auth: the same authentication operations with Autobahn|Python
(and Crossbar's router formulas), timed with timeit. Prints one line per operation:
<name> <ops per second>. usage: auth_ref.py <seconds per op>"""
import base64
import binascii
import hashlib
import hmac
import os
import sys
import timeit
import warnings

warnings.filterwarnings("ignore")
import txaio  # noqa: E402

txaio.use_asyncio()
from unittest.mock import Mock  # noqa: E402

from nacl import signing  # noqa: E402

from autobahn import util  # noqa: E402
from autobahn.wamp import auth, cryptosign, types  # noqa: E402

budget = float(sys.argv[1]) if len(sys.argv) > 1 else 0.5

seed = bytes(range(32))
key = cryptosign.CryptosignKey.from_bytes(seed)
challenge = types.Challenge("cryptosign", {"challenge": "ff" * 32})
cid = hashlib.sha256(b"some TLS message").digest()


def cs_sign():
    # what CryptosignKey.sign_challenge computes, without the Future plumbing
    data = cryptosign._format_challenge(challenge, cid, "tls-unique")
    return binascii.b2a_hex(key._key.sign(data).signature).decode() + binascii.b2a_hex(data).decode()


signed = cs_sign()
vk = signing.VerifyKey(key.public_key(binary=True))
expect = util.xor(b"\xff" * 32, cid)


def cs_verify():
    # Crossbar's PendingAuthCryptosign.authenticate: verify, then compare the message
    msg = vk.verify(binascii.a2b_hex(signed))
    return msg == expect


cra_challenge = '{"authid": "joe", "authrole": "user", "authmethod": "wampcra", ' \
    '"authprovider": "static", "session": 4711, "nonce": "' + "x" * 64 + \
    '", "timestamp": "2014-06-22T16:51:41.643Z"}'
cra = auth.AuthWampCra(authid="joe", secret="L3L1YUE8Txlw")
cra_plain = types.Challenge("wampcra", {"challenge": cra_challenge})
cra_salted = types.Challenge("wampcra", {"challenge": cra_challenge, "salt": "salt123",
                                         "iterations": 1000, "keylen": 32})

scram_extra = {"nonce": "Y2xpZW50bm9uY2U=", "kdf": "argon2id-13", "salt": "MTIzNDU2Nzg5MGFiY2RlZg==",
               "iterations": 16, "memory": 512}


def scram_proof():
    a = auth.AuthScram(authid="joe", password="p4ssw0rd")
    a._client_nonce = "Y2xpZW50bm9uY2U="
    return a.on_challenge(Mock(), types.Challenge("scram", scram_extra))


stored = hashlib.sha256(hmac.new(b"x" * 43, b"Client Key", hashlib.sha256).digest()).digest()
server_key = hmac.new(b"x" * 43, b"Server Key", hashlib.sha256).digest()
proof = base64.b64encode(os.urandom(32)).decode()


def scram_verify():
    # Crossbar's PendingAuthScram.authenticate (KDF-free: the router stores the keys)
    auth_message = "n=joe,r=Y2xpZW50bm9uY2U=,r=Y2xpZW50bm9uY2VzZXJ2ZXI=,s=MTIzNDU2Nzg5MGFiY2RlZg==," \
        "i=16,c=,r=Y2xpZW50bm9uY2VzZXJ2ZXI="
    received = base64.b64decode(proof)
    csig = hmac.new(stored, auth_message.encode("ascii"), hashlib.sha256).digest()
    rk = util.xor(csig, received)
    rs = hashlib.new("sha256", rk).digest()
    hmac.new(server_key, auth_message.encode("ascii"), hashlib.sha256).digest()
    return hmac.compare_digest(rs, stored)


ops = [
    ("cryptosign_sign", cs_sign),
    ("cryptosign_verify", cs_verify),
    ("wampcra_sign", lambda: cra.on_challenge(None, cra_plain)),
    ("wampcra_salted_sign", lambda: cra.on_challenge(None, cra_salted)),
    ("scram_client_proof", scram_proof),
    ("scram_router_verify", scram_verify),
]
for name, fn in ops:
    t = timeit.Timer(fn)
    n, _ = t.autorange()
    reps = max(1, int(n * budget / 0.2))
    secs = t.timeit(reps)
    print(name, reps / secs)
