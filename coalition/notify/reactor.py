"""The reactor: follows the log like a projection and queues the messages each event calls for.

Each kind of event has a reaction (registered with `reacts_to`) that asks the read layer and the domain's
policy who must hear of it; each clock-driven reminder is registered with `reminder`. A message is queued
once per event, recipient and kind (reminders: once per subject, kind, recipient and day, or occasion where one is
given), in the recipient's
language and as they chose: immediately, held for the daily digest, or not at all. The checkpoint moves in
the transaction that queues the messages, so a crash repeats work but never loses or doubles a message.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError

from coalition.accounts import users
from coalition.notify import outbox
from coalition.notify.compose import ALWAYS_SENT, unsubscribe_url
from coalition.notify.messages import Notice, Rendered, render
from coalition.notify.tables import outbox as outbox_table
from coalition.notify.tables import preferences
from events import EventStore, RecordedEvent
from projections.base import checkpoints, insert_missing

Reaction = Callable[[Connection, RecordedEvent, date], Iterable[Notice]]
Reminder = Callable[[Connection, date], Iterable[Notice]]

#: The reaction to each event type, and the reminders; filled by coalition.notify.kinds.
REACTIONS: dict[str, Reaction] = {}
REMINDERS: list[Reminder] = []

log = logging.getLogger(__name__)

CHECKPOINT = "notify"
#: Events that call for no message move the checkpoint at most this often (seconds): an idle platform's
#: signatures cost the loop no write of its own.
SAVE_EVERY = 10.0
MODES = ("immediate", "daily", "off")


def skip_history(store: EventStore) -> None:
    """Move the notification and webhook followers to the head: what the log holds so far is not news
    (after `flask events import`, a restore)."""
    from coalition.webhooks.follower import NAME as WEBHOOKS

    with store.transaction(lock=False) as connection:
        head = store.head(connection)[0]
        rows = [{"name": name, "position": head} for name in (CHECKPOINT, WEBHOOKS)]
        insert_missing(connection, checkpoints, rows, key=("name",))
        connection.execute(
            update(checkpoints).where(checkpoints.c.name.in_([CHECKPOINT, WEBHOOKS])).values(position=head)
        )


def reacts_to(*types: str) -> Callable[[Reaction], Reaction]:
    """Register a reaction to these event types."""

    def register(reaction: Reaction) -> Reaction:
        for kind in types:
            if kind in REACTIONS:
                raise ValueError(f"{kind} already has a reaction: {REACTIONS[kind].__name__}")
            REACTIONS[kind] = reaction
        return reaction

    return register


def reminder(check: Reminder) -> Reminder:
    """Register a clock-driven reminder, asked on every turn of the loop."""
    REMINDERS.append(check)
    return check


def recipients(connection: Connection, user_ids: Iterable[str]) -> dict[str, outbox.Recipient]:
    """The people with these ids, as recipients (their language, else English; their time zone, else UTC)."""
    wanted = sorted(set(user_ids))
    if not wanted:
        return {}
    rows = connection.execute(
        select(users.c.user_id, users.c.email, users.c.name, users.c.locale, users.c.time_zone).where(
            users.c.user_id.in_(wanted)
        )
    )
    return {r.user_id: outbox.Recipient(r.email, r.locale or "en", r.user_id, r.name, r.time_zone) for r in rows}


def modes(connection: Connection, user_ids: Iterable[str]) -> dict[tuple[str, str], str]:
    """What each of these people chose per kind (a kind not listed: immediate)."""
    wanted = sorted(set(user_ids))
    if not wanted:
        return {}
    rows = connection.execute(select(preferences).where(preferences.c.user_id.in_(wanted)))
    return {(r.user_id, r.kind): r.mode for r in rows}


#: Stand-ins for what differs between the recipients of one message: it is rendered once per language and mode
#: with these, then each recipient's values are put in (rendering is most of the cost of 2,000 messages).
_NAME, _UNSUBSCRIBE = "QQRECIPIENTNAMEQQ", "https://unsubscribe.invalid/QQTOKENQQ"


def _html_text(value: str) -> str:
    """Text as markdown-it writes it into HTML."""
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _for(shared: Rendered, name: str, unsubscribe: str | None) -> Rendered:
    """A message rendered with the stand-ins, with one recipient's name and unsubscribe link put in."""
    name = " ".join(name.split())  # as the `md` filter writes it
    text, html = shared.text.replace(_NAME, name), shared.html.replace(_NAME, _html_text(name))
    if unsubscribe is not None:
        text, html = text.replace(_UNSUBSCRIBE, unsubscribe), html.replace(_UNSUBSCRIBE, _html_text(unsubscribe))
    return Rendered(shared.subject, text, html)


