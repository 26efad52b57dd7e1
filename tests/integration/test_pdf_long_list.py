"""A statement with more than `lines.TABLE_LIMIT` signatories lists them without a table: two text runs each
(the organisation; who signed, their title, the day and the mark), grouped by country like the table, and the
PDF stays PDF/A-3a, tagged in reading order. Smaller statements keep the table."""

from __future__ import annotations

import pytest

from coalition.pdf import lines, render
from coalition.pdf.seal import Sealer
from tests.integration.test_pdf_render import make_document, text_of
from tests.pdfa import poppler, problems


def test_a_row_becomes_the_organisation_then_who_signed_their_title_the_day_and_the_mark() -> None:
    row = ("Organizația 000 (@ong.ro)", "neverificată", "Ana Pop", "Directoare", "1 mar. 2025")
    signed = "Ana Pop, Directoare · 1 mar. 2025 · neverificată"
    assert lines.signatory_entry(row) == ("Organizația 000 (@ong.ro)", signed)
    untitled = (*row[:3], "", row[4])  # an erased signer has no title: no dangling comma
    assert lines.signatory_entry(untitled)[1] == "Ana Pop · 1 mar. 2025 · neverificată"
    assert lines.signatory_legend(("Organizație", "Semnat de", "Titlu", "Data")) == (
        "Organizație",
        "Semnat de, Titlu · Data",
    )


def test_up_to_the_limit_the_signatories_are_a_table_and_beyond_it_a_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lines, "TABLE_LIMIT", 3)
    assert '<table class="signatories">' in render.statement_html(make_document(3))
    html = render.statement_html(make_document(4))
    assert '<table class="signatories">' not in html and "<thead>" not in html
    assert '<div class="lines legend"><div>Organizație</div><div>Semnat de, Titlu · Data</div></div>' in html
    countries = [html.index(f'<h3 class="country">{name}</h3>') for name in ("Polonia", "România", "Ungaria")]
    assert countries == sorted(countries)  # the table's groups, in the same order


def test_the_list_prints_every_signatory_under_their_country(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lines, "TABLE_LIMIT", 3)
    document = make_document(6)
    text = text_of(render.render_pdf(document))
    unverified = render.labels("ro")["unverified"]
    assert "Organizație Semnat de, Titlu · Data" in text
    romania = text.index("România")
    assert text.index(f"Organizația 000 Semnatar 0, Director · 1 mar. 2025 · {unverified}") > romania
    assert text.index(f"Organizația 003 Semnatar 3, Director · 1 mar. 2025 · {unverified}") > romania
    assert text.index("Organizația 001") < romania  # Polonia comes first
    assert text.count(unverified) == 6


def test_the_list_is_pdf_a_3a_tagged_in_reading_order_and_sealable(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    monkeypatch.setattr(lines, "TABLE_LIMIT", 3)
    document = make_document(6)
    sealed = Sealer.for_instance(str(tmp_path_factory.mktemp("instance"))).seal(render.render_pdf(document))
    assert problems(sealed, title=document.title, language=document.language, coalition=document.coalition) == []
    tree = poppler("pdfinfo", sealed, "-struct-text")
    printed = [organisation for _, rows in render.signatory_groups(document) for organisation, *_ in rows]
    found = [tree.find(organisation) for organisation in printed]
    assert -1 not in found and found == sorted(found)
    assert -1 < tree.find("H3") < tree.find("Organizația 001")  # each country is a heading above its signatories
