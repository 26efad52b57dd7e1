"""The audit pages for facilitators: the filtered history, as-of views, CSV export, a member's commitment history."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import Blueprint, abort, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from flask_wtf import FlaskForm
from marshmallow import ValidationError as Invalid
from sqlalchemy import select
from sqlalchemy.engine import Connection
from wtforms import DateField, IntegerField, SelectField
from wtforms.validators import NumberRange, Optional, ValidationError

from coalition.accounts import names_of
from coalition.domain.coalition import Actor
from coalition.infra.extensions import services
from coalition.reads.reports import CSV_COLUMNS, event_rows, facilitates, parse_filters
from coalition.reads.summaries import Names
from coalition.web.pages import require_member
from coalition.web.request import csv_response
from events.schema import events as events_table
from projections.audit import AuditLog, Entry, Filters, coalition_log, history
from projections.standing import BadMoment, Moment, Snapshot, resolve, responsibilities, snapshot, standing

bp = Blueprint("audit", __name__)
PER_PAGE = 100  # events per page of the history, newest first
FILTERS = ("organisation_id", "actor", "type", "since", "until")
WORK = (
    "CommitmentPledged",
    "CommitmentRescheduled",
    "CommitmentFulfilled",
    "CommitmentWithdrawn",
    "TaskCreated",
    "TaskAccepted",
    "TaskReassigned",
    "TaskCompleted",
    "TaskDropped",
)

#: Each event type of the audit log as a facilitator would name it.
LABELS = {
    "CoalitionFounded": _l("Coalition founded"),
    "AgreementAmended": _l("Agreement amended"),
    "MembershipRequested": _l("Membership requested"),
    "MemberInvited": _l("Member invited"),
    "MembershipApproved": _l("Membership approved"),
    "InvitationAccepted": _l("Invitation accepted"),
    "MemberSuspended": _l("Member suspended"),
    "MemberReinstated": _l("Member reinstated"),
    "MemberLeft": _l("Member left"),
    "RoleAssigned": _l("Role assigned"),
    "RoleRemoved": _l("Role removed"),
    "CommitmentPledged": _l("Commitment pledged"),
    "CommitmentFulfilled": _l("Commitment fulfilled"),
    "CommitmentWithdrawn": _l("Commitment withdrawn"),
    "CommitmentRescheduled": _l("Commitment rescheduled"),
    "TaskCreated": _l("Task created"),
    "TaskAccepted": _l("Task accepted"),
    "TaskCompleted": _l("Task completed"),
    "TaskReassigned": _l("Task reassigned"),
    "TaskDropped": _l("Task dropped"),
    "StatementDrafted": _l("Statement drafted"),
    "DraftRevised": _l("Draft revised"),
    "TranslationSet": _l("Translation set"),
    "StatementOpened": _l("Statement opened for signature"),
    "StatementAmended": _l("Statement amended"),
    "StatementSigned": _l("Statement signed"),
    "SignatureConfirmed": _l("Signature confirmed"),
    "SignatureWithdrawn": _l("Signature withdrawn"),
    "StatementEndorsed": _l("Statement endorsed"),
    "StatementClosed": _l("Statement closed"),
    "StatementPublished": _l("Statement published"),
}


def label(event_type: str) -> str:
    """The readable name of an event type."""
    return str(LABELS.get(event_type, event_type))


class DayField(DateField):
    """A date input whose error says how to write the date."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(_("Write the date as year-month-day, for example 2027-03-31.")) from None


