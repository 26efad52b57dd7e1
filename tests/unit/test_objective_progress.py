"""Indicators on the common objectives: the one status rule (`progress_of`) and recording progress (`decide`)."""

from __future__ import annotations

import math
from datetime import date
from typing import Any

import pytest

from coalition.domain.base import Invalid, NotAllowed, NotFound, RuleBroken
from coalition.domain.coalition import AmendAgreement, AssignRole, Coalition, FoundCoalition, Objective
from coalition.domain.coalition_state import ProgressPoint
from coalition.domain.policy.objectives import TOLERANCE, current_points, expected_share, progress_of
from coalition.domain.progress import RecordProgress
from tests.unit.test_coalition_domain import ANA, BEN, CY, TODAY, agreement, at, run, two_members

START = date(2025, 1, 1)
DUE = date(2025, 12, 31)  # 364 days after START
TREES = Objective("obj-1", "Plant 10,000 trees", "trees planted", DUE, "trees", 0.0, 10_000.0)
EMISSIONS = Objective("obj-3", "Cut emissions to 60 t", None, DUE, "t CO2", 100.0, 60.0)


def point(value: float, as_of: date, progress_id: str = "p1", supersedes: str | None = None) -> ProgressPoint:
    """A point on obj-1 recorded by Ana."""
    return ProgressPoint(progress_id, "obj-1", value, as_of, "u-ana", supersedes=supersedes)


MID = date(2025, 7, 2)  # half-way: expected share 0.5


# -- progress_of: every status, both directions ------------------------------------------------------


def test_an_objective_without_baseline_or_target_is_unmeasured() -> None:
    bare = Objective("obj-2", "Train 50 monitors")
    result = progress_of(bare, [point(30, MID)], START, MID)
    assert (result.status, result.share, result.latest) == ("unmeasured", None, point(30, MID))


def test_nothing_recorded_yet_is_unmeasured_until_the_target_date_passes() -> None:
    assert progress_of(TREES, [], START, MID).status == "unmeasured"
    assert progress_of(TREES, [], START, date(2026, 1, 1)).status == "overdue"


@pytest.mark.parametrize(
    ("objective", "value", "status"),
    [
        (TREES, 5_000, "on-track"),  # exactly on the line
        (TREES, 4_100, "on-track"),  # 9 points below: inside the tolerance
        (TREES, 3_900, "behind"),  # 11 points below
        (TREES, 10_000, "reached"),
        (TREES, 12_000, "reached"),
        (EMISSIONS, 80, "on-track"),  # a target below the baseline: 100 -> 60, half-way is 80
        (EMISSIONS, 85, "behind"),  # 15 t cut of 40: 37.5 % of the way
        (EMISSIONS, 60, "reached"),
        (EMISSIONS, 55, "reached"),
    ],
)
def test_the_status_against_the_straight_line_in_both_directions(
    objective: Objective, value: float, status: str
) -> None:
    assert progress_of(objective, [point(value, MID)], START, MID).status == status


def test_the_share_counts_the_way_from_baseline_to_target_in_both_directions() -> None:
    assert progress_of(TREES, [point(2_500, MID)], START, MID).share == pytest.approx(0.25)
    assert progress_of(EMISSIONS, [point(90, MID)], START, MID).share == pytest.approx(0.25)
    assert progress_of(EMISSIONS, [point(110, MID)], START, MID).share == 0.0  # the wrong way: nothing gained


def test_behind_is_judged_on_the_latest_points_date_not_today() -> None:
    early = date(2025, 2, 1)  # expected about 8 % then
    assert progress_of(TREES, [point(500, early)], START, MID).status == "on-track"
    assert TOLERANCE == 0.10


def test_overdue_when_the_target_date_passed_unreached_and_reached_stays_reached() -> None:
    after = date(2026, 1, 5)
    assert progress_of(TREES, [point(9_000, DUE)], START, after).status == "overdue"
    assert progress_of(TREES, [point(10_000, DUE)], START, after).status == "reached"
    assert progress_of(EMISSIONS, [point(70, DUE)], START, after).status == "overdue"


def test_without_a_target_date_nothing_falls_behind() -> None:
    open_ended = Objective("obj-4", "Reach 1,000 members", None, None, "members", 0.0, 1_000.0)
    assert progress_of(open_ended, [point(1, MID)], START, MID).status == "on-track"


