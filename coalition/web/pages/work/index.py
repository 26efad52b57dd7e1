"""A coalition's work: its commitments and tasks, pledging one, giving a task."""

from __future__ import annotations

from flask import render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy.engine import Connection

from coalition.domain.coalition import Actor
from coalition.handlers import coalitions as handle
from coalition.infra.extensions import services
from coalition.reads import work
from coalition.reads.access import facilitates
from coalition.reads.organisations import names as organisation_names
from coalition.reads.standing import Snapshot
from coalition.web import member_choice
from coalition.web.forms import LISTED
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


#: Commitments or tasks each list of the work page shows at a time (two lists and two forms share the page).
WORK_PAGE = 25


def _serves(
    connection: Connection, coalition_id: str, task: TaskForm, open_commitments: int, chosen: str | None
) -> bool:
    """The task form's menu of the commitments a task may serve: every open one, or where they are more than
    `LISTED`, only the one `chosen` (the task is divided out from that commitment's page, or the form sent it).
    Returns whether the menu lists them all."""
    every = open_commitments <= LISTED
    if every:
        offered = work.items_page(connection, coalition_id, "commitment", False, None, LISTED, open_commitments).items
    else:
        offered = work.open_commitments(connection, coalition_id, [chosen] if chosen else [])
    names = organisation_names(connection, {c["organisation_id"] for c in offered})
    task.commitment_id.choices = _options(
        [
            ("", _("None")),
            *(
                (
                    c["commitment_id"],
                    f"{names.get(c['organisation_id'], c['organisation_id'])}: {c['description'][:80]}",
                )
                for c in offered
            ),
        ]
    )
    return every


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
    return named, active


def _work_page(
    coalition_id: str,
    pledge: PledgeForm | None = None,
    task: TaskForm | None = None,
    status: int = 200,
    by_name: bool | None = None,
) -> ResponseReturnValue:
    """The coalition's commitments and tasks, each list a page at a time (`WORK_PAGE`, the earliest due first;
    `?commitments_after=`, `?tasks_after=` the last one seen), open ones or (`?commitments=closed`, `?tasks=closed`)
    closed ones: only the shown items' organisations' rows and the reader's are read. `?serves=` a commitment: the
    task form is for a task serving it, from its organisation."""
    args = request.args
    closed = {kind: args.get(f"{kind}s") == "closed" for kind in ("commitment", "task")}
    with services().engine.connect() as connection:
        counts = work.counted(connection, coalition_id)
        pages = {
            kind: work.items_page(
                connection,
                coalition_id,
                kind,
                closed[kind],
                args.get(f"{kind}s_after"),
                WORK_PAGE,
                counts[kind]["closed" if closed[kind] else "open"],
            )
            for kind in ("commitment", "task")
        }
        shown = {row["organisation_id"] for page in pages.values() for row in page.items}
        snap, reader = current(connection, coalition_id, also=shown)
        # Fresh forms ignore the posted data: it belongs to the other form, whose fields share names.
        pledge, task = pledge or PledgeForm(formdata=None), task or TaskForm(formdata=None)
        named, active = _choices(connection, coalition_id, snap, reader, pledge, task, by_name)
        serving = None
        if task.commitment_id.data is None and args.get("serves"):  # a new task for this commitment
            found = work.open_commitments(connection, coalition_id, [args["serves"]])
            serving = found[0] if found else None
        chosen = serving["commitment_id"] if serving else task.commitment_id.data
        every_commitment = _serves(connection, coalition_id, task, counts["commitment"]["open"], chosen)
        if serving:
            task.commitment_id.data = serving["commitment_id"]
            held_by = organisation_names(connection, {serving["organisation_id"]})
            if named:
                task.organisation_name.data = held_by.get(serving["organisation_id"])
            else:
                task.organisation_id.data = serving["organisation_id"]
    objectives = work.objectives(snap)
    listed = {kind: [work.item(snap, row, objectives) for row in page.items] for kind, page in pages.items()}
    return render_template(
        "work/index.html",
        coalition_id=coalition_id,
        agreement=snap.agreement,
        commitments=listed["commitment"],
        tasks=listed["task"],
        pages=pages,
        counts=counts,
        closed=closed,
        pledge=pledge,
        task=task,
        task_by_name=named,
        active=active,
        every_commitment=every_commitment,
        open_commitments=counts["commitment"]["open"],
        people=people(*(t["assignee_user_id"] for t in listed["task"])),
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
