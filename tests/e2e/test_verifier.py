"""The hardened verifier: hostile uploads are answered "could not be checked" within the limits, in a child
process; the signature's padding is guarded; uploads cannot forge log lines; the verdict says current,
outdated or not genuine and names the statement, on the page (English and Romanian), in the API and the CLI."""

from __future__ import annotations

import functools
import io
import json
import logging
import resource
import signal
import time
import zlib
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from flask.testing import FlaskClient
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.writer import PdfFileWriter
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from coalition.pdf import sandbox
from coalition.pdf.document import PROOF_NAME
from coalition.pdf.export import for_app
from coalition.pdf.seal import Sealer
from tests.e2e.pages import csrf
from tests.e2e.test_statement_pdf import Published, download, published, verify
from tests.e2e.world import Api, World

FORGED = 'Mallory "seal"\n{"level":"error","forged":true}'


@pytest.fixture
def statement(world: World) -> Published:
    return published(world)


@functools.cache
def hex_string_pdf(size: int = 19_900_000) -> bytes:
    """A PDF-ish file whose catalog holds one huge hex string (costly to parse for a pure-Python reader)."""
    head = b"%PDF-1.7\n"
    body = b"1 0 obj\n<< /Type /Catalog /X <" + b"41" * ((size - 200) // 2) + b"> >>\nendobj\n"
    xref = len(head) + len(body)
    table = b"xref\n0 2\n0000000000 65535 f \n" + f"{len(head):010d} 00000 n \n".encode()
    return head + body + table + f"trailer\n<< /Size 2 /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()


@functools.cache
def zlib_bomb_pdf(inflated: int = 1 << 30) -> bytes:
    """A small PDF whose embedded proof stream inflates to `inflated` bytes (a gigabyte of zeros)."""
    squeezer, block, parts = zlib.compressobj(9), bytes(1 << 20), []
    for _ in range(inflated // len(block)):
        parts.append(squeezer.compress(block))
    parts.append(squeezer.flush())
    writer = PdfFileWriter()
    stream = generic.StreamObject(
        {generic.NameObject("/Filter"): generic.NameObject("/FlateDecode")}, encoded_data=b"".join(parts)
    )
    spec = generic.DictionaryObject(
        {
            generic.NameObject("/Type"): generic.NameObject("/Filespec"),
            generic.NameObject("/F"): generic.TextStringObject(PROOF_NAME),
            generic.NameObject("/EF"): generic.DictionaryObject({generic.NameObject("/F"): writer.add_object(stream)}),
        }
    )
    names = generic.ArrayObject([generic.TextStringObject(PROOF_NAME), writer.add_object(spec)])
    tree = generic.DictionaryObject({generic.NameObject("/Names"): names})
    writer.root[generic.NameObject("/Names")] = generic.DictionaryObject({generic.NameObject("/EmbeddedFiles"): tree})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def posted(client: FlaskClient, url: str, data: bytes, **fields: str) -> Any:
    """Upload `data` as the field `file`. The body is encoded here: the test client's own encoding of an
    upload over 500 kB leaves a temporary file open."""
    boundary, body = encode_multipart({**fields, "file": FileStorage(io.BytesIO(data), "s.pdf")})
    response = client.post(url, data=body, content_type=f"multipart/form-data; boundary={boundary}")
    assert response.status_code == 200
    return response


def api_verify(api: Api, data: bytes) -> dict[str, Any]:
    return dict(posted(api.client, "/api/v1/verify", data).json)


def page(client: FlaskClient, data: bytes) -> str:
    text: str = posted(client, "/verify", data, csrf_token=csrf(client, "/verify")).get_data(as_text=True)
    return text


def peak_kb() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


# -- hostile uploads -------------------------------------------------------------------------------------


def test_the_limits_are_ten_cpu_seconds_512_mb_and_fifteen_seconds_of_wall_time() -> None:
    assert (sandbox.CPU_SECONDS, sandbox.MEMORY_BYTES, sandbox.WALL_SECONDS) == (10, 512 * 1024 * 1024, 15.0)


def test_a_zlib_bomb_is_could_not_be_checked_and_the_server_does_not_grow(api: Api) -> None:
    bomb = zlib_bomb_pdf()
    assert len(bomb) < 2_000_000
    before, started = peak_kb(), time.monotonic()
    answer = api_verify(api, bomb)

    assert time.monotonic() - started < sandbox.WALL_SECONDS
    assert (answer["valid"], answer["verdict"]) == (False, "unreadable")
    assert "could not be checked" in answer["reasons"][0]
    assert peak_kb() - before < 100_000  # kB: the gigabyte was the child's to fail at, not ours


def test_the_child_runs_out_of_memory_on_the_bomb_and_ends(api: Api) -> None:
    sealer, _ = for_app(api.app)
    child = sandbox.Child(sealer.certificate_der, sandbox.CPU_SECONDS, sandbox.MEMORY_BYTES)
    try:
        assert child.ask(zlib_bomb_pdf(), sandbox.WALL_SECONDS) == {"exhausted": True}
        assert child.process.wait(timeout=5) == 0
    finally:
        child.stop()


def test_a_huge_hex_string_uses_up_the_cpu_limit_and_the_kernel_ends_the_child(api: Api) -> None:
    sealer, _ = for_app(api.app)
    child = sandbox.Child(sealer.certificate_der, 1, sandbox.MEMORY_BYTES)
    try:
        started = time.monotonic()
        assert child.ask(hex_string_pdf(), 60) is None
        assert time.monotonic() - started < 10
        assert child.process.wait(timeout=5) in (-signal.SIGXCPU, -signal.SIGKILL)
    finally:
        child.stop()


def test_a_huge_hex_string_is_answered_within_the_wall_cap(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sandbox, "WALL_SECONDS", 2.0)  # the same path as the 15 s cap, sooner
    upload = hex_string_pdf()
    before, started = peak_kb(), time.monotonic()
    answer = api_verify(api, upload)

    assert time.monotonic() - started < 6
    assert answer["verdict"] == "unreadable" and answer["valid"] is False
    assert peak_kb() - before < 150_000  # the upload itself, copied a few times, and nothing more
    monkeypatch.undo()  # the usual cap again: a replacement child starting on a busy machine may need more than 2 s
    assert verify(api, b"not a pdf")["verdict"] == "not_genuine"  # a killed child is replaced


# -- the signature's padding and the log ---------------------------------------------------------------


def test_a_byte_changed_in_the_signatures_padding_is_not_genuine(world: World, api: Api, statement: Published) -> None:
    pdf = bytearray(download(world, statement.path).data)
    contents = pdf.index(b"/Contents <") + len(b"/Contents <")
    end = pdf.index(b">", contents)
    assert pdf[end - 8 : end] == b"00000000"
    pdf[end - 5] = ord("7")
    answer = verify(api, bytes(pdf))

    assert (answer["valid"], answer["verdict"]) == (False, "not_genuine")
    assert any("unused room after the seal's signature" in reason for reason in answer["reasons"])
    assert for_app(api.app)[0].inspect(bytes(pdf)).valid is False


def forged_sealer() -> Sealer:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, FORGED)])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    return Sealer(key, certificate)


