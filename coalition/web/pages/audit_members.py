"""A member's commitment history: every commitment and task with each change, as of a day, in pages, as CSV."""

from __future__ import annotations

from typing import Any

from flask import abort, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy.engine import Connection

from coalition.infra.extensions import services
from coalition.reads import audit
from coalition.reads.coalitions import work_owners
from coalition.reads.reports import Entry, event_rows
from coalition.reads.standing import Moment, Snapshot, resolve, snapshot, span, standing
from coalition.reads.summaries import Names
from coalition.web.pages import audit_common as common
from coalition.web.pages import facilitates_coalition, require_member
from coalition.web.pages.audit_common import bp
from coalition.web.pages.audit_forms import MemberHistoryForm, label
from coalition.web.reading import today
from coalition.web.request import csv_response, dated_filename
from coalition.web.typed import login_required


def _member(connection: Connection, coalition_id: str, organisation_id: str) -> tuple[Snapshot, bool]:
    """The member now (the coalition narrowed to its rows) and whether the reader facilitates the coalition: 404
    unless the coalition and the member exist, 403 unless the reader facilitates the coalition or acts for the
    member. Only the reader's and the member's rows are read, however large the coalition."""
    now = snapshot(connection, coalition_id, Moment(None, today()), {organisation_id}, statements=True)
    if now.agreement is None:
        abort(404)
    reader = require_member(connection, coalition_id)
    if not now.members:
        abort(404)
    facilitator = facilitates_coalition(coalition_id)
    if not facilitator and organisation_id not in reader.acts_for:
        abort(403)
    return now, facilitator


def _only(snap: Snapshot, organisation_id: str) -> list[dict[str, Any]]:
    """The organisation's membership row of the snapshot (the one member whose standing the page shows)."""
    return [m for m in snap.members if m["organisation_id"] == organisation_id]


def _member_work(
    connection: Connection, coalition_id: str, organisation_id: str, now: Snapshot, form: MemberHistoryForm
) -> tuple[Snapshot, list[dict[str, Any]], list[Entry], bool]:
    """The coalition as of the form's day (now without one) narrowed to the member and to where its work went, the
    member's commitments and tasks then, newest first, and whether the form could be used (the whole history, and
    the coalition now, when not)."""
    current_day = today()
    valid = form.validate()
    if valid:
        form.as_of.errors = common.future(form.as_of.data, current_day)
        valid = not form.as_of.errors
    day = form.as_of.data if valid else None
    until = span(day.isoformat()).end if day else None
    entries = audit.work_entries(connection, services().store.registry, coalition_id, organisation_id, until)
    moment = now.moment if day is None else resolve(connection, day.isoformat(), current_day)
    held = work_owners(
        connection,
        coalition_id,
        moment.position,
        {e.payload["commitment_id"] for e in entries if not e.type.startswith("Task")},
        {e.payload["task_id"] for e in entries if e.type.startswith("Task")},
    )
    then = (
        now
        if day is None and held <= {organisation_id}
        else snapshot(connection, coalition_id, moment, {organisation_id} | held, statements=True)
    )
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
        chosen = [i for i in items if i["first"] > after][-common.PER_PAGE :]
    else:
        chosen = [i for i in items if before is None or i["first"] < before][: common.PER_PAGE]
    newer = chosen[0]["first"] if chosen and chosen[0]["first"] < items[0]["first"] else None
    older = chosen[-1]["first"] if chosen and chosen[-1]["first"] > items[-1]["first"] else None
    query = {"as_of": form.as_of.data.isoformat()} if valid and form.as_of.data else {}
    where: dict[str, Any] = {"coalition_id": coalition_id, "organisation_id": organisation_id, **query}
    member = next(iter(standing(snap, _only(snap, organisation_id))))
    member_then = next(iter(standing(then, _only(then, organisation_id))), None) if then.agreement else None
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
        pages=common.pages(".member_history", newer, older, before is not None or after is not None, **where),
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
        entries = [e for e in entries if e.position in positions]  # the steps shown: read with the work, in order
        rows = common.with_hashes(connection, event_rows(connection, coalition_id, entries[::-1]))
    assert snap.agreement is not None
    name = snap.names.get(organisation_id, {}).get("name", organisation_id)
    names = dated_filename(f"{snap.agreement['name']} {name}", "history", today())
    return csv_response(rows, common.AUDIT_CSV_COLUMNS, *names, excel=common.excel())


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
                "when": common.when(entry.recorded_at),
                "label": label(entry.type),
                "actor": names.person(entry.actor_id) if entry.actor_id else None,
                "for": names.organisation(entry.organisation_id) if entry.organisation_id else None,
                "due_on": common.day(p.get("due_on")),
                "done_on": common.day(p.get("fulfilled_on") or p.get("completed_on")),
                "note": p.get("note"),
                "reason": p.get("reason"),
                "to": names.organisation(p["organisation_id"]) if entry.type == "TaskReassigned" else None,
            }
        )
    return [item for item in grouped.values() if item["theirs"]]
