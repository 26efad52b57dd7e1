"""Commitment and task rules, as pure decisions on the coalition aggregate."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from coalition.domain import work
from coalition.domain.base import Change, NotAllowed, NotFound, RuleBroken
from coalition.domain.coalition import (
    Actor,
    AmendAgreement,
    AssignRole,
    Coalition,
    Objective,
    SuspendMember,
    decide,
    evolve,
)
from coalition.domain.event_types import registry
from coalition.domain.work import (
    AcceptTask,
    CompleteTask,
    CreateTask,
    DropTask,
    FulfilCommitment,
    PledgeCommitment,
    ReassignTask,
    RescheduleCommitment,
    WithdrawCommitment,
    is_overdue,
)
from tests.unit.test_coalition_domain import ANA, BEN, CY, TODAY, agreement, at, run, two_members

DUE = date(2025, 6, 30)
BO = Actor("u-bo", frozenset({"org-b"}))  # also acts for org-b; made its liaison in `with_liaison`


def pledged(**overrides: Any) -> Coalition:
    """Two active members; org-b has pledged commitment k1 to objective obj-1."""
    values: dict[str, Any] = {
        "commitment_id": "k1",
        "organisation_id": "org-b",
        "kind": "staff-time",
        "description": "Two field officers",
        "due_on": DUE,
        "objective_id": "obj-1",
    }
    return run(two_members(), PledgeCommitment(**{**values, **overrides}), BEN)[1]


def tasked(state: Coalition | None = None, **overrides: Any) -> Coalition:
    """A coalition where Ana created task t1 for org-b."""
    values: dict[str, Any] = {
        "task_id": "t1",
        "title": "Map the river banks",
        "description": "GPS survey",
        "organisation_id": "org-b",
        "due_on": DUE,
    }
    return run(state or two_members(), CreateTask(**{**values, **overrides}), ANA)[1]


def with_liaison() -> Coalition:
    """Two active members; u-bo is org-b's liaison."""
    return run(two_members(), AssignRole("r-l", "liaison", "u-bo", "org-b", frozenset({"org-b"})), ANA)[1]


# -- commitments ------------------------------------------------------------------------------------


def test_an_active_member_pledges_a_commitment() -> None:
    command = PledgeCommitment("k1", "org-b", "funding", "Seed grant", DUE, 5000, "EUR", "obj-1")
    changes, state = run(two_members(), command, BEN)

    assert changes == [
        Change(
            "CommitmentPledged",
            {
                "coalition_id": "c1",
                "commitment_id": "k1",
                "organisation_id": "org-b",
                "kind": "funding",
                "description": "Seed grant",
                "quantity": 5000,
                "unit": "EUR",
                "objective_id": "obj-1",
                "due_on": "2025-06-30",
            },
        )
    ]
    assert state.commitments["k1"].state == "pledged" and state.commitments["k1"].due_on == DUE


def test_a_pledge_without_the_optional_fields_leaves_them_out() -> None:
    changes = decide(two_members(), PledgeCommitment("k1", "org-b", "outreach", "Radio spots", DUE), BEN, TODAY)
    assert changes[0].payload == {
        "coalition_id": "c1",
        "commitment_id": "k1",
        "organisation_id": "org-b",
        "kind": "outreach",
        "description": "Radio spots",
        "due_on": "2025-06-30",
    }


def test_only_users_acting_for_an_organisation_pledge_for_it() -> None:
    with pytest.raises(NotAllowed, match="do not act for organisation org-b"):
        decide(two_members(), PledgeCommitment("k1", "org-b", "funding", "x", DUE), ANA, TODAY)


@pytest.mark.parametrize("membership", ["invited", "requested", "suspended"])
def test_only_active_members_pledge(membership: str) -> None:
    state = at(two_members(), "org-c", membership)
    with pytest.raises(RuleBroken, match=f"only active members pledge commitments: organisation org-c is {membership}"):
        decide(state, PledgeCommitment("k1", "org-c", "funding", "x", DUE), CY, TODAY)


