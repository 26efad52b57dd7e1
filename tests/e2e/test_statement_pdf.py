"""Sealed statement PDFs: export in each language, the certificate page, verification, tampering, the cache."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask.testing import FlaskCliRunner
from pyhanko.pdf_utils.generic import NameObject, TextStringObject
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pypdf import PdfReader
from sqlalchemy import select

from coalition.pdf.document import PROOF_NAME, Proof
from coalition.pdf.export import for_app
from coalition.pdf.seal import Sealer
from events.schema import events as events_table
from tests.e2e.conftest import services
from tests.e2e.world import Api, World, error_of

RO = {"title": "Râuri curate acum", "body": "Cerem *guvernelor* să acționeze: ș, ț, ă, î, â."}


@dataclass
class Published:
    path: str
    id: str


def published(world: World) -> Published:
    """Through the API: drafted with a Romanian translation, opened, amended, signed by Green Earth and
    River Watch (re-confirmed after the amendment), signed then withdrawn by Oak Institute, closed, published."""
    w = world
    sid = w.ok(
        "POST",
        f"{w.path}/statements",
        "ana",
        {
            "title": "Clean rivers now",
            "language": "en",
            "body": "We call on *governments* to act.\n\n- monitor\n- publish",
        },
    )["id"]
    path = f"{w.path}/statements/{sid}"
    w.ok("PUT", f"{path}/translations/ro", "ana", RO)
    w.ok("POST", f"{path}/open", "ana", {"threshold": 2})
    w.ok("POST", f"/organisations/{w.green}/mandates", "ana", {"email": w.email("ana"), "title": "Coordinator"})
    w.ok("POST", f"{w.path}/members", "olli", {"organisation_id": w.oak})
    w.ok("POST", f"{w.path}/members/{w.oak}/approve", "ana", {})
    w.ok("POST", f"/organisations/{w.oak}/mandates", "olli", {"email": w.email("olli"), "title": "Dean"})
    w.ok("POST", f"{path}/signatures", "mo", {"organisation_id": w.river})
    w.ok("POST", f"{path}/amend", "ana", {"body": "We call on all *governments* to act.\n\n- monitor\n- publish"})
    w.ok("POST", f"{path}/signatures/{w.river}/confirm", "mo", {})
    w.ok("POST", f"{path}/signatures", "ana", {"organisation_id": w.green})
    w.ok("POST", f"{path}/signatures", "olli", {"organisation_id": w.oak})
    w.ok("POST", f"{path}/signatures/{w.oak}/withdraw", "olli", {"reason": "Our board disagreed"})
    w.ok("POST", f"{path}/close", "ana")
    w.ok("POST", f"{path}/publish", "ana")
    return Published(path, sid)


def download(world: World, path: str, lang: str = "", person: str = "mo") -> Any:
    response = world.api.call("GET", f"{path}.pdf" + (f"?lang={lang}" if lang else ""), world.who(person))
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/pdf"
    return response


def text_of(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def verify(api: Api, pdf: bytes) -> dict[str, Any]:
    response = api.client.post(
        "/api/v1/verify", data={"file": (io.BytesIO(pdf), "statement.pdf")}, content_type="multipart/form-data"
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    return dict(response.json)


@pytest.fixture
def statement(world: World) -> Published:
    return published(world)


def test_the_pdf_lists_the_counted_signatories_and_not_the_withdrawn_one(world: World, statement: Published) -> None:
    text = text_of(download(world, statement.path).data)

    assert "Clean rivers now" in text and "governments" in text
    assert "Signed by 2 organisations from 2 countries" in text
    assert "Green Earth" in text and "River Watch" in text and "Mo Zielinski" in text and "Coordinator" in text
    assert "Oak Institute" not in text


def test_the_romanian_pdf_has_the_romanian_text(world: World, statement: Published) -> None:
    text = text_of(download(world, statement.path, "ro").data)

    assert "Râuri curate acum" in text and "ș, ț, ă, î, â" in text
    assert "Clean rivers now" not in text


def test_the_certificate_page_prints_the_hashes_of_the_log(world: World, api: Api, statement: Published) -> None:
    pdf = download(world, statement.path).data
    pages = PdfReader(io.BytesIO(pdf)).pages
    certificate = pages[-1].extract_text().replace("\n", "")
    proof = Proof.from_json(PdfReader(io.BytesIO(pdf)).attachments[PROOF_NAME][0])
    body = world.ok("GET", statement.path, "mo")

    assert proof.version_hash == body["version_hash"] and body["version_hash"] in certificate
    with services(api.app).engine.connect() as connection:
        hashes = dict(connection.execute(select(events_table.c.position, events_table.c.hash)).all())
    assert proof.head_hash == hashes[proof.exported_position] and proof.head_hash in certificate
    counted = {s["organisation_id"]: s for s in body["signatures"] if s["status"] == "signed"}
    assert {s.organisation_id for s in proof.signatures} == set(counted)
    for signature in proof.signatures:
        assert signature.event_hash == hashes[signature.position] == counted[signature.organisation_id]["event_hash"]
        assert signature.event_hash in certificate


def test_both_languages_verify_with_pyhanko_the_api_and_the_cli(
    world: World, api: Api, statement: Published, tmp_path: Any
) -> None:
    sealer, _ = for_app(api.app)
    runner: FlaskCliRunner = api.app.test_cli_runner()
    for lang in ("en", "ro"):
        pdf = download(world, statement.path, lang).data
        report = sealer.inspect(pdf)
        assert (report.intact, report.ours, report.whole_file, report.valid) == (True, True, True, True)
        answer = verify(api, pdf)
        assert (answer["valid"], answer["reasons"]) == (True, [])
        assert answer["changes_since"]["signatures_added"] == [] and not answer["changes_since"]["amended"]
        saved = tmp_path / f"statement-{lang}.pdf"
        saved.write_bytes(pdf)
        result = runner.invoke(args=["statements", "verify-pdf", str(saved)])
        assert result.exit_code == 0, result.output
        assert "GENUINE AND CURRENT" in result.output


def test_a_changed_byte_breaks_the_seal(world: World, api: Api, statement: Published) -> None:
    pdf = bytearray(download(world, statement.path).data)
    where = pdf.index(b"/Type /Page") + 2  # inside the sealed range, in a structure, not the signature
    pdf[where] = ord("X") if pdf[where] != ord("X") else ord("Y")
    answer = verify(api, bytes(pdf))

    assert answer["valid"] is False and answer["reasons"]


def test_an_update_appended_after_sealing_is_not_valid(world: World, api: Api, statement: Published) -> None:
    pdf = download(world, statement.path).data
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    writer.root[NameObject("/Lang")] = TextStringObject("fr")
    writer.update_root()
    changed = io.BytesIO()
    writer.write(changed)
    answer = verify(api, changed.getvalue())

    assert answer["valid"] is False
    assert answer["seal"]["whole_file"] is False
    assert any("added to the file after it was sealed" in reason for reason in answer["reasons"])


def test_a_pdf_sealed_by_another_key_is_not_ours(world: World, api: Api, statement: Published, tmp_path: Any) -> None:
    pdf = download(world, statement.path).data
    # Re-seal the same content with a stranger's key: the proof inside is the same, the seal is not ours.
    stranger = Sealer.for_instance(str(tmp_path))
    unsealed = pdf[: pdf.rindex(b"%%EOF", 0, len(pdf) - 10) + 5]  # the render before the seal's update
    answer = verify(api, stranger.seal(unsealed))

    assert answer["valid"] is False and answer["seal"]["ours"] is False
    assert any("another certificate" in reason for reason in answer["reasons"])


def test_verification_says_what_changed_since_the_export(world: World, api: Api) -> None:
    w = world
    sid = w.ok("POST", f"{w.path}/statements", "ana", {"title": "T", "body": "B", "language": "en"})["id"]
    path = f"{w.path}/statements/{sid}"
    w.ok("POST", f"{path}/open", "ana", {})
    w.ok("POST", f"{path}/signatures", "mo", {"organisation_id": w.river})
    pdf = download(w, path).data
    w.ok("POST", f"/organisations/{w.green}/mandates", "ana", {"email": w.email("ana"), "title": "Coordinator"})
    w.ok("POST", f"{path}/signatures", "ana", {"organisation_id": w.green})
    w.ok("POST", f"{path}/signatures/{w.river}/withdraw", "mo", {"reason": "Changed our mind"})
    answer = verify(api, pdf)

    assert answer["valid"] is True
    assert answer["changes_since"]["signatures_added"] == [w.green]
    assert answer["changes_since"]["signatures_withdrawn"] == [w.river]


def test_verification_reads_a_statement_past_its_deadline_as_closed(world: World, api: Api) -> None:
    w = world
    sid = w.ok("POST", f"{w.path}/statements", "ana", {"title": "T", "body": "B", "language": "en"})["id"]
    path = f"{w.path}/statements/{sid}"
    store = services(api.app).store
    deadline = store.clock() + timedelta(days=2)
    w.ok("POST", f"{path}/open", "ana", {"deadline": deadline.isoformat()})
    w.ok("POST", f"{path}/signatures", "mo", {"organisation_id": w.river})
    pdf = download(w, path).data
    assert verify(api, pdf)["changes_since"]["state"] == "open"

    store.clock = lambda: deadline  # no event closes it: the deadline does
    answer = verify(api, pdf)

    assert answer["valid"] is True and answer["changes_since"]["state"] == "closed"


def test_a_repeat_download_comes_from_the_cache_until_the_signatures_change(world: World) -> None:
    w = world
    sid = w.ok("POST", f"{w.path}/statements", "ana", {"title": "T", "body": "B", "language": "en"})["id"]
    path = f"{w.path}/statements/{sid}"
    w.ok("POST", f"{path}/open", "ana", {})
    first, again = download(w, path), download(w, path)

    assert (first.headers["X-Cache"], again.headers["X-Cache"]) == ("miss", "hit")
    assert first.data == again.data
    w.ok("POST", f"{path}/signatures", "mo", {"organisation_id": w.river})
    assert download(w, path).headers["X-Cache"] == "miss"


def test_a_draft_has_no_pdf_and_unknown_languages_are_404(world: World) -> None:
    w = world
    sid = w.ok("POST", f"{w.path}/statements", "ana", {"title": "T", "body": "B", "language": "en"})["id"]
    path = f"{w.path}/statements/{sid}"
    assert (
        "open it for signature first"
        in error_of(w.api.call("GET", f"{path}.pdf", w.who("mo")), 409, "conflict")["message"]
    )
    w.ok("POST", f"{path}/open", "ana", {})
    error_of(w.api.call("GET", f"{path}.pdf?lang=pl", w.who("mo")), 404, "not_found")
    error_of(w.api.call("GET", f"{path}.pdf?lang=zz", w.who("mo")), 422, "invalid")
    error_of(w.api.call("GET", f"{path}.pdf", w.who("olli")), 403, "forbidden")


@pytest.mark.parametrize("upload", [b"", b"not a pdf at all", b"%PDF-1.7\n" + b"[" * 100_000])
def test_anything_that_is_not_a_sealed_statement_is_not_valid_and_never_a_500(api: Api, upload: bytes) -> None:
    answer = verify(api, upload)

    assert answer["valid"] is False and answer["reasons"]


def test_verify_needs_a_file_field(api: Api) -> None:
    error_of(api.client.post("/api/v1/verify", data={}, content_type="multipart/form-data"), 400, "bad_request")
    error_of(api.client.post("/api/v1/verify", json={"file": "x"}), 400, "bad_request")


# -- the public page ------------------------------------------------------------------------------


def test_a_published_statement_has_a_public_page_and_pdf(world: World, api: Api, statement: Published) -> None:
    page = api.client.get(f"/public/statements/{statement.id}")
    romanian = api.client.get(f"/public/statements/{statement.id}", headers={"Accept-Language": "ro-RO,ro;q=0.9"})
    pdf = api.client.get(f"/public/statements/{statement.id}.pdf?lang=ro")

    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Clean rivers now" in html and "<em>governments</em>" in html
    assert "Green Earth" in html and "River Watch" in html and "Oak Institute" not in html
    assert "Signed by 2 organisations" in html
    assert "Râuri curate acum" in romanian.get_data(as_text=True)
    assert pdf.status_code == 200 and verify(api, pdf.data)["valid"] is True


def test_statements_not_yet_published_have_no_public_page(world: World, api: Api) -> None:
    w = world
    sid = w.ok("POST", f"{w.path}/statements", "ana", {"title": "T", "body": "B", "language": "en"})["id"]
    w.ok("POST", f"{w.path}/statements/{sid}/open", "ana", {})

    assert api.client.get(f"/public/statements/{sid}").status_code == 404
    assert api.client.get(f"/public/statements/{sid}.pdf").status_code == 404
    assert api.client.get("/public/statements/nope").status_code == 404


def test_markup_in_statement_text_is_shown_never_run(world: World, api: Api) -> None:
    w = world
    hostile = {
        "title": "<script>alert(1)</script> Rivers",
        "language": "en",
        "body": '<style>body{display:none}</style> <img src="http://127.0.0.1:1/x"> [x](javascript:alert(1))',
    }
    sid = w.ok("POST", f"{w.path}/statements", "ana", hostile)["id"]
    path = f"{w.path}/statements/{sid}"
    w.ok("POST", f"{path}/open", "ana", {})
    w.ok("POST", f"{path}/signatures", "mo", {"organisation_id": w.river})
    w.ok("POST", f"{path}/close", "ana")
    w.ok("POST", f"{path}/publish", "ana")
    html = api.client.get(f"/public/statements/{sid}").get_data(as_text=True)
    text = text_of(download(w, path).data)

    assert "<script>alert" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<style>body" not in html and "<img" not in html and 'href="javascript' not in html
    assert "<script>alert(1)</script> Rivers" in text  # shown as text in the PDF
    assert "<style>body{display:none}</style>" in text


def test_the_cli_exports_a_pdf_and_refuses_a_tampered_one(
    world: World, api: Api, statement: Published, tmp_path: Any
) -> None:
    runner = api.app.test_cli_runner()
    exported = tmp_path / "statement.pdf"
    assert runner.invoke(args=["statements", "export", statement.id, str(exported), "--lang", "ro"]).exit_code == 0
    tampered = tmp_path / "tampered.pdf"
    tampered.write_bytes(exported.read_bytes().replace(b"/Type /Page", b"/Type /Pagx", 1))

    good = runner.invoke(args=["statements", "verify-pdf", str(exported)])
    bad = runner.invoke(args=["statements", "verify-pdf", str(tampered)])
    missing = runner.invoke(args=["statements", "export", "nope", str(tmp_path / "x.pdf")])

    assert good.exit_code == 0 and "(ro)" in good.output
    assert bad.exit_code == 1 and "NOT GENUINE" in bad.output
    assert missing.exit_code == 1 and "no such statement" in missing.output


def test_a_sealed_proof_with_impossible_positions_is_not_valid_and_never_a_500(world: World, api: Api) -> None:
    from dataclasses import replace

    from coalition.pdf.export import document
    from coalition.pdf.render import render_pdf

    w = world
    sid = w.ok("POST", f"{w.path}/statements", "ana", {"title": "T", "body": "B", "language": "en"})["id"]
    w.ok("POST", f"{w.path}/statements/{sid}/open", "ana", {})
    with services(api.app).engine.connect() as connection:
        doc = document(connection, sid, None, "http://x/verify", datetime.now(UTC))
    forged = replace(doc, proof=replace(doc.proof, exported_position=2**70))
    sealer, _ = for_app(api.app)
    answer = verify(api, sealer.seal(render_pdf(forged)))

    assert answer["valid"] is False
    assert any("not a whole number" in reason for reason in answer["reasons"])


def test_the_verify_link_comes_from_configuration_not_from_the_request(
    world: World, api: Api, statement: Published
) -> None:
    poisoned = api.client.get(f"/public/statements/{statement.id}.pdf", headers={"Host": "evil.example"})
    text = text_of(poisoned.data)

    assert "evil.example" not in text
    assert "127.0.0.1:5000/verify" in text.replace("\n", "")


def test_renaming_the_coalition_makes_a_new_pdf(world: World, statement: Published) -> None:
    download(world, statement.path)
    world.ok("PATCH", f"{world.path}/agreement", "ana", {"name": "Danube and Vistula Rivers Coalition"})
    renamed = download(world, statement.path)

    assert renamed.headers["X-Cache"] == "miss"
    assert "Danube and Vistula Rivers Coalition" in text_of(renamed.data).replace("\n", " ")


def test_the_verify_page_says_genuine_or_not_valid_and_why(world: World, api: Api, statement: Published) -> None:
    pdf = download(world, statement.path).data
    tampered = pdf.replace(b"/Type /Page", b"/Type /Pagx", 1)

    def upload(data: bytes) -> Any:
        form = api.client.get("/verify").get_data(as_text=True)
        csrf = form.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        return api.client.post(
            "/verify",
            data={"csrf_token": csrf, "file": (io.BytesIO(data), "s.pdf")},
            content_type="multipart/form-data",
        )

    assert api.client.get("/verify").status_code == 200
    assert "Genuine and current" in upload(pdf).get_data(as_text=True)
    bad = upload(tampered).get_data(as_text=True)
    assert "Not genuine" in bad and "The file claims to be statement version" in bad
    empty = upload(b"")
    assert empty.status_code == 400 and "Choose a PDF file" in empty.get_data(as_text=True)


def test_an_upload_over_20_mb_is_refused_with_413(api: Api) -> None:
    from werkzeug.datastructures import FileStorage
    from werkzeug.test import encode_multipart

    # The body is encoded here: the test client's own encoding of a large upload leaves a temporary file open.
    boundary, body = encode_multipart({"file": FileStorage(io.BytesIO(b"%PDF" + b"0" * 20_000_000), "big.pdf")})
    response = api.client.post("/api/v1/verify", data=body, content_type=f"multipart/form-data; boundary={boundary}")

    error_of(response, 413, "request_entity_too_large")


def test_no_request_body_is_read_past_the_configured_limit(api: Api) -> None:
    response = api.client.post("/api/v1/users", data=b"{" + b" " * 22_000_000 + b"}", content_type="application/json")

    error_of(response, 413, "request_entity_too_large")


def test_an_open_statements_pdf_says_it_is_not_final_and_a_new_one_says_closed_once_its_deadline_passes(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from coalition.pdf import export as export_module

    w = world
    sid = w.ok("POST", f"{w.path}/statements", "ana", {"title": "T", "body": "B", "language": "en"})["id"]
    path = f"{w.path}/statements/{sid}"
    deadline = datetime.now(UTC) + timedelta(days=2)
    w.ok("POST", f"{path}/open", "ana", {"deadline": deadline.isoformat()})
    w.ok("POST", f"{path}/signatures", "mo", {"organisation_id": w.river})
    first = download(w, path)
    assert "Open for signature — not final" in text_of(first.data)
    assert download(w, path).headers["X-Cache"] == "hit"

    class Later(datetime):
        @classmethod
        def now(cls, tz: Any = None) -> Any:
            return deadline + timedelta(seconds=1)

    monkeypatch.setattr(export_module, "datetime", Later)  # no event closes it: the deadline does
    after = download(w, path)
    assert after.headers["X-Cache"] == "miss"
    assert "Closed — not published" in text_of(after.data) and "Open for signature" not in text_of(after.data)
    assert verify(w.api, after.data)["valid"] is True


def test_a_published_statements_pdf_is_dated_by_its_publication_and_says_nothing_else(world: World) -> None:
    p = published(world)
    text = " ".join(text_of(download(world, p.path).data).split())
    romanian = " ".join(text_of(download(world, p.path, "ro").data).split())
    assert "Published on " in text and "not final" not in text and "not published" not in text
    assert "Publicată la " in romanian and "Țară" not in romanian
