"""The seal's time and long-term validation: RFC 3161 timestamps from a TSA on loopback (B-T), embedded validation
data (B-LT), a TSA that fails, the settings, and what pyHanko's validator, the checker child and pdfsig make of it."""

from __future__ import annotations

import shutil
import subprocess
from io import BytesIO
from pathlib import Path

import pytest
from pyhanko.pdf_utils.generic import TextStringObject
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.timestamps import HTTPTimeStamper
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from coalition.config import check, defaults
from coalition.pdf import sandbox
from coalition.pdf.export import settings
from coalition.pdf.seal import Sealer, inspect
from coalition.pdf.timestamps import TimestampUnavailable, level
from tests.integration.test_pdf_seal import render
from tests.tsa import LoopbackTsa, tsa

__all__ = ["tsa"]  # the fixture, used by name

AUTHORITY = "Organization: Test TSA, Common Name: Test Time Stamping Authority"


def stamping(tmp_path: Path, authority: LoopbackTsa, long_term: bool = False) -> Sealer:
    sealer = Sealer.for_instance(str(tmp_path))
    sealer.timestamper, sealer.long_term, sealer.tsa_roots = (
        HTTPTimeStamper(authority.url),
        long_term,
        (authority.root,),
    )
    return sealer


def judged_by_pyhanko(pdf: bytes, sealer: Sealer, authority: LoopbackTsa) -> object:
    """pyHanko's own validator, trusting the instance's certificate and the test TSA's root."""
    context = ValidationContext(trust_roots=[sealer._asn1_certificate, authority.root], allow_fetching=False)
    signature = PdfFileReader(BytesIO(pdf)).embedded_signatures[0]
    return validate_pdf_signature(signature, context)


def test_b_t_seal_carries_a_valid_timestamp_from_the_authority(tmp_path: Path, tsa: LoopbackTsa) -> None:
    sealer = stamping(tmp_path, tsa)
    before = tsa.answered
    sealed = sealer.seal(render())
    assert tsa.answered > before  # the real HTTP client asked the authority
    status = judged_by_pyhanko(sealed, sealer, tsa)
    assert status.bottom_line  # type: ignore[attr-defined]
    stamp = status.timestamp_validity  # type: ignore[attr-defined]
    assert stamp is not None and stamp.intact and stamp.valid and stamp.trusted
    report = inspect(sealed, sealer)
    assert report.valid and report.timestamp is not None
    assert report.timestamp.valid and report.timestamp.authority == AUTHORITY
    assert abs((report.timestamp.time - stamp.timestamp).total_seconds()) < 1


def test_b_lt_seal_embeds_validation_data_and_still_checks(tmp_path: Path, tsa: LoopbackTsa) -> None:
    sealer = stamping(tmp_path, tsa, long_term=True)
    sealed = sealer.seal(render())
    dss = PdfFileReader(BytesIO(sealed)).root["/DSS"]
    assert len(dss["/Certs"]) >= 2  # the platform's certificate and the TSA's chain; no CRL/OCSP exist for them
    report = inspect(sealed, sealer)
    assert report.valid and report.whole_file and report.timestamp is not None and report.timestamp.valid
    writer = IncrementalPdfFileWriter(BytesIO(sealed))  # a change after the validation data is not more of it
    writer.root["/Lang"] = TextStringObject("fr")
    writer.update_root()
    changed = BytesIO()
    writer.write(changed)
    report = inspect(changed.getvalue(), sealer)
    assert not report.valid and not report.whole_file


def test_b_b_seal_has_no_timestamp(tmp_path: Path) -> None:
    sealer = Sealer.for_instance(str(tmp_path))
    report = inspect(sealer.seal(render()), sealer)
    assert report.valid and report.timestamp is None


