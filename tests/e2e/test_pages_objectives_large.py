"""Recording an objective's progress in a coalition with too many active members for a menu: the facilitator types
the name of the organisation whose work the value counts, or leaves it empty for the coalition as a whole. The world
has two active members, so the limit (`LISTED`) is lowered to one; a liaison, who records for their own
organisation only, keeps the menu."""

from __future__ import annotations

import html

import pytest

from coalition.web import member_choice
from tests.e2e.pages import signed_in, submit, text
from tests.e2e.test_api_objectives import day, measured
from tests.e2e.world import World


@pytest.fixture
def world(world: World, monkeypatch: pytest.MonkeyPatch) -> World:
    monkeypatch.setattr(member_choice, "LISTED", 1)
    measured(world)
    return world


def record(world: World, **data: str) -> tuple[int, str]:
    client = signed_in(world, "ana")
    path = f"{world.path}/objectives/o1"
    response = submit(client, path, f"{path}/progress", {"value": "18", "as_of": day(world, 0), **data})
    return response.status_code, html.unescape(text(response))


def points(world: World) -> list[str | None]:
    """Whose work each of o1's points counts (None: the coalition as a whole)."""
    [o1] = [o for o in world.ok("GET", f"{world.path}/objectives", "ana")["objectives"] if o["objective_id"] == "o1"]
    return [p["organisation_id"] for p in o1["points"]]


def test_a_facilitator_types_a_name_a_liaison_keeps_the_menu(world: World) -> None:
    facilitator = html.unescape(text(signed_in(world, "ana").get(f"{world.path}/objectives/o1")))
    liaison = text(signed_in(world, "lia").get(f"{world.path}/objectives/o1"))

    assert 'name="organisation_name"' in facilitator and 'id="progress-organisation"' not in facilitator
    assert "Type the name of one, or part of it. Leave it empty for the coalition as a whole." in facilitator
    assert 'id="progress-organisation"' in liaison and 'name="organisation_name"' not in liaison


def test_no_name_records_for_the_coalition_as_a_whole(world: World) -> None:
    status, shown = record(world, organisation_name="")

    assert status == 302, shown
    assert points(world) == [None]


def test_a_whole_name_records_for_that_member(world: World) -> None:
    status, shown = record(world, organisation_name=f"river watch{world.tag}")

    assert status == 302, shown
    assert points(world) == [world.river]


def test_a_part_of_a_name_asks_which_member_and_records_for_the_one_chosen(world: World) -> None:
    status, shown = record(world, organisation_name="e")

    assert status == 400 and points(world) == []
    assert "“e” fits 2 active members: choose one below, or type more of the name." in shown
    status, _ = record(world, organisation_name="e", organisation_id=world.green)
    assert status == 302 and points(world) == [world.green]


def test_a_name_no_member_has_is_refused(world: World) -> None:
    status, shown = record(world, organisation_name="Lake Guardians")

    assert status == 400 and points(world) == []
    assert "No active member has “Lake Guardians” in its name. Check the spelling, or type less." in shown