def test_a_correction_replaces_the_point_it_supersedes() -> None:
    wrong, fixed = point(9_999, MID, "p1"), point(1_000, MID, "p2", supersedes="p1")
    result = progress_of(TREES, [wrong, fixed], START, MID)
    assert (result.latest, result.status) == (fixed, "behind")
    assert current_points([wrong, fixed]) == (fixed,)


def test_current_points_are_sorted_by_day_whatever_the_order_recorded() -> None:
    late, early = point(2, MID, "p1"), point(1, START, "p2")
    assert current_points([late, early]) == (early, late)
    assert progress_of(TREES, [late, early], START, MID).latest == late


def test_the_straight_line_is_clamped_to_the_period() -> None:
    assert expected_share(START, DUE, date(2024, 6, 1)) == 0.0
    assert expected_share(START, DUE, date(2027, 1, 1)) == 1.0
    assert expected_share(START, START, START) == 1.0


# -- the agreement's indicators -------------------------------------------------------------------


def with_indicators(*objectives: Objective) -> Coalition:
    """Two active members under an agreement with these objectives."""
    return run(two_members(), AmendAgreement(agreement(objectives=objectives)), ANA)[1]


def test_an_agreement_carries_unit_baseline_and_target_into_the_log_and_back() -> None:
    changes, state = run(two_members(), AmendAgreement(agreement(objectives=(TREES, EMISSIONS))), ANA)
    assert changes[0].payload["objectives"][1] == {
        "objective_id": "obj-3",
        "text": "Cut emissions to 60 t",
        "target_date": "2025-12-31",
        "unit": "t CO2",
        "baseline": 100.0,
        "target": 60.0,
    }
    assert state.objectives["obj-3"] == EMISSIONS


@pytest.mark.parametrize(
    ("baseline", "target", "named"),
    [
        (5.0, 5.0, "target must differ from baseline"),
        (math.nan, 5.0, "baseline"),
        (0.0, math.inf, "target"),
        (None, 5.0, "baseline is missing"),
        (0.0, None, "target is missing"),
    ],
)
def test_an_indicator_needs_finite_numbers_both_given_and_a_target_away_from_its_baseline(
    baseline: float | None, target: float | None, named: str
) -> None:
    bad = Objective("obj-1", "Plant trees", None, DUE, "trees", baseline, target)
    with pytest.raises(Invalid, match=named):
        run(two_members(), AmendAgreement(agreement(objectives=(bad,))), ANA)
    with pytest.raises(Invalid, match=named):
        run(None, FoundCoalition("c1", "org-a", "r-fac", agreement(objectives=(bad,))), ANA)


# -- recording progress -----------------------------------------------------------------------------


def record(**overrides: Any) -> RecordProgress:
    """Progress on obj-1 on TODAY's eve."""
    values: dict[str, Any] = {"progress_id": "p1", "objective_id": "obj-1", "value": 1200.0, "as_of": TODAY}
    return RecordProgress(**{**values, **overrides})


def with_liaison() -> Coalition:
    """Trees as obj-1; org-b active with Ben as its liaison; org-c an active member too."""
    state = with_indicators(TREES, EMISSIONS)
    state = run(state, AssignRole("r-l", "liaison", "u-ben", "org-b", frozenset({"org-b"})), ANA)[1]
    return at(state, "org-c", "active")


def test_a_facilitator_records_progress_and_the_state_keeps_it() -> None:
    changes, state = run(with_liaison(), record(note="Spring planting"), ANA)
    assert changes[0].type == "ObjectiveProgressRecorded"
    assert changes[0].payload == {
        "coalition_id": "c1",
        "progress_id": "p1",
        "objective_id": "obj-1",
        "value": 1200.0,
        "as_of": "2025-03-01",
        "recorded_by": "u-ana",
        "note": "Spring planting",
    }
    assert state.progress["obj-1"] == (ProgressPoint("p1", "obj-1", 1200.0, TODAY, "u-ana", "Spring planting"),)


def test_a_liaison_records_for_their_own_organisation_by_default() -> None:
    changes, _ = run(with_liaison(), record(), BEN)
    assert changes[0].payload["organisation_id"] == "org-b"


def test_a_liaison_may_not_record_for_another_organisation() -> None:
    with pytest.raises(NotAllowed, match="organisation_id"):
        run(with_liaison(), record(organisation_id="org-c"), BEN)


