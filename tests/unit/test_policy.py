"""The domain's policy: each question the app asks, answered once, with its edges."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from coalition.domain import policy
from coalition.domain.coalition import Actor, Agreement, Coalition, Member, Role
from coalition.domain.organisation import Mandate, Organisation
from coalition.domain.statement import Signature, Statement

TODAY = date(2025, 3, 1)
NOW = datetime(2025, 3, 1, 12, tzinfo=UTC)
ANA = Actor("u-ana", frozenset({"org-a"}))  # facilitator for org-a
BEN = Actor("u-ben", frozenset({"org-b"}))  # liaison of org-b
CY = Actor("u-cy", frozenset({"org-c"}))  # org-c: suspended
DEB = Actor("u-deb", frozenset({"org-b"}))  # endorser for org-b
NOBODY = Actor("u-zed", frozenset({"org-z"}))  # acts for an organisation that never joined


def coalition(members_may_draft: bool = False) -> Coalition:
    """org-a (Ana facilitates) and org-b (Ben liaises, Deb endorses) active, org-c suspended, org-d left."""
    members = {o: Member(o, s) for o, s in [("org-a", "active"), ("org-b", "active"), ("org-c", "suspended")]}
    members["org-d"] = Member("org-d", "left")
    roles = {
        "r1": Role("r1", "facilitator", "u-ana", "org-a"),
        "r2": Role("r2", "liaison", "u-ben", "org-b"),
        "r3": Role("r3", "endorser", "u-deb", "org-b"),
        "r4": Role("r4", "facilitator", "u-cy", "org-c"),  # dormant while org-c is suspended
    }
    agreement = Agreement("A", "P", (), TODAY, "calls", "credit", members_may_draft=members_may_draft)
    return Coalition("c1", agreement, members, roles)


def statement(state: str = "open", deadline: datetime | None = None) -> Statement:
    return Statement("s1", "c1", "en", {}, "u-ana", state=state, version_hash="v2", deadline=deadline)


# -- statement: phase, counting, threshold --------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "deadline", "expected"),
    [
        ("open", None, "open"),
        ("open", NOW + timedelta(seconds=1), "open"),
        ("open", NOW, "closed"),  # the deadline exactly now has come
        ("open", NOW - timedelta(days=1), "closed"),
        ("draft", NOW - timedelta(days=1), "draft"),  # only an open statement closes by itself
        ("published", NOW - timedelta(days=1), "published"),
    ],
)
def test_phase_closes_an_open_statement_from_its_deadline_on(
    state: str, deadline: datetime | None, expected: str
) -> None:
    assert policy.phase(state, deadline, NOW) == expected


@pytest.mark.parametrize(("phase", "waits"), [("draft", False), ("open", True), ("closed", True), ("published", True)])
def test_a_statement_waits_for_signatures_in_every_phase_but_a_draft(phase: str, waits: bool) -> None:
    assert policy.awaits_signatures(phase) is waits


def test_a_signature_counts_only_unwithdrawn_and_on_the_current_version() -> None:
    assert policy.counts("v2", False, "v2")
    assert not policy.counts("v2", True, "v2")  # withdrawn
    assert not policy.counts("v1", False, "v2")  # an older version, not confirmed
    assert not policy.counts("v1", False, None)  # a draft has no version
    signatures = [
        Signature("org-a", "u-ana", "v2"),
        Signature("org-b", "u-ben", "v1"),
        Signature("org-c", "u", "v2", True),
    ]
    assert [s.organisation_id for s in policy.counted(signatures, "v2")] == ["org-a"]


def test_signed_current_means_on_this_version_and_not_withdrawn() -> None:
    assert policy.signed_current(Signature("org-a", "u", "v2"), "v2")
    assert not policy.signed_current(Signature("org-a", "u", "v1"), "v2")  # awaits re-confirmation
    assert not policy.signed_current(Signature("org-a", "u", "v2", True), "v2")  # withdrawn
    assert not policy.signed_current(None, "v2")


def test_a_suspended_members_signature_still_counts_today() -> None:
    # counted asks counts with each organisation's membership state; today's rule does not look at it
    assert policy.counts("v2", False, "v2", "suspended")
    signatures = [Signature("org-a", "u-ana", "v2"), Signature("org-b", "u-ben", "v2")]
    assert len(policy.counted(signatures, "v2", {"org-a": "active", "org-b": "suspended"})) == 2


@pytest.mark.parametrize(
    ("count", "threshold", "met"), [(0, None, False), (1, None, True), (2, 3, False), (3, 3, True), (4, 3, True)]
)
def test_the_threshold_is_met_at_its_count_and_none_means_one(count: int, threshold: int | None, met: bool) -> None:
    assert policy.threshold_met(count, threshold) is met


def test_publishing_below_the_threshold_is_refused_with_the_numbers_and_allowed_from_it() -> None:
    # The page asks this to hide its Publish button; `decide` raises the same refusal.
    below = policy.publish_threshold_refusal(1, 2)
    assert below is not None and below.kind == "conflict"
    assert below.params == {"needed": 2, "counted": 1}
    assert str(below) == "the statement needs 2 signing organisations to be published and has 1"
    none = policy.publish_threshold_refusal(0, None)
    assert none is not None and str(none) == "the statement needs 1 signing organisation to be published and has 0"
    assert policy.publish_threshold_refusal(2, 2) is None and policy.publish_threshold_refusal(1, None) is None


# -- organisations: mandates ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mandate", "valid"),
    [
        (Mandate("m", "u", "Director", TODAY), True),  # starting today
        (Mandate("m", "u", "Director", TODAY + timedelta(days=1)), False),  # not started
        (Mandate("m", "u", "Director", date(2024, 1, 1), TODAY), True),  # ending today: the last day counts
        (Mandate("m", "u", "Director", date(2024, 1, 1), TODAY - timedelta(days=1)), False),  # ended yesterday
        (Mandate("m", "u", "Director", date(2024, 1, 1), revoked_on=TODAY), False),  # revoked today
        (Mandate("m", "u", "Director", date(2024, 1, 1), revoked_on=TODAY + timedelta(days=1)), True),
    ],
)
def test_a_mandate_is_valid_from_its_first_to_its_last_day_until_revoked(mandate: Mandate, valid: bool) -> None:
    assert policy.mandate_valid(mandate, TODAY) is valid


def test_administrators_act_for_an_organisation_but_only_mandated_users_sign_for_it() -> None:
    revoked = Mandate("m2", "u-old", "Former", date(2024, 1, 1), revoked_on=TODAY)
    organisation = Organisation(
        "org-a",
        "A",
        "RO",
        "ngo",
        frozenset({"u-admin"}),
        {"m1": Mandate("m1", "u-ana", "Director", TODAY), "m2": revoked},
    )
    assert policy.acts_for(organisation, "u-admin", TODAY) and not policy.signs_for(organisation, "u-admin", TODAY)
    assert policy.acts_for(organisation, "u-ana", TODAY) and policy.signs_for(organisation, "u-ana", TODAY)
    assert not policy.acts_for(organisation, "u-old", TODAY) and not policy.signs_for(organisation, "u-old", TODAY)
    assert not policy.acts_for(None, "u-ana", TODAY) and not policy.signs_for(None, "u-ana", TODAY)
    assert policy.mandate_of(organisation, "u-ana", TODAY - timedelta(days=1)) is None


# -- coalitions: roles, reading -------------------------------------------------------------------


def test_a_role_empowers_only_while_its_member_is_active_and_its_holder_acts_for_it() -> None:
    state = coalition()
    assert policy.is_facilitator(state, ANA)
    assert not policy.is_facilitator(state, CY)  # org-c is suspended: the role is dormant
    assert not policy.is_facilitator(state, Actor("u-ana", frozenset()))  # Ana's mandate ended
    assert policy.is_liaison(state, BEN, "org-b") and not policy.is_liaison(state, BEN, "org-a")
    assert policy.is_endorser(state, DEB) == "org-b" and policy.is_endorser(state, BEN) is None
    assert policy.member_state(state, "org-z") is None


class _Counted(dict[str, Member]):
    """Members that count the states read: a rule about roles should read its roles' organisations only."""

    def __init__(self, members: dict[str, Member]) -> None:
        super().__init__(members)
        self.read: list[str] = []

    def __getitem__(self, key: str) -> Member:
        self.read.append(key)
        return super().__getitem__(key)

    def items(self):  # type: ignore[no-untyped-def,override]
        raise AssertionError("a role's rule walked every member")


