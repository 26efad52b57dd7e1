"""Registering, listing and removing a coalition's webhooks, and reading their deliveries (facilitators only).

Registrations stay in the `webhooks` table, out of the coalition's log: a webhook URL often carries a
credential of the receiving system (a token in its path or query), and the log can never forget what it
holds. A registration is configuration of the platform's plumbing, not something the coalition agreed.
"""

from __future__ import annotations

import base64
import json
import secrets
import uuid
from collections.abc import Iterable
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select
from sqlalchemy.engine import Connection

from coalition.domain import coalition, statement, work  # noqa: F401  (register their event types)
from coalition.domain.base import Invalid, NotAllowed, NotFound
from coalition.domain.event_types import registry
from coalition.reads.access import actor, facilitates, readers_snapshot
from coalition.reads.standing import Moment
from coalition.webhooks.guard import Resolver, check
from coalition.webhooks.tables import webhook_deliveries, webhooks
from events.store import format_time

if TYPE_CHECKING:
    from coalition.infra.extensions import Services

MAX_TYPES = 100


def deliverable_types() -> list[str]:
    """The event types a webhook may ask for: those that belong to a coalition (their payload names it)."""
    return [t for t in registry.types() if "coalition_id" in registry.fields(t)]


def require_facilitator(connection: Connection, coalition_id: str, user_id: str, today: date) -> None:
    """Refuse unless the coalition exists (else NotFound) and the person facilitates it today (else NotAllowed)."""
    reader = actor(connection, user_id, today)
    snap = readers_snapshot(connection, coalition_id, reader, Moment(None, today))  # the rule is about the reader only
    if snap.agreement is None:
        raise NotFound("no such coalition: %(coalition)s", coalition=coalition_id)
    if not facilitates(snap, reader):
        raise NotAllowed("only facilitators may manage the coalition's webhooks")


def checked_types(events: Iterable[Any]) -> list[str]:
    """The event types asked for, without repeats, or Invalid naming the unknown ones."""
    wanted = list(dict.fromkeys(events))
    if not wanted:
        raise Invalid("choose at least one event type")
    if len(wanted) > MAX_TYPES:
        raise Invalid("choose at most %(most)s event types", most=MAX_TYPES)
    known = set(deliverable_types())
    unknown = [str(t) for t in wanted if t not in known]
    if unknown:
        raise Invalid(
            "unknown event types: %(types)s (known: %(known)s)",
            types=", ".join(unknown),
            known=", ".join(sorted(known)),
        )
    return [str(t) for t in wanted]


def new_secret() -> str:
    """A Standard Webhooks signing secret: `whsec_` and 32 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def register(
    services: Services,
    coalition_id: str,
    user_id: str,
    url: str,
    events: Iterable[Any],
    now: datetime,
    *,
    allow_private: bool,
    resolve: Resolver | None = None,
) -> dict[str, Any]:
    """Register an endpoint for some event types; the answer holds its secret, shown this once."""
    with services.engine.connect() as connection:
        require_facilitator(connection, coalition_id, user_id, now.date())
    types = checked_types(events)
    check(url, allow_private=allow_private, resolve=resolve)
    row: dict[str, Any] = {
        "id": f"wh_{uuid.uuid4().hex}",
        "coalition_id": coalition_id,
        "url": url,
        "events": json.dumps(types),
        "secret": new_secret(),
        "created_by": user_id,
        "created_at": format_time(now),
    }
    with services.store.transaction(lock=False) as connection:
        row["after_position"] = services.store.head(connection)[0]
        connection.execute(webhooks.insert().values(**row))
    return {"id": row["id"], "url": url, "events": types, "secret": row["secret"], "created_at": row["created_at"]}


def _found(connection: Connection, coalition_id: str, webhook_id: str) -> dict[str, Any]:
    row = (
        connection.execute(select(webhooks).where(webhooks.c.id == webhook_id, webhooks.c.coalition_id == coalition_id))
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound("no such webhook: %(webhook)s", webhook=webhook_id)
    return _shown(row)


def _shown(row: Any) -> dict[str, Any]:
    """A webhook as it may be shown: everything but its secret."""
    shown = {k: v for k, v in dict(row).items() if k != "secret"}
    return {**shown, "events": json.loads(row["events"]), "enabled": row["disabled_at"] is None}


def remove(services: Services, coalition_id: str, user_id: str, webhook_id: str, today: date) -> None:
    """Remove an endpoint and its deliveries: nothing more is sent to it."""
    with services.engine.connect() as connection:
        require_facilitator(connection, coalition_id, user_id, today)
        _found(connection, coalition_id, webhook_id)
    with services.store.transaction(lock=False) as connection:
        connection.execute(delete(webhook_deliveries).where(webhook_deliveries.c.webhook_id == webhook_id))
        connection.execute(delete(webhooks).where(webhooks.c.id == webhook_id))


def of_coalition(connection: Connection, coalition_id: str) -> list[dict[str, Any]]:
    """The coalition's webhooks, oldest first, without their secrets."""
    query = select(webhooks).where(webhooks.c.coalition_id == coalition_id).order_by(webhooks.c.created_at)
    return [_shown(row) for row in connection.execute(query).mappings()]


def one(connection: Connection, coalition_id: str, webhook_id: str) -> dict[str, Any]:
    """One webhook of the coalition, without its secret, or NotFound."""
    return _found(connection, coalition_id, webhook_id)


def deliveries(
    connection: Connection, webhook_id: str, limit: int = 50, before: int | None = None
) -> list[dict[str, Any]]:
    """A webhook's deliveries, newest event first, up to `limit`, those of events before `before` if given."""
    query = select(webhook_deliveries).where(webhook_deliveries.c.webhook_id == webhook_id)
    if before is not None:
        query = query.where(webhook_deliveries.c.position < before)
    query = query.order_by(webhook_deliveries.c.position.desc()).limit(limit)
    return [dict(row) for row in connection.execute(query).mappings()]
