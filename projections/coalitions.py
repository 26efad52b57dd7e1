"""Coalitions as versioned rows: the agreement, memberships, roles, commitments and tasks (these two, and the
facts about each member's open work, in `projections.coalition_work`).

Every row carries the positions between which it was true (see `projections.versioned`), so the
standing and responsibilities views read "now" and "as of" from the same tables.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Boolean, Column, Date, Index, String, Table, Text, false
from sqlalchemy.engine import Connection

from events import RecordedEvent
from events.store import format_time
from projections.base import Projection, metadata
from projections.coalition_ending import ended
from projections.coalition_work import WORK_APPLY, iso_day, open_work
from projections.coalition_work import commitments as commitments  # re-exported: the coalitions' tables
from projections.coalition_work import tasks as tasks
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
    # counted by state and paged in order from these; neither leads with (coalition_id, until_position), so a join
    # on (coalition_id, organisation_id) still takes the primary key (SQLite weighs an index by its equalities)
    Index("ix_coalition_memberships_by_state", "coalition_id", "state", "until_position"),
    Index("ix_coalition_memberships_by_order", "coalition_id", "from_position", "until_position"),
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

AGREEMENTS = Versioned(agreements, "coalition_id")
# the last change of a coalition's memberships (`coalition.reads.statements.history_mark`), one index seek
Index("ix_coalition_memberships_changes", memberships.c.coalition_id, memberships.c.from_position)
# PostgreSQL: a coalition's current members in one state (its requests to join: the inbox), not all of them walked
Index(
    "ix_coalition_memberships_current",
    memberships.c.coalition_id,
    memberships.c.state,
    postgresql_where=memberships.c.until_position.is_(None),
).ddl_if(dialect="postgresql")
MEMBERSHIPS = Versioned(memberships, "coalition_id", "organisation_id")
ROLES = Versioned(roles, "coalition_id", "role_id")

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


def _agreement(p: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": p["name"],
        "purpose": p["purpose"],
        "objectives": json.dumps(p["objectives"]),
        "starts_on": iso_day(p["starts_on"]),
        "ends_on": iso_day(p.get("ends_on")),
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


APPLY: dict[str, Apply] = {
    "CoalitionFounded": _founded,
    "AgreementAmended": lambda c, e, ids: AGREEMENTS.change(c, e.position, ids, **_agreement(e.payload)),
    **dict.fromkeys(MEMBER_STATE_AFTER, _membership),
    "MemberVerified": _verification,
    "MemberVerificationWithdrawn": _verification,
    "RoleAssigned": _role,
    "RoleRemoved": _role,
    **WORK_APPLY,
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
