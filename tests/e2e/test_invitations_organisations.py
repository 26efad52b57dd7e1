"""Facilitators invite an organisation that is not on the platform by its contact's e-mail: the contact
registers through the link, describes the organisation, and it joins as an active member (invited, accepted)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from coalition.notify.worker import Notifier
from events import Metadata
from tests.e2e.pages import csrf, signed_in, submit, text
from tests.e2e.test_api_invitations import NEW, events_of, link_of, mails, queued, register_through
from tests.e2e.world import World, error_of
from tests.mail import SmtpServer, body


def invite(world: World, person: str = "ana", **sent: Any) -> Any:
    return world.api.call("POST", f"{world.path}/invitations", world.who(person), {"email": NEW, **sent})


PROFILE = {"country": "HU", "sector": "ngo", "mission": "Clean water for the Tisza"}


def test_a_facilitator_invites_an_organisation_and_it_joins_once_described(world: World, smtp: SmtpServer) -> None:
    sent = invite(world, organisation_name="Tisza Friends", message="We would love to have you.")
    assert sent.status_code == 202 and set(sent.json["invitation"]) == {"id", "email", "expires_at"}
    invitation = sent.json["invitation"]["id"]
    [mail] = mails(world, smtp)
    assert mail["Subject"] == "Ana Pop invites your organisation to join Danube Rivers Coalition"
    assert "Tisza Friends" in body(mail) and "We would love to have you." in body(mail)
    link = link_of(mail)
    client = world.api.app.test_client()

    registered = register_through(client, link)
    assert registered.status_code == 302 and registered.location == link
    form = client.get(link)
    assert 'value="Tisza Friends"' in text(form)
    joined = client.post(link, data={"csrf_token": csrf(client, link), "name": "Tisza Friends", **PROFILE})

    assert joined.status_code == 302 and joined.location == f"/coalitions/{world.coalition}"
    members = world.ok("GET", world.path, "ana")["members"]
    tisza = [m for m in members if m["name"] == "Tisza Friends"]
    assert len(tisza) == 1 and tisza[0]["state"] == "active"
    invited, accepted = events_of(world, "MemberInvited")[-1], events_of(world, "InvitationAccepted")[-1]
    assert invited.position + 1 == accepted.position
    assert invited.metadata.actor_id == accepted.metadata.actor_id != world.users["ana"]
    assert invited.metadata.causation_id == f"invitation-{invitation}"
    assert events_of(world, "InvitationRedeemed")[-1].payload["invited_by"] == world.users["ana"]
    assert client.get(link).status_code == 410


def test_an_incomplete_organisation_is_shown_again_and_nothing_is_recorded(world: World, smtp: SmtpServer) -> None:
    invite(world)
    link = link_of(mails(world, smtp)[0])
    client = world.api.app.test_client()
    register_through(client, link)
    head = world.api.head()
    refused = client.post(link, data={"csrf_token": csrf(client, link), "name": "Tisza Friends"})
    assert refused.status_code == 400 and "Choose a sector." in text(refused)
    assert world.api.head() == head


def test_someone_who_already_has_an_account_signs_in_to_accept(world: World, smtp: SmtpServer) -> None:
    world.api.call("POST", f"{world.path}/invitations", world.who("ana"), {"email": world.email("olli")})
    world.api.app.config["MAIL_URL"] = smtp.url
    Notifier(world.api.app).turn()
    [mail] = smtp.to(world.email("olli"))
    link = link_of(mail)
    page = world.api.app.test_client().get(link)
    assert "Sign in to accept" in text(page) and "Create your account" not in text(page)
    olli = signed_in(world, "olli")
    joined = submit(olli, link, link, {"name": "Oak Field Station", **PROFILE})
    assert joined.status_code == 302
    members = world.ok("GET", world.path, "ana")["members"]
    assert [m["state"] for m in members if m["name"] == "Oak Field Station"] == ["active"]


@pytest.mark.parametrize(
    "person,sent,status,code,field",
    [
        ("bo", {}, 403, "forbidden", None),  # a member's administrator is no facilitator
        ("ana", {"email": "no at sign"}, 422, "invalid", "email"),
        ("ana", {"organisation_name": "Tisza\nFriends"}, 422, "invalid", "organisation_name"),
        ("ana", {"message": "x" * 2001}, 422, "invalid", "message"),
    ],
)
def test_refused_organisation_invitations_record_and_send_nothing(
    world: World, person: str, sent: dict[str, str], status: int, code: str, field: str | None
) -> None:
    head, mail = world.api.head(), queued(world)
    error = error_of(invite(world, person, **sent), status, code)
    if field:
        assert field in error["fields"]
    assert (world.api.head(), queued(world)) == (head, mail)


def test_an_unknown_coalition_is_not_found(world: World) -> None:
    error_of(world.api.call("POST", "/coalitions/nope/invitations", world.who("ana"), {"email": NEW}), 404, "not_found")


def test_a_facilitator_lists_and_cancels_an_organisation_invitation(world: World, smtp: SmtpServer) -> None:
    invitation = invite(world, organisation_name="Tisza Friends").json["invitation"]["id"]
    listed = world.ok("GET", f"{world.path}/invitations", "ana")["invitations"]
    assert [(i["id"], i["kind"], i["name"]) for i in listed] == [(invitation, "organisation", "Tisza Friends")]
    error_of(world.api.call("GET", f"{world.path}/invitations", world.who("bo")), 403, "forbidden")
    error_of(world.api.call("DELETE", f"{world.path}/invitations/{invitation}", world.who("bo")), 403, "forbidden")
    assert world.ok("DELETE", f"{world.path}/invitations/{invitation}", "ana") == {"id": invitation}
    assert world.ok("GET", f"{world.path}/invitations", "ana") == {"invitations": []}
    link = link_of(mails(world, smtp)[0])
    assert world.api.app.test_client().get(link).status_code == 410


def test_the_members_page_invites_by_e_mail_lists_and_cancels(world: World, smtp: SmtpServer) -> None:
    ana = signed_in(world, "ana")
    page = f"/coalitions/{world.coalition}/members"
    sent = submit(ana, page, f"/coalitions/{world.coalition}/invitations", {"email": NEW, "organisation_name": "Tisza"})
    assert sent.status_code == 302
    shown = text(ana.get(page))
    assert f"Invitation sent to {NEW}" in shown and f"Cancel the invitation of {NEW}" in shown
    action = re.search(r'action="(/coalitions/[^"]+/invitations/[^"]+/revoke)"', shown)
    assert action
    assert submit(ana, page, action.group(1), {}).status_code == 302
    assert "The invitation was cancelled" in text(ana.get(page))
    assert len(mails(world, smtp)) == 1


def test_a_bad_address_on_the_members_page_is_shown_again(world: World) -> None:
    ana = signed_in(world, "ana")
    page = f"/coalitions/{world.coalition}/members"
    head = world.api.head()
    refused = submit(ana, page, f"/coalitions/{world.coalition}/invitations", {"email": "nope"})
    assert refused.status_code == 400 and "Invalid email address." in text(refused)
    assert world.api.head() == head


def test_the_metadata_names_the_invitee_and_the_invitation(world: World, smtp: SmtpServer) -> None:
    invitation = invite(world).json["invitation"]["id"]
    client = world.api.app.test_client()
    link = link_of(mails(world, smtp)[0])
    register_through(client, link)
    client.post(link, data={"csrf_token": csrf(client, link), "name": "Tisza Friends", **PROFILE})
    created = events_of(world, "OrganisationCreated")[-1]
    assert created.metadata == Metadata(
        created.payload["created_by"],
        created.payload["organisation_id"],
        created.metadata.correlation_id,
        f"invitation-{invitation}",
    )
