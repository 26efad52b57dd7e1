"""Everything Coalition holds about one person, as one JSON document (GDPR articles 15 and 20).

The account (never its password hash or tokens' hashes), the API tokens' ids and dates, the
organisations where they administer or hold a mandate, their roles in coalitions, the invitations
sent to their address, their notification settings, and every event of the log naming them: by
their user id anywhere in its payload, as the actor in its metadata, or in their own stream. The
events are read through the store, so their personal fields are shown opened.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.engine import Connection

from coalition.accounts import api_tokens, users
from coalition.accounts.invitations import invitations
from coalition.notify.tables import digest_hours, preferences
from events import EventStore, RecordedEvent
from events.store import format_time
from projections.coalitions import roles
from projections.organisations import organisation_people, organisations

FORMAT = "coalition-personal-data/1"


def _rows(connection: Connection, query: Any) -> list[dict[str, Any]]:
    return [{k: _plain(v) for k, v in row.items()} for row in connection.execute(query).mappings()]


def _plain(value: Any) -> Any:
    """A value JSON can hold (dates as ISO 8601)."""
    return value.isoformat() if hasattr(value, "isoformat") else value


def _names(event: RecordedEvent, user_id: str) -> bool:
    """True when the event names the person: their stream, the actor, or their id among the payload's values."""
    if event.stream_id == f"user-{user_id}" or event.metadata.actor_id == user_id:
        return True
    return _holds(event.payload, user_id)


def _holds(value: Any, user_id: str) -> bool:
    if isinstance(value, str):
        return value == user_id
    if isinstance(value, Mapping):
        return any(_holds(v, user_id) for v in value.values())
    if isinstance(value, list):
        return any(_holds(v, user_id) for v in value)
    return False


def everything(store: EventStore, user_id: str, now: datetime) -> dict[str, Any]:
    """The person's data as one JSON-ready document."""
    with store.engine.connect() as connection:
        account = _rows(
            connection,
            select(users.c.user_id, users.c.email, users.c.name, users.c.created_at, users.c.locale).where(
                users.c.user_id == user_id
            ),
        )
        email = account[0]["email"] if account else ""
        document: dict[str, Any] = {
            "format": FORMAT,
            "exported_at": format_time(now),
            "account": account[0] if account else None,
            "api_tokens": _rows(
                connection,
                select(
                    api_tokens.c.token_id,
                    api_tokens.c.created_at,
                    api_tokens.c.expires_at,
                    api_tokens.c.last_used_at,
                    api_tokens.c.revoked_at,
                )
                .where(api_tokens.c.user_id == user_id)
                .order_by(api_tokens.c.created_at),
            ),
            "organisations": _rows(
                connection,
                select(
                    organisation_people.c.organisation_id,
                    organisations.c.name.label("organisation"),
                    organisation_people.c.kind,
                    organisation_people.c.entry_id,
                    organisation_people.c.title,
                    organisation_people.c.valid_from,
                    organisation_people.c.valid_until,
                    organisation_people.c.revoked_on,
                )
                .join(organisations, organisations.c.organisation_id == organisation_people.c.organisation_id)
                .where(organisation_people.c.user_id == user_id)
                .order_by(organisation_people.c.position),
            ),
            "coalition_roles": _rows(
                connection,
                select(roles.c.coalition_id, roles.c.role_id, roles.c.role, roles.c.organisation_id, roles.c.since)
                .where(roles.c.user_id == user_id)
                .order_by(roles.c.since),
            ),
            "invitations": _rows(
                connection,
                select(
                    invitations.c.invitation_id,
                    invitations.c.kind,
                    invitations.c.organisation_id,
                    invitations.c.coalition_id,
                    invitations.c.created_at,
                    invitations.c.accepted_at,
                    invitations.c.revoked_at,
                )
                .where(or_(invitations.c.accepted_by == user_id, invitations.c.email == email))
                .order_by(invitations.c.created_at),
            ),
            "notification_preferences": _rows(
                connection, select(preferences.c.kind, preferences.c.mode).where(preferences.c.user_id == user_id)
            ),
            "digest_hour": connection.execute(
                select(digest_hours.c.hour).where(digest_hours.c.user_id == user_id)
            ).scalar(),
        }
    document["events"] = [
        {
            "position": event.position,
            "stream_id": event.stream_id,
            "type": event.type,
            "recorded_at": format_time(event.recorded_at),
            "payload": event.payload,
            "metadata": event.metadata.to_json(),
            "hash": event.hash,
        }
        for event in store.read_all()
        if _names(event, user_id)
    ]
    return document
