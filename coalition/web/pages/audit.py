"""The audit pages for facilitators: the filtered history, as-of views, CSV export, a member's commitment history."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from marshmallow import ValidationError as Invalid
from sqlalchemy.engine import Connection

from coalition.accounts import names_of
from coalition.domain.coalition import Actor
from coalition.infra.extensions import services
from coalition.reads import audit
from coalition.reads.reports import CSV_COLUMNS, AuditLog, Entry, Filters, event_rows, facilitates
from coalition.reads.standing import BadMoment, Moment, Snapshot, resolve, snapshot, span, standing
from coalition.reads.summaries import Names
from coalition.web.pages import require_member
from coalition.web.pages.audit_forms import AsOfForm, FilterForm, MemberHistoryForm, MemberPickForm, label
from coalition.web.reading import parse_filters, today
from coalition.web.request import csv_response, dated_filename
from coalition.web.typed import login_required

bp = Blueprint("audit", __name__)
PER_PAGE = 50  # events per page of the history (commitments and tasks of a member's), newest first
#: The page's CSV: the API's columns and each event's chain hash, to cite it.
AUDIT_CSV_COLUMNS = (*CSV_COLUMNS, "hash")


def _facilitated(connection: Connection, coalition_id: str) -> tuple[Snapshot, Actor]:
    """The coalition now and its reader: 404 if unknown, 403 unless the signed-in person facilitates it."""
    snap = snapshot(connection, coalition_id, Moment(None, today()))
    if snap.agreement is None:
        abort(404)
    reader = require_member(connection, coalition_id)
    if not facilitates(snap, reader):
        abort(403)
    return snap, reader


def _future(day: date | None, current_day: date) -> list[str]:
    """The error of an as-of day that has not ended yet (none for today or earlier)."""
    if day is None or day <= current_day:
        return []
    return [
        _(
            "%(day)s is in the future: the history ends today, %(today)s.",
            day=day.isoformat(),
            today=current_day.isoformat(),
        )
    ]


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
    form.as_of.errors = _future(form.as_of.data, today())
    if form.as_of.errors:
        return form, None
    args = form.query()
    if form.as_of.data and (form.until.data is None or form.as_of.data < form.until.data):
        args["until"] = form.as_of.data.isoformat()  # the history as it stood at the end of that day
    try:
        return form, parse_filters(args)
    except Invalid as error:  # a day the store cannot bound (the year 9999)
        for name, messages in error.messages_dict.items():
            form[name].errors = [*form[name].errors, *messages]
        return form, None


def _when(recorded_at: str) -> datetime:
    return datetime.fromisoformat(recorded_at)


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def _excel() -> bool:
    """Whether the download asked for Excel's UTF-8 signature (`?excel=1`)."""
    return request.args.get("excel", "") in ("1", "true", "yes")


