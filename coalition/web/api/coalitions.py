"""Coalitions over the API: found, read, amend the agreement, membership and roles."""

from __future__ import annotations

from typing import Any, NamedTuple

from flask import jsonify
from flask.typing import ResponseReturnValue

from coalition.accounts import names_of
from coalition.domain import coalition as co
from coalition.domain.base import NotFound
from coalition.handlers import Context
from coalition.handlers import coalitions as handle
from coalition.infra.extensions import services
from coalition.reads.coalitions import member_counts
from coalition.reads.standing import Moment, Snapshot, page_of_members, snapshot
from coalition.reads.streams import seen_version
from coalition.web.api.auth import authenticated
from coalition.web.api.blueprint import bp
from coalition.web.api.coalition_schemas import CoalitionQuery, CoalitionView
from coalition.web.api.edge import command, documented, json_body, query_args
from coalition.web.api.ending import LeaveRequest
from coalition.web.api.schemas import (
    AgreementPatch,
    Answer,
    CoalitionRequest,
    MemberRequest,
    OptionalReasonRequest,
    ReasonRequest,
    RoleRequest,
)
from coalition.web.reading import today


class CoalitionNow(NamedTuple):
    """A coalition now, as `current` reads it."""

    snapshot: Snapshot
    version: int
    counts: dict[str, int]  # members by state
    next_after: str | None  # the next page of members' `after` (None: the last, or every member was read)
    shown: list[str] | None  # the page's organisation ids in the order SQL chose them (None: every member was read)


def current(coalition_id: str, after: str | None = None, limit: int | None = None) -> CoalitionNow:
    """The coalition's rows as they are now (with `limit`, narrowed to a page of members after `after`), the stream
    version they show and how many members are in each state; or NotFound."""
    moment = Moment(None, today())
    with services().engine.connect() as connection:
        version = seen_version(connection, co.stream(coalition_id))
        shown: list[str] | None = None
        if limit is None:
            snap, next_after = snapshot(connection, coalition_id, moment), None
        else:
            snap, shown, next_after = page_of_members(connection, coalition_id, moment, after, limit)
        counts = member_counts(connection, coalition_id)
    if snap.agreement is None:
        raise NotFound("no such coalition: %(coalition)s", coalition=coalition_id)
    return CoalitionNow(snap, version, counts, next_after, shown)


@bp.post("/coalitions")
@command(201)
@documented(request=CoalitionRequest, response=Answer, status=201)
def found_coalition(context: Context) -> dict[str, Any]:
    """Found a coalition for an organisation you act for; you become its first facilitator."""
    return handle.found_coalition(context, **json_body(CoalitionRequest()))


@bp.get("/coalitions/<coalition_id>")
@authenticated
@documented(query=CoalitionQuery, response=CoalitionView)
def read_coalition(coalition_id: str) -> ResponseReturnValue:
    """The partnership agreement, the members and the roles; the ETag is the version to send in If-Match.

    With `limit`, a page of members at a time (`after`), in the order of their organisation ids, with their roles.
    """
    args = query_args(CoalitionQuery())
    now = current(coalition_id, args.get("after"), args.get("limit"))
    snap = now.snapshot
    agreement = snap.agreement or {}
    names = names_of(services().engine, {r["user_id"] for r in snap.roles})
    # every member in the order of its membership row's latest change (as always), or the page in the order SQL chose
    place = {organisation_id: index for index, organisation_id in enumerate(now.shown or [])}
    members = snap.members if now.shown is None else sorted(snap.members, key=lambda m: place[m["organisation_id"]])
    body = {
        "id": coalition_id,
        "version": now.version,
        "founded_at": agreement["founded_at"],
        "founding_organisation_id": agreement["founding_organisation_id"],
        "agreement": agreement,
        "members": [
            {**m, **snap.names.get(m["organisation_id"], {}), "verified": m.get("verified_by") is not None}
            for m in members
        ],
        "member_counts": now.counts,
        "members_total": sum(now.counts.values()),
        "members_next_after": now.next_after,
        "roles": [{**r, "name": names.get(r["user_id"])} for r in snap.roles],
        "state": "ended" if agreement.get("ended_on") else "running",
        "ended_on": agreement.get("ended_on"),
        "ended_reason": agreement.get("ended_reason"),
        "final_position": agreement.get("final_position"),
    }
    response = jsonify(CoalitionView().dump(body))
    response.set_etag(str(now.version))
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
