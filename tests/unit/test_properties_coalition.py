"""Any sequence of coalition commands keeps the coalition's invariants (hypothesis, stateful).

Random commands from a few users and organisations (founding, membership, roles, the agreement,
commitments and tasks, with the days passing) go to `decide`; accepted changes are folded with
`evolve`. After every step: a facilitator remains, roles belong to members, closed work never
changes, and the standing view projected from the log equals a recount of the same log.
"""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from hypothesis import given, note
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy.engine import Connection

from coalition.domain.base import Change, NotFound
from coalition.domain.coalition import (
    ROLES,
    STILL_MEMBER,
    AcceptInvitation,
    Actor,
    Agreement,
    AmendAgreement,
    ApproveMembership,
    AssignRole,
    Coalition,
    FoundCoalition,
    InviteOrganisation,
    LeaveCoalition,
    Objective,
    ReinstateMember,
    RemoveRole,
    RequestMembership,
    SuspendMember,
    active_roles,
    decide,
    evolve,
    member_state,
    replay,
)
from coalition.domain.policy import LAPSED_AFTER_DAYS
from coalition.domain.work import (
    CLOSED_COMMITMENT,
    CLOSED_TASK,
    AcceptTask,
    CompleteTask,
    CreateTask,
    DropTask,
    FulfilCommitment,
    PledgeCommitment,
    ReassignTask,
    RescheduleCommitment,
    WithdrawCommitment,
)
from tests.unit.strategies import (  # noqa: F401  (projection_database is a fixture)
    PROPERTY_SETTINGS,
    Log,
    actors,
    decided,
    mostly,
    projected_standing,
    projection_database,
    resolve,
    whos,
)

ORGS = ("org-a", "org-b", "org-c")
HOMES = {
    "u-ana": frozenset({"org-a"}),
    "u-ben": frozenset({"org-b"}),
    "u-cy": frozenset({"org-c"}),
    "u-max": frozenset({"org-a", "org-b"}),
}
ACTORS = actors(HOMES, ORGS)
WHO = whos(HOMES, ORGS)
OBJECTIVES = ("obj-1", "obj-2", "obj-3")  # the agreement starts with the first two
IN_ORGS = st.sampled_from(ORGS)
REASONS = mostly("dues unpaid", " ")
ROLE_IDS = st.sampled_from(["r1", "r2", "r3", "r-fac"])
COMMITMENT_IDS = st.sampled_from(["k1", "k2"])
TASK_IDS = st.sampled_from(["t1", "t2"])
DUE_IN = st.integers(-5, 40)  # days from today
DAY_ONE = date(2025, 3, 1)

#: The membership changes the domain allows: join from outside, get admitted, be suspended and back, leave.
MOVES = {
    (None, "requested"),
    (None, "invited"),
    ("left", "requested"),
    ("left", "invited"),
    ("requested", "active"),
    ("invited", "active"),
    ("active", "suspended"),
    ("suspended", "active"),
    *((still, "left") for still in STILL_MEMBER),
}
MEMBERSHIP_AFTER = {
    "MembershipRequested": "requested",
    "MemberInvited": "invited",
    "MembershipApproved": "active",
    "InvitationAccepted": "active",
    "MemberSuspended": "suspended",
    "MemberReinstated": "active",
    "MemberLeft": "left",
}


def agreement(objective_ids: tuple[str, ...] = ("obj-1", "obj-2"), ends_early: bool = False) -> Agreement:
    """A partnership agreement with these objectives; `ends_early` makes it end before it starts."""
    return Agreement(
        "Clean Rivers Alliance",
        "Restore the river basin",
        tuple(Objective(oid, f"Objective {oid}") for oid in objective_ids),
        date(2025, 1, 1),
        "Monthly calls",
        "Shared credit",
        date(2024, 1, 1) if ends_early else None,
    )


