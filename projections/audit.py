"""The audit history: every event of a coalition, indexed by who acted, for whom, on whom and when."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Column, Index, Integer, Select, String, Table, func, or_, select
from sqlalchemy.engine import Connection

from events import RecordedEvent, Registry, driver
from events.personal import readable
from events.schema import events as events_table
from events.store import format_time
from projections.base import Projection, add_up, metadata
from projections.coalitions import APPLY, commitments, roles, tasks
from projections.evaluations import TYPES as EVALUATION_TYPES
from projections.progress import ObjectiveProgress
from projections.statements import APPLY as STATEMENT_APPLY
from projections.versioned import POSITION, valid_at

coalition_log = Table(
    "coalition_log",
    metadata,
    Column("position", POSITION, primary_key=True, autoincrement=False),
    Column("coalition_id", String(64), nullable=False),
    Column("type", String(100), nullable=False),
    Column("actor_id", String(64)),
    Column("organisation_id", String(64)),  # the organisation the actor acted for
    Column("subject_organisation_id", String(64)),  # the organisation the event is about
    Column("other_organisation_id", String(64)),  # a task's previous organisation, when it is reassigned
    Column("recorded_at", String(32), nullable=False),
    # a coalition's history newest first, a page at a time, from the index's end (migration 0024)
    Index("ix_coalition_log_by_position", "coalition_id", "position"),
)
_INSERT = coalition_log.insert()

# How many events of each type a coalition's log holds for each day: kept as the log grows, so the facilitators'
# activity chart reads a row per day and type, not every event the coalition ever had (migration 0025).
activity = Table(
    "coalition_activity",
    metadata,
    Column("coalition_id", String(64), primary_key=True),
    Column("day", String(10), primary_key=True),  # the day the events were recorded, UTC, ISO 8601
    Column("type", String(100), primary_key=True),
    Column("events", Integer, nullable=False),
)
ACTIVITY_KEY = ("coalition_id", "day", "type")


class AuditLog(Projection):
    """One row per coalition event. Listed after `Coalitions`, whose rows name a commitment's organisation."""

    name = "audit"
    tables = (coalition_log,)
    types = frozenset(APPLY) | frozenset(STATEMENT_APPLY) | EVALUATION_TYPES | ObjectiveProgress.types

    def apply(self, connection: Connection, events: Sequence[RecordedEvent]) -> None:
        """Index each event."""
        rows = [
            {
                "position": event.position,
                "coalition_id": event.payload["coalition_id"],
                "type": event.type,
                "actor_id": event.metadata.actor_id,
                "organisation_id": event.metadata.organisation_id,
                "subject_organisation_id": _owner(connection, event, event.position)
                if event.type != "RoleRemoved"
                else _owner(connection, event, event.position - 1),
                "other_organisation_id": _owner(connection, event, event.position - 1)
                if event.type == "TaskReassigned"
                else None,
                "recorded_at": format_time(event.recorded_at),
            }
            for event in events
        ]
        driver.send(connection, _INSERT, rows)


class ActivityCounts(Projection):
    """How many events of each type each coalition's log holds for each day (`coalition_activity`), for the
    facilitators' activity chart and the audit's counts. A projection of its own, with its own checkpoint: events
    appended while the counts were not kept yet (by the code before migration 0025, during an upgrade) are
    counted when this one catches up, instead of being taken as counted with the audit log's."""

    name = "activity"
    tables = (activity,)
    types = AuditLog.types

    def apply(self, connection: Connection, events: Sequence[RecordedEvent]) -> None:
        """Add each event to its coalition's count of its type on its day (one row per key however many)."""
        counted = Counter(
            (event.payload["coalition_id"], format_time(event.recorded_at)[:10], event.type) for event in events
        )
        add_up(
            connection,
            activity,
            [{"coalition_id": c, "day": d, "type": t, "events": n} for (c, d, t), n in counted.items()],
            ACTIVITY_KEY,
            "events",
        )


