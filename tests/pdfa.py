"""Checking a PDF's PDF/A-3 structure without veraPDF: poppler's `pdfinfo -meta` and `pdffonts`, and pypdf.

`problems(pdf)` lists what keeps a file from being the archival statement PDF (empty when all is
well): the XMP identification (part 3, conformance A), the tags (`/MarkInfo /Marked true`, a structure
tree, every page in its parent tree), title, language and coalition in the XMP,
the document information agreeing with the XMP, the sRGB output intent with its ICC profile, the
proof as an associated file (`/AF`, `/AFRelationship /Data`, media type application/json, dates),
`/Lang`, the file identifier, no encryption, every font embedded.
"""

from __future__ import annotations

import io
import re
import subprocess
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from pypdf import PdfReader

from coalition.pdf.archival import CONFORMANCE, PART, PROOF_MEDIA_TYPE
from coalition.pdf.document import PROOF_NAME

NS = {
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "dc": "http://purl.org/dc/elements/1.1/",
    "pdfaid": "http://www.aiim.org/pdfa/ns/id/",
    "pdf": "http://ns.adobe.com/pdf/1.3/",
    "xmp": "http://ns.adobe.com/xap/1.0/",
}


def poppler(tool: str, pdf: bytes, *options: str) -> str:
    """The output of poppler's `tool` (pdfinfo, pdffonts) run on `pdf`."""
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "statement.pdf"
        path.write_bytes(pdf)
        return subprocess.run([tool, *options, str(path)], capture_output=True, text=True, check=True).stdout


def xmp(pdf: bytes) -> dict[str, Any]:
    """The XMP properties of `pdf` as `pdfinfo -meta` prints them: attributes and (first) element texts."""
    packet = poppler("pdfinfo", pdf, "-meta")
    if "</x:xmpmeta>" not in packet:
        return {}
    root = ET.fromstring(packet[packet.index("<x:xmpmeta") : packet.index("</x:xmpmeta>") + len("</x:xmpmeta>")])
    found: dict[str, Any] = {}
    for description in root.iter(f"{{{NS['rdf']}}}Description"):
        for key, value in description.attrib.items():
            found[key] = value
        for child in description:
            found[child.tag] = [li.text for li in child.iter(f"{{{NS['rdf']}}}li")] or child.text
    return found


def q(prefix: str, name: str) -> str:
    return f"{{{NS[prefix]}}}{name}"


def problems(pdf: bytes, *, title: str, language: str, coalition: str) -> list[str]:
    """Everything that keeps `pdf` from being an archival statement PDF (see the module's docstring)."""
    wrong: list[str] = []
    header = pdf.split(b"\n", 2)
    if not header[0].startswith(b"%PDF-1.") or not (header[1][:1] == b"%" and all(b > 127 for b in header[1][1:5])):
        wrong.append("the header is not %PDF-1.x followed by a comment of four bytes above 127")
    meta = xmp(pdf)
    expected = {
        q("pdfaid", "part"): PART,
        q("pdfaid", "conformance"): CONFORMANCE,
        q("dc", "title"): [title],
        q("dc", "language"): [language],
        q("dc", "publisher"): [coalition],
        q("dc", "creator"): [coalition],
        q("xmp", "CreatorTool"): "Coalition",
    }
    wrong += [
        f"XMP {key} is {meta.get(key)!r}, not {value!r}" for key, value in expected.items() if meta.get(key) != value
    ]
    reader = PdfReader(io.BytesIO(pdf))
    info = reader.metadata or {}
    if info.get("/Producer") not in (None, meta.get(q("pdf", "Producer"))):
        wrong.append(f"the producer differs: {info.get('/Producer')!r} against {meta.get(q('pdf', 'Producer'))!r}")
    if info.get("/Title") != title:
        wrong.append(f"the information dictionary's title is {info.get('/Title')!r}")
    root: Any = reader.trailer["/Root"]
    if root.get("/Lang") != language:
        wrong.append(f"/Lang is {root.get('/Lang')!r}")
    marked = root.get("/MarkInfo")
    if marked is None or not bool(marked.get_object().get("/Marked")) or "/StructTreeRoot" not in root:
        wrong.append("not tagged: no /MarkInfo /Marked true, or no structure tree")
    elif any("/StructParents" not in page for page in reader.pages):
        wrong.append("a page's marked content is not in the structure tree's parent tree")
    if "/Encrypt" in reader.trailer or "/ID" not in reader.trailer:
        wrong.append("encrypted, or without a file identifier")
    intents = [intent.get_object() for intent in root.get("/OutputIntents", [])]
    if not any(i.get("/S") == "/GTS_PDFA1" and int(i["/DestOutputProfile"].get_object()["/N"]) == 3 for i in intents):
        wrong.append("no PDF/A output intent with an RGB ICC profile")
    associated = [spec.get_object() for spec in root.get("/AF", [])]
    proofs = [spec for spec in associated if spec.get("/UF") == PROOF_NAME]
    if len(proofs) != 1 or len(associated) != 1:
        wrong.append(f"/AF should list the proof once and only it: {associated!r}")
    else:
        spec = proofs[0]
        stream = spec["/EF"]["/F"].get_object()
        if spec.get("/AFRelationship") != "/Data":
            wrong.append(f"the proof's relationship is {spec.get('/AFRelationship')!r}")
        if stream.get("/Subtype") != "/" + PROOF_MEDIA_TYPE:
            wrong.append(f"the proof's media type is {stream.get('/Subtype')!r}")
        if "/ModDate" not in stream.get("/Params", {}):
            wrong.append("the proof has no modification date")
    for number, page in enumerate(reader.pages):
        for annotation in page.get("/Annots") or []:
            flags = int(annotation.get_object().get("/F", 0))
            if not flags & 4 or flags & (1 | 2 | 32):
                wrong.append(f"an annotation on page {number + 1} is not printable or is hidden (flags {flags})")
    fonts = poppler("pdffonts", pdf).splitlines()[2:]
    if not fonts or any(re.split(r"\s+", line.strip())[-5] != "yes" for line in fonts):
        wrong.append("a font is not embedded:\n" + "\n".join(fonts))
    return wrong
