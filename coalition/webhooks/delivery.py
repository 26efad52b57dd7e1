"""Sending due deliveries: claim them in a short transaction, POST each one outside any transaction, record.

A claim marks the row `sending` with a lease (its `due_at` moved `LEASE` ahead): on PostgreSQL the rows
are picked `FOR UPDATE SKIP LOCKED`, so runners never claim one row twice; on SQLite the claim is one
short write transaction (SQLite has one writer at a time). A runner that dies mid-send leaves the row
to be claimed again when its lease ends; the receiver may then see that `webhook-id` twice, which the
Standard Webhooks spec asks receivers to expect.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, update
from sqlalchemy.engine import Connection
from standardwebhooks import Webhook

from coalition.webhooks.alerts import disabled_alert
from coalition.webhooks.follower import coalition_of, event_id
from coalition.webhooks.guard import Resolver
from coalition.webhooks.tables import webhook_deliveries as deliveries
from coalition.webhooks.tables import webhooks
from coalition.webhooks.transport import Outcome, post
from events import RecordedEvent
from events.store import format_time

if TYPE_CHECKING:
    from coalition.infra.extensions import Services

LEASE = timedelta(seconds=90)  # longer than one attempt can last (timeouts x redirects)
GIVE_UP = timedelta(hours=24)
FIRST_WAIT = timedelta(seconds=30)
LONGEST_WAIT = timedelta(hours=1)
USER_AGENT = "Coalition-Webhooks/1"


def backoff(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failure in a row: 30 s, 1 min, 2, 4, ... at most an hour."""
    wait: timedelta = FIRST_WAIT * 2 ** max(attempts - 1, 0)
    return min(wait, LONGEST_WAIT)


def moment_of(text: str) -> datetime:
    """A stored time read back."""
    return datetime.fromisoformat(text)


@dataclass(frozen=True, slots=True)
class Claimed:
    """A delivery this runner holds the lease of, with its endpoint."""

    id: str
    webhook_id: str
    position: int
    attempts: int
    created_at: str
    url: str
    secret: str


def claim(services: Services, now: datetime, limit: int) -> list[Claimed]:
    """Take up to `limit` due deliveries of enabled webhooks: mark them `sending`, leased, one attempt more."""
    moment = format_time(now)
    query = (
        select(deliveries, webhooks.c.url, webhooks.c.secret)
        .join(webhooks, webhooks.c.id == deliveries.c.webhook_id)
        .where(
            deliveries.c.status.in_(("queued", "sending")),
            deliveries.c.due_at <= moment,
            webhooks.c.disabled_at.is_(None),
        )
        .order_by(deliveries.c.due_at, deliveries.c.id)
        .limit(limit)
        .with_for_update(skip_locked=True, of=deliveries)
    )
    with services.engine.connect() as connection:  # a read first: an idle loop takes no write lock
        waiting = select(deliveries.c.id).where(
            deliveries.c.status.in_(("queued", "sending")), deliveries.c.due_at <= moment
        )
        if connection.execute(waiting.limit(1)).first() is None:
            return []
    with services.store.transaction(lock=False) as connection:
        rows = connection.execute(query).mappings().all()
        if not rows:
            return []
        connection.execute(
            update(deliveries)
            .where(deliveries.c.id.in_([r["id"] for r in rows]))
            .values(status="sending", due_at=format_time(now + LEASE), attempts=deliveries.c.attempts + 1)
        )
    return [
        Claimed(r["id"], r["webhook_id"], r["position"], r["attempts"] + 1, r["created_at"], r["url"], r["secret"])
        for r in rows
    ]


def body_of(event: RecordedEvent) -> bytes:
    """The JSON a delivery posts: the event's type, its time, and the event as the log holds it."""
    data = {
        "position": event.position,
        "event_id": event_id(event),
        "stream_id": event.stream_id,
        "coalition_id": coalition_of(event),
        "payload": event.payload,
        "recorded_at": format_time(event.recorded_at),
        "hash": event.hash,
    }
    document = {"type": event.type, "timestamp": format_time(event.recorded_at), "data": data}
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode()


