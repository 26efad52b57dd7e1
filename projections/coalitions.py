"""Coalitions as versioned rows: the agreement, memberships, roles, commitments and tasks.

Every row carries the positions between which it was true (see `projections.versioned`), so the
standing and responsibilities views read "now" and "as of" from the same tables.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    Float,
    Index,
    Integer,
    String,
    Table,
    Text,
    delete,
    false,
    func,
    select,
    union_all,
)
from sqlalchemy.engine import Connection

from events import RecordedEvent
from events.store import format_time
from projections.base import Projection, metadata
from projections.coalition_ending import ended
from projections.versioned import POSITION, Versioned, version_columns

agreements = Table(
    "coalition_agreements",
    metadata,
    Column("coalition_id", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("purpose", Text, nullable=False),
    Column("objectives", Text, nullable=False),  # JSON list of {objective_id, text, measure?, target_date?}
    Column("starts_on", Date, nullable=False),
    Column("ends_on", Date),
    Column("cooperation_mechanism", Text, nullable=False),
    Column("benefit_sharing", Text, nullable=False),
    Column("members_may_draft", Boolean, nullable=False, server_default=false()),
    Column("time_zone", String(64)),  # the coalition's IANA zone; None: none stated (UTC)
    Column("founding_organisation_id", String(64), nullable=False),
    Column("founded_at", String(32), nullable=False),
    # -- ending (lane ending): set by CoalitionClosed --
    Column("ended_on", Date),
    Column("ended_reason", Text),
    Column("ended_by", String(64)),
    Column("final_position", POSITION),  # the log's head when it closed: where the final report stands
    *version_columns(),
)

memberships = Table(
    "coalition_memberships",
    metadata,
    Column("coalition_id", String(64), primary_key=True),
    Column("organisation_id", String(64), primary_key=True, index=True),
    Column("state", String(20), nullable=False),
    Column("since", String(32), nullable=False),
    Column("reason", Text),
    Column("verified_by", String(64)),  # the facilitator who marked the member verified, while it is
    Column("verified_at", String(32)),
    *version_columns(),
)

roles = Table(
    "coalition_roles",
    metadata,
    Column("coalition_id", String(64), primary_key=True),
    Column("role_id", String(64), primary_key=True),
    Column("role", String(20), nullable=False),
    Column("user_id", String(64), nullable=False, index=True),
    Column("organisation_id", String(64), nullable=False),
    Column("since", String(32), nullable=False),
    *version_columns(),
)

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
)

#: Facts about each organisation's open work in a coalition now (not versioned): how many of its commitments and
#: tasks are not closed (`closed_on` unset) and the earliest due date among them; a row only while there is one.
#: No verdict: whether that makes a member late, or in good standing, is decided when read, on the day read
#: (`coalition.reads.standing.needing_attention`), so a due date passing changes nothing here.
open_work = Table(
    "coalition_open_work",
    metadata,
    Column("coalition_id", String(64), primary_key=True),
    Column("organisation_id", String(64), primary_key=True),
    Column("items", Integer, nullable=False),
    Column("earliest_due_on", Date, nullable=False),
    Index("ix_coalition_open_work_due", "coalition_id", "earliest_due_on"),
)

# A coalition's members by state (counted from the index) and in the order of their rows (the first page read
# from the index): a coalition of thousands is not read row by row to count or page it. Neither index starts
# with (coalition_id, until_position), so that a join on (coalition_id, organisation_id) still prefers the
# primary key (SQLite weighs an index by its leading equalities).
Index(
    "ix_coalition_memberships_by_state",
    memberships.c.coalition_id,
    memberships.c.state,
    memberships.c.until_position,
)
# A few members' commitments and tasks are found by their organisation (the pages that read a page of members).
Index("ix_coalition_commitments_by_organisation", commitments.c.coalition_id, commitments.c.organisation_id)
Index("ix_coalition_tasks_by_organisation", tasks.c.coalition_id, tasks.c.organisation_id)
Index(
    "ix_coalition_memberships_by_order",
    memberships.c.coalition_id,
    memberships.c.from_position,
    memberships.c.until_position,
)

AGREEMENTS = Versioned(agreements, "coalition_id")
MEMBERSHIPS = Versioned(memberships, "coalition_id", "organisation_id")
ROLES = Versioned(roles, "coalition_id", "role_id")
COMMITMENTS = Versioned(commitments, "coalition_id", "commitment_id")
TASKS = Versioned(tasks, "coalition_id", "task_id")

MEMBER_STATE_AFTER = {
    "MembershipRequested": "requested",
    "MemberInvited": "invited",
    "MembershipApproved": "active",
    "MembershipDeclined": "declined",
    "InvitationAccepted": "active",
    "MemberSuspended": "suspended",
    "MemberReinstated": "active",
    "MemberLeft": "left",
}


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _agreement(p: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": p["name"],
        "purpose": p["purpose"],
        "objectives": json.dumps(p["objectives"]),
        "starts_on": _day(p["starts_on"]),
        "ends_on": _day(p.get("ends_on")),
        "cooperation_mechanism": p["cooperation_mechanism"],
        "benefit_sharing": p["benefit_sharing"],
        "members_may_draft": bool(p.get("members_may_draft")),
        "time_zone": p.get("time_zone"),
    }


Apply = Callable[[Connection, RecordedEvent, dict[str, Any]], None]


def _founded(connection: Connection, event: RecordedEvent, ids: dict[str, Any]) -> None:
    p, when = event.payload, format_time(event.recorded_at)
    AGREEMENTS.start(
        connection,
        event.position,
        {**ids, **_agreement(p), "founded_at": when, "founding_organisation_id": p["organisation_id"]},
    )
    MEMBERSHIPS.start(
        connection,
        event.position,
        {
            **ids,
            "organisation_id": p["organisation_id"],
            "state": "active",
            "since": when,
            "reason": None,
            "verified_by": None,
            "verified_at": None,
        },
    )


def _membership(connection: Connection, event: RecordedEvent, ids: dict[str, Any]) -> None:
    p = event.payload
    held = MEMBERSHIPS.current(connection, {**ids, "organisation_id": p["organisation_id"]}) or {}
    MEMBERSHIPS.start(
        connection,
        event.position,
        {
            **ids,
            "organisation_id": p["organisation_id"],
            "state": MEMBER_STATE_AFTER[event.type],
            "since": format_time(event.recorded_at),
            "reason": p.get("reason"),
            "verified_by": held.get("verified_by"),  # a verified mark outlives a change of state
            "verified_at": held.get("verified_at"),
        },
    )


def _verification(connection: Connection, event: RecordedEvent, ids: dict[str, Any]) -> None:
    marked = event.type == "MemberVerified"
    MEMBERSHIPS.change(
        connection,
        event.position,
        {**ids, "organisation_id": event.payload["organisation_id"]},
        verified_by=event.payload["verified_by"] if marked else None,
        verified_at=format_time(event.recorded_at) if marked else None,
    )


def _role(connection: Connection, event: RecordedEvent, ids: dict[str, Any]) -> None:
    p = event.payload
    if event.type == "RoleRemoved":
        ROLES.end(connection, event.position, {**ids, "role_id": p["role_id"]})
        return
    ROLES.start(
        connection,
        event.position,
        {
            **ids,
            "role_id": p["role_id"],
            "role": p["role"],
            "user_id": p["user_id"],
            "organisation_id": p["organisation_id"],
            "since": format_time(event.recorded_at),
        },
    )


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
                "due_on": _day(p["due_on"]),
                "state": "pledged",
                "closed_on": None,
                "note": None,
                "pledged_position": event.position,
            },
        )
    elif event.type == "CommitmentFulfilled":
        COMMITMENTS.change(
            connection, event.position, key, state="fulfilled", closed_on=_day(p["fulfilled_on"]), note=p["note"]
        )
    elif event.type == "CommitmentWithdrawn":
        COMMITMENTS.change(
            connection, event.position, key, state="withdrawn", closed_on=event.recorded_at.date(), note=p["reason"]
        )
    elif event.type == "CommitmentRescheduled":
        COMMITMENTS.change(connection, event.position, key, due_on=_day(p["due_on"]), note=p["reason"])


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
                "due_on": _day(p["due_on"]),
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
            connection, event.position, key, state="done", closed_on=_day(p["completed_on"]), note=p.get("note")
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


def _open_work(connection: Connection, coalition_id: str, organisation_ids: set[str]) -> None:
    """Recount the open work of these organisations from their commitment and task rows as they are now."""
    for organisation_id in sorted(organisation_ids):
        where = [
            (table.c.coalition_id == coalition_id)
            & (table.c.organisation_id == organisation_id)
            & table.c.until_position.is_(None)
            & table.c.closed_on.is_(None)
            for table in (commitments, tasks)
        ]
        both = union_all(*(select(t.c.due_on).where(w) for t, w in zip((commitments, tasks), where, strict=True)))
        due = both.subquery()
        items, earliest = connection.execute(select(func.count(), func.min(due.c.due_on))).one()
        key = (open_work.c.coalition_id == coalition_id) & (open_work.c.organisation_id == organisation_id)
        connection.execute(delete(open_work).where(key))
        if items:
            connection.execute(
                open_work.insert(),
                {
                    "coalition_id": coalition_id,
                    "organisation_id": organisation_id,
                    "items": items,
                    "earliest_due_on": earliest,
                },
            )


def _work_of(apply: Apply, table: Table, key: str) -> Apply:
    """`apply`, then the open work recounted for the organisation(s) the row belonged to before and after."""

    def applied(connection: Connection, event: RecordedEvent, ids: dict[str, Any]) -> None:
        row_key = {**ids, key: event.payload[key]}
        before = (TASKS if table is tasks else COMMITMENTS).current(connection, row_key)
        apply(connection, event, ids)
        after = (TASKS if table is tasks else COMMITMENTS).current(connection, row_key)
        touched = {row["organisation_id"] for row in (before, after) if row is not None}
        _open_work(connection, ids["coalition_id"], touched)

    return applied


APPLY: dict[str, Apply] = {
    "CoalitionFounded": _founded,
    "AgreementAmended": lambda c, e, ids: AGREEMENTS.change(c, e.position, ids, **_agreement(e.payload)),
    **dict.fromkeys(MEMBER_STATE_AFTER, _membership),
    "MemberVerified": _verification,
    "MemberVerificationWithdrawn": _verification,
    "RoleAssigned": _role,
    "RoleRemoved": _role,
    **dict.fromkeys(
        ("CommitmentPledged", "CommitmentFulfilled", "CommitmentWithdrawn", "CommitmentRescheduled"),
        _work_of(_commitment, commitments, "commitment_id"),
    ),
    **dict.fromkeys(
        ("TaskCreated", "TaskAccepted", "TaskCompleted", "TaskReassigned", "TaskDropped"),
        _work_of(_task, tasks, "task_id"),
    ),
    "CoalitionClosed": lambda c, e, ids: AGREEMENTS.change(c, e.position, ids, **ended(e.payload)),
}


class Coalitions(Projection):
    """The coalitions' agreements, members, roles, commitments and tasks, version by version."""

    name = "coalitions"
    tables = (agreements, memberships, roles, commitments, tasks, open_work)
    types = frozenset(APPLY)

    def apply(self, connection: Connection, events: Sequence[RecordedEvent]) -> None:
        """Write each event's new row versions."""
        for event in events:
            APPLY[event.type](connection, event, {"coalition_id": event.payload["coalition_id"]})
