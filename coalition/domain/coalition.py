"""The coalition aggregate's membership, roles and agreement: commands and `decide`.

The state and `evolve` are in `coalition.domain.coalition_state`, the events in
`coalition.domain.coalition_events`; commitments and tasks (same aggregate) are decided in
`coalition.domain.work`, which `decide` hands their commands to. The names the rest of the app
reaches through this module (the state classes, `evolve`, `is_facilitator`, ...) are re-exported.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from coalition.domain import work
from coalition.domain.base import Change, NotFound, RuleBroken, drop_none
from coalition.domain.coalition_events import ROLES
from coalition.domain.coalition_state import (
    MEMBER_STATES,
    STILL_MEMBER,
    Actor,
    Agreement,
    Coalition,
    Commitment,
    Member,
    Objective,
    Role,
    Task,
    active_roles,
    evolve,
    replay,
    stream,
)
from coalition.domain.policy import (
    check_active,
    check_acts_for,
    check_facilitator,
    holds,
    is_facilitator,
    is_liaison,
    member_state,
)

__all__ = [
    "MEMBER_STATES",
    "ROLES",
    "STILL_MEMBER",
    "Actor",
    "Agreement",
    "Coalition",
    "Commitment",
    "Member",
    "Objective",
    "Role",
    "Task",
    "active_roles",
    "decide",
    "evolve",
    "holds",
    "is_facilitator",
    "is_liaison",
    "member_state",
    "replay",
    "require_active",
    "require_acts_for",
    "require_facilitator",
    "stream",
]

#: The policy's checks under the names the decisions have always used.
require_facilitator = check_facilitator
require_acts_for = check_acts_for
require_active = check_active


def _agreement_payload(agreement: Agreement) -> dict[str, Any]:
    objectives = [
        drop_none(
            {
                "objective_id": o.objective_id,
                "text": o.text,
                "measure": o.measure,
                "target_date": o.target_date.isoformat() if o.target_date else None,
            }
        )
        for o in agreement.objectives
    ]
    return drop_none(
        {
            "name": agreement.name,
            "purpose": agreement.purpose,
            "objectives": objectives,
            "starts_on": agreement.starts_on.isoformat(),
            "ends_on": agreement.ends_on.isoformat() if agreement.ends_on else None,
            "cooperation_mechanism": agreement.cooperation_mechanism,
            "benefit_sharing": agreement.benefit_sharing,
            "members_may_draft": agreement.members_may_draft or None,
        }
    )


# -- commands -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FoundCoalition:
    coalition_id: str
    organisation_id: str
    facilitator_role_id: str
    agreement: Agreement


@dataclass(frozen=True, slots=True)
class AmendAgreement:
    agreement: Agreement


@dataclass(frozen=True, slots=True)
class RequestMembership:
    organisation_id: str


@dataclass(frozen=True, slots=True)
class InviteOrganisation:
    organisation_id: str


@dataclass(frozen=True, slots=True)
class ApproveMembership:
    organisation_id: str


@dataclass(frozen=True, slots=True)
class AcceptInvitation:
    organisation_id: str


@dataclass(frozen=True, slots=True)
class SuspendMember:
    organisation_id: str
    reason: str


@dataclass(frozen=True, slots=True)
class ReinstateMember:
    organisation_id: str
    reason: str


@dataclass(frozen=True, slots=True)
class LeaveCoalition:
    organisation_id: str
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class AssignRole:
    role_id: str
    role: str
    user_id: str
    organisation_id: str
    user_acts_for: frozenset[str]  # the organisations the assigned user may act for today


@dataclass(frozen=True, slots=True)
class RemoveRole:
    role_id: str
    reason: str | None = None


Command = (
    FoundCoalition
    | AmendAgreement
    | RequestMembership
    | InviteOrganisation
    | ApproveMembership
    | AcceptInvitation
    | SuspendMember
    | ReinstateMember
    | LeaveCoalition
    | AssignRole
    | RemoveRole
)


# -- decisions ------------------------------------------------------------------------------------


def _membership(state: Coalition, organisation_id: str, expected: tuple[str, ...]) -> str:
    now = member_state(state, organisation_id)
    if now is None:
        raise NotFound("organisation %(organisation)s is not a member of this coalition", organisation=organisation_id)
    if now not in expected:
        raise RuleBroken(
            "organisation %(organisation)s is %(state)s, not %(expected)s",
            organisation=organisation_id,
            state=now,
            expected=" or ".join(expected),
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


def _check_agreement(agreement: Agreement) -> None:
    if agreement.ends_on is not None and agreement.ends_on < agreement.starts_on:
        raise RuleBroken("the agreement cannot end before it starts: ends_on is before starts_on")
    ids = [o.objective_id for o in agreement.objectives]
    if len(set(ids)) != len(ids):
        raise RuleBroken("each objective needs its own objective_id")


def _found(command: FoundCoalition, actor: Actor) -> list[Change]:
    require_acts_for(actor, command.organisation_id)
    _check_agreement(command.agreement)
    cid, org = command.coalition_id, command.organisation_id
    return [
        Change(
            "CoalitionFounded",
            {
                "coalition_id": cid,
                **_agreement_payload(command.agreement),
                "organisation_id": org,
                "founded_by": actor.user_id,
            },
        ),
        Change(
            "RoleAssigned",
            {
                "coalition_id": cid,
                "role_id": command.facilitator_role_id,
                "role": "facilitator",
                "user_id": actor.user_id,
                "organisation_id": org,
            },
        ),
    ]


def _amend(state: Coalition, command: AmendAgreement, actor: Actor) -> list[Change]:
    require_facilitator(state, actor, "amend the agreement")
    _check_agreement(command.agreement)
    kept = {o.objective_id for o in command.agreement.objectives}
    served = {w.objective_id for w in [*state.commitments.values(), *state.tasks.values()] if w.objective_id}
    if served - kept:
        raise RuleBroken(
            "objectives %(objectives)s are served by commitments or tasks", objectives=", ".join(sorted(served - kept))
        )
    return [Change("AgreementAmended", {"coalition_id": state.coalition_id, **_agreement_payload(command.agreement)})]


def _join(state: Coalition, command: RequestMembership | InviteOrganisation, actor: Actor) -> list[Change]:
    if isinstance(command, RequestMembership):
        require_acts_for(actor, command.organisation_id)
    else:
        require_facilitator(state, actor, "invite organisations")
    now = member_state(state, command.organisation_id)
    if now in STILL_MEMBER:
        raise RuleBroken(
            "organisation %(organisation)s is already a member (%(state)s)",
            organisation=command.organisation_id,
            state=now,
        )
    kind = "MembershipRequested" if isinstance(command, RequestMembership) else "MemberInvited"
    return [Change(kind, {"coalition_id": state.coalition_id, "organisation_id": command.organisation_id})]


def _admit(state: Coalition, command: ApproveMembership | AcceptInvitation, actor: Actor) -> list[Change]:
    if isinstance(command, ApproveMembership):
        require_facilitator(state, actor, "approve a request to join")
        _membership(state, command.organisation_id, ("requested",))
        kind = "MembershipApproved"
    else:
        require_acts_for(actor, command.organisation_id)
        _membership(state, command.organisation_id, ("invited",))
        kind = "InvitationAccepted"
    return [Change(kind, {"coalition_id": state.coalition_id, "organisation_id": command.organisation_id})]


def _standing(state: Coalition, command: SuspendMember | ReinstateMember, actor: Actor) -> list[Change]:
    suspend = isinstance(command, SuspendMember)
    require_facilitator(state, actor, "suspend members" if suspend else "reinstate members")
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
    require_acts_for(actor, org)
    _membership(state, org, STILL_MEMBER)
    _keeps_a_facilitator(state, lambda r: r.organisation_id == org, org)
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
        *removed,
        Change(
            "MemberLeft",
            drop_none({"coalition_id": state.coalition_id, "organisation_id": org, "reason": command.reason}),
        ),
    ]


def _assign(state: Coalition, command: AssignRole, actor: Actor) -> list[Change]:
    require_facilitator(state, actor, "assign roles")
    org, user = command.organisation_id, command.user_id
    if command.role not in ROLES:
        raise RuleBroken("%(role)r is not a role; roles are %(roles)s", role=command.role, roles=", ".join(ROLES))
    if command.role_id in state.roles:
        raise RuleBroken("role %(role)s already exists", role=command.role_id)
    require_active(state, org, "hold roles")
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
    require_facilitator(state, actor, "remove roles")
    if command.role_id not in state.roles:
        raise NotFound("no such role: %(role)s", role=command.role_id)
    _keeps_a_facilitator(state, lambda r: r.role_id == command.role_id)
    return [
        Change(
            "RoleRemoved",
            drop_none({"coalition_id": state.coalition_id, "role_id": command.role_id, "reason": command.reason}),
        )
    ]


DECISIONS: dict[type, Callable[[Coalition, Any, Actor], list[Change]]] = {
    AmendAgreement: _amend,
    RequestMembership: _join,
    InviteOrganisation: _join,
    ApproveMembership: _admit,
    AcceptInvitation: _admit,
    SuspendMember: _standing,
    ReinstateMember: _standing,
    LeaveCoalition: _leave,
    AssignRole: _assign,
    RemoveRole: _remove,
}


def decide(state: Coalition | None, command: Any, actor: Actor, today: date) -> list[Change]:
    """The events a command (coalition or work) produces, or a DomainError saying why it is refused."""
    if isinstance(command, FoundCoalition):
        if state is not None:
            raise RuleBroken("coalition %(coalition)s already exists", coalition=command.coalition_id)
        return _found(command, actor)
    if state is None:
        raise NotFound("no such coalition")
    decision = DECISIONS.get(type(command))
    if decision is not None:
        return decision(state, command, actor)
    return work.decide(state, command, actor, today)
