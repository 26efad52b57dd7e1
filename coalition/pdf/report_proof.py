"""What a partnership report's PDF carries inside (the embedded file `PROOF_NAME`, as in a statement's PDF).

The proof names the coalition, the log position the report is drawn at and the chain hash there, the day its
overdue figures count on, and the report's figures themselves with their hash (`reads.partnership`): anyone
can recompute the hash; the platform recomputes the figures from the log and compares.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from coalition.pdf.reasons import Reason
from coalition.reads.partnership import content_hash

#: The report proof's format; a reader refuses formats it does not know.
REPORT_FORMAT = "coalition-report-proof/1"


def is_report(data: bytes) -> bool:
    """Whether an embedded proof says it is a partnership report's (not a statement's)."""
    try:
        raw = json.loads(data)
    except (ValueError, RecursionError):
        return False
    return isinstance(raw, dict) and str(raw.get("format", "")).startswith("coalition-report-proof/")


@dataclass(frozen=True, slots=True)
class ReportProof:
    """What the report's PDF claims, in a form verification can check against the log."""

    coalition_id: str
    language: str
    position: int  # the log position the report is drawn at
    head_hash: str  # the chain hash there
    day: date  # the day its overdue figures count on
    exported_at: datetime
    figures: dict[str, Any]
    report_id: str = ""  # a published report's id, if it is one

    @property
    def content_hash(self) -> str:
        """The hash of the figures (`reads.partnership.content_hash`)."""
        return content_hash(self.figures)

    def to_json(self) -> bytes:
        """The proof as the UTF-8 JSON text embedded in the PDF."""
        return json.dumps(
            {
                "format": REPORT_FORMAT,
                "coalition_id": self.coalition_id,
                "language": self.language,
                "position": self.position,
                "head_hash": self.head_hash,
                "day": self.day.isoformat(),
                "exported_at": self.exported_at.isoformat(),
                "content_hash": self.content_hash,
                "figures": self.figures,
                **({"report_id": self.report_id} if self.report_id else {}),
            },
            indent=1,
            sort_keys=True,
            ensure_ascii=False,
        ).encode()

    @classmethod
    def from_json(cls, data: bytes) -> ReportProof:
        """Read a proof back; a ValueError says what is wrong with it."""
        try:
            raw: Any = json.loads(data)
            if not isinstance(raw, dict) or raw.get("format") != REPORT_FORMAT:
                raise ValueError(Reason("the embedded proof is not in the format %(format)s", format=REPORT_FORMAT))
            position = raw["position"]
            if not isinstance(position, int) or isinstance(position, bool) or not 0 < position < 2**62:
                raise ValueError(Reason("the embedded proof has a position that is not a whole number"))
            proof = cls(
                str(raw["coalition_id"]),
                str(raw["language"]),
                position,
                str(raw["head_hash"]),
                date.fromisoformat(raw["day"]),
                datetime.fromisoformat(raw["exported_at"]),
                dict(raw["figures"]),
                str(raw.get("report_id") or ""),
            )
        except (KeyError, TypeError, AttributeError, RecursionError, UnicodeDecodeError) as error:
            raise ValueError(
                Reason("the embedded proof is incomplete or malformed (%(error)s)", error=type(error).__name__)
            ) from None
        if proof.content_hash != raw.get("content_hash"):
            raise ValueError(Reason("the figures in the report's proof do not give its content hash"))
        return proof
