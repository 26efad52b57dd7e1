"""The platform's seal on statement PDFs (PAdES baseline B, SHA-256) and how anyone checks it.

The seal is made with one key and a self-signed certificate kept together in `instance/seal.pem`
(or an operator's PKCS#12 file; `coalition.pdf.seal_keys` makes and loads them). Checking never
raises: whatever is wrong with an uploaded file becomes a plain-English reason in the `SealReport`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.timestamps import TimeStamper
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore
from pyhanko_certvalidator.util import get_pyca_cryptography_hash

from coalition.pdf.after_seal import SEAL_DIFF_POLICY
from coalition.pdf.der import padding_problem
from coalition.pdf.document import PROOF_NAME
from coalition.pdf.reasons import Reason
from coalition.pdf.seal_keys import KEY_FILE, SealKeyError, create_key_file, load_pem, load_pkcs12
from coalition.pdf.timestamps import Timestamp, collecting_context, only_validation_data_after, read, stamped

if TYPE_CHECKING:  # not imported at run time: the checker's sandboxed child imports this module
    from coalition.transparency.checkpoints import Signer

#: What the rest of the app uses (the key file's name and its error come from `seal_keys`).
__all__ = ["KEY_FILE", "FIELD_NAME", "SealKeyError", "SealReport", "Sealer", "Trust", "inspect"]

#: The signature field every sealed statement carries.
FIELD_NAME = "CoalitionSeal"
DEFAULT_REASON = "Sealed by the Coalition platform: this is the statement as exported."
# Room for the CMS signature, in hex digits (twice its DER size): a 3072-bit RSA signature, the certificate
# (or a short chain) and the signed attributes fit with a wide margin. Fixed, it spares pyHanko a trial seal.
SIGNATURE_BYTES = 16_384
# A bound on the embedded-files name tree, so a looping or absurd tree cannot hang a check.
MAX_TREE_NODES = 10_000


class Trust(Protocol):
    """What checking a seal needs: the platform's certificate (a `Sealer`, or the checker's child process)."""

    @property
    def fingerprint(self) -> str: ...

    def validation_context(self) -> ValidationContext: ...


class Sealer:
    """The platform's signing key and certificate, loaded once and used for every seal."""

    #: The RFC 3161 timestamp client (PAdES B-T), and whether validation data is embedded (B-LT): see `timestamps`.
    timestamper: TimeStamper | None = None
    long_term: bool = False
    tsa_roots: tuple[asn1_x509.Certificate, ...] = ()
    checkpoints: Signer | None = None  # the checkpoint key: PDFs embed a checkpoint and inclusion proofs (`anchor`)

    def __init__(
        self, key: rsa.RSAPrivateKey, certificate: x509.Certificate, chain: tuple[x509.Certificate, ...] = ()
    ) -> None:
        der = certificate.public_bytes(serialization.Encoding.DER)
        key_der = key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        self.certificate = certificate
        self.certificate_der = der
        self._asn1_certificate = asn1_x509.Certificate.load(der)
        extra = [asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER)) for c in chain]
        self._signer = _ParsedKeySigner(
            key,
            signing_cert=self._asn1_certificate,
            signing_key=asn1_keys.PrivateKeyInfo.load(key_der),
            cert_registry=SimpleCertificateStore.from_certs([self._asn1_certificate, *extra]),
        )

    @classmethod
    def for_instance(cls, instance_path: str, pkcs12_path: str | None = None, passphrase: str | None = None) -> Sealer:
        """The operator's PKCS#12 key if given, else `instance/seal.pem`, made on first use."""
        if pkcs12_path is not None:
            return cls(*load_pkcs12(Path(pkcs12_path), passphrase))
        path = Path(instance_path) / KEY_FILE
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            create_key_file(path)
        return cls(*load_pem(path))

    @property
    def fingerprint(self) -> str:
        """The SHA-256 of the certificate (DER), in hex: what the public compares against."""
        return hashlib.sha256(self.certificate_der).hexdigest()

    @property
    def certificate_pem(self) -> str:
        """The certificate in PEM, to publish so that anyone can check seals themselves."""
        return self.certificate.public_bytes(serialization.Encoding.PEM).decode()

    def seal(self, pdf: bytes, *, reason: str = DEFAULT_REASON, location: str | None = None) -> bytes:
        """The PDF with the platform's seal added as an incremental update covering every byte."""
        metadata = signers.PdfSignatureMetadata(
            field_name=FIELD_NAME,
            subfilter=fields.SigSeedSubFilter.PADES,
            md_algorithm="sha256",
            reason=reason,
            location=location,
            embed_validation_info=self.long_term,
            validation_context=collecting_context(self._asn1_certificate, self.tsa_roots) if self.long_term else None,
        )
        signer = signers.PdfSigner(metadata, self._signer, timestamper=self.timestamper)

        def sign() -> bytes:
            writer = IncrementalPdfFileWriter(BytesIO(pdf))
            output = signer.sign_pdf(writer, bytes_reserved=SIGNATURE_BYTES * (2 if self.timestamper else 1))
            sealed: bytes = output.getvalue()
            return sealed

        return stamped(sign) if self.timestamper is not None else sign()

    def inspect(self, pdf: bytes) -> SealReport:
        """What is right and wrong with an uploaded PDF's seal; see `inspect`."""
        return inspect(pdf, self)

    def validation_context(self) -> ValidationContext:
        """An offline validation context trusting exactly this sealer's certificate."""
        # Offline on purpose: a self-signed root has no CRL or OCSP, and checking must not
        # depend on the network. soft-fail only tolerates missing revocation information.
        return ValidationContext(
            trust_roots=[self._asn1_certificate], allow_fetching=False, revocation_mode="soft-fail"
        )