@pytest.mark.parametrize("mode", ["garbage", "error"])
def test_a_tsa_answering_garbage_refuses_the_seal(tmp_path: Path, tsa: LoopbackTsa, mode: str) -> None:
    sealer = stamping(tmp_path, tsa)
    tsa.mode = mode
    try:
        with pytest.raises(TimestampUnavailable, match="timestamp authority") as refused:
            sealer.seal(render())
    finally:
        tsa.mode = "ok"
    assert refused.value.kind == "unavailable"


def test_a_tsa_that_is_down_refuses_the_seal(tmp_path: Path) -> None:
    down = LoopbackTsa()
    down.stop()
    sealer = stamping(tmp_path, down)
    with pytest.raises(TimestampUnavailable, match="did not answer"):
        sealer.seal(render())


def test_the_checker_child_reports_the_timestamp(tmp_path: Path, tsa: LoopbackTsa) -> None:
    sealer = stamping(tmp_path, tsa)
    report = sandbox.inspect(sealer.certificate_der, sealer.seal(render()))
    assert report is not None and report.valid
    assert report.timestamp is not None and report.timestamp.valid and report.timestamp.authority == AUTHORITY


@pytest.mark.skipif(shutil.which("pdfsig") is None, reason="poppler-utils is not installed")
def test_pdfsig_validates_the_timestamped_seal(tmp_path: Path, tsa: LoopbackTsa) -> None:
    sealer = stamping(tmp_path, tsa)
    (tmp_path / "sealed.pdf").write_bytes(sealer.seal(render()))
    output = subprocess.run(["pdfsig", str(tmp_path / "sealed.pdf")], capture_output=True, text=True).stdout
    assert "Signature Field Name: CoalitionSeal" in output
    assert "Signature Validation: Signature is Valid." in output
    assert "Total document signed" in output
    # pdfsig knows only its NSS store's roots: the self-signed platform certificate is "issuer unknown".
    assert "Certificate issuer is unknown" in output


def config(**values: object) -> dict[str, object]:
    return {**defaults("/tmp/instance"), **values}


def test_levels_default_to_the_tsa_being_there() -> None:
    assert level(config()) == "B-B"
    assert level(config(TSA_URL="http://127.0.0.1:1/tsa")) == "B-T"
    assert level(config(TSA_URL="http://127.0.0.1:1/tsa", SEAL_LEVEL="b-lt")) == "B-LT"
    check(config(TSA_URL="http://127.0.0.1:1/tsa"))


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"SEAL_LEVEL": "B-T"}, "needs a timestamp authority: set COALITION_TSA_URL"),
        ({"SEAL_LEVEL": "B-LT"}, "needs a timestamp authority"),
        ({"SEAL_LEVEL": "B-LT", "TSA_URL": "http://x/"}, "B-LT needs COALITION_TSA_ROOTS"),
        ({"SEAL_LEVEL": "B-LTA", "TSA_URL": "http://x/"}, "COALITION_SEAL_LEVEL must be one of B-B, B-T, B-LT"),
        ({"TSA_URL": "ftp://x/"}, "COALITION_TSA_URL must be an http"),
        ({"TSA_URL": "http://x/", "TSA_ROOTS": "/nonexistent/roots.pem"}, "COALITION_TSA_ROOTS"),
    ],
)
def test_invalid_settings_refuse_to_start(values: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        check(config(**values))


def test_settings_give_the_sealer_its_timestamper(tmp_path: Path, tsa: LoopbackTsa) -> None:
    (tmp_path / "roots.pem").write_bytes(tsa.root_pem)
    sealer, _ = settings(
        {"TSA_URL": tsa.url, "SEAL_LEVEL": "B-LT", "TSA_ROOTS": str(tmp_path / "roots.pem")}, str(tmp_path)
    )
    assert (
        isinstance(sealer.timestamper, HTTPTimeStamper)
        and sealer.long_term
        and [c.dump() for c in sealer.tsa_roots] == [tsa.root.dump()]
    )
    assert settings({}, str(tmp_path))[0].timestamper is None
