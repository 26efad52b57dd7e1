"""A coalition's rows at a moment: "now" or "as of" a log position, date or date-time.

`snapshot` reads one `Snapshot` of a coalition's versioned rows at a position (None: now) with the
day it counts as; the standing and responsibilities built from it (the domain's verdicts on these
facts) are `coalition.reads.standing`'s.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Table, func, select
from sqlalchemy.engine import Connection

from events.schema import events as events_table
from events.store import format_time
from projections.coalitions import agreements, commitments, memberships, roles, tasks
from projections.organisations import organisations as organisation_rows
from projections.sets import one_of
from projections.statement_rows import participation
from projections.versioned import valid_at


class BadMoment(ValueError):
    """An `as_of` that is not a position, date or date-time of this log's past."""


@dataclass(frozen=True, slots=True)
class Moment:
    """A point of the log (its last position then) and the day it counts as, for what is overdue."""

    position: int | None  # None: now
    day: date
    instant: datetime | None = None  # the instant read (None: now), for deadlines


@dataclass(frozen=True, slots=True)
class Span:
    """What an ISO date (its whole day) or date-time (that instant) covers, in UTC."""

    start: datetime
    end: datetime  # exclusive
    day: date


def span(text: str) -> Span:
    """Read an ISO date or date-time (naive means UTC); ValueError if unreadable or beyond the calendar."""
    try:
        if "T" in text or " " in text:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
            moment = (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)
            return Span(moment, moment + timedelta(microseconds=1), moment.date())
        day = date.fromisoformat(text)
        start = datetime.combine(day, time(), UTC)
        return Span(start, start + timedelta(days=1), day)
    except OverflowError:
        raise ValueError(f"{text} is beyond the calendar") from None


def resolve(connection: Connection, as_of: str | None, today: date) -> Moment:
    """Read `as_of`: a log position (digits), an ISO date (its end) or an ISO date-time."""
    if as_of is None or not as_of.strip():
        return Moment(None, today)
    text = as_of.strip()
    head = connection.execute(select(func.coalesce(func.max(events_table.c.position), 0))).scalar_one()
    if re.fullmatch(r"[0-9]{1,18}", text):
        position = int(text)
        if position > head:
            raise BadMoment(f"the log has {head} events: as_of must be a position from 0 to {head}")
        recorded = connection.execute(
            select(events_table.c.recorded_at).where(events_table.c.position == position)
        ).scalar()
        instant = datetime.fromisoformat(recorded) if recorded else None
        return Moment(position, instant.date() if instant else today, instant)
    try:
        moment = span(text)
    except ValueError:
        raise BadMoment(
            "as_of must be a log position (such as 120), an ISO date (2026-03-31) "
            "or an ISO date-time (2026-03-31T17:00:00Z)"
        ) from None
    if moment.day > today:
        raise BadMoment(f"as_of {text} is in the future: the history ends today, {today.isoformat()}")
    position = connection.execute(
        select(func.coalesce(func.max(events_table.c.position), 0)).where(
            events_table.c.recorded_at < format_time(moment.end)
        )
    ).scalar_one()
    return Moment(position, moment.day, moment.end - timedelta(microseconds=1))


@dataclass(frozen=True, slots=True)
class Snapshot:
    """A coalition's rows true at one moment."""

    moment: Moment
    agreement: dict[str, Any] | None
    members: list[dict[str, Any]]
    roles: list[dict[str, Any]]
    commitments: list[dict[str, Any]]
    tasks: list[dict[str, Any]]
    names: dict[str, dict[str, Any]]  # organisation id -> {name, country}
    #: organisation id -> {"opened": positions of statements opened while it was active, "signatures": its
    #: signatures of those (see `projections.statement_rows.participation`)}; None when not read (`snapshot`'s
    #: `statements`): only the members' standing asks it, and it is most of what a snapshot reads
    statements: dict[str, dict[str, list[Any]]] | None = None
    #: None: the whole coalition; else the only organisations whose rows (memberships, roles, commitments,
    #: tasks, names, statements) the snapshot holds: what a page needs, not the coalition (`snapshot`)
    scope: frozenset[str] | None = None


def _rows(
    connection: Connection,
    table: Table,
    coalition_id: str,
    position: int | None,
    organisations: frozenset[str] | None = None,
) -> list[dict[str, Any]]:
    query = select(table).where(table.c.coalition_id == coalition_id, valid_at(table, position))
    if organisations is None:
        return [dict(row) for row in connection.execute(query.order_by(table.c.from_position)).mappings()]
    # a few organisations' rows: found by their organisation (an ORDER BY would lead SQLite to walk the whole
    # coalition in that order instead), put in order here
    query = query.where(one_of(connection, table.c.organisation_id, sorted(organisations)))
    return sorted((dict(row) for row in connection.execute(query).mappings()), key=lambda row: row["from_position"])


def snapshot(
    connection: Connection,
    coalition_id: str,
    moment: Moment,
    organisations: Iterable[str] | None = None,
    statements: bool = False,
) -> Snapshot:
    """The coalition as it was at `moment`; its agreement is None if it did not exist yet.

    With `organisations`, only those organisations' rows are read (their memberships, roles, commitments, tasks,
    names and statements; `Snapshot.scope`): a page about a few members or one reader reads what it shows, not
    the whole coalition. The rules asked of such a snapshot must be about those organisations only (whether the
    reader reads or facilitates the coalition: the reader's organisations; a page of members' standing).
    With `statements`, the members' statement participation (`Snapshot.statements`) is read too: their standing
    (`coalition.reads.standing.standing`) needs it, nothing else does, and it costs more than the rest together
    (42 of 72 ms for a coalition of 3,000 members that each signed a statement)."""
    scope = None if organisations is None else frozenset(organisations)
    found = _rows(connection, agreements, coalition_id, moment.position)
    members = _rows(connection, memberships, coalition_id, moment.position, scope)
    ids = {m["organisation_id"] for m in members}
    names = {
        row.organisation_id: {"name": row.name, "country": row.country}
        for row in connection.execute(
            select(organisation_rows.c.organisation_id, organisation_rows.c.name, organisation_rows.c.country).where(
                one_of(connection, organisation_rows.c.organisation_id, sorted(ids))
            )
        )
    }
    agreement = None
    if found:
        agreement = {**found[0], "objectives": json.loads(found[0]["objectives"])}
    return Snapshot(
        moment,
        agreement,
        members,
        _rows(connection, roles, coalition_id, moment.position, scope),
        _rows(connection, commitments, coalition_id, moment.position, scope),
        _rows(connection, tasks, coalition_id, moment.position, scope),
        names,
        participation(connection, coalition_id, moment.position, scope) if statements else None,
        scope,
    )
