"""The delivery machinery: the reactor queues what an event calls for, the loop sends it over real SMTP,
with the headers mail clients need, and SMTP failures retry or fail without losing anything."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

import pytest
from sqlalchemy import select

from coalition.notify import outbox
from coalition.notify.tables import outbox as table
from coalition.notify.worker import Notifier
from tests.e2e.conftest import services
from tests.e2e.notices import only_new_events
from tests.e2e.test_api_statements import opened
from tests.e2e.world import World
from tests.mail import SmtpServer, body, skip_history


@pytest.fixture(autouse=True)
def news_only(world: World) -> None:
    """The reactor starts past the world's own events: these tests count the messages of one opening."""
    only_new_events(world)


def notifier(world: World, smtp: SmtpServer, clock: list[datetime] | None = None) -> Notifier:
    """A notifier sending to `smtp`, its reactor moved past the world's own events (only what a test does is news)."""
    world.api.app.config["MAIL_URL"] = smtp.url
    skip_history(world.api.app)
    return Notifier(world.api.app, (lambda: clock[0]) if clock else None)


def rows(world: World) -> list[dict[str, object]]:
    with services(world.api.app).engine.connect() as connection:
        return [dict(r) for r in connection.execute(select(table).order_by(table.c.key)).mappings()]


def test_a_new_platform_mails_about_its_first_events(world: World, smtp: SmtpServer) -> None:
    """The reactor starts at position 0 on a fresh database: nothing the first people did is skipped."""
    opened(world)
    with services(world.api.app).store.transaction(lock=False) as connection:  # as migrated: before this file's fixture
        connection.exec_driver_sql("UPDATE projection_checkpoints SET position = 0 WHERE name = 'notify'")
    world.api.app.config["MAIL_URL"] = smtp.url
    assert Notifier(world.api.app).turn().events == services(world.api.app).store.head()[0]
    assert len(smtp.to(world.email("lia"))) >= 1


def test_opening_a_statement_mails_every_mandate_holder_of_every_active_member(world: World, smtp: SmtpServer) -> None:
    worker = notifier(world, smtp)
    opened(world)
    turn = worker.turn()
    assert turn.sent == 2
    assert sorted(str(m["To"]) for m in smtp.messages) == [world.email("lia"), world.email("mo")]
    mail = smtp.to(world.email("lia"))[0]
    assert mail["Subject"] == "Sign for your organisation: Clean rivers now"
    assert "Hello Lia Kowal," in body(mail)
    assert f"http://127.0.0.1:5000/coalitions/{world.coalition}/statements/" in body(mail)
    assert "<strong>Clean rivers now</strong>" in body(mail, "html")


def test_every_message_carries_automation_threading_and_one_click_unsubscribe_headers(
    world: World, smtp: SmtpServer
) -> None:
    worker = notifier(world, smtp)
    opened(world)
    worker.turn()
    mail: EmailMessage = smtp.to(world.email("lia"))[0]
    assert mail["Auto-Submitted"] == "auto-generated"
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert str(mail["List-Unsubscribe"]).strip().startswith("<http://127.0.0.1:5000/unsubscribe/")
    assert str(mail["Message-ID"]).endswith("@localhost>")
    assert "src=" not in body(mail, "html")  # no remote images, nothing fetched when opened


def test_a_second_turn_sends_nothing_again(world: World, smtp: SmtpServer) -> None:
    worker = notifier(world, smtp)
    opened(world)
    worker.turn()
    again = worker.turn()
    assert (again.events, again.sent) == (0, 0)
    assert len(smtp.messages) == 2


def test_reading_the_same_events_twice_queues_each_message_once(world: World, smtp: SmtpServer) -> None:
    """At-least-once reading, exactly-once queuing: a reactor that crashed before moving its checkpoint."""
    worker = notifier(world, smtp)
    start = world.api.head()
    opened(world)
    with world.api.app.app_context():
        worker.reactor.follow(datetime.now(UTC))
        with services(world.api.app).store.transaction(lock=False) as connection:
            connection.exec_driver_sql(f"UPDATE projection_checkpoints SET position = {start} WHERE name = 'notify'")
        Notifier(world.api.app).reactor.follow(datetime.now(UTC))  # a new process, from the old checkpoint
    assert len(rows(world)) == 2