def signed_headers(secret: str, message_id: str, now: datetime, body: bytes) -> dict[str, str]:
    """The Standard Webhooks headers (id, timestamp, signature) for this body at `now`."""
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "webhook-id": message_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": Webhook(secret).sign(message_id, now, body.decode()),
    }


def send(
    services: Services, claimed: Claimed, now: datetime, *, allow_private: bool, resolve: Resolver | None
) -> Outcome:
    """POST one claimed delivery; no transaction is open meanwhile."""
    found = list(services.store.read_all(claimed.position - 1, until=claimed.position))
    if not found:
        return Outcome(None, f"the event at position {claimed.position} is not in the log")
    body = body_of(found[0])
    headers = signed_headers(claimed.secret, claimed.id, now, body)
    return post(claimed.url, body, headers, allow_private=allow_private, resolve=resolve)


def _disable(connection: Connection, webhook_id: str, moment: str, reason: str) -> None:
    """Turn the endpoint off, fail what it still had queued, and have its facilitators told."""
    connection.execute(
        update(webhooks).where(webhooks.c.id == webhook_id).values(disabled_at=moment, disabled_reason=reason)
    )
    connection.execute(
        update(deliveries)
        .where(deliveries.c.webhook_id == webhook_id, deliveries.c.status.in_(("queued", "sending")))
        .values(status="failed", last_error="not sent: the webhook was disabled")
    )
    row = connection.execute(select(webhooks).where(webhooks.c.id == webhook_id)).mappings().one()
    disabled_alert(connection, dict(row))


def record(services: Services, claimed: Claimed, outcome: Outcome, now: datetime) -> None:
    """Keep an attempt's outcome: delivered, or due again after the backoff, or failed for good after 24 hours."""
    moment = format_time(now)
    ours = (deliveries.c.id == claimed.id, deliveries.c.status == "sending", deliveries.c.attempts == claimed.attempts)
    seen: dict[str, Any] = {"last_status_code": outcome.status, "last_error": outcome.error}
    with services.store.transaction(lock=False) as connection:
        if outcome.delivered:
            connection.execute(update(deliveries).where(*ours).values(status="delivered", delivered_at=moment, **seen))
            connection.execute(update(webhooks).where(webhooks.c.id == claimed.webhook_id).values(failing_since=None))
            return
        hook = (
            connection.execute(select(webhooks).where(webhooks.c.id == claimed.webhook_id).with_for_update())
            .mappings()
            .first()
        )
        if hook is None:  # removed while we were sending
            return
        failing_since = hook["failing_since"] or moment
        if hook["failing_since"] is None:
            connection.execute(update(webhooks).where(webhooks.c.id == hook["id"]).values(failing_since=moment))
        if now - moment_of(claimed.created_at) >= GIVE_UP or now - moment_of(failing_since) >= GIVE_UP:
            connection.execute(update(deliveries).where(*ours).values(status="failed", **seen))
        else:
            due = format_time(now + backoff(claimed.attempts))
            connection.execute(update(deliveries).where(*ours).values(status="queued", due_at=due, **seen))
        if hook["disabled_at"] is None and now - moment_of(failing_since) >= GIVE_UP:
            _disable(connection, hook["id"], moment, "every delivery failed for 24 hours")


#: Deliveries claimed at a time: their attempts (at most about 40 s each, with redirects) fit in one lease.
CLAIM = 2


def deliver_due(
    services: Services,
    now: datetime,
    limit: int = 100,
    *,
    allow_private: bool | None = None,
    resolve: Resolver | None = None,
) -> int:
    """Send up to `limit` due deliveries, one attempt each; how many were attempted.

    `now` is when the call began; each claim and signature uses it advanced by the time spent since, so a slow
    endpoint never leaves a later delivery with a lapsed lease or a stale `webhook-timestamp`."""
    allowed = services.allow_private_webhooks if allow_private is None else allow_private
    started = time.monotonic()

    def moment() -> datetime:
        return now + timedelta(seconds=time.monotonic() - started)

    attempted = 0
    while attempted < limit:
        claimed = claim(services, moment(), min(CLAIM, limit - attempted))
        if not claimed:
            break
        for one in claimed:
            outcome = send(services, one, moment(), allow_private=allowed, resolve=resolve)
            record(services, one, outcome, now)  # the retry schedule counts from the call
        attempted += len(claimed)
    return attempted
