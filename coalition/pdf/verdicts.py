"""The verdict on an uploaded PDF, the statement it names, and the one log line each check leaves.

Verdicts: `current` (genuine, and nothing changed since the export), `outdated` (genuine, but since the
export signatures were added, withdrawn or await re-confirmation, or the text was amended: see
`changes_since`), `not_genuine` (with the reasons) and `unreadable` (the file could not be checked within
the limits on time and memory: a damaged or hostile file; the API still answers 200 with `valid: false`).
"""

from __future__ import annotations

import json
import logging
from typing import Any

from sqlalchemy.engine import Connection

from coalition.pdf.document import Proof
from coalition.reads.exports import log_head
from coalition.reads.logged import History

log = logging.getLogger("coalition.verify")

UNCHECKED = (
    "the file could not be checked: reading it took more time or memory than any statement PDF needs "
    "(it is damaged, or made to overload a checker)"
)


def named(connection: Connection, proof: Proof) -> dict[str, Any]:
    """The statement's title (as exported, in the PDF's language), its coalition and where to read it now, all
    from the log (never the read models, which whoever holds the database could change)."""
    history = History(connection, proof.statement_id, log_head(connection)[0])
    then, now = history.at(proof.exported_position), history.at(history.until)
    texts = then.texts() if then is not None else {}
    text = texts.get(proof.language) or next(iter(texts.values()), None)
    published = now is not None and now.statement.state == "published"
    return {
        "title": text.title if text is not None else "",
        "coalition": {"id": proof.coalition_id, "name": then.coalition_name if then is not None else ""},
        "url": f"/public/statements/{proof.statement_id}"
        if published
        else f"/coalitions/{proof.coalition_id}/statements/{proof.statement_id}",
        "public": published,
    }


def verdict(answer: dict[str, Any]) -> str:
    """`current`, `outdated` or `not_genuine` for a checked file's answer."""
    if not answer["valid"]:
        return "not_genuine"
    changes = answer["changes_since"] or {}
    moved = (
        changes.get("amended")
        or changes.get("signatures_added")
        or changes.get("signatures_withdrawn")
        or changes.get("signatures_awaiting_reconfirmation")
    )
    return "outdated" if moved else "current"


def judged(answer: dict[str, Any], size: int, signer: str | None) -> dict[str, Any]:
    """The answer with its verdict, logged in one line."""
    answer["verdict"] = verdict(answer)
    _log(answer["verdict"], size, signer, answer["reasons"])
    return answer


def unchecked(fingerprint: str, size: int) -> dict[str, Any]:
    """The answer for a file that could not be checked within the limits."""
    _log("unreadable", size, None, [UNCHECKED])
    return {
        "valid": False,
        "verdict": "unreadable",
        "reasons": [UNCHECKED],
        "seal": {
            "intact": False,
            "ours": False,
            "whole_file": False,
            "signed_at": None,
            "certificate_sha256": fingerprint,
            "signer": None,
            "timestamp": None,
        },
        "statement": None,
        "changes_since": None,
    }


def _log(outcome: str, size: int, signer: str | None, reasons: list[str]) -> None:
    """One JSON line: whatever came from the upload (a certificate's name, reasons quoting it) is escaped by
    the encoder, so no upload can start a line of its own; never a traceback."""
    record = {"verify": outcome, "bytes": size, "signer": signer, "reasons": reasons}
    line = json.dumps(record, separators=(",", ":"))
    if outcome == "unreadable":
        log.warning(line)
    else:
        log.info(line)
