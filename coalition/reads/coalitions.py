"""What pages read about coalitions: the ones an organisation takes part in, their statements, recent activity."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from coalition.reads.audit import entries
from coalition.reads.statements import phase
from coalition.reads.summaries import Names, summary
from events import Registry
from projections.audit import Entry, by_day_and_type
from projections.coalition_rows import (
    directory,
    exists,
    member_states,
    members_before,
    members_in_order,
    roles_of,
    work_owners,
)
from projections.coalitions import agreements, memberships
from projections.member_counts import member_count, member_counts
from projections.sets import one_of
from projections.statement_rows import of_coalition
from projections.versioned import valid_at


def of_organisations(connection: Connection, organisation_ids: Iterable[str]) -> list[dict[str, Any]]:
    """The coalitions these organisations belong to (or asked to join), by name, with each one's states."""
    rows = connection.execute(
        select(
            agreements.c.coalition_id,
            agreements.c.name,
            agreements.c.purpose,
            agreements.c.ended_on,
            memberships.c.state,
            memberships.c.organisation_id,
        )
        .join(memberships, memberships.c.coalition_id == agreements.c.coalition_id)
        .where(
            valid_at(agreements, None),
            valid_at(memberships, None),
            one_of(connection, memberships.c.organisation_id, sorted(organisation_ids)),
        )
        .order_by(agreements.c.name)
    ).all()
    coalitions: dict[str, dict[str, Any]] = {}
    for row in rows:
        entry = coalitions.setdefault(
            row.coalition_id,
            {
                "id": row.coalition_id,
                "name": row.name,
                "purpose": row.purpose,
                "ended_on": row.ended_on,
                "states": [],
            },
        )
        entry["states"].append(row.state)
    return list(coalitions.values())


__all__ = [
    "activity",
    "activity_days",
    "latest",
    "directory",
    "exists",
    "member_count",
    "member_counts",
    "member_states",
    "members_before",
    "members_in_order",
    "of_organisations",
    "roles_of",
    "statements",
    "summarised",
    "work_owners",
]


def statements(connection: Connection, coalition_id: str, now: datetime) -> list[dict[str, Any]]:
    """The coalition's statements, each with its phase (`state`) at `now`."""
    return [{**row, "state": phase(row, now)} for row in of_coalition(connection, coalition_id)]


def activity(connection: Connection, registry: Registry, coalition_id: str) -> list[Entry]:
    """The coalition's whole audit history, oldest first."""
    return entries(connection, registry, coalition_id)


def activity_days(connection: Connection, coalition_id: str) -> list[tuple[str, str, int]]:
    """(day, type, how many) of the coalition's events, oldest day first, for the facilitators' timeline: counted
    by day and type in SQL, no event read."""
    return by_day_and_type(connection, coalition_id)


def latest(connection: Connection, registry: Registry, coalition_id: str, count: int = 10) -> list[Entry]:
    """The coalition's `count` latest audit entries, oldest first (the home's "recent activity")."""
    return entries(connection, registry, coalition_id, limit=count, newest_first=True)[::-1]


def summarised(
    connection: Connection,
    coalition_id: str,
    entries: list[Entry],
    latest: int = 10,
    objectives: list[Any] | None = None,
) -> list[dict[str, Any]]:
    """The `latest` entries, newest first, each with when and a one-line summary (`objectives`: the agreement's
    now, where the caller holds them)."""
    newest = entries[-latest:][::-1]
    names = Names.load(connection, coalition_id, newest, objectives)
    return [{"recorded_at": e.recorded_at, "summary": summary(e, names)} for e in newest]


def name(connection: Connection, coalition_id: str) -> str:
    """The coalition's name now (its agreement's), or "" if it has none."""
    query = select(agreements.c.name).where(agreements.c.coalition_id == coalition_id, valid_at(agreements, None))
    return str(connection.execute(query).scalar() or "")