class _ParsedKeySigner(signers.SimpleSigner):
    """pyHanko's SimpleSigner, keeping the key parsed instead of parsing it for every signature."""

    def __init__(self, key: rsa.RSAPrivateKey, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._key = key

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        """Sign with the parsed key (SimpleSigner re-parses it, ~0.1 s for RSA 3072, each time)."""
        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm)
        if mechanism.signature_algo != "rsassa_pkcs1v15":
            return super().sign_raw(data, digest_algorithm)  # never ours, but stay correct
        return self._key.sign(data, PKCS1v15(), get_pyca_cryptography_hash(digest_algorithm))


@dataclass(frozen=True, slots=True)
class SealReport:
    """The outcome of checking a PDF's seal, with reasons a non-specialist can read."""

    intact: bool  # the signed bytes match the digest and the signature verifies
    ours: bool  # signed by exactly this platform's certificate
    whole_file: bool  # the seal covers every byte: nothing was appended afterwards
    signed_at: datetime | None  # the time the sealer wrote into the seal (claimed, not timestamped)
    proof: bytes | None  # the embedded `PROOF_NAME` file as the PDF now carries it
    reasons: tuple[str, ...]
    signer: str | None = None  # the sealing certificate's subject, as the upload claims it (untrusted text)
    timestamp: Timestamp | None = None  # the RFC 3161 timestamp on the seal (B-T and up), if any

    @property
    def valid(self) -> bool:
        """True only when the seal is ours, intact, covers the whole file and a proof is inside."""
        return self.intact and self.ours and self.whole_file and self.proof is not None and not self.reasons


def inspect(pdf: bytes, sealer: Trust) -> SealReport:
    """Check a PDF's seal against this platform's certificate; never raises for bad input, except
    MemoryError: running out of memory says nothing about the file, and the caller answers "could not be checked"."""
    if not isinstance(pdf, bytes | bytearray) or b"%PDF-" not in bytes(pdf[:1024]):
        return _unreadable(Reason("the file is not a PDF"))
    try:
        reader = PdfFileReader(BytesIO(bytes(pdf)))
        if reader.encrypted:
            return _unreadable(Reason("the PDF is encrypted, and a sealed statement never is"))
    except MemoryError:
        raise
    except Exception:  # any parsing failure is a property of the file, not of our code
        return _unreadable(Reason("the PDF is damaged or incomplete and cannot be read"))

    reasons: list[str] = []
    proof = None
    try:
        proof = _embedded_file(reader, PROOF_NAME)
        if proof is None:
            reasons.append(Reason("the PDF carries no Coalition proof"))
    except MemoryError:
        raise
    except Exception:
        reasons.append(Reason("the Coalition proof inside the PDF is damaged and cannot be read"))

    try:
        signatures = list(reader.embedded_regular_signatures)  # parses each signature's CMS
    except MemoryError:
        raise
    except Exception:
        return SealReport(
            False, False, False, None, proof, (Reason("the seal is damaged and cannot be checked"), *reasons)
        )
    if not signatures:
        reasons.insert(0, Reason("the PDF carries no seal"))
        return SealReport(False, False, False, None, proof, tuple(reasons))
    if len(signatures) > 1:
        reasons.append(
            Reason(
                "the PDF carries %(count)d signatures, but a statement carries only the platform's seal",
                count=len(signatures),
            )
        )
    intact, ours, whole_file, signed_at, problems, stamp = _check(signatures[0], sealer, "/DSS" in reader.root)
    padding = padding_problem(bytes(pdf), signatures[0])
    if padding:
        intact, problems = False, [padding, *problems]
    signer = _signer(signatures[0])
    return SealReport(intact, ours, whole_file, signed_at, proof, tuple(problems + reasons), signer, stamp)


