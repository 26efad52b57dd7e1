"""Making the statement PDF archival: PDF/A-3a (tagged), with the proof as an associated file and XMP metadata.

WeasyPrint writes the PDF/A parts (`VARIANT`): the XMP packet with `pdfaid:part` 3 and conformance A,
the structure tree (headings, paragraphs, lists, the text of every box; `/MarkInfo /Marked true`),
the sRGB output intent, the file identifier, and the proof's file specification with its
`/AFRelationship` listed in the catalog's `/AF`. `finish` (WeasyPrint's finisher) then adds what
WeasyPrint does not: the statement's language, the coalition as publisher and subject in the XMP
(Dublin Core only, so no PDF/A extension schema is needed), and it drops the document information's
`/Producer` and the repeated entries WeasyPrint writes into `/AF`. pyHanko's seal writes its own producer
into both the information dictionary and the XMP, which would otherwise disagree. The seal is an
incremental update that keeps all of this.

The structure tree is thousands of small dictionaries (about 1,500 for 500 signatories): written out one by
one they tripled the file, so they go into a deflated object stream (`streams.pack_objects`). Building the tree
costs WeasyPrint 1–2 % of a 500-signatory render (docs/benchmarks.md).
"""

from __future__ import annotations

from typing import Any
from xml.sax.saxutils import escape

from coalition.pdf import streams

#: WeasyPrint's PDF variant for statement PDFs: PDF/A-3, level A (tagged; Unicode text, every font embedded).
VARIANT = "pdf/a-3a"
#: What `pdfinfo -meta` shows of it.
PART, CONFORMANCE = "3", "A"
#: The proof's media type, which WeasyPrint derives from its name.
PROOF_MEDIA_TYPE = "application/json"

_DUBLIN_CORE = "http://purl.org/dc/elements/1.1/"
_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"


def description(language: str, coalition: str) -> bytes:
    """The XMP description naming the statement's language and the coalition (publisher and subject)."""
    bag = "<rdf:Bag><rdf:li>{}</rdf:li></rdf:Bag>"
    return (
        f'<rdf:Description xmlns:rdf="{_RDF}" xmlns:dc="{_DUBLIN_CORE}" rdf:about="">'
        f"<dc:language>{bag.format(escape(language))}</dc:language>"
        f"<dc:publisher>{bag.format(escape(coalition))}</dc:publisher>"
        f"<dc:subject>{bag.format(escape(coalition))}</dc:subject>"
        "</rdf:Description>"
    ).encode()


def finisher(language: str, coalition: str) -> Any:
    """WeasyPrint's finisher for a statement PDF: the XMP additions, no `/Producer`, then the streams deflated."""

    def finish(document: Any, pdf: Any) -> None:
        addition = description(language, coalition)
        for item in pdf.objects:
            extra = getattr(item, "extra", None)
            if isinstance(extra, dict) and extra.get("Type") == "/Metadata":
                packet = b"".join(streams.stream_bytes(part) for part in item.stream)
                item.stream = [packet.replace(b"</rdf:RDF>", addition + b"</rdf:RDF>", 1)]
        pdf.info.pop("Producer", None)
        if "AF" in pdf.catalog:  # WeasyPrint lists each file once from the name tree and once more by itself
            pdf.catalog["AF"] = type(pdf.catalog["AF"])(dict.fromkeys(pdf.catalog["AF"]))
        streams.compress_streams(document, pdf)
        streams.pack_objects(pdf)

    return finish
