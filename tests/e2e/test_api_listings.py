"""What a signed-in person may list through the API: /me with what they hold, their coalitions, organisations
found by name and country; keyset paging with `after`/`next_after`; bad cursors and queries named."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event

from tests.e2e.conftest import services
from tests.e2e.world import AGREEMENT, World, error_of


def listed(world: World, person: str, path: str) -> Any:
    return world.ok("GET", path, person)


# -- /me ------------------------------------------------------------------------------------------------


def test_me_names_the_organisations_administered_and_the_roles_held(world: World) -> None:
    me = listed(world, "ana", "/me")

    assert (me["id"], me["name"], me["email_verified"]) == (world.users["ana"], "Ana Pop", True)
    assert me["organisations"] == [{"id": world.green, "name": "Green Earth", "country": "RO"}]
    assert me["mandates"] == []
    [role] = me["roles"]
    assert (role["role"], role["coalition_id"], role["coalition"], role["organisation_id"]) == (
        "facilitator",
        world.coalition,
        AGREEMENT["name"],
        world.green,
    )


def test_me_names_the_signing_mandates_with_their_organisation(world: World) -> None:
    me = listed(world, "lia", "/me")

    assert me["organisations"] == []
    [mandate] = me["mandates"]
    assert mandate["id"] == world.mandates["lia"]
    assert (mandate["organisation_id"], mandate["organisation"], mandate["title"]) == (
        world.river,
        "River Watch",
        "Programme Lead",
    )
    assert mandate["valid_today"] is True and mandate["revoked_on"] is None
    assert [(r["role"], r["organisation_id"]) for r in me["roles"]] == [("liaison", world.river)]


def test_a_revoked_mandate_is_still_listed_as_not_valid_today(world: World) -> None:
    world.ok("DELETE", f"/organisations/{world.river}/mandates/{world.mandates['mo']}", "bo")

    [mandate] = listed(world, "mo", "/me")["mandates"]

    assert mandate["valid_today"] is False and mandate["revoked_on"] is not None


def test_me_shows_nothing_of_other_people(world: World) -> None:
    me = listed(world, "olli", "/me")

    assert me["organisations"] == [{"id": world.oak, "name": "Oak Institute", "country": "FI"}]
    assert (me["mandates"], me["roles"]) == ([], [])


# -- /coalitions ------------------------------------------------------------------------------------------


def test_a_facilitator_lists_the_coalition_with_their_membership_and_role(world: World) -> None:
    page = listed(world, "ana", "/coalitions")

    [coalition] = page["coalitions"]
    assert (coalition["id"], coalition["name"], coalition["state"]) == (world.coalition, AGREEMENT["name"], "running")
    assert [(m["organisation_id"], m["organisation"], m["state"]) for m in coalition["memberships"]] == [
        (world.green, "Green Earth", "active")
    ]
    assert [r["role"] for r in coalition["roles"]] == ["facilitator"]
    assert page["next_after"] is None


def test_a_member_sees_only_their_own_organisations_membership(world: World) -> None:
    [coalition] = listed(world, "bo", "/coalitions")["coalitions"]

    assert [m["organisation_id"] for m in coalition["memberships"]] == [world.river]
    assert coalition["roles"] == []


def test_someone_whose_organisation_is_not_a_member_lists_nothing(world: World) -> None:
    assert listed(world, "olli", "/coalitions") == {"coalitions": [], "next_after": None}


def test_a_request_to_join_is_listed_with_its_state(world: World) -> None:
    world.ok("POST", f"{world.path}/members", "olli", {"organisation_id": world.oak})

    [coalition] = listed(world, "olli", "/coalitions")["coalitions"]

    assert [m["state"] for m in coalition["memberships"]] == ["requested"]


def test_the_coalitions_are_paged_by_name_with_cursors(world: World) -> None:
    for name in ("Alder Coalition", "Birch Coalition", "Cedar Coalition", "Zeta Coalition"):
        world.ok("POST", "/coalitions", "ana", {**AGREEMENT, "name": name, "organisation_id": world.green})
    seen: list[str] = []
    after: str | None = None
    pages = 0
    while True:
        page = listed(world, "ana", "/coalitions?limit=2" + (f"&after={after}" if after else ""))
        pages += 1
        assert len(page["coalitions"]) <= 2
        seen += [c["name"] for c in page["coalitions"]]
        after = page["next_after"]
        if after is None:
            break
        assert after == page["coalitions"][-1]["id"]

    assert seen == ["Alder Coalition", "Birch Coalition", "Cedar Coalition", AGREEMENT["name"], "Zeta Coalition"]
    assert pages == 3


@pytest.mark.parametrize(
    "query,field",
    [
        ("after=no-such-coalition", "after"),
        ("after=" + "x" * 65, "after"),
        ("limit=0", "limit"),
        ("limit=501", "limit"),
        ("limit=many", "limit"),
    ],
)
def test_a_bad_cursor_or_limit_is_named(world: World, query: str, field: str) -> None:
    error = error_of(world.api.call("GET", f"/coalitions?{query}", world.who("ana")), 422, "invalid")

    assert set(error["fields"]) == {field}


def test_a_cursor_from_someone_elses_list_is_refused(world: World) -> None:
    error = error_of(world.api.call("GET", f"/coalitions?after={world.coalition}", world.who("olli")), 422, "invalid")

    assert "next_after" in error["fields"]["after"][0]


@pytest.mark.parametrize("path", ["/me", "/coalitions", "/organisations", "/organisations?q=green"])
def test_the_lists_need_a_token(world: World, path: str) -> None:
    error_of(world.api.client.get(f"/api/v1{path}"), 401, "unauthorized")
    error_of(
        world.api.client.get(f"/api/v1{path}", headers={"Authorization": "Bearer not-a-token"}), 401, "unauthorized"
    )


# -- /organisations ----------------------------------------------------------------------------------------


def test_organisations_are_found_by_name_whatever_the_case_and_accents(world: World) -> None:
    for q in ("green", "GREEN", "Grëen", "  green   earth ", "EARTH"):
        found = listed(world, "olli", f"/organisations?q={q}")["organisations"]
        assert [o["id"] for o in found] == [world.green], q


def test_an_accented_name_is_found_without_its_accents(world: World) -> None:
    made = world.ok(
        "POST",
        "/organisations",
        "olli",
        {"name": "Asociația Râuri Curate", "country": "RO", "sector": "ngo", "mission": "Rivers"},
    )["id"]

    for q in ("rauri", "RÂURI", "asociatia r"):
        assert [o["id"] for o in listed(world, "bo", f"/organisations?q={q}")["organisations"]] == [made], q


def test_organisations_are_found_by_country(world: World) -> None:
    found = listed(world, "ana", "/organisations?country=fi")["organisations"]

    assert [o["id"] for o in found] == [world.oak]
    assert listed(world, "ana", "/organisations?q=green&country=PL")["organisations"] == []


def test_a_search_shows_only_what_anyone_signed_in_may_see(world: World) -> None:
    [found] = listed(world, "olli", "/organisations?q=river")["organisations"]

    assert found == {
        "id": world.river,
        "name": "River Watch",
        "country": "PL",
        "sector": "community-based",
        "website": None,
    }


def test_every_organisation_is_listed_by_name_page_by_page(world: World) -> None:
    seen: list[str] = []
    page = listed(world, "ana", "/organisations?limit=1")
    seen += [o["name"] for o in page["organisations"]]
    while page["next_after"] is not None:
        page = listed(world, "ana", f"/organisations?limit=1&after={page['next_after']}")
        seen += [o["name"] for o in page["organisations"]]

    assert seen == ["Green Earth", "Oak Institute", "River Watch"]


@pytest.mark.parametrize(
    "query,field",
    [
        ("q=" + "g" * 201, "q"),
        ("country=XX", "country"),
        ("after=nobody", "after"),
        ("limit=-1", "limit"),
    ],
)
def test_a_bad_search_is_named(world: World, query: str, field: str) -> None:
    error = error_of(world.api.call("GET", f"/organisations?{query}", world.who("ana")), 422, "invalid")

    assert set(error["fields"]) == {field}


# -- one query per list ------------------------------------------------------------------------------------


def statements_run(world: World, person: str, path: str) -> int:
    """How many SQL statements answering `path` takes."""
    engine = services(world.api.app).engine
    ran: list[str] = []

    def count(*_: Any) -> None:
        ran.append("")

    event.listen(engine, "before_cursor_execute", count)
    try:
        listed(world, person, path)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(ran)


@pytest.mark.parametrize("path", ["/coalitions", "/organisations?q=coalition", "/me"])
def test_a_longer_list_takes_no_more_queries(world: World, path: str) -> None:
    statements_run(world, "ana", path)  # once first: the token's first use of the day is written down then, not later
    few = statements_run(world, "ana", path)
    for number in range(4):
        name = f"Coalition {number}"
        world.ok("POST", "/coalitions", "ana", {**AGREEMENT, "name": name, "organisation_id": world.green})
        world.ok(
            "POST",
            "/organisations",
            "ana",
            {"name": f"Coalition Org {number}", "country": "RO", "sector": "ngo", "mission": "More"},
        )

    assert statements_run(world, "ana", path) == few
