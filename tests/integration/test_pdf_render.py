"""The statement PDF as drawn by WeasyPrint: what it shows, what it carries, and what it never fetches."""

from __future__ import annotations

import hashlib
import io
import logging
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pypdf import PdfReader

from coalition.pdf import lines, render
from coalition.pdf.document import PROOF_NAME, CountedSignature, Endorsement, Proof, Signatory, StatementDocument
from coalition.web.i18n import LOCALES
from tests.pdftext import label_beside_or_above, last_page_layout

EXPORTED = datetime(2025, 3, 14, 15, 9, 26, tzinfo=UTC)
HOSTILE = [
    "<style>body{display:none}</style>",
    '<img src="http://127.0.0.1:1/x">',
    '<link rel=stylesheet href="http://127.0.0.1:1/evil.css">',
    "x { background: url(http://127.0.0.1:1/bg.png) }",
    '"><script>alert(1)</script>',
]


def digest(text: str) -> str:
    """A 64-hex-digit stand-in for an event or version hash."""
    return hashlib.sha256(text.encode()).hexdigest()


def make_document(count: int = 3, **changes: Any) -> StatementDocument:
    """A statement in Romanian signed by `count` organisations from up to three countries."""
    countries = [("RO", "Romania"), ("PL", "Poland"), ("HU", "Hungary")]
    people = [
        Signatory(
            f"Organizația {number:03d}",
            *countries[number % 3],
            f"Semnatar {number}",
            "Director",
            datetime(2025, 3, 1, tzinfo=UTC) + timedelta(hours=number),
            f"org-{number}",
        )
        for number in range(count)
    ]
    proof = Proof(
        "statement-1",
        "coalition-1",
        digest("version"),
        "ro",
        500,
        digest("head"),
        EXPORTED,
        tuple(CountedSignature(f"org-{n}", 100 + 7 * n, digest(f"event {n}")) for n in range(count)),
    )
    document = StatementDocument(
        coalition="Coaliția Civică",
        title="Declarație privind transparența",
        body="Cerem **transparență** și *consultare*.\n\n- acces la date\n- dezbateri publice",
        language="ro",
        signatories=tuple(people),
        endorsements=(
            Endorsement("Maria Ionescu", "Profesoară", "Universitatea din Iași", EXPORTED),
            Endorsement("Ion Popa", None, None, EXPORTED),
        ),
        proof=proof,
        verify_url="https://coalition.example.org/verify",
        languages=("ro", "en"),
    )
    return replace(document, **changes)


def text_of(pdf: bytes, page: int | None = None) -> str:
    """The PDF's text (one page or all), with runs of whitespace made single spaces."""
    pages = PdfReader(io.BytesIO(pdf)).pages
    chosen = pages if page is None else [pages[page]]
    return " ".join(" ".join(p.extract_text() for p in chosen).split())


@pytest.fixture(scope="module")
def document() -> StatementDocument:
    """The sample statement every read-only test looks at."""
    return make_document()


@pytest.fixture(scope="module")
def pdf(document: StatementDocument) -> bytes:
    """Its PDF, drawn once for the module."""
    return render.render_pdf(document)


