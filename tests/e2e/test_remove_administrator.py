"""Removing an administrator of an organisation, through the API and the organisation page: never the last one."""

from __future__ import annotations

from tests.e2e.pages import csrf, signed_in, submit, text
from tests.e2e.world import World, error_of


def admins(world: World, person: str = "bo") -> list[str]:
    return sorted(a["user_id"] for a in world.ok("GET", f"/organisations/{world.river}", person)["administrators"])


def add_mo(world: World) -> None:
    world.ok("POST", f"/organisations/{world.river}/administrators", "bo", {"email": world.email("mo")})


def test_an_administrator_removes_another_through_the_api(world: World) -> None:
    add_mo(world)
    head = world.api.head()
    answer = world.ok("DELETE", f"/organisations/{world.river}/administrators/{world.users['mo']}", "bo")

    assert answer == {"id": world.river, "user_id": world.users["mo"]}
    assert admins(world) == [world.users["bo"]] and world.api.head() == head + 1
    [removed] = [e for e in world.api.app.extensions["coalition"].store.read_all() if e.type == "AdministratorRemoved"]
    assert removed.payload == {"organisation_id": world.river, "user_id": world.users["mo"]}
    assert removed.metadata.actor_id == world.users["bo"]


def test_the_last_administrator_is_refused_with_a_409_and_nothing_is_recorded(world: World) -> None:
    head = world.api.head()
    refused = error_of(
        world.api.call("DELETE", f"/organisations/{world.river}/administrators/{world.users['bo']}", world.who("bo")),
        409,
        "conflict",
    )

    assert refused["message"] == (
        "an organisation always keeps at least one administrator: this is the last one of River Watch; "
        "add another administrator first"
    )
    assert world.api.head() == head and admins(world) == [world.users["bo"]]


def test_only_administrators_remove_and_only_administrators_are_removed(world: World) -> None:
    add_mo(world)
    head = world.api.head()
    path = f"/organisations/{world.river}/administrators"

    error_of(world.api.call("DELETE", f"{path}/{world.users['bo']}", world.who("lia")), 403, "forbidden")
    error_of(world.api.call("DELETE", f"{path}/{world.users['lia']}", world.who("bo")), 404, "not_found")
    error_of(
        world.api.call("DELETE", f"/organisations/nope/administrators/{world.users['bo']}", world.who("bo")),
        404,
        "not_found",
    )
    error_of(world.api.call("DELETE", f"{path}/{world.users['bo']}"), 401, "unauthorized")
    assert world.api.head() == head


def test_an_administrator_may_step_down_while_another_remains(world: World) -> None:
    add_mo(world)
    world.ok("DELETE", f"/organisations/{world.river}/administrators/{world.users['bo']}", "bo")

    assert admins(world, "mo") == [world.users["mo"]]
    error_of(world.api.call("GET", f"/organisations/{world.river}/invitations", world.who("bo")), 403, "forbidden")


def test_the_page_offers_removal_only_while_two_remain_and_removes(world: World) -> None:
    client = signed_in(world, "bo")
    page = f"/organisations/{world.river}"
    assert "/remove" not in text(client.get(page)).split("add-administrator-heading")[0]
    add_mo(world)
    assert "Remove Mo Zielinski as administrator" in text(client.get(page))
    assert "Stop being an administrator" in text(client.get(page))

    response = submit(client, page, f"{page}/administrators/{world.users['mo']}/remove", {})

    assert response.status_code == 302
    assert "The administrator was removed" in text(client.get(page))
    assert admins(world) == [world.users["bo"]]


def test_the_page_refuses_the_last_administrator_in_romanian(world: World) -> None:
    client = signed_in(world, "bo")
    client.post("/language", data={"csrf_token": csrf(client, "/"), "locale": "ro", "next": "/"})
    page = f"/organisations/{world.river}"
    head = world.api.head()

    response = submit(client, page, f"{page}/administrators/{world.users['bo']}/remove", {})

    assert response.status_code == 409
    assert "o organizație păstrează întotdeauna cel puțin un administrator" in text(response)
    assert world.api.head() == head
    assert client.post(f"{page}/administrators/{world.users['bo']}/remove").status_code == 400  # no CSRF token
