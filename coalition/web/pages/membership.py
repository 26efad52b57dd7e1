"""Founding a coalition and its membership: the agreement form, join, invite, approve, suspend, leave, roles."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, abort, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.engine import Connection
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional

from coalition.accounts import names_of
from coalition.domain.coalition import ROLES, STILL_MEMBER
from coalition.handlers import coalitions as handle
from coalition.infra.extensions import services
from coalition.reads.reports import facilitates
from coalition.web.i18n import localised_country
from coalition.web.pages import actor, context, perform, require_member
from projections.organisations import organisations
from projections.standing import Moment, Snapshot, snapshot

bp = Blueprint("membership", __name__)

MAX_OBJECTIVES = 50
A_DAY = _l("Enter a date as year-month-day, such as 2026-03-31.")
TEXT = Length(max=20_000)
ROLE_LABELS = {"facilitator": _l("facilitator"), "liaison": _l("liaison"), "endorser": _l("endorser")}


# -- forms ----------------------------------------------------------------------------------------


class ObjectiveRow(Form):
    objective_id = HiddenField()  # kept when amending: an objective keeps its id (and what serves it)
    text = StringField(_l("Objective"), validators=[TEXT])
    measure = StringField(_l("How we measure it (optional)"), validators=[Length(max=500)])
    target_date = DateField(_l("Target date (optional)"), validators=[Optional()], invalid_value_message=A_DAY)
    remove = SubmitField(_l("Remove"))

    def blank(self) -> bool:
        """True when nothing was written in the row (such rows are ignored)."""
        typed = (self.target_date.raw_data or [""])[0] or ""
        return not (
            (self.text.data or "").strip()
            or (self.measure.data or "").strip()
            or typed.strip()
            or self.target_date.data
        )


class AgreementForm(FlaskForm):
    name = StringField(_l("Name of the coalition"), validators=[DataRequired(), Length(max=200)])
    purpose = TextAreaField(_l("Purpose"), validators=[DataRequired(), TEXT])
    starts_on = DateField(_l("Starts on"), validators=[InputRequired()], invalid_value_message=A_DAY)
    ends_on = DateField(_l("Ends on (optional)"), validators=[Optional()], invalid_value_message=A_DAY)
    cooperation_mechanism = TextAreaField(_l("How the members cooperate"), validators=[DataRequired(), TEXT])
    benefit_sharing = TextAreaField(_l("How the benefits are shared"), validators=[DataRequired(), TEXT])
    members_may_draft = BooleanField(
        _l("The people of every member may draft joint statements, not only the facilitators")
    )
    objectives = FieldList(FormField(ObjectiveRow), min_entries=1, max_entries=MAX_OBJECTIVES)
    add_objective = SubmitField(_l("Add another objective"))

    def filled(self) -> list[ObjectiveRow]:
        """The objective rows with something written in them."""
        return [row.form for row in self.objectives if not row.form.blank()]

    def validate(self, extra_validators: Any = None) -> bool:
        """The fields, and at least one objective, each with its text."""
        valid = super().validate(extra_validators)
        for row in self.filled():
            if not (row.text.data or "").strip():
                row.text.errors.append(_("Describe this objective, or empty the whole row."))
                valid = False
        if not self.filled():
            self.objectives[0].form.text.errors.append(_("Name at least one common objective."))
            valid = False
        return valid

    def agreement(self, keep_ids: bool) -> dict[str, Any]:
        """The agreement as the handlers take it; `keep_ids`: objectives keep the ids they came with."""
        objectives = [
            {
                "text": row.text.data.strip(),
                "measure": (row.measure.data or "").strip() or None,
                "target_date": row.target_date.data,
                **({"id": row.objective_id.data} if keep_ids and row.objective_id.data else {}),
            }
            for row in self.filled()
        ]
        return {
            "name": self.name.data,
            "purpose": self.purpose.data.strip(),
            "starts_on": self.starts_on.data,
            "ends_on": self.ends_on.data,
            "cooperation_mechanism": self.cooperation_mechanism.data.strip(),
            "benefit_sharing": self.benefit_sharing.data.strip(),
            "members_may_draft": bool(self.members_may_draft.data),
            "objectives": objectives,
        }


class FoundForm(AgreementForm):
    organisation_id = SelectField(_l("Founding organisation"), validators=[InputRequired()])


class ChooseOrganisation(FlaskForm):
    organisation_id = SelectField(_l("Organisation"), validators=[InputRequired()])


class ReasonForm(FlaskForm):
    reason = TextAreaField(_l("Reason (optional)"), validators=[Optional(), TEXT])


class RequiredReasonForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), TEXT])


class AssignForm(FlaskForm):
    email = EmailField(_l("E-mail address of the person"), validators=[DataRequired(), Email(), Length(max=320)])
    organisation_id = SelectField(_l("On behalf of"), validators=[InputRequired()])
    role = SelectField(
        _l("Role"), choices=[SelectChoice(k, v) for k, v in ROLE_LABELS.items()], validators=[InputRequired()]
    )


# -- reading --------------------------------------------------------------------------------------


def _coalition(connection: Connection, coalition_id: str) -> Snapshot:
    """The coalition as it is now, or the 404 page."""
    snap = snapshot(connection, coalition_id, Moment(None, services().store.clock().date()))
    if snap.agreement is None:
        abort(404)
    return snap


def _named(connection: Connection, organisation_ids: set[str] | frozenset[str]) -> list[SelectChoice]:
    """These organisations' ids and names, by name."""
    return [
        SelectChoice(row.organisation_id, row.name)
        for row in connection.execute(
            select(organisations.c.organisation_id, organisations.c.name)
            .where(organisations.c.organisation_id.in_(sorted(organisation_ids)))
            .order_by(organisations.c.name)
        )
    ]