@pytest.fixture
def fetched(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every URL WeasyPrint asks the renderer's fetcher for while the test runs."""
    urls: list[str] = []

    class Recording(render._fetcher_class()):  # type: ignore[misc]
        def fetch(self, url: str, headers: Any = None) -> Any:
            urls.append(url)
            return super().fetch(url, headers)

    monkeypatch.setattr(render, "url_fetcher", Recording)
    yield urls


def test_the_pdf_shows_title_body_summary_signatories_and_endorsements(pdf: bytes, document: StatementDocument) -> None:
    text = text_of(pdf)
    for shown in (
        "Coaliția Civică",
        "Declarație privind transparența",
        "Cerem transparență și consultare",
        "acces la date",
        "Semnată de 3 organizații din 3 țări",
        "Susțineri personale",
        "Maria Ionescu, Profesoară, Universitatea din Iași",
        "Ion Popa",
    ):
        assert shown in text
    for signatory in document.signatories:
        assert signatory.organisation in text and signatory.signer in text
        assert render.country(signatory.country, "ro") in text  # "România", "Polonia", "Ungaria"


def test_romanian_letters_come_back_out_of_the_pdf() -> None:
    title = "Șase țări își asumă; Zażółć gęślą jaźń; Árvíztűrő tükörfúrógép"
    assert title in text_of(render.render_pdf(make_document(1, title=title)))


def test_the_summary_counts_in_the_pdfs_language_with_its_plural_forms() -> None:
    english = {n: render.summary(make_document(n, language="en")) for n in (1, 2)}
    romanian = {n: render.summary(make_document(n)) for n in (1, 2, 20)}

    assert english == {1: "Signed by 1 organisation from 1 country", 2: "Signed by 2 organisations from 2 countries"}
    assert romanian[1] == "Semnată de 1 organizație din 1 țară"
    assert romanian[2] == "Semnată de 2 organizații din 2 țări"
    assert romanian[20].startswith("Semnată de 20 de organizații")  # Romanian's third form, from 20 on


@pytest.mark.parametrize("language", [code for code in LOCALES if code != "en"])
def test_every_word_of_the_pdf_is_translated_and_english_is_the_fallback(language: str) -> None:
    english, translated = render.labels("en"), render.labels(language)

    assert render.labels("de") == english  # no catalogue for German: English
    same_everywhere = {"verify_command", "issued"}  # a command; "%(place)s, %(date)s" in every language
    untranslated = [key for key in english if key not in same_everywhere and english[key] == translated[key]]
    assert untranslated == []
    assert all(field in translated["verify"] for field in ("{verify_url}", "{command}", "{proof}"))


def test_no_signatures_yet_is_said_plainly() -> None:
    pdf = render.render_pdf(make_document(0, endorsements=(), language="en"))
    text = text_of(pdf)
    assert "No organisation has signed yet." in text
    assert "Signed by 0" not in text and "Signatories" not in text and "Personal endorsements" not in text


def test_signatories_are_listed_by_organisation_name_ignoring_accents() -> None:
    names = ["Zeta", "Ștefan Fund", "Alfa", "Sigma", "Łąka", "Lira"]
    people = tuple(replace(make_document(1).signatories[0], organisation=name) for name in names)
    html = render.statement_html(make_document(0, signatories=people))
    assert sorted(names, key=html.index) == ["Alfa", "Łąka", "Lira", "Sigma", "Ștefan Fund", "Zeta"]


def test_the_last_page_is_the_certificate(pdf: bytes, document: StatementDocument) -> None:
    last = text_of(pdf, page=-1)
    proof = document.proof
    heading = render.labels(document.language)["certificate"]  # in Romanian, the document's language
    assert heading in last and heading not in text_of(pdf, page=0)
    for figure in (
        proof.statement_id,
        proof.version_hash,
        proof.head_hash,
        str(proof.exported_position),
        "2025-03-14T15:09:26Z",
        "flask statements verify-pdf FILE",
        PROOF_NAME,
        document.verify_url,
    ):
        assert figure in last
    for signature, signatory in zip(proof.signatures, document.signatories, strict=True):
        assert f"{signature.position} {signature.event_hash} {signatory.organisation}" in last


def test_every_page_has_its_number_and_the_short_version_hash() -> None:
    pdf = render.render_pdf(make_document(150))
    pages = PdfReader(io.BytesIO(pdf)).pages
    assert len(pages) > 2
    for number, page in enumerate(pages, start=1):
        text = page.extract_text()
        assert f"pagina {number} din {len(pages)}" in text and digest("version")[:12] in text  # in Romanian
    assert "Coaliția Civică" in pages[1].extract_text()


def test_long_organisation_names_wrap_under_their_column_in_the_certificate() -> None:
    people = (replace(make_document(1).signatories[0], organisation="Asociația " * 30),)
    [row] = lines.certificate_rows(make_document(1, signatories=people))
    first, *more = row.split("\n")
    assert more and all(line.startswith(" " * lines.CERTIFICATE_INDENT) for line in more)
    assert all(len(line) <= lines.CERTIFICATE_COLUMNS for line in (first, *more))


def test_the_layout_fingerprint_covers_every_pdf_module_the_renderer_draws_with() -> None:
    import ast
    from pathlib import Path

    tree = ast.parse(Path(render.__file__).read_text())
    drawn_with = {node.module for node in tree.body if isinstance(node, ast.ImportFrom) and node.module}
    drawn_with |= {
        f"{node.module}.{alias.name}"
        for node in tree.body
        if isinstance(node, ast.ImportFrom) and node.module == "coalition.pdf"
        for alias in node.names
    }
    package = Path(render.__file__).parent
    modules = {package / f"{name.rsplit('.', 1)[1]}.py" for name in drawn_with if name.startswith("coalition.pdf.")}
    assert modules and modules | {Path(render.__file__)} <= set(render.LAYOUT_SOURCES)
    assert len(render.layout_version()) == 16


def test_the_embedded_proof_is_the_documents_proof(pdf: bytes, document: StatementDocument) -> None:
    attachments = PdfReader(io.BytesIO(pdf)).attachments
    assert list(attachments) == [PROOF_NAME]
    assert Proof.from_json(attachments[PROOF_NAME][0]) == document.proof


def test_the_pages_are_a4_portrait(pdf: bytes) -> None:
    for page in PdfReader(io.BytesIO(pdf)).pages:
        assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (595, 842)


def test_the_metadata_names_the_title_and_language(pdf: bytes) -> None:
    reader = PdfReader(io.BytesIO(pdf))
    assert reader.metadata is not None and reader.metadata.title == "Declarație privind transparența"
    assert reader.trailer["/Root"]["/Lang"] == "ro"


def test_the_same_document_gives_the_same_bytes(pdf: bytes, document: StatementDocument) -> None:
    assert render.render_pdf(document) == pdf


@pytest.mark.parametrize("field", ["coalition", "title", "body", "organisation", "signer", "role", "endorser"])
def test_markup_in_any_text_is_shown_escaped_and_never_fetched(field: str, fetched: list[str]) -> None:
    hostile = " ".join(HOSTILE)
    document = make_document(1)
    signatory, endorsement = document.signatories[0], document.endorsements[0]
    changes: dict[str, Any] = {
        "organisation": {"signatories": (replace(signatory, organisation=hostile),)},
        "signer": {"signatories": (replace(signatory, signer=hostile),)},
        "role": {"signatories": (replace(signatory, title=hostile),)},
        "endorser": {"endorsements": (replace(endorsement, name=hostile),)},
    }.get(field, {field: hostile})
    document = replace(document, **changes)
    html = render.statement_html(document)
    for attack in ("<style>body", "<img", "<link", "<script"):
        assert attack not in html
    assert "&lt;style&gt;body{display:none}&lt;/style&gt;" in html
    shown = text_of(render.render_pdf(document)).replace(" ", "")  # a long title wraps anywhere
    assert all(attack.replace(" ", "") in shown for attack in HOSTILE)
    assert fetched == []


def test_markdown_links_and_images_are_never_fetched(fetched: list[str]) -> None:
    body = (
        "See [the law](http://127.0.0.1:1/law) and [a file](file:///etc/passwd).\n\n"
        "![tracker](http://127.0.0.1:1/pixel.png) ![local](file:///etc/hostname)"
    )
    pdf = render.render_pdf(make_document(1, body=body))
    assert fetched == []
    assert "the law" in text_of(pdf) and "[a file](file:///etc/passwd)" in text_of(pdf)


def test_the_fetcher_serves_the_apps_static_files() -> None:
    response = render.url_fetcher().fetch((render.STATIC / "style.css").as_uri())
    assert b"--accent" in response.read()


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:1/x",
        "https://example.org/style.css",
        "file:///etc/passwd",
        "data:text/css,body{}",
        (render.STATIC / ".." / "__init__.py").as_uri(),
        render.STATIC.as_uri() + "/%2e%2e/__init__.py",
        "file://evil.example/" + str(render.STATIC / "style.css"),
        render.STATIC.as_uri() + "/",
    ],
)
def test_the_fetcher_refuses_everything_else(url: str) -> None:
    with pytest.raises(ValueError, match="only uses the app's own static files"):
        render.url_fetcher().fetch(url)


