"""The coalition handlers on a real store, without HTTP: founding, admission, roles, commitments, tasks.

Each rule is tested once in the domain (tests/unit); here a command goes the whole way a page or
the API sends it (load the streams, decide, append with the versions read) and refusals record nothing.
"""

from __future__ import annotations

from datetime import date

from coalition.domain import coalition as co
from coalition.domain.base import NotAllowed, NotFound, RuleBroken
from coalition.handlers import Stale
from coalition.handlers import coalitions as handlers
from coalition.handlers import organisations as organisation_handlers
from tests.integration.desk import AGREEMENT, Desk, desk, founded

__all__ = ["desk"]  # the fixture


def test_founding_records_the_coalition_with_its_founder_as_an_active_member_and_facilitator(desk: Desk) -> None:
    ids = founded(desk)

    state, version = desk.as_("ana").load(co.stream(ids.coalition), co.evolve)

    assert state is not None and version == 5
    assert {m.organisation_id: m.state for m in state.members.values()} == {ids.green: "active", ids.river: "active"}
    assert sorted(r.role for r in state.roles.values()) == ["facilitator", "liaison"]
    assert desk.types()[-5:] == [
        "CoalitionFounded",
        "RoleAssigned",  # the founder's facilitator role
        "MembershipRequested",
        "MembershipApproved",
        "RoleAssigned",
    ]


def test_founding_for_an_organisation_one_does_not_act_for_is_refused(desk: Desk) -> None:
    ids = founded(desk)

    desk.refused(
        NotAllowed,
        lambda: handlers.found_coalition(desk.as_("bo"), organisation_id=ids.green, **AGREEMENT),
    )


def test_founding_for_an_unknown_organisation_is_not_found(desk: Desk) -> None:
    desk.refused(NotFound, lambda: handlers.found_coalition(desk.as_("ana"), organisation_id="nope", **AGREEMENT))


def test_an_outsider_asking_to_join_is_a_request_and_a_facilitators_ask_is_an_invitation(desk: Desk) -> None:
    ids = founded(desk)

    invited = handlers.join(desk.as_("ana"), ids.coalition, organisation_id=ids.oak)
    accepted = handlers.change_membership(desk.as_("olli"), ids.coalition, ids.oak, "accept")

    assert (invited["state"], accepted["state"]) == ("invited", "active")
    assert desk.types()[-2:] == ["MemberInvited", "InvitationAccepted"]


def test_only_a_facilitator_approves_a_request(desk: Desk) -> None:
    ids = founded(desk)
    handlers.join(desk.as_("olli"), ids.coalition, organisation_id=ids.oak)

    desk.refused(NotAllowed, lambda: handlers.change_membership(desk.as_("bo"), ids.coalition, ids.oak, "approve"))
    assert handlers.change_membership(desk.as_("ana"), ids.coalition, ids.oak, "approve")["state"] == "active"


def test_suspending_needs_a_reason(desk: Desk) -> None:
    ids = founded(desk)

    desk.refused(RuleBroken, lambda: handlers.change_membership(desk.as_("ana"), ids.coalition, ids.river, "suspend"))
    done = handlers.change_membership(desk.as_("ana"), ids.coalition, ids.river, "suspend", reason=" Quiet ")
    assert done["state"] == "suspended"


def test_a_role_for_someone_without_an_account_is_not_found(desk: Desk) -> None:
    ids = founded(desk)

    error = desk.refused(
        NotFound,
        lambda: handlers.assign_role(
            desk.as_("ana"), ids.coalition, email="nobody@example.org", organisation_id=ids.river, role="liaison"
        ),
    )
    assert "register first" in str(error)


def test_a_revoked_mandate_stops_the_person_acting_for_the_member(desk: Desk) -> None:
    ids = founded(desk)
    mandate = organisation_handlers.grant_mandate(desk.as_("bo"), ids.river, email=desk.email("olli"), title="Guest")
    pledge = {"organisation_id": ids.river, "kind": "funding", "description": "Money", "due_on": date(2027, 6, 1)}
    assert handlers.pledge(desk.as_("olli"), ids.coalition, **pledge)["id"]

    organisation_handlers.revoke_mandate(desk.as_("bo"), ids.river, mandate["id"])

    desk.refused(NotAllowed, lambda: handlers.pledge(desk.as_("olli"), ids.coalition, **pledge))


