"""A forgotten password: the link arrives by e-mail over SMTP, works once and for an hour, ends every session
and API token; an unknown address gets the same answer and no mail; bad input is refused and changes nothing."""

from __future__ import annotations

import re
from datetime import timedelta
from email.message import EmailMessage

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from coalition.accounts import set_locale
from coalition.notify.tables import outbox
from coalition.notify.worker import Notifier
from tests.e2e.conftest import MakeApp, services
from tests.e2e.notices import only_new_events
from tests.e2e.pages import csrf, signed_in, text
from tests.e2e.world import PASSWORD, World, error_of
from tests.mail import SmtpServer, body

NEW = "a brand new passphrase"


@pytest.fixture(autouse=True)
def news_only(world: World) -> None:
    """The reactor starts past the world's own events: the mail these tests read is the reset's."""
    only_new_events(world)


ACCEPTED = "if an account has this address, a link to choose a new password is on its way"


def ask(world: World, person: str = "lia") -> None:
    answer = world.api.call("POST", "/password-resets", body={"email": world.email(person)})
    assert answer.status_code == 202 and answer.json == {"message": ACCEPTED}


def mailed(world: World, smtp: SmtpServer, person: str = "lia") -> EmailMessage:
    """Deliver what is queued; the last message to `person`."""
    world.api.app.config["MAIL_URL"] = smtp.url
    Notifier(world.api.app).turn()
    return smtp.to(world.email(person))[-1]


def token_in(mail: EmailMessage) -> str:
    found = re.search(r"http://127\.0\.0\.1:5000/reset/([A-Za-z0-9_-]+)", body(mail))
    assert found, body(mail)
    return found.group(1)


def queued(world: World) -> list[str]:
    with services(world.api.app).engine.connect() as connection:
        return list(connection.execute(select(outbox.c.key)).scalars())


def sign_in_works(world: World, person: str, password: str) -> bool:
    answer = world.api.call("POST", "/tokens", body={"email": world.email(person), "password": password})
    return answer.status_code == 201


def test_the_link_arrives_over_smtp_and_sets_a_new_password_once(world: World, smtp: SmtpServer) -> None:
    ask(world)
    mail = mailed(world, smtp)
    token = token_in(mail)

    assert mail["Subject"] == "Coalition: choose a new password"
    assert "Hello Lia Kowal," in body(mail) and "within 60 minutes" in body(mail)
    assert mail["List-Unsubscribe"] is None  # an answer to what the person did: it cannot be turned off
    assert world.api.call("POST", f"/password-resets/{token}", body={"password": NEW}).status_code == 204
    assert sign_in_works(world, "lia", NEW) and not sign_in_works(world, "lia", PASSWORD)
    again = error_of(
        world.api.call("POST", f"/password-resets/{token}", body={"password": "yet another one"}), 404, "not_found"
    )
    assert "ask for a new one" in again["message"]
    assert sign_in_works(world, "lia", NEW)


def test_the_request_queues_the_mail_in_the_same_transaction_keyed_by_the_reset(world: World) -> None:
    ask(world)

    assert [k for k in queued(world) if k.startswith("password-reset:")] == queued(world)
    assert len(queued(world)) == 1


def test_an_unknown_address_gets_the_same_answer_and_nothing_is_sent_or_recorded(
    world: World, smtp: SmtpServer
) -> None:
    head = world.api.head()
    answer = world.api.call("POST", "/password-resets", body={"email": "nobody@example.org"})

    assert answer.status_code == 202 and answer.json == {"message": ACCEPTED}
    world.api.app.config["MAIL_URL"] = smtp.url
    Notifier(world.api.app).turn()
    assert queued(world) == [] and smtp.messages == [] and world.api.head() == head


