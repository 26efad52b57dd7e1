"""The daily digest: the messages a person chose to get once a day, sent together at their hour, on their clock (the
time zone of their account, `users.time_zone`; UTC for a person who has none)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.engine import Connection

from coalition.accounts import users
from coalition.domain import zones
from coalition.notify import outbox
from coalition.notify.compose import unsubscribe_url
from coalition.notify.messages import link, literal_lines, render
from coalition.notify.tables import digest_hours
from coalition.notify.tables import outbox as table
from events import EventStore
from events.store import format_time

DEFAULT_HOUR = 7  # on the person's clock: early morning


def cutoff(hour: int, now: datetime, zone: str | None = None) -> datetime:
    """The latest time (UTC, naive like `now`) the person's digest was due at or before `now`: today at their hour
    on the clocks of `zone`, or yesterday's. On the day the clocks skip that hour it is read as `zones.local_to_utc`
    reads a wall time that never happens (as much later as the clocks jumped)."""
    local = zones.utc_to_local(now, zone or zones.DEFAULT).replace(tzinfo=None)
    day = local.date() if local.hour >= hour else local.date() - timedelta(days=1)
    for candidate in (day, day - timedelta(days=1)):  # a skipped hour can land after `now`: then the day before
        at = zones.local_to_utc(datetime(candidate.year, candidate.month, candidate.day, hour), zone or zones.DEFAULT)
        at = at.replace(tzinfo=None) if now.tzinfo is None else at
        if at <= now:
            return at
    return at


def _key(user_id: str, at: datetime, zone: str | None) -> str:
    """One digest a day: the day of its hour on the person's clock."""
    return f"digest:{user_id}:{zones.utc_to_local(at, zone or zones.DEFAULT).date().isoformat()}"


def due(connection: Connection, now: datetime) -> list[tuple[str, datetime]]:
    """Each person whose digest is due, with its cutoff: they hold messages from before their latest digest
    hour, and that hour's digest has not gone out yet. A read, so an idle loop takes no write lock."""
    hours = dict(connection.execute(select(digest_hours.c.user_id, digest_hours.c.hour)).all())
    oldest = dict(
        connection.execute(
            select(table.c.user_id, func.min(table.c.created_at))
            .where(table.c.status == "held")
            .group_by(table.c.user_id)
        ).all()
    )
    clocks = dict(
        connection.execute(select(users.c.user_id, users.c.time_zone).where(users.c.user_id.in_(list(oldest)))).all()
    )
    found = []
    for user_id, first in sorted(oldest.items()):
        at = cutoff(int(hours.get(user_id, DEFAULT_HOUR)), now, clocks.get(user_id))
        if user_id and first < format_time(at):
            key = _key(user_id, at, clocks.get(user_id))
            if connection.execute(select(table.c.key).where(table.c.key == key)).first() is None:
                found.append((user_id, at))
    return found


def send_digests(store: EventStore, config: Mapping[str, Any], now: datetime) -> int:
    """Bundle each due person's messages held before their digest hour into one digest (one per day at that hour;
    what arrives after it waits for the next day's); return how many were made."""
    made = 0
    with store.engine.connect() as connection:
        people = due(connection, now)
    for user_id, at in people:
        with store.transaction(lock=False, durable=False) as connection:
            held = (
                select(table.c.message_id, table.c.subject, table.c.text)
                .where(table.c.user_id == user_id, table.c.status == "held", table.c.created_at < format_time(at))
                .order_by(table.c.created_at, table.c.message_id)
            )
            if connection.dialect.name == "postgresql":
                held = held.with_for_update()  # a second loop waits here, then finds the digest made
            items = connection.execute(held).all()
            person = connection.execute(
                select(users.c.email, users.c.name, users.c.locale, users.c.time_zone).where(users.c.user_id == user_id)
            ).first()
            if not items or person is None:
                continue
            key = _key(user_id, at, person.time_zone)
            if connection.execute(select(table.c.key).where(table.c.key == key)).first() is not None:
                continue  # another loop made it meanwhile
            recipient = outbox.Recipient(person.email, person.locale or "en", user_id, person.name, person.time_zone)
            context = {
                "recipient_name": person.name,
                "items": [{"subject": i.subject, "text": literal_lines(i.text, link("/"))} for i in items],
                "unsubscribe_url": unsubscribe_url(config, user_id, "digest"),
            }
            rendered = render("digest", recipient.locale, context, recipient.time_zone)
            outbox.enqueue(connection, [outbox.row(key, "digest", recipient, rendered, now)])
            connection.execute(
                update(table)
                .where(table.c.message_id.in_([i.message_id for i in items]), table.c.status == "held")
                .values(status="digested", sent_at=format_time(now))
            )
            made += 1
    return made
