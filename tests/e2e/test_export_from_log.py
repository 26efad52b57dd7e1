"""PDFs and verdicts tell the log's truth, whatever the read-model tables say; `flask projections check`
names a table that disagrees with the log; an edited event breaks the log and every PDF drawn from it."""

from __future__ import annotations

import io
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from pypdf import PdfReader

from coalition.domain.base import RuleBroken
from coalition.domain.statement_state import Text, content_hash
from coalition.pdf import export
from coalition.pdf.document import PROOF_NAME, Proof
from tests.e2e.conftest import services
from tests.e2e.world import World
from tests.integration.test_tamper_and_transfer import DROP_TRIGGERS

RO = {"title": "Râuri curate acum", "body": "Cerem guvernelor să acționeze: ș, ț, ă."}
FORGED = "Forged"

#: One tampering per read-model table the PDF or its verdict could have read.
TAMPERING = {
    "statements": "UPDATE statements SET title = 'Forged title', body = 'Forged body', version_hash = 'f'",
    "statement_translations": "UPDATE statement_translations SET title = 'Forged titlu', body = 'Forged corp'",
    "statement_versions": 'UPDATE statement_versions SET texts = \'{"en": {"title": "Forged", "body": "x"}}\'',
    "statement_signatures": "UPDATE statement_signatures SET signer_name = 'Forged Signer', signer_title = 'Forged'",
    "statement_signatures-withdrawn": "UPDATE statement_signatures SET status = 'withdrawn', event_hash = 'f'",
    "statement_endorsements": "UPDATE statement_endorsements SET name = 'Forged Endorser'",
    "organisations": "UPDATE organisations SET name = 'Forged Org', country = 'FR'",
    "coalition_agreements": "UPDATE coalition_agreements SET name = 'Forged Coalition'",
    "coalition_memberships": "UPDATE coalition_memberships SET state = 'left'",
}


def signed(world: World) -> str:
    """An open statement with a Romanian translation, an endorsement and two organisations' signatures."""
    w = world
    body = {"title": "Clean rivers now", "language": "en", "body": "We call on governments to act."}
    sid = str(w.ok("POST", f"{w.path}/statements", "ana", body)["id"])
    path = f"{w.path}/statements/{sid}"
    w.ok("PUT", f"{path}/translations/ro", "ana", RO)
    w.ok("POST", f"{path}/open", "ana", {})
    w.ok("POST", f"{w.path}/roles", "ana", {"email": w.email("lia"), "organisation_id": w.river, "role": "endorser"})
    w.ok("POST", f"{path}/endorsements", "lia", {"title": "Hydrologist"})
    w.ok("POST", f"{path}/signatures", "mo", {"organisation_id": w.river})
    w.ok("POST", f"/organisations/{w.green}/mandates", "ana", {"email": w.email("ana"), "title": "Coordinator"})
    w.ok("POST", f"{path}/signatures", "ana", {"organisation_id": w.green})
    return sid


def exported(app: Flask, sid: str, directory: Path, language: str | None = None) -> bytes:
    """A freshly rendered PDF (its own, empty cache)."""
    sealer, _ = export.for_app(app)
    made = export.export(services(app).engine, sealer, export.PdfCache(str(directory)), sid, language, "http://x/v")
    assert not made.cached
    return made.pdf


def flat(pdf: bytes) -> str:
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).split())


def proof_of(pdf: bytes) -> Proof:
    return Proof.from_json(PdfReader(io.BytesIO(pdf)).attachments[PROOF_NAME][-1])


def verdict(app: Flask, pdf: bytes) -> dict[str, Any]:
    return export.verify(services(app).engine, export.for_app(app)[0], pdf)


def execute(app: Flask, sql: str, **params: Any) -> None:
    with services(app).engine.begin() as connection:
        connection.execute(sa.text(sql), params)


