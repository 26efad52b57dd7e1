"""The outbox: queue a rendered message once per key, claim what is due, and record how sending went.

Claims are leases: a claimed row is `sending` until `due_at`; a sender that dies leaves it to be claimed
again when the lease lapses, so every message is sent at least once and only one in flight can arrive
twice (with the same Message-ID). Several senders on PostgreSQL skip each other's rows (SKIP LOCKED).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.engine import Connection

from coalition.notify.messages import Rendered
from coalition.notify.tables import outbox
from events.store import NOTIFY_CHANNEL, format_time
from projections.base import insert_missing

#: How long a claim lasts: longer than any one SMTP hand-over (timeouts are 30 s).
LEASE = timedelta(minutes=2)
#: Waits between tries after a temporary failure (the last one repeats), and when to give up.
BACKOFF = (
    timedelta(seconds=30),
    timedelta(minutes=2),
    timedelta(minutes=10),
    timedelta(minutes=30),
    timedelta(hours=1),
)
GIVE_UP_AFTER = timedelta(days=2)


def message_id(key: str) -> str:
    """The message's stable id (and Message-ID), the same whenever the same key is queued or resent."""
    return hashlib.sha256(key.encode()).hexdigest()[:40]


@dataclass(frozen=True, slots=True)
class Recipient:
    """Who a message goes to: a person with an account (user_id), or only an address (an invitation)."""

    email: str
    locale: str
    user_id: str | None = None
    name: str = ""
    time_zone: str | None = None  # the zone the message shows times in (the person's; None: UTC)


def row(
    key: str,
    kind: str,
    recipient: Recipient,
    rendered: Rendered,
    now: datetime,
    *,
    status: str = "queued",
    attachment: str | None = None,
    position: int | None = None,
) -> dict[str, Any]:
    """An outbox row for a rendered message."""
    return {
        "message_id": message_id(key),
        "key": key,
        "kind": kind,
        "user_id": recipient.user_id,
        "email": recipient.email,
        "locale": recipient.locale,
        "subject": rendered.subject,
        "text": rendered.text,
        "html": rendered.html,
        "attachment": attachment,
        "status": status,
        "attempts": 0,
        "due_at": format_time(now),
        "created_at": format_time(now),
        "position": position,
    }


def enqueue(connection: Connection, rows: Iterable[Mapping[str, Any]]) -> None:
    """Queue messages, each once: a key already queued (sent, or being sent) is left as it is."""
    listed = [dict(r) for r in rows]
    insert_missing(connection, outbox, listed, key=("key",))
    if listed and connection.dialect.name == "postgresql":
        # wake the loops now (delivered at commit), not at their next idle timeout: a message queued without
        # an event (a password reset) goes out at once too
        connection.exec_driver_sql(f"NOTIFY {NOTIFY_CHANNEL}")


def _due(now: datetime) -> Any:
    return outbox.c.status.in_(("queued", "sending")) & (outbox.c.due_at <= format_time(now))


def any_due(connection: Connection, now: datetime) -> bool:
    """Whether anything is due (a read, so that an idle loop takes no write lock)."""
    return connection.execute(select(outbox.c.message_id).where(_due(now)).limit(1)).first() is not None


def claim(connection: Connection, now: datetime, limit: int) -> list[dict[str, Any]]:
    """Take up to `limit` due messages (queued, or sending with a lapsed lease), oldest first, for LEASE."""
    due = select(outbox.c.message_id).where(_due(now)).order_by(outbox.c.due_at, outbox.c.message_id).limit(limit)
    if connection.dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    ids = list(connection.execute(due).scalars())
    if not ids:
        return []
    connection.execute(
        update(outbox)
        .where(outbox.c.message_id.in_(ids))
        .values(status="sending", due_at=format_time(now + LEASE), attempts=outbox.c.attempts + 1)
    )
    rows = connection.execute(select(outbox).where(outbox.c.message_id.in_(ids))).mappings().all()
    order = {m: i for i, m in enumerate(ids)}
    return sorted((dict(r) for r in rows), key=lambda r: order[r["message_id"]])


def _ours(claimed: Mapping[str, Any]) -> Any:
    """The row as this sender claimed it: still `sending`, not claimed again since (its attempt count)."""
    return (
        (outbox.c.message_id == claimed["message_id"])
        & (outbox.c.status == "sending")
        & (outbox.c.attempts == claimed["attempts"])
    )


def renew(connection: Connection, claimed: Sequence[dict[str, Any]], now: datetime) -> list[dict[str, Any]]:
    """Extend this sender's lease on the rows it still holds (a long batch); the rows it still holds."""
    held = []
    for row in claimed:
        if connection.execute(update(outbox).where(_ours(row)).values(due_at=format_time(now + LEASE))).rowcount:
            held.append(row)
    return held


def sent(connection: Connection, claimed: Mapping[str, Any], now: datetime) -> None:
    """The message was handed over (recorded only while the claim is this sender's)."""
    connection.execute(
        update(outbox).where(_ours(claimed)).values(status="sent", sent_at=format_time(now), last_error=None)
    )


def not_sent(connection: Connection, claimed: Mapping[str, Any], now: datetime, reason: str, permanent: bool) -> str:
    """Sending failed: try again later (backoff), or mark it failed; returns the new status."""
    created = datetime.fromisoformat(str(claimed["created_at"]).replace("Z", "+00:00"))
    attempts = int(claimed["attempts"])
    give_up = permanent or now - created >= GIVE_UP_AFTER
    status = "failed" if give_up else "queued"
    wait = BACKOFF[min(attempts, len(BACKOFF)) - 1] if attempts else BACKOFF[0]
    connection.execute(
        update(outbox)
        .where(_ours(claimed))
        .values(status=status, last_error=reason[:2000], due_at=format_time(now if give_up else now + wait))
    )
    return status


@dataclass(frozen=True, slots=True)
class Counts:
    """How many messages are in each state, and the latest failures with their reasons."""

    by_status: dict[str, int]
    retrying: list[dict[str, Any]]
    failed: list[dict[str, Any]]


def counts(connection: Connection, limit: int = 20) -> Counts:
    """The outbox at a glance, for `flask notify status`."""
    grouped = connection.execute(select(outbox.c.status, func.count()).group_by(outbox.c.status))
    by_status: dict[Any, Any] = dict(grouped.all())
    shown = (
        outbox.c.message_id,
        outbox.c.kind,
        outbox.c.email,
        outbox.c.attempts,
        outbox.c.due_at,
        outbox.c.last_error,
    )
    retrying = (
        connection.execute(
            select(*shown)
            .where(outbox.c.status == "queued", outbox.c.last_error.is_not(None))
            .order_by(outbox.c.due_at)
            .limit(limit)
        )
        .mappings()
        .all()
    )
    failed = (
        connection.execute(
            select(*shown).where(outbox.c.status == "failed").order_by(outbox.c.due_at.desc()).limit(limit)
        )
        .mappings()
        .all()
    )
    return Counts(
        {str(k): int(v) for k, v in by_status.items()}, [dict(r) for r in retrying], [dict(r) for r in failed]
    )
