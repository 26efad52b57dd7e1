"""The statement PDF is PDF/A-3a (tagged), with its proof as an associated file, and sealing keeps it so."""

from __future__ import annotations

import io
import re
from dataclasses import replace
from pathlib import Path

import pytest
from pypdf import PdfReader

from coalition.pdf import archival, render
from coalition.pdf.document import StatementDocument
from coalition.pdf.seal import Sealer
from tests.integration.test_pdf_render import make_document
from tests.pdfa import NS, poppler, problems, q, xmp


@pytest.fixture(scope="module")
def document() -> StatementDocument:
    return make_document(5)


@pytest.fixture(scope="module")
def pdf(document: StatementDocument) -> bytes:
    return render.render_pdf(document)


@pytest.fixture(scope="module")
def sealed(pdf: bytes, tmp_path_factory: pytest.TempPathFactory) -> bytes:
    return Sealer.for_instance(str(tmp_path_factory.mktemp("instance"))).seal(pdf)


def expected(document: StatementDocument) -> dict[str, str]:
    return {"title": document.title, "language": document.language, "coalition": document.coalition}


def test_the_rendered_pdf_is_pdf_a_3a_with_the_proof_associated(pdf: bytes, document: StatementDocument) -> None:
    assert problems(pdf, **expected(document)) == []


def test_the_sealed_pdf_is_still_pdf_a_3a_and_its_proof_is_found(
    sealed: bytes, pdf: bytes, document: StatementDocument, tmp_path: Path
) -> None:
    assert problems(sealed, **expected(document)) == []
    assert re.search(r'pdfaid:part="3"', poppler("pdfinfo", sealed, "-meta"))
    assert re.search(r'pdfaid:conformance="A"', poppler("pdfinfo", sealed, "-meta"))
    assert sealed.startswith(pdf)  # an incremental update: the PDF/A file is untouched underneath
    report = Sealer.for_instance(str(tmp_path)).inspect(sealed)
    assert report.proof == document.proof.to_json() and report.reasons[0].startswith("the seal was made by another")


def test_the_structure_tree_carries_the_text_in_reading_order(sealed: bytes, document: StatementDocument) -> None:
    assert "Tagged:          yes" in poppler("pdfinfo", sealed)
    tree = poppler("pdfinfo", sealed, "-struct-text")
    heading = tree.index("H1 (block)")
    assert document.title in tree[heading : heading + 200]
    printed = [organisation for _, rows in render.signatory_groups(document) for organisation, *_ in rows]
    found = [tree.find(organisation) for organisation in printed]
    assert len(printed) == len(document.signatories)
    assert -1 not in found and found == sorted(found)  # every signatory, in the order printed (by country)
    assert tree.index("L (block)") > heading  # the body's list stays a list


def test_the_structure_tree_is_packed_into_an_object_stream(pdf: bytes) -> None:
    assert b"/Type /ObjStm" in pdf and b"/Type /XRef" in pdf  # not thousands of loose dictionaries
    assert b"/StructElem" not in pdf  # only inside the deflated object stream


def test_the_seals_widget_is_printable_and_needs_no_appearance(sealed: bytes) -> None:
    reader = PdfReader(io.BytesIO(sealed))
    widgets = [a.get_object() for page in reader.pages for a in page.get("/Annots") or []]
    seal = [w for w in widgets if w.get("/FT") == "/Sig"]
    assert len(seal) == 1 and [float(x) for x in seal[0]["/Rect"]] == [0, 0, 0, 0] and int(seal[0]["/F"]) & 4


def test_the_seal_leaves_the_xmp_and_the_information_dictionary_agreeing(sealed: bytes) -> None:
    meta, info = xmp(sealed), PdfReader(io.BytesIO(sealed)).metadata or {}
    assert info["/Producer"] == meta[q("pdf", "Producer")]
    assert info["/ModDate"].startswith("D:" + meta[q("xmp", "ModifyDate")][:19].translate(str.maketrans("", "", "-T:")))


def test_the_unsealed_pdf_has_no_producer_for_the_seal_to_append_to(pdf: bytes) -> None:
    assert "/Producer" not in (PdfReader(io.BytesIO(pdf)).metadata or {})


def test_markup_in_the_coalitions_name_stays_text_in_the_xmp() -> None:
    hostile = '</rdf:li></rdf:Bag><x & "y">'
    document = make_document(1, coalition=hostile)
    meta = xmp(render.render_pdf(document))
    assert meta[q("dc", "publisher")] == [hostile] and meta[q("dc", "subject")] == [hostile]


def test_the_description_is_well_formed_xml_naming_language_and_coalition() -> None:
    import xml.etree.ElementTree as ET

    element = ET.fromstring(archival.description("ro", "Coaliția & co"))
    assert [li.text for li in element.iter(f"{{{NS['rdf']}}}li")] == ["ro", "Coaliția & co", "Coaliția & co"]


def test_the_bare_render_stays_plain_pdf_and_the_check_says_what_it_lacks(document: StatementDocument) -> None:
    bare = render.bare_pdf(render.statement_html(document))
    assert "pdfaid" not in poppler("pdfinfo", bare, "-meta")
    found = "\n".join(problems(bare, **expected(document)))
    lacks = (
        "part is None",
        "language is None",
        "without a file identifier",
        "no PDF/A output intent",
        "/AF",
        "not tagged",
    )
    for lack in lacks:
        assert lack in found


def test_the_same_document_still_gives_the_same_bytes(pdf: bytes, document: StatementDocument) -> None:
    assert render.render_pdf(replace(document)) == pdf
