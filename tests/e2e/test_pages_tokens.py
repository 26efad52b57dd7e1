"""The API token page: list my tokens, create one shown once, revoke one of mine and nobody else's."""

from __future__ import annotations

import re

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.e2e.pages import signed_in, submit, text
from tests.e2e.world import PASSWORD, World

PAGE = "/account/tokens"


def me(world: World, token: str) -> int:
    """The status of /api/v1/me with this bearer token."""
    return world.api.client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code


def create(client: FlaskClient) -> tuple[str, str, TestResponse]:
    """Create a token from the page: its id, the token the page shows once, and the page."""
    response = submit(client, PAGE, PAGE, {"password": PASSWORD})
    assert response.status_code == 201, text(response)
    token = re.search(r'id="new-token" class="tokens-secret" value="([^"]+)"', text(response))
    newest = re.search(r'action="/account/tokens/([0-9a-f]+)/revoke"', text(response))  # newest first
    assert token and newest, text(response)
    return newest.group(1), token.group(1), response


def test_the_page_lists_my_tokens_and_says_what_a_token_gives(world: World) -> None:
    page = text(signed_in(world, "bo").get(PAGE))

    assert "<h1>API tokens</h1>" in page and "use the Coalition API as you" in page
    assert page.count("/revoke") == 1 and ">active<" in page  # the token made when Bo registered
    assert "Copy it now" not in page


def test_strangers_are_sent_to_sign_in(world: World) -> None:
    anonymous = world.api.app.test_client().get(PAGE)

    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]


def test_a_created_token_is_shown_once_and_authenticates_the_api(world: World) -> None:
    client = signed_in(world, "bo")
    head = world.api.head()
    token_id, token, response = create(client)

    assert "Copy it now: it will not be shown again." in text(response) and token_id[:8] in text(response)
    assert response.headers["Cache-Control"] == "no-store"
    assert world.api.head() == head + 1
    who = world.api.client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert who.status_code == 200 and who.json["email"] == world.email("bo")
    later = text(client.get(PAGE))
    assert token not in later and f"Revoke token {token_id[:8]}" in later
    with client.session_transaction() as session:
        assert token not in str(dict(session))


def test_a_revoked_token_no_longer_authenticates_the_api(world: World) -> None:
    client = signed_in(world, "bo")
    token_id, token, _ = create(client)
    response = submit(client, PAGE, f"{PAGE}/{token_id}/revoke", {})

    assert response.status_code == 302
    assert me(world, token) == 401
    page = text(client.get(PAGE))
    assert "The token was revoked" in page and "revoked on" in page
    head = world.api.head()
    twice = submit(client, PAGE, f"{PAGE}/{token_id}/revoke", {})
    assert twice.status_code == 409 and "already revoked" in text(twice)
    assert world.api.head() == head


def test_nobody_revokes_another_persons_token(world: World) -> None:
    theirs = world.api.client.post("/api/v1/tokens", json={"email": world.email("mo"), "password": PASSWORD}).json
    client = signed_in(world, "bo")
    head = world.api.head()
    response = submit(client, PAGE, f"{PAGE}/{theirs['id']}/revoke", {})

    assert response.status_code == 404 and "no such token" in text(response)
    assert me(world, theirs["token"]) == 200
    assert world.api.head() == head


def test_forms_posted_without_a_csrf_token_are_refused(world: World) -> None:
    client = signed_in(world, "bo")
    token_id, token, _ = create(client)
    head = world.api.head()

    assert client.post(PAGE).status_code == 400
    assert client.post(f"{PAGE}/{token_id}/revoke").status_code == 400
    assert world.api.head() == head and me(world, token) == 200


def test_creating_a_token_asks_for_the_password_again(world: World) -> None:
    client = signed_in(world, "bo")
    head = world.api.head()
    wrong = submit(client, PAGE, PAGE, {"password": "not my password"})
    empty = submit(client, PAGE, PAGE, {})

    assert wrong.status_code == 400 and "That is not your password." in text(wrong)
    assert empty.status_code == 400 and 'aria-invalid="true"' in text(empty)
    assert world.api.head() == head and "Copy it now" not in text(wrong)
