"""Checking a partnership report's PDF against the log: the position and hash it names, the figures it shows
(recomputed from the log there, on the day it counts as), and what has changed since (the figures now)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.engine import Engine

from coalition.pdf.reasons import Reason, of
from coalition.pdf.report_proof import ReportProof
from coalition.reads.exports import event_hashes, log_head
from coalition.reads.partnership import partnership
from coalition.reads.report_log import closed


def check(engine: Engine, data: bytes, sealed: bool, reasons: list[Reason], today: date) -> dict[str, Any]:
    """The `report` and `changes_since` parts of the verification answer for a report's proof; `sealed`: the
    platform's intact seal covers the whole file (only then is it compared with the log)."""
    try:
        proof = ReportProof.from_json(data)
    except ValueError as error:
        reasons.append(of(error.args[0]) if error.args else Reason(str(error)))
        return {"report": None, "changes_since": None}
    # Nothing in the proof is trusted before the seal and the log are checked: its figures may have any shape.
    agreement = proof.figures.get("agreement")
    name = str(agreement.get("name", "")) if isinstance(agreement, dict) else ""
    described: dict[str, Any] = {
        "kind": "partnership_report",
        "coalition_id": proof.coalition_id,
        "coalition": {"id": proof.coalition_id, "name": name},
        "position": proof.position,
        "day": proof.day.isoformat(),
        "language": proof.language,
        "content_hash": proof.content_hash,
        "exported_at": proof.exported_at.isoformat(),
        "report_id": proof.report_id or None,
        "url": f"/public/reports/{proof.report_id}" if proof.report_id else f"/coalitions/{proof.coalition_id}/report",
    }
    if not sealed:
        return {"report": described, "changes_since": None}
    with engine.connect() as connection:
        head = log_head(connection)[0]
        if proof.position > head:
            reasons.append(
                Reason(
                    "the PDF names log position %(position)d, but this platform's log ends at %(head)d",
                    position=proof.position,
                    head=head,
                )
            )
            return {"report": described, "changes_since": None}
        if event_hashes(connection, {proof.position}).get(proof.position) != proof.head_hash:
            reasons.append(
                Reason(
                    "the log's hash at position %(position)d differs from the PDF's: "
                    "it was not made from this platform's log",
                    position=proof.position,
                )
            )
            return {"report": described, "changes_since": None}
        then = partnership(connection, proof.coalition_id, proof.position, proof.day)
        if then is None:
            reasons.append(Reason("the coalition the report names is not in this platform's log"))
            return {"report": described, "changes_since": None}
        if then.damaged:
            reasons.append(
                Reason(
                    "the log's events at positions %(positions)s do not match their hashes: the log was altered",
                    positions=", ".join(map(str, then.damaged)),
                )
            )
            return {"report": described, "changes_since": None}
        if then.content_hash() != proof.content_hash:
            reasons.append(Reason("the report's figures are not what the log held at its position"))
            return {"report": described, "changes_since": None}
        ending = closed(connection, proof.coalition_id)
        # An ended coalition's figures are counted on the day it closed (as its final report is), not on a later
        # day, when what was due would count as ever more overdue.
        counted_on = min(today, ending[1]) if ending is not None else today
        now = partnership(connection, proof.coalition_id, head, counted_on)
    assert now is not None  # a coalition's events never disappear from a log whose chain matched
    if now.damaged:  # events after the report's position were altered: what changed since cannot be told
        reasons.append(
            Reason(
                "the log's events at positions %(positions)s do not match their hashes: the log was altered",
                positions=", ".join(map(str, now.damaged)),
            )
        )
        return {"report": described, "changes_since": None}
    before, after = then.figures(), now.figures()
    changed = sorted(key for key in after if after[key] != before.get(key))
    return {
        "report": described,
        "changes_since": {
            "changed": bool(changed),
            "sections": changed,
            "head_position": head,
            "day": counted_on.isoformat(),
            "content_hash": now.content_hash(),
        },
    }
