"""Reassigning a task in a coalition with too many active members for a menu: the facilitator types the name of the
organisation that takes it over, and the rest of the form is kept when the name fits none or several. The world has
two active members, so the limit (`LISTED`) is lowered to one."""

from __future__ import annotations

import html

import pytest

from coalition.web import member_choice
from tests.e2e.pages import signed_in, submit, text
from tests.e2e.world import World


@pytest.fixture
def world(world: World, monkeypatch: pytest.MonkeyPatch) -> World:
    monkeypatch.setattr(member_choice, "LISTED", 1)
    return world


def task_page(world: World) -> str:
    return f"{world.path}/tasks/{world.task}"


def reassign(world: World, person: str = "ana", **data: str) -> tuple[int, str]:
    client = signed_in(world, person)
    response = submit(client, task_page(world), f"{task_page(world)}/reassign", {"reason": "Stretched", **data})
    return response.status_code, html.unescape(text(response))


def holder(world: World) -> str:
    tasks = world.ok("GET", f"{world.path}/responsibilities", "bo")["objectives"][0]["tasks"]
    return str(next(t["organisation_id"] for t in tasks if t["task_id"] == world.task))


def reassign_form(page: str) -> str:
    return page.split('id="reassign-heading"')[1].split("</form>")[0]


def test_a_facilitator_types_the_name_of_the_organisation_that_takes_it_over(world: World) -> None:
    form = reassign_form(html.unescape(text(signed_in(world, "ana").get(task_page(world)))))

    assert 'name="organisation_name"' in form and 'id="reassign-organisation"' not in form
    assert "2 organisations are active members. Type the name of one, or part of it." in form


def test_a_whole_name_gives_the_task_to_that_member(world: World) -> None:
    status, shown = reassign(world, organisation_name=f"green earth{world.tag}")

    assert status == 302, shown
    assert holder(world) == world.green


def test_a_part_of_a_name_asks_which_member_and_keeps_the_choice_when_another_field_is_refused(world: World) -> None:
    head = world.api.head()
    status, shown = reassign(world, organisation_name="green")

    assert status == 400 and "“green” fits 1 active member: choose it below." in shown
    assert world.api.head() == head and holder(world) == world.river
    status, shown = reassign(world, organisation_name="green", organisation_id=world.green, assignee_email="nope")

    assert status == 400 and world.api.head() == head
    menu = reassign_form(shown).split('name="organisation_id"')[1].split("</select>")[0]
    assert f'selected value="{world.green}"' in menu or f'value="{world.green}" selected' in menu
    assert "Stretched</textarea>" in reassign_form(shown)  # the reason is kept
    status, _ = reassign(world, organisation_name="green", organisation_id=world.green)
    assert status == 302 and holder(world) == world.green


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        (" ", "Type the name of an active member."),
        ("Nowhere Trust", "No active member has “Nowhere Trust” in its name. Check the spelling, or type less."),
    ],
)
def test_a_name_that_fits_no_member_is_refused_and_changes_nothing(world: World, typed: str, reason: str) -> None:
    head = world.api.head()
    status, shown = reassign(world, organisation_name=typed)

    assert status == 400 and reason in shown and world.api.head() == head and holder(world) == world.river


def test_a_member_without_a_role_reassigns_nothing_by_name_and_sees_why(world: World) -> None:
    head = world.api.head()
    page = html.unescape(text(signed_in(world, "mo").get(task_page(world))))
    assert 'id="reassign-heading"' not in page  # no form for who may not use it

    status, shown = reassign(world, "mo", organisation_name=f"Green Earth{world.tag}")

    assert status == 403 and world.api.head() == head and "only facilitators may reassign tasks" in shown
