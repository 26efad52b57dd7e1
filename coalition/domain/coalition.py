"""The coalition aggregate: its partnership agreement, its members and the roles their users hold.

Commitments and tasks live on the same aggregate (stream `coalition-<id>`); their events and
decisions are in `coalition.domain.work`, which `evolve` and `decide` reach lazily to avoid an
import cycle (work imports the state classes defined here).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from marshmallow import Schema, fields, validate

from coalition.domain.base import Change, NotAllowed, NotFound, RuleBroken, drop_none, fold
from coalition.domain.event_types import registry

MEMBER_STATES = ("invited", "requested", "active", "suspended", "left")
ROLES = ("facilitator", "liaison", "endorser")
STILL_MEMBER = ("invited", "requested", "active", "suspended")


def stream(coalition_id: str) -> str:
    """The stream holding one coalition's events, work included."""
    return f"coalition-{coalition_id}"


# -- events ---------------------------------------------------------------------------------------


class ObjectiveFields(Schema):
    objective_id = fields.String(required=True)
    text = fields.String(required=True, validate=validate.Length(min=1))
    measure = fields.String()
    target_date = fields.Date()


class AgreementFields(Schema):
    coalition_id = fields.String(required=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    purpose = fields.String(required=True)
    objectives = fields.List(fields.Nested(ObjectiveFields), required=True)
    starts_on = fields.Date(required=True)
    ends_on = fields.Date()
    cooperation_mechanism = fields.String(required=True)
    benefit_sharing = fields.String(required=True)
    members_may_draft = fields.Boolean()  # members' users may draft statements, not only facilitators


@registry.register("CoalitionFounded")
class CoalitionFounded(AgreementFields):
    organisation_id = fields.String(required=True)
    founded_by = fields.String(required=True)


@registry.register("AgreementAmended")
class AgreementAmended(AgreementFields):
    pass


class MembershipFields(Schema):
    coalition_id = fields.String(required=True)
    organisation_id = fields.String(required=True)


class ReasonedMembershipFields(MembershipFields):
    reason = fields.String(required=True, validate=validate.Length(min=1))


for _name in ("MembershipRequested", "MemberInvited", "MembershipApproved", "InvitationAccepted"):
    registry.register(_name)(type(_name, (MembershipFields,), {}))
for _name in ("MemberSuspended", "MemberReinstated"):
    registry.register(_name)(type(_name, (ReasonedMembershipFields,), {}))


@registry.register("MemberLeft")
class MemberLeft(MembershipFields):
    reason = fields.String()


@registry.register("RoleAssigned")
class RoleAssigned(Schema):
    coalition_id = fields.String(required=True)
    role_id = fields.String(required=True)
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    user_id = fields.String(required=True)
    organisation_id = fields.String(required=True)


@registry.register("RoleRemoved")
class RoleRemoved(Schema):
    coalition_id = fields.String(required=True)
    role_id = fields.String(required=True)
    reason = fields.String()


# -- state ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Objective:
    """A common objective of the partnership agreement."""

    objective_id: str
    text: str
    measure: str | None = None
    target_date: date | None = None


@dataclass(frozen=True, slots=True)
class Agreement:
    """The partnership agreement, as founded or last amended."""

    name: str
    purpose: str
    objectives: tuple[Objective, ...]
    starts_on: date
    cooperation_mechanism: str
    benefit_sharing: str
    ends_on: date | None = None
    members_may_draft: bool = False


@dataclass(frozen=True, slots=True)
class Member:
    """An organisation's place in the coalition."""

    organisation_id: str
    state: str


@dataclass(frozen=True, slots=True)
class Role:
    """A role a user holds on behalf of one member organisation."""

    role_id: str
    role: str
    user_id: str
    organisation_id: str


@dataclass(frozen=True, slots=True)
class Commitment:
    """A partner's pledged contribution; state is pledged, fulfilled or withdrawn."""

    commitment_id: str
    organisation_id: str
    kind: str
    description: str
    due_on: date
    quantity: float | None = None
    unit: str | None = None
    objective_id: str | None = None
    state: str = "pledged"


@dataclass(frozen=True, slots=True)
class Task:
    """A task of the division of tasks; state is open, accepted, done or dropped."""

    task_id: str
    title: str
    description: str
    organisation_id: str
    due_on: date
    assignee_user_id: str | None = None
    objective_id: str | None = None
    commitment_id: str | None = None
    state: str = "open"


@dataclass(frozen=True, slots=True)
class Coalition:
    """What the rules need to know about a coalition."""

    coalition_id: str
    agreement: Agreement
    members: dict[str, Member] = field(default_factory=dict)
    roles: dict[str, Role] = field(default_factory=dict)
    commitments: dict[str, Commitment] = field(default_factory=dict)
    tasks: dict[str, Task] = field(default_factory=dict)

    @property
    def objectives(self) -> dict[str, Objective]:
        """The agreement's objectives by id."""
        return {o.objective_id: o for o in self.agreement.objectives}


@dataclass(frozen=True, slots=True)
class Actor:
    """The user issuing a command and the organisations they may act for today."""

    user_id: str
    acts_for: frozenset[str]  # administrator of, or holding a valid mandate; loaded by the handler


def member_state(state: Coalition, organisation_id: str) -> str | None:
    """The organisation's membership state, or None when it never asked or was asked to join."""
    member = state.members.get(organisation_id)
    return member.state if member else None


def active_roles(state: Coalition, role: str) -> list[Role]:
    """The roles of one kind held for active members (a suspended member's roles are dormant)."""
    return [r for r in state.roles.values() if r.role == role and member_state(state, r.organisation_id) == "active"]


def holds(
    roles: Iterable[Role], states: Mapping[str, str], actor: Actor, role: str, organisation_id: str | None = None
) -> bool:
    """True when the actor holds `role` (for `organisation_id`, if given) and it empowers them now.

    A role empowers only while its organisation is an active member and its holder still acts for
    that organisation (administrator or valid mandate): a revoked mandate or a suspension takes
    the role's powers away. The one rule, for decisions (`state.roles`) and reads (projection rows).
    """
    return any(
        r.role == role
        and r.user_id == actor.user_id
        and states.get(r.organisation_id) == "active"
        and r.organisation_id in actor.acts_for
        and (organisation_id is None or r.organisation_id == organisation_id)
        for r in roles
    )


def is_facilitator(state: Coalition, actor: Actor) -> bool:
    """True when the actor facilitates the coalition now."""
    return holds(state.roles.values(), {k: m.state for k, m in state.members.items()}, actor, "facilitator")


def is_liaison(state: Coalition, actor: Actor, organisation_id: str) -> bool:
    """True when the actor is the liaison of this active member organisation now."""
    return holds(
        state.roles.values(), {k: m.state for k, m in state.members.items()}, actor, "liaison", organisation_id
    )


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


def _agreement_from(p: dict[str, Any]) -> Agreement:
    objectives = tuple(
        Objective(
            o["objective_id"],
            o["text"],
            o.get("measure"),
            date.fromisoformat(o["target_date"]) if o.get("target_date") else None,
        )
        for o in p["objectives"]
    )
    return Agreement(
        p["name"],
        p["purpose"],
        objectives,
        date.fromisoformat(p["starts_on"]),
        p["cooperation_mechanism"],
        p["benefit_sharing"],
        date.fromisoformat(p["ends_on"]) if p.get("ends_on") else None,
        bool(p.get("members_may_draft")),
    )


MEMBER_STATE_AFTER = {
    "MembershipRequested": "requested",
    "MemberInvited": "invited",
    "MembershipApproved": "active",
    "InvitationAccepted": "active",
    "MemberSuspended": "suspended",
    "MemberReinstated": "active",
    "MemberLeft": "left",
}


def evolve(state: Coalition | None, change: Change) -> Coalition | None:
    """The coalition after one of its events."""
    p = change.payload
    if change.type == "CoalitionFounded":
        founder = Member(p["organisation_id"], "active")
        return Coalition(p["coalition_id"], _agreement_from(p), {founder.organisation_id: founder})
    if state is None:
        return None
    if change.type == "AgreementAmended":
        return replace(state, agreement=_agreement_from(p))
    if change.type in MEMBER_STATE_AFTER:
        member = Member(p["organisation_id"], MEMBER_STATE_AFTER[change.type])
        return replace(state, members={**state.members, member.organisation_id: member})
    if change.type == "RoleAssigned":
        role = Role(p["role_id"], p["role"], p["user_id"], p["organisation_id"])
        return replace(state, roles={**state.roles, role.role_id: role})
    if change.type == "RoleRemoved":
        return replace(state, roles={k: v for k, v in state.roles.items() if k != p["role_id"]})
    from coalition.domain import work  # lazily: work imports this module's state classes

    return work.evolve(state, change)


def replay(changes: list[Change]) -> Coalition | None:
    """The state after a stream of events."""
    return fold(evolve, changes)


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


def require_facilitator(state: Coalition, actor: Actor, doing: str) -> None:
    """Refuse unless the actor facilitates the coalition."""
    if not is_facilitator(state, actor):
        raise NotAllowed(f"only facilitators may {doing}")


def require_acts_for(actor: Actor, organisation_id: str) -> None:
    """Refuse unless the actor is an administrator of, or mandated by, the organisation."""
    if organisation_id not in actor.acts_for:
        raise NotAllowed(f"you do not act for organisation {organisation_id} (administrator or valid mandate)")


def require_active(state: Coalition, organisation_id: str, doing: str) -> None:
    """Refuse unless the organisation is an active member."""
    now = member_state(state, organisation_id)
    if now != "active":
        raise RuleBroken(f"only active members {doing}: organisation {organisation_id} is {now or 'not a member'}")


def _membership(state: Coalition, organisation_id: str, expected: tuple[str, ...]) -> str:
    now = member_state(state, organisation_id)
    if now is None:
        raise NotFound(f"organisation {organisation_id} is not a member of this coalition")
    if now not in expected:
        raise RuleBroken(f"organisation {organisation_id} is {now}, not {' or '.join(expected)}")
    return now


def _keeps_a_facilitator(state: Coalition, losing: Callable[[Role], bool], why: str) -> None:
    if not any(not losing(r) for r in active_roles(state, "facilitator")):
        raise RuleBroken(f"a coalition always keeps at least one facilitator: {why}")


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
        raise RuleBroken(f"objectives {', '.join(sorted(served - kept))} are served by commitments or tasks")
    return [Change("AgreementAmended", {"coalition_id": state.coalition_id, **_agreement_payload(command.agreement)})]


def _join(state: Coalition, command: RequestMembership | InviteOrganisation, actor: Actor) -> list[Change]:
    if isinstance(command, RequestMembership):
        require_acts_for(actor, command.organisation_id)
    else:
        require_facilitator(state, actor, "invite organisations")
    now = member_state(state, command.organisation_id)
    if now in STILL_MEMBER:
        raise RuleBroken(f"organisation {command.organisation_id} is already a member ({now})")
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
        _keeps_a_facilitator(state, lambda r: r.organisation_id == org, f"{org}'s users hold every facilitator role")
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
    _keeps_a_facilitator(state, lambda r: r.organisation_id == org, f"{org}'s users hold every facilitator role")
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
        raise RuleBroken(f"{command.role!r} is not a role; roles are {', '.join(ROLES)}")
    if command.role_id in state.roles:
        raise RuleBroken(f"role {command.role_id} already exists")
    require_active(state, org, "hold roles")
    if org not in command.user_acts_for:
        raise RuleBroken(f"user {user} does not act for organisation {org}")
    for held in state.roles.values():
        same = held.organisation_id == org and held.role == command.role
        if same and (held.user_id == user or held.role == "liaison"):
            raise RuleBroken(
                f"user {held.user_id} is already the {held.role} of organisation {org}"
                + ("; remove that role first" if held.role == "liaison" else "")
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
        raise NotFound(f"no such role: {command.role_id}")
    _keeps_a_facilitator(state, lambda r: r.role_id == command.role_id, "this is the last facilitator role")
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
            raise RuleBroken(f"coalition {command.coalition_id} already exists")
        return _found(command, actor)
    if state is None:
        raise NotFound("no such coalition")
    decision = DECISIONS.get(type(command))
    if decision is not None:
        return decision(state, command, actor)
    from coalition.domain import work  # lazily: work imports this module's state classes

    return work.decide(state, command, actor, today)
