"""Closing my account: confirmed by my password; refused while I am the last administrator of an organisation or
the last facilitator of a coalition; otherwise my places end (events), my sessions and tokens end, and sign-in is
refused with a clear message. Through the API and the pages.

In the world: Lia holds a River Watch mandate and its liaison role, Mo a River Watch mandate, Bo administers River
Watch alone, Ana administers Green Earth alone and is the coalition's only facilitator, Olli administers Oak alone.
"""

from __future__ import annotations

from typing import Any

from tests.e2e.conftest import services
from tests.e2e.pages import csrf, signed_in, submit, text
from tests.e2e.world import PASSWORD, World, error_of

PAGE = "/account/close"


def close(world: World, person: str, password: str = PASSWORD) -> Any:
    return world.api.call("POST", "/me/close", world.who(person), {"password": password})


def events_since(world: World, head: int) -> list[Any]:
    return [e for e in services(world.api.app).store.read_all() if e.position > head]


def signed_in_now(client: Any) -> bool:
    response = client.get("/account/sessions")
    return response.status_code == 200


def test_closing_ends_my_places_sessions_and_tokens_and_records_it(world: World) -> None:
    browser = signed_in(world, "lia")
    spare = world.api.call("POST", "/tokens", body={"email": world.email("lia"), "password": PASSWORD}).json
    head = world.api.head()

    answer = close(world, "lia")

    assert answer.status_code == 200, answer.json
    recorded = events_since(world, head)
    assert [e.type for e in recorded] == [
        "MandateRevoked",
        "RoleRemoved",
        "AccountClosed",
        "ApiTokenRevoked",
        "ApiTokenRevoked",
    ]
    assert recorded[0].payload["mandate_id"] == world.mandates["lia"]
    assert recorded[1].payload["reason"] == "the person closed their account"
    assert recorded[2].stream_id == f"user-{world.users['lia']}" and recorded[2].payload == {
        "user_id": world.users["lia"]
    }
    assert {e.metadata.actor_id for e in recorded} == {world.users["lia"]}
    assert not signed_in_now(browser)
    error_of(world.api.call("GET", "/me", world.who("lia")), 401, "unauthorized")
    assert world.api.client.get("/api/v1/me", headers={"Authorization": f"Bearer {spare['token']}"}).status_code == 401
    coalition = world.ok("GET", world.path, "ana")
    assert [r for r in coalition["roles"] if r["role"] == "liaison"] == []
    river = world.ok("GET", f"/organisations/{world.river}", "bo")
    [mandate] = [m for m in river["mandates"] if m["id"] == world.mandates["lia"]]
    assert mandate["revoked_on"] is not None and mandate["name"] == "Lia Kowal"  # the name stays as it is


def test_sign_in_is_refused_with_a_clear_message_afterwards(world: World) -> None:
    assert close(world, "mo").status_code == 200

    token = world.api.call("POST", "/tokens", body={"email": world.email("mo"), "password": PASSWORD})
    refused = error_of(token, 403, "forbidden")
    assert (
        refused["message"].startswith("this account was closed on ") and "can no longer sign in" in refused["message"]
    )
    client = world.api.app.test_client()
    page = client.post(
        "/login", data={"csrf_token": csrf(client, "/login"), "email": world.email("mo"), "password": PASSWORD}
    )
    assert page.status_code == 403 and "this account was closed on" in text(page)
    wrong = world.api.call("POST", "/tokens", body={"email": world.email("mo"), "password": "not the password"})
    error_of(wrong, 401, "unauthorized")  # without the password nobody learns the account is closed


def test_a_closed_account_is_given_no_new_place(world: World) -> None:
    assert close(world, "mo").status_code == 200
    head = world.api.head()

    refused = error_of(
        world.api.call(
            "POST",
            f"/organisations/{world.river}/mandates",
            world.who("bo"),
            {"email": world.email("mo"), "title": "Adviser"},
        ),
        409,
        "conflict",
    )

    assert "is closed" in refused["message"] and world.api.head() == head


