"""Progress recorded on the coalitions' common objectives: one row per point, corrections included.

Points are never edited (a correction is a new point naming the one it supersedes), so the rows are
append-only and "as of" a log position is simply the rows recorded at or before it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import Column, Date, Float, String, Table, Text, insert
from sqlalchemy.engine import Connection

from events import RecordedEvent
from events.store import format_time
from projections.base import Projection, metadata
from projections.versioned import POSITION

objective_progress = Table(
    "objective_progress",
    metadata,
    Column("coalition_id", String(64), primary_key=True),
    Column("progress_id", String(64), primary_key=True),
    Column("objective_id", String(64), nullable=False),
    Column("value", Float, nullable=False),
    Column("as_of", Date, nullable=False),
    Column("note", Text),
    Column("organisation_id", String(64)),
    Column("supersedes", String(64)),
    Column("recorded_by", String(64), nullable=False),
    Column("recorded_at", String(32), nullable=False),
    Column("position", POSITION, nullable=False, index=True),
)


class ObjectiveProgress(Projection):
    """The progress points of every coalition's objectives, in log order."""

    name = "objective_progress"
    tables = (objective_progress,)
    types = frozenset({"ObjectiveProgressRecorded"})

    def apply(self, connection: Connection, events: Sequence[RecordedEvent]) -> None:
        """Add one row per point recorded."""
        rows = [
            {
                "coalition_id": p["coalition_id"],
                "progress_id": p["progress_id"],
                "objective_id": p["objective_id"],
                "value": float(p["value"]),
                "as_of": date.fromisoformat(p["as_of"]),
                "note": p.get("note"),
                "organisation_id": p.get("organisation_id"),
                "supersedes": p.get("supersedes"),
                "recorded_by": p["recorded_by"],
                "recorded_at": format_time(event.recorded_at),
                "position": event.position,
            }
            for event in events
            for p in (event.payload,)
        ]
        if rows:
            connection.execute(insert(objective_progress), rows)
