"""API tokens expire (90 days unless chosen, 1 to 365), keep their last use (to the minute), are listed and revoked,
through the API and the token page; an expired or revoked token is refused with a 401 saying so."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from coalition.accounts import api_tokens
from coalition.accounts.tokens import Touch
from tests.e2e.conftest import services
from tests.e2e.pages import signed_in, submit, text
from tests.e2e.world import PASSWORD, World, error_of

START = datetime(2026, 12, 1, 9, tzinfo=UTC)


def at(world: World, moment: datetime) -> None:
    services(world.api.app).store.clock = lambda: moment


def new_token(world: World, person: str = "bo", **extra: Any) -> dict[str, Any]:
    answer = world.api.call("POST", "/tokens", body={"email": world.email(person), "password": PASSWORD, **extra})
    assert answer.status_code == 201, answer.json
    return dict(answer.json)


def me(world: World, token: str) -> Any:
    return world.api.client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})


def listed(world: World, token: str) -> dict[str, Any]:
    answer = world.api.client.get("/api/v1/tokens", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200, answer.json
    return {t["id"]: t for t in answer.json["tokens"]}


def test_a_token_lives_90_days_unless_its_maker_chooses(world: World) -> None:
    at(world, START)
    default = new_token(world)
    short = new_token(world, expires_in_days=1)
    longest = new_token(world, expires_in_days=365)

    assert default["expires_at"] == "2027-03-01T09:00:00.000000Z"
    assert short["expires_at"] == "2026-12-02T09:00:00.000000Z"
    assert longest["expires_at"] == "2027-12-01T09:00:00.000000Z"
    created = [e for e in services(world.api.app).store.read_all() if e.type == "ApiTokenCreated"][-3:]
    assert [e.payload["expires_at"] for e in created] == [t["expires_at"] for t in (default, short, longest)]


def test_an_expired_token_is_refused_with_a_401_that_says_so(world: World) -> None:
    at(world, START)
    token = new_token(world, expires_in_days=1)["token"]
    at(world, START + timedelta(days=1) - timedelta(seconds=1))
    assert me(world, token).status_code == 200

    at(world, START + timedelta(days=1))
    refused = error_of(me(world, token), 401, "unauthorized")

    assert refused["message"] == "this API token expired on 2026-12-02: create a new one with POST /api/v1/tokens"


def test_a_revoked_token_is_refused_with_a_401_that_says_so(world: World) -> None:
    at(world, START)
    made = new_token(world)
    assert (
        world.api.client.delete(
            f"/api/v1/tokens/{made['id']}", headers={"Authorization": f"Bearer {made['token']}"}
        ).status_code
        == 204
    )

    refused = error_of(me(world, made["token"]), 401, "unauthorized")

    assert refused["message"] == "this API token was revoked on 2026-12-01: create a new one with POST /api/v1/tokens"
    unknown = error_of(me(world, "not-a-token"), 401, "unauthorized")
    assert "send a valid API token" in unknown["message"]


@pytest.mark.parametrize("days", [0, 366, -1, 1.5, "30", None, True, 10**30])
def test_a_lifetime_outside_1_to_365_whole_days_is_refused_and_nothing_is_recorded(world: World, days: Any) -> None:
    head = world.api.head()
    answer = world.api.call(
        "POST", "/tokens", body={"email": world.email("bo"), "password": PASSWORD, "expires_in_days": days}
    )

    refused = error_of(answer, 422, "invalid")
    assert "expires_in_days" in refused["fields"]
    assert world.api.head() == head


def test_the_list_says_when_each_token_was_created_expires_and_was_last_used(world: World) -> None:
    at(world, START)
    first = new_token(world)
    second = new_token(world, expires_in_days=2)
    at(world, START + timedelta(minutes=5))
    me(world, first["token"])

    at(world, START + timedelta(days=3))
    tokens = listed(world, first["token"])

    assert tokens[first["id"]]["last_used_at"] == "2026-12-04T09:00:00.000000Z"  # the list itself used it
    assert tokens[second["id"]] == {
        "id": second["id"],
        "created_at": "2026-12-01T09:00:00.000000Z",
        "expires_at": "2026-12-03T09:00:00.000000Z",
        "last_used_at": None,
        "revoked_at": None,
        "state": "expired",
    }
    assert tokens[first["id"]]["state"] == "active"
    error_of(world.api.call("GET", "/tokens"), 401, "unauthorized")


def test_the_last_use_is_written_at_most_once_a_minute(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    at(world, START)
    made = new_token(world)
    engine = services(world.api.app).engine
    noted: list[str | None] = []
    writes: list[str] = []
    write = Touch.write
    monkeypatch.setattr(
        Touch, "write", lambda touch, connection: writes.append(touch.stamp) or write(touch, connection)
    )

    for seconds in (0, 10, 30, 59, 60, 75, 119, 121):
        at(world, START + timedelta(seconds=seconds))
        assert me(world, made["token"]).status_code == 200
        with engine.connect() as connection:
            query = select(api_tokens.c.last_used_at).where(api_tokens.c.token_id == made["id"])
            noted.append(connection.execute(query).scalar())

    minute = [f"2026-12-01T09:0{m}:{s}.000000Z" for m, s in (("0", "00"), ("1", "00"), ("2", "01"))]
    # written at 0 s (never used), 60 s and 121 s; the uses between leave it as it was
    assert noted == [minute[0]] * 4 + [minute[1]] * 3 + [minute[2]]
    assert writes == minute  # and written only then


def test_the_token_page_creates_with_a_lifetime_and_lists_expiry_and_last_use(world: World) -> None:
    at(world, START)
    client = signed_in(world, "bo")
    response = submit(client, "/account/tokens", "/account/tokens", {"password": PASSWORD, "days": "7"})

    assert response.status_code == 201, text(response)
    token = re.search(r'id="new-token" class="tokens-secret" value="([^"]+)"', text(response))
    assert token and "It works until" in text(response)
    me(world, token.group(1))
    page = text(client.get("/account/tokens"))
    assert "Expires" in page and "Last used" in page and "Dec 8, 2026" in page
    assert "Dec 1, 2026, 9:00\u202fAM UTC" in page

    at(world, START + timedelta(days=8))
    later = text(client.get("/account/tokens"))
    assert ">expired<" in later


@pytest.mark.parametrize("days", ["0", "366", "many"])
def test_the_token_page_refuses_a_lifetime_out_of_range(world: World, days: str) -> None:
    client = signed_in(world, "bo")
    head = world.api.head()
    response = submit(client, "/account/tokens", "/account/tokens", {"password": PASSWORD, "days": days})

    assert response.status_code == 400 and 'aria-invalid="true"' in text(response)
    assert world.api.head() == head and "Copy it now" not in text(response)
