"""Inviting an organisation that is not on the platform by e-mail, and cancelling such an invitation
(facilitators); the invitee follows the link to the invitation pages (`coalition.web.pages.invitations`)."""

from __future__ import annotations

from typing import Any

from flask import url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from coalition.handlers import invitations as handle
from coalition.web.i18n import request_locale
from coalition.web.pages import context, perform
from coalition.web.pages.membership.blueprint import bp
from coalition.web.pages.membership.forms import InviteByEmail, ReasonForm
from coalition.web.pages.membership.members import _members_page
from coalition.web.typed import login_required


def _sent(answer: dict[str, Any]) -> str:
    return str(
        _("Invitation sent to %(email)s: the link in it works once, for 14 days.", email=answer["invitation"]["email"])
    )


@bp.post("/coalitions/<coalition_id>/invitations")
@login_required
def invite_by_email(coalition_id: str) -> ResponseReturnValue:
    """Invite an organisation not on the platform, by its contact's e-mail address (facilitators)."""
    form = InviteByEmail()
    if not form.validate_on_submit():
        return _members_page(coalition_id, by_email=form, status=400)
    ctx = context()
    return perform(
        lambda: handle.invite_organisation(
            ctx,
            coalition_id,
            email=str(form.email.data),
            organisation_name=form.organisation_name.data or None,
            message=form.message.data or None,
            locale=request_locale(),
        ),
        done=_sent,
        then=url_for("membership.members", coalition_id=coalition_id),
        again=lambda status: _members_page(coalition_id, by_email=form, status=status),
    )


@bp.post("/coalitions/<coalition_id>/invitations/<invitation_id>/revoke")
@login_required
def revoke_invitation(coalition_id: str, invitation_id: str) -> ResponseReturnValue:
    """Cancel a pending invitation of an organisation: its link stops working (facilitators)."""
    form = ReasonForm()
    if not form.validate_on_submit():
        return _members_page(coalition_id, status=400)
    ctx = context()
    return perform(
        lambda: handle.revoke(ctx, invitation_id, coalition_id=coalition_id),
        done=_("The invitation was cancelled: its link no longer works."),
        then=url_for("membership.members", coalition_id=coalition_id),
        again=lambda status: _members_page(coalition_id, status=status),
    )