class FilterForm(FlaskForm):
    """The history's filters, read from the query string (a GET form: nothing to forge)."""

    class Meta:
        csrf = False

    organisation_id = SelectField(_l("Organisation"), validate_choice=False)
    actor = SelectField(_l("Person who acted"), validate_choice=False)
    type = SelectField(_l("What happened"), validate_choice=False)
    since = DayField(_l("From"), validators=[Optional()])
    until = DayField(_l("To"), validators=[Optional()])
    before = IntegerField(validators=[Optional(), NumberRange(min=1, max=2**62)])

    def validate_organisation_id(self, field: SelectField) -> None:
        if field.data and field.data not in dict(field.choices):
            raise ValidationError(_("Choose an organisation from the list."))

    def validate_actor(self, field: SelectField) -> None:
        if field.data and field.data not in dict(field.choices):
            raise ValidationError(_("Choose a person from the list."))

    def validate_type(self, field: SelectField) -> None:
        if field.data and field.data not in dict(field.choices):
            raise ValidationError(_("Choose a kind of event from the list."))

    def validate_until(self, field: DayField) -> None:
        if field.data and self.since.data and field.data < self.since.data:
            raise ValidationError(_("The end date must be on or after the start date."))

    def query(self) -> dict[str, str]:
        """The valid filters set, as query arguments (also those of the API's history)."""
        values = {name: self[name].data for name in FILTERS if self[name].data}
        return {
            name: value.isoformat() if hasattr(value, "isoformat") else str(value) for name, value in values.items()
        }


class AsOfForm(FlaskForm):
    """The day to look back to."""

    class Meta:
        csrf = False

    date = DayField(_l("As of the end of"), validators=[Optional()])


def _facilitated(connection: Connection, coalition_id: str) -> tuple[Snapshot, Actor]:
    """The coalition now and its reader: 404 if unknown, 403 unless the signed-in person facilitates it."""
    snap = snapshot(connection, coalition_id, Moment(None, services().store.clock().date()))
    if snap.agreement is None:
        abort(404)
    reader = require_member(connection, coalition_id)
    if not facilitates(snap, reader):
        abort(403)
    return snap, reader


def _filter_form(connection: Connection, coalition_id: str, snap: Snapshot) -> tuple[FilterForm, Filters | None]:
    """The filter form with its choices, and the filters it names (None when the form is invalid)."""
    form = FilterForm(formdata=request.args)
    actors = set(
        connection.execute(
            select(coalition_log.c.actor_id)
            .distinct()
            .where(coalition_log.c.coalition_id == coalition_id, coalition_log.c.actor_id.is_not(None))
        ).scalars()
    )
    people = names_of(services().engine, actors)
    form.organisation_id.choices = [("", _("Any organisation"))] + sorted(
        ((o, n["name"]) for o, n in snap.names.items()), key=lambda c: c[1].lower()
    )
    form.actor.choices = [("", _("Anyone"))] + sorted(
        ((u, people.get(u, u)) for u in actors), key=lambda c: c[1].lower()
    )
    form.type.choices = [("", _("Any kind of event"))] + sorted(
        ((t, label(t)) for t in AuditLog.types), key=lambda c: c[1].lower()
    )
    if not form.validate():
        return form, None
    try:
        return form, parse_filters(form.query())
    except Invalid as error:  # a day the store cannot bound (the year 9999)
        for name, messages in dict(error.messages).items():
            form[name].errors = [*form[name].errors, *messages]
        return form, None


def _hashes(connection: Connection, positions: list[int]) -> dict[int, str]:
    return dict(
        connection.execute(
            select(events_table.c.position, events_table.c.hash).where(events_table.c.position.in_(positions))
        ).all()
    )


def _when(recorded_at: str) -> datetime:
    return datetime.fromisoformat(recorded_at)


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


@bp.get("/coalitions/<coalition_id>/audit")
@login_required
def audit_history(coalition_id: str) -> ResponseReturnValue:
    """The coalition's history, newest first, filtered by organisation, person, kind of event and dates."""
    with services().engine.connect() as connection:
        snap, _reader = _facilitated(connection, coalition_id)
        form, filters = _filter_form(connection, coalition_id, snap)
        rows: list[dict[str, Any]] = []
        matching, older = 0, None
        if filters is not None:
            before = form.before.data
            entries = [
                e
                for e in history(connection, services().store.registry, coalition_id, filters)
                if before is None or e.position < before
            ]
            page = entries[-PER_PAGE:][::-1]
            matching, older = len(entries), page[-1].position if len(entries) > PER_PAGE else None
            rows = event_rows(connection, coalition_id, page)
            hashes = _hashes(connection, [e.position for e in page])
            rows = [
                {
                    **row,
                    "when": _when(row["recorded_at"]),
                    "label": label(row["type"]),
                    "hash": hashes.get(row["position"], ""),
                }
                for row in rows
            ]
    query = form.query() if filters is not None else {}
    return render_template(
        "audit/history.html",
        coalition_id=coalition_id,
        agreement=snap.agreement,
        form=form,
        rows=rows,
        matching=matching,
        paged=form.before.data is not None and filters is not None,
        members=_members(snap),
        older=url_for(".audit_history", coalition_id=coalition_id, **query, before=older) if older else None,
        newest=url_for(".audit_history", coalition_id=coalition_id, **query),
        csv=url_for(".audit_csv", coalition_id=coalition_id, **query) if filters is not None else None,
        as_of=AsOfForm(formdata=None),
    ), 200 if filters is not None else 400


