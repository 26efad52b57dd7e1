"""The seal's key and certificate: one private PEM file made on first use, or an operator's PKCS#12 file.

Loading either refuses with a `SealKeyError` naming the file, never a library's traceback.
"""

from __future__ import annotations

import os
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

#: The file in the instance folder holding the platform's key and certificate.
KEY_FILE = "seal.pem"

#: What a key file holds: the RSA key, its certificate and any further certificates of its chain.
KeyAndCertificates = tuple[rsa.RSAPrivateKey, x509.Certificate, tuple[x509.Certificate, ...]]


class SealKeyError(ValueError):
    """The sealing key or certificate cannot be loaded; the message names the file."""


def create_key_file(path: Path) -> None:
    """Make key and certificate in one private file, linked into place so that one process wins."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    pem += _self_signed(key).public_bytes(serialization.Encoding.PEM)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{KEY_FILE}.")  # mode 0600
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(pem)
            file.flush()
            os.fsync(file.fileno())
        os.link(temporary, path)
    except FileExistsError:
        pass  # another process made it first: use theirs, so every process seals with one key
    finally:
        os.unlink(temporary)


def _self_signed(key: rsa.RSAPrivateKey) -> x509.Certificate:
    """A ten-year self-signed certificate fit for sealing documents (not for issuing others)."""
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, "Coalition platform seal"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Coalition"),
        ]
    )
    now = datetime.now(UTC)
    public = key.public_key()
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))  # tolerate clocks a little behind ours
        .not_valid_after(now + timedelta(days=3653))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .sign(key, hashes.SHA256())
    )


def load_pem(path: Path) -> KeyAndCertificates:
    """Load the key and certificate from our single PEM file."""
    try:
        data = path.read_bytes()
        key = serialization.load_pem_private_key(data, password=None)
        certificate = x509.load_pem_x509_certificate(data)
    except (OSError, ValueError, TypeError) as error:
        raise SealKeyError(f"cannot load the seal key from {path}: {error}") from None
    return _checked(key, certificate, (), path)


def load_pkcs12(path: Path, passphrase: str | None) -> KeyAndCertificates:
    """Load an operator-supplied PKCS#12 file, with a clear error naming it."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise SealKeyError(f"cannot read the seal key file {path}: {error.strerror}") from None
    try:
        key, certificate, chain = pkcs12.load_key_and_certificates(
            data, passphrase.encode() if passphrase is not None else None
        )
    except (ValueError, TypeError):
        raise SealKeyError(f"cannot open the seal key file {path}: wrong passphrase, or not a PKCS#12 file") from None
    if key is None or certificate is None:
        raise SealKeyError(f"the seal key file {path} must hold both a private key and its certificate")
    return _checked(key, certificate, tuple(chain), path)


def _checked(
    key: object, certificate: x509.Certificate, chain: tuple[x509.Certificate, ...], path: Path
) -> KeyAndCertificates:
    """Refuse keys we do not seal with, and keys that do not match their certificate."""
    if not isinstance(key, rsa.RSAPrivateKey):
        raise SealKeyError(f"the seal key in {path} must be an RSA key")
    if key.public_key() != certificate.public_key():
        raise SealKeyError(f"the private key in {path} does not match its certificate")
    return key, certificate, chain
