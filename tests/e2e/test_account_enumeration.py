"""No account enumeration: registering a known address answers exactly as a new registration does and mails the
owner instead; signing in or asking for a token costs the same work whether or not the address is known."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

import coalition.accounts as accounts
from coalition.notify.tables import outbox
from tests.e2e.conftest import services
from tests.e2e.pages import csrf
from tests.e2e.world import PASSWORD, Api

OTHER = "a different good passphrase"


def register(api: Api, address: str, password: str = PASSWORD, name: str = "Ana Pop") -> TestResponse:
    return api.client.post("/api/v1/users", json={"email": address, "password": password, "name": name})


def shape(response: TestResponse) -> tuple[Any, ...]:
    """What a caller sees of an answer, ids aside."""
    body = response.json
    headers = sorted(k for k in response.headers.keys() if k not in ("X-Request-Id",))
    return response.status_code, sorted(body) if isinstance(body, dict) else body, response.mimetype, headers


def mails(api: Api) -> list[dict[str, Any]]:
    with services(api.app).engine.connect() as connection:
        rows = connection.execute(sa.select(outbox).order_by(outbox.c.created_at, outbox.c.key)).mappings().all()
    return [dict(r) for r in rows]


def test_registering_a_known_address_answers_like_a_new_one_and_mails_the_owner(api: Api) -> None:
    first = register(api, "ana@example.org")
    head, users = api.head(), mails(api)

    again = register(api, " ANA@example.org ", OTHER, "Mallory")
    fresh = register(api, "bo@example.org", OTHER, "Bo Nowak")

    assert shape(again) == shape(first) == shape(fresh)
    assert again.json["id"] not in (first.json["id"], fresh.json["id"])
    assert api.head() == head + 1  # only Bo's registration is recorded
    notices = [m for m in mails(api) if m not in users and m["email"] == "ana@example.org"]
    [notice] = notices
    assert notice["kind"] == "account" and notice["subject"] == "Coalition: someone tried to use your e-mail address"
    assert "/forgot-password" in notice["text"] and "/login" in notice["text"]
    assert "Mallory" not in notice["text"]
    # the account is untouched: the first password still signs in, the second does not
    assert api.client.post("/api/v1/tokens", json={"email": "ana@example.org", "password": PASSWORD}).status_code == 201
    assert api.client.post("/api/v1/tokens", json={"email": "ana@example.org", "password": OTHER}).status_code == 401


def test_a_known_address_costs_a_password_hash_like_a_new_one(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    from coalition.accounts import registration

    register(api, "ana@example.org")
    hashed: list[str] = []
    real = registration.generate_password_hash
    monkeypatch.setattr(registration, "generate_password_hash", lambda *a, **k: hashed.append("x") or real(*a, **k))
    monkeypatch.setattr(accounts, "generate_password_hash", lambda *a, **k: hashed.append("x") or real(*a, **k))

    register(api, "ana@example.org", OTHER)
    register(api, "bo@example.org", OTHER)

    assert hashed == ["x", "x"]


def test_the_registration_page_answers_a_known_address_as_a_new_one(api: Api) -> None:
    def page(address: str) -> TestResponse:
        client: FlaskClient = api.app.test_client()
        token = csrf(client, "/register")
        return client.post("/register", data={"csrf_token": token, "name": "Ana", "email": address, "password": OTHER})

    api.app.config["WTF_CSRF_ENABLED"] = True
    register(api, "ana@example.org")
    known, new = page("ana@example.org"), page("cy@example.org")

    assert (known.status_code, known.headers["Location"]) == (new.status_code, new.headers["Location"])
    assert known.get_data() == new.get_data()
    assert sum(m["email"] == "ana@example.org" and m["key"].startswith("register-attempt:") for m in mails(api)) == 1


@pytest.mark.parametrize("door", ["token", "page"])
def test_signing_in_with_an_unknown_address_checks_one_password_hash_as_a_known_one(
    api: Api, door: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    register(api, "ana@example.org")
    api.app.config["WTF_CSRF_ENABLED"] = False

    def attempt(address: str) -> int:
        if door == "token":
            return api.client.post("/api/v1/tokens", json={"email": address, "password": "wrong password"}).status_code
        return api.app.test_client().post("/login", data={"email": address, "password": "wrong password"}).status_code

    attempt("warm-up@example.org")  # the stand-in hash is made once per method
    checked: list[str] = []
    real = accounts.check_password_hash
    monkeypatch.setattr(accounts, "check_password_hash", lambda *a, **k: checked.append("x") or real(*a, **k))

    statuses = {attempt("ana@example.org"), attempt("nobody@example.org")}

    assert len(statuses) == 1 and checked == ["x", "x"]


def test_a_twin_registration_that_loses_the_race_is_answered_like_a_known_address(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    from coalition.accounts import registration

    first = register(api, "ana@example.org")
    head = api.head()
    real, looks = registration.find_user, []

    def late(*args: Any) -> Any:  # the first look misses the owner, as if both twins looked before either wrote
        looks.append(1)
        return None if len(looks) == 1 else real(*args)

    monkeypatch.setattr(registration, "find_user", late)
    monkeypatch.setattr(accounts, "find_user", lambda *_: None)

    twin = register(api, "ana@example.org", OTHER)

    assert shape(twin) == shape(first) and api.head() == head
    assert sum(m["key"].startswith("register-attempt:") for m in mails(api)) == 1