@bp.get("/coalitions/<coalition_id>/audit.csv")
@login_required
def audit_csv(coalition_id: str) -> ResponseReturnValue:
    """The filtered history as the API's CSV export, as a download."""
    with services().engine.connect() as connection:
        snap, _reader = _facilitated(connection, coalition_id)
        _form, filters = _filter_form(connection, coalition_id, snap)
        if filters is None:
            return audit_history(coalition_id)
        rows = event_rows(
            connection, coalition_id, history(connection, services().store.registry, coalition_id, filters)
        )
    return csv_response(rows, CSV_COLUMNS, f"coalition-{coalition_id}-history.csv")


def _members(snap: Snapshot) -> list[dict[str, Any]]:
    """The coalition's organisations by name, with their membership state."""
    return sorted(
        (
            {
                "organisation_id": m["organisation_id"],
                "state": m["state"],
                "name": snap.names.get(m["organisation_id"], {}).get("name", m["organisation_id"]),
            }
            for m in snap.members
        ),
        key=lambda m: str(m["name"]).lower(),
    )


@bp.get("/coalitions/<coalition_id>/audit/as-of")
@login_required
def as_of(coalition_id: str) -> ResponseReturnValue:
    """Member standing and who was responsible for what, as they were at the end of a chosen day."""
    today = services().store.clock().date()
    form = AsOfForm(formdata=request.args)
    then: Snapshot | None = None
    with services().engine.connect() as connection:
        snap, _reader = _facilitated(connection, coalition_id)
        valid = form.validate()
        if valid and form.date.data:
            try:
                then = snapshot(connection, coalition_id, resolve(connection, form.date.data.isoformat(), today))
            except BadMoment:  # the only way a valid date is refused: it has not happened yet
                form.date.errors = [
                    _(
                        "%(day)s is in the future: the history ends today, %(today)s.",
                        day=form.date.data.isoformat(),
                        today=today.isoformat(),
                    )
                ]
                valid = False
        founded = _when(snap.agreement["founded_at"]) if snap.agreement else None
    members = standing(then) if then and then.agreement else []
    people = names_of(services().engine, {r["user_id"] for m in members for r in m["roles"]})
    return render_template(
        "audit/as_of.html",
        coalition_id=coalition_id,
        agreement=snap.agreement,
        form=form,
        then=then,
        founded=founded,
        members=members,
        people=people,
        work=_work_by_organisation(then) if then and then.agreement else [],
    ), 200 if valid else 400


def _work_by_organisation(snap: Snapshot) -> list[dict[str, Any]]:
    """The shared responsibilities of `snap`, regrouped: each organisation with its commitments and tasks."""
    grid = responsibilities(snap)
    objectives = {o["objective_id"]: o["text"] for o in grid["objectives"]}
    commitments = [*(c for o in grid["objectives"] for c in o["commitments"]), *grid["unlinked"]["commitments"]]
    tasks = [*(t for o in grid["objectives"] for t in o["tasks"]), *grid["unlinked"]["tasks"]]
    served = {c["commitment_id"]: c.get("objective_id") for c in snap.commitments}
    tasked = {t["task_id"]: t["objective_id"] or served.get(t["commitment_id"] or "") for t in snap.tasks}
    goal = {c["commitment_id"]: objectives.get(served.get(c["commitment_id"]) or "") for c in commitments}
    people = names_of(services().engine, {t["assignee_user_id"] for t in tasks if t["assignee_user_id"]})
    organisations = {o["organisation_id"]: o["name"] for o in grid["organisations"]}
    for row in [*commitments, *tasks]:
        organisations.setdefault(row["organisation_id"], snap.names.get(row["organisation_id"], {}).get("name"))
    return [
        {
            "organisation_id": org,
            "name": name,
            "commitments": [
                {**c, "objective": goal[c["commitment_id"]], "due_on": date.fromisoformat(c["due_on"])}
                for c in commitments
                if c["organisation_id"] == org
            ],
            "tasks": [
                {
                    **t,
                    "objective": objectives.get(tasked.get(t["task_id"]) or ""),
                    "due_on": date.fromisoformat(t["due_on"]),
                    "assignee": people.get(t["assignee_user_id"] or ""),
                }
                for t in tasks
                if t["organisation_id"] == org
            ],
        }
        for org, name in sorted(organisations.items(), key=lambda i: str(i[1]).lower())
    ]


