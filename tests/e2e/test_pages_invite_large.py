"""Inviting an organisation where too many are outside the coalition to list them in a menu: the facilitator types
its name, a whole name invites that one, and a part of a name (or a name two organisations share) offers those it
fits to choose from. The world has few organisations, so the limit (`members.LISTED`) is lowered to one."""

from __future__ import annotations

import html

import pytest

from coalition.web.pages.membership import members as page
from tests.e2e.pages import signed_in, submit, text
from tests.e2e.test_pages_membership import members
from tests.e2e.world import World


@pytest.fixture
def world(world: World, monkeypatch: pytest.MonkeyPatch) -> World:
    """Four organisations outside the coalition (Oak Institute of Finland and its namesake of Poland, Oakwood
    Trust, Lake Guardians), counted as too many for a menu."""
    monkeypatch.setattr(page, "LISTED", 1)
    for name, country in (("Oak Institute", "PL"), ("Oakwood Trust", "RO"), ("Lake Guardians", "BG")):
        world.ok(
            "POST",
            "/organisations",
            "olli",
            {"name": name + world.tag, "country": country, "sector": "ngo", "mission": "Research"},
        )
    return world


def outside(world: World) -> dict[str, str]:
    """The organisations outside the coalition by name (and country): id."""
    mine = members(world)
    listed = world.ok("GET", "/organisations?limit=100", "ana")["organisations"]
    return {f"{o['name']} ({o['country']})": o["id"] for o in listed if o["id"] not in mine}


def invite(world: World, **data: str) -> tuple[int, str]:
    ana = signed_in(world, "ana")
    path = f"{world.path}/members"
    response = submit(ana, path, f"{path}/invite", data)
    return response.status_code, html.unescape(text(response))


def test_the_invitation_asks_for_a_name_not_a_menu_of_every_organisation(world: World) -> None:
    shown = html.unescape(text(signed_in(world, "ana").get(f"{world.path}/members")))

    assert 'name="organisation"' in shown and 'name="organisation_id"' not in shown and "<option" not in shown
    assert "4 organisations registered here are not members. Type the name of one, or part of it." in shown


def test_a_whole_name_invites_that_organisation_case_and_spaces_ignored(world: World) -> None:
    trust = outside(world)["Oakwood Trust (RO)"]

    status, _ = invite(world, organisation="  OAKWOOD   trust ")

    assert status == 302 and members(world)[trust] == "invited"


def test_part_of_a_name_offers_those_it_fits_and_invites_the_one_chosen(world: World) -> None:
    head = world.api.head()
    status, shown = invite(world, organisation="oak")

    assert status == 400 and world.api.head() == head  # nothing invited yet
    assert "“oak” fits 3 organisations outside the coalition: choose one below." in shown
    for name in ("Oak Institute (Finland)", "Oak Institute (Poland)", "Oakwood Trust (Romania)"):
        assert f"Invite {name}" in shown
    assert "Lake Guardians" not in shown
    assert 'aria-describedby="organisation-hint organisation-errors invite-choices"' in shown
    polish = outside(world)["Oak Institute (PL)"]

    status, _ = invite(world, organisation="oak", organisation_id=polish)

    assert status == 302 and members(world)[polish] == "invited"
    assert world.oak not in members(world)  # its Finnish namesake was not


def test_a_name_two_organisations_share_asks_which(world: World) -> None:
    head = world.api.head()
    status, shown = invite(world, organisation="Oak Institute")

    assert status == 400 and world.api.head() == head
    assert "“Oak Institute” fits 2 organisations outside the coalition: choose one below." in shown
    assert "Invite Oak Institute (Finland)" in shown and "Invite Oak Institute (Poland)" in shown
    assert "Oakwood" not in shown  # a whole name is found before the names that hold it


def test_a_name_that_fits_no_one_outside_is_refused_a_members_too(world: World) -> None:
    head = world.api.head()
    for name in ("Sea Shepherds", "River Watch"):  # River Watch is a member: it cannot be invited
        status, shown = invite(world, organisation=name)
        assert status == 400 and f"No organisation outside the coalition has “{name}” in its name." in shown
    status, shown = invite(world, organisation="  ")
    assert status == 400 and "Type the name of the organisation to invite." in shown
    status, shown = invite(world, organisation="x" * 201)
    assert status == 400 and 'id="organisation-errors"' in shown
    assert world.api.head() == head


def test_a_member_chosen_by_id_is_refused(world: World) -> None:
    head = world.api.head()
    status, shown = invite(world, organisation="River", organisation_id=world.river)

    assert status == 400 and world.api.head() == head
    assert "The organisation chosen is a member or invited already, or no longer on Coalition." in shown


def test_a_name_that_fits_more_than_are_offered_says_how_many_more(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(page, "OFFERED", 1)

    status, shown = invite(world, organisation="oak")

    assert status == 400 and shown.count('<button type="submit" class="small">Invite ') == 1
    assert "And 2 more: type more of the name to find yours." in shown


def test_few_organisations_outside_keep_the_menu_and_none_says_so(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(page, "LISTED", 200)
    menu = text(signed_in(world, "ana").get(f"{world.path}/members"))
    assert 'name="organisation_id"' in menu and menu.count("<option") == 4
    for organisation_id in outside(world).values():
        assert invite(world, organisation_id=organisation_id)[0] == 302
    done = text(signed_in(world, "ana").get(f"{world.path}/members"))
    assert "Every organisation registered here is already a member or invited." in done


def test_a_name_typed_is_read_as_typed_even_once_the_organisations_outside_fit_a_menu_again(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The page offered a name to type; before it was sent, the organisations outside came under the limit: the
    name is still read, and its refusal shown on the field it was typed in."""
    monkeypatch.setattr(page, "LISTED", 200)

    status, shown = invite(world, organisation="oak")
    assert status == 400 and "“oak” fits 3 organisations outside the coalition: choose one below." in shown
    assert 'name="organisation"' in shown and "<option" not in shown
    trust = outside(world)["Oakwood Trust (RO)"]
    status, _ = invite(world, organisation="oakwood trust")
    assert status == 302 and members(world)[trust] == "invited"
