"""Coalitions over the API: found, read, amend the agreement, membership and roles."""

from __future__ import annotations

from typing import Any

from flask import jsonify
from flask.typing import ResponseReturnValue

from coalition.accounts import names_of
from coalition.domain import coalition as co
from coalition.domain.base import NotFound
from coalition.handlers import Context
from coalition.handlers import coalitions as handle
from coalition.infra.extensions import services
from coalition.reads.standing import Moment, Snapshot, snapshot
from coalition.reads.streams import seen_version
from coalition.web.api.auth import authenticated
from coalition.web.api.blueprint import bp
from coalition.web.api.edge import command, documented, json_body
from coalition.web.api.ending import LeaveRequest
from coalition.web.api.schemas import (
    AgreementPatch,
    Answer,
    CoalitionRequest,
    CoalitionView,
    MemberRequest,
    OptionalReasonRequest,
    ReasonRequest,
    RoleRequest,
)
from coalition.web.reading import today


def current(coalition_id: str) -> tuple[Snapshot, int]:
    """The coalition's rows as they are now and the stream version they show, or NotFound."""
    with services().engine.connect() as connection:
        version = seen_version(connection, co.stream(coalition_id))
        snap = snapshot(connection, coalition_id, Moment(None, today()))
    if snap.agreement is None:
        raise NotFound("no such coalition: %(coalition)s", coalition=coalition_id)
    return snap, version


@bp.post("/coalitions")
@command(201)
@documented(request=CoalitionRequest, response=Answer, status=201)
def found_coalition(context: Context) -> dict[str, Any]:
    """Found a coalition for an organisation you act for; you become its first facilitator."""
    return handle.found_coalition(context, **json_body(CoalitionRequest()))


@bp.get("/coalitions/<coalition_id>")
@authenticated
@documented(response=CoalitionView)
def read_coalition(coalition_id: str) -> ResponseReturnValue:
    """The partnership agreement, the members and the roles; the ETag is the version to send in If-Match."""
    snap, version = current(coalition_id)
    agreement = snap.agreement or {}
    names = names_of(services().engine, {r["user_id"] for r in snap.roles})
    body = {
        "id": coalition_id,
        "version": version,
        "founded_at": agreement["founded_at"],
        "founding_organisation_id": agreement["founding_organisation_id"],
        "agreement": agreement,
        "members": [
            {**m, **snap.names.get(m["organisation_id"], {}), "verified": m.get("verified_by") is not None}
            for m in snap.members
        ],
        "roles": [{**r, "name": names.get(r["user_id"])} for r in snap.roles],
        "state": "ended" if agreement.get("ended_on") else "running",
        "ended_on": agreement.get("ended_on"),
        "ended_reason": agreement.get("ended_reason"),
        "final_position": agreement.get("final_position"),
    }
    response = jsonify(CoalitionView().dump(body))
    response.set_etag(str(version))
    return response


@bp.patch("/coalitions/<coalition_id>/agreement")
@command(200)
@documented(request=AgreementPatch, response=Answer)
def amend_agreement(context: Context, coalition_id: str) -> dict[str, Any]:
    """Amend the agreement (facilitators); the fields sent change, the old text stays in the log."""
    # Partial at the top only: an objective sent still needs its text.
    patch = AgreementPatch(partial=tuple(AgreementPatch._declared_fields))
    return handle.amend_agreement(context, coalition_id, json_body(patch))


@bp.post("/coalitions/<coalition_id>/members")
@command(201)
@documented(request=MemberRequest, response=Answer, status=201)
def join(context: Context, coalition_id: str) -> dict[str, Any]:
    """A request to join when you act for the organisation; a facilitator's invitation otherwise."""
    return handle.join(context, coalition_id, **json_body(MemberRequest()))


@bp.post("/coalitions/<coalition_id>/members/<organisation_id>/<action>")
@command(200)
@documented(
    request=OptionalReasonRequest, response=Answer, body_required=False, choices={"action": handle.MEMBERSHIP_ACTIONS}
)
def change_membership(context: Context, coalition_id: str, organisation_id: str, action: str) -> dict[str, Any]:
    """Approve, decline, suspend or reinstate (facilitators); accept or leave (the organisation).

    Declining a request to join, suspending and reinstating need a reason; leaving may give one, and needs a
    disposition for each open commitment (withdraw) and task (hand_over to another active member, or drop),
    each with a reason: {"dispositions": [{"item", "action", "reason", "to"?}]}.
    A declined organisation may ask to join again.
    """
    if action not in handle.MEMBERSHIP_ACTIONS:
        raise NotFound(
            "no membership action %(action)r: use one of %(actions)s",
            action=action,
            actions=", ".join(handle.MEMBERSHIP_ACTIONS),
        )
    schema = ReasonRequest() if action in handle.NEEDS_A_REASON else OptionalReasonRequest()
    if action == "leave":  # with a disposition for each open commitment and task (coalition.domain.ending)
        schema = LeaveRequest()
    data = json_body(schema, optional=action not in handle.NEEDS_A_REASON)
    return handle.change_membership(
        context, coalition_id, organisation_id, action, data.get("reason"), data.get("dispositions")
    )


@bp.post("/coalitions/<coalition_id>/members/<organisation_id>/verification")
@command(200)
@documented(response=Answer)
def verify_member(context: Context, coalition_id: str, organisation_id: str) -> dict[str, Any]:
    """Mark a member organisation verified (facilitators): recorded with who and when, shown on the member list,
    the organisation's page, the public statement page and the sealed PDF."""
    return handle.verify_member(context, coalition_id, organisation_id)


@bp.delete("/coalitions/<coalition_id>/members/<organisation_id>/verification")
@command(200)
@documented(response=Answer)
def withdraw_verification(context: Context, coalition_id: str, organisation_id: str) -> dict[str, Any]:
    """Withdraw a member's verified mark (facilitators); the mark and its withdrawal both stay in the log."""
    return handle.withdraw_verification(context, coalition_id, organisation_id)


@bp.post("/coalitions/<coalition_id>/roles")
@command(201)
@documented(request=RoleRequest, response=Answer, status=201)
def assign_role(context: Context, coalition_id: str) -> dict[str, Any]:
    """Give a user of an active member organisation a role (facilitators)."""
    return handle.assign_role(context, coalition_id, **json_body(RoleRequest()))


@bp.delete("/coalitions/<coalition_id>/roles/<role_id>")
@command(200)
@documented(request=OptionalReasonRequest, response=Answer, body_required=False)
def remove_role(context: Context, coalition_id: str, role_id: str) -> dict[str, Any]:
    """Remove a role (facilitators); the last facilitator's role stays."""
    reason = json_body(OptionalReasonRequest(), optional=True).get("reason")
    return handle.remove_role(context, coalition_id, role_id, reason)
