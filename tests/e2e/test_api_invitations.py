"""Invitations of people without an account: 202 with the invitation, the link by e-mail over real SMTP,
single use, expiry, cancelling, and every refusal answered before anything is recorded or sent."""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select, update

from coalition.accounts.invitations import invitations as table
from coalition.notify.tables import outbox
from coalition.notify.worker import Notifier
from events import Metadata
from tests.e2e.conftest import services
from tests.e2e.pages import csrf, text
from tests.e2e.world import PASSWORD, World, error_of
from tests.mail import SmtpServer, body

NEW = "newcomer@example.org"


def invite(world: World, what: str = "mandates", person: str = "bo", **extra: Any) -> Any:
    sent = {"email": NEW, **({"title": "Treasurer"} if what == "mandates" else {}), **extra}
    return world.api.call("POST", f"/organisations/{world.river}/{what}", world.who(person), sent)


def mails(world: World, smtp: SmtpServer) -> list[Any]:
    world.api.app.config["MAIL_URL"] = smtp.url
    Notifier(world.api.app).turn()
    return smtp.to(NEW)


def link_of(message: Any) -> str:
    found = re.search(r"http://127\.0\.0\.1:5000(/invitations/[A-Za-z0-9_-]+)", body(message))
    assert found, body(message)
    return found.group(1)


def queued(world: World) -> int:
    with services(world.api.app).engine.connect() as connection:
        return len(connection.execute(select(outbox.c.key)).all())


def register_through(client: FlaskClient, link: str, email: str = "ignored@example.org") -> Any:
    """Register on the page the link leads to (the address typed is ignored: the invitation's is used)."""
    path = f"/register?invitation={link.rsplit('/', 1)[1]}"
    data = {"csrf_token": csrf(client, path), "name": "Nia Newcomer", "email": email, "password": PASSWORD}
    return client.post(path, data=data)


def events_of(world: World, kind: str) -> list[Any]:
    store = services(world.api.app).store
    return [e for e in store.read_all() if e.type == kind]


def test_an_address_without_an_account_gets_a_mandate_invitation_by_mail(world: World, smtp: SmtpServer) -> None:
    response = invite(world)

    assert response.status_code == 202, response.json
    assert set(response.json) == {"invitation"}
    assert set(response.json["invitation"]) == {"id", "email", "expires_at"}
    assert response.json["invitation"]["email"] == NEW
    [mail] = mails(world, smtp)
    assert mail["Subject"] == "Bo Nowak invites you to sign for River Watch"
    assert "List-Unsubscribe" not in mail  # an invitation answers something done with the address
    assert "**Treasurer**" not in body(mail) and "Treasurer" in body(mail)
    assert "Hello," in body(mail)
    assert link_of(mail).startswith("/invitations/")
    issued = events_of(world, "InvitationIssued")[-1]
    assert issued.payload["invited_by"] == world.users["bo"] and issued.payload["kind"] == "mandate"
    assert NEW not in json.dumps([e.payload for e in services(world.api.app).store.read_all()])


def test_registering_through_the_link_grants_the_mandate_once(world: World, smtp: SmtpServer) -> None:
    invitation = invite(world).json["invitation"]["id"]
    link = link_of(mails(world, smtp)[0])
    client = world.api.app.test_client()
    assert client.get(link).status_code == 200

    registered = register_through(client, link)

    assert registered.status_code == 302 and registered.location == f"/organisations/{world.river}"
    profile = world.ok("GET", f"/organisations/{world.river}", "bo")
    granted = [m for m in profile["mandates"] if m["title"] == "Treasurer"]
    assert len(granted) == 1 and granted[0]["name"] == "Nia Newcomer" and granted[0]["valid_today"]
    event = events_of(world, "MandateGranted")[-1]
    newcomer = granted[0]["user_id"]
    assert event.metadata == Metadata(newcomer, world.river, event.metadata.correlation_id, f"invitation-{invitation}")
    redeemed = events_of(world, "InvitationRedeemed")[-1].payload
    assert redeemed == {"invitation_id": invitation, "user_id": newcomer, "invited_by": world.users["bo"]}
    head = world.api.head()
    again = client.get(link)
    assert again.status_code == 410 and "already used" in text(again)
    assert client.post(link, data={"csrf_token": csrf(client, "/organisations")}).status_code == 410
    assert world.api.head() == head


