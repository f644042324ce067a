"""Throwaway test PKI made at test time (python3-cryptography): a CA, a server certificate for
localhost / 127.0.0.1 and client certificates, written as PEM files into a directory."""
import datetime
import hashlib
import ipaddress
import os

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


def _name(cn):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, 'libwamp tests')])


def _write(path, data):
    with open(path, 'wb') as f:
        f.write(data)


def _key_pem(key):
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


class TestPKI:
    def __init__(self, directory):
        self.dir = directory
        now = datetime.datetime.utcnow() - datetime.timedelta(minutes=5)
        self._now = now
        self.ca_key = ec.generate_private_key(ec.SECP256R1())
        self.ca_cert = (x509.CertificateBuilder().subject_name(_name('libwamp test CA'))
                        .issuer_name(_name('libwamp test CA'))
                        .public_key(self.ca_key.public_key())
                        .serial_number(x509.random_serial_number())
                        .not_valid_before(now).not_valid_after(now + datetime.timedelta(days=2))
                        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
                        .sign(self.ca_key, hashes.SHA256()))
        self.ca = os.path.join(directory, 'ca.pem')
        _write(self.ca, self.ca_cert.public_bytes(serialization.Encoding.PEM))
        self.server_cert, self.server_key, _ = self.issue(
            'server', 'localhost',
            [x509.DNSName('localhost'), x509.IPAddress(ipaddress.ip_address('127.0.0.1'))])

    def issue(self, name, cn, sans=None, signer=None):
        """Writes name.pem / name.key; returns (cert path, key path, SHA-1 fingerprint as
        Crossbar shows it: upper-case hex pairs joined by ':')."""
        key = ec.generate_private_key(ec.SECP256R1())
        ca_key, ca_cert = signer or (self.ca_key, self.ca_cert)
        b = (x509.CertificateBuilder().subject_name(_name(cn)).issuer_name(ca_cert.subject)
             .public_key(key.public_key()).serial_number(x509.random_serial_number())
             .not_valid_before(self._now)
             .not_valid_after(self._now + datetime.timedelta(days=1)))
        if sans:
            b = b.add_extension(x509.SubjectAlternativeName(sans), False)
        cert = b.sign(ca_key, hashes.SHA256())
        cp, kp = os.path.join(self.dir, name + '.pem'), os.path.join(self.dir, name + '.key')
        _write(cp, cert.public_bytes(serialization.Encoding.PEM))
        _write(kp, _key_pem(key))
        der = cert.public_bytes(serialization.Encoding.DER)
        sha1 = hashlib.sha1(der).hexdigest().upper()
        return cp, kp, ':'.join(sha1[i:i + 2] for i in range(0, len(sha1), 2))

    def other_ca(self):
        """A second, untrusted CA (key, cert) to sign certificates wampd must refuse."""
        key = ec.generate_private_key(ec.SECP256R1())
        cert = (x509.CertificateBuilder().subject_name(_name('untrusted CA'))
                .issuer_name(_name('untrusted CA')).public_key(key.public_key())
                .serial_number(x509.random_serial_number())
                .not_valid_before(self._now)
                .not_valid_after(self._now + datetime.timedelta(days=1))
                .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
                .sign(key, hashes.SHA256()))
        return key, cert