@pytest.mark.parametrize(
    "sent",
    [
        {"email": "not-an-address"},
        {"email": "lia@example.org\r\nBcc: victim@example.org"},
        {"email": "lia@example.org\n"},
        {},
        {"email": 7},
    ],
)
def test_a_malformed_address_is_a_422_naming_it_and_nothing_is_queued(world: World, sent: dict[str, object]) -> None:
    answer = world.api.call("POST", "/password-resets", body=sent)

    assert "email" in error_of(answer, 422, "invalid")["fields"]
    assert queued(world) == []


def test_a_short_password_is_a_422_as_at_registration_and_the_link_still_works(world: World, smtp: SmtpServer) -> None:
    ask(world)
    token = token_in(mailed(world, smtp))
    head = world.api.head()

    short = error_of(world.api.call("POST", f"/password-resets/{token}", body={"password": "short"}), 422, "invalid")
    assert short["fields"] == {"password": ["use at least 10 and at most 1024 characters"]}
    assert world.api.head() == head and sign_in_works(world, "lia", PASSWORD)
    assert world.api.call("POST", f"/password-resets/{token}", body={"password": NEW}).status_code == 204


def test_an_unknown_token_is_a_404_saying_to_ask_again(world: World) -> None:
    answer = world.api.call("POST", "/password-resets/not-a-token", body={"password": NEW})

    assert "ask for a new one" in error_of(answer, 404, "not_found")["message"]


def test_the_link_works_for_60_minutes_and_not_after(world: World, smtp: SmtpServer) -> None:
    ask(world)
    token = token_in(mailed(world, smtp))
    store = services(world.api.app).store
    asked = store.clock()
    client = world.api.app.test_client()

    store.clock = lambda: asked + timedelta(minutes=59)
    assert client.get(f"/reset/{token}").status_code == 200
    store.clock = lambda: asked + timedelta(minutes=61)
    assert client.get(f"/reset/{token}").status_code == 404
    error_of(world.api.call("POST", f"/password-resets/{token}", body={"password": NEW}), 404, "not_found")
    assert sign_in_works(world, "lia", PASSWORD)


def test_using_a_link_ends_the_persons_other_links(world: World, smtp: SmtpServer) -> None:
    ask(world)
    first = token_in(mailed(world, smtp))
    ask(world)
    second = token_in(mailed(world, smtp))

    assert first != second
    assert world.api.call("POST", f"/password-resets/{second}", body={"password": NEW}).status_code == 204
    error_of(
        world.api.call("POST", f"/password-resets/{first}", body={"password": "another passphrase"}), 404, "not_found"
    )


def test_a_reset_ends_every_session_and_revokes_the_api_tokens_recording_no_secret(
    world: World, smtp: SmtpServer
) -> None:
    browser = signed_in(world, "lia")
    other = signed_in(world, "mo")
    assert browser.get("/account/tokens").status_code == 200
    assert world.api.call("GET", "/me", world.who("lia")).status_code == 200
    ask(world)
    token = token_in(mailed(world, smtp))

    assert world.api.call("POST", f"/password-resets/{token}", body={"password": NEW}).status_code == 204
    assert browser.get("/account/tokens").status_code == 302  # signed out: sent to sign in
    assert "Signed in as" not in text(browser.get("/"))
    assert other.get("/account/tokens").status_code == 200  # someone else's session goes on
    error_of(world.api.call("GET", "/me", world.who("lia")), 401, "unauthorized")
    recorded = [e for e in services(world.api.app).store.read_all() if e.stream_id == f"user-{world.users['lia']}"]
    assert [e.type for e in recorded[-2:]] == ["PasswordReset", "ApiTokenRevoked"]
    assert recorded[-2].payload == {"user_id": world.users["lia"]}
    assert NEW not in str([e.payload for e in recorded]) and token not in str([e.payload for e in recorded])
    fresh = signed_in_with(world, "lia", NEW)
    assert fresh.get("/account/tokens").status_code == 200


def signed_in_with(world: World, person: str, password: str) -> FlaskClient:
    client = world.api.app.test_client()
    answer = client.post(
        "/login", data={"csrf_token": csrf(client, "/login"), "email": world.email(person), "password": password}
    )
    assert answer.status_code == 302, text(answer)
    return client