def test_a_temporary_refusal_is_retried_later_and_then_delivered(world: World, smtp: SmtpServer) -> None:
    now = [datetime.now(UTC)]
    worker = notifier(world, smtp, now)
    opened(world)
    smtp.collector.reply = "451 4.3.0 try again later"
    assert worker.turn().sent == 0
    waiting = rows(world)
    assert {r["status"] for r in waiting} == {"queued"}
    assert all("451" in str(r["last_error"]) for r in waiting)
    smtp.collector.reply = None
    assert worker.turn().sent == 0  # not due yet: the backoff holds
    now[0] += outbox.BACKOFF[0]
    assert worker.turn().sent == 2
    assert {r["status"] for r in rows(world)} == {"sent"}


def test_a_permanent_refusal_marks_the_message_failed_with_the_reason(world: World, smtp: SmtpServer) -> None:
    worker = notifier(world, smtp)
    opened(world)
    smtp.collector.reply = "550 5.1.1 no such mailbox"
    worker.turn()
    failed = rows(world)
    assert {r["status"] for r in failed} == {"failed"}
    assert all("550 5.1.1 no such mailbox" in str(r["last_error"]) for r in failed)


def test_commands_succeed_while_smtp_is_down_and_everything_goes_out_when_it_is_back(
    world: World, smtp: SmtpServer
) -> None:
    smtp.stop()
    now = [datetime.now(UTC)]
    worker = notifier(world, smtp, now)
    opened(world)  # the command does not wait for, or fail because of, delivery
    assert worker.turn().sent == 0
    assert all("cannot reach" in str(r["last_error"]) for r in rows(world))
    smtp.start()
    now[0] += timedelta(minutes=5)
    assert worker.turn().sent == 2
    assert len(smtp.messages) == 2


def test_temporary_failures_give_up_after_two_days(world: World, smtp: SmtpServer) -> None:
    now = [datetime.now(UTC)]
    worker = notifier(world, smtp, now)
    opened(world)
    smtp.stop()
    worker.turn()
    now[0] += outbox.GIVE_UP_AFTER + timedelta(minutes=1)
    worker.turn()
    assert {r["status"] for r in rows(world)} == {"failed"}


def test_a_claim_that_lapsed_is_sent_again_with_the_same_message_id(world: World, smtp: SmtpServer) -> None:
    """A sender killed after claiming: its rows go out when the lease lapses, under the same Message-ID."""
    now = [datetime.now(UTC)]
    worker = notifier(world, smtp, now)
    opened(world)
    with world.api.app.app_context():
        worker.reactor.follow(now[0])
    with services(world.api.app).store.transaction(lock=False) as connection:
        claimed = outbox.claim(connection, now[0], 10)
    assert len(claimed) == 2
    assert worker.turn().sent == 0  # claimed by the (dead) sender: not due
    now[0] += outbox.LEASE
    assert worker.turn().sent == 2
    ids = sorted(str(m["Message-ID"]) for m in smtp.messages)
    assert ids == sorted(f"<{r['message_id']}@localhost>" for r in claimed)


def test_the_file_transport_writes_one_eml_per_message(world: World, tmp_path: pytest.TempPathFactory) -> None:
    skip_history(world.api.app)
    opened(world)
    folder = tmp_path / "outbox"  # type: ignore[operator]
    world.api.app.config["MAIL_URL"] = f"file://{folder}"
    assert Notifier(world.api.app).turn().sent == 2
    written = sorted(p.name for p in folder.iterdir())
    assert written == sorted(f"{r['message_id']}.eml" for r in rows(world))


