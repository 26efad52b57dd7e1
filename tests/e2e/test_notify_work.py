"""Who hears of work: a task given or moved to an organisation, a commitment due in a week, commitments and
tasks overdue (on the first day, then weekly), to the member's liaison else its administrators."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta

from tests.e2e.notices import kinds_queued, mail_to, notifier, only_new_events, received, speaks
from tests.e2e.world import World
from tests.mail import SmtpServer, body

COMMITMENT_DUE = date(2027, 3, 31)  # the world's commitment
TASK_DUE = date(2027, 4, 30)  # and its task


def days(first: date, last: date) -> Iterator[date]:
    while first <= last:
        yield first
        first += timedelta(days=1)


def reminded(world: World, smtp: SmtpServer, *on: date) -> dict[date, list[str]]:
    """The subjects sent on each of these days (the loop turning at 6:00, 12:00 and 18:00 UTC)."""
    now = [datetime.combine(on[0], time(6), UTC)]
    worker = notifier(world, smtp, lambda: now[0])
    sent: dict[date, list[str]] = {}
    for day in on:
        for hour in (6, 12, 18):
            now[0] = datetime.combine(day, time(hour), UTC)
            worker.turn()
        sent[day] = sorted(f"{m['To']}: {m['Subject']}" for m in smtp.messages)
        smtp.collector.messages.clear()
    return {day: subjects for day, subjects in sent.items() if subjects}


def test_a_new_task_reaches_the_people_who_act_for_the_assignee_organisation(world: World, smtp: SmtpServer) -> None:
    only_new_events(world)
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
    notifier(world, smtp).turn()
    assert received(world, smtp) == {"bo", "lia", "mo"}  # River Watch's administrator and mandate holders
    mail = mail_to(world, smtp, "bo")
    assert mail["Subject"] == "New task for River Watch: Print the brief"
    assert f"{world.path}/tasks/" in body(mail)
    assert "500 copies" in body(mail)


def test_a_reassigned_task_reaches_the_new_organisation_and_the_named_assignee(world: World, smtp: SmtpServer) -> None:
    only_new_events(world)
    world.ok(
        "POST",
        f"{world.path}/tasks/{world.task}/reassign",
        "ana",
        {"organisation_id": world.green, "assignee_email": world.email("ana"), "reason": "Green has the boat"},
    )
    notifier(world, smtp).turn()
    assert received(world, smtp) == {"ana"}  # Green Earth's only person
    mail = mail_to(world, smtp, "ana")
    assert mail["Subject"] == "Task moved to Green Earth: Sample ten sites"
    assert "Reason: Green has the boat" in body(mail)


def test_a_commitment_due_in_a_week_reminds_the_liaison_on_that_day_only(world: World, smtp: SmtpServer) -> None:
    sent = reminded(world, smtp, *days(COMMITMENT_DUE - timedelta(days=9), COMMITMENT_DUE))
    assert sent == {
        COMMITMENT_DUE - timedelta(days=7): [f"{world.email('lia')}: Due in a week: a commitment of River Watch"]
    }


def test_overdue_work_is_reminded_on_the_first_day_then_weekly(world: World, smtp: SmtpServer) -> None:
    sent = reminded(world, smtp, *days(COMMITMENT_DUE + timedelta(days=1), COMMITMENT_DUE + timedelta(days=16)))
    lia = world.email("lia")
    assert sent == {
        date(2027, 4, 1): [f"{lia}: Overdue: a commitment of River Watch"],
        date(2027, 4, 8): [f"{lia}: Overdue: a commitment of River Watch"],
        date(2027, 4, 15): [f"{lia}: Overdue: a commitment of River Watch"],
    }
    sent = reminded(world, smtp, *days(TASK_DUE, TASK_DUE + timedelta(days=8)))
    assert sent == {
        date(2027, 5, 1): [f"{lia}: Overdue task: Sample ten sites"],
        date(2027, 5, 6): [f"{lia}: Overdue: a commitment of River Watch"],  # its day 36
        date(2027, 5, 8): [f"{lia}: Overdue task: Sample ten sites"],
    }


def test_fulfilled_work_is_not_reminded(world: World, smtp: SmtpServer) -> None:
    world.ok("POST", f"{world.path}/commitments/{world.commitment}/fulfil", "bo", {"note": "Hired"})
    assert reminded(world, smtp, COMMITMENT_DUE - timedelta(days=7), COMMITMENT_DUE + timedelta(days=1)) == {}


def test_without_a_liaison_who_acts_for_it_the_administrators_are_reminded(world: World, smtp: SmtpServer) -> None:
    world.ok("DELETE", f"/organisations/{world.river}/mandates/{world.mandates['lia']}", "bo")
    sent = reminded(world, smtp, COMMITMENT_DUE + timedelta(days=1))
    assert sent == {COMMITMENT_DUE + timedelta(days=1): [f"{world.email('bo')}: Overdue: a commitment of River Watch"]}


def test_a_liaison_who_chose_romanian_is_reminded_in_romanian(world: World, smtp: SmtpServer) -> None:
    speaks(world, "lia", "ro")
    now = datetime.combine(TASK_DUE + timedelta(days=1), time(9), UTC)
    notifier(world, smtp, lambda: now).turn()
    assert kinds_queued(world) == {"task_overdue": {"lia"}}
    mail = mail_to(world, smtp, "lia")
    assert mail["Subject"] == "Sarcină întârziată: Sample ten sites"
    assert "Deschideți sarcina" in body(mail)
