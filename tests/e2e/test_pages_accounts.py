"""The account pages: register, sign in and out, CSRF, the language choice, and friendly error pages."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from coalition import create_app
from coalition.accounts import find_user
from tests.e2e.conftest import services
from tests.e2e.pages import csrf as token
from tests.e2e.world import TEST_CONFIG

PASSWORD = "correct horse battery"


@pytest.fixture
def site(migrated_url: str) -> Iterator[Flask]:
    """The app with CSRF protection on, as in production."""
    app = create_app({"DATABASE_URL": migrated_url, **TEST_CONFIG})
    yield app
    services(app).engine.dispose()


def register(
    client: FlaskClient, email: str = "ana@example.org", name: str = "Ana Pop", password: str = PASSWORD
) -> TestResponse:
    return client.post(
        "/register", data={"csrf_token": token(client, "/register"), "name": name, "email": email, "password": password}
    )


def sign_in(
    client: FlaskClient, email: str = "ana@example.org", password: str = PASSWORD, next_: str = ""
) -> TestResponse:
    return client.post(
        "/login", data={"csrf_token": token(client, "/login"), "email": email, "password": password, "next": next_}
    )


def words(html: str) -> str:
    """The page's text without its tags (the header's account menu shows the name; "Signed in as" is read out)."""
    return re.sub(r"<[^>]+>", "", html)


def test_registering_asks_to_check_the_mail_and_then_you_sign_in(site: Flask) -> None:
    client = site.test_client()
    response = register(client)
    sent = client.get(response.headers["Location"]).get_data(as_text=True)

    assert response.status_code == 302 and response.headers["Location"] == "/register/sent"
    assert "Check your e-mail" in sent and "Signed in as" not in sent
    assert sign_in(client).status_code == 302
    home = words(client.get("/").get_data(as_text=True))
    assert "Signed in as Ana Pop" in home and "Please verify your e-mail address" in home


@pytest.mark.parametrize(
    ("fields", "says"),
    [
        ({"password": "short"}, "Use at least 10 characters."),
        ({"email": "not-an-address"}, "Invalid email address."),
        ({"name": ""}, "This field is required."),
    ],
)
def test_registration_errors_are_shown_beside_the_field_and_nothing_is_created(
    site: Flask, fields: dict[str, str], says: str
) -> None:
    client = site.test_client()
    response = register(client, **{"email": "bo@example.org", "name": "Bo", "password": PASSWORD, **fields})

    assert response.status_code == 400
    assert says in response.get_data(as_text=True) and 'aria-invalid="true"' in response.get_data(as_text=True)
    assert find_user(services(site).engine, "bo@example.org") is None


def test_registering_an_existing_address_answers_as_a_new_one_does(site: Flask) -> None:
    first = register(site.test_client())
    again = register(site.test_client(), password="another good passphrase")

    assert (again.status_code, again.headers["Location"]) == (first.status_code, first.headers["Location"])
    assert "already exists" not in again.get_data(as_text=True)


def test_signing_in_goes_to_the_page_asked_for_but_never_to_another_site(site: Flask) -> None:
    register(site.test_client())
    client = site.test_client()

    assert sign_in(client, next_="/verify").headers["Location"] == "/verify"
    other = site.test_client()
    assert sign_in(other, next_="https://evil.example/").headers["Location"] == "/"
    assert sign_in(site.test_client(), next_="//evil.example/x").headers["Location"] == "/"


def test_a_wrong_password_is_refused_without_saying_which_field_was_wrong(site: Flask) -> None:
    register(site.test_client())
    response = sign_in(site.test_client(), password="wrong password!")

    assert response.status_code == 400
    assert "do not match an account" in response.get_data(as_text=True)


def test_signing_out_takes_a_form_post(site: Flask) -> None:
    client = site.test_client()
    register(client)
    sign_in(client)
    assert "Signed in as" in client.get("/").get_data(as_text=True)

    assert client.get("/logout").status_code == 405
    client.post("/logout", data={"csrf_token": token(client, "/")})
    assert "Signed in as" not in client.get("/").get_data(as_text=True)


def test_a_form_post_without_a_csrf_token_is_refused_and_changes_nothing(site: Flask) -> None:
    client = site.test_client()
    response = client.post("/register", data={"name": "Mallory", "email": "m@example.org", "password": PASSWORD})

    assert response.status_code == 400 and "This form has expired" in response.get_data(as_text=True)
    assert find_user(services(site).engine, "m@example.org") is None


def test_the_session_cookie_is_http_only_and_same_site_lax_and_secure_over_https(site: Flask) -> None:
    register(site.test_client())
    plain = sign_in(site.test_client()).headers["Set-Cookie"]
    secure = site.test_client().get("/login", base_url="https://localhost").headers["Set-Cookie"]

    assert "HttpOnly" in plain and "SameSite=Lax" in plain and "Secure" not in plain
    assert "Secure" in secure


def test_the_romanian_choice_shows_romanian_and_is_remembered_in_the_account(site: Flask) -> None:
    client = site.test_client()
    register(client)
    sign_in(client)
    client.post("/language", data={"csrf_token": token(client, "/"), "locale": "ro", "next": "/"})

    assert "Conduceți-vă coaliția la vedere" in client.get("/").get_data(as_text=True)
    again = site.test_client()
    sign_in(again)
    assert "Autentificat ca Ana Pop" in words(again.get("/").get_data(as_text=True))


def test_the_browser_language_is_the_default(site: Flask) -> None:
    page = site.test_client().get("/", headers={"Accept-Language": "ro-RO,ro;q=0.9,en;q=0.5"})

    assert 'lang="ro"' in page.get_data(as_text=True) and "Coaliții" in page.get_data(as_text=True)


def test_unknown_pages_get_a_friendly_404_in_the_layout(site: Flask) -> None:
    response = site.test_client().get("/no/such/page")

    assert response.status_code == 404
    assert "We cannot find this page" in response.get_data(as_text=True)
    assert "Back to the home page" in response.get_data(as_text=True)


def test_a_fault_shows_a_friendly_page_without_a_stack_trace(migrated_url: str) -> None:
    app = create_app({"DATABASE_URL": migrated_url, **TEST_CONFIG})

    @app.get("/boom")
    def boom() -> str:
        raise RuntimeError("secret internals")

    try:
        response = app.test_client().get("/boom")
    finally:
        services(app).engine.dispose()
    text = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Something went wrong on our side" in text and "secret internals" not in text and "Traceback" not in text