def test_a_roles_rule_reads_the_state_of_its_roles_organisations_not_every_members() -> None:
    base = coalition()
    members = _Counted({**base.members, **{f"org-{n}": Member(f"org-{n}", "active") for n in range(3000)}})
    state = replace(base, members=members)
    answers = [policy.is_liaison(state, BEN, o) for o in members]  # a page asking it of each member
    assert answers.count(True) == 1
    assert policy.is_facilitator(state, ANA) and policy.is_endorser(state, DEB) == "org-b"
    assert set(members.read) <= {"org-a", "org-b", "org-c"}  # the roles' organisations only


def test_people_of_active_and_suspended_members_read_the_coalition_but_not_others() -> None:
    state = coalition()
    assert policy.may_read_coalition(state, ANA) and policy.may_read_coalition(state, CY)
    assert not policy.may_read_coalition(state, Actor("u-dot", frozenset({"org-d"})))  # left
    assert not policy.may_read_coalition(state, NOBODY)


# -- statements: who may do what ------------------------------------------------------------------


def test_a_mandated_user_of_an_active_member_may_sign_an_open_statement() -> None:
    state = coalition()
    assert policy.may_sign(state, statement(), NOW, "org-b", mandated=True)
    assert not policy.may_sign(state, statement(), NOW, "org-b", mandated=False)  # no valid mandate
    assert not policy.may_sign(state, statement(), NOW, "org-c", mandated=True)  # a suspended member
    assert not policy.may_sign(state, statement(), NOW, "org-z", mandated=True)  # not a member
    assert not policy.may_sign(state, statement(deadline=NOW), NOW, "org-b", mandated=True)  # the deadline is now
    refusal = policy.sign_refusal(state, statement(), NOW, "org-c", mandated=True)
    assert refusal is not None and refusal.kind == "conflict"
    assert str(refusal) == "only active members may sign for it: organisation org-c is suspended"


