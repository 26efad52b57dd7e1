"""What the partnership report reads from the log besides its fold (`reads.partnership`): where the coalition was
founded and where its final report stands, its statements' streams, the report's cache key, and the reports a
facilitator published. All from the log itself, never from the read models."""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from coalition.domain import coalition_state
from coalition.domain.event_types import registry
from coalition.reads.ending import ended_on
from coalition.reads.logged import read
from events.personal import readable
from events.schema import events as events_table
from projections.sets import one_of


def founded_at(connection: Connection, coalition_id: str) -> int | None:
    """The log position the coalition was founded at (None: no such coalition)."""
    e = events_table.c
    query = select(e.position).where(e.stream_id == coalition_state.stream(coalition_id), e.version == 1)
    found = connection.execute(query).scalar()
    return None if found is None else int(found)


def closed(connection: Connection, coalition_id: str) -> tuple[int, date] | None:
    """Where a closed coalition's final report stands: the position its `CoalitionClosed` names, and the day it
    closed (None: it has not closed). The coalition's row says whether to look (one lookup by key, where reading the
    log for the event scans the coalition's whole stream); what the report shows is then read from the log."""
    if ended_on(connection, coalition_id) is None:
        return None
    e = events_table.c
    row = connection.execute(
        select(e.stream_id, e.type, e.schema_version, e.payload)
        .where(e.stream_id == coalition_state.stream(coalition_id), e.type == "CoalitionClosed")
        .order_by(e.position.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    payload = readable(registry, connection, row.stream_id, row.type, row.schema_version, row.payload)[1]
    return int(payload["final_position"]), date.fromisoformat(str(payload["closed_on"]))


def statement_streams(connection: Connection, coalition_id: str, until: int) -> list[str]:
    """The streams of the coalition's statements drafted by position `until`, from their first events."""
    e = events_table.c
    rows = connection.execute(
        select(e.stream_id, e.type, e.schema_version, e.payload).where(
            e.type == "StatementDrafted", e.version == 1, e.position <= until
        )
    ).all()
    return sorted(
        row.stream_id
        for row in rows
        if readable(registry, connection, row.stream_id, row.type, row.schema_version, row.payload)[1].get(
            "coalition_id"
        )
        == coalition_id
    )


def report_key(connection: Connection, coalition_id: str, position: int, day: date, *salt: str) -> str:
    """A key that changes whenever anything the report at `position` on `day` shows may change: the versions, up to
    the position, of the coalition's stream and its statements' (organisations' names are fixed when they are
    created). `salt` adds what else it depends on (language, seal, layout, rules, erasures)."""
    streams = [coalition_state.stream(coalition_id), *statement_streams(connection, coalition_id, position)]
    e = events_table.c
    versions = connection.execute(
        select(e.stream_id, func.max(e.version))
        .where(one_of(connection, e.stream_id, streams), e.position <= position)
        .group_by(e.stream_id)
    ).all()
    parts = [coalition_id, day.isoformat(), *(f"{s}={v}" for s, v in sorted(versions)), *salt]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def published_reports(connection: Connection, coalition_id: str) -> list[dict[str, Any]]:
    """The coalition's published reports, newest first: id, position, chain hash, day, language, when."""
    found = read(connection, [coalition_state.stream(coalition_id)], 2**62, ("ReportPublished",))
    return [
        {**dict(e.payload), "published_at": e.recorded_at, "event_position": e.position}
        for e in sorted(found, key=lambda e: e.position, reverse=True)
    ]


def published_report(connection: Connection, report_id: str) -> dict[str, Any] | None:
    """A published report by its id (its event's payload and when it was recorded), or None."""
    e = events_table.c
    row = connection.execute(
        select(e.stream_id, e.type, e.schema_version, e.payload, e.recorded_at).where(e.type == "ReportPublished")
    ).all()
    for r in row:
        payload = dict(readable(registry, connection, r.stream_id, r.type, r.schema_version, r.payload)[1])
        if payload.get("report_id") == report_id:
            return {**payload, "published_at": r.recorded_at}
    return None
