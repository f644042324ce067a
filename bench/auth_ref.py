#!/usr/bin/python3
"""Reference side of bench_auth: the same authentication operations with Autobahn|Python
(and Crossbar's router formulas), timed with timeit. Prints one line per operation:
<name> <ops per second>. An operation whose self-check fails, or any error, ends the script with
a traceback on stderr and a non-zero exit status (bench_auth then fails too).
usage: auth_ref.py <seconds per op>"""
import base64
import binascii
import datetime
import hashlib
import hmac
import json
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


# The router's side of one attempt, as Crossbar's PendingAuthWampCra / PendingAuthScram do it:
# HELLO builds the CHALLENGE, AUTHENTICATE verifies the correct answer and accepts. The router's
# nonce is fixed (as in bench_auth, through its test hook) so one precomputed answer stays valid.
CRA_SECRET = "L3L1YUE8Txlw"
CRA_NONCE = "x" * 64
CRA_TIME = datetime.datetime(2014, 6, 22, 16, 51, 41, 643000)


def cra_router_hello():
    challenge_obj = {"authid": "joe", "authrole": "user", "authmethod": "wampcra",
                     "authprovider": "static", "session": 4711, "nonce": CRA_NONCE,
                     "timestamp": util.utcstr(CRA_TIME)}
    challenge = json.dumps(challenge_obj, ensure_ascii=False)
    return challenge, auth.compute_wcs(CRA_SECRET.encode("utf8"), challenge.encode("utf8"))


cra_text, _ = cra_router_hello()
if cra_text != cra_challenge:
    sys.exit("auth_ref: the router's WAMP-CRA challenge differs from bench_auth's: %r" % cra_text)
cra_answer = cra.on_challenge(None, types.Challenge("wampcra", {"challenge": cra_text}))


def cra_router_verify():
    _, expected = cra_router_hello()
    if not hmac.compare_digest(cra_answer.encode("ascii"), expected):
        raise RuntimeError("WAMP-CRA answer rejected")


SCRAM_CLIENT_NONCE = "Y2xpZW50bm9uY2U="
SCRAM_SERVER_NONCE = bytes(range(16))
SCRAM_SALT = base64.b64encode(b"1234567890abcdef").decode("ascii")
salted = auth._hash_argon2id13_secret(b"p4ssw0rd", SCRAM_SALT, 16, 512)
client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
stored_key = hashlib.new("sha256", client_key).digest()
server_key = hmac.new(salted, b"Server Key", hashlib.sha256).digest()


def scram_router_hello():
    nonce = base64.b64encode(base64.b64decode(SCRAM_CLIENT_NONCE) + SCRAM_SERVER_NONCE).decode("ascii")
    return {"nonce": nonce, "kdf": "argon2id-13", "salt": SCRAM_SALT, "iterations": 16, "memory": 512}


_a = auth.AuthScram(authid="joe", password="p4ssw0rd")
_a._client_nonce = SCRAM_CLIENT_NONCE
scram_answer = _a.on_challenge(Mock(), types.Challenge("scram", scram_router_hello()))


def scram_router_verify():
    extra = scram_router_hello()
    nonce = extra["nonce"]
    auth_message = "n={},r={},r={},s={},i={},c={},r={}".format(
        "joe", SCRAM_CLIENT_NONCE, nonce, extra["salt"], extra["iterations"], "", nonce).encode("ascii")
    received = base64.b64decode(scram_answer)
    csig = hmac.new(stored_key, auth_message, hashlib.sha256).digest()
    recovered = hashlib.new("sha256", util.xor(csig, received)).digest()
    if not hmac.compare_digest(recovered, stored_key):
        raise RuntimeError("SCRAM proof rejected")
    ssig = hmac.new(server_key, auth_message, hashlib.sha256).digest()
    return {"scram_server_signature": base64.b64encode(ssig).decode("ascii")}


ops = [
    ("cryptosign_sign", cs_sign),
    ("cryptosign_verify", cs_verify),
    ("wampcra_sign", lambda: cra.on_challenge(None, cra_plain)),
    ("wampcra_salted_sign", lambda: cra.on_challenge(None, cra_salted)),
    ("wampcra_router_verify", cra_router_verify),
    ("scram_client_proof", scram_proof),
    ("scram_router_verify", scram_router_verify),
]
for name, fn in ops:
    t = timeit.Timer(fn)
    n, _ = t.autorange()
    reps = max(1, int(n * budget / 0.2))
    secs = t.timeit(reps)
    print(name, reps / secs)
