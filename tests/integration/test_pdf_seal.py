"""The platform's PDF seal: key handling, sealing, and checking whatever file someone uploads."""

from __future__ import annotations

import os
import stat
import threading
import warnings
from datetime import UTC, datetime, timedelta
from io import BytesIO
from pathlib import Path

import pypdf
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.validation import validate_pdf_signature

from coalition.pdf.document import PROOF_NAME, CountedSignature, Proof
from coalition.pdf.seal import KEY_FILE, Sealer, SealKeyError, inspect

PROOF = Proof(
    "statement-1",
    "coalition-1",
    "ab" * 32,
    "en",
    7,
    "cd" * 32,
    datetime(2025, 3, 1, 12, 0, tzinfo=UTC),
    (CountedSignature("org-1", 5, "ef" * 32),),
)


def render(with_proof: bool = True) -> bytes:
    """A small statement-like PDF from WeasyPrint, carrying the proof unless told otherwise."""
    with warnings.catch_warnings():
        # WeasyPrint warns at import when the optional HarfBuzz-Subset library is missing;
        # that is about this machine, not about sealing.
        warnings.simplefilter("ignore", DeprecationWarning)
        import weasyprint
    attachments = [weasyprint.Attachment(string=PROOF.to_json(), name=PROOF_NAME)] if with_proof else []
    return weasyprint.HTML(string="<h1>Our statement</h1><p>Signed by many.</p>").write_pdf(attachments=attachments)


@pytest.fixture(scope="module")
def sealer(tmp_path_factory: pytest.TempPathFactory) -> Sealer:
    return Sealer.for_instance(str(tmp_path_factory.mktemp("instance")))


@pytest.fixture(scope="module")
def other_sealer(tmp_path_factory: pytest.TempPathFactory) -> Sealer:
    return Sealer.for_instance(str(tmp_path_factory.mktemp("other-instance")))


@pytest.fixture(scope="module")
def sealed(sealer: Sealer) -> bytes:
    return sealer.seal(render(), location="Brussels")