def test_a_foreign_certificates_name_is_escaped_in_one_log_line_without_traceback(
    world: World, api: Api, statement: Published, caplog: pytest.LogCaptureFixture
) -> None:
    pdf = download(world, statement.path).data
    unsealed = pdf[: pdf.rindex(b"%%EOF", 0, len(pdf) - 10) + 5]
    forged = forged_sealer().seal(unsealed)
    with caplog.at_level(logging.DEBUG):
        answer = verify(api, forged)

    assert answer["verdict"] == "not_genuine" and answer["seal"]["ours"] is False
    assert FORGED in answer["seal"]["signer"]
    lines = [r for r in caplog.records if r.name == "coalition.verify"]
    assert len(lines) == 1
    message = lines[0].getMessage()
    assert "\n" not in message and '\\"seal\\"\\n{' in message
    assert FORGED in json.loads(message)["signer"]
    assert all(r.exc_info is None and "Traceback" not in r.getMessage() for r in caplog.records)
    assert not [r for r in caplog.records if r.name.startswith(("pyhanko", "pyhanko_certvalidator"))]


# -- the verdicts ------------------------------------------------------------------------------------------


def outdated_pdf(world: World) -> tuple[bytes, str, str]:
    """A PDF of an open statement, then a signature added since: (pdf, path, statement id)."""
    w = world
    sid = w.ok("POST", f"{w.path}/statements", "ana", {"title": "Rivers first", "body": "B", "language": "en"})["id"]
    path = f"{w.path}/statements/{sid}"
    w.ok("POST", f"{path}/open", "ana", {})
    w.ok("POST", f"{path}/signatures", "mo", {"organisation_id": w.river})
    pdf = download(w, path).data
    w.ok("POST", f"/organisations/{w.green}/mandates", "ana", {"email": w.email("ana"), "title": "Coordinator"})
    w.ok("POST", f"{path}/signatures", "ana", {"organisation_id": w.green})
    return pdf, path, sid


