"""Sealed statement exports are archival: PDF/A-3a (tagged) with the proof associated, in every language, by
download and by `flask statements export`, and they still verify."""

from __future__ import annotations

from pathlib import Path

from coalition.pdf.export import for_app
from tests.e2e.test_statement_pdf import RO, download, published, verify
from tests.e2e.world import AGREEMENT, Api, World
from tests.pdfa import poppler, problems

COALITION = str(AGREEMENT["name"])


def test_sealed_downloads_are_pdf_a_3a_in_both_languages_and_verify(world: World, api: Api) -> None:
    statement = published(world)
    sealer, _ = for_app(api.app)
    for lang, title in (("en", "Clean rivers now"), ("ro", RO["title"])):
        pdf = download(world, statement.path, lang).data
        assert problems(pdf, title=title, language=lang, coalition=COALITION) == []
        assert 'pdfaid:part="3"' in poppler("pdfinfo", pdf, "-meta")
        assert sealer.inspect(pdf).valid
        assert verify(api, pdf)["valid"] is True


def test_the_cli_export_is_pdf_a_3a(world: World, api: Api, tmp_path: Path) -> None:
    statement = published(world)
    exported = tmp_path / "statement.pdf"
    runner = api.app.test_cli_runner()
    result = runner.invoke(args=["statements", "export", statement.id, str(exported), "--lang", "ro"])
    assert result.exit_code == 0, result.output
    pdf = exported.read_bytes()
    assert problems(pdf, title=RO["title"], language="ro", coalition=COALITION) == []
    assert 'pdfaid:conformance="A"' in poppler("pdfinfo", pdf, "-meta")