def _owner(connection: Connection, event: RecordedEvent, position: int) -> str | None:
    """The organisation the event is about: named in it, or owning the role, commitment or task at `position`."""
    p = event.payload
    if "organisation_id" in p and position == event.position:
        return str(p["organisation_id"])
    for table, key in ((roles, "role_id"), (commitments, "commitment_id"), (tasks, "task_id")):
        if key in p:
            return connection.execute(
                select(table.c.organisation_id).where(
                    table.c.coalition_id == p["coalition_id"], table.c[key] == p[key], valid_at(table, position)
                )
            ).scalar()
    return None


@dataclass(frozen=True, slots=True)
class Entry:
    """One event of a coalition's history, as the audit shows it."""

    position: int
    recorded_at: str
    type: str
    actor_id: str | None
    organisation_id: str | None
    subject_organisation_id: str | None
    payload: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Filters:
    """What a facilitator narrows the history to; every field optional."""

    organisation_id: str | None = None
    actor_id: str | None = None
    types: tuple[str, ...] = ()
    since: datetime | None = None
    until: datetime | None = None  # exclusive


def _matching(query: Select[Any], coalition_id: str, filters: Filters) -> Select[Any]:
    """`query` narrowed to the coalition's events that match the filters."""
    log = coalition_log.c
    query = query.where(log.coalition_id == coalition_id)
    if filters.organisation_id:
        query = query.where(
            or_(
                log.organisation_id == filters.organisation_id,
                log.subject_organisation_id == filters.organisation_id,
                log.other_organisation_id == filters.organisation_id,
            )
        )
    if filters.actor_id:
        query = query.where(log.actor_id == filters.actor_id)
    if filters.types:
        query = query.where(log.type.in_(filters.types))
    if filters.since:
        query = query.where(log.recorded_at >= format_time(filters.since))
    if filters.until:
        query = query.where(log.recorded_at < format_time(filters.until))
    return query


def count(connection: Connection, coalition_id: str, filters: Filters = Filters()) -> int:
    """How many of the coalition's events match the filters: from the kept counts of each day and type when only
    types narrow them (a row per day and type, however long the history), else from the events' own rows."""
    if not (filters.organisation_id or filters.actor_id or filters.since or filters.until):
        a = activity.c
        kept = select(func.coalesce(func.sum(a.events), 0)).where(a.coalition_id == coalition_id)
        if filters.types:
            kept = kept.where(a.type.in_(filters.types))
        return int(connection.execute(kept).scalar_one())
    query = _matching(select(func.count()).select_from(coalition_log), coalition_id, filters)
    return int(connection.execute(query).scalar_one())


def by_day_and_type(connection: Connection, coalition_id: str) -> list[tuple[str, str, int]]:
    """How many of the coalition's events were recorded on each day (UTC, ISO) of each type: (day, type, count),
    oldest day first, from the counts the projection keeps (a row per day and type, whatever the log's length)."""
    a = activity.c
    query = select(a.day, a.type, a.events).where(a.coalition_id == coalition_id).order_by(a.day, a.type)
    return [(str(d), str(t), int(n)) for d, t, n in connection.execute(query).all()]


def history(
    connection: Connection,
    registry: Registry,
    coalition_id: str,
    filters: Filters = Filters(),
    limit: int | None = None,
    after: int = 0,
    before: int | None = None,
    newest_first: bool = False,
) -> list[Entry]:
    """The coalition's events matching the filters, oldest first (or newest first), after position `after` and
    before position `before`: the log is append-only, so a position is a stable cursor for paging."""
    log = coalition_log.c
    query = _matching(
        select(
            log.position,
            log.recorded_at,
            log.type,
            log.actor_id,
            log.organisation_id,
            log.subject_organisation_id,
            events_table.c.stream_id,
            events_table.c.schema_version,
            events_table.c.payload,
        )
        .join(events_table, events_table.c.position == log.position)
        .where(log.position > after)
        .order_by(log.position.desc() if newest_first else log.position),
        coalition_id,
        filters,
    )
    if before is not None:
        query = query.where(log.position < before)
    if limit is not None:
        query = query.limit(limit)
    return [
        Entry(
            row.position,
            row.recorded_at,
            row.type,
            row.actor_id,
            row.organisation_id,
            row.subject_organisation_id,
            readable(registry, connection, row.stream_id, row.type, row.schema_version, row.payload)[1],
        )
        for row in connection.execute(query).all()
    ]
