"""Assigning and removing roles (facilitators)."""

from __future__ import annotations

from flask import render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from coalition.accounts import names_of
from coalition.domain.coalition import ROLES
from coalition.handlers import coalitions as handle
from coalition.infra.extensions import services
from coalition.reads.access import facilitates
from coalition.reads.coalitions import roles_of
from coalition.reads.organisations import names as organisation_names
from coalition.web import member_choice
from coalition.web.pages import context, perform, require_member
from coalition.web.pages.membership.blueprint import bp
from coalition.web.pages.membership.common import day, yours
from coalition.web.pages.membership.forms import ROLE_LABELS, AssignForm, ReasonForm
from coalition.web.typed import login_required

# -- roles ----------------------------------------------------------------------------------------


def _roles_page(
    coalition_id: str,
    *,
    assign: AssignForm | None = None,
    remove: ReasonForm | None = None,
    failed: str = "",
    status: int = 200,
    by_name: bool | None = None,
) -> ResponseReturnValue:
    """The roles held now; facilitators give and take them. The organisation a role is given for is chosen from a
    menu of the active members, or named (`by_name`: where they are too many for a menu, or as the form was sent)."""
    with services().engine.connect() as connection:
        snap, _reader = yours(connection, coalition_id)  # the rule (who facilitates) is about the reader only
        facilitator = facilitates(snap, require_member(connection, coalition_id))
        given = roles_of(connection, coalition_id)
        organisations = organisation_names(connection, {r["organisation_id"] for r in given})
        by_name, active = member_choice.mode(connection, coalition_id, by_name, facilitator)
        sent_by_name = assign is not None and by_name  # its menu holds those the name fitted: kept
        assign = assign or AssignForm()
        if facilitator and not sent_by_name:
            member_choice.offer(connection, coalition_id, assign.organisation_id, by_name)
    people = names_of(services().engine, {r["user_id"] for r in given})
    held = sorted(
        (
            {
                **r,
                "person": people.get(r["user_id"], r["user_id"]),
                "organisation": organisations.get(r["organisation_id"], r["organisation_id"]),
                "since": day(r["since"]),
            }
            for r in given
        ),
        key=lambda r: (ROLES.index(r["role"]) if r["role"] in ROLES else 9, r["organisation"], r["person"]),
    )
    return render_template(
        "membership/roles.html",
        coalition_id=coalition_id,
        name=(snap.agreement or {})["name"],
        roles=held,
        labels=ROLE_LABELS,
        facilitator=facilitator,
        assign=assign,
        by_name=by_name,
        active=active,
        remove=remove or ReasonForm(),
        failed=failed,
    ), status


@bp.route("/coalitions/<coalition_id>/roles", methods=["GET", "POST"])
@login_required
def roles(coalition_id: str) -> ResponseReturnValue:
    """The roles; a facilitator gives one to a person of an active member, by e-mail."""
    if request.method == "GET":
        return _roles_page(coalition_id)
    form = AssignForm()
    with services().engine.connect() as connection:
        yours(connection, coalition_id)  # the 404 page for no such coalition
    by_name, valid = member_choice.sent(form, coalition_id, form.organisation_id, form.organisation_name)
    if not valid:
        return _roles_page(coalition_id, assign=form, status=400, by_name=by_name)
    ctx = context()
    return perform(
        lambda: handle.assign_role(
            ctx,
            coalition_id,
            email=(form.email.data or "").strip(),
            organisation_id=form.organisation_id.data,
            role=form.role.data,
        ),
        done=_("The role was given."),
        then=url_for("membership.roles", coalition_id=coalition_id),
        again=lambda status: _roles_page(coalition_id, assign=form, status=status, by_name=by_name),
    )


@bp.post("/coalitions/<coalition_id>/roles/<role_id>/remove")
@login_required
def remove_role(coalition_id: str, role_id: str) -> ResponseReturnValue:
    """Take a role away (facilitators), with a reason kept in the history."""
    form = ReasonForm()
    if not form.validate_on_submit():
        return _roles_page(coalition_id, remove=form, failed=role_id, status=400)
    ctx = context()
    return perform(
        lambda: handle.remove_role(ctx, coalition_id, role_id, form.reason.data),
        done=_("The role was removed."),
        then=url_for("membership.roles", coalition_id=coalition_id),
        again=lambda status: _roles_page(coalition_id, remove=form, failed=role_id, status=status),
    )
