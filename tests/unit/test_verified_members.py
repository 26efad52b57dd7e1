"""Facilitators mark members verified and withdraw the mark: the rule (`policy.verify_refusal`) and its events."""

from __future__ import annotations

import pytest

from coalition.domain import policy
from coalition.domain.base import Change, NotAllowed, NotFound, RuleBroken
from coalition.domain.coalition import (
    LeaveCoalition,
    ReinstateMember,
    SuspendMember,
    VerifyMember,
    WithdrawVerification,
    decide,
)
from tests.unit.test_coalition_domain import ANA, BEN, CY, TODAY, at, founded, run, two_members


def test_a_facilitator_marks_a_member_verified_with_who_and_withdraws_it() -> None:
    changes, state = run(two_members(), VerifyMember("org-b"), ANA)
    assert changes == [
        Change("MemberVerified", {"coalition_id": "c1", "organisation_id": "org-b", "verified_by": "u-ana"})
    ]
    assert policy.is_verified(state.members["org-b"]) and state.members["org-b"].verified_by == "u-ana"
    changes, state = run(state, WithdrawVerification("org-b"), ANA)
    assert changes == [
        Change(
            "MemberVerificationWithdrawn", {"coalition_id": "c1", "organisation_id": "org-b", "withdrawn_by": "u-ana"}
        )
    ]
    assert not policy.is_verified(state.members["org-b"])


def test_the_mark_outlives_a_suspension_and_a_reinstatement() -> None:
    state = run(two_members(), VerifyMember("org-b"), ANA)[1]
    state = run(state, SuspendMember("org-b", "dues unpaid"), ANA)[1]
    state = run(state, ReinstateMember("org-b", "paid"), ANA)[1]
    assert policy.is_verified(state.members["org-b"])


@pytest.mark.parametrize("command", [VerifyMember("org-b"), WithdrawVerification("org-b")])
def test_only_facilitators_mark_or_withdraw(command: object) -> None:
    state = (
        run(two_members(), VerifyMember("org-b"), ANA)[1]
        if isinstance(command, WithdrawVerification)
        else two_members()
    )
    with pytest.raises(NotAllowed, match="only facilitators may"):
        decide(state, command, BEN, TODAY)
    assert not policy.may_verify(state, BEN, "org-b")


def test_an_organisation_that_is_not_a_member_is_not_found() -> None:
    with pytest.raises(NotFound, match="org-c is not a member"):
        decide(founded(), VerifyMember("org-c"), ANA, TODAY)


@pytest.mark.parametrize("membership", ["invited", "requested"])
def test_only_active_or_suspended_members_can_be_marked(membership: str) -> None:
    state = at(founded(), "org-c", membership)
    with pytest.raises(RuleBroken, match=f"org-c is {membership}: only active or suspended"):
        decide(state, VerifyMember("org-c"), ANA, TODAY)


def test_a_suspended_member_can_be_marked() -> None:
    state = at(founded(), "org-c", "suspended")
    assert policy.may_verify(state, ANA, "org-c")
    assert run(state, VerifyMember("org-c"), ANA)[1].members["org-c"].verified_by == "u-ana"


def test_a_member_that_left_cannot_be_marked() -> None:
    state = run(two_members(), LeaveCoalition("org-b", None), BEN)[1]
    with pytest.raises(RuleBroken, match="org-b is left"):
        decide(state, VerifyMember("org-b"), ANA, TODAY)


def test_a_member_is_marked_once_and_an_unmarked_one_has_nothing_to_withdraw() -> None:
    state = run(two_members(), VerifyMember("org-b"), ANA)[1]
    with pytest.raises(RuleBroken, match="already marked verified"):
        decide(state, VerifyMember("org-b"), ANA, TODAY)
    with pytest.raises(RuleBroken, match="no mark to withdraw"):
        decide(two_members(), WithdrawVerification("org-b"), ANA, TODAY)
    assert not policy.may_withdraw_verification(two_members(), ANA, "org-b")


def test_the_page_question_and_the_decision_agree() -> None:
    state = two_members()
    for actor in (ANA, BEN, CY):
        assert policy.may_verify(state, actor, "org-b") == (policy.verify_refusal(state, actor, "org-b", True) is None)
