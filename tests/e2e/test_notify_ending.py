"""Who hears of a coalition's end coming: its facilitators, 60 and 14 days before the agreement's end date, once
each (late if the loop was down on the day, with the days truly left; again after a renewal moves the end); not
for a coalition without an end date, nor for one already closed; and an ended coalition's open work is reminded no
more."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, update

from coalition.notify.messages import render
from coalition.notify.tables import outbox
from coalition.web.i18n import LOCALES
from tests.e2e.conftest import services
from tests.e2e.notices import chooses, mail_to, notifier, speaks
from tests.e2e.test_notify_work import COMMITMENT_DUE, reminded
from tests.e2e.world import AGREEMENT, World
from tests.mail import SmtpServer, body

ENDS_ON = date(2028, 12, 31)  # the world's agreement (tests/e2e/world.py)
AROUND = (date(2028, 11, 1), date(2028, 11, 2), date(2028, 12, 16), date(2028, 12, 17), date(2028, 12, 18))


def ending(sent: dict[date, list[str]]) -> dict[date, list[str]]:
    """Only the end-of-agreement reminders (the world's overdue work is reminded on some of these days too)."""
    found = {day: [s for s in subjects if "renew or close" in s or "reînnoiți" in s] for day, subjects in sent.items()}
    return {day: subjects for day, subjects in found.items() if subjects}


def test_the_facilitators_are_reminded_60_and_14_days_before_once_each(world: World, smtp: SmtpServer) -> None:
    ana = world.email("ana")
    assert ending(reminded(world, smtp, date(2028, 10, 31), *AROUND)) == {
        date(2028, 11, 1): [f"{ana}: Danube Rivers Coalition ends in 60 days: renew or close it"],
        date(2028, 12, 17): [f"{ana}: Danube Rivers Coalition ends in 14 days: renew or close it"],
    }


def test_a_reminder_missed_on_its_day_goes_out_late_once_saying_the_days_truly_left(
    world: World, smtp: SmtpServer
) -> None:
    ana = world.email("ana")
    down = (date(2028, 11, 1), date(2028, 11, 2), date(2028, 12, 17), date(2028, 12, 18))  # the loop did not turn
    days = (date(2028, 10, 31), date(2028, 11, 3), date(2028, 11, 4), date(2028, 12, 16), date(2028, 12, 19))
    assert not set(down) & set(days)
    assert ending(reminded(world, smtp, *days, date(2028, 12, 20), date(2028, 12, 30), date(2028, 12, 31))) == {
        date(2028, 11, 3): [f"{ana}: Danube Rivers Coalition ends in 58 days: renew or close it"],
        date(2028, 12, 19): [f"{ana}: Danube Rivers Coalition ends in 12 days: renew or close it"],
    }


def test_a_loop_down_from_day_60_to_day_14_sends_only_the_14_day_one(world: World, smtp: SmtpServer) -> None:
    ana = world.email("ana")
    assert ending(reminded(world, smtp, date(2028, 10, 31), date(2028, 12, 20), date(2028, 12, 21))) == {
        date(2028, 12, 20): [f"{ana}: Danube Rivers Coalition ends in 11 days: renew or close it"],
    }


def test_a_reminder_is_sent_once_however_often_the_loop_turns(world: World, smtp: SmtpServer) -> None:
    every_third_day = [date(2028, 11, 1) + timedelta(days=3 * k) for k in range(16)]  # 60 down to 15 days left
    sent = ending(reminded(world, smtp, *every_third_day))
    ana = world.email("ana")
    assert sent == {date(2028, 11, 1): [f"{ana}: Danube Rivers Coalition ends in 60 days: renew or close it"]}


def test_a_reminder_keyed_by_its_day_before_the_upgrade_is_not_sent_again(world: World, smtp: SmtpServer) -> None:
    """Before reminders were keyed by their occasion, the 60-day one was keyed by its day: on an upgraded platform
    one sent on 1 November under that key counts as sent, and the loop of 3 November sends nothing more."""
    reminded(world, smtp, date(2028, 10, 31), date(2028, 11, 1))
    table = outbox.c
    with services(world.api.app).engine.begin() as connection:
        moved = connection.execute(
            update(outbox)
            .where(table.key.like("reminder:coalition_ending:%:2028-12-31-60:%"))
            .values(key=func.replace(table.key, ":2028-12-31-60:", ":2028-11-01:"))
        ).rowcount
    assert moved == 1  # as the code before occasions keyed it
    assert ending(reminded(world, smtp, date(2028, 11, 3), date(2028, 11, 4))) == {}


def test_a_renewal_makes_both_reminders_due_again_for_the_new_end(world: World, smtp: SmtpServer) -> None:
    ana = world.email("ana")
    assert len(ending(reminded(world, smtp, date(2028, 11, 1), date(2028, 12, 17)))) == 2
    world.ok("PATCH", f"{world.path}/agreement", "ana", {"ends_on": "2029-01-31"})
    assert ending(reminded(world, smtp, date(2028, 12, 18), date(2028, 12, 19), date(2029, 1, 17))) == {
        date(2028, 12, 18): [f"{ana}: Danube Rivers Coalition ends in 44 days: renew or close it"],
        date(2029, 1, 17): [f"{ana}: Danube Rivers Coalition ends in 14 days: renew or close it"],
    }


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("days", [1, 2, 5, 12, 22, 58])
def test_the_subject_says_the_days_left_in_every_language(world: World, locale: str, days: int) -> None:
    context = {"coalition": "Danube", "ends_on": "2028-12-31", "days": days, "path": "/c", "agreement_path": "/a"}
    with world.api.app.app_context():
        subject = render("coalition_ending", locale, context).subject
        english = render("coalition_ending", "en", context).subject
    assert f" {days} " in f" {subject} " and "Danube" in subject
    assert (subject == english) == (locale == "en"), subject  # a plural form the catalogue lacks falls back to English
    if locale == "ro":
        assert ("de zile" in subject) == (days >= 20) and ("zi:" in subject) == (days == 1), subject


def test_the_reminder_links_to_renewing_and_closing(world: World, smtp: SmtpServer) -> None:
    notifier(world, smtp, lambda: datetime(2028, 11, 1, 9, tzinfo=UTC)).turn()
    mail = mail_to(world, smtp, "ana")
    assert mail["Subject"] == "Danube Rivers Coalition ends in 60 days: renew or close it"
    text = body(mail)
    assert f"{world.path}/agreement" in text and f"{world.path}/close" in text and "2028" in text


def test_no_reminder_for_a_coalition_without_an_end_date(world: World, smtp: SmtpServer) -> None:
    agreement = {k: v for k, v in AGREEMENT.items() if k != "ends_on"}
    world.ok("POST", "/coalitions", "bo", {**agreement, "name": "Open Ended Alliance", "organisation_id": world.river})
    sent = ending(reminded(world, smtp, *AROUND))
    assert sent and not any("Open Ended" in s for subjects in sent.values() for s in subjects)


def test_no_reminder_once_closed_and_its_open_work_is_reminded_no_more(world: World, smtp: SmtpServer) -> None:
    world.ok("POST", f"{world.path}/tasks/{world.task}/drop", "ana", {"reason": "Wrapping up"})
    world.ok("POST", f"{world.path}/commitments/{world.commitment}/withdraw", "bo", {"reason": "Wrapping up"})
    world.ok("POST", f"{world.path}/close", "ana", {"reason": "Done early"})
    assert ending(reminded(world, smtp, *AROUND)) == {}
    assert reminded(world, smtp, COMMITMENT_DUE, date(2027, 4, 1)) == {}  # the pledged commitment stays quiet


def test_the_reminder_speaks_the_facilitators_language(world: World, smtp: SmtpServer) -> None:
    speaks(world, "ana", "ro")
    sent = ending(reminded(world, smtp, date(2028, 11, 1)))
    assert list(sent) == [date(2028, 11, 1)] and "60" in sent[date(2028, 11, 1)][0]
    assert "renew or close" not in sent[date(2028, 11, 1)][0]


def test_a_facilitator_who_turned_it_off_is_not_reminded(world: World, smtp: SmtpServer) -> None:
    chooses(world, "ana", "coalition_ending", "off")
    assert ending(reminded(world, smtp, date(2028, 11, 1))) == {}


def test_a_daily_choice_gathers_it_into_the_digest_at_the_persons_hour(world: World, smtp: SmtpServer) -> None:
    chooses(world, "ana", "coalition_ending", "daily", hour=9)
    now = [datetime(2028, 11, 1, 6, tzinfo=UTC)]
    worker = notifier(world, smtp, lambda: now[0])
    worker.turn()
    assert not [m for m in smtp.to(world.email("ana")) if "renew or close" in str(m["Subject"])]  # held
    now[0] = now[0].replace(hour=9)
    worker.turn()
    digest = [m for m in smtp.to(world.email("ana")) if "update" in str(m["Subject"])]
    assert len(digest) == 1 and "Danube Rivers Coalition ends in 60 days: renew or close it" in body(digest[0])
