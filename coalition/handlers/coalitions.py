"""Coalition use cases: the agreement, membership, roles, commitments and tasks.

Every command reads the coalition stream and the stream of each organisation it names (or whose
commitment or task it touches), decides with who may act for those organisations today, and
appends with the version of every stream it read: a concurrent mandate revocation or membership
change turns into a conflict instead of a decision made on stale facts.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from coalition.domain import coalition as co
from coalition.domain import organisation as org
from coalition.domain import policy, work
from coalition.domain.base import NotFound, RuleBroken
from coalition.handlers import Context
from coalition.handlers.organisations import user_id_for

#: Commands that ask for a decision on behalf of the organisation they name, which must exist.
_NAMES_AN_ORGANISATION = (
    co.FoundCoalition,
    co.RequestMembership,
    co.InviteOrganisation,
    co.AssignRole,
    work.PledgeCommitment,
    work.CreateTask,
    work.ReassignTask,
)


def _organisations_relied_on(state: co.Coalition | None, command: Any, user_id: str) -> set[str]:
    """The organisations whose streams the decision reads: named, owning the work touched, or giving the user a role."""
    named = {getattr(command, "organisation_id", None)}
    if state is not None:
        commitment = state.commitments.get(getattr(command, "commitment_id", None) or "")
        task = state.tasks.get(getattr(command, "task_id", None) or "")
        named |= {commitment.organisation_id if commitment else None, task.organisation_id if task else None}
        named |= {r.organisation_id for r in state.roles.values() if r.user_id == user_id}
    return {organisation_id for organisation_id in named if organisation_id}


def acting_for(state: co.Coalition | None, command: Any, actor: co.Actor) -> str | None:
    """The organisation the user acted for: the one the command names, else their facilitator role's."""
    named = getattr(command, "organisation_id", None)
    if named in actor.acts_for:
        return named
    if state is not None:
        held = [
            r
            for r in co.active_roles(state, "facilitator")
            if r.user_id == actor.user_id and r.organisation_id in actor.acts_for
        ]
        if held:
            return held[0].organisation_id
    return next(iter(sorted(actor.acts_for)), None)


def _with_assignee(command: Any, organisations: dict[str, org.Organisation | None], today: date) -> Any:
    """Fill in which of the named organisations the person a command assigns may act for."""
    user_id = (
        getattr(command, "user_id", None)
        if isinstance(command, co.AssignRole)
        else getattr(command, "assignee_user_id", None)
    )
    if user_id is None:
        return command
    acts = frozenset(i for i, o in organisations.items() if policy.acts_for(o, user_id, today))
    field = "user_acts_for" if isinstance(command, co.AssignRole) else "assignee_acts_for"
    return replace(command, **{field: acts})


@dataclass
class Decision:
    """What a coalition command is decided on: the state, who acts, and every stream version read."""

    stream: str
    state: co.Coalition | None
    version: int
    expected: dict[str, int]
    organisations: dict[str, org.Organisation | None]
    actor: co.Actor


def prepare(
    context: Context,
    coalition_id: str,
    command: Any = None,
    *,
    if_match: bool = True,
    also: set[str] | frozenset[str] = frozenset(),
) -> Decision:
    """Read the coalition and every organisation the command relies on, and who the user acts for.

    `if_match`: the client's If-Match names this coalition's version (not another aggregate's).
    `also`: more organisations the decision relies on (read, and relied on, like the others).
    """
    stream = co.stream(coalition_id)
    state, version = context.load(stream, co.evolve)
    if if_match:
        context.check_version(stream, version)
    expected = {stream: version}
    organisations: dict[str, org.Organisation | None] = {}
    for organisation_id in sorted(_organisations_relied_on(state, command, context.user_id) | also):
        organisations[organisation_id], expected[org.stream(organisation_id)] = context.load(
            org.stream(organisation_id), org.evolve
        )
    named = getattr(command, "organisation_id", None)
    if isinstance(command, _NAMES_AN_ORGANISATION) and organisations.get(named) is None:
        raise NotFound("no such organisation: %(organisation)s", organisation=named)
    actor = co.Actor(
        context.user_id,
        frozenset(i for i, o in organisations.items() if policy.acts_for(o, context.user_id, context.today)),
    )
    return Decision(stream, state, version, expected, organisations, actor)


def decide(context: Context, read: Decision, command: Any, answer: dict[str, Any]) -> dict[str, Any]:
    """Decide on what was read, and append relying on every version read."""
    command = _with_assignee(command, read.organisations, context.today)
    changes = co.decide(read.state, command, read.actor, context.today)
    return context.append(
        read.stream,
        changes,
        read.expected,
        {**answer, "version": read.version + len(changes)},
        acting_for(read.state, command, read.actor),
    )


