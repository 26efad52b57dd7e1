"""The audit pages for facilitators: the filtered history, as-of views, CSV export, a member's commitment history."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import Blueprint, abort, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from marshmallow import ValidationError as Invalid
from sqlalchemy.engine import Connection

from coalition.accounts import names_of
from coalition.domain.coalition import Actor
from coalition.infra.extensions import services
from coalition.reads import audit
from coalition.reads.reports import CSV_COLUMNS, AuditLog, Entry, Filters, event_rows, facilitates
from coalition.reads.standing import BadMoment, Moment, Snapshot, resolve, snapshot, standing
from coalition.reads.summaries import Names
from coalition.web.pages import require_member
from coalition.web.pages.audit_forms import AsOfForm, FilterForm, label
from coalition.web.reading import parse_filters, today
from coalition.web.request import csv_response
from coalition.web.typed import login_required

bp = Blueprint("audit", __name__)
PER_PAGE = 100  # events per page of the history, newest first


def _facilitated(connection: Connection, coalition_id: str) -> tuple[Snapshot, Actor]:
    """The coalition now and its reader: 404 if unknown, 403 unless the signed-in person facilitates it."""
    snap = snapshot(connection, coalition_id, Moment(None, today()))
    if snap.agreement is None:
        abort(404)
    reader = require_member(connection, coalition_id)
    if not facilitates(snap, reader):
        abort(403)
    return snap, reader


def _filter_form(connection: Connection, coalition_id: str, snap: Snapshot) -> tuple[FilterForm, Filters | None]:
    """The filter form with its choices, and the filters it names (None when the form is invalid)."""
    form = FilterForm(formdata=request.args)
    actors = audit.actors(connection, coalition_id)
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
        for name, messages in error.messages_dict.items():
            form[name].errors = [*form[name].errors, *messages]
        return form, None


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
                for e in audit.entries(connection, services().store.registry, coalition_id, filters)
                if before is None or e.position < before
            ]
            page = entries[-PER_PAGE:][::-1]
            matching, older = len(entries), page[-1].position if len(entries) > PER_PAGE else None
            rows = event_rows(connection, coalition_id, page)
            hashes = audit.hashes(connection, [e.position for e in page])
            rows = [
                {
                    **row,
                    "when": _when(row["recorded_at"]),
                    "label": label(row["type"]),
                    "hash": hashes.get(row["position"], ""),
                }
                for row in rows
            ]
    query: dict[str, Any] = form.query() if filters is not None else {}
    return render_template(
        "audit/history.html",
        coalition_id=coalition_id,
        agreement=snap.agreement,
        form=form,
        rows=rows,
        matching=matching,
        paged=form.before.data is not None and filters is not None,
        members=audit.members(snap),
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
            connection, coalition_id, audit.entries(connection, services().store.registry, coalition_id, filters)
        )
    return csv_response(rows, CSV_COLUMNS, f"coalition-{coalition_id}-history.csv")


@bp.get("/coalitions/<coalition_id>/audit/as-of")
@login_required
def as_of(coalition_id: str) -> ResponseReturnValue:
    """Member standing and who was responsible for what, as they were at the end of a chosen day."""
    current_day = today()
    form = AsOfForm(formdata=request.args)
    then: Snapshot | None = None
    with services().engine.connect() as connection:
        snap, _reader = _facilitated(connection, coalition_id)
        valid = form.validate()
        if valid and form.date.data:
            try:
                then = snapshot(connection, coalition_id, resolve(connection, form.date.data.isoformat(), current_day))
            except BadMoment:  # the only way a valid date is refused: it has not happened yet
                form.date.errors = [
                    _(
                        "%(day)s is in the future: the history ends today, %(today)s.",
                        day=form.date.data.isoformat(),
                        today=current_day.isoformat(),
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
        work=audit.work_by_organisation(services().engine, then) if then and then.agreement else [],
    ), 200 if valid else 400


@bp.get("/coalitions/<coalition_id>/members/<organisation_id>/history")
@login_required
def member_history(coalition_id: str, organisation_id: str) -> ResponseReturnValue:
    """Every commitment and task of one member, each with its whole history, and its standing now."""
    with services().engine.connect() as connection:
        snap = snapshot(connection, coalition_id, Moment(None, today()))
        if snap.agreement is None:
            abort(404)
        reader = require_member(connection, coalition_id)
        if organisation_id not in {m["organisation_id"] for m in snap.members}:
            abort(404)
        facilitator = facilitates(snap, reader)
        if not facilitator and organisation_id not in reader.acts_for:
            abort(403)
        entries = audit.work_entries(connection, services().store.registry, coalition_id, organisation_id)
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
