"""Founding a coalition and amending its agreement."""

from __future__ import annotations

from typing import Any

from flask import abort, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from coalition.domain import zones
from coalition.handlers import coalitions as handle
from coalition.infra.extensions import services
from coalition.infra.formats import reader_zone
from coalition.reads.access import facilitates
from coalition.web.pages import actor, context, perform, require_member
from coalition.web.pages.membership.blueprint import bp
from coalition.web.pages.membership.common import day, named, yours
from coalition.web.pages.membership.forms import MAX_OBJECTIVES, AgreementForm, FoundForm
from coalition.web.typed import login_required

# -- the agreement --------------------------------------------------------------------------------


def _rows_edited(form: AgreementForm) -> bool:
    """Add or remove an objective row if one of those buttons was pressed (nothing is recorded then)."""
    rows = form.objectives
    pressed = [index for index, row in enumerate(rows) if row.form.remove.data]
    for index in reversed(pressed):
        rows.pop_entry(index)  # type: ignore[call-arg]  # types-WTForms 3.2 predates the index
    if (form.add_objective.data and len(rows) < MAX_OBJECTIVES) or not len(rows):
        rows.append_entry()
    return bool(pressed or form.add_objective.data)


def _agreement_page(form: AgreementForm, coalition_id: str | None = None, status: int = 200) -> ResponseReturnValue:
    return render_template("membership/agreement.html", form=form, coalition_id=coalition_id), status


@bp.route("/coalitions/new", methods=["GET", "POST"])
@login_required
def found() -> ResponseReturnValue:
    """The partnership agreement form: found a coalition for an organisation you act for."""
    form = FoundForm(time_zone=reader_zone()) if request.method == "GET" else FoundForm()  # the founder's clock
    with services().engine.connect() as connection:
        form.organisation_id.choices = named(connection, actor(connection).acts_for)
    if request.method == "GET" or _rows_edited(form):
        return _agreement_page(form)
    if not form.validate_on_submit():
        return _agreement_page(form, status=400)
    ctx = context()
    return perform(
        lambda: handle.found_coalition(
            ctx, organisation_id=form.organisation_id.data, **form.agreement(keep_ids=False)
        ),
        done=_("The coalition was founded. You are its first facilitator."),
        then=lambda founded: url_for("coalitions.home", coalition_id=founded["id"]),
        again=lambda status: _agreement_page(form, status=status),
    )


def _prefill(agreement: dict[str, Any]) -> dict[str, Any]:
    objectives = [
        {
            "objective_id": o["objective_id"],
            "text": o["text"],
            "measure": o.get("measure") or "",
            "target_date": day(o.get("target_date")),
            "unit": o.get("unit") or "",
            "baseline": o.get("baseline"),
            "target": o.get("target"),
        }
        for o in agreement["objectives"]
    ]
    return {
        **{
            k: agreement[k]
            for k in (
                "name",
                "purpose",
                "starts_on",
                "ends_on",
                "cooperation_mechanism",
                "benefit_sharing",
                "members_may_draft",
            )
        },
        "time_zone": agreement.get("time_zone") or zones.DEFAULT,
        "objectives": objectives,
    }


@bp.route("/coalitions/<coalition_id>/agreement", methods=["GET", "POST"])
@login_required
def agreement(coalition_id: str) -> ResponseReturnValue:
    """Amend the partnership agreement (facilitators), objectives included."""
    with services().engine.connect() as connection:
        snap, _reader = yours(connection, coalition_id)
        if not facilitates(snap, require_member(connection, coalition_id)):
            abort(403)
    form = AgreementForm(data=_prefill(snap.agreement or {})) if request.method == "GET" else AgreementForm()
    if request.method == "GET" or _rows_edited(form):
        return _agreement_page(form, coalition_id)
    if not form.validate_on_submit():
        return _agreement_page(form, coalition_id, 400)
    ctx = context()
    return perform(
        lambda: handle.amend_agreement(ctx, coalition_id, form.agreement(keep_ids=True)),
        done=_("The agreement was amended."),
        then=url_for("coalitions.home", coalition_id=coalition_id),
        again=lambda status: _agreement_page(form, coalition_id, status),
    )
