"""A person's choices per kind: off (nothing), daily (held, then gathered in one digest at their hour); and a
hostile title stays text: one subject line, no link or script in the HTML, in a message or a digest."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from flask_babel import force_locale

from coalition.notify.kinds import KINDS
from tests.e2e.notices import chooses, kinds_queued, mail_to, notifier, only_new_events, received
from tests.e2e.test_api_statements import draft, opened
from tests.e2e.world import World
from tests.mail import SmtpServer, body

HOSTILE = "Act now Bcc: evil@example.org [x](https://evil.example) <script>alert(1)</script>"  # CR/LF: a 422


def new_task(world: World) -> None:
    world.ok(
        "POST",
        f"{world.path}/tasks",
        "ana",
        {
            "title": "Print the brief",
            "description": "500 copies",
            "organisation_id": world.river,
            "due_on": "2027-05-15",
        },
    )


def test_a_kind_turned_off_is_not_sent_to_that_person(world: World, smtp: SmtpServer) -> None:
    only_new_events(world)
    chooses(world, "lia", "statement_opened", "off")
    opened(world)
    notifier(world, smtp).turn()
    assert received(world, smtp) == {"mo"}
    assert kinds_queued(world) == {"statement_opened": {"mo"}}


def test_daily_kinds_are_held_then_gathered_into_one_digest_at_the_persons_hour(world: World, smtp: SmtpServer) -> None:
    only_new_events(world)
    chooses(world, "lia", "statement_opened", "daily", hour=9)
    chooses(world, "lia", "task_assigned", "daily")
    opened(world)
    new_task(world)
    now = [datetime.combine(datetime.now(UTC).date(), time(8), UTC)]
    worker = notifier(world, smtp, lambda: now[0])
    worker.turn()
    assert received(world, smtp) == {"mo", "bo"}  # Lia's wait for her hour
    now[0] = now[0].replace(hour=9)
    worker.turn()
    digest = mail_to(world, smtp, "lia")
    assert digest["Subject"] == "Coalition: 2 updates today"
    text = body(digest)
    assert "Sign for your organisation: Clean rivers now" in text
    assert "New task for River Watch: Print the brief" in text
    assert "Hello Lia Kowal," in text and text.count("Hello") == 1  # one greeting, not one per item
    assert f"Read and sign the statement: http://127.0.0.1:5000{world.path}/statements/" in text
    html = body(digest, "html")
    assert f'href="http://127.0.0.1:5000{world.path}/statements/' in html  # our own links stay links
    now[0] += timedelta(hours=3)
    worker.turn()
    assert len(smtp.to(world.email("lia"))) == 1  # one digest a day


def test_the_default_digest_hour_is_seven_utc(world: World, smtp: SmtpServer) -> None:
    only_new_events(world)
    chooses(world, "lia", "statement_opened", "daily")
    opened(world)
    now = [datetime.combine(datetime.now(UTC).date(), time(6, 59), UTC)]
    worker = notifier(world, smtp, lambda: now[0])
    worker.turn()
    assert received(world, smtp) == {"mo"}
    now[0] = now[0].replace(hour=7, minute=0)
    worker.turn()
    assert mail_to(world, smtp, "lia")["Subject"] == "Coalition: 1 update today"


def test_a_hostile_title_makes_a_one_line_subject_and_no_link_or_script(world: World, smtp: SmtpServer) -> None:
    only_new_events(world)
    path = draft(world, title=HOSTILE)
    world.ok("POST", f"{path}/open", "ana", {})
    notifier(world, smtp).turn()
    mail = mail_to(world, smtp, "mo")
    subject = str(mail["Subject"])
    assert "\n" not in subject and "\r" not in subject
    assert subject.startswith("Sign for your organisation: Act now Bcc: evil@example.org")
    assert mail["Bcc"] is None
    html = body(mail, "html")
    assert "evil.example" in html  # shown as text ...
    assert 'href="https://evil.example' not in html and "<script" not in html  # ... never a link or a script
    assert "&lt;script&gt;" in html


def test_a_hostile_title_stays_text_inside_a_digest(world: World, smtp: SmtpServer) -> None:
    only_new_events(world)
    chooses(world, "mo", "statement_opened", "daily", hour=0)
    path = draft(world, title=HOSTILE)
    world.ok("POST", f"{path}/open", "ana", {})
    notifier(world, smtp).turn()  # held for the next midnight
    tomorrow = datetime.combine(datetime.now(UTC).date() + timedelta(days=1), time(0, 5), UTC)
    notifier(world, smtp, lambda: tomorrow).turn()
    html = body(mail_to(world, smtp, "mo"), "html")
    assert 'href="https://evil.example' not in html and "<script" not in html
    assert "[x](https://evil.example)" in body(mail_to(world, smtp, "mo"))


def test_every_kind_queued_is_one_a_person_can_choose_and_its_description_is_translated(
    world: World, smtp: SmtpServer
) -> None:
    opened(world)
    notifier(world, smtp).turn()  # the world's own events too: joining, a role, a task
    assert set(kinds_queued(world)) <= set(KINDS)
    assert {"membership_approved", "role_assigned", "task_assigned", "statement_opened"} <= set(kinds_queued(world))
    with world.api.app.test_request_context(), force_locale("ro"):
        assert str(KINDS["task_overdue"]) == "O sarcină a organizației dumneavoastră este întârziată"


def test_what_is_held_after_the_digest_hour_waits_for_the_next_days_digest(world: World, smtp: SmtpServer) -> None:
    only_new_events(world)
    chooses(world, "lia", "statement_opened", "daily", hour=9)
    day = datetime.now(UTC).date()
    ten = datetime.combine(day, time(10), UTC)
    opened(world)
    notifier(world, smtp, lambda: ten).turn()  # held at 10:00, after today's 09:00 digest time
    assert smtp.to(world.email("lia")) == []
    notifier(world, smtp, lambda: ten + timedelta(hours=5)).turn()
    assert smtp.to(world.email("lia")) == []  # not today: the first message of the day is no digest
    next_nine = datetime.combine(day + timedelta(days=1), time(9), UTC)
    notifier(world, smtp, lambda: next_nine).turn()
    assert mail_to(world, smtp, "lia")["Subject"] == "Coalition: 1 update today"