def _with_hashes(connection: Connection, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows of `event_rows`, each with the chain hash of its event."""
    hashes = audit.hashes(connection, [row["position"] for row in rows])
    return [{**row, "hash": hashes.get(row["position"], "")} for row in rows]


def _pages(endpoint: str, newer: int | None, older: int | None, cursor: bool, **query: Any) -> dict[str, str | None]:
    """The links to the newest, newer, older and oldest pages (None where there is no such page)."""
    return {
        "newest": url_for(endpoint, **query) if newer is not None or cursor else None,
        "newer": url_for(endpoint, **query, after=newer) if newer is not None else None,
        "older": url_for(endpoint, **query, before=older) if older is not None else None,
        "oldest": url_for(endpoint, **query, after=0) if older is not None else None,
    }


@bp.get("/coalitions/<coalition_id>/audit")
@login_required
def audit_history(coalition_id: str) -> ResponseReturnValue:
    """The coalition's history, newest first, filtered by organisation, person, kind of event and dates, in pages
    of PER_PAGE events (keyset paging on the log position: `before` and `after`)."""
    with services().engine.connect() as connection:
        snap, _reader = _facilitated(connection, coalition_id)
        form, filters = _filter_form(connection, coalition_id, snap)
        rows: list[dict[str, Any]] = []
        matching = 0
        links: dict[str, str | None] = {"newest": None, "newer": None, "older": None, "oldest": None}
        query: dict[str, Any] = form.query() if filters is not None else {}
        if filters is not None:
            page = audit.page(
                connection,
                services().store.registry,
                coalition_id,
                filters,
                PER_PAGE,
                before=form.before.data,
                after=form.after.data,
            )
            matching = page.matching
            cursor = form.before.data is not None or form.after.data is not None
            links = _pages(".audit_history", page.newer, page.older, cursor, coalition_id=coalition_id, **query)
            rows = [
                {**row, "when": _when(row["recorded_at"]), "label": label(row["type"])}
                for row in _with_hashes(connection, event_rows(connection, coalition_id, page.entries))
            ]
    as_of_day = form.as_of.data if filters is not None else None
    members = audit.members(snap)
    picker = MemberPickForm(formdata=None, as_of=as_of_day)
    picker.organisation_id.choices = [("", _("Choose an organisation"))] + [
        (m["organisation_id"], m["name"]) for m in members
    ]
    csv = url_for(".audit_csv", coalition_id=coalition_id, **query) if filters is not None else None
    return render_template(
        "audit/history.html",
        coalition_id=coalition_id,
        agreement=snap.agreement,
        form=form,
        rows=rows,
        matching=matching,
        members=members,
        picker=picker,
        as_of_day=as_of_day,
        pages=links,
        newest=url_for(".audit_history", coalition_id=coalition_id, **query),
        csv=csv,
        csv_excel=url_for(".audit_csv", coalition_id=coalition_id, **query, excel=1) if csv else None,
        as_of=AsOfForm(formdata=None, date=as_of_day),
    ), 200 if filters is not None else 400


@bp.get("/coalitions/<coalition_id>/audit.csv")
@login_required
def audit_csv(coalition_id: str) -> ResponseReturnValue:
    """The filtered history as CSV, newest first as on the page, with each event's hash; named after the
    coalition and the day; `?excel=1` starts it with a UTF-8 signature for Excel."""
    with services().engine.connect() as connection:
        snap, _reader = _facilitated(connection, coalition_id)
        _form, filters = _filter_form(connection, coalition_id, snap)
        if filters is None:
            return audit_history(coalition_id)
        entries = audit.entries(connection, services().store.registry, coalition_id, filters)[::-1]
        rows = _with_hashes(connection, event_rows(connection, coalition_id, entries))
    assert snap.agreement is not None
    names = dated_filename(snap.agreement["name"], "audit", today())
    return csv_response(rows, AUDIT_CSV_COLUMNS, *names, excel=_excel())


@bp.get("/coalitions/<coalition_id>/audit/member")
@login_required
def member_pick(coalition_id: str) -> ResponseReturnValue:
    """The history page's organisation picker: on to the chosen member's commitment history."""
    with services().engine.connect() as connection:
        snap, _reader = _facilitated(connection, coalition_id)
    form = MemberPickForm(formdata=request.args)
    form.organisation_id.choices = [(m["organisation_id"], m["name"]) for m in audit.members(snap)]
    if not form.validate():
        message = " ".join(str(e) for f in form for e in f.errors)
        return render_template("errors/other.html", error=None, status=400, message=message), 400
    as_of_day = form.as_of.data.isoformat() if form.as_of.data else None
    return redirect(
        url_for(
            ".member_history", coalition_id=coalition_id, organisation_id=form.organisation_id.data, as_of=as_of_day
        )
    )


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


def _member(connection: Connection, coalition_id: str, organisation_id: str) -> tuple[Snapshot, bool]:
    """The coalition now and whether the reader facilitates it: 404 unless the coalition and the member exist, 403
    unless the reader facilitates the coalition or acts for the member."""
    snap = snapshot(connection, coalition_id, Moment(None, today()))
    if snap.agreement is None:
        abort(404)
    reader = require_member(connection, coalition_id)
    if organisation_id not in {m["organisation_id"] for m in snap.members}:
        abort(404)
    facilitator = facilitates(snap, reader)
    if not facilitator and organisation_id not in reader.acts_for:
        abort(403)
    return snap, facilitator


def _member_work(
    connection: Connection, coalition_id: str, organisation_id: str, snap: Snapshot, form: MemberHistoryForm
) -> tuple[Snapshot, list[dict[str, Any]], list[Entry], bool]:
    """The coalition as of the form's day (now without one), the member's commitments and tasks then, newest
    first, and whether the form could be used (the whole history, and the coalition now, when not)."""
    current_day = today()
    valid = form.validate()
    if valid:
        form.as_of.errors = _future(form.as_of.data, current_day)
        valid = not form.as_of.errors
    day = form.as_of.data if valid else None
    then = (
        snap if day is None else snapshot(connection, coalition_id, resolve(connection, day.isoformat(), current_day))
    )
    until = span(day.isoformat()).end if day else None
    entries = audit.work_entries(connection, services().store.registry, coalition_id, organisation_id, until)
    names = Names.load(connection, coalition_id, entries)
    items = _work_histories(then, entries, names, organisation_id)
    return then, sorted(items, key=lambda i: i["first"], reverse=True), entries, valid


@bp.get("/coalitions/<coalition_id>/members/<organisation_id>/history")
@login_required
def member_history(coalition_id: str, organisation_id: str) -> ResponseReturnValue:
    """Every commitment and task of one member, each with its whole history, and its standing now or as of the end
    of a day (`as_of`); newest first, PER_PAGE commitments and tasks a page (`before`, `after`: log positions)."""
    form = MemberHistoryForm(formdata=request.args)
    with services().engine.connect() as connection:
        snap, facilitator = _member(connection, coalition_id, organisation_id)
        then, items, _entries, valid = _member_work(connection, coalition_id, organisation_id, snap, form)
    before, after = (form.before.data, form.after.data) if valid else (None, None)
    if not valid:
        items = []
    if after is not None:
        chosen = [i for i in items if i["first"] > after][-PER_PAGE:]
    else:
        chosen = [i for i in items if before is None or i["first"] < before][:PER_PAGE]
    newer = chosen[0]["first"] if chosen and chosen[0]["first"] < items[0]["first"] else None
    older = chosen[-1]["first"] if chosen and chosen[-1]["first"] > items[-1]["first"] else None
    query = {"as_of": form.as_of.data.isoformat()} if valid and form.as_of.data else {}
    where: dict[str, Any] = {"coalition_id": coalition_id, "organisation_id": organisation_id, **query}
    member = next(m for m in standing(snap) if m["organisation_id"] == organisation_id)
    member_then = (
        next((m for m in standing(then) if m["organisation_id"] == organisation_id), None) if then.agreement else None
    )
    csv = url_for(".member_csv", **where)
    return render_template(
        "audit/member.html",
        coalition_id=coalition_id,
        agreement=snap.agreement,
        member=member,
        member_then=member_then,
        as_of_day=form.as_of.data if valid else None,
        form=form,
        facilitator=facilitator,
        matching=len(items),
        pages=_pages(".member_history", newer, older, before is not None or after is not None, **where),
        csv=csv if valid else None,
        csv_excel=url_for(".member_csv", **where, excel=1) if valid else None,
        commitments=[i for i in chosen if not i["task"]],
        tasks=[i for i in chosen if i["task"]],
    ), 200 if valid else 400


@bp.get("/coalitions/<coalition_id>/members/<organisation_id>/history.csv")
@login_required
def member_csv(coalition_id: str, organisation_id: str) -> ResponseReturnValue:
    """The member's commitment and task history (as of a day, when `as_of` names one) as CSV, newest first, with
    each event's hash; `?excel=1` starts it with a UTF-8 signature."""
    form = MemberHistoryForm(formdata=request.args)
    with services().engine.connect() as connection:
        snap, _facilitator = _member(connection, coalition_id, organisation_id)
        _then, items, entries, valid = _member_work(connection, coalition_id, organisation_id, snap, form)
        if not valid:
            return member_history(coalition_id, organisation_id)
        positions = {step["position"] for item in items for step in item["steps"]}
        entries = [
            e for e in audit.entries(connection, services().store.registry, coalition_id) if e.position in positions
        ]
        rows = _with_hashes(connection, event_rows(connection, coalition_id, entries[::-1]))
    assert snap.agreement is not None
    name = snap.names.get(organisation_id, {}).get("name", organisation_id)
    names = dated_filename(f"{snap.agreement['name']} {name}", "history", today())
    return csv_response(rows, AUDIT_CSV_COLUMNS, *names, excel=_excel())


def _work_histories(snap: Snapshot, entries: list[Entry], names: Names, organisation_id: str) -> list[dict[str, Any]]:
    """The member's commitments and tasks, each with its row in `snap`, the steps of its history and the log
    position of its first step (`first`), in the order they began."""
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
                "first": entry.position,
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
    return [item for item in grouped.values() if item["theirs"]]