def test_only_a_signature_on_an_older_version_may_be_confirmed() -> None:
    state, open_ = coalition(), statement()
    older, current = Signature("org-b", "u-ben", "v1"), Signature("org-b", "u-ben", "v2")
    assert policy.may_confirm(state, open_, NOW, "org-b", True, older, "v2")
    assert not policy.may_confirm(state, open_, NOW, "org-b", True, current, "v2")  # already on it
    assert not policy.may_confirm(state, open_, NOW, "org-b", True, replace(older, withdrawn=True), "v2")
    assert not policy.may_confirm(state, open_, NOW, "org-b", True, None, "v2")
    assert not policy.may_confirm(state, open_, NOW, "org-b", False, older, "v2")


def test_a_held_signature_may_be_withdrawn_while_open_by_a_mandated_user() -> None:
    held = Signature("org-c", "u-cy", "v2")
    assert policy.may_withdraw(statement(), NOW, "org-c", True, held)  # a suspended member still may withdraw
    assert not policy.may_withdraw(statement(), NOW, "org-c", False, held)
    assert not policy.may_withdraw(statement(), NOW, "org-c", True, replace(held, withdrawn=True))
    assert not policy.may_withdraw(statement("closed"), NOW, "org-c", True, held)


def test_facilitators_draft_and_members_draft_only_when_the_agreement_allows() -> None:
    assert policy.may_draft(coalition(), ANA, None)
    assert not policy.may_draft(coalition(), BEN, "org-b")
    allowing = coalition(members_may_draft=True)
    assert policy.may_draft(allowing, BEN, "org-b")
    assert not policy.may_draft(allowing, BEN, "org-a")  # not an organisation Ben acts for
    assert not policy.may_draft(allowing, CY, "org-c")  # suspended
    assert not policy.may_draft(allowing, BEN, None)


def test_facilitators_and_the_drafter_still_allowed_to_draft_may_edit() -> None:
    allowing = coalition(members_may_draft=True)
    assert policy.may_edit(coalition(), ANA, "u-ana", None)
    assert policy.may_edit(allowing, BEN, "u-ben", "org-b")
    assert not policy.may_edit(coalition(), BEN, "u-ben", "org-b")  # the agreement no longer allows it
    assert not policy.may_edit(allowing, DEB, "u-ben", "org-b")  # not the drafter