def test_references_in_the_html_to_anywhere_else_are_skipped(caplog: pytest.LogCaptureFixture) -> None:
    html = (
        '<link rel="stylesheet" href="http://127.0.0.1:1/a.css"><img src="file:///etc/passwd">'
        '<p style="background: url(http://127.0.0.1:1/b.png)">still drawn</p>'
    )
    with caplog.at_level(logging.ERROR, logger="weasyprint"):
        pdf = render.bare_pdf(html)
    assert "still drawn" in text_of(pdf)
    assert caplog.text.count("only uses the app's own static files") == 3


def test_the_bare_pdf_carries_no_attachment(document: StatementDocument) -> None:
    assert PdfReader(io.BytesIO(render.bare_pdf(render.statement_html(document)))).attachments == {}


def test_each_certificate_value_stands_beside_its_label_when_a_romanian_label_wraps() -> None:
    document = make_document(3)
    lines = last_page_layout(render.render_pdf(document))
    beside = {
        "Poziția în jurnal la": "500",
        "Hash-ul ultimei": document.proof.head_hash,
        "Exportat la (UTC)": "2025-03-14T15:09:26Z",
    }
    for label, value in beside.items():
        assert any(line.startswith(label) and line.endswith(value) for line in lines), (label, lines)
    assert "Cum se verifică" in lines  # the next heading starts below the table, on a line of its own


