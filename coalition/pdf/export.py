"""Export a statement as a sealed PDF, and check a PDF someone shows us against the log.

The PDF shows the statement as the read models held it at one log position (the position the
statements projection had reached), and its embedded proof names that position and its chain
hash. Verification reads the proof back, checks the seal, then compares the proof with the log
at that position and says what has changed since.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Connection, Engine

from coalition.domain import policy
from coalition.domain.base import NotFound, RuleBroken
from coalition.pdf import sandbox, verdicts
from coalition.pdf.document import CountedSignature, Endorsement, Proof, Signatory, StatementDocument
from coalition.pdf.seal import Sealer
from coalition.reads.exports import coalition_name, content_key, event_hashes, log_head, reached, read_position
from coalition.reads.statements import counted, country_name, describe, phase, view


def rules_version() -> str:
    """A fingerprint of the domain's policy (which signatures count, the phase, the threshold): a release that
    changes a rule makes new PDFs rather than serving ones drawn under the old rule from the cache."""
    digest = hashlib.sha256()
    for module in sorted(Path(policy.__file__).parent.glob("*.py")):
        digest.update(module.read_bytes())
    return digest.hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class Exported:
    """A sealed PDF and whether it came from the cache."""

    pdf: bytes
    cached: bool
    filename: str


def document(
    connection: Connection, statement_id: str, language: str | None, verify_url: str, now: datetime
) -> StatementDocument:
    """The statement as the PDF shows it, in `language` (default: its own)."""
    position, chain_hash = read_position(connection)
    found = view(connection, statement_id, position)
    if found is None:
        raise NotFound("no such statement: %(statement)s", statement=statement_id)
    s = found.statement
    if s["version_hash"] is None:
        raise RuleBroken("a draft has no frozen version to export: open it for signature first")
    texts = found.texts()
    language = language or s["language"]
    if language not in texts:
        raise NotFound(
            "the statement has no %(language)s text; it exists in %(languages)s",
            language=language,
            languages=", ".join(texts),
        )
    described = describe(connection, found, now, position)
    signatories = sorted(
        (x for x in described["signatures"] if x["counts"]),
        key=lambda x: (x["organisation"] or "").casefold(),
    )
    proof = Proof(
        statement_id,
        s["coalition_id"],
        s["version_hash"],
        language,
        position,
        chain_hash,
        now,
        tuple(CountedSignature(x["organisation_id"], x["position"], x["event_hash"]) for x in signatories),
    )
    doc = StatementDocument(
        coalition_name(connection, s["coalition_id"], position),
        texts[language]["title"],
        texts[language]["body"],
        language,
        tuple(
            Signatory(
                x["organisation"] or x["organisation_id"],
                x["country"] or "",
                country_name(x["country"]),
                x["signer_name"],
                x["signer_title"],
                datetime.fromisoformat(x["signed_at"]),
                x["organisation_id"],
            )
            for x in signatories
        ),
        tuple(
            Endorsement(e["name"], e["title"], None, datetime.fromisoformat(e["endorsed_at"]))
            for e in described["endorsements"]
            if e["status"] == "endorsed"
        ),
        proof,
        verify_url,
        tuple(texts),
    )
    return doc


class PdfCache:
    """Sealed PDFs on disk, by content key: a repeat download reads a file."""

    def __init__(self, directory: str) -> None:
        self.directory = Path(directory)

    def get(self, key: str) -> bytes | None:
        """The cached PDF for `key`, if any."""
        try:
            return (self.directory / f"{key}.pdf").read_bytes()
        except FileNotFoundError:
            return None

    def put(self, key: str, pdf: bytes) -> None:
        """Keep a PDF; written aside and renamed into place, so a reader never sees half a file."""
        self.directory.mkdir(parents=True, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(dir=self.directory, prefix=".pdf.")
        with os.fdopen(descriptor, "wb") as file:
            file.write(pdf)
        os.replace(temporary, self.directory / f"{key}.pdf")


def export(
    engine: Engine, sealer: Sealer, cache: PdfCache, statement_id: str, language: str | None, verify_url: str
) -> Exported:
    """The statement's sealed PDF in `language`, from the cache when its content has not changed."""
    from coalition.pdf.render import layout_version, render_pdf  # WeasyPrint loads only when a PDF is made

    now = datetime.now(UTC).replace(microsecond=0)
    with engine.connect() as connection:
        salt = (sealer.fingerprint, layout_version(), rules_version(), verify_url)
        keyed = content_key(connection, statement_id, language, *salt)
        if keyed is None:
            raise NotFound("no such statement: %(statement)s", statement=statement_id)
        key, language = keyed
        filename = f"statement-{statement_id[:12]}-{language}.pdf"
        kept = cache.get(key)
        if kept is not None:
            return Exported(kept, True, filename)
        doc = document(connection, statement_id, language, verify_url, now)
    pdf = sealer.seal(render_pdf(doc), reason=f"Coalition statement {statement_id}, version {doc.proof.version_hash}")
    cache.put(key, pdf)
    return Exported(pdf, False, filename)


# -- verification ---------------------------------------------------------------------------------


