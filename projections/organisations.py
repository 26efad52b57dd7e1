"""Organisations and the people who act for them: the lookups pages and answers need."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from sqlalchemy import Column, Date, String, Table, Text, delete, insert, select, update
from sqlalchemy.engine import Connection

from events import RecordedEvent
from events.store import format_time
from projections.base import Projection, metadata
from projections.sets import one_of
from projections.versioned import POSITION

organisations = Table(
    "organisations",
    metadata,
    Column("organisation_id", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("country", String(2), nullable=False),
    Column("sector", String(40), nullable=False),
    Column("mission", Text, nullable=False),
    Column("website", String(500)),
    Column("registration_number", String(100)),
    Column("created_at", String(32), nullable=False),
    Column("position", POSITION, nullable=False),
)

#: Administrators (kind "administrator", no dates) and signing mandates (kind "mandate").
organisation_people = Table(
    "organisation_people",
    metadata,
    Column("organisation_id", String(64), primary_key=True),
    Column("entry_id", String(64), primary_key=True),  # the mandate id, or "admin-<user id>"
    Column("user_id", String(64), nullable=False, index=True),
    Column("kind", String(20), nullable=False),
    Column("title", String(200)),
    Column("valid_from", Date),
    Column("valid_until", Date),
    Column("revoked_on", Date),
    Column("position", POSITION, nullable=False),
)


class Organisations(Projection):
    """One row per organisation, one per present administrator and per signing mandate."""

    name = "organisations"
    tables = (organisations, organisation_people)
    types = frozenset(
        {"OrganisationCreated", "AdministratorAdded", "AdministratorRemoved", "MandateGranted", "MandateRevoked"}
    )

    def apply(self, connection: Connection, events: Sequence[RecordedEvent]) -> None:
        """Write each event's row."""
        for event in events:
            p, org = event.payload, event.payload["organisation_id"]
            if event.type == "OrganisationCreated":
                connection.execute(
                    insert(organisations),
                    {
                        "organisation_id": org,
                        "name": p["name"],
                        "country": p["country"],
                        "sector": p["sector"],
                        "mission": p["mission"],
                        "website": p.get("website"),
                        "registration_number": p.get("registration_number"),
                        "created_at": format_time(event.recorded_at),
                        "position": event.position,
                    },
                )
                self._person(connection, event, org, f"admin-{p['created_by']}", p["created_by"], "administrator")
            elif event.type == "AdministratorAdded":
                self._person(connection, event, org, f"admin-{p['user_id']}", p["user_id"], "administrator")
            elif event.type == "AdministratorRemoved":  # who administers now; the log keeps who did before
                connection.execute(
                    delete(organisation_people).where(
                        organisation_people.c.organisation_id == org,
                        organisation_people.c.entry_id == f"admin-{p['user_id']}",
                    )
                )
            elif event.type == "MandateGranted":
                self._person(
                    connection,
                    event,
                    org,
                    p["mandate_id"],
                    p["user_id"],
                    "mandate",
                    title=p["title"],
                    valid_from=date.fromisoformat(p["valid_from"]),
                    valid_until=date.fromisoformat(p["valid_until"]) if p.get("valid_until") else None,
                )
            elif event.type == "MandateRevoked":
                connection.execute(
                    update(organisation_people)
                    .where(
                        organisation_people.c.organisation_id == org,
                        organisation_people.c.entry_id == p["mandate_id"],
                    )
                    .values(revoked_on=date.fromisoformat(p["revoked_on"]), position=event.position)
                )

    @staticmethod
    def _person(
        connection: Connection, event: RecordedEvent, org: str, entry_id: str, user_id: str, kind: str, **values: object
    ) -> None:
        connection.execute(
            insert(organisation_people),
            {
                "organisation_id": org,
                "entry_id": entry_id,
                "user_id": user_id,
                "kind": kind,
                "position": event.position,
                "title": None,
                "valid_from": None,
                "valid_until": None,
                "revoked_on": None,
                **values,
            },
        )


def entries_of(connection: Connection, user_id: str) -> list[dict[str, Any]]:
    """The user's administrator entries and signing mandates, of every organisation (facts: valid or not)."""
    query = select(organisation_people).where(organisation_people.c.user_id == user_id)
    return [dict(row) for row in connection.execute(query.order_by(organisation_people.c.position)).mappings()]


def entries_of_organisations(connection: Connection, organisation_ids: Iterable[str]) -> list[dict[str, Any]]:
    """Every administrator entry and signing mandate of these organisations (facts: valid or not)."""
    wanted = sorted(set(organisation_ids))
    if not wanted:
        return []
    query = select(organisation_people).where(one_of(connection, organisation_people.c.organisation_id, wanted))
    return [dict(row) for row in connection.execute(query.order_by(organisation_people.c.position)).mappings()]
