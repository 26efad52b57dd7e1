"""Invitations over the API: organisations invited to a coalition by e-mail, and the pending invitations
of an organisation or a coalition, which their administrators or facilitators may cancel."""

from __future__ import annotations

from typing import Any

from flask import g, jsonify
from flask.typing import ResponseReturnValue

from coalition.handlers import Context
from coalition.handlers import invitations as handle
from coalition.infra.extensions import services
from coalition.web.api.auth import authenticated
from coalition.web.api.blueprint import bp
from coalition.web.api.edge import command, documented, json_body
from coalition.web.api.invitation_schemas import InvitationAnswer, InvitationList, OrganisationInvitationRequest
from coalition.web.api.schemas import Answer
from coalition.web.i18n import request_locale
from coalition.web.reading import now


def _reading() -> Context:
    moment = now()
    return Context(services(), g.user.user_id, moment.date(), now=moment)


@bp.post("/coalitions/<coalition_id>/invitations")
@command(202)
@documented(request=OrganisationInvitationRequest, response=InvitationAnswer, status=202)
def invite_organisation(context: Context, coalition_id: str) -> dict[str, Any]:
    """Invite an organisation that is not on the platform, by its contact's e-mail address (facilitators).

    The link, valid 14 days and once, leads to registration, then to describing the organisation, which
    then joins as an active member (the invitation accepted).
    """
    body = json_body(OrganisationInvitationRequest())
    return handle.invite_organisation(context, coalition_id, **body, locale=request_locale())


@bp.get("/coalitions/<coalition_id>/invitations")
@authenticated
@documented(response=InvitationList)
def coalition_invitations(coalition_id: str) -> ResponseReturnValue:
    """The coalition's invitations of organisations still waiting for an answer (facilitators)."""
    return jsonify(InvitationList().dump({"invitations": handle.pending(_reading(), coalition_id=coalition_id)}))


@bp.delete("/coalitions/<coalition_id>/invitations/<invitation_id>")
@command(200)
@documented(response=Answer)
def revoke_coalition_invitation(context: Context, coalition_id: str, invitation_id: str) -> dict[str, Any]:
    """Cancel a pending invitation of an organisation: its link stops working (facilitators)."""
    return handle.revoke(context, invitation_id, coalition_id=coalition_id)


@bp.get("/organisations/<organisation_id>/invitations")
@authenticated
@documented(response=InvitationList)
def organisation_invitations(organisation_id: str) -> ResponseReturnValue:
    """The organisation's invitations of administrators and mandate holders still pending (administrators)."""
    found = handle.pending(_reading(), organisation_id=organisation_id)
    return jsonify(InvitationList().dump({"invitations": found}))


@bp.delete("/organisations/<organisation_id>/invitations/<invitation_id>")
@command(200)
@documented(response=Answer)
def revoke_organisation_invitation(context: Context, organisation_id: str, invitation_id: str) -> dict[str, Any]:
    """Cancel a pending invitation: its link stops working (administrators)."""
    return handle.revoke(context, invitation_id, organisation_id=organisation_id)
