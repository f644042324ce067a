"""interop.cli_keys: the `wamp keys` / `wamp auth` subcommands against Autobahn|Python 22.7.1."""
import base64
import binascii
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import time
from unittest import mock

import txaio
txaio.use_asyncio()

import nacl.signing  # noqa: E402
from nacl.public import PrivateKey  # noqa: E402
from nacl.encoding import Base64Encoder  # noqa: E402
from autobahn.util import write_keyfile  # noqa: E402
from autobahn.wamp import auth  # noqa: E402
from autobahn.wamp.cryptosign import CryptosignKey  # noqa: E402

WAMP = sys.argv[1]
checks = 0
failures = 0


def check(cond, what):
    global checks, failures
    checks += 1
    if not cond:
        failures += 1
        print('FAIL:', what)


def run(*args):
    p = subprocess.run([WAMP] + list(args), capture_output=True, text=True)
    return p.returncode, p.stdout.strip()


with tempfile.TemporaryDirectory() as d:
    # keys generate: Autobahn loads both files and finds the printed public key
    for i in range(3):
        path = os.path.join(d, 'key%d' % i)
        rc, out = run('keys', 'generate', '--comment', 'test key %d' % i, path)
        check(rc == 0 and len(out) == 64, 'generate: %r' % out)
        check(stat.S_IMODE(os.stat(path).st_mode) == 0o600, 'private key file mode')
        k = CryptosignKey.from_keyfile(path)
        check(k.can_sign and k.public_key(binary=False) == out, 'autobahn reads private file')
        kp = CryptosignKey.from_keyfile(path + '.pub')
        check(not kp.can_sign and kp.public_key(binary=False) == out, 'autobahn reads public file')
        # the key signs for Autobahn's verification
        msg = os.urandom(32)
        sig = k.sign(msg).result()
        nacl.signing.VerifyKey(binascii.unhexlify(out)).verify(msg, sig)
        check(len(sig) == 64, 'sign')
        rc, out2 = run('keys', 'show', path)
        check(rc == 0 and out2 == out, 'show private: %r' % out2)
        rc, out2 = run('keys', 'show', path + '.pub')
        check(rc == 0 and out2 == out, 'show public: %r' % out2)
    rc, _ = run('keys', 'generate', os.path.join(d, 'key0'))
    check(rc == 1, 'generate refuses to overwrite')

    # keys show of key files written by Autobahn's write_keyfile
    for i in range(5):
        sk = nacl.signing.SigningKey.generate()
        pub = sk.verify_key.encode(encoder=nacl.encoding.HexEncoder).decode()
        priv = sk.encode(encoder=nacl.encoding.HexEncoder).decode()
        path = os.path.join(d, 'ab%d' % i)
        write_keyfile(path, {'creator': 'autobahn', 'created-at': '2022-07-05T12:29:48.832Z',
                             'user-id': 'x', 'public-key-ed25519': pub,
                             'private-key-ed25519': priv}, 'comment line\n\n')
        want = CryptosignKey.from_keyfile(path).public_key(binary=False)
        rc, out = run('keys', 'show', path)
        check(rc == 0 and out == want == pub, 'show autobahn file: %r vs %r' % (out, want))
    rc, _ = run('keys', 'show', os.path.join(d, 'missing'))
    check(rc == 1, 'show missing file')

# keys cryptobox: PyNaCl derives the same public key from the private key
for flag in ([], ['--hex']):
    rc, out = run('keys', 'cryptobox', *flag)
    priv, pub = out.split('\n')
    if flag:
        raw = binascii.unhexlify(priv)
        check(PrivateKey(raw).public_key.encode() == binascii.unhexlify(pub), 'cryptobox hex')
    else:
        k = PrivateKey(priv, encoder=Base64Encoder)
        check(k.public_key.encode(encoder=Base64Encoder).decode() == pub, 'cryptobox b64')

# auth derive-key / cra
for secret, salt, it, kl in [('secret123', 'salt123', None, None), ('p\u00e4ss', 'NaCl', 100, 16),
                             ('x' * 100, 's', 5000, 64)]:
    args = ['auth', 'derive-key', '--secret', secret, '--salt', salt]
    if it:
        args += ['--iterations', str(it), '--keylen', str(kl)]
        want = auth.derive_key(secret, salt, it, kl)
    else:
        want = auth.derive_key(secret, salt)
    rc, out = run(*args)
    check(rc == 0 and out == want.decode('ascii'), 'derive-key %r: %r vs %r' % (secret, out, want))
    challenge = json.dumps({'nonce': base64.b64encode(os.urandom(16)).decode(), 'authid': 'joe'})
    rc, out = run('auth', 'cra', '--key', out, '--challenge', challenge)
    want = auth.compute_wcs(want, challenge.encode()).decode('ascii')
    check(rc == 0 and out == want, 'cra: %r vs %r' % (out, want))

