"""Who hears of membership and roles: requests to the facilitators, the rest to the organisation's
administrators, a role to its holder (each in their language)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from coalition.notify.kinds import membership
from coalition.notify.reactor import REACTIONS, messages
from events import RecordedEvent
from tests.e2e.conftest import services
from tests.e2e.notices import mail_to, notifier, only_new_events, received, speaks
from tests.e2e.world import World
from tests.mail import SmtpServer, body


def test_a_request_to_join_reaches_the_facilitators_only(world: World, smtp: SmtpServer) -> None:
    only_new_events(world)
    world.ok("POST", f"{world.path}/members", "olli", {"organisation_id": world.oak})
    notifier(world, smtp).turn()
    assert received(world, smtp) == {"ana"}
    mail = mail_to(world, smtp, "ana")
    assert mail["Subject"] == "Oak Institute asks to join Danube Rivers Coalition"
    assert f"{world.path}/members" in body(mail)


def test_an_approval_reaches_the_organisations_administrators(world: World, smtp: SmtpServer) -> None:
    world.ok("POST", f"{world.path}/members", "olli", {"organisation_id": world.oak})
    only_new_events(world)
    world.ok("POST", f"{world.path}/members/{world.oak}/approve", "ana", {})
    notifier(world, smtp).turn()
    assert received(world, smtp) == {"olli"}
    assert mail_to(world, smtp, "olli")["Subject"] == "Welcome to Danube Rivers Coalition"


def test_an_invitation_reaches_the_invited_organisations_administrators(world: World, smtp: SmtpServer) -> None:
    only_new_events(world)
    world.ok("POST", f"{world.path}/members", "ana", {"organisation_id": world.oak})
    notifier(world, smtp).turn()
    assert received(world, smtp) == {"olli"}
    mail = mail_to(world, smtp, "olli")
    assert mail["Subject"] == "Oak Institute is invited to join Danube Rivers Coalition"
    assert f"{world.path}/join" in body(mail)


def test_a_suspension_and_a_reinstatement_reach_the_administrators_with_the_reason(
    world: World, smtp: SmtpServer
) -> None:
    only_new_events(world)
    world.ok("POST", f"{world.path}/members/{world.river}/suspend", "ana", {"reason": "Dues unpaid since *March*"})
    worker = notifier(world, smtp)
    worker.turn()
    assert received(world, smtp) == {"bo"}  # River Watch's administrator; Lia and Mo hold mandates only
    mail = mail_to(world, smtp, "bo")
    assert mail["Subject"] == "River Watch is suspended from Danube Rivers Coalition"
    assert "Their reason: Dues unpaid since *March*" in body(mail)
    assert "<em>" not in body(mail, "html")  # the reason is shown as typed
    world.ok("POST", f"{world.path}/members/{world.river}/reinstate", "ana", {"reason": "Dues paid"})
    worker.turn()
    mail = mail_to(world, smtp, "bo", "River Watch is reinstated")
    assert "Their reason: Dues paid" in body(mail)


def test_a_role_reaches_its_holder_only_in_their_language(world: World, smtp: SmtpServer) -> None:
    only_new_events(world)
    speaks(world, "mo", "ro")
    world.ok(
        "POST",
        f"{world.path}/roles",
        "ana",
        {"email": world.email("mo"), "organisation_id": world.river, "role": "endorser"},
    )
    notifier(world, smtp).turn()
    assert received(world, smtp) == {"mo"}
    mail = mail_to(world, smtp, "mo")
    assert mail["Subject"] == "Rolul dumneavoastră în Danube Rivers Coalition: susținător"
    assert "Acum sunteți susținător pentru River Watch" in body(mail)


def test_a_declined_request_reaches_the_administrators_with_the_reason(world: World, smtp: SmtpServer) -> None:
    """`MembershipDeclined` is another helper's event: its reaction is registered by name and works once it exists."""
    assert REACTIONS["MembershipDeclined"] is membership.to_administrators
    declined = RecordedEvent(
        1,
        f"coalition-{world.coalition}",
        9,
        "MembershipDeclined",
        1,
        {"coalition_id": world.coalition, "organisation_id": world.oak, "reason": "Outside the basin"},
        {},  # type: ignore[arg-type]
        datetime.now(UTC),
        "0" * 64,
    )
    speaks(world, "olli", "ro")
    with world.api.app.app_context(), services(world.api.app).engine.connect() as connection:
        notices = list(membership.to_administrators(connection, declined, date.today()))
        assert [n.user_id for n in notices] == [world.users["olli"]]
        rows = messages(connection, world.api.app.config, [("k", notices[0], 1)], datetime.now(UTC))
    assert rows[0]["subject"] == "Cererea de aderare la Danube Rivers Coalition a fost respinsă"
    assert "Motivul lor: Outside the basin" in rows[0]["text"]
    assert f"{world.path}/join" in rows[0]["text"]