@pytest.mark.parametrize(
    ("language", "phase", "said"),
    [
        ("en", "open", "Open for signature — not final"),
        ("en", "closed", "Closed — not published"),
        ("ro", "open", "Deschisă spre semnare — nu este finală"),
        ("ro", "closed", "Închisă — nepublicată"),
    ],
)
def test_every_page_of_a_pdf_that_is_not_final_says_so(language: str, phase: str, said: str) -> None:
    pdf = render.render_pdf(make_document(150, language=language, phase=phase))
    pages = PdfReader(io.BytesIO(pdf)).pages
    assert len(pages) > 2
    assert all(said in " ".join(page.extract_text().split()) for page in pages)


def test_a_published_pdf_says_nothing_extra_and_is_dated_by_its_publication() -> None:
    published = datetime(2025, 3, 10, 9, 30, tzinfo=UTC)
    for language, date in (("en", "Published on March 10, 2025"), ("ro", "Publicată la 10 martie 2025")):
        document = make_document(3, language=language, phase="published", published_at=published)
        text = text_of(render.render_pdf(document))
        assert date in text
        assert not any(s in text for s in ("not final", "not published", "nu este finală", "nepublicată"))


def test_the_pdf_is_dated_in_its_languages_words() -> None:
    assert "PDF generat la 14 martie 2025" in text_of(render.render_pdf(make_document(1, phase="open")), page=0)
    assert "PDF made on March 14, 2025" in render.dateline(make_document(1, language="en"))
    assert render.day(EXPORTED, "xx-unknown") == "March 14, 2025"  # a language Babel does not know: English


def test_signatories_are_a_table_grouped_by_country_named_in_the_documents_language() -> None:
    groups = render.signatory_groups(make_document(6))
    assert [country for country, _ in groups] == ["Polonia", "România", "Ungaria"]
    assert [row[0] for row in groups[1][1]] == ["Organizația 000", "Organizația 003"]
    assert groups[1][1][0][2:] == ("Semnatar 0", "Director", "1 mar. 2025")
    english = render.signatory_groups(make_document(3, language="en"))
    assert [country for country, _ in english] == ["Hungary", "Poland", "Romania"]
    nowhere = replace(make_document(1).signatories[0], country="", country_name="")
    assert render.signatory_groups(make_document(0, signatories=(nowhere,)))[0][0] == "Țară nedeclarată"