def test_the_mail_is_in_the_persons_language(world: World, smtp: SmtpServer) -> None:
    set_locale(services(world.api.app).engine, world.users["lia"], "ro")
    ask(world)
    mail = mailed(world, smtp)

    assert mail["Subject"] == "Coalition: alegeți o parolă nouă"
    assert mail["Content-Language"] == "ro"
    assert "Bună ziua, Lia Kowal," in body(mail)


# -- the pages ----------------------------------------------------------------------------------------


def test_forgot_password_then_the_link_then_sign_in_with_the_new_password(world: World, smtp: SmtpServer) -> None:
    client = world.api.app.test_client()
    assert 'href="/forgot-password"' in text(client.get("/login"))
    sent = client.post(
        "/forgot-password", data={"csrf_token": csrf(client, "/forgot-password"), "email": world.email("lia")}
    )
    assert sent.status_code == 302 and sent.headers["Location"] == "/forgot-password/sent"
    assert "If an account exists with this address, we sent it a link" in text(client.get("/forgot-password/sent"))
    token = token_in(mailed(world, smtp))

    form = client.get(f"/reset/{token}")
    assert form.status_code == 200 and form.headers["Cache-Control"] == "no-store"
    differ = client.post(
        f"/reset/{token}", data={"csrf_token": csrf(client, f"/reset/{token}"), "password": NEW, "again": NEW + "!"}
    )
    assert differ.status_code == 400 and "The two passwords differ." in text(differ)
    assert sign_in_works(world, "lia", PASSWORD)
    done = client.post(
        f"/reset/{token}", data={"csrf_token": csrf(client, f"/reset/{token}"), "password": NEW, "again": NEW}
    )
    assert done.status_code == 302 and done.headers["Location"] == "/login"
    assert "Sign in with your new password" in text(client.get("/login"))
    signed_in_with(world, "lia", NEW)
    used = client.get(f"/reset/{token}")
    assert used.status_code == 404 and "This link no longer works" in text(used)
    assert 'href="/forgot-password"' in text(used)


def test_the_page_answers_an_unknown_address_the_same_and_sends_nothing(world: World) -> None:
    client = world.api.app.test_client()
    sent = client.post(
        "/forgot-password", data={"csrf_token": csrf(client, "/forgot-password"), "email": "x@example.org"}
    )

    assert sent.status_code == 302 and sent.headers["Location"] == "/forgot-password/sent"
    assert queued(world) == []


def test_the_page_refuses_a_malformed_address_beside_the_field(world: World) -> None:
    client = world.api.app.test_client()
    sent = client.post("/forgot-password", data={"csrf_token": csrf(client, "/forgot-password"), "email": "nope"})

    assert sent.status_code == 400 and "Invalid email address." in text(sent)
    assert queued(world) == []


def test_the_reset_pages_speak_romanian(world: World) -> None:
    client = world.api.app.test_client()
    ro = {"Accept-Language": "ro"}

    assert "Ați uitat parola?" in text(client.get("/login", headers=ro))
    assert "Trimiteți-mi un link" in text(client.get("/forgot-password", headers=ro))
    assert "Acest link nu mai funcționează" in text(client.get("/reset/nothing", headers=ro))


# -- rate limits ---------------------------------------------------------------------------------------


def test_asking_for_links_is_rate_limited_like_signing_in(make_app: MakeApp, database_url: str) -> None:
    client = make_app(database_url, RATELIMIT_ENABLED=True).test_client()
    answers = [client.post("/api/v1/password-resets", json={"email": "x@example.org"}) for _ in range(11)]

    assert [a.status_code for a in answers[:10]] == [202] * 10
    assert answers[10].status_code == 429 and answers[10].json["error"]["code"] == "too_many_requests"
    guesses = [client.post(f"/api/v1/password-resets/guess{i}", json={"password": NEW}) for i in range(11)]
    assert guesses[-1].status_code == 429  # trying links shares the count
