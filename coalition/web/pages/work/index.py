"""A coalition's work: its commitments and tasks, pledging one, giving a task."""

from __future__ import annotations

from flask import render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy.engine import Connection

from coalition.domain import policy
from coalition.domain.coalition import Actor
from coalition.handlers import coalitions as handle
from coalition.infra.extensions import services
from coalition.reads import work
from coalition.reads.access import facilitates
from coalition.reads.standing import Snapshot
from coalition.web import member_choice
from coalition.web.pages import context, perform
from coalition.web.pages.work.blueprint import COALITION, bp
from coalition.web.pages.work.common import current, people
from coalition.web.pages.work.forms import (
    PledgeForm,
    TaskForm,
    day_of,
)
from coalition.web.pages.work.forms import (
    options as _options,
)
from coalition.web.typed import login_required

# -- the coalition's work -----------------------------------------------------------------------------


def _choices(
    connection: Connection,
    coalition_id: str,
    snap: Snapshot,
    reader: Actor,
    pledge: PledgeForm,
    task: TaskForm,
    by_name: bool | None,
) -> tuple[bool, int]:
    """What the two forms offer: the reader's active organisations; the members a facilitator or liaison may task
    (a facilitator: every active member, or a name to type where they are more than `LISTED`). `by_name`: how the
    task form was sent (None: not sent; where it named the member, its choices are those the name fitted). Returns
    whether the task form asks for a name, and how many active members there are (for a facilitator)."""
    objectives = [("", _("None in particular")), *work.objectives(snap).items()]
    pledge.organisation_id.choices = _options(
        (o, work.name(snap, o)) for o in work.active(snap) if o in reader.acts_for
    )
    pledge.objective.choices = _options(objectives)
    facilitator = facilitates(snap, reader)  # a facilitator may task every active member: past LISTED, by name
    named, active = member_choice.mode(connection, coalition_id, by_name, facilitator)
    if not named:
        liaison = ((o, work.name(snap, o)) for o in work.liaison_of(snap, reader))
        task.organisation_id.choices = _options(
            work.active_members(connection, coalition_id) if facilitator else liaison
        )
    elif by_name is None:  # a new form: the name to type, no menu yet
        task.organisation_id.choices = []
    task.objective.choices = _options(objectives)
    task.commitment_id.choices = _options(
        [
            ("", _("None")),
            *(
                (c["commitment_id"], f"{work.name(snap, c['organisation_id'])}: {c['description'][:80]}")
                for c in snap.commitments
                if c["state"] not in policy.CLOSED_COMMITMENT
            ),
        ]
    )
    return named, active


def _work_page(
    coalition_id: str,
    pledge: PledgeForm | None = None,
    task: TaskForm | None = None,
    status: int = 200,
    by_name: bool | None = None,
) -> ResponseReturnValue:
    with services().engine.connect() as connection:
        snap, reader = current(connection, coalition_id)
        # Fresh forms ignore the posted data: it belongs to the other form, whose fields share names.
        pledge, task = pledge or PledgeForm(formdata=None), task or TaskForm(formdata=None)
        named, active = _choices(connection, coalition_id, snap, reader, pledge, task, by_name)
    objectives = work.objectives(snap)
    by_due = lambda item: (item["closed"], item["due_on"])  # noqa: E731
    pledged = sorted((work.item(snap, c, objectives) for c in snap.commitments), key=by_due)
    tasked = sorted((work.item(snap, t, objectives) for t in snap.tasks), key=by_due)
    return render_template(
        "work/index.html",
        coalition_id=coalition_id,
        agreement=snap.agreement,
        commitments=pledged,
        tasks=tasked,
        pledge=pledge,
        task=task,
        task_by_name=named,
        active=active,
        people=people(*(t["assignee_user_id"] for t in tasked)),
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
            due_on=day_of(form.due_on),
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
    by_name, valid = member_choice.sent(form, coalition_id, form.organisation_id, form.organisation_name)
    if not valid:
        return _work_page(coalition_id, task=form, status=400, by_name=by_name)
    ctx = context()
    return perform(
        lambda: handle.create_task(
            ctx,
            coalition_id,
            title=str(form.title.data),
            description=str(form.description.data),
            organisation_id=str(form.organisation_id.data),
            due_on=day_of(form.due_on),
            assignee_email=(form.assignee_email.data or "").strip() or None,
            objective=form.objective.data or None,
            commitment_id=form.commitment_id.data or None,
        ),
        done=_("The task was divided out."),
        then=_work_here(coalition_id, "tasks-heading"),
        again=lambda status: _work_page(coalition_id, task=form, status=status, by_name=by_name),
    )
