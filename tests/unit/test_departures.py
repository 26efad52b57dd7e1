"""Removing an administrator (never the last one) and what closing an account records in each organisation and
coalition, refused for the last administrator or the last facilitator."""

from __future__ import annotations

from datetime import date

import pytest

from coalition.domain import departure, policy
from coalition.domain import organisation as org
from coalition.domain.base import NotAllowed, NotFound, RuleBroken
from coalition.domain.coalition import AssignRole, RemoveRole
from coalition.domain.event_types import registry
from tests.unit.test_coalition_domain import ANA, BEN, founded, run, two_members
from tests.unit.test_organisation_domain import FOUNDER, TODAY, apply, created, grant


def with_admin(user: str = "user-bo") -> org.Organisation:
    state = created()
    return apply(state, org.decide(state, org.AddAdministrator(user), FOUNDER, TODAY))


# -- removing an administrator ----------------------------------------------------------------------


def test_an_administrator_removes_another_and_the_event_says_who() -> None:
    state = with_admin()
    changes = org.decide(state, org.RemoveAdministrator("user-bo"), FOUNDER, TODAY)

    assert [(c.type, c.payload) for c in changes] == [
        ("AdministratorRemoved", {"organisation_id": "o1", "user_id": "user-bo"})
    ]
    after = apply(state, changes)
    assert after.administrators == {FOUNDER} and not after.may_act("user-bo", TODAY)


def test_an_administrator_may_step_down_while_another_remains() -> None:
    state = with_admin()

    assert apply(state, org.decide(state, org.RemoveAdministrator(FOUNDER), FOUNDER, TODAY)).administrators == {
        "user-bo"
    }


def test_the_last_administrator_is_never_removed() -> None:
    with pytest.raises(RuleBroken) as refused:
        org.decide(created(), org.RemoveAdministrator(FOUNDER), FOUNDER, TODAY)

    assert str(refused.value) == (
        "an organisation always keeps at least one administrator: this is the last one of Green Earth; "
        "add another administrator first"
    )


def test_only_administrators_remove_administrators() -> None:
    state = grant(with_admin(), "user-mo")

    with pytest.raises(NotAllowed):
        org.decide(state, org.RemoveAdministrator("user-bo"), "user-mo", TODAY)


def test_removing_someone_who_is_not_an_administrator_is_not_found() -> None:
    with pytest.raises(NotFound):
        org.decide(with_admin(), org.RemoveAdministrator("user-nobody"), FOUNDER, TODAY)


def test_a_removed_administrator_can_be_added_again() -> None:
    state = with_admin()
    state = apply(state, org.decide(state, org.RemoveAdministrator("user-bo"), FOUNDER, TODAY))

    assert apply(state, org.decide(state, org.AddAdministrator("user-bo"), FOUNDER, TODAY)).administrators == {
        FOUNDER,
        "user-bo",
    }


# -- closing an account: organisations ----------------------------------------------------------------


def test_closing_ends_the_administrator_place_and_the_mandates_still_going() -> None:
    state = grant(with_admin(), "user-bo")  # mandate m1 for Bo, who also administers
    changes = departure.leave_organisation(state, "user-bo", TODAY)
    for change in changes:
        registry.validate(change.type, change.payload)

    assert [c.type for c in changes] == ["AdministratorRemoved", "MandateRevoked"]
    assert changes[1].payload == {"organisation_id": "o1", "mandate_id": "m1", "revoked_on": TODAY.isoformat()}
    after = apply(state, changes)
    assert not after.may_act("user-bo", TODAY)


def test_closing_leaves_mandates_already_ended_alone() -> None:
    state = grant(created(), "user-bo", valid_until=date(2026, 1, 31))  # ended before TODAY

    assert departure.leave_organisation(state, "user-bo", TODAY) == []


def test_closing_is_refused_to_the_last_administrator_saying_what_to_do() -> None:
    with pytest.raises(RuleBroken) as refused:
        departure.leave_organisation(created(), FOUNDER, TODAY)

    assert str(refused.value) == (
        "you are the last administrator of Green Earth: make someone else its administrator first, "
        "then close your account"
    )
    assert policy.last_administrator(created(), FOUNDER) and not policy.last_administrator(with_admin(), FOUNDER)


# -- closing an account: coalitions -------------------------------------------------------------------


def test_closing_ends_every_role_the_person_holds() -> None:
    state = run(two_members(), AssignRole("r-lia", "liaison", "u-ben", "org-b", frozenset({"org-b"})), ANA)[1]
    changes = departure.leave_coalition(state, "u-ben")
    for change in changes:
        registry.validate(change.type, change.payload)

    assert [(c.type, c.payload["role_id"], c.payload["reason"]) for c in changes] == [
        ("RoleRemoved", "r-lia", departure.REASON)
    ]


def test_closing_is_refused_to_the_last_facilitator_saying_what_to_do() -> None:
    with pytest.raises(RuleBroken) as refused:
        departure.leave_coalition(founded(), ANA.user_id)

    assert "you hold the last facilitator role of Clean Rivers Alliance" in str(refused.value)
    assert "then close your account" in str(refused.value)


def test_another_facilitator_lets_the_first_one_go() -> None:
    state = run(two_members(), AssignRole("r-fac-b", "facilitator", "u-ben", "org-b", frozenset({"org-b"})), ANA)[1]

    assert not policy.last_facilitator(state, ANA.user_id)
    assert [c.payload["role_id"] for c in departure.leave_coalition(state, ANA.user_id)] == ["r-fac"]
    after = run(state, RemoveRole("r-fac-b"), ANA)[1]
    assert policy.last_facilitator(after, ANA.user_id) and not policy.last_facilitator(after, BEN.user_id)


def test_the_closed_event_names_only_the_person() -> None:
    change = departure.closed("u-ben")

    registry.validate(change.type, change.payload)
    assert (change.type, change.payload) == ("AccountClosed", {"user_id": "u-ben"})
