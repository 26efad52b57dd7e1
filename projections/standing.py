"""Member standing and shared responsibilities, now or as of any earlier moment.

Both read one `Snapshot` of a coalition's versioned rows at a position (None: now) and a day (for
what is overdue). Each figure lists the log positions of the rows behind it, so that anyone can
trace a number back to the events that produced it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Table, func, select
from sqlalchemy.engine import Connection

from events.schema import events as events_table
from events.store import format_time
from projections.coalitions import agreements, commitments, memberships, roles, tasks
from projections.organisations import organisations
from projections.statement_rows import participation
from projections.versioned import valid_at

#: Overdue for longer than this many days makes a member `lapsed` rather than `attention`.
LAPSED_AFTER_DAYS = 30
CLOSED = ("fulfilled", "withdrawn", "done", "dropped")


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
    #: organisation id -> {"opened": positions of statements opened while it was active, "signed": its signatures'}
    statements: dict[str, dict[str, list[int]]] = field(default_factory=dict)


def _rows(connection: Connection, table: Table, coalition_id: str, position: int | None) -> list[dict[str, Any]]:
    query = select(table).where(table.c.coalition_id == coalition_id, valid_at(table, position))
    return [dict(row) for row in connection.execute(query.order_by(table.c.from_position)).mappings()]


def snapshot(connection: Connection, coalition_id: str, moment: Moment) -> Snapshot:
    """The coalition as it was at `moment`; its agreement is None if it did not exist yet."""
    found = _rows(connection, agreements, coalition_id, moment.position)
    members = _rows(connection, memberships, coalition_id, moment.position)
    ids = {m["organisation_id"] for m in members}
    names = {
        row.organisation_id: {"name": row.name, "country": row.country}
        for row in connection.execute(
            select(organisations.c.organisation_id, organisations.c.name, organisations.c.country).where(
                organisations.c.organisation_id.in_(ids)
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
        _rows(connection, roles, coalition_id, moment.position),
        _rows(connection, commitments, coalition_id, moment.position),
        _rows(connection, tasks, coalition_id, moment.position),
        names,
        participation(connection, coalition_id, moment.position),
    )


def days_overdue(row: dict[str, Any], day: date) -> int:
    """How many days past its due date an open commitment or task is (0 if it is not overdue)."""
    return 0 if row["state"] in CLOSED else max(0, (day - row["due_on"]).days)


def _figure(rows: list[dict[str, Any]], position_of: str = "from_position") -> dict[str, Any]:
    return {"count": len(rows), "positions": [row[position_of] for row in rows]}


def standing(snap: Snapshot) -> list[dict[str, Any]]:
    """Each member organisation's standing, with the positions behind every figure."""
    day = snap.moment.day
    result = []
    for member in snap.members:
        org = member["organisation_id"]
        pledged = [c for c in snap.commitments if c["organisation_id"] == org]
        assigned = [t for t in snap.tasks if t["organisation_id"] == org]
        late = [(days_overdue(w, day), w) for w in [*pledged, *assigned] if days_overdue(w, day) > 0]
        worst = max((days for days, _ in late), default=0)
        if member["state"] == "suspended":
            level, reason = "lapsed", f"suspended: {member['reason']}" if member["reason"] else "suspended"
        elif late:
            level = "lapsed" if worst > LAPSED_AFTER_DAYS else "attention"
            reason = f"{len(late)} overdue, the oldest by {worst} days"
        else:
            level, reason = "good", "nothing overdue"
        result.append(
            {
                "organisation_id": org,
                **snap.names.get(org, {"name": None, "country": None}),
                "membership": {"state": member["state"], "since": member["since"], "position": member["from_position"]},
                "roles": [
                    {
                        "role_id": r["role_id"],
                        "role": r["role"],
                        "user_id": r["user_id"],
                        "position": r["from_position"],
                    }
                    for r in snap.roles
                    if r["organisation_id"] == org
                ],
                "commitments": {
                    "pledged": _figure(pledged, "pledged_position"),
                    "fulfilled": _figure([c for c in pledged if c["state"] == "fulfilled"]),
                    "overdue": _figure([c for c in pledged if days_overdue(c, day) > 0]),
                    "withdrawn": _figure([c for c in pledged if c["state"] == "withdrawn"]),
                },
                "tasks": {
                    "open": _figure([t for t in assigned if t["state"] in ("open", "accepted")]),
                    "done": _figure([t for t in assigned if t["state"] == "done"]),
                    "overdue": _figure([t for t in assigned if days_overdue(t, day) > 0]),
                },
                "statements": {
                    name: {"count": len(positions), "positions": sorted(positions)}
                    for name, positions in snap.statements.get(org, {"opened": [], "signed": []}).items()
                },
                "level": level,
                "reason": reason,
                "days_overdue": worst,
                "overdue_items": len(late),
                "suspension_reason": member["reason"] if member["state"] == "suspended" else None,
            }
        )
    return result


def _work(row: dict[str, Any], day: date, *fields: str) -> dict[str, Any]:
    return {
        **{name: row[name] for name in fields},
        "organisation_id": row["organisation_id"],
        "due_on": row["due_on"].isoformat(),
        "state": row["state"],
        "overdue": days_overdue(row, day) > 0,
        "position": row["from_position"],
    }


def responsibilities(snap: Snapshot) -> dict[str, Any]:
    """Objectives by organisations: who committed what and who does which task by when."""
    day = snap.moment.day
    objectives = snap.agreement["objectives"] if snap.agreement else []
    served_by = {c["commitment_id"]: c["objective_id"] for c in snap.commitments}
    rows = []
    for objective in objectives:
        oid = objective["objective_id"]
        pledged = [
            _work(c, day, "commitment_id", "kind", "description", "quantity", "unit")
            for c in snap.commitments
            if c["objective_id"] == oid
        ]
        tasked = [
            _work(t, day, "task_id", "title", "assignee_user_id", "commitment_id")
            for t in snap.tasks
            if (t["objective_id"] or served_by.get(t["commitment_id"] or "")) == oid
        ]
        live = [w for w in [*pledged, *tasked] if w["state"] not in ("withdrawn", "dropped")]
        rows.append(
            {
                **objective,
                "commitments": pledged,
                "tasks": tasked,
                "organisations": sorted({w["organisation_id"] for w in live}),
                "uncovered": not live,
            }
        )
    linked = {o["objective_id"] for o in objectives}
    return {
        "objectives": rows,
        "organisations": [
            {
                "organisation_id": m["organisation_id"],
                **snap.names.get(m["organisation_id"], {"name": None, "country": None}),
            }
            for m in snap.members
            if m["state"] in ("active", "suspended")
        ],
        "unlinked": {
            "commitments": [
                _work(c, day, "commitment_id", "kind", "description", "quantity", "unit")
                for c in snap.commitments
                if c["objective_id"] not in linked
            ],
            "tasks": [
                _work(t, day, "task_id", "title", "assignee_user_id", "commitment_id")
                for t in snap.tasks
                if (t["objective_id"] or served_by.get(t["commitment_id"] or "")) not in linked
            ],
        },
        "uncovered": [o["objective_id"] for o in rows if o["uncovered"]],
    }
