"""The lines of text a statement's PDF lists: signatories, endorsements, and the certificate's fixed-width rows.

Each list entry is one text run in one block: WeasyPrint's cost grows with every extra box per
line (a bold span or a table cell costs as much as a whole line), and 500 entries must stay fast.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable
from datetime import UTC, datetime

from coalition.pdf.document import Endorsement, StatementDocument

#: Columns of the certificate's log position (right-aligned); later columns line up below each other.
POSITION_WIDTH = 9
#: The certificate's rows are set in DejaVu Sans Mono at 6.5pt (statement.css), each character 0.602 em
#: wide: 126 columns fill the A4 text width (595pt less two 17mm margins: 499pt).
CERTIFICATE_COLUMNS = 126
#: Where the organisation's column starts: after the position, the 64-character hash, and gaps.
CERTIFICATE_INDENT = POSITION_WIDTH + 2 + 64 + 2
# A long text node costs WeasyPrint time growing with the square of its length (it re-encodes the rest
# of the text at every line), one block per line costs a box each: blocks of 25 lines cost least.
CHUNK = 25
#: Up to this many signatories the statement PDF lists them as a table (organisation, signer, title, day in
#: columns); more are listed as two text runs each (`signatory_entry`), grouped by country alike. Every table cell
#: is a block of its own: at 500 rows the table alone took longer than the 1.5 s an export may take
#: (docs/benchmarks.md, "Long signatory lists").
TABLE_LIMIT = 150


def one_line(text: str) -> str:
    """`text` with every run of whitespace (new lines too) made one space."""
    return " ".join(text.split())


_one_line = one_line


def _day(moment: datetime) -> str:
    return (moment.astimezone(UTC) if moment.tzinfo else moment).date().isoformat()


def utc(moment: datetime) -> str:
    """A moment in UTC to the second, as ISO 8601 with a trailing Z."""
    moment = moment.astimezone(UTC) if moment.tzinfo else moment
    return moment.replace(microsecond=0, tzinfo=None).isoformat() + "Z"


def sort_key(name: str) -> tuple[str, str]:
    """The order names are listed in: by their letters without marks, then as written."""
    # "Ștefan" sorts with the S's, "Łódź" with the L's: compare the letters without their marks first.
    bare = "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c))
    return bare.replace("ł", "l").replace("Ł", "L").casefold(), name


def _joined(parts: Iterable[str | None]) -> str:
    return ", ".join(_one_line(part) for part in parts if part and part.strip())


def endorsement_line(endorsement: Endorsement, day: Callable[[datetime], str] | None = None) -> str:
    """One personal endorsement as the single line of text the PDF lists (the day as `day` writes it, else ISO)."""
    when = (day or _day)(endorsement.endorsed_at)
    return f"{_joined((endorsement.name, endorsement.title, endorsement.organisation))} · {when}"


def signatory_entry(row: tuple[str, str, str, str, str]) -> tuple[str, str]:
    """A row of the signatory table (organisation, mark, signer, title, day) as the two text runs a long list
    prints: the organisation, then who signed, their title, the day and the mark (`signatory_legend`'s order)."""
    organisation, mark, signer, title, signed = row
    return organisation, f"{_joined((signer, title))} · {signed} · {mark}"


def signatory_legend(columns: tuple[str, str, str, str]) -> tuple[str, str]:
    """The table's column headings as the two lines of the list's key, in `signatory_entry`'s order."""
    return columns[0], f"{columns[1]}, {columns[2]} · {columns[3]}"


def _columns(text: str) -> int:
    return sum(0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _fit(word: str, width: int) -> int:
    used = 0
    for index, character in enumerate(word):
        used += _columns(character)
        if used > width:
            return max(index, 1)
    return len(word)


def _wrap(text: str, width: int) -> list[str]:
    """`text` in lines of at most `width` monospace columns, broken between words where it can be."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        while _columns(word) > width:  # longer than a whole line: cut it
            if line:
                lines.append(line)
                line = ""
            cut = _fit(word, width)
            lines.append(word[:cut])
            word = word[cut:]
        if line and _columns(line) + 1 + _columns(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    return [*lines, line] if line or not lines else lines


def certificate_rows(document: StatementDocument) -> list[str]:
    """The certificate's rows in log order: position, event hash and organisation in fixed columns."""
    names = {s.organisation_id: s.organisation for s in document.signatories if s.organisation_id}
    indent = " " * CERTIFICATE_INDENT
    rows = []
    for signature in sorted(document.proof.signatures, key=lambda s: s.position):
        name = names.get(signature.organisation_id, signature.organisation_id)
        first, *more = _wrap(name, CERTIFICATE_COLUMNS - CERTIFICATE_INDENT)
        rows.append(
            "\n".join(
                [
                    f"{signature.position:>{POSITION_WIDTH}}  {signature.event_hash}  {first}",
                    *(indent + line for line in more),
                ]
            )
        )
    return rows


def chunks(lines: list[str], size: int = CHUNK) -> list[str]:
    """`lines` joined by newlines in blocks of `size`: one preformatted block each."""
    return ["\n".join(lines[start : start + size]) for start in range(0, len(lines), size)]
