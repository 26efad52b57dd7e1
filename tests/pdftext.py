"""The text of a PDF page as laid out (`pdftotext -layout`), and PDF pages as PNG images (`pdftoppm`)."""

from __future__ import annotations

import io
import subprocess
import tempfile
from pathlib import Path

from pypdf import PdfReader


def last_page_layout(pdf: bytes) -> list[str]:
    """The last page's lines as poppler lays them out, stripped, blank ones left out."""
    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "document.pdf"
        path.write_bytes(pdf)
        layout = subprocess.run(
            ["pdftotext", "-layout", "-f", str(pages), "-l", str(pages), str(path), "-"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    return [line.strip() for line in layout.splitlines() if line.strip()]


def label_beside_or_above(lines: list[str], label: str, value: str) -> bool:
    """The label starts a line and its value ends that line, or the label is alone and the value is the next line,
    or the label wraps: its first words and the value make a line and the rest of it the lines after."""
    for i, line in enumerate(lines):
        if _wrapped_beside(lines, i, label, value):
            return True
        if not line.startswith(label) or (line != label and line[len(label)] != " "):
            continue
        if line[len(label) :].strip() == value or (line == label and i + 1 < len(lines) and lines[i + 1] == value):
            return True
    return False


def _wrapped_beside(lines: list[str], i: int, label: str, value: str) -> bool:
    """Line `i` is the label's first words and the value; the following lines, whole, are the rest of the label."""
    line = lines[i]
    if not line.endswith(" " + value):
        return False
    head = line[: -len(value)].strip()
    if not head or head == label or not label.startswith(head + " "):
        return False
    rest, j = label[len(head) :].strip(), i + 1
    while rest and j < len(lines) and (rest == lines[j] or rest.startswith(lines[j] + " ")):
        rest, j = rest[len(lines[j]) :].strip(), j + 1
    return not rest


def to_png(pdf: bytes, prefix: Path, resolution: int = 50) -> list[Path]:
    """Every page as `<prefix>-<n>.png` (poppler's numbering); the paths, in page order."""
    prefix.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "document.pdf"
        path.write_bytes(pdf)
        subprocess.run(["pdftoppm", "-png", "-r", str(resolution), str(path), str(prefix)], check=True)
    return sorted(prefix.parent.glob(f"{prefix.name}-*.png"))