@pytest.mark.parametrize("may", [policy.may_open, policy.may_amend, policy.may_close, policy.may_publish])
def test_only_facilitators_open_amend_close_and_publish(may: object) -> None:
    assert callable(may)
    assert may(coalition(), ANA) and not may(coalition(), BEN) and not may(coalition(), CY)


def test_only_endorsers_endorse_and_only_while_open() -> None:
    assert policy.may_endorse(coalition(), statement(), NOW, DEB)
    assert not policy.may_endorse(coalition(), statement(), NOW, BEN)
    assert not policy.may_endorse(coalition(), statement("draft"), NOW, DEB)


# -- work: commitments, tasks, overdue, standing --------------------------------------------------


def test_the_pledger_or_a_facilitator_may_change_an_open_commitment() -> None:
    assert policy.may_change_commitment(coalition(), BEN, "org-b", "pledged")
    assert policy.may_change_commitment(coalition(), ANA, "org-b", "pledged")
    assert not policy.may_change_commitment(coalition(), CY, "org-b", "pledged")
    assert not policy.may_change_commitment(coalition(), BEN, "org-b", "fulfilled")
    assert not policy.may_change_commitment(coalition(), ANA, "org-b", "withdrawn")


def test_the_assignee_accepts_and_completes_a_task_and_facilitators_reassign_and_drop_it() -> None:
    state = coalition()
    assert policy.may_change_task(state, BEN, "org-b", "open", "accept")
    assert not policy.may_change_task(state, BEN, "org-b", "accepted", "accept")
    assert policy.may_change_task(state, BEN, "org-b", "accepted", "complete")
    assert not policy.may_change_task(state, ANA, "org-b", "open", "complete")  # not the assignee
    assert policy.may_change_task(state, ANA, "org-b", "accepted", "reassign")
    assert not policy.may_change_task(state, BEN, "org-b", "open", "drop")
    assert not policy.may_change_task(state, ANA, "org-b", "done", "drop")
    assert policy.may_create_task(state, BEN, "org-b") and not policy.may_create_task(state, BEN, "org-a")


@pytest.mark.parametrize(
    ("due_on", "state", "overdue"),
    [
        (TODAY, "pledged", False),  # due today is not yet overdue
        (TODAY - timedelta(days=1), "pledged", True),
        (TODAY - timedelta(days=1), "accepted", True),
        (TODAY - timedelta(days=1), "fulfilled", False),
        (TODAY - timedelta(days=1), "withdrawn", False),
        (TODAY - timedelta(days=1), "done", False),
        (TODAY - timedelta(days=1), "dropped", False),
    ],
)
def test_open_work_is_overdue_from_the_day_after_it_was_due(due_on: date, state: str, overdue: bool) -> None:
    assert policy.is_overdue(due_on, state, TODAY) is overdue


@pytest.mark.parametrize(
    ("due_in", "state", "soon"),
    [
        (14, "pledged", True),  # the last day of the window counts
        (15, "pledged", False),
        (0, "open", True),
        (-40, "accepted", True),  # overdue work is due soon too
        (3, "fulfilled", False),
        (3, "withdrawn", False),
        (-3, "done", False),
        (3, "dropped", False),
    ],
)
def test_open_work_is_due_soon_within_two_weeks_or_when_overdue(due_in: int, state: str, soon: bool) -> None:
    assert policy.due_soon(TODAY + timedelta(days=due_in), state, TODAY) is soon
    assert policy.DUE_SOON_DAYS == 14


def test_standing_is_lapsed_when_suspended_or_long_overdue_attention_when_overdue_good_otherwise() -> None:
    days = lambda n: TODAY - timedelta(days=n)  # noqa: E731
    assert policy.standing_level("active", None, [(days(0), "pledged"), (days(90), "done")], TODAY) == (
        "good",
        "nothing overdue",
        0,
        0,
    )
    assert policy.standing_level("active", None, [(days(3), "open"), (days(30), "pledged")], TODAY) == (
        "attention",
        "2 overdue, the oldest by 30 days",
        30,
        2,
    )
    assert policy.standing_level("active", None, [(days(31), "accepted")], TODAY).level == "lapsed"
    suspended = policy.standing_level("suspended", "no reports", [], TODAY)
    assert (suspended.level, suspended.reason) == ("lapsed", "suspended: no reports")
    assert policy.standing_level("suspended", None, [], TODAY).reason == "suspended"
