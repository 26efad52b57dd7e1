"""Declining a request to join: only a facilitator, only a pending request, always with a reason."""

from __future__ import annotations

import pytest

from coalition.domain.base import Change, NotAllowed, NotFound, RuleBroken
from coalition.domain.coalition import (
    MEMBER_STATES,
    STILL_MEMBER,
    ApproveMembership,
    DeclineMembership,
    InviteOrganisation,
    RequestMembership,
    decide,
    member_state,
)
from tests.unit.test_coalition_domain import ANA, BEN, CY, TODAY, at, founded, run, two_members


def test_a_facilitator_declines_a_request_with_a_reason() -> None:
    state = at(founded(), "org-c", "requested")
    changes, state = run(state, DeclineMembership("org-c", "outside the basin"), ANA)

    assert changes == [
        Change("MembershipDeclined", {"coalition_id": "c1", "organisation_id": "org-c", "reason": "outside the basin"})
    ]
    assert member_state(state, "org-c") == "declined"
    assert "declined" in MEMBER_STATES and "declined" not in STILL_MEMBER


def test_a_declined_organisation_is_no_longer_requested_and_may_ask_again() -> None:
    state = run(at(founded(), "org-c", "requested"), DeclineMembership("org-c", "not yet"), ANA)[1]
    with pytest.raises(RuleBroken, match="org-c is declined, not requested"):
        decide(state, ApproveMembership("org-c"), ANA, TODAY)

    asked, state = run(state, RequestMembership("org-c"), CY)
    assert [c.type for c in asked] == ["MembershipRequested"] and member_state(state, "org-c") == "requested"
    assert [c.type for c in run(state, ApproveMembership("org-c"), ANA)[0]] == ["MembershipApproved"]


def test_a_declined_organisation_may_be_invited() -> None:
    state = run(at(founded(), "org-c", "requested"), DeclineMembership("org-c", "not yet"), ANA)[1]
    assert [c.type for c in run(state, InviteOrganisation("org-c"), ANA)[0]] == ["MemberInvited"]


def test_only_facilitators_decline() -> None:
    state = at(two_members(), "org-c", "requested")
    with pytest.raises(NotAllowed, match="only facilitators may decline a request to join"):
        decide(state, DeclineMembership("org-c", "no"), BEN, TODAY)
    with pytest.raises(NotAllowed, match="only facilitators may decline"):
        decide(state, DeclineMembership("org-c", "no"), CY, TODAY)


@pytest.mark.parametrize("membership", ["invited", "active", "suspended"])
def test_only_a_pending_request_is_declined(membership: str) -> None:
    state = at(founded(), "org-c", membership)
    with pytest.raises(RuleBroken, match=f"org-c is {membership}, not requested"):
        decide(state, DeclineMembership("org-c", "no"), ANA, TODAY)


def test_a_request_declined_once_cannot_be_declined_again() -> None:
    state = run(at(founded(), "org-c", "requested"), DeclineMembership("org-c", "no"), ANA)[1]
    with pytest.raises(RuleBroken, match="org-c is declined, not requested"):
        decide(state, DeclineMembership("org-c", "still no"), ANA, TODAY)


def test_declining_an_organisation_that_never_asked_is_not_found() -> None:
    with pytest.raises(NotFound, match="org-c is not a member"):
        decide(founded(), DeclineMembership("org-c", "no"), ANA, TODAY)


@pytest.mark.parametrize("reason", ["", "   ", "\n\t"])
def test_a_decline_needs_a_reason(reason: str) -> None:
    state = at(founded(), "org-c", "requested")
    with pytest.raises(RuleBroken, match="say why the request of org-c is declined: a reason is required"):
        decide(state, DeclineMembership("org-c", reason), ANA, TODAY)
