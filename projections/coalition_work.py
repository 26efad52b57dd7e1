"""A coalition's work as versioned rows: the commitments and tasks (their events applied by the coalitions
projection, `projections.coalitions`), and facts about each member's open work now (`open_work`): how many of
its commitments and tasks are not closed (`closed_on` unset) and the earliest due date among them; a row only
while there is one, counted again from the rows with every change of a commitment or task.

No verdict: whether that makes a member late, or in good standing, is `policy.standing_level`'s, asked when read,
on the day read (`coalition.reads.standing.for_home`); a due date passing changes nothing here. Open work is not
versioned: "as of" reads read the commitment and task rows themselves.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy import Column, Date, Float, Index, Integer, String, Table, Text, delete, func, insert, select, union_all
from sqlalchemy.engine import Connection

from events import RecordedEvent
from projections.base import metadata
from projections.versioned import POSITION, Versioned, version_columns

commitments = Table(
    "coalition_commitments",
    metadata,
    Column("coalition_id", String(64), primary_key=True),
    Column("commitment_id", String(64), primary_key=True),
    Column("organisation_id", String(64), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("description", Text, nullable=False),
    Column("quantity", Float),
    Column("unit", String(50)),
    Column("objective_id", String(64)),
    Column("due_on", Date, nullable=False),
    Column("state", String(20), nullable=False),  # pledged, fulfilled, withdrawn
    Column("closed_on", Date),
    Column("note", Text),  # the evidence of fulfilment, or the reason of the last change
    Column("pledged_position", POSITION, nullable=False),
    *version_columns(),
    Index("ix_coalition_commitments_by_organisation", "coalition_id", "organisation_id"),  # a page of members'
)

tasks = Table(
    "coalition_tasks",
    metadata,
    Column("coalition_id", String(64), primary_key=True),
    Column("task_id", String(64), primary_key=True),
    Column("title", String(200), nullable=False),
    Column("description", Text, nullable=False),
    Column("organisation_id", String(64), nullable=False),
    Column("assignee_user_id", String(64)),
    Column("objective_id", String(64)),
    Column("commitment_id", String(64)),
    Column("due_on", Date, nullable=False),
    Column("state", String(20), nullable=False),  # open, accepted, done, dropped
    Column("closed_on", Date),
    Column("note", Text),
    Column("created_position", POSITION, nullable=False),
    *version_columns(),
    Index("ix_coalition_tasks_by_organisation", "coalition_id", "organisation_id"),
)

open_work = Table(
    "coalition_open_work",
    metadata,
    Column("coalition_id", String(64), primary_key=True),
    Column("organisation_id", String(64), primary_key=True),
    Column("items", Integer, nullable=False),
    Column("earliest_due_on", Date, nullable=False),
    Index("ix_coalition_open_work_due", "coalition_id", "earliest_due_on"),
)

Apply = Callable[[Connection, RecordedEvent, dict[str, Any]], None]


def recount(connection: Connection, coalition_id: str, organisation_ids: set[str], sources: list[Table]) -> None:
    """Count again the open work of these organisations from the rows of `sources` (commitments, tasks) now."""
    for organisation_id in sorted(organisation_ids):
        due = union_all(
            *(
                select(t.c.due_on).where(
                    t.c.coalition_id == coalition_id,
                    t.c.organisation_id == organisation_id,
                    t.c.until_position.is_(None),
                    t.c.closed_on.is_(None),
                )
                for t in sources
            )
        ).subquery()
        items, earliest = connection.execute(select(func.count(), func.min(due.c.due_on))).one()
        w = open_work.c
        connection.execute(
            delete(open_work).where(w.coalition_id == coalition_id, w.organisation_id == organisation_id)
        )
        if items:
            row = {"coalition_id": coalition_id, "organisation_id": organisation_id, "items": items}
            connection.execute(insert(open_work), {**row, "earliest_due_on": earliest})


def _keeping_open_work(apply: Apply, rows: Versioned, key: str, sources: list[Table]) -> Apply:
    """`apply` (a change of one commitment or task, `rows`), then the open work counted again for the
    organisation(s) the row belonged to before and after (a reassigned task moves between two)."""

    def applied(connection: Connection, event: RecordedEvent, ids: dict[str, Any]) -> None:
        row_key = {**ids, key: event.payload[key]}
        before = rows.current(connection, row_key)
        apply(connection, event, ids)
        after = rows.current(connection, row_key)
        touched = {row["organisation_id"] for row in (before, after) if row is not None}
        recount(connection, ids["coalition_id"], touched, sources)

    return applied


COMMITMENTS = Versioned(commitments, "coalition_id", "commitment_id")
TASKS = Versioned(tasks, "coalition_id", "task_id")


def iso_day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _commitment(connection: Connection, event: RecordedEvent, ids: dict[str, Any]) -> None:
    p, key = event.payload, {**ids, "commitment_id": event.payload["commitment_id"]}
    if event.type == "CommitmentPledged":
        COMMITMENTS.start(
            connection,
            event.position,
            {
                **key,
                "organisation_id": p["organisation_id"],
                "kind": p["kind"],
                "description": p["description"],
                "quantity": p.get("quantity"),
                "unit": p.get("unit"),
                "objective_id": p.get("objective_id"),
                "due_on": iso_day(p["due_on"]),
                "state": "pledged",
                "closed_on": None,
                "note": None,
                "pledged_position": event.position,
            },
        )
    elif event.type == "CommitmentFulfilled":
        COMMITMENTS.change(
            connection, event.position, key, state="fulfilled", closed_on=iso_day(p["fulfilled_on"]), note=p["note"]
        )
    elif event.type == "CommitmentWithdrawn":
        COMMITMENTS.change(
            connection, event.position, key, state="withdrawn", closed_on=event.recorded_at.date(), note=p["reason"]
        )
    elif event.type == "CommitmentRescheduled":
        COMMITMENTS.change(connection, event.position, key, due_on=iso_day(p["due_on"]), note=p["reason"])


def _task(connection: Connection, event: RecordedEvent, ids: dict[str, Any]) -> None:
    p, key = event.payload, {**ids, "task_id": event.payload["task_id"]}
    if event.type == "TaskCreated":
        TASKS.start(
            connection,
            event.position,
            {
                **key,
                "title": p["title"],
                "description": p["description"],
                "organisation_id": p["organisation_id"],
                "assignee_user_id": p.get("assignee_user_id"),
                "objective_id": p.get("objective_id"),
                "commitment_id": p.get("commitment_id"),
                "due_on": iso_day(p["due_on"]),
                "state": "open",
                "closed_on": None,
                "note": None,
                "created_position": event.position,
            },
        )
    elif event.type == "TaskAccepted":
        TASKS.change(connection, event.position, key, state="accepted")
    elif event.type == "TaskCompleted":
        TASKS.change(
            connection, event.position, key, state="done", closed_on=iso_day(p["completed_on"]), note=p.get("note")
        )
    elif event.type == "TaskReassigned":
        TASKS.change(
            connection,
            event.position,
            key,
            organisation_id=p["organisation_id"],
            assignee_user_id=p.get("assignee_user_id"),
            state="open",
            note=p.get("reason"),
        )
    elif event.type == "TaskDropped":
        TASKS.change(
            connection, event.position, key, state="dropped", closed_on=event.recorded_at.date(), note=p["reason"]
        )


WORK_APPLY: dict[str, Apply] = {
    **dict.fromkeys(
        ("CommitmentPledged", "CommitmentFulfilled", "CommitmentWithdrawn", "CommitmentRescheduled"),
        _keeping_open_work(_commitment, COMMITMENTS, "commitment_id", [commitments, tasks]),
    ),
    **dict.fromkeys(
        ("TaskCreated", "TaskAccepted", "TaskCompleted", "TaskReassigned", "TaskDropped"),
        _keeping_open_work(_task, TASKS, "task_id", [commitments, tasks]),
    ),
}
