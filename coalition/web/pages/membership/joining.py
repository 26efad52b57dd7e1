"""Asking to join, accepting an invitation, leaving."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import abort, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from coalition.domain.coalition import STILL_MEMBER
from coalition.handlers import coalitions as handle
from coalition.infra.extensions import services
from coalition.reads.coalitions import member_counts, members_in_order
from coalition.reads.ending import open_work_of
from coalition.reads.paging import PAGE_SIZE, fetched
from coalition.reads.work import active_members
from coalition.web import member_choice
from coalition.web.pages import context, perform
from coalition.web.pages.membership.blueprint import bp
from coalition.web.pages.membership.common import ACTIVE, member_states, name_of, named, outside, yours
from coalition.web.pages.membership.forms import ChooseOrganisation, LeaveForm, ReasonForm, RequiredReasonForm
from coalition.web.typed import login_required

# -- joining --------------------------------------------------------------------------------------


Others = Callable[[], list[tuple[str, str]]]


def join_page(coalition_id: str, form: ChooseOrganisation | None = None, status: int = 200) -> ResponseReturnValue:
    """The coalition's public description with its active members a page at a time (by name, `?after=` the last
    one seen), and where each organisation the user acts for stands in it: only the reader's organisations' rows
    and the page's members are read."""
    after = request.args.get("after") or None
    with services().engine.connect() as connection:
        snap, reader = yours(connection, coalition_id)
        mine = named(connection, reader.acts_for)
        chosen = members_in_order(
            connection, coalition_id, ACTIVE, (0, after) if after else None, PAGE_SIZE + 1, states=ACTIVE
        )
        active = member_counts(connection, coalition_id).get("active", 0)
    states = member_states(snap)
    reasons = {m["organisation_id"]: m["reason"] for m in snap.members}
    form = form or ChooseOrganisation()
    form.organisation_id.choices = outside(snap, mine)
    public = {k: (snap.agreement or {})[k] for k in ("name", "purpose", "starts_on", "ends_on")}
    page = fetched(chosen, lambda member: str(member["organisation_id"]), PAGE_SIZE, active)
    return render_template(
        "membership/join.html",
        coalition_id=coalition_id,
        coalition=public,
        form=form,
        members=page.items,
        active=page.total,
        next_after=page.next_after,
        mine=[
            {"id": c.value, "name": c.label, "state": states.get(c.value), "reason": reasons.get(c.value)} for c in mine
        ],
    ), status


@bp.route("/coalitions/<coalition_id>/join", methods=["GET", "POST"])
@login_required
def join(coalition_id: str) -> ResponseReturnValue:
    """Ask to join for one of your organisations; accept an invitation; see where your requests stand."""
    if request.method == "GET":
        return join_page(coalition_id)
    form = ChooseOrganisation()
    with services().engine.connect() as connection:
        snap, reader = yours(connection, coalition_id)
        form.organisation_id.choices = outside(snap, named(connection, reader.acts_for))
    if not form.validate_on_submit():
        return join_page(coalition_id, form, 400)
    ctx = context()
    return perform(
        lambda: handle.join(ctx, coalition_id, organisation_id=form.organisation_id.data),
        done=_("Your request to join was sent. A facilitator will review it."),
        then=url_for("membership.join", coalition_id=coalition_id),
        again=lambda status: join_page(coalition_id, form, status),
    )


def _dispositions(
    open_work: tuple[list[dict[str, Any]], list[dict[str, Any]]],
    form: LeaveForm,
    others: Others | None,
    by_name: bool | None,
) -> dict[str, dict[str, Any]]:
    """One row of the form for each open commitment and task of the organisation; each item by its id. `others`:
    the members a task may be handed over to (asked only when the organisation has a task to hand over; None where
    their names are typed). `by_name`: how the form was sent (None: not sent; where it named the members, each row's
    menu holds those its name fitted)."""
    commitments, tasks = open_work
    items = {c["commitment_id"]: {"kind": "commitment", "name": c["description"], "row": c} for c in commitments}
    items |= {t["task_id"]: {"kind": "task", "name": t["title"], "row": t} for t in tasks}
    if not form.dispositions.entries:  # the page first shown: a row for each item
        for item_id in items:
            form.dispositions.append_entry({"item": item_id})
    to = [("", _("(choose a member)")), *(others() if tasks and others else ())]
    for row in form.dispositions:
        kind = items.get(row.form.item.data or "", {}).get("kind", "task")
        row.form.action.choices = (
            [("withdraw", _("Withdraw it"))]
            if kind == "commitment"
            else [("hand_over", _("Hand it over to another member")), ("drop", _("Drop it"))]
        )
        if others is not None:
            row.form.to.choices = to
        elif not by_name or row.form.to.choices is None:  # a new form, or a row `find` was not asked of: no menu
            row.form.to.choices = []
    return items


def leave_page(
    coalition_id: str,
    organisation_id: str,
    form: ReasonForm | RequiredReasonForm,
    status: int = 200,
    by_name: bool | None = None,
) -> ResponseReturnValue:
    """Confirm leaving (or withdrawing a request, or declining an invitation) for an organisation you act for;
    each open commitment and task of the organisation is shown with the choice of what becomes of it. A task is
    handed over to a member chosen from a menu, or named where the coalition has more active members than a menu
    lists (`coalition.web.member_choice`); `by_name`: how the form was sent (None: not sent)."""
    with services().engine.connect() as connection:
        snap, reader = yours(connection, coalition_id, [organisation_id])  # the reader's and the leaving one's rows
        state = member_states(snap).get(organisation_id)
        if state not in STILL_MEMBER:
            abort(404)
        if organisation_id not in reader.acts_for:
            abort(403)

        def others() -> list[tuple[str, str]]:  # the other active members, by name
            return [(o, name) for o, name in active_members(connection, coalition_id) if o != organisation_id]

        items, typed, active = {}, False, 0
        if isinstance(form, LeaveForm):
            open_work = open_work_of(snap, organisation_id)  # its open commitments and tasks
            typed, active = member_choice.mode(connection, coalition_id, by_name, bool(open_work[1]))
            items = _dispositions(open_work, form, None if typed else others, by_name)
    return render_template(
        "membership/leave.html",
        coalition_id=coalition_id,
        organisation_id=organisation_id,
        organisation=name_of(snap, organisation_id),
        coalition=(snap.agreement or {})["name"],
        state=state,
        form=form,
        items=items,
        to_by_name=typed,
        active=active,
    ), status


@bp.get("/coalitions/<coalition_id>/members/<organisation_id>/leave")
@login_required
def leave(coalition_id: str, organisation_id: str) -> ResponseReturnValue:
    """The confirmation before an organisation leaves."""
    return leave_page(coalition_id, organisation_id, LeaveForm())
