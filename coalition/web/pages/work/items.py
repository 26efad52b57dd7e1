"""One commitment and one task: their history and what their people and facilitators can do with them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import abort, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from coalition.handlers import coalitions as handle
from coalition.infra.extensions import services
from coalition.reads import powers, work
from coalition.reads.organisations import names as organisation_names
from coalition.web import member_choice
from coalition.web.pages import context, perform
from coalition.web.pages.work.blueprint import COMMITMENT, TASK, bp
from coalition.web.pages.work.common import current, people
from coalition.web.pages.work.forms import (
    AcceptForm,
    CompleteForm,
    DropForm,
    FulfilForm,
    ReassignForm,
    RescheduleForm,
    WithdrawForm,
    day_of,
)
from coalition.web.pages.work.forms import (
    options as _options,
)
from coalition.web.typed import FlaskForm, login_required

# -- one commitment, one task ---------------------------------------------------------------------------


def _commitment_page(
    coalition_id: str, commitment_id: str, forms: dict[str, FlaskForm] | None = None, status: int = 200
) -> ResponseReturnValue:
    with services().engine.connect() as connection:
        held = work.holders(connection, coalition_id, "commitment", commitment_id)
        snap, reader = current(connection, coalition_id, also=held)
        row = next((c for c in snap.commitments if c["commitment_id"] == commitment_id), None)
        if row is None:
            abort(404)
        history = work.history(connection, "commitment", coalition_id, commitment_id)
    objectives = work.objectives(snap)
    item = work.item(snap, row, objectives)
    # The domain's rule (`policy.may_change_commitment`, as its decision asks): forms only for who may use them.
    may_change = powers.may_change_commitment(snap, reader, row)
    may_task = powers.may_task(snap, reader, row["organisation_id"])  # one serving it, to its organisation
    linked = [work.item(snap, t, objectives) for t in snap.tasks if t["commitment_id"] == commitment_id]
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
        people=people(*(h["actor_id"] for h in history)),
        may_change=may_change,
        may_task=may_task,
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
    where: dict[str, Any] = {"coalition_id": coalition_id, key: item_id}
    return perform(
        lambda: action(ctx),
        done=done,
        then=url_for(endpoint, **where),
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
            ctx, coalition_id, commitment_id, due_on=day_of(form.due_on), reason=str(form.reason.data)
        ),
        _("The commitment has a new due date."),
        _commitment_page,
    )


def _task_page(
    coalition_id: str,
    task_id: str,
    forms: dict[str, FlaskForm] | None = None,
    status: int = 200,
    by_name: bool | None = None,
) -> ResponseReturnValue:
    """The task's page. `by_name`: how the reassignment form was sent (None: not sent; where it named the member,
    its choices are those the name fitted)."""
    with services().engine.connect() as connection:
        snap, reader = current(connection, coalition_id, also=work.holders(connection, coalition_id, "task", task_id))
        row = next((t for t in snap.tasks if t["task_id"] == task_id), None)
        if row is None:
            abort(404)
        history = work.history(connection, "task", coalition_id, task_id)
        held = {row["organisation_id"], *(h["organisation_id"] for h in history)}  # who held it, then and now
        found = organisation_names(connection, held)
        organisations = {o: found.get(o, o) for o in held}
        # The domain's rule (`policy.may_change_task`, as its decisions ask): forms only for who may use them.
        may = powers.task_powers(snap, reader, row)
        # whom to reassign it to: every active member, or a name to type where they are more than `LISTED`
        reassign_by_name, active = member_choice.mode(connection, coalition_id, by_name, may["manage"])
        everyone = work.active_members(connection, coalition_id) if may["manage"] and not reassign_by_name else []
    objectives = work.objectives(snap)
    item = work.item(snap, row, objectives)
    served = next(
        (work.item(snap, c, objectives) for c in snap.commitments if c["commitment_id"] == row["commitment_id"]), None
    )
    forms = {
        "accept": AcceptForm(formdata=None),
        "complete": CompleteForm(formdata=None),
        "reassign": ReassignForm(formdata=None),
        "drop": DropForm(formdata=None),
        **(forms or {}),
    }
    reassign = forms["reassign"]
    assert isinstance(reassign, ReassignForm)  # `_change` passes back the form of the action it was given
    if by_name is None or not reassign_by_name:  # else the members the name fitted (`member_choice.find`)
        reassign.organisation_id.choices = _options(everyone)
    return render_template(
        "work/task.html",
        coalition_id=coalition_id,
        agreement=snap.agreement,
        item=item,
        served=served,
        history=history,
        may=may,
        organisations=organisations,
        reassign_by_name=reassign_by_name,
        active=active,
        people=people(
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
    by_name, valid = member_choice.sent(form, coalition_id, form.organisation_id, form.organisation_name)
    if not valid:
        return _task_page(coalition_id, task_id, {"reassign": form}, 400, by_name)
    ctx = context()
    return perform(
        lambda: handle.reassign_task(
            ctx,
            coalition_id,
            task_id,
            organisation_id=str(form.organisation_id.data),
            assignee_email=(form.assignee_email.data or "").strip() or None,
            reason=(form.reason.data or "").strip() or None,
        ),
        done=_("The task was reassigned."),
        then=url_for("work.task", coalition_id=coalition_id, task_id=task_id),
        again=lambda status: _task_page(coalition_id, task_id, {"reassign": form}, status, by_name),
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
