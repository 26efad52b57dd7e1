"""The world recorded once per session is copied whole for each test, and copies never share anything."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.e2e.conftest import CopyWorlds, services


def test_each_copy_holds_the_whole_world_with_its_tokens_and_is_independent(worlds: CopyWorlds) -> None:
    first, second = worlds()[""], worlds()[""]

    assert (first.coalition, first.river, first.api.tokens) == (second.coalition, second.river, second.api.tokens)
    assert first.api.app is not second.api.app
    first.ok("POST", f"{first.path}/members", "olli", {"organisation_id": first.oak})

    assert first.api.head() == second.api.head() + 1
    assert [m["name"] for m in second.ok("GET", second.path, "ana")["members"]] == ["Green Earth", "River Watch"]
    assert services(second.api.app).states is not services(first.api.app).states


def test_a_world_recorded_on_a_day_keeps_that_clock(worlds: CopyWorlds) -> None:
    day = datetime(2027, 1, 15, 10, 0, tzinfo=UTC)
    world = worlds(built_on=day)[""]

    assert services(world.api.app).store.clock() == day
    assert {e.recorded_at.date() for e in services(world.api.app).store.read_all()} == {day.date()}