def recount(log: Log, day: date) -> dict[str, dict[str, Any]]:
    """Each organisation's standing figures, counted straight from the log (not from the domain or the rows)."""
    members: dict[str, str] = {}
    roles: dict[str, str] = {}
    commitments: dict[str, dict[str, Any]] = {}
    tasks: dict[str, dict[str, Any]] = {}
    for position, change in log.positioned():
        p, kind = change.payload, change.type
        if kind == "CoalitionFounded":
            members[p["organisation_id"]] = "active"
        elif kind in MEMBERSHIP_AFTER:
            members[p["organisation_id"]] = MEMBERSHIP_AFTER[kind]
        elif kind == "RoleAssigned":
            roles[p["role_id"]] = p["organisation_id"]
        elif kind == "RoleRemoved":
            del roles[p["role_id"]]
        elif kind == "CommitmentPledged":
            commitments[p["commitment_id"]] = {
                "org": p["organisation_id"],
                "state": "pledged",
                "due": date.fromisoformat(p["due_on"]),
                "position": position,
            }
        elif kind in ("CommitmentFulfilled", "CommitmentWithdrawn"):
            commitments[p["commitment_id"]]["state"] = "fulfilled" if kind == "CommitmentFulfilled" else "withdrawn"
        elif kind == "CommitmentRescheduled":
            commitments[p["commitment_id"]]["due"] = date.fromisoformat(p["due_on"])
        elif kind == "TaskCreated":
            tasks[p["task_id"]] = {"org": p["organisation_id"], "state": "open", "due": date.fromisoformat(p["due_on"])}
        elif kind in ("TaskAccepted", "TaskCompleted", "TaskDropped"):
            tasks[p["task_id"]]["state"] = {
                "TaskAccepted": "accepted",
                "TaskCompleted": "done",
                "TaskDropped": "dropped",
            }[kind]
        elif kind == "TaskReassigned":
            tasks[p["task_id"]].update(org=p["organisation_id"], state="open")

    def late(work: dict[str, Any]) -> int:
        open_ = work["state"] in ("pledged", "open", "accepted")
        return max(0, (day - work["due"]).days) if open_ else 0

    figures = {}
    for org, state in members.items():
        pledged = [c for c in commitments.values() if c["org"] == org]
        assigned = [t for t in tasks.values() if t["org"] == org]
        worst = max((late(w) for w in [*pledged, *assigned]), default=0)
        level = "lapsed" if state == "suspended" or worst > LAPSED_AFTER_DAYS else "attention" if worst else "good"
        figures[org] = {
            "membership": state,
            "roles": sorted(r for r, holder in roles.items() if holder == org),
            "pledged": sorted(c["position"] for c in pledged),
            "fulfilled": sum(c["state"] == "fulfilled" for c in pledged),
            "withdrawn": sum(c["state"] == "withdrawn" for c in pledged),
            "commitments overdue": sum(late(c) > 0 for c in pledged),
            "tasks open": sum(t["state"] in ("open", "accepted") for t in assigned),
            "tasks done": sum(t["state"] == "done" for t in assigned),
            "tasks overdue": sum(late(t) > 0 for t in assigned),
            "days overdue": worst,
            "level": level,
            "statements": {"opened": [], "signed": []},
        }
    return figures


def figures_of(row: dict[str, Any]) -> dict[str, Any]:
    """The same figures, read from one row of the standing view."""
    commitments, tasks = row["commitments"], row["tasks"]
    return {
        "membership": row["membership"]["state"],
        "roles": sorted(r["role_id"] for r in row["roles"]),
        "pledged": sorted(commitments["pledged"]["positions"]),
        "fulfilled": commitments["fulfilled"]["count"],
        "withdrawn": commitments["withdrawn"]["count"],
        "commitments overdue": commitments["overdue"]["count"],
        "tasks open": tasks["open"]["count"],
        "tasks done": tasks["done"]["count"],
        "tasks overdue": tasks["overdue"]["count"],
        "days overdue": row["days_overdue"],
        "level": row["level"],
        "statements": {name: figure["positions"] for name, figure in row["statements"].items()},
    }


