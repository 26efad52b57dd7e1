"""Export a statement as a sealed PDF, and check a PDF someone shows us against the log.

The PDF shows the statement as the log held it at one position (the log's head when it was made):
its content is folded from the events (`coalition.reads.logged`), never read from the read-model
tables, and its embedded proof names that position, its chain hash, the texts the version hash is
computed from and each counted signature's event. Verification reads the proof back, checks the
seal, then folds the log again at that position, compares, and says what has changed since.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Connection, Engine

from coalition.domain import policy
from coalition.domain.base import NotFound, RuleBroken
from coalition.pdf import anchor, report_check, sandbox, timestamps, verdicts
from coalition.pdf.document import CountedSignature, Endorsement, Proof, Signatory, StatementDocument
from coalition.pdf.reasons import Reason, of
from coalition.pdf.report_proof import is_report
from coalition.pdf.seal import Sealer
from coalition.reads.exports import content_key, deadline_passed, log_head
from coalition.reads.logged import History, organisations
from coalition.reads.statements import country_name
from coalition.transparency import checkpoints
from events.personal import erasures


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
    """The statement as the PDF shows it, in `language` (default: its own), folded from the log at its head."""
    position, chain_hash = log_head(connection)
    history = History(connection, statement_id, position)
    found = history.at(position)
    if found is None:
        raise NotFound("no such statement: %(statement)s", statement=statement_id)
    if history.damaged():
        raise RuleBroken(
            "the log's events at positions %(positions)s do not match their hashes: no PDF is made from a damaged log",
            positions=", ".join(map(str, history.damaged())),
        )
    s = found.statement
    if s.version_hash is None:
        raise RuleBroken("a draft has no frozen version to export: open it for signature first")
    texts = found.texts()
    language = language or s.language
    if language not in texts:
        raise NotFound(
            "the statement has no %(language)s text; it exists in %(languages)s",
            language=language,
            languages=", ".join(texts),
        )
    counting = found.counted()
    names = organisations(connection, {x.organisation_id for x in counting}, position)
    signatories = sorted(
        counting,
        key=lambda x: (names[x.organisation_id].name if x.organisation_id in names else "").casefold(),
    )
    proof = Proof(
        statement_id,
        s.coalition_id,
        s.version_hash,
        language,
        position,
        chain_hash,
        now,
        tuple(
            CountedSignature(x.organisation_id, x.position, x.hash, x.signer_name, x.signer_title, x.email_domain)
            for x in signatories
        ),
        s.language,
        tuple((code, text.title, text.body) for code, text in sorted(s.texts.items())),
    )
    return StatementDocument(
        found.coalition_name,
        texts[language].title,
        texts[language].body,
        language,
        tuple(
            Signatory(
                names[x.organisation_id].name if x.organisation_id in names else x.organisation_id,
                names[x.organisation_id].country if x.organisation_id in names else "",
                country_name(names[x.organisation_id].country if x.organisation_id in names else None),
                x.signer_name,
                x.signer_title,
                datetime.fromisoformat(x.signed_at),
                x.organisation_id,
                found.verified(x.organisation_id),
                x.email_domain,
            )
            for x in signatories
        ),
        tuple(Endorsement(e.name, e.title, None, datetime.fromisoformat(e.endorsed_at)) for e in found.endorsements()),
        proof,
        verify_url,
        tuple(texts),
        s.phase(now),
        *publication(history, position),
        s.deadline,
        found.time_zone,
    )


def publication(history: History, position: int) -> tuple[datetime | None, str]:
    """When and where the statement was last published, as the log stood at `position` ((None, ""): it was not)."""
    published = [e for e in history.statement_events if e.type == "StatementPublished" and e.position <= position]
    if not published:
        return None, ""
    return datetime.fromisoformat(published[-1].recorded_at), str(published[-1].payload.get("place", ""))


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
    engine: Engine,
    sealer: Sealer,
    cache: PdfCache,
    statement_id: str,
    language: str | None,
    verify_url: str,
    bounded: bool = True,
) -> Exported:
    """The statement's sealed PDF in `language`, from the cache when its content has not changed; `bounded`: in an
    HTTP request, where the log's proof tree is not built at length (`anchor.anchored`)."""
    from coalition.pdf.render import layout_version, render_pdf  # WeasyPrint loads only when a PDF is made

    now = datetime.now(UTC).replace(microsecond=0)
    with engine.connect() as connection:
        level = "B-LT" if sealer.long_term else "B-T" if sealer.timestamper else "B-B"  # a new level, new PDFs
        salt = (sealer.fingerprint, layout_version(), rules_version(), verify_url, level)
        closed = str(deadline_passed(connection, statement_id, now))  # the phase the PDF states, at the deadline
        keyed = content_key(connection, statement_id, language, *salt, closed, str(erasures(connection)))
        if keyed is None:
            raise NotFound("no such statement: %(statement)s", statement=statement_id)
        key, language = keyed
        filename = f"statement-{statement_id[:12]}-{language}.pdf"
        kept = cache.get(key)
        if kept is not None:
            return Exported(kept, True, filename)
        doc = document(connection, statement_id, language, verify_url, now)
    if sealer.checkpoints is not None:
        doc = replace(doc, proof=anchor.anchored(engine, sealer.checkpoints, doc.proof, now, bounded))
    pdf = sealer.seal(render_pdf(doc), reason=f"Coalition statement {statement_id}, version {doc.proof.version_hash}")
    cache.put(key, pdf)
    return Exported(pdf, False, filename)