@bp.get("/coalitions/<coalition_id>/members/<organisation_id>/history")
@login_required
def member_history(coalition_id: str, organisation_id: str) -> ResponseReturnValue:
    """Every commitment and task of one member, each with its whole history, and its standing now."""
    today = services().store.clock().date()
    with services().engine.connect() as connection:
        snap = snapshot(connection, coalition_id, Moment(None, today))
        if snap.agreement is None:
            abort(404)
        reader = require_member(connection, coalition_id)
        if organisation_id not in {m["organisation_id"] for m in snap.members}:
            abort(404)
        facilitator = facilitates(snap, reader)
        if not facilitator and organisation_id not in reader.acts_for:
            abort(403)
        entries = history(
            connection, services().store.registry, coalition_id, Filters(organisation_id=organisation_id, types=WORK)
        )
        names = Names.load(connection, coalition_id, entries)
    member = next(m for m in standing(snap) if m["organisation_id"] == organisation_id)
    return render_template(
        "audit/member.html",
        coalition_id=coalition_id,
        agreement=snap.agreement,
        member=member,
        facilitator=facilitator,
        **_work_histories(snap, entries, names, organisation_id),
    )


def _work_histories(snap: Snapshot, entries: list[Entry], names: Names, organisation_id: str) -> dict[str, Any]:
    """The member's commitments and tasks, each with its current row and the steps of its history."""
    objectives = {o["objective_id"]: o["text"] for o in snap.agreement["objectives"]} if snap.agreement else {}
    rows = {**{c["commitment_id"]: c for c in snap.commitments}, **{t["task_id"]: t for t in snap.tasks}}
    grouped: dict[str, dict[str, Any]] = {}
    for entry in entries:
        key = entry.payload["task_id" if entry.type.startswith("Task") else "commitment_id"]
        row = rows.get(key, {})
        item = grouped.setdefault(
            key,
            {
                "id": key,
                "task": entry.type.startswith("Task"),
                "row": row,
                "steps": [],
                "theirs": False,
                "title": row.get("title") or row.get("description") or names.work.get(key, key),
                "objective": objectives.get(row.get("objective_id") or ""),
                "commitment": names.work.get(row.get("commitment_id") or ""),
                "owner": names.organisation(row["organisation_id"])
                if row.get("organisation_id") not in (None, organisation_id)
                else None,
            },
        )
        # the filter also finds what the member's people did to others' work: keep only work it held
        item["theirs"] = item["theirs"] or entry.subject_organisation_id == organisation_id
        p = entry.payload
        item["steps"].append(
            {
                "position": entry.position,
                "when": _when(entry.recorded_at),
                "label": label(entry.type),
                "actor": names.person(entry.actor_id) if entry.actor_id else None,
                "for": names.organisation(entry.organisation_id) if entry.organisation_id else None,
                "due_on": _day(p.get("due_on")),
                "done_on": _day(p.get("fulfilled_on") or p.get("completed_on")),
                "note": p.get("note"),
                "reason": p.get("reason"),
                "to": names.organisation(p["organisation_id"]) if entry.type == "TaskReassigned" else None,
            }
        )
    items = [item for item in grouped.values() if item["theirs"]]
    return {"commitments": [i for i in items if not i["task"]], "tasks": [i for i in items if i["task"]]}