class CoalitionCommands(RuleBasedStateMachine):
    """One coalition, driven by random commands from four users of three organisations."""

    def __init__(self, database: Connection) -> None:
        super().__init__()
        self.database = database
        self.state: Coalition | None = None
        self.log = Log()
        self.today = DAY_ONE

    # -- running a command ------------------------------------------------------------------------

    def execute(self, command: Any, who: int | Actor, *orgs: str) -> list[Change] | None:
        """Decide; if accepted, check the step, fold the changes in and log them."""
        facilitators = [r.user_id for r in active_roles(self.state, "facilitator")] if self.state else []
        actor = resolve(who, HOMES, facilitators, *orgs)
        before = self.state
        changes = decided(decide, before, command, actor, self.today)
        note(f"{self.today}: {command!r} by {actor!r} -> {changes and [c.type for c in changes]}")
        if changes is None:
            return None
        after = before
        for change in changes:
            after = evolve(after, change)
        assert after is not None
        self.check_step(before, after, changes)
        self.log.append("coalition-c1", changes, datetime.combine(self.today, time(12), UTC))
        self.state = after
        return changes

    def check_step(self, before: Coalition | None, after: Coalition, changes: list[Change]) -> None:
        """What one accepted decision may change."""
        if before is None:
            return
        for org in set(before.members) | set(after.members):
            move = (member_state(before, org), member_state(after, org))
            assert move[0] == move[1] or move in MOVES, f"{org} went from {move[0]} to {move[1]}"
        for cid, old in before.commitments.items():
            new = after.commitments[cid]
            assert new.organisation_id == old.organisation_id
            if old.state in CLOSED_COMMITMENT:
                assert new == old, f"the {old.state} commitment {cid} changed"
        for tid, old in before.tasks.items():
            if old.state in CLOSED_TASK:
                assert after.tasks[tid] == old, f"the {old.state} task {tid} changed"
        for change in changes:
            p = change.payload
            if change.type in ("CommitmentPledged", "RoleAssigned", "TaskCreated", "TaskReassigned"):
                assert member_state(before, p["organisation_id"]) == "active", f"{change.type} for a non-member"
            if change.type == "CommitmentPledged":
                assert p["commitment_id"] not in before.commitments
            if change.type == "TaskCreated":
                assert p["task_id"] not in before.tasks

    def organisation_of(self, kind: str, work_id: str) -> list[str]:
        """The organisation a commitment or task belongs to, if it exists."""
        work = getattr(self.state, kind).get(work_id) if self.state else None
        return [work.organisation_id] if work else []

    # -- founding and the agreement ---------------------------------------------------------------

    @initialize(members_may_draft=st.booleans(), admitted=st.lists(st.sampled_from(ORGS[1:]), unique=True))
    def found(self, members_may_draft: bool, admitted: list[str]) -> None:
        """Ana founds the coalition for org-a; some organisations join at once (the rules may take it from there)."""
        ana = Actor("u-ana", HOMES["u-ana"])
        command = FoundCoalition("c1", "org-a", "r-fac", replace(agreement(), members_may_draft=members_may_draft))
        assert self.execute(command, ana) is not None
        for org in admitted:
            own = next(Actor(user, home) for user, home in HOMES.items() if home == {org})
            assert self.execute(InviteOrganisation(org), ana) and self.execute(AcceptInvitation(org), own)

    @rule(who=WHO, org=IN_ORGS)
    def found_again(self, who: int | Actor, org: str) -> None:
        assert self.execute(FoundCoalition("c1", org, "r-new", agreement()), who, org) is None

    @rule(who=WHO, objective_ids=st.lists(st.sampled_from(OBJECTIVES), max_size=3), ends_early=mostly(False, True))
    def amend_agreement(self, who: int | Actor, objective_ids: list[str], ends_early: bool) -> None:
        self.execute(AmendAgreement(agreement(tuple(objective_ids), ends_early)), who)

    # -- membership and roles ---------------------------------------------------------------------

    @rule(
        who=WHO,
        org=IN_ORGS,
        kind=st.sampled_from([RequestMembership, InviteOrganisation, ApproveMembership, AcceptInvitation]),
    )
    def join(self, who: int | Actor, org: str, kind: type) -> None:
        self.execute(kind(org), who, org)

    @rule(who=WHO, org=IN_ORGS, reason=REASONS, kind=st.sampled_from([SuspendMember, ReinstateMember]))
    def suspend_or_reinstate(self, who: int | Actor, org: str, reason: str, kind: type) -> None:
        self.execute(kind(org, reason), who)

    @rule(who=WHO, org=IN_ORGS, reason=st.none() | REASONS)
    def leave(self, who: int | Actor, org: str, reason: str | None) -> None:
        self.execute(LeaveCoalition(org, reason), who, org)

    @rule(
        who=WHO,
        role_id=ROLE_IDS,
        role=mostly("facilitator", "liaison", "endorser", "treasurer"),
        holder=WHO,
        org=IN_ORGS,
    )
    def assign_role(self, who: int | Actor, role_id: str, role: str, holder: int | Actor, org: str) -> None:
        user = resolve(holder, HOMES, [], org)
        self.execute(AssignRole(role_id, role, user.user_id, org, user.acts_for), who)

    @rule(who=WHO, role_id=ROLE_IDS, reason=st.none() | REASONS)
    def remove_role(self, who: int | Actor, role_id: str, reason: str | None) -> None:
        self.execute(RemoveRole(role_id, reason), who)

    # -- commitments and tasks --------------------------------------------------------------------

    @rule(
        who=WHO,
        cid=COMMITMENT_IDS,
        org=IN_ORGS,
        kind=mostly("funding", "staff-time", "bribes"),
        description=mostly("Two officers", " "),
        due_in=DUE_IN,
        quantity=mostly(None, 5.0, 0.0),
        objective_id=mostly("obj-1", None, "obj-2", "obj-3"),
    )
    def pledge(
        self,
        who: int | Actor,
        cid: str,
        org: str,
        kind: str,
        description: str,
        due_in: int,
        quantity: float | None,
        objective_id: str | None,
    ) -> None:
        due = self.today + timedelta(days=due_in)
        self.execute(PledgeCommitment(cid, org, kind, description, due, quantity, None, objective_id), who, org)

    @precondition(lambda machine: machine.state is not None and machine.state.commitments)
    @rule(
        who=WHO,
        cid=COMMITMENT_IDS,
        text=mostly("Report filed", " "),
        kind=st.sampled_from(["fulfil", "withdraw", "reschedule"]),
        due_in=DUE_IN,
    )
    def follow_up_commitment(self, who: int | Actor, cid: str, text: str, kind: str, due_in: int) -> None:
        command = {
            "fulfil": lambda: FulfilCommitment(cid, text),
            "withdraw": lambda: WithdrawCommitment(cid, text),
            "reschedule": lambda: RescheduleCommitment(cid, self.today + timedelta(days=due_in), text),
        }[kind]()
        self.execute(command, who, *self.organisation_of("commitments", cid))

    @rule(
        who=WHO,
        tid=TASK_IDS,
        org=IN_ORGS,
        title=mostly("Map the banks", " "),
        due_in=DUE_IN,
        assignee=st.none() | ACTORS,
        objective_id=mostly(None, "obj-1", "obj-3"),
        cid=mostly(None, "k1", "k2"),
    )
    def create_task(
        self,
        who: int | Actor,
        tid: str,
        org: str,
        title: str,
        due_in: int,
        assignee: Actor | None,
        objective_id: str | None,
        cid: str | None,
    ) -> None:
        self.execute(
            CreateTask(
                tid,
                title,
                "GPS survey",
                org,
                self.today + timedelta(days=due_in),
                assignee.user_id if assignee else None,
                objective_id,
                cid,
                assignee.acts_for if assignee else frozenset(),
            ),
            who,
            org,
        )

    @precondition(lambda machine: machine.state is not None and machine.state.tasks)
    @rule(who=WHO, tid=TASK_IDS, kind=st.sampled_from(["accept", "complete", "drop"]), note_=mostly("Done", None, " "))
    def follow_up_task(self, who: int | Actor, tid: str, kind: str, note_: str | None) -> None:
        command = {
            "accept": lambda: AcceptTask(tid),
            "complete": lambda: CompleteTask(tid, note_),
            "drop": lambda: DropTask(tid, note_ or ""),
        }[kind]()
        self.execute(command, who, *self.organisation_of("tasks", tid))

    @precondition(lambda machine: machine.state is not None and machine.state.tasks)
    @rule(who=WHO, tid=TASK_IDS, org=IN_ORGS, assignee=st.none() | ACTORS)
    def reassign_task(self, who: int | Actor, tid: str, org: str, assignee: Actor | None) -> None:
        self.execute(
            ReassignTask(
                tid, org, assignee.user_id if assignee else None, None, assignee.acts_for if assignee else frozenset()
            ),
            who,
        )

    @rule(days=st.integers(0, 40))
    def days_pass(self, days: int) -> None:
        self.today += timedelta(days=days)

    # -- invariants -------------------------------------------------------------------------------

    @invariant()
    def a_facilitator_remains(self) -> None:
        assert self.state is not None and active_roles(self.state, "facilitator"), "no active facilitator"

    @invariant()
    def roles_belong_to_members_once(self) -> None:
        assert self.state is not None
        held = [(r.role, r.user_id, r.organisation_id) for r in self.state.roles.values()]
        assert len(held) == len(set(held)), "a user holds the same role for an organisation twice"
        liaisons = [org for role, _, org in held if role == "liaison"]
        assert len(liaisons) == len(set(liaisons)), "an organisation has two liaisons"
        for role in self.state.roles.values():
            assert role.role in ROLES
            assert member_state(self.state, role.organisation_id) in ("active", "suspended"), (
                f"role {role.role_id} is held for {role.organisation_id}, "
                f"which is {member_state(self.state, role.organisation_id)}"
            )

    @invariant()
    def work_serves_what_exists(self) -> None:
        assert self.state is not None
        objectives = self.state.objectives
        for work in [*self.state.commitments.values(), *self.state.tasks.values()]:
            assert work.objective_id is None or work.objective_id in objectives
        for task in self.state.tasks.values():
            assert task.commitment_id is None or task.commitment_id in self.state.commitments

    def teardown(self) -> None:
        """The log replays to the same state, and the standing view equals a recount of it."""
        if self.state is None or sys.exc_info()[0] is not None:  # a step failed: let its error stand
            return
        stored = [Change(c.type, json.loads(json.dumps(c.payload))) for _, c in self.log.positioned()]
        assert replay(stored) == self.state, "replaying the stored log gives another coalition"
        rows = projected_standing(self.database, self.log, "c1", self.today)
        assert {org: figures_of(row) for org, row in rows.items()} == recount(self.log, self.today)


def test_any_sequence_of_coalition_commands_keeps_its_invariants(projection_database: Connection) -> None:
    run_state_machine_as_test(lambda: CoalitionCommands(projection_database), settings=PROPERTY_SETTINGS)


@PROPERTY_SETTINGS
@given(
    command=st.sampled_from(
        [
            RequestMembership("org-a"),
            RemoveRole("r-fac"),
            AmendAgreement(agreement()),
            PledgeCommitment("k1", "org-a", "funding", "Grant", DAY_ONE),
        ]
    ),
    actor=ACTORS,
)
def test_nothing_but_founding_is_decided_for_a_coalition_that_does_not_exist(command: Any, actor: Actor) -> None:
    with pytest.raises(NotFound):
        decide(None, command, actor, DAY_ONE)