def _states(snap: Snapshot) -> dict[str, str]:
    return {m["organisation_id"]: m["state"] for m in snap.members}


def _outside(snap: Snapshot, choices: list[SelectChoice]) -> list[SelectChoice]:
    """The organisations among `choices` that are not members now (never were, or left): they may ask to join."""
    states = _states(snap)
    return [c for c in choices if states.get(c.value) in (None, "left")]


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text[:10]) if text else None


def _name(snap: Snapshot, organisation_id: str) -> str:
    return str(snap.names.get(organisation_id, {}).get("name", organisation_id))


# -- the agreement --------------------------------------------------------------------------------


def _rows_edited(form: AgreementForm) -> bool:
    """Add or remove an objective row if one of those buttons was pressed (nothing is recorded then)."""
    rows = form.objectives
    pressed = [index for index, row in enumerate(rows) if row.form.remove.data]
    for index in reversed(pressed):
        rows.pop_entry(index)
    if (form.add_objective.data and len(rows) < MAX_OBJECTIVES) or not len(rows):
        rows.append_entry()
    return bool(pressed or form.add_objective.data)


def _agreement_page(form: AgreementForm, coalition_id: str | None = None, status: int = 200) -> ResponseReturnValue:
    return render_template("membership/agreement.html", form=form, coalition_id=coalition_id), status


@bp.route("/coalitions/new", methods=["GET", "POST"])
@login_required
def found() -> ResponseReturnValue:
    """The partnership agreement form: found a coalition for an organisation you act for."""
    form = FoundForm()
    with services().engine.connect() as connection:
        form.organisation_id.choices = _named(connection, actor(connection).acts_for)
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
            "target_date": _day(o.get("target_date")),
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
        "objectives": objectives,
    }


@bp.route("/coalitions/<coalition_id>/agreement", methods=["GET", "POST"])
@login_required
def agreement(coalition_id: str) -> ResponseReturnValue:
    """Amend the partnership agreement (facilitators), objectives included."""
    with services().engine.connect() as connection:
        snap = _coalition(connection, coalition_id)
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


# -- joining --------------------------------------------------------------------------------------


def _join_page(coalition_id: str, form: ChooseOrganisation | None = None, status: int = 200) -> ResponseReturnValue:
    """The coalition's public description, and where each organisation the user acts for stands in it."""
    with services().engine.connect() as connection:
        snap = _coalition(connection, coalition_id)
        mine = _named(connection, actor(connection).acts_for)
    states = _states(snap)
    form = form or ChooseOrganisation()
    form.organisation_id.choices = _outside(snap, mine)
    public = {k: (snap.agreement or {})[k] for k in ("name", "purpose", "starts_on", "ends_on")}
    members = [snap.names.get(m["organisation_id"], {}) for m in snap.members if m["state"] == "active"]
    return render_template(
        "membership/join.html",
        coalition_id=coalition_id,
        coalition=public,
        form=form,
        members=sorted(members, key=lambda m: m.get("name", "")),
        mine=[{"id": c.value, "name": c.label, "state": states.get(c.value)} for c in mine],
    ), status


