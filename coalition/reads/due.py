"""What falls due: open statements' deadlines and the coalitions' open commitments and tasks, counted in days
from a given day (for the reminders). Which work is still open and how late it is are the domain's
(`policy.days_overdue`, `policy.CLOSED_*`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.engine import Connection

from coalition.domain import policy
from coalition.reads.ending import ended_coalitions
from coalition.reads.statements import deadline_of
from projections.coalitions import commitments, tasks
from projections.statements import statements
from projections.versioned import valid_at


@dataclass(frozen=True, slots=True)
class Deadline:
    """An open statement and the whole days from a day to its deadline's date (UTC)."""

    statement: dict[str, Any]
    days_left: int


def statement_deadlines(connection: Connection, today: date) -> list[Deadline]:
    """The statements open for signature on `today` whose deadline is still ahead (days_left >= 0: today
    or later, by the deadline's date in UTC), with the days left."""
    query = select(statements).where(
        valid_at(statements, None), statements.c.state == "open", statements.c.deadline.is_not(None)
    )
    found = []
    for row in connection.execute(query.order_by(statements.c.statement_id)).mappings():
        statement = dict(row)
        deadline = deadline_of(statement)
        if deadline is None:
            continue
        left = (deadline.astimezone(UTC).date() - today).days
        if left >= 0:
            found.append(Deadline(statement, left))
    return found


@dataclass(frozen=True, slots=True)
class Due:
    """An open commitment or task: its row, the days until it is due (negative once past) and how many days
    it is overdue (`policy.days_overdue`)."""

    row: dict[str, Any]
    days_until: int
    days_overdue: int


def _open(connection: Connection, table: Table, closed: tuple[str, ...], today: date) -> list[Due]:
    query = select(table).where(
        valid_at(table, None),
        table.c.state.not_in(closed),
        table.c.coalition_id.not_in(ended_coalitions()),  # an ended coalition's work is reminded no more
    )
    return [
        Due(dict(row), (row["due_on"] - today).days, policy.days_overdue(row["due_on"], row["state"], today))
        for row in connection.execute(query.order_by(table.c.coalition_id, table.c.from_position)).mappings()
    ]


def open_commitments(connection: Connection, today: date) -> list[Due]:
    """Every coalition's commitments not yet fulfilled or withdrawn, counted from `today`."""
    return _open(connection, commitments, policy.CLOSED_COMMITMENT, today)


def open_tasks(connection: Connection, today: date) -> list[Due]:
    """Every coalition's tasks not yet done or dropped, counted from `today`."""
    return _open(connection, tasks, policy.CLOSED_TASK, today)


def task(connection: Connection, coalition_id: str, task_id: str) -> dict[str, Any] | None:
    """A task's row now, or None."""
    query = select(tasks).where(tasks.c.coalition_id == coalition_id, tasks.c.task_id == task_id, valid_at(tasks, None))
    found = connection.execute(query).mappings().first()
    return None if found is None else dict(found)