def run(context: Context, coalition_id: str, command: Any, answer: dict[str, Any]) -> dict[str, Any]:
    """Decide a coalition command on fresh state and append it with every version it relied on."""
    return decide(context, prepare(context, coalition_id, command), command, answer)


# -- the agreement --------------------------------------------------------------------------------


def _objectives(
    context: Context, given: list[dict[str, Any]], known: tuple[co.Objective, ...] = ()
) -> tuple[co.Objective, ...]:
    """Objectives from the request: those with an `id` keep (and may edit) a known one, the rest are new."""
    known_ids = {o.objective_id for o in known}
    numbers = [int(i[1:]) for i in known_ids if i[1:].isdigit()]
    next_number = max(numbers, default=0) + 1
    objectives = []
    for item in given:
        objective_id = item.get("id")
        if objective_id is None:
            objective_id, next_number = f"o{next_number}", next_number + 1
        elif objective_id not in known_ids:
            raise NotFound(
                "no such objective: %(objective)s (leave out `id` to add a new objective)", objective=objective_id
            )
        objectives.append(
            co.Objective(objective_id, item["text"].strip(), item.get("measure"), item.get("target_date"))
        )
    return tuple(objectives)


def found_coalition(
    context: Context,
    *,
    organisation_id: str,
    name: str,
    purpose: str,
    objectives: list[dict[str, Any]],
    starts_on: date,
    cooperation_mechanism: str,
    benefit_sharing: str,
    ends_on: date | None = None,
    members_may_draft: bool = False,
) -> dict[str, Any]:
    """Found a coalition for an organisation the user acts for; they become its facilitator: {id}."""
    coalition_id = context.new_id()
    agreement = co.Agreement(
        name.strip(),
        purpose,
        _objectives(context, objectives),
        starts_on,
        cooperation_mechanism,
        benefit_sharing,
        ends_on,
        members_may_draft,
    )
    command = co.FoundCoalition(coalition_id, organisation_id, context.new_id(), agreement)
    return run(context, coalition_id, command, {"id": coalition_id})


def amend_agreement(context: Context, coalition_id: str, changes: dict[str, Any]) -> dict[str, Any]:
    """Amend the agreement (facilitators): fields left out stay as they are; the old text stays in the log."""
    read = prepare(context, coalition_id)
    if read.state is None:
        raise NotFound("no such coalition")
    policy.check_facilitator(read.state, read.actor, "amend the agreement")
    current = read.state.agreement
    objectives = (
        current.objectives
        if "objectives" not in changes
        else _objectives(context, changes["objectives"], current.objectives)
    )
    kept = {name: value for name, value in changes.items() if name != "objectives"}
    if "name" in kept:
        kept["name"] = kept["name"].strip()
    amended = replace(current, objectives=objectives, **kept)
    if amended == current:
        raise RuleBroken("nothing to amend: the agreement already says this")
    return decide(context, read, co.AmendAgreement(amended), {"id": coalition_id})


# -- membership and roles -------------------------------------------------------------------------

#: Each membership action: its command and the state it leaves the member in.
_MEMBERSHIP: dict[str, tuple[type, str]] = {
    "approve": (co.ApproveMembership, "active"),
    "accept": (co.AcceptInvitation, "active"),
    "suspend": (co.SuspendMember, "suspended"),
    "reinstate": (co.ReinstateMember, "active"),
    "leave": (co.LeaveCoalition, "left"),
}
MEMBERSHIP_ACTIONS = tuple(_MEMBERSHIP)
NEEDS_A_REASON = ("suspend", "reinstate")


def join(context: Context, coalition_id: str, *, organisation_id: str) -> dict[str, Any]:
    """A request to join when the user acts for the organisation, else a facilitator's invitation."""
    organisation, _ = context.load(org.stream(organisation_id), org.evolve)
    asks = policy.acts_for(organisation, context.user_id, context.today)
    command = co.RequestMembership(organisation_id) if asks else co.InviteOrganisation(organisation_id)
    answer = {"id": organisation_id, "state": "requested" if asks else "invited"}
    return run(context, coalition_id, command, answer)


