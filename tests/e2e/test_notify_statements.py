"""Who hears of a statement: opened, amended, its deadline coming, closed, published (each in their language)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from sqlalchemy import select

from coalition.notify.tables import outbox as table
from tests.e2e.conftest import services
from tests.e2e.notices import kinds_queued, mail_to, notifier, only_new_events, received, speaks
from tests.e2e.test_api_statements import opened
from tests.e2e.world import World
from tests.mail import SmtpServer, body


def sign(world: World, path: str, person: str = "mo") -> None:
    world.ok("POST", f"{path}/signatures", person, {"organisation_id": world.river})


def test_opening_reaches_every_mandate_holder_of_the_active_members_and_no_one_else(
    world: World, smtp: SmtpServer
) -> None:
    only_new_events(world)
    opened(world)
    notifier(world, smtp).turn()
    assert received(world, smtp) == {"lia", "mo"}  # River Watch's mandates; Ana, Bo and Olli hold none
    assert mail_to(world, smtp, "mo")["Subject"] == "Sign for your organisation: Clean rivers now"


def test_a_person_who_chose_romanian_gets_the_opening_in_romanian_with_the_romanian_title(
    world: World, smtp: SmtpServer
) -> None:
    only_new_events(world)
    speaks(world, "lia", "ro")
    opened(world)
    notifier(world, smtp).turn()
    mail = mail_to(world, smtp, "lia")
    assert mail["Subject"] == "Semnați pentru organizația dumneavoastră: Râuri curate acum"
    assert "Bună ziua, Lia Kowal," in body(mail)
    assert "Citiți și semnați declarația" in body(mail)
    assert mail_to(world, smtp, "mo")["Subject"] == "Sign for your organisation: Clean rivers now"


def test_an_amendment_asks_the_signing_members_mandate_holders_to_confirm(world: World, smtp: SmtpServer) -> None:
    path = opened(world)
    sign(world, path)
    only_new_events(world)
    world.ok("POST", f"{path}/amend", "ana", {"title": "Clean rivers, now"})
    notifier(world, smtp).turn()
    assert received(world, smtp) == {"lia", "mo"}  # both hold River Watch's mandate: either may confirm
    mail = mail_to(world, smtp, "lia")
    assert mail["Subject"] == "Confirm your signature: Clean rivers, now"
    assert f"{path}" in body(mail)


def test_an_amendment_tells_no_one_when_no_signature_was_on_the_earlier_version(world: World, smtp: SmtpServer) -> None:
    path = opened(world)
    sign(world, path)
    world.ok("POST", f"{path}/signatures/{world.river}/withdraw", "mo", {"reason": "Board review"})
    only_new_events(world)
    world.ok("POST", f"{path}/amend", "ana", {"title": "Clean rivers, now"})
    notifier(world, smtp).turn()
    assert smtp.messages == []


def test_the_deadline_reminders_fire_three_days_and_one_day_before_once_each(world: World, smtp: SmtpServer) -> None:
    deadline = datetime.combine(datetime.now(UTC).date() + timedelta(days=10), time(17), UTC)
    opened(world, deadline=deadline.isoformat())
    only_new_events(world)
    now = [datetime.combine(deadline.date() - timedelta(days=4), time(8), UTC)]
    worker = notifier(world, smtp, lambda: now[0])
    sent = []
    for _ in range(5):  # four days before, three, two, one, the deadline's day: every hour of each
        for hour in range(0, 24, 6):
            now[0] = now[0].replace(hour=hour)
            worker.turn()
        sent.append(sorted(str(m["Subject"]) for m in smtp.messages))
        smtp.collector.messages.clear()
        now[0] += timedelta(days=1)
    three, one = "3 days left to sign: Clean rivers now", "1 day left to sign: Clean rivers now"
    assert sent == [[], [three, three], [], [one, one], []]
    assert kinds_queued(world) == {"statement_deadline_3": {"lia", "mo"}, "statement_deadline_1": {"lia", "mo"}}


def test_the_deadline_reminders_skip_members_that_signed_the_current_version(world: World, smtp: SmtpServer) -> None:
    deadline = datetime.combine(datetime.now(UTC).date() + timedelta(days=10), time(17), UTC)
    path = opened(world, deadline=deadline.isoformat())
    sign(world, path)
    now = datetime.combine(deadline.date() - timedelta(days=3), time(9), UTC)
    notifier(world, smtp, lambda: now).turn()
    assert "statement_deadline_3" not in kinds_queued(world)


def test_a_member_whose_signature_awaits_confirmation_is_reminded(world: World, smtp: SmtpServer) -> None:
    deadline = datetime.combine(datetime.now(UTC).date() + timedelta(days=10), time(17), UTC)
    path = opened(world, deadline=deadline.isoformat())
    sign(world, path)
    world.ok("POST", f"{path}/amend", "ana", {"title": "Clean rivers, now"})
    now = datetime.combine(deadline.date() - timedelta(days=1), time(9), UTC)
    notifier(world, smtp, lambda: now).turn()
    assert kinds_queued(world)["statement_deadline_1"] == {"lia", "mo"}


def test_closing_tells_the_signers_and_the_facilitators(world: World, smtp: SmtpServer) -> None:
    path = opened(world)
    sign(world, path)
    only_new_events(world)
    world.ok("POST", f"{path}/close", "ana")
    notifier(world, smtp).turn()
    assert received(world, smtp) == {"mo", "ana"}  # Mo signed; Ana facilitates; Lia and Bo did neither
    mail = mail_to(world, smtp, "ana")
    assert mail["Subject"] == "Signing closed: Clean rivers now"
    assert "1 organisation signed it." in body(mail)


def test_publishing_sends_each_signer_the_sealed_pdf_in_their_language(world: World, smtp: SmtpServer) -> None:
    path = opened(world)
    sign(world, path)
    world.ok("POST", f"{path}/close", "ana")
    speaks(world, "mo", "ro")
    only_new_events(world)
    world.ok("POST", f"{path}/publish", "ana")
    notifier(world, smtp).turn()
    assert received(world, smtp) == {"mo"}
    mail = mail_to(world, smtp, "mo")
    assert mail["Subject"] == "Publicată: Râuri curate acum"
    statement_id = path.rsplit("/", 1)[1]
    assert f"/public/statements/{statement_id}" in body(mail)
    attachments = list(mail.iter_attachments())
    assert len(attachments) == 1
    assert attachments[0].get_content_type() == "application/pdf"
    assert attachments[0].get_content().startswith(b"%PDF")  # type: ignore[attr-defined]
    with services(world.api.app).engine.connect() as connection:
        spec = connection.execute(select(table.c.attachment).where(table.c.kind == "statement_published")).scalar()
    assert spec == f"statement-pdf:{statement_id}:ro"


def test_a_signer_whose_language_the_statement_lacks_gets_its_own_language(world: World, smtp: SmtpServer) -> None:
    path = opened(world)
    sign(world, path)
    world.ok("POST", f"{path}/close", "ana")
    speaks(world, "mo", "fi")
    world.ok("POST", f"{path}/publish", "ana")
    notifier(world, smtp).turn()
    with services(world.api.app).engine.connect() as connection:
        spec = connection.execute(select(table.c.attachment).where(table.c.kind == "statement_published")).scalar()
    assert str(spec).endswith(":en")


def test_the_amendment_message_quotes_what_changed_before_and_after_in_the_readers_language(
    world: World, smtp: SmtpServer
) -> None:
    path = opened(world)
    sign(world, path)
    speaks(world, "lia", "ro")
    only_new_events(world)
    world.ok(
        "POST",
        f"{path}/amend",
        "ana",
        {
            "body": "We call on *governments* to act today.\n\n- monitor\n- publish",
            "translations": {"ro": {"title": "Râuri curate acum", "body": "Cerem guvernelor să acționeze azi."}},
        },
    )
    notifier(world, smtp).turn()

    text = body(mail_to(world, smtp, "mo"))
    assert "What changed" in text and "English" in text and "Romanian" in text
    assert "Before: We call on governments to act." in text
    assert "After: We call on governments to act today." in text
    assert "*" not in text and "+++" not in text and "@@" not in text and "\n-We" not in text
    assert "monitor" not in text  # only the passages that changed are quoted
    assert "the statement page shows every change" not in text  # all of it was quoted
    html = body(mail_to(world, smtp, "mo"), "html")
    assert "<strong>English</strong>" in html and "After: We call on governments to act today." in html

    romanian = body(mail_to(world, smtp, "lia"))
    assert "Ce s-a schimbat" in romanian and "engleză" in romanian and "română" in romanian
    assert "Înainte: We call on governments to act." in romanian
    assert "După: Cerem guvernelor să acționeze azi." in romanian


def test_a_long_rewrite_is_quoted_in_part_with_a_pointer_to_the_page(world: World, smtp: SmtpServer) -> None:
    path = opened(world)
    sign(world, path)
    only_new_events(world)
    paragraphs = "\n\n".join(f"Paragraph {n} says something new and rather long. " * 20 for n in range(10))
    world.ok("POST", f"{path}/amend", "ana", {"body": paragraphs})
    notifier(world, smtp).turn()

    text = body(mail_to(world, smtp, "mo"))
    assert "…" in text and "the statement page shows every change" in text
    assert len(text) < 8000