def test_an_administrator_invitation_makes_the_invitee_an_administrator(world: World, smtp: SmtpServer) -> None:
    assert invite(world, "administrators").status_code == 202
    [mail] = mails(world, smtp)
    assert mail["Subject"] == "Bo Nowak invites you to administer River Watch"
    register_through(world.api.app.test_client(), link_of(mail))
    profile = world.ok("GET", f"/organisations/{world.river}", "bo")
    assert "Nia Newcomer" in [a["name"] for a in profile["administrators"]]


def test_an_invitation_is_in_the_language_of_the_inviter(world: World, smtp: SmtpServer) -> None:
    sent = world.api.call(
        "POST",
        f"/organisations/{world.river}/administrators",
        world.who("bo"),
        {"email": NEW},
        headers={"Accept-Language": "ro"},
    )
    assert sent.status_code == 202
    [mail] = mails(world, smtp)
    assert mail["Subject"] == "Bo Nowak vă invită să administrați River Watch"
    assert mail["Content-Language"] == "ro"


def test_an_invitation_tells_when_its_link_ends_on_the_inviters_clock(world: World, smtp: SmtpServer) -> None:
    world.ok("PATCH", "/me", "bo", {"time_zone": "Europe/Bucharest"})
    assert invite(world).status_code == 202
    with services(world.api.app).engine.connect() as connection:
        ends = connection.execute(select(table.c.expires_at).where(table.c.email == NEW)).scalar_one()
    on_bos_clock = datetime.fromisoformat(str(ends).replace("Z", "+00:00")).astimezone(ZoneInfo("Europe/Bucharest"))

    [mail] = mails(world, smtp)

    assert f"{on_bos_clock:%H:%M} Europe/Bucharest" in body(mail), body(mail)
    assert "UTC" not in body(mail)


def test_an_invitation_from_someone_with_no_time_zone_tells_the_time_in_utc(world: World, smtp: SmtpServer) -> None:
    assert world.ok("GET", "/me", "bo")["time_zone"] is None
    assert invite(world).status_code == 202
    assert re.search(r"until .*\d\d:\d\d UTC", body(mails(world, smtp)[0]))


def test_an_expired_link_is_gone_and_records_nothing(world: World, smtp: SmtpServer) -> None:
    invitation = invite(world).json["invitation"]["id"]
    link = link_of(mails(world, smtp)[0])
    with services(world.api.app).store.transaction(lock=False) as connection:
        connection.execute(update(table).where(table.c.invitation_id == invitation).values(expires_at="2020-01-01"))
    client = world.api.app.test_client()
    head = world.api.head()

    shown = client.get(link)
    registered = register_through(client, link)

    assert shown.status_code == 410 and "has expired" in text(shown)
    assert registered.status_code == 410
    assert world.api.head() == head
    assert world.ok("GET", f"/organisations/{world.river}/invitations", "bo") == {"invitations": []}


def test_an_unknown_link_is_not_found(world: World) -> None:
    response = world.api.app.test_client().get("/invitations/not-a-token")
    assert response.status_code == 404 and "not known" in text(response)


def test_an_administrator_lists_and_cancels_a_pending_invitation(world: World, smtp: SmtpServer) -> None:
    invitation = invite(world).json["invitation"]["id"]
    link = link_of(mails(world, smtp)[0])
    listed = world.ok("GET", f"/organisations/{world.river}/invitations", "bo")["invitations"]
    assert [(i["id"], i["email"], i["kind"], i["title"]) for i in listed] == [(invitation, NEW, "mandate", "Treasurer")]
    path = f"/organisations/{world.river}/invitations/{invitation}"

    error_of(world.api.call("DELETE", path, world.who("lia")), 403, "forbidden")
    error_of(
        world.api.call("DELETE", f"/organisations/{world.green}/invitations/{invitation}", world.who("ana")),
        404,
        "not_found",
    )
    assert world.ok("DELETE", path, "bo") == {"id": invitation}
    error_of(world.api.call("DELETE", path, world.who("bo")), 409, "conflict")

    assert world.ok("GET", f"/organisations/{world.river}/invitations", "bo") == {"invitations": []}
    assert [e.payload["revoked_by"] for e in events_of(world, "InvitationRevoked")] == [world.users["bo"]]
    head = world.api.head()
    client = world.api.app.test_client()
    assert client.get(link).status_code == 410 and "cancelled" in text(client.get(link))
    assert register_through(client, link).status_code == 410
    assert world.api.head() == head
    error_of(world.api.call("GET", f"/organisations/{world.river}/invitations", world.who("mo")), 403, "forbidden")


