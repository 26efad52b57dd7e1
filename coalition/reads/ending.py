"""What the pages read about a coalition's end: whether (and when) it ended, and what keeps it from closing."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import Table, func, select
from sqlalchemy.engine import Connection

from coalition.domain.policy.ending import OPEN_COMMITMENT, OPEN_TASK, reminder_due
from coalition.reads.evaluations import rounds
from coalition.reads.organisations import names as organisation_names
from coalition.reads.statements import phase
from projections.coalitions import agreements, commitments, tasks
from projections.standing import Snapshot
from projections.statement_rows import of_coalition
from projections.versioned import valid_at


def ended_on(connection: Connection, coalition_id: str) -> date | None:
    """The day the coalition closed, or None while it runs (or if there is no such coalition)."""
    query = select(agreements.c.ended_on).where(agreements.c.coalition_id == coalition_id, valid_at(agreements, None))
    found = connection.execute(query).scalar()
    return found if isinstance(found, date) else None


#: Open tasks, and pledged commitments, the closing page names (the earliest due first); it counts the rest.
LISTED = 10


@dataclass
class Remaining:
    """What keeps the coalition from closing: its statements open for signature, its open tasks, its evaluation
    rounds not closed and its commitments still pledged (each with `organisation`, its organisation's name): the
    first `LISTED` tasks and commitments, the earliest due first, of `open_tasks` and `pledged` in all."""

    statements: list[dict[str, Any]] = field(default_factory=list)
    tasks: list[dict[str, Any]] = field(default_factory=list)
    rounds: list[dict[str, Any]] = field(default_factory=list)
    commitments: list[dict[str, Any]] = field(default_factory=list)
    open_tasks: int = 0
    pledged: int = 0

    def __bool__(self) -> bool:
        return bool(self.statements or self.open_tasks or self.rounds or self.pledged)


def _open(
    connection: Connection, table: Table, coalition_id: str, states: Iterable[str]
) -> tuple[list[dict[str, Any]], int]:
    """The first `LISTED` of the coalition's rows of `table` now in one of `states`, the earliest due first, and
    how many there are."""
    which = (table.c.coalition_id == coalition_id, valid_at(table, None), table.c.state.in_(sorted(states)))
    key = table.c.task_id if table is tasks else table.c.commitment_id
    query = select(table).where(*which).order_by(table.c.due_on, key).limit(LISTED)
    count = select(func.count()).select_from(table).where(*which)
    return [dict(row) for row in connection.execute(query).mappings()], int(connection.execute(count).scalar_one())


def remaining(connection: Connection, coalition_id: str, now: datetime) -> Remaining:
    """The statements still open for signature at `now`, the tasks still open or accepted, the evaluation rounds
    not closed and the commitments still pledged (`coalition.domain.ending.close` refuses while any is left): only
    those rows are read, not the whole coalition's, and of the tasks and commitments, the first `LISTED`."""
    (open_tasks, tasks_in_all), (pledged, pledged_in_all) = (
        _open(connection, tasks, coalition_id, OPEN_TASK),
        _open(connection, commitments, coalition_id, OPEN_COMMITMENT),
    )
    names = organisation_names(connection, {c["organisation_id"] for c in pledged})
    return Remaining(
        [row for row in of_coalition(connection, coalition_id) if phase(row, now) == "open"],
        open_tasks,
        [
            {"evaluation_id": e.evaluation_id, "title": e.title}
            for e in rounds(connection, coalition_id).values()
            if not e.closed
        ],
        [{**c, "organisation": names.get(c["organisation_id"], c["organisation_id"])} for c in pledged],
        tasks_in_all,
        pledged_in_all,
    )


def open_work_of(snap: Snapshot, organisation_id: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """An organisation's commitments still pledged and tasks still open or accepted (what it disposes of leaving)."""
    commitments = [
        c for c in snap.commitments if c["organisation_id"] == organisation_id and c["state"] in OPEN_COMMITMENT
    ]
    tasks = [t for t in snap.tasks if t["organisation_id"] == organisation_id and t["state"] in OPEN_TASK]
    return commitments, tasks


def ending_soon(connection: Connection, today: date) -> list[dict[str, Any]]:
    """The running coalitions with an end-of-agreement reminder due today (`policy.reminder_due`), with `stage`
    (the reminder: 60 or 14) and `days_left` (how many days truly are left): the facilitators are reminded to renew
    or close."""
    query = select(agreements.c.coalition_id, agreements.c.name, agreements.c.ends_on, agreements.c.ended_on).where(
        valid_at(agreements, None), agreements.c.ends_on.is_not(None), agreements.c.ended_on.is_(None)
    )
    found = []
    for row in connection.execute(query.order_by(agreements.c.coalition_id)).mappings():
        stage = reminder_due(row["ends_on"], row["ended_on"], today)
        if stage is not None:
            found.append({**row, "stage": stage, "days_left": (row["ends_on"] - today).days})
    return found


def ended_coalitions() -> Any:
    """A subquery of the coalitions that have ended (their open work is reminded no more)."""
    return select(agreements.c.coalition_id).where(valid_at(agreements, None), agreements.c.ended_on.is_not(None))
