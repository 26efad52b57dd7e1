"""The partnership report as a download, shared by the pages and the API: which log position and day a request
names, and the sealed PDF (from the cache when nothing it shows has changed)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import Response, current_app
from marshmallow import ValidationError
from sqlalchemy.engine import Connection

from coalition.domain.base import NotFound
from coalition.domain.coalition_state import Actor
from coalition.infra.extensions import services
from coalition.paths import TRANSLATIONS
from coalition.pdf import export, report
from coalition.reads.exports import event_hashes, log_head
from coalition.reads.report_log import closed, founded_at
from coalition.web.reading import member_moment

#: The languages a report is printed in: those the platform's words are translated into.
REPORT_LANGUAGES = ("en", *sorted(p.name for p in TRANSLATIONS.iterdir() if (p / "LC_MESSAGES").is_dir()))


@dataclass(frozen=True, slots=True)
class Drawn:
    """Where a report is drawn: the log position, its chain hash, the day it counts as, the coalition's founding."""

    position: int
    chain_hash: str
    day: date
    founded_at: int


def drawn_at(connection: Connection, coalition_id: str, as_of: str | None, reader: Actor) -> Drawn:
    """The position and day `as_of` names for a member reader (422 naming `as_of` when it names none, or a moment
    before the coalition existed; 404 no such coalition; 403 not a member's person). Without `as_of`, a closed
    coalition's report is its final one: at the position its closing names, on the day it closed."""
    moment = member_moment(connection, coalition_id, as_of, reader)
    founded = founded_at(connection, coalition_id)
    if founded is None:
        raise NotFound("no such coalition: %(coalition)s", coalition=coalition_id)
    ended = closed(connection, coalition_id) if moment.position is None else None
    if ended is not None:  # a closed coalition's report, as of no moment, is its final report
        position, day = ended
        return Drawn(position, event_hashes(connection, {position})[position], day, founded)
    position = moment.position if moment.position is not None else log_head(connection)[0]
    if position < founded:
        raise ValidationError(
            {"as_of": [f"the coalition did not exist yet then: it was founded at log position {founded}"]}
        )
    return Drawn(position, event_hashes(connection, {position})[position], moment.day, founded)


def language_of(given: str | None) -> str:
    """The report's language (422 naming `lang` for one it is not printed in); English when none is given."""
    if given is None or not given.strip():
        return "en"
    if given not in REPORT_LANGUAGES:
        raise ValidationError({"lang": [f"the report is printed in {', '.join(REPORT_LANGUAGES)}"]})
    return given


def report_response(coalition_id: str, position: int, day: date, language: str, report_id: str = "") -> Response:
    """The report's sealed PDF as a download."""
    sealer, cache = export.for_app(current_app)
    exported = report.export(
        services().engine,
        sealer,
        cache,
        coalition_id,
        position,
        day,
        language,
        export.verify_url(current_app.config),
        report_id,
    )
    response = Response(exported.pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{exported.filename}"'
    response.headers["X-Cache"] = "hit" if exported.cached else "miss"
    return response