def test_the_last_administrator_is_refused_with_what_to_do_and_nothing_changes(world: World) -> None:
    browser = signed_in(world, "bo")
    head = world.api.head()

    refused = error_of(close(world, "bo"), 409, "conflict")

    assert refused["message"] == (
        "you are the last administrator of River Watch: make someone else its administrator first, "
        "then close your account"
    )
    assert world.api.head() == head and signed_in_now(browser)
    assert world.ok("GET", "/me", "bo")["id"] == world.users["bo"]


def test_the_last_facilitator_is_refused_with_what_to_do(world: World) -> None:
    world.ok("POST", f"/organisations/{world.green}/administrators", "ana", {"email": world.email("olli")})
    head = world.api.head()

    refused = error_of(close(world, "ana"), 409, "conflict")

    assert "you hold the last facilitator role of Danube Rivers Coalition" in refused["message"]
    assert world.api.head() == head


def test_a_wrong_password_is_refused_and_nothing_changes(world: World) -> None:
    head = world.api.head()

    error_of(close(world, "mo", "not my password"), 403, "forbidden")
    error_of(world.api.call("POST", "/me/close", world.who("mo"), {}), 422, "invalid")
    error_of(world.api.call("POST", "/me/close", None, {"password": PASSWORD}), 401, "unauthorized")
    assert world.api.head() == head


def test_an_administrator_who_is_not_the_last_stops_administering(world: World) -> None:
    world.ok("POST", f"/organisations/{world.river}/administrators", "bo", {"email": world.email("olli")})
    world.ok("POST", f"/organisations/{world.oak}/administrators", "olli", {"email": world.email("mo")})
    head = world.api.head()

    assert close(world, "olli").status_code == 200

    assert [e.type for e in events_since(world, head)][:3] == [
        "AdministratorRemoved",
        "AdministratorRemoved",
        "AccountClosed",
    ]
    river = world.ok("GET", f"/organisations/{world.river}", "bo")
    assert [a["user_id"] for a in river["administrators"]] == [world.users["bo"]]


# -- the page -----------------------------------------------------------------------------------------


def test_the_page_says_what_closing_does_and_points_to_erasure(world: World) -> None:
    page = text(signed_in(world, "mo").get(PAGE))

    assert "<h1>Close my account</h1>" in page and "erasure of personal data" in page
    assert "First, someone must take over" not in page


def test_the_page_lists_what_stands_in_the_way(world: World) -> None:
    page = text(signed_in(world, "ana").get(PAGE))

    assert "First, someone must take over" in page
    assert "you are the last administrator of Green Earth" in page
    assert "you hold the last facilitator role of Danube Rivers Coalition" in page


def test_closing_from_the_page_signs_me_out_everywhere(world: World) -> None:
    here, elsewhere = signed_in(world, "mo"), signed_in(world, "mo")

    wrong = submit(here, PAGE, PAGE, {"password": "not my password"})
    assert wrong.status_code == 403 and "That is not your password." in text(wrong)
    assert here.post(PAGE, data={"password": PASSWORD}).status_code == 400  # no CSRF token

    response = submit(here, PAGE, PAGE, {"password": PASSWORD})

    assert response.status_code == 302
    assert "Your account is closed" in text(here.get("/"))
    assert not signed_in_now(here) and not signed_in_now(elsewhere)


def test_the_page_refuses_the_last_administrator_in_romanian(world: World) -> None:
    client = signed_in(world, "bo")
    client.post("/language", data={"csrf_token": csrf(client, "/"), "locale": "ro", "next": "/"})
    head = world.api.head()

    response = submit(client, PAGE, PAGE, {"password": PASSWORD})

    assert response.status_code == 409 and "sunteți ultimul administrator al River Watch" in text(response)
    assert world.api.head() == head and signed_in_now(client)


def test_a_closed_account_gets_no_reset_link(world: World) -> None:
    from tests.e2e.test_password_resets import ACCEPTED, queued

    assert close(world, "mo").status_code == 200
    before = queued(world)
    answer = world.api.call("POST", "/password-resets", body={"email": world.email("mo")})

    assert answer.status_code == 202 and answer.json == {"message": ACCEPTED}  # as for an unknown address
    assert queued(world) == before
