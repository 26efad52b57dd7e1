"""Where the common objectives stand: each objective's indicator, its points and the domain's status, now or as of.

Rows from `projections.progress` (the points recorded at or before the snapshot's position) and the
agreement's objectives from the snapshot, judged by the one rule, `policy.progress_of`, on the snapshot's day.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from coalition.domain import policy
from coalition.domain.coalition_state import Actor, Objective, ProgressPoint
from coalition.domain.progress import liaison_of
from coalition.reads.access import as_domain
from projections.progress import objective_progress
from projections.standing import Snapshot


def objective_of(row: Mapping[str, Any]) -> Objective:
    """The domain's objective from the agreement row's JSON."""
    target_date = row.get("target_date")
    return Objective(
        row["objective_id"],
        row["text"],
        row.get("measure"),
        date.fromisoformat(target_date) if isinstance(target_date, str) else target_date,
        row.get("unit"),
        row.get("baseline"),
        row.get("target"),
    )


def points(connection: Connection, coalition_id: str, position: int | None) -> dict[str, tuple[ProgressPoint, ...]]:
    """The points recorded on each objective at or before `position` (None: all), in log order."""
    table = objective_progress
    query = select(table).where(table.c.coalition_id == coalition_id)
    if position is not None:
        query = query.where(table.c.position <= position)
    found: dict[str, list[ProgressPoint]] = {}
    for row in connection.execute(query.order_by(table.c.position)).mappings():
        found.setdefault(row["objective_id"], []).append(
            ProgressPoint(
                row["progress_id"],
                row["objective_id"],
                row["value"],
                row["as_of"],
                row["recorded_by"],
                row["note"],
                row["organisation_id"],
                row["supersedes"],
            )
        )
    return {objective_id: tuple(listed) for objective_id, listed in found.items()}


def _point(point: ProgressPoint | None, superseded_by: Mapping[str, str]) -> dict[str, Any] | None:
    if point is None:
        return None
    return {
        "progress_id": point.progress_id,
        "value": point.value,
        "as_of": point.as_of,
        "note": point.note,
        "organisation_id": point.organisation_id,
        "recorded_by": point.recorded_by,
        "supersedes": point.supersedes,
        "superseded_by": superseded_by.get(point.progress_id),
    }


def standing(connection: Connection, snap: Snapshot) -> list[dict[str, Any]]:
    """Each objective, numbered, with its indicator, latest value, share, status and every point (corrections too)."""
    if snap.agreement is None:
        return []
    recorded = points(connection, snap.agreement["coalition_id"], snap.moment.position)
    starts_on: date = snap.agreement["starts_on"]
    listed = []
    for number, row in enumerate(snap.agreement["objectives"], 1):
        objective = objective_of(row)
        held = recorded.get(objective.objective_id, ())
        superseded_by = {p.supersedes: p.progress_id for p in held if p.supersedes}
        result = policy.progress_of(objective, held, starts_on, snap.moment.day)
        listed.append(
            {
                "number": number,
                "objective_id": objective.objective_id,
                "text": objective.text,
                "measure": objective.measure,
                "unit": objective.unit,
                "baseline": objective.baseline,
                "target": objective.target,
                "target_date": objective.target_date,
                "latest": _point(result.latest, superseded_by),
                "share": result.share,
                "status": result.status,
                "objective": objective,
                "points": [_point(p, superseded_by) for p in held],
                "current": policy.current_points(held),
                "recorded": held,
            }
        )
    return listed


def by_organisation(objectives: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    """The latest current point each organisation recorded on each objective: (objective id, organisation id) -> it."""
    latest: dict[tuple[str, str], dict[str, Any]] = {}
    for objective in objectives:
        for point in objective["current"]:
            if point.organisation_id:
                latest[(objective["objective_id"], point.organisation_id)] = _point(point, {}) or {}
    return latest


def recorders(snap: Snapshot, reader: Actor, active: Callable[[], list[str]]) -> list[str] | None:
    """The organisations the reader may record progress for (facilitators: every active member, `active`, asked
    only of them: `snap` may be narrowed to the reader's organisations), or None if none."""
    if snap.agreement is None:
        return None
    state = as_domain(snap)
    if policy.is_facilitator(state, reader):
        return active()
    own = liaison_of(state, reader)
    return own or None
