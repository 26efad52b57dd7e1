"""Giving a role in a coalition with too many active members for a menu: the facilitator types the organisation's
name; a whole name, or a part that fits one member only, gives the role for it, and a part that fits several offers
those it fits to choose from. The world has two active members, so the limit (`LISTED`) is lowered to one."""

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


def give(world: World, **data: str) -> tuple[int, str]:
    ana = signed_in(world, "ana")
    path = f"{world.path}/roles"
    response = submit(ana, path, path, {"email": world.email("mo"), "role": "endorser", **data})
    return response.status_code, html.unescape(text(response))


def endorsers(world: World) -> list[tuple[str, str]]:
    """(user, organisation) of every endorser role now."""
    roles = world.ok("GET", world.path, "ana")["roles"]
    return [(r["user_id"], r["organisation_id"]) for r in roles if r["role"] == "endorser"]


def test_the_form_asks_for_a_name_not_a_menu_of_every_member(world: World) -> None:
    shown = html.unescape(text(signed_in(world, "ana").get(f"{world.path}/roles")))

    assert 'name="organisation_name"' in shown and 'name="organisation_id"' not in shown
    assert "2 organisations are active members. Type the name of one, or part of it." in shown


def test_a_whole_name_gives_the_role_case_and_spaces_ignored(world: World) -> None:
    status, shown = give(world, organisation_name=f"  RIVER   watch{world.tag} ")

    assert status == 302, shown
    assert endorsers(world) == [(world.users["mo"], world.river)]


def test_a_part_of_a_name_is_never_taken_for_a_member_without_choosing_it(world: World) -> None:
    head = world.api.head()
    status, shown = give(world, organisation_name="river")

    assert status == 400 and world.api.head() == head
    assert "“river” fits 1 active member: choose it below." in shown
    assert f"River Watch{world.tag} (Poland)" in shown.split('name="organisation_id"')[1].split("</select>")[0]

    status, _ = give(world, organisation_name="river", organisation_id=world.river)

    assert status == 302 and endorsers(world) == [(world.users["mo"], world.river)]


def test_the_organisation_chosen_is_kept_when_another_field_is_refused(world: World) -> None:
    status, shown = give(world, organisation_name="e", organisation_id=world.river, email="not an address")

    assert status == 400
    menu = shown.split('name="organisation_id"')[1].split("</select>")[0]
    assert f'selected value="{world.river}"' in menu or f'value="{world.river}" selected' in menu
    assert "Green Earth" in menu  # the others the name fits are still offered


def test_someone_who_does_not_facilitate_gives_no_role_by_name(world: World) -> None:
    head = world.api.head()
    client = signed_in(world, "mo")
    path = f"{world.path}/roles"

    response = submit(
        client,
        path,
        path,
        {"email": world.email("mo"), "role": "endorser", "organisation_name": f"River Watch{world.tag}"},
    )

    assert response.status_code == 403 and world.api.head() == head


def test_a_part_that_fits_several_offers_them_and_gives_the_role_for_the_one_chosen(world: World) -> None:
    head = world.api.head()
    status, shown = give(world, organisation_name="e")

    assert status == 400 and world.api.head() == head  # nothing given yet
    assert "“e” fits 2 active members: choose one below, or type more of the name." in shown
    assert "The organisation you mean" in shown and shown.count("On behalf of") == 1  # one label per field
    menu = shown.split('name="organisation_id"')[1].split("</select>")[0]
    assert "(choose one)" in menu and "Green Earth" in menu and "River Watch" in menu

    status, _ = give(world, organisation_name="e", organisation_id=world.river)

    assert status == 302 and endorsers(world) == [(world.users["mo"], world.river)]


def test_a_name_no_member_has_is_refused_and_records_nothing(world: World) -> None:
    head = world.api.head()

    status, shown = give(world, organisation_name="Lake Guardians")

    assert status == 400 and world.api.head() == head
    assert "No active member has “Lake Guardians” in its name. Check the spelling, or type less." in shown
    assert 'name="organisation_name"' in shown and 'aria-invalid="true"' in shown


def test_an_empty_name_is_refused(world: World) -> None:
    status, shown = give(world, organisation_name="  ")

    assert status == 400 and "Type the name of an active member." in shown


def test_a_chosen_organisation_that_is_no_longer_an_active_member_is_refused(world: World) -> None:
    status, shown = give(world, organisation_name="e", organisation_id=world.oak)  # never a member

    assert status == 400 and "The organisation chosen is no longer an active member. Type its name again." in shown
