#!/usr/bin/python3
"""Differential test of libwamp's authentication against Autobahn|Python (Debian's
python3-autobahn, python3-nacl, python3-argon2): for the same secrets, challenges and seeds both
compute WAMP-CRA keys and signatures, TOTP codes, SCRAM credentials and proofs, cryptosign
signatures (with and without tls-unique binding), public keys from every key file format and
seed phrases; and each side's router verifies the other side's client.

Reproducible: every secret, salt, seed, nonce and challenge comes from one seeded RNG (rbytes),
so a failure reruns identically. The exceptions are the OpenSSH files, which ssh-keygen makes
with its own randomness (that is their point: real files), and the routers' own nonces and
challenges, drawn inside the code under test.

usage: differential.py <auth_driver>"""
import asyncio
import base64
import binascii
import hashlib
import hmac
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import warnings

warnings.filterwarnings("ignore")
import txaio  # noqa: E402

txaio.use_asyncio()
from unittest.mock import Mock  # noqa: E402

from autobahn import util  # noqa: E402
from autobahn.wamp import auth, types  # noqa: E402
from autobahn.wamp.cryptosign import CryptosignKey  # noqa: E402

rnd = random.Random(20240611)


def rbytes(n):
    """n bytes from the seeded RNG (never os.urandom: reruns see the same inputs)."""
    return rnd.randbytes(n)

failures = []
checks = 0