@pytest.mark.parametrize(
    "overrides, error, message",
    [
        ({"kind": "prayers"}, RuleBroken, "'prayers' is not a kind of contribution"),
        ({"quantity": 0}, RuleBroken, "a quantity must be more than zero"),
        ({"description": " "}, RuleBroken, "a description is required"),
        ({"objective_id": "obj-404"}, NotFound, "no such objective: obj-404"),
        ({"commitment_id": "k1"}, RuleBroken, "commitment k1 already exists"),
    ],
)
def test_a_pledge_names_a_known_kind_and_objective_and_a_positive_quantity(
    overrides: dict[str, Any], error: type, message: str
) -> None:
    values: dict[str, Any] = {
        "commitment_id": "k2",
        "organisation_id": "org-b",
        "kind": "expertise",
        "description": "Hydrology advice",
        "due_on": DUE,
        **overrides,
    }
    with pytest.raises(error, match=message):
        decide(pledged(), PledgeCommitment(**values), BEN, TODAY)


def test_the_pledging_organisation_fulfils_its_commitment_with_a_note_on_the_evidence() -> None:
    changes, state = run(pledged(), FulfilCommitment("k1", "Timesheets in the shared drive"), BEN)

    assert changes == [
        Change(
            "CommitmentFulfilled",
            {
                "coalition_id": "c1",
                "commitment_id": "k1",
                "note": "Timesheets in the shared drive",
                "fulfilled_on": "2025-03-01",
            },
        )
    ]
    assert state.commitments["k1"].state == "fulfilled"


def test_a_commitment_is_withdrawn_with_a_reason() -> None:
    changes, state = run(pledged(), WithdrawCommitment("k1", "budget cut"), BEN)

    assert changes == [
        Change("CommitmentWithdrawn", {"coalition_id": "c1", "commitment_id": "k1", "reason": "budget cut"})
    ]
    assert state.commitments["k1"].state == "withdrawn"


def test_a_commitment_is_rescheduled_with_a_reason() -> None:
    changes, state = run(pledged(), RescheduleCommitment("k1", date(2025, 9, 30), "rainy season"), BEN)

    assert changes == [
        Change(
            "CommitmentRescheduled",
            {"coalition_id": "c1", "commitment_id": "k1", "due_on": "2025-09-30", "reason": "rainy season"},
        )
    ]
    assert state.commitments["k1"].due_on == date(2025, 9, 30)


@pytest.mark.parametrize(
    "command",
    [FulfilCommitment("k1", "report"), WithdrawCommitment("k1", "why"), RescheduleCommitment("k1", DUE, "why")],
)
def test_a_facilitator_may_fulfil_withdraw_or_reschedule_any_commitment(command: Any) -> None:
    assert len(decide(pledged(), command, ANA, TODAY)) == 1


@pytest.mark.parametrize(
    "command",
    [FulfilCommitment("k1", "report"), WithdrawCommitment("k1", "why"), RescheduleCommitment("k1", DUE, "why")],
)
def test_only_the_pledging_organisation_or_a_facilitator_changes_a_commitment(command: Any) -> None:
    state = at(pledged(), "org-c", "active")
    with pytest.raises(NotAllowed, match="only the pledging organisation or a facilitator"):
        decide(state, command, CY, TODAY)


def test_a_withdrawn_commitment_cannot_be_fulfilled() -> None:
    state = run(pledged(), WithdrawCommitment("k1", "budget cut"), BEN)[1]
    with pytest.raises(RuleBroken, match="a withdrawn commitment cannot be fulfilled"):
        decide(state, FulfilCommitment("k1", "delivered anyway"), BEN, TODAY)


@pytest.mark.parametrize(
    "command, verb",
    [
        (WithdrawCommitment("k1", "why"), "withdrawn"),
        (RescheduleCommitment("k1", DUE, "why"), "rescheduled"),
        (FulfilCommitment("k1", "again"), "fulfilled"),
    ],
)
def test_a_fulfilled_commitment_cannot_be_withdrawn_rescheduled_or_fulfilled_again(command: Any, verb: str) -> None:
    state = run(pledged(), FulfilCommitment("k1", "report"), BEN)[1]
    with pytest.raises(RuleBroken, match=f"a fulfilled commitment cannot be {verb}"):
        decide(state, command, BEN, TODAY)


