"""A timestamp authority on loopback for tests: an HTTP server in a thread answering RFC 3161 requests.

It signs with pyHanko's test-support `DummyTimeStamper` and a test CA (root -> TSA certificate with the
timeStamping extended key usage) made here with `cryptography`, so the seal's real `HTTPTimeStamper` is used.
`tsa.mode = "garbage"` makes it answer nonsense with the right content type; `"error"` answers HTTP 500.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from asn1crypto import keys as asn1_keys
from asn1crypto import tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pyhanko.sign.timestamps import DummyTimeStamper


def _certificate(
    subject: str, key: rsa.RSAPrivateKey, issuer: x509.Name | None, issuer_key: rsa.RSAPrivateKey, ca: bool
) -> x509.Certificate:
    name = x509.Name(
        [x509.NameAttribute(NameOID.COMMON_NAME, subject), x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Test TSA")]
    )
    now = datetime.now(UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(issuer or name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    if not ca:
        builder = builder.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
    return builder.sign(issuer_key, hashes.SHA256())


def _asn1(certificate: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))


class LoopbackTsa:
    """The running authority: `url`, `root` (to trust), `mode` and how many requests it `answered`."""

    def __init__(self) -> None:
        root_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        root = _certificate("Test TSA Root", root_key, None, root_key, ca=True)
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        certificate = _certificate("Test Time Stamping Authority", key, root.subject, root_key, ca=False)
        self.root = _asn1(root)
        self.root_pem = root.public_bytes(serialization.Encoding.PEM)
        der = key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        self.stamper = DummyTimeStamper(
            _asn1(certificate), asn1_keys.PrivateKeyInfo.load(der), certs_to_embed=[self.root]
        )
        self.mode = "ok"
        self.answered = 0
        tsa = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                tsa.answered += 1
                if tsa.mode == "error":
                    self.send_response(500)
                    self.end_headers()
                    return
                if tsa.mode == "garbage":
                    reply = b"this is not a timestamp"
                else:
                    reply = tsa.stamper.request_tsa_response(tsp.TimeStampReq.load(body)).dump()
                self.send_response(200)
                self.send_header("Content-Type", "application/timestamp-reply")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/tsa"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def tsa() -> Iterator[LoopbackTsa]:
    """A timestamp authority on loopback, answering properly unless a test changes its `mode`."""
    authority = LoopbackTsa()
    try:
        yield authority
    finally:
        authority.stop()
