"""Coalition rules: founding, the agreement, membership and roles, as pure decisions."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from coalition.domain.base import Change, NotAllowed, NotFound, RuleBroken
from coalition.domain.coalition import (
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
    decide,
    evolve,
    is_facilitator,
    is_liaison,
    member_state,
    replay,
    stream,
)
from coalition.domain.event_types import registry

TODAY = date(2025, 3, 1)
ANA = Actor("u-ana", frozenset({"org-a"}))  # founder and facilitator, acts for org-a
BEN = Actor("u-ben", frozenset({"org-b"}))  # acts for org-b, a second active member
CY = Actor("u-cy", frozenset({"org-c"}))  # acts for org-c, not a member


def agreement(**overrides: Any) -> Agreement:
    """A plausible partnership agreement."""
    values: dict[str, Any] = {
        "name": "Clean Rivers Alliance",
        "purpose": "Restore the river basin",
        "objectives": (
            Objective("obj-1", "Plant 10,000 trees", "trees planted", date(2025, 12, 31)),
            Objective("obj-2", "Train 50 monitors"),
        ),
        "starts_on": date(2025, 1, 1),
        "ends_on": date(2026, 12, 31),
        "cooperation_mechanism": "Monthly steering calls",
        "benefit_sharing": "Shared credit in every publication",
    }
    return Agreement(**{**values, **overrides})


def run(state: Coalition | None, command: Any, actor: Actor, today: date = TODAY) -> tuple[list[Change], Coalition]:
    """Decide, check every change against its registered schema, and evolve the state."""
    changes = decide(state, command, actor, today)
    for change in changes:
        registry.validate(change.type, change.payload)
        state = evolve(state, change)
    assert state is not None
    return changes, state


def founded() -> Coalition:
    """A coalition founded by Ana for org-a; she is its facilitator (role r-fac)."""
    return run(None, FoundCoalition("c1", "org-a", "r-fac", agreement()), ANA)[1]


def two_members() -> Coalition:
    """A founded coalition that has approved org-b's request."""
    state = run(founded(), RequestMembership("org-b"), BEN)[1]
    return run(state, ApproveMembership("org-b"), ANA)[1]


def at(state: Coalition, organisation_id: str, membership: str) -> Coalition:
    """The coalition with one organisation brought to a membership state."""
    steps: dict[str, list[tuple[Any, Actor]]] = {
        "invited": [(InviteOrganisation(organisation_id), ANA)],
        "requested": [(RequestMembership(organisation_id), CY)],
        "active": [(InviteOrganisation(organisation_id), ANA), (AcceptInvitation(organisation_id), CY)],
        "suspended": [
            (InviteOrganisation(organisation_id), ANA),
            (AcceptInvitation(organisation_id), CY),
            (SuspendMember(organisation_id, "dues unpaid"), ANA),
        ],
    }
    for command, actor in steps[membership]:
        state = run(state, command, actor)[1]
    return state


# -- founding and the agreement ---------------------------------------------------------------------


def test_founding_makes_the_organisation_the_first_member_and_the_founder_its_facilitator() -> None:
    changes, state = run(None, FoundCoalition("c1", "org-a", "r-fac", agreement()), ANA)

    assert [c.type for c in changes] == ["CoalitionFounded", "RoleAssigned"]
    assert changes[0].payload == {
        "coalition_id": "c1",
        "organisation_id": "org-a",
        "founded_by": "u-ana",
        "name": "Clean Rivers Alliance",
        "purpose": "Restore the river basin",
        "starts_on": "2025-01-01",
        "ends_on": "2026-12-31",
        "objectives": [
            {
                "objective_id": "obj-1",
                "text": "Plant 10,000 trees",
                "measure": "trees planted",
                "target_date": "2025-12-31",
            },
            {"objective_id": "obj-2", "text": "Train 50 monitors"},
        ],
        "cooperation_mechanism": "Monthly steering calls",
        "benefit_sharing": "Shared credit in every publication",
    }
    assert changes[1].payload == {
        "coalition_id": "c1",
        "role_id": "r-fac",
        "role": "facilitator",
        "user_id": "u-ana",
        "organisation_id": "org-a",
    }
    assert member_state(state, "org-a") == "active"
    assert is_facilitator(state, ANA)
    assert state.agreement == agreement()
    assert stream("c1") == "coalition-c1"


def test_only_users_acting_for_an_organisation_found_a_coalition_for_it() -> None:
    with pytest.raises(NotAllowed, match="do not act for organisation org-a"):
        decide(None, FoundCoalition("c1", "org-a", "r-fac", agreement()), BEN, TODAY)