@pytest.mark.parametrize(
    "command, message",
    [
        (FulfilCommitment("k1", ""), "a note on the evidence is required"),
        (WithdrawCommitment("k1", " "), "a reason is required"),
        (RescheduleCommitment("k1", DUE, ""), "a reason is required"),
    ],
)
def test_fulfilling_needs_a_note_and_withdrawing_or_rescheduling_a_reason(command: Any, message: str) -> None:
    with pytest.raises(RuleBroken, match=message):
        decide(pledged(), command, BEN, TODAY)


def test_an_unknown_commitment_is_not_found() -> None:
    with pytest.raises(NotFound, match="no such commitment: k9"):
        decide(pledged(), FulfilCommitment("k9", "x"), BEN, TODAY)


@pytest.mark.parametrize(
    "follow_up, today, overdue",
    [
        (None, date(2025, 6, 30), False),
        (None, date(2025, 7, 1), True),
        (FulfilCommitment("k1", "done"), date(2025, 7, 1), False),
        (WithdrawCommitment("k1", "cut"), date(2025, 7, 1), False),
    ],
)
def test_a_commitment_is_overdue_when_its_due_date_has_passed_and_it_is_still_open(
    follow_up: Any, today: date, overdue: bool
) -> None:
    state = pledged() if follow_up is None else run(pledged(), follow_up, BEN)[1]
    assert is_overdue(state.commitments["k1"], today) is overdue


def test_an_amendment_keeps_the_objectives_that_commitments_or_tasks_serve() -> None:
    with pytest.raises(RuleBroken, match="objectives obj-1 are served by commitments or tasks"):
        decide(pledged(), AmendAgreement(agreement(objectives=(Objective("obj-2", "Train"),))), ANA, TODAY)


# -- tasks ------------------------------------------------------------------------------------------


def test_a_facilitator_creates_a_task_for_an_active_member() -> None:
    command = CreateTask(
        "t1",
        "Map the river banks",
        "GPS survey",
        "org-b",
        DUE,
        "u-bo",
        commitment_id="k1",
        assignee_acts_for=frozenset({"org-b"}),
    )
    changes, state = run(pledged(), command, ANA)

    assert changes == [
        Change(
            "TaskCreated",
            {
                "coalition_id": "c1",
                "task_id": "t1",
                "title": "Map the river banks",
                "description": "GPS survey",
                "organisation_id": "org-b",
                "assignee_user_id": "u-bo",
                "due_on": "2025-06-30",
                "commitment_id": "k1",
            },
        )
    ]
    assert state.tasks["t1"].state == "open" and state.tasks["t1"].assignee_user_id == "u-bo"


@pytest.mark.parametrize(
    "command",
    [
        CreateTask("t2", "T", "D", "org-b", DUE, "u-cy", assignee_acts_for=frozenset({"org-c"})),
        ReassignTask("t1", "org-b", "u-cy", assignee_acts_for=frozenset()),
    ],
)
def test_a_named_assignee_must_act_for_the_assignee_organisation(command: Any) -> None:
    with pytest.raises(RuleBroken, match="the assignee u-cy does not act for organisation org-b"):
        decide(tasked(), command, ANA, TODAY)


def test_the_liaison_of_the_assignee_organisation_creates_tasks_for_it_only() -> None:
    state = with_liaison()
    assert [c.type for c in decide(state, CreateTask("t1", "T", "D", "org-b", DUE), BO, TODAY)] == ["TaskCreated"]
    with pytest.raises(NotAllowed, match="only facilitators or the liaison of the assignee organisation"):
        decide(state, CreateTask("t1", "T", "D", "org-a", DUE), BO, TODAY)


def test_members_who_are_neither_facilitator_nor_liaison_cannot_create_tasks() -> None:
    with pytest.raises(NotAllowed, match="only facilitators or the liaison"):
        decide(two_members(), CreateTask("t1", "T", "D", "org-b", DUE), BEN, TODAY)


@pytest.mark.parametrize("membership", ["invited", "requested", "suspended"])
def test_only_active_members_receive_tasks(membership: str) -> None:
    state = at(tasked(), "org-c", membership)
    with pytest.raises(RuleBroken, match=f"only active members receive tasks: organisation org-c is {membership}"):
        decide(state, CreateTask("t2", "T", "D", "org-c", DUE), ANA, TODAY)
    with pytest.raises(RuleBroken, match=f"only active members receive tasks: organisation org-c is {membership}"):
        decide(state, ReassignTask("t1", "org-c"), ANA, TODAY)


