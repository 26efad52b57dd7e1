"""Dividing out a task in a coalition with too many active members for a menu: the facilitator types the name of the
organisation that does it, and the rest of the form is kept when the name fits none or several. The world has two
active members, so the limit (`LISTED`) is lowered to one; a liaison, who tasks only their own organisation, keeps
the menu."""

from __future__ import annotations

import html
from typing import Any

import pytest

from coalition.web import member_choice
from tests.e2e.pages import signed_in, submit, text
from tests.e2e.world import World

TASK = {"title": "Draft the outline", "description": "Two pages", "due_on": "2027-02-15", "commitment_id": ""}


@pytest.fixture
def world(world: World, monkeypatch: pytest.MonkeyPatch) -> World:
    monkeypatch.setattr(member_choice, "LISTED", 1)
    return world


def divide(world: World, person: str = "ana", **data: str) -> tuple[int, str]:
    client = signed_in(world, person)
    response = submit(client, f"{world.path}/work", f"{world.path}/tasks", {**TASK, **data})
    return response.status_code, html.unescape(text(response))


def outlines(world: World) -> list[dict[str, Any]]:
    """The tasks titled as TASK's."""
    tasks = world.ok("GET", f"{world.path}/responsibilities", "bo")["unlinked"]["tasks"]
    return [t for t in tasks if t["title"] == TASK["title"]]


def test_a_facilitator_types_the_organisations_name_a_liaison_keeps_the_menu(world: World) -> None:
    facilitator = html.unescape(text(signed_in(world, "ana").get(f"{world.path}/work")))
    liaison = html.unescape(text(signed_in(world, "lia").get(f"{world.path}/work")))

    task_form = facilitator.split('id="task-heading"')[1]
    assert 'name="organisation_name"' in task_form and 'id="task-organisation"' not in task_form
    assert "2 organisations are active members. Type the name of one, or part of it." in task_form
    assert 'id="task-organisation"' in liaison.split('id="task-heading"')[1]


def test_a_whole_name_divides_out_the_task_to_that_member(world: World) -> None:
    status, shown = divide(world, organisation_name=f"river watch{world.tag}")

    assert status == 302, shown
    assert [t["organisation_id"] for t in outlines(world)] == [world.river]


def test_a_part_of_a_name_asks_which_member_and_keeps_the_choice_when_another_field_is_refused(world: World) -> None:
    status, shown = divide(world, organisation_name="river")

    assert status == 400 and "“river” fits 1 active member: choose it below." in shown and not outlines(world)
    status, shown = divide(world, organisation_name="river", organisation_id=world.river, due_on="someday")

    assert status == 400 and not outlines(world)
    menu = shown.split('id="task-heading"')[1].split('name="organisation_id"')[1].split("</select>")[0]
    assert f'selected value="{world.river}"' in menu or f'value="{world.river}" selected' in menu
    status, _ = divide(world, organisation_name="river", organisation_id=world.river)
    assert status == 302 and [t["organisation_id"] for t in outlines(world)] == [world.river]


def test_an_empty_name_is_refused_and_the_rest_is_kept(world: World) -> None:
    status, shown = divide(world, organisation_name=" ")

    assert status == 400 and "Type the name of an active member." in shown and 'value="Draft the outline"' in shown


def test_a_member_without_a_role_divides_out_nothing_by_name_and_sees_why(world: World) -> None:
    head = world.api.head()

    status, shown = divide(world, "mo", organisation_name=f"River Watch{world.tag}")

    assert status == 403 and world.api.head() == head  # the domain refuses it, and says why
    assert "only facilitators or the liaison of the assignee organisation may create tasks" in shown


def test_a_name_that_fits_several_keeps_the_form_and_offers_them(world: World) -> None:
    head = world.api.head()

    status, shown = divide(world, organisation_name="e")

    assert status == 400 and world.api.head() == head
    assert "“e” fits 2 active members: choose one below, or type more of the name." in shown
    assert 'value="Draft the outline"' in shown and "Two pages" in shown  # what was typed is kept
    status, _ = divide(world, organisation_name="e", organisation_id=world.green)
    assert status == 302 and [t["organisation_id"] for t in outlines(world)] == [world.green]


def test_a_name_no_member_has_is_refused(world: World) -> None:
    head = world.api.head()

    status, shown = divide(world, organisation_name="Lake Guardians")

    assert status == 400 and world.api.head() == head
    assert "No active member has “Lake Guardians” in its name. Check the spelling, or type less." in shown