@bp.route("/coalitions/<coalition_id>/join", methods=["GET", "POST"])
@login_required
def join(coalition_id: str) -> ResponseReturnValue:
    """Ask to join for one of your organisations; accept an invitation; see where your requests stand."""
    if request.method == "GET":
        return _join_page(coalition_id)
    form = ChooseOrganisation()
    with services().engine.connect() as connection:
        form.organisation_id.choices = _outside(
            _coalition(connection, coalition_id), _named(connection, actor(connection).acts_for)
        )
    if not form.validate_on_submit():
        return _join_page(coalition_id, form, 400)
    ctx = context()
    return perform(
        lambda: handle.join(ctx, coalition_id, organisation_id=form.organisation_id.data),
        done=_("Your request to join was sent. A facilitator will review it."),
        then=url_for("membership.join", coalition_id=coalition_id),
        again=lambda status: _join_page(coalition_id, form, status),
    )


def _leave_page(coalition_id: str, organisation_id: str, form: ReasonForm, status: int = 200) -> ResponseReturnValue:
    """Confirm leaving (or withdrawing a request, or declining an invitation) for an organisation you act for."""
    with services().engine.connect() as connection:
        snap = _coalition(connection, coalition_id)
        acts = actor(connection).acts_for
    state = _states(snap).get(organisation_id)
    if state not in STILL_MEMBER:
        abort(404)
    if organisation_id not in acts:
        abort(403)
    return render_template(
        "membership/leave.html",
        coalition_id=coalition_id,
        organisation_id=organisation_id,
        organisation=_name(snap, organisation_id),
        coalition=(snap.agreement or {})["name"],
        state=state,
        form=form,
    ), status


@bp.get("/coalitions/<coalition_id>/members/<organisation_id>/leave")
@login_required
def leave(coalition_id: str, organisation_id: str) -> ResponseReturnValue:
    """The confirmation before an organisation leaves."""
    return _leave_page(coalition_id, organisation_id, ReasonForm())


# -- members --------------------------------------------------------------------------------------


def _candidates(connection: Connection, snap: Snapshot) -> list[SelectChoice]:
    """Every organisation that is not a member now (never was, or left), with its country."""
    taken = {m["organisation_id"] for m in snap.members if m["state"] in STILL_MEMBER}
    rows = connection.execute(
        select(organisations.c.organisation_id, organisations.c.name, organisations.c.country).order_by(
            organisations.c.name
        )
    )
    return [
        SelectChoice(r.organisation_id, f"{r.name} ({localised_country(r.country)})")
        for r in rows
        if r.organisation_id not in taken
    ]


def _members_page(
    coalition_id: str,
    *,
    invite: ChooseOrganisation | None = None,
    reason: FlaskForm | None = None,
    failed: str = "",
    status: int = 200,
) -> ResponseReturnValue:
    """The members and their state, with the forms the reader can use."""
    with services().engine.connect() as connection:
        snap = _coalition(connection, coalition_id)
        reader = require_member(connection, coalition_id)
        facilitator = facilitates(snap, reader)
        invite = invite or ChooseOrganisation()
        invite.organisation_id.choices = _candidates(connection, snap) if facilitator else []
    members = [
        {
            **m,
            **snap.names.get(m["organisation_id"], {}),
            "since": _day(m["since"]),
            "mine": m["organisation_id"] in reader.acts_for,
        }
        for m in snap.members
    ]
    order = {"requested": 0, "invited": 1, "active": 2, "suspended": 3, "left": 4}
    members.sort(key=lambda m: (order.get(m["state"], 5), m.get("name") or ""))
    return render_template(
        "membership/members.html",
        coalition_id=coalition_id,
        name=(snap.agreement or {})["name"],
        members=members,
        facilitator=facilitator,
        invite=invite,
        reason=reason or ReasonForm(),
        failed=failed,
    ), status


@bp.get("/coalitions/<coalition_id>/members")
@login_required
def members(coalition_id: str) -> ResponseReturnValue:
    """Who belongs to the coalition, who asked and who was invited."""
    return _members_page(coalition_id)


@bp.post("/coalitions/<coalition_id>/members/invite")
@login_required
def invite(coalition_id: str) -> ResponseReturnValue:
    """Invite an organisation (facilitators)."""
    form = ChooseOrganisation()
    with services().engine.connect() as connection:
        form.organisation_id.choices = _candidates(connection, _coalition(connection, coalition_id))
    if not form.validate_on_submit():
        return _members_page(coalition_id, invite=form, status=400)
    ctx = context()
    return perform(
        lambda: handle.join(ctx, coalition_id, organisation_id=form.organisation_id.data),
        done=_("The organisation was invited."),
        then=url_for("membership.members", coalition_id=coalition_id),
        again=lambda status: _members_page(coalition_id, invite=form, status=status),
    )