# auth totp at fixed times, and now
for t in (0, 59, 1111111109, 1234567890, 2000000000):
    secret = auth.generate_totp_secret()
    with mock.patch('time.time', return_value=float(t)):
        want = auth.compute_totp(secret)
    rc, out = run('auth', 'totp', '--secret', secret, '--time', str(t))
    check(rc == 0 and out == want, 'totp at %d: %r vs %r' % (t, out, want))
secret = auth.generate_totp_secret()
before = auth.compute_totp(secret)
rc, out = run('auth', 'totp', '--secret', secret)
after = auth.compute_totp(secret)
check(rc == 0 and out in (before, after), 'totp now')
rc, out = run('auth', 'totp-secret')
check(rc == 0 and len(out) == 16 and len(base64.b32decode(out)) == 10, 'totp-secret %r' % out)

# auth scram: the same credential JSON as derive_scram_credential
for email, pw in [('alice@example.com', 'secret'), ('bob', 'p\u00e4ssw\u00f6rd')]:
    rc, out = run('auth', 'scram', '--authid', email, '--password', pw)
    want = auth.derive_scram_credential(email, pw)
    check(rc == 0 and json.loads(out) == want, 'scram %r: %r vs %r' % (email, out, want))

# keys show: malformed, truncated and encrypted key files fail cleanly (exit 1, a message naming
# the file, nothing on stdout)
def run_err(*args):
    p = subprocess.run([WAMP] + list(args), capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr.strip()


with tempfile.TemporaryDirectory() as d:
    good = os.path.join(d, 'good')
    rc, pub = run('keys', 'generate', good)
    with open(good) as f:
        text = f.read()
    bad = {
        'empty': '',
        'garbage': 'this is not a key\n',
        'binary': '\x00\xff' * 40,
        'truncated': text[:len(text) // 2],
        'bad hex': text.replace(pub, 'zz' + pub[2:]) if pub else 'x',
        'short hex': text.replace(pub, pub[:-2]) if pub else 'x',
        'pem only': '-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n',
        'ssh pub bad base64': 'ssh-ed25519 !!!! comment\n',
    }
    for name, content in bad.items():
        path = os.path.join(d, name.replace(' ', '_'))
        with open(path, 'w', encoding='latin-1') as f:
            f.write(content)
        rc, out, err = run_err('keys', 'show', path)
        check(rc == 1 and out == '' and path in err and 'malformed' in err,
              'show %s key file fails cleanly: rc=%d %r' % (name, rc, err))
    if shutil.which('ssh-keygen'):
        enc = os.path.join(d, 'encrypted')
        subprocess.run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', 'a passphrase', '-C', 'enc',
                        '-f', enc], check=True)
        rc, out, err = run_err('keys', 'show', enc)
        check(rc == 1 and out == '' and 'passphrase' in err and 'unencrypted Ed25519' in err,
              'show encrypted OpenSSH key: unsupported, clear message: rc=%d %r' % (rc, err))
        # its public half is fine
        rc, out, err = run_err('keys', 'show', enc + '.pub')
        with open(enc + '.pub') as f:
            want = binascii.hexlify(base64.b64decode(f.read().split()[1])[-32:]).decode()
        check(rc == 0 and out.strip() == want, 'show public half of the encrypted key: %r' % out)
        rsa = os.path.join(d, 'rsa')
        subprocess.run(['ssh-keygen', '-q', '-t', 'rsa', '-b', '1024', '-N', '', '-f', rsa],
                       check=True)
        rc, out, err = run_err('keys', 'show', rsa)
        check(rc == 1 and 'unsupported OpenSSH key' in err, 'show RSA OpenSSH key: %r' % err)
    else:
        print('note: ssh-keygen not installed (Debian openssh-client); encrypted key case skipped')

# usage errors
rc, _ = run('keys')
check(rc == 2, 'keys usage')
rc, _ = run('auth', 'cra', '--key')
check(rc == 2, 'auth usage')

print('%d checks, %d failures' % (checks, failures))
sys.exit(1 if failures else 0)
