"""The verdict on an uploaded PDF, the statement it names, and the one log line each check leaves.

Verdicts: `current` (genuine, and nothing changed since the export), `outdated` (genuine, but since the
export signatures were added, withdrawn or await re-confirmation, or the text was amended: see
`changes_since`), `not_genuine` (with the reasons) and `unreadable` (the file could not be checked within
the limits on time and memory: a damaged or hostile file; the API still answers 200 with `valid: false`).
"""

from __future__ import annotations

import json
import logging
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Connection

from coalition.domain.statement_state import Text, content_hash
from coalition.pdf.document import Proof
from coalition.pdf.reasons import Reason
from coalition.reads.exports import event_hashes, log_head
from coalition.reads.logged import History, Logged
from events.personal import ERASED

log = logging.getLogger("coalition.verify")

UNCHECKED = Reason(
    "the file could not be checked: reading it took more time or memory than any statement PDF needs "
    "(it is damaged, or made to overload a checker)"
)


def named(connection: Connection, proof: Proof, history: History | None = None) -> dict[str, Any]:
    """The statement's title (as exported, in the PDF's language), its coalition and where to read it now, all
    from the log (never the read models, which whoever holds the database could change); `history`, when given,
    is the statement's history up to the log's head, already read (`against_log`'s)."""
    if history is None:
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
        or changes.get("changed")  # a partnership report's figures differ now
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
        "report": None,
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


def _matches(then: Logged, proof: Proof, reasons: list[Reason]) -> None:
    """Compare what the PDF claims with the log's fold at its position; each difference becomes a reason."""
    s = then.statement
    if s.version_hash != proof.version_hash:
        reasons.append(Reason("the PDF's statement version is not the version the log held when it was exported"))
    if then.texts_hash() != s.version_hash:
        reasons.append(Reason("the log's texts at that position do not give its version hash"))
    if proof.texts:  # proofs from format 2 on carry the texts the version hash is computed from
        texts = {code: Text(title, body) for code, title, body in proof.texts}
        if content_hash(proof.version_language, texts) != proof.version_hash:
            reasons.append(Reason("the texts in the PDF's proof do not give its version hash"))
        elif (proof.version_language, texts) != (s.language, dict(s.texts)):
            reasons.append(Reason("the texts in the PDF's proof are not the texts the log held"))
    counting = {(x.organisation_id, x.position, x.hash): x for x in then.counted()}
    shown = {(x.organisation_id, x.position, x.event_hash): x for x in proof.signatures}
    if counting.keys() != shown.keys():
        missing = sorted(o for o, _, _ in counting.keys() - shown.keys())
        extra = sorted(o for o, _, _ in shown.keys() - counting.keys())
        reasons.append(
            Reason(
                "the PDF lists %(shown)d signatures, but the log counted %(counted)d when it was exported",
                shown=len(shown),
                counted=len(counting),
            )
        )
        if missing:
            reasons.append(Reason("signatures the PDF leaves out: %(organisations)s", organisations=", ".join(missing)))
        if extra:
            reasons.append(
                Reason("signatures the PDF lists that did not count: %(organisations)s", organisations=", ".join(extra))
            )
    for key in counting.keys() & shown.keys():
        logged, claimed = counting[key], shown[key]
        said = (claimed.signer_name, claimed.signer_title, claimed.signer_email_domain)
        domain = None if said[2] is None else logged.email_domain  # None: a proof from before domains were stated
        named = (logged.signer_name, logged.signer_title, domain)
        # Format 1 names no signer; an erased signer's name is no longer in the log to compare (events.personal).
        if claimed.signer_name and logged.signer_name != ERASED and said != named:
            reasons.append(
                Reason(
                    "the signer the PDF names for %(organisation)s is not the one the log recorded", organisation=key[0]
                )
            )


def against_log(
    connection: Connection, proof: Proof, reasons: list[Reason], when: datetime, history: History | None = None
) -> dict[str, Any] | None:
    """Compare the proof with the log folded at its position; the changes since, or None when it does not match.
    `history`, when given, is the statement's history up to the log's head, read once for this and `named`."""
    head = history.until if history is not None else log_head(connection)[0]
    if proof.exported_position > head:
        reasons.append(
            Reason(
                "the PDF names log position %(position)d, but this platform's log ends at %(head)d",
                position=proof.exported_position,
                head=head,
            )
        )
        return None
    hashes = event_hashes(connection, {s.position for s in proof.signatures} | {proof.exported_position})
    if hashes.get(proof.exported_position) != proof.head_hash:
        reasons.append(
            Reason(
                "the log's hash at position %(position)d differs from the PDF's: "
                "it was not made from this platform's log",
                position=proof.exported_position,
            )
        )
        return None
    if history is None:
        history = History(connection, proof.statement_id, head)
    if history.damaged():
        reasons.append(
            Reason(
                "the log's events at positions %(positions)s do not match their hashes: the log was altered",
                positions=", ".join(map(str, history.damaged())),
            )
        )
        return None
    then = history.at(proof.exported_position)
    if then is None or then.statement.coalition_id != proof.coalition_id:
        reasons.append(Reason("the statement the PDF names is not in this platform's log"))
        return None
    _matches(then, proof, reasons)
    if any(hashes.get(s.position) != s.event_hash for s in proof.signatures):
        reasons.append(Reason("a signature's event hash in the PDF differs from the log's"))
    now = history.at(head)
    assert now is not None  # a statement's events never disappear from a log whose chain matched
    current = {x.organisation_id for x in now.counted()}
    before = {s.organisation_id for s in proof.signatures}
    signatures = now.statement.signatures
    return {
        "amended": now.statement.version_hash != proof.version_hash,
        "version_hash": now.statement.version_hash,
        "state": now.statement.phase(when),  # open past its deadline reads closed
        "signatures_added": sorted(current - before),
        "signatures_withdrawn": sorted(o for o in before if o in signatures and signatures[o].withdrawn),
        "signatures_awaiting_reconfirmation": sorted(
            o for o in before - current if o in signatures and not signatures[o].withdrawn
        ),
    }
