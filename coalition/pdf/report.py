"""A coalition's partnership report as a sealed PDF: drawn from the log at one position (`reads.partnership`),
rendered like a statement's PDF (A4, PDF/A-3a, the proof embedded as `PROOF_NAME`), sealed, cached by content.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Connection, Engine

from coalition.charts.progress import ProgressLabels, progress_chart
from coalition.domain.base import NotFound, RuleBroken
from coalition.pdf import archival, dates, render, state_words
from coalition.pdf.document import PROOF_NAME
from coalition.pdf.export import Exported, PdfCache, rules_version
from coalition.pdf.lines import sort_key, utc
from coalition.pdf.report_proof import ReportProof
from coalition.pdf.seal import Sealer
from coalition.reads.exports import event_hashes
from coalition.reads.partnership import MemberLine, ObjectiveLine, Partnership, partnership
from coalition.reads.report_log import report_key
from coalition.reads.statements import country_name
from events.personal import erasures

TEMPLATE = "pdf/report.html"
#: The member states a standing is given for (the others are listed after them, without one).
STANDING = ("active", "suspended")
#: This module's own code shapes the report too: a new version of it makes new PDFs.
LAYOUT = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class ReportDocument:
    """Everything one partnership report PDF shows, in one language."""

    partnership: Partnership
    language: str
    proof: ReportProof
    verify_url: str


def document(
    connection: Connection,
    coalition_id: str,
    position: int,
    day: date,
    language: str,
    verify_url: str,
    now: datetime,
    report_id: str = "",
) -> ReportDocument:
    """The report as the PDF shows it, folded from the log at `position` (NotFound: the coalition did not exist)."""
    found = partnership(connection, coalition_id, position, day)
    if found is None:
        raise NotFound("no such coalition at log position %(position)s", position=position)
    if found.damaged:
        raise RuleBroken(
            "the log's events at positions %(positions)s do not match their hashes: no PDF is made from a damaged log",
            positions=", ".join(map(str, found.damaged)),
        )
    head_hash = event_hashes(connection, {position})[position]
    proof = ReportProof(coalition_id, language, position, head_hash, day, now, found.figures(), report_id)
    return ReportDocument(found, language, proof, verify_url)


def labels(language: str) -> dict[str, Any]:
    """Every word the report prints, in `language`."""
    catalogue = render._catalogue(language)
    _, ngettext = catalogue.gettext, catalogue.ngettext

    def evaluation_meta(day: str, responses: int) -> str:
        return ngettext(
            "Closed; answers were due by %(day)s; %(num)d member response.",
            "Closed; answers were due by %(day)s; %(num)d member responses.",
            responses,
        ) % {"day": day, "num": responses}

    def question_average(average: Any, answers: int) -> str:
        return ngettext(
            "average %(average)s of 5, from %(num)d answer", "average %(average)s of 5, from %(num)d answers", answers
        ) % {"average": dates.number_in(float(average), language), "num": answers}  # "3,5" where a comma is used

    return {
        "report": _("Partnership report"),
        "as_of": _("As of %(day)s, log position %(position)s"),
        "agreement": _("The agreement"),
        "purpose": _("Purpose"),
        "objectives": _("Objectives"),
        "period": _("Period"),
        "open_ended": _("open-ended"),
        "mechanism": _("Cooperation mechanism"),
        "benefit_sharing": _("Benefit sharing"),
        "members": _("Members and their standing"),
        "no_members": _("No members."),
        "members_note": _(
            "Each member: its country, its membership, its standing and why, then its commitments: all it pledged, "
            "of which fulfilled, withdrawn, and still open past their due date on %(day)s."
        ),
        "member_figures": _(
            "pledged %(pledged)s · fulfilled %(fulfilled)s · withdrawn %(withdrawn)s · overdue %(overdue)s"
        ),
        "all_commitments": _("All the members' commitments"),
        "commitment_columns": (_("Pledged"), _("Fulfilled"), _("Withdrawn"), _("Overdue")),
        "tasks": _("Tasks"),
        "no_tasks": _("No tasks have been given."),
        "due": _("due %(day)s"),
        "progress": _("Objective progress"),
        "pledged_to": _("Commitments pledged to it: %(commitments)s · tasks: %(tasks)s"),
        "target_date": _("target date %(day)s"),
        "measure": _("measured in %(measure)s"),
        "no_progress": _("No progress has been recorded."),
        "statements": _("Statements published"),
        "no_statements": _("No statement has been published."),
        "evaluation": _("Latest evaluation"),
        "no_evaluation": _("No evaluation has been closed."),
        "evaluation_meta": evaluation_meta,
        "summary": _("Summary"),
        "lessons": _("Lessons"),
        "question_average": question_average,
        "no_answers": _("no answers"),
        "certificate": _("Certificate of the report"),
        "certificate_note": _("What this PDF certifies, as recorded in the platform's hash-chained event log."),
        "coalition_id": _("Coalition"),
        "position": _("Log position"),
        "head_hash": _("Log hash at that position"),
        "day": _("Day counted"),
        "content_hash": _("Content hash"),
        "language": _("Language"),
        "exported_at": _("Exported at (UTC)"),
        "time_zone": _("Coalition's time zone"),
        "report_id": _("Published report"),
        "how_to_verify": _("How to verify"),
        "verify": _(
            "Upload this PDF at {verify_url}. The PDF carries a seal by the platform's certificate: any change to "
            "the file breaks it. The embedded file {proof} holds the report's figures and the log position they "
            "were drawn at, for machines to check against the log."
        ),
        "page": _("page"),
        "of": _("of"),
        "verified": catalogue.pgettext("organisation verification", "verified"),
    }


def standing_reason(language: str, level: str, overdue: int, days: int, suspension: str | None, state: str) -> str:
    """Why a member stands where it does, in `language` (`policy.standing_level`'s reason, translated)."""
    catalogue = render._catalogue(language)
    if state == "suspended":
        said = catalogue.gettext("suspended: %(reason)s") % {"reason": suspension} if suspension else ""
        return said or state_words.suspended(language)
    if overdue:
        return catalogue.gettext("overdue: %(num)d, the oldest by %(days)d days") % {"num": overdue, "days": days}
    return ""


def overdue_by(language: str, days: int) -> str:
    """ "overdue by 3 days" in `language` ("" when it is not overdue)."""
    if not days:
        return ""
    said = render._catalogue(language).ngettext("overdue by %(num)d day", "overdue by %(num)d days", days)
    return said % {"num": days}


def member_line(m: MemberLine, language: str, states: dict[str, str]) -> str:
    """One member as the single line of text the report lists (one block each: 200 members stay fast)."""
    words = labels(language)
    country = f" · {country_name(m.country, language)}" if m.country else ""
    verified = f" ({words['verified']})" if m.verified else ""
    standing = ""
    if m.state in STANDING:
        why = standing_reason(language, m.level, m.overdue_items, m.days_overdue, m.suspension_reason, m.state)
        standing = f" · {states.get(m.level, m.level)}" + (f" ({why})" if why else "")
    figures = words["member_figures"] % {
        "pledged": m.pledged,
        "fulfilled": m.fulfilled,
        "withdrawn": m.withdrawn,
        "overdue": m.overdue,
    }
    line = f"{m.name}{country}{verified} — {states.get(m.state, m.state)}{standing} — {figures}"
    return " ".join(line.split())


def progress_labels(language: str, description: str) -> ProgressLabels:
    """The words of an objective's progress chart in `language`, its days and figures as that language writes them."""
    _ = render._catalogue(language).gettext
    return ProgressLabels(
        title=_("Progress towards the target"),
        description=description,
        day=_("Day"),
        value=_("Value"),
        note=_("Note"),
        corrected=_("corrected"),
        planned=_("Planned path"),
        target=_("Target"),
        recorded=_("Recorded"),
        empty=_("No progress recorded yet"),
        format_day=lambda value: dates.date_in(value, language),
        format_number=lambda value: dates.number_in(value, language),
    )


def objective_progress(line: ObjectiveLine, language: str, starts_on: date, day: date) -> dict[str, Any]:
    """An objective's progress as the report prints it: a sentence (status, latest value, share) and its chart."""
    o, progress = line.objective, line.progress
    if not line.points and (o.baseline is None or o.target is None):
        return {"summary": "", "chart": None}
    _, statuses = render._catalogue(language).gettext, state_words.progress(language)
    unit = f" {o.unit}" if o.unit else ""
    said = [statuses.get(progress.status, statuses["unmeasured"])]
    if progress.latest is not None:
        value = dates.number_in(progress.latest.value, language) + unit
        day_ = dates.date_in(progress.latest.as_of, language)
        said.append(_("latest %(value)s on %(day)s") % {"value": value, "day": day_})
    if progress.share is not None and o.target is not None:
        share, target = f"{progress.share * 100:.0f}", dates.number_in(o.target, language) + unit
        said.append(_("%(share)s%% of the way to %(target)s") % {"share": share, "target": target})
    summary = " · ".join(said)
    labels = progress_labels(language, summary)
    ident = f"progress-{o.objective_id}"
    chart = progress_chart(o, line.points, starts_on, labels, until=day, ident=ident, printed=True)
    return {"summary": summary, "chart": chart}


def signatures(language: str, count: int) -> str:
    """ "1 signature", "2 signatures", in `language`."""
    return render._catalogue(language).ngettext("%(num)d signature", "%(num)d signatures", count) % {"num": count}


def report_html(doc: ReportDocument) -> str:
    """The report as the HTML the PDF is drawn from; every text in it is escaped."""
    p, language = doc.partnership, doc.language
    words, states = labels(language), state_words.states(language)
    members = sorted(p.members, key=lambda m: (m.state not in STANDING, m.state == "left", sort_key(m.name)))
    totals = [sum(getattr(m, f) for m in p.members) for f in ("pledged", "fulfilled", "withdrawn", "overdue")]
    return (
        render._environment()
        .get_template(TEMPLATE)
        .render(
            p=p,
            labels=words,
            states=states,
            language=language,
            members=[member_line(m, language, states) for m in members],
            totals=totals,
            tasks=[(t, overdue_by(language, t.days_overdue)) for t in p.tasks],
            objectives=[(o, objective_progress(o, language, p.agreement.starts_on, p.day)) for o in p.objectives],
            statements=[(s.title(language), signatures(language, s.signatures)) for s in p.statements],
            proof=doc.proof,
            exported_at=utc(doc.proof.exported_at),
            exported_when=dates.moment(doc.proof.exported_at, language, p.agreement.time_zone),
            verify=render._verify_text(doc.verify_url, {**words, "verify_command": ""}),
            proof_name=PROOF_NAME,
            day=lambda value: dates.date_in(value, language),
        )
    )


def render_pdf(doc: ReportDocument) -> bytes:
    """The report's PDF (A4, PDF/A-3a, tagged), with its proof embedded; not yet sealed."""
    from weasyprint import Attachment

    proof_file = Attachment(
        string=doc.proof.to_json(),
        name=PROOF_NAME,
        url_fetcher=render.url_fetcher(),
        description="The partnership report's proof: what the PDF certifies, for machines",
        created=doc.proof.exported_at,
        modified=doc.proof.exported_at,
        relationship="Data",
    )
    return render._write(
        report_html(doc),
        finisher=archival.finisher(doc.language, doc.partnership.agreement.name),
        attachments=[proof_file],
        pdf_identifier=True,
        pdf_variant=archival.VARIANT,
    )


def export(
    engine: Engine,
    sealer: Sealer,
    cache: PdfCache,
    coalition_id: str,
    position: int,
    day: date,
    language: str,
    verify_url: str,
    report_id: str = "",
) -> Exported:
    """The report's sealed PDF, from the cache when nothing it shows has changed."""
    now = datetime.now(UTC).replace(microsecond=0)
    with engine.connect() as connection:
        level = "B-LT" if sealer.long_term else "B-T" if sealer.timestamper else "B-B"
        layout = f"{render.layout_version()}:{LAYOUT}"
        salt = (language, report_id, sealer.fingerprint, layout, rules_version(), verify_url, level)
        key = "report-" + report_key(connection, coalition_id, position, day, *salt, str(erasures(connection)))
        filename = f"report-{coalition_id[:12]}-{day.isoformat()}-{language}.pdf"
        kept = cache.get(key)
        if kept is not None:
            return Exported(kept, True, filename)
        doc = document(connection, coalition_id, position, day, language, verify_url, now, report_id)
    pdf = sealer.seal(render_pdf(doc), reason=f"Coalition partnership report {coalition_id}, log position {position}")
    cache.put(key, pdf)
    return Exported(pdf, False, filename)