@pytest.mark.parametrize(
    "overrides, error, message",
    [
        ({"objective_id": "obj-404"}, NotFound, "no such objective: obj-404"),
        ({"commitment_id": "k404"}, NotFound, "no such commitment: k404"),
        ({"task_id": "t1"}, RuleBroken, "task t1 already exists"),
        ({"title": ""}, RuleBroken, "a title is required"),
    ],
)
def test_a_task_serves_a_known_objective_or_commitment(overrides: dict[str, Any], error: type, message: str) -> None:
    values: dict[str, Any] = {
        "task_id": "t2",
        "title": "T",
        "description": "D",
        "organisation_id": "org-b",
        "due_on": DUE,
        **overrides,
    }
    with pytest.raises(error, match=message):
        decide(tasked(), CreateTask(**values), ANA, TODAY)


def test_the_assignee_organisation_accepts_and_completes_its_task() -> None:
    accepted, state = run(tasked(objective_id="obj-2"), AcceptTask("t1"), BEN)
    completed, state = run(state, CompleteTask("t1", "Maps uploaded"), BEN)

    assert accepted == [Change("TaskAccepted", {"coalition_id": "c1", "task_id": "t1"})]
    assert completed == [
        Change(
            "TaskCompleted",
            {"coalition_id": "c1", "task_id": "t1", "note": "Maps uploaded", "completed_on": "2025-03-01"},
        )
    ]
    assert state.tasks["t1"].state == "done"


def test_an_open_task_may_be_completed_without_a_note() -> None:
    assert decide(tasked(), CompleteTask("t1"), BEN, TODAY) == [
        Change("TaskCompleted", {"coalition_id": "c1", "task_id": "t1", "completed_on": "2025-03-01"})
    ]


@pytest.mark.parametrize("command", [AcceptTask("t1"), CompleteTask("t1")])
def test_only_the_assignee_organisation_accepts_or_completes_a_task(command: Any) -> None:
    with pytest.raises(NotAllowed, match="only the assignee organisation \\(org-b\\)"):
        decide(tasked(), command, ANA, TODAY)


def test_an_accepted_task_is_not_accepted_again_and_a_done_task_not_completed_again() -> None:
    state = run(tasked(), AcceptTask("t1"), BEN)[1]
    with pytest.raises(RuleBroken, match="task t1 is accepted, not open"):
        decide(state, AcceptTask("t1"), BEN, TODAY)
    state = run(state, CompleteTask("t1"), BEN)[1]
    with pytest.raises(RuleBroken, match="task t1 is done, not open or accepted"):
        decide(state, CompleteTask("t1"), BEN, TODAY)


def test_a_facilitator_reassigns_a_task_which_opens_again() -> None:
    state = at(run(tasked(), AcceptTask("t1"), BEN)[1], "org-c", "active")
    changes, state = run(state, ReassignTask("t1", "org-c", "u-cy", "org-b is overloaded", frozenset({"org-c"})), ANA)

    assert changes == [
        Change(
            "TaskReassigned",
            {
                "coalition_id": "c1",
                "task_id": "t1",
                "organisation_id": "org-c",
                "assignee_user_id": "u-cy",
                "reason": "org-b is overloaded",
            },
        )
    ]
    task = state.tasks["t1"]
    assert (task.organisation_id, task.assignee_user_id, task.state) == ("org-c", "u-cy", "open")


def test_a_facilitator_drops_a_task_with_a_reason() -> None:
    changes, state = run(tasked(), DropTask("t1", "no longer needed"), ANA)

    assert changes == [Change("TaskDropped", {"coalition_id": "c1", "task_id": "t1", "reason": "no longer needed"})]
    assert state.tasks["t1"].state == "dropped"


@pytest.mark.parametrize(
    "command, doing", [(ReassignTask("t1", "org-a"), "reassign tasks"), (DropTask("t1", "why"), "drop tasks")]
)
def test_only_facilitators_reassign_and_drop_tasks(command: Any, doing: str) -> None:
    state = tasked(with_liaison())
    with pytest.raises(NotAllowed, match=f"only facilitators may {doing}"):
        decide(state, command, BO, TODAY)


def test_dropping_a_task_needs_a_reason() -> None:
    with pytest.raises(RuleBroken, match="a reason is required"):
        decide(tasked(), DropTask("t1", ""), ANA, TODAY)


