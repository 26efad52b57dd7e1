"""E-mail verification: a one-time link mailed at registration (hashed at rest, 48 hours), `EmailVerified
{user_id, domain}` on the person's stream, a new link on request, and the rule that signing and holding a
mandate need a verified address (refused in the handlers, explained on the pages)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from coalition.notify.tables import outbox
from tests.e2e.conftest import services
from tests.e2e.pages import csrf, signed_in
from tests.e2e.world import PASSWORD, Api, World, error_of


def link_for(api: Api, address: str, prefix: str = "email-verify:") -> str:
    """The token of the newest link mailed to `address` (by the outbox row's key)."""
    with services(api.app).engine.connect() as connection:
        text = connection.execute(
            sa.select(outbox.c.text)
            .where(outbox.c.email == address, outbox.c.key.like(f"{prefix}%"))
            .order_by(outbox.c.created_at.desc(), outbox.c.key.desc())
        ).first()
    assert text is not None, f"no {prefix} mail to {address}"
    found = re.search(r"/verify-email/([A-Za-z0-9_-]+)", text[0])
    assert found, text[0]
    return found.group(1)


def confirm(api: Api, token: str) -> Any:
    return api.client.post(f"/api/v1/email-verifications/{token}")


def events(api: Api, kind: str) -> list[Any]:
    return [e for e in services(api.app).store.read_all() if e.type == kind]


def unverify(api: Api, user_id: str) -> None:
    """As an account from before verification existed: its address not verified."""
    with services(api.app).engine.begin() as connection:
        connection.execute(sa.text("UPDATE users SET email_verified_at = NULL WHERE user_id = :u"), {"u": user_id})


def test_registration_mails_a_link_that_verifies_the_address_once(api: Api) -> None:
    user_id = api.register("nia", "Nia Newcomer", verify=False)
    me = api.call("GET", "/me", "nia").json
    token = link_for(api, "nia@example.org")

    with services(api.app).engine.connect() as connection:
        stored = connection.execute(sa.text("SELECT token_hash, purpose FROM email_links")).one()
        subject = connection.execute(sa.select(outbox.c.subject).where(outbox.c.key.like("email-verify:%"))).scalar()
    answer = confirm(api, token)

    assert me["email_verified"] is False and subject == "Coalition: confirm your e-mail address"
    assert token not in stored.token_hash and stored.purpose == "verify"
    assert (answer.status_code, answer.json) == (200, {"email": "nia@example.org", "changed": False})
    [verified] = events(api, "EmailVerified")
    assert (verified.stream_id, verified.payload) == (f"user-{user_id}", {"user_id": user_id, "domain": "example.org"})
    assert "nia@example.org" not in str(verified.payload)
    assert api.call("GET", "/me", "nia").json["email_verified"] is True
    head = api.head()
    assert "ask for a new one" in error_of(confirm(api, token), 404, "not_found")["message"]
    assert api.head() == head


def test_a_link_works_for_48_hours_and_an_unknown_one_never(api: Api) -> None:
    api.register("nia", "Nia Newcomer", verify=False)
    token = link_for(api, "nia@example.org")
    store = services(api.app).store
    later = store.clock() + timedelta(hours=48, seconds=1)
    store.clock = lambda: later
    head = api.head()

    error_of(confirm(api, token), 404, "not_found")
    error_of(confirm(api, "not-a-token"), 404, "not_found")
    assert api.head() == head and api.call("GET", "/me", "nia").json["email_verified"] is False


def test_a_new_link_on_request_and_none_once_verified(api: Api) -> None:
    api.register("nia", "Nia Newcomer", verify=False)
    first = link_for(api, "nia@example.org")

    asked = api.call("POST", "/me/email-verification", "nia")
    second = link_for(api, "nia@example.org")

    assert asked.status_code == 202 and second != first
    assert confirm(api, second).status_code == 200
    error_of(confirm(api, first), 404, "not_found")  # the other links end with the one used
    refused = error_of(api.call("POST", "/me/email-verification", "nia"), 409, "conflict")
    assert refused["message"] == "your e-mail address is already verified"
    assert api.call("POST", "/me/email-verification").status_code == 401


def test_an_unverified_person_may_not_sign_and_the_refusal_says_how_to_fix_it(world: World) -> None:
    w = world
    sid = w.ok("POST", f"{w.path}/statements", "ana", {"title": "T", "body": "B", "language": "en"})["id"]
    w.ok("POST", f"{w.path}/statements/{sid}/open", "ana", {})
    unverify(w.api, w.users["mo"])
    head = w.api.head()

    refused = w.api.call("POST", f"{w.path}/statements/{sid}/signatures", w.who("mo"), {"organisation_id": w.river})

    message = error_of(refused, 403, "forbidden")["message"]
    assert message.startswith("verify your e-mail address before you sign a statement")
    assert w.api.head() == head
    page = signed_in(w, "mo").get(f"/coalitions/{w.coalition}/statements/{sid}").get_data(as_text=True)
    assert "verify your e-mail address before you sign a statement" in page
    assert "Sign this statement" not in page and "Please verify your e-mail address" in page
    w.api.client.post("/api/v1/me/email-verification", headers={"Authorization": f"Bearer {w.api.tokens[w.who('mo')]}"})
    assert confirm(w.api, link_for(w.api, w.email("mo"))).status_code == 200
    assert (
        w.api.call(
            "POST", f"{w.path}/statements/{sid}/signatures", w.who("mo"), {"organisation_id": w.river}
        ).status_code
        == 201
    )


def test_a_mandate_for_an_unverified_person_is_refused_until_they_verify(world: World) -> None:
    w = world
    w.api.register("nia", "Nia Newcomer", verify=False)
    head = w.api.head()
    grant = {"email": "nia@example.org", "title": "Treasurer"}

    refused = w.api.call("POST", f"/organisations/{w.river}/mandates", w.who("bo"), grant)

    assert error_of(refused, 409, "conflict")["message"].startswith("nia@example.org has not verified")
    assert w.api.head() == head
    assert confirm(w.api, link_for(w.api, "nia@example.org")).status_code == 200
    assert w.api.call("POST", f"/organisations/{w.river}/mandates", w.who("bo"), grant).status_code == 201


def test_registering_through_an_invitation_verifies_the_address_it_went_to(world: World) -> None:
    w = world
    sent = w.ok("POST", f"/organisations/{w.river}/mandates", "bo", {"email": "nia@example.org", "title": "Treasurer"})
    with services(w.api.app).engine.connect() as connection:
        text = connection.execute(sa.select(outbox.c.text).where(outbox.c.email == "nia@example.org")).scalar()
    token = re.search(r"/invitations/([A-Za-z0-9_-]+)", str(text)).group(1)  # type: ignore[union-attr]
    client = w.api.app.test_client()
    path = f"/register?invitation={token}"

    client.post(path, data={"csrf_token": csrf(client, path), "name": "Nia", "email": "x@y.org", "password": PASSWORD})

    assert "invitation" in sent
    [verified] = [e for e in events(w.api, "EmailVerified") if e.payload["domain"] == "example.org"][-1:]
    assert (verified.metadata.actor_id, verified.payload["user_id"]) == (verified.payload["user_id"],) * 2
    assert "Please verify your e-mail address" not in client.get("/").get_data(as_text=True)
    assert events(w.api, "MandateGranted")[-1].payload["user_id"] == verified.payload["user_id"]


def test_the_pages_ask_for_verification_and_confirm_only_with_a_button(world: World) -> None:
    w = world
    w.api.register("nia", "Nia Newcomer", verify=False)
    token = link_for(w.api, "nia@example.org")
    client = w.api.app.test_client()
    client.post("/login", data={"csrf_token": csrf(client, "/login"), "email": "nia@example.org", "password": PASSWORD})

    home = client.get("/").get_data(as_text=True)
    account = client.get("/account").get_data(as_text=True)
    opened = client.get(f"/verify-email/{token}")

    assert "Please verify your e-mail address: open the link we sent to nia@example.org" in home
    assert "not verified" in account and "Send me a new link" in account
    assert opened.status_code == 200 and opened.headers["Cache-Control"] == "no-store"
    assert "Confirm my e-mail address" in opened.get_data(as_text=True)
    assert w.api.call("GET", "/me", "nia").json["email_verified"] is False  # opening the link changed nothing
    done = client.post(f"/verify-email/{token}", data={"csrf_token": csrf(client, f"/verify-email/{token}")})
    assert done.status_code == 302 and done.headers["Location"] == "/account"
    after = client.get("/account").get_data(as_text=True)
    assert "Thank you: nia@example.org is verified." in after and "Please verify" not in after
    assert client.get(f"/verify-email/{token}").status_code == 404


def test_a_new_link_from_the_account_page(world: World) -> None:
    w = world
    w.api.register("nia", "Nia Newcomer", verify=False)
    client = w.api.app.test_client()
    client.post("/login", data={"csrf_token": csrf(client, "/login"), "email": "nia@example.org", "password": PASSWORD})
    first = link_for(w.api, "nia@example.org")

    sent = client.post("/account/verification", data={"csrf_token": csrf(client, "/account")}, follow_redirects=True)

    assert "A new link is on its way to nia@example.org" in sent.get_data(as_text=True)
    assert link_for(w.api, "nia@example.org") != first