def test_inviting_the_same_address_again_answers_the_pending_invitation_without_a_second_mail(
    world: World, smtp: SmtpServer
) -> None:
    first = invite(world).json
    head = world.api.head()
    again = invite(world)
    other_title = invite(world, title="Secretary")

    assert again.status_code == 202 and again.json == first
    assert world.api.head() == head
    assert len(mails(world, smtp)) == 1
    assert error_of(other_title, 409, "conflict")["message"].startswith(f"{NEW} already has a pending invitation")


@pytest.mark.parametrize(
    "person,what,sent,status,code,field",
    [
        ("mo", "mandates", {}, 403, "forbidden", None),  # a mandate holder is no administrator
        ("olli", "administrators", {}, 403, "forbidden", None),
        ("bo", "mandates", {"email": "not an address"}, 422, "invalid", "email"),
        ("bo", "mandates", {"email": "someone@localhost"}, 422, "invalid", "email"),
        ("bo", "mandates", {"title": "Treasurer\r\nBcc: x@example.org"}, 422, "invalid", "title"),
        ("bo", "mandates", {"valid_from": "2027-01-02", "valid_until": "2027-01-01"}, 409, "conflict", None),
        ("bo", "mandates", {"title": ""}, 422, "invalid", "title"),
    ],
)
def test_refused_invitations_record_and_send_nothing(
    world: World, person: str, what: str, sent: dict[str, str], status: int, code: str, field: str | None
) -> None:
    head, mail = world.api.head(), queued(world)
    error = error_of(invite(world, what, person, **sent), status, code)
    if field:
        assert field in error["fields"]
    assert (world.api.head(), queued(world)) == (head, mail)


def test_an_unknown_organisation_is_not_found(world: World) -> None:
    response = world.api.call("POST", "/organisations/nope/administrators", world.who("bo"), {"email": NEW})
    error_of(response, 404, "not_found")


def test_a_retry_with_the_same_idempotency_key_gets_the_same_202(world: World, smtp: SmtpServer) -> None:
    headers = {"Idempotency-Key": "invite-once"}
    path = f"/organisations/{world.river}/administrators"
    first = world.api.call("POST", path, world.who("bo"), {"email": NEW}, headers)
    second = world.api.call("POST", path, world.who("bo"), {"email": NEW}, headers)
    assert (first.status_code, second.status_code) == (202, 202)
    assert first.json == second.json and second.headers["Idempotent-Replayed"] == "true"
    assert len(mails(world, smtp)) == 1


def test_an_invitation_sent_to_someone_else_is_not_accepted_by_another_account(world: World, smtp: SmtpServer) -> None:
    invite(world)
    link = link_of(mails(world, smtp)[0])
    client = world.api.app.test_client()
    client.post(
        "/login", data={"csrf_token": csrf(client, "/login"), "email": world.email("olli"), "password": PASSWORD}
    )
    head = world.api.head()
    page = client.get(link)
    assert "you are signed in as" in text(page)
    refused = client.post(link, data={"csrf_token": csrf(client, link)})
    assert refused.status_code == 403
    assert world.api.head() == head


def test_the_openapi_document_describes_the_202_answers(world: World) -> None:
    document = world.api.client.get("/api/v1/openapi.json").json
    administrators = document["paths"]["/organisations/{organisation_id}/administrators"]["post"]["responses"]
    assert set(administrators) >= {"201", "202"}
    assert "invitation" in json.dumps(administrators["202"])
    assert "202" in document["paths"]["/coalitions/{coalition_id}/invitations"]["post"]["responses"]


def test_the_landing_page_speaks_romanian(world: World, smtp: SmtpServer) -> None:
    invite(world)
    link = link_of(mails(world, smtp)[0])
    page = text(world.api.app.test_client().get(link, headers={"Accept-Language": "ro"}))
    assert "Sunteți invitat" in page and "Creați-vă contul cu newcomer@example.org pentru a accepta." in page
