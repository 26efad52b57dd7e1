"""The coalition aggregate's membership and roles: joining, admitting, suspending, leaving, assigning roles.

Decided on `coalition.domain.coalition_state`; `coalition.domain.coalition.decide` hands these commands here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from coalition.domain import ending
from coalition.domain.base import C_, N_, Change, NotFound, RuleBroken, drop_none, either
from coalition.domain.coalition_commands import (
    AcceptInvitation,
    ApproveMembership,
    AssignRole,
    DeclineMembership,
    InviteOrganisation,
    LeaveCoalition,
    ReinstateMember,
    RemoveRole,
    RequestMembership,
    SuspendMember,
    VerifyMember,
    WithdrawVerification,
)
from coalition.domain.coalition_events import ROLES
from coalition.domain.coalition_state import STILL_MEMBER, Actor, Coalition, Role, active_roles
from coalition.domain.policy import check_active, check_acts_for, check_facilitator, member_state, verify_refusal


def _membership(state: Coalition, organisation_id: str, expected: tuple[str, ...]) -> str:
    now = member_state(state, organisation_id)
    if now is None:
        raise NotFound("organisation %(organisation)s is not a member of this coalition", organisation=organisation_id)
    if now not in expected:
        raise RuleBroken(
            "organisation %(organisation)s is %(state)s, not %(expected)s",
            organisation=organisation_id,
            state=C_("member state", now),
            expected=either("member state", expected),
        )
    return now


def _keeps_a_facilitator(state: Coalition, losing: Callable[[Role], bool], organisation_id: str | None = None) -> None:
    """Refuse a change that would leave no active facilitator (because `organisation_id` goes, or this role)."""
    if any(not losing(r) for r in active_roles(state, "facilitator")):
        return
    if organisation_id is not None:
        raise RuleBroken(
            "a coalition always keeps at least one facilitator: %(organisation)s's users hold every facilitator role",
            organisation=organisation_id,
        )
    raise RuleBroken("a coalition always keeps at least one facilitator: this is the last facilitator role")


def _join(state: Coalition, command: RequestMembership | InviteOrganisation, actor: Actor) -> list[Change]:
    if isinstance(command, RequestMembership):
        check_acts_for(actor, command.organisation_id)
    else:
        check_facilitator(state, actor, N_("invite organisations"))
    now = member_state(state, command.organisation_id)
    if now in STILL_MEMBER:
        raise RuleBroken(
            "organisation %(organisation)s is already a member (%(state)s)",
            organisation=command.organisation_id,
            state=C_("member state", now),
        )
    kind = "MembershipRequested" if isinstance(command, RequestMembership) else "MemberInvited"
    return [Change(kind, {"coalition_id": state.coalition_id, "organisation_id": command.organisation_id})]


def _admit(state: Coalition, command: ApproveMembership | AcceptInvitation, actor: Actor) -> list[Change]:
    if isinstance(command, ApproveMembership):
        check_facilitator(state, actor, N_("approve a request to join"))
        _membership(state, command.organisation_id, ("requested",))
        kind = "MembershipApproved"
    else:
        check_acts_for(actor, command.organisation_id)
        _membership(state, command.organisation_id, ("invited",))
        kind = "InvitationAccepted"
    return [Change(kind, {"coalition_id": state.coalition_id, "organisation_id": command.organisation_id})]


def _decline(state: Coalition, command: DeclineMembership, actor: Actor) -> list[Change]:
    """A facilitator turns a pending request down, saying why; the organisation may ask again later."""
    check_facilitator(state, actor, N_("decline a request to join"))
    _membership(state, command.organisation_id, ("requested",))
    if not command.reason.strip():
        raise RuleBroken(
            "say why the request of %(organisation)s is declined: a reason is required",
            organisation=command.organisation_id,
        )
    return [
        Change(
            "MembershipDeclined",
            {"coalition_id": state.coalition_id, "organisation_id": command.organisation_id, "reason": command.reason},
        )
    ]


def _standing(state: Coalition, command: SuspendMember | ReinstateMember, actor: Actor) -> list[Change]:
    suspend = isinstance(command, SuspendMember)
    check_facilitator(state, actor, N_("suspend members") if suspend else N_("reinstate members"))
    org = command.organisation_id
    _membership(state, org, ("active",) if suspend else ("suspended",))
    if not command.reason.strip():
        raise RuleBroken("a reason is required")
    if suspend:
        _keeps_a_facilitator(state, lambda r: r.organisation_id == org, org)
    return [
        Change(
            "MemberSuspended" if suspend else "MemberReinstated",
            {"coalition_id": state.coalition_id, "organisation_id": org, "reason": command.reason},
        )
    ]


def _leave(state: Coalition, command: LeaveCoalition, actor: Actor) -> list[Change]:
    org = command.organisation_id
    check_acts_for(actor, org)
    _membership(state, org, STILL_MEMBER)
    _keeps_a_facilitator(state, lambda r: r.organisation_id == org, org)
    disposed = ending.dispositions(state, command)  # its open commitments and tasks, each disposed of
    # Leaving ends the organisation's roles; a suspension only makes them dormant.
    removed = [
        Change(
            "RoleRemoved",
            {"coalition_id": state.coalition_id, "role_id": r.role_id, "reason": "the organisation left the coalition"},
        )
        for r in state.roles.values()
        if r.organisation_id == org
    ]
    return [
        *disposed,
        *removed,
        Change(
            "MemberLeft",
            drop_none({"coalition_id": state.coalition_id, "organisation_id": org, "reason": command.reason}),
        ),
    ]


def _assign(state: Coalition, command: AssignRole, actor: Actor) -> list[Change]:
    check_facilitator(state, actor, N_("assign roles"))
    org, user = command.organisation_id, command.user_id
    if command.role not in ROLES:
        raise RuleBroken("%(role)r is not a role; roles are %(roles)s", role=command.role, roles=", ".join(ROLES))
    if command.role_id in state.roles:
        raise RuleBroken("role %(role)s already exists", role=command.role_id)
    check_active(state, org, N_("hold roles"))
    if org not in command.user_acts_for:
        raise RuleBroken("user %(user)s does not act for organisation %(organisation)s", user=user, organisation=org)
    for held in state.roles.values():
        same = held.organisation_id == org and held.role == command.role
        if same and (held.user_id == user or held.role == "liaison"):
            if held.role == "liaison":
                raise RuleBroken(
                    "user %(user)s is already the liaison of organisation %(organisation)s; remove that role first",
                    user=held.user_id,
                    organisation=org,
                )
            raise RuleBroken(
                "user %(user)s is already the %(role)s of organisation %(organisation)s",
                user=held.user_id,
                role=held.role,
                organisation=org,
            )
    return [
        Change(
            "RoleAssigned",
            {
                "coalition_id": state.coalition_id,
                "role_id": command.role_id,
                "role": command.role,
                "user_id": user,
                "organisation_id": org,
            },
        )
    ]


def _remove(state: Coalition, command: RemoveRole, actor: Actor) -> list[Change]:
    check_facilitator(state, actor, N_("remove roles"))
    if command.role_id not in state.roles:
        raise NotFound("no such role: %(role)s", role=command.role_id)
    _keeps_a_facilitator(state, lambda r: r.role_id == command.role_id)
    return [
        Change(
            "RoleRemoved",
            drop_none({"coalition_id": state.coalition_id, "role_id": command.role_id, "reason": command.reason}),
        )
    ]


def _verify(state: Coalition, command: VerifyMember | WithdrawVerification, actor: Actor) -> list[Change]:
    """A facilitator marks a member verified, or withdraws the mark (`policy.verify_refusal`)."""
    marking = isinstance(command, VerifyMember)
    refusal = verify_refusal(state, actor, command.organisation_id, marking)
    if refusal is not None:
        raise refusal
    ids = {"coalition_id": state.coalition_id, "organisation_id": command.organisation_id}
    if marking:
        return [Change("MemberVerified", {**ids, "verified_by": actor.user_id})]
    return [Change("MemberVerificationWithdrawn", {**ids, "withdrawn_by": actor.user_id})]


#: The decision for each membership and role command.
DECISIONS: dict[type, Callable[[Coalition, Any, Actor], list[Change]]] = {
    RequestMembership: _join,
    InviteOrganisation: _join,
    ApproveMembership: _admit,
    DeclineMembership: _decline,
    AcceptInvitation: _admit,
    SuspendMember: _standing,
    ReinstateMember: _standing,
    LeaveCoalition: _leave,
    AssignRole: _assign,
    RemoveRole: _remove,
    VerifyMember: _verify,
    WithdrawVerification: _verify,
}
