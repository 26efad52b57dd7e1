"""The coalition aggregate's membership, roles and agreement: commands and `decide`.

The state and `evolve` are in `coalition.domain.coalition_state`, the events in
`coalition.domain.coalition_events`; commitments and tasks (same aggregate) are decided in
`coalition.domain.work`, which `decide` hands their commands to. The names the rest of the app
reaches through this module (the state classes, `evolve`, `is_facilitator`, ...) are re-exported.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from coalition.domain import ending, evaluations, membership, progress, work, zones
from coalition.domain.base import N_, Change, Invalid, NotFound, RuleBroken, drop_none
from coalition.domain.coalition_commands import (
    AcceptInvitation,
    AmendAgreement,
    ApproveMembership,
    AssignRole,
    CloseCoalition,
    Command,
    DeclineMembership,
    Disposition,
    FoundCoalition,
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
    check_acts_for,
    check_facilitator,
    check_open,
    holds,
    indicator_refusal,
    is_facilitator,
    is_liaison,
    member_state,
)
from coalition.domain.text import MAX_OBJECTIVES

__all__ = [
    "FoundCoalition",
    "AmendAgreement",
    "RequestMembership",
    "InviteOrganisation",
    "ApproveMembership",
    "DeclineMembership",
    "AcceptInvitation",
    "SuspendMember",
    "ReinstateMember",
    "LeaveCoalition",
    "AssignRole",
    "RemoveRole",
    "VerifyMember",
    "WithdrawVerification",
    "CloseCoalition",
    "Disposition",
    "Command",
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
    "stream",
]


def _agreement_payload(agreement: Agreement) -> dict[str, Any]:
    objectives = [
        drop_none(
            {
                "objective_id": o.objective_id,
                "text": o.text,
                "measure": o.measure,
                "target_date": o.target_date.isoformat() if o.target_date else None,
                "unit": o.unit,
                "baseline": o.baseline,
                "target": o.target,
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
            "time_zone": agreement.time_zone,
        }
    )


# -- decisions ------------------------------------------------------------------------------------


def _check_agreement(agreement: Agreement) -> None:
    if agreement.time_zone is not None and not zones.is_zone(agreement.time_zone):
        raise Invalid("time_zone: use a time zone name from the IANA database, such as Europe/Bucharest or UTC")
    if agreement.ends_on is not None and agreement.ends_on < agreement.starts_on:
        raise RuleBroken("the agreement cannot end before it starts: ends_on is before starts_on")
    if len(agreement.objectives) > MAX_OBJECTIVES:
        raise Invalid("an agreement names at most %(most)s common objectives", most=MAX_OBJECTIVES)
    ids = [o.objective_id for o in agreement.objectives]
    if len(set(ids)) != len(ids):
        raise RuleBroken("each objective needs its own objective_id")
    for objective in agreement.objectives:
        refusal = indicator_refusal(objective)
        if refusal is not None:
            raise refusal


def _found(command: FoundCoalition, actor: Actor) -> list[Change]:
    check_acts_for(actor, command.organisation_id)
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
    check_facilitator(state, actor, N_("amend the agreement"))
    _check_agreement(command.agreement)
    kept = {o.objective_id for o in command.agreement.objectives}
    work_items: list[Commitment | Task] = [*state.commitments.values(), *state.tasks.values()]
    served = {w.objective_id for w in work_items if w.objective_id}
    if served - kept:
        raise RuleBroken(
            "objectives %(objectives)s are served by commitments or tasks", objectives=", ".join(sorted(served - kept))
        )
    return [Change("AgreementAmended", {"coalition_id": state.coalition_id, **_agreement_payload(command.agreement)})]


DECISIONS: dict[type, Callable[[Coalition, Any, Actor], list[Change]]] = {AmendAgreement: _amend}


def decide(state: Coalition | None, command: Any, actor: Actor, today: date) -> list[Change]:
    """The events a command (coalition or work) produces, or a DomainError saying why it is refused."""
    if isinstance(command, FoundCoalition):
        if state is not None:
            raise RuleBroken("coalition %(coalition)s already exists", coalition=command.coalition_id)
        return _found(command, actor)
    if state is None:
        raise NotFound("no such coalition")
    check_open(state)  # an ended coalition refuses every change, whatever the command (policy.ending)
    ended = ending.DECISIONS.get(type(command))
    if ended is not None:
        return ended(state, command, actor, today)
    decision = membership.DECISIONS.get(type(command)) or DECISIONS.get(type(command))
    if decision is not None:
        return decision(state, command, actor)
    if type(command) in evaluations.DECISIONS:  # evaluation rounds (lane evaluations)
        return evaluations.decide(state, command, actor, today)
    if isinstance(command, progress.RecordProgress):
        return progress.decide(state, command, actor, today)
    return work.decide(state, command, actor, today)
