"""Leaving a coalition with too many active members for a menu: each task is handed over to a member whose name the
leaving organisation types, and the rest of the form is kept when a name fits none or several. The world has two
active members, so the limit (`LISTED`) is lowered to one. River Watch leaves with its commitment (withdrawn) and its
task (handed over to Green Earth)."""

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


def confirm(world: World) -> str:
    return f"{world.path}/members/{world.river}/leave"


def leave(world: World, task: dict[str, str], person: str = "bo") -> tuple[int, str]:
    sent = {
        "reason": "Merging",
        "dispositions-0-item": world.commitment,
        "dispositions-0-action": "withdraw",
        "dispositions-0-reason": "We merge",
        "dispositions-1-item": world.task,
        **{f"dispositions-1-{key}": value for key, value in task.items()},
    }
    response = submit(signed_in(world, person), confirm(world), confirm(world), sent)
    return response.status_code, html.unescape(text(response))


def task_row(page: str) -> str:
    return page.split('name="dispositions-1-item"')[1].split("</fieldset>")[0]


def types(world: World) -> list[str]:
    return [e["type"] for e in world.ok("GET", f"{world.path}/events", "ana")["events"]]


def test_the_leave_page_asks_for_the_name_of_the_member_a_task_goes_to(world: World) -> None:
    page = html.unescape(text(signed_in(world, "bo").get(confirm(world))))

    row = task_row(page)
    assert 'name="dispositions-1-to_name"' in row and 'name="dispositions-1-to"' not in row
    assert "2 organisations are active members. Type the name of one, or part of it." in row


def test_a_whole_name_hands_the_task_over_to_that_member(world: World) -> None:
    task = {"action": "hand_over", "to_name": f"green earth{world.tag}", "reason": "Green Earth carries on"}
    status, shown = leave(world, task)

    assert status == 302, shown
    reassigned = next(
        e for e in world.ok("GET", f"{world.path}/events", "ana")["events"] if e["type"] == "TaskReassigned"
    )
    assert reassigned["payload"]["organisation_id"] == world.green and types(world)[-1] == "MemberLeft"


def test_a_part_of_a_name_asks_which_member_and_keeps_the_rest_of_the_form(world: World) -> None:
    head = world.api.head()
    status, shown = leave(world, {"action": "hand_over", "to_name": "green", "reason": "Green Earth carries on"})

    assert status == 400 and world.api.head() == head
    row = task_row(shown)
    assert "“green” fits 1 active member: choose it below." in row and "Green Earth carries on</textarea>" in row
    assert f'value="{world.green}"' in row.split('name="dispositions-1-to"')[1].split("</select>")[0]
    chosen = {"action": "hand_over", "to_name": "green", "to": world.green, "reason": "Green Earth carries on"}
    status, shown = leave(world, chosen)
    assert status == 302, shown
    assert types(world)[-1] == "MemberLeft"


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("", "Type the name of an active member."),
        ("Nowhere Trust", "No active member has “Nowhere Trust” in its name. Check the spelling, or type less."),
    ],
)
def test_a_name_that_fits_no_member_is_refused_and_nothing_is_recorded(world: World, typed: str, reason: str) -> None:
    head = world.api.head()
    status, shown = leave(world, {"action": "hand_over", "to_name": typed, "reason": "Carry on"})

    assert status == 400 and reason in task_row(shown) and world.api.head() == head


def test_a_dropped_task_needs_no_name(world: World) -> None:
    status, shown = leave(world, {"action": "drop", "to_name": "", "reason": "No longer needed"})

    assert status == 302, shown
    assert "TaskDropped" in types(world) and types(world)[-1] == "MemberLeft"


def test_a_refused_form_with_a_dropped_task_comes_back_with_the_reason(world: World) -> None:
    head = world.api.head()
    status, shown = leave(world, {"action": "drop", "to_name": "", "reason": ""})

    assert status == 422 and "reason is required" in shown and world.api.head() == head
    assert 'name="dispositions-1-to_name"' in task_row(shown)


def test_a_task_is_not_handed_over_to_the_organisation_that_leaves(world: World) -> None:
    head = world.api.head()
    status, shown = leave(world, {"action": "hand_over", "to_name": f"River Watch{world.tag}", "reason": "Carry on"})

    assert status == 400 and "Not to the organisation that leaves: name another member." in task_row(shown)
    assert world.api.head() == head
    status, shown = leave(world, {"action": "hand_over", "to_name": "river", "reason": "Carry on"})
    assert status == 400 and "No active member has “river” in its name." in task_row(shown)


def test_a_member_that_shares_the_leaving_organisations_name_may_take_the_task(world: World) -> None:
    twin = world.ok(
        "POST",
        "/organisations",
        "olli",
        {"name": f"River Watch{world.tag}", "country": "FI", "sector": "ngo", "mission": "Watch another river"},
    )["id"]
    world.ok("POST", f"{world.path}/members", "olli", {"organisation_id": twin})
    world.ok("POST", f"{world.path}/members/{twin}/approve", "ana", {})

    status, shown = leave(world, {"action": "hand_over", "to_name": f"River Watch{world.tag}", "reason": "Carry on"})

    assert status == 302, shown
    events = world.ok("GET", f"{world.path}/events", "ana")["events"]
    assert next(e for e in events if e["type"] == "TaskReassigned")["payload"]["organisation_id"] == twin