def test_the_api_says_current_outdated_or_not_genuine_and_names_the_statement(
    world: World, api: Api, statement: Published
) -> None:
    current = verify(api, download(world, statement.path).data)
    old, _, sid = outdated_pdf(world)
    outdated = verify(api, old)
    forged = verify(api, old.replace(b"/Type /Page", b"/Type /Pagx", 1))

    assert (current["valid"], current["verdict"]) == (True, "current")
    assert current["statement"]["title"] == "Clean rivers now"
    assert current["statement"]["coalition"] == {"id": world.coalition, "name": "Danube Rivers Coalition"}
    assert current["statement"]["url"] == f"/public/statements/{statement.id}"
    assert (outdated["valid"], outdated["verdict"]) == (True, "outdated")
    assert outdated["changes_since"]["signatures_added"] == [world.green]
    assert outdated["statement"]["title"] == "Rivers first"
    assert outdated["statement"]["url"] == f"/coalitions/{world.coalition}/statements/{sid}"
    assert (forged["valid"], forged["verdict"]) == (False, "not_genuine") and forged["reasons"]


def test_the_page_heads_each_verdict_in_its_own_words_and_colour(world: World, api: Api, statement: Published) -> None:
    current = page(api.client, download(world, statement.path).data)
    old, _, _ = outdated_pdf(world)
    outdated = page(api.client, old)
    forged = page(api.client, old.replace(b"/Type /Page", b"/Type /Pagx", 1))
    unreadable = page(api.client, zlib_bomb_pdf())

    assert "Genuine and current" in current and 'class="card result valid"' in current
    assert "Clean rivers now" in current and f'href="/public/statements/{statement.id}"' in current
    assert "Genuine but outdated" in outdated and 'class="card result outdated"' in outdated
    assert "Genuine and" not in outdated and "1 signature added" in outdated and "Rivers first" in outdated
    assert "Not genuine" in forged and 'class="card result invalid"' in forged
    assert "Could not be checked" in unreadable and 'class="card result unreadable"' in unreadable


def test_the_page_speaks_romanian(world: World, api: Api, statement: Published) -> None:
    client = api.client
    client.post("/language", data={"csrf_token": csrf(client, "/"), "locale": "ro", "next": "/"})
    current = page(client, download(world, statement.path).data)
    old, _, _ = outdated_pdf(world)
    outdated = page(client, old)

    assert "Autentic și la zi" in current and "Coaliția:" in current
    assert "Autentic, dar depășit" in outdated
    assert "Genuine" not in current + outdated


def test_the_cli_says_current_outdated_not_genuine_or_could_not_be_checked(
    world: World, api: Api, statement: Published, tmp_path: Any
) -> None:
    runner = api.app.test_cli_runner()
    old, _, _ = outdated_pdf(world)
    files = {
        "current": download(world, statement.path).data,
        "outdated": old,
        "forged": old.replace(b"/Type /Page", b"/Type /Pagx", 1),
        "bomb": zlib_bomb_pdf(),
    }
    results = {}
    for name, data in files.items():
        (tmp_path / f"{name}.pdf").write_bytes(data)
        results[name] = runner.invoke(args=["statements", "verify-pdf", str(tmp_path / f"{name}.pdf")])

    assert results["current"].exit_code == 0 and "GENUINE AND CURRENT" in results["current"].output
    assert "'Clean rivers now'" in results["current"].output
    assert results["outdated"].exit_code == 0 and "GENUINE BUT OUTDATED" in results["outdated"].output
    assert results["forged"].exit_code == 1 and "NOT GENUINE" in results["forged"].output
    assert results["bomb"].exit_code == 2 and "COULD NOT BE CHECKED" in results["bomb"].output
