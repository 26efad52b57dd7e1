"""Commitments and tasks from the browser, my organisations' responsibilities, the objectives × organisations grid."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from flask import Blueprint, abort, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import Table, select
from sqlalchemy.engine import Connection

from coalition.accounts import names_of
from coalition.domain.coalition import Actor, is_liaison
from coalition.domain.work import CLOSED_COMMITMENT, CLOSED_TASK
from coalition.handlers import coalitions as handle
from coalition.infra.extensions import services
from coalition.reads.reports import as_domain, facilitates
from coalition.web.pages import context, perform, require_member
from coalition.web.pages.work_forms import (
    AcceptForm,
    CompleteForm,
    DropForm,
    FulfilForm,
    PledgeForm,
    ReassignForm,
    RescheduleForm,
    TaskForm,
    WithdrawForm,
)
from coalition.web.pages.work_forms import (
    options as _options,
)
from projections.audit import coalition_log
from projections.coalitions import READS_AS_MEMBER, commitments, memberships, tasks
from projections.organisations import acts_for
from projections.standing import Moment, Snapshot, days_overdue, snapshot
from projections.standing import responsibilities as shared_responsibilities
from projections.versioned import valid_at

bp = Blueprint("work", __name__)
COALITION = "/coalitions/<coalition_id>"
COMMITMENT = f"{COALITION}/commitments/<commitment_id>"
TASK = f"{COALITION}/tasks/<task_id>"
#: Open work due within this many days is "due soon" on the responsibilities page.
SOON_DAYS = 14


# -- reading ----------------------------------------------------------------------------------------


def _today() -> date:
    return services().store.clock().date()


def _coalition(connection: Connection, coalition_id: str) -> tuple[Snapshot, Actor]:
    """The coalition now (404 if there is none) and the reader, who must act for one of its members (403)."""
    snap = snapshot(connection, coalition_id, Moment(None, _today()))
    if snap.agreement is None:
        abort(404)
    return snap, require_member(connection, coalition_id)


def _active(snap: Snapshot) -> list[str]:
    return sorted((m["organisation_id"] for m in snap.members if m["state"] == "active"), key=lambda o: _name(snap, o))


def _name(snap: Snapshot, organisation_id: str) -> str:
    return str(snap.names.get(organisation_id, {}).get("name") or organisation_id)


def _liaison_of(snap: Snapshot, reader: Actor) -> list[str]:
    """The active members the reader is liaison of (the domain's rule, on the read model)."""
    coalition = as_domain(snap)
    return [o for o in _active(snap) if is_liaison(coalition, reader, o)]


def _item(snap: Snapshot, row: dict[str, Any], objectives: dict[str, str]) -> dict[str, Any]:
    """A commitment or task row as the pages show it: names, and how late or how soon it is due."""
    late, due_in = days_overdue(row, snap.moment.day), (row["due_on"] - snap.moment.day).days
    quantity = row.get("quantity")
    amount = " ".join(p for p in (format_decimal(quantity) if quantity is not None else "", row.get("unit") or "") if p)
    return {
        **row,
        "coalition": snap.agreement["name"] if snap.agreement else "",
        "amount": amount,
        "organisation": _name(snap, row["organisation_id"]),
        "objective": objectives.get(row.get("objective_id") or ""),
        "late": late,
        "due_in": due_in,
        "soon": not late and due_in <= SOON_DAYS,
        "closed": row["state"] in (*CLOSED_COMMITMENT, *CLOSED_TASK),
    }


def _objectives(snap: Snapshot) -> dict[str, str]:
    objectives = snap.agreement["objectives"] if snap.agreement else []
    return {o["objective_id"]: f"{n}. {o['text']}" for n, o in enumerate(objectives, 1)}


def _history(connection: Connection, table: Table, key: str, coalition_id: str, item_id: str) -> list[dict[str, Any]]:
    """Each version of one commitment or task, with the event that made it: who, when, what changed."""
    log = coalition_log.c
    rows = [
        dict(row)
        for row in connection.execute(
            select(table, log.type, log.actor_id, log.recorded_at)
            .join(coalition_log, log.position == table.c.from_position)
            .where(table.c.coalition_id == coalition_id, table.c[key] == item_id)
            .order_by(table.c.from_position)
        ).mappings()
    ]
    return [{**row, "day": date.fromisoformat(row["recorded_at"][:10])} for row in rows]


def _people(*user_ids: Any) -> dict[str, str]:
    return names_of(services().engine, {u for u in user_ids if u})


# -- the coalition's work -----------------------------------------------------------------------------


def _choices(snap: Snapshot, reader: Actor, pledge: PledgeForm, task: TaskForm) -> None:
    """What the two forms offer: the reader's active organisations; the members a facilitator or liaison may task."""
    objectives = [("", _("None in particular")), *_objectives(snap).items()]
    pledge.organisation_id.choices = _options((o, _name(snap, o)) for o in _active(snap) if o in reader.acts_for)
    pledge.objective.choices = _options(objectives)
    task.organisation_id.choices = _options(
        (o, _name(snap, o)) for o in (_active(snap) if facilitates(snap, reader) else _liaison_of(snap, reader))
    )
    task.objective.choices = _options(objectives)
    task.commitment_id.choices = _options(
        [
            ("", _("None")),
            *(
                (c["commitment_id"], f"{_name(snap, c['organisation_id'])}: {c['description'][:80]}")
                for c in snap.commitments
                if c["state"] not in CLOSED_COMMITMENT
            ),
        ]
    )


def _work_page(
    coalition_id: str, pledge: PledgeForm | None = None, task: TaskForm | None = None, status: int = 200
) -> ResponseReturnValue:
    with services().engine.connect() as connection:
        snap, reader = _coalition(connection, coalition_id)
    # Fresh forms ignore the posted data: it belongs to the other form, whose fields share names.
    pledge, task = pledge or PledgeForm(formdata=None), task or TaskForm(formdata=None)
    _choices(snap, reader, pledge, task)
    objectives = _objectives(snap)
    by_due = lambda item: (item["closed"], item["due_on"])  # noqa: E731
    pledged = sorted((_item(snap, c, objectives) for c in snap.commitments), key=by_due)
    tasked = sorted((_item(snap, t, objectives) for t in snap.tasks), key=by_due)
    return render_template(
        "work/index.html",
        coalition_id=coalition_id,
        agreement=snap.agreement,
        commitments=pledged,
        tasks=tasked,
        pledge=pledge,
        task=task,
        people=_people(*(t["assignee_user_id"] for t in tasked)),
    ), status


@bp.get(f"{COALITION}/work")
@login_required
def index(coalition_id: str) -> ResponseReturnValue:
    """The coalition's commitments and tasks, a pledge form and, for facilitators and liaisons, a task form."""
    return _work_page(coalition_id)


def _work_here(coalition_id: str, anchor: str) -> str:
    return url_for("work.index", coalition_id=coalition_id, _anchor=anchor)


@bp.post(f"{COALITION}/commitments")
@login_required
def pledge(coalition_id: str) -> ResponseReturnValue:
    """Pledge a contribution for one of my organisations."""
    form = PledgeForm()
    if not form.validate_on_submit():
        return _work_page(coalition_id, pledge=form, status=400)
    ctx, quantity = context(), form.quantity.data
    return perform(
        lambda: handle.pledge(
            ctx,
            coalition_id,
            organisation_id=str(form.organisation_id.data),
            kind=str(form.kind.data),
            description=str(form.description.data),
            due_on=form.due_on.data,
            quantity=float(quantity) if quantity is not None else None,
            unit=(form.unit.data or "").strip() or None,
            objective=form.objective.data or None,
        ),
        done=_("The commitment was pledged."),
        then=_work_here(coalition_id, "commitments-heading"),
        again=lambda status: _work_page(coalition_id, pledge=form, status=status),
    )


@bp.post(f"{COALITION}/tasks")
@login_required
def create_task(coalition_id: str) -> ResponseReturnValue:
    """Divide out a task to an active member (facilitators, or that member's liaison)."""
    form = TaskForm()
    if not form.validate_on_submit():
        return _work_page(coalition_id, task=form, status=400)
    ctx = context()
    return perform(
        lambda: handle.create_task(
            ctx,
            coalition_id,
            title=str(form.title.data),
            description=str(form.description.data),
            organisation_id=str(form.organisation_id.data),
            due_on=form.due_on.data,
            assignee_email=(form.assignee_email.data or "").strip() or None,
            objective=form.objective.data or None,
            commitment_id=form.commitment_id.data or None,
        ),
        done=_("The task was divided out."),
        then=_work_here(coalition_id, "tasks-heading"),
        again=lambda status: _work_page(coalition_id, task=form, status=status),
    )


# -- one commitment, one task ---------------------------------------------------------------------------


def _commitment_page(
    coalition_id: str, commitment_id: str, forms: dict[str, FlaskForm] | None = None, status: int = 200
) -> ResponseReturnValue:
    with services().engine.connect() as connection:
        snap, reader = _coalition(connection, coalition_id)
        row = next((c for c in snap.commitments if c["commitment_id"] == commitment_id), None)
        if row is None:
            abort(404)
        history = _history(connection, commitments, "commitment_id", coalition_id, commitment_id)
    objectives = _objectives(snap)
    item = _item(snap, row, objectives)
    # Who may change it is the domain's rule (`_commitment_of`); this only hides forms nobody could use.
    may_change = not item["closed"] and (row["organisation_id"] in reader.acts_for or facilitates(snap, reader))
    linked = [_item(snap, t, objectives) for t in snap.tasks if t["commitment_id"] == commitment_id]
    forms = {
        "fulfil": FulfilForm(formdata=None),
        "withdraw": WithdrawForm(formdata=None),
        "reschedule": RescheduleForm(formdata=None),
        **(forms or {}),
    }
    return render_template(
        "work/commitment.html",
        coalition_id=coalition_id,
        agreement=snap.agreement,
        item=item,
        linked=linked,
        history=history,
        people=_people(*(h["actor_id"] for h in history)),
        may_change=may_change,
        **forms,
    ), status


@bp.get(COMMITMENT)
@login_required
def commitment(coalition_id: str, commitment_id: str) -> ResponseReturnValue:
    """One commitment, its history and, for its organisation's people and facilitators, what they can do with it."""
    return _commitment_page(coalition_id, commitment_id)


def _change(
    coalition_id: str,
    item_id: str,
    name: str,
    form: FlaskForm,
    action: Callable[[Any], Any],
    done: str,
    page: Callable[..., ResponseReturnValue],
) -> ResponseReturnValue:
    """Validate one item's form, run its command, and show the item again (with the refusal, if any)."""
    if not form.validate_on_submit():
        return page(coalition_id, item_id, {name: form}, 400)
    ctx = context()
    endpoint, key = ("work.commitment", "commitment_id") if page is _commitment_page else ("work.task", "task_id")
    return perform(
        lambda: action(ctx),
        done=done,
        then=url_for(endpoint, coalition_id=coalition_id, **{key: item_id}),
        again=lambda status: page(coalition_id, item_id, {name: form}, status),
    )


@bp.post(f"{COMMITMENT}/fulfil")
@login_required
def fulfil(coalition_id: str, commitment_id: str) -> ResponseReturnValue:
    """Record that the commitment was delivered, with a note on the evidence."""
    form = FulfilForm()
    return _change(
        coalition_id,
        commitment_id,
        "fulfil",
        form,
        lambda ctx: handle.fulfil(ctx, coalition_id, commitment_id, note=str(form.note.data)),
        _("The commitment is recorded as fulfilled."),
        _commitment_page,
    )


@bp.post(f"{COMMITMENT}/withdraw")
@login_required
def withdraw(coalition_id: str, commitment_id: str) -> ResponseReturnValue:
    """Withdraw the commitment, with a reason."""
    form = WithdrawForm()
    return _change(
        coalition_id,
        commitment_id,
        "withdraw",
        form,
        lambda ctx: handle.withdraw(ctx, coalition_id, commitment_id, reason=str(form.reason.data)),
        _("The commitment was withdrawn."),
        _commitment_page,
    )


@bp.post(f"{COMMITMENT}/reschedule")
@login_required
def reschedule(coalition_id: str, commitment_id: str) -> ResponseReturnValue:
    """Give the commitment a new due date, with a reason."""
    form = RescheduleForm()
    return _change(
        coalition_id,
        commitment_id,
        "reschedule",
        form,
        lambda ctx: handle.reschedule(
            ctx, coalition_id, commitment_id, due_on=form.due_on.data, reason=str(form.reason.data)
        ),
        _("The commitment has a new due date."),
        _commitment_page,
    )


def _task_page(
    coalition_id: str, task_id: str, forms: dict[str, FlaskForm] | None = None, status: int = 200
) -> ResponseReturnValue:
    with services().engine.connect() as connection:
        snap, reader = _coalition(connection, coalition_id)
        row = next((t for t in snap.tasks if t["task_id"] == task_id), None)
        if row is None:
            abort(404)
        history = _history(connection, tasks, "task_id", coalition_id, task_id)
    objectives = _objectives(snap)
    item = _item(snap, row, objectives)
    served = next(
        (_item(snap, c, objectives) for c in snap.commitments if c["commitment_id"] == row["commitment_id"]), None
    )
    # The domain's rules (`_assignee_acts`, `_reassign`, `_drop`) decide; these only hide forms nobody could use.
    assignee_org = row["organisation_id"] in reader.acts_for
    may = {
        "accept": assignee_org and row["state"] == "open",
        "complete": assignee_org and not item["closed"],
        "manage": facilitates(snap, reader) and not item["closed"],
    }
    forms = {
        "accept": AcceptForm(formdata=None),
        "complete": CompleteForm(formdata=None),
        "reassign": ReassignForm(formdata=None),
        "drop": DropForm(formdata=None),
        **(forms or {}),
    }
    forms["reassign"].organisation_id.choices = _options((o, _name(snap, o)) for o in _active(snap))
    organisations = {o: _name(snap, o) for o in {row["organisation_id"], *(h["organisation_id"] for h in history)}}
    return render_template(
        "work/task.html",
        coalition_id=coalition_id,
        agreement=snap.agreement,
        item=item,
        served=served,
        history=history,
        may=may,
        organisations=organisations,
        people=_people(
            row["assignee_user_id"], *(h["actor_id"] for h in history), *(h["assignee_user_id"] for h in history)
        ),
        **forms,
    ), status


@bp.get(TASK)
@login_required
def task(coalition_id: str, task_id: str) -> ResponseReturnValue:
    """One task, its history, and what its organisation's people and facilitators can do with it."""
    return _task_page(coalition_id, task_id)


@bp.post(f"{TASK}/accept")
@login_required
def accept_task(coalition_id: str, task_id: str) -> ResponseReturnValue:
    """The assignee organisation takes the task on."""
    return _change(
        coalition_id,
        task_id,
        "accept",
        AcceptForm(),
        lambda ctx: handle.accept_task(ctx, coalition_id, task_id),
        _("You took the task on."),
        _task_page,
    )


@bp.post(f"{TASK}/complete")
@login_required
def complete_task(coalition_id: str, task_id: str) -> ResponseReturnValue:
    """The assignee organisation reports the task done."""
    form = CompleteForm()
    return _change(
        coalition_id,
        task_id,
        "complete",
        form,
        lambda ctx: handle.complete_task(ctx, coalition_id, task_id, note=form.note.data or None),
        _("The task is done."),
        _task_page,
    )


@bp.post(f"{TASK}/reassign")
@login_required
def reassign_task(coalition_id: str, task_id: str) -> ResponseReturnValue:
    """A facilitator gives the task to another active member."""
    form = ReassignForm()
    return _change(
        coalition_id,
        task_id,
        "reassign",
        form,
        lambda ctx: handle.reassign_task(
            ctx,
            coalition_id,
            task_id,
            organisation_id=str(form.organisation_id.data),
            assignee_email=(form.assignee_email.data or "").strip() or None,
            reason=(form.reason.data or "").strip() or None,
        ),
        _("The task was reassigned."),
        _task_page,
    )


@bp.post(f"{TASK}/drop")
@login_required
def drop_task(coalition_id: str, task_id: str) -> ResponseReturnValue:
    """A facilitator drops the task, with a reason."""
    form = DropForm()
    return _change(
        coalition_id,
        task_id,
        "drop",
        form,
        lambda ctx: handle.drop_task(ctx, coalition_id, task_id, reason=str(form.reason.data)),
        _("The task was dropped."),
        _task_page,
    )


# -- my organisations' responsibilities, and the grid ---------------------------------------------------


@bp.get("/responsibilities")
@login_required
def responsibilities() -> ResponseReturnValue:
    """What the organisations I act for have pledged or been given, in every coalition: overdue first, then due soon."""
    today = _today()
    items: list[dict[str, Any]] = []
    with services().engine.connect() as connection:
        mine = acts_for(connection, current_user.user_id, today)
        coalition_ids = sorted(
            set(
                connection.execute(
                    select(memberships.c.coalition_id).where(
                        memberships.c.organisation_id.in_(sorted(mine)),
                        memberships.c.state.in_(READS_AS_MEMBER),
                        valid_at(memberships, None),
                    )
                ).scalars()
            )
        )
        for coalition_id in coalition_ids:
            snap = snapshot(connection, coalition_id, Moment(None, today))
            objectives = _objectives(snap)
            items += [
                {**_item(snap, c, objectives), "is_task": False}
                for c in snap.commitments
                if c["organisation_id"] in mine
            ]
            items += [
                {**_item(snap, t, objectives), "is_task": True} for t in snap.tasks if t["organisation_id"] in mine
            ]
    items.sort(key=lambda i: (i["due_on"], i["coalition"]))
    open_items = [i for i in items if not i["closed"]]
    groups = {
        "overdue": [i for i in open_items if i["late"]],
        "soon": [i for i in open_items if not i["late"] and i["due_in"] <= SOON_DAYS],
        "later": [i for i in open_items if i["due_in"] > SOON_DAYS],
    }
    done = sorted((i for i in items if i["closed"]), key=lambda i: i["closed_on"] or i["due_on"], reverse=True)
    return render_template(
        "work/responsibilities.html", groups=groups, done=done, soon_days=SOON_DAYS, member=bool(coalition_ids)
    )


@bp.get(f"{COALITION}/grid")
@login_required
def grid(coalition_id: str) -> ResponseReturnValue:
    """The common objectives by member organisations: each organisation's commitments to each objective, at a glance."""
    with services().engine.connect() as connection:
        snap, _reader = _coalition(connection, coalition_id)
    shared = shared_responsibilities(snap)  # the same read as the API's responsibilities endpoint
    columns = shared["organisations"]
    states = {m["organisation_id"]: m["state"] for m in snap.members}

    def cells(pledged: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
        live = [
            {**c, "shown": "overdue" if c["overdue"] else c["state"], "due": date.fromisoformat(c["due_on"])}
            for c in pledged
            if c["state"] != "withdrawn"
        ]
        return [[c for c in live if c["organisation_id"] == o["organisation_id"]] for o in columns]

    rows = [
        {
            "number": n,
            "text": o["text"],
            "uncovered": o["uncovered"],
            "cells": cells(o["commitments"]),
            "tasks": len([t for t in o["tasks"] if t["state"] not in CLOSED_TASK]),
        }
        for n, o in enumerate(shared["objectives"], 1)
    ]
    unlinked = cells(shared["unlinked"]["commitments"])
    return render_template(
        "work/grid.html",
        coalition_id=coalition_id,
        agreement=snap.agreement,
        columns=columns,
        states=states,
        rows=rows,
        unlinked=unlinked if any(unlinked) else None,
    )