def test_an_agreement_cannot_end_before_it_starts() -> None:
    with pytest.raises(RuleBroken, match="cannot end before it starts"):
        decide(None, FoundCoalition("c1", "org-a", "r", agreement(ends_on=date(2024, 12, 31))), ANA, TODAY)


def test_each_objective_has_its_own_id() -> None:
    twins = (Objective("obj-1", "One"), Objective("obj-1", "Two"))
    with pytest.raises(RuleBroken, match="its own objective_id"):
        decide(None, FoundCoalition("c1", "org-a", "r", agreement(objectives=twins)), ANA, TODAY)


def test_a_coalition_is_founded_once() -> None:
    with pytest.raises(RuleBroken, match="coalition c1 already exists"):
        decide(founded(), FoundCoalition("c1", "org-a", "r", agreement()), ANA, TODAY)


def test_commands_on_an_unknown_coalition_are_not_found() -> None:
    with pytest.raises(NotFound, match="no such coalition"):
        decide(None, RequestMembership("org-b"), BEN, TODAY)


def test_a_facilitator_amends_the_agreement_and_the_old_text_stays_in_the_log() -> None:
    first = decide(None, FoundCoalition("c1", "org-a", "r-fac", agreement()), ANA, TODAY)
    amended = agreement(purpose="Restore and protect the river basin", ends_on=None)
    changes = decide(replay(first), AmendAgreement(amended), ANA, TODAY)

    assert changes == [
        Change(
            "AgreementAmended",
            {
                **{k: v for k, v in first[0].payload.items() if k not in ("organisation_id", "founded_by", "ends_on")},
                "purpose": "Restore and protect the river basin",
            },
        )
    ]
    state = replay([*first, *changes])
    assert state is not None and state.agreement == amended
    assert first[0].payload["purpose"] == "Restore the river basin"


def test_only_facilitators_amend_the_agreement() -> None:
    with pytest.raises(NotAllowed, match="only facilitators may amend the agreement"):
        decide(two_members(), AmendAgreement(agreement()), BEN, TODAY)


def test_an_amended_agreement_still_cannot_end_before_it_starts() -> None:
    with pytest.raises(RuleBroken, match="cannot end before it starts"):
        decide(founded(), AmendAgreement(agreement(ends_on=date(2024, 1, 1))), ANA, TODAY)


def test_events_before_the_founding_are_ignored_and_an_empty_stream_is_no_coalition() -> None:
    assert replay([]) is None
    assert evolve(None, Change("MemberInvited", {"coalition_id": "c1", "organisation_id": "org-b"})) is None


# -- membership -------------------------------------------------------------------------------------


def test_an_organisation_requests_to_join_and_a_facilitator_approves() -> None:
    requested, state = run(founded(), RequestMembership("org-b"), BEN)
    approved, state = run(state, ApproveMembership("org-b"), ANA)

    assert requested == [Change("MembershipRequested", {"coalition_id": "c1", "organisation_id": "org-b"})]
    assert approved == [Change("MembershipApproved", {"coalition_id": "c1", "organisation_id": "org-b"})]
    assert member_state(state, "org-b") == "active"


def test_only_users_acting_for_an_organisation_request_membership_for_it() -> None:
    with pytest.raises(NotAllowed, match="do not act for organisation org-b"):
        decide(founded(), RequestMembership("org-b"), CY, TODAY)


def test_only_facilitators_approve_a_request() -> None:
    state = run(founded(), RequestMembership("org-b"), BEN)[1]
    with pytest.raises(NotAllowed, match="only facilitators may approve"):
        decide(state, ApproveMembership("org-b"), BEN, TODAY)


def test_only_a_request_can_be_approved() -> None:
    with pytest.raises(RuleBroken, match="org-c is invited, not requested"):
        decide(at(founded(), "org-c", "invited"), ApproveMembership("org-c"), ANA, TODAY)


def test_approving_an_organisation_that_never_asked_is_not_found() -> None:
    with pytest.raises(NotFound, match="org-c is not a member"):
        decide(founded(), ApproveMembership("org-c"), ANA, TODAY)


def test_a_facilitator_invites_and_the_organisation_accepts() -> None:
    invited, state = run(founded(), InviteOrganisation("org-c"), ANA)
    accepted, state = run(state, AcceptInvitation("org-c"), CY)

    assert invited == [Change("MemberInvited", {"coalition_id": "c1", "organisation_id": "org-c"})]
    assert accepted == [Change("InvitationAccepted", {"coalition_id": "c1", "organisation_id": "org-c"})]
    assert member_state(state, "org-c") == "active"