def messages(
    connection: Connection, config: Mapping[str, Any], notices: Sequence[tuple[str, Notice, int | None]], now: datetime
) -> list[dict[str, Any]]:
    """The outbox rows for (key, notice, position) triples: rendered, held or left out as each person chose."""
    people = recipients(connection, (n.user_id for _, n, _ in notices))
    chosen = modes(connection, people)
    shared: dict[tuple[str, str, str | None, str, str, bool, bool], Rendered] = {}
    rows = []
    for key, notice, position in notices:
        person = people.get(notice.user_id)
        if person is None:
            continue
        mode = "immediate" if notice.kind in ALWAYS_SENT else chosen.get((notice.user_id, notice.kind), "immediate")
        if mode == "off":
            continue
        status = "held" if mode == "daily" else "queued"
        unsubscribe = None if notice.kind in ALWAYS_SENT else unsubscribe_url(config, person.user_id or "", notice.kind)
        context = {
            "bare": status == "held",  # inside a digest: no greeting, no footer of its own
            "recipient_name": _NAME if person.name.strip() else "",
            "unsubscribe_url": None if unsubscribe is None else _UNSUBSCRIBE,
            **notice.context,
        }
        same = (
            notice.template,
            person.locale,
            person.time_zone,
            status,
            json.dumps(notice.context, sort_keys=True, default=str),
            bool(unsubscribe),
            bool(context["recipient_name"]),
        )
        if same not in shared:
            shared[same] = render(notice.template, person.locale, context, person.time_zone)
        rows.append(
            outbox.row(
                key,
                notice.kind,
                person,
                _for(shared[same], person.name, unsubscribe),
                now,
                status=status,
                attachment=notice.attachment,
                position=position,
            )
        )
    return rows


class Reactor:
    """Turns new events and the passing days into queued messages."""

    def __init__(
        self,
        store: EventStore,
        config: Mapping[str, Any],
        *,
        read_up_to: Callable[[Connection], int] | None = None,
        batch: int = 500,
    ) -> None:
        self.store = store
        self.config = config
        self.read_up_to = read_up_to  # how far the read models have come (worker mode), else the head
        self.batch = batch
        self._reached = 0  # how far this reactor has read (saved at once when it queued messages)
        self._saved_at = 0.0

    def position(self, connection: Connection) -> int:
        """Where the reactor stands: its checkpoint (made at the head if missing: history is not news), or
        further if this reactor read on without saving (events that called for no message)."""
        found = connection.execute(select(checkpoints.c.position).where(checkpoints.c.name == CHECKPOINT)).scalar()
        if found is None:
            head = self.store.head(connection)[0]
            insert_missing(connection, checkpoints, [{"name": CHECKPOINT, "position": head}], key=("name",))
            found = head
        return max(int(found), self._reached)

    def save(self, rows: Sequence[Mapping[str, Any]], until: int) -> None:
        """Queue `rows` and move the checkpoint to `until`, in one transaction; only then is `until` reached.

        Not durable on purpose: the log is, and after a lost commit the same events are read again and
        their messages queued once (by key)."""
        with self.store.transaction(lock=False, durable=False) as connection:
            outbox.enqueue(connection, rows)
            connection.execute(
                update(checkpoints)
                .where(checkpoints.c.name == CHECKPOINT, checkpoints.c.position < until)
                .values(position=until)
            )
        self._reached = max(self._reached, until)
        self._saved_at = time.monotonic()

    def _messages_of(self, connection: Connection, event: RecordedEvent, now: datetime) -> list[dict[str, Any]]:
        """The outbox rows one event calls for; none (logged) if its reaction or a template fails, so that one
        bad event never stops the messages of every later one."""
        try:
            notices = [
                (f"event:{event.position}:{notice.kind}:{notice.user_id}", notice, event.position)
                for notice in REACTIONS[event.type](connection, event, event.recorded_at.date())
            ]
            return messages(connection, self.config, notices, now)
        except SQLAlchemyError:
            raise  # the database, not the event: nothing is skipped, the turn is tried again
        except Exception:
            log.exception("the messages of event %s (%s) could not be made; it is skipped", event.position, event.type)
            return []

    def follow(self, now: datetime) -> int:
        """Queue the messages of every event since the checkpoint; return how many events were read."""
        read = 0
        oldest = now - timedelta(days=float(self.config.get("NOTIFY_SKIP_OLDER_THAN_DAYS", 7)))
        while True:
            with self.store.engine.connect() as connection:
                start = self.position(connection)
                connection.commit()
                limit = self.read_up_to(connection) if self.read_up_to else self.store.head(connection)[0]
                until = min(limit, start + self.batch)
                if until <= start:
                    return read
                rows = [
                    row
                    for event in self.store.read_all(start, until=until, types=REACTIONS, connection=connection)
                    if event.recorded_at >= oldest
                    for row in self._messages_of(connection, event, now)
                ]
            read += until - start
            if rows or time.monotonic() - self._saved_at >= SAVE_EVERY:
                self.save(rows, until)
            else:
                self._reached = until  # nothing to queue: remembered here, saved with the next messages

    def remind(self, now: datetime) -> int:
        """Queue today's reminders (each at most once per subject, kind, person and day, or occasion); return how
        many."""
        today = now.date()
        with self.store.engine.connect() as connection:
            notices = [
                (f"reminder:{n.kind}:{n.subject_id}:{n.occasion or today.isoformat()}:{n.user_id}", n, None)
                for check in REMINDERS
                for n in check(connection, today)
            ]
            before = {
                key: f"reminder:{n.kind}:{n.subject_id}:{n.keyed_before_on}:{n.user_id}"
                for key, n, _ in notices
                if n.keyed_before_on
            }
            asked = [k for k, _, _ in notices] + list(before.values())
            queued = (
                set(connection.execute(select(outbox_table.c.key).where(outbox_table.c.key.in_(asked))).scalars())
                if notices
                else set()
            )
            fresh = [n for n in notices if n[0] not in queued and before.get(n[0]) not in queued]
            rows = messages(connection, self.config, fresh, now)
        if rows:
            with self.store.transaction(lock=False, durable=False) as connection:
                outbox.enqueue(connection, rows)
        return len(rows)