def test_status_shows_the_checkpoint_and_failed_messages_with_their_reasons(world: World, smtp: SmtpServer) -> None:
    worker = notifier(world, smtp)
    opened(world)
    smtp.collector.reply = "550 5.1.1 no such mailbox"
    worker.turn()
    shown = world.api.app.test_cli_runner().invoke(args=["notify", "status"])
    assert shown.exit_code == 0, shown.output
    assert "2 failed" in shown.output
    assert "550 5.1.1 no such mailbox" in shown.output
    head = services(world.api.app).store.head()[0]
    assert f"Reactor: {head} of {head} (0 behind)" in shown.output


def test_run_once_does_everything_due_and_exits(world: World, smtp: SmtpServer) -> None:
    skip_history(world.api.app)
    opened(world)
    world.api.app.config["MAIL_URL"] = smtp.url
    done = world.api.app.test_cli_runner().invoke(args=["notify", "run", "--once"])
    assert done.exit_code == 0, done.output
    assert "2 messages sent" in done.output
    assert len(smtp.messages) == 2


def test_events_older_than_a_week_are_not_news(world: World, smtp: SmtpServer) -> None:
    worker = notifier(world, smtp)
    opened(world)
    with world.api.app.app_context():
        worker.reactor.follow(datetime.now(UTC) + timedelta(days=8))
    assert rows(world) == []


def test_the_reactor_reads_no_further_than_the_read_models_in_worker_mode(world: World, smtp: SmtpServer) -> None:
    worker = notifier(world, smtp)
    opened(world)
    worker.reactor.read_up_to = lambda connection: 0
    assert worker.reactor.follow(datetime.now(UTC)) == 0
    assert rows(world) == []


def test_a_deadline_is_written_out_in_the_recipients_language(world: World, smtp: SmtpServer) -> None:
    from coalition.accounts import set_locale

    set_locale(services(world.api.app).engine, world.users["mo"], "ro")
    worker = notifier(world, smtp)
    opened(world, deadline="2027-01-15T17:00:00+00:00")
    worker.turn()
    assert "Signatures close on January 15, 2027, 17:00 UTC." in body(smtp.to(world.email("lia"))[0])
    romanian = smtp.to(world.email("mo"))[0]
    assert "15 ianuarie 2027, 17:00 UTC" in body(romanian)


def test_a_message_rendered_once_for_many_recipients_is_each_ones_own(world: World, smtp: SmtpServer) -> None:
    """Rendered once per language with stand-ins, each copy carries its recipient's name (escaped as the page of
    a direct rendering would) and their own unsubscribe link, exactly as rendering it for them alone."""
    from coalition.notify.compose import unsubscribe_url
    from coalition.notify.messages import Notice, render
    from coalition.notify.reactor import messages, recipients

    engine = services(world.api.app).engine
    with engine.begin() as connection:
        connection.exec_driver_sql(
            "UPDATE users SET name = 'Lia <b>&amp; *Kowal* \"L\"' WHERE user_id = ?"
            if engine.dialect.name == "sqlite"
            else "UPDATE users SET name = 'Lia <b>&amp; *Kowal* \"L\"' WHERE user_id = %s",
            (world.users["lia"],),
        )
    notice = {"title": "Clean rivers now", "titles": {}, "deadline": None, "threshold": 1, "path": "/x"}
    with world.api.app.app_context(), engine.connect() as connection:
        now = datetime.now(UTC)
        made = messages(
            connection,
            world.api.app.config,
            [
                (f"k{p}", Notice("statement_opened", world.users[p], "statement_opened", notice), None)
                for p in ("lia", "mo")
            ],
            now,
        )
        for row, person in zip(made, ("lia", "mo"), strict=True):
            alone = recipients(connection, [world.users[person]])[world.users[person]]
            direct = render(
                "statement_opened",
                alone.locale,
                {
                    "bare": False,
                    "recipient_name": alone.name,
                    "unsubscribe_url": unsubscribe_url(world.api.app.config, alone.user_id or "", "statement_opened"),
                    **notice,
                },
            )
            assert (row["subject"], row["text"], row["html"]) == (direct.subject, direct.text, direct.html)
    assert made[0]["text"] != made[1]["text"]
