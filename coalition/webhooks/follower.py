"""The follower: reads the log past its checkpoint and queues a delivery per matching webhook and event.

It keeps its place in `projection_checkpoints` under the name `webhooks` but is not a projection: a
rebuild never replays it. On its first run it starts at the head, so history is never sent; a webhook
is only sent the events recorded after it was registered (`after_position`).
"""

from __future__ import annotations

import json
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select, update
from sqlalchemy.engine import Connection

from coalition.webhooks.tables import webhook_deliveries, webhooks
from events import RecordedEvent
from events.store import format_time
from projections.base import checkpoints, insert_missing

if TYPE_CHECKING:
    from coalition.infra.extensions import Services

NAME = "webhooks"
CHUNK = 5000  # positions read per transaction
STREAMS = ("coalition-", "statement-")


def coalition_of(event: RecordedEvent) -> str | None:
    """The coalition an event belongs to, or None (organisation and user events belong to none).

    Every coalition, work and statement event names its coalition in its payload (their schemas require
    `coalition_id`); a coalition stream's own id is the fallback.
    """
    if not event.stream_id.startswith(STREAMS):
        return None
    named = event.payload.get("coalition_id")
    if isinstance(named, str) and named:
        return named
    if event.stream_id.startswith("coalition-"):
        return event.stream_id.removeprefix("coalition-")
    return None


#: With no webhook to serve, the checkpoint still moves, but at most this often (seconds).
IDLE_SAVE_EVERY = 10.0
_moved = [0.0]  # when this process last moved it


def _place(connection: Connection, head: int) -> int:
    """The checkpoint, locked (PostgreSQL). Made on the first run: at the head, or where the earliest
    webhook was registered if that is earlier, so the log's history is never sent."""
    query = select(checkpoints.c.position).where(checkpoints.c.name == NAME).with_for_update()
    found = connection.execute(query).scalar()
    if found is None:
        earliest = connection.execute(select(func.min(webhooks.c.after_position))).scalar()
        start = head if earliest is None else min(head, int(earliest))
        insert_missing(connection, checkpoints, [{"name": NAME, "position": start}], key=("name",))
        found = connection.execute(query).scalar_one()
    return int(found)


def _subscribers(connection: Connection) -> dict[str, list[Mapping[str, Any]]]:
    """The enabled webhooks by coalition, each with its set of event types."""
    by_coalition: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    query = select(webhooks.c.id, webhooks.c.coalition_id, webhooks.c.events, webhooks.c.after_position).where(
        webhooks.c.disabled_at.is_(None)
    )
    for row in connection.execute(query).mappings():
        by_coalition[row["coalition_id"]].append({**row, "events": frozenset(json.loads(row["events"]))})
    return by_coalition


def deliveries_for(
    events: list[RecordedEvent], subscribers: Mapping[str, list[Mapping[str, Any]]], now: datetime
) -> Iterator[dict[str, Any]]:
    """The delivery rows these events make: one per enabled webhook of their coalition that wants the type."""
    moment = format_time(now)
    for event in events:
        coalition_id = coalition_of(event)
        for hook in subscribers.get(coalition_id or "", ()):
            if event.type in hook["events"] and event.position > hook["after_position"]:
                yield {
                    "id": f"msg_{uuid.uuid4().hex}",
                    "webhook_id": hook["id"],
                    "position": event.position,
                    "event_id": event_id(event),
                    "event_type": event.type,
                    "status": "queued",
                    "attempts": 0,
                    "due_at": moment,
                    "created_at": moment,
                }


def event_id(event: RecordedEvent) -> str:
    """An event's stable id: its stream and version (the same after an export and import of the log)."""
    return f"{event.stream_id}@{event.version}"


def follow(services: Services, now: datetime) -> int:
    """Queue the deliveries of every event recorded since the last call; how many were queued."""
    queued = 0
    with services.engine.connect() as connection:  # reads first: an idle loop, or one without webhooks, writes nothing
        saved = connection.execute(select(checkpoints.c.position).where(checkpoints.c.name == NAME)).scalar()
        head = services.store.head(connection)[0]
        anyone = connection.execute(select(webhooks.c.id).where(webhooks.c.disabled_at.is_(None)).limit(1)).first()
    if saved is not None and (saved >= head or (anyone is None and time.monotonic() - _moved[0] < IDLE_SAVE_EVERY)):
        return 0
    _moved[0] = time.monotonic()
    while True:
        with services.store.transaction(lock=False) as connection:
            head = services.store.head(connection)[0]
            position = _place(connection, head)
            if position >= head:
                return queued
            until = min(head, position + CHUNK)
            subscribers = _subscribers(connection)
            if subscribers:
                for batch in services.store.read_batches(position, until=until, connection=connection):
                    rows = list(deliveries_for(batch, subscribers, now))
                    insert_missing(connection, webhook_deliveries, rows, key=("webhook_id", "position"))
                    queued += len(rows)
            connection.execute(update(checkpoints).where(checkpoints.c.name == NAME).values(position=until))