def key_and_certificate(common_name: str) -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    """A throwaway RSA key with a self-signed certificate, as an operator might bring."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    return key, certificate


def write_pkcs12(path: Path, passphrase: bytes) -> x509.Certificate:
    key, certificate = key_and_certificate("Operator seal")
    path.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"seal", key, certificate, None, serialization.BestAvailableEncryption(passphrase)
        )
    )
    return certificate


def fingerprint(certificate: x509.Certificate) -> str:
    return certificate.fingerprint(hashes.SHA256()).hex()


# Keys


def test_key_file_is_created_private_and_reused(tmp_path: Path) -> None:
    first = Sealer.for_instance(str(tmp_path))
    assert stat.S_IMODE(os.stat(tmp_path / KEY_FILE).st_mode) == 0o600
    assert Sealer.for_instance(str(tmp_path)).fingerprint == first.fingerprint
    assert sorted(os.listdir(tmp_path)) == [KEY_FILE]  # no temporary files left behind


def test_key_file_holds_both_key_and_certificate(tmp_path: Path) -> None:
    Sealer.for_instance(str(tmp_path))
    text = (tmp_path / KEY_FILE).read_text()
    assert "PRIVATE KEY-----" in text and "BEGIN CERTIFICATE-----" in text


def test_certificate_says_who_seals_and_what_for(sealer: Sealer) -> None:
    certificate = x509.load_pem_x509_certificate(sealer.certificate_pem.encode())
    assert certificate.subject.rfc4514_string() == "O=Coalition,CN=Coalition platform seal"
    assert certificate.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is False
    usage = certificate.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature and usage.content_commitment and not usage.key_cert_sign
    assert certificate.not_valid_after_utc - certificate.not_valid_before_utc > timedelta(days=3650)
    assert fingerprint(certificate) == sealer.fingerprint


def test_processes_starting_together_end_with_one_key(tmp_path: Path) -> None:
    fingerprints: list[str] = []

    def start_up() -> None:
        fingerprints.append(Sealer.for_instance(str(tmp_path)).fingerprint)

    threads = [threading.Thread(target=start_up) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(fingerprints) == 4 and len(set(fingerprints)) == 1
    assert sorted(os.listdir(tmp_path)) == [KEY_FILE]


def test_pkcs12_file_is_used_when_given(tmp_path: Path) -> None:
    certificate = write_pkcs12(tmp_path / "seal.p12", b"correct horse")
    sealer = Sealer.for_instance(str(tmp_path), str(tmp_path / "seal.p12"), "correct horse")
    assert sealer.fingerprint == fingerprint(certificate)
    assert not (tmp_path / KEY_FILE).exists()
    assert inspect(sealer.seal(render()), sealer).valid


def test_wrong_pkcs12_passphrase_names_the_file(tmp_path: Path) -> None:
    write_pkcs12(tmp_path / "seal.p12", b"correct horse")
    with pytest.raises(SealKeyError, match="seal.p12.*wrong passphrase"):
        Sealer.for_instance(str(tmp_path), str(tmp_path / "seal.p12"), "battery staple")


def test_missing_pkcs12_file_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(SealKeyError, match="missing.p12"):
        Sealer.for_instance(str(tmp_path), str(tmp_path / "missing.p12"), "anything")


def test_damaged_key_file_names_the_file(tmp_path: Path) -> None:
    (tmp_path / KEY_FILE).write_text("not a key")
    with pytest.raises(SealKeyError, match=KEY_FILE):
        Sealer.for_instance(str(tmp_path))


# Sealing


def test_sealed_pdf_inspects_as_valid_with_the_attached_proof(sealer: Sealer, sealed: bytes) -> None:
    report = inspect(sealed, sealer)
    assert report.valid, report.reasons
    assert (report.intact, report.ours, report.whole_file, report.reasons) == (True, True, True, ())
    assert report.proof == PROOF.to_json()
    assert Proof.from_json(report.proof) == PROOF
    assert report.signed_at is not None and abs(datetime.now(UTC) - report.signed_at) < timedelta(minutes=5)
    assert sealer.inspect(sealed) == report


def test_pyhanko_itself_finds_the_seal_intact_and_trusted(sealer: Sealer, sealed: bytes) -> None:
    (signature,) = PdfFileReader(BytesIO(sealed)).embedded_signatures
    assert signature.field_name == "CoalitionSeal"
    assert signature.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"
    status = validate_pdf_signature(signature, sealer.validation_context())
    assert status.intact and status.valid and status.trusted and status.bottom_line
    assert status.md_algorithm == "sha256"
    assert status.signing_cert.sha256.hex() == sealer.fingerprint


def test_seal_is_an_incremental_update_of_the_input(sealer: Sealer) -> None:
    pdf = render()
    assert sealer.seal(pdf).startswith(pdf)


def test_sealed_pdf_still_opens_with_pypdf(sealed: bytes) -> None:
    reader = pypdf.PdfReader(BytesIO(sealed))
    assert "Our statement" in reader.pages[0].extract_text()
    assert reader.attachments[PROOF_NAME] == [PROOF.to_json()]


# Checking what people upload


def test_changed_byte_breaks_the_seal(sealer: Sealer, sealed: bytes) -> None:
    damaged = bytearray(sealed)
    damaged[12] ^= 0x01  # inside the binary comment on line two: still a readable PDF
    report = inspect(bytes(damaged), sealer)
    assert not report.intact and not report.valid
    assert "the seal is broken: the file was changed after it was sealed" in report.reasons


def test_damaged_signature_gets_a_reason_not_an_error(sealer: Sealer, sealed: bytes) -> None:
    start = sealed.rindex(b"/Contents <") + len(b"/Contents <")
    damaged = sealed[:start] + b"0" * 64 + sealed[start + 64 :]
    report = inspect(damaged, sealer)
    assert not report.intact and not report.valid
    assert "the seal is damaged and cannot be checked" in report.reasons


def test_update_appended_after_sealing_is_not_covered(sealer: Sealer, sealed: bytes) -> None:
    writer = IncrementalPdfFileWriter(BytesIO(sealed))
    writer.root["/Lang"] = generic.TextStringObject("fr")
    writer.update_root()
    output = BytesIO()
    writer.write(output)
    report = inspect(output.getvalue(), sealer)
    assert report.intact and report.ours and not report.whole_file and not report.valid
    assert "something was added to the file after it was sealed" in report.reasons


def test_bytes_appended_after_sealing_are_not_covered(sealer: Sealer, sealed: bytes) -> None:
    report = inspect(sealed + b"\n% appended\n", sealer)
    assert not report.whole_file and not report.valid


def test_seal_by_another_platform_is_not_ours(sealer: Sealer, other_sealer: Sealer) -> None:
    report = inspect(other_sealer.seal(render()), sealer)
    assert report.intact and not report.ours and not report.valid
    assert any("another certificate" in reason and other_sealer.fingerprint in reason for reason in report.reasons)


def test_second_signature_after_the_seal_is_reported(sealer: Sealer, sealed: bytes) -> None:
    key, certificate = key_and_certificate("Someone else")
    signer = signers.SimpleSigner.load_pkcs12_data(
        pkcs12.serialize_key_and_certificates(b"x", key, certificate, None, serialization.NoEncryption()),
        other_certs=(),
        passphrase=None,
    )
    metadata = signers.PdfSignatureMetadata(
        field_name="Countersignature", md_algorithm="sha256", subfilter=fields.SigSeedSubFilter.PADES
    )
    twice = signers.PdfSigner(metadata, signer).sign_pdf(IncrementalPdfFileWriter(BytesIO(sealed)))
    report = inspect(twice.getvalue(), sealer)
    assert report.intact and report.ours and not report.whole_file and not report.valid
    assert any("2 signatures" in reason for reason in report.reasons)


def test_unsealed_pdf_carries_no_seal(sealer: Sealer) -> None:
    report = inspect(render(), sealer)
    assert not report.valid and report.proof == PROOF.to_json()
    assert report.reasons == ("the PDF carries no seal",)


def test_sealed_pdf_without_proof_is_not_valid(sealer: Sealer) -> None:
    report = inspect(sealer.seal(render(with_proof=False)), sealer)
    assert report.intact and report.ours and report.whole_file
    assert report.proof is None and not report.valid
    assert report.reasons == ("the PDF carries no Coalition proof",)


def test_looping_attachment_tree_gets_a_reason_not_an_error(sealer: Sealer) -> None:
    writer = IncrementalPdfFileWriter(BytesIO(render(with_proof=False)))
    tree = writer.add_object(generic.DictionaryObject())
    tree.get_object()["/Kids"] = generic.ArrayObject([tree])
    writer.root["/Names"] = generic.DictionaryObject({generic.NameObject("/EmbeddedFiles"): tree})
    writer.update_root()
    output = BytesIO()
    writer.write(output)
    report = inspect(output.getvalue(), sealer)
    assert "the Coalition proof inside the PDF is damaged and cannot be read" in report.reasons


def test_encrypted_pdf_is_refused_with_a_reason(sealer: Sealer) -> None:
    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(BytesIO(render())))
    writer.encrypt("secret", algorithm="AES-256")
    output = BytesIO()
    writer.write(output)
    report = inspect(output.getvalue(), sealer)
    assert not report.valid and any("encrypted" in reason for reason in report.reasons)


@pytest.mark.parametrize(
    "upload",
    [
        b"",
        b"hello, this is not a PDF",
        bytes(range(256)) * 40,
        b"%PDF-1.7\n" + b"[" * 200_000,
        b"%PDF-1.7\n" + b"<<" * 100_000,
    ],
    ids=["empty", "text", "garbage", "nested-arrays", "nested-dictionaries"],
)
def test_what_is_not_a_readable_pdf_gets_a_reason_not_an_error(sealer: Sealer, upload: bytes) -> None:
    report = inspect(upload, sealer)
    assert not report.valid and report.reasons
    assert report.reasons[0] in ("the file is not a PDF", "the PDF is damaged or incomplete and cannot be read")


@pytest.mark.parametrize("keep", [0.3, 0.6, 0.9, 0.999])
def test_truncated_sealed_pdf_gets_a_reason_not_an_error(sealer: Sealer, sealed: bytes, keep: float) -> None:
    report = inspect(sealed[: int(len(sealed) * keep)], sealer)
    assert not report.valid and report.reasons