@pytest.mark.parametrize(
    ("table", "sql"), [pytest.param(key.split("-")[0], sql, id=key) for key, sql in TAMPERING.items()]
)
def test_a_tampered_read_model_changes_neither_the_pdf_nor_the_verdict(
    world: World, tmp_path: Path, table: str, sql: str
) -> None:
    app, sid = world.api.app, signed(world)
    before = {language: exported(app, sid, tmp_path / f"before-{language}", language) for language in ("en", "ro")}

    execute(app, sql)
    after = {language: exported(app, sid, tmp_path / f"after-{language}", language) for language in ("en", "ro")}

    english, romanian = flat(after["en"]), flat(after["ro"])
    assert FORGED not in english and FORGED not in romanian
    for truth in ("Clean rivers now", "We call on governments to act.", "Danube Rivers Coalition", "Lia Kowal"):
        assert truth in english
    for truth in ("River Watch", "Mo Zielinski", "Executive Director", "Green Earth", "Ana Pop", "Poland"):
        assert truth in english
    assert RO["title"] in romanian and "France" not in english
    for language in ("en", "ro"):
        assert proof_of(after[language]) == replace(
            proof_of(before[language]), exported_at=proof_of(after[language]).exported_at
        )
        for pdf in (before[language], after[language]):
            answer = verdict(app, pdf)
            assert answer["valid"] is True, answer["reasons"]
            assert answer["statement"]["signatures"] == 2 and answer["changes_since"]["signatures_added"] == []
    checked = app.test_cli_runner().invoke(args=["projections", "check"])
    assert checked.exit_code == 1
    assert f"DISAGREES: {table} (" in checked.output
    assert checked.output.count("DISAGREES") == 1


def test_the_check_finds_nothing_in_an_untouched_database_and_changes_nothing(world: World) -> None:
    app = world.api.app
    signed(world)
    head = services(app).store.head()[0]

    checked = app.test_cli_runner().invoke(args=["projections", "check"])
    statuses = {s.name: s.position for s in services(app).runner.status()}

    assert checked.exit_code == 0, checked.output
    assert "OK:" in checked.output
    assert set(statuses.values()) == {head}


def test_the_check_names_unknown_projections(world: World) -> None:
    checked = world.api.app.test_cli_runner().invoke(args=["projections", "check", "nope"])

    assert checked.exit_code == 1 and "no projection named nope" in checked.output


def test_a_deleted_row_is_reported_and_left_deleted(world: World) -> None:
    app = world.api.app
    signed(world)
    execute(app, "DELETE FROM statement_signatures WHERE organisation_id = :o", o=world.green)

    checked = app.test_cli_runner().invoke(args=["projections", "check", "statements"])
    with services(app).engine.connect() as connection:
        left = connection.execute(sa.text("SELECT count(*) FROM statement_signatures")).scalar()

    assert checked.exit_code == 1 and "DISAGREES: statement_signatures (statements" in checked.output
    assert "1 rows the log gives are missing" in checked.output
    assert left == 1  # the check rolled its rebuild back


def test_the_proof_carries_the_texts_that_give_the_version_hash_and_each_signer(world: World, tmp_path: Path) -> None:
    app, sid = world.api.app, signed(world)
    proof = proof_of(exported(app, sid, tmp_path))

    texts = {language: Text(title, body) for language, title, body in proof.texts}
    assert content_hash(proof.version_language, texts) == proof.version_hash
    assert sorted((s.signer_name, s.signer_title) for s in proof.signatures) == [
        ("Ana Pop", "Coordinator"),
        ("Mo Zielinski", "Executive Director"),
    ]