@bp.post("/coalitions/<coalition_id>/members/<organisation_id>/<action>")
@login_required
def change(coalition_id: str, organisation_id: str, action: str) -> ResponseReturnValue:
    """Approve, suspend or reinstate (facilitators); accept an invitation or leave (the organisation's people)."""
    if action not in handle.MEMBERSHIP_ACTIONS:
        abort(404)
    form = RequiredReasonForm() if action in handle.NEEDS_A_REASON else ReasonForm()

    def again(status: int) -> ResponseReturnValue:
        if action == "leave":
            return _leave_page(coalition_id, organisation_id, form, status)
        if action == "accept":
            return _join_page(coalition_id, status=status)
        return _members_page(coalition_id, reason=form, failed=f"{organisation_id}:{action}", status=status)

    if not form.validate_on_submit():
        return again(400)
    done = {
        "approve": _("The organisation is now a member."),
        "accept": _("Welcome: the invitation was accepted."),
        "suspend": _("The member was suspended."),
        "reinstate": _("The member was reinstated."),
        "leave": _("Done: the organisation is no longer part of the coalition."),
    }[action]
    then = {"leave": "membership.join", "accept": "coalitions.home"}.get(action, "membership.members")
    ctx = context()
    return perform(
        lambda: handle.change_membership(ctx, coalition_id, organisation_id, action, form.reason.data),
        done=done,
        then=url_for(then, coalition_id=coalition_id),
        again=again,
    )


# -- roles ----------------------------------------------------------------------------------------


def _active(snap: Snapshot) -> list[SelectChoice]:
    return sorted(
        (
            SelectChoice(m["organisation_id"], _name(snap, m["organisation_id"]))
            for m in snap.members
            if m["state"] == "active"
        ),
        key=lambda choice: choice.label,
    )


def _roles_page(
    coalition_id: str,
    *,
    assign: AssignForm | None = None,
    remove: ReasonForm | None = None,
    failed: str = "",
    status: int = 200,
) -> ResponseReturnValue:
    """The roles held now; facilitators give and take them."""
    with services().engine.connect() as connection:
        snap = _coalition(connection, coalition_id)
        facilitator = facilitates(snap, require_member(connection, coalition_id))
    assign = assign or AssignForm()
    assign.organisation_id.choices = _active(snap)
    people = names_of(services().engine, {r["user_id"] for r in snap.roles})
    held = sorted(
        (
            {
                **r,
                "person": people.get(r["user_id"], r["user_id"]),
                "organisation": _name(snap, r["organisation_id"]),
                "since": _day(r["since"]),
            }
            for r in snap.roles
        ),
        key=lambda r: (ROLES.index(r["role"]) if r["role"] in ROLES else 9, r["organisation"], r["person"]),
    )
    return render_template(
        "membership/roles.html",
        coalition_id=coalition_id,
        name=(snap.agreement or {})["name"],
        roles=held,
        labels=ROLE_LABELS,
        facilitator=facilitator,
        assign=assign,
        remove=remove or ReasonForm(),
        failed=failed,
    ), status


@bp.route("/coalitions/<coalition_id>/roles", methods=["GET", "POST"])
@login_required
def roles(coalition_id: str) -> ResponseReturnValue:
    """The roles; a facilitator gives one to a person of an active member, by e-mail."""
    if request.method == "GET":
        return _roles_page(coalition_id)
    form = AssignForm()
    with services().engine.connect() as connection:
        form.organisation_id.choices = _active(_coalition(connection, coalition_id))
    if not form.validate_on_submit():
        return _roles_page(coalition_id, assign=form, status=400)
    ctx = context()
    return perform(
        lambda: handle.assign_role(
            ctx,
            coalition_id,
            email=form.email.data.strip(),
            organisation_id=form.organisation_id.data,
            role=form.role.data,
        ),
        done=_("The role was given."),
        then=url_for("membership.roles", coalition_id=coalition_id),
        again=lambda status: _roles_page(coalition_id, assign=form, status=status),
    )


@bp.post("/coalitions/<coalition_id>/roles/<role_id>/remove")
@login_required
def remove_role(coalition_id: str, role_id: str) -> ResponseReturnValue:
    """Take a role away (facilitators), with a reason kept in the history."""
    form = ReasonForm()
    if not form.validate_on_submit():
        return _roles_page(coalition_id, remove=form, failed=role_id, status=400)
    ctx = context()
    return perform(
        lambda: handle.remove_role(ctx, coalition_id, role_id, form.reason.data),
        done=_("The role was removed."),
        then=url_for("membership.roles", coalition_id=coalition_id),
        again=lambda status: _roles_page(coalition_id, remove=form, failed=role_id, status=status),
    )
