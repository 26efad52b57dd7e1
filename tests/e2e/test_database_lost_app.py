"""The database went away (restarted, its connections cut) or takes no connections (down): the request that meets it
is told to try again (503 with Retry-After, on the API and the pages), never a 500, and once the database is back
the next request is served on a fresh connection.

Cut connections on PostgreSQL only (a SQLite file does not go away); the cut and the refusal are
tests/integration/test_database_lost.py's.
"""

from __future__ import annotations

import time
from contextlib import ExitStack
from typing import Any

import pytest

from coalition import accounts
from coalition.web.api.errors import DATABASE_RETRY_SECONDS
from tests.e2e.conftest import MakeApp, services
from tests.e2e.pages import csrf, signed_in, text
from tests.e2e.world import World
from tests.integration.test_database_lost import cut_every_pooled_connection, postgres_only, refusing, silent_server


@postgres_only
def test_an_api_request_meeting_a_lost_connection_is_told_to_try_again(world: World) -> None:
    ana = world.who("ana")
    before = world.api.call("GET", world.path, ana)
    assert before.status_code == 200
    cut_every_pooled_connection(services(world.api.app).engine)

    refused = world.api.call("GET", world.path, ana)

    assert refused.status_code == 503, refused.get_data(as_text=True)
    assert refused.headers["Retry-After"] == str(DATABASE_RETRY_SECONDS)
    assert refused.json["error"]["code"] == "unavailable"
    assert "Idempotency-Key" in refused.json["error"]["message"]
    again = world.api.call("GET", world.path, ana)
    assert again.status_code == 200 and again.json == before.json


@postgres_only
def test_a_page_meeting_a_lost_connection_says_to_try_again_in_a_moment(world: World) -> None:
    client = signed_in(world, "ana")
    assert client.get(world.path).status_code == 200
    cut_every_pooled_connection(services(world.api.app).engine)

    refused = client.get(world.path)

    assert refused.status_code == 503
    assert refused.headers["Retry-After"] == str(DATABASE_RETRY_SECONDS)
    assert "Please try again in a moment." in text(refused)
    assert "Traceback" not in refused.get_data(as_text=True)
    assert client.get(world.path).status_code == 200


@postgres_only
def test_a_form_whose_connection_is_lost_before_it_commits_anything_says_nothing_was_recorded(world: World) -> None:
    client = signed_in(world, "ana")
    token = csrf(client, "/account")
    cut_every_pooled_connection(services(world.api.app).engine)

    refused = client.post("/account/time-zone", data={"csrf_token": token, "zone-time_zone": "Europe/Bucharest"})

    assert refused.status_code == 503 and refused.headers["Retry-After"] == str(DATABASE_RETRY_SECONDS)
    assert "Nothing was recorded. Please try again in a moment." in text(refused)
    assert client.get(world.path).status_code == 200
    assert world.ok("GET", "/me", "ana")["time_zone"] is None


@postgres_only
def test_a_form_whose_connection_is_lost_after_its_change_committed_says_to_check_first(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The change committed, then the connections were cut before the request's last step (keeping where the form led,
    under its one-time key): lost on a COMMIT's way back looks the same, so the page never says nothing was recorded."""
    client, engine = signed_in(world, "ana"), services(world.api.app).engine
    form = {"csrf_token": csrf(client, "/account"), "zone-time_zone": "Europe/Bucharest", "form_key": "c" * 32}
    set_time_zone = accounts.set_time_zone

    def committed_then_cut(*args: Any, **kwargs: Any) -> None:
        set_time_zone(*args, **kwargs)
        cut_every_pooled_connection(engine)

    monkeypatch.setattr(accounts, "set_time_zone", committed_then_cut)
    refused = client.post("/account/time-zone", data=form)

    assert refused.status_code == 503 and "it may or may not have been recorded" in text(refused)
    assert "check whether it was recorded before you send it again" in text(refused)
    assert "Nothing was recorded" not in text(refused)
    assert world.ok("GET", "/me", "ana")["time_zone"] == "Europe/Bucharest"  # it was