def test_an_edited_event_breaks_the_log_the_earlier_pdf_and_the_next_export(world: World, tmp_path: Path) -> None:
    app, sid = world.api.app, signed(world)
    earlier = exported(app, sid, tmp_path / "earlier")
    signatures = list(services(app).store.read_all(types=["StatementSigned"]))  # read whole: no open transaction
    position = next(e.position for e in signatures if e.payload["signer_name"] == "Mo Zielinski")
    with services(app).engine.begin() as connection:
        for drop in DROP_TRIGGERS[connection.dialect.name]:
            connection.exec_driver_sql(drop)
        connection.execute(  # the name is sealed (events/personal.py): change the bytes around it
            sa.text("UPDATE events SET payload = replace(payload, :sealed, :forged) WHERE position = :p"),
            {"p": position, "sealed": '"enc":', "forged": '"forged":true,"enc":'},
        )
    services(app).runner.rebuild()
    runner = app.test_cli_runner()

    checked_log = runner.invoke(args=["events", "verify"])
    answer = verdict(app, earlier)

    assert checked_log.exit_code == 1 and f"BROKEN at position {position}" in checked_log.output
    assert answer["valid"] is False
    assert any(f"positions {position} do not match their hashes" in reason for reason in answer["reasons"])
    with pytest.raises(RuleBroken, match="do not match their hashes"):
        exported(app, sid, tmp_path / "later")


def test_a_proof_whose_texts_do_not_give_its_version_hash_is_not_valid(world: World, tmp_path: Path) -> None:
    from coalition.pdf.render import render_pdf

    app, sid = world.api.app, signed(world)
    with services(app).engine.connect() as connection:
        doc = export.document(connection, sid, None, "http://x/v", proof_of(exported(app, sid, tmp_path)).exported_at)
    texts = tuple((language, "Forged", body) for language, _, body in doc.proof.texts)
    forged = replace(doc, proof=replace(doc.proof, texts=texts))

    answer = verdict(app, export.for_app(app)[0].seal(render_pdf(forged)))

    assert answer["valid"] is False
    assert "the texts in the PDF's proof do not give its version hash" in answer["reasons"]


def test_a_proof_naming_another_signer_is_not_valid(world: World, tmp_path: Path) -> None:
    from coalition.pdf.render import render_pdf

    app, sid = world.api.app, signed(world)
    with services(app).engine.connect() as connection:
        doc = export.document(connection, sid, None, "http://x/v", proof_of(exported(app, sid, tmp_path)).exported_at)
    signatures = tuple(replace(s, signer_name="Forged Signer") for s in doc.proof.signatures)
    forged = replace(doc, proof=replace(doc.proof, signatures=signatures))

    answer = verdict(app, export.for_app(app)[0].seal(render_pdf(forged)))

    assert answer["valid"] is False
    assert any("is not the one the log recorded" in reason for reason in answer["reasons"])


def test_the_cache_key_follows_the_statements_and_the_coalitions_streams_only(world: World, tmp_path: Path) -> None:
    app, sid = world.api.app, signed(world)
    sealer, _ = export.for_app(app)
    cache = export.PdfCache(str(tmp_path))

    def made() -> bool:
        return export.export(services(app).engine, sealer, cache, sid, None, "http://x/v").cached

    first = made()
    world.ok("POST", f"{world.path}/statements", "ana", {"title": "Other", "language": "en", "body": "B"})
    unrelated = made()  # a new statement is another stream
    world.ok("PATCH", f"{world.path}/agreement", "ana", {"name": "Danube and Vistula Rivers Coalition"})

    assert (first, unrelated, made(), made()) == (False, True, False, True)


def test_a_proof_of_the_first_format_is_still_read() -> None:
    old = (
        b'{"format": "coalition-statement-proof/1", "statement_id": "s", "coalition_id": "c", "version_hash": "v",'
        b' "language": "en", "exported_position": 7, "head_hash": "h", "exported_at": "2026-01-01T00:00:00+00:00",'
        b' "signatures": [{"organisation_id": "o", "position": 5, "event_hash": "e"}]}'
    )
    proof = Proof.from_json(old)

    assert (proof.texts, proof.version_language, proof.signatures[0].signer_name) == ((), "", "")
    assert Proof.from_json(proof.to_json()) == proof