def test_someone_with_no_role_may_not_record() -> None:
    with pytest.raises(NotAllowed, match="only facilitators and the liaisons"):
        run(with_liaison(), record(), CY)


def test_the_organisation_must_be_an_active_member() -> None:
    state = at(with_indicators(TREES), "org-c", "suspended")
    with pytest.raises(RuleBroken, match="organisation_id: organisation org-z is not an active member"):
        run(state, record(organisation_id="org-z"), ANA)
    with pytest.raises(RuleBroken, match="organisation org-c is not an active member [(]it is suspended[)]"):
        run(state, record(organisation_id="org-c"), ANA)


def test_an_unknown_objective_is_not_found() -> None:
    with pytest.raises(NotFound, match="objective_id"):
        run(with_liaison(), record(objective_id="obj-9"), ANA)


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf, 1e13])
def test_the_value_must_be_a_finite_number(value: float) -> None:
    with pytest.raises(Invalid, match="value must be a finite number"):
        run(with_liaison(), record(value=value), ANA)


@pytest.mark.parametrize(
    ("as_of", "named"),
    [
        (date(2025, 3, 2), "is in the future"),
        (date(2024, 12, 31), "is before the agreement starts"),
    ],
)
def test_the_day_must_be_inside_the_agreement_and_not_ahead(as_of: date, named: str) -> None:
    with pytest.raises(Invalid, match=f"as_of .* {named}"):
        run(with_liaison(), record(as_of=as_of), ANA)


def test_the_day_may_not_be_after_the_agreement_ends() -> None:
    with pytest.raises(Invalid, match="as_of 2027-01-01 is after the agreement ends"):
        run(with_liaison(), record(as_of=date(2027, 1, 1)), ANA, today=date(2027, 2, 1))


def test_a_correction_supersedes_a_point_and_both_stay() -> None:
    state = run(with_liaison(), record(), BEN)[1]
    changes, state = run(state, record(progress_id="p2", value=1100.0, supersedes="p1"), BEN)
    assert changes[0].payload["supersedes"] == "p1"
    assert [p.progress_id for p in state.progress["obj-1"]] == ["p1", "p2"]


def test_a_facilitators_correction_keeps_the_organisation_of_the_point_it_corrects() -> None:
    state = run(with_liaison(), record(), BEN)[1]  # org-b's point
    changes, state = run(state, record(progress_id="p2", value=1100.0, supersedes="p1"), ANA)  # no organisation named
    assert changes[0].payload["organisation_id"] == "org-b"
    assert state.progress["obj-1"][-1].organisation_id == "org-b"
    named = run(state, record(progress_id="p3", value=1000.0, supersedes="p2", organisation_id="org-c"), ANA)[0]
    assert named[0].payload["organisation_id"] == "org-c"  # naming one still counts it for that one
    whole = run(with_liaison(), record(), ANA)[1]  # the coalition's as a whole: its correction stays so
    assert "organisation_id" not in run(whole, record(progress_id="p2", supersedes="p1"), ANA)[0][0].payload


def test_corrections_of_unknown_corrected_foreign_or_other_objectives_points_are_refused() -> None:
    state = run(with_liaison(), record(), ANA)[1]
    state = run(state, record(progress_id="p2", supersedes="p1"), ANA)[1]
    state = run(state, record(progress_id="p3", objective_id="obj-3", value=90.0), ANA)[1]
    with pytest.raises(NotFound, match="supersedes: no such progress point: p9"):
        run(state, record(progress_id="p4", supersedes="p9"), ANA)
    with pytest.raises(RuleBroken, match="supersedes: progress point p1 is already corrected"):
        run(state, record(progress_id="p4", supersedes="p1"), ANA)
    with pytest.raises(RuleBroken, match="supersedes: progress point p3 is of objective obj-3"):
        run(state, record(progress_id="p4", supersedes="p3"), ANA)
    with pytest.raises(NotAllowed, match="supersedes: a liaison corrects only their own"):
        run(state, record(progress_id="p4", supersedes="p2"), BEN)


def test_a_progress_id_is_used_once() -> None:
    state = run(with_liaison(), record(), ANA)[1]
    with pytest.raises(RuleBroken, match="already exists"):
        run(state, record(), ANA)
