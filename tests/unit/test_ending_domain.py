"""Ending well, as pure decisions: closing a coalition, everything refused after it, leaving with open work."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime
from typing import Any

import pytest

from coalition.domain import coalition as co
from coalition.domain import departure, policy, work
from coalition.domain import statement as st
from coalition.domain.base import Invalid, NotAllowed, NotFound, RuleBroken
from coalition.domain.coalition import (
    CloseCoalition,
    Coalition,
    Disposition,
    LeaveCoalition,
    decide,
)
from coalition.domain.coalition_state import Evaluation, Question
from coalition.domain.policy.ending import CoalitionEnded
from tests.unit.test_coalition_domain import ANA, BEN, CY, TODAY, at, founded, run, two_members
from tests.unit.test_work_domain import DUE, pledged, tasked

CLOSE = CloseCoalition("Our work is done", 41, "ab" * 32)


def closed(state: Coalition | None = None) -> Coalition:
    return run(state or two_members(), CLOSE, ANA)[1]


# -- closing ----------------------------------------------------------------------------------------


def test_a_facilitator_closes_the_coalition_at_the_log_head_read() -> None:
    changes, state = run(two_members(), CLOSE, ANA)
    assert [c.type for c in changes] == ["CoalitionClosed"]
    assert changes[0].payload == {
        "coalition_id": "c1",
        "reason": "Our work is done",
        "closed_by": "u-ana",
        "closed_on": TODAY.isoformat(),
        "final_position": 41,
        "final_chain_hash": "ab" * 32,
    }
    assert (state.closed_on, state.closed_reason, state.final_position) == (TODAY, "Our work is done", 41)
    assert policy.is_ended(state) and not policy.is_ended(two_members())


def test_only_facilitators_close() -> None:
    with pytest.raises(NotAllowed):
        decide(two_members(), CLOSE, BEN, TODAY)
    with pytest.raises(NotAllowed):
        decide(two_members(), CLOSE, CY, TODAY)


def test_closing_needs_a_reason() -> None:
    with pytest.raises(Invalid, match="reason"):
        decide(two_members(), dataclasses.replace(CLOSE, reason="   "), ANA, TODAY)


def test_closing_an_unknown_coalition_is_not_found() -> None:
    with pytest.raises(NotFound):
        decide(None, CLOSE, ANA, TODAY)


def test_closing_is_refused_while_tasks_or_statements_are_open_naming_each() -> None:
    state = tasked()
    command = dataclasses.replace(CLOSE, open_statements=(("s1", "Clean rivers now"),))
    with pytest.raises(RuleBroken) as refused:
        decide(state, command, ANA, TODAY)
    assert "“Map the river banks”" in str(refused.value) and "“Clean rivers now”" in str(refused.value)
    accepted = run(state, work.AcceptTask("t1"), BEN)[1]
    with pytest.raises(RuleBroken, match="Map the river banks"):
        decide(accepted, CLOSE, ANA, TODAY)
    with pytest.raises(RuleBroken, match="Clean rivers now"):
        decide(two_members(), command, ANA, TODAY)


def test_done_or_dropped_tasks_do_not_keep_it_open() -> None:
    done = run(run(tasked(), work.AcceptTask("t1"), BEN)[1], work.CompleteTask("t1", None), BEN)[1]
    dropped = run(tasked(), work.DropTask("t1", "Not needed"), ANA)[1]
    assert decide(done, CLOSE, ANA, TODAY)[0].type == "CoalitionClosed"
    assert decide(dropped, CLOSE, ANA, TODAY)[0].type == "CoalitionClosed"


def with_round(closed: bool) -> Coalition:
    """Two members and evaluation round e1, "First year", open or closed."""
    round_ = Evaluation("e1", "First year", (Question("q1", "How?"),), TODAY, "u-ana", closed=closed)
    return dataclasses.replace(two_members(), evaluations={"e1": round_})


def test_closing_is_refused_while_an_evaluation_round_is_open_naming_it() -> None:
    with pytest.raises(RuleBroken, match="close the open evaluation rounds [(]“First year”[)]"):
        decide(with_round(closed=False), CLOSE, ANA, TODAY)
    assert decide(with_round(closed=True), CLOSE, ANA, TODAY)[0].type == "CoalitionClosed"


def test_closing_is_refused_while_a_commitment_is_pledged_naming_it_and_its_organisation() -> None:
    named = dataclasses.replace(CLOSE, organisation_names={"org-b": "River Watch"})
    with pytest.raises(RuleBroken, match="fulfilled or withdrawn [(]“Two field officers [(]River Watch[)]”[)]"):
        decide(pledged(), named, ANA, TODAY)
    with pytest.raises(RuleBroken, match="“Two field officers [(]org-b[)]”"):  # a name unknown: its id
        decide(pledged(), CLOSE, ANA, TODAY)
    fulfilled = run(pledged(), work.FulfilCommitment("k1", "Done"), BEN)[1]
    withdrawn = run(pledged(), work.WithdrawCommitment("k1", "No staff"), BEN)[1]
    assert decide(fulfilled, named, ANA, TODAY)[0].type == "CoalitionClosed"
    assert decide(withdrawn, named, ANA, TODAY)[0].type == "CoalitionClosed"


def test_closing_twice_is_refused_with_the_day_it_ended() -> None:
    with pytest.raises(CoalitionEnded, match="the coalition has ended on 2025-03-01") as refused:
        decide(closed(), CLOSE, ANA, date(2025, 4, 1))
    assert refused.value.kind == "conflict" and refused.value.params == {"date": "2025-03-01"}


# -- everything refused after -----------------------------------------------------------------------

AFTER: list[tuple[Any, co.Actor]] = [
    (co.AmendAgreement(founded().agreement), ANA),
    (co.RequestMembership("org-c"), CY),
    (co.InviteOrganisation("org-c"), ANA),
    (co.ApproveMembership("org-b"), ANA),
    (co.DeclineMembership("org-b", "No"), ANA),
    (co.AcceptInvitation("org-b"), BEN),
    (co.SuspendMember("org-b", "Quiet"), ANA),
    (co.ReinstateMember("org-b", "Back"), ANA),
    (co.LeaveCoalition("org-b"), BEN),
    (co.AssignRole("r-x", "liaison", "u-ben", "org-b", frozenset({"org-b"})), ANA),
    (co.RemoveRole("r-fac"), ANA),
    (co.VerifyMember("org-b"), ANA),
    (co.WithdrawVerification("org-b"), ANA),
    (work.PledgeCommitment("k9", "org-b", "funding", "Fees", DUE), BEN),
    (work.FulfilCommitment("k1", "Done"), BEN),
    (work.WithdrawCommitment("k1", "No"), BEN),
    (work.RescheduleCommitment("k1", DUE, "Later"), BEN),
    (work.CreateTask("t9", "T", "D", "org-b", DUE), ANA),
    (work.AcceptTask("t1"), BEN),
    (work.CompleteTask("t1", None), BEN),
    (work.ReassignTask("t1", "org-a"), ANA),
    (work.DropTask("t1", "No"), ANA),
]


def test_the_list_below_holds_every_command_of_this_lane_s_base() -> None:
    """Every membership, role, agreement and work command is tried below (commands other lanes add are covered by
    the next test: the refusal comes before `decide` even looks at what the command is)."""
    commands = {*co.Command.__args__, *work.Command.__args__} - {co.FoundCoalition, co.CloseCoalition}
    assert {type(command) for command, _ in AFTER} <= commands
    assert len(AFTER) >= 22


@pytest.mark.parametrize("actor", [ANA, BEN, CY])
def test_any_command_at_all_is_refused_once_ended_even_one_decide_does_not_know(actor: co.Actor) -> None:
    @dataclasses.dataclass(frozen=True)
    class SomeFutureCommand:
        note: str

    with pytest.raises(CoalitionEnded):
        decide(closed(), SomeFutureCommand("x"), actor, date(2025, 3, 2))
    with pytest.raises(CoalitionEnded):
        st.decide(closed(), None, SomeFutureCommand("x"), actor, NOW)  # type: ignore[arg-type]


@pytest.mark.parametrize(("command", "actor"), AFTER, ids=lambda value: type(value).__name__)
def test_every_changing_command_on_an_ended_coalition_is_refused(command: Any, actor: co.Actor) -> None:
    state = run(tasked(pledged()), work.DropTask("t1", "Wrapping up"), ANA)[1]
    # closed with k1 still pledged (as a log recorded before pledges kept a coalition open may hold it): the command
    # on it is refused for the end, not for anything else
    ended = co.evolve(state, decide(two_members(), CLOSE, ANA, TODAY)[0])
    with pytest.raises(CoalitionEnded, match="has ended on 2025-03-01"):
        decide(ended, command, actor, date(2025, 3, 2))


NOW = datetime(2025, 3, 2, 12, tzinfo=UTC)
STATEMENT_COMMANDS = [
    st.DraftStatement("s9", "T", "B", "en"),
    st.ReviseDraft("T2"),
    st.SetTranslation("ro", "T", "B"),
    st.OpenStatement(),
    st.AmendStatement("T3"),
    st.SignStatement("org-b", "Ben", "Director"),
    st.ConfirmSignature("org-b", "Ben", "Director"),
    st.WithdrawSignature("org-b", "No"),
    st.EndorseStatement("Ben"),
    st.CloseStatement(),
    st.PublishStatement(),
]


def test_every_statement_command_is_in_the_list_below() -> None:
    assert {type(c) for c in STATEMENT_COMMANDS} <= set(st.Command.__args__)
    assert len(STATEMENT_COMMANDS) >= 11


@pytest.mark.parametrize("command", STATEMENT_COMMANDS, ids=lambda value: type(value).__name__)
def test_every_statement_command_on_an_ended_coalition_is_refused(command: Any) -> None:
    drafted = st.decide(two_members(), None, st.DraftStatement("s1", "Clean rivers", "We ask.", "en"), ANA, NOW)
    statement = st.replay(drafted)
    with pytest.raises(CoalitionEnded):
        st.decide(closed(), statement, command, ANA, NOW)


def test_the_check_sits_in_one_policy_function() -> None:
    policy.check_open(two_members())
    assert policy.ended_refusal(two_members()) is None
    with pytest.raises(CoalitionEnded):
        policy.check_open(closed())


@pytest.mark.parametrize(
    ("ends_on", "closed_on", "today", "due"),
    [
        (date(2025, 5, 1), None, date(2025, 3, 1), None),  # 61 days left
        (date(2025, 5, 1), None, date(2025, 3, 2), 60),
        (date(2025, 5, 1), None, date(2025, 3, 3), 60),  # missed on its day: still due, late
        (date(2025, 5, 1), None, date(2025, 4, 16), 60),  # 15 days left
        (date(2025, 5, 1), None, date(2025, 4, 17), 14),  # the 14-day one takes over
        (date(2025, 5, 1), None, date(2025, 4, 18), 14),
        (date(2025, 5, 1), None, date(2025, 4, 30), 14),  # the day before the end
        (date(2025, 5, 1), None, date(2025, 5, 1), None),  # the end day
        (date(2025, 5, 1), None, date(2025, 5, 2), None),
        (None, None, date(2025, 3, 2), None),
        (date(2025, 5, 1), date(2025, 3, 1), date(2025, 3, 2), None),
    ],
)
def test_the_end_is_reminded_from_60_and_from_14_days_before(
    ends_on: date | None, closed_on: date | None, today: date, due: int | None
) -> None:
    assert policy.reminder_due(ends_on, closed_on, today) == due


# -- leaving with open work -------------------------------------------------------------------------


def busy() -> Coalition:
    """org-b has pledged k1 and been given t1; org-c is a third active member."""
    return at(tasked(pledged()), "org-c", "active")


def test_leaving_with_open_work_is_refused_naming_each_item() -> None:
    with pytest.raises(RuleBroken) as refused:
        decide(busy(), LeaveCoalition("org-b"), BEN, TODAY)
    assert "“Two field officers”" in str(refused.value) and "“Map the river banks”" in str(refused.value)


def test_a_disposition_for_each_item_is_recorded_with_the_leaving() -> None:
    command = LeaveCoalition(
        "org-b",
        "Merging",
        (Disposition("k1", "withdraw", "We merge"), Disposition("t1", "hand_over", "Oak can", "org-c")),
    )
    changes, state = run(busy(), command, BEN)
    assert [c.type for c in changes] == ["CommitmentWithdrawn", "TaskReassigned", "MemberLeft"]
    assert changes[1].payload == {
        "coalition_id": "c1",
        "task_id": "t1",
        "organisation_id": "org-c",
        "reason": "Oak can",
    }
    assert state.commitments["k1"].state == "withdrawn" and state.tasks["t1"].organisation_id == "org-c"
    assert state.members["org-b"].state == "left"


def test_a_task_may_be_dropped_instead() -> None:
    command = LeaveCoalition(
        "org-b", None, (Disposition("k1", "withdraw", "We merge"), Disposition("t1", "drop", "No one can"))
    )
    changes, state = run(busy(), command, BEN)
    assert [c.type for c in changes] == ["CommitmentWithdrawn", "TaskDropped", "MemberLeft"]
    assert state.tasks["t1"].state == "dropped"


def test_leaving_without_open_work_needs_no_disposition() -> None:
    assert [c.type for c in decide(two_members(), LeaveCoalition("org-b"), BEN, TODAY)] == ["MemberLeft"]


@pytest.mark.parametrize(
    ("dispositions", "kind", "words"),
    [
        ((Disposition("k1", "withdraw", "x"),), RuleBroken, "Map the river banks"),
        ((Disposition("k1", "withdraw", "x"), Disposition("nope", "drop", "x")), Invalid, "no commitment or task"),
        ((Disposition("k1", "drop", "x"), Disposition("t1", "drop", "x")), Invalid, "withdraw it"),
        ((Disposition("k1", "withdraw", "x"), Disposition("t1", "withdraw", "x")), Invalid, "hand it over or drop it"),
        ((Disposition("k1", "withdraw", " "), Disposition("t1", "drop", "x")), Invalid, "reason"),
        ((Disposition("k1", "withdraw", "x"), Disposition("t1", "hand_over", "x")), Invalid, "another member"),
        ((Disposition("k1", "withdraw", "x"), Disposition("t1", "hand_over", "x", "org-b")), Invalid, "another"),
        ((Disposition("k1", "withdraw", "x"), Disposition("t1", "hand_over", "x", "org-z")), RuleBroken, "org-z"),
        ((Disposition("k1", "withdraw", "x"), Disposition("k1", "withdraw", "y")), Invalid, "twice"),
        (
            (Disposition("k1", "withdraw", "x"), Disposition("t1", "drop", "x"), Disposition("ka", "withdraw", "x")),
            Invalid,
            "another organisation",
        ),
    ],
)
def test_bad_dispositions_are_refused_and_nothing_is_recorded(
    dispositions: tuple[Disposition, ...], kind: type[Exception], words: str
) -> None:
    state = run(busy(), work.PledgeCommitment("ka", "org-a", "funding", "Room hire", DUE), ANA)[1]
    with pytest.raises(kind, match=words):
        decide(state, LeaveCoalition("org-b", None, dispositions), BEN, TODAY)


def test_a_closed_item_takes_no_disposition() -> None:
    state = run(busy(), work.FulfilCommitment("k1", "Delivered"), BEN)[1]
    command = LeaveCoalition("org-b", None, (Disposition("k1", "withdraw", "x"), Disposition("t1", "drop", "x")))
    with pytest.raises(Invalid, match="no longer open"):
        decide(state, command, BEN, TODAY)


def test_closing_an_account_records_nothing_on_an_ended_coalition_and_is_not_held_up_by_it() -> None:
    assert departure.leave_coalition(closed(), "u-ana") == []  # Ana holds its last facilitator role
    with pytest.raises(RuleBroken, match="last facilitator"):
        departure.leave_coalition(two_members(), "u-ana")