def test_only_facilitators_invite() -> None:
    with pytest.raises(NotAllowed, match="only facilitators may invite"):
        decide(two_members(), InviteOrganisation("org-c"), BEN, TODAY)


def test_only_the_invited_organisation_accepts_its_invitation() -> None:
    state = at(founded(), "org-c", "invited")
    with pytest.raises(NotAllowed, match="do not act for organisation org-c"):
        decide(state, AcceptInvitation("org-c"), BEN, TODAY)


def test_only_an_invitation_can_be_accepted() -> None:
    with pytest.raises(RuleBroken, match="org-c is requested, not invited"):
        decide(at(founded(), "org-c", "requested"), AcceptInvitation("org-c"), CY, TODAY)


@pytest.mark.parametrize("membership", ["invited", "requested", "active", "suspended"])
@pytest.mark.parametrize("joining", ["request", "invite"])
def test_an_organisation_already_a_member_cannot_join_again(membership: str, joining: str) -> None:
    state = at(founded(), "org-c", membership)
    command, actor = (RequestMembership("org-c"), CY) if joining == "request" else (InviteOrganisation("org-c"), ANA)

    with pytest.raises(RuleBroken, match=f"org-c is already a member \\({membership}\\)"):
        decide(state, command, actor, TODAY)


def test_a_member_that_left_may_request_again() -> None:
    state = run(two_members(), LeaveCoalition("org-b"), BEN)[1]
    changes, state = run(state, RequestMembership("org-b"), BEN)

    assert [c.type for c in changes] == ["MembershipRequested"]
    assert member_state(state, "org-b") == "requested"


def test_a_facilitator_suspends_and_reinstates_a_member_with_a_reason() -> None:
    suspended, state = run(two_members(), SuspendMember("org-b", "no report for six months"), ANA)
    assert suspended == [
        Change(
            "MemberSuspended", {"coalition_id": "c1", "organisation_id": "org-b", "reason": "no report for six months"}
        )
    ]
    assert member_state(state, "org-b") == "suspended"

    reinstated, state = run(state, ReinstateMember("org-b", "reports caught up"), ANA)
    assert reinstated == [
        Change("MemberReinstated", {"coalition_id": "c1", "organisation_id": "org-b", "reason": "reports caught up"})
    ]
    assert member_state(state, "org-b") == "active"


@pytest.mark.parametrize("command", [SuspendMember("org-b", " "), ReinstateMember("org-b", "")])
def test_suspension_and_reinstatement_need_a_reason(command: Any) -> None:
    state = two_members()
    if isinstance(command, ReinstateMember):
        state = run(state, SuspendMember("org-b", "dues unpaid"), ANA)[1]
    with pytest.raises(RuleBroken, match="a reason is required"):
        decide(state, command, ANA, TODAY)


def test_only_facilitators_suspend_and_reinstate() -> None:
    state = at(two_members(), "org-c", "suspended")
    with pytest.raises(NotAllowed, match="only facilitators may suspend"):
        decide(state, SuspendMember("org-a", "why not"), BEN, TODAY)
    with pytest.raises(NotAllowed, match="only facilitators may reinstate"):
        decide(state, ReinstateMember("org-c", "please"), CY, TODAY)


def test_only_active_members_are_suspended_and_only_suspended_ones_reinstated() -> None:
    with pytest.raises(RuleBroken, match="org-c is requested, not active"):
        decide(at(founded(), "org-c", "requested"), SuspendMember("org-c", "x"), ANA, TODAY)
    with pytest.raises(RuleBroken, match="org-b is active, not suspended"):
        decide(two_members(), ReinstateMember("org-b", "x"), ANA, TODAY)


def test_a_member_leaves_and_its_roles_end() -> None:
    state = run(two_members(), AssignRole("r-liaison-b", "liaison", "u-ben", "org-b", frozenset({"org-b"})), ANA)[1]
    changes, state = run(state, LeaveCoalition("org-b", "merging with org-a"), BEN)

    assert changes == [
        Change(
            "RoleRemoved",
            {"coalition_id": "c1", "role_id": "r-liaison-b", "reason": "the organisation left the coalition"},
        ),
        Change("MemberLeft", {"coalition_id": "c1", "organisation_id": "org-b", "reason": "merging with org-a"}),
    ]
    assert member_state(state, "org-b") == "left"
    assert "r-liaison-b" not in state.roles


def test_only_the_organisation_itself_leaves() -> None:
    with pytest.raises(NotAllowed, match="do not act for organisation org-b"):
        decide(two_members(), LeaveCoalition("org-b"), ANA, TODAY)


