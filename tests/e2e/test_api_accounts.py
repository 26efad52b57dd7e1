"""Accounts through the JSON API: registration, tokens, bearer authentication, the error shape."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from coalition import create_app
from tests.e2e.conftest import services

PASSWORD = "correct horse battery"


@pytest.fixture
def api(migrated_url: str) -> Iterator[FlaskClient]:
    """A test client of the app with its real event types, on each backend."""
    app = create_app({"DATABASE_URL": migrated_url, "TESTING": True, "SECRET_KEY": "test"})
    yield app.test_client()
    services(app).engine.dispose()


def app_of(client: FlaskClient) -> Flask:
    return client.application


def head(client: FlaskClient) -> int:
    """How many events the log holds."""
    return services(app_of(client)).store.head()[0]


def register(client: FlaskClient, email: str = "ana@greenearth.ro", **extra: Any) -> Any:
    return client.post("/api/v1/users", json={"email": email, "password": PASSWORD, "name": "Ana Pop", **extra})


def token_for(client: FlaskClient, email: str = "ana@greenearth.ro") -> dict[str, str]:
    response = client.post("/api/v1/tokens", json={"email": email, "password": PASSWORD})
    assert response.status_code == 201, response.json
    return response.json


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def assert_error(response: Any, status: int, code: str) -> dict[str, Any]:
    """The response is the one error shape with this status and code."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert set(response.json) == {"error"}
    assert set(response.json["error"]) == {"code", "message", "fields"}
    assert response.json["error"]["code"] == code
    return response.json["error"]


def test_registration_records_an_event_without_secrets(api: FlaskClient) -> None:
    response = register(api)

    assert response.status_code == 201
    [event] = list(services(app_of(api)).store.read_all())
    assert (event.type, event.payload) == ("UserRegistered", {"user_id": response.json["id"], "name": "Ana Pop"})
    assert event.metadata.actor_id == response.json["id"]
    with services(app_of(api)).engine.connect() as connection:
        stored = connection.execute(sa.text("SELECT email, password_hash FROM users")).one()
    assert stored.email == "ana@greenearth.ro"
    assert stored.password_hash.startswith("scrypt:") and PASSWORD not in stored.password_hash


def test_an_email_registers_once_whatever_its_case(api: FlaskClient) -> None:
    first = register(api)

    again = register(api, " ANA@GreenEarth.ro ")

    assert (again.status_code, set(again.json)) == (201, {"id"}) and again.json["id"] != first.json["id"]
    assert head(api) == 1  # nothing recorded: the owner is mailed instead (tests/e2e/test_account_enumeration.py)
    with services(app_of(api)).engine.connect() as connection:
        assert connection.execute(sa.text("SELECT count(*) FROM users")).scalar() == 1


def test_invalid_registration_names_each_field_and_records_nothing(api: FlaskClient) -> None:
    response = api.post("/api/v1/users", json={"email": "not-an-email", "password": "short"})

    error = assert_error(response, 422, "invalid")
    assert set(error["fields"]) == {"email", "password", "name"}
    assert error["fields"]["password"] == ["use at least 10 and at most 1024 characters"]
    assert head(api) == 0


@pytest.mark.parametrize("body", ["{not json", "[1, 2]", ""])
def test_a_body_that_is_not_a_json_object_is_a_bad_request(api: FlaskClient, body: str) -> None:
    response = api.post("/api/v1/users", data=body, content_type="application/json")

    assert "JSON object" in assert_error(response, 400, "bad_request")["message"]


def test_a_token_authenticates_the_person_it_was_made_for(api: FlaskClient) -> None:
    user_id = register(api).json["id"]

    token = token_for(api)["token"]
    response = api.get("/api/v1/me", headers=bearer(token))

    assert response.json == {
        "id": user_id,
        "email": "ana@greenearth.ro",
        "name": "Ana Pop",
        "email_verified": False,
        "time_zone": None,  # none chosen yet: times are shown in UTC
        "organisations": [],
        "mandates": [],
        "roles": [],
    }
    assert token not in "".join(e.hash + str(e.payload) for e in services(app_of(api)).store.read_all())


@pytest.mark.parametrize("email,password", [("ana@greenearth.ro", "wrong password"), ("nobody@x.org", PASSWORD)])
def test_wrong_credentials_get_no_token(api: FlaskClient, email: str, password: str) -> None:
    register(api)

    response = api.post("/api/v1/tokens", json={"email": email, "password": password})

    assert assert_error(response, 401, "unauthorized")["message"] == "the e-mail address or the password is wrong"
    assert head(api) == 1


@pytest.mark.parametrize("email", ["ana@greenearth.ro", "nobody@x.org"])
def test_a_wrong_sign_in_costs_one_password_check_whether_or_not_the_email_is_known(
    api: FlaskClient, email: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import coalition.accounts as accounts

    register(api)
    api.post("/api/v1/tokens", json={"email": "nobody@x.org", "password": "warm-up"})  # the stand-in hash is made once
    hashed: list[str] = []
    checked: list[str] = []
    generate, check = accounts.generate_password_hash, accounts.check_password_hash
    monkeypatch.setattr(accounts, "generate_password_hash", lambda *a, **k: hashed.append("x") or generate(*a, **k))
    monkeypatch.setattr(accounts, "check_password_hash", lambda *a, **k: checked.append("x") or check(*a, **k))

    assert_error(api.post("/api/v1/tokens", json={"email": email, "password": "wrong password"}), 401, "unauthorized")

    assert (len(hashed), len(checked)) == (0, 1)


@pytest.mark.parametrize("headers", [{}, bearer("made-up"), {"Authorization": "Basic abc"}, bearer("")])
def test_no_or_a_bad_token_is_unauthorized(api: FlaskClient, headers: dict[str, str]) -> None:
    error = assert_error(api.get("/api/v1/me", headers=headers), 401, "unauthorized")

    assert "Authorization: Bearer" in error["message"]


def test_a_revoked_token_stops_working(api: FlaskClient) -> None:
    register(api)
    first, second = token_for(api), token_for(api)

    assert api.delete(f"/api/v1/tokens/{first['id']}", headers=bearer(second["token"])).status_code == 204

    assert_error(api.get("/api/v1/me", headers=bearer(first["token"])), 401, "unauthorized")
    assert api.get("/api/v1/me", headers=bearer(second["token"])).status_code == 200
    assert_error(api.delete(f"/api/v1/tokens/{first['id']}", headers=bearer(second["token"])), 409, "conflict")
    assert [e.type for e in services(app_of(api)).store.read_all()][-1] == "ApiTokenRevoked"


def test_nobody_revokes_another_persons_token(api: FlaskClient) -> None:
    register(api)
    register(api, "bo@riverwatch.pl")
    anas = token_for(api)

    response = api.delete(f"/api/v1/tokens/{anas['id']}", headers=bearer(token_for(api, "bo@riverwatch.pl")["token"]))

    assert_error(response, 404, "not_found")
    assert api.get("/api/v1/me", headers=bearer(anas["token"])).status_code == 200


def test_unknown_api_paths_and_methods_answer_in_the_error_shape(api: FlaskClient) -> None:
    assert_error(api.get("/api/v1/nothing-here"), 404, "not_found")
    assert_error(api.get("/api/v1/users"), 405, "method_not_allowed")
    assert api.get("/nothing-here").content_type.startswith("text/html")