# -- verification ---------------------------------------------------------------------------------


def verify(engine: Engine, sealer: Sealer, pdf: bytes, now: datetime | None = None) -> dict[str, Any]:
    """Whether a PDF is a genuine, unaltered statement export (or partnership report) of this platform, and what
    changed since (until `now`, by default the present); `verdict` sums it up (see `coalition.pdf.verdicts`)."""
    report = sandbox.inspect(sealer.certificate_der, pdf)  # the upload is parsed only in a limited child process
    if report is None:
        return verdicts.unchecked(sealer.fingerprint, len(pdf))
    reasons = [of(reason) for reason in report.reasons]
    answer: dict[str, Any] = {
        "seal": {
            "intact": report.intact,
            "ours": report.ours,
            "whole_file": report.whole_file,
            "signed_at": report.signed_at.isoformat() if report.signed_at else None,
            "certificate_sha256": sealer.fingerprint,
            "signer": report.signer,  # the subject of the certificate that made the seal, as the file claims
            "timestamp": report.timestamp.plain() if report.timestamp is not None else None,  # RFC 3161, B-T up
        },
        "statement": None,
        "report": None,
        "changes_since": None,
    }
    if report.proof is not None and is_report(report.proof):  # a partnership report's PDF, not a statement's
        when = now or datetime.now(UTC)
        answer.update(report_check.check(engine, report.proof, report.valid, reasons, when.date()))
    elif report.proof is not None:
        try:
            proof = Proof.from_json(report.proof)
        except ValueError as error:
            reasons.append(of(error.args[0]) if error.args else Reason(str(error)))
        else:
            answer["statement"] = {
                "id": proof.statement_id,
                "coalition_id": proof.coalition_id,
                "version_hash": proof.version_hash,
                "language": proof.language,
                "exported_position": proof.exported_position,
                "exported_at": proof.exported_at.isoformat(),
                "signatures": len(proof.signatures),
                "checkpoint_size": anchor.check(proof, sealer.checkpoints, reasons) if sealer.checkpoints else None,
            }
            if report.valid:  # only what this platform's intact seal vouches for is compared with the log
                with engine.connect() as connection:  # the statement's history is read (and its hashes checked) once
                    history = History(connection, proof.statement_id, log_head(connection)[0])
                    when = now or datetime.now(UTC)
                    answer["changes_since"] = verdicts.against_log(connection, proof, reasons, when, history)
                    anchor.matches_log(connection, proof, reasons)
                    if answer["changes_since"] is not None:
                        answer["statement"].update(verdicts.named(connection, proof, history))
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
    sealer.timestamper, sealer.long_term = timestamps.timestamper(config), timestamps.long_term(config)
    sealer.tsa_roots = timestamps.roots(config)
    sealer.checkpoints = checkpoints.signer_for(config, instance_path)
    sandbox.limit(int(config.get("VERIFY_CONCURRENCY") or 0))
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