def test_an_organisation_that_left_cannot_leave_again() -> None:
    state = run(two_members(), LeaveCoalition("org-b"), BEN)[1]
    with pytest.raises(RuleBroken, match="org-b is left"):
        decide(state, LeaveCoalition("org-b"), BEN, TODAY)


@pytest.mark.parametrize("command, actor", [(SuspendMember("org-a", "inactive"), ANA), (LeaveCoalition("org-a"), ANA)])
def test_the_organisation_holding_every_facilitator_role_cannot_be_suspended_or_leave(
    command: Any, actor: Actor
) -> None:
    with pytest.raises(RuleBroken, match="at least one facilitator: org-a's users hold every facilitator role"):
        decide(two_members(), command, actor, TODAY)


def test_an_organisation_may_leave_once_another_holds_a_facilitator_role() -> None:
    state = run(two_members(), AssignRole("r-fac-b", "facilitator", "u-ben", "org-b", frozenset({"org-b"})), ANA)[1]
    changes, state = run(state, LeaveCoalition("org-a"), ANA)

    assert [c.type for c in changes] == ["RoleRemoved", "MemberLeft"]
    assert is_facilitator(state, BEN) and not is_facilitator(state, ANA)


# -- roles ------------------------------------------------------------------------------------------


def test_a_facilitator_assigns_roles_to_users_of_active_members() -> None:
    changes, state = run(two_members(), AssignRole("r-1", "liaison", "u-ben", "org-b", frozenset({"org-b"})), ANA)

    assert changes == [
        Change(
            "RoleAssigned",
            {"coalition_id": "c1", "role_id": "r-1", "role": "liaison", "user_id": "u-ben", "organisation_id": "org-b"},
        )
    ]
    assert is_liaison(state, BEN, "org-b")
    assert not is_liaison(state, ANA, "org-a")


def test_only_facilitators_assign_and_remove_roles() -> None:
    state = two_members()
    with pytest.raises(NotAllowed, match="only facilitators may assign roles"):
        decide(state, AssignRole("r-1", "endorser", "u-ben", "org-b", frozenset({"org-b"})), BEN, TODAY)
    with pytest.raises(NotAllowed, match="only facilitators may remove roles"):
        decide(state, RemoveRole("r-fac"), BEN, TODAY)


@pytest.mark.parametrize("membership", ["invited", "requested", "suspended"])
def test_only_active_members_hold_roles(membership: str) -> None:
    state = at(founded(), "org-c", membership)
    with pytest.raises(RuleBroken, match=f"only active members hold roles: organisation org-c is {membership}"):
        decide(state, AssignRole("r-1", "endorser", "u-cy", "org-c", frozenset({"org-c"})), ANA, TODAY)


def test_roles_go_only_to_users_who_act_for_the_organisation() -> None:
    with pytest.raises(RuleBroken, match="user u-cy does not act for organisation org-b"):
        decide(two_members(), AssignRole("r-1", "endorser", "u-cy", "org-b", frozenset({"org-c"})), ANA, TODAY)


def test_an_organisation_has_at_most_one_liaison() -> None:
    state = run(two_members(), AssignRole("r-1", "liaison", "u-ben", "org-b", frozenset({"org-b"})), ANA)[1]
    with pytest.raises(RuleBroken, match="u-ben is already the liaison of organisation org-b; remove that role first"):
        decide(state, AssignRole("r-2", "liaison", "u-bo", "org-b", frozenset({"org-b"})), ANA, TODAY)


def test_a_user_holds_each_role_once_per_organisation() -> None:
    with pytest.raises(RuleBroken, match="u-ana is already the facilitator of organisation org-a"):
        decide(founded(), AssignRole("r-2", "facilitator", "u-ana", "org-a", frozenset({"org-a"})), ANA, TODAY)


def test_roles_are_facilitator_liaison_or_endorser() -> None:
    with pytest.raises(RuleBroken, match="'chair' is not a role"):
        decide(founded(), AssignRole("r-2", "chair", "u-ana", "org-a", frozenset({"org-a"})), ANA, TODAY)


def test_a_role_id_is_used_once() -> None:
    with pytest.raises(RuleBroken, match="role r-fac already exists"):
        decide(two_members(), AssignRole("r-fac", "endorser", "u-ben", "org-b", frozenset({"org-b"})), ANA, TODAY)