def test_the_signatory_table_repeats_its_header_and_never_splits_a_row() -> None:
    html = render.statement_html(make_document(3))
    assert "<thead><tr><th>Organizație</th><th>Semnat de</th><th>Titlu</th><th>Data</th></tr></thead>" in html
    css = (render.TEMPLATES / "pdf" / "statement.css").read_text()
    assert "table.signatories tr { break-inside: avoid; }" in css
    assert "font-size: 10pt" in css.split("table.signatories {", 1)[1].split("}", 1)[0]
    pages = PdfReader(io.BytesIO(render.render_pdf(make_document(60)))).pages
    texts = [" ".join(page.extract_text().split()) for page in pages]
    with_rows = [text for text in texts if "Semnatar " in text and "Certificatul" not in text]
    assert len(with_rows) >= 3
    assert all("Organizație Semnat de Titlu Data" in text for text in with_rows)


def test_endorsement_dates_are_written_in_the_documents_language() -> None:
    html = render.statement_html(make_document(1))
    assert "Maria Ionescu, Profesoară, Universitatea din Iași · 14 mar. 2025" in html


def test_a_single_new_line_inside_a_paragraph_is_a_space_in_the_pdf() -> None:
    body = "We, the undersigned,\nask the ministry\nto act.\n\nA second paragraph."
    html = render.statement_html(make_document(1, body=body))
    assert "<p>We, the undersigned,\nask the ministry\nto act.</p>" in html and "<br" not in html
    text = text_of(render.render_pdf(make_document(1, body=body)), page=0)
    assert "We, the undersigned, ask the ministry to act." in text


def test_a_links_address_is_printed_after_its_text_unless_the_text_is_the_address() -> None:
    body = "See [the consultation](https://gov.example.ro/c?a=1&b=2) and <https://example.org>."
    html = render.statement_html(make_document(1, body=body))
    assert '<a class="print-url" href="https://gov.example.ro/c?a=1&amp;b=2"' in html
    assert '<a href="https://example.org"' in html  # its text is its address: not printed twice
    text = text_of(render.render_pdf(make_document(1, body=body)), page=0)
    assert "the consultation (https://gov.example.ro/c?a=1&b=2)" in text
    assert "https://example.org." in text and "(https://example.org)" not in text


@pytest.mark.parametrize("language", LOCALES)
def test_every_certificate_label_sits_on_the_line_of_its_value_or_directly_above_it(language: str) -> None:
    document = make_document(3, language=language)
    proof, words = document.proof, render.labels(language)
    lines_ = last_page_layout(render.render_pdf(document))
    facts = {
        words["statement_id"]: proof.statement_id,
        words["version_hash"]: proof.version_hash,
        words["language"]: proof.language,
        words["languages"]: ", ".join(sorted({"en", "ro", language})),
        words["head_position"]: str(proof.exported_position),
        words["head_hash"]: proof.head_hash,
        words["exported_at"]: "2025-03-14T15:09:26Z",
    }
    wrong = {label: value for label, value in facts.items() if not label_beside_or_above(lines_, label, value)}
    assert not wrong, (wrong, lines_)
    if language != "en":  # the labels are the language's own, not English left in place
        heading = words["certificate"].replace("\xad", "")  # a soft hyphen is printed only where a line breaks
        assert heading != render.labels("en")["certificate"] and heading in lines_


def test_a_published_pdf_is_dated_on_the_coalitions_day_at_its_place() -> None:
    late = datetime(2026, 12, 4, 19, 14, tzinfo=UTC)  # already 5 December on Kiritimati (UTC+14)
    there = make_document(1, phase="published", published_at=late, time_zone="Pacific/Kiritimati", place="Tarawa")
    assert render.dateline(there) == "Tarawa, 5 decembrie 2026"
    here = make_document(1, phase="published", published_at=late, language="en", place="Bucharest")
    assert render.dateline(here) == "Bucharest, December 4, 2026"  # a coalition without a zone: UTC