def test_a_commitment_is_pledged_rescheduled_and_fulfilled_by_its_member(desk: Desk) -> None:
    ids = founded(desk)
    pledged = handlers.pledge(
        desk.as_("bo"),
        ids.coalition,
        organisation_id=ids.river,
        kind="staff-time",
        description=" Two field officers ",
        due_on=date(2027, 3, 31),
        quantity=2,
        unit="people",
        objective="o1",
    )["id"]

    handlers.reschedule(desk.as_("bo"), ids.coalition, pledged, due_on=date(2027, 6, 30), reason="Late funding")
    handlers.fulfil(desk.as_("lia"), ids.coalition, pledged, note="Report filed")

    state, _ = desk.as_("ana").load(co.stream(ids.coalition), co.evolve)
    assert state is not None
    commitment = state.commitments[pledged]
    assert (commitment.description, commitment.due_on, commitment.state) == (
        "Two field officers",
        date(2027, 6, 30),
        "fulfilled",
    )
    assert desk.types()[-3:] == ["CommitmentPledged", "CommitmentRescheduled", "CommitmentFulfilled"]


def test_another_member_cannot_touch_a_commitment(desk: Desk) -> None:
    ids = founded(desk)
    pledged = handlers.pledge(
        desk.as_("bo"), ids.coalition, organisation_id=ids.river, kind="funding", description="x", due_on=TODAY_LATER
    )["id"]

    desk.refused(NotAllowed, lambda: handlers.withdraw(desk.as_("olli"), ids.coalition, pledged, reason="Not mine"))


def test_a_task_is_created_accepted_and_completed_and_only_a_facilitator_drops_one(desk: Desk) -> None:
    ids = founded(desk)
    task = handlers.create_task(
        desk.as_("ana"),
        ids.coalition,
        title="Sample ten sites",
        description="Spring round",
        organisation_id=ids.river,
        due_on=TODAY_LATER,
        assignee_email=desk.email("lia"),
    )["id"]
    handlers.accept_task(desk.as_("lia"), ids.coalition, task)
    handlers.complete_task(desk.as_("lia"), ids.coalition, task, note=" Done ")
    other = handlers.create_task(
        desk.as_("lia"), ids.coalition, title="Brief", description="", organisation_id=ids.river, due_on=TODAY_LATER
    )["id"]

    desk.refused(NotAllowed, lambda: handlers.drop_task(desk.as_("bo"), ids.coalition, other, reason="No"))
    handlers.drop_task(desk.as_("ana"), ids.coalition, other, reason="Not needed")

    state, _ = desk.as_("ana").load(co.stream(ids.coalition), co.evolve)
    assert state is not None
    assert (state.tasks[task].state, state.tasks[other].state) == ("done", "dropped")


def test_work_on_an_unknown_coalition_is_not_found(desk: Desk) -> None:
    ids = founded(desk)

    desk.refused(
        NotFound,
        lambda: handlers.pledge(
            desk.as_("bo"), "nope", organisation_id=ids.river, kind="funding", description="x", due_on=TODAY_LATER
        ),
    )


def test_a_retried_command_with_its_key_makes_the_same_id_and_cannot_record_twice(desk: Desk) -> None:
    ids = founded(desk)
    body = {"organisation_id": ids.river, "kind": "funding", "description": "x", "due_on": TODAY_LATER}

    first = handlers.pledge(desk.as_("bo", idempotency_key="k1", fingerprint="f"), ids.coalition, **body)

    # The edge answers a retry from the kept answer (tests/e2e); reaching the handler again, it is refused.
    error = desk.refused(
        RuleBroken,
        lambda: handlers.pledge(desk.as_("bo", idempotency_key="k1", fingerprint="f"), ids.coalition, **body),
    )
    assert first["id"] in str(error)


def test_a_command_made_on_a_version_the_client_no_longer_has_is_stale(desk: Desk) -> None:
    ids = founded(desk)

    desk.refused(
        Stale,
        lambda: handlers.amend_agreement(desk.as_("ana", if_match=1), ids.coalition, {"purpose": "Another"}),
    )
    assert handlers.amend_agreement(desk.as_("ana"), ids.coalition, {"purpose": "Another"})["id"] == ids.coalition


def test_amending_the_agreement_to_what_it_says_is_refused(desk: Desk) -> None:
    ids = founded(desk)

    desk.refused(
        RuleBroken, lambda: handlers.amend_agreement(desk.as_("ana"), ids.coalition, {"purpose": AGREEMENT["purpose"]})
    )


TODAY_LATER = date(2027, 5, 1)
