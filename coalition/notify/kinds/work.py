"""The coalition's work: a task given to (or moved to) an organisation, commitments coming due, work overdue.

A task created or reassigned goes to the people who act for the assignee organisation (administrators and
mandate holders) and to the person named as its assignee. The reminders go to the responsible organisation's
liaison in that coalition, else its administrators (`people.responsible`):

- `commitment_due`: seven days before an open commitment's due date, that day only;
- `commitment_overdue` and `task_overdue`: on the first day overdue (`policy.days_overdue` is 1), then every
  seven days while it stays open (days 8, 15, 22, ...): a weekly nudge, never a daily nag. Each fires once on
  its day whatever the number of turns (the reminder's key has the day).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from sqlalchemy.engine import Connection

from coalition.notify.messages import Notice
from coalition.notify.reactor import reacts_to, reminder
from coalition.reads import coalitions, due, organisations, people
from events import RecordedEvent

#: Days before an open commitment's due date on which its reminder goes out.
DUE_IN_DAYS = 7
#: Overdue reminders: on the first day overdue, then every this many days.
OVERDUE_EVERY = 7


def overdue_today(days_overdue: int) -> bool:
    """Whether an item this many days overdue is reminded of today (day 1, then every OVERDUE_EVERY days)."""
    return days_overdue >= 1 and (days_overdue - 1) % OVERDUE_EVERY == 0


def _about(connection: Connection, row: dict[str, Any], page: str) -> dict[str, Any]:
    coalition_id, organisation_id = row["coalition_id"], row["organisation_id"]
    return {
        "coalition": coalitions.name(connection, coalition_id),
        "organisation": organisations.names(connection, [organisation_id]).get(organisation_id, organisation_id),
        "due_on": str(row["due_on"]),
        "path": f"/coalitions/{coalition_id}/{page}",
    }


@reacts_to("TaskCreated", "TaskReassigned")
def task_assigned(connection: Connection, event: RecordedEvent, today: date) -> Iterator[Notice]:
    """The assignee organisation's people (and the named assignee): a task is theirs now."""
    payload = event.payload
    row = due.task(connection, payload["coalition_id"], payload["task_id"])
    if row is None:
        return
    organisation_id = payload["organisation_id"]
    context = {
        **_about(connection, {**row, "organisation_id": organisation_id}, f"tasks/{payload['task_id']}"),
        "title": row["title"],
        "description": row["description"],
        "reassigned": event.type == "TaskReassigned",
        "reason": payload.get("reason") or "",
    }
    told = people.actors(connection, [organisation_id], today).get(organisation_id, set())
    if payload.get("assignee_user_id"):
        told = told | {payload["assignee_user_id"]}
    for user_id in sorted(told):
        yield Notice("task_assigned", user_id, "task_assigned", context, payload["task_id"])


def _responsible(connection: Connection, row: dict[str, Any], today: date) -> list[str]:
    return sorted(people.responsible(connection, row["coalition_id"], row["organisation_id"], today))


@reminder
def commitments_due(connection: Connection, today: date) -> Iterator[Notice]:
    """Open commitments due in seven days, and overdue ones (first day, then weekly)."""
    for item in due.open_commitments(connection, today):
        row = item.row
        if item.days_until == DUE_IN_DAYS:
            kind = "commitment_due"
        elif overdue_today(item.days_overdue):
            kind = "commitment_overdue"
        else:
            continue
        context = {
            **_about(connection, row, f"commitments/{row['commitment_id']}"),
            "description": row["description"],
            "days": item.days_overdue,
        }
        for user_id in _responsible(connection, row, today):
            yield Notice(kind, user_id, kind, context, row["commitment_id"])


@reminder
def tasks_overdue(connection: Connection, today: date) -> Iterator[Notice]:
    """Open tasks past their due date (first day, then weekly)."""
    for item in due.open_tasks(connection, today):
        if not overdue_today(item.days_overdue):
            continue
        row = item.row
        context = {
            **_about(connection, row, f"tasks/{row['task_id']}"),
            "title": row["title"],
            "days": item.days_overdue,
        }
        for user_id in _responsible(connection, row, today):
            yield Notice("task_overdue", user_id, "task_overdue", context, row["task_id"])
