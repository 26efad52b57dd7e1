"""Asking to join, accepting an invitation, leaving."""

from __future__ import annotations

from flask import abort, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from coalition.domain.coalition import STILL_MEMBER
from coalition.handlers import coalitions as handle
from coalition.infra.extensions import services
from coalition.web.pages import actor, context, perform
from coalition.web.pages.membership.blueprint import bp
from coalition.web.pages.membership.common import current, member_states, name_of, named, outside
from coalition.web.pages.membership.forms import ChooseOrganisation, ReasonForm, RequiredReasonForm
from coalition.web.typed import login_required

# -- joining --------------------------------------------------------------------------------------


def join_page(coalition_id: str, form: ChooseOrganisation | None = None, status: int = 200) -> ResponseReturnValue:
    """The coalition's public description, and where each organisation the user acts for stands in it."""
    with services().engine.connect() as connection:
        snap = current(connection, coalition_id)
        mine = named(connection, actor(connection).acts_for)
    states = member_states(snap)
    reasons = {m["organisation_id"]: m["reason"] for m in snap.members}
    form = form or ChooseOrganisation()
    form.organisation_id.choices = outside(snap, mine)
    public = {k: (snap.agreement or {})[k] for k in ("name", "purpose", "starts_on", "ends_on")}
    members = [snap.names.get(m["organisation_id"], {}) for m in snap.members if m["state"] == "active"]
    return render_template(
        "membership/join.html",
        coalition_id=coalition_id,
        coalition=public,
        form=form,
        members=sorted(members, key=lambda m: m.get("name", "")),
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
        form.organisation_id.choices = outside(
            current(connection, coalition_id), named(connection, actor(connection).acts_for)
        )
    if not form.validate_on_submit():
        return join_page(coalition_id, form, 400)
    ctx = context()
    return perform(
        lambda: handle.join(ctx, coalition_id, organisation_id=form.organisation_id.data),
        done=_("Your request to join was sent. A facilitator will review it."),
        then=url_for("membership.join", coalition_id=coalition_id),
        again=lambda status: join_page(coalition_id, form, status),
    )


def leave_page(
    coalition_id: str, organisation_id: str, form: ReasonForm | RequiredReasonForm, status: int = 200
) -> ResponseReturnValue:
    """Confirm leaving (or withdrawing a request, or declining an invitation) for an organisation you act for."""
    with services().engine.connect() as connection:
        snap = current(connection, coalition_id)
        acts = actor(connection).acts_for
    state = member_states(snap).get(organisation_id)
    if state not in STILL_MEMBER:
        abort(404)
    if organisation_id not in acts:
        abort(403)
    return render_template(
        "membership/leave.html",
        coalition_id=coalition_id,
        organisation_id=organisation_id,
        organisation=name_of(snap, organisation_id),
        coalition=(snap.agreement or {})["name"],
        state=state,
        form=form,
    ), status


@bp.get("/coalitions/<coalition_id>/members/<organisation_id>/leave")
@login_required
def leave(coalition_id: str, organisation_id: str) -> ResponseReturnValue:
    """The confirmation before an organisation leaves."""
    return leave_page(coalition_id, organisation_id, ReasonForm())
