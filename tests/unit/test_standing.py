"""Standing and responsibilities as pure functions of a snapshot's rows (no database)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

import pytest

from coalition.reads.standing import Moment, Snapshot, days_overdue, responsibilities, standing

DAY = date(2027, 5, 1)


def member(org: str, state: str = "active", reason: str | None = None) -> dict[str, Any]:
    return {
        "organisation_id": org,
        "state": state,
        "since": "2027-01-01T00:00:00.000000Z",
        "reason": reason,
        "from_position": 3,
    }


def commitment(
    cid: str, org: str, due: date, state: str = "pledged", objective: str | None = "o1", position: int = 10
) -> dict[str, Any]:
    return {
        "commitment_id": cid,
        "organisation_id": org,
        "kind": "funding",
        "description": cid,
        "quantity": None,
        "unit": None,
        "objective_id": objective,
        "due_on": due,
        "state": state,
        "pledged_position": position,
        "from_position": position + 1,
    }


def task(
    tid: str, org: str, due: date, state: str = "open", objective: str | None = None, commitment_id: str | None = None
) -> dict[str, Any]:
    return {
        "task_id": tid,
        "title": tid,
        "organisation_id": org,
        "assignee_user_id": None,
        "due_on": due,
        "state": state,
        "objective_id": objective,
        "commitment_id": commitment_id,
        "from_position": 20,
    }


def snap(
    members: list, commitments: list = (), tasks: list = (), objectives: tuple[str, ...] = ("o1", "o2"), day: date = DAY
) -> Snapshot:
    agreement = {"objectives": [{"objective_id": o, "text": o} for o in objectives]}
    return Snapshot(
        Moment(None, day),
        agreement,
        members,
        [],
        list(commitments),
        list(tasks),
        {m["organisation_id"]: {"name": m["organisation_id"].title(), "country": "RO"} for m in members},
        {},  # no statement opened
    )


@pytest.mark.parametrize(
    "state,due,expected",
    [
        ("pledged", date(2027, 4, 30), 1),
        ("pledged", DAY, 0),
        ("pledged", date(2027, 5, 2), 0),
        ("fulfilled", date(2020, 1, 1), 0),
        ("withdrawn", date(2020, 1, 1), 0),
        ("open", date(2027, 4, 1), 30),
        ("accepted", date(2027, 4, 1), 30),
        ("done", date(2020, 1, 1), 0),
        ("dropped", date(2020, 1, 1), 0),
    ],
)
def test_days_overdue_counts_only_open_work_past_its_due_date(state: str, due: date, expected: int) -> None:
    assert days_overdue({"state": state, "due_on": due}, snap([])) == expected


@pytest.mark.parametrize("due,level", [(DAY, "good"), (date(2027, 4, 1), "attention"), (date(2027, 3, 31), "lapsed")])
def test_the_level_follows_the_oldest_overdue_item(due: date, level: str) -> None:
    [river] = standing(snap([member("river")], [commitment("k1", "river", due)]))
    assert river["level"] == level


def test_a_suspended_member_is_lapsed_even_with_nothing_overdue() -> None:
    [river] = standing(snap([member("river", "suspended", "Missed calls")]))
    assert (river["level"], river["reason"]) == ("lapsed", "suspended: Missed calls")


def test_figures_count_each_organisations_own_work_with_positions() -> None:
    rows = [
        commitment("k1", "river", date(2027, 1, 1), position=10),
        commitment("k2", "river", date(2027, 1, 1), "fulfilled", position=12),
        commitment("k3", "oak", date(2027, 1, 1), "withdrawn", position=14),
    ]
    river, oak = standing(snap([member("river"), member("oak")], rows, [task("t1", "river", date(2027, 6, 1))]))

    assert river["commitments"]["pledged"] == {"count": 2, "positions": [10, 12]}
    assert river["commitments"]["fulfilled"] == {"count": 1, "positions": [13]}
    assert river["commitments"]["overdue"] == {"count": 1, "positions": [11]}
    assert river["tasks"]["open"]["count"] == 1 and oak["tasks"]["open"]["count"] == 0
    assert oak["commitments"]["withdrawn"]["count"] == 1 and oak["level"] == "good"


def test_a_task_serves_the_objective_of_the_commitment_it_delivers() -> None:
    grid = responsibilities(
        snap(
            [member("river")],
            [commitment("k1", "river", DAY, objective="o2")],
            [task("t1", "river", DAY, commitment_id="k1")],
        )
    )

    o1, o2 = grid["objectives"]
    assert [t["task_id"] for t in o2["tasks"]] == ["t1"] and o1["tasks"] == []
    assert grid["uncovered"] == ["o1"] and o2["organisations"] == ["river"]


def test_only_live_work_covers_an_objective_and_unlinked_work_is_listed_apart() -> None:
    grid = responsibilities(
        snap(
            [member("river")],
            [commitment("k1", "river", DAY, "withdrawn"), commitment("k2", "river", DAY, objective=None)],
            [task("t1", "river", DAY, "dropped", objective="o2")],
        )
    )

    assert grid["uncovered"] == ["o1", "o2"]
    assert [c["commitment_id"] for c in grid["unlinked"]["commitments"]] == ["k2"]


def test_requested_and_left_organisations_are_not_columns_of_the_grid() -> None:
    grid = responsibilities(
        snap([member("river"), member("oak", "requested"), member("elm", "left"), member("ash", "suspended")])
    )
    assert [o["organisation_id"] for o in grid["organisations"]] == ["river", "ash"]


def test_standing_refuses_a_snapshot_read_without_the_statement_participation() -> None:
    unread = replace(snap([member("river")]), statements=None)  # snapshot(...) without statements=True

    with pytest.raises(ValueError, match="statements=True"):
        standing(unread)
