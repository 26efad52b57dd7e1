"""The coalition aggregate's state: its agreement, members, roles, commitments and tasks, and `evolve`.

One aggregate and stream (`coalition-<id>`): `coalition.domain.coalition` decides membership and
roles, `coalition.domain.work` commitments and tasks; both decide on this state.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from coalition.domain.base import Change, fold

# Evaluation rounds (lane evaluations): their state and events live in `coalition.domain.evaluation_state`,
# and their names are re-exported here.
from coalition.domain.evaluation_state import EVALUATION_EVENTS, evolve_evaluations
from coalition.domain.evaluation_state import Answer as Answer
from coalition.domain.evaluation_state import Evaluation as Evaluation
from coalition.domain.evaluation_state import EvaluationResponse as EvaluationResponse
from coalition.domain.evaluation_state import Question as Question
from coalition.domain.policy import member_state

#: A declined request is no longer a membership: the organisation may ask again (as one that left may).
MEMBER_STATES = ("invited", "requested", "active", "suspended", "left", "declined")
STILL_MEMBER = ("invited", "requested", "active", "suspended")


def stream(coalition_id: str) -> str:
    """The stream holding one coalition's events, work included."""
    return f"coalition-{coalition_id}"


@dataclass(frozen=True, slots=True)
class Objective:
    """A common objective of the partnership agreement."""

    objective_id: str
    text: str
    measure: str | None = None
    target_date: date | None = None
    # -- indicators (progress lane): what the objective is counted in, where it starts and where it aims
    unit: str | None = None
    baseline: float | None = None
    target: float | None = None


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
    # The coalition's IANA time zone, in which its documents show times beside UTC; None: none stated (UTC).
    time_zone: str | None = None


@dataclass(frozen=True, slots=True)
class Member:
    """An organisation's place in the coalition."""

    organisation_id: str
    state: str
    verified_by: str | None = None  # the facilitator whose verified mark stands on the member, if any


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


# -- progress on objectives (progress lane) --------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ProgressPoint:
    """A value an objective's indicator reached on a day; a correction supersedes an earlier point."""

    progress_id: str
    objective_id: str
    value: float
    as_of: date
    recorded_by: str
    note: str | None = None
    organisation_id: str | None = None
    supersedes: str | None = None


@dataclass(frozen=True, slots=True)
class Coalition:
    """What the rules need to know about a coalition."""

    coalition_id: str
    agreement: Agreement
    members: dict[str, Member] = field(default_factory=dict)
    roles: dict[str, Role] = field(default_factory=dict)
    commitments: dict[str, Commitment] = field(default_factory=dict)
    tasks: dict[str, Task] = field(default_factory=dict)
    evaluations: Mapping[str, Evaluation] = field(default_factory=dict)  # by id, in opening order (evaluations)
    # -- ending (lane ending): set once by CoalitionClosed; every changing command is refused after it --
    closed_on: date | None = None
    closed_reason: str | None = None
    final_position: int | None = None  # the log's head when it closed: where the final report stands
    #: objective id -> its progress points in log order, superseded ones included (progress lane)
    progress: Mapping[str, tuple[ProgressPoint, ...]] = field(default_factory=dict)

    @property
    def objectives(self) -> dict[str, Objective]:
        """The agreement's objectives by id."""
        return {o.objective_id: o for o in self.agreement.objectives}


@dataclass(frozen=True, slots=True)
class Actor:
    """The user issuing a command and the organisations they may act for today."""

    user_id: str
    acts_for: frozenset[str]  # administrator of, or holding a valid mandate; loaded by the handler


def active_roles(state: Coalition, role: str) -> list[Role]:
    """The roles of one kind held for active members (a suspended member's roles are dormant)."""
    return [r for r in state.roles.values() if r.role == role and member_state(state, r.organisation_id) == "active"]


def _agreement_from(p: dict[str, Any]) -> Agreement:
    objectives = tuple(
        Objective(
            o["objective_id"],
            o["text"],
            o.get("measure"),
            date.fromisoformat(o["target_date"]) if o.get("target_date") else None,
            o.get("unit"),
            o.get("baseline"),
            o.get("target"),
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
        p.get("time_zone"),
    )


MEMBER_STATE_AFTER = {
    "MembershipRequested": "requested",
    "MemberInvited": "invited",
    "MembershipApproved": "active",
    "MembershipDeclined": "declined",
    "InvitationAccepted": "active",
    "MemberSuspended": "suspended",
    "MemberReinstated": "active",
    "MemberLeft": "left",
}


def _commitment(coalition: Coalition, p: dict[str, Any], /, **changes: Any) -> Coalition:
    commitment = replace(coalition.commitments[p["commitment_id"]], **changes)
    return replace(coalition, commitments={**coalition.commitments, commitment.commitment_id: commitment})


def _task(coalition: Coalition, p: dict[str, Any], /, **changes: Any) -> Coalition:
    task = replace(coalition.tasks[p["task_id"]], **changes)
    return replace(coalition, tasks={**coalition.tasks, task.task_id: task})


def _evolve_work(state: Coalition, change: Change) -> Coalition:
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


def _evolve_progress(state: Coalition, p: dict[str, Any]) -> Coalition:
    """The coalition after a progress point was recorded on one of its objectives (progress lane)."""
    point = ProgressPoint(
        p["progress_id"],
        p["objective_id"],
        float(p["value"]),
        date.fromisoformat(p["as_of"]),
        p["recorded_by"],
        p.get("note"),
        p.get("organisation_id"),
        p.get("supersedes"),
    )
    held = state.progress.get(point.objective_id, ())
    return replace(state, progress={**state.progress, point.objective_id: (*held, point)})


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
        held = state.members.get(p["organisation_id"])
        member = Member(p["organisation_id"], MEMBER_STATE_AFTER[change.type], held.verified_by if held else None)
        return replace(state, members={**state.members, member.organisation_id: member})
    if change.type in ("MemberVerified", "MemberVerificationWithdrawn"):
        marked = replace(state.members[p["organisation_id"]], verified_by=p.get("verified_by"))
        return replace(state, members={**state.members, marked.organisation_id: marked})
    if change.type == "RoleAssigned":
        role = Role(p["role_id"], p["role"], p["user_id"], p["organisation_id"])
        return replace(state, roles={**state.roles, role.role_id: role})
    if change.type == "RoleRemoved":
        return replace(state, roles={k: v for k, v in state.roles.items() if k != p["role_id"]})
    if change.type in EVALUATION_EVENTS:
        return replace(state, evaluations=evolve_evaluations(state.evaluations, change))
    if change.type == "CoalitionClosed":  # -- ending (lane ending) --
        return replace(
            state,
            closed_on=date.fromisoformat(p["closed_on"]),
            closed_reason=p["reason"],
            final_position=p["final_position"],
        )
    if change.type == "ObjectiveProgressRecorded":
        return _evolve_progress(state, p)
    return _evolve_work(state, change)


def replay(changes: list[Change]) -> Coalition | None:
    """The state after a stream of events."""
    return fold(evolve, changes)
