"""Coalition use cases: the agreement, membership, roles, commitments and tasks.

Every command reads the coalition stream and the stream of each organisation it names (or whose
commitment or task it touches), decides with who may act for those organisations today, and
appends with the version of every stream it read: a concurrent mandate revocation or membership
change turns into a conflict instead of a decision made on stale facts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date
from typing import Any

from coalition.domain import coalition as co
from coalition.domain import organisation as org
from coalition.domain import policy, work, zones
from coalition.domain.base import N_, NotFound, RuleBroken
from coalition.handlers import Context
from coalition.handlers.organisations import user_id_for
from coalition.handlers.reading import decide, prepare, run

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
            co.Objective(
                objective_id,
                item["text"].strip(),
                item.get("measure"),
                item.get("target_date"),
                item.get("unit"),
                item.get("baseline"),
                item.get("target"),
            )
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
    time_zone: str | None = None,
) -> dict[str, Any]:
    """Found a coalition for an organisation the user acts for; they become its facilitator: {id}.

    `time_zone`: the coalition's, in which its documents show times beside UTC (None: UTC)."""
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
        time_zone,
    )
    command = co.FoundCoalition(coalition_id, organisation_id, context.new_id(), agreement)
    return run(context, coalition_id, command, {"id": coalition_id})


def amend_agreement(context: Context, coalition_id: str, changes: dict[str, Any]) -> dict[str, Any]:
    """Amend the agreement (facilitators): fields left out stay as they are; the old text stays in the log."""
    read = prepare(context, coalition_id)
    if read.state is None:
        raise NotFound("no such coalition")
    policy.check_open(read.state)  # an ended coalition's agreement is not amended (policy.ending)
    policy.check_facilitator(read.state, read.actor, N_("amend the agreement"))
    current = read.state.agreement
    objectives = (
        current.objectives
        if "objectives" not in changes
        else _objectives(context, changes["objectives"], current.objectives)
    )
    kept = {name: value for name, value in changes.items() if name != "objectives"}
    if "name" in kept:
        kept["name"] = kept["name"].strip()
    if kept.get("time_zone") == zones.DEFAULT and current.time_zone is None:
        del kept["time_zone"]  # an agreement that stated no zone already reads as UTC: not an amendment
    amended = replace(current, objectives=objectives, **kept)
    if amended == current:
        raise RuleBroken("nothing to amend: the agreement already says this")
    return decide(context, read, co.AmendAgreement(amended), {"id": coalition_id})


# -- membership and roles -------------------------------------------------------------------------

#: Each membership action: its command and the state it leaves the member in.
_MEMBERSHIP: dict[str, tuple[Callable[..., co.Command], str]] = {
    "approve": (co.ApproveMembership, "active"),
    "decline": (co.DeclineMembership, "declined"),
    "accept": (co.AcceptInvitation, "active"),
    "suspend": (co.SuspendMember, "suspended"),
    "reinstate": (co.ReinstateMember, "active"),
    "leave": (co.LeaveCoalition, "left"),
}
MEMBERSHIP_ACTIONS = tuple(_MEMBERSHIP)
NEEDS_A_REASON = ("decline", "suspend", "reinstate")


def join(context: Context, coalition_id: str, *, organisation_id: str) -> dict[str, Any]:
    """A request to join when the user acts for the organisation, else a facilitator's invitation."""
    organisation, _ = context.load(org.stream(organisation_id), org.evolve)
    asks = policy.acts_for(organisation, context.user_id, context.today)
    command = co.RequestMembership(organisation_id) if asks else co.InviteOrganisation(organisation_id)
    answer = {"id": organisation_id, "state": "requested" if asks else "invited"}
    return run(context, coalition_id, command, answer)


def change_membership(
    context: Context,
    coalition_id: str,
    organisation_id: str,
    action: str,
    reason: str | None = None,
    dispositions: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Approve, decline, accept, suspend, reinstate or leave; declining, suspending and reinstating need a reason.

    Leaving with open commitments or tasks needs `dispositions`, one for each: {item, action, reason, to?}.
    """
    kind, state_after = _MEMBERSHIP[action]
    reason = reason.strip() if reason and reason.strip() else None
    if kind is co.DeclineMembership:
        command: co.Command = kind(organisation_id, reason or "")  # the decision names what is missing
    elif action in NEEDS_A_REASON:
        if reason is None:
            raise RuleBroken("a reason is required to %(action)s a member", action=action)
        command = kind(organisation_id, reason)
    elif kind is co.LeaveCoalition:
        disposed = tuple(
            co.Disposition(d["item"], d["action"], d.get("reason") or "", d.get("to")) for d in dispositions or ()
        )
        command = kind(organisation_id, reason, disposed)
    else:
        command = kind(organisation_id)
    return run(context, coalition_id, command, {"id": organisation_id, "state": state_after})


def verify_member(context: Context, coalition_id: str, organisation_id: str) -> dict[str, Any]:
    """A facilitator marks a member organisation verified: {id, verified: true}."""
    return run(context, coalition_id, co.VerifyMember(organisation_id), {"id": organisation_id, "verified": True})


def withdraw_verification(context: Context, coalition_id: str, organisation_id: str) -> dict[str, Any]:
    """A facilitator withdraws a member's verified mark: {id, verified: false}."""
    command = co.WithdrawVerification(organisation_id)
    return run(context, coalition_id, command, {"id": organisation_id, "verified": False})


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
