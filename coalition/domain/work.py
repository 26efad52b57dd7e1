"""The coalition's work: each partner's commitments and the division of tasks (commands and decisions).

Same aggregate and stream as `coalition.domain.coalition`, whose `decide` hands these commands
here; the state and `evolve` are in `coalition.domain.coalition_state`, the events in
`coalition.domain.coalition_events`, the rules on who may change what in `coalition.domain.policy`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from coalition.domain.base import N_, Change, NotAllowed, NotFound, RuleBroken, drop_none
from coalition.domain.coalition_events import KINDS
from coalition.domain.coalition_state import Actor, Coalition, Commitment, Task
from coalition.domain.policy import (
    CLOSED_COMMITMENT,
    CLOSED_TASK,
    check_active,
    check_acts_for,
    check_facilitator,
    commitment_refusal,
    due_date_refusal,
    may_create_task,
    task_refusal,
)
from coalition.domain.policy import is_overdue as _overdue

__all__ = ["CLOSED_COMMITMENT", "CLOSED_TASK", "KINDS", "decide", "is_overdue"]


def is_overdue(work: Commitment | Task, today: date) -> bool:
    """True when the commitment's or task's due date has passed and it is still open (see `policy.is_overdue`)."""
    return _overdue(work.due_on, work.state, today)


# -- commands -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PledgeCommitment:
    commitment_id: str
    organisation_id: str
    kind: str
    description: str
    due_on: date
    quantity: float | None = None
    unit: str | None = None
    objective_id: str | None = None


@dataclass(frozen=True, slots=True)
class FulfilCommitment:
    commitment_id: str
    note: str


@dataclass(frozen=True, slots=True)
class WithdrawCommitment:
    commitment_id: str
    reason: str


@dataclass(frozen=True, slots=True)
class RescheduleCommitment:
    commitment_id: str
    due_on: date
    reason: str


@dataclass(frozen=True, slots=True)
class CreateTask:
    task_id: str
    title: str
    description: str
    organisation_id: str
    due_on: date
    assignee_user_id: str | None = None
    objective_id: str | None = None
    commitment_id: str | None = None
    assignee_acts_for: frozenset[str] = frozenset()  # the organisations the assignee acts for today


@dataclass(frozen=True, slots=True)
class AcceptTask:
    task_id: str


@dataclass(frozen=True, slots=True)
class CompleteTask:
    task_id: str
    note: str | None = None


@dataclass(frozen=True, slots=True)
class ReassignTask:
    task_id: str
    organisation_id: str
    assignee_user_id: str | None = None
    reason: str | None = None
    assignee_acts_for: frozenset[str] = frozenset()  # the organisations the assignee acts for today


@dataclass(frozen=True, slots=True)
class DropTask:
    task_id: str
    reason: str


Command = (
    PledgeCommitment
    | FulfilCommitment
    | WithdrawCommitment
    | RescheduleCommitment
    | CreateTask
    | AcceptTask
    | CompleteTask
    | ReassignTask
    | DropTask
)


# -- decisions ------------------------------------------------------------------------------------


def _required(text: str | None, what: str) -> None:
    if not text or not text.strip():
        raise RuleBroken("%(what)s is required", what=what)


def _objective(state: Coalition, objective_id: str | None) -> None:
    if objective_id is not None and objective_id not in state.objectives:
        raise NotFound("no such objective: %(objective)s", objective=objective_id)


def _due(state: Coalition, due_on: date, today: date) -> None:
    refusal = due_date_refusal(state.agreement.starts_on, due_on, today)
    if refusal is not None:
        raise refusal


def _pledge(state: Coalition, c: PledgeCommitment, actor: Actor, today: date) -> list[Change]:
    check_acts_for(actor, c.organisation_id)
    check_active(state, c.organisation_id, N_("pledge commitments"))
    if c.commitment_id in state.commitments:
        raise RuleBroken("commitment %(commitment)s already exists", commitment=c.commitment_id)
    if c.kind not in KINDS:
        raise RuleBroken(
            "%(kind)r is not a kind of contribution; kinds are %(kinds)s", kind=c.kind, kinds=", ".join(KINDS)
        )
    _required(c.description, "a description")
    if c.quantity is not None and c.quantity <= 0:
        raise RuleBroken("a quantity must be more than zero")
    _objective(state, c.objective_id)
    _due(state, c.due_on, today)
    return [
        Change(
            "CommitmentPledged",
            drop_none(
                {
                    "coalition_id": state.coalition_id,
                    "commitment_id": c.commitment_id,
                    "organisation_id": c.organisation_id,
                    "kind": c.kind,
                    "description": c.description,
                    "quantity": c.quantity,
                    "unit": c.unit,
                    "objective_id": c.objective_id,
                    "due_on": c.due_on.isoformat(),
                }
            ),
        )
    ]


def _commitment_of(state: Coalition, command: Any, actor: Actor, verb: str) -> Commitment:
    """The commitment a follow-up command names, if the actor is its pledger or a facilitator."""
    commitment = state.commitments.get(command.commitment_id)
    if commitment is None:
        raise NotFound("no such commitment: %(commitment)s", commitment=command.commitment_id)
    refusal = commitment_refusal(
        state, actor, commitment.organisation_id, commitment.state, verb, commitment.commitment_id
    )
    if refusal is not None:
        raise refusal
    return commitment


def _follow_up(state: Coalition, c: Any, actor: Actor, today: date) -> list[Change]:
    verbs = {FulfilCommitment: "fulfilled", WithdrawCommitment: "withdrawn", RescheduleCommitment: "rescheduled"}
    _commitment_of(state, c, actor, verbs[type(c)])
    ids = {"coalition_id": state.coalition_id, "commitment_id": c.commitment_id}
    if isinstance(c, FulfilCommitment):
        _required(c.note, "a note on the evidence")
        return [Change("CommitmentFulfilled", {**ids, "note": c.note, "fulfilled_on": today.isoformat()})]
    _required(c.reason, "a reason")
    if isinstance(c, WithdrawCommitment):
        return [Change("CommitmentWithdrawn", {**ids, "reason": c.reason})]
    _due(state, c.due_on, today)
    return [Change("CommitmentRescheduled", {**ids, "due_on": c.due_on.isoformat(), "reason": c.reason})]


def _assignee(c: CreateTask | ReassignTask) -> None:
    if c.assignee_user_id is not None and c.organisation_id not in c.assignee_acts_for:
        raise RuleBroken(
            "the assignee %(user)s does not act for organisation %(organisation)s: "
            "name one of its administrators or mandated users, or nobody",
            user=c.assignee_user_id,
            organisation=c.organisation_id,
        )


def _create(state: Coalition, c: CreateTask, actor: Actor, today: date) -> list[Change]:
    if not may_create_task(state, actor, c.organisation_id):
        raise NotAllowed("only facilitators or the liaison of the assignee organisation may create tasks")
    check_active(state, c.organisation_id, N_("receive tasks"))
    _assignee(c)
    if c.task_id in state.tasks:
        raise RuleBroken("task %(task)s already exists", task=c.task_id)
    _required(c.title, "a title")
    _objective(state, c.objective_id)
    if c.commitment_id is not None and c.commitment_id not in state.commitments:
        raise NotFound("no such commitment: %(commitment)s", commitment=c.commitment_id)
    _due(state, c.due_on, today)
    return [
        Change(
            "TaskCreated",
            drop_none(
                {
                    "coalition_id": state.coalition_id,
                    "task_id": c.task_id,
                    "title": c.title,
                    "description": c.description,
                    "organisation_id": c.organisation_id,
                    "assignee_user_id": c.assignee_user_id,
                    "due_on": c.due_on.isoformat(),
                    "objective_id": c.objective_id,
                    "commitment_id": c.commitment_id,
                }
            ),
        )
    ]


def _task_of(state: Coalition, task_id: str, actor: Actor, action: str) -> Task:
    """The task a command names, if the actor may `action` it in its state (see `policy.task_refusal`)."""
    task = state.tasks.get(task_id)
    if task is None:
        raise NotFound("no such task: %(task)s", task=task_id)
    refusal = task_refusal(state, actor, task.organisation_id, task.state, action, task_id)
    if refusal is not None:
        raise refusal
    return task


def _assignee_acts(state: Coalition, c: AcceptTask | CompleteTask, actor: Actor, today: date) -> list[Change]:
    ids = {"coalition_id": state.coalition_id, "task_id": c.task_id}
    if isinstance(c, AcceptTask):
        _task_of(state, c.task_id, actor, "accept")
        return [Change("TaskAccepted", ids)]
    _task_of(state, c.task_id, actor, "complete")
    return [Change("TaskCompleted", drop_none({**ids, "note": c.note or None, "completed_on": today.isoformat()}))]


def _reassign(state: Coalition, c: ReassignTask, actor: Actor, today: date) -> list[Change]:
    check_facilitator(state, actor, N_("reassign tasks"))
    _task_of(state, c.task_id, actor, "reassign")
    check_active(state, c.organisation_id, N_("receive tasks"))
    _assignee(c)
    return [
        Change(
            "TaskReassigned",
            drop_none(
                {
                    "coalition_id": state.coalition_id,
                    "task_id": c.task_id,
                    "organisation_id": c.organisation_id,
                    "assignee_user_id": c.assignee_user_id,
                    "reason": c.reason or None,
                }
            ),
        )
    ]


def _drop(state: Coalition, c: DropTask, actor: Actor, today: date) -> list[Change]:
    check_facilitator(state, actor, N_("drop tasks"))
    _task_of(state, c.task_id, actor, "drop")
    _required(c.reason, "a reason")
    return [Change("TaskDropped", {"coalition_id": state.coalition_id, "task_id": c.task_id, "reason": c.reason})]


DECISIONS: dict[type, Callable[[Coalition, Any, Actor, date], list[Change]]] = {
    PledgeCommitment: _pledge,
    FulfilCommitment: _follow_up,
    WithdrawCommitment: _follow_up,
    RescheduleCommitment: _follow_up,
    CreateTask: _create,
    AcceptTask: _assignee_acts,
    CompleteTask: _assignee_acts,
    ReassignTask: _reassign,
    DropTask: _drop,
}


def decide(state: Coalition | None, command: Command, actor: Actor, today: date) -> list[Change]:
    """The events a commitment or task command produces, or a DomainError saying why it is refused."""
    if state is None:
        raise NotFound("no such coalition")
    decision = DECISIONS.get(type(command))
    if decision is None:
        raise TypeError(f"not a coalition command: {command!r}")
    return decision(state, command, actor, today)
