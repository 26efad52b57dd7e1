"""One common objective: its indicator, its progress chart (now or as of a day) and, for facilitators and liaisons,
the form to record progress or correct a point."""

from __future__ import annotations

import math

from flask import abort, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from coalition.domain import text
from coalition.domain.policy.objectives import LARGEST
from coalition.handlers import progress as handle
from coalition.infra.extensions import services
from coalition.reads import objectives, work
from coalition.reads.access import facilitates
from coalition.reads.organisations import names as organisation_names
from coalition.reads.standing import BadMoment, resolve, snapshot
from coalition.web import member_choice
from coalition.web.charts import progress_chart
from coalition.web.forms import PageForm
from coalition.web.numbers import LocalFloatField
from coalition.web.pages import context, perform
from coalition.web.pages.work.blueprint import COALITION, bp
from coalition.web.pages.work.common import current, people
from coalition.web.pages.work.forms import DATE_FORMAT, day_of, options
from coalition.web.reading import today
from coalition.web.typed import login_required

OBJECTIVE = f"{COALITION}/objectives/<objective_id>"
NUMBER = _l("Give a number, such as 1200 or 12.5.")


class ProgressForm(PageForm):
    value = LocalFloatField(  # type: ignore[call-arg]
        _l("Value reached"),
        id="progress-value",
        validators=[InputRequired(_l("Give the value reached, as a number."))],
        invalid_value_message=NUMBER,
    )
    as_of = DateField(
        _l("On which day"),
        id="progress-as-of",
        validators=[InputRequired(_l("Give a date."))],
        invalid_value_message=DATE_FORMAT,  # type: ignore[call-arg]
    )
    note = TextAreaField(
        _l("Where the figure comes from (optional)"),
        id="progress-note",
        validators=[Optional(), Length(max=text.TEXT)],
    )
    organisation_id = SelectField(
        _l("Whose work it counts"), id="progress-organisation", validate_choice=False, validators=[Optional()]
    )
    # a facilitator's, where the coalition has too many active members for a menu (`coalition.web.member_choice`)
    organisation_name = StringField(
        _l("Whose work it counts"), id="progress-organisation-name", validators=[Optional(), Length(max=text.NAME)]
    )
    supersedes = SelectField(
        _l("Corrects"), id="progress-supersedes", validate_choice=False, validators=[Optional(), Length(max=text.ID)]
    )

    def validate_value(self, field: LocalFloatField) -> None:
        if field.data is None or not math.isfinite(field.data) or abs(field.data) > LARGEST:
            raise ValidationError(NUMBER)


class AsOfDay(PageForm):
    """The day to look back to (empty: today)."""

    class Meta:
        csrf = False

    checks_dates = False
    date = DateField(_l("As of the end of"), validators=[Optional()], invalid_value_message=DATE_FORMAT)  # type: ignore[call-arg]


def _page(
    coalition_id: str,
    objective_id: str,
    form: ProgressForm | None = None,
    status: int = 200,
    by_name: bool | None = None,
) -> ResponseReturnValue:
    """The objective's page; its progress form names the organisation from a menu, or (`by_name`: as the form was
    sent, else for a facilitator of a coalition with more than `LISTED` active members) by a name to type."""
    as_of = AsOfDay(formdata=request.args)
    with services().engine.connect() as connection:
        snap, reader = current(connection, coalition_id)
        then = snap
        if as_of.validate() and as_of.date.data:
            try:
                moment = resolve(connection, as_of.date.data.isoformat(), today())
                then = snapshot(connection, coalition_id, moment, reader.acts_for)  # its agreement, not its members
            except BadMoment:
                as_of.date.errors = [_("%(day)s is in the future.", day=as_of.date.data.isoformat())]
                status = 400
        elif as_of.errors:
            status = 400
        listed = objectives.standing(connection, then)
        named: dict[str, str] = {}
        facilitator = facilitates(snap, reader)  # a facilitator records for every active member: past LISTED, by name
        typed, active_count = member_choice.mode(connection, coalition_id, by_name, facilitator)

        def active() -> list[str]:  # a facilitator records for every active member (none listed where typed)
            if not typed:
                named.update(work.active_members(connection, coalition_id))
            return list(named)

        recorders = objectives.recorders(snap, reader, active)
        found = next((o for o in listed if o["objective_id"] == objective_id), None)
        recorded_for = {p["organisation_id"] for p in found["points"] if p["organisation_id"]} if found else set()
        named |= organisation_names(connection, recorded_for - set(named))
    if found is None:
        if not any(o["objective_id"] == objective_id for o in (snap.agreement or {}).get("objectives", [])):
            abort(404)
        return render_template(
            "work/objective.html", coalition_id=coalition_id, agreement=snap.agreement, objective=None, as_of=as_of
        ), status
    form = form or ProgressForm(formdata=None, as_of=today())
    if not typed:
        whole = [("", _("The coalition as a whole"))] if facilitator else []
        listed_for = [(o, named.get(o) or work.name(snap, o)) for o in recorders or []]
        form.organisation_id.choices = options(whole + listed_for)
    elif by_name is None:  # a new form: the name to type, no menu yet
        form.organisation_id.choices = []
    form.supersedes.choices = options(
        [("", _("Nothing: a new value"))]
        + [(p.progress_id, f"{p.as_of.isoformat()}: {p.value:g}") for p in reversed(found["current"])]
    )
    assert then.agreement is not None  # the objective was found in it
    chart = progress_chart(found["objective"], found["recorded"], then.agreement["starts_on"], until=then.moment.day)
    return render_template(
        "work/objective.html",
        coalition_id=coalition_id,
        agreement=snap.agreement,
        objective=found,
        chart=chart,
        form=form if (recorders or typed) and then is snap else None,
        by_name=typed,
        active=active_count,
        as_of=as_of,
        then=then if then is not snap else None,
        names={o: named.get(o, o) for o in recorded_for},
        people=people(*(p["recorded_by"] for p in found["points"])),
    ), status


@bp.get(OBJECTIVE)
@login_required
def objective(coalition_id: str, objective_id: str) -> ResponseReturnValue:
    """One common objective: its indicator, status and progress chart, now or as of the end of a day."""
    return _page(coalition_id, objective_id)


@bp.post(f"{OBJECTIVE}/progress")
@login_required
def record_progress(coalition_id: str, objective_id: str) -> ResponseReturnValue:
    """A facilitator or a member's liaison records the value an objective reached, or corrects a point."""
    form = ProgressForm()
    # no name: the coalition as a whole
    by_name, valid = member_choice.sent(form, coalition_id, form.organisation_id, form.organisation_name, empty=True)
    if not valid:
        return _page(coalition_id, objective_id, form, 400, by_name)
    ctx = context()
    return perform(
        lambda: handle.record_progress(
            ctx,
            coalition_id,
            objective_id,
            value=float(form.value.data or 0),
            as_of=day_of(form.as_of),
            note=(form.note.data or "").strip() or None,
            organisation_id=form.organisation_id.data or None,
            supersedes=form.supersedes.data or None,
        ),
        done=_("The progress is recorded."),
        then=url_for("work.objective", coalition_id=coalition_id, objective_id=objective_id),
        again=lambda status: _page(coalition_id, objective_id, form, status, by_name),
    )