def _check(
    signature: EmbeddedPdfSignature, sealer: Trust, has_dss: bool
) -> tuple[bool, bool, bool, datetime | None, list[str], Timestamp | None]:
    """Validate one embedded signature: (intact, ours, whole_file, signed_at, reasons, timestamp)."""
    try:
        # skip_diff: any update after the seal already fails `whole_file`, so grading how harmless it is would
        # only cost time (and expose more parsing to hostile files); except that B-LT adds its validation data
        # (a DSS) after the seal, and only the difference analysis tells that from anything else.
        status = validate_pdf_signature(
            signature, sealer.validation_context(), diff_policy=SEAL_DIFF_POLICY, skip_diff=not has_dss
        )
    except MemoryError:
        raise
    except Exception:
        return False, False, False, None, [Reason("the seal is damaged and cannot be checked")], None
    reasons: list[str] = []
    stamp = read(status.timestamp_validity)
    if stamp is not None and not stamp.valid:
        reasons.append(
            Reason("the seal's timestamp is broken: its token does not match the seal or its signature fails")
        )
    intact = bool(status.intact and status.valid)
    fingerprint = hashlib.sha256(status.signing_cert.dump()).hexdigest()
    ours = fingerprint == sealer.fingerprint
    whole_file = status.coverage == SignatureCoverageLevel.ENTIRE_FILE or only_validation_data_after(status)
    if not intact:
        reasons.append(Reason("the seal is broken: the file was changed after it was sealed"))
    if not ours:
        reasons.append(
            Reason(
                "the seal was made by another certificate (fingerprint %(fingerprint)s), not this platform's",
                fingerprint=fingerprint,
            )
        )
    elif intact and not status.trusted:
        reasons.append(Reason("the platform's certificate was not valid for this seal (it may have expired)"))
    if not whole_file:
        reasons.append(Reason("something was added to the file after it was sealed"))
    return intact, ours, whole_file, status.signer_reported_dt, reasons, stamp


def _signer(signature: EmbeddedPdfSignature) -> str | None:
    """The subject of the certificate the upload names as its signer, as it claims (never trusted, never raises)."""
    try:
        return str(signature.signer_cert.subject.human_friendly)[:500]
    except Exception:
        return None


def _unreadable(reason: Reason) -> SealReport:
    return SealReport(False, False, False, None, None, (reason,))


def _embedded_file(reader: PdfFileReader, name: str) -> bytes | None:
    """The content of the embedded file called `name` in /Root /Names /EmbeddedFiles, if any."""
    names = _entry(reader.root, "/Names")
    tree = _entry(names, "/EmbeddedFiles")
    pending: list[generic.PdfObject | None] = [tree]
    visited = 0
    while pending:
        node = pending.pop()
        visited += 1
        if visited > MAX_TREE_NODES:
            raise ValueError("the embedded-files tree loops or is too large")
        entries = _entry(node, "/Names")
        entries = entries if isinstance(entries, generic.ArrayObject) else generic.ArrayObject()
        for index in range(0, len(entries) - 1, 2):  # pyHanko arrays cannot be sliced
            key, spec = entries[index], entries[index + 1]
            if name in (str(key), str(_entry(spec, "/UF")), str(_entry(spec, "/F"))):
                files = _entry(spec, "/EF")
                stream = _entry(files, "/F") or _entry(files, "/UF")
                if not isinstance(stream, generic.StreamObject):
                    raise ValueError("the embedded proof has no content")
                return bytes(stream.data)
        kids = _entry(node, "/Kids")
        if isinstance(kids, generic.ArrayObject):
            pending.extend(kid.get_object() for kid in kids)
    return None


def _entry(node: generic.PdfObject | None, key: str) -> generic.PdfObject | None:
    """`node[key]`, resolved, or None when `node` is not a dictionary or lacks `key`."""
    if not isinstance(node, generic.DictionaryObject) or key not in node:
        return None
    found: generic.PdfObject = node[key]  # indexing (unlike .get) follows indirect references
    return found