def change_membership(
    context: Context, coalition_id: str, organisation_id: str, action: str, reason: str | None = None
) -> dict[str, Any]:
    """Approve, accept, suspend, reinstate or leave; suspending and reinstating need a reason."""
    kind, state_after = _MEMBERSHIP[action]
    reason = reason.strip() if reason and reason.strip() else None
    if action in NEEDS_A_REASON:
        if reason is None:
            raise RuleBroken("a reason is required to %(action)s a member", action=action)
        command: Any = kind(organisation_id, reason)
    elif kind is co.LeaveCoalition:
        command = kind(organisation_id, reason)
    else:
        command = kind(organisation_id)
    return run(context, coalition_id, command, {"id": organisation_id, "state": state_after})


def assign_role(context: Context, coalition_id: str, *, email: str, organisation_id: str, role: str) -> dict[str, Any]:
    """Give a user of an active member organisation a role: {id}."""
    role_id = context.new_id()
    command = co.AssignRole(role_id, role, user_id_for(context, email), organisation_id, frozenset())
    return run(context, coalition_id, command, {"id": role_id})


def remove_role(context: Context, coalition_id: str, role_id: str, reason: str | None = None) -> dict[str, Any]:
    """Take a role away (never the last facilitator's): {id}."""
    return run(context, coalition_id, co.RemoveRole(role_id, reason), {"id": role_id})


# -- commitments and tasks ------------------------------------------------------------------------


def pledge(
    context: Context,
    coalition_id: str,
    *,
    organisation_id: str,
    kind: str,
    description: str,
    due_on: date,
    quantity: float | None = None,
    unit: str | None = None,
    objective: str | None = None,
) -> dict[str, Any]:
    """An active member pledges a contribution: {id}."""
    commitment_id = context.new_id()
    command = work.PledgeCommitment(
        commitment_id, organisation_id, kind, description.strip(), due_on, quantity, unit, objective
    )
    return run(context, coalition_id, command, {"id": commitment_id})


def fulfil(context: Context, coalition_id: str, commitment_id: str, *, note: str) -> dict[str, Any]:
    """Record that a commitment was delivered, with a note on the evidence."""
    return run(context, coalition_id, work.FulfilCommitment(commitment_id, note.strip()), {"id": commitment_id})


def withdraw(context: Context, coalition_id: str, commitment_id: str, *, reason: str) -> dict[str, Any]:
    """Withdraw a commitment, with a reason."""
    return run(context, coalition_id, work.WithdrawCommitment(commitment_id, reason.strip()), {"id": commitment_id})


def reschedule(context: Context, coalition_id: str, commitment_id: str, *, due_on: date, reason: str) -> dict[str, Any]:
    """Give a commitment a new due date, with a reason."""
    command = work.RescheduleCommitment(commitment_id, due_on, reason.strip())
    return run(context, coalition_id, command, {"id": commitment_id})


def create_task(
    context: Context,
    coalition_id: str,
    *,
    title: str,
    description: str,
    organisation_id: str,
    due_on: date,
    assignee_email: str | None = None,
    objective: str | None = None,
    commitment_id: str | None = None,
) -> dict[str, Any]:
    """A facilitator, or the liaison of the assignee organisation, divides out a task: {id}."""
    task_id = context.new_id()
    assignee = user_id_for(context, assignee_email) if assignee_email else None
    command = work.CreateTask(
        task_id, title.strip(), description, organisation_id, due_on, assignee, objective, commitment_id
    )
    return run(context, coalition_id, command, {"id": task_id})


def accept_task(context: Context, coalition_id: str, task_id: str) -> dict[str, Any]:
    """The assignee organisation takes the task on."""
    return run(context, coalition_id, work.AcceptTask(task_id), {"id": task_id})


def complete_task(context: Context, coalition_id: str, task_id: str, *, note: str | None = None) -> dict[str, Any]:
    """The assignee organisation reports the task done."""
    return run(context, coalition_id, work.CompleteTask(task_id, note.strip() if note else None), {"id": task_id})


def reassign_task(
    context: Context,
    coalition_id: str,
    task_id: str,
    *,
    organisation_id: str,
    assignee_email: str | None = None,
    reason: str | None = None,
) -> dict[str, Any]:
    """A facilitator gives the task to another active member (and optionally a person there)."""
    assignee = user_id_for(context, assignee_email) if assignee_email else None
    command = work.ReassignTask(task_id, organisation_id, assignee, reason)
    return run(context, coalition_id, command, {"id": task_id})


def drop_task(context: Context, coalition_id: str, task_id: str, *, reason: str) -> dict[str, Any]:
    """A facilitator drops a task, with a reason."""
    return run(context, coalition_id, work.DropTask(task_id, reason.strip()), {"id": task_id})
