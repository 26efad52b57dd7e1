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
from coalition.reads.exports import coalition_name
from coalition.reads.statements import view

log = logging.getLogger("coalition.verify")

UNCHECKED = (
    "the file could not be checked: reading it took more time or memory than any statement PDF needs "
    "(it is damaged, or made to overload a checker)"
)


def named(connection: Connection, proof: Proof) -> dict[str, Any]:
    """The statement's title (as exported, in the PDF's language), its coalition and where to read it now."""
    then = view(connection, proof.statement_id, proof.exported_position)
    texts = then.texts() if then is not None else {}
    text = texts.get(proof.language) or next(iter(texts.values()), {"title": ""})
    now = view(connection, proof.statement_id)
    published = now is not None and now.statement["state"] == "published"
    return {
        "title": text["title"],
        "coalition": {
            "id": proof.coalition_id,
            "name": coalition_name(connection, proof.coalition_id, proof.exported_position),
        },
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
