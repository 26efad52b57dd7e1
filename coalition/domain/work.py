"""The coalition's work: each partner's commitments and the division of tasks.

Same aggregate and stream as `coalition.domain.coalition`, whose `evolve` and `decide` reach here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from marshmallow import Schema, fields, validate

from coalition.domain.base import Change, NotAllowed, NotFound, RuleBroken, drop_none
from coalition.domain.coalition import (
    Actor,
    Coalition,
    Commitment,
    Task,
    is_facilitator,
    is_liaison,
    require_active,
    require_acts_for,
    require_facilitator,
)
from coalition.domain.event_types import registry

KINDS = ("funding", "staff-time", "in-kind", "expertise", "event-hosting", "outreach")
CLOSED_COMMITMENT = ("fulfilled", "withdrawn")
CLOSED_TASK = ("done", "dropped")


def is_overdue(work: Commitment | Task, today: date) -> bool:
    """True when the due date has passed and the commitment or task is still open."""
    return work.due_on < today and work.state not in (*CLOSED_COMMITMENT, *CLOSED_TASK)


# -- events ---------------------------------------------------------------------------------------


class CommitmentFields(Schema):
    coalition_id = fields.String(required=True)
    commitment_id = fields.String(required=True)


class TaskFields(Schema):
    coalition_id = fields.String(required=True)
    task_id = fields.String(required=True)


def _reason() -> fields.String:
    return fields.String(required=True, validate=validate.Length(min=1))


@registry.register("CommitmentPledged")
class CommitmentPledged(CommitmentFields):
    organisation_id = fields.String(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    description = fields.String(required=True, validate=validate.Length(min=1))
    quantity = fields.Float(validate=validate.Range(min=0, min_inclusive=False))
    unit = fields.String()
    objective_id = fields.String()
    due_on = fields.Date(required=True)


@registry.register("CommitmentFulfilled")
class CommitmentFulfilled(CommitmentFields):
    note = fields.String(required=True, validate=validate.Length(min=1))
    fulfilled_on = fields.Date(required=True)


@registry.register("CommitmentWithdrawn")
class CommitmentWithdrawn(CommitmentFields):
    reason = _reason()


@registry.register("CommitmentRescheduled")
class CommitmentRescheduled(CommitmentFields):
    due_on = fields.Date(required=True)
    reason = _reason()


@registry.register("TaskCreated")
class TaskCreated(TaskFields):
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    description = fields.String(required=True)
    organisation_id = fields.String(required=True)
    assignee_user_id = fields.String()
    due_on = fields.Date(required=True)
    objective_id = fields.String()
    commitment_id = fields.String()


@registry.register("TaskAccepted")
class TaskAccepted(TaskFields):
    pass


@registry.register("TaskCompleted")
class TaskCompleted(TaskFields):
    note = fields.String()
    completed_on = fields.Date(required=True)


@registry.register("TaskReassigned")
class TaskReassigned(TaskFields):
    organisation_id = fields.String(required=True)
    assignee_user_id = fields.String()
    reason = fields.String()


@registry.register("TaskDropped")
class TaskDropped(TaskFields):
    reason = _reason()


# -- state ----------------------------------------------------------------------------------------


def _commitment(coalition: Coalition, p: dict[str, Any], /, **changes: Any) -> Coalition:
    commitment = replace(coalition.commitments[p["commitment_id"]], **changes)
    return replace(coalition, commitments={**coalition.commitments, commitment.commitment_id: commitment})


def _task(coalition: Coalition, p: dict[str, Any], /, **changes: Any) -> Coalition:
    task = replace(coalition.tasks[p["task_id"]], **changes)
    return replace(coalition, tasks={**coalition.tasks, task.task_id: task})


def evolve(state: Coalition, change: Change) -> Coalition:
    """The coalition after one of its commitment or task events; other events leave it as it is."""
    p = change.payload
    if change.type == "CommitmentPledged":
        commitment = Commitment(
            p["commitment_id"],
            p["organisation_id"],
            p["kind"],
            p["description"],
            date.fromisoformat(p["due_on"]),
            p.get("quantity"),
            p.get("unit"),
            p.get("objective_id"),
        )
        return replace(state, commitments={**state.commitments, commitment.commitment_id: commitment})
    if change.type == "CommitmentFulfilled":
        return _commitment(state, p, state="fulfilled")
    if change.type == "CommitmentWithdrawn":
        return _commitment(state, p, state="withdrawn")
    if change.type == "CommitmentRescheduled":
        return _commitment(state, p, due_on=date.fromisoformat(p["due_on"]))
    if change.type == "TaskCreated":
        task = Task(
            p["task_id"],
            p["title"],
            p["description"],
            p["organisation_id"],
            date.fromisoformat(p["due_on"]),
            p.get("assignee_user_id"),
            p.get("objective_id"),
            p.get("commitment_id"),
        )
        return replace(state, tasks={**state.tasks, task.task_id: task})
    if change.type == "TaskAccepted":
        return _task(state, p, state="accepted")
    if change.type == "TaskCompleted":
        return _task(state, p, state="done")
    if change.type == "TaskReassigned":
        return _task(
            state, p, organisation_id=p["organisation_id"], assignee_user_id=p.get("assignee_user_id"), state="open"
        )
    if change.type == "TaskDropped":
        return _task(state, p, state="dropped")
    return state


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
        raise RuleBroken(f"{what} is required")


def _objective(state: Coalition, objective_id: str | None) -> None:
    if objective_id is not None and objective_id not in state.objectives:
        raise NotFound(f"no such objective: {objective_id}")


def _pledge(state: Coalition, c: PledgeCommitment, actor: Actor, today: date) -> list[Change]:
    require_acts_for(actor, c.organisation_id)
    require_active(state, c.organisation_id, "pledge commitments")
    if c.commitment_id in state.commitments:
        raise RuleBroken(f"commitment {c.commitment_id} already exists")
    if c.kind not in KINDS:
        raise RuleBroken(f"{c.kind!r} is not a kind of contribution; kinds are {', '.join(KINDS)}")
    _required(c.description, "a description")
    if c.quantity is not None and c.quantity <= 0:
        raise RuleBroken("a quantity must be more than zero")
    _objective(state, c.objective_id)
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
        raise NotFound(f"no such commitment: {command.commitment_id}")
    if commitment.organisation_id not in actor.acts_for and not is_facilitator(state, actor):
        raise NotAllowed("only the pledging organisation or a facilitator may change a commitment")
    if commitment.state in CLOSED_COMMITMENT:
        raise RuleBroken(
            f"commitment {commitment.commitment_id} is {commitment.state}: "
            f"a {commitment.state} commitment cannot be {verb}"
        )
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
    return [Change("CommitmentRescheduled", {**ids, "due_on": c.due_on.isoformat(), "reason": c.reason})]


def _assignee(c: CreateTask | ReassignTask) -> None:
    if c.assignee_user_id is not None and c.organisation_id not in c.assignee_acts_for:
        raise RuleBroken(
            f"the assignee {c.assignee_user_id} does not act for organisation {c.organisation_id}: "
            "name one of its administrators or mandated users, or nobody"
        )


def _create(state: Coalition, c: CreateTask, actor: Actor, today: date) -> list[Change]:
    if not is_facilitator(state, actor) and not is_liaison(state, actor, c.organisation_id):
        raise NotAllowed("only facilitators or the liaison of the assignee organisation may create tasks")
    require_active(state, c.organisation_id, "receive tasks")
    _assignee(c)
    if c.task_id in state.tasks:
        raise RuleBroken(f"task {c.task_id} already exists")
    _required(c.title, "a title")
    _objective(state, c.objective_id)
    if c.commitment_id is not None and c.commitment_id not in state.commitments:
        raise NotFound(f"no such commitment: {c.commitment_id}")
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


def _task_of(state: Coalition, task_id: str, allowed: tuple[str, ...]) -> Task:
    task = state.tasks.get(task_id)
    if task is None:
        raise NotFound(f"no such task: {task_id}")
    if task.state not in allowed:
        raise RuleBroken(f"task {task_id} is {task.state}, not {' or '.join(allowed)}")
    return task


def _assignee_acts(state: Coalition, c: AcceptTask | CompleteTask, actor: Actor, today: date) -> list[Change]:
    task = state.tasks.get(c.task_id)
    if task is None:
        raise NotFound(f"no such task: {c.task_id}")
    if task.organisation_id not in actor.acts_for:
        raise NotAllowed(f"only the assignee organisation ({task.organisation_id}) may accept or complete this task")
    ids = {"coalition_id": state.coalition_id, "task_id": c.task_id}
    if isinstance(c, AcceptTask):
        _task_of(state, c.task_id, ("open",))
        return [Change("TaskAccepted", ids)]
    _task_of(state, c.task_id, ("open", "accepted"))
    return [Change("TaskCompleted", drop_none({**ids, "note": c.note or None, "completed_on": today.isoformat()}))]


def _reassign(state: Coalition, c: ReassignTask, actor: Actor, today: date) -> list[Change]:
    require_facilitator(state, actor, "reassign tasks")
    _task_of(state, c.task_id, ("open", "accepted"))
    require_active(state, c.organisation_id, "receive tasks")
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
    require_facilitator(state, actor, "drop tasks")
    _task_of(state, c.task_id, ("open", "accepted"))
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
