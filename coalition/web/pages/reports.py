"""The partnership report pages: the members' report page (download in each language, as of a day; publish, for
facilitators) and the public page of a published report. Members and facilitators download any report; the
public sees only the reports a facilitator published."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, abort, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError
from wtforms import SelectField
from wtforms.validators import Optional

from coalition.handlers import reports as handle
from coalition.infra.extensions import services
from coalition.reads.access import readers_snapshot
from coalition.reads.coalitions import name as coalition_name
from coalition.reads.report_log import published_report, published_reports
from coalition.reads.reports import facilitates
from coalition.reads.standing import Moment
from coalition.web.forms import PageForm
from coalition.web.i18n import language_name
from coalition.web.pages import actor, context, perform
from coalition.web.pages.audit_forms import DayField
from coalition.web.reading import today
from coalition.web.report_download import REPORT_LANGUAGES, drawn_at, language_of, report_response
from coalition.web.typed import login_required

bp = Blueprint("reports", __name__)
REPORT = "/coalitions/<coalition_id>/report"


class ReportForm(PageForm):
    """The day the report is drawn as of (a GET form: nothing to forge)."""

    class Meta:
        csrf = False

    checks_dates = False  # read as the API's `as_of` is (`coalition.web.reading`)

    as_of = DayField(_l("As of the end of"), validators=[Optional()])


class PublishForm(PageForm):
    """Publish the report as of a day, in one language or any."""

    as_of = DayField(_l("As of the end of"), validators=[Optional()])
    language = SelectField(_l("Language of the report"), validators=[Optional()])


def _page(
    coalition_id: str, form: ReportForm, publish: PublishForm | None = None, status: int = 200
) -> ResponseReturnValue:
    with services().engine.connect() as connection:
        reader = actor(connection)
        as_of = form.as_of.data.isoformat() if form.as_of.data else None
        try:
            drawn = drawn_at(connection, coalition_id, as_of, reader)
        except ValidationError:
            form.as_of.errors = _messages(form.as_of.data)
            drawn, status = drawn_at(connection, coalition_id, None, reader), 400
            as_of = None
        snap = readers_snapshot(connection, coalition_id, reader, Moment(None, today()))  # a rule about the reader
        facilitator = facilitates(snap, reader)
        published = published_reports(connection, coalition_id)
    publish = publish or _publish_form()
    return render_template(
        "reports/report.html",
        coalition_id=coalition_id,
        name=snap.agreement["name"] if snap.agreement else "",
        form=form,
        publish=publish,
        drawn=drawn,
        as_of=as_of,
        languages=[(code, language_name(code)) for code in REPORT_LANGUAGES],
        facilitator=facilitator,
        published=published,
    ), status


def _messages(day: date | None) -> list[str]:
    """What a refused day says, in the reader's language: in the future, or before the coalition existed (the only
    ways a valid date is refused)."""
    current = today()
    if day is not None and day > current:
        return [
            _(
                "%(day)s is in the future: the history ends today, %(today)s.",
                day=day.isoformat(),
                today=current.isoformat(),
            )
        ]
    return [_("The coalition did not exist yet at the end of %(day)s.", day=day.isoformat() if day else "")]


def _publish_form() -> PublishForm:
    form = PublishForm(prefix="publish")
    form.language.choices = [("", _("Any language")), *((c, language_name(c)) for c in REPORT_LANGUAGES)]
    return form


@bp.get(REPORT)
@login_required
def report_page(coalition_id: str) -> ResponseReturnValue:
    """The coalition's partnership report: download it in each language, as of a day; publish it (facilitators)."""
    form = ReportForm(formdata=request.args)
    valid = form.validate()
    return _page(coalition_id, form, status=200 if valid else 400)


@bp.get(f"{REPORT}.pdf")
@login_required
def report_pdf(coalition_id: str) -> ResponseReturnValue:
    """The sealed report, as of `as_of`, in `lang` (members and facilitators)."""
    try:
        language = language_of(request.args.get("lang"))
        with services().engine.connect() as connection:
            drawn = drawn_at(connection, coalition_id, request.args.get("as_of") or None, actor(connection))
    except ValidationError:
        abort(400)
    return report_response(coalition_id, drawn.position, drawn.day, language)


@bp.post(f"{REPORT}/publish")
@login_required
def publish(coalition_id: str) -> ResponseReturnValue:
    """Publish the report at a public URL (facilitators)."""
    form = _publish_form()
    if not form.validate_on_submit():
        return _page(coalition_id, ReportForm(formdata=None), form, 400)
    day: date | None = form.as_of.data
    with services().engine.connect() as connection:
        reader = actor(connection)
        try:
            drawn = drawn_at(connection, coalition_id, day.isoformat() if day else None, reader)
        except ValidationError:
            form.as_of.errors = _messages(day)
            return _page(coalition_id, ReportForm(formdata=None), form, 400)
    ctx = context()

    def run() -> dict[str, Any]:
        return handle.publish_report(
            ctx,
            coalition_id,
            position=drawn.position,
            chain_hash=drawn.chain_hash,
            day=drawn.day,
            language=form.language.data or None,
            founded_at=drawn.founded_at,
        )

    return perform(
        run,
        done=_("The report is published: anyone with its address may download it."),
        then=lambda answer: url_for("reports.public_report", report_id=answer["id"]),
        again=lambda status: _page(coalition_id, ReportForm(formdata=None), form, status),
    )


def _published(report_id: str) -> dict[str, Any]:
    with services().engine.connect() as connection:
        found = published_report(connection, report_id)
    if found is None:
        abort(404)
    return found


@bp.get("/public/reports/<report_id>")
def public_report(report_id: str) -> ResponseReturnValue:
    """A published partnership report: what it is, and its sealed PDF in each language (no login)."""
    found = _published(report_id)
    languages = [found["language"]] if found.get("language") else list(REPORT_LANGUAGES)
    with services().engine.connect() as connection:
        name = coalition_name(connection, found["coalition_id"])
    return render_template(
        "reports/public.html",
        report=found,
        name=name,
        languages=[(code, language_name(code)) for code in languages],
    )


@bp.get("/public/reports/<report_id>.pdf")
def public_report_pdf(report_id: str) -> ResponseReturnValue:
    """A published report's sealed PDF, in `lang` (default: the one it was published in, else English)."""
    found = _published(report_id)
    language = request.args.get("lang") or found.get("language") or "en"
    if language not in REPORT_LANGUAGES or (found.get("language") and language != found["language"]):
        abort(404)
    day = date.fromisoformat(found["day"])
    return report_response(found["coalition_id"], int(found["position"]), day, language, report_id)