def test_while_the_database_takes_no_connections_requests_are_told_to_try_again(world: World) -> None:
    ana, engine = world.who("ana"), services(world.api.app).engine
    client = signed_in(world, "ana")
    token = csrf(client, "/account")
    with refusing(engine):
        api = world.api.call("GET", world.path, ana)
        page = client.get(world.path)
        form = client.post("/account/time-zone", data={"csrf_token": token, "zone-time_zone": "Europe/Bucharest"})

    assert (api.status_code, api.json["error"]["code"]) == (503, "unavailable")
    assert page.status_code == 503 and "Please try again in a moment." in text(page)
    assert "Sign in" in text(page) and "Ana Pop" not in text(page)  # drawn as for a visitor: who it is, is not known
    assert form.status_code == 503 and "Nothing was recorded" in text(form)  # nothing could be sent
    assert api.headers["Retry-After"] == page.headers["Retry-After"] == str(DATABASE_RETRY_SECONDS)
    assert world.api.call("GET", world.path, ana).status_code == 200
    assert client.get(world.path).status_code == 200


def test_a_failure_ending_a_transaction_is_a_fault_answered_500_and_changes_nothing(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Not every error without a statement is the database being away: a COMMIT that fails is a fault of ours."""
    engine = services(world.api.app).engine
    dbapi = engine.dialect.loaded_dbapi

    def failing(_connection: Any) -> None:
        raise dbapi.OperationalError("disk I/O error (by the test)")

    monkeypatch.setattr(engine.dialect, "do_commit", failing)
    refused = world.api.call("PATCH", "/me", world.who("olli"), {"time_zone": "Europe/Helsinki"})
    monkeypatch.undo()

    assert refused.status_code == 500 and refused.json["error"]["code"] == "internal_error"
    assert "Retry-After" not in refused.headers
    assert world.ok("GET", "/me", "olli")["time_zone"] is None


def test_a_database_that_never_answers_is_a_503_within_the_connect_timeout(make_app: MakeApp) -> None:
    """A host that takes the connection and says nothing (hung, or behind a network that swallows what is sent): the
    request waits `DATABASE_CONNECT_TIMEOUT`, not psycopg's own 130 s, then is told to try again."""
    with silent_server() as url:
        app = make_app(url, migrated=False, DATABASE_CONNECT_TIMEOUT=2)
        client = app.test_client()
        began = time.monotonic()
        api = client.get("/api/v1/coalitions", headers={"Authorization": "Bearer its-lookup-waits"})
        page = client.get("/")
        waited = time.monotonic() - began

    assert (api.status_code, api.json["error"]["code"]) == (503, "unavailable")
    assert page.status_code == 503 and "Please try again in a moment." in text(page)
    assert api.headers["Retry-After"] == page.headers["Retry-After"] == str(DATABASE_RETRY_SECONDS)
    assert waited < 12, waited  # two connections given up on after about 2 s each


def test_a_change_committed_before_the_database_went_away_is_not_said_to_be_unrecorded(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The change was committed, then a later step of the same request (keeping where the form led, under its one-time
    key) could not connect: a failure to connect says nothing of what the request did before it."""
    client, engine = signed_in(world, "ana"), services(world.api.app).engine
    form = {"csrf_token": csrf(client, "/account"), "zone-time_zone": "Europe/Bucharest", "form_key": "b" * 32}
    gone = ExitStack()
    set_time_zone = accounts.set_time_zone

    def committed_then_gone(*args: Any, **kwargs: Any) -> None:
        set_time_zone(*args, **kwargs)
        gone.enter_context(refusing(engine))  # the database goes away right after the change is committed

    monkeypatch.setattr(accounts, "set_time_zone", committed_then_gone)
    with gone:
        refused = client.post("/account/time-zone", data=form)

    assert refused.status_code == 503 and "it may or may not have been recorded" in text(refused)
    assert "Nothing was recorded" not in text(refused)
    assert world.ok("GET", "/me", "ana")["time_zone"] == "Europe/Bucharest"  # it was
