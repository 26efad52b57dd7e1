"""The API's responsibilities a page of organisations at a time (`limit`, `after`): each page holds its organisations'
commitments and tasks, while whether an objective is taken on is the whole coalition's; together the pages hold what
the whole answer holds. Without `limit`, the answer is the whole, as before."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.world import World, error_of


def pages(world: World, person: str, limit: int, as_of: str = "") -> list[dict[str, Any]]:
    found, after = [], ""
    while True:
        query = f"?limit={limit}" + (f"&after={after}" if after else "") + (f"&as_of={as_of}" if as_of else "")
        page = world.ok("GET", f"{world.path}/responsibilities{query}", person)
        found.append(page)
        if page["next_after"] is None:
            return found
        after = page["next_after"]


def work_of(answer: dict[str, Any], kind: str) -> list[str]:
    key = "commitment_id" if kind == "commitments" else "task_id"
    listed = [w[key] for o in answer["objectives"] for w in o[kind]] + [w[key] for w in answer["unlinked"][kind]]
    return sorted(listed)


def test_the_pages_together_hold_the_whole_answer_and_each_knows_what_is_uncovered(world: World) -> None:
    world.ok(
        "POST",
        f"{world.path}/commitments",
        "ana",
        {"organisation_id": world.green, "kind": "outreach", "description": "Radio spots", "due_on": "2027-09-01"},
    )
    whole = world.ok("GET", f"{world.path}/responsibilities", "bo")

    one_each = pages(world, "bo", 1)

    assert len(one_each) == 2 and [p["total"] for p in one_each] == [2, 2]
    ids = sorted([world.green, world.river])
    assert [[o["organisation_id"] for o in p["organisations"]] for p in one_each] == [[ids[0]], [ids[1]]]
    for kind in ("commitments", "tasks"):
        assert sorted(sum((work_of(p, kind) for p in one_each), [])) == work_of(whole, kind)
    assert all(p["uncovered"] == whole["uncovered"] == ["o2"] for p in one_each)  # o1 is River Watch's, on one page
    assert "next_after" not in whole and "total" not in whole
    assert pages(world, "bo", 2)[0]["next_after"] is None


def test_a_page_as_of_a_past_position_reads_that_moment(world: World) -> None:
    head = world.api.head()
    world.ok("POST", f"{world.path}/commitments/{world.commitment}/withdraw", "bo", {"reason": "Budget cut"})
    world.ok("POST", f"{world.path}/tasks/{world.task}/drop", "ana", {"reason": "No commitment left"})

    now, then = pages(world, "ana", 1), pages(world, "ana", 1, as_of=str(head))

    assert all(p["uncovered"] == ["o1", "o2"] for p in now) and all(p["uncovered"] == ["o2"] for p in then)
    assert all(p["position"] == head for p in then)


@pytest.mark.parametrize(
    ("query", "field"),
    [("?limit=0", "limit"), ("?limit=1001", "limit"), ("?limit=x", "limit"), ("?limit=1&after=" + "x" * 300, "after")],
)
def test_a_bad_page_is_refused_with_the_field_to_fix(world: World, query: str, field: str) -> None:
    error = error_of(world.api.call("GET", f"{world.path}/responsibilities{query}", world.who("bo")), 422, "invalid")

    assert field in error["fields"]


def test_outsiders_read_no_page(world: World) -> None:
    error_of(world.api.call("GET", f"{world.path}/responsibilities?limit=1", world.who("olli")), 403, "forbidden")


def test_a_task_serving_another_pages_commitment_stays_under_its_objective(world: World) -> None:
    world.ok("POST", f"{world.path}/tasks/{world.task}/reassign", "ana", {"organisation_id": world.green})
    whole = world.ok("GET", f"{world.path}/responsibilities", "bo")
    assert [t["task_id"] for t in whole["objectives"][0]["tasks"]] == [world.task]

    green = next(p for p in pages(world, "bo", 1) if p["organisations"][0]["organisation_id"] == world.green)

    assert [t["task_id"] for t in green["objectives"][0]["tasks"]] == [world.task]  # River Watch's pledge is o1's
    assert green["unlinked"]["tasks"] == [] and green["objectives"][0]["commitments"] == []


def test_a_next_page_without_limit_is_refused(world: World) -> None:
    path = f"{world.path}/responsibilities?after={world.river}"
    error = error_of(world.api.call("GET", path, world.who("bo")), 422, "invalid")

    assert "only with `limit`" in error["fields"]["after"][0]
