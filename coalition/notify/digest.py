"""The daily digest: the messages a person chose to get once a day, sent together at their hour (UTC)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.engine import Connection

from coalition.accounts import users
from coalition.notify import outbox
from coalition.notify.compose import unsubscribe_url
from coalition.notify.messages import link, literal_lines, render
from coalition.notify.tables import digest_hours
from coalition.notify.tables import outbox as table
from events import EventStore
from events.store import format_time

DEFAULT_HOUR = 7  # UTC: early morning in Europe


def due_people(connection: Connection, now: datetime) -> list[str]:
    """The people with held messages whose digest hour has come today."""
    held = select(table.c.user_id).where(table.c.status == "held").distinct()
    hours = dict(connection.execute(select(digest_hours.c.user_id, digest_hours.c.hour)).all())
    return sorted(u for u in connection.execute(held).scalars() if u and hours.get(u, DEFAULT_HOUR) <= now.hour)


def send_digests(store: EventStore, config: Mapping[str, Any], now: datetime) -> int:
    """Bundle each due person's held messages into one digest (once a day); return how many were made."""
    made = 0
    with store.engine.connect() as connection:
        people = due_people(connection, now)
    for user_id in people:
        key = f"digest:{user_id}:{now.date().isoformat()}"
        with store.transaction(lock=False) as connection:
            if connection.execute(select(table.c.key).where(table.c.key == key)).first() is not None:
                continue  # today's went out already; the rest waits for tomorrow
            items = connection.execute(
                select(table.c.message_id, table.c.subject, table.c.text)
                .where(table.c.user_id == user_id, table.c.status == "held")
                .order_by(table.c.created_at, table.c.message_id)
            ).all()
            person = connection.execute(
                select(users.c.email, users.c.name, users.c.locale).where(users.c.user_id == user_id)
            ).first()
            if not items or person is None:
                continue
            recipient = outbox.Recipient(person.email, person.locale or "en", user_id, person.name)
            context = {
                "recipient_name": person.name,
                "items": [{"subject": i.subject, "text": literal_lines(i.text, link("/"))} for i in items],
                "unsubscribe_url": unsubscribe_url(config, user_id, "digest"),
            }
            rendered = render("digest", recipient.locale, context)
            outbox.enqueue(connection, [outbox.row(key, "digest", recipient, rendered, now)])
            connection.execute(
                update(table)
                .where(table.c.message_id.in_([i.message_id for i in items]))
                .values(status="digested", sent_at=format_time(now))
            )
            made += 1
    return made