def _against_log(connection: Connection, proof: Proof, reasons: list[str], when: datetime) -> dict[str, Any] | None:
    """Compare the proof with the log at its position; the changes since, or None when it does not match."""
    head = log_head(connection)
    if proof.exported_position > head:
        reasons.append(f"the PDF names log position {proof.exported_position}, but this platform's log ends at {head}")
        return None
    if proof.exported_position > reached(connection):
        reasons.append(
            f"this server's read models have not yet reached log position {proof.exported_position}: "
            "try again in a moment"
        )
        return None
    claimed = {s.position for s in proof.signatures} | {proof.exported_position}
    hashes = event_hashes(connection, claimed)
    if hashes.get(proof.exported_position) != proof.head_hash:
        reasons.append(
            f"the log's hash at position {proof.exported_position} differs from the PDF's: "
            "it was not made from this platform's log"
        )
        return None
    then = view(connection, proof.statement_id, proof.exported_position)
    if then is None or then.statement["coalition_id"] != proof.coalition_id:
        reasons.append("the statement the PDF names is not in this platform's log")
        return None
    if then.statement["version_hash"] != proof.version_hash:
        reasons.append("the PDF's statement version is not the version the log held when it was exported")
    counting = {
        (x["organisation_id"], x["event_position"], x["event_hash"])
        for x in counted(connection, then, proof.exported_position)
    }
    shown = {(s.organisation_id, s.position, s.event_hash) for s in proof.signatures}
    if counting != shown:
        reasons.append(
            f"the PDF lists {len(shown)} signatures, but the log counted {len(counting)} "
            "(or other ones) when it was exported"
        )
    if any(hashes.get(s.position) != s.event_hash for s in proof.signatures):
        reasons.append("a signature's event hash in the PDF differs from the log's")
    now = view(connection, proof.statement_id)
    assert now is not None  # a statement never disappears from the read models
    current = {x["organisation_id"] for x in counted(connection, now)}
    before = {organisation for organisation, _, _ in shown}
    statuses = {x["organisation_id"]: x["status"] for x in now.signatures}
    return {
        "amended": now.statement["version_hash"] != proof.version_hash,
        "version_hash": now.statement["version_hash"],
        "state": phase(now.statement, when),  # open past its deadline reads closed
        "signatures_added": sorted(current - before),
        "signatures_withdrawn": sorted(o for o in before if statuses.get(o) == "withdrawn"),
        "signatures_awaiting_reconfirmation": sorted(o for o in before - current if statuses.get(o) == "signed"),
    }


def verify(engine: Engine, sealer: Sealer, pdf: bytes, now: datetime | None = None) -> dict[str, Any]:
    """Whether a PDF is a genuine, unaltered statement export of this platform, and what changed since (until `now`,
    by default the present); `verdict` sums it up (see `coalition.pdf.verdicts`)."""
    report = sandbox.inspect(sealer.certificate_der, pdf)  # the upload is parsed only in a limited child process
    if report is None:
        return verdicts.unchecked(sealer.fingerprint, len(pdf))
    reasons = list(report.reasons)
    answer: dict[str, Any] = {
        "seal": {
            "intact": report.intact,
            "ours": report.ours,
            "whole_file": report.whole_file,
            "signed_at": report.signed_at.isoformat() if report.signed_at else None,
            "certificate_sha256": sealer.fingerprint,
            "signer": report.signer,  # the subject of the certificate that made the seal, as the file claims
        },
        "statement": None,
        "changes_since": None,
    }
    if report.proof is not None:
        try:
            proof = Proof.from_json(report.proof)
        except ValueError as error:
            reasons.append(str(error))
        else:
            answer["statement"] = {
                "id": proof.statement_id,
                "coalition_id": proof.coalition_id,
                "version_hash": proof.version_hash,
                "language": proof.language,
                "exported_position": proof.exported_position,
                "exported_at": proof.exported_at.isoformat(),
                "signatures": len(proof.signatures),
            }
            if report.valid:  # only what this platform's intact seal vouches for is compared with the log
                with engine.connect() as connection:
                    answer["changes_since"] = _against_log(connection, proof, reasons, now or datetime.now(UTC))
                    if answer["changes_since"] is not None:
                        answer["statement"].update(verdicts.named(connection, proof))
    return verdicts.judged(
        {"valid": report.valid and not reasons, "reasons": reasons, **answer}, len(pdf), report.signer
    )


def settings(config: Mapping[str, Any], instance_path: str) -> tuple[Sealer, PdfCache]:
    """The platform's sealer and PDF cache, as configured."""
    sealer = Sealer.for_instance(
        config.get("SEAL_DIRECTORY") or instance_path,
        config.get("SEAL_PKCS12") or None,
        config.get("SEAL_PKCS12_PASSPHRASE") or None,
    )
    return sealer, PdfCache(config.get("PDF_CACHE_DIRECTORY") or os.path.join(instance_path, "pdf-cache"))


def verify_url(config: Mapping[str, Any]) -> str:
    """Where the PDF tells readers to check it: from configuration, never from a request's Host."""
    return f"{str(config.get('PUBLIC_URL') or '').rstrip('/')}/verify"


def for_app(app: Any) -> tuple[Sealer, PdfCache]:
    """The app's sealer and PDF cache, made on first use (the first run creates the seal's key)."""
    if "coalition.pdf" not in app.extensions:
        app.extensions["coalition.pdf"] = settings(app.config, app.instance_path)
    made: tuple[Sealer, PdfCache] = app.extensions["coalition.pdf"]
    return made
