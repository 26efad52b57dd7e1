"""What the notification tests share: a notifier on the test's SMTP server, the reactor moved past the world's
own events, who received what, and a person's language or choices set directly."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from email.message import EmailMessage

from sqlalchemy import insert, select

from coalition.accounts import set_locale
from coalition.notify.tables import digest_hours, preferences
from coalition.notify.tables import outbox as table
from coalition.notify.worker import Notifier
from tests.e2e.conftest import services
from tests.e2e.world import World
from tests.mail import SmtpServer


def notifier(world: World, smtp: SmtpServer, clock: Callable[[], datetime] | None = None) -> Notifier:
    """The loop of the world's app, sending to `smtp` (on `clock`, if given)."""
    world.api.app.config["MAIL_URL"] = smtp.url
    return Notifier(world.api.app, clock)


def only_new_events(world: World) -> None:
    """Move the reactor to the log's head: what the world's making recorded is not news to these tests."""
    store = services(world.api.app).store
    with store.transaction(lock=False) as connection:
        connection.exec_driver_sql(
            f"UPDATE projection_checkpoints SET position = {store.head(connection)[0]} WHERE name = 'notify'"
        )


def received(world: World, smtp: SmtpServer, subject_starts: str = "") -> set[str]:
    """Who of the world's people received a message (whose subject starts so)."""
    by_address = {world.email(person): person for person in world.users}
    return {
        by_address[str(m["To"])]
        for m in smtp.messages
        if str(m["Subject"]).startswith(subject_starts) and str(m["To"]) in by_address
    }


def mail_to(world: World, smtp: SmtpServer, person: str, subject_starts: str = "") -> EmailMessage:
    """The one message `person` received (whose subject starts so)."""
    found = [m for m in smtp.to(world.email(person)) if str(m["Subject"]).startswith(subject_starts)]
    assert len(found) == 1, [str(m["Subject"]) for m in smtp.to(world.email(person))]
    return found[0]


def kinds_queued(world: World) -> dict[str, set[str]]:
    """For each kind in the outbox, who of the world's people it is for."""
    by_id = {user_id: person for person, user_id in world.users.items()}
    found: dict[str, set[str]] = {}
    with services(world.api.app).engine.connect() as connection:
        for row in connection.execute(select(table.c.kind, table.c.user_id)):
            found.setdefault(row.kind, set()).add(by_id.get(row.user_id, row.user_id))
    return found


def speaks(world: World, person: str, locale: str) -> None:
    """`person` chose `locale` for the platform (and so for what it sends them)."""
    set_locale(services(world.api.app).engine, world.users[person], locale)


def chooses(world: World, person: str, kind: str, mode: str, hour: int | None = None) -> None:
    """`person` chose `mode` (immediate, daily, off) for `kind`, and a digest hour if given."""
    with services(world.api.app).engine.begin() as connection:
        connection.execute(insert(preferences).values(user_id=world.users[person], kind=kind, mode=mode))
        if hour is not None:
            connection.execute(insert(digest_hours).values(user_id=world.users[person], hour=hour))