class Driver:
    def __init__(self, path):
        self.p = subprocess.Popen([path], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def __call__(self, *fields):
        line = "\t".join(str(f) for f in fields)
        assert "\n" not in line
        self.p.stdin.write(line + "\n")
        self.p.stdin.flush()
        return self.p.stdout.readline().rstrip("\n")

    def close(self):
        self.p.stdin.close()
        self.p.wait()


def check(what, ours, theirs):
    global checks
    checks += 1
    if ours != theirs:
        failures.append(what)
        print("MISMATCH %s\n  libwamp:  %r\n  autobahn: %r" % (what, ours, theirs))


def rstr(n, alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789äöü€"):
    return "".join(rnd.choice(alphabet) for _ in range(n))


loop = asyncio.new_event_loop()
asyncio.set_event_loop(loop)
txaio.config.loop = loop


def run(f):
    if isinstance(f, str):
        return f

    async def wait():
        return await f
    return loop.run_until_complete(wait())


def helpers(d):
    for i in range(20):
        data, salt = rbytes(rnd.randint(0, 40)), rbytes(rnd.randint(0, 40))
        it, kl = rnd.randint(1, 300), rnd.randint(1, 80)
        for h in ("sha1", "sha256", "sha512"):
            check("pbkdf2 %s" % h, d("pbkdf2", h, data.hex(), salt.hex(), it, kl),
                  auth.pbkdf2(data, salt, it, kl, h).hex())
    for i in range(20):
        secret, salt = rstr(rnd.randint(1, 30)), rstr(rnd.randint(1, 20))
        it, kl = rnd.randint(1, 2000), rnd.choice([16, 20, 32, 64])
        check("derive_key", d("derive_key", secret, salt, it, kl),
              auth.derive_key(secret, salt, it, kl).decode())
        challenge = json.dumps({"authid": rstr(8), "nonce": rstr(16), "x": [1, 2]},
                               ensure_ascii=False)
        check("compute_wcs", d("wcs", secret, challenge), auth.compute_wcs(secret, challenge).decode())
        # the client authenticator, plain and salted, against AuthWampCra
        for salted in (False, True):
            extra = {"challenge": challenge}
            if salted:
                extra.update(salt=salt, iterations=it, keylen=kl)
            a = auth.AuthWampCra(authid="joe", secret=secret)
            theirs = a.on_challenge(Mock(), types.Challenge("wampcra", extra))
            ours = d("cra_client", secret, challenge, salt if salted else "-", it, kl)
            check("AuthWampCra salted=%s" % salted, ours, theirs)
    # TOTP: Autobahn reads the clock, so freeze it to the same instants
    import time as _time
    real = _time.time
    try:
        for i in range(30):
            # the format of Autobahn's generate_totp_secret(n), from the seeded RNG
            secret = base64.b32encode(rbytes(rnd.choice([5, 10, 20]))).decode("ascii")
            t = rnd.randint(0, 4000000000)
            _time.time = lambda: float(t)
            for off in (-1, 0, 1):
                check("totp", d("totp", secret, t, off), auth.compute_totp(secret, off))
    finally:
        _time.time = real


def argon2(d):
    # Argon2id v1.3 (libwamp's wamp__auth_argon2id on libargon2) against argon2-cffi's
    # hash_secret_raw: SCRAM's p=1 with salts of 8..64 bytes (16 included), then any
    # parallelism and tag length through the internal function itself
    from argon2.low_level import Type, hash_secret_raw
    for i in range(16):
        pw, salt = rstr(rnd.randint(0, 20)), rbytes(16 if i == 0 else rnd.randint(8, 64))
        t, m = rnd.randint(1, 6), rnd.choice([8, 16, 64, 100, 512, 1024])
        theirs = hash_secret_raw(pw.encode(), salt, time_cost=t, memory_cost=m, parallelism=1,
                                 hash_len=32, type=Type.ID, version=19).hex()
        check("argon2id t=%d m=%d salt=%d" % (t, m, len(salt)), d("argon2id", pw, salt.hex(), t, m),
              theirs)
    for i in range(12):
        pw, salt = rbytes(rnd.randint(0, 40)), rbytes(rnd.randint(8, 64))
        t, p, n = rnd.randint(1, 4), rnd.randint(1, 8), rnd.choice([4, 16, 32, 64, 100])
        m = rnd.randint(8 * p, 600)
        theirs = hash_secret_raw(pw, salt, time_cost=t, memory_cost=m, parallelism=p, hash_len=n,
                                 type=Type.ID, version=19).hex()
        check("argon2id_ctx t=%d m=%d p=%d len=%d salt=%d" % (t, m, p, n, len(salt)),
              d("argon2id_ctx", pw.hex(), salt.hex(), t, m, p, n), theirs)
    # below Argon2's 8-byte salt both refuse
    try:
        hash_secret_raw(b"pw", rbytes(7), time_cost=1, memory_cost=8, parallelism=1,
                        hash_len=32, type=Type.ID, version=19)
        theirs = "accepted"
    except Exception:
        theirs = "refused"
    ours = d("argon2id_ctx", b"pw".hex(), rbytes(7).hex(), 1, 8, 1, 32)
    check("7-byte salt refused", "refused" if ours.startswith("ERR") else "accepted", theirs)


def scram(d):
    # derive_scram_credential (argon2id-13, t=4096, m=512): with and without salt
    for email, pw, salt in (("foobar@example.com", "secret123", None),
                            ("joe@example.org", "p4ssw0rd€", rbytes(16))):
        theirs = auth.derive_scram_credential(email, pw, salt)
        ours = json.loads(d("scramcred", email, pw, salt.hex() if salt else "-"))
        check("derive_scram_credential", ours, theirs)
    # the Autobahn-flavour client (AuthScram) against ours, argon2id-13
    for i in range(8):
        authid, pw = rstr(6, "abcdefghijklmnopqrstuvwxyz0123456789"), rstr(10)
        cnonce = base64.b64encode(rbytes(16)).decode()
        nonce = base64.b64encode(rbytes(32)).decode()
        salt = base64.b64encode(rbytes(16 if i == 0 else rnd.randint(8, 64))).decode()
        it, mem = rnd.randint(1, 8), rnd.choice([8, 64, 256])
        a = auth.AuthScram(authid=authid, password=pw)
        a._client_nonce = cnonce
        extra = {"nonce": nonce, "kdf": "argon2id-13", "salt": salt, "iterations": it, "memory": mem}
        proof = a.on_challenge(Mock(), types.Challenge("scram", extra)).decode()
        sk = hmac.new(a._salted_password, b"Server Key", hashlib.sha256).digest()
        ssig = base64.b64encode(hmac.new(sk, a._auth_message, hashlib.sha256).digest()).decode()
        ours = d("scram_client", "scram", authid, pw, cnonce, nonce, salt, "argon2id-13", it, mem, ssig)
        check("AuthScram argon2id-13 proof + server signature, salt %d bytes"
              % len(base64.b64decode(salt)), ours, "%s\tWAMP_OK" % proof)
    # Autobahn's PBKDF2 path raises ValueError on Python 3 (str salt given to pbkdf2()), so
    # compare with what it means to do: PBKDF2 over the salt text, SaltedPassword raw
    authid, pw, cnonce, nonce, salt = "joe", "pencil", "Y25vbmNl", "Y25vbmNlc25vbmNl", "c2FsdHNhbHQ="
    sp = auth.pbkdf2(pw.encode(), salt.encode(), 100, 32)
    am = ("n=%s,r=%s,r=%s,s=%s,i=%d,c=,r=%s" % (authid, cnonce, nonce, salt, 100, nonce)).encode()
    ck = hmac.new(sp, b"Client Key", hashlib.sha256).digest()
    proof = base64.b64encode(util.xor(ck, hmac.new(hashlib.sha256(ck).digest(), am,
                                                   hashlib.sha256).digest())).decode()
    ours = d("scram_client", "scram", authid, pw, cnonce, nonce, salt, "pbkdf2", 100, "-", "AAAA")
    check("scram pbkdf2 (Autobahn's intended path)", ours.split("\t")[0], proof)

    # our router (Autobahn flavour) against AuthScram: a cheap credential made with Autobahn's
    # own argon2 helper, then one from derive_scram_credential
    def cred_of(pw, salt, it, mem):
        sp = auth._hash_argon2id13_secret(pw.encode(), base64.b64encode(salt), it, mem)
        ck = hmac.new(sp, b"Client Key", hashlib.sha256).digest()
        return {"kdf": "argon2id-13", "iterations": it, "memory": mem, "salt": salt.hex(),
                "stored-key": hashlib.sha256(ck).hexdigest(),
                "server-key": hmac.new(sp, b"Server Key", hashlib.sha256).hexdigest()}
    creds = [("joe", "secret1", cred_of("secret1", rbytes(16), 3, 64)),
             ("ann", "secret2", cred_of("secret2", rbytes(rnd.randint(8, 15)), 2, 32)),
             ("bob", "secret3", cred_of("secret3", rbytes(rnd.randint(17, 64)), 2, 32)),
             ("foobar@example.com", "secret123", auth.derive_scram_credential("foobar@example.com", "secret123"))]
    for authid, pw, cred in creds:
        for wrong in (False, True):
            a = auth.AuthScram(authid=authid, password=pw + ("x" if wrong else ""))
            cn = a.authextra["nonce"]
            ch = d("router_hello", "scram", authid, cred["kdf"], cred["iterations"], cred["memory"],
                   cred["salt"], cred["stored-key"], cred["server-key"], cn)
            fields = dict(x.split("=", 1) for x in ch.split("\t")[1:])
            extra = {k: (int(v) if k in ("iterations", "memory") else v) for k, v in fields.items()}
            proof = a.on_challenge(Mock(), types.Challenge("scram", extra)).decode()
            res = d("router_auth", proof).split("\t")
            if wrong:
                check("our scram router denies a wrong password", res[0], "DENY")
            else:
                check("our scram router accepts AuthScram", res[0], "ACCEPT")
                sess = Mock()
                check("AuthScram verifies our server signature",
                      a.on_welcome(sess, {"scram_server_signature": res[3]}), None)


def cryptosign(d, tmp):
    for i in range(12):
        seed = rbytes(32)
        challenge = rbytes(32).hex()
        cid = rbytes(32) if i % 2 else None
        k = CryptosignKey.from_bytes(seed)
        theirs = run(k.sign_challenge(types.Challenge("cryptosign", {"challenge": challenge}),
                                      channel_id=cid, channel_id_type="tls-unique" if cid else None))
        ours = d("sign", seed.hex(), challenge, cid.hex() if cid else "-")
        check("sign_challenge cid=%s" % bool(cid), ours, theirs)
        # our router issues the challenge, Autobahn signs it
        ch = d("router_hello", "cryptosign", "-", k.public_key(), *([cid.hex()] if cid else []))
        fields = dict(x.split("=", 1) for x in ch.split("\t")[1:])
        sig = run(k.sign_challenge(types.Challenge("cryptosign", {"challenge": fields["challenge"]}),
                                   channel_id=cid, channel_id_type="tls-unique" if cid else None))
        check("our cryptosign router accepts Autobahn", d("router_auth", sig).split("\t")[:2],
              ["ACCEPT", k.public_key()])
        if cid:
            # signed without the binding: denied
            ch = d("router_hello", "cryptosign", "-", k.public_key(), cid.hex())
            fields = dict(x.split("=", 1) for x in ch.split("\t")[1:])
            sig = run(k.sign_challenge(types.Challenge("cryptosign", {"challenge": fields["challenge"]})))
            check("our router denies a signature without the channel binding",
                  d("router_auth", sig).split("\t")[0], "DENY")
    # key files: raw seed, Autobahn key files (private and public), OpenSSH
    for i in range(4):
        seed = rbytes(32)
        p = os.path.join(tmp, "raw%d" % i)
        with open(p, "wb") as f:
            f.write(seed)
        check("from_file", d("pubkey", "raw", p), "%s\t1\t" % CryptosignKey.from_file(p).public_key())
        k = CryptosignKey.from_bytes(seed)
        tags = {"creator": "me@host", "created-at": "2022-07-05T12:29:48.832Z",
                "public-key-ed25519": k.public_key(), "private-key-ed25519": seed.hex()}
        for priv in (True, False):
            p = os.path.join(tmp, "key%d%s" % (i, ".priv" if priv else ".pub"))
            t = dict(tags)
            if not priv:
                del t["private-key-ed25519"]
            util.write_keyfile(p, t, "A comment line.\nAnother one.\n\n")
            kk = CryptosignKey.from_keyfile(p)
            check("from_keyfile priv=%s" % priv, d("pubkey", "keyfile", p),
                  "%s\t%d\t" % (kk.public_key(), kk.can_sign))
    # key files written by us, read by Autobahn
    for i in range(4):
        seed = rbytes(32)
        p = os.path.join(tmp, "ours%d" % i)
        ours = d("writekey", seed.hex(), i % 2, p)
        kk = CryptosignKey.from_keyfile(p)
        check("our key file read by Autobahn", (ours, kk.can_sign), (kk.public_key(), bool(i % 2)))
        if i % 2:
            check("our key file's seed", kk._key.encode().hex(), seed.hex())
    if shutil.which("ssh-keygen"):
        for i in range(4):
            p = os.path.join(tmp, "id_ed25519_%d" % i)
            comment = "user%d@example.com" % i
            subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", p],
                           check=True)
            for path in (p, p + ".pub"):
                kk = CryptosignKey.from_ssh_file(path)
                check("from_ssh_file %s" % os.path.basename(path), d("pubkey", "ssh", path),
                      "%s\t%d\t%s" % (kk.public_key(), kk.can_sign, kk.comment))
    else:
        print("note: ssh-keygen not installed (Debian openssh-client); OpenSSH files skipped")
    # BIP-39 seed phrases
    phrases = ["abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about",
               "legal winner thank year wave sausage worth useful legal winner thank yellow",
               "zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo wrong"]
    for ph in phrases:
        for idx in (0, 1, 5, 1000):
            check("from_seedphrase %d" % idx, d("seedphrase", ph, idx),
                  CryptosignKey.from_seedphrase(ph, idx).public_key())


def wampcra_router(d):
    # our router issues the WAMP-CRA challenge, Autobahn's AuthWampCra answers
    for secret, good in (("L3L1YUE8Txlw", True), ("wrong", False)):
        ch = d("router_hello", "wampcra", "joe", "L3L1YUE8Txlw")
        fields = dict(x.split("=", 1) for x in ch.split("\t")[1:])
        text = fields["challenge"]
        obj = json.loads(text)
        check("challenge fields", list(obj.keys()),
              ["authid", "authrole", "authmethod", "authprovider", "session", "nonce", "timestamp"])
        check("challenge timestamp", obj["timestamp"], "2014-06-22T16:51:41.643Z")
        check("challenge is json.dumps layout", json.dumps(obj, ensure_ascii=False), text)
        sig = auth.AuthWampCra(authid="joe", secret=secret).on_challenge(
            Mock(), types.Challenge("wampcra", {"challenge": text}))
        check("our wampcra router, secret ok=%s" % good, d("router_auth", sig).split("\t")[0],
              "ACCEPT" if good else "DENY")


def main():
    d = Driver(sys.argv[1])
    tmp = tempfile.mkdtemp(prefix="wamp-auth-diff-")
    try:
        helpers(d)
        wampcra_router(d)
        cryptosign(d, tmp)
        argon2(d)
        scram(d)
    finally:
        d.close()
        shutil.rmtree(tmp, ignore_errors=True)
    print("%d checks, %d mismatches" % (checks, len(failures)))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