@pytest.mark.parametrize(
    "command, actor",
    [
        (CompleteTask("t1"), BEN),
        (ReassignTask("t1", "org-a"), ANA),
        (DropTask("t1", "again"), ANA),
        (AcceptTask("t1"), BEN),
    ],
)
def test_a_dropped_task_stays_dropped(command: Any, actor: Actor) -> None:
    state = run(tasked(), DropTask("t1", "no longer needed"), ANA)[1]
    with pytest.raises(RuleBroken, match="task t1 is dropped"):
        decide(state, command, actor, TODAY)


@pytest.mark.parametrize(
    "command, actor",
    [
        (AcceptTask("t9"), BEN),
        (CompleteTask("t9"), BEN),
        (ReassignTask("t9", "org-a"), ANA),
        (DropTask("t9", "x"), ANA),
    ],
)
def test_an_unknown_task_is_not_found(command: Any, actor: Actor) -> None:
    with pytest.raises(NotFound, match="no such task: t9"):
        decide(tasked(), command, actor, TODAY)


@pytest.mark.parametrize(
    "follow_up, actor, today, overdue",
    [
        (None, BEN, date(2025, 7, 1), True),
        (AcceptTask("t1"), BEN, date(2025, 7, 1), True),
        (None, BEN, DUE, False),
        (CompleteTask("t1"), BEN, date(2025, 7, 1), False),
        (DropTask("t1", "moot"), ANA, date(2025, 7, 1), False),
    ],
)
def test_a_task_is_overdue_when_its_due_date_has_passed_and_it_is_not_done_or_dropped(
    follow_up: Any, actor: Actor, today: date, overdue: bool
) -> None:
    state = tasked() if follow_up is None else run(tasked(), follow_up, actor)[1]
    assert is_overdue(state.tasks["t1"], today) is overdue


def test_work_on_an_unknown_coalition_is_not_found_and_strange_commands_are_a_type_error() -> None:
    with pytest.raises(NotFound, match="no such coalition"):
        work.decide(None, AcceptTask("t1"), BEN, TODAY)
    with pytest.raises(TypeError, match="not a coalition command"):
        decide(two_members(), object(), ANA, TODAY)


def test_a_suspended_assignee_may_still_deliver_but_receives_nothing_new() -> None:
    state = run(tasked(pledged()), SuspendMember("org-b", "dues unpaid"), ANA)[1]
    assert [c.type for c in decide(state, CompleteTask("t1"), BEN, TODAY)] == ["TaskCompleted"]
    assert [c.type for c in decide(state, FulfilCommitment("k1", "report"), BEN, TODAY)] == ["CommitmentFulfilled"]


def test_every_work_change_validates_against_its_registered_schema() -> None:
    state: Coalition | None = at(pledged(quantity=2.5, unit="FTE"), "org-c", "active")
    commands: list[tuple[Any, Actor]] = [
        (RescheduleCommitment("k1", date(2025, 8, 1), "late start"), BEN),
        (FulfilCommitment("k1", "report"), BEN),
        (PledgeCommitment("k2", "org-c", "event-hosting", "Venue", DUE), CY),
        (WithdrawCommitment("k2", "cut"), CY),
        (CreateTask("t1", "T", "D", "org-b", DUE, "u-bo", "obj-2", assignee_acts_for=frozenset({"org-b"})), ANA),
        (AcceptTask("t1"), BEN),
        (ReassignTask("t1", "org-c"), ANA),
        (CompleteTask("t1", "ok"), CY),
        (CreateTask("t2", "T", "D", "org-c", DUE, commitment_id="k1"), ANA),
        (DropTask("t2", "moot"), ANA),
    ]
    seen = {"CommitmentPledged"}
    for command, actor in commands:
        for change in decide(state, command, actor, TODAY):
            registry.validate(change.type, change.payload)
            seen.add(change.type)
            state = evolve(state, change)
    assert seen == {
        "CommitmentPledged",
        "CommitmentFulfilled",
        "CommitmentWithdrawn",
        "CommitmentRescheduled",
        "TaskCreated",
        "TaskAccepted",
        "TaskCompleted",
        "TaskReassigned",
        "TaskDropped",
    }