def test_a_facilitator_removes_a_role() -> None:
    state = run(two_members(), AssignRole("r-1", "endorser", "u-ben", "org-b", frozenset({"org-b"})), ANA)[1]
    changes, state = run(state, RemoveRole("r-1", "stepped down"), ANA)

    assert changes == [Change("RoleRemoved", {"coalition_id": "c1", "role_id": "r-1", "reason": "stepped down"})]
    assert "r-1" not in state.roles


def test_removing_the_last_facilitator_is_refused() -> None:
    with pytest.raises(RuleBroken, match="at least one facilitator: this is the last facilitator role"):
        decide(two_members(), RemoveRole("r-fac"), ANA, TODAY)


def test_a_facilitator_may_step_down_once_another_facilitates() -> None:
    state = run(two_members(), AssignRole("r-2", "facilitator", "u-ben", "org-b", frozenset({"org-b"})), ANA)[1]
    state = run(state, RemoveRole("r-fac"), ANA)[1]

    assert not is_facilitator(state, ANA) and is_facilitator(state, BEN)


def test_removing_an_unknown_role_is_not_found() -> None:
    with pytest.raises(NotFound, match="no such role: r-nope"):
        decide(founded(), RemoveRole("r-nope"), ANA, TODAY)


def test_a_suspended_members_roles_are_dormant_until_reinstated() -> None:
    state = two_members()
    for command in (
        AssignRole("r-2", "facilitator", "u-ben", "org-b", frozenset({"org-b"})),
        AssignRole("r-3", "liaison", "u-ben", "org-b", frozenset({"org-b"})),
        SuspendMember("org-b", "dues unpaid"),
    ):
        state = run(state, command, ANA)[1]
    assert not is_facilitator(state, BEN) and not is_liaison(state, BEN, "org-b")
    with pytest.raises(NotAllowed, match="only facilitators"):
        decide(state, InviteOrganisation("org-c"), BEN, TODAY)

    state = run(state, ReinstateMember("org-b", "paid"), ANA)[1]
    assert is_facilitator(state, BEN) and is_liaison(state, BEN, "org-b")


def test_a_role_loses_its_powers_when_its_holder_no_longer_acts_for_the_organisation() -> None:
    state = run(two_members(), AssignRole("r-2", "facilitator", "u-ben", "org-b", frozenset({"org-b"})), ANA)[1]
    unmandated = Actor("u-ben", frozenset())  # org-b revoked Ben's mandate

    assert is_facilitator(state, BEN) and not is_facilitator(state, unmandated)
    with pytest.raises(NotAllowed, match="only facilitators may invite"):
        decide(state, InviteOrganisation("org-c"), unmandated, TODAY)


def test_a_dormant_facilitator_does_not_count_as_the_one_that_remains() -> None:
    state = run(two_members(), AssignRole("r-2", "facilitator", "u-ben", "org-b", frozenset({"org-b"})), ANA)[1]
    state = run(state, SuspendMember("org-b", "dues unpaid"), ANA)[1]
    with pytest.raises(RuleBroken, match="at least one facilitator"):
        decide(state, RemoveRole("r-fac"), ANA, TODAY)


def test_member_state_is_none_for_an_organisation_never_involved() -> None:
    assert member_state(founded(), "org-z") is None


def test_every_coalition_change_validates_against_its_registered_schema() -> None:
    state = two_members()
    commands: list[tuple[Any, Actor]] = [
        (AmendAgreement(agreement(objectives=(Objective("obj-9", "New aim"),), ends_on=None)), ANA),
        (InviteOrganisation("org-c"), ANA),
        (AcceptInvitation("org-c"), CY),
        (AssignRole("r-e", "endorser", "u-cy", "org-c", frozenset({"org-c"})), ANA),
        (SuspendMember("org-c", "x"), ANA),
        (ReinstateMember("org-c", "y"), ANA),
        (RemoveRole("r-e"), ANA),
        (LeaveCoalition("org-c"), CY),
        (LeaveCoalition("org-b", "done"), BEN),
    ]
    seen = {"CoalitionFounded", "RoleAssigned", "MembershipRequested", "MembershipApproved"}
    for command, actor in commands:
        changes = decide(state, command, actor, TODAY)
        for change in changes:
            registry.validate(change.type, change.payload)
            seen.add(change.type)
            state = evolve(state, change)  # type: ignore[assignment]
    assert seen == {
        "CoalitionFounded",
        "AgreementAmended",
        "MembershipRequested",
        "MemberInvited",
        "MembershipApproved",
        "InvitationAccepted",
        "MemberSuspended",
        "MemberReinstated",
        "MemberLeft",
        "RoleAssigned",
        "RoleRemoved",
    }
